"""The `/cohort` chart: completions per week against the plan's expected line, and how many
learners are on track, behind, paused and complete. A 1600x900 opaque PNG drawn with Pillow.

Opaque on the progress card's dark slate, with a lighter border, so it reads the same on
Discord's dark and light themes (a transparent chart would lose its text on one of them).
Colours differ in lightness as well as hue, and every figure is also printed as a number.
No learner is named: the chart only ever shows counts.
"""

from __future__ import annotations

import io
import math

from PIL import ImageDraw

from bot.core.cohort import STATUS_ORDER, CohortStatus, CohortSummary
from bot.discord_app.card_canvas import (
    BG,
    HEIGHT,
    MUTED,
    PANEL,
    SUPERSAMPLE,
    TEXT,
    TRACK,
    WIDTH,
    Canvas,
    clean_text,
    fit_shrinking,
    load_font,
    plural,
)

RGB = tuple[int, int, int]
BAR: RGB = (116, 130, 255)  # completions: light blurple
EXPECTED: RGB = (255, 214, 102)  # the plan's line: amber, brighter than the bars
BORDER: RGB = (78, 84, 112)
STATUS_COLOURS: dict[CohortStatus, RGB] = {
    CohortStatus.ON_TRACK: (87, 242, 135),
    CohortStatus.BEHIND: (250, 140, 60),
    CohortStatus.PAUSED: (150, 157, 180),
    CohortStatus.COMPLETE: (72, 214, 226),
}

PAD = 48
CHART = (PAD + 70, 230, 1080, HEIGHT - 100)  # plot area: left, top, right, bottom
SIDE = (1130, 150, WIDTH - PAD, HEIGHT - PAD)  # the status panel


def _nice_max(value: float) -> int:
    """A round axis maximum at or above `value` (at least 4), so gridlines fall on integers."""
    top = max(4.0, value * 1.1)
    step = 10.0 ** math.floor(math.log10(top))
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= top:
            return math.ceil(m * step)
    return math.ceil(top)


def _line(c: Canvas, points: list[tuple[float, float]], colour: RGB, width: float) -> None:
    scaled = [(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points]
    c.shapes.line(scaled, fill=colour, width=round(width * SUPERSAMPLE), joint="curve")


def chart_png(summary: CohortSummary) -> bytes:
    c = Canvas()
    c.outline((1, 1, WIDTH - 2, HEIGHT - 2), 0, BORDER, 2)
    title, size = fit_shrinking(
        clean_text(f"Cohort · {summary.title}"), (52, 44, 36), WIDTH - 2 * PAD, bold=True
    )
    c.text((PAD, PAD), title, size, TEXT, bold=True)
    c.text(
        (PAD, PAD + 66),
        f"{plural(summary.total, 'learner')} · weeks start Monday · "
        f"as of {summary.at.strftime('%d %b %Y').lstrip('0')}",
        28,
        MUTED,
    )
    labels = _weeks(c, summary)
    _statuses(c, summary)
    img = c.finish()
    draw = ImageDraw.Draw(img)
    for xy, text in labels:  # bar values last, with a halo: the expected line may cross them
        draw.text(
            xy, text, font=load_font(24), fill=TEXT, anchor="ms", stroke_width=5, stroke_fill=BG
        )
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()


def _weeks(c: Canvas, summary: CohortSummary) -> list[tuple[tuple[float, float], str]]:
    left, top, right, bottom = CHART
    weeks = summary.weeks
    peak = max([w.completions for w in weeks] + [w.expected for w in weeks] + [0])
    y_max = _nice_max(peak)
    height = bottom - top

    def y_of(v: float) -> float:
        return bottom - height * min(v, y_max) / y_max

    for i in range(5):  # gridlines and their values
        v = y_max * i / 4
        y = y_of(v)
        c.rect((left, y - 1, right, y + 1), 0, TRACK)
        label = f"{v:g}" if v != int(v) else str(int(v))
        c.text((left - 14, y), label, 24, MUTED, anchor="rm")
    n = max(1, len(weeks))
    slot = (right - left) / n
    bar_w = min(64.0, slot * 0.6)
    step = max(1, math.ceil(n / 8))  # at most 8 date labels
    centres: list[tuple[float, float]] = []
    labels: list[tuple[tuple[float, float], str]] = []
    for i, w in enumerate(weeks):
        cx = left + slot * (i + 0.5)
        if w.completions:
            c.rect((cx - bar_w / 2, y_of(w.completions), cx + bar_w / 2, bottom), 6, BAR)
            labels.append(((cx, y_of(w.completions) - 8), str(w.completions)))
        centres.append((cx, y_of(w.expected)))
        if i == n - 1:
            c.text((cx, bottom + 16), "this week", 24, MUTED, anchor="ma")
            c.text((cx, bottom + 44), "(so far)", 22, MUTED, anchor="ma")
        elif (i % step == 0 and i < n - step // 2 - 1) or i == 0:
            label = f"{w.first_day.day} {w.first_day.strftime('%b')}"
            c.text((cx, bottom + 16), label, 24, MUTED, anchor="ma")
    if len(centres) > 1:
        _line(c, centres, EXPECTED, 5)
    for x, y in centres:
        c.ellipse((x - 8, y - 8, x + 8, y + 8), EXPECTED)
    # Legend, between the subtitle and the plot.
    ly = 176
    c.rect((left, ly - 12, left + 28, ly + 12), 5, BAR)
    c.text((left + 40, ly), "items completed that week", 26, TEXT, anchor="lm")
    lx = left + 420
    _line(c, [(lx, ly), (lx + 40, ly)], EXPECTED, 5)
    c.ellipse((lx + 12, ly - 8, lx + 28, ly + 8), EXPECTED)
    c.text((lx + 54, ly), "expected by the plan (all learners)", 26, TEXT, anchor="lm")
    return labels


def _statuses(c: Canvas, summary: CohortSummary) -> None:
    x0, y0, x1, y1 = SIDE
    c.rect((x0, y0, x1, y1), 18, PANEL)
    c.text((x0 + 28, y0 + 28), "Learners now", 32, TEXT, bold=True)
    total = max(1, sum(summary.counts.values()))
    y = y0 + 96
    for status in STATUS_ORDER:
        n = summary.counts.get(status, 0)
        colour = STATUS_COLOURS[status]
        c.rect((x0 + 28, y, x0 + 56, y + 28), 6, colour)
        c.text((x0 + 72, y + 14), status.value.capitalize(), 30, TEXT, anchor="lm")
        c.text((x1 - 28, y + 14), str(n), 34, TEXT, anchor="rm", bold=True)
        bar_y = y + 44
        c.rect((x0 + 28, bar_y, x1 - 28, bar_y + 12), 6, TRACK)
        if n:
            width = (x1 - x0 - 56) * min(1.0, n / total)
            c.rect((x0 + 28, bar_y, x0 + 28 + max(12.0, width), bar_y + 12), 6, colour)
        y += 100
    hidden = summary.hidden
    note = (
        f"{plural(hidden, 'learner')} not shown: counted here, never named."
        if hidden
        else "Everyone here is listed in the CSV."
    )
    for i, line in enumerate(_wrap(note, 30)):
        c.text((x0 + 28, y + 10 + i * 34), line, 24, MUTED)


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines
