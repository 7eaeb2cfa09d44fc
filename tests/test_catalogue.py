"""The catalogue and the queries agree: every entry has a query, every query an entry."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from carejsna import board, catalogue, db, ui

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
    pages = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    own_numbers = ("8_Data_quality.py", "9_Forecasts.py")  # problems and forecasts, not figures
    for page in [p for p in pages if p.name not in own_numbers]:
        for node in ast.walk(ast.parse(page.read_text())):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)+", text):
                shown.add(text)
    assert shown, "no indicator ids found in the pages"
    assert shown - set(ui.THEMES) <= set(catalogue.catalogue())
    overview = set(board.HEADLINES) | {i for row in board.THEME_SENTENCES for i in row[:2]}
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


GROUPED = [i for i in catalogue.catalogue().values() if i.groups_of]


@pytest.mark.parametrize("indicator", GROUPED, ids=lambda i: i.id)
def test_groups_mirror_the_figure_they_split(indicator):
    """An indicator split into groups (children placed away from home, near, or where it is not
    known) is its parent's figure by group: same unit, polarity and filters, and its choices say
    how the groups are tested and that they add up to the parent."""
    parent = catalogue.get(indicator.groups_of)
    assert not parent.groups_of and not parent.breakdown
    assert (indicator.unit, indicator.polarity) == (parent.unit, parent.polarity)
    assert indicator.filters == parent.filters and indicator.breakdown
    assert indicator.theme == "placed_away" and parent.short_title in indicator.choices
    test = "Welch's t-test" if indicator.unit == "mean" else "two-proportion z test"
    assert test in indicator.choices and "Location not known" in indicator.choices
    assert "placed_away" in ui.THEMES and GROUPED


def test_a_group_names_a_figure_the_catalogue_has(tmp_path, monkeypatch):
    text = catalogue.CATALOGUE.read_text()
    broken = text.replace('groups_of = "pct_dental_check"', 'groups_of = "no_such_figure"')
    (tmp_path / "catalogue.toml").write_text(broken)
    monkeypatch.setattr(catalogue, "CATALOGUE", tmp_path / "catalogue.toml")
    catalogue.catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match="placed_away_dental_check: no 'no_such_figure'"):
            catalogue.catalogue()
    finally:
        catalogue.catalogue.cache_clear()


def test_a_bound_is_read_from_its_definition():
    """A bound says what a count can never be more than, by definition: the placement shares'
    denominators and the placed away groups, as the build and a reader solve them."""
    bounds = {bound.text: bound.terms for bound in catalogue.bounds()}
    text = "pct_placed_over_20_miles: denominator <= pct_placed_outside_council.denominator"
    assert bounds[text] == (
        ("pct_placed_over_20_miles", "denominator", "", 1),
        ("pct_placed_outside_council", "denominator", "", -1),
    )
    near = (
        "placed_away_3plus_placements: denominator[Placed near] <= "
        "pct_placed_outside_council.denominator - pct_placed_outside_council.numerator"
    )
    assert bounds[near] == (
        ("placed_away_3plus_placements", "denominator", "Placed near", 1),
        ("pct_placed_outside_council", "denominator", "", -1),
        ("pct_placed_outside_council", "numerator", "", 1),
    )


@pytest.mark.parametrize(
    ("written", "said"),
    [
        ("denominator < cla_at_31_march.numerator", "write one '<=' or '>='"),
        ("denominator <= cla_at_31_march.children", "'cla_at_31_march.children' is not a count"),
        ("denominator <= no_such_figure.numerator", "no indicator 'no_such_figure'"),
        ("denominator[Placed away] <= cla_at_31_march.numerator", "has no categories"),
    ],
)
def test_a_bound_written_wrong_says_what_and_where(tmp_path, monkeypatch, written, said):
    text = catalogue.CATALOGUE.read_text()
    old = 'bounds = ["denominator <= cla_at_31_march.numerator"]'
    assert old in text
    (tmp_path / "catalogue.toml").write_text(text.replace(old, f"bounds = [{written!r}]"))
    monkeypatch.setattr(catalogue, "CATALOGUE", tmp_path / "catalogue.toml")
    catalogue.catalogue.cache_clear()
    try:
        with pytest.raises(ValueError, match=re.escape(said)) as raised:
            catalogue.catalogue()
        assert "pct_placed_outside_council: bound" in str(raised.value)
    finally:
        catalogue.catalogue.cache_clear()


def test_a_tile_says_what_it_counts():
    """A board member read the tiles "Rate per 10,000", "Started in year" and "Ceased in year":
    a rate, a start or an end of what? Every short title (a tile's label) names its subject."""
    for indicator in catalogue.catalogue().values():
        short = indicator.short_title
        assert not short.lower().startswith(("rate", "started in", "ceased")), short
        if indicator.unit == "rate_per_10k":
            assert short.startswith("Children") and short.endswith("per 10,000 children"), short
