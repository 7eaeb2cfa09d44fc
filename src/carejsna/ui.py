"""What every page shares: data access, the synthetic-data banner, and an indicator's block."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from carejsna import catalogue, charts, db, disclosure, filters
from carejsna import indicators as ind


@st.cache_resource
def connection():
    """One connection for every session; each query takes its own cursor."""
    return db.connect()


@st.cache_resource
def context() -> ind.Context:
    return ind.Context.load(connection())


@st.cache_data(max_entries=256)
def cells(indicator_id: str, year_from: int, year_to: int) -> pd.DataFrame:
    indicator = catalogue.get(indicator_id)
    return ind.cells(connection(), indicator, ind.Selection(year_from, year_to))


PAGES = (
    ("app.py", "Overview", ":material/home:"),
    ("pages/1_Children_in_care.py", "Children in care", ":material/groups:"),
)


def page(title: str, intro: str) -> ind.Selection:
    """Page setup: title, banner, page list, filters. Returns the reader's selection."""
    st.set_page_config(page_title=f"{title} | Children in care JSNA explorer", layout="wide")
    with st.sidebar:
        for path, label, icon in PAGES:
            st.page_link(path, label=label, icon=icon)
    data = context()
    st.title(title)
    if data.synthetic:
        st.warning(
            "**Synthetic demo data.** Every figure here is made up by `carejsna demo` "
            f"for a county shaped like {data.council_name}; none describes a real child.",
            icon=":material/science:",
        )
    selection = filters.sidebar(data)
    st.markdown(intro)
    return selection


COLUMN_NAMES = {
    "area_name": "Area",
    "year": "Year ending 31 March",
    "age_band": "Age band",
    "value": "Value",
    "numerator": "Numerator",
    "denominator": "Denominator",
}
VIEW_TITLES = {
    "trend": "Over time",
    "district": "By district, {year}",
    "age_band": "By age band, {year}",
}
EMPTY = {
    disclosure.SUPPRESSED: "Every figure in this selection is suppressed (c): it rests on fewer "
    "than 5 children. Widen the selection (more districts, ages or years) to see figures.",
    disclosure.NOT_AVAILABLE: "No data for this selection (x): the returns hold nothing for it.",
    disclosure.NOT_APPLICABLE: "Not applicable to this selection (z): there is no denominator "
    "for it, e.g. no resident population for an Unknown district.",
}


def indicator(indicator_id: str, selection: ind.Selection) -> None:
    """One indicator: heading, definition, then trend, districts and age bands with tables."""
    item = catalogue.get(indicator_id)
    data = context()
    st.subheader(item.title)
    st.caption(item.definition)
    for name, why in item.filter_notes.items():
        st.info(f"The {name.replace('_', ' ')} filter does not apply here: {why}")
    raw = cells(item.id, selection.year_from, selection.year_to)
    views = [v for v in ind.VIEWS if v != "age_band" or "age_band" in item.filters]
    tabs = st.tabs([VIEW_TITLES[v].format(year=selection.year_to) for v in views])
    for tab, view in zip(tabs, views, strict=True):
        with tab:
            _view(item, raw, selection, view, data)
    with st.expander(f"Definition and source: {item.short_title}"):
        st.markdown(
            f"- **Numerator:** {item.numerator}\n"
            + (f"- **Denominator:** {item.denominator}\n" if item.denominator else "")
            + f"- **Unit:** {item.unit_label}\n"
            + f"- **Matches:** {item.measure or 'no published measure'}\n"
            + (f"- **Our choices:** {item.choices}\n" if item.choices else "")
            + f"- **Query:** `queries/{item.query}.sql`"
        )


def _view(item, raw, selection, view, data) -> None:
    figures = ind.figures(raw, item, selection, view, data)
    table = ind.table(figures, item, data)
    shown = figures["value"].notna()
    if shown.any():
        if view == "trend":
            fig = charts.trend(figures, item, data.source_note)
        else:
            by = "area_name" if view == "district" else "age_band"
            fig = charts.bars(figures, item, by, data.source_note)
        st.plotly_chart(fig, width="stretch", key=f"{item.id}-{view}", config=charts.CONFIG)
    else:
        symbols = set(figures["symbol"]) - {""}
        reason = EMPTY[symbols.pop()] if len(symbols) == 1 else EMPTY[disclosure.NOT_AVAILABLE]
        st.info(reason, icon=":material/info:")
    columns = ["area_name", "year", "age_band", "value", "numerator", "denominator"]
    if item.unit == "count":
        columns = columns[:-2]
    st.dataframe(
        table[columns].rename(columns=COLUMN_NAMES),
        hide_index=True,
        key=f"{item.id}-{view}-table",
    )
    notes = [disclosure.FOOTNOTES[s] for s in sorted(set(figures["symbol"]) - {""})]
    if notes:
        st.caption(" · ".join(notes))
    csv = ind.table(figures, item, data, thousands=False).to_csv(index=False).encode()
    st.download_button(
        f"Download this table (CSV, {len(table)} rows, {len(csv) / 1024:.1f} KB)",
        csv,
        file_name=f"{item.id}_{view}_{selection.year_from}-{selection.year_to}.csv",
        mime="text/csv",
        key=f"{item.id}-{view}-csv",
        icon=":material/download:",
    )
