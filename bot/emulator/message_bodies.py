"""Turn message-like request bodies into stored message fields (create and edit semantics).

Channel messages, interaction responses and webhook follow-ups share Discord's message body rules:
components and embeds are echoed back (components gain numeric ``id``s, embeds ``type: "rich"``),
uploaded ``files[n]`` become attachments, ``attachments`` in an edit lists the existing attachments
to keep, and a message with nothing to show is refused with 50006.
"""

from __future__ import annotations

import copy
from typing import Any

from .bodies import ParsedBody
from .errors import ApiError
from .models import FLAG_EPHEMERAL, JSON, Attachment, Message
from .state import EmulatorState

#: Flags a bot may set when creating or editing a message.
SUPPRESS_EMBEDS = 1 << 2
SUPPRESS_NOTIFICATIONS = 1 << 12
IS_COMPONENTS_V2 = 1 << 15
CREATE_FLAGS = SUPPRESS_EMBEDS | SUPPRESS_NOTIFICATIONS | IS_COMPONENTS_V2


def empty_message() -> ApiError:
    return ApiError(400, 50006, "Cannot send an empty message")


def normalize_components(components: list[JSON] | None) -> list[JSON]:
    """Copy components and number them depth first, as Discord does in responses."""
    result = copy.deepcopy(components or [])
    counter = 0

    def walk(items: list[JSON]) -> None:
        nonlocal counter
        for item in items:
            counter += 1
            item.setdefault("id", counter)
            walk(item.get("components") or [])
            for key in ("accessory", "component"):
                inner = item.get(key)
                if isinstance(inner, dict):
                    walk([inner])

    walk(result)
    return result


def normalize_embeds(embeds: list[JSON] | None) -> list[JSON]:
    result = copy.deepcopy(embeds or [])
    for embed in result:
        embed.setdefault("type", "rich")
        embed.setdefault("content_scan_version", 0)
    return result


def _new_attachments(
    state: EmulatorState, channel_id: int, body: ParsedBody, *, ephemeral: bool
) -> list[Attachment]:
    """Attachments for the uploaded files, using metadata from the body's ``attachments``."""
    meta: dict[int, JSON] = {}
    for entry in (body.json or {}).get("attachments") or []:
        try:
            meta[int(entry["id"])] = entry
        except (KeyError, TypeError, ValueError):
            continue
    result = []
    for upload in sorted(body.files, key=lambda f: f.index):
        info = meta.get(upload.index, {})
        result.append(
            state.make_attachment(
                channel_id,
                info.get("filename") or upload.filename,
                upload.data,
                content_type=upload.content_type,
                description=info.get("description"),
                title=info.get("title"),
                ephemeral=ephemeral,
            )
        )
    return result


def create_fields(
    state: EmulatorState,
    channel_id: int,
    body: ParsedBody,
    *,
    allow_ephemeral: bool,
    forced_flags: int = 0,
) -> dict[str, Any]:
    """Fields for :meth:`EmulatorState.create_message` from a create body."""
    payload: JSON = body.json or {}
    allowed = CREATE_FLAGS | (FLAG_EPHEMERAL if allow_ephemeral else 0)
    flags = (int(payload.get("flags") or 0) & allowed) | forced_flags
    fields: dict[str, Any] = {
        "content": payload.get("content") or "",
        "embeds": normalize_embeds(payload.get("embeds")),
        "components": normalize_components(payload.get("components")),
        "attachments": _new_attachments(
            state, channel_id, body, ephemeral=bool(flags & FLAG_EPHEMERAL)
        ),
        "flags": flags,
        "tts": bool(payload.get("tts") or False),
    }
    if payload.get("message_reference"):
        fields["message_reference"] = payload["message_reference"]
    has_poll = bool(payload.get("poll"))
    has_stickers = bool(payload.get("sticker_ids"))
    if not (
        fields["content"]
        or fields["embeds"]
        or fields["components"]
        or fields["attachments"]
        or has_poll
        or has_stickers
    ):
        raise empty_message()
    return fields


def edit_fields(state: EmulatorState, message: Message, body: ParsedBody) -> dict[str, Any]:
    """Changes for :meth:`EmulatorState.edit_message`: only keys present in the body change."""
    payload: JSON = body.json or {}
    changes: dict[str, Any] = {}
    if "content" in payload:
        changes["content"] = payload["content"] or ""
    if "embeds" in payload:
        changes["embeds"] = normalize_embeds(payload["embeds"])
    if "components" in payload:
        changes["components"] = normalize_components(payload["components"])
    if "flags" in payload and payload["flags"] is not None:
        keep = message.flags & ~(SUPPRESS_EMBEDS | IS_COMPONENTS_V2)
        changes["flags"] = keep | (int(payload["flags"]) & (SUPPRESS_EMBEDS | IS_COMPONENTS_V2))
    attachments = list(message.attachments)
    if "attachments" in payload and payload["attachments"] is not None:
        keep_ids = set()
        for entry in payload["attachments"]:
            try:
                keep_ids.add(int(entry["id"]))
            except (KeyError, TypeError, ValueError):
                continue
        attachments = [a for a in attachments if a.id in keep_ids]
    new = _new_attachments(state, message.channel_id, body, ephemeral=message.ephemeral)
    if new or "attachments" in payload:
        changes["attachments"] = attachments + new
    return changes
