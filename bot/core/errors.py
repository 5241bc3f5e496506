"""Domain errors that carry a message safe to show to a user.

The Discord adapter turns any `PathwayError` into an ephemeral reply with `user_message`;
anything else is unexpected and gets logged with a short error id instead.
"""

from __future__ import annotations


class PathwayError(Exception):
    """Base class: `user_message` is shown verbatim to the person who caused it."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class NotFound(PathwayError):
    """Something the user named (a pathway, an item, a group) does not exist."""


class NotEnrolled(PathwayError):
    """The user has no active enrolment matching the request."""


class AlreadyExists(PathwayError):
    """A unique thing (an enrolment, a group name) would be created twice."""


class InvalidInput(PathwayError):
    """A value the user typed makes no sense (a bad time zone, a date far away)."""


class Forbidden(PathwayError):
    """The user lacks the right to do this (not an admin, not their item)."""


class StorageError(PathwayError):
    """The database refused an operation in a way the user can understand."""


class ConfigError(Exception):
    """A configuration mistake at start-up; the CLI prints `str(err)` as one line and exits."""
