"""What the Forecasts page reads and works out, each step cached once per process for every
session (st.cache_resource: read-only results, held once rather than copied on every rerun as
st.cache_data would), and defined once here rather than again on every rerun of the page."""

import pandas as pd
import streamlit as st

from carejsna import forecast, forecast_chart, safe, stats, ui


@st.cache_resource(max_entries=16, show_spinner="Reading the returns…")
def inputs(folder: str, districts: tuple[str, ...]) -> forecast.Inputs:
    return forecast.prepare(folder, districts)


@st.cache_resource(max_entries=64, show_spinner="Projecting…")
def projection(folder, districts, reference_from, years) -> forecast.Projection:
    """The baseline, years ahead: for an area alone, as the build worked it out."""
    return forecast.baseline(inputs(folder, districts), reference_from, years)


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
def tested_table(folder, districts, reference_from, every: bool, bands=()) -> pd.DataFrame:
    """The back-test as the reader's table, in all placements: the age bands chosen (all ages
    where none is; with several, all ages too, whose errors the sentence gives: the back-test
    has no sum of bands), or (every) each age band and all ages (the placement categories are
    never shown: forecast.UNPROTECTED). With the under 1s chosen it had shown all ages alone,
    under a sentence giving the under 1s' errors."""
    back = tested(folder, districts, reference_from)
    back = back[back["placement"] == forecast.ALL_PLACEMENTS]
    if not every:
        chosen = bands if len(bands) == 1 else (*bands, forecast.ALL_AGES)
        back = back[back["age_band"].isin(chosen)]
    return forecast.backtest_table(back)


@st.cache_resource(max_entries=64, show_spinner=False)
def view(folder, districts, reference_from, years, bands, level):
    """The chart, the sentence and the table of the forecast, from the actual numbers and the
    baseline for the chosen age bands, in all placements, as they may be shown: protected
    (forecast.selected), and withheld as forecast.published withholds (read as every page
    reads the figures)."""
    read = inputs(folder, districts)
    actual = forecast.selected(forecast.actual(read), bands)
    run = projection(folder, districts, reference_from, years).selected(bands, "all", level)
    hidden, modelled = forecast.gates(read, bands, ui.connection())
    period = forecast.built_from("forecast", read.years[-1], reference_from, read)
    actual, run = forecast.as_published(actual, run, hidden, period, modelled)
    ages = forecast.ages_text(bands)
    percent = stats.level_text(level)
    whose = (f"{read.area_name}, {ages}.",)  # saved from its toolbar, the chart says whose
    figure = forecast_chart.figure(
        actual, run, None, forecast.source_note(read), notes=whose, percent=percent
    )
    band = bands[0] if len(bands) == 1 else forecast.ALL_AGES
    back = tested(folder, districts, reference_from)
    reference = (reference_from, read.years[-1])
    text = forecast.sentence(read.area_name, ages, forecast.ALL_PLACEMENTS, actual, run, None, "",
                             reference, back, band, percent)  # fmt: skip
    table = forecast.reader_table([("Baseline", run)], read.area_name, ages,
                                  forecast.ALL_PLACEMENTS, percent)  # fmt: skip
    return figure, text, table


@st.cache_data(max_entries=64, show_spinner=False)
def download(folder, districts, reference_from, years) -> bytes:
    """The forecast and back-test as one protected CSV (forecast.table, as the command)."""
    made = [projection(folder, districts, reference_from, years)]
    back = backtest(folder, districts, reference_from)
    table = forecast.assemble(inputs(folder, districts), made, back, reference_from)
    return safe.frame(table).to_csv(index=False).encode()
