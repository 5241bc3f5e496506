"""The `/progress` card: renders at 0%, partial and 100%, and never crashes on odd input."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from bot.discord_app import card_canvas as canvas_module
from bot.discord_app.card import PAD, ROAD_TOP, CardData, M, render_progress_card
from bot.discord_app.card_canvas import BG, CURRENT, DONE, FILL, HEIGHT, TRACK_COLOURS, WIDTH

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
NAMES = ["Foundations", "Python basics", "Web APIs", "Databases", "Deployment"]
TOTALS = [4, 6, 5, 3, 2]

# The strip where the roadmap's bars are drawn, and the overall ring's box.
TIMELINE = (M, ROAD_TOP + 140, WIDTH - M, ROAD_TOP + 196)
RING = (M, 560, M + 400, 800)


def make(
    done: list[int],
    current: int,
    *,
    horizons: list[tuple[str, int, int]] | None = None,
    skills: tuple[int, int] = (0, 6),
    streak: int = 0,
    track: tuple[str, str] = ("Just started", "just started"),
) -> CardData:
    return CardData(
        title="Backend developer pathway",
        learner="Alice",
        week=3,
        phases=[
            (name, d, t, i == current)
            for i, (name, d, t) in enumerate(zip(NAMES, done, TOTALS, strict=True))
        ],
        horizons=horizons or [("This week", 0, 3), ("This month", 0, 8), ("This phase", 0, 4)],
        skills=skills,
        overall=(sum(done), sum(TOTALS)),
        streak=streak,
        track_label=track[0],
        track_kind=track[1],
        points=10 * sum(done),
    )


ZERO = make([0, 0, 0, 0, 0], 0)
PARTIAL = make(
    [4, 6, 2, 0, 0],
    2,
    horizons=[("This week", 2, 3), ("This month", 5, 8), ("This phase", 2, 5)],
    skills=(3, 6),
    streak=3,
    track=("Behind: 2 overdue items", "behind"),
)
FULL = make(
    TOTALS,
    4,
    horizons=[("This week", 3, 3), ("This month", 8, 8), ("This phase", 2, 2)],
    skills=(6, 6),
    streak=12,
    track=("Ahead: 3 items done early", "ahead"),
)


def decode(png: bytes) -> Image.Image:
    assert png.startswith(PNG_SIGNATURE)
    img = Image.open(io.BytesIO(png))
    img.load()
    return img


def count(
    img: Image.Image, box: tuple[int, int, int, int], colours: Iterable[tuple[int, ...]]
) -> int:
    """How many pixels in `box` are exactly one of `colours`."""
    wanted = set(colours)
    region = img.convert("RGB").crop(box)
    return sum(n for n, colour in region.getcolors(maxcolors=1 << 20) or [] if colour in wanted)


@pytest.fixture(scope="module")
def rendered() -> dict[str, Image.Image]:
    return {
        name: decode(render_progress_card(c))
        for name, c in {"zero": ZERO, "partial": PARTIAL, "full": FULL}.items()
    }


@pytest.mark.parametrize("name", ["zero", "partial", "full"])
def test_renders_png(name: str, tmp_path: Path) -> None:
    data = {"zero": ZERO, "partial": PARTIAL, "full": FULL}[name]
    png = render_progress_card(data)
    (tmp_path / f"{name}.png").write_bytes(png)
    img = decode((tmp_path / f"{name}.png").read_bytes())
    assert img.format == "PNG"
    assert img.size == (WIDTH, HEIGHT)
    assert len(png) < 300_000


@pytest.mark.parametrize("name", ["zero", "partial", "full"])
def test_background_is_opaque(rendered: dict[str, Image.Image], name: str) -> None:
    img = rendered[name]
    assert img.mode == "RGB"  # no alpha channel at all, so no transparent pixels
    for corner in [(0, 0), (WIDTH - 1, 0), (0, HEIGHT - 1), (WIDTH - 1, HEIGHT - 1)]:
        assert img.getpixel(corner) == BG


def test_timeline_fills_with_progress(rendered: dict[str, Image.Image]) -> None:
    progress = (FILL, DONE)
    zero = count(rendered["zero"], TIMELINE, progress)
    partial = count(rendered["partial"], TIMELINE, progress)
    full = count(rendered["full"], TIMELINE, progress)
    assert zero == 0
    assert partial > 10_000
    assert full > 1.5 * partial
    # Complete phases are drawn in the "done" colour, the one in flight in the other.
    assert count(rendered["partial"], TIMELINE, [FILL]) > 1_000
    assert count(rendered["full"], TIMELINE, [FILL]) == 0


def test_overall_ring_follows_progress(rendered: dict[str, Image.Image]) -> None:
    assert count(rendered["zero"], RING, (FILL, DONE)) == 0
    partial = count(rendered["partial"], RING, [FILL])
    full = count(rendered["full"], RING, [DONE])
    assert partial > 1_000
    assert full > partial


def test_current_phase_is_highlighted(rendered: dict[str, Image.Image]) -> None:
    # Five equal segments, 14 px apart, inside the roadmap panel; the current one is outlined.
    left, gap = M + PAD, 14
    width = (WIDTH - 2 * left - 4 * gap) / 5
    for name, current in [("zero", 0), ("partial", 2), ("full", 4)]:
        per_segment = [
            count(
                rendered[name],
                (
                    int(left + i * (width + gap)) - 8,
                    ROAD_TOP + 90,
                    int(left + i * (width + gap) + width) + 8,
                    ROAD_TOP + 200,
                ),
                [CURRENT],
            )
            for i in range(5)
        ]
        assert max(per_segment) == per_segment[current] > 200, (name, per_segment)
        assert sorted(per_segment)[-2] < 50


@pytest.mark.parametrize("kind", sorted(TRACK_COLOURS))
def test_status_pill_colour_follows_kind(kind: str) -> None:
    img = decode(render_progress_card(replace(PARTIAL, track_label="Status", track_kind=kind)))
    header = (WIDTH // 2, 0, WIDTH, 160)
    assert count(img, header, [TRACK_COLOURS[kind]]) > 2_000
    for other, colour in TRACK_COLOURS.items():
        if colour != TRACK_COLOURS[kind]:
            assert count(img, header, [colour]) == 0, other


def test_rendering_is_deterministic() -> None:
    assert render_progress_card(PARTIAL) == render_progress_card(PARTIAL)


def test_states_look_different(rendered: dict[str, Image.Image]) -> None:
    a, b = rendered["zero"].tobytes(), rendered["full"].tobytes()
    differing = sum(1 for x, y in zip(a[::3], b[::3], strict=True) if x != y)
    assert differing > 50_000


ODD_CASES: dict[str, CardData] = {
    "long title": replace(
        PARTIAL,
        title="A very long pathway title that goes on and on " * 6,
        learner="Someone with an extremely long display name " * 4,
        track_label="On track and this label is unusually long for a status pill " * 3,
    ),
    "no phases": replace(ZERO, phases=[], horizons=[], overall=(0, 0), skills=(0, 0)),
    "20 phases": replace(
        PARTIAL, phases=[(f"Phase number {i}", i, 20, i == 13) for i in range(20)]
    ),
    "500 phases": replace(PARTIAL, phases=[("p", i % 3, 2, i == 250) for i in range(500)]),
    "odd counts": replace(
        PARTIAL,
        phases=[("a", 5, 0, False), ("b", 9, 3, True), ("c", -4, 2, False), ("d", 1, -1, True)],
        horizons=[("This week", 5, 3), ("This month", -1, 0), ("", 0, 0)] * 3,
        skills=(9, 3),
        overall=(7, -5),
        streak=-2,
        week=-1,
        points=-10,
    ),
    "huge numbers": replace(FULL, streak=10**12, points=10**30, overall=(10**9, 10**9), week=10**6),
    "non-Latin": replace(
        PARTIAL,
        title="Ünïcödé: 日本語のパスウェイ · Путь · مسار · Straße \u2013 José",
        learner="Zoë 🌟",
        phases=[("Основы", 1, 2, True), ("基础", 0, 3, False), ("\u200b\t\n", 0, 1, False)],
    ),
    "empty strings": CardData(
        title="",
        learner="",
        week=0,
        phases=[("", 0, 0, False)],
        horizons=[],
        skills=(0, 0),
        overall=(0, 0),
        streak=0,
        track_label="",
        track_kind="no such kind",
        points=0,
    ),
    "defaults": CardData(title="Minimal", learner=None, week=1),
}


@pytest.mark.parametrize("case", list(ODD_CASES))
def test_odd_input_does_not_crash(case: str, tmp_path: Path) -> None:
    png = render_progress_card(ODD_CASES[case])
    img = decode(png)
    assert img.size == (WIDTH, HEIGHT)
    assert len(png) < 300_000
    (tmp_path / "odd.png").write_bytes(png)


def test_long_text_is_shortened_to_fit() -> None:
    fitted = canvas_module.fit_text("word " * 200, 40, 500)
    assert fitted.endswith("…")
    assert canvas_module.text_width(fitted, 40) <= 500
    assert canvas_module.fit_text("short", 40, 500) == "short"
    assert canvas_module.fit_text("anything", 40, 0) == ""


def test_characters_the_font_lacks_are_folded() -> None:
    assert canvas_module.clean_text("José Ñúñez \u2013 Straße\n\tok") == "Jose Nunez - Strasse ok"
    assert canvas_module.clean_text("日本") == "日本"  # no stand-in: drawn as boxes, not dropped
    # The seed's short title is drawn as the card's heading: its arrow must not be a box.
    assert canvas_module.clean_text("Backend \u2192 ML Engineer") == "Backend -> ML Engineer"


def test_card_module_does_not_import_discord() -> None:
    code = "import sys, bot.discord_app.card; sys.exit('discord' in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[2])
