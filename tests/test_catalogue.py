"""The catalogue and the queries agree: every entry has a query, every query an entry."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from carejsna import catalogue, db, ui

ROOT = Path(__file__).resolve().parents[1]
QUERIES = sorted(p.stem for p in db.QUERIES_DIR.glob("*.sql"))
VIEWS = sorted(p.stem for p in db.VIEWS_DIR.glob("*.sql"))


def test_every_entry_has_a_query_and_every_query_an_entry():
    assert sorted({i.query for i in catalogue.catalogue().values()}) == QUERIES


@pytest.mark.parametrize("name", QUERIES)
def test_query_declares_what_it_uses_and_says_what_a_row_is(name):
    query = db.query(name)  # raises if declared and used parameters differ
    assert query.help.startswith(f"{name}:"), "a query opens with its name and what it returns"
    assert "A row is" in query.help and "Sources:" in query.help


@pytest.mark.parametrize("name", VIEWS)
def test_view_says_what_it_is(name):
    assert db.query(name, db.VIEWS_DIR).help.startswith(f"{name}:")


@pytest.mark.parametrize("indicator", list(catalogue.catalogue().values()), ids=lambda i: i.id)
def test_entry_is_complete(indicator):
    assert indicator.title and indicator.definition and indicator.numerator and indicator.measure
    assert (indicator.unit == "count") == (indicator.denominator == "")
    assert set(indicator.extracts) <= {p.stem for p in (ROOT / "data").glob("*.parquet")} | {
        "children", "episodes", "population", "age_bands", "health", "care_leavers",
        "education", "uasc", "districts", "codes",
    }  # fmt: skip


def test_pages_show_only_catalogued_indicators():
    shown = set()
    for page in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        for node in ast.walk(ast.parse(page.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", text):
                shown.add(text)
    assert shown, "no indicator ids found in the pages"
    assert shown - set(ui.THEMES) <= set(catalogue.catalogue())
    overview = set(ui.HEADLINES) | {i for row in ui.THEME_SENTENCES for i in row[:2]}
    assert overview <= set(catalogue.catalogue())
    assert {i.theme for i in catalogue.catalogue().values()} == set(ui.THEMES)


def test_no_sql_is_built_from_values():
    offenders = []
    for path in (ROOT / "src").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.search(r"(execute|sql)\(\s*f[\"']", line) or ".format(" in line and "sql" in line:
                offenders.append(f"{path.name}:{number}")
    assert offenders == []


def test_a_count_of_something_other_than_children_says_what_it_counts():
    for item in catalogue.catalogue().values():
        if item.unit == "count" and "not children" in item.definition:
            assert item.counted and item.unit_label == f"Number of {item.counted}", item.id
    assert catalogue.get("placement_moves").unit_label == "Number of placement moves"
