"""A JSNA chapter pack from a saved selection: chapter.docx, each chart as PNG and SVG, each table
as CSV, the selection (chapter.toml) and a README, in one zip. A second rendering of the same
protected figures the pages show (block.py), never a second way of computing them."""

from __future__ import annotations

import itertools
import time
import tomllib
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

import pandas as pd
from docx import Document
from docx.enum.text import WD_BREAK
from docx.image.image import Image
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.oxml.shape import CT_Inline
from docx.parts.image import ImagePart
from docx.shared import Cm

from carejsna import block, catalogue, db, disclosure, export, overview, safe, stats
from carejsna import indicators as ind

THEMES = catalogue.THEMES
ZIP_DATE = (2000, 1, 1, 0, 0, 0)  # the same selection and data give the same zip entries


TEXTS = (list, 'a list of names in quotes, e.g. ["a", "b"]')
SETTINGS = {  # each chapter.toml setting's type, and how a message says it
    "title": (str, "text in quotes"), "themes": TEXTS, "indicators": TEXTS, "districts": TEXTS,
    "combined": (bool, "true or false"), "each_district": (bool, "true or false"),
    "age_bands": TEXTS, "year_from": (int, "a year"), "year_to": (int, "a year"),
    "level": ((int, float), "95 or 99.8"), "comparator": (str, "an area code in quotes"),
    "rounded": (bool, "true or false"), "forecast": (bool, "true or false"),
    "bands_over_time": (bool, "true or false"),
}  # fmt: skip


@dataclass(frozen=True)
class Config:
    """The selection a chapter is built from (chapter.toml)."""

    title: str = "Children in care and care leavers"
    themes: tuple[str, ...] = tuple(THEMES)
    indicators: tuple[str, ...] = ()  # empty: every indicator of the themes
    districts: tuple[str, ...] = ()  # empty: the council
    combined: bool = False  # chosen districts added together, not side by side
    each_district: bool = False  # every one of the council's districts, side by side
    age_bands: tuple[str, ...] = ()
    year_from: int | None = None  # None: the data's first or last year
    year_to: int | None = None
    level: float = 95
    comparator: str = ""
    rounded: bool = False
    forecast: bool = True  # children in care forecast (where the data holds record-level extracts)
    bands_over_time: bool = False  # each age band over time too, for every indicator by age band
    # The file it was read from (Config.read's name), for messages: not a setting.
    source: str = field(default="chapter.toml", compare=False, repr=False)

    @classmethod
    def read(cls, text: str, name: str = "chapter.toml") -> Config:
        """The settings under [chapter] in a chapter.toml's text (`name`: the file's, for
        messages). Raises ValueError naming the file and the setting that is wrong."""
        try:
            whole = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{name}: not TOML: {error}") from None
        if set(whole) - {"chapter"} or not isinstance(whole.get("chapter", {}), dict):
            found = ", ".join(sorted(set(whole) - {"chapter"})) or "chapter"
            raise ValueError(f"{name}: every setting goes under [chapter]; found {found}")
        entry = whole.get("chapter", {})
        unknown = set(entry) - set(SETTINGS)
        if unknown:
            raise ValueError(f"{name}: unknown setting {', '.join(sorted(unknown))}")
        for setting, value in entry.items():
            kind, said = SETTINGS[setting]
            good = isinstance(value, kind) and not (kind is not bool and isinstance(value, bool))
            if not good or (kind is list and not all(isinstance(v, str) for v in value)):
                raise ValueError(f"{name}: {setting} is {said}, not {repr(value)[:60]}")
            # A theme twice gave its sections twice; a district, "Mansfield and Mansfield".
            twice = [v for v in dict.fromkeys(value) if value.count(v) > 1] if kind is list else []
            if twice:
                raise ValueError(f"{name}: {setting} gives {twice[0]!r} more than once")
        settings = {k: tuple(v) if isinstance(v, list) else v for k, v in entry.items()}
        config = cls(**settings, source=name)
        if not config.themes:
            raise ValueError(f"{name}: themes is empty: name one or more of {', '.join(THEMES)}")
        for theme in config.themes:
            if theme not in THEMES:
                raise ValueError(f"{name}: no theme {theme!r}: one of {', '.join(THEMES)}")
        for indicator_id in config.indicators:
            theme = catalogue.get(indicator_id).theme
            if theme not in config.themes:  # else left out, and the pack built without it
                raise ValueError(
                    f"{name}: indicator {indicator_id!r} is in the theme {theme!r}, not among "
                    f"themes ({', '.join(config.themes)}): add the theme, or leave it out"
                )
        if config.level not in (95, 99.8):
            raise ValueError(f"{name}: level is 95 or 99.8")
        if config.each_district and (config.districts or config.combined):
            raise ValueError(
                f"{name}: each_district draws every district side by side: leave out "
                "districts and combined"
            )
        return config

    def write(self) -> str:
        def value(v):
            if isinstance(v, bool):
                return "true" if v else "false"
            if isinstance(v, str):
                return '"' + v.replace("\\", "\\\\").replace('"', '\\"') + '"'
            if isinstance(v, tuple):
                return "[" + ", ".join(value(x) for x in v) + "]"
            return f"{v:g}" if isinstance(v, float) else str(v)

        lines = [
            "# A JSNA chapter's selection: carejsna chapter --config chapter.toml",
            "[chapter]",
        ]
        for name in SETTINGS:
            v = getattr(self, name)
            if v is not None:
                lines.append(f"{name} = {value(v)}")
        return "\n".join(lines) + "\n"

    def selection(self, context: ind.Context) -> ind.Selection:
        years = context.years
        first = self.year_from if self.year_from is not None else years[0]
        last = self.year_to if self.year_to is not None else years[-1]
        if first not in years or last not in years or first > last:
            raise ValueError(f"{self.source}: years are {years[0]} to {years[-1]}")
        names = context.district_names
        chosen = [
            ind.district_code(d, names, f"{self.source}: district {d!r}") for d in self.districts
        ]
        for band in self.age_bands:
            if band not in context.age_bands:
                raise ValueError(f"{self.source}: no age band {band!r}")
        if self.comparator and self.comparator not in context.comparators:
            raise ValueError(f"{self.source}: no comparator {self.comparator!r}")
        districts = (
            tuple(context.own_districts) if self.each_district else tuple(dict.fromkeys(chosen))
        )
        return ind.Selection(
            first, last, districts, self.age_bands, self.level / 100, self.rounded,
            self.comparator or next(iter(context.comparators), ""), self.combined,
        )  # fmt: skip

    def items(self) -> list[catalogue.Indicator]:
        """The indicators, theme by theme in a chapter's order."""
        every = catalogue.catalogue().values()
        chosen = set(self.indicators)
        return [
            i
            for theme in self.themes
            for i in every
            if i.theme == theme and (not chosen or i.id in chosen)
        ]


@dataclass
class Ahead:
    """The chapter's forecast of children in care (forecast.py), numbered after the sections:
    `number` its table's (and its files'), `figure` its chart's."""

    number: int
    paragraph: str
    table: pd.DataFrame
    title: str
    subtitle: str
    alt: str  # the chart in words: the paragraph
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, title)
    figure: int = 0

    @property
    def name(self) -> str:
        return f"{self.number:02d}_forecast_children_in_care"


def looking_ahead(config, data, selection, context, number: int, warnings: list[str]):
    """The forecast for the chapter's area and ages, from the record-level extracts (a
    published folder has none: then a warning, and no forecast). Several districts side by side
    are forecast as the council."""
    from carejsna import forecast

    one = selection.combined or len(selection.districts) == 1
    districts = selection.districts if one else ()
    try:
        figure, text, table = forecast.summary_for_chapter(data, districts, selection.age_bands)
    except (FileNotFoundError, ValueError) as error:
        warnings.append(f"The forecast of children in care is left out: {error}")
        return None, None
    area = selection.area(context)[1] if districts else context.council_name
    subtitle = (
        f"{area}, {forecast.ages_text(selection.age_bands)}: the actual number at each 31 March "
        f"and the forecast with its 95% interval"
    )
    alt = text + (" Synthetic demo data." if context.synthetic else "")
    ahead = Ahead(number, text, table, "Children in care: forecast", subtitle, alt)
    return ahead, figure


@dataclass
class Section:
    """One indicator's part of the chapter."""

    item: catalogue.Indicator
    blocks: list[block.Block]
    paragraph: str
    files: list[tuple[str, str]] = field(default_factory=list)  # (path, title)


def paragraph(item, blocks: dict[str, block.Block], frames: dict[str, pd.DataFrame], context):
    """The indicator in words, from its figures: latest value and interval, the year before, the
    recent trend, the comparison, the highest and lowest district. Every number said is in the
    indicator's tables; "significant" only where the test says so. Districts side by side
    (each district, or several chosen) are each named with their own latest figure."""
    said = []
    trend = frames.get("trend")
    selection = blocks[next(iter(blocks))].selection
    if trend is not None and len(trend):
        names = list(dict.fromkeys(trend["area_name"]))
        ages = _ages(item, selection)
        if len(names) == 1:
            said += _one_area(item, trend, selection.level, ages)
        else:
            areas = [trend[trend["area_name"] == n] for n in names]
            said += _side_by_side(item, areas, ages, selection.level)
        said.append(ind.trend_text(trend, item, selection, plain=True))
    found = block.extremes(item, frames.get("district"), context)
    if found:
        unit = overview.UNIT_WORDS[item.unit]
        high, low = (found.end(item, end, unit) for end in ("high", "low"))
        said.append(
            f"Among {found.among()} in {selection.year_to}, the "
            f"{'highest was' if len(found.high) == 1 else 'highest were'} {high} and the "
            f"lowest {low}."
        )
    return " ".join(said)


def _ages(item, selection: ind.Selection) -> str:
    """The ages chosen, where the indicator's figures follow them (" (aged 10 to 15)"), to
    follow the area's name: a paragraph had given the council's 450 children of 10 to 15 as
    "Nottinghamshire 450", beside its 1,128 of all ages on every other page."""
    if selection.age_bands and "age_band" in item.filters:
        return f" ({ind.aged(selection.age_bands)})"
    return ""


def _one_area(item, trend: pd.DataFrame, level: float, ages: str) -> list[str]:
    """One area's latest figure, its interval, its change from the year before and its
    comparison, in sentences (`ages`: those chosen, _ages)."""
    own, called, last, groups_only = _latest(item, trend)
    name, year = last["area_name"], int(last["year"])
    if groups_only:
        return [
            f"{item.title}, {name}{ages}, year ending 31 March {year}: each group's figure is "
            "in the table, some withheld to protect children's privacy (c)."
        ]
    if last["symbol"]:
        why = overview.WITHOUT_VALUE.get(last["symbol"], "is not available")
        of = f"{called}, {name}," if called else name  # "Placed away, Nottinghamshire,"
        return [f"The figure for {of} in {year} {why} ({last['symbol']})."]
    unit = overview.UNIT_WORDS[item.unit]
    said = [
        f"{item.title}, {name}{ages}, year ending 31 March {year}: "
        f"{called + ', ' if called else ''}"
        f"{block.value_text(item, last)}{unit}"
        f"{block._interval(item, last, stats.level_suffix(level))}."
    ]
    change = _change(item, own, level)
    if change:
        words, significant = change
        sig = "" if significant is None else _significance(significant, level)  # None: untested
        said.append(f"That is {words}{sig}.")
    if compared := _compared(last):
        said.append(f"It is {compared}.")
    return said


def _latest(item, trend: pd.DataFrame) -> tuple[pd.DataFrame, str | None, pd.Series, bool]:
    """One area's rows a paragraph follows, by year (_followed), what to call them, the latest
    of them, and whether only its groups can be said (some shown, none followed)."""
    own, called = _followed(item, trend)
    own = own.sort_values("year")
    return own, called, own.iloc[-1], called is None and bool((own["symbol"] == "").any())


def _compared(last) -> str:
    """A figure's comparison in words ("higher than England", "similar to the East
    Midlands"), or "" where it was not compared or has no comparator's figure."""
    judged, against = str(last.get("comparison", "")), str(last.get("comparator", ""))
    if not against or judged not in ("better", "worse", "higher", "lower", stats.SIMILAR):
        return ""
    text = ind.compared_text(judged, against)
    return text[0].lower() + text[1:]


def _change(item, own: pd.DataFrame, level: float) -> tuple[str, bool | None] | None:
    """The latest figure against the year before's (`own`: the rows followed, by year), both
    shown: "up from 89.2 per 10,000 in 2023", and whether the change is statistically
    significant (None: not tested, the same figure)."""
    tile = overview.tile(own, item, level)
    # none: one year, the year before's figure missing or its return, or a symbol beside it
    if tile.previous is None or own.iloc[-2]["symbol"]:
        return None
    before = own.iloc[-2]
    words = {"up": "up from", "down": "down from", "same": "the same as"}
    tested = tile.direction in ("up", "down") and tile.change.p_value >= 0
    return (
        f"{words.get(tile.direction, 'compared with')} {block.value_text(item, before)}"
        f"{overview.UNIT_WORDS[item.unit]} in {int(before['year'])}",
        bool(tile.significant) if tested or tile.significant else None,
    )


def _significance(significant: bool, level: float) -> str:
    """' (a statistically significant change)', or not, with a level other than 95% named."""
    a = "a" if significant else "not a"
    return f" ({a} statistically significant change{stats.at_level(level)})"


SHORT = {"c": "withheld (c)", "x": "not available (x)", "z": "not applicable (z)"}


def _side_by_side(item, areas: list[pd.DataFrame], ages: str, level: float) -> list[str]:
    """Several areas drawn side by side (`areas`: each one's trend rows): each named with its
    latest figure, its change from the year before and its comparison, in one sentence, where
    one area's sentence had stood for them all (the first district's)."""
    unit = overview.UNIT_WORDS[item.unit]
    clauses, tested, significant = [], False, False
    for rows in areas:
        own, called, last, groups_only = _latest(item, rows)
        name = f"{last['area_name']}, {called}," if called else last["area_name"]
        if groups_only:
            clauses.append(f"{last['area_name']}: each group's figure is in the table")
            continue
        if last["symbol"]:
            clauses.append(f"{name} {SHORT.get(last['symbol'], 'not available')}")
            continue
        clause = f"{name} {block.value_text(item, last)}{unit}"
        if compared := _compared(last):
            clause += f" ({compared})"
        change = _change(item, own, level)
        if change:
            words, sig = change
            clause += f", {words}" + (_significance(True, level) if sig else "")
            tested, significant = tested or sig is not None, significant or bool(sig)
        clauses.append(clause)
    year = int(max(rows["year"].max() for rows in areas))
    said = [f"{item.title}{ages}, year ending 31 March {year}: {'; '.join(clauses)}."]
    if tested and not significant:
        said.append(f"No change from {year - 1} is statistically significant.")
    return said


def _followed(item, own: pd.DataFrame) -> tuple[pd.DataFrame, str | None]:
    """The rows of one area's trend a paragraph follows over the years, and what to call them
    before the value: an indicator's own (""); a grouped indicator's first compared group
    ("Placed away"); a distribution's largest category, where the shares shown prove it the
    largest (the withheld ones together are no more): "Foster placements (the largest group)".
    Else (None) the latest year's rows: no one category is followed."""
    if "category" not in own or not own["category"].astype(bool).any():
        return own, ""
    latest = own[own["year"] == own["year"].max()]
    shown = latest[(latest["symbol"] == "") & latest["value"].notna()]
    if item.groups_of:  # placed away and near: a rate or average each, not shares
        group, called = ind.COMPARED_GROUPS[0], ind.COMPARED_GROUPS[0]
    elif item.unit == "percent" and len(shown):
        top = shown.loc[shown["value"].idxmax()]
        proven = top["value"] > 0 and top["value"] >= 100 - shown["value"].sum() - 1e-9
        group, called = top["category"], f"{top['category']} (the largest group)"
        if not proven:
            group = None
    else:
        group = None
    if group is None or group not in set(latest["category"]):
        return latest, None
    return own[own["category"] == group], called


def views_of(item, bands_over_time: bool = False) -> tuple[str, ...]:
    """The views of an indicator a chapter draws: each the page offers, by age band over time
    only when asked (a whole chapter draws 200 charts and tables with it, 169 without, and its
    pack takes about that much longer)."""
    return tuple(v for v in ind.views(item) if bands_over_time or v != "age_bands")


def added_up(item, bands_over_time: bool = False) -> tuple[str, ...]:
    """The views of an indicator that add several districts together: by age band (in the
    latest year and over time), and every view of a distribution."""
    views = views_of(item, bands_over_time)
    return views if item.breakdown else tuple(v for v in views if v in block.BANDED)


PACK = {"chapter.docx", "chapter.toml", "README.txt", "chapter_pack.zip", "charts", "tables"}


def is_previous_pack(folder: Path) -> bool:
    """A folder build() wrote: its zip, and nothing a pack does not hold."""
    return (folder / "chapter_pack.zip").exists() and all(map(in_pack, folder.iterdir()))


def in_pack(path: Path) -> bool:
    """A file or folder a pack holds."""
    return path.name in PACK


def build(
    config: Config,
    data: Path | None,
    out: Path,
    progress: Callable[[float, str], None] = lambda fraction, step: None,
    steps: dict[str, float] | None = None,
) -> tuple[Path, list[str]]:
    """Write the pack into `out` (and `out`/chapter_pack.zip). Returns the zip's path and any
    warnings (no browser: charts left out, tables and CSVs still written). `steps`, if given,
    gets the seconds spent on each step: figures (and tables), images, document (and zip)."""
    steps = steps if steps is not None else {}
    for step in ("figures", "images", "document"):
        steps.setdefault(step, 0.0)
    out = Path(out)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(parents=True, exist_ok=True)
    con = db.published(data)
    context = ind.Context.load(con, data)
    selection = config.selection(context)
    items = config.items()
    warnings: list[str] = []
    try:
        export.browser()
        drawing = True
    except export.NoBrowser as error:
        drawing = False
        warnings.append(str(error))
    progress(0.0, "Reading the figures")
    # Every view has its table, numbered n (its files too); charts are numbered apart, only
    # the views with a chart: a view without one takes no figure number.
    sections, files, n, charted = [], [], 0, 0
    drawing_now: list[tuple[list[tuple[str, block.Block]], Callable]] = []
    for count, item in enumerate(items):
        progress(0.05 + 0.75 * count / max(len(items), 1), f"Figures and charts: {item.title}")
        started = time.perf_counter()
        own = selection if "age_band" in item.filters else replace(selection, age_bands=())
        views = views_of(item, config.bands_over_time)
        # Each district: the views that would add them all together (by age band, a
        # distribution's) are the council's, not the districts' sum less Other and Unknown
        whole = added_up(item, config.bands_over_time) if config.each_district else ()
        chosen = {v: replace(own, districts=()) if v in whole else own for v in views}
        frames = {}
        for these in (tuple(v for v in views if v not in whole), whole):
            if these:
                frames |= ind.all_figures(con, item, chosen[these[0]], context, these)
        districts = frames.get("district")
        blocks = {v: block.build(item, frames[v], chosen[v], v, context, districts) for v in views}
        section = Section(item, list(blocks.values()), paragraph(item, blocks, frames, context))
        charts = []
        for view, shown in blocks.items():
            n += 1
            name = f"{n:02d}_{item.id}_{view}"
            path = f"tables/{name}.csv"
            (out / path).write_bytes(shown.csv.to_csv(index=False).encode())
            section.files.append((path, f"Table {n}: {shown.title}"))
            if shown.figure is not None and drawing:
                charted += 1
                charts.append((name, shown))
                section.files.append((f"charts/{name}.png", f"Figure {charted}: {shown.title}"))
                section.files.append((f"charts/{name}.svg", f"Figure {charted}: {shown.title}"))
        steps["figures"] += time.perf_counter() - started
        # The indicator's pictures in one go (kaleido draws them side by side), while the
        # next indicator's figures are read.
        drawing_now.append((charts, export.images([shown for _, shown in charts], context)))
        sections.append(section)
        files += section.files
    ahead = None
    if config.forecast:
        progress(0.78, "Forecasting children in care")
        ahead, figure = looking_ahead(config, data, selection, context, n + 1, warnings)
    if ahead is not None:
        ahead.figure = charted + 1
        path = f"tables/{ahead.name}.csv"
        table = ahead.table.assign(source=context.source_note)
        (out / path).write_bytes(safe.frame(table).to_csv(index=False).encode())
        ahead.files.append((path, f"Table {ahead.number}: {ahead.title}"))
        if drawing:
            printed, height = export.decorated(figure, ahead.title, ahead.subtitle, [], [],
                                               context)  # fmt: skip
            drawn = export.pictures(printed, height, ahead.title, ahead.alt)
            drawing_now.append(([(ahead.name, None)], lambda drawn=drawn: [drawn()]))
            for kind in ("png", "svg"):
                ahead.files.append((f"charts/{ahead.name}.{kind}", f"Figure {ahead.figure}: "
                                    f"{ahead.title}"))  # fmt: skip
        files += ahead.files
    progress(0.8, "Drawing the charts")
    started = time.perf_counter()
    for charts, drawn in drawing_now:
        for (name, _), (png, svg) in zip(charts, drawn(), strict=True):
            (out / f"charts/{name}.png").write_bytes(png)
            (out / f"charts/{name}.svg").write_bytes(svg)
    steps["images"] += time.perf_counter() - started
    progress(0.87, "Writing the document")
    started = time.perf_counter()
    document(config, selection, context, con, sections, out, drawing, warnings, ahead)
    (out / "chapter.toml").write_text(config.write())
    files = [("chapter.docx", config.title), *files, ("chapter.toml", "The selection")]
    lines = [f"{config.title}: JSNA chapter pack, {context.council_name}"]
    lines.append(selected(config, selection, context))
    if context.synthetic:
        lines.append("SYNTHETIC DEMO DATA: every figure is made up; none describes a real child.")
    lines += [*warnings, "", "Files:"]
    lines += [f"{path}\t{title}" for path, title in [*files, ("README.txt", "This list")]]
    (out / "README.txt").write_text("\n".join(lines) + "\n")
    progress(0.95, "Packing the zip")
    pack = out / "chapter_pack.zip"
    with zipfile.ZipFile(pack, "w", zipfile.ZIP_DEFLATED) as zipped:
        for path, _ in [*files, ("README.txt", "")]:
            entry = zipfile.ZipInfo(path, ZIP_DATE)
            # PNGs are compressed already: deflating them again takes seconds and saves little.
            png = path.endswith(".png")
            entry.compress_type = zipfile.ZIP_STORED if png else zipfile.ZIP_DEFLATED
            zipped.writestr(entry, (out / path).read_bytes())
    steps["document"] += time.perf_counter() - started
    progress(1.0, "Done")
    return pack, warnings


def _table(doc, frame: pd.DataFrame) -> None:
    """A table in 8 pt, its first row bold and marked as a header that repeats on every page
    (w:tblHeader). Its rows are written as XML in one go: python-docx's cell by cell takes
    about a millisecond a cell, half a minute for a whole chapter."""
    table = doc.add_table(rows=1, cols=len(frame.columns))
    table.style = "Table Grid"
    tbl = table._tbl
    first = tbl.tr_lst[0]
    widths = [tc.tcPr.tcW.get(qn("w:w")) for tc in first.tc_lst]
    tbl.remove(first)

    def row(values, header: bool) -> str:
        bold = "<w:b/>" if header else ""
        cells = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr><w:p><w:r><w:rPr>'
            f'{bold}<w:sz w:val="16"/></w:rPr><w:t xml:space="preserve">{xml_escape(v)}</w:t>'
            "</w:r></w:p></w:tc>"
            for v, width in zip(values, widths, strict=True)
        )
        head = '<w:trPr><w:tblHeader w:val="true"/></w:trPr>' if header else ""
        return f"<w:tr>{head}{cells}</w:tr>"

    rows = [row([str(c) for c in frame.columns], True)]
    rows += [row(values, False) for values in frame.astype(str).itertuples(index=False)]
    body = parse_xml(f"<w:tbl {nsdecls('w')}>{''.join(rows)}</w:tbl>")
    for tr in list(body):
        tbl.append(tr)


def _caption(doc, kind: str, n: int, text: str) -> None:
    """A numbered caption as Word writes one: "Figure", a SEQ field numbering it (so Word can
    list the figures and tables and refer to them), then the text. The field restarts at `n`
    (\\r), the pack's own number, which the chart and table files share, so updating the
    fields in Word keeps it; its shown result is `n` already."""
    paragraph = doc.add_paragraph(f"{kind} ", style="Caption")
    for part in ("begin", f" SEQ {kind} \\r {n} \\* ARABIC ", "separate", str(n), "end"):
        run = paragraph.add_run()._r
        if part in ("begin", "separate", "end"):
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), part)
        else:
            element = OxmlElement("w:instrText" if part.startswith(" ") else "w:t")
            element.set(qn("xml:space"), "preserve")
            element.text = part
        run.append(element)
    paragraph.add_run(f": {text}")


def _first_up(text: str) -> str:
    return text[:1].upper() + text[1:]


def _picture(doc, image: bytes, title: str, alt: str, ids) -> None:
    """The picture 16 cm wide, its title and alt text in its description (docPr). Added by
    hand: python-docx's add_picture hashes every picture already in the document and searches
    the whole document for the next id, which over a chapter's 145 charts takes seconds."""
    part = doc.part
    images = part.package.image_parts
    picture = ImagePart.from_image(Image.from_blob(image), images._next_image_partname("png"))
    images.append(picture)
    rid = part.relate_to(picture, RT.IMAGE)
    cx, cy = picture.image.scaled_dimensions(Cm(16), None)
    inline = CT_Inline.new_pic_inline(next(ids), rid, picture.filename, cx, cy)
    inline.docPr.set("descr", alt)
    inline.docPr.set("title", title)
    doc.add_paragraph().add_run()._r.add_drawing(inline)


def _years(years: list[str]) -> str:
    """The years a table's rows are of: "year ending 31 March 2024", or "years ending 31 March
    2023 and 2024" where measures' latest years differ."""
    shown = sorted(set(years))
    if len(shown) == 1:
        return f"year ending 31 March {shown[0]}"
    return f"years ending 31 March {stats.listed(shown)}"


def _full_stop(text: str) -> str:
    """A sentence ended: "...not ended by it)" had run on into "Source: ..."."""
    return text if text.endswith((".", "?", "!")) else text + "."


def selected(config: Config, selection: ind.Selection, context) -> str:
    """The pack's selection in words, at the top of the document and of README.txt: area, ages
    and years (the front page had named the area and years alone, as if every figure were of
    all ages, and README.txt only the council)."""
    _, area = selection.area(context)
    period = block.subtitle_short(selection, "trend")
    return f"Area: {area}. Ages: {_ages_chosen(config.items(), selection)}. Period: {period}."


def _ages_chosen(items, selection: ind.Selection) -> str:
    """The ages chosen, in words, for `items`: "10 to 15 (the care leavers' measures keep their
    own ages, 17 to 21)", or "all ages"."""
    ages = ind.aged(selection.age_bands)[len("aged ") :] if selection.age_bands else "all ages"
    own = [i for i in items if i.ages]
    if selection.age_bands and own:
        low, high = min(i.params["min_age"] for i in own), max(i.params["max_age"] for i in own)
        ages += f" (the care leavers' measures keep their own ages, {low} to {high})"
    return ages


def document(config, selection, context, con, sections, out, drawing, warnings, ahead=None):
    doc = Document()
    doc.core_properties.title = config.title
    ids = itertools.count(doc.part.next_id)
    doc.core_properties.author = context.council_name
    doc.add_heading(config.title, level=0)
    doc.add_paragraph(f"Joint Strategic Needs Assessment chapter: {context.council_name}")
    doc.add_paragraph(selected(config, selection, context))
    doc.add_paragraph(f"Data: {context.source_note.replace('`', '')} {context.licence}")
    if context.synthetic:
        doc.add_paragraph().add_run(
            "SYNTHETIC DEMO DATA. Every figure in this document is made up by carejsna demo; "
            "none describes a real child."
        ).bold = True
    doc.add_paragraph(disclosure.DISCLOSURE)
    for warning in warnings:
        doc.add_paragraph(warning)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    doc.add_heading("Summary", level=1)
    headline = [s for s in sections if not s.item.breakdown]
    rows = []
    # districts side by side: the council's, as their views by age band (a sum of them all is
    # the council less Other and Unknown, withheld wherever those are few)
    summed = replace(selection, districts=()) if selection.apart else selection
    shown = ind.trends(con, [s.item for s in headline], summed, context)
    covered = overview.covered(con, [s.item.id for s in headline])
    for section in headline:
        if not len(shown[section.item.id]):
            continue
        tile = overview.tile(shown[section.item.id], section.item, selection.level)
        uncovered = overview.uncovered(section.item, summed.age_bands, covered)
        rows.append(
            {
                "Indicator": section.item.title,
                "Year": str(tile.year),
                "Value": overview.NOT_FOR_AGES if uncovered else tile.value_text,
                "Change on the year before": (
                    "significant" if tile.significant else "not significant"
                )
                if tile.direction in ("up", "down")
                else ("no change" if tile.direction == "same" else "not known"),
            }
        )
    if rows:
        _table(doc, pd.DataFrame(rows))
        doc.add_paragraph(  # whose: it had said nothing, above the council's KPI scorecard
            f"{_first_up(ind.area_words(summed, context))}, "
            f"{_ages_chosen([s.item for s in headline], selection)}: each measure's latest year "
            f"({_years([r['Year'] for r in rows])}) and its change on the year before.",
            style="Caption",
        )
    targets = db.table(con, "targets")
    if not targets.empty:
        doc.add_heading("KPI scorecard", level=2)
        whole = replace(selection, districts=(), age_bands=())
        kpis = ind.trends(con, [catalogue.get(i) for i in targets["indicator_id"]], whole, context)
        card = []
        for target in targets.itertuples():
            item = catalogue.get(target.indicator_id)
            tile = overview.tile(kpis[item.id], item, selection.level)
            status = overview.rag(tile.value, target.target, target.tolerance, target.good)
            card.append(
                {
                    "KPI": item.title,
                    "Year": str(tile.year),
                    "Value": tile.value_text,
                    "Target": overview.target_text(target, item),
                    "Status": overview.RAG_LABELS[status],
                }
            )
        _table(doc, pd.DataFrame(card))
        doc.add_paragraph(  # it had given the chapter's years, 2015 to 2024, for its latest
            "The council as a whole, all ages, against its own targets: each KPI's latest year "
            f"({_years([c['Year'] for c in card])}).",
            style="Caption",
        )

    n = charted = 0  # as build() numbers them
    for theme in config.themes:
        in_theme = [s for s in sections if s.item.theme == theme]
        if not in_theme:
            continue
        doc.add_heading(THEMES[theme], level=1)
        for section in in_theme:
            item = section.item
            doc.add_heading(item.title, level=2)
            doc.add_paragraph(section.paragraph)
            for shown in section.blocks:
                n += 1
                if shown.figure is not None and drawing:
                    charted += 1
                    _picture(doc, (out / f"charts/{n:02d}_{item.id}_{shown.view}.png").read_bytes(),
                             shown.title, shown.alt, ids)  # fmt: skip
                    text = f"{shown.title}. {_first_up(shown.subtitle)}."
                    _caption(doc, "Figure", charted, text)
                elif shown.figure is None:
                    doc.add_paragraph(shown.empty)
                _caption(doc, "Table", n, f"{shown.title}. {_first_up(shown.subtitle)}.")
                _table(doc, shown.table)
                for note in [*shown.notes, *shown.footnotes]:
                    doc.add_paragraph(note, style="Caption")
            said = [f"Definition: {item.definition}", f"Numerator: {item.numerator}"]
            said += [f"Denominator: {item.denominator}"] * bool(item.denominator)
            said += [context.source_note.replace("`", "")]  # "Source: ...", the demo's warned
            doc.add_paragraph(" ".join(_full_stop(part) for part in said))

    if ahead is not None:
        doc.add_heading("Looking ahead", level=1)
        doc.add_heading(ahead.title, level=2)
        doc.add_paragraph(ahead.paragraph)
        if drawing:
            _picture(doc, (out / f"charts/{ahead.name}.png").read_bytes(), ahead.title,
                     ahead.alt, ids)  # fmt: skip
            _caption(doc, "Figure", ahead.figure, f"{ahead.title}. {ahead.subtitle}.")
        _caption(doc, "Table", ahead.number, f"{ahead.title}. {ahead.subtitle}.")
        _table(doc, ahead.table)
        doc.add_paragraph(FORECAST_NOTE, style="Caption")

    doc.add_heading("Appendix: methods", level=1)
    doc.add_heading("Definitions and our choices", level=2)
    for section in sections:
        item = section.item
        text = f"{item.title} ({item.id}). {item.definition} Unit: {item.unit_label}."
        if item.measure:
            text += f" Matches: {item.measure}."
        if item.choices:
            text += f" Our choices: {item.choices}"
        doc.add_paragraph(text, style="List Bullet")
    doc.add_heading("Confidence intervals and significance", level=2)
    doc.add_paragraph(stats.methods_text(selection.level))
    if ahead is not None:
        doc.add_heading("The forecast", level=2)
        doc.add_paragraph(FORECAST_METHOD)
    doc.add_heading("Disclosure control", level=2)
    doc.add_paragraph(disclosure.DISCLOSURE)
    for note in disclosure.FOOTNOTES.values():
        doc.add_paragraph(note, style="List Bullet")
    doc.save(out / "chapter.docx")


FORECAST_NOTE = (
    "Counts rounded to the nearest 5; c where 1 to 4 children were in care at the start. "
    "The interval allows for chance alone, not for rates changing."
)
FORECAST_METHOD = (
    "A stock-and-flow model of children in care (as in data-to-insight's children's services "
    "demand model): children by age band and placement (fostering, residential, supported or "
    "independent living, other), with each day's chances of entering care, moving placement and "
    "leaving measured over the last three years of returns, ageing at their birthdays (taken as "
    "the 1st of the birth month), projected day by day with the variance of those chances "
    "carried forward, for a central forecast and a 95% interval. A back-test fits the model on "
    "earlier returns and compares its forecast of later years the returns hold with two naive "
    "forecasts (the last year carried forward, and a linear trend). docs/forecast.md says more."
)
