"""Key/value facts about this installation (e.g. the command tree hash last synced)."""

from __future__ import annotations

from bot.store.backend import Backend, Dialect, Tx


async def _lock_key(tx: Tx, key: str) -> None:
    """On PostgreSQL, where writers run in parallel, hold `key` until the transaction ends.

    A row lock would not do: when the key is absent there is no row to lock, and two
    writers would both see "absent" and both win. A transaction-scoped advisory lock on the
    key's hash serialises them (the two-key form, apart from the learner locks' space 1).
    SQLite's single writer already does this.
    """
    if tx.dialect is Dialect.POSTGRES:
        await tx.execute("SELECT pg_advisory_xact_lock(2, hashtext(?))", (key,))


class Meta:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def get(self, key: str) -> str | None:
        async with self._db.read_one() as tx:
            row = await tx.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set(self, key: str, value: str) -> None:
        async with self._db.write() as tx:
            await tx.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    async def replace(self, key: str, expected: str | None, value: str | None) -> bool:
        """Set `key` to `value` (None deletes it) only if it still holds `expected`.

        One write transaction, so of several processes racing to record the same change,
        exactly one sees True: the command sync uses it to sync once, not once per process.
        """
        async with self._db.write() as tx:
            await _lock_key(tx, key)
            row = await tx.fetchone("SELECT value FROM meta WHERE key = ?", (key,))
            current = None if row is None else str(row["value"])
            if current != expected:
                return False
            if value is None:
                await tx.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                await tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?, ?)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (key, value),
                )
            return True
