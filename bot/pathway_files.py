"""Pathway files on disk: reading the directory, and the registry that reloads it.

The core validates bytes (bot/core/loader.py) and merges reloads (bot/core/registry.py);
this adapter is the only code that lists the directory and reads the files. A reload
from the running bot reads them in a worker thread, so a slow disk never stalls the
event loop, and swaps the new set in at once.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.core.loader import (
    PATHWAY_SUFFIXES,
    LoadedPathway,
    LoadResult,
    Problem,
    SourceFile,
    load_sources,
)
from bot.core.pathway import Pathway
from bot.core.registry import ReloadReport, lookup, merge


def read_directory(directory: Path) -> list[SourceFile] | Problem:
    """Every *.yaml / *.yml file directly inside `directory`, with its bytes."""
    try:
        paths = sorted(
            p for p in directory.iterdir() if p.suffix in PATHWAY_SUFFIXES and p.is_file()
        )
    except OSError as exc:
        return Problem(str(directory), f"cannot read directory: {exc.strerror}")
    files = []
    for path in paths:
        try:
            files.append(SourceFile(path, path.read_bytes()))
        except OSError as exc:
            files.append(SourceFile(path, None, exc.strerror))
    return files


def load_directory(directory: Path) -> LoadResult:
    """Read and validate every pathway file in `directory`."""
    files = read_directory(directory)
    if isinstance(files, Problem):
        return LoadResult(problems=[files])
    return load_sources(str(directory), files)


class PathwayRegistry:
    """The pathways on offer (implements bot.core.registry.Pathways), reloadable."""

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
        return lookup(self._loaded, pathway_id)

    def find(self, pathway_id: str) -> LoadedPathway | None:
        return self._loaded.get(pathway_id)

    def reload(self) -> ReloadReport:
        """Re-read the files now (for the CLI and tests; the bot uses `reload_async`)."""
        self._loaded, report = merge(self._loaded, load_directory(self.directory))
        return report

    async def reload_async(self) -> ReloadReport:
        """Read the files in a worker thread, then swap the new set in on the loop."""
        result = await asyncio.to_thread(load_directory, self.directory)
        self._loaded, report = merge(self._loaded, result)
        return report
