"""Checks of a standard beyond its syntax: rules that can never apply, indicators that count for
nothing. Found by evaluating the rules over a grid of incomes (every line, one đồng either
side), deprivation counts (0 to all) and both areas."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ngheo_cli.standards.expr import HOUSEHOLD_POSITION, Context, Expression, Range
from ngheo_cli.standards.model import Standard

# Rules that read only these can be decided on the grid; others (e.g. merit_family) are skipped.
_GRID_NAMES = {"income", "deprivation_count", "area"}


def unreachable_rules(model: Standard, rules: list[Expression]) -> list[int]:
    """Indexes of rules that no household on the grid reaches: earlier rules decide them all."""
    grid = _grid(model)
    context = Context(
        households=grid[["area"]],
        members=pd.DataFrame({HOUSEHOLD_POSITION: pd.Series(dtype="int64")}),
        values={name: p.value for name, p in model.parameters.items()}
        | {name: frozenset(v.values) for name, v in model.value_sets.items()}
        | {name: pd.Series(np.where(grid["area"] == "urban", line.urban, line.rural)) for name, line in model.income_lines.items()}
        | {i.id: pd.Series(pd.NA, index=grid.index, dtype="boolean") for i in model.indicators}
        | {"income": Range(grid["income"], grid["income"]),
           "deprivation_count": Range(grid["count"], grid["count"])},
    )
    decidable = set(model.income_lines) | set(model.parameters) | set(model.value_sets) | _GRID_NAMES
    still_open = np.ones(len(grid), dtype=bool)
    unreachable = []
    for index, rule in enumerate(rules):
        if not rule.names <= decidable:
            still_open[:] = True  # cannot tell what this rule takes; assume nothing beyond
            continue
        holds = rule.evaluate_bool(context).fillna(False).to_numpy(dtype=bool)
        if not (holds & still_open).any():
            unreachable.append(index)
        still_open &= ~holds
    return unreachable


def unused_indicators(model: Standard, rules: list[Expression]) -> list[str]:
    """Indicators that no rule reads, directly or through deprivation_count."""
    names = set().union(*(rule.names for rule in rules)) if rules else set()
    if "deprivation_count" in names:
        return []
    return [i.id for i in model.indicators if i.id not in names]


def _grid(model: Standard) -> pd.DataFrame:
    lines = sorted({v for line in model.income_lines.values() for v in (line.rural, line.urban)})
    incomes = sorted({0.0, *lines, *(v - 1 for v in lines), *(v + 1 for v in lines), 10 * max(lines)})
    counts = range(len(model.indicators) + 1)
    rows = [(area, income, float(count)) for area in ("rural", "urban") for income in incomes for count in counts]
    grid = pd.DataFrame(rows, columns=["area", "income", "count"])
    grid["area"] = grid["area"].astype("string")
    return grid
