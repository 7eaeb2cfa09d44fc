"""The Data quality page in a real chromium: an analyst reads what will count, narrows the
problems to a rule, and the page passes axe."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from carejsna import serve
from carejsna.returns import quality
from tests.browser.helpers import assert_accessible, open_page, wait_for_app
from tests.test_quality import EXPECTED, write

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]
DATA_QUALITY = "/Data_quality"


@pytest.fixture(scope="module")
def quality_url(app_data, tmp_path_factory) -> str:
    """The explorer on the demo's extracts, its Data quality page on the hand-made returns."""
    folder = tmp_path_factory.mktemp("quality")
    returns = write(folder / "returns")
    try:
        server = serve.start(
            ROOT / "app.py",
            app_data,
            folder / "streamlit.log",
            env={quality.RETURNS_ENV: str(returns)},
        )
    except RuntimeError as error:
        pytest.fail(str(error))
    yield server.url
    server.stop()


def test_an_analyst_reads_what_counts_and_narrows_the_problems_to_a_rule(
    page: Page, quality_url: str
):
    open_page(page, quality_url + DATA_QUALITY)
    expect(page.get_by_role("heading", name="Data quality", exact=True)).to_be_visible()
    expect(page.get_by_text("2024 return: 14 children; 13 episodes loaded")).to_be_visible()
    expect(page.get_by_text("The build can use every file.")).to_be_visible()
    expect(page.get_by_text(f"{len(EXPECTED)} of {len(EXPECTED)} problems.")).to_be_visible()

    rule = page.get_by_role("combobox", name="Rule", exact=True)
    rule.scroll_into_view_if_needed()  # its list opens in view, not scrolled away mid-click
    rule.click()
    rule.press_sequentially("gap inside")
    page.get_by_role("option", name="A gap inside a spell of care", exact=True).click()
    page.keyboard.press("Escape")
    wait_for_app(page, page.get_by_text(f"2 of {len(EXPECTED)} problems."))
    expect(page.get_by_role("button", name="Download these problems (CSV, 2 rows")).to_be_visible()

    page.get_by_text("Episodes of one child that overlap (overlap)").click()
    expect(page.get_by_text("A child is in one episode at a time.")).to_be_visible()
    assert_accessible(page)
