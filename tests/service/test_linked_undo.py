"""Undo and linked work (issue 21): an item settled by linked work cannot be undone on its
own, and undoing a check-off that linked work still settles says so."""

from __future__ import annotations

import pytest

from bot.core.cadence import ItemState
from bot.core.errors import ErrorCode, InvalidInput
from bot.discord_app.render_progress import undo_message
from bot.discord_app.wording import describe
from bot.service.context import Context
from bot.service.learning import Learning
from tests.harness import SEED


async def test_settled_work_is_undone_through_what_settles_it(ctx: Context) -> None:
    learning = Learning(ctx)
    await learning.enroll(8, None, SEED)
    await learning.done(8, None, "week-jupyter-setup")
    await learning.done(8, None, "p1-python-libraries")  # its step and the skill: settled
    with pytest.raises(InvalidInput) as refused:
        await learning.undo(8, None, "skill-python-data-science")  # never checked itself
    assert refused.value.code is ErrorCode.LINKED_WORK_UNDO
    reply = describe(refused.value)  # what the learner reads
    assert reply.startswith("“") and reply.endswith(
        "” counts as done because linked work that includes it is done. Undo that item instead."
    )
    # the step was checked itself: the check-off goes, but the bigger work still settles it
    undone = await learning.undo(8, None, "week-jupyter-setup")
    assert undone.removed and undone.status.state is ItemState.DONE
    assert "still counts as done" in undo_message(undone)
    # undo the bigger work: both are open again, and the reply says so plainly
    reopened = await learning.undo(8, None, "p1-python-libraries")
    assert reopened.removed and reopened.status.state is not ItemState.DONE
    assert "is open again" in undo_message(reopened)
    step = reopened.view.plan.status("week-jupyter-setup")
    assert step is not None and step.state is not ItemState.DONE
