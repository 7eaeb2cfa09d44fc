"""Published figures to compare with (England, region, the council, its neighbours): read, check."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from carejsna.catalogue import catalogue
from carejsna.returns.read import FILE_NOT_LOADED, NOTED, ROW_NOT_LOADED, FileProblem, Problem

SHIPPED = Path(__file__).parents[1] / "benchmarks" / "england.csv"

COLUMNS = (
    "area_code",
    "area_name",
    "area_type",
    "year",
    "indicator_id",
    "value",
    "lower_ci",
    "upper_ci",
    "source",
    "release",
    "licence",
)
OPTIONAL = ("lower_ci", "upper_ci")
NEEDED = ("area_code", "area_type", "year", "indicator_id", "value", "source")  # or row left out
AREA_TYPES = ("country", "region", "local_authority", "statistical_neighbours", "other")
FIRST_YEAR, LAST_YEAR = 1990, 2100
KEY = ("area_code", "year", "indicator_id")
TYPES = {"year": "int64", "value": "float64", "lower_ci": "float64", "upper_ci": "float64"}
# DfE's marks for a figure it does not give: suppressed, <0.5%, rounds to 0, not applicable...
DFE_MARKS = {"c", "k", "low", "u", "x", "z", ":", ".."}
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")  # 83,630 as DfE's web tables show it
OGL = "Open Government Licence v3.0 (Crown copyright, DfE)"

# shared/reference-data/dfe_published_indicators.csv ids -> the catalogue's, for the same measure.
FROM_REFERENCE = {
    "cla_at_31_march": "cla_at_31_march",
    "cla_rate_per_10k": "cla_rate_per_10k",
    "started_in_year": "cla_started",
    "ceased_in_year": "cla_ceased",
    "pct_health_assessment": "pct_health_assessment",
    "pct_dental_check": "pct_dental_check",
    "pct_immunisations": "pct_immunisations",
    # 5,980 of 6,820 children aged 0-4 looked after for 12 months: our under-5 measure.
    "pct_development_assessments_under5": "pct_development_check_under5",
    "pct_long_term_stability": "pct_long_term_stability",
    "pct_care_leavers_19_21_suitable_accommodation": "pct_suitable_accommodation_19to21",
    "pct_care_leavers_19_21_in_touch": "pct_in_touch_19to21",
    "pct_care_leavers_19_21_neet": "pct_neet_19to21",
    "pct_ks2_expected_rwm": "pct_ks2_rwm_expected",
    "mean_ks4_attainment8": "mean_ks4_attainment8",
    "pct_persistent_absence_cla12m": "pct_persistent_absence",
    "uasc_at_31_march": "uasc_at_31_march",
    "pct_uasc": "pct_uasc",
}
# DfE puts every child inside or outside the LA boundary (2015: 41,630 + 27,830 = 69,460 in its
# "Placement locality for CLA" data set), so the share outside is 100 minus the share inside.
COMPLEMENTS = {"pct_placed_inside_la_boundary": "pct_placed_outside_council"}
# Reference rows whose measure is not ours: not shipped.
LEFT_OUT = {
    "pct_3plus_placements_prev_2_years": (
        "children looked after for 2 years with 3+ placements over those 2 years; ours is "
        "children in care at 31 March with 3+ placements in the year"
    ),
    "pct_persistent_absence_cla12m_legacy": (
        "DfE's older Outcomes for CLA series, not comparable with the series shipped as "
        "pct_persistent_absence"
    ),
    "pct_placed_over_20_miles": (
        "DfE divides by all children in care, 3,550 (5%) of whom had no known distance in 2015; "
        "ours leaves them out, which gives 19%, not 18%"
    ),
}


def load(paths: list[Path]) -> tuple[pd.DataFrame, list[Problem]]:
    """Every good row of the files, first file first, and every problem found in them."""
    rows, problems, seen = [], [], {}
    for path in map(Path, paths):
        good, found = _read(path)
        problems += found
        for number, row in good:
            key = tuple(row[k] for k in KEY)
            if key in seen:
                problems.append(
                    Problem(
                        None,
                        path.name,
                        number,
                        " + ".join(KEY),
                        ", ".join(map(str, key)),
                        f"repeats {seen[key]}: the first is kept",
                        ROW_NOT_LOADED,
                    )
                )
                continue
            seen[key] = f"{path.name} row {number}"
            rows.append(row)
    frame = pd.DataFrame(rows, columns=[*COLUMNS, "is_official"])
    return frame.astype({**TYPES, "is_official": "bool"}), problems


def from_reference(path: Path) -> pd.DataFrame:
    """The reference file's rows (shared/reference-data layout) in the benchmarks layout.

    Values stay the published text (load() checks them); year_ending 2018-03-31 becomes 2018;
    source is the publication and its URL, release the reference's rounding note. An id that is
    neither mapped nor left out, or maps to no catalogue indicator, raises ValueError.
    """
    ref = pd.read_csv(path, dtype=str, keep_default_na=False)
    unknown = set(ref["indicator_id"]) - {*FROM_REFERENCE, *COMPLEMENTS, *LEFT_OUT}
    absent = {*FROM_REFERENCE.values(), *COMPLEMENTS.values()} - set(catalogue())
    if unknown or absent:
        raise ValueError(f"reference ids not mapped: {unknown}; not in the catalogue: {absent}")
    ref = ref[~ref["indicator_id"].isin(LEFT_OUT)]
    ends = pd.to_datetime(ref["year_ending"], format="%Y-%m-%d")
    if not (ends.dt.month.eq(3) & ends.dt.day.eq(31)).all():
        raise ValueError("a year_ending is not 31 March")
    flip = ref["indicator_id"].isin(COMPLEMENTS)
    flipped = (100 - pd.to_numeric(ref["value"])).map("{:g}".format)
    note = "; published as " + ref["value"] + "% placed inside the LA boundary: 100 minus that"
    out = pd.DataFrame(
        {
            "area_code": ref["area_code"],
            "area_name": ref["area_name"],
            "area_type": ref["area_type"],
            "year": ends.dt.year,
            "indicator_id": ref["indicator_id"].map({**FROM_REFERENCE, **COMPLEMENTS}),
            "value": ref["value"].where(~flip, flipped),
            "lower_ci": "",
            "upper_ci": "",
            "source": ref["source_publication"] + ", " + ref["source_url"],
            "release": ref["rounding_note"].where(~flip, ref["rounding_note"] + note),
            "licence": OGL,
        }
    )
    order = {id_: i for i, id_ in enumerate(catalogue())}
    out = out.sort_values(
        ["area_code", "indicator_id", "year"],
        key=lambda s: s.map(order) if s.name == "indicator_id" else s,
    )
    return out.reset_index(drop=True)


def _read(path: Path) -> tuple[list[tuple[int, dict]], list[Problem]]:
    """The file's good rows (spreadsheet row, typed values) and its problems."""

    def problem(row, column, value, text, action=ROW_NOT_LOADED) -> Problem:
        return Problem(None, path.name, row, column, str(value), text, action)

    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig"
        )
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise FileProblem(
            problem(None, "", "", f"cannot be read as CSV ({error})", FILE_NOT_LOADED)
        ) from error
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in COLUMNS if c not in raw.columns and c not in OPTIONAL]
    twice = sorted({c for c in raw.columns if c in COLUMNS and list(raw.columns).count(c) > 1})
    if missing or twice:
        why = "required column missing" if missing else "column appears twice"
        raise FileProblem(
            problem(
                None,
                ", ".join(missing or twice),
                "",
                f"{why} (the file has: {', '.join(raw.columns)})",
                FILE_NOT_LOADED,
            )
        )
    raw = raw.reindex(columns=COLUMNS, fill_value="").fillna("").apply(lambda s: s.str.strip())
    good, problems = [], []
    for number, text in enumerate(raw.to_dict("records"), start=2):
        if not any(text.values()):
            continue
        row, found = _check(text)
        problems += [problem(number, column, text[column], why, act) for column, why, act in found]
        if row is not None:
            good.append((number, row))
    return good, problems


def _check(text: dict[str, str]) -> tuple[dict | None, list[tuple[str, str, str]]]:
    """One row's typed values (None if it cannot be used) and its problems: column, why, action."""
    found = [(c, "blank, but required", ROW_NOT_LOADED) for c in NEEDED if not text[c]]
    found += [(c, "blank", NOTED) for c in ("area_name", "release", "licence") if not text[c]]
    area_type = text["area_type"].lower()
    if area_type and area_type not in AREA_TYPES:
        found.append(("area_type", f"not one of: {', '.join(AREA_TYPES)}", ROW_NOT_LOADED))
    year = _number(text["year"])
    if text["year"] and (year is None or year % 1 or not FIRST_YEAR <= year <= LAST_YEAR):
        why = f"not a year from {FIRST_YEAR} to {LAST_YEAR} (year ending 31 March: 2024 = 2023-24)"
        found.append(("year", why, ROW_NOT_LOADED))
    indicator_id = text["indicator_id"].lower()
    indicator = catalogue().get(indicator_id)
    if indicator_id and indicator is None:
        why = "not an indicator in the catalogue (carejsna indicator --list)"
        found.append(("indicator_id", why, ROW_NOT_LOADED))
    elif indicator is not None and indicator.breakdown:
        why = f"a breakdown by {indicator.breakdown}: one value per area and year cannot show it"
        found.append(("indicator_id", why, ROW_NOT_LOADED))
    high = 100 if indicator is not None and indicator.unit == "percent" else math.inf
    numbers = {}
    for column in ("value", *OPTIONAL):
        number = _number(text[column])
        if text[column] and number is None:
            marked = text[column].lower() in DFE_MARKS
            why = "DfE's mark for a figure not given" if marked else "not a number"
            found.append((column, why, ROW_NOT_LOADED))
        elif number is not None and not 0 <= number <= high:
            why = "not from 0 to 100 (a per cent)" if high == 100 else "below 0"
            found.append((column, why, ROW_NOT_LOADED))
        numbers[column] = math.nan if number is None else number
    value, lower, upper = numbers["value"], numbers["lower_ci"], numbers["upper_ci"]
    if lower > value:
        found.append(("lower_ci", f"above the value ({text['value']})", ROW_NOT_LOADED))
    if upper < value:
        found.append(("upper_ci", f"below the value ({text['value']})", ROW_NOT_LOADED))
    if any(action == ROW_NOT_LOADED for _, _, action in found):
        return None, found
    row = {**text, "area_type": area_type, "indicator_id": indicator_id, "year": int(year)}
    return {**row, **numbers, "is_official": True}, found


def _number(text: str) -> float | None:
    """The text as a finite number (83,630 read as DfE's tables write it), else None."""
    if THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
