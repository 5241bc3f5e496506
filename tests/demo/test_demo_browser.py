"""The demo as a newcomer uses it: in Chromium, through the page, against `python -m bot demo`.

One journey, in order, because each step builds on the last, as it would for a person trying
the bot: enrol (autocomplete for the pathway), the welcome DM, the clock's "next reminder"
bringing week 2, a DM button checking an item off, another member's view of the leaderboard
and a refused admin command, and the export downloaded and parsed. The page is then
photographed: with UPDATE_DEMO_SCREENSHOT=1 into docs/demo.png (the README's picture), else
into the test's temporary folder, so a plain test run leaves the work tree clean.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from tests.demo.conftest import DemoProcess
from tests.demo.page import (
    TIMEOUT,
    fill_option,
    messages,
    open_channel,
    open_demo,
    open_dm,
    run,
    send,
    start_command,
    switch_member,
)
from tests.harness import ROOT

SCREENSHOT = ROOT / "docs" / "demo.png"
FOCUS = "This week's focus"


# The first line of a weekly reminder: "Week N of <pathway>: ..."
WEEK_OF = re.compile(r"Week (\d+) of")


def check_off_buttons(message: Locator) -> list[str]:
    """The labels of a message's ✅ buttons (one per open focus item), without the mark."""
    labels = message.locator("button.btn:not([disabled])").all_inner_texts()
    return [
        label.removeprefix("✅").strip().rstrip("…").strip() for label in labels if "✅" in label
    ]


def focus_lines(text: str) -> list[str]:
    """The item lines under "This week's focus" in a /tasks reply, as shown."""
    lines = [line.strip() for line in text.splitlines()]
    start = next(i for i, line in enumerate(lines) if line.startswith(FOCUS)) + 1
    items = []
    for line in lines[start:]:
        if not line or not re.match(r"^\W", line):  # a heading or plain text ends the list
            break
        items.append(line)
    return items


def test_a_newcomers_journey(page: Page, demo: DemoProcess, tmp_path: Path) -> None:
    open_demo(page, demo.url)

    # /enroll in #general, picking the pathway from the bot's own autocomplete
    start_command(page, "enroll")
    fill_option(page, "pathway", "backend", pick="Machine Learning")
    send(page)
    reply = messages(page, "You're enrolled")
    expect(reply).to_be_visible(timeout=TIMEOUT)
    expect(reply.locator(".ephemeral-note")).to_contain_text("Only you can see this")
    expect(reply.locator(".reply-line")).to_contain_text("used /enroll")
    expect(reply.locator(".embed")).to_be_visible()

    # the welcome DM
    open_dm(page)
    expect(messages(page, "Welcome to")).to_be_visible(timeout=TIMEOUT)

    # the clock panel: the next reminder, delivered at once. Its week depends on the weekday
    # the demo starts (enrolled on a Tuesday, Monday's reminder is still week 1's; after
    # Monday's 09:00, next Monday's is week 2's), so any week, named the same in its title.
    page.locator("#clock-next").click()
    reminder = page.locator("#messages article.message", has_text=WEEK_OF)
    expect(reminder).to_be_visible(timeout=TIMEOUT)
    week = WEEK_OF.search(reminder.inner_text())
    assert week is not None, reminder.inner_text()
    expect(reminder.locator(".embed-title")).to_contain_text(f"Week {week[1]}")
    expect(reminder.locator(".field-name", has_text=FOCUS)).to_be_visible()
    focus = check_off_buttons(reminder)
    assert focus, reminder.inner_text()

    # the focus is the one the bot computes for this week: /tasks lists the same items
    run(page, "tasks")
    tasks = messages(page, "used /tasks").last
    expect(tasks.locator(".embed")).to_be_visible()
    listed = focus_lines(tasks.locator(".embed").inner_text())
    assert len(listed) == len(focus), (listed, focus)
    for line, item in zip(listed, focus, strict=True):
        assert item in line, (line, item)

    # a ✅ button on the reminder checks its item off, and the reminder is edited in place
    reminder.locator("button.btn", has_text=focus[0]).first.click()
    expect(reminder.locator(".edited")).to_be_visible()
    expect(reminder.locator("button.btn", has_text="✅")).to_have_count(len(focus) - 1)
    assert focus[0] not in check_off_buttons(reminder)

    # another member: the leaderboard shows the seeded members, never the hidden one
    switch_member(page, "Ada")
    open_channel(page, "general")
    run(page, "leaderboard")
    board = page.locator("#messages article.message:not(.ephemeral)", has_text="used /leaderboard")
    expect(board).to_contain_text("Ada", timeout=TIMEOUT)  # public, as on Discord
    expect(board).to_contain_text("Grace")
    expect(board).not_to_contain_text("Linus")
    expect(messages(page, "Your position")).to_contain_text("Only you can see this")

    # an admin command refused for a learner: privately, "Only you can see this"
    start_command(page, "group create")
    fill_option(page, "name", "Night owls")
    fill_option(page, "pathway", "backend", pick="Machine Learning")
    send(page)
    refused = messages(page, "Only admins")
    expect(refused).to_be_visible(timeout=TIMEOUT)
    expect(refused.locator(".ephemeral-note")).to_contain_text("Only you can see this")
    start_command(page, "setup digest-channel")  # open to everyone in the demo server ...
    send(page)
    refused = messages(page, "used /setup digest-channel")  # ... and refused by the bot
    expect(refused).to_contain_text("Manage Server", timeout=TIMEOUT)
    expect(refused).to_be_visible(timeout=TIMEOUT)
    expect(refused.locator(".ephemeral-note")).to_contain_text("Only you can see this")

    # back as yourself: the export, downloaded from the page and parsed
    switch_member(page, "You (admin)")
    open_dm(page)
    run(page, "me export")
    link = page.locator("a.file-name", has_text=".json").last
    expect(link).to_be_visible(timeout=TIMEOUT)
    with page.expect_download() as download:
        link.click()
    data = json.loads(Path(download.value.path()).read_text(encoding="utf-8"))
    assert data, "the export is empty"
    assert "backend-to-ml-engineer" in json.dumps(data)

    # no interaction went unanswered ("The application did not respond") on the way
    expect(page.locator("#messages .notice")).to_have_count(0)

    # the README's picture: the DM with the week-2 reminder, its item checked off
    reminder.scroll_into_view_if_needed()
    shot = SCREENSHOT if os.environ.get("UPDATE_DEMO_SCREENSHOT") == "1" else tmp_path / "demo.png"
    page.screenshot(path=str(shot))
    assert shot.stat().st_size > 10_000
