"""SIGHUP and /setup reload-pathways re-read pathways/ and never drop what is loaded."""

from __future__ import annotations

import json
import shutil
import signal
from pathlib import Path

from bot.emulator.driver import Emulator
from tests.harness import PATHWAYS, SEED, BotProcess, poll


async def test_sighup_reloads_and_keeps_pathways_on_errors(emu: Emulator, tmp_path: Path) -> None:
    content = tmp_path / "pathways"
    shutil.copytree(PATHWAYS, content)
    user = emu.add_user("u")
    guild = emu.add_guild("G", emu.add_user("owner"))
    emu.add_member(guild, user)
    bot = BotProcess(emu, tmp_path, PATHWAYS_DIR=str(content))
    await bot.start()

    seed_file = content / f"{SEED}.yaml"
    seed_file.write_text(seed_file.read_text().replace("weeks: 6", "weeks: 0", 1))
    tiny = (Path(__file__).parents[1] / "core" / "test_loader.py").read_text()
    minimal = tiny.split('MINIMAL = """\\\n', 1)[1].split('"""', 1)[0]
    (content / "tiny.yaml").write_text(minimal)
    assert bot.proc is not None
    bot.proc.send_signal(signal.SIGHUP)
    await poll(lambda: "reload:" in bot.logs() and "tiny" in bot.logs(), what="reload log")

    logs = bot.logs()
    assert f"{SEED}.yaml" in logs and "weeks" in logs  # the problem is reported
    listing = await emu.run_command(user, "pathways", guild=guild)
    text = json.dumps(listing.embeds)
    assert SEED in text and "tiny" in text  # old one kept, new one added
    enrol = await emu.run_command(user, "enroll", guild=guild, options={"pathway": SEED})
    assert "enrolled" in enrol.content
    await bot.stop()
