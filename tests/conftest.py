"""Shared fixtures: the hand-made returns built into extracts, and a connection to them."""

from __future__ import annotations

import pytest

from carejsna import db
from carejsna.returns.build import build
from tests import fixture_returns


@pytest.fixture(scope="session")
def fixture_data(tmp_path_factory):
    root = tmp_path_factory.mktemp("fixture")
    returns = fixture_returns.write(root / "returns")
    result = build(returns, root / "data")
    assert not result.failed, result.problems
    return root / "data"


@pytest.fixture(scope="session")
def con(fixture_data):
    return fixture_returns.with_child_ids(db.connect(fixture_data), fixture_data.parent / "returns")
