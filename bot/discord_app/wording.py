"""The words for coded domain errors: the one place reply wording for them lives.

The store (and anything below the adapter) raises errors with a code and data; this turns
them into what the user reads. Names users chose arrive raw and are quoted inertly here.
"""

from __future__ import annotations

from bot.core.errors import ErrorCode, PathwayError
from bot.core.untrusted import quote_input

WORDS: dict[ErrorCode, str] = {
    ErrorCode.ENROLMENT_GONE: "That enrolment does not exist (any more).",
    ErrorCode.NOT_ENROLLED_ANY_MORE: "You are not enrolled in that pathway any more.",
    ErrorCode.ALREADY_ENROLLED_HERE: "You are already enrolled in this pathway here.",
    ErrorCode.ALREADY_COMPLETED_HERE: "You have already completed this pathway here.",
    ErrorCode.FOLLOWED_ELSEWHERE: (
        "You already follow this pathway elsewhere (another server or your DMs): "
        "one enrolment per pathway."
    ),
    ErrorCode.ALREADY_PAUSED: "This pathway is already paused.",
    ErrorCode.NOT_PAUSED: "This pathway is not paused.",
    ErrorCode.PAUSE_NEEDS_FOLLOWING: "You can only pause a pathway you are following.",
    ErrorCode.RESUME_NEEDS_FOLLOWING: "You can only resume a pathway you are following.",
    ErrorCode.COMPLETE_NEEDS_FOLLOWING: "Only a pathway you are following can be completed.",
    ErrorCode.REOPEN_NEEDS_COMPLETED: "Only a completed pathway can be reopened.",
    ErrorCode.ALREADY_LEFT: "You have already left this pathway.",
    ErrorCode.GROUP_NAME_TAKEN: "This server already has a study group called {name}.",
    ErrorCode.GROUP_GONE: "That study group does not exist (any more).",
    ErrorCode.GROUP_NEEDS_ENROLMENT: (
        "Enrol in this group's pathway here before joining one of its study groups."
    ),
    ErrorCode.ALREADY_IN_GROUP: "You are already in {name}.",
    ErrorCode.IN_ANOTHER_GROUP: (
        "You are already in {name} for this pathway. Leave it first, then join another group."
    ),
    ErrorCode.ITEM_UNKNOWN: (
        "No item in your pathway matches {ref}. Pick one from the list that appears as you "
        "type, or see `/tasks`."
    ),
    ErrorCode.ITEM_AMBIGUOUS: (
        "{ref} is in more than one of your pathways ({pathways}): pick the one you mean from "
        "the list that appears as you type."
    ),
    ErrorCode.ITEM_REMOVED: "That item is no longer part of this pathway.",
    ErrorCode.LEFT_PATHWAY: "You have left this pathway. `/enroll` again to pick it back up.",
    ErrorCode.NOT_DONE_YET: "{item} is not marked done, so there is nothing to undo.",
    ErrorCode.SNOOZE_WHILE_PAUSED: (
        "Reminders for {pathway} are paused, so there is nothing to snooze. "
        "`/reminders resume` turns them back on."
    ),
    ErrorCode.STORAGE_CONFLICT: (
        "That conflicts with what is already saved, so nothing was changed."
    ),
    ErrorCode.STORAGE_BUSY: "The database is busy right now. Please try again in a moment.",
    ErrorCode.STORAGE_FAILED: "Saving or reading that failed. Please try again later.",
}


def describe(error: PathwayError) -> str:
    """What the user reads for `error`: worded from its code, or its own message."""
    if error.code is None:
        return error.user_message
    template = WORDS.get(error.code)
    if template is None:
        return "That could not be done."
    return template.format(**{k: quote_input(v, 80) for k, v in error.data.items()})
