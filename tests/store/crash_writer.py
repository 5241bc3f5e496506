"""Run by test_crash_safety: record completions until killed, reporting each after commit.

    python crash_writer.py DB_PATH_OR_POSTGRES_URL RUN

Four concurrent writers, one per enrolment 1-4, so a kill can land anywhere: mid-statement,
mid-commit, while another coroutine waits for the lock. A line is printed only once
its unit of work (the store calls /done makes: tests/store/values.py `complete`) has
returned, i.e. once the commit is durable, which is the promise under test.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.models import CompletionSource
from bot.store import Store
from bot.store.store import open_store
from tests.store.values import complete

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
WRITERS = 4


async def _writer(store: Store, enrolment_id: int, run: int) -> None:
    n = 0
    while True:
        item = f"r{run}-{n}"
        await complete(
            store, enrolment_id, item, NOW + timedelta(seconds=n), CompletionSource.BUTTON, 1
        )
        print(f"{enrolment_id} {item}", flush=True)
        n += 1


async def main(where: str, run: int) -> None:
    url = where if where.startswith("postgresql://") else None
    async with await open_store(Path(where), url) as store:
        print("ready", flush=True)
        await asyncio.gather(*(_writer(store, eid, run) for eid in range(1, WRITERS + 1)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
