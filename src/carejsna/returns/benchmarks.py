"""Published figures to compare with (England, region, the council, its neighbours): read, check."""

from __future__ import annotations

import math
import re
from pathlib import Path

import pandas as pd

from carejsna.catalogue import catalogue
from carejsna.returns.read import FILE_NOT_LOADED, NOTED, ROW_NOT_LOADED, FileProblem, Problem

# England's and the East Midlands' published figures, read from DfE's own releases
# (docs/benchmarks.md). Regenerate: python -m carejsna.returns.benchmarks ../shared/reference-data
SHIPPED = Path(__file__).parents[1] / "benchmarks" / "official.csv"

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
    "derived",
)
OPTIONAL = ("lower_ci", "upper_ci", "derived")
NEEDED = ("area_code", "area_type", "year", "indicator_id", "value", "source")  # or row left out
AREA_TYPES = ("country", "region", "local_authority", "statistical_neighbours", "other")
FIRST_YEAR, LAST_YEAR = 1990, 2100
KEY = ("area_code", "year", "indicator_id")
TYPES = {"year": "int64", "value": "float64", "lower_ci": "float64", "upper_ci": "float64"}
# DfE's marks for a figure it does not give: suppressed, <0.5%, rounds to 0, not applicable...
DFE_MARKS = {"c", "k", "low", "u", "x", "z", ":", ".."}
THOUSANDS = re.compile(r"^-?\d{1,3}(,\d{3})+(\.\d+)?$")  # 83,630 as DfE's web tables show it
OGL = "Open Government Licence v3.0 (Crown copyright, DfE)"
# `derived`: true for a figure worked out from published counts, not published itself.
YES, NO = ("true", "yes", "1"), ("false", "no", "0", "")

# shared/reference-data/official_indicators.csv (and official_derived_percentages.csv) ids ->
# the catalogue's, where DfE's measure is the catalogue's definition (docs/benchmarks.md).
FROM_OFFICIAL = {
    "cla_at_31_march": "cla_at_31_march",
    "cla_rate_per_10k": "cla_rate_per_10k",
    "started_in_year": "cla_started",
    "ceased_in_year": "cla_ceased",
    "pct_health_assessment": "pct_health_assessment",
    "pct_dental_check": "pct_dental_check",
    "pct_immunisations": "pct_immunisations",
    # DfE's children aged 0 to 4 looked after for 12 months: our under-5 measure.
    "pct_development_assessments_under5": "pct_development_check_under5",
    "pct_substance_misuse": "pct_substance_misuse",
    # DfE's children aged 10 to 17: in care, so aged 10 or over, as ours.
    "pct_convicted": "pct_convicted",
    "pct_ks2_expected_rwm": "pct_ks2_rwm_expected",
    "mean_ks4_attainment8": "mean_ks4_attainment8",
    "pct_ks4_grade4_eng_maths": "pct_ks4_eng_maths_4",
    "pct_persistent_absence_cla12m": "pct_persistent_absence",
    "pct_one_plus_suspension": "pct_suspended",
    "pct_sen_support": "pct_sen_support",
    "pct_ehc_plan": "pct_ehc_plan",
    "pct_care_leavers_17_18_eet": "pct_eet_17to18",
    "pct_care_leavers_19_21_eet": "pct_eet_19to21",
    "pct_care_leavers_17_18_neet": "pct_neet_17to18",
    "pct_care_leavers_19_21_neet": "pct_neet_19to21",
    "pct_care_leavers_17_18_suitable_accommodation": "pct_suitable_accommodation_17to18",
    "pct_care_leavers_19_21_suitable_accommodation": "pct_suitable_accommodation_19to21",
    "pct_care_leavers_17_18_in_touch": "pct_in_touch_17to18",
    "pct_care_leavers_19_21_in_touch": "pct_in_touch_19to21",
    "pct_3plus_placements_in_year": "pct_3plus_placements",
    "pct_long_term_stability": "pct_long_term_stability",
    # DfE puts every child inside or outside the LA boundary (the two add up to 100).
    "pct_placed_outside_la_boundary": "pct_placed_outside_council",
    "uasc_at_31_march": "uasc_at_31_march",
    "pct_uasc": "pct_uasc",
}
LEGACY = (
    "DfE's older Outcomes for CLA series: different matching, not comparable with the newer series"
)
SDQ_AGES = "DfE's children aged 5 to 16; the catalogue's are aged 4 to 16 at 31 March"
# Ids whose measure is not the catalogue's: not shipped.
LEFT_OUT = {
    "mean_ks4_attainment8_legacy": LEGACY + " shipped as mean_ks4_attainment8",
    "pct_ks2_expected_rwm_legacy": LEGACY + " shipped as pct_ks2_rwm_expected",
    "pct_sen_support_legacy": LEGACY + " shipped as pct_sen_support",
    "pct_ehc_plan_legacy": LEGACY + " shipped as pct_ehc_plan",
    "pct_persistent_absence_cla12m_legacy": LEGACY + " shipped as pct_persistent_absence",
    "mean_sdq_score": SDQ_AGES,
    "pct_sdq_concern": SDQ_AGES,
    "pct_sdq_received": SDQ_AGES,
    "pct_3plus_placements_prev_2_years": (
        "children looked after for 2 years with 3+ placements over those 2 years; ours is "
        "children in care at 31 March with 3+ placements in the year"
    ),
    "pct_placed_inside_la_boundary": (
        "no catalogue indicator: its complement is shipped as pct_placed_outside_council"
    ),
    "pct_placed_over_20_miles": (
        "DfE divides by all children in care, including those with no known distance; ours "
        "divides by children whose distance is known"
    ),
    "pct_placed_over_20_miles_outside_la": "no catalogue indicator (over 20 miles and outside)",
}
# Mapped ids whose rows carry this text in their note are of another definition: not shipped.
ROWS_LEFT_OUT = {
    ("pct_long_term_stability", "(older definition)"): (
        "2018 and 2019 are DfE's older definition (same placement, not same carer, for 2 years)"
    ),
    ("pct_convicted", "final warning/reprimand definition"): (
        "2015 and 2016 are DfE's older definition (convicted or given a final warning or reprimand)"
    ),
    ("pct_development_assessments_under5", "aged 5 or younger"): (
        "2015's derived share divides by children aged 5 or younger, not under 5"
    ),
}
SHIPPED_AREAS = {"E92000001": "country", "E12000004": "region"}  # never a council's own figures
DERIVED = "derived: not a DfE-published percentage, calculated from DfE's published counts"


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
    return frame.astype({**TYPES, "derived": "bool", "is_official": "bool"}), problems


def from_official(folder: Path) -> pd.DataFrame:
    """England's and the East Midlands' rows of FOLDER/official_indicators.csv and
    FOLDER/official_derived_percentages.csv (shared/reference-data) in the benchmarks layout.

    Values stay the published text (load() checks them); year_ending 2024-03-31 becomes 2024;
    source is the publication (which file, where the copy read is held) and its URL; release is
    the release's name, then "; " and the file's rounding note (vintage, rounding, caveats); a
    derived percentage has derived "true" and its release says so after the name. Other areas
    (Nottinghamshire) are never shipped. An id neither mapped nor left out, a mapping to no
    catalogue indicator, or a figure given twice, raises ValueError.
    """
    folder = Path(folder)
    parts = []
    for name, derived in (
        ("official_indicators.csv", False),
        ("official_derived_percentages.csv", True),
    ):
        part = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        parts.append(part.assign(derived=derived))
    ref = pd.concat(parts, ignore_index=True)
    unknown = set(ref["indicator_id"]) - {*FROM_OFFICIAL, *LEFT_OUT}
    absent = set(FROM_OFFICIAL.values()) - set(catalogue())
    if unknown or absent:
        raise ValueError(f"official ids not mapped: {unknown}; not in the catalogue: {absent}")
    keep = ref["area_code"].isin(SHIPPED_AREAS) & ~ref["indicator_id"].isin(LEFT_OUT)
    for indicator_id, text in ROWS_LEFT_OUT:
        keep &= ~(
            ref["indicator_id"].eq(indicator_id)
            & ref["rounding_note"].str.contains(text, regex=False)
        )
    ref = ref[keep]
    wrong = ref["area_type"] != ref["area_code"].map(SHIPPED_AREAS)
    if wrong.any():
        raise ValueError(f"area types not as expected: {ref[wrong][['area_code', 'area_type']]}")
    ends = pd.to_datetime(ref["year_ending"], format="%Y-%m-%d")
    if not (ends.dt.month.eq(3) & ends.dt.day.eq(31)).all():
        raise ValueError("a year_ending is not 31 March")
    release = ref["source_publication"].str.split(" - ", n=1).str[0].str.strip()
    note = ref["rounding_note"].where(~ref["derived"], DERIVED + "; " + ref["rounding_note"])
    out = pd.DataFrame(
        {
            "area_code": ref["area_code"],
            "area_name": ref["area_name"],
            "area_type": ref["area_type"],
            "year": ends.dt.year,
            "indicator_id": ref["indicator_id"].map(FROM_OFFICIAL),
            "value": ref["value"],
            "lower_ci": "",
            "upper_ci": "",
            "source": ref["source_publication"] + ", " + ref["source_url"],
            "release": release + "; " + note,
            "licence": OGL,
            "derived": ref["derived"].map({True: "true", False: "false"}),
        }
    )
    twice = out.duplicated(list(KEY), keep=False)
    if twice.any():
        raise ValueError(f"figures given twice: {out[twice][list(KEY)].to_dict('records')}")
    ranks = {
        "area_code": {code: i for i, code in enumerate(SHIPPED_AREAS)},
        "indicator_id": {id_: i for i, id_ in enumerate(catalogue())},
    }
    out = out.sort_values(
        ["area_code", "indicator_id", "year"],
        key=lambda s: s.map(ranks[s.name]) if s.name in ranks else s,
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
    for column in ("value", "lower_ci", "upper_ci"):
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
    derived = text["derived"].lower()
    if derived not in (*YES, *NO):
        why = "not true or false (true: worked out from published counts, not published itself)"
        found.append(("derived", why, ROW_NOT_LOADED))
    if any(action == ROW_NOT_LOADED for _, _, action in found):
        return None, found
    row = {**text, "area_type": area_type, "indicator_id": indicator_id, "year": int(year)}
    # A derived figure is not an official statistic, though worked out from them.
    row |= {"derived": derived in YES, "is_official": derived not in YES}
    return {**row, **numbers}, found


def _number(text: str) -> float | None:
    """The text as a finite number (83,630 read as DfE's tables write it), else None."""
    if THOUSANDS.match(text):
        text = text.replace(",", "")
    try:
        number = float(text)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


if __name__ == "__main__":  # python -m carejsna.returns.benchmarks ../shared/reference-data
    import sys

    from_official(Path(sys.argv[1])).to_csv(SHIPPED, index=False)
    print(f"wrote {SHIPPED}")
