"""How well a typed text matches a name: the one rule autocomplete ranks by and a submitted
text resolves by, so what a learner types resolves to what the list offered first.

Better matches score higher: the exact name (4), a name that starts with the text (3), the
text anywhere in the name (2), every typed word somewhere in the name (1). Case, spacing and
punctuation around words do not matter. Two candidates sharing the best score
are equally good: a caller then asks which one was meant instead of guessing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

EXACT, PREFIX, CONTAINS, WORDS = 4, 3, 2, 1
_SPACES = re.compile(r"[\s\-_/.,;:'\"()]+")


def normalise(text: str) -> str:
    return _SPACES.sub(" ", text.casefold()).strip()


def score(query: str, *names: str) -> int | None:
    """The best score of `query` against any of `names`; None when nothing matches."""
    q = normalise(query)
    if not q:
        return WORDS
    words = q.split()
    best: int | None = None
    for name in names:
        n = normalise(name)
        if not n:
            continue
        if n == q:
            found = EXACT
        elif n.startswith(q):
            found = PREFIX
        elif q in n:
            found = CONTAINS
        elif all(w in n for w in words):
            found = WORDS
        else:
            continue
        best = found if best is None else max(best, found)
    return best


def ranked(query: str, candidates: Sequence[T], names: Callable[[T], Sequence[str]]) -> list[T]:
    """The candidates that match, best first; equal scores keep the candidates' order."""
    scored = [(score(query, *names(c)), i, c) for i, c in enumerate(candidates)]
    return [c for s, _, c in sorted((x for x in scored if x[0] is not None), key=_key)]


def best(query: str, candidates: Sequence[T], names: Callable[[T], Sequence[str]]) -> list[T]:
    """Every candidate sharing the best score (one: the match; several: ask which). A text
    with nothing to match on (blank, or only punctuation) matches nothing."""
    if not normalise(query):
        return []
    scored = [(score(query, *names(c)), c) for c in candidates]
    found = [s for s, _ in scored if s is not None]
    if not found:
        return []
    top = max(found)
    return [c for s, c in scored if s == top]


def _key(entry: tuple[int | None, int, object]) -> tuple[int, int]:
    s, i, _ = entry
    return (-(s or 0), i)
