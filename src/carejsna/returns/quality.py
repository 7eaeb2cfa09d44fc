"""Data-quality rules over a folder of SSDA903 returns: every problem, and what will count."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from carejsna import db, safe
from carejsna.indicators import SYNTHETIC
from carejsna.returns import postcodes
from carejsna.returns.read import (
    FILE_NOT_LOADED,
    NOTED,
    POSTCODE,
    ROW_NOT_LOADED,
    VALUE_BLANKED,
    FileProblem,
    Problem,
    plain_ids,
    read_years,
    rewritten_years,
    written_as,
)
from carejsna.returns.schema import FILES

# What the build does, beyond read.py's words: a row it loads that no figure counts.
NOT_COUNTED = "loaded, but counted in no figure"

SHORT_BREAKS = ("V3", "V4")
RETURNS_ENV = "CAREJSNA_RETURNS"  # where the page finds the returns, else metadata.json says


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    explanation: str  # what is wrong, in plain English
    done: str  # what the build does with the row
    words: str  # a regular expression, any case, matching its problems' "file | column | problem"


# a count of the check's table: a return holding its children's history (in_its_year)
EARLIER = "Episodes that ended before the year (a child's history, kept)"

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "file",
            "A file missing or unusable",
            "A year's header.csv or episodes.csv is missing, or a file cannot be read at all "
            "(not CSV or XML, a required column missing or named twice, no date in a date "
            "column readable, or its dates month first, two files for one, no row loaded from "
            "a required file, a population.csv district code ONS does not know or a district "
            "without every age and sex), a year's episodes all outside its year, or most "
            "episodes' CHILD not in its header), or a folder is not a year, or a year between two "
            "held has no folder. An optional file not "
            "supplied leaves its indicators out for the year.",
            "A required file that cannot be used stops the build, which writes nothing, as "
            "does a supplied optional file that cannot be used (a column it must have missing), "
            "a population.csv district code ONS does not know or a district short of "
            "rows; an optional file not supplied: its indicators are not available for that "
            "year, nor any figure of a year with no folder.",
            r"required file missing|optional file not supplied|cannot be read"
            r"|required column missing|no value in this date column|no year folders"
            r"|read as month/day/year|no usable row for|another year's return"
            r"|ids written differently|ids a spreadsheet rewrote|header files swapped"
            r"|not a year folder|which one to read is unclear|has no name|xml return"
            r"|not an ssda903 return|no rows loaded|not a district code in ons"
            r"|no return for \d{4}",
        ),
        Rule(
            "row_shape",
            "A row that does not fit the file",
            "A CSV row holds more or fewer values than the file has columns (cut short, or "
            "shifted), or ends with a trailing comma; or an XML element is out of place (a "
            "second HEADER, a CHILD without one, a field given twice, an element that is not a "
            "CHILD, or not one DfE's layout has where it is: a CHILD's Episode, say).",
            "A row that does not fit is left out, rather than read into the wrong columns; a "
            "trailing comma is ignored; of a field given twice the first is read.",
            r"the row has|trailing comma|not a child element|second header|without a header"
            r"|appears twice in the|here or anywhere|opens a value that runs on"
            r"|the column names again",
        ),
        Rule(
            "value_shape",
            "A value that cannot be what it claims",
            "A value is too long for its field, holds control characters, or starts like a "
            "spreadsheet formula (=, +, -, @).",
            "Too long or with control characters: left out (its row, for a key field). Like a "
            "formula: loaded as text, and every CSV download writes it with a leading '.",
            r"characters long|too long|control characters|spreadsheet formula",
        ),
        Rule(
            "column",
            "An optional column missing",
            "The file lacks a column DfE's layout has, but which the build can do without.",
            "Loaded, with that column blank in every row.",
            r"optional column missing",
        ),
        Rule(
            "code",
            "A code that is not one of DfE's",
            "A coded field (SEX, ETHNIC, RNE, LS, CIN, PLACE, REC, OC2 flags, IN_TOUCH, ACTIV, "
            "ACCOM, ...) holds a value that is not among DfE's valid codes for the SSDA903 in "
            "the return's own year (its year folder): DfE adds and withdraws codes, so a code "
            "valid in another year is reported with the years it is valid in (SEX 1 and 2 "
            "became M, F and U in 2024-25; PLACE K3 is new in 2024-25). education.csv and "
            "population.csv are local files: their codes are the same every year. A code a "
            "spreadsheet wrote as a number (1.0 for SEX 1) is noted once for its column.",
            "Loaded with the value blanked (a key field: the row is left out); a code written "
            "as a number is read as the code.",
            r"not a valid \S+ code|codes? written as a spreadsheet writes a number",
        ),
        Rule(
            "district_name",
            "A district name that is not ONS's",
            "A population.csv DISTRICT_NAME is not the name ONS's lookup gives its DISTRICT "
            "code (case, punctuation and '&' for 'and' aside), or is another district's.",
            "Another district's name stops the build: that district's figures would be shown "
            "under it. Any other name is shown as given.",
            r"ons's name for",
        ),
        Rule(
            "number",
            "A number out of range",
            "A number (an SDQ score, Attainment 8, suspensions, a population) is not a number "
            "or lies outside the range it can take. A number a spreadsheet wrote with a comma "
            "(1,693; a decimal comma, 31,8) is noted once for its column.",
            "Loaded with the value blanked (a key field: the row is left out); a number written "
            "with a comma is read as the number.",
            r"not a (?:whole )?number|numbers? written with a comma",
        ),
        Rule(
            "date_unreadable",
            "A date that cannot be read",
            "A date is not a real day written dd/mm/yyyy.",
            "Loaded with the date blanked; a row whose DECOM cannot be read is left out.",
            r"not a dd/mm/yyyy date",
        ),
        Rule(
            "date_future",
            "A date after the return's year",
            "A date (of birth, of an episode's start or end, of a mother's child's birth) "
            "lies after 31 March of the return's year, or after today: the return covers "
            "1 April to 31 March.",
            "Loaded as it is: an episode that ends after 31 March counts as open on it.",
            r"after the end of the return's year|in the future",
        ),
        Rule(
            "date_before_birth",
            "A date before the child was born",
            "An episode starts or ends, or a mother's child is born, before the child's own "
            "date of birth (header.csv).",
            "Loaded as it is; the child's age is worked out from the date of birth.",
            r"before the child's date of birth",
        ),
        Rule(
            "required_blank",
            "A required value left blank",
            "A field DfE requires (CHILD, DECOM, SEX, DOB, ...) is blank.",
            "Loaded with the value blank; a row without a CHILD or DECOM is left out.",
            r"blank, but required",
        ),
        Rule(
            "episode_order",
            "An episode that ends before it starts",
            "DEC is earlier than DECOM.",
            "Left out: the episode is not loaded.",
            r"ends before DECOM",
        ),
        Rule(
            "overlap",
            "Episodes of one child that overlap",
            "An episode starts before the child's previous episode ends, or the previous "
            "episode is still open (DEC blank) when the next starts. A child is in one "
            "episode at a time.",
            "Loaded as they are: the child is counted once, but days and placements may be "
            "counted twice.",
            r"starts before the child's previous episode ends|a later episode of the child",
        ),
        Rule(
            "gap",
            "A gap inside a spell of care",
            "An episode ended with REC X1 (care goes on in a new episode the same day), but the "
            "child's next episode starts later, or no later episode is in the return.",
            "Loaded as they are: the gap breaks the spell, so the child may drop out of the "
            "12-month cohort and be counted as leaving and starting again.",
            r"gap inside a spell",
        ),
        Rule(
            "missing_next_year",
            "An open episode missing from the next year's return",
            "An episode open at 31 March in one year's return is not in the next year's return. "
            "Every episode open at any time in the year should be.",
            "Loaded as they are: the next year's figures do not count the episode.",
            r"missing from the \d{4} return",
        ),
        Rule(
            "revision",
            "A later return revises an episode",
            "A later year's return gives an episode (the same child and DECOM) differently "
            "from the return before it: a corrected DEC or REC, a changed code or postcode.",
            "Loaded: the later return's version is the one used.",
            r"revises the \d{4} return's value",
        ),
        Rule(
            "revision_conflict",
            "An episode whose start date seems to have changed",
            "An episode open at the end of one return is left out of the next, which holds "
            "another episode of the child over some of the same days: a changed DECOM? Nothing "
            "says which is right.",
            "Loaded as they are: both are counted until one return is corrected.",
            r"a start date changed\?",
        ),
        Rule(
            "duplicate_child",
            "A child twice",
            "header.csv lists the same CHILD twice, or two CHILD ids in one return share a UPN "
            "(one child under two ids?).",
            "A repeated CHILD: the first row is kept, the repeat left out. A shared UPN: both "
            "loaded, so the child may be counted twice.",
            r"header(?:\.\w+|\)) \| child(?:id)? \| repeats an earlier row's key|same upn",
        ),
        Rule(
            "upn",
            "A UPN that is not one",
            "header.csv's UPN is not shaped like DfE's Unique Pupil Number (a letter, 12 digits "
            "or 11 and a letter) nor one of UN1 to UN5, which say why it is not known.",
            "Loaded as it is: no figure reads a UPN, and the extracts do not keep it.",
            r"not a upn",
        ),
        Rule(
            "duplicate_row",
            "A row twice",
            "A file repeats a row's key: the same CHILD and DECOM in episodes.csv, the same "
            "CHILD in another file, the same district, age and sex in population.csv.",
            "The first row is kept; the repeat is left out.",
            r"repeats an earlier row's key",
        ),
        Rule(
            "episode_without_child",
            "An episode of a child not in header.csv",
            "episodes.csv has a CHILD that the year's header.csv does not list.",
            "Loaded: counted, with sex, age and ethnicity unknown.",
            r"child not in header",
        ),
        Rule(
            "oc2_not_in_cohort",
            "An OC2 row outside the 12-month cohort",
            "OC2 (health and offending) is collected only for children looked after "
            "continuously for 12 months at 31 March; this child was not.",
            "Loaded, but counted in no figure: the health indicators count the cohort alone.",
            r"not in the 12-month cohort",
        ),
        Rule(
            "oc2_missing",
            "A 12-month cohort child without an OC2 row",
            "The child was looked after continuously for 12 months at 31 March, so DfE expects "
            "an OC2 row, and oc2.csv has none.",
            "Counted in the health indicators' denominators, as 'no' for every item.",
            r"has no oc2 row",
        ),
        Rule(
            "oc3_not_care_leaver",
            "An OC3 row for someone not in care at 16 or over",
            "OC3 (care leavers' outcomes) is for young people who were looked after at 16 or "
            "over; the returns given hold no episode of care for them at that age, though they "
            "cover the 16th birthday.",
            "Loaded as it is: counted as a care leaver.",
            r"not in care at 16 or over",
        ),
        Rule(
            "postcode",
            "A postcode not in the ONS directory",
            "HOME_POST or PL_POST is not a postcode the ONS Postcode Directory knows (or not "
            "even shaped like a UK postcode).",
            "Loaded as it is: the district is Unknown and no distance is worked out.",
            r"not found in the ons postcode directory",
        ),
        Rule(
            "local_files",
            "A problem in the council's own files",
            "council.toml (the council's code and name) cannot be read, or targets.csv (KPI "
            "targets) or a benchmarks/ file names something the explorer does not know, or "
            "holds a value it cannot use.",
            "A council.toml that cannot be read stops the build; a row of the others is left "
            "out (see each problem).",
            r"^(?:targets|benchmarks|council\.toml)",
        ),
        Rule(
            "other",
            "Another problem",
            "A problem found while reading that no rule above describes.",
            "See each problem.",
            r"$^",
        ),
    )
}


def rule_of(problems: pd.DataFrame) -> pd.Series:
    """Each problem's rule id: the first rule whose words match its file, column and text; a
    whole-file problem no rule names is a file problem, anything else 'other'."""
    text = (
        problems["file"].str.replace(r"^\d{4}/", "", regex=True)
        + " | "
        + problems["column"]
        + " | "
        + problems["problem"]
    )
    rule = pd.Series(None, index=problems.index, dtype=object)
    for item in RULES.values():  # whatever the case: "ends before DECOM" is episode_order
        found = text.str.contains(item.words, case=False, regex=True)
        rule = rule.where(rule.notna() | ~found, item.id)
    whole_file = problems["row"].isna() & (problems["column"] == "")
    return rule.fillna(pd.Series("file", index=rule.index).where(whole_file, "other"))


# ---------------------------------------------------------------------------------------------
# Rules needing more than one row, file or year: the build calls cross_checks before writing.


def cross_checks(
    tables: dict[str, pd.DataFrame], files: Iterable[str] = (), today: dt.date | None = None
) -> list[Problem]:
    """Problems that need more than one row, file or year: noted, the rows still load. `files`:
    the files read, as read_years names them (an XML return's tables are named in it)."""
    today = today or dt.date.today()
    episodes = _typed(tables["episodes"])
    children = _typed(tables["children"])
    found = [
        *_episodes_without_child(episodes, children),
        *_overlaps_and_gaps(episodes),
        *_missing_next_year(episodes),
        *_dates_out_of_range(tables, today),
        *_before_birth(episodes, children),
        *_shared_upn(children),
        *_oc2_cohort(episodes, tables["health"]),
        *_oc3_not_care_leavers(episodes, children, _typed(tables["care_leavers"])),
    ]
    return relabelled(found, files)


def relabelled(problems: list[Problem], files: Iterable[str]) -> list[Problem]:
    """The problems, each naming its file as it was read: "2018/HEADER.CSV", or an XML return's
    table, "2018/return.xml (header)", where the rules name "2018/header.csv"."""
    labels = {}
    for label in files:
        if found := re.fullmatch(r"(\d{4})/.+ \((\w+)\)", label):  # an XML return's table
            labels[f"{found[1]}/{found[2]}.csv"] = label
        elif found := re.fullmatch(r"(\d{4})/(\w+\.csv)", label, re.IGNORECASE):
            labels[f"{found[1]}/{found[2].lower()}"] = label
    return [replace(p, file=labels.get(p.file, p.file)) for p in problems]


DATES = ("start_date", "end_date", "birth_date", "mother_child_birth_date")
USED = ("year", "source_row", "child_id", "upn", "reason_ended", "legal_status", *DATES)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns the rules read, dates as datetimes (at national scale a million episodes:
    copy no more than that)."""
    frame = frame[[c for c in USED if c in frame]]
    return frame.assign(**{c: pd.to_datetime(frame[c]) for c in DATES if c in frame})


def year_end(years: pd.Series) -> pd.Series:
    """31 March of each row's return year: worked out once a year, not read from a text made
    for each row (at national scale a million of them)."""
    ends = {year: pd.Timestamp(year, 3, 31) for year in years.unique()}
    return years.map(ends).astype("datetime64[s]")


def _problems(rows: pd.DataFrame, file: str, column: str, value: str, text: str, action: str):
    """A problem per row of `rows` (which has year and, unless a row is missing, source_row):
    `value` and `text` are format strings filled from the row, e.g. "{start_date:%d/%m/%Y}"."""
    return [
        Problem(
            int(row["year"]),
            f"{int(row['year'])}/{file}",
            int(row["source_row"]) if pd.notna(row.get("source_row")) else None,
            column,
            value.format(**row),
            text.format(**row),
            action,
        )
        for row in rows.to_dict("records")
    ]


def in_its_year(episodes: pd.DataFrame) -> np.ndarray:
    """Which episodes were open at some time in their return's year: not those that ended
    before it began. A return may hold its children's earlier episodes too (a system's export
    of every episode they had), an earlier return's: kept, as a child's history, but they make
    no child one of the year's (2024's 2,368 children, not 2,093, with 468 notes of children
    not in its header, where 2023's closed episodes were in its episodes.csv)."""
    began = pd.to_datetime((episodes["year"].astype("int64") - 1).astype(str) + "-04-01")
    ended = pd.to_datetime(episodes["end_date"])
    return (ended.isna() | (ended >= began)).to_numpy()


def _episodes_without_child(episodes: pd.DataFrame, children: pd.DataFrame) -> list[Problem]:
    """An episode of the year whose child the year's header lacks (an earlier episode's child
    may well not be in it: in_its_year)."""
    listed = children[["year", "child_id"]].drop_duplicates().assign(is_listed=True)
    # only the keys merged, row for row: at national scale memory is the limit
    found = episodes[["year", "child_id"]].merge(listed, on=["year", "child_id"], how="left")
    return _problems(
        episodes[found["is_listed"].isna().to_numpy() & in_its_year(episodes)],
        "episodes.csv",
        "CHILD",
        "{child_id}",
        "child not in header.csv: sex, age and ethnicity unknown",
        NOTED,
    )


def _overlaps_and_gaps(episodes: pd.DataFrame) -> list[Problem]:
    """Within a year's return, each child's episodes in order of DECOM: each must start when
    the last ended with REC X1, or after it ended otherwise (a new spell); an X1 must be
    followed by the next episode."""
    ordered = episodes.sort_values(["year", "child_id", "start_date"])
    by_child = ordered.groupby(["year", "child_id"], sort=False)
    ordered = ordered.assign(
        previous_end=by_child["end_date"].shift(),
        previous_reason=by_child["reason_ended"].shift(),
        is_last=by_child.cumcount(ascending=False) == 0,
        year_end=year_end(ordered["year"]),
    )
    ordered["days"] = (ordered["start_date"] - ordered["previous_end"]).dt.days
    x1 = ordered["reason_ended"] == "X1"
    return [
        *_problems(
            ordered[ordered["start_date"] < ordered["previous_end"]],
            "episodes.csv",
            "DECOM",
            "{start_date:%d/%m/%Y}",
            "starts before the child's previous episode ends",
            NOTED,
        ),
        *_problems(
            ordered[ordered["end_date"].isna() & ~ordered["is_last"]],
            "episodes.csv",
            "DEC",
            "",
            "blank, but a later episode of the child has started",
            NOTED,
        ),
        *_problems(
            ordered[(ordered["previous_reason"] == "X1") & (ordered["days"] > 0)],
            "episodes.csv",
            "DECOM",
            "{start_date:%d/%m/%Y}",
            "starts {days:.0f} days after the child's previous episode ended with REC X1 (care "
            "going on): a gap inside a spell",
            NOTED,
        ),
        *_problems(
            ordered[ordered["is_last"] & x1 & (ordered["end_date"] <= ordered["year_end"])],
            "episodes.csv",
            "REC",
            "X1",
            "X1 says care goes on in a new episode, but no later episode of the child is in "
            "the return: a gap inside a spell",
            NOTED,
        ),
    ]


def _missing_next_year(episodes: pd.DataFrame) -> list[Problem]:
    """An episode open at 31 March of a year whose next year's return is here, but which that
    return lacks (the same child and DECOM)."""
    march = year_end(episodes["year"])
    is_open = (episodes["start_date"] <= march) & ~(episodes["end_date"] <= march)
    carried = episodes.loc[
        is_open & (episodes["year"] + 1).isin(set(episodes["year"])),
        ["year", "child_id", "start_date", "source_row"],
    ]
    following = episodes[["year", "child_id", "start_date"]].assign(year=episodes["year"] - 1)
    there = following.drop_duplicates().assign(is_there=True)
    children = following[["year", "child_id"]].drop_duplicates().assign(is_child_there=True)
    found = carried.merge(there, on=["year", "child_id", "start_date"], how="left")
    found = found.merge(children, on=["year", "child_id"], how="left")
    missing = found[found["is_there"].isna()].assign(next_year=lambda f: f["year"] + 1)
    text = "open at 31 March {year}, but missing from the {next_year} return"
    return [
        *_problems(
            missing[missing["is_child_there"].isna()],
            "episodes.csv",
            "DECOM",
            "{start_date:%d/%m/%Y}",
            text + " (the child is not in it)",
            NOTED,
        ),
        *_problems(
            missing[missing["is_child_there"].notna()],
            "episodes.csv",
            "DECOM",
            "{start_date:%d/%m/%Y}",
            text + " (the child is, but no episode starts on this DECOM)",
            NOTED,
        ),
    ]


def _dates_out_of_range(tables: dict[str, pd.DataFrame], today: dt.date) -> list[Problem]:
    """Dates after 31 March of the return's year, or after today (DUC aside: it is usually the
    18th birthday, often still to come)."""
    found = []
    for spec in FILES.values():
        frame = tables[spec.extract]
        march = year_end(frame["year"])
        for col in spec.cols:
            if col.kind != "date" or col.name == "DUC":
                continue
            dates = pd.to_datetime(frame[col.as_name])
            late = frame[["year", "source_row"]].assign(date=dates)
            found += _problems(
                late[dates > pd.Timestamp(today)],
                f"{spec.name}.csv",
                col.name,
                "{date:%d/%m/%Y}",
                "in the future",
                NOTED,
            )
            found += _problems(
                late[(dates > march) & (dates <= pd.Timestamp(today))],
                f"{spec.name}.csv",
                col.name,
                "{date:%d/%m/%Y}",
                "after the end of the return's year (31 March {year})",
                NOTED,
            )
    return found


def _before_birth(episodes: pd.DataFrame, children: pd.DataFrame) -> list[Problem]:
    """Episode dates, and a mother's child's birth, before the child's own (header.csv)."""
    born = children[["year", "child_id", "birth_date"]].drop_duplicates(["year", "child_id"])
    episodes = episodes.merge(born, on=["year", "child_id"], how="left")
    found = []
    for frame, column, as_name, file in (
        (episodes, "DECOM", "start_date", "episodes.csv"),
        (episodes, "DEC", "end_date", "episodes.csv"),
        (children, "MC_DOB", "mother_child_birth_date", "header.csv"),
    ):
        found += _problems(
            frame[frame[as_name] < frame["birth_date"]],
            file,
            column,
            "{" + as_name + ":%d/%m/%Y}",
            "before the child's date of birth ({birth_date:%d/%m/%Y})",
            NOTED,
        )
    return found


# DfE's UPN: a letter (not I, O or S), then 12 digits or 11 and a letter; or UN1 to UN5, why it
# is not known (the validator's rule 168). Checked for shape only: no figure reads a UPN.
UPN = r"[A-HJ-NP-RT-Z](?:\d{12}|\d{11}[A-Z])|UN[1-5]"


def _shared_upn(children: pd.DataFrame) -> list[Problem]:
    """A UPN not shaped like one; two CHILD ids in one year's header.csv with the same UPN
    (UN1 to UN5 aside: they say why there is none): one child twice?"""
    if "upn" not in children:
        return []
    upn = children["upn"].fillna("")
    unlike = _problems(
        children[(upn != "") & ~upn.str.fullmatch(UPN)],
        "header.csv",
        "UPN",
        "{upn}",
        "not a UPN (13 characters in capitals: a letter, 12 digits or 11 and a letter) nor "
        "UN1 to UN5",
        NOTED,
    )
    given = children[(upn != "") & ~upn.str.fullmatch(r"UN[1-5]")]  # malformed ones too
    shared = given[given.duplicated(["year", "upn"], keep=False)]
    shared = shared.assign(ids=shared.groupby(["year", "upn"])["child_id"].transform(", ".join))
    return unlike + _problems(
        shared,
        "header.csv",
        "UPN",
        "{upn}",
        "the same UPN as another child in this return (CHILD {ids})",
        NOTED,
    )


def cohorts(episodes: pd.DataFrame) -> pd.DataFrame:
    """Children looked after continuously for 12 months at 31 March (year, child_id), as the
    health indicators count them: queries/views/cla_12_months.sql run on these episodes."""
    care = episodes.loc[
        ~episodes["legal_status"].isin(SHORT_BREAKS),
        ["year", "child_id", "start_date", "end_date", "reason_ended"],
    ]
    care = care.assign(**{c: pd.to_datetime(care[c]) for c in ("start_date", "end_date")})
    child_years = pd.DataFrame(  # the cohort's own columns come from here: none needed
        {
            "year": pd.Series(dtype="int64"),
            "child_id": pd.Series(dtype=object),
            "district_code": pd.Series(dtype=object),
            "age_band": pd.Series(dtype=object),
            "age": pd.Series(dtype="Int64"),
            "sex": pd.Series(dtype=object),
            "ethnicity": pd.Series(dtype=object),
            "is_uasc": pd.Series(dtype=bool),
        }
    )
    con = duckdb.connect()
    try:
        con.register("care_episodes", care)
        con.register("child_years", child_years)
        for view in ("in_care_31_march", "cla_12_months"):
            db.view(con, view)
        return con.execute("select year::BIGINT as year, child_id from cla_12_months").df()
    finally:
        con.close()


def _oc2_cohort(episodes: pd.DataFrame, health: pd.DataFrame) -> list[Problem]:
    """OC2 rows of children outside the 12-month cohort, and cohort children with none, in the
    years whose OC2 file holds any row."""
    cohort = cohorts(episodes).assign(is_cohort=True)
    rows = _typed(health[["year", "child_id", "source_row"]])
    outside = rows.merge(cohort, on=["year", "child_id"], how="left")
    has_row = rows[["year", "child_id"]].drop_duplicates().assign(has_row=True)
    without = cohort[cohort["year"].isin(set(rows["year"]))].merge(
        has_row, on=["year", "child_id"], how="left"
    )
    return [
        *_problems(
            outside[outside["is_cohort"].isna()],
            "oc2.csv",
            "CHILD",
            "{child_id}",
            "not in the 12-month cohort (looked after continuously for 12 months at 31 March "
            "{year}): the row is not used",
            NOT_COUNTED,
        ),
        *_problems(
            without[without["has_row"].isna()].sort_values(["year", "child_id"]),
            "oc2.csv",
            "CHILD",
            "{child_id}",
            "in the 12-month cohort at 31 March {year}, but has no OC2 row: counted as 'no' "
            "for every health item",
            NOTED,
        ),
    ]


def _oc3_not_care_leavers(
    episodes: pd.DataFrame, children: pd.DataFrame, oc3: pd.DataFrame
) -> list[Problem]:
    """OC3 rows of young people with no episode of care (short breaks aside) at 16 or over,
    judged only where the returns cover the 16th birthday (an earlier one may hold the care).
    Date of birth from header.csv, else OC3's own."""
    if oc3.empty:
        return []
    born = children[["year", "child_id", "birth_date"]].drop_duplicates(["year", "child_id"])
    oc3 = oc3[["year", "child_id", "source_row", "birth_date"]].merge(
        born, on=["year", "child_id"], how="left", suffixes=("_oc3", "")
    )
    oc3["sixteen"] = oc3["birth_date"].fillna(oc3["birth_date_oc3"]) + pd.DateOffset(years=16)
    care = episodes.loc[
        ~episodes["legal_status"].isin(SHORT_BREAKS), ["year", "child_id", "end_date"]
    ]
    last_care = care["end_date"].fillna(year_end(care["year"])).groupby(care["child_id"]).max()
    oc3 = oc3.merge(last_care.rename("last_care"), left_on="child_id", right_index=True,
                    how="left")  # fmt: skip
    first_year = int(pd.concat([oc3["year"], episodes["year"]]).min())  # the returns begin
    first_day = pd.Timestamp(first_year - 1, 4, 1)
    judged = (
        oc3["sixteen"].notna()
        & (oc3["sixteen"] >= first_day)
        & ~(oc3["last_care"] >= oc3["sixteen"])
    )
    flagged = oc3[judged]
    text = "not in care at 16 or over in the returns given (16th birthday {sixteen:%d/%m/%Y}"
    return [
        *_problems(
            flagged[flagged["last_care"].isna()],
            "oc3.csv",
            "CHILD",
            "{child_id}",
            text + "; no episode of care)",
            NOTED,
        ),
        *_problems(
            flagged[flagged["last_care"].notna()],
            "oc3.csv",
            "CHILD",
            "{child_id}",
            text + "; last in care {last_care:%d/%m/%Y})",
            NOTED,
        ),
    ]


# ---------------------------------------------------------------------------------------------
# carejsna check: read as the build does, run every rule, write nothing.


@dataclass
class Check:
    returns_dir: Path
    problems: pd.DataFrame  # rule, year, file, row, column, value, problem, action
    counts: pd.DataFrame  # one row per year: what will and won't count
    refused: list[str]  # why the build would write nothing (empty: it would build)
    synthetic: bool = False  # the returns' council.toml says they are made up
    as_built: bool = False  # the build's record (as_built), not the returns read again


def check(returns_dir: Path, today: dt.date | None = None) -> Check:
    """Every problem the build would find in returns_dir, and what it would load and count,
    without writing anything. Raises ValueError when there is nothing it can read."""
    returns_dir = Path(returns_dir)
    if not returns_dir.is_dir():
        raise ValueError(f"{returns_dir}: no such folder")
    frames, rows, problems = read_years(returns_dir)
    if not rows:
        why = "; ".join(f"{p.file}: {p.problem}" for p in problems[:5])
        raise ValueError(f"{returns_dir}: nothing in it can be read ({why})")
    from carejsna.returns import build  # which imports this module

    tables = {name: build._concat(parts, name) for name, parts in frames.items()}
    del frames  # at national scale memory is the limit
    try:
        return _checked(returns_dir, tables, rows, problems, today)
    except Exception as error:  # a fault of the check's own, not a refusal
        raise RuntimeError(f"checking {returns_dir} failed: {error!r}") from error


def _checked(returns_dir: Path, tables: dict, rows: dict, problems: list, today) -> Check:
    from carejsna.returns import build

    result = build.BuildResult(problems=list(problems), rows=rows)
    try:
        council = build.read_council(returns_dir)
        result.problems.extend(build.council_problems(council, tables["population"]))
        synthetic = council.synthetic
    except FileProblem as error:  # as the build reports it
        result.problems.extend(error.problems)
        synthetic = False
    build._targets(returns_dir, result)
    build._benchmarks(returns_dir, result)
    for name, table in tables.items():  # ids as text, years as numbers, even with no rows
        if "child_id" in table:
            tables[name] = table.astype({"child_id": "str", "year": "int64"})
    tables = _ids_restored(tables, rewritten_years(problems))
    result.problems.extend(
        _without_echoes(cross_checks(tables, rows, today), tables, rows, problems)
    )
    result.problems.extend(relabelled(build.revisions(tables["episodes"]), rows))
    episodes, found = _postcodes(tables)
    result.problems.extend(relabelled(found, rows))
    children = build._children(tables, episodes)
    counts = counted(children, episodes, tables, result.problems)  # every year folder read
    frame = by_rules(build.report_frame(result.problems))
    refused = [
        f"{p.file}{f' {p.column}' if p.column else ''}: {p.problem}"
        for p in result.problems
        if p.action == FILE_NOT_LOADED
    ]
    return Check(returns_dir, frame, counts, refused, bool(synthetic))


# What a year's refused episodes or header make of every row of its other files
ECHOES = {
    "episodes": ("oc2_not_in_cohort", "oc2_missing", "oc3_not_care_leaver"),
    "children": ("episode_without_child",),
}


def _without_echoes(
    found: list[Problem], tables: dict, rows: dict, problems: list[Problem]
) -> list[Problem]:
    """The cross-checks' problems, less those that only echo a refusal (`problems`, as read):
    of a year whose episodes or header were refused (2024's 735 OC2 rows 'outside the 12-month
    cohort', every one, where its episodes.csv could not be read; 1,576 episodes 'without
    their child' where 2022's and 2023's headers were swapped), and those in a refused file
    itself (the 2023 header in 2022/ has children born after 31 March 2022): the refusal says
    what is wrong. Not a year whose ids a spreadsheet rewrote: they are read as restored."""
    years = {int(label[:4]) for label in rows if label[:4].isdigit()}
    restored = rewritten_years(problems)
    refused = {p.file for p in problems if p.action == FILE_NOT_LOADED and p.year not in restored}
    lost = {name: years - set(tables[name]["year"]) for name in ECHOES}
    for label in refused:
        if (extract := _extract_of(label)) in lost:
            lost[extract].add(int(label[:4]))
    if not found or not (refused or any(lost.values())):
        return found
    frame = pd.DataFrame([asdict(p) for p in found])
    rules = rule_of(frame)
    echo = frame["file"].isin(refused)
    for name, echoes in ECHOES.items():
        echo |= rules.isin(echoes) & frame["year"].isin(lost[name])
    return [problem for problem, echoed in zip(found, echo, strict=True) if not echoed]


def _extract_of(label: str) -> str | None:
    """The extract a year's file feeds ("2023/HEADER.CSV", "2018/r.xml (header)": children)."""
    found = re.fullmatch(r"\d{4}/(?:(\w+)\.csv|.+ \((\w+)\))", label, re.IGNORECASE)
    spec = FILES.get((found[1] or found[2]).lower()) if found else None
    return spec.extract if spec else None


def _ids_restored(tables: dict, years: set[int]) -> dict:
    """The tables with the CHILD ids of `years` (refused: a spreadsheet rewrote them, 100762.0)
    written as the other files and years write them, so the checks across files and years list
    what else is wrong, not every child of those years as missing (2023's ids with .0 had
    1,130 episodes 'missing from the 2023 return' and 448 OC3 rows 'not in care at 16'): the
    refusal says what is wrong. An id is shown as restored (100762, its row's 100762.0)."""
    if not years:
        return tables
    ids = pd.concat([t["child_id"] for t in tables.values() if "child_id" in t]).unique()
    ids = pd.Series(ids, dtype=str)
    kept = ids[~ids.str.contains(r"\.0+$", regex=True)]  # not a spreadsheet's form
    kept = kept.iloc[kept.str.len().argsort(kind="stable")]  # with its zeros: the longest
    written = written_as(kept, last=True)
    restored = {}
    for name, table in tables.items():
        at = table["year"].isin(years) if "child_id" in table else None
        if at is None or not at.any():
            restored[name] = table
            continue
        child = table.loc[at, "child_id"]
        table = table.copy()
        table.loc[at, "child_id"] = plain_ids(child).map(written).fillna(child).to_numpy()
        restored[name] = table
    return restored


def _postcodes(tables: dict) -> tuple[pd.DataFrame, list[Problem]]:
    """Episodes with the home district (or why it is Unknown) and short breaks marked, and a
    problem for each postcode not in the ONS directory, as the build reports it."""
    from carejsna.returns.build import _district

    episodes = tables["episodes"].copy()
    both = postcodes.lookup(pd.concat([episodes["home_postcode"], episodes["placement_postcode"]]))
    home, placement = both.iloc[: len(episodes)], both.iloc[len(episodes) :]
    found = postcode_problems(episodes, home, placement)
    council = set(tables["population"]["district_code"])
    district = _district(home["district_code"], council)
    episodes["home_district_code"] = with_why(district, episodes["home_postcode"])
    episodes["is_short_break"] = episodes["legal_status"].isin(SHORT_BREAKS)
    return episodes, found


def postcode_problems(
    episodes: pd.DataFrame, home: pd.DataFrame, placement: pd.DataFrame
) -> list[Problem]:
    """A problem for each HOME_POST and PL_POST the ONS directory does not know (`home` and
    `placement`: postcodes.lookup of each, row for row)."""
    found = []
    for side, lookup, column in (
        ("HOME_POST", home, "home_postcode"),
        ("PL_POST", placement, "placement_postcode"),
    ):
        missing = episodes[episodes[column].notna() & lookup["district_code"].isna()]
        shaped = missing[column].str.match(POSTCODE.pattern)
        found += _problems(
            missing.assign(shape=shaped.map({True: "", False: NOT_SHAPED})),
            "episodes.csv",
            side,
            "{" + column + "}",
            "postcode not found in the ONS postcode directory{shape}: district Unknown",
            NOTED,
        )
    return found


NOT_SHAPED = " (not even in the form of a UK postcode)"
# Why a child's district is Unknown: the child's latest episode's home postcode is ...
UNKNOWN_BLANK = "Unknown: home postcode blank"
UNKNOWN_NOT_POSTCODE = "Unknown: home postcode not shaped like a UK postcode"
UNKNOWN_NOT_FOUND = "Unknown: home postcode not in the ONS directory"
UNKNOWN_NO_EPISODE = "Unknown: no episode in this or an earlier return"
UNKNOWNS = (UNKNOWN_BLANK, UNKNOWN_NOT_POSTCODE, UNKNOWN_NOT_FOUND)  # an episode's, with_why


def with_why(district: pd.Series, home_postcode: pd.Series) -> pd.Series:
    """Each episode's home district, an Unknown one as why it is Unknown (one of UNKNOWNS)."""
    unknown = district == postcodes.UNKNOWN
    postcode = home_postcode[unknown]  # the few: a national build has a million episodes
    why = np.where(postcode.str.match(POSTCODE.pattern), UNKNOWN_NOT_FOUND, UNKNOWN_NOT_POSTCODE)
    district = district.copy()
    district[unknown] = np.where(postcode.isna(), UNKNOWN_BLANK, why)
    return district


def without_why(district: pd.Series) -> pd.Series:
    """with_why undone: every Unknown district as the extracts write it."""
    return district.mask(district.isin(UNKNOWNS), postcodes.UNKNOWN)


def counted(
    children: pd.DataFrame, episodes: pd.DataFrame, tables: dict, problems: list[Problem]
) -> pd.DataFrame:
    """One row per year: what will count (children, episodes, OC2 and OC3 rows loaded) and
    what will not (rows left out, short breaks, OC2 rows outside the cohort), and the children
    whose district is Unknown, by why (`children` and `episodes` as the build makes them, their
    districts with_why)."""
    district = children["district_code"].replace(postcodes.UNKNOWN, UNKNOWN_NO_EPISODE)
    health, care_leavers = tables["health"], tables["care_leavers"]
    left_out = pd.Series(
        [p.year for p in problems if p.action == ROW_NOT_LOADED and p.year is not None],
        dtype="Int64",
    )
    blanked = pd.Series(
        [p.year for p in problems if p.action == VALUE_BLANKED and p.year is not None],
        dtype="Int64",
    )
    unused_oc2 = pd.Series(
        [p.year for p in problems if p.action == NOT_COUNTED],  # the OC2 cohort rule's
        dtype="Int64",
    )
    per_year = {
        "Children": children.groupby("year")["child_id"].nunique(),
        "Episodes loaded": episodes.groupby("year").size(),
        EARLIER: episodes[~in_its_year(episodes)].groupby("year").size(),
        "Short-break episodes (counted in no figure)": episodes[episodes["is_short_break"]]
        .groupby("year")
        .size(),
        "OC2 rows loaded": health.groupby("year").size(),
        "OC2 rows outside the 12-month cohort (counted in no figure)": unused_oc2.value_counts(),
        "OC3 rows loaded": care_leavers.groupby("year").size(),
        "OC3 care leavers counted (IN_TOUCH given)": care_leavers[care_leavers["in_touch"].notna()]
        .groupby("year")
        .size(),
        "Rows left out": left_out.value_counts(),
        "Values blanked": blanked.value_counts(),
        OUTSIDE: children[district == postcodes.OTHER].groupby("year").size(),
        "Unknown district": children[district.str.startswith("Unknown")].groupby("year").size(),
    }
    for reason in (UNKNOWN_NO_EPISODE, *UNKNOWNS):
        per_year[reason] = children[district == reason].groupby("year").size()
    years = sorted({p.year for p in problems if p.year is not None} | set(children["year"]))
    table = pd.DataFrame({name: s.reindex(years) for name, s in per_year.items()}, index=years)
    return table.fillna(0).astype("int64").rename_axis("Year").reset_index()


def by_rules(report: pd.DataFrame) -> pd.DataFrame:
    """The build's report of problems (build.report_frame) with each problem's rule, in the
    order of RULES, then year, file and row."""
    frame = report.copy()
    frame.insert(0, "rule", rule_of(frame))
    order = {rule: i for i, rule in enumerate(RULES)}
    return frame.sort_values(
        ["rule", "year", "file", "row"], key=lambda c: c.map(order) if c.name == "rule" else c
    ).reset_index(drop=True)


def by_rule(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems per rule, with what the rule checks and what the build does."""
    counted = problems["rule"].value_counts()
    return pd.DataFrame(
        [
            {
                "Rule": rule.id,
                "What it finds": rule.title,
                "Problems": int(counted.get(rule.id, 0)),
                "What the build does": rule.done,
            }
            for rule in RULES.values()
            if counted.get(rule.id, 0)
        ],
        columns=["Rule", "What it finds", "Problems", "What the build does"],
    )


def by_year(problems: pd.DataFrame) -> pd.DataFrame:
    """Problems per year and rule (the folder's own files under 'folder')."""
    year = problems["year"].astype(object).where(problems["year"].notna(), "folder")
    table = pd.crosstab(year.astype(str), problems["rule"])
    table = table[[r for r in RULES if r in table.columns]]
    table.insert(0, "All rules", table.sum(axis=1))
    return table.rename_axis("Year").reset_index().rename_axis(None, axis=1)


def summary_sentences(result: Check) -> str:
    """What will and won't count, in words: the latest year's return, then every year's."""
    row = result.counts.iloc[-1]

    def n(name: str) -> str:
        return f"{int(row[name]):,}"

    def total(name: str) -> str:
        return f"{int(result.counts[name].sum()):,}"

    reasons = [
        f"{n(c)}: {c.removeprefix('Unknown: ')}"
        for c in result.counts.columns
        if c.startswith("Unknown: ") and row[c]
    ]
    problems = result.problems
    children = "child" if row["Children"] == 1 else "children"
    lines = [
        f"**{row['Year']} return:** {n('Children')} {children}; {n('Episodes loaded')} "
        f"episodes loaded ({n('Short-break episodes (counted in no figure)')} of them short "
        f"breaks, counted in no figure); {n('OC2 rows loaded')} OC2 rows loaded "
        f"({n('OC2 rows outside the 12-month cohort (counted in no figure)')} outside the "
        f"12-month cohort, counted in no figure); {n('OC3 rows loaded')} OC3 rows loaded "
        f"({n('OC3 care leavers counted (IN_TOUCH given)')} care leavers counted). "
        f"{n('Unknown district')} children fall in the Unknown district"
        + (f" ({'; '.join(reasons)})" if reasons else "")
        + f"; {n(OUTSIDE)} outside the council's districts.",
        f"**Every year ({result.counts['Year'].iloc[0]} to {row['Year']}):** "
        f"{len(problems):,} problems; rows left out: {total('Rows left out')}; values "
        f"blanked: {total('Values blanked')}.",
    ]
    return "\n\n".join(lines)


OUTSIDE = "Outside the council's districts"


def counts_table(counts: pd.DataFrame) -> pd.DataFrame:
    """What will count, a row per measure and a column per year."""
    table = counts.set_index("Year").T
    table.columns = [str(c) for c in table.columns]
    return table.rename_axis(MEASURE).reset_index()


MEASURE = "In the returns"


def filtered(problems: pd.DataFrame, rules=(), years=(), files=()) -> pd.DataFrame:
    """The problems of the chosen rules, years and files (file names without the year; none
    chosen: all)."""
    names = problems["file"].str.replace(r"^\d{4}/", "", regex=True)
    keep = pd.Series(True, index=problems.index)
    if rules:
        keep &= problems["rule"].isin(rules)
    if years:
        keep &= problems["year"].isin(years)
    if files:
        keep &= names.isin(files)
    return problems[keep]


def file_names(problems: pd.DataFrame) -> list[str]:
    return sorted(problems["file"].str.replace(r"^\d{4}/", "", regex=True).unique())


PROBLEM_COLUMNS = {
    "rule": "Rule",
    "year": "Year",
    "file": "File",
    "row": "Row",
    "column": "Column",
    "value": "Value",
    "problem": "Problem",
    "action": "What the build does",
}


def problems_table(problems: pd.DataFrame) -> pd.DataFrame:
    return problems.rename(columns=PROBLEM_COLUMNS)


def export(problems: pd.DataFrame, synthetic: bool = False) -> pd.DataFrame:
    """The problems as a CSV to download: every cell safe to open in a spreadsheet, and
    said to be made up when the returns are."""
    table = safe.frame(problems)
    if synthetic:
        table.insert(0, "note", SYNTHETIC)
    return table


def returns_folder(data: Path | None = None) -> Path | None:
    """The returns the extracts were built from: $CAREJSNA_RETURNS, else the folder the build
    recorded in metadata.json (relative to the extracts); None if neither is there."""
    data = Path(data or db.data_dir())
    given = os.environ.get(RETURNS_ENV)
    if given:
        folder = Path(given)
    else:
        try:
            recorded = json.loads((data / "metadata.json").read_text()).get("returns")
        except (OSError, ValueError, AttributeError):
            return None
        if not recorded:
            return None
        folder = data / recorded
    return folder.resolve() if folder.is_dir() else None


def recorded_path(returns_dir: Path, out_dir: Path) -> str:
    """The returns folder as metadata.json records it: relative to the extracts, so the two
    can move together; absolute where no relative path exists."""
    try:
        return Path(
            os.path.relpath(Path(returns_dir).resolve(), Path(out_dir).resolve())
        ).as_posix()
    except ValueError:  # another drive
        return str(Path(returns_dir).resolve())


def stamp(folder: Path) -> tuple:
    """Every file under folder with its size and modification time: a new stamp when any
    return changes, so a cached check is redone."""
    return tuple(
        sorted(
            (str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")
            if p.is_file()
        )
    )


def digest(folder: Path) -> str:
    """A hash of every file under folder, names and contents (hidden files, such as the
    pseudonym key, left out: they are not returns): the same returns, the same digest,
    wherever and whenever they were copied."""
    hashed = hashlib.sha256()
    for path in sorted(p for p in Path(folder).rglob("*") if p.is_file()):
        name = path.relative_to(folder).as_posix()
        if any(part.startswith(".") for part in name.split("/")):
            continue
        content = path.read_bytes()
        hashed.update(f"{name}\0{len(content)}\0".encode())
        hashed.update(content)
    return hashed.hexdigest()


def as_built(data: Path, folder: Path, digested: str) -> Check | None:
    """The check the build made of these returns, as it wrote it beside the extracts in `data`
    (build_report.csv and build_counts.csv: a child's id as its pseudonym, a postcode as its
    outward code, as build.minimised_report keeps them), if the returns are still those it read
    (`digested`: their digest now); None if they are not, or it wrote none."""
    try:
        metadata = json.loads((data / "metadata.json").read_text())
        if metadata.get("returns_digest") != digested:
            return None
        read = {"dtype": str, "keep_default_na": False}
        report = pd.read_csv(data / "build_report.csv", **read)
        counts = pd.read_csv(data / COUNTS_FILE)
    except (OSError, ValueError, AttributeError):
        return None
    # As the returns gave them: the report's `'` before a formula-like value is for spreadsheets
    report = report.drop(columns=["note"], errors="ignore").map(safe.uncell)
    report["year"] = pd.to_numeric(report["year"]).astype("Int64")
    report["row"] = pd.to_numeric(report["row"]).astype("Int64")
    counts = counts.drop(columns=["note"], errors="ignore")
    synthetic = bool(metadata.get("council", {}).get("synthetic"))
    return Check(folder, by_rules(report), counts, [], synthetic, as_built=True)


COUNTS_FILE = "build_counts.csv"  # beside build_report.csv: what the build counted, per year


def text_report(result: Check, examples: int = 10) -> str:
    """carejsna check's report: what will count, problems by rule and by year, then the
    problems (up to `examples` of each rule; 0 for all)."""
    counts = result.counts
    lines = [
        f"Data quality of {result.returns_dir}: {len(counts)} year(s), "
        f"{counts['Year'].min()} to {counts['Year'].max()}",
        "",
        "What will count (per year):",
        counts.set_index("Year").T.to_string(),
        "",
    ]
    if result.refused:
        lines += ["The build would write nothing: these files cannot be used:"]
        lines += [f"  {why}" for why in result.refused] + [""]
    else:
        lines += ["The build can use every file.", ""]
    problems = result.problems
    if problems.empty:
        return "\n".join([*lines, "No problems found."])
    lines += [f"Problems by rule ({len(problems)} in all):"]
    for row in by_rule(problems).itertuples():
        lines.append(f"  {row.Rule}: {row._2}: {row.Problems}")
    lines += ["", "Problems by year:", by_year(problems).to_string(index=False), ""]
    shown = problems if examples == 0 else problems.groupby("rule", sort=False).head(examples)
    more = f" ({examples} of each rule; --examples 0 for all)" if examples else ""
    lines.append(f"Problems{more}:")
    for row in shown.itertuples():
        at = f" row {row.row}" if pd.notna(row.row) else ""
        column = f" {row.column}" if row.column else ""
        value = f" {row.value!r}" if row.value else ""
        lines.append(f"  [{row.rule}] {row.file}{at}{column}{value}: {row.problem} ({row.action})")
    return "\n".join(lines)


def rules_frame() -> pd.DataFrame:
    """Every rule: its id, what it finds, why it matters and what the build does."""
    return pd.DataFrame([asdict(r) for r in RULES.values()]).drop(columns=["words"])
