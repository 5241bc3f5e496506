"""`python -m bot preview` as issue 21 extends it: --learner stops-after:N, and the JSON's
message, focus_detail, offers and review; `validate` checks the new links."""

from __future__ import annotations

import json
from pathlib import Path

from bot.core.loader import load_text
from tests.test_cli import ROOT, run

SEED_FILE = ROOT / "pathways" / "backend-to-ml-engineer.yaml"


def test_preview_json_carries_the_message_and_the_coach() -> None:
    proc = run(
        "preview", "backend-to-ml-engineer", "--start", "2026-03-02", "--tz", "Europe/Berlin",
        "--learner", "stops-after:4", "--json",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert len(rows) >= 39  # the whole 9-month timeline, and one more
    for r in rows:
        assert {"message", "focus_detail", "offers", "review"} <= set(r)
        assert len(r["message"]) <= 1200
        assert r["message"].startswith(f"Week {r['week']} of Backend → ML Engineer")
        for d in r["focus_detail"]:
            assert set(d) == {"id", "title", "how", "resource", "url", "progress", "linked"}
            assert d["progress"] is None or set(d["progress"]) == {"week", "of"}
    assert [r["status"] for r in rows[:4]] == ["just-started", "on-track", "on-track", "on-track"]
    assert rows[7]["status"] == "behind" and "pause" in rows[7]["offers"]
    assert any(r["review"] and r["review"]["kind"] == "day-90" for r in rows)
    assert any(r["review"] and r["review"]["kind"] == "phase-1" for r in rows)


def test_a_bad_learner_is_refused_in_words() -> None:
    proc = run(
        "preview", "backend-to-ml-engineer", "--start", "2026-03-02", "--tz", "UTC",
        "--learner", "stops-after:soon",
    )  # fmt: skip
    assert proc.returncode != 0 and proc.stdout == ""
    assert "stops-after:N" in proc.stderr and "Traceback" not in proc.stderr


def test_the_text_preview_names_linked_work() -> None:
    proc = run(
        "preview", "backend-to-ml-engineer", "--start", "2026-03-02", "--tz", "UTC",
        "--weeks", "2", "--learner", "idle",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "week-enroll-andrew-ng" in proc.stdout
    assert "(linked: p1-andrew-ng-course, skill-ml-algorithms" in proc.stdout
    assert "offers: pace:12-months, pause, replan" in proc.stdout


def _problems(text: str) -> list[str]:
    _, problems = load_text(text, "bad.yaml")
    return [str(p) for p in problems]


def test_validate_checks_order_and_links(tmp_path: Path) -> None:
    seed = SEED_FILE.read_text()
    assert _problems(seed) == []
    # a cycle in `after`
    looped = seed.replace(
        "          weeks: 4\n        - id: p2-train-neural-networks",
        "          weeks: 4\n          after: [p2-train-neural-networks]\n"
        "        - id: p2-train-neural-networks",
    )
    assert looped != seed
    assert any("circle" in m for m in _problems(looped)), _problems(looped)
    # after work of a later phase
    late = seed.replace(
        "          steps: [month-linear-regression-model]\n",
        "          steps: [month-linear-regression-model]\n          after: [p4-ml-ci-cd]\n",
    )
    assert any("later phase" in m for m in _problems(late))
    # a step must be an action-plan item, and nothing is linked twice
    bad_step = seed.replace("steps: [q-deploy-model-api]", "steps: [p3-containerize-and-deploy]")
    assert any("no action-plan item" in m for m in _problems(bad_step))
    twice = seed.replace("steps: [q-deploy-model-api]", "steps: [q-kaggle-competition]")
    assert any("already linked" in m for m in _problems(twice))
    # a resource serves items that exist
    nowhere = seed.replace("serves: [p3-deploy-rest-api]", "serves: [p3-nowhere]")
    messages = _problems(nowhere)
    assert any("p3-nowhere" in m and "bad.yaml:" in m for m in messages), messages
    # and `validate` says so on the command line, with the file and line
    (tmp_path / "bad.yaml").write_text(looped)
    proc = run("validate", str(tmp_path))
    assert proc.returncode != 0 and "circle" in (proc.stdout + proc.stderr)
