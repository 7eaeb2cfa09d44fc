"""Reading returns as they really come: odd encodings, shapes and folders read or refused."""

from __future__ import annotations

import codecs
import shutil
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from carejsna.returns import read as read_mod
from carejsna.returns.quality import rule_of
from carejsna.returns.read import (
    FILE_NOT_LOADED,
    NOT_SUPPLIED,
    NOTED,
    ROW_NOT_LOADED,
    read_years,
    year_folders,
)
from tests import fixture_returns

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def returns(tmp_path):
    return fixture_returns.write(tmp_path / "returns")


def refusals(problems):
    return [p for p in problems if p.action == FILE_NOT_LOADED]


def table(frames, name, year=2024):
    return next(f for f in frames[name] if (f["year"] == year).all()).drop(columns="source_row")


def test_the_fixture_reads_without_a_refusal(returns):
    frames, rows, problems = read_years(returns)
    assert refusals(problems) == []
    assert rows["2024/header.csv"] == {"read": 7, "loaded": 7}
    assert len(table(frames, "episodes")) == 9


def test_column_names_differing_only_in_case_are_refused(returns):
    path = returns / "2024" / "header.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",upn", *(line + ",X" for line in lines[1:])]) + "\n")
    [refused] = refusals(read_years(returns)[2])
    assert (refused.year, refused.file, refused.row, refused.column) == (
        2024,
        "2024/header.csv",
        1,
        "UPN",
    )
    assert "'UPN' and 'upn' differ only in case" in refused.problem


def test_column_names_with_spaces_for_underscores_are_read(returns):
    """ "Home Post" had been a column of its own, HOME_POST said missing and read as blank:
    every child of the year in the Unknown district, with only a note."""
    path = returns / "2024" / "episodes.csv"
    lines = path.read_text().splitlines()
    names = lines[0].replace("HOME_POST", "Home Post").replace("PL_POST", " pl  post ")
    path.write_text("\n".join([names, *lines[1:]]) + "\n")
    frames, _, problems = read_years(returns)
    assert [p for p in problems if p.file == "2024/episodes.csv"] == []
    assert table(frames, "episodes")["home_postcode"].notna().all()


def test_a_repeated_column_name_is_refused(returns):
    path = returns / "2024" / "episodes.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([lines[0] + ",LS", *(line + ",C2" for line in lines[1:])]) + "\n")
    [refused] = refusals(read_years(returns)[2])
    assert (refused.file, refused.column) == ("2024/episodes.csv", "LS")
    assert "the column LS appears 2 times" in refused.problem


@pytest.mark.parametrize(("separator", "kind"), [("\t", "tab"), (";", "semicolon")])
def test_a_file_separated_by_tabs_or_semicolons_is_refused_saying_so(returns, separator, kind):
    path = returns / "2024" / "episodes.csv"
    path.write_text(path.read_text().replace(",", separator))
    [refused] = refusals(read_years(returns)[2])
    assert (refused.file, refused.row) == ("2024/episodes.csv", 1)
    assert refused.problem == (
        f"cannot be read as CSV: the file looks {kind}-separated (its first row holds {kind}s, "
        "not commas): returns are comma-separated CSV; save it as CSV UTF-8"
    )


@pytest.mark.parametrize(
    ("name", "misnamed", "said"),
    [
        ("episodes", "episodes.txt", "required file missing"),
        ("episodes", "episode.csv", "required file missing"),
        ("population", "Population.txt", "optional file not supplied"),
        # the year or the return's name beside it had been said nothing of
        ("header", "header_2023-24.csv", "required file missing"),
        ("episodes", "SSDA903_Episodes_2024.csv", "required file missing"),
        ("population", "903 Population 2024.csv", "optional file not supplied"),
    ],
)
def test_a_missing_file_names_a_file_named_nearly_like_it(returns, name, misnamed, said):
    (returns / "2024" / f"~${name}.xlsx").write_bytes(b"")  # a spreadsheet's lock file: never
    (returns / "2024" / f"{name}.csv").rename(returns / "2024" / misnamed)
    [missing] = [p for p in read_years(returns)[2] if p.file == f"2024/{name}.csv"]
    assert missing.problem == f"{said} (found {misnamed}: did you mean {name}.csv?)"


def test_two_files_differing_only_in_case_are_refused(returns):
    (returns / "2024" / "HEADER.CSV").write_bytes((returns / "2024" / "header.csv").read_bytes())
    [refused] = refusals(read_years(returns)[2])
    assert refused.file == "2024/HEADER.CSV and 2024/header.csv"
    assert "differ only in case" in refused.problem


@pytest.mark.parametrize("header_comma", [False, True])
def test_a_trailing_comma_on_every_data_row_is_read_without_shifting(returns, header_comma):
    clean = table(read_years(returns)[0], "population")
    for name in ("population.csv", "header.csv"):
        path = returns / "2024" / name
        lines = path.read_text().splitlines()
        first = lines[0] + ("," if header_comma else "")
        path.write_text("\n".join([first, *(line + "," for line in lines[1:])]) + "\n")
    frames, rows, problems = read_years(returns)
    assert refusals(problems) == []
    pd.testing.assert_frame_equal(table(frames, "population"), clean)
    assert table(frames, "children")["child_id"].tolist()[:2] == ["A1", "B2"]  # not the SEX
    assert rows["2024/population.csv"] == {"read": 72, "loaded": 72}
    noted = [p for p in problems if "trailing comma" in p.problem]
    assert [(p.file, p.action) for p in noted] == [
        ("2024/header.csv", NOTED),
        ("2024/population.csv", NOTED),
    ]


def test_rows_cut_short_or_too_long_are_reported_and_left_out(returns):
    path = returns / "2024" / "header.csv"
    lines = path.read_text().splitlines()
    lines[2] = "B2,2,01/01/2010"  # cut short after DOB
    lines[3] = lines[3] + ",surplus"  # one value too many
    path.write_text("\n".join(lines) + "\n")
    frames, rows, problems = read_years(returns)
    found = {(p.file, p.row, p.column, p.action): p.problem for p in problems}
    assert "cut short" in found[("2024/header.csv", 3, "ETHNIC", ROW_NOT_LOADED)]
    assert "cannot be matched" in found[("2024/header.csv", 4, "", ROW_NOT_LOADED)]
    assert rows["2024/header.csv"] == {"read": 7, "loaded": 5}
    assert "B2" not in set(table(frames, "children")["child_id"])


@pytest.mark.parametrize(
    ("name", "action"),
    [
        ("2024-25", FILE_NOT_LOADED),
        ("24", FILE_NOT_LOADED),
        ("0000", FILE_NOT_LOADED),
        ("1066", FILE_NOT_LOADED),
        ("2100", FILE_NOT_LOADED),
        ("9999", FILE_NOT_LOADED),
        ("notes", NOTED),
    ],
)
def test_folders_that_are_not_plausible_years_are_reported(returns, name, action):
    (returns / name).mkdir()
    (returns / name / "header.csv").write_text(fixture_returns.HEADER + "\n")
    (returns / "benchmarks").mkdir()  # read by the build, not a year
    frames, _, problems = read_years(returns)
    [found] = [p for p in problems if p.year is None]
    assert (found.file, found.value, found.action) == (f"{name}/", name, action)
    assert "not a year folder" in found.problem
    assert {int(y) for f in frames["episodes"] for y in f["year"]} == {2023, 2024}


@pytest.mark.parametrize(
    ("name", "said"),
    [("2023-24", ": rename it 2024/"), ("FY 2023_2024", ": rename it 2024/"), ("2023-25", ""),
     ("FY2024", ": rename it 2024/ if it holds the return ending 31 March 2024, or move it out "
      "of the returns folder"),
     ("2023_old", ": rename it 2023/ if it holds the return ending 31 March 2023, or move it "
      "out of the returns folder")],
)  # fmt: skip
def test_a_folder_named_for_the_two_years_it_spans_is_told_its_name(returns, name, said):
    (returns / name).mkdir()
    [found] = [p for p in read_years(returns)[2] if p.year is None]
    assert found.problem.endswith(f"(2024/ for 1 April 2023 to 31 March 2024){said}")


def test_a_year_missing_between_two_held_is_said(tmp_path):
    for year in (2021, 2024):
        (tmp_path / str(year)).mkdir()
    years, problems = year_folders(tmp_path)
    assert [y for y, _ in years] == [2021, 2024]
    assert [(p.file, p.action) for p in problems] == [("2022/ to 2023/", NOT_SUPPLIED)]
    assert problems[0].problem == (
        "no return for 2022 to 2023, between the years held (2021 to 2024): 2024's figures are "
        "not compared with the year before"
    )
    assert rule_of(pd.DataFrame([asdict(p) for p in problems])).tolist() == ["file"]
    (tmp_path / "2023").mkdir()
    [problem] = year_folders(tmp_path)[1]
    assert problem.file == "2022/" and problem.problem.startswith("no return for 2022, between")


@pytest.mark.parametrize(
    ("names", "said"),
    [(lambda h: h.replace("ETHNIC", "Ethnicity"), "; ETHNICITY for ETHNIC?"),
     (lambda h: "SSDA903 header 2023-24\n" + h,
      ": its first row is not the column names (a title or a blank row above them?)")],
)  # fmt: skip
def test_a_required_column_renamed_is_refused_saying_which_it_may_be(returns, names, said):
    path = returns / "2024" / "header.csv"
    head, rest = path.read_text().split("\n", 1)
    path.write_text(names(head) + "\n" + rest)
    [refused] = refusals(read_years(returns)[2])
    assert refused.file == "2024/header.csv" and refused.problem.endswith(said)


def test_a_file_without_its_postcodes_is_refused_not_read_as_every_child_unknown(returns):
    # Read as blank, HOME_POST renamed had put every child in the Unknown district, with only a
    # note; the build had gone on to show every district's figure as 0.
    path = returns / "2024" / "episodes.csv"
    head, rest = path.read_text().split("\n", 1)
    path.write_text(head.replace("HOME_POST", "HOME_POSTCODE") + "\n" + rest)
    [refused] = refusals(read_years(returns)[2])
    assert (refused.file, refused.column) == ("2024/episodes.csv", "HOME_POST")
    assert refused.problem.endswith("; HOME_POSTCODE for HOME_POST?")


def test_a_file_short_of_a_column_is_not_said_to_be_another_file(returns):
    """A review found header.csv without ETHNIC (CHILD, SEX, DOB left, as uasc.csv has them)
    refused as "its columns are uasc.csv's (the files' names swapped?)"."""
    path = returns / "2024" / "header.csv"
    edit_csv(path, lambda rows: rows.__setitem__(slice(None), [r[:3] for r in rows]))
    [refused] = refusals(read_years(returns)[2])
    assert refused.file == "2024/header.csv" and "ETHNIC" in refused.column
    assert "swapped" not in refused.problem, refused.problem


def test_files_whose_names_are_swapped_are_refused_saying_so(returns):
    header, episodes = returns / "2024" / "header.csv", returns / "2024" / "episodes.csv"
    header.rename(returns / "header.csv")
    episodes.rename(header)
    (returns / "header.csv").rename(episodes)
    refused = refusals(read_years(returns)[2])
    assert [(p.file, p.problem.split("): ")[-1]) for p in refused] == [
        ("2024/header.csv", "its columns are episodes.csv's (the files' names swapped?)"),
        ("2024/episodes.csv", "its columns are header.csv's (the files' names swapped?)"),
    ]


def test_the_column_names_again_inside_a_file_are_one_row_not_loaded(returns):
    """A file pasted in twice: its second row of column names had been a row of values, each
    'not a valid SEX code', 'not a dd/mm/yyyy date' and the like."""
    path = returns / "2024" / "header.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[0].lower()]) + "\n")
    problems = read_years(returns)[2]
    said = [(p.row, p.problem, p.action) for p in problems if p.file == "2024/header.csv"]
    assert said == [(len(lines) + 1, "the column names again (the file pasted in twice, or files "
                     "joined?)", ROW_NOT_LOADED)]  # fmt: skip


def test_files_in_a_folder_inside_the_year_folder_are_said_to_be_there(returns):
    """A zip file unpacked as 2024/SSDA903/header.csv...: 'required file missing', and the
    files beside it not supplied, said nothing of where they were."""
    (returns / "2024" / "SSDA903").mkdir()
    for path in list((returns / "2024").glob("*.csv")):
        path.rename(returns / "2024" / "SSDA903" / path.name.upper())
    refused = refusals(read_years(returns)[2])
    assert [(p.file, p.problem) for p in refused] == [
        (f"2024/{name}.csv", f"required file missing (found 2024/SSDA903/{name.upper()}.CSV: "
         "move the files up into 2024/, as a zip file unpacked into a folder of its own leaves "
         "them)")
        for name in ("header", "episodes")
    ]  # fmt: skip


def test_the_folder_above_the_year_folders_given_says_which_to_give(tmp_path, returns):
    """returns/SSDA903/2024/...: 'SSDA903/: not a year folder: name each year's folder by
    the year its return ends', as if SSDA903 were to be renamed."""
    shutil.move(returns, tmp_path / "above" / "SSDA903")
    [inside, none] = read_years(tmp_path / "above")[2]
    assert (inside.file, inside.action) == ("SSDA903/", NOTED)
    assert inside.problem == (
        "not a year folder, but it holds year folders (2023/, 2024/): not read (to read them, "
        f"give {tmp_path / 'above' / 'SSDA903'})"
    )
    assert none.action == FILE_NOT_LOADED and "no year folders" in none.problem


@pytest.mark.parametrize(
    "encode",
    [
        lambda text: codecs.BOM_UTF8 + text.encode(),
        lambda text: text.encode("utf-16"),  # with its byte-order mark
        lambda text: text.encode("utf-32"),
        lambda text: text.replace("\n", "\r\n").encode(),
    ],
)
def test_unambiguous_encodings_read_the_same(returns, encode):
    clean = table(read_years(returns)[0], "children")
    path = returns / "2024" / "header.csv"
    path.write_bytes(encode(path.read_text()))
    frames, _, problems = read_years(returns)
    assert refusals(problems) == []
    pd.testing.assert_frame_equal(table(frames, "children"), clean)


@pytest.mark.parametrize(
    ("content", "row", "words"),
    [
        (
            fixture_returns.HEADER + "\nA1,1,15/06/2012,WBRI,\xc9tienne,,\n",
            2,
            "byte 0xc9 on line 2",
        ),
        ((fixture_returns.HEADER + "\n").encode("utf-16-le"), 1, "NUL bytes"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, "cannot be read as UTF-8"),
        (b"", None, "the file is empty"),
        (b"\n\n  \n", None, "the file is empty"),
        # a workbook renamed .csv had been refused as not UTF-8 'byte 0x.. on line ..'
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", None,
         "it is an Excel workbook (.xlsx) or another zip file, named .csv: open it and save it "
         "as CSV UTF-8"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", None, "an Excel 97-2003 workbook (.xls)"),
    ],
)  # fmt: skip
def test_ambiguous_encodings_binary_and_empty_files_are_refused(returns, content, row, words):
    if isinstance(content, str):
        content = content.encode("latin-1")
    (returns / "2024" / "header.csv").write_bytes(content)
    [refused] = refusals(read_years(returns)[2])
    assert (refused.year, refused.file, refused.row) == (2024, "2024/header.csv", row)
    assert words in refused.problem


def test_formulas_and_huge_values_are_reported_not_trusted(returns):
    path = returns / "2024" / "header.csv"
    lines = path.read_text().splitlines()
    lines[1] = 'A1,1,15/06/2012,WBRI,"=HYPERLINK(""http://x"")",,'
    lines[2] = "B2," + "9" * 400 + ",01/01/2010,WBRI,B123456789012,0,"
    lines[3] = "C3,1,01/01/2015,WBRI," + "U" * 20_000 + ",,"
    lines[4] = "D" * 60 + ",2,01/02/2020,MWBC,D123456789012,,"
    path.write_text("\n".join(lines) + "\n")
    frames, _, problems = read_years(returns)
    found = {(p.row, p.column): (p.problem, p.action, p.value) for p in problems}
    assert found[(2, "UPN")][:2] == (
        "starts like a spreadsheet formula: kept as text (a CSV download writes it with a "
        "leading ')",
        NOTED,
    )
    assert found[(3, "SEX")][:2] == ("not a valid SEX code", "value left blank")
    assert len(found[(3, "SEX")][2]) == 203  # the value cut short in the report
    assert found[(4, "UPN")][:2] == ("a value over 10,000 characters long", ROW_NOT_LOADED)
    assert found[(5, "CHILD")][:2] == (
        "not an id: too long, or holds control characters",
        ROW_NOT_LOADED,
    )
    assert sorted(table(frames, "children")["child_id"]) == ["A1", "B2", "E5", "F6", "G7"]


def test_huge_numbers_are_out_of_range_not_overflow(returns):
    path = returns / "2024" / "population.csv"
    lines = path.read_text().splitlines()
    lines[1] = lines[1].rsplit(",", 1)[0] + ",1e400"
    lines[2] = lines[2].rsplit(",", 1)[0] + "," + "9" * 30
    path.write_text("\n".join(lines) + "\n")
    _, rows, problems = read_years(returns)
    found = [(p.row, p.column, p.action) for p in problems if p.file == "2024/population.csv"]
    assert found[:2] == [(2, "POPULATION", ROW_NOT_LOADED), (3, "POPULATION", ROW_NOT_LOADED)]
    assert rows["2024/population.csv"] == {"read": 72, "loaded": 70}
    # and the district is then short of those rows (its rate would be over part of it): the
    # build stops
    assert found[2:] == [(4, "DISTRICT", FILE_NOT_LOADED)]


def edit_csv(path, change):
    """A CSV file rewritten: change(rows) edits its rows (header first) in place."""
    rows = [line.split(",") for line in path.read_text().splitlines()]
    change(rows)
    path.write_text("\n".join(",".join(row) for row in rows) + "\n")


def column(rows, name, change):
    at = rows[0].index(name)
    for row in rows[1:]:
        row[at] = change(row[at]) if row[at] else row[at]


@pytest.mark.parametrize(
    ("file", "change", "said"),
    [
        # the building blocks of the figures, which would otherwise count wrongly, in silence
        ("population.csv",
         lambda rows: rows.__setitem__(slice(None), [r for r in rows if r[3] != "2"
                                                     or r[0] != fixture_returns.ASHFIELD]),
         f"DISTRICT '{fixture_returns.ASHFIELD}': no usable row for age 0 sex 2, age 1 sex 2"),
        ("episodes.csv", lambda rows: rows[0].__setitem__(rows[0].index("DEC"), "DATE_CEASED"),
         "DEC: required column missing"),
        ("episodes.csv", lambda rows: rows[0].__setitem__(rows[0].index("REC"), "RECEASED"),
         "REC: required column missing"),
        ("episodes.csv",
         lambda rows: column(rows, "DEC", lambda d: f"{d[6:]}-{d[3:5]}-{d[:2]}"),
         "no value in this date column reads as a dd/mm/yyyy date"),
        ("episodes.csv", lambda rows: column(rows, "CHILD", lambda c: c + ".0"),
         "episodes' CHILD are in no row of the year's header"),
        # a long id as a spreadsheet shows it: its digits lost, two children made one
        ("header.csv", lambda rows: column(rows, "CHILD", lambda c: "1.01E+05" if c < "C" else c),
         "CHILD '1.01E+05': 2 ids written as a spreadsheet shows a long number (1.01E+05)"),
    ],
)  # fmt: skip
def test_a_file_that_would_count_wrongly_in_silence_is_refused(returns, file, change, said):
    """Each of these had built (exit 0) with a figure wrong and nothing or a note said: a
    district's population short of its girls doubled its rate; a DEC or REC column misnamed
    left every episode open, or none ceased; dates another way (ISO, month first) were blanked
    or read with day and month swapped; ids a spreadsheet rewrote matched no child, or (in
    scientific notation) made two children one, the other's header row left out."""
    edit_csv(returns / "2024" / file, change)
    refused = refusals(read_years(returns)[2])
    assert [p.file for p in refused] == [f"2024/{file}"], refused
    assert said in f"{refused[0].column}: {refused[0].problem}" or said in (
        f"{refused[0].column} '{refused[0].value}': {refused[0].problem}"
    ), refused[0]


def test_every_date_column_written_another_way_is_said_at_once(returns):
    # A data officer had fixed DECOM to be refused for DEC on the next run.
    iso = lambda d: f"{d[6:]}-{d[3:5]}-{d[:2]}"  # noqa: E731
    edit_csv(returns / "2024" / "episodes.csv", lambda rows: column(rows, "DECOM", iso))
    edit_csv(returns / "2024" / "episodes.csv", lambda rows: column(rows, "DEC", iso))
    refused = refusals(read_years(returns)[2])
    assert [(p.file, p.column) for p in refused] == [
        ("2024/episodes.csv", "DECOM"),
        ("2024/episodes.csv", "DEC"),
    ]


def test_a_wrong_code_is_said_as_the_file_has_it(returns):
    # "ETHNIC 'WHITE BRITISH'" had sent a data officer looking for capitals the file lacks.
    edit_csv(
        returns / "2024" / "header.csv",
        lambda rows: column(rows, "ETHNIC", lambda _: "White British"),
    )
    found = [p for p in read_years(returns)[2] if p.column == "ETHNIC"]
    assert found and {p.value for p in found} == {"White British"}
    assert found[0].problem.startswith("not a valid ETHNIC code")


@pytest.fixture
def demo_years(tmp_path):
    """The demo's last two years' returns."""
    for year in ("2023", "2024"):
        shutil.copytree(ROOT / "demo" / "returns" / year, tmp_path / year)
    shutil.copy(ROOT / "demo" / "returns" / "council.toml", tmp_path)
    return tmp_path


def test_dates_month_first_are_refused_not_swapped(demo_years):
    """Dates written month first: those with a day over 12 had been blanked, the rest read
    with day and month swapped, in silence (2024's children in care 1,128 became 1,467)."""
    edit_csv(demo_years / "2024" / "episodes.csv",
             lambda rows: column(rows, "DEC", lambda d: f"{d[3:5]}/{d[:2]}/{d[6:]}"))  # fmt: skip
    [refused] = refusals(read_years(demo_years)[2])
    assert (refused.file, refused.column) == ("2024/episodes.csv", "DEC")
    assert "these dates read as month/day/year, not dd/mm/yyyy" in refused.problem
    assert int(refused.value.split("/")[1]) > 12  # the value that shows it


def test_another_years_return_in_a_year_folder_is_refused(demo_years):
    """2023's files copied into 2024/: every episode ended before 2023-24 or is still open;
    2024's ceased children were 0, its children in care 2023's."""
    for name in ("header.csv", "episodes.csv"):
        shutil.copy(demo_years / "2023" / name, demo_years / "2024" / name)
    [refused] = refusals(read_years(demo_years)[2])
    assert refused.file == "2024/episodes.csv"
    assert "no episode starts or ends in the year to 31 March 2024" in refused.problem
    assert "another year's return in the 2024 folder?" in refused.problem


def test_header_files_swapped_between_years_are_refused(demo_years):
    """2023's header.csv in 2024/ and 2024's in 2023/: it built, exit 0, a fifth to a third
    of each year's children with sex, age and ethnicity unknown (under the threshold that
    refuses ids written otherwise), the rest described as the other year's header has them."""
    for year in ("2023", "2024"):
        (demo_years / year / "header.csv").rename(demo_years / f"{year}.csv")
    for year, other in (("2023", "2024"), ("2024", "2023")):
        (demo_years / f"{other}.csv").rename(demo_years / year / "header.csv")
    refused = refusals(read_years(demo_years)[2])
    assert [(p.file, p.column) for p in refused] == [
        ("2023/header.csv", "CHILD"), ("2024/header.csv", "CHILD")
    ]  # fmt: skip
    assert "the 2024 return's header in the 2023 folder (header files swapped or copied " \
        "between years)?" in refused[0].problem  # fmt: skip
    assert "275 of the 1586 children in 2023/episodes.csv are in no row of this header, but " \
        "1645 of the 1645 in 2024/episodes.csv are in it" in refused[0].problem  # fmt: skip


def test_a_header_of_only_the_children_in_care_at_31_march_is_not_another_years(demo_years):
    """Short of the year's children who left care, it holds neither year's every child: its
    episodes without a child are noted, as before, and it is not refused as 2023's."""
    episodes = pd.read_csv(demo_years / "2024" / "episodes.csv", dtype=str)
    in_care = set(episodes.loc[episodes["DEC"].isna(), "CHILD"])
    edit_csv(demo_years / "2024" / "header.csv",
             lambda rows: rows.__setitem__(slice(1, None),
                                           [r for r in rows[1:] if r[0] in in_care]))  # fmt: skip
    problems = read_years(demo_years)[2]
    assert refusals(problems) == []


def test_a_header_of_some_children_beside_a_part_year_of_the_same_is_not_another_years(
    demo_years,
):
    """A review found 2024's header of the children in care at 31 March (short of its own
    year's) refused as 2025's where 2025's folder holds a part year of children nearly all
    still in care from 2024: 2025's own header holds them as fully."""
    episodes = pd.read_csv(demo_years / "2024" / "episodes.csv", dtype=str)
    in_care = set(episodes.loc[episodes["DEC"].isna(), "CHILD"])
    shutil.copytree(demo_years / "2024", demo_years / "2025")
    edit_csv(demo_years / "2024" / "header.csv",
             lambda rows: rows.__setitem__(slice(1, None),
                                           [r for r in rows[1:] if r[0] in in_care]))  # fmt: skip

    def still_open(rows):  # 2025's episodes: 2024's open at 31 March
        rows[1:] = [r for r in rows[1:] if r[0] in in_care and not r[7]]

    edit_csv(demo_years / "2025" / "episodes.csv", still_open)
    problems = read_years(demo_years)[2]
    assert "2024/header.csv" not in {p.file for p in refusals(problems)}, refusals(problems)


def test_a_header_copied_into_the_next_years_folder_is_refused_there_alone(demo_years):
    shutil.copy(demo_years / "2023" / "header.csv", demo_years / "2024" / "header.csv")
    [refused] = refusals(read_years(demo_years)[2])
    assert refused.file == "2024/header.csv"
    assert "the 2023 return's header in the 2024 folder" in refused.problem


@pytest.mark.parametrize(
    ("year", "change", "here", "there"),
    [("2024", lambda c: c + ".0", "100762.0", "100762"),
     ("2023", lambda c: "00" + c, "100762", "00100762")],
)  # fmt: skip
def test_a_years_ids_written_otherwise_than_the_year_befores_are_refused(
    demo_years, year, change, here, there
):
    """A year's ids saved by a spreadsheet (100762.0; 00100762's leading zeros lost), the same
    in each of its files, so each file matched the others: it built, exit 0, each child two
    children across the years (2023's placement moves 680 became 1,049), with notes only."""
    for name in ("header", "episodes", "uasc", "oc2", "oc3", "education"):
        edit_csv(demo_years / year / f"{name}.csv", lambda rows: column(rows, "CHILD", change))
    [refused] = refusals(read_years(demo_years)[2])
    assert (refused.file, refused.row, refused.column, refused.value) == (
        "2024/episodes.csv", 2, "CHILD", here
    )  # fmt: skip
    assert f"in 2023/episodes.csv with their CHILD written otherwise (here '{here}', there " \
        f"'{there}')" in refused.problem  # fmt: skip


@pytest.mark.parametrize("years", [("2023", "2024"), ("2022", "2023", "2024")])
def test_ids_rewritten_are_refused_in_the_file_that_holds_them(tmp_path, years):
    """A review found the refusal always put on the later year's file: 2023's ids rewritten
    (100762.0) had 2024's file refused too, or alone where 2023 came first, though 2024's ids
    were written as the other years'. Now the file with .0 (or without the zeros) is named."""
    for year in years:
        shutil.copytree(ROOT / "demo" / "returns" / year, tmp_path / year)
    shutil.copy(ROOT / "demo" / "returns" / "council.toml", tmp_path)
    for name in ("header", "episodes", "uasc", "oc2", "oc3", "education"):
        edit_csv(
            tmp_path / "2023" / f"{name}.csv",
            lambda rows: column(rows, "CHILD", lambda c: c + ".0"),
        )
    [refused] = refusals(read_years(tmp_path)[2])
    assert (refused.file, refused.column) == ("2023/episodes.csv", "CHILD")
    assert refused.value.endswith(".0") and f"here '{refused.value}', there '" in refused.problem


def test_every_year_whose_ids_were_rewritten_is_refused_at_once(tmp_path):
    """2023's and 2024's ids both rewritten (100762.0): 2024's matched 2023's, so only 2023
    was refused, and a data officer who wrote 2023's again was refused a second time, for
    2024."""
    for year in ("2022", "2023", "2024"):
        shutil.copytree(ROOT / "demo" / "returns" / year, tmp_path / year)
    shutil.copy(ROOT / "demo" / "returns" / "council.toml", tmp_path)
    for year in ("2023", "2024"):
        for name in ("header", "episodes", "uasc", "oc2", "oc3", "education"):
            edit_csv(
                tmp_path / year / f"{name}.csv",
                lambda rows: column(rows, "CHILD", lambda c: c + ".0"),
            )
    refused = refusals(read_years(tmp_path)[2])
    assert [(r.file, r.column) for r in refused] == [
        ("2023/episodes.csv", "CHILD"), ("2024/episodes.csv", "CHILD")
    ]  # fmt: skip
    assert "in 2022/episodes.csv with their CHILD written otherwise" in refused[1].problem


def test_a_header_a_spreadsheet_rewrote_is_the_file_refused(demo_years):
    """2024's header saved as 100762.0, its episodes right: the refusal had named
    2024/episodes.csv, the file that was right, and no row of the header."""
    edit_csv(demo_years / "2024" / "header.csv",
             lambda rows: column(rows, "CHILD", lambda c: c + ".0"))  # fmt: skip
    [refused] = refusals(read_years(demo_years)[2])
    assert (refused.file, refused.row, refused.column, refused.value) == (
        "2024/header.csv", 2, "CHILD", "100762.0"
    )  # fmt: skip
    assert "in 2024/episodes.csv are in no row of this header" in refused.problem
    assert "(here '100762.0', there '100762')" in refused.problem


@pytest.mark.parametrize(
    ("name", "as_name", "number"), [("SEX", "sex", "{}.0"), ("MOTHER", "is_mother", "{}.00")]
)
def test_codes_a_spreadsheet_wrote_as_numbers_are_read_as_the_codes(returns, name, as_name, number):
    """SEX saved as 1.0 and 2.0: every child's sex was blanked as not a code, a note per row
    (2,093 on the demo's 2024), and the figures by sex built with every child unknown."""
    right = table(read_years(returns)[0], "children")
    edit_csv(returns / "2024" / "header.csv",
             lambda rows: column(rows, name, lambda v: number.format(v)))  # fmt: skip
    frames, _, problems = read_years(returns)
    assert_frame_equal(table(frames, "children"), right)
    [said] = [p for p in problems if p.file == "2024/header.csv"]
    given = right[as_name].dropna()
    assert (said.column, said.action) == (name, NOTED)
    assert f"{len(given)} code" in said.problem and "written as a spreadsheet writes a number" in (
        said.problem
    )


@pytest.mark.parametrize("time", [" 00:00", " 00:00:00"])
def test_dates_a_spreadsheet_wrote_with_midnight_are_read_as_the_days(returns, time):
    """DECOM and DEC saved as '27/01/2023 00:00': every episode had been refused, 'no value
    in this date column reads as a dd/mm/yyyy date', though each held its day as DfE writes."""
    right = table(read_years(returns)[0], "episodes")

    def midnight(rows):
        for name in ("DECOM", "DEC"):
            column(rows, name, lambda d: d + time)

    edit_csv(returns / "2024" / "episodes.csv", midnight)
    frames, _, problems = read_years(returns)
    assert refusals(problems) == []
    assert_frame_equal(table(frames, "episodes"), right)


@pytest.mark.parametrize(
    ("change", "said"),
    [(lambda d: f"{d[6:]}-{d[3:5]}-{d[:2]} 00:00:00", "written year first (2023-04-01)"),
     (lambda d: d[:6] + d[8:], "written with a two-digit year (01/04/23)"),
     (lambda d: d.replace("/", "-"), "written with dashes or dots (01-04-2023)")],
)  # fmt: skip
def test_a_date_column_written_another_way_is_refused_saying_how(returns, change, said):
    """The refusal had named the column and a value, not what was wrong with it."""
    edit_csv(returns / "2024" / "episodes.csv", lambda rows: column(rows, "DECOM", change))
    [refused] = refusals(read_years(returns)[2])
    assert (refused.file, refused.column) == ("2024/episodes.csv", "DECOM")
    assert f"reads as a dd/mm/yyyy date: they are {said}; save the column as dd/mm/yyyy" in (
        refused.problem
    )


def test_numbers_a_spreadsheet_wrote_with_commas_are_read_as_the_numbers(returns):
    """population.csv's 1,693 (a number formatted for reading): every row had been left out
    as 'not a whole number', the year's rates lost."""
    right = table(read_years(returns)[0], "population")
    edit_csv(returns / "2024" / "population.csv",
             lambda rows: column(rows, "POPULATION", lambda v: f'"{int(v) + 1000:,}"'))  # fmt: skip
    frames, _, problems = read_years(returns)
    read = table(frames, "population")
    assert (read["population"] == right["population"] + 1000).all() and len(read) == len(right)
    [said] = [p for p in problems if p.file == "2024/population.csv"]
    assert (said.column, said.action) == ("POPULATION", NOTED)
    assert f"{len(right)} numbers written with a comma (" in said.problem


def test_a_comma_is_read_only_where_it_can_mean_one_thing(returns):
    """A count's thousands (1,693) and a score's decimal comma (31,8) are read; what could be
    either, or neither, is refused as written: a review found 0,075 read as 75 (a score in
    range, loaded with one note for the column), and 45,125 refused as '45125'."""
    read_as = {
        "int": {"1,693": "1693", "12,345,678": "12345678", "0,075": "0,075", "1,69": "1,69",
                "693": "693"},
        "number": {"31,8": "31.8", "31,85": "31.85", "0,075": "0,075", "45,125": "45,125",
                   "31.8": "31.8"},
    }  # fmt: skip
    for kind, pairs in read_as.items():
        assert list(read_mod._numbers_plain(pd.Series(list(pairs)), kind)) == list(pairs.values())

    def written(value):
        return f'"0,{int(value) % 1000:03d}"'

    edit_csv(returns / "2024" / "population.csv", lambda rows: column(rows, "POPULATION", written))
    problems = read_years(returns)[2]
    said = [p for p in problems if (p.file, p.column) == ("2024/population.csv", "POPULATION")]
    assert len(said) > 1 and NOTED not in {p.action for p in said}  # each refused, not read
    assert all(p.value.startswith("0,") for p in said)  # quoted as the file writes it


def test_a_repeated_row_is_quoted_as_the_file_writes_it(returns):
    path = returns / "2024" / "episodes.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join([*lines, lines[1]]) + "\n")
    problems = read_years(returns)[2]
    repeated = [p for p in problems if "repeats an earlier row's key" in p.problem]
    child, start = lines[1].split(",")[:2]
    assert [(p.file, p.row, p.value) for p in repeated] == [
        ("2024/episodes.csv", len(lines) + 1, f"{child}, {start}")
    ]  # the day as dd/mm/yyyy, not as the build holds it


def test_a_stray_quote_names_every_row_it_swallows(returns):
    """A quote opened and not closed reads on to the next quote or the end: the rows below it
    had vanished unreported (one row said cut short, 31 more lost), or the file was refused at
    a row far below the quote."""
    path = returns / "2024" / "episodes.csv"
    lines = path.read_text().splitlines()
    lines[2] = '"' + lines[2]
    path.write_text("\n".join(lines) + "\n")
    _, rows, problems = read_years(returns)
    lost = [(p.row, p.action) for p in problems if p.file == "2024/episodes.csv"]
    assert lost == [(row, ROW_NOT_LOADED) for row in range(3, len(lines) + 1)]
    assert rows["2024/episodes.csv"] == {"read": len(lines) - 1, "loaded": 1}
    path.write_text("\n".join([lines[0], '"' + lines[1], *(["x" * 70_000] * 3)]) + "\n")
    [refused] = [p for p in read_years(returns)[2] if p.action == FILE_NOT_LOADED]
    assert refused.row == 2 and "a quote opened here and not closed?" in refused.problem


def test_one_odd_date_in_a_sparse_column_is_its_rows_not_the_files(returns):
    """A column written another way is refused where a few of its values show it; one slip
    among fewer is reported in its row and blanked, as before."""
    edit_csv(returns / "2024" / "header.csv",
             lambda rows: rows[1].__setitem__(rows[0].index("MC_DOB"), "2019-05-01"))  # fmt: skip
    problems = read_years(returns)[2]
    assert refusals(problems) == []
    assert [(p.file, p.row, p.column, p.value) for p in problems
            if "not a dd/mm/yyyy date" in p.problem] == [
        ("2024/header.csv", 2, "MC_DOB", "2019-05-01")
    ]  # fmt: skip
