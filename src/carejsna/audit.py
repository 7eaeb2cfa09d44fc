"""What a reader can work out from protected figures: the equations they imply, solved."""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

ALL_AGES = "All ages"
SMALL = 4  # a count of 1 to SMALL children must not be worked out
FEW = 10  # nor the number of children, under FEW, behind a percentage or average
NO_DATA = ("x", "z")  # a blank count on such a row is read as zero: the area has none
EPS = 1e-6
NAMES = {"numerator": "numerator", "denominator": "denominator", "total": "denominator"}
ROUNDS = 10  # linear programs that move many checks together, before one each


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

    def variable(self, key: tuple) -> int:
        return self.unknown.setdefault(key, len(self.unknown))

    def linear(self, pairs) -> tuple[dict[int, float], float]:
        """sum(coefficient * count): the unknowns' coefficients and the known part."""
        terms: dict[int, float] = defaultdict(float)
        constant = 0.0
        for key, coefficient in pairs:
            if key in self.unknown:
                terms[self.unknown[key]] += coefficient
            else:
                constant += coefficient * self.known.get(key, 0.0)  # a missing row has no data
        return dict(terms), constant

    def leak(self, cell: tuple, count: str, low: float, high: float, how: str) -> None:
        low, high = round(float(low), 6) + 0.0, round(float(high), 6) + 0.0
        self.leaks.append(Leak(self.indicator_id, self.year, *cell, count, low, high, how))

    def equation(self, whole: tuple, parts: list[tuple], family: str) -> float | None:
        """whole = sum(parts); when the whole is known, what its unknown parts sum to."""
        terms, constant = self.linear([(whole, 1.0)] + [(p, -1.0) for p in parts])
        if not terms:
            if abs(constant) > EPS * max(1.0, abs(self.known.get(whole, 0.0))):
                self.leak(whole[1:], NAMES[whole[0]], np.nan, np.nan, f"{family} do not add up")
            return None
        self.equations.append((terms, -constant))
        return constant if whole in self.known and len(terms) > 1 else None


def telling(leak: Leak) -> bool:
    """A leak that tells something of children: a count of 1 to SMALL (or fewer than FEW behind
    a percentage or average), a withheld count of children worked out exactly (not a zero: zeros
    are shown as zeros), or figures that do not add up. A complement worked out while its
    numerator is not (the cell's total unknown) tells neither."""
    top = FEW - 1 if leak.count == "denominator" else SMALL
    small = np.isnan(leak.low) or (leak.low >= 1 and leak.high <= top)
    return small or (leak.low > 0 and leak.high - leak.low < EPS and leak.count != "complement")


def audit(figures: pd.DataFrame, workers: int = 1) -> list[Leak]:
    """Every leak in a figures extract, one (indicator, year) at a time, in `workers` processes.

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
    blocks = [
        (str(indicator_id), int(year), rows)
        for (indicator_id, year), rows in figures[columns].groupby(["indicator_id", "year"])
        if (rows["symbol"] == "c").any()
    ]
    if workers > 1 and len(blocks) > 1:
        with ProcessPoolExecutor(workers) as pool:
            found = list(pool.map(_audit_block, *zip(*blocks, strict=True), chunksize=4))
    else:
        found = [_audit_block(*block) for block in blocks]
    return [leak for leaks in found for leak in leaks]


def _audit_block(indicator_id: str, year: int, rows: pd.DataFrame) -> list[Leak]:
    unit = rows["unit"].iloc[0]
    block = _Block(indicator_id, year, unit)
    distribution = bool((rows["category"] != "").any())
    council = rows.loc[rows["area_type"] == "council", "area_code"].unique()
    assert len(council) == 1, f"{indicator_id} {year}: not one council area"
    council = council[0]
    districts = list(rows.loc[rows["area_type"] == "district", "area_code"].unique())
    bands = [b for b in rows["age_band"].unique() if b != ALL_AGES]
    categories = list(rows["category"].unique())
    areas = [*districts, council]

    series = ["numerator"]
    if unit in ("percent", "mean") and not distribution:
        series.append("denominator")
    columns = [rows[c].tolist() for c in ["area_code", "age_band", "category", "symbol", *series]]
    withheld = set()
    for area, band, category, symbol, *values in zip(*columns, strict=True):
        cell = (area, band, category)
        for name, value in zip(series, values, strict=True):
            if not pd.isna(value):
                block.known[(name, *cell)] = float(value)
            elif symbol in NO_DATA:
                block.known[(name, *cell)] = 0.0
            else:
                block.variable((name, *cell))
        if symbol == "c":
            withheld.add(cell)

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
    _solve(block)
    return block.leaks


def _totals(block: _Block, rows: pd.DataFrame) -> None:
    """A distribution's cell total: the largest denominator any of its rows shows, else unknown
    (zero if every row has no data)."""
    cells = rows.assign(no_data=rows["symbol"].isin(NO_DATA))
    cells = cells.groupby(["area_code", "age_band"], sort=False)
    cells = cells.agg(total=("denominator", "max"), no_data=("no_data", "all"))
    for (area, band), total, no_data in cells.itertuples(name=None):
        key = ("total", area, band, "")
        if not pd.isna(total):
            block.known[key] = float(total)
        elif no_data:
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


def _solve(block: _Block) -> None:
    """Flag each check a reader can work out, or confine to 1..SMALL: first by tightening
    bounds through the equations, then, on what is left, by linear programs and algebra."""
    n = len(block.unknown)
    a_eq, b_eq = _sparse(block.equations, n)
    a_ub, b_ub = _sparse(block.inequalities, n)
    scores = [key[0] == "numerator" and block.unit == "mean" for key in block.unknown]
    bound = 2 * sum(abs(v) for v in block.known.values()) + 1000
    low, high = _propagate(a_eq, b_eq, a_ub, b_ub, ~np.array(scores, dtype=bool), bound)
    if (low > high + EPS).any():
        block.leak(("", "", ""), "", np.nan, np.nan, "the shown figures cannot all be true")
        return

    fixed = high - low < EPS
    checks = []
    for check in block.checks:
        least = check.constant + sum(min(c * low[v], c * high[v]) for v, c in check.terms.items())
        most = check.constant + sum(max(c * low[v], c * high[v]) for v, c in check.terms.items())
        if not _safe(least, most):
            _report(block, check, least, most)
            continue
        constant = check.constant + sum(c * low[v] for v, c in check.terms.items() if fixed[v])
        terms = {v: c for v, c in check.terms.items() if not fixed[v]}
        checks.append(_Check(check.cell, check.count, terms, constant))
    if not checks:
        return

    # What is left: the unknowns not yet pinned, in groups no equation or inequality links.
    free = np.flatnonzero(~fixed)
    column = np.full(n, -1)
    column[free] = np.arange(len(free))
    b_eq = b_eq - a_eq[:, fixed] @ low[fixed]
    b_ub = b_ub - a_ub[:, fixed] @ low[fixed]
    a_eq, a_ub = a_eq[:, free], a_ub[:, free]
    several = np.diff(a_ub.indptr) > 1  # the bounds already hold an inequality of one unknown
    a_ub, b_ub = a_ub[several], b_ub[several]
    links = abs(a_eq).T @ abs(a_eq) + abs(a_ub).T @ abs(a_ub)
    _, label = connected_components(links, directed=False)
    by_component = defaultdict(list)
    for check in checks:
        check.terms = {column[v]: c for v, c in check.terms.items()}
        by_component[label[next(iter(check.terms))]].append(check)
    eq_label = _row_labels(a_eq, label)
    ub_label = _row_labels(a_ub, label)
    for i, group in by_component.items():
        members = np.flatnonzero(label == i)
        eq, ub = eq_label == i, ub_label == i
        _solve_component(
            block, group, members, (a_eq[eq][:, members].toarray(), b_eq[eq]),
            (a_ub[ub][:, members].toarray(), b_ub[ub]),
            np.column_stack([low[free][members], high[free][members]]),
        )  # fmt: skip


def _sparse(rows: list, n: int) -> tuple[sparse.csr_array, np.ndarray]:
    """(terms, rhs) rows as a sparse matrix and a right-hand side."""
    r = [i for i, (terms, _) in enumerate(rows) for _ in terms]
    v = [v for terms, _ in rows for v in terms]
    c = [c for terms, _ in rows for c in terms.values()]
    a = sparse.csr_array((c, (r, v)), shape=(len(rows), n))
    return a, np.array([rhs for _, rhs in rows], dtype=float)


def _row_labels(a: sparse.csr_array, label: np.ndarray) -> np.ndarray:
    """The group of each row's unknowns (-1 for a row with none)."""
    first = np.full(a.shape[0], -1)
    coo = a.tocoo()
    first[coo.row] = label[coo.col]
    return first


def _propagate(a_eq, b_eq, a_ub, b_ub, counts, bound, rounds=50) -> tuple[np.ndarray, ...]:
    """Bounds on each unknown that the equations, inequalities and counts not negative (whole
    numbers, where they are counts of children) imply, tightened a number of rounds."""
    low, high = np.zeros(a_eq.shape[1]), np.full(a_eq.shape[1], float(bound))
    for _ in range(rounds):
        before = low.copy(), high.copy()
        for a, b, equal in ((a_eq.tocoo(), b_eq, True), (a_ub.tocoo(), b_ub, False)):
            r, v, c = a.row, a.col, a.data
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
        if np.allclose(before[0], low) and np.allclose(before[1], high):
            break
    return low, high


def _solve_component(block: _Block, checks, members, equations, inequalities, bounds) -> None:
    """The checks on one group of linked unknowns. Linear programs bound them: the first few
    move all the checks together, down and up to what each needs to be safe, and only the
    checks left open get programs of their own, after linear algebra finds those the equations
    determine."""
    (a_eq, b_eq), (a_ub, b_ub) = equations, inequalities
    functions = np.zeros((len(checks), len(members)))
    for i, check in enumerate(checks):
        for v, c in check.terms.items():
            functions[i, np.searchsorted(members, v)] = c
    constants = np.array([check.constant for check in checks])
    low, high = np.full(len(checks), np.inf), np.full(len(checks), -np.inf)

    def visit(objective: np.ndarray, caps: np.ndarray | None = None) -> float | None:
        """Minimise objective (with caps, maximise the checks where caps is finite, each up to
        its cap, together), and widen each check's range by the point found."""
        a, a_ub_, b_ub_, c, box = a_eq, a_ub, b_ub, objective, bounds
        if caps is not None:  # t <= cap and t <= check, for each chosen check; maximise sum(t)
            chosen = np.isfinite(caps)
            n = int(chosen.sum())
            a = np.hstack([a_eq, np.zeros((len(a_eq), n))])
            a_ub_ = np.block([[a_ub, np.zeros((len(a_ub), n))], [-functions[chosen], np.eye(n)]])
            b_ub_ = np.concatenate([b_ub, constants[chosen]])
            c = np.concatenate([np.zeros(len(members)), -1 / caps[chosen]])
            box = np.vstack([bounds, np.column_stack([np.full(n, -np.inf), caps[chosen]])])
        result = linprog(
            c, A_ub=a_ub_ if len(a_ub_) else None, b_ub=b_ub_ if len(a_ub_) else None,
            A_eq=a if len(a) else None, b_eq=b_eq if len(a) else None,
            bounds=box, method="highs",
        )  # fmt: skip
        if result.status != 0:
            return None
        values = functions @ result.x[: len(members)] + constants
        np.minimum(low, values, out=low)
        np.maximum(high, values, out=high)
        return result.fun

    if visit(functions.sum(axis=0)) is None:  # every check as low as it goes, together
        block.leak(checks[0].cell, "", np.nan, np.nan, "the shown figures cannot all be true")
        return
    exact = np.zeros(len(checks), dtype=bool)  # high is the check's maximum
    for _ in range(ROUNDS):
        before = (~_safe(low, high)).sum(), exact.sum()
        least = np.ceil(low - EPS)
        needed = np.where(least >= 1, np.maximum(SMALL + 1, least + 1), least + 1)
        up = ~_safe(low, high) & ~exact & (high < needed - EPS)
        if up.any():  # each up to one more than its least, and to SMALL + 1 if that is 1
            best = visit(np.zeros(len(members)), np.where(up, needed, np.inf))
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
