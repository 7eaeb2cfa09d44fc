"""Reading the app as a user sees it: reruns, sidebar filters, charts, tables, axe."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Locator, Page, expect

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


FIRST_CHART = "cla_at_31_march-trend"  # Children in care at 31 March, over time


def wait_for_app(page: Page, *expected: Locator) -> None:
    """Wait until the expected content shows and the rerun that drew it has finished.

    Right after a click the app still reads notRunning for a few tens of milliseconds, so wait
    for the content first; mid-rerun the old elements stay on the page marked stale. The run
    ends before its charts are drawn: Plotly loads lazily (a skeleton stands in), then draws.
    """
    for locator in expected:
        expect(locator).to_be_visible()
    idle = page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]')
    expect(idle, "the app's script is still running").to_be_attached()
    stale = page.locator('[data-testid="stElementContainer"][data-stale="true"]')
    expect(stale, "elements of the last run are still stale").to_have_count(0)
    expect(page.get_by_test_id("stSkeleton"), "elements still loading").to_have_count(0)
    for plot in page.get_by_test_id("stPlotlyChart").all():
        drawn = plot.locator(".js-plotly-plot .main-svg").first
        expect(drawn, "a chart was not drawn").to_be_attached()


def open_page(page: Page, path: str) -> None:
    """Open a page (path and query string) and wait until its first run is drawn."""
    page.goto(path)
    wait_for_app(page, page.get_by_test_id("stHeading").first)
    no_exception(page)


def sidebar_filter(page: Page, label: str) -> Locator:
    """A filter widget in the sidebar, found by its visible label."""
    box = page.get_by_role("combobox", name=label, exact=True)
    return page.get_by_test_id("stSidebar").locator(
        '[data-testid="stMultiSelect"], [data-testid="stSelectbox"]', has=box
    )


def chosen(page: Page, label: str) -> list[str]:
    """The values a sidebar multiselect shows as tags."""
    group = sidebar_filter(page, label).get_by_role("group", name="Selected values")
    return [tag.get_attribute("aria-label") for tag in group.locator("[data-tag]").all()]


def choose(page: Page, label: str, option: str) -> None:
    """Pick an option in a sidebar multiselect, as a user does: open it, click the option."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def chart(page: Page, key: str = FIRST_CHART) -> Locator:
    """A chart's Plotly div, by the chart's Streamlit key ("{indicator}-{view}").

    Streamlit marks a keyed element's container with class st-key-KEY. Position on the page
    is no guide: charts in tabs not chosen are on the page too, and they mount in any order.
    """
    return page.locator(f".st-key-{key} .js-plotly-plot")


def axis_names(page: Page, key: str = FIRST_CHART) -> list[str]:
    """A chart's names on its vertical axis, bottom to top, each as one line: a long one is
    drawn on several (the chart's data has them joined by <br>), here joined by a space."""
    return (
        chart(page, key)
        .locator(".yaxislayer-above .ytick text")
        .evaluate_all(
            "ts => ts.map(t => [...t.querySelectorAll('tspan.line')].map(l => l.textContent)"
            ".join(' ') || t.textContent)"
        )
    )


def traces(page: Page, key: str = FIRST_CHART) -> list[dict]:
    """What a chart plots: each trace's name, x, y (None for a gap) and hover labels.

    Read from the graph div's `_fullData`: Plotly 7 sends arrays base64-encoded, and only the
    full data holds them decoded.
    """
    expect(chart(page, key).locator(".main-svg").first).to_be_attached()
    return chart(page, key).evaluate(
        """gd => gd._fullData.map(t => ({
            name: t.name,
            x: Array.from(t.x, v => (v === null || Number.isNaN(v) ? null : v)),
            y: Array.from(t.y, v => (v === null || Number.isNaN(v) ? null : v)),
            hover: Array.from(t.customdata || []),
        }))"""
    )


def legend(page: Page, key: str = FIRST_CHART) -> Locator:
    """The names in a chart's legend, as drawn (Plotly shows a legend only for two or more)."""
    return chart(page, key).locator(".legend .legendtext")


def hover(page: Page, plot: Locator, x, y) -> Locator:
    """Move the mouse onto the point (x, y) of a chart, in data units; its tooltip's main text."""
    plot.scroll_into_view_if_needed()  # the mouse reaches only what is on screen
    spot = plot.evaluate(
        """(gd, [x, y]) => {
            const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
            const box = gd.querySelector('.main-svg').getBoundingClientRect();
            return {x: box.left + xa._offset + xa.d2p(x), y: box.top + ya._offset + ya.d2p(y)};
        }""",
        [x, y],
    )
    page.mouse.move(spot["x"], spot["y"])
    return plot.locator(".hoverlayer .hovertext text.nums")


def table(page: Page, key: str = FIRST_CHART) -> Locator:
    """The table under a chart: the st.dataframe in the same tab."""
    tab = page.get_by_role("tabpanel").filter(has=page.locator(f".st-key-{key}"))
    return tab.get_by_test_id("stDataFrame")


def first_cell(page: Page, key: str = FIRST_CHART) -> Locator:
    """The first cell of the table under a chart: wait on its text before reading the rows (the
    grid's accessible copy can lag a moment behind the chart after a rerun)."""
    return table(page, key).locator('[role="grid"] tbody [role="gridcell"]').first


def table_rows(page: Page, key: str = FIRST_CHART) -> list[dict[str, str]]:
    """The rows of the table under a chart that are in view, keyed by column header.

    st.dataframe draws on a canvas. Inside the canvas, Glide Data Grid keeps an accessible
    table (role="grid", "columnheader", "gridcell") for screen readers: the text a user sees,
    but only for the rows scrolled into view (enough for these tables' first rows). Being
    canvas fallback content it is never "visible" to Playwright, so it is found by CSS.
    """
    grid = table(page, key).locator('[role="grid"]')
    expect(grid.locator('[role="gridcell"]').first).to_be_attached()
    return grid.evaluate(
        """grid => {
            const heads = [...grid.querySelectorAll('[role="columnheader"]')]
                .map(h => h.textContent);
            return [...grid.querySelectorAll('tbody [role="row"]')].map(row =>
                Object.fromEntries([...row.querySelectorAll('[role="gridcell"]')]
                    .map((cell, i) => [heads[i], cell.textContent])));
        }"""
    )


def no_exception(page: Page) -> None:
    """No exception box; if there is one, fail with its text (the app's traceback)."""
    boxes = page.get_by_test_id("stException")
    assert boxes.count() == 0, "the app raised:\n" + "\n".join(boxes.all_inner_texts())


# ---------------------------------------------------------------------------------------------
# Accessibility

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")


def axe_violations(page: Page) -> list[dict]:
    """Run axe-core's WCAG 2.2 AA rules on the page; its violations, all impacts."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing ({AXE}): run `bash tests/run.sh` to install it")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """tags => axe.run(document, {runOnly: {type: "tag", values: tags}})""", AXE_TAGS
    )
    return result["violations"]


def chart_text_contrast(page: Page) -> list[str]:
    """Chart text (SVG) below WCAG AA contrast on the chart's background.

    axe cannot work out the colours of SVG text (it reports it as "incomplete"), so measure them.
    """
    return page.evaluate(
        """() => {
            const rgb = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
            const lum = c => {
                const [r, g, b] = rgb(c).map(v => v / 255)
                    .map(v => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
                return 0.2126 * r + 0.7152 * g + 0.0722 * b;
            };
            const ratio = (a, b) => {
                const [hi, lo] = [lum(a), lum(b)].sort((p, q) => q - p);
                return (hi + 0.05) / (lo + 0.05);
            };
            const low = [];
            for (const gd of document.querySelectorAll('.js-plotly-plot')) {
                if (!gd.checkVisibility()) continue;
                let paper = getComputedStyle(gd.querySelector('.main-svg')).backgroundColor;
                if (paper === 'rgba(0, 0, 0, 0)') paper = 'rgb(255, 255, 255)';  // the page's
                for (const text of gd.querySelectorAll('.main-svg text')) {
                    if (!text.textContent.trim() || !text.checkVisibility()) continue;
                    const style = getComputedStyle(text);
                    const size = parseFloat(style.fontSize);
                    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
                    const r = ratio(style.fill, paper);
                    if (r < (large ? 3 : 4.5)) {
                        low.push(`"${text.textContent}" (${text.getAttribute('class') || 'tick'}): `
                            + `${style.fill} on ${paper}, ${r.toFixed(2)}:1 at ${size}px`);
                    }
                }
            }
            return low;
        }"""
    )


def assert_accessible(page: Page) -> None:
    """Fail on any serious or critical axe violation, naming the rule, its help and the nodes;
    and on chart text below WCAG AA contrast, which axe cannot judge."""
    blocking = [v for v in axe_violations(page) if v["impact"] in BLOCKING]
    report = [
        f"{v['id']} ({v['impact']}): {v['help']} [{v['helpUrl']}]\n"
        + "\n".join(f"    {node['target']}: {node['failureSummary']}" for node in v["nodes"])
        for v in blocking
    ]
    assert not blocking, "axe found serious or critical violations:\n" + "\n".join(report)
    low = chart_text_contrast(page)
    assert not low, "chart text below WCAG AA contrast:\n" + "\n".join(low)
