"""Gateway transport compression, as requested by the client's ``compress`` query parameter.

discord.py 2.7 asks for ``compress=zstd-stream`` when the ``zstandard`` package (or Python 3.14's
``compression.zstd``) is importable and ``compress=zlib-stream`` otherwise, and sends nothing when
created with ``compress=False``. Both stream codecs share one compression context for the whole
connection and flush after every message (zlib with Z_SYNC_FLUSH, so each frame ends in
``00 00 ff ff``, which is how the client detects a complete message).
"""

from __future__ import annotations

import importlib
import zlib
from typing import Any, Protocol


class UnsupportedCompression(ValueError):
    """The client asked for a compression the emulator cannot produce."""


class Codec(Protocol):
    name: str
    binary: bool

    def encode(self, text: str) -> bytes | str: ...


class PlainCodec:
    name = "none"
    binary = False

    def encode(self, text: str) -> str:
        return text


class ZlibStreamCodec:
    name = "zlib-stream"
    binary = True

    def __init__(self) -> None:
        self._compressor = zlib.compressobj()

    def encode(self, text: str) -> bytes:
        data = self._compressor.compress(text.encode("utf-8"))
        return data + self._compressor.flush(zlib.Z_SYNC_FLUSH)


def _zstd_module() -> Any:
    for name in ("zstandard", "compression.zstd"):
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


class ZstdStreamCodec:
    name = "zstd-stream"
    binary = True

    def __init__(self) -> None:
        module = _zstd_module()
        if module is None:
            raise UnsupportedCompression("zstd-stream requested but no zstd module is installed")
        if module.__name__ == "zstandard":
            self._compressor = module.ZstdCompressor().compressobj()
            self._flush_mode = module.COMPRESSOBJ_FLUSH_BLOCK
        else:
            self._compressor = module.ZstdCompressor()
            self._flush_mode = module.ZstdCompressor.FLUSH_BLOCK

    def encode(self, text: str) -> bytes:
        data = self._compressor.compress(text.encode("utf-8"))
        return bytes(data) + bytes(self._compressor.flush(self._flush_mode))


def zstd_available() -> bool:
    return _zstd_module() is not None


def codec_for(compress: str | None) -> Codec:
    """The codec for a ``compress`` query value (None or empty means uncompressed)."""
    if not compress:
        return PlainCodec()
    if compress == "zlib-stream":
        return ZlibStreamCodec()
    if compress == "zstd-stream":
        return ZstdStreamCodec()
    raise UnsupportedCompression(f"unknown compression {compress!r}")
