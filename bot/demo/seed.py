"""The other members' past: enrolments weeks ago and items checked off since, written through
the bot's own services (with a clock set in the past), so the leaderboard, `/progress` and the
digest have something true to show. A database kept with `--db` is seeded once."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.clock import FixedClock
from bot.core.cadence import next_reminder
from bot.core.models import CompletionSource
from bot.core.registry import Pathways
from bot.demo.world import DemoWorld
from bot.service.account import Account
from bot.service.admin import Admin
from bot.service.context import Context
from bot.service.learning import Learning
from bot.store.store import Store

PREFERRED_PATHWAY = "backend-to-ml-engineer"


def demo_pathway(registry: Pathways) -> str:
    """The pathway the seeded members follow: the bundled one, else the first there is."""
    ids = registry.ids()
    return PREFERRED_PATHWAY if PREFERRED_PATHWAY in ids else sorted(ids)[0]


async def is_seeded(store: Store, world: DemoWorld) -> bool:
    return any([await store.enrolments.list_for_user(u.id) for u in world.members])


async def seed(store: Store, registry: Pathways, world: DemoWorld, now: datetime) -> None:
    """Enrol each seeded member `weeks` ago and check off their first `done` items, spread
    over those weeks; set the server's digest channel. Does nothing on a seeded database."""
    if await is_seeded(store, world):
        return
    clock = FixedClock(now)
    ctx = Context(store, registry, clock)
    learning, account = Learning(ctx), Account(ctx)
    await Admin(ctx).set_digest_channel(world.guild.id, world.digest.id)
    pathway_id = demo_pathway(registry)
    for user in world.members:
        persona = world.personas[user.id]
        if not persona.weeks:
            continue
        began = now - timedelta(weeks=persona.weeks)
        clock.set(began)
        outcome = await learning.enroll(user.id, world.guild.id, pathway_id)
        enrolment = outcome.view.enrolment
        statuses = sorted(
            (await learning.standing_of(enrolment)).plan.statuses,
            key=lambda s: (s.due_at or s.opens_at, s.opens_at),
        )
        span = now - began - timedelta(hours=1)
        for k, status in enumerate(statuses[: persona.done]):
            clock.set(began + span * (k + 1) / (persona.done + 1))
            await learning.done_by_id(
                enrolment.id, user.id, status.item.id, CompletionSource.COMMAND
            )
        clock.set(now)
        # Boards and digests name only learners who chose to be shown; Linus keeps to himself.
        await account.set_visibility(user.id, "hidden" if persona.hidden else "shown")
        # Their past reminders are history, not a backlog to send the moment the bot starts.
        await store.enrolments.set_next_reminder_at(
            enrolment.id, next_reminder(now, enrolment.prefs).at, now
        )
