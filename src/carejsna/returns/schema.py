"""The input files: their columns, what each must hold, and the business name it takes."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CODES_CSV = Path(__file__).with_name("codes.csv")


@dataclass(frozen=True)
class Col:
    """One input column: DfE's name, our name, and what a valid value is."""

    name: str
    as_name: str
    kind: str  # id | date | code | int | number | postcode | text
    codes: str | None = None  # the codes.csv field whose codes are valid
    required: bool = False  # a blank value is a problem
    present: bool = False  # blank values are fine, but a file without the column is refused

    @property
    def needed(self) -> bool:
        """A file without the column is refused."""
        return self.required or self.present

    key: bool = False  # the row cannot be used without a valid value
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class FileSpec:
    name: str  # file name without .csv
    extract: str  # the extract it feeds
    required: bool
    cols: tuple[Col, ...]
    unique: tuple[str, ...] = ("CHILD",)
    dfe: bool = True  # a file of DfE's return: its codes are those valid in the return's year


def _flag(name: str, as_name: str) -> Col:
    """A 0/1 measure: its column must be there (without it every figure of it would read as
    withheld, not as missing), a blank value is fine."""
    return Col(name, as_name, "code", codes="FLAG", present=True)


CHILD = Col("CHILD", "child_id", "id", required=True, key=True)

FILES: dict[str, FileSpec] = {
    spec.name: spec
    for spec in (
        FileSpec(
            "header",
            "children",
            True,
            (
                CHILD,
                Col("SEX", "sex", "code", codes="SEX", required=True),
                Col("DOB", "birth_date", "date", required=True),
                Col("ETHNIC", "ethnicity", "code", codes="ETHNIC", required=True),
                Col("UPN", "upn", "text"),
                Col("MOTHER", "is_mother", "code", codes="MOTHER"),
                Col("MC_DOB", "mother_child_birth_date", "date"),
            ),
        ),
        FileSpec(
            "episodes",
            "episodes",
            True,
            (
                CHILD,
                Col("DECOM", "start_date", "date", required=True, key=True),
                Col("RNE", "reason_new_episode", "code", codes="RNE", required=True),
                Col("LS", "legal_status", "code", codes="LS", required=True),
                Col("CIN", "category_of_need", "code", codes="CIN", required=True),
                Col("PLACE", "placement_type", "code", codes="PLACE", required=True),
                Col("PLACE_PROVIDER", "placement_provider", "code", codes="PLACE_PROVIDER"),
                Col("DEC", "end_date", "date", present=True),
                Col("REC", "reason_ended", "code", codes="REC", present=True),
                Col(
                    "REASON_PLACE_CHANGE",
                    "reason_place_change",
                    "code",
                    codes="REASON_PLACE_CHANGE",
                ),
                # blank for a child is fine; a file without them would put every child in
                # the Unknown district, and no placement anywhere
                Col("HOME_POST", "home_postcode", "postcode", present=True),
                Col("PL_POST", "placement_postcode", "postcode", present=True),
                Col("URN", "ofsted_urn", "text"),
            ),
            unique=("CHILD", "DECOM"),
        ),
        FileSpec(
            "uasc",
            "uasc",
            False,
            (
                CHILD,
                Col("SEX", "sex", "code", codes="SEX"),
                Col("DOB", "birth_date", "date"),
                Col("DUC", "uasc_end_date", "date"),
            ),
        ),
        FileSpec(
            "oc2",
            "health",
            False,
            (
                CHILD,
                Col("DOB", "birth_date", "date"),
                Col("SDQ_SCORE", "sdq_score", "int", low=0, high=40, present=True),
                Col("SDQ_REASON", "sdq_reason", "code", codes="SDQ_REASON"),  # no figure's
                _flag("CONVICTED", "is_convicted"),
                _flag("HEALTH_CHECK", "has_development_check"),
                _flag("IMMUNISATIONS", "has_immunisations"),
                _flag("TEETH_CHECK", "has_dental_check"),
                _flag("HEALTH_ASSESSMENT", "has_health_assessment"),
                _flag("SUBSTANCE_MISUSE", "has_substance_misuse"),
                _flag("INTERVENTION_RECEIVED", "received_intervention"),
                _flag("INTERVENTION_OFFERED", "offered_intervention"),
            ),
        ),
        FileSpec(
            "oc3",
            "care_leavers",
            False,
            (
                CHILD,
                Col("DOB", "birth_date", "date"),
                Col("IN_TOUCH", "in_touch", "code", codes="IN_TOUCH", present=True),
                Col("ACTIV", "activity", "code", codes="ACTIV", present=True),
                Col("ACCOM", "accommodation", "code", codes="ACCOM", present=True),
            ),
        ),
        FileSpec(
            "education",
            "education",
            False,
            (
                CHILD,
                _flag("KS2_RWM_EXPECTED", "ks2_rwm_expected"),
                Col("KS4_ATTAINMENT8", "ks4_attainment8", "number", low=0, high=90, present=True),
                _flag("KS4_ENG_MATHS_4", "ks4_eng_maths_4"),
                _flag("PERSISTENT_ABSENCE", "is_persistently_absent"),
                Col("SUSPENSIONS", "suspensions", "int", low=0, high=365, present=True),
                Col("SEN_PROVISION", "sen_provision", "code", codes="SEN_PROVISION", present=True),
            ),
            dfe=False,
        ),
        FileSpec(
            "population",
            "population",
            False,
            (
                Col("DISTRICT", "district_code", "id", required=True, key=True),
                Col("DISTRICT_NAME", "district_name", "text", required=True),
                Col("AGE", "age", "int", required=True, key=True, low=0, high=17),
                Col("SEX", "sex", "code", codes="SEX", required=True, key=True),
                Col("POPULATION", "population", "int", required=True, key=True, low=0, high=1e7),
            ),
            unique=("DISTRICT", "AGE", "SEX"),
            dfe=False,
        ),
    )
}


# Local targets for the overview's KPI scorecard: one file beside the year folders.
TARGETS = FileSpec(
    "targets",
    "targets",
    False,
    (
        Col("INDICATOR", "indicator_id", "id", required=True, key=True),
        Col("TARGET", "target", "number", required=True, key=True, low=0, high=1e6),
        Col("TOLERANCE", "tolerance", "number", required=True, key=True, low=0, high=1e6),
        Col("GOOD", "good", "code", codes="GOOD", required=True, key=True),
        Col("NOTE", "note", "text"),
    ),
    unique=("INDICATOR",),
    dfe=False,
)


@dataclass(frozen=True)
class Validity:
    """The returns a code is valid in, by the year each ends (2025 for 2024-25); None: open."""

    first: int | None
    last: int | None

    def covers(self, year: int) -> bool:
        started = self.first is None or self.first <= year
        return started and (self.last is None or year <= self.last)

    def describe(self, code: str) -> str:
        """When the code is valid, e.g. "K3 is valid only from 2024-25"."""
        if self.first is None:
            return f"{code} is valid only up to {season(self.last)}"
        if self.last is None:
            return f"{code} is valid only from {season(self.first)}"
        return f"{code} is valid only from {season(self.first)} to {season(self.last)}"


def season(year: int) -> str:
    """The return year as DfE writes it: 2025 -> "2024-25"."""
    return f"{year - 1}-{year % 100:02d}"


@cache
def code_validity() -> dict[str, dict[str, Validity]]:
    """Every codes.csv field with its codes and the years each is valid in (valid_from and
    valid_to, years as the year folders name them; blank: open; `source` says why)."""
    codes: dict[str, dict[str, Validity]] = {}
    with CODES_CSV.open(newline="") as f:
        for row in csv.DictReader(f):
            first, last = row["valid_from"], row["valid_to"]
            valid = Validity(int(first) if first else None, int(last) if last else None)
            codes.setdefault(row["field"], {})[row["code"]] = valid
    return codes


@cache
def valid_codes(year: int | None = None) -> dict[str, frozenset[str]]:
    """Every codes.csv field with its valid codes: those valid in the return ending in `year`
    (2025 for 2024-25), or in any year if None."""
    return {
        field: frozenset(c for c, valid in codes.items() if year is None or valid.covers(year))
        for field, codes in code_validity().items()
    }
