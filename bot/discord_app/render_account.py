"""Replies about the learner's own data (`/me export`): stated from the export's own counts,
so the message says exactly what the attached files hold."""

from __future__ import annotations

from datetime import date

from bot.core.deadlines import day_text
from bot.core.layout import pace_label
from bot.core.models import ReminderPrefs, Visibility
from bot.core.pathway import ItemKind
from bot.core.timeparse import weekday_name
from bot.service.account import Export
from bot.service.outcomes import EnrollOutcome

EXPORT_JSON = "pathway-bot-export.json"
EVIDENCE_TXT = "completed-items.txt"

KIND_NAMES: dict[ItemKind | None, tuple[str, str]] = {
    ItemKind.TASK: ("roadmap task", "roadmap tasks"),
    ItemKind.ACTION: ("action-plan item", "action-plan items"),
    ItemKind.SKILL: ("skill", "skills"),
    None: ("item no longer in its pathway", "items no longer in their pathway"),
}


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def prefs_text(prefs: ReminderPrefs) -> str:
    """'Saturdays at 10:00 (Europe/London)'."""
    return f"{weekday_name(prefs.weekday)}s at {prefs.at.strftime('%H:%M')} ({prefs.tz})"


def settings_offer(outcome: EnrollOutcome) -> str:
    """What a repeated `/enroll` would change, every change listed, before anything is saved."""
    e = outcome.view.enrolment
    changes = []
    if outcome.prefs_changed and outcome.proposed_prefs is not None:
        changes.append(
            f"• Reminders: {prefs_text(e.prefs)} → **{prefs_text(outcome.proposed_prefs)}**"
        )
    if outcome.proposed_start:
        new_start = day_text(date.fromisoformat(outcome.proposed_start))
        changes.append(f"• Start date: {day_text(e.start_date)} → **{new_start}**")
    if outcome.proposed_pace:
        changes.append(
            f"• Pace: {pace_label(e.pace)} → **{pace_label(outcome.proposed_pace)}** "
            "(deadlines move; checked items stay done)"
        )
    return (
        "You're already enrolled here. Apply these changes?\n"
        + "\n".join(changes)
        + "\nNothing changes until you press **Apply these settings**."
    )


OPEN_DMS = (
    "To open them: right-click this server's icon → Privacy Settings → turn on Direct Messages."
)


#: What `/enroll` says about who sees a learner's standing (issue 22: visibility is opt-in).
SHOWN_WHERE = (
    "Your study group sees your progress; server-wide boards and others' `/progress` do only "
    "after `/me visibility shown`."
)


def visibility_text(visibility: Visibility) -> str:
    if visibility is Visibility.SHOWN:
        return (
            "You are **shown**: server-wide leaderboards, digests and members' `/progress` "
            "can list you."
        )
    return (
        "You are **hidden**: only your study group sees your progress; server-wide boards, "
        "digests and others' `/progress` don't."
    )


def dms_closed_notice() -> str:
    """Told once, privately, at the learner's next command after their DMs turned out closed."""
    return (
        "📭 Your DMs are closed to this bot, so your weekly reminders can't reach you. "
        f"{OPEN_DMS} Until then, `/tasks` shows your week."
    )


def dms_closed_at_enroll(notice_channel_id: int | None) -> str:
    """The private follow-up to /enroll when the welcome DM bounced (403/50007)."""
    text = (
        "📭 I couldn't DM you: your DMs are closed to this bot, so reminders can't reach you. "
        f"{OPEN_DMS} Until then, `/tasks` shows your week."
    )
    if notice_channel_id is not None:
        text += f" I'll also mention you once in <#{notice_channel_id}>."
    return text


def dms_closed_channel_notice(user_id: int, pathway_name: str) -> str:
    """The one channel mention a learner with closed DMs may get (if the admin allows it)."""
    return (
        f"<@{user_id}>, your reminders for **{pathway_name}** can't reach you: your DMs are "
        "closed to this bot. Open them (Privacy Settings → Direct Messages) to get reminders; "
        "`/tasks` works here meanwhile. I won't post this again."
    )


def export_message(export: Export) -> str:
    s = export.summary
    kinds = [
        count(s.by_kind[kind], *KIND_NAMES[kind]) for kind in KIND_NAMES if s.by_kind.get(kind)
    ]
    done = count(s.completions, "completed item")
    if kinds:
        done += f" ({', '.join(kinds)})"
    facts = [count(s.enrolments, "enrolment"), done, count(s.memberships, "group membership")]
    if s.groups_created:
        facts.append(count(s.groups_created, "study group", "study groups") + " you created")
    listed = (
        f"the {count(s.completions, 'completed item')} with their dates"
        if s.completions
        else "nothing yet: you have not completed an item"
    )
    return (
        f"Here is everything stored about you: {', '.join(facts)}.\n"
        f"• `{EVIDENCE_TXT}`: {listed}\n"
        f"• `{EXPORT_JSON}`: all of it, as JSON"
    )


def evidence_text(export: Export) -> str:
    """The attached list of completed items, one line per exported completion."""
    lines = [
        f"{ev.completed_at.date().isoformat()}  {ev.pathway_title}: {ev.item_text}"
        for ev in export.evidence
    ]
    return "\n".join(lines) or "Nothing completed yet."
