"""Database growth: bytes per learner after a simulated year, and an outbox that stays bounded.

    python -m bench.bench_growth [--learners 200]

Year 1: every learner enrols on one pathway and, week by week, gets its 52 weekly reminders
from the real sender while checking the whole pathway off through the service (the last
item right after the 52nd reminder). Year 2: the same learners take a second pathway the
same way. The sender prunes finished outbox rows older than OUTBOX_RETENTION_DAYS (30) each
simulated day, as its tick does. Figures: database bytes per learner after year 1 (live
pages, after a checkpoint), and the outbox (its rows and its pages, indexes included) after
each year: year 2's must be no larger than year 1's, while the rows ever written doubled.

SQLite, a fake notifier (sending is not what is measured), a fixed clock.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import FixedClock
from bot.core.models import CompletionSource, Learner
from bot.core.progress import all_done
from bot.core.reminder import ReminderContent
from bot.delivery.jobs import PRUNE_BATCH
from bot.delivery.ports import DigestContent, Sent, WelcomeContent
from bot.delivery.reminders import ReminderSender
from bot.pathway_files import PathwayRegistry
from bot.service.context import Context
from bot.service.learning import Learning
from bot.store import Store

ROOT = Path(__file__).resolve().parent.parent
PATHWAY_FILES = (
    ROOT / "pathways" / "backend-to-ml-engineer.yaml",
    ROOT / "tests" / "fixtures" / "guide-pathway" / "support-to-sre.yaml",
)
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)  # a Monday, an hour before the default slot
RETENTION = timedelta(days=30)
WEEKS = 52
TARGETS: dict[str, tuple[str, float]] = {
    "db_bytes_per_learner_year1": ("<", 64_000.0),
    "outbox_growth_year2_vs_year1": ("<=", 1.0),
    "outbox_rows_year2_vs_year1": ("<=", 1.0),
}


class CountingNotifier:
    def __init__(self) -> None:
        self.sent = 0

    async def send_reminder(
        self, learner: Learner, enrolment_id: int, content: ReminderContent, nonce: str
    ) -> Sent:
        self.sent += 1
        return Sent(self.sent, 9000 + learner.user_id)

    async def post_fallback(
        self, channel_id: int, user_id: int, pathway_title: str, nonce: str
    ) -> Sent:
        return Sent(1, channel_id)

    async def post_digest(self, channel_id: int, digest: DigestContent, nonce: str) -> Sent:
        return Sent(1, channel_id)

    async def send_welcome(self, learner: Learner, content: WelcomeContent) -> Sent:
        return Sent(1, 9000 + learner.user_id)


async def _pages(store: Store, like: str | None = None) -> int:
    """Bytes in live pages: the whole file, or the tables and indexes named like `like`."""
    async with store.db.write() as tx:  # the writer: it sees everything committed
        if like is None:
            rows = await tx.fetchall("SELECT SUM(pgsize) FROM dbstat")
        else:
            rows = await tx.fetchall(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN"
                " (SELECT name FROM sqlite_schema WHERE tbl_name = ?)",
                (like,),
            )
    return int(rows[0][0] or 0)


async def _outbox_rows(store: Store) -> int:
    async with store.db.read() as tx:
        rows = await tx.fetchall("SELECT COUNT(*) FROM deliveries")
    return int(rows[0][0])


async def _year(
    store: Store,
    learning: Learning,
    sender: ReminderSender,
    notifier: CountingNotifier,
    clock: FixedClock,
    pathway_id: str,
    learners: int,
) -> None:
    """Everyone enrols on `pathway_id`, gets 52 weekly reminders, and checks the pathway
    off in step with them (the last item after the 52nd). One sweep and one prune a day."""
    enrolments = []
    for user in range(1, learners + 1):
        outcome = await learning.enroll(user, 100, pathway_id)
        enrolments.append(outcome.view.enrolment)
    pathway = learning.ctx.registry.get(pathway_id)
    items = [s.item.id for s in (await learning.standing_of(enrolments[0])).plan.statuses]
    first = notifier.sent
    checked: list[str] = []
    for _ in range(WEEKS * 7 + 14):
        clock.advance(timedelta(days=1))
        await sender.sweep()
        while await store.deliveries.prune(clock.now() - RETENTION, PRUNE_BATCH):
            pass
        weeks = (notifier.sent - first) // learners
        # In step with the reminders; whatever would finish the pathway waits for the 52nd.
        due = items[: len(items) * weeks // WEEKS]
        todo = [i for i in due if i not in checked]
        for item in todo:
            if weeks < WEEKS and all_done(pathway, frozenset([*checked, item])):
                continue
            for e in enrolments:
                await learning.done_by_id(e.id, e.user_id, item, CompletionSource.BUTTON)
            checked.append(item)
        if weeks >= WEEKS:
            return
    raise RuntimeError(f"only {(notifier.sent - first) / learners:.1f} reminders each")


async def run(learners: int) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="pathway-growth-"))
    try:
        pathways = work / "pathways"
        pathways.mkdir()
        for f in PATHWAY_FILES:
            shutil.copy(f, pathways / f.name)
        registry = PathwayRegistry(pathways)
        ids = [lp.pathway.id for lp in registry.all()]
        clock = FixedClock(START)
        notifier = CountingNotifier()
        async with await Store.open(work / "db.sqlite3") as store:
            learning = Learning(Context(store, registry, clock))
            sender = ReminderSender(store, registry, notifier, clock, retry_base=1.0)
            await _year(store, learning, sender, notifier, clock, ids[0], learners)
            sent_year1 = notifier.sent
            db1 = await _pages(store)
            outbox1, rows1 = await _pages(store, "deliveries"), await _outbox_rows(store)
            sent_before = notifier.sent
            await _year(store, learning, sender, notifier, clock, ids[1], learners)
            outbox2, rows2 = await _pages(store, "deliveries"), await _outbox_rows(store)
        return {
            "learners": float(learners),
            "reminders_per_learner_year1": sent_year1 / learners,
            "reminders_per_learner_year2": (notifier.sent - sent_before) / learners,
            "db_bytes_per_learner_year1": db1 / learners,
            "outbox_rows_year1": float(rows1),
            "outbox_bytes_year1": float(outbox1),
            "outbox_rows_year2": float(rows2),
            "outbox_bytes_year2": float(outbox2),
            "reminders_sent_both_years": float(notifier.sent),
            "outbox_growth_year2_vs_year1": outbox2 / outbox1 if outbox1 else 0.0,
            "outbox_rows_year2_vs_year1": rows2 / rows1 if rows1 else 0.0,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    args = parser.parse_args(argv)
    figures = asyncio.run(run(args.learners))
    for name, value in figures.items():
        target = TARGETS.get(name)
        goal = f"   (target {target[0]} {target[1]:g})" if target else ""
        print(f"{name:34} {value:14,.2f}{goal}")
    return figures


if __name__ == "__main__":
    main()
