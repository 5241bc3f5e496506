"""The cohort rows: ranked like the on-schedule board, hidden learners reduced to a count,
and a CSV a spreadsheet cannot be tricked by."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from bot.core.cohort import CohortStatus, LearnerRow, on_schedule, summarise
from bot.core.cohort_csv import HEADER, cohort_csv
from bot.core.pathway import Pathway

AT = datetime(2026, 12, 7, 12, tzinfo=UTC)


def _row(uid: int, done: int, visible: bool = True, status=CohortStatus.ON_TRACK) -> LearnerRow:  # type: ignore[no-untyped-def]
    return LearnerRow(uid, visible, status, done, 4.0, on_schedule(done, 4.0), AT, 1)


def test_hidden_learners_are_counted_never_listed() -> None:
    rows = [_row(1, 2), _row(2, 4, visible=False, status=CohortStatus.BEHIND), _row(3, 3)]
    s = summarise("T", AT, rows, [])
    assert [r.user_id for r in s.visible] == [3, 1] and s.ranks == (1, 2)
    assert s.hidden == 1 and s.total == 3
    assert s.counts[CohortStatus.BEHIND] == 1 and s.counts[CohortStatus.ON_TRACK] == 2
    text = cohort_csv(s, {1: "=HYPERLINK(x)", 3: "Zoë"}, ZoneInfo("UTC"))
    table = list(csv.reader(io.StringIO(text)))
    assert [r[2] for r in table[1:]] == ["3", "1", ""]  # no row with the hidden learner's id
    assert tuple(table[0]) == HEADER
    assert table[1][1] == "Zoë" and table[2][1] == "'=HYPERLINK(x)"
    assert table[-1][3] == "hidden" and table[-1][-1] == "1" and table[-1][2] == ""


def test_ties_share_a_rank_and_the_first_there_leads() -> None:
    early = LearnerRow(
        5, True, CohortStatus.ON_TRACK, 2, 4.0, 0.5, datetime(2026, 1, 1, tzinfo=UTC), 0
    )
    late = LearnerRow(4, True, CohortStatus.ON_TRACK, 2, 4.0, 0.5, AT, 0)
    s = summarise("T", AT, [late, early], [])
    assert [r.user_id for r in s.visible] == [5, 4] and s.ranks == (1, 1)


def test_the_shared_plan_gives_each_learner_the_status_their_own_plan_gives(
    seed: Pathway,
) -> None:
    import random
    from datetime import date, timedelta

    from bot.core.cadence import Schedule, build_plan
    from bot.core.cohort import status_from_plan, status_of
    from bot.core.layout import settled
    from bot.core.progress import progress

    rnd = random.Random(7)
    ids = [i.id for i in seed.items()]
    schedule = Schedule(date(2026, 9, 7))
    for days in (0, 3, 10, 40, 100, 400):
        at = AT.replace(year=2026, month=9, day=7) + timedelta(days=days)
        base = build_plan(seed, schedule, (), at)
        for size in (0, 1, 3, 8, 20, len(ids)):
            done = frozenset(rnd.sample(ids, size))
            own = progress(seed, build_plan(seed, schedule, done, at))
            for paused in (False, True):
                assert status_from_plan(base, settled(seed, done), paused) == status_of(
                    own, paused
                ), (days, sorted(done))
