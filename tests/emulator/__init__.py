"""Tests of the Discord emulator (bot/emulator) driven by a real discord.py client."""
