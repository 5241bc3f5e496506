"""Milestone roles, granted through the outbox: exactly once per learner, milestone and role.

Each sender tick:
1. **Detect.** Learners who checked something off since last looked at (in servers with an
   enabled mapping) are evaluated; for each mapped milestone they have reached, an outbox
   row (kind 'role-grant') is claimed. The row's key makes it once per learner, milestone
   and role, whatever crashes or repeats.
2. **Grant.** Due rows are leased and granted with an audit-log reason. Success marks the
   row done. A crash before that leaves it pending, and once the lease ends it is granted
   again: adding a role a member already has changes nothing, so a grant is never doubled.
   Discord answering 403 (the bot lost Manage Roles, or the role now sits above the bot's)
   disables the mapping, skips the rest of its rows without asking Discord again, and tells
   the server's digest channel or, without one, its owner: no endless retries, and no pile
   of invalid requests. A deleted role does the same; a member who left is skipped. Other
   failures retry with the outbox's backoff.
Roles are never taken away: not on `/undo`, not on `/leave`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.clock import Clock
from bot.core.milestones import Milestone, from_key
from bot.core.models import DeliveryKind, Enrolment
from bot.core.registry import Pathways
from bot.core.standing import standing
from bot.delivery.ports import SendFailed
from bot.delivery.retry import MAX_ATTEMPTS, backoff
from bot.store.deliveries import enrolment_of, enrolment_target
from bot.store.milestone_roles import MilestoneRole, grant_key, parse_grant_key
from bot.store.store import Store

log = logging.getLogger(__name__)

#: A leased grant not finished by then (its sender died) is offered again.
GRANT_LEASE = timedelta(seconds=60)
BATCH = 100


class GrantRefused(Exception):
    """Discord answered 403: the bot may not give this role (Manage Roles, hierarchy)."""


class GrantTargetGone(Exception):
    """404: the role (`role=True`) or the member is gone."""

    def __init__(self, message: str, *, role: bool) -> None:
        super().__init__(message)
        self.role = role


@dataclass(frozen=True, slots=True)
class MappingDisabled:
    """What the admins are told when Discord refused a grant and the mapping was turned off."""

    guild_id: int
    milestone: str  # label, e.g. "first week"
    role_id: int
    error: str
    digest_channel_id: int | None  # where to tell them; None: DM the server's owner


class RoleGranter(Protocol):
    async def grant_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        """Add the role; raises GrantRefused, GrantTargetGone or SendFailed."""
        ...

    async def tell_admins(self, notice: MappingDisabled) -> None:
        """Best effort: post in the digest channel, else DM the owner."""
        ...


@dataclass(slots=True)
class GrantReport:
    claimed: int = 0
    granted: int = 0
    skipped: int = 0
    failed: int = 0
    disabled: list[str] = field(default_factory=list)


def audit_reason(milestone: Milestone, pathway_name: str) -> str:
    """The audit log's reason (Discord allows 512 characters)."""
    return f"pathway-bot milestone role: reached {milestone.label} on {pathway_name}"[:500]


class RoleGrants:
    def __init__(
        self,
        store: Store,
        registry: Pathways,
        granter: RoleGranter,
        clock: Clock,
        *,
        retry_base: float = 30.0,
    ) -> None:
        self.store = store
        self.registry = registry
        self.granter = granter
        self.clock = clock
        self.retry_base = retry_base

    async def sweep(self) -> GrantReport:
        report = GrantReport()
        now = self.clock.now()
        report.claimed = await self.detect(now)
        await self.grant_due(now, report)
        if report.granted or report.failed or report.disabled:
            log.info(
                "milestone roles: %d granted, %d skipped, %d failed, mappings disabled: %s",
                report.granted,
                report.skipped,
                report.failed,
                ", ".join(report.disabled) or "none",
            )
        return report

    # --- 1. detect ----------------------------------------------------------------------------

    async def detect(self, now: datetime) -> int:
        """Claim a grant row for every mapped milestone newly reached; returns rows created."""
        pending = await self.store.milestone_roles.unchecked(BATCH)
        if not pending:
            return 0
        enrolments = await self.store.enrolments.get_many([eid for eid, _ in pending])
        completions = await self.store.completions.for_enrolments(list(enrolments))
        mappings: dict[int, list[MilestoneRole]] = {}
        keys: list[tuple[str, str]] = []
        for eid, _ in pending:
            e = enrolments.get(eid)
            found = self.registry.find(e.pathway_id) if e is not None else None
            if e is None or e.guild_id is None or found is None:
                continue
            if e.guild_id not in mappings:
                mappings[e.guild_id] = [
                    m for m in await self.store.milestone_roles.for_guild(e.guild_id) if m.enabled
                ]
            progress = standing(found.pathway, e, completions.get(eid, []), now).progress
            for m in mappings[e.guild_id]:
                milestone = from_key(m.milestone)
                if milestone is not None and milestone.reached(progress):
                    keys.append((enrolment_target(eid), grant_key(m.milestone, m.role_id)))
        created = await self.store.milestone_roles.claim_grants(keys, now) if keys else 0
        # Only after the claims: a crash in between looks at these learners again.
        await self.store.milestone_roles.mark_checked(pending)
        return created

    # --- 2. grant -----------------------------------------------------------------------------

    async def grant_due(self, now: datetime, report: GrantReport) -> None:
        rows = await self.store.deliveries.claim_retries(
            now, lease_until=now + GRANT_LEASE, limit=BATCH, kinds=(DeliveryKind.ROLE_GRANT,)
        )
        for row in rows:
            eid = enrolment_of(row.target)
            parsed = parse_grant_key(row.period_key)
            enrolment = await self.store.enrolments.get(eid) if eid is not None else None
            if parsed is None or enrolment is None or enrolment.guild_id is None:
                await self.store.deliveries.skip(row.id, now, "enrolment gone")
                report.skipped += 1
                continue
            key, role_id = parsed
            mapping = await self.store.milestone_roles.get(enrolment.guild_id, key)
            milestone = from_key(key)
            if (
                mapping is None
                or milestone is None
                or not mapping.enabled
                or mapping.role_id != role_id
            ):
                # Removed, disabled after a 403, or mapped to another role since: never ask
                # Discord for a grant it would refuse.
                await self.store.deliveries.skip(row.id, now, "mapping removed or disabled")
                report.skipped += 1
                continue
            await self._grant(row.id, row.attempts, enrolment, milestone, mapping, now, report)

    async def _grant(
        self,
        delivery_id: int,
        attempts: int,
        enrolment: Enrolment,
        milestone: Milestone,
        mapping: MilestoneRole,
        now: datetime,
        report: GrantReport,
    ) -> None:
        found = self.registry.find(enrolment.pathway_id)
        name = found.pathway.name if found else enrolment.pathway_id
        try:
            await self.granter.grant_role(
                mapping.guild_id, enrolment.user_id, mapping.role_id, audit_reason(milestone, name)
            )
        except GrantRefused as exc:
            await self._disable(delivery_id, mapping, milestone, f"403: {exc}", now, report)
        except GrantTargetGone as exc:
            if exc.role:
                await self._disable(
                    delivery_id, mapping, milestone, f"role deleted: {exc}", now, report
                )
            else:
                await self.store.deliveries.skip(delivery_id, now, f"member gone: {exc}")
                report.skipped += 1
        except SendFailed as exc:
            limit = 1 if exc.permanent else MAX_ATTEMPTS
            retry_at = now + backoff(attempts, self.retry_base)
            await self.store.deliveries.mark_failed(delivery_id, str(exc), now, limit, retry_at)
            report.failed += 1
        else:
            await self.store.milestone_roles.finish_grant(delivery_id, now)
            report.granted += 1

    async def _disable(
        self,
        delivery_id: int,
        mapping: MilestoneRole,
        milestone: Milestone,
        error: str,
        now: datetime,
        report: GrantReport,
    ) -> None:
        await self.store.deliveries.skip(delivery_id, now, error)
        report.skipped += 1
        first = await self.store.milestone_roles.disable(
            mapping.guild_id, mapping.milestone, mapping.role_id, error, now
        )
        if not first:
            return
        report.disabled.append(f"{mapping.guild_id}/{milestone.label}")
        settings = await self.store.guilds.get(mapping.guild_id)
        notice = MappingDisabled(
            mapping.guild_id, milestone.label, mapping.role_id, error, settings.digest_channel_id
        )
        try:
            await self.granter.tell_admins(notice)
        except Exception:
            log.exception(
                "could not tell guild %s its milestone role was disabled", notice.guild_id
            )
