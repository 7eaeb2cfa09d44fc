"""The board's overview: headline tiles naming their area, ages and year, a plain-English
sentence per theme, and the council's KPI scorecard against its targets. Theme pages show the
same tiles for their own headlines."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from carejsna import catalogue, changes, disclosure, overview, stats
from carejsna import indicators as ind
from carejsna.ui import THEMES, by_district, context, covered, figure_changes, targets, trends


def board(selection: ind.Selection) -> None:
    """The board's overview: headline tiles and a sentence per theme for the selection, each
    read at once, then the KPI scorecard: the council's, all ages, whatever the filters."""
    shown = overview_trends(selection)
    headlines(selection, shown)
    changed_since_last_build()
    sentences(selection, shown)
    whole = replace(selection, districts=(), age_bands=())
    scorecard(whole, selection != whole)


def overview_trends(selection: ind.Selection) -> dict[str, pd.DataFrame]:
    """The protected trends of every indicator the overview shows (its own rows, not the
    comparator's): headlines, sentences and the placed-away groups tested, read at once."""
    ids = [*HEADLINES, *(i for ids in THEME_SENTENCES for i in ids[:1])]
    ids += [item.id for item in PLACED_AWAY]
    return trends(tuple(dict.fromkeys(ids)), selection)


HEADLINES = changes.HEADLINES  # the tiles' indicators, whose changes the build lists
PLACED_AWAY = [item for item in catalogue.catalogue().values() if item.groups_of]


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
    if selection.apart:  # a tile is one figure: the chosen districts' together
        st.caption(
            f"Each tile adds the chosen districts together ({area}); an indicator in full draws "
            "each district on its own line."
        )
    columns, held = st.columns(4), covered(ids)
    for i, indicator_id in enumerate(ids):
        item = catalogue.get(indicator_id)
        own = shown[indicator_id]
        own = own[own["year"].between(selection.year_from, selection.year_to)]
        tile = overview.tile(own, item, selection.level)
        verdict = ind.trend_text(own, item, selection)
        delta, colour, said, arrow = None, "off", None, "off"
        if tile.direction in ("up", "down"):
            delta, arrow = f"{tile.short_change} on {tile.year - 1}", tile.direction
            # of the change on the year before: "no significant change" had read as the
            # recent trend's verdict, beside a trend "increasing, statistically significant"
            said = "change not significant"
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
        value = tile.value_text.replace(" per 10,000", "")
        if overview.uncovered(item, selection.age_bands, held):  # not missing data
            value = overview.NOT_FOR_AGES
        with columns[i % 4], st.container(border=True):
            st.metric(
                f"{item.short_title}, {area}{f' ({ages})' if ages else ''}, {tile.year}",
                value,
                delta=delta,
                delta_color=colour,
                delta_arrow=arrow,  # none for "no change" (a string delta would get one)
                delta_description=said,
                help=f"{item.definition} {verdict} {_change_note(tile)}",
            )
            compared = _against_published(own, item, selection, data)
            if compared:
                st.caption(compared)
    rounded = [disclosure.ROUNDED] if selection.rounded else []
    st.caption(" · ".join([*rounded, *disclosure.FOOTNOTES.values()]))


def changed_since_last_build() -> None:
    """What the last build changed in the overview's figures (each as shown: a withheld figure
    says c), with the reason the returns give, if the build listed any."""
    said = figure_changes()
    if not said:
        return
    with st.expander("What changed since the last build"):
        lines = [f"- {changes.sentence(change)}" for change in said.get("figures", [])]
        for key, words in (("years_added", "added"), ("years_removed", "no longer in the returns")):
            if said.get(key):
                lines.append(f"- Years {words}: {', '.join(map(str, said[key]))}")
        st.markdown("\n".join(lines))
        st.caption(
            "Every figure of the overview (the council and each district, all ages, every year) "
            "that both builds publish and that reads differently now."
        )


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
    verdict += stats.at_level(tile.level)
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
    return ind.aged(selection.age_bands)


def sentences(selection: ind.Selection, shown: dict[str, pd.DataFrame]) -> None:
    """One plain-English sentence per theme, written from the data."""
    data = context()
    code, area = selection.area(data)
    st.header("In brief")
    ranked = {}  # a single district is placed among the others (the same for any of them)
    if len(selection.districts) == 1:
        every = replace(selection, districts=(), combined=False, year_from=selection.year_to)
        ranked = by_district(tuple(r for _, r, _ in THEME_SENTENCES), every)
    lines, held = [], covered(tuple(i for i, _, _ in THEME_SENTENCES))
    for indicator_id, ranked_id, ranked_on in THEME_SENTENCES:
        item = catalogue.get(indicator_id)
        districts = ranked.get(ranked_id)
        own = shown[indicator_id]
        gap = overview.uncovered(item, selection.age_bands, held)
        text = overview.sentence(own, item, area, districts, ranked_on, _ages(item, selection), gap)
        if not gap:  # else no trend to test, and none missing
            text += " " + ind.trend_text(own, item, selection, plain=True)
        lines.append(f"- **{THEMES[item.theme]}.** {text}")
    tested = ind.differences(shown, PLACED_AWAY, selection)
    away = overview.placed_away_sentence(tested, catalogue.catalogue(), area, selection.age_bands)
    lines.append(f"- **{THEMES['placed_away']}.** {away}")
    st.markdown("\n".join(lines))


RAG_COLOURS = {"green": "#cce2d8", "amber": "#fff7bf", "red": "#f6d7d2", "not known": "#f3f2f1"}


def scorecard(whole: ind.Selection, filtered: bool = False) -> None:
    """The council's KPIs (the whole council, all ages: `whole`) against its own targets
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
    # Ten rows: a plain table, every word of them shown; on a phone it scrolls in its own box.
    st.html(f'<div style="overflow-x: auto">{scorecard_html(whole)}</div>')
    st.caption(
        "✔ On target: the value meets the target. ▲ Within tolerance: short of it by no more "
        "than the council's tolerance. ✖ Off target: further short. ? Not known: the value is "
        "suppressed or not available. Targets are the council's own (targets.csv)."
    )


# The scorecard as a plain HTML table (column headers as <th>), in Streamlit's table style.
SCORECARD_STYLE = [
    {"selector": "", "props": "border-collapse: collapse; width: 100%; font-size: 0.875rem;"},
    {"selector": "th, td", "props": "border: 1px solid rgba(49, 51, 63, 0.1); "
                                    "padding: 0.25rem 0.375rem; text-align: left;"},
    {"selector": "th", "props": "color: rgba(49, 51, 63, 0.75); font-weight: 400;"},
]  # fmt: skip


@st.cache_data(max_entries=64, show_spinner=False)
def scorecard_html(whole: ind.Selection) -> str:
    """The scorecard as an HTML table, its status cells red, amber or green: made once per
    selection, since a pandas Styler drawn by st.table is worked out again on every rerun."""
    colours = {label: RAG_COLOURS[s] for s, label in overview.RAG_LABELS.items()}
    styled = scorecard_table(whole).style.set_uuid("scorecard").hide(axis="index")
    styled = styled.map(lambda v: f"background-color: {colours[v]}", subset=["Status"])
    return styled.set_table_styles(SCORECARD_STYLE).to_html()


@st.cache_data(max_entries=64, show_spinner=False)
def scorecard_table(whole: ind.Selection) -> pd.DataFrame:
    """The scorecard's rows: each KPI's latest value, its target and status. The same whatever
    the district and age filters, so worked out once for the council's selection."""
    shown = trends(tuple(targets()["indicator_id"]), whole)
    rows = []
    for target in targets().itertuples():
        item = catalogue.get(target.indicator_id)
        tile = overview.tile(shown[item.id], item, whole.level)
        status = overview.rag(tile.value, target.target, target.tolerance, target.good)
        rows.append(
            {
                "KPI": item.title,
                "Year": tile.year,
                "Value": tile.value_text,
                "Target": overview.target_text(target, item),
                "Status": overview.RAG_LABELS[status],
                "Note": target.note or "",
            }
        )
    return pd.DataFrame(rows)
