"""What a pathway reload reports, in words: for `/setup reload-pathways` and the log."""

from __future__ import annotations

from bot.core.registry import ReloadReport


def describe_reload(report: ReloadReport, limit: int = 10) -> str:
    parts = []
    for label, ids in (
        ("added", report.added),
        ("updated", report.updated),
        ("unchanged", report.unchanged),
        ("kept (failed to load now; the earlier version stays)", report.kept),
    ):
        if ids:
            parts.append(f"{label}: {', '.join(ids)}")
    text = "Pathways reloaded. " + ("; ".join(parts) or "No pathway files found.")
    if report.problems:
        shown = [str(p) for p in report.problems[:limit]]
        more = len(report.problems) - len(shown)
        n = len(report.problems)
        text += f"\n{n} problem{'s' if n != 1 else ''}:\n" + "\n".join(shown)
        if more:
            text += f"\n…and {more} more (run `python -m bot validate`)."
    return text
