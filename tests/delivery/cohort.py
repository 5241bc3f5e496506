"""Build a cohort in the emulator and the bot's database before the bot starts."""

from __future__ import annotations

from datetime import timedelta

from bot.core.cadence import next_reminder
from bot.core.models import GuildSettings, ReminderPrefs
from bot.emulator.driver import Emulator
from bot.emulator.models import Guild, User
from bot.store.store import Store
from tests import bulk_load as bulk
from tests.harness import SEED, BotProcess


def add_cohort(emu: Emulator, n: int, *, dms_open: bool = True) -> tuple[Guild, list[User]]:
    # The emulator's default bucket (5/s) would throttle the one-off DM channel creation for
    # a whole cohort; these tests are about delivery guarantees, not that bucket.
    emu.set_route_rate_limit("POST /users/@me/channels", 10_000, 1.0)
    guild = emu.add_guild("Cohort", emu.add_user("owner"))
    users = []
    for i in range(n):
        user = emu.add_user(f"l{i}", dms_open=dms_open)
        emu.add_member(guild, user)
        users.append(user)
    return guild, users


async def enrol_all(
    bot: BotProcess,
    guild: Guild,
    users: list[User],
    due_ago: timedelta,
    digest_channel: int | None = None,
    *,
    aligned: bool = False,
) -> None:
    """Every user enrolled on the seed pathway with a reminder `due_ago` in the past.

    `aligned` puts it on the first regular weekly slot (Monday 09:00 UTC, the default
    preferences) after `now - due_ago`, as the bot itself would have scheduled it.
    """
    now = bot.now()
    due_at = now - due_ago
    if aligned:
        due_at = next_reminder(due_at, ReminderPrefs()).at
    store = await Store.open(bot.db_path)
    try:
        await bulk.load_learners(store.db, [u.id for u in users], now)
        start = now.date() - timedelta(days=20)
        await bulk.load_enrolments(
            store.db,
            [(i + 1, u.id, guild.id, SEED, start, due_at) for i, u in enumerate(users)],
            now,
        )
        if digest_channel is not None:
            await store.guilds.set(
                GuildSettings(guild.id, digest_channel_id=digest_channel, dm_closed_notice=True)
            )
    finally:
        await store.close()
