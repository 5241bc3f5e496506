"""Sync slash commands only when they change: Discord allows 200 creates per day per guild.

Several processes (one per shard range) share the database and start together. The one whose
compare-and-set records the new hash syncs; the others see their claim fail and leave it. A
sync that fails puts the old hash back, so the next start tries again. A process killed between
its claim and the sync leaves the new hash without the sync: `python -m bot sync` repairs that.
"""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any, Protocol

import discord
from discord import app_commands

log = logging.getLogger(__name__)


class Meta(Protocol):
    async def get(self, key: str) -> str | None: ...

    async def set(self, key: str, value: str) -> None: ...

    async def replace(self, key: str, expected: str | None, value: str | None) -> bool: ...


class HasMeta(Protocol):
    """What syncing needs of the store (the runtime opens it): its key-value table."""

    @property
    def meta(self) -> Meta: ...


def tree_hash(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None) -> str:
    payload = [cmd.to_dict(tree) for cmd in tree.get_commands(guild=guild)]
    payload.sort(key=lambda c: (c.get("type", 1), c["name"]))
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _key(guild_id: int | None) -> str:
    return f"command_tree_hash:{'global' if guild_id is None else f'guild:{guild_id}'}"


async def sync_if_changed(
    tree: app_commands.CommandTree[Any],
    store: HasMeta,
    guild_id: int | None,
    *,
    force: bool = False,
) -> bool:
    """Sync the tree (globally, or to one guild) when its hash differs from the stored one."""
    guild = discord.Object(id=guild_id) if guild_id is not None else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    digest = tree_hash(tree, guild)
    key = _key(guild_id)
    previous = await store.meta.get(key)
    if force:
        synced = await tree.sync(guild=guild)
        await store.meta.set(key, digest)
    else:
        if previous == digest:
            log.info("slash commands unchanged; not syncing")
            return False
        if not await store.meta.replace(key, previous, digest):
            log.info("slash commands changed; another process is syncing them")
            return False
        try:
            synced = await tree.sync(guild=guild)
        except BaseException:
            await store.meta.replace(key, digest, previous)
            raise
    log.info("synced %d slash commands (%s)", len(synced), "global" if guild is None else guild_id)
    return True
