"""Coded domain errors are worded by the adapter; names in them are quoted inertly."""

from __future__ import annotations

from bot.core.errors import AlreadyExists, ErrorCode, NotFound, PathwayError
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
