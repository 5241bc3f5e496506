"""The pathways currently offered, with reloads that never drop what is already loaded.

A reload re-reads the directory; a file with problems keeps its previous version (if any)
and the problems are reported, so a typo during an edit cannot take a pathway away from
learners who are enrolled in it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.core.errors import NotFound
from bot.core.loader import LoadedPathway, LoadResult, Problem, load_directory
from bot.core.pathway import Pathway
from bot.core.untrusted import quote_input


@dataclass(frozen=True, slots=True)
class ReloadReport:
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    kept: list[str]  # failed to load now; the earlier version stays
    problems: list[Problem]


class PathwayRegistry:
    def __init__(self, directory: Path, initial: LoadResult | None = None) -> None:
        self.directory = directory
        result = initial if initial is not None else load_directory(directory)
        self._loaded: dict[str, LoadedPathway] = dict(result.pathways)

    def ids(self) -> list[str]:
        return sorted(self._loaded)

    def all(self) -> list[LoadedPathway]:
        return [self._loaded[k] for k in self.ids()]

    def get(self, pathway_id: str) -> Pathway:
        return self.loaded(pathway_id).pathway

    def loaded(self, pathway_id: str) -> LoadedPathway:
        found = self._loaded.get(pathway_id)
        if found is None:
            known = ", ".join(f"`{k}`" for k in self.ids()) or "none"
            raise NotFound(
                f"There is no pathway {quote_input(pathway_id, 60)}. Available: {known}."
            )
        return found

    def find(self, pathway_id: str) -> LoadedPathway | None:
        return self._loaded.get(pathway_id)

    def reload(self) -> ReloadReport:
        result = load_directory(self.directory)
        added, updated, unchanged = [], [], []
        fresh = dict(self._loaded)
        for pid, lp in result.pathways.items():
            before = self._loaded.get(pid)
            if before is None:
                added.append(pid)
            elif before.content_hash != lp.content_hash:
                updated.append(pid)
            else:
                unchanged.append(pid)
            fresh[pid] = lp
        kept = sorted(set(self._loaded) - set(result.pathways))
        self._loaded = fresh
        return ReloadReport(
            sorted(added), sorted(updated), sorted(unchanged), kept, result.problems
        )
