"""The figures extract: every protected figure any selection can show, computed by the build."""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import itertools
import json
import os
import shutil
import time
from collections import Counter
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import asdict, replace
from functools import cache, partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from threadpoolctl import threadpool_limits

from carejsna import __version__, audit, db, disclosure, if_stopped, stats
from carejsna.bounds import Bounds
from carejsna.catalogue import Indicator, catalogue
from carejsna.indicators import ALL_AGES, Context, area_codes, band_names, comparison, derive

EXTRACT = "figures"
MANIFEST = "figures_manifest.json"
TREND_POINTS = 5  # Fingertips' recent trend: the last five yearly points
ALL_GROUPS = "All"  # a grouped indicator's whole (its parent's figure), protected, not written
# Which of a unit's counts are of children (a rate's denominator is the population, a mean's
# numerator a total of scores): the counts another indicator can show too (shared_counts).
COUNTED = {
    "count": ("numerator",),
    "rate_per_10k": ("numerator",),
    "percent": ("numerator", "denominator"),
    "mean": ("denominator",),
}
AUDITED_AREAS = 40  # up to this many districts, the build solves a reader's equations itself
WORKERS = min(2, os.cpu_count() or 1)  # processes protecting indicators side by side, when solving
COLUMNS = [
    "indicator_id", "unit", "year", "area_code", "area_name", "area_type", "age_band", "category",
    "numerator", "denominator", "sum_squares", "value", "lower_95", "upper_95", "lower_99_8",
    "upper_99_8", "symbol", "comparator", "comparator_value", "comparison_95", "comparison_99_8",
    "trend", "trend_p",
]  # fmt: skip
SCHEMA = pa.schema(
    [(c, pa.string()) for c in COLUMNS[:2]]
    + [("year", pa.int32())]
    + [(c, pa.string()) for c in COLUMNS[3:8]]
    + [(c, pa.float64()) for c in COLUMNS[8:16]]
    + [("symbol", pa.string()), ("comparator", pa.string()), ("comparator_value", pa.float64())]
    + [("comparison_95", pa.string()), ("comparison_99_8", pa.string())]
    + [("trend", pa.string()), ("trend_p", pa.float64())]
)


def write(folder: Path, workers: int = WORKERS, *, previous: Path | None = None) -> dict:
    """Compute every indicator's protected figures from the extracts in `folder` and write them
    there as figures.parquet, with a manifest of what they were built from. Where the build
    solves the reader's equations (AUDITED_AREAS), `workers` processes share the indicators;
    else one does, to keep memory low.

    `previous`: a folder holding a previous build. Each indicator's year whose figures, and all
    they were protected with, are the same as there keeps what that build withheld (its
    CACHE: keys and masks only), so a year added or replaced re-protects only what it touches.
    Returns the seconds taken ("figures") and what was reused ("reused", "reprotected": lists of
    (indicator, year); "added": the years the previous build did not have)."""
    start = time.perf_counter()
    folder = Path(folder)
    con = db.connect(folder, load=False)
    context = Context.load(con, folder)
    con.close()
    if not solves(context):
        workers = 1
    items = list(catalogue().values())
    cached = read_cache(previous)
    rows, unresolved, reused, reprotected = {}, [], [], []
    partial = folder / f"{EXTRACT}.parquet.partial"  # not an extract until it is whole
    kept = _Kept(folder / f".{EXTRACT}", cached["joint"])  # each indicator's figures on disk
    # One pool for the first protection and share()'s rounds: each process keeps what it read
    # and solved for an indicator (_protect) for when it protects it again.
    with _started(folder, context, workers) as pool:
        for item, protected in _protected(pool, context, items, workers, cached["indicators"]):
            kept.add(item.id, protected)
        found = share(kept, pool, context, cached["indicators"], workers)  # the manifest's lists
    with pq.ParquetWriter(partial, SCHEMA) as writer:
        for item_id in list(kept.order):  # in the order they came: plain first, then groups
            writer.write_table(pq.read_table(kept.path(item_id), schema=SCHEMA))
            rows[item_id] = len(kept.withheld[item_id])
            unresolved += kept.unresolved[item_id]
            for year, entry in kept.years[item_id].items():
                (reused if entry["reused"] else reprotected).append((item_id, year))
    kept.remove()
    partial.replace(folder / f"{EXTRACT}.parquet")
    write_cache(folder, kept.seen, kept.joint)
    inputs = sorted(p for p in folder.glob("*.parquet") if p.stem != EXTRACT)
    manifest = {
        "extract": f"{EXTRACT}.parquet",
        "built_with": f"carejsna {__version__}",
        "council": {"code": context.council_code, "name": context.council_name},
        "synthetic": context.synthetic,
        "years": list(context.years),
        "age_bands": [*context.age_bands, "Unknown", ALL_AGES],
        "disclosure": {
            "counts_withheld": f"1 to {disclosure.THRESHOLD}",
            "percentages_and_averages_withheld_below": disclosure.DENOMINATOR_THRESHOLD,
            "secondary": "over every district, age band, category and total of each year",
            "audited": "every equation a reader can write solved (linear algebra and linear "
            "programming), and more withheld until none gives a withheld count away"
            if solves(context)
            else f"not audited: more than {AUDITED_AREAS} areas",
        },
        "indicators": rows,
        # Counts two or more indicators show (the same in every year, area and age band), and
        # sums of some of a breakdown's categories with them: each withheld alike (share()).
        # "summed_counts": [the sum, *its parts]; "banded_counts": "indicator.count@age band",
        # the same in that band alone; "summed_across": a count that is the sum of two other
        # indicators' ("sum": every indicator showing it), the two parts withheld alike;
        # "known_denominators": cohorts only percentages' or averages' denominators share,
        # withheld alike only for their own sake, each known to the others elsewhere.
        **found,
        # What the audit could still work out, with every figure beside it withheld or with
        # every figure of its year: only what the shown figures say outright (e.g. every child
        # of a district in one category).
        "unresolved": unresolved,
        "built_from": {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in inputs},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    before = {year for years in cached["indicators"].values() for year in years}
    return {
        "figures": time.perf_counter() - start,
        "reused": reused,
        "reprotected": reprotected,
        "added": sorted({year for _, year in reprotected} - before) if before else [],
    }


SHARE_ROUNDS = 60  # protecting shared counts again: each round only withholds more


class Exact:
    """An indicator's exact counts of children, as protect() leaves them in its figures' attrs
    for share(): never written, and equal only to itself (pandas compares frames' attrs when
    it joins them). `arrays`: each count (numerator, denominator; a distribution's
    "numerator:<category>" and its cells' "total"), year x area x age band x 1 (or group);
    `totals`: which of a distribution's totals are withheld (year x area x age band)."""

    def __init__(self, arrays: dict[str, np.ndarray], totals: np.ndarray | None = None):
        self.arrays, self.totals = arrays, totals


def shared_counts(counted: dict[str, dict]) -> list[list[tuple[str, str]]]:
    """Counts of children that two or more indicators show: each (indicator, numerator or
    denominator) whose exact counts (protect()'s attrs["counts"]) are the same in every year,
    area and age band, e.g. children in care at 31 March, the rate's numerator, and the
    denominator of the share who are UASC. Found from the figures, not declared: a count shown
    twice cannot be missed. A blank count (no children, no denominator) is a zero; counts that
    are nothing but zeros are left out (zeros are shown)."""
    seen: dict[tuple, list[tuple[str, str]]] = {}
    for item_id, series_counts in counted.items():
        whole = _digest(series_counts["total"]) if "total" in series_counts else None
        for series, counts in series_counts.items():
            # a category that is its cells' total (every child in it) is the breakdown's own to
            # protect: it says outright what the total says (see the manifest's "unresolved")
            if np.nansum(counts) > 0 and not (series != "total" and _digest(counts) == whole):
                seen.setdefault(_digest(counts), []).append((item_id, series))
    return [members for members in seen.values() if len(members) > 1]


def _band(counts: np.ndarray, band: int | None) -> np.ndarray:
    """Counts (year x area x age band x ...) in one age band (its index), or all (None)."""
    return counts if band is None else counts[:, :, band : band + 1]


def banded_counts(counted: dict[str, dict], shared: list) -> list[list[tuple[str, str, int]]]:
    """Counts of children that two indicators show in some age band, though not in every one:
    each (indicator, count, band index) whose exact counts in that band (every year and area)
    are the same, e.g. children aged 1 to 4 looked after for 12 months, the health share's
    denominator in that band and the development checks' (which count only the under 5s). Left
    out: what `shared` (shared_counts) matches already, a count matching only its own other
    bands (its own equations hold them), bands with no children, and a category that is its
    cells' total."""
    wholes = [set(group) for group in shared]
    seen: dict[tuple, list[tuple[str, str, int]]] = {}
    for item_id, series_counts in counted.items():
        total = series_counts.get("total")
        wholes_of = (
            [] if total is None else [_digest(_band(total, b)) for b in range(total.shape[2])]
        )
        for series, counts in series_counts.items():
            for band in range(counts.shape[2]):
                part = _band(counts, band)
                whole = wholes_of[band] if wholes_of else None
                if np.nansum(part) > 0 and not (series != "total" and _digest(part) == whole):
                    seen.setdefault(_digest(part), []).append((item_id, series, band))
    found = []
    for members in seen.values():
        named = {m[:2] for m in members}
        if len(named) > 1 and not any(named <= whole for whole in wholes):
            found.append(members)
    return found


SUBSETS = 12  # a distribution of up to this many categories is searched for sums of some


def _digest(counts: np.ndarray) -> tuple:
    """What two arrays of counts share when they are the same counts (a blank is a zero): a
    hash, not the counts (at national scale, thousands of sums are looked for)."""
    values = np.nan_to_num(counts.astype(float), nan=0.0) + 0.0  # -0.0 is 0
    return counts.shape, hashlib.sha256(np.ascontiguousarray(values).tobytes()).digest()


def summed_counts(counted: dict[str, dict]) -> list[list[tuple[str, str]]]:
    """Counts of children that are the sum of some of a distribution's categories (and of no
    fewer): e.g. care leavers not in education, employment or training, the sum of the three
    NEET categories of their main activity. Each as [the count, *the categories]. Shown beside
    them, one would give a withheld category back (the NEET share less two of its reasons)."""
    sums: dict[tuple, list[tuple[str, str]]] = {}
    for item_id, series_counts in counted.items():
        parts = {s: np.nan_to_num(a) for s, a in series_counts.items() if ":" in s}
        parts = {s: a for s, a in parts.items() if a.sum() > 0}  # categories with children
        if not 2 < len(parts) <= SUBSETS:
            continue
        names = list(parts)
        for size in range(2, len(names)):
            for chosen in itertools.combinations(names, size):
                total = np.sum([parts[n] for n in chosen], axis=0)
                sums.setdefault(_digest(total), [(item_id, n) for n in chosen])
    found = []
    for item_id, series_counts in counted.items():
        for series, counts in series_counts.items():
            parts = sums.get(_digest(counts)) if series in ("numerator", "denominator") else None
            if parts and np.nansum(counts) > 0:
                found.append([(item_id, series), *parts])
    return found


def summed_across(counted: dict[str, dict]) -> list[tuple[list, list]]:
    """Counts of children that are the sum of two other indicators' counts: (the sums, the two
    parts), e.g. children in care at 31 March (and every indicator showing that count) are
    those placed a known distance from home, the denominator of the share placed over 20 miles
    away, and those whose distance is not known: shown beside the sum, either part would give
    the other back. A reader can see it in the definitions; a review read 83 withheld counts of
    1 to 4 children whose distance was not known off the two shown figures."""
    series = [
        ((item_id, name), np.nan_to_num(counts.astype(float)))
        for item_id, series_counts in counted.items()
        for name, counts in series_counts.items()
    ]
    series = [(member, counts) for member, counts in series if counts.sum() > 0]
    wholes: dict[tuple, list[tuple[str, str]]] = {}
    for member, counts in series:
        wholes.setdefault(_digest(counts), []).append(member)
    totals = {float(counts.sum()) for _, counts in series}  # whole numbers: exact as floats
    found: dict[tuple, list] = {}
    for (one, a), (other, b) in itertools.combinations(series, 2):
        if one[0] == other[0] or a.shape != b.shape or float(a.sum() + b.sum()) not in totals:
            continue  # (the grand totals first: most pairs add up to no count's)
        sums = [w for w in wholes.get(_digest(a + b), []) if w[0] not in (one[0], other[0])]
        if sums:
            found.setdefault((one, other), []).extend(sums)
    return [(sums, list(parts)) for parts, sums in found.items()]


class _Kept:
    """Each indicator's protected figures, written to a file of its own in `folder` (at
    national scale they take more memory than the build may), with what share() reads of
    them: which are withheld, their exact counts of children (never written), and protect()'s
    attrs: what each year withheld ("years") and what the audit left ("unresolved"). For the
    next build's CACHE: every protection of each indicator's year made or reused here ("seen":
    share() protects some again, round after round, and a rebuild takes the same steps) and
    the bounds' joint solves ("joint", bounds.Bounds.leaks), a previous build's (`joint`) among
    them where they are the same."""

    def __init__(self, folder: Path, joint: dict | None = None):
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        self.folder, self.order = folder, []
        self.withheld, self.counts, self.years, self.unresolved = {}, {}, {}, {}
        self.totals, self.categories, self.shared = {}, {}, {}
        self.seen, self.joint, self.joint_before = {}, {}, joint or {}
        self.seconds = {}  # how long each indicator's last protection took

    def cost(self, item: Indicator) -> float:
        """How long an indicator's last protection took: the next is likely as long."""
        return self.seconds.get(item.id, 0.0)

    def path(self, item_id: str) -> Path:
        return self.folder / f"{item_id}.parquet"

    def add(self, item_id: str, figures: pd.DataFrame) -> None:
        """Keep an indicator's figures (again, replacing them, once share() protects them
        again)."""
        if item_id not in self.years:
            self.order.append(item_id)
        exact = figures.attrs.pop("counts", Exact({}))  # never written
        self.seconds[item_id] = figures.attrs.pop("seconds", 0.0)
        self.counts[item_id], self.totals[item_id] = exact.arrays, exact.totals
        self.years[item_id] = figures.attrs.pop("years")  # arrays: not written
        for year, entry in self.years[item_id].items():
            self.seen.setdefault(item_id, {}).setdefault(year, {}).setdefault(entry["key"], entry)
        self.unresolved[item_id] = figures.attrs["unresolved"]
        self.withheld[item_id] = (figures["symbol"] == disclosure.SUPPRESSED).to_numpy()
        self.categories[item_id] = list(pd.unique(figures["category"]))  # the lattice's order
        entries = self.years[item_id].values()
        if all("shared" in entry for entry in entries):  # where its cohort is withheld (not
            shared = np.stack([entry["shared"] for entry in entries])  # a group's whole)
            self.shared[item_id] = shared[..., : len(self.categories[item_id])]
        table = pa.Table.from_pandas(figures, SCHEMA, preserve_index=False)
        pq.write_table(table, self.path(item_id))

    def figures(self, item_id: str, years: list[int] | None = None) -> pd.DataFrame:
        """An indicator's protected figures (in some years)."""
        where = None if years is None else [("year", "in", years)]
        return pq.read_table(self.path(item_id), schema=SCHEMA, filters=where).to_pandas()

    def exact(self, item_id: str, years: list[int]) -> pd.DataFrame:
        """An indicator's exact numerators and denominators in some years (their indices), a
        row for each of its figures (a distribution's: each category of its cell's total),
        blank where not counted (an average's total of scores)."""
        counts = self.counts[item_id]
        if "total" in counts:
            k = [counts[f"numerator:{c}"] for c in self.categories[item_id]]
            numerator = np.concatenate(k, axis=-1)
            denominator = np.broadcast_to(counts["total"], numerator.shape)
        else:
            blank = np.full(next(iter(counts.values())).shape, np.nan)
            numerator, denominator = (counts.get(c, blank) for c in ("numerator", "denominator"))
        return pd.DataFrame(
            {"numerator": numerator[years].ravel(), "denominator": denominator[years].ravel()}
        )

    def remove(self) -> None:
        shutil.rmtree(self.folder)


class Withholding:
    """What share() withholds in each indicator when it is protected again (`forced`: an
    indicator's cells by kind, "cells", "totals" or "shared"), and where a count is withheld
    now: over `kept`, every indicator's protected figures, for `items`, the catalogue."""

    def __init__(self, kept: _Kept, context: Context, items: dict):
        self.kept, self.context, self.items = kept, context, items
        self.forced: dict[str, dict[str, np.ndarray]] = {}

    def withheld(self, item_id: str) -> np.ndarray:
        return _withheld(self.kept.withheld[item_id], self.context, self.items[item_id])

    def where(self, item_id: str, series: str, kind=None) -> tuple[str, slice]:
        """Where a count is withheld: the figures' cells (a category's), the totals, or (kind
        "shared") the denominator, protected alone (where it must not be known)."""
        if kind == "shared":
            return kind, slice(None)
        if series == "total":
            return "totals", slice(None)
        if series.startswith("numerator:"):  # a distribution's category, or a group
            k = self.kept.categories[item_id].index(series.split(":", 1)[1])
            return "cells", slice(k, k + 1)
        return "cells", slice(None)

    def force(self, item_id: str, series: str, band, union, years, kind=None) -> None:
        """Withhold a count (in one age band, or all) where `union` says in `years`, when the
        indicator is protected again (its other years keep what they withhold)."""
        kind, at = self.where(item_id, series, kind)
        totals = kind == "totals"
        shape = self.kept.totals[item_id].shape if totals else self.withheld(item_id).shape
        now = self.forced.setdefault(item_id, {}).setdefault(kind, np.zeros(shape, dtype=bool))
        if totals:
            _band(now, band)[years] |= union[years, ..., 0]
        else:
            _band(now, band)[years, ..., at] |= union[years]

    def mask(self, item_id: str, series: str, band, kind=None) -> np.ndarray:
        """Where a count (in one age band, or all) is withheld now."""
        kind, at = self.where(item_id, series, kind)
        if kind == "totals":
            return _band(self.kept.totals[item_id], band)[..., None]
        if kind == "shared":
            return _band(self.kept.shared[item_id], band)
        return _band(self.withheld(item_id), band)[..., at]

    def cohort(self, members: list[tuple]) -> None:
        """A count only percentages' or averages' denominators share (`members`: indicator,
        series, age band): each protects it alone from now on, none of it withheld yet
        ("shared"), knowing it wherever another may show it ("covers")."""
        for item_id, _, band in members:
            now = self.forced.setdefault(item_id, {})
            shape = self.withheld(item_id).shape
            now.setdefault("shared", np.zeros(shape, bool))
            _band(now.setdefault("covers", np.zeros(shape, bool)), band)[:] = True

    def again(self, item: Indicator, cached: dict) -> tuple:
        """_protect's arguments for an indicator protected again: what its parent withholds,
        what it withheld before (a previous build's, `cached`, and this one's; a year not
        touched is kept) and what to withhold now."""
        parent = self.withheld(item.groups_of)[..., 0] if item.groups_of else None
        previous = [*_earlier(cached, item), *self.kept.years[item.id].values()]
        mine = self.forced.get(item.id)
        if mine and "shared" in mine and item.groups_of in self.kept.shared:  # its parent's
            mine = {**mine, "parent_shared": self.kept.shared[item.groups_of][..., 0]}  # cohort
        return item, parent, previous, mine


def share(kept: _Kept, pool, context: Context, cached: dict, workers: int) -> dict:
    """Protect shared counts together (`kept`: every indicator's protected figures, replaced where
    they are protected again, in `pool`: _started's). Each indicator protected apart could show, as
    a percentage's denominator, a count another withholds as its own (a review read 10
    children-in-care counts of 1 to 4 off the UASC share's denominators, and SDQ counts off the
    average score's). So wherever an indicator that counts a shared count as its numerator withholds
    it, every indicator that shows it withholds it too, and is protected again with those withheld
    (its secondary cells and audit around them), with its groups (their whole is its figure), round
    after round until none changes. A count only percentages' or averages' denominators share (their
    groups' too: a cohort, "known_denominators") is withheld alike only where it must be for its own
    sake: each of them protects it alone first (as an average's children, protect()'s forced
    "shared"), and it is withheld by all wherever one of those protections, or every one of them,
    withholds it; elsewhere each is protected knowing it (one shows it), so one withholding its
    figure for its own numerators no longer withholds the others' (the under 5s' development checks
    were withheld at the council every year, as the substance misuse share withheld its 1 to 4s). A
    percentage withheld only as it rests on fewer than 10 children does not withhold the count it
    rests on where that is shown as a count (5 to 9 children in care, say). A count that is the sum
    of some of a breakdown's categories (summed_counts) is withheld with them, all alike. Counts the
    same in one age band only (banded_counts) are withheld alike in that band. A count that is the
    sum of two other indicators' counts (summed_across) has its two parts withheld alike, wherever
    either is or the sum is: then the sum gives only their total. Once these settle, the indicators
    the catalogue's bounds join are solved together, and where that gives a withheld count away,
    more is withheld (bounds.Bounds), and so on. Returns the shared counts, the sums, the banded
    counts, the sums across indicators, the bounds and the cohorts known to each, for the
    manifest."""
    shared = shared_counts(kept.counts)
    sums = summed_counts(kept.counts)  # a sum and its parts: withheld all alike
    banded = banded_counts(kept.counts, shared + sums)  # the same in some age band only
    across = [
        ([(*m, None) for m in wholes], [(*m, None) for m in parts])
        for wholes, parts in summed_across(kept.counts)
    ]
    groups = [[(*m, None) for m in group] for group in shared + sums] + banded
    items = catalogue()
    rules = Withholding(kept, context, items)

    def member_name(item_id: str, series: str, band) -> str:  # "indicator.series[@age band]"
        at = "" if band is None else f"@{band_names(items[item_id], context)[band]}"
        return f"{item_id}.{series}{at}"

    named = [[f"{i}.{series}" for i, series in group] for group in shared + sums]
    across_named = [
        {"sum": [f"{i}.{n}" for i, n, _ in w], "parts": [f"{i}.{n}" for i, n, _ in p]}
        for w, p in across
    ]
    bounds = Bounds(rules, named[: len(shared)], across_named, workers)

    # Each group withheld alike, wherever one of its `counting` members is (those counting it
    # in their own right); a sum across indicators's parts wherever it or they are. A count
    # only percentages' or averages' denominators share: withheld alike where it must be for
    # its own sake ("shared": protected alone), each known to the others elsewhere.
    told = [g for g in groups if all(m[1] == "denominator" and a_ratio(items[m[0]]) for m in g)]
    alike = [
        (g, [m for m in g if m[1] != "denominator"] or g, "shared" if g in told else None)
        for g in groups
    ]
    alike += [(parts, [*wholes, *parts], None) for wholes, parts in across]
    for group in told:
        rules.cohort(group)
    todo = {member[0] for group in told for member in group}
    for _ in range(SHARE_ROUNDS):
        grouped = [g for g in items.values() if g.groups_of and {g.id, g.groups_of} & todo]
        plain = [items[i] for i in todo if not items[i].groups_of]
        again = partial(rules.again, cached=cached)
        for item, figures in _scheduled(pool, [*plain, *grouped], again, workers, kept.cost):
            kept.add(item.id, figures)
        masks = {
            (m, k): rules.mask(*m, k)
            for g, c, kind in alike
            for m in {*g, *c}
            for k in {kind, None}
        }
        todo = set()
        for group, counting, kind in alike:
            union = np.logical_or.reduce([masks[m, kind] for m in counting])
            if kind == "shared":  # and where none shows it: a withheld count too
                union = union | np.logical_and.reduce([masks[m, None] for m in group])
            for member in group:
                years = (union & ~masks[member, kind]).reshape(len(union), -1).any(axis=1)
                if years.any():
                    rules.force(*member, union, years, kind)
                    todo.add(member[0])
        if not todo and solves(context):  # (as each indicator's own audit)
            todo = bounds.hide()
        if not todo:
            return {
                "shared_counts": named[: len(shared)],
                "summed_counts": named[len(shared) :],
                "banded_counts": [[member_name(*m) for m in group] for group in banded],
                "summed_across": across_named,
                "bounds": bounds.manifest(),
                "known_denominators": [[member_name(*m) for m in group] for group in told],
            }
    raise RuntimeError(f"shared counts still withheld apart after {SHARE_ROUNDS} rounds")


def _scheduled(pool, items: list, args, workers: int, cost, keep: bool = True):
    """Each indicator and its figures, _protect(*args(item), keep=keep), as each is done, in
    `pool` (_started's; None: this process, in the order given). A group whose parent is among
    `items` (given after it) starts once its parent's figures are taken (its `args` read what the
    parent withholds); otherwise the costliest first (`cost`), one queued beyond the processes,
    so that no process waits for a long one started last."""
    if pool is None:
        for item in items:
            yield item, _protect(*args(item), keep=keep)
        return
    ids = {item.id for item in items}
    waiting = [item for item in items if item.groups_of in ids]
    ready = sorted((i for i in items if i.groups_of not in ids), key=cost, reverse=True)
    running = {}
    while ready or running:
        while ready and len(running) < workers + 1:
            item = ready.pop(0)
            running[pool.submit(_protect, *args(item), keep=keep)] = item
        finished, _ = wait(running, return_when=FIRST_COMPLETED)
        if_stopped()  # a stop whose exception was lost ends the build here, not at its end
        for future in finished:
            item = running.pop(future)
            yield item, future.result()
            ready += [g for g in waiting if g.groups_of == item.id]  # its groups can start
            ready.sort(key=cost, reverse=True)  # stable: the order given otherwise


def a_ratio(indicator: Indicator) -> bool:
    """A percentage or average of its own cells (or groups'), not of a distribution's."""
    return indicator.unit in ("percent", "mean") and (
        not indicator.breakdown or bool(indicator.groups_of)
    )


def _withheld(withheld: np.ndarray, context: Context, indicator: Indicator) -> np.ndarray:
    """An indicator's withheld figures (_Kept.withheld) as year x area x age band x category
    (or group): the cells a shared count is withheld in."""
    bands = len(band_names(indicator, context))
    return withheld.reshape(len(context.years), len(context.districts) + 1, bands, -1)


def solves(context: Context) -> bool:
    """Whether the build solves the reader's equations itself: for a council's districts (and
    the council), not for every district in England (too many)."""
    return len(context.districts) + 1 <= AUDITED_AREAS


def reuse_summary(report: dict) -> str:
    """What write() reused, for the build's summary: e.g. "reused 620 of 690 indicator-years;
    re-protected 70: 2024 (added, 69), 2023 (1)"; blank if it reused nothing."""
    reused, reprotected = report.get("reused", []), report.get("reprotected", [])
    if not reused:
        return ""
    by_year = Counter(year for _, year in reprotected)
    added = set(report.get("added", []))
    years = ", ".join(
        f"{year} ({'added, ' if year in added else ''}{n})" for year, n in sorted(by_year.items())
    )
    total = len(reused) + len(reprotected)
    return f"reused {len(reused)} of {total} indicator-years; re-protected {len(reprotected)}" + (
        f": {years}" if years else ""
    )


CACHE = "figures_cache.json"  # beside the extracts: keys and masks ("shared" too), never a figure
# The code that decides what is withheld.
SOURCES = ("figures.py", "bounds.py", "audit.py", "disclosure.py")


@cache
def code_version() -> str:
    """What a previous build's masks are only valid for: this code and the libraries that solve."""
    here = Path(__file__).parent
    text = [__version__, np.__version__, pd.__version__]
    text += [importlib.metadata.version(name) for name in ("highspy", "scipy")]
    text += [(here / name).read_text() for name in SOURCES]
    return hashlib.sha256("\n".join(text).encode()).hexdigest()


def year_keys(
    cells: pd.DataFrame,
    indicator: Indicator,
    lattice: tuple,
    years,
    parent_withheld=None,
    forced=None,
) -> dict[int, str]:
    """For each year, a hash of everything protect() decides its withheld figures from: the
    indicator's cells that year (in any order), the districts, bands and categories and whether
    they are audited (`lattice`), the catalogue entry, the parent's withheld figures that year
    (groups), the disclosure rules and the code (code_version)."""
    common = json.dumps([code_version(), repr(indicator), *lattice], default=str)
    ordered = cells.sort_values(list(cells.columns), ignore_index=True)  # any order in: one out
    of_year = ordered["year"].to_numpy()
    if not (np.diff(of_year) >= 0).all():  # each year's rows together, in the same order
        ordered = ordered.sort_values("year", kind="stable", ignore_index=True)
        of_year = ordered["year"].to_numpy()
    starts, ends = (np.searchsorted(of_year, years, side) for side in ("left", "right"))
    keys = {}
    for i, year in enumerate(years):
        digest = hashlib.sha256(common.encode())
        if parent_withheld is not None:
            digest.update(b"|parent" + np.packbits(parent_withheld[i]).tobytes())
        for name, mask in sorted((forced or {}).items()):
            digest.update(f"|forced {name}".encode() + np.packbits(mask[i]).tobytes())
        for column, values in ordered.iloc[starts[i] : ends[i]].items():  # a slice: no copy
            digest.update(f"|{column}:{values.dtype}|".encode())
            if pd.api.types.is_numeric_dtype(values):
                digest.update(np.ascontiguousarray(values.to_numpy()).tobytes())
            else:
                digest.update("\x1f".join(map(str, values.tolist())).encode())
        keys[year] = digest.hexdigest()
    return keys


def read_cache(folder: Path | None) -> dict:
    """A previous build's CACHE: "indicators", indicator -> year -> each protection the build
    made of it (key, mask, what stayed unresolved); "joint", the bounds' joint solves (key ->
    leaks). Empty if there is none (no previous build: `folder` None) or it cannot be read
    (everything is protected again)."""
    empty = {"indicators": {}, "joint": {}}
    if folder is None:
        return empty
    try:
        saved = json.loads((Path(folder) / CACHE).read_text())
        if saved.get("code") != code_version():
            raise ValueError("another code's cache")

        def unpacked(text: str, shape: list) -> np.ndarray:
            bits = np.frombuffer(base64.b64decode(text), np.uint8)
            return np.unpackbits(bits, count=int(np.prod(shape))).astype(bool).reshape(shape)

        def entry(saved: dict) -> dict:
            shape = saved["shape"]
            masks = {k: unpacked(saved[k], shape) for k in ("mask", "shared") if k in saved}
            return {"key": saved["key"], "unresolved": list(saved["unresolved"]), **masks}

        return {
            "indicators": {
                indicator_id: {int(year): [*map(entry, entries)] for year, entries in years.items()}
                for indicator_id, years in saved["indicators"].items()
            },
            "joint": {
                key: [audit.Leak(**leak) for leak in leaks] for key, leaks in saved["joint"].items()
            },
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return empty


def write_cache(folder: Path, seen: dict, joint: dict) -> None:
    """CACHE, for the next build into the same folder: each protection of each indicator's year
    this one made or reused (`seen`: indicator -> year -> key -> entry), its key and which
    figures it withheld (no values), and the bounds' joint solves (`joint`: key -> leaks, each
    a withheld count's place and bounds)."""

    def saved(entry: dict) -> dict:
        packed = {
            k: base64.b64encode(np.packbits(entry[k])).decode()
            for k in ("mask", "shared")
            if k in entry
        }
        return {"key": entry["key"], "shape": list(entry["mask"].shape),
                "unresolved": entry["unresolved"], **packed}  # fmt: skip

    cache = {  # in order of keys: a rebuild's is the same as a first build's
        "code": code_version(),
        "indicators": {
            indicator_id: {
                str(year): [saved(keys[key]) for key in sorted(keys)]
                for year, keys in sorted(years.items())
            }
            for indicator_id, years in seen.items()
        },
        "joint": {key: [asdict(leak) for leak in joint[key]] for key in sorted(joint)},
    }
    (Path(folder) / CACHE).write_text(json.dumps(cache) + "\n")


_worker: dict = {}  # each process's own connection and context


def _start(folder: Path, context: Context, parent: int | None = None) -> None:
    """A process that protects indicators (`parent`: a worker's, the pid that started it)."""
    if parent is not None:
        audit.die_with_parent(parent)
    # Where the build solves (a council, not England), every view is worked out once and held:
    # some 70 indicator queries read them.
    con = db.connect(folder, load=False, held=solves(context))
    if parent is not None:  # one BLAS (and DuckDB) thread a process: two already use both cores
        threadpool_limits(1)
        con.execute("set threads = 1")
    _worker.update(con=con, context=context)


def _earlier(cached: dict, item: Indicator) -> list[dict]:
    """What a previous build withheld of an indicator, each protection of each year (read_cache),
    for protect()."""
    return [entry for entries in cached.get(item.id, {}).values() for entry in entries]


@contextmanager
def _started(folder: Path, context: Context, workers: int):
    """Where indicators are protected (_protect): a pool of `workers` processes, each started,
    or (None: `workers` is 1) this process, started, and closed after."""
    if workers > 1:
        start = (folder, context, os.getpid())
        with ProcessPoolExecutor(workers, initializer=_start, initargs=start) as pool:
            yield pool
        return
    _start(folder, context)
    try:
        yield None
    finally:
        _worker.pop("con").close()
        _worker.clear()


def _protect(
    item: Indicator, parent_withheld=None, previous=None, forced=None, keep=False
) -> pd.DataFrame:
    """protect() in a started process (_start), on the indicator's query's cells. `keep`: hold
    the cells for the next time (share() protects some indicators again round after round:
    at national scale, each query takes about 1 s, the protection itself a tenth of that).
    Its attrs["seconds"]: how long it took (_Kept.cost)."""
    start = time.perf_counter()
    cells = _worker.setdefault("cells", {}).get(item.id)
    if cells is None:
        years = _worker["context"].years
        cells = db.run(
            _worker["con"], item.query, year_from=min(years), year_to=max(years), **item.params
        )
        if keep:
            _worker["cells"][item.id] = cells
    # The points each year's audits found, to start the next protection of it from (share()
    # protects some indicators again, round after round), held by the process: to send them
    # with the figures (to the other process, say) takes about as long as they save.
    witnesses = _worker.setdefault("witnesses", {}).setdefault(item.id, {})
    out = protect(cells, item, _worker["context"], parent_withheld, previous, forced, witnesses)
    out.attrs["seconds"] = time.perf_counter() - start
    return out


def _protected(pool, context: Context, items: list, workers: int, cached: dict):
    """Each indicator and its protected figures (those not split into groups first, then
    those that are, given what their parent withholds), computed in `pool` (_started's; None:
    this process): the heaviest first (a parent, then its groups, then distributions), so
    that no process waits at the end. `cached`: what a previous build withheld (read_cache)."""
    plain = [item for item in items if not item.groups_of]
    grouped = [item for item in items if item.groups_of]
    order = [*plain, *grouped]  # as written
    parents = {item.groups_of for item in grouped}
    done, withheld = {}, {}

    def args(item: Indicator) -> tuple:  # _protect's
        return item, withheld.get(item.groups_of), _earlier(cached, item)

    def weight(item: Indicator) -> int:
        return (item.id in parents) * 4 + bool(item.groups_of) * 2 + bool(item.breakdown)

    unwritten = list(order)
    for item, figures in _scheduled(pool, order, args, workers, weight, keep=False):
        done[item.id] = figures
        if item.id in parents:  # its groups can start
            withheld[item.id] = withheld_cells(figures, context, item)
        while unwritten and unwritten[0].id in done:  # in the order they are written
            item = unwritten.pop(0)
            yield item, done.pop(item.id)


def withheld_cells(figures: pd.DataFrame, context: Context, indicator: Indicator) -> np.ndarray:
    """Which of an indicator's protected figures are withheld, year x area x age band (the
    lattice protect() works over)."""
    withheld = (figures["symbol"] == disclosure.SUPPRESSED).to_numpy()
    return _withheld(withheld, context, indicator)[..., 0]


def protect(
    cells: pd.DataFrame,
    indicator: Indicator,
    context: Context,
    parent_withheld: np.ndarray | None = None,
    previous: list[dict] | None = None,
    forced: dict[str, np.ndarray] | None = None,
    witnesses: dict | None = None,
) -> pd.DataFrame:
    """Every figure of an indicator any selection can show alone, protected together: each
    district (Unknown and Other too) and the council, by each age band and all ages [and
    category], for each year; with value, limits at both levels, comparator and comparison,
    the recent-trend verdict for the five years to that year, and the disclosure symbol.

    `cells` are the indicator query's rows (year, district_code, age_band, [category,]
    numerator, denominator [, sum_squares]). A withheld figure keeps its row, its counts blank.

    Groups (indicator.groups_of: e.g. placed away, placed near, location not known, each with
    its own numerator and denominator) add up to their parent indicator's figure, so they are
    one more axis of the lattice, whose whole (ALL_GROUPS) is the parent's figure, withheld
    where the parent's is (`parent_withheld`, year x area x age band): every equation along
    districts, age bands and groups is protected at once. The whole is not written: it is the
    parent's to show.

    Every equation is within a year, so each year is protected apart: `previous` (what
    earlier protections withheld in a year and the key of what they decided from, as
    attrs["years"] gives them: a previous build's, or this build's before share()) is reused
    where the key is the same. attrs["years"] holds each year's key and what
    it withholds; attrs["unresolved"] what the audit could still work out.

    `forced` (share()): "cells" and "totals" to withhold; for a cohort other indicators show
    too, "shared" and "covers" (and for groups, "parent_shared": where their parent's own
    cohort is withheld; else where their parent is). Then its denominator is protected
    first, alone (as an average's children, from "shared"; groups' from where their whole's
    is not known), and withheld where that withholds it ("shared" in attrs["years"]); the
    figures are protected knowing it wherever else another indicator may show it ("covers"):
    what a reader who fills it in from them can work out.

    `witnesses`: a dict kept between protections of the indicator, where its audits keep the
    points they found (audit.audit's), to start again from. The same figures either way.
    """
    witnesses = {} if witnesses is None else witnesses
    years = list(context.years)
    forced = forced or {}
    areas = area_codes(context)
    council = areas[-1]
    banded = "age_band" in indicator.filters
    bands = band_names(indicator, context)
    grouped = bool(indicator.groups_of)
    distribution = bool(indicator.breakdown) and not grouped
    categories = sorted(cells["category"].dropna().unique()) if indicator.breakdown else [""]
    categories += [ALL_GROUPS] if grouped else []
    shape = (len(years), len(areas), len(bands), len(categories))
    solve = solves(context)
    lattice = (areas, bands, categories, solve)
    key = year_keys(cells, indicator, lattice, years, parent_withheld, forced)
    cells = cells.assign(
        age_band=cells["age_band"] if banded else ALL_AGES,
        category=cells["category"] if indicator.breakdown else "",
    )
    index = tuple(
        pd.Index(values).get_indexer(cells[column])
        for values, column in (
            (years, "year"), (areas[:-1], "district_code"), (bands, "age_band"),
            (categories, "category"),
        )
    )  # fmt: skip
    inside = np.all([i >= 0 for i in index], axis=0)
    keys = [f"_{i}" for i in range(4)]
    cells = cells[inside].assign(**dict(zip(keys, (i[inside] for i in index), strict=True)))
    numbers = [c for c in ("numerator", "denominator", "sum_squares") if c in cells]
    cells = cells.assign(
        **{c: pd.to_numeric(cells[c], errors="coerce").astype(float) for c in numbers}
    )
    summed = cells.groupby(keys)
    at = tuple(summed.size().index.get_level_values(k) for k in keys)
    numerator, sum_squares = np.zeros(shape), np.zeros(shape)
    numerator[at] = summed["numerator"].sum()
    if "sum_squares" in cells:
        sum_squares[at] = summed["sum_squares"].sum()
    denominator = np.full(shape, np.nan)
    if distribution:  # a cell's total, the same for each of its categories
        totals = cells.groupby(keys[:3])["denominator"].max()
        total = np.full(shape[:3], np.nan)
        total[tuple(totals.index.get_level_values(k) for k in keys[:3])] = totals
        denominator[:] = total[..., None]
    else:
        denominator[at] = summed["denominator"].sum(min_count=1)
    for array in (numerator, denominator, sum_squares):  # the wholes: groups, ages, the council
        if grouped:
            array[..., -1] = _total(array[..., :-1], axis=3)
        if banded:
            array[:, :, -1] = _total(array[:, :, :-1], axis=2)
        array[:, -1] = _total(array[:, :-1], axis=1)

    axes = ((1, 2) if banded else (1,)) + ((3,) if grouped else ())
    grid = np.meshgrid(*(np.arange(n) for n in shape), indexing="ij")
    area_names = {**context.district_names, council: context.council_name}
    out = pd.DataFrame(
        {
            "indicator_id": indicator.id,
            "unit": indicator.unit,
            "year": np.asarray(years)[grid[0].ravel()],
            "area_code": np.asarray(areas, dtype=object)[grid[1].ravel()],
            "age_band": np.asarray(bands, dtype=object)[grid[2].ravel()],
            "category": np.asarray(categories, dtype=object)[grid[3].ravel()],
            "numerator": numerator.ravel(),
            "denominator": denominator.ravel(),
            "sum_squares": sum_squares.ravel() if indicator.unit == "mean" else np.nan,
        }
    )
    out.insert(4, "area_name", out["area_code"].map(area_names))
    out.insert(5, "area_type", np.where(out["area_code"] == council, "council", "district"))
    exact = derive(out, indicator.unit)
    total_shown = True
    if distribution:  # a cell's total stays beside a withheld category, unless withheld
        totals = disclosure.totals_withheld(
            denominator, axes, solve, forced.get("totals")
        )  # and those another indicator withholds (share())
        total_shown = ~np.broadcast_to(totals[..., None], shape).ravel()
    hidden = np.zeros(shape, dtype=bool)
    parent = None
    if grouped:  # the whole is the parent's figure: known to a reader where the parent shows it
        known = np.ones(shape[:3], dtype=bool) if parent_withheld is None else ~parent_withheld
        hidden = np.broadcast_to(~known[..., None], shape).copy()  # its groups withheld with it
        parent = pd.DataFrame(
            {c: np.broadcast_to(np.where(known, a[..., -1], np.nan)[..., None], shape).ravel()
             for c, a in (("numerator", numerator), ("denominator", denominator))},
            index=exact.index,
        )  # fmt: skip
    if "cells" in forced:  # where another indicator withholds the same count (share())
        hidden |= _widened(forced["cells"], shape)
    shared = covers = cohort = None  # a cohort others show too: where it is withheld, where
    if "shared" in forced:  # they may show it, and (groups) where their whole's is not known
        shared, covers = _widened(forced["shared"], shape), _widened(forced["covers"], shape)
        secret = forced.get("parent_shared", parent_withheld)  # the parent's cohort's own
        cohort = np.zeros(shape, dtype=bool)
        if grouped and secret is not None:
            cohort |= secret[..., None]
    # Each year is protected apart (every equation is within a year): a year whose inputs are
    # those of the previous build keeps what that build withheld.
    known = {entry["key"]: entry for entry in previous or ()}
    reused = {
        i: known[key[year]] for i, year in enumerate(years)
        if key[year] in known and known[key[year]]["mask"].shape == shape[1:]
    }  # fmt: skip
    todo = [i for i in range(len(years)) if i not in reused]
    unresolved = {years[i]: entry["unresolved"] for i, entry in reused.items()}
    for i, entry in reused.items():
        hidden[i] = entry["mask"]
        if shared is not None:
            shared[i] = entry["shared"]
    if todo:
        rows = np.repeat(np.isin(np.arange(len(years)), todo), int(np.prod(shape[1:])))
        lattice = ([years[i] for i in todo], areas, bands, categories)

        def these(values):  # the years to do; all of them (a first build) without a copy
            return values if values is None or len(todo) == len(years) else values[rows]

        arrays = (numerator[todo], denominator[todo])
        shown = these(np.broadcast_to(total_shown, rows.shape))
        given = None
        if shared is not None:  # the denominator first, protected alone (as an average's)
            alone = replace(indicator, unit="mean")
            whole = None
            if grouped:  # its whole's children known where its parent's cohort is
                wholes = np.broadcast_to(denominator[..., -1:], shape).ravel()
                whole = these(parent.assign(denominator=np.where(cohort.ravel(), np.nan, wholes)))
            shared[todo], found = _withhold(
                alone, lattice, *arrays, shared[todo] | cohort[todo],
                these(exact).assign(unit="mean"), whole, shown, axes, solve,
                witnesses=witnesses.setdefault("alone", {}),
            )  # fmt: skip
            hidden[todo] |= shared[todo]
            # Known to a reader, at most: where another indicator may show it (covers), and
            # does not withhold it for its own sake.
            given = covers[todo] & ~shared[todo]
            unresolved.update(found)
        hidden[todo], found = _withhold(
            indicator, lattice, *arrays, hidden[todo], these(exact), these(parent), shown, axes,
            solve, given, witnesses.setdefault("own", {}),
        )  # fmt: skip
        for year, leaks in found.items():
            unresolved[year] = [*unresolved.get(year, []), *leaks]
    # Where a distribution's cell total is withheld, so is each of its categories' row: a
    # category's percentage, or its limits (zero's too), would give the total back.
    out = disclosure.blank(exact, indicator.unit, hidden.ravel() | ~np.asarray(total_shown))
    if distribution:  # a withheld category's total stays beside it, unless withheld
        out["denominator"] = np.where(total_shown, denominator.ravel(), np.nan)
    out = _compared(out, indicator, context, shape)
    out = _trends(out, indicator, shape, years)[COLUMNS]
    if grouped:
        out = out[out["category"] != ALL_GROUPS].reset_index(drop=True)
    out.attrs["unresolved"] = [leak for year in years for leak in unresolved.get(year, [])]
    if distribution:  # exact counts of children, to find shared ones (share()): never
        # written (write() takes them off first)
        counts = {f"numerator:{c}": numerator[..., k : k + 1] for k, c in enumerate(categories)}
        out.attrs["counts"] = Exact({"total": denominator[..., :1], **counts}, totals)
    else:
        out.attrs["counts"] = Exact(
            {
                name: array[..., :-1] if grouped else array
                for name, array in (("numerator", numerator), ("denominator", denominator))
                if name in COUNTED[indicator.unit]
            }
        )
    out.attrs["years"] = {
        year: {"key": key[year], "mask": hidden[i], "unresolved": unresolved.get(year, []),
               "reused": i in reused and reused[i].get("reused", True),
               **({} if shared is None else {"shared": shared[i]})}
        for i, year in enumerate(years)
    }  # fmt: skip
    return out


def _widened(mask: np.ndarray, shape: tuple) -> np.ndarray:
    """A mask share() gives over an indicator's written figures, over protect()'s lattice: a
    group's whole (its last category) is its parent's, never forced."""
    out = np.zeros(shape, dtype=bool)
    out[..., : mask.shape[-1]] = mask
    return out


def _withhold(
    indicator, lattice, numerator, denominator, hidden, exact, parent, total_shown, axes, solve,
    given=None, witnesses=None,
) -> tuple[np.ndarray, dict[int, list[str]]]:  # fmt: skip
    """What protect() withholds over some years (`lattice`: years, areas, bands, categories;
    the arrays and frames those years' only): withhold, then let the reader's equations be
    solved; again, until they fail, or all they find is the data's own (what a reader finds
    with every figure of its year withheld: nothing withheld hides it, so nothing more is
    withheld for its sake). `given`: where a reader may know a withheld figure's
    denominator (another indicator shows it). `witnesses`: as audit.audit takes them, kept by
    the caller between protections. Returns the withheld figures and, for each year, what the
    audit could still work out (see the manifest's "unresolved")."""
    years, categories = lattice[0], lattice[3]
    grouped = bool(indicator.groups_of)
    distribution = bool(indicator.breakdown) and not grouped
    index = [pd.Index(v) for v in lattice]  # to place a leak
    if grouped:  # the parent's true figures, withheld or not: the audit's point. They are each
        # cell's ALL_GROUPS row, its last category (protect() puts it there).
        counts = exact[["numerator", "denominator"]].to_numpy().reshape(-1, len(categories), 2)
        counts = np.broadcast_to(counts[:, -1:], counts.shape).reshape(-1, 2)
        whole = pd.DataFrame(counts, index=exact.index, columns=["numerator", "denominator"])

    def telling(mask: np.ndarray, these: list[int], witnesses) -> list:
        """The telling leaks of some years, withheld as `mask` says."""
        out = disclosure.blank(exact, indicator.unit, mask.ravel())
        if distribution:
            out["denominator"] = np.where(total_shown, denominator.ravel(), np.nan)
        if given is not None:
            out["denominator"] = np.where(given.ravel(), denominator.ravel(), out["denominator"])
        with disclosure.one_blas_thread():  # many small solves: one BLAS thread is much faster
            some = out[out["year"].isin(these)]
            if grouped:
                some = some[some["category"] != ALL_GROUPS]
                found = _audit_groups(
                    some, parent.loc[some.index], exact.loc[some.index], whole.loc[some.index],
                    witnesses,
                )  # fmt: skip
            else:
                found = audit.audit(some, exact=exact, witnesses=witnesses)
        return [leak for leak in found if audit.telling(leak)]

    audited = {}  # year -> what it withheld when audited, and the leaks found

    def left() -> dict[int, list[str]]:  # what the audit could still work out, by year
        return {year: [str(leak) for leak in said] for year, (_, said) in audited.items() if said}

    # year -> the leaks (their cells) a reader finds with every figure of the year withheld: the
    # data's own, that no withholding can hide (withholding more only widens what a reader can
    # solve). Each year's are found once, when it first leaks.
    owned = {}
    hidden, changed = hidden.copy(), np.arange(len(years))
    while True:
        # Withheld figures settle year by year: a year withholding what it did last time is
        # settled already.
        hidden[changed] = disclosure.lattice_withheld(
            numerator[changed], denominator[changed], indicator.unit, axes, distribution,
            hidden[changed], solve=solve,
        )  # fmt: skip
        if not solve:
            return hidden, {}
        # Years are audited apart: one that withholds what it did last time leaks as it did.
        again = [
            y for i, y in enumerate(years) if y not in audited or (audited[y][0] != hidden[i]).any()
        ]
        found = telling(hidden, again, witnesses)
        for i, year in enumerate(years):
            if year in again:
                audited[year] = (hidden[i].copy(), [leak for leak in found if leak.year == year])
        first = [y for y in again if audited[y][1] and y not in owned]
        if first:  # their years with every figure withheld; no witnesses (the caller's are
            # points of the figures as they are withheld)
            everything = hidden.copy()
            everything[[years.index(y) for y in first]] = True
            owned.update((year, set()) for year in first)
            for leak in telling(everything, first, {}):
                owned[leak.year].add(_cell(leak))
        leaks = [
            leak for year in years for leak in audited[year][1]
            if _cell(leak) not in owned.get(year, ())
        ]  # fmt: skip
        if not leaks:  # none, or only the data's own (see the manifest)
            return hidden, left()
        cells = [
            (index[0].get_loc(leak.year), int(np.ravel_multi_index(
                (index[1].get_loc(leak.area_code), index[2].get_loc(leak.age_band),
                 index[3].get_loc(leak.category or categories[0])), hidden.shape[1:])))
            for leak in leaks
        ]  # fmt: skip
        before = hidden.copy()
        if not disclosure.withhold_beside(
            hidden, numerator, denominator, indicator.unit, cells, axes, distribution
        ):  # nothing left to withhold beside them: the data itself says it (see the manifest)
            return hidden, left()
        changed = np.flatnonzero((hidden != before).reshape(len(years), -1).any(axis=1))


def _cell(leak: audit.Leak) -> tuple:
    """Where a leak is, and of what count: the same leak however closely it is bounded."""
    return leak.area_code, leak.age_band, leak.category, leak.count


def audit_extract(figures: pd.DataFrame, workers: int = 1, cohorts=()) -> list:
    """Every leak a reader could find in a figures extract (audit.audit), indicators split into
    groups read as _audit_groups reads them, their parent's figures as the extract shows them;
    each of `cohorts` (the manifest's "known_denominators") taken from whichever shows it
    (given_cohorts)."""
    figures = given_cohorts(figures, cohorts)
    grouped = {i.id: i.groups_of for i in catalogue().values() if i.groups_of}
    leaks = audit.audit(figures[~figures["indicator_id"].isin(list(grouped))], workers)
    keys = ["year", "area_code", "age_band"]
    for indicator_id, parent_id in grouped.items():
        rows = figures[figures["indicator_id"] == indicator_id]
        parent = figures.loc[
            figures["indicator_id"] == parent_id, [*keys, "numerator", "denominator"]
        ]
        parent = rows[keys].merge(parent, on=keys, how="left").set_index(rows.index)
        leaks += _audit_groups(rows, parent)
    return leaks


def given_cohorts(figures: pd.DataFrame, cohorts) -> pd.DataFrame:
    """The extract as a reader reads it who takes each cohort ("indicator.denominator", or
    "...@age band": the same count in that band; a distribution's "indicator.total", its
    cells' total) from whichever indicator shows it: a withheld figure's denominator filled in
    where another of its cohort's shows it."""
    keys = ["indicator_id", "year", "area_code", "age_band", "category"]
    given = []
    for cohort in cohorts:
        shown = []
        for member in cohort:
            item_id, band = member.split(".", 1)[0], member.partition("@")[2]
            rows = figures[(figures["indicator_id"] == item_id) & figures["denominator"].notna()]
            if member.partition("@")[0].endswith(".total"):  # on each category's row
                rows = rows.assign(category="").drop_duplicates(keys)
            shown.append((item_id, band, rows[rows["age_band"] == band] if band else rows))
        for item_id, band, _ in shown:
            others = pd.concat([rows for i, b, rows in shown if (i, b) != (item_id, band)])
            others = others.assign(indicator_id=item_id, age_band=band or others["age_band"])
            given.append(others[[*keys, "denominator"]])
    if not given:
        return figures
    given = pd.concat(given).groupby(keys)["denominator"].max().rename("given").reset_index()
    out = figures.merge(given, on=keys, how="left", validate="many_to_one")
    filled = (out["symbol"] == disclosure.SUPPRESSED) & out["given"].notna()
    out["denominator"] = out["denominator"].mask(filled, out["given"])
    return out.drop(columns="given").set_axis(figures.index)


def _audit_groups(
    figures: pd.DataFrame,
    parent: pd.DataFrame,
    exact: pd.DataFrame | None = None,
    whole: pd.DataFrame | None = None,
    witnesses: dict | None = None,
) -> list:
    """The audit (audit.py) of an indicator split into groups, as a reader sees it: each count
    of the groups (children with the outcome, without it, and in the group; for an average,
    children in the group) read as a distribution over the groups whose cell total is the
    parent's (`parent`: its numerator and denominator on each row, blank where withheld).
    Every equation over districts, age bands and groups at once, solved; the leaks named by
    the count they are of. `exact`: the counts before any was withheld, as audit.audit takes;
    `whole`: the parent's, withheld or not (else the audit has no point where the parent's
    figure is withheld, and needs many more linear programs); `witnesses`: as audit.audit
    takes them."""
    found = []
    for count, one in audit.group_frames(figures, parent):
        exact_one = None
        if exact is not None:
            totals = audit.count_of(parent if whole is None else whole, count)
            exact_one = exact.assign(
                numerator=audit.count_of(exact, count), denominator=totals
            ).fillna(
                {"numerator": 0.0, "denominator": 0.0}
            )  # a group with no data has none: zero in every sum (a shortcut: checked)
        for leak in audit.audit(one, exact=exact_one, witnesses=witnesses):
            found.append(replace(
                leak, indicator_id=leak.indicator_id.split("|")[0], category=leak.category
                or ALL_GROUPS, count=_named(leak, count),
            ))  # fmt: skip
    return found


def _named(leak, count: str) -> str:
    """What a leak of a group's `count` is of. The audit's complement is the parent's count less
    the group's: the other groups' children, a complement (worked out exactly, it tells no
    child's figure, as telling() reads it), unless they are too few to stand behind their
    figure (audit.small, read as this count)."""
    if leak.count != "complement" or audit.small(replace(leak, count=count)):
        return count
    return "complement"


def _total(parts: np.ndarray, axis: int) -> np.ndarray:
    """The sum of the parts along an axis; blank only where every part is."""
    return np.where(np.isnan(parts).all(axis=axis), np.nan, np.nansum(parts, axis=axis))


def _compared(out: pd.DataFrame, indicator, context: Context, shape) -> pd.DataFrame:
    """Each figure against its comparator: a district against the council (same ages, year and
    category), the council's all-ages figure against the first published comparator (England,
    as shipped); the council's age bands have no published comparator of the same ages."""
    value = out["value"].to_numpy().reshape(shape)
    council_value = np.broadcast_to(value[:, -1:], shape).ravel()
    is_council = (out["area_type"] == "council").to_numpy()
    published_area = next(iter(context.comparators), "")
    published = context.published(indicator.id, published_area)
    by_year = dict(zip(published["year"], published["value"], strict=True))
    out["comparator"] = np.where(
        is_council, context.comparators.get(published_area, "England"), context.council_name
    )
    out["comparator_value"] = np.where(
        is_council,
        np.where(out["age_band"] == ALL_AGES, out["year"].map(by_year).astype(float), np.nan),
        council_value,
    )
    if indicator.unit == "count" or indicator.breakdown:  # a part's count is smaller: no yardstick
        out["comparator"], out["comparator_value"] = "", np.nan
    for level in stats.LEVELS:
        out[f"comparison_{stats.level_suffix(level)}"] = comparison(out, indicator, level)
    return out


def _trends(out: pd.DataFrame, indicator: Indicator, shape, context_years) -> pd.DataFrame:
    """The recent-trend verdict of each figure's own series over the five years to its year:
    not tested where any of those points is withheld or missing, or for means and distributions."""
    if indicator.unit == "mean" or indicator.breakdown:
        return out.assign(trend="not tested for this kind of indicator", trend_p=np.nan)
    years, series = shape[0], int(np.prod(shape[1:]))
    pick = lambda column: out[column].to_numpy(float).reshape(years, series).T  # noqa: E731
    numerator, denominator = pick("numerator"), pick("denominator")
    usable = (out["symbol"] == "").to_numpy().reshape(years, series).T
    direction = np.full((series, years), stats.NOT_ENOUGH_DATA, dtype=object)
    p_value = np.full((series, years), np.nan)
    for end in range(TREND_POINTS - 1, years):
        window = slice(end - TREND_POINTS + 1, end + 1)
        year = np.asarray(context_years, dtype=float)[window]
        ok = usable[:, window].all(axis=1)
        if not ok.any():
            continue
        o = numerator[ok, window]
        if indicator.unit == "percent":
            result = stats.trends_proportions(o, denominator[ok, window], year)
        else:
            exposure = denominator[ok, window] if indicator.unit == "rate_per_10k" else 1.0
            result = stats.trends_counts(o, year, exposure)
        direction[ok, end], p_value[ok, end] = result["direction"], result["p_value"]
    return out.assign(trend=direction.T.ravel(), trend_p=p_value.T.ravel())
