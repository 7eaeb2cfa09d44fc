"""Disclosure control: the one path every figure takes before it is shown or downloaded."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from threadpoolctl import ThreadpoolController

THRESHOLD = 4  # counts of children from 1 to THRESHOLD are never shown
DENOMINATOR_THRESHOLD = 10  # a percentage or mean of fewer children than this is not shown
ROUND_TO = 5  # the publication option: counts to the nearest 5
# Said wherever figures are shown rounded: on screen, in a CSV, under a printed chart.
ROUNDED = (
    f"Counts rounded to the nearest {ROUND_TO}; rates, percentages, averages and intervals "
    "worked out from the rounded counts."
)

SUPPRESSED = "c"
NOT_AVAILABLE = "x"
NOT_APPLICABLE = "z"
LOW = "low"
FOOTNOTES = {
    SUPPRESSED: "c = suppressed: 1 to 4 children in it (or, for a percentage, outside it), a "
    "percentage or average of fewer than 10, or withheld so that a suppressed figure cannot be "
    "worked out from the others",
    NOT_AVAILABLE: "x = not available: no data for this year, area or ages",
    NOT_APPLICABLE: "z = not applicable: no denominator for this area "
    "(e.g. no resident population for an Unknown district)",
    LOW: "low = more than zero, but rounds to zero",
}
# Why a figure is withheld, as a sentence says it: "... is withheld: it rests on ...".
RESTS_ON = (
    "rests on 1 to 4 children (in it or, for a percentage, outside it) or, for a percentage or "
    "average, on fewer than ten, or would let such a figure be worked out"
)
# Disclosure control in a paragraph: the chapter's and the catalogue page's.
DISCLOSURE = (
    "Small numbers are never shown. Counts of 1 to 4 children are withheld and shown as c, as "
    "are percentages where 1 to 4 children are in the count or outside it, percentages or "
    "averages of fewer than 10 children, and any figure that would let a withheld one be worked "
    "out from the others (over every district, age band, category and year at once). x means "
    "not available, z not applicable, low more than zero but rounding to zero."
)

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


@cache
def _blas() -> ThreadpoolController:
    return ThreadpoolController()  # finds the BLAS libraries once: a few ms each time otherwise


def one_blas_thread():
    """A context in which BLAS uses one thread: many small solves are much faster so."""
    return _blas().limit(limits=1)


def lattice_withheld(
    numerator: np.ndarray,
    denominator: np.ndarray,
    unit: str,
    axes: tuple[int, ...] = (1,),
    categories: bool = False,
    withheld: np.ndarray | None = None,
    solve: bool = True,
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
    group could be described) or nothing (every withheld part would be known to be zero), the
    smallest shown part with children in it is withheld too, or else the whole. A part with no
    data counts as zero. Then all the equations together: where linear algebra gives a withheld
    figure back exactly, the smallest shown figure beside it goes too, and round again.
    """
    counts = {
        "numerator": numerator,
        "denominator": denominator,
        "complement": denominator - numerator,
    }
    rules = [(counts[name], low, high) for name, low, high in UNSAFE[unit]]
    hidden = np.zeros(numerator.shape, dtype=bool) if withheld is None else withheld.copy()
    if not numerator.size:  # a distribution with no categories at all: nothing to show
        return hidden
    for values, low, high in rules:
        hidden |= (values >= low) & (values <= high)
    size, totals = _sizes_and_totals(numerator, denominator, unit, axes, categories, solve)
    if categories:  # a cell's total is published as it is withheld alone; without it, no part
        hidden |= np.isnan(totals[..., None]) & ~np.isnan(denominator[..., :1])  # withheld ones
    changed = numerator.size > 0
    while changed:
        changed = False
        for axis in axes:
            changed |= _settle(hidden, rules, size, axis, whole=None)
        if categories:  # along the categories the numerators alone add up, to the total
            by_category = [rule for rule in rules if rule[0] is numerator]
            changed |= _settle(hidden, by_category, size, numerator.ndim - 1, denominator[..., 0])
        if not changed and solve:  # every single equation is safe: now all of them together
            changed = _solve(hidden, size, axes, totals, numerator)
    return hidden


SOLVABLE = 4000  # withheld figures in a year: beyond this the exact check is left out


def _solve(hidden: np.ndarray, size: np.ndarray, axes, totals, counts: np.ndarray) -> bool:
    """Where the equations together (not one at a time) give a withheld figure back, or pin it
    between 1 and THRESHOLD (with every count at least zero), withhold the smallest shown figure
    it shares an equation with: linear algebra and bounds, year by year."""
    changed = False
    # Small matrices, many of them: one BLAS thread is many times faster than two contending.
    if totals is None:  # no cell totals: every year has the same equations, made once
        equations, rhs = _equations(hidden.shape[1:], axes, None, totals, 0)
    with one_blas_thread():
        for year in range(hidden.shape[0]):
            if totals is not None:
                known = ~np.isnan(totals[year]) & (totals[year] >= 0)
                equations, rhs = _equations(hidden.shape[1:], axes, known, totals, year)
            flat, sizes = hidden[year].reshape(-1), np.nan_to_num(size[year]).ravel()
            values = np.nan_to_num(counts[year]).ravel()
            while True:  # a withheld zero given away tells nothing: zeros are shown as zeros
                found = [c for c in _worked_out(flat, equations) if values[c] > 0]
                found = found or _pinned(flat, values, equations, rhs)
                if not (found and _beside(flat, sizes, equations, found)):
                    break
                changed = True
    return changed


def _beside(flat: np.ndarray, sizes: np.ndarray, equations: np.ndarray, cells) -> bool:
    """For each cell, withhold the smallest shown figure (with children, if any) in one of its
    equations; where every figure in them is withheld already, in those figures' equations, and
    so on outwards (a reader's bounds reach further than one equation). True if any was."""
    before = flat.sum()
    for cell in cells:
        ring = np.array([cell])
        while True:
            reach = np.flatnonzero(np.abs(equations[(equations[:, ring] != 0).any(axis=1)]).sum(0))
            near = reach[~flat[reach]]
            wider = np.union1d(ring, reach)
            if len(near) or len(wider) == len(ring):
                break
            ring = wider
        if len(near):
            flat[near[np.argmin(np.where(sizes[near] > 0, sizes[near], np.inf))]] = True
    return flat.sum() > before


def _sizes_and_totals(numerator, denominator, unit, axes, categories, solve=True):
    """What ranks figures for withholding (children in them: the denominator for a percentage
    or mean, else the numerator), and a distribution's cell totals where shown (else blank)."""
    size = denominator if unit in ("percent", "mean") and not categories else numerator
    totals = None
    if categories:  # a withheld total is no constant
        totals = np.where(totals_withheld(denominator, axes, solve), np.nan, denominator[..., 0])
    return size, totals


def withhold_beside(hidden, numerator, denominator, unit, cells, axes, categories: bool) -> bool:
    """Withhold, beside each (year, flat cell) given, the smallest shown figure it shares an
    equation with: where a solver found a figure a reader could work out. True if any was."""
    size, totals = _sizes_and_totals(numerator, denominator, unit, axes, categories)
    changed = False
    for year in sorted({year for year, _ in cells}):
        known = None if totals is None else ~np.isnan(totals[year])
        equations, _ = _equations(hidden.shape[1:], axes, known, totals, year)
        found = [cell for y, cell in cells if y == year]
        sizes = np.nan_to_num(size[year]).ravel()
        changed |= _beside(hidden[year].reshape(-1), sizes, equations, found)
    return changed


def _pinned(withheld, values, equations, rhs, rounds: int = 30) -> list[int]:
    """Withheld counts that bounds give away: each equation bounds each of its withheld
    members by what the others can be (all at least zero), round after round; a count pinned
    to one value other than zero, or to 1 to THRESHOLD, is given away."""
    cells = np.flatnonzero(withheld)
    if not len(cells) or len(cells) > SOLVABLE:
        return []
    matrix = equations[:, cells]
    used = np.abs(matrix).sum(axis=1) > 0
    matrix = matrix[used]
    left = (rhs - equations[:, ~withheld] @ values[~withheld])[used]
    big = 1e9  # no bound yet, kept finite so that sums stay numbers
    low, high = np.zeros(len(cells)), np.full(len(cells), big)
    positive, on = matrix > 0, matrix != 0
    for _ in range(rounds):
        term_low = np.where(positive, matrix * low, matrix * high)  # each a x: its least
        term_high = np.where(positive, matrix * high, matrix * low)
        least = left[:, None] - (term_high.sum(axis=1)[:, None] - term_high)
        most = left[:, None] - (term_low.sum(axis=1)[:, None] - term_low)
        lows = np.where(on, np.where(positive, least, -most), -big).max(axis=0)
        highs = np.where(on, np.where(positive, most, -least), big).min(axis=0)
        new_low, new_high = np.maximum(low, lows), np.minimum(high, np.minimum(highs, big))
        if np.array_equal(new_low, low) and np.array_equal(new_high, high):
            break
        low, high = new_low, new_high
    pinned = (high - low < 0.5) & (low > 0.5)
    small = (low > 0.5) & (high < THRESHOLD + 0.5)
    return list(cells[pinned | small])


def _worked_out(withheld: np.ndarray, equations: np.ndarray) -> list[int]:
    """The withheld figures the equations give back exactly: those whose unit vector lies in
    the row space of the equations' withheld columns (the projection onto that space, vt' vt
    over its rank, is 1 on their diagonal)."""
    cells = np.flatnonzero(withheld)
    if not len(cells) or len(cells) > SOLVABLE:
        return []
    matrix = equations[:, cells]
    matrix = matrix[np.abs(matrix).sum(axis=1) > 0]
    if not len(matrix):
        return []
    _, singular, vt = np.linalg.svd(matrix, full_matrices=False)
    rank = int((singular > 1e-9 * max(singular.max(), 1)).sum())
    return list(cells[(vt[:rank] ** 2).sum(axis=0) > 1 - 1e-9])


def _equations(shape: tuple, axes, known, totals, year) -> tuple[np.ndarray, np.ndarray]:
    """Every equation a reader can write over one year's figures (area x band x category),
    one a row, with its right-hand side: along each axis the parts less their whole (0); a
    distribution's categories sum to its cell's total where that is shown."""
    index = np.arange(int(np.prod(shape))).reshape(shape)
    rows, rhs = [], []
    for axis in (a - 1 for a in axes):
        for group in np.moveaxis(index, axis, -1).reshape(-1, shape[axis]):
            row = np.zeros(index.size)
            row[group[:-1]], row[group[-1]] = 1, -1
            rows.append(row)
            rhs.append(0.0)
    if known is not None:
        for group, shown, total in zip(
            index.reshape(-1, shape[-1]), known.ravel(), totals[year].ravel(), strict=True
        ):
            if shown:
                row = np.zeros(index.size)
                row[group] = 1
                rows.append(row)
                rhs.append(total)
    return np.array(rows).reshape(-1, index.size), np.array(rhs)


def totals_withheld(
    denominator: np.ndarray,
    axes: tuple[int, ...],
    solve: bool = True,
    withheld: np.ndarray | None = None,
) -> np.ndarray:
    """Which totals of a distribution's cells (year x area x age band) to withhold: they are
    counts of children in their own right (e.g. children in care at 31 March), protected just
    as that count is, so that the distribution shows the same totals it does; `withheld`,
    those withheld already (where another indicator withholds the same count)."""
    if not denominator.shape[-1]:  # no categories, so no totals
        return np.zeros(denominator.shape[:-1], dtype=bool)
    total = np.nan_to_num(denominator[..., :1])
    start = None if withheld is None else withheld[..., None]
    return lattice_withheld(
        total, np.full(total.shape, np.nan), "count", axes, withheld=start, solve=solve
    )[..., 0]


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
        # Nothing left means every withheld part is zero: worked out too.
        small = (left > low - 0.5) | ((left < 0.5) & parts_hidden.any(axis=-1))
        unsafe = ~whole_hidden & small & (left < high + 0.5)
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


RATIOS = ("percent", "mean")  # units whose denominator is withheld with the figure


def blank(frame: pd.DataFrame, unit, withheld) -> pd.DataFrame:
    """The frame with the rows marked `withheld` blanked: each keeps its place, with value,
    numerator, limits (and, for percentages and means, denominator) blank and symbol "c".
    Zero may be shown. `unit`: the frame's, or each row's (an array)."""
    withheld = np.asarray(withheld, dtype=bool)
    columns = ["value", "numerator", "sum_squares"]
    columns += [c for c in frame if c.startswith(("lower_", "upper_"))]
    masks = {c: withheld for c in columns if c in frame}
    if "denominator" in frame:  # a percentage's or an average's
        masks["denominator"] = withheld & np.isin(np.asarray(unit, dtype=object), RATIOS)
    if any(frame[c].dtype != np.float64 for c in masks):  # set as pandas sets them
        out = frame.copy()
        for column, mask in masks.items():
            if mask.any():
                out.loc[mask, column] = float("nan")
        out.loc[withheld, "symbol"] = SUPPRESSED
        return out
    # Float columns and the symbol replaced whole, with numpy, in one new frame: the same
    # values as setting through .loc, many times quicker (the build blanks every indicator's
    # lattice; a read of several districts, every sum it shows).
    out = {c: frame[c] for c in frame.columns}
    out.update({c: np.where(mask, np.nan, frame[c].to_numpy()) for c, mask in masks.items()})
    out["symbol"] = np.where(withheld, SUPPRESSED, frame["symbol"].to_numpy(dtype=object))
    return pd.DataFrame(out, index=frame.index)


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
