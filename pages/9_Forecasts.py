"""Forecasts: children in care 1 to 3 years ahead, and how the model did on the past against
naive forecasts."""

import streamlit as st

from carejsna import block, charts, db, forecast, stats, ui
from carejsna import forecast_view as cached

selection = ui.page(
    "Forecasts",
    "How many children may be in care in the next one to three years, for the council or the "
    "districts and ages in the sidebar: a stock-and-flow model of the kind councils use "
    "(data-to-insight's demand model), fitted on the council's own returns; and how the model "
    "did when it was tested on years the returns already hold.",
)
data = ui.context()
st.caption(
    "The year filters do not change this page: the reference period below sets the years the "
    "rates are measured over. The confidence level filter sets the forecast's interval."
)
FOLDER = str(db.data_dir())


UNSHOWN = (
    f"The {forecast.UNPROTECTED}. They wait for the build to protect them among every other figure."
)
try:
    read = cached.inputs(FOLDER, selection.districts)
except FileNotFoundError as error:  # a published folder: protected figures, no records
    st.info(f"Forecasts are not available here: {error}", icon=":material/info:")
    st.stop()

years = read.years
left, right = st.columns(2)
ahead = left.radio("Years ahead", [1, 2, 3], index=2, horizontal=True, key="forecast-years")
reference_from = right.selectbox(
    "Rates measured from the year ending 31 March",
    list(years),
    index=list(years).index(forecast.check_years(read, 3, None)),
    key="forecast-reference",
    help=f"The reference period runs from then to 31 March {years[-1]}: the default is the "
    "last three years of returns.",
)

districts, bands, level = selection.districts, selection.age_bands, selection.level
chosen = (FOLDER, districts, reference_from, ahead)
figure, text, forecast_table = cached.view(*chosen, bands, level)
ages = forecast.ages_text(selection.age_bands)
percent = stats.level_text(level)

st.header(f"Children in care, {read.area_name}, {ages}")
st.plotly_chart(
    figure,
    width="stretch",
    key="forecast-chart",
    config=charts.config(block.file_name(f"forecast_{read.area_code}_{' '.join(bands)}")),
    theme=None,
    alt=f"Line chart: children in care in {read.area_name}, {ages}, at each 31 March from "
    f"{years[0]} to {years[-1]}, then the forecast to {years[-1] + ahead} with its {percent} "
    "interval.",
)
st.markdown(text)
st.caption(
    "The interval allows for chance alone, on rates that stay as they were over the reference "
    "period; not for rates that change. How far that goes: the back-test below."
)
st.dataframe(forecast_table, hide_index=True, key="forecast-table")
st.caption(
    "Counts rounded to the nearest 5. c = withheld: 1 to 4 children in that group at the start "
    "of the forecast, or the published figures withhold the children in care in a year it is "
    "worked out from."
)
st.info(
    f"Not shown: the forecast by placement category, its cost and scenarios. {UNSHOWN}",
    icon=":material/visibility_off:",
)

st.header("How the model did on the past")
back = cached.tested(FOLDER, districts, reference_from)
if back.empty:
    st.info("There are too few years of returns to test the model on the past.")
else:
    fitted_to = int(back["fitted_to"].iloc[0])
    st.markdown(
        f"The model fitted on the returns up to {fitted_to} only, forecasting each 31 March "
        f"from {fitted_to + 1} to {years[-1]}, against what happened; beside it, two naive "
        f"forecasts from the same returns: the {fitted_to} number carried forward, and a "
        "straight line through the 31 March numbers of the reference years."
    )
    # Every band and category only when asked for: a table of hundreds of rows, drawn on
    # every rerun even inside a closed expander.
    every = st.toggle("Every age band", key="forecast-backtest-every")
    table = cached.tested_table(FOLDER, districts, reference_from, every, bands)
    st.dataframe(table, hide_index=True, key="forecast-backtest")
    st.caption(
        "Error: forecast less actual, both rounded to the nearest 5; its percentage of the "
        "actual (blank where the actual is 0). c: withheld where the actual is 1 to 4 "
        "children, or the published figures withhold the children in care, or those who "
        "started or ceased to be looked after, in a year it is worked out from."
    )

st.header("Download")
st.download_button(
    "Download the forecast and back-test (CSV, 95% intervals)",
    # Made when clicked: the table checks every age band against the protected figures, a
    # third of a rerun if made on each.
    lambda: cached.download(FOLDER, districts, reference_from, ahead),
    file_name=f"forecast_{read.area_code}_{years[-1]}.csv",
    mime="text/csv",
    key="forecast-csv",
    icon=":material/download:",
)
with st.expander("How the model works"):
    st.markdown(forecast.__doc__.split("\n\n", 1)[1])
st.caption(f"Data: {data.source_note} {data.licence}")
