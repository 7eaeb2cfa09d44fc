"""What a build changed in the overview's figures since the last one: figure_changes.json, the
build's summary, the overview's expander and the published folder."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from carejsna import changes, disclosure, publish, site
from carejsna.indicators import ALL_AGES, DECIMALS
from carejsna.returns.build import build, summary
from tests import fixture_returns
from tests.fixture_returns import ASHFIELD_POST, MANSFIELD_POST

ROOT = Path(__file__).resolve().parents[1]
# Sixteen more children in care all through 31 March 2024: enough for the council's and
# Mansfield's counts to be shown (A1 and ten of these live in Mansfield, D4 and six in Ashfield).
MORE = [(f"X{n:02}", MANSFIELD_POST if n <= 10 else ASHFIELD_POST) for n in range(1, 17)]
REVISED = f"X01,10/04/2023,S,C2,N1,U4,PR1,01/03/2024,E4A,,{MANSFIELD_POST},{MANSFIELD_POST},"


def returns(folder: Path, revised: bool = False) -> Path:
    fixture_returns.write(folder)
    year = folder / "2024"
    with (year / "header.csv").open("a") as header:
        header.writelines(f"{child},1,01/01/2014,WBRI,,," + "\n" for child, _ in MORE)
    lines = [f"{child},10/04/2023,S,C2,N1,U4,PR1,,,,{post},{post}," for child, post in MORE]
    if revised:  # X01's care ended on 1 March 2024: the return is replaced
        lines[0] = REVISED
    with (year / "episodes.csv").open("a") as episodes:
        episodes.writelines(line + "\n" for line in lines)
    return folder


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """The first build, then the same folder built again from a replaced 2024 return; the first
    build's figures kept aside."""
    root = tmp_path_factory.mktemp("changes")
    first = build(returns(root / "returns"), root / "data")
    assert first.written and first.changes == {}
    assert not (root / "data" / changes.FILE).exists()  # nothing said on a first build
    shutil.copyfile(root / "data" / "figures.parquet", root / "first_figures.parquet")
    second = build(returns(root / "returns", revised=True), root / "data")
    assert second.written
    return root, first, second


def shown_figures(path: Path) -> pd.DataFrame:
    """The overview's figures in a figures.parquet, each as a reader sees it."""
    figures = pd.read_parquet(path)
    figures = figures[
        figures["indicator_id"].isin(changes.HEADLINES)
        & (figures["age_band"] == ALL_AGES)
        & (figures["category"] == "")
    ]
    figures["shown"] = [
        disclosure.shown(v, s, DECIMALS[u])
        for v, s, u in zip(figures["value"], figures["symbol"], figures["unit"], strict=True)
    ]
    return figures.set_index(["indicator_id", "year", "area_code"])


def test_every_changed_overview_figure_is_listed_with_its_shown_values(builds):
    root, _, second = builds
    old = shown_figures(root / "first_figures.parquet")
    new = shown_figures(root / "data" / "figures.parquet")
    both = old.index.intersection(new.index)
    differ = both[old.loc[both, "shown"] != new.loc[both, "shown"]]
    said = json.loads((root / "data" / changes.FILE).read_text())
    assert said == second.changes
    listed = {(c["indicator_id"], c["year"], c["area_code"]): c for c in said["figures"]}
    assert set(listed) == set(differ) and differ.size  # exactly the figures that changed
    for key, change in listed.items():
        now_withheld = change["new"] == "c"  # then without the value it had
        assert change["old"].removesuffix("%") == ("" if now_withheld else old.loc[key, "shown"])
        assert change["new"].removesuffix("%") == new.loc[key, "shown"]
        assert change["reason"] == "the 2024 return was replaced"
    council = listed[("cla_at_31_march", 2024, "E10000024")]
    assert (council["old"], council["new"]) == ("19", "18")  # X01 no longer in care at 31 March
    assert said["returns_replaced"] == [2024] and said["years_added"] == []


def test_a_withheld_figure_never_gives_its_value_away(builds):
    root, _, second = builds
    old = shown_figures(root / "first_figures.parquet")
    for change in second.changes["figures"]:
        key = (change["indicator_id"], change["year"], change["area_code"])
        for side, figures in (("old", old), ("new", None)):
            if change[side] == disclosure.SUPPRESSED or (
                figures is not None and figures.loc[key, "symbol"] == disclosure.SUPPRESSED
            ):
                assert change[side] == disclosure.SUPPRESSED
    # Ashfield's children in care at 31 March are withheld in both builds: not listed at all
    ashfield = old.loc[("cla_at_31_march", 2024, fixture_returns.ASHFIELD), "shown"]
    assert ashfield == disclosure.SUPPRESSED
    assert not [
        c for c in second.changes["figures"] if c["area_code"] == fixture_returns.ASHFIELD
        and c["indicator_id"] == "cla_at_31_march"
    ]  # fmt: skip
    text = (root / "data" / changes.FILE).read_text()
    assert not re.search(r'"(old|new)": "[1-4]"', text)  # no count of 1 to 4 children


def test_the_build_summary_says_what_changed(builds):
    _, first, second = builds
    assert "Changed since the last build" not in summary(first)
    assert (
        f"Changed since the last build: {len(second.changes['figures'])} overview figures "
        "(2024, children in care at 31 March, Testshire: 19 -> 18 (the 2024 return was replaced)"
    ) in summary(second)


def test_the_same_returns_built_again_write_no_changes(tmp_path):
    folder = returns(tmp_path / "returns")
    build(folder, tmp_path / "data")
    again = build(folder, tmp_path / "data")
    assert again.written and again.changes == {}
    assert not (tmp_path / "data" / changes.FILE).exists()
    assert "Changed since the last build" not in summary(again)


def test_a_year_added_is_the_reason_for_an_earlier_years_change(tmp_path):
    folder = returns(tmp_path / "returns")
    build(folder, tmp_path / "data")
    fixture_returns.a_year_on(folder, 2025)  # the same children (and one more), a year on
    added = build(folder, tmp_path / "data").changes
    assert added["years_added"] == [2025] and added["returns_replaced"] == []
    assert all(
        c["reason"] == "the 2025 return was added (a later return revises earlier episodes)"
        for c in added["figures"]
    )


@pytest.fixture
def overview(monkeypatch):
    def opened(folder: Path) -> AppTest:
        monkeypatch.setenv("CAREJSNA_DATA", str(folder))
        monkeypatch.delenv(site.MODE, raising=False)
        st.cache_resource.clear()
        st.cache_data.clear()
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        return at

    yield opened
    st.cache_resource.clear()
    st.cache_data.clear()


def test_the_overview_lists_the_changes_in_words(builds, overview):
    root, _, second = builds
    at = overview(root / "data")
    [expander] = [e for e in at.expander if e.label == "What changed since the last build"]
    text = "\n".join(m.value for m in expander.markdown)
    assert (
        "- 2024, children in care at 31 March, Testshire: 19 -> 18 (the 2024 return was replaced)"
    ) in text
    assert text.count("\n- ") + 1 == len(second.changes["figures"])


def test_the_overview_has_no_changes_after_a_first_build(tmp_path, overview):
    build(returns(tmp_path / "returns"), tmp_path / "data")
    at = overview(tmp_path / "data")
    assert "What changed since the last build" not in [e.label for e in at.expander]


def test_publish_copies_the_changes(builds, tmp_path):
    root, _, _ = builds
    manifest = publish.publish(root / "data", tmp_path / "board")
    assert changes.FILE in manifest["files"]
    assert (tmp_path / "board" / changes.FILE).read_text() == (
        root / "data" / changes.FILE
    ).read_text()
    assert publish.verify(tmp_path / "board") == []


def test_a_build_while_the_explorer_runs_is_read_at_the_next_rerun(tmp_path, overview):
    """The server holds what it read for every session: built again under it, every page's next
    rerun reads the new build (none of the old beside the new) and says so."""
    data = tmp_path / "data"
    build(returns(tmp_path / "returns"), data)
    at = overview(data)
    tile = lambda: next(m for m in at.metric if m.label.startswith("Children in care"))  # noqa: E731
    assert tile().value == "19"
    assert not [i for i in at.info if "built again" in i.value]
    build(returns(tmp_path / "returns", revised=True), data)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert tile().value == "18"  # X01 no longer in care at 31 March 2024
    [notice] = [i.value for i in at.info if "built again" in i.value]
    assert "everything on it is now from the new build" in notice
    at.run()  # said once
    assert not [i for i in at.info if "built again" in i.value]
    at.switch_page("pages/1_Children_in_care.py").run()  # figures not read before the build
    assert not at.exception, [e.value for e in at.exception]
    assert tile().value == "18"
