"""Server settings that admins change: the digest channel and default reminder settings."""

from __future__ import annotations

from dataclasses import replace

from bot.core.digest_schedule import DigestTiming, digest_timing
from bot.core.errors import InvalidInput
from bot.core.models import GuildSettings, ReminderPrefs
from bot.core.timeparse import override_prefs
from bot.service.context import Context


class Admin:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def settings(self, guild_id: int) -> GuildSettings:
        return await self.ctx.store.guilds.get(guild_id)

    async def set_digest_channel(self, guild_id: int, channel_id: int | None) -> GuildSettings:
        current = await self.ctx.store.guilds.get(guild_id)
        return await self.ctx.store.guilds.set(replace(current, digest_channel_id=channel_id))

    async def set_defaults(
        self, guild_id: int, day: str | None, at: str | None, timezone: str | None
    ) -> GuildSettings:
        current = await self.ctx.store.guilds.get(guild_id)
        if day is None and at is None and timezone is None:
            if current.default_prefs is None:
                raise InvalidInput("Give at least one of `day`, `time` or `timezone`.")
            return current
        prefs = override_prefs(current.default_prefs or ReminderPrefs(), day, at, timezone)
        return await self.ctx.store.guilds.set(replace(current, default_prefs=prefs))

    def digest_timing(self, settings: GuildSettings) -> DigestTiming:
        """When this server's digests post next, now: the replies that change the digest
        channel or the defaults (which also time the digests) say so."""
        return digest_timing(settings, self.ctx.clock.now())

    async def set_member_groups(self, guild_id: int, allowed: bool) -> GuildSettings:
        current = await self.ctx.store.guilds.get(guild_id)
        return await self.ctx.store.guilds.set(replace(current, members_can_create_groups=allowed))
