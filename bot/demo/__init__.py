"""`python -m bot demo`: the real bot on the shipped emulator, with a Discord-like web page.

No token and no network: the emulator (bot.emulator) plays Discord on loopback, the bot runs
unchanged in this process on a SQLite file with the demo's injected clock, and a small aiohttp
app serves the page (static files in ``static/``) and pushes changes over a WebSocket.

Modules: ``clock`` (the movable clock), ``world`` (the demo server and its members), ``seed``
(their past progress, written through the services), ``options`` (typed text to option values,
with the Discord client's errors), ``view`` (emulator state as the page's JSON), ``session``
(one open page), ``actions`` (what a page asks the emulator to do), ``web`` (the page's server
and its pushes), ``runner`` (starts and stops everything in order).
"""
