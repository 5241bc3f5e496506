"""Which shards this process runs: as operators write them ("0-3", "0,2", "0-1,3"), as the bot
reports them, and which of them are connected right now.

Kept apart from the settings and the adapter so that the health file, the CLI and the adapter
word a shard set the same way, and none of them needs discord to do it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


def parse_shard_ids(text: str) -> tuple[int, ...]:
    """Sorted, distinct shard ids from a comma-separated list of ids and inclusive ranges.

    Raises ValueError with a message fit for one line of output.
    """
    ids: set[int] = set()
    for raw in text.split(","):
        part = raw.strip()
        if not part:
            raise ValueError(f"empty item in {text!r}; write e.g. 0-3 or 0,2")
        low, dash, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if dash else first
        except ValueError:
            raise ValueError(f"{part!r} is not a shard id or range like 0-3") from None
        if first < 0 or last < first:
            raise ValueError(f"{part!r} is not a range of shard ids (want low-high, low <= high)")
        ids.update(range(first, last + 1))
    return tuple(sorted(ids))


def format_shard_ids(ids: Iterable[int]) -> str:
    """The shortest text that parses back to `ids`: (0, 1, 2, 5) -> "0-2,5"."""
    ordered = sorted(set(ids))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def describe_shards(ids: Iterable[int], count: int) -> str:
    """What a health report says this process runs, e.g. "shards 0-1 of 2"."""
    text = format_shard_ids(ids)
    noun = "shard" if "," not in text and "-" not in text else "shards"
    return f"{noun} {text} of {count}"


def shard_of(guild_id: int, count: int) -> int:
    """The shard Discord delivers a guild's events on (DMs, guild id 0, arrive on shard 0)."""
    return (guild_id >> 22) % count


@dataclass(slots=True)
class ShardStatus:
    """The shards this process runs and which are connected.

    discord.py reports connects and disconnects per shard; one flag for the whole process
    would let shard 1's reconnect hide that shard 0 (every DM) is down.
    """

    ids: tuple[int, ...] = ()
    count: int | None = None
    connected: set[int] = field(default_factory=set)

    def assign(self, ids: Iterable[int], count: int) -> None:
        self.ids = tuple(sorted(set(ids)))
        self.count = count

    def mark(self, shard_id: int, up: bool) -> None:
        if up:
            self.connected.add(shard_id)
        else:
            self.connected.discard(shard_id)

    def mark_all(self, up: bool) -> None:
        self.connected = set(self.ids) if up else set()

    @property
    def all_up(self) -> bool:
        return bool(self.ids) and self.connected >= set(self.ids)

    @property
    def down(self) -> list[int]:
        return [i for i in self.ids if i not in self.connected]
