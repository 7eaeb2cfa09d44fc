"""Bounds from the definitions (catalogue.toml's `bounds`: children placed outside the council
are never more than children in care, ...): what a reader who solves the figures of the
indicators they join together, with them, can work out (bounded_audit), and what the build
withholds where that is a withheld count (Bounds, for figures.share())."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd

from carejsna import audit, disclosure
from carejsna.catalogue import Bound, Indicator, catalogue
from carejsna.catalogue import bounds as declared_bounds
from carejsna.indicators import area_codes, band_names


class Bounds:
    """The catalogue's bounds as share() keeps them: those that hold in every cell of the
    exact counts (else no reader can rely on one), solved together once the alike rules
    settle, and what to withhold where they give a withheld count away.

    `rules`: share()'s figures.Withholding (every indicator's protected figures, `kept`; an
    indicator's withheld cells; where a count is withheld; withhold a count where a mask says,
    in some years); `shared`, `across`: the manifest's shared counts and sums across
    indicators."""

    def __init__(self, rules, shared, across, workers):
        self.rules, self.shared, self.across, self.workers = rules, shared, across, workers
        self.kept, self.context, self.items = rules.kept, rules.context, rules.items
        kept, items, context = self.kept, self.items, self.context
        self.declared = [b for b in declared_bounds() if all(t[0] in items for t in b.terms)]
        self.holding = [b for b in self.declared if _holds(b, kept)]
        self.top = _tops(self.holding)
        self.related = [b.terms for b in self.holding] + [
            [(*_parsed(found["sum"][0]), 1), *((*_parsed(part), -1) for part in found["parts"])]
            for found in across
        ]  # what bounds (and sums across indicators) put side by side
        self.areas = area_codes(context)
        self.unresolved = set()
        # What a year's joint solve reads: these indicators' figures (a group's, its parent's
        # too) and the relations between them.
        read = joined(self.holding, across)
        self.read = sorted(read | {items[i].groups_of for i in read if items[i].groups_of})
        self.common = json.dumps([[b.text for b in self.holding], shared, across]).encode()
        self.witnesses = {}  # the points each solve found, to start the next from

    def hide(self) -> set[str]:
        """Withhold, for every withheld count the bounds give away, more (_hide): the
        indicators to protect again (none: nothing is given away, or nothing more can hide
        what is, in the manifest's "unresolved")."""
        self.unresolved.clear()  # what this audit finds and nothing more can hide
        return set().union(*(self._hide(leak) for leak in self.leaks()))

    def manifest(self) -> dict:
        return {
            "holding": [b.text for b in self.holding],
            "not_holding": [b.text for b in self.declared if b not in self.holding],
            "unresolved": sorted(self.unresolved),
        }

    def leaks(self) -> list[audit.Leak]:
        """What the bounds give away (telling leaks), each year solved only if it was not
        solved before as it is now: what each indicator it reads was protected from that year
        (its year's key, protect()'s) and withholds, with the same relations, here or in the
        previous build (kept.joint, kept.joint_before: the build's cache): a rebuild whose
        years are the same for them solves none."""
        kept, context = self.kept, self.context
        keys = {
            year: hashlib.sha256(
                b"".join(
                    kept.years[i][year]["key"].encode() + self.rules.withheld(i)[y].tobytes()
                    for i in self.read
                )
                + self.common
                + str(year).encode()
            ).hexdigest()
            for y, year in enumerate(context.years)
        }
        for key in keys.values():  # a previous build's solve of the same
            if key not in kept.joint and key in kept.joint_before:
                kept.joint[key] = kept.joint_before[key]
        years = [year for year, key in keys.items() if key not in kept.joint]
        if years:
            at = [context.years.index(year) for year in years]
            with disclosure.one_blas_thread():  # many small solves: one BLAS thread each
                leaks = bounded_audit(
                    lambda i: kept.figures(i, years), self.holding, self.shared, self.across,
                    self.workers, lambda i: kept.exact(i, at), self.witnesses,
                )  # fmt: skip
            for year in years:
                found = [leak for leak in leaks if leak.year == year and audit.telling(leak)]
                kept.joint[keys[year]] = found
        return [leak for year in context.years for leak in kept.joint[keys[year]]]

    def _hide(self, leak: audit.Leak) -> set[str]:
        """Withhold, where bounds give a withheld count away, the figures bounding it: in its
        cell, those a bound puts beside it, and if every one is withheld, those beside them,
        and so on (counts that are not a top count first: children in care, what the others
        are part of); else one more of its own, in its district's age bands or its band's
        areas, the one furthest from its bound (a gap a reader cannot place); else the tops
        in its cell; else every count bounding it in its district's age bands and its band's
        areas. Returns the indicators to protect again (none: the leak is unresolved)."""
        y = self.context.years.index(leak.year)
        leaked = _leaked(leak, self.items)
        for stage in ("beside", "own", "tops", "wide"):
            if stage == "own":
                touched = {self._widen(t, y, leak) for t in leaked if t[:3] not in self.top}
                if touched - {None}:
                    return touched - {None}
                continue
            seen = frontier = leaked
            while frontier:
                frontier = [
                    term for relation in self.related for term in relation
                    if any(_matches(t, x) for t in relation for x in frontier)
                    and not any(_matches(term, x) for x in seen)
                ]  # fmt: skip
                seen = seen + frontier
                terms = [t for t in frontier if stage != "beside" or t[:3] not in self.top]
                touched = {self._withhold(t, y, leak, stage == "wide") for t in terms}
                touched -= {None}
                if touched:
                    return touched
        self.unresolved.add(str(leak))
        return set()

    def _placed(self, term: tuple, leak: audit.Leak) -> tuple | None:
        """Where a count (a bound's term) shows in a leak's cell: its indicator and series,
        which of its cells are shown, and the leak's area and band; None for a category the
        data has none of (nothing shown)."""
        target, series = _target(self.items[term[0]], term[1], term[2])
        if term[2] and term[2] not in self.kept.categories[target]:
            return None
        band = band_names(self.items[target], self.context).index(leak.age_band)
        shown = ~self.rules.mask(target, series, None)
        return target, series, shown, self.areas.index(leak.area_code), band

    def _withheld_at(self, target: str, series: str, union: np.ndarray, y: int) -> str:
        self.rules.force(target, series, None, union, np.arange(len(union)) == y)
        return target

    def _widen(self, term: tuple, y: int, leak: audit.Leak) -> str | None:
        """Withhold one more cell of a count given away, in its district's age bands or its
        band's districts (not a total: all ages, the council): the shown one furthest below a
        bound it is in (none if all are at it)."""
        if (found := self._placed(term, leak)) is None:
            return None
        target, series, shown, area, band = found
        slack = np.zeros(shown.shape)
        for bound in self.holding:
            if any(_matches(t, term) for t in bound.terms):
                slack = np.maximum(slack, -_gap(bound, self.kept))
        near = np.zeros(shown.shape, dtype=bool)
        near[y, area, :-1] = near[y, :-1, band] = True  # not all ages, nor the council
        slack = np.where(near & shown, slack, 0.0)
        if slack.max() <= 0:
            return None
        union = np.zeros(shown.shape, dtype=bool)
        union[np.unravel_index(slack.argmax(), slack.shape)] = True
        return self._withheld_at(target, series, union, y)

    def _withhold(self, term: tuple, y: int, leak: audit.Leak, wide: bool) -> str | None:
        """Withhold a count in a leak's cell (wide: in its area's age bands and its band's
        areas) where shown; the indicator to protect again, if any."""
        if (found := self._placed(term, leak)) is None:
            return None
        target, series, shown, area, band = found
        union = np.zeros(shown.shape, dtype=bool)
        union[y, area, band] = True
        if wide:  # where there are children (a zero withheld is shown as one elsewhere)
            union[y, area, :] = union[y, :, band] = True
            union &= _exact(self.kept, *term[:3]) > 0
            union[y, area, band] = True
        union &= shown
        return self._withheld_at(target, series, union, y) if union.any() else None


def bounded_audit(
    figures_of, bounds: list[Bound], shared: list, across: list, workers: int = 1, exact_of=None,
    witnesses=None,
) -> list:  # fmt: skip
    """The leaks a reader finds solving together the figures of the indicators the catalogue's
    `bounds` join (figures_of(indicator id): its protected figures), with those bounds and the
    equations they can write between them: a count two show (`shared`, as the manifest names
    them), a count the sum of two others (`across`), a group's counts (with the outcome,
    without, in the group). Each indicator's own equations too: its own leaks come back too.
    `exact_of(indicator id)`, where the caller knows them: its numerators and denominators
    before any was withheld (a shortcut, as audit.audit's `exact`); `witnesses`, as
    audit.joint's."""
    items = catalogue()
    ids = joined(bounds, across)
    frames, groups = read_together(ids, figures_of, exact_of)
    relations = [([_block_term(items[i], *rest) for i, *rest in b.terms], "<=") for b in bounds]
    relations += groups

    def term(member: str) -> tuple | None:  # a manifest's "indicator.count[:category]"
        item_id, count, category = _parsed(member)
        if item_id in frames:  # (a group's count shared with another's: not among these)
            return _block_term(items[item_id], count, category, 1)
        shown = [i for i in ids if items[i].groups_of == item_id and f"{i}|{count}" in frames]
        return (f"{shown[0]}|{count}", "total", "", 1) if shown else None  # a group's whole

    for group in shared:  # each the same count
        present = [t for t in map(term, group) if t is not None]
        pairs = zip(present, present[1:], strict=False)
        relations += [([first, (*t[:3], -1)], "same") for first, t in pairs]
    for found in across:  # a sum and its two parts
        wholes = [t for t in map(term, found["sum"]) if t is not None]
        parts = [term(m) for m in found["parts"]]
        if wholes and None not in parts:
            relations.append(([wholes[0], *((*t[:3], -1) for t in parts)], "=="))
    return audit.joint(frames, relations, workers, witnesses)


def joined(bounds: list[Bound], across: list) -> set[str]:
    """The indicators bounded_audit solves together: those `bounds` name, and of a sum across
    indicators (`across`, as the manifest names them) that one of them is in, its parts, and
    the sum itself if none of them shows it."""
    ids = {t[0] for b in bounds for t in b.terms}
    for found in across:
        members = [_parsed(m)[0] for m in found["sum"] + found["parts"]]
        if ids & set(members):
            ids |= set(members[len(found["sum"]) :])
            ids |= set() if ids & set(members[: len(found["sum"])]) else {members[0]}
    return ids


def read_together(ids, figures_of, exact_of=None) -> tuple[dict[str, pd.DataFrame], list]:
    """The figures of indicators `ids` as a reader solves them together (figures_of(indicator
    id): its protected figures; exact_of, as bounded_audit's), for audit.joint: an indicator's
    own; one split into groups as three distributions over them, each named "<id>|<count>"
    (audit.group_frames: children with the outcome, without, in the group), its parent's
    counts their totals; and the equations between a group's three (the relations)."""
    items = catalogue()
    frames = {}
    exact = ["exact_numerator", "exact_denominator"]

    def read(item_id: str) -> pd.DataFrame:
        figures = figures_of(item_id)
        if exact_of is None:
            return figures
        counts = exact_of(item_id).fillna(0.0).T.to_numpy()  # a blank: no children
        return figures.assign(**dict(zip(exact, counts, strict=True)))

    for item_id in sorted(ids):
        item, figures = items[item_id], read(item_id)
        if not item.groups_of:
            frames[item_id] = figures
            continue
        keys = ["year", "area_code", "age_band"]
        columns = [*keys, "numerator", "denominator", *(exact if exact_of else [])]
        parent = read(item.groups_of)[columns]
        parent = figures[keys].merge(parent, on=keys, how="left").set_index(figures.index)
        for count, one in audit.group_frames(figures, parent):
            if exact_of is not None:  # the group's count, of the parent's (zero: no data)
                group, whole = (f[exact].set_axis(["numerator", "denominator"], axis=1)
                                for f in (figures, parent))  # fmt: skip
                one = one.assign(
                    exact_numerator=audit.count_of(group, count),
                    exact_denominator=audit.count_of(whole, count),
                ).fillna({"exact_numerator": 0.0, "exact_denominator": 0.0})
            frames[f"{item_id}|{count}"] = one
    relations = []
    for item_id in ids:  # a group's children: with the outcome and without
        names = [f"{item_id}|{c}" for c in ("denominator", "numerator", "complement")]
        if items[item_id].groups_of and all(n in frames for n in names):
            for category in [*pd.unique(frames[names[0]]["category"]), ""]:
                count = "numerator" if category else "total"
                terms = [(n, count, category, c) for n, c in zip(names, (1, -1, -1), strict=True)]
                relations.append((terms, "=="))
    return frames, relations


def _block_term(item: Indicator, count: str, category: str, coefficient: int) -> tuple:
    """A catalogue's count as the joint audit names it: (block, count, category, coefficient).
    A group's count is a distribution of its own ("<id>|<count>") whose total is the parent's;
    a distribution's total (or denominator) is its cells' total."""
    if item.groups_of:
        return f"{item.id}|{count}", "numerator" if category else "total", category, coefficient
    if item.breakdown:
        return item.id, "numerator" if category else "total", category, coefficient
    return item.id, count, "", coefficient


def _holds(bound: Bound, kept) -> bool:
    """Does a bound hold in every year, area and age band of the exact counts (of indicators
    all built)?"""
    items = catalogue()
    if any(_target(items[i], c, k)[0] not in kept.counts for i, c, k, _ in bound.terms):
        return False
    return bool((_gap(bound, kept) <= 0).all())


def _gap(bound: Bound, kept) -> np.ndarray:
    """sum(coefficient * count) of a bound's exact counts, year x area x age band x 1: at most
    0 where it holds, 0 where a count is at its bound."""
    total = 0.0
    for item_id, count, category, coefficient in bound.terms:
        total = total + coefficient * _exact(kept, item_id, count, category)
    return np.asarray(total)


def _exact(kept, item_id: str, count: str, category: str) -> np.ndarray:
    """A catalogue's count (as a bound names it), exact, year x area x age band x 1 (a blank:
    none)."""
    items = catalogue()
    target, series = _target(items[item_id], count, category)
    counts = kept.counts[target]
    if series.startswith("numerator:"):
        if category not in kept.categories[target]:  # a category the data has none of
            return np.zeros(next(iter(counts.values())).shape[:3] + (1,))
        if items[target].groups_of:  # a group's count, of its category
            k = kept.categories[target].index(category)
            values = counts[count][..., k : k + 1]
        else:
            values = counts[series]
    else:
        values = counts["total" if items[target].breakdown else count]
    return np.nan_to_num(values.astype(float))


def _target(item: Indicator, count: str, category: str) -> tuple[str, str]:
    """The indicator and series (as share() withholds them) showing a catalogue's count: a
    category's figure, a distribution's "total", a group's whole (its parent's) or the figure."""
    if category:
        return item.id, f"numerator:{category}"
    if item.groups_of:
        return item.groups_of, count
    return item.id, "total" if item.breakdown else count


def _tops(bounds: list[Bound]) -> set[tuple]:
    """Counts bounds hold others below and nothing above: children in care, what the others
    are part of (withheld for a bound only when nothing else would do)."""
    signs = {}
    for b in bounds:
        for *named, coefficient in b.terms:
            signs.setdefault(tuple(named), set()).add(coefficient > 0)
    return {named for named, positive in signs.items() if positive == {False}}


def _leaked(leak, items: dict) -> list[tuple[str, str, str]]:
    """The catalogue's counts (indicator, count, category) a joint audit's leak is of."""
    name, _, count = leak.indicator_id.partition("|")
    if count:  # a group's count: its category's, the parent's (the total), or the two's gap;
        # with the outcome or without, part of the children in the group (its denominator)
        cells = {"numerator": [leak.category], "denominator": [""]}
        cells = cells.get(leak.count, [leak.category, ""])
        return [(name, c, k) for c in dict.fromkeys([count, "denominator"]) for k in cells]
    if items[name].breakdown:
        counts = {"numerator": [("numerator", leak.category)], "denominator": [("total", "")]}
        pairs = counts.get(leak.count, [("numerator", leak.category), ("total", "")])
        return [(name, *pair) for pair in pairs]
    counts = {"complement": ["numerator", "denominator"]}.get(leak.count, [leak.count])
    return [(name, c, "") for c in counts]


def _parsed(member: str) -> tuple[str, str, str]:
    """A manifest's "indicator.count[:category]" as (indicator, count, category)."""
    item_id, count = member.split(".", 1)
    count, _, category = count.partition(":")
    return item_id, count, category


def _matches(term: tuple, counted: tuple) -> bool:
    return term[:2] == counted[:2] and (term[2] == counted[2] or "" in (term[2], counted[2]))
