"""Figures beside their targets, the one way every benchmark prints and tables them."""

from __future__ import annotations

Target = tuple[str, float]  # ("<", 5.0): the figure should be below 5


def met(value: float, target: Target) -> bool:
    op, goal = target
    return {"<": value < goal, "<=": value <= goal, ">=": value >= goal}[op]


def rows(figures: dict[str, float], targets: dict[str, Target]) -> list[str]:
    """A Markdown table: figure, value, target, met or missed."""
    out = ["| figure | value | target | |", "|---|---:|---|---|"]
    for name, value in figures.items():
        target = targets.get(name)
        if target:
            verdict = "met" if met(value, target) else "missed"
            out.append(f"| {name} | {value:,.3f} | {target[0]} {target[1]:,g} | {verdict} |")
        else:
            out.append(f"| {name} | {value:,.3f} | | |")
    return out
