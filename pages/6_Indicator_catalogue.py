"""The indicator catalogue: every indicator's definition, unit, polarity, source and choices."""

import streamlit as st

from carejsna import catalogue_view, disclosure, filters, stats, ui

ui.page(
    "Indicator catalogue",
    "Every indicator the explorer computes, as the catalogue (`src/carejsna/catalogue.toml`) "
    "defines it: the same definitions stand under each chart, in every download and behind "
    "`carejsna indicator`. Definitions follow DfE's published methodology; where we had to "
    "choose, the choice is written down. How intervals, comparisons, trends and small numbers "
    "are worked out is at the foot of the page.",
    filtered=False,
    indicators=True,  # ?indicator=ID opens its entry: a definition can be linked to
)
table = catalogue_view.catalogue_table()
words = st.text_input(
    "Search the catalogue",
    placeholder="e.g. health assessment, NEET, placements",
    help="Finds indicators whose name, definition, numerator, denominator or choices hold "
    "every word given.",
    key="catalogue-search",
)
found = table[catalogue_view.catalogue_matches(table, words)]
linked = st.query_params.get("indicator")
if linked and linked not in set(table["Id"]):
    st.warning(
        f"The link's indicator `{filters.plain(linked)}` is not in the catalogue: every "
        "indicator is listed below.",
        icon=":material/link_off:",
    )
said = catalogue_view.plain_markdown(words[:40])
st.caption(f"{len(found)} of {len(table)} indicators" + (f" match '{said}'" if words else "."))
for theme, rows in found.groupby("Theme", sort=False):
    st.subheader(theme)
    for row in rows.to_dict("records"):  # by column name: "Our choices" too
        with st.expander(
            f"{row['Indicator']} ({row['Unit'].lower()})", expanded=row["Id"] == linked
        ):
            st.markdown(catalogue_view.catalogue_entry(row))
st.download_button(
    f"Download the catalogue (CSV, {stats.rows_text(len(table))})",
    table.to_csv(index=False).encode(),
    file_name="indicator_catalogue.csv",
    mime="text/csv",
    icon=":material/download:",
)
st.dataframe(table, hide_index=True, key="catalogue")

st.subheader("How the figures are worked out")
second = stats.LEVELS[-1]
st.markdown(
    f"{stats.methods_text()} With the {stats.level_text(second)} level chosen (for comparing "
    f"many areas at once) the intervals are wider and a test is significant only when "
    f"p < {stats.alpha(second):g}."
)
st.markdown(
    f"{disclosure.DISCLOSURE} With **Round counts to the nearest 5** on: {disclosure.ROUNDED}"
)
st.markdown("\n".join(f"- {note}" for note in disclosure.FOOTNOTES.values()))
