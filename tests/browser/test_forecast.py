"""The forecasts page in a real chromium: a reader changes a scenario and sees it drawn."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from tests.browser.helpers import (
    assert_accessible,
    chart,
    legend,
    no_exception,
    open_page,
    traces,
    wait_for_app,
)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

FORECASTS = "/Forecasts"
CHART = "forecast-chart"
BASELINE = "Forecast (baseline)"


def test_a_scenario_is_drawn_beside_the_baseline(page: Page):
    open_page(page, FORECASTS)
    before = {t["name"]: t["y"] for t in traces(page, CHART)}
    assert list(before) == ["Actual at 31 March", f"{BASELINE}: 95% interval", BASELINE]
    assert before[BASELINE][0] == before["Actual at 31 March"][-1]  # it starts from the stock

    page.get_by_text("Scenario: change entries into care and exits from care").click()
    box = page.get_by_role("spinbutton", name="Entries into care: residential (% change)")
    box.fill("-50")
    box.press("Enter")
    scenario = "Scenario: 50% fewer entries into residential"
    wait_for_app(page, legend(page, CHART).get_by_text(scenario, exact=True))
    no_exception(page)
    after = {t["name"]: t["y"] for t in traces(page, CHART)}
    assert after[BASELINE] == before[BASELINE]  # the baseline stays as it was
    assert after[scenario][-1] < after[BASELINE][-1]  # fewer entries: fewer in care
    expect(page.get_by_text("With 50% fewer entries into residential:")).to_be_visible()
    expect(chart(page, CHART)).to_be_visible()
    assert_accessible(page)


def test_the_download_is_the_command_lines_forecast_table_saying_it_is_synthetic(page: Page):
    """The page's CSV, made when clicked, is what `carejsna forecast` prints for the same
    choices (the page's defaults: three years ahead, the shipped costs)."""
    open_page(page, FORECASTS)
    button = page.get_by_role("button", name="Download the forecast, scenario, costs and back-test")
    with page.expect_download() as download:
        button.click()
    saved = download.value
    assert saved.suggested_filename == "forecast_E10000024_2024.csv"
    text = Path(saved.path()).read_text()
    printed = subprocess.run(
        [sys.executable, "-m", "carejsna.cli", "forecast", "--data", str(ROOT / "data"),
         "--years", "3", "--costs", str(ROOT / "src/carejsna/forecast_costs.toml")],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert text == printed
    table = pd.read_csv(io.StringIO(text), dtype=str)
    assert set(table["section"]) == {"actual", "forecast", "cost", "backtest"}
    assert table["source"].str.startswith("SYNTHETIC DEMO DATA, not real children.").all()
    people = table[table["section"] != "cost"]
    counts = pd.to_numeric(people["value"], errors="coerce").dropna()
    assert len(counts) and (counts % 5 == 0).all()  # children to the nearest 5
