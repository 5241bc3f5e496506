"""The welcome DM at enrolment: sent after the reply, so never on the 3-second path.

It tells the learner what happens next and when their first reminder comes, and it learns
their DM channel id, so the first weekly reminder costs one REST request instead of two.
If their DMs are closed (403/50007) they are marked as blocked, exactly as a failed
reminder would mark them, until a DM gets through again; the caller tells them privately
(that counts as the one private notice) how to open their DMs.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from bot.core.cadence import Plan
from bot.core.focus import weekly_focus
from bot.core.models import Enrolment, Learner
from bot.core.registry import Pathways
from bot.core.standing import standing
from bot.delivery.ports import DmClosed, Notifier, SendFailed, WelcomeContent
from bot.store.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WelcomeResult:
    sent: bool
    dms_closed: bool = False
    fallback_channel_id: int | None = None  # where reminders go instead, when DMs are closed


class Welcomer:
    def __init__(self, store: Store, registry: Pathways, notifier: Notifier) -> None:
        self.store = store
        self.registry = registry
        self.notifier = notifier

    async def welcome(
        self,
        enrolment: Enrolment,
        now: datetime,
        fallback: Callable[[], Awaitable[int | None]],
        plan: Plan | None = None,
    ) -> WelcomeResult:
        """`fallback` finds where reminders go when DMs are closed: asked only then, as it
        costs reads the open-DM path never needs. `plan`: the one the enrolment's reply was
        built from, if the caller has it (else it is rebuilt from the completions)."""
        learner = await self.store.learners.get(enrolment.user_id)
        if learner is None:
            return WelcomeResult(sent=False)
        pathway = self.registry.get(enrolment.pathway_id)
        if plan is None:
            completions = await self.store.completions.list_for_enrolment(enrolment.id)
            plan = standing(pathway, enrolment, completions, now).plan
        content = WelcomeContent(
            pathway_name=pathway.name,
            pace=enrolment.pace,
            timeline_end=plan.timeline_end,
            first_reminder_at=enrolment.next_reminder_at,
            zone=plan.zone,
            focus=tuple(s.item.text for s in weekly_focus(plan)),
        )
        try:
            sent = await self.notifier.send_welcome(learner, content)
        except DmClosed:
            # The caller tells the learner privately now, so their next command does not.
            await self.store.learners.set_dm_blocked(learner.user_id, now)
            await self.store.learners.mark_dm_closed_told(learner.user_id, now)
            notice = await self._notice_channel(enrolment, learner, await fallback())
            return WelcomeResult(False, True, notice)
        except SendFailed as exc:
            log.warning("welcome DM for enrolment %s failed: %s", enrolment.id, exc)
            return WelcomeResult(sent=False)
        if learner.dm_blocked:  # a DM got through: their DMs are open again
            await self.store.learners.clear_dm_blocked(learner.user_id, now)
        if sent.channel_id != learner.dm_channel_id:
            await self.store.learners.set_dm_channel(learner.user_id, sent.channel_id, now)
        return WelcomeResult(sent=True)

    async def _notice_channel(
        self, enrolment: Enrolment, learner: Learner, channel_id: int | None
    ) -> int | None:
        """The channel the one closed-DM notice would go to, if this server turned notices on
        and the learner never had one; else None."""
        if channel_id is None or enrolment.guild_id is None or learner.dm_notice_posted_at:
            return None
        settings = await self.store.guilds.get(enrolment.guild_id)
        return channel_id if settings.dm_closed_notice else None
