"""DfE's XML layout of the SSDA903 return: read like the CSV layout, and refused when unsafe."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from carejsna import db
from carejsna.returns.build import build
from tests import fixture_returns

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT.parent / "shared" / "reference-data"
XML_SAMPLE = SAMPLES / "ssda903-sample-xml" / "fake_903.xml"
CSV_SAMPLE = SAMPLES / "ssda903-sample"
DEMO = ROOT / "demo" / "returns"

OC2 = (
    "SDQ_SCORE",
    "SDQ_REASON",
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
)
EPISODE = (
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PL",
    "PL_POST",
    "HOME_POST",
    "URN",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
)


def _rows(folder: Path, name: str) -> list[dict[str, str]]:
    path = folder / f"{name}.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


def _element(tag: str, value: str) -> str:
    return f"<{tag}>{escape(value)}</{tag}>" if value else f"<{tag} />"


def to_xml(year_folder: Path, xml_path: Path) -> None:
    """A year's CSV set as DfE's XML export: a CHILD per header row, holding its HEADER (with
    the UASC flag and DUC, the OC3 fields of a care leaver and its OC2 element) and its
    EPISODEs. Only what the XML can hold: every child of the other files is in the header."""
    header = _rows(year_folder, "header")
    by_child = {name: {} for name in ("uasc", "oc2", "oc3")}
    for name, rows in by_child.items():
        for row in _rows(year_folder, name):
            rows[row["CHILD"]] = row
    episodes: dict[str, list[dict]] = {}
    for row in _rows(year_folder, "episodes"):
        episodes.setdefault(row["CHILD"], []).append(row)
    known = {row["CHILD"] for row in header}
    for rows in (*by_child.values(), episodes):
        assert set(rows) <= known, "the XML has nowhere to put a child missing from the header"
    lines = ["<?xml version='1.0' encoding='utf-8'?>", "<EXPSSDA903>"]
    for child in header:
        uasc, oc2, oc3 = (by_child[name].get(child["CHILD"]) for name in ("uasc", "oc2", "oc3"))
        for row in (uasc, oc2, oc3):
            assert row is None or row["DOB"] == child["DOB"]
        assert uasc is None or uasc["SEX"] == child["SEX"]
        fields = [_element("CHILDID", child["CHILD"])]
        fields += [_element(k, child[k]) for k in ("UPN", "SEX", "DOB", "ETHNIC")]
        fields += [_element("UASC", "1" if uasc else "")]
        fields += [_element("DUC", uasc["DUC"])] if uasc else []
        fields += [_element(k, child[k]) for k in ("MOTHER", "MC_DOB")]
        fields += [_element(k, oc3[k]) for k in ("IN_TOUCH", "ACTIV", "ACCOM")] if oc3 else []
        if oc2:
            fields.append("<OC2>" + "".join(_element(k, oc2[k]) for k in OC2) + "</OC2>")
        parts = ["<CHILD><HEADER>", *fields, "</HEADER>"]
        for episode in episodes.get(child["CHILD"], []):
            values = {**episode, "PL": episode["PLACE"]}
            parts += ["<EPISODE>", *(_element(k, values[k]) for k in EPISODE), "</EPISODE>"]
        lines.append("".join([*parts, "</CHILD>"]))
    xml_path.write_text("\n".join([*lines, "</EXPSSDA903>"]) + "\n", encoding="utf-8")


def returns_as_xml(returns: Path, out: Path) -> Path:
    """A copy of a returns folder with each year's SSDA903 files written as one XML return
    (education.csv and population.csv stay CSV: the XML does not carry them)."""
    shutil.copytree(returns, out)
    for year in sorted(p for p in out.iterdir() if p.is_dir() and p.name.isdigit()):
        to_xml(year, year / "return.xml")
        for name in ("header", "episodes", "uasc", "oc2", "oc3"):
            (year / f"{name}.csv").unlink(missing_ok=True)
    return out


def test_demo_returns_as_xml_build_the_same_extracts(tmp_path):
    as_xml = returns_as_xml(DEMO, tmp_path / "xml")
    assert not list((as_xml / "2024").glob("header.csv"))
    from_csv = build(DEMO, tmp_path / "from_csv")
    from_xml = build(as_xml, tmp_path / "from_xml")
    assert from_csv.written and from_xml.written
    parquets = sorted(p.name for p in (tmp_path / "from_csv").glob("*.parquet"))
    assert "episodes.parquet" in parquets and "figures.parquet" in parquets
    assert sorted(p.name for p in (tmp_path / "from_xml").glob("*.parquet")) == parquets
    differ = [
        name
        for name in parquets
        if (tmp_path / "from_csv" / name).read_bytes()
        != (tmp_path / "from_xml" / name).read_bytes()
    ]
    assert differ == []
    assert from_xml.extracts == from_csv.extracts
    # every row of the 2024 return read from the XML, as from the CSV
    assert from_xml.rows["2024/return.xml (episodes)"] == from_csv.rows["2024/episodes.csv"]
    assert from_xml.rows["2024/return.xml (oc3)"] == from_csv.rows["2024/oc3.csv"]


def _expected_in_care(xml_path: Path, year: int) -> int:
    """Children in care at 31 March, read from the XML by ElementTree: an episode starting on or
    before 31 March and not ending before it, not a short break (V3/V4), one per child."""
    march = dt.date(year, 3, 31)

    def day(text):
        return dt.datetime.strptime(text, "%d/%m/%Y").date() if text else None

    children = set()
    for child in ET.parse(xml_path).getroot():
        for episode in child.iter("EPISODE"):
            start, end = day(episode.findtext("DECOM")), day(episode.findtext("DEC"))
            if episode.findtext("LS") in ("V3", "V4") or start is None or start > march:
                continue
            if end is None or end > march:
                children.add(child.findtext("HEADER/CHILDID"))
    return len(children)


@pytest.fixture(scope="module")
def xml_sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("xml_sample")
    (root / "returns" / "2018").mkdir(parents=True)
    shutil.copy(XML_SAMPLE, root / "returns" / "2018")
    return root, build(root / "returns", root / "data")


def test_xml_sample_builds_and_counts_children_in_care(xml_sample):
    root, result = xml_sample
    assert result.written and not result.failed
    assert result.extracts["children"] == 253 and result.extracts["episodes"] == 459
    assert result.extracts["uasc"] == 12 and result.extracts["care_leavers"] == 6
    cells = db.run(db.connect(root / "data"), "cla_at_31_march", year_from=2018, year_to=2018)
    assert cells["numerator"].sum() == _expected_in_care(XML_SAMPLE, 2018) > 100


def test_xml_sample_problems_name_file_element_column_and_value(xml_sample):
    _, result = xml_sample
    found = {(p.file, p.row, p.column, p.value, p.problem) for p in result.problems}
    # the 252nd CHILD's ACCOM is 01, no DfE code (the CSV sample has the same fault)
    assert ("2018/fake_903.xml (oc3)", 252, "ACCOM", "01", "not a valid ACCOM code") in found
    assert "2018/fake_903.xml (header)" in result.rows


def test_xml_and_csv_samples_give_the_same_columns_and_kinds_of_problem(xml_sample, tmp_path):
    (tmp_path / "returns").mkdir()
    shutil.copytree(
        CSV_SAMPLE, tmp_path / "returns" / "2018", ignore=shutil.ignore_patterns("*.md", "LICENSE")
    )
    from_csv = build(tmp_path / "returns", tmp_path / "data")
    root, from_xml = xml_sample
    for name in ("children", "episodes", "health", "care_leavers", "uasc"):
        a = db.connect(root / "data").table(name).columns
        b = db.connect(tmp_path / "data").table(name).columns
        assert a == b, name
    kinds = {(p.column, p.problem) for p in from_xml.problems if p.file.endswith("(oc3)")}
    assert kinds <= {(p.column, p.problem) for p in from_csv.problems if p.file.endswith("oc3.csv")}


def _xml_year(tmp_path: Path, text: str | bytes, name: str = "return.xml") -> Path:
    returns = fixture_returns.write(tmp_path / "returns")
    as_xml = returns_as_xml(returns, tmp_path / "xml")
    path = as_xml / "2024" / name
    (as_xml / "2024" / "return.xml").unlink()
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return as_xml


def _refusals(result):
    return [(p.file, p.row, p.problem) for p in result.problems if p.action == "file not loaded"]


def test_fixture_as_xml_reports_bad_values_by_element(tmp_path):
    returns = fixture_returns.write(tmp_path / "returns")
    as_xml = returns_as_xml(returns, tmp_path / "xml")
    path = as_xml / "2024" / "return.xml"
    path.write_text(path.read_text().replace(">CARPL<", ">CARPX<", 1))
    result = build(as_xml, tmp_path / "data")
    assert result.written
    found = {(p.file, p.row, p.column, p.value) for p in result.problems}
    # D4's first episode is the fourth EPISODE of the 2024 return
    assert ("2024/return.xml (episodes)", 4, "REASON_PLACE_CHANGE", "CARPX") in found


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("<EXPSSDA903>\n<CHILD><HEADER>\n</CHILD>\n</EXPSSDA903>", 3, "not well-formed"),
        ("", 1, "not well-formed"),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE EXPSSDA903 [\n<!ENTITY a "aaaaaaaaaa">\n'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n<EXPSSDA903>&b;</EXPSSDA903>',
            3,
            "entities",
        ),
        (
            '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            "\n<EXPSSDA903>&e;</EXPSSDA903>",
            2,
            "entities",
        ),
        ("<Message>\n<Children/>\n</Message>", 1, "not an SSDA903 return"),
        ("<EXPSSDA903>\n</EXPSSDA903>", None, "no CHILD element"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", 1, "not well-formed"),
    ],
)
def test_unsafe_or_broken_xml_is_refused_naming_file_and_line(
    tmp_path, fixture_data, text, line, words
):
    returns = _xml_year(tmp_path, text)
    shutil.copytree(fixture_data, tmp_path / "data")  # a previous build
    before = snapshot(tmp_path / "data")
    result = build(returns, tmp_path / "data")
    assert not result.written
    [(file, row, problem)] = _refusals(result)
    assert file == "2024/return.xml" and row == line and words in problem
    assert snapshot(tmp_path / "data") == before


def test_xml_beside_the_csv_files_it_replaces_is_refused(tmp_path):
    returns = fixture_returns.write(tmp_path / "returns")
    to_xml(returns / "2024", returns / "2024" / "return.xml")
    result = build(returns, tmp_path / "data")
    [(file, _, problem)] = _refusals(result)
    assert file == "2024/return.xml and 2024/header.csv and 2024/episodes.csv"
    assert "which one to read is unclear" in problem


def test_two_xml_returns_in_one_year_are_refused(tmp_path):
    returns = fixture_returns.write(tmp_path / "returns")
    as_xml = returns_as_xml(returns, tmp_path / "xml")
    shutil.copy(as_xml / "2024" / "return.xml", as_xml / "2024" / "again.XML")
    [(file, _, problem)] = _refusals(build(as_xml, tmp_path / "data"))
    assert file == "2024/again.XML and 2024/return.xml"
    assert problem.startswith("two XML returns for one year")


def test_xml_is_read_in_chunks_not_as_one_tree(tmp_path, monkeypatch):
    """Streaming: the parser is fed a piece at a time and keeps no element tree."""
    from carejsna.returns import xml

    returns = fixture_returns.write(tmp_path / "returns")
    as_xml = returns_as_xml(returns, tmp_path / "xml")
    fed = []
    monkeypatch.setattr(xml, "CHUNK", 64)
    original = xml.XMLParser.feed
    monkeypatch.setattr(
        xml.XMLParser, "feed", lambda self, data: (fed.append(len(data)), original(self, data))
    )
    result = build(as_xml, tmp_path / "data")
    assert result.written
    assert len(fed) > 10 and max(fed) == 64


@pytest.mark.parametrize(
    ("declared", "codec"),
    [
        ("utf-16", "utf-16"),
        ("iso-8859-1", "latin-1"),
        ("windows-1252", "cp1252"),
        (None, "utf-8-sig"),
    ],
)
def test_xml_in_any_declared_encoding_reads_the_same(tmp_path, declared, codec):
    from carejsna.returns import xml

    body = (
        '<EXPSSDA903 xmlns="urn:example"><CHILD><HEADER><CHILDID>A1</CHILDID>'
        "<UPN>\u00c9t\u00e9</UPN><MOTHER /></HEADER></CHILD></EXPSSDA903>"
    )
    text = (f"<?xml version='1.0' encoding='{declared}'?>" if declared else "") + body
    (tmp_path / "r.xml").write_bytes(text.encode(codec))
    tables, problems = xml.read(tmp_path / "r.xml", 2024, "2024/r.xml")
    raw, rows = tables["header"]
    assert (raw.at[0, "CHILD"], raw.at[0, "UPN"], rows[0]) == ("A1", "\u00c9t\u00e9", 1)
    assert problems == []


@pytest.mark.parametrize(
    ("declaration", "said", "mend"),
    [
        ("", "declares no encoding, so must be UTF-8", "declare it in the first line"),
        ("<?xml version='1.0' encoding='utf-8'?>", "declares UTF-8", "change its declaration to"),
    ],
)
def test_xml_in_windows_1252_read_as_utf_8_is_refused_saying_how_to_mend_it(
    tmp_path, declaration, said, mend
):
    from carejsna.returns import xml
    from carejsna.returns.read import FileProblem

    text = f"{declaration}\n<EXPSSDA903>\n<CHILD><UPN>O\u2019Brien</UPN></CHILD></EXPSSDA903>"
    (tmp_path / "r.xml").write_bytes(text.encode("cp1252"))
    with pytest.raises(FileProblem) as refused:
        xml.read(tmp_path / "r.xml", 2024, "2024/r.xml")
    offset = len(declaration) + 27  # the byte of the apostrophe
    assert (refused.value.problem.file, refused.value.problem.row) == ("2024/r.xml", 3)
    assert refused.value.problem.problem == (
        f"cannot be read as XML: byte 0x92 on line 3 (offset {offset}) is not UTF-8, and the "
        f"file {said}: if it is Windows-1252, {mend} "
        '(<?xml version="1.0" encoding="windows-1252"?>) or save the file as UTF-8'
    )


def test_both_layouts_report_the_same_problems_at_the_same_places(tmp_path):
    """The XML's row is the element's position: CSV row r is the (r-1)-th CHILD or EPISODE."""
    from carejsna.returns.read import read_years

    returns = fixture_returns.write(tmp_path / "returns")
    header, episodes = returns / "2024" / "header.csv", returns / "2024" / "episodes.csv"
    header.write_text(header.read_text().replace("B2,2,01/01/2010", "B2,9,31/02/2010"))
    text = episodes.read_text().replace(",V3,N2,K2,", ",V3,N2,ZZ,")
    episodes.write_text(text.replace("E5,01/10/2023,", "E5,,"))
    as_xml = returns_as_xml(returns, tmp_path / "xml")
    names = {"CHILD": "CHILDID", "PLACE": "PL"}

    def where(problems, layout):
        found = set()
        for p in problems:
            if layout == "csv" and p.file in ("2024/header.csv", "2024/episodes.csv"):
                table = p.file.removeprefix("2024/").removesuffix(".csv")
                found.add((table, p.row - 1, names.get(p.column, p.column), p.value, p.problem))
            elif layout == "xml" and p.file.startswith("2024/return.xml ("):
                table = p.file.removeprefix("2024/return.xml (").removesuffix(")")
                found.add((table, p.row, p.column, p.value, p.problem))
        return found

    from_csv = where(read_years(returns)[2], "csv")
    assert where(read_years(as_xml)[2], "xml") == from_csv
    assert {(t, r, c) for t, r, c, _, _ in from_csv} == {
        ("header", 2, "SEX"),
        ("header", 2, "DOB"),
        ("episodes", 3, "PL"),
        ("episodes", 7, "DECOM"),
    }


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (("<EPISODE>", "<Episode>", "</EPISODE>", "</Episode>"), "CHILD/Episode not a HEADER"),
        (("<OC2>", "<oc2>", "</OC2>", "</oc2>"), "HEADER/oc2 holds elements, but is not OC2"),
    ],
)
def test_an_element_not_where_dfes_layout_has_it_is_said_once(tmp_path, change, said):
    from carejsna.returns.read import read_years

    as_xml = tmp_path / "returns"
    (as_xml / "2018").mkdir(parents=True)
    path = as_xml / "2018" / "fake_903.xml"
    text = XML_SAMPLE.read_text()
    path.write_text(text.replace(change[0], change[1]).replace(change[2], change[3]))
    problems = [p for p in read_years(as_xml)[2] if "here or anywhere" in p.problem]
    assert [p.problem.split(": ", 1)[1] for p in problems] == [
        f"{said}{'' if 'not OC2' in said else ' or EPISODE'}: not read, here or anywhere"
    ]


def test_dfes_own_sample_return_has_no_element_out_of_place(xml_sample):
    _, result = xml_sample
    assert not [p for p in result.problems if "here or anywhere" in p.problem]


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (
            ("<DECOM>06/01/2017</DECOM>", "<DECOMM>06/01/2017</DECOMM>"),
            "EPISODE/DECOMM is not a field of EPISODE in DfE's layout (is it DECOM?)",
        ),
        (
            ("<SEX>1</SEX>", "<Sex>1</Sex>"),
            "HEADER/Sex is not a field of HEADER in DfE's layout (is it SEX?)",
        ),
        (
            ("<RNE>", "<ETHNIC>A1</ETHNIC><RNE>"),
            "EPISODE/ETHNIC is a field of HEADER, not of EPISODE",
        ),
    ],
)
def test_a_field_dfes_layout_does_not_have_there_is_said_once_with_the_nearest(
    tmp_path, change, said
):
    """A misspelt field (in one element; in every one the file is refused, below) is said once
    a file, naming the field it may be: else a required one is only reported blank in its
    row, and an optional one lost without a word."""
    from carejsna.returns.read import read_years

    as_xml = tmp_path / "returns"
    (as_xml / "2018").mkdir(parents=True)
    text = XML_SAMPLE.read_text()
    assert change[0] in text
    (as_xml / "2018" / "fake_903.xml").write_text(text.replace(*change, 1))
    problems = [p for p in read_years(as_xml)[2] if "here or anywhere" in p.problem]
    assert [p.problem.split(": ", 1)[1] for p in problems] == [
        f"{said}: not read, here or anywhere"
    ]


@pytest.mark.parametrize(
    ("old", "new", "said"),
    [
        ("DEC", "dec", "EPISODE/dec, not a field of DfE's layout, is where DEC should be"),
        ("PL", "PLACE", "EPISODE/PLACE, not a field of DfE's layout, is where PL should be"),
    ],
)
def test_a_field_misnamed_in_every_element_refuses_the_file(tmp_path, old, new, said):
    """DEC misnamed in every EPISODE had built with every episode open (children in care 1,128
    became 1,594, ceased 485 became 0), said only once as a field not read."""
    from carejsna.returns.read import FILE_NOT_LOADED, read_years

    as_xml = tmp_path / "returns"
    (as_xml / "2018").mkdir(parents=True)
    text = XML_SAMPLE.read_text()
    for a, b in (
        (f"<{old}>", f"<{new}>"),
        (f"</{old}>", f"</{new}>"),
        (f"<{old} />", f"<{new} />"),
    ):
        text = text.replace(a, b)
    (as_xml / "2018" / "fake_903.xml").write_text(text)
    [refused] = [p for p in read_years(as_xml)[2] if p.action == FILE_NOT_LOADED]
    assert refused.file == "2018/fake_903.xml" and said in refused.problem
    assert f"is it {old} misnamed?" in refused.problem


def test_only_a_needed_field_misnamed_everywhere_refuses_and_never_another_elements_field():
    """A UPN copied into every EPISODE, where no placement has a URN, is not a misspelt URN;
    an optional field misnamed everywhere is said, as a missing optional CSV column is, and
    only a field whose CSV column must be there (DECOM, DEC, PL...) refuses the file."""
    from carejsna.returns import xml

    assert xml._nearest("EPISODE", "UPN") is None and xml._nearest("HEADER", "DEC") is None
    assert xml._nearest("EPISODE", "PLACE") == "PL"
    assert xml._nearest("EPISODE", "DECOMM") == "DECOM"
    assert {"DECOM", "DEC", "REC", "PL", "IN_TOUCH", "HOME_POST", "SDQ_SCORE"} <= xml.NEEDED
    assert not {"URN", "UPN", "DUC"} & xml.NEEDED
