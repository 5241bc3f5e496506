"""The Notifier the delivery package uses: sends through discord.py, throttled.

Every request first waits for its route's bucket (`RouteBuckets`: one per channel for
messages, one for opening DM channels, fed from the answers' X-RateLimit-* headers), then
holds a global throttle slot until it is answered (`Throttle.slot`): so neither limit is
exceeded in the window Discord counts the request in, however late that is, and a bucket
smaller than our rate slows the sends to it instead of meeting 429s
(tests/delivery/test_pacing.py).

A reminder costs one REST request once the learner's DM channel id is cached (we send through
`get_partial_messageable` instead of `user.send()`, which would first create the channel).
Every send carries the outbox row's nonce, so discord.py sets enforce_nonce and a resend after
a crash returns the earlier message instead of posting twice.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import discord

from bot.core.coach_message import weekly_message
from bot.core.models import Learner
from bot.core.reminder import ReminderContent
from bot.delivery.buckets import RouteBuckets
from bot.delivery.ports import DigestContent, DmClosed, SendFailed, Sent, WelcomeContent
from bot.delivery.throttle import Throttle
from bot.discord_app.http_tuning import PACED_BUCKET
from bot.discord_app.render_account import dms_closed_channel_notice
from bot.discord_app.render_delivery import (
    reminder_embed,
)
from bot.discord_app.render_digest import digest_embed
from bot.discord_app.render_welcome import welcome_text
from bot.metrics import Metrics

log = logging.getLogger(__name__)

CANNOT_MESSAGE_USER = 50007


def _translate(exc: Exception, metrics: Metrics | None = None) -> Exception:
    if metrics is not None:
        status = exc.status if isinstance(exc, discord.HTTPException) else None
        metrics.http_error(status)
        if status == 429:
            metrics.rate_limited("cloudflare")  # discord.py retries the others itself
    if isinstance(exc, discord.Forbidden):
        if exc.code == CANNOT_MESSAGE_USER:
            return DmClosed(str(exc))
        return SendFailed(f"403 {exc.code}: {exc.text}", permanent=True)
    if isinstance(exc, discord.NotFound):
        return SendFailed(f"404 {exc.code}: {exc.text}", permanent=True)
    if isinstance(exc, discord.HTTPException):
        return SendFailed(
            f"{exc.status} {exc.code}: {exc.text}",
            permanent=400 <= exc.status < 500 and exc.status != 429,
        )
    return SendFailed(f"{type(exc).__name__}: {exc}")


def only_user(user_id: int) -> discord.AllowedMentions:
    """The closed-DM fallback pings its learner, and nobody else even if the text says so."""
    return discord.AllowedMentions(
        everyone=False, roles=False, replied_user=False, users=[discord.Object(id=user_id)]
    )


OPEN_DM_BUCKET = "POST /users/@me/channels"


def messages_bucket(channel_id: int) -> str:
    return f"POST /channels/{channel_id}/messages"


class DiscordNotifier:
    def __init__(
        self, bot: discord.Client, throttle: Throttle, buckets: RouteBuckets | None = None
    ) -> None:
        """`bot`: the client that sends (its `metrics`, if it has them, count failures).
        `buckets`: the per-route pacing `pace_from_answers` feeds (a fresh one if not)."""
        self.bot = bot
        self.throttle = throttle
        self.buckets = buckets if buckets is not None else RouteBuckets()

    @asynccontextmanager
    async def _paced(self, bucket: str, *, background: bool = False) -> AsyncIterator[None]:
        """Wait for the route's bucket, then for a global slot (so a request waiting on a
        small bucket holds none of the global budget), and make the request inside."""
        async with self.buckets.slot(bucket), self.throttle.slot(background=background):
            token = PACED_BUCKET.set(bucket)
            try:
                yield
            finally:
                PACED_BUCKET.reset(token)

    async def _dm_channel(self, user_id: int, *, background: bool = False) -> int:
        async with self._paced(OPEN_DM_BUCKET, background=background):
            channel = await self.bot.create_dm(discord.Object(id=user_id))
        return channel.id

    async def _send(self, channel_id: int, nonce: str, **kwargs: object) -> discord.Message:
        channel = self.bot.get_partial_messageable(channel_id)
        async with self._paced(messages_bucket(channel_id)):
            return await channel.send(nonce=nonce, **kwargs)  # type: ignore[call-overload,no-any-return]

    async def send_reminder(
        self, learner: Learner, enrolment_id: int, content: ReminderContent, nonce: str
    ) -> Sent:
        from bot.discord_app.components.offers import weekly_controls

        try:
            channel_id = learner.dm_channel_id or await self._dm_channel(learner.user_id)
            words = weekly_message(content)  # the words and buttons the core decided
            kwargs = {
                "content": words.content,
                "embed": reminder_embed(content, words),
                "view": weekly_controls(enrolment_id, words),
            }
            try:
                message = await self._send(channel_id, nonce, **kwargs)
            except discord.NotFound:
                if learner.dm_channel_id is None:
                    raise
                channel_id = await self._dm_channel(learner.user_id)  # the cached id went stale
                message = await self._send(channel_id, nonce, **kwargs)
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _translate(exc, getattr(self.bot, "metrics", None)) from exc
        return Sent(message.id, channel_id)

    async def open_dm(self, user_id: int) -> int | None:
        """For the DM warmer: a failure here only means the reminder opens it itself."""
        try:
            return await self._dm_channel(user_id)
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            _translate(exc, getattr(self.bot, "metrics", None))
            return None

    async def send_welcome(self, learner: Learner, content: WelcomeContent) -> Sent:
        try:
            # Background: a welcome yields to reminders waiting on the throttle.
            channel_id = learner.dm_channel_id or await self._dm_channel(
                learner.user_id, background=True
            )
            channel = self.bot.get_partial_messageable(channel_id)
            async with self._paced(messages_bucket(channel_id), background=True):
                message = await channel.send(welcome_text(content))
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _translate(exc, getattr(self.bot, "metrics", None)) from exc
        return Sent(message.id, channel_id)

    async def post_fallback(
        self, channel_id: int, user_id: int, pathway_title: str, nonce: str
    ) -> Sent:
        try:
            message = await self._send(
                channel_id,
                nonce,
                content=dms_closed_channel_notice(user_id, pathway_title),
                allowed_mentions=only_user(user_id),
            )
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _translate(exc, getattr(self.bot, "metrics", None)) from exc
        return Sent(message.id, channel_id)

    async def post_digest(self, channel_id: int, digest: DigestContent, nonce: str) -> Sent:
        try:
            message = await self._send(
                channel_id,
                nonce,
                embed=digest_embed(digest),
                allowed_mentions=discord.AllowedMentions.none(),
            )
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError, OSError) as exc:
            raise _translate(exc, getattr(self.bot, "metrics", None)) from exc
        return Sent(message.id, channel_id)
