"""Views that discord.py does not keep after sending.

Every component of ours is a DynamicItem: a click is dispatched by its custom_id template,
registered once at startup, so the View a message was sent with is never needed again.
discord.py keeps any View still "listening" after a send, and gives one sent with an
ephemeral reply a 15-minute timeout: each answered command then left a View, its items and a
timer task alive for a quarter of an hour (600 of them after 1,600 commands, measured), which
the cyclic collector walked on every full pass. A View that is already stopped is sent just
the same and kept by nobody.
"""

from __future__ import annotations

from typing import Any

import discord


def stateless_view() -> discord.ui.View:
    """An empty View to fill with DynamicItems and send; discord.py will not store it."""
    view = discord.ui.View(timeout=None)
    view.stop()
    return view


def is_kept(view: discord.ui.View | Any) -> bool:
    """Whether discord.py would keep this View after a send (for tests)."""
    return isinstance(view, discord.ui.View) and not view.is_finished()
