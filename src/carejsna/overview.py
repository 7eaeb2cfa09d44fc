"""The board overview: headline tiles, a sentence per theme and the KPI scorecard, from the data."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from carejsna import db, stats
from carejsna.catalogue import Indicator
from carejsna.disclosure import NOT_APPLICABLE, NOT_AVAILABLE, RESTS_ON, SUPPRESSED
from carejsna.indicators import ALL_AGES, DECIMALS, aged, own_series
from carejsna.returns.postcodes import OTHER, UNKNOWN

OUTSIDE = {OTHER, UNKNOWN}  # not districts of the council: never ranked
LEADS = {"count": "number of ", "percent": "percentage of ", "rate_per_10k": "", "mean": ""}
NOT_COVERED = "there is none in any year, as the measure does not cover these ages"
WITHOUT_VALUE = {  # why a sentence has no figure to give, by the figure's symbol
    SUPPRESSED: f"is withheld to protect children's privacy: it {RESTS_ON}",
    NOT_AVAILABLE: "is not available: the returns hold no data for it",
    NOT_APPLICABLE: "does not apply to this selection",
}
UNIT_WORDS = {"count": "", "percent": "%", "rate_per_10k": " per 10,000", "mean": ""}


def shown(value: float, indicator: Indicator) -> str:
    return f"{value:,.{DECIMALS[indicator.unit]}f}{UNIT_WORDS[indicator.unit]}"


@dataclass(frozen=True)
class Tile:
    """A headline: the latest value and how it moved on the year before."""

    indicator: Indicator
    year: int
    value: float | None  # None when suppressed or not available
    symbol: str
    previous: float | None
    direction: str  # up | down | same | unknown
    judgement: str  # better | worse | no judgement | unknown
    change: stats.Trend = stats.Trend(stats.NOT_ENOUGH_DATA)  # the change on the year before
    level: float = 0.95  # the confidence level its change is tested at

    @property
    def significant(self) -> bool:
        """The change on the year before is statistically significant (p below 1 - level)."""
        return self.change.direction in (stats.INCREASING, stats.DECREASING)

    @property
    def value_text(self) -> str:
        if self.value is None:  # said in words, the symbol beside them for the key
            return {SUPPRESSED: "Withheld (c)", NOT_APPLICABLE: "Not applicable (z)"}.get(
                self.symbol, "Not available (x)"
            )
        return shown(self.value, self.indicator)

    @property
    def change_size(self) -> str:
        """How much it moved: per cent for counts, points or units otherwise."""
        if self.indicator.unit == "count" and self.previous:
            return f"{abs(self.value - self.previous) / self.previous:.0%}"
        size = shown(abs(self.value - self.previous), self.indicator)
        return size.replace("%", " percentage points")

    @property
    def short_change(self) -> str:
        """The change for a tile: '+6%', '-2.3 pts', '+4.7'."""
        sign = "+" if self.direction == "up" else "-"
        size = self.change_size.replace(" percentage points", " points")
        return sign + size.replace(UNIT_WORDS["rate_per_10k"], "")


def tile(trend: pd.DataFrame, indicator: Indicator, level: float = 0.95) -> Tile:
    """A tile from an indicator's protected trend figures (the selection's own rows), its
    change tested at the confidence level chosen (p below 0.002 at 99.8%)."""
    columns = ["year", "value", "symbol", "numerator", "denominator", "sum_squares"]
    own = own_series(trend, columns)
    if not len(own["year"]):
        raise ValueError(f"{indicator.id}: no figures for this selection to make a tile of")
    last, before = ({c: v[i] for c, v in own.items()} for i in (-1, -2 % len(own["year"])))
    # As shown (to DECIMALS): a tile's change is the one its table's two figures give (it had
    # said +0.8 beside 67.1 and 68.0)
    places = DECIMALS[indicator.unit]
    value = None if pd.isna(last["value"]) else float(f"{last['value']:.{places}f}")
    previous = None  # the year before's, only: with a year's return missing, none
    if int(before["year"]) == int(last["year"]) - 1 and pd.notna(before["value"]):
        previous = float(f"{before['value']:.{places}f}")
    if value is None or previous is None:
        direction = "unknown"
    elif math.isclose(value, previous, abs_tol=10**-places / 10):
        direction = "same"
    else:
        direction = "up" if value > previous else "down"
    change = stats.Trend(stats.NOT_ENOUGH_DATA)
    if direction in ("up", "down"):
        change = stats.year_on_year(indicator.unit, before, last, alpha=stats.alpha(level))
    return Tile(
        indicator,
        int(last["year"]),
        value,
        last["symbol"],
        previous,
        direction,
        judge(direction, indicator.polarity),
        change,
        level,
    )


def judge(direction: str, polarity: str) -> str:
    """Better or worse, by the indicator's polarity; 'no judgement' where it has none."""
    if direction == "unknown":
        return "unknown"
    if polarity == "no_judgement" or direction == "same":
        return "no judgement" if polarity == "no_judgement" else "no change"
    higher_better = polarity == "higher_is_better"
    return "better" if (direction == "up") == higher_better else "worse"


def in_area(area: str) -> str:
    """'in Mansfield': where an area's children are, as a sentence says it (the two areas that
    are not places, Unknown and Outside the council's districts, too)."""
    if area == "Unknown":
        return "whose home district is not known"
    if area.startswith("Outside"):
        return "from " + area[0].lower() + area[1:]
    return f"in {area}"


NOT_FOR_AGES = "Not for these ages (x)"  # a tile's value where uncovered(): not missing data


def covered(con, ids: list[str]) -> frozenset[tuple[str, str]]:
    """The (indicator, age band) pairs of these indicators the council has a figure for in
    some year (queries/read/covered.sql), for uncovered()."""
    db.hold(con, list(ids))
    frame = db.read(con, "covered", indicators=list(ids))
    return frozenset(zip(frame["indicator_id"], frame["age_band"], strict=True))


def uncovered(indicator: Indicator, bands: tuple[str, ...], covered: frozenset) -> bool:
    """Age bands chosen that the measure has no figure for in any year while it has figures
    for all ages (`covered`: the (indicator, age band) pairs the council has a figure for,
    ui.covered): it does not cover those ages (health assessments for the under 1s), rather
    than a year's or a file's data missing."""
    return (
        bool(bands)
        and "age_band" in indicator.filters
        and (indicator.id, ALL_AGES) in covered
        and not any((indicator.id, band) in covered for band in bands)
    )


def sentence(
    trend: pd.DataFrame,
    indicator: Indicator,
    area: str,
    districts: pd.DataFrame | None = None,
    ranked_on: str = "",
    ages: str = "",
    not_covered: bool = False,
) -> str:
    """One plain-English sentence about an indicator for the selection, from its figures.

    With `districts` (the latest year by district, of this or a related indicator named by
    `ranked_on`), a single district is placed among the others (`ages` names any chosen ages):
    "The number of children in care at 31 March in Mansfield rose by 12% to 214 in 2024, the
    highest rate of the 7 districts."
    """
    t = tile(trend, indicator)
    what = indicator.title[0].lower() + indicator.title[1:]
    lead = f"The {LEADS[indicator.unit]}{what} {in_area(area)}" + (f" ({ages})" if ages else "")
    if t.value is None:
        if not_covered:  # "the returns hold no data for it" had read as missing data
            return f"{lead}: {NOT_COVERED}."
        return f"{lead} in {t.year} {WITHOUT_VALUE.get(t.symbol, WITHOUT_VALUE[NOT_AVAILABLE])}."
    if t.direction == "unknown":
        change = f"was {t.value_text} in {t.year}"
    elif t.direction == "same":
        change = f"was unchanged at {t.value_text} in {t.year}"
    else:
        verb = "rose" if t.direction == "up" else "fell"
        change = f"{verb} by {t.change_size} to {t.value_text} in {t.year}"
    rank = "" if districts is None else _rank(districts, area, ranked_on)
    return f"{lead} {change}{rank}."


def _rank(districts: pd.DataFrame, area: str, ranked_on: str) -> str:
    """Where the area stands among the council's districts, when it is one of them: among the
    districts with figures shown only (and how many are withheld), and, when it is ranked on
    another figure (`ranked_on`, e.g. "rate per 10,000 children"), that figure named with its
    value, never mixed with the sentence's own."""
    codes = districts["area_code"].to_numpy()
    own = ~np.isin(codes, [*OUTSIDE, codes[-1]])  # the district view ends with the council
    values = districts["value"].to_numpy(dtype=float)
    ranked = own & ~np.isnan(values)
    names = districts["area_name"].to_numpy()[ranked]
    if area not in set(names) or len(names) < 3:
        return ""
    order = pd.Series(values[ranked]).sort_values(ascending=False).index.to_numpy()
    names = names[order].tolist()
    place = names.index(area)
    from_top, from_bottom = place + 1, len(names) - place
    if from_top <= from_bottom:
        rank = "highest" if from_top == 1 else f"{_ordinal(from_top)} highest"
    else:
        rank = "lowest" if from_bottom == 1 else f"{_ordinal(from_bottom)} lowest"
    withheld = int((districts["symbol"].to_numpy()[own] == SUPPRESSED).sum())
    among = f"{len(names)} districts"
    if withheld:
        among += f" with figures shown ({withheld} withheld)"
    if not ranked_on:
        return f", the {rank} of the {among}"
    value = float(values[ranked][order][place])
    return f"; its {ranked_on} ({value:,.1f}) is the {rank} of the {among}"


def _ordinal(n: int) -> str:
    return {2: "second", 3: "third", 4: "fourth", 5: "fifth", 6: "sixth"}.get(n, f"{n}th")


RAG_LABELS = {  # a label and a symbol beside the colour, so the scorecard reads in greyscale
    "green": "✔ On target",
    "amber": "▲ Within tolerance",
    "red": "✖ Off target",
    "not known": "? Not known",
}


def target_text(target, item: Indicator) -> str:
    """A KPI's target as a scorecard gives it, with its tolerance: "at most 65.0 per 10,000
    (tolerance 5.0)". "Within tolerance" had been said of a tolerance given nowhere."""
    side = "at least" if target.good == "higher" else "at most"
    unit = " points" if item.unit == "percent" else UNIT_WORDS[item.unit]
    tolerance = f"{target.tolerance:,.{DECIMALS[item.unit]}f}{unit}"
    return f"{side} {shown(target.target, item)} (tolerance {tolerance})"


def rag(value: float | None, target: float, tolerance: float, good: str) -> str:
    """Red, amber or green: on target, within tolerance of it, or beyond."""
    if value is None or pd.isna(value):
        return "not known"
    gap = (target - value) if good == "higher" else (value - target)
    if gap <= 0:
        return "green"
    return "amber" if gap <= tolerance else "red"


def placed_away_sentence(
    differences: pd.DataFrame,
    indicators: dict[str, Indicator],
    area: str,
    bands: tuple[str, ...] = (),
) -> str:
    """One plain-English sentence on children placed away from home against those placed near,
    from the tests of their differences (indicators.group_differences): worse or better only
    where the difference is statistically significant, and how many could not be tested.

    "In Mansfield in 2024, children placed away from home did significantly worse than those
    placed near home on 1 of 7 measures tested (dental check: 61.0% against 80.2%), better on
    none, and showed no statistically significant difference on the other 6; 2 could not be
    tested (too few children, or figures withheld to protect their privacy)."

    `bands`: the age bands chosen, named after "placed away from home", saying too that the
    care leavers' measures do not follow them."""
    if not len(differences):
        return ""
    year = int(differences["year"].iloc[0])
    tested = differences[differences["verdict"] != stats.NOT_COMPARED]
    untested = len(differences) - len(tested)
    place = in_area(area)
    lead = f"In {area} in {year}, children placed away from home"
    if not place.startswith("in "):  # not a place: Unknown, Outside the council's districts
        lead = f"In {year}, of children {place}, those placed away from home"
    if bands:
        unbanded = any("age_band" not in indicators[i].filters for i in differences["indicator_id"])
        lead += f" ({aged(bands)}" + (
            "; care leavers' measures do not follow the age band filter)" if unbanded else ")"
        )  # as the page says under its table
    cannot = (
        f"{untested} could not be tested (too few children, or figures withheld to protect "
        "their privacy)"
    )
    if not len(tested):
        return f"{lead} could not be compared with those placed near home: {cannot}."

    def named(rows: pd.DataFrame) -> str:
        said = []
        for row in rows.itertuples():
            item = indicators[row.indicator_id]
            name = indicators[item.groups_of].short_title  # what the groups split
            said.append(
                f"{name[0].lower() + name[1:]}: {shown(row.away_value, item)} against "
                f"{shown(row.near_value, item)}"
            )
        return "; ".join(said)

    worse = tested[tested["verdict"] == "worse"]
    better = tested[tested["verdict"] == "better"]
    other = len(tested) - len(worse) - len(better)
    if not len(worse) and not len(better):
        text = (
            f"{lead} showed no statistically significant difference from those placed near "
            + (f"home on any of the {len(tested)} measures tested" if len(tested) > 1 else
               "home on the one measure tested")
        )  # fmt: skip
    else:
        worse_on = f"{len(worse)} of {len(tested)}" if len(worse) else f"none of {len(tested)}"
        better_on = f"better on {len(better)}" if len(better) else "better on none"
        text = (
            f"{lead} did statistically significantly worse than those placed near home on "
            f"{worse_on} measures tested"
            + (f" ({named(worse)})" if len(worse) else "")
            + f", {better_on}"
            + (f" ({named(better)})" if len(better) else "")
            + (
                f", and showed no statistically significant difference on the other {other}"
                if other
                else ""
            )
        )
    return text + (f"; {cannot}." if untested else ".")
