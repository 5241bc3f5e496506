"""Liveness, shared between the running bot and `python -m bot health` (the Docker HEALTHCHECK).

The bot rewrites a small JSON file on every scheduler tick and gateway change; the health
command reads it. Unhealthy means: the gateway is disconnected, or the scheduler has not
ticked for three intervals. A file keeps this working without METRICS_PORT or any network.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(slots=True)
class Health:
    pid: int
    gateway_connected: bool
    last_tick: float | None  # wall-clock unix seconds of the last scheduler tick
    interval: float
    started: float
    ticks: int = 0  # scheduler ticks begun since start: lets a watcher wait for whole ticks

    def problems(self, now: float) -> list[str]:
        out = []
        if not self.gateway_connected:
            out.append("gateway disconnected")
        limit = 3 * self.interval + 30
        if self.last_tick is None:
            if now - self.started > limit:
                out.append("scheduler never ticked")
        elif now - self.last_tick > limit:
            out.append(f"scheduler last ticked {now - self.last_tick:.0f} s ago")
        return out


def health_path(database_path: Path) -> Path:
    return database_path.expanduser().parent / "pathway-bot.health.json"


def write(path: Path, health: Health) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(health)), encoding="utf-8")
    os.replace(tmp, path)


def check(path: Path, now: float | None = None) -> list[str]:
    """Problems, or [] when healthy."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        health = Health(**data)
    except FileNotFoundError:
        return [f"no health file at {path}: is the bot running?"]
    except (ValueError, TypeError) as exc:
        return [f"unreadable health file {path}: {exc}"]
    return health.problems(time.time() if now is None else now)
