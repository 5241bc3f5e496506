"""Run every benchmark and write BENCHMARKS.md with the figures, targets and machine.

    python -m bench [--scale 1.0] [--output BENCHMARKS.md] [--database-url postgresql://...]
                    [--only store|delivery|interactions|scaleout|demo ...]
                    [--part acks|fanout|fanout100k|rate200 ...] [--check]

Benchmarks print figures; they never assert. Targets come from the issues that set them
(issue 26's table is bench/report.py's GOALS). `--check` judges the figures of this run:
it prints each target met, missed or not measured, and exits 1 when a measured figure
missed its target, 0 otherwise. It is for people and release checks, not CI (timings on a
shared machine are noisy); with it, the report is written only when --output is given.

`--scale` sizes every benchmark: at 1, the interactions benchmark's fan-outs are of 2,000,
10,000 and 100,000 learners (the last some 35 minutes of sending at Discord's 50/s) and
one of 10,000 at SEND_RATE 200; `--part` picks some of those (default: all).

The store and interactions benchmarks run on SQLite and on PostgreSQL, side by side.
PostgreSQL is the server at --database-url (or BENCH_DATABASE_URL), where a scratch
database is created and dropped; without one, a throwaway server is started with
`.ci/postgres` when the Debian PostgreSQL 15 binaries are installed; otherwise the
PostgreSQL column is left out, and the report says why. `--only` reruns some benchmarks
and replaces just their sections of an
existing output file, keeping the rest of it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import asyncpg

from bench import (
    bench_delivery,
    bench_demo,
    bench_interactions,
    bench_scaleout,
    bench_store,
    postgres,
    report,
)

ROOT = Path(__file__).resolve().parent.parent
BENCHES = ("store", "delivery", "interactions", "scaleout", "demo")
# How each benchmark's section of the report begins (a level-2 heading).
HEADINGS = {"store": "## Storage", "delivery": "## Delivery", "interactions": "## Interactions"}
HEADINGS["scaleout"] = "## Two processes on PostgreSQL"
HEADINGS["demo"] = "## The demo"
HEADINGS["targets"] = "## Targets"
MISSING = "—"


def _commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        ).stdout.strip()
    except OSError:
        return "unknown"
    return commit or "unknown"


def _machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 1024 / 1024:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {mem}",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- commit {_commit()}, run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
    ]


def _cell(value: float | None, target: tuple[str, float] | None) -> str:
    if value is None:
        return MISSING
    if target is None:
        return f"{value:,.3f}"
    return f"{value:,.3f} {'met' if report.met(value, target) else 'missed'}"


def _side_by_side(
    columns: dict[str, dict[str, float] | None], targets: dict[str, tuple[str, float]]
) -> list[str]:
    """One row a figure, one column an engine: | figure | target | SQLite | PostgreSQL |."""
    names: list[str] = []
    for figures in columns.values():
        names += [name for name in figures or {} if name not in names]
    out = [
        "| figure | target | " + " | ".join(columns) + " |",
        "|---|---|" + "---:|" * len(columns),
    ]
    for name in names:
        target = targets.get(name)
        goal = f"{target[0]} {target[1]:,g}" if target else ""
        cells = [_cell((figures or {}).get(name), target) for figures in columns.values()]
        out.append(f"| {name} | {goal} | " + " | ".join(cells) + " |")
    return out


# Lower is faster for these; for the rates, higher is.
_TIMES = ("_ms", "_s")
_RATES = ("_per_s", "_per_s_50_callers")


def _faster(sqlite: dict[str, float], postgres: dict[str, float]) -> str:
    """Which engine was faster at each timed figure, by how much (p50s and rates only)."""
    wins: dict[str, list[str]] = {"SQLite": [], "PostgreSQL": []}
    for name, lite in sqlite.items():
        pg = postgres.get(name)
        if pg is None or not lite or not pg or "_p99_" in name or name == "setup_s":
            continue
        if name.endswith(_RATES):
            winner, ratio = ("SQLite", lite / pg) if lite >= pg else ("PostgreSQL", pg / lite)
        elif name.endswith(_TIMES):
            winner, ratio = ("SQLite", pg / lite) if lite <= pg else ("PostgreSQL", lite / pg)
        else:
            continue
        wins[winner].append(f"`{name}` ({ratio:.1f}x)")
    parts = [f"{engine} is faster at {', '.join(names)}" for engine, names in wins.items() if names]
    return "Measured here: " + "; ".join(parts) + "." if parts else ""


async def _server_settings(url: str) -> str:
    conn = await asyncpg.connect(url)
    try:
        values = [
            await conn.fetchval(f"SHOW {name}")
            for name in ("server_version", "shared_buffers", "synchronous_commit")
        ]
    finally:
        await conn.close()
    version, buffers, commit = (str(v).split(" ")[0] for v in values)
    return f"PostgreSQL {version}, shared_buffers {buffers}, synchronous_commit {commit}"


def _run_store(
    scale: float, url: str | None
) -> tuple[list[str], dict[str, float], dict[str, float] | None]:
    """The store benchmark on both engines: its section of the report, and its figures."""
    print("store benchmark on SQLite", file=sys.stderr)
    sqlite = bench_store.measure(scale)
    bench_store.report(sqlite)
    on_pg: dict[str, float] | None = None
    with postgres.server(url) as server:
        if server.url is None:
            print(f"no PostgreSQL column: {server.about}", file=sys.stderr)
            where = f"No PostgreSQL column: {server.about}."
        else:
            settings = asyncio.run(_server_settings(server.url))
            print(f"store benchmark on PostgreSQL: {server.about}", file=sys.stderr)
            on_pg = bench_store.measure(scale, url=server.url)
            bench_store.report(on_pg)
            where = (
                f"PostgreSQL: {server.about}, {settings}, on this machine over TCP to"
                " 127.0.0.1, through the bot's pool of 10 connections, in a scratch database"
                " (VACUUM FULL ANALYZE after the load, counted in `setup_s`: see bench_store)."
            )
    return store_section(sqlite, on_pg, where), sqlite, on_pg


FANOUTS = tuple(part for part in bench_interactions.PARTS if part != "acks")


def _run_interactions(
    scale: float, url: str | None, parts: Sequence[str], side_by_side: bool = False
) -> tuple[str, dict[str, float], dict[str, float] | None]:
    """The interactions benchmark on both engines: where PostgreSQL ran, and the figures.

    `side_by_side`: the fan-outs of both engines run at once, each in its own process with
    its own emulator (its own 50 requests/s), which halves the longest part of the run (the
    100,000-learner fan-out is some 35 minutes a engine); the acks always run alone.
    """
    with postgres.server(url) as server:
        if server.url is None:
            print(f"no PostgreSQL column: {server.about}", file=sys.stderr)
            where = f"No PostgreSQL column: {server.about}."
        else:
            settings = asyncio.run(_server_settings(server.url))
            where = (
                f"PostgreSQL: {server.about}, {settings}, the bot (DATABASE_URL) on a scratch"
                " database."
            )
        print("interactions benchmark on SQLite", file=sys.stderr)
        together = [p for p in parts if p in FANOUTS] if side_by_side and server.url else []
        alone = [p for p in parts if p not in together]
        sqlite = bench_interactions.measure(scale, alone) if alone else {}
        on_pg: dict[str, float] | None = None
        if server.url is not None:
            print(f"interactions benchmark on PostgreSQL: {server.about}", file=sys.stderr)
            on_pg = bench_interactions.measure(scale, alone, server.url) if alone else {}
        if together:
            print(f"fan-outs {together} on both engines side by side", file=sys.stderr)
            with ProcessPoolExecutor(max_workers=2) as pool:
                lite = pool.submit(bench_interactions.measure, scale, together)
                pg = pool.submit(bench_interactions.measure, scale, together, server.url)
                sqlite |= lite.result()
                on_pg = (on_pg or {}) | pg.result()
            where += (
                " The fan-outs ran on both engines at once, each with its own emulator and"
                " limit (`--side-by-side`)."
            )
    return where, sqlite, on_pg


def store_section(
    sqlite: dict[str, float], postgres: dict[str, float] | None, where: str
) -> list[str]:
    lines = [
        HEADINGS["store"] + " (`python -m bench.bench_store [--database-url URL]`)",
        "",
        "100,000 enrolments, 1,000,000 completions, a study group of 10,000 members (at scale "
        "1). `leaderboard_*` is the read `/leaderboard` does (the top 10 shown learners and the "
        "caller's rank); `leaderboard_all_rows_*` builds every member's row. "
        "`completions_per_s` is one caller checking items off as the ✅ button does "
        "(`Learning.done_by_id`: the locked read, the insert with the rank change, the "
        "commit, then the reply's plan), one after another; `_50_callers` is 50 at once.",
        "",
        "SQLite: a file in a temporary directory, in this process through aiosqlite (WAL, "
        "synchronous=FULL, one writer connection and one reader). " + where + " On "
        "PostgreSQL `db_mb` is pg_database_size, about 7 MB of it the server's own catalog; "
        "its WAL is the server's, not the database's, so it has no `wal_mb`.",
        "",
        *_side_by_side({"SQLite": sqlite, "PostgreSQL": postgres}, bench_store.TARGETS),
        "",
    ]
    if postgres is not None:
        lines += [_faster(sqlite, postgres), "", *WHY, ""]
    return lines


# Why the engines differ: from EXPLAIN ANALYZE, SELECT 1 round trips and synchronous_commit
# probes on this machine at scale 1 (mechanisms, not figures: those are in the table).
WHY = [
    "Why: not the network, as a round trip to the server on 127.0.0.1 takes about 0.04 ms. "
    "The leaderboard's time is the execution of its one statement on the server (EXPLAIN "
    "ANALYZE accounts for nearly all of it): PostgreSQL joins the group's members to "
    "enrolments and learners with hash joins over both whole tables (index lookups, when "
    "forced, are no faster), where SQLite walks the members' B-tree entries in this process. "
    "A due batch is an index range scan on both; PostgreSQL then sends its 500 rows through "
    "a socket for asyncpg to decode. One caller's completion is six statements from BEGIN "
    "to COMMIT, each a wait on another process, then a WAL flush. With 50 callers "
    "PostgreSQL runs ten transactions at once on the pool, each locking only its own "
    "enrolment's row, and one WAL flush covers several commits, while SQLite's writers take "
    "turns behind its one write lock: there PostgreSQL catches up.",
]


def _delivery_section(figures: dict[str, float]) -> list[str]:
    return [
        HEADINGS["delivery"] + " (`python -m bench.bench_delivery`)",
        "",
        "`fanout_*`: 10,000 due reminders through the emulator at its default 50 requests/s, "
        "DM channels cached. `ceiling_*`: the emulator in its own process with limits and "
        "schema checks off, so the figure is the bot's own rate. `rss_*`: `python -m bot` "
        "with 100,000 active enrolments. `fanout_max_loop_stall_ms` includes the emulator, which "
        "shares that process and checks every request against Discord's schema; "
        "`ceiling_max_loop_stall_ms` is the bot alone.",
        "",
        *report.rows(figures, bench_delivery.TARGETS),
        "",
    ]


def _interactions_section(
    sqlite: dict[str, float], on_pg: dict[str, float] | None, where: str
) -> list[str]:
    return [
        HEADINGS["interactions"] + ", as users feel them (`python -m bench.bench_interactions`)",
        "",
        "Through the emulator, with the bot as a subprocess (`python -m bot`). `*_ack_*`: from "
        "dispatching the interaction to the bot's first response, 10 in flight at once, in a "
        "server of 10,000 learners with 1,000,000 completions in the database (at scale 1). "
        "`fanout_2k_*`, `fanout_10k_*`: learners who enrolled through `/enroll` (whose welcome "
        "DM recorded their DM channel), all first reminders due the same minute, sent by the "
        "bot's own scheduler; the rate is over the sending (from the first reminder's message "
        "id to the last's), lateness from the due minute. `fanout_100k_*`: 100,000 learners "
        "bulk-loaded with their DM channels known (no welcome DMs), all due the same minute; "
        "`max_rss_mb` is the bot process's largest resident set sampled during the fan-out. "
        "`fanout_rate200_*`: 10,000 bulk-loaded learners, the token granted 200 requests/s by "
        "the emulator and the bot `SEND_RATE=200`; its `fraction_of_limit` is of 200/s. "
        "`lost`: learners never reminded; `duplicated`: reminders sent more than once (a DM "
        "counts as a reminder by its embed: a welcome still going out after the due minute "
        "is neither; `welcomed_before_due` says how many welcomes were out in time). "
        "The emulator shares the benchmark's process with its schema checks off. " + where,
        "",
        *_side_by_side({"SQLite": sqlite, "PostgreSQL": on_pg}, bench_interactions.TARGETS),
        "",
    ]


def _demo_section(figures: dict[str, float]) -> list[str]:
    return [
        HEADINGS["demo"] + ", as a newcomer feels it (`python -m bench.bench_demo`)",
        "",
        "`start_to_page_ready_*`: from starting `python -m bot demo` (a new process and "
        "temporary database, the seeding, the bot's login and command registration) to its "
        "page open in Debian's Chromium, connected, with the commands listed; the median of "
        "5 starts, and the slowest. `reply_*`: from Enter in the page's command box to the "
        "bot's reply drawn in the page, timed by the page itself, over 50 commands one at a "
        "time (/tasks, /progress with its PNG card, /leaderboard, /reminders show, /pathways).",
        "",
        *report.rows(figures, bench_demo.TARGETS),
        "",
    ]


def _split(markdown: str) -> list[list[str]]:
    """The lines before the first level-2 heading, then one chunk a level-2 section."""
    chunks: list[list[str]] = [[]]
    for line in markdown.splitlines():
        if line.startswith("## "):
            chunks.append([])
        chunks[-1].append(line)
    return chunks


def merge(old: str, sections: dict[str, list[str]]) -> str:
    """`old` with the sections of the benchmarks in `sections` replaced (or appended)."""
    chunks = _split(old)
    placed: set[str] = set()
    for i, chunk in enumerate(chunks):
        for bench, heading in HEADINGS.items():
            if bench in sections and chunk and chunk[0].startswith(heading):
                chunks[i] = sections[bench]
                placed.add(bench)
    chunks += [lines for bench, lines in sections.items() if bench not in placed]
    return "\n".join(line for chunk in chunks for line in chunk).rstrip("\n") + "\n"


def goals_section(measured: dict[str, dict[str, float]]) -> list[str]:
    """Issue 26's table, one row a figure, one column an engine: value and verdict, or
    "not measured" with the target, never a figure from another run."""
    cells: dict[tuple[str, str], dict[str, str]] = {}
    for verdict in report.judge(measured, goals=report.GOALS):
        bench, _, engine = verdict.column.partition("/")
        row = cells.setdefault((bench, verdict.figure), {"target": ""})
        row["target"] = f"{verdict.target[0]} {verdict.target[1]:,g}"
        if verdict.value is None:
            text = "not measured"
        else:
            text = f"{verdict.value:,.3f} {'met' if verdict.met else 'missed'}"
        row[engine or "SQLite"] = text
    out = [
        HEADINGS["targets"] + " (issue 26; `python -m bench --check`)",
        "",
        "Every target of issue 26, judged on this run's figures (`bench/report.py` `GOALS`).",
        "`python -m bench --check` prints the same verdicts and exits 1 when a measured figure"
        " missed its target. A blank cell: the issue asks that figure of one engine only.",
        "",
        "| benchmark | figure | target | SQLite | PostgreSQL |",
        "|---|---|---|---:|---:|",
    ]
    for (bench, figure), row in cells.items():
        out.append(
            f"| {bench} | {figure} | {row['target']} | {row.get('SQLite', '')} |"
            f" {row.get('PostgreSQL', '')} |"
        )
    return [*out, ""]


def targets() -> dict[str, dict[str, report.Target]]:
    """Every benchmark's own targets, by the columns `measured` is keyed by."""
    return {
        "store/SQLite": bench_store.TARGETS,
        "store/PostgreSQL": bench_store.TARGETS,
        "delivery": bench_delivery.TARGETS,
        "interactions/SQLite": bench_interactions.TARGETS,
        "interactions/PostgreSQL": bench_interactions.TARGETS,
        "scaleout": bench_scaleout.TARGETS,
        "demo": bench_demo.TARGETS,
    }


def check(measured: dict[str, dict[str, float]]) -> int:
    """Judge a run's figures (column -> figure -> value) against issue 26's goals and every
    benchmark's targets; print the verdicts; the exit status `--check` ends with."""
    status, lines = report.check(report.judge(measured, targets()))
    print("\n".join(lines))
    return status


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="fraction of the full size (1: the issues' figures, 100,000 learners in the big"
        " fan-out; its run alone: --only interactions --part fanout100k)",
    )
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="the report (default: BENCHMARKS.md; with --check, none unless given)",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get(postgres.URL_ENV) or None,
        help="PostgreSQL server for the store and interactions benchmarks' second column,"
        f" where they may create scratch databases (default: ${postgres.URL_ENV}; else a"
        " throwaway server)",
    )
    parser.add_argument(
        "--only",
        choices=BENCHES,
        action="append",
        help="run just these (repeatable) and replace only their sections of --output",
    )
    parser.add_argument(
        "--part",
        choices=bench_interactions.PARTS,
        action="append",
        help="the interactions benchmark's parts to run (repeatable; default: all)",
    )
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="run the interactions fan-outs on both engines at once (each its own emulator)",
    )
    parser.add_argument(
        "--save",
        type=Path,
        help="also write this run's figures as JSON (for a later run's --include)",
    )
    parser.add_argument(
        "--include",
        type=Path,
        action="append",
        help="figures saved by an earlier run's --save: those this run did not measure join"
        " its report and --check, and the report says where they came from (repeatable)",
    )
    parser.add_argument(
        "--check",
        action="store_true",
        help="exit 1 when a measured figure misses its target (prints which), else 0",
    )
    args = parser.parse_args(argv)
    output: Path | None = args.output
    if output is None and not args.check:
        output = ROOT / "BENCHMARKS.md"
    chosen = [bench for bench in BENCHES if not args.only or bench in args.only]
    scale = ["--scale", str(args.scale)]
    started = time.perf_counter()
    sections: dict[str, list[str]] = {}
    measured: dict[str, dict[str, float]] = {}

    def engines(bench: str, sqlite: dict[str, float], on_pg: dict[str, float] | None) -> None:
        measured[f"{bench}/SQLite"] = sqlite
        if on_pg is not None:
            measured[f"{bench}/PostgreSQL"] = on_pg

    for bench in chosen:
        if bench == "store":
            sections[bench], sqlite, on_pg = _run_store(args.scale, args.database_url)
            engines(bench, sqlite, on_pg)
        elif bench == "delivery":
            measured[bench] = bench_delivery.main(scale)
            sections[bench] = _delivery_section(measured[bench])
        elif bench == "scaleout":
            url = ["--database-url", args.database_url] if args.database_url else []
            measured[bench] = bench_scaleout.main([*scale, *url])
            sections[bench] = bench_scaleout.section(measured[bench])
        elif bench == "demo":
            measured[bench] = bench_demo.main(scale)
            sections[bench] = _demo_section(measured[bench])
        else:
            parts = args.part or bench_interactions.PARTS
            where, sqlite, on_pg = _run_interactions(
                args.scale, args.database_url, parts, args.side_by_side
            )
            engines(bench, sqlite, on_pg)
    took = time.perf_counter() - started
    earlier = [_include(path, measured) for path in args.include or []]
    if "interactions" in chosen:
        sections["interactions"] = _interactions_section(
            measured.get("interactions/SQLite", {}),
            measured.get("interactions/PostgreSQL"),
            where + "".join(f" {note}" for note in earlier),
        )
    if args.save is not None:
        _save(args.save, args.scale, measured)
    # A partial run would judge the rest "not measured": only a run (with what it included)
    # that measured every goal rewrites the targets section.
    if not args.only or all(goal.figure in measured.get(goal.column, {}) for goal in report.GOALS):
        sections = {"targets": goals_section(measured), **sections}
    if output is not None:
        _write(output, args, chosen, sections, took)
        print(f"wrote {output}", file=sys.stderr)
    if args.check:
        if args.scale != 1:
            print(f"(figures at --scale {args.scale:g}; the targets are for --scale 1)")
        sys.exit(check(measured))


def _save(path: Path, scale: float, measured: dict[str, dict[str, float]]) -> None:
    load = os.getloadavg()
    about = {
        "commit": _commit(),
        "run": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "scale": scale,
        "load_average": [round(x, 2) for x in load],
        "measured": measured,
    }
    path.write_text(json.dumps(about, indent=1), encoding="utf-8")
    print(f"saved figures to {path}", file=sys.stderr)


def _include(path: Path, measured: dict[str, dict[str, float]]) -> str:
    """Add an earlier run's figures to `measured` where this run has none; a note on them."""
    about = json.loads(path.read_text(encoding="utf-8"))
    taken: list[str] = []
    for column, figures in about["measured"].items():
        mine = measured.setdefault(column, {})
        new = {name: value for name, value in figures.items() if name not in mine}
        mine.update(new)
        taken += new
    # fanout_100k_rate_per_s -> `fanout_100k_*`
    families = sorted({"_".join(name.split("_")[:2]) + "_*" for name in taken})
    what = ", ".join(f"`{family}`" for family in families) or "no figures"
    return (
        f"{what} come from an earlier run (`--include {path.name}`): commit {about['commit']},"
        f" {about['run']}, scale {about['scale']:g}, load average"
        f" {' / '.join(str(x) for x in about['load_average'])} at its end."
    )


def _write(
    output: Path,
    args: argparse.Namespace,
    chosen: Sequence[str],
    sections: dict[str, list[str]],
    took: float,
) -> None:
    if args.only and output.exists():
        command = " ".join(f"--only {bench}" for bench in chosen)
        note = (
            f"Rerun alone by `python -m bench {command} --scale {args.scale:g}` in {took:.0f} s,"
            f" commit {_commit()}, {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}."
        )
        for lines in sections.values():
            lines[1:1] = ["", note]
        text = merge(output.read_text(encoding="utf-8"), sections)
    else:
        text = "\n".join(
            [
                "# Benchmarks",
                "",
                f"Written by `python -m bench --scale {args.scale:g}` in {took:.0f} s. Figures,"
                " not assertions: see `bench/`. p99 figures move with other load on this"
                " 2-core machine.",
                "",
                "## Machine",
                *_machine(),
                "",
                *(line for lines in sections.values() for line in lines),
            ]
        )
    output.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
