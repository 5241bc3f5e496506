"""The `/cohort` reply: a short text, the chart and the CSV. Only counts for hidden learners."""

from __future__ import annotations

from bot.core.cohort import STATUS_ORDER, CohortSummary
from bot.core.untrusted import escape_text
from bot.discord_app.card_canvas import plural

CHART_PNG = "cohort.png"
CHART_CSV = "cohort.csv"


def counts_line(summary: CohortSummary) -> str:
    """ "12 learners: 7 on track, 3 behind, 2 paused, 0 complete" (hidden ones included)."""
    parts = [f"{summary.counts.get(s, 0)} {s.value}" for s in STATUS_ORDER]
    return f"{plural(summary.total, 'learner')}: " + ", ".join(parts)


def cohort_text(summary: CohortSummary) -> str:
    lines = [f"📊 **Cohort · {escape_text(summary.title, 160)}**", counts_line(summary) + "."]
    if not summary.total:
        lines.append("Nobody follows it here yet: learners appear once they `/enroll`.")
    if summary.hidden:
        lines.append(
            f"{plural(summary.hidden, 'learner')} not shown (they have not chosen "
            "`/me visibility shown`): counted above and in the chart, never named (one "
            "counting row in the CSV)."
        )
    if summary.weeks:
        done = sum(w.completions for w in summary.weeks)
        expected = sum(w.expected for w in summary.weeks)
        lines.append(
            f"Over the last {plural(len(summary.weeks), 'week')}: {done} items completed, "
            f"{expected:.0f} expected by the plan."
        )
    lines.append(
        "`done`/`expected` and `on_schedule` in the CSV are the figures of "
        "`/leaderboard metric:on-schedule`; status is the one `/progress` shows."
    )
    return "\n".join(lines)


def alt_text(summary: CohortSummary) -> str:
    weekly = ", ".join(
        f"{w.first_day.isoformat()}: {w.completions} done / {w.expected:g} expected"
        for w in summary.weeks
    )
    return (counts_line(summary) + ". Per week: " + weekly)[:1000]
