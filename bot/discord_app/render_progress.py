"""/done, /undo and /progress replies, and the facts the progress card draws."""

from __future__ import annotations

import discord

from bot.core.cadence import ItemState
from bot.core.coach import also_settled
from bot.core.models import EnrolmentStatus
from bot.core.untrusted import escape_text, tidy
from bot.discord_app import limits
from bot.discord_app.card import CardData
from bot.discord_app.formatting import bar, shorten, ts
from bot.discord_app.render_items import TRACK_COLOUR
from bot.service.outcomes import DoneOutcome, LearnerPlan, UndoOutcome

#: Said by /tasks and /progress while the learner's reminders are paused.
PAUSED_LINE = "⏸️ Paused: no reminders, and your deadlines wait. `/reminders resume` when ready."


def done_message(outcome: DoneOutcome) -> str:
    view = outcome.view
    item = outcome.status.item
    if not outcome.created:
        return (
            f"“{shorten(item.text, 200)}” was already done "
            f"({ts(outcome.completed_at, 'D')}). Nothing changed."
        )
    lines = [f"✅ Done: **{shorten(item.text, 200)}** (+{outcome.points} points)"]
    linked = also_settled(view.plan, item.id)  # linked work in the pathway file (issue 21)
    if linked:
        names = "; ".join(shorten(s.item.text, 80) for s in linked[:4])
        more = f" and {len(linked) - 4} more" if len(linked) > 4 else ""
        lines.append(f"🔗 This also settles the linked work: {names}{more}.")
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
    if outcome.status.state is ItemState.DONE:  # still settled by linked work (issue 21)
        return (
            f"↩️ Your check-off of “{shorten(outcome.status.item.text, 200)}” was removed, "
            "but it still counts as done: linked work that includes it is done. "
            f"Progress {bar(view.progress.overall.done, view.progress.overall.total)}."
        )
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
    if view.enrolment.status is EnrolmentStatus.PAUSED:
        lines.append(PAUSED_LINE)
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
