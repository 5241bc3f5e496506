"""bot.health: what the health file says about a process and its shards."""

from __future__ import annotations

import json
from pathlib import Path

from bot.health import Health, check, health_path, report, write


def healthy(**changes: object) -> Health:
    fields: dict[str, object] = {
        "pid": 1,
        "gateway_connected": True,
        "last_tick": 100.0,
        "interval": 30.0,
        "started": 0.0,
        "shard_ids": [0, 1],
        "shard_count": 4,
    }
    fields.update(changes)
    return Health(**fields)  # type: ignore[arg-type]


def test_the_file_is_named_after_the_shards_the_process_runs(tmp_path: Path) -> None:
    db = tmp_path / "db.sqlite3"
    assert health_path(db) == tmp_path / "pathway-bot.health.json"
    assert health_path(db, (0, 1)) == tmp_path / "pathway-bot.health.shards-0-1.json"
    assert health_path(db, (0, 2, 3)) == tmp_path / "pathway-bot.health.shards-0_2-3.json"
    assert len({health_path(db, ids) for ids in [(0,), (1,), (0, 1)]}) == 3


def test_report_names_the_shards(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    write(path, healthy())
    assert report(path, now=110.0) == ([], "shards 0-1 of 4")
    write(path, healthy(gateway_connected=False, shards_down=[1]))
    assert report(path, now=110.0) == (["gateway disconnected on shard 1"], "shards 0-1 of 4")
    write(path, healthy(gateway_connected=False, shards_down=[0, 1]))
    assert check(path, now=110.0) == ["gateway disconnected"]


def test_a_file_from_before_shards_still_reads(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    old = {"pid": 1, "gateway_connected": True, "last_tick": 100.0, "interval": 30.0}
    path.write_text(json.dumps({**old, "started": 0.0, "ticks": 3}))
    assert report(path, now=110.0) == ([], "")


def test_report_names_the_role_before_the_shards(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    write(path, healthy(role="sender"))
    assert report(path, now=110.0) == ([], "sender, shards 0-1 of 4")
    write(path, healthy(role="standby", shard_ids=[], shard_count=None))
    assert report(path, now=110.0) == ([], "standby")
