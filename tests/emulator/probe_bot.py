"""A minimal *real* discord.py client used to exercise the emulator.

It is deliberately small but touches every feature the emulator promises: typed options,
subcommands and groups, autocomplete, defers and follow-ups, buttons/selects, modals, DMs,
attachments, permission-gated commands and a command that answers too late. Commands that must
wait for the test use ``gates`` (asyncio.Event), and outcomes the test must inspect (exceptions
the bot caught) are stored in ``outcomes`` and announced through an event, so nothing sleeps.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from typing import Any

import discord
from discord import app_commands

from bot.emulator import Emulator
from bot.emulator.client_support import point_discord_at

TASKS = ["python basics", "pytest", "rust", "typescript"]


class PanelView(discord.ui.View):
    """Buttons and a select; custom ids are fixed so the view also works when persistent."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    @discord.ui.button(label="OK", custom_id="panel:ok", style=discord.ButtonStyle.primary)
    async def ok(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.edit_message(content=f"clicked by {interaction.user.name}")

    @discord.ui.button(label="Later", custom_id="panel:later")
    async def later(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await interaction.response.defer()
        await interaction.edit_original_response(content="updated later")

    @discord.ui.select(
        custom_id="panel:pick",
        max_values=2,
        options=[discord.SelectOption(label=x.upper(), value=x) for x in ("a", "b", "c")],
    )
    async def pick(self, interaction: discord.Interaction, select: discord.ui.Select[Any]) -> None:
        await interaction.response.send_message(f"picked {select.values}", ephemeral=True)


class FormModal(discord.ui.Modal, title="Tell us about you"):
    name: discord.ui.TextInput[Any] = discord.ui.TextInput(label="Name", custom_id="name")
    bio: discord.ui.TextInput[Any] = discord.ui.TextInput(
        label="Bio", custom_id="bio", style=discord.TextStyle.paragraph, required=False
    )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(f"hello {self.name.value} ({self.bio.value})")


class ProbeBot(discord.Client):
    """discord.Client + CommandTree; see module docstring."""

    def __init__(self, *, intents: discord.Intents | None = None) -> None:
        super().__init__(intents=intents or discord.Intents.default(), guild_ready_timeout=0.05)
        self.tree = app_commands.CommandTree(self)
        self.gates: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.outcomes: dict[str, Any] = {}
        self._outcome_events: defaultdict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self.received: list[discord.Message] = []
        self.message_event = asyncio.Event()
        self.resumed_count = 0
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        _register(self)

    def record(self, key: str, value: Any) -> None:
        self.outcomes[key] = value
        self._outcome_events[key].set()

    async def outcome(self, key: str) -> Any:
        """What the bot recorded under ``key`` (waits up to 5 s for it)."""
        async with asyncio.timeout(5.0):
            await self._outcome_events[key].wait()
        return self.outcomes[key]

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        name = interaction.command.name if interaction.command else "?"
        self.record(f"error:{name}", getattr(error, "original", error))

    async def on_message(self, message: discord.Message) -> None:
        self.received.append(message)
        self.message_event.set()

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py sleeps 5 s before every re-IDENTIFY to respect Discord's identify limit;
        the emulator does not enforce that limit, so skip the wait to keep tests fast."""

    async def on_resumed(self) -> None:
        self.resumed_count += 1

    async def wait_received(self, predicate: Callable[[discord.Message], bool]) -> discord.Message:
        """The first gateway message the bot received matching ``predicate`` (waits up to 5 s)."""
        async with asyncio.timeout(5.0):
            while True:
                for message in self.received:
                    if predicate(message):
                        return message
                self.message_event.clear()
                await self.message_event.wait()


def _register(bot: ProbeBot) -> None:
    tree = bot.tree

    @tree.command(description="Answer pong")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong")

    @tree.command(description="Echo text, optionally via a deferred follow-up")
    async def echo(interaction: discord.Interaction, text: str, followup: bool = False) -> None:
        if followup:
            await interaction.response.defer()
            await interaction.followup.send(text)
        else:
            await interaction.response.send_message(text)

    @tree.command(description="Report the option values and their Python types")
    async def types(
        interaction: discord.Interaction,
        s: str,
        i: int,
        n: float,
        b: bool,
        u: discord.User,
        c: discord.TextChannel,
        r: discord.Role | None = None,
    ) -> None:
        report = {
            "s": [s, type(s).__name__],
            "i": [i, type(i).__name__],
            "n": [n, type(n).__name__],
            "b": [b, type(b).__name__],
            "u": [u.id, type(u).__name__],
            "c": [c.id, type(c).__name__],
            "r": [r.id if r else None, type(r).__name__],
        }
        await interaction.response.send_message(json.dumps(report), ephemeral=True)

    @tree.command(description="Pick one of the choices")
    @app_commands.choices(
        level=[app_commands.Choice(name="Easy", value=1), app_commands.Choice(name="Hard", value=2)]
    )
    async def level(interaction: discord.Interaction, level: app_commands.Choice[int]) -> None:
        await interaction.response.send_message(f"level {level.value}")

    task = app_commands.Group(name="task", description="Tasks")
    admin_group = app_commands.Group(name="admin", description="Task admin", parent=task)

    @task.command(name="add", description="Add a task")
    async def task_add(interaction: discord.Interaction, title: str) -> None:
        await interaction.response.send_message(f"added {title}")

    @task.command(name="done", description="Complete a task")
    async def task_done(interaction: discord.Interaction, task: str) -> None:
        await interaction.response.send_message(f"done {task}")

    @task_done.autocomplete("task")
    async def task_autocomplete(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=t, value=t) for t in TASKS if t.startswith(current)]

    @admin_group.command(name="purge", description="Purge tasks")
    async def task_purge(interaction: discord.Interaction, confirm: bool) -> None:
        await interaction.response.send_message(f"purged {confirm}")

    tree.add_command(task)

    @tree.command(description="Managers only")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def admin(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("admin ok")

    @tree.command(description="Describe the invoker")
    async def whoami(interaction: discord.Interaction) -> None:
        info = {
            "manage_guild": interaction.permissions.manage_guild,
            "app_permissions": interaction.app_permissions.value,
            "guild_id": interaction.guild_id,
            "user_type": type(interaction.user).__name__,
            "locale": str(interaction.locale),
            "channel_type": type(interaction.channel).__name__,
        }
        await interaction.response.send_message(json.dumps(info), ephemeral=True)

    @tree.command(description="Defer, wait for the test, then follow up")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await bot.gates["slow"].wait()
        await interaction.followup.send("slow done")
        await interaction.followup.send("extra", ephemeral=True)

    @tree.command(description="Answer only after the test opens the gate")
    async def late(interaction: discord.Interaction) -> None:
        await bot.gates["late"].wait()
        try:
            await interaction.response.send_message("too late")
        except discord.HTTPException as exc:
            bot.record("late", exc)
        else:
            bot.record("late", None)

    @tree.command(description="Buttons and a select")
    async def panel(interaction: discord.Interaction, ephemeral: bool = False) -> None:
        await interaction.response.send_message("panel", view=PanelView(), ephemeral=ephemeral)

    @tree.command(description="Open a modal")
    async def form(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(FormModal())

    @tree.command(description="DM the invoker and report")
    async def dmme(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True)
        try:
            await interaction.user.send("hi there")
        except discord.Forbidden as exc:
            await interaction.followup.send(f"forbidden {exc.code}")
        else:
            await interaction.followup.send("sent")

    @tree.command(description="Reply with a CSV attachment")
    async def attach(interaction: discord.Interaction) -> None:
        data = io.BytesIO(b"task,done\npytest,yes\n")
        await interaction.response.send_message("report", file=discord.File(data, "report.csv"))

    @tree.command(description="Exercise @original and follow-up endpoints")
    async def lifecycle(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("v1")
        original = await interaction.original_response()
        await interaction.edit_original_response(content=f"v2 of {original.id}")
        extra = await interaction.followup.send("f1", wait=True)
        await extra.edit(content="f2")
        doomed = await interaction.followup.send("doomed", wait=True)
        await doomed.delete()
        bot.record("lifecycle", original.id)


@contextlib.asynccontextmanager
async def running(
    client: discord.Client, emu: Emulator, *, sync: bool = True
) -> AsyncIterator[None]:
    """Run ``client`` against ``emu`` until the block ends (ready, commands synced)."""
    with point_discord_at(emu.url):
        runner = asyncio.create_task(client.start(emu.token), name="probe-bot")
        ready = asyncio.create_task(client.wait_until_ready())
        try:
            done, _ = await asyncio.wait(
                {runner, ready}, timeout=10, return_when=asyncio.FIRST_COMPLETED
            )
            if runner in done:
                runner.result()
                raise AssertionError("client stopped before becoming ready")
            if ready not in done:
                raise AssertionError("client did not become ready within 10s")
            tree = getattr(client, "tree", None)
            if sync and tree is not None:
                await tree.sync()
            yield
        finally:
            ready.cancel()
            await client.close()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(runner, 10)
