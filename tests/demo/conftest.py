"""`python -m bot demo` as a subprocess, and Debian's Chromium driven by Playwright.

The browser is required, never skipped: a machine without /usr/bin/chromium fails these
tests with the command that installs it (.ci/run runs that command when it is missing).

pytest-playwright's `browser` and `page` fixtures are replaced here by module-scoped ones
with the same names and launch options: its Playwright lives for the whole session, and the
sync API's event loop would then be running under every async test collected after these.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.harness import ROOT

CHROMIUM = Path(os.environ.get("DEMO_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY = re.compile(r"open (http://\S+)")

# Waits are event driven; the budget only turns a hang into a failure, and CI shares 2 cores.
expect.set_options(timeout=15_000)


@dataclass
class DemoProcess:
    proc: subprocess.Popen[str]
    url: str
    output: list[str]
    started: float
    ready_after: float

    lines: queue.Queue[str | None] | None = None

    def stop(self) -> str:
        """Stop it (SIGTERM, as Ctrl-C would) and return everything it printed."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        while self.lines is not None:
            try:
                line = self.lines.get(timeout=5)
            except queue.Empty:
                break
            if line is None:
                self.lines = None
                break
            self.output.append(line)
        return "".join(self.output)


def start_demo(*args: str, timeout: float = 60.0) -> DemoProcess:
    """Start `python -m bot demo --port 0 ARGS` and wait for the line with the page's address."""
    env = {k: v for k, v in os.environ.items() if k not in ("DISCORD_TOKEN", "DATABASE_URL")}
    env["PYTHONUNBUFFERED"] = "1"
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "demo", "--port", "0", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines: queue.Queue[str | None] = queue.Queue()

    def pump(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, args=(proc.stdout,), daemon=True).start()
    output: list[str] = []
    process = DemoProcess(proc, "", output, started, 0.0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            continue
        if line is None:
            break
        output.append(line)
        found = READY.search(line)
        if found:
            process.url = found.group(1)
            process.ready_after = time.perf_counter() - started
            process.lines = lines
            return process
    proc.kill()
    proc.wait(10)
    raise AssertionError("the demo did not print its address:\n" + "".join(output))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoProcess]:
    db = tmp_path_factory.mktemp("demo") / "demo.sqlite3"
    process = start_demo("--db", str(db))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="session")
def browser_type_launch_args() -> dict[str, Any]:
    """pytest-playwright's launch options: Debian's Chromium, headless, offline-friendly."""
    if not CHROMIUM.exists():
        pytest.fail(
            f"{CHROMIUM} is missing: the demo's browser tests need Debian's Chromium "
            "(apt-get install -y chromium; .ci/run does this)",
            pytrace=False,
        )
    return {"executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args() -> dict[str, Any]:
    return {"viewport": {"width": 1400, "height": 860}, "accept_downloads": True}


@pytest.fixture(scope="module")
def browser(browser_type_launch_args: dict[str, Any]) -> Iterator[Browser]:
    """Chromium for one test module; Playwright stops with it (see the module docstring)."""
    with sync_playwright() as pw:
        launched = pw.chromium.launch(**browser_type_launch_args)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser, browser_context_args: dict[str, Any]) -> Iterator[Page]:
    context = browser.new_context(**browser_context_args)
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()
