"""Text helpers for replies: Discord timestamps, shortening at word boundaries, fitting
whole lines into a limit, and progress bars. They summarise; they never cut mid-item."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime


def ts(instant: datetime, style: str = "R") -> str:
    """A Discord timestamp: every viewer sees it in their own local time."""
    return f"<t:{int(instant.timestamp())}:{style}>"


def shorten(text: str, limit: int) -> str:
    """Fit one label into `limit` characters, ending with an ellipsis when shortened.

    The cut falls between words: a label ending "Jupy…" reads as a typo, so a shorter label
    that ends on a whole word is better. Only a first word longer than the whole room is
    cut inside itself, because there is no boundary to use.
    """
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " ":  # the next character continues the last word: drop it
        space = cut.rfind(" ")
        if space > 0:
            cut = cut[:space]
    return cut.rstrip(" ,;:-(") + "…"


def fit_lines(lines: Sequence[str], limit: int, more: str = "…and {n} more") -> str:
    """Join whole lines within `limit`; what does not fit becomes one 'and N more' line."""
    out: list[str] = []
    used = 0
    for i, line in enumerate(lines):
        remaining = len(lines) - i
        tail = "\n" + more.format(n=remaining) if remaining > 1 else ""
        cost = len(line) + (1 if out else 0)
        if used + cost + len(tail) <= limit or (remaining == 1 and used + cost <= limit):
            out.append(line)
            used += cost
        else:
            out.append(more.format(n=remaining))
            break
    return "\n".join(out)


def bar(done: int, total: int, width: int = 10) -> str:
    """A text progress bar that reads in both themes and in screen readers' plain text."""
    filled = round(width * done / total) if total else 0
    percent = round(100 * done / total) if total else 0
    return f"`{'█' * filled}{'░' * (width - filled)}` {done}/{total} ({percent}%)"
