"""The indicator catalogue: what each figure means and which query computes it."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from difflib import get_close_matches
from functools import cache
from pathlib import Path

from carejsna import Unknown

CATALOGUE = Path(__file__).with_name("catalogue.toml")
UNITS = {
    "count": "Number of children",
    "percent": "Per cent",
    "rate_per_10k": "Rate per 10,000 children",
    "mean": "Average",
}
POLARITIES = ("higher_is_better", "higher_is_worse", "no_judgement")
FILTERS = ("district", "age_band", "year")


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    short_title: str
    theme: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    polarity: str
    query: str
    extracts: tuple[str, ...]
    filters: tuple[str, ...]
    measure: str = ""
    choices: str = ""
    filter_notes: dict[str, str] = field(default_factory=dict, hash=False)
    params: dict[str, int | str] = field(default_factory=dict, hash=False)  # fixed query values
    breakdown: str = ""  # for a distribution over categories: what a category is
    # For groups (e.g. placed away, placed near) each with its own figure, adding up to another
    # indicator's: that indicator's id. Protected together with it (figures.protect).
    groups_of: str = ""
    counted: str = ""  # what a count counts, where it is not children (e.g. "placement moves")
    # Years with no figures for a known reason, said instead of a bare gap: {"2020": "..."}
    gaps: dict[str, str] = field(default_factory=dict, hash=False)
    # What its counts can never be more (or less) than, by definition, in any area, age band
    # and year: "denominator <= pct_placed_outside_council.denominator" (a count, its
    # category in brackets, another indicator's named first). A reader can write them too:
    # the build solves them with the figures (figures.bounded).
    bounds: tuple[str, ...] = ()

    @property
    def ages(self) -> str:
        """The ages a measure that keeps its own (a care leavers') covers: "17 and 18", "19 to
        21"; "" for one that follows the age bands."""
        if "age_band" in self.filters or "min_age" not in self.params:
            return ""
        low, high = self.params["min_age"], self.params["max_age"]
        return f"{low} and {high}" if high == low + 1 else f"{low} to {high}"

    @property
    def unit_label(self) -> str:
        return f"Number of {self.counted}" if self.counted else UNITS[self.unit]


THEMES = {  # the catalogue's themes, in the order of a JSNA chapter, and their names
    "children_in_care": "Children in care",
    "placement_stability": "Placement stability",
    "health": "Health and wellbeing",
    "education": "Education",
    "care_leavers": "Care leavers",
    "placed_away": "Children placed away from home",
}


@cache
def catalogue() -> dict[str, Indicator]:
    """Every indicator, in the file's order."""
    with CATALOGUE.open("rb") as f:
        entries = tomllib.load(f)
    indicators = {}
    for id_, entry in entries.items():
        entry = {
            **entry,
            **{k: tuple(entry.get(k, ())) for k in ("extracts", "filters", "bounds")},
        }
        indicator = Indicator(id=id_, **entry)
        if indicator.unit not in UNITS or indicator.polarity not in POLARITIES:
            raise ValueError(f"{CATALOGUE.name}: {id_}: unknown unit or polarity")
        if set(indicator.filters) - set(FILTERS):
            raise ValueError(f"{CATALOGUE.name}: {id_}: unknown filter in {indicator.filters}")
        indicators[id_] = indicator
    for indicator in indicators.values():
        if indicator.groups_of and indicator.groups_of not in indicators:
            raise ValueError(f"{CATALOGUE.name}: {indicator.id}: no {indicator.groups_of!r}")
    for indicator in indicators.values():
        for text in indicator.bounds:
            _bound(text, indicator, indicators)  # each written as it should be
    return indicators


@dataclass(frozen=True)
class Bound:
    """Counts that, by definition, hold sum(coefficient * count) <= 0 in every area, age band
    and year: each term (indicator id, count, category or "", coefficient)."""

    text: str  # as the catalogue writes it, with the indicator it is written on
    terms: tuple[tuple[str, str, str, int], ...]


_TERM = re.compile(r"(?:(\w+)\.)?(numerator|denominator|total)(?:\[([^\]]+)\])?")


def bounds() -> list[Bound]:
    """Every bound the catalogue declares, in its order."""
    items = catalogue()
    return [_bound(text, item, items) for item in items.values() for text in item.bounds]


def _bound(text: str, indicator: Indicator, indicators: dict) -> Bound:
    """A bound as written on `indicator` ("a + b <= c - d", or >=), read; a clear error if not."""

    def fail(why: str):
        raise ValueError(f"{CATALOGUE.name}: {indicator.id}: bound {text!r}: {why}")

    sides = re.split(r"\s*(<=|>=)\s*", text.strip())
    if len(sides) != 3:
        fail("write one '<=' or '>=' between two sums of counts")
    left, sign, right = sides
    terms = []
    for side, side_sign in ((left, 1), (right, -1)):
        signs = ["+", *re.split(r"\s+([+-])\s+", side.strip())]
        for plus, term in zip(signs[::2], signs[1::2], strict=True):
            found = _TERM.fullmatch(term)
            if not found:
                fail(f"{term!r} is not a count: numerator, denominator or total[category]")
            item_id, count, category = found.group(1) or indicator.id, *found.group(2, 3)
            if item_id not in indicators:
                fail(f"no indicator {item_id!r}")
            if category and not indicators[item_id].breakdown:
                fail(f"{item_id} has no categories")
            coefficient = side_sign * (1 if plus == "+" else -1) * (1 if sign == "<=" else -1)
            terms.append((item_id, count, category or "", coefficient))
    return Bound(f"{indicator.id}: {text}", tuple(terms))


def get(indicator_id: str) -> Indicator:
    """An indicator by its id; else Unknown, with the nearest ids ("did you mean
    cla_rate_per_10k?", for CLA_RATE_PER_10K too) before the whole catalogue's."""
    items = catalogue()
    if indicator_id in items:
        return items[indicator_id]
    near = get_close_matches(str(indicator_id).strip().lower(), list(items), n=2, cutoff=0.8)
    meant = f" (did you mean {' or '.join(near)}?)" if near else ""
    known = ", ".join(items)
    raise Unknown(f"no indicator {indicator_id!r}{meant}; the catalogue has: {known}")
