"""`tasks_embed` in-process: the focus is short, "Everything" lists every item, and many
pathways together still fit one message (Discord: 6,000 characters, 25 fields an embed)."""

from __future__ import annotations

import discord

from bot.core.pathway import Pathway
from bot.discord_app import limits
from bot.discord_app.render_items import item_line
from bot.discord_app.render_tasks import ALL_GROUPS, tasks_embed
from tests.discord_app.plans import learner_plan


def length(embed: discord.Embed) -> int:
    return len(embed)  # discord.py's Embed.__len__ is Discord's embed length


def text_of(embeds: list[discord.Embed]) -> str:
    parts = []
    for e in embeds:
        parts += [e.title or "", e.description or "", e.footer.text or ""]
        parts += [f"{f.name}\n{f.value}" for f in e.fields]
    return "\n".join(parts)


def test_the_default_is_the_focus_in_under_1100_characters(seed: Pathway) -> None:
    for days, done in ((0, []), (150, ["week-jupyter-setup"]), (255, []), (400, [])):
        (embed,) = tasks_embed([learner_plan(seed, days, done)], None)
        assert length(embed) < 1100, (days, length(embed))
        assert embed.fields[0].name == "This week's focus"
        assert len((embed.fields[0].value or "").splitlines()) <= 5


def test_everything_lists_every_item_by_name_and_never_an_id(seed: Pathway) -> None:
    (embed,) = tasks_embed([learner_plan(seed, 150)], "all")
    text = text_of([embed])
    for item in seed.items():
        assert item.text in text, item.text
        assert item.id not in text
    assert "more" not in text.split("Also")[0]  # nothing summarised away
    assert length(embed) <= limits.EMBED_TOTAL
    assert all(len(f.value or "") <= limits.FIELD_VALUE for f in embed.fields)


def test_many_pathways_at_once_stay_within_one_message(seed: Pathway) -> None:
    for count in (2, 3, 5, 10):
        views = [learner_plan(seed, 150, enrolment_id=i + 1) for i in range(count)]
        for horizon in (None, "week", "month", "90d", "phase", "all"):
            embeds = tasks_embed(views, horizon)
            assert len(embeds) == count
            total = sum(length(e) for e in embeds)
            assert total <= limits.EMBED_TOTAL, (count, horizon, total)
            for e in embeds:
                assert len(e.fields) <= limits.EMBED_FIELDS
                assert all(len(f.value or "") <= limits.FIELD_VALUE for f in e.fields)
        # What a crowded "Everything" leaves out is counted, never silently dropped.
        text = text_of(tasks_embed(views, "all"))
        plan = views[0].plan
        for title, state in ALL_GROUPS:
            n = sum(1 for s in plan.statuses if s.state is state)
            if n == 0:  # an empty group leaves nothing out (issue 21's layout: none due soon)
                continue
            assert f"{title} ({n})" in text or f"{title}: {n}" in text, (count, title)
        if count in (3, 5):
            assert "more" in text


def test_an_item_line_names_the_item_without_its_id(seed: Pathway) -> None:
    plan = learner_plan(seed, 10).plan
    for s in plan.statuses:
        line = item_line(s, zone=plan.zone)
        assert s.item.id not in line and s.item.text[:20] in line
