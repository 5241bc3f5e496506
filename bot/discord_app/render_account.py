"""Replies about the learner's own data (`/me export`): stated from the export's own counts,
so the message says exactly what the attached files hold."""

from __future__ import annotations

from bot.core.pathway import ItemKind
from bot.service.account import Export

EXPORT_JSON = "pathway-bot-export.json"
EVIDENCE_TXT = "completed-items.txt"

KIND_NAMES: dict[ItemKind | None, tuple[str, str]] = {
    ItemKind.TASK: ("roadmap task", "roadmap tasks"),
    ItemKind.ACTION: ("action-plan item", "action-plan items"),
    ItemKind.SKILL: ("skill", "skills"),
    None: ("item no longer in its pathway", "items no longer in their pathway"),
}


def count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def export_message(export: Export) -> str:
    s = export.summary
    kinds = [
        count(s.by_kind[kind], *KIND_NAMES[kind]) for kind in KIND_NAMES if s.by_kind.get(kind)
    ]
    done = count(s.completions, "completed item")
    if kinds:
        done += f" ({', '.join(kinds)})"
    facts = [count(s.enrolments, "enrolment"), done, count(s.memberships, "group membership")]
    if s.groups_created:
        facts.append(count(s.groups_created, "study group", "study groups") + " you created")
    listed = (
        f"the {count(s.completions, 'completed item')} with their dates"
        if s.completions
        else "nothing yet: you have not completed an item"
    )
    return (
        f"Here is everything stored about you: {', '.join(facts)}.\n"
        f"• `{EVIDENCE_TXT}`: {listed}\n"
        f"• `{EXPORT_JSON}`: all of it, as JSON"
    )


def evidence_text(export: Export) -> str:
    """The attached list of completed items, one line per exported completion."""
    lines = [
        f"{ev.completed_at.date().isoformat()}  {ev.pathway_title}: {ev.item_text}"
        for ev in export.evidence
    ]
    return "\n".join(lines) or "Nothing completed yet."
