"""Replies to `/setup`: what a change means for the server, including when digests post.

The server's default reminder day, time and zone also time its weekly digests, so both
replies that change them say when the next digest comes, as a Discord timestamp (each
admin sees it in their own time zone)."""

from __future__ import annotations

from bot.core.digest_schedule import DigestTiming
from bot.core.models import GuildSettings, ReminderPrefs
from bot.core.timeparse import weekday_name
from bot.discord_app.formatting import ts


def when(prefs: ReminderPrefs) -> str:
    """The weekly slot in words, e.g. 'on Wednesdays at 07:15 (Europe/Berlin)'."""
    return f"on {weekday_name(prefs.weekday)}s at {prefs.at.strftime('%H:%M')} ({prefs.tz})"


def next_digest_line(settings: GuildSettings, timing: DigestTiming) -> str:
    nxt = f"{ts(timing.next_at, 'F')} ({ts(timing.next_at)})"
    if settings.digest_channel_id is None:
        return (
            f"Digests are off: `/setup digest-channel` turns them on. They would post "
            f"{when(timing.prefs)}, next {nxt}."
        )
    line = (
        f"Weekly digests post in <#{settings.digest_channel_id}> {when(timing.prefs)}: "
        f"the next one {nxt}."
    )
    if timing.catching_up is not None:
        line += (
            f" This week's time passed {ts(timing.catching_up)}, so if this week's digest "
            "has not been posted yet it posts within a few minutes."
        )
    return line


def defaults_text(settings: GuildSettings, timing: DigestTiming) -> str:
    p = settings.default_prefs or ReminderPrefs()
    return (
        f"New learners here get reminders {when(p)} unless they choose otherwise.\n"
        + next_digest_line(settings, timing)
    )


def digest_channel_text(settings: GuildSettings, timing: DigestTiming) -> str:
    line = next_digest_line(settings, timing)
    if settings.digest_channel_id is None:
        return "Digests are off for this server."
    return line + " `/setup defaults` changes the day and time."
