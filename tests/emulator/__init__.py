"""Tests of the Discord emulator (tests/discord_emulator) driven by a real discord.py client."""
