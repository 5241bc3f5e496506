from __future__ import annotations

from bot.core.models import GuildSettings
from bot.store import Store


async def test_with_digest_channel_lists_only_configured_guilds(store: Store) -> None:
    await store.guilds.set(GuildSettings(1, digest_channel_id=10))
    await store.guilds.set(GuildSettings(2))
    await store.guilds.set(GuildSettings(3, digest_channel_id=30))
    found = await store.guilds.with_digest_channel()
    assert [(g.guild_id, g.digest_channel_id) for g in found] == [(1, 10), (3, 30)]
