"""Checking items off and reopening them: /done, /undo, the ✅ buttons and the task menu.

Each is one unit of work (one write transaction): find the item from the pathways alone,
lock the enrolment, read its completions once, write, and read the rank change; the reply is
built from what the transaction returned. Validation comes before any write.
"""

from __future__ import annotations

from dataclasses import replace

from bot.core import cadence, matching
from bot.core.cadence import ItemState
from bot.core.errors import ErrorCode, InvalidInput, NotEnrolled, NotFound
from bot.core.lifecycle import Transition
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
    async def _match(
        self, user_id: int, guild_id: int | None, ref: str, *, done: bool = False
    ) -> tuple[Enrolment, str]:
        """The (enrolment, item id) a typed reference names: `item-id`, `pathway/item-id`, or
        its text, found from the pathways alone (no completions read). A text that names no
        item exactly resolves to what autocomplete offers first for it (open items for /done,
        done ones for /undo; bot/core/matching.py), and two equally good matches are not
        guessed between. Raises before anything is written."""
        enrolments = await self.require_following(user_id, guild_id)
        text = ref.strip()
        pathway_hint: str | None = None
        if "/" in text:
            hint, rest = (part.strip() for part in text.split("/", 1))
            if any(e.pathway_id == hint for e in enrolments):
                pathway_hint, text = hint, rest
        matches: list[tuple[Enrolment, str]] = []
        for e in enrolments:
            if pathway_hint and e.pathway_id != pathway_hint:
                continue
            for item in self.ctx.registry.get(e.pathway_id).items():
                if item.id == text or item.text.casefold() == text.casefold():
                    matches.append((e, item.id))
        if not matches:
            offered = [
                (e, s)
                for e, s in await self.open_items(user_id, guild_id, done=done)
                if not pathway_hint or e.pathway_id == pathway_hint
            ]
            best = matching.best(text, offered, lambda es: (es[1].item.text,))
            if len(best) > 1:
                names = "; ".join(shorten(s.item.text, 50) for _, s in best[:3])
                raise InvalidInput(
                    f"{quote_input(ref, 40)} matches {len(best)} items equally ({names}"
                    f"{'; …' if len(best) > 3 else ''}): which one? Pick it from the list."
                )
            matches = [(e, s.item.id) for e, s in best]
        if not matches:
            raise NotFound(code=ErrorCode.ITEM_UNKNOWN, ref=ref)
        if len(matches) > 1:
            names = ", ".join(self.ctx.registry.get(e.pathway_id).name for e, _ in matches[:5])
            raise InvalidInput(code=ErrorCode.ITEM_AMBIGUOUS, ref=ref, pathways=names)
        # Items not open yet may be completed as well: working ahead counts as "ahead".
        return matches[0]

    async def done(
        self,
        user_id: int,
        guild_id: int | None,
        ref: str,
        source: CompletionSource = CompletionSource.COMMAND,
    ) -> DoneOutcome:
        """/done: one unit of work, at most 6 statements (see docs/architecture.md)."""
        async with self.ctx.store.unit():
            enrolment, item_id = await self._match(user_id, guild_id, ref)
            return await self._complete(enrolment, item_id, source)

    async def done_by_id(
        self, enrolment_id: int, user_id: int, item_id: str, source: CompletionSource
    ) -> DoneOutcome:
        """A 'Mark done' button or the select: the enrolment comes from the custom_id."""
        async with self.ctx.store.unit():
            enrolment = await self.owned_enrolment(enrolment_id, user_id)
            if self.ctx.registry.get(enrolment.pathway_id).item(item_id) is None:
                raise NotFound(code=ErrorCode.ITEM_REMOVED)
            return await self._complete(enrolment, item_id, source)

    async def _complete(
        self, enrolment: Enrolment, item_id: str, source: CompletionSource
    ) -> DoneOutcome:
        """Inside the caller's unit of work: lock the enrolment, read its completions, record
        the new one, complete the enrolment when it was the last item, and read the rank
        change. The reply is built from these; nothing else is read."""
        now = self.ctx.clock.now()
        store = self.ctx.store
        if enrolment.status is EnrolmentStatus.LEFT:
            raise NotEnrolled(code=ErrorCode.LEFT_PATHWAY)
        pathway = self.ctx.registry.get(enrolment.pathway_id)
        points_before = await store.completions.lock_points(enrolment.id)
        if points_before is None:
            raise NotEnrolled(code=ErrorCode.NOT_ENROLLED_ANY_MORE)
        before = await store.completions.list_for_enrolment(enrolment.id)
        status = self._view_of(enrolment, before, now).plan.status(item_id)
        if status is None:
            raise NotFound(code=ErrorCode.ITEM_REMOVED)
        earlier = next((c for c in before if c.item_id == item_id), None)
        completion = earlier
        if earlier is None:
            completion = await store.completions.insert(
                enrolment.id, item_id, now, source, points_for(status, now)
            )
            if completion is None:  # left or gone since it was read
                raise NotEnrolled(code=ErrorCode.NOT_ENROLLED_ANY_MORE)
        assert completion is not None  # noqa: S101 - one of the branches above set it
        created = earlier is None
        done = tuple(before) if earlier is not None else (*before, completion)
        after = enrolment
        if (
            created
            and enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED)
            and all_done(pathway, frozenset(c.item_id for c in done))
        ):
            after = await store.enrolments.apply(enrolment, Transition.COMPLETE, now)
        view = self._view_of(after, done, now)
        change = None
        if enrolment.guild_id is not None:
            points_after = points_before + (completion.points if created else 0)
            read = await store.leaderboards.rank_change(
                enrolment.id, enrolment.guild_id, enrolment.pathway_id, points_before, points_after
            )
            scope = (
                f"study group {quote_input(read.group_name, 80)}"
                if read.group_name is not None
                else "this pathway in this server"
            )
            change = RankChange(read.before if created else read.after, read.after, scope)
        return DoneOutcome(
            created=created,
            status=view.plan.status(item_id) or status,
            points=completion.points,
            view=view,
            rank=change,
            completed_at=completion.completed_at,
        )

    async def undo(self, user_id: int, guild_id: int | None, ref: str) -> UndoOutcome:
        """/undo: one unit of work. Reopening a completed enrolment and giving it its next
        reminder happen in the same transaction as the removal, so a crash can never leave
        an active enrolment without a next reminder."""
        async with self.ctx.store.unit():
            store = self.ctx.store
            enrolment, item_id = await self._match(user_id, guild_id, ref, done=True)
            now = self.ctx.clock.now()
            if await store.completions.lock_points(enrolment.id) is None:
                raise NotEnrolled(code=ErrorCode.NOT_ENROLLED_ANY_MORE)
            before = await store.completions.list_for_enrolment(enrolment.id)
            status = self._view_of(enrolment, before, now).plan.status(item_id)
            if status is None or status.state is not ItemState.DONE:
                text = status.item.text if status is not None else item_id
                raise InvalidInput(code=ErrorCode.NOT_DONE_YET, item=text)
            if status.settled:  # done through linked work the pathway file names (issue 21)
                raise InvalidInput(
                    f"“{status.item.text}” counts as done because linked work that includes it "
                    "is done. Undo that item instead."
                )
            removed = await store.completions.remove(enrolment.id, item_id)
            after = enrolment
            if removed and enrolment.status is EnrolmentStatus.COMPLETED:
                slot = cadence.next_reminder(now, enrolment.prefs)
                after = await store.enrolments.apply(enrolment, Transition.REOPEN, now, slot.at)
            left = [c for c in before if c.item_id != item_id]
            view = self._view_of(after, left, now)
            if after.guild_id is not None:
                group = await store.groups.group_of(user_id, after.guild_id, after.pathway_id)
                view = replace(view, group=group)
            return UndoOutcome(removed, view.plan.status(item_id) or status, view)
