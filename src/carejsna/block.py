"""What an indicator's view shows (chart, notes, table, CSV, alt text), decided once for every
rendering: the page (themes.py), the print picture (export.py) and the chapter pack (chapter.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from carejsna import charts, disclosure, stats
from carejsna import indicators as ind
from carejsna.catalogue import Indicator

COLUMN_NAMES = {
    "area_name": "Area",
    "year": "Year ending 31 March",
    "age_band": "Age band",
    "category": "Category",
    "compared": "Compared with",
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
}
VIEW_TITLES = {
    "trend": "Over time",
    "district": "By district, {year}",
    "age_band": "By age band, {year}",
    "age_bands": "By age band over time",
    "category": "{breakdown}, {year}",
}
VIEW_NAMES = {"trend": "trend", "district": "by district", "age_band": "by age band",
              "age_bands": "by age band over time", "category": "by category"}  # fmt: skip
BANDED = ("age_band", "age_bands")  # the views of each age band, whichever are chosen
OVER_TIME = ("trend", "age_bands")  # the views of every year chosen, drawn as lines
# Under a rate compared district by district with the council's: its districts' rates cannot add
# up to it (a review found four districts "lower" and two "higher", the seven together 61.3 per
# 10,000 against the council's 68.0), and a reader must know why.
OWN_CHILDREN = (
    "{council}'s rate counts every child in its care, those whose home is in no district of it "
    "(Unknown, or outside the council) too; a district's counts only the children whose home is "
    "in it. So, wherever such children are counted, the districts' rates together come below "
    "the council's, and a district compared with it is the more often lower: compare the "
    "districts with each other too."
)
EMPTY = {
    disclosure.SUPPRESSED: "Every figure in this selection is suppressed (c) to protect children's "
    f"privacy: each {disclosure.RESTS_ON}. Widen the selection (more districts, ages or years) "
    "to see figures.",
    disclosure.NOT_AVAILABLE: "No data for this selection (x): the returns hold nothing for it.",
    disclosure.NOT_APPLICABLE: "Not applicable to this selection (z): there is no denominator "
    "for it, e.g. no resident population for an Unknown district.",
}
MISSING = {
    disclosure.SUPPRESSED: "suppressed to protect children's privacy",
    disclosure.NOT_AVAILABLE: "not available",
    disclosure.NOT_APPLICABLE: "not applicable",
}
BARS_BY = {"district": "area_name", "age_band": "age_band", "category": "category"}
KINDS = {"trend": "Line chart", "district": "Bar chart", "age_band": "Bar chart",
         "age_bands": "Line chart", "category": "Bar chart"}  # fmt: skip


@dataclass
class Block:
    """One view of an indicator for a selection, as every rendering shows it."""

    item: Indicator
    view: str
    selection: ind.Selection
    heading: str  # the tab's title: "Over time", "By district, 2024"
    figure: go.Figure | None  # None where nothing can be drawn (see `empty`)
    empty: str  # why there is no chart
    notes: list[str]  # said under the chart: trend verdict, gaps, comparator's releases
    table: pd.DataFrame  # the reader's table, columns named for reading
    csv: pd.DataFrame  # the same figures as the CSV (no thousands separators)
    footnotes: list[str]  # the disclosure symbols the table uses
    alt: str  # the chart in words, from the data
    subtitle: str  # areas, ages, period, confidence level, comparator
    symbols: list[str] = field(default_factory=list)
    cited: str = ""  # the comparator's releases (one of `notes`), cited under a printed chart too

    @property
    def title(self) -> str:
        return f"{self.item.title}: {VIEW_NAMES[self.view]}"

    def stem(self, context: ind.Context) -> str:
        """A file name saying what it is: cla_rate_per_10k_trend_mansfield_2015-2024, with the
        ages chosen where the view follows them (_10_to_15) and _rounded: the downloads of two
        age bands, or rounded and not, had had one name (the browser's "(1)" told them apart)."""
        s = self.selection
        _, area = s.area(context)
        if s.age_bands and "age_band" in self.item.filters and self.view not in BANDED:
            area += " " + " ".join(s.age_bands)
        years = f"{s.year_from}-{s.year_to}" if self.view in OVER_TIME else str(s.year_to)
        return file_name(f"{self.item.id}_{self.view}_{area}_{years}" + "_rounded" * s.rounded)


def file_name(text: str) -> str:
    """Lower case letters, digits, '-' and single '_' (for every other character)."""
    name = "".join(c if c.isalnum() or c in "-_" else "_" for c in text.lower()).strip("_")
    while "__" in name:
        name = name.replace("__", "_")
    return name


def build(
    item: Indicator,
    frame: pd.DataFrame,
    selection: ind.Selection,
    view: str,
    context,
    districts: pd.DataFrame | None = None,
) -> Block:
    """The block for one view of an indicator: `frame` is what `ind.figures` read for it.
    `districts`, the indicator's district view (`ind.figures(..., "district", ...)`), lets a
    trend chart's alt text name the highest and lowest district in the latest year."""
    level = selection.level
    table = ind.table(frame, item, context, level=level)
    csv = ind.table(frame, item, context, False, level)
    symbols = sorted(set(frame["symbol"]) - {""})
    figure, empty, notes, cited = None, "", [], ""
    banded = bool(selection.age_bands) and "age_band" in item.filters
    comparator = context.comparators.get(
        selection.comparator or next(iter(context.comparators), ""), "England"
    )
    if frame["value"].notna().any():
        if view == "trend":
            published = None  # England's count is no yardstick for a council's
            if item.unit != "count" and not banded:  # nor its all-ages figure for an age band
                published = context.published(item.id, selection.comparator)
                span = published["year"].between(selection.year_from, selection.year_to)
                published = published[span]
            figure = charts.trend(frame, item, context.source_note, level, published, comparator)
            notes.append(ind.trend_text(frame, item, selection))
            gaps = {y: why for y, why in item.gaps.items() if int(y) in set(frame["year"])}
            if gaps:
                notes.append(" ".join(f"{year}: {why}." for year, why in gaps.items()))
            sources = sorted(set(frame.get("comparator_source", [])) - {""})
            if sources:
                name = context.comparators.get(selection.comparator, "England")
                cited = f"{name}'s figures: " + " · ".join(sources) + "."
                notes.append(cited)
            if banded and item.unit != "count":
                notes.append(
                    "No comparator for this age band: the published figures for England and "
                    "the regions are for all ages, so they are not drawn beside it."
                )
        elif view == "age_bands":
            figure = charts.trend(frame, item, context.source_note, level, by_band=True)
            notes.append(ind.band_trends_text(frame, item, selection))
        else:
            chosen = tuple(context.district_names.get(d, d) for d in selection.districts)
            figure = charts.bars(frame, item, BARS_BY[view], context.source_note, level, chosen)
        if selection.apart and (item.breakdown or view in BANDED):  # one line or bar each
            own = "" if item.breakdown else ": over time and by district, each is drawn alone"
            area = selection.area(context)[1]
            notes.append(f"The chosen districts added together ({area}){own}.")
        if item.unit == "rate_per_10k" and (view == "district" or selection.districts):
            notes.append(OWN_CHILDREN.format(council=context.council_name))
        if selection.rounded:
            notes.append(disclosure.ROUNDED)
    else:
        shown = symbols or [disclosure.NOT_AVAILABLE]
        if shown == [disclosure.NOT_AVAILABLE] and selection.age_bands and view not in BANDED:
            empty = (
                f"No data for the chosen ages (x): {', '.join(selection.age_bands)}. This "
                "indicator covers only the ages its definition (above) names."
            )
        elif len(shown) == 1:
            empty = EMPTY[shown[0]]
        else:
            why = " or ".join(f"{MISSING[s]} ({s})" for s in shown)
            empty = (
                f"Nothing to chart for this selection: each figure is {why}; the table says which."
            )
    heading = VIEW_TITLES[view].format(year=selection.year_to, breakdown=item.breakdown)
    if selection.rounded:  # a row copied elsewhere still says so, as it says its source
        csv["source"] = csv["source"] + " " + disclosure.ROUNDED
    return Block(
        item=item,
        view=view,
        selection=selection,
        heading=heading,
        figure=figure,
        empty=empty,
        notes=notes,
        table=reader_table(table, item, level),
        csv=csv,
        footnotes=[disclosure.FOOTNOTES[s] for s in symbols],
        alt="" if figure is None else alt_text(item, frame, selection, view, context, districts),
        subtitle=subtitle(item, selection, view, context, comparator),
        symbols=symbols,
        cited=cited,
    )


def reader_table(table: pd.DataFrame, item: Indicator, level: float) -> pd.DataFrame:
    """The columns a reader's table shows, named for reading."""
    suffix = stats.level_suffix(level)
    label = stats.level_text(level)
    columns = ["area_name", "year", "age_band", "category", "value", f"lower_{suffix}"]
    columns += [f"upper_{suffix}", "compared", "numerator", "denominator"]
    columns = [c for c in columns if c in table]
    if item.unit == "count":
        columns = columns[:-2]
    names = {**COLUMN_NAMES, f"lower_{suffix}": f"Lower {label} CI"}
    if item.unit == "mean":  # an average's numerator is a total of scores, not of children
        names.update(numerator="Total of scores", denominator="Children")
    names[f"upper_{suffix}"] = f"Upper {label} CI"
    return table[columns].rename(columns=names)


def subtitle(item: Indicator, selection: ind.Selection, view: str, context, comparator) -> str:
    """Areas, ages, period, confidence level and comparator, for a printed chart."""
    _, area = selection.area(context)
    if view == "district":
        area = f"Each district and {context.council_name}"
    banded = selection.age_bands and "age_band" in item.filters
    ages = ", ".join(selection.age_bands) if banded else (item.ages or "all ages")
    if view in BANDED:
        ages = "each age band and all ages"
    s = selection
    several = view in OVER_TIME and s.year_from < s.year_to
    period = (
        f"years ending 31 March {s.year_from} to {s.year_to}"
        if several
        else (f"year ending 31 March {s.year_to}")
    )
    parts = [area, ages, period]
    if item.unit != "count":
        parts.append(f"{stats.level_text(s.level)} confidence intervals")
    if item.unit != "count" and not item.breakdown:  # a distribution's shares are compared
        # with nothing (indicators._compared): its tables say "Not compared", "No comparator"
        against = (
            context.council_name
            if selection.districts or view != "trend"
            else stats.in_sentence(comparator)
        )
        if selection.districts and view == "trend" and not banded:  # the council's line too
            against += f", {context.council_name} with {stats.in_sentence(comparator)}"
        if banded and not selection.districts:
            against = "none for an age band"
        if view in BANDED:  # each band of a district with the council's same ages
            against = (
                f"{context.council_name} for the same ages"
                if selection.districts
                else f"{stats.in_sentence(comparator)} for all ages, none for an age band"
            )
        parts.append(f"compared with {against}")
    if selection.rounded:
        parts.append(f"counts rounded to the nearest {disclosure.ROUND_TO}")
    return "; ".join(parts)


def value_text(item: Indicator, row) -> str:
    return disclosure.shown(row["value"], row["symbol"], ind.DECIMALS[item.unit])


@dataclass(frozen=True)
class Ranked:
    """The council's districts with a figure shown in a district view, at the top and the
    bottom: each end names every district at its value (a tie is not a highest), and the words
    say how many were ranked and how many withheld, which may lie either side of both ends."""

    high: pd.DataFrame
    low: pd.DataFrame
    shown: int
    withheld: int

    def among(self) -> str:
        """ "the 7 districts", or "the 3 districts with a figure shown (4 withheld)"."""
        words = f"the {self.shown} districts"
        if self.withheld:
            words += f" with a figure shown ({self.withheld} withheld)"
        return words

    def end(self, item: Indicator, which: str, unit: str = "") -> str:
        """ "Mansfield (10.8%)", or "Ashfield and Mansfield (0)" for a tie."""
        rows = self.high if which == "high" else self.low
        return f"{stats.listed(list(rows['area_name']))} ({value_text(item, rows.iloc[0])}{unit})"


def extremes(item: Indicator, frame: pd.DataFrame | None, context) -> Ranked | None:
    """The highest and lowest of the council's districts with a value in a district view (None
    where fewer than two have one, or all have the same: there is nothing to rank). Ranked as
    shown, rounded: 20.94% and 20.96% are a tie at 21.0%, not a highest and a lowest."""
    if frame is None or not len(frame):
        return None
    own = context.own_district_set  # not Series.isin: a millisecond for 300 text codes
    ours = np.fromiter((code in own for code in frame["area_code"].tolist()), bool, len(frame))
    shown = frame[ours & frame["value"].notna().to_numpy()]
    value = shown["value"].round(ind.DECIMALS[item.unit])
    if len(shown) < 2 or value.max() == value.min():
        return None
    withheld = int((frame.loc[ours, "symbol"] == disclosure.SUPPRESSED).sum())
    return Ranked(shown[value == value.max()], shown[value == value.min()], len(shown), withheld)


def alt_text(
    item: Indicator,
    frame: pd.DataFrame,
    selection,
    view: str,
    context,
    districts: pd.DataFrame | None = None,
) -> str:
    """The chart in words, from the data: what it shows, the latest value, the direction of the
    trend, the highest and lowest district (for a trend, from `districts`, its district view)."""
    _, area = selection.area(context)
    unit = item.unit_label.lower()
    where = f"each district and {context.council_name}" if view == "district" else area
    said = [f"{KINDS[view]} of {item.title[0].lower() + item.title[1:]} ({unit}) for {where}, "
            f"{subtitle_short(selection, view)}."]  # fmt: skip
    suffix = stats.level_suffix(selection.level)
    if view == "trend":
        own = frame[frame["area_name"] == frame["area_name"].iloc[0]]
        latest = own[own["year"] == own["year"].max()]  # a distribution's: a row a category
        named = "category" in latest and latest["category"].astype(bool).any()
        parts = [
            (f"{r['category']} " if named else "")
            + value_text(item, r)
            + _interval(item, r, suffix)
            for _, r in latest.iterrows()
        ]
        said.append(f"{own['area_name'].iloc[0]} in {int(latest['year'].iloc[0])}: "
                    + "; ".join(parts[:8]) + ".")  # fmt: skip
        said.append(ind.trend_text(frame, item, selection, plain=True))
        said += _highest_and_lowest(item, districts, context, in_year=True)
    elif view == "age_bands":
        latest = frame[frame["year"] == frame["year"].max()]
        parts = [f"{r['age_band']} {value_text(item, r)}" for _, r in latest.iterrows()]
        said.append(f"In {int(latest['year'].iloc[0])}: " + "; ".join(parts) + ".")
        said.append(ind.band_trends_text(frame, item, selection, plain=True))
        withheld = int((frame["symbol"] == disclosure.SUPPRESSED).sum())
        if withheld:
            said.append(f"{withheld} withheld (c) to protect children's privacy.")
    elif view == "district":
        whole = frame[~frame["area_code"].isin(context.districts["district_code"])]
        if len(whole):
            last = whole.iloc[-1]
            said.append(
                f"{last['area_name']}: {value_text(item, last)}{_interval(item, last, suffix)}."
            )
        said += _highest_and_lowest(item, frame, context)
        withheld = int((frame["symbol"] == disclosure.SUPPRESSED).sum())
        if withheld:
            said.append(f"{withheld} withheld (c) to protect children's privacy.")
    else:
        by = BARS_BY[view]
        shown = frame[frame["value"].notna()]
        parts = [f"{r[by]} {value_text(item, r)}" for _, r in shown.iterrows()]
        said.append("; ".join(parts[:8]) + ("." if parts else ""))
        withheld = int((frame["symbol"] == disclosure.SUPPRESSED).sum())
        if withheld:
            said.append(f"{withheld} withheld (c) to protect children's privacy.")
    if context.synthetic:
        said.append("Synthetic demo data.")
    return " ".join(said)


def subtitle_short(selection: ind.Selection, view: str) -> str:
    if view in OVER_TIME and selection.year_from < selection.year_to:
        return f"years ending 31 March {selection.year_from} to {selection.year_to}"
    return f"year ending 31 March {selection.year_to}"


def _interval(item: Indicator, row, suffix: str) -> str:
    low, high = row.get(f"lower_{suffix}"), row.get(f"upper_{suffix}")
    if item.unit == "count" or row["symbol"] or pd.isna(low) or pd.isna(high):
        return ""
    d = ind.DECIMALS[item.unit]
    return f" (confidence interval {low:,.{d}f} to {high:,.{d}f})"


def _highest_and_lowest(item, districts, context, in_year: bool = False) -> list[str]:
    """ "Highest district [in 2024]: Ashfield (241); lowest: Rushcliffe (65), of the 7
    districts." for alt text, or nothing where there are not districts enough to rank."""
    found = extremes(item, districts, context)
    if not found:
        return []
    when = f" in {int(found.high['year'].iloc[0])}" if in_year else ""
    return [
        f"Highest district{when}: {found.end(item, 'high')}; "
        f"lowest: {found.end(item, 'low')}, of {found.among()}."
    ]
