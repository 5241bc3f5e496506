"""/tasks: the week's focus by default, or one horizon, or everything, within Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import discord

from bot.core.cadence import ItemState, ItemStatus
from bot.core.focus import weekly_focus
from bot.core.models import EnrolmentStatus
from bot.core.pathway import ItemKind
from bot.discord_app import limits
from bot.discord_app.formatting import fit_lines, shorten, ts
from bot.discord_app.render_items import (
    FIELD_BUDGET,
    TRACK_COLOUR,
    _lines_field,
    _status_line,
    item_line,
)
from bot.discord_app.render_progress import PAUSED_LINE
from bot.service.outcomes import LearnerPlan

HORIZON_DAYS = {"week": 7, "month": 30, "90d": 90}


HORIZON_NAMES = {
    None: "This week's focus",
    "week": "Due in the next 7 days",
    "month": "Due in the next 30 days",
    "90d": "Due in the next 90 days",
    "phase": "Current phase",
    "all": "Everything",
}


def chosen_items(view: LearnerPlan, horizon: str | None) -> list[ItemStatus]:
    """The items a `/tasks` view lists. The default is the week's focus, the same five the
    reminder shows; week/month/90d are counted from now, on the learner's own calendar."""
    plan = view.plan
    if horizon is None:
        return weekly_focus(plan)
    if horizon in HORIZON_DAYS:
        until = plan.at + timedelta(days=HORIZON_DAYS[horizon])
        found = [
            s
            for s in plan.statuses
            if s.state in (ItemState.OVERDUE, ItemState.DUE_SOON, ItemState.OPEN)
            and s.due_at is not None
            and s.due_at <= until
        ]
        return sorted(found, key=lambda s: (s.state is not ItemState.OVERDUE, s.due_at))
    if horizon == "phase":
        return [
            s
            for s in plan.statuses
            if s.item.kind is ItemKind.TASK and s.item.phase_index == plan.phase_index
        ]
    return list(plan.statuses)


#: What one `/tasks` message may spend on its embeds, with room to spare for the titles and
#: summaries around the item lists (Discord's limit is 6,000 characters over all embeds).
TASKS_MESSAGE_BUDGET = limits.EMBED_TOTAL - 400


#: Per embed: title, description, the "Also" summary and field names, roughly.
TASKS_EMBED_OVERHEAD = 450


#: Below this many characters an embed's "Everything" shows counts, not lists.
COUNTS_ONLY_BELOW = 400


ALL_GROUPS = (
    ("Overdue", ItemState.OVERDUE),
    ("Due within 7 days", ItemState.DUE_SOON),
    ("Open", ItemState.OPEN),
    ("Not open yet", ItemState.NOT_OPEN),
)


def _list_budget(embeds: int) -> int:
    """Characters one embed's item lists may use so that `embeds` embeds stay within one
    message's total; what does not fit becomes "…and N more"."""
    return max(60, TASKS_MESSAGE_BUDGET // max(1, embeds) - TASKS_EMBED_OVERHEAD)


def _fitting(lines: Sequence[str], room: int) -> int:
    """How many whole lines from the start fit in `room` characters, newlines included."""
    size = 0
    for n, line in enumerate(lines):
        size += len(line) + (1 if n else 0)
        if size > room:
            return n
    return len(lines)


def _continued_fields(embed: discord.Embed, name: str, lines: Sequence[str], budget: int) -> int:
    """Whole lines in as many fields as they need ("Overdue (17)", then "Overdue, continued"),
    within `budget` characters counting the field names; returns the characters used. When
    the budget or the field count runs out, the last field ends with "…and N more"."""
    used = 0
    rest = list(lines)
    label = name
    continued = f"{name.split(' (')[0]}, continued"
    while rest:
        room = min(FIELD_BUDGET, budget - used - len(label))
        if room < 20:  # not even "…and N more" fits: the summary line counts the rest
            break
        taken = _fitting(rest, room)
        # Another field may follow when the next line would fit in what is left after this.
        after = budget - used - len(label) - room
        another = (
            0 < taken < len(rest)
            and after >= len(continued) + len(rest[taken])
            and len(embed.fields) < limits.EMBED_FIELDS - 3
        )
        if taken < len(rest) and not another:
            value, taken = fit_lines(rest, room), len(rest)  # summarise the rest here
        else:
            value = "\n".join(rest[:taken])
        embed.add_field(name=label, value=value, inline=False)
        used += len(label) + len(value)
        rest = rest[taken:]
        label = continued
    return used


def _grouped_fields(
    embed: discord.Embed, groups: Sequence[tuple[str, Sequence[str]]], budget: int
) -> None:
    """Each non-empty group in order, sharing `budget` fairly: every group gets what it
    needs when everything fits; otherwise the smaller groups are shown whole first and the
    long ones share the rest, so a long "Overdue" list never crowds out "Not open yet"."""
    pending = [(name, lines) for name, lines in groups if lines]
    needs = [_continued_fields(discord.Embed(), name, lines, 10**9) for name, lines in pending]
    shares = [0] * len(pending)
    left = budget
    order = sorted(range(len(pending)), key=needs.__getitem__)
    for k, i in enumerate(order):
        shares[i] = min(needs[i], left // (len(order) - k))
        left -= shares[i]
    for (name, lines), share in zip(pending, shares, strict=True):
        _continued_fields(embed, name, lines, share)


def _tasks_summary(view: LearnerPlan, shown: Sequence[ItemStatus], horizon: str | None) -> str:
    """One short line of what the list leaves out, pointing at the button that shows it."""
    plan = view.plan
    shown_ids = {s.item.id for s in shown}
    others = sum(
        1
        for s in plan.statuses
        if s.state in (ItemState.OVERDUE, ItemState.DUE_SOON, ItemState.OPEN)
        and s.item.id not in shown_ids
    )
    done = sum(1 for s in plan.statuses if s.state is ItemState.DONE)
    upcoming = [s for s in plan.statuses if s.state is ItemState.NOT_OPEN]
    parts = []
    if others and horizon != "all":
        parts.append(f"▫️ {others} more open")
    if done:
        parts.append(f"✅ {done} done")
    if upcoming and horizon != "all":
        nxt = min(upcoming, key=lambda s: s.opens_at)
        parts.append(f"🔒 {len(upcoming)} not open yet (next {ts(nxt.opens_at)})")
    line = " · ".join(parts)
    if horizon != "all" and (others or upcoming):
        line += "\n**Show everything** lists them all."
    return line


def tasks_embed(views: Sequence[LearnerPlan], horizon: str | None) -> list[discord.Embed]:
    """One embed per pathway. The default is the week's focus: at most five lines, so the
    reply stays short; "Show everything" (or `horizon:Everything`) lists every item."""
    views = views[: limits.EMBEDS_PER_MESSAGE]
    budget = _list_budget(len(views))
    embeds = []
    for view in views:
        plan = view.plan
        embed = discord.Embed(
            title=shorten(f"Tasks · {view.pathway.name}", limits.EMBED_TITLE),
            colour=TRACK_COLOUR[view.progress.on_track.track],
            description=f"Week {plan.week} · {_status_line(view)}",
        )
        if view.enrolment.status is EnrolmentStatus.PAUSED:
            embed.description = f"{embed.description}\n{PAUSED_LINE}"
        chosen = chosen_items(view, horizon)
        if horizon == "all" and budget < COUNTS_ONLY_BELOW:
            # Too many pathways for their lists to be readable in one message: counts, and
            # each pathway's "Show everything" button lists its items alone.
            counts = [(t, sum(1 for s in chosen if s.state is st)) for t, st in ALL_GROUPS]
            value = " · ".join(f"{t}: {n}" for t, n in counts if n) or "Nothing left."
            embed.add_field(name=HORIZON_NAMES["all"], value=value, inline=False)
        elif horizon == "all":
            groups = []
            for title, state in ALL_GROUPS:
                items = [s for s in chosen if s.state is state]
                groups.append(
                    (
                        f"{title} ({len(items)})",
                        [item_line(s, zone=plan.zone, now=plan.at) for s in items],
                    )
                )
            _grouped_fields(embed, groups, budget)
        else:
            name = HORIZON_NAMES.get(horizon, "Tasks")
            lines = [item_line(s, zone=plan.zone, now=plan.at) for s in chosen]
            _lines_field(embed, name, lines, min(FIELD_BUDGET, budget))
        summary = _tasks_summary(view, chosen, horizon)
        if summary:
            embed.add_field(name="Also", value=summary, inline=False)
        if not chosen:
            empty = (
                "Every item is done. 🎓"
                if view.progress.complete
                else "Nothing here right now: everything open in this view is done. 🎉"
            )
            embed.add_field(name="All clear", value=empty, inline=False)
        embeds.append(embed)
    return embeds
