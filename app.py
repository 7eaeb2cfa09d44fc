"""Entry page of the explorer: what it is, whose data, and where to go."""

import streamlit as st

from carejsna import ui

selection = ui.page(
    "Children in care and care leavers: JSNA explorer",
    "Figures for a Joint Strategic Needs Assessment, computed from the council's own SSDA903 "
    "returns, for its districts and age bands. Small numbers are suppressed so that no child "
    "can be identified. Pick a theme in the sidebar; the filters travel with you and with any "
    "link you copy.",
)
data = ui.context()
st.markdown(
    f"**Data:** {data.source}, {data.council_name}, years ending 31 March "
    f"{data.years[0]} to {data.years[-1]}. {data.licence}"
)
for path, label, icon in ui.PAGES[1:]:
    st.page_link(path, label=label, icon=icon)
