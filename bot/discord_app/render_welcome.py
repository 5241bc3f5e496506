"""The welcome DM: what the /enroll reply a second earlier did not say.

The reply already showed the plan, the pace and this week's focus; the welcome adds when the
first reminder comes, how to use the DM, and how to pause.
"""

from __future__ import annotations

from bot.delivery.ports import WelcomeContent
from bot.discord_app import limits
from bot.discord_app.formatting import fit_lines, ts


def welcome_text(w: WelcomeContent) -> str:
    """Short plain text (it is also the notification preview)."""
    lines = [f"👋 Welcome to **{w.pathway_name}**!"]
    if w.first_reminder_at is not None:
        lines.append(
            f"Your first weekly reminder comes here {ts(w.first_reminder_at, 'F')} "
            f"({ts(w.first_reminder_at)})."
        )
    lines += [
        "Each reminder lists the week's focus: press ✅ under an item when it's done, or 💤 "
        "to be reminded again later. `/tasks`, `/done` and `/progress` work in this DM too.",
        "Need a break? `/reminders pause` stops reminders, and your deadlines wait for you.",
    ]
    return fit_lines(lines, limits.CONTENT)
