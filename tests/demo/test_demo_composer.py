"""The page's command box and components behave like Discord's client.

`/` lists the registered commands with their descriptions; options show their choices; a
missing required option or a wrong value is refused by the page itself, with a clear line and
nothing sent; disabled buttons cannot be pressed; selects send what was picked; a deferred
reply shows "thinking…".
"""

from __future__ import annotations

from playwright.sync_api import Browser, Page, expect

from tests.demo.conftest import DemoProcess
from tests.demo.page import (
    TIMEOUT,
    fill_option,
    messages,
    open_demo,
    open_dm,
    send,
    start_command,
    switch_member,
)


def test_slash_lists_the_commands_the_bot_registered(page: Page, demo: DemoProcess) -> None:
    open_demo(page, demo.url)
    box = page.locator("#composer-input")
    box.click()
    box.type("/")
    enroll = page.locator(".suggestion[data-command='enroll']")
    expect(enroll).to_be_visible(timeout=TIMEOUT)
    expect(enroll).to_contain_text("Start a pathway")
    expect(page.locator(".suggestion[data-command='reminders set']")).to_be_visible()
    # the admin's /setup is listed for the admin (you), and for a learner too only because
    # the demo server opened it to everyone (as Server Settings > Integrations can): the bot
    # itself refuses them (see the journey)
    expect(page.locator(".suggestion[data-command='setup digest-channel']")).to_be_visible()
    box.press("Escape")
    switch_member(page, "Grace")
    box.click()
    box.fill("")
    box.type("/")
    expect(page.locator(".suggestion[data-command='enroll']")).to_be_visible(timeout=TIMEOUT)
    expect(page.locator(".suggestion[data-command='setup digest-channel']")).to_be_visible()


def test_choices_are_listed_and_a_missing_option_is_refused_by_the_page(
    page: Page, demo: DemoProcess
) -> None:
    open_demo(page, demo.url)
    start_command(page, "leaderboard")
    page.locator("#composer-input").click()
    page.locator(".suggestion[data-option='period']").click()
    for choice in ("week", "month", "all"):
        expect(page.locator(".suggestion.choice", has_text=choice)).to_be_visible()
    page.keyboard.press("Escape")
    page.keyboard.press("Escape")

    before = page.locator("#messages article.message").count()
    start_command(page, "done")
    send(page)  # the required `task` is empty
    error = page.locator("#composer-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("This field is required: task")
    expect(page.locator(".option-field.invalid input[data-option='task']")).to_be_visible()
    assert page.locator("#messages article.message").count() == before  # nothing was sent


def test_a_wrong_value_gets_a_clear_line_not_a_traceback(page: Page, demo: DemoProcess) -> None:
    open_demo(page, demo.url)
    start_command(page, "leaderboard")
    fill_option(page, "period", "fortnight")
    send(page)
    error = page.locator("#composer-error")
    expect(error).to_contain_text("period must be one of the choices", timeout=TIMEOUT)
    expect(error).not_to_contain_text("Traceback")
    page.keyboard.press("Escape")  # closes the suggestions
    page.keyboard.press("Escape")  # leaves the command
    expect(page.locator("#command-chip")).to_be_hidden()
    box = page.locator("#composer-input")
    box.fill("/nosuchcommand")
    send(page)
    expect(error).to_contain_text("There is no /nosuchcommand command here")


def test_disabled_buttons_cannot_be_pressed(page: Page, demo: DemoProcess) -> None:
    open_demo(page, demo.url)
    start_command(page, "pathways")
    fill_option(page, "pathway", "backend", pick="Machine Learning")
    send(page)
    reply = messages(page, "used /pathways").last
    buttons = reply.locator("button.btn")
    expect(buttons.first).to_be_visible(timeout=TIMEOUT)
    disabled = reply.locator("button.btn[disabled]")
    expect(disabled).to_have_count(1)  # "previous" on the first page
    enabled = reply.locator("button.btn:not([disabled])").last
    enabled.click()  # "next": the message is edited to page 2, and "previous" comes alive
    expect(reply.locator(".edited")).to_be_visible(timeout=TIMEOUT)
    expect(reply.locator("button.btn[disabled]")).to_have_count(0)


def test_a_select_menu_checks_off_what_was_picked(page: Page, demo: DemoProcess) -> None:
    open_demo(page, demo.url)
    switch_member(page, "Grace")  # enrolled by the seed
    start_command(page, "tasks")
    fill_option(page, "horizon", "", pick="30 days")
    send(page)
    reply = messages(page, "used /tasks").last
    menu = reply.locator(".select")
    expect(menu).to_be_visible(timeout=TIMEOUT)
    menu.locator(".select-toggle").click()
    picks = menu.locator(".select-option")
    first, second = picks.nth(0).inner_text(), picks.nth(1).inner_text()
    picks.nth(0).locator("input").check()
    picks.nth(1).locator("input").check()
    menu.locator(".select-apply").click()
    done = messages(page, "Progress").last
    expect(done).to_contain_text("✅", timeout=TIMEOUT)
    for label in (first, second):
        expect(done).to_contain_text(label.splitlines()[0].rstrip("…")[:30])


def test_a_deferred_reply_shows_thinking(page: Page, demo: DemoProcess) -> None:
    """The bot's real deferrals are too quick to watch, so the page is handed a deferred
    message exactly as the server sends one (loading flag set), then its final form."""
    open_demo(page, demo.url)
    open_dm(page)
    channel = page.evaluate("document.querySelector('#dms button').dataset.channel")
    message = {
        "id": "999999999999999999999",
        "channel_id": channel,
        "author": {"id": "1", "name": "PathwayBot", "bot": True},
        "created_at": 0,
        "edited_at": None,
        "content": "",
        "embeds": [],
        "components": [],
        "attachments": [],
        "ephemeral": True,
        "loading": True,
        "interaction": None,
    }
    page.evaluate(
        "m => window.demoPage.receive({type: 'sync', channel: m.channel_id, upserts: [m]})",
        message,
    )
    shown = page.locator("article[data-id='999999999999999999999']")
    expect(shown.locator(".thinking")).to_contain_text("PathwayBot is thinking")
    expect(shown.locator(".ephemeral-note")).to_contain_text("Only you can see this")
    message.update(loading=False, content="Here it is.")
    page.evaluate(
        "m => window.demoPage.receive({type: 'sync', channel: m.channel_id, upserts: [m]})",
        message,
    )
    expect(shown.locator(".thinking")).to_have_count(0)
    expect(shown).to_contain_text("Here it is.")


def test_markdown_timestamps_in_the_viewers_zone_edits_and_deletes(
    browser: Browser, demo: DemoProcess
) -> None:
    """A message as the server pushes it: Discord markdown rendered (and its HTML escaped),
    <t:…> shown in the viewer's own zone, then edited and deleted live."""
    context = browser.new_context(timezone_id="Asia/Tokyo", viewport={"width": 1400, "height": 860})
    try:
        page = context.new_page()
        open_demo(page, demo.url)
        open_dm(page)
        channel = page.evaluate("document.querySelector('#dms button').dataset.channel")
        message = {
            "id": "999999999999999999998",
            "channel_id": channel,
            "author": {"id": "1", "name": "PathwayBot", "bot": True},
            "created_at": 0,
            "edited_at": None,
            "content": "**Bold** `code` <b>not html</b> due <t:0:F> (<t:0:R>)",
            "embeds": [
                {
                    "title": "Title",
                    "color": 0x3BA55C,
                    "fields": [{"name": "Field", "value": "~~old~~ new", "inline": False}],
                    "footer": {"text": "Footer"},
                }
            ],
            "components": [],
            "attachments": [],
            "ephemeral": False,
            "loading": False,
            "interaction": None,
        }
        push = "m => window.demoPage.receive({type: 'sync', channel: m.channel_id, upserts: [m]})"
        page.evaluate(push, message)
        shown = page.locator("article[data-id='999999999999999999998']")
        expect(shown.locator("strong")).to_have_text("Bold")
        expect(shown.locator(".content code")).to_have_text("code")
        expect(shown.locator(".content")).to_contain_text("<b>not html</b>")  # shown, not run
        # 1 January 1970 00:00 UTC is 09:00 in Tokyo: the viewer's zone, as Discord shows it
        expect(shown.locator("time").first).to_have_text("Thursday, 1 January 1970 at 9:00")
        expect(shown.locator("time").nth(1)).to_contain_text("years ago")
        expect(shown.locator(".embed")).to_have_css("border-left-color", "rgb(59, 165, 92)")
        expect(shown.locator(".embed s")).to_have_text("old")
        expect(shown.locator(".embed-footer")).to_have_text("Footer")
        message.update(content="Changed", edited_at=1000)
        page.evaluate(push, message)
        expect(shown).to_contain_text("Changed")
        expect(shown.locator(".edited")).to_be_visible()
        page.evaluate(
            "m => window.demoPage.receive({type: 'sync', channel: m.channel_id, deletes: [m.id]})",
            message,
        )
        expect(shown).to_have_count(0)
    finally:
        context.close()
