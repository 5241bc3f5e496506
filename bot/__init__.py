"""pathway-bot: a Discord bot delivering a career-change pathway on each learner's calendar."""

__version__ = "0.1.0"
