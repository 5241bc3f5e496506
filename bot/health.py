"""Liveness, shared between the running bot and `python -m bot health` (the Docker HEALTHCHECK).

The bot rewrites a small JSON file on every scheduler tick and gateway change; the health
command reads it. Unhealthy means: the gateway is disconnected, or the scheduler has not
ticked for three intervals. A file keeps this working without METRICS_PORT or any network.

Each process records the shards it runs and its delivery role: `sender` (the one process
that runs the reminder and digest sweeps) or `standby`. Processes that share a database
directory (one host, one SQLite file) each run their own SHARD_IDS, so the file is named
after them and `python -m bot health`, run with the same settings, reads its own file.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bot.shards import describe_shards, format_shard_ids


@dataclass(slots=True)
class Health:
    pid: int
    gateway_connected: bool
    last_tick: float | None  # wall-clock unix seconds of the last scheduler tick
    interval: float
    started: float
    ticks: int = 0  # scheduler ticks begun since start: lets a watcher wait for whole ticks
    shard_ids: list[int] = field(default_factory=list)  # the shards this process runs
    shard_count: int | None = None  # shards across every process
    shards_down: list[int] = field(default_factory=list)  # this process's disconnected shards
    role: str | None = None  # "sender" or "standby" (see delivery/sender_role.py); None: not yet

    def problems(self, now: float) -> list[str]:
        out = []
        if not self.gateway_connected:
            partial = self.shards_down and len(self.shards_down) < len(self.shard_ids)
            where = f" on shard {format_shard_ids(self.shards_down)}" if partial else ""
            out.append(f"gateway disconnected{where}")
        limit = 3 * self.interval + 30
        if self.last_tick is None:
            if now - self.started > limit:
                out.append("scheduler never ticked")
        elif now - self.last_tick > limit:
            out.append(f"scheduler last ticked {now - self.last_tick:.0f} s ago")
        return out

    def summary(self) -> str:
        """What this process does, e.g. "sender, shards 0-1 of 2"; "" before it knows."""
        parts = [self.role] if self.role else []
        if self.shard_ids and self.shard_count is not None:
            parts.append(describe_shards(self.shard_ids, self.shard_count))
        return ", ".join(parts)


def health_path(database_path: Path, shard_ids: tuple[int, ...] | None = None) -> Path:
    """This process's health file; named after SHARD_IDS when set, so that processes sharing
    a database directory never overwrite each other's."""
    name = "pathway-bot.health.json"
    if shard_ids:
        name = f"pathway-bot.health.shards-{format_shard_ids(shard_ids).replace(',', '_')}.json"
    return database_path.expanduser().parent / name


def write(path: Path, health: Health) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(health)), encoding="utf-8")
    os.replace(tmp, path)


def report(path: Path, now: float | None = None) -> tuple[list[str], str]:
    """(problems, or [] when healthy; what the process runs, e.g. "shards 0-1 of 2")."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        health = Health(**data)
    except FileNotFoundError:
        return [f"no health file at {path}: is the bot running?"], ""
    except (ValueError, TypeError) as exc:
        return [f"unreadable health file {path}: {exc}"], ""
    return health.problems(time.time() if now is None else now), health.summary()


def check(path: Path, now: float | None = None) -> list[str]:
    """Problems, or [] when healthy."""
    return report(path, now)[0]
