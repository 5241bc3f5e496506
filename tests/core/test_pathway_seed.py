"""The seed pathway holds everything in its source text: losing any item fails here."""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.pathway import ItemKind, Pathway, Priority

SOURCE = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "pathway-source-000.txt"


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_counts_match_the_source(seed: Pathway) -> None:
    assert len(seed.transferable_skills.items) == 5
    assert len(seed.skills_to_learn.items) == 6
    assert len(seed.roadmap.phases) == 5
    assert sum(len(p.tasks) for p in seed.roadmap.phases) == 15
    assert sum(len(p.resources) for p in seed.roadmap.phases) == 13
    plan = seed.action_plan
    assert (len(plan.this_week), len(plan.this_month), len(plan.next_90_days)) == (3, 3, 3)
    rc = seed.reality_check
    assert len(rc.love) + len(rc.miss) + len(rc.challenges) == 12
    assert len(seed.faq) == 1


def test_header_fields(seed: Pathway) -> None:
    assert seed.from_role == "Backend Developer"
    assert seed.to_role == "Machine Learning Engineer"
    assert seed.difficulty == "Moderate"
    assert seed.timeline == "9-12 months"
    assert seed.salary_change == "+30%"
    assert seed.demand is not None and "Extremely high demand" in seed.demand
    assert [p.weeks for p in seed.roadmap.phases] == [6, 8, 6, 4, 4]
    assert [s.weeks for s in seed.skills_to_learn.items] == [10, 6, 8, 6, 4, 8]
    assert [s.priority for s in seed.skills_to_learn.items] == [
        Priority.IMPORTANT,
        Priority.IMPORTANT,
        Priority.CRITICAL,
        Priority.CRITICAL,
        Priority.NICE_TO_HAVE,
        Priority.NICE_TO_HAVE,
    ]


def test_every_checkable_item_has_a_unique_id(seed: Pathway) -> None:
    items = seed.items()
    kinds = [i.kind for i in items]
    assert kinds.count(ItemKind.ACTION) == 9
    assert kinds.count(ItemKind.TASK) == 15
    assert kinds.count(ItemKind.SKILL) == 6
    ids = [i.id for i in items]
    assert len(set(ids)) == len(ids) == 30


def test_every_sentence_of_the_source_is_in_the_file(seed: Pathway) -> None:
    """Each bullet and paragraph of the source appears verbatim (modulo whitespace)."""
    dumped = _norm(seed.model_dump_json())
    source = SOURCE.read_text(encoding="utf-8")
    bullets = [
        line.strip()[1:].strip() for line in source.splitlines() if line.strip().startswith("•")
    ]
    assert len(bullets) == 15 + 12 + 9
    for bullet in bullets:
        assert _norm(bullet) in dumped, bullet
    for skill in seed.skills_to_learn.items:
        assert _norm(skill.how_to_learn) in _norm(source)
    for ts in seed.transferable_skills.items:
        assert _norm(ts.description) in _norm(source)
    assert _norm(seed.overview) in _norm(source)
    assert _norm(seed.faq[0].answer) in _norm(source)
    resources = "".join(r.title for p in seed.roadmap.phases for r in p.resources)
    assert (
        "Kaggle competitions" in resources
        and "Cracking the Machine Learning Interview" in resources
    )
