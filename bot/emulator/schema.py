"""Validate request bodies against Discord's own OpenAPI spec (vendored in ``spec/``).

Why: a bot that sends an embed title of 300 characters works against a naive fake and fails on
Discord with ``400 Invalid Form Body``. Validating every body against the schemas Discord publishes
makes the emulator answer exactly that, and records the violation so a test can fail on it.

How: the 1.2 MB spec is parsed once per process and registered as one JSON Schema (draft 2020-12)
resource; a validator for an operation is just ``{"$ref": "<spec>#/paths/.../schema"}`` resolved
lazily through that registry, and is cached per (method, path). Building one costs microseconds.

Relaxations (where the spec rejects what discord.py legitimately sends), kept narrow:

* Snowflakes as JSON integers. The spec types every snowflake as a numeric *string*; Discord
  accepts integers too, and discord.py sends some as integers (upload ``attachments[].id`` indexes,
  ``message_reference.message_id``, ``allowed_mentions.users``). The ``type`` keyword therefore
  accepts a non-negative integer where the schema says ``format: snowflake``; nothing else changes.
* ``RELAXATIONS`` lists whole operations not validated, with the reason (currently none).

``docs_overlay_errors`` adds the few limits the API docs state but the spec is looser about
(message content length 2000, 6000 embed characters in total).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator, validators
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from .errors import field_error, merge_errors
from .models import JSON

SPEC_PATH = Path(__file__).resolve().parent / "spec" / "openapi.json"
SPEC_URI = "urn:discord-api-spec:openapi.json"
_JSON_MEDIA = "application/json"

#: (method, path template) -> why the spec's request schema is not applied as-is.
RELAXATIONS: dict[tuple[str, str], str] = {}


@functools.cache
def load_spec() -> JSON:
    """The parsed OpenAPI document (parsed once per process)."""
    with SPEC_PATH.open(encoding="utf-8") as handle:
        spec: JSON = json.load(handle)
    return spec


@functools.cache
def _registry() -> Registry[Any]:
    resource = DRAFT202012.create_resource(load_spec())
    registry: Registry[Any] = Registry().with_resource(SPEC_URI, resource)
    return registry


def _pointer(*parts: str) -> str:
    escaped = (p.replace("~", "~0").replace("/", "~1") for p in parts)
    return "/" + "/".join(escaped)


_draft_type = Draft202012Validator.VALIDATORS["type"]


def _type_allowing_integer_snowflakes(
    validator: Any, types: Any, instance: Any, schema: JSON
) -> Iterator[ValidationError]:
    """``type``, except that a ``format: snowflake`` string may also be a non-negative int."""
    if (
        schema.get("format") == "snowflake"
        and isinstance(instance, int)
        and not isinstance(instance, bool)
        and instance >= 0
    ):
        return
    yield from _draft_type(validator, types, instance, schema)


SpecValidator = validators.extend(Draft202012Validator, {"type": _type_allowing_integer_snowflakes})


@functools.cache
def _validator_for_pointer(pointer: str) -> Any:
    return SpecValidator({"$ref": f"{SPEC_URI}#{quote(pointer)}"}, registry=_registry())


@functools.cache
def request_validator(method: str, template: str) -> Any:
    """Validator for the JSON request body of ``METHOD template``, or None if it has none."""
    operation = load_spec()["paths"].get(template, {}).get(method.lower())
    if not operation or "requestBody" not in operation:
        return None
    if _JSON_MEDIA not in operation["requestBody"].get("content", {}):
        return None
    pointer = _pointer(
        "paths", template, method.lower(), "requestBody", "content", _JSON_MEDIA, "schema"
    )
    return _validator_for_pointer(pointer)


@functools.cache
def response_validator(method: str, template: str, status: int) -> Any:
    """Validator for a JSON response (used by the emulator's self-tests)."""
    operation = load_spec()["paths"].get(template, {}).get(method.lower())
    if not operation:
        return None
    responses = operation.get("responses", {})
    key = str(status) if str(status) in responses else f"{str(status)[0]}XX"
    response = responses.get(key)
    if response is None:
        return None
    base = ["paths", template, method.lower(), "responses", key]
    if "$ref" in response:
        name = response["$ref"].rsplit("/", 1)[-1]
        response = load_spec()["components"]["responses"][name]
        base = ["components", "responses", name]
    if _JSON_MEDIA not in response.get("content", {}):
        return None
    return _validator_for_pointer(_pointer(*base, "content", _JSON_MEDIA, "schema"))


def schema_validator(name: str) -> Any:
    """Validator for ``#/components/schemas/<name>``."""
    return _validator_for_pointer(_pointer("components", "schemas", name))


def warm_up() -> None:
    """Parse the spec now rather than on the first request (called at emulator start)."""
    _registry()


@dataclass
class SchemaViolation:
    """A request body Discord would reject; the emulator answered 400/50035 for it."""

    method: str
    path: str
    template: str
    errors: JSON
    messages: list[str]
    body: Any = field(repr=False)


def _discriminator_failed(errors: list[ValidationError]) -> bool:
    return any(list(e.path)[:1] == ["type"] and e.validator in ("enum", "const") for e in errors)


def _leaves(error: ValidationError) -> Iterator[ValidationError]:
    """Descend through anyOf/oneOf to the most relevant concrete failure.

    Discord's unions are discriminated by ``type``; prefer the branch whose ``type`` matched, so
    an invalid message callback reports the message field, not "type must be 8".
    """
    if not error.context:
        yield error
        return
    branches: dict[Any, list[ValidationError]] = {}
    for sub in error.context:
        branches.setdefault(sub.schema_path[0] if sub.schema_path else None, []).append(sub)
    matching = [errs for errs in branches.values() if not _discriminator_failed(errs)]
    candidates = [e for errs in matching for e in errs] if matching else list(error.context)
    yield from _leaves(best_match(candidates))


def _discord_error(error: ValidationError) -> tuple[list[str | int], str, str]:
    path: list[str | int] = list(error.absolute_path)
    value = error.validator_value
    kind = error.validator
    if kind == "maxLength" or kind == "maxItems":
        return path, "BASE_TYPE_MAX_LENGTH", f"Must be {value} or fewer in length."
    if kind == "minLength" or kind == "minItems":
        return path, "BASE_TYPE_MIN_LENGTH", f"Must be {value} or more in length."
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "?"
        return [*path, missing], "BASE_TYPE_REQUIRED", "This field is required"
    if kind in ("enum", "const"):
        return path, "BASE_TYPE_CHOICES", f"Value must be one of {value!r}."
    if kind == "maximum":
        return path, "NUMBER_TYPE_MAX", f"int value should be less than or equal to {value}."
    if kind == "minimum":
        return path, "NUMBER_TYPE_MIN", f"int value should be greater than or equal to {value}."
    if kind == "type":
        return path, "BASE_TYPE_BAD_TYPE", f"Must be of type {value}."
    if kind in ("oneOf", "anyOf"):
        return path, "UNION_TYPE_CHOICES", "Value is not one of the allowed shapes."
    return path, "BASE_TYPE_INVALID", error.message


def discord_errors(validator: Any, body: Any) -> tuple[JSON, list[str]]:
    """Validate ``body``; return Discord's nested ``errors`` tree and readable messages."""
    tree: JSON = {}
    messages: list[str] = []
    for error in validator.iter_errors(body):
        for leaf in _leaves(error):
            path, code, message = _discord_error(leaf)
            merge_errors(tree, field_error(path, code, message))
            dotted = ".".join(str(p) for p in path) or "<body>"
            messages.append(f"{dotted}: {code}: {message} ({leaf.message[:200]})")
    return tree, messages


def _embed_chars(embed: JSON) -> int:
    total = len(str(embed.get("title") or "")) + len(str(embed.get("description") or ""))
    for fld in embed.get("fields") or []:
        total += len(str(fld.get("name") or "")) + len(str(fld.get("value") or ""))
    total += len(str((embed.get("footer") or {}).get("text") or ""))
    total += len(str((embed.get("author") or {}).get("name") or ""))
    return total


def docs_overlay_errors(body: Any) -> tuple[JSON, list[str]]:
    """Limits from Discord's API docs that the spec does not encode (message-like bodies)."""
    tree: JSON = {}
    messages: list[str] = []
    if not isinstance(body, dict):
        return tree, messages
    content = body.get("content")
    if isinstance(content, str) and len(content) > 2000:
        merge_errors(
            tree,
            field_error(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length."),
        )
        messages.append(f"content: BASE_TYPE_MAX_LENGTH ({len(content)} > 2000 characters)")
    embeds = body.get("embeds")
    if isinstance(embeds, list):
        total = sum(_embed_chars(e) for e in embeds if isinstance(e, dict))
        if total > 6000:
            merge_errors(
                tree,
                field_error(
                    ["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000"
                ),
            )
            messages.append(f"embeds: MAX_EMBED_SIZE_EXCEEDED ({total} > 6000 characters)")
    return tree, messages


#: Operations whose bodies are message-like and get the docs overlay.
MESSAGE_LIKE: frozenset[tuple[str, str]] = frozenset(
    {
        ("POST", "/channels/{channel_id}/messages"),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
        ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
        ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
        ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
    }
)


def check_request(method: str, template: str, body: Any) -> tuple[JSON, list[str]]:
    """All errors for a request body: spec schema plus docs overlay. Empty tree means valid."""
    tree: JSON = {}
    messages: list[str] = []
    if (method, template) not in RELAXATIONS:
        validator = request_validator(method, template)
        if validator is not None:
            tree, messages = discord_errors(validator, body)
    if (method, template) in MESSAGE_LIKE:
        overlay_tree, overlay_messages = docs_overlay_errors(body)
        merge_errors(tree, overlay_tree)
        messages.extend(overlay_messages)
    if (
        method == "POST"
        and template == "/interactions/{interaction_id}/{interaction_token}/callback"
    ):
        data = body.get("data") if isinstance(body, dict) else None
        if isinstance(body, dict) and body.get("type") in (4, 7) and isinstance(data, dict):
            overlay_tree, overlay_messages = docs_overlay_errors(data)
            merge_errors(tree, {"data": overlay_tree} if overlay_tree else {})
            messages.extend(f"data.{m}" for m in overlay_messages)
    return tree, messages
