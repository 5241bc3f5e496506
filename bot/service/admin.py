"""Server settings that admins change (digest channel, reminder defaults, who creates groups,
closed-DM notices) and the private summary `/setup show` gives of them."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.core.digest_schedule import DigestTiming, digest_timing
from bot.core.models import EnrolmentStatus, GuildSettings, ReminderPrefs
from bot.core.progress import Track
from bot.core.standing import standing
from bot.core.timeparse import override_prefs
from bot.service.context import Context


@dataclass(frozen=True, slots=True)
class LearnerCounts:
    active: int
    paused: int
    behind: int  # of the active ones: a deadline passed with the work undone


@dataclass(frozen=True, slots=True)
class SettingsSummary:
    settings: GuildSettings
    timing: DigestTiming
    counts: LearnerCounts


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
            return current  # nothing to change: the reply says what the defaults are
        prefs = override_prefs(current.default_prefs or ReminderPrefs(), day, at, timezone)
        return await self.ctx.store.guilds.set(replace(current, default_prefs=prefs))

    def digest_timing(self, settings: GuildSettings) -> DigestTiming:
        """When this server's digests post next, now: the replies that change the digest
        channel or the defaults (which also time the digests) say so."""
        return digest_timing(settings, self.ctx.clock.now())

    async def set_member_groups(self, guild_id: int, allowed: bool) -> GuildSettings:
        current = await self.ctx.store.guilds.get(guild_id)
        return await self.ctx.store.guilds.set(replace(current, members_can_create_groups=allowed))

    async def set_dm_notice(self, guild_id: int, enabled: bool) -> GuildSettings:
        current = await self.ctx.store.guilds.get(guild_id)
        return await self.ctx.store.guilds.set(replace(current, dm_closed_notice=enabled))

    async def summary(self, guild_id: int) -> SettingsSummary:
        """Everything `/setup show` states: the settings, when digests post, and how many
        learners here are active, paused and behind."""
        settings = await self.ctx.store.guilds.get(guild_id)
        now = self.ctx.clock.now()
        enrolments = [
            e
            for e in await self.ctx.store.enrolments.following_in_guild(guild_id)
            if self.ctx.registry.find(e.pathway_id) is not None
        ]
        active = [e for e in enrolments if e.status is EnrolmentStatus.ACTIVE]
        done = await self.ctx.store.completions.for_enrolments([e.id for e in active])
        behind = sum(
            1
            for e in active
            if standing(
                self.ctx.registry.get(e.pathway_id), e, done.get(e.id, []), now
            ).progress.on_track.track
            is Track.BEHIND
        )
        counts = LearnerCounts(len(active), len(enrolments) - len(active), behind)
        return SettingsSummary(settings, digest_timing(settings, now), counts)
