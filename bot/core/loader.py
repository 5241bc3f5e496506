"""Validate pathway files' contents: pure, so the files themselves are read elsewhere.

Authors are not programmers, so every problem names the file, the field path and the line,
and all problems are reported at once rather than stopping at the first. Loading never
raises for bad content: callers decide whether problems are fatal (start-up, `validate`)
or whether to keep the pathways already loaded (a reload). Reading a directory is the
adapter's job (bot/pathway_files.py); this module only sees the bytes it read.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bot.core.pathway import Pathway, broken_links, duplicate_ids

PATHWAY_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with one file; `str()` is the line `validate` prints."""

    file: str
    message: str
    loc: str = ""
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line is not None else self.file
        field_part = f" {self.loc}:" if self.loc else ""
        return f"{where}:{field_part} {self.message}"


@dataclass(frozen=True, slots=True)
class LoadedPathway:
    pathway: Pathway
    path: Path
    content_hash: str  # sha256 of the file bytes, pinned on each enrolment


@dataclass(slots=True)
class LoadResult:
    pathways: dict[str, LoadedPathway] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def format_loc(loc: Sequence[str | int]) -> str:
    """`("roadmap", "phases", 0, "weeks")` -> `roadmap.phases[0].weeks`."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _line_of(root: yaml.Node | None, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest node `loc` reaches in the composed YAML tree."""
    if root is None:
        return None
    node: yaml.Node = root
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == str(part):
                    line = key_node.start_mark.line + 1
                    node = value_node
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                return line
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _duplicate_keys(node: yaml.Node, loc: tuple[str | int, ...] = ()) -> Iterable[tuple[str, int]]:
    """PyYAML keeps the last of two equal keys silently; an author almost never means that."""
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                yield format_loc((*loc, key)), key_node.start_mark.line + 1
            seen.add(key)
            yield from _duplicate_keys(value_node, (*loc, key))
    elif isinstance(node, yaml.SequenceNode):
        for i, child in enumerate(node.value):
            yield from _duplicate_keys(child, (*loc, i))


def _friendly(err_type: str, msg: str, value: Any) -> str:
    if err_type == "extra_forbidden":
        return "unknown key: check its spelling against pathways/README.md"
    if err_type == "too_short" or (err_type == "list_type" and value is None):
        return "is empty: list at least one item"
    if err_type == "missing":
        return "required key is missing"
    if err_type == "string_pattern_mismatch":
        return (
            f"{value!r} is not a valid id: use lowercase letters, digits and single hyphens "
            "(for example 'p1-learn-numpy')"
        )
    return msg


def load_text(text: str, file: str) -> tuple[Pathway | None, list[Problem]]:
    """Validate one file's text; `file` is only used to label problems."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, [Problem(file, f"not valid YAML: {problem}", line=line)]
    if not isinstance(data, dict):
        return None, [Problem(file, "a pathway file must be a mapping of keys (id:, title:, ...)")]
    problems = (
        [
            Problem(file, "key appears twice; the second would silently win", loc, line)
            for loc, line in _duplicate_keys(root)
        ]
        if root is not None
        else []
    )
    try:
        pathway = Pathway.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if isinstance(p, str | int))
            problems.append(
                Problem(
                    file,
                    _friendly(err["type"], err["msg"], err.get("input")),
                    format_loc(loc),
                    _line_of(root, loc),
                )
            )
        return None, problems
    for loc, ident in duplicate_ids(pathway):
        problems.append(
            Problem(
                file,
                f"duplicate id '{ident}': every id in a pathway must be unique",
                format_loc(loc),
                _line_of(root, loc),
            )
        )
    if not problems:
        for loc, message in broken_links(pathway):
            problems.append(Problem(file, message, format_loc(loc), _line_of(root, loc)))
    return (pathway if not problems else None), problems


@dataclass(frozen=True, slots=True)
class SourceFile:
    """One file as read from disk: its bytes, or why it could not be read."""

    path: Path
    data: bytes | None
    error: str | None = None


def load_sources(directory: str, files: Sequence[SourceFile]) -> LoadResult:
    """Validate every file read from one directory (`directory` labels problems).

    A directory with no pathway files is itself a problem: the bot would have nothing to offer.
    """
    result = LoadResult()
    if not files:
        result.problems.append(
            Problem(directory, "no pathway files (*.yaml) found in this directory")
        )
    for source in files:
        path = source.path
        label = str(path)
        if source.data is None:
            result.problems.append(Problem(label, f"cannot read file: {source.error}"))
            continue
        raw = source.data
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            result.problems.append(Problem(label, "file is not UTF-8 text"))
            continue
        pathway, problems = load_text(text, label)
        result.problems.extend(problems)
        if pathway is None:
            continue
        if pathway.id in result.pathways:
            other = result.pathways[pathway.id].path
            result.problems.append(
                Problem(
                    label,
                    f"pathway id '{pathway.id}' is already used by {other}",
                    "id",
                    _line_of(yaml.compose(text, Loader=yaml.SafeLoader), ("id",)),
                )
            )
            continue
        digest = hashlib.sha256(raw).hexdigest()[:16]
        result.pathways[pathway.id] = LoadedPathway(pathway, path, digest)
    return result
