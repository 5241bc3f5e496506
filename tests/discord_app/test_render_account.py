"""The export message counts exactly what the export holds, items gone from a pathway too."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core.pathway import ItemKind
from bot.discord_app.render_account import evidence_text, export_message
from bot.service.account import Evidence, Export, ExportSummary

AT = datetime(2026, 3, 2, tzinfo=UTC)


def test_every_completion_is_counted_and_listed() -> None:
    evidence = [
        Evidence("Pathway", "Read a book", ItemKind.TASK, AT),
        Evidence("Pathway", "old-item (no longer in the pathway)", None, AT),
    ]
    export = Export(
        {},
        evidence,
        ExportSummary(2, 2, 1, 1, {ItemKind.TASK: 1, None: 1}),
    )
    text = export_message(export)
    assert text.startswith("Here is everything stored about you: 2 enrolments, 2 completed items")
    assert "(1 roadmap task, 1 item no longer in its pathway)" in text
    assert "1 group membership, 1 study group you created" in text
    assert "the 2 completed items with their dates" in text
    assert evidence_text(export).count("\n") + 1 == 2
