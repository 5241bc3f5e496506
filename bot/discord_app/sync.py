"""Sync slash commands only when they change: Discord allows 200 creates per day per guild."""

from __future__ import annotations

import hashlib
import json
import logging
from typing import Any

import discord
from discord import app_commands

from bot.store.store import Store

log = logging.getLogger(__name__)


def tree_hash(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None) -> str:
    payload = [cmd.to_dict(tree) for cmd in tree.get_commands(guild=guild)]
    payload.sort(key=lambda c: (c.get("type", 1), c["name"]))
    blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def _key(guild_id: int | None) -> str:
    return f"command_tree_hash:{'global' if guild_id is None else f'guild:{guild_id}'}"


async def sync_if_changed(
    tree: app_commands.CommandTree[Any], store: Store, guild_id: int | None, *, force: bool = False
) -> bool:
    """Sync the tree (globally, or to one guild) when its hash differs from the stored one."""
    guild = discord.Object(id=guild_id) if guild_id is not None else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    digest = tree_hash(tree, guild)
    if not force and await store.meta.get(_key(guild_id)) == digest:
        log.info("slash commands unchanged; not syncing")
        return False
    synced = await tree.sync(guild=guild)
    await store.meta.set(_key(guild_id), digest)
    log.info("synced %d slash commands (%s)", len(synced), "global" if guild is None else guild_id)
    return True
