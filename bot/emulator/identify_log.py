"""When each shard IDENTIFYed, and whether that kept Discord's session start rate.

Discord lets ``session_start_limit.max_concurrency`` shards IDENTIFY per 5 seconds, one per
bucket ``shard_id % max_concurrency``. The emulator does not refuse a fast IDENTIFY (Discord
answers it with an invalid session, which would only make tests slow and vague); it records the
real monotonic time of each one so a test can ask which IDENTIFYs broke the rule, and name them.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Discord's window: one IDENTIFY per bucket per this many seconds.
IDENTIFY_WINDOW = 5.0


@dataclass(frozen=True)
class IdentifyRecord:
    """One IDENTIFY: the shard it claimed (``(0, 1)`` when it sent none) and when it arrived."""

    shard_id: int
    shard_count: int
    at: float  # time.monotonic() seconds
    session_id: str

    def bucket(self, max_concurrency: int) -> int:
        return self.shard_id % max(1, max_concurrency)


@dataclass(frozen=True)
class IdentifyViolation:
    """Two IDENTIFYs in one bucket closer together than the window allows."""

    earlier: IdentifyRecord
    later: IdentifyRecord
    bucket: int

    @property
    def gap(self) -> float:
        return self.later.at - self.earlier.at

    def __str__(self) -> str:
        return (
            f"shards {self.earlier.shard_id} and {self.later.shard_id} IDENTIFYed in bucket "
            f"{self.bucket} {self.gap:.2f} s apart (at least {IDENTIFY_WINDOW:.0f} s required)"
        )


def violations(
    records: list[IdentifyRecord], max_concurrency: int, window: float = IDENTIFY_WINDOW
) -> list[IdentifyViolation]:
    """Every pair of consecutive IDENTIFYs in one bucket that came less than ``window`` apart."""
    last: dict[int, IdentifyRecord] = {}
    found: list[IdentifyViolation] = []
    for record in sorted(records, key=lambda r: r.at):
        bucket = record.bucket(max_concurrency)
        previous = last.get(bucket)
        if previous is not None and record.at - previous.at < window:
            found.append(IdentifyViolation(previous, record, bucket))
        last[bucket] = record
    return found
