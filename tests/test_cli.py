"""`python -m bot` as users run it: a subprocess configured through the environment."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.pathway_files import load_directory

ROOT = Path(__file__).resolve().parent.parent


def run(
    *args: str, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DISCORD_TOKEN",
            "DATABASE_PATH",
            "PATHWAYS_DIR",
            "DISCORD_API_BASE_URL",
            "DEV_GUILD_ID",
        }
    }
    base["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        env={**base, **(env or {})},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _one_line_no_traceback(proc: subprocess.CompletedProcess[str]) -> str:
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_no_token_exits_2_with_one_line(tmp_path: Path) -> None:
    proc = run(cwd=tmp_path)  # no .env here either
    assert proc.returncode == 2
    line = _one_line_no_traceback(proc)
    assert "DISCORD_TOKEN" in line and "discord.com/developers/applications" in line


def test_blank_token_is_missing(tmp_path: Path) -> None:
    proc = run(env={"DISCORD_TOKEN": "   "}, cwd=tmp_path)
    assert proc.returncode == 2 and "DISCORD_TOKEN is not set" in proc.stderr


def test_bad_database_directory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run(env={"DISCORD_TOKEN": "t0ken-secret", "DATABASE_PATH": str(blocker / "db.sqlite3")})
    assert proc.returncode == 2
    line = _one_line_no_traceback(proc)
    assert "DATABASE_PATH" in line and "t0ken-secret" not in proc.stderr


def test_database_path_is_a_directory(tmp_path: Path) -> None:
    proc = run(env={"DISCORD_TOKEN": "x", "DATABASE_PATH": str(tmp_path)})
    assert proc.returncode == 2 and "is a directory" in _one_line_no_traceback(proc)


def test_missing_pathways_dir(tmp_path: Path) -> None:
    proc = run(
        env={
            "DISCORD_TOKEN": "x",
            "PATHWAYS_DIR": str(tmp_path / "nope"),
            "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        }
    )
    assert proc.returncode == 2
    assert "PATHWAYS_DIR" in _one_line_no_traceback(proc)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read a chmod 000 directory")
def test_unreadable_pathways_dir(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0)
    try:
        proc = run(env={"DISCORD_TOKEN": "x", "PATHWAYS_DIR": str(locked)})
        assert proc.returncode == 2 and "PATHWAYS_DIR" in _one_line_no_traceback(proc)
    finally:
        locked.chmod(0o700)


def test_invalid_pathway_file_blocks_start(tmp_path: Path) -> None:
    bad = tmp_path / "pw"
    bad.mkdir()
    (bad / "x.yaml").write_text("id: x\ntitle: T\n", encoding="utf-8")
    proc = run(
        env={
            "DISCORD_TOKEN": "x",
            "PATHWAYS_DIR": str(bad),
            "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        }
    )
    assert proc.returncode == 2
    line = _one_line_no_traceback(proc)
    assert "x.yaml" in line and "validate" in line


def test_bad_setting_value(tmp_path: Path) -> None:
    proc = run(env={"DISCORD_TOKEN": "x", "DEV_GUILD_ID": "not-a-number"}, cwd=tmp_path)
    assert proc.returncode == 2
    assert "DEV_GUILD_ID" in _one_line_no_traceback(proc)


def test_validate_bundled_pathways() -> None:
    proc = run("validate", "pathways")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_validate_reports_each_problem(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("id: a\ncolour: red\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("id: [\n", encoding="utf-8")
    proc = run("validate", str(tmp_path))
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert any(line.startswith(f"{tmp_path / 'a.yaml'}:2: colour:") for line in lines), lines
    assert any("b.yaml" in line and "YAML" in line for line in lines)
    assert len(lines) >= 3


def test_preview_lists_every_item_over_40_weeks() -> None:
    proc = run(
        "preview",
        "backend-to-ml-engineer",
        "--start",
        "2026-01-05",
        "--tz",
        "Europe/London",
        "--day",
        "mon",
        "--time",
        "09:00",
        "--weeks",
        "40",
        "--learner",
        "on-time",
    )
    assert proc.returncode == 0, proc.stderr
    reminders = re.findall(r"^Reminder (\d+) ", proc.stdout, flags=re.M)
    assert reminders == [str(n) for n in range(1, 41)]
    pathway = load_directory(ROOT / "pathways").pathways["backend-to-ml-engineer"].pathway
    # linked work (issue 21) is one line: an item is listed itself or as its line's link
    for item in pathway.items():
        assert (
            f"] {item.id}:" in proc.stdout
            or f" {item.id}," in proc.stdout
            or (f" {item.id})" in proc.stdout)
        ), item.id
    # local time and UTC: London is GMT in January and BST in June
    assert "Mon 2026-01-05 09:00 GMT local, 2026-01-05T09:00:00Z UTC" in proc.stdout
    assert "Mon 2026-06-01 09:00 BST local, 2026-06-01T08:00:00Z UTC" in proc.stdout


def test_preview_bad_input() -> None:
    proc = run("preview", "backend-to-ml-engineer", "--start", "2026-01-05", "--tz", "Mars/Base")
    assert proc.returncode == 2 and "Unknown time zone" in _one_line_no_traceback(proc)
    proc = run("preview", "nope", "--start", "2026-01-05", "--tz", "UTC")
    assert proc.returncode == 2 and "backend-to-ml-engineer" in _one_line_no_traceback(proc)


def test_unreachable_discord_is_one_line(tmp_path: Path) -> None:
    proc = run(
        env={
            "DISCORD_TOKEN": "abc.def.ghi",
            "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
            "DISCORD_API_BASE_URL": "http://127.0.0.1:9/api/v10",
        }
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "cannot reach Discord at http://127.0.0.1:9/api/v10" in proc.stderr
    assert "abc.def.ghi" not in proc.stderr


def test_pathways_dir_that_is_a_file(tmp_path: Path) -> None:
    not_a_dir = tmp_path / "file.yaml"
    not_a_dir.write_text("x")
    proc = run(
        env={
            "DISCORD_TOKEN": "x",
            "PATHWAYS_DIR": str(not_a_dir),
            "DATABASE_PATH": str(tmp_path / "db.sqlite3"),
        }
    )
    assert proc.returncode == 2 and "PATHWAYS_DIR" in _one_line_no_traceback(proc)


def test_preview_json_is_the_weekly_plan_as_data() -> None:
    import json

    args = ["preview", "backend-to-ml-engineer", "--start", "2026-12-07", "--tz", "Europe/Berlin"]
    proc = run(*args, "--pace", "12-months", "--learner", "on-time", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) == 54  # 365 days: 53 weekly reminders, and one past the end
    first = rows[0]
    assert {"week", "local", "utc", "phase", "focus", "due", "overdue", "milestones", "status"} <= (
        set(first)
    )
    assert first["week"] == 1 and first["phase"] == 1 and first["status"] == "just-started"
    assert first["local"].startswith("2026-12-07T09:00:00+01:00")
    assert first["utc"] == "2026-12-07T08:00:00Z"
    assert first["due"] == [
        "week-enroll-andrew-ng",
        "week-jupyter-setup",
        "week-read-hands-on-ml-ch1",
    ]
    assert {r["status"] for r in rows} == {"just-started", "on-track", "complete"}
    assert all(r["focus"] or r["status"] == "complete" for r in rows)
    assert rows[-1]["phase"] is None and "You've reached the end of your timeline" in (
        rows[-1]["milestones"] + rows[-2]["milestones"]
    )

    idle = json.loads(run(*args, "--weeks", "12", "--json").stdout)
    assert len(idle) == 12 and idle[1]["status"] == "behind"
    assert set(idle[1]["overdue"]) == {
        "week-enroll-andrew-ng",
        "week-jupyter-setup",
        "week-read-hands-on-ml-ch1",
    }


def test_preview_refuses_an_unknown_pace_in_one_line() -> None:
    proc = run(
        "preview",
        "backend-to-ml-engineer",
        "--start",
        "2026-12-07",
        "--tz",
        "UTC",
        "--pace",
        "2-months",
    )
    assert proc.returncode == 2
    assert "as-written, 9-months, 12-months" in _one_line_no_traceback(proc)


def test_a_misspelt_setting_in_env_file_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("DISCORD_TOKEN=abc\nDATABSE_PATH=/tmp/x.sqlite3\n")
    proc = run(cwd=tmp_path)
    assert proc.returncode == 2
    line = _one_line_no_traceback(proc)
    assert "unknown setting DATABSE_PATH in .env" in line and "DATABASE_PATH?" in line
    assert not (tmp_path / "data").exists()  # nothing was created on the way out


def test_a_misspelt_environment_variable_is_warned_about(tmp_path: Path) -> None:
    proc = run("health", env={"DISCORD_TOKEN": "abc", "SWEEP_INTERVAL_SECOND": "5"}, cwd=tmp_path)
    assert "SWEEP_INTERVAL_SECOND is not a setting: did you mean SWEEP_INTERVAL_SECONDS?" in (
        proc.stderr
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"SHARD_IDS": "0-1"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_IDS": "0-2", "SHARD_COUNT": "2"}, "SHARD_IDS 2 is not below SHARD_COUNT 2"),
        ({"SHARD_IDS": "1-0", "SHARD_COUNT": "2"}, "SHARD_IDS: '1-0' is not a range"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT: Input should be greater than or equal to 1"),
    ],
)
def test_shard_settings_are_checked_in_one_line(
    tmp_path: Path, env: dict[str, str], expected: str
) -> None:
    proc = run(env={"DISCORD_TOKEN": "abc", **env}, cwd=tmp_path)
    assert proc.returncode == 2
    assert expected in _one_line_no_traceback(proc)
    assert not (tmp_path / "data").exists()
