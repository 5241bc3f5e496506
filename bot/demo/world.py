"""The demo's Discord server: #general, a digest channel, you (an admin) and three members.

The world is built in the same order with the same ids every run (`WorldIds`), so a database
kept with `--db` still matches its users, server and channels the next time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.emulator.driver import Emulator
from bot.emulator.ids import DISCORD_EPOCH_MS, SnowflakeFactory
from bot.emulator.models import Channel, Guild, User

GUILD_NAME = "Pathway Demo"
#: The admin command every member may try, to see the bot's own permission check.
OPEN_ADMIN_COMMAND = "setup"
DIGEST_CHANNEL = "weekly-digest"
#: 2025-01-01T00:00Z as a snowflake: the world's ids count up from here.
WORLD_ID_BASE = ((1_735_689_600_000 - DISCORD_EPOCH_MS) << 22) | (1 << 17)


class WorldIds(SnowflakeFactory):
    """Fixed, consecutive ids while the world is built; real-time snowflakes after `release`."""

    def __init__(self, base: int = WORLD_ID_BASE) -> None:
        super().__init__()
        self._fixed: int | None = base

    def next(self) -> int:
        if self._fixed is None:
            return super().next()
        value = self._fixed
        self._fixed += 1
        self._last = value
        return value

    def release(self) -> None:
        self._fixed = None


@dataclass(frozen=True)
class Persona:
    username: str
    name: str
    #: Seeded progress: weeks since enrolment and items done (0 weeks: not enrolled).
    weeks: int = 0
    done: int = 0
    hidden: bool = False


#: You first (the page starts as you); then three learners at different points.
PERSONAS = (
    Persona("you", "You"),
    Persona("ada", "Ada", weeks=3, done=9),
    Persona("grace", "Grace", weeks=2, done=4),
    Persona("linus", "Linus", weeks=3, done=6, hidden=True),
)


@dataclass
class DemoWorld:
    emu: Emulator
    guild: Guild
    general: Channel
    digest: Channel
    you: User
    members: list[User] = field(default_factory=list)
    personas: dict[int, Persona] = field(default_factory=dict)

    @property
    def people(self) -> list[User]:
        """You, then the other members, in the switcher's order."""
        return [self.you, *self.members]

    def is_admin(self, user: User) -> bool:
        return user.id == self.guild.owner_id


def build_world(emu: Emulator, ids: WorldIds) -> DemoWorld:
    """Add the demo server to `emu` (call once, before the bot connects), then free `ids`."""
    users = [emu.add_user(p.username, global_name=p.name) for p in PERSONAS]
    you, others = users[0], users[1:]
    guild = emu.add_guild(GUILD_NAME, you)  # the owner: every permission, an admin
    general = emu.channels(guild)[0]
    digest = emu.add_channel(guild, DIGEST_CHANNEL, topic="The bot posts the weekly digest here")
    for user in others:
        emu.add_member(guild, user)
    for user in users:  # the DM channels too, so a kept database's cached ids stay right
        emu.dm_channel(user)
    ids.release()
    # As a server admin may in Server Settings > Integrations, /setup is open to everyone
    # here, so a learner can try it and watch the bot itself refuse it.
    emu.allow_command_for_everyone(guild, OPEN_ADMIN_COMMAND)
    return DemoWorld(
        emu,
        guild,
        general,
        digest,
        you,
        others,
        {u.id: p for u, p in zip(users, PERSONAS, strict=True)},
    )
