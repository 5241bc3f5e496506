"""The Discord side of milestone roles: add a role with an audit-log reason, and tell the
admins when Discord refused. `install_role_grants` adds the sender's job."""

from __future__ import annotations

import logging

import aiohttp
import discord

from bot.core.models import Enrolment
from bot.delivery.jobs import DeliveryJobs
from bot.delivery.ports import SendFailed
from bot.delivery.role_grants import (
    GrantRefused,
    GrantTargetGone,
    MappingDisabled,
    RoleGrants,
)
from bot.delivery.throttle import Throttle
from bot.discord_app.render_roles import disabled_notice, kept_roles_text
from bot.service.context import Context
from bot.service.milestones import MilestoneRolesService

log = logging.getLogger(__name__)

UNKNOWN_ROLE = 10011


class DiscordRoleGranter:
    def __init__(self, bot: discord.Client, throttle: Throttle) -> None:
        self.bot = bot
        self.throttle = throttle

    async def grant_role(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        try:
            async with self.throttle.slot(background=True):
                await self.bot.http.add_role(guild_id, user_id, role_id, reason=reason)
        except discord.Forbidden as exc:
            raise GrantRefused(f"{exc.code} {exc.text}") from exc
        except discord.NotFound as exc:
            raise GrantTargetGone(f"{exc.code} {exc.text}", role=exc.code == UNKNOWN_ROLE) from exc
        except discord.HTTPException as exc:
            permanent = 400 <= exc.status < 500 and exc.status != 429
            raise SendFailed(f"{exc.status} {exc.code}: {exc.text}", permanent=permanent) from exc
        except (TimeoutError, aiohttp.ClientError, OSError) as exc:
            raise SendFailed(f"{type(exc).__name__}: {exc}") from exc

    async def tell_admins(self, notice: MappingDisabled) -> None:
        guild = self.bot.get_guild(notice.guild_id)
        role = guild.get_role(notice.role_id) if guild is not None else None
        text = disabled_notice(
            notice.milestone,
            notice.role_id,
            role.name if role else None,
            notice.error,
            guild.name if guild is not None else None,
        )
        none = discord.AllowedMentions.none()
        if notice.digest_channel_id is not None:
            try:
                await self.throttle.acquire(background=True)
                channel = self.bot.get_partial_messageable(notice.digest_channel_id)
                await channel.send(text, allowed_mentions=none)
                return
            except discord.HTTPException:
                log.warning("digest channel of guild %s refused the notice", notice.guild_id)
        if guild is None or guild.owner_id is None:
            return
        await self.throttle.acquire(background=True)
        dm = await self.bot.create_dm(discord.Object(id=guild.owner_id))
        await dm.send(text, allowed_mentions=none)


def install_role_grants(
    bot: discord.Client, ctx: Context, jobs: DeliveryJobs, throttle: Throttle, retry_base: float
) -> RoleGrants:
    """Add the milestone-role job to the bot's delivery ticks (it runs in the sender only).
    Given the parts, not the bot's class, so this module and client.py do not import each
    other."""
    grants = RoleGrants(
        ctx.store,
        ctx.registry,
        DiscordRoleGranter(bot, throttle),
        ctx.clock,
        retry_base=retry_base,
    )

    async def tick() -> None:
        if jobs.role.sending:
            await grants.sweep()

    jobs.scheduler.add("role-grants", tick)
    return grants


async def kept_roles_note(ctx: Context, enrolment: Enrolment, after: str) -> str:
    """For /undo and /leave: which milestone roles the learner keeps ('' if none)."""
    service = MilestoneRolesService(ctx)
    return kept_roles_text(await service.kept_roles(enrolment), after)
