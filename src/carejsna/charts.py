"""The house chart style: pure functions from protected figures to a Plotly figure.

Each chart is written as Plotly's own JSON (a dict of traces and layout) and wrapped in a
figure without Plotly's property-by-property checking, which costs more than the rest of a
page's rerun; tests/test_charts.py checks every kind of chart against Plotly's schema instead.
"""

from __future__ import annotations

import textwrap
from functools import partial

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from carejsna import stats
from carejsna.catalogue import Indicator
from carejsna.disclosure import FOOTNOTES, SUPPRESSED
from carejsna.indicators import DECIMALS, release_name

# The Analysis Function's categorical palette (dark blue, turquoise, dark pink, orange).
PALETTE = ("#12436D", "#28A197", "#801650", "#F46A25")
COMPARATOR = "#6B6B6B"
ENGLAND = "#3D3D3D"
# Compared with the comparator: a text label always, beside the colour (_comparison_colours).
COMPARISON_COLOURS = ("better", "worse", "higher", "lower", "similar")
SYMBOLS = ("circle", "square", "triangle-up", "x", "star", "hexagon")  # told apart without colour
# Each age band over time: five bands and Unknown, a colour each (the Analysis Function's six
# categorical colours; no England line is drawn beside the bands, so its grey is free).
BAND_PALETTE = (*PALETTE, "#A285D1", "#3D3D3D")
FONT = dict(family="Arial, Helvetica, sans-serif", size=14, color="#0B0C0C")
# Streamlit's chart theme greys tick labels and axis titles to #808495, 3.7:1 on white (WCAG AA
# asks 4.5:1); this grey, also the notes', is 7:1.
GREY = "#505A5F"
# Plotly does not wrap text, and cuts what goes beyond a chart's edges: the notes below a chart
# are broken into lines a chart this many pixels wide holds (the pages keep every chart at least
# so wide, ui.STYLE), from where they start (_figure): a phone 360 px wide (less the page's
# margins) holds a chart whole, its axes, key, names, values and notes in view.
NOTES_WIDTH = 320
NOTE_PIXELS, LABEL_PIXELS = 5.5, 7.2  # a character's width, about: the notes', a label's (Arial)
AXIS_WIDTH = 70  # pixels, about, left of a plot with numbers on its vertical axis and a title
VALUES_WIDTH = 60  # pixels right of the bars for the value written beyond the longest's whisker
# Bars' key, from the chart's left edge at its top, not from the plot's (right of the bars'
# names): on a phone it is seen whole, above the names, without a swipe.
KEY_LEFT = dict(orientation="h", xref="container", yref="container", x=0.01, y=1, yanchor="top")


def config(filename: str) -> dict:
    """Plotly's mode bar with one button, the one a report's author needs: the chart as a PNG at
    three times screen size (sharp in print), named for what it shows."""
    return {
        "responsive": True,
        "displaylogo": False,
        "modeBarButtons": [["toImage"]],
        "toImageButtonOptions": {"format": "png", "scale": 3, "filename": filename},
    }


def _figure(
    traces: list[dict],
    layout: dict,
    source_note: str,
    notes: list[str],
    beside: int = 0,
    right: int = 10,
) -> go.Figure:
    """The house layout around the traces, the notes and source wrapped below the plot.
    `beside`: pixels, about, kept left of the plot for its vertical axis's names (bars'), the
    notes starting under them; without, the notes start where the plot does, right of its
    axis's numbers. `right`: pixels beside the plot (for values written beyond the bars)."""
    notes = [*notes, source_note.replace("`", "")]
    start = beside // 10 if beside else AXIS_WIDTH  # 10 px in, and a tenth for the estimate
    characters = max(30, int((NOTES_WIDTH - 10 - start) / NOTE_PIXELS))
    lines = [line for note in notes for line in textwrap.wrap(note, characters)]
    title = layout.get("xaxis", {}).get("title", {}).get("text") or ""
    below = 15 * title.count("<br>")  # pixels: the axis title's lines beyond one
    # and the key's (a long category's, on lines of its own: on a phone its entries stack)
    keyed = 19 * sum(str(trace.get("name") or "").count("<br>") for trace in traces)
    footer = dict(
        text="<br>".join(lines), xref="paper", yref="paper", x=0, y=0, yshift=-70 - below,
        xshift=-max(beside - 10, 0),
        showarrow=False, align="left", xanchor="left", yanchor="top",
        font=dict(size=11, color=GREY),
    )  # fmt: skip
    layout = {
        "font": FONT,
        "plot_bgcolor": "white",
        "paper_bgcolor": "white",
        "margin": dict(l=max(10, beside), r=right, t=40, b=82 + below + 15 * len(lines)),
        "legend": dict(orientation="h", yanchor="bottom", y=1.02, x=0),
        "hoverlabel": dict(font=FONT, bgcolor="white"),
        # A chart is read, never zoomed (its axes are fixed: _axis): a drag on a touch screen
        # scrolls the chart or the page, and a tap shows the tooltip, as a pointer's hover does.
        "dragmode": False,
        "annotations": [footer],
        **layout,
        # Streamlit's 450 pixels (or the chart's own), taller by the lines of notes beyond
        # four, and the axis title's and key's beyond one: many notes (every withheld year
        # named) or a long key must not squash the plot itself.
        "height": layout.get("height", 450) + below + keyed + 15 * max(len(lines) - 4, 0),
    }
    return go.Figure({"data": traces, "layout": layout}, _validate=False)


def _axis(title: str | None = None, **more) -> dict:
    """An axis in the house style: grey (7:1) tick labels and title; fixed (no zoom)."""
    return dict(
        tickfont=dict(color=GREY), title=dict(text=title, font=dict(color=GREY)),
        fixedrange=True, **more,
    )  # fmt: skip


HOVER = "%{customdata}<extra></extra>"  # a trace's tooltips: its customdata, each _tip's
TIP_CHARACTERS = 48  # a tooltip's longest line, about: on a phone a longer one runs off screen


def _tip(heading: str, indicator: Indicator, label: str, after: str = "") -> str:
    """A tooltip's text in short lines: what and when (wrapped), the figure with its unit, what
    the label adds in brackets (its interval, say) on a line of its own, then `after` (wrapped)."""
    figure = f"{indicator.unit_label}: " + label.replace(" (", "<br>(", 1)
    wrapped = partial(textwrap.wrap, width=TIP_CHARACTERS)
    return "<br>".join([*wrapped(heading), figure, *wrapped(after)])


def _list(values) -> list:
    """Numbers as JSON has them: a gap (None) where a figure is withheld or missing."""
    values = np.asarray(values, dtype=float)
    return [None if np.isnan(v) else float(v) for v in values]


def trend(
    figures: pd.DataFrame,
    indicator: Indicator,
    source_note: str,
    level: float = 0.95,
    published: pd.DataFrame | None = None,
    published_name: str = "England",
    by_band: bool = False,
) -> go.Figure:
    """A line per area (or, for a distribution, per one of its four largest categories; or
    `by_band`, per age band, all ages last) over the years; suppressed years are gaps, never
    numbers."""
    traces, notes = [], []
    series, palette = ("age_band", BAND_PALETTE) if by_band else ("area_name", PALETTE)
    if "category" in figures:
        series = "category"
        largest = figures.groupby("category")["numerator"].sum().nlargest(len(PALETTE)).index
        if figures["category"].nunique() > len(largest):  # some are left out
            notes.append(f"The {len(largest)} largest categories; the table has every one.")
        figures = figures[figures["category"].isin(largest)]
    groups = list(figures.groupby(series, sort=False))
    for i, (area, rows) in enumerate(groups):
        # Areas: the chosen one (or each chosen district), then the whole council, in grey (age
        # bands: all ages).
        comparator = series != "category" and len(groups) > 1 and i == len(groups) - 1
        colour = COMPARATOR if comparator else palette[i % len(palette)]
        years = [int(y) for y in rows["year"]]
        who = f"{rows['area_name'].iloc[0]}, {area.lower()}" if by_band else area
        hover = [
            _tip(f"{who}, year ending 31 March {y}", indicator, label)
            for y, label in zip(years, _safe_labels(rows, indicator, level), strict=True)
        ]
        traces.append(
            dict(
                type="scatter",
                x=years,
                y=_list(rows["value"]),
                name=_short_lines(area, KEY_LINE),  # a long category's key on lines
                mode="lines+markers",
                customdata=hover,
                hovertemplate=HOVER,
                connectgaps=False,
                error_y=_whiskers(rows, level, colour),
                line=dict(
                    color=colour,
                    width=2 if comparator else 3,
                    dash="dash" if comparator else "solid",
                ),
                marker=dict(size=7, symbol="diamond" if comparator else SYMBOLS[i % len(SYMBOLS)]),
            )
        )
        if (rows["symbol"] == SUPPRESSED).any():
            missing = ", ".join(str(y) for y in rows.loc[rows["value"].isna(), "year"])
            notes.append(f"{area}: suppressed in {missing} (c).")
    if any(note.endswith(" (c).") for note in notes):  # the symbol said once, not a line each
        notes.append(f"{FOOTNOTES[SUPPRESSED]}.")
    if published is not None and len(published):
        # Every year of the chart, a gap where nothing was published: never a line across it.
        # The hover names the release (release's text before its first "; ") and says whether
        # the figure was published or derived from published counts (docs/benchmarks.md).
        derived = published.get("derived", pd.Series(False, published.index)).eq(True)
        release = published.get("release", pd.Series("", published.index)).fillna("")
        given = {}
        for y, v, made, note in zip(
            published["year"], _list(published["value"]), derived, release, strict=True
        ):
            if v is None:
                continue
            what = "derived from DfE counts, not published by DfE" if made else "published"
            heading = f"{published_name}, year ending 31 March {int(y)}"
            name = release_name(str(note)).replace("<", "&lt;").replace(">", "&gt;")
            said = (("Counts from: " if made else "Release: ") + name) if name else ""
            value = f"{v:,.{DECIMALS[indicator.unit]}f} ({what})"
            given[int(y)] = (v, _tip(heading, indicator, value, said))
        every = sorted({int(y) for y in figures["year"]} | set(given))
        traces.append(
            dict(
                type="scatter",
                x=every,
                y=[given.get(y, (None, ""))[0] for y in every],
                name=f"{published_name} (published)",
                mode="markers+lines",
                line=dict(color=ENGLAND, width=1.5, dash="dot"),
                marker=dict(size=9, symbol="square-open", color=ENGLAND),
                customdata=[given.get(y, (None, ""))[1] for y in every],
                hovertemplate=HOVER,
                connectgaps=False,
            )
        )
    elif published is not None and indicator.unit != "count":
        notes.append(f"No comparator: no published {published_name} figure for these years.")
    years = [int(y) for y in sorted(figures["year"].unique())]
    y_axis = dict(rangemode="tozero")
    span = _span(figures, published, level)
    if indicator.unit != "count" and span and span[0] > (span[1] - span[0]):
        # Far from zero (80-90%, say), an axis from zero flattens the change: show the span.
        pad = (span[1] - span[0]) * 0.15 or span[1] * 0.05
        y_axis = dict(range=[max(0.0, span[0] - pad), span[1] + pad])
        notes.append("The vertical axis does not start at zero.")
    layout = {
        "xaxis": _axis("Year ending 31 March", tickvals=years, showgrid=False,
                       linecolor="#B1B4B6"),
        "yaxis": _axis(indicator.unit_label, gridcolor="#E5E6E7", automargin=True, **y_axis),
    }  # fmt: skip
    return _figure(traces, layout, source_note, notes)


def _span(figures: pd.DataFrame, published: pd.DataFrame | None, level: float) -> tuple | None:
    """The lowest and highest a trend chart draws: values, their limits and the comparator's."""
    suffix = stats.level_suffix(level)
    values = [figures["value"], figures[f"lower_{suffix}"], figures[f"upper_{suffix}"]]
    if published is not None and len(published):
        values.append(published["value"])
    drawn = pd.concat(values).dropna()
    return (float(drawn.min()), float(drawn.max())) if len(drawn) else None


def bars(
    figures: pd.DataFrame,
    indicator: Indicator,
    by: str,
    source_note: str,
    level: float = 0.95,
    chosen: tuple[str, ...] = (),
) -> go.Figure:
    """Horizontal bars, one per district, age band or category; the whole (the council, all
    ages) on top as the reference, districts below it from highest to lowest. Coloured by the
    comparison, with a legend; `chosen` bars (by name) marked. A suppressed bar is labelled, not
    drawn."""
    whole = by != "category"  # districts and age bands end with the whole, drawn apart
    rows = figures
    if whole:
        parts = figures.iloc[:-1]
        if by == "area_name":
            parts = parts.sort_values("value", ascending=False, na_position="last", kind="stable")
        rows = pd.concat([figures.iloc[-1:], parts])
    rows = rows.iloc[::-1]  # plotly draws the first category at the bottom
    comparison = rows.get("comparison", pd.Series("", rows.index)).tolist()
    comparators = rows.get("comparator", pd.Series("", rows.index)).tolist()
    labels = []
    for name, symbol, c, n in zip(rows[by], rows["symbol"], comparison, comparators, strict=True):
        label = f"{name} (suppressed: c)" if symbol == SUPPRESSED else name
        label = f"{name} ({symbol})" if symbol and symbol != SUPPRESSED else label
        label = f"{label} [{c} vs {n}]" if c in COMPARISON_COLOURS else label
        labels.append(f"▶ {label}" if name in chosen else label)
    values = _safe_labels(rows, indicator)
    described = _safe_labels(rows, indicator, level)
    hover = [_tip(name, indicator, value) for name, value in zip(labels, described, strict=True)]
    labels = [_lines(label) for label in labels]
    colours = _comparison_colours(indicator.polarity)
    classes = [
        "whole" if whole and i == len(rows) - 1 else (c if c in colours else "other")
        for i, c in enumerate(comparison)
    ]
    name_of = {
        c: f"{c.capitalize()} than {stats.in_sentence(n)}"
        for c, n in zip(comparison, comparators, strict=True)
    }
    name_of.update(
        similar=f"Similar to {stats.in_sentence(next((n for n in comparators if n), ''))}"
    )
    name_of.update(whole=str(rows[by].iloc[-1]) if whole else "", other="Not compared")
    traces = []
    for cls in dict.fromkeys(reversed(classes)):  # the legend in the order read, top down
        at = [i for i, c in enumerate(classes) if c == cls]
        part = rows.iloc[at]
        traces.append(
            dict(
                type="bar",
                x=_list(part["value"]),
                y=[labels[i] for i in at],
                orientation="h",
                name=name_of[cls] or "Not compared",
                showlegend=bool(part["value"].notna().any()),  # no key for bars not drawn
                marker=dict(
                    color=PALETTE[1] if cls == "whole" else colours.get(cls, "#FFFFFF"),
                    # not compared: hatched, apart from every comparison's colour
                    pattern=dict(shape="/" if cls == "other" else "", fgcolor=PALETTE[0]),
                    line=dict(
                        color="#0B0C0C",
                        width=[2.5 if part[by].iloc[j] in chosen else 0 for j in range(len(at))],
                    ),
                ),
                customdata=[hover[i] for i in at],
                hovertemplate=HOVER,
                error_x=_whiskers(part, level, "#0B0C0C"),
            )
        )
    # Each value written just beyond its upper whisker, where the whisker cannot cross it.
    upper = rows[f"upper_{stats.level_suffix(level)}"].fillna(rows["value"])
    traces.append(
        dict(
            type="scatter",
            x=_list(upper),
            y=labels,
            mode="text",
            text=[
                f" {v}" if pd.notna(x) else "" for x, v in zip(rows["value"], values, strict=True)
            ],
            textposition="middle right",
            textfont=dict(color="#0B0C0C"),
            hoverinfo="skip",
            cliponaxis=False,
            showlegend=False,
        )
    )
    # each a sentence: printed, the notes run on in one paragraph (export.decorated)
    notes = [f"{FOOTNOTES[s]}." for s in sorted(set(rows["symbol"]) - {""})]
    if any(name in chosen for name in rows[by]):
        notes.append(f"▶ marks the chosen {'age band' if by == 'age_band' else 'district'}.")
    layout = {
        "xaxis": _axis(
            _short_lines(indicator.unit_label, TITLE_LINE), rangemode="tozero", gridcolor="#E5E6E7"
        ),
        "yaxis": _axis(automargin=True, categoryorder="array", categoryarray=labels),
        "height": max(260, 48 * len(rows) + 150),
        "barmode": "overlay",
        "showlegend": len(traces) > 2,
        "legend": KEY_LEFT,
    }
    return _figure(traces, layout, source_note, notes, label_width(labels), VALUES_WIDTH)


def label_width(labels: list[str]) -> int:
    """Pixels, about, a vertical axis's labels take: its longest line's, and the gap to the
    plot."""
    lines = [line for label in labels for line in label.split("<br>")]
    return int(LABEL_PIXELS * max(map(len, lines), default=0)) + 10


LABEL_LINE = 28  # characters: a bar's name on lines of at most this many, about
TITLE_LINE = 16  # characters: the bars' axis title, centred under a phone's narrow plot
KEY_LINE = 36  # characters: a key's entry on lines of at most this many, whole on a phone


def _short_lines(text: str, characters: int) -> str:
    """Text drawn on lines of at most so many characters (a longer word alone on its own)."""
    return "<br>".join(textwrap.wrap(text, characters))


def one_line(text: str) -> str:
    """A chart's text drawn on lines of its own (<br>: a tooltip, a bar's name, the notes) as
    one line, to read or to wrap again."""
    return text.replace("<br>", " ")


def _lines(label: str) -> str:
    """A bar's label as its axis draws it: what its brackets add ("[higher vs England]") on a
    line of its own, a long name wrapped, so that the names leave the bars room on a phone."""
    name, bracket, rest = label.partition(" [")
    return _short_lines(name, LABEL_LINE) + (f"<br>[{rest}" if bracket else "")


def _comparison_colours(polarity: str) -> dict[str, str]:
    """Better and worse in a colour-blind-safe pair (orange for worse); for an indicator with no
    better or worse (a rate of children in care), higher and lower in two blues: no warning."""
    if polarity == "no_judgement":
        return {"higher": "#12436D", "lower": "#5694CA", "similar": "#A0A4A8"}
    return {"better": "#12436D", "similar": "#A0A4A8", "worse": "#F46A25"}


def _whiskers(rows: pd.DataFrame, level: float, colour: str) -> dict:
    """Confidence limits as whiskers; none where the value is withheld."""
    suffix = stats.level_suffix(level)
    lower, upper = rows[f"lower_{suffix}"], rows[f"upper_{suffix}"]
    return dict(
        type="data",
        symmetric=False,
        array=_list(upper - rows["value"]),
        arrayminus=_list(rows["value"] - lower),
        color=colour,
        thickness=1.2,
        width=4,
    )


def _safe_labels(rows: pd.DataFrame, indicator: Indicator, level: float | None = None) -> list:
    """Hover and bar labels: a protected value's number (with its confidence interval at
    `level`), or its symbol; never a hidden count."""
    decimals = DECIMALS[indicator.unit]
    suffix = None if level is None else stats.level_suffix(level)
    limits = [f"lower_{suffix}", f"upper_{suffix}"] if suffix else []
    columns = [rows[c].tolist() for c in ["symbol", "value", *limits]]  # not every column
    labels = []
    for symbol, value, *interval in zip(*columns, strict=True):
        if symbol or pd.isna(value):
            labels.append(symbol or "x")
            continue
        label = f"{value:,.{decimals}f}"
        if interval:
            low, high = interval
            if pd.notna(low) and pd.notna(high):
                label += f" ({level:.1%} CI {low:,.{decimals}f} to {high:,.{decimals}f})".replace(
                    ".0% CI", "% CI"
                )
        labels.append(label)
    return labels


def placed_away(
    differences: pd.DataFrame,
    names: dict[str, str],
    source_note: str,
    level: float = 0.95,
    where: str = "",
) -> go.Figure:
    """Children placed away from home beside those placed near, one pair of bars per
    percentage (`differences`: indicators.group_differences; `names`: each indicator's name),
    with confidence intervals, each value written beyond its whisker and, in each label, the
    test's verdict: worse or better only where the difference is statistically significant. A
    withheld bar is labelled with its symbol, not drawn. `where`: whose figures, and when
    (its first note: the chart, saved from its toolbar, had named neither)."""
    rows = differences[differences["unit"] == "percent"].iloc[::-1]  # the first on top
    labels = []
    for row in rows.itertuples():
        verdict = row.verdict if row.verdict != stats.NOT_COMPARED else "not tested"
        if row.verdict in COMPARISON_COLOURS and row.verdict != stats.SIMILAR:
            p = "< 0.001" if row.p_value < 0.001 else f"= {row.p_value:.3f}"
            verdict = f"{row.verdict}, p {p}"
        labels.append(_lines(f"{names[row.indicator_id]} [away: {verdict}]"))
    suffix = stats.level_suffix(level)
    traces, text = [], []
    for group, prefix, colour, shift in (("Placed near", "near", PALETTE[1], -0.2),
                                         ("Placed away", "away", PALETTE[0], 0.2)):  # fmt: skip
        part = pd.DataFrame(
            {
                "value": rows[f"{prefix}_value"].to_numpy(float),
                "symbol": rows[f"{prefix}_symbol"].to_numpy(object),
                f"lower_{suffix}": rows[f"{prefix}_lower"].to_numpy(float),
                f"upper_{suffix}": rows[f"{prefix}_upper"].to_numpy(float),
            }
        )
        shown = [
            f"{v:.1f}%" if not s and pd.notna(v) else (s or "x")
            for v, s in zip(part["value"], part["symbol"], strict=True)
        ]
        at = [i + shift for i in range(len(rows))]
        traces.append(
            dict(
                type="bar", x=_list(part["value"]), y=at, width=0.38, orientation="h",
                name=group, marker=dict(color=colour), text=shown, textposition="none",
                customdata=[f"{group}: {s}" for s in shown],
                hovertemplate="%{customdata}<extra>Per cent</extra>",
                error_x=_whiskers(part, level, "#0B0C0C"),
            )
        )  # fmt: skip
        # Each value just beyond its upper whisker (a withheld one's symbol at zero).
        beyond = part[f"upper_{suffix}"].fillna(part["value"]).fillna(0)
        text.append(
            dict(
                type="scatter", x=_list(beyond), y=at, mode="text",
                text=[f" {s}" for s in shown], textposition="middle right",
                textfont=dict(color="#0B0C0C"), hoverinfo="skip", cliponaxis=False,
                showlegend=False,
            )
        )  # fmt: skip
    notes = [where] if where else []
    notes += [
        f"Bars: each group's percentage with its {stats.level_text(level)} confidence interval. "
        "The verdict is for children placed away against those placed near: better or worse only "
        "where the difference is statistically significant (two-proportion z test, or Fisher's "
        "exact test for small counts); similar where it is not.",
    ]
    others = differences.loc[differences["unit"] != "percent", "indicator_id"]
    if len(others):  # an average's scale is not a percentage's: in the table, not drawn here
        left = " and ".join(names[i][0].lower() + names[i][1:] for i in others)
        notes.append(f"Not drawn here, as it is not a percentage: {left} (in the table below).")
    symbols = set(rows["away_symbol"]) | set(rows["near_symbol"])
    notes += [f"{FOOTNOTES[s]}." for s in sorted(symbols) if s in FOOTNOTES]
    layout = {
        "xaxis": _axis("Per cent", range=[0, 115], gridcolor="#E5E6E7"),
        "yaxis": _axis(
            automargin=True,
            tickvals=list(range(len(rows))),
            ticktext=labels,
            range=[-0.6, len(rows) - 0.4],
            zeroline=False,
        ),  # fmt: skip
        "height": max(300, 60 * len(rows) + 170),
        "legend": dict(KEY_LEFT, traceorder="reversed"),
    }
    return _figure(traces + text, layout, source_note, notes, label_width(labels), VALUES_WIDTH)
