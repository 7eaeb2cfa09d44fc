"""What every page shares: the figures read once per selection (cached), the page list, and a
page's frame: title, synthetic-data banner, sidebar filters. What the pages draw is by concern:
themes.py (a theme: tiles, an indicator in full, a summary), board.py (the overview), and
catalogue_view.py (the catalogue). A read takes milliseconds: no spinner is shown for one."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from carejsna import block, catalogue, changes, charts, db, filters, overview
from carejsna import indicators as ind
from carejsna.site import pages as offered_pages

# The explorer's text columns are held as Python strings, not Arrow ones: a page slices,
# labels and converts many small frames, each step quicker on Python strings (a rerun about a
# sixth quicker in bench/). The same str dtype and missing values either way; a build, run in
# its own process (`carejsna build`), is not touched.
pd.set_option("mode.string_storage", "python")


@st.cache_resource
def connection():
    """One connection for every session, to the published figures alone, held in memory; each
    query takes its own cursor."""
    return db.published(load=True)


@st.cache_resource(max_entries=64, show_spinner=False)
def covered(ids: tuple[str, ...]) -> frozenset[tuple[str, str]]:
    """The (indicator, age band) pairs of these indicators the council has a figure for in
    some year (queries/read/covered.sql): overview.uncovered tells ages a measure does not
    cover from data missing."""
    return overview.covered(connection(), list(ids))


@st.cache_resource
def context() -> ind.Context:
    return ind.Context.load(connection())


@st.cache_resource(max_entries=64, show_spinner=False)
def rows(ids: tuple[str, ...], selection: ind.Selection) -> pd.DataFrame:
    """The figures of these indicators for a selection and for the council (ind.read), read at
    once: a theme's tiles, its summary table and its chosen indicator's trend take theirs from
    one read. Shared, never changed."""
    items = [catalogue.get(i) for i in ids]
    return ind.read(connection(), items, selection, context(), selection.views)


@st.cache_resource(max_entries=64, show_spinner=False)
def trends(ids: tuple[str, ...], selection: ind.Selection) -> dict[str, pd.DataFrame]:
    """These indicators' own trends for a selection, read at once: for the tiles, sentences,
    scorecard and summary tables. None asked for, none read (a theme of groups of others'
    figures, placed away, has none of its own). Shared, never changed."""
    if not ids:
        return {}
    items = [catalogue.get(i) for i in ids]
    return ind.trends(connection(), items, selection, context(), rows(ids, selection))


@st.cache_data(max_entries=64, show_spinner=False)
def by_district(ids: tuple[str, ...], selection: ind.Selection) -> dict[str, pd.DataFrame]:
    """These indicators' figures by district in the latest year, read at once: to rank."""
    return ind.by_district(connection(), [catalogue.get(i) for i in ids], selection, context())


@st.cache_resource(max_entries=256, show_spinner=False)
def view(indicator_id: str, selection: ind.Selection, name: str, within: tuple = ()) -> block.Block:
    """What one view of an indicator shows for a selection (block.build: chart, notes, table,
    words), worked out once per selection for every reader, then only drawn. Shared, so never
    changed: a Block is read, not written. `within`: the (ids, selection) of a `rows` read the
    indicator's figures are in (a theme page's), to take them from. A trend's words name the
    highest and lowest district (`ranked`)."""
    item = catalogue.get(indicator_id)
    read = rows(*within) if within else None
    frame = ind.all_figures(connection(), item, selection, context(), (name,), read)[name]
    districts = None
    if name == "trend" and "district" in ind.views(item):
        districts = ranked(indicator_id, replace(selection, districts=(), combined=False))
    return block.build(item, frame, selection, name, context(), districts)


@st.cache_resource(max_entries=256, show_spinner=False)
def ranked(indicator_id: str, selection: ind.Selection) -> pd.DataFrame:
    """An indicator's district view for a selection's ages and years: the same whichever
    districts are chosen, so read once for them all (shared, never changed)."""
    item = catalogue.get(indicator_id)
    return ind.all_figures(connection(), item, selection, context(), ("district",))["district"]


PAGES = (
    ("app.py", "Overview", ":material/dashboard:"),
    ("pages/1_Children_in_care.py", "Children in care", ":material/groups:"),
    ("pages/2_Placement_stability.py", "Placement stability", ":material/home_work:"),
    ("pages/3_Health_and_wellbeing.py", "Health and wellbeing", ":material/favorite:"),
    ("pages/4_Education.py", "Education", ":material/school:"),
    ("pages/5_Care_leavers.py", "Care leavers", ":material/directions_walk:"),
    ("pages/10_Placed_away_from_home.py", "Placed away from home", ":material/distance:"),
    ("pages/6_Indicator_catalogue.py", "Indicator catalogue", ":material/menu_book:"),
    ("pages/7_Chapter_builder.py", "Chapter builder", ":material/description:"),
    ("pages/8_Data_quality.py", "Data quality", ":material/fact_check:"),  # record-level
    ("pages/9_Forecasts.py", "Forecasts", ":material/trending_up:"),  # record-level
)
THEMES = catalogue.THEMES


# Tiles' labels wrap rather than being cut off. A chart keeps the width its notes need
# (charts.NOTES_WIDTH: Plotly does not wrap text, and cuts what does not fit): on a phone it fits
# the screen (one narrower than 352 px scrolls it sideways, a chart over time opening on its
# latest years). A swipe scrolls a chart, or the page, and a tap shows a figure's tooltip
# (charts never zoom: charts._figure). Printing (to PDF, say) gives the page alone on A4,
# without the sidebar, the toolbar or the filters.
PLOT = '[data-testid="stFullScreenFrame"] > [data-testid="stPlotlyChart"]'
CHART = f'[data-testid="stElementContainer"]:has(> {PLOT})'
OVER_TIME = ", ".join(f'{CHART}[class*="{key}"]' for key in ("-trend", "forecast-chart"))
STYLE = f"""<style>
[data-testid="stMetric"] * {{
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}}
[data-testid="stMetric"] div {{ flex-wrap: wrap; }}
{CHART} {{ overflow-x: auto; min-width: 0; max-width: 100%; }}
{CHART} > [data-testid="stFullScreenFrame"] {{ min-width: {charts.NOTES_WIDTH}px; }}
{OVER_TIME} {{ direction: rtl; }}
{CHART} > * {{ direction: ltr; }}
@media print {{
    @page {{ size: A4; margin: 15mm; }}
    [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
    [data-testid="stSidebarCollapsedControl"] {{ display: none !important; }}
    [data-testid="stMain"] {{ margin-left: 0 !important; }}
}}
</style>"""


def page(title: str, intro: str, filtered: bool = True, indicators: bool = False) -> ind.Selection:
    """Page setup: title, banner, page list, filters (shown where they change the page).
    `indicators`: the page reads the link's indicator (a theme page). Returns the reader's
    selection."""
    st.set_page_config(page_title=f"{title} | Children in care JSNA explorer", layout="wide")
    st.html(STYLE)
    links = st.sidebar.container()  # filled once the filters are known, at the sidebar's top
    data = context()
    st.title(title)
    if data.synthetic:
        st.warning(
            "**Synthetic demo data.** Every figure here is made up by `carejsna demo` "
            f"for a county shaped like {data.council_name}; none describes a real child.",
            icon=":material/science:",
        )
    reads = filters.PAGE_KEYS if indicators else ()
    selection = filters.sidebar(data, title, shown=filtered, reads=reads)
    # Each link carries the filters, as the page it opens writes them back: a page opened is
    # one step of the browser's history. A bare link was two (the page, then its filters), and
    # Back went to the bare one, on the same page, which read it as every filter cleared.
    carried = filters.to_url(st.session_state.filters, data)
    with links:
        for link in offered_pages():  # those offered (public mode hides record-level pages)
            st.page_link(link, query_params=carried)
    st.markdown(intro)
    return selection


TEXT_PIXELS, CELL_PADDING = 7, 24  # a table's character, about (14 px Source Sans); a cell's
WIDE_PIXELS = (150, 720)  # the least and most a column of words is given


def wide(table: pd.DataFrame) -> dict:
    """Column settings for a table: its columns of words (a category, an indicator's name, a
    measure) as wide as their longest entry, within WIDE_PIXELS (Streamlit's own widths cut
    long names)."""
    least, most = WIDE_PIXELS
    longest = {
        name: int(table[name].astype(str).str.len().max())
        for name in ("Category", "Indicator", "Measure")
        if name in table and len(table)
    }
    return {
        name: st.column_config.TextColumn(
            width=min(max(TEXT_PIXELS * chars + CELL_PADDING, least), most)
        )
        for name, chars in longest.items()
    }


@st.cache_resource
def targets() -> pd.DataFrame:
    """The council's KPI targets (targets.csv), as built."""
    return db.table(connection(), "targets")


@st.cache_resource(max_entries=64, show_spinner=False)
def placed_away(selection: ind.Selection) -> pd.DataFrame:
    """Children placed away from home against those placed near, each grouped indicator's
    difference tested, for a selection (indicators.group_differences), from the read its
    page's indicator in full takes its figures from too (themes.theme). Shared, never changed."""
    items = [i for i in catalogue.catalogue().values() if i.groups_of]
    shown = trends(tuple(i.id for i in items), with_year_before(selection))
    return ind.differences(shown, items, selection)


def with_year_before(selection: ind.Selection) -> ind.Selection:
    """The selection's years, reaching back to the year before its last at least: what a
    theme's tiles and summary compare (one read serves them and the selection's own years)."""
    return replace(selection, year_from=min(selection.year_from, selection.year_to - 1))


@st.cache_resource
def figure_changes() -> dict:
    """What changed in the overview's figures since the last build (figure_changes.json), or
    {} after a first build or when nothing changed."""
    return changes.read(db.data_dir())
