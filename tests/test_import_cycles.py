"""No import circles in the layers, the adapter included: each module can be read (and
loaded) after the ones it imports. Imports inside functions and under TYPE_CHECKING count
too: a circle hidden in a function is still a circle.

In the adapter, components, the notifier and the role granter do not import client.py
(which imports them), and the ✅ button's click handler (components/items.py) calls the
reminder-DM editor (reminder_edit.py), which draws buttons with components/done_look.py
rather than importing the handler back.
"""

from __future__ import annotations

import grimp

LAYERS = ("bot.core", "bot.store", "bot.service", "bot.delivery", "bot.discord_app")


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


def test_no_import_circles_in_the_layers() -> None:
    graph = grimp.build_graph("bot")
    modules = {m for m in graph.modules if m.startswith(LAYERS)}
    assert _cycles(graph, modules) == []


def test_the_adapter_and_its_components_do_not_import_each_other() -> None:
    """Components reach the bot through the `Services` protocol (components/base.py), the
    notifier through discord.Client, and the role granter is given its parts: none imports
    client.py, which imports them."""
    graph = grimp.build_graph("bot")
    client = "bot.discord_app.client"
    for module in (
        "bot.discord_app.components.base",
        "bot.discord_app.discord_notifier",
        "bot.discord_app.role_granter",
    ):
        assert graph.find_shortest_chain(importer=module, imported=client) is None, module


def test_the_cycle_finder_finds_a_circle() -> None:
    """The check above can fail: a lazy import back from the editor would be found."""
    graph = grimp.build_graph("bot")
    graph.add_import(
        importer="bot.discord_app.reminder_edit", imported="bot.discord_app.components.items"
    )
    modules = {m for m in graph.modules if m.startswith(LAYERS)}
    assert {"bot.discord_app.reminder_edit", "bot.discord_app.components.items"} <= set().union(
        *_cycles(graph, modules)
    )
