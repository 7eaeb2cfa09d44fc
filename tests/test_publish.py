"""`carejsna publish`: the published folder holds aggregates and lookups only, every column of
every file read and checked, and the explorer runs on it alone, showing what it shows on data/."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
import streamlit as st

from carejsna import db, publish, safe, site
from carejsna.cli import main
from tests.test_pages import PAGES, open_page, tables

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
RETURNS = ROOT / "demo" / "returns"
EXPECTED_FILES = {
    "figures.parquet",
    "figures_manifest.json",
    "districts.parquet",
    "age_bands.parquet",
    "benchmarks.parquet",
    "targets.parquet",
    "metadata.json",
    "published.json",
}
# Names a record-level column would have: a child, a date, an address, a school or home.
PERSONAL_NAME = re.compile(
    r"child|dob|birth|date|decom|^dec$|postcode|_post$|^post|urn|upn|mother|episode|uasc_?id"
    r"|school|^la_?id|address|name_of",
    re.IGNORECASE,
)
# Every number published is a count, a figure worked out from counts, its limits or test, a year,
# a target, or a lookup's order, ages or flag: nothing else may be numeric.
AGGREGATE_NUMBERS = {
    "figures": {"year", "numerator", "denominator", "sum_squares", "value", "lower_95",
                "upper_95", "lower_99_8", "upper_99_8", "comparator_value", "trend_p"},
    "districts": {"is_council_district", "sort_order"},
    "age_bands": {"min_age", "max_age", "sort_order"},
    "benchmarks": {"year", "value", "lower_ci", "upper_ci", "derived", "is_official"},
    "targets": {"target", "tolerance"},
}  # fmt: skip
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}\b")
DATE = re.compile(r"\b\d{1,2}/\d{1,2}/\d{4}\b|\b\d{4}-\d{2}-\d{2}\b")
UPN = re.compile(r"\b[A-Z]\d{12}\b")


def _returned(column: str, files=("header.csv", "episodes.csv")) -> set[str]:
    """Every value of a column in the demo's returns (child ids, URNs, postcodes)."""
    values = set()
    for year in sorted(p for p in RETURNS.iterdir() if p.is_dir()):
        for name in files:
            frame = pd.read_csv(year / name, dtype=str, keep_default_na=False)
            if column in frame:
                values |= set(frame[column]) - {""}
    return values


@pytest.fixture(scope="module")
def published(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("publish") / "board"
    manifest = publish.publish(DATA, out)
    assert manifest["council"]["name"] == "Nottinghamshire"
    return out


def _extracted(name: str, *columns: str) -> set[str]:
    """Every value of these columns (those it has: names change as the build does) of a
    record-level extract in data/ (not published)."""
    path = DATA / f"{name}.parquet"
    present = [c for c in columns if c in pq.read_schema(path).names]
    assert present, f"{path.name} has none of {columns}"
    frame = pd.read_parquet(path, columns=present)
    return {str(v) for c in present for v in frame[c].dropna()}


@pytest.fixture(scope="module")
def identifiers() -> dict[str, set[str]]:
    """What would identify a child or a home: from the demo's returns and record-level extracts."""
    return {
        "child id": _returned("CHILD") | _extracted("children", "child_id"),
        "URN": _returned("URN") | _extracted("episodes", "ofsted_urn", "urn_key"),
        "postcode": _returned("HOME_POST") | _returned("PL_POST"),
        "date of birth": _returned("DOB"),
        "placement key": _extracted("episodes", "placement_key"),
    }


def test_only_what_the_public_may_see_is_published(published):
    assert {p.name for p in published.iterdir()} == EXPECTED_FILES
    record_level = {"children", "episodes", "health", "care_leavers", "uasc", "education",
                    "population", "codes", "build_report"}  # fmt: skip
    assert not {p.stem for p in published.iterdir()} & record_level


def test_the_manifest_names_the_council_years_dates_and_every_files_checksum(published):
    manifest = json.loads((published / "published.json").read_text())
    assert manifest["published_by"] == "carejsna publish"
    assert manifest["council"] == {"code": "E10000024", "name": "Nottinghamshire"}
    assert manifest["years"] == list(range(2015, 2025))
    assert manifest["built"] <= manifest["published"]
    assert set(manifest["files"]) == EXPECTED_FILES - {"published.json"}
    assert publish.verify(published) == []
    (published / "extra.csv").write_text("x\n")
    try:
        assert publish.verify(published) == ["extra.csv: not published"]
    finally:
        (published / "extra.csv").unlink()


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [*value, *(s for v in value.values() for s in _strings(v))]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)]


def test_every_column_of_every_published_file_is_an_aggregate(published, identifiers):
    assert all(identifiers.values()), "the demo's returns hold each kind of identifier"
    seen = 0
    for path in sorted(published.iterdir()):
        if path.suffix == ".json":
            cells = {(path.name, "", s) for s in _strings(json.loads(path.read_text()))}
        else:
            frame = pd.read_parquet(path)
            assert len(frame), path.name
            for column in frame.columns:
                assert not PERSONAL_NAME.search(column), f"{path.name}: column {column}"
                values = frame[column]
                assert not pd.api.types.is_datetime64_any_dtype(values), f"{path.name} {column}"
                if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
                    assert column in AGGREGATE_NUMBERS[path.stem], f"{path.name}: {column}"
                    whole = values.dropna()
                    whole = whole[whole == whole.round()].astype("int64").astype(str)
                    assert not set(whole) & identifiers["child id"], f"{path.name} {column}"
                    assert not set(whole) & identifiers["URN"], f"{path.name} {column}"
                    seen += 1
            cells = {
                (path.name, column, str(v))
                for column in frame.columns
                if not pd.api.types.is_numeric_dtype(frame[column])
                for v in frame[column].dropna().unique()
            }
        for file, column, text in cells:
            where = f"{file} {column}: {text[:80]!r}"
            assert not POSTCODE.search(text), where
            assert not DATE.search(text), where
            assert not UPN.search(text), where
            words = set(re.findall(r"[A-Za-z0-9]+(?: [A-Za-z0-9]+)?", text)) | {text}
            for kind, values in identifiers.items():
                assert not words & values, f"{where} holds a {kind}"
            seen += 1
    assert seen > 100


def test_a_shown_count_is_never_1_to_4_children(published):
    figures = pd.read_parquet(published / "figures.parquet")
    shown = figures[(figures["symbol"] == "") & (figures["unit"] == "count")]
    assert len(shown)
    assert not shown["numerator"].between(1, 4).any()


def test_publish_refuses_a_folder_that_is_not_a_previous_publish(tmp_path, capsys):
    out = tmp_path / "board"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["publish", "--data", str(DATA), "--out", str(out)]) == 2
    assert "not a previous `carejsna publish`" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]  # left as it was
    assert main(["publish", "--data", str(DATA), "--out", str(DATA)]) == 2
    assert (DATA / "children.parquet").exists()


def test_a_build_never_writes_childrens_records_into_a_published_folder(
    published, tmp_path, capsys
):
    # A mistyped --out had replaced the board's folder with the record-level extracts.
    board = tmp_path / "board"
    shutil.copytree(published, board)
    before = {p.name: p.read_bytes() for p in board.iterdir()}
    assert main(["build", str(RETURNS), "--out", str(board)]) == 2
    assert "is a published folder" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in board.iterdir()} == before


def test_publish_given_the_returns_says_to_build_them_elsewhere(tmp_path, capsys):
    # It had said to build RETURNS_DIR into the returns' own folder, which build refuses.
    assert main(["publish", "--data", str(RETURNS), "--out", str(tmp_path / "pub")]) == 2
    said = capsys.readouterr().err
    assert f"{RETURNS} holds returns, not extracts: build them (`carejsna build {RETURNS}" in said
    assert not (tmp_path / "pub").exists()


def test_publish_refuses_the_extracts_folder_and_a_folder_inside_it(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "figures.parquet").write_bytes(b"")
    (data / "metadata.json").write_text("{}")
    before = sorted(p.name for p in data.iterdir())
    for out in (data, data / "pub"):
        assert main(["publish", "--data", str(data), "--out", str(out)]) == 2
        assert "is the extracts folder or inside it" in capsys.readouterr().err
    assert sorted(p.name for p in data.iterdir()) == before


def test_publish_replaces_a_previous_publish_whole_and_never_half_writes(tmp_path, capsys):
    out = tmp_path / "board"
    assert main(["publish", "--data", str(DATA), "--out", str(out)]) == 0
    assert "Published Nottinghamshire (synthetic demo data) 2015 to 2024" in capsys.readouterr().out
    first = json.loads((out / "published.json").read_text())
    assert main(["publish", "--data", str(DATA), "--out", str(out)]) == 0  # again: replaced
    said = capsys.readouterr().out  # and the officer is told it was
    assert f"(replacing the publish of {first['published'][:16].replace('T', ' ')} UTC)" in said
    assert json.loads((out / "published.json").read_text())["files"] == first["files"]
    # A folder with a column nobody has checked is refused, and the previous publish is kept.
    bad = tmp_path / "data"
    shutil.copytree(DATA, bad, ignore=shutil.ignore_patterns("children.parquet"))
    districts = pd.read_parquet(bad / "districts.parquet").assign(head_postcode="NG18 1AA")
    districts.to_parquet(bad / "districts.parquet")
    assert main(["publish", "--data", str(bad), "--out", str(out)]) == 2
    assert "head_postcode" in capsys.readouterr().err
    assert {p.name for p in out.iterdir()} == EXPECTED_FILES
    assert publish.verify(out) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no leftovers


def _page_tables(page: str, folder: Path, monkeypatch, public: bool = False) -> list[str]:
    monkeypatch.setenv("CAREJSNA_DATA", str(folder))
    if public:
        monkeypatch.setenv(site.MODE, "public")
    st.cache_resource.clear()  # the connection and context are held for the process
    st.cache_data.clear()
    try:
        at = open_page(page)  # no exception
        assert any("Synthetic demo data" in w.value for w in at.warning)
        return tables(at)
    finally:
        monkeypatch.delenv("CAREJSNA_DATA")
        monkeypatch.delenv(site.MODE, raising=False)
        st.cache_resource.clear()
        st.cache_data.clear()


@pytest.mark.parametrize("page", [p for p in PAGES if p not in site.RECORD_LEVEL_PAGES])
def test_the_explorer_runs_on_the_published_folder_alone(page, published, monkeypatch):
    on_data = _page_tables(page, DATA, monkeypatch)
    on_published = _page_tables(page, published, monkeypatch, public=True)
    assert on_published, "every page shows at least one table"
    assert on_published == on_data


# CSV formula neutralisation (safe.py): text a spreadsheet would run gets a leading "'".


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ('=HYPERLINK("https://evil.example")', '\'=HYPERLINK("https://evil.example")'),
        ("+cmd", "'+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-", "'-"),
        ("-0.2", "-0.2"),  # a number, not a formula: kept
        ("+3", "+3"),
        ("-1.5e-3", "-1.5e-3"),
        ("-12,345", "-12,345"),
        ("Mansfield", "Mansfield"),
        ("c", "c"),
        ("", ""),
    ],
)
def test_a_cell_a_spreadsheet_would_run_is_neutralised(value, shown):
    assert safe.cell(value) == shown
    assert safe.uncell(shown) == value  # read back for a page, as it came


def test_a_cell_read_back_loses_only_the_quote_cell_gave_it():
    for kept in ("'quoted'", "'", "'-0.2", "''", "''=1", "it's"):  # cell gives none of them
        assert safe.uncell(kept) == kept
    assert safe.uncell(safe.cell("'=1")) == "=1"  # came with its quote: the file cannot tell


def test_frame_neutralises_text_and_leaves_numbers(tmp_path):
    table = pd.DataFrame({"name": ["=1+1", "Ashfield", None], "n": [-1, 2, 3]})
    out = safe.frame(table)
    assert out["name"].tolist()[:2] == ["'=1+1", "Ashfield"] and pd.isna(out["name"][2])
    assert out["n"].tolist() == [-1, 2, 3]
    assert table["name"][0] == "=1+1"  # the table given is not changed


EVIL = '=HYPERLINK("https://evil.example")'


def test_indicator_csv_neutralises_a_district_and_comparator_named_as_a_formula(
    published, tmp_path, capsys
):
    folder = tmp_path / "evil"
    shutil.copytree(published, folder)
    districts = pd.read_parquet(folder / "districts.parquet")
    districts.loc[districts["district_code"] == "E07000174", "district_name"] = EVIL
    districts.to_parquet(folder / "districts.parquet")
    figures = pd.read_parquet(folder / "figures.parquet")
    figures.loc[figures["area_code"] == "E07000174", "area_name"] = EVIL
    figures.loc[figures["comparator"] == "England", "comparator"] = "@" + EVIL
    figures.to_parquet(folder / "figures.parquet")
    benchmarks = pd.read_parquet(folder / "benchmarks.parquet")
    benchmarks.loc[benchmarks["area_name"] == "England", "area_name"] = "@" + EVIL
    benchmarks.to_parquet(folder / "benchmarks.parquet")
    args = ["indicator", "cla_rate_per_10k", "--data", str(folder), "--year", "2024"]
    assert main(args) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    mansfield = [r for r in rows if r["area_code"] == "E07000174"]
    assert mansfield and all(r["area_name"] == "'" + EVIL for r in mansfield)
    council = [r for r in rows if r["area_code"] == "E10000024"]
    assert any(r["comparator"] == "'@" + EVIL for r in council)
    for row in rows:
        for cell in row.values():
            assert not cell.startswith(safe.FORMULA_START) or safe.NUMBER.fullmatch(cell), cell


def test_the_page_download_uses_the_same_neutralised_csv(published, tmp_path):
    from carejsna import block, catalogue
    from carejsna import indicators as ind

    figures = pd.read_parquet(published / "figures.parquet")
    figures.loc[figures["area_code"] == "E07000174", "area_name"] = EVIL
    con = db.from_frames(
        figures=figures,
        **{n: pd.read_parquet(published / f"{n}.parquet") for n in db.PUBLISHED if n != "figures"},
    )
    context = ind.Context.load(con, published)
    item = catalogue.get("cla_at_31_march")
    selection = ind.Selection(2020, 2024)
    frame = ind.figures(con, item, selection, "district", context)
    assert (frame["area_name"] == EVIL).any()
    shown = ind.table(frame, item, context)  # on screen: as it is (Streamlit shows text)
    assert (shown["area_name"] == EVIL).any()
    csv_form = ind.table(frame, item, context, False)
    assert (csv_form["area_name"] == "'" + EVIL).any()
    assert not csv_form["area_name"].eq(EVIL).any()
    shown = block.build(item, frame, selection, "district", context)  # what a page downloads
    text = shown.csv.to_csv(index=False)
    assert "'" + EVIL.replace('"', '""') in text
    assert not re.search(r"(^|,)=HYPERLINK", text, re.MULTILINE)


# Hardening (.streamlit/config.toml), read from the file and as Streamlit reads it: no server.
HARDENED = {
    "client.showErrorDetails": "none",  # no traceback, message or exception type for a viewer
    "client.toolbarMode": "minimal",  # no developer menu or deploy button
    "client.disableDataExport": True,  # a table's own CSV had no source nor synthetic warning
    "server.enableXsrfProtection": True,
    "server.enableCORS": True,
    "browser.gatherUsageStats": False,  # no outbound usage statistics
    "browser.serverAddress": "localhost",  # no external-IP lookup when headless
}


def test_the_config_file_hardens_the_explorer():
    import tomllib

    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    for key, value in HARDENED.items():
        section, option = key.split(".")
        assert config[section][option] == value, key


def test_streamlit_reads_the_hardening_from_the_project_folder(monkeypatch):
    from streamlit import config

    monkeypatch.chdir(ROOT)  # Streamlit reads ./.streamlit/config.toml, as `streamlit run` does
    try:
        config.get_config_options(force_reparse=True)
        for key, value in HARDENED.items():
            assert config.get_option(key) == value, key
            assert config.get_where_defined(key).endswith("config.toml"), key
        assert "none" in {o.value for o in config.ShowErrorDetailsConfigOptions}
        assert not config.get_option("global.developmentMode")
    finally:
        config.get_config_options(force_reparse=True)


def test_a_server_on_the_published_folder_is_healthy_and_xsrf_protected(published, tmp_path):
    """`streamlit run app.py` on the published folder alone, with the project's config: its
    health check answers "ok" and sets the XSRF cookie, and it looks up no external address."""
    import urllib.request

    from carejsna import serve

    log = tmp_path / "streamlit.log"
    with serve.served(ROOT / "app.py", published, log) as url:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=5) as response:
            body, cookies = response.read().decode(), response.headers.get_all("Set-Cookie")
        assert body.strip() == "ok"
        assert any(c.startswith("_streamlit_xsrf=") for c in cookies or []), cookies
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200
        assert "External URL" not in log.read_text()


def test_publish_refuses_a_folder_inside_a_published_one(tmp_path, capsys):
    """A folder published inside a served one (board/sub) had been written without a word,
    and `carejsna serve board` then refused to start ("sub: not published")."""
    board = tmp_path / "board"
    assert main(["publish", "--data", str(DATA), "--out", str(board)]) == 0
    capsys.readouterr()
    assert main(["publish", "--data", str(DATA), "--out", str(board / "sub")]) == 2
    err = capsys.readouterr().err
    assert f"inside the published folder {board.resolve()}" in err and "beside it" in err
    assert not (board / "sub").exists()
    assert not list(tmp_path.glob("board/*sub*"))  # nor a staging folder left in it
    assert site.refusal(board) == ""  # still served
