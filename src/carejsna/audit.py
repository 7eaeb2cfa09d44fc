"""What a reader can work out from protected figures: the equations they imply, solved."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from itertools import chain, zip_longest

import highspy
import numpy as np
import pandas as pd
from scipy import sparse

from carejsna import if_stopped

ALL_AGES = "All ages"
SMALL = 4  # a count of 1 to SMALL children must not be worked out
FEW = 10  # nor the number of children, under FEW, behind a percentage or average
NO_DATA = ("x", "z")  # a blank count on such a row is read as zero: the area has none
EPS = 1e-6
NAMES = {"numerator": "numerator", "denominator": "denominator", "total": "denominator"}
ROUNDS = 10  # linear programs that move many checks together, before one each
# Up to this many coefficients (unknowns x checks and equations), a year's equations are solved
# as dense arrays (every block of the demo: many times quicker), beyond it as sparse matrices.
DENSE = 2_000_000
# The points an audit keeps for the next (audit()'s witnesses), the latest first: a demo build
# keeping 8 took as long as one keeping all, in less memory.
WITNESSES = 8


@dataclass(frozen=True)
class Leak:
    """A withheld count, or a sum of withheld counts, that a reader can work out."""

    indicator_id: str
    year: int
    area_code: str
    age_band: str
    category: str
    count: str  # numerator, denominator or complement (denominator less numerator)
    low: float  # its value, or the bounds the equations put on it
    high: float
    how: str

    def __str__(self) -> str:
        value = f"{self.low:g}" if self.high - self.low < EPS else f"{self.low:g}..{self.high:g}"
        cell = " ".join(x for x in (self.area_code, self.age_band, self.category) if x)
        return f"{self.indicator_id} {self.year} {cell}: {self.count} = {value} ({self.how})"


@dataclass
class _Check:
    """A linear function of the unknowns a reader must not be able to work out."""

    cell: tuple  # area, band, category
    count: str
    terms: dict[int, float]
    constant: float = 0.0


@dataclass
class _Block:
    """One indicator's year: its counts, known or not, and the equations between them."""

    indicator_id: str
    year: int
    unit: str
    known: dict = field(default_factory=dict)  # (series, area, band, category) -> value
    unknown: dict = field(default_factory=dict)  # (series, area, band, category) -> variable
    equations: list = field(default_factory=list)  # (terms, right-hand side)
    inequalities: list = field(default_factory=list)  # (terms, right-hand side): terms <= rhs
    checks: list = field(default_factory=list)
    leaks: list = field(default_factory=list)
    exact: dict = field(default_factory=dict)  # (series, area, band, category) -> true value
    # Withheld here, known from elsewhere: a percentage's denominator another indicator shows.
    given: set = field(default_factory=set)

    def variable(self, key: tuple) -> int:
        return self.unknown.setdefault(key, len(self.unknown))

    def linear(self, pairs) -> tuple[dict[int, float], float]:
        """sum(coefficient * count): the unknowns' coefficients and the known part."""
        terms: dict[int, float] = {}
        constant = 0.0
        unknown, known = self.unknown, self.known  # called some 200,000 times a demo build
        for key, coefficient in pairs:
            variable = unknown.get(key)
            if variable is not None:
                terms[variable] = terms.get(variable, 0.0) + coefficient
            else:
                constant += coefficient * known.get(key, 0.0)  # a missing row has no data
        return terms, constant

    def is_score(self, key: tuple) -> bool:
        """Is this unknown a total of scores (a mean's numerator), not a count of children?"""
        return key[0] == "numerator" and self.unit == "mean"

    def leak(self, cell: tuple, count: str, low: float, high: float, how: str, name=None) -> None:
        low, high = round(float(low), 6) + 0.0, round(float(high), 6) + 0.0
        name = name or self.indicator_id
        self.leaks.append(Leak(name, self.year, *cell, count, low, high, how))

    def equation(self, whole: tuple, parts: list[tuple], family: str) -> float | None:
        """whole = sum(parts); when the whole is shown, what its withheld parts sum to (those
        given too: the figure a reader works out rests on all of them)."""
        terms, constant = self.linear([(whole, 1.0)] + [(p, -1.0) for p in parts])
        if not terms:
            if abs(constant) > EPS * max(1.0, abs(self.known.get(whole, 0.0))):
                self.leak(whole[1:], NAMES[whole[0]], np.nan, np.nan, f"{family} do not add up")
        else:
            self.equations.append((terms, -constant))
        given = [p for p in parts if p in self.given]
        if whole not in self.known or whole in self.given or len(terms) + len(given) < 2:
            return None
        return constant + sum(self.known[p] for p in given)


def small(leak: Leak) -> bool:
    """A count of 1 to SMALL children (fewer than FEW behind a percentage or average), or
    figures that do not add up."""
    top = FEW - 1 if leak.count == "denominator" else SMALL
    return bool(np.isnan(leak.low) or (leak.low >= 1 and leak.high <= top))


def telling(leak: Leak) -> bool:
    """A leak that tells something of children: a small one, a withheld count of children
    worked out exactly (not a zero: zeros are shown as zeros), or figures that do not add up. A
    complement worked out while its numerator is not (the cell's total unknown) tells neither."""
    exact = leak.low > 0 and leak.high - leak.low < EPS and leak.count != "complement"
    return small(leak) or exact


def audit(
    figures: pd.DataFrame, workers: int = 1, exact: pd.DataFrame | None = None, witnesses=None
) -> list[Leak]:
    """Every leak in a figures extract, one (indicator, year) at a time, in `workers` processes.
    `exact`, where the caller knows them (the build does), are the figures before any was
    withheld (numerator and denominator, same index): a point the equations allow, which starts
    each check's range so that fewer linear programs are needed. The leaks are the same without.
    `witnesses` (with `exact`): a dict the caller keeps between audits of the same figures as
    more is withheld, where each (indicator, year) keeps the points its linear programs found.
    The next audit starts each check's range from those that still fit every equation:
    withholding more only widens what a reader can solve, so many checks are safe again
    without a program. Again, the leaks are the same without.

    The reader's equations: the council is the sum of its districts, and All ages the sum of
    the age bands, for each numerator (and, for a percentage or mean, denominator); a
    distribution's categories sum to their cell's total, known where any of its rows shows it
    as the denominator. Shown counts are known, withheld ("c") ones unknown, not negative, and
    a denominator is at least its numerator. A leak: a withheld count (numerator, denominator,
    complement; not a mean's total of scores) that the equations determine, or (by linear
    programming, relaxing whole numbers) confine to less than one apart or to 1..SMALL; or a
    known whole less its shown parts that is 1..SMALL (1..FEW - 1 children behind a percentage
    or mean).
    """
    columns = ["indicator_id", "unit", "year", "area_code", "area_type", "age_band", "category"]
    columns += ["numerator", "denominator", "symbol"]
    if exact is not None:
        figures = figures.assign(
            exact_numerator=exact["numerator"], exact_denominator=exact["denominator"]
        )
        columns += ["exact_numerator", "exact_denominator"]
    text = ["indicator_id", "unit", "area_code", "area_type", "age_band", "category", "symbol"]
    figures = figures[columns].astype(dict.fromkeys(text, object))  # Python strings: quicker here
    values = {column: figures[column].to_numpy() for column in columns}
    blocks = [
        (str(indicator_id), int(year), {c: v[at].tolist() for c, v in values.items()})
        for (indicator_id, year), at in figures.groupby(["indicator_id", "year"]).indices.items()
        if (values["symbol"][at] == "c").any()
    ]  # each block's rows in their order, as lists: the equations are built in Python
    keys, columns = [block[:2] for block in blocks], list(zip(*blocks, strict=True))
    return _each(_audit_block, keys, columns, workers, witnesses, chunksize=4)


def joint(
    frames: dict[str, pd.DataFrame], relations: list, workers: int = 1, witnesses=None
) -> list[Leak]:
    """The leaks a reader finds solving several indicators' figures together, with relations
    between their counts that hold in every cell (area and age band) of a year.

    `frames`: each block of figures (as audit() takes them, one indicator each, any years) by a
    name of its own; with exact_numerator and exact_denominator, the counts before any was
    withheld, a point to start from (as audit()'s `exact`). `relations`: (terms, kind), terms
    [(name, count, category, coefficient[, age band])] with count "numerator", "denominator"
    or a distribution's "total": sum(coefficient * count) <= 0 ("<=") or == 0 ("==", and
    "same": two terms, the same count shown twice), in every area and age band (a term naming
    its age band: in every area, that band's count). A count the same as one shown is no
    leak. Leaks name the block they are of. Each block's own equations are
    solved with it (its own leaks come back too). Years are solved apart, in `workers`
    processes. `witnesses`: as audit()'s, each year's."""
    rows = {name: _rows(frame) for name, frame in frames.items()}
    years = sorted({year for blocks in rows.values() for year in blocks})
    each = [{name: found[year] for name, found in rows.items() if year in found} for year in years]
    return _each(_joint_year, years, [years, each, [relations] * len(years)], workers, witnesses)


def _prctl():
    """Linux's prctl, found once in the parent: a forked worker must not load libraries."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


PRCTL = _prctl()


def die_with_parent(parent: int) -> None:
    """A worker process's start (`parent`: the pid of the process that starts it): SIGTERM as
    by default (the parent's handler is not the worker's), and on Linux, to be killed when the
    parent ends, however it ends (a build stopped with kill or Ctrl+C left its workers running
    on, some 200 MB each, for as long as their tasks took)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if PRCTL is None:
        return
    PRCTL(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if os.getppid() != parent:  # the parent ended before that was asked
        os._exit(1)


def _each(function, keys: list, columns: list, workers: int, witnesses=None, chunksize=1):
    """function(*the columns' values, the key's witnesses) for each key, in `workers`
    processes where there are several: the leaks found, each key's new witnesses kept in
    `witnesses` (function returns both; None: not kept)."""
    witnesses = {} if witnesses is None else witnesses
    columns = [*columns, [witnesses.get(key, []) for key in keys]]
    if workers > 1 and len(keys) > 1:
        start = {"initializer": die_with_parent, "initargs": (os.getpid(),)}
        with ProcessPoolExecutor(workers, **start) as pool:
            found = []
            for result in pool.map(function, *columns, chunksize=chunksize):
                if_stopped()  # a stop whose exception was lost ends the build here
                found.append(result)
    else:
        found = list(map(function, *columns))
    witnesses.update((key, points) for key, (_, points) in zip(keys, found, strict=True))
    return [leak for leaks, _ in found for leak in leaks]


def _joint_year(
    year: int, rows: dict[str, dict], relations: list, witnesses: list = ()
) -> tuple[list[Leak], list[dict]]:
    """joint()'s leaks in one year (`rows`: each block's columns that year, as lists), and the
    points to start its next solve from (_solve's)."""
    block = _Joint([_build(name, year, found) for name, found in rows.items()], year)
    cells = sorted({key[2:4] for key in chain(block.known, block.unknown)})
    shown = set()  # unknowns the same as a shown count
    for terms, kind in relations:
        banded = any(len(term) > 4 for term in terms)  # in each area once, in the terms' bands
        for area, band in dict.fromkeys((a, None if banded else b) for a, b in cells):
            pairs = [
                ((name, count, area, own[0] if own else band, category), c)
                for name, count, category, c, *own in terms
            ]
            linear, constant = block.linear(pairs)
            if not linear:
                continue
            into = block.inequalities if kind == "<=" else block.equations
            into.append((linear, -constant))
            if kind == "same" and len(linear) == 1:
                shown |= set(linear)
    block.checks = [check for check in block.checks if not set(check.terms) <= shown]
    return block.leaks, _solve(block, witnesses)


def _rows(figures: pd.DataFrame) -> dict[int, dict[str, list]]:
    """One indicator's figures, each year's columns as lists (as _audit_block takes them)."""
    columns = ["unit", "area_code", "area_type", "age_band", "category", "symbol"]
    columns += ["numerator", "denominator"]
    columns += [c for c in ("exact_numerator", "exact_denominator") if c in figures]
    figures = figures[["year", *columns]].astype(dict.fromkeys(columns[:6], object))
    return {
        int(year): {c: frame[c].tolist() for c in columns}
        for year, frame in figures.groupby("year", sort=True)
    }


class _Joint(_Block):
    """Several blocks (indicators' years) as one: their unknowns, equations, inequalities and
    checks, each keyed by the block's name first, for relations between them to be added."""

    def __init__(self, blocks: list[_Block], year: int):
        super().__init__("+".join(b.indicator_id for b in blocks), year, "")
        self.units = {b.indicator_id: b.unit for b in blocks}
        self.leaks = [leak for b in blocks for leak in b.leaks]  # what each gives outright
        for b in blocks:
            name, offset = b.indicator_id, len(self.unknown)
            self.unknown.update({(name, *key): offset + v for key, v in b.unknown.items()})
            self.known.update({(name, *key): value for key, value in b.known.items()})
            self.exact.update({(name, *key): value for key, value in b.exact.items()})
            for rows, into in ((b.equations, self.equations), (b.inequalities, self.inequalities)):
                into += [({offset + v: c for v, c in t.items()}, rhs) for t, rhs in rows]
            self.checks += [
                _Check((name, *c.cell), c.count, {offset + v: x for v, x in c.terms.items()},
                       c.constant)
                for c in b.checks
            ]  # fmt: skip

    def is_score(self, key: tuple) -> bool:
        return key[1] == "numerator" and self.units[key[0]] == "mean"

    def leak(self, cell: tuple, count: str, low: float, high: float, how: str, name=None) -> None:
        """A check's cell starts with its block's name; any other is the whole's."""
        if len(cell) == 4:
            name, cell = cell[0], cell[1:]
        super().leak(cell, count, low, high, how, name)


def group_frames(figures: pd.DataFrame, parent: pd.DataFrame):
    """An indicator split into groups as a reader reads it: for each count of the groups
    (children with the outcome, without it, and in the group; for an average, in the group),
    that count and its figures as a distribution over the groups whose cell total is the
    parent's count (`parent`: its numerator and denominator on each row, blank where
    withheld), named "<indicator>|<count>". A withheld group's children are known where its
    row has them (another indicator shows them)."""
    counts = ["numerator", "complement", "denominator"]
    if (figures["unit"] == "mean").any():  # a total of scores is not children
        counts = ["denominator"]
    shown = figures["symbol"] != "c"
    for count in counts:
        yield count, figures.assign(
            indicator_id=figures["indicator_id"] + "|" + count, unit="percent",
            numerator=count_of(figures, count).where(shown | (count == "denominator")),
            denominator=count_of(parent, count),
        )  # fmt: skip


def count_of(frame: pd.DataFrame, count: str) -> pd.Series:
    """A count of a frame's figures: its numerator, denominator or complement (the two's gap)."""
    if count == "complement":
        return frame["denominator"] - frame["numerator"]
    return frame[count]


def _audit_block(
    indicator_id: str, year: int, rows: dict[str, list], witnesses: list = ()
) -> tuple[list[Leak], list[dict]]:
    """The leaks in one (indicator, year) (`rows`: its figures' columns, as lists), and the
    points to start its next audit from (_solve's)."""
    block = _build(indicator_id, year, rows)
    return block.leaks, _solve(block, witnesses)


def _build(indicator_id: str, year: int, rows: dict[str, list]) -> _Block:
    """One (indicator, year)'s counts, equations and checks, as a reader writes them (and the
    leaks its shown figures give outright: whole less shown parts)."""
    unit = rows["unit"][0]
    block = _Block(indicator_id, year, unit)
    distribution = any(category != "" for category in rows["category"])
    area_types = list(zip(rows["area_code"], rows["area_type"], strict=True))
    council = _unique(area for area, kind in area_types if kind == "council")
    assert len(council) == 1, f"{indicator_id} {year}: not one council area"
    council = council[0]
    districts = _unique(area for area, kind in area_types if kind == "district")
    bands = [b for b in _unique(rows["age_band"]) if b != ALL_AGES]
    categories = _unique(rows["category"])
    areas = [*districts, council]

    series = ["numerator"]
    if unit in ("percent", "mean") and not distribution:
        series.append("denominator")
    columns = [rows[c] for c in ["area_code", "age_band", "category", "symbol", *series]]
    withheld = set()
    for area, band, category, symbol, *values in zip(*columns, strict=True):
        cell = (area, band, category)
        for name, value in zip(series, values, strict=True):
            if not pd.isna(value):
                block.known[(name, *cell)] = float(value)
                if symbol == "c":  # withheld, but known from elsewhere
                    block.given.add((name, *cell))
            elif symbol in NO_DATA:
                block.known[(name, *cell)] = 0.0
            else:
                block.variable((name, *cell))
        if symbol == "c":
            withheld.add(cell)
    if "exact_numerator" in rows:  # a distribution's denominator is its cell's total
        exact = ["area_code", "age_band", "category", "exact_numerator", "exact_denominator"]
        for area, band, category, numerator, denominator in zip(
            *(rows[c] for c in exact), strict=True
        ):
            block.exact["numerator", area, band, category] = numerator
            block.exact["denominator", area, band, category] = denominator
            block.exact["total", area, band, ""] = denominator

    families = [(s, categories) for s in series]
    if distribution and unit != "count":  # every category of a cell sums to the cell's total
        _totals(block, rows)
        families.append(("total", [""]))
    remainders = defaultdict(dict)
    parts_of = {}
    for name, cats in families:
        for category in cats:
            for band in [*bands, ALL_AGES]:
                whole = (name, council, band, category)
                parts = [(name, d, band, category) for d in districts]
                remainders[whole[1:], "districts"][name] = block.equation(whole, parts, "districts")
                parts_of[whole[1:], "districts"] = [p[1:] for p in parts]
            for area in areas if bands else ():
                whole = (name, area, ALL_AGES, category)
                parts = [(name, area, b, category) for b in bands]
                remainders[whole[1:], "age bands"][name] = block.equation(whole, parts, "age bands")
                parts_of[whole[1:], "age bands"] = [p[1:] for p in parts]
    if distribution and unit != "count":
        for area in areas:
            for band in [*bands, ALL_AGES]:
                parts = [("numerator", area, band, k) for k in categories]
                remainders[(area, band, ""), "categories"]["numerator"] = block.equation(
                    ("total", area, band, ""), parts, "categories"
                )

    _check_remainders(block, unit, remainders)
    if distribution and unit != "count":
        _behind_percentages(block, remainders, parts_of)
    _add_checks(block, unit, distribution, withheld)
    block.checks = [check for check in block.checks if check.terms]  # else known elsewhere
    return block


def _unique(values) -> list:
    """The distinct values, in the order they come (as pandas' unique: they are strings)."""
    return list(dict.fromkeys(values))


def _totals(block: _Block, rows: dict[str, list]) -> None:
    """A distribution's cell total: the largest denominator any of its rows shows, else unknown
    (zero if every row has no data)."""
    totals, no_data = {}, {}
    columns = [rows[c] for c in ("area_code", "age_band", "denominator", "symbol")]
    for area, band, denominator, symbol in zip(*columns, strict=True):
        key = ("total", area, band, "")
        if not pd.isna(denominator):
            totals[key] = max(totals.get(key, denominator), denominator)
        no_data[key] = no_data.get(key, True) and symbol in NO_DATA
    for key, empty in no_data.items():
        if key in totals:
            block.known[key] = float(totals[key])
        elif empty:
            block.known[key] = 0.0
        else:
            block.variable(key)


def _check_remainders(block: _Block, unit: str, remainders: dict) -> None:
    """A whole less its shown parts: what its withheld parts sum to, which must not be a small
    count (nor, behind a percentage or mean, fewer than FEW children). A distribution's cell
    total is a count of children in its own right (children in care, say): what its withheld
    parts leave must not be a small count (fewer than FEW behind a category's percentage is
    checked by _behind_percentages)."""
    limits = {"numerator": SMALL, "complement": SMALL, "denominator": FEW - 1, "total": SMALL}
    if unit == "mean":
        del limits["numerator"]  # a total of scores, not of children
    for (cell, family), found in remainders.items():
        sums = {name: total for name, total in found.items() if total is not None}
        if unit == "percent" and {"numerator", "denominator"} <= set(sums):
            sums["complement"] = sums["denominator"] - sums["numerator"]
        for name, total in sums.items():
            if name in limits and 1 - EPS <= total <= limits[name] + EPS:
                count = NAMES.get(name, name)
                block.leak(cell, count, total, total, f"the sum of its withheld {family}")


def _behind_percentages(block: _Block, remainders: dict, parts_of: dict) -> None:
    """A category's shown whole less its shown parts leaves the withheld parts' children in
    that category, out of their cells' totals: a percentage, which must rest on at least FEW."""
    for (cell, family), found in remainders.items():
        if not cell[2] or found.get("numerator") is None:
            continue
        shown = [p for p in parts_of[cell, family] if ("numerator", *p) in block.known]
        totals = [("total", *c[:2], "") for c in [cell, *shown]]
        if all(t in block.known for t in totals):
            left = block.known[totals[0]] - sum(block.known[t] for t in totals[1:])
            if 1 - EPS <= left <= FEW - 1 + EPS:
                how = f"the total of its withheld {family}, behind a percentage"
                block.leak(cell, "denominator", left, left, how)


def _add_checks(block: _Block, unit: str, distribution: bool, withheld: set) -> None:
    """The counts of each withheld cell a reader must not work out."""
    for cell in sorted(withheld):
        n = block.linear([(("numerator", *cell), 1.0)])
        if unit != "mean":
            block.checks.append(_Check(cell, "numerator", *n))
        if distribution and unit != "count":
            total = ("total", cell[0], cell[1], "")
            c = block.linear([(total, 1.0), (("numerator", *cell), -1.0)])
            block.checks.append(_Check(cell, "complement", *c))  # not negative: T = sum(n)
        elif unit in ("percent", "mean"):
            d = block.linear([(("denominator", *cell), 1.0)])
            block.checks.append(_Check(cell, "denominator", *d))
            if unit == "percent":
                c = block.linear([(("denominator", *cell), 1.0), (("numerator", *cell), -1.0)])
                block.checks.append(_Check(cell, "complement", *c))
                block.inequalities.append(({v: -x for v, x in c[0].items()}, c[1]))
    if distribution and unit != "count":  # each unknown cell total, once
        cells = {w[:2] for w in withheld}
        for key in block.unknown:
            if key[0] == "total" and key[1:3] in cells:
                t = block.linear([(key, 1.0)])
                block.checks.append(_Check(key[1:], "denominator", *t))


def _solve(block: _Block, witnesses: list = ()) -> list[dict]:
    """Flag each check a reader can work out, or confine to 1..SMALL: first by tightening
    bounds through the equations, then, on what is left, by linear programs and algebra.
    `witnesses`: points an earlier audit of the block found, each the true point (the block's
    exact counts) but for the values it names ({unknown's key: value}); those that fit every
    equation, inequality and bound start the checks' ranges. Returns those and the points
    found here, for the next audit (none without the true point)."""
    n = len(block.unknown)
    rows = len(block.checks) + len(block.equations) + len(block.inequalities)
    matrix = _dense_rows if n * rows <= DENSE else _sparse
    a_eq, b_eq = matrix(block.equations, n)
    a_ub, b_ub = matrix(block.inequalities, n)
    scores = [block.is_score(key) for key in block.unknown]
    bound = 2 * sum(abs(v) for v in block.known.values()) + 1000
    low, high = _propagate(a_eq, b_eq, a_ub, b_ub, ~np.array(scores, dtype=bool), bound)
    if (low > high + EPS).any():
        block.leak(("", "", ""), "", np.nan, np.nan, "the shown figures cannot all be true")
        return []

    fixed = high - low < EPS
    point = _exact_point(block, a_eq, b_eq, a_ub, b_ub, low, high)
    names = list(block.unknown)  # each variable's key, in order
    seeds = []  # the witnesses that fit, and each as the point it is
    for moved in [] if point is None else witnesses:
        x = point.copy()
        for key, value in moved.items():
            if key in block.unknown:
                x[block.unknown[key]] = value
        if _fits(x, a_eq, b_eq, a_ub, b_ub, low, high):
            seeds.append((moved, x))
    functions, _ = matrix([(check.terms, 0) for check in block.checks], n)
    constants = np.array([check.constant for check in block.checks])
    if sparse.issparse(functions):
        positive, negative = functions.maximum(0), functions.minimum(0)
    else:
        positive, negative = np.maximum(functions, 0), np.minimum(functions, 0)
    least = constants + positive @ low + negative @ high
    most = constants + positive @ high + negative @ low
    safe = _safe(least, most)
    for i in np.flatnonzero(~safe):
        _report(block, block.checks[i], least[i], most[i])
    if not safe.any():
        return [moved for moved, _ in seeds]

    # What is left: the unknowns not yet pinned, in groups no equation or inequality links.
    free = np.flatnonzero(~fixed)
    left = np.flatnonzero(safe)
    constants = constants[left] + functions[left][:, fixed] @ low[fixed]
    functions = functions[left][:, free]
    b_eq = b_eq - a_eq[:, fixed] @ low[fixed]
    b_ub = b_ub - a_ub[:, fixed] @ low[fixed]
    a_eq, a_ub = a_eq[:, free], a_ub[:, free]
    several = _terms(a_ub) > 1  # the bounds already hold an inequality of one unknown
    a_ub, b_ub = a_ub[several], b_ub[several]
    label = _linked(a_eq, a_ub)
    group = _row_labels(functions, label)  # a check's unknowns are all in one group
    eq_label = _row_labels(a_eq, label)
    ub_label = _row_labels(a_ub, label)
    found = []  # each group's points, as the values they move from the true point
    for i in dict.fromkeys(group):  # the groups in the order of their first check
        members = np.flatnonzero(label == i)
        mine, eq, ub = group == i, eq_label == i, ub_label == i
        points = _solve_component(
            block, [block.checks[c] for c in left[mine]],
            (_dense(functions[mine][:, members]), constants[mine]),
            (_dense(a_eq[eq][:, members]), b_eq[eq]), (_dense(a_ub[ub][:, members]), b_ub[ub]),
            np.column_stack([low[free][members], high[free][members]]),
            None if point is None else point[free][members],
            [x[free][members] for _, x in seeds],
        )  # fmt: skip
        if point is not None:
            true, keys = point[free][members], [names[v] for v in free[members]]
            found.append([
                {keys[j]: x[j] for j in np.flatnonzero(x != true)} for x in points
            ])  # fmt: skip
    # The groups share no unknown: each group's k-th point, together, is one point.
    together = zip_longest(*found, fillvalue={})
    news = [dict(chain(*(m.items() for m in k))) for k in together]
    return (news + [moved for moved, _ in seeds])[:WITNESSES]


def _exact_point(block: _Block, a_eq, b_eq, a_ub, b_ub, low, high) -> np.ndarray | None:
    """The unknowns' true values, if the caller gave them and they satisfy every equation,
    inequality and bound (else None: they are only a shortcut, never trusted)."""
    x = np.array([block.exact.get(key, np.nan) for key in block.unknown], dtype=float)
    if not block.exact or np.isnan(x).any():
        return None
    return x if _fits(x, a_eq, b_eq, a_ub, b_ub, low, high) else None


def _fits(x: np.ndarray, a_eq, b_eq, a_ub, b_ub, low, high) -> bool:
    """Does point x satisfy every equation, inequality and bound (a reader's solution)?"""
    tolerance = 1e-6 * (1 + np.abs(x).max(initial=0))
    return bool(
        (np.abs(a_eq @ x - b_eq) <= tolerance).all()
        and (a_ub @ x <= b_ub + tolerance).all()
        and (x >= low - tolerance).all()
        and (x <= high + tolerance).all()
    )


def _sparse(rows: list, n: int) -> tuple[sparse.csr_array, np.ndarray]:
    """(terms, rhs) rows as a sparse matrix and a right-hand side. Built as scipy would build it
    from (row, column) pairs (each row's columns in order), without its checks: much quicker."""
    items = [sorted(terms.items()) for terms, _ in rows]
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(terms) for terms in items], out=indptr[1:])
    indices = np.array([v for terms in items for v, _ in terms], dtype=np.int64)
    data = np.array([c for terms in items for _, c in terms], dtype=float)
    a = sparse.csr_array((data, indices, indptr), shape=(len(rows), n))
    return a, np.array([rhs for _, rhs in rows], dtype=float)


def _dense_rows(rows: list, n: int) -> tuple[np.ndarray, np.ndarray]:
    """(terms, rhs) rows as a dense array and a right-hand side: the same numbers as _sparse's,
    placed directly (a small block's matrices are built many times quicker so than through
    scipy's sparse constructors, then made dense)."""
    sizes = [len(terms) for terms, _ in rows]
    total = sum(sizes)
    columns = np.fromiter(chain.from_iterable(terms for terms, _ in rows), np.int64, total)
    data = np.fromiter(chain.from_iterable(terms.values() for terms, _ in rows), float, total)
    a = np.zeros((len(rows), n))
    a[np.repeat(np.arange(len(rows)), sizes), columns] = data
    return a, np.array([rhs for _, rhs in rows], dtype=float)


def _entries(a) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows, columns and values of a matrix's entries (dense or sparse), row by row."""
    if sparse.issparse(a):
        coo = a.tocoo()
        return coo.row, coo.col, coo.data
    row, column = np.nonzero(a)
    return row, column, a[row, column]


def _linked(*matrices) -> np.ndarray:
    """A label for each unknown (column), the same for unknowns that rows link, directly or
    through others: each row's least label spreads to its unknowns until none changes. The
    groups scipy's connected_components finds, without building a graph (for the demo's small
    blocks, that cost more than the rest of the grouping)."""
    entries = [_entries(a)[:2] for a in matrices]
    starts = np.cumsum([0] + [a.shape[0] for a in matrices])
    row = np.concatenate([r + start for (r, _), start in zip(entries, starts[:-1], strict=True)])
    column = np.concatenate([c for _, c in entries])
    label = np.arange(matrices[0].shape[1])
    while True:
        least = np.full(starts[-1], len(label))
        np.minimum.at(least, row, label[column])
        spread = label.copy()
        np.minimum.at(spread, column, least[row])
        spread = spread[spread]  # a label is an unknown of the same group: jump to its label
        if (spread == label).all():
            return label
        label = spread


def _row_labels(a, label: np.ndarray) -> np.ndarray:
    """The group of each row's unknowns (-1 for a row with none): that of its last unknown."""
    if sparse.issparse(a):
        first = np.full(a.shape[0], -1)
        coo = a.tocoo()
        first[coo.row] = label[coo.col]
        return first
    if not a.shape[1]:
        return np.full(a.shape[0], -1)
    entries = a[:, ::-1] != 0  # a dense array: no index of every entry needed
    last = a.shape[1] - 1 - entries.argmax(axis=1)
    return np.where(entries.any(axis=1), label[last], -1)


def _terms(a) -> np.ndarray:
    """The number of unknowns in each row of a matrix, dense or sparse."""
    return np.diff(a.indptr) if sparse.issparse(a) else np.count_nonzero(a, axis=1)


def _dense(a) -> np.ndarray:
    return a.toarray() if sparse.issparse(a) else a


def _propagate(a_eq, b_eq, a_ub, b_ub, counts, bound, rounds=50) -> tuple[np.ndarray, ...]:
    """Bounds on each unknown that the equations, inequalities and counts not negative (whole
    numbers, where they are counts of children) imply, tightened a number of rounds."""
    low, high = np.zeros(a_eq.shape[1]), np.full(a_eq.shape[1], float(bound))
    rows = [(*_entries(a), b, equal) for a, b, equal in ((a_eq, b_eq, True), (a_ub, b_ub, False))]
    for _ in range(rounds):
        before = low.copy(), high.copy()
        for r, v, c, b, equal in rows:
            least = np.where(c > 0, c * low[v], c * high[v])
            most = np.where(c > 0, c * high[v], c * low[v])
            others_least = np.bincount(r, least, len(b))[r] - least
            others_most = np.bincount(r, most, len(b))[r] - most
            upper = b[r] - others_least  # c * x <= upper, and for an equation >= lower
            lower = b[r] - others_most if equal else np.full(len(r), -np.inf)
            np.minimum.at(high, v, np.where(c > 0, upper, lower) / c)
            np.maximum.at(low, v, np.where(c > 0, lower, upper) / c)
        low = np.where(counts, np.ceil(low - EPS), low)
        high = np.where(counts, np.floor(high + EPS), high)
        if _close(before[0], low) and _close(before[1], high):
            break
    return low, high


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """np.allclose(a, b) for finite arrays (the bounds always are), without its overhead."""
    return bool((np.abs(a - b) <= 1e-8 + 1e-5 * np.abs(b)).all())


def _solve_component(
    block: _Block, checks, linear, equations, inequalities, bounds, point=None, seeds=()
) -> list[np.ndarray]:
    """The checks on one group of linked unknowns (`linear`: each check's coefficients and
    constant). Linear programs bound them: the first few move all the checks together, down and
    up to what each needs to be safe, and only the checks left open get programs of their own,
    after linear algebra finds those the equations determine. `point` (the true values) and
    `seeds` (points an earlier audit found): points the equations allow, to start from. Returns
    the points the programs found."""
    (functions, constants), (a_eq, b_eq), (a_ub, b_ub) = linear, equations, inequalities
    low, high = np.full(len(checks), np.inf), np.full(len(checks), -np.inf)
    points, program = [], None  # the programs' points; their model, made when first needed

    def widen(x: np.ndarray) -> None:
        """Widen each check's range by a point the equations allow."""
        values = functions @ x + constants
        np.minimum(low, values, out=low)
        np.maximum(high, values, out=high)

    def visit(objective: np.ndarray, caps: np.ndarray | None = None) -> float | None:
        """Minimise objective (with caps, maximise the checks where caps is finite, each up to
        its cap, together), and widen each check's range by the point found."""
        nonlocal program
        program = program or _Program(a_eq, b_eq, a_ub, b_ub, bounds)
        if caps is None:
            result = program.minimise(objective)
        else:
            chosen = np.isfinite(caps)
            result = program.raise_together(functions[chosen], constants[chosen], caps[chosen])
        if result is None:
            return None
        x, value = result
        points.append(x)
        widen(x)
        return value

    for x in (*seeds, *(() if point is None else (point,))):
        widen(x)
    if seeds and _safe(low, high).all():  # each safe already: no program needed
        return points
    if not seeds and visit(functions.sum(axis=0)) is None:  # all as low as they go
        block.leak(checks[0].cell, "", np.nan, np.nan, "the shown figures cannot all be true")
        return points
    exact = np.zeros(len(checks), dtype=bool)  # high is the check's maximum
    for _ in range(ROUNDS):
        before = (~_safe(low, high)).sum(), exact.sum()
        least = np.ceil(low - EPS)
        needed = np.where(least >= 1, np.maximum(SMALL + 1, least + 1), least + 1)
        up = ~_safe(low, high) & ~exact & (high < needed - EPS)
        if up.any():  # each up to one more than its least, and to SMALL + 1 if that is 1
            best = visit(np.zeros(functions.shape[1]), np.where(up, needed, np.inf))
            if best is not None and best > -EPS:  # none can be above zero
                exact |= up
        down = ~_safe(low, high) & (np.ceil(low - EPS) >= 1)
        if down.any():  # to zero, if they can
            visit(functions[down].sum(axis=0))
        if ((~_safe(low, high)).sum(), exact.sum()) == before:
            break

    open_checks = np.flatnonzero(~_safe(low, high))
    determined, solution = _determined(a_eq, b_eq, functions[open_checks])
    for i, known in zip(open_checks, determined, strict=True):
        if known:
            value = functions[i] @ solution + constants[i]
            _report(block, checks[i], value, value)
            continue
        if not exact[i]:
            if np.ceil(low[i] - EPS) >= 1:  # perhaps it can be less
                visit(functions[i])
            if not _safe(low[i], high[i]):
                visit(-functions[i])
        if not _safe(low[i], high[i]):
            _report(block, checks[i], low[i], high[i])
    return points


class _Program:
    """Linear programs over one group of unknowns, in one HiGHS model kept between them: each
    changes only the objective (or adds, then removes, the columns and rows it needs), so each
    starts from the basis the last one ended on."""

    def __init__(self, a_eq, b_eq, a_ub, b_ub, bounds):
        self.n = len(bounds)
        self.highs = highspy._Highs()  # the bare solver (highspy.Highs adds callbacks, a banner)
        self.highs.setOptionValue("output_flag", False)
        # Each program is small and starts from the last one's basis: presolving it again costs
        # more than it saves (about a tenth of the solver's time on the demo).
        self.highs.setOptionValue("presolve", "off")
        # A new objective leaves the last basis feasible, so primal simplex goes on from it (the
        # dual must first regain its own feasibility): the joint solves of the bounds, programs
        # of some 900 unknowns, took a fifth less time (21.1 s to 17.2 s on the demo, alone).
        self.highs.setOptionValue("simplex_strategy", 4)
        self.highs.addCols(self.n, np.zeros(self.n), bounds[:, 0], bounds[:, 1], 0, [], [], [])
        self._add_rows(
            np.vstack([a_eq, a_ub]),
            np.concatenate([b_eq, np.full(len(b_ub), -np.inf)]),
            np.concatenate([b_eq, b_ub]),
        )

    def minimise(self, objective: np.ndarray) -> tuple[np.ndarray, float] | None:
        """The point found and the objective's least value; None if there is none."""
        self.highs.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), objective)
        return self._run()

    def raise_together(self, functions, constants, caps) -> tuple[np.ndarray, float] | None:
        """Maximise sum(t / cap) with t <= cap and t <= function + constant, for each function:
        each as far up as its cap, together. Returns the point and -sum(t / cap)."""
        k = len(caps)
        self.highs.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), np.zeros(self.n))
        self.highs.addCols(k, -1 / caps, np.full(k, -np.inf), caps, 0, [], [], [])
        self._add_rows(-functions, np.full(k, -np.inf), constants, own=True)
        result = self._run()
        rows = self.highs.getNumRow()
        self.highs.deleteRows(k, np.arange(rows - k, rows, dtype=np.int32))
        self.highs.deleteCols(k, np.arange(self.n, self.n + k, dtype=np.int32))
        return result

    def _add_rows(self, a: np.ndarray, lower: np.ndarray, upper: np.ndarray, own=False) -> None:
        """Rows `a` over the unknowns; with `own`, each also with 1 in its own new column (the
        columns added last, one a row: a dense identity beside `a` took a large program's
        programs seconds to build)."""
        row, column = np.nonzero(a)  # row by row, as HiGHS takes them
        value = a[row, column]
        if own:  # after each row's entries: its column is beyond every unknown's
            ends = np.searchsorted(row, np.arange(len(a)), side="right")
            row = np.insert(row, ends, np.arange(len(a)))
            column = np.insert(column, ends, self.n + np.arange(len(a)))
            value = np.insert(value, ends, 1.0)
        starts = np.searchsorted(row, np.arange(len(a))).astype(np.int32)
        self.highs.addRows(len(a), lower, upper, len(row), starts, column.astype(np.int32), value)

    def _run(self) -> tuple[np.ndarray, float] | None:
        self.highs.run()
        if self.highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        x = np.array(self.highs.getSolution().col_value[: self.n])
        return x, self.highs.getInfo().objective_function_value


def _determined(a_eq, b_eq, functions) -> tuple[np.ndarray, np.ndarray]:
    """Which functions of the unknowns the equations determine (they lie in the equations' row
    space, orthogonal to their kernel), and a solution to read their values from."""
    if not len(functions) or not a_eq.shape[0]:
        return np.zeros(len(functions), dtype=bool), np.zeros(functions.shape[1])
    eigenvalues, vectors = np.linalg.eigh(a_eq.T @ a_eq)
    rank = eigenvalues > 1e-9 * eigenvalues.max()
    kernel, rows = vectors[:, ~rank], vectors[:, rank]
    solution = rows @ ((rows.T @ (a_eq.T @ b_eq)) / eigenvalues[rank])
    return np.abs(functions @ kernel).max(axis=1, initial=0) < 1e-8, solution


def _safe(low: float, high: float) -> bool:
    """Can a count of children that takes values low and high (or anything between) be any of
    at least two whole numbers, not all from 1 to SMALL?"""
    low, high = np.ceil(low - EPS), np.floor(high + EPS)
    return (high - low >= 1) & ((low < 1) | (high > SMALL))


def _report(block: _Block, check: _Check, low: float, high: float) -> None:
    low, high = np.ceil(low - EPS), np.floor(high + EPS)
    how = "worked out" if high <= low else f"known to be from 1 to {SMALL}"
    block.leak(check.cell, check.count, low, max(low, high), how)
