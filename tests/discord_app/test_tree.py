"""`reply` never lets a private message fill a public "thinking" placeholder.

Discord posts the first follow-up after a public deferral *as* the placeholder, ignoring
its ephemeral flag. These stand-ins record what `reply` asks of Discord, in order.
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import discord
import pytest

from bot.discord_app.tree import PUBLIC_PLACEHOLDER, WITHDRAWN, reply


class FakeInteraction:
    def __init__(self, *, deferred_publicly: bool, delete_fails: int | None = None) -> None:
        self.calls: list[tuple[str, Any]] = []
        self.extras: dict[str, Any] = {PUBLIC_PLACEHOLDER: True} if deferred_publicly else {}
        self.delete_fails = delete_fails
        self.response = SimpleNamespace(is_done=lambda: True)
        self.followup = SimpleNamespace(send=self._send)

    async def _send(self, content: Any, **kwargs: Any) -> None:
        self.calls.append(("followup", (content, kwargs.get("ephemeral"))))

    async def delete_original_response(self) -> None:
        self.calls.append(("delete", None))
        if self.delete_fails is not None:
            response = SimpleNamespace(status=self.delete_fails, reason="")
            error = discord.NotFound if self.delete_fails == 404 else discord.HTTPException
            raise error(response, "")  # type: ignore[arg-type]

    async def edit_original_response(self, **kwargs: Any) -> None:
        self.calls.append(("edit", kwargs.get("content")))


async def test_a_private_reply_after_a_public_deferral_withdraws_the_placeholder() -> None:
    interaction = FakeInteraction(deferred_publicly=True)
    await reply(interaction, "⚠️ nope")  # type: ignore[arg-type]
    assert interaction.calls == [("delete", None), ("followup", ("⚠️ nope", True))]
    await reply(interaction, "second")  # type: ignore[arg-type]
    assert interaction.calls[-1] == ("followup", ("second", True))
    assert [c for c, _ in interaction.calls].count("delete") == 1


@pytest.mark.parametrize(("status", "edited"), [(404, False), (500, True)])
async def test_a_placeholder_that_cannot_be_deleted_is_emptied_first(
    status: int, edited: bool
) -> None:
    interaction = FakeInteraction(deferred_publicly=True, delete_fails=status)
    await reply(interaction, "⚠️ nope")  # type: ignore[arg-type]
    expected = [("delete", None), *([("edit", WITHDRAWN)] if edited else [])]
    assert interaction.calls == [*expected, ("followup", ("⚠️ nope", True))]


async def test_the_public_answer_fills_the_placeholder_and_private_ones_follow() -> None:
    interaction = FakeInteraction(deferred_publicly=True)
    await reply(interaction, "board", ephemeral=False)  # type: ignore[arg-type]
    await reply(interaction, "your rank")  # type: ignore[arg-type]
    assert interaction.calls == [
        ("followup", ("board", False)),
        ("followup", ("your rank", True)),
    ]


async def test_without_a_public_deferral_nothing_is_withdrawn() -> None:
    interaction = FakeInteraction(deferred_publicly=False)
    await reply(interaction, "⚠️ nope")  # type: ignore[arg-type]
    assert interaction.calls == [("followup", ("⚠️ nope", True))]


def test_public_deferrals_go_through_defer_publicly() -> None:
    """Any other public `defer(` would skip the placeholder bookkeeping `reply` relies on."""
    app = Path(__file__).resolve().parents[2] / "bot" / "discord_app"
    for path in sorted(app.rglob("*.py")):
        if path.name == "tree.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "defer"
            ):
                ephemeral = next((k.value for k in node.keywords if k.arg == "ephemeral"), None)
                private = isinstance(ephemeral, ast.Constant) and ephemeral.value is True
                assert private, f"{path.name}:{node.lineno} defers publicly: use defer_publicly"
