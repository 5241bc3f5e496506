"""The gateway websocket: HELLO, IDENTIFY/READY, heartbeats, dispatches, RESUME and replay.

Each IDENTIFY creates a :class:`GatewaySession` with its own sequence counter and a buffer of the
dispatches sent in it. When the socket drops (or a test forces a disconnect) the session survives;
a RESUME with its id replays every dispatch after the client's last sequence number and then sends
RESUMED, exactly the contract a client relies on to not lose events. A client closing with 1000 or
1001 ends its session, as on Discord. Sends go through a per-connection queue and writer task so
order is preserved and the zlib/zstd stream context is used sequentially.

Sharding follows Discord: IDENTIFY's ``shard: [id, count]`` makes the session that shard, a guild's
events go only to the session of shard ``(guild_id >> 22) % count``, and everything without a guild
(DMs, their interactions) goes to shard 0. A session identified without ``shard`` is shard 0 of 1
and so receives everything. Each IDENTIFY's time is recorded (:mod:`identify_log`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from .compression import Codec, UnsupportedCompression, codec_for
from .identify_log import IdentifyRecord
from .ids import new_session_id
from .metrics import Counters
from .models import JSON
from .serialize import guild_create_json, member_json, self_user_json
from .state import INTENT_GUILD_MEMBERS, EmulatorState, Payload

OP_DISPATCH = 0
OP_HEARTBEAT = 1
OP_IDENTIFY = 2
OP_PRESENCE_UPDATE = 3
OP_VOICE_STATE_UPDATE = 4
OP_RESUME = 6
OP_RECONNECT = 7
OP_REQUEST_GUILD_MEMBERS = 8
OP_INVALID_SESSION = 9
OP_HELLO = 10
OP_HEARTBEAT_ACK = 11

CLOSE_UNKNOWN_ERROR = 4000
CLOSE_UNKNOWN_OPCODE = 4001
CLOSE_DECODE_ERROR = 4002
CLOSE_NOT_AUTHENTICATED = 4003
CLOSE_AUTHENTICATION_FAILED = 4004
CLOSE_ALREADY_AUTHENTICATED = 4005
CLOSE_INVALID_SHARD = 4010
CLOSE_INVALID_INTENTS = 4013

#: How many dispatches a session keeps for replay.
REPLAY_BUFFER = 10_000


@dataclass(eq=False)
class GatewaySession:
    """A logical gateway session (survives reconnects until it ends or is invalidated)."""

    session_id: str
    intents: int
    shard: tuple[int, int] | None
    identify: JSON = field(repr=False)
    seq: int = 0
    buffer: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=REPLAY_BUFFER))
    connection: Connection | None = field(default=None, repr=False)
    resumes: int = 0
    ended: bool = False
    presence: JSON | None = None
    events: list[str] = field(default_factory=list, repr=False)
    #: Ids of the INTERACTION_CREATEs this session was sent, so tests can tell who got what.
    interaction_ids: list[int] = field(default_factory=list, repr=False)

    @property
    def shard_id(self) -> int:
        return self.shard[0] if self.shard is not None else 0

    def accepts(self, data: JSON) -> bool:
        """Whether this session's shard receives an event about ``data`` (guild id or DMs)."""
        if self.shard is None:
            return True
        shard_id, count = self.shard
        raw = data.get("guild_id") or (data.get("id") if "owner_id" in data else None)
        guild_id = int(raw) if raw else 0
        return (guild_id >> 22) % count == shard_id


@dataclass
class ConnectionInfo:
    """How a client connected (path distinguishes the initial URL from resume_gateway_url)."""

    path: str
    query: dict[str, str]
    compression: str


class Connection:
    """One websocket connection and its ordered writer."""

    def __init__(self, ws: web.WebSocketResponse, codec: Codec, request: web.Request) -> None:
        self.ws = ws
        self.codec = codec
        self.request = request
        self.session: GatewaySession | None = None
        self.closed_by_server = False
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._writer = asyncio.create_task(self._write_loop(), name="emulator-gateway-writer")

    def send(self, payload: JSON) -> None:
        self.send_text(json.dumps(payload))

    def send_text(self, text: str) -> None:
        self._queue.put_nowait(text)

    async def _write_loop(self) -> None:
        while True:
            text = await self._queue.get()
            if text is None or self.ws.closed:
                return
            data = self.codec.encode(text)
            try:
                if isinstance(data, bytes):
                    await self.ws.send_bytes(data)
                else:
                    await self.ws.send_str(data)
            except (ConnectionError, RuntimeError):
                return

    async def close(self, code: int) -> None:
        self.closed_by_server = True
        self._queue.put_nowait(None)
        with contextlib.suppress(ConnectionError, RuntimeError):
            await self.ws.close(code=code)

    def abort(self) -> None:
        """Drop the TCP connection without a close frame (a network failure)."""
        self.closed_by_server = True
        transport = self.request.transport
        if transport is not None:
            transport.abort()

    async def stop_writer(self) -> None:
        self._queue.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await self._writer


class GatewayManager:
    """Accepts gateway connections and routes state dispatches to sessions."""

    def __init__(
        self,
        state: EmulatorState,
        counters: Counters,
        *,
        token: str,
        heartbeat_interval_ms: int,
        on_change: Callable[[], None],
    ) -> None:
        self.state = state
        self.counters = counters
        self.token = token
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self._on_change = on_change
        self.sessions: dict[str, GatewaySession] = {}
        self.connections: set[Connection] = set()
        self.connection_log: list[ConnectionInfo] = []
        self.received: list[JSON] = []
        self.identifies: list[IdentifyRecord] = []
        self.ws_base = ""
        self._background: set[asyncio.Task[None]] = set()
        state.add_sink(self.dispatch)

    # ------------------------------------------------------------------ urls

    @property
    def url(self) -> str:
        """What GET /gateway(/bot) returns."""
        return f"{self.ws_base}/gateway"

    @property
    def resume_url(self) -> str:
        """READY's resume_gateway_url (a different path, so tests can see it being used)."""
        return f"{self.ws_base}/resume-gateway"

    @property
    def live_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions.values() if not s.ended and s.connection is not None]

    # ------------------------------------------------------------------ connection handling

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        # A short close timeout so stopping the emulator never hangs on an unresponsive client.
        ws = web.WebSocketResponse(max_msg_size=16 * 1024 * 1024, timeout=2.0)
        await ws.prepare(request)
        query = dict(request.query)
        if query.get("encoding", "json") != "json":
            await ws.close(code=CLOSE_DECODE_ERROR, message=b"only encoding=json is supported")
            return ws
        try:
            codec = codec_for(query.get("compress"))
        except UnsupportedCompression as exc:
            await ws.close(code=CLOSE_UNKNOWN_ERROR, message=str(exc).encode()[:120])
            return ws
        conn = Connection(ws, codec, request)
        self.connections.add(conn)
        self.connection_log.append(ConnectionInfo(request.path, query, codec.name))
        self.counters.gateway_connections += 1
        conn.send(
            {
                "op": OP_HELLO,
                "d": {"heartbeat_interval": self.heartbeat_interval_ms},
                "s": None,
                "t": None,
            }
        )
        self._on_change()
        try:
            async for message in ws:
                if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    continue
                try:
                    payload = json.loads(message.data)
                except ValueError:
                    await conn.close(CLOSE_DECODE_ERROR)
                    break
                close_code = self._on_payload(conn, payload)
                self._on_change()
                if close_code is not None:
                    await conn.close(close_code)
                    break
        finally:
            self.connections.discard(conn)
            await conn.stop_writer()
            self._detach(conn)
            self._on_change()
        return ws

    def _detach(self, conn: Connection) -> None:
        session = conn.session
        if session is None or session.connection is not conn:
            return
        session.connection = None
        if not conn.closed_by_server and conn.ws.close_code in (1000, 1001):
            session.ended = True

    def _on_payload(self, conn: Connection, payload: JSON) -> int | None:
        self.received.append(payload)
        op = payload.get("op")
        data = payload.get("d")
        if op == OP_HEARTBEAT:
            self.counters.gateway_heartbeats += 1
            conn.send({"op": OP_HEARTBEAT_ACK, "d": None, "s": None, "t": None})
            return None
        if op == OP_IDENTIFY:
            return self._identify(conn, data if isinstance(data, dict) else {})
        if op == OP_RESUME:
            return self._resume(conn, data if isinstance(data, dict) else {})
        session = conn.session
        if session is None:
            return CLOSE_NOT_AUTHENTICATED
        if op == OP_PRESENCE_UPDATE:
            session.presence = data
            return None
        if op == OP_REQUEST_GUILD_MEMBERS:
            self._request_members(session, data if isinstance(data, dict) else {})
            return None
        if op == OP_VOICE_STATE_UPDATE:
            return None
        return CLOSE_UNKNOWN_OPCODE

    # ------------------------------------------------------------------ opcodes

    def _identify(self, conn: Connection, data: JSON) -> int | None:
        if conn.session is not None:
            return CLOSE_ALREADY_AUTHENTICATED
        if data.get("token") != self.token:
            return CLOSE_AUTHENTICATION_FAILED
        intents = data.get("intents")
        if not isinstance(intents, int):
            return CLOSE_INVALID_INTENTS
        raw_shard = data.get("shard")
        shard = _shard(raw_shard)
        if raw_shard is not None and shard is None:
            return CLOSE_INVALID_SHARD
        session = GatewaySession(
            session_id=new_session_id(), intents=intents, shard=shard, identify=data
        )
        self.sessions[session.session_id] = session
        self.identifies.append(
            IdentifyRecord(
                shard_id=shard[0] if shard else 0,
                shard_count=shard[1] if shard else 1,
                at=time.monotonic(),
                session_id=session.session_id,
            )
        )
        session.connection = conn
        conn.session = session
        self.counters.gateway_identifies += 1
        guilds = [g for g in self.state.guilds.values() if session.accepts({"guild_id": g.id})]
        ready: JSON = {
            "v": 10,
            "user": self_user_json(self.state.bot_user),
            "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
            "session_id": session.session_id,
            "session_type": "normal",
            "resume_gateway_url": self.resume_url,
            "application": {"id": str(self.state.application_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
            "guild_join_requests": [],
            "geo_ordered_rtc_regions": [],
            "user_settings": {},
            "auth": {},
        }
        if shard is not None:
            ready["shard"] = list(shard)
        self._send(session, "READY", ready)
        with_members = bool(intents & INTENT_GUILD_MEMBERS)
        for guild in guilds:
            self._send(
                session,
                "GUILD_CREATE",
                guild_create_json(self.state, guild, with_members=with_members),
            )
        return None

    def _resume(self, conn: Connection, data: JSON) -> int | None:
        session = self.sessions.get(str(data.get("session_id")))
        seq = data.get("seq") or 0
        oldest = session.buffer[0][0] if session and session.buffer else 1
        if (
            session is None
            or session.ended
            or data.get("token") != self.token
            or (session.seq > seq and seq + 1 < oldest)
        ):
            self.counters.gateway_invalid_sessions += 1
            conn.send({"op": OP_INVALID_SESSION, "d": False, "s": None, "t": None})
            return None
        previous = session.connection
        if previous is not None and previous is not conn:
            previous.session = None
            task = asyncio.create_task(previous.close(CLOSE_UNKNOWN_ERROR))
            self._background.add(task)
            task.add_done_callback(self._background.discard)
        session.connection = conn
        conn.session = session
        for number, text in session.buffer:
            if number > seq:
                conn.send_text(text)
        session.resumes += 1
        self.counters.gateway_resumes += 1
        self._send(session, "RESUMED", {})
        return None

    def _request_members(self, session: GatewaySession, data: JSON) -> None:
        raw_guild = data.get("guild_id")
        guild_ids = raw_guild if isinstance(raw_guild, list) else [raw_guild]
        for raw in guild_ids:
            guild = self.state.guilds.get(int(raw)) if raw else None
            if guild is None:
                continue
            members = list(guild.members.values())
            query = str(data.get("query") or "")
            user_ids = {int(u) for u in data.get("user_ids") or []}
            if user_ids:
                members = [m for m in members if m.user_id in user_ids]
            elif query:
                members = [
                    m
                    for m in members
                    if self.state.users[m.user_id].username.lower().startswith(query.lower())
                ]
            limit = int(data.get("limit") or 0)
            if limit:
                members = members[:limit]
            found = {m.user_id for m in members}
            payload: JSON = {
                "guild_id": str(guild.id),
                "members": [member_json(self.state, m) for m in members],
                "chunk_index": 0,
                "chunk_count": 1,
                "not_found": [str(u) for u in user_ids - found],
            }
            if data.get("nonce") is not None:
                payload["nonce"] = data["nonce"]
            self._send(session, "GUILD_MEMBERS_CHUNK", payload)

    # ------------------------------------------------------------------ dispatching

    def _send(self, session: GatewaySession, event: str, data: JSON) -> None:
        session.seq += 1
        text = json.dumps({"op": OP_DISPATCH, "s": session.seq, "t": event, "d": data})
        session.buffer.append((session.seq, text))
        session.events.append(event)
        if event == "INTERACTION_CREATE":
            session.interaction_ids.append(int(data["id"]))
        self.counters.gateway_dispatches += 1
        if session.connection is not None:
            session.connection.send_text(text)

    def dispatch(self, event: str, payload: Payload, intents: int) -> None:
        """State sink: deliver (or buffer for replay) an event to every session that wants it."""
        for session in self.sessions.values():
            if session.ended:
                continue
            if intents and not session.intents & intents:
                continue
            data = payload(session.intents) if callable(payload) else payload
            if not session.accepts(data):
                continue
            self._send(session, event, data)

    # ------------------------------------------------------------------ test controls

    async def disconnect(self, code: int = CLOSE_UNKNOWN_ERROR, *, abrupt: bool = False) -> int:
        """Close every authenticated connection; sessions stay resumable. Returns the count."""
        targets = [c for c in self.connections if c.session is not None]
        for conn in targets:
            assert conn.session is not None
            conn.session.connection = None
            conn.session = None
            self.counters.gateway_forced_disconnects += 1
        for conn in targets:
            if abrupt:
                conn.abort()
            else:
                await conn.close(code)
        self._on_change()
        return len(targets)

    def send_reconnect(self) -> None:
        """Send op 7 RECONNECT, asking clients to reconnect and resume."""
        for conn in list(self.connections):
            conn.send({"op": OP_RECONNECT, "d": None, "s": None, "t": None})

    def invalidate_sessions(self, *, resumable: bool = False) -> None:
        """Send op 9 INVALID_SESSION; unless ``resumable``, sessions end (client re-IDENTIFYs)."""
        for conn in list(self.connections):
            session = conn.session
            if session is None:
                continue
            if not resumable:
                session.ended = True
            self.counters.gateway_invalid_sessions += 1
            conn.send({"op": OP_INVALID_SESSION, "d": resumable, "s": None, "t": None})

    async def close_all(self) -> None:
        for conn in list(self.connections):
            await conn.close(1001)


def _shard(raw: object) -> tuple[int, int] | None:
    """IDENTIFY's ``[shard_id, shard_count]``, or None when absent or invalid (Discord: 4010)."""
    if not isinstance(raw, list) or len(raw) != 2:
        return None
    try:
        shard_id, count = int(raw[0]), int(raw[1])
    except (TypeError, ValueError):
        return None
    return (shard_id, count) if count >= 1 and 0 <= shard_id < count else None
