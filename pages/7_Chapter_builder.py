"""Chapter builder: a JSNA chapter pack (Word document, charts, tables, zip) from a selection."""

import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from carejsna import block, catalogue, chapter, filters, site, ui

ui.page(
    "Chapter builder",
    "Build the children-in-care chapter of a JSNA from the figures on these pages: a Word "
    "document (headings, each chart with its alt text, caption, a paragraph written from the "
    "figures, its table, definition and source, and a methods appendix), every chart as PNG and "
    "SVG, every table as CSV, in one zip. Save the selection as `chapter.toml` and next year's "
    "chapter is one command: `carejsna chapter --config chapter.toml --data data --out pack`.",
    filtered=False,
)
data = ui.context()
title = st.text_input("Chapter title", chapter.Config.title, max_chars=120, key="chapter-title")
st.markdown("**Themes**, in the chapter's order")
# A box each (all chosen in one multiselect left its text input too small to use), in
# newspaper order: down the first column, then the next, so that on a phone, where the columns
# stack, they still read in the chapter's order (dealt across, they had read Children in care,
# Education, Placement stability, ...).
columns = st.columns(3)
per_column = -(-len(chapter.THEMES) // len(columns))
themes = [
    theme
    for i, (theme, name) in enumerate(chapter.THEMES.items())
    if columns[i // per_column].checkbox(name, value=True, key=f"chapter-theme-{theme}")
]
offered = [i for t in themes for i in catalogue.catalogue().values() if i.theme == t]
indicators = st.multiselect(
    "Indicators (none chosen: every indicator of the themes)",
    [i.id for i in offered],
    format_func=lambda i: catalogue.get(i).title,
    key="chapter-indicators",
)
AREAS = {
    "council": "The council as a whole",
    "chosen": "Chosen districts",
    "each": "Each district, side by side (by age band and distributions: the council)",
}
areas = st.radio(
    "Areas (every 'by district' chart and table has every district whichever you choose)",
    list(AREAS),
    format_func=AREAS.get,
    horizontal=True,
    key="chapter-areas",
)
districts, combined = [], False
if areas == "chosen":
    districts = st.multiselect(
        "Districts",
        data.own_districts,
        format_func=data.district_names.get,
        key="chapter-districts",
    )
    combined = st.checkbox("Add the chosen districts together", key="chapter-combined")
    if not districts:
        st.info("No district chosen yet: the pack would be the council's, as a whole.")
bands = st.multiselect("Age bands (none chosen: all ages)", data.age_bands, key="chapter-ages")
first, last = st.select_slider(
    "Years ending 31 March", data.years, value=(data.years[0], data.years[-1]), key="chapter-years"
)
level = st.radio("Confidence level", ["95", "99.8"], horizontal=True, key="chapter-level")
comparator = st.selectbox(
    "Comparator for the council",
    list(data.comparators),
    format_func=data.comparators.get,
    key="chapter-comparator",
)
rounded = st.checkbox(
    "Round counts to the nearest 5, for publication (rates, percentages and intervals worked "
    "out from the rounded counts)",
    value=bool(st.session_state.get(filters.ROUNDED)),  # as the pages' sidebar, to start with
    key="chapter-rounded",
)
over_time = st.checkbox(
    "Add each age band over time: a chart and table more for every indicator by age band (a "
    "whole chapter then has 200, not 169)",
    key="chapter-bands-over-time",
)
# A published folder holds no record-level extract: public mode offers no forecast (the box
# had been ticked there, the contents promised the forecast, and the pack left it out).
forecast = not site.public() and st.checkbox(
    "Add a forecast of children in care for the next three years, with its back-test (needs the "
    "record-level extracts; for several districts side by side, the council's)",
    value=True,
    key="chapter-forecast",
)
if site.public():
    st.caption(
        "This public explorer's chapter has no forecast: a forecast is worked out from "
        "children's individual records, which are never published."
    )
config = chapter.Config(
    title=title.strip() or chapter.Config.title, themes=tuple(themes),
    indicators=tuple(indicators), districts=tuple(districts), combined=combined,
    each_district=areas == "each", age_bands=tuple(bands), year_from=first, year_to=last,
    level=float(level), comparator=comparator or "", rounded=rounded, forecast=forecast,
    bands_over_time=over_time,
)  # fmt: skip

st.header("What the pack will contain")
contents = pd.DataFrame(
    [
        {
            "Theme": chapter.THEMES[item.theme],
            "Indicator": item.title,
            "Charts and tables": ", ".join(
                block.VIEW_NAMES[v] for v in chapter.views_of(item, over_time)
            ),
        }
        for item in config.items()
    ]
)
st.dataframe(contents, hide_index=True, key="chapter-contents", column_config=ui.wide(contents))
views = sum(len(chapter.views_of(item, over_time)) for item in config.items())
if views:
    st.caption(
        f"{len(contents)} indicators: {views} tables (CSV) and up to {views} charts (PNG and "
        "SVG), "
        + ("the forecast's table and chart, " if forecast else "")
        + "chapter.docx, chapter.toml and README.txt."
    )
else:
    st.info("Nothing to build: choose at least one theme.")
st.download_button(
    "Download this selection (chapter.toml)",
    config.write(),
    file_name="chapter.toml",
    mime="application/toml",
    key="chapter-toml",
    icon=":material/download:",
    on_click="ignore",
    disabled=not views,
)
if st.button("Build the chapter pack", key="chapter-build", type="primary", disabled=not views):
    bar = st.progress(0.0, text="Starting")
    with tempfile.TemporaryDirectory() as folder:
        pack, warnings = chapter.build(
            config, None, Path(folder), lambda done, step: bar.progress(done, text=step)
        )
        st.session_state["chapter-pack"] = (config, pack.read_bytes(), warnings)
built = st.session_state.get("chapter-pack")
if built and built[0] == config:
    for warning in built[2]:
        st.warning(warning, icon=":material/warning:")
    st.download_button(
        f"Download the chapter pack (zip, {len(built[1]) / 1024 / 1024:.1f} MB)",
        built[1],
        file_name="chapter_pack.zip",
        mime="application/zip",
        key="chapter-zip",
        icon=":material/download:",
        on_click="ignore",
    )
elif built:
    st.info("The selection has changed since the pack was built: build it again.")
