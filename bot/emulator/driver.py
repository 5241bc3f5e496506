"""The test-facing API: build a Discord world, act as its users, observe the bot.

A test creates an :class:`Emulator`, starts it (loopback, ephemeral port), points a discord.py
client (or the bot subprocess, via ``DISCORD_API_BASE_URL``) at ``emu.api_base`` and then acts as
Discord users: run slash commands, autocomplete, click components, submit modals, type messages.
Every wait is event driven (see :mod:`notifier`), so tests are as fast as the bot.
"""

# The waiting helpers take a ``timeout`` on purpose: it is a failure budget that turns a hang into
# a readable test failure, not a cancellation scope the caller could wrap instead.
# ruff: noqa: ASYNC109

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Self, TypeVar

from .clock import EmulatorClock
from .command_options import encode_options
from .component_inputs import component_values, modal_submission
from .context import EmulatorConfig, EmulatorContext
from .errors import (
    CommandNotAvailableError,
    ComponentError,
    EmulatorUsageError,
    UnknownCommandError,
)
from .faults import FaultInjector
from .gateway import CLOSE_UNKNOWN_ERROR, GatewayManager, GatewaySession
from .identify_log import IdentifyRecord, IdentifyViolation, violations
from .ids import SnowflakeFactory
from .interaction_payloads import base_payload, command_data, component_data, with_message
from .interactions import (
    APPLICATION_COMMAND,
    AUTOCOMPLETE,
    MESSAGE_COMPONENT,
    MODAL_SUBMIT,
    InteractionRecord,
    InteractionRegistry,
)
from .metrics import Counters, RequestRecord
from .models import (
    GUILD_TEXT,
    JSON,
    AppCommand,
    AuditLogEntry,
    Channel,
    Guild,
    Member,
    Message,
    Role,
    User,
)
from .notifier import Notifier
from .permissions import (
    ALL_PERMISSIONS,
    DEFAULT_BOT_PERMISSIONS,
    DEFAULT_EVERYONE,
    Overwrite,
    Permission,
)
from .ratelimit import RateLimiter
from .replies import InteractionReply
from .schema import SchemaViolation, warm_up
from .server import EmulatorServer
from .state import EmulatorState

T = TypeVar("T")
UserRef = User | int
GuildRef = Guild | int
ChannelRef = Channel | int


class Emulator:
    """A Discord-compatible server plus the controls a test needs.

    Args:
        config: all knobs; keyword ``overrides`` replace single fields
            (``Emulator(interaction_deadline=0.2)``).
        timeout: default seconds any ``wait_*`` helper waits before failing the test.
        ids: the snowflake source (a world rebuilt with the same ids needs a scripted one).
    """

    def __init__(
        self,
        config: EmulatorConfig | None = None,
        *,
        timeout: float = 10.0,
        ids: SnowflakeFactory | None = None,
        **overrides: Any,
    ) -> None:
        self.config = dataclasses.replace(config or EmulatorConfig(), **overrides)
        self.timeout = timeout
        self.clock = EmulatorClock()
        self.notifier = Notifier()
        self.state = EmulatorState(
            token=self.config.token,
            bot_name=self.config.bot_name,
            clock=self.clock,
            notifier=self.notifier,
            ids=ids,
        )
        self.counters = Counters()
        self.ratelimits = RateLimiter(self.config.ratelimits)
        self.faults = FaultInjector()
        self.interactions = InteractionRegistry(
            self.state,
            self.counters,
            deadline=self.config.interaction_deadline,
            token_lifetime=self.config.interaction_token_lifetime,
        )
        self.gateway = GatewayManager(
            self.state,
            self.counters,
            token=self.config.token,
            heartbeat_interval_ms=self.config.heartbeat_interval_ms,
            on_change=self.notifier.notify,
        )
        self.ctx = EmulatorContext(
            config=self.config,
            clock=self.clock,
            notifier=self.notifier,
            state=self.state,
            counters=self.counters,
            ratelimiter=self.ratelimits,
            faults=self.faults,
            interactions=self.interactions,
            gateway=self.gateway,
        )
        self._server = EmulatorServer(self.ctx)
        self.url = ""

    # ------------------------------------------------------------------ lifecycle

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Self:
        """Serve on ``host:port`` (port 0 picks a free one). Returns self for chaining."""
        warm_up()
        self.url = await self._server.start(host, port)
        self.state.public_base_url = self.url
        self.gateway.ws_base = "ws" + self.url[len("http") :]
        self.ctx.base_url = self.url
        return self

    async def stop(self) -> None:
        """Close gateway connections, cancel interaction timers and stop serving."""
        self.interactions.cancel_timers()
        await self._server.stop()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def api_base(self) -> str:
        """Value for ``discord.http.Route.BASE`` / ``DISCORD_API_BASE_URL``."""
        return f"{self.url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return self.gateway.url

    @property
    def port(self) -> int:
        return self._server.port

    @property
    def token(self) -> str:
        return self.config.token

    @property
    def bot_user(self) -> User:
        return self.state.bot_user

    @property
    def application_id(self) -> int:
        return self.state.application_id

    @property
    def schema_violations(self) -> list[SchemaViolation]:
        """Request bodies Discord's schema rejects (each was answered 400/50035)."""
        return self.ctx.schema_violations

    @property
    def failed_interactions(self) -> list[InteractionRecord]:
        """Interactions not acknowledged within the deadline ("This interaction failed")."""
        return self.interactions.failed

    @property
    def requests(self) -> list[RequestRecord]:
        """Every REST request, in arrival order."""
        return self.ctx.requests

    @property
    def unknown_routes(self) -> list[str]:
        """``"METHOD /path"`` of requests to endpoints the emulator does not implement (404)."""
        return self.ctx.unknown_routes

    # ------------------------------------------------------------------ building the world

    def add_user(
        self,
        username: str,
        *,
        global_name: str | None = None,
        dms_open: bool = True,
        locale: str = "en-US",
        bot: bool = False,
    ) -> User:
        return self.state.add_user(
            username, global_name=global_name, dms_open=dms_open, locale=locale, bot=bot
        )

    def add_guild(
        self,
        name: str,
        owner: UserRef | None = None,
        *,
        locale: str = "en-US",
        everyone_permissions: int = DEFAULT_EVERYONE,
        bot_permissions: int = DEFAULT_BOT_PERMISSIONS,
        default_channel: str | None = "general",
        shard: tuple[int, int] | None = None,
    ) -> Guild:
        """A guild the bot is in, with a ``#general`` text channel unless ``default_channel=None``.

        ``owner`` defaults to a new user; the owner has every permission. ``shard=(id, count)``
        gives the guild an id Discord would route to that shard.
        """
        owner_user = self._user(owner) if owner is not None else self.add_user(f"{name}-owner")
        guild = self.state.add_guild(
            name,
            owner_user.id,
            locale=locale,
            everyone_permissions=everyone_permissions,
            bot_permissions=bot_permissions,
            shard=shard,
        )
        if default_channel:
            self.state.add_channel(guild, default_channel)
        return guild

    def add_role(
        self, guild: GuildRef, name: str, permissions: int = 0, *, position: int | None = None
    ) -> Role:
        return self.state.add_role(self._guild(guild), name, int(permissions), position=position)

    def add_member(
        self,
        guild: GuildRef,
        user: UserRef,
        *,
        roles: Iterable[Role] = (),
        permissions: int | None = None,
        nick: str | None = None,
    ) -> Member:
        """Add ``user`` to ``guild``. ``permissions`` creates a role granting exactly those bits
        (on top of @everyone), e.g. ``permissions=Permission.MANAGE_GUILD``."""
        g = self._guild(guild)
        u = self._user(user)
        role_ids = [r.id for r in roles]
        if permissions is not None:
            role_ids.append(self.add_role(g, f"perms-{u.username}", int(permissions)).id)
        return self.state.add_member(g, u, role_ids=role_ids, nick=nick)

    def set_member_roles(self, guild: GuildRef, user: UserRef, roles: Iterable[Role]) -> Member:
        return self.state.set_member_roles(
            self._guild(guild), self._user(user), [r.id for r in roles]
        )

    def allow_command_for_everyone(self, guild: GuildRef, name: str) -> None:
        """A server admin's override (Server Settings > Integrations): every member may use
        ``/name`` here, whatever its ``default_member_permissions``. Interactions still carry
        each member's own permissions, so a bot that checks them again refuses."""
        self.state.command_overrides.setdefault(self._guild(guild).id, set()).add(name)
        self.state.changed()

    def set_interaction_deadline(self, seconds: float) -> None:
        """Change the acknowledgement deadline (3 s on Discord) for interactions started later."""
        self.config.interaction_deadline = seconds
        self.interactions.deadline = seconds

    def set_role_position(self, role: Role, position: int) -> None:
        """Move ``role`` in its guild's hierarchy (higher positions rank above)."""
        self.state.set_role_position(role, position)

    def hold(self, route: str) -> None:
        """Hold back answers to ``"METHOD /template"`` after the emulator acted on them (the
        change is made; the client does not hear of it) until :meth:`release`."""
        self.ctx.holds[route] = asyncio.Event()

    def release(self, route: str) -> None:
        event = self.ctx.holds.pop(route, None)
        if event is not None:
            event.set()

    @property
    def held(self) -> list[RequestRecord]:
        """Requests answered late because of :meth:`hold`, in arrival order."""
        return list(self.ctx.held)

    @property
    def audit_log(self) -> list[AuditLogEntry]:
        return list(self.state.audit_log)

    def set_bot_permissions(self, guild: GuildRef, permissions: int) -> None:
        """Change the permissions of the bot's managed role in ``guild``."""
        g = self._guild(guild)
        self.state.set_role_permissions(self.state.bot_role(g), int(permissions))

    def add_channel(
        self,
        guild: GuildRef,
        name: str,
        *,
        type: int = GUILD_TEXT,
        topic: str | None = None,
        overwrites: Iterable[Overwrite] = (),
    ) -> Channel:
        return self.state.add_channel(
            self._guild(guild), name, type=type, topic=topic, overwrites=overwrites
        )

    def channels(self, guild: GuildRef) -> list[Channel]:
        """The guild's channels in creation order (``[0]`` is ``#general`` by default)."""
        return [self.state.channels[c] for c in self._guild(guild).channel_ids]

    def close_dms(self, user: UserRef) -> None:
        """The user disallows DMs: the bot's sends to their DM channel get 403 code 50007."""
        self._user(user).dms_open = False

    def open_dms(self, user: UserRef) -> None:
        self._user(user).dms_open = True

    def dm_channel(self, user: UserRef) -> Channel:
        """The bot's DM channel with ``user`` (created if needed)."""
        return self.state.dm_channel(self._user(user).id)

    def permissions_of(self, user: UserRef, channel: ChannelRef) -> int:
        """Effective permissions, as sent in ``member.permissions`` of interactions."""
        return self.state.permissions_in(self._channel(channel), self._user(user).id)

    # ------------------------------------------------------------------ observing

    def dms(self, user: UserRef, *, include_user_messages: bool = False) -> list[Message]:
        """Messages the bot sent to ``user`` by DM (oldest first; no ephemeral ones)."""
        channel_id = self.state.dm_channels.get(self._user(user).id)
        if channel_id is None:
            return []
        messages = self.state.channel_messages(channel_id)
        if include_user_messages:
            return messages
        return [m for m in messages if m.author_id == self.bot_user.id]

    def channel_messages(
        self, channel: ChannelRef, *, include_ephemeral: bool = False
    ) -> list[Message]:
        return self.state.channel_messages(
            self._channel(channel).id, include_ephemeral=include_ephemeral
        )

    def commands(self, guild: GuildRef | None = None) -> list[AppCommand]:
        """Commands the bot registered globally (or for ``guild``)."""
        return self.state.list_commands(self._guild(guild).id if guild is not None else None)

    def command(self, name: str, guild: GuildRef | None = None) -> AppCommand | None:
        return self.state.find_command(name, self._guild(guild).id if guild is not None else None)

    @property
    def sessions(self) -> list[GatewaySession]:
        return list(self.gateway.sessions.values())

    @property
    def identifies(self) -> list[IdentifyRecord]:
        """Every IDENTIFY, in arrival order, with its shard and monotonic arrival time."""
        return list(self.gateway.identifies)

    def identify_violations(self) -> list[IdentifyViolation]:
        """IDENTIFYs that broke the one-per-bucket-per-5-s rule for this emulator's
        ``max_concurrency`` (Discord would have refused them)."""
        return violations(self.gateway.identifies, self.config.max_concurrency)

    def receivers(self, interaction: InteractionReply | InteractionRecord) -> list[GatewaySession]:
        """The sessions the gateway sent this interaction's INTERACTION_CREATE to."""
        record = interaction.record if isinstance(interaction, InteractionReply) else interaction
        return [s for s in self.gateway.sessions.values() if record.id in s.interaction_ids]

    # ------------------------------------------------------------------ waiting

    async def wait_for(
        self,
        predicate: Callable[[], T | None],
        timeout: float | None = None,
        *,
        what: str | None = None,
    ) -> T:
        """Return ``predicate()`` once truthy; re-checked on every emulator change."""
        return await self.notifier.wait_for(
            predicate, self.timeout if timeout is None else timeout, description=what
        )

    async def wait_until_connected(self, timeout: float | None = None) -> GatewaySession:
        """Wait for an identified gateway session with a live connection."""
        sessions = await self.wait_for(
            lambda: self.gateway.live_sessions, timeout, what="a gateway session"
        )
        return sessions[0]

    async def wait_for_shards(
        self, shard_ids: Iterable[int], count: int, timeout: float | None = None
    ) -> dict[int, GatewaySession]:
        """Wait until each of ``shard_ids`` (of ``count``) has a live session; returns them."""
        wanted = sorted(set(shard_ids))

        def live() -> dict[int, GatewaySession] | None:
            found = {
                s.shard[0]: s
                for s in self.gateway.live_sessions
                if s.shard is not None and s.shard[1] == count
            }
            return found if all(i in found for i in wanted) else None

        found = await self.wait_for(live, timeout, what=f"live sessions for shards {wanted}")
        return {i: found[i] for i in wanted}

    async def wait_for_command_sync(
        self, guild: GuildRef | None = None, count: int = 1, timeout: float | None = None
    ) -> list[AppCommand]:
        """Wait until the bot bulk-overwrote its commands ``count`` times in that scope."""
        if guild is None:
            await self.wait_for(
                lambda: self.counters.global_command_syncs >= count, timeout, what="command sync"
            )
        else:
            gid = self._guild(guild).id
            await self.wait_for(
                lambda: self.counters.guild_command_syncs[gid] >= count,
                timeout,
                what="guild command sync",
            )
        return self.commands(guild)

    async def wait_for_dm(
        self,
        user: UserRef,
        predicate: Callable[[Message], bool] | None = None,
        *,
        after: Message | int | None = None,
        timeout: float | None = None,
    ) -> Message:
        """The first DM from the bot to ``user`` newer than ``after`` matching ``predicate``."""
        threshold = after.id if isinstance(after, Message) else (after or 0)

        def find() -> Message | None:
            for message in self.dms(user):
                if message.id > threshold and (predicate is None or predicate(message)):
                    return message
            return None

        return await self.wait_for(find, timeout, what=f"a DM to {self._user(user).username}")

    async def wait_for_message(
        self,
        channel: ChannelRef,
        predicate: Callable[[Message], bool] | None = None,
        *,
        after: Message | int | None = None,
        timeout: float | None = None,
    ) -> Message:
        """The first message in ``channel`` newer than ``after`` matching ``predicate``."""
        threshold = after.id if isinstance(after, Message) else (after or 0)

        def find() -> Message | None:
            for message in self.channel_messages(channel):
                if message.id > threshold and (predicate is None or predicate(message)):
                    return message
            return None

        return await self.wait_for(find, timeout, what="a channel message")

    # ------------------------------------------------------------------ acting as users

    async def send_user_message(
        self, user: UserRef, content: str, *, channel: ChannelRef | None = None
    ) -> Message:
        """``user`` types a message (in ``channel``, or by DM to the bot): MESSAGE_CREATE."""
        u = self._user(user)
        target = self._channel(channel) if channel is not None else self.dm_channel(u)
        if target.guild_id is not None and u.id not in self.state.guilds[target.guild_id].members:
            raise EmulatorUsageError(f"{u.username} is not a member of that guild")
        if target.is_dm and target.recipient_id != u.id:
            raise EmulatorUsageError("users can only write in their own DM with the bot")
        return self.state.create_message(target, u.id, content=content)

    def start_command(
        self,
        user: UserRef,
        name: str,
        *,
        guild: GuildRef | None = None,
        channel: ChannelRef | None = None,
        options: Mapping[str, Any] | None = None,
        subcommand: str | None = None,
    ) -> InteractionReply:
        """Dispatch a slash command without waiting for the response (see :meth:`run_command`)."""
        u = self._user(user)
        target, g = self._where(u, guild, channel)
        command = self._available_command(u, name, g, target)
        encoded = encode_options(
            self.state,
            command,
            subcommand=subcommand,
            options=options or {},
            guild=g,
            channel=target,
            invoker_id=u.id,
        )
        interaction_id, token = self.interactions.new_identity()
        payload = base_payload(
            self.state,
            self.config,
            interaction_id=interaction_id,
            token=token,
            interaction_type=APPLICATION_COMMAND,
            user=u,
            channel=target,
        )
        payload["data"] = command_data(command, encoded.options, encoded.resolved)
        full_name = " ".join([name, *encoded.path])
        return self._dispatch(
            InteractionRecord(
                id=interaction_id,
                token=token,
                type=APPLICATION_COMMAND,
                user_id=u.id,
                channel_id=target.id,
                guild_id=target.guild_id,
                payload=payload,
                command_name=full_name,
            )
        )

    async def run_command(
        self,
        user: UserRef,
        name: str,
        *,
        guild: GuildRef | None = None,
        channel: ChannelRef | None = None,
        options: Mapping[str, Any] | None = None,
        subcommand: str | None = None,
        timeout: float | None = None,
    ) -> InteractionReply:
        """Run ``/name [subcommand] options`` as ``user`` and wait for the first response.

        ``guild`` alone uses its first text channel; neither ``guild`` nor ``channel`` means the
        user's DM with the bot. ``subcommand`` may be ``"sub"`` or ``"group sub"``. Raises
        :class:`UnknownCommandError` / :class:`OptionError` / :class:`CommandNotAvailableError`
        for invocations the Discord client would not allow, and
        :class:`~.replies.InteractionFailedError` if the bot does not answer in time.
        """
        reply = self.start_command(
            user, name, guild=guild, channel=channel, options=options, subcommand=subcommand
        )
        return await reply.wait_first(timeout)

    async def autocomplete(
        self,
        user: UserRef,
        name: str,
        option: str,
        value: str,
        *,
        guild: GuildRef | None = None,
        channel: ChannelRef | None = None,
        options: Mapping[str, Any] | None = None,
        subcommand: str | None = None,
        timeout: float | None = None,
    ) -> list[JSON]:
        """``user`` types ``value`` into autocomplete ``option``; returns the bot's choices."""
        u = self._user(user)
        target, g = self._where(u, guild, channel)
        command = self._available_command(u, name, g, target)
        provided = dict(options or {})
        provided[option] = value
        encoded = encode_options(
            self.state,
            command,
            subcommand=subcommand,
            options=provided,
            guild=g,
            channel=target,
            invoker_id=u.id,
            focused=option,
        )
        interaction_id, token = self.interactions.new_identity()
        payload = base_payload(
            self.state,
            self.config,
            interaction_id=interaction_id,
            token=token,
            interaction_type=AUTOCOMPLETE,
            user=u,
            channel=target,
        )
        payload["data"] = command_data(command, encoded.options, {})
        reply = self._dispatch(
            InteractionRecord(
                id=interaction_id,
                token=token,
                type=AUTOCOMPLETE,
                user_id=u.id,
                channel_id=target.id,
                guild_id=target.guild_id,
                payload=payload,
                command_name=" ".join([name, *encoded.path]),
            )
        )
        await reply.wait_first(timeout)
        return list(reply.choices or [])

    def start_click(
        self,
        user: UserRef,
        message: Message | int,
        custom_id: str,
        values: Iterable[Any] | None = None,
    ) -> InteractionReply:
        """Dispatch a component interaction without waiting (see :meth:`click`)."""
        u = self._user(user)
        msg = self._message(message)
        channel = self.state.channels[msg.channel_id]
        self._check_can_see(u, msg, channel)
        component = msg.find_component(custom_id)
        if component is None:
            raise ComponentError(f"no component {custom_id!r} on message; has {msg.custom_ids}")
        if component.get("disabled"):
            raise ComponentError(f"component {custom_id!r} is disabled")
        encoded_values, resolved = component_values(self.state, component, values, channel, u)
        interaction_id, token = self.interactions.new_identity()
        payload = base_payload(
            self.state,
            self.config,
            interaction_id=interaction_id,
            token=token,
            interaction_type=MESSAGE_COMPONENT,
            user=u,
            channel=channel,
        )
        payload["data"] = component_data(component, encoded_values, resolved)
        with_message(self.state, payload, msg)
        return self._dispatch(
            InteractionRecord(
                id=interaction_id,
                token=token,
                type=MESSAGE_COMPONENT,
                user_id=u.id,
                channel_id=channel.id,
                guild_id=channel.guild_id,
                payload=payload,
                custom_id=custom_id,
                source_message_id=msg.id,
            )
        )

    async def click(
        self,
        user: UserRef,
        message: Message | int,
        custom_id: str,
        values: Iterable[Any] | None = None,
        *,
        timeout: float | None = None,
    ) -> InteractionReply:
        """``user`` presses button / picks ``values`` in select ``custom_id`` on ``message``.

        Works in guild channels and DMs, and on ephemeral messages shown to ``user``. String
        select ``values`` are option values; user/role/channel selects take entities or ids.
        """
        reply = self.start_click(user, message, custom_id, values)
        return await reply.wait_first(timeout)

    def start_modal_submit(
        self,
        user: UserRef,
        opened_by: InteractionReply,
        values: Mapping[str, str | list[str]],
    ) -> InteractionReply:
        """Dispatch a modal submit without waiting (see :meth:`submit_modal`)."""
        u = self._user(user)
        source = opened_by.record
        modal = source.modal
        if modal is None:
            raise EmulatorUsageError("that interaction did not open a modal (no callback type 9)")
        if source.user_id != u.id:
            raise EmulatorUsageError("only the user who saw the modal can submit it")
        components = modal_submission(modal, values)
        channel = self.state.channels[source.channel_id]
        interaction_id, token = self.interactions.new_identity()
        payload = base_payload(
            self.state,
            self.config,
            interaction_id=interaction_id,
            token=token,
            interaction_type=MODAL_SUBMIT,
            user=u,
            channel=channel,
        )
        payload["data"] = {"custom_id": modal["custom_id"], "components": components}
        source_message = (
            self.state.messages.get(source.source_message_id)
            if source.source_message_id is not None
            else None
        )
        if source_message is not None:
            with_message(self.state, payload, source_message)
        return self._dispatch(
            InteractionRecord(
                id=interaction_id,
                token=token,
                type=MODAL_SUBMIT,
                user_id=u.id,
                channel_id=channel.id,
                guild_id=channel.guild_id,
                payload=payload,
                custom_id=modal["custom_id"],
                source_message_id=source_message.id if source_message is not None else None,
            )
        )

    async def submit_modal(
        self,
        user: UserRef,
        opened_by: InteractionReply,
        values: Mapping[str, str | list[str]],
        *,
        timeout: float | None = None,
    ) -> InteractionReply:
        """Fill the modal ``opened_by`` showed (``{custom_id: text}``) and submit it."""
        reply = self.start_modal_submit(user, opened_by, values)
        return await reply.wait_first(timeout)

    # ------------------------------------------------------------------ gateway control

    async def disconnect_gateway(
        self, code: int = CLOSE_UNKNOWN_ERROR, *, abrupt: bool = False
    ) -> int:
        """Close the bot's gateway connection(s) so it reconnects and RESUMEs.

        Dispatches emitted until the client resumes are buffered and replayed. ``abrupt`` drops
        TCP without a close frame. Returns how many connections were closed.
        """
        return await self.gateway.disconnect(code, abrupt=abrupt)

    def request_reconnect(self) -> None:
        """Send op 7 RECONNECT (Discord's "please reconnect and resume")."""
        self.gateway.send_reconnect()

    def invalidate_session(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION (non-resumable: the client must IDENTIFY again)."""
        self.gateway.invalidate_sessions(resumable=resumable)

    # ------------------------------------------------------------------ limits, time

    def set_nonce_dedupe(self, on: bool) -> None:
        """Off: a repeated enforced nonce posts a second message, as if Discord forgot it."""
        self.state.nonce_dedupe = on

    def set_global_rate_limit(self, limit: int, window: float = 1.0) -> None:
        self.ratelimits.config.global_limit = limit
        self.ratelimits.config.global_window = window

    def set_route_rate_limit(self, route: str, limit: int, window: float) -> None:
        """Bucket size for a route, e.g. ``"POST /channels/{channel_id}/messages"``."""
        self.ratelimits.set_route_limit(route, limit, window)

    def set_rate_limit_jitter(self, seconds: float, seed: int = 0) -> None:
        """Each REST request reaches the rate limiter up to ``seconds`` late (uniform, seeded):
        requests sent evenly get counted in bunches, as Discord's edge does to them."""
        self.ratelimits.set_jitter(seconds, seed)

    def exhaust_route(
        self, route: str, major: int | str, retry_after: float, *, shared: bool = False
    ) -> None:
        """Spend the bucket ``route``+``major`` (e.g. a channel id) so the next request gets 429."""
        self.ratelimits.exhaust(route, str(major), retry_after, shared=shared)

    def advance_time(self, seconds: float) -> None:
        """Move the emulator clock (nonce window, token lifetime) forward without sleeping."""
        self.clock.advance(seconds)

    # ------------------------------------------------------------------ assertions

    def assert_clean(self) -> None:
        """Fail if the bot sent schema-invalid bodies, let interactions fail or hit 404 routes."""
        problems = [
            f"schema: {v.method} {v.template}: {v.messages}" for v in self.schema_violations
        ]
        problems += [
            f"failed interaction: {r.command_name or r.custom_id}" for r in self.failed_interactions
        ]
        problems += [f"unknown route: {r}" for r in self.unknown_routes]
        assert not problems, "\n".join(problems)

    # ------------------------------------------------------------------ internals

    def _dispatch(self, record: InteractionRecord) -> InteractionReply:
        self.interactions.dispatch(record)
        return InteractionReply(
            self.state,
            self.notifier,
            record,
            timeout=self.timeout,
            deadline=self.config.interaction_deadline,
        )

    def _user(self, user: UserRef) -> User:
        if isinstance(user, User):
            return user
        found = self.state.users.get(user)
        if found is None:
            raise EmulatorUsageError(f"unknown user {user!r}")
        return found

    def _guild(self, guild: GuildRef) -> Guild:
        if isinstance(guild, Guild):
            return guild
        found = self.state.guilds.get(guild)
        if found is None:
            raise EmulatorUsageError(f"unknown guild {guild!r}")
        return found

    def _channel(self, channel: ChannelRef) -> Channel:
        if isinstance(channel, Channel):
            return channel
        found = self.state.channels.get(channel)
        if found is None:
            raise EmulatorUsageError(f"unknown channel {channel!r}")
        return found

    def _message(self, message: Message | int) -> Message:
        found = self.state.messages.get(message.id if isinstance(message, Message) else message)
        if found is None or found.deleted:
            raise ComponentError("the message no longer exists")
        return found

    def _where(
        self, user: User, guild: GuildRef | None, channel: ChannelRef | None
    ) -> tuple[Channel, Guild | None]:
        if channel is not None:
            target = self._channel(channel)
        elif guild is not None:
            wanted = self._guild(guild)
            texts = [self.state.channels[c] for c in wanted.channel_ids]
            texts = [c for c in texts if c.type == GUILD_TEXT]
            if not texts:
                raise EmulatorUsageError(f"guild {wanted.name!r} has no text channel")
            target = texts[0]
        else:
            target = self.dm_channel(user)
        found = self.state.guilds[target.guild_id] if target.guild_id is not None else None
        if guild is not None and (found is None or found.id != self._guild(guild).id):
            raise EmulatorUsageError("channel is not in that guild")
        return target, found

    def _available_command(
        self, user: User, name: str, guild: Guild | None, channel: Channel
    ) -> AppCommand:
        command = self.state.find_command(name, guild.id if guild else None)
        if command is None:
            scope = [c.name for c in self.state.list_commands(None)]
            if guild is not None:
                scope += [c.name for c in self.state.list_commands(guild.id)]
            raise UnknownCommandError(f"/{name} is not registered here; registered: {scope}")
        if guild is None:
            allowed = (
                1 in command.contexts
                if command.contexts is not None
                else command.dm_permission is not False
            )
            if not allowed:
                raise CommandNotAvailableError(f"/{name} is not available in DMs")
            return command
        if command.contexts is not None and 0 not in command.contexts:
            raise CommandNotAvailableError(f"/{name} is not available in guilds")
        required = command.default_member_permissions
        if required is not None and name not in self.state.command_overrides.get(guild.id, ()):
            perms = self.state.permissions_in(channel, user.id)
            has_all = perms == ALL_PERMISSIONS or perms & Permission.ADMINISTRATOR
            if not has_all and (required == 0 or perms & required != required):
                raise CommandNotAvailableError(
                    f"{user.username} lacks default_member_permissions={required} for /{name}"
                )
        return command

    def _check_can_see(self, user: User, message: Message, channel: Channel) -> None:
        if channel.is_dm and channel.recipient_id != user.id:
            raise ComponentError("that message is in another user's DM")
        if (
            channel.guild_id is not None
            and user.id not in self.state.guilds[channel.guild_id].members
        ):
            raise ComponentError(f"{user.username} is not in that guild")
        if message.ephemeral and message.interaction_id is not None:
            owner = self.interactions.records.get(message.interaction_id)
            if owner is not None and owner.user_id != user.id:
                raise ComponentError("that ephemeral message was shown to another user")
