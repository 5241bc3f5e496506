"""Study groups within a guild and who is in them.

Names are unique per guild whatever their case: the store keeps a casefolded key beside the
name as typed, so "Night Owls" and "night owls" collide (str.casefold also folds non-ASCII,
which SQLite's NOCASE does not).

A membership belongs to the learner's enrolment in the group's guild and pathway, so only
enrolled learners join, each is in at most one group per pathway per guild, and joining a
second one is refused rather than silently moving them (nobody loses a group by a misclick).
Leaving the pathway keeps the membership for a return, but hides it from `members`.
"""

from __future__ import annotations

from datetime import date, datetime

from bot.core.errors import AlreadyExists, ErrorCode, NotEnrolled, NotFound
from bot.core.models import Learner, StudyGroup
from bot.store import codec
from bot.store.backend import Backend, Row, Sql
from bot.store.learners import learner_from_row

_SELECT = "SELECT * FROM study_groups"
_MEMBERS = (
    "SELECT l.* FROM group_members AS m JOIN enrolments AS e ON e.id = m.enrolment_id"
    " JOIN learners AS l ON l.user_id = e.user_id"
    " WHERE m.group_id = ? AND e.status <> 'left' ORDER BY m.joined_at, e.user_id"
)
# COALESCE(guild_id, 0) matches the unique index enrolments_one_per_pathway.
_ENROLMENT = (
    "SELECT id, status FROM enrolments"
    " WHERE user_id = ? AND COALESCE(guild_id, 0) = ? AND pathway_id = ?"
)
# join() checks the learner's current group, then inserts: on PostgreSQL it holds the
# enrolment row meanwhile, so two joins at once cannot both pass the check.
_ENROLMENT_FOR_UPDATE = Sql(sqlite=_ENROLMENT, postgres=_ENROLMENT + " FOR UPDATE")
_GROUP_OF_ENROLMENT = (
    "SELECT g.* FROM group_members AS m JOIN study_groups AS g ON g.id = m.group_id"
    " WHERE m.enrolment_id = ?"
)
# The same by the enrolment's key, in one statement (one round trip on PostgreSQL).
_GROUP_OF = (
    "SELECT g.* FROM enrolments AS e JOIN group_members AS m ON m.enrolment_id = e.id"
    " JOIN study_groups AS g ON g.id = m.group_id"
    " WHERE e.user_id = ? AND COALESCE(e.guild_id, 0) = ? AND e.pathway_id = ?"
)


def name_key(name: str) -> str:
    return name.casefold()


def group_from_row(row: Row) -> StudyGroup:
    return StudyGroup(
        id=row["id"],
        guild_id=row["guild_id"],
        name=row["name"],
        pathway_id=row["pathway_id"],
        cohort_start=codec.from_day(row["cohort_start"]),
        channel_id=row["channel_id"],
        created_by=row["created_by"],
    )


class StudyGroups:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def create(
        self,
        guild_id: int,
        name: str,
        pathway_id: str,
        cohort_start: date,
        now: datetime,
        channel_id: int | None = None,
        created_by: int | None = None,
    ) -> StudyGroup:
        """Raises AlreadyExists if the guild has a group of that name in any letter case."""
        async with self._db.write() as tx:
            row = await tx.fetchone(
                "INSERT INTO study_groups (guild_id, name, name_key, pathway_id, channel_id,"
                " cohort_start, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (guild_id, name_key) DO NOTHING RETURNING *",
                (
                    guild_id,
                    name,
                    name_key(name),
                    pathway_id,
                    channel_id,
                    codec.day(cohort_start),
                    created_by,
                    codec.instant(now),
                ),
            )
        if row is None:
            raise AlreadyExists(code=ErrorCode.GROUP_NAME_TAKEN, name=name)
        return group_from_row(row)

    async def get(self, group_id: int) -> StudyGroup | None:
        async with self._db.read_one() as tx:
            row = await tx.fetchone(_SELECT + " WHERE id = ?", (group_id,))
        return None if row is None else group_from_row(row)

    async def get_by_name(self, guild_id: int, name: str) -> StudyGroup | None:
        async with self._db.read_one() as tx:
            row = await tx.fetchone(
                _SELECT + " WHERE guild_id = ? AND name_key = ?", (guild_id, name_key(name))
            )
        return None if row is None else group_from_row(row)

    async def list_for_guild(
        self, guild_id: int, pathway_id: str | None = None
    ) -> list[StudyGroup]:
        """A guild's groups by name, optionally only those for one pathway."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(
                _SELECT + " WHERE guild_id = ? AND (CAST(? AS TEXT) IS NULL OR pathway_id = ?)"
                " ORDER BY name_key",
                (guild_id, pathway_id, pathway_id),
            )
        return [group_from_row(row) for row in rows]

    async def group_of(self, user_id: int, guild_id: int, pathway_id: str) -> StudyGroup | None:
        """The group this learner is in for a pathway in a guild, if any."""
        async with self._db.read_one() as tx:
            row = await tx.fetchone(_GROUP_OF, (user_id, guild_id, pathway_id))
        return None if row is None else group_from_row(row)

    async def join(self, group_id: int, user_id: int, now: datetime) -> StudyGroup:
        """Join with the learner's enrolment in the group's pathway.

        Raises NotEnrolled without one, and AlreadyExists when already in this group or in
        another group for the same pathway (the message names it: leave it first).
        """
        async with self._db.write() as tx:
            row = await tx.fetchone(_SELECT + " WHERE id = ?", (group_id,))
            if row is None:
                raise NotFound(code=ErrorCode.GROUP_GONE)
            group = group_from_row(row)
            enrolment = await tx.fetchone(
                _ENROLMENT_FOR_UPDATE, (user_id, group.guild_id, group.pathway_id)
            )
            if enrolment is None or enrolment["status"] == "left":
                raise NotEnrolled(code=ErrorCode.GROUP_NEEDS_ENROLMENT)
            current = await tx.fetchone(_GROUP_OF_ENROLMENT, (enrolment["id"],))
            if current is not None:
                if current["id"] == group_id:
                    raise AlreadyExists(code=ErrorCode.ALREADY_IN_GROUP, name=group.name)
                raise AlreadyExists(code=ErrorCode.IN_ANOTHER_GROUP, name=str(current["name"]))
            await tx.execute(
                "INSERT INTO group_members (group_id, enrolment_id, joined_at) VALUES (?, ?, ?)",
                (group_id, enrolment["id"], codec.instant(now)),
            )
        return group

    async def add_member(self, group_id: int, enrolment_id: int, now: datetime) -> None:
        """Put an enrolment the caller's unit of work has just created (so in no group yet)
        into a group it checked; `join` is the checked path for everything else."""
        async with self._db.write() as tx:
            await tx.execute(
                "INSERT INTO group_members (group_id, enrolment_id, joined_at) VALUES (?, ?, ?)",
                (group_id, enrolment_id, codec.instant(now)),
            )

    async def leave(self, group_id: int, user_id: int) -> bool:
        """False when they were not a member."""
        async with self._db.write() as tx:
            removed = await tx.execute(
                "DELETE FROM group_members WHERE group_id = ?"
                " AND enrolment_id IN (SELECT id FROM enrolments WHERE user_id = ?)",
                (group_id, user_id),
            )
        return removed > 0

    async def members(self, group_id: int) -> list[Learner]:
        """Members still on the pathway, in the order they joined."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(_MEMBERS, (group_id,))
        return [learner_from_row(row) for row in rows]
