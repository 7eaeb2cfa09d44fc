"""Forecasts of children in care: a stock-and-flow model fitted on the returns, with scenarios,
costs and a back-test against naive forecasts.

The model is the kind councils already use (data-to-insight's children's services demand model).
A state is an age band and a placement category; "not in care" is where children come from and
go to. Over a reference period (by default the last three years of returns) the daily rate of
each move between categories, of leaving care from each state, and of entering care into each
state are measured from every child's episodes (queries/forecast/care_segments.sql). The stock
at the end of the period is projected forward a day at a time: each child in a state moves with
the measured daily probabilities (a multinomial draw), entrants arrive (a Poisson number), and
children move up an age band, or leave care at 18, on their birthdays (the stock is held by
month of birth, so ageing happens on the day it does). The mean and the covariance of the
numbers in each state are carried forward exactly, step by step: the central forecast and its
95% interval (normal, mean +/- 1.96 standard deviations, not below zero).
"""

from __future__ import annotations

import math
import tomllib
from calendar import monthrange
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property, lru_cache
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from carejsna import db, disclosure, stats
from carejsna import indicators as ind

QUERIES = db.QUERIES_DIR / "forecast"
CATEGORIES = {
    "fostering": "Fostering",
    "residential": "Residential",
    "supported": "Supported or independent living",
    "other": "Other",
}
KEYS = tuple(CATEGORIES)
KEY_INDEX = {key: i for i, key in enumerate(KEYS)}  # a category's place in KEYS
ALL_AGES, ALL_PLACEMENTS = "All ages", "All placements"
LEAVING_AGE = 18  # care ends at the 18th birthday
REFERENCE_YEARS = 3  # the default reference period: the last three years of returns
BACKTEST_YEARS = 3  # the back-test predicts the last three years from the returns before them
LEVEL = 0.95
COSTS_FILE = Path(__file__).with_name("forecast_costs.toml")
METHODS = {"model": "Model", "last_year": "Last year carried forward", "trend": "Linear trend"}


def march_31(year: int) -> date:
    return date(year, 3, 31)


def _month(day) -> int:
    """Months since year 0 of a date's month: a child born in that month is 0 months old on
    its 1st (a birthday is taken as the 1st of the birth month)."""
    return day.year * 12 + day.month - 1


# Reading the returns ------------------------------------------------------------------------


def segments(
    con, returns_to: int, districts: tuple[str, ...] = (), kept: tuple[int, ...] = ()
) -> pd.DataFrame:
    """Every child's care, cut into pieces in one age band and placement category, from the
    returns up to `returns_to` (queries/forecast/care_segments.sql): as the build kept them
    (`kept`: the returns_to it kept them for, kept_years) or worked out now."""
    name = "kept_segments" if returns_to in kept else "care_segments"
    pieces = db.run_arrow(con, name, QUERIES, returns_to=returns_to, districts=list(districts))
    return pieces.to_pandas(date_as_object=False).astype(TYPES)


# Dates as DuckDB's own frames give them; codes as categories, which the model maps
# to numbers a dozen times over: a map of a few categories rather than of every piece's text
# (at national scale, a second of a council's forecast).
TYPES = dict.fromkeys(("start_date", "end_date"), "datetime64[us]") | dict.fromkeys(
    ("age_band", "category", "end_event", "next_category"), "category"
)


KEPT = "care_segments"  # the pieces, beside the extracts (keep)


def kept_years(years) -> tuple[int, ...]:
    """The returns a forecast's pieces are read up to: the last, and the one its back-test fits
    to (backtest_years) where the returns reach back that far."""
    back = years[-1] - BACKTEST_YEARS
    return (back, years[-1]) if back >= years[0] else (years[-1],)


def keep(folder: Path) -> None:
    """A step of the build, after the figures: every child's pieces (care_segments.sql, the
    whole council) for each of kept_years, worked out once into care_segments.parquet beside
    the extracts, in the query's order (district, child, start date; a read for some districts
    skips the others' row groups), the earlier returns first. Record-level, as the extracts
    are: `carejsna publish` does not copy it."""
    sql = db.query("care_segments", QUERIES).sql
    con = db.connect(folder, load=False, views=False)  # the query reads the extracts alone
    try:
        parts = []
        for returns_to in kept_years(db.metadata(folder)["years"]):  # earlier first
            part = con.sql(sql, params={"returns_to": returns_to, "districts": []})
            part = part.to_arrow_table()
            parts.append(part.append_column("returns_to", pa.repeat(returns_to, len(part))))
    finally:
        con.close()
    pq.write_table(pa.concat_tables(parts), folder / f"{KEPT}.parquet")
    remember(folder)


# The forecasts a reader first sees, worked out once ---------------------------------------------

BASELINE, BACKTEST, COUNTED = "forecast_baseline", "forecast_backtest", "forecast_counts"
AREAS_A_GROUP = 32  # areas in each of their row groups
REMEMBERED = (BASELINE, BACKTEST)  # beside the extracts (remember)


def remember(folder: Path) -> None:
    """A step of the build, after keep: for the council and for each district alone, on the
    default reference period, what its forecast and back-test are fitted on (counted: the
    COUNTED file), then from those counts the forecast a reader sees first (the baseline, three
    years ahead) and its back-test (the REMEMBERED files), all beside the extracts. Choosing an
    area then reads them rather than fitting, projecting and back-testing again, and choosing
    several districts adds their counts up rather than reading their children's care: the same
    numbers, to the bit. Record-level, as the pieces are: `carejsna publish` does not copy them."""
    _remember_each(folder, {COUNTED: count})  # first: the forecasts are made from the counts
    _remember_each(folder, {BASELINE: lambda *a: _flat(baseline(*a)), BACKTEST: run_backtest})


def _remember_each(folder: Path, makers: dict) -> None:
    """Each maker's rows (for an area's inputs and default reference period) for the council
    and each district alone, written to its file (the maker's name) beside the extracts."""
    con, made = db.connect(folder, load=False, views=False), {name: [] for name in makers}
    try:
        codes = db.table(con, "districts")["district_code"].tolist()
        for districts in [(), *((code,) for code in codes)]:
            # worked out afresh, whatever files an earlier build left in the folder
            inputs = replace(_inputs(con, folder, districts), remembered=False,
                             counted=COUNTED not in makers)  # fmt: skip
            reference_from = check_years(inputs, 3, None)
            area = {"area": inputs.area_code, "reference_from": reference_from}
            for name, make in makers.items():
                made[name].append(make(inputs, reference_from).assign(**area))
    finally:
        con.close()
    for name, parts in made.items():
        # Some 32 areas' rows a row group: at national scale a read skips all but one group,
        # and the file's footer stays short (read again by each query).
        size = AREAS_A_GROUP * max(1, *(len(part) for part in parts))
        frame = pd.concat(parts, ignore_index=True)
        frame.to_parquet(folder / f"{name}.parquet", index=False, row_group_size=size)


PARTS = ("exposure", "moves", "exits", "entries", "entry_ages")  # a fit's Rates, as counted


def count(inputs: Inputs, reference_from: int) -> pd.DataFrame:
    """What the forecast on reference_from and its back-test are fitted on, from the area's
    pieces, as rows (fitted_to, part, cell, value): each fit's counts (Rates' PARTS, as arrays
    in C order), the stock at its start by month of birth and placement (cell: month x len(KEYS)
    + category; none where there are no children) and the children in care at each 31 March
    from the first return to the one it fits to (in_care, as those returns gave them)."""
    fits = [(reference_from, inputs.years[-1]), backtest_years(inputs, reference_from)]
    rows = []
    for fit_from, fitted_to in [fit for fit in fits if fit is not None]:
        pieces = inputs.known(fitted_to)
        made = model(pieces, inputs.bands, fit_from, fitted_to)
        years = range(inputs.years[0], fitted_to + 1)
        arrays = {p: getattr(made.rates, p) for p in PARTS}
        arrays["in_care"] = _in_care_counts(pieces, years, inputs.bands)
        month, category, children = _stock_cells(made.stock)
        held = children > 0
        parts = [(name, np.arange(a.size), a.reshape(-1)) for name, a in arrays.items()]
        parts.append(("stock", (month * len(KEYS) + category)[held], children[held]))
        rows.append(pd.DataFrame({
            "fitted_to": fitted_to,
            "part": np.repeat([name for name, *_ in parts], [len(c) for _, c, _ in parts]),
            "cell": np.concatenate([c for _, c, _ in parts]).astype(np.int64),
            "value": np.concatenate([v for *_, v in parts]).astype(float),
        }))  # fmt: skip
    return pd.concat(rows, ignore_index=True)


def from_counts(inputs: Inputs, fit_from: int, fitted_to: int) -> tuple[Model, np.ndarray]:
    """The model fitted over fit_from to fitted_to on the returns up to fitted_to, and the
    children in care (year from the first return, band, category) at each 31 March to
    fitted_to, from the counts the build kept for the forecast on the default reference period
    (counts), added up over the chosen districts (Inputs.counts): the same, to the bit, as
    from their pieces together."""
    arrays = _count_arrays(inputs, fitted_to)
    month, category = np.divmod(arrays["stock_cells"], len(KEYS))
    held = pd.DataFrame({"birth_year": month // 12, "birth_month": month % 12 + 1,
                         "category": np.array(KEYS)[category],
                         "children": arrays["stock"].astype(np.int64)})  # fmt: skip
    rates = Rates(inputs.bands, *reference_period(fit_from, fitted_to),
                  **{p: arrays[p] for p in PARTS})  # fmt: skip
    fitted = Model(rates, held, march_31(fitted_to), fit_from, fitted_to)
    return fitted, arrays["in_care"].astype(np.int64)


def _count_arrays(inputs: Inputs, fitted_to: int) -> dict[str, np.ndarray]:
    """The chosen areas' counts (Inputs.counts) of the fit to fitted_to, each part as its
    array; the stock as its cells (stock_cells) and children (stock)."""
    rows = inputs.counts.filter(pc.equal(inputs.counts["fitted_to"], fitted_to))
    part, cell, value = (rows[c].to_numpy() for c in ("part", "cell", "value"))
    b, k = len(inputs.bands.names), len(KEYS)
    shapes = {"exposure": (b, k), "moves": (b, k, k), "exits": (b, k), "entries": (b, k),
              "entry_ages": (LEAVING_AGE,), "in_care": (-1, b, k)}  # fmt: skip
    arrays = {name: value[part == name].reshape(shape) for name, shape in shapes.items()}
    stock = part == "stock"
    return arrays | {"stock_cells": cell[stock], "stock": value[stock]}


def _flat(run: Projection) -> pd.DataFrame:
    """A projection as rows: each month end's mean and variance (band and All ages, by
    category and All placements, in that order), then each day's by category."""
    days, means, variances = zip(*run.records, strict=True)
    each_day, day_means, day_variances = run.daily
    size, k = means[0].size, len(KEYS)
    return pd.DataFrame(
        {
            "daily": np.repeat([False, True], [len(days) * size, len(each_day) * k]),
            "date": np.concatenate([np.repeat(np.array(days, dtype="datetime64[D]"), size),
                                    np.repeat(each_day, k)]),
            "mean": np.concatenate([np.stack(means).reshape(-1),
                                    day_means.reshape(-1)]),
            "variance": np.concatenate([np.stack(variances).reshape(-1),
                                        day_variances.reshape(-1)]),
        }
    )  # fmt: skip


def _unflat(rows: pa.Table, bands: Bands) -> Projection:
    """_flat's rows as the projection they came from."""
    daily = rows["daily"].to_numpy()
    dates = rows["date"].to_numpy().astype("datetime64[D]")
    mean, variance = (rows[c].to_numpy() for c in ("mean", "variance"))
    shape, k = (len(bands.names) + 1, len(KEYS) + 1), len(KEYS)
    size = shape[0] * shape[1]
    month, day = ~daily, daily
    records = zip(dates[month][::size].astype(object),
                  mean[month].reshape(-1, *shape), variance[month].reshape(-1, *shape),
                  strict=True)  # fmt: skip
    days = dates[day][::k], mean[day].reshape(-1, k), variance[day].reshape(-1, k)
    return Projection(list(records), days, bands.names)


def _counted(inputs: Inputs, reference_from: int | None = None) -> bool:
    """Whether the build counted what this forecast is fitted on (remember): the council or
    any districts, on the default reference period."""
    default = reference_from is None or reference_from == check_years(inputs, 3, None)
    return inputs.counted and default and inputs.counts.num_rows > 0  # counted for this period


def _remembered(inputs: Inputs, reference_from: int | None = None) -> bool:
    """Whether the build worked this forecast out (remember): the council or one district
    alone, on the default reference period."""
    return inputs.remembered and len(inputs.districts) <= 1 and _counted(inputs, reference_from)


def bands(con) -> Bands:
    """The age bands below the leaving age, youngest first, and each age's band."""
    table = db.table(con, "age_bands").sort_values("sort_order")
    return Bands.of(zip(table["age_band"], table["min_age"], strict=True))


@dataclass(frozen=True)
class Bands:
    names: tuple[str, ...]
    of_age: tuple[int, ...]  # the band (index into names) of each age 0 to 17

    @classmethod
    def of(cls, rows) -> Bands:
        """From (name, lowest age) pairs, youngest first."""
        rows = [(name, low) for name, low in rows if low < LEAVING_AGE]
        lows = [low for _, low in rows]
        of_age = tuple(
            int(np.searchsorted(lows, age, side="right")) - 1 for age in range(LEAVING_AGE)
        )
        return cls(tuple(name for name, _ in rows), of_age)


# The rates ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """What happened over the reference period, per age band (b) and placement category (k):
    child-days in care, moves between categories, exits from care, entries into care, and
    entrants by age in whole years. Rates are per child-day (moves, exits) or per day (entries)."""

    bands: Bands
    first_day: date
    day_after: date
    exposure: np.ndarray  # (b, k) child-days
    moves: np.ndarray  # (b, k from, k to)
    exits: np.ndarray  # (b, k)
    entries: np.ndarray  # (b, k)
    entry_ages: np.ndarray  # (18,) entrants at each age

    @property
    def days(self) -> int:
        return (self.day_after - self.first_day).days

    @property
    def move_rates(self) -> np.ndarray:
        return _per(self.moves, self.exposure[..., None])

    @property
    def exit_rates(self) -> np.ndarray:
        return _per(self.exits, self.exposure)

    @property
    def entry_rates(self) -> np.ndarray:
        return self.entries / self.days


def _per(count: np.ndarray, exposure: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(exposure > 0, count / np.where(exposure > 0, exposure, 1), 0.0)


def fit(pieces: pd.DataFrame, bands: Bands, first_day: date, day_after: date) -> Rates:
    """The rates over the days from first_day up to (not including) day_after: a child is in
    care on the days from a piece's start_date up to its end_date; a move, exit or entry is
    counted on its day (the end date, or for an entry the start date)."""
    start, end = (pd.Timestamp(d) for d in (first_day, day_after))
    b = pieces["band_order"].to_numpy(dtype=np.int64) - 1  # integers even when there are none
    k = pieces["category"].map(KEY_INDEX).to_numpy(dtype=np.int64)
    shape = (len(bands.names), len(KEYS))
    days = (pieces["end_date"].clip(upper=end) - pieces["start_date"].clip(lower=start)).dt.days
    exposure = _sums(shape, (b, k), days.clip(lower=0).to_numpy())
    ends = pieces["end_date"].between(start, end, inclusive="left").to_numpy()
    out = ends & (pieces["end_event"] == "exit").to_numpy()
    exits = _sums(shape, (b[out], k[out]))
    moved = ends & (pieces["end_event"] == "move").to_numpy()
    to = pieces.loc[moved, "next_category"].map(KEY_INDEX).to_numpy(dtype=np.int64)
    moves = _sums((*shape, len(KEYS)), (b[moved], k[moved], to))
    began = (
        pieces["is_entry"].to_numpy()
        & pieces["start_date"].between(start, end, inclusive="left").to_numpy()
    )
    entries = _sums(shape, (b[began], k[began]))
    born = pieces["birth_year"] * 12 + pieces["birth_month"] - 1
    entered = pieces["start_date"].dt.year * 12 + pieces["start_date"].dt.month - 1
    ages = ((entered - born) // 12).to_numpy()[began].clip(0, LEAVING_AGE - 1)
    entry_ages = np.bincount(ages.astype(int), minlength=LEAVING_AGE).astype(float)
    return Rates(bands, first_day, day_after, exposure, moves, exits, entries, entry_ages)


def _sums(shape: tuple[int, ...], cells: tuple, weights=None) -> np.ndarray:
    """An array of `shape` holding, in each cell, the sum of the weights (or the count) of the
    rows `cells` (one index array per axis) puts there: np.add.at's sums, a bincount's speed."""
    flat = np.ravel_multi_index(cells, shape)
    return np.bincount(flat, weights, minlength=int(np.prod(shape))).astype(float).reshape(shape)


def stock(pieces: pd.DataFrame, day: date) -> pd.DataFrame:
    """Children in care on a day by month of birth and placement category."""
    day = pd.Timestamp(day)
    held = pieces[(pieces["start_date"] <= day) & (pieces["end_date"] > day)]
    return (
        held.groupby(["birth_year", "birth_month", "category"])
        .size()
        .rename("children")
        .reset_index()
    )


def in_care(pieces: pd.DataFrame, years, bands: Bands) -> pd.DataFrame:
    """Children in care on 31 March of each year, by age band and placement category, with
    every total (All ages, All placements): what the model forecasts, as it happened."""
    return _with_totals(list(years), bands.names, _in_care_counts(pieces, years, bands))


def _in_care_counts(pieces: pd.DataFrame, years, bands: Bands) -> np.ndarray:
    """Children in care on 31 March of each year (year x band x category)."""
    years = list(years)
    start, end = pieces["start_date"].to_numpy(), pieces["end_date"].to_numpy()
    band = pieces["age_band"].map({name: b for b, name in enumerate(bands.names)})
    category = pieces["category"].map(KEY_INDEX)
    known = (band.notna() & category.notna()).to_numpy()
    band, category = (c.to_numpy()[known].astype(np.int64) for c in (band, category))
    start, end = start[known], end[known]
    shape = (len(bands.names), len(KEYS))
    counts = np.zeros((len(years), *shape), dtype=np.int64)
    for y, year in enumerate(years):
        day = np.datetime64(march_31(year))
        held = (start <= day) & (end > day)
        counts[y] = _sums(shape, (band[held], category[held]))
    return counts


def _with_totals(years, names, counts: np.ndarray) -> pd.DataFrame:
    """A year x band x category array of children as rows, with the All ages and All placements
    rows (sums) after them, each total's rows in its keys' order as text (as a group-by sorts
    them), and the categories named for readers (column `placement`)."""
    n_years, n_bands, n_keys = counts.shape
    bands, keys = np.array([*names, ALL_AGES]), np.array(KEYS)
    by_key, by_band = np.argsort(keys, kind="stable"), np.argsort(bands, kind="stable")
    counts = np.concatenate([counts, counts.sum(axis=1, keepdims=True)], axis=1)  # All ages
    parts = [  # (year, age band, category, count) for each cell, then each total
        (np.repeat(years, n_bands * n_keys), np.tile(np.repeat(bands[:-1], n_keys), n_years),
         np.tile(keys, n_years * n_bands), counts[:, :-1].reshape(-1)),
        (np.repeat(years, n_keys), np.full(n_years * n_keys, ALL_AGES),
         np.tile(keys[by_key], n_years), counts[:, -1, by_key].reshape(-1)),
        (np.repeat(years, n_bands + 1), np.tile(bands[by_band], n_years),
         np.full(n_years * (n_bands + 1), "all"), counts.sum(axis=2)[:, by_band].reshape(-1)),
    ]  # fmt: skip
    year, band, category, count = (np.concatenate(column) for column in zip(*parts, strict=True))
    named = {**CATEGORIES, "all": ALL_PLACEMENTS}
    return pd.DataFrame(
        {"year": year.astype(np.int64), "age_band": pd.array(band, dtype="str"),
         "category": pd.array(category, dtype="str"),
         "placement": pd.array([named[c] for c in category], dtype="str"), "children": count}
    )  # fmt: skip


# Scenarios and costs -------------------------------------------------------------------------


def _finite(value) -> bool:
    """A number a settings file gives (TOML's nan and inf are none)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


MOST_RISE = 200  # per cent: a scenario's largest rise in a rate (the page's too)


@dataclass(frozen=True)
class Scenario:
    """Per cent changes to the entry rates into, and the exit rates from, placement categories
    (e.g. residential entries -10: ten per cent fewer entries into residential care)."""

    name: str = "Baseline"
    entries: tuple[tuple[str, float], ...] = ()
    exits: tuple[tuple[str, float], ...] = ()

    @classmethod
    def make(cls, name: str, entries: dict | None = None, exits: dict | None = None) -> Scenario:
        changes = {}
        for what, given in (("entries", entries or {}), ("exits", exits or {})):
            if not isinstance(given, dict):
                raise ValueError(f"[{what}] must be a table of per cent changes by category")
            for key, value in given.items():
                if key not in CATEGORIES:
                    raise ValueError(
                        f"[{what}] {key!r} is not a placement category (one of {', '.join(KEYS)})"
                    )
                if not _finite(value):
                    raise ValueError(f"[{what}] {key} = {value!r} is not a number (per cent)")
                if value < -100:
                    raise ValueError(f"[{what}] {key} = {value}: a rate cannot fall by over 100%")
                if value > MOST_RISE:  # a rate multiplied up would show its few children
                    raise ValueError(
                        f"[{what}] {key} = {value}: a rate can rise by {MOST_RISE}% at most"
                    )
            changes[what] = tuple((k, float(v)) for k, v in given.items() if v)
        return cls(str(name), changes["entries"], changes["exits"])

    @classmethod
    def read(cls, path: Path) -> Scenario:
        """A scenario file (TOML): `name`, then `[entries]` and `[exits]` tables of per cent
        changes by placement category (fostering, residential, supported, other)."""
        try:
            given = tomllib.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"{path}: cannot read the scenario ({error})") from error
        unknown = set(given) - {"name", "entries", "exits"}
        if unknown:
            raise ValueError(
                f"{path}: unknown setting {sorted(unknown)[0]!r} (name, entries, exits)"
            )
        try:
            return cls.make(given.get("name", Path(path).stem), given.get("entries"),
                            given.get("exits"))  # fmt: skip
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from error

    @property
    def changes(self) -> bool:
        """Whether it changes any rate (else it is the baseline under another name)."""
        return bool(self.entries or self.exits)

    def factors(self, what: str) -> np.ndarray:
        changes = dict(getattr(self, what))
        return np.array([1 + changes.get(key, 0.0) / 100 for key in KEYS])

    def describe(self) -> str:
        parts = [
            f"{abs(v):g}% {'more' if v > 0 else 'fewer'} {what} "
            f"{'into' if what == 'entries' else 'from'} {CATEGORIES[k].lower()}"
            for what in ("entries", "exits")
            for k, v in getattr(self, what)
        ]
        return "; ".join(parts) or "no change"


@dataclass(frozen=True)
class Costs:
    """Weekly costs of a placement by category, whether they are examples, and where from."""

    weekly: dict[str, float]
    example: bool
    source: str

    @classmethod
    def read(cls, path: Path = COSTS_FILE) -> Costs:
        """The weekly cost of a placement in each category (TOML: `[weekly_cost]` with a number
        for each of fostering, residential, supported, other; `example = true` for demo values)."""
        try:
            given = tomllib.loads(Path(path).read_text())
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise ValueError(f"{path}: cannot read the costs ({error})") from error
        weekly = given.get("weekly_cost", {})
        if not isinstance(weekly, dict):
            raise ValueError(f"{path}: [weekly_cost] must be a table of pounds by category")
        for key in KEYS:
            value = weekly.get(key)
            if not _finite(value) or value < 0:
                raise ValueError(
                    f"{path}: [weekly_cost] {key} must be a number of pounds, 0 or more "
                    f"(found {value!r})"
                )
        extra = set(weekly) - set(KEYS)
        if extra:
            raise ValueError(f"{path}: [weekly_cost] {sorted(extra)[0]!r} is not a category")
        return cls({k: float(weekly[k]) for k in KEYS}, bool(given.get("example")),
                   str(given.get("source", "")))  # fmt: skip


# The projection ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Model:
    """A fitted model: the rates over the reference period and the stock at its end."""

    rates: Rates
    stock: pd.DataFrame  # birth_year, birth_month, category, children
    start: date  # 31 March of the last year fitted on
    reference_from: int
    fitted_to: int


def reference_period(reference_from: int, fitted_to: int) -> tuple[date, date]:
    """Return years reference_from to fitted_to: 1 April before the first to 31 March of the
    last (as first day, and the day after)."""
    return date(reference_from - 1, 4, 1), date(fitted_to, 4, 1)


def model(pieces: pd.DataFrame, bands: Bands, reference_from: int, fitted_to: int) -> Model:
    first, after = reference_period(reference_from, fitted_to)
    start = march_31(fitted_to)
    return Model(fit(pieces, bands, first, after), stock(pieces, start), start, reference_from,
                 fitted_to)  # fmt: skip


def _stock_cells(held: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A stock's rows as arrays: month of birth (_month's), category (its index in KEYS) and
    children."""
    year, month = (held[c].to_numpy(dtype=np.int64) for c in ("birth_year", "birth_month"))
    category = np.array([KEY_INDEX[c] for c in held["category"].tolist()], dtype=np.int64)
    return year * 12 + month - 1, category, held["children"].to_numpy(dtype=float)


def transition_matrices(rates: Rates, scenario: Scenario = Scenario()) -> np.ndarray:
    """Each age band's daily probabilities (b, k from, k to) of being in each category the
    next day; what a row lacks of 1 is the probability of leaving care. Where the measured
    rates out of a state add up to more than 1 a day (a state barely lived in), they are
    scaled down to 1."""
    moves = rates.move_rates.copy()
    exits = rates.exit_rates * scenario.factors("exits")[None, :]
    out = moves.sum(axis=2) + exits
    scale = np.where(out > 1, 1 / np.where(out > 1, out, 1), 1.0)
    moves, out = moves * scale[..., None], out * scale
    matrices = moves.copy()
    for k in range(len(KEYS)):
        matrices[:, k, k] = 1 - out[:, k]
    return matrices


def step(mean, cov, matrices, arrivals):
    """One day: each child in state i moves to state j with probability P[i, j] (or leaves),
    independently (multinomial); arrivals come as Poisson numbers. Per cohort c:
    mean' = mean P + a; cov' = P' cov P + diag(mean P) - P' diag(mean) P + diag(a)."""
    transposed = np.transpose(matrices, (0, 2, 1))
    moved = np.einsum("ci,cij->cj", mean, matrices)
    spread = transposed @ (mean[:, :, None] * matrices)
    cov = transposed @ cov @ matrices - spread
    k = np.arange(mean.shape[1])
    cov[:, k, k] += moved + arrivals
    return moved + arrivals, cov


def _days(matrices: np.ndarray, entries: np.ndarray, most: int):
    """step's day as a linear map of a cohort's state (its mean, then its covariance, as one
    row x: the next day's is x L + s f, s the cohort's share of the band's arrivals), for each
    band b (matrices[b], entries[b]), for t = 0 to `most` days: L^t, and t days' arrivals
    (f L^(t-1) + ... + f L + f). L's rows are step's day of each unit state, f step's day of
    nothing."""
    n_bands, k = entries.shape
    n = k + k * k
    unit = np.eye(n)
    one_day, push = np.empty((n_bands, n, n)), np.empty((n_bands, 1, n))
    for b, p in enumerate(matrices):
        mean, cov = step(unit[:, :k], unit[:, k:].reshape(n, k, k), p[None], np.zeros((1, k)))
        one_day[b] = np.hstack([mean, cov.reshape(n, -1)])
        mean, cov = step(np.zeros((1, k)), np.zeros((1, k, k)), p[None], entries[b][None])
        push[b] = np.hstack([mean, cov.reshape(1, -1)])
    powers, arrivals = np.empty((n_bands, most + 1, n, n)), np.zeros((n_bands, most + 1, 1, n))
    powers[:, 0] = unit
    for t in range(1, most + 1):  # every band's day at once
        powers[:, t] = powers[:, t - 1] @ one_day
        arrivals[:, t] = arrivals[:, t - 1] @ one_day + push
    return powers, arrivals[:, :, 0]


def project(fitted: Model, end: date, scenario: Scenario = Scenario()) -> Projection:
    """The stock projected a day at a time from fitted.start to `end` (step's days, worked
    out a month at a time: _days): each month end's mean and variance per age band and
    placement category (with totals), and each day's per category (for costs)."""
    rates, start = fitted.rates, fitted.start
    names, n_bands, n_k = rates.bands.names, len(rates.bands.names), len(KEYS)
    of_age = np.array(rates.bands.of_age)
    first_cohort = _month(start) - LEAVING_AGE * 12 + 1
    cohorts = np.arange(first_cohort, _month(end) + 1)
    n = n_k + n_k * n_k  # a cohort's state: its mean, then its covariance, as one row
    state = np.zeros((len(cohorts), n))  # the stock's means; no variance at the start
    month, category, children = _stock_cells(fitted.stock)
    np.add.at(state, (month - first_cohort, category), children)

    matrices = transition_matrices(rates, scenario)
    entries = rates.entry_rates * scenario.factors("entries")[None, :]  # (b, k) a day
    # Entrants to a band are spread over its ages as over the reference period (evenly where
    # none came), then evenly over the 12 months of birth of each age.
    ages = rates.entry_ages.copy()
    for b in range(n_bands):
        in_band = of_age == b
        if ages[in_band].sum() == 0:
            ages[in_band] = 1
        ages[in_band] /= ages[in_band].sum()

    records, daily = [], []
    variances = n_k + np.arange(n_k) * (n_k + 1)  # the covariance's diagonal in a state

    # a state's means and their total, then its variances and the total's (the covariance's sum)
    shown = np.zeros((n, 2 * (n_k + 1)))
    shown[np.arange(n_k), np.arange(n_k)] = shown[:n_k, n_k] = 1
    shown[variances, n_k + 1 + np.arange(n_k)] = shown[n_k:, -1] = 1

    def record(day, members):  # members: each cohort's band (one-hot; none at 18 or unborn)
        by_band = members.T @ (state @ shown)  # (b, means and variances)
        m, v = np.hsplit(np.vstack([by_band, by_band.sum(axis=0)]), 2)  # (b + all, k + all)
        records.append((day, m, v))

    # A band's days, each a step (see step), are an affine map of a cohort's state: after t days
    # it is state @ powers[b, t] + its arrivals' share * arrivals[b, t].
    powers, arrivals = _days(matrices, entries, 31)
    most = powers.shape[1] - 1
    # every band's every day as one matrix (rows: band and state; columns: day and state): the
    # days of a month from one product with the bands' states
    each_days = powers.transpose(0, 2, 1, 3).reshape(n_bands * n, (most + 1) * n)
    one_hot = np.vstack([np.eye(n_bands), np.zeros(n_bands)])  # the last: not in care (18)

    def bands_on(day):  # each cohort's band, n_bands once it is 18 or before it is born
        age_months = _month(day) - cohorts
        alive = (age_months >= 0) & (age_months < LEAVING_AGE * 12)
        age = np.clip(age_months // 12, 0, LEAVING_AGE - 1)
        return np.where(alive, of_age[age], n_bands), age, alive

    band, _, _ = bands_on(start)
    record(start, one_hot[band])
    day, every = start, np.arange(len(cohorts))
    while day < end:  # a month at a time: bands change, and children leave at 18, on the 1st
        first = day + timedelta(days=1)
        last = min(date(first.year, first.month, monthrange(first.year, first.month)[1]), end)
        days = (last - day).days
        band, age, alive = bands_on(first)
        state[~alive] = 0
        share = ages[age] / 12 * alive
        # Every cohort of a band takes the same map: the band's days are its cohorts' summed,
        # and each cohort's month end its own state through its band's map.
        members = one_hot[band]
        together = members.T @ state  # (b, n)
        shares = members.T @ share
        each_day = (together.reshape(-1) @ each_days[:, n : (days + 1) * n]).reshape(days, n)
        each_day += (shares @ arrivals[:, 1 : days + 1].reshape(n_bands, -1)).reshape(days, n)
        dates = np.datetime64(day, "D") + np.arange(1, days + 1)
        daily.append((dates, each_day[:, :n_k], each_day[:, variances]))
        live = np.minimum(band, n_bands - 1)  # at 18 or unborn (none in care): any band's
        moved = np.matmul(state, powers[:, days])[live, every]  # each cohort through its band's
        state = moved + share[:, None] * arrivals[live, days]
        day = last
        if (day + timedelta(days=1)).day == 1:
            record(day, members)
    daily = tuple(np.concatenate(part) for part in zip(*daily, strict=True))
    return Projection(records, daily, names, scenario)


def limits(mean, variance, level: float = LEVEL):
    """A forecast's limits: the normal interval around its mean, not below zero (Series or
    arrays)."""
    sd = np.sqrt(variance) * stats.z_for(level)
    return np.maximum(mean - sd, 0), mean + sd


@dataclass
class Projection:
    records: list  # (month end, mean (b + all, k + all), variance (same))
    daily: tuple  # each day (datetime64[D]), its mean (day, k) and its variance (day, k)
    bands: tuple[str, ...]
    scenario: Scenario = field(default_factory=Scenario)

    def table(self, level: float = LEVEL) -> pd.DataFrame:
        """One row per month end, age band (and All ages), placement (and All placements):
        the central forecast, its variance and limits (95% unless another level is given)."""
        bands, keys = [*self.bands, ALL_AGES], [*KEYS, "all"]
        days, mean, var = zip(*self.records, strict=True)
        mean, var = np.stack(mean), np.maximum(np.stack(var), 0)  # (month end, b + all, k + all)
        cells = len(bands) * len(keys)
        frame = pd.DataFrame(
            {
                "date": pd.to_datetime(days).repeat(cells),
                "age_band": np.tile(np.repeat(bands, len(keys)), len(days)),
                "category": np.tile(keys, len(days) * len(bands)),
                "forecast": mean.reshape(-1),
                "variance": var.reshape(-1),
            }
        )
        frame["lower"], frame["upper"] = limits(frame["forecast"], frame["variance"], level)
        frame["placement"] = frame["category"].map({**CATEGORIES, "all": ALL_PLACEMENTS})
        frame["scenario"] = self.scenario.name
        return frame

    def selected(self, bands: tuple[str, ...] = (), category: str = "all",
                 level: float = LEVEL) -> pd.DataFrame:  # fmt: skip
        """selected(self.table(level), bands, category, level), from the arrays themselves."""
        days, mean, var = zip(*self.records, strict=True)
        dates = pd.to_datetime(days)
        quarters = dates.month.isin((3, 6, 9, 12))
        chosen = [self.bands.index(b) for b in bands] if bands else [len(self.bands)]
        k = KEY_INDEX.get(category, len(KEYS))
        mean = np.stack(mean)[quarters][:, chosen, k].sum(axis=1)
        var = np.maximum(np.stack(var)[quarters][:, chosen, k], 0).sum(axis=1)
        out = pd.DataFrame({"date": dates[quarters], "value": mean, "variance": var})
        out["lower"], out["upper"] = limits(out["value"], out["variance"], level)
        out["base"] = mean[0]  # the children in care at the start
        return protect(out)

    def until(self, end: date) -> Projection:
        """The projection up to `end` alone."""
        records = [r for r in self.records if r[0] <= end]
        to = self.daily[0] <= np.datetime64(end, "D")
        daily = tuple(part[to] for part in self.daily)
        return Projection(records, daily, self.bands, self.scenario)

    def at_31_march(self, level: float = LEVEL) -> pd.DataFrame:
        """table's rows of each 31 March, with its year."""
        march = [row for row in self.records if (row[0].month, row[0].day) == (3, 31)]
        frame = replace(self, records=march).table(level)
        return frame.assign(year=frame["date"].dt.year)

    def costs(self, costs: Costs, level: float = LEVEL) -> pd.DataFrame:
        """The cost of the placements forecast in each year ending 31 March, per category and
        in all: the mean number each day times the weekly cost over 7; the range takes each
        day's limits (95% unless another level is given: wider than the year's own interval
        would be)."""
        weekly = np.array([costs.weekly[k] for k in KEYS]) / 7
        days, mean, var = self.daily  # (day, k)
        sd = np.sqrt(np.maximum(var, 0)) * stats.z_for(level)
        months = days.astype("datetime64[M]").astype(np.int64)  # since January 1970
        year = 1970 + months // 12 + (months % 12 >= 3)  # ending 31 March
        years, first = np.unique(year, return_index=True)  # the days come in order
        sums = [np.add.reduceat(daily * weekly, first) for daily in  # (year, k), then all
                (mean, np.maximum(mean - sd, 0), mean + sd)]  # fmt: skip
        sums = [np.hstack([part, part.sum(axis=1, keepdims=True)]) for part in sums]
        keys, names = [*KEYS, "all"], [*CATEGORIES.values(), ALL_PLACEMENTS]
        cost, lower, upper = (part.reshape(-1) for part in sums)
        return pd.DataFrame(
            {"year": years.repeat(len(keys)), "category": np.tile(keys, len(years)),
             "cost": cost, "lower": lower, "upper": upper,
             "placement": np.tile(names, len(years)), "scenario": self.scenario.name}
        )  # fmt: skip


# Back-test ------------------------------------------------------------------------------------


def backtest(fitted: Model, history: np.ndarray, truth: np.ndarray, last_year: int) -> pd.DataFrame:
    """Forecast each 31 March after the model's last return (`fitted`, on the returns up to it)
    to `last_year`, and set each forecast beside what happened (`truth`: the children in care
    at each of those 31 March, from every return, year x band x category) and beside two naive
    forecasts made from the same returns as the model: the last year's number carried forward,
    and a straight line through the 31 March numbers of the reference years (`history`, as
    those returns gave them). A row per year, age band and placement (with totals) and method,
    with its errors."""
    names, fitted_to = fitted.rates.bands.names, fitted.fitted_to
    run = project(fitted, march_31(last_year))
    ahead = [row for row in run.records if row[0] > march_31(fitted_to) and row[0].month == 3
             and row[0].day == 31]  # fmt: skip
    years = np.arange(fitted_to + 1, last_year + 1)
    mean = np.stack([row[1] for row in ahead])  # year x (band, All ages) x (category, all)
    lower, upper = limits(mean, np.maximum(np.stack([row[2] for row in ahead]), 0))
    truth, history = _totalled(truth), _totalled(history)  # the same cells
    reference = np.arange(fitted.reference_from, fitted_to + 1, dtype=float)
    flat = history.reshape(len(reference), -1)
    slope, intercept = (np.polyfit(reference, flat, 1) if len(reference) > 1
                        else (np.zeros(flat.shape[1]), flat[-1]))  # fmt: skip
    trend = np.clip(intercept + slope * years[:, None].astype(float), 0, None)
    naive = {"last_year": np.broadcast_to(flat[-1], trend.shape), "trend": trend}
    # Each year, the model's every cell (bands, then All ages; each category, then all); then
    # the naive forecasts' every cell in the order of their names (as a table sorted by them)
    bands = np.array([*names, ALL_AGES])
    placements = np.array([*CATEGORIES.values(), ALL_PLACEMENTS])
    band, placement = np.divmod(np.arange(len(bands) * len(placements)), len(placements))
    by_name = np.lexsort((placements[placement], bands[band]))
    cells, size = len(band), len(years)
    rows = [  # (year, cell, method, value, lower, upper): the model's rows, then the naive
        (np.repeat(years, cells), np.tile(np.arange(cells), size), np.full(size * cells, "model"),
         mean.reshape(-1), lower.reshape(-1), upper.reshape(-1)),
        (np.repeat(years, 2 * cells), np.tile(by_name, 2 * size),
         np.tile(np.repeat(list(naive), cells), size),
         np.stack([naive[m][:, by_name] for m in naive], axis=1).reshape(-1),
         np.full(2 * size * cells, np.nan), np.full(2 * size * cells, np.nan)),
    ]  # fmt: skip
    year, cell, method, value, low, high = (np.concatenate(c) for c in zip(*rows, strict=True))
    actual = truth.reshape(len(years), -1)[year - fitted_to - 1, cell]
    return pd.DataFrame(
        {"year": year.astype(np.int64), "age_band": pd.array(bands[band][cell], dtype="str"),
         "placement": pd.array(placements[placement][cell], dtype="str"), "value": value,
         "lower": low, "upper": high, "method": pd.array(method, dtype="str"), "actual": actual,
         "fitted_to": fitted_to, "base": actual}
    )  # fmt: skip


def _totalled(counts: np.ndarray) -> np.ndarray:
    """A year x band x category array of children with the All ages band and the All
    placements category (sums) after the rest."""
    counts = np.concatenate([counts, counts.sum(axis=1, keepdims=True)], axis=1)
    return np.concatenate([counts, counts.sum(axis=2, keepdims=True)], axis=2)


def errors(rows: pd.DataFrame) -> pd.DataFrame:
    """Each forecast's error against what happened: forecast less actual, its size as a
    percentage of the actual (blank where the actual is 0), and whether the actual fell inside
    the model's 95% interval."""
    out = rows.copy()
    out["error"] = out["value"] - out["actual"]
    out["pct_error"] = _percent(out["error"].to_numpy(), out["actual"].to_numpy())
    inside = (out["actual"] >= out["lower"]) & (out["actual"] <= out["upper"])
    out["inside"] = inside.where(out["method"] == "model")
    return out


def _percent(error: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """An error as a percentage of the actual number (blank where that is 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(actual > 0, 100 * error / actual, np.nan)


def accuracy(rows: pd.DataFrame) -> pd.DataFrame:
    """How each method did: for the council total each year, its error; and over the cells of
    age band by placement, the mean absolute error and mean absolute percentage error (cells
    with children in them), and (the model) how many actuals fell inside the interval."""
    rows = errors(rows)
    cells = rows[(rows["age_band"] != ALL_AGES) & (rows["placement"] != ALL_PLACEMENTS)]
    total = rows[(rows["age_band"] == ALL_AGES) & (rows["placement"] == ALL_PLACEMENTS)]
    summary = cells.groupby(["year", "method"]).agg(
        cell_mae=("error", lambda e: e.abs().mean()),
        cell_mape=("pct_error", lambda e: e.abs().mean()),
        cells_inside=("inside", lambda i: i.dropna().sum() if i.notna().any() else np.nan),
        cells=("actual", "size"),
    )
    council = total.set_index(["year", "method"])[["actual", "value", "error", "pct_error"]]
    out = council.join(summary).reset_index()
    out["method"] = pd.Categorical(out["method"], list(METHODS))
    return out.sort_values(["year", "method"]).reset_index(drop=True)


# Disclosure ---------------------------------------------------------------------------------

COUNTS = ("value", "lower", "upper", "actual", "base")


def protect(rows: pd.DataFrame) -> pd.DataFrame:
    """What may be shown of forecast or back-test rows (disclosure.py's rules): every count of
    children (forecast, limits, actual) to the nearest 5, errors worked out again from the
    rounded numbers; a row whose base (the children in that state at the start of the
    forecast, or the actual it is compared with) is 1 to disclosure.THRESHOLD is withheld (c)."""
    small = rows["base"].between(1, disclosure.THRESHOLD).to_numpy()
    columns = {name: rows[name] for name in rows.columns if name != "base"}  # a frame made once
    for name in [c for c in COUNTS if c in columns]:
        columns[name] = disclosure.rounded(columns[name].to_numpy(dtype=float))
    if "actual" in columns and not np.isnan(columns["actual"]).all():  # errors, rounded
        error = columns["value"] - columns["actual"]
        columns["error"], columns["pct_error"] = error, _percent(error, columns["actual"])
        # whether it fell inside the interval: as judged on the exact numbers where it was (a
        # yes or no gives none away), else on the rounded
        if "inside" not in columns:
            actual = columns["actual"]
            inside = (actual >= columns["lower"]) & (actual <= columns["upper"])
            columns["inside"] = pd.Series(inside, index=rows.index).where(rows["method"] == "model")
    for name in [c for c in (*COUNTS, "error", "pct_error", "inside") if c in columns]:
        columns[name] = np.array(columns[name], dtype=object)  # a copy
        columns[name][small] = None
    columns["symbol"] = np.where(small, disclosure.SUPPRESSED, "")
    return pd.DataFrame(columns, index=rows.index)


IN_CARE = "cla_at_31_march"  # the indicator a forecast's actual numbers are (its children in care)
# What the model is fitted on, as the figures publish it: its stock, its entries and its exits
# (a forecast of the children under 1 a year ahead is mostly the entrants under 1 who stay).
MODELLED = (IN_CARE, "cla_started", "cla_ceased")
UNPROTECTED = (  # why a placement category, a cost or a scenario is never shown
    "forecast's placement categories (and so their costs, and scenarios, which change their "
    "rates) are not among the protected figures: beside the published placement types, or "
    "added up over districts and ages, they would give small numbers back (a secure "
    "children's home's few children: children's homes and semi-independent living less the "
    "forecast's residential and supported)"
)


def withheld_years(
    inputs: Inputs, band_sets: list[tuple[str, ...]], con: duckdb.DuckDBPyConnection | None = None,
    indicators: tuple[str, ...] = (IN_CARE,),
) -> list[set[int]]:  # fmt: skip
    """For each set of age bands (none: all ages), the years whose children in care at 31 March
    (or any of `indicators`: MODELLED for a model's numbers), for the forecast's area, the
    protected figures withhold (the build's disclosure control over every district, band and
    total; queries/read/withheld_years.sql): for several districts or bands, where any of them
    is. No number worked out from such a year is shown (published). `con`: a connection to
    inputs.folder's figures, where the caller holds one (the page); else one is opened here."""
    con = con or db.shared(inputs.folder, published_only=True)
    built = (inputs.folder / "figures.parquet").stat().st_mtime_ns
    by_area_band = _withheld(con, tuple(indicators), inputs.years[0], inputs.years[-1], built)
    areas = list(inputs.districts or [inputs.area_code])
    sets = [tuple(chosen or [ALL_AGES]) for chosen in band_sets]
    none = frozenset()
    return [
        set().union(*(by_area_band.get((area, band), none) for area in areas for band in chosen))
        for chosen in sets
    ]


@lru_cache(maxsize=8)
def _withheld(con, indicators: tuple[str, ...], year_from: int, year_to: int, built: int) -> dict:
    """(area, age band): the years the figures withhold any of `indicators` for, every area and
    band in one read, once for each build of the figures (`built`: when they were written), so
    that a new selection reads nothing."""
    db.hold(con, list(indicators))  # a server's connection reads an indicator in when first asked
    found = db.read(con, "withheld_years", indicators=list(indicators), year_from=year_from,
                    year_to=year_to)  # fmt: skip
    by_area_band = {}
    for area, band, year in zip(found["area_code"], found["age_band"], found["year"], strict=True):
        by_area_band.setdefault((area, band), set()).add(int(year))
    return by_area_band


def gates(
    inputs: Inputs, bands: tuple[str, ...], con: duckdb.DuckDBPyConnection | None = None
) -> tuple[set[int], set[int]]:
    """For one set of age bands: the years withheld for an actual number (its children in
    care), and for a model's (MODELLED: those and the children who started or ceased), as
    as_published takes them."""
    (hidden,) = withheld_years(inputs, [bands], con)
    (modelled,) = withheld_years(inputs, [bands], con, MODELLED)
    return hidden, modelled


def built_from(section: str, year: int, reference_from: int, inputs: Inputs) -> range | tuple:
    """The years a forecast's number is worked out from: an actual number its own; a forecast
    (or its cost) the reference period to the last return (the stock it starts from, the rates
    of those years); a back-test's, its reference period (as the model's and a linear trend's
    fit, the last year carried forward) and the year it is tested on (the actual)."""
    if section == "actual":
        return (year,)
    if section in ("forecast", "cost"):
        return range(reference_from, inputs.years[-1] + 1)
    start, fitted_to = backtest_years(inputs, reference_from)
    return (*range(start, fitted_to + 1), year)


def published(
    inputs: Inputs, rows: pd.DataFrame, reference_from: int,
    con: duckdb.DuckDBPyConnection | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Rows (section, year, age_band, placement; `scenario`, True for a scenario's) protected
    (see protect), with every number worked out from a year the figures withhold for its ages
    (withheld_years, built_from) withheld: an actual number where its children in care are, a
    forecast, a back-test's forecast or error where those or the children who started or
    ceased to be looked after are (MODELLED: what a model is fitted on). A placement category's
    number, a cost and a scenario's number are withheld whole (UNPROTECTED). The one gate the
    command, the page and the chapter pass through."""
    scenario = rows["scenario"].fillna(False) if "scenario" in rows else False
    unprotected = (rows["placement"] != ALL_PLACEMENTS) | (rows["section"] == "cost") | scenario
    bands = list(dict.fromkeys(rows["age_band"]))
    chosen = [() if band == ALL_AGES else (band,) for band in bands]
    hidden = dict(zip(bands, withheld_years(inputs, chosen, con), strict=True))
    modelled = dict(zip(bands, withheld_years(inputs, chosen, con, MODELLED), strict=True))
    where = []
    for section, year, band, whole in zip(rows["section"], rows["year"], rows["age_band"],
                                          unprotected, strict=True):  # fmt: skip
        years = built_from(section, int(year), reference_from, inputs)
        withheld = hidden[band] if section == "actual" else modelled[band]
        where.append(bool(whole) or any(y in withheld for y in years))
    return withhold(rows, pd.Series(where, index=rows.index, dtype=bool))


SHOWN = ("value", "lower", "upper", "lower_95", "upper_95", "actual", "error", "pct_error",
         "inside", "actual_in_interval")  # fmt: skip


def withhold(rows: pd.DataFrame, where) -> pd.DataFrame:
    """The rows `where` (a boolean Series) withheld: every number blank, the symbol c (`rows`
    themselves where there are none)."""
    if not where.any():
        return rows
    out = rows.copy()
    columns = [c for c in SHOWN if c in out]
    out[columns] = out[columns].astype(object).where(~where, None)
    out["symbol"] = out["symbol"].where(~where, disclosure.SUPPRESSED)
    return out


def as_published(actual, forecast_rows, hidden: set[int], worked_from, modelled: set[int]):
    """Actual numbers (by year) and a forecast (by date, all placements) as published does them:
    an actual in a year withheld (`hidden`: withheld_years), and the whole forecast if any year
    it is worked out from (`worked_from`: built_from's) is withheld for what the model is
    fitted on (`modelled`: withheld_years of MODELLED)."""
    actual = withhold(actual, actual["year"].isin(hidden))
    if forecast_rows is None:
        return actual, None
    gone = any(year in modelled for year in worked_from)
    return actual, withhold(forecast_rows, pd.Series(gone, forecast_rows.index))


# A forecast for the page, the command and the chapter ---------------------------------------


@dataclass(frozen=True)
class Inputs:
    """What a forecast reads: every child's care from every return (for the council, or the
    chosen districts together: `pieces`, read when first asked for) or, on the default
    reference period, the sums of what the build counted for them (`counts`), the age bands,
    the years the returns cover and the area."""

    con: duckdb.DuckDBPyConnection  # to the folder's extracts
    bands: Bands
    years: tuple[int, ...]
    districts: tuple[str, ...]  # none: the whole council
    area_code: str
    area_name: str
    synthetic: bool
    source: str
    folder: Path
    kept: tuple[int, ...] = ()  # the returns_to the build kept pieces for (kept_years)
    remembered: bool = False  # the build kept the forecasts a reader first sees (remember)
    counted: bool = False  # the build counted what they are fitted on (remember)

    @cached_property
    def counts(self) -> pa.Table:
        """What the build counted for the chosen areas (remember), added up (kept_counts.sql)."""
        areas, reference_from = list(self.districts or [self.area_code]), check_years(self, 3, None)
        return db.run_arrow(self.con, "kept_counts", QUERIES, areas=areas,
                            reference_from=reference_from)  # fmt: skip

    @cached_property
    def pieces(self) -> pd.DataFrame:
        return self.known(self.years[-1])

    def known(self, returns_to: int) -> pd.DataFrame:
        """The pieces as the returns up to returns_to gave them (for a back-test)."""
        if returns_to == self.years[-1] and "pieces" in self.__dict__:
            return self.pieces
        return segments(self.con, returns_to, self.districts, self.kept)


RECORD_LEVEL = ("episodes", "children", "age_bands", "districts")


def prepare(folder: Path | None = None, districts: tuple[str, ...] = ()) -> Inputs:
    """What a forecast reads, from the record-level extracts, for the council or for the chosen
    districts together (the pieces are read when first needed)."""
    folder = Path(folder or db.data_dir())
    missing = [n for n in RECORD_LEVEL if not (folder / f"{n}.parquet").exists()]
    if missing:
        raise FileNotFoundError(
            f"no {missing[0]}.parquet in {folder}: forecasts read the record-level extracts "
            "that `carejsna build` writes (a published folder holds only protected figures)"
        )
    return _inputs(db.shared(folder), folder, tuple(districts))


def _inputs(con, folder: Path, districts: tuple[str, ...]) -> Inputs:
    meta, names, age_bands = _council(con, folder, (folder / "metadata.json").stat().st_mtime_ns)
    districts = tuple(
        dict.fromkeys(ind.district_code(d, names, f"district {d!r}") for d in districts)
    )
    council = meta["council"]
    code = "+".join(districts) if districts else council["code"]
    name = stats.listed([names[d] for d in districts]) if districts else council["name"]
    years = tuple(meta["years"])
    # what the build kept, as the connection sees it: a view of each file there when it opened
    cursor = con.cursor()
    try:
        listed = "select view_name from duckdb_views() union select table_name from duckdb_tables()"
        there = {name for (name,) in cursor.execute(listed).fetchall()}
    finally:
        cursor.close()
    kept = kept_years(years) if KEPT in there else ()
    remembered, counted = all(n in there for n in REMEMBERED), COUNTED in there
    return Inputs(con, age_bands, years, districts, code, name, bool(council["synthetic"]),
                  council["source"], folder, kept, remembered, counted)  # fmt: skip


@lru_cache(maxsize=8)
def _council(con, folder: Path, built: int) -> tuple[dict, dict[str, str], Bands]:
    """A folder's metadata, district names and age bands, read once for each build of it
    (`built`: when its metadata was written)."""
    names = dict(db.table(con, "districts")[["district_code", "district_name"]].to_numpy())
    return db.metadata(folder), names, bands(con)


def check_years(inputs: Inputs, years_ahead: int, reference_from: int | None) -> int:
    """The first year of the reference period, checked: the default is the last three."""
    first, last = inputs.years[0], inputs.years[-1]
    if not 1 <= years_ahead <= 3:
        raise ValueError(f"--years {years_ahead}: forecasts run 1 to 3 years ahead")
    if reference_from is None:
        return max(first, last - REFERENCE_YEARS + 1)
    if not first <= reference_from <= last:
        raise ValueError(f"--reference-from {reference_from}: the returns cover {first} to {last}")
    return reference_from


def fitted(inputs: Inputs, reference_from: int) -> Model:
    """The model on the reference period: from the counts the build kept (counted), else
    fitted on the pieces now."""
    last = inputs.years[-1]
    if _counted(inputs, reference_from):
        return from_counts(inputs, reference_from, last)[0]
    return model(inputs.pieces, inputs.bands, reference_from, last)


def baseline(inputs: Inputs, reference_from: int, years_ahead: int = 3) -> Projection:
    """The baseline projection, years_ahead from the last return: as the build worked it out
    (remember; up to years_ahead of its three years: a day's step does not look ahead), else
    projected now."""
    end = march_31(inputs.years[-1] + years_ahead)
    if not _remembered(inputs, reference_from):
        return project(fitted(inputs, reference_from), end)
    rows = db.run_arrow(inputs.con, "kept_baseline", QUERIES, area=inputs.area_code,
                        reference_from=reference_from)  # fmt: skip
    return _unflat(rows, inputs.bands).until(end)


def actual(inputs: Inputs) -> pd.DataFrame:
    """Children in care at each 31 March the returns hold (in_care)."""
    counts = _actual_counts(inputs)[[year - inputs.years[0] for year in inputs.years]]
    return _with_totals(inputs.years, inputs.bands.names, counts)


def _actual_counts(inputs: Inputs) -> np.ndarray:
    """Children in care at each 31 March from the first return's to the last's, every year
    (year x band x category): as the build counted them (counted), else from the pieces now."""
    first, last = inputs.years[0], inputs.years[-1]
    if _counted(inputs):
        return _count_arrays(inputs, last)["in_care"].astype(np.int64)
    return _in_care_counts(inputs.pieces, range(first, last + 1), inputs.bands)


def backtest_years(inputs: Inputs, reference_from: int) -> tuple[int, int] | None:
    """The back-test's reference period: as long as the forecast's, ending BACKTEST_YEARS before
    the last return (or as many as the returns allow); None where they are too few."""
    first, last = inputs.years[0], inputs.years[-1]
    fitted_to = last - BACKTEST_YEARS
    length = last - reference_from + 1
    if fitted_to < first:
        return None
    return max(first, fitted_to - length + 1), fitted_to


def run_backtest(inputs: Inputs, reference_from: int) -> pd.DataFrame:
    """The back-test's rows (see backtest), or none where the returns are too few: as the build
    worked them out (remember), else now (from the counts it kept, or the pieces)."""
    span = backtest_years(inputs, reference_from)
    if span is None:
        return pd.DataFrame()
    if _remembered(inputs, reference_from):
        rows = db.run_arrow(inputs.con, "kept_backtest", QUERIES, area=inputs.area_code,
                            reference_from=reference_from)  # fmt: skip
        return rows.to_pandas()
    (start, fitted_to), first, last = span, inputs.years[0], inputs.years[-1]
    if _counted(inputs, reference_from):
        fitted, history = from_counts(inputs, start, fitted_to)
        history = history[start - first :]
    else:
        known = inputs.known(fitted_to)
        fitted = model(known, inputs.bands, start, fitted_to)
        history = _in_care_counts(known, range(start, fitted_to + 1), inputs.bands)
    truth = _actual_counts(inputs)[fitted_to + 1 - first :]
    return backtest(fitted, history, truth, last)


def forecast_rows(projection: Projection) -> pd.DataFrame:
    """Each 31 March's forecast (the first: the stock it starts from), with its base: the
    children in that state at the start."""
    rows = projection.at_31_march()
    start = rows[rows["date"] == rows["date"].min()]
    base = start.set_index(["age_band", "placement"])["forecast"].rename("base")
    rows = rows.join(base, on=["age_band", "placement"])
    rows = rows[rows["date"] > rows["date"].min()]
    return rows.rename(columns={"forecast": "value", "scenario": "method"})[
        ["year", "age_band", "placement", "method", "value", "lower", "upper", "base"]
    ]


def actual_rows(inputs: Inputs) -> pd.DataFrame:
    """Children in care at each 31 March the returns hold, as forecast (band by placement)."""
    rows = actual(inputs).rename(columns={"children": "value"})
    return rows.assign(method="actual", base=rows["value"])


COST_ROUND = 1000  # pounds: a cost forecast shown to the nearest thousand


def cost_rows(projection: Projection, costs: Costs, level: float = LEVEL) -> pd.DataFrame:
    """Each year's cost forecast (pounds, to the nearest thousand), with the base of its
    placement category (all ages: the children in it at the start) for disclosure."""
    frame = projection.costs(costs, level)
    # all ages at the start, by category and in all (every cost is withheld whole: published)
    start = np.array(projection.records[0][1][-1], dtype=float)
    rounded = {c: np.round(frame[c].to_numpy() / COST_ROUND) * COST_ROUND
               for c in ("cost", "lower", "upper")}  # fmt: skip
    return pd.DataFrame(
        {"year": frame["year"], "placement": frame["placement"], "method": frame["scenario"],
         "value": rounded["cost"], "lower": rounded["lower"], "upper": rounded["upper"],
         "base": np.tile(start, len(frame) // len(start)), "age_band": ALL_AGES}
    )  # fmt: skip


COLUMNS = [
    "section", "area_code", "area_name", "fitted_to", "year", "age_band", "placement", "method",
    "value", "lower_95", "upper_95", "actual", "error", "pct_error", "actual_in_interval",
    "symbol", "source",
]  # fmt: skip


def table(
    inputs: Inputs, years_ahead: int = 3, reference_from: int | None = None,
    scenario: Scenario | None = None, costs: Costs | None = None,
) -> pd.DataFrame:  # fmt: skip
    """Everything as one long table, protected (see protect): the actual numbers at each 31
    March (section actual), the forecast and any scenario (forecast), their cost (cost, pounds)
    and the back-test (backtest: model, last year carried forward, linear trend)."""
    reference_from = check_years(inputs, years_ahead, reference_from)
    runs = [baseline(inputs, reference_from, years_ahead)]
    if scenario:
        end = march_31(inputs.years[-1] + years_ahead)
        runs.append(project(fitted(inputs, reference_from), end, scenario))
    return assemble(inputs, runs, run_backtest(inputs, reference_from), reference_from, costs)


def assemble(
    inputs: Inputs, runs: list[Projection], back: pd.DataFrame, reference_from: int,
    costs: Costs | None = None,
) -> pd.DataFrame:  # fmt: skip
    """The long table (see table) from projections made on reference_from and a back-test run."""
    last = inputs.years[-1]
    parts = [protect(actual_rows(inputs)).assign(section="actual", fitted_to=None)]
    for run in runs:
        rows = forecast_rows(run)
        scenario = run.scenario.changes
        parts.append(protect(rows).assign(section="forecast", fitted_to=last, scenario=scenario))
        if costs is not None:
            cost = protect(cost_rows(run, costs))
            parts.append(cost.assign(section="cost", fitted_to=last))
    if len(back):
        back = protect(errors(back)).assign(section="backtest")
        back["method"] = back["method"].map(METHODS)
        parts.append(back)
    out = pd.concat(parts, ignore_index=True)
    out = out.rename(columns={"lower": "lower_95", "upper": "upper_95",
                              "inside": "actual_in_interval"})  # fmt: skip
    out = published(inputs, out, reference_from)
    out["area_code"], out["area_name"] = inputs.area_code, inputs.area_name
    out["fitted_to"] = out["fitted_to"].astype("Int64")
    out = out.reindex(columns=[*out.columns, *(c for c in COLUMNS if c not in out)])
    for column in ("value", "lower_95", "upper_95", "actual", "error"):  # whole numbers
        out[column] = pd.to_numeric(out[column]).round().astype("Int64")
    out["pct_error"] = pd.to_numeric(out["pct_error"]).round(1)
    out["source"] = export_note(inputs)  # on every row: a row copied elsewhere still says it
    return ordered(out, inputs.bands).reindex(columns=COLUMNS)


def ordered(rows: pd.DataFrame, bands: Bands) -> pd.DataFrame:
    """Rows in reading order: by year, then age band youngest first (All ages last), then
    placement as CATEGORIES lists them (All placements last); sections and methods kept in
    the order they came."""
    band = rows["age_band"].map({b: i for i, b in enumerate([*bands.names, ALL_AGES])})
    placement = rows["placement"].map(
        {p: i for i, p in enumerate([*CATEGORIES.values(), ALL_PLACEMENTS])}
    )
    order = pd.DataFrame({"first": np.arange(len(rows))})
    for column in ("section", "method"):
        if column in rows:
            first_seen = {v: i for i, v in enumerate(dict.fromkeys(rows[column]))}
            order[column] = rows[column].map(first_seen).to_numpy()
    order["year"], order["band"], order["placement"] = (
        rows["year"].to_numpy(),
        band.to_numpy(),
        placement.to_numpy(),
    )
    keys = [c for c in ("section", "method", "year", "band", "placement") if c in order]
    return rows.iloc[order.sort_values(keys, kind="stable").index].reset_index(drop=True)


# What a reader is shown -----------------------------------------------------------------------


def selected(
    rows: pd.DataFrame, bands: tuple[str, ...] = (), category: str = "all", level: float = LEVEL
) -> pd.DataFrame:
    """Rows (a projection's table, or in_care's) for the chosen age bands added together (none
    chosen: all ages) and one placement category (or "all"), by year, or for a forecast each
    quarter's end (rounded to 5, monthly figures would draw steps): a forecast's variance adds
    up over bands (children of different ages move independently)."""
    chosen = (rows["category"] == category) & (
        rows["age_band"].isin(bands) if bands else rows["age_band"] == ALL_AGES
    )
    if "date" in rows:
        chosen &= rows["date"].dt.month.isin((3, 6, 9, 12))
    chosen = chosen.to_numpy()
    key = "date" if "date" in rows else "year"
    keys, at = np.unique(rows[key].to_numpy()[chosen], return_inverse=True)
    out = pd.DataFrame({key: keys})
    for column in [c for c in ("forecast", "variance", "children") if c in rows]:
        out[column] = np.bincount(at, rows[column].to_numpy()[chosen], len(keys))
    if "variance" in out:
        out["lower"], out["upper"] = limits(out["forecast"], out["variance"], level)
        out = out.rename(columns={"forecast": "value"})
        out["base"] = out["value"].iloc[0]  # the children in care at the start
    else:
        out = out.rename(columns={"children": "value"})
        out["base"] = out["value"]
    return protect(out)


def ages_text(bands: tuple[str, ...]) -> str:
    if not bands or bands == (ALL_AGES,):
        return "all ages"
    return ind.aged(bands)


def _number(value) -> str:
    return disclosure.SUPPRESSED if value is None or pd.isna(value) else f"{value:,.0f}"


def sentence(
    area: str, ages: str, placement: str, actual: pd.DataFrame, baseline: pd.DataFrame,
    scenario: pd.DataFrame | None, scenario_text: str, reference: tuple[int, int],
    backtest_rows: pd.DataFrame, band: str = ALL_AGES, percent: str = "95%",
) -> str:  # fmt: skip
    """The forecast and how far it can be trusted, in plain English, from protected figures
    (`percent`: the level of the forecast's interval)."""
    last, end = actual.iloc[-1], baseline.iloc[-1]
    year = pd.Timestamp(end["date"]).year
    band = backtest_sentence(backtest_rows, area, band)
    if last["symbol"] or end["symbol"]:
        return (
            f"{area}, {ages}, {placement.lower()}: the forecast is not shown, as the protected "
            f"figures withhold a number it is worked out from (children in care, or who "
            f"started or ceased to be looked after, in "
            f"{reference[0]} to {reference[1]}: too few children, or to protect another "
            f"figure). {band}"
        )
    text = (
        f"{area}, {ages}, {placement.lower()}: about {_number(last['value'])} children were "
        f"in care on 31 March {int(last['year'])} (every count here to the nearest five, so not "
        f"always a table's exact count). On the rates of {reference[0]} to {reference[1]}, "
        f"the model forecasts {_number(end['value'])} on 31 March {year} ({percent} interval "
        f"{_number(end['lower'])} to {_number(end['upper'])})."
    )
    if scenario is not None:
        other = scenario.iloc[-1]
        text += (
            f" With {scenario_text}: {_number(other['value'])} ({_number(other['lower'])} to "
            f"{_number(other['upper'])})."
        )
    return f"{text} {band}"


def backtest_sentence(rows: pd.DataFrame, area: str, band: str = ALL_AGES) -> str:
    """How the model did against the naive forecasts in the back-test's last year, for the
    area, an age band (or all ages) and all placements, in words. `rows`: the back-test,
    protected (protect)."""
    if rows.empty:
        return "There are too few years of returns to test the model on the past."
    fitted_to, year = int(rows["fitted_to"].iloc[0]), int(rows["year"].max())
    whole = rows[(rows["year"] == year) & (rows["age_band"] == band)
                 & (rows["placement"] == ALL_PLACEMENTS)].set_index("method")  # fmt: skip
    if whole["pct_error"].isna().any():
        return (
            f"Tested on the past (fitted on the returns to {fitted_to}), the errors for "
            f"{area}, {ages_text((band,))}, are withheld: the protected figures withhold a "
            "number they are worked out from (children in care, or who started or ceased to "
            "be looked after)."
        )
    size = {m: abs(float(whole.loc[m, "pct_error"])) for m in METHODS}
    naive = {"last_year": "carrying the last year forward", "trend": "a linear trend"}
    beaten = [m for m in naive if size["model"] < size[m]]
    if len(beaten) == 2:
        verdict = "better than both"
    elif beaten:
        other = next(m for m in naive if m not in beaten)
        verdict = f"better than {naive[beaten[0]]} but not than {naive[other]}"
    else:
        verdict = "no better than either"
    inside = "inside" if whole.loc["model", "inside"] else "outside"
    return (
        f"Tested on the past (fitted on the returns to {fitted_to}), the model's forecast for "
        f"31 March {year} was {size['model']:.0f}% out for {area}, {ages_text((band,))} (the "
        f"actual number was "
        f"{inside} its 95% interval); carrying the last year forward was "
        f"{size['last_year']:.0f}% out and a linear trend {size['trend']:.0f}%: the model did "
        f"{verdict}."
    )


def summary_for_chapter(
    folder: Path | None = None, districts: tuple[str, ...] = (), bands: tuple[str, ...] = (),
    years_ahead: int = 3, reference_from: int | None = None,
):  # fmt: skip
    """For a chapter pack: the forecast chart (actual numbers, forecast and its 95% band) for
    the council or districts and the age bands chosen, and a paragraph saying what it forecasts
    and how the model did in the back-test against the naive forecasts. All protected."""
    from carejsna import forecast_chart

    inputs = prepare(folder, districts)
    reference_from = check_years(inputs, years_ahead, reference_from)
    last = inputs.years[-1]
    shown = baseline(inputs, reference_from, years_ahead).selected(bands)
    happened = selected(actual(inputs), bands)
    back = run_backtest(inputs, reference_from)
    if len(back):  # none where the returns are too few
        back = published(inputs, protect(errors(back)).assign(section="backtest"), reference_from)
    hidden, modelled = gates(inputs, tuple(bands))
    period = built_from("forecast", last, reference_from, inputs)
    happened, shown = as_published(happened, shown, hidden, period, modelled)
    band = bands[0] if len(bands) == 1 else ALL_AGES
    text = sentence(inputs.area_name, ages_text(bands), ALL_PLACEMENTS, happened, shown, None,
                    "", (reference_from, last), back, band)  # fmt: skip
    figure = forecast_chart.figure(happened, shown, None, source_note(inputs))
    return figure, text, chapter_table(happened, shown, back, band)


def reader_table(runs, area: str, ages: str, placement: str, percent: str) -> pd.DataFrame:
    """The page's table of each forecast (`runs`: a name and its selected, protected rows, as
    `selected` gives them) at each 31 March ahead: value and interval as a reader sees them."""
    rows = []
    for method, series in runs:
        for row in series[series["date"].dt.month.eq(3)].iloc[1:].itertuples():
            rows.append(
                {
                    "Area": area,
                    "Ages": ages,
                    "Placement": placement,
                    "31 March": row.date.year,
                    "Forecast": method,
                    "Value": disclosure.shown(row.value, row.symbol, 0),
                    f"Lower {percent} CI": disclosure.shown(row.lower, row.symbol, 0),
                    f"Upper {percent} CI": disclosure.shown(row.upper, row.symbol, 0),
                }
            )
    return pd.DataFrame(rows)


def backtest_table(back: pd.DataFrame) -> pd.DataFrame:
    """The back-test (protected errors) as a reader's table: each year, age band, placement and
    method, the forecast, actual and error, and whether the actual fell inside the interval.
    By year, then age band (youngest first, as the model lists them), then method: the naive
    forecasts' bands had come in another order (1 to 4, 16 and over, ..., Under 1 last), each
    band's three forecasts apart."""
    order = back["method"].map({m: i for i, m in enumerate(METHODS)}).to_numpy()
    bands = list(dict.fromkeys(back.loc[back["method"] == "model", "age_band"]))
    band = back["age_band"].map({b: i for i, b in enumerate(bands)}).fillna(len(bands))
    years = back["year"].to_numpy()
    detail = back.iloc[np.lexsort((order, band.to_numpy(), years))]
    symbols = detail["symbol"].tolist()

    def texts(column: str, decimals: int = 0) -> list[str]:
        values = detail[column].tolist()
        return [disclosure.shown(v, s, decimals) for v, s in zip(values, symbols, strict=True)]

    inside = {True: "yes", False: "no"}
    return pd.DataFrame(
        {
            "31 March": detail["year"],
            "Age band": detail["age_band"],
            "Placement": detail["placement"],
            "Method": [METHODS[m] for m in detail["method"].tolist()],
            "Forecast": texts("value"),
            "Actual": texts("actual"),
            "Error": texts("error"),
            "Error (%)": texts("pct_error", 1),
            "Inside the 95% interval": [inside.get(v, "") for v in detail["inside"].tolist()],
        }
    )


def chapter_table(
    actual: pd.DataFrame, baseline: pd.DataFrame, back: pd.DataFrame, band: str = ALL_AGES
) -> pd.DataFrame:
    """The chapter's table of the forecast, all protected: the actual numbers at each 31 March,
    the forecast at each 31 March ahead with its interval, and the back-test's last year (each
    method's forecast, the actual and how far out it was, as the paragraph says it)."""
    rows = [
        {"Figure": "Actual", "31 March": str(int(r.year)), "Children": _number(r.value)}
        for r in actual.itertuples()
    ]
    dates = pd.to_datetime(baseline["date"])
    ahead = baseline[(dates.dt.month == 3) & (dates.dt.year > actual["year"].max())]
    rows += [
        {
            "Figure": "Forecast",
            "31 March": str(pd.Timestamp(r.date).year),
            "Children": _number(r.value),
            "95% interval": _interval(r),
        }
        for r in ahead.itertuples()
    ]
    if len(back):
        year = back["year"].max()
        last = back[(back["year"] == year) & (back["age_band"] == band)
                    & (back["placement"] == ALL_PLACEMENTS)]  # fmt: skip
        for r in last.itertuples():
            out = "" if pd.isna(r.pct_error) else f"{abs(float(r.pct_error)):.0f}"
            rows.append(
                {
                    "Figure": f"Back-test (fitted to {int(r.fitted_to)}): {METHODS[r.method]}",
                    "31 March": str(int(r.year)),
                    "Children": _number(r.value),
                    # the model's, which its paragraph says the actual fell inside or outside
                    # of (the naive forecasts have none): the column had been blank
                    "95% interval": _interval(r) if r.method == "model" else "",
                    "Actual": _number(r.actual),
                    "Out by (%)": out or disclosure.SUPPRESSED,
                }
            )
    return pd.DataFrame(rows).fillna("")


def _interval(row) -> str:
    """A forecast's 95% interval as its table gives it: c where the forecast is withheld."""
    return disclosure.SUPPRESSED if row.symbol else f"{_number(row.lower)} to {_number(row.upper)}"


def _source(inputs: Inputs) -> str:
    return f"Source: {inputs.source}; forecast by carejsna's stock-and-flow model."


def source_note(inputs: Inputs) -> str:
    """A chart's source line."""
    synthetic = " Synthetic demo data: no real child." if inputs.synthetic else ""
    return _source(inputs) + synthetic


def export_note(inputs: Inputs) -> str:
    """The source column of a forecast table, worded as the indicators' (Context.source_note):
    synthetic demo data says so first."""
    return f"{ind.SYNTHETIC} {_source(inputs)}" if inputs.synthetic else _source(inputs)
