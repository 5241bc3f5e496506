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
import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

__all__ = ["HEIGHT", "WIDTH", "CardData", "render_progress_card"]

WIDTH = 1600
HEIGHT = 900
_SS = 2  # supersampling factor for shapes

RGB = tuple[int, int, int]

BG: RGB = (24, 27, 38)
PANEL: RGB = (34, 38, 54)
TRACK: RGB = (58, 63, 86)
TEXT: RGB = (242, 243, 247)
MUTED: RGB = (170, 177, 196)
FILL: RGB = (116, 130, 255)  # progress in flight (a light blurple)
DONE: RGB = (87, 242, 135)  # complete
CURRENT: RGB = (255, 214, 102)  # the current phase's outline and marker
FLAME_OUTER: RGB = (255, 122, 69)
FLAME_INNER: RGB = (255, 209, 102)
DARK_TEXT: RGB = (17, 18, 23)

TRACK_COLOURS: dict[str, RGB] = {
    "on track": (87, 242, 135),
    "ahead": (72, 214, 226),
    "behind": (250, 176, 60),
    "just started": (160, 170, 255),
}

Anchor = Literal["la", "ra", "ma", "lm", "rm", "mm", "ls", "rs", "ms", "lb", "rb", "mb"]


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


def _clamp(done: int, total: int) -> tuple[int, int]:
    total = max(0, int(total))
    return max(0, min(int(done), total)), total


def _ratio(done: int, total: int) -> float:
    d, t = _clamp(done, total)
    return d / t if t else 0.0


def _percent(done: int, total: int) -> int:
    d, t = _clamp(done, total)
    if not t:
        return 0
    pct = math.floor(100 * d / t)  # so 100% means all done
    return max(pct, 1) if d else pct


def _fill_colour(done: int, total: int) -> RGB:
    d, t = _clamp(done, total)
    return DONE if t and d >= t else FILL


@lru_cache(maxsize=32)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


_SUBSTITUTES = {  # dashes, bullet, multiplication sign, sharp s, euro, arrows
    "\u2013": "-",
    "\u2014": "-",
    "\u2212": "-",
    "\u2022": "\u00b7",
    "\u00d7": "x",
    "\u00df": "ss",
    "\u20ac": "EUR",
    "\u2192": "->",  # the seed's short title is "Backend → ML Engineer"
    "\u2190": "<-",
    "\u2194": "<->",
}


@lru_cache(maxsize=4096)
def _has_glyph(ch: str) -> bool:
    """Whether the bundled font draws `ch` (its missing-glyph box looks like U+FFFF's)."""
    font = _font(40)
    mask, missing = font.getmask(ch), font.getmask("\uffff")
    return not (mask.size == missing.size and bytes(mask) == bytes(missing))


@lru_cache(maxsize=4096)
def _displayable(ch: str) -> str:
    """`ch`, or a stand-in the font can draw: "é" becomes "e"; else `ch` (drawn as a box)."""
    if ch.isascii() or _has_glyph(ch):
        return ch
    folded = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if folded and all(c.isascii() or _has_glyph(c) for c in folded):
        return folded
    return _SUBSTITUTES.get(ch, ch)


def _clean(text: str) -> str:
    """One line of printable text, with characters the font lacks folded where possible."""
    text = "".join(_displayable(ch) if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


class _Canvas:
    """Shapes go to a supersampled layer; text is queued and drawn after downscaling."""

    def __init__(self) -> None:
        self.big = Image.new("RGB", (WIDTH * _SS, HEIGHT * _SS), BG)
        self.shapes = ImageDraw.Draw(self.big)
        self.texts: list[tuple[tuple[float, float], str, int, RGB, Anchor, bool]] = []

    @staticmethod
    def _s(box: Sequence[float]) -> list[float]:
        return [v * _SS for v in box]

    def rect(self, box: Sequence[float], radius: float, fill: RGB) -> None:
        x0, y0, x1, y1 = box
        if x1 - x0 < 0.5 or y1 - y0 < 0.5:
            return
        r = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
        self.shapes.rounded_rectangle(self._s(box), radius=r * _SS, fill=fill)

    def outline(self, box: Sequence[float], radius: float, colour: RGB, width: float) -> None:
        x0, y0, x1, y1 = box
        if x1 - x0 < 2 * width or y1 - y0 < 2 * width:
            return
        r = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
        self.shapes.rounded_rectangle(
            self._s(box), radius=r * _SS, outline=colour, width=round(width * _SS)
        )

    def bar(self, box: Sequence[float], done: int, total: int) -> None:
        """A rounded progress bar: an empty track, filled from the left by done/total."""
        x0, y0, x1, y1 = box
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        radius = min(x1 - x0, y1 - y0) / 2
        self.rect(box, radius, TRACK)
        ratio = _ratio(done, total)
        if ratio >= 1:
            self.rect(box, radius, _fill_colour(done, total))
        elif ratio > 0:
            # The fill is the track's shape cut off at `ratio`, so its right edge is straight.
            bx0, by0, bx1, by1 = (round(v) for v in self._s(box))
            mask = Image.new("L", (bx1 - bx0, by1 - by0), 0)
            ImageDraw.Draw(mask).rounded_rectangle(
                (0, 0, bx1 - bx0 - 1, by1 - by0 - 1), radius=radius * _SS, fill=255
            )
            cut = max(1, round((bx1 - bx0) * ratio))
            mask.paste(0, (cut, 0, bx1 - bx0, by1 - by0))
            self.big.paste(_fill_colour(done, total), (bx0, by0, bx1, by1), mask)

    def ring(
        self,
        centre: tuple[float, float],
        radius: float,
        thickness: float,
        ratio: float,
        colour: RGB,
    ) -> None:
        cx, cy = centre
        box = self._s((cx - radius, cy - radius, cx + radius, cy + radius))
        width = round(thickness * _SS)
        self.shapes.ellipse(box, outline=TRACK, width=width)
        if ratio >= 1:
            self.shapes.ellipse(box, outline=colour, width=width)
        elif ratio > 0:
            end = -90 + 360 * ratio
            self.shapes.arc(box, -90, end, fill=colour, width=width)
            # Round caps at both ends of the arc.
            mid = radius - thickness / 2
            for angle in (-90.0, end):
                a = math.radians(angle)
                px, py = cx + mid * math.cos(a), cy + mid * math.sin(a)
                r = thickness / 2
                self.shapes.ellipse(self._s((px - r, py - r, px + r, py + r)), fill=colour)

    def polygon(self, points: Sequence[tuple[float, float]], fill: RGB) -> None:
        self.shapes.polygon([(x * _SS, y * _SS) for x, y in points], fill=fill)

    def ellipse(self, box: Sequence[float], fill: RGB) -> None:
        self.shapes.ellipse(self._s(box), fill=fill)

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        size: int,
        colour: RGB = TEXT,
        anchor: Anchor = "la",
        bold: bool = False,
    ) -> None:
        if text:
            self.texts.append((xy, text, size, colour, anchor, bold))

    def finish(self) -> Image.Image:
        img = self.big.reduce(_SS)
        draw = ImageDraw.Draw(img)
        for xy, text, size, colour, anchor, bold in self.texts:
            draw.text(
                xy,
                text,
                font=_font(size),
                fill=colour,
                anchor=anchor,
                stroke_width=1 if bold else 0,
                stroke_fill=colour,
            )
        return img


def _width(text: str, size: int, bold: bool = False) -> float:
    return _font(size).getlength(text) + (2 if bold else 0)


def _fit(text: str, size: int, max_width: float, bold: bool = False) -> str:
    """`text` shortened with an ellipsis to fit `max_width` pixels ("" if nothing fits)."""
    if max_width <= 0:
        return ""
    if _width(text, size, bold) <= max_width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits together with the ellipsis
        mid = (lo + hi + 1) // 2
        if _width(text[:mid].rstrip() + "…", size, bold) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…" if lo else ""


def _fit_shrinking(
    text: str, sizes: Sequence[int], max_width: float, bold: bool = False
) -> tuple[str, int]:
    """The largest of `sizes` at which `text` fits; else the smallest, with an ellipsis."""
    for size in sizes:
        if _width(text, size, bold) <= max_width:
            return text, size
    return _fit(text, sizes[-1], max_width, bold), sizes[-1]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# Layout (output pixels).
M = 48  # outer margin
PAD = 32  # panel padding
GAP = 24  # between panels
HEADER_Y = 40
ROAD_TOP, ROAD_BOTTOM = 176, 452
ROW_TOP, ROW_BOTTOM = ROAD_BOTTOM + GAP, HEIGHT - M
COL1 = (M, M + 400)
COL3 = (WIDTH - M - 380, WIDTH - M)
COL2 = (COL1[1] + GAP, COL3[0] - GAP)


def _heading(c: _Canvas, x: float, y: float, text: str) -> None:
    c.text((x, y), text.upper(), 24, MUTED)


def _draw_header(c: _Canvas, card: CardData) -> None:
    kind = card.track_kind.strip().lower()
    pill_colour = TRACK_COLOURS.get(kind, TRACK_COLOURS["just started"])
    label = _fit(_clean(card.track_label) or "No status", 30, 480, bold=True)
    pill_w = _width(label, 30, bold=True) + 2 * 28 + 28  # room for the status dot
    pill_h = 64
    px1 = WIDTH - M
    px0 = px1 - pill_w
    py0 = HEADER_Y + 6
    c.rect((px0, py0, px1, py0 + pill_h), pill_h / 2, pill_colour)
    dot_cx, dot_cy, r = px0 + 34, py0 + pill_h / 2, 8
    c.ellipse((dot_cx - r, dot_cy - r, dot_cx + r, dot_cy + r), DARK_TEXT)
    c.text((dot_cx + 20, dot_cy), label, 30, DARK_TEXT, anchor="lm", bold=True)

    title_w = px0 - M - 40
    title, size = _fit_shrinking(
        _clean(card.title) or "Your pathway", (56, 48, 42), title_w, bold=True
    )
    c.text((M, HEADER_Y + 38), title, size, TEXT, anchor="lm", bold=True)
    who = _clean(card.learner or "") or "You"
    subtitle = f"{who} · Week {max(0, card.week)}"
    c.text((M, HEADER_Y + 100), _fit(subtitle, 30, WIDTH - 2 * M), 30, MUTED, anchor="lm")


def _draw_roadmap(c: _Canvas, card: CardData) -> None:
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
        summary = f"Now: phase {current + 1} of {len(phases)} · {_clean(phases[current][0])}"
    else:
        complete = sum(1 for _, d, t, _ in phases if t > 0 and d >= t)
        summary = f"{complete} of {_plural(len(phases), 'phase')} complete"
    c.text(
        (inner1, ROAD_TOP + 26), _fit(summary, 26, (inner1 - inner0) * 0.75), 26, TEXT, anchor="ra"
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
        d, t = _clamp(done, total)
        c.bar((sx0, bar_y0, sx1, bar_y0 + bar_h), d, t)
        if is_current:
            c.outline((sx0 - 6, bar_y0 - 6, sx1 + 6, bar_y0 + bar_h + 6), 24, CURRENT, 3)
            c.polygon([(cx - 11, bar_y0 - 24), (cx + 11, bar_y0 - 24), (cx, bar_y0 - 12)], CURRENT)
        anchor: Anchor = "ls" if named else "ms"
        lx = sx0 + 4 if named else cx
        label = f"{i + 1} · {_clean(name)}" if named else str(i + 1)
        label = _fit(label, label_size, seg_w - 8, bold=is_current)
        c.text(
            (lx, label_y - (10 if is_current else 0)),
            label,
            label_size,
            CURRENT if is_current else TEXT,
            anchor=anchor,
            bold=is_current,
        )
        count = f"{d}/{t}" if t else "-"
        if _width(count, count_size) <= seg_w:
            c.text(
                (lx, count_y - (36 - bar_h)),
                count,
                count_size,
                TEXT if is_current else MUTED,
                anchor=anchor,
            )


def _draw_overall(c: _Canvas, card: CardData) -> None:
    x0, x1 = COL1
    c.rect((x0, ROW_TOP, x1, ROW_BOTTOM), 28, PANEL)
    _heading(c, x0 + PAD, ROW_TOP + 26, "Overall")
    d, t = _clamp(*card.overall)
    cx, cy, r = (x0 + x1) / 2, ROW_TOP + 196, 112
    colour = _fill_colour(d, t)
    c.ring((cx, cy), r, 26, _ratio(d, t), colour)
    pct, size = _fit_shrinking(f"{_percent(d, t)}%", (64, 54), 2 * (r - 26) - 28, bold=True)
    c.text((cx, cy + 4), pct, size, TEXT, anchor="mm", bold=True)
    c.text((cx, ROW_BOTTOM - 40), f"{d} of {_plural(t, 'item')} done", 26, MUTED, anchor="ms")


def _draw_action_plan(c: _Canvas, card: CardData) -> None:
    x0, x1 = COL2
    c.rect((x0, ROW_TOP, x1, ROW_BOTTOM), 28, PANEL)
    _heading(c, x0 + PAD, ROW_TOP + 26, "Action plan")
    # The three horizons (more would not fit), then skills.
    rows = [(_clean(label), d, t) for label, d, t in list(card.horizons)[:3]]
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
        d, t = _clamp(done, total)
        count = f"{d}/{t}" if t else "none"
        count_w = _width(count, 26) + 16
        c.text((inner0, y + 20), _fit(label, 28, inner1 - inner0 - count_w), 28, TEXT, anchor="ls")
        c.text((inner1, y + 20), count, 26, MUTED, anchor="rs")
        c.bar((inner0, y + 32, inner1, y + 48), d, t)


def _draw_flame(c: _Canvas, cx: float, base: float, h: float, lit: bool) -> None:
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


def _draw_streak(c: _Canvas, card: CardData) -> None:
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
        _fit(number, size, x1 - PAD - tx, bold=True),
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
        _fit(_plural(points, "point"), 30, x1 - x0 - 2 * PAD - 24, bold=True),
        30,
        TEXT,
        anchor="mm",
        bold=True,
    )


def render_progress_card(card: CardData) -> bytes:
    """Draw `card` as a 1600x900 opaque PNG and return its bytes."""
    c = _Canvas()
    _draw_header(c, card)
    _draw_roadmap(c, card)
    _draw_overall(c, card)
    _draw_action_plan(c, card)
    _draw_streak(c, card)
    out = io.BytesIO()
    c.finish().save(out, format="PNG", optimize=False)
    return out.getvalue()
