"""The `/cohort` CSV: one row per listed learner, then one row counting the hidden ones.

Columns: rank, name, user_id, status, done, expected, done_expected, on_schedule (as the
leaderboard says it: "2 ahead", "on schedule", "1 behind"), ahead (whole items ahead of the
schedule, negative behind), last_activity (ISO date in the
server's zone, empty if never), streak_weeks, learners.
A hidden learner is never a row of their own: the final "hidden" row says how many there
are and nothing else. Names are what the server shows; a cell that a spreadsheet would
read as a formula (=, +, -, @ first) is prefixed with an apostrophe.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from bot.core.cohort import CohortSummary

HEADER = (
    "rank",
    "name",
    "user_id",
    "status",
    "done",
    "expected",
    "done_expected",
    "on_schedule",
    "ahead",
    "last_activity",
    "streak_weeks",
    "learners",
)


def _safe(cell: str) -> str:
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def cohort_csv(summary: CohortSummary, names: Mapping[int, str], zone: ZoneInfo) -> str:
    """`names` maps user ids to display names; a listed learner without one gets ""."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(HEADER)
    for i, r in zip(summary.ranks, summary.visible, strict=True):
        last = r.last_activity.astimezone(zone).date().isoformat() if r.last_activity else ""
        expected = f"{r.expected:.2f}"
        writer.writerow(
            (
                i,
                _safe(names.get(r.user_id, "")),
                str(r.user_id),
                r.status.value,
                r.done,
                expected,
                f"{r.done}/{expected}",
                r.phrase,
                r.ahead,
                last,
                r.streak,
                1,
            )
        )
    if summary.hidden:
        blanks = ("",) * (len(HEADER) - 5)
        writer.writerow(("", "(hidden learners)", "", "hidden", *blanks, summary.hidden))
    return out.getvalue()
