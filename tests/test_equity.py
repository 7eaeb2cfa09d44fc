"""Children placed away from home against those placed near: the groups on hand-made returns,
their protection with the figure they split, the test of their difference read from the
published figures, and the page as a reader sees it (AppTest)."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from carejsna import catalogue, db, overview, stats
from carejsna import indicators as ind
from carejsna.figures import audit_extract, protect, withheld_cells
from carejsna.returns.build import build
from tests import fixture_outcomes
from tests.fixture_returns import DERBY_POST
from tests.test_disclosure import BANDS, context_for
from tests.test_pages import MANSFIELD, open_page

# The outcome fixture's children (tests/fixture_outcomes.py), placed in 2024 outside the council
# (Derby) or where it is not known (no placement postcode); the rest stay at home. L03, who left
# care in 2022, was placed in Derby.
MOVED = {
    "2024": {**dict.fromkeys(("H01", "H05", "H09", "H11", "H15"), DERBY_POST), "H13": ""},
    "2023": {"L03": DERBY_POST},
}
PL_POST = 11  # the episodes.csv column


def placed(line: str, moves: dict[str, str]) -> str:
    """An episode line with its placement postcode set, for a child in `moves`."""
    fields = line.split(",")
    if fields[0] in moves:
        fields[PL_POST] = moves[fields[0]]
    return ",".join(fields)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    returns = {year: dict(files) for year, files in fixture_outcomes.RETURNS.items()}
    for year, moves in MOVED.items():
        returns[year]["episodes.csv"] = [placed(e, moves) for e in returns[year]["episodes.csv"]]
    root = tmp_path_factory.mktemp("equity")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fixture_outcomes, "RETURNS", returns)
        result = build(fixture_outcomes.write(root / "returns"), root / "data")
    assert not result.failed, result.problems
    return root / "data"


@pytest.fixture(scope="module")
def con(folder):
    return db.connect(folder)


def groups(con, indicator_id: str, year: int = 2024, by: tuple[str, ...] = ()) -> dict:
    """The indicator's query summed over every cell (the council) [or by `by` too]: each
    group's (numerator, denominator [, sum_squares])."""
    item = catalogue.get(indicator_id)
    frame = db.run(con, item.query, year_from=year, year_to=year, **item.params)
    counts = [c for c in ("numerator", "denominator", "sum_squares") if c in frame]
    summed = frame.groupby([*by, "category"])[counts].sum()
    return {
        key: tuple(float(v) for v in row)
        for key, row in zip(summed.index, summed.values, strict=True)
    }


NEAR = "Placed near"
AWAY_, UNKNOWN = "Placed away", "Location not known"
# Worked by hand from tests/fixture_outcomes.py, 2024. The cohort looked after for 12 months:
# away H01 H05 H09 H11 H15, near H02 H04 H08 H10 H12, location not known H13.
EXPECTED = {
    # HEALTH_ASSESSMENT 1: H01 H05 H11 H15 (not H09) | H02 H08 H10 H12 (not H04: no OC2) | not H13
    "placed_away_health_assessment": {AWAY_: (4, 5), NEAR: (4, 5), UNKNOWN: (0, 1)},
    # TEETH_CHECK 1: every child placed away | H10 only | not H13
    "placed_away_dental_check": {AWAY_: (5, 5), NEAR: (1, 5), UNKNOWN: (0, 1)},
    # IMMUNISATIONS 1: all but H05 | all but H04 | not H13
    "placed_away_immunisations": {AWAY_: (4, 5), NEAR: (4, 5), UNKNOWN: (0, 1)},
    # Aged 4 to 16: away all five, a score for H01 H05 H09 H11 (not H15) | near H04 H10 H12
    # (H02, H08 are 3), a score for H12 only (H10's 45 is not valid) | H13 is 17: none
    "placed_away_sdq_recorded": {AWAY_: (4, 5), NEAR: (1, 3)},
    # Scores 13 15 20 17: total 65, squares 169 + 225 + 400 + 289 = 1083 | H12 14
    "placed_away_mean_sdq": {AWAY_: (65, 4, 1083), NEAR: (14, 1, 196)},
    # Recorded: H01 0, H11 0 | H04 1, H10 0, H12 1 (H05's and H13's items are blank)
    "placed_away_persistent_absence": {AWAY_: (0, 2), NEAR: (2, 3)},
    "placed_away_suspended": {AWAY_: (0, 2), NEAR: (2, 3)},  # H04 2, H12 1 | none
    # In care at 31 March 2024: 15 children (H07 left on 31 March); H05's two placements are
    # the most anyone had: none with three.
    "placed_away_3plus_placements": {AWAY_: (0, 5), NEAR: (0, 9), UNKNOWN: (0, 1)},
}
LEAVERS = {  # aged 19 to 21: L03 (last placed in Derby), L05 (at home), L04 L06 L10 (no episode)
    "placed_away_eet_19to21": {AWAY_: (0, 1), NEAR: (1, 1), UNKNOWN: (0, 3)},  # L05 F1
    "placed_away_suitable_accommodation_19to21": {AWAY_: (1, 1), NEAR: (1, 1), UNKNOWN: (0, 3)},
}


@pytest.mark.parametrize("indicator_id", [*EXPECTED, *LEAVERS])
def test_each_group_on_hand_made_returns(con, indicator_id):
    assert groups(con, indicator_id) == (EXPECTED | LEAVERS)[indicator_id]


@pytest.mark.parametrize("indicator_id", [*EXPECTED, *LEAVERS])
def test_the_groups_add_up_to_the_figure_they_split(con, indicator_id):
    item = catalogue.get(indicator_id)
    parent = catalogue.get(item.groups_of)
    whole = db.run(con, parent.query, year_from=2023, year_to=2024, **parent.params)
    parts = db.run(con, item.query, year_from=2023, year_to=2024, **item.params)
    keys = ["year", "district_code", "age_band"]
    counts = [c for c in ("numerator", "denominator", "sum_squares") if c in whole]
    summed = parts.groupby(keys)[counts].sum().reset_index()
    pd.testing.assert_frame_equal(
        summed.sort_values(keys).reset_index(drop=True),
        whole[keys + counts].sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )


def test_groups_by_district(con):
    # Health assessment, placed away: Mansfield H01 H11 (both 1); Ashfield H05 H09 H15 (H09 0).
    by_district = groups(con, "placed_away_health_assessment", by=("district_code",))
    assert by_district[MANSFIELD, AWAY_] == (2, 2)
    assert by_district["E07000170", AWAY_] == (2, 3)


def test_dental_checks_differ_by_fishers_exact_test(con):
    # 5 of 5 placed away against 1 of 5 near: expected counts under 5, so Fisher's exact test;
    # two-sided p = 12/252 (tests/test_stats.py works it out), below 0.05: better, dental
    # checks being better higher.
    found = groups(con, "placed_away_dental_check")
    away, near = ({"numerator": n, "denominator": d} for n, d in (found[AWAY_], found[NEAR]))
    result = stats.difference("percent", away, near, "higher_is_better")
    assert (result.method, result.verdict) == ("Fisher's exact test", "better")
    assert result.p_value == pytest.approx(12 / 252)


def test_so_few_children_are_withheld_and_never_compared(folder):
    published = db.published(folder)
    context = ind.Context.load(published, folder)
    items = [i for i in catalogue.catalogue().values() if i.groups_of]
    shown = ind.group_differences(published, items, ind.Selection(2023, 2024), context)
    assert (shown["verdict"] == stats.NOT_COMPARED).all()
    assert (shown["away_symbol"] == "c").all()
    sentence = overview.placed_away_sentence(shown, catalogue.catalogue(), "Testshire")
    assert sentence == (
        "In Testshire in 2024, children placed away from home could not be compared with those "
        "placed near home: 10 could not be tested (too few children, or figures withheld to "
        "protect their privacy)."
    )


# Protected with the figure they split, and tested as published ---------------------------------


def published_groups(cells: dict, indicator_id: str = "placed_away_health_assessment"):
    """The figures the build would write, in 2024, for a grouped indicator and its parent from
    the groups' cells {(district, age band, group): (numerator, denominator)}: a database to
    read them from, the context, and both extracts' rows."""
    item = catalogue.get(indicator_id)
    parent = catalogue.get(item.groups_of)
    context = context_for([2024])
    rows = pd.DataFrame(
        [
            {"year": 2024, "district_code": d, "age_band": b, "category": g,
             "numerator": n, "denominator": den}
            for (d, b, g), (n, den) in cells.items()
        ]
    )  # fmt: skip
    whole = rows.groupby(["year", "district_code", "age_band"], as_index=False)
    parent_figures = protect(whole[["numerator", "denominator"]].sum(), parent, context)
    figures = protect(rows, item, context, withheld_cells(parent_figures, context, parent))
    bands = pd.DataFrame({"age_band": BANDS, "sort_order": range(len(BANDS))})
    both = pd.concat([parent_figures, figures], ignore_index=True)
    con = db.from_frames(figures=both, districts=context.districts, age_bands=bands)
    return con, context, both


TEENS = "10 to 15"


def test_a_difference_is_tested_from_the_published_groups():
    cells = {("D1", TEENS, AWAY_): (25, 50), ("D1", TEENS, NEAR): (90, 120)}
    cells[("D2", TEENS, UNKNOWN)] = (10, 20)
    con, context, figures = published_groups(cells)
    assert (figures["symbol"] != "c").all()  # every group rests on enough children
    item = catalogue.get("placed_away_health_assessment")
    shown = ind.group_differences(con, [item], ind.Selection(2024, 2024), context)
    row = shown.iloc[0]
    assert (row["away_value"], row["near_value"]) == (50.0, 75.0)
    # 25 of 50 against 90 of 120: pooled 115/170, z = -0.25 / sqrt(p (1 - p) (1/50 + 1/120)).
    pooled = 115 / 170
    z = -0.25 / math.sqrt(pooled * (1 - pooled) * (1 / 50 + 1 / 120))
    assert row["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))  # 0.0015
    assert (row["method"], row["verdict"]) == ("two-proportion z test", "worse")
    assert overview.placed_away_sentence(shown, catalogue.catalogue(), "Council") == (
        "In Council in 2024, children placed away from home did statistically significantly "
        "worse than those placed near home on 1 of 1 measures tested (health assessment: 50.0% "
        "against 75.0%), better on none."
    )
    council = figures[(figures["area_code"] == "C") & (figures["age_band"] == "All ages")]
    parts = council[council["indicator_id"] == item.id]
    whole = council[council["indicator_id"] == item.groups_of].iloc[0]
    assert parts["numerator"].sum() == whole["numerator"] == 125  # the groups add up to it
    assert parts["denominator"].sum() == whole["denominator"] == 190


def test_a_small_group_withholds_another_so_it_cannot_be_worked_out():
    # Location not known: 2 of 3, withheld. With the council's figure shown (117 of 173), the
    # groups shown beside it would give it back: the smallest other group goes too, and no
    # difference is tested.
    cells = {("D1", TEENS, AWAY_): (25, 50), ("D1", TEENS, NEAR): (90, 120)}
    cells[("D1", TEENS, UNKNOWN)] = (2, 3)
    con, context, figures = published_groups(cells)
    groups = figures[(figures["indicator_id"] != "pct_health_assessment")]
    council = groups[(groups["area_code"] == "C") & (groups["age_band"] == "All ages")]
    assert dict(zip(council["category"], council["symbol"], strict=True)) == {
        UNKNOWN: "c",
        AWAY_: "c",
        NEAR: "",
    }
    parent = figures[figures["indicator_id"] == "pct_health_assessment"]
    assert (parent["symbol"] != "c").all() and parent["numerator"].max() == 117
    item = catalogue.get("placed_away_health_assessment")
    shown = ind.group_differences(con, [item], ind.Selection(2024, 2024), context)
    assert shown["verdict"].tolist() == [stats.NOT_COMPARED]
    assert audit_extract(figures) == []  # nor can a reader work out any withheld group


# The page, as a reader sees it (AppTest, on the demo data) ----------------------------------


def differences_for(selection: ind.Selection) -> pd.DataFrame:
    con = db.published()
    items = [i for i in catalogue.catalogue().values() if i.groups_of]
    return ind.group_differences(con, items, selection, ind.Context.load(con))


PAGE = "pages/10_Placed_away_from_home.py"


def test_the_page_says_what_the_published_figures_say():
    at = open_page(PAGE)
    context = ind.Context.load(db.published())
    year = max(context.years)
    shown = differences_for(ind.Selection(min(context.years), year))
    sentence = overview.placed_away_sentence(shown, catalogue.catalogue(), context.council_name)
    assert sentence.startswith(f"In {context.council_name} in {year}, children placed away")
    assert sentence in [m.value for m in at.markdown]
    table = at.dataframe[0].value
    assert len(table) == len(shown) == 10  # a row a measure, in the catalogue's order
    assert table["Measure"].tolist()[:2] == ["Health assessment", "Dental check"]
    for (_, row), (_, figure) in zip(table.iterrows(), shown.iterrows(), strict=True):
        verdict = row["Placed away against placed near"].lower()
        assert verdict == figure["verdict"]
        assert (row["p value"] == "") == (verdict == stats.NOT_COMPARED)
        if verdict in ("better", "worse"):  # never called so unless significant
            assert figure["p_value"] < 0.05
        if figure["away_symbol"] == "c":
            assert row["Placed away (95% CI)"] == "c" and verdict == stats.NOT_COMPARED
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    bars = [trace["name"] for trace in chart["data"] if trace["type"] == "bar"]
    assert bars == ["Placed near", "Placed away"]
    assert len(chart["data"][1]["y"]) == (shown["unit"] == "percent").sum() == 9
    assert at.download_button(key="placed-away-csv").label.startswith("Download this table (CSV")
    assert "Synthetic demo data" in at.warning[0].value


def test_a_district_changes_the_comparison_and_names_the_district():
    at = open_page(PAGE, district=MANSFIELD)
    context = ind.Context.load(db.published())
    shown = differences_for(ind.Selection(min(context.years), max(context.years), (MANSFIELD,)))
    sentence = overview.placed_away_sentence(shown, catalogue.catalogue(), "Mansfield")
    assert sentence.startswith("In Mansfield in")
    assert sentence in [m.value for m in at.markdown]


def test_the_overview_has_a_sentence_on_children_placed_away():
    at = open_page("app.py")
    brief = next(m.value for m in at.markdown if "**Children placed away from home.**" in m.value)
    context = ind.Context.load(db.published())
    shown = differences_for(ind.Selection(min(context.years), max(context.years)))
    assert overview.placed_away_sentence(shown, catalogue.catalogue(), context.council_name) in (
        brief
    )


def test_the_comparisons_csv_names_its_area_and_ages():
    """The CSV (placed_away_2024.csv) had named neither: Newark and Sherwood's 10 to 15 year
    olds and the council's all ages gave files alike. Each row names them now, a care
    leavers' measure saying it keeps its own ages."""
    context = ind.Context.load(db.published())
    selection = ind.Selection(2015, 2024, ("E07000175",), ("10 to 15",))
    items = [i for i in catalogue.catalogue().values() if i.groups_of]
    names = {i.id: catalogue.get(i.groups_of).short_title for i in items}
    csv = ind.difference_csv(differences_for(selection), names, context, selection)
    assert list(csv.columns[:3]) == ["Area", "Ages", "Measure"]
    assert set(csv["Area"]) == {"Newark and Sherwood"}
    leavers = csv["Measure"].str.contains("19-21")
    assert set(csv.loc[~leavers, "Ages"]) == {"aged 10 to 15"}
    assert set(csv.loc[leavers, "Ages"]) == {"aged 19 to 21 (age band filter not applied)"}
    assert csv["source"].str.startswith("SYNTHETIC").all()
    whole = ind.Selection(2015, 2024, (MANSFIELD, "E07000170"))
    csv = ind.difference_csv(differences_for(whole), names, context, whole)
    assert set(csv["Area"]) == {"Mansfield and Ashfield added together"}
    leavers = csv["Measure"].str.contains("19-21")  # their own ages, which had read all ages
    assert set(csv.loc[~leavers, "Ages"]) == {"all ages"}
    assert set(csv.loc[leavers, "Ages"]) == {"aged 19 to 21"}
    newark = ind.Selection(2015, 2024, ("E07000175", "E07000170"))
    csv = ind.difference_csv(differences_for(newark), names, context, newark)
    # "Newark and Sherwood and Ashfield" had read as three districts
    assert set(csv["Area"]) == {"Newark and Sherwood, and Ashfield added together"}
    at = open_page(PAGE, district="E07000175", age_band="10 to 15")  # the page builds it
    assert at.download_button(key="placed-away-csv").label == "Download this table (CSV, 10 rows)"


def test_the_comparisons_chart_names_its_area_ages_and_year():
    """The chart named no area, ages or year: saved from its toolbar (placed_away_2024.png) it
    was Newark and Sherwood's 10 to 15 year olds or the council's all ages alike."""
    at = open_page(PAGE, district="E07000175", age_band="10 to 15")
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    notes = " ".join(a["text"] for a in chart["layout"]["annotations"]).replace("<br>", " ")
    assert (
        "Newark and Sherwood, aged 10 to 15 (care leavers: 19 to 21); year ending 31 March 2024"
        in notes
    )
    chart = json.loads(open_page(PAGE).get("plotly_chart")[0].proto.spec)
    notes = " ".join(a["text"] for a in chart["layout"]["annotations"]).replace("<br>", " ")
    assert "Nottinghamshire, all ages; year ending 31 March 2024." in notes
