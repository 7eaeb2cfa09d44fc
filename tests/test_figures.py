"""The figures extract: what the build protects once, and every page and command reads."""

from __future__ import annotations

import hashlib
import json
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from carejsna import audit, block, catalogue, db, stats
from carejsna import indicators as ind
from carejsna.figures import COLUMNS, MANIFEST

MANSFIELD, ASHFIELD = "E07000174", "E07000170"


@pytest.fixture(scope="module")
def demo():
    con = db.connect()
    return con, ind.Context.load(con), pd.read_parquet(db.data_dir() / "figures.parquet")


def test_the_extract_holds_figures_only_and_its_manifest_says_what_from(demo):
    _, context, figures = demo
    assert list(figures.columns) == COLUMNS  # no child id, date of birth or postcode
    manifest = json.loads((db.data_dir() / MANIFEST).read_text())
    assert manifest["indicators"] == figures.groupby("indicator_id", sort=False).size().to_dict()
    assert list(manifest["indicators"]) == list(catalogue.catalogue())
    assert manifest["synthetic"] is True and manifest["years"] == list(context.years)
    assert manifest["unresolved"] == []  # the build's own audit found nothing to give away
    for name, digest in manifest["built_from"].items():
        assert hashlib.sha256((db.data_dir() / name).read_bytes()).hexdigest() == digest


def test_every_figure_any_selection_can_show_is_there(demo):
    _, context, figures = demo
    for item in catalogue.catalogue().values():
        rows = figures[figures["indicator_id"] == item.id]
        bands = len(context.age_bands) + 2 if "age_band" in item.filters else 1
        cells = len(context.years) * (len(context.districts) + 1) * bands
        assert len(rows) == cells * max(rows["category"].nunique(), 1), item.id
        assert not rows.duplicated(["year", "area_code", "age_band", "category"]).any()


def test_no_count_of_one_to_four_children_is_in_the_extract(demo):
    _, _, figures = demo
    shown = figures[figures["symbol"] == ""]
    children = {
        "count": [shown["numerator"]],
        "rate_per_10k": [shown["numerator"]],
        "percent": [shown["numerator"], shown["denominator"] - shown["numerator"]],
        "mean": [shown["denominator"]],
    }
    for unit, counts in children.items():
        of_unit = shown["unit"] == unit
        for count in counts:
            assert not count[of_unit].between(1, 4).any(), unit
    small_base = shown["unit"].isin(["percent", "mean"]) & shown["denominator"].between(1, 9)
    assert not small_base.any()
    withheld = figures[figures["symbol"] == "c"]
    assert withheld[["numerator", "value", "lower_95", "upper_99_8"]].isna().all().all()


def test_stored_trend_verdicts_are_those_of_the_shown_series(demo):
    con, context, figures = demo
    for item_id in ("cla_at_31_march", "cla_rate_per_10k", "pct_3plus_placements"):
        item = catalogue.get(item_id)
        for district in ((), (MANSFIELD,)):
            selection = ind.Selection(2020, 2024, district)
            trend = ind.all_figures(con, item, selection, context)["trend"]
            own = trend[trend["area_name"] == trend["area_name"].iloc[0]]
            stored = ind.recent_trend(own, item)
            fresh = ind.recent_trend(own.drop(columns=["trend", "trend_p"]), item)
            assert stored.direction == fresh.direction, (item_id, district)
            assert stored.p_value == pytest.approx(fresh.p_value, rel=1e-6, nan_ok=True)


def test_stored_comparisons_are_what_a_page_shows(demo):
    con, context, figures = demo
    for item_id in ("cla_rate_per_10k", "pct_eet_19to21", "pct_3plus_placements"):
        item = catalogue.get(item_id)
        selection = ind.Selection(2024, 2024)
        shown = ind.all_figures(con, item, selection, context)["district"]
        stored = figures[
            (figures["indicator_id"] == item_id)
            & (figures["year"] == 2024)
            & (figures["age_band"] == ind.ALL_AGES)
        ].set_index("area_code")
        for row in shown.itertuples():
            assert stored.loc[row.area_code, "comparison_95"] == row.comparison, row.area_code


def test_a_districts_age_bands_are_compared_with_the_councils_same_ages(demo):
    """As the trend for one band compares the district with the council for those ages, so does
    the age band view, whichever bands are chosen: its all ages with the council's all ages
    (it was compared with the council's chosen band)."""
    con, context, figures = demo
    item = catalogue.get("cla_rate_per_10k")
    stored = figures[
        (figures["indicator_id"] == item.id)
        & (figures["year"] == 2024)
        & (figures["area_code"] == MANSFIELD)
    ].set_index("age_band")
    for bands in [(), ("10 to 15",)]:
        selection = ind.Selection(2020, 2024, (MANSFIELD,), bands)
        shown = ind.all_figures(con, item, selection, context, ("age_band",))["age_band"]
        assert set(shown["comparator"]) == {context.council_name}
        for row in shown.itertuples():
            expected = stored.loc[row.age_band]
            assert row.comparator_value == pytest.approx(expected["comparator_value"])
            assert row.comparison == expected["comparison_95"], (bands, row.age_band)
        assert (shown["comparison"] != stats.NOT_COMPARED).all()
        said = block.subtitle(item, selection, "age_band", context, "England")
        assert said.endswith(f"compared with {context.council_name} for the same ages")
    council = block.subtitle(item, ind.Selection(2020, 2024), "age_band", context, "England")
    assert council.endswith("compared with England for all ages, none for an age band")


@pytest.mark.parametrize("districts", [(), (MANSFIELD,)])
def test_a_distributions_printed_subtitle_claims_no_comparison(demo, districts):
    """A distribution's shares (a breakdown's categories, the placed-away groups) are compared
    with nothing, so its printed chart's subtitle and the chapter's captions do not say they
    are: they said "compared with Nottinghamshire" (the council compared with itself) or
    "compared with England", beside tables that say "Not compared" or "No comparator"."""
    con, context, _ = demo
    selection = ind.Selection(2020, 2024, districts)
    for item in [i for i in catalogue.catalogue().values() if i.breakdown]:
        frames = ind.all_figures(con, item, selection, context, ind.views(item))
        for view, frame in frames.items():
            compared = set(frame["comparison"]) - {stats.NOT_COMPARED, "no comparator"}
            assert not compared, (item.id, view)
            said = block.subtitle(item, selection, view, context, "England")
            assert "compared with" not in said, (item.id, view, said)
            assert said.endswith("95% confidence intervals"), (item.id, view, said)


def test_a_care_leavers_printed_subtitle_names_their_ages(demo):
    """A care leavers' chart, printed or saved, had said "all ages", and its table's Age band
    column "All ages", under a title of care leavers aged 19 to 21."""
    con, context, _ = demo
    item = catalogue.get("pct_eet_19to21")
    for bands in [(), ("10 to 15",)]:
        selection = ind.Selection(2020, 2024, (), bands)
        said = block.subtitle(item, selection, "trend", context, "England")
        assert said.startswith("Nottinghamshire; 19 to 21; years ending"), said
        frame = ind.all_figures(con, item, selection, context, ("trend",))["trend"]
        shown = block.build(item, frame, selection, "trend", context)
        assert set(shown.table["Age band"]) == {"19 to 21"}


def test_a_sum_over_chosen_districts_and_bands_is_the_sum_of_the_published_figures(demo):
    con, context, figures = demo
    item = catalogue.get("cla_rate_per_10k")
    bands = ("5 to 9", "10 to 15")
    selection = ind.Selection(2015, 2024, (MANSFIELD, ASHFIELD), bands, combined=True)
    trend = ind.all_figures(con, item, selection, context)["trend"]
    own = trend[trend["area_code"] == f"{MANSFIELD}+{ASHFIELD}"].set_index("year")
    parts = figures[
        (figures["indicator_id"] == item.id)
        & figures["area_code"].isin([MANSFIELD, ASHFIELD])
        & figures["age_band"].isin(bands)
    ]
    for year, cells in parts.groupby("year"):
        if (cells["symbol"] == "c").any():
            assert own.loc[year, "symbol"] == "c"
            continue
        numerator, population = cells["numerator"].sum(), cells["denominator"].sum()
        assert own.loc[year, "numerator"] == numerator
        assert own.loc[year, "value"] == pytest.approx(numerator / population * 10_000)
        lower, upper = stats.rate(numerator, population)
        assert own.loc[year, "lower_95"] == pytest.approx(lower)
        assert own.loc[year, "upper_95"] == pytest.approx(upper)
    assert set(own["age_band"]) == {"5 to 9, 10 to 15"}


def test_a_withheld_part_withholds_every_sum_it_is_in(demo):
    con, context, figures = demo
    item = catalogue.get("cla_at_31_march")
    hidden = figures[
        (figures["indicator_id"] == item.id)
        & (figures["symbol"] == "c")
        & (figures["area_type"] == "district")
        & (figures["age_band"] != ind.ALL_AGES)
    ].iloc[0]
    other = "Under 1" if hidden["age_band"] != "Under 1" else "1 to 4"
    year = int(hidden["year"])
    selection = ind.Selection(year, year, (hidden["area_code"],), (hidden["age_band"], other))
    trend = ind.all_figures(con, item, selection, context)["trend"]
    own = trend[trend["area_code"] == hidden["area_code"]]
    assert own["symbol"].tolist() == ["c"] and np.isnan(own["numerator"].iloc[0])


def test_a_category_whose_cell_total_is_withheld_is_withheld_whole(demo):
    """Its percentage (numerator / total), or its limits (a zero's too), would give the
    withheld total back."""
    _, _, figures = demo
    items = [i.id for i in catalogue.catalogue().values() if i.breakdown and not i.groups_of]
    categories = figures[figures["indicator_id"].isin(items)]
    assert (categories["symbol"] == "c").any() and (categories["symbol"] == "").any()
    shown = categories[categories["symbol"] == ""]
    assert shown["denominator"].notna().all()


@pytest.mark.parametrize("rounded", [False, True])
def test_sums_of_districts_or_bands_are_never_over_a_whole(demo, rounded):
    """Added together, every pair of districts (Unknown and Other too) and every pair of age
    bands: no category over 100 per cent, no cell's categories over its total, and a rate
    over a part without a population (Unknown, Other) not available, not inflated."""
    con, context, _ = demo
    codes = list(context.districts["district_code"])
    pairs = [((a, b), ()) for i, a in enumerate(codes) for b in codes[i + 1 :]]
    bands = [b for b in context.age_bands if b != ind.ALL_AGES]
    pairs += [((), (a, b)) for i, a in enumerate(bands) for b in bands[i + 1 :]]
    items = ["cla_by_legal_status", "cla_by_category_of_need", "cla_rate_per_10k"]
    for item_id in items:
        item = catalogue.get(item_id)
        for districts, chosen in pairs:
            selection = ind.Selection(
                context.years[0], context.years[-1], districts, chosen, rounded=rounded,
                combined=bool(districts),
            )  # fmt: skip
            trend = ind.all_figures(con, item, selection, context)["trend"]
            own = trend[trend["area_code"] == selection.area(context)[0]]
            said = f"{item_id} {districts or chosen}"
            if item.unit == "percent":
                assert not (own["value"] > 100 + 1e-9).any(), said
                if not rounded:  # rounded apart, the categories may add to 5 or so more
                    per_cell = own.groupby("year")["numerator"].sum(min_count=1)
                    totals = own.groupby("year")["denominator"].max()
                    assert not (per_cell > totals + 1e-9).any(), said
            elif set(districts) & {"UNKNOWN", "OTHER"}:
                assert own["value"].isna().all() and own["numerator"].notna().any(), said


def test_rounded_figures_are_worked_out_from_rounded_counts(demo):
    con, context, _ = demo
    for item_id in ("cla_at_31_march", "cla_rate_per_10k", "pct_eet_19to21", "mean_sdq"):
        item = catalogue.get(item_id)
        selection = ind.Selection(2024, 2024, rounded=True)
        shown = ind.all_figures(con, item, selection, context)["district"]
        shown = shown[shown["symbol"] == ""]
        counts = shown["denominator"] if item.unit == "mean" else shown["numerator"]
        assert (counts % 5 == 0).all(), item_id
        limits = stats.limits(
            item.unit, shown["numerator"], shown["denominator"], shown.get("sum_squares")
        )
        assert np.allclose(limits["lower_95"], shown["lower_95"], equal_nan=True), item_id
        if item.unit == "mean":  # its total of scores over the average gives the rounded count
            assert np.allclose(shown["numerator"] / shown["value"], shown["denominator"])
        elif item.unit != "count":
            assert np.allclose(limits["value"], shown["value"]), item_id


def test_a_count_several_indicators_show_is_withheld_alike_and_cannot_be_worked_out(demo):
    """A reader takes each shared count from whichever indicator shows it (children in care
    from the count, or from the UASC share's denominator): the equations of all they know
    together give back no withheld count. Before, 10 children-in-care counts of 1 to 4 came
    back through the UASC share's denominators (2023 Broxtowe Under 1 = 79 - 19 - 26 - 22 - 10
    = 2), and SDQ counts through the average score's."""
    _, _, figures = demo
    shared = json.loads((db.data_dir() / MANIFEST).read_text())["shared_counts"]
    found = {frozenset(members) for members in shared}
    for expected in (
        {"cla_at_31_march.numerator", "pct_uasc.denominator", "pct_3plus_placements.denominator"},
        {"pct_sdq_recorded.numerator", "mean_sdq.denominator", "pct_sdq_borderline.denominator"},
        {"pct_persistent_absence.denominator", "pct_sen_support.denominator"},
        {"pct_eet_19to21.denominator", "care_leaver_activity_19to21.total"},
        {
            "pct_neet_illness_19to21.numerator",
            "care_leaver_activity_19to21.numerator:NEET: illness or disability",
        },
        {
            "cla_by_placement_type.numerator:Placed with parents",
            "cla_by_placement_provider.numerator:Parents",
        },
    ):
        assert any(expected <= members for members in found), expected
    for members in shared:
        assert _alike_and_safe(figures, members) > 0, members
    manifest = json.loads((db.data_dir() / MANIFEST).read_text())
    banded = manifest["banded_counts"]  # the same count in one age band only
    assert any(
        {
            "pct_health_assessment.denominator@1 to 4",
            "pct_development_check_under5.denominator@1 to 4",
        }
        <= set(members)
        for members in banded
    )  # children aged 1 to 4 looked after for 12 months: the under 5s' checks count no others
    for members in banded:
        _alike_and_safe(figures, members)
    summed = manifest["summed_counts"]
    assert ["pct_neet_19to21.numerator"] in [members[:1] for members in summed]
    for whole, *parts in summed:  # shown all together or withheld all together
        masks = [_shared_count(figures, member).isna() for member in (whole, *parts)]
        assert all((mask == masks[0]).all() for mask in masks), whole


def test_a_denominator_percentages_share_is_known_to_each_and_gives_nothing_away(demo):
    """Children looked after for 12 months are the denominator of five health shares; the
    substance misuse share withholds the council's 1 to 4s every year for its own numerators.
    Withheld alike, every health share withheld them too: the development check of the
    under 5s, all of the council's figures. Now a count only percentages' or averages'
    denominators share is withheld alike only where it must be for its own sake, and each
    share is protected knowing it wherever another shows it. A reader who fills each share's
    withheld denominators in from the others works out none of its withheld figures, nor
    solving each cohort's shares together (test_lattice: the demo's extract, read so). Fails
    on the extract from before (the council's under 5s)."""
    _, _, figures = demo
    told = json.loads((db.data_dir() / MANIFEST).read_text())["known_denominators"]
    health = ["pct_health_assessment", "pct_dental_check", "pct_immunisations"]
    assert [f"{i}.denominator" for i in health] == told[0][:3]
    council = figures[
        (figures["indicator_id"] == "pct_development_check_under5")
        & (figures["area_type"] == "council")
        & (figures["age_band"] == ind.ALL_AGES)
    ]
    assert (council["symbol"] == "").sum() >= len(council) - 2  # was withheld every year


def test_a_count_that_is_two_others_added_gives_neither_back(demo):
    """Children in care at 31 March are those placed a known distance from home (the over 20
    miles share's denominator) and those whose distance is not known: a review read 83
    withheld counts of 1 to 4 of the second off the other two (Ashfield 2015: 181 - 177 = 4).
    The two parts are withheld alike, wherever either or the sum is; the equations of all
    three together (the sum a total, the parts its categories, over every district and age
    band, none negative) give back no withheld count. Fails on the extract from before."""
    _, _, figures = demo
    across = json.loads((db.data_dir() / MANIFEST).read_text())["summed_across"]
    parts = {"pct_placed_over_20_miles.denominator", "placement_distance_not_known.numerator"}
    assert any(
        set(found["parts"]) == parts and "cla_at_31_march.numerator" in found["sum"]
        for found in across
    )
    for found in across:
        total = None
        for member in found["sum"]:  # each indicator showing the sum: what they show together
            shown = _shared_count(figures, member)
            total = shown if total is None else total.fillna(shown)
        shown = [_shared_count(figures, member) for member in found["parts"]]
        assert all((part.index == total.index).all() for part in shown)
        hidden = shown[0].isna()
        assert all((part.isna() == hidden).all() for part in shown), found  # alike
        assert not (total.isna() & ~hidden).any(), found  # and wherever the sum is withheld
        sums = total.to_numpy()
        frame = pd.concat(
            [
                part.rename("numerator").reset_index().assign(category=name, denominator=sums)
                for name, part in zip(found["parts"], shown, strict=True)
            ],
            ignore_index=True,
        ).assign(indicator_id="summed", unit="percent")
        frame["symbol"] = np.where(frame["numerator"].isna(), "c", "")
        assert [str(leak) for leak in audit.audit(frame) if audit.telling(leak)] == [], found


def _alike_and_safe(figures: pd.DataFrame, members: list[str]) -> int:
    """A shared count's members are withheld alike (each wherever one that counts it does; a
    count only percentages' denominators share, each known to the others, need not be), and
    what a reader takes from all of them together gives back no withheld count. Returns how
    many of its figures are withheld."""
    known, masks = None, []
    for member in members:
        shown = _shared_count(figures, member)
        masks.append(shown.isna().to_numpy())
        known = shown if known is None else known.fillna(shown)
    counting = [mask for mask, m in zip(masks, members, strict=True) if "denominator" not in m]
    if members not in json.loads((db.data_dir() / MANIFEST).read_text())["known_denominators"]:
        union = np.logical_or.reduce(counting or masks)
        assert all((mask >= union).all() for mask in masks), members  # withheld alike
    frame = known.rename("numerator").reset_index()
    frame = frame.assign(indicator_id=members[0], unit="count", denominator=np.nan)
    frame["symbol"] = np.where(frame["numerator"].isna(), "c", "")
    assert [str(leak) for leak in audit.audit(frame) if audit.telling(leak)] == [], members
    return int((frame["symbol"] == "c").sum())


def _shared_count(figures: pd.DataFrame, member: str) -> pd.Series:
    """A shared count as one indicator shows it (manifest's "indicator.series", or
    "indicator.series@age band" for one band): blank where withheld, 0 where there is none (x,
    z), by year, area, age band (all of them, or the one) and group."""
    item_id, series = member.split(".", 1)
    series, _, band = series.partition("@")
    rows = figures[figures["indicator_id"] == item_id]
    if band:  # that band's lattice: its districts and the council
        rows = rows[rows["age_band"] == band].assign(age_band=ind.ALL_AGES)
    none = rows["symbol"].isin(["x", "z"])
    if series == "total":  # a distribution's cells' total: shown beside its categories
        rows = rows.assign(category="", value=rows["denominator"].where(~none, 0.0))
    elif series.startswith("numerator:"):
        rows = rows[rows["category"] == series.split(":", 1)[1]].assign(category="")
        rows = rows.assign(value=rows["numerator"].where(rows["symbol"] == "").where(~none, 0.0))
    else:
        rows = rows.assign(value=rows[series].where(rows["symbol"] == "").where(~none, 0.0))
    keys = ["year", "area_code", "area_type", "age_band", "category"]
    return rows.groupby(keys, sort=True)["value"].max()


@pytest.mark.parametrize("item_id", ["cla_at_31_march", "pct_placed_outside_council", "mean_sdq"])
def test_rounded_sums_add_up_the_rounded_parts_so_no_exact_count_comes_back(demo, item_id):
    """Districts added together, rounded, are the sum of the parts as shown (each to the
    nearest 5), never the exact sum rounded: else every subset of districts added together
    would pin each district's exact count (187 + 24 = 211 -> 210; 185 + 25 = 210)."""
    con, context, _ = demo
    item = catalogue.get(item_id)
    counts = {"mean": ["denominator"], "percent": ["numerator", "denominator"]}
    apart = ind.Selection(2015, 2024, rounded=True)
    both = replace(apart, districts=(MANSFIELD, ASHFIELD), combined=True)
    summed = ind.all_figures(con, item, both, context)["trend"]
    summed = summed[summed["area_code"] == f"{MANSFIELD}+{ASHFIELD}"].reset_index(drop=True)
    shown = summed["symbol"] == ""
    assert shown.sum() >= 3
    for count in counts.get(item.unit, ["numerator"]):
        parts = 0
        for district in both.districts:
            alone = ind.all_figures(con, item, replace(apart, districts=(district,)), context)
            trend = alone["trend"]
            parts = parts + trend.loc[trend["area_code"] == district, count].to_numpy()
        assert (summed.loc[shown, count].to_numpy() == parts[shown]).all(), count


def test_groups_add_up_to_the_figure_they_split_and_are_withheld_with_it(demo):
    _, _, figures = demo
    keys = ["year", "area_code", "age_band"]
    grouped = [i for i in catalogue.catalogue().values() if i.groups_of]
    assert grouped, "the catalogue splits some figures into groups (children placed away)"
    for item in grouped:
        rows = figures[figures["indicator_id"] == item.id]
        assert set(rows["category"]) == {"Placed away", "Placed near", "Location not known"}
        rows = rows.assign(withheld=rows["symbol"] == "c")
        summed = rows.fillna({"numerator": 0, "denominator": 0}).groupby(keys)  # x: none
        summed = summed.agg({"numerator": "sum", "denominator": "sum", "withheld": ["any", "all"]})
        summed.columns = ["numerator", "denominator", "any_withheld", "all_withheld"]
        parent = figures[figures["indicator_id"] == item.groups_of].set_index(keys)
        parent = parent[["numerator", "denominator", "symbol"]].fillna(0).add_suffix("_whole")
        both = summed.join(parent)
        shown = ~both["any_withheld"] & (both["symbol_whole"] != "c")
        assert shown.any(), item.id
        for count in ("numerator", "denominator"):
            assert (both.loc[shown, count] == both.loc[shown, f"{count}_whole"]).all(), item.id
        assert both.loc[both["symbol_whole"] == "c", "all_withheld"].all(), item.id  # with it


@pytest.mark.parametrize("rounded", [False, True])
def test_trends_read_at_once_are_each_indicators_own_trend(demo, rounded):
    # Tiles and summaries read many indicators at once, in any order: each must get its own
    # rows, the same as its chart's trend view for the selection.
    con, context, _ = demo
    items = [i for i in catalogue.catalogue().values() if not i.breakdown][::-7]
    selection = ind.Selection(2018, 2024, (MANSFIELD,), ("10 to 15",), rounded=rounded)
    shown = ind.trends(con, items, selection, context)
    assert list(shown) == [item.id for item in items]
    for item in items:
        trend = ind.all_figures(con, item, selection, context, ("trend",))["trend"]
        own = trend[trend["area_code"] == MANSFIELD]
        columns = ["year", "numerator", "denominator", "value", "symbol", "lower_95"]
        pd.testing.assert_frame_equal(
            shown[item.id][columns].reset_index(drop=True), own[columns].reset_index(drop=True)
        )
        assert (shown[item.id]["indicator_id"] == item.id).all()


def test_a_server_holds_an_indicator_the_first_time_it_is_asked_for_then_reads_as_the_file():
    held, files = db.published(load=True), db.published()
    context = ind.Context.load(files)
    count = "select count(*) from held.figures where list_contains($ids, indicator_id)"
    everything = [i.id for i in catalogue.catalogue().values()]
    assert held.execute(count, {"ids": everything}).fetchone() == (0,)  # nothing read yet
    items = [catalogue.get("cla_rate_per_10k"), catalogue.get("cla_by_legal_status")]
    selection = ind.Selection(
        districts=(MANSFIELD,), age_bands=("10 to 15",), year_from=2019, year_to=context.years[-1]
    )
    views = ("selection", "council", "district", "age_band")
    shown = ind.read(held, items, selection, context, views)
    pd.testing.assert_frame_equal(shown, ind.read(files, items, selection, context, views))
    ids = [i.id for i in items]
    in_file = files.execute(count.replace("held.", ""), {"ids": ids}).fetchone()
    assert held.execute(count, {"ids": everything}).fetchone() == in_file  # those two, once
    assert held.execute(count, {"ids": ids}).fetchone() == in_file


def test_readers_asking_for_the_same_indicator_at_once_hold_it_once():
    from concurrent.futures import ThreadPoolExecutor

    held = db.published(load=True)
    context = ind.Context.load(held)
    item = catalogue.get("pct_ks4_eng_maths_4")
    every_year = ind.Selection(year_from=context.years[0], year_to=context.years[-1])
    with ThreadPoolExecutor(8) as pool:
        reads = list(pool.map(lambda _: ind.read(held, [item], every_year, context), range(8)))
    assert all(read.equals(reads[0]) for read in reads)
    count = "select count(*) from {} where indicator_id = $id"
    assert (
        held.execute(count.format("held.figures"), {"id": item.id}).fetchone()
        == held.execute(count.format("figures_file"), {"id": item.id}).fetchone()
    )


@pytest.mark.parametrize("bands", [(), ("5 to 9", "10 to 15")])
def test_districts_side_by_side_are_each_as_chosen_alone(demo, bands):
    # Several districts side by side: a line each, in the order chosen, then the council's;
    # each line what choosing its district alone shows (an Unknown district's missing figures
    # are z, not applicable, either way), whether read alone or with a theme page's others.
    con, context, _ = demo
    items = [i for i in catalogue.catalogue().values() if not i.breakdown][::-5]
    chosen = (MANSFIELD, "UNKNOWN", ASHFIELD)
    apart = ind.Selection(2015, 2024, chosen, bands)
    rows = ind.read(con, items, apart, context, apart.views)
    for item in items:
        lines = ind.all_figures(con, item, apart, context, ("trend",))["trend"]
        within = ind.all_figures(con, item, apart, context, ("trend",), rows)["trend"]
        pd.testing.assert_frame_equal(lines, within, check_exact=True)
        alone = []
        for code in chosen:
            one = ind.all_figures(con, item, replace(apart, districts=(code,)), context)["trend"]
            alone.append(one[one["area_code"] == code])
        council = one[one["area_code"] == context.council_code]
        expected = pd.concat([*alone, council], ignore_index=True)
        pd.testing.assert_frame_equal(lines, expected, check_exact=True, obj=item.id)
    assert (lines["symbol"] != "x").all()


def test_python_strings_read_the_same_figures_as_arrow_strings(demo):
    # The explorer holds text as Python strings (ui.py sets pandas' string storage, a quicker
    # rerun); the build and the command line keep pandas' default, Arrow. Every view and table
    # of two indicators of each kind (each unit, with categories and without), for districts
    # and bands side by side, and together rounded, reads the same either way.
    con = demo[0]
    kinds: dict[tuple, list] = {}
    for item in catalogue.catalogue().values():
        kinds.setdefault((item.unit, bool(item.breakdown)), []).append(item)
    items = [item for kind in kinds.values() for item in kind[:2]]
    chosen = ind.Selection(2015, 2024, (MANSFIELD, "UNKNOWN"), ("5 to 9", "10 to 15"))
    selections = [chosen, replace(chosen, combined=True, rounded=True)]
    read = {}
    for storage in ("pyarrow", "python"):
        with pd.option_context("mode.string_storage", storage):
            context = ind.Context.load(con)
            read[storage] = [
                (view, frame, ind.table(frame, item, context))
                for item in items
                for selection in selections
                for view, frame in ind.all_figures(con, item, selection, context).items()
            ]
    assert len(kinds) == 6 and len(read["python"]) == len(read["pyarrow"]) > 2 * len(items)
    for (view, frame, table), (_, python, python_table) in zip(*read.values(), strict=True):
        assert python["area_name"].dtype == pd.StringDtype("python", na_value=np.nan)
        assert frame["area_name"].dtype == pd.StringDtype("pyarrow", na_value=np.nan)
        pd.testing.assert_frame_equal(
            python, frame, check_dtype=False, check_column_type=False, check_exact=True, obj=view
        )
        pd.testing.assert_frame_equal(
            python_table, table, check_dtype=False, check_column_type=False, obj=view
        )


def test_a_region_is_named_with_the_in_every_sentence_a_comparator_is_put_into(demo):
    """A board member read "similar to East Midlands" (a slip): a region named by a point of
    the compass reads "the East Midlands" in tables, subtitles, legends and the chapter's
    sentences; England, and a council such as North Yorkshire, take no "the"."""
    _, context, _ = demo
    item = catalogue.get("cla_rate_per_10k")
    said = block.subtitle(item, ind.Selection(2020, 2024), "trend", context, "East Midlands")
    assert said.endswith("compared with the East Midlands")
    assert ind.compared_text("similar", "East Midlands") == "Similar to the East Midlands"
    assert ind.compared_text("better", "South West") == "Better than the South West"
    assert ind.compared_text("similar", "England") == "Similar to England"
    assert ind.compared_text("worse", "North Yorkshire") == "Worse than North Yorkshire"


@pytest.mark.parametrize("rounded", [False, True])
@pytest.mark.parametrize("districts", [(), (MANSFIELD,), (MANSFIELD, ASHFIELD)])
def test_each_age_band_over_time_is_each_years_age_band_view(demo, districts, rounded):
    """By age band over time shows nothing a reader could not see already: each of its years is
    the age band view with that year as the latest (its figures, symbols, limits and comparison
    with the council's same ages), so the lattice the audit protects is the same."""
    con, context, _ = demo
    for item_id in ("cla_rate_per_10k", "pct_health_assessment", "mean_sdq"):
        item = catalogue.get(item_id)
        selection = ind.Selection(2015, 2024, districts, ("10 to 15",), rounded=rounded)
        over_time = ind.figures(con, item, selection, "age_bands", context)
        assert sorted(set(over_time["year"])) == list(range(2015, 2025))
        for year, shown in over_time.groupby("year"):
            latest = ind.figures(con, item, replace(selection, year_to=year), "age_band", context)
            pd.testing.assert_frame_equal(
                shown.reset_index(drop=True), latest, check_exact=True, obj=f"{item_id} {year}"
            )
        assert set(over_time["age_band"]) >= {*context.age_bands, ind.ALL_AGES}
