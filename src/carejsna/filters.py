"""The shared filters: kept in the session across pages, and in the URL so a link reopens a view.

Each page makes its own filter widgets (Streamlit's widget ids include the page), so the values
live in one session entry, `filters`; widgets are seeded from it before they are drawn and write
back to it when changed. The first run of a session reads the URL; every run writes it.
"""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from carejsna.indicators import Context, Selection

# ?district=E07000174&district=E07000170&age_band=10+to+15&from=2019&to=2024
DISTRICT, AGE_BAND, YEAR_FROM, YEAR_TO, LEVEL = "district", "age_band", "from", "to", "ci"
ROUNDED, COMPARATOR, COMBINED = "round", "compare", "combine"
KEYS = (DISTRICT, AGE_BAND, YEAR_FROM, YEAR_TO, LEVEL, ROUNDED, COMPARATOR, COMBINED)
LEVELS = {"95": "95%", "99.8": "99.8%"}
SAME_PAGE = "filters_same_page"  # this run is of the page the last run was of
PAGE_KEYS = ("indicator",)  # a page's own URL parameters, kept when the filters are written


def defaults(context: Context) -> dict:
    return {
        DISTRICT: [],
        AGE_BAND: [],
        YEAR_FROM: context.years[0],
        YEAR_TO: context.years[-1],
        LEVEL: "95",
        ROUNDED: False,
        COMPARATOR: next(iter(context.comparators), ""),
        COMBINED: False,
    }


def from_url(params: Mapping[str, list[str]], context: Context) -> tuple[dict, list[str]]:
    """Filter values from URL parameters, and a sentence for each value that was ignored."""
    values, problems = defaults(context), []
    offered = {
        DISTRICT: (list(context.districts["district_code"]), "a district code"),
        AGE_BAND: (list(context.age_bands), "an age band"),
        YEAR_FROM: ([str(y) for y in context.years], "a year"),
        YEAR_TO: ([str(y) for y in context.years], "a year"),
        LEVEL: (list(LEVELS), "a confidence level"),
        ROUNDED: (["5"], "a rounding (only round=5)"),
        COMBINED: (["1"], "a way to show districts (only combine=1: added together)"),
        COMPARATOR: (list(context.comparators), "a comparator area code"),
    }
    names = {**context.district_names, **context.comparators}
    for key in params:
        if key not in offered and key not in PAGE_KEYS:
            problems.append(
                f"The link's `{plain(key)}` is not one of the explorer's filters "
                f"({', '.join(offered)}); it was ignored."
            )
    for key, (options, what) in offered.items():
        given = params.get(key, [])
        good = [v for v in dict.fromkeys(given) if v in options]
        for bad in [v for v in given if v not in options]:
            problems.append(
                f"The link's `{key}={plain(bad)}` is not {what} in this data (one of: "
                f"{', '.join(f'{o} ({names[o]})' if o in names else o for o in options)}); "
                "it was ignored."
            )
        if key in (DISTRICT, AGE_BAND):
            values[key] = good
            continue
        if key in (ROUNDED, COMBINED):
            values[key] = bool(good)
            continue
        if len(good) > 1:  # one value: a level, a comparator, a year
            problems.append(given_twice(key, good[0]))
        if good:
            values[key] = int(good[0]) if key in (YEAR_FROM, YEAR_TO) else good[0]
    if values[YEAR_FROM] > values[YEAR_TO]:
        problems.append(
            f"The link's years run backwards ({values[YEAR_FROM]} to {values[YEAR_TO]}); "
            "they were swapped."
        )
        values[YEAR_FROM], values[YEAR_TO] = values[YEAR_TO], values[YEAR_FROM]
    return values, problems


ECHOED = 40  # characters of a link's value said back to the reader


def given_twice(key: str, first: str) -> str:
    """What a page says of a link that gives a parameter more than once: the first is used."""
    return f"The link gives {key} more than once; the first, {first}, is used."


def plain(value: str) -> str:
    """A value from a link, said back as text and never as markdown (a link, an image): quoted,
    inside code (so nothing in it is rendered), and cut to ECHOED characters."""
    text = repr(value[:ECHOED] + ("…" if len(value) > ECHOED else ""))
    return text.replace("`", "'")


def to_url(values: dict, context: Context) -> dict[str, list[str]]:
    """URL parameters for the values that differ from the defaults (so a plain link stays plain)."""
    base = defaults(context)
    url = {
        key: [str(v) for v in value] if isinstance(value, list) else [str(value)]
        for key, value in values.items()
        if value != base[key]
    }
    if values.get(ROUNDED):
        url[ROUNDED] = ["5"]
    if values.get(COMBINED):
        url[COMBINED] = ["1"]
    return url


def selection(values: dict) -> Selection:
    return Selection(
        int(values[YEAR_FROM]),
        int(values[YEAR_TO]),
        tuple(values[DISTRICT]),
        tuple(values[AGE_BAND]),
        float(values[LEVEL]) / 100,
        bool(values[ROUNDED]),
        values[COMPARATOR],
        bool(values[COMBINED]) and len(values[DISTRICT]) > 1,
    )


def _changed() -> None:
    state = st.session_state
    _taken_from_widgets(state)
    state.filters_changed = True  # by the reader, on the page: the URL follows, not leads


def _taken_from_widgets(state) -> None:
    """The filters as the widgets have them (those drawn), the year range the right way round."""
    state.filters = {key: state[key] if key in state else state.filters[key] for key in KEYS}
    state.url_problems = []  # the reader has moved on from the link's mistakes
    if state.filters[YEAR_FROM] > state.filters[YEAR_TO]:
        state.filters[YEAR_FROM], state.filters[YEAR_TO] = (
            state.filters[YEAR_TO],
            state.filters[YEAR_FROM],
        )


def sidebar(context: Context, page: str, shown: bool = True, reads=PAGE_KEYS) -> Selection:
    """The filters in the sidebar (or, on a page they do not change, a line saying so; they are
    kept all the same); notices for anything the URL asked for that was ignored (`reads`: the
    page's own parameters it reads; another page's is named, and taken off the link).

    The URL is read on a session's first run, and again when it changed on the same page without
    a filter being touched: the browser's Back and Forward (each filter change is one step)."""
    state = st.session_state
    params = {key: st.query_params.get_all(key) for key in st.query_params}
    moved = (
        state.get("filters_page") == page
        and not state.get("filters_changed")
        and {k: v for k, v in params.items() if k in KEYS} != to_url(state.filters, context)
    )
    if "filters" not in state or moved:
        state.filters, state.url_problems = from_url(params, context)
    state[SAME_PAGE] = state.get("filters_page") == page  # a rerun, not a page opened
    state.filters_page, state.filters_changed = page, False
    for problem in state.url_problems:
        st.warning(problem, icon=":material/link_off:")
    # A page reconnected to another server (carejsna.site.resumed) keeps the values its
    # widgets had in the browser, a change just made among them: the link may be a step behind.
    adopted = state.pop("reconnected", False) and shown
    if not adopted:
        for key in KEYS:
            state[key] = state.filters[key]
    if shown:
        _widgets(context)
        if adopted:
            _taken_from_widgets(state)
    else:
        st.sidebar.caption("The filters do not change this page; the other pages keep them.")
    for key in [k for k in PAGE_KEYS if k in st.query_params and k not in reads]:
        st.warning(
            f"The link's `{key}` chooses what a theme page shows in full; this page has no "
            "such choice, so it was ignored.",
            icon=":material/link_off:",
        )  # said once: the link is written again without it
    page = {k: st.query_params.get_all(k) for k in reads if k in st.query_params}
    st.query_params.from_dict({**page, **to_url(state.filters, context)})
    return selection(state.filters)


def _widgets(context: Context) -> None:
    names = context.district_names
    years = list(context.years)
    with st.sidebar:
        st.header("Filters")
        st.multiselect(
            "District",
            list(context.districts["district_code"]),
            format_func=lambda code: names.get(code, code),
            placeholder="All districts",
            key=DISTRICT,
            on_change=_changed,
            help="The child's home district. Leave empty for the whole council.",
        )
        if len(st.session_state[DISTRICT]) > 1:
            st.toggle(
                "Add the chosen districts together",
                key=COMBINED,
                on_change=_changed,
                help="Off: each district's trend is its own line, side by side. On: one figure "
                "for the districts together.",
            )
        st.multiselect(
            "Age band (age at 31 March)",
            list(context.age_bands),
            placeholder="All ages",
            key=AGE_BAND,
            on_change=_changed,
        )
        st.selectbox("From year ending 31 March", years, key=YEAR_FROM, on_change=_changed)
        st.selectbox("To year ending 31 March", years, key=YEAR_TO, on_change=_changed)
        st.radio(
            "Confidence intervals",
            list(LEVELS),
            format_func=LEVELS.get,
            horizontal=True,
            key=LEVEL,
            on_change=_changed,
            help="95% is the usual choice; 99.8% (OHID's second level) for comparing many areas.",
        )
        if context.comparators:
            st.selectbox(
                "Compare the council with",
                list(context.comparators),
                format_func=context.comparators.get,
                key=COMPARATOR,
                on_change=_changed,
                help="Published figures (real official statistics). Districts are always "
                "compared with the council itself.",
            )
        st.toggle(
            "Round counts to the nearest 5",
            key=ROUNDED,
            on_change=_changed,
            help="For publication: counts of children shown to the nearest 5, and rates and "
            "percentages worked out from the rounded counts (so the exact counts cannot be "
            "worked back from them).",
        )
