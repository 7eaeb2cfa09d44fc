"""The indicator catalogue: every indicator's definition, unit, polarity, source and choices."""

import streamlit as st

from carejsna import ui

ui.page(
    "Indicator catalogue",
    "Every indicator the explorer computes, as the catalogue (`src/carejsna/catalogue.toml`) "
    "defines it: the same definitions stand under each chart, in every download and behind "
    "`carejsna indicator`. Definitions follow DfE's published methodology; where we had to "
    "choose, the choice is written down.",
    filtered=False,
)
table = ui.catalogue_table()
st.dataframe(table, hide_index=True, key="catalogue")
st.download_button(
    f"Download the catalogue (CSV, {len(table)} rows)",
    table.to_csv(index=False).encode(),
    file_name="indicator_catalogue.csv",
    mime="text/csv",
    icon=":material/download:",
)
