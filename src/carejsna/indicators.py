"""Figures for a selection: cells summed over districts and age bands, then protected."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from carejsna import catalogue, db, disclosure, safe, stats
from carejsna.catalogue import Indicator
from carejsna.returns.postcodes import OTHER, UNKNOWN

SYNTHETIC = "SYNTHETIC DEMO DATA, not real children."  # first in every export of demo data

SCALE = {"count": None, "percent": 100, "rate_per_10k": 10_000, "mean": 1}
DECIMALS = {"count": 0, "percent": 1, "rate_per_10k": 1, "mean": 1}
ALL_AGES = "All ages"
NO_BAND_COMPARATOR = "no comparator for this age band"  # published figures are all ages
AREAS_JOINED, BANDS_JOINED = "+", ", "  # how a figure over chosen districts or bands is named
VIEWS = ("trend", "district", "age_band", "age_bands", "category")


@dataclass(frozen=True)
class Context:
    """What the extracts cover: the council, its districts, age bands and years."""

    council_code: str
    council_name: str
    synthetic: bool
    source: str
    licence: str
    years: tuple[int, ...]
    districts: pd.DataFrame  # district_code, district_name, is_council_district, sort_order
    age_bands: tuple[str, ...]
    benchmarks: pd.DataFrame = field(default_factory=pd.DataFrame)  # published figures

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, folder: Path | None = None) -> Context:
        meta = db.metadata(folder)
        council = meta["council"]
        cursor = con.cursor()
        districts = cursor.execute("select * from districts order by sort_order").df()
        bands = cursor.execute("select age_band from age_bands order by sort_order").fetchall()
        extracts = {name for (name,) in cursor.execute("show tables").fetchall()}
        published = cursor.table("benchmarks").df() if "benchmarks" in extracts else None
        return cls(
            council_code=council["code"],
            council_name=council["name"],
            synthetic=bool(council["synthetic"]),
            source=council["source"],
            licence=council["licence"],
            years=tuple(meta["years"]),
            districts=districts,
            age_bands=tuple(b[0] for b in bands),
            benchmarks=published if published is not None else pd.DataFrame(),
        )

    def published(self, indicator_id: str, area_code: str = "") -> pd.DataFrame:
        """Published figures for an indicator, for a comparator area (the first one, England
        as shipped, unless another is named)."""
        area_code = area_code or next(iter(self.comparators), "")
        if self.benchmarks.empty:
            return pd.DataFrame({"year": pd.Series(dtype=int), "value": pd.Series(dtype=float)})
        return self._published.get((indicator_id, area_code), self.benchmarks.iloc[:0])

    @cached_property
    def _published(self) -> dict[tuple[str, str], pd.DataFrame]:
        """The published figures by indicator and area, split once (shared: never changed)."""
        return dict(tuple(self.benchmarks.groupby(["indicator_id", "area_code"], sort=False)))

    @cached_property
    def comparators(self) -> dict[str, str]:
        """Areas with published figures to compare the council with: England first, then any
        region, statistical neighbours or other area the council added."""
        if self.benchmarks.empty:
            return {}
        order = {"country": 0, "region": 1, "statistical_neighbours": 2, "local_authority": 3}
        areas = self.benchmarks.drop_duplicates("area_code")
        areas = areas.assign(rank=areas["area_type"].map(order).fillna(9))
        areas = areas.sort_values(["rank", "area_name"])
        return dict(zip(areas["area_code"], areas["area_name"], strict=True))

    @cached_property
    def own_districts(self) -> list[str]:
        """The codes of the council's own districts (not Unknown, not Other), in order."""
        return list(self.districts.loc[self.districts["is_council_district"], "district_code"])

    @cached_property
    def own_district_set(self) -> frozenset[str]:
        return frozenset(self.own_districts)

    @cached_property
    def district_names(self) -> dict[str, str]:
        return dict(
            zip(self.districts["district_code"], self.districts["district_name"], strict=True)
        )

    @property
    def source_note(self) -> str:
        note = f"Source: {self.source}, {self.council_name}."
        return f"{SYNTHETIC} {note}" if self.synthetic else note


def district_code(given: str, names: dict[str, str], what: str) -> str:
    """The code of a district given by its code or its name (any case: "Mansfield" as well as
    E07000174), as a command line or chapter.toml takes it. Else ValueError, beginning with
    `what` and listing each code with its name: the codes alone did not say which is which."""
    if given in names:
        return given
    by_name = {name.casefold(): code for code, name in names.items()}
    by_code = {code.casefold(): code for code in names}
    found = by_code.get(given.strip().casefold()) or by_name.get(given.strip().casefold())
    if found is None:
        known = ", ".join(f"{code} ({name})" for code, name in names.items())
        raise ValueError(f"{what}: not one of {known}")
    return found


@dataclass(frozen=True)
class Selection:
    """The shared filters: empty districts or age_bands mean all of them."""

    year_from: int
    year_to: int
    districts: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    level: float = 0.95  # the confidence level shown: 0.95 or 0.998
    rounded: bool = False  # counts to the nearest 5, for publication
    comparator: str = ""  # the published area the council is compared with ("" = England)
    combined: bool = False  # several chosen districts added together, not side by side

    @property
    def apart(self) -> bool:
        """Several districts chosen, side by side (a trend line each), not added together."""
        return len(self.districts) > 1 and not self.combined

    @property
    def views(self) -> tuple[str, ...]:
        """What `read` gives a theme page for this selection: the selection, the council, and
        each chosen district alone where they are side by side."""
        return ("selection", "council", *(("each",) if self.apart else ()))

    def area(self, context: Context) -> tuple[str, str]:
        if not self.districts:
            return context.council_code or "council", context.council_name
        names = [context.district_names.get(d, d) for d in self.districts]
        return AREAS_JOINED.join(self.districts), stats.listed(names)


def area_codes(context: Context) -> list[str]:
    """The areas in protect()'s lattice order: each district (Unknown and Other too), then the
    council."""
    return [*context.districts["district_code"], context.council_code or "council"]


def aged(bands: tuple[str, ...]) -> str:
    """Age bands in words: "aged under 1 or 1 to 4"."""
    return "aged " + " or ".join(band[0].lower() + band[1:] for band in bands)


def band_names(indicator: Indicator, context: Context) -> list[str]:
    """An indicator's age bands in its figures' order (protect()'s lattice)."""
    if "age_band" not in indicator.filters:
        return [ALL_AGES]
    return [*context.age_bands, "Unknown", ALL_AGES]


def views(indicator: Indicator) -> tuple[str, ...]:
    """The views an indicator offers: a distribution has no district or age band comparison."""
    if indicator.breakdown:
        return ("category", "trend")
    return VIEWS[:4] if "age_band" in indicator.filters else VIEWS[:2]


def figures(
    con: duckdb.DuckDBPyConnection,
    indicator: Indicator,
    selection: Selection,
    view: str,
    context: Context,
) -> pd.DataFrame:
    """What one chart or table shows: see `all_figures`."""
    offered = views(indicator) + (("districts",) if "district" in views(indicator) else ())
    if view not in offered:
        raise ValueError(f"{indicator.id} has no view {view!r}: one of {offered}")
    return all_figures(con, indicator, selection, context, (view,))[view]


LIMITS = [f"{side}_{stats.level_suffix(lv)}" for lv in stats.LEVELS for side in ("lower", "upper")]


def all_figures(
    con: duckdb.DuckDBPyConnection,
    indicator: Indicator,
    selection: Selection,
    context: Context,
    wanted: tuple[str, ...] = (),
    rows: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Every view of an indicator (or the views `wanted`) for a selection, read from the
    protected figures the build wrote (queries/read/views.sql): a figure over several chosen
    districts or age bands is the sum of the published ones, withheld when any of them is.
    `rows`: what `read` gave for the selection's districts and ages over these years or more,
    for this indicator among others, with the views wanted: taken from it, not read again.

    trend: the selection (and, when it is a part, the whole council) for each selected year;
    district: each district and the council for the latest selected year (districts: for
    every selected year, year by year);
    age_band: each age band and all ages, for the selected districts, for the latest year;
    age_bands: the same for every selected year (each age band over time);
    category: each category of a distribution, for the selection, for the latest year.
    Columns: area_code, area_name, year, age_band, [category,] numerator, denominator, value,
    symbol, limits at both levels, the build's trend verdict (trend, trend_p) where a figure is
    a single published one [, sum_squares for means], comparator, comparator_value, comparison.
    """
    if "age_band" not in indicator.filters:
        selection = replace(selection, age_bands=())
    council = context.council_code or "council"
    wanted = wanted or views(indicator)
    apart = selection.apart and not indicator.breakdown  # a trend line each chosen district
    trend = "each" if apart else "selection"
    source = {"trend": trend, "category": "selection", "districts": "district"}
    needed = {source.get(view, view) for view in wanted} | {"council"}  # the comparator
    if "age_band" in wanted and selection.districts:  # a district's bands: the council's
        needed.add("council_band")
    if "age_bands" in wanted and selection.districts:  # and so in every year
        needed.add("council_bands")
    needed = tuple(v for v in VIEW_ROWS if v in needed)
    if rows is not None and set(needed) <= set(rows["view"]):
        years = rows["year"].between(selection.year_from, selection.year_to)
        shown = rows[(rows["indicator_id"] == indicator.id) & years & rows["view"].isin(needed)]
    else:
        shown = read(con, [indicator], selection, context, needed)
    code, name = selection.area(context)
    label = BANDS_JOINED.join(selection.age_bands or [ALL_AGES])
    keys = ["category"] if indicator.breakdown else []
    of = {view: part for view, part in shown.groupby("view", sort=False)}
    empty = shown.iloc[:0]
    chosen = of.get("selection", empty).assign(area_code=code, area_name=name, age_band=label)
    columns = ["area_code", "area_name", "year", "age_band", *keys, "numerator"]
    columns += ["denominator", "value", "symbol", *LIMITS, "trend", "trend_p"]
    columns += ["sum_squares"] if indicator.unit == "mean" else []
    frames = {"council": of.get("council", empty).assign(age_band=label)[columns]}
    if "council_band" in needed:
        bands = of.get("council_band", empty).assign(area_code=council)
        frames["council_band"] = bands.assign(area_name=context.council_name)[columns]
    if "council_bands" in needed:
        bands = of.get("council_bands", empty).assign(area_code=council)
        frames["council_bands"] = bands.assign(area_name=context.council_name)[columns]
    for view in wanted:
        if view == "trend":
            out = chosen
            if apart:
                out = _side_by_side(of.get("each", empty), selection, context, label)
            if selection.districts and not keys:
                out = pd.concat([out, frames["council"]], ignore_index=True)
        elif view == "category":
            out = chosen[chosen["year"] == selection.year_to]
            out = out.sort_values(["numerator", "category"], ascending=[False, True])
        elif view in ("district", "districts"):  # the latest year, or every year
            out = of.get("district", empty).assign(age_band=label)
            out = out[out["year"] == selection.year_to] if view == "district" else out
            some = (out["numerator"] > 0) | (out["symbol"] == disclosure.SUPPRESSED)
            out = out[out["area_code"].isin([*context.own_districts, council]) | some]
        else:  # by age band: in the latest year, or every year
            out = of.get(view, empty).assign(area_code=code, area_name=name)
            some = (out["numerator"] > 0) | (out["symbol"] == disclosure.SUPPRESSED)
            out = out[out["age_band"].isin([*context.age_bands, ALL_AGES]) | some]
        frames[view] = out[columns].reset_index(drop=True)
    if selection.rounded:
        frames = {view: _rounded(frame, indicator) for view, frame in frames.items()}
    whole = frames.pop("council")
    bands = {view: frames.pop(f"council_{view[4:]}", None) for view in ("age_band", "age_bands")}
    return _compared(frames, whole, indicator, selection, context, bands)


VIEW_ROWS = ("selection", "council", "each", "district", "age_band", "council_band", "age_bands",
             "council_bands")  # fmt: skip  # views.sql's views


def _side_by_side(
    each: pd.DataFrame, selection: Selection, context: Context, label: str
) -> pd.DataFrame:
    """Each chosen district's own trend (the `each` view's rows), one after another in the
    order they were chosen (for a line each)."""
    order = {code: i for i, code in enumerate(selection.districts)}
    each = each.iloc[np.argsort([order[c] for c in each["area_code"]], kind="stable")]
    names = [context.district_names.get(code, code) for code in each["area_code"]]
    return each.assign(area_name=names, age_band=label).reset_index(drop=True)


def read(
    con: duckdb.DuckDBPyConnection,
    indicators: list[Indicator],
    selection: Selection,
    context: Context,
    views: tuple[str, ...] = ("selection",),
) -> pd.DataFrame:
    """The rows of queries/read/views.sql for indicators and a selection (age bands apply to the
    indicators that have them): a figure that sums several published ones (parts > 1) gets
    its value, symbol and limits from the summed counts, withheld when any part is. Rounded,
    the parts are summed as shown, each rounded to the nearest 5."""
    council = context.council_code or "council"
    banded = [i.id for i in indicators if "age_band" in i.filters]
    db.hold(con, [i.id for i in indicators])  # a server reads an indicator in when first asked
    shown = db.read(
        con, "views", indicator_ids=[i.id for i in indicators], banded=banded,
        year_from=selection.year_from, year_to=selection.year_to, latest=selection.year_to,
        council=council, areas=list(selection.districts or [council]),
        bands=list(selection.age_bands or [ALL_AGES]), views=list(views),
        area_order=list(context.districts["district_code"]), band_order=list(context.age_bands),
        rounded=selection.rounded,
    )  # fmt: skip
    several = shown["parts"] > 1
    if several.any():  # a sum of one chosen district's bands is that district's (z: Unknown)
        alone = selection.districts[0] if len(selection.districts) == 1 else ""
        sums = shown[several].assign(area_code=shown["area_code"].fillna(alone))
        units = sums["unit"].to_numpy(dtype=object)
        sums = disclosure.blank(derive(sums, units), units, sums["withheld"])
        none = pd.Series(np.nan, sums.index, shown["trend"].dtype)  # a sum has no stored verdict
        shown = pd.concat([shown[~several], sums.assign(trend=none, trend_p=float("nan"))])
        shown = shown.sort_index()
    shown.loc[shown["unit"] == "count", "denominator"] = float("nan")
    return shown


def trends(
    con: duckdb.DuckDBPyConnection,
    indicators: list[Indicator],
    selection: Selection,
    context: Context,
    rows: pd.DataFrame | None = None,
) -> dict[str, pd.DataFrame]:
    """Each indicator's own trend for the selection (the rows of its trend view that are the
    selection's), all read at once: for tiles, sentences, scorecards and summary tables.
    `rows`: what `read` gave for these indicators and this selection, with the selection's
    view among others, to take them from."""
    if rows is None:
        rows = read(con, indicators, selection, context)
    shown = rows[rows["view"] == "selection"].reset_index(drop=True)
    code, name = selection.area(context)
    banded = [i.id for i in indicators if "age_band" in i.filters]
    bands = BANDS_JOINED.join(selection.age_bands or [ALL_AGES])
    shown = shown.iloc[np.argsort(shown["indicator_id"].to_numpy(), kind="stable")]
    ids = shown["indicator_id"].to_numpy()
    shown = shown.assign(
        area_code=code, area_name=name, age_band=np.where(np.isin(ids, banded), bands, ALL_AGES)
    )
    out = {}
    for item in indicators:  # the rows, indicator by indicator: each a slice of them
        rows = shown.iloc[np.searchsorted(ids, item.id) : np.searchsorted(ids, item.id, "right")]
        out[item.id] = _rounded(rows, item) if selection.rounded else rows
    return out


def by_district(
    con: duckdb.DuckDBPyConnection,
    indicators: list[Indicator],
    selection: Selection,
    context: Context,
) -> dict[str, pd.DataFrame]:
    """Each indicator's figures by district (the council last) in the selection's latest year,
    for the chosen age bands, all read at once: to place a district among the others."""
    shown = read(con, indicators, replace(selection, year_from=selection.year_to), context,
                 ("district",))  # fmt: skip
    by_id = dict(tuple(shown.groupby("indicator_id", sort=False)))
    out = {}
    for item in indicators:
        rows = by_id.get(item.id, shown.iloc[:0])
        out[item.id] = _rounded(rows, item) if selection.rounded else rows
    return out


def derive(frame: pd.DataFrame, unit) -> pd.DataFrame:
    """Value, symbol and confidence limits at both levels (OHID's methods: Wilson, exact Poisson
    or Byar, t) from the counts: x where there is no denominator, z where none applies (an
    Unknown or out-of-council district, or no children to count). `unit`: the frame's, or each
    row's (an array: a read's sums of several indicators, derived at once). The frame's
    columns, these replaced or added (symbol, then value, then the limits last)."""
    numerator = frame["numerator"].astype("float64")
    denominator = pd.to_numeric(frame["denominator"], errors="coerce").astype("float64")
    total, base = numerator.to_numpy(), denominator.to_numpy()
    counts = total, base, frame["sum_squares"].to_numpy() if "sum_squares" in frame else None
    units = np.broadcast_to(np.asarray(unit, dtype=object), len(frame))
    value = total.copy()  # a count's value
    limits = {name: np.full(len(frame), np.nan) for name in LIMITS}
    for each in dict.fromkeys(units):
        rows = units == each
        part = slice(None) if rows.all() else rows  # the whole frame as it is, if one unit
        o, n, ss = (None if x is None else x[part] for x in counts)
        for name, limit in stats.limits(each, o, n, ss).drop(columns=["value"]).items():
            limits[name][part] = limit.to_numpy()
        if each != "count":
            value[part] = _ratio(o, n, each)
    none = np.isnan(value) & (units != "count")
    symbol = np.where(none, disclosure.NOT_AVAILABLE, "").astype(object)
    unknown = frame["area_code"].isin([UNKNOWN, OTHER]).to_numpy()
    symbol[none & (unknown | (base == 0))] = disclosure.NOT_APPLICABLE
    columns = {c: frame[c] for c in frame.columns if c not in limits}
    columns.update(numerator=numerator, denominator=denominator)
    columns["symbol"] = pd.Series(symbol, index=frame.index, dtype="str")
    columns["value"] = value
    shown = ~np.isnan(value)
    columns.update({name: np.where(shown, limit, np.nan) for name, limit in limits.items()})
    return pd.DataFrame(columns, index=frame.index)


def _ratio(numerator: np.ndarray, denominator: np.ndarray, unit: str) -> np.ndarray:
    """Numerator over denominator, scaled to the unit; blank where there is no denominator."""
    return numerator / np.where(denominator > 0, denominator, np.nan) * SCALE[unit]


def _rounded(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Counts of children to the nearest 5, for publication, and every figure shown beside them
    (rate, percentage, limits, an average's total of scores) worked out again from the rounded
    counts: else they would give the exact counts back."""
    unit = indicator.unit
    out = frame.copy()
    shown = out["symbol"] == ""
    exact = out["denominator"]
    columns = {"count": ["numerator"], "rate_per_10k": ["numerator"], "mean": ["denominator"]}
    for column in columns.get(unit, ["numerator", "denominator"]):
        out[column] = disclosure.rounded(out[column])
    if unit == "mean":  # the same average and spread, from the rounded number of children
        mean = out["value"]
        variance = (frame["sum_squares"] - frame["numerator"] ** 2 / exact) / (exact - 1)
        out["numerator"] = mean * out["denominator"]
        out["sum_squares"] = (
            variance * (out["denominator"] - 1) + out["numerator"] ** 2 / (out["denominator"])
        )
    symbols = out["symbol"]
    derived = derive(out, unit)
    if unit == "mean":
        derived["value"] = out["value"]
    derived["symbol"] = symbols
    derived["trend"] = None  # tested again on the rounded counts, as shown
    derived.loc[~shown, [c for c in derived if c.startswith(("lower_", "upper_"))]] = float("nan")
    derived.loc[~shown, "value"] = out.loc[~shown, "value"]
    return derived


def _compared(frames, whole, indicator, selection, context, bands=None) -> dict[str, pd.DataFrame]:
    """Each figure against its comparator, the public health way (its confidence interval
    against the comparator's value): a district against the council for the same ages (`whole`,
    by year; in the views by age band, `bands`, by view: the council's each band and all ages,
    in the latest year or every year), the
    council's all-ages figure against the chosen published one (England's unless another is
    chosen). Adds comparator, comparator_value and comparison (at the selection's level)."""
    council = (context.council_code or "council", context.council_name)
    area = selection.comparator or next(iter(context.comparators), "")
    rows = context.published(indicator.id, area)
    published = dict(zip(rows["year"], rows["value"], strict=True))
    releases = dict(zip(rows["year"], release_names(rows), strict=True))
    by_year, by_band = {}, {}  # a distribution's districts have no comparator
    if not indicator.breakdown:
        by_year = dict(zip(whole["year"], whole["value"], strict=True))
        for view, frame in (bands or {}).items():
            if frame is not None:
                keys = zip(frame["age_band"], frame["year"], strict=True)
                by_band[view] = dict(zip(keys, frame["value"], strict=True))
    name = context.comparators.get(area, "England")
    suffix = stats.level_suffix(selection.level)
    out = {}
    for view, frame in frames.items():
        year = frame["year"].to_numpy()
        all_ages = (frame["age_band"] == ALL_AGES).to_numpy()
        is_council = (frame["area_code"] == council[0]).to_numpy()
        on = np.full(len(frame), indicator.unit != "count" and view != "category")
        council_value = [by_year.get(y, np.nan) for y in year]
        if view in ("age_band", "age_bands"):  # a district's: the council's for the same ages
            same = by_band.get(view, {})
            council_value = [same.get(k, np.nan) for k in zip(frame["age_band"], year, strict=True)]
        value = np.where(
            is_council,
            np.where(all_ages, [published.get(y, np.nan) for y in year], np.nan),
            council_value,
        ).astype(float)
        value = np.where(on, value, np.nan)
        comparator = np.where(on, np.where(is_council, name, council[1]), "")
        judged = stats.compare(
            frame[f"lower_{suffix}"], frame[f"upper_{suffix}"], value, indicator.polarity
        )
        comparison = np.where(
            ~on, stats.NOT_COMPARED, np.where(np.isnan(value), "no comparator", judged)
        )
        # Published figures are for all ages: an age band has no like-for-like comparator.
        comparison = np.where(is_council & ~all_ages & on, NO_BAND_COMPARATOR, comparison)
        source = [releases.get(y, "") for y in year]  # a district's comparator is the council
        out[view] = frame.assign(
            comparator=comparator,
            comparator_value=value,
            comparator_source=np.where(is_council & ~np.isnan(value), source, ""),
            comparison=comparison,
        )
    return out


def release_name(note: str) -> str:
    """A release note's first clause, its name: up to the first "; " outside brackets, so
    "... reporting year 2023 (EES, 2023; rates added 2024); percentage, ..." keeps its
    bracket whole."""
    depth = 0
    for at, character in enumerate(note):
        depth += {"(": 1, ")": -1}.get(character, 0)
        if depth == 0 and note.startswith("; ", at):
            return note[:at].strip()
    return note.strip()


def release_names(published: pd.DataFrame) -> list[str]:
    """Each published figure's release, by name ("DfE, Children looked after in England ...,
    reporting year 2024"), and "derived from DfE's counts, not published by DfE" where so."""
    releases = published.get("release", pd.Series("", published.index)).fillna("")
    derived = published.get("derived", pd.Series(False, published.index)).fillna(False)
    return [
        release_name(release) + ("; derived from DfE's counts, not published by DfE" * bool(d))
        for release, d in zip(releases, derived, strict=True)
    ]


def comparison(frame: pd.DataFrame, indicator: Indicator, level: float) -> np.ndarray:
    """better / similar / worse (or higher / lower) by the interval at `level` against the
    comparator's value; "no comparator" where one is named but has no figure."""
    suffix = stats.level_suffix(level)
    judged = stats.compare(
        frame[f"lower_{suffix}"], frame[f"upper_{suffix}"], frame["comparator_value"],
        indicator.polarity,
    )  # fmt: skip
    named = (frame["comparator"] != "").to_numpy()
    missing = named & frame["comparator_value"].isna().to_numpy()
    return np.where(~named, stats.NOT_COMPARED, np.where(missing, "no comparator", judged))


def table(
    figures: pd.DataFrame,
    indicator: Indicator,
    context: Context,
    thousands: bool = True,
    level: float = 0.95,
) -> pd.DataFrame:
    """Protected figures as a reader (and, without thousands separators, a CSV) sees them, with
    the confidence limits at `level`. The CSV form has every text cell a spreadsheet would run
    as a formula (e.g. a district or comparator named `=HYPERLINK(...)`) neutralised with a
    leading `'` (`safe.frame`); numbers, negative ones too, are kept as numbers."""
    decimals = DECIMALS[indicator.unit]
    suffix = stats.level_suffix(level)
    symbols = figures["symbol"].tolist()
    rows = len(symbols)

    def texts(column: str, places: int) -> list[str]:
        values = figures[column].tolist()
        return [
            disclosure.shown(v, s, places, thousands) for v, s in zip(values, symbols, strict=True)
        ]

    def given(column: str, default) -> list:
        return figures[column].tolist() if column in figures else [default] * rows

    comparisons, comparators = given("comparison", stats.NOT_COMPARED), given("comparator", "")
    out = pd.DataFrame(
        {
            "area_code": figures["area_code"].to_numpy(),
            "area_name": figures["area_name"].to_numpy(),
            "year": figures["year"].to_numpy().astype(int),
            # a care leavers' measure's own ages, which had read "All ages"
            "age_band": indicator.ages or figures["age_band"].to_numpy(),
            **({"category": figures["category"].to_numpy()} if "category" in figures else {}),
            "indicator_id": indicator.id,
            "indicator": indicator.title,
            "unit": indicator.unit_label,
            "value": texts("value", decimals),
            f"lower_{suffix}": texts(f"lower_{suffix}", decimals + (indicator.unit == "count")),
            f"upper_{suffix}": texts(f"upper_{suffix}", decimals + (indicator.unit == "count")),
            "numerator": _shown(figures["numerator"], figures["symbol"], thousands),
            "denominator": _shown(figures["denominator"], figures["symbol"], thousands),
            "comparator": comparators,
            "comparator_value": [
                "" if pd.isna(v) else f"{v:.{decimals}f}"
                for v in given("comparator_value", float("nan"))
            ],
            "comparator_source": given("comparator_source", ""),
            "comparison": comparisons,
            "compared": [
                compared_text(c, n) for c, n in zip(comparisons, comparators, strict=True)
            ],
            "source": context.source_note,
        },
        index=figures.index,
    )
    if indicator.unit == "count":
        out["denominator"] = ""
    return out if thousands else safe.frame(out)


def compared_text(comparison: str, comparator: str) -> str:
    """'Higher than England', 'Similar to Nottinghamshire', 'No comparator', 'Not compared'."""
    if comparison in ("better", "worse", "higher", "lower"):
        return f"{comparison.capitalize()} than {stats.in_sentence(comparator)}"
    if comparison == stats.SIMILAR:
        return f"Similar to {stats.in_sentence(comparator)}"
    return comparison.capitalize()


def _shown(values: pd.Series, symbols: pd.Series, thousands: bool) -> list[str]:
    """A count as shown: the number where there is one, else the row's symbol; and the symbol,
    not a 0, where the figure has no data or does not apply (no children to count)."""
    empty = (disclosure.NOT_AVAILABLE, disclosure.NOT_APPLICABLE)
    return [
        disclosure.shown(v, s if pd.isna(v) or (v == 0 and s in empty) else "", 0, thousands)
        for v, s in zip(values, symbols, strict=True)
    ]


def recent_trend(trend: pd.DataFrame, indicator: Indicator, level: float = 0.95) -> stats.Trend:
    """The selection's recent trend, as Fingertips judges it: its last five yearly points, a
    chi-square test for linear trend for proportions, a Poisson test for rates and counts,
    significant below 1 - `level` (the confidence level chosen: 0.05 at 95%, 0.002 at 99.8%).
    Not tested where a point is withheld (the test must not rest on hidden counts) or for means.
    """
    if indicator.unit == "mean" or indicator.breakdown:
        return stats.Trend("not tested for this kind of indicator")
    alpha = stats.alpha(level)
    own = own_series(trend, ["year", "numerator", "denominator", "symbol", "trend", "trend_p"])
    own = {column: values[-5:] for column, values in own.items()}
    if len(own["year"]) and (own["symbol"] == disclosure.NOT_APPLICABLE).all():
        return stats.Trend("not applicable (z)")  # an Unknown district's rate: nothing missing
    stored = own["trend"][-1] if "trend" in own and len(own["year"]) == 5 else None
    if isinstance(stored, str):  # worked out by the build (at 95%), from the same five figures
        p_value = float(own["trend_p"][-1])
        if stored in (stats.INCREASING, stats.DECREASING) and not p_value < alpha:
            stored = stats.NO_CHANGE  # significant at 95%, not at the level chosen
        return stats.Trend(stored, p_value=p_value, points=5)
    counted = ~pd.isna(own["numerator"])
    if len(own["year"]) < 5 or not counted.all() or (own["symbol"] != "").any():
        return stats.Trend(stats.NOT_ENOUGH_DATA, points=int(counted.sum()))
    if indicator.unit == "percent":
        return stats.trend_proportions(own["numerator"], own["denominator"], own["year"], alpha)
    exposures = own["denominator"] if indicator.unit == "rate_per_10k" else None
    return stats.trend_counts(own["numerator"], own["year"], exposures, alpha)


def own_series(trend: pd.DataFrame, columns: list[str]) -> dict[str, np.ndarray]:
    """A trend view's own series (its first area's rows: not the council's beside a district),
    year by year: each of `columns` it has, as an array."""
    names = trend["area_name"].to_numpy()
    rows = np.flatnonzero(names == names[0]) if len(names) else np.arange(0)
    rows = rows[np.argsort(trend["year"].to_numpy()[rows], kind="stable")]
    return {c: trend[c].to_numpy()[rows] for c in columns if c in trend}


def recent_span(years) -> str:
    """The years a recent trend rests on, its last five points: "2020 to 2024", or with a
    year's return missing "2019 to 2024, without 2023" (the five points then span six years)."""
    held = sorted({int(y) for y in years})[-5:]
    if not held:
        return ""
    missing = sorted(set(range(held[0], held[-1] + 1)) - set(held))
    return f"{held[0]} to {held[-1]}" + (
        f", without {stats.listed([str(y) for y in missing])}" if missing else ""
    )


def trend_sentence(
    result: stats.Trend, years: pd.Series, plain: bool = False, level: float = 0.95, area=""
) -> str:
    """'Recent trend (2020 to 2024): increasing, statistically significant (p = 0.012).' Never
    significant unless it is; `plain` leaves the p-value out, for readers who want the words;
    a level other than 95% is named; `area`, whose trend it is, named before the words."""
    span = recent_span(years)
    words = (f"{area} " if area else "") + _trend_words(result, plain, level)
    if result.direction in (stats.INCREASING, stats.DECREASING, stats.NO_CHANGE):
        return f"Recent trend ({span}): {words}."
    return f"Recent trend: {words}."


def trend_text(
    frame: pd.DataFrame, indicator: Indicator, selection: Selection, plain: bool = False
) -> str:
    """A trend view's recent trend in words (trend_sentence), at the selection's confidence
    level: of its one area, or, for districts drawn side by side, of each, named. One area
    drawn beside the council is named too: a chapter's "Mansfield and Ashfield 463 ...;
    Nottinghamshire 1,128 .... Recent trend: not tested" had read as the council's."""
    level = selection.level
    codes = list(dict.fromkeys(frame["area_code"]))
    chosen = [] if selection.combined else [c for c in codes if c in selection.districts]
    if len(chosen) < 2:
        area = frame["area_name"].iloc[0] if len(codes) > 1 else ""
        result = recent_trend(frame, indicator, level)
        return trend_sentence(result, frame["year"], plain, level, area)
    said = []
    for code in chosen:
        own = frame[frame["area_code"] == code]
        words = _trend_words(recent_trend(own, indicator, level), plain, level)
        said.append(f"{own['area_name'].iloc[0]} {words}")
    return f"Recent trend ({recent_span(frame['year'])}): {'; '.join(said)}."


def band_trends_text(
    frame: pd.DataFrame, indicator: Indicator, selection: Selection, plain: bool = False
) -> str:
    """Each age band's recent trend (and all ages'), in words, in a by age band over time view:
    "Recent trend (2020 to 2024): under 1 no statistically significant change; 16 and over
    increasing, statistically significant (p = 0.004); all ages ...". An average's, not tested,
    said once."""
    if indicator.unit == "mean":
        return trend_sentence(recent_trend(frame, indicator), frame["year"], plain)
    said, untested = [], False
    for band, rows in frame.groupby("age_band", sort=False):
        result = recent_trend(rows, indicator, selection.level)
        untested |= result.direction == stats.NOT_ENOUGH_DATA
        words = "not tested" if result.direction == stats.NOT_ENOUGH_DATA else None
        said.append(f"{band[0].lower() + band[1:]} "
                    + (words or _trend_words(result, plain, selection.level)))  # fmt: skip
    why = " (not tested: a test needs five years of figures, none withheld or missing)"
    return f"Recent trend ({recent_span(frame['year'])}): {'; '.join(said)}{why * untested}."


def _trend_words(result: stats.Trend, plain: bool, level: float) -> str:
    """What trend_sentence says of a trend after its span: 'increasing, statistically
    significant (p = 0.012)'."""
    at = stats.at_level(level)
    if result.direction in (stats.INCREASING, stats.DECREASING):
        p = "p < 0.001" if result.p_value < 0.001 else f"p = {result.p_value:.3f}"
        return f"{result.direction}, statistically significant{at}" + ("" if plain else f" ({p})")
    if result.direction == stats.NO_CHANGE:
        return f"no statistically significant change{at}"
    if result.direction == stats.NOT_ENOUGH_DATA:
        return "not tested (it needs five years of figures, none of them withheld or missing)"
    return result.direction


COMPARED_GROUPS = ("Placed away", "Placed near")  # a grouped indicator's groups tested


def group_differences(
    con: duckdb.DuckDBPyConnection,
    indicators: list[Indicator],
    selection: Selection,
    context: Context,
) -> pd.DataFrame:
    """For each grouped indicator (groups_of), its two COMPARED_GROUPS for the selection in
    its latest year, read from the published figures, and the test of their difference
    (stats.difference, at the selection's level), worked out from those two figures as shown
    (rounded, where counts are): none where either is withheld or missing. A row an indicator:
    indicator_id, unit, year, for each group (away_, near_) value, limits, numerator, denominator,
    symbol; then difference, its limits, p_value, method and verdict."""
    latest = replace(selection, year_from=selection.year_to)
    return differences(trends(con, indicators, latest, context), indicators, selection)


def differences(
    shown: dict[str, pd.DataFrame], indicators: list[Indicator], selection: Selection
) -> pd.DataFrame:
    """group_differences from trends already read (`shown`: `trends` of the grouped indicators
    for the selection, any years up to its latest): the tests of the latest year's groups."""
    suffix = stats.level_suffix(selection.level)
    rows = []
    columns = ["category", "value", f"lower_{suffix}", f"upper_{suffix}", "numerator"]
    columns += ["denominator", "sum_squares", "symbol"]
    for item in indicators:
        own = shown[item.id]
        latest = own["year"].to_numpy() == selection.year_to
        cells = {c: own[c].to_numpy()[latest].tolist() for c in columns if c in own}
        by_group = {group: dict(zip(cells, figure, strict=True)) for group, figure in zip(
            cells["category"], zip(*cells.values(), strict=True), strict=True
        )}  # fmt: skip
        row = {"indicator_id": item.id, "unit": item.unit, "year": selection.year_to}
        groups = {}
        for prefix, group in zip(("away", "near"), COMPARED_GROUPS, strict=True):
            figure = by_group.get(group)  # one year: one figure a group
            groups[prefix] = figure
            for column in ("value", f"lower_{suffix}", f"upper_{suffix}", "numerator"):
                row[f"{prefix}_{column.removesuffix('_' + suffix)}"] = (
                    float("nan") if figure is None else figure[column]
                )
            row[f"{prefix}_denominator"] = float("nan") if figure is None else figure["denominator"]
            row[f"{prefix}_symbol"] = (
                disclosure.NOT_AVAILABLE if figure is None else figure["symbol"]
            )
        away, near = groups["away"], groups["near"]
        tested = away is not None and near is not None and not (away["symbol"] or near["symbol"])
        result = stats.Difference(stats.NOT_COMPARED)
        if tested:
            result = stats.difference(item.unit, away, near, item.polarity, selection.level)
        rows.append(row | {
            "difference": result.difference, "lower": result.lower, "upper": result.upper,
            "p_value": result.p_value, "method": result.method, "verdict": result.verdict,
        })  # fmt: skip
    return pd.DataFrame(rows)


def area_words(selection: Selection, context: Context) -> str:
    """The selection's area as a caption or file names it: "Mansfield and Ashfield added
    together" where several districts are chosen, else the area's name."""
    _, area = selection.area(context)
    return area + (" added together" if len(selection.districts) > 1 else "")


def difference_csv(
    differences: pd.DataFrame, names: dict[str, str], context: Context, selection: Selection
) -> pd.DataFrame:
    """difference_table as its CSV, each row naming its area and ages first: the file had named
    neither (placed_away_2024.csv, Newark and Sherwood's 10 to 15 year olds or the council's
    all ages alike). A measure that keeps its own ages (care leavers') names them."""
    csv = difference_table(differences, names, context, selection.level, False)
    area = area_words(selection, context)
    chosen = aged(selection.age_bands) if selection.age_bands else "all ages"
    own = [catalogue.get(i).ages for i in differences["indicator_id"].tolist()]
    kept = " (age band filter not applied)" if selection.age_bands else ""
    ages = [f"aged {o}{kept}" if o else chosen for o in own]
    return pd.concat([pd.DataFrame({"Area": area, "Ages": ages}), csv], axis=1)


def difference_table(
    differences: pd.DataFrame,
    names: dict[str, str],
    context: Context,
    level: float = 0.95,
    thousands: bool = True,
) -> pd.DataFrame:
    """group_differences as a reader's table (or, without thousands separators, its CSV, text
    a spreadsheet would run neutralised): each group's value, interval and number of children,
    the difference with its interval, the test and its p value, and the verdict."""
    label = stats.level_text(level)
    rows = []
    for row in differences.to_dict("records"):
        decimals = DECIMALS[row["unit"]]
        points = " points" if row["unit"] == "percent" else ""
        groups = {}
        for prefix, group in zip(("away", "near"), COMPARED_GROUPS, strict=True):
            symbol, value = row[f"{prefix}_symbol"], row[f"{prefix}_value"]
            text = disclosure.shown(value, symbol, decimals, thousands)
            if not symbol and pd.notna(value):
                low, high = row[f"{prefix}_lower"], row[f"{prefix}_upper"]
                text += f" ({low:.{decimals}f} to {high:.{decimals}f})"
            groups[f"{group} ({label} CI)"] = text
            children = row[f"{prefix}_denominator"]
            groups[f"{group}: children"] = disclosure.shown(children, symbol, 0, thousands)
        tested = row["verdict"] != stats.NOT_COMPARED
        p = row["p_value"]
        rows.append(
            {"Measure": names[row["indicator_id"]], "Year": row["year"], **groups}
            | {
                f"Difference ({label} CI)": (
                    f"{row['difference']:+.{decimals}f}{points} ({row['lower']:+.{decimals}f} "
                    f"to {row['upper']:+.{decimals}f})" if tested else ""
                ),
                "Test": row["method"] if tested else "not tested: a figure withheld or missing",
                "p value": ("< 0.001" if p < 0.001 else f"{p:.3f}") if tested else "",
                "Placed away against placed near": row["verdict"].capitalize(),
                "source": context.source_note,
            }
        )  # fmt: skip
    table = pd.DataFrame(rows)
    return table if thousands else safe.frame(table)
