"""Per-guild settings: digest channel, default reminder preferences, who may create groups."""

from __future__ import annotations

from bot.core.models import GuildSettings
from bot.store import codec
from bot.store.backend import Backend, Row, Tx

_SELECT = "SELECT * FROM guild_settings WHERE guild_id = ?"
_UPSERT = (
    "INSERT INTO guild_settings (guild_id, digest_channel_id, default_tz, default_weekday,"
    " default_remind_at, members_can_create_groups, dm_closed_notice)"
    " VALUES (?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (guild_id) DO UPDATE SET digest_channel_id = excluded.digest_channel_id,"
    " default_tz = excluded.default_tz, default_weekday = excluded.default_weekday,"
    " default_remind_at = excluded.default_remind_at,"
    " members_can_create_groups = excluded.members_can_create_groups,"
    " dm_closed_notice = excluded.dm_closed_notice"
)


def _from_row(row: Row) -> GuildSettings:
    prefs = None
    if row["default_tz"] is not None:
        prefs = codec.prefs_from_columns(
            row["default_tz"], row["default_weekday"], row["default_remind_at"]
        )
    return GuildSettings(
        guild_id=row["guild_id"],
        digest_channel_id=row["digest_channel_id"],
        default_prefs=prefs,
        members_can_create_groups=bool(row["members_can_create_groups"]),
        dm_closed_notice=bool(row["dm_closed_notice"]),
    )


async def read_settings(tx: Tx, guild_id: int) -> GuildSettings:
    """A guild never configured has the defaults of GuildSettings."""
    row = await tx.fetchone(_SELECT, (guild_id,))
    return GuildSettings(guild_id) if row is None else _from_row(row)


class Guilds:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def get(self, guild_id: int) -> GuildSettings:
        async with self._db.read_one() as tx:
            return await read_settings(tx, guild_id)

    async def with_digest_channel(self) -> list[GuildSettings]:
        """Guilds that want channel digests (the digest sweep's work list)."""
        async with self._db.read_one() as tx:
            rows = await tx.fetchall(
                "SELECT * FROM guild_settings WHERE digest_channel_id IS NOT NULL ORDER BY guild_id"
            )
        return [_from_row(row) for row in rows]

    async def set(self, settings: GuildSettings) -> GuildSettings:
        """Save all of a guild's settings at once (build the changed copy with replace())."""
        prefs = settings.default_prefs
        async with self._db.write() as tx:
            await tx.execute(
                _UPSERT,
                (
                    settings.guild_id,
                    settings.digest_channel_id,
                    None if prefs is None else prefs.tz,
                    None if prefs is None else prefs.weekday,
                    None if prefs is None else codec.wall_time(prefs.at),
                    int(settings.members_can_create_groups),
                    int(settings.dm_closed_notice),
                ),
            )
            return await read_settings(tx, settings.guild_id)
