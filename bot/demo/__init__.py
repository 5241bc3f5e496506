"""`python -m bot demo`: the real bot on the shipped emulator, with a Discord-like web page.

No token and no network: the emulator (bot.emulator) plays Discord on loopback, the bot runs
unchanged in this process on a SQLite file with the demo's injected clock, and a small aiohttp
app serves the page (static files in ``static/``) and pushes changes over a WebSocket.

Modules: ``clock`` (the movable clock), ``world`` (the demo server and its members), ``seed``
(their past progress, written through the services), ``options`` (typed text to option values,
with the Discord client's errors), ``view`` (emulator state as the page's JSON), ``web`` (the
page's server), ``runner`` (starts and stops everything in order).
"""
