"""Disclosure control: the one path every figure takes before it is shown or downloaded."""

from __future__ import annotations

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

# Which counts of children a figure rests on, by unit: each must be safe to show.
CHILD_COUNTS = {
    "count": ("numerator",),
    "rate_per_10k": ("numerator",),
    "percent": ("numerator", "denominator", "complement"),
    "mean": ("denominator",),
}


def key(row) -> tuple:
    """What a shown figure is, whichever view shows it: area, year, age band, category."""
    return (row.area_code, int(row.year), row.age_band, getattr(row, "category", ""))


def protect(
    frames: dict[str, pd.DataFrame],
    unit: str,
    groups: list[tuple] = (),
    threshold: int = THRESHOLD,
) -> dict[str, pd.DataFrame]:
    """The frames with every figure in `withheld` blanked: see there."""
    return withhold(frames, unit, withheld(frames, unit, groups, threshold))


def withheld(
    frames: dict[str, pd.DataFrame],
    unit: str,
    groups: list[tuple] = (),
    threshold: int = THRESHOLD,
) -> set[tuple]:
    """The keys of every figure that shows, rests on, or would let a reader work out, a count of
    1 to `threshold` children, across all the frames shown together.

    Primary: a row whose counts (CHILD_COUNTS) include one from 1 to threshold. Secondary: for
    each (whole, parts) group, while what the whole minus its shown parts leaves is a single
    withheld part, or a count from 1 to threshold, the smallest shown part is withheld too (the
    whole, if none is left). A part with no count (no data) counts as zero.
    """
    counts = _counts(frames, unit)
    hidden = {k for k, c in counts.items() if any(1 <= v <= threshold for v in c.values())}
    if unit in ("percent", "mean"):  # too few children for a share or an average to mean much
        small = {k for k, c in counts.items() if 1 <= c["denominator"] < DENOMINATOR_THRESHOLD}
        hidden |= small
    changed = True
    while changed:
        changed = False
        for whole, parts in groups:
            if isinstance(whole, tuple) and whole in hidden:
                continue
            for column in CHILD_COUNTS[unit]:
                total = counts[whole][column] if isinstance(whole, tuple) else whole
                if not isinstance(whole, tuple) and column != "numerator":
                    continue  # a distribution's total is its denominator: parts sum to it
                if pd.isna(total):
                    continue
                shown = [p for p in parts if p not in hidden]
                withheld = [p for p in parts if p in hidden]
                left = total - sum(_count(counts[p][column]) for p in shown)
                single = (
                    len(withheld) == 1 and abs(left - _count(counts[withheld[0]][column])) < 1e-9
                )
                if single or 1 <= left <= threshold:
                    before = len(hidden)
                    others = [p for p in shown if _count(counts[p][column]) > 0]
                    if others:
                        hidden.add(min(others, key=lambda p: (counts[p][column], p)))
                    elif isinstance(whole, tuple):
                        hidden.add(whole)
                    else:  # a distribution's total, shown as every row's denominator
                        hidden.update(parts)
                    changed = changed or len(hidden) > before
    return hidden


def _count(value: float) -> float:
    return 0.0 if pd.isna(value) else value


def _counts(frames: dict[str, pd.DataFrame], unit: str) -> dict[tuple, dict[str, float]]:
    counts = {}
    for frame in frames.values():
        for row in frame.itertuples():
            values = {"numerator": row.numerator, "denominator": row.denominator}
            values["complement"] = row.denominator - row.numerator
            counts[key(row)] = {c: values[c] for c in CHILD_COUNTS[unit]}
    return counts


def withhold(
    frames: dict[str, pd.DataFrame], unit: str, hidden: set[tuple]
) -> dict[str, pd.DataFrame]:
    """Each frame with the rows whose key is hidden blanked: a withheld row keeps its place, with
    value, numerator, limits (and, for percentages and means, denominator) blank and symbol "c".
    Zero may be shown."""
    return {view: _blank(frame, unit, hidden) for view, frame in frames.items()}


def _blank(frame: pd.DataFrame, unit: str, hidden: set[tuple]) -> pd.DataFrame:
    out = frame.copy()
    withheld = pd.Series([key(r) in hidden for r in out.itertuples()], index=out.index, dtype=bool)
    columns = ["value", "numerator", "sum_squares"]
    columns += [c for c in out if c.startswith(("lower_", "upper_"))]
    if unit in ("percent", "mean"):
        columns.append("denominator")
    out.loc[withheld, [c for c in columns if c in out]] = float("nan")
    out.loc[withheld, "symbol"] = SUPPRESSED
    return out


def rounded(frames: dict[str, pd.DataFrame], unit: str) -> dict[str, pd.DataFrame]:
    """Counts of children to the nearest ROUND_TO, for publication. The caller computes rates and
    percentages again from the rounded counts: else a shown percentage and its rounded
    denominator would give the exact numerator back."""
    out = {}
    for view, frame in frames.items():
        frame = frame.copy()
        columns = [c for c in CHILD_COUNTS[unit] if c != "complement"]
        if unit == "count":
            columns += ["value"] + [c for c in frame if c.startswith(("lower_", "upper_"))]
        for column in columns:
            frame[column] = (frame[column] / ROUND_TO).round() * ROUND_TO
        out[view] = frame
    return out


def shown(value: float, symbol: str, decimals: int, thousands: bool = True) -> str:
    """A value as a reader sees it: the number, or its symbol."""
    if symbol:
        return symbol
    if pd.isna(value):
        return NOT_AVAILABLE
    if value > 0 and round(value, decimals) == 0:
        return LOW
    return f"{value:{',' if thousands else ''}.{decimals}f}"
