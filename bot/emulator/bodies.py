"""Parse request bodies the way Discord accepts them: JSON, or multipart with files.

discord.py sends messages with files as multipart/form-data: a ``payload_json`` part holding the
JSON body (whose ``attachments`` entries reference files by ``id`` = index) and ``files[n]`` parts.
Both forms are normalised to a :class:`ParsedBody` so handlers and schema validation see one shape.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, web

from .errors import ApiError


@dataclass
class UploadedFile:
    """One ``files[n]`` part of a multipart request."""

    index: int
    filename: str
    content_type: str | None
    data: bytes


@dataclass
class ParsedBody:
    json: Any = None
    files: list[UploadedFile] = field(default_factory=list)
    multipart: bool = False

    def file(self, index: int) -> UploadedFile | None:
        return next((f for f in self.files if f.index == index), None)


def _invalid_json() -> ApiError:
    return ApiError(400, 50109, "The request body contains invalid JSON.")


def _file_index(name: str) -> int | None:
    if name.startswith("files[") and name.endswith("]"):
        inner = name[len("files[") : -1]
        return int(inner) if inner.isdigit() else None
    if name.startswith("file"):
        tail = name[len("file") :]
        return int(tail) if tail.isdigit() else 0 if tail == "" else None
    return None


async def read_body(request: web.Request) -> ParsedBody:
    """Read and decode the body once; handlers get it from ``request[BODY_KEY]``."""
    if not request.body_exists:
        return ParsedBody()
    content_type = request.content_type
    if content_type.startswith("multipart/"):
        return await _read_multipart(request)
    raw = await request.read()
    if not raw:
        return ParsedBody()
    try:
        return ParsedBody(json=json.loads(raw))
    except ValueError:
        raise _invalid_json() from None


async def _read_multipart(request: web.Request) -> ParsedBody:
    body = ParsedBody(multipart=True)
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        if not isinstance(part, BodyPartReader):
            continue
        name = part.name or ""
        data = await part.read(decode=True)
        if name == "payload_json":
            try:
                body.json = json.loads(data)
            except ValueError:
                raise _invalid_json() from None
            continue
        index = _file_index(name)
        if index is None:
            continue
        body.files.append(
            UploadedFile(
                index=index,
                filename=part.filename or f"file{index}",
                content_type=part.headers.get("Content-Type"),
                data=bytes(data),
            )
        )
    if body.json is None:
        body.json = {}
    return body
