"""What the Forecasts page reads and works out, each step cached once per process for every
session (st.cache_resource: read-only results, held once rather than copied on every rerun as
st.cache_data would), and defined once here rather than again on every rerun of the page."""

import pandas as pd
import streamlit as st

from carejsna import forecast, forecast_chart, safe, stats, ui


@st.cache_resource(max_entries=16, show_spinner="Reading the returns…")
def inputs(folder: str, districts: tuple[str, ...]) -> forecast.Inputs:
    return forecast.prepare(folder, districts)


@st.cache_resource(max_entries=64, show_spinner="Fitting the rates…")
def fitted(folder: str, districts: tuple[str, ...], reference_from: int) -> forecast.Model:
    return forecast.fitted(inputs(folder, districts), reference_from)


@st.cache_resource(max_entries=64, show_spinner="Projecting…")
def projection(folder, districts, reference_from, years, scenario) -> forecast.Projection:
    if not scenario.changes:  # the baseline: for an area alone, as the build worked it out
        return forecast.baseline(inputs(folder, districts), reference_from, years)
    model = fitted(folder, districts, reference_from)
    end = forecast.march_31(model.fitted_to + years)
    return forecast.project(model, end, scenario)


@st.cache_resource(max_entries=16, show_spinner="Testing the model on the past…")
def backtest(folder: str, districts: tuple[str, ...], reference_from: int) -> pd.DataFrame:
    return forecast.run_backtest(inputs(folder, districts), reference_from)


@st.cache_resource(max_entries=16, show_spinner=False)
def tested(folder: str, districts: tuple[str, ...], reference_from: int) -> pd.DataFrame:
    """The back-test as it may be shown (forecast.protect, forecast.published)."""
    back = backtest(folder, districts, reference_from)
    if back.empty:  # too few returns
        return back
    back = forecast.protect(forecast.errors(back)).assign(section="backtest")
    return forecast.published(inputs(folder, districts), back, reference_from, ui.connection())


@st.cache_resource(max_entries=32, show_spinner=False)
def tested_table(folder, districts, reference_from, every: bool) -> pd.DataFrame:
    """The back-test as the reader's table: all ages in all placements, or (every) each age
    band and placement category too."""
    back = tested(folder, districts, reference_from)
    if not every:
        back = back[(back["age_band"] == forecast.ALL_AGES)
                    & (back["placement"] == forecast.ALL_PLACEMENTS)]  # fmt: skip
    return forecast.backtest_table(back)


def projections(folder, districts, reference_from, years, scenario) -> list:
    """The baseline's projection, and the scenario's beside it where it changes any rate, each
    with its name."""
    chosen = (folder, districts, reference_from, years)
    made = [("Baseline", projection(*chosen, forecast.Scenario()))]
    if scenario.changes:
        made.append(("Scenario", projection(*chosen, scenario)))
    return made


@st.cache_resource(max_entries=64, show_spinner=False)
def cost_table(folder, districts, reference_from, years, scenario, costs, level) -> pd.DataFrame:
    """The baseline's cost forecast, and the scenario's beside it, as a reader sees them (low
    and high at the confidence level chosen)."""
    made = projections(folder, districts, reference_from, years, scenario)
    read = inputs(folder, districts)
    return forecast.cost_table(read, reference_from, made, costs, level)


@st.cache_resource(max_entries=64, show_spinner=False)
def view(folder, districts, reference_from, years, scenario, bands, placement, level):
    """The chart, the sentence and the table of a forecast, from the actual numbers and the
    forecasts (the baseline, and the scenario where it changes any rate) for the chosen age
    bands and placement as they may be shown: protected (forecast.selected), and withheld where
    the protected figures withhold the actual number (read as every page reads them)."""
    read = inputs(folder, districts)
    actual = forecast.selected(forecast.actual(read), bands, placement)
    made = projections(folder, districts, reference_from, years, scenario)
    runs = [run.selected(bands, placement, level) for _, run in made]
    con, last = ui.connection(), read.years[-1]
    (hidden,) = forecast.withheld_years(read, [bands], con, placement != "all")
    (by_category,) = forecast.withheld_years(read, [bands], con, True)  # a scenario's: published
    actual, runs = forecast.as_published(actual, runs, hidden, reference_from, last, by_category)
    other = runs[1] if len(runs) > 1 else None
    ages, name = (
        forecast.ages_text(bands),
        forecast.CATEGORIES.get(placement, forecast.ALL_PLACEMENTS),
    )
    said = scenario.describe()
    percent = stats.level_text(level)
    figure = forecast_chart.figure(
        actual, runs[0], other, forecast.source_note(read), said, percent=percent
    )
    band = bands[0] if len(bands) == 1 else forecast.ALL_AGES
    back = tested(folder, districts, reference_from)
    reference = (reference_from, read.years[-1])
    text = forecast.sentence(read.area_name, ages, name, actual, runs[0], other, said, reference,
                             back, band, percent)  # fmt: skip
    names = ["Baseline", *(["Scenario: " + said] if other is not None else [])]
    table = forecast.reader_table(list(zip(names, runs, strict=True)), read.area_name, ages, name,
                                  percent)  # fmt: skip
    return figure, text, table


@st.cache_data(max_entries=64, show_spinner=False)
def download(folder, districts, reference_from, years, scenario, costs) -> bytes:
    """The forecast, any scenario, costs and back-test as one protected CSV (forecast.table)."""
    made = [run for _, run in projections(folder, districts, reference_from, years, scenario)]
    back = backtest(folder, districts, reference_from)
    table = forecast.assemble(inputs(folder, districts), made, back, reference_from, costs)
    return safe.frame(table).to_csv(index=False).encode()
