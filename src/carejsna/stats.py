"""Confidence intervals, benchmark comparisons and recent-trend tests, by OHID's methods."""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

LEVELS = (0.95, 0.998)
POLARITY_WORDS = {  # (interval wholly above the benchmark, wholly below it)
    "higher_is_better": ("better", "worse"),
    "higher_is_worse": ("worse", "better"),
    "no_judgement": ("higher", "lower"),
}
NOT_COMPARED = "not compared"
SIMILAR = "similar"
INCREASING = "increasing"
DECREASING = "decreasing"
NO_CHANGE = "no significant change"
NOT_ENOUGH_DATA = "not enough data"
BYAR_FROM = 10  # OHID: exact limits below 10 events, Byar's approximation from 10 up


def z_for(level: float) -> float:
    """The two-sided normal quantile for a confidence level given as a fraction (0.95)."""
    if not 0 < level < 1:
        raise ValueError(f"confidence level must be a fraction between 0 and 1, not {level!r}")
    return NormalDist().inv_cdf(1 - (1 - level) / 2)


def _floats(*values) -> list[np.ndarray]:
    return np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in values))


def _out(array: np.ndarray):
    # A scalar in gives a numpy scalar out, an array in an array out.
    return array[()]


def wilson(numerator, denominator, level: float = 0.95):
    """Wilson score limits for a proportion, as fractions (0 to 1): (lower, upper)."""
    o, n = _floats(numerator, denominator)
    z = z_for(level)
    with np.errstate(invalid="ignore", divide="ignore"):
        root = z * np.sqrt(z**2 + 4 * o * (1 - o / n))
        lower = (2 * o + z**2 - root) / (2 * (n + z**2))
        upper = (2 * o + z**2 + root) / (2 * (n + z**2))
    valid = (n > 0) & (o >= 0) & (o <= n)
    # Rounding in the square root can leave 1e-17 where the formula's limit is exactly 0 or 1.
    lower = np.where(valid, np.where(o == 0, 0.0, lower), np.nan)
    upper = np.where(valid, np.where(o == n, 1.0, upper), np.nan)
    return _out(lower), _out(upper)


def poisson_count(count, level: float = 0.95):
    """Limits for an observed count: exact below 10 events, Byar's method from 10 up."""
    (o,) = _floats(count)
    alpha = 1 - level
    z = z_for(level)
    small = o < BYAR_FROM
    # the exact limits only where they are used: their quantiles cost some 15 times Byar's
    exact_lower, exact_upper = np.zeros(o.shape), np.full(o.shape, np.nan)
    few = small & (o >= 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        exact_lower[few] = np.where(o[few] > 0, _chi2_ppf(alpha / 2, 2 * o[few]) / 2, 0.0)
        exact_upper[few] = _chi2_isf(alpha / 2, 2 * o[few] + 2) / 2
        byar_lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        byar_upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    valid = o >= 0
    lower = np.where(valid, np.where(small, exact_lower, byar_lower), np.nan)
    upper = np.where(valid, np.where(small, exact_upper, byar_upper), np.nan)
    return _out(lower), _out(upper)


def rate(count, denominator, multiplier: float = 10_000, level: float = 0.95):
    """Limits for a crude rate per `multiplier` of the denominator: (lower, upper)."""
    lower, upper = poisson_count(count, level)
    lower, upper, n = _floats(lower, upper, denominator)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.where(n > 0, multiplier / n, np.nan)
    return _out(lower * scale), _out(upper * scale)


def mean_t(total, count, sum_squares, level: float = 0.95):
    """Student's t limits for a mean known by its sum, number and sum of squared values."""
    total, n, sum_squares = _floats(total, count, sum_squares)
    enough = n >= 2
    df = np.where(enough, n - 1, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / n
        # Sums of squares of near-equal values can come out a hair below zero.
        variance = np.maximum((sum_squares - total**2 / n) / df, 0.0)
        half = _t_isf((1 - level) / 2, df) * np.sqrt(variance / n)
    return _out(np.where(enough, mean - half, np.nan)), _out(np.where(enough, mean + half, np.nan))


def _quantile(q, df, lowest: float, highest: float, inner) -> np.ndarray:
    """What scipy.stats' ppf (or isf) of a distribution with one shape parameter, `df`, gives
    (loc 0, scale 1): NaN where df is not above zero or q is outside 0..1, the ends of the
    support at q = 0 and 1 (`lowest`, `highest`), else inner(q, df), the scipy.special function
    it calls. The same numbers, without importing scipy.stats: about 0.6 s in each process."""
    q, df = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(df, dtype=float))
    good = df > 0
    out = np.full(q.shape, np.nan)
    out[good & (q == 0)] = lowest
    out[good & (q == 1)] = highest
    inside = good & (q > 0) & (q < 1)
    if inside.any():
        out[inside] = inner(q[inside], df[inside]) * 1 + 0  # scaled as scipy does: no -0.0
    return out[()] if out.ndim == 0 else out


def _chi2_ppf(q, df):
    """scipy.stats.chi2.ppf(q, df)."""
    from scipy import special  # here, not at the top: a page that reads figures never needs it

    return _quantile(q, df, 0.0, np.inf, lambda q, df: 2 * special.gammaincinv(df / 2, q))


def _chi2_isf(q, df):
    """scipy.stats.chi2.isf(q, df)."""
    from scipy import special

    return _quantile(q, df, np.inf, 0.0, lambda q, df: special.chdtri(df, q))


def _t_isf(q, df):
    """scipy.stats.t.isf(q, df)."""
    from scipy import special

    return _quantile(q, df, np.inf, -np.inf, lambda q, df: -special.stdtrit(df, q))


def level_suffix(level: float) -> str:
    """Column suffix for a level: 0.95 -> "95", 0.998 -> "99_8"."""
    return f"{level * 100:g}".replace(".", "_")


def rows_text(n: int) -> str:
    """A download's rows as a reader reads them: "1 row", "1,234 rows"."""
    return f"{n:,} row" + ("" if n == 1 else "s")


def alpha(level: float) -> float:
    """The p-value a test must fall below at a confidence level: 0.95 -> 0.05, 0.998 -> 0.002
    (rounded: 1 - 0.998 is 0.0020000000000000018)."""
    return round(1 - level, 6)


def at_level(level: float) -> str:
    """What a verdict adds at a level other than the usual 95%: " at the 99.8% level"."""
    return "" if level == 0.95 else f" at the {level_text(level)} level"


def level_text(level: float) -> str:
    """A level as a reader reads it: 0.95 -> "95%", 0.998 -> "99.8%"."""
    return f"{level * 100:g}%"


def methods_text(level: float = 0.95) -> str:
    """How every figure's interval, comparison and trend is worked out, at a confidence level:
    the chapter's appendix and the catalogue page say it so."""
    return (
        f"Every figure carries its {level_text(level)} confidence interval, worked out by "
        "OHID's methods: Wilson's score interval for percentages, the exact Poisson interval "
        "(Byar's approximation for larger counts) for rates and counts, and the t distribution "
        "for averages. A figure is better or worse (or higher or lower) than its comparator "
        "when its interval lies wholly above or below the comparator's value, and similar "
        "otherwise; a district is compared with the council, the council with the published "
        "figure for England (or the chosen comparator). The recent trend is the last five "
        "years, tested with the chi-square test for linear trend (percentages) or a Poisson "
        "test (rates and counts). A rate's test allows for the population's own change and a "
        "count's does not, so a count can rise significantly while its rate does not. A trend "
        "or a change on the year before is called statistically significant only when its "
        f"test gives p < {alpha(level):g}."
    )


def limits(unit: str, numerator, denominator=None, sum_squares=None, levels=LEVELS) -> pd.DataFrame:
    """Value and limits at each level (columns value, lower_95, upper_95, ...) for a unit:
    percent (numerator/denominator x 100), rate_per_10k, mean (numerator = sum of values,
    denominator = how many, with sum_squares) or count (numerator alone)."""
    if unit not in ("percent", "rate_per_10k", "mean", "count"):
        raise ValueError(f"unknown unit {unit!r}: percent, rate_per_10k, mean or count")
    if unit == "mean" and sum_squares is None:
        raise ValueError("unit 'mean' needs sum_squares")
    index = numerator.index if isinstance(numerator, pd.Series) else None
    if unit == "count":
        (o,) = _floats(numerator)
        value = o
    else:
        if denominator is None:
            raise ValueError(f"unit {unit!r} needs a denominator")
        o, n = _floats(numerator, denominator)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(n > 0, o / n, np.nan)

    def interval(level):
        if unit == "percent":
            return tuple(np.asarray(x) * 100 for x in wilson(o, n, level))
        if unit == "rate_per_10k":
            return rate(o, n, 10_000, level)
        if unit == "mean":
            return mean_t(o, n, sum_squares, level)
        return poisson_count(o, level)

    scale = {"percent": 100, "rate_per_10k": 10_000}.get(unit, 1)
    columns = {"value": value * scale}
    for level in levels:
        lower, upper = interval(level)
        columns[f"lower_{level_suffix(level)}"] = np.broadcast_to(lower, np.shape(value))
        columns[f"upper_{level_suffix(level)}"] = np.broadcast_to(upper, np.shape(value))
    return pd.DataFrame({k: np.atleast_1d(v) for k, v in columns.items()}, index=index)


def compare(lower, upper, benchmark, polarity: str) -> np.ndarray:
    """Each interval against a benchmark value, Fingertips style: "similar" where the benchmark
    lies within the interval (limits included); otherwise better/worse, or higher/lower for
    no_judgement; "not compared" where a limit or the benchmark is missing."""
    try:
        above, below = POLARITY_WORDS[polarity]
    except KeyError:
        raise ValueError(f"unknown polarity {polarity!r}: {', '.join(POLARITY_WORDS)}") from None
    lower, upper, benchmark = _floats(lower, upper, benchmark)
    missing = np.isnan(lower) | np.isnan(upper) | np.isnan(benchmark)
    return np.select(
        [missing, lower > benchmark, upper < benchmark],
        [NOT_COMPARED, above, below],
        default=SIMILAR,
    )


@dataclass(frozen=True)
class Trend:
    """A trend test's outcome. `slope` is per unit of year: the change in the proportion for
    proportions (weighted least squares, as the chi-square test's), the log rate ratio for
    counts. Statistic and p value are NaN when there is not enough data."""

    direction: str
    statistic: float = math.nan
    p_value: float = math.nan
    slope: float = math.nan
    points: int = 0
    method: str = ""


def _chi2_1_sf(statistic) -> np.ndarray:
    """P(chi-square with 1 df > statistic) = erfc(sqrt(statistic / 2)), without scipy (a page
    that only reads figures need not load it); NaN where the statistic is."""
    x = np.asarray(statistic, dtype=float)
    out = np.full(x.shape, np.nan)
    done = ~np.isnan(x)
    out[done] = [math.erfc(math.sqrt(max(v, 0.0) / 2)) for v in x[done]]
    return out


def _direction(p_value: float, slope: float, alpha: float) -> str:
    if p_value < alpha:
        return INCREASING if slope > 0 else DECREASING
    return NO_CHANGE


def trend_proportions(
    numerators, denominators, years, alpha: float = 0.05, min_points: int = 5
) -> Trend:
    """Chi-square test for linear trend in proportions (Cochran-Armitage, 1 df) over the
    points given; pass the last five for Fingertips' recent trend. Points without a usable
    numerator and denominator (> 0) are left out, and fewer than `min_points` is not enough."""
    o, n, year = (np.atleast_2d(v) for v in _floats(numerators, denominators, years))
    return _one(trends_proportions(o, n, year, alpha, min_points))


def _one(trends: dict[str, np.ndarray]) -> Trend:
    return Trend(*(getattr(v[0], "item", lambda v=v: v[0])() for v in trends.values()))


def trends_proportions(o, n, year, alpha: float = 0.05, min_points: int = 5) -> dict:
    """`trend_proportions` for many series at once, one a row: the fields of a Trend, as arrays."""
    method = "chi-square test for linear trend in proportions (Cochran-Armitage)"
    o, n, year = _floats(o, n, year)
    keep = np.isfinite(o) & np.isfinite(year) & (n > 0) & (o >= 0) & (o <= n)
    o, n, year = np.where(keep, o, 0), np.where(keep, n, 0), np.where(keep, year, 0)
    points = keep.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        total = n.sum(axis=1)
        centred = year - ((n * year).sum(axis=1) / total)[:, None]
        spread = (n * centred**2).sum(axis=1)
        score = (o * centred).sum(axis=1)
        slope = score / spread
        p_bar = o.sum(axis=1) / total
        statistic = score**2 / (p_bar * (1 - p_bar) * spread)
    short = (points < max(min_points, 2)) | ~(spread > 0)  # too few points, or all in one year
    flat = ~short & ((p_bar == 0) | (p_bar == 1))  # all or none every year: nothing to test
    statistic = np.where(short, np.nan, np.where(flat, 0.0, statistic))
    p_value = np.where(flat, 1.0, _chi2_1_sf(statistic))
    slope = np.where(short, np.nan, np.where(flat, 0.0, slope))
    return _trends(short, p_value, slope, alpha, statistic, points, method)


def _trends(short, p_value, slope, alpha, statistic, points, method) -> dict:
    direction = np.select(
        [short, p_value < alpha],
        [NOT_ENOUGH_DATA, np.where(slope > 0, INCREASING, DECREASING)],
        NO_CHANGE,
    )
    return {
        "direction": direction.astype(object),
        "statistic": statistic,
        "p_value": np.where(short, np.nan, p_value),
        "slope": slope,
        "points": points.astype(int),
        "method": np.full(len(points), method, dtype=object),
    }


def _poisson_fits(counts, x, offset, used, iterations: int = 100):
    """Newton-Raphson for log(mu) = offset + a + b x, a row a series (points not `used` left
    out): (b, log-likelihood, variance of b), each an array."""

    def loglik(a, b):
        eta = offset + a[:, None] + b[:, None] * x
        return (used * (counts * eta - np.exp(eta))).sum(axis=1)

    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        a = np.log((used * counts).sum(axis=1) / (used * np.exp(offset)).sum(axis=1))
        b = np.zeros(len(a))
        current = loglik(a, b)
        going = np.isfinite(current)
        for _ in range(iterations):
            mu = used * np.exp(offset + a[:, None] + b[:, None] * x)
            i00, i01, i11 = mu.sum(axis=1), (mu * x).sum(axis=1), (mu * x * x).sum(axis=1)
            g0, g1 = (used * counts - mu).sum(axis=1), ((used * counts - mu) * x).sum(axis=1)
            det = i00 * i11 - i01**2
            going &= det > 0
            da = np.where(going, (i11 * g0 - i01 * g1) / det, 0.0)
            db = np.where(going, (i00 * g1 - i01 * g0) / det, 0.0)
            # Halve the step until the likelihood rises: the slope can run off towards infinity
            # when every count but the last is zero.
            trial = loglik(a + da, b + db)
            for _ in range(30):
                worse = going & ~(trial >= current)
                if not worse.any():
                    break
                da, db = np.where(worse, da / 2, da), np.where(worse, db / 2, db)
                trial = np.where(worse, loglik(a + da, b + db), trial)
            going &= trial >= current
            gain = np.where(going, trial - current, 0.0)
            a, b = np.where(going, a + da, a), np.where(going, b + db, b)
            current = np.where(going, trial, current)
            going &= gain >= 1e-12 * (1 + np.abs(current))
            if not going.any():
                break
        mu = used * np.exp(offset + a[:, None] + b[:, None] * x)
        i00, i01, i11 = mu.sum(axis=1), (mu * x).sum(axis=1), (mu * x * x).sum(axis=1)
        variance = i00 / (i00 * i11 - i01**2)
    return b, current, variance


def trend_counts(
    counts,
    years,
    exposures=None,
    alpha: float = 0.05,
    min_points: int = 5,
    test: str = "likelihood_ratio",
) -> Trend:
    """Poisson regression of counts on year, with log(exposure) as offset for rates (exposure =
    the population) and none for counts; the slope tested by likelihood ratio (default) or
    Wald. Points without a usable count (or exposure > 0) are left out."""
    exposures = 1.0 if exposures is None else exposures
    c, year, exposure = (np.atleast_2d(v) for v in _floats(counts, years, exposures))
    return _one(trends_counts(c, year, exposure, alpha, min_points, test))


def trends_counts(
    c, year, exposure=1.0, alpha: float = 0.05, min_points: int = 5, test="likelihood_ratio"
) -> dict:
    """`trend_counts` for many series at once, one a row: the fields of a Trend, as arrays."""
    if test not in ("likelihood_ratio", "wald"):
        raise ValueError(f"test must be 'likelihood_ratio' or 'wald', not {test!r}")
    method = f"Poisson regression on year, {test.replace('_', '-')} test"
    c, year, exposure = _floats(c, year, exposure)
    keep = np.isfinite(c) & (c >= 0) & np.isfinite(year) & (exposure > 0)
    used = keep.astype(float)
    c, exposure = np.where(keep, c, 0.0), np.where(keep, exposure, 1.0)
    points = keep.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = (used * year).sum(axis=1) / points
        # Centring the years keeps exp() in range for years like 2024.
        x = np.where(keep, year - centre[:, None], 0.0)
        spread = np.where(keep, year, -np.inf).max(axis=1) - np.where(keep, year, np.inf).min(
            axis=1
        )
    short = (points < max(min_points, 2)) | ~(spread > 0)
    none = ~short & (c.sum(axis=1) == 0)  # no events at all: no evidence of change
    offset = np.log(exposure)
    slope, loglik, variance = _poisson_fits(c, x, offset, used)
    with np.errstate(invalid="ignore", divide="ignore"):
        if test == "wald":
            # Misleads where the slope runs off (Hauck-Donner), hence likelihood ratio by default.
            statistic = slope**2 / variance
        else:
            null_mu = exposure * ((used * c).sum(axis=1) / (used * exposure).sum(axis=1))[:, None]
            null_loglik = (used * (c * np.log(null_mu) - null_mu)).sum(axis=1)
            statistic = np.maximum(2 * (loglik - null_loglik), 0.0)
    statistic = np.where(short, np.nan, np.where(none, 0.0, statistic))
    p_value = np.where(none, 1.0, _chi2_1_sf(statistic))
    slope = np.where(short, np.nan, np.where(none, 0.0, slope))
    return _trends(short, p_value, slope, alpha, statistic, points, method)


def year_on_year(unit: str, before: dict, after: dict, alpha: float = 0.05) -> Trend:
    """Is the change between two years' figures (each a dict of numerator, denominator and, for
    a mean, sum_squares) statistically significant? The recent trend's tests on the two points:
    chi-square for proportions, Poisson for counts and rates (population as exposure); Welch's
    t-test for a mean. Not enough data (NOT_ENOUGH_DATA) where a count is missing."""
    years = [0, 1]
    counts = [before["numerator"], after["numerator"]]
    totals = [before.get("denominator"), after.get("denominator")]
    if any(pd.isna(c) for c in counts):
        return Trend(NOT_ENOUGH_DATA)
    if unit == "percent":
        return trend_proportions(counts, totals, years, alpha, min_points=2)
    if unit == "rate_per_10k":
        return trend_counts(counts, years, totals, alpha, min_points=2)
    if unit == "count":
        return trend_counts(counts, years, None, alpha, min_points=2)
    n = np.array(totals, dtype=float)
    if not (n > 1).all():
        return Trend(NOT_ENOUGH_DATA)
    mean = np.array(counts, dtype=float) / n
    squares = np.array([before["sum_squares"], after["sum_squares"]], dtype=float)
    variance = (squares - n * mean**2) / (n - 1)
    statistic, p_value = welch(
        mean[1], np.sqrt(variance[1]), n[1], mean[0], np.sqrt(variance[0]), n[0]
    )
    slope = mean[1] - mean[0]
    return Trend(_direction(p_value, slope, alpha), statistic, p_value, slope, 2, "Welch's t-test")


def welch(mean1, std1, n1, mean2, std2, n2) -> tuple[float, float]:
    """scipy.stats.ttest_ind_from_stats(mean1, std1, n1, mean2, std2, n2, equal_var=False): the
    statistic and two-sided p-value, worked out as scipy (1.17) does, from scipy.special alone
    (importing scipy.stats would take about a second of a page's first run)."""
    from scipy import special

    mean1, std1, mean2, std2 = map(np.asarray, (mean1, std1, mean2, std2))
    vn1, vn2 = std1**2 / n1, std2**2 / n2
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (vn1 + vn2) ** 2 / (vn1**2 / (n1 - 1) + vn2**2 / (n2 - 1))
        t = np.divide(mean1 - mean2, np.sqrt(vn1 + vn2))
    df = np.where(np.isnan(df), 1.0, df)  # both variances zero: any df will do, as in scipy
    return float(t), float(2 * special.stdtr(df, -np.abs(t)))


@dataclass(frozen=True)
class Difference:
    """Two groups' figures compared (first less second): the difference, its confidence
    interval, the test's statistic and p value, and the verdict for the first group against the
    second (better / worse, or higher / lower, where significant; else similar; NOT_COMPARED
    where it cannot be tested)."""

    verdict: str
    difference: float = math.nan
    lower: float = math.nan
    upper: float = math.nan
    statistic: float = math.nan
    p_value: float = math.nan
    method: str = ""


EXPECTED_FOR_Z = 5  # below this expected count in any cell, Fisher's exact test instead


def difference(
    unit: str, first: dict, second: dict, polarity: str, level: float = 0.95
) -> Difference:
    """Is `first` (a dict of numerator, denominator and, for a mean, sum_squares) different
    from `second`, beyond chance? Proportions: the two-proportion z test (pooled), or Fisher's
    exact test where an expected count is under EXPECTED_FOR_Z, the difference's interval by
    Newcombe's method (from the Wilson limits); means: Welch's t-test and interval, from each
    group's number, total and sum of squares. Significant at 1 - level, worded by polarity.
    NOT_COMPARED where a count is missing (e.g. withheld) or too small to test."""
    n1, n2 = float(first["denominator"]), float(second["denominator"])
    o1, o2 = float(first["numerator"]), float(second["numerator"])
    if any(pd.isna(v) for v in (n1, n2, o1, o2)) or min(n1, n2) < (2 if unit == "mean" else 1):
        return Difference(NOT_COMPARED)
    if unit == "percent":
        p1, p2 = o1 / n1, o2 / n2
        (l1, u1), (l2, u2) = wilson(o1, n1, level), wilson(o2, n2, level)
        lower = p1 - p2 - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
        upper = p1 - p2 + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
        pooled = (o1 + o2) / (n1 + n2)
        expected = np.outer([n1, n2], [pooled, 1 - pooled])
        if expected.min() < EXPECTED_FOR_Z:
            statistic, p_value = _fisher_exact(int(o1), int(n1 - o1), int(o2), int(n2 - o2))
            method = "Fisher's exact test"
        else:
            se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
            statistic = (p1 - p2) / se
            p_value = math.erfc(abs(statistic) / math.sqrt(2))
            method = "two-proportion z test"
        scale, change = 100, p1 - p2
    elif unit == "mean":
        s1, s2 = float(first["sum_squares"]), float(second["sum_squares"])
        m1, m2 = o1 / n1, o2 / n2
        v1 = max((s1 - n1 * m1**2) / (n1 - 1), 0.0) / n1
        v2 = max((s2 - n2 * m2**2) / (n2 - 1), 0.0) / n2
        se = math.sqrt(v1 + v2)
        if se == 0:
            return Difference(NOT_COMPARED, m1 - m2)
        df = (v1 + v2) ** 2 / (v1**2 / (n1 - 1) + v2**2 / (n2 - 1))
        statistic = (m1 - m2) / se
        p_value = 2 * t_sf(abs(statistic), df)
        half = t_isf((1 - level) / 2, df) * se
        change, scale, method = m1 - m2, 1, "Welch's t-test"
        lower, upper = change - half, change + half
    else:
        raise ValueError(f"no test of a difference for unit {unit!r}: percent or mean")
    above, below = POLARITY_WORDS[polarity]
    verdict = (above if change > 0 else below) if p_value < 1 - level else SIMILAR  # NaN: no
    return Difference(
        verdict, change * scale, lower * scale, upper * scale, float(statistic), float(p_value),
        method,
    )  # fmt: skip


# Without scipy: a page that tests a difference need not load it (about a second).


def _fisher_exact(a: int, b: int, c: int, d: int) -> tuple[float, float]:
    """Fisher's exact test of the table [[a, b], [c, d]], two-sided as R and scipy take it: the
    probability of every table with the same margins no likelier than this one. Returns the
    odds ratio and the p value."""
    row, column, n = a + b, a + c, a + b + c + d
    total = math.comb(n, row)

    def chance(x: int) -> float:
        return math.comb(column, x) * math.comb(n - column, row - x) / total

    seen = chance(a)
    tables = range(max(0, row + column - n), min(row, column) + 1)
    p_value = sum(q for q in map(chance, tables) if q <= seen * (1 + 1e-7))
    odds = a * d / (b * c) if b * c else math.inf if a * d else math.nan
    return odds, min(p_value, 1.0)


def _beta_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz's method)."""
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 300):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return result


def _beta_regularised(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularised incomplete beta function."""
    if x <= 0 or x >= 1:
        return float(x >= 1)
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    )
    if x < (a + 1) / (a + b + 2):
        return math.exp(log_front) * _beta_fraction(a, b, x) / a
    return 1 - math.exp(log_front) * _beta_fraction(b, a, 1 - x) / b


def t_sf(t: float, df: float) -> float:
    """P(T > t) for Student's t with df degrees of freedom (df need not be whole)."""
    tail = 0.5 * _beta_regularised(df / 2, 0.5, df / (df + t * t))
    return tail if t >= 0 else 1 - tail


def t_isf(p: float, df: float) -> float:
    """The t with P(T > t) = p (0 < p < 0.5): the upper quantile, by bisection."""
    low, high = 0.0, 1.0
    while t_sf(high, df) > p:
        low, high = high, high * 2
    for _ in range(200):
        middle = (low + high) / 2
        low, high = (middle, high) if t_sf(middle, df) > p else (low, middle)
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2


# England's regions that take "the" in a sentence ("similar to the East Midlands"); England,
# London, Yorkshire and The Humber and councils do not, North Yorkshire or West Sussex included.
REGIONS_WITH_THE = frozenset(
    ("North East", "North West", "East Midlands", "West Midlands", "East of England",
     "South East", "South West")
)  # fmt: skip


def in_sentence(area: str) -> str:
    """An area's name as a sentence needs it: "the East Midlands", but "England" (a board
    member reads "similar to East Midlands" as a slip, and a comparator's name is data)."""
    return f"the {area}" if area in REGIONS_WITH_THE else area


def listed(names: list[str]) -> str:
    """Names in a sentence: "Ashfield", "Ashfield and Mansfield", "Ashfield, Gedling and
    Mansfield"; with a comma before the last "and" where a name has an "and" of its own
    ("Ashfield, and Newark and Sherwood"): "Newark and Sherwood and Ashfield" had read as three
    districts, or as Newark with "Sherwood and Ashfield"."""
    if len(names) < 2:
        return "".join(names)
    comma = "," if any(" and " in name for name in names) else ""
    return f"{', '.join(names[:-1])}{comma} and {names[-1]}"
