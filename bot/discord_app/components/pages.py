"""Paging through a pathway in /pathways."""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.discord_app.components.base import Answered, bot_of
from bot.discord_app.components.stateless import stateless_view
from bot.discord_app.render_pathway import pathway_pages


class PageButton(
    Answered,
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

    async def on_click(self, interaction: discord.Interaction[Any]) -> None:
        pages = pathway_pages(bot_of(interaction).registry.get(self.pathway_id))
        n = max(0, min(self.page, len(pages) - 1))
        await interaction.response.edit_message(
            embed=pages[n], view=page_controls(self.pathway_id, n, len(pages))
        )


def page_controls(pathway_id: str, page: int, total: int) -> discord.ui.View:
    view = stateless_view()
    view.add_item(PageButton(pathway_id, max(page - 1, 0), "prev", disabled=page <= 0))
    view.add_item(
        PageButton(pathway_id, min(page + 1, total - 1), "next", disabled=page >= total - 1)
    )
    return view
