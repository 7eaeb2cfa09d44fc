"""Public mode in a browser: the explorer served from a published folder alone (as `carejsna
serve` does) offers the analysts' pages but the record-level ones, each accessible, with no
developer menu or deploy button, and asks nothing of any server but its own."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from carejsna import publish, serve, site, ui
from tests.browser.helpers import assert_accessible, no_exception, wait_for_app

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def public_url(app_data, tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("public") / "board"
    publish.publish(app_data, folder)
    log = folder.parent / "streamlit.log"
    try:
        with serve.served(ROOT / "app.py", folder, log, public=True) as url:
            yield url
    except RuntimeError as error:
        pytest.fail(str(error))


def sidebar_links(page: Page) -> list[str]:
    """The sidebar's page links, as read (each link's text after its icon's name)."""
    links = page.get_by_test_id("stSidebar").get_by_test_id("stPageLink")
    expect(links.first).to_be_visible()
    return [text.split("\n")[-1] for text in links.all_inner_texts()]


def test_the_public_explorer_offers_every_page_but_the_record_level_ones(
    page: Page, app_url: str, public_url: str
):
    page.goto(app_url)
    wait_for_app(page, page.get_by_test_id("stHeading").first)
    analysts = sidebar_links(page)
    page.goto(public_url)
    wait_for_app(page, page.get_by_test_id("stHeading").first)
    record_level = {label for path, label, _ in ui.PAGES if path in site.RECORD_LEVEL_PAGES}
    assert sidebar_links(page) == [label for label in analysts if label not in record_level]
    assert "Overview" in analysts and "Children in care" in analysts
    expect(page.get_by_text("Published on ")).to_be_visible()


def test_every_public_page_opens_accessible_and_asks_only_its_own_server(
    page: Page, public_url: str
):
    own = urlsplit(public_url).netloc
    elsewhere = []
    page.on("request", lambda r: elsewhere.append(r.url) if urlsplit(r.url).netloc != own else 0)
    page.goto(public_url)
    wait_for_app(page, page.get_by_test_id("stHeading").first)
    labels = sidebar_links(page)
    for label in labels:
        page.get_by_test_id("stSidebar").get_by_role("link", name=label, exact=True).click()
        heading = page.get_by_role("heading", level=1).first
        if label != "Overview":  # the page clicked, not the one before it still showing
            expect(heading).to_contain_text(re.compile(re.escape(label), re.IGNORECASE))
        wait_for_app(page, heading)
        no_exception(page)
        assert_accessible(page)
    assert elsewhere == [], "requests to other servers (fonts, icons, usage statistics)"


def test_a_viewer_has_no_developer_menu_deploy_button_or_rerun(page: Page, public_url: str):
    page.goto(public_url)
    wait_for_app(page, page.get_by_test_id("stHeading").first)
    for testid in ("stMainMenu", "stAppDeployButton", "stToolbarActions", "stStatusWidget"):
        expect(page.get_by_test_id(testid)).to_have_count(0)
    for name in ("Deploy", "Rerun", "Clear cache", "Settings", "Main menu"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)


def test_public_mode_on_record_level_extracts_shows_why_and_nothing_else(
    page: Page, app_data: Path, tmp_path_factory
):
    log = tmp_path_factory.mktemp("refused") / "streamlit.log"
    with serve.served(ROOT / "app.py", app_data, log, public=True) as url:
        page.goto(url)
        refusal = page.get_by_test_id("stAlert")
        expect(refusal).to_contain_text("Public mode will not start")
        expect(refusal).to_contain_text("children.parquet")
        expect(page.get_by_test_id("stPageLink")).to_have_count(0)
        expect(page.get_by_test_id("stPlotlyChart")).to_have_count(0)
        no_exception(page)


@pytest.mark.parametrize("path", site.RECORD_LEVEL_PAGES)
def test_a_link_to_a_record_level_page_says_why_the_overview_opened(
    page: Page, public_url: str, path: str
):
    """A board member following an analyst's link to Data quality or Forecasts saw Streamlit's
    pop-up "Page not found: the page that you have requested does not seem to exist" over the
    overview, and no page said these two are left out of the public explorer, nor why. Now the
    overview opens at its own address, with the link's filters, saying why."""
    label = next(label for p, label, _ in ui.PAGES if p == path)
    page.goto(f"{public_url}/{Path(path).stem.split('_', 1)[1]}?district=E07000175")
    said = page.get_by_text(f"The {label} page is not part of this public explorer")
    wait_for_app(page, said)
    expect(page.get_by_text("leaves out the Data quality and Forecasts pages")).to_be_visible()
    expect(page.get_by_text("does not seem to exist")).to_have_count(0)
    expect(page.get_by_role("dialog")).to_have_count(0)
    assert page.url == f"{public_url}/?district=E07000175"
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Newark and Sherwood")
    page.goto(public_url)
    wait_for_app(page, page.get_by_text("leaves out the Data quality and Forecasts pages"))
    expect(page.get_by_text("is not part of this public explorer")).to_have_count(0)
