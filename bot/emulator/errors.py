"""Discord-style API errors raised by REST handlers and rendered by the middleware.

Discord answers errors with a JSON body ``{"code": ..., "message": ..., "errors"?: ...}``;
discord.py turns the status into Forbidden/NotFound/HTTPException and exposes ``code`` and
``text``. Handlers raise :class:`ApiError` (or a helper below) and the middleware renders it,
so every error has the same shape. :class:`EmulatorUsageError` is different: it is raised to
*test code* that asked the emulator for something Discord would never allow (running an
unregistered command, for example).
"""

from __future__ import annotations

from typing import Any

from .models import JSON


class ApiError(Exception):
    """An error response: HTTP ``status`` plus Discord JSON error ``code``."""

    def __init__(
        self,
        status: int,
        code: int,
        message: str,
        errors: Any = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}

    def body(self) -> JSON:
        data: JSON = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


class EmulatorUsageError(Exception):
    """A test asked the emulator to do something Discord would not allow."""


class UnknownCommandError(EmulatorUsageError):
    """The command (or subcommand) is not registered by the bot for that guild/DM."""


class OptionError(EmulatorUsageError):
    """An option is unknown, missing, of the wrong type or outside its declared limits."""


class CommandNotAvailableError(EmulatorUsageError):
    """Discord would hide the command from this user (permissions, DM context...)."""


class ComponentError(EmulatorUsageError):
    """The component does not exist on the message, is disabled, or got invalid values."""


def unauthorized() -> ApiError:
    return ApiError(401, 0, "401: Unauthorized")


def not_found_route() -> ApiError:
    return ApiError(404, 0, "404: Not Found")


def unknown(entity: str) -> ApiError:
    """404 with Discord's "Unknown X" code for ``entity``."""
    codes = {
        "account": 10001,
        "application": 10002,
        "channel": 10003,
        "guild": 10004,
        "member": 10007,
        "message": 10008,
        "role": 10011,
        "user": 10013,
        "webhook": 10015,
        "interaction": 10062,
        "application command": 10063,
    }
    return ApiError(404, codes[entity], f"Unknown {entity.title()}")


def missing_permissions() -> ApiError:
    return ApiError(403, 50013, "Missing Permissions")


def missing_access() -> ApiError:
    return ApiError(403, 50001, "Missing Access")


def cannot_dm() -> ApiError:
    return ApiError(403, 50007, "Cannot send messages to this user")


def invalid_form_body(errors: JSON) -> ApiError:
    return ApiError(400, 50035, "Invalid Form Body", errors)


def field_error(path: list[str | int], code: str, message: str) -> JSON:
    """Nest one field error the way Discord does: ``{"a": {"0": {"_errors": [...]}}}``."""
    node: JSON = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        node = {str(key): node}
    return node


def merge_errors(into: JSON, other: JSON) -> JSON:
    """Deep-merge two Discord error trees (so several invalid fields are all reported)."""
    for key, value in other.items():
        if key == "_errors":
            into.setdefault("_errors", []).extend(value)
        elif isinstance(value, dict) and isinstance(into.get(key), dict):
            merge_errors(into[key], value)
        else:
            into[key] = value
    return into
