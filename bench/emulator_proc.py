"""Run the test emulator in its own process, so the bot's ceiling is not the emulator's.

    python -m bench.emulator_proc INFO_JSON USERS [--no-schema] [--global-limit N]

Writes {"api_base", "token", "guild_id", "users": [[user_id, dm_channel_id], ...]} to
INFO_JSON once serving, then serves until SIGTERM, when it writes its counters to
INFO_JSON + ".counters".
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path

from bot.emulator.driver import Emulator


async def serve(info: Path, users: int, schema: bool, global_limit: int) -> None:
    async with Emulator(validate_schemas=schema, timeout=60) as emu:
        emu.set_global_rate_limit(global_limit)
        emu.set_route_rate_limit("POST /users/@me/channels", 1_000_000, 1.0)
        guild = emu.add_guild("Bench", emu.add_user("owner"))
        rows = []
        for i in range(users):
            user = emu.add_user(f"u{i}")
            emu.add_member(guild, user)
            rows.append([user.id, emu.dm_channel(user).id])
        payload = {
            "api_base": emu.api_base,
            "token": emu.token,
            "guild_id": guild.id,
            "users": rows,
        }
        info.write_text(json.dumps(payload))
        stop = asyncio.Event()
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
        await stop.wait()
        c = emu.counters
        Path(f"{info}.counters").write_text(
            json.dumps(
                {
                    "requests": c.requests,
                    "rate_limited": c.rate_limited,
                    "rate_limited_global": c.rate_limited_global,
                }
            )
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("info", type=Path)
    parser.add_argument("users", type=int)
    parser.add_argument("--no-schema", action="store_true")
    parser.add_argument("--global-limit", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(serve(args.info, args.users, not args.no_schema, args.global_limit))


if __name__ == "__main__":
    main()
