"""Disclosure control: the one path every figure takes before it is shown or downloaded."""

from __future__ import annotations

import numpy as np
import pandas as pd

THRESHOLD = 4  # counts of children from 1 to THRESHOLD are never shown
DENOMINATOR_THRESHOLD = 10  # a percentage or mean of fewer children than this is not shown
ROUND_TO = 5  # the publication option: counts to the nearest 5

SUPPRESSED = "c"
NOT_AVAILABLE = "x"
NOT_APPLICABLE = "z"
LOW = "low"
FOOTNOTES = {
    SUPPRESSED: "c = suppressed: fewer than 5 children (a percentage or average of fewer than "
    "10), computed from such a count, or withheld so that a suppressed figure cannot be worked "
    "out from the others",
    NOT_AVAILABLE: "x = not available: no data for this year or area",
    NOT_APPLICABLE: "z = not applicable: no denominator for this area "
    "(e.g. no resident population for an Unknown district)",
    LOW: "low = more than zero, but rounds to zero",
}

# The smallest safe count of each kind a figure rests on (or what a reader can work out of the
# withheld ones): (count, lowest unsafe, highest unsafe).
UNSAFE = {
    "count": (("numerator", 1, THRESHOLD),),
    "rate_per_10k": (("numerator", 1, THRESHOLD),),
    "percent": (
        ("numerator", 1, THRESHOLD),
        ("complement", 1, THRESHOLD),
        ("denominator", 1, DENOMINATOR_THRESHOLD - 1),
    ),
    "mean": (("denominator", 1, DENOMINATOR_THRESHOLD - 1),),
}


def lattice_withheld(
    numerator: np.ndarray,
    denominator: np.ndarray,
    unit: str,
    axes: tuple[int, ...] = (1,),
    categories: bool = False,
) -> np.ndarray:
    """Which figures of a lattice to withhold: a boolean array shaped like the counts.

    The arrays hold every figure any selection can show alone, year x area x age band x
    category; along each of `axes` the last entry is the whole of the others (the council of its
    districts, all ages of the bands). With `categories`, the last axis holds a distribution's
    categories, whose whole is the cell's total (the denominator), known to every reader.

    Primary: a figure resting on an unsafe count (UNSAFE: 1 to 4 children; a percentage or
    average of fewer than 10). Secondary, until nothing changes, for every equation a reader
    can write (a whole and its parts): where exactly one member is withheld (it could be worked
    out), or what a shown whole leaves after its shown parts is itself an unsafe count (a small
    group could be described), the smallest shown part with children in it is withheld too, or
    else the whole. A part with no data counts as zero.
    """
    counts = {
        "numerator": numerator,
        "denominator": denominator,
        "complement": denominator - numerator,
    }
    rules = [(counts[name], low, high) for name, low, high in UNSAFE[unit]]
    hidden = np.zeros(numerator.shape, dtype=bool)
    for values, low, high in rules:
        hidden |= (values >= low) & (values <= high)
    if categories:  # a distribution's totals are known: its parts alone can give a child away
        rules = [rule for rule in rules if rule[0] is numerator]
    size = denominator if unit in ("percent", "mean") and not categories else numerator
    changed = numerator.size > 0
    while changed:
        changed = False
        for axis in axes:
            changed |= _settle(hidden, rules, size, axis, whole=None)
        if categories:
            changed |= _settle(hidden, rules, size, numerator.ndim - 1, whole=denominator[..., 0])
    return hidden


def _settle(hidden, rules, size, axis, whole) -> bool:
    """One pass over the equations along an axis (see lattice_withheld): True if it hid more."""

    def split(values):
        values = np.moveaxis(values, axis, -1)
        return (values, None) if whole is not None else (values[..., :-1], values[..., -1])

    parts_hidden, whole_hidden = split(hidden)  # views: withholding through them marks `hidden`
    if whole_hidden is None:
        whole_hidden = np.zeros(parts_hidden.shape[:-1], dtype=bool)  # a known total
    changed = _more(parts_hidden.sum(axis=-1) + whole_hidden == 1, parts_hidden, whole_hidden,
                    split(size)[0], whole is None)  # fmt: skip
    for values, low, high in rules:
        parts, total = split(values)
        total = whole if whole is not None else total
        left = total - np.where(parts_hidden, 0, np.nan_to_num(parts)).sum(axis=-1)
        unsafe = ~whole_hidden & (left > low - 0.5) & (left < high + 0.5)
        changed |= _more(unsafe, parts_hidden, whole_hidden, parts, whole is None)
    return changed


def _more(unsafe, parts_hidden, whole_hidden, sizes, whole_can_go: bool) -> bool:
    """In each unsafe equation withhold one more member: the smallest shown part with children
    in it, else the whole, else a shown part with none."""
    if not unsafe.any():
        return False
    before = parts_hidden.sum() + whole_hidden.sum()
    sizes, shown = np.nan_to_num(sizes), ~parts_hidden
    empty = np.finfo(float).max  # ranks a shown part with no children after every other
    score = np.where(shown & (sizes > 0), sizes, np.where(shown, empty, np.inf))
    best = score.argmin(axis=-1)[..., None]
    least = np.take_along_axis(score, best, axis=-1)[..., 0]
    if whole_can_go:
        whole = unsafe & ~whole_hidden & (least >= empty)
        whole_hidden[whole] = True
        unsafe = unsafe & ~whole
    chosen = (
        np.take_along_axis(parts_hidden, best, axis=-1) | (unsafe & (least < np.inf))[..., None]
    )
    np.put_along_axis(parts_hidden, best, chosen, axis=-1)
    return parts_hidden.sum() + whole_hidden.sum() > before


def blank(frame: pd.DataFrame, unit: str, withheld) -> pd.DataFrame:
    """The frame with the rows marked `withheld` blanked: each keeps its place, with value,
    numerator, limits (and, for percentages and means, denominator) blank and symbol "c".
    Zero may be shown."""
    out = frame.copy()
    withheld = np.asarray(withheld, dtype=bool)
    columns = ["value", "numerator", "sum_squares"]
    columns += [c for c in out if c.startswith(("lower_", "upper_"))]
    if unit in ("percent", "mean"):
        columns.append("denominator")
    out.loc[withheld, [c for c in columns if c in out]] = float("nan")
    out.loc[withheld, "symbol"] = SUPPRESSED
    return out


def rounded(counts: pd.Series) -> pd.Series:
    """Counts of children to the nearest ROUND_TO, for publication. The caller works out every
    figure shown beside them again from the rounded counts: else a percentage and its rounded
    denominator would give the exact numerator back."""
    return (counts / ROUND_TO).round() * ROUND_TO


def shown(value: float, symbol: str, decimals: int, thousands: bool = True) -> str:
    """A value as a reader sees it: the number, or its symbol."""
    if symbol:
        return symbol
    if pd.isna(value):
        return NOT_AVAILABLE
    if value > 0 and round(value, decimals) == 0:
        return LOW
    return f"{value:{',' if thousands else ''}.{decimals}f}"
