"""The forecasts page in a real chromium: the forecast drawn, and its download."""

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
    no_exception,
    open_page,
    traces,
)

pytestmark = pytest.mark.browser
ROOT = Path(__file__).resolve().parents[2]

FORECASTS = "/Forecasts"
CHART = "forecast-chart"
BASELINE = "Forecast (baseline)"


def test_the_forecast_is_drawn_and_the_page_says_what_it_does_not_show(page: Page):
    """All placements, drawn from the stock it starts from; no placement category, cost or
    scenario (not among the protected figures), and the page says so."""
    open_page(page, FORECASTS)
    drawn = {t["name"]: t["y"] for t in traces(page, CHART)}
    assert list(drawn) == ["Actual at 31 March", f"{BASELINE}: 95% interval", BASELINE]
    assert drawn[BASELINE][0] == drawn["Actual at 31 March"][-1]  # it starts from the stock
    no_exception(page)
    expect(page.get_by_text("Not shown: the forecast by placement category")).to_be_visible()
    expect(page.get_by_role("spinbutton")).to_have_count(0)
    expect(chart(page, CHART)).to_be_visible()
    assert_accessible(page)


def test_the_download_is_the_command_lines_forecast_table_saying_it_is_synthetic(page: Page):
    """The page's CSV, made when clicked, is what `carejsna forecast` prints for the same
    choices (the page's defaults: three years ahead)."""
    open_page(page, FORECASTS)
    button = page.get_by_role("button", name="Download the forecast and back-test")
    with page.expect_download() as download:
        button.click()
    saved = download.value
    assert saved.suggested_filename == "forecast_E10000024_2024.csv"
    text = Path(saved.path()).read_text()
    printed = subprocess.run(
        [sys.executable, "-m", "carejsna.cli", "forecast", "--data", str(ROOT / "data"),
         "--years", "3"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    assert text == printed
    table = pd.read_csv(io.StringIO(text), dtype=str)
    assert set(table["section"]) == {"actual", "forecast", "backtest"}
    assert table["source"].str.startswith("SYNTHETIC DEMO DATA, not real children.").all()
    counts = pd.to_numeric(table["value"], errors="coerce").dropna()
    assert len(counts) and (counts % 5 == 0).all()  # children to the nearest 5
