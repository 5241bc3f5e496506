"""Service results -> embeds and text, within Discord's limits. The only place embeds are built.

Deadlines are Discord timestamps (`<t:unix:R>`), so every viewer sees their own local time.
Long lists are summarised ("…and 4 more"), never cut in the middle of an item.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.core.cadence import ItemState, ItemStatus
from bot.core.models import Enrolment, EnrolmentStatus, Learner
from bot.core.pathway import Horizon, ItemKind
from bot.core.progress import Track
from bot.core.timeparse import weekday_name
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


def prefs_line(enrolment: Enrolment) -> str:
    p = enrolment.prefs
    return f"{weekday_name(p.weekday)}s at {p.at.strftime('%H:%M')} ({p.tz})"


def item_line(s: ItemStatus, *, with_id: bool = True) -> str:
    icon = STATE_ICON[s.state]
    due = ""
    if s.state is ItemState.NOT_OPEN:
        due = f" · opens {ts(s.opens_at)}"
    elif s.due_at is not None and s.state is not ItemState.DONE:
        due = f" · due {ts(s.due_at)}"
    ident = f" `{s.item.id}`" if with_id else ""
    return f"{icon} {shorten(s.item.text, 200)}{ident}{due}"


def _lines_field(embed: discord.Embed, name: str, lines: Sequence[str]) -> None:
    if lines:
        embed.add_field(name=name, value=fit_lines(lines, FIELD_BUDGET), inline=False)


def _status_line(view: LearnerPlan) -> str:
    track = view.progress.on_track
    parts = [
        f"**{track.describe()}**",
        f"{view.progress.overall.done}/{view.progress.overall.total} items",
        f"{view.points} points",
        f"streak {view.streak} week{'s' if view.streak != 1 else ''}",
    ]
    return " · ".join(parts)


def plan_embed(view: LearnerPlan, title: str | None = None) -> discord.Embed:
    """The learner's plan: this week, the horizons, the current phase and the next reminder."""
    plan = view.plan
    e = view.enrolment
    embed = discord.Embed(
        title=shorten(title or view.pathway.title, limits.EMBED_TITLE),
        colour=TRACK_COLOUR[view.progress.on_track.track],
    )
    week = f"Week {plan.week}" if plan.week else f"Starts {ts(plan.phase_windows[0][0], 'D')}"
    embed.description = f"{week} · {_status_line(view)}"
    if e.status is EnrolmentStatus.PAUSED:
        embed.description += "\n⏸️ Paused: reminders are off and deadlines wait for you."
    this_week = [
        s
        for s in plan.statuses
        if s.item.kind is ItemKind.ACTION and s.item.horizon is Horizon.WEEK
    ]
    _lines_field(embed, "This week", [item_line(s) for s in this_week])
    horizons = [
        f"{h.label}: due {ts(at)} ({ts(at, 'D')})" for h, at in plan.horizon_deadlines.items()
    ]
    _lines_field(embed, "Deadlines", horizons)
    index = plan.phase_index if plan.phase_index is not None else (0 if plan.week == 0 else None)
    if index is not None:
        phase = view.pathway.roadmap.phases[index]
        ends = plan.phase_windows[index][1]
        head = f"**Phase {index + 1}: {phase.title}** ({phase.weeks} weeks, ends {ts(ends)})"
        lines = [head, *[item_line(s) for s in plan.statuses if s.item.phase_index == index]]
        _lines_field(embed, "Roadmap", lines)
    elif plan.roadmap_finished:
        _lines_field(embed, "Roadmap", ["Every phase's time is up: finish what's left!"])
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
        embed.add_field(name="Study group", value=shorten(view.group.name, 100), inline=True)
    embed.set_footer(
        text=f"{view.pathway.id} · /tasks to see everything · /done to check items off"
    )
    return embed


def enroll_message(outcome: EnrollOutcome) -> tuple[str, discord.Embed]:
    view = outcome.view
    p = view.enrolment.prefs
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
        f"{head} Reminders come by DM on {weekday_name(p.weekday)}s at "
        f"{p.at.strftime('%H:%M')} in **{p.tz}** ({source}). Change them any time with "
        "`/reminders set day time timezone`."
    )
    return content, plan_embed(view, title=f"Your plan: {view.pathway.title}")


def tasks_embed(views: Sequence[LearnerPlan], horizon: str | None) -> list[discord.Embed]:
    embeds = []
    for view in views[:10]:
        plan = view.plan
        embed = discord.Embed(
            title=shorten(f"Tasks · {view.pathway.title}", limits.EMBED_TITLE),
            colour=TRACK_COLOUR[view.progress.on_track.track],
            description=f"Week {plan.week} · {_status_line(view)}",
        )

        def wanted(s: ItemStatus, phase: int | None = plan.phase_index) -> bool:
            if horizon in (None, "all"):
                return True
            if horizon == "phase":
                return s.item.kind is ItemKind.TASK and s.item.phase_index == phase
            return (
                s.item.kind is ItemKind.ACTION
                and s.item.horizon is not None
                and s.item.horizon.value == horizon
            )

        chosen = [s for s in plan.statuses if wanted(s)]
        groups = [
            ("Overdue", [s for s in chosen if s.state is ItemState.OVERDUE]),
            ("Due within 7 days", [s for s in chosen if s.state is ItemState.DUE_SOON]),
            (
                "Open",
                [
                    s
                    for s in chosen
                    if s.state is ItemState.OPEN and s.item.kind is not ItemKind.SKILL
                ],
            ),
            (
                "Skills to learn (no deadline)",
                [s for s in chosen if s.state is ItemState.OPEN and s.item.kind is ItemKind.SKILL],
            ),
        ]
        for name, items in groups:
            _lines_field(embed, f"{name} ({len(items)})", [item_line(s) for s in items])
        done = [s for s in chosen if s.state is ItemState.DONE]
        upcoming = [s for s in chosen if s.state is ItemState.NOT_OPEN]
        summary = []
        if done:
            summary.append(f"✅ {len(done)} done (see `/progress`)")
        if upcoming:
            nxt = min(upcoming, key=lambda s: s.opens_at)
            summary.append(f"🔒 {len(upcoming)} not open yet; the next opens {ts(nxt.opens_at)}")
        if summary:
            embed.add_field(name="Also", value="\n".join(summary), inline=False)
        if not any(items for _, items in groups):
            embed.add_field(name="All clear", value="Nothing open right now. 🎉", inline=False)
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
    lines.append(
        f"Progress {bar(view.progress.overall.done, view.progress.overall.total)} · "
        f"{view.progress.on_track.describe()} · streak {view.streak} week"
        f"{'s' if view.streak != 1 else ''} · {view.points} points"
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


def progress_embed(view: LearnerPlan, who: str | None = None) -> discord.Embed:
    prog = view.progress
    title = f"{who}'s progress" if who else "Your progress"
    embed = discord.Embed(
        title=shorten(f"{title} · {view.pathway.title}", limits.EMBED_TITLE),
        colour=TRACK_COLOUR[prog.on_track.track],
        description=f"Week {view.plan.week} · {_status_line(view)}\n"
        f"Overall {bar(prog.overall.done, prog.overall.total)}",
    )
    phases = []
    for i, (phase, tally) in enumerate(
        zip(view.pathway.roadmap.phases, prog.by_phase, strict=True)
    ):
        marker = " ← now" if view.plan.phase_index == i else ""
        phases.append(
            f"{i + 1}. {shorten(phase.title, 60)}{marker}\n{bar(tally.done, tally.total)}"
        )
    _lines_field(embed, "Roadmap phases", phases)
    horizons = [f"{h.label}: {bar(t.done, t.total)}" for h, t in prog.by_horizon.items() if t.total]
    _lines_field(embed, "Action plan", horizons)
    if prog.skills.total:
        embed.add_field(
            name="Skills to learn", value=bar(prog.skills.done, prog.skills.total), inline=False
        )
    return embed


def card_data(view: LearnerPlan, who: str | None = None) -> CardData:
    """The progress card carries the same facts as `progress_embed` (the embed stays complete
    on its own, for screen readers)."""
    prog = view.progress
    phases = [
        (phase.title, tally.done, tally.total, view.plan.phase_index == i)
        for i, (phase, tally) in enumerate(
            zip(view.pathway.roadmap.phases, prog.by_phase, strict=True)
        )
    ]
    return CardData(
        title=view.pathway.title,
        learner=who,
        week=view.plan.week,
        phases=phases,
        horizons=[(h.label, t.done, t.total) for h, t in prog.by_horizon.items() if t.total],
        skills=(prog.skills.done, prog.skills.total),
        overall=(prog.overall.done, prog.overall.total),
        streak=view.streak,
        track_label=prog.on_track.describe(),
        track_kind=prog.on_track.track.value,
        points=view.points,
    )


def reminders_text(learner: Learner, enrolments: Sequence[Enrolment]) -> str:
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
    if not enrolments:
        lines.append("You are not following any pathway right now.")
    return "\n".join(lines)
