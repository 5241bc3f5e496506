"""Checking items off and reopening them: /done, /undo, the ✅ buttons and the task menu.

/done is one downward pass: one write transaction records the completion and settles its
effects, one read gives the rank change, and the reply is built from what those returned.
"""

from __future__ import annotations

from bot.core import cadence, matching
from bot.core.cadence import ItemState, ItemStatus
from bot.core.errors import InvalidInput, NotEnrolled, NotFound
from bot.core.models import (
    CompletionSource,
    Enrolment,
    EnrolmentStatus,
)
from bot.core.points import points_for
from bot.core.progress import all_done
from bot.core.untrusted import quote_input, shorten
from bot.service.outcomes import (
    DoneOutcome,
    RankChange,
    UndoOutcome,
)
from bot.service.reading import Reading


class Completing(Reading):
    async def resolve_item(
        self, user_id: int, guild_id: int | None, ref: str, *, done: bool = False
    ) -> tuple[Enrolment, ItemStatus]:
        """Find the item a user typed or picked: `item-id`, `pathway/item-id`, or its text.

        A text that names no item exactly resolves to what autocomplete offers first for it
        (open items for /done, done ones for /undo; see bot/core/matching.py); two equally
        good matches are not guessed between: the reply names them and asks which."""
        enrolments = await self.require_following(user_id, guild_id)
        text = ref.strip()
        pathway_hint: str | None = None
        if "/" in text:
            hint, rest = (part.strip() for part in text.split("/", 1))
            if any(e.pathway_id == hint for e in enrolments):
                pathway_hint, text = hint, rest
        matches: list[tuple[Enrolment, ItemStatus]] = []
        for e in enrolments:
            if pathway_hint and e.pathway_id != pathway_hint:
                continue
            plan = (await self.standing_of(e)).plan
            for s in plan.statuses:
                if s.item.id == text or s.item.text.casefold() == text.casefold():
                    matches.append((e, s))
        if not matches:
            offered = [
                (e, s)
                for e, s in await self.open_items(user_id, guild_id, done=done)
                if not pathway_hint or e.pathway_id == pathway_hint
            ]
            matches = matching.best(text, offered, lambda es: (es[1].item.text,))
            if len(matches) > 1:
                names = "; ".join(shorten(s.item.text, 50) for _, s in matches[:3])
                raise InvalidInput(
                    f"{quote_input(ref, 40)} matches {len(matches)} items equally ({names}"
                    f"{'; …' if len(matches) > 3 else ''}): which one? Pick it from the list."
                )
        if not matches:
            raise NotFound(
                f"No item in your pathway matches {quote_input(ref, 60)}. Pick one from the "
                "list that appears as you type, or see `/tasks`."
            )
        if len(matches) > 1:
            names = ", ".join(
                f"**{self.ctx.registry.get(e.pathway_id).name}**" for e, _ in matches[:5]
            )
            raise InvalidInput(
                f"{quote_input(ref, 80)} is in more than one of your pathways ({names}): pick "
                "the one you mean from the list that appears as you type."
            )
        # Items not open yet may be completed as well: working ahead counts as "ahead".
        return matches[0]

    async def done(
        self,
        user_id: int,
        guild_id: int | None,
        ref: str,
        source: CompletionSource = CompletionSource.COMMAND,
    ) -> DoneOutcome:
        enrolment, status = await self.resolve_item(user_id, guild_id, ref)
        return await self._complete(enrolment, status, source)

    async def done_by_id(
        self, enrolment_id: int, user_id: int, item_id: str, source: CompletionSource
    ) -> DoneOutcome:
        """A 'Mark done' button or the select: the enrolment comes from the custom_id."""
        enrolment = await self.owned_enrolment(enrolment_id, user_id)
        plan = (await self.standing_of(enrolment)).plan
        status = plan.status(item_id)
        if status is None:
            raise NotFound("That item is no longer part of this pathway.")
        return await self._complete(enrolment, status, source)

    async def _complete(
        self, enrolment: Enrolment, status: ItemStatus, source: CompletionSource
    ) -> DoneOutcome:
        """One downward pass: one write transaction records the completion and settles its
        effects (completing the pathway when it was the last item); one read gives the rank
        before and after, from the running totals. Nothing else is read."""
        now = self.ctx.clock.now()
        store = self.ctx.store
        if enrolment.status is EnrolmentStatus.LEFT:
            raise NotEnrolled("You have left this pathway. `/enroll` again to pick it back up.")
        pathway = self.ctx.registry.get(enrolment.pathway_id)
        result = await store.completions.record(
            enrolment.id,
            status.item.id,
            now,
            source,
            points_for(status, now),
            finishes=lambda done: all_done(pathway, done),
        )
        after = result.enrolment or enrolment
        view = self._view_of(after, result.completions, now)
        change = None
        if enrolment.guild_id is not None:
            points_after = sum(c.points for c in result.completions)
            read = await store.leaderboards.rank_change(
                enrolment.id,
                enrolment.guild_id,
                enrolment.pathway_id,
                result.points_before,
                points_after,
            )
            scope = (
                f"study group {quote_input(read.group_name, 80)}"
                if read.group_name is not None
                else "this pathway in this server"
            )
            change = RankChange(read.before if result.created else read.after, read.after, scope)
        refreshed = view.plan.status(status.item.id) or status
        return DoneOutcome(
            created=result.created,
            status=refreshed,
            points=result.completion.points,
            view=view,
            rank=change,
            completed_at=result.completion.completed_at,
        )

    async def undo(self, user_id: int, guild_id: int | None, ref: str) -> UndoOutcome:
        enrolment, status = await self.resolve_item(user_id, guild_id, ref, done=True)
        if status.state is not ItemState.DONE:
            raise InvalidInput(
                f"“{status.item.text}” is not marked done, so there is nothing to undo."
            )
        if status.settled:  # done through linked work the pathway file names (issue 21)
            raise InvalidInput(
                f"“{status.item.text}” counts as done because linked work that includes it "
                "is done. Undo that item instead."
            )
        removed = await self.ctx.store.completions.undo(enrolment.id, status.item.id)
        now = self.ctx.clock.now()
        if removed and enrolment.status is EnrolmentStatus.COMPLETED:
            await self.ctx.store.enrolments.reopen(enrolment.id, now)
            slot = cadence.next_reminder(now, enrolment.prefs)
            await self.ctx.store.enrolments.set_next_reminder_at(enrolment.id, slot.at, now)
        view = await self.view(await self._reload(enrolment.id), now)
        return UndoOutcome(removed, view.plan.status(status.item.id) or status, view)
