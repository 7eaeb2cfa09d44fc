"""Benchmarks: the shipped England and East Midlands figures, and how a bad benchmark file is
reported."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from carejsna import charts
from carejsna.catalogue import catalogue
from carejsna.returns import benchmarks
from carejsna.returns.benchmarks import SHIPPED, from_official, load
from carejsna.returns.read import FILE_NOT_LOADED, NOTED, ROW_NOT_LOADED, FileProblem

# CI clones main with shared/ beside it; elsewhere the tests that need it are skipped.
REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference-data"
OFFICIAL, DERIVED = "official_indicators.csv", "official_derived_percentages.csv"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = ",".join(benchmarks.COLUMNS)
GOOD = "X99000001,Example Region,region,2024,cla_at_31_march,1000,,,DfE CLA 2024,as published,OGL"
ENGLAND, EAST_MIDLANDS, NOTTINGHAMSHIRE = "E92000001", "E12000004", "E10000024"
REF_HEADER = (
    "area_code,area_name,area_type,year_ending,indicator_id,value,unit,rounding_note,"
    "source_publication,source_url"
)


def reference(name: str = OFFICIAL) -> pd.DataFrame:
    if not (REFERENCE / name).exists():
        pytest.skip(f"the reference file is not here: {REFERENCE / name}")
    return pd.read_csv(REFERENCE / name, dtype=str, keep_default_na=False)


def write(tmp_path: Path, *lines: str, name: str = "east_midlands.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def shipped() -> pd.DataFrame:
    frame, problems = load([SHIPPED])
    assert problems == []
    return frame


def test_shipped_file_loads_with_no_problems_and_catalogue_ids(shipped):
    assert len(shipped) == 536
    assert set(shipped["indicator_id"]) <= set(catalogue())
    assert shipped.dtypes["year"] == "int64" and shipped.dtypes["value"] == "float64"
    assert shipped.dtypes["derived"] == "bool" and shipped.dtypes["is_official"] == "bool"
    assert shipped["source"].str.contains("https://").all()
    assert shipped["licence"].str.startswith("Open Government Licence v3.0").all()
    assert shipped[["lower_ci", "upper_ci"]].isna().all().all()
    # Each row's release starts with the DfE publication it was read from.
    assert shipped["release"].str.match(r"DfE(,| SFR| Outcomes)").all()
    assert not shipped.duplicated(list(benchmarks.KEY)).any()


def test_only_england_and_the_east_midlands_as_a_region_are_shipped(shipped):
    areas = shipped.drop_duplicates("area_code").set_index("area_code")
    assert areas[["area_name", "area_type"]].to_dict("index") == {
        ENGLAND: {"area_name": "England", "area_type": "country"},
        EAST_MIDLANDS: {"area_name": "East Midlands", "area_type": "region"},
    }
    # Never the real council's figures: the demo county has Nottinghamshire's code.
    assert NOTTINGHAMSHIRE not in SHIPPED.read_text()


def test_derived_percentages_are_marked_and_not_official(shipped):
    derived = shipped[shipped["derived"]]
    assert len(derived) == 46
    assert (shipped["is_official"] == ~shipped["derived"]).all()
    assert derived["release"].str.contains("derived: not a DfE-published percentage").all()
    assert not shipped.loc[~shipped["derived"], "release"].str.contains("derived:").any()
    assert set(derived["year"]) == {2015, 2016, 2017}
    assert {catalogue()[i].unit for i in derived["indicator_id"]} == {"percent"}


@pytest.mark.parametrize(
    ("area", "ours", "year", "value", "derived"),
    [
        (ENGLAND, "cla_at_31_march", 2024, 83530, False),  # RY2025; first published 83,630
        (ENGLAND, "cla_started", 2022, 31100, False),  # first published 31,010 (not 30,010)
        (ENGLAND, "cla_rate_per_10k", 2024, 69, False),
        (ENGLAND, "pct_persistent_absence", 2019, 12.1, False),  # not the legacy series'
        (ENGLAND, "mean_ks4_attainment8", 2017, 19.2, False),
        (ENGLAND, "pct_placed_outside_council", 2024, 45, False),
        (ENGLAND, "pct_health_assessment", 2015, 90, True),
        (EAST_MIDLANDS, "cla_rate_per_10k", 2024, 64, False),
        (EAST_MIDLANDS, "pct_suspended", 2019, 10.48, False),
        (EAST_MIDLANDS, "pct_eet_17to18", 2017, 59, True),
    ],
)
def test_shipped_spot_values(shipped, area, ours, year, value, derived):
    row = shipped[
        (shipped["area_code"] == area)
        & (shipped["indicator_id"] == ours)
        & (shipped["year"] == year)
    ]
    assert row["value"].tolist() == [value]
    assert row["derived"].tolist() == [derived]


def test_the_release_keeps_the_first_published_figure(shipped):
    row = shipped[
        (shipped["area_code"] == ENGLAND)
        & (shipped["indicator_id"] == "cla_started")
        & (shipped["year"] == 2022)
    ]
    assert (
        row["release"]
        .item()
        .startswith(
            "DfE, Children looked after in England including adoptions, reporting year 2025"
        )
    )
    assert "first published as 31010 (CLA release RY2022)" in row["release"].item()


@pytest.mark.parametrize(
    ("ours", "years"),
    [
        ("pct_long_term_stability", {2018, 2019}),  # DfE's older definition
        ("pct_convicted", {2015, 2016}),  # final warning or reprimand, another denominator
        ("pct_development_check_under5", {2015}),  # derived over children aged 5 or younger
        ("pct_placed_over_20_miles", set(range(2015, 2026))),  # DfE divides by all in care
        ("mean_sdq", set(range(2015, 2026))),  # DfE's ages 5 to 16, ours 4 to 16
        ("pct_sdq_concern", set(range(2015, 2026))),
        ("pct_sdq_recorded", set(range(2015, 2026))),
    ],
)
def test_figures_of_another_definition_are_not_shipped(shipped, ours, years):
    rows = shipped[shipped["indicator_id"] == ours]
    assert not set(rows["year"]) & years


@pytest.mark.parametrize(
    ("theirs", "ours", "year"),
    [
        ("cla_at_31_march", "cla_at_31_march", 2024),
        ("started_in_year", "cla_started", 2018),
        ("ceased_in_year", "cla_ceased", 2024),
        ("pct_persistent_absence_cla12m", "pct_persistent_absence", 2021),
        ("pct_ks2_expected_rwm", "pct_ks2_rwm_expected", 2019),
        ("pct_ks4_grade4_eng_maths", "pct_ks4_eng_maths_4", 2024),
        ("pct_3plus_placements_in_year", "pct_3plus_placements", 2023),
        ("pct_care_leavers_19_21_eet", "pct_eet_19to21", 2024),
    ],
)
@pytest.mark.parametrize("area", [ENGLAND, EAST_MIDLANDS])
def test_shipped_values_equal_the_reference(shipped, theirs, ours, year, area):
    ref = reference()
    published = ref[
        (ref["indicator_id"] == theirs)
        & (ref["year_ending"] == f"{year}-03-31")
        & (ref["area_code"] == area)
    ]
    row = shipped[
        (shipped["indicator_id"] == ours)
        & (shipped["year"] == year)
        & (shipped["area_code"] == area)
    ]
    assert row["value"].tolist() == [float(published["value"].item())]
    assert published["source_url"].item() in row["source"].item()
    assert row["release"].item().endswith("; " + published["rounding_note"].item())


def test_shipped_file_is_the_conversion_of_the_reference(tmp_path):
    reference(), reference(DERIVED)  # skips when shared/ is not beside the repository
    fresh = tmp_path / "official.csv"
    from_official(REFERENCE).to_csv(fresh, index=False)
    assert fresh.read_text() == SHIPPED.read_text()


def test_every_reference_id_is_mapped_to_the_catalogue_or_left_out():
    ids = set(reference()["indicator_id"]) | set(reference(DERIVED)["indicator_id"])
    assert ids == set(benchmarks.FROM_OFFICIAL) | set(benchmarks.LEFT_OUT)
    assert set(benchmarks.FROM_OFFICIAL.values()) <= set(catalogue())
    assert not set(benchmarks.FROM_OFFICIAL) & set(benchmarks.LEFT_OUT)
    assert {i for i, _ in benchmarks.ROWS_LEFT_OUT} <= set(benchmarks.FROM_OFFICIAL)


def official_folder(tmp_path: Path, *rows: str, derived: tuple[str, ...] = ()) -> Path:
    write(tmp_path, REF_HEADER, *rows, name=OFFICIAL)
    write(tmp_path, REF_HEADER, *derived, name=DERIVED)
    return tmp_path


def test_from_official_refuses_an_id_it_does_not_know(tmp_path):
    folder = official_folder(
        tmp_path, "E92000001,England,country,2024-03-31,pct_new_measure,5,percent,,DfE,https://x"
    )
    with pytest.raises(ValueError, match="pct_new_measure"):
        from_official(folder)


def test_from_official_ships_no_council_and_marks_derived_rows(tmp_path):
    row = "{code},{name},{kind},2017-03-31,pct_dental_check,{value},percent,note,DfE X - file,https://x"
    folder = official_folder(
        tmp_path,
        row.format(code=ENGLAND, name="England", kind="country", value=83),
        row.format(code=NOTTINGHAMSHIRE, name="Nottinghamshire", kind="local_authority", value=80),
        derived=(row.format(code=EAST_MIDLANDS, name="East Midlands", kind="region", value=86),),
    )
    out = from_official(folder)
    assert out[["area_code", "value", "derived"]].values.tolist() == [
        [ENGLAND, "83", "false"],
        [EAST_MIDLANDS, "86", "true"],
    ]
    assert out["release"].tolist() == [
        "DfE X; note",
        "DfE X; derived: not a DfE-published percentage, calculated from DfE's published "
        "counts; note",
    ]
    assert out["source"].tolist() == ["DfE X - file, https://x"] * 2


def test_from_official_refuses_a_figure_given_twice(tmp_path):
    row = "E92000001,England,country,2017-03-31,pct_dental_check,83,percent,note,DfE,https://x"
    with pytest.raises(ValueError, match="given twice"):
        from_official(official_folder(tmp_path, row, derived=(row,)))


def test_a_council_file_may_mark_a_figure_derived(tmp_path):
    path = write(
        tmp_path,
        HEADER,
        GOOD + ",TRUE",
        GOOD.replace("2024", "2023") + ",no",
        GOOD.replace("2024", "2022"),
        GOOD.replace("2024", "2021") + ",perhaps",
    )
    frame, [problem] = load([path])
    assert frame[["year", "derived", "is_official"]].values.tolist() == [
        [2024, True, False],
        [2023, False, True],
        [2022, False, True],
    ]
    assert (problem.row, problem.column, problem.value, problem.action) == (
        5,
        "derived",
        "perhaps",
        ROW_NOT_LOADED,
    )


def test_the_comparator_line_has_gaps_and_its_hover_names_the_release(shipped):
    item = catalogue()["pct_health_assessment"]
    years = list(range(2015, 2025))
    figures = pd.DataFrame(
        {
            "area_name": "Demo",
            "year": years,
            "value": 80.0,
            "symbol": "",
            "lower_95": 75.0,
            "upper_95": 85.0,
        }
    )
    published = shipped[(shipped["area_code"] == ENGLAND) & (shipped["indicator_id"] == item.id)]
    published = published[published["year"].between(2015, 2024) & (published["year"] != 2020)]
    fig = charts.trend(figures, item, "Source", 0.95, published, "England").to_dict()
    [line] = [t for t in fig["data"] if t["name"] == "England (published)"]
    assert list(line["x"]) == years and line["connectgaps"] is False
    given = dict(zip(line["x"], line["y"], strict=True))
    assert given[2020] is None and given[2019] == 90  # a gap, not a line across 2020
    tips = zip(line["x"], line["customdata"], strict=True)
    hover = {x: charts.one_line(text) for x, text in tips}  # its lines, as one text
    assert "(derived from DfE counts, not published by DfE)" in hover[2015]
    assert "Counts from: DfE SFR 34/2015" in hover[2015]
    assert "(published)" in hover[2024] and "real official statistics" not in hover[2024]
    assert "Release: DfE, Children looked after in England including adoptions," in hover[2024]


@pytest.mark.parametrize(
    ("line", "column", "value", "why"),
    [
        (GOOD.replace("1000", "lots"), "value", "lots", "not a number"),
        (GOOD.replace("1000", "c"), "value", "c", "DfE's mark"),
        (
            GOOD.replace("cla_at_31_march", "cla_in_care"),
            "indicator_id",
            "cla_in_care",
            "catalogue",
        ),
        (
            GOOD.replace("cla_at_31_march,1000", "cla_by_sex,51"),
            "indicator_id",
            "cla_by_sex",
            "breakdown",
        ),
        (GOOD.replace("1000,,", "1000,1100,"), "lower_ci", "1100", "above the value"),
        (GOOD.replace("1000,,", "1000,,900"), "upper_ci", "900", "below the value"),
        (GOOD.replace("2024", "1889"), "year", "1889", "1990 to 2100"),
        (GOOD.replace("2024", "202324"), "year", "202324", "1990 to 2100"),
        (GOOD.replace("region", "county"), "area_type", "county", "statistical_neighbours"),
        (GOOD.replace("1000", "-1"), "value", "-1", "below 0"),
        (
            GOOD.replace("cla_at_31_march,1000", "pct_dental_check,101"),
            "value",
            "101",
            "0 to 100",
        ),
        (GOOD.replace("DfE CLA 2024", ""), "source", "", "blank, but required"),
    ],
)
def test_a_bad_row_is_left_out_naming_file_row_column_and_value(tmp_path, line, column, value, why):
    path = write(tmp_path, HEADER, GOOD.replace("2024", "2023"), line)
    frame, problems = load([path])
    assert frame["year"].tolist() == [2023]  # the good row loads
    [problem] = [p for p in problems if p.action == ROW_NOT_LOADED]
    assert (problem.file, problem.row, problem.column, problem.value) == (
        "east_midlands.csv",
        3,
        column,
        value,
    )
    assert why in problem.problem


def test_a_repeated_key_keeps_the_first_and_names_it(tmp_path):
    path = write(tmp_path, HEADER, GOOD, GOOD.replace("1000", "1010"))
    frame, [problem] = load([path])
    assert frame["value"].tolist() == [1000]
    assert (problem.file, problem.row, problem.column) == (
        "east_midlands.csv",
        3,
        "area_code + year + indicator_id",
    )
    assert problem.value == "X99000001, 2024, cla_at_31_march"
    assert "east_midlands.csv row 2" in problem.problem


def test_a_key_repeated_from_an_earlier_file_is_left_out(tmp_path):
    england = GOOD.replace("X99000001,Example Region,region", "E92000001,England,country")
    path = write(tmp_path, HEADER, england.replace("2024", "2015"), GOOD)
    frame, problems = load([SHIPPED, path])
    assert len(frame) == 537
    assert [(p.file, p.row, p.problem) for p in problems] == [
        ("east_midlands.csv", 2, "repeats official.csv row 2: the first is kept")
    ]


def test_a_missing_required_column_makes_the_file_unusable(tmp_path):
    path = write(tmp_path, HEADER.replace(",licence", ""), GOOD.rsplit(",", 1)[0])
    with pytest.raises(FileProblem) as caught:
        load([path])
    problem = caught.value.problem
    assert (problem.file, problem.column, problem.action) == (
        "east_midlands.csv",
        "licence",
        FILE_NOT_LOADED,
    )
    assert "licence" in str(caught.value) and "required column missing" in str(caught.value)


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00bad", None])
def test_an_unreadable_file_is_a_file_problem(tmp_path, content):
    path = tmp_path / "east_midlands.csv"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(FileProblem, match="east_midlands.csv"):
        load([path])


def test_header_names_in_another_case_and_no_ci_columns_load(tmp_path):
    header = "AREA_CODE,Area_Name,AREA_TYPE,Year,Indicator_ID,VALUE,Source,RELEASE,Licence"
    path = write(tmp_path, header, GOOD.replace(",,,", ",").replace("region", "Region"))
    frame, problems = load([path])
    assert problems == []
    assert frame.loc[0, ["area_type", "year", "value"]].tolist() == ["region", 2024, 1000]
    assert math.isnan(frame.loc[0, "lower_ci"])


def test_blank_lines_keep_spreadsheet_row_numbers_and_a_blank_licence_is_noted(tmp_path):
    path = write(tmp_path, HEADER, GOOD, "", GOOD.replace("2024", "2023").replace(",OGL", ","))
    frame, [problem] = load([path])
    assert len(frame) == 2
    assert (problem.row, problem.column, problem.action) == (4, "licence", NOTED)


def test_thousands_commas_as_dfe_writes_them_are_read(tmp_path):
    path = write(tmp_path, HEADER, GOOD.replace("1000", '"1,000"'))
    frame, problems = load([path])
    assert problems == [] and frame["value"].tolist() == [1000]


def test_no_files_give_an_empty_frame_with_the_columns():
    frame, problems = load([])
    assert problems == [] and frame.empty
    assert list(frame.columns) == [*benchmarks.COLUMNS, "is_official"]


def test_docs_describe_every_column_mapping_and_what_was_left_out():
    text = DOCS.read_text()
    names = (*benchmarks.COLUMNS, *benchmarks.AREA_TYPES, *benchmarks.LEFT_OUT)
    names += (*benchmarks.FROM_OFFICIAL, *benchmarks.FROM_OFFICIAL.values())
    for name in names:
        assert f"`{name}`" in text, name
    assert "dfe_published_indicators" not in text


def test_a_release_is_named_up_to_its_first_clause_with_its_bracket_whole():
    from carejsna.indicators import release_names

    note = (
        "DfE, Children looked after in England including adoptions, reporting year 2023 "
        "(EES, 2023; rates added 2024); percentage, whole number"
    )
    published = pd.DataFrame({"release": [note, "DfE, a release; a note"], "derived": [0, 1]})
    assert release_names(published) == [
        "DfE, Children looked after in England including adoptions, reporting year 2023 "
        "(EES, 2023; rates added 2024)",
        "DfE, a release; derived from DfE's counts, not published by DfE",
    ]
