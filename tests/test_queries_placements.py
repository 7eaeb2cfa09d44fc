"""Placement stability, location and UASC queries on hand-made returns, answers worked by hand."""

from __future__ import annotations

import pytest

from carejsna import db
from carejsna.returns.build import build
from tests import fixture_placements
from tests.fixture_placements import ASHFIELD, MANSFIELD
from tests.fixture_returns import with_child_ids

QUERIES = [
    "pct_3plus_placements",
    "pct_long_term_stability",
    "placement_moves",
    "placement_moves_by_reason",
    "pct_placed_outside_council",
    "pct_placed_over_20_miles",
    "placement_distance_not_known",
    "uasc_at_31_march",
    "pct_uasc",
]
VIEWS = [
    "episode_history",
    "placement_episodes",
    "placement_moves_in_year",
    "placement_at_31_march",
    "uasc_status_31_march",
]

# Children looked after on 31 March 2024, by cell (home district, age at 31 March 2024): every
# child of the fixture but P13, who went home in November 2023.
#   Mansfield 5 to 9: P01 (9), P04 (7), P06 (8), P08 (5), P16 (7)
#   Mansfield 10 to 15: P03 (12), P14 (14), P18 (11)
#   Mansfield 16 and over: P17 (16)
#   Ashfield 1 to 4: P09 (4)
#   Ashfield 10 to 15: P02 (15), P05 (13), P07 (12), P19 (11: born 30/03/2013)
#   Ashfield 16 and over: P15 (16)
#   Unknown (no home postcode) 10 to 15: P12 (15); 16 and over: P10 (17), P11 (16)
IN_CARE = {
    (MANSFIELD, "5 to 9"): 5,
    (MANSFIELD, "10 to 15"): 3,
    (MANSFIELD, "16 and over"): 1,
    (ASHFIELD, "1 to 4"): 1,
    (ASHFIELD, "10 to 15"): 4,
    (ASHFIELD, "16 and over"): 1,
    ("UNKNOWN", "10 to 15"): 1,
    ("UNKNOWN", "16 and over"): 2,
}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("placements")
    result = build(fixture_placements.write(root / "returns"), root / "data")
    assert not result.failed, result.problems
    return with_child_ids(db.connect(root / "data"), root / "returns")


def cells(con, name, year=2024):
    frame = db.run(con, name, year_from=year, year_to=year)
    return {
        (row.district_code, row.age_band): (row.numerator, row.denominator)
        for row in frame.itertuples()
    }


def numerators(con, name, year=2024):
    return {k: n for k, (n, _) in cells(con, name, year).items()}


def flags(con, child, column):
    rows = con.execute(
        f"select {column} from placement_episodes where child_id = ? order by start_date", [child]
    ).fetchall()
    return [value for (value,) in rows]


@pytest.mark.parametrize("name", QUERIES)
def test_query_files_are_accepted(name):
    assert db.query(name).params == ("year_from", "year_to")


@pytest.mark.parametrize("name", VIEWS)
def test_view_files_are_accepted(name):
    assert db.query(name, db.VIEWS_DIR).help.startswith(f"{name}:")


def test_new_placements_follow_the_counting_rule(con):
    # P01: S foster (NG18 1AB) | P to hospital T1: temporary | P back to NG18 1AB, same PLACE U6,
    # postcode and URN: a return | P to a new carer (U4, NG18 1AA): new.
    assert flags(con, "P01", "is_new_placement") == [True, False, False, True]
    assert flags(con, "P01", "is_return_from_temporary") == [False, False, True, False]
    # P03: S | L (legal status only, same place) | P: the L episode is not a new placement.
    assert flags(con, "P03", "is_new_placement") == [True, False, True]
    # P16: S foster | U to A5 with the same carer: one placement throughout.
    assert flags(con, "P16", "placement_number") == [1, 1]
    # P18: S foster (from 2023's return) | P to hospital over 1 April 2023 | P back to the same
    # carer: one placement, since September 2021.
    assert flags(con, "P18", "placement_number") == [1, 1, 1]
    assert str(flags(con, "P18", "placement_start_date")[-1]) == "2021-09-01"
    # P19: a break in care (home Jan to Mar 2022), back to the same carer with S: new period.
    assert [str(d) for d in flags(con, "P19", "care_period_start_date")] == [
        "2020-01-01",
        "2022-03-01",
    ]


def test_three_or_more_placements(con):
    # Placements in 2023-24 (first episode of the year counts 1, then each new placement):
    #   P01: foster 1, hospital T1 0, back to the same foster carer 0, new carer 1 = 2 (not 3)
    #   P02: children's home 1, B to foster 1, P to foster 1 = 3 -> counts
    #   P03: foster 1, L (legal status only) 0, P to a new carer 1 = 2 (3 if L counted)
    #   P14: period ending 1 April 2023 is last year's; S 1, S (another period) 1, P 1 = 3 -> counts
    #   P15: placement ending 1 April 2023 is last year's; P on 1 April 1, P 1 = 2
    #   P08: foster 1, B to A4 1 = 2; P09: foster 1, B to A6 1 = 2
    #   P16: foster 1, U to A5 (same carer) 0 = 1; P18: hospital 1, back to same carer 0 = 1
    #   everyone else: 1 placement in the year
    expected = {cell: (0, n) for cell, n in IN_CARE.items()}
    expected[(ASHFIELD, "10 to 15")] = (1, 4)  # P02
    expected[(MANSFIELD, "10 to 15")] = (1, 3)  # P14
    assert cells(con, "pct_3plus_placements") == expected


def test_long_term_stability(con):
    # Under 16 on 31 March 2024 and looked after since 1 October 2021 or before:
    #   P06 (Mansfield, 8): same carer since 01/02/2021 (the L episode is no move) -> stable
    #   P16 (Mansfield, 7): foster carer since 01/07/2021, A5 with them via U -> stable
    #   P08 (Mansfield, 5): A4 since 01/10/2023, with the previous foster placement from
    #       01/09/2021: adoptive + previous placement over 2 years -> stable
    #   P18 (Mansfield, 11): same carer since 01/09/2021; a hospital stay is no move -> stable
    #   P07 (Ashfield, 12): in care since 2020, new carer 01/10/2022 (18 months) -> not stable
    #   P09 (Ashfield, 4): A6 since 01/02/2024, previous placement from 01/05/2022 -> not stable
    # Left out: P17 aged 16; P05 in care since 01/03/2022; P19 back in care 01/03/2022.
    assert cells(con, "pct_long_term_stability") == {
        (MANSFIELD, "5 to 9"): (3, 3),
        (MANSFIELD, "10 to 15"): (1, 1),
        (ASHFIELD, "10 to 15"): (0, 1),
        (ASHFIELD, "1 to 4"): (0, 1),
    }
    # 31 March 2023: P07 (moved 01/10/2022) not stable; P17 (aged 15, same carer since 2019) stable.
    assert cells(con, "pct_long_term_stability", 2023) == {
        (ASHFIELD, "10 to 15"): (0, 1),
        (MANSFIELD, "10 to 15"): (1, 1),
    }


def test_long_term_stability_needs_two_earlier_returns(con):
    # The folder starts in 2021: 2021 and 2022 have too little history to see 2.5 years.
    assert db.run(con, "pct_long_term_stability", year_from=2021, year_to=2022).empty


def test_placement_moves(con):
    # Moves in 2023-24 (P or B starting a new placement): P01 1 (not into or back from hospital),
    # P02 2, P03 1, P08 1, P09 1, P13 1 (went home later: still a move), P14 1, P15 2 (one on
    # 1 April 2023). P16's U and P18's return are not moves. 10 in all.
    assert numerators(con, "placement_moves") == {
        (MANSFIELD, "5 to 9"): 2,  # P01, P08
        (MANSFIELD, "10 to 15"): 3,  # P03, P13 (10), P14
        (ASHFIELD, "1 to 4"): 1,  # P09
        (ASHFIELD, "10 to 15"): 2,  # P02 twice
        (ASHFIELD, "16 and over"): 2,  # P15 twice
    }


def test_placement_moves_by_reason(con):
    frame = db.run(con, "placement_moves_by_reason", year_from=2024, year_to=2024)
    got = {
        (row.district_code, row.age_band, row.category): (row.numerator, row.denominator)
        for row in frame.itertuples()
    }
    care_plan = "Change to or implementation of care plan"
    behaviour = "Carer(s) requested placement end due to child's behaviour"
    child = "Child requested placement end"
    # The reason is the one on the episode that ended at the move.
    assert got == {
        (MANSFIELD, "5 to 9", behaviour): (1, 2),  # P01 left the carer it had returned to
        (MANSFIELD, "5 to 9", care_plan): (1, 2),  # P08 to adoption
        (MANSFIELD, "10 to 15", care_plan): (1, 3),  # P03 (on the L episode)
        (
            MANSFIELD,
            "10 to 15",
            "Carer(s) requested placement end other than due to child's behaviour",
        ): (1, 3),  # P13
        (MANSFIELD, "10 to 15", child): (1, 3),  # P14
        (ASHFIELD, "1 to 4", "Not recorded"): (1, 1),  # P09, blank
        (ASHFIELD, "10 to 15", child): (1, 2),  # P02 left the children's home
        (ASHFIELD, "10 to 15", "Allegation (s47)"): (1, 2),  # P02 again
        (ASHFIELD, "16 and over", care_plan): (1, 2),  # P15 on 1 April
        (ASHFIELD, "16 and over", behaviour): (1, 2),  # P15 in October
    }
    totals = frame.groupby(["district_code", "age_band"]).agg(
        numerator=("numerator", "sum"), denominator=("denominator", "first")
    )
    assert (totals["numerator"] == totals["denominator"]).all()
    assert totals["numerator"].sum() == sum(numerators(con, "placement_moves").values())


def test_distances_are_worked_out_from_real_postcodes(con):
    rows = con.execute(
        "select child_id, distance_miles, is_placed_outside_council from placement_at_31_march"
        " where year = 2024"
    ).fetchall()
    by_child = {child: (miles, outside) for child, miles, outside in rows}
    # Whole miles, rounded up from DfE's tenth of a mile (docs/extracts.md).
    # P05: NG15 0AA (451439, 353560) to B1 1BB (406654, 286948): dE 44,785, dN 66,612,
    # 80,267 m = 49.9 miles: 50.
    assert by_child["P05"] == (50.0, True)
    # P14: NG18 5AA (453679, 359863) to DE1 0AA (435996, 335424): dE 17,683, dN 24,439,
    # 30,165 m = 18.7 miles: 19, outside the council but not over 20 miles.
    assert by_child["P14"] == (19.0, True)
    # P02: NG15 0AA to NG18 5AA: dE 2,240, dN 6,303, 6,689 m = 4.2 miles: 5.
    assert by_child["P02"] == (5.0, False)
    # P04: no placement postcode; P10: no home postcode, placed in Leeds (outside).
    assert by_child["P04"] == (None, None)
    assert by_child["P10"] == (None, True)


def test_placed_outside_council(con):
    # Placement known for all but P04. Outside: P05 (Birmingham), P14 (Derby), P10 (Leeds).
    expected = {cell: (0, n) for cell, n in IN_CARE.items()}
    expected[(MANSFIELD, "5 to 9")] = (0, 4)  # P04 not known
    expected[(MANSFIELD, "10 to 15")] = (1, 3)  # P14
    expected[(ASHFIELD, "10 to 15")] = (1, 4)  # P05
    expected[("UNKNOWN", "16 and over")] = (1, 2)  # P10
    assert cells(con, "pct_placed_outside_council") == expected


def test_placed_over_20_miles_leaves_out_unknown_distances(con):
    # Distance known for 14 of 18: not for P04 (no placement postcode) nor the three UASC
    # children with no home postcode (P10, P11, P12), so no Unknown-district cell at all.
    # Over 20 miles: P05 only (49.9); P14 is 18.7.
    assert cells(con, "pct_placed_over_20_miles") == {
        (MANSFIELD, "5 to 9"): (0, 4),
        (MANSFIELD, "10 to 15"): (0, 3),
        (MANSFIELD, "16 and over"): (0, 1),
        (ASHFIELD, "1 to 4"): (0, 1),
        (ASHFIELD, "10 to 15"): (1, 4),
        (ASHFIELD, "16 and over"): (0, 1),
    }


def test_distance_not_known_is_counted_not_zero(con):
    expected = {cell: 0 for cell in IN_CARE}
    expected[(MANSFIELD, "5 to 9")] = 1  # P04
    expected[("UNKNOWN", "10 to 15")] = 1  # P12
    expected[("UNKNOWN", "16 and over")] = 2  # P10, P11
    assert numerators(con, "placement_distance_not_known") == expected
    # 31 March 2023: P18 was in hospital (T1, no placement postcode): not known.
    assert sum(numerators(con, "placement_distance_not_known", 2023).values()) == 1


def test_uasc_at_31_march(con):
    # uasc.csv 2024: P10 (DUC 01/02/2024: no longer UASC on 31 March), P11 (DUC 10/10/2025),
    # P12 (DUC blank). The children extract still marks P10 as in uasc.csv.
    assert con.execute(
        "select is_uasc from children where year = 2024 and child_id = 'P10'"
    ).fetchone() == (True,)
    expected = {cell: 0 for cell in IN_CARE}
    expected[("UNKNOWN", "10 to 15")] = 1  # P12
    expected[("UNKNOWN", "16 and over")] = 1  # P11
    assert numerators(con, "uasc_at_31_march") == expected
    pct = cells(con, "pct_uasc")
    assert pct[("UNKNOWN", "16 and over")] == (1, 2)
    assert sum(n for n, _ in pct.values()) == 2 and sum(d for _, d in pct.values()) == 18


@pytest.mark.parametrize("name", QUERIES)
def test_a_year_with_no_return_gives_no_rows(con, name):
    assert db.run(con, name, year_from=2010, year_to=2012).empty
