"""The shared filters, kept in the URL so that a link reopens the same view."""

from __future__ import annotations

import streamlit as st

from carejsna.indicators import Context, Selection

# URL parameter for each filter: ?district=E07000174&age_band=10+to+15&years=2019&years=2024
DISTRICT, AGE_BAND, YEARS = "district", "age_band", "years"


def url_problems(params: dict[str, list[str]], context: Context) -> list[str]:
    """A sentence for each value in the URL that is not one the filters offer."""
    offered = {
        DISTRICT: (list(context.districts["district_code"]), "district code"),
        AGE_BAND: (list(context.age_bands), "age band"),
        YEARS: ([str(y) for y in context.years], "year"),
    }
    problems = []
    for key, values in params.items():
        if key not in offered:
            continue
        options, what = offered[key]
        for value in values:
            if value not in options:
                problems.append(
                    f"The link's {key}={value!r} is not a {what} this data has "
                    f"(one of: {', '.join(options)}); it was ignored."
                )
        if key == YEARS and len(values) not in (0, 2) and not problems:
            problems.append(f"The link's {key} needs a first and a last year; it was ignored.")
    return problems


def _keep(key: str) -> None:
    # A widget made on every page loses its value on a page switch unless re-assigned first.
    if key in st.session_state:
        st.session_state[key] = st.session_state[key]


def sidebar(context: Context) -> Selection:
    """The filters in the sidebar, bound to the URL; notices for any value the URL got wrong."""
    if "url_problems" not in st.session_state:
        params = {k: st.query_params.get_all(k) for k in st.query_params}
        st.session_state.url_problems = url_problems(params, context)
    for problem in st.session_state.url_problems:
        st.warning(problem, icon=":material/link_off:")

    names = context.district_names
    codes = list(context.districts["district_code"])
    years = list(context.years)
    for key in (DISTRICT, AGE_BAND, YEARS):
        _keep(key)
    with st.sidebar:
        st.header("Filters")
        districts = st.multiselect(
            "District",
            codes,
            format_func=lambda code: names.get(code, code),
            placeholder="All districts",
            key=DISTRICT,
            bind="query-params",
            help="The child's home district. Leave empty for the whole council.",
        )
        bands = st.multiselect(
            "Age band (at 31 March)",
            list(context.age_bands),
            placeholder="All ages",
            key=AGE_BAND,
            bind="query-params",
        )
        if len(years) > 1:
            first, last = st.select_slider(
                "Years ending 31 March",
                options=years,
                value=(years[0], years[-1]),
                key=YEARS,
                bind="query-params",
            )
        else:
            first = last = years[0]
            st.caption(f"Year ending 31 March {first} (the only year in the data)")
    return Selection(int(first), int(last), tuple(districts), tuple(bands))
