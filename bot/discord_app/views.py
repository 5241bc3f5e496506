"""Persistent components: they work after a restart because everything they need is in the
custom_id (discord.py DynamicItem), and every click is checked against the clicking user.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import time
from typing import TYPE_CHECKING, Any

import discord

from bot.core.cadence import ItemState, ItemStatus, Plan
from bot.core.errors import Forbidden
from bot.core.focus import weekly_focus
from bot.core.models import CompletionSource, ReminderPrefs
from bot.core.snooze import SnoozeChoice, SnoozeKind
from bot.core.timeparse import parse_zone
from bot.discord_app import limits
from bot.discord_app.render_pathway import pathway_pages
from bot.discord_app.render_plan import plan_embed
from bot.discord_app.render_progress import done_message
from bot.discord_app.render_reminders import reminders_text, snoozed_text
from bot.discord_app.tree import report_error
from bot.service.account import RemindersView

if TYPE_CHECKING:
    from bot.discord_app.client import PathwayBot


def _bot(interaction: discord.Interaction[Any]) -> PathwayBot:
    return interaction.client  # type: ignore[no-any-return]


def item_label(s: ItemStatus, limit: int) -> str:
    return limits.shorten(s.item.text, limit)


class DoneButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pb:done:(?P<eid>[0-9]{1,20}):(?P<item>[a-z0-9-]{1,48})",
):
    def __init__(self, enrolment_id: int, item_id: str, label: str = "Mark done") -> None:
        super().__init__(
            discord.ui.Button(
                label=limits.shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.success,
                custom_id=f"pb:done:{enrolment_id}:{item_id}",
                emoji="✅",
            )
        )
        self.enrolment_id = enrolment_id
        self.item_id = item_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> DoneButton:
        return cls(int(match["eid"]), match["item"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            bot = _bot(interaction)
            outcome = await bot.learning.done_by_id(
                self.enrolment_id, interaction.user.id, self.item_id, CompletionSource.BUTTON
            )
            await interaction.response.send_message(done_message(outcome), ephemeral=True)
        except Exception as exc:  # every click gets an answer
            await report_error(interaction, exc)
            return
        from bot.discord_app.reminder_edit import show_done  # it builds DoneButtons itself

        await show_done(interaction, self.enrolment_id)


class TaskSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]],
    template=r"pb:sel:(?P<eid>[0-9]{1,20})",
):
    def __init__(self, enrolment_id: int, options: Sequence[discord.SelectOption] = ()) -> None:
        opts = list(options)[: limits.SELECT_OPTIONS] or [
            discord.SelectOption(label="(nothing open)", value="-")
        ]
        super().__init__(
            discord.ui.Select(
                custom_id=f"pb:sel:{enrolment_id}",
                placeholder="Check off items…",
                min_values=1,
                max_values=len(opts),
                options=opts,
            )
        )
        self.enrolment_id = enrolment_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> TaskSelect:
        return cls(int(match["eid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            bot = _bot(interaction)
            values = [v for v in self.item.values if v != "-"]
            if not values:
                await interaction.response.send_message("Nothing selected.", ephemeral=True)
                return
            lines = []
            for item_id in values[: limits.SELECT_OPTIONS]:
                outcome = await bot.learning.done_by_id(
                    self.enrolment_id, interaction.user.id, str(item_id), CompletionSource.SELECT
                )
                text = limits.shorten(outcome.status.item.text, 120)
                if outcome.created:
                    lines.append(f"✅ {text} (+{outcome.points})")
                else:
                    lines.append(f"☑️ {text} (already done)")
            last = outcome.view
            lines.append(
                f"Progress {limits.bar(last.progress.overall.done, last.progress.overall.total)}"
                f" · {last.progress.describe()} · {last.points} points"
            )
            await interaction.response.send_message("\n".join(lines), ephemeral=True)
        except Exception as exc:
            await report_error(interaction, exc)


def plan_controls(
    enrolment_id: int, plan: Plan, buttons: int = 5, *, select: bool = True
) -> discord.ui.View:
    """A task select of the open items, most urgent first, plus a ✅ button for each item of
    the week's focus: the same items the reminder DM offers."""
    statuses = plan.statuses
    open_items = [
        s for s in statuses if s.state in (ItemState.OVERDUE, ItemState.DUE_SOON, ItemState.OPEN)
    ]
    order = {ItemState.OVERDUE: 0, ItemState.DUE_SOON: 1, ItemState.OPEN: 2}
    open_items.sort(
        key=lambda s: (order[s.state], s.due_at is None, s.due_at.timestamp() if s.due_at else 0.0)
    )
    view = discord.ui.View(timeout=None)
    if not open_items:
        return view
    options = [
        discord.SelectOption(
            label=item_label(s, limits.SELECT_LABEL),
            value=s.item.id,
            # The state only: the label names the item, and its id is for the bot alone.
            description={
                ItemState.OVERDUE: "Overdue",
                ItemState.DUE_SOON: "Due within 7 days",
            }.get(s.state, "Open"),
        )
        for s in open_items[: limits.SELECT_OPTIONS]
    ]
    if select:
        view.add_item(TaskSelect(enrolment_id, options))
    for s in weekly_focus(plan)[:buttons]:
        view.add_item(DoneButton(enrolment_id, s.item.id, item_label(s, 40)))
    return view


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pb:page:(?P<pid>[a-z0-9-]{1,48}):(?P<n>[0-9]{1,3}):(?P<dir>prev|next)",
):
    def __init__(self, pathway_id: str, page: int, direction: str, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if direction == "prev" else "Next",
                emoji="◀️" if direction == "prev" else "▶️",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:page:{pathway_id}:{page}:{direction}",
                disabled=disabled,
            )
        )
        self.pathway_id = pathway_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(match["pid"], int(match["n"]), match["dir"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            pages = pathway_pages(_bot(interaction).registry.get(self.pathway_id))
            n = max(0, min(self.page, len(pages) - 1))
            await interaction.response.edit_message(
                embed=pages[n], view=page_controls(self.pathway_id, n, len(pages))
            )
        except Exception as exc:
            await report_error(interaction, exc)


def page_controls(pathway_id: str, page: int, total: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(pathway_id, max(page - 1, 0), "prev", disabled=page <= 0))
    view.add_item(
        PageButton(pathway_id, min(page + 1, total - 1), "next", disabled=page >= total - 1)
    )
    return view


class LeaveButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:leave:(?P<eid>[0-9]{1,20})"
):
    def __init__(self, enrolment_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Yes, leave this pathway",
                style=discord.ButtonStyle.danger,
                custom_id=f"pb:leave:{enrolment_id}",
            )
        )
        self.enrolment_id = enrolment_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> LeaveButton:
        return cls(int(match["eid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            bot = _bot(interaction)
            left = await bot.learning.leave(self.enrolment_id, interaction.user.id)
            found = bot.registry.find(left.pathway_id)
            name = found.pathway.name if found else left.pathway_id
            await interaction.response.edit_message(
                content=(
                    f"You left **{name}**. Reminders have stopped. Your progress is kept: "
                    "`/enroll` it again here to restore it."
                ),
                embed=None,
                view=None,
            )
        except Exception as exc:
            await report_error(interaction, exc)


class ForgetButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:forget:(?P<uid>[0-9]{1,20})"
):
    def __init__(self, user_id: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Yes, delete everything about me",
                style=discord.ButtonStyle.danger,
                custom_id=f"pb:forget:{user_id}",
            )
        )
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ForgetButton:
        return cls(int(match["uid"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            if interaction.user.id != self.user_id:
                raise Forbidden("Only the person who asked can confirm deleting their own data.")
            gone = await _bot(interaction).account.delete(self.user_id)
            await interaction.response.edit_message(
                content=(
                    "Deleted everything stored about you: "
                    f"{gone.enrolments} enrolment(s), {gone.completions} completion(s), "
                    f"{gone.memberships} group membership(s), {gone.deliveries} delivery record(s)."
                ),
                view=None,
            )
        except Exception as exc:
            await report_error(interaction, exc)


class ApplySettingsButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=(
        r"pb:apply:(?P<eid>[0-9]{1,20}):(?P<wd>[0-6]):(?P<hm>[0-9]{4}):"
        r"(?P<start>[0-9]{4}-[0-9]{2}-[0-9]{2}|-):(?P<tz>[A-Za-z0-9_+\-/]{1,40})"
    ),
):
    def __init__(self, enrolment_id: int, prefs: ReminderPrefs, start: str | None) -> None:
        hm = prefs.at.strftime("%H%M")
        super().__init__(
            discord.ui.Button(
                label="Apply these settings",
                style=discord.ButtonStyle.primary,
                custom_id=f"pb:apply:{enrolment_id}:{prefs.weekday}:{hm}:{start or '-'}:{prefs.tz}",
            )
        )
        self.enrolment_id = enrolment_id
        self.prefs = prefs
        self.start = start

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> ApplySettingsButton:
        hm = match["hm"]
        prefs = ReminderPrefs(match["tz"], int(match["wd"]), time(int(hm[:2]), int(hm[2:])))
        start = None if match["start"] == "-" else match["start"]
        return cls(int(match["eid"]), prefs, start)

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            view = await _bot(interaction).learning.apply_settings(
                self.enrolment_id, interaction.user.id, self.prefs, self.start
            )
            await interaction.response.edit_message(
                content="Settings applied: your reminders and plan are updated.",
                embed=plan_embed(view),
                view=plan_controls(view.enrolment.id, view.plan),
            )
        except Exception as exc:
            await report_error(interaction, exc)


_SNOOZE_KINDS = "|".join(k.value for k in SnoozeKind)
_SNOOZE_LABELS = {
    SnoozeKind.EVENING: "This evening",
    SnoozeKind.DAY: "Tomorrow, same time",
    SnoozeKind.WEEKEND: "Saturday",
}


class SnoozeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"pb:snooze:(?P<eid>[0-9]{{1,20}}):(?P<span>{_SNOOZE_KINDS})",
):
    """One snooze choice on a reminder DM. The choice is checked again when pressed (the
    button may be days old), then the reply says when the reminder comes and how to cancel."""

    def __init__(self, enrolment_id: int, span: SnoozeKind, label: str | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=limits.shorten(label or _SNOOZE_LABELS[span], limits.BUTTON_LABEL),
                emoji="💤",
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:snooze:{enrolment_id}:{span.value}",
            )
        )
        self.enrolment_id = enrolment_id
        self.span = span

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> SnoozeButton:
        return cls(int(match["eid"]), SnoozeKind(match["span"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            bot = _bot(interaction)
            snoozed = await bot.snoozing.snooze(
                self.enrolment_id, interaction.user.id, self.span.value
            )
            view = discord.ui.View(timeout=None)
            view.add_item(
                CancelSnoozeButton(snoozed.enrolment_id, snoozed.delivery_id, "Cancel this snooze")
            )
            await interaction.response.send_message(
                snoozed_text(snoozed.at, snoozed.next_regular), view=view, ephemeral=True
            )
        except Exception as exc:
            await report_error(interaction, exc)


def reminder_controls(
    enrolment_id: int, urgent: Sequence[ItemStatus], snooze: Sequence[SnoozeChoice] = ()
) -> discord.ui.View:
    """A ✅ button per focus item, then the snooze choices that fit this moment."""
    view = discord.ui.View(timeout=None)
    for s in urgent[:5]:
        view.add_item(DoneButton(enrolment_id, s.item.id, item_label(s, 40)))
    for choice in snooze:
        view.add_item(SnoozeButton(enrolment_id, choice.kind, choice.label))
    return view


class CancelSnoozeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"pb:unsnooze:(?P<eid>[0-9]{1,20}):(?P<did>[0-9]{1,20})",
):
    """Cancels one pending snooze. Offered where a snooze is shown: the reply to the snooze
    itself and `/reminders show`; only the learner whose enrolment it is can press it."""

    def __init__(self, enrolment_id: int, delivery_id: int, label: str = "Cancel snooze") -> None:
        super().__init__(
            discord.ui.Button(
                label=limits.shorten(label, limits.BUTTON_LABEL),
                style=discord.ButtonStyle.secondary,
                custom_id=f"pb:unsnooze:{enrolment_id}:{delivery_id}",
                emoji="🔕",
            )
        )
        self.enrolment_id = enrolment_id
        self.delivery_id = delivery_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CancelSnoozeButton:
        return cls(int(match["eid"]), int(match["did"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            view = await _bot(interaction).account.cancel_snooze(
                interaction.user.id, self.enrolment_id, self.delivery_id
            )
            await interaction.response.edit_message(
                content="🔕 Snooze cancelled.\n"
                + reminders_text(view.learner, view.enrolments, view.snoozes),
                view=snooze_controls(view),
            )
        except Exception as exc:
            await report_error(interaction, exc)


MAX_CANCEL_BUTTONS = 20


def snooze_controls(view: RemindersView) -> discord.ui.View | None:
    """A cancel button per pending snooze, labelled with its time in the learner's zone."""
    if not view.snoozes:
        return None
    zone = parse_zone(view.learner.prefs.tz)
    pathways = {e.id: e.pathway_id for e in view.enrolments}
    several = len({s.enrolment_id for s in view.snoozes}) > 1
    controls = discord.ui.View(timeout=None)
    for snooze in view.snoozes[:MAX_CANCEL_BUTTONS]:
        local = snooze.at.astimezone(zone)
        label = f"Cancel snooze: {local:%a} {local.day} {local:%b %H:%M}"
        if several:
            label += f" ({pathways.get(snooze.enrolment_id, '?')})"
        controls.add_item(CancelSnoozeButton(snooze.enrolment_id, snooze.delivery_id, label))
    return controls


class CancelButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"pb:cancel"):
    """Dismisses a confirmation; changes nothing, whoever presses it."""

    def __init__(self) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cancel", style=discord.ButtonStyle.secondary, custom_id="pb:cancel"
            )
        )

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any], match: re.Match[str]
    ) -> CancelButton:
        return cls()

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        try:
            await interaction.response.edit_message(
                content="Cancelled. Nothing changed.", embed=None, view=None
            )
        except Exception as exc:
            await report_error(interaction, exc)


def confirm_view(confirm: discord.ui.Item[Any]) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(confirm)
    view.add_item(CancelButton())
    return view


DYNAMIC_ITEMS: tuple[type[discord.ui.DynamicItem[Any]], ...] = (
    SnoozeButton,
    CancelSnoozeButton,
    CancelButton,
    DoneButton,
    TaskSelect,
    PageButton,
    LeaveButton,
    ForgetButton,
    ApplySettingsButton,
)
