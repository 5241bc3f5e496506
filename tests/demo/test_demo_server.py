"""The demo's server and command line, without a browser: the page's protocol answers bad
input with a clear line (never a traceback), only its own page may drive it, a kept database
comes back as it was left, and the warnings and errors at start say what to do."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.demo.conftest import DemoProcess, start_demo
from tests.harness import ROOT


class Page:
    """A page's WebSocket: send an action, get its one answer; pushes are collected."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.pushes: list[dict[str, Any]] = []
        self.next_id = 1
        self._world: dict[str, Any] = {}

    async def act(self, **action: Any) -> dict[str, Any]:
        request_id = self.next_id
        self.next_id += 1
        await self.ws.send_str(json.dumps({**action, "id": request_id}))
        return await self.answer(request_id)

    async def answer(self, request_id: object) -> dict[str, Any]:
        async with asyncio.timeout(15):
            while True:
                msg = await self.ws.receive()
                assert msg.type == aiohttp.WSMsgType.TEXT, msg
                data = json.loads(msg.data)
                if data["type"] == "result" and data["id"] == request_id:
                    return data
                if data["type"] == "world":
                    self._world = data["world"]
                self.pushes.append(data)

    def world(self) -> dict[str, Any]:
        return self._world

    def person(self, name: str) -> dict[str, Any]:
        return next(p for p in self.world()["people"] if p["name"] == name)


@pytest.fixture
async def socket_page(demo: DemoProcess) -> AsyncIterator[Page]:
    async with aiohttp.ClientSession() as session, session.ws_connect(demo.url + "ws") as ws:
        p = Page(ws)
        first = await p.act(op="view")  # default: you, in #general
        assert first["ok"], first
        yield p


async def test_bad_input_gets_a_clear_line_and_no_traceback(socket_page: Page) -> None:
    page = socket_page
    await page.ws.send_str("{not json")
    answer = await page.answer(None)
    assert answer == {"type": "result", "id": None, "ok": False, "error": "Not JSON."}
    cases = [
        ({"op": "teleport"}, "The page asked for something the demo does not do."),
        ({"op": "command", "name": "nope"}, "There is no /nope command here."),
        ({"op": "command", "name": "done"}, "This field is required: `task`."),
        ({"op": "command", "name": "reminders"}, "Pick a subcommand of /reminders"),
        (
            {"op": "command", "name": "leaderboard", "options": {"period": "fortnight"}},
            "`period` must be one of the choices",
        ),
        (
            {"op": "command", "name": "enroll", "options": {"pathway": "x", "colour": "red"}},
            "/enroll has no option `colour`.",
        ),
        ({"op": "click", "message": "123", "custom_id": "x"}, "That message no longer exists."),
        ({"op": "click", "message": "abc"}, "That message no longer exists."),
        ({"op": "say", "content": "   "}, "Type a message first."),
        ({"op": "say", "content": "x" * 2001}, "Your message is too long (2001/2000"),
        ({"op": "clock", "kind": "backwards"}, "Pick +1 day, +1 week or next reminder."),
        ({"op": "view", "member": "42"}, "There is no such member in the demo server."),
        ({"op": "view", "channel": "nope"}, "That channel does not exist."),
    ]
    for action, expected in cases:
        answer = await page.act(**action)
        assert not answer["ok"], (action, answer)
        assert expected in answer["error"], (action, answer)
        assert "Traceback" not in answer["error"]
    # and the demo still works afterwards
    ok = await page.act(op="command", name="pathways")
    assert ok["ok"], ok


async def test_autocomplete_is_answered_by_the_bot(socket_page: Page) -> None:
    page = socket_page
    answer = await page.act(
        op="autocomplete", name="enroll", option="pathway", value="backend", options={}
    )
    assert answer["ok"], answer
    assert any(c["value"] == "backend-to-ml-engineer" for c in answer["choices"]), answer
    none = await page.act(op="autocomplete", name="enroll", option="nope", value="", options={})
    assert none["choices"] == []


async def test_only_the_page_itself_may_open_the_socket(demo: DemoProcess) -> None:
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(demo.url + "ws", headers={"Origin": "https://evil.example"})
        assert refused.value.status == 403
        host = demo.url.split("//")[1].rstrip("/")
        async with session.ws_connect(demo.url + "ws", headers={"Origin": f"http://{host}"}):
            pass
        for path in ("static/../runner.py", "static/nope.js", "attachments/1/x.png"):
            async with session.get(demo.url + path) as resp:
                assert resp.status == 404, path
        async with session.get(demo.url) as resp:
            assert resp.status == 200
            html = await resp.text()
        # nothing is loaded from the internet: every asset is the package's own
        assert "http://" not in html and "https://" not in html
        remote = re.compile(
            r"""(src|href)\s*=\s*["']?https?:|url\(\s*["']?https?:|@import|fetch\("""
        )
        for asset in ("static/app.js", "static/markdown.js", "static/style.css"):
            async with session.get(demo.url + asset) as resp:
                assert resp.status == 200
                assert not remote.search(await resp.text()), asset


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_busy_port_is_one_clear_line() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "bot", "demo", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 2, result
    assert f"cannot serve the demo page on 127.0.0.1:{port}" in result.stderr
    assert "--port" in result.stderr
    assert "Traceback" not in result.stderr


def test_another_host_warns_that_the_demo_has_no_login(tmp_path: Path) -> None:
    process = start_demo("--host", "0.0.0.0")
    try:
        output = process.stop()
    finally:
        process.stop()
    assert "has no login" in output, output
    assert "--host 0.0.0.0" in output
    # SIGTERM (or Ctrl-C) stops the bot, the page and the emulator in order, status 0
    assert "pathway-bot demo: stopping" in output
    assert "Traceback" not in output
    assert process.proc.returncode == 0


def test_loopback_prints_no_warning(demo: DemoProcess) -> None:
    assert "no login" not in "".join(demo.output)
    assert demo.url.startswith("http://127.0.0.1:")


async def test_a_kept_database_comes_back_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "kept.sqlite3"
    first = start_demo("--db", str(db))
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(first.url + "ws") as ws:
            p = Page(ws)
            await p.act(op="view")
            you = p.person("You")
            pathway = {"pathway": "backend-to-ml-engineer"}
            ok = await p.act(op="command", name="enroll", options=pathway)
            assert ok["ok"], ok
            await _wait_for_rows(db, "SELECT count(*) FROM enrolments WHERE user_id = ?", you["id"])
    finally:
        first.stop()
    with sqlite3.connect(db) as conn:
        enrolments = conn.execute("SELECT count(*) FROM enrolments").fetchone()[0]
    assert enrolments == 4  # three seeded members and you

    second = start_demo("--db", str(db))
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(second.url + "ws") as ws:
            p = Page(ws)
            await p.act(op="view")
            assert p.person("You")["id"] == you["id"]  # the same world, the same ids
            # the commands were registered again with this run's Discord
            sync = next(x for x in p.pushes if x.get("commands"))
            assert any(c["name"] == "enroll" for c in sync["commands"])
            again = await p.act(op="command", name="tasks")
            assert again["ok"], again
    finally:
        second.stop()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM enrolments").fetchone()[0] == 4  # not re-seeded


async def _wait_for_rows(db: Path, sql: str, *args: object) -> None:
    for _ in range(200):
        with sqlite3.connect(db) as conn:
            if conn.execute(sql, args).fetchone()[0]:
                return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no row for {sql}")


async def test_a_week_passed_brings_reminders_on_time_and_the_digest(tmp_path: Path) -> None:
    """+1 week stops at each reminder on the way, so none arrives "late", and the server's
    weekly digest is posted in its channel, naming shown members only."""
    process = start_demo()
    try:
        async with aiohttp.ClientSession() as session, session.ws_connect(process.url + "ws") as ws:
            p = Page(ws)
            await p.act(op="view")
            you = p.person("You")
            pathway = {"pathway": "backend-to-ml-engineer"}
            assert (await p.act(op="command", name="enroll", options=pathway))["ok"]
            await _pushed(p, lambda m: "You're enrolled" in m["content"])
            assert (await p.act(op="view", channel=you["dm"]))["ok"]
            await _pushed(p, lambda m: "Welcome to" in m["content"])
            moved = await p.act(op="clock", kind="week")
            assert moved["ok"], moved
            # week 1's or week 2's, by the weekday the demo started (see test_demo_browser)
            reminder = await _pushed(p, lambda m: re.search(r"Week \d+ of", m["content"]))
            shown = json.dumps(reminder)
            assert "should have arrived" not in shown
            digest = next(c for c in p.world()["channels"] if c["name"] == "weekly-digest")
            assert (await p.act(op="view", channel=digest["id"]))["ok"]
            # a new week's digest, besides the one posted when the demo started
            digests: dict[str, dict[str, Any]] = {}

            def second_digest(message: dict[str, Any]) -> bool:
                if "Weekly digest" in json.dumps(message["embeds"]):
                    digests[message["id"]] = message
                return len(digests) >= 2

            await _pushed(p, second_digest)
            newest = max(digests.values(), key=lambda m: int(m["id"]))
            text = json.dumps(newest["embeds"])
            ada, grace, linus = (p.person(n)["id"] for n in ("Ada", "Grace", "Linus"))
            assert f"<@{ada}>" in text and f"<@{grace}>" in text
            assert linus not in text  # hidden: never named
    finally:
        process.stop()


async def _pushed(page: Page, wanted: Any) -> dict[str, Any]:
    """The first message pushed to the page that `wanted` accepts (waiting for more)."""
    async with asyncio.timeout(20):
        while True:
            for push in page.pushes:
                for message in push.get("upserts") or []:
                    if wanted(message):
                        return dict(message)
            page.pushes.clear()
            msg = await page.ws.receive()
            page.pushes.append(json.loads(msg.data))


def test_a_database_that_is_not_a_demos_is_refused(tmp_path: Path) -> None:
    """`--db` pointed at a real bot's database (or any other file) must not get the demo's
    made-up server written into it: one clear line, exit 2, the file unchanged."""
    real = tmp_path / "pathway-bot.sqlite3"
    with sqlite3.connect(real) as conn:
        conn.execute("CREATE TABLE precious (x)")
        conn.execute("INSERT INTO precious VALUES (1)")
    junk = tmp_path / "notes.txt"
    junk.write_text("not a database at all\n" * 100)
    for path, expected in ((real, "is not a database the demo made"), (junk, "not a database")):
        before = path.read_bytes()
        result = subprocess.run(
            [sys.executable, "-m", "bot", "demo", "--port", "0", "--db", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, result
        assert expected in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
        if path == junk:
            assert path.read_bytes() == before
    with sqlite3.connect(real) as conn:
        assert conn.execute("SELECT x FROM precious").fetchall() == [(1,)]
        assert (
            not conn.execute("SELECT name FROM sqlite_master WHERE name = 'enrolments'").fetchall()
            or not conn.execute("SELECT count(*) FROM enrolments").fetchone()[0]
        )
