"""The pathways on offer, as seen by the use cases: a read-only interface and the pure
rule for merging a reload into what is already loaded.

The mutable holder that re-reads the files lives in the adapter (bot/pathway_files.py),
so nothing here does I/O. A reload never drops what is loaded: a file with problems keeps
its previous version (if any) and the problems are reported, so a typo during an edit
cannot take a pathway away from learners who are enrolled in it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from bot.core.errors import NotFound
from bot.core.loader import LoadedPathway, LoadResult, Problem
from bot.core.pathway import Pathway
from bot.core.untrusted import quote_input


@dataclass(frozen=True, slots=True)
class ReloadReport:
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    kept: list[str]  # failed to load now; the earlier version stays
    problems: list[Problem]


class Pathways(Protocol):
    """What the services need of the pathways on offer."""

    def ids(self) -> list[str]: ...

    def all(self) -> list[LoadedPathway]: ...

    def get(self, pathway_id: str) -> Pathway: ...

    def loaded(self, pathway_id: str) -> LoadedPathway: ...

    def find(self, pathway_id: str) -> LoadedPathway | None: ...


def lookup(loaded: Mapping[str, LoadedPathway], pathway_id: str) -> LoadedPathway:
    """The pathway, or a domain error naming the ones on offer."""
    found = loaded.get(pathway_id)
    if found is None:
        known = ", ".join(f"`{k}`" for k in sorted(loaded)) or "none"
        raise NotFound(f"There is no pathway {quote_input(pathway_id, 60)}. Available: {known}.")
    return found


def merge(
    current: Mapping[str, LoadedPathway], result: LoadResult
) -> tuple[dict[str, LoadedPathway], ReloadReport]:
    """What is on offer after a reload that produced `result`, and what changed."""
    added, updated, unchanged = [], [], []
    fresh = dict(current)
    for pid, lp in result.pathways.items():
        before = current.get(pid)
        if before is None:
            added.append(pid)
        elif before.content_hash != lp.content_hash:
            updated.append(pid)
        else:
            unchanged.append(pid)
        fresh[pid] = lp
    kept = sorted(set(current) - set(result.pathways))
    return fresh, ReloadReport(
        sorted(added), sorted(updated), sorted(unchanged), kept, result.problems
    )
