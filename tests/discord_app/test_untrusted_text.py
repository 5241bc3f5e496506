"""Nothing a member types can ping, link or post publicly through the bot.

Every free-text option of every command gets hostile values, sent the way a hostile member
would. For each one the reply is private, no recorded request could ping anyone (checked in
its allowed_mentions and its content), the content carries no raw mention or link, and the
database is unchanged.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.core.untrusted import escape_text
from bot.emulator.driver import Emulator
from bot.emulator.interactions import DEFERRED_CHANNEL_MESSAGE
from bot.emulator.metrics import RequestRecord
from bot.emulator.models import Message
from bot.emulator.permissions import Permission
from tests.discord_app.conftest import World
from tests.discord_app.outgoing import message_bodies, permits_nothing, pings, shown_text
from tests.harness import SEED, BotProcess, db_snapshot, is_reminder, poll

#: (command, subcommand, hostile option, other options): every free-text option there is.
FREE_TEXT: list[tuple[str, str | None, str, dict[str, str]]] = [
    ("enroll", None, "pathway", {}),
    ("enroll", None, "group", {"pathway": SEED}),
    ("enroll", None, "timezone", {"pathway": SEED}),
    ("enroll", None, "day", {"pathway": SEED}),
    ("enroll", None, "time", {"pathway": SEED}),
    ("enroll", None, "start", {"pathway": SEED}),
    ("enroll", None, "pace", {"pathway": SEED}),
    ("done", None, "task", {}),
    ("undo", None, "task", {}),
    ("pathways", None, "pathway", {}),
    ("leave", None, "pathway", {}),
    ("reminders", "set", "day", {}),
    ("reminders", "set", "time", {}),
    ("reminders", "set", "timezone", {}),
    ("reminders", "pause", "until", {}),
    ("setup", "defaults", "day", {}),
    ("setup", "defaults", "time", {}),
    ("setup", "defaults", "timezone", {}),
    ("group", "create", "name", {"pathway": SEED}),
    ("group", "create", "pathway", {"name": "Autumn"}),
    ("group", "create", "cohort_start", {"name": "Autumn", "pathway": SEED}),
    ("group", "join", "name", {}),
    ("group", "leave", "name", {}),
    ("group", "info", "name", {}),
    ("leaderboard", None, "group", {}),
    ("leaderboard", None, "group", {"metric": "on-schedule"}),
    ("setup", "milestone-role", "milestone", {}),
    ("cohort", None, "group", {}),
    ("cohort", None, "pathway", {}),
]

HOSTILE = {
    "everyone": "@everyone",
    "here": "@here",
    "role": "<@&{role}>",
    "user": "<@{user}>",
    "masked-link": "[x](https://evil.example)",
    # all of the above at once, cut to 6,000 characters (the most Discord lets a member send)
    "6000-characters": "@everyone <@{user}> <@&{role}> [x](https://evil.example) " * 120,
    "nul": "\x00",
    "nul-inside": "Spring\x00Cohort",
    "bidi": "\u202eevil\u202c.example",
    "sql": "'; DROP TABLE enrolments;--",
}

#: What must never reach Discord from a member's input, in any request body.
RAW = ("@everyone", "@here", "<@", "](", "https://evil", "\x00", "\u202e")


def snapshot(world: World) -> list[Any]:
    return db_snapshot(world.bot.db_path)


def free_text_options(world: World) -> set[tuple[str, str | None, str]]:
    """Every string option without fixed choices in the registered command tree."""
    found = set()
    for command in world.emu.commands():
        for option in command.options:
            subs = [option] if option["type"] == 1 else []
            if subs:
                for o in option.get("options") or []:
                    if o["type"] == 3 and not o.get("choices"):
                        found.add((command.name, option["name"], o["name"]))
            elif option["type"] == 3 and not option.get("choices"):
                found.add((command.name, None, option["name"]))
    return found


async def test_the_attack_list_covers_the_command_tree(world: World) -> None:
    # A new string option without a row above would go unchecked: keep the list complete.
    assert free_text_options(world) == {(c, s, o) for c, s, o, _ in FREE_TEXT}


def public_defers(requests: list[RequestRecord]) -> list[RequestRecord]:
    return [
        r
        for r in requests
        if r.route == "POST /interactions/{interaction_id}/{interaction_token}/callback"
        and isinstance(r.body, dict)
        and r.body.get("type") == DEFERRED_CHANNEL_MESSAGE
        and not int((r.body.get("data") or {}).get("flags") or 0) & 64
    ]


async def prepare(world: World) -> dict[str, int]:
    """A learner with an enrolment, a group and members allowed to create groups: every
    command reaches the point where it reads the hostile option."""
    emu, g = world.emu, world.guild
    await emu.run_command(
        world.admin, "setup", guild=g, subcommand="member-groups", options={"allowed": True}
    )
    await emu.run_command(
        world.admin,
        "group",
        guild=g,
        subcommand="create",
        options={"name": "Spring Cohort", "pathway": SEED},
    )
    await emu.run_command(
        world.alice, "enroll", guild=g, options={"pathway": SEED, "group": "Spring Cohort"}
    )
    # the welcome DM records alice's DM channel in the background: let it land first
    await poll(
        lambda: (
            world.bot.sql(
                "SELECT dm_channel_id FROM learners WHERE user_id = ?", (world.alice.id,)
            )[0][0]
            is not None
        ),
        what="the welcome DM",
    )
    await emu.run_command(world.alice, "done", guild=g, options={"task": "week-jupyter-setup"})
    role = emu.add_role(g, "mods")
    return {"role": role.id, "user": world.bob.id}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
async def test_hostile_values_get_private_inert_replies_and_store_nothing(
    world: World, kind: str
) -> None:
    emu, g = world.emu, world.guild
    ids = await prepare(world)
    value = HOSTILE[kind].format(**ids)[:6000]
    for command, sub, option, others in FREE_TEXT:
        if kind == "sql" and (command, option) == ("group", "name"):
            continue  # plain text: a fine group name (stored with parameters, shown escaped)
        user = world.admin if command in ("setup", "cohort") else world.alice
        before = snapshot(world)
        start = len(emu.requests)
        public_before = len(emu.channel_messages(emu.channels(g)[0]))
        reply = await emu.run_command(
            user, command, guild=g, subcommand=sub, options={**others, option: value}
        )
        where = (command, sub, option, kind)
        if reply.deferred:
            await reply.wait_final()
        # private: never a public "thinking" placeholder, every message of the reply ephemeral
        assert not public_defers(emu.requests[start:]), where
        assert reply.messages and all(m.ephemeral for m in reply.messages), where
        assert reply.content.startswith("⚠️"), (where, reply.content[:200])
        assert len(emu.channel_messages(emu.channels(g)[0])) == public_before, where
        assert snapshot(world) == before, where
        bodies = list(message_bodies(emu.requests[start:]))
        assert bodies, where
        for body in bodies:
            assert permits_nothing(body), (where, body.get("allowed_mentions"))
            assert pings(body) == set(), where
            sent = json.dumps(body, ensure_ascii=False)
            for raw in RAW:
                assert raw not in (body.get("content") or ""), (where, raw, body["content"])
                if raw not in {"@everyone", "@here", "<@"}:  # embeds may name members
                    assert raw not in sent, (where, raw)
            assert len(body.get("content") or "") <= 2000, where
    assert "unexpected error" not in world.bot.logs()


async def test_an_error_after_a_public_deferral_stays_private(world: World) -> None:
    emu, g = world.emu, world.guild
    await emu.run_command(
        world.admin, "setup", guild=g, subcommand="defaults", options={"timezone": "UTC"}
    )
    await emu.run_command(world.alice, "enroll", guild=g, options={"pathway": SEED})
    # the server's zone goes bad behind the bot's back: the board fails only after deferring
    world.bot.sql("UPDATE guild_settings SET default_tz = '<@&1> [x](https://evil.example)'")
    start = len(emu.requests)
    reply = await emu.run_command(
        world.alice, "leaderboard", guild=g, options={"metric": "on-schedule", "period": "week"}
    )
    assert public_defers(emu.requests[start:])  # the slow board does defer publicly
    error = await reply.wait_followup()
    assert error.ephemeral and error.content.startswith("⚠️")
    assert reply.message is None  # the public placeholder was withdrawn, not filled
    channel = emu.channels(g)[0]
    assert not [m for m in emu.channel_messages(channel) if "⚠️" in m.content]
    for body in message_bodies(emu.requests[start:]):
        assert permits_nothing(body) and not pings(body)
        assert "<@" not in (body.get("content") or "") and "](" not in json.dumps(body)


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
    await emu.run_command(  # the channel notice is opt-in per server
        world.admin, "setup", guild=g, subcommand="dm-notice", options={"enabled": True}
    )
    for user in (alice, world.bob):
        await emu.run_command(user, "enroll", guild=g, options={"pathway": SEED, "group": "Owls"})
    for user in (alice, world.bob):  # both welcome DMs land while DMs are still open
        await poll(
            lambda u=user: (
                world.bot.sql(  # type: ignore[misc]
                    "SELECT dm_channel_id FROM learners WHERE user_id = ?", (u.id,)
                )[0][0]
                is not None
            ),
            what="the welcome DM",
        )
    emu.close_dms(alice)
    start = len(emu.requests)
    world.bot.make_due()
    await emu.wait_for(
        lambda: any("DMs are closed" in m.content for m in emu.channel_messages(channel)),
        timeout=20,
    )
    await emu.wait_for_dm(world.bob, is_reminder)
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
    slot = bot.now() - timedelta(minutes=1)
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
