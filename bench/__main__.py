"""Run every benchmark and write BENCHMARKS.md with the figures, targets and machine.

    python -m bench [--scale 1.0] [--output BENCHMARKS.md]

Benchmarks print figures; they never assert. Targets come from the issues that set them.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from bench import bench_delivery, bench_interactions, bench_store

ROOT = Path(__file__).resolve().parent.parent


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
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            check=False,
        ).stdout.strip()
    except OSError:
        commit = "unknown"
    return [
        f"- CPU: {cpu}, {os.cpu_count()} cores; memory {mem}",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- commit {commit or 'unknown'}, run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
    ]


def _rows(figures: dict[str, float], targets: dict[str, tuple[str, float]]) -> list[str]:
    out = ["| figure | value | target | |", "|---|---:|---|---|"]
    for name, value in figures.items():
        target = targets.get(name)
        if target:
            op, goal = target
            ok = {"<": value < goal, "<=": value <= goal, ">=": value >= goal}[op]
            out.append(f"| {name} | {value:,.3f} | {op} {goal:,g} | {'met' if ok else 'missed'} |")
        else:
            out.append(f"| {name} | {value:,.3f} | | |")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--output", type=Path, default=ROOT / "BENCHMARKS.md")
    args = parser.parse_args()
    scale = ["--scale", str(args.scale)]
    started = time.perf_counter()
    store = bench_store.main(scale)
    delivery = bench_delivery.main(scale)
    interactions = bench_interactions.main(scale)
    lines = [
        "# Benchmarks",
        "",
        f"Written by `python -m bench --scale {args.scale:g}` in "
        f"{time.perf_counter() - started:.0f} s. Figures, not assertions: see `bench/`. "
        "p99 figures move with other load on this 2-core machine.",
        "",
        "## Machine",
        *_machine(),
        "",
        "## Storage (`python -m bench.bench_store`)",
        "",
        "100,000 enrolments, 1,000,000 completions, a study group of 10,000 members (at scale "
        "1). `leaderboard_*` is the read `/leaderboard` does (the top 10 shown learners and the "
        "caller's rank); `leaderboard_all_rows_*` builds every member's row.",
        "",
        *_rows(store, bench_store.TARGETS),
        "",
        "## Delivery (`python -m bench.bench_delivery`)",
        "",
        "`fanout_*`: 10,000 due reminders through the emulator at its default 50 requests/s, "
        "DM channels cached. `ceiling_*`: the emulator in its own process with limits and "
        "schema checks off, so the figure is the bot's own rate. `rss_*`: `python -m bot` "
        "with 100,000 active enrolments. `fanout_max_loop_stall_ms` includes the emulator, which "
        "shares that process and checks every request against Discord's schema; "
        "`ceiling_max_loop_stall_ms` is the bot alone.",
        "",
        *_rows(delivery, bench_delivery.TARGETS),
        "",
        "## Interactions, as users feel them (`python -m bench.bench_interactions`)",
        "",
        "Through the emulator, with the bot as a subprocess (`python -m bot`). `*_ack_*`: from "
        "dispatching the interaction to the bot's first response, 10 in flight at once, in a "
        "server of 10,000 learners with 1,000,000 completions in the database (at scale 1). "
        "`fanout_2k_*`, `fanout_10k_*`: learners who enrolled through `/enroll` (whose welcome "
        "DM recorded their DM channel), all first reminders due the same minute, sent by the "
        "bot's own scheduler; the rate is over the sending, lateness from the due minute. The "
        "emulator shares the benchmark's process with its schema checks off.",
        "",
        *_rows(interactions, bench_interactions.TARGETS),
        "",
    ]
    args.output.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote {args.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
