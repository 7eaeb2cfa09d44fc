"""Health, education and care leaver queries on hand-made returns, answers worked out by hand."""

from __future__ import annotations

import pytest

from carejsna import db
from carejsna.returns.build import build
from tests import fixture_outcomes
from tests.fixture_returns import ASHFIELD, MANSFIELD, with_child_ids

HEALTH = [
    "pct_health_assessment", "pct_dental_check", "pct_immunisations",
    "pct_development_check_under5", "pct_sdq_recorded", "mean_sdq", "pct_sdq_concern",
    "pct_sdq_borderline", "pct_substance_misuse", "pct_substance_intervention_received",
    "pct_substance_intervention_offered", "pct_convicted",
]  # fmt: skip
EDUCATION = [
    "pct_ks2_rwm_expected", "mean_ks4_attainment8", "pct_ks4_eng_maths_4",
    "pct_persistent_absence", "pct_suspended", "pct_sen_support", "pct_ehc_plan",
]  # fmt: skip
CARE_LEAVERS = [
    "pct_eet", "pct_neet", "pct_neet_illness", "pct_neet_pregnancy", "pct_neet_other",
    "pct_activity_not_known", "pct_suitable_accommodation", "pct_in_touch",
]  # fmt: skip
BREAKDOWNS = ["care_leaver_activity", "care_leaver_accommodation"]
AGES_17_18, AGES_19_21 = {"min_age": 17, "max_age": 18}, {"min_age": 19, "max_age": 21}


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    root = tmp_path_factory.mktemp("outcomes")
    returns = fixture_outcomes.write(root / "returns")
    result = build(returns, root / "data")
    assert not result.failed, result.problems
    return with_child_ids(db.connect(root / "data"), returns)


SHARED = {  # one query serves each family of shares, the measure named by the catalogue
    **{name: "care_leaver_share" for name in CARE_LEAVERS},
    **{name: "health_share" for name in HEALTH if name.startswith("pct_")},
    **{name: "education_share" for name in EDUCATION if name.startswith("pct_")},
}


def run(con, name, year=2024, **params):
    if name in BREAKDOWNS:  # one query serves both, named by its dimension
        name, params = "care_leaver_breakdown", {**params, "dimension": name.split("_")[-1]}
    if name in SHARED:
        name, params = SHARED[name], {**params, "measure": name.removeprefix("pct_")}
    return db.run(con, name, year_from=year, year_to=year, **params)


def total(con, name, year=2024, **params):
    """(numerator, denominator) summed over every cell: the council's figure."""
    frame = run(con, name, year, **params)
    return frame["numerator"].sum(), frame["denominator"].sum()


def by(con, name, column, year=2024, **params):
    """(numerator, denominator) for each district or age band."""
    frame = run(con, name, year, **params).groupby(column)[["numerator", "denominator"]].sum()
    return {key: (row.numerator, row.denominator) for key, row in frame.iterrows()}


def cohort(con, year=2024):
    rows = con.execute("select child_id from cla_12_months where year = ?", [year]).fetchall()
    return sorted(child for (child,) in rows)


# The 12-month cohort --------------------------------------------------------------------------


def test_cohort_2024(con):
    # In: H01 H04 H10 H11 H13 H15 (one episode open for years); H02 (from exactly 01/04/2023);
    # H05 (S 01/06/2022 -X1-> P 01/09/2023 -X1-> L 01/01/2024: a chain); H08 H09 H12 (began
    # before 1 April 2023). Out: H03 (from 01/05/2023, 11 months); H06 (went home E4A on
    # 01/08/2023 and came back the same day: not X1); H07 (left on 31 March, not looked after
    # that day); H14 (a V3 short break in the chain); L02 (from 01/06/2023).
    assert cohort(con) == [
        "H01", "H02", "H04", "H05", "H08", "H09", "H10", "H11", "H12", "H13", "H15",
    ]  # fmt: skip


def test_cohort_2023_reads_that_years_return(con):
    # 2023's return has H05's first episode with DEC blank, begun 01/06/2022: after 1 April 2022.
    # H06, H07 and H14 were in care all of 2022-23; H02, H03 had not started; H08 H09 H12 began in
    # early 2023; the care leavers L01 L03 L05 L07 L09 left during 2022-23.
    assert cohort(con, 2023) == [
        "H01", "H04", "H06", "H07", "H10", "H11", "H13", "H14", "H15",
    ]  # fmt: skip


def test_cohort_has_district_band_and_age(con):
    rows = con.execute(
        "select child_id, district_code, age_band, age from cla_12_months"
        " where year = 2024 and child_id in ('H02', 'H05', 'H11') order by child_id"
    ).fetchall()
    assert rows == [
        ("H02", MANSFIELD, "1 to 4", 3),
        ("H05", ASHFIELD, "10 to 15", 14),
        ("H11", MANSFIELD, "16 and over", 16),
    ]


# Health (OC2) ---------------------------------------------------------------------------------


def test_health_assessment(con):
    # Cohort of 11. HEALTH_ASSESSMENT 1: H01 H02 H05 H08 H10 H11 H12 H15 = 8. No: H09, H13 (0)
    # and H04 (no OC2 row). H03, H06, H07, H14 have 1 but are outside the cohort.
    assert total(con, "pct_health_assessment") == (8, 11)
    # Mansfield H01 H02 H08 H10 H11 H13 (5 of 6); Ashfield H04 H05 H09 H12 H15 (3 of 5).
    assert by(con, "pct_health_assessment", "district_code") == {
        MANSFIELD: (5, 6),
        ASHFIELD: (3, 5),
    }
    # 1 to 4: H02 H08 yes, H09 no; 5 to 9: H01; 10 to 15: H04 no, H05 H10 H12 H15 yes;
    # 16 and over: H11 yes, H13 no.
    assert by(con, "pct_health_assessment", "age_band") == {
        "1 to 4": (2, 3),
        "5 to 9": (1, 1),
        "10 to 15": (4, 5),
        "16 and over": (1, 2),
    }
    # 2023: cohort of 9 (above); only H01 has an OC2 row (1); H05's row is outside the cohort.
    assert total(con, "pct_health_assessment", 2023) == (1, 9)


def test_dental_check_and_immunisations(con):
    # TEETH_CHECK 1: H01 H05 H09 H10 H11 H15; 0: H02 H08 H12 H13; no row: H04.
    assert total(con, "pct_dental_check") == (6, 11)
    # IMMUNISATIONS 1: H01 H02 H08 H09 H10 H11 H12 H15; 0: H05 H13; no row: H04.
    assert total(con, "pct_immunisations") == (8, 11)


def test_development_check_under_5(con):
    # Cohort aged 0-4 at 31 March: H02 (3) 1, H08 (3) 0, H09 (4, birthday 15/03/2024) 1.
    assert by(con, "pct_development_check_under5", "age_band") == {"1 to 4": (2, 3)}


def test_sdq(con):
    # Cohort aged 4-16: H01 (8), H04 (15), H05 (14), H09 (4), H10 (11), H11 (16), H12 (11),
    # H15 (14) = 8; H13 (17, scored 30) and H02, H08 (3) are outside.
    # Scored: H01 13, H05 15, H09 20, H11 17, H12 14 = 5. Not: H04 (no OC2 row), H10 (45, not a
    # valid score, blanked by the build), H15 (blank, SDQ5).
    assert total(con, "pct_sdq_recorded") == (5, 8)
    frame = run(con, "mean_sdq")
    # 13 + 15 + 20 + 17 + 14 = 79 over 5 (15.8); squares 169 + 225 + 400 + 289 + 196 = 1279.
    assert frame["numerator"].sum() == 79 and frame["denominator"].sum() == 5
    assert frame["sum_squares"].sum() == 1279
    assert set(frame.columns) == {
        "year", "district_code", "age_band", "numerator", "denominator", "sum_squares",
    }  # fmt: skip
    # Cause for concern (17+): H09 20, H11 17. Borderline (14-16): H05 15, H12 14. H01 13: normal.
    assert total(con, "pct_sdq_concern") == (2, 5)
    assert total(con, "pct_sdq_borderline") == (2, 5)
    # H09 is 4: in the 1 to 4 band's SDQ cells.
    assert by(con, "pct_sdq_concern", "age_band") == {
        "1 to 4": (1, 1),
        "5 to 9": (0, 1),
        "10 to 15": (0, 2),
        "16 and over": (1, 1),
    }


def test_substance_misuse(con):
    # SUBSTANCE_MISUSE 1 in the cohort: H05, H10, H13 (H03 also, outside the cohort) of 11.
    assert total(con, "pct_substance_misuse") == (3, 11)
    # Of those 3: INTERVENTION_RECEIVED 1 = H05; INTERVENTION_OFFERED (offered, refused) 1 = H10.
    assert total(con, "pct_substance_intervention_received") == (1, 3)
    assert total(con, "pct_substance_intervention_offered") == (1, 3)


def test_convicted(con):
    # Cohort aged 10+: H04 (no row), H05 (1), H10 (0), H11 (0), H12 (blank), H13 (1), H15 (0).
    assert total(con, "pct_convicted") == (2, 7)
    assert by(con, "pct_convicted", "age_band") == {"10 to 15": (1, 5), "16 and over": (1, 2)}


# Education ------------------------------------------------------------------------------------


def test_education_denominators_leave_out_blanks(con):
    # Cohort rows in education.csv: H01 H04 H05 H10 H11 H12 H13 (H03's row is outside the
    # cohort; H05's items are all blank, H13 has only SEN_PROVISION).
    assert total(con, "pct_ks2_rwm_expected") == (1, 2)  # H10 1, H12 0
    assert total(con, "pct_ks4_eng_maths_4") == (1, 2)  # H04 1, H11 0
    assert total(con, "pct_persistent_absence") == (2, 5)  # H04 H12 of H01 H04 H10 H11 H12
    assert total(con, "pct_suspended") == (2, 5)  # H04 (2), H12 (1); H01 H10 H11 had 0
    # SEN_PROVISION: N H01 H11 H13, K H04 H12, E H10.
    assert total(con, "pct_sen_support") == (2, 6)
    assert total(con, "pct_ehc_plan") == (1, 6)


def test_mean_attainment8(con):
    # H04 32.5 (Ashfield), H11 18.0 (Mansfield): 50.5 over 2; squares 1056.25 + 324 = 1380.25.
    frame = run(con, "mean_ks4_attainment8")
    assert frame["numerator"].sum() == pytest.approx(50.5)
    assert frame["denominator"].sum() == 2
    assert frame["sum_squares"].sum() == pytest.approx(1380.25)
    assert by(con, "mean_ks4_attainment8", "age_band") == {
        "10 to 15": (32.5, 1),
        "16 and over": (18.0, 1),
    }


# Care leavers (OC3) ---------------------------------------------------------------------------
# 2024, by age at 31 March (= at the birthday in the year):
#   17-18: L01 17 Mansfield YES F2 D1; L07 18 Ashfield REFU 0 0; L08 17 Unknown YES G5 E2;
#          L09 18 OTHER (Derby postcode) YES blank blank. L02 (17) has IN_TOUCH blank: left out.
#   19-21: L03 19 Ashfield YES G6 Z1; L04 20 Unknown NO 0 0; L05 19 Mansfield YES F1 U1;
#          L06 21 Unknown YES G4 B2; L10 21 Unknown DIED 0 0.
# Districts of care leavers with no episode in 2024 come from their 2023 episodes; L04, L06,
# L08, L10 have none anywhere. L06, L07, L08, L09 and L10 have no 2024 header row: OC3's DOB.

CARE_LEAVER_ANSWERS = {
    # name: (17-18, 19-21)
    "pct_eet": ((1, 4), (1, 5)),  # L01 F2 | L05 F1
    "pct_neet": ((1, 4), (2, 5)),  # L08 G5 | L03 G6, L06 G4
    "pct_neet_illness": ((0, 4), (1, 5)),  # | L06 G4
    "pct_neet_pregnancy": ((0, 4), (1, 5)),  # | L03 G6
    "pct_neet_other": ((1, 4), (0, 5)),  # L08 G5 |
    "pct_activity_not_known": ((2, 4), (2, 5)),  # L07 0, L09 blank | L04 0, L10 0
    "pct_suitable_accommodation": ((1, 4), (2, 5)),  # L01 D1 | L03 Z1, L05 U1
    "pct_in_touch": ((3, 4), (3, 5)),  # L01 L08 L09 | L03 L05 L06
}


@pytest.mark.parametrize("name", CARE_LEAVERS)
def test_care_leavers_by_age_group(con, name):
    young, older = CARE_LEAVER_ANSWERS[name]
    assert total(con, name, **AGES_17_18) == young
    assert total(con, name, **AGES_19_21) == older


def test_care_leavers_districts_and_all_ages(con):
    # 19-21 in touch: Ashfield L03 yes; Mansfield L05 yes; Unknown L04 no, L06 yes, L10 died.
    frame = run(con, "pct_in_touch", **AGES_19_21)
    assert set(frame["age_band"]) == {"All ages"}
    assert by(con, "pct_in_touch", "district_code", **AGES_19_21) == {
        ASHFIELD: (1, 1),
        MANSFIELD: (1, 1),
        "UNKNOWN": (1, 3),
    }
    # Not in touch (L07 refuses contact) is in the denominator and not EET.
    assert by(con, "pct_eet", "district_code", **AGES_17_18) == {
        MANSFIELD: (1, 1),
        ASHFIELD: (0, 1),
        "UNKNOWN": (0, 1),
        "OTHER": (0, 1),
    }


def test_care_leaver_aged_18_in_2023_then_19(con):
    # L03 was 18 at 31 March 2023 (birthday 01/12/2022), in touch, apprenticeship F4: the 17-18
    # group that year; 19 in 2024 (above).
    assert total(con, "pct_eet", 2023, **AGES_17_18) == (1, 1)
    assert run(con, "pct_eet", 2023, **AGES_19_21).empty


def test_care_leaver_breakdowns(con):
    def categories(name, ages):
        frame = run(con, name, **ages)
        return frame.groupby("category")["numerator"].sum().to_dict()

    assert categories("care_leaver_activity", AGES_17_18) == {
        "Education": 1,  # L01 F2
        "NEET: other": 1,  # L08 G5
        "Not known": 2,  # L07 0, L09 blank
    }
    assert categories("care_leaver_activity", AGES_19_21) == {
        "Education": 1,  # L05 F1
        "NEET: illness or disability": 1,  # L06 G4
        "NEET: pregnancy or parenting": 1,  # L03 G6
        "Not known": 2,  # L04 0, L10 0
    }
    assert categories("care_leaver_accommodation", AGES_17_18) == {
        "Semi-independent accommodation": 1,  # L01 D1
        "Supported lodgings": 1,  # L08 E2
        "Not known": 2,  # L07 0, L09 blank
    }
    assert categories("care_leaver_accommodation", AGES_19_21) == {
        "Independent living": 1,  # L05 U1
        "Not known": 2,  # L04 0, L10 0
        "With former foster carers": 1,  # L03 Z1
        "With parents or relatives": 1,  # L06 B2
    }


@pytest.mark.parametrize("name", BREAKDOWNS)
@pytest.mark.parametrize("ages", [AGES_17_18, AGES_19_21], ids=["17to18", "19to21"])
def test_breakdown_categories_add_up_to_the_denominator(con, name, ages):
    frame = run(con, name, **ages)
    cells = frame.groupby(["year", "district_code", "age_band"])
    assert (cells["numerator"].sum() == cells["denominator"].first()).all()
    assert (cells["denominator"].nunique() == 1).all()
    # Every care leaver of the ages once: the same denominator as the percentages.
    assert cells["denominator"].first().sum() == total(con, "pct_eet", **ages)[1]


# The contract ---------------------------------------------------------------------------------

ALL = ["health_share", "mean_sdq", "education_share", "mean_ks4_attainment8"]
ALL += ["care_leaver_share", "care_leaver_breakdown"]


@pytest.mark.parametrize("name", ALL)
def test_query_keeps_the_contract(con, name):
    query = db.query(name)  # raises if declared and used parameters differ
    leavers = name in ("care_leaver_share", "care_leaver_breakdown")
    extra = {**AGES_19_21, "measure": "eet"} if name == "care_leaver_share" else AGES_19_21
    if name == "care_leaver_breakdown":
        extra = {**AGES_19_21, "dimension": "activity"}
    params = extra if leavers else {}
    params = {"health_share": {"measure": "convicted"}}.get(name, params)
    params = {"education_share": {"measure": "suspended"}}.get(name, params)
    assert query.params == tuple(sorted(["year_from", "year_to", *params]))
    assert query.help.startswith(f"{name}:") and "A row is" in query.help
    frame = db.run(con, name, year_from=2023, year_to=2024, **params)
    columns = ["year", "district_code", "age_band"]
    columns += ["category"] if name == "care_leaver_breakdown" else []
    columns += ["numerator", "denominator"]
    columns += ["sum_squares"] if name.startswith("mean_") else []
    assert list(frame.columns) == columns
    assert not frame.duplicated(columns[: columns.index("numerator")]).any()
    assert (frame["denominator"] > 0).all()  # no cell with a zero denominator
    if not name.startswith("mean_"):
        assert (frame["numerator"] <= frame["denominator"]).all()
    assert str(frame["denominator"].dtype) == "int64"
    assert db.run(con, name, year_from=2010, year_to=2012, **params).empty


@pytest.mark.parametrize(
    "name",
    ["cla_12_months", "cla_12_months_health", "cla_12_months_education", "care_leavers_in_year"],
)
def test_views_have_one_row_per_child_per_year(con, name):
    assert db.query(name, db.VIEWS_DIR).help.startswith(f"{name}:")
    table = con.table(name)
    [(rows, keys)] = table.aggregate("count(*), count(distinct (year, child_id))").fetchall()
    assert rows == keys > 0


@pytest.mark.parametrize(
    ("name", "params"),
    [("care_leaver_share", AGES_19_21), ("health_share", {}), ("education_share", {})],
)
def test_an_unknown_measure_is_an_error_not_a_zero(con, name, params):
    with pytest.raises(Exception, match="unknown .* measure: eat"):
        db.run(con, name, year_from=2024, year_to=2024, measure="eat", **params)
