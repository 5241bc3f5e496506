"""Every learner use case, as one object for the adapter: reading a plan (reading.py),
enrolling (enrolment.py) and checking items off (completion.py), each in its own module."""

from __future__ import annotations

from bot.service.completion import Completing
from bot.service.enrolment import Enrolling
from bot.service.reading import FOLLOWING

__all__ = ["FOLLOWING", "Learning"]


class Learning(Enrolling, Completing):
    """The learner's use cases; the adapter and delivery reach them through this."""
