"""Nothing a member types can ping, link or post publicly through the bot.

Every free-text option of every command gets hostile values, sent the way a hostile member
would. For each one the reply is private, no recorded request could ping anyone (checked in
its allowed_mentions and its content), the content carries no raw mention or link, and the
database is unchanged.
"""

from __future__ import annotations

from tests.discord_app.conftest import World
from tests.discord_app.outgoing import message_bodies, permits_nothing, pings
from tests.harness import SEED


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
