"""The Docker image's pieces, tested without a Docker engine: the Dockerfile's promises, the
entrypoint command, the health command and the paths it uses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from tests.discord_emulator.driver import Emulator
from tests.harness import BotProcess

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def test_dockerfile_is_multi_stage_slim_and_non_root() -> None:
    stages = re.findall(r"^FROM\s+(\S+)", DOCKERFILE, flags=re.M)
    assert len(stages) >= 2 and all("slim" in s for s in stages)
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE, flags=re.M)
    assert users and users[-1] not in {"root", "0"}
    assert re.search(r'^VOLUME \["/data"\]', DOCKERFILE, flags=re.M)
    assert "DATABASE_PATH=/data/pathway-bot.sqlite3" in DOCKERFILE
    assert "PATHWAYS_DIR=/app/pathways" in DOCKERFILE
    assert re.search(r'HEALTHCHECK .*\n\s*CMD \["python", "-m", "bot", "health"\]', DOCKERFILE)
    assert 'ENTRYPOINT ["python", "-m", "bot"]' in DOCKERFILE
    # no secrets baked in
    assert "DISCORD_TOKEN" not in DOCKERFILE.split("# The token is only ever passed at run time")[1]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".env" in ignored and "data" in ignored


def test_every_copied_path_exists() -> None:
    for src in re.findall(r"^COPY (?!--from)(?:--\S+ )*(\S+)", DOCKERFILE, flags=re.M):
        assert (ROOT / src).exists(), src


def _health(db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_PATH": str(db), "PYTHONPATH": str(ROOT)}
    env.pop("DISCORD_TOKEN", None)
    return subprocess.run(
        [sys.executable, "-m", "bot", "health"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_health_command_follows_the_running_bot(tmp_path: Path) -> None:
    assert _health(tmp_path / "db.sqlite3").returncode == 1  # nothing running yet
    async with Emulator() as emu:
        bot = BotProcess(emu, tmp_path)
        await bot.start()
        healthy = _health(bot.db_path)
        assert healthy.returncode == 0, healthy.stderr
        assert await bot.stop() == 0
    stopped = _health(bot.db_path)
    assert stopped.returncode == 1 and "gateway disconnected" in stopped.stderr
