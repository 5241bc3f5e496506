"""The text policy: what may be stored as a name, and how any user text is shown."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.errors import InvalidInput
from bot.core.untrusted import (
    BIDI_CONTROLS,
    ZWSP,
    clean_name,
    escape_text,
    quote_input,
    shorten,
    tidy,
)

HOSTILE = [
    "@everyone",
    "@here",
    "<@&123456789012345678>",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<#123456789012345678>",
    "[x](https://evil.example)",
    "[discord.com/settings](https://evil.example/login)",
    "'; DROP TABLE enrolments;--",
    "\u202egnp.exe",
    "a\x00b",
    "x" * 6000,
]

#: Text that leans on everything the policy defends against.
nasty = st.lists(
    st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from([*"@<>[]()*_~`|#-\\:/.&!", *BIDI_CONTROLS, "\x00", ZWSP, "\u3164", "\n"]),
        st.sampled_from(["@everyone", "@here", "<@&1>", "<@1>", "https://", "](", "discord.gg/"]),
    ),
    max_size=60,
).map("".join)

SPECIAL = set("\\*_~`|>#-[]()")


def unescape(shown: str) -> str:
    """What a reader sees: backslash escapes resolved and zero-width spaces dropped."""
    return re.sub(r"\\(.)", r"\1", shown).replace(ZWSP, "")


def unescaped_specials(shown: str) -> list[str]:
    """Markdown characters that are not preceded by an escaping backslash."""
    out, i = [], 0
    while i < len(shown):
        if shown[i] == "\\":
            i += 2
            continue
        if shown[i] in SPECIAL:
            out.append(shown[i])
        i += 1
    return out


@given(nasty)
def test_escaped_text_cannot_ping_link_or_format(text: str) -> None:
    shown = escape_text(text)
    for raw in ("@everyone", "@here", "<@", "<#", "<t:", "](", "://", "discord.gg/"):
        assert raw not in shown.casefold()
    assert not unescaped_specials(shown)
    assert not any(ch in BIDI_CONTROLS for ch in shown)
    assert all(unicodedata.category(ch) != "Cc" for ch in shown)


@given(nasty)
def test_escaping_loses_nothing_a_reader_sees(text: str) -> None:
    assert unescape(escape_text(text)) == tidy(text)


@given(nasty, st.integers(min_value=1, max_value=120))
def test_escaped_text_is_shortened_by_what_the_user_typed(text: str, limit: int) -> None:
    shown = escape_text(text, limit)
    visible = unescape(shown)
    assert len(visible) <= limit
    assert len(shown) <= 2 * limit + 2
    if len(tidy(text)) > limit:
        assert visible.endswith("…")


def test_shorten_prefers_a_word_boundary_and_keeps_accents() -> None:
    assert shorten("study group for backend people", 20) == "study group for…"
    assert shorten("abcdefghij", 5) == "abcd…"
    accented = "e\u0301" * 10
    cut = shorten(accented, 6)[:-1]
    assert accented.startswith(cut)
    assert not unicodedata.combining(accented[len(cut)])  # no letter cut from its accent
    assert shorten("short", 10) == "short"


def test_quote_input_shows_what_was_typed_or_says_empty() -> None:
    assert quote_input("Europe/Londn") == "“Europe/Londn”"
    assert quote_input("\x00\u202e\u200b  ") == "(empty)"
    assert quote_input("@everyone") == f"“@{ZWSP}everyone”"
    assert quote_input("[x](https://evil.example)") == (
        f"“\\[x\\]\\(https:{ZWSP}//evil.example\\)”"
    )
    assert quote_input("<@&42>") == f"“<{ZWSP}@{ZWSP}&42\\>”"
    assert len(quote_input("x" * 6000, 80)) <= 82


def test_markdown_names_are_shown_literally() -> None:
    assert escape_text("**ML** __crew__ ||spoiler|| # one") == (
        "\\*\\*ML\\*\\* \\_\\_crew\\_\\_ \\|\\|spoiler\\|\\| \\# one"
    )
    assert escape_text("1. first") == "1\\. first"
    assert escape_text("discord.gg/abc") == f"discord{ZWSP}.gg/abc"


@pytest.mark.parametrize(
    "name", ["Spring Cohort", "**Bold** crew", "C++ <3", "ML @ night", "Équipe été 🚀", "a_b"]
)
def test_plain_and_markdown_names_are_accepted(name: str) -> None:
    assert clean_name(name, limit=80) == name


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("[x](https://evil.example)", "link"),
        ("[discord.com/settings](https://evil.example/login)", "link"),
        ("\uff3bx\uff3d\uff08evil.example\uff09", "link"),  # full-width look-alikes
        ("see https://evil.example", "link"),
        ("join discord.gg/abc", "link"),
        ("]\u200b(", "link"),  # invisible characters cannot hide syntax
        ("@everyone", "mention"),
        ("@here", "mention"),
        ("<@&123456789012345678>", "mention"),
        ("<@123456789012345678>", "mention"),
        ("<#123456789012345678>", "mention"),
        ("<t:0:R>", "mention"),
        ("a\x00b", "control"),
        ("\u202egnp.exe", "control"),
        ("x\u2066y", "control"),
        ("", "visible"),
        ("\u200b\u200d\ufeff", "visible"),
        ("\u3164\u2800 ", "visible"),
        ("\u0301\u0301", "visible"),
        ("x" * 81, "at most 80"),
        ("x" * 6000, "at most 80"),
    ],
)
def test_unsafe_names_are_refused_with_a_reason(name: str, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        clean_name(name, limit=80, what="group name")


def test_names_lose_invisible_characters_and_extra_spaces() -> None:
    assert clean_name("  Spring\u200b   Cohort\ufeff ", limit=80) == "Spring Cohort"


@given(nasty)
def test_accepted_names_are_stable_and_safe(text: str) -> None:
    try:
        name = clean_name(text, limit=80)
    except InvalidInput as err:
        for raw in ("@", "<", "](", "://", "\x00"):  # refusals never echo what was typed
            assert raw not in err.user_message
        return
    assert clean_name(name, limit=80) == name
    assert 0 < len(name) <= 80
    folded = unicodedata.normalize("NFKC", name).casefold()
    for raw in ("@everyone", "@here", "<@", "](", "://"):
        assert raw not in folded
    assert not any(ch in BIDI_CONTROLS or ch == "\x00" for ch in name)


@pytest.mark.parametrize("value", HOSTILE)
def test_every_hostile_value_is_refused_as_a_name_or_shown_inert(value: str) -> None:
    shown = quote_input(value, 80)
    assert "@everyone" not in shown and "@here" not in shown and "<@" not in shown
    assert "](" not in shown and "\x00" not in shown and "\u202e" not in shown
    if value.startswith("'"):
        assert clean_name(value, limit=80) == value  # harmless text is simply a name
        return
    with pytest.raises(InvalidInput):
        clean_name(value, limit=80)
