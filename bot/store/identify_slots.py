"""When each IDENTIFY bucket may next IDENTIFY, shared by every process on this database.

Discord lets one shard per bucket IDENTIFY per 5 seconds. Before every IDENTIFY a process
claims its shard's bucket here (bot/discord_app/identify.py). The claim succeeds only if the
bucket is free now, and then holds it for one window; otherwise it stores nothing and says
when the bucket frees up, and the caller sleeps until then, outside any transaction, and
claims again. Only a process about to IDENTIFY holds a turn: one that dies while waiting
leaves nothing behind, so a crash loop never pushes the next turn further out than a window.

Times are wall-clock Unix seconds: the processes share no monotonic clock.
"""

from __future__ import annotations

from bot.store.backend import Backend, Dialect, Tx

#: The advisory locks' first key (two-key form): learners use 1, meta 2. The migrations and
#: the sender lock use single-bigint keys, a key space apart from every two-key one.
IDENTIFY_LOCK_SPACE = 3

_LOCK = f"SELECT pg_advisory_xact_lock({IDENTIFY_LOCK_SPACE}, ?)"
_GET = "SELECT next_at FROM identify_slots WHERE bucket = ?"
_SET = (
    "INSERT INTO identify_slots (bucket, next_at) VALUES (?, ?)"
    " ON CONFLICT (bucket) DO UPDATE SET next_at = excluded.next_at"
)


async def _lock_bucket(tx: Tx, bucket: int) -> None:
    """On PostgreSQL, where writers run in parallel, hold the bucket until the commit.

    A row lock would not do for a bucket's first claim: there is no row yet, and two
    writers would both read "free". SQLite's single writer already serialises them.
    """
    if tx.dialect is Dialect.POSTGRES:
        await tx.execute(_LOCK, (bucket,))


class IdentifySlots:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def claim(self, bucket: int, now: float, window: float) -> float | None:
        """Take `bucket`'s turn if it is free at `now` (Unix seconds): hold it until
        `now + window` and return None; the caller may IDENTIFY at once. Otherwise change
        nothing and return when the bucket frees up; claim again then. Raises StorageError if
        the database fails."""
        async with self._db.write() as tx:
            await _lock_bucket(tx, bucket)
            row = await tx.fetchone(_GET, (bucket,))
            if row is not None and float(row["next_at"]) > now:
                return float(row["next_at"])
            await tx.execute(_SET, (bucket, float(now) + float(window)))
        return None

    async def next_at(self, bucket: int) -> float | None:
        """When `bucket` frees up, or None if it was never claimed."""
        async with self._db.read_one() as tx:
            row = await tx.fetchone(_GET, (bucket,))
        return None if row is None else float(row["next_at"])
