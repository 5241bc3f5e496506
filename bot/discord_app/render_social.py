"""Embeds for study groups and leaderboards. Public: hidden learners are never named, and
group names (chosen by members) are always shown through `escape_text`."""

from __future__ import annotations

import discord

from bot.core.deadlines import day_text
from bot.core.leaderboard import Metric, Period, Ranked, schedule_phrase
from bot.core.untrusted import escape_text
from bot.discord_app import limits
from bot.discord_app.formatting import fit_lines, shorten, ts
from bot.service.social import Board, GroupInfo, GroupSummary

COLOUR = discord.Colour.from_rgb(88, 101, 242)
MEDALS = {1: "🥇", 2: "🥈", 3: "🥉"}
TOP = 10


def _score(r: Ranked, metric: Metric) -> str:
    if metric is Metric.ON_SCHEDULE:
        return schedule_phrase(r.entry.score)
    return f"{int(r.entry.score)} points"


def board_embed(board: Board) -> discord.Embed:
    period = {Period.WEEK: "this week", Period.MONTH: "this month", Period.ALL: "all time"}[
        board.period
    ]
    metric = "points" if board.metric is Metric.POINTS else "on-schedule"
    embed = discord.Embed(
        title=shorten(f"Leaderboard · {board.title}", limits.EMBED_TITLE), colour=COLOUR
    )
    lines = [
        f"{MEDALS.get(r.rank, f'**#{r.rank}**')} <@{r.entry.user_id}> · {_score(r, board.metric)}"
        for r in board.public[:TOP]
    ]
    head = f"{shorten(board.scope, 250)} · {metric}, {period}"  # scope escapes the group name
    if board.since is not None:
        head += f" (since {ts(board.since, 'D')})"
    embed.description = head + "\n\n" + (fit_lines(lines, 3500) if lines else "No one yet.")
    hidden = board.hidden
    footer = "Ties share a rank; whoever got there first is listed first."
    if hidden:
        footer += (
            f" {hidden} learner{' is' if hidden == 1 else 's are'} not listed "
            "(`/me visibility shown` to appear)."
        )
    if board.metric is Metric.ON_SCHEDULE:
        footer += " On-schedule: items ahead or behind, from each learner's own start date."
    embed.set_footer(text=footer)
    return embed


def my_rank_text(board: Board) -> str | None:
    if board.mine is None:
        return "You are not on this board yet: enrol in its pathway (and group) to appear."
    r = board.mine
    text = f"Your position: **#{r.rank}** of {board.total} ({_score(r, board.metric)})."
    if board.caller_hidden:
        text += " Server-wide boards don't list you: `/me visibility shown` to appear."
    return text


def group_list_embed(groups: list[GroupSummary]) -> discord.Embed:
    embed = discord.Embed(title="Study groups", colour=COLOUR)
    lines = [
        f"**{escape_text(s.group.name, 80)}** · {shorten(s.pathway_title, 80)} · "
        f"{s.members} member{'s' if s.members != 1 else ''} · cohort from "
        f"{day_text(s.group.cohort_start)}"
        + (f" · <#{s.group.channel_id}>" if s.group.channel_id else "")
        for s in groups
    ]
    embed.description = fit_lines(lines, 4000) if lines else "No study groups yet."
    embed.set_footer(text="/group join name:<group> to join one")
    return embed


def group_info_embed(info: GroupInfo) -> discord.Embed:
    g = info.summary.group
    embed = discord.Embed(
        title=shorten(f"Study group: {escape_text(g.name, 80)}", limits.EMBED_TITLE),
        colour=COLOUR,
    )
    embed.add_field(name="Pathway", value=shorten(info.summary.pathway_title, 200), inline=False)
    embed.add_field(name="Cohort start", value=day_text(g.cohort_start), inline=True)
    if g.channel_id:
        embed.add_field(name="Channel", value=f"<#{g.channel_id}>", inline=True)
    names = [f"<@{uid}>" for uid in info.shown_member_ids]
    value = fit_lines(names, 1000) if names else "No listed members."
    if info.hidden_members:
        value += f"\n+ {info.hidden_members} who prefer not to be listed"
    embed.add_field(name=f"Members ({info.summary.members})", value=value, inline=False)
    return embed
