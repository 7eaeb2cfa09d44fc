"""What every page shares: data access, the synthetic-data banner, and an indicator's block."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from carejsna import block, catalogue, charts, db, disclosure, downloads, filters, overview, stats
from carejsna import indicators as ind
from carejsna.site import pages as offered_pages


@st.cache_resource
def connection():
    """One connection for every session, to the published figures alone, held in memory; each
    query takes its own cursor."""
    return db.published(load=True)


@st.cache_resource
def context() -> ind.Context:
    return ind.Context.load(connection())


@st.cache_data(max_entries=64)
def trends(ids: tuple[str, ...], selection: ind.Selection) -> dict[str, pd.DataFrame]:
    """These indicators' own trends for a selection, read at once: for the tiles, sentences,
    scorecard and summary tables."""
    return ind.trends(connection(), [catalogue.get(i) for i in ids], selection, context())


@st.cache_data(max_entries=64)
def by_district(ids: tuple[str, ...], selection: ind.Selection) -> dict[str, pd.DataFrame]:
    """These indicators' figures by district in the latest year, read at once: to rank."""
    return ind.by_district(connection(), [catalogue.get(i) for i in ids], selection, context())


@st.cache_data(max_entries=1024)
def figures(indicator_id: str, selection: ind.Selection, view: str) -> pd.DataFrame:
    """One view of an indicator for a selection, read from the figures the build protected:
    once per selection, whichever sentence, table or chart asks for it."""
    item = catalogue.get(indicator_id)
    return ind.figures(connection(), item, selection, view, context())


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


# Tiles' labels wrap rather than being cut off; printing (to PDF, say) gives the page alone on
# A4, without the sidebar, the toolbar or the filters.
STYLE = """<style>
[data-testid="stMetric"] * {
    white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stMetric"] div { flex-wrap: wrap; }
@media print {
    @page { size: A4; margin: 15mm; }
    [data-testid="stSidebar"], [data-testid="stHeader"], [data-testid="stToolbar"],
    [data-testid="stSidebarCollapsedControl"] { display: none !important; }
    [data-testid="stMain"] { margin-left: 0 !important; }
}
</style>"""


def page(title: str, intro: str, filtered: bool = True) -> ind.Selection:
    """Page setup: title, banner, page list, filters (shown where they change the page).
    Returns the reader's selection."""
    st.set_page_config(page_title=f"{title} | Children in care JSNA explorer", layout="wide")
    st.html(STYLE)
    with st.sidebar:
        for link in offered_pages():  # those offered (public mode hides record-level pages)
            st.page_link(link)
    data = context()
    st.title(title)
    if data.synthetic:
        st.warning(
            "**Synthetic demo data.** Every figure here is made up by `carejsna demo` "
            f"for a county shaped like {data.council_name}; none describes a real child.",
            icon=":material/science:",
        )
    selection = filters.sidebar(data, title, shown=filtered)
    st.markdown(intro)
    return selection


# Columns of words, wide enough to read whole: a category, an indicator's name.
WIDE = {name: st.column_config.TextColumn(width="large") for name in ("Category", "Indicator")}


def indicator(indicator_id: str, selection: ind.Selection) -> None:
    """One indicator: heading, definition, then trend, districts and age bands with tables."""
    item = catalogue.get(indicator_id)
    data = context()
    st.subheader(item.title)
    st.caption(item.definition)
    chosen = {"age_band": selection.age_bands, "district": selection.districts}
    for name, why in item.filter_notes.items():
        if chosen.get(name):
            st.info(f"The {name.replace('_', ' ')} filter does not apply here: {why}")
    views = ind.views(item)
    titles = [
        block.VIEW_TITLES[v].format(year=selection.year_to, breakdown=item.breakdown) for v in views
    ]
    # Only the tab a reader opens is drawn: the others cost nothing until they are chosen.
    tabs = st.tabs(titles, key=f"{item.id}-views", on_change="rerun")
    for tab, view in zip(tabs, views, strict=True):
        if tab.open:
            with tab:
                _view(item, figures(item.id, selection, view), selection, view, data)
    with st.expander(f"Definition and source: {item.short_title}"):
        st.markdown(
            f"- **Numerator:** {item.numerator}\n"
            + (f"- **Denominator:** {item.denominator}\n" if item.denominator else "")
            + f"- **Unit:** {item.unit_label}\n"
            + f"- **Matches:** {item.measure or 'no published measure'}\n"
            + (f"- **Our choices:** {item.choices}\n" if item.choices else "")
            + f"- **Query:** `queries/{item.query}.sql`"
        )


def theme(theme_id: str, selection: ind.Selection, headlines: tuple[str, ...]) -> None:
    """A theme: its headline figures as tiles, one indicator in full (a headline unless the
    reader or the link picks another), then a table of every indicator in the theme."""
    items = [i for i in catalogue.catalogue().values() if i.theme == theme_id]
    summarised = [i for i in items if not i.breakdown]
    years = [selection.year_to - 1, selection.year_to]
    wider = replace(selection, year_from=min(selection.year_from, years[0]))
    shown = trends(tuple(i.id for i in summarised), wider)  # one read: tiles and table
    if headlines:
        tiles(headlines, shown, selection)

    st.header("In full")
    order = [*headlines, *(i.id for i in items if i.id not in headlines)]
    names = {i: catalogue.get(i).title for i in order}
    default = st.query_params.get("indicator")
    key = f"indicator-{theme_id}"
    if default in names and st.session_state.get(key) != default:
        st.session_state[key] = default  # the link, or the browser's Back, names one
    elif st.session_state.get(key) not in names:
        st.session_state[key] = order[0]
    choice = st.selectbox(
        "Indicator",
        order,
        format_func=names.get,
        key=key,
        on_change=lambda: st.query_params.update(indicator=st.session_state[key]),
        help="Its chart over time, by district and by age band, each with its table and CSV.",
    )
    indicator(choice, selection)
    if not summarised:  # groups of other figures (placed away): their page compares them
        return

    st.header(f"All {THEMES[theme_id].lower()} indicators")
    st.dataframe(
        summary_table(summarised, shown, years),
        hide_index=True,
        key=f"{theme_id}-summary",
        column_config=WIDE,
    )
    st.caption(
        "Latest year of the selection, with the year before. "
        + " · ".join(disclosure.FOOTNOTES.values())
    )


def summary_table(items: list, shown: dict[str, pd.DataFrame], years: list[int]) -> pd.DataFrame:
    """One row per indicator: its value for the selection in each of `years`."""
    rows = []
    for item in items:
        own = shown[item.id]
        values = {
            year: disclosure.shown(value, symbol, ind.DECIMALS[item.unit])
            for year, value, symbol in zip(own["year"], own["value"], own["symbol"], strict=True)
        }
        rows.append(
            {"Indicator": item.title, "Unit": item.unit_label}
            | {str(year): values.get(year, disclosure.NOT_AVAILABLE) for year in years}
        )
    return pd.DataFrame(rows)


def _view(item, frame, selection, view, data) -> None:
    """One view as block.py decides it: chart (or why there is none), notes, table, downloads."""
    districts = None  # a trend's alt text names the highest and lowest district
    if view == "trend" and "district" in ind.views(item):
        districts = figures(item.id, selection, "district")
    shown = block.build(item, frame, selection, view, data, districts)
    if shown.figure is not None:
        st.plotly_chart(
            shown.figure,
            width="stretch",
            key=f"{item.id}-{view}",
            config=charts.config(shown.stem(data)),
            theme=None,
            alt=shown.alt,
        )
        for note in shown.notes:
            st.caption(note)
    else:
        st.info(shown.empty, icon=":material/info:")
    table = shown.table
    st.dataframe(
        table,
        hide_index=True,
        height=min(36 * (len(table) + 1) + 3, 290),  # a short table in full, a long one scrolls
        key=f"{item.id}-{view}-table",
        column_config=WIDE,
    )
    if shown.footnotes:
        st.caption(" · ".join(shown.footnotes))
    csv = shown.csv.to_csv(index=False).encode()
    st.download_button(
        f"Download this table (CSV, {len(table)} rows, {len(csv) / 1024:.1f} KB)",
        csv,
        file_name=f"{item.id}_{view}_{selection.year_from}-{selection.year_to}.csv",
        mime="text/csv",
        key=f"{item.id}-{view}-csv",
        icon=":material/download:",
    )
    if shown.figure is not None:
        downloads.images(shown, data)


@st.cache_resource
def targets() -> pd.DataFrame:
    """The council's KPI targets (targets.csv), as built."""
    return db.table(connection(), "targets")


def board(selection: ind.Selection) -> None:
    """The board's overview: headline tiles and a sentence per theme for the selection, each
    read at once, then the KPI scorecard: the council's, all ages, whatever the filters."""
    shown = overview_trends(selection)
    headlines(selection, shown)
    sentences(selection, shown)
    whole = replace(selection, districts=(), age_bands=())
    scorecard(trends(tuple(targets()["indicator_id"]), whole), selection != whole)


def overview_trends(selection: ind.Selection) -> dict[str, pd.DataFrame]:
    """The protected trends of every indicator the overview shows (its own rows, not the
    comparator's): headlines and sentences, read at once."""
    ids = dict.fromkeys([*HEADLINES, *(i for ids in THEME_SENTENCES for i in ids[:1])])
    return trends(tuple(ids), selection)


HEADLINES = (
    "cla_at_31_march",
    "cla_rate_per_10k",
    "cla_started",
    "pct_3plus_placements",
    "pct_long_term_stability",
    "pct_health_assessment",
    "pct_persistent_absence",
    "pct_eet_19to21",
)
# The indicator each theme's sentence is about, and the one its district is ranked on.
THEME_SENTENCES = (
    ("cla_at_31_march", "cla_rate_per_10k", "rate per 10,000 children"),
    ("pct_3plus_placements", "pct_3plus_placements", ""),
    ("pct_health_assessment", "pct_health_assessment", ""),
    ("pct_persistent_absence", "pct_persistent_absence", ""),
    ("pct_eet_19to21", "pct_eet_19to21", ""),
)


def headlines(selection: ind.Selection, shown: dict[str, pd.DataFrame]) -> None:
    """The overview's tiles: a headline indicator of each theme."""
    tiles(HEADLINES, shown, selection)


def tiles(ids: tuple[str, ...], shown: dict[str, pd.DataFrame], selection: ind.Selection) -> None:
    """A tile per headline indicator, naming its area, ages and year: the latest value, its
    change on the year before (coloured only when significant) and, where a like-for-like
    published figure exists, how it compares with England (or the chosen comparator)."""
    data = context()
    _, area = selection.area(data)
    st.header("Headline figures")
    columns = st.columns(4)
    for i, indicator_id in enumerate(ids):
        item = catalogue.get(indicator_id)
        own = shown[indicator_id]
        own = own[own["year"].between(selection.year_from, selection.year_to)]
        tile = overview.tile(own, item)
        verdict = ind.trend_sentence(ind.recent_trend(own, item), own["year"])
        delta, colour, said = None, "off", None
        if tile.direction in ("up", "down"):
            delta = f"{tile.short_change} on {tile.year - 1}"
            said = "no significant change"
            if tile.significant:  # coloured only when significant
                said = "significant" + (
                    f", {tile.judgement}" if tile.judgement in ("better", "worse") else ""
                )
                good_when_up = tile.judgement == ("better" if tile.direction == "up" else "worse")
                if tile.judgement in ("better", "worse"):
                    colour = "normal" if good_when_up else "inverse"
        elif tile.direction == "same":
            delta = f"no change on {tile.year - 1}"
        ages = _ages(item, selection)
        with columns[i % 4], st.container(border=True):
            st.metric(
                f"{item.short_title}, {area}{f' ({ages})' if ages else ''}, {tile.year}",
                tile.value_text.replace(" per 10,000", ""),
                delta=delta,
                delta_color=colour,
                delta_description=said,
                help=f"{item.definition} {verdict} {_change_note(tile)}",
            )
            compared = _against_published(own, item, selection, data)
            if compared:
                st.caption(compared)
    st.caption(" · ".join(disclosure.FOOTNOTES.values()))


def _against_published(own: pd.DataFrame, item, selection: ind.Selection, data) -> str:
    """The council's all-ages figure against the comparator's published one for the same
    year ("England 70.0: similar"); "" where there is no like-for-like figure (a district, an
    age band, a count, no published figure that year)."""
    banded = selection.age_bands and "age_band" in item.filters
    if selection.districts or banded or item.unit == "count" or not len(own):
        return ""
    last = own.sort_values("year").iloc[-1]
    published = data.published(item.id, selection.comparator)
    published = published[published["year"] == last["year"]]
    if published.empty or pd.isna(last["value"]):
        return ""
    suffix = stats.level_suffix(selection.level)
    value = float(published["value"].iloc[0])
    judged = stats.compare(
        [last[f"lower_{suffix}"]], [last[f"upper_{suffix}"]], [value], item.polarity
    )[0]
    name = data.comparators.get(selection.comparator, "England")
    derived = " (derived)" if bool(published.get("derived", pd.Series([False])).iloc[0]) else ""
    return f"{name} {overview.shown(value, item)}{derived}: {judged}"


def _change_note(tile: overview.Tile) -> str:
    """How the change on the year before was judged, for a tile's help."""
    if tile.direction not in ("up", "down"):
        return ""
    if not tile.change.p_value >= 0:  # no test: a count missing, or nothing to compare
        return "The change on the year before could not be tested."
    p = "p < 0.001" if tile.change.p_value < 0.001 else f"p = {tile.change.p_value:.3f}"
    verdict = "statistically significant" if tile.significant else "not significant"
    return (
        f"The change on the year before is {verdict} ({p}, {tile.change.method}); it is "
        "coloured better or worse only when significant."
    )


def _ages(item, selection: ind.Selection) -> str:
    """The chosen ages, in words, for a headline ("aged under 1"), or "age band filter not
    applied" where the indicator has none; "" when no age band is chosen."""
    if not selection.age_bands:
        return ""
    if "age_band" not in item.filters:
        return "age band filter not applied"
    return "aged " + " or ".join(band[0].lower() + band[1:] for band in selection.age_bands)


def sentences(selection: ind.Selection, shown: dict[str, pd.DataFrame]) -> None:
    """One plain-English sentence per theme, written from the data."""
    data = context()
    code, area = selection.area(data)
    st.header("In brief")
    ranked = {}  # a single district is placed among the others
    if len(selection.districts) == 1:
        ranked = by_district(tuple(r for _, r, _ in THEME_SENTENCES), selection)
    lines = []
    for indicator_id, ranked_id, ranked_on in THEME_SENTENCES:
        item = catalogue.get(indicator_id)
        districts = ranked.get(ranked_id)
        own = shown[indicator_id]
        text = overview.sentence(own, item, area, districts, ranked_on, _ages(item, selection))
        verdict = ind.trend_sentence(ind.recent_trend(own, item), own["year"], plain=True)
        lines.append(f"- **{THEMES[item.theme]}.** {text} {verdict}")
    away = overview.placed_away_sentence(placed_away(selection), catalogue.catalogue(), area)
    lines.append(f"- **{THEMES['placed_away']}.** {away}")
    st.markdown("\n".join(lines))


@st.cache_data(max_entries=64)
def placed_away(selection: ind.Selection) -> pd.DataFrame:
    """Children placed away from home against those placed near, each grouped indicator's
    difference tested, for a selection (indicators.group_differences)."""
    items = [i for i in catalogue.catalogue().values() if i.groups_of]
    return ind.group_differences(connection(), items, selection, context())


RAG_COLOURS = {"green": "#cce2d8", "amber": "#fff7bf", "red": "#f6d7d2", "not known": "#f3f2f1"}


def scorecard(shown: dict[str, pd.DataFrame], filtered: bool = False) -> None:
    """The council's KPIs (`shown`: the whole council, all ages) against its own targets
    (targets.csv), red, amber or green. `filtered`: the reader has chosen districts or ages."""
    st.header("KPI scorecard")
    if filtered:
        st.info(
            "The scorecard is the council's as a whole, all ages: its targets are set for the "
            "council, so it does not follow the district and age band filters.",
            icon=":material/info:",
        )
    if targets().empty:
        st.info("No targets set: add a targets.csv to the returns folder (docs/returns-layout.md).")
        return
    rows = []
    for target in targets().itertuples():
        item = catalogue.get(target.indicator_id)
        tile = overview.tile(shown[item.id], item)
        status = overview.rag(tile.value, target.target, target.tolerance, target.good)
        rows.append(
            {
                "KPI": item.title,
                "Year": tile.year,
                "Value": tile.value_text,
                "Target": f"{'at least' if target.good == 'higher' else 'at most'} "
                + overview.shown(target.target, item),
                "Status": overview.RAG_LABELS[status],
                "Note": target.note or "",
            }
        )
    table = pd.DataFrame(rows)
    colours = {label: RAG_COLOURS[s] for s, label in overview.RAG_LABELS.items()}
    styled = table.style.map(lambda v: f"background-color: {colours[v]}", subset=["Status"])
    st.table(styled.hide(axis="index"))  # ten rows: a plain table, every word of them shown
    st.caption(
        "✔ On target: the value meets the target. ▲ Within tolerance: short of it by no more "
        "than the council's tolerance. ✖ Off target: further short. ? Not known: the value is "
        "suppressed or not available. Targets are the council's own (targets.csv)."
    )


def catalogue_table() -> pd.DataFrame:
    """The catalogue as a reader's table."""
    return pd.DataFrame(
        [
            {
                "Theme": THEMES[i.theme],
                "Indicator": i.title,
                "Id": i.id,
                "Definition": i.definition,
                "Numerator": i.numerator,
                "Denominator": i.denominator,
                "Unit": i.unit_label,
                "Polarity": i.polarity.replace("_", " "),
                "Filters": ", ".join(f.replace("_", " ") for f in i.filters),
                "Matches": i.measure,
                "Our choices": i.choices,
                "Query": f"queries/{i.query}.sql",
            }
            for i in catalogue.catalogue().values()
        ]
    )


SEARCHED = ("Indicator", "Id", "Definition", "Numerator", "Denominator", "Matches", "Our choices")


def catalogue_matches(table: pd.DataFrame, words: str) -> pd.Series:
    """The catalogue's rows holding every word searched for (any case), in any of its texts."""
    text = table[list(SEARCHED)].fillna("").agg(" ".join, axis=1).str.lower()
    found = pd.Series(True, index=table.index)
    for word in words.lower().split():
        found &= text.str.contains(word, regex=False)
    return found


def catalogue_entry(row: dict) -> str:
    """One indicator's catalogue entry in full, as markdown: every field, wrapped to read."""
    fields = ["Definition", "Numerator", "Denominator", "Unit", "Polarity", "Filters"]
    fields += ["Matches", "Our choices", "Query", "Id"]
    return "\n".join(
        f"- **{name}:** {plain_markdown(str(row[name.replace(' ', '_')]))}"
        for name in fields
        if row.get(name.replace(" ", "_"))
    )


def plain_markdown(text: str) -> str:
    """Catalogue text shown as written: markdown's own characters escaped."""
    for mark in ("\\", "*", "_", "[", "]", "<", ">", "#", "|"):
        text = text.replace(mark, "\\" + mark)
    return text
