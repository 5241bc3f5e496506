"""The SQLite writer connection's routing: a statement runs in the connection's thread until
it has been seen to be quick there, then inline on the event loop's thread, and back in the
thread once it has been slow inline several times in a row (store/writer.py)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.writer import QUICK_S, STRIKES, WriterConnection


@pytest.fixture
async def writer(tmp_path: Path) -> AsyncIterator[WriterConnection]:
    path = tmp_path / "w.sqlite3"
    opened = await WriterConnection.open(lambda: sqlite3.connect(path, check_same_thread=False))
    try:
        yield opened
    finally:
        await opened.close()


async def test_a_statement_moves_inline_once_quick_and_back_once_slow(
    writer: WriterConnection,
) -> None:
    loop_thread = threading.get_ident()
    slow = False
    ran_on: list[int] = []

    def statement() -> int:
        ran_on.append(threading.get_ident())
        if slow:
            time.sleep(QUICK_S * 3)
        return 1

    assert await writer.run("SELECT 1", statement) == 1
    assert ran_on[-1] != loop_thread  # first run: in the writer's thread
    await writer.run("SELECT 1", statement)
    assert ran_on[-1] == loop_thread  # seen quick: inline
    slow = True
    for _ in range(STRIKES):
        await writer.run("SELECT 1", statement)
        assert ran_on[-1] == loop_thread  # one slow run is no verdict
    await writer.run("SELECT 1", statement)
    assert ran_on[-1] != loop_thread  # slow every time: back in the thread
    await writer.run("SELECT 1", statement)
    assert ran_on[-1] != loop_thread  # and it stays there while it is slow there


async def test_errors_come_back_from_either_thread(writer: WriterConnection) -> None:
    loop_thread = threading.get_ident()
    conn = writer.conn
    table = "missing"
    ran_on: list[int] = []

    def statement() -> object:
        ran_on.append(threading.get_ident())
        return conn.execute(f"SELECT * FROM {table}").fetchall()  # noqa: S608

    with pytest.raises(sqlite3.OperationalError):
        await writer.run("SELECT", statement)  # in the thread
    conn.execute("CREATE TABLE there (x)")
    table = "there"
    await writer.run("SELECT", statement)  # in the thread, quick
    table = "missing"
    with pytest.raises(sqlite3.OperationalError):
        await writer.run("SELECT", statement)
    assert ran_on[0] != loop_thread
    assert ran_on[-1] == loop_thread
