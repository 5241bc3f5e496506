"""Typed text resolves by the same rule autocomplete ranks by (issue 22, point 6)."""

from __future__ import annotations

from bot.core.matching import best, ranked, score

ITEMS = [
    "Install Python and set up a Jupyter notebook environment.",
    "Read the first chapter of 'Hands-On Machine Learning'.",
    "Complete the first 3 weeks of Andrew Ng's course.",
]


def names(text: str) -> tuple[str]:
    return (text,)


def test_words_anywhere_match_what_a_substring_misses() -> None:
    assert best("install jupyter", ITEMS, names) == [ITEMS[0]]
    assert best("jupy", ITEMS, names) == [ITEMS[0]]
    assert ranked("jupy", ITEMS, names)[0] == ITEMS[0]


def test_better_matches_rank_first_and_ties_are_all_returned() -> None:
    assert score("install python", ITEMS[0]) > score("python install", ITEMS[0])  # type: ignore[operator]
    assert best("the first", ITEMS, names) == [ITEMS[1], ITEMS[2]]  # equally good: ask
    assert ranked("the first", ITEMS, names)[:2] == [ITEMS[1], ITEMS[2]]


def test_nothing_to_match_on_matches_nothing() -> None:
    assert best("", ITEMS, names) == [] and best(" - ", ITEMS, names) == []
    assert best("kubernetes", ITEMS, names) == []
    assert ranked("", ITEMS, names) == ITEMS  # an empty box lists everything, in order
