"""Who sends: a lock that exactly one process of the bot holds at a time, and that its death
releases.

Discord's 50 requests/s belong to the token, not to a process, so only one process runs the
reminder and digest sweeps; the others answer interactions and stand by. The lock must free
itself when its holder dies without saying goodbye (SIGKILL, a lost host), or nobody would
send again. Both engines give us such a lock for free:

- SQLite (processes on one host sharing the file): an exclusive `flock` on a file beside the
  database. The kernel drops it the moment the holding process exits, however it exits.
- PostgreSQL: a session-level advisory lock on a connection of its own, outside the pool.
  The server drops it when that session ends: at once when the holder's process dies (its
  socket closes), and after the TCP keepalive probes fail when its host vanishes.

`hold()` is called once per scheduler tick by every process: the holder confirms it still
holds the lock (its connection answers), a standby tries to take it. Neither ever waits.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    import asyncpg

log = logging.getLogger(__name__)

#: The advisory lock's key (one bigint): "pathway-bot sender" in a number, far from the
#: small keys the migrations and row locks use.
SENDER_LOCK_KEY = 0x70617468_73656E64  # b"pathsend"
#: How long a check may take before the holder counts the lock as lost.
CHECK_TIMEOUT_S = 5.0
# The server notices a vanished client after idle + interval x count seconds (10 + 5 x 3),
# well inside the minute a standby has to take over.
_KEEPALIVE = {
    "tcp_keepalives_idle": "10",
    "tcp_keepalives_interval": "5",
    "tcp_keepalives_count": "3",
    "application_name": "pathway-bot sender lock",
}


class SenderLock(Protocol):
    async def hold(self) -> bool:
        """Keep or take the lock without waiting: True when this process holds it now."""

    async def release(self) -> None:
        """Let it go (on shutdown), so a standby takes over on its next tick."""


class FileSenderLock:
    """The SQLite store's lock: `flock` on `<database>.sender.lock`."""

    def __init__(self, database_path: Path) -> None:
        self.path = database_path.with_name(database_path.name + ".sender.lock")
        self._fd: int | None = None

    async def hold(self) -> bool:
        if self._fd is not None:
            return True
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            log.warning("cannot open the sender lock %s: %s", self.path, exc)
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    async def release(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            with contextlib.suppress(OSError):
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class PgSenderLock:
    """The PostgreSQL store's lock: `pg_try_advisory_lock` on a dedicated session."""

    def __init__(self, url: str, key: int = SENDER_LOCK_KEY) -> None:
        self._url = url
        self._key = key
        self._conn: asyncpg.Connection | None = None  # asyncpg loads only when it is used
        self._held = False

    async def hold(self) -> bool:
        import asyncpg

        try:
            if self._conn is None:
                self._conn = await asyncpg.connect(
                    self._url, timeout=CHECK_TIMEOUT_S, server_settings=_KEEPALIVE
                )
            conn = self._conn
            if self._held:
                await conn.fetchval("SELECT 1", timeout=CHECK_TIMEOUT_S)
            else:
                self._held = bool(
                    await conn.fetchval(
                        "SELECT pg_try_advisory_lock($1)", self._key, timeout=CHECK_TIMEOUT_S
                    )
                )
        # Any failure means the lock cannot be confirmed: a cut session surfaces as one of
        # several asyncpg errors (InterfaceError, InternalClientError, ...), a network fault
        # as OSError or a timeout. Sending on without the lock is the one thing not to do.
        except Exception as exc:
            if self._held:
                log.warning("lost the sender lock's connection: %s", exc)
            else:
                log.debug("cannot reach the database for the sender lock: %s", exc)
            await self._drop()
            return False
        return self._held

    async def release(self) -> None:
        await self._drop()

    async def _drop(self) -> None:
        """Closing the session releases the advisory lock with it."""
        conn, self._conn, self._held = self._conn, None, False
        if conn is not None and not conn.is_closed():
            try:
                await asyncio.wait_for(conn.close(), CHECK_TIMEOUT_S)
            except Exception:  # closing politely failed: just drop the socket
                conn.terminate()
