"""Replies to behind mode's offers (bot/service/replan.py)."""

from __future__ import annotations

from bot.core.layout import pace_label
from bot.service.replan import CaughtUp


def caught_up_text(done: CaughtUp) -> str:
    if done.what == "pace":
        return (
            f"🐢 You're now on the **{pace_label(done.pace)}** pace: your deadlines stretched "
            "with it, and everything you checked off stays done. `/tasks` shows the new dates."
        )
    if done.what == "pause":
        return (
            "⏸️ Paused: reminders stop and your deadlines wait for you. "
            "`/reminders resume` picks up where you left off."
        )
    days = done.shift_days
    return (
        f"🗓️ Re-planned from today: every open deadline moved {days} day"
        f"{'s' if days != 1 else ''} later, and what you checked off stays done. "
        "`/tasks` shows the new dates."
    )
