"""No import circles inside the layers below the adapter: each module can be read (and
loaded) after the ones it imports. Imports inside functions and under TYPE_CHECKING count
too: a circle hidden in a function is still a circle.

The adapter (bot.discord_app) keeps one known circle, components/base.py <-> client.py
through PathwayBot, listed in KNOWN until the composition root takes it apart.
"""

from __future__ import annotations

import grimp

LAYERS = ("bot.core", "bot.store", "bot.service", "bot.delivery")
KNOWN: set[frozenset[str]] = set()


def _cycles(graph: grimp.ImportGraph, modules: set[str]) -> list[set[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph.find_modules_directly_imported_by(node) & modules:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: set[str] = set()
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.add(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(component)

    for module in sorted(modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_circles_below_the_adapter() -> None:
    graph = grimp.build_graph("bot")
    modules = {m for m in graph.modules if m.startswith(LAYERS)}
    circles = [c for c in _cycles(graph, modules) if frozenset(c) not in KNOWN]
    assert circles == [], circles
