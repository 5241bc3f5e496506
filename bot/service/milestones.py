"""Milestone roles, the admin side: map a milestone to a role, unmap it, list the roles a
learner was given. Discord's own conditions (Manage Roles, the role's place under the bot's
highest role) are checked by the adapter, which alone can see them; see
bot/delivery/role_grants.py for the granting."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.milestones import Milestone, choices, from_key, parse_milestone
from bot.core.models import Enrolment
from bot.service.context import Context
from bot.store.deliveries import enrolment_target
from bot.store.milestone_roles import MilestoneRole


@dataclass(frozen=True, slots=True)
class Mapped:
    milestone: Milestone
    mapping: MilestoneRole


class MilestoneRolesService:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def max_phase(self) -> int:
        """The most phases any loaded pathway has (phase N must exist somewhere)."""
        counts = [len(p.pathway.roadmap.phases) for p in self.ctx.registry.all()]
        return max(counts, default=1)

    def parse(self, text: str) -> Milestone:
        return parse_milestone(text, self.max_phase())

    def choices(self) -> list[Milestone]:
        return choices(self.max_phase())

    async def set_role(
        self, guild_id: int, milestone: Milestone, role_id: int, set_by: int
    ) -> Mapped:
        mapping = await self.ctx.store.milestone_roles.set(
            guild_id, milestone.key, role_id, set_by, self.ctx.clock.now()
        )
        return Mapped(milestone, mapping)

    async def remove(self, guild_id: int, milestone: Milestone) -> MilestoneRole | None:
        return await self.ctx.store.milestone_roles.remove(guild_id, milestone.key)

    async def mappings(self, guild_id: int) -> list[Mapped]:
        out: list[Mapped] = []
        for m in await self.ctx.store.milestone_roles.for_guild(guild_id):
            milestone = from_key(m.milestone)
            if milestone is not None:
                out.append(Mapped(milestone, m))
        return out

    async def kept_roles(self, enrolment: Enrolment) -> list[int]:
        """Role ids this enrolment earned: they stay after /undo and /leave."""
        granted = await self.ctx.store.milestone_roles.granted(enrolment_target(enrolment.id))
        return sorted({role_id for _, role_id in granted})
