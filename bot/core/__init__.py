"""The pure core: pathway models, cadence, progress and leaderboards.

Nothing here imports discord, aiosqlite or apscheduler, and nothing reads the clock:
every function that depends on time takes the instant as a parameter. That keeps the
rules testable with hypothesis and identical in the bot, the CLI preview and the benchmarks.
"""
