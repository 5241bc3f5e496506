"""The demo as a newcomer feels it: how long until the page works, how fast a reply shows.

    python -m bench.bench_demo [--scale 1.0]

- `start_to_page_ready_s`: from starting `python -m bot demo` (a new process, a new temporary
  database, the seeding, the bot's login and command registration) to its page open in
  Chromium, connected, with the bot's commands listed. Median of 5 starts (at scale 1);
  `_max` is the slowest. Target: <= 3 s.
- `reply_*_ms`: from Enter in the page's command box to the bot's reply drawn in the page (the
  page times it itself: performance.now() at Enter, and when the reply's message is rendered,
  a "thinking" placeholder not counting). 50 commands at scale 1, one at a time, cycling
  /tasks, /progress (which draws a PNG card), /leaderboard, /reminders show and /pathways.
  Target: p95 <= 300 ms.

Chromium is Debian's (/usr/bin/chromium), headless, driven by Playwright.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Sequence

from playwright.sync_api import Page, sync_playwright

from bench import report
from tests.demo.conftest import CHROMIUM, CHROMIUM_ARGS, DemoProcess, start_demo

TARGETS: dict[str, report.Target] = {
    "start_to_page_ready_s": ("<=", 3.0),
    "reply_p95_ms": ("<=", 300.0),
}
COMMANDS = ("tasks", "progress", "leaderboard", "reminders show", "pathways")


def _percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def _ready(page: Page, demo: DemoProcess) -> None:
    page.goto(demo.url)
    page.wait_for_selector("body[data-ready='1'][data-commands]", timeout=30_000)


def _start_once(page: Page) -> float:
    started = time.perf_counter()
    demo = start_demo()
    try:
        _ready(page, demo)
        return time.perf_counter() - started
    finally:
        demo.stop()


def _run(page: Page, command: str, timings_before: int) -> float:
    box = page.locator("#composer-input")
    box.fill("/" + command)
    box.press("Enter")
    page.wait_for_function(f"window.demoTimings.length > {timings_before}", timeout=15_000)
    return float(page.evaluate(f"window.demoTimings[{timings_before}].ms"))


def measure(scale: float = 1.0) -> dict[str, float]:
    starts = max(2, round(5 * scale))
    commands = max(10, round(50 * scale))
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        ready = [_start_once(page) for _ in range(starts)]
        demo = start_demo()
        try:
            _ready(page, demo)
            box = page.locator("#composer-input")
            box.fill("/enroll")
            box.press("Enter")
            page.locator("input[data-option='pathway']").fill("backend-to-ml-engineer")
            page.keyboard.press("Enter")
            page.wait_for_selector('article.message:has-text("You\'re enrolled")')
            seen = int(page.evaluate("window.demoTimings.length"))
            _run(page, "tasks", seen)  # warm-up, not counted
            seen += 1
            replies = []
            for i in range(commands):
                replies.append(_run(page, COMMANDS[i % len(COMMANDS)], seen))
                seen += 1
        finally:
            demo.stop()
            browser.close()
    return {
        "start_to_page_ready_s": statistics.median(ready),
        "start_to_page_ready_max_s": max(ready),
        "replies": float(len(replies)),
        "reply_p50_ms": _percentile(replies, 0.5),
        "reply_p95_ms": _percentile(replies, 0.95),
        "reply_max_ms": max(replies),
    }


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args(argv)
    figures = measure(args.scale)
    print("\n".join(report.rows(figures, TARGETS)), file=sys.stderr)
    return figures


if __name__ == "__main__":
    main()
