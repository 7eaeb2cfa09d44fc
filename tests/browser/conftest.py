"""Browser tier fixtures: one `streamlit run` for the session, driven with Debian's chromium."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from carejsna import db, serve

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM, CHROMIUM_ARGS = serve.CHROMIUM, serve.CHROMIUM_ARGS
TIMEOUT_MS = 30_000  # a cold page with its Plotly charts takes ~6 s; leave room on a busy box


@pytest.fixture(scope="session")
def app_data() -> Path:
    """The extracts the app reads: its own default (the repo's data/, or $CAREJSNA_DATA).

    The journeys name the demo's districts (Mansfield, Ashfield, Rushcliffe), so the data must be
    the synthetic Nottinghamshire that `carejsna demo` makes.
    """
    folder = db.data_dir()
    if not (folder / "metadata.json").exists():
        pytest.fail(
            f"no extracts in {folder}: run `carejsna demo --out demo/returns && "
            f"carejsna build demo/returns --out {folder}` first"
        )
    council = json.loads((folder / "metadata.json").read_text())["council"]
    if not (council["synthetic"] and council["name"] == "Nottinghamshire"):
        pytest.fail(f"{folder} holds {council['name']}; the journeys expect the demo data")
    return folder


@pytest.fixture(scope="session")
def app_url(app_data, tmp_path_factory) -> str:
    """`streamlit run app.py` on a free port for the whole session (carejsna.serve)."""
    log = tmp_path_factory.mktemp("streamlit") / "streamlit.log"
    try:
        with serve.served(ROOT / "app.py", app_data, log) as url:
            yield url
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(scope="session")
def base_url(app_url) -> str:
    """pytest-playwright's base URL, so a journey opens `page.goto("/Children_in_care")`."""
    return app_url


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args) -> dict:
    """Debian's chromium: Playwright's own browser download is blocked here."""
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args) -> dict:
    return {**browser_context_args, "viewport": {"width": 1400, "height": 1000}}


@pytest.fixture
def page(page: Page) -> Page:
    page.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)
    return page
