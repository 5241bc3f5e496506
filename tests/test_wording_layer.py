"""Wording lives in one layer (issue 23, part 5): the service and the store raise coded
errors carrying data, and only bot/discord_app turns them into sentences.

An AST scan of every module under bot/service and bot/store: each domain error they build
(`PathwayError` or a subclass, however imported) passes `code=ErrorCode.…` and no
positional message. A sentence there would reach the user unworded by the adapter.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import bot.core.errors as errors

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ("bot/service", "bot/store")


def _domain_errors() -> set[str]:
    return {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, errors.PathwayError)
    }


def _callee(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def worded_sites(source: str, where: str, known: set[str]) -> tuple[int, list[str]]:
    """(domain errors built, those built without a code or with a message) in `source`."""
    tree = ast.parse(source)
    names = set(known)
    for node in ast.walk(tree):  # a local subclass of a domain error counts as one too
        if isinstance(node, ast.ClassDef) and any(
            isinstance(b, ast.Name | ast.Attribute)
            and (getattr(b, "id", None) or getattr(b, "attr", None)) in names
            for b in node.bases
        ):
            names.add(node.name)
    built = 0
    bad: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or _callee(node) not in names:
            continue
        built += 1
        coded = any(k.arg == "code" for k in node.keywords)
        if node.args or not coded or any(k.arg == "user_message" for k in node.keywords):
            bad.append(f"{where}:{node.lineno}: {ast.unparse(node)[:120]}")
    return built, bad


def test_service_and_store_raise_only_coded_errors() -> None:
    known = _domain_errors()
    total = 0
    problems: list[str] = []
    for layer in LAYERS:
        for path in sorted((ROOT / layer).rglob("*.py")):
            built, bad = worded_sites(path.read_text(), str(path.relative_to(ROOT)), known)
            total += built
            problems += bad
    assert not problems, "word these in bot/discord_app/wording.py instead:\n" + "\n".join(problems)
    assert total >= 40, f"the scan found only {total} domain errors: is it still looking?"


def test_the_scan_catches_a_sentence() -> None:
    known = _domain_errors()
    source = """
from bot.core import errors
from bot.core.errors import ErrorCode, InvalidInput, NotFound

class Mine(NotFound):
    pass

def f(x):
    if x == 1:
        raise InvalidInput("That is not a date.")
    if x == 2:
        raise errors.Forbidden(f"Not yours, {x}.")
    if x == 3:
        raise Mine(code=ErrorCode.ITEM_REMOVED, user_message="Gone.")
    if x == 4:
        raise NotFound()
    raise NotFound(code=ErrorCode.ITEM_REMOVED)
"""
    built, bad = worded_sites(source, "sample.py", known)
    assert built == 5
    assert [line.split(":")[1] for line in bad] == ["10", "12", "14", "16"]
