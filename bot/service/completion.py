"""Checking items off and reopening them: /done, /undo, the ✅ buttons and the task menu.

Each is one unit of work (one write transaction): find the item from the pathways alone,
lock the enrolment and read it with its completions (one statement), write and read the
rank change (one statement on PostgreSQL); the reply is built from what the transaction
returned. Validation comes before any write.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from bot.core import cadence, matching
from bot.core.cadence import ItemState
from bot.core.errors import ErrorCode, Forbidden, InvalidInput, NotEnrolled, NotFound
from bot.core.lifecycle import Transition
from bot.core.models import (
    Completion,
    CompletionSource,
    Enrolment,
    EnrolmentStatus,
)
from bot.core.points import points_due
from bot.core.progress import all_done
from bot.core.untrusted import quote_input
from bot.service.outcomes import (
    DoneOutcome,
    RankChange,
    UndoOutcome,
)
from bot.service.reading import Reading
from bot.store.leaderboards import RankRead


@dataclass(frozen=True, slots=True)
class _Recorded:
    """What a /done's unit of work wrote and read: the enrolment as it now stands, all its
    completions (the new one included), the item's completion (new, or the earlier one
    when `created` is False), the rank read (None outside a server) and the instant."""

    enrolment: Enrolment
    completions: tuple[Completion, ...]
    completion: Completion
    created: bool
    rank: RankRead | None
    at: datetime


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
                raise InvalidInput(
                    code=ErrorCode.ITEM_TIE,
                    ref=ref,
                    count=len(best),
                    items=tuple(s.item.text for _, s in best[:3]),
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
        """/done: one unit of work, at most 4 statements, 5 for the last item (see
        docs/architecture.md)."""
        async with self.ctx.store.unit():
            enrolment, item_id = await self._match(user_id, guild_id, ref)
            written = await self._record(enrolment.id, item_id, source)
        return self._done_outcome(written)

    async def done_by_id(
        self, enrolment_id: int, user_id: int, item_id: str, source: CompletionSource
    ) -> DoneOutcome:
        """A 'Mark done' button or the select: the enrolment comes from the custom_id, and
        is read (and locked) with its completions in the unit's first statement."""
        async with self.ctx.store.unit():
            written = await self._record(enrolment_id, item_id, source, owner=user_id)
        return self._done_outcome(written)

    async def _record(
        self,
        enrolment_id: int,
        item_id: str,
        source: CompletionSource,
        owner: int | None = None,
    ) -> _Recorded:
        """Inside the caller's unit of work: lock the enrolment and read it with its
        completions (one statement), record the new completion and read the rank change
        (one statement on PostgreSQL), complete the enrolment when it was the last item.
        `owner`: the user a button was for, checked against the enrolment read.

        Only what the writes need is computed here (the item's deadline, for its points):
        the reply's plan is built from what this returns once the unit has committed, so
        the core's work holds neither the writer (SQLite) nor a pooled connection."""
        now = self.ctx.clock.now()
        store = self.ctx.store
        locked = await store.completions.lock(enrolment_id)
        if owner is not None:  # a button: the enrolment named by its custom_id
            if locked is None or locked.enrolment.status is EnrolmentStatus.LEFT:
                raise NotEnrolled(code=ErrorCode.PLAN_GONE)
            if locked.enrolment.user_id != owner:
                raise Forbidden(code=ErrorCode.NOT_YOUR_PLAN)
        if locked is None:
            raise NotEnrolled(code=ErrorCode.NOT_ENROLLED_ANY_MORE)
        enrolment = locked.enrolment
        if enrolment.status is EnrolmentStatus.LEFT:
            raise NotEnrolled(code=ErrorCode.LEFT_PATHWAY)
        pathway = self.ctx.registry.get(enrolment.pathway_id)
        item = pathway.item(item_id)
        if item is None:
            raise NotFound(code=ErrorCode.ITEM_REMOVED)
        before = locked.completions
        earlier = next((c for c in before if c.item_id == item_id), None)
        if earlier is not None:  # already done: nothing is written
            rank = None
            if enrolment.guild_id is not None:
                rank = await store.leaderboards.rank_change(
                    enrolment.id,
                    enrolment.guild_id,
                    enrolment.pathway_id,
                    locked.group,
                    locked.points,
                    locked.points,
                )
            return _Recorded(enrolment, before, earlier, False, rank, now)
        due_at = cadence.item_due_at(pathway, self._schedule(enrolment), item_id, now)
        points = points_due(item, due_at, now)
        if enrolment.guild_id is None:
            completion = await store.completions.insert(enrolment.id, item_id, now, source, points)
            rank = None
        else:
            completion, rank = await store.completions.insert_ranked(
                locked, item_id, now, source, points
            )
        if completion is None:  # left or gone since it was read: not while it is locked
            raise NotEnrolled(code=ErrorCode.NOT_ENROLLED_ANY_MORE)
        done = (*before, completion)
        if enrolment.status in (EnrolmentStatus.ACTIVE, EnrolmentStatus.PAUSED) and all_done(
            pathway, frozenset(c.item_id for c in done)
        ):
            enrolment = await store.enrolments.apply(enrolment, Transition.COMPLETE, now)
        return _Recorded(enrolment, done, completion, True, rank, now)

    @staticmethod
    def _schedule(enrolment: Enrolment) -> cadence.Schedule:
        return cadence.Schedule(
            enrolment.start_date, enrolment.prefs, enrolment.pauses, enrolment.pace
        )

    def _done_outcome(self, written: _Recorded) -> DoneOutcome:
        """The reply of a /done that has committed, from what its unit returned."""
        view = self._view_of(written.enrolment, written.completions, written.at)
        item_id = written.completion.item_id
        status = view.plan.status(item_id)
        if status is None:  # cannot be: the unit found the item in the pathway
            raise NotFound(code=ErrorCode.ITEM_REMOVED)
        change = None
        if written.rank is not None:
            read = written.rank
            scope = (
                f"study group {quote_input(read.group_name, 80)}"
                if read.group_name is not None
                else "this pathway in this server"
            )
            change = RankChange(read.before if written.created else read.after, read.after, scope)
        return DoneOutcome(
            created=written.created,
            status=status,
            points=written.completion.points,
            view=view,
            rank=change,
            completed_at=written.completion.completed_at,
        )

    async def undo(self, user_id: int, guild_id: int | None, ref: str) -> UndoOutcome:
        """/undo: one unit of work. Reopening a completed enrolment and giving it its next
        reminder happen in the same transaction as the removal, so a crash can never leave
        an active enrolment without a next reminder."""
        async with self.ctx.store.unit():
            store = self.ctx.store
            enrolment, item_id = await self._match(user_id, guild_id, ref, done=True)
            now = self.ctx.clock.now()
            locked = await store.completions.lock(enrolment.id)
            if locked is None:
                raise NotEnrolled(code=ErrorCode.NOT_ENROLLED_ANY_MORE)
            enrolment, before = locked.enrolment, locked.completions
            status = self._view_of(enrolment, before, now).plan.status(item_id)
            if status is None or status.state is not ItemState.DONE:
                text = status.item.text if status is not None else item_id
                raise InvalidInput(code=ErrorCode.NOT_DONE_YET, item=text)
            if status.settled:  # done through linked work the pathway file names (issue 21)
                raise InvalidInput(code=ErrorCode.LINKED_WORK_UNDO, item=status.item.text)
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
