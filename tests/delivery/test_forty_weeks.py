"""40 weeks for a cohort spread over time zones and DST changes, with a fake clock.

Every learner gets exactly one reminder per local week at the chosen wall time (or the first
valid minute after it, on spring-forward days), and every reminder names a focus
with working buttons, which keeps moving through the phases even for a learner who does
nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from bot.clock import FixedClock
from bot.discord_app.client import PathwayBot
from bot.emulator.driver import Emulator
from bot.store import codec
from tests.harness import SEED, custom_ids

COHORT = [
    # zone, day, time: several wall times sit inside DST gaps or overlaps
    ("America/New_York", "sun", "02:30"),
    ("Europe/London", "sun", "01:30"),
    ("Australia/Lord_Howe", "sun", "02:15"),
    ("Asia/Kolkata", "mon", "09:00"),
    ("Pacific/Chatham", "sun", "03:00"),
    ("America/Sao_Paulo", "sat", "23:59"),
    ("UTC", "wed", "18:00"),
    ("Europe/London", "sun", "01:00"),
]


async def test_forty_weeks_one_reminder_per_local_week(
    inproc: PathwayBot, emu: Emulator, clock: FixedClock
) -> None:
    guild = emu.add_guild("Cohort", emu.add_user("owner"))
    users = []
    for i, (zone, day, at) in enumerate(COHORT):
        user = emu.add_user(f"learner{i}")
        emu.add_member(guild, user)
        users.append(user)
        await inproc.learning.enroll(user.id, guild.id, SEED, timezone=zone, day=day, time=at)
        clock.advance(timedelta(hours=5))  # learners join at different moments

    end = clock.now() + timedelta(weeks=40)
    store = inproc.store
    sweeps = 0
    while True:
        due = [
            e.next_reminder_at
            for u in users
            for e in await store.enrolments.list_for_user(u.id)
            if e.next_reminder_at is not None
        ]
        upcoming = min(due)
        if upcoming > end:
            break
        clock.set(upcoming)
        report = await inproc.reminders.sweep()
        assert report.errors == [] and report.failed == 0
        sweeps += 1
    assert sweeps >= 40

    items = {i.id for i in inproc.registry.get(SEED).items()}
    for user, (zone, day, at) in zip(users, COHORT, strict=True):
        z = ZoneInfo(zone)
        (enrolment,) = await store.enrolments.list_for_user(user.id)
        sent = await _sent_times(inproc, enrolment.id)
        dms = emu.dms(user)
        assert len(dms) == len(sent), zone
        assert 40 <= len(sent) <= 41, (zone, len(sent))
        local = [t.astimezone(z) for t in sent]
        weeks = [lt.isocalendar()[:2] for lt in local]
        assert len(set(weeks)) == len(weeks), f"two reminders in one week for {zone}"
        for a, b in pairwise(local):
            assert (b.date() - a.date()).days == 7, (zone, a, b)
        want_h, want_m = map(int, at.split(":"))
        for lt in local:
            assert lt.strftime("%a").lower().startswith(day)
            wall = lt.replace(tzinfo=None)
            wanted = wall.replace(hour=want_h, minute=want_m)
            if wall != wanted:  # only on a day the wall time does not exist
                before = (
                    (lt.astimezone(UTC) - timedelta(minutes=1)).astimezone(z).replace(tzinfo=None)
                )
                assert wall > wanted and before < wanted, (zone, lt)
        seen: set[str] = set()
        for m in dms:
            # every week names a focus of 1-5 items, each with its ✅ button
            done_buttons = [i for i in custom_ids(m.components) if i.startswith("pb:done:")]
            assert 1 <= len(done_buttons) <= 5, (zone, m.content)
            seen |= {i.rsplit(":", 1)[1] for i in done_buttons}
            assert m.content.startswith("Week "), m.content  # the notification preview
        # an idle learner sees overdue items first, yet the plan still moves through phases
        assert {i for i in items if i.startswith("p5-")} <= seen, (zone, sorted(items - seen))
    assert not emu.schema_violations


async def _sent_times(bot: PathwayBot, enrolment_id: int) -> list[datetime]:
    async with bot.store.db.read() as tx:
        rows = await tx.fetchall(
            "SELECT updated_at FROM deliveries WHERE target = ? AND kind = 'reminder'"
            " AND status = 'sent' ORDER BY updated_at",
            (f"enrolment:{enrolment_id}",),
        )
    return [codec.from_instant(r[0]) for r in rows]
