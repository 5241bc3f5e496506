"""The sender lock: one holder among every process on the database, freed when it goes.

Run on both engines. Two Store objects on one database stand for two processes; a
subprocess that takes the lock and is SIGKILLed stands for a sender that dies unannounced.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import textwrap
from datetime import timedelta

import asyncpg
import pytest

from bot.core.models import DeliveryKind
from bot.store import Store

from .backends import Target
from .values import NOW

MINUTE = timedelta(minutes=1)


async def test_one_holder_at_a_time_and_release_hands_it_on(store: Store, database: Target) -> None:
    async with await database.open() as other:
        first, second = store.sender_lock(), other.sender_lock()
        assert await first.hold() is True
        assert await second.hold() is False
        assert await first.hold() is True  # holding again keeps it, and nobody else gets it
        assert await second.hold() is False
        await first.release()
        assert await second.hold() is True
        assert await first.hold() is False
        await second.release()


def _holder_script(database: Target) -> str:
    """A child process that takes the lock, says so, and then sleeps until it is killed."""
    open_line = (
        f"await Store.open_postgres({database.url!r})"
        if database.url
        else f"await Store.open(Path({str(database.path)!r}))"
    )
    return textwrap.dedent(
        f"""
        import asyncio, sys
        from pathlib import Path
        from bot.store import Store

        async def main():
            store = {open_line}
            lock = store.sender_lock()
            print("held" if await lock.hold() else "refused", flush=True)
            await asyncio.sleep(600)

        asyncio.run(main())
        """
    )


async def test_a_killed_holder_frees_the_lock(store: Store, database: Target) -> None:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _holder_script(database), stdout=asyncio.subprocess.PIPE
    )
    try:
        assert child.stdout is not None
        line = await asyncio.wait_for(child.stdout.readline(), 30)
        assert line.strip() == b"held"
        lock = store.sender_lock()
        assert await lock.hold() is False  # the child holds it
        child.send_signal(signal.SIGKILL)
        await child.wait()
        for _ in range(50):  # the server notices the closed socket within moments
            if await lock.hold():
                break
            await asyncio.sleep(0.1)
        assert await lock.hold() is True
        await lock.release()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()


async def test_a_holder_whose_session_is_cut_says_so(store: Store, database: Target) -> None:
    """An administrator (or a failover) ends the lock's session;
    the holder must notice on its next check instead of sending on without the lock."""
    if database.url is None:
        pytest.skip("PostgreSQL only: SQLite's file lock has no session to cut")
    lock = store.sender_lock()
    assert await lock.hold() is True
    conn = await asyncpg.connect(database.url)
    try:
        cut = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = 'pathway-bot sender lock' AND datname = current_database()"
        )
        assert cut == 1
    finally:
        await conn.close()
    assert await lock.hold() is False  # the check fails: no longer the sender
    assert await lock.hold() is True  # and the next tick takes it again, as nobody holds it
    await lock.release()


async def test_retry_claims_take_only_the_kinds_asked_for(store: Store) -> None:
    """The reminder sweep leases reminder and fallback rows; a digest row it left alone
    stays due for the digest sweep instead of waiting out a lease it never needed."""
    reminder = await store.deliveries.claim(DeliveryKind.REMINDER, "enrolment:1", "w", NOW - MINUTE)
    digest = await store.deliveries.claim(DeliveryKind.DIGEST, "group:1", "w", NOW - MINUTE)
    taken = await store.deliveries.claim_retries(
        NOW, NOW + MINUTE, kinds=(DeliveryKind.REMINDER, DeliveryKind.FALLBACK)
    )
    assert [d.id for d in taken] == [reminder.delivery.id]
    due = await store.deliveries.due_for_retry(NOW)
    assert [d.id for d in due] == [digest.delivery.id]
