"""Figures for a selection: cells summed over districts and age bands, then protected."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd

from carejsna import db, disclosure, stats
from carejsna.catalogue import Indicator
from carejsna.returns.postcodes import OTHER, UNKNOWN

SCALE = {"count": None, "percent": 100, "rate_per_10k": 10_000, "mean": 1}
DECIMALS = {"count": 0, "percent": 1, "rate_per_10k": 1, "mean": 1}
ALL_AGES = "All ages"
VIEWS = ("trend", "district", "age_band", "category")


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
        rows = self.benchmarks
        return rows[(rows["indicator_id"] == indicator_id) & (rows["area_code"] == area_code)]

    @property
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

    @property
    def district_names(self) -> dict[str, str]:
        return dict(
            zip(self.districts["district_code"], self.districts["district_name"], strict=True)
        )

    @property
    def source_note(self) -> str:
        note = f"Source: {self.source}, {self.council_name}."
        if self.synthetic:
            note = "SYNTHETIC DEMO DATA, not real children. " + note
        return note


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

    def area(self, context: Context) -> tuple[str, str]:
        if not self.districts:
            return context.council_code or "council", context.council_name
        names = [context.district_names.get(d, d) for d in self.districts]
        joined = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        return "+".join(self.districts), joined


def cells(
    con: duckdb.DuckDBPyConnection, indicator: Indicator, selection: Selection
) -> pd.DataFrame:
    """The indicator's unprotected cells (year x district x age band) for the selected years."""
    return db.run(
        con,
        indicator.query,
        year_from=selection.year_from,
        year_to=selection.year_to,
        **indicator.params,
    )


def views(indicator: Indicator) -> tuple[str, ...]:
    """The views an indicator offers: a distribution has no district or age band comparison."""
    if indicator.breakdown:
        return ("category", "trend")
    return ("trend", "district", "age_band") if "age_band" in indicator.filters else VIEWS[:2]


def figures(
    cells: pd.DataFrame, indicator: Indicator, selection: Selection, view: str, context: Context
) -> pd.DataFrame:
    """What one chart or table shows, after disclosure control: see `all_figures`."""
    if view not in views(indicator):
        raise ValueError(f"{indicator.id} has no view {view!r}: one of {views(indicator)}")
    return all_figures(cells, indicator, selection, context)[view]


def all_figures(
    cells: pd.DataFrame, indicator: Indicator, selection: Selection, context: Context
) -> dict[str, pd.DataFrame]:
    """Every view of an indicator for a selection, protected together, so that no figure hidden
    in one view can be worked out from what the others show.

    trend: the selection (and, when it is a part, the whole council) for each selected year;
    district: each district and the council for the latest selected year;
    age_band: each age band and all ages, for the selected districts, for the latest year;
    category: each category of a distribution, for the selection, for the latest year.
    Columns: area_code, area_name, year, age_band, [category,] numerator, denominator, value,
    symbol [, sum_squares for means].
    """
    if "age_band" not in indicator.filters:
        cells = cells.assign(age_band=ALL_AGES)
        selection = replace(selection, age_bands=())
        bands = (ALL_AGES,)
    else:
        bands = (*context.age_bands, "Unknown")
    keys = ["category"] if indicator.breakdown else []
    data = _filled(cells, selection, context, bands, keys)
    in_bands = _pick(data, "age_band", selection.age_bands)
    in_both = _pick(in_bands, "district_code", selection.districts)
    in_districts = _pick(data, "district_code", selection.districts)
    bands_label = ", ".join(selection.age_bands) if selection.age_bands else ALL_AGES
    code, name = selection.area(context)
    council = (context.council_code or "council", context.council_name)
    latest = selection.year_to

    frames = {}
    for view in views(indicator):
        if view == "trend":
            parts = [_sum(in_both, ["year", *keys]).assign(area_code=code, area_name=name)]
            if selection.districts and not keys:
                whole = _sum(in_bands, ["year"]).assign(area_code=council[0], area_name=council[1])
                parts.append(whole)
            out = pd.concat(parts, ignore_index=True).assign(age_band=bands_label)
        elif view == "category":
            out = _sum(in_both[in_both["year"] == latest], ["category"])
            out = out.sort_values(["numerator", "category"], ascending=[False, True])
            out = out.assign(area_code=code, area_name=name, age_band=bands_label, year=latest)
        elif view == "district":
            latest_bands = in_bands[in_bands["year"] == latest]
            rows = _sum(latest_bands, ["district_code"])
            rows = context.districts.merge(rows, on="district_code", how="left")
            rows = rows[rows["is_council_district"] | (rows["numerator"] > 0)]
            rows = rows.rename(columns={"district_code": "area_code", "district_name": "area_name"})
            total = _sum(latest_bands, []).assign(area_code=council[0], area_name=council[1])
            out = pd.concat([rows, total], ignore_index=True)
            out = out.assign(age_band=bands_label, year=latest)
        else:
            latest_districts = in_districts[in_districts["year"] == latest]
            rows = _sum(latest_districts, ["age_band"])
            rows = rows[rows["age_band"].isin(context.age_bands) | (rows["numerator"] > 0)]
            present = set(rows["age_band"])
            rows = rows.set_index("age_band").reindex([b for b in bands if b in present])
            total = _sum(latest_districts, []).assign(age_band=ALL_AGES)
            out = pd.concat([rows.reset_index(), total], ignore_index=True)
            out = out.assign(area_code=code, area_name=name, year=latest)
        out = _values(out, indicator, context)
        columns = ["area_code", "area_name", "year", "age_band", *keys, "numerator", "denominator"]
        columns += ["value", "symbol", *(["sum_squares"] if "sum_squares" in out else [])]
        frames[view] = _intervals(out[columns].reset_index(drop=True), indicator)
    frames = disclosure.withhold(
        frames, indicator.unit, _withheld(frames, data, indicator, council)
    )
    if selection.rounded:
        frames = disclosure.rounded(frames, indicator.unit)
        if indicator.unit in ("percent", "rate_per_10k"):
            frames = {view: _from_rounded(f, indicator) for view, f in frames.items()}
    return _compared(frames, indicator, selection, context, council)


def _compared(frames, indicator, selection, context, council) -> dict[str, pd.DataFrame]:
    """Each figure against its comparator, the public health way (its confidence interval
    against the comparator's value): a district against the council, the council against
    chosen published figure (England's unless another is chosen). Adds comparator,
    comparator_value and comparison."""
    area = selection.comparator or next(iter(context.comparators), "")
    area_name = context.comparators.get(area, "England")
    england = context.published(indicator.id, area)
    england = dict(zip(england["year"], england["value"], strict=True)) if len(england) else {}
    suffix = stats.level_suffix(selection.level)
    whole = frames["trend"][frames["trend"]["area_code"] == council[0]]
    by_year = dict(zip(whole["year"], whole["value"], strict=True))
    if "district" in frames:  # the council's latest figure, for the selected age bands
        by_year[selection.year_to] = frames["district"]["value"].iloc[-1]
    out = {}
    for view, frame in frames.items():
        frame = frame.copy()
        names, values = [], []
        for row in frame.itertuples():
            counts = indicator.unit == "count"  # a part's count is smaller than the whole's
            if counts or view == "category" or (view == "age_band" and row.age_band != ALL_AGES):
                names.append("")
                values.append(float("nan"))
            elif row.area_code == council[0]:
                names.append(area_name)
                values.append(england.get(row.year, float("nan")))
            else:
                names.append(council[1])
                values.append(by_year.get(row.year, float("nan")))
        frame["comparator"] = names
        frame["comparator_value"] = values
        comparison = stats.compare(
            frame[f"lower_{suffix}"], frame[f"upper_{suffix}"], frame["comparator_value"],
            indicator.polarity,
        )  # fmt: skip
        missing = frame["comparator_value"].isna() & (frame["comparator"] != "")
        frame["comparison"] = pd.Series(comparison, index=frame.index).where(
            ~missing, "no comparator"
        )
        frame.loc[frame["comparator"] == "", "comparison"] = stats.NOT_COMPARED
        out[view] = frame
    return out


def _from_rounded(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """A percentage or rate, and its interval, from the rounded counts it is shown beside."""
    frame = frame.drop(columns=[c for c in frame if c.startswith(("lower_", "upper_"))])
    shown = frame["symbol"] == ""
    value = frame["numerator"] / frame["denominator"] * SCALE[indicator.unit]
    frame["value"] = value.where(shown, frame["value"])
    return _intervals(frame, indicator)


def _intervals(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """95% and 99.8% confidence limits (OHID's methods: Wilson, exact Poisson or Byar, t)."""
    limits = stats.limits(
        indicator.unit,
        frame["numerator"],
        frame["denominator"],
        frame.get("sum_squares"),
    )
    limits = limits.drop(columns=["value"]).where(frame["value"].notna())
    return pd.concat([frame, limits], axis=1)


def _withheld(
    frames: dict[str, pd.DataFrame], data: pd.DataFrame, indicator: Indicator, council: tuple
) -> set[tuple]:
    """The keys of the figures to withhold, the same whatever the filters: disclosure control is
    decided once on every figure any selection could show alone (each district and the council,
    by each age band and all ages [and category], each year), so that two selections never
    withhold different cells a reader could set side by side. A figure that sums several of
    those (chosen districts or age bands) is withheld when any of its parts is: a sum of shown
    parts tells nothing the parts do not.
    """
    keys = ["category"] if indicator.breakdown else []
    areas = [*data["district_code"].unique(), council[0]]
    bands = list(data["age_band"].unique())
    cells = data.rename(columns={"district_code": "area_code"})
    lattice = pd.concat(
        [cells, _sum(data, ["year", "age_band", *keys]).assign(area_code=council[0])]
    )
    if bands != [ALL_AGES]:
        every_age = _sum(lattice, ["year", "area_code", *keys]).assign(age_band=ALL_AGES)
        lattice = pd.concat([lattice, every_age])
    lattice = lattice.assign(
        category=lattice["category"] if keys else "",
        numerator=lattice["numerator"].astype("float64"),
        denominator=pd.to_numeric(lattice["denominator"], errors="coerce").astype("float64"),
    )
    key = disclosure.key
    groups = []
    for (year, category), rows in lattice.groupby(["year", "category"]):
        by = {key(r): r for r in rows.itertuples()}
        for band in {*bands, ALL_AGES}:
            parts = [(a, year, band, category) for a in areas[:-1]]
            groups.append(((council[0], year, band, category), [p for p in parts if p in by]))
        if bands != [ALL_AGES]:
            for area in areas:
                parts = [(area, year, b, category) for b in bands]
                groups.append(((area, year, ALL_AGES, category), [p for p in parts if p in by]))
    if keys:  # every category of a cell sums to the cell's total, each row's denominator
        for _, rows in lattice.groupby(["year", "area_code", "age_band"]):
            groups.append((rows["denominator"].max(), [key(r) for r in rows.itertuples()]))
    hidden = disclosure.withheld({"all": lattice}, indicator.unit, groups)
    known = {key(r) for r in lattice.itertuples()}
    out = set()
    for frame in frames.values():
        for row in frame.itertuples():
            area, year, band, category = key(row)
            if (area, year, band, category) in known:
                parts = [(area, year, band, category)]
            else:  # a sum over chosen districts ("a+b") or age bands ("a, b")
                chosen_areas = [area] if area in areas else area.split("+")
                chosen_bands = [band] if band in bands or band == ALL_AGES else band.split(", ")
                parts = [(a, year, b, category) for a in chosen_areas for b in chosen_bands]
            if any(p in hidden for p in parts):
                out.add(key(row))
    return out


def _pick(data: pd.DataFrame, column: str, chosen: tuple[str, ...]) -> pd.DataFrame:
    """The rows whose column is one of chosen; all rows when nothing is chosen."""
    return data[data[column].isin(chosen)] if chosen else data


def _filled(
    cells: pd.DataFrame,
    selection: Selection,
    context: Context,
    bands: tuple[str, ...],
    keys: list[str],
) -> pd.DataFrame:
    """Cells for every year with data x district x age band [x category], zero where none."""
    years = [y for y in range(selection.year_from, selection.year_to + 1) if y in context.years]
    dims = {"year": years, "district_code": context.districts["district_code"], "age_band": bands}
    if keys:
        dims["category"] = sorted(cells["category"].dropna().unique())
    grid = pd.MultiIndex.from_product(list(dims.values()), names=list(dims)).to_frame(index=False)
    data = grid.merge(cells, on=list(dims), how="left")
    data["numerator"] = data["numerator"].astype("Float64").fillna(0)
    data["denominator"] = data["denominator"].astype("Float64")
    if keys:  # every category of a cell shares the cell's total
        cell = ["year", "district_code", "age_band"]
        data["denominator"] = data.groupby(cell)["denominator"].transform("max")
    if "sum_squares" in data:
        data["sum_squares"] = data["sum_squares"].astype("Float64").fillna(0)
    return data


def _sum(data: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Numerators and denominators summed; a denominator stays blank only if all its parts are."""
    if not by:
        data = data.assign(_all=0)
        by = ["_all"]
    sums = {
        "numerator": ("numerator", "sum"),
        "denominator": ("denominator", lambda s: s.sum() if s.notna().any() else pd.NA),
    }
    if "sum_squares" in data:
        sums["sum_squares"] = ("sum_squares", "sum")
    summed = data.groupby(by, sort=True).agg(**sums)
    return summed.reset_index().drop(columns=["_all"], errors="ignore")


def _values(out: pd.DataFrame, indicator: Indicator, context: Context) -> pd.DataFrame:
    out = out.copy()
    out["numerator"] = out["numerator"].astype("float64")
    out["denominator"] = pd.to_numeric(out["denominator"], errors="coerce").astype("float64")
    out["symbol"] = ""
    scale = SCALE[indicator.unit]
    if scale is None:
        out["value"] = out["numerator"]
        out["denominator"] = float("nan")
    else:
        out["value"] = out["numerator"] / out["denominator"].where(out["denominator"] > 0) * scale
        no_denominator = out["value"].isna()
        not_applicable = out["area_code"].isin([UNKNOWN, OTHER]) | (out["denominator"] == 0)
        out.loc[no_denominator, "symbol"] = disclosure.NOT_AVAILABLE
        out.loc[no_denominator & not_applicable, "symbol"] = disclosure.NOT_APPLICABLE
    missing_year = ~out["year"].isin(context.years)
    out.loc[missing_year, ["value", "numerator", "denominator"]] = float("nan")
    out.loc[missing_year, "symbol"] = disclosure.NOT_AVAILABLE
    return out


def table(
    figures: pd.DataFrame,
    indicator: Indicator,
    context: Context,
    thousands: bool = True,
    level: float = 0.95,
) -> pd.DataFrame:
    """Protected figures as a reader (and, without thousands separators, a CSV) sees them, with
    the confidence limits at `level`."""
    decimals = DECIMALS[indicator.unit]
    suffix = stats.level_suffix(level)
    out = pd.DataFrame(
        {
            "area_code": figures["area_code"],
            "area_name": figures["area_name"],
            "year": figures["year"].astype(int),
            "age_band": figures["age_band"],
            **({"category": figures["category"]} if "category" in figures else {}),
            "indicator_id": indicator.id,
            "indicator": indicator.title,
            "unit": indicator.unit_label,
            "value": [
                disclosure.shown(v, s, decimals, thousands)
                for v, s in zip(figures["value"], figures["symbol"], strict=True)
            ],
            f"lower_{suffix}": [
                disclosure.shown(v, s, decimals + (indicator.unit == "count"), thousands)
                for v, s in zip(figures[f"lower_{suffix}"], figures["symbol"], strict=True)
            ],
            f"upper_{suffix}": [
                disclosure.shown(v, s, decimals + (indicator.unit == "count"), thousands)
                for v, s in zip(figures[f"upper_{suffix}"], figures["symbol"], strict=True)
            ],
            "numerator": _shown(figures["numerator"], figures["symbol"], thousands),
            "denominator": _shown(figures["denominator"], figures["symbol"], thousands),
            "comparator": figures.get("comparator", ""),
            "comparator_value": [
                "" if pd.isna(v) else f"{v:.{decimals}f}"
                for v in figures.get("comparator_value", pd.Series(float("nan"), figures.index))
            ],
            "comparison": figures.get("comparison", stats.NOT_COMPARED),
            "compared": [
                _compared_text(c, n)
                for c, n in zip(
                    figures.get("comparison", pd.Series(stats.NOT_COMPARED, figures.index)),
                    figures.get("comparator", pd.Series("", figures.index)),
                    strict=True,
                )
            ],  # fmt: skip
            "source": context.source_note,
        }
    )
    if indicator.unit == "count":
        out["denominator"] = ""
    return out


def _compared_text(comparison: str, comparator: str) -> str:
    """'Higher than England', 'Similar to Nottinghamshire', 'No comparator', 'Not compared'."""
    if comparison in ("better", "worse", "higher", "lower"):
        return f"{comparison.capitalize()} than {comparator}"
    if comparison == stats.SIMILAR:
        return f"Similar to {comparator}"
    return comparison.capitalize()


def _shown(values: pd.Series, symbols: pd.Series, thousands: bool) -> list[str]:
    """A count as shown: the number where there is one, else the row's symbol."""
    return [
        disclosure.shown(v, s if pd.isna(v) else "", 0, thousands)
        for v, s in zip(values, symbols, strict=True)
    ]


def recent_trend(trend: pd.DataFrame, indicator: Indicator) -> stats.Trend:
    """The selection's recent trend, as Fingertips judges it: its last five yearly points, a
    chi-square test for linear trend for proportions, a Poisson test for rates and counts.
    Not tested where a point is withheld (the test must not rest on hidden counts) or for means.
    """
    own = trend[trend["area_name"] == trend["area_name"].iloc[0]].sort_values("year").tail(5)
    if indicator.unit == "mean" or indicator.breakdown:
        return stats.Trend("not tested for this kind of indicator")
    if len(own) < 5 or own["numerator"].isna().any() or (own["symbol"] != "").any():
        return stats.Trend(stats.NOT_ENOUGH_DATA, points=int(own["numerator"].notna().sum()))
    if indicator.unit == "percent":
        return stats.trend_proportions(own["numerator"], own["denominator"], own["year"])
    exposures = own["denominator"] if indicator.unit == "rate_per_10k" else None
    return stats.trend_counts(own["numerator"], own["year"], exposures)


def trend_sentence(result: stats.Trend, years: pd.Series, plain: bool = False) -> str:
    """'Recent trend (2020 to 2024): increasing, statistically significant (p = 0.012).' Never
    significant unless it is; `plain` leaves the p-value out, for readers who want the words."""
    span = f"{int(years.max()) - 4} to {int(years.max())}" if len(years) else ""
    if result.direction in (stats.INCREASING, stats.DECREASING):
        p = "p < 0.001" if result.p_value < 0.001 else f"p = {result.p_value:.3f}"
        significant = "statistically significant" + ("" if plain else f" ({p})")
        return f"Recent trend ({span}): {result.direction}, {significant}."
    if result.direction == stats.NO_CHANGE:
        return f"Recent trend ({span}): no statistically significant change."
    if result.direction == stats.NOT_ENOUGH_DATA:
        return "Recent trend: not tested (it needs five years, none of them suppressed)."
    return f"Recent trend: {result.direction}."
