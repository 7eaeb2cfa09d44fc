"""A rebuild into a folder holding a previous build re-protects only the indicator-years whose
inputs changed (figures.CACHE), and writes the same figures as a build from scratch."""

from __future__ import annotations

import json
import shutil
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from carejsna import audit, bounds, figures, publish
from carejsna.catalogue import catalogue
from carejsna.returns.build import build, summary
from carejsna.returns.demo import write_demo
from tests.test_lattice import DISTRICTS, lattice

# A count, a distribution, a percentage and its groups (protected with its withheld figures):
# each way protect() works, at a fraction of the whole catalogue's time; and a percentage the
# catalogue's bounds join to the count (solved together: bounds.Bounds).
INDICATORS = [
    "cla_at_31_march",
    "ceased_by_reason",
    "pct_3plus_placements",
    "placed_away_3plus_placements",
    "pct_placed_outside_council",
]
LAST = 2024


@pytest.fixture(scope="module")
def few_indicators():
    chosen = {key: item for key, item in catalogue().items() if key in INDICATORS}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(figures, "catalogue", lambda: chosen)
        yield


@pytest.fixture(scope="module")
def returns(tmp_path_factory, few_indicators):
    """Five years of the demo's synthetic returns."""
    folder = tmp_path_factory.mktemp("incremental") / "returns"
    write_demo(folder, first_year=2020, last_year=LAST)
    return folder


def same_build(one: Path, other: Path) -> None:
    """The figures, their manifest and the cache of two builds are byte for byte the same."""
    for name in ("figures.parquet", figures.MANIFEST, figures.CACHE):
        assert (one / name).read_bytes() == (other / name).read_bytes(), name


def without_last_year(returns: Path, out: Path):
    """Build the returns with the last year's folder set aside, then put it back."""
    aside = returns.parent / "aside"
    shutil.move(returns / str(LAST), aside)
    try:
        return build(returns, out)
    finally:
        shutil.move(aside, returns / str(LAST))


@pytest.fixture(scope="module")
def added(returns, tmp_path_factory):
    """A build without the last year, then one with it into the same folder, then a build of
    every year from scratch."""
    root = tmp_path_factory.mktemp("added")
    first = without_last_year(returns, root / "data")
    second = build(returns, root / "data")
    clean = build(returns, root / "clean")
    assert first.written and second.written and clean.written
    return root, first, second, clean


def test_a_first_build_reuses_nothing(added):
    _, first, _, clean = added
    assert first.figures["reused"] == [] and clean.figures["reused"] == []
    assert "reused" not in summary(first)


def test_a_year_added_is_the_only_one_protected_again(added):
    root, _, second, _ = added
    same_build(root / "data", root / "clean")
    assert second.figures["added"] == [LAST]
    assert sorted(second.figures["reprotected"]) == sorted((i, LAST) for i in INDICATORS)
    assert len(second.figures["reused"]) == len(INDICATORS) * 4  # 2020 to 2023, each reused
    said = summary(second)
    assert f"(reused 20 of 25 indicator-years; re-protected 5: {LAST} (added, 5))" in said


def test_the_same_returns_built_again_reuse_every_year(added, returns, monkeypatch):
    root = added[0]
    solved = []  # every audit, an indicator's own or the bounds' joint one, builds its blocks
    build_block, write = audit._build, figures.write
    monkeypatch.setattr(figures, "write", partial(write, workers=1))  # here, to be counted
    monkeypatch.setattr(
        audit, "_build", lambda *args: solved.append(args[:2]) or build_block(*args)
    )
    joint = bounds.bounded_audit
    monkeypatch.setattr(bounds, "bounded_audit", lambda *a: solved.append("joint") or joint(*a))
    again = build(returns, root / "data")
    assert again.figures["reprotected"] == [] and len(again.figures["reused"]) == 25
    # share() protects some indicators again, round after round, and the bounds are solved
    # after each: every step was the previous build's, so none is solved again
    assert solved == []
    same_build(root / "data", root / "clean")


def test_a_replaced_year_protects_again_only_what_it_touches(returns, tmp_path, monkeypatch):
    build(returns, tmp_path / "data")
    replaced = tmp_path / "returns"
    shutil.copytree(returns, replaced)
    # Three children who ceased to be looked after in 2021-22 now returned home for another
    # reason (E4A -> E8): the reasons care ended in 2022 change, nothing else.
    path = replaced / "2022" / "episodes.csv"
    lines = path.read_text().splitlines()
    changed = [n for n, line in enumerate(lines) if line.split(",")[8] == "E4A"][:3]
    assert len(changed) == 3
    for n in changed:
        fields = lines[n].split(",")
        fields[8] = "E8"
        lines[n] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")

    solved, joint = [], bounds.bounded_audit  # the bounds' joint solves, each year's
    monkeypatch.setattr(bounds, "bounded_audit", lambda *a: solved.append(a) or joint(*a))
    rebuilt = build(replaced, tmp_path / "data")
    # The joint solves read no reasons care ended: each year is the previous build's
    assert solved == []
    clean = build(replaced, tmp_path / "clean")
    same_build(tmp_path / "data", tmp_path / "clean")
    assert rebuilt.figures["reprotected"] == [("ceased_by_reason", 2022)]
    assert rebuilt.figures["added"] == []
    assert "re-protected 1: 2022 (1))" in summary(rebuilt)
    assert clean.figures["reused"] == []


def test_the_cache_holds_keys_and_masks_and_is_not_published(added, tmp_path):
    root = added[0]
    saved = json.loads((root / "data" / figures.CACHE).read_text())
    assert set(saved) == {"code", "indicators", "joint"}
    assert set(saved["indicators"]) == set(INDICATORS)
    for years in saved["indicators"].values():
        for entries in years.values():
            assert entries and all(
                set(entry) == {"key", "shape", "mask", "unresolved"} for entry in entries
            )
    leaks = [leak for found in saved["joint"].values() for leak in found]
    assert saved["joint"] and all(set(leak) == set(audit.Leak.__annotations__) for leak in leaks)
    publish.publish(root / "data", tmp_path / "public")
    assert not (tmp_path / "public" / figures.CACHE).exists()


def test_a_cache_of_other_code_or_unreadable_is_not_used(added, returns, tmp_path, monkeypatch):
    root = added[0]
    shutil.copytree(root / "data", tmp_path / "data")
    monkeypatch.setattr(figures, "code_version", lambda: "other code")
    assert build(returns, tmp_path / "data").figures["reused"] == []
    monkeypatch.undo()
    (tmp_path / "data" / figures.CACHE).write_text("{not json")
    rebuilt = build(returns, tmp_path / "data")
    assert rebuilt.figures["reused"] == []
    same_build(tmp_path / "data", root / "clean")


@pytest.mark.parametrize("seed", range(30))
def test_the_audit_finds_the_same_leaks_in_sparse_matrices_as_in_dense_arrays(seed, monkeypatch):
    """The build solves small years' equations as dense arrays (audit.DENSE) for speed; a
    larger one as sparse matrices: the same leaks, to the value, on random lattices."""
    rng = np.random.default_rng(seed)
    unit, categories = [("count", ("",)), ("percent", ("",)), ("percent", ("a", "b", "c"))][
        seed % 3
    ]
    bands = ("Under 1", "1 to 4", "5 to 9")
    cells = {}
    for key in [(d, b, k) for d in DISTRICTS for b in bands for k in categories]:
        n = int(rng.integers(0, 9))
        cells[key] = (n, n + int(rng.integers(0, 9))) if unit == "percent" and not key[2] else n
    keys = list(cells)
    withheld = {keys[i] for i in rng.choice(len(keys), size=len(keys) // 3, replace=False)}
    frame = lattice(unit, cells, withheld, bands, categories)
    dense = audit.audit(frame)
    monkeypatch.setattr(audit, "DENSE", 0)
    assert audit.audit(frame) == dense
