"""The words for coded domain errors: the one place reply wording for them lives.

The service and the store raise errors with a code and data; this turns them into what the
user reads. A plain template quotes every value inertly (what people typed and the names
they chose arrive raw). A function words the few that need more: lists, counts, or names
from the loaded pathways, which are shown as written.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from bot.core.errors import Datum, ErrorCode, PathwayError
from bot.core.layout import pace_label
from bot.core.untrusted import quote_input, shorten

Data = Mapping[str, Datum]


def _text(data: Data, key: str) -> str:
    value = data.get(key, "")
    return ", ".join(value) if isinstance(value, tuple) else str(value)


def _names(data: Data, key: str) -> tuple[str, ...]:
    value = data.get(key, ())
    return value if isinstance(value, tuple) else (str(value),)


def _item_tie(data: Data) -> str:
    shown = _names(data, "items")
    names = "; ".join(shorten(text, 50) for text in shown)
    count = data.get("count", 0)
    more = "; …" if isinstance(count, int) and count > len(shown) else ""
    return (
        f"{quote_input(_text(data, 'ref'), 40)} matches {_text(data, 'count')} items equally "
        f"({names}{more}): which one? Pick it from the list."
    )


def _pathway_tie(data: Data) -> str:
    names = ", ".join(f"**{name}**" for name in _names(data, "names"))
    return f"{quote_input(_text(data, 'typed'), 40)} could be {names}: which one?"


def _pathway_unknown(data: Data) -> str:
    names = ", ".join(f"**{name}**" for name in _names(data, "offered")) or "none"
    return (
        f"There is no pathway called {quote_input(_text(data, 'typed'), 40)}. "
        f"On offer: {names}. See `/pathways`."
    )


def _group_tie(data: Data) -> str:
    names = ", ".join(quote_input(name, 40) for name in _names(data, "names"))
    return f"{quote_input(_text(data, 'typed'), 40)} could be {names}: which one?"


def _pace_not_faster(data: Data) -> str:
    slower = _text(data, "slower")
    hint = f" The slower one left is {pace_label(slower)}." if slower else ""
    return (
        f"You are already on the {pace_label(_text(data, 'current'))} pace, which is not "
        f"faster than {pace_label(_text(data, 'chosen'))}.{hint}"
    )


#: Each code's words: a template whose every value is quoted, or a function of the data.
WORDS: dict[ErrorCode, str | Callable[[Data], str]] = {
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
    ErrorCode.LINKED_WORK_UNDO: lambda d: (
        f"“{_text(d, 'item')}” counts as done because linked work that includes it is done. "
        "Undo that item instead."
    ),
    ErrorCode.ITEM_TIE: _item_tie,
    ErrorCode.NO_REMINDERS_YET: "You have no reminders yet. Start with `/enroll`.",
    ErrorCode.SNOOZE_GONE: "That snooze has already been sent or cancelled.",
    ErrorCode.REMINDERS_NOTHING_TO_CHANGE: (
        "Give at least one of `day`, `time` or `timezone` to change."
    ),
    ErrorCode.PAUSE_UNTIL_NOT_FUTURE: "`until` must be a date after today.",
    ErrorCode.PAUSE_TOO_LONG: "You can pause for at most a year at a time.",
    ErrorCode.ALL_PAUSED: "Your pathways are already paused. Use `/reminders resume`.",
    ErrorCode.NONE_PAUSED: "None of your pathways is paused.",
    ErrorCode.VISIBILITY_UNKNOWN: "Visibility must be `shown` or `hidden`.",
    ErrorCode.NO_PATHWAYS_LOADED: "No pathways are loaded.",
    ErrorCode.COHORT_GROUP_OTHER_PATHWAY: lambda d: (
        f"Study group {quote_input(_text(d, 'group'), 80)} follows `{_text(d, 'follows')}`, "
        f"not `{_text(d, 'asked')}`: leave `pathway` empty."
    ),
    ErrorCode.GROUPS_ONLY_IN_SERVERS: "Study groups exist only in servers.",
    ErrorCode.GROUP_OTHER_PATHWAY: lambda d: (
        f"{quote_input(_text(d, 'group'), 80)} follows **{_text(d, 'follows')}**, "
        f"not **{_text(d, 'asked')}**."
    ),
    ErrorCode.NOT_ENROLLED_IN_PATHWAY: lambda d: (
        f"You are not enrolled in **{_text(d, 'pathway')}** here."
    ),
    ErrorCode.PATHWAY_TIE: _pathway_tie,
    ErrorCode.PATHWAY_UNKNOWN: _pathway_unknown,
    ErrorCode.NOTHING_FOLLOWED_IN_SERVER: (
        "You are not enrolled in any pathway in this server. Start with `/enroll`."
    ),
    ErrorCode.NOTHING_FOLLOWED_HERE: (
        "You are not enrolled in any pathway here. Start with `/enroll`."
    ),
    ErrorCode.PLAN_GONE: "That plan no longer exists: you may have left the pathway.",
    ErrorCode.NOT_YOUR_PLAN: (
        "These controls belong to someone else's plan. Use `/tasks` to see your own."
    ),
    ErrorCode.HORIZON_UNKNOWN: "Horizon must be week, month, 90d, phase or all.",
    ErrorCode.PROGRESS_PRIVATE: "That member's progress is private, or they have not enrolled.",
    ErrorCode.MEMBER_NOT_ENROLLED: "That member is not enrolled in any pathway in this server.",
    ErrorCode.PACE_NOT_FASTER: _pace_not_faster,
    ErrorCode.OFFER_ALREADY_PAUSED: (
        "This pathway is already paused. `/reminders resume` restarts it."
    ),
    ErrorCode.NOTHING_OVERDUE: "Nothing is overdue, so your plan already runs from today.",
    ErrorCode.OVERDUE_OPENED_TODAY: (
        "Your overdue work only opened today: there is nothing to move."
    ),
    ErrorCode.GROUP_TIE: _group_tie,
    ErrorCode.GROUP_UNKNOWN: ("This server has no study group called {name}. See `/group list`."),
    ErrorCode.GROUP_CREATE_ADMINS_ONLY: (
        "Only admins (Manage Server) can create study groups here. An admin can allow "
        "members with `/setup member-groups allowed:True`."
    ),
    ErrorCode.NOT_IN_GROUP: "You are not in {name}.",
    ErrorCode.DELIVERY_GONE: lambda d: f"Delivery {_text(d, 'delivery_id')} does not exist.",
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
    words = WORDS.get(error.code)
    if words is None:
        return "That could not be done."
    if callable(words):
        return words(error.data)
    return words.format(**{k: quote_input(_text(error.data, k), 80) for k in error.data})
