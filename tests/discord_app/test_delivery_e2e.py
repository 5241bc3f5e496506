"""Delivery seen from Discord: digests in channels, the closed-DM notice, pauses."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from bot.emulator.driver import Emulator
from bot.emulator.permissions import Permission
from tests.discord_app.conftest import World
from tests.harness import SEED, BotProcess, is_reminder, poll, reminder_dms


async def test_weekly_digests_say_who_finished_what(emu: Emulator, tmp_path: Path) -> None:
    """A group digest names its members (a group shows you to the group); the server-wide
    cohort digest names only learners who opted in. Both say who finished what this week,
    how many are on schedule or behind, and scores carry their unit."""
    owner = emu.add_user("owner")
    guild = emu.add_guild("G", owner)
    admin, shown, hidden = emu.add_user("admin"), emu.add_user("shown"), emu.add_user("hidden")
    solo, quiet = emu.add_user("solo"), emu.add_user("quiet")
    emu.add_member(guild, admin, permissions=Permission.MANAGE_GUILD)
    for u in (shown, hidden, solo, quiet):
        emu.add_member(guild, u)
    channel = emu.channels(guild)[0]
    bot = BotProcess(emu, tmp_path, DIGEST_CHECK_SECONDS="0.5")
    await bot.start()
    # the guild's digest slot: today, a minute ago (UTC)
    slot = bot.now() - timedelta(minutes=1)
    await emu.run_command(
        admin,
        "setup",
        guild=guild,
        subcommand="defaults",
        options={
            "day": slot.strftime("%a").lower(),
            "time": slot.strftime("%H:%M"),
            "timezone": "UTC",
        },
    )
    await emu.run_command(
        admin,
        "group",
        guild=guild,
        subcommand="create",
        options={"name": "Owls", "pathway": SEED},
    )
    for u in (shown, hidden):
        await emu.run_command(u, "enroll", guild=guild, options={"pathway": SEED, "group": "Owls"})
    for u in (shown, hidden, solo, quiet):
        if u in (solo, quiet):
            await emu.run_command(u, "enroll", guild=guild, options={"pathway": SEED})
        await emu.run_command(u, "done", guild=guild, options={"task": "week-jupyter-setup"})
    await emu.run_command(
        solo, "me", guild=guild, subcommand="visibility", options={"mode": "shown"}
    )
    # quiet never opts in; one solo learner is behind (started long ago)
    bot.sql("UPDATE enrolments SET start_date = '2026-01-05' WHERE user_id = ?", (quiet.id,))
    await emu.run_command(
        admin, "setup", guild=guild, subcommand="digest-channel", options={"channel": channel}
    )

    def digests() -> list[object]:
        return [m for m in emu.channel_messages(channel) if m.embeds]

    await emu.wait_for(lambda: len(digests()) >= 2, timeout=20)
    await bot.wait_ticks(2)  # two more whole ticks: still one digest per target this week
    await bot.stop()
    assert len(digests()) == 2
    group_post = next(d for d in digests() if "Owls" in json.dumps(d.embeds))  # type: ignore[attr-defined]
    cohort_post = next(d for d in digests() if d is not group_post)
    group = json.dumps(group_post.embeds, ensure_ascii=False)  # type: ignore[attr-defined]
    cohort = json.dumps(cohort_post.embeds, ensure_ascii=False)  # type: ignore[attr-defined]
    assert str(shown.id) in group and str(hidden.id) in group  # the group sees its members
    assert "Finished this week" in group and "finished" in group
    assert "Next together" in group, group
    assert "2 on schedule · 0 behind" in group, group
    assert " points" in group and "Phase 1" in group
    assert str(solo.id) in cohort and str(quiet.id) not in cohort  # opt-in, server-wide
    assert "1 on schedule · 1 behind" in cohort, cohort
    assert "not listed" in cohort and "/me visibility shown" in cohort
    for text in (group, cohort):
        assert "(s)" not in text and SEED not in text
    assert not emu.schema_violations


async def test_closed_dms_are_told_once_privately_and_kept_on_record(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    await emu.wait_for_dm(alice, lambda m: "Welcome" in m.content)  # DMs open at enrolment
    emu.close_dms(alice)
    world.bot.make_due()
    blocked = "SELECT COUNT(*) FROM learners WHERE dm_blocked_since IS NOT NULL"
    await poll(lambda: world.bot.sql(blocked) == [(1,)])
    reply = await emu.run_command(alice, "tasks", guild=g)
    notice = await reply.wait_followup()
    assert notice.ephemeral and "DMs are closed" in notice.content and "Privacy" in notice.content
    assert "could not reach" not in notice.content and not notice.embeds  # no phantom reminder
    assert world.bot.sql(blocked) == [(1,)]  # still closed: the record stays
    again = await emu.run_command(alice, "tasks", guild=g)
    await emu.run_command(alice, "progress", guild=g)  # after again's completion handler
    assert again.followups == [], "told once, not at every command"
    # no channel notice: the admin has not turned them on
    assert not any(
        f"<@{alice.id}>" in m.content for c in emu.channels(g) for m in emu.channel_messages(c)
    )


async def test_reminder_settings_and_pauses(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    shown = await emu.run_command(alice, "reminders", guild=g, subcommand="show")
    assert "Mondays at 09:00" in shown.content
    changed = await emu.run_command(
        alice,
        "reminders",
        guild=g,
        subcommand="set",
        options={"day": "fri", "time": "18:30", "timezone": "Asia/Kolkata"},
    )
    assert "Fridays at 18:30" in changed.content and "Asia/Kolkata" in changed.content
    bad = await emu.run_command(
        alice, "reminders", guild=g, subcommand="set", options={"timezone": "Asia/Kolkatta"}
    )
    assert bad.content.startswith("⚠️") and "Asia/Kolkata" in bad.content
    paused = await emu.run_command(alice, "reminders", guild=g, subcommand="pause")
    assert "Paused" in paused.content
    assert world.bot.sql("SELECT status FROM enrolments")[0][0] == "paused"
    world.bot.advance(timedelta(days=7))  # a paused learner gets no reminder
    resumed = await emu.run_command(alice, "reminders", guild=g, subcommand="resume")
    assert "Welcome back" in resumed.content
    assert world.bot.sql("SELECT status FROM enrolments")[0][0] == "active"
    assert reminder_dms(emu, alice) == []
    # pause until a date: the sweep resumes it once that date comes
    until = (world.bot.now() + timedelta(days=3)).date().isoformat()
    await emu.run_command(alice, "reminders", guild=g, subcommand="pause", options={"until": until})
    world.bot.advance(timedelta(days=3, hours=12))  # past the start of `until`, in UTC
    await poll(lambda: world.bot.sql("SELECT status FROM enrolments") == [("active",)])


async def test_pathways_list_and_pages(world: World) -> None:
    emu, g = world.emu, world.guild
    listing = await emu.run_command(world.alice, "pathways", guild=g)
    assert SEED in json.dumps(listing.embeds)
    detail = await emu.run_command(world.alice, "pathways", guild=g, options={"pathway": SEED})
    assert "Overview" in json.dumps(detail.embeds)
    seen = [detail.embeds[0]["title"]]
    message = detail.message
    for _ in range(12):
        nxt = next(c for c in message.custom_ids if c.endswith(":next"))
        if message.find_component(nxt).get("disabled"):
            break
        click = await emu.click(world.alice, message, nxt)
        message = await click.wait_final()
        seen.append(message.embeds[0]["title"])
    assert seen[-1] == "FAQ" and any("Reality check" in s for s in seen)
    assert len(seen) == len(set(seen))


async def test_reconnects_never_start_a_second_scheduler(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    await emu.run_command(alice, "enroll", guild=g, options={"pathway": SEED})
    identifies = emu.counters.gateway_identifies
    await emu.disconnect_gateway()  # resumes
    await poll(lambda: emu.counters.gateway_resumes >= 1, what="a RESUME")
    emu.invalidate_session()  # a fresh IDENTIFY and a second READY / on_ready
    await poll(lambda: emu.counters.gateway_identifies > identifies, within=20, what="IDENTIFY")
    await emu.wait_until_connected()
    world.bot.make_due()
    await emu.wait_for_dm(alice, is_reminder, timeout=15)
    await world.bot.wait_ticks(2)
    assert len(reminder_dms(emu, alice)) == 1
    assert world.bot.logs().count("delivery scheduler started") == 1
