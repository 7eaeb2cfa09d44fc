"""Codes are checked against DfE's valid codes for the return's own year (codes.csv's
valid_from and valid_to, each change with its source)."""

from __future__ import annotations

import csv
import shutil

import pandas as pd
import pytest

from carejsna.returns import quality
from carejsna.returns.read import VALUE_BLANKED, read_years
from carejsna.returns.schema import CODES_CSV, code_validity, valid_codes
from tests import fixture_returns


@pytest.fixture
def returns(tmp_path):
    return fixture_returns.write(tmp_path / "returns")


def code_problems(problems, file):
    return {(p.row, p.column, p.value): (p.problem, p.action) for p in problems if p.file == file}


def edit(path, row, column, value):
    """The CSV file with one value changed (row as a spreadsheet numbers it)."""
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    rows[row - 1][rows[0].index(column)] = value
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)


def blank_as_none(value):
    return None if pd.isna(value) else value


def frame(frames, name, year):
    return next(f for f in frames[name] if (f["year"] == year).all())


def test_a_code_of_a_later_year_is_reported_for_its_year_and_accepted_in_its_own(returns):
    # The 2024 return (2023-24) as it would be a year later, in 2024-25's codes (and a child
    # more, who came into care in 2024-25).
    fixture_returns.a_year_on(returns, 2025)
    for year in ("2024", "2025"):
        edit(returns / year / "episodes.csv", 2, "PLACE", "K3")  # A1's placement
        edit(returns / year / "header.csv", 2, "SEX", "M")  # A1
        edit(returns / year / "header.csv", 3, "SEX", "F")  # B2
    for row, sex in enumerate(["M", "F", "M", "F", "M"], start=4):  # the others, as 2024-25 has
        edit(returns / "2025" / "header.csv", row, "SEX", sex)

    frames, _, problems = read_years(returns)

    assert code_problems(problems, "2024/episodes.csv") == {
        (2, "PLACE", "K3"): (
            "not a valid PLACE code for 2023-24: K3 is valid only from 2024-25",
            VALUE_BLANKED,
        )
    }
    assert code_problems(problems, "2024/header.csv") == {
        (2, "SEX", "M"): (
            "not a valid SEX code for 2023-24: M is valid only from 2024-25",
            VALUE_BLANKED,
        ),
        (3, "SEX", "F"): (
            "not a valid SEX code for 2023-24: F is valid only from 2024-25",
            VALUE_BLANKED,
        ),
    }
    assert code_problems(problems, "2025/episodes.csv") == {}
    assert code_problems(problems, "2025/header.csv") == {}
    # Loaded as today with an invalid code: the row kept, the value blank in the wrong year.
    for year, place, sex, more in ((2024, None, None, 0), (2025, "K3", "M", 1)):
        episodes = frame(frames, "episodes", year).set_index("child_id")
        children = frame(frames, "children", year).set_index("child_id")
        assert len(episodes) == 9 + more and len(children) == 7 + more
        assert blank_as_none(episodes.at["A1", "placement_type"]) == place
        assert blank_as_none(children.at["A1", "sex"]) == sex


def test_a_withdrawn_code_is_reported_after_its_last_year_and_accepted_before(returns):
    shutil.copytree(returns / "2023", returns / "2022")
    for year in ("2022", "2023"):
        edit(returns / year / "episodes.csv", 2, "DEC", "01/02/2022")
        edit(returns / year / "episodes.csv", 2, "REC", "E43")

    _, _, problems = read_years(returns)

    assert code_problems(problems, "2022/episodes.csv") == {}
    assert code_problems(problems, "2023/episodes.csv") == {
        (2, "REC", "E43"): (
            "not a valid REC code for 2022-23: E43 is valid only up to 2021-22",
            VALUE_BLANKED,
        )
    }


def test_a_code_of_no_year_is_reported_as_before(returns):
    edit(returns / "2024" / "episodes.csv", 2, "PLACE", "Q9")
    _, _, problems = read_years(returns)
    assert code_problems(problems, "2024/episodes.csv") == {
        (2, "PLACE", "Q9"): ("not a valid PLACE code", VALUE_BLANKED)
    }


def test_local_files_keep_their_own_codes_whatever_the_year(returns):
    # population.csv is the council's own file: its SEX stays 1 and 2 after DfE's change.
    shutil.copytree(returns / "2024", returns / "2025")
    _, rows, problems = read_years(returns)
    assert code_problems(problems, "2025/population.csv") == {}
    assert rows["2025/population.csv"]["loaded"] == rows["2024/population.csv"]["loaded"] > 0


def test_a_code_of_another_year_is_a_code_problem():
    problems = pd.DataFrame(
        [["2024/episodes.csv", 2, "PLACE", "not a valid PLACE code for 2023-24: K3 is valid "
          "only from 2024-25"]],
        columns=["file", "row", "column", "problem"],
    )  # fmt: skip
    assert list(quality.rule_of(problems)) == ["code"]
    assert "year" in quality.RULES["code"].explanation


def test_every_change_of_validity_names_its_source():
    with CODES_CSV.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert len({(row["field"], row["code"]) for row in rows}) == len(rows)  # codes extract joins
    changed = [row for row in rows if row["valid_from"] or row["valid_to"]]
    assert changed
    for row in changed:
        assert "lac_validator/rules/" in row["source"], row
        first, last = row["valid_from"], row["valid_to"]
        assert not (first and last) or int(first) <= int(last), row


@pytest.mark.parametrize(
    "field, year, listed",
    [
        # The validator's lists (data-to-insight/csc-validator-be-903 lac_validator/rules/...)
        ("SEX", 2023, "1 2"),  # lac2022_23/rule_101.py
        ("SEX", 2024, "1 2"),  # lac2023_24 keeps rule 101
        ("SEX", 2025, "M F U"),  # lac2024_25/rule_101.py
        ("PLACE", 2023, "A3 A4 A5 A6 H5 K1 K2 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 U4 "
         "U5 U6 Z1"),  # lac2022_23/rule_146.py
        ("PLACE", 2025, "A3 A4 A5 A6 H5 K1 K2 K3 P1 P2 P3 R1 R2 R3 R5 S1 T0 T1 T2 T3 T4 U1 U2 U3 "
         "U4 U5 U6 Z1"),  # lac2024_25/rule_146.py
        ("ACTIV", 2023, "F1 P1 F2 P2 F4 P4 F5 P5 G4 G5 G6 0"),  # lac2022_23/rule_132.py
        ("REC", 2023, "E11 E12 E2 E3 E4A E4B E13 E41 E45 E46 E47 E48 E5 E6 E7 E8 E9 E14 E15 E16 "
         "E17 X1"),  # lac2022_23/rule_149.py
        ("LS", 2025, "C1 C2 D1 E1 V2 V3 V4 J1 J2 J3 L1 L2 L3"),  # lac2022_23/rule_144.py
        ("ACCOM", 2025, "B1 B2 C1 C2 D1 D2 E1 E2 G1 G2 H1 H2 K1 K2 R1 R2 S2 T1 T2 U1 U2 V1 V2 W1 "
         "W2 X2 Y1 Y2 Z1 Z2 0"),  # lac2022_23/rule_133.py
    ],
)  # fmt: skip
def test_the_codes_of_a_year_are_the_validators(field, year, listed):
    assert valid_codes(year)[field] == frozenset(listed.split())


def test_a_code_valid_in_some_year_is_valid_in_the_union():
    every = valid_codes()
    for field, codes in code_validity().items():
        assert every[field] == frozenset(codes)
