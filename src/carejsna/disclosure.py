"""Disclosure control: the one path every figure takes before it is shown or downloaded."""

from __future__ import annotations

import pandas as pd

THRESHOLD = 4  # counts of children from 1 to THRESHOLD are never shown

SUPPRESSED = "c"
NOT_AVAILABLE = "x"
NOT_APPLICABLE = "z"
FOOTNOTES = {
    SUPPRESSED: "c = suppressed: fewer than 5 children (or computed from such a count), "
    "withheld so that no child can be identified",
    NOT_AVAILABLE: "x = not available: no data for this year or area",
    NOT_APPLICABLE: "z = not applicable: no denominator for this area "
    "(e.g. no resident population for an Unknown district)",
}

# Which of numerator and denominator count children, by unit.
CHILD_COUNTS = {
    "count": ("numerator",),
    "rate_per_10k": ("numerator",),
    "percent": ("numerator", "denominator", "complement"),
    "mean": ("denominator",),
}


def protect(figures: pd.DataFrame, unit: str, threshold: int = THRESHOLD) -> pd.DataFrame:
    """Blank every value that shows or is computed from 1 to `threshold` children.

    `figures` has numerator, denominator, value and symbol columns. A suppressed row keeps its
    place, with value and numerator blank and symbol "c"; zero may be shown.
    """
    out = figures.copy()
    small = pd.Series(False, index=out.index)
    for column in CHILD_COUNTS[unit]:
        counts = out["denominator"] - out["numerator"] if column == "complement" else out[column]
        small |= counts.between(1, threshold).fillna(False).astype(bool)
    hidden = [c for c in ("value", "numerator", "sum_squares") if c in out]
    out.loc[small, hidden] = float("nan")
    if "denominator" in CHILD_COUNTS[unit]:
        small_denominator = out["denominator"].between(1, threshold).fillna(False).astype(bool)
        out.loc[small & small_denominator, "denominator"] = float("nan")
    out.loc[small, "symbol"] = SUPPRESSED
    return out


def shown(value: float, symbol: str, decimals: int, thousands: bool = True) -> str:
    """A value as a reader sees it: the number, or its symbol."""
    if symbol:
        return symbol
    if pd.isna(value):
        return NOT_AVAILABLE
    return f"{value:{',' if thousands else ''}.{decimals}f}"
