"""Children placed away from home, in a real chromium: the comparison a reader sees, drawn,
written and tabled from the published figures, following the district filter; and axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from carejsna import catalogue, db, overview
from carejsna import indicators as ind
from tests.browser.helpers import (
    assert_accessible,
    axis_names,
    choose,
    no_exception,
    open_page,
    traces,
    wait_for_app,
)

pytestmark = pytest.mark.browser

PLACED_AWAY = "/Placed_away_from_home"
CHART = "placed-away-chart"


def sentence_for(districts: tuple[str, ...] = ()) -> str:
    """The sentence the published figures give for a selection (all years, the council or
    the districts chosen)."""
    con = db.published()
    context = ind.Context.load(con)
    selection = ind.Selection(min(context.years), max(context.years), districts)
    items = [i for i in catalogue.catalogue().values() if i.groups_of]
    shown = ind.group_differences(con, items, selection, context)
    _, area = selection.area(context)
    return overview.placed_away_sentence(shown, catalogue.catalogue(), area)


def expected_table():
    """The comparison table for the council, all years, as the published figures give it."""
    con = db.published()
    context = ind.Context.load(con)
    items = [i for i in catalogue.catalogue().values() if i.groups_of]
    selection = ind.Selection(min(context.years), max(context.years))
    names = {i.id: catalogue.get(i.groups_of).short_title for i in items}
    return ind.difference_table(ind.group_differences(con, items, selection, context), names,
                                context)  # fmt: skip


def grid_rows(page: Page) -> list[dict[str, str]]:
    """The comparison table's rows in view, keyed by header (the grid's accessible copy): the
    page's first table."""
    grid = page.get_by_test_id("stDataFrame").first.locator("[role='grid']")
    expect(grid.locator("[role='gridcell']").first).to_be_attached()
    return grid.evaluate(
        """grid => {
            const heads = [...grid.querySelectorAll('[role="columnheader"]')]
                .map(h => h.textContent);
            return [...grid.querySelectorAll('tbody [role="row"]')].map(row =>
                Object.fromEntries([...row.querySelectorAll('[role="gridcell"]')]
                    .map((cell, i) => [heads[i], cell.textContent])));
        }"""
    )


def test_a_reader_sees_children_placed_away_beside_those_placed_near(page: Page):
    open_page(page, PLACED_AWAY)
    expect(page.get_by_text(sentence_for(), exact=True)).to_be_visible()
    assert [t["name"] for t in traces(page, CHART)[:2]] == ["Placed near", "Placed away"]
    labels = axis_names(page, CHART)  # bottom to top
    assert len(labels) == 9 and labels[-1].startswith("Health assessment [away: ")
    rows = grid_rows(page)
    assert [row["Measure"] for row in rows[:2]] == ["Health assessment", "Dental check"]
    assert rows[0]["Placed away (95% CI)"] == expected_table().iloc[0]["Placed away (95% CI)"]

    choose(page, "District", "Mansfield")
    wait_for_app(page, page.get_by_text(sentence_for(("E07000174",)), exact=True))
    no_exception(page)
    labels = axis_names(page, CHART)
    assert len(labels) == 9 and all("[away: " in label for label in labels)
    assert_accessible(page)
