"""Build the Parquet extracts from a folder of SSDA903 returns, all or nothing."""

from __future__ import annotations

import datetime as dt
import glob
import hmac
import json
import multiprocessing
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from carejsna import __version__, changes, db, figures, forecast, if_stopped
from carejsna.catalogue import catalogue
from carejsna.returns import benchmarks, postcodes, quality
from carejsna.returns import names as ons
from carejsna.returns.read import (
    FILE_NOT_LOADED,
    NOTED,
    ROW_NOT_LOADED,
    FileProblem,
    Problem,
    find_file,
    read_file,
    read_years,
)
from carejsna.returns.schema import CODES_CSV, FILES, TARGETS

AGE_BANDS = pd.DataFrame(
    {
        "age_band": ["Under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over"],
        "min_age": [0, 1, 5, 10, 16],
        "max_age": [0, 4, 9, 15, 120],
        "sort_order": [1, 2, 3, 4, 5],
    }
)
SHORT_BREAKS = ("V3", "V4")
# What each record-level extract keeps, and nothing else (docs/extracts.md says why): a child
# id only as a keyed pseudonym, no UPN, date of birth, mother's details, postcode or URN.
KEPT = {
    "children": ["year", "child_id", "sex", "ethnicity", "is_uasc", "district_code", "age",
                 "age_band", "birth_year", "birth_month"],
    "episodes": ["year", "child_id", "start_date", "end_date", "reason_new_episode",
                 "legal_status", "category_of_need", "placement_type", "placement_provider",
                 "reason_ended", "reason_place_change", "home_district_code",
                 "placement_district_code", "distance_miles", "is_placed_outside_council",
                 "is_short_break", "placement_key", "urn_key"],
    "health": ["year", "child_id", "sdq_score", "sdq_reason", "is_convicted",
               "has_development_check", "has_immunisations", "has_dental_check",
               "has_health_assessment", "has_substance_misuse", "received_intervention",
               "offered_intervention"],
    "care_leavers": ["year", "child_id", "age", "in_touch", "activity", "accommodation"],
    "uasc": ["year", "child_id", "uasc_end_date"],
    "education": ["year", "child_id", "ks2_rwm_expected", "ks4_attainment8", "ks4_eng_maths_4",
                  "is_persistently_absent", "suspensions", "sen_provision"],
}  # fmt: skip
KEY_FILE = ".carejsna-key"  # beside the returns, never in the extracts
POSTCODE_PARTS = r"^(?P<outward>[A-Z]{1,2}[0-9][A-Z0-9]?) ?[0-9][A-Z]{2}$"


@dataclass
class Council:
    code: str = ""
    name: str = "Council"
    synthetic: bool = False
    source: str = "SSDA903 returns"
    licence: str = ""


@dataclass
class BuildResult:
    problems: list[Problem] = field(default_factory=list)
    rows: dict[str, dict[str, int]] = field(
        default_factory=dict
    )  # "2018/header.csv" -> read/loaded
    extracts: dict[str, int] = field(default_factory=dict)
    written: bool = False
    seconds: dict[str, float] = field(default_factory=dict)  # e.g. how long the figures took
    figures: dict = field(default_factory=dict)  # figures.write's report: what it reused
    changes: dict = field(default_factory=dict)  # the overview's figures since the last build

    @property
    def failed(self) -> bool:
        return any(p.action == FILE_NOT_LOADED for p in self.problems)


ENGLAND = "E92000001"


def read_council(returns_dir: Path) -> Council:
    """council.toml, if the council keeps one; FileProblem names its line if it can't be read."""
    path = returns_dir / "council.toml"
    if not path.exists():
        return Council()

    def problem(line: int | None, column: str, value: str, why: str) -> FileProblem:
        return FileProblem(Problem(None, path.name, line, column, value, why, FILE_NOT_LOADED))

    data = path.read_bytes()
    try:  # Notepad's UTF-8 begins with a byte-order mark, which TOML does not allow
        values = tomllib.loads(data.decode("utf-8").removeprefix("\ufeff"))
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise problem(line, "", "", "not UTF-8 text: save it as UTF-8") from None
    except tomllib.TOMLDecodeError as error:
        at = re.search(r"\(at line (\d+), column \d+\)|\(at end of document\)", str(error))
        line = int(at[1]) if at and at[1] else data.count(b"\n") + 1
        why = str(error)[: at.start()].strip() if at else str(error)
        if why.startswith("Invalid value"):  # name = Nottinghamshire: text unquoted, mostly
            why += ' (text goes in double quotes: name = "Nottinghamshire")'
        raise problem(line, "", "", f"not valid TOML: {why}") from None
    fields = Council.__dataclass_fields__
    for key, value in values.items():
        if key not in fields:  # a setting misspelt, or in a [section], would be lost unsaid
            known = ", ".join(fields)
            why = (
                f"a [{key}] section: council.toml's settings ({known}) go at its top, in none"
                if type(value) is dict
                else f"not a setting of council.toml (its settings: {known})"
            )
            raise problem(None, key, "", why)
        expected = type(fields[key].default)
        if type(value) is not expected:
            kind = "true or false" if expected is bool else "a quoted text"
            raise problem(None, key, str(value), f"must be {kind}")
    council = Council(**{k: v for k, v in values.items() if k in fields})
    council.code = council.code.strip().upper()  # " e10000024" is E10000024
    # The council's figures are given its code: another's would mislabel them. England's
    # (every district's returns at once: bench/national.py) is no council's, and allowed.
    if council.code and council.code != ENGLAND:
        table = ons.authorities()
        if council.code not in set(table["council_code"]):
            within = table.loc[table["district_code"] == council.code, "council_code"]
            why = (
                f"a district of {within.iloc[0]}, not a council: give the council's code"
                if len(within)
                # shaped like one: an abolished council's, which the format would not explain
                else "not a council's code in ONS's lookup of councils since April 2021 (an "
                "abolished council's, as Buckinghamshire's E10000002 before 2020?): give the "
                "code it has now, or leave code out"
                if re.fullmatch(r"(E0[689]|E10|W06)\d{6}", council.code)
                else "not a council's code in ONS's lookup (E06, E08, E09, E10 or W06 and "
                "six digits, as E10000024 for Nottinghamshire)"
            )
            raise problem(None, "code", council.code, why)
    return council


def council_problems(council: Council, population: pd.DataFrame) -> list[Problem]:
    """council.toml's code against the council population.csv's districts are in: another
    council's code would label this council's figures with it."""
    found = ons.council_of(population["district_code"].dropna().unique())
    if not council.code or found is None or found[0] == council.code:
        return []
    code, name, _ = found
    why = f"population.csv's districts are {name}'s ({code}): give {code}, or leave code out"
    return [Problem(None, "council.toml", None, "code", council.code, why, FILE_NOT_LOADED)]


def build(returns_dir: Path, out_dir: Path) -> BuildResult:
    """Validate every return under returns_dir and, if every file can be used, write out_dir."""
    result = BuildResult()
    returns_dir, out_dir = Path(returns_dir), Path(out_dir)
    check_out(out_dir, returns_dir)
    if not returns_dir.is_dir():
        result.problems.append(
            Problem(None, str(returns_dir), None, "", "", "no such folder", FILE_NOT_LOADED)
        )
        return result
    try:
        council = read_council(returns_dir)
        if not council.synthetic:
            check_private(out_dir)
        key = secret_key(returns_dir)
    except FileProblem as error:
        result.problems.extend(error.problems)
    frames, rows, problems = read_years(returns_dir)
    result.rows.update(rows)
    result.problems.extend(problems)
    targets = _targets(returns_dir, result)
    comparators = _benchmarks(returns_dir, result)
    if result.failed:
        return result

    tables = {name: _concat(parts, name) for name, parts in frames.items()}
    del frames  # each stage lets go of the last: at national scale memory is the limit
    result.problems.extend(council_problems(council, tables["population"]))
    if result.failed:
        return result
    result.problems.extend(quality.cross_checks(tables, result.rows))
    result.problems.extend(quality.relabelled(revisions(tables["episodes"]), result.rows))
    _write(tables, targets, comparators, council, result, out_dir, returns_dir, key)
    return result


def _benchmarks(returns_dir: Path, result: BuildResult) -> pd.DataFrame:
    """Published figures to compare with: England's, shipped, and any CSVs the council adds in
    RETURNS_DIR/benchmarks/ (docs/benchmarks.md)."""
    folder = returns_dir / "benchmarks"
    added = sorted(folder.glob("*.csv"), key=lambda p: p.name) if folder.is_dir() else []
    try:
        frame, problems = benchmarks.load([benchmarks.SHIPPED, *added])
    except FileProblem as error:
        result.problems.extend(error.problems)
        return pd.DataFrame()
    result.problems.extend(problems)
    return frame


def _targets(returns_dir: Path, result: BuildResult) -> pd.DataFrame:
    """The council's KPI targets (targets.csv beside the year folders), if it keeps any."""
    empty = pd.DataFrame(columns=[c.as_name for c in TARGETS.cols])
    try:
        path = find_file(returns_dir, "targets")  # refused if also TARGETS.CSV
        if path is None:
            return empty
        frame, problems = read_file(path, TARGETS, None)
    except FileProblem as error:
        result.problems.extend(error.problems)
        return empty
    result.problems.extend(problems)
    known = set(catalogue())
    for row in frame[~frame["indicator_id"].isin(known)].itertuples():
        result.problems.append(
            Problem(
                None,
                path.name,
                row.source_row,
                "INDICATOR",
                row.indicator_id,
                "not an indicator in the catalogue (carejsna indicator --list)",
                ROW_NOT_LOADED,
            )
        )
    frame = frame[frame["indicator_id"].isin(known)]
    frame["good"] = frame["good"].str.lower()
    return frame.drop(columns=["source_row"]).reset_index(drop=True)


def _concat(parts: list[pd.DataFrame], name: str) -> pd.DataFrame:
    if parts:
        return pd.concat(parts, ignore_index=True)
    spec = next(s for s in FILES.values() if s.extract == name)
    return pd.DataFrame(columns=["year", "source_row", *[c.as_name for c in spec.cols]])


DATES = {c.as_name for spec in FILES.values() for c in spec.cols if c.kind == "date"}
EPISODE_FIELDS = {  # what a later return may revise in an episode, by DfE's column name
    "reason_new_episode": "RNE", "legal_status": "LS", "category_of_need": "CIN",
    "placement_type": "PLACE", "placement_provider": "PLACE_PROVIDER", "end_date": "DEC",
    "reason_ended": "REC", "reason_place_change": "REASON_PLACE_CHANGE",
    "home_postcode": "HOME_POST", "placement_postcode": "PL_POST", "ofsted_urn": "URN",
}  # fmt: skip
PRIVATE = ("HOME_POST", "PL_POST", "URN")  # a revision gives the new value, not the change


def revisions(episodes: pd.DataFrame) -> list[Problem]:
    """Episodes a later year's return gives differently from the return before it: each change
    is listed, and the later return's version is the one used (episode_history). An end date,
    reason ended and reason for a placement change first given once the episode ended are not
    revisions. Where a later return
    seems to have changed a start date, nothing says which is right: that is reported
    (_start_date_conflicts), not settled."""
    problems = []
    columns = ["year", "start_date", "end_date", "source_row"]
    ordered = episodes[columns].astype({"start_date": "datetime64[s]", "end_date": "datetime64[s]"})
    # The child as a number, in the order of the ids: sorting and matching numbers takes less
    # memory than text, and at national scale memory is the limit.
    ordered.insert(1, "child", pd.factorize(episodes["child_id"], sort=True)[0])
    ordered = ordered.reset_index(drop=True).sort_values(["child", "start_date", "year"])
    positions = ordered.index.to_numpy()  # of each row in episodes
    # So sorted, each version of an episode (child and DECOM) follows the one before it.
    same = (ordered["child"] == ordered["child"].shift()) & (
        ordered["start_date"] == ordered["start_date"].shift()
    )
    earlier = ordered["year"].shift().where(same)
    later = (earlier < ordered["year"]).to_numpy()  # a later return's version
    for column, name in EPISODE_FIELDS.items():
        values = episodes[column]
        # A column at a time, each value as a number (blank: -1), not as text: at national
        # scale memory is the limit. The first row has no row before it, nor is it `later`.
        after = pd.factorize(values)[0][positions]
        before = np.roll(after, 1)
        changed = later & (before != after)
        if column in ("end_date", "reason_ended", "reason_place_change"):
            changed &= before != -1  # first given once the episode ended: not a revision
        if column != "end_date":  # a code left out: most likely one blanked as not DfE's,
            changed &= after != -1  # which is reported as that
        at = np.flatnonzero(changed)
        for row, old, new, was in zip(
            ordered.iloc[at].itertuples(),
            map(_text, values.iloc[positions[at - 1]]),
            map(_text, values.iloc[positions[at]]),
            earlier.iloc[at],
            strict=True,
        ):
            value = new if name in PRIVATE else f"{old or 'blank'} -> {new or 'blank'}"
            problems.append(
                Problem(int(row.year), f"{row.year}/episodes.csv", row.source_row, name, value,
                        f"revises the {int(was)} return's value for this episode: the later "
                        "return's is used", NOTED)
            )  # fmt: skip
    return problems + _start_date_conflicts(ordered)


def _text(value) -> str:
    """A value as a revision shows it: a day as dd/mm/yyyy, a blank as nothing."""
    if pd.isna(value):
        return ""
    return f"{value:%d/%m/%Y}" if isinstance(value, dt.date) else str(value)


def _start_date_conflicts(ordered: pd.DataFrame) -> list[Problem]:
    """An episode open at the end of a return, left out of the next return, which holds another
    episode of the child over some of the same days: a start date changed? Both are counted."""
    latest = ordered.drop_duplicates(["child", "start_date"], keep="last")
    gone = latest[
        latest["end_date"].isna() | (latest["end_date"] > quality.year_end(latest["year"]))
    ]
    later = ordered[ordered["child"].isin(gone["child"])]  # a smaller merge
    pairs = gone.assign(year=gone["year"] + 1).merge(
        later, on=["child", "year"], suffixes=("", "_next")
    )
    never = np.datetime64("9999-12-31", "s")
    overlapping = pairs[
        (pairs["start_date_next"] < pairs["end_date"].fillna(never))
        & (pairs["end_date_next"].fillna(never) > pairs["start_date"])
    ]
    return [
        Problem(int(row.year), f"{row.year}/episodes.csv", row.source_row_next, "DECOM",
                f"{row.start_date_next:%d/%m/%Y}",
                f"overlaps the episode from {row.start_date:%d/%m/%Y} that the {row.year - 1} "
                "return has open and this return leaves out (a start date changed?): both "
                "are counted until one return is corrected", NOTED)
        for row in overlapping.itertuples()
    ]  # fmt: skip


def _recognise(
    council: Council, names: pd.Series, child_ids: pd.Series, home_districts: pd.Series
) -> pd.Series:
    """The council's own districts with their names: population.csv's, or else (with ONS's
    names) those of the council that most children's homes fall in. Fills in the council's
    code and name where council.toml does not give them."""
    homes = pd.DataFrame({"child": child_ids.array, "district": home_districts.array})
    homes = homes.dropna().drop_duplicates()  # a child counts once in each district
    found = ons.council_of(names.index if len(names) else homes["district"])
    if found is not None:
        code, name, districts = found
        council.code = council.code or code
        if council.name == Council.name and council.code == code:
            council.name = name
        if names.empty:
            names = pd.Series(ons.district_names(districts), dtype=object)
    return names


OWN_AREA = "OWN"  # a single-tier council's own area, as a district: its code is the council's


def _own_area(code: str, names: pd.Series, *frames: pd.DataFrame) -> tuple:
    """A single-tier council's (a unitary, a metropolitan or London borough's) one district,
    whose code is the council's own, as a district of its own code (OWN_AREA) in `names` and in
    each frame's district_code: its figures are then the children living in its area, beside
    those living outside it (Other) and the council's whole (the same code twice had made
    every figure's areas ambiguous, and the build failed)."""
    own = {code: OWN_AREA}
    renamed = [f.assign(district_code=f["district_code"].astype(object).replace(own))
               for f in frames]  # fmt: skip
    names = names.rename(index=own)
    names[OWN_AREA] = f"Living in {names[OWN_AREA]}"
    return names, *renamed


def _district(codes: pd.Series, council_districts: set[str]) -> pd.Series:
    if not council_districts:
        return codes.fillna(postcodes.UNKNOWN)
    inside = codes.isin(council_districts)
    return codes.where(inside, postcodes.OTHER).where(codes.notna(), postcodes.UNKNOWN)


def _extracts(
    tables: dict[str, pd.DataFrame],
    council: Council,
    result: BuildResult,
    key: bytes,
    write: Callable[[str, pd.DataFrame], None],
) -> pd.DataFrame:
    """The extracts from the returns' tables, each handed to write(name, frame) as soon as it is
    made; returns what will and won't count, per year (quality.counted). The tables are used
    up, each let go once its extract is made, since at national scale memory is the limit. A
    record-level extract keeps only its KEPT columns, its child ids as pseudonyms."""
    population = tables.pop("population")
    names = (
        population.sort_values("year")
        .drop_duplicates("district_code", keep="last")
        .set_index("district_code")["district_name"]
    )

    episodes = tables.pop("episodes")
    both = postcodes.lookup(pd.concat([episodes["home_postcode"], episodes["placement_postcode"]]))
    home, placement = both.iloc[: len(episodes)], both.iloc[len(episodes) :]
    names = _recognise(council, names, episodes["child_id"], home["district_code"])
    elsewhere = "Outside the council's districts"  # the name of OTHER
    if council.code in names.index:  # a single-tier council: its one district is itself
        names, home, placement, population = _own_area(council.code, names, home, placement,
                                                       population)  # fmt: skip
        elsewhere = f"Living outside {council.name}"
    council_districts = set(names.index)
    result.problems += quality.relabelled(
        quality.postcode_problems(episodes, home, placement), result.rows
    )
    home_district = _district(home["district_code"], council_districts)
    # why an Unknown one is, until the data-quality counts are made (quality.counted)
    episodes["home_district_code"] = quality.with_why(home_district, episodes["home_postcode"])
    episodes["placement_district_code"] = _district(placement["district_code"], council_districts)
    # Whole miles, rounded up: "more than 20 miles" is then the same as on the tenth of a mile
    episodes["distance_miles"] = np.ceil(postcodes.distance_miles(home, placement))
    outside = (~placement["district_code"].isin(council_districts)).astype("boolean")
    known = placement["district_code"].notna() & bool(council_districts)
    episodes["is_placed_outside_council"] = outside.where(known, pd.NA)
    del both, home, placement
    episodes["is_short_break"] = episodes["legal_status"].isin(SHORT_BREAKS)
    place = episodes["placement_postcode"].str.replace(" ", "", regex=False)
    episodes["placement_key"] = pseudonyms(place, key, "postcode")
    episodes["urn_key"] = pseudonyms(episodes["ofsted_urn"], key, "urn")
    episodes = episodes.drop(columns=["home_postcode", "placement_postcode"])

    children = _children(tables, episodes)
    counts = quality.counted(children, episodes, tables, result.problems)
    for frame, column in ((children, "district_code"), (episodes, "home_district_code")):
        frame[column] = quality.without_why(frame[column])
    del tables["children"]
    districts = pd.DataFrame(
        {
            "district_code": [*names.index, postcodes.OTHER, postcodes.UNKNOWN],
            "district_name": [*names.to_numpy(), elsewhere, "Unknown"],
            "is_council_district": [True] * len(names) + [False, False],
        }
    )
    if not council_districts:
        found = sorted(set(children["district_code"]) - {postcodes.UNKNOWN})
        named = ons.district_names(found)
        districts = pd.DataFrame(
            {
                "district_code": [*found, postcodes.UNKNOWN],
                "district_name": [*(named.get(code, code) for code in found), "Unknown"],
                "is_council_district": [True] * len(found) + [False],
            }
        )
    districts = districts.sort_values(
        ["is_council_district", "district_name"], ascending=[False, True]
    )
    districts["sort_order"] = range(1, len(districts) + 1)

    def tidy(frame: pd.DataFrame, keys: list[str], name: str = "") -> pd.DataFrame:
        frame = frame.drop(columns=["source_row"], errors="ignore")
        if name in KEPT:
            frame = frame[KEPT[name]].assign(child_id=pseudonyms(frame["child_id"], key, "child"))
        # A code sorts as its text would (its categories are in text order), so it is made
        # text only once sorted: one copy of it, not two.
        frame = frame.sort_values(keys, kind="stable")
        codes = frame.select_dtypes("category").columns
        return frame.astype(dict.fromkeys(codes, "str")).reset_index(drop=True)

    children = tidy(children, ["year", "child_id"], "children")  # the untidied one let go
    write("children", children)
    del children
    episodes = tidy(episodes, ["year", "child_id", "start_date"], "episodes")
    write("episodes", episodes)
    del episodes
    care_leavers = tables["care_leavers"]
    care_leavers["age"] = _age_at_31_march(care_leavers)[0]  # from OC3's date of birth
    for name in ("health", "care_leavers", "uasc", "education"):
        write(name, tidy(tables.pop(name), ["year", "child_id"], name))
    write(
        "population",
        tidy(population.drop(columns=["district_name"]), ["year", "district_code", "age", "sex"]),
    )
    write("districts", districts.reset_index(drop=True))
    write("age_bands", AGE_BANDS)
    write("codes", pd.read_csv(CODES_CSV, dtype=str, keep_default_na=False))
    return counts


def _children(tables: dict[str, pd.DataFrame], episodes: pd.DataFrame) -> pd.DataFrame:
    """One row per child per year: everyone in any of the year's files (in episodes.csv, with
    an episode in the year: quality.in_its_year), with a home district.

    District: HOME_POST of the child's latest non-short-break episode in the year; failing that,
    of the latest such episode in the most recent earlier return; failing that, Unknown.
    """
    header = tables["children"].drop(columns=["source_row", "upn"])
    files = tables | {"episodes": episodes[quality.in_its_year(episodes)]}
    ids = (
        pd.concat(
            [
                files[name][["year", "child_id"]]
                for name in ("children", "episodes", "care_leavers", "uasc", "health", "education")
            ]
        )
        .astype({"year": "int64", "child_id": "str"})
        .drop_duplicates()
    )
    children = ids.merge(header, on=["year", "child_id"], how="left")
    uasc = tables["uasc"][["year", "child_id"]].astype({"year": "int64"}).assign(is_uasc=True)
    children = children.merge(uasc, on=["year", "child_id"], how="left")
    children["is_uasc"] = children["is_uasc"].astype("boolean").fillna(False)

    latest = (
        episodes.loc[
            ~episodes["is_short_break"], ["child_id", "year", "start_date", "home_district_code"]
        ]
        .sort_values(["child_id", "year", "start_date"])
        .groupby(["child_id", "year"])
        .tail(1)[["child_id", "year", "home_district_code"]]
        .rename(columns={"year": "district_year", "home_district_code": "district_code"})
        .sort_values("district_year")
    )
    children = pd.merge_asof(
        children.sort_values("year"),
        latest,
        left_on="year",
        right_on="district_year",
        by="child_id",
        direction="backward",
    )
    children["district_code"] = children["district_code"].fillna(postcodes.UNKNOWN)
    children = children.drop(columns=["district_year"])
    children["age"], children["age_band"] = _age_at_31_march(children)
    born = pd.to_datetime(children["birth_date"])
    children["birth_year"] = born.dt.year.astype("Int32")
    children["birth_month"] = born.dt.month.astype("Int32")
    return children


def _age_at_31_march(children: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Whole years of age at 31 March of the year, and its DfE age band (Unknown if no DOB)."""
    born = pd.to_datetime(children["birth_date"])
    before_birthday = born.dt.month * 100 + born.dt.day > 331  # born after 31 March in the year
    age = (children["year"] - born.dt.year - before_birthday).astype("Int64")
    edges = [-1, *AGE_BANDS["max_age"]]
    band = pd.cut(age.astype("float64"), edges, labels=AGE_BANDS["age_band"]).astype(object)
    return age, band.where(band.notna(), "Unknown")


def _write(
    tables: dict[str, pd.DataFrame],
    targets: pd.DataFrame,
    comparators: pd.DataFrame,
    council: Council,
    result: BuildResult,
    out_dir: Path,
    returns_dir: Path,
    key: bytes,
) -> None:
    """Write a new folder beside out_dir, then swap it in: a failure leaves out_dir as it was.
    Each extract is written as soon as it is made, and let go before the next is made and the
    figures are worked out: at national scale memory is the limit."""

    def write(name: str, frame: pd.DataFrame) -> None:
        # A date column with no date at all (a file with no rows, or none with an end date)
        # would be written with no type: DuckDB's year() then cannot read it.
        empty = [c for c in frame.columns if c in DATES and frame[c].isna().all()]
        frame = frame.astype(dict.fromkeys(empty, "date32[pyarrow]"))
        frame.to_parquet(staging / f"{name}.parquet", index=False)
        result.extracts[name] = len(frame)

    with staged(out_dir) as staging:
        years = sorted(int(y) for y in tables["episodes"]["year"].unique())
        counts = _extracts(tables, council, result, key, write)  # uses the tables up
        write("targets", targets)
        write("benchmarks", comparators)
        metadata = {
            "council": asdict(council),
            "years": years,
            "extracts": result.extracts,
            "built_with": f"carejsna {__version__}",
            "returns": quality.recorded_path(returns_dir, out_dir),  # for the data-quality page
            "returns_digest": quality.digest(returns_dir),  # it shows this build's check of them
        }
        (staging / "metadata.json").write_text(json.dumps(metadata, indent=2) + "\n")
        # A returned value is echoed as it came: a spreadsheet must not run it as a formula;
        # made-up returns' problems are said to be made up (quality.export).
        report = minimised_report(report_frame(result.problems), key)
        quality.export(report, council.synthetic).to_csv(staging / "build_report.csv", index=False)
        counted = quality.export(counts, council.synthetic)
        counted.to_csv(staging / quality.COUNTS_FILE, index=False)
        # Every protected figure, from the extracts; what a previous build there withheld is
        # reused for each indicator's year whose inputs are unchanged.
        previous = out_dir if is_previous_build(out_dir) else None
        result.figures = figures.write(staging, previous=previous)
        result.seconds["figures"] = result.figures["figures"]
        forecast.keep(staging)  # the forecast's pieces of every child's care, worked out once
        result.changes = changes.write(out_dir, staging)  # against the previous build, if any
    result.written = True


def check_out(out_dir: Path, returns_dir: Path) -> None:
    """Refuse an --out the build would destroy: the returns themselves (or a folder inside them
    or holding them), or a folder holding anything but a previous build."""
    out, returns = Path(out_dir).resolve(), Path(returns_dir).resolve()
    if out == returns or returns in out.parents or out in returns.parents:
        raise ValueError(
            f"--out {out_dir}: the extracts must go outside the returns folder {returns_dir} "
            "(and not around it): the build replaces the whole --out folder"
        )
    if (Path(out_dir) / db.PUBLISHED_MANIFEST).exists():
        raise FileExistsError(
            f"--out {out_dir} is a published folder (`carejsna publish` wrote it): a build "
            "there would put children's records where the public explorer reads, so give the "
            "extracts their own folder (e.g. --out data)"
        )
    check_replaceable(Path(out_dir), is_previous_build, "a previous `carejsna build`", is_built)


def check_private(out_dir: Path) -> None:
    """Refuse to write a council's record-level extracts where git would track them: one
    `git add` from being published."""
    out = Path(out_dir).resolve()
    repository = next((p for p in [out, *out.parents] if (p / ".git").exists()), None)
    if repository is None:
        return
    try:
        ignored = (
            subprocess.run(
                ["git", "-C", str(repository), "check-ignore", "-q", str(out / "metadata.json")],
                capture_output=True,
                check=False,
            ).returncode
            == 0
        )
    except OSError:  # no git to ask: take it that the folder would be tracked
        ignored = False
    if not ignored:
        raise ValueError(
            f"--out {out_dir} is inside the git repository {repository}, and git does not "
            "ignore it: a council's extracts there would be one `git add` from being "
            "published. Build into a folder outside the repository, e.g. --out "
            f"{Path.home() / 'carejsna-data'}, and start the explorer with "
            f"CAREJSNA_DATA={Path.home() / 'carejsna-data'}"
        )


def secret_key(returns_dir: Path) -> bytes:
    """The returns' secret for pseudonyms, RETURNS_DIR/.carejsna-key, made on the first build
    and readable by its owner only. It stays with the returns and never goes into the
    extracts: without it a pseudonym cannot be traced back to a child."""
    path = returns_dir / KEY_FILE
    try:
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_hex(32) + "\n")
    except FileExistsError:
        pass
    except OSError as error:  # a read-only returns folder, say
        raise FileProblem(
            Problem(None, KEY_FILE, None, "", "", f"cannot make the pseudonym key: "
                    f"{error.strerror} (the returns folder must be writable on the first build)",
                    FILE_NOT_LOADED)
        ) from error  # fmt: skip
    text = path.read_text(encoding="ascii", errors="replace").strip()
    if not re.fullmatch(r"[0-9a-f]{64}", text):
        raise FileProblem(
            Problem(None, KEY_FILE, 1, "", "", "not a key written by carejsna build: "
                    "restore it from a backup (a new key gives every child a new pseudonym)",
                    FILE_NOT_LOADED)
        )  # fmt: skip
    return bytes.fromhex(text)


def pseudonyms(values: pd.Series, key: bytes, kind: str) -> pd.Series:
    """A keyed hash (HMAC-SHA256, 16 hex digits) of each value, worked out once per distinct
    value; `kind` (e.g. "child") keeps the same text in two fields from giving the same key."""
    rows, distinct = values.factorize()  # blank: -1
    keys = [hmac.new(key, f"{kind}:{v}".encode(), "sha256").hexdigest()[:16] for v in distinct]
    # the last item, None, for a blank
    return pd.Series(np.array([*keys, None], dtype=object)[rows], index=values.index, dtype=object)


def minimised_report(report: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """The problems as build_report.csv keeps them beside the extracts: a child's id as its
    pseudonym, a postcode as its outward code (the district part, e.g. NG17), a UPN or date of
    birth not at all; file, row and column still lead the analyst to the value in the returns."""
    report = report.copy()
    column = report["column"].str.upper()
    value = report["value"]
    child = column.isin(["CHILD", "CHILDID"])
    report.loc[child, "value"] = pseudonyms(value[child], key, "child")
    post = column.isin(["HOME_POST", "PL_POST"])
    outward = value[post].str.upper().str.extract(POSTCODE_PARTS)["outward"]
    report.loc[post, "value"] = outward.fillna("")
    report.loc[column.isin(["UPN", "DOB", "MC_DOB"]), "value"] = ""
    # the data-quality rules' own words may quote ids and dates: carejsna check shows them
    said = report["problem"].str.replace(r"\(CHILD [^)]*\)", "(CHILD ids: see carejsna check)",
                                         regex=True)  # fmt: skip
    report["problem"] = said.str.replace(r"\b\d{1,2}/\d{1,2}/\d{4}\b", "dd/mm/yyyy", regex=True)
    return report


def check_replaceable(folder: Path, is_previous, what: str, written) -> None:
    """`folder` may be missing, empty, or what is_previous(folder) recognises, since staged()
    replaces it whole; anything else is refused, naming the first few of its files that are
    not `written` (what such a folder holds), or of all its files if none."""
    recover(folder)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"--out {folder} is a file, not a folder")
    found = sorted(folder.iterdir()) if folder.is_dir() else []
    if found and not is_previous(folder):
        strays = [path for path in found if not written(path)]
        names = [path.name + ("/" if path.is_dir() else "") for path in strays or found]
        if len(names) > SHOWN:
            names[SHOWN:] = [f"{len(names) - SHOWN} more"]
        listed = f"{', '.join(names[:-1])} and {names[-1]}" if len(names) > 1 else names[0]
        which = ", which it does not write" if strays else ", but not all of what it writes"
        raise FileExistsError(
            f"--out {folder} is not empty and not {what}: it holds {listed}{which}; it would be "
            "replaced whole, so give a new or empty folder"
        )


SHOWN = 3  # files a refused --out names


def check_beside(out: Path, data: Path) -> None:
    """`out` (a publish, a chapter pack) must not be the extracts folder `data`, nor inside it:
    the next build there would find a folder it did not write, and refuse."""
    out, data = Path(out).resolve(), Path(data).resolve()
    if out == data or data in out.parents:
        raise ValueError(f"--out {out} is the extracts folder or inside it: write it beside it")


def is_previous_build(folder: Path) -> bool:
    """A folder a build wrote: its metadata.json says so, and it holds only Parquet, JSON and
    CSV files (a publish does too: check_out refuses it first, saying so)."""
    try:
        metadata = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(metadata, dict)
        and str(metadata.get("built_with", "")).startswith("carejsna ")
        and all(is_built(path) for path in folder.iterdir())
    )


def is_built(path: Path) -> bool:
    """A file a build writes: Parquet, JSON or CSV."""
    return path.is_file() and path.suffix in (".parquet", ".json", ".csv")


@contextmanager
def staged(out_dir: Path, shared: bool = False):
    """A new empty folder beside out_dir, swapped in for it only if the block succeeds; only
    its owner's (mkdtemp's 0700) unless `shared` (0755: a publish, a chapter pack).

    The swap is two renames (out_dir to .NAME-old, the new folder to out_dir). If the second
    fails, the first is undone; if the process dies between them (power cut, kill -9), the next
    run's recover() puts .NAME-old back first."""
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    recover(out_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}-new-", dir=out_dir.parent))
    if shared:
        staging.chmod(0o755)
    try:
        yield staging
        if_stopped()  # a stop whose exception was lost: nothing is put in place
        old = _old(out_dir)
        if out_dir.exists():
            out_dir.rename(old)
        try:
            staging.rename(out_dir)
        except BaseException:  # Ctrl-C too: the previous folder goes back before anything else
            if old.exists():
                old.rename(out_dir)
            raise
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        # Every pool has closed (its workers joined), but a worker forked as the block was
        # stopped may not have joined its pool: it must not read the folder as it goes (one
        # printed a traceback after "stopped (SIGTERM)").
        for child in multiprocessing.active_children():
            child.kill()
            child.join()
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def recover(out_dir: Path) -> None:
    """Finish a swap that was cut short: the previous folder back in place if out_dir is
    missing, else the old copy (already replaced) removed."""
    out_dir = Path(out_dir)
    old = _old(out_dir)
    if old.is_dir() and not out_dir.exists():
        old.rename(out_dir)
    shutil.rmtree(old, ignore_errors=True)
    # a half-written new folder left by a killed run holds record-level data: not kept
    for staging in out_dir.parent.glob(f".{glob.escape(out_dir.name)}-new-*"):
        shutil.rmtree(staging, ignore_errors=True)


def _old(out_dir: Path) -> Path:
    return out_dir.with_name(f".{out_dir.name}-old")


def report_frame(problems: list[Problem]) -> pd.DataFrame:
    columns = list(Problem.__dataclass_fields__)
    frame = pd.DataFrame([asdict(p) for p in problems], columns=columns)
    return frame.astype({"year": "Int64", "row": "Int64"})


def summary(result: BuildResult, examples: int = 3) -> str:
    """A report a person can read: rows per file, then each kind of problem with examples."""
    lines = []
    if result.rows:
        lines.append("Rows read and loaded:")
        for name, n in result.rows.items():
            lines.append(f"  {name}: {n['loaded']} of {n['read']} loaded")
    if result.problems:
        frame = report_frame(result.problems)
        lines.append(f"Problems found: {len(frame)}")
        groups = frame.groupby(["file", "column", "problem", "action"], sort=False, dropna=False)
        for (file, column, problem, action), group in groups:
            where = f"{file} {column}".strip()
            lines.append(f"  {where}: {problem} ({action}): {len(group)}")
            for row in group.head(examples).itertuples():
                if pd.isna(row.row) and not row.value:
                    continue  # the whole file's: its line above says all there is
                at = f"row {row.row}" if pd.notna(row.row) else "file"
                value = f" value {row.value!r}" if row.value else ""
                lines.append(f"      {at}{value}")
    else:
        lines.append("No problems found.")
    if result.failed:
        lines.append("Build failed: the files above marked 'file not loaded' cannot be used.")
        lines.append("Nothing was written; the previous extracts are untouched.")
    elif result.written:
        lines.append(
            "Extracts written: " + ", ".join(f"{k} ({v})" for k, v in result.extracts.items())
        )
        if "figures" in result.seconds:
            reused = figures.reuse_summary(result.figures)
            lines.append(
                f"Protected figures written (figures.parquet) in {result.seconds['figures']:.1f} s"
                + (f" ({reused})" if reused else "")
                + ": every figure any selection can show, disclosure-controlled together."
            )
        if result.changes:
            lines.append(changes.summary(result.changes))
    return "\n".join(lines)
