"""One policy for text a member supplied: group names, echoed option values, display names.

Anything a member types can come back in a message written in the bot's voice. Discord then
renders it: masked links (`[x](https://…)`), headings, spoilers, mentions (`@everyone`,
`<@id>`, `<@&role>`), autolinked URLs, and bidi overrides or invisible characters that
disguise what is shown. So every path goes through this module:

* `clean_name` decides what may be *stored* as a name. It refuses control characters and
  direction overrides, link and mention syntax, names with nothing visible, and long ones,
  with a private `InvalidInput` the user can act on.
* `escape_text` is how user text is *shown*, in any message, public or private. It removes
  invisible and direction characters, escapes markdown, breaks mentions and URLs with a
  zero-width space, and shortens at a word boundary.
* `quote_input` is `escape_text` in quotes, for error messages that echo what was typed.

The Discord adapter also sends every message with no mentions allowed, but that is defence
in depth: the text built here is safe to post on its own. Pure: no discord imports.
"""

from __future__ import annotations

import re
import unicodedata

from bot.core.errors import InvalidInput

ZWSP = "\u200b"

#: Explicit direction marks, embeddings, overrides and isolates (Unicode's Bidi_Control).
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

#: Letters and symbols by category that render as blank space (Hangul fillers, braille blank,
#: the combining grapheme joiner, Khmer inherent vowels).
BLANKS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f\u17b4\u17b5")

#: Format (zero-width, BOM, tags, soft hyphen), control, surrogate and line/paragraph
#: separator categories: nothing a reader sees, everything a spoofer wants.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})

#: Markdown that Discord renders inline or at a line start. `<` and `@` are handled separately.
_MARKDOWN = re.compile(r"([\\*_~`|>#\-\[\]()])")
_LEADING_LIST = re.compile(r"^(\d+)\.")
_URL_SCHEME = re.compile(r"://")
_INVITE = re.compile(r"(?i)(discord(?:app)?)(\.(?:gg|com|io)/)")

#: Link syntax a stored name may not carry (checked on the NFKC-folded name, so full-width
#: look-alikes count too).
_LINK = re.compile(r"\]\s*\(|://|discord(?:app)?\.(?:gg|io)/|discord(?:app)?\.com/invite|www\.")
#: Mentions and Discord's angle-bracket syntax (users, roles, channels, emoji, timestamps,
#: slash commands, guild navigation).
_MENTION = re.compile(r"@(?:everyone|here)|<(?:[@#:/]|a:|t:|id:|sound:)")


def _invisible(ch: str) -> bool:
    return ch in BLANKS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def _forbidden(ch: str) -> bool:
    """Characters a name is refused for, rather than silently cleaned of."""
    if ch in BIDI_CONTROLS:
        return True
    category = unicodedata.category(ch)
    return category == "Cs" or (category == "Cc" and not ch.isspace())


def tidy(text: str) -> str:
    """`text` without invisible, control and direction characters, whitespace collapsed.

    Used for looking names up, so a name matches however it was pasted. Emoji joined with a
    zero-width joiner show as their separate parts: a small price for one simple rule.
    """
    kept = "".join(" " if ch.isspace() else ch for ch in text if ch.isspace() or not _invisible(ch))
    return " ".join(kept.split())


def has_visible(text: str) -> bool:
    """True when at least one letter, digit, punctuation mark or symbol would be drawn."""
    return any(unicodedata.category(ch)[0] in "LNPS" and ch not in BLANKS for ch in text)


def clean_name(text: str, *, limit: int, what: str = "name") -> str:
    """The name to store, or `InvalidInput` saying why it cannot be one.

    Control characters and direction overrides are refused (never a legitimate part of a
    name, and stripping them silently would store something other than what was typed).
    Other invisible characters are removed; what remains must show something, fit `limit`,
    and contain no link or mention syntax.
    """
    if any(_forbidden(ch) for ch in text):
        raise InvalidInput(
            f"A {what} can't contain control characters or text-direction overrides."
        )
    name = tidy(text)
    if not has_visible(name):
        raise InvalidInput(f"A {what} needs at least one visible character.")
    if len(name) > limit:
        raise InvalidInput(f"A {what} can be at most {limit} characters long.")
    folded = unicodedata.normalize("NFKC", name).casefold()
    if _LINK.search(folded):
        raise InvalidInput(
            f"A {what} can't contain links: no web addresses, invites, or square brackets "
            "followed by parentheses. Pick a plain name."
        )
    if _MENTION.search(folded):
        raise InvalidInput(
            f"A {what} can't contain mentions of everyone, here, members, roles or channels. "
            "Pick a plain name."
        )
    return name


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters: cut at a word boundary when one is near, else between
    characters (never inside a character and its accents), ending with an ellipsis."""
    if limit < 1:
        return ""
    if len(text) <= limit:
        return text
    end = limit - 1
    while end > 0 and unicodedata.combining(text[end]):
        end -= 1
    cut = text[:end]
    space = cut.rfind(" ")
    if space >= (limit * 2) // 3:
        cut = cut[:space]
    return cut.rstrip() + "…"


def escape_text(text: str, limit: int | None = None) -> str:
    """User text made safe to show anywhere in a message.

    `limit` counts the characters the user supplied (after invisible ones are removed);
    escaping may add up to one character for each, so the result is at most about twice
    as long.
    """
    shown = tidy(text)
    if limit is not None:
        shown = shorten(shown, limit)
    shown = _MARKDOWN.sub(r"\\\1", shown)
    shown = _LEADING_LIST.sub(r"\1\\.", shown)
    # A zero-width space breaks mentions (`@everyone`, `<@id>`, `<#id>`, `<t:…>`), URL
    # autolinks and invite previews, while reading the same.
    shown = shown.replace("@", "@" + ZWSP).replace("<", "<" + ZWSP)
    shown = _URL_SCHEME.sub(":" + ZWSP + "//", shown)
    return _INVITE.sub(r"\1" + ZWSP + r"\2", shown)


def quote_input(text: str, limit: int = 60) -> str:
    """What someone typed, escaped and in quotation marks, for echoing it in a message."""
    shown = escape_text(text, limit)
    return f"“{shown}”" if shown else "(empty)"
