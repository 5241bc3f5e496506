"""Enrolling and completing, as use cases over a real SQLite file (no Discord)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.core.errors import ErrorCode, Forbidden, InvalidInput, NotEnrolled
from bot.core.models import CompletionSource, EnrolmentStatus
from bot.service.context import Context
from bot.service.learning import Learning
from tests.harness import SEED

GUILD_A, GUILD_B = 100, 200
BUTTON = CompletionSource.BUTTON


async def test_one_enrolment_per_pathway_wherever_the_learner_asks(ctx: Context) -> None:
    learning = Learning(ctx)
    first = await learning.enroll(1, GUILD_A, SEED, pace="12-months")
    assert not first.already and first.view.enrolment.pace == "12-months"
    elsewhere = await learning.enroll(1, GUILD_B, SEED)
    assert elsewhere.already and elsewhere.lives_in == GUILD_A
    in_dm = await learning.enroll(1, None, SEED)
    assert in_dm.already and in_dm.lives_in == GUILD_A
    assert len(await ctx.store.enrolments.list_for_user(1)) == 1
    # in DMs the learner's commands reach the server's enrolment
    assert [e.guild_id for e in await learning.following(1, None)] == [GUILD_A]
    assert await learning.following(1, GUILD_B) == []


async def test_an_enrolment_made_in_dms_moves_into_the_server(ctx: Context) -> None:
    learning = Learning(ctx)
    made = await learning.enroll(2, None, SEED)
    await learning.done(2, None, "week-jupyter-setup")
    moved = await learning.enroll(2, GUILD_A, SEED)
    assert moved.already and moved.lives_in is None
    (enrolment,) = await ctx.store.enrolments.list_for_user(2)
    assert enrolment.id == made.view.enrolment.id and enrolment.guild_id == GUILD_A
    assert [c.item_id for c in await ctx.store.completions.list_for_enrolment(enrolment.id)] == [
        "week-jupyter-setup"
    ]


async def test_bad_input_writes_nothing(ctx: Context) -> None:
    learning = Learning(ctx)
    for kwargs in ({"pace": "2-months"}, {"timezone": "Mars/Base"}, {"start": "yesterday-ish"}):
        with pytest.raises(InvalidInput):
            await learning.enroll(3, GUILD_A, SEED, **kwargs)  # type: ignore[arg-type]
    assert await ctx.store.learners.get(3) is None
    assert await ctx.store.enrolments.list_for_user(3) == []


async def test_done_settles_everything_in_one_pass(ctx: Context, clock: FixedClock) -> None:
    learning = Learning(ctx)
    await learning.enroll(4, GUILD_A, SEED)
    await learning.enroll(5, GUILD_A, SEED)
    await learning.done(5, GUILD_A, "week-jupyter-setup")
    first = await learning.done(4, GUILD_A, "week-enroll-andrew-ng")
    assert first.created and first.rank is not None
    assert (first.rank.before, first.rank.after) == (2, 1)  # tied at 15 shares first place
    again = await learning.done(4, GUILD_A, "week-enroll-andrew-ng")
    assert not again.created and again.points == first.points
    # the broader item settles what it covers, without a row of its own
    broad = await learning.done(4, GUILD_A, "q-finish-ml-start-dl")
    course = broad.view.plan.status("p1-andrew-ng-course")
    assert course is not None and course.settled
    # the last item completes the pathway and stops its reminders, in the same write
    clock.advance(timedelta(days=1))
    items = [i.id for i in ctx.registry.get(SEED).items()]
    for item in items:
        outcome = await learning.done(4, GUILD_A, item)
    assert outcome.view.progress.complete
    (enrolment,) = await ctx.store.enrolments.list_for_user(4)
    assert enrolment.status is EnrolmentStatus.COMPLETED and enrolment.next_reminder_at is None


async def test_undo_reopens_a_completed_pathway(ctx: Context) -> None:
    learning = Learning(ctx)
    await learning.enroll(6, None, SEED)
    for item in [i.id for i in ctx.registry.get(SEED).items()]:
        await learning.done(6, None, item)
    undone = await learning.undo(6, None, "week-jupyter-setup")
    assert undone.removed
    (enrolment,) = await ctx.store.enrolments.list_for_user(6)
    assert enrolment.status is EnrolmentStatus.ACTIVE and enrolment.next_reminder_at is not None
    with pytest.raises(InvalidInput):
        await learning.undo(6, None, "week-jupyter-setup")  # not done: nothing to undo


async def test_someone_elses_button_is_refused(ctx: Context) -> None:
    learning = Learning(ctx)
    mine = await learning.enroll(7, GUILD_A, SEED)
    with pytest.raises(Forbidden) as refused:
        await learning.done_by_id(mine.view.enrolment.id, 8, "week-jupyter-setup", BUTTON)
    assert refused.value.code is ErrorCode.NOT_YOUR_PLAN
    left = await learning.leave(mine.view.enrolment.id, 7)
    assert left.status is EnrolmentStatus.LEFT
    with pytest.raises(NotEnrolled):
        await learning.done_by_id(mine.view.enrolment.id, 7, "week-jupyter-setup", BUTTON)
