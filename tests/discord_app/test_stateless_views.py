"""Sent Views are not kept: every component is dispatched by its DynamicItem template.

discord.py keeps a View that is still listening when it is sent, and gives one sent with
an ephemeral reply a 15-minute timer; before this, each command answered with buttons left
a View, its items and a timer task alive for a quarter of an hour.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.coach_message import Button, WeeklyMessage
from bot.core.reminder import Status
from bot.discord_app.components.offers import weekly_controls
from bot.discord_app.components.pages import page_controls
from bot.discord_app.components.stateless import is_kept

BOT = Path(__file__).resolve().parents[2] / "bot"


def test_views_are_only_made_stopped() -> None:
    """Any View the bot sends is made by stateless_view(); `View.from_message` (reading a
    message's components) is allowed."""
    made = re.compile(r"\bui\.View\(")
    offenders = [
        f"{path.relative_to(BOT)}:{n}"
        for path in BOT.rglob("*.py")
        if path.name != "stateless.py"
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if made.search(line)
    ]
    assert offenders == []


async def test_a_stopped_view_still_sends_its_components() -> None:
    view = page_controls("backend-to-ml-engineer", 1, 3)
    assert not is_kept(view)
    components = view.to_components()
    assert components and components[0]["components"], "the buttons are still sent"
    message = WeeklyMessage(
        content="c",
        title="t",
        description="d",
        fields=(),
        footer="f",
        buttons=(Button("done", "p1-item", "Item"),),
        status=Status.ON_TRACK,
    )
    weekly = weekly_controls(7, message)
    assert not is_kept(weekly) and weekly.to_components()
