"""PostgreSQL for the benchmarks: a server (the one given, or a throwaway one) and scratch
databases on it, created for one measurement and dropped after, so no benchmark ever writes
into a database somebody else uses."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.store.postgres.db import safe_url

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")
CI_POSTGRES = ROOT / ".ci" / "postgres"
URL_ENV = "BENCH_DATABASE_URL"


@dataclass(frozen=True)
class PgServer:
    """Where the PostgreSQL figures come from: a URL, or why there is none."""

    url: str | None
    about: str  # which server it is, or why there is none


@contextlib.contextmanager
def server(url: str | None) -> Iterator[PgServer]:
    """The given server; else a throwaway one via .ci/postgres if PostgreSQL 15 is installed
    (stopped and removed on exit); else none, saying why."""
    if url:
        yield PgServer(url, f"the server at {safe_url(url)} (`--database-url`)")
        return
    if not ((PG_BIN / "initdb").exists() and (PG_BIN / "pg_ctl").exists()):
        yield PgServer(
            None,
            f"no PostgreSQL URL was given (`--database-url` or {URL_ENV}) and the"
            f" PostgreSQL 15 binaries to start a throwaway server are not at {PG_BIN}",
        )
        return
    directory = tempfile.mkdtemp(prefix="bench-pg-")  # .ci/postgres hands it to `postgres`
    try:
        started = subprocess.run(
            ["bash", str(CI_POSTGRES), "start", directory],
            capture_output=True,
            text=True,
            check=False,
        )
        lines = started.stdout.strip().splitlines()
        if started.returncode != 0 or not lines:
            why = (started.stderr.strip().splitlines() or ["no output"])[-1]
            yield PgServer(None, f"a throwaway server (`.ci/postgres start`) failed: {why}")
        else:
            yield PgServer(lines[-1], "a throwaway server started by `.ci/postgres`")
    finally:
        subprocess.run(
            ["bash", str(CI_POSTGRES), "stop", directory], capture_output=True, check=False
        )
        shutil.rmtree(directory, ignore_errors=True)


async def admin(url: str, sql: str) -> None:
    """One statement on its own connection (CREATE/DROP DATABASE refuse a transaction)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@contextlib.asynccontextmanager
async def scratch_database(server_url: str) -> AsyncIterator[str]:
    """A new database on the server, its URL; dropped on exit, connections and all."""
    name = f"pathway_bench_{uuid.uuid4().hex[:12]}"  # ours: safe to interpolate
    try:
        await admin(server_url, f"CREATE DATABASE {name}")
    except (OSError, asyncpg.exceptions.PostgresError) as exc:
        raise SystemExit(
            f"cannot create a scratch database on {safe_url(server_url)}: {exc}\n"
            "the benchmark needs a server where it may CREATE DATABASE (it drops it after)"
        ) from exc
    try:
        yield urlunsplit(urlsplit(server_url)._replace(path="/" + name))
    finally:
        await admin(server_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
