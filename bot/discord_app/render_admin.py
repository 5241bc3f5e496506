"""Replies to `/setup`: each change is one short sentence of what changed, and `/setup show`
is the private summary of every setting and of the learners here.

The server's default reminder day, time and zone also time its weekly digests, so the replies
that change them say when the next digest comes, as a Discord timestamp (each admin sees it
in their own time zone)."""

from __future__ import annotations

from bot.core.digest_schedule import DigestTiming
from bot.core.models import GuildSettings, ReminderPrefs
from bot.core.timeparse import weekday_name
from bot.discord_app.formatting import ts
from bot.service.admin import SettingsSummary


def when(prefs: ReminderPrefs) -> str:
    """The weekly slot in words, e.g. 'on Wednesdays at 07:15 (Europe/Berlin)'."""
    return f"on {weekday_name(prefs.weekday)}s at {prefs.at.strftime('%H:%M')} ({prefs.tz})"


def _next(timing: DigestTiming) -> str:
    nxt = f"next {ts(timing.next_at, 'F')}"
    if timing.catching_up is not None:
        return f"{nxt} (this week's within a few minutes)"
    return nxt


def defaults_text(settings: GuildSettings, timing: DigestTiming, changed: bool = True) -> str:
    """One sentence: the defaults new learners get (now), and when digests post."""
    p = settings.default_prefs or ReminderPrefs()
    if not changed:
        return (
            f"New learners here get reminders {when(p)}; give `day`, `time` or `timezone` "
            "to change that."
        )
    if settings.digest_channel_id is None:
        return f"New learners here now get reminders {when(p)}; digests are off."
    return (
        f"New learners here now get reminders {when(p)}, and digests post in "
        f"<#{settings.digest_channel_id}> then, {_next(timing)}."
    )


def digest_channel_text(settings: GuildSettings, timing: DigestTiming) -> str:
    if settings.digest_channel_id is None:
        return "Digests are now off for this server."
    return (
        f"Weekly digests now post in <#{settings.digest_channel_id}> {when(timing.prefs)}, "
        f"{_next(timing)}."
    )


def member_groups_text(allowed: bool) -> str:
    return (
        "Members may now create study groups."
        if allowed
        else "Only admins may now create study groups."
    )


def dm_notice_text(enabled: bool) -> str:
    return (
        "A learner whose DMs are closed is now mentioned once, ever, in their group's or the "
        "digest channel."
        if enabled
        else "Learners whose DMs are closed are now only told privately, never in a channel."
    )


def settings_summary(summary: SettingsSummary) -> str:
    """`/setup show`: every setting and the learners here, privately, in a few lines."""
    s, timing, n = summary.settings, summary.timing, summary.counts
    digests = (
        f"<#{s.digest_channel_id}>, {when(timing.prefs)} ({_next(timing)})"
        if s.digest_channel_id is not None
        else "off (`/setup digest-channel` turns them on)"
    )
    defaults = (
        when(s.default_prefs)
        if s.default_prefs is not None
        else "on Mondays at 09:00 (UTC), the built-in default"
    )
    milestones = (
        "each digest names who finished what and the next shared milestone"
        if s.digest_channel_id is not None
        else "shown in digests, which are off"
    )
    lines = [
        "**This server's settings**",
        f"• Digests: {digests}",
        f"• Reminder defaults for new learners: {defaults}",
        f"• Milestones: {milestones}",
        "• Closed-DM notice: "
        + (
            "on, one mention per learner, ever (`/setup dm-notice`)"
            if s.dm_closed_notice
            else "off, learners are told privately (`/setup dm-notice`)"
        ),
        "• Study groups: "
        + ("anyone may create them" if s.members_can_create_groups else "admins create them"),
        f"• Learners: {n.active} active, {n.paused} paused, {n.behind} behind",
    ]
    return "\n".join(lines)
