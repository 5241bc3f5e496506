"""Domain errors that a user may see.

An error either carries a `code` and its `data` (the store raises only these, so no reply
wording lives next to SQL), or a ready `user_message`. The Discord adapter words coded
errors (bot/discord_app/wording.py) and turns any `PathwayError` into an ephemeral reply;
anything else is unexpected and gets logged with a short error id instead.
"""

from __future__ import annotations

import enum


class ErrorCode(enum.StrEnum):
    ENROLMENT_GONE = "enrolment-gone"
    NOT_ENROLLED_ANY_MORE = "not-enrolled-any-more"
    ALREADY_ENROLLED_HERE = "already-enrolled-here"
    ALREADY_COMPLETED_HERE = "already-completed-here"
    FOLLOWED_ELSEWHERE = "followed-elsewhere"
    ALREADY_PAUSED = "already-paused"
    NOT_PAUSED = "not-paused"
    PAUSE_NEEDS_FOLLOWING = "pause-needs-following"
    RESUME_NEEDS_FOLLOWING = "resume-needs-following"
    COMPLETE_NEEDS_FOLLOWING = "complete-needs-following"
    REOPEN_NEEDS_COMPLETED = "reopen-needs-completed"
    ALREADY_LEFT = "already-left"
    GROUP_NAME_TAKEN = "group-name-taken"  # data: name
    GROUP_GONE = "group-gone"
    GROUP_NEEDS_ENROLMENT = "group-needs-enrolment"
    ALREADY_IN_GROUP = "already-in-group"  # data: name
    IN_ANOTHER_GROUP = "in-another-group"  # data: name
    ITEM_UNKNOWN = "item-unknown"  # data: ref
    ITEM_AMBIGUOUS = "item-ambiguous"  # data: ref, pathways
    ITEM_REMOVED = "item-removed"
    LEFT_PATHWAY = "left-pathway"
    NOT_DONE_YET = "not-done-yet"  # data: item
    SNOOZE_WHILE_PAUSED = "snooze-while-paused"  # data: pathway
    STORAGE_CONFLICT = "storage-conflict"
    STORAGE_BUSY = "storage-busy"
    STORAGE_FAILED = "storage-failed"


class PathwayError(Exception):
    """Base class. With a `code`, the adapter words the message from `data`; without one,
    `user_message` is shown verbatim to the person who caused it."""

    def __init__(
        self, user_message: str | None = None, *, code: ErrorCode | None = None, **data: str
    ) -> None:
        self.code = code
        self.data = data
        self.user_message = user_message if user_message is not None else str(code)
        super().__init__(self.user_message)


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
