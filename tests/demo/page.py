"""Acting in the demo page as a person would: the command box, buttons, the switcher."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

TIMEOUT = 15_000


def open_demo(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.locator("body")).to_have_attribute("data-ready", "1", timeout=TIMEOUT)
    expect(page.locator("#member-select option")).to_have_count(4, timeout=TIMEOUT)
    synced(page)


def start_command(page: Page, full: str) -> None:
    """Type `/` and the start of the command, then pick it from the list as a user would."""
    box = page.locator("#composer-input")
    box.click()
    box.fill("")
    box.type("/" + full.split()[0][:3])
    suggestion = page.locator(f".suggestion[data-command='{full}']")
    expect(suggestion).to_be_visible(timeout=TIMEOUT)
    suggestion.click()
    expect(page.locator("#command-chip")).to_have_text("/" + full)


def fill_option(page: Page, name: str, text: str, *, pick: str | None = None) -> None:
    """Type into option `name` (adding it from the optional list if needed); with `pick`,
    choose the suggestion containing that text (choices or the bot's autocomplete)."""
    field = page.locator(f"#option-fields input[data-option='{name}']")
    if field.count() == 0:
        page.locator("#composer-input").click()
        page.locator(f".suggestion[data-option='{name}']").click()
    field.click()
    field.fill("")
    field.type(text)
    if pick is not None:
        choice = page.locator(".suggestion.choice", has_text=pick).first
        expect(choice).to_be_visible(timeout=TIMEOUT)
        choice.click()


def send(page: Page) -> None:
    page.keyboard.press("Enter")


def run(page: Page, full: str, **options: str) -> None:
    """Run `/full` with options typed as text, then Enter."""
    start_command(page, full)
    for name, text in options.items():
        fill_option(page, name, text)
    send(page)


def synced(page: Page) -> None:
    """Wait until the server has sent the open channel's messages (after a switch)."""
    expect(page.locator("body")).to_have_attribute("data-synced", "1")


def switch_member(page: Page, name: str) -> None:
    page.locator("#member-select").select_option(label=name)
    expect(page.locator("#me-avatar")).to_have_text(name[0])
    synced(page)


def open_channel(page: Page, name: str) -> None:
    page.locator("#channels button", has_text=name).click()
    expect(page.locator("#chat-title")).to_have_text(name)
    synced(page)


def open_dm(page: Page) -> None:
    page.locator("#dms button").click()
    expect(page.locator("#chat-icon")).to_have_text("@")
    synced(page)


def messages(page: Page, text: str) -> Locator:
    return page.locator("#messages article.message", has_text=text)


def last_message(page: Page) -> Locator:
    return page.locator("#messages article.message").last
