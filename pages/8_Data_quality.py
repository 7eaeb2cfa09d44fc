"""Data quality: what the returns hold, what is wrong with them, and what will and won't count."""

import logging
from pathlib import Path

import streamlit as st

from carejsna import db, site, stats, ui
from carejsna.returns import quality

TITLE = "Data quality"
if site.public():  # the council's own returns, record by record: never on a published explorer
    st.set_page_config(page_title=f"{TITLE} | Children in care JSNA explorer", layout="wide")
    st.title(TITLE)
    st.error(
        "This page is not available on a published explorer: it reads the council's own "
        "returns, child by child.",
        icon=":material/block:",
    )
    st.stop()

ui.page(
    TITLE,
    "Every problem in the council's SSDA903 returns, found by the same reading and the same "
    "rules as `carejsna build`, with what the build does about each, and what will and won't "
    "count. This page reads the returns themselves, child by child, so it shows ids, dates, "
    "postcodes and small numbers: it is for the analysts who hold the returns, and is never "
    "offered on a published explorer.",
    filtered=False,
)

folder = quality.returns_folder()
if folder is None:
    st.info(
        "The returns these figures were built from are not available here, so there is nothing "
        "to check (a published folder holds the protected figures alone). Where the returns "
        "are, run `carejsna check RETURNS_DIR`, or start the explorer with "
        f"`{quality.RETURNS_ENV}=RETURNS_DIR`.",
        icon=":material/folder_off:",
    )
    st.stop()


@st.cache_data(max_entries=4, show_spinner="Checking the returns...")
def checked(folder: str, stamp: tuple) -> quality.Check:
    """The check of the returns, redone only when a file in them changes (`stamp`)."""
    return quality.check(Path(folder))


@st.cache_data(max_entries=4, show_spinner=False)
def as_built(data: str, folder: str, stamp: tuple) -> quality.Check | None:
    """The build's own check of the returns, if they are still those it read."""
    return quality.as_built(Path(data), Path(folder), quality.digest(Path(folder)))


stamp = quality.stamp(folder)
built = as_built(str(db.data_dir()), str(folder), stamp)
if built is not None:
    again = st.toggle(
        "Read the returns again, to see their own values",
        key="quality-again",
        help="Shows each child's id, postcode and date as the returns hold them, rather than "
        "as the build report keeps them. Reading every return takes a while.",
    )
try:
    result = built if built is not None and not again else checked(str(folder), stamp)
except ValueError as error:  # nothing in them can be read
    st.error(f"The returns cannot be checked: {error}", icon=":material/error:")
    st.stop()
except RuntimeError:  # a fault of the check's own: its details stay in the server's log
    logging.getLogger(__name__).exception("checking %s failed", folder)
    st.error("The check of the returns failed: a bug, please report it.", icon=":material/error:")
    st.stop()
problems, counts = result.problems, result.counts

st.header("What will and won't count")
st.markdown(quality.summary_sentences(result))
if result.refused:
    st.error(
        "**The build would write nothing**: these files cannot be used.\n\n"
        + "\n".join(f"- {why}" for why in result.refused),
        icon=":material/block:",
    )
else:
    st.success("The build can use every file.", icon=":material/check_circle:")
counted = quality.counts_table(counts)
st.dataframe(
    counted,
    hide_index=True,
    height=36 * (len(counted) + 1) + 3,  # every row, no scrolling
    key="quality-counts",
    column_config={quality.MEASURE: st.column_config.TextColumn(width="large")},
)
st.caption(
    f"Returns in {result.returns_dir}. Children: everyone in any of the year's files. Counts "
    "here are the returns' own, before any figure is protected: the other pages never show a "
    "count of 1 to 4."
    + (
        " As the build found them, and the returns have not changed since: a child's id is "
        "shown as its pseudonym and a postcode as its outward code (as `build_report.csv` "
        "keeps them). File, row and column lead to the value in the returns."
        if result.as_built
        else ""
    )
)

if problems.empty:
    st.success("No problems found in the returns.", icon=":material/check_circle:")
else:
    st.header("Problems by rule")
    st.dataframe(quality.by_rule(problems), hide_index=True, key="quality-by-rule")
    st.header("Problems by year")
    st.dataframe(quality.by_year(problems), hide_index=True, key="quality-by-year")

    st.header("Every problem")
    columns = st.columns(3)
    rules = columns[0].multiselect(
        "Rule",
        [r for r in quality.RULES if r in set(problems["rule"])],
        format_func=lambda r: quality.RULES[r].title,
        placeholder="All rules",
        key="quality-rule",
    )
    years = columns[1].multiselect(
        "Year",
        sorted(problems["year"].dropna().unique()),
        placeholder="All years",
        key="quality-year",
    )
    files = columns[2].multiselect(
        "File", quality.file_names(problems), placeholder="All files", key="quality-file"
    )
    shown = quality.filtered(problems, rules, years, files)
    st.caption(f"{len(shown):,} of {len(problems):,} problems.")
    st.dataframe(quality.problems_table(shown), hide_index=True, key="quality-problems")
    csv = quality.export(shown, result.synthetic).to_csv(index=False).encode()
    st.download_button(
        f"Download these problems (CSV, {stats.rows_text(len(shown))}, {len(csv) / 1024:.1f} KB)",
        csv,
        file_name="data_quality_problems.csv",
        mime="text/csv",
        key="quality-csv",
        icon=":material/download:",
    )

st.header("The rules")
for rule in quality.RULES.values():
    with st.expander(f"{rule.title} ({rule.id})"):
        st.markdown(f"{rule.explanation}\n\n**What the build does:** {rule.done}")
