"""The charts, written as Plotly JSON without Plotly's checks on the page: checked here instead,
every kind against Plotly's schema, and for what a reader sees of withheld figures."""

from __future__ import annotations

import plotly.graph_objects as go
import pytest

from carejsna import block, catalogue, charts, db, disclosure, export
from carejsna import indicators as ind

MANSFIELD = "E07000174"
# A rate, a count, a percentage, an average and a distribution: every kind of chart.
INDICATORS = ("cla_rate_per_10k", "cla_at_31_march", "pct_3plus_placements", "mean_sdq")
INDICATORS += ("cla_by_legal_status",)
BARS_BY = {"district": "area_name", "age_band": "age_band", "category": "category"}


@pytest.fixture(scope="module")
def demo():
    con = db.published()
    return con, ind.Context.load(con)


def drawn(demo, indicator_id: str, districts=(MANSFIELD,)) -> dict[str, go.Figure]:
    con, context = demo
    item = catalogue.get(indicator_id)
    selection = ind.Selection(min(context.years), max(context.years), districts)
    out = {}
    for view, frame in ind.all_figures(con, item, selection, context).items():
        if view == "trend":
            published = context.published(item.id)
            out[view] = charts.trend(frame, item, context.source_note, 0.95, published)
        elif view == "age_bands":
            out[view] = charts.trend(frame, item, context.source_note, by_band=True)
        else:
            out[view] = charts.bars(frame, item, BARS_BY[view], context.source_note)
    return out


@pytest.mark.parametrize("indicator_id", INDICATORS)
def test_every_chart_is_valid_plotly(demo, indicator_id):
    for view, fig in drawn(demo, indicator_id).items():
        spec = fig.to_dict()
        checked = go.Figure(spec)  # Plotly's own checks: raises on any unknown or bad property
        assert checked.to_dict()["data"], (indicator_id, view)
        assert "SYNTHETIC DEMO DATA" in spec["layout"]["annotations"][-1]["text"]


def test_a_long_category_is_keyed_on_short_lines_and_the_chart_grows_to_hold_them(demo):
    """A key's entry is one line per at most KEY_LINE characters, so that on a phone (where the
    entries stack above the plot) it is seen whole: the reasons for a placement change ran past
    the screen's edge. The chart is taller by those lines, the plot not squashed by them."""
    con, context = demo
    item = catalogue.get("placement_moves_by_reason")
    selection = ind.Selection(min(context.years), max(context.years))
    frame = ind.figures(con, item, selection, "trend", context)
    spec = charts.trend(frame, item, context.source_note).to_dict()
    names = [trace["name"] for trace in spec["data"]]
    assert {charts.one_line(name) for name in names} <= set(frame["category"])
    assert max(len(line) for name in names for line in name.split("<br>")) <= charts.KEY_LINE
    extra = sum(name.count("<br>") for name in names)
    assert extra >= 2  # long reasons, on lines of their own
    notes = spec["layout"]["annotations"][0]["text"].count("<br>") + 1
    assert spec["layout"]["height"] == 450 + 19 * extra + 15 * max(notes - 4, 0)


def test_a_withheld_figure_is_a_gap_and_a_symbol_never_a_number(demo):
    con, context = demo
    item = catalogue.get("cla_by_legal_status")
    selection = ind.Selection(min(context.years), max(context.years), (MANSFIELD,))
    frames = ind.all_figures(con, item, selection, context)
    trend = charts.trend(frames["trend"], item, context.source_note).to_dict()
    withheld = frames["trend"][frames["trend"]["symbol"] == "c"]
    assert len(withheld), "the demo has withheld categories in Mansfield"
    for trace in trend["data"]:
        rows = frames["trend"][frames["trend"]["category"] == charts.one_line(trace["name"])]
        for year, y, label in zip(trace["x"], trace["y"], trace["customdata"], strict=True):
            symbol = rows.loc[rows["year"] == year, "symbol"].item()
            assert (y is None) == (symbol == "c")
            if symbol == "c":
                assert label.endswith(": c")
    bars = charts.bars(frames["category"], item, "category", context.source_note).to_dict()
    drawn = [t for t in bars["data"] if t["type"] == "bar"]
    for value, label in [pair for t in drawn for pair in zip(t["x"], t["y"], strict=True)]:
        assert (value is None) == label.endswith("(suppressed: c)")


def test_district_bars_run_highest_to_lowest_under_the_council_with_a_legend(demo):
    con, context = demo
    item = catalogue.get("cla_rate_per_10k")
    selection = ind.Selection(min(context.years), max(context.years), (MANSFIELD,))
    frame = ind.figures(con, item, selection, "district", context)
    spec = charts.bars(frame, item, "area_name", context.source_note, chosen=("Mansfield",))
    spec = spec.to_dict()
    order = spec["layout"]["yaxis"]["categoryarray"][::-1]  # top down, as a reader sees it
    assert order[0].startswith("Nottinghamshire")  # the council first, as the reference
    shown = {label: value for t in spec["data"] if t["type"] == "bar"
             for label, value in zip(t["y"], t["x"], strict=True)}  # fmt: skip
    districts = [shown[label] for label in order[1:] if shown[label] is not None]
    assert districts == sorted(districts, reverse=True)
    assert [label for label in order if label.startswith("▶ ")] == [
        next(label for label in order if "Mansfield" in label)
    ]
    legend = {t["name"] for t in spec["data"] if t["type"] == "bar"}
    assert "Higher than Nottinghamshire" in legend and spec["layout"]["showlegend"]
    colours = {t["marker"]["color"] for t in spec["data"] if t["type"] == "bar"}
    assert "#F46A25" not in colours  # a rate in care is neither better nor worse when higher
    looks = [(t["marker"]["color"], t["marker"].get("pattern", {}).get("shape", ""))
             for t in spec["data"] if t["type"] == "bar"]  # fmt: skip
    assert len(looks) >= 3 and len(set(looks)) == len(looks)  # each legend entry told apart
    percent = catalogue.get("pct_3plus_placements")  # higher is worse: orange says so
    frame = ind.figures(con, percent, selection, "district", context)
    drawn = charts.bars(frame, percent, "area_name", "").to_dict()["data"]
    names = {t["name"] for t in drawn if t["type"] == "bar"}
    assert names & {"Worse than Nottinghamshire", "Better than Nottinghamshire",
                    "Similar to Nottinghamshire"}  # fmt: skip


def placed_away_chart(demo, districts=()):
    con, context = demo
    items = [i for i in catalogue.catalogue().values() if i.groups_of]
    selection = ind.Selection(min(context.years), max(context.years), districts)
    differences = ind.group_differences(con, items, selection, context)
    names = {i.id: catalogue.get(i.groups_of).short_title for i in items}
    return differences, charts.placed_away(differences, names, context.source_note).to_dict()


@pytest.mark.parametrize("districts", [(), (MANSFIELD,)])
def test_the_placed_away_chart_is_valid_plotly_and_says_each_verdict(demo, districts):
    differences, spec = placed_away_chart(demo, districts)
    assert go.Figure(spec).to_dict()["data"]  # Plotly's own checks
    near, away, near_values, away_values = spec["data"]
    assert (near["name"], away["name"]) == ("Placed near", "Placed away")
    percentages = differences[differences["unit"] == "percent"].iloc[::-1]
    labels = spec["layout"]["yaxis"]["ticktext"]
    assert len(labels) == len(away["y"]) == len(percentages)  # not the SDQ average: no %
    written = [text.strip() for text in away_values["text"]]  # beyond each whisker
    for label, x, text, row in zip(labels, away["x"], written, percentages.itertuples(),
                                   strict=True):  # fmt: skip
        assert (x is None) == bool(row.away_symbol)  # a withheld bar is a gap and its symbol
        assert text == (row.away_symbol or f"{row.away_value:.1f}%")
        said = label.split("[away: ")[1]
        if row.verdict in ("better", "worse"):  # only a significant difference is named so
            assert said.startswith(row.verdict) and row.p_value < 0.05
        else:
            assert said.startswith("similar" if row.verdict == "similar" else "not tested")
    assert "SYNTHETIC DEMO DATA" in spec["layout"]["annotations"][-1]["text"]


def test_a_chart_says_only_what_it_shows(demo):
    """No legend key for bars not drawn, no 'largest categories' note where every one is drawn,
    a chart's notes below its plot do not squash it, and the placed away chart names the
    measure it leaves to the table."""
    con, context = demo
    item = catalogue.get("pct_3plus_placements")
    selection = ind.Selection(2015, 2024)
    frame = ind.figures(con, item, selection, "district", context)  # Rushcliffe's is c
    bars = [t for t in charts.bars(frame, item, "area_name", "").to_dict()["data"]
            if t["type"] == "bar"]  # fmt: skip
    assert any(all(x is None for x in t["x"]) for t in bars)  # a key with no bar, before
    for trace in bars:
        drawn = any(x is not None for x in trace["x"])
        assert trace.get("showlegend", True) == drawn, trace["name"]
    by_sex = ind.figures(con, catalogue.get("cla_by_sex"), selection, "trend", context)
    notes = charts.trend(by_sex, catalogue.get("cla_by_sex"), "").to_dict()
    assert "largest categories" not in notes["layout"]["annotations"][0]["text"]
    status = ind.figures(con, catalogue.get("cla_by_legal_status"), selection, "trend", context)
    if status["category"].nunique() > len(charts.PALETTE):
        spec = charts.trend(status, catalogue.get("cla_by_legal_status"), "").to_dict()
        assert "largest categories" in spec["layout"]["annotations"][0]["text"]
    many = charts._figure([], {}, "", ["a note " * 30] * 6)
    few = charts._figure([], {}, "", ["a note"])
    plot = [f.layout.height - f.layout.margin.t - f.layout.margin.b for f in (many, few)]
    assert plot[0] == 450 - 40 - (82 + 15 * 4) < plot[1]  # as tall as with four lines of notes
    assert few.layout.height == 450  # 12 lines (squashed to 88 pixels before) against 1
    differences, spec = placed_away_chart(demo)
    averages = differences[differences["unit"] != "percent"]
    assert len(averages)
    assert "Not drawn here, as it is not a percentage: average" in (
        charts.one_line(spec["layout"]["annotations"][0]["text"])
    )


@pytest.mark.parametrize("view", ["trend", "district"])
def test_the_notes_of_a_chart_and_of_its_print_picture_start_inside_it(demo, view):
    """On screen the notes under the bars start at the chart's edge, under the districts' names
    (shifted left of the plot); the print picture places its own from its left edge, not
    shifted again (they began 330 px left of the picture, cut off)."""
    con, context = demo
    item = catalogue.get("cla_rate_per_10k")
    selection = ind.Selection(min(context.years), max(context.years), (MANSFIELD,))
    shown = block.build(item, ind.figures(con, item, selection, view, context), selection, view,
                        context)  # fmt: skip
    for figure, width in (
        (shown.figure, charts.NOTES_WIDTH),
        (export.print_figure(shown, context)[0], export.WIDTH_PX),
    ):
        layout = figure.to_dict()["layout"]
        footer, margin = layout["annotations"][0], layout["margin"]
        assert "SYNTHETIC" in footer["text"]
        plot = width - margin["l"] - margin["r"]
        start = margin["l"] + footer["x"] * plot + footer.get("xshift", 0)
        assert 0 <= start <= margin["l"]  # from the edge, at most where the plot begins


def test_the_print_picture_shows_every_bar_name_whole(demo):
    """The print picture is 16 cm (630 px) wide: a long name ("Newark and Sherwood [similar vs
    Nottinghamshire]", a reason for a placement change) is wrapped onto lines of its own, and
    the margin holds the longest line, so no name is cut at the picture's left edge (they were
    cut at a 300 px margin). The same bars, in the same order, as on screen."""
    con, context = demo
    for item_id, view in (("pct_3plus_placements", "district"), ("placement_moves_by_reason",
                                                                  "category")):  # fmt: skip
        item = catalogue.get(item_id)
        selection = ind.Selection(min(context.years), max(context.years))
        shown = block.build(item, ind.figures(con, item, selection, view, context), selection,
                            view, context)  # fmt: skip
        screen = shown.figure.to_dict()
        printed = export.print_figure(shown, context)[0].to_dict()
        names = printed["layout"]["yaxis"]["categoryarray"]
        drawn = joined(screen["layout"]["yaxis"]["categoryarray"])  # on the screen's lines too
        assert joined(names) == drawn
        assert max(map(len, drawn)) > 40  # long ones
        lines = [line for name in names for line in name.split("<br>")]
        assert max(map(len, lines)) <= export.LABEL_CHARS
        margin = printed["layout"]["margin"]["l"]
        assert charts.label_width(lines) <= margin <= export.WIDTH_PX / 2
        for screen_trace, printed_trace in zip(screen["data"], printed["data"], strict=True):
            assert joined(printed_trace["y"]) == joined(screen_trace["y"])
        # The axis title on short lines on screen (under a phone's narrow plot), on one in print
        title = screen["layout"]["xaxis"]["title"]["text"]
        assert max(map(len, title.split("<br>"))) <= charts.TITLE_LINE  # "Number of<br>..."
        assert charts.one_line(title) == item.unit_label
        assert printed["layout"]["xaxis"]["title"]["text"] == item.unit_label


def test_the_print_pictures_notes_are_sentences(demo):
    """The print picture runs a chart's notes on as one paragraph: each symbol's footnote ends
    with a full stop, so it does not run into the next ("... worked out from the others x = not
    available ...", "... from the others ▶ marks the chosen district.", "... from the others The
    chosen districts added together")."""
    con, context = demo
    for item_id, bands, districts in (
        ("pct_health_assessment", (), (MANSFIELD,)),  # c and x by age band; ▶ by district
        ("cla_by_placement_type", ("Under 1",), (MANSFIELD, "E07000170")),  # c, then the sum
    ):
        item = catalogue.get(item_id)
        selection = ind.Selection(min(context.years), max(context.years), districts, bands)
        said = []
        for view in [v for v in ind.views(item) if v != "trend"]:
            frame = ind.figures(con, item, selection, view, context)
            shown = block.build(item, frame, selection, view, context)
            printed = export.print_figure(shown, context)[0].to_dict()
            text = charts.one_line(printed["layout"]["annotations"][0]["text"])
            said.append(text)
            for note in [disclosure.FOOTNOTES[s] for s in shown.symbols]:
                assert f"{note}." in text, (item_id, view, text)
        assert any("x = not available" in t for t in said) or item.breakdown
        assert any("▶" in t or "added together" in t for t in said)


def test_the_print_picture_keys_each_category_on_one_line(demo):
    """On screen a long category's key is on short lines (a phone stacks the key above the
    plot); the print picture, 16 cm wide with its key in rows above the plot, names each
    category on one line, as its table does, and leaves the key's rows room for those names,
    not for the screen's lines (the gap above the key was a row too deep)."""
    con, context = demo
    item = catalogue.get("placement_moves_by_reason")
    selection = ind.Selection(min(context.years), max(context.years))
    frame = ind.figures(con, item, selection, "trend", context)
    shown = block.build(item, frame, selection, "trend", context)
    screen = shown.figure.to_dict()
    printed, _ = export.print_figure(shown, context)
    printed = printed.to_dict()
    assert any("<br>" in trace["name"] for trace in screen["data"])  # wrapped on screen
    names = [trace["name"] for trace in printed["data"]]
    assert names == joined([trace["name"] for trace in screen["data"]])
    assert not any("<br>" in name for name in names) and set(names) <= set(frame["category"])
    width = export.WIDTH_PX - printed["layout"]["margin"]["l"] - printed["layout"]["margin"]["r"]
    rows = -(-sum(len(name) * 7 + 50 for name in names) // width)
    subtitle = printed["layout"]["title"]["text"].split("<br>", 1)[1].count("<br>") + 1
    assert printed["layout"]["margin"]["t"] == 40 + 17 * subtitle + 26 * rows + 10


def test_a_printed_chart_drawing_englands_line_cites_its_release(demo):
    # England's line was drawn with only the returns cited under it; the subtitle said
    # "compared with Nottinghamshire" though the council's own line is compared with England.
    con, context = demo
    item = catalogue.get("cla_rate_per_10k")
    mansfield = context.districts["district_code"].iloc[0]
    selection = ind.Selection(2015, 2024, districts=(mansfield,))
    frame = ind.figures(con, item, selection, "trend", context)
    shown = block.build(item, frame, selection, "trend", context)
    assert shown.cited.startswith("England's figures: ") and shown.cited in shown.notes
    footer = export.print_figure(shown, context)[0].to_dict()["layout"]["annotations"][0]["text"]
    assert shown.cited[:60] in charts.one_line(footer.replace("<br>", " "))
    assert shown.subtitle.endswith("compared with Nottinghamshire, Nottinghamshire with England"), (
        shown.subtitle
    )


def joined(names: list[str]) -> list[str]:
    """Names drawn on lines of their own (<br>), each as one line."""
    return [charts.one_line(name) for name in names]


@pytest.mark.parametrize("height", [None, 700])
def test_many_notes_do_not_squash_the_plot(height):
    """A chart's own height (bars set theirs by their rows) or Streamlit's grows with its notes
    beyond four lines: the plot keeps its height however many more lines the notes take (bars
    kept their own height, the plot squashed by every withheld year named)."""
    layout = {} if height is None else {"height": height}

    def plot_height(notes: list[str]) -> float:
        spec = charts._figure([], dict(layout), "Source.", notes, beside=200).to_dict()["layout"]
        return spec["height"] - spec["margin"]["t"] - spec["margin"]["b"]

    some = plot_height([f"Note {i}: " + "a year withheld, and why; " * 6 for i in range(3)])
    many = plot_height([f"Note {i}: " + "a year withheld, and why; " * 6 for i in range(12)])
    assert many == some
