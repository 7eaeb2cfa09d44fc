"""The forecast chart: actual numbers at each 31 March, then the forecast with its interval,
and a scenario's beside it, in the house style (charts.py)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from carejsna import charts

BASELINE, SCENARIO, ACTUAL = charts.PALETTE[0], charts.PALETTE[2], charts.ENGLAND


def _rgba(colour: str, alpha: float) -> str:
    red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def _numbers(values: pd.Series) -> list:
    """Numbers as JSON has them: a gap (None) where a figure is withheld."""
    return [None if v is None or pd.isna(v) else float(v) for v in values]


def _dates(values: pd.Series) -> list[str]:
    return [pd.Timestamp(v).strftime("%Y-%m-%d") for v in values]


def _forecast(rows: pd.DataFrame, name: str, colour: str, dash: str, percent: str) -> list[dict]:
    """A forecast's band (a shaded area: its `percent` interval) and its central line."""
    x = _dates(rows["date"])
    band = {
        "type": "scatter",
        "x": x + x[::-1],
        "y": _numbers(rows["upper"]) + _numbers(rows["lower"])[::-1],
        "fill": "toself",
        "fillcolor": _rgba(colour, 0.15),
        "line": {"width": 0},
        "name": f"{name}: {percent} interval",
        "hoverinfo": "skip",
    }
    hover = [
        f"{name}: {v}<br>{percent} interval {lo} to {hi}"
        for v, lo, hi in zip(*(_shown(rows[c]) for c in ("value", "lower", "upper")), strict=True)
    ]
    line = {
        "type": "scatter",
        "mode": "lines",
        "x": x,
        "y": _numbers(rows["value"]),
        "name": name,
        "line": {"color": colour, "width": 3, "dash": dash},
        "customdata": hover,
        "hovertemplate": "%{x|%d %b %Y}<br>%{customdata}<extra></extra>",
    }
    return [band, line]


def _shown(values: pd.Series) -> list[str]:
    return ["c" if v is None or pd.isna(v) else f"{float(v):,.0f}" for v in values]


def figure(
    actual: pd.DataFrame,
    baseline: pd.DataFrame,
    scenario: pd.DataFrame | None,
    source_note: str,
    scenario_name: str = "Scenario",
    notes: tuple[str, ...] = (),
    percent: str = "95%",
) -> go.Figure:
    """Actual numbers at 31 March (`actual`: year, value), the baseline forecast by date
    (`baseline`: date, value, lower, upper: its `percent` interval) and, if given, a
    scenario's, all protected."""
    traces = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": [f"{int(y)}-03-31" for y in actual["year"]],
            "y": _numbers(actual["value"]),
            "name": "Actual at 31 March",
            "line": {"color": ACTUAL, "width": 2},
            "marker": {"symbol": "circle", "size": 7},
            "customdata": _shown(actual["value"]),
            "hovertemplate": "31 March %{x|%Y}<br>Actual: %{customdata}<extra></extra>",
        },
        *_forecast(baseline, "Forecast (baseline)", BASELINE, "solid", percent),
    ]
    if scenario is not None:
        traces += _forecast(scenario, f"Scenario: {scenario_name}", SCENARIO, "dash", percent)
    layout = {
        "xaxis": charts._axis("31 March; forecast by quarter", type="date",
                              showgrid=False, linecolor="#B1B4B6"),
        "yaxis": charts._axis("Children in care", rangemode="tozero", gridcolor="#E5E6E7",
                              automargin=True),
    }  # fmt: skip
    notes = (
        f"Shaded: the {percent} interval of each forecast. Counts rounded to the nearest 5; c = "
        "withheld (1 to 4 children at the start).",
        *notes,
    )
    return charts._figure(traces, layout, source_note, list(notes))
