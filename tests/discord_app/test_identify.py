"""The IDENTIFY hook: discord.py's own wait, then the cross-process gate with the right bucket."""

from __future__ import annotations

from pathlib import Path

from bot.config import Settings
from bot.discord_app.client import PathwayBot
from bot.discord_app.identify import identify_bucket
from bot.pathway_files import PathwayRegistry
from tests.harness import PATHWAYS


class RecordingGate:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    async def wait_turn(self, shard_id: int, bucket: int) -> None:
        self.calls.append((shard_id, bucket))


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(
        discord_token="t",
        database_path=tmp_path / "db.sqlite3",
        pathways_dir=PATHWAYS,
        _env_file=None,  # type: ignore[call-arg]
        **values,  # type: ignore[arg-type]
    )


def test_buckets_follow_discord() -> None:
    assert [identify_bucket(s, 1) for s in range(4)] == [0, 0, 0, 0]
    assert [identify_bucket(s, 2) for s in range(4)] == [0, 1, 0, 1]
    assert identify_bucket(5, 0) == 0  # a nonsense limit is read as 1


async def test_the_gate_hears_every_identify_with_its_bucket(tmp_path: Path) -> None:
    gate = RecordingGate()
    bot = PathwayBot(
        settings(tmp_path, shard_count=4, shard_ids=(2, 3)),
        PathwayRegistry(PATHWAYS),
        identify_gate=gate,
    )
    bot.max_concurrency = 2
    # initial=True: discord.py does not sleep before a process's first IDENTIFY, and the gate
    # is asked all the same, because another process may be identifying right now.
    await bot.before_identify_hook(3, initial=True)
    await bot.before_identify_hook(2, initial=True)
    assert gate.calls == [(3, 1), (2, 0)]
    assert (bot.shard_count, bot.shard_ids) == (4, [2, 3])


async def test_without_settings_the_bot_leaves_the_count_to_discord(tmp_path: Path) -> None:
    bot = PathwayBot(settings(tmp_path), PathwayRegistry(PATHWAYS))
    assert bot.shard_count is None and bot.shard_ids is None
    assert bot.identify_gate is None
