"""`read_one()`, on both engines: one statement outside a transaction (one round trip on
PostgreSQL instead of three), the same rows as `read()`, a second statement refused rather
than silently read from another snapshot, and the unit's own transaction inside a unit."""

from __future__ import annotations

import pytest

from bot.store import Store
from bot.store.postgres.db import PgDatabase
from tests.store.counting import CountingBackend

from .values import Enrol


async def test_one_statement_reads_what_read_does(store: Store, enrol: Enrol) -> None:
    e = await enrol(1)
    sql = "SELECT id, user_id FROM enrolments WHERE id = ?"
    async with store.db.read() as tx:
        expected = await tx.fetchone(sql, (e.id,))
    async with store.db.read_one() as tx:
        got = await tx.fetchone(sql, (e.id,))
    assert expected is not None and got is not None
    assert tuple(got) == tuple(expected) == (e.id, 1)


async def test_a_second_statement_is_refused_on_postgresql(store: Store, enrol: Enrol) -> None:
    await enrol(1)
    if not isinstance(store.db, PgDatabase):
        pytest.skip("PostgreSQL only: SQLite's read_one is read(), whose snapshot spans both")
    async with store.db.read_one() as tx:
        await tx.fetchall("SELECT id FROM enrolments")
        with pytest.raises(RuntimeError, match="one statement"):
            await tx.fetchall("SELECT id FROM learners")
    # the connection went back to the pool in a usable state
    async with store.db.read_one() as tx:
        assert len(await tx.fetchall("SELECT id FROM enrolments")) == 1


async def test_no_transaction_is_opened_on_postgresql(store: Store, enrol: Enrol) -> None:
    await enrol(1)
    if not isinstance(store.db, PgDatabase):
        pytest.skip("PostgreSQL only: a transaction's round trips are PostgreSQL's cost")
    async with store.db.read_one() as tx:
        row = await tx.fetchone(
            "SELECT current_setting('transaction_isolation') AS isolation,"
            " current_setting('transaction_read_only') AS read_only"
        )
    # read() runs in REPEATABLE READ READ ONLY; this statement ran in no BEGIN at all, so with
    # the server's defaults
    assert row is not None and (row["isolation"], row["read_only"]) == ("read committed", "off")
    async with store.db.read() as tx:
        row = await tx.fetchone("SELECT current_setting('transaction_isolation') AS isolation")
    assert row is not None and row["isolation"] == "repeatable read"


async def test_repositories_read_one_statement_per_single_read(store: Store, enrol: Enrol) -> None:
    e = await enrol(1)
    counting = CountingBackend(store.db)
    counted = Store(counting)
    assert (await counted.learners.get(1)) is not None
    assert (await counted.enrolments.get(e.id)) is not None
    assert await counted.completions.list_for_enrolment(e.id) == []
    assert [len(t.statements) for t in counting.log] == [1, 1, 1]


async def test_inside_a_unit_it_reads_the_units_own_writes(store: Store, enrol: Enrol) -> None:
    async with store.unit():
        e = await enrol(1)
        # the store's repositories join the unit: the row not yet committed is visible
        assert (await store.enrolments.get(e.id)) is not None
