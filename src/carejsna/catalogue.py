"""The indicator catalogue: what each figure means and which query computes it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

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
        entry = {**entry, "extracts": tuple(entry["extracts"]), "filters": tuple(entry["filters"])}
        indicator = Indicator(id=id_, **entry)
        if indicator.unit not in UNITS or indicator.polarity not in POLARITIES:
            raise ValueError(f"{CATALOGUE.name}: {id_}: unknown unit or polarity")
        if set(indicator.filters) - set(FILTERS):
            raise ValueError(f"{CATALOGUE.name}: {id_}: unknown filter in {indicator.filters}")
        indicators[id_] = indicator
    for indicator in indicators.values():
        if indicator.groups_of and indicator.groups_of not in indicators:
            raise ValueError(f"{CATALOGUE.name}: {indicator.id}: no {indicator.groups_of!r}")
    return indicators


def get(indicator_id: str) -> Indicator:
    try:
        return catalogue()[indicator_id]
    except KeyError:
        known = ", ".join(catalogue())
        raise KeyError(f"no indicator {indicator_id!r}; the catalogue has: {known}") from None
