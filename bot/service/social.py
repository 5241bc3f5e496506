"""Study groups and leaderboards: the social side, always scoped to one server.

Visibility is opt-in: server-wide boards and digests name only learners who chose
`/me visibility shown`. A study group shows its own members to the group (its info, board
and digest list everyone in it): joining a group is choosing to be seen there. The caller
always learns their own position, privately.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta

from bot.core import cadence, matching
from bot.core.cadence import Schedule
from bot.core.errors import ErrorCode, Forbidden, InvalidInput, NotEnrolled, NotFound
from bot.core.leaderboard import (
    Entry,
    Metric,
    Period,
    Ranked,
    ahead_of,
    expected_by_now,
    rank,
)
from bot.core.models import EnrolmentStatus, LeaderboardRow, StudyGroup, Visibility
from bot.core.timeparse import check_start_date, parse_date, parse_zone
from bot.core.untrusted import clean_name, quote_input, tidy
from bot.service.context import Context
from bot.service.unit import in_unit

MAX_GROUP_NAME = 80
TOP = 10


def _entry(row: LeaderboardRow, visible: bool | None = None) -> Entry:
    """`visible` overrides the learner's own setting (a study group shows its members)."""
    shown = row.visibility is Visibility.SHOWN if visible is None else visible
    return Entry(row.user_id, float(row.points), row.reached_at, shown)


@dataclass(frozen=True, slots=True)
class GroupSummary:
    group: StudyGroup
    members: int
    pathway_title: str


@dataclass(frozen=True, slots=True)
class GroupInfo:
    summary: GroupSummary
    shown_member_ids: list[int]
    hidden_members: int


@dataclass(frozen=True, slots=True)
class BoardScope:
    """A board the caller may see: checked before any slow work or public reply."""

    guild_id: int
    pathway_id: str
    title: str
    group: StudyGroup | None


@dataclass(frozen=True, slots=True)
class Board:
    """A ranked board. `public` holds only shown learners, ranked among themselves."""

    title: str
    scope: str
    metric: Metric
    period: Period
    since: datetime | None
    public: list[Ranked]  # the top of the board, shown learners only
    mine: Ranked | None  # the caller's rank among everyone, hidden or not
    caller_hidden: bool
    total: int
    hidden: int


async def resolve_group(ctx: Context, guild_id: int, name: str) -> StudyGroup:
    """The study group a typed name means: its exact name, else what `/group join`'s
    autocomplete offers first for the text (bot/core/matching.py); two equally good matches
    are not guessed between."""
    found = await ctx.store.groups.get_by_name(guild_id, tidy(name))
    if found is not None:
        return found
    groups = await ctx.store.groups.list_for_guild(guild_id)
    matches = matching.best(tidy(name), groups, lambda g: (g.name,))
    if len(matches) > 1:
        names = tuple(g.name for g in matches[:3])
        raise InvalidInput(code=ErrorCode.GROUP_TIE, typed=name, names=names)
    if not matches:
        raise NotFound(code=ErrorCode.GROUP_UNKNOWN, name=name)
    return matches[0]


def period_window(
    period: Period, now: datetime, tz: str
) -> tuple[datetime | None, datetime | None]:
    """[since, until) of the current local week (ISO, Monday first) or month; None for all."""
    if period is Period.ALL:
        return None, None
    zone = parse_zone(tz)
    today = now.astimezone(zone).date()
    if period is Period.WEEK:
        first = today - timedelta(days=today.weekday())
        last = first + timedelta(days=7)
    else:
        first = today.replace(day=1)
        days = calendar.monthrange(first.year, first.month)[1]
        last = first + timedelta(days=days)
    return cadence.resolve_local(first, time(0), zone), cadence.resolve_local(last, time(0), zone)


class Social:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    # --- groups -----------------------------------------------------------------------------

    @in_unit
    async def create_group(
        self,
        guild_id: int,
        user_id: int,
        is_admin: bool,
        name: str,
        pathway_id: str,
        channel_id: int | None,
        cohort_start: str | None,
    ) -> StudyGroup:
        # Names are shown publicly in the bot's voice: refuse link and mention syntax, control
        # and direction characters, and names with nothing visible, before anything else.
        clean = clean_name(name, limit=MAX_GROUP_NAME, what="group name")
        pathway = self.ctx.registry.get(pathway_id.strip())
        now = self.ctx.clock.now()
        settings = await self.ctx.store.guilds.get(guild_id)
        if not is_admin and not settings.members_can_create_groups:
            raise Forbidden(code=ErrorCode.GROUP_CREATE_ADMINS_ONLY)
        tz = settings.default_prefs.tz if settings.default_prefs else "UTC"
        today = now.astimezone(parse_zone(tz)).date()
        start = parse_date(cohort_start) if cohort_start else today
        check_start_date(start, today)
        return await self.ctx.store.groups.create(
            guild_id, clean, pathway.id, start, now, channel_id=channel_id, created_by=user_id
        )

    async def group(self, guild_id: int, name: str) -> StudyGroup:
        return await resolve_group(self.ctx, guild_id, name)

    @in_unit
    async def join(self, guild_id: int, user_id: int, name: str) -> StudyGroup:
        group = await self.group(guild_id, name)
        return await self.ctx.store.groups.join(group.id, user_id, self.ctx.clock.now())

    @in_unit
    async def leave(self, guild_id: int, user_id: int, name: str) -> StudyGroup:
        group = await self.group(guild_id, name)
        if not await self.ctx.store.groups.leave(group.id, user_id):
            raise NotEnrolled(code=ErrorCode.NOT_IN_GROUP, name=group.name)
        return group

    async def list_groups(self, guild_id: int) -> list[GroupSummary]:
        out = []
        for g in await self.ctx.store.groups.list_for_guild(guild_id):
            members = await self.ctx.store.groups.members(g.id)
            found = self.ctx.registry.find(g.pathway_id)
            name = found.pathway.name if found else g.pathway_id  # one line per group: short
            out.append(GroupSummary(g, len(members), name))
        return out

    async def info(self, guild_id: int, name: str) -> GroupInfo:
        group = await self.group(guild_id, name)
        members = await self.ctx.store.groups.members(group.id)
        found = self.ctx.registry.find(group.pathway_id)
        summary = GroupSummary(group, len(members), found.pathway.name if found else "")
        return GroupInfo(summary, [m.user_id for m in members], 0)  # a group sees its members

    # --- leaderboards -------------------------------------------------------------------------

    async def board(
        self,
        guild_id: int,
        caller_id: int,
        group_name: str | None,
        period: Period,
        metric: Metric,
    ) -> Board:
        scope = await self.board_scope(guild_id, caller_id, group_name)
        return await self.board_in(scope, caller_id, period, metric)

    async def board_scope(
        self, guild_id: int, caller_id: int, group_name: str | None
    ) -> BoardScope:
        """Check what the caller asked for (a few indexed reads). The adapter calls this before
        it may defer publicly, so a mistake is answered privately, never in the channel."""
        store = self.ctx.store
        group: StudyGroup | None = None
        if group_name:
            group = await self.group(guild_id, group_name)
            pathway_id = group.pathway_id
        else:
            pathway_id = await self._default_pathway(guild_id, caller_id)
            group = await store.groups.group_of(caller_id, guild_id, pathway_id)
        title = self.ctx.registry.get(pathway_id).name  # the board's embed title
        return BoardScope(guild_id, pathway_id, title, group)

    async def board_in(
        self, where: BoardScope, caller_id: int, period: Period, metric: Metric
    ) -> Board:
        """Rank a checked scope. All-time points boards (a group's or the pathway's) are read
        from the standing counters by index, the top and the caller only; a week's or a
        month's points board sums each member's completions (in SQL for the pathway, ranked
        here for a group); on-schedule builds every member's plan, so it may be slow."""
        store = self.ctx.store
        now = self.ctx.clock.now()
        guild_id, pathway_id, title, group = (
            where.guild_id,
            where.pathway_id,
            where.title,
            where.group,
        )
        settings = await store.guilds.get(guild_id)
        tz = settings.default_prefs.tz if settings.default_prefs else "UTC"
        since, until = period_window(period, now, tz)
        scope = (
            f"study group {quote_input(group.name, 80)}"
            if group is not None
            else "everyone on this pathway here"
        )
        if metric is Metric.POINTS and group is None:
            # The database ranks the board; only the top and the caller come back. All time,
            # from the standing counters: an index range scan and a count.
            top = await store.leaderboards.top_for_pathway(
                guild_id, pathway_id, caller_id, TOP, since, until
            )
            public = [Ranked(r, _entry(row)) for r, row in top.shown]
            mine = Ranked(top.mine[0], _entry(top.mine[1])) if top.mine else None
            hidden_caller = mine is not None and not mine.entry.visible
            return Board(
                title,
                scope,
                metric,
                period,
                since,
                public,
                mine,
                hidden_caller,
                top.total,
                top.hidden,
            )
        if metric is Metric.POINTS and period is Period.ALL and group is not None:
            # The standing counters: an index range scan for the top, a count for the rank
            # (bot/store/leaderboards.py). A group shows every member to the group.
            board = await store.leaderboards.top_for_group(group.id, caller_id, TOP)
            public = [Ranked(r, _entry(row, visible=True)) for r, row in board.shown]
            mine = (
                Ranked(board.mine[0], _entry(board.mine[1], visible=True)) if board.mine else None
            )
            return Board(title, scope, metric, period, since, public, mine, False, board.total, 0)
        if group is not None:
            rows = await store.leaderboards.for_group(group.id, since, until)
        else:
            rows = await store.leaderboards.for_pathway(guild_id, pathway_id, since, until)
        entries = await self._entries(rows, metric, now)
        if group is not None:  # a study group shows its members to the group
            entries = [replace(e, visible=True) for e in entries]
        everyone = rank(entries)
        shown = rank([e for e in entries if e.visible])[:TOP]
        me = next((r for r in everyone if r.entry.user_id == caller_id), None)
        caller_hidden = me is not None and not me.entry.visible
        hidden = sum(1 for e in entries if not e.visible)
        return Board(
            title, scope, metric, period, since, shown, me, caller_hidden, len(entries), hidden
        )

    async def _default_pathway(self, guild_id: int, caller_id: int) -> str:
        mine = [
            e
            for e in await self.ctx.store.enrolments.list_for_user(caller_id, guild_id)
            if e.guild_id == guild_id and e.status is not EnrolmentStatus.LEFT
        ]
        if mine:
            return mine[0].pathway_id
        groups = await self.ctx.store.groups.list_for_guild(guild_id)
        if groups:
            return groups[0].pathway_id
        ids = self.ctx.registry.ids()
        if not ids:
            raise NotFound(code=ErrorCode.NO_PATHWAYS_LOADED)
        return ids[0]

    async def _entries(
        self, rows: list[LeaderboardRow], metric: Metric, now: datetime
    ) -> list[Entry]:
        if metric is Metric.POINTS:
            return [_entry(r) for r in rows]
        # On-schedule: dated items done minus dated items expected by now from each learner's
        # own start, in whole items ("2 ahead", "1 behind"). The expectation depends only on
        # the calendar, so learners who share one (pathway, start date, zone, no pauses)
        # share the computation; two reads in all.
        ids = [r.enrolment_id for r in rows]
        enrolments = await self.ctx.store.enrolments.get_many(ids)
        completions = await self.ctx.store.completions.for_enrolments(ids)
        expected: dict[tuple[str, date, str, str], float] = {}
        dated: dict[str, set[str]] = {}
        out: list[Entry] = []
        for r in rows:
            enrolment = enrolments.get(r.enrolment_id)
            found = self.ctx.registry.find(enrolment.pathway_id) if enrolment else None
            if enrolment is None or found is None:
                continue
            pathway = found.pathway
            if pathway.id not in dated:
                dated[pathway.id] = {i.id for i in pathway.items()}
            done = sum(1 for c in completions[r.enrolment_id] if c.item_id in dated[pathway.id])
            key = (pathway.id, enrolment.start_date, enrolment.prefs.tz, enrolment.pace)
            if enrolment.pauses or key not in expected:
                schedule = Schedule(
                    enrolment.start_date, enrolment.prefs, enrolment.pauses, enrolment.pace
                )
                value = expected_by_now(cadence.build_plan(pathway, schedule, set(), now))
                if enrolment.pauses:
                    out.append(Entry(r.user_id, ahead_of(done, value), r.reached_at, _shown(r)))
                    continue
                expected[key] = value
            out.append(Entry(r.user_id, ahead_of(done, expected[key]), r.reached_at, _shown(r)))
        return out


def _shown(row: LeaderboardRow) -> bool:
    return row.visibility is Visibility.SHOWN
