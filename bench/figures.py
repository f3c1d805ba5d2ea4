"""The goal table of `make bench`: every figure of issue 11 as a value, a ratio to a baseline
measured in the same run, and its goal.

A module's row becomes a figure when it carries `goal` (text such as "≥ 0.30x"), `ratio`
(a float) and `value` (the figure with its unit); `met` says whether the goal holds. The
runner prints the rows as they come and the figures again, together, at the end.
"""

from __future__ import annotations


def figure(name: str, value: str, *, ratio: float, baseline: str, goal: str, met: bool,
           **extra: object) -> dict:
    """One measured figure with its ratio to a same-run baseline and its goal."""
    return {"name": name, "value": value, "baseline": baseline, "ratio": round(ratio, 3),
            "goal": goal, "met": "yes" if met else "NO", **extra}


def at_least(ratio: float, goal: float) -> tuple[str, bool]:
    return f"≥ {goal:g}x", ratio >= goal


def at_most(ratio: float, goal: float) -> tuple[str, bool]:
    return f"≤ {goal:g}x", ratio <= goal


def print_goal_table(rows: list[dict]) -> None:
    """The figures with a goal, one line each: name, value, baseline, ratio, goal, met."""
    figures = [row for row in rows if "goal" in row]
    if not figures:
        return
    print()
    print(f"{'figure':<52} {'value':>16} {'baseline':>22} {'ratio':>8} {'goal':>10} met")
    for row in figures:
        print(f"{row['name']:<52} {row['value']:>16} {row['baseline']:>22} "
              f"{row['ratio']:>8.3f} {row['goal']:>10} {row['met']}")
