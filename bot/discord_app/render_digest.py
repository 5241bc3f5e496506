"""The weekly channel digest: the week of a study group or a pathway cohort, in one embed.

It says who finished what (visible members only), how many are on schedule or behind, where
everyone is, and the next shared milestone. Scores carry their unit ("30 points").
"""

from __future__ import annotations

import discord

from bot.delivery.ports import DigestContent
from bot.discord_app import limits
from bot.discord_app.formatting import fit_lines, shorten

COLOUR = discord.Colour.from_rgb(88, 101, 242)
FIELD_BUDGET = limits.FIELD_VALUE - 24


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def digest_embed(d: DigestContent) -> discord.Embed:
    embed = discord.Embed(title=shorten(d.title, limits.EMBED_TITLE), colour=COLOUR)
    standing = f"{d.on_schedule} on schedule · {d.behind} behind"
    embed.description = f"{shorten(d.pathway_title, 200)}\n{standing}"
    if d.finished:
        lines = []
        for user_id, texts in d.finished:
            shown = ", ".join(shorten(t, 60) for t in texts[:3])
            more = f" and {len(texts) - 3} more" if len(texts) > 3 else ""
            lines.append(f"• <@{user_id}> finished {shown}{more}")
        embed.add_field(
            name="✅ Finished this week", value=fit_lines(lines, FIELD_BUDGET), inline=False
        )
    else:
        embed.add_field(name="✅ Finished this week", value="Nothing yet this week.", inline=False)
    if d.week_focus:
        embed.add_field(
            name="This week's focus",
            value=fit_lines([f"• {x}" for x in d.week_focus], FIELD_BUDGET),
            inline=False,
        )
    if d.phases:
        embed.add_field(
            name="Where everyone is", value=fit_lines(d.phases, FIELD_BUDGET), inline=False
        )
    notes = [f"• {m}" for m in d.milestones]
    if d.next_milestone:
        notes.append(f"• Next together: {d.next_milestone}")
    if notes:
        embed.add_field(name="🏁 Milestones", value=fit_lines(notes, FIELD_BUDGET), inline=False)
    if d.leaderboard:
        rows = [
            f"**#{rank}** <@{uid}> · {_plural(int(score), 'point', 'points')}"
            for rank, uid, score in d.leaderboard
        ]
        embed.add_field(name="Points", value=fit_lines(rows, FIELD_BUDGET), inline=False)
    hidden = (
        f" ({_plural(d.hidden_members, 'is', 'are')} not listed: `/me visibility shown` to appear)"
        if d.hidden_members
        else ""
    )
    embed.set_footer(text=f"{_plural(d.members, 'learner', 'learners')}{hidden}")
    return embed
