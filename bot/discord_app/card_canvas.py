"""Drawing primitives for the progress card: the palette, fonts with glyph fallbacks,
fitting text into a width, and a supersampled canvas for shapes. Knows nothing of progress."""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageDraw, ImageFont

WIDTH = 1600
HEIGHT = 900
SUPERSAMPLE = 2  # supersampling factor for shapes

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


def clamp_counts(done: int, total: int) -> tuple[int, int]:
    total = max(0, int(total))
    return max(0, min(int(done), total)), total


def done_ratio(done: int, total: int) -> float:
    d, t = clamp_counts(done, total)
    return d / t if t else 0.0


def percent_of(done: int, total: int) -> int:
    d, t = clamp_counts(done, total)
    if not t:
        return 0
    pct = math.floor(100 * d / t)  # so 100% means all done
    return max(pct, 1) if d else pct


def fill_colour(done: int, total: int) -> RGB:
    d, t = clamp_counts(done, total)
    return DONE if t and d >= t else FILL


@lru_cache(maxsize=32)
def load_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


SUBSTITUTES = {  # dashes, bullet, multiplication sign, sharp s, euro, arrows
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
def has_glyph(ch: str) -> bool:
    """Whether the bundled font draws `ch` (its missing-glyph box looks like U+FFFF's)."""
    font = load_font(40)
    mask, missing = font.getmask(ch), font.getmask("\uffff")
    return not (mask.size == missing.size and bytes(mask) == bytes(missing))


@lru_cache(maxsize=4096)
def displayable(ch: str) -> str:
    """`ch`, or a stand-in the font can draw: "é" becomes "e"; else `ch` (drawn as a box)."""
    if ch.isascii() or has_glyph(ch):
        return ch
    folded = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if folded and all(c.isascii() or has_glyph(c) for c in folded):
        return folded
    return SUBSTITUTES.get(ch, ch)


def clean_text(text: str) -> str:
    """One line of printable text, with characters the font lacks folded where possible."""
    text = "".join(displayable(ch) if ch.isprintable() else " " for ch in text)
    return " ".join(text.split())


class Canvas:
    """Shapes go to a supersampled layer; text is queued and drawn after downscaling."""

    def __init__(self) -> None:
        self.big = Image.new("RGB", (WIDTH * SUPERSAMPLE, HEIGHT * SUPERSAMPLE), BG)
        self.shapes = ImageDraw.Draw(self.big)
        self.texts: list[tuple[tuple[float, float], str, int, RGB, Anchor, bool]] = []

    @staticmethod
    def _s(box: Sequence[float]) -> list[float]:
        return [v * SUPERSAMPLE for v in box]

    def rect(self, box: Sequence[float], radius: float, fill: RGB) -> None:
        x0, y0, x1, y1 = box
        if x1 - x0 < 0.5 or y1 - y0 < 0.5:
            return
        r = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
        self.shapes.rounded_rectangle(self._s(box), radius=r * SUPERSAMPLE, fill=fill)

    def outline(self, box: Sequence[float], radius: float, colour: RGB, width: float) -> None:
        x0, y0, x1, y1 = box
        if x1 - x0 < 2 * width or y1 - y0 < 2 * width:
            return
        r = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
        self.shapes.rounded_rectangle(
            self._s(box), radius=r * SUPERSAMPLE, outline=colour, width=round(width * SUPERSAMPLE)
        )

    def bar(self, box: Sequence[float], done: int, total: int) -> None:
        """A rounded progress bar: an empty track, filled from the left by done/total."""
        x0, y0, x1, y1 = box
        if x1 - x0 < 1 or y1 - y0 < 1:
            return
        radius = min(x1 - x0, y1 - y0) / 2
        self.rect(box, radius, TRACK)
        ratio = done_ratio(done, total)
        if ratio >= 1:
            self.rect(box, radius, fill_colour(done, total))
        elif ratio > 0:
            # The fill is the track's shape cut off at `ratio`, so its right edge is straight.
            bx0, by0, bx1, by1 = (round(v) for v in self._s(box))
            mask = Image.new("L", (bx1 - bx0, by1 - by0), 0)
            ImageDraw.Draw(mask).rounded_rectangle(
                (0, 0, bx1 - bx0 - 1, by1 - by0 - 1), radius=radius * SUPERSAMPLE, fill=255
            )
            cut = max(1, round((bx1 - bx0) * ratio))
            mask.paste(0, (cut, 0, bx1 - bx0, by1 - by0))
            self.big.paste(fill_colour(done, total), (bx0, by0, bx1, by1), mask)

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
        width = round(thickness * SUPERSAMPLE)
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
        self.shapes.polygon([(x * SUPERSAMPLE, y * SUPERSAMPLE) for x, y in points], fill=fill)

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
        img = self.big.reduce(SUPERSAMPLE)
        draw = ImageDraw.Draw(img)
        for xy, text, size, colour, anchor, bold in self.texts:
            draw.text(
                xy,
                text,
                font=load_font(size),
                fill=colour,
                anchor=anchor,
                stroke_width=1 if bold else 0,
                stroke_fill=colour,
            )
        return img


def text_width(text: str, size: int, bold: bool = False) -> float:
    return load_font(size).getlength(text) + (2 if bold else 0)


def fit_text(text: str, size: int, max_width: float, bold: bool = False) -> str:
    """`text` shortened with an ellipsis to fit `max_width` pixels ("" if nothing fits)."""
    if max_width <= 0:
        return ""
    if text_width(text, size, bold) <= max_width:
        return text
    lo, hi = 0, len(text)
    while lo < hi:  # the longest prefix that fits together with the ellipsis
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid].rstrip() + "…", size, bold) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…" if lo else ""


def fit_shrinking(
    text: str, sizes: Sequence[int], max_width: float, bold: bool = False
) -> tuple[str, int]:
    """The largest of `sizes` at which `text` fits; else the smallest, with an ellipsis."""
    for size in sizes:
        if text_width(text, size, bold) <= max_width:
            return text, size
    return fit_text(text, sizes[-1], max_width, bold), sizes[-1]


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


# Layout (output pixels).
