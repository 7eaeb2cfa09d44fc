"""Benchmarks: the shipped England figures, and how a bad benchmark file is reported."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from carejsna.catalogue import catalogue
from carejsna.returns import benchmarks
from carejsna.returns.benchmarks import SHIPPED, from_reference, load
from carejsna.returns.read import FILE_NOT_LOADED, NOTED, ROW_NOT_LOADED, FileProblem

REFERENCE = (
    Path(__file__).resolve().parents[2]
    / "shared"
    / "reference-data"
    / "dfe_published_indicators.csv"
)
DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
HEADER = ",".join(benchmarks.COLUMNS)
GOOD = "X99000001,Example Region,region,2024,cla_at_31_march,1000,,,DfE CLA 2024,as published,OGL"


def reference() -> pd.DataFrame:
    if not REFERENCE.exists():
        pytest.skip(f"the reference file is not here: {REFERENCE}")
    return pd.read_csv(REFERENCE, dtype=str, keep_default_na=False)


def write(tmp_path: Path, *lines: str, name: str = "east_midlands.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_shipped_file_loads_with_no_problems_and_catalogue_ids():
    frame, problems = load([SHIPPED])
    assert problems == []
    assert len(frame) == 68
    assert set(frame["indicator_id"]) <= set(catalogue())
    assert frame["is_official"].all()
    assert (frame["area_code"] == "E92000001").all()
    assert frame["source"].str.contains("https://").all()
    assert frame["licence"].str.startswith("Open Government Licence v3.0").all()
    assert frame.dtypes["year"] == "int64" and frame.dtypes["value"] == "float64"
    assert frame[["lower_ci", "upper_ci"]].isna().all().all()


@pytest.mark.parametrize(
    ("ours", "year", "value"),
    [
        ("cla_at_31_march", 2024, 83630),
        ("cla_started", 2024, 33050),
        ("cla_rate_per_10k", 2022, 70),
        ("pct_persistent_absence", 2019, 12.1),  # not the legacy series' 10.9
        ("pct_suitable_accommodation_19to21", 2019, 85),
        ("pct_development_check_under5", 2024, 88),
        ("pct_placed_outside_council", 2015, 40),  # 100 minus 60 placed inside
    ],
)
def test_shipped_spot_values(ours, year, value):
    frame, _ = load([SHIPPED])
    row = frame[(frame["indicator_id"] == ours) & (frame["year"] == year)]
    assert row["value"].tolist() == [value]


@pytest.mark.parametrize(
    ("theirs", "ours", "year"),
    [
        ("cla_at_31_march", "cla_at_31_march", 2024),
        ("started_in_year", "cla_started", 2018),
        ("ceased_in_year", "cla_ceased", 2024),
        ("pct_persistent_absence_cla12m", "pct_persistent_absence", 2021),
        ("pct_ks2_expected_rwm", "pct_ks2_rwm_expected", 2019),
        ("mean_ks4_attainment8", "mean_ks4_attainment8", 2017),
    ],
)
def test_shipped_values_equal_the_reference(theirs, ours, year):
    ref = reference()
    published = ref[(ref["indicator_id"] == theirs) & (ref["year_ending"] == f"{year}-03-31")]
    frame, _ = load([SHIPPED])
    shipped = frame[(frame["indicator_id"] == ours) & (frame["year"] == year)]
    assert shipped["value"].tolist() == [float(published["value"].item())]
    assert published["source_url"].item() in shipped["source"].item()
    assert shipped["release"].item() == published["rounding_note"].item()


def test_shipped_file_is_the_conversion_of_the_reference(tmp_path):
    ref = reference()
    fresh = tmp_path / "england.csv"
    from_reference(REFERENCE).to_csv(fresh, index=False)
    assert fresh.read_text() == SHIPPED.read_text()
    left_out = ref["indicator_id"].isin(benchmarks.LEFT_OUT)
    assert left_out.sum() == 4 and len(ref) - left_out.sum() == 68


def test_every_reference_id_is_mapped_to_the_catalogue_or_left_out():
    ids = set(reference()["indicator_id"])
    mapped = {**benchmarks.FROM_REFERENCE, **benchmarks.COMPLEMENTS}
    assert ids == set(mapped) | set(benchmarks.LEFT_OUT)
    assert set(mapped.values()) <= set(catalogue())
    assert not set(mapped) & set(benchmarks.LEFT_OUT)


def test_from_reference_refuses_an_id_it_does_not_know(tmp_path):
    path = write(
        tmp_path,
        "area_code,area_name,area_type,year_ending,indicator_id,value,unit,rounding_note,"
        "source_publication,source_url",
        "E92000001,England,country,2024-03-31,pct_new_measure,5,percent,,DfE,https://x",
        name="reference.csv",
    )
    with pytest.raises(ValueError, match="pct_new_measure"):
        from_reference(path)


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
    assert len(frame) == 69
    assert [(p.file, p.row, p.problem) for p in problems] == [
        ("east_midlands.csv", 2, "repeats england.csv row 2: the first is kept")
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


def test_docs_describe_every_column_and_what_was_left_out():
    text = DOCS.read_text()
    for name in (*benchmarks.COLUMNS, *benchmarks.AREA_TYPES, *benchmarks.LEFT_OUT):
        assert f"`{name}`" in text, name
