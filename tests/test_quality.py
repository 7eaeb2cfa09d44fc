"""Data-quality rules on hand-made returns whose every problem was worked out by hand; the
check command; the Data quality page in AppTest."""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from streamlit.testing.v1 import AppTest

from carejsna.cli import main
from carejsna.returns import quality
from carejsna.returns.build import build
from tests.fixture_returns import (
    DERBY_POST,
    EPISODES,
    HEADER,
    MANSFIELD_POST,
    population,
)
from tests.test_fuzz_returns import FUZZ, hypothesis_picker, mutate, valid_returns

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "8_Data_quality.py")
SAMPLE = ROOT.parent / "shared" / "reference-data" / "ssda903-sample"
OC2 = (
    "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
    "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED"
)
OC3 = "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM"
M = MANSFIELD_POST


def episode(child, start, end="", rec="", home=M, place=M, rne="S", ls="C2"):
    return f"{child},{start},{rne},{ls},N1,U4,PR1,{end},{rec},,{home},{place},"


# Each line's comment says what it should raise. Spreadsheet rows: the column names are row 1.
RETURNS = {
    "2023": {
        "header.csv": [
            HEADER,
            "Q1,1,01/01/2010,WBRI,A000000000011,,",  # 2: in the cohort, with an OC2 row
            "Q2,2,01/01/2012,WBRI,A000000000021,,",  # 3
            "Q3,1,01/01/2011,WBRI,A000000000031,,",  # 4: in the cohort, no OC2 row
            "S1,1,01/06/2006,WBRI,A000000000013,,",  # 5
            "S2,2,01/06/2006,WBRI,A000000000023,,",  # 6
        ],
        "episodes.csv": [
            EPISODES,
            episode("Q1", "01/01/2020"),  # 2
            episode("Q2", "01/06/2022"),  # 3: open at 31 March, the child not in 2024's return
            episode("Q3", "01/02/2021"),  # 4: open at 31 March; 2024's has another DECOM
            episode("S1", "01/04/2022", "15/05/2022", "E13"),  # 5: left care at 15
            episode("S2", "01/05/2022", "01/09/2022", "E13"),  # 6: left care at 16
        ],
        "oc2.csv": [OC2, "Q1,01/01/2010,10,,0,0,1,1,1,0,0,0"],
    },
    "2024": {
        "header.csv": [
            HEADER,
            "Q1,1,01/01/2010,WBRI,A000000000011,,",  # 2
            "Q3,1,01/01/2011,WBRI,A000000000031,,",  # 3
            "R1,1,01/01/2015,WBRI,UN4,,",  # 4: no UPN, and why
            "R2,2,01/01/2014,WBRI,UN4,,",  # 5: the same reason: not a shared UPN
            "R3,1,01/01/2013,ZZZZ,A000000000032,,",  # 6: ETHNIC not a code
            "R4,2,01/01/2012,WBRI,A000000000042,,",  # 7
            "R4,2,01/01/2012,WBRI,A000000000042,,",  # 8: the same child again
            "R5,1,01/01/2011,WBRI,A000000000052,,",  # 9: the same UPN as R6
            "R6,,01/01/2011,WBRI,A000000000052,,",  # 10: the same UPN as R5; SEX blank
            "R7,1,01/06/2024,WBRI,123,,",  # 11: born after the return's year; not a UPN
            "R8,2,31/02/2015,WBRI,A000000000082,,",  # 12: no such day
        ],
        "episodes.csv": [
            EPISODES,
            f"Q1,01/01/2020,S,C2,N2,U4,PR1,,,,{M},{M},",  # 2: CIN revised, N1 -> N2
            episode("Q3", "02/02/2021"),  # 3: over 2023's open episode from 01/02/2021
            episode("R1", "01/05/2023", "01/09/2023", "X1"),  # 4
            episode("R1", "01/08/2023", rne="P"),  # 5: starts before row 4 ends
            episode("R2", "01/05/2023", "01/07/2023", "X1"),  # 6
            episode("R2", "15/07/2023", rne="P"),  # 7: 14 days after X1
            episode("R3", "01/05/2023", "01/10/2023", "X1"),  # 8: X1, and nothing follows
            episode("R4", "01/05/2023"),  # 9
            episode("R5", "01/05/2023"),  # 10
            episode("R6", "01/05/2023", home=DERBY_POST),  # 11: lives outside the council
            episode("R7", "01/05/2023", "01/01/2099", "E13"),  # 12: before birth; ends in 2099
            episode("R8", "01/05/2023", home="ZZ9 9ZZ", place="XYZ"),  # 13: postcodes
            episode("T1", "01/05/2023", home=""),  # 14: not in header.csv
        ],
        "oc2.csv": [
            OC2,
            "Q1,01/01/2010,12,,0,0,1,1,1,0,0,0",  # 2
            "R2,01/01/2014,12,,0,0,1,1,1,0,0,0",  # 3: in care since May 2023: not the cohort
        ],
        "oc3.csv": [
            OC3,
            "R9,01/06/2006,YES,F2,D1",  # 2: no episode anywhere, 16 in June 2022
            "S1,01/06/2006,YES,F2,D1",  # 3: left care at 15
            "S2,01/06/2006,YES,F2,D1",  # 4: in care at 16: a care leaver
        ],
    },
}

# Every problem, worked out by hand: (rule, year, file, row, column, value).
EXPECTED = {
    ("file", 2023, "2023/uasc.csv", None, "", ""),
    ("file", 2023, "2023/oc3.csv", None, "", ""),
    ("file", 2023, "2023/education.csv", None, "", ""),
    ("file", 2024, "2024/uasc.csv", None, "", ""),
    ("file", 2024, "2024/education.csv", None, "", ""),
    ("code", 2024, "2024/header.csv", 6, "ETHNIC", "ZZZZ"),
    ("date_unreadable", 2024, "2024/header.csv", 12, "DOB", "31/02/2015"),
    ("date_future", 2024, "2024/header.csv", 11, "DOB", "01/06/2024"),
    ("date_future", 2024, "2024/episodes.csv", 12, "DEC", "01/01/2099"),
    ("date_before_birth", 2024, "2024/episodes.csv", 12, "DECOM", "01/05/2023"),
    ("required_blank", 2024, "2024/header.csv", 10, "SEX", ""),
    ("overlap", 2024, "2024/episodes.csv", 5, "DECOM", "01/08/2023"),
    ("gap", 2024, "2024/episodes.csv", 7, "DECOM", "15/07/2023"),
    ("gap", 2024, "2024/episodes.csv", 8, "REC", "X1"),
    ("missing_next_year", 2023, "2023/episodes.csv", 3, "DECOM", "01/06/2022"),
    ("missing_next_year", 2023, "2023/episodes.csv", 4, "DECOM", "01/02/2021"),
    ("revision", 2024, "2024/episodes.csv", 2, "CIN", "N1 -> N2"),
    ("revision_conflict", 2024, "2024/episodes.csv", 3, "DECOM", "02/02/2021"),
    ("upn", 2024, "2024/header.csv", 11, "UPN", "123"),
    ("duplicate_child", 2024, "2024/header.csv", 8, "CHILD", "R4"),
    ("duplicate_child", 2024, "2024/header.csv", 9, "UPN", "A000000000052"),
    ("duplicate_child", 2024, "2024/header.csv", 10, "UPN", "A000000000052"),
    ("episode_without_child", 2024, "2024/episodes.csv", 14, "CHILD", "T1"),
    ("oc2_not_in_cohort", 2024, "2024/oc2.csv", 3, "CHILD", "R2"),
    ("oc2_missing", 2023, "2023/oc2.csv", None, "CHILD", "Q3"),
    ("oc2_missing", 2024, "2024/oc2.csv", None, "CHILD", "Q3"),
    ("oc3_not_care_leaver", 2024, "2024/oc3.csv", 2, "CHILD", "R9"),
    ("oc3_not_care_leaver", 2024, "2024/oc3.csv", 3, "CHILD", "S1"),
    ("postcode", 2024, "2024/episodes.csv", 13, "HOME_POST", "ZZ9 9ZZ"),
    ("postcode", 2024, "2024/episodes.csv", 13, "PL_POST", "XYZ"),
}


def write(folder: Path, returns: dict = RETURNS) -> Path:
    for year, files in returns.items():
        (folder / year).mkdir(parents=True, exist_ok=True)
        for name, lines in {**files, "population.csv": population()}.items():
            (folder / year / name).write_text("\n".join(lines) + "\n")
    (folder / "council.toml").write_text('code = "E10000024"\nname = "Testshire"\n')
    return folder


@pytest.fixture(scope="module")
def returns(tmp_path_factory) -> Path:
    return write(tmp_path_factory.mktemp("quality") / "returns")


@pytest.fixture(scope="module")
def checked(returns) -> quality.Check:
    return quality.check(returns)


def found(problems: pd.DataFrame) -> set[tuple]:
    return {
        (p.rule, int(p.year), p.file, None if pd.isna(p.row) else int(p.row), p.column, p.value)
        for p in problems.itertuples()
    }


def test_every_problem_is_the_one_worked_out_by_hand(checked):
    assert found(checked.problems) == EXPECTED


def test_each_problem_says_what_is_wrong_and_what_the_build_does(checked):
    said = {(p.file, p.row, p.column): (p.problem, p.action) for p in checked.problems.itertuples()}
    assert said[("2024/episodes.csv", 7, "DECOM")] == (
        "starts 14 days after the child's previous episode ended with REC X1 (care going on): "
        "a gap inside a spell",
        "loaded as it is",
    )
    assert said[("2023/episodes.csv", 3, "DECOM")][0] == (
        "open at 31 March 2023, but missing from the 2024 return (the child is not in it)"
    )
    assert said[("2023/episodes.csv", 4, "DECOM")][0] == (
        "open at 31 March 2023, but missing from the 2024 return (the child is, but no episode "
        "starts on this DECOM)"
    )
    assert said[("2024/oc2.csv", 3, "CHILD")][1] == quality.NOT_COUNTED
    assert said[("2024/oc3.csv", 3, "CHILD")][0] == (
        "not in care at 16 or over in the returns given (16th birthday 01/06/2022; last in "
        "care 15/05/2022)"
    )
    assert said[("2024/header.csv", 8, "CHILD")][1] == "row not loaded"
    assert said[("2024/header.csv", 6, "ETHNIC")][1] == "value left blank"
    assert said[("2024/episodes.csv", 13, "PL_POST")][0] == (
        "postcode not found in the ONS postcode directory (not even in the form of a UK "
        "postcode): district Unknown"
    )
    assert said[("2024/header.csv", 9, "UPN")][0] == (
        "the same UPN as another child in this return (CHILD R5, R6)"
    )
    assert said[("2024/header.csv", 11, "UPN")][0] == (
        "not a UPN (13 characters in capitals: a letter, 12 digits or 11 and a letter) nor "
        "UN1 to UN5"
    )


def test_what_will_and_wont_count(checked):
    counts = checked.counts.set_index("Year")
    # 2024: Q1 Q3 R1-R8 T1 (episodes), R9 S1 S2 (OC3); R4's second row is left out.
    assert counts.loc[2024, "Children"] == 14
    assert counts.loc[2023, "Children"] == 5
    assert counts.loc[2024, "Episodes loaded"] == 13
    assert counts.loc[2024, "OC2 rows loaded"] == 2
    assert counts.loc[2024, "OC2 rows outside the 12-month cohort (counted in no figure)"] == 1
    assert counts.loc[2024, "OC3 rows loaded"] == 3
    assert counts.loc[2024, "Rows left out"] == 1
    assert counts.loc[2024, "Values blanked"] == 2  # ETHNIC ZZZZ, DOB 31/02/2015
    # Unknown: R9 (no episode in any return), T1 (no home postcode), R8 (ZZ9 9ZZ); S1 and S2
    # take 2023's Mansfield. R6 lives in Derby: outside the council.
    assert counts.loc[2024, "Unknown district"] == 3
    assert counts.loc[2024, quality.UNKNOWN_NO_EPISODE] == 1
    assert counts.loc[2024, quality.UNKNOWN_BLANK] == 1
    assert counts.loc[2024, quality.UNKNOWN_NOT_FOUND] == 1
    assert counts.loc[2024, quality.UNKNOWN_NOT_POSTCODE] == 0
    assert counts.loc[2024, quality.OUTSIDE] == 1
    assert counts.loc[2023, "Unknown district"] == 0
    assert not checked.refused


def test_the_build_reports_the_same_problems(returns, checked, tmp_path):
    result = build(returns, tmp_path / "data")
    assert result.written
    reported = {(p.year, p.file, p.row, p.column, p.value, p.problem) for p in result.problems}
    listed = {
        (int(p.year), p.file, None if pd.isna(p.row) else int(p.row), p.column, p.value, p.problem)
        for p in checked.problems.itertuples()
    }
    assert reported == listed


def test_the_build_keeps_its_check_for_the_page_while_the_returns_stay_the_same(
    returns, checked, tmp_path
):
    """What the Data quality page shows without reading the returns again: the build's own
    counts and problems, the values as build_report.csv keeps them."""
    assert build(returns, tmp_path / "data").written
    kept = quality.as_built(tmp_path / "data", returns, quality.digest(returns))
    assert kept is not None and kept.as_built and not kept.refused
    pd.testing.assert_frame_equal(kept.counts, checked.counts)
    same = ["rule", "year", "file", "row", "column", "action"]
    pd.testing.assert_frame_equal(kept.problems[same], checked.problems[same])
    values = kept.problems.set_index(["row", "column"])["value"]
    assert values[(13, "HOME_POST")] == "ZZ9"  # the outward code alone
    assert values[(13, "PL_POST")] == ""  # not a postcode at all: not kept
    assert "R8" not in set(kept.problems["value"])  # a child id as its pseudonym

    # A value the report neutralised for spreadsheets (a leading ') is shown as it came.
    report = tmp_path / "data" / "build_report.csv"
    table = pd.read_csv(report, dtype=str, keep_default_na=False)
    table.loc[table["value"] == "ZZZZ", "value"] = "'=ZZZZ"
    table.to_csv(report, index=False)
    shown = quality.as_built(tmp_path / "data", returns, quality.digest(returns)).problems
    assert set(shown.loc[shown["column"] == "ETHNIC", "value"]) == {"=ZZZZ"}

    copied = shutil.copytree(returns, tmp_path / "elsewhere")  # where is not what
    assert quality.digest(copied) == quality.digest(returns)
    (copied / "council.toml").write_text('code = "E10000024"\nname = "Testshire 2"\n')
    assert quality.as_built(tmp_path / "data", copied, quality.digest(copied)) is None


def test_check_writes_nothing(returns, checked):
    before = sorted(p for p in returns.rglob("*"))
    quality.check(returns)
    assert sorted(p for p in returns.rglob("*")) == before


def test_a_date_still_to_come_is_in_the_future(returns):
    # On 1 February 2024 an in-year return's 01/03/2024 has not happened yet.
    result = quality.check(returns, today=dt.date(2024, 2, 1))
    future = result.problems[result.problems["rule"] == "date_future"]
    assert set(future["value"]) == {"01/06/2024", "01/01/2099"}
    assert set(future["problem"]) == {"in the future"}


def test_a_required_file_missing_is_listed_and_the_build_would_refuse(tmp_path):
    folder = write(tmp_path / "returns")
    (folder / "2023" / "episodes.csv").unlink()
    result = quality.check(folder)
    assert result.refused == ["2023/episodes.csv: required file missing"]
    assert ("file", 2023, "2023/episodes.csv", None, "", "") in found(result.problems)
    # with 2023's episodes gone, Q2's and Q3's 2023 episodes are not missing from 2024
    assert "missing_next_year" not in set(result.problems["rule"])


def test_every_problem_of_the_public_sample_has_a_rule(tmp_path):
    if not SAMPLE.exists():
        pytest.fail(f"the public sample return is missing: {SAMPLE}")
    shutil.copytree(
        SAMPLE, tmp_path / "returns" / "2018", ignore=shutil.ignore_patterns("*.md", "LICENSE")
    )
    result = quality.check(tmp_path / "returns")
    rules = result.problems["rule"].value_counts()
    assert "other" not in rules
    assert rules["code"] == 4  # MOTHER 1.0 (read as 1, noted), ACCOM 01 and 02 (twice)
    assert rules["overlap"] == 72  # 62 starting before the last ends, 10 left open
    assert rules["date_future"] == 12  # DEC 01/04/2018 and later
    assert result.counts["Children"].iloc[0] == 2675
    # The sample's postcodes are fake: every child with an episode is Unknown.
    assert result.counts[quality.UNKNOWN_NOT_FOUND].iloc[0] > 0


def test_the_public_xml_sample_is_checked_like_the_csv_sample(tmp_path):
    xml = SAMPLE.with_name("ssda903-sample-xml") / "fake_903.xml"
    if not xml.exists():
        pytest.fail(f"the public XML sample return is missing: {xml}")
    (tmp_path / "returns" / "2018").mkdir(parents=True)
    shutil.copy(xml, tmp_path / "returns" / "2018")
    result = quality.check(tmp_path / "returns")
    rules = result.problems["rule"].value_counts()
    assert "other" not in rules and not result.refused
    assert {"code", "overlap", "oc2_not_in_cohort", "postcode"} <= set(rules.index)
    unused = "OC2 rows outside the 12-month cohort (counted in no figure)"
    assert result.counts[unused].iloc[0] == rules["oc2_not_in_cohort"]
    episodes = result.problems[result.problems["rule"] == "overlap"]
    assert set(episodes["file"]) == {"2018/fake_903.xml (episodes)"}  # the file as read
    assert result.counts["Episodes loaded"].iloc[0] > 0


def test_rules_are_explained_and_each_problem_text_matches_its_own_rule():
    for rule in quality.RULES.values():
        assert rule.title and rule.explanation and rule.done
    said = {  # (file, row, column, problem): its rule
        ("2024/header.csv", 8, "CHILD", "repeats an earlier row's key: the first is kept"): (
            "duplicate_child"
        ),
        ("2018/r.xml (header)", 4, "CHILDID", "repeats an earlier row's key: the first is kept"): (
            "duplicate_child"
        ),
        ("2024/oc2.csv", 3, "CHILD", "repeats an earlier row's key: the first is kept"): (
            "duplicate_row"
        ),
        ("targets.csv", 2, "INDICATOR", "not an indicator in the catalogue"): "local_files",
        ("2024/oc3.csv", 5, "ACCOM", "the row has only 3 of the file's 5 values: cut short"): (
            "row_shape"
        ),
        ("2024/header.csv", 2, "UPN", "starts like a spreadsheet formula: kept as text"): (
            "value_shape"
        ),
        ("2024-25", None, "", "not a year folder (named like 2024/): not read"): "file",
        ("2024/x.csv", 5, "X", "something nobody has seen"): "other",
        ("2024/episodes.csv", 3, "DEC", "ends before DECOM"): "episode_order",
    }
    problems = pd.DataFrame(list(said), columns=["file", "row", "column", "problem"])
    assert list(quality.rule_of(problems)) == list(said.values())


def test_an_episode_ending_before_it_starts_is_printed_under_episode_order(tmp_path, capsys):
    """As the README's table of rules files it, not under 'other'."""
    folder = write(tmp_path / "returns", {"2024": {
        "header.csv": [HEADER, "A1,1,15/06/2012,WBRI,,,", "A2,2,15/06/2012,WBRI,,,"],
        "episodes.csv": [
            EPISODES, episode("A1", "01/05/2023", "01/04/2023", "E13"), episode("A2", "01/05/2023")
        ],
    }})  # fmt: skip
    assert main(["check", str(folder)]) == 0
    printed = capsys.readouterr().out
    assert "episode_order: An episode that ends before it starts: 1" in printed
    assert (
        "[episode_order] 2024/episodes.csv row 2 DEC '01/04/2023': ends before DECOM "
        "(row not loaded)"
    ) in printed
    assert "other" not in printed
    readme = (ROOT / "README.md").read_text()
    assert "| `episode_order` | DEC before DECOM | row left out |" in readme


# The command ---------------------------------------------------------------------------------


def test_check_command_prints_counts_rules_years_and_problems(returns, tmp_path, capsys):
    out_csv = tmp_path / "problems.csv"
    assert main(["check", str(returns), "--csv", str(out_csv), "--examples", "0"]) == 0
    printed = capsys.readouterr().out
    assert "What will count (per year):" in printed
    assert "gap: A gap inside a spell of care: 2" in printed
    assert "oc2_missing: A 12-month cohort child without an OC2 row: 2" in printed
    assert (
        "[overlap] 2024/episodes.csv row 5 DECOM '01/08/2023': starts before the child's "
        "previous episode ends (loaded as it is)"
    ) in printed
    assert "The build can use every file." in printed
    by_year = printed.split("Problems by year:\n")[1].split("\n\n")[0].splitlines()
    assert by_year[1].split()[:2] == ["2023", "6"]  # 3 files, 2 missing next year, 1 OC2
    assert by_year[2].split()[:2] == ["2024", str(len(EXPECTED) - 6)]
    written = pd.read_csv(out_csv, dtype=str, keep_default_na=False)
    assert len(written) == len(EXPECTED)
    assert list(written.columns) == list(quality.PROBLEM_COLUMNS)  # not synthetic: no note


def test_check_command_csv_says_the_demo_is_synthetic(tmp_path, capsys):
    folder = write(tmp_path / "returns")
    (folder / "council.toml").write_text(
        'code = "E10000024"\nname = "Testshire"\nsynthetic = true\n'
    )
    assert main(["check", str(folder), "--csv", str(tmp_path / "p.csv")]) == 0
    written = pd.read_csv(tmp_path / "p.csv", dtype=str, keep_default_na=False)
    assert set(written["note"]) == {"SYNTHETIC DEMO DATA, not real children."}


def test_check_command_refuses_what_it_cannot_read(tmp_path, capsys):
    assert main(["check", str(tmp_path / "nowhere")]) == 2
    assert "no such folder" in capsys.readouterr().err
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "header.csv").write_text(HEADER + "\n")
    assert main(["check", str(tmp_path / "flat")]) == 2
    assert "no year folders" in capsys.readouterr().err


def test_export_neutralises_cells_and_says_when_synthetic():
    problems = pd.DataFrame({"rule": ["code"], "value": ['=HYPERLINK("https://x.example")']})
    table = quality.export(problems, synthetic=True)
    assert table["value"].iloc[0] == '\'=HYPERLINK("https://x.example")'
    assert table["note"].iloc[0] == "SYNTHETIC DEMO DATA, not real children."
    assert "note" not in quality.export(problems).columns


def test_returns_folder_from_the_environment_or_metadata(tmp_path, monkeypatch):
    monkeypatch.delenv(quality.RETURNS_ENV, raising=False)
    data, returns = tmp_path / "data", tmp_path / "returns"
    data.mkdir(), returns.mkdir()
    assert quality.returns_folder(data) is None  # no metadata.json
    (data / "metadata.json").write_text('{"years": [2024]}')
    assert quality.returns_folder(data) is None  # a published folder records none
    (data / "metadata.json").write_text(f'{{"returns": "{quality.recorded_path(returns, data)}"}}')
    assert quality.recorded_path(returns, data) == "../returns"
    assert quality.returns_folder(data) == returns.resolve()
    monkeypatch.setenv(quality.RETURNS_ENV, str(tmp_path / "gone"))
    assert quality.returns_folder(data) is None


# The page ------------------------------------------------------------------------------------


def open_page(monkeypatch, returns: Path | None, mode: str = "") -> AppTest:
    if returns is None:
        monkeypatch.setenv(quality.RETURNS_ENV, "/nowhere/at/all")
    else:
        monkeypatch.setenv(quality.RETURNS_ENV, str(returns))
    monkeypatch.setenv("CAREJSNA_MODE", mode)
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def page_tables(at: AppTest) -> dict[str, pd.DataFrame]:
    """The page's tables, in the order it shows them (AppTest gives a table no key)."""
    names = ["counts", "by rule", "by year", "problems"]
    assert len(at.dataframe) == len(names)
    return dict(zip(names, (d.value for d in at.dataframe), strict=True))


def test_page_shows_what_counts_problems_by_rule_and_year(monkeypatch, returns):
    at = open_page(monkeypatch, returns)
    assert at.title[0].value == "Data quality"
    assert any("Synthetic demo data" in w.value for w in at.warning)
    said = " ".join(m.value for m in at.markdown)
    assert "**2024 return:** 14 children; 13 episodes loaded" in said
    assert "3 children fall in the Unknown district" in said
    assert "1: no episode in this or an earlier return" in said
    tables = page_tables(at)
    assert tables["counts"].set_index(quality.MEASURE).loc["Children", "2024"] == 14
    by_rule = tables["by rule"].set_index("Rule")["Problems"]
    assert by_rule["gap"] == 2 and by_rule["postcode"] == 2 and by_rule["oc2_missing"] == 2
    assert len(tables["problems"]) == len(EXPECTED)
    assert list(tables["problems"].columns) == list(quality.PROBLEM_COLUMNS.values())
    assert any("The build can use every file." in s.value for s in at.success)
    assert at.download_button[0].label.startswith(f"Download these problems (CSV, {len(EXPECTED)}")
    assert {e.label for e in at.expander} >= {"A gap inside a spell of care (gap)"}


def test_page_filters_the_problems(monkeypatch, returns):
    at = open_page(monkeypatch, returns)
    at.multiselect(key="quality-rule").set_value(["gap", "overlap"]).run()
    table = page_tables(at)["problems"]
    assert sorted(table["Rule"]) == ["gap", "gap", "overlap"]
    at.multiselect(key="quality-file").set_value(["episodes.csv"]).run()
    at.multiselect(key="quality-rule").set_value([]).run()
    at.multiselect(key="quality-year").set_value([2023]).run()
    table = page_tables(at)["problems"]
    assert list(table["Row"]) == [3, 4] and set(table["Rule"]) == {"missing_next_year"}
    assert any(c.value.startswith(f"2 of {len(EXPECTED)} problems") for c in at.caption)


def test_page_shows_the_builds_check_until_asked_to_read_the_returns(
    monkeypatch, returns, tmp_path
):
    assert build(returns, tmp_path / "data").written
    monkeypatch.setenv("CAREJSNA_DATA", str(tmp_path / "data"))
    monkeypatch.delenv(quality.RETURNS_ENV, raising=False)  # the folder metadata.json records
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("As the build found them" in c.value for c in at.caption)
    problems = page_tables(at)["problems"]
    assert len(problems) == len(EXPECTED)
    assert "ZZ9 9ZZ" not in set(problems["Value"]) and "ZZ9" in set(problems["Value"])

    at.toggle(key="quality-again").set_value(True).run()  # the returns' own values
    assert not any("As the build found them" in c.value for c in at.caption)
    problems = page_tables(at)["problems"]
    assert len(problems) == len(EXPECTED) and "ZZ9 9ZZ" in set(problems["Value"])


def test_page_says_plainly_when_the_returns_are_not_here(monkeypatch):
    at = open_page(monkeypatch, None)
    assert any(
        "returns these figures were built from are not available" in i.value for i in at.info
    )
    assert not at.dataframe


def test_page_refuses_in_public_mode(monkeypatch, returns):
    at = open_page(monkeypatch, returns, mode="public")
    assert any("not available on a published explorer" in e.value for e in at.error)
    assert not at.dataframe and not at.markdown


def test_page_says_when_there_is_no_problem(monkeypatch, tmp_path):
    education = "CHILD,KS2_RWM_EXPECTED,KS4_ATTAINMENT8,KS4_ENG_MATHS_4,PERSISTENT_ABSENCE,"
    education += "SUSPENSIONS,SEN_PROVISION"
    clean = {
        "2024": {
            "header.csv": [HEADER, "A1,1,15/06/2012,WBRI,A123456789012,,"],
            "episodes.csv": [EPISODES, episode("A1", "01/01/2024")],
            "uasc.csv": ["CHILD,SEX,DOB,DUC"],
            "oc2.csv": [OC2],
            "oc3.csv": [OC3],
            "education.csv": [education],
        }
    }
    returns = write(tmp_path / "returns", clean)
    assert quality.check(returns).problems.empty
    at = open_page(monkeypatch, returns)
    assert any(s.value == "No problems found in the returns." for s in at.success)
    assert len(at.dataframe) == 1  # what will count, and no empty problem tables
    assert "**2024 return:** 1 child;" in " ".join(m.value for m in at.markdown)


@pytest.mark.parametrize(
    ("files", "children"),
    [
        ({"header.csv": [HEADER], "episodes.csv": [EPISODES]}, 0),  # no rows at all
        (
            {  # a child and a care leaver, no episode
                "header.csv": [HEADER, "A1,1,15/06/2012,WBRI,,,"],
                "episodes.csv": [EPISODES],
                "oc3.csv": [OC3, "Z1,01/01/2005,YES,F1,D1"],
            },
            2,
        ),
        ({"header.csv": [HEADER], "episodes.csv": [EPISODES, episode("A1", "01/01/2020")]}, 1),
    ],
    ids=["empty", "no-episodes", "no-children"],
)
def test_returns_with_nothing_in_a_file_are_checked(tmp_path, monkeypatch, files, children):
    returns = write(tmp_path / "returns", {"2024": files})
    result = quality.check(returns)
    assert "other" not in set(result.problems["rule"])
    assert list(result.counts["Year"]) == [2024]
    assert result.counts["Children"].iloc[0] == children
    at = open_page(monkeypatch, returns)
    assert f"**2024 return:** {children} child" in " ".join(m.value for m in at.markdown)


def test_a_year_of_only_local_files_readable_is_checked_not_a_bug(tmp_path, capsys):
    """Its header and episodes refused, its population.csv read: no episode at all."""
    folder = write(tmp_path / "returns", {"2024": {"header.csv": ["x"], "episodes.csv": ["x"]}})
    assert main(["check", str(folder)]) == 1
    printed = capsys.readouterr()
    assert (
        "2024/episodes.csv CHILD, DECOM, RNE, LS, CIN, PLACE, DEC, REC, HOME_POST, PL_POST: "
        "required column "
    ) in printed.out
    assert printed.err == ""


def test_a_refused_episodes_file_is_not_echoed_by_every_row_of_the_years_other_files(tmp_path):
    """2024's episodes.csv refused (its dates written 2023-04-03, say): the check had listed
    every OC2 row of 2024 as outside the 12-month cohort (735), and OC3 rows as no care
    leaver's, as if those files were wrong; a header refused, every episode as without its
    child."""
    for year in ("2023", "2024"):
        shutil.copytree(ROOT / "demo" / "returns" / year, tmp_path / year)
    (tmp_path / "2024" / "episodes.csv").write_text("CHILD\n")  # refused: columns missing
    (tmp_path / "2023" / "header.csv").write_text("CHILD\n")
    result = quality.check(tmp_path)
    assert result.problems["rule"].unique().tolist() == ["file"]
    assert [r.split(" ")[0] for r in result.refused] == ["2023/header.csv", "2024/episodes.csv"]


@pytest.mark.parametrize("files", [("header", "episodes", "oc2", "oc3"), ("header",)])
def test_ids_a_spreadsheet_rewrote_are_one_problem_not_a_thousand_echoes(tmp_path, files):
    """2023's ids saved as 100762.0 (in every file, or its header alone): beside the refusal,
    the check had listed every 2023 child as missing from 2024's return or 2023's (1,130 rows
    on the demo's ten years), every OC3 row as no care leaver's, or every episode as without
    its child, a thousand false problems beside the one real one. Now the refusal, and what
    else is wrong as with the ids written right: an episode truly left out of 2024's return."""
    for year in ("2023", "2024"):
        shutil.copytree(ROOT / "demo" / "returns" / year, tmp_path / year)
    shutil.copy(ROOT / "demo" / "returns" / "council.toml", tmp_path)
    episodes = tmp_path / "2024" / "episodes.csv"
    kept = [line for line in episodes.read_text().splitlines() if line[:17] != "101541,08/03/2023"]
    episodes.write_text("\n".join(kept) + "\n")  # an episode truly missing from 2024's
    shown = ["rule", "year", "file", "row", "column", "value", "problem"]
    right = quality.check(tmp_path).problems[shown]
    assert "missing_next_year" in set(right["rule"])
    for name in files:
        path = tmp_path / "2023" / f"{name}.csv"
        lines = path.read_text().splitlines()
        path.write_text("\n".join([lines[0], *(line.replace(",", ".0,", 1) for line in lines[1:])]))
    result = quality.check(tmp_path)
    named = "2023/header.csv" if files == ("header",) else "2023/episodes.csv"
    assert len(result.refused) == 1 and result.refused[0].startswith(f"{named} CHILD: ")
    refusal = result.problems["action"] == "file not loaded"
    assert result.problems.loc[refusal, "rule"].tolist() == ["file"]  # not 'another problem'
    else_wrong = result.problems.loc[~refusal, shown].reset_index(drop=True)
    assert_frame_equal(else_wrong, right.reset_index(drop=True))


def test_header_files_swapped_are_two_refusals_not_their_echoes(tmp_path):
    """2023's and 2024's header.csv swapped: the check had found nothing to refuse and listed
    each year's episodes without their child (1,576 on the demo's 2022 and 2023) and a
    later year's children born after the year's end, as problems of their own."""
    for year in ("2023", "2024"):
        shutil.copytree(ROOT / "demo" / "returns" / year, tmp_path / year)
    shutil.copy(ROOT / "demo" / "returns" / "council.toml", tmp_path)
    (tmp_path / "2023" / "header.csv").rename(tmp_path / "header.csv")
    (tmp_path / "2024" / "header.csv").rename(tmp_path / "2023" / "header.csv")
    (tmp_path / "header.csv").rename(tmp_path / "2024" / "header.csv")
    result = quality.check(tmp_path)
    assert [r.split(" ")[0] for r in result.refused] == ["2023/header.csv", "2024/header.csv"]
    assert result.problems["rule"].tolist() == ["file", "file"]


def test_a_council_toml_the_build_cannot_read_is_listed(tmp_path):
    folder = write(tmp_path / "returns")
    (folder / "council.toml").write_text('name = "Testshire\n')
    result = quality.check(folder)
    listed = result.problems[result.problems["file"].str.contains("council.toml")]
    assert len(listed) == 1 and listed["rule"].iloc[0] == "local_files"
    assert len(result.refused) == 1 and "council.toml" in result.refused[0]  # build refuses


def test_a_fault_of_the_check_is_a_bug_not_a_refusal(returns, monkeypatch, capsys):
    def broken(*args):
        raise ValueError("a fault in a rule")

    monkeypatch.setattr(quality, "_checked", broken)
    assert main(["check", str(returns)]) == 3
    assert "internal error (RuntimeError), a bug" in capsys.readouterr().err


@settings(max_examples=20, phases=(Phase.generate,), **FUZZ)  # no shrinking: minutes
@given(layout=st.sampled_from(["csv", "xml"]), data=st.data())
def test_malformed_returns_are_checked_or_refused_clearly(layout, data):
    """The build's fuzz (tests/test_fuzz_returns.py) through the check: every problem under a
    rule, or a refusal naming the folder; never a fault of the check's own."""
    with tempfile.TemporaryDirectory() as folder:
        returns = valid_returns(Path(folder), layout)
        how = mutate(hypothesis_picker(data), returns, layout)
        try:
            result = quality.check(returns)
        except ValueError as refused:
            assert str(returns) in str(refused), how
            return
        other = result.problems[result.problems["rule"] == "other"]
        assert other.empty, (how, other.to_dict("records"))
        assert len(result.counts) >= 1, how


def test_children_sharing_a_malformed_upn_are_said_to_share_it():
    # Only well-formed UPNs had been compared: two children given the same lower-case one
    # were one child twice, unsaid. UN codes say why there is none: never shared.
    from carejsna.returns.quality import _shared_upn

    children = pd.DataFrame({
        "year": 2024, "source_row": [2, 3, 4, 5], "child_id": ["A", "B", "C", "D"],
        "upn": ["a123456789012", "a123456789012", "UN2", "UN2"],
    })  # fmt: skip
    said = [(p.row, p.problem) for p in _shared_upn(children)]
    assert (2, "the same UPN as another child in this return (CHILD A, B)") in said
    assert not [row for row, problem in said if row in (4, 5)]


def test_a_return_holding_its_childrens_earlier_episodes_counts_the_years_own(tmp_path):
    """A system's export of every episode its children ever had: 2024's episodes.csv also held
    2023's 1,888 closed episodes. Kept as each child's history, they had also made 2,368
    children of 2024's 2,093 (their districts counted Unknown or outside the council) and 468
    notes of an episode's child not in the header. Now the year's children are its own, and
    the check says how many episodes are history."""
    for year in ("2023", "2024"):
        shutil.copytree(ROOT / "demo" / "returns" / year, tmp_path / "clean" / year)
    shutil.copy(ROOT / "demo" / "returns" / "council.toml", tmp_path / "clean")
    shutil.copytree(tmp_path / "clean", tmp_path / "history")
    episodes = tmp_path / "history" / "2024" / "episodes.csv"
    earlier = pd.read_csv(tmp_path / "clean" / "2023" / "episodes.csv", dtype=str)
    closed = earlier[earlier["DEC"].notna()]
    pd.concat([closed, pd.read_csv(episodes, dtype=str)]).to_csv(episodes, index=False)
    clean, history = (quality.check(tmp_path / name) for name in ("clean", "history"))
    assert history.problems.empty and clean.problems.empty
    counts, own = (r.counts.set_index("Year") for r in (history, clean))
    assert counts.loc[2024, quality.EARLIER] == len(closed) == 1888
    assert counts.loc[2024, "Episodes loaded"] == own.loc[2024, "Episodes loaded"] + len(closed)
    same = counts.columns.difference(
        [quality.EARLIER, "Episodes loaded", "Short-break episodes (counted in no figure)"]
    )
    assert_frame_equal(counts[same], own[same])  # children, districts, Unknown: the year's
