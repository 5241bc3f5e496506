"""`@in_unit`: run a service use case as one unit of work (one write transaction).

Every repository call the method makes, however deep (shared reads in reading.py included),
joins the transaction `store.unit()` opened, so the use case commits whole or not at all. A
use case called from inside another joins the outer unit. The method must not await
anything but the database: Discord calls belong to the adapter, after the use case returns.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from bot.service.context import Context

P = ParamSpec("P")
R = TypeVar("R")


class HasContext(Protocol):
    ctx: Context


S = TypeVar("S", bound=HasContext)


def in_unit(
    method: Callable[Concatenate[S, P], Awaitable[R]],
) -> Callable[Concatenate[S, P], Awaitable[R]]:
    @functools.wraps(method)
    async def wrapper(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
        async with self.ctx.store.unit():
            return await method(self, *args, **kwargs)

    return wrapper
