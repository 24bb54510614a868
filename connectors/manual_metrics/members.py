"""The optional `dimension, member` columns of a manual sheet (DESIGN §5a breakdowns).

A row with both is a **member row**: the part of the day's metric that belongs to that member
(`2026-10-05, training_hours, 4, team, sales`). A row with neither is the day's **total**. For
one date and metric a sheet gives its total, its members, or both:

- members without a total: the day's value is the sum of the members of a dimension, and every
  dimension given that day must add up to the same value (a `sum` or `last` metric);
- a total and members: each dimension's members must add up to the total;
- an `average` metric's members are averages of their own (a team's score), which do not add
  up to the metric's value: its members need the day's total row, which is the value.

So a typed breakdown never changes a total and never counts twice; anything else refuses the
file with the lines at fault. A day whose metric has no members of a dimension the sheet uses
for it elsewhere becomes member '(not set)' in staging, so the members add up in every period.
"""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from connectors.base import IDENTIFIER
from connectors.files import BadFileError, Columns, RawTable


def member_columns(raw: RawTable, parsed: Columns) -> tuple[np.ndarray, np.ndarray]:
    """The dimension and member of each row ('' for a total row), with rows that give one of
    the two without the other, or a dimension that is not an identifier, flagged."""
    n = len(raw.frame)
    if not (raw.has("dimension") or raw.has("member")):
        empty = np.full(n, "", dtype=object)
        return empty, empty.copy()
    if not (raw.has("dimension") and raw.has("member")):
        present, missing = (
            ("dimension", "member") if raw.has("dimension") else ("member", "dimension")
        )
        raise BadFileError(
            raw.path, f"the sheet has a '{present}' column but no '{missing}' column"
        )
    dimensions, members = parsed.texts("dimension"), parsed.texts("member")
    parsed.require(
        (dimensions != "").to_numpy() | (members == "").to_numpy(),
        members,
        lambda m: f"member {m!r} has no dimension",
    )
    parsed.require(
        (dimensions == "").to_numpy() | (members != "").to_numpy(),
        dimensions,
        lambda d: f"dimension {d!r} has no member",
    )
    parsed.require(
        dimensions.map(lambda d: d == "" or bool(IDENTIFIER.match(d))).to_numpy(),
        dimensions,
        lambda d: (
            f"dimension {d!r} must use lower-case letters, digits and _, starting with a letter"
        ),
    )
    return dimensions.to_numpy(), members.to_numpy()


def check_members(
    parsed: Columns,
    days: np.ndarray,
    metrics: np.ndarray,
    values: np.ndarray,
    dimensions: np.ndarray,
    members: np.ndarray,
    additivity: dict[str, str],
) -> None:
    """The rules between rows (module docstring) as line errors; rows that already have a
    problem are left out."""
    seen: dict[tuple, int] = {}
    totals: dict[tuple, tuple[int, float]] = {}
    parts: dict[tuple, dict[str, list[tuple[int, float]]]] = defaultdict(lambda: defaultdict(list))
    for i in np.flatnonzero(~parsed.failed):
        line, day, metric = int(parsed.lines[i]), str(days[i])[:10], str(metrics[i])
        key = (day, metric, dimensions[i], members[i])
        if key in seen:
            what = f"{metric} on {day}" + (f" for {key[2]} {key[3]!r}" if key[2] else "")
            _error(parsed, i, f"{what} is also on line {seen[key]}")
            continue
        seen[key] = line
        if dimensions[i]:
            parts[(day, metric)][dimensions[i]].append((line, float(values[i])))
        else:
            totals[(day, metric)] = (line, float(values[i]))
    for (day, metric), by_dimension in parts.items():
        what = f"{metric} on {day}"
        total = totals.get((day, metric))
        first = {d: min(line for line, _ in rows) for d, rows in by_dimension.items()}
        if additivity[metric] == "average":
            if total is None:
                _error_at(
                    parsed,
                    min(first.values()),
                    f"{what}: the members of an average do not add up to its value; give the "
                    "day's value in a row without dimension and member",
                )
            continue
        sums = {d: math.fsum(v for _, v in rows) for d, rows in by_dimension.items()}
        if total is not None:
            expected, source = total[1], f"the day's total (line {total[0]}) is {total[1]:g}"
        else:
            lead = min(first, key=first.get)
            expected, source = sums[lead], f"the {lead} members add up to {sums[lead]:g}"
        for d, s in sums.items():
            if not math.isclose(s, expected, rel_tol=1e-9, abs_tol=1e-9):
                _error_at(
                    parsed,
                    first[d],
                    f"{what}: the {d} members add up to {s:g} but {source}; the members of "
                    "each dimension must add up to the day's value",
                )


def _error(parsed: Columns, row: int, message: str) -> None:
    parsed.errors.append((int(parsed.lines[row]), message))
    parsed.failed[row] = True


def _error_at(parsed: Columns, line: int, message: str) -> None:
    parsed.errors.append((line, message))
