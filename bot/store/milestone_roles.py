"""Milestone roles: which role a server gives for which milestone, and whom to look at.

The grants themselves are outbox rows (kind 'role-grant', target the enrolment, period key
`<milestone>:<role id>`), so each learner gets each role once, retried until done; this
module holds the mapping (migration 010) and the per-enrolment watermark that lets the
sender evaluate only learners who checked something off since it last looked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.core.models import DeliveryKind
from bot.store import codec
from bot.store.backend import Backend, Row
from bot.store.deliveries import new_nonce

_MAX_REASON = 300


@dataclass(frozen=True, slots=True)
class MilestoneRole:
    guild_id: int
    milestone: str  # the key, e.g. 'first-week', 'phase-2' (bot/core/milestones.py)
    role_id: int
    set_by: int | None
    created_at: datetime
    disabled_at: datetime | None = None
    disabled_reason: str | None = None

    @property
    def enabled(self) -> bool:
        return self.disabled_at is None


def _from_row(row: Row) -> MilestoneRole:
    return MilestoneRole(
        guild_id=row["guild_id"],
        milestone=row["milestone"],
        role_id=row["role_id"],
        set_by=row["set_by"],
        created_at=codec.from_instant(row["created_at"]),
        disabled_at=codec.opt_from_instant(row["disabled_at"]),
        disabled_reason=row["disabled_reason"],
    )


def grant_key(milestone: str, role_id: int) -> str:
    """The outbox period key of one grant: a new role for a milestone is a new grant."""
    return f"{milestone}:{role_id}"


def parse_grant_key(key: str) -> tuple[str, int] | None:
    milestone, _, role = key.rpartition(":")
    return (milestone, int(role)) if milestone and role.isdigit() else None


_UPSERT = (
    "INSERT INTO milestone_roles (guild_id, milestone, role_id, set_by, created_at)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id, milestone) DO UPDATE SET"
    " role_id = excluded.role_id, set_by = excluded.set_by, created_at = excluded.created_at,"
    " disabled_at = NULL, disabled_reason = NULL"
)
_RESET_CHECKS = (
    "DELETE FROM milestone_checks WHERE enrolment_id IN"
    " (SELECT id FROM enrolments WHERE guild_id = ?)"
)
_UNCHECKED = (
    "SELECT e.id, e.last_completed_at FROM enrolments AS e"
    " LEFT JOIN milestone_checks AS k ON k.enrolment_id = e.id"
    " WHERE e.guild_id IN (SELECT guild_id FROM milestone_roles WHERE disabled_at IS NULL)"
    " AND e.status <> 'left' AND e.last_completed_at IS NOT NULL"
    " AND (k.checked_through IS NULL OR e.last_completed_at > k.checked_through)"
    " ORDER BY e.id LIMIT ?"
)
_MARK_CHECKED = (
    "INSERT INTO milestone_checks (enrolment_id, checked_through) VALUES (?, ?)"
    " ON CONFLICT (enrolment_id) DO UPDATE SET checked_through = excluded.checked_through"
)
# A grant skipped or failed earlier (its mapping was disabled, then set again) is re-armed;
# one pending or done is left alone, so each learner gets each role once.
_CLAIM_GRANT = (
    "INSERT INTO deliveries (kind, target, period_key, nonce, status, next_attempt_at,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)"
    " ON CONFLICT (target, kind, period_key) DO UPDATE SET status = 'pending', attempts = 0,"
    " last_error = NULL, next_attempt_at = excluded.next_attempt_at,"
    " updated_at = excluded.updated_at WHERE deliveries.status IN ('skipped', 'failed')"
    " RETURNING id"
)
_GRANTED = (
    "SELECT target, period_key FROM deliveries WHERE kind = ? AND status = 'sent'"
    " AND target = ? ORDER BY id"
)


class MilestoneRoles:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def set(
        self, guild_id: int, milestone: str, role_id: int, set_by: int | None, now: datetime
    ) -> MilestoneRole:
        """Map (or re-map, re-enabling a disabled mapping) and have every learner of the
        server looked at again, so those who already reached it get the role too."""
        async with self._db.write() as tx:
            await tx.execute(_UPSERT, (guild_id, milestone, role_id, set_by, codec.instant(now)))
            await tx.execute(_RESET_CHECKS, (guild_id,))
            row = await tx.fetchrow(
                "SELECT * FROM milestone_roles WHERE guild_id = ? AND milestone = ?",
                (guild_id, milestone),
            )
        return _from_row(row)

    async def remove(self, guild_id: int, milestone: str) -> MilestoneRole | None:
        """Stop granting; roles already given stay. Returns the mapping removed, if any."""
        async with self._db.write() as tx:
            row = await tx.fetchone(
                "SELECT * FROM milestone_roles WHERE guild_id = ? AND milestone = ?",
                (guild_id, milestone),
            )
            if row is None:
                return None
            await tx.execute(
                "DELETE FROM milestone_roles WHERE guild_id = ? AND milestone = ?",
                (guild_id, milestone),
            )
        return _from_row(row)

    async def get(self, guild_id: int, milestone: str) -> MilestoneRole | None:
        async with self._db.read_one() as tx:
            row = await tx.fetchone(
                "SELECT * FROM milestone_roles WHERE guild_id = ? AND milestone = ?",
                (guild_id, milestone),
            )
        return None if row is None else _from_row(row)

    async def for_guild(self, guild_id: int) -> list[MilestoneRole]:
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(
                "SELECT * FROM milestone_roles WHERE guild_id = ? ORDER BY created_at, milestone",
                (guild_id,),
            )
        return [_from_row(r) for r in rows]

    async def disable(
        self, guild_id: int, milestone: str, role_id: int, reason: str, now: datetime
    ) -> bool:
        """Disable the mapping if it is still enabled for this role. True only for the call
        that disabled it, so the admins are told once."""
        async with self._db.write() as tx:
            changed = await tx.execute(
                "UPDATE milestone_roles SET disabled_at = ?, disabled_reason = ?"
                " WHERE guild_id = ? AND milestone = ? AND role_id = ? AND disabled_at IS NULL",
                (codec.instant(now), reason[:_MAX_REASON], guild_id, milestone, role_id),
            )
        return changed == 1

    async def unchecked(self, limit: int = 200) -> list[tuple[int, datetime]]:
        """(enrolment id, latest completion) of enrolments in servers with an enabled
        mapping, with a completion the sender has not evaluated yet."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(_UNCHECKED, (limit,))
        return [(int(r[0]), codec.from_instant(r[1])) for r in rows]

    async def mark_checked(self, checked: Sequence[tuple[int, datetime]]) -> None:
        if not checked:
            return
        async with self._db.write() as tx:
            await tx.executemany(
                _MARK_CHECKED, [(eid, codec.instant(at)) for eid, at in sorted(checked)]
            )

    async def claim_grants(self, keys: Sequence[tuple[str, str]], now: datetime) -> int:
        """Queue grants (outbox target, grant key), due now, in one transaction; returns how
        many were queued (new, or re-armed after a skip)."""
        ts = codec.instant(now)
        queued = 0
        async with self._db.write() as tx:
            for target, key in keys:
                row = await tx.fetchone(
                    _CLAIM_GRANT,
                    (DeliveryKind.ROLE_GRANT.value, target, key, new_nonce(), ts, ts, ts),
                )
                queued += row is not None
        return queued

    async def finish_grant(self, delivery_id: int, now: datetime) -> None:
        """The role is given: the row is done (a grant has no message to remember)."""
        async with self._db.write() as tx:
            await tx.execute(
                "UPDATE deliveries SET status = 'sent', attempts = attempts + 1,"
                " next_attempt_at = NULL, updated_at = ? WHERE id = ? AND status = 'pending'",
                (codec.instant(now), delivery_id),
            )

    async def granted(self, target: str) -> list[tuple[str, int]]:
        """(milestone key, role id) of the roles given for one enrolment target."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(_GRANTED, (DeliveryKind.ROLE_GRANT.value, target))
        out: list[tuple[str, int]] = []
        for r in rows:
            parsed = parse_grant_key(r["period_key"])
            if parsed is not None:
                out.append(parsed)
        return out
