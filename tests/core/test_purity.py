"""The core stays pure: no Discord, database or scheduler imports, and no reading the clock."""

from __future__ import annotations

import ast
from pathlib import Path

CORE = Path(__file__).resolve().parents[2] / "bot" / "core"
BANNED = {"discord", "aiosqlite", "apscheduler", "sqlite3", "asyncio"}


def test_core_imports_nothing_impure() -> None:
    files = sorted(CORE.rglob("*.py"))
    assert len(files) >= 5
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                assert name.split(".")[0] not in BANNED, f"{path.name} imports {name}"


def test_core_never_reads_the_clock() -> None:
    for path in sorted(CORE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for call in ("datetime.now(", ".utcnow(", "date.today(", "time.time("):
            assert call not in text, f"{path.name} calls {call}"


def test_core_does_no_file_io() -> None:
    """Pathway files are read by bot/pathway_files.py; the core only sees their bytes."""
    io_calls = ("open(", ".read_bytes(", ".read_text(", ".iterdir(", ".glob(", ".write_")
    for path in sorted(CORE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                source = ast.unparse(node.func) + "("
                assert not any(source.endswith(c) or source == c for c in io_calls), (
                    f"{path.name} calls {source}"
                )
