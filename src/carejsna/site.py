"""The explorer's pages, and public mode: a hosted explorer on a published folder alone, which
offers no page that needs record-level data and will not start on a folder holding any."""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime
from functools import cache
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager
from streamlit.runtime.scriptrunner import get_script_run_ctx

from carejsna import db

ROOT = Path(__file__).resolve().parents[2]
MODE = "CAREJSNA_MODE"  # "public": serve a published folder ($CAREJSNA_DATA) to the public
# Pages that read record-level extracts: never offered in public mode (nor shown until written).
RECORD_LEVEL_PAGES = ("pages/8_Data_quality.py", "pages/9_Forecasts.py")
FAVICON = str(Path(__file__).with_name("favicon.png"))
# Streamlit runs an app with a pages/ folder as a classic multipage app until st.navigation
# has run once (serve.main): whatever ran first, from now on every page goes through app.py.
PagesManager.uses_pages_directory = False


def public() -> bool:
    return os.environ.get(MODE, "") == "public"


def pages() -> list[st.Page]:
    """The pages offered, in the sidebar's order: the overview (the entry, at /) then each page
    of ui.PAGES whose file exists and, in public mode, needs no record-level data."""
    from carejsna.ui import PAGES

    guard()  # also here: a page run alone (see serve.main) draws its links first
    offered = []
    for path, label, icon in PAGES:
        if path == "app.py":
            offered.append(_overview_page())
        elif (ROOT / path).exists() and not (public() and path in RECORD_LEVEL_PAGES):
            offered.append(st.Page(ROOT / path, title=label, icon=icon))
    return offered


def routes() -> list[st.Page]:
    """What the explorer answers: the pages offered and, in public mode, each record-level
    page's link, which opens the overview saying why that page is left out. A board member
    following an analyst's link had met Streamlit's pop-up "Page not found: the page that you
    have requested does not seem to exist" over the overview."""
    if not public():
        return pages()
    left_out = [
        st.Page(_opens_overview(label), title=label, url_path=link)
        for link, label in _record_level_labels().items()
    ]
    return pages() + left_out


def _overview_page() -> st.Page:
    from carejsna.ui import PAGES

    _, label, icon = PAGES[0]  # app.py's
    return st.Page(overview, title=label, icon=icon, url_path="", default=True)


def _opens_overview(label: str):
    def left_out() -> None:
        st.session_state.left_out = label  # said by the overview (_not_offered_here)
        kept = {key: st.query_params.get_all(key) for key in st.query_params}
        st.switch_page(_overview_page(), query_params=kept)

    return left_out


def refusal(folder: Path) -> str:
    """Why public mode will not serve `folder` ("" when it will): it must be a published
    folder, as published (carejsna publish), holding no record-level extract."""
    from carejsna import publish  # here: what publishing imports, a page that reads never needs

    folder = Path(folder)
    extracts = sorted(
        p.name for p in folder.glob("*.parquet") if p.stem not in publish.COLUMNS
    )  # e.g. children.parquet: a child's own rows
    if extracts:
        # A published folder with an extract copied in: publishing from it (the advice given
        # for a data folder) would only copy it again; the extract must go.
        fix = (
            "Move them out of it: a published folder holds only what `carejsna publish` wrote."
            if publish._is_publish(folder)
            else f"Publish what the public may see with `carejsna publish --data {folder} "
            "--out PUBLISHED_DIR` and serve that folder."
        )
        return (
            f"Public mode will not start: {folder} holds record-level extracts "
            f"({', '.join(extracts)}). {fix}"
        )
    if not (folder / publish.MANIFEST).exists():
        return (
            f"Public mode will not start: {folder} is not a published folder (it has no "
            f"{publish.MANIFEST}). Make one with `carejsna publish --data DATA_DIR --out {folder}`."
        )
    problems = publish.verify(folder)
    if problems:
        again = (  # publish writes only over a folder its manifest shows it wrote
            "into a new folder: `carejsna publish --data DATA_DIR --out NEW_DIR`"
            if publish.verify_damaged(problems)
            else "with `carejsna publish`"
        )
        return (
            f"Public mode will not start: {folder} is not as it was published "
            f"({'; '.join(problems)}). Publish it again {again}."
        )
    return ""


def guard() -> None:
    """What every rerun checks first: that what it reads is the data folder's current build
    (fresh), and, in public mode, that the folder may be served: if not, every page stops
    with the reason."""
    fresh()
    if public():
        why = _refusal_once(db.data_dir())
        if why:
            st.error(why, icon=":material/block:")
            st.stop()


def build_stamp(folder: Path) -> tuple | None:
    """What tells one build (or publication) of a data folder from another: the folder and its
    figures file, which every build and publish writes anew and swaps in (None if there is
    none). A stat: a rerun can afford it."""
    try:
        figures = (Path(folder) / "figures.parquet").stat()
    except OSError:
        return None
    return str(Path(folder).resolve()), figures.st_ino, figures.st_mtime_ns, figures.st_size


_UNREAD = ("nothing read yet",)
_read_from = {"stamp": _UNREAD, "lock": threading.Lock()}  # the build this process's reads are of


def fresh() -> None:
    """The server holds what it reads (the figures, every selection's reads, a forecast's
    inputs) for every session. When the data folder is built or published again while it
    runs, let all of it go at the next rerun of any page, so that no page shows the old build's
    figures, or the old beside the new; and tell a reader whose page showed the old ones."""
    stamp = build_stamp(db.data_dir())
    with _read_from["lock"]:
        if _read_from["stamp"] not in (_UNREAD, stamp):  # a folder built since, or gone
            st.cache_resource.clear()
            st.cache_data.clear()
            db._shared.cache_clear()  # (forecast._council is kept per build already)
            _refusal_once.cache_clear()
        _read_from["stamp"] = stamp
    state = st.session_state
    before, state.site_build = state.get("site_build"), stamp
    if before is not None and stamp is not None and before != stamp:
        built = datetime.fromtimestamp(stamp[2] / 1e9)
        st.info(
            f"**The figures were built again** ({built:%H:%M} on {built.day} {built:%B %Y}) "
            "since this page was last drawn: everything on it is now from the new build.",
            icon=":material/update:",
        )


def resumed() -> None:
    """Say so when an open page reconnects as a new session: its server stopped (a replica
    taken out, a restart) and the page was given to another, which reruns it from its link
    and the widget values the browser sends back. A page opened afresh sends none."""
    state = st.session_state
    if "site_session" in state:
        return
    state.site_session = True
    ctx = get_script_run_ctx()
    if ctx is not None and ctx.session_state.get_widget_states():
        state.reconnected = True  # the filters take the widgets' values (filters.sidebar)
        st.info(
            "**The explorer reconnected.** The server showing this page stopped, and another "
            "has taken it over: the page and your filters are as they were. A download you "
            "had started may need asking for again.",
            icon=":material/sync:",
        )


@cache
def _refusal_once(folder: Path) -> str:
    """Checked once per server and folder: a published folder is served read-only (every
    file's checksum is read), so it does not change while served."""
    return refusal(folder)


@st.cache_resource
def published_on() -> str:
    """When the data folder was published ("2 December 2026"), or "" if it was not."""
    try:
        manifest = json.loads((db.data_dir() / db.PUBLISHED_MANIFEST).read_text())
        published = datetime.fromisoformat(manifest["published"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""
    return f"{published.day} {published:%B %Y}"


def _record_level_labels() -> dict[str, str]:
    """Each record-level page's link path and label ("Data_quality": "Data quality")."""
    from carejsna.ui import PAGES

    return {
        Path(p).stem.split("_", 1)[1]: label for p, label, _ in PAGES if p in RECORD_LEVEL_PAGES
    }


def _not_offered_here() -> None:
    """In public mode, say which pages this explorer leaves out and why; and, to a reader who
    followed an analyst's link to one (routes), that this is why the overview opened. A board
    member had seen no word anywhere of the Data quality and Forecasts pages."""
    if not public():
        return
    labels = _record_level_labels()
    asked = st.session_state.pop("left_out", None)
    if asked:
        st.info(
            f"**The {asked} page is not part of this public explorer**, "
            "so the overview opened instead. It reads children's individual records, which "
            "are never published; the council's analysts have it in their own explorer.",
            icon=":material/info:",
        )
    st.caption(
        f"This public explorer leaves out the {' and '.join(labels.values())} pages: they "
        "read children's individual records, which are never published."
    )


def overview() -> None:
    """The overview for board members: headline figures, a sentence per theme, the scorecard."""
    from carejsna import board, ui

    selection = ui.page(
        "Children in care and care leavers: overview",
        "Headline figures for the selection in the sidebar, how they moved on the year before, "
        "and the board's key performance indicators against their targets. Every figure comes "
        "from the council's SSDA903 returns; a count of 1 to 4 children is never shown.",
    )
    _not_offered_here()
    board.board(selection)
    data = ui.context()
    published = published_on()
    st.caption(
        f"Data: {data.source_note} Years ending 31 March {data.years[0]} to {data.years[-1]}. "
        + (f"Published on {published}. " if published else "")
        + data.licence
    )
