"""A user's data rights: export everything about them, or erase it and nothing else.

"About them" is their learner row, their enrolments with pauses and completions, their group
memberships, the groups they created (erasure keeps the group, which others belong to, and
forgets its creator) and the outbox rows addressed to their enrolments.
"""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import date, datetime, time

from bot.store import codec
from bot.store.backend import Backend, Sql, Tx
from bot.store.completions import completion_from_row
from bot.store.deliveries import delivery_from_row, enrolment_target
from bot.store.enrolments import SELECT as SELECT_ENROLMENTS
from bot.store.enrolments import enrolment_from_row
from bot.store.groups import group_from_row
from bot.store.learners import learner_from_row
from bot.store.results import UserDeletion

Json = None | bool | int | float | str | list["Json"] | dict[str, "Json"]

_OWN_COMPLETIONS = (
    "SELECT c.* FROM completions AS c JOIN enrolments AS e ON e.id = c.enrolment_id"
    " WHERE e.user_id = ? ORDER BY c.enrolment_id, c.completed_at, c.item_id"
)
_OWN_MEMBERSHIPS = (
    "SELECT m.group_id, g.guild_id, g.name AS group_name, g.pathway_id, m.enrolment_id,"
    " m.joined_at FROM group_members AS m JOIN study_groups AS g ON g.id = m.group_id"
    " JOIN enrolments AS e ON e.id = m.enrolment_id"
    " WHERE e.user_id = ? ORDER BY m.joined_at, m.group_id"
)
# The targets come from deliveries.enrolment_target as a JSON array, so the target format
# lives in one place.
_TARGETED = Sql(
    sqlite="FROM deliveries WHERE target IN (SELECT value FROM json_each(?))",
    postgres="FROM deliveries WHERE target IN (SELECT json_array_elements_text(CAST(? AS json)))",
)


def to_json(value: object) -> Json:
    """Domain objects as JSON values: dataclasses as objects, instants and dates as ISO text."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, enum.Enum):
        return to_json(value.value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"cannot export {type(value).__name__}")


async def _targets(tx: Tx, user_id: int) -> str:
    rows = await tx.fetchall("SELECT id FROM enrolments WHERE user_id = ?", (user_id,))
    return json.dumps([enrolment_target(row["id"]) for row in rows])


class Privacy:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def export_user(self, user_id: int, now: datetime) -> dict[str, Json]:
        """Everything stored about one user, as a JSON-serialisable dict (one snapshot)."""
        async with self._db.read() as tx:
            learner = await tx.fetchone("SELECT * FROM learners WHERE user_id = ?", (user_id,))
            enrolments = await tx.fetchall(
                SELECT_ENROLMENTS + " WHERE e.user_id = ? ORDER BY e.id", (user_id,)
            )
            completions = await tx.fetchall(_OWN_COMPLETIONS, (user_id,))
            memberships = await tx.fetchall(_OWN_MEMBERSHIPS, (user_id,))
            groups = await tx.fetchall(
                "SELECT * FROM study_groups WHERE created_by = ? ORDER BY id", (user_id,)
            )
            deliveries = await tx.fetchall(
                "SELECT * " + _TARGETED + " ORDER BY id", (await _targets(tx, user_id),)
            )
        return {
            "user_id": user_id,
            "exported_at": now.isoformat(),
            "learner": None if learner is None else to_json(learner_from_row(learner)),
            "enrolments": [to_json(enrolment_from_row(row)) for row in enrolments],
            "completions": [to_json(completion_from_row(row)) for row in completions],
            "group_memberships": [
                {
                    "group_id": row["group_id"],
                    "guild_id": row["guild_id"],
                    "group_name": row["group_name"],
                    "pathway_id": row["pathway_id"],
                    "enrolment_id": row["enrolment_id"],
                    "joined_at": codec.from_instant(row["joined_at"]).isoformat(),
                }
                for row in memberships
            ],
            "groups_created": [to_json(group_from_row(row)) for row in groups],
            "deliveries": [to_json(delivery_from_row(row)) for row in deliveries],
        }

    async def delete_user(self, user_id: int) -> UserDeletion:
        """Erase one user in one transaction; other users' rows are untouched.

        Foreign keys cascade from the learner row to enrolments and on to their pauses,
        completions and group memberships; outbox rows and group creators are handled here.
        """
        async with self._db.write() as tx:
            counts = await tx.fetchrow(
                "SELECT (SELECT COUNT(*) FROM learners WHERE user_id = ?1) AS learner,"
                " (SELECT COUNT(*) FROM enrolments WHERE user_id = ?1) AS enrolments,"
                " (SELECT COUNT(*) FROM completions WHERE enrolment_id IN"
                "   (SELECT id FROM enrolments WHERE user_id = ?1)) AS completions,"
                " (SELECT COUNT(*) FROM group_members WHERE enrolment_id IN"
                "   (SELECT id FROM enrolments WHERE user_id = ?1)) AS memberships",
                (user_id,),
            )
            deliveries = await tx.execute("DELETE " + _TARGETED, (await _targets(tx, user_id),))
            await tx.execute(
                "UPDATE study_groups SET created_by = NULL WHERE created_by = ?", (user_id,)
            )
            await tx.execute("DELETE FROM learners WHERE user_id = ?", (user_id,))
        return UserDeletion(
            learner=bool(counts["learner"]),
            enrolments=counts["enrolments"],
            completions=counts["completions"],
            memberships=counts["memberships"],
            deliveries=deliveries,
        )
