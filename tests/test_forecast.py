"""Forecasts: the stock-and-flow model on hand-made histories worked out by hand, its variance,
the back-test on the demo returns, the command and the page."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from carejsna import catalogue, db, disclosure, forecast
from carejsna import indicators as ind
from carejsna.cli import main

ROOT = Path(__file__).resolve().parents[1]
AGE_BANDS = pd.DataFrame(
    {
        "age_band": ["Under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over"],
        "min_age": [0, 1, 5, 10, 16],
        "max_age": [0, 4, 9, 15, 120],
        "sort_order": [1, 2, 3, 4, 5],
    }
)
BANDS = forecast.Bands.of(zip(AGE_BANDS["age_band"], AGE_BANDS["min_age"], strict=True))
ONE_BAND = forecast.Bands.of([("Under 18", 0)])
FOSTERING, RESIDENTIAL = forecast.KEYS.index("fostering"), forecast.KEYS.index("residential")
MANSFIELD, ASHFIELD, GEDLING = "E07000174", "E07000170", "E07000173"


def history(episodes: list[tuple], children: dict[str, tuple[int, int]]):
    """A database of hand-made returns: episodes as (return year, child, start, end, RNE,
    PLACE, REC), children as child: (birth year, birth month), all in one district."""
    frame = pd.DataFrame(
        episodes,
        columns=["year", "child_id", "start_date", "end_date", "reason_new_episode",
                 "placement_type", "reason_ended"],
    )  # fmt: skip
    for column in ("start_date", "end_date"):
        frame[column] = pd.to_datetime(frame[column])
    frame["is_short_break"] = False
    people = pd.DataFrame(
        [
            (year, child, *children[child], "E07000170")
            for year, child in frame[["year", "child_id"]].drop_duplicates().itertuples(False)
        ],
        columns=["year", "child_id", "birth_year", "birth_month", "district_code"],
    )
    return db.from_frames(episodes=frame, children=people, age_bands=AGE_BANDS)


# What happened over one reference year (1 April 2023 to 31 March 2024, 366 days: a leap year).
# a (born June 2014, aged 8 to 9): enters foster care 1 April, moves to a children's home on
#   10 July (100 days of fostering), leaves care 17 January (191 days in the home: 22 days
#   in July, 153 to December, 16 in January).
# b (born January 2012, aged 11 to 12): enters foster care 1 May, still there (336 days).
# c (born March 2008): in foster care since 2022 (no entry this year), three days in hospital
#   in June (a temporary placement: no move), 16 on 1 March 2024: 335 days aged 10 to 15 then
#   31 days aged 16.
# d: short breaks only (left out).
EPISODES = [
    (2024, "a", "2023-04-01", "2023-07-10", "S", "U4", "X1"),
    (2024, "a", "2023-07-10", "2024-01-17", "P", "K2", "E11"),
    (2024, "b", "2023-05-01", None, "S", "U6", None),
    (2024, "c", "2022-01-01", "2023-06-02", "S", "U4", "X1"),
    (2024, "c", "2023-06-02", "2023-06-05", "P", "T1", "X1"),
    (2024, "c", "2023-06-05", None, "P", "U4", None),
]
BORN = {"a": (2014, 6), "b": (2012, 1), "c": (2008, 3)}
YEAR = (date(2023, 4, 1), date(2024, 4, 1))


def band(name: str) -> int:
    return BANDS.names.index(name)


def test_rates_equal_the_observed_transitions():
    pieces = forecast.segments(history(EPISODES, BORN), 2024)
    rates = forecast.fit(pieces, BANDS, *YEAR)
    assert rates.days == 366
    young, older, oldest = band("5 to 9"), band("10 to 15"), band("16 and over")
    expected_exposure = np.zeros((5, 4))
    expected_exposure[young, FOSTERING] = 100
    expected_exposure[young, RESIDENTIAL] = 191
    expected_exposure[older, FOSTERING] = 336 + 335  # b, and c until 16
    expected_exposure[oldest, FOSTERING] = 31
    np.testing.assert_array_equal(rates.exposure, expected_exposure)
    assert rates.moves.sum() == 1 and rates.moves[young, FOSTERING, RESIDENTIAL] == 1
    assert rates.move_rates[young, FOSTERING, RESIDENTIAL] == 1 / 100
    assert rates.exits.sum() == 1 and rates.exit_rates[young, RESIDENTIAL] == 1 / 191
    assert rates.entries.sum() == 2
    assert rates.entry_rates[young, FOSTERING] == rates.entry_rates[older, FOSTERING] == 1 / 366
    assert list(np.flatnonzero(rates.entry_ages)) == [8, 11]  # a at 8, b at 11


def test_a_blank_reason_for_a_new_episode_begins_no_period_of_care():
    # `check` lets a blank RNE through ("loaded as it is"); the build had then stopped on it.
    episodes = [e if e[1] != "b" else (*e[:4], None, *e[5:]) for e in EPISODES]
    rates = forecast.fit(forecast.segments(history(episodes, BORN), 2024), BANDS, *YEAR)
    assert rates.entries.sum() == 1  # a's; b's first episode has no RNE, so no entry
    assert rates.exposure[band("10 to 15"), FOSTERING] == 336 + 335  # b still in care


def test_a_temporary_placement_is_no_move_and_a_birthday_starts_a_band():
    pieces = forecast.segments(history(EPISODES, BORN), 2024)
    c = pieces[pieces["child_id"] == "c"]
    # The hospital stay kept the foster placement: one spell, cut at the 16th birthday.
    assert list(c["category"]) == ["fostering", "fostering"]
    assert list(c["age_band"]) == ["10 to 15", "16 and over"]
    turned_16 = c[c["age_band"] == "16 and over"].iloc[0]
    assert turned_16["start_date"] == pd.Timestamp("2024-03-01")  # the 1st of the birth month
    assert turned_16["end_date"] == pd.Timestamp("2026-03-01") and turned_16["end_event"] == (
        "aged_18"
    )
    assert list(c["end_event"]) == ["birthday", "aged_18"]


def test_a_back_test_reads_only_the_returns_it_was_fitted_on():
    episodes = [
        (2023, "a", "2022-04-01", None, "S", "U4", None),
        (2024, "a", "2022-04-01", "2023-05-01", "S", "U4", "E11"),
    ]
    then = forecast.segments(history(episodes, BORN), 2023)
    now = forecast.segments(history(episodes, BORN), 2024)
    assert list(then["end_event"]) == ["birthday"]  # still in care as far as 2023 knew
    assert list(now["end_event"]) == ["exit"]


def hand_rates(bands=ONE_BAND, exits=None, moves=None, entries=None, entry_ages=None):
    """Rates set by hand (a day each, per child-day): exits (b, k), moves (b, k, k), entries
    (b, k) a day, entrants by age."""
    shape = (len(bands.names), len(forecast.KEYS))
    days = 366
    return forecast.Rates(
        bands,
        *YEAR,
        exposure=np.ones(shape),
        moves=np.zeros((*shape, 4)) if moves is None else np.asarray(moves, float),
        exits=np.zeros(shape) if exits is None else np.asarray(exits, float),
        entries=np.zeros(shape) if entries is None else np.asarray(entries, float) * days,
        entry_ages=np.ones(18) if entry_ages is None else np.asarray(entry_ages, float),
    )


def stock(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["birth_year", "birth_month", "category", "children"])


def hand_model(rates, held) -> forecast.Model:
    return forecast.Model(rates, held, date(2024, 3, 31), 2024, 2024)


def at(projection: forecast.Projection, day: str, age_band: str, category: str = "all"):
    table = projection.table()
    row = table[
        (table["date"] == pd.Timestamp(day))
        & (table["age_band"] == age_band)
        & (table["category"] == category)
    ]
    return float(row["forecast"].iloc[0]), float(row["variance"].iloc[0])


def test_a_closed_population_leaves_at_its_known_rate():
    # 1,000 children aged 5 in foster care, each leaving with probability 0.001 a day: after
    # 365 days each is still in care with probability 0.999^365, independently (binomial).
    exits = [[0.001, 0, 0, 0]]
    fitted = hand_model(hand_rates(exits=exits), stock((2019, 1, "fostering", 1000)))
    mean, variance = at(forecast.project(fitted, date(2025, 3, 31)), "2025-03-31", "Under 18")
    stays = 0.999**365
    assert mean == pytest.approx(1000 * stays)  # 694.1
    assert variance == pytest.approx(1000 * stays * (1 - stays))  # 212.3


def test_a_closed_population_moving_between_categories_keeps_its_total():
    # 600 in foster care and none in homes; 1 in 200 a day move to a home, 1 in 100 back: the
    # total never changes (its variance is 0) and the split tends to 2:1.
    moves = np.zeros((1, 4, 4))
    moves[0, FOSTERING, RESIDENTIAL], moves[0, RESIDENTIAL, FOSTERING] = 1 / 200, 1 / 100
    fitted = hand_model(hand_rates(moves=moves), stock((2019, 1, "fostering", 600)))
    projection = forecast.project(fitted, date(2027, 3, 31))
    total, total_variance = at(projection, "2027-03-31", "Under 18")
    assert total == pytest.approx(600) and total_variance == pytest.approx(0, abs=1e-9)
    fostering, variance = at(projection, "2027-03-31", "Under 18", "fostering")
    assert fostering == pytest.approx(400, abs=0.01) and variance > 0


def test_children_move_band_on_their_birthday_and_leave_at_18():
    # No rates at all: one child born June 2014 is 9 until 1 June 2024, then 10; one born May
    # 2006 turns 18 on 1 May 2024 and leaves care.
    fitted = hand_model(
        hand_rates(BANDS), stock((2014, 6, "fostering", 1), (2006, 5, "residential", 1))
    )
    projection = forecast.project(fitted, date(2024, 6, 30))
    assert at(projection, "2024-05-31", "5 to 9") == (1, 0)
    assert at(projection, "2024-06-30", "5 to 9") == (0, 0)
    assert at(projection, "2024-06-30", "10 to 15") == (1, 0)
    assert at(projection, "2024-04-30", "16 and over") == (1, 0)
    assert at(projection, "2024-05-31", "16 and over") == (0, 0)
    assert at(projection, "2024-05-31", forecast.ALL_AGES) == (1, 0)


def test_zero_stock_in_a_state():
    # Nobody lived in supported accommodation: its rates are 0, not a division by zero.
    pieces = forecast.segments(history(EPISODES, BORN), 2024)
    rates = forecast.fit(pieces, BANDS, *YEAR)
    supported = forecast.KEYS.index("supported")
    assert not rates.exit_rates[:, supported].any() and not rates.move_rates[:, supported].any()
    # A state with no one in it and no entries stays empty, with no variance; with entries
    # only (2 a day), its number after 365 days is Poisson: mean and variance 730.
    entries = np.zeros((1, 4))
    entries[0, RESIDENTIAL] = 2
    babies = [1] + [0] * 17  # (entrants of 17 would leave at 18)
    rates = hand_rates(entries=entries, entry_ages=babies)
    projection = forecast.project(hand_model(rates, stock((2019, 1, "fostering", 0))),
                                  date(2025, 3, 31))  # fmt: skip
    assert at(projection, "2025-03-31", "Under 18", "fostering") == (0, 0)
    mean, variance = at(projection, "2025-03-31", "Under 18", "residential")
    assert mean == pytest.approx(730) and variance == pytest.approx(730)


def test_a_steady_state_stays_steady():
    # 3 entries a day, each child leaving with probability 0.02 a day: 150 in care stays 150
    # (150 x 0.98 + 3 = 150), and its variance tends to the Poisson's, 150. Entrants are babies,
    # so nobody comes near 18.
    exits, entries, ages = [[0.02, 0, 0, 0]], [[3, 0, 0, 0]], [1] + [0] * 17
    rates = hand_rates(exits=exits, entries=entries, entry_ages=ages)
    fitted = hand_model(rates, stock((2020, 6, "fostering", 150)))
    projection = forecast.project(fitted, date(2027, 3, 31))
    for _, mean, _ in projection.records:
        assert mean[-1, -1] == pytest.approx(150)
    assert at(projection, "2027-03-31", "Under 18")[1] == pytest.approx(150)


def test_the_variance_of_one_step_is_the_multinomial_formula():
    # 10 children in foster care: each stays (0.9), moves to a home (0.06) or to supported
    # accommodation (0.03), or leaves (0.01); 0.5 entrants are expected in a home.
    p = np.array([0.9, 0.06, 0.03, 0.0])
    matrices = np.zeros((1, 4, 4))
    matrices[0, FOSTERING] = p
    mean = np.array([[10.0, 0, 0, 0]])
    arrivals = np.array([[0, 0.5, 0, 0]])
    after, cov = forecast.step(mean, np.zeros((1, 4, 4)), matrices, arrivals)
    np.testing.assert_allclose(after[0], 10 * p + arrivals[0])
    expected = 10 * (np.diag(p) - np.outer(p, p)) + np.diag(arrivals[0])
    np.testing.assert_allclose(cov[0], expected)
    # and a known variance carries forward as P' V P on top
    start = np.diag([4.0, 0, 0, 0])[None]
    _, cov = forecast.step(mean, start, matrices, arrivals)
    np.testing.assert_allclose(cov[0], expected + 4 * np.outer(p, p))


def test_a_month_of_days_at_once_is_the_days_one_by_one():
    # project carries a cohort through a month at once (forecast._days: step's day as a linear
    # map, raised to the month's days); step, checked by hand above, one day after another.
    rng = np.random.default_rng(7)
    raw = rng.random((2, 4, 4))
    matrices = raw / raw.sum(axis=2, keepdims=True) * rng.uniform(0.9, 1, (2, 4, 1))  # leavers
    entries = rng.random((2, 4))
    powers, arrivals = forecast._days(matrices, entries, 31)
    spread = rng.random((4, 4))
    mean, cov = rng.random(4) * 50, spread @ spread.T
    for band, share in ((0, 0.3), (1, 0.05)):
        m, v = mean[None], cov[None]
        for days in range(1, 32):
            m, v = forecast.step(m, v, matrices[band][None], share * entries[band][None])
            state = np.concatenate([mean, cov.reshape(-1)])
            at_once = state @ powers[band, days] + share * arrivals[band, days]
            np.testing.assert_allclose(at_once, np.concatenate([m[0], v[0].reshape(-1)]))


def test_a_scenario_changes_entries_and_exits_by_its_percentages():
    entries = np.zeros((1, 4))
    entries[0, RESIDENTIAL] = 2
    fitted = hand_model(hand_rates(entries=entries, exits=[[0.01, 0.01, 0, 0]]),
                        stock((2019, 1, "fostering", 100)))  # fmt: skip
    scenario = forecast.Scenario.make("s", {"residential": -10}, {"fostering": -50})
    assert (
        scenario.describe() == "10% fewer entries into residential; 50% fewer exits from fostering"
    )
    base = forecast.project(fitted, date(2024, 4, 30))
    changed = forecast.project(fitted, date(2024, 4, 30), scenario)
    day = "2024-04-30"  # 30 days: fostering 100 x 0.99^30 against 100 x 0.995^30
    assert at(base, day, "Under 18", "fostering")[0] == pytest.approx(100 * 0.99**30)
    assert at(changed, day, "Under 18", "fostering")[0] == pytest.approx(100 * 0.995**30)
    entered = sum(2 * 0.99**n for n in range(30))  # each day's entrants, less those who left
    assert at(base, day, "Under 18", "residential")[0] == pytest.approx(entered)
    assert at(changed, day, "Under 18", "residential")[0] == pytest.approx(0.9 * entered)


def test_a_cost_is_the_daily_number_times_the_weekly_cost(tmp_path):
    costs = tmp_path / "costs.toml"
    costs.write_text(
        "[weekly_cost]\nfostering = 700\nresidential = 7000\nsupported = 0\nother = 0\n"
    )
    fitted = hand_model(hand_rates(), stock((2019, 1, "fostering", 10)))
    table = forecast.project(fitted, date(2028, 3, 31)).costs(forecast.Costs.read(costs))
    whole = table[table["category"] == "all"].set_index("year")
    assert whole.loc[2025, "cost"] == pytest.approx(10 * 100 * 365)  # £100 a day each
    assert whole.loc[2028, "cost"] == pytest.approx(10 * 100 * 366)  # to 31 March 2028: leap
    assert forecast.Costs.read().example  # the shipped values are marked as examples


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[entries]\nresidental = -10\n", "'residental' is not a placement category"),
        ("[exits]\nfostering = 'ten'\n", "fostering = 'ten' is not a number"),
        ("[entries]\nother = -150\n", "cannot fall by over 100%"),
        ("speed = 3\n", "unknown setting 'speed'"),
        ("entries = 5\n", "must be a table of per cent changes"),
        ("[entries\n", "cannot read the scenario"),
        ("[entries]\nfostering = nan\n", "fostering = nan is not a number"),
        ("[exits]\nother = inf\n", "other = inf is not a number"),
    ],
)
def test_a_bad_scenario_file_says_what_and_where(tmp_path, text, said):
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    with pytest.raises(ValueError, match=said) as error:
        forecast.Scenario.read(path)
    assert str(path) in str(error.value)


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "true", "'100'"])
def test_a_weekly_cost_that_is_not_pounds_says_what_and_where(tmp_path, value):
    path = tmp_path / "costs.toml"
    costs = {"fostering": value, "residential": 1, "supported": 1, "other": 1}
    path.write_text("[weekly_cost]\n" + "".join(f"{k} = {v}\n" for k, v in costs.items()))
    with pytest.raises(ValueError, match="fostering must be a number of pounds, 0 or more"):
        forecast.Costs.read(path)


def test_costs_placement_categories_and_scenarios_are_withheld_whole():
    """Rushcliffe's supported living cost had been shown beside all placements' (its 2 or so
    placements came back by subtraction); then, the categories shown where no district had 1
    to 4 in one, a category beside the published placement types could still give a few
    children back. The forecast's categories are not among the protected figures: none of them
    is shown, nor a cost (their weighted sum), nor a scenario (which changes their rates)."""
    inputs = forecast.prepare(None, ("E07000176",))
    reference_from = 2022
    runs = [forecast.baseline(inputs, reference_from, 3)]
    runs.append(
        forecast.project(
            forecast.fitted(inputs, reference_from),
            forecast.march_31(2027),
            forecast.Scenario.make("fewer", {"residential": -10}),
        )
    )
    back = forecast.run_backtest(inputs, reference_from)
    table = forecast.assemble(inputs, runs, back, reference_from, forecast.Costs.read())
    unprotected = (
        (table["placement"] != forecast.ALL_PLACEMENTS) | (table["section"] == "cost")
        | (table["method"] == "fewer")
    )  # fmt: skip
    assert unprotected.sum() > 100 and (table.loc[unprotected, "symbol"] == "c").all()
    assert table.loc[unprotected, ["value", "lower_95", "upper_95"]].isna().all().all()
    assert (table.loc[~unprotected, "symbol"] != "c").any()


# The demo returns -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo() -> forecast.Inputs:
    return forecast.prepare()


def published_cla(year: int) -> int:
    con = db.published()
    return int(
        con.execute(
            "select value from figures where indicator_id = 'cla_at_31_march' and year = $year "
            "and age_band = 'All ages' and area_code = $council",
            {"year": year, "council": db.metadata()["council"]["code"]},
        ).fetchone()[0]
    )


def test_the_actual_numbers_are_the_published_children_in_care(demo):
    actual = forecast.in_care(demo.pieces, demo.years, demo.bands)
    whole = actual[(actual["age_band"] == forecast.ALL_AGES) & (actual["category"] == "all")]
    for year, children in zip(whole["year"], whole["children"], strict=True):
        assert children == published_cla(year), year


def test_the_demo_entries_are_its_new_periods_of_care(demo):
    fitted = forecast.fitted(demo, 2022)
    con = db.connect(load=False)
    starts = con.execute(
        "select count(*) from episode_history inner join children using (child_id) "
        "where children.year = episode_history.latest_return_year "
        "and reason_new_episode = 'S' and start_date between $first and $last "
        "and start_date < make_date(birth_year + 18, birth_month, 1)",
        {"first": date(2021, 4, 1), "last": date(2024, 3, 31)},
    ).fetchone()[0]
    assert fitted.rates.entries.sum() == starts > 0
    assert fitted.stock["children"].sum() == published_cla(2024)


def test_the_back_test_on_the_demo_runs_and_reports_its_errors(demo):
    rows = forecast.run_backtest(demo, 2022)
    assert set(rows["year"]) == {2022, 2023, 2024} and set(rows["fitted_to"]) == {2021}
    accuracy = forecast.accuracy(rows)
    assert list(accuracy["method"].astype(str)) == list(forecast.METHODS) * 3
    for year in (2022, 2023, 2024):
        assert set(accuracy.loc[accuracy["year"] == year, "actual"]) == {published_cla(year)}
    assert accuracy["pct_error"].notna().all() and accuracy["cell_mape"].notna().all()
    model = accuracy[accuracy["method"] == "model"]
    assert (model["cells_inside"] <= model["cells"]).all()
    last_year = accuracy[accuracy["method"] == "last_year"]
    assert set(last_year["value"]) == {published_cla(2021)}  # 2021 carried forward


def cli(capsys, *args) -> pd.DataFrame:
    assert main(["forecast", *args]) == 0
    return pd.read_csv(io.StringIO(capsys.readouterr().out), keep_default_na=False, dtype=str)


def test_the_command_prints_the_forecast_intervals_scenario_and_back_test(capsys, tmp_path):
    scenario = tmp_path / "fewer.toml"
    scenario.write_text('name = "Fewer in homes"\n[entries]\nresidential = -10\n')
    printed = cli(capsys, "--years", "2", "--scenario", str(scenario), "--costs",
                  str(forecast.COSTS_FILE))  # fmt: skip
    assert set(printed["section"]) == {"actual", "forecast", "cost", "backtest"}
    ahead = printed[printed["section"] == "forecast"]
    assert set(ahead["year"]) == {"2025", "2026"}
    assert set(ahead["method"]) == {"Baseline", "Fewer in homes"}
    whole = ahead[(ahead["age_band"] == "All ages") & (ahead["placement"] == "All placements")]
    for row in whole.itertuples():
        if row.method == "Baseline":
            assert float(row.lower_95) < float(row.value) < float(row.upper_95)
        else:  # the council's categories are withheld (Unknown, Other): so is a scenario
            assert row.symbol == "c" and str(row.value) in ("", "nan")
    back = printed[printed["section"] == "backtest"]
    assert set(back["method"]) == set(forecast.METHODS.values())
    assert set(back["fitted_to"]) == {"2021"}
    counts = pd.concat([printed[c] for c in ("value", "lower_95", "upper_95", "actual")])
    counts = pd.to_numeric(counts[printed.loc[counts.index, "section"] != "cost"],
                           errors="coerce").dropna()  # fmt: skip
    assert (counts % 5 == 0).all()  # every count of children to the nearest 5
    assert printed["source"].str.startswith("SYNTHETIC DEMO DATA, not real children.").all()


def test_a_district_forecast_withholds_small_bases(capsys):
    printed = cli(capsys, "--district", MANSFIELD, "--years", "1")
    assert set(printed["area_name"]) == {"Mansfield"}
    withheld = printed[printed["symbol"] == "c"]
    assert len(withheld) and (withheld[["value", "error"]] == "").all().all()
    values = pd.to_numeric(printed["value"], errors="coerce").dropna()
    assert not values.between(1, 4).any()


def test_the_command_forecasts_several_districts_together_as_the_page_does(capsys):
    from carejsna import forecast_view

    chosen = (MANSFIELD, ASHFIELD)
    args = ["--district", MANSFIELD, "--district", ASHFIELD, "--years", "1"]
    assert main(["forecast", *args]) == 0
    printed = capsys.readouterr().out
    named = ["--district", "mansfield", "--district", "Ashfield", "--years", "1"]
    assert main(["forecast", *named]) == 0 and capsys.readouterr().out == printed  # by name
    assert set(pd.read_csv(io.StringIO(printed))["area_name"]) == {"Mansfield and Ashfield"}
    reference_from = forecast.check_years(forecast.prepare(None, chosen), 1, None)
    page = forecast_view.download(str(db.data_dir()), chosen, reference_from, 1)
    assert printed.encode() == page  # the page's download for the same two districts


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (["--years", "5"], "forecasts run 1 to 3 years ahead"),
        (["--reference-from", "1999"], "the returns cover 2015 to 2024"),
        (["--district", "E99999999"], "district 'E99999999': not one of"),
        (["--district", MANSFIELD, "--district", "E99999999"], "district 'E99999999': not"),
        (["--scenario", "no-such-file.toml"], "no-such-file.toml: cannot read the scenario"),
    ],
)
def test_the_command_refuses_bad_input_saying_why(capsys, args, said):
    assert main(["forecast", *args]) == 2
    assert said in capsys.readouterr().err


def test_the_command_refuses_a_folder_without_records(capsys, tmp_path):
    (tmp_path / "metadata.json").write_text("{}")
    assert main(["forecast", "--data", str(tmp_path)]) == 2
    assert "forecasts read the record-level extracts" in capsys.readouterr().err


def test_a_chapter_gets_a_figure_a_paragraph_and_its_table():
    figure, paragraph, table = forecast.summary_for_chapter(districts=(MANSFIELD,))
    go.Figure(figure.to_dict())  # Plotly's own checks: raises on any unknown or bad property
    names = [trace.name for trace in figure.data]
    assert names == ["Actual at 31 March", "Forecast (baseline): 95% interval",
                     "Forecast (baseline)"]  # fmt: skip
    assert paragraph.startswith("Mansfield, all ages, all placements: ")
    assert "on 31 March 2027 (95% interval" in paragraph and "Tested on the past" in paragraph
    cells = [*table.columns, *table.to_numpy().ravel()]  # "31 March", "95% interval" too
    numbers = r"\d+(?:,\d{3})*"
    words = {w for cell in cells for w in re.findall(numbers, str(cell))}
    for number in re.findall(numbers, paragraph):
        assert number in words, number  # every number said is in the table
    assert list(table["Figure"].drop_duplicates())[:2] == ["Actual", "Forecast"]
    # the back-test's model row gives the interval its paragraph judges the actual against
    model = table[table["Figure"].str.endswith(": Model")]
    assert len(model) == 1 and re.fullmatch(r"(\d+ to \d+|c)", model["95% interval"].iloc[0])
    naive = table[table["Figure"].str.startswith("Back-test") & ~table.index.isin(model.index)]
    assert len(naive) == 2 and (naive["95% interval"] == "").all()


# The page -------------------------------------------------------------------------------------


def chart_traces(at: AppTest) -> dict[str, list]:
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    out = {}
    for trace in spec["data"]:
        y = trace["y"]
        if isinstance(y, dict):  # numbers come base64-encoded
            y = np.frombuffer(base64.b64decode(y["bdata"]), y["dtype"]).tolist()
        out[trace["name"]] = y
    return out


def test_the_page_offers_no_placement_category_cost_or_scenario_and_says_why():
    """The forecast's placement categories are not among the protected figures, nor are their
    costs and scenarios: the page draws all placements alone, and says why."""
    at = AppTest.from_file(str(ROOT / "pages" / "9_Forecasts.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Synthetic demo data" in w.value for w in at.warning)
    assert set(chart_traces(at)) == {"Actual at 31 March", "Forecast (baseline): 95% interval",
                                     "Forecast (baseline)"}  # fmt: skip
    assert not at.number_input
    assert "Placement" not in [s.label for s in at.selectbox]
    said = next(i.value for i in at.info if i.value.startswith("Not shown:"))
    assert "placement category, its cost and scenarios" in said
    assert "secure children's home" in said
    table = next(d.value for d in at.dataframe if "Value" in d.value)
    assert set(table["Placement"]) == {"All placements"} and (table["Value"] != "c").all()
    at.toggle(key="forecast-backtest-every").set_value(True).run()
    back = next(d.value for d in at.dataframe if "Method" in d.value)
    assert set(back["Placement"]) == {"All placements"} and back["Age band"].nunique() == 6


def test_the_page_names_the_confidence_level_chosen_and_its_limits_follow_it():
    """At 99.8% the band, its legend and the sentence are 99.8% (and a cost's low and high,
    which the command works out and withholds): the page says the confidence level filter
    sets the forecast's interval."""
    shown = {}
    for level in ("95", "99.8"):
        at = AppTest.from_file(str(ROOT / "pages" / "9_Forecasts.py"), default_timeout=120)
        at.query_params["ci"] = level
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        traces = chart_traces(at)
        assert f"Forecast (baseline): {level}% interval" in traces
        text = next(m.value for m in at.markdown if "the model forecasts" in m.value)
        assert f"({level}% interval" in text
        shown[level] = traces
    narrow, wide = shown["95"], shown["99.8"]
    band = "Forecast (baseline): {}% interval"
    assert wide["Forecast (baseline)"] == narrow["Forecast (baseline)"]
    assert max(wide[band.format("99.8")]) > max(narrow[band.format("95")])

    # costs are withheld (forecast.UNPROTECTED); their limits follow the level all the same
    inputs = forecast.prepare(None, ())
    run = forecast.baseline(inputs, 2022, 3)
    narrow, wide = (
        forecast.cost_rows(run, forecast.Costs.read(), level) for level in (0.95, 0.998)
    )
    assert (wide["value"] == narrow["value"]).all()
    assert (wide["upper"] > narrow["upper"]).any() and (wide["upper"] >= narrow["upper"]).all()


def test_the_page_shows_no_small_number_and_says_why():
    at = AppTest.from_file(str(ROOT / "pages" / "9_Forecasts.py"), default_timeout=120)
    at.query_params["district"], at.query_params["age_band"] = "E07000176", "Under 1"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = next(m.value for m in at.markdown if m.value.startswith("Rushcliffe, aged under 1"))
    assert "the forecast is not shown, as the protected figures withhold" in text
    for table in at.dataframe:
        for column in table.value.columns:
            numbers = pd.to_numeric(table.value[column].astype(str).str.replace(",", ""),
                                    errors="coerce")  # fmt: skip
            if column not in ("31 March", "Year ending 31 March", "Error (%)"):
                assert not numbers.between(1, 4).any(), (column, table.value)


def test_what_the_protected_figures_withhold_is_withheld_here_too():
    # Ashfield's children aged 1 to 4 in 2018: 28 of them, withheld by the build's disclosure
    # control (beside the exact figures of the other districts, a rounded 30 would narrow down
    # a small count it protects). The forecast's own rounding alone would show them.
    inputs = forecast.prepare(None, ("E07000170",))
    (hidden,) = forecast.withheld_years(inputs, [("1 to 4",)])
    assert 2018 in hidden
    page = db.published(load=True)  # the page hands its own connection: the same years
    assert forecast.withheld_years(inputs, [("1 to 4",), ()], page) == [
        hidden,
        *forecast.withheld_years(inputs, [()]),
    ]
    table = forecast.table(inputs, years_ahead=1)
    cell = table[(table["section"] == "actual") & (table["age_band"] == "1 to 4")
                 & (table["year"] == 2018)]  # fmt: skip
    assert (cell["symbol"] == "c").all() and cell["value"].isna().all() and len(cell)
    actual = forecast.selected(
        forecast.in_care(inputs.pieces, inputs.years, inputs.bands), ("1 to 4",)
    )
    period = range(2022, inputs.years[-1] + 1)
    shown, _ = forecast.as_published(actual, None, hidden, period, hidden)
    assert shown.set_index("year").loc[2018, "symbol"] == "c"


@pytest.mark.parametrize("districts", [(), ("E07000170",), (MANSFIELD, "E07000170")])
def test_the_years_withheld_are_those_the_pages_show_withheld(districts):
    # withheld_years reads the figures' symbols alone (queries/read/withheld_years.sql): the
    # same years as the trend every page reads for that selection marks c, for each age band,
    # all ages and two bands together.
    inputs = forecast.prepare(None, districts)
    con = db.published(load=True)
    context = ind.Context.load(con)
    item = catalogue.get("cla_at_31_march")
    band_sets = [(), *((b,) for b in inputs.bands.names), ("1 to 4", "10 to 15")]
    found = forecast.withheld_years(inputs, band_sets, con)
    for chosen, years in zip(band_sets, found, strict=True):
        selection = ind.Selection(inputs.years[0], inputs.years[-1], districts, chosen,
                                  combined=True)  # fmt: skip
        rows = ind.figures(con, item, selection, "trend", context)
        own = rows[rows["area_code"] == selection.area(context)[0]]
        assert years == set(own.loc[own["symbol"] == "c", "year"]), chosen
    assert any(found) or not districts  # districts withhold some (the council two, by band)


def test_readers_at_once_share_one_database_and_get_what_each_would_alone():
    # A forecast for a new selection reads the record-level extracts through one connection a
    # process keeps (db.shared): sessions' threads read at once, each through its own cursor.
    def forecast_of(districts):
        inputs = forecast.prepare(None, districts)
        back = forecast.run_backtest(inputs, 2022)
        return inputs.pieces, back, forecast.withheld_years(inputs, [(), ("1 to 4",)])

    chosen = [(), (MANSFIELD,), ("E07000170",), (MANSFIELD, "E07000170")] * 2
    with ThreadPoolExecutor(4) as pool:
        together = list(pool.map(forecast_of, chosen))
    for districts, (pieces, back, hidden) in zip(chosen, together, strict=True):
        alone = forecast_of(districts)
        pd.testing.assert_frame_equal(pieces, alone[0])
        pd.testing.assert_frame_equal(back, alone[1])
        assert hidden == alone[2]
    assert len(together[1][0]) < len(together[0][0])  # Mansfield's children, not the council's


@pytest.fixture(scope="module")
def remembered(tmp_path_factory) -> Path:
    """The demo extracts with the forecasts' counts and first forecasts worked out again here
    (forecast.remember, as the build's last step): floating point's last bit can differ
    between machines, so what is compared to the bit is worked out on this one."""
    folder = tmp_path_factory.mktemp("remembered") / "data"
    shutil.copytree(ROOT / "data", folder)
    forecast.remember(folder)
    return folder


def same_projection(read: forecast.Projection, made: forecast.Projection) -> None:
    assert [row[0] for row in read.records] == [row[0] for row in made.records]
    for (_, *arrays), (_, *expected) in zip(read.records, made.records, strict=True):
        assert all(np.array_equal(a, e) for a, e in zip(arrays, expected, strict=True))
    assert all(np.array_equal(a, e) for a, e in zip(read.daily, made.daily, strict=True))


@pytest.mark.parametrize("districts", [(), (MANSFIELD,), ("E07000170",)])
def test_what_the_build_worked_out_is_what_a_forecast_works_out(remembered, districts):
    # The forecast a reader first sees, for the council or a district alone, is read from what
    # the build worked out (forecast.remember): the same numbers to the bit as fitting on the
    # pieces, projecting (1, 2 or 3 years ahead) and back-testing again.
    kept = forecast.prepare(remembered, districts)
    fresh = replace(kept, remembered=False, counted=False)
    assert kept.remembered and kept.counted
    reference_from = forecast.check_years(kept, 3, None)
    for ahead in (1, 2, 3):
        read, made = (forecast.baseline(i, reference_from, ahead) for i in (kept, fresh))
        same_projection(read, made)
        assert read.daily[0][-1] == np.datetime64(date(kept.years[-1] + ahead, 3, 31))
    back = forecast.run_backtest(kept, reference_from)
    assert len(back)
    pd.testing.assert_frame_equal(back, forecast.run_backtest(fresh, reference_from))
    pd.testing.assert_frame_equal(forecast.actual(kept), forecast.actual(fresh))


@pytest.mark.parametrize(
    "districts",
    [(MANSFIELD, "E07000170"), ("E07000171", "UNKNOWN", MANSFIELD), ("OTHER",), ()],
)
def test_districts_together_are_fitted_on_the_counts_the_build_kept(remembered, districts):
    # Several districts together are fitted on their children together: on the sums of what
    # the build counted for each (child-days, moves, exits, entries, the stock, children in
    # care), not on their pieces read again. The same model to the bit: its baseline, a
    # scenario, the back-test and the actual numbers.
    kept = forecast.prepare(remembered, districts)
    fresh = replace(kept, remembered=False, counted=False)
    assert kept.counted and "pieces" not in kept.__dict__
    reference_from = forecast.check_years(kept, 3, None)
    scenario = forecast.Scenario.make("Scenario", {"fostering": -10}, {"residential": 20})
    end = forecast.march_31(kept.years[-1] + 3)
    counted, fitted = (forecast.fitted(inputs, reference_from) for inputs in (kept, fresh))
    for part in forecast.PARTS:
        assert np.array_equal(getattr(counted.rates, part), getattr(fitted.rates, part)), part
    same_projection(forecast.project(counted, end), forecast.project(fitted, end))
    same_projection(*(forecast.project(m, end, scenario) for m in (counted, fitted)))
    back = forecast.run_backtest(kept, reference_from)
    assert len(back)
    pd.testing.assert_frame_equal(back, forecast.run_backtest(fresh, reference_from))
    pd.testing.assert_frame_equal(forecast.actual(kept), forecast.actual(fresh))
    assert "pieces" not in kept.__dict__  # none of it read a child's care
    # a reference period the build did not count for is fitted on the pieces
    other = forecast.fitted(kept, reference_from - 1)
    assert other.reference_from == reference_from - 1 and "pieces" in kept.__dict__


def test_a_missing_return_year_is_read_the_same_from_the_counts_and_the_pieces(remembered):
    # A council whose returns skip a year (2018 here): the actual numbers are those of the
    # years the returns hold, the back-test's every year after its fit, by either path.
    kept = forecast.prepare(remembered, (MANSFIELD, "E07000170"))
    kept = replace(kept, years=tuple(y for y in kept.years if y != 2018))
    fresh = replace(kept, remembered=False, counted=False)
    reference_from = forecast.check_years(kept, 3, None)
    read = forecast.actual(kept)
    assert 2018 not in set(read["year"]) and 2017 in set(read["year"])
    pd.testing.assert_frame_equal(read, forecast.actual(fresh))
    pd.testing.assert_frame_equal(forecast.run_backtest(kept, reference_from),
                                  forecast.run_backtest(fresh, reference_from))  # fmt: skip


def test_counts_a_server_did_not_see_when_it_opened_are_not_read(tmp_path):
    # A server's connection to a folder has a view of each file there when it opened: a folder
    # built again with the counts since is fitted on the pieces until the server starts again.
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    (folder / f"{forecast.COUNTED}.parquet").rename(tmp_path / "counts.parquet")
    before = forecast.prepare(folder, (MANSFIELD, "E07000170"))
    (tmp_path / "counts.parquet").rename(folder / f"{forecast.COUNTED}.parquet")
    after = forecast.prepare(folder, (MANSFIELD, "E07000170"))
    assert not before.counted and not after.counted
    assert len(forecast.actual(after)) and "pieces" in after.__dict__


def test_a_folder_built_again_is_read_as_it_is_now(tmp_path):
    # The shared connection's views read the files when queried: a build swapped in since is
    # what the next forecast reads.
    folder = tmp_path / "data"
    shutil.copytree(ROOT / "data", folder)
    before = forecast.prepare(folder, (MANSFIELD,))
    assert len(before.pieces)
    rebuilt = tmp_path / "rebuilt"
    shutil.copytree(folder, rebuilt)
    children = pd.read_parquet(rebuilt / "children.parquet")
    children[children["district_code"] != MANSFIELD].to_parquet(rebuilt / "children.parquet")
    forecast.keep(rebuilt)  # its pieces worked out again, as the build's last steps do
    folder.rename(tmp_path / "old")  # as `carejsna build` swaps a new folder in
    rebuilt.rename(folder)
    after = forecast.prepare(folder, (MANSFIELD,))
    assert after.pieces.empty and after.remembered
    assert forecast.actual(after)["children"].eq(0).all()  # its forecasts worked out again


@pytest.mark.parametrize("returns_to", [2021, 2024])
def test_a_districts_pieces_are_the_councils_pieces_of_its_children(returns_to):
    # care_segments reads only the chosen districts' children's episodes (every step is within
    # one child): what it gives must be the council's pieces of those children, exactly.
    con = db.shared(ROOT / "data")
    council = forecast.segments(con, returns_to)
    for districts in [(MANSFIELD,), (MANSFIELD, "E07000170")]:
        pieces = forecast.segments(con, returns_to, districts)
        expected = council[council["district_code"].isin(districts)].reset_index(drop=True)
        assert len(pieces) and set(pieces["district_code"]) == set(districts)
        pd.testing.assert_frame_equal(pieces, expected)


def test_the_pieces_the_build_kept_are_the_ones_the_query_gives():
    # A forecast reads the pieces `carejsna build` worked out once (care_segments.parquet) for
    # the returns it and its back-test read; any other returns_to, from the episodes.
    inputs = forecast.prepare(None, (MANSFIELD,))
    assert inputs.kept == forecast.kept_years(inputs.years) == (2021, 2024)
    con = db.shared(ROOT / "data")
    for returns_to in (2021, 2024):
        for districts in [(), (MANSFIELD,), (MANSFIELD, "E07000170"), ("UNKNOWN",)]:
            worked_out = forecast.segments(con, returns_to, districts)
            kept = forecast.segments(con, returns_to, districts, inputs.kept)
            assert len(kept)
            pd.testing.assert_frame_equal(kept, worked_out)
    assert forecast.kept_years((2023, 2024)) == (2024,)  # too few returns for a back-test


def test_a_number_worked_out_from_a_withheld_year_is_withheld():
    """The back-test's last year carried forward is the count of the year it was fitted to,
    and a linear trend a line through its reference years: each was shown (rounded) where only
    the year tested on was checked. Bassetlaw's children under 1 in 2021 are withheld by the
    figures, its 2024 shown: the 2024 back-test gave 2021's count (5), and adding it up with
    other districts' (rounded after adding) gave it exactly (4). Every number shown is worked
    out only from years the figures show, for its selection, band and placement: an actual
    number's children in care, a forecast's or back-test's children in care, and the children
    who started and ceased to be looked after, which the model is fitted on (a forecast of a
    band a year ahead is mostly its stock and its entrants who stay)."""
    for districts in [("E07000171",), ("E07000171", ASHFIELD), (GEDLING,), ()]:
        inputs = forecast.prepare(None, districts)
        table = forecast.table(inputs, years_ahead=1)
        bands = [*inputs.bands.names, forecast.ALL_AGES]
        hidden = forecast.withheld_years(inputs, [(b,) for b in bands])
        modelled = forecast.withheld_years(inputs, [(b,) for b in bands], None, forecast.MODELLED)
        for row in table.itertuples():
            years = forecast.built_from(row.section, row.year, 2022, inputs)
            shown = row.placement == forecast.ALL_PLACEMENTS and row.section != "cost"
            withheld = (hidden if row.section == "actual" else modelled)[bands.index(row.age_band)]
            shown &= not set(years) & withheld
            assert shown or row.symbol == "c", row  # (a shown one may be c for 1 to 4 itself)
        if districts == (GEDLING,):  # its 16 and over: in care shown, some starters withheld
            old = bands.index("16 and over")
            assert not hidden[old] & {2022, 2023, 2024} and modelled[old] & {2022, 2023, 2024}
            ahead = table[(table["section"] == "forecast") & (table["age_band"] == "16 and over")]
            assert len(ahead) and (ahead["symbol"] == "c").all() and ahead["value"].isna().all()
        if not districts:  # the council's numbers in all placements, all ages, are all shown
            whole = table[(table["age_band"] == forecast.ALL_AGES)
                          & (table["placement"] == forecast.ALL_PLACEMENTS)]  # fmt: skip
            assert set(whole["section"]) == {"actual", "forecast", "backtest"}
            assert (whole["symbol"] != "c").all() and whole["value"].notna().all()
        if "E07000171" in districts:
            tested = table[(table["section"] == "backtest") & (table["age_band"] == "Under 1")]
            assert 2021 in hidden[0] and 2024 not in hidden[0]
            assert (tested["symbol"] == "c").all() and tested["value"].isna().all()


def test_no_placement_category_of_1_to_4_children_can_be_worked_out_from_every_forecast():
    """A forecast's placement categories are not among the protected figures. A reader with the
    forecasts of every district alone, the council and every pair of districts (actual numbers
    at 31 March 2024, each age band and all ages, rounded to 5; a category withheld beside
    others shown is 1 to 4) and the figures' children in care of each district and band: can
    they narrow any district's category of 1 to 4 children to 1 to 4? Each such cell's least
    and greatest value over every count that fits all of it (linear programs). The forecast
    had withheld a category for its own 1 to 4 children alone, and rounded sums of districts
    after adding them: Rushcliffe's 3 children in supported living came back."""
    from scipy.optimize import linprog

    con = db.published(load=True)
    codes = db.table(con, "districts")["district_code"].tolist()
    names = list(forecast.prepare(None, ()).bands.names)
    cats = list(forecast.CATEGORIES.values())
    index = {key: i for i, key in enumerate(
        (d, b, k) for d in codes for b in names for k in cats)}  # fmt: skip
    rows, low, high = [], [], []  # a reader's inequalities: low <= sum of cells <= high

    def known(cells, value, slack):
        row = np.zeros(len(index))
        row[[index[c] for c in cells]] = 1
        rows.append(row)
        low.append(value - slack)
        high.append(value + slack)

    year, truth = 2024, {}
    selections = [(), *((d,) for d in codes),
                  *((a, b) for i, a in enumerate(codes) for b in codes[i + 1 :])]  # fmt: skip
    for districts in selections:
        inputs = forecast.prepare(None, districts)
        table = forecast.table(inputs, years_ahead=1)
        actual = table[(table["section"] == "actual") & (table["year"] == year)]
        parts = districts or tuple(codes)
        for row in actual[actual["symbol"] != "c"].itertuples():
            bands = names if row.age_band == forecast.ALL_AGES else [row.age_band]
            kinds = cats if row.placement == forecast.ALL_PLACEMENTS else [row.placement]
            known([(d, b, k) for d in parts for b in bands for k in kinds], row.value, 2.5)
        # a category withheld while others of its band are shown: withheld for 1 to 4 children
        for band, group in actual[actual["placement"] != forecast.ALL_PLACEMENTS].groupby(
            "age_band"
        ):
            bands = names if band == forecast.ALL_AGES else [band]
            if (group["symbol"] == "c").any() and (group["symbol"] != "c").any():
                for placement in group.loc[group["symbol"] == "c", "placement"]:
                    cells = [(d, b, placement) for d in parts for b in bands]
                    known(cells, (1 + disclosure.THRESHOLD) / 2, (disclosure.THRESHOLD - 1) / 2)
        if len(districts) == 1:
            counts = forecast.actual(inputs)
            counts = counts[(counts["year"] == year) & counts["age_band"].isin(names)
                            & counts["category"].isin(forecast.KEYS)]  # fmt: skip
            for r in counts.itertuples():
                truth[districts[0], r.age_band, forecast.CATEGORIES[r.category]] = r.children
    totals = con.execute(
        "select area_code, age_band, numerator from figures where indicator_id = ? and year = ?"
        " and symbol is null and list_contains(?, area_code) and list_contains(?, age_band)",
        ["cla_at_31_march", year, codes, names],
    ).fetchall()
    for area, band, children in totals:  # the figures' children in care, exact
        known([(area, band, k) for k in cats], children, 0)
    small = [cell for cell, n in truth.items() if 1 <= n <= disclosure.THRESHOLD]
    assert len(small) > 10  # the demo's districts have many such cells
    a = np.array(rows)
    bounds = [(0, None)] * len(index)

    def extreme(goal):
        """The goal's least value over every count that fits (inf where it has none)."""
        found = linprog(goal, A_ub=np.vstack([a, -a]), b_ub=[*high, *(-v for v in low)],
                        bounds=bounds)  # fmt: skip
        assert found.status in (0, 3), found.message  # solved, or unbounded; never infeasible
        return found.fun if found.status == 0 else -np.inf

    for cell in small:
        goal = np.zeros(len(index))
        goal[index[cell]] = 1
        least, most = extreme(goal), -extreme(-goal)
        assert np.ceil(least - 1e-9) < 1 or np.floor(most + 1e-9) > disclosure.THRESHOLD, cell


def test_a_scenario_is_gated_as_a_category_and_cannot_multiply_a_rate_past_200_percent():
    """A scenario that stops every exit and every entry but one category's, multiplied by a
    million, made all placements that category's entries times a known factor: Ashfield's 2
    children under 1 who entered into other placements in 2024 came back exactly (5,389.88
    each). Rates rise by 200% at most, and a scenario's numbers are withheld whole, all
    placements too (the page offers none)."""
    with pytest.raises(ValueError, match="other = 1000000: a rate can rise by 200% at most"):
        forecast.Scenario.make("amp", {"other": 1_000_000})
    amplify = forecast.Scenario.make(
        "amp", {k: 200 if k == "other" else -100 for k in forecast.KEYS},
        dict.fromkeys(forecast.KEYS, -100),
    )  # fmt: skip
    inputs = forecast.prepare(None, (ASHFIELD,))
    run = forecast.project(forecast.fitted(inputs, 2024), forecast.march_31(2025), amplify)
    back = forecast.run_backtest(inputs, 2024)
    table = forecast.assemble(inputs, [forecast.baseline(inputs, 2024, 1), run], back, 2024)
    ahead = table[(table["section"] == "forecast") & (table["placement"] == "All placements")]
    shown = ahead.pivot(index="age_band", columns="method", values="symbol")
    assert (shown["Baseline"] != "c").any() and (shown["amp"] == "c").all()


def test_a_forecast_without_a_back_test_has_its_other_sections():
    """Fewer than four years of returns give no back-test (run_backtest: none): the table
    had failed on the back-test's missing columns (KeyError 'actual', read as a refusal)."""
    inputs = forecast.prepare(None, (ASHFIELD,))
    table = forecast.assemble(inputs, [forecast.baseline(inputs, 2024, 1)], pd.DataFrame(), 2024)
    assert set(table["section"]) == {"actual", "forecast"}
    assert list(table.columns) == forecast.COLUMNS


def test_the_back_test_table_shows_the_age_bands_chosen():
    """With 10 to 15 chosen the back-test's table had shown all ages alone, under a sentence
    giving the 10 to 15s' errors; every age band, when asked for, is every band still."""
    at = AppTest.from_file(str(ROOT / "pages" / "9_Forecasts.py"), default_timeout=120)
    at.query_params["age_band"] = "10 to 15"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = next(m.value for m in at.markdown if "Tested on the past" in m.value)
    assert "Nottinghamshire, aged 10 to 15 (the actual" in text
    back = next(d.value for d in at.dataframe if "Method" in d.value)
    assert set(back["Age band"]) == {"10 to 15"}
    at.toggle(key="forecast-backtest-every").set_value(True).run()
    back = next(d.value for d in at.dataframe if "Method" in d.value)
    assert back["Age band"].nunique() == 6
    # each year's bands youngest first, each band's three forecasts together
    first = back[back["31 March"] == back["31 March"].min()]
    bands = ["Under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over", "All ages"]
    assert first["Age band"].tolist() == [b for b in bands for _ in range(3)]
    assert first["Method"].tolist()[:3] == ["Model", "Last year carried forward", "Linear trend"]


def test_the_back_test_table_of_several_bands_has_the_all_ages_rows_its_sentence_gives():
    """A review found 10 to 15 and 16 and over chosen gave the sentence all ages' errors (the
    back-test has no sum of bands) beside a table of the two bands' rows alone."""
    at = AppTest.from_file(str(ROOT / "pages" / "9_Forecasts.py"), default_timeout=120)
    at.query_params["age_band"] = ["10 to 15", "16 and over"]
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    text = next(m.value for m in at.markdown if "Tested on the past" in m.value)
    assert "Nottinghamshire, all ages (the actual" in text
    back = next(d.value for d in at.dataframe if "Method" in d.value)
    assert set(back["Age band"]) == {"10 to 15", "16 and over", "All ages"}


def test_the_forecast_chart_says_whose_it_is():
    """The chart named no area or ages: saved from its toolbar (forecast_E10000024.png) the 10
    to 15s' forecast and all ages' were alike."""
    at = AppTest.from_file(str(ROOT / "pages" / "9_Forecasts.py"), default_timeout=120)
    at.query_params["age_band"] = "10 to 15"
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    chart = json.loads(at.get("plotly_chart")[0].proto.spec)
    notes = " ".join(a["text"] for a in chart["layout"]["annotations"]).replace("<br>", " ")
    assert "Nottinghamshire, aged 10 to 15." in notes


def test_the_forecasts_sentence_says_its_counts_are_rounded():
    """A chapter's "105 children were in care on 31 March 2024" stood beside its own table's
    107: the forecast's counts are to the nearest 5, and its sentence did not say so."""
    actual = pd.DataFrame({"year": [2024], "value": [105.0], "symbol": [""]})
    ahead = pd.DataFrame(
        {"date": ["2027-03-31"], "value": [120.0], "lower": [95.0], "upper": [145.0],
         "symbol": [""]}
    )  # fmt: skip
    said = forecast.sentence(
        "Mansfield", "aged 10 to 15", "All placements", actual, ahead, None, "", (2022, 2024),
        pd.DataFrame(),
    )  # fmt: skip
    assert said.startswith(
        "Mansfield, aged 10 to 15, all placements: about 105 children were in care on 31 March "
        "2024 (every count here to the nearest five, so not always a table's exact count)."
    )
    assert "the model forecasts 120 on 31 March 2027 (95% interval 95 to 145)" in said
