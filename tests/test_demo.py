"""`carejsna demo` and `carejsna build` reproduce the committed demo returns and extracts."""

from __future__ import annotations

import filecmp
import json
from pathlib import Path

import pandas as pd
import pytest

from carejsna.cli import main
from carejsna.figures import CACHE

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rebuilt(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--out", str(out / "returns")]) == 0
    assert main(["build", str(out / "returns"), "--out", str(out / "data")]) == 0
    return out


def files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_demo_returns_are_reproduced_byte_for_byte(rebuilt):
    committed = ROOT / "demo" / "returns"
    assert files(rebuilt / "returns") == files(committed)
    differ = [
        name
        for name in files(committed)
        if not filecmp.cmp(committed / name, rebuilt / "returns" / name, shallow=False)
    ]
    assert differ == []


def test_extracts_are_reproduced_row_for_row(rebuilt):
    committed = ROOT / "data"
    # The build's note for the next build into the same folder (figures.CACHE) is not an
    # extract: it names the code it was made with, so it is not kept in git.
    assert [f for f in files(rebuilt / "data") if f != CACHE] == files(committed)
    for path in sorted(committed.glob("*.parquet")):
        pd.testing.assert_frame_equal(
            pd.read_parquet(rebuilt / "data" / path.name), pd.read_parquet(path), obj=path.name
        )
    where = "returns"  # the returns folder, relative to the extracts: depends where they are
    rebuilt_metadata = json.loads((rebuilt / "data" / "metadata.json").read_text())
    committed_metadata = json.loads((committed / "metadata.json").read_text())
    assert rebuilt_metadata.pop(where) == "../returns"
    assert committed_metadata.pop(where) == "../demo/returns"
    assert rebuilt_metadata == committed_metadata


def test_demo_says_it_is_synthetic():
    council = (ROOT / "demo" / "returns" / "council.toml").read_text()
    assert "synthetic = true" in council
    assert "Example target for the demo" in (ROOT / "demo" / "returns" / "targets.csv").read_text()
