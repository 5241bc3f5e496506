"""Service results -> embeds and text, within Discord's limits. The only place embeds are built.

Deadlines are Discord timestamps (`<t:unix:R>`), so every viewer sees their own local time.
Long lists are summarised ("…and 4 more"), never cut in the middle of an item.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import discord

from bot.core.cadence import ItemState, ItemStatus
from bot.core.deadlines import end_of_day
from bot.core.focus import weekly_focus
from bot.core.layout import pace_label
from bot.core.models import Enrolment, EnrolmentStatus, Learner
from bot.core.pathway import ItemKind
from bot.core.progress import Track
from bot.core.snooze import PendingSnooze
from bot.core.timeparse import weekday_name
from bot.core.untrusted import escape_text, tidy
from bot.discord_app import limits
from bot.discord_app.card import CardData
from bot.discord_app.limits import bar, fit_lines, shorten, ts
from bot.service.views import DoneOutcome, EnrollOutcome, LearnerPlan, PrefsSource, UndoOutcome

GREEN = discord.Colour.from_rgb(59, 165, 93)
AMBER = discord.Colour.from_rgb(250, 166, 26)
RED = discord.Colour.from_rgb(237, 66, 69)
BLURPLE = discord.Colour.from_rgb(88, 101, 242)

STATE_ICON = {
    ItemState.DONE: "✅",
    ItemState.OVERDUE: "⚠️",
    ItemState.DUE_SOON: "⏳",
    ItemState.OPEN: "▫️",
    ItemState.NOT_OPEN: "🔒",
}
TRACK_COLOUR = {
    Track.ON_TRACK: GREEN,
    Track.AHEAD: GREEN,
    Track.BEHIND: AMBER,
    Track.JUST_STARTED: BLURPLE,
}
FIELD_BUDGET = limits.FIELD_VALUE - 24
ITEM_TEXT = 200  # an item's text in a list line


def prefs_line(enrolment: Enrolment) -> str:
    p = enrolment.prefs
    return f"{weekday_name(p.weekday)}s at {p.at.strftime('%H:%M')} ({p.tz})"


def deadline_text(s: ItemStatus, zone: ZoneInfo | None) -> str:
    """'by end of Sun 6 Dec (in 3 days)': the day in the learner's zone, plus a Discord
    timestamp so a viewer in another zone still sees the instant in their own time."""
    if s.due_at is None:
        return ""
    if zone is None:
        return f"due {ts(s.due_at)}"
    verb = "was due" if s.state is ItemState.OVERDUE else "by"
    return f"{verb} end of {end_of_day(s.due_at, zone)} ({ts(s.due_at)})"


def item_line(s: ItemStatus, *, zone: ZoneInfo | None = None) -> str:
    """One item as a reader knows it: by its name, never its id (autocomplete and the menus
    take names too, so an id is never something a learner needs to read)."""
    icon = STATE_ICON[s.state]
    due = ""
    if s.state is ItemState.NOT_OPEN:
        due = f" · opens {ts(s.opens_at)}"
    elif s.due_at is not None and s.state is not ItemState.DONE:
        due = f" · {deadline_text(s, zone)}"
    return f"{icon} {shorten(s.item.text, ITEM_TEXT)}{due}"


def _lines_field(
    embed: discord.Embed, name: str, lines: Sequence[str], budget: int = FIELD_BUDGET
) -> None:
    if lines:
        embed.add_field(name=name, value=fit_lines(lines, budget), inline=False)


def _status_line(view: LearnerPlan) -> str:
    parts = [
        f"**{view.progress.describe()}**",
        f"{view.progress.overall.done}/{view.progress.overall.total} items",
        f"{view.points} points",
    ]
    if view.streak > 0:  # no streak yet is no failure worth printing
        parts.append(f"🔥 {view.streak}-week streak")
    return " · ".join(parts)


def plan_embed(view: LearnerPlan, title: str | None = None) -> discord.Embed:
    """The learner's plan: this week, the horizons, the current phase and the next reminder."""
    plan = view.plan
    e = view.enrolment
    embed = discord.Embed(
        title=shorten(title or view.pathway.name, limits.EMBED_TITLE),
        colour=TRACK_COLOUR[view.progress.on_track.track],
    )
    week = f"Week {plan.week}" if plan.week else f"Starts {ts(plan.phase_windows[0][0], 'D')}"
    embed.description = f"{week} · {_status_line(view)}"
    if e.status is EnrolmentStatus.PAUSED:
        embed.description += "\n⏸️ Paused: reminders are off and deadlines wait for you."
    focus = weekly_focus(plan)
    _lines_field(embed, "🎯 This week's focus", [item_line(s, zone=plan.zone) for s in focus])
    index = plan.phase_index if plan.phase_index is not None else (0 if plan.week == 0 else None)
    if index is not None:
        phase = view.pathway.roadmap.phases[index]
        ends = plan.phase_windows[index][1]
        k_of_n = plan.phase_week(index)
        week = f"week {k_of_n[0]} of {k_of_n[1]}, " if k_of_n and plan.week else ""
        head = (
            f"**Phase {index + 1} of {len(plan.phase_windows)}: {phase.title}** "
            f"({week}ends {end_of_day(ends, plan.zone)}, {ts(ends)})"
        )
        _lines_field(embed, "Roadmap", [head, f"Pace: {pace_label(plan.pace)}"])
    elif plan.roadmap_finished:
        _lines_field(embed, "Roadmap", ["Your timeline is over: finish what's left!"])
    if view.next_reminder is not None:
        reminder = (
            f"{ts(view.next_reminder.at, 'F')} ({ts(view.next_reminder.at)}) · {prefs_line(e)}"
        )
    elif e.status is EnrolmentStatus.PAUSED:
        reminder = "Paused. `/reminders resume` turns reminders back on."
    else:
        reminder = "None scheduled."
    embed.add_field(name="Next reminder", value=reminder, inline=False)
    if view.group is not None:
        embed.add_field(name="Study group", value=escape_text(view.group.name, 100), inline=True)
    embed.set_footer(text="/tasks to see everything · /done to check items off")
    return embed


def enroll_message(outcome: EnrollOutcome, where: str | None = None) -> tuple[str, discord.Embed]:
    """`where`: the name of the server the enrolment lives in, when it is not this one."""
    view = outcome.view
    p = view.enrolment.prefs
    if outcome.lives_in is not None:
        place = f"in **{where}**" if where else "in another server"
        content = (
            f"You already follow this pathway {place}, so nothing new was created: one "
            "enrolment, one weekly reminder. Your reminders, `/tasks`, `/done` and `/progress` "
            "also work here in your DMs with the bot."
        )
        return content, plan_embed(view)
    if outcome.already:
        if outcome.proposed_prefs is not None:
            new = outcome.proposed_prefs
            content = (
                "You're already enrolled in this pathway here, so nothing new was created. "
                f"Switch your reminders to **{weekday_name(new.weekday)}s at "
                f"{new.at.strftime('%H:%M')} ({new.tz})**"
                + (
                    f" and your start date to **{outcome.proposed_start}**"
                    if outcome.proposed_start
                    else ""
                )
                + "? Press **Apply these settings** below."
            )
        elif outcome.pace_changed:
            content = (
                "You're already enrolled in this pathway here, so nothing new was created. "
                f"Your pace is now **{pace_label(view.enrolment.pace)}**: your deadlines moved "
                "with it, and everything you checked off stays done."
            )
        else:
            content = (
                "You're already enrolled in this pathway here, so nothing new was created. "
                "Here is your plan. Change reminders with `/reminders set`."
            )
        return content, plan_embed(view)
    source = {
        PrefsSource.GIVEN: "the time zone you chose",
        PrefsSource.LEARNER: "your saved time zone",
        PrefsSource.GUILD: "this server's default time zone",
        PrefsSource.DEFAULT: "the default, UTC, because neither you nor this server set one",
    }[outcome.prefs_source]
    head = (
        "Welcome back! Your earlier progress is restored."
        if outcome.restored
        else "You're enrolled!"
    )
    content = (
        f"{head} Your pace: **{pace_label(view.enrolment.pace)}** (ends "
        f"{end_of_day(view.plan.timeline_end or view.plan.at, view.plan.zone)}). "
        f"Reminders come by DM on {weekday_name(p.weekday)}s at "
        f"{p.at.strftime('%H:%M')} in **{p.tz}** ({source}). Change them any time with "
        "`/reminders set day time timezone`."
    )
    return content, plan_embed(view, title=f"Your plan: {view.pathway.name}")


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
                    (f"{title} ({len(items)})", [item_line(s, zone=plan.zone) for s in items])
                )
            _grouped_fields(embed, groups, budget)
        else:
            name = HORIZON_NAMES.get(horizon, "Tasks")
            lines = [item_line(s, zone=plan.zone) for s in chosen]
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


def done_message(outcome: DoneOutcome) -> str:
    view = outcome.view
    item = outcome.status.item
    if not outcome.created:
        return (
            f"“{shorten(item.text, 200)}” was already done "
            f"({ts(outcome.completed_at, 'D')}). Nothing changed."
        )
    lines = [f"✅ Done: **{shorten(item.text, 200)}** (+{outcome.points} points)"]
    streak = f" · 🔥 {view.streak}-week streak" if view.streak > 0 else ""
    lines.append(
        f"Progress {bar(view.progress.overall.done, view.progress.overall.total)} · "
        f"{view.progress.describe()}{streak} · {view.points} points"
    )
    r = outcome.rank
    if r is not None and r.after is not None:
        if r.before is not None and r.after < r.before:
            lines.append(f"📈 You moved up from #{r.before} to **#{r.after}** in {r.scope}.")
        else:
            lines.append(f"You are #{r.after} in {r.scope}.")
    if view.progress.complete:
        lines.append("🎓 **Pathway complete: every item is done. Congratulations!**")
    return "\n".join(lines)


def undo_message(outcome: UndoOutcome) -> str:
    view = outcome.view
    return (
        f"↩️ “{shorten(outcome.status.item.text, 200)}” is open again; its points were removed. "
        f"Progress {bar(view.progress.overall.done, view.progress.overall.total)}."
    )


def phase_line(view: LearnerPlan) -> str:
    """Where the learner is on the roadmap, in one line: "Phase 3 of 5: … (week 2 of 8)"."""
    plan = view.plan
    count = len(plan.phase_windows)
    if plan.phase_index is not None:
        phase = view.pathway.roadmap.phases[plan.phase_index]
        k_of_n = plan.phase_week()
        week = f" (week {k_of_n[0]} of {k_of_n[1]})" if k_of_n else ""
        return f"Phase {plan.phase_index + 1} of {count}: {shorten(phase.title, 80)}{week}"
    if plan.roadmap_finished:
        return "The roadmap's timeline is over: finish what's left at your own pace."
    if plan.phase_windows:
        return f"Phase 1 of {count} starts {ts(plan.phase_windows[0][0], 'D')}"
    return ""


def progress_summary(view: LearnerPlan) -> str:
    """The facts of the progress card as a few short lines: status, how much is done, points,
    streak and the current phase. The card draws the per-phase and action-plan bars; this
    text says the same essentials for anyone who cannot see the image."""
    prog = view.progress
    done, total = prog.overall.done, prog.overall.total
    percent = round(100 * done / total) if total else 0
    lines = [f"**{prog.describe()}** · {done}/{total} items done ({percent}%)"]
    extras = [f"{view.points} points"]
    if view.streak > 0:
        extras.append(f"🔥 {view.streak}-week streak")
    if view.plan.week:
        extras.append(f"week {view.plan.week}")
    lines.append(" · ".join(extras))
    where = phase_line(view)
    if where:
        lines.append(where)
    return "\n".join(lines)


def progress_embed(view: LearnerPlan, who: str | None = None) -> discord.Embed:
    """A short summary above the progress card; the card holds the detail."""
    prog = view.progress
    title = f"{escape_text(who, 64)}'s progress" if who else "Your progress"
    return discord.Embed(
        title=shorten(f"{title} · {view.pathway.name}", limits.EMBED_TITLE),
        colour=TRACK_COLOUR[prog.on_track.track],
        description=progress_summary(view),
    )


def card_alt_text(view: LearnerPlan, who: str | None = None) -> str:
    """The card's alt text (Discord reads it to screen-reader users): the summary's facts
    plus the per-phase counts the card draws, in plain text."""
    prog = view.progress
    phases = ", ".join(f"{t.done}/{t.total}" for t in prog.by_phase)
    # Alt text is plain text (no markdown), so a name is tidied rather than escaped.
    head = f"{tidy(who)}'s progress card" if who else "Progress card"
    text = (
        f"{head} for {view.pathway.name}: {prog.describe()}, "
        f"{prog.overall.done} of {prog.overall.total} items done, {view.points} points. "
        f"Phases done: {phases}. {phase_line(view)}"
    )
    return shorten(" ".join(text.split()).replace("*", ""), limits.ATTACHMENT_DESCRIPTION)


def card_data(view: LearnerPlan, who: str | None = None) -> CardData:
    """The progress card draws the bars the short `progress_embed` leaves out; its alt text
    (`card_alt_text`) says them for screen readers."""
    prog = view.progress
    phases = [
        (phase.title, tally.done, tally.total, view.plan.phase_index == i)
        for i, (phase, tally) in enumerate(
            zip(view.pathway.roadmap.phases, prog.by_phase, strict=True)
        )
    ]
    return CardData(
        title=view.pathway.name,
        learner=who,  # drawn as pixels (card.py keeps printable text): no markdown to escape
        week=view.plan.week,
        phases=phases,
        horizons=[(h.label, t.done, t.total) for h, t in prog.by_horizon.items() if t.total],
        skills=(prog.skills.done, prog.skills.total),
        overall=(prog.overall.done, prog.overall.total),
        streak=view.streak,
        track_label=prog.describe(),
        track_kind=prog.on_track.track.value,
        points=view.points,
    )


def reminders_text(
    learner: Learner, enrolments: Sequence[Enrolment], snoozes: Sequence[PendingSnooze] = ()
) -> str:
    p = learner.prefs
    lines = [
        f"Weekly reminders: **{weekday_name(p.weekday)}s at {p.at.strftime('%H:%M')}** "
        f"in **{p.tz}**."
    ]
    if learner.dm_blocked:
        lines.append(
            "⚠️ Your DMs are closed to this bot, so reminders fall back to a mention in the "
            "server. Open your DMs (Privacy Settings → Direct Messages) to get them privately."
        )
    for e in enrolments:
        if e.status is EnrolmentStatus.PAUSED:
            resume = f", resumes {ts(e.next_reminder_at, 'D')}" if e.next_reminder_at else ""
            lines.append(f"⏸️ `{e.pathway_id}`: paused{resume}.")
        elif e.next_reminder_at is not None:
            at = e.next_reminder_at
            lines.append(f"▶️ `{e.pathway_id}`: next {ts(at, 'F')} ({ts(at)}).")
        paused = e.status is EnrolmentStatus.PAUSED
        for s in snoozes:
            if s.enrolment_id == e.id:
                held = " (only if you resume before then)" if paused else ""
                lines.append(
                    f"💤 `{e.pathway_id}`: snoozed reminder {ts(s.at, 'F')} ({ts(s.at)}){held}."
                )
    if not enrolments:
        lines.append("You are not following any pathway right now.")
    if snoozes:
        lines.append("Cancel a snooze with its button below.")
    return "\n".join(lines)


def snoozed_text(at: datetime, next_regular: datetime) -> str:
    """The private reply to a snooze: when it comes, and how to take it back."""
    return (
        f"💤 Snoozed: I'll remind you again {ts(at, 'F')} ({ts(at)}), before your next weekly "
        f"reminder {ts(next_regular, 'F')}.\nChanged your mind? Press **Cancel this snooze** "
        "below, or cancel it later from `/reminders show`."
    )
