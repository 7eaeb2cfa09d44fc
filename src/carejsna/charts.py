"""The house chart style: pure functions from protected figures to a Plotly figure."""

from __future__ import annotations

import textwrap

import pandas as pd
import plotly.graph_objects as go

from carejsna import stats
from carejsna.catalogue import Indicator
from carejsna.disclosure import FOOTNOTES, SUPPRESSED
from carejsna.indicators import DECIMALS

# The Analysis Function's categorical palette (dark blue, turquoise, dark pink, orange).
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25")
COMPARATOR = "#6B6B6B"
ENGLAND = "#3D3D3D"
# Compared with the comparator: a colour-blind-safe pair and a neutral, always with a text label.
COMPARISON_COLOURS = {
    "better": "#12436D", "higher": "#12436D", "similar": "#A0A4A8", "worse": "#F46A25",
    "lower": "#F46A25",
}  # fmt: skip
FONT = dict(family="Arial, Helvetica, sans-serif", size=14, color="#0B0C0C")


def config(filename: str) -> dict:
    """Plotly's mode bar with one button, the one a report's author needs: the chart as a PNG at
    three times screen size (sharp in print), named for what it shows."""
    return {
        "responsive": True,
        "displaylogo": False,
        "modeBarButtons": [["toImage"]],
        "toImageButtonOptions": {"format": "png", "scale": 3, "filename": filename},
    }


def _layout(fig: go.Figure, indicator: Indicator, source_note: str, notes: list[str]) -> go.Figure:
    # Plotly does not wrap text: break the notes into lines a narrow chart can hold.
    notes = [*notes, source_note.replace("`", "")]
    lines = [line for note in notes for line in textwrap.wrap(note, 110)]
    footer = "<br>".join(lines)
    fig.update_layout(
        font=FONT,
        plot_bgcolor="white",
        paper_bgcolor="white",
        margin=dict(l=10, r=10, t=40, b=82 + 15 * len(lines)),
        legend=dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        hoverlabel=dict(font=FONT, bgcolor="white"),
    )
    # Streamlit's chart theme greys tick labels and axis titles to #808495, 3.7:1 on white (WCAG
    # AA asks 4.5:1); the notes' colour below is 7:1.
    fig.update_xaxes(tickfont_color="#505A5F", title_font_color="#505A5F")
    fig.update_yaxes(tickfont_color="#505A5F", title_font_color="#505A5F", automargin=True)
    fig.add_annotation(
        text=footer,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-70,
        showarrow=False,
        align="left",
        xanchor="left",
        yanchor="top",
        font=dict(size=11, color="#505A5F"),
    )
    return fig


def _hover(indicator: Indicator) -> str:
    return f"%{{customdata}}<extra>{indicator.unit_label}</extra>"


def trend(
    figures: pd.DataFrame,
    indicator: Indicator,
    source_note: str,
    level: float = 0.95,
    published: pd.DataFrame | None = None,
    published_name: str = "England",
) -> go.Figure:
    """A line per area (or, for a distribution, per one of its four largest categories) over the
    years; suppressed years are gaps, never numbers."""
    fig = go.Figure()
    notes = []
    series = "area_name"
    if "category" in figures:
        series = "category"
        largest = figures.groupby("category")["numerator"].sum().nlargest(len(PALETTE)).index
        figures = figures[figures["category"].isin(largest)]
        notes.append(f"The {len(largest)} largest categories; the table has every one.")
    for i, (area, rows) in enumerate(figures.groupby(series, sort=False)):
        comparator = i > 0 and series == "area_name"
        colour = COMPARATOR if comparator else PALETTE[i % len(PALETTE)]
        shown = rows["value"].notna()
        hover = [
            f"{area}, year ending 31 March {y}: {label}"
            for y, label in zip(rows["year"], _safe_labels(rows, indicator, level), strict=True)
        ]
        fig.add_trace(
            go.Scatter(
                x=rows["year"],
                y=rows["value"],
                name=area,
                mode="lines+markers",
                customdata=hover,
                hovertemplate=_hover(indicator),
                connectgaps=False,
                error_y=_whiskers(rows, level, colour),
                line=dict(
                    color=colour,
                    width=2 if comparator else 3,
                    dash="dash" if comparator else "solid",
                ),
                marker=dict(size=7, symbol="diamond" if comparator else "circle"),
            )
        )
        if (rows["symbol"] == SUPPRESSED).any():
            missing = ", ".join(str(y) for y in rows.loc[~shown, "year"])
            notes.append(f"{area}: suppressed in {missing} ({FOOTNOTES[SUPPRESSED]}).")
    if published is not None and len(published):
        fig.add_trace(
            go.Scatter(
                x=published["year"],
                y=published["value"],
                name=f"{published_name} (published)",
                mode="markers+lines",
                line=dict(color=ENGLAND, width=1.5, dash="dot"),
                marker=dict(size=9, symbol="square-open", color=ENGLAND),
                customdata=[
                    f"{published_name}, year ending 31 March {y}: "
                    f"{v:,.{DECIMALS[indicator.unit]}f} (published; real official statistics)"
                    for y, v in zip(published["year"], published["value"], strict=True)
                ],
                hovertemplate=_hover(indicator),
            )
        )
    elif published is not None and indicator.unit != "count":
        notes.append(f"No comparator: no published {published_name} figure for these years.")
    years = sorted(figures["year"].unique())
    fig.update_xaxes(
        title="Year ending 31 March", tickvals=years, showgrid=False, linecolor="#B1B4B6"
    )
    fig.update_yaxes(title=indicator.unit_label, rangemode="tozero", gridcolor="#E5E6E7")
    return _layout(fig, indicator, source_note, notes)


def bars(
    figures: pd.DataFrame, indicator: Indicator, by: str, source_note: str, level: float = 0.95
) -> go.Figure:
    """Horizontal bars, one per district or age band; a suppressed bar is labelled, not drawn."""
    rows = figures.iloc[::-1]  # plotly draws the first category at the bottom
    total = rows[by]
    labels = [
        f"{name} (suppressed: c)"
        if symbol == SUPPRESSED
        else (f"{name} ({symbol})" if symbol else name)
        for name, symbol in zip(total, rows["symbol"], strict=True)
    ]
    values = _safe_labels(rows, indicator)
    described = _safe_labels(rows, indicator, level)
    whole = by != "category"  # districts and age bands end with the whole, drawn apart
    comparison = rows.get("comparison", pd.Series("", rows.index))
    colours = [
        PALETTE[1] if whole and i == 0 else COMPARISON_COLOURS.get(c, PALETTE[0])
        for i, c in enumerate(comparison)
    ]
    labels = [
        f"{label} [{c} vs {n}]" if c in COMPARISON_COLOURS else label
        for label, c, n in zip(
            labels, comparison, rows.get("comparator", pd.Series("", rows.index)), strict=True
        )
    ]
    hover = [f"{name}: {value}" for name, value in zip(labels, described, strict=True)]
    fig = go.Figure(
        go.Bar(
            x=rows["value"],
            y=labels,
            orientation="h",
            marker_color=colours,
            customdata=hover,
            hovertemplate=_hover(indicator),
            error_x=_whiskers(rows, level, "#0B0C0C"),
        )
    )
    # Each value written just beyond its upper whisker, where the whisker cannot cross it.
    upper = rows[f"upper_{stats.level_suffix(level)}"].fillna(rows["value"])
    fig.add_trace(
        go.Scatter(
            x=upper,
            y=labels,
            mode="text",
            text=[
                f" {v}" if pd.notna(x) else "" for x, v in zip(rows["value"], values, strict=True)
            ],
            textposition="middle right",
            textfont={"color": "#0B0C0C"},
            hoverinfo="skip",
            cliponaxis=False,
        )
    )
    notes = [FOOTNOTES[s] for s in sorted(set(rows["symbol"]) - {""})]
    fig.update_xaxes(title=indicator.unit_label, rangemode="tozero", gridcolor="#E5E6E7")
    fig.update_yaxes(title=None, automargin=True)
    fig.update_layout(height=max(260, 48 * len(rows) + 120), showlegend=False)
    return _layout(fig, indicator, source_note, notes)


def _whiskers(rows: pd.DataFrame, level: float, colour: str) -> dict:
    """Confidence limits as whiskers; none where the value is withheld."""
    suffix = stats.level_suffix(level)
    lower, upper = rows[f"lower_{suffix}"], rows[f"upper_{suffix}"]
    return dict(
        type="data",
        symmetric=False,
        array=(upper - rows["value"]).to_numpy(),
        arrayminus=(rows["value"] - lower).to_numpy(),
        color=colour,
        thickness=1.2,
        width=4,
    )


def _safe_labels(rows: pd.DataFrame, indicator: Indicator, level: float | None = None) -> list:
    """Hover and bar labels: a protected value's number (with its confidence interval at
    `level`), or its symbol; never a hidden count."""
    decimals = DECIMALS[indicator.unit]
    labels = []
    for row in rows.to_dict("records"):
        if row["symbol"] or pd.isna(row["value"]):
            labels.append(row["symbol"] or "x")
            continue
        label = f"{row['value']:,.{decimals}f}"
        if level is not None:
            suffix = stats.level_suffix(level)
            low, high = row[f"lower_{suffix}"], row[f"upper_{suffix}"]
            if pd.notna(low) and pd.notna(high):
                label += f" ({level:.1%} CI {low:,.{decimals}f} to {high:,.{decimals}f})".replace(
                    ".0% CI", "% CI"
                )
        labels.append(label)
    return labels
