"""Filters in the URL: valid values apply, invalid ones are ignored with a notice."""

from __future__ import annotations

import pytest

from carejsna import filters
from carejsna import indicators as ind
from tests.fixture_returns import ASHFIELD, MANSFIELD


@pytest.fixture(scope="module")
def context(con, fixture_data):
    return ind.Context.load(con, fixture_data)


def test_valid_url_values_apply(context):
    values, problems = filters.from_url(
        {"district": [MANSFIELD, ASHFIELD], "age_band": ["1 to 4"], "from": ["2024"]}, context
    )
    assert problems == []
    expected = ind.Selection(2024, 2024, (MANSFIELD, ASHFIELD), ("1 to 4",), comparator="E92000001")
    assert filters.selection(values) == expected  # England, shipped, is the default comparator


def test_invalid_url_values_are_ignored_with_a_notice(context):
    values, problems = filters.from_url(
        {"district": ["E99999999", MANSFIELD], "age_band": ["ninety"], "to": ["1066"]}, context
    )
    assert values["district"] == [MANSFIELD] and values["age_band"] == [] and values["to"] == 2024
    assert len(problems) == 3
    assert "`district='E99999999'` is not a district code in this data" in problems[0]
    assert "age_band='ninety'" in problems[1] and "to='1066'" in problems[2]


def test_a_parameter_that_is_no_filter_is_named_and_ignored(context):
    values, problems = filters.from_url({"foo": ["bar"], "indicator": ["cla_started"]}, context)
    assert values == filters.defaults(context)
    assert problems == [
        "The link's `'foo'` is not one of the explorer's filters (district, age_band, from, to, "
        "ci, round, combine, compare); it was ignored."
    ]  # a page's own parameter (the indicator) is that page's to read


def test_backwards_years_are_swapped_with_a_notice(context):
    values, problems = filters.from_url({"from": ["2024"], "to": ["2023"]}, context)
    assert (values["from"], values["to"]) == (2023, 2024)
    assert "backwards" in problems[0]


def test_a_value_given_twice_says_the_first_is_used(context):
    params = {"ci": ["99.8", "95"], "compare": ["E12000004", "E92000001"], "to": ["2024", "2023"]}
    values, problems = filters.from_url(params, context)
    assert (values["ci"], values["compare"], values["to"]) == ("99.8", "E12000004", 2024)
    assert problems == [
        "The link gives to more than once; the first, 2024, is used.",
        "The link gives ci more than once; the first, 99.8, is used.",
        "The link gives compare more than once; the first, E12000004, is used.",
    ]


def test_url_keeps_only_what_differs_from_the_defaults(context):
    values = {**filters.defaults(context), "district": [MANSFIELD]}
    assert filters.to_url(values, context) == {"district": [MANSFIELD]}
    assert filters.from_url(filters.to_url(values, context), context) == (values, [])


def test_a_link_value_is_said_back_as_short_plain_text(context):
    link = "[Log in again](https://evil.example/login)"
    image = "![t](https://evil.example/pixel.png)"
    _, problems = filters.from_url({"district": [link, image, "E" * 5000]}, context)
    for problem, value in zip(problems, (link, image, "E" * 5000), strict=True):
        echoed = problem.split("`")[1]  # inside code: markdown shows it as it is
        assert echoed.startswith("district=")
        assert len(echoed) <= len("district=''…") + filters.ECHOED
        assert value[: filters.ECHOED] in echoed
        assert problem.count("`") == 2
    assert "E" * (filters.ECHOED + 1) not in problems[2]
