"""enrolments.pauses (migration 013) always equals the enrolment_pauses table.

Reads take an enrolment's pauses from its own row, kept by triggers; a drift would silently
move a learner's deadlines. Random pauses, resumes, leaves, erasures and direct edits run
through the public store API (and plain SQL for what no store method does), on both
engines; then the column is compared with the table, enrolment by enrolment.
"""

from __future__ import annotations

import json
import random
from datetime import timedelta

from bot.core.errors import PathwayError
from bot.store import Store

from .values import NOW, START

USERS = range(1, 9)
PATHWAYS = ("data-analyst", "ux-designer")


async def _column_and_table(store: Store) -> tuple[dict[int, list[list[int | None]]], ...]:
    async with store.db.read() as tx:
        column = await tx.fetchall("SELECT id, pauses FROM enrolments")
        table = await tx.fetchall(
            "SELECT enrolment_id, start_at, end_at FROM enrolment_pauses ORDER BY start_at"
        )
    for _, text in column:  # the same text on both engines, so a migrated copy reads equal
        assert text is None or text == json.dumps(sorted(json.loads(text)), separators=(",", ":"))
    kept = {eid: sorted(json.loads(text)) if text is not None else [] for eid, text in column}
    truth: dict[int, list[list[int | None]]] = {eid: [] for eid, _ in column}
    for eid, start, end in table:
        truth[eid].append([start, end])
    return kept, {eid: sorted(rows) for eid, rows in truth.items()}


async def test_the_column_follows_every_write(store: Store) -> None:
    rng = random.Random(13)
    paused_some = False
    for step in range(300):
        now = NOW + timedelta(hours=step)
        user, pathway = rng.choice(USERS), rng.choice(PATHWAYS)
        mine = await store.enrolments.list_for_user(user)
        found = rng.choice(mine) if mine else None
        action = rng.choice(("enrol", "pause", "pause", "resume", "resume", "leave", "erase"))
        try:
            if action == "enrol" or found is None:
                await store.enrolments.enrol(user, 100, pathway, "sha256:x", START, now)
            elif action == "pause":
                await store.enrolments.pause(found.id, now)
                paused_some = True
            elif action == "resume":
                await store.enrolments.resume(found.id, now, now + timedelta(days=1))
            elif action == "leave":
                await store.enrolments.leave(found.id, now)
            elif action == "erase" and rng.random() < 0.2:
                await store.privacy.delete_user(user)
        except PathwayError:
            pass  # not allowed from that state: nothing changed, as the store promises
    async with store.db.write() as tx:  # edits no store method makes, for the triggers alone
        await tx.execute("UPDATE enrolment_pauses SET end_at = end_at + 1 WHERE end_at IS NOT NULL")
        await tx.execute("DELETE FROM enrolment_pauses WHERE id % 5 = 0")
    kept, truth = await _column_and_table(store)
    assert paused_some and any(truth.values()), "the run paused someone"
    assert kept == truth
    for eid, pauses in truth.items():
        enrolment = await store.enrolments.get(eid)
        assert enrolment is not None and len(enrolment.pauses) == len(pauses)
