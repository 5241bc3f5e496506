"""The store benchmark runs on PostgreSQL too, and its report puts the engines side by side.

Shape only: which figures come back, where the scratch database goes, how the report reads.
Benchmarks print timings for people; no test here looks at how fast anything was.
"""

from __future__ import annotations

import os
from pathlib import Path

import asyncpg
import pytest

from bench import __main__ as bench_main
from bench import bench_store
from bench import postgres as bench_postgres

PG_URL = os.environ.get("DATABASE_URL_TEST") or None
NO_PG = "DATABASE_URL_TEST is not set: the PostgreSQL half needs a server (.ci/run starts one)"


@pytest.mark.skipif(PG_URL is None, reason=NO_PG)
async def test_runs_on_a_scratch_database_it_drops(monkeypatch: pytest.MonkeyPatch) -> None:
    assert PG_URL is not None
    issued: list[str] = []
    admin = bench_postgres.admin

    async def recording(url: str, sql: str) -> None:
        issued.append(sql)
        await admin(url, sql)

    monkeypatch.setattr(bench_postgres, "admin", recording)
    figures = await bench_store.run_postgres(0.0, PG_URL)  # the smallest: 1,000 enrolments

    created = [sql.split()[-1] for sql in issued if sql.startswith("CREATE DATABASE")]
    assert len(created) == 1 and created[0].startswith("pathway_bench_")
    assert issued[-1] == f"DROP DATABASE IF EXISTS {created[0]} WITH (FORCE)"
    conn = await asyncpg.connect(PG_URL)
    try:
        left = await conn.fetchval(
            "SELECT COUNT(*) FROM pg_database WHERE datname = $1", created[0]
        )
    finally:
        await conn.close()
    assert left == 0
    assert figures["enrolments"] == 1000 and figures["completions"] == 10_000
    assert set(bench_store.TARGETS) <= set(figures)
    assert all(value > 0 for value in figures.values())
    assert "wal_mb" not in figures  # the server's WAL, not this database's


def test_the_report_puts_engines_side_by_side_and_marks_a_missing_column() -> None:
    sqlite = {"enrolments": 1000.0, "due_batch_p50_ms": 4.0, "completions_per_s": 900.0}
    postgres = {"enrolments": 1000.0, "due_batch_p50_ms": 6.0, "completions_per_s": 1200.0}
    table = bench_main._side_by_side(
        {"SQLite": sqlite, "PostgreSQL": postgres}, bench_store.TARGETS
    )
    assert table[0] == "| figure | target | SQLite | PostgreSQL |"
    assert "| due_batch_p50_ms | < 5 | 4.000 met | 6.000 missed |" in table
    assert "| completions_per_s | >= 1,000 | 900.000 missed | 1,200.000 met |" in table
    sentence = bench_main._faster(sqlite, postgres)
    assert "SQLite is faster at `due_batch_p50_ms` (1.5x)" in sentence
    assert "PostgreSQL is faster at `completions_per_s` (1.3x)" in sentence

    alone = bench_main._side_by_side({"SQLite": sqlite, "PostgreSQL": None}, {})
    assert "| enrolments |  | 1,000.000 | — |" in alone


def test_without_a_url_or_binaries_it_says_why_postgres_is_missing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(bench_postgres, "PG_BIN", tmp_path / "no-postgres")
    with bench_postgres.server(None) as server:
        assert server.url is None
        assert "BENCH_DATABASE_URL" in server.about and "no-postgres" in server.about
    lines = bench_main.store_section(
        {"enrolments": 1.0}, None, f"No PostgreSQL column: {server.about}."
    )
    assert any("No PostgreSQL column" in line for line in lines)


def test_a_partial_run_replaces_only_its_section() -> None:
    old = "# Benchmarks\n\nintro\n\n## Machine\n- cpu\n\n## Storage (old)\n\nold store\n\n" + (
        "## Delivery (`x`)\n\nkept\n\n### Fan-out rerun\n\nkept too\n"
    )
    merged = bench_main.merge(old, {"store": ["## Storage (new)", "", "new store", ""]})
    assert "old store" not in merged and "new store" in merged
    assert (
        merged.index("## Machine") < merged.index("## Storage (new)") < merged.index("## Delivery")
    )
    assert "kept\n\n### Fan-out rerun\n\nkept too\n" in merged
