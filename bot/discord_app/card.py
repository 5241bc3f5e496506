"""The `/progress` card: a PNG summary of a learner's progress, drawn with Pillow.

Pure and self-contained: it takes a :class:`CardData` and returns PNG bytes, so it does not
depend on the bot's domain model or on discord.py. The embed that accompanies the card
carries the same information as text, for accessibility; the card is a visual extra.

The card is an opaque dark slate with lighter rounded panels, which reads on Discord's dark
theme (#313338, the card is darker) and light theme (#ffffff). Shapes are drawn at twice the
output resolution and box-downscaled for smooth edges; text is drawn afterwards at output
resolution (FreeType anti-aliases it). The only font is Pillow's bundled scalable default
(Aileron), so no system fonts are needed. It covers ASCII only: accented letters are folded
("José" is drawn "Jose") and other scripts render as boxes.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.discord_app.card_canvas import (
    CURRENT,
    DARK_TEXT,
    FLAME_INNER,
    FLAME_OUTER,
    HEIGHT,
    MUTED,
    PANEL,
    RGB,
    TEXT,
    TRACK,
    TRACK_COLOURS,
    WIDTH,
    Anchor,
    Canvas,
    clamp_counts,
    clean_text,
    done_ratio,
    fill_colour,
    fit_shrinking,
    fit_text,
    percent_of,
    plural,
    text_width,
)

__all__ = ["HEIGHT", "WIDTH", "CardData", "render_progress_card"]


@dataclass(frozen=True)
class CardData:
    """Everything the card shows. Counts are clamped when drawn, so odd input is safe."""

    title: str
    learner: str | None
    week: int
    phases: Sequence[tuple[str, int, int, bool]] = field(default_factory=list)
    """(phase title, done, total, is current)"""
    horizons: Sequence[tuple[str, int, int]] = field(default_factory=list)
    """(label such as "This week", done, total)"""
    skills: tuple[int, int] = (0, 0)
    overall: tuple[int, int] = (0, 0)
    streak: int = 0
    track_label: str = "Just started"
    track_kind: str = "just started"
    """One of "on track", "ahead", "behind", "just started"; picks the status colour."""
    points: int = 0


M = 48  # outer margin
PAD = 32  # panel padding
GAP = 24  # between panels
HEADER_Y = 40
ROAD_TOP, ROAD_BOTTOM = 176, 452
ROW_TOP, ROW_BOTTOM = ROAD_BOTTOM + GAP, HEIGHT - M
COL1 = (M, M + 400)
COL3 = (WIDTH - M - 380, WIDTH - M)
COL2 = (COL1[1] + GAP, COL3[0] - GAP)


def _heading(c: Canvas, x: float, y: float, text: str) -> None:
    c.text((x, y), text.upper(), 24, MUTED)


def _draw_header(c: Canvas, card: CardData) -> None:
    kind = card.track_kind.strip().lower()
    pill_colour = TRACK_COLOURS.get(kind, TRACK_COLOURS["just started"])
    label = fit_text(clean_text(card.track_label) or "No status", 30, 480, bold=True)
    pill_w = text_width(label, 30, bold=True) + 2 * 28 + 28  # room for the status dot
    pill_h = 64
    px1 = WIDTH - M
    px0 = px1 - pill_w
    py0 = HEADER_Y + 6
    c.rect((px0, py0, px1, py0 + pill_h), pill_h / 2, pill_colour)
    dot_cx, dot_cy, r = px0 + 34, py0 + pill_h / 2, 8
    c.ellipse((dot_cx - r, dot_cy - r, dot_cx + r, dot_cy + r), DARK_TEXT)
    c.text((dot_cx + 20, dot_cy), label, 30, DARK_TEXT, anchor="lm", bold=True)

    title_w = px0 - M - 40
    title, size = fit_shrinking(
        clean_text(card.title) or "Your pathway", (56, 48, 42), title_w, bold=True
    )
    c.text((M, HEADER_Y + 38), title, size, TEXT, anchor="lm", bold=True)
    who = clean_text(card.learner or "") or "You"
    subtitle = f"{who} · Week {max(0, card.week)}"
    c.text((M, HEADER_Y + 100), fit_text(subtitle, 30, WIDTH - 2 * M), 30, MUTED, anchor="lm")


def _draw_roadmap(c: Canvas, card: CardData) -> None:
    x0, x1 = M, WIDTH - M
    c.rect((x0, ROAD_TOP, x1, ROAD_BOTTOM), 28, PANEL)
    _heading(c, x0 + PAD, ROAD_TOP + 26, "Roadmap")
    phases = list(card.phases)
    inner0, inner1 = x0 + PAD, x1 - PAD
    if not phases:
        c.text(
            ((x0 + x1) / 2, (ROAD_TOP + ROAD_BOTTOM) / 2 + 14),
            "No phases yet",
            32,
            MUTED,
            anchor="mm",
        )
        return

    current = next((i for i, p in enumerate(phases) if p[3]), None)
    if current is not None:
        summary = f"Now: phase {current + 1} of {len(phases)} · {clean_text(phases[current][0])}"
    else:
        complete = sum(1 for _, d, t, _ in phases if t > 0 and d >= t)
        summary = f"{complete} of {plural(len(phases), 'phase')} complete"
    c.text(
        (inner1, ROAD_TOP + 26),
        fit_text(summary, 26, (inner1 - inner0) * 0.75),
        26,
        TEXT,
        anchor="ra",
    )

    n = len(phases)
    seg_gap = 14 if n <= 8 else 8 if n <= 24 else 4 if n <= 60 else 0
    seg_w = (inner1 - inner0 - seg_gap * (n - 1)) / n
    named = seg_w >= 150  # wide enough for "1 · Name"; otherwise numbers only, centred
    label_size = 26 if n <= 10 else 22
    count_size = 24 if n <= 10 else 20
    bar_h = 36 if n <= 10 else 28
    label_y, bar_y0, count_y = ROAD_TOP + 112, ROAD_TOP + 150, ROAD_TOP + 226
    for i, (name, done, total, is_current) in enumerate(phases):
        sx0 = inner0 + i * (seg_w + seg_gap)
        sx1 = sx0 + seg_w
        cx = (sx0 + sx1) / 2
        d, t = clamp_counts(done, total)
        c.bar((sx0, bar_y0, sx1, bar_y0 + bar_h), d, t)
        if is_current:
            c.outline((sx0 - 6, bar_y0 - 6, sx1 + 6, bar_y0 + bar_h + 6), 24, CURRENT, 3)
            c.polygon([(cx - 11, bar_y0 - 24), (cx + 11, bar_y0 - 24), (cx, bar_y0 - 12)], CURRENT)
        anchor: Anchor = "ls" if named else "ms"
        lx = sx0 + 4 if named else cx
        label = f"{i + 1} · {clean_text(name)}" if named else str(i + 1)
        label = fit_text(label, label_size, seg_w - 8, bold=is_current)
        c.text(
            (lx, label_y - (10 if is_current else 0)),
            label,
            label_size,
            CURRENT if is_current else TEXT,
            anchor=anchor,
            bold=is_current,
        )
        count = f"{d}/{t}" if t else "-"
        if text_width(count, count_size) <= seg_w:
            c.text(
                (lx, count_y - (36 - bar_h)),
                count,
                count_size,
                TEXT if is_current else MUTED,
                anchor=anchor,
            )


def _draw_overall(c: Canvas, card: CardData) -> None:
    x0, x1 = COL1
    c.rect((x0, ROW_TOP, x1, ROW_BOTTOM), 28, PANEL)
    _heading(c, x0 + PAD, ROW_TOP + 26, "Overall")
    d, t = clamp_counts(*card.overall)
    cx, cy, r = (x0 + x1) / 2, ROW_TOP + 196, 112
    colour = fill_colour(d, t)
    c.ring((cx, cy), r, 26, done_ratio(d, t), colour)
    pct, size = fit_shrinking(f"{percent_of(d, t)}%", (64, 54), 2 * (r - 26) - 28, bold=True)
    c.text((cx, cy + 4), pct, size, TEXT, anchor="mm", bold=True)
    c.text((cx, ROW_BOTTOM - 40), f"{d} of {plural(t, 'item')} done", 26, MUTED, anchor="ms")


def _draw_action_plan(c: Canvas, card: CardData) -> None:
    x0, x1 = COL2
    c.rect((x0, ROW_TOP, x1, ROW_BOTTOM), 28, PANEL)
    _heading(c, x0 + PAD, ROW_TOP + 26, "Action plan")
    # The three horizons (more would not fit), then skills.
    rows = [(clean_text(label), d, t) for label, d, t in list(card.horizons)[:3]]
    rows.append(("Skills", *card.skills))
    inner0, inner1 = x0 + PAD, x1 - PAD
    top, bottom = ROW_TOP + 78, ROW_BOTTOM - 26
    step = (bottom - top) / max(len(rows), 4)
    for i, (label, done, total) in enumerate(rows):
        y = top + i * step
        is_skills = i == len(rows) - 1
        if is_skills and i:
            sep_y = y - 8
            c.rect((inner0, sep_y - 1, inner1, sep_y + 1), 1, TRACK)
            y += 6
        d, t = clamp_counts(done, total)
        count = f"{d}/{t}" if t else "none"
        count_w = text_width(count, 26) + 16
        c.text(
            (inner0, y + 20), fit_text(label, 28, inner1 - inner0 - count_w), 28, TEXT, anchor="ls"
        )
        c.text((inner1, y + 20), count, 26, MUTED, anchor="rs")
        c.bar((inner0, y + 32, inner1, y + 48), d, t)


def _draw_flame(c: Canvas, cx: float, base: float, h: float, lit: bool) -> None:
    """A simple flame: a teardrop (circle plus a pointed top), with a smaller inner one."""

    def drop(cx: float, base: float, h: float, colour: RGB) -> None:
        r = h * 0.34
        cy = base - r
        c.ellipse((cx - r, cy - r, cx + r, cy + r), colour)
        tip = (cx + r * 0.25, base - h)
        left = (cx - r * 0.98, cy - r * 0.2)
        right = (cx + r * 0.98, cy - r * 0.2)
        c.polygon(
            [left, (cx - r * 0.5, cy - r * 1.3), tip, (cx + r * 0.9, cy - r * 0.9), right], colour
        )

    outer = FLAME_OUTER if lit else TRACK
    inner = FLAME_INNER if lit else PANEL
    drop(cx, base, h, outer)
    drop(cx, base - h * 0.04, h * 0.55, inner)


def _draw_streak(c: Canvas, card: CardData) -> None:
    x0, x1 = COL3
    c.rect((x0, ROW_TOP, x1, ROW_BOTTOM), 28, PANEL)
    _heading(c, x0 + PAD, ROW_TOP + 26, "Streak")
    streak = max(0, card.streak)
    _draw_flame(c, x0 + PAD + 52, ROW_TOP + 230, 138, streak > 0)
    number = str(streak)
    size = 96 if len(number) <= 3 else 64
    tx = x0 + PAD + 124
    c.text(
        (tx, ROW_TOP + 190),
        fit_text(number, size, x1 - PAD - tx, bold=True),
        size,
        TEXT,
        anchor="ls",
        bold=True,
    )
    unit = "week in a row" if streak == 1 else "weeks in a row"
    c.text((tx, ROW_TOP + 232), unit, 26, MUTED, anchor="ls")
    points = max(0, card.points)
    c.rect((x0 + PAD, ROW_BOTTOM - 100, x1 - PAD, ROW_BOTTOM - 30), 20, TRACK)
    c.text(
        ((x0 + x1) / 2, ROW_BOTTOM - 65),
        fit_text(plural(points, "point"), 30, x1 - x0 - 2 * PAD - 24, bold=True),
        30,
        TEXT,
        anchor="mm",
        bold=True,
    )


def render_progress_card(card: CardData) -> bytes:
    """Draw `card` as a 1600x900 opaque PNG and return its bytes."""
    c = Canvas()
    _draw_header(c, card)
    _draw_roadmap(c, card)
    _draw_overall(c, card)
    _draw_action_plan(c, card)
    _draw_streak(c, card)
    out = io.BytesIO()
    c.finish().save(out, format="PNG", optimize=False)
    return out.getvalue()
