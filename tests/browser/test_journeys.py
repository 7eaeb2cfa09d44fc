"""Browser journeys: what a reader does in a real chromium, and what they then see."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from playwright.sync_api import Page, expect

from carejsna import charts
from tests.browser.conftest import TIMEOUT_MS
from tests.browser.helpers import (
    assert_accessible,
    axis_names,
    chart,
    choose,
    chosen,
    first_cell,
    hover,
    legend,
    no_exception,
    open_page,
    sidebar_filter,
    table_rows,
    traces,
    wait_for_app,
)

pytestmark = pytest.mark.browser

CHILDREN_IN_CARE = "/Children_in_care"
MANSFIELD, ASHFIELD, RUSHCLIFFE = "E07000174", "E07000170", "E07000176"
COUNCIL = "Nottinghamshire"


def url_params(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def link_to(page_path: str, **params: str) -> re.Pattern:
    """A URL of the app's page (its path after the host) carrying these parameters, among any."""
    carried = "".join(rf"(?=(.*&)?{key}={value}(&|$))" for key, value in params.items())
    return re.compile(rf"^https?://[^/]+/{page_path}\?{carried}")


def test_picking_a_district_changes_the_first_chart_and_table(page: Page):
    open_page(page, CHILDREN_IN_CARE)
    (council_before,) = traces(page)  # the whole council alone: one line, no legend
    assert council_before["name"] == COUNCIL
    rows_before = table_rows(page)
    assert {row["Area"] for row in rows_before} == {COUNCIL}

    choose(page, "District", "Mansfield")
    wait_for_app(page, legend(page).filter(has_text="Mansfield"))

    assert chosen(page, "District") == ["Mansfield"]
    expect(legend(page)).to_have_text(["Mansfield", COUNCIL])  # the district, then its council
    mansfield, council = traces(page)
    assert mansfield["name"] == "Mansfield"
    assert mansfield["x"] == council_before["x"]
    assert all(m < c for m, c in zip(mansfield["y"], council_before["y"], strict=True))
    assert council["y"] == council_before["y"]  # the comparator line is the same council

    expect(first_cell(page)).to_have_text("Mansfield")
    rows = table_rows(page)
    assert rows[0]["Area"] == "Mansfield"
    assert [r["Value"] for r in rows[:3]] != [r["Value"] for r in rows_before[:3]]
    assert url_params(page)["district"] == [MANSFIELD]


def test_a_link_with_filters_opens_that_view(page: Page):
    open_page(
        page,
        f"{CHILDREN_IN_CARE}?district={MANSFIELD}&district={ASHFIELD}"
        "&age_band=10+to+15&from=2018&to=2022",
    )

    assert chosen(page, "District") == ["Mansfield", "Ashfield"]
    assert chosen(page, "Age band (age at 31 March)") == ["10 to 15"]
    expect(page.get_by_role("combobox", name="From year ending 31 March")).to_have_value("2018")
    expect(page.get_by_role("combobox", name="To year ending 31 March")).to_have_value("2022")

    years = [2018, 2019, 2020, 2021, 2022]
    expect(legend(page)).to_have_text(["Mansfield", "Ashfield", COUNCIL])  # side by side
    for trace in traces(page):
        assert trace["x"] == years
    expect(first_cell(page)).to_have_text("Mansfield")
    rows = table_rows(page)
    assert [r["Year ending 31 March"] for r in rows[:5]] == [str(y) for y in years]
    assert {r["Area"] for r in rows[:5]} == {"Mansfield"}
    assert {r["Area"] for r in rows[5:10]} == {"Ashfield"}
    assert {r["Age band"] for r in rows} == {"10 to 15"}
    expect(page.get_by_role("tab", name="By district, 2022").first).to_be_visible()

    page.get_by_text("Add the chosen districts together").click()  # the combined figure
    wait_for_app(page, legend(page).filter(has_text="Mansfield and Ashfield"))
    expect(legend(page)).to_have_text(["Mansfield and Ashfield", COUNCIL])
    expect(first_cell(page)).to_have_text("Mansfield and Ashfield")
    assert {r["Area"] for r in table_rows(page)[:5]} == {"Mansfield and Ashfield"}
    assert url_params(page)["combine"] == ["1"]


def test_an_odd_link_says_what_it_ignored_and_the_page_still_works(page: Page):
    open_page(page, f"{CHILDREN_IN_CARE}?district=E99999999&from=banana")

    notices = page.get_by_test_id("stAlert")
    expect(notices.filter(has_text="district='E99999999'")).to_be_visible()
    expect(notices.filter(has_text="from='banana'")).to_be_visible()
    no_exception(page)
    assert chosen(page, "District") == []  # the bad value was dropped, not half-applied
    (council,) = traces(page)
    assert council["name"] == COUNCIL
    expect(first_cell(page)).to_have_text(COUNCIL)


def test_filters_survive_a_page_switch(page: Page):
    open_page(page, CHILDREN_IN_CARE)
    choose(page, "District", "Mansfield")
    wait_for_app(page, legend(page).filter(has_text="Mansfield"))

    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_role("link", name="Overview").click()
    expect(page).to_have_url(link_to("", district=MANSFIELD))
    expect(page.get_by_role("heading", name="Children in care", exact=True)).to_have_count(0)
    wait_for_app(page, page.get_by_role("heading", level=1))
    expect(sidebar_filter(page, "District")).to_be_visible()
    assert chosen(page, "District") == ["Mansfield"]

    sidebar.get_by_role("link", name="Children in care").click()
    wait_for_app(page, page.get_by_role("heading", name="Children in care", exact=True))
    expect(legend(page)).to_have_text(["Mansfield", COUNCIL])
    assert chosen(page, "District") == ["Mansfield"]
    expect(first_cell(page)).to_have_text("Mansfield")
    expect(page).to_have_url(link_to("Children_in_care", district=MANSFIELD))


def test_a_sidebar_link_carries_the_filters_and_back_returns_with_them(page: Page):
    """A page's link in the sidebar carries the filters, as the page it opens writes them back:
    opened in a new tab, or sent on, it shows the same selection (it was bare: a new tab opened
    with every filter cleared); and a page opened is one step of the browser's history. Bare,
    it was at times two (the page, then its filters written back), and Back went to the bare
    page, which read its link as every filter cleared, the reader left on the page opened."""
    open_page(page, f"{CHILDREN_IN_CARE}?district={MANSFIELD}")
    sidebar = page.get_by_test_id("stSidebar")
    link = sidebar.get_by_role("link", name="Placement stability")
    expect(link).to_have_attribute(
        "href", re.compile(rf"Placement_stability\?district={MANSFIELD}$")
    )
    steps = page.evaluate("history.length")
    link.click()
    wait_for_app(page, page.get_by_role("heading", name="Placement stability", exact=True))
    expect(page).to_have_url(link_to("Placement_stability", district=MANSFIELD))
    page.wait_for_timeout(500)  # a second step, if any, is written by then
    assert page.evaluate("history.length") == steps + 1

    page.go_back()
    wait_for_app(page, page.get_by_role("heading", name="Children in care", exact=True))
    expect(page).to_have_url(link_to("Children_in_care", district=MANSFIELD))
    assert chosen(page, "District") == ["Mansfield"]
    expect(legend(page)).to_have_text(["Mansfield", COUNCIL])


@pytest.mark.parametrize(
    "path",
    [
        "/",
        CHILDREN_IN_CARE,
        # a district chosen: legends, a comparator line, suppression notes and "c" cells
        f"{CHILDREN_IN_CARE}?district={RUSHCLIFFE}&age_band=Under+1",
        "/Placement_stability",
        "/Health_and_wellbeing",
        "/Education",
        "/Care_leavers",
        "/Indicator_catalogue",
    ],
    ids=[
        "overview",
        "children_in_care",
        "children_in_care_suppressed",
        "placement_stability",
        "health",
        "education",
        "care_leavers",
        "catalogue",
    ],
)
def test_pages_have_no_serious_accessibility_violations(page: Page, path: str):
    open_page(page, path)
    assert_accessible(page)


def test_hovering_a_chart_never_shows_a_suppressed_number(page: Page):
    # Rushcliffe's babies in care: fewer than 5 in most years of the demo data, so suppressed.
    open_page(page, f"{CHILDREN_IN_CARE}?district={RUSHCLIFFE}&age_band=Under+1")
    rushcliffe, council = traces(page)
    assert rushcliffe["name"] == "Rushcliffe"
    suppressed = [x for x, y in zip(rushcliffe["x"], rushcliffe["y"], strict=True) if y is None]
    assert suppressed, "this selection should have suppressed years; pick a smaller one"

    # A suppressed year is a gap in the line, and the label its tooltip would carry says "c".
    for x, y, label in zip(rushcliffe["x"], rushcliffe["y"], rushcliffe["hover"], strict=True):
        shown = "c" if y is None else f"{y:,.0f}"
        assert label == f"Rushcliffe, year ending 31 March {x}<br>Number of children: {shown}"

    # Every point that is drawn shows, on hover, exactly its label: never a number behind a gap.
    plot = chart(page)
    for trace in (rushcliffe, council):
        for x, y, label in zip(trace["x"], trace["y"], trace["hover"], strict=True):
            if y is not None:
                expect(hover(page, plot, x, y).locator("tspan.line")).to_have_text(
                    label.split("<br>")
                )

    # The table beside the chart shows the same years as "c".
    rows = [r for r in table_rows(page) if r["Area"] == "Rushcliffe"]
    assert rows, "the table's first rows should be Rushcliffe's"
    for row in rows:
        if int(row["Year ending 31 March"]) in suppressed:
            assert row["Value"] == "c", row


def test_an_author_downloads_a_chart_as_a_sharp_png(page: Page):
    open_page(page, CHILDREN_IN_CARE)
    plot = chart(page)
    plot.hover()
    button = plot.locator(".modebar-btn[data-title='Download plot as a PNG']")
    expect(plot.locator(".modebar-btn")).to_have_count(1)  # the one button an author needs
    with page.expect_download() as download:
        button.click()
    saved = download.value
    assert saved.suggested_filename == "cla_at_31_march_trend_nottinghamshire_2015-2024.png"
    png = Path(saved.path()).read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width = int.from_bytes(png[16:20], "big")
    assert width >= 3 * plot.bounding_box()["width"] - 3  # three times screen size


def test_only_the_open_tab_is_drawn_and_another_draws_when_chosen(page: Page):
    """A page draws the view a reader looks at; the others wait until their tab is clicked."""
    open_page(page, CHILDREN_IN_CARE)
    expect(chart(page, "cla_at_31_march-trend")).to_be_visible()
    expect(chart(page, "cla_at_31_march-district")).to_have_count(0)

    page.get_by_role("tab", name="By district, 2024").first.click()
    wait_for_app(page, chart(page, "cla_at_31_march-district"))
    drawn = traces(page, "cla_at_31_march-district")
    assert any("Mansfield" in [*t["x"], *t["y"]] for t in drawn)
    no_exception(page)


def test_each_age_band_over_time_is_a_line_a_band_keyed_and_tabled(page: Page):
    """Which ages: the analyst opens each age band over time for a district and reads a line
    per band (all ages last), keyed, with its table of every band and year beneath."""
    open_page(page, f"{CHILDREN_IN_CARE}?district=E07000174&indicator=cla_rate_per_10k")
    page.get_by_role("tab", name="By age band over time").first.click()
    key = "cla_rate_per_10k-age_bands"
    wait_for_app(page, chart(page, key))
    expect(legend(page, key)).to_have_text(
        ["Under 1", "1 to 4", "5 to 9", "10 to 15", "16 and over", "All ages"]
    )
    assert [len(t["x"]) for t in traces(page, key)] == [10] * 6
    expect(first_cell(page, key)).to_have_text("Mansfield")
    assert {row["Age band"] for row in table_rows(page, key)} >= {"Under 1", "1 to 4"}
    no_exception(page)


def test_a_link_value_is_never_a_link_or_an_image(page: Page):
    outside = []
    page.on("request", lambda r: outside.append(r.url) if "evil" in urlsplit(r.url).netloc else 0)
    link = quote("[Log in again](https://evil.example/login)")
    image = quote("![t](https://evil.example/pixel.png)")
    open_page(page, f"{CHILDREN_IN_CARE}?district={link}&district={image}")
    notices = page.get_by_test_id("stAlert")
    expect(notices.filter(has_text="district='[Log in again](https://evil.ex")).to_be_visible()
    expect(page.locator("a[href*='evil.example']")).to_have_count(0)
    expect(page.locator("img[src*='evil.example']")).to_have_count(0)
    assert outside == []


def test_back_undoes_one_filter_change_in_one_press(page: Page):
    open_page(page, CHILDREN_IN_CARE)
    choose(page, "District", "Mansfield")
    wait_for_app(page, legend(page).filter(has_text="Mansfield"))
    choose(page, "District", "Ashfield")
    wait_for_app(page, legend(page).filter(has_text="Ashfield"))

    page.go_back()
    expect(legend(page)).to_have_text(["Mansfield", COUNCIL])
    wait_for_app(page)
    assert url_params(page)["district"] == [MANSFIELD]
    assert chosen(page, "District") == ["Mansfield"]
    page.go_back()
    expect(legend(page)).to_have_count(0)  # the council alone: one line, no legend
    expect(first_cell(page)).to_have_text(COUNCIL)
    wait_for_app(page)
    assert "district" not in url_params(page)
    assert chosen(page, "District") == []


def test_back_undoes_the_choice_of_an_indicator_in_one_press(page: Page):
    """Choosing the indicator shown in full is one step of the browser's history, as a filter
    change is: it was two (the link written, then written again reordered), so the first Back
    did nothing; and Back to the link before the choice shows the page's first indicator again
    (it kept the one chosen, under a link that no longer named it)."""
    open_page(page, f"{CHILDREN_IN_CARE}?district={MANSFIELD}")
    shown = page.get_by_role("heading", level=3).first
    expect(shown).to_have_text("Children in care at 31 March")
    page.get_by_role("combobox", name="Indicator", exact=True).click()
    page.get_by_role("option", name="Rate of children in care per 10,000 children").click()
    wait_for_app(page, shown.filter(has_text="Rate of children in care"))
    assert url_params(page)["indicator"] == ["cla_rate_per_10k"]

    page.go_back()
    expect(shown).to_have_text("Children in care at 31 March")
    wait_for_app(page)
    assert url_params(page) == {"district": [MANSFIELD]}
    assert chosen(page, "District") == ["Mansfield"]
    page.go_forward()
    expect(shown).to_have_text("Rate of children in care per 10,000 children")
    wait_for_app(page)
    assert url_params(page)["indicator"] == ["cla_rate_per_10k"]


CUT_OFF = (
    """els => els.filter(el => el.scrollWidth > el.clientWidth + 1).map(el => el.textContent)"""
)


@pytest.mark.parametrize("width, height", [(390, 844), (1440, 900)])
def test_the_overview_tiles_are_whole_on_a_phone_and_a_wide_screen(page: Page, width, height):
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, "/")
    tiles = page.get_by_test_id("stMetric")
    expect(tiles.first).to_be_visible()
    first = tiles.first.bounding_box()
    assert first["y"] + first["height"] <= height, "the first tile is on the first screen"
    words = page.locator('[data-testid="stMetric"] *')
    assert words.evaluate_all(CUT_OFF) == []  # no label or change cut short
    main = page.get_by_test_id("stMain")  # nothing (the scorecard, say) slides the page sideways
    assert main.evaluate("main => main.scrollWidth") <= width
    out = Path(__file__).parent / "screenshots"
    out.mkdir(exist_ok=True)
    page.screenshot(path=out / f"overview-{width}px.png")


# Chart text (labels, values, legend, notes) drawn beyond the chart's edges: Plotly cuts it.
BEYOND_THE_EDGES = """plot => {
    const box = plot.getBoundingClientRect();
    return [...plot.querySelectorAll("text")].filter(text => text.textContent.trim()).filter(
        text => {
            const at = text.getBoundingClientRect();
            return at.left < box.left - 1 || at.right > box.right + 1;
        }
    ).map(text => text.textContent);
}"""


PHONE = {"width": 360, "height": 780}  # a narrow phone's screen (CSS pixels)


def open_view(page: Page, view: str, tap: bool = False) -> str:
    """The rate's view (trend, district) for Mansfield, drawn (its tab tapped, on a touch
    screen); its chart's key."""
    key = f"cla_rate_per_10k-{view}"
    open_page(page, f"{CHILDREN_IN_CARE}?indicator=cla_rate_per_10k&district={MANSFIELD}")
    tab = page.get_by_role(
        "tab", name={"trend": "Over time", "district": "By district, 2024"}[view]
    )
    if tap:
        tab.first.tap()
    else:
        tab.first.click()
    wait_for_app(page, chart(page, key))
    return key


@pytest.mark.parametrize("view", ["trend", "district"])
def test_a_chart_on_a_phone_is_whole_its_notes_too(page: Page, view):
    page.set_viewport_size(PHONE)
    key = open_view(page, view)
    drawn = chart(page, key).locator(".svg-container")  # the plot's and the notes' layers
    assert drawn.evaluate(BEYOND_THE_EDGES) == []  # no label, value or note cut short
    notes = " ".join(chart(page, key).locator(".annotation-text").all_text_contents())
    assert "SYNTHETIC" in notes.upper()
    box = drawn.bounding_box()  # it fits the phone: axes, key, names, values and notes in view
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    # Its key is seen whole (the bars': above their names), without a swipe.
    expect(legend(page, key).first).to_be_visible()
    for name in legend(page, key).all():
        seen = name.bounding_box()
        assert seen["x"] >= 0 and seen["x"] + seen["width"] <= PHONE["width"], name.text_content()
    view_block = chart(page, key).locator("xpath=ancestor::div[@data-testid='stVerticalBlock'][1]")
    table = view_block.get_by_test_id("stDataFrame").bounding_box()
    assert table["x"] >= 0 and table["x"] + table["width"] <= PHONE["width"]
    if view == "district":
        out = Path(__file__).parent / "screenshots"
        out.mkdir(exist_ok=True)
        page.screenshot(path=out / "district-bars-phone.png")


def test_on_a_phone_a_swipe_scrolls_the_page_and_a_tap_shows_a_tooltip_on_the_screen(
    browser, base_url
):
    """On a touch screen Plotly would take a drag on the plot for a zoom: the charts never zoom,
    so a swipe up the page scrolls on past a chart, and a tap on a point or a bar shows its
    tooltip, on the screen, as a pointer's hover does, and keeps it. Everything is tapped, as a
    finger does (a mouse click on a tab, in a touch screen's page, left a state that took the
    next tap's tooltip away)."""
    context = browser.new_context(viewport=PHONE, base_url=base_url, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    key = open_view(page, "trend", tap=True)
    plot = chart(page, key)
    main = page.get_by_test_id("stMain")
    plot.scroll_into_view_if_needed()
    ranges = "plot => [plot._fullLayout.xaxis.range, plot._fullLayout.yaxis.range]"
    before = plot.evaluate(ranges)
    touch = context.new_cdp_session(page)

    def swipe(x: float, y: float, dx: float, dy: float) -> None:
        touch.send(
            "Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]}
        )
        for step in range(1, 11):
            point = {"x": x + dx * step, "y": y + dy * step}
            touch.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
            page.wait_for_timeout(30)
        touch.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})

    def at_rest() -> None:  # the page's scrolling come to rest: where it was 200 ms before
        page.wait_for_function(
            "e => e.dataset.rest === (e.dataset.rest = String(e.scrollTop))",
            arg=main.element_handle(),
            polling=200,
        )

    def tap_shows(drawn, marks: str, spot, text: str) -> None:
        """Tap the first of a chart's marks whose spot is on screen, below the page's header:
        its tooltip shows, and is still there a second later."""
        boxes = [mark.bounding_box() for mark in drawn.locator(marks).all()]
        page.touchscreen.tap(
            *next(
                (x, y)
                for x, y in (spot(b) for b in boxes if b)
                if 20 < x < PHONE["width"] - 20 and 100 < y < PHONE["height"] - 20
            )
        )
        tooltip = drawn.locator(".hoverlayer .hovertext")
        expect(tooltip).to_contain_text(text)
        page.wait_for_timeout(1000)
        expect(tooltip).to_contain_text(text, timeout=1)
        seen = tooltip.bounding_box()
        assert seen["x"] >= 0 and seen["x"] + seen["width"] <= PHONE["width"]

    top = main.evaluate("main => main.scrollTop")
    box = plot.bounding_box()
    swipe(200, box["y"] + box["height"] * 0.6, 0, -20)  # a finger moving up: on down the page
    page.wait_for_function(
        "([main, top]) => main.scrollTop > top", arg=[main.element_handle(), top]
    )
    assert plot.evaluate(ranges) == before  # it did not zoom
    plot.scroll_into_view_if_needed()
    at_rest()
    middle = lambda b: (b["x"] + b["width"] / 2, b["y"] + b["height"] / 2)  # noqa: E731
    tap_shows(plot, ".scatterlayer .points path", middle, "year ending 31 March")
    page.get_by_role("tab", name="By district, 2024").first.tap()
    bars = chart(page, "cla_rate_per_10k-district")
    wait_for_app(page, bars)
    bars.scroll_into_view_if_needed()
    at_rest()
    near_end = lambda b: (b["x"] + b["width"] - 3, b["y"] + b["height"] / 2)  # noqa: E731
    tap_shows(bars, ".barlayer .point path", near_end, "Rate per 10,000 children")
    context.close()


def test_printing_the_overview_leaves_the_sidebar_out(page: Page):
    open_page(page, "/")
    page.emulate_media(media="print")
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stMetric").first).to_be_visible()
    pdf = page.pdf(format="A4")
    assert pdf[:5] == b"%PDF-"


def test_an_age_band_is_drawn_without_englands_all_ages_line(page: Page):
    key = "cla_rate_per_10k-trend"
    open_page(page, f"{CHILDREN_IN_CARE}?indicator=cla_rate_per_10k")
    assert "England (published)" in [t["name"] for t in traces(page, key)]
    open_page(page, f"{CHILDREN_IN_CARE}?indicator=cla_rate_per_10k&age_band=10+to+15")
    assert [t["name"] for t in traces(page, key)] == [COUNCIL]  # the age band alone
    expect(page.get_by_text("No comparator for this age band").first).to_be_visible()
    rows = table_rows(page, key)
    assert {r["Compared with"] for r in rows} == {"No comparator for this age band"}


def test_district_bars_read_from_highest_to_lowest_with_a_key(page: Page):
    key = "cla_rate_per_10k-district"
    open_page(page, f"{CHILDREN_IN_CARE}?indicator=cla_rate_per_10k&district={MANSFIELD}")
    page.get_by_role("tab", name="By district, 2024").first.click()
    wait_for_app(page, chart(page, key))
    bars = [t for t in traces(page, key) if t["name"]]  # the bars; the values' text unnamed
    shown = {charts.one_line(y): x for t in bars for x, y in zip(t["x"], t["y"], strict=True)}
    top_down = axis_names(page, key)[::-1]
    assert top_down[0].startswith(COUNCIL)
    values = [shown[label] for label in top_down[1:] if shown.get(label) is not None]
    assert len(values) >= 5 and values == sorted(values, reverse=True)
    assert [t for t in top_down if t.startswith("▶")] == [t for t in top_down if "Mansfield" in t]
    expect(legend(page, key).filter(has_text="Higher than Nottinghamshire")).to_be_visible()


def test_an_author_downloads_a_print_ready_png_and_svg(page: Page):
    open_page(page, CHILDREN_IN_CARE)
    button = page.get_by_role("button", name="Download this chart (PNG, 16 cm at 300 dpi)").first
    with page.expect_download(timeout=60_000) as download:
        button.click()
    saved = download.value
    assert saved.suggested_filename == "cla_at_31_march_trend_nottinghamshire_2015-2024.png"
    png = Path(saved.path()).read_bytes()
    assert int.from_bytes(png[16:20], "big") == 1890 and b"pHYs" in png[:64]
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role("button", name="Download this chart (SVG)").first.click()
    svg = Path(download.value.path()).read_text()
    assert "<title>" in svg and "SYNTHETIC DEMO DATA" in svg


def test_an_author_builds_a_chapter_pack_and_downloads_it(page: Page):
    import zipfile

    open_page(page, "/Chapter_builder")
    for name in ("Children in care", "Health and wellbeing", "Education", "Care leavers",
                 "Children placed away from home"):  # fmt: skip
        box = page.get_by_test_id("stCheckbox").filter(has_text=re.compile(f"^{name}$"))
        box.click()
        expect(box.get_by_role("checkbox")).not_to_be_checked()
    wait_for_app(page, page.get_by_text("Placement stability").first)
    assert_accessible(page)
    page.get_by_role("button", name="Build the chapter pack").click()
    button = page.get_by_role("button", name=re.compile("Download the chapter pack"))
    expect(button).to_be_visible(timeout=120_000)
    with page.expect_download(timeout=60_000) as download:
        button.click()
    names = zipfile.ZipFile(download.value.path()).namelist()
    assert "chapter.docx" in names and "README.txt" in names
    assert any(n.startswith("charts/") and n.endswith(".png") for n in names)
