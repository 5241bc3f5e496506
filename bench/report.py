"""Figures beside their targets, the one way every benchmark prints, tables and judges them.

`GOALS` is issue 26's target table ("Speed at scale"), one entry a figure and a column
(which benchmark, which engine), so `python -m bench --check` can say which were met,
which missed, and which this run did not measure. Each benchmark's own `TARGETS` (the
tables in BENCHMARKS.md) take these numbers from here through `targets_for`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Target = tuple[str, float]  # ("<", 5.0): the figure should be below 5

SQLITE, POSTGRES = "SQLite", "PostgreSQL"
ENGINES = (SQLITE, POSTGRES)


def met(value: float, target: Target) -> bool:
    op, goal = target
    return {"<": value < goal, "<=": value <= goal, ">=": value >= goal}[op]


def rows(figures: dict[str, float], targets: dict[str, Target]) -> list[str]:
    """A Markdown table: figure, value, target, met or missed."""
    out = ["| figure | value | target | |", "|---|---:|---|---|"]
    for name, value in figures.items():
        target = targets.get(name)
        if target:
            verdict = "met" if met(value, target) else "missed"
            out.append(f"| {name} | {value:,.3f} | {target[0]} {target[1]:,g} | {verdict} |")
        else:
            out.append(f"| {name} | {value:,.3f} | | |")
    return out


@dataclass(frozen=True)
class Goal:
    """One cell of a target table: `figure` of benchmark `bench` on `engine` meets `target`.

    `column` ("store/SQLite", "delivery") is the key of the figures it is judged in.
    """

    bench: str
    engine: str | None
    figure: str
    target: Target

    @property
    def column(self) -> str:
        return self.bench if self.engine is None else f"{self.bench}/{self.engine}"


def _both(bench: str, figures: Iterable[str], target: Target) -> list[Goal]:
    names = list(figures)  # once per engine
    return [Goal(bench, engine, figure, target) for engine in ENGINES for figure in names]


ACKS = ("done_ack", "enroll_ack", "tasks_ack", "leaderboard_ack", "autocomplete")
FANOUT_FRACTION = 0.93  # of Discord's limit (or of SEND_RATE's, when granted more)
FIRST_REMINDER_S = 5.0


def fanout_targets(tag: str) -> dict[str, Target]:
    """Issue 26's fan-out targets for `fanout_<tag>_*` figures."""
    return {
        f"fanout_{tag}_fraction_of_limit": (">=", FANOUT_FRACTION),
        f"fanout_{tag}_requests_per_reminder": ("<=", 1.0),
        f"fanout_{tag}_429s": ("<=", 0.0),
        f"fanout_{tag}_lost": ("<=", 0.0),
        f"fanout_{tag}_duplicated": ("<=", 0.0),
        f"fanout_{tag}_first_reminded_after_due_s": ("<=", FIRST_REMINDER_S),
    }


# Issue 26, "Targets": every figure in a server of 10,000 learners with 1,000,000 completions,
# both engines unless the issue notes otherwise.
GOALS: tuple[Goal, ...] = (
    # /done, /enroll, /tasks, /leaderboard (10,000-member group), autocomplete: ack p99
    *_both("interactions", (f"{name}_p99_ms" for name in ACKS), ("<=", 50.0)),
    # leaderboard read, store only, 10,000-member group: p99
    *_both("store", ["leaderboard_p99_ms"], ("<=", 20.0)),
    # completions/s: one caller / 50 callers
    *_both("store", ["completions_per_s"], (">=", 1000.0)),
    *_both("store", ["completions_per_s_50_callers"], (">=", 3000.0)),
    # due batch of 500: p99
    *_both("store", ["due_batch_p99_ms"], ("<=", 5.0)),
    # first fan-out, 10,000 and 100,000 learners
    *(
        Goal("interactions", engine, figure, target)
        for tag in ("10k", "100k")
        for engine in ENGINES
        for figure, target in fanout_targets(tag).items()
    ),
    # memory during the 100,000 fan-out
    *_both("interactions", ["fanout_100k_max_rss_mb"], ("<=", 150.0)),
    # bot-side ceiling (limit lifted): the bot in-process on SQLite
    Goal("delivery", None, "ceiling_reminders_per_s", (">=", 1500.0)),
    # a bot granted a higher global limit (SEND_RATE=200) at 10,000 learners
    Goal("interactions", SQLITE, "fanout_rate200_fraction_of_limit", (">=", FANOUT_FRACTION)),
    Goal("interactions", POSTGRES, "fanout_rate200_fraction_of_limit", (">=", FANOUT_FRACTION)),
)


def targets_for(bench: str, engine: str | None = None) -> dict[str, Target]:
    """The goals' targets of one benchmark (on `engine`, or on the first engine listing a
    figure), figure by figure: what a benchmark's table marks met or missed."""
    out: dict[str, Target] = {}
    for goal in GOALS:
        if goal.bench == bench and (engine is None or goal.engine in (None, engine)):
            out.setdefault(goal.figure, goal.target)
    return out


@dataclass(frozen=True)
class Verdict:
    column: str
    figure: str
    target: Target
    value: float | None  # None: not measured in this run

    @property
    def measured(self) -> bool:
        return self.value is not None

    @property
    def met(self) -> bool:
        return self.value is not None and met(self.value, self.target)

    def line(self) -> str:
        goal = f"{self.target[0]} {self.target[1]:,g}"
        if self.value is None:
            return f"not measured  {self.column:26} {self.figure:40} target {goal}"
        word = "met" if self.met else "MISSED"
        return f"{word:12}  {self.column:26} {self.figure:40} {self.value:12,.3f}  target {goal}"


def judge(
    measured: Mapping[str, Mapping[str, float]],
    targets: Mapping[str, Mapping[str, Target]] | None = None,
    goals: Iterable[Goal] = GOALS,
) -> list[Verdict]:
    """Every goal, and every other figure with a target in `targets` (column -> figure ->
    target: a benchmark's own table), judged against the figures `measured` (column ->
    figure -> value). A goal whose figure is absent is a verdict with no value."""
    verdicts: list[Verdict] = []
    seen: set[tuple[str, str]] = set()
    for goal in goals:
        value = measured.get(goal.column, {}).get(goal.figure)
        verdicts.append(Verdict(goal.column, goal.figure, goal.target, value))
        seen.add((goal.column, goal.figure))
    for column, figures in measured.items():
        for figure, target in (targets or {}).get(column, {}).items():
            if (column, figure) not in seen and figure in figures:
                verdicts.append(Verdict(column, figure, target, figures[figure]))
                seen.add((column, figure))
    return verdicts


def check(verdicts: Iterable[Verdict]) -> tuple[int, list[str]]:
    """The exit status of `--check` (1 when any measured figure missed its target, else 0)
    and the lines that say so: misses first, then what was met, then what was not measured."""
    verdicts = list(verdicts)
    missed = [v for v in verdicts if v.measured and not v.met]
    kept = [v for v in verdicts if v.met]
    absent = [v for v in verdicts if not v.measured]
    lines = [v.line() for v in (*missed, *kept, *absent)]
    lines.append(f"{len(missed)} missed, {len(kept)} met, {len(absent)} not measured in this run")
    return (1 if missed else 0), lines
