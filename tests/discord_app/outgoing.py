"""Reading what the bot sent as Discord would: who a message pings and what text it shows.

The emulator records every REST request; these helpers pick out the message bodies (channel
posts, interaction responses, follow-ups and edits) and apply Discord's mention rules to
them, so tests can assert "nothing pings" from the requests themselves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from bot.emulator.metrics import RequestRecord
from bot.emulator.models import Message

#: Interaction callback types that carry a message body (4 reply, 7 update).
_MESSAGE_CALLBACKS = {4, 7}
_MESSAGE_ROUTES = (
    "POST /channels/{channel_id}/messages",
    "PATCH /channels/{channel_id}/messages/{message_id}",
    "POST /webhooks/{webhook_id}/{webhook_token}",
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original",
    "PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
)


def message_bodies(requests: Iterable[RequestRecord]) -> Iterator[dict[str, Any]]:
    """Every message body the bot sent or edited in `requests`."""
    for r in requests:
        body = r.body if isinstance(r.body, dict) else None
        if body is None:
            continue
        if r.route == "POST /interactions/{interaction_id}/{interaction_token}/callback":
            data = body.get("data")
            if body.get("type") in _MESSAGE_CALLBACKS and isinstance(data, dict):
                yield data
        elif r.route in _MESSAGE_ROUTES:
            yield body


def allowed(body: dict[str, Any]) -> tuple[set[str], set[str], set[str]]:
    """(parse, users, roles) a body's allowed_mentions permits. Without the field, Discord
    parses everything in the content."""
    mentions = body.get("allowed_mentions")
    if mentions is None:
        return {"everyone", "users", "roles"}, set(), set()
    return (
        set(mentions.get("parse") or []),
        {str(u) for u in mentions.get("users") or []},
        {str(r) for r in mentions.get("roles") or []},
    )


def pings(body: dict[str, Any]) -> set[str]:
    """Who Discord would notify for this body: "everyone", "user:ID", "role:ID".

    Only `content` can ping (embeds never do); allowed_mentions filters what it parses.
    """
    content = body.get("content") or ""
    parse, users, roles = allowed(body)
    out: set[str] = set()
    if "everyone" in parse and re.search(r"@(everyone|here)", content):
        out.add("everyone")
    for uid in re.findall(r"<@!?(\d+)>", content):
        if "users" in parse or uid in users:
            out.add(f"user:{uid}")
    for rid in re.findall(r"<@&(\d+)>", content):
        if "roles" in parse or rid in roles:
            out.add(f"role:{rid}")
    return out


def permits_nothing(body: dict[str, Any]) -> bool:
    """allowed_mentions is present and lets nobody be pinged, whatever the content says."""
    mentions = body.get("allowed_mentions")
    if mentions is None:
        return False
    parse, users, roles = allowed(body)
    return not parse and not users and not roles and not mentions.get("replied_user")


def shown_text(message: Message) -> str:
    """Everything a reader sees in a message: content and every embed text field."""
    parts = [message.content]
    for embed in message.embeds:
        parts += [embed.get("title") or "", embed.get("description") or ""]
        parts += [(embed.get("footer") or {}).get("text") or ""]
        parts += [(embed.get("author") or {}).get("name") or ""]
        for field in embed.get("fields") or []:
            parts += [field.get("name") or "", field.get("value") or ""]
    return "\n".join(parts)


def embed_length(embed: dict[str, Any]) -> int:
    """Discord's length of one embed: title, description, field names and values, footer
    and author name (the sum Discord caps at 6,000 per message)."""
    n = len(embed.get("title") or "") + len(embed.get("description") or "")
    n += len((embed.get("footer") or {}).get("text") or "")
    n += len((embed.get("author") or {}).get("name") or "")
    for field in embed.get("fields") or []:
        n += len(field.get("name") or "") + len(field.get("value") or "")
    return n


def rendered_length(message: Message) -> int:
    """What a reader has to read: the content plus every embed's Discord length."""
    return len(message.content) + sum(embed_length(e) for e in message.embeds)


def component_text(components: list[dict[str, Any]]) -> str:
    """Every label, placeholder and option label/description on a message's components
    (custom_ids and option values are for the bot, so they are left out)."""
    parts: list[str] = []
    for row in components:
        for c in row.get("components") or []:
            parts += [c.get("label") or "", c.get("placeholder") or ""]
            for option in c.get("options") or []:
                parts += [option.get("label") or "", option.get("description") or ""]
    return "\n".join(parts)


def button_labels(components: list[dict[str, Any]]) -> list[str]:
    return [
        c["label"]
        for row in components
        for c in row.get("components") or []
        if c.get("type") == 2 and c.get("label")
    ]
