"""A theme's page: its headline tiles, one indicator in full (over time, by district, by age
band: each view a chart, its notes, table and downloads, as block.py decides them), then a table
of every indicator in the theme."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from carejsna import block, catalogue, charts, disclosure, downloads, filters, stats
from carejsna import indicators as ind
from carejsna.board import tiles
from carejsna.ui import THEMES, context, trends, wide, with_year_before
from carejsna.ui import view as view_block


def theme(theme_id: str, selection: ind.Selection, headlines: tuple[str, ...]) -> None:
    """A theme: its headline figures as tiles, one indicator in full (a headline unless the
    reader or the link picks another), then a table of every indicator in the theme."""
    items = [i for i in catalogue.catalogue().values() if i.theme == theme_id]
    summarised = [i for i in items if not i.breakdown]
    # the latest year, with the year before where the data holds it
    years = [y for y in (selection.year_to - 1, selection.year_to) if y in context().years]
    wider = with_year_before(selection)
    ids = tuple(i.id for i in summarised)
    shown = trends(ids, wider)  # one read (ui.rows): tiles, table and the trend in full
    # A theme of groups of others' figures (placed away) has none to sum up: its indicators'
    # one read is its page's tests of them (ui.placed_away).
    together = ids or tuple(i.id for i in items)
    if headlines:
        tiles(headlines, shown, selection)

    st.header("In full")
    order = [*headlines, *(i.id for i in items if i.id not in headlines)]
    names = {i: catalogue.get(i).title for i in order}
    given = st.query_params.get_all("indicator")
    default = given[0] if given else None  # the first, as for every filter given twice
    key = f"indicator-{theme_id}"
    linked = f"{key}-linked"  # the indicator the link named at the page's last run
    # The link named one at this page's last run and names none now: the browser's Back to
    # the link before one was chosen (arriving from another page, the choice is kept).
    back = not given and st.session_state.get(filters.SAME_PAGE) and st.session_state.get(linked)
    if default in names and st.session_state.get(key) != default:
        st.session_state[key] = default  # the link, or the browser's Back, names one
    elif back or st.session_state.get(key) not in names:
        st.session_state[key] = order[0]
    st.session_state[linked] = default if default in names else None
    if default is not None and default not in names:  # said once: the link is put right
        shown_now = names[st.session_state[key]]
        st.warning(
            f"The link's indicator `{filters.plain(default)}` is not on this page: showing "
            f"{shown_now}.",
            icon=":material/link_off:",
        )
        del st.query_params["indicator"]
    elif len(given) > 1:
        st.warning(filters.given_twice("indicator", names[default]), icon=":material/link_off:")
        st.query_params["indicator"] = default
    choice = st.selectbox(
        "Indicator",
        order,
        format_func=names.get,
        key=key,
        on_change=lambda: _link(st.session_state[key]),
        help="Its chart over time, by district, by age band and by age band over time, each with "
        "its table and CSV.",
    )
    indicator(choice, selection, (together, wider) if choice in together else ())
    if not summarised:  # groups of other figures (placed away): their page compares them
        return

    st.header(f"All {THEMES[theme_id].lower()} indicators")
    summary = summary_table(summarised, shown, years)
    st.dataframe(summary, hide_index=True, key=f"{theme_id}-summary", column_config=wide(summary))
    when = "the latest year of the selection, with the year before" if len(years) > 1 else ""
    st.caption(
        f"{whose(selection, summarised)}{': ' + when if when else ''}. "
        + " · ".join(disclosure.FOOTNOTES.values())
    )


def whose(selection: ind.Selection, items: list) -> str:
    """Whose figures a theme's table gives: area, added together, and ages ("Mansfield and
    Ashfield added together, aged 10 to 15"). It had named none: a district's figures, or
    several districts' added together, read as the council's, of all ages."""
    said = ind.area_words(selection, context())
    if not selection.age_bands:
        return said
    follow = sum("age_band" in i.filters for i in items)
    if follow:
        said += f", {ind.aged(selection.age_bands)}"
    if follow < len(items):
        said += f" (age band filter not applied{f' to {len(items) - follow}' if follow else ''})"
    return said


def _link(indicator_id: str) -> None:
    """The link names the indicator chosen first, as filters.sidebar writes it back: written
    once, the choice is one step of the browser's history (one Back undoes it). Added last, the
    rerun wrote the link again reordered: two steps, and the first Back did nothing."""
    rest = {k: st.query_params.get_all(k) for k in st.query_params if k != "indicator"}
    st.query_params.from_dict({"indicator": indicator_id, **rest})


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


def indicator(indicator_id: str, selection: ind.Selection, within: tuple = ()) -> None:
    """One indicator: heading, definition, then trend, districts and age bands with tables
    (`within`: the theme's read its figures are in, ui.view)."""
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
                _view(view_block(item.id, selection, view, within), selection, data)
    with st.expander(f"Definition and source: {item.short_title}"):
        st.markdown(
            f"- **Numerator:** {item.numerator}\n"
            + (f"- **Denominator:** {item.denominator}\n" if item.denominator else "")
            + f"- **Unit:** {item.unit_label}\n"
            + f"- **Matches:** {item.measure or 'no published measure'}\n"
            + (f"- **Our choices:** {item.choices}\n" if item.choices else "")
            + f"- **Query:** `queries/{item.query}.sql`"
        )


def _view(shown: block.Block, selection, data) -> None:
    """One view as block.py decides it: chart (or why there is none), notes, table, downloads."""
    item, view = shown.item, shown.view
    if shown.figure is not None:
        st.plotly_chart(
            shown.figure,
            width="stretch",
            key=f"{item.id}-{view}",
            config=charts.config(shown.stem(data)),
            theme=None,
            alt=shown.alt,
        )
        # whose, as a printed chart's subtitle says: the chart named no ages (a band chosen,
        # "Nottinghamshire" read as all ages), nor years or the interval's level
        for note in [f"{shown.subtitle[0].upper()}{shown.subtitle[1:]}.", *shown.notes]:
            st.caption(note)
    else:
        st.info(shown.empty, icon=":material/info:")
    table = shown.table
    st.dataframe(
        table,
        hide_index=True,
        height=min(36 * (len(table) + 1) + 3, 290),  # a short table in full, a long one scrolls
        key=f"{item.id}-{view}-table",
        column_config=wide(table),
    )
    if shown.footnotes:
        st.caption(" · ".join(shown.footnotes))
    csv = shown.csv.to_csv(index=False).encode()
    st.download_button(
        f"Download this table (CSV, {stats.rows_text(len(table))}, {len(csv) / 1024:.1f} KB)",
        csv,
        file_name=f"{shown.stem(data)}.csv",  # names the area and years, as the images do
        mime="text/csv",
        key=f"{item.id}-{view}-csv",
        icon=":material/download:",
    )
    if shown.figure is not None:
        downloads.images(shown, data)
