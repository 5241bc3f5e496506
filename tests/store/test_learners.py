"""Learners and guild settings: every setter is an upsert that round-trips."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta

from bot.core.models import GuildSettings, ReminderPrefs, Visibility
from bot.store import Store

LATER = timedelta(days=3)


async def test_unknown_learner_is_none(store: Store) -> None:
    assert await store.learners.get(1) is None


async def test_ensure_creates_once_with_defaults(store: Store, now: datetime) -> None:
    created = await store.learners.ensure(1, now)
    assert created.prefs == ReminderPrefs()
    assert created.created_at == now and created.visibility is Visibility.HIDDEN  # opt-in
    prefs = ReminderPrefs("Asia/Tokyo", 4, time(7, 15))
    again = await store.learners.ensure(1, now + LATER, prefs)
    assert again == created  # an existing learner is left alone
    assert (await store.learners.ensure(2, now, prefs)).prefs == prefs


async def test_set_prefs_round_trips_and_keeps_created_at(store: Store, now: datetime) -> None:
    prefs = ReminderPrefs("America/New_York", 6, time(20, 45, 30))
    learner = await store.learners.set_prefs(1, prefs, now)
    assert learner.prefs == prefs
    changed = await store.learners.set_prefs(1, ReminderPrefs("UTC", 1, time(8)), now + LATER)
    assert changed.prefs == ReminderPrefs("UTC", 1, time(8))
    assert changed.created_at == now
    assert await store.learners.get(1) == changed


async def test_dm_channel(store: Store, now: datetime) -> None:
    assert (await store.learners.set_dm_channel(1, 42, now)).dm_channel_id == 42
    assert (await store.learners.set_dm_channel(1, None, now)).dm_channel_id is None


async def test_dm_blocked(store: Store, now: datetime) -> None:
    blocked = await store.learners.set_dm_blocked(1, now)
    assert blocked.dm_blocked and blocked.dm_blocked_since == now
    cleared = await store.learners.clear_dm_blocked(1, now + LATER)
    assert not cleared.dm_blocked
    assert cleared.prefs == blocked.prefs


async def test_visibility(store: Store, now: datetime) -> None:
    await store.learners.set_dm_channel(1, 42, now)
    hidden = await store.learners.set_visibility(1, Visibility.HIDDEN, now)
    assert hidden.visibility is Visibility.HIDDEN and hidden.dm_channel_id == 42
    assert (await store.learners.set_visibility(1, Visibility.SHOWN, now)).visibility is (
        Visibility.SHOWN
    )


async def test_guild_settings_default_when_never_set(store: Store) -> None:
    assert await store.guilds.get(100) == GuildSettings(100)


async def test_guild_settings_round_trip(store: Store) -> None:
    settings = GuildSettings(
        guild_id=100,
        digest_channel_id=555,
        default_prefs=ReminderPrefs("Europe/Berlin", 2, time(18, 30)),
        members_can_create_groups=True,
    )
    assert await store.guilds.set(settings) == settings
    assert await store.guilds.get(100) == settings
    cleared = replace(settings, digest_channel_id=None, default_prefs=None)
    assert await store.guilds.set(cleared) == cleared
    assert await store.guilds.get(100) == cleared
    assert await store.guilds.get(101) == GuildSettings(101)


async def test_meta(store: Store) -> None:
    assert await store.meta.get("command_tree_hash") is None
    await store.meta.set("command_tree_hash", "abc")
    await store.meta.set("command_tree_hash", "def")
    assert await store.meta.get("command_tree_hash") == "def"
