"""Coded domain errors are worded by the adapter; names in them are quoted inertly."""

from __future__ import annotations

import pytest

from bot.core.errors import (
    AlreadyExists,
    ErrorCode,
    Forbidden,
    InvalidInput,
    NotEnrolled,
    NotFound,
    PathwayError,
)
from bot.discord_app.wording import WORDS, describe


def test_every_code_has_words() -> None:
    assert set(WORDS) == set(ErrorCode)


def test_coded_errors_are_worded_and_names_quoted() -> None:
    error = AlreadyExists(code=ErrorCode.ALREADY_IN_GROUP, name="@everyone [x](https://e.vil)")
    text = describe(error)
    assert text.startswith("You are already in ")
    assert "@everyone" not in text and "](" not in text and "https://" not in text


def test_plain_messages_pass_through() -> None:
    assert describe(NotFound("No such thing.")) == "No such thing."
    assert describe(PathwayError(code=ErrorCode.STORAGE_BUSY)).startswith("The database is busy")


E = ErrorCode
GROUP = "Night Owls @everyone"

#: The sentences the service used to build itself, kept word for word now the adapter does.
SENTENCES: list[tuple[PathwayError, str]] = [
    (
        InvalidInput(
            code=E.ITEM_TIE,
            ref="py [x](https://e.vil)",
            count=4,
            items=(
                "Read chapter one of the very long book about data science and more",
                "Set up Jupyter",
                "Python basics",
            ),
        ),
        "“py \\[x\\]\\(https:\u200b//e.vil\\)” matches 4 items equally (Read chapter one of "
        "the very long book about…; Set up Jupyter; Python basics; …): which one? Pick it "
        "from the list.",
    ),
    (
        InvalidInput(code=E.ITEM_TIE, ref="py", count=2, items=("A", "B")),
        "“py” matches 2 items equally (A; B): which one? Pick it from the list.",
    ),
    (
        InvalidInput(code=E.LINKED_WORK_UNDO, item="Learn Python"),
        "“Learn Python” counts as done because linked work that includes it is done. "
        "Undo that item instead.",
    ),
    (
        InvalidInput(code=E.COHORT_GROUP_OTHER_PATHWAY, group=GROUP, follows="ml", asked="ds"),
        "Study group “Night Owls @\u200beveryone” follows `ml`, not `ds`: leave `pathway` empty.",
    ),
    (
        InvalidInput(
            code=E.GROUP_OTHER_PATHWAY,
            group=GROUP,
            follows="Machine Learning",
            asked="Data Science",
        ),
        "“Night Owls @\u200beveryone” follows **Machine Learning**, not **Data Science**.",
    ),
    (
        NotEnrolled(code=E.NOT_ENROLLED_IN_PATHWAY, pathway="Data Science"),
        "You are not enrolled in **Data Science** here.",
    ),
    (
        InvalidInput(code=E.PATHWAY_TIE, typed="dat", names=("Data Science", "Data Eng")),
        "“dat” could be **Data Science**, **Data Eng**: which one?",
    ),
    (
        NotFound(code=E.PATHWAY_UNKNOWN, typed="dat", offered=("Data Science", "Data Eng")),
        "There is no pathway called “dat”. On offer: **Data Science**, **Data Eng**. "
        "See `/pathways`.",
    ),
    (
        NotFound(code=E.PATHWAY_UNKNOWN, typed="dat", offered=()),
        "There is no pathway called “dat”. On offer: none. See `/pathways`.",
    ),
    (
        InvalidInput(code=E.GROUP_TIE, typed="owl", names=("Owls", "Owls 2")),
        "“owl” could be “Owls”, “Owls 2”: which one?",
    ),
    (
        NotFound(code=E.GROUP_UNKNOWN, name="x" * 100),
        f"This server has no study group called “{'x' * 79}…”. See `/group list`.",
    ),
    (NotEnrolled(code=E.NOT_IN_GROUP, name=GROUP), "You are not in “Night Owls @\u200beveryone”."),
    (
        InvalidInput(code=E.PACE_NOT_FASTER, current="9-months", chosen="as-written", slower=""),
        "You are already on the 9 months pace, which is not faster than as written.",
    ),
    (
        InvalidInput(
            code=E.PACE_NOT_FASTER, current="9-months", chosen="as-written", slower="12-months"
        ),
        "You are already on the 9 months pace, which is not faster than as written. "
        "The slower one left is 12 months.",
    ),
    (
        NotEnrolled(code=E.NOTHING_FOLLOWED_IN_SERVER),
        "You are not enrolled in any pathway in this server. Start with `/enroll`.",
    ),
    (
        NotEnrolled(code=E.NOTHING_FOLLOWED_HERE),
        "You are not enrolled in any pathway here. Start with `/enroll`.",
    ),
    (
        Forbidden(code=E.PROGRESS_PRIVATE),
        "That member's progress is private, or they have not enrolled.",
    ),
    (NotFound(code=E.DELIVERY_GONE, delivery_id=7), "Delivery 7 does not exist."),
]


@pytest.mark.parametrize(("error", "sentence"), SENTENCES, ids=lambda v: getattr(v, "code", ""))
def test_the_adapter_words_each_code_as_the_service_did(error: PathwayError, sentence: str) -> None:
    assert describe(error) == sentence


def test_no_coded_error_carries_its_sentence() -> None:
    """The service's errors hold a code and data only: their text is the code."""
    error = InvalidInput(code=E.LINKED_WORK_UNDO, item="Learn Python")
    assert error.user_message == "linked-work-undo" and "linked work" not in str(error)
