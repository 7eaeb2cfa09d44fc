"""The chapter pack (carejsna chapter): the document, charts, tables and zip, read back."""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import replace

import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn

from carejsna import block, catalogue, chapter, db, export
from carejsna import indicators as ind
from carejsna.cli import main

IDS = ("cla_at_31_march", "cla_rate_per_10k")
CONFIG = chapter.Config(themes=("children_in_care",), indicators=IDS)


@pytest.fixture(scope="module")
def pack(fixture_data, tmp_path_factory):
    out = tmp_path_factory.mktemp("pack")
    config = tmp_path_factory.mktemp("config") / "chapter.toml"
    config.write_text(CONFIG.write())
    assert main(["chapter", "--config", str(config), "--data", str(fixture_data),
                 "--out", str(out)]) == 0  # fmt: skip
    return out


def paragraphs(doc):
    return [(p.style.name, p.text) for p in doc.paragraphs]


def test_the_toml_says_the_selection_back():
    assert chapter.Config.read(CONFIG.write()) == CONFIG
    with pytest.raises(ValueError, match="unknown setting"):
        chapter.Config.read("[chapter]\nareas = 'x'\n")


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('themes = ["nope"]', "my.toml: every setting goes under [chapter]; found themes"),
        ('[chapters]\nthemes = ["x"]', "my.toml: every setting goes under [chapter]; found"),
        ("[chapter]\nthemes = 5", 'my.toml: themes is a list of names in quotes, e.g. ["a",'),
        ('[chapter]\nthemes = "placement_stability"', "my.toml: themes is a list of names"),
        ('[chapter]\ndistricts = "E07000174"', "my.toml: districts is a list of names in quotes"),
        ("[chapter]\nrounded = 1", "my.toml: rounded is true or false, not 1"),
        ('[chapter]\nyear_from = "2020"', "my.toml: year_from is a year, not '2020'"),
        ("[chapter]\nlevel = true", "my.toml: level is 95 or 99.8, not True"),
        ("chapter = 5", "my.toml: every setting goes under [chapter]; found chapter"),
        ("[chapter]\nthemes = [", "my.toml: not TOML: "),
        ("[chapter]\nthemes = []", "my.toml: themes is empty: name one or more of"),
        ('[chapter]\nthemes = ["health", "health"]', "my.toml: themes gives 'health' more than"),
        ('[chapter]\ndistricts = ["E07000174", "E07000174"]', "my.toml: districts gives 'E07"),
        ('[chapter]\nage_bands = ["Under 1", "Under 1"]', "my.toml: age_bands gives 'Under 1'"),
        (
            '[chapter]\nthemes = ["health"]\nindicators = ["cla_at_31_march"]',
            "my.toml: indicator 'cla_at_31_march' is in the theme 'children_in_care', not among",
        ),  # an empty pack, built without a word, before
    ],
)
def test_a_toml_setting_of_the_wrong_kind_is_named(text, said):
    with pytest.raises(ValueError) as refused:
        chapter.Config.read(text, "my.toml")
    assert str(refused.value).startswith(said), str(refused.value)


def test_each_district_s_age_bands_and_distributions_are_the_councils(fixture_data, tmp_path):
    """Each district side by side, a view that adds the districts together (by age band, a
    distribution) had added all of them: the council less Other and Unknown, withheld wherever
    those are few: on the demo, 53 of the 75 such tables showed no figure at all (every one c
    or x). They are the council's now, as on the page with no district chosen (2 of 75)."""
    config = tmp_path / "chapter.toml"
    config.write_text(
        chapter.Config(
            indicators=("cla_at_31_march", "cla_by_sex"), themes=("children_in_care",),
            each_district=True, forecast=False, bands_over_time=True,
        ).write()
    )  # fmt: skip
    out = tmp_path / "pack"
    assert main(["chapter", "--config", str(config), "--data", str(fixture_data),
                 "--out", str(out)]) == 0  # fmt: skip
    context = ind.Context.load(db.published(fixture_data), fixture_data)
    names = {}
    for path in sorted((out / "tables").glob("*.csv")):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        names[path.stem.split("_", 1)[1]] = set(frame["area_name"])
    own = {context.district_names[c] for c in context.own_districts}
    assert names["cla_at_31_march_trend"] >= own  # side by side, beside the council
    assert names["cla_at_31_march_district"] > own
    for view in ("cla_at_31_march_age_band", "cla_at_31_march_age_bands", "cla_by_sex_category",
                 "cla_by_sex_trend"):  # fmt: skip
        assert names[view] == {context.council_name}, view
    text = " ".join(p.text for p in Document(out / "chapter.docx").paragraphs)
    assert "added together" not in text


def test_each_district_draws_every_district_beside_the_council(fixture_data):
    config = chapter.Config(indicators=("cla_rate_per_10k",), each_district=True)
    assert chapter.Config.read(config.write()) == config
    with pytest.raises(ValueError, match="each_district"):
        chapter.Config.read("[chapter]\neach_district = true\ncombined = true\n")
    con = db.published(fixture_data)
    context = ind.Context.load(con, fixture_data)
    selection = config.selection(context)
    assert selection.districts == tuple(context.own_districts) and not selection.combined
    mine = chapter.Config.read("[chapter]\nyear_from = 1990\ndistricts = ['E0']\n", "my.toml")
    with pytest.raises(ValueError, match="^my.toml: years are "):  # the file's own name
        mine.selection(context)
    with pytest.raises(ValueError, match=r"^my.toml: district 'E0': not one of .*\(Mansfield\)"):
        replace(mine, year_from=None).selection(context)
    named = replace(mine, year_from=None, districts=("Mansfield", "e07000170"))
    assert named.selection(context).districts == ("E07000174", "E07000170")  # name or code
    twice = replace(named, districts=("Mansfield", "E07000174"))
    assert twice.selection(context).districts == ("E07000174",)  # not "Mansfield and Mansfield"
    trend = ind.figures(con, catalogue.get("cla_rate_per_10k"), selection, "trend", context)
    council = context.council_code or "council"
    assert set(trend["area_code"]) == {*context.own_districts, council}


def test_headings_follow_the_selection(pack):
    doc = Document(pack / "chapter.docx")
    ones = [t for s, t in paragraphs(doc) if s == "Heading 1"]
    twos = [t for s, t in paragraphs(doc) if s == "Heading 2"]
    assert ones == ["Summary", "Children in care", "Looking ahead", "Appendix: methods"]
    titles = [catalogue.get(i).title for i in IDS]
    assert [t for t in twos if t in titles] == titles
    texts = " ".join(t for _, t in paragraphs(doc))
    assert "SYNTHETIC DEMO DATA" in texts and "Testshire" in texts
    said = "Area: Testshire. Ages: all ages. Period: years ending 31 March"
    assert said in texts  # the selection, on the front page and in README.txt
    assert said in (pack / "README.txt").read_text().splitlines()[1]
    # the summary's and the scorecard's tables say whose figures they are, and of which year
    # (the scorecard's had given the chapter's years for its latest)
    captions = [t for s, t in paragraphs(doc) if s == "Caption"]
    assert any(c.startswith("Testshire, all ages: each measure's latest year (year ending "
                            "31 March 2024)") for c in captions), captions  # fmt: skip


def test_every_picture_has_alt_text(pack):
    doc = Document(pack / "chapter.docx")
    assert len(doc.inline_shapes) >= 2
    for shape in doc.inline_shapes:
        properties = shape._inline.docPr
        assert properties.get("descr") and properties.get("title")
        assert "Synthetic demo data" in properties.get("descr")


def test_every_table_has_a_repeating_header_row(pack):
    doc = Document(pack / "chapter.docx")
    for table in doc.tables:
        header = table.rows[0]._tr.trPr
        assert header is not None and header.find(qn("w:tblHeader")) is not None


def test_tables_are_the_command_lines_figures(pack, fixture_data, capsys):
    assert main(["indicator", "cla_rate_per_10k", "--data", str(fixture_data),
                 "--year", "2024"]) == 0  # fmt: skip
    cli = pd.read_csv(io.StringIO(capsys.readouterr().out), dtype=str, keep_default_na=False)
    (path,) = pack.glob("tables/*_cla_rate_per_10k_district.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    columns = ["area_code", "year", "value", "lower_95", "upper_95", "numerator", "denominator"]
    assert table[columns].values.tolist() == cli[columns].values.tolist()
    # and the document's table shows the same values as the CSV
    doc = Document(pack / "chapter.docx")
    shown = [
        [c.text for c in row.cells]
        for t in doc.tables
        for row in t.rows[1:]
        if t.rows[0].cells[0].text == "Area"
    ]
    for row in table.itertuples():
        assert any(r[0] == row.area_name and r[3] == row.value for r in shown)


def test_every_number_in_a_paragraph_is_in_its_tables(pack):
    doc = Document(pack / "chapter.docx")
    body = doc.element.body
    section, said, cells = None, {}, {}
    for child in body.iterchildren():
        if child.tag == qn("w:p"):
            style = child.find(qn("w:pPr"))
            name = ""
            if style is not None and style.find(qn("w:pStyle")) is not None:
                name = style.find(qn("w:pStyle")).get(qn("w:val"))
            text = "".join(t.text or "" for t in child.iter(qn("w:t")))
            if name in ("Heading1", "Heading2"):
                section = text if name == "Heading2" else None
            elif section and not name and section not in said:
                said[section] = text  # the first plain paragraph: written from the data
        elif child.tag == qn("w:tbl") and section:
            cells.setdefault(section, set()).update(
                "".join(t.text or "" for t in cell.iter(qn("w:t")))
                for cell in child.iter(qn("w:tc"))
            )
    titles = {catalogue.get(i).title for i in IDS}
    said = {k: v for k, v in said.items() if k in titles}
    assert set(said) == titles
    for section, text in said.items():
        numbers = re.findall(r"\d[\d,]*(?:\.\d+)?", text.replace(section, ""))
        words = " ".join(cells[section])
        for number in numbers:
            assert number in words, (section, number, text)
        assert (
            "significant"
            not in text.replace("not a statistically significant", "").replace(
                "no statistically significant", ""
            )
            or "(a statistically significant change)" in text
            or "statistically significant." in text
        )


def test_a_suppressed_figure_is_c_everywhere(pack):
    # Testshire has 3 children in care at 31 March 2024: withheld, never shown.
    (path,) = pack.glob("tables/*_cla_at_31_march_trend.csv")
    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    row = table[(table["area_name"] == "Testshire") & (table["year"] == "2024")]
    assert row["value"].tolist() == ["c"] and row["numerator"].tolist() == ["c"]
    doc = Document(pack / "chapter.docx")
    texts = [t for _, t in paragraphs(doc)]
    assert any(t.startswith("c = suppressed") for t in texts)
    first = next(t for _, t in paragraphs(doc) if "Testshire in 2024" in t)
    assert "withheld" in first and "(c)" in first and " 3 " not in first
    for svg in pack.glob("charts/*cla_at_31_march_trend.svg"):
        text = " ".join(re.findall(r">([^<>]+)<", svg.read_text()))
        assert "suppressed in 2024" in text


def test_png_and_svg(pack):
    pngs = sorted(pack.glob("charts/*.png"))
    assert pngs
    width, height, dpi = export.png_size(pngs[0].read_bytes())
    assert width == 1890 and height > 900 and round(dpi) == 300
    svg = sorted(pack.glob("charts/*.svg"))[0].read_text()
    assert "<title>" in svg and "Source:" in svg and "SYNTHETIC DEMO DATA" in svg


def test_the_zip_lists_every_file_it_holds(pack):
    with zipfile.ZipFile(pack / "chapter_pack.zip") as zipped:
        names = set(zipped.namelist())
        readme = zipped.read("README.txt").decode()
    listed = {line.split("\t")[0] for line in readme.split("Files:\n")[1].splitlines() if line}
    assert listed == names
    assert {"chapter.docx", "chapter.toml", "README.txt"} <= names
    assert any(n.startswith("charts/") for n in names) and any(
        n.startswith("tables/") for n in names
    )


def test_without_a_browser_the_tables_still_build(fixture_data, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    config = chapter.Config(themes=("children_in_care",), indicators=IDS[:1])
    pack, warnings = chapter.build(config, fixture_data, tmp_path / "out")
    assert warnings and "no chromium browser was found" in warnings[0]
    assert list((tmp_path / "out" / "tables").glob("*.csv"))
    assert not list((tmp_path / "out" / "charts").glob("*"))
    doc = Document(tmp_path / "out" / "chapter.docx")
    assert not doc.inline_shapes
    assert any("no chromium browser" in p.text for p in doc.paragraphs)
    with zipfile.ZipFile(pack) as zipped:
        assert "no chromium browser" in zipped.read("README.txt").decode()


def test_a_pack_replaces_the_last_whole_and_nothing_else(fixture_data, tmp_path, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))  # tables alone
    out, toml = tmp_path / "out", tmp_path / "chapter.toml"

    def made(ids, out=out) -> int:
        toml.write_text(chapter.Config(themes=("children_in_care",), indicators=ids).write())
        return main(["chapter", "--config", str(toml), "--data", str(fixture_data),
                     "--out", str(out)])  # fmt: skip

    assert made(IDS[:1]) == 0
    assert out.stat().st_mode & 0o777 == 0o755  # for colleagues to open
    assert made(IDS[1:]) == 0  # a second pack, another selection: none of the first's tables
    tables = [p.name for p in (out / "tables").iterdir()]
    assert "01_cla_rate_per_10k_trend.csv" in tables
    assert not [name for name in tables if IDS[0] in name], tables
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    toml.write_text('[chapter]\nage_bands = ["10-15"]\n')  # refused: the last pack kept
    assert main(["chapter", "--config", str(toml), "--data", str(fixture_data),
                 "--out", str(out)]) == 2  # fmt: skip
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    mine = tmp_path / "mine"  # a folder of the reader's own: refused, kept
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    assert made(IDS, mine) == 2
    assert [p.name for p in mine.iterdir()] == ["notes.txt"]
    assert made(IDS, fixture_data / "pack") == 2  # inside the extracts: the next build refuses
    assert not (fixture_data / "pack").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chapter.toml", "mine", "out"]


def test_a_trend_charts_alt_text_names_the_highest_and_lowest_district(fixture_data):
    # The fixture's figures are all withheld (c): give its districts values to rank.
    con = db.published(fixture_data)
    context = ind.Context.load(con, fixture_data)
    selection = CONFIG.selection(context)
    item = catalogue.get("cla_rate_per_10k")
    frames = ind.all_figures(con, item, selection, context, ("trend", "district"))
    districts = frames["district"].assign(symbol="")
    districts["value"] = [float(10 + i) for i in range(len(districts))]
    own = context.districts.loc[context.districts["is_council_district"], "district_code"]
    ranked = districts[districts["area_code"].isin(own)].sort_values("value")
    high, low = ranked.iloc[-1], ranked.iloc[0]
    alt = block.alt_text(item, frames["trend"], selection, "trend", context, districts)
    assert (
        f"Highest district in {selection.year_to}: {high['area_name']} ({high['value']:.1f}); "
        f"lowest: {low['area_name']} ({low['value']:.1f}), of the {len(ranked)} districts." in alt
    )
    # the same words as the district chart's, and none without the district view
    shown = block.alt_text(item, districts, selection, "district", context)
    assert f"Highest district: {high['area_name']} ({high['value']:.1f}); " in shown
    assert "Highest" not in block.alt_text(item, frames["trend"], selection, "trend", context)


def test_captions_are_numbered_by_word_fields(pack):
    doc = Document(pack / "chapter.docx")
    captions = [p for p in doc.paragraphs if re.match(r"(Figure|Table) \d+: ", p.text)]
    assert captions and any(p.text.startswith("Table") for p in captions)
    for p in captions:
        kind, n = re.match(r"(\w+) (\d+):", p.text).groups()
        (instruction,) = [e.text for e in p._p.iter(qn("w:instrText"))]
        assert instruction.split() == ["SEQ", kind, "\\r", n, "\\*", "ARABIC"]
        kinds = [e.get(qn("w:fldCharType")) for e in p._p.iter(qn("w:fldChar"))]
        assert kinds == ["begin", "separate", "end"]
    # Figures and tables each numbered 1, 2, 3... with no gap: a view without a chart (every
    # figure withheld, as in the fixture's tiny council) takes no figure number.
    for kind in ("Figure", "Table"):
        numbers = [int(re.match(rf"{kind} (\d+):", p.text).group(1)) for p in captions
                   if p.text.startswith(kind)]  # fmt: skip
        assert numbers == list(range(1, len(numbers) + 1)), kind
    tables = sum(p.text.startswith("Table") for p in captions)
    assert 0 < sum(p.text.startswith("Figure") for p in captions) < tables  # some have none


def test_the_forecast_looks_ahead_with_its_table_and_chart(pack):
    doc = Document(pack / "chapter.docx")
    texts = [t for _, t in paragraphs(doc)]
    at = texts.index("Children in care: forecast")
    assert texts[at + 1].startswith("Testshire, all ages, all placements: ")
    (table,) = pack.glob("tables/*_forecast_children_in_care.csv")
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    assert list(frame.columns[:3]) == ["Figure", "31 March", "Children"]
    assert frame["source"].str.startswith("SYNTHETIC DEMO DATA").all()
    assert set(frame["Children"]) == {"c"}  # the fixture's few children: every count withheld
    names = zipfile.ZipFile(pack / "chapter_pack.zip").namelist()
    stem = f"charts/{table.stem}"
    assert f"{stem}.png" in names and f"{stem}.svg" in names
    assert "The forecast" in [t for s, t in paragraphs(doc) if s == "Heading 2"]


def _written(item, selection: ind.Selection) -> tuple[dict, dict, str]:
    """On the demo: the item's views for the selection, their blocks, and its paragraph."""
    con = db.connect()
    context = ind.Context.load(con)
    frames = ind.all_figures(con, item, selection, context, ind.views(item))
    blocks = {
        v: block.build(item, frames[v], selection, v, context, frames.get("district"))
        for v in ind.views(item)
    }
    return frames, blocks, chapter.paragraph(item, blocks, frames, context)


@pytest.mark.parametrize("item_id", ["pct_health_assessment", "cla_rate_per_10k"])
def test_a_rate_or_percentage_says_its_unit_wherever_a_paragraph_gives_it(item_id):
    """On the demo: the year before and the highest and lowest district are said with the
    unit, as the latest value is ("That is up from 7.2% in 2023", "Mansfield (10.8%)")."""
    item = catalogue.get(item_id)
    frames, _, text = _written(item, ind.Selection(2015, 2024, level=0.95))
    unit = "%" if item.unit == "percent" else " per 10,000"
    assert re.search(r"(?:up from|down from|the same as) \d[\d,.]*" + re.escape(unit), text), text
    assert re.search(r"highest was [^(]+\(\d[\d,.]*" + re.escape(unit) + r"\)", text), text


def test_a_distributions_paragraph_and_alt_text_follow_one_category_over_the_years():
    """On the demo: a distribution's paragraph had said its last category's share "down from"
    another category's share of the same year ("0.4% ... down from 15.2% in 2024, a
    statistically significant change"), and its trend chart's alt text gave one unnamed share.
    Now the paragraph follows the largest category, named, to its own share the year before;
    the alt text names each category's latest share."""
    frames, blocks, text = _written(catalogue.get("cla_by_placement_type"),
                                    ind.Selection(2015, 2024, level=0.95))  # fmt: skip
    trend = frames["trend"]
    latest = trend[(trend["year"] == 2024) & (trend["symbol"] == "")]
    largest = latest.nlargest(1, "value").iloc[0]
    before = trend[(trend["year"] == 2023) & (trend["category"] == largest["category"])].iloc[0]
    said = re.search(
        r"2024: (.+) \(the largest group\), ([\d.]+)%.*? from ([\d.]+)% in (\d+)", text
    )
    assert said, text
    assert said[1] == largest["category"] and said[4] == "2023"
    assert float(said[2]) == round(largest["value"], 1)
    assert float(said[3]) == round(before["value"], 1)
    alt = blocks["trend"].alt
    for row in latest.itertuples():
        assert f"{row.category} {row.value:.1f} (confidence interval" in alt, alt


@pytest.mark.parametrize(
    ("item_id", "districts", "bands", "said"),
    [
        ("placed_away_3plus_placements", (), (), r"2024: Placed away, [\d.]+% \("),
        ("cla_by_ethnicity", ("E07000170",), ("Under 1",), r"2024: each group's figure is in"),
    ],
)
def test_a_paragraph_calls_a_group_the_largest_only_where_the_shown_figures_prove_it(
    item_id, districts, bands, said
):
    """A review found "the largest group" said of the placed-away groups (rates, not shares:
    "Location not known (the largest group), 8.5%") and of a 0.0% share where the largest
    was withheld ("Asian or Asian British (the largest group), 0.0%", Ashfield's under 1s)."""
    _, _, text = _written(
        catalogue.get(item_id), ind.Selection(2020, 2024, districts, bands, level=0.95)
    )
    assert re.search(said, text) and "largest" not in text, text


@pytest.mark.parametrize("item_id", ["cla_at_31_march", "pct_placed_outside_council", "mean_sdq"])
def test_districts_side_by_side_are_each_named_with_their_own_latest_figure(item_id):
    """On the demo, each district side by side: the paragraph had given the first district's
    figure alone ("Rate of children in care ..., Ashfield, year ending 31 March 2024: 90.9 per
    10,000 ... It is higher than Nottinghamshire"), as if the chapter were Ashfield's. Now
    every area drawn is named with its own latest figure, as its trend table shows it, withheld
    ones said to be."""
    context = ind.Context.load(db.connect())
    selection = ind.Selection(2015, 2024, tuple(context.own_districts), level=0.95)
    item = catalogue.get(item_id)
    frames, _, text = _written(item, selection)
    trend = frames["trend"]
    latest = trend[trend["year"] == 2024]
    assert set(latest["area_code"]) >= set(context.own_districts)
    lead = text.split(" Recent trend")[0]
    assert lead.count("year ending 31 March 2024") == 1, lead
    shown = 0
    for row in latest.itertuples():
        figures = r"(withheld \(.\)|\d[\d,.]*\d|\d)"
        said = re.search(re.escape(f"{row.area_name} ") + figures, lead)
        figure = block.value_text(item, row._asdict())
        assert said and said[1] == (f"withheld ({row.symbol})" if row.symbol else figure), lead
        shown += not row.symbol
    assert shown >= 2  # the demo shows several districts' figures of each


def test_a_paragraph_ranks_only_the_districts_shown_and_never_a_tie():
    """On the demo, 10 to 15 year olds in 2024: a paragraph had named the highest and lowest of
    "the districts" with 4 of 7 withheld (any of which may be higher or lower), and "the highest
    was Ashfield (0) and the lowest Ashfield (0)" where every district shown was 0."""
    selection = ind.Selection(2015, 2024, ("E07000174", "E07000170"), ("10 to 15",), 0.95)
    frames, _, text = _written(catalogue.get("pct_placed_outside_council"), selection)
    district = frames["district"]
    own = district[~district["area_code"].isin(["OTHER", "UNKNOWN", "E10000024"])]
    withheld = int((own["symbol"] == "c").sum())
    assert withheld, "the case needs districts withheld"
    shown = len(own) - withheld
    assert f"Among the {shown} districts with a figure shown ({withheld} withheld) in 2024" in text
    frames, _, text = _written(catalogue.get("uasc_at_31_march"), selection)
    assert set(frames["district"]["value"].dropna()) == {0}
    assert "highest" not in text, text


def test_a_paragraph_and_the_front_page_name_the_ages_chosen():
    """On the demo, 10 to 15 year olds: a paragraph had read "Children in care at 31 March,
    year ending 31 March 2024: Mansfield 107 ...; Nottinghamshire 450", the council's 450 of
    10 to 15 beside its 1,128 of all ages on every other page, and the front page and
    README.txt named no ages."""
    bands = ("10 to 15",)
    side = ind.Selection(2015, 2024, ("E07000174", "E07000170"), bands, 0.95)
    _, _, text = _written(catalogue.get("cla_at_31_march"), side)
    assert text.startswith("Children in care at 31 March (aged 10 to 15), year ending 31 March"), (
        text
    )
    _, _, text = _written(catalogue.get("cla_at_31_march"), ind.Selection(2015, 2024, (), bands))
    assert text.startswith("Children in care at 31 March, Nottinghamshire (aged 10 to 15), "), text
    _, _, text = _written(catalogue.get("pct_eet_19to21"), ind.Selection(2015, 2024, (), bands))
    assert "aged 10 to 15" not in text  # care leavers keep their own ages
    context = ind.Context.load(db.connect())
    config = chapter.Config(themes=("children_in_care", "care_leavers"), age_bands=bands)
    said = chapter.selected(config, ind.Selection(2015, 2024, (), bands), context)
    assert said == (
        "Area: Nottinghamshire. Ages: 10 to 15 (the care leavers' measures keep their own "
        "ages, 17 to 21). Period: years ending 31 March 2015 to 2024."
    )
    # the placed-away theme's care leavers' measures are of 19 to 21 year olds alone (a review
    # found them said to be 17 to 21 as well)
    placed = replace(config, themes=("placed_away",))
    assert "keep their own ages, 19 to 21)." in chapter.selected(placed, side, context)


def test_a_paragraph_names_whose_recent_trend_it_gives():
    """On the demo, Mansfield and Ashfield added together: "...; Nottinghamshire 3.1% (similar
    to England), up from 2.2% in 2023. ... Recent trend: not tested" had read as the council's
    trend; it is the districts' together, and says so. The council alone is not named."""
    both = ind.Selection(2015, 2024, ("E07000174", "E07000170"), (), 0.95, combined=True)
    _, _, text = _written(catalogue.get("pct_convicted"), both)
    assert "Nottinghamshire 3.1%" in text
    assert "Recent trend: Mansfield and Ashfield not tested (it needs five years" in text, text
    _, _, text = _written(catalogue.get("cla_at_31_march"), both)
    assert "Recent trend (2020 to 2024): Mansfield and Ashfield increasing, statist" in text
    _, _, text = _written(catalogue.get("cla_at_31_march"), ind.Selection(2015, 2024))
    assert "Recent trend (2020 to 2024): increasing, statistically significant." in text


def test_a_paragraph_names_a_region_compared_with_as_the_east_midlands():
    """A board member read "It is similar to East Midlands.": the chapter's sentence now says
    "the East Midlands", as one would say it."""
    selection = ind.Selection(2015, 2024, comparator="E12000004")
    _, _, text = _written(catalogue.get("pct_3plus_placements"), selection)
    assert re.search(r"(similar to|than) the East Midlands\.", text), text
    assert not re.search(r"(to|than) East Midlands", text), text


def test_districts_are_ranked_as_their_figures_are_shown():
    """Districts at 20.96% and 21.04% had been ranked "highest A (21.0%) ... lowest B
    (21.0%)"."""
    context = ind.Context.load(db.connect())
    item = catalogue.get("pct_placed_outside_council")
    a, b, c = context.own_districts[:3]
    names = context.district_names

    def frame(values):
        return pd.DataFrame({"area_code": [a, b, c], "area_name": [names[x] for x in (a, b, c)],
                             "value": values, "symbol": "", "year": 2024})  # fmt: skip

    assert block.extremes(item, frame([21.04, 20.96, None]), context) is None
    found = block.extremes(item, frame([21.04, 20.96, 19.0]), context)
    assert found.end(item, "high", "%") == f"{names[a]} and {names[b]} (21.0%)"
    assert found.end(item, "low", "%") == f"{names[c]} (19.0%)"


def test_the_summary_says_a_measure_does_not_cover_the_ages_chosen(tmp_path, monkeypatch):
    # health assessments of the under 1s: "Not available (x)" had read as the returns' gap
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "no-such-chromium"))
    ids = ("cla_at_31_march", "pct_health_assessment")
    config = chapter.Config(themes=("children_in_care", "health"), indicators=ids,
                            age_bands=("Under 1",))  # fmt: skip
    chapter.build(config, None, tmp_path / "out")  # the demo's data/
    doc = Document(tmp_path / "out" / "chapter.docx")
    rows = {r.cells[0].text: r.cells[2].text for r in doc.tables[0].rows[1:]}
    assert rows[catalogue.get("pct_health_assessment").title] == "Not for these ages (x)"
    assert rows[catalogue.get("cla_at_31_march").title] not in ("Not for these ages (x)", "x")


def test_each_age_band_over_time_is_in_a_pack_only_when_asked_for(pack):
    """By age band over time, a chart and table for every indicator by age band, is a chapter's
    when its selection asks (bands_over_time), as the Chapter builder's box does."""
    assert not list((pack / "tables").glob("*_age_bands.csv"))
    asked = chapter.Config.read(replace(CONFIG, bands_over_time=True).write())
    assert asked.bands_over_time and asked == replace(CONFIG, bands_over_time=True)
    item = catalogue.get("cla_rate_per_10k")
    assert chapter.views_of(item) == ("trend", "district", "age_band")
    assert chapter.views_of(item, True) == ("trend", "district", "age_band", "age_bands")
    with pytest.raises(ValueError, match="bands_over_time is true or false"):
        chapter.Config.read("[chapter]\nbands_over_time = 1\n")
