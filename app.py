"""Overview for board members: headline figures, a sentence per theme, and the KPI scorecard."""

import streamlit as st

from carejsna import ui

selection = ui.page(
    "Children in care and care leavers: overview",
    "Headline figures for the selection in the sidebar, how they moved on the year before, and "
    "the board's key performance indicators against their targets. Every figure comes from the "
    "council's SSDA903 returns; counts of fewer than 5 children are never shown.",
)
ui.board(selection)
data = ui.context()
st.caption(
    f"Data: {data.source_note} Years ending 31 March {data.years[0]} to {data.years[-1]}. "
    f"{data.licence}"
)
