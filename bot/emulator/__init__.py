"""A Discord-compatible server (REST + gateway) on aiohttp for testing discord.py bots.

Start here: :class:`Emulator` (driver.py) for the test API and
:func:`point_discord_at` (client_support.py) to aim a discord.py client at it.
"""

from __future__ import annotations

from .command_options import Upload
from .context import EmulatorConfig
from .driver import Emulator
from .errors import (
    ApiError,
    CommandNotAvailableError,
    ComponentError,
    EmulatorUsageError,
    OptionError,
    UnknownCommandError,
)
from .models import AppCommand, Attachment, Channel, Guild, Member, Message, Role, User
from .notifier import EmulatorTimeout
from .permissions import Overwrite, Permission
from .ratelimit import RateLimitConfig, RouteLimit
from .replies import InteractionFailedError, InteractionReply
from .schema import SchemaViolation

__all__ = [
    "ApiError",
    "AppCommand",
    "Attachment",
    "Channel",
    "CommandNotAvailableError",
    "ComponentError",
    "Emulator",
    "EmulatorConfig",
    "EmulatorTimeout",
    "EmulatorUsageError",
    "Guild",
    "InteractionFailedError",
    "InteractionReply",
    "Member",
    "Message",
    "OptionError",
    "Overwrite",
    "Permission",
    "RateLimitConfig",
    "Role",
    "RouteLimit",
    "SchemaViolation",
    "UnknownCommandError",
    "Upload",
    "User",
]
