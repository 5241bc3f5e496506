"""Pacing to Discord's buckets: fan-outs through the emulator meet no 429 by design.

The bot runs as `python -m bot` against the emulator with its real discord.py client. The
emulator's limiter sees each request a random moment late (its jitter knob), which bunches
up sends the bot spaced evenly: the way today's 429s came about. Every test counts 429s and
requests; none times anything.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from bot.emulator.driver import Emulator
from bot.emulator.models import User
from tests.delivery.cohort import add_cohort, enrol_all
from tests.delivery.test_fault_contract import assert_each_once
from tests.delivery.test_outbox import wait_all_sent
from tests.harness import BotProcess

OPEN_DM = "POST /users/@me/channels"
MESSAGES = "POST /channels/{channel_id}/messages"


def requests_to(emu: Emulator, route: str) -> int:
    return sum(1 for r in emu.requests if r.route == route)


def know_dm_channels(emu: Emulator, bot: BotProcess, users: list[User]) -> None:
    """As if their welcome DMs had recorded them: these learners cost one request each."""
    for user in users:
        bot.sql(
            "UPDATE learners SET dm_channel_id = ? WHERE user_id = ?",
            (emu.dm_channel(user).id, user.id),
        )


async def test_jittered_fan_out_at_the_global_limit_meets_no_429(tmp_path: Path) -> None:
    """300 reminders at the default SEND_RATE (47/s) against Discord's 50/s, each request
    reaching the limiter up to 150 ms late; 20 learners still need a DM channel opened, on
    a bucket of 5 per 2 s. Nothing is refused, nothing retried, every reminder arrives once."""
    learners, unopened = 300, 20
    async with Emulator(timeout=30) as emu:
        guild, users = add_cohort(emu, learners)
        emu.set_route_rate_limit(OPEN_DM, 5, 2.0)
        emu.set_rate_limit_jitter(0.15, seed=26)
        bot = BotProcess(emu, tmp_path, RETRY_BASE_SECONDS="0.2", SWEEP_INTERVAL_SECONDS="0.3")
        await enrol_all(bot, guild, users, timedelta(minutes=1))
        know_dm_channels(emu, bot, users[unopened:])
        await bot.start()
        await wait_all_sent(bot, learners, within=120)
        await bot.stop()
        assert emu.counters.rate_limited == 0, [
            (r.route, r.response) for r in emu.requests if r.status == 429
        ]
        assert_each_once(emu, bot, users)
        assert requests_to(emu, MESSAGES) == learners  # one request per reminder, no retry
        assert requests_to(emu, OPEN_DM) == unopened


async def test_a_bucket_smaller_than_the_send_rate_slows_the_bot_to_it(tmp_path: Path) -> None:
    """SEND_RATE 200 and a global limit to match, but Discord announces 4 DM channels per
    second: the bot waits on the bucket it was told of instead of meeting 429s."""
    learners = 40
    async with Emulator(timeout=30) as emu:
        emu.set_global_rate_limit(200)
        guild, users = add_cohort(emu, learners)
        emu.set_route_rate_limit(OPEN_DM, 4, 1.0)
        emu.set_rate_limit_jitter(0.05, seed=4)
        bot = BotProcess(
            emu,
            tmp_path,
            SEND_RATE="200",
            RETRY_BASE_SECONDS="0.2",
            SWEEP_INTERVAL_SECONDS="0.3",
        )
        await enrol_all(bot, guild, users, timedelta(minutes=1))
        await bot.start()
        await wait_all_sent(bot, learners, within=120)
        await bot.stop()
        assert emu.counters.rate_limited == 0, [
            (r.route, r.response) for r in emu.requests if r.status == 429
        ]
        assert_each_once(emu, bot, users)
        # Two requests per reminder: the DM channel, then the message; none sent twice.
        assert requests_to(emu, OPEN_DM) == learners
        assert requests_to(emu, MESSAGES) == learners
