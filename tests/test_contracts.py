"""Data contracts on the committed extracts in data/: keys, codes, lookups, dates, metadata."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from carejsna.returns.schema import FILES, valid_codes

DATA = Path(__file__).resolve().parents[1] / "data"


@pytest.fixture(scope="module")
def con():
    if not (DATA / "metadata.json").exists():
        pytest.fail("data/ has no extracts: run `carejsna demo` and `carejsna build` (README)")
    con = duckdb.connect()
    for path in sorted(DATA.glob("*.parquet")):
        con.read_parquet(str(path)).create(path.stem)
    return con


def scalar(con, sql, params=None):
    return con.execute(sql, params or {}).fetchone()[0]


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ("children", "year, child_id"),
        ("episodes", "year, child_id, start_date"),
        ("health", "year, child_id"),
        ("care_leavers", "year, child_id"),
        ("uasc", "year, child_id"),
        ("education", "year, child_id"),
        ("population", "year, district_code, age, sex"),
        ("districts", "district_code"),
        ("age_bands", "age_band"),
    ],
)
def test_keys_are_unique(con, table, key):
    rows = len(con.table(table).fetchall())
    distinct = len(con.table(table).project(key).distinct().fetchall())
    assert rows == distinct and rows > 0


def test_every_code_is_a_dfe_code(con):
    codes = valid_codes()
    for spec in FILES.values():
        for col in spec.cols:
            if col.kind != "code" or col.as_name not in con.table(spec.extract).columns:
                continue  # e.g. MOTHER: not kept (docs/extracts.md)
            values = con.table(spec.extract).project(col.as_name).distinct().fetchall()
            values = [v for v in values if v[0] is not None]
            assert {v for (v,) in values} <= codes[col.codes], (spec.extract, col.as_name)


def test_every_district_is_in_the_lookup(con):
    missing = con.sql(
        """
        select distinct district_code from children
        union select distinct home_district_code from episodes
        union select distinct placement_district_code from episodes
        union select distinct district_code from population
        except select district_code from districts
        """
    ).fetchall()
    assert missing == []


def test_episodes_of_a_child_do_not_overlap(con):
    overlaps = scalar(
        con,
        """
        select count(*) from (
            select start_date, lag(end_date) over (
                partition by year, child_id order by start_date) as previous_end
            from episodes
        ) where start_date < previous_end
        """,
    )
    assert overlaps == 0


def test_dates_are_consistent(con):
    assert scalar(con, "select count(*) from episodes where end_date < start_date") == 0
    # A year's return holds episodes open at some time in the year, and no later ones.
    assert (
        scalar(
            con,
            "select count(*) from episodes where start_date > make_date(year, 3, 31)"
            " or end_date < make_date(year - 1, 4, 1)",
        )
        == 0
    )
    assert (
        scalar(
            con,
            "select count(*) from children where birth_year * 100 + birth_month > year * 100 + 3",
        )
        == 0
    )


def test_a_child_in_care_at_31_march_is_in_the_next_return(con):
    missing = scalar(
        con,
        """
        with open_at_end as (
            select distinct year, child_id from episodes
            where end_date is null and year < (select max(year) from episodes)
        )
        select count(*) from open_at_end
        anti join episodes
            on episodes.year = open_at_end.year + 1 and episodes.child_id = open_at_end.child_id
        """,
    )
    assert missing == 0


def test_care_leavers_were_in_care(con):
    never = scalar(
        con,
        "select count(*) from care_leavers anti join episodes"
        " on episodes.child_id = care_leavers.child_id and episodes.year <= care_leavers.year",
    )
    assert never == 0


def test_metadata_says_what_the_data_is():
    meta = json.loads((DATA / "metadata.json").read_text())
    assert meta["council"]["synthetic"] is True
    assert "synthetic" in meta["council"]["source"].lower()
    assert meta["years"] == list(range(2015, 2025))
    for name, rows in meta["extracts"].items():
        assert (DATA / f"{name}.parquet").exists() and rows > 0, name
