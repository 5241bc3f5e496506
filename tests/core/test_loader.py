"""Validation: one invalid file per rule, each naming the file, the field path and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.loader import load_text
from bot.pathway_files import load_directory

MINIMAL = """\
id: tiny
title: A tiny pathway
from_role: Tester
to_role: Author
difficulty: Easy
timeline: 2 weeks
overview: Just enough to be valid.
transferable_skills:
  items:
    - id: reading
      name: Reading
      description: You can read.
skills_to_learn:
  items:
    - id: skill-writing
      name: Writing
      priority: critical
      weeks: 2
      how_to_learn: Write every day.
roadmap:
  phases:
    - id: phase-one
      title: Start
      weeks: 2
      tasks:
        - id: write-a-line
          text: Write one line.
action_plan:
  this_week:
    - id: open-editor
      text: Open an editor.
"""


def test_minimal_file_is_valid() -> None:
    pathway, problems = load_text(MINIMAL, "tiny.yaml")
    assert problems == []
    assert pathway is not None
    assert [i.id for i in pathway.items()] == ["open-editor", "write-a-line", "skill-writing"]


@pytest.mark.parametrize(
    ("old", "new", "field", "line", "words"),
    [
        (
            "      weeks: 2\n      tasks:",
            "      weeks: 0\n      tasks:",
            "roadmap.phases[0].weeks",
            24,
            "greater than 0",
        ),
        (
            "      weeks: 2\n      tasks:",
            "      weeks: -3\n      tasks:",
            "roadmap.phases[0].weeks",
            24,
            "greater than 0",
        ),
        (
            "      weeks: 2\n      tasks:",
            "      weeks: six\n      tasks:",
            "roadmap.phases[0].weeks",
            24,
            "integer",
        ),
        (
            "priority: critical",
            "priority: urgent",
            "skills_to_learn.items[0].priority",
            17,
            "critical",
        ),
        (
            "  - id: write-a-line\n          text: Write one line.\n",
            "",
            "roadmap.phases[0].tasks",
            25,
            "at least one",
        ),
        ("id: open-editor", "id: write-a-line", "action_plan.this_week[0].id", 30, "duplicate id"),
        ("id: phase-one", "id: Phase One", "roadmap.phases[0].id", 22, "not a valid id"),
        ("difficulty: Easy\n", "difficulty: Easy\ncolour: blue\n", "colour", 6, "unknown key"),
        (
            "      name: Reading\n",
            "      name: Reading\n      nmae: Reading\n",
            "transferable_skills.items[0].nmae",
            12,
            "unknown key",
        ),
        ("timeline: 2 weeks\n", "", "timeline", None, "missing"),
    ],
)
def test_each_rule_names_file_field_and_line(
    old: str, new: str, field: str, line: int | None, words: str
) -> None:
    text = MINIMAL.replace(old, new, 1)
    assert text != MINIMAL
    pathway, problems = load_text(text, "pathways/broken.yaml")
    assert pathway is None
    matching = [p for p in problems if p.loc == field]
    assert matching, problems
    problem = matching[0]
    assert problem.file == "pathways/broken.yaml"
    if line is not None:
        assert problem.line == line
    assert words in problem.message
    rendered = str(problem)
    assert rendered.startswith("pathways/broken.yaml:")
    assert field in rendered


def test_empty_phase_list() -> None:
    start = MINIMAL.index("  phases:")
    end = MINIMAL.index("action_plan:")
    text = MINIMAL[:start] + "  phases: []\n" + MINIMAL[end:]
    pathway, problems = load_text(text, "x.yaml")
    assert pathway is None
    assert [p.loc for p in problems] == ["roadmap.phases"]
    assert "at least one" in problems[0].message
    assert problems[0].line == 21


def test_yaml_syntax_error_has_a_line() -> None:
    pathway, problems = load_text(
        MINIMAL.replace("title: A tiny pathway", "title: [unclosed"), "x.yaml"
    )
    assert pathway is None
    assert len(problems) == 1
    assert "not valid YAML" in problems[0].message
    assert problems[0].line is not None


def test_duplicate_yaml_key_is_reported() -> None:
    text = MINIMAL.replace("timeline: 2 weeks\n", "timeline: 2 weeks\ntimeline: 3 weeks\n")
    pathway, problems = load_text(text, "x.yaml")
    assert pathway is None
    assert problems[0].loc == "timeline" and problems[0].line == 7
    assert "twice" in problems[0].message


def test_not_a_mapping() -> None:
    pathway, problems = load_text("- just\n- a list\n", "x.yaml")
    assert pathway is None and "mapping" in problems[0].message


def test_directory_reports_every_file_and_keeps_the_good_ones(tmp_path: Path) -> None:
    (tmp_path / "good.yaml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "bad.yaml").write_text(
        MINIMAL.replace("id: tiny", "id: other").replace(
            "weeks: 2\n      tasks", "weeks: 0\n      tasks"
        ),
        encoding="utf-8",
    )
    (tmp_path / "copy.yml").write_text(MINIMAL, encoding="utf-8")
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    result = load_directory(tmp_path)
    assert list(result.pathways) == ["tiny"]
    files = sorted(Path(p.file).name for p in result.problems)
    assert files == ["bad.yaml", "good.yaml"]  # copy.yml sorts first and keeps the id
    assert any("already used" in p.message for p in result.problems)


def test_empty_and_missing_directories(tmp_path: Path) -> None:
    assert "no pathway files" in load_directory(tmp_path).problems[0].message
    assert "cannot read" in load_directory(tmp_path / "nope").problems[0].message


def test_non_utf8_file(tmp_path: Path) -> None:
    (tmp_path / "latin.yaml").write_bytes(b"title: caf\xe9\n")
    assert "UTF-8" in load_directory(tmp_path).problems[0].message
