"""Disclosure control: no count of 1 to 4 children, nor anything computed from one, is shown."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from carejsna import catalogue, disclosure
from carejsna import indicators as ind


def frame(numerators, denominators, values):
    return pd.DataFrame(
        {"numerator": numerators, "denominator": denominators, "value": values, "symbol": ""}
    )


@pytest.mark.parametrize(("count", "suppressed"), [(0, False), (1, True), (4, True), (5, False)])
def test_counts_from_one_to_four_are_suppressed(count, suppressed):
    out = disclosure.protect(frame([count], [None], [count]), "count")
    assert (out.loc[0, "symbol"] == "c") is suppressed
    assert math.isnan(out.loc[0, "value"]) is suppressed


def test_rate_from_a_small_count_is_suppressed_but_zero_is_shown():
    out = disclosure.protect(frame([3, 0], [2000, 2000], [15.0, 0.0]), "rate_per_10k")
    assert list(out["symbol"]) == ["c", ""]
    assert math.isnan(out.loc[0, "numerator"]) and out.loc[1, "value"] == 0


def test_percentage_hides_small_numerator_denominator_and_complement():
    out = disclosure.protect(frame([2, 3, 48, 30], [40, 3, 50, 50], [5, 100, 96, 60]), "percent")
    assert list(out["symbol"]) == ["c", "c", "c", ""]
    assert math.isnan(out.loc[1, "denominator"])  # 3 children in all: hidden too
    assert out.loc[2, "denominator"] == 50  # 48 of 50: the 2 without would show; 50 may stay


def test_figures_never_show_a_small_count(con, fixture_data):
    context = ind.Context.load(con, fixture_data)
    selection = ind.Selection(2023, 2024)
    for indicator in catalogue.catalogue().values():
        cells = ind.cells(con, indicator, selection)
        for view in ind.views(indicator):
            figures = ind.figures(cells, indicator, selection, view, context)
            table = ind.table(figures, indicator, context, thousands=False)
            counts = pd.to_numeric(table["numerator"], errors="coerce")
            assert not counts.between(1, 4).any(), (indicator.id, view, table)
            # The hand-made returns have only 1 to 3 children per cell: all are withheld.
            assert set(table.loc[figures["numerator"].isna(), "value"]) <= {"c", "x", "z"}
