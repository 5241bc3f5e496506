"""Embeds for `/pathways`: the list, and one pathway's pages (overview, skills, phases, ...).

Each page is one embed within Discord's limits; long sections become more pages rather than
being cut, and nothing is shortened mid-item except a single over-long label.
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from bot.core.loader import LoadedPathway
from bot.core.pathway import Pathway, Priority
from bot.discord_app import formatting, limits

COLOUR = discord.Colour.from_rgb(88, 101, 242)
PRIORITY_LABEL = {
    Priority.CRITICAL: "Critical",
    Priority.IMPORTANT: "Important",
    Priority.NICE_TO_HAVE: "Nice to have",
}


def pathway_list(loaded: Sequence[LoadedPathway]) -> discord.Embed:
    embed = discord.Embed(title="Available pathways", colour=COLOUR)
    lines = []
    for lp in loaded:
        p = lp.pathway
        lines.append(
            f"**{p.title}**\n`{p.id}` · {p.from_role} → {p.to_role} · {p.difficulty} · "
            f"{p.timeline} · {len(p.items())} items"
        )
    embed.description = formatting.fit_lines(lines or ["No pathways are loaded."], 4000)
    embed.set_footer(text="Use /pathways pathway:<id> for details, /enroll to start one.")
    return embed


def _page(title: str, body: list[str], pathway: Pathway) -> discord.Embed:
    embed = discord.Embed(
        title=formatting.shorten(title, limits.EMBED_TITLE),
        description=formatting.fit_lines(body, limits.EMBED_DESCRIPTION - 96),
        colour=COLOUR,
    )
    embed.set_author(name=formatting.shorten(pathway.name, 256))  # the full title is on page 1
    return embed


def _chunks(lines: list[str], limit: int) -> list[list[str]]:
    """Split whole lines into groups that each fit `limit` characters."""
    pages: list[list[str]] = [[]]
    used = 0
    for line in lines:
        line = line if len(line) <= limit else formatting.shorten(line, limit)
        if pages[-1] and used + len(line) + 1 > limit:
            pages.append([])
            used = 0
        pages[-1].append(line)
        used += len(line) + 1
    return pages


def pathway_pages(pathway: Pathway) -> list[discord.Embed]:
    """The pathway's whole content, as pages a reader turns with buttons."""
    p = pathway
    overview = [
        f"**{p.title}**" if p.name != p.title else "",
        f"**{p.from_role} → {p.to_role}**",
        f"Difficulty: **{p.difficulty}** · Timeline: **{p.timeline}**"
        + (f" · Salary change: **{p.salary_change}**" if p.salary_change else ""),
    ]
    overview = [line for line in overview if line]
    if p.demand:
        overview.append(f"Demand: {p.demand}")
    overview += ["", p.overview]
    pages = [_page("Overview", overview, p)]

    skills = []
    if p.transferable_skills.intro:
        skills.append(f"*{p.transferable_skills.intro}*")
    skills += [f"**{s.name}**: {s.description}" for s in p.transferable_skills.items]
    for chunk in _chunks(skills, 3800):
        pages.append(_page("Your transferable skills", chunk, p))

    learn = []
    if p.skills_to_learn.intro:
        learn.append(f"*{p.skills_to_learn.intro}*")
    learn += [
        f"**{s.name}** ({PRIORITY_LABEL[s.priority]}, {s.weeks} weeks)\n{s.how_to_learn}"
        for s in p.skills_to_learn.items
    ]
    for chunk in _chunks(learn, 3800):
        pages.append(_page("Skills you'll need to learn", chunk, p))

    week = 0
    for i, ph in enumerate(p.roadmap.phases, start=1):
        body = [f"Weeks {week + 1} to {week + ph.weeks} ({ph.weeks} weeks)"]
        week += ph.weeks
        if ph.focus:
            body.append(f"Focus: {ph.focus}")
        body.append("**Tasks**")
        body += [f"• {t.text}" for t in ph.tasks]  # by name: `/done` autocompletes names
        if ph.resources:
            body.append("**Resources**")
            body += [f"• {r.title}" + (f" <{r.url}>" if r.url else "") for r in ph.resources]
        title = f"Phase {i} of {len(p.roadmap.phases)}: {ph.title}"
        for chunk in _chunks(body, 3800):
            pages.append(_page(title, chunk, p))

    plan = []
    if p.action_plan.intro:
        plan.append(f"*{p.action_plan.intro}*")
    for horizon, tasks in p.action_plan.by_horizon().items():
        if tasks:
            plan.append(f"**{horizon.label}**")
            plan += [f"• {t.text}" for t in tasks]
    if len(plan) > 1:
        for chunk in _chunks(plan, 3800):
            pages.append(_page("Action plan", chunk, p))

    rc = p.reality_check
    reality = [f"*{rc.intro}*"] if rc.intro else []
    for label, entries in (
        ("What you'll love", rc.love),
        ("What you might miss", rc.miss),
        ("Biggest challenges", rc.challenges),
    ):
        if entries:
            reality.append(f"**{label}**")
            reality += [f"• {e}" for e in entries]
    if len(reality) > 1:
        for chunk in _chunks(reality, 3800):
            pages.append(_page("Reality check", chunk, p))

    faq = [f"**{f.question}**\n{f.answer}" for f in p.faq]
    if p.closing:
        faq.append(f"**{p.closing.title}**\n{p.closing.text}")
    if faq:
        for chunk in _chunks(faq, 3800):
            pages.append(_page("FAQ", chunk, p))

    for n, page in enumerate(pages, start=1):
        page.set_footer(text=f"Page {n} of {len(pages)} · /enroll pathway:{p.id} to start")
    return pages
