"""Intervals, comparisons and trend tests against published worked examples, and properties."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import optimize
from scipy import stats as sp

from carejsna import stats

Z95 = sp.norm.ppf(0.975)
Z998 = sp.norm.ppf(0.999)


# --- Wilson score interval -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("o", "n", "lower", "upper"),
    [
        # Newcombe RG (1998) "Two-sided confidence intervals for the single proportion:
        # comparison of seven methods", Statistics in Medicine 17:857-872, Table I, method 3
        # (score interval without continuity correction), printed to 4 d.p.
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_matches_newcombe_table_1(o, n, lower, upper):
    got = stats.wilson(o, n)
    assert round(float(got[0]), 4) == lower
    assert round(float(got[1]), 4) == upper


@pytest.mark.parametrize(
    ("o", "n", "level", "side", "expected"),
    [
        # DHSC's Python port of PHEindicatormethods (DataS-DHSC/PHStatsMethods,
        # ph_statistical_methods/tests/test.wilsons.py): its expected Wilson limits.
        (20, 360, 0.95, 0, 0.036248204600072345),
        (550, 2400, 0.998, 0, 0.20375892211705743),
        (30, 400, 0.95, 1, 0.10504770626130437),
        (76, 238, 0.998, 1, 0.418131030603369),
    ],
)
def test_wilson_matches_ohid_python_port(o, n, level, side, expected):
    assert stats.wilson(o, n, level)[side] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("level", "z"), [(0.95, Z95), (0.998, Z998)])
@pytest.mark.parametrize("n", [1, 7, 20, 1000])
def test_wilson_at_none_and_all(level, z, n):
    # Wilson (1927): the limits solve (p - pi)^2 = z^2 pi (1 - pi) / n, which for p = 0 gives
    # 0 and z^2 / (n + z^2), and for p = 1 gives n / (n + z^2) and 1.
    lower, upper = stats.wilson(0, n, level)
    assert lower == 0
    assert upper == pytest.approx(z**2 / (n + z**2), rel=1e-12)
    lower, upper = stats.wilson(n, n, level)
    assert lower == pytest.approx(n / (n + z**2), rel=1e-12)
    assert upper == 1


@given(st.integers(1, 10_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_limits_solve_the_score_equation(case):
    o, n = case
    p = o / n
    for level in stats.LEVELS:
        z = stats.z_for(level)
        for limit in stats.wilson(o, n, level):
            assert (p - limit) ** 2 == pytest.approx(z**2 * limit * (1 - limit) / n, abs=1e-12)


@given(st.integers(1, 100_000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_proportion_and_widens(case):
    o, n = case
    low95, high95 = stats.wilson(o, n, 0.95)
    low998, high998 = stats.wilson(o, n, 0.998)
    assert 0 <= low998 <= low95 <= o / n <= high95 <= high998 <= 1


def test_wilson_returns_nan_for_what_it_cannot_estimate():
    lower, upper = stats.wilson([0, np.nan, 5, -1, 3], [0, 10, np.nan, 10, 2])
    assert np.isnan(lower).all()
    assert np.isnan(upper).all()


# --- counts and rates ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("o", "lower", "upper"),
    [
        # Exact (Garwood 1936) 95% limits for an observed count, to the places usually
        # tabulated. 0 and 1 have closed forms: -ln(0.025) = 3.6889 (also epitools' pois.exact
        # documentation: "pois.exact returns 3.689"), and -ln(0.975) = 0.02532. The others
        # were checked against scipy's chi-square quantiles and, independently, against the
        # Poisson tail probabilities in test_exact_limits_leave_half_alpha_in_each_tail.
        (0, 0.0, 3.689),
        (1, 0.0253, 5.572),
        (5, 1.6235, 11.668),
        (9, 4.1154, 17.085),
    ],
)
def test_exact_poisson_limits_95(o, lower, upper):
    got = stats.poisson_count(o)
    assert float(got[0]) == pytest.approx(lower, abs=5e-5)
    assert float(got[1]) == pytest.approx(upper, abs=5e-4)


def test_exact_poisson_limits_closed_forms_at_both_levels():
    for level in stats.LEVELS:
        tail = (1 - level) / 2
        assert stats.poisson_count(0, level) == (0, pytest.approx(-math.log(tail)))
        assert stats.poisson_count(1, level)[0] == pytest.approx(-math.log(1 - tail))


@pytest.mark.parametrize("level", stats.LEVELS)
def test_exact_limits_leave_half_alpha_in_each_tail(level):
    # The definition (Garwood 1936): P(X >= O | lower) = P(X <= O | upper) = alpha / 2.
    tail = (1 - level) / 2
    o = np.arange(0, 10)
    lower, upper = stats.poisson_count(o, level)
    assert sp.poisson.sf(o[1:] - 1, lower[1:]) == pytest.approx(tail, rel=1e-9)
    assert sp.poisson.cdf(o, upper) == pytest.approx(tail, rel=1e-9)


@pytest.mark.parametrize("level", stats.LEVELS)
def test_byars_method_from_ten_events(level):
    # phe_rate (PHEindicatormethods R/Rates.R): exact where x < 10, Byar's from 10 up.
    z = stats.z_for(level)
    lower, upper = stats.poisson_count(10, level)
    assert lower == pytest.approx(10 * (1 - 1 / 90 - z / (3 * math.sqrt(10))) ** 3)
    assert upper == pytest.approx(11 * (1 - 1 / 99 + z / (3 * math.sqrt(11))) ** 3)
    assert stats.poisson_count(9, level)[0] == pytest.approx(sp.chi2.ppf((1 - level) / 2, 18) / 2)


def test_byars_within_a_fifth_of_a_percent_of_exact():
    # PHE Public Health Data Science, "Technical Guide: Confidence Intervals" (25 May 2018):
    # "For 95% confidence intervals, Byar's method is within 0.2% of the exact value for
    # numerators of 10 or more."
    o = np.arange(10, 5001)
    lower, upper = stats.poisson_count(o, 0.95)
    assert np.abs(lower / (sp.chi2.ppf(0.025, 2 * o) / 2) - 1).max() < 0.002
    assert np.abs(upper / (sp.chi2.isf(0.025, 2 * o + 2) / 2) - 1).max() < 0.002


@given(st.integers(0, 1_000_000))
def test_count_limits_contain_the_count_and_widen(o):
    low95, high95 = stats.poisson_count(o, 0.95)
    low998, high998 = stats.poisson_count(o, 0.998)
    assert 0 <= low998 <= low95 <= o <= high95 <= high998


def test_count_limits_rise_with_the_count():
    lower, upper = stats.poisson_count(np.arange(0, 200), 0.998)
    assert (np.diff(lower) > 0).all()
    assert (np.diff(upper) > 0).all()


def test_rate_is_count_limits_over_denominator():
    counts = np.array([0, 3, 9, 10, 250])
    lower, upper = stats.rate(counts, 20_000, multiplier=10_000)
    count_lower, count_upper = stats.poisson_count(counts)
    assert lower == pytest.approx(count_lower / 2)
    assert upper == pytest.approx(count_upper / 2)
    assert lower[0] == 0
    assert upper[0] == pytest.approx(-math.log(0.025) / 2)


def test_rate_is_nan_without_a_denominator_or_count():
    lower, upper = stats.rate([5, 5, np.nan, -1], [0, np.nan, 100, 100])
    assert np.isnan(lower).all()
    assert np.isnan(upper).all()


# --- means -----------------------------------------------------------------------------------

# Student's sleep data (Cushny and Peebles 1905, R's `sleep`): extra hours of sleep under two
# drugs for the same ten patients. R's t.test(extra[group == 1], extra[group == 2],
# paired = TRUE), printed in countless R tutorials, gives the mean difference -1.58 with 95%
# confidence interval -2.4598858 to -0.7001142: a one-sample t interval on the differences.
SLEEP_1 = np.array([0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0])
SLEEP_2 = np.array([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4])


def test_mean_t_matches_r_on_students_sleep_data():
    d = SLEEP_1 - SLEEP_2
    lower, upper = stats.mean_t(d.sum(), d.size, (d**2).sum())
    assert lower == pytest.approx(-2.4598858, abs=5e-8)
    assert upper == pytest.approx(-0.7001142, abs=5e-8)


@given(st.lists(st.integers(-1000, 1000), min_size=2, max_size=60))
def test_mean_t_from_sums_equals_the_record_level_interval(values):
    x = np.array(values, dtype=float)
    for level in stats.LEVELS:
        lower, upper = stats.mean_t(x.sum(), x.size, (x**2).sum(), level)
        half = sp.t.ppf(0.5 + level / 2, x.size - 1) * x.std(ddof=1) / math.sqrt(x.size)
        assert lower == pytest.approx(x.mean() - half, abs=1e-6)
        assert upper == pytest.approx(x.mean() + half, abs=1e-6)


def test_mean_t_needs_two_values():
    lower, upper = stats.mean_t([0, 5, 5, np.nan], [0, 1, 2, 3], [0, 25, 12.5, 10])
    assert np.isnan(lower[:2]).all() and np.isnan(upper[:2]).all()
    assert lower[2] == upper[2] == 2.5  # two equal values: no spread, a zero-width interval
    assert np.isnan(lower[3])


# --- limits for a unit, at 95% and 99.8% from one call ---------------------------------------


def test_limits_percent_gives_both_levels_in_per_cent():
    frame = stats.limits("percent", pd.Series([0, 81, 20], index=list("abc")), [20, 263, 20])
    assert list(frame.columns) == ["value", "lower_95", "upper_95", "lower_99_8", "upper_99_8"]
    assert list(frame.index) == list("abc")
    assert frame.loc["b", "value"] == pytest.approx(100 * 81 / 263)
    assert frame.loc["b", "lower_95"] == pytest.approx(25.53, abs=0.005)  # Newcombe, above
    assert frame.loc["a", ["lower_95", "lower_99_8"]].tolist() == [0, 0]
    assert frame.loc["c", ["upper_95", "upper_99_8"]].tolist() == [100, 100]
    assert (frame["lower_99_8"] <= frame["lower_95"]).all()
    assert (frame["upper_99_8"] >= frame["upper_95"]).all()


def test_limits_rate_count_and_mean():
    rates = stats.limits("rate_per_10k", [0, 45], [9000, 9000])
    assert rates["value"].tolist() == pytest.approx([0, 50])
    assert rates["upper_95"][0] == pytest.approx(-math.log(0.025) / 0.9)
    counts = stats.limits("count", [0, 12])
    assert counts["value"].tolist() == [0, 12]
    assert counts["upper_99_8"][0] == pytest.approx(-math.log(0.001))
    d = SLEEP_1 - SLEEP_2
    means = stats.limits("mean", d.sum(), d.size, (d**2).sum(), levels=(0.95,))
    assert means.iloc[0].tolist() == pytest.approx([-1.58, -2.4598858, -0.7001142])


def test_limits_never_raise_on_zero_denominators():
    frame = stats.limits("percent", [0, 0], [0, 5])
    assert frame.iloc[0].isna().all()
    assert frame.iloc[1].tolist() == pytest.approx(
        [0, 0, 100 * Z95**2 / (5 + Z95**2), 0, 100 * Z998**2 / (5 + Z998**2)]
    )


def test_limits_refuses_unknown_units():
    with pytest.raises(ValueError, match="unknown unit"):
        stats.limits("per_mille", [1], [2])
    with pytest.raises(ValueError, match="sum_squares"):
        stats.limits("mean", [1], [2])


# --- comparison with a benchmark -------------------------------------------------------------


@pytest.mark.parametrize(
    ("polarity", "above", "below"),
    [
        ("higher_is_better", "better", "worse"),
        ("higher_is_worse", "worse", "better"),
        ("no_judgement", "higher", "lower"),
    ],
)
def test_compare_words_follow_polarity(polarity, above, below):
    lower = [12, 2, 5, 10, 5, np.nan, 5]
    upper = [15, 4, 15, 15, 10, 9, 9]
    benchmark = [10, 10, 10, 10, 10, 10, np.nan]
    assert stats.compare(lower, upper, benchmark, polarity).tolist() == [
        above,
        below,
        "similar",
        "similar",  # the benchmark on a limit counts as within the interval
        "similar",
        "not compared",
        "not compared",
    ]


def test_compare_broadcasts_one_benchmark_and_refuses_unknown_polarity():
    assert stats.compare([1, 3], [2, 4], 2.5, "no_judgement").tolist() == ["lower", "higher"]
    with pytest.raises(ValueError, match="polarity"):
        stats.compare([1], [2], 3, "lower_is_better")


# --- trend in proportions --------------------------------------------------------------------


def test_trend_proportions_matches_r_prop_trend_test():
    # R's ?prop.trend.test example (smokers among patients, from Fleiss 1981 via ?prop.test):
    # X-squared = 8.2249, df = 1, p-value = 0.004132, as R prints it.
    trend = stats.trend_proportions(
        [83, 90, 129, 70], [86, 93, 136, 82], [1, 2, 3, 4], min_points=4
    )
    assert trend.statistic == pytest.approx(8.2249, abs=5e-5)
    assert trend.p_value == pytest.approx(0.004132, abs=5e-7)
    assert trend.direction == stats.DECREASING


def test_trend_proportions_on_rosners_age_at_first_birth_example():
    # Rosner, Fundamentals of Biostatistics, chi-square test for trend (pp. 430-437): breast
    # cancer cases among women by age at first birth in five groups; a course handout working
    # it in R prints A = 567.16. Checked a second way: Armitage's statistic equals N r^2,
    # r the correlation between group score and outcome over the individual women.
    cases = np.array([320, 1206, 1011, 463, 220])
    women = np.array([1742, 5638, 3904, 1555, 626])
    score = np.arange(1, 6)
    trend = stats.trend_proportions(cases, women, score)
    people = np.column_stack([cases, women - cases]).ravel()  # cases, then the rest, by group
    outcome = np.repeat(np.tile([1.0, 0.0], 5), people)
    scores = np.repeat(np.repeat(score, 2), people)
    r = np.corrcoef(outcome, scores)[0, 1]
    assert trend.statistic == pytest.approx(outcome.size * r**2, rel=1e-9)
    p = cases.sum() / women.sum()
    spread = (women * (score - (women * score).sum() / women.sum()) ** 2).sum()
    assert math.sqrt(trend.statistic * p * (1 - p) * spread) == pytest.approx(567.16, abs=0.005)
    assert trend.direction == stats.INCREASING
    assert trend.points == 5


def test_trend_proportions_needs_five_usable_points():
    years = [2020, 2021, 2022, 2023, 2024]
    short = stats.trend_proportions([1, 2, 3, 4], [10, 10, 10, 10], years[:4])
    assert short.direction == stats.NOT_ENOUGH_DATA
    assert math.isnan(short.statistic) and math.isnan(short.p_value)
    gap = stats.trend_proportions([1, 2, 3, 4, 5], [10, 10, 0, 10, 10], years)
    assert (gap.direction, gap.points) == (stats.NOT_ENOUGH_DATA, 4)
    assert stats.trend_proportions([1, np.nan, 3, 4, 5], [10] * 5, years).points == 4


def test_trend_proportions_with_no_events_is_no_change():
    trend = stats.trend_proportions([0] * 5, [40] * 5, range(2020, 2025))
    assert (trend.direction, trend.statistic, trend.p_value) == (stats.NO_CHANGE, 0, 1)


def test_trend_proportions_alpha_sets_the_bar():
    args = ([20, 24, 28, 30, 34], [200] * 5, range(2020, 2025))
    trend = stats.trend_proportions(*args)
    assert 0.01 < trend.p_value < 0.05
    assert trend.direction == stats.INCREASING
    assert stats.trend_proportions(*args, alpha=0.01).direction == stats.NO_CHANGE
    # Order of the points does not matter, and the slope is per year.
    shuffled = stats.trend_proportions(
        [30, 20, 34, 24, 28], [200] * 5, [2023, 2020, 2024, 2021, 2022]
    )
    assert shuffled.statistic == pytest.approx(trend.statistic)
    assert trend.slope == pytest.approx(0.017)


# --- trend in counts and rates ---------------------------------------------------------------

# New AIDS cases in Belgium, 1981-1993 (the log-linear example in Wood, "Generalized Additive
# Models: An Introduction with R"). R's glm(y ~ t, poisson), as printed on RPubs
# (rstudio-pubs-static 1419470): slope 0.2021212, null deviance 872.2, residual deviance 80.69.
AIDS = [12, 14, 33, 50, 67, 74, 123, 141, 165, 204, 253, 246, 240]


def test_trend_counts_matches_r_glm_on_belgian_aids_cases():
    trend = stats.trend_counts(AIDS, range(1981, 1994))
    assert trend.slope == pytest.approx(0.2021212, abs=5e-8)
    assert trend.statistic == pytest.approx(872.2 - 80.69, abs=0.06)  # the deviance drop
    assert trend.direction == stats.INCREASING
    assert trend.points == 13


def _poisson_by_scipy(counts, years, exposures):
    # An independent fit: minimise the negative log-likelihood numerically.
    counts, x, offset = np.asarray(counts, float), np.asarray(years, float), np.log(exposures)
    x = x - x.mean()

    def minus_loglik(beta):
        eta = offset + beta[0] + beta[1] * x
        return -(counts * eta - np.exp(eta)).sum()

    start = [math.log(counts.sum() / np.sum(exposures)), 0.0]
    fit = optimize.minimize(
        minus_loglik,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-12, "fatol": 1e-12, "maxiter": 20_000},
    )
    mu = np.exp(offset + fit.x[0] + fit.x[1] * x)
    design = np.column_stack([np.ones_like(x), x])
    variance = np.linalg.inv(design.T @ (mu[:, None] * design))[1, 1]
    null = -minus_loglik(start)  # the null model's intercept is start[0] exactly
    return fit.x[1], 2 * (-fit.fun - null), fit.x[1] ** 2 / variance


def test_trend_counts_rates_agree_with_an_independent_fit():
    counts = [31, 28, 40, 45, 52]
    population = [61_200, 62_050, 62_400, 63_900, 64_100]
    years = range(2020, 2025)
    slope, lr, wald = _poisson_by_scipy(counts, years, population)
    trend = stats.trend_counts(counts, years, population)
    assert trend.slope == pytest.approx(slope, abs=1e-6)
    assert trend.statistic == pytest.approx(lr, rel=1e-6)
    assert trend.direction == stats.INCREASING
    by_wald = stats.trend_counts(counts, years, population, test="wald")
    assert by_wald.statistic == pytest.approx(wald, rel=1e-5)
    assert by_wald.slope == trend.slope


def test_trend_counts_ignores_the_scale_of_exposure():
    counts, years = [31, 28, 40, 45, 52], range(2020, 2025)
    pop = np.array([61_200, 62_050, 62_400, 63_900, 64_100])
    a = stats.trend_counts(counts, years, pop)
    b = stats.trend_counts(counts, years, pop / 10_000)
    assert (a.statistic, a.slope) == pytest.approx((b.statistic, b.slope))


def test_trend_counts_constant_rate_is_no_change():
    pop = np.array([50_000, 55_000, 60_000, 65_000, 70_000])
    trend = stats.trend_counts(pop / 1000, range(2020, 2025), pop)
    assert trend.statistic == pytest.approx(0, abs=1e-9)
    assert trend.slope == pytest.approx(0, abs=1e-9)
    assert trend.direction == stats.NO_CHANGE
    rising = stats.trend_counts(pop / 1000, range(2020, 2025))  # as counts, they do rise
    assert rising.slope > 0


def test_trend_counts_edge_cases_never_raise():
    years = range(2020, 2025)
    assert stats.trend_counts([1, 2, 3, 4], years[:4]).direction == stats.NOT_ENOUGH_DATA
    assert stats.trend_counts([1, 2, 3, 4, 5], years, [1, 1, 0, 1, 1]).points == 4
    assert stats.trend_counts([1, 2, np.nan, 4, 5, 6], range(2019, 2025)).points == 5
    none = stats.trend_counts([0] * 5, years, [1000] * 5)
    assert (none.direction, none.statistic, none.p_value) == (stats.NO_CHANGE, 0, 1)
    # Every count but the last zero: the slope runs off, the likelihood ratio stays finite.
    sudden = stats.trend_counts([0, 0, 0, 0, 50], years)
    assert math.isfinite(sudden.statistic)
    assert sudden.direction == stats.INCREASING
    with pytest.raises(ValueError, match="test"):
        stats.trend_counts([1, 2, 3, 4, 5], years, test="score")


def test_levels_and_suffixes():
    assert stats.z_for(0.95) == pytest.approx(1.959964, abs=1e-6)
    assert stats.z_for(0.998) == pytest.approx(3.090232, abs=1e-6)
    assert [stats.level_suffix(x) for x in stats.LEVELS] == ["95", "99_8"]
    with pytest.raises(ValueError):
        stats.z_for(95)


def test_the_methods_give_the_significance_threshold_of_the_level_chosen():
    # The chapter's appendix had said "p < 0.05" under a 99.8% pack whose trends need p < 0.002.
    assert stats.methods_text(0.998).endswith("only when its test gives p < 0.002.")
    assert "99.8% confidence interval" in stats.methods_text(0.998)
    assert stats.methods_text(0.95).endswith("p < 0.05.")


def test_recent_trend_is_only_called_significant_when_it_is():
    import pandas as pd

    from carejsna import catalogue
    from carejsna import indicators as ind

    years = pd.Series([2020, 2021, 2022, 2023, 2024])
    flat = pd.DataFrame(
        {"area_name": "A", "year": years, "numerator": [50.0, 52, 49, 51, 50],
         "denominator": [100.0] * 5, "symbol": ""}
    )  # fmt: skip
    rising = flat.assign(numerator=[20.0, 35, 50, 65, 80])
    indicator = catalogue.get("pct_health_assessment")
    assert "no statistically significant change" in ind.trend_sentence(
        ind.recent_trend(flat, indicator), years
    )
    assert "increasing, statistically significant (p < 0.001)" in ind.trend_sentence(
        ind.recent_trend(rising, indicator), years
    )
    plain = ind.trend_sentence(ind.recent_trend(rising, indicator), years, plain=True)
    assert plain == "Recent trend (2020 to 2024): increasing, statistically significant."
    withheld = rising.assign(symbol=["", "", "c", "", ""])
    assert "not tested" in ind.trend_sentence(ind.recent_trend(withheld, indicator), years)
    # p = 0.035: significant at 95%, not at 99.8% (alpha 0.002), whether the build stored the
    # verdict (at 95%) or it is worked out afresh
    some = flat.assign(numerator=[40.0, 44, 47, 52, 55], denominator=[100.0] * 5)
    fresh = ind.recent_trend(some, indicator)
    assert fresh.direction == "increasing" and 0.002 < fresh.p_value < 0.05, fresh
    stored = some.assign(trend="increasing", trend_p=fresh.p_value)
    for frame in (some, stored):
        strict = ind.recent_trend(frame, indicator, level=0.998)
        assert strict.direction == "no significant change", frame.columns
        assert ind.trend_sentence(strict, years, level=0.998) == (
            "Recent trend (2020 to 2024): no statistically significant change at the 99.8% level."
        )


def test_year_on_year_tests_two_points_as_the_trend_tests_do():
    # 50 of 100, then 70 of 100: pooled 0.6, chi-square = 0.2^2 / (0.6 * 0.4 * 0.02) = 8.333.
    change = stats.year_on_year("percent", {"numerator": 50, "denominator": 100},
                                {"numerator": 70, "denominator": 100})  # fmt: skip
    assert change.statistic == pytest.approx(8.3333, abs=1e-3)
    assert change.direction == stats.INCREASING
    same = stats.year_on_year("percent", {"numerator": 50, "denominator": 100},
                              {"numerator": 49, "denominator": 100})  # fmt: skip
    assert same.direction == stats.NO_CHANGE
    # Means 14 and 10 from 10 children each, variances 140/9 and 100/9: Welch's t = -2.449.
    mean = stats.year_on_year(
        "mean", {"numerator": 140, "denominator": 10, "sum_squares": 2100},
        {"numerator": 100, "denominator": 10, "sum_squares": 1100},
    )  # fmt: skip
    assert mean.statistic == pytest.approx(-2.4495, abs=1e-4)
    assert mean.direction == stats.DECREASING
    # Counts: 1,000 then 1,100 (Poisson, likelihood ratio) is significant; 100 then 104 is not.
    assert stats.year_on_year("count", {"numerator": 1000}, {"numerator": 1100}).p_value < 0.05
    rate = stats.year_on_year("rate_per_10k", {"numerator": 100, "denominator": 10_000},
                              {"numerator": 104, "denominator": 10_000})  # fmt: skip
    assert rate.direction == stats.NO_CHANGE
    missing = stats.year_on_year("count", {"numerator": float("nan")}, {"numerator": 3})
    assert missing.direction == stats.NOT_ENOUGH_DATA


def test_a_sentence_ranks_only_districts_with_figures_and_names_what_it_ranks_on():
    from carejsna import overview

    districts = pd.DataFrame(
        {
            "area_code": ["A", "B", "C", "D", "E", "UNKNOWN", "COUNCIL"],
            "area_name": ["Ash", "Bee", "Cee", "Dee", "Eee", "Unknown", "Council"],
            "value": [50.0, 40.0, float("nan"), 30.0, float("nan"), 99.0, 45.0],
            "symbol": ["", "", "c", "", "c", "", ""],
        }
    )
    said = overview._rank(districts, "Bee", "rate per 10,000 children")
    assert said == (
        "; its rate per 10,000 children (40.0) is the second highest of the 3 districts with "
        "figures shown (2 withheld)"
    )
    assert overview._rank(districts, "Ash", "") == (
        ", the highest of the 3 districts with figures shown (2 withheld)"
    )
    assert overview._rank(districts, "Cee", "") == ""  # a withheld district is not ranked


# The difference between two groups (children placed away from home and near): worked by hand.


def test_two_proportions_z_test_by_hand():
    # 25 of 50 against 90 of 120: pooled 115/170; se = sqrt(p(1-p)(1/50 + 1/120)); z = -0.25/se.
    pooled = 115 / 170
    z = -0.25 / math.sqrt(pooled * (1 - pooled) * (1 / 50 + 1 / 120))
    result = stats.difference(
        "percent", {"numerator": 25, "denominator": 50}, {"numerator": 90, "denominator": 120},
        "higher_is_better",
    )  # fmt: skip
    assert result.method == "two-proportion z test"
    assert result.statistic == pytest.approx(z) == pytest.approx(-3.17476, abs=1e-5)
    assert result.p_value == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert result.p_value == pytest.approx(0.0015, abs=1e-4)
    assert result.difference == pytest.approx(-25.0)
    assert result.verdict == "worse"  # lower, where higher is better, and significant
    # Newcombe's interval from the Wilson limits of each proportion.
    (l1, u1), (l2, u2) = stats.wilson(25, 50), stats.wilson(90, 120)
    assert result.lower == pytest.approx(100 * (-0.25 - math.hypot(0.5 - l1, u2 - 0.75)))
    assert result.upper == pytest.approx(100 * (-0.25 + math.hypot(u1 - 0.5, 0.75 - l2)))


def test_a_difference_short_of_significance_is_similar():
    # 30 of 50 against 90 of 120: z = -1.956, p = 0.0505: not significant at 5%.
    result = stats.difference(
        "percent", {"numerator": 30, "denominator": 50}, {"numerator": 90, "denominator": 120},
        "higher_is_better",
    )  # fmt: skip
    assert result.p_value == pytest.approx(0.0505, abs=1e-4)
    assert result.verdict == stats.SIMILAR


def test_fishers_exact_test_where_an_expected_count_is_small():
    # 5 of 5 against 1 of 5: expected counts 3 and 2 (< 5). Margins 5, 5 and 6, 4 of 10:
    # P(a) = C(6, a) C(4, 5 - a) / C(10, 5), a = 1..5: 6, 60, 120, 60, 6 over 252. Two-sided:
    # the tables no likelier than the one seen (a = 5 and a = 1): 12/252.
    result = stats.difference(
        "percent", {"numerator": 5, "denominator": 5}, {"numerator": 1, "denominator": 5},
        "higher_is_better",
    )  # fmt: skip
    assert result.method == "Fisher's exact test"
    assert result.p_value == pytest.approx(12 / 252)
    assert result.verdict == "better"
    assert stats.difference(
        "percent", {"numerator": 5, "denominator": 5}, {"numerator": 1, "denominator": 5},
        "higher_is_better", level=0.998,
    ).verdict == stats.SIMILAR  # fmt: skip


def test_welchs_t_test_from_sums_by_hand():
    # n 10, total 150, sum of squares 2500 (mean 15, variance 250/9) against n 20, total 240,
    # sum of squares 3200 (mean 12, variance 320/19): se^2 = 250/90 + 320/380.
    v1, v2 = 250 / 9 / 10, 320 / 19 / 20
    t = 3 / math.sqrt(v1 + v2)
    df = (v1 + v2) ** 2 / (v1**2 / 9 + v2**2 / 19)
    result = stats.difference(
        "mean", {"numerator": 150, "denominator": 10, "sum_squares": 2500},
        {"numerator": 240, "denominator": 20, "sum_squares": 3200}, "higher_is_worse",
    )  # fmt: skip
    assert result.method == "Welch's t-test"
    assert result.statistic == pytest.approx(t) == pytest.approx(1.57679, abs=1e-5)
    assert df == pytest.approx(14.65, abs=0.01)
    assert result.p_value == pytest.approx(2 * sp.t.sf(t, df))
    assert result.verdict == stats.SIMILAR and result.difference == pytest.approx(3.0)
    half = sp.t.isf(0.025, df) * math.sqrt(v1 + v2)
    assert (result.lower, result.upper) == pytest.approx((3 - half, 3 + half))


@given(
    st.lists(st.integers(0, 40), min_size=2, max_size=30),
    st.lists(st.integers(0, 40), min_size=2, max_size=30),
)
def test_welch_from_sums_equals_the_record_level_test(first, second):
    assume(np.var(first) > 0 and np.var(second) > 0)
    sums = [
        {"numerator": sum(v), "denominator": len(v), "sum_squares": sum(x * x for x in v)}
        for v in (first, second)
    ]
    result = stats.difference("mean", *sums, "higher_is_worse")
    expected = sp.ttest_ind(first, second, equal_var=False)
    assert result.p_value == pytest.approx(expected.pvalue, rel=1e-6, abs=1e-12)


def test_a_withheld_or_missing_figure_is_not_compared():
    withheld = {"numerator": float("nan"), "denominator": float("nan")}
    shown = {"numerator": 40, "denominator": 50}
    assert stats.difference("percent", withheld, shown, "higher_is_better").verdict == (
        stats.NOT_COMPARED
    )
    assert stats.difference("percent", {"numerator": 0, "denominator": 0}, shown,
                            "higher_is_better").verdict == stats.NOT_COMPARED  # fmt: skip
    one = {"numerator": 14, "denominator": 1, "sum_squares": 196}
    assert stats.difference("mean", one, one, "higher_is_worse").verdict == stats.NOT_COMPARED


@pytest.mark.parametrize("df", [1, 1.5, 2.7, 5, 14.65, 30, 200, 5000])
def test_t_tail_and_quantile_match_scipy(df):
    for t in (0, 0.1, 0.5, 1, 1.96, 2.5, 4, 10, 40):
        assert stats.t_sf(t, df) == pytest.approx(sp.t.sf(t, df), rel=1e-9)
        assert stats.t_sf(-t, df) == pytest.approx(sp.t.sf(-t, df), rel=1e-9)
    for p in (0.25, 0.025, 0.001, 1e-6):
        assert stats.t_isf(p, df) == pytest.approx(sp.t.isf(p, df), rel=1e-9)


@given(st.integers(0, 30), st.integers(0, 30), st.integers(0, 30), st.integers(0, 30))
def test_fishers_exact_test_matches_scipy(a, b, c, d):
    assume(a + b and c + d)
    odds, p_value = stats._fisher_exact(a, b, c, d)
    expected = sp.fisher_exact([[a, b], [c, d]])
    assert p_value == pytest.approx(expected.pvalue, rel=1e-9, abs=1e-15)


def test_testing_a_difference_does_not_load_scipy():
    # A page tests differences on every run: scipy.stats would cost it about a second.
    code = (
        "import sys; from carejsna import stats; "
        "stats.difference('mean', {'numerator': 150, 'denominator': 10, 'sum_squares': 2500}, "
        "{'numerator': 240, 'denominator': 20, 'sum_squares': 3200}, 'higher_is_worse'); "
        "stats.difference('percent', {'numerator': 5, 'denominator': 5}, "
        "{'numerator': 1, 'denominator': 5}, 'higher_is_better'); "
        "print('scipy' in sys.modules)"
    )
    assert _printed(code) == "False"


def _printed(code: str) -> str:
    """What `code` prints, run in a fresh interpreter (which modules it loads is the question)."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return done.stdout.strip()


@given(
    st.lists(st.floats(0, 60), min_size=2, max_size=2),
    st.lists(st.one_of(st.just(0.0), st.floats(0, 400)), min_size=2, max_size=2),
    st.lists(st.integers(2, 500), min_size=2, max_size=2),
)
def test_welchs_test_is_scipys_to_the_last_bit(means, variances, sizes):
    std = np.sqrt(np.array(variances))
    mean, n = np.array(means), np.array(sizes, dtype=float)
    with np.errstate(all="ignore"):
        expected = sp.ttest_ind_from_stats(
            mean[1], std[1], n[1], mean[0], std[0], n[0], equal_var=False
        )
    got = stats.welch(mean[1], std[1], n[1], mean[0], std[0], n[0])
    np.testing.assert_array_equal(got, (float(expected.statistic), float(expected.pvalue)))


def test_a_tile_compares_only_with_the_year_before():
    # With 2023's return missing, a tile had compared 2024 with 2022 and said "on 2023".
    import pandas as pd

    from carejsna import catalogue, overview

    item = catalogue.get("cla_at_31_march")
    trend = pd.DataFrame(
        {"area_name": "Mansfield", "year": [2022, 2024], "value": [100.0, 140.0],
         "symbol": "", "numerator": [100.0, 140.0], "denominator": None, "sum_squares": None}
    )  # fmt: skip
    tile = overview.tile(trend, item)
    assert (tile.year, tile.value, tile.previous, tile.direction) == (2024, 140.0, None, "unknown")
    tile = overview.tile(trend.assign(year=[2023, 2024]), item)
    assert (tile.previous, tile.direction) == (100.0, "up")
    # 100 to 135: p = 0.022, significant at 95%, not at 99.8% (the chapter had said so anyway)
    rise = trend.assign(year=[2023, 2024], value=[100.0, 135.0], numerator=[100.0, 135.0])
    assert overview.tile(rise, item).significant
    assert not overview.tile(rise, item, 0.998).significant


def test_a_tiles_change_is_the_one_its_shown_figures_give():
    # 67.14 and 67.96 are shown as 67.1 and 68.0: the tile had said +0.8.
    import pandas as pd

    from carejsna import catalogue, overview

    item = catalogue.get("cla_rate_per_10k")
    trend = pd.DataFrame(
        {"area_name": "Nottinghamshire", "year": [2023, 2024], "value": [67.14, 67.96],
         "symbol": "", "numerator": [1100.0, 1128.0], "denominator": [163834.0, 165978.0],
         "sum_squares": None}
    )  # fmt: skip
    tile = overview.tile(trend, item)
    assert (tile.value_text, tile.short_change) == ("68.0 per 10,000", "+0.9")
    tile = overview.tile(trend.assign(value=[67.96, 68.04]), item)
    assert tile.direction == "same"  # both shown as 68.0


def test_ages_a_measure_does_not_cover_are_told_from_data_missing():
    from carejsna import catalogue, overview

    health = catalogue.get("pct_health_assessment")
    covered = frozenset({(health.id, "All ages"), (health.id, "1 to 4")})
    assert overview.uncovered(health, ("Under 1",), covered)
    assert not overview.uncovered(health, ("Under 1", "1 to 4"), covered)
    assert not overview.uncovered(health, (), covered)
    # no OC2 in any year: nothing for all ages either, so data missing, not ages uncovered
    assert not overview.uncovered(health, ("Under 1",), frozenset())
    leavers = catalogue.get("pct_eet_19to21")  # no age band filter: its own ages
    assert not overview.uncovered(leavers, ("Under 1",), frozenset({(leavers.id, "All ages")}))


def test_a_recent_trend_across_a_missing_year_says_which_years_it_rests_on():
    # With 2023's return missing its five points are 2019 to 2024: it had said "2020 to 2024".
    import pandas as pd

    from carejsna import indicators as ind

    years = pd.Series([2017, 2018, 2019, 2020, 2021, 2022, 2024])
    result = stats.Trend(stats.NO_CHANGE, p_value=0.4, points=5)
    assert ind.trend_sentence(result, years) == (
        "Recent trend (2019 to 2024, without 2023): no statistically significant change."
    )
    assert ind.recent_span(pd.Series(range(2015, 2025))) == "2020 to 2024"


def test_a_tile_testing_a_mean_does_not_load_scipy_stats():
    # scipy.special is enough for Welch's test: scipy.stats would cost a page's first run ~1 s.
    code = (
        "import sys; from carejsna import stats; "
        "print(stats.year_on_year('mean', {'numerator': 150, 'denominator': 10, "
        "'sum_squares': 2500}, {'numerator': 240, 'denominator': 20, 'sum_squares': 3200}"
        ").method, 'scipy.stats' in sys.modules)"
    )
    assert _printed(code) == "Welch's t-test False"


def test_a_downloads_rows_are_counted_as_read():
    assert [stats.rows_text(n) for n in (1, 2, 1234)] == ["1 row", "2 rows", "1,234 rows"]


def test_names_in_a_sentence_keep_a_name_with_its_own_and_whole():
    assert stats.listed(["Ashfield"]) == "Ashfield"
    assert stats.listed(["Ashfield", "Mansfield"]) == "Ashfield and Mansfield"
    assert stats.listed(["Ashfield", "Gedling", "Mansfield"]) == "Ashfield, Gedling and Mansfield"
    assert stats.listed(["Newark and Sherwood", "Ashfield"]) == "Newark and Sherwood, and Ashfield"
    assert (
        stats.listed(["Ashfield", "Gedling", "Newark and Sherwood"])
        == "Ashfield, Gedling, and Newark and Sherwood"
    )
