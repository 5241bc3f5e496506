"""The Docker image's pieces, tested without a Docker engine: the Dockerfile's promises, the
entrypoint command, the health command and the paths it uses."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from bot.emulator.driver import Emulator
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


def test_compose_runs_postgresql_and_two_shard_processes() -> None:
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["postgres"]["image"].startswith("postgres:15")
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    bots = {name: s for name, s in services.items() if s.get("image") == "pathway-bot:latest"}
    scaled = {name: s for name, s in bots.items() if "profiles" not in s}
    assert sorted(s["environment"]["SHARD_IDS"] for s in scaled.values()) == ["0", "1"]
    urls = set()
    for service in scaled.values():
        env = service["environment"]
        assert env["SHARD_COUNT"] == "2"
        assert (
            env["DATABASE_URL"].startswith("postgresql://")
            and "@postgres:5432/" in env["DATABASE_URL"]
        )
        urls.add(env["DATABASE_URL"])
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert env["DISCORD_TOKEN"].startswith("${DISCORD_TOKEN")  # from the shell, not the file
    assert len(urls) == 1, "both processes share one database"
    # each process keeps its own /data (its health file), never the other's
    mounts = [v for s in scaled.values() for v in s["volumes"]]
    assert len(mounts) == len(set(mounts)) == 2
    # the single-process SQLite setup stays available, off by default
    single = [s for s in bots.values() if s.get("profiles") == ["single"]]
    assert len(single) == 1 and "DATABASE_URL" not in single[0]["environment"]
