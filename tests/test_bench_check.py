"""`python -m bench --check` judges figures against issue 26's targets and says so by its exit.

No timing here: the judging is fed fixed figures, and the benchmarks' runs are replaced by
functions returning them (benchmarks measure speed; tests assert behaviour).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import __main__ as bench_main
from bench import bench_delivery, bench_interactions, bench_store, report

# Issue 26's table, cell by cell: (column, figure, target).
ISSUE_26 = [
    *(
        (f"interactions/{engine}", f"{ack}_p99_ms", ("<=", 50.0))
        for engine in ("SQLite", "PostgreSQL")
        for ack in ("done_ack", "enroll_ack", "tasks_ack", "leaderboard_ack", "autocomplete")
    ),
    *(
        (f"store/{engine}", figure, target)
        for engine in ("SQLite", "PostgreSQL")
        for figure, target in (
            ("leaderboard_p99_ms", ("<=", 20.0)),
            ("completions_per_s", (">=", 1000.0)),
            ("completions_per_s_50_callers", (">=", 3000.0)),
            ("due_batch_p99_ms", ("<=", 5.0)),
        )
    ),
    *(
        (f"interactions/{engine}", f"fanout_{tag}_{figure}", target)
        for engine in ("SQLite", "PostgreSQL")
        for tag in ("10k", "100k")
        for figure, target in (
            ("fraction_of_limit", (">=", 0.93)),
            ("requests_per_reminder", ("<=", 1.0)),
            ("429s", ("<=", 0.0)),
            ("lost", ("<=", 0.0)),
            ("duplicated", ("<=", 0.0)),
            ("first_reminded_after_due_s", ("<=", 5.0)),
        )
    ),
    ("interactions/SQLite", "fanout_100k_max_rss_mb", ("<=", 150.0)),
    ("interactions/PostgreSQL", "fanout_100k_max_rss_mb", ("<=", 150.0)),
    ("delivery", "ceiling_reminders_per_s", (">=", 1500.0)),
    ("interactions/SQLite", "fanout_rate200_fraction_of_limit", (">=", 0.93)),
    ("interactions/PostgreSQL", "fanout_rate200_fraction_of_limit", (">=", 0.93)),
]


def _meeting_every_goal() -> dict[str, dict[str, float]]:
    """Figures exactly at every goal's target (a bound is met when reached)."""
    measured: dict[str, dict[str, float]] = {}
    for goal in report.GOALS:
        op, bound = goal.target
        measured.setdefault(goal.column, {})[goal.figure] = bound - 1 if op == "<" else bound
    return measured


def test_every_figure_of_issue_26_has_its_target() -> None:
    goals = {(g.column, g.figure): g.target for g in report.GOALS}
    for column, figure, target in ISSUE_26:
        assert goals.get((column, figure)) == target, (column, figure)
    # The benchmarks' own tables mark the same targets.
    assert bench_store.TARGETS["completions_per_s_50_callers"] == (">=", 3000.0)
    assert bench_store.TARGETS["due_batch_p99_ms"] == ("<=", 5.0)
    assert bench_delivery.TARGETS["ceiling_reminders_per_s"] == (">=", 1500.0)
    assert bench_interactions.TARGETS["autocomplete_p99_ms"] == ("<=", 50.0)
    assert bench_interactions.TARGETS["fanout_100k_max_rss_mb"] == ("<=", 150.0)


def test_all_met_exits_zero_and_a_miss_exits_one_naming_it() -> None:
    status, lines = report.check(report.judge(_meeting_every_goal()))
    assert status == 0
    assert lines[-1] == f"0 missed, {len(report.GOALS)} met, 0 not measured in this run"

    measured = _meeting_every_goal()
    measured["store/PostgreSQL"]["completions_per_s"] = 544.0
    status, lines = report.check(report.judge(measured))
    assert status == 1
    assert lines[0].startswith("MISSED")
    assert "store/PostgreSQL" in lines[0] and "completions_per_s " in lines[0]
    assert "544.000" in lines[0] and ">= 1,000" in lines[0]
    assert lines[-1].startswith("1 missed,")


def test_unmeasured_goals_are_listed_with_their_targets_and_do_not_fail() -> None:
    measured = {"delivery": {"ceiling_reminders_per_s": 1600.0}}
    status, lines = report.check(report.judge(measured))
    assert status == 0
    assert any(line.startswith("met") and "ceiling_reminders_per_s" in line for line in lines)
    unmeasured = [line for line in lines if line.startswith("not measured")]
    assert len(unmeasured) == len(report.GOALS) - 1
    assert any("fanout_100k_max_rss_mb" in line and "<= 150" in line for line in unmeasured)


def test_a_benchmarks_own_targets_are_judged_too() -> None:
    measured = {"delivery": {"ceiling_reminders_per_s": 1600.0, "fanout_429s": 3.0}}
    status, lines = report.check(report.judge(measured, bench_main.targets()))
    assert status == 1
    assert "fanout_429s" in lines[0] and lines[0].startswith("MISSED")


@pytest.mark.parametrize(("ceiling", "exit_status"), [(1500.0, 0), (814.0, 1)])
def test_the_command_exits_by_the_verdict(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    ceiling: float,
    exit_status: int,
) -> None:
    figures = {"ceiling_reminders": 10_000.0, "ceiling_reminders_per_s": ceiling}
    monkeypatch.setattr(bench_delivery, "main", lambda argv: dict(figures))
    monkeypatch.setattr(bench_main, "ROOT", tmp_path)  # nothing written beside the code
    with pytest.raises(SystemExit) as exit_:
        bench_main.main(["--check", "--only", "delivery", "--scale", "0.01"])
    assert exit_.value.code == exit_status
    out = capsys.readouterr().out
    verdict = "met" if exit_status == 0 else "MISSED"
    assert any(
        line.startswith(verdict) and "ceiling_reminders_per_s" in line for line in out.splitlines()
    )
    assert "not measured" in out  # the goals of benchmarks it did not run
    assert not list(tmp_path.iterdir())  # --check writes no report unless --output says


def test_the_report_tables_every_goal_and_marks_the_unmeasured() -> None:
    lines = bench_main.goals_section(
        {
            "delivery": {"ceiling_reminders_per_s": 814.0},
            "store/SQLite": {"completions_per_s": 1251.0},
        }
    )
    assert "| delivery | ceiling_reminders_per_s | >= 1,500 | 814.000 missed |  |" in lines
    assert "| store | completions_per_s | >= 1,000 | 1,251.000 met | not measured |" in lines
    rows = [line for line in lines if line.startswith("| interactions |")]
    assert all(line.endswith("| not measured | not measured |") for line in rows)
    assert len({(g.bench, g.figure) for g in report.GOALS}) == len(lines) - 8


def test_a_fan_out_counts_reminders_not_welcomes_the_lost_and_the_duplicated() -> None:
    """A welcome (text only) still going out after the due minute is neither a reminder nor
    a second one; a reminder always has its embed."""
    welcome = SimpleNamespace(embeds=[], created_at=10.0)
    late_welcome = SimpleNamespace(embeds=[], created_at=100.2)
    reminder = SimpleNamespace(embeds=[{"title": "Week 1"}], created_at=100.5)
    again = SimpleNamespace(embeds=[{"title": "Week 1"}], created_at=102.0)
    assert bench_interactions.reminders_of([welcome, reminder, late_welcome]) == [reminder]
    # 1: welcomed, reminded once (a late welcome after); 2: welcomed, never reminded;
    # 3: reminded twice.
    dms = {1: [welcome, reminder, late_welcome], 2: [welcome, late_welcome], 3: [reminder, again]}
    first, duplicated = bench_interactions.tally(
        {u: [m.created_at for m in bench_interactions.reminders_of(d)] for u, d in dms.items()}
    )
    assert first == [100.5, 100.5]  # two reminded: of three, one lost
    assert duplicated == 1
