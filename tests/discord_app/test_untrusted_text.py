"""Nothing a member types can ping, link or post publicly through the bot.

Every free-text option of every command gets hostile values, sent the way a hostile member
would. For each one the reply is private, no recorded request could ping anyone (checked in
its allowed_mentions and its content), the content carries no raw mention or link, and the
database is unchanged.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.core.untrusted import escape_text
from tests.discord_app.conftest import World
from tests.discord_app.outgoing import message_bodies, permits_nothing, pings, shown_text
from tests.discord_emulator.driver import Emulator
from tests.discord_emulator.models import Message
from tests.discord_emulator.permissions import Permission
from tests.harness import SEED, BotProcess


async def test_the_closed_dm_fallback_pings_exactly_its_learner(world: World) -> None:
    emu, g, alice = world.emu, world.guild, world.alice
    channel = emu.channels(g)[0]
    await emu.run_command(
        world.admin,
        "group",
        guild=g,
        subcommand="create",
        options={"name": "Owls", "pathway": SEED, "channel": channel},
    )
    for user in (alice, world.bob):
        await emu.run_command(user, "enroll", guild=g, options={"pathway": SEED, "group": "Owls"})
    emu.close_dms(alice)
    start = len(emu.requests)
    world.bot.make_due()
    await emu.wait_for(
        lambda: any("DMs are closed" in m.content for m in emu.channel_messages(channel)),
        timeout=20,
    )
    await emu.wait_for_dm(world.bob)
    posts = [
        b
        for b in message_bodies(emu.requests[start:])
        if "DMs are closed" in (b.get("content") or "")
    ]
    assert len(posts) == 1
    (post,) = posts
    assert f"<@{alice.id}>" in post["content"]
    assert pings(post) == {f"user:{alice.id}"}
    assert post["allowed_mentions"]["parse"] == []
    assert [str(u) for u in post["allowed_mentions"]["users"]] == [str(alice.id)]
    assert not post["allowed_mentions"].get("roles")
    assert not post["allowed_mentions"].get("replied_user")
    # every other message in this exchange (bob's DM) pings nobody
    others = [b for b in message_bodies(emu.requests[start:]) if b is not post]
    assert others and all(permits_nothing(b) and not pings(b) for b in others)


MARKDOWN_NAME = "# **Night** _owls_ ~~x~~ ||y|| `z` > q"
LEGACY_NAME = "[discord.com/settings](https://evil.example/login)"


def assert_escaped(message: Message, name: str) -> None:
    shown = shown_text(message)
    assert escape_text(name, 80) in shown, shown
    assert name not in shown
    for raw in ("**Night**", "||y||", "](", "https://evil"):
        assert raw not in shown, (raw, shown)


async def test_group_names_are_escaped_in_every_public_message(
    emu: Emulator, tmp_path: Path
) -> None:
    owner, alice, bob, admin = (emu.add_user(n) for n in ("owner", "alice", "bob", "admin"))
    g = emu.add_guild("G", owner)
    emu.add_member(g, admin, permissions=Permission.MANAGE_GUILD)
    for u in (alice, bob):
        emu.add_member(g, u)
    channel = emu.channels(g)[0]
    bot = BotProcess(emu, tmp_path, DIGEST_CHECK_SECONDS="0.5")
    await bot.start()
    slot = datetime.now(UTC) - timedelta(minutes=1)
    when = {"day": slot.strftime("%a").lower(), "time": slot.strftime("%H:%M"), "timezone": "UTC"}
    await emu.run_command(admin, "setup", guild=g, subcommand="defaults", options=when)
    await emu.run_command(
        admin, "setup", guild=g, subcommand="member-groups", options={"allowed": True}
    )

    # a member tries the phishing name from the issue: refused, privately, nothing stored
    refused = await emu.run_command(
        alice, "group", guild=g, subcommand="create", options={"name": LEGACY_NAME, "pathway": SEED}
    )
    assert refused.ephemeral and refused.content.startswith("⚠️") and "link" in refused.content
    assert bot.sql("SELECT COUNT(*) FROM study_groups") == [(0,)]

    created = await emu.run_command(
        alice,
        "group",
        guild=g,
        subcommand="create",
        options={"name": MARKDOWN_NAME, "pathway": SEED},
    )
    assert not created.ephemeral
    assert_escaped(created.message, MARKDOWN_NAME)  # type: ignore[arg-type]
    for u in (alice, bob):
        r = await emu.run_command(
            u, "enroll", guild=g, options={"pathway": SEED, "group": MARKDOWN_NAME}
        )
        assert_escaped(r.message, MARKDOWN_NAME)  # type: ignore[arg-type]
        await emu.run_command(u, "done", guild=g, options={"task": "week-jupyter-setup"})

    public = []
    for sub, options in (("list", {}), ("info", {"name": MARKDOWN_NAME})):
        r = await emu.run_command(bob, "group", guild=g, subcommand=sub, options=options)
        public.append(r)
    public.append(await emu.run_command(bob, "leaderboard", guild=g))
    deferred = await emu.run_command(
        bob, "leaderboard", guild=g, options={"group": MARKDOWN_NAME, "metric": "on-schedule"}
    )
    await deferred.wait_final()
    public.append(deferred)
    for r in public:
        assert not r.ephemeral
        assert_escaped(r.message, MARKDOWN_NAME)  # type: ignore[arg-type]

    await emu.run_command(
        admin, "setup", guild=g, subcommand="digest-channel", options={"channel": channel}
    )

    def digest() -> Message | None:
        return next(
            (m for m in emu.channel_messages(channel) if "Weekly digest" in shown_text(m)), None
        )

    await emu.wait_for(lambda: digest() is not None, timeout=20)
    assert_escaped(digest(), MARKDOWN_NAME)  # type: ignore[arg-type]

    # a name stored before names were checked is still shown inert
    bot.sql(
        "UPDATE study_groups SET name = ?, name_key = ?",
        (LEGACY_NAME, LEGACY_NAME.casefold()),
    )
    legacy = [
        await emu.run_command(bob, "group", guild=g, subcommand="list"),
        await emu.run_command(
            bob, "group", guild=g, subcommand="info", options={"name": LEGACY_NAME}
        ),
        await emu.run_command(bob, "leaderboard", guild=g, options={"group": LEGACY_NAME}),
    ]
    for r in legacy:
        assert not r.ephemeral
        assert_escaped(r.message, LEGACY_NAME)  # type: ignore[arg-type]
    await bot.stop()
    assert not emu.schema_violations and not emu.failed_interactions
