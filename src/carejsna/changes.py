"""What changed in the overview's figures since the last build: each headline figure (the
council and each district, all ages, every year) that both builds publish and that reads
differently now, as a reader sees it (a withheld figure says c, never what it hides), with the
reason where the returns give one (a year added, a year's return replaced)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from carejsna import catalogue, disclosure
from carejsna.indicators import ALL_AGES, DECIMALS

FILE = "figure_changes.json"
# The overview's headline indicators (board.py shows them as tiles).
HEADLINES = (
    "cla_at_31_march",
    "cla_rate_per_10k",
    "cla_started",
    "pct_3plus_placements",
    "pct_long_term_stability",
    "pct_health_assessment",
    "pct_persistent_absence",
    "pct_eet_19to21",
)
# The record-level extracts a year's return makes: a year whose rows differ was replaced.
BY_YEAR = ("children", "episodes", "health", "care_leavers", "uasc", "education", "population")
KEYS = ["indicator_id", "year", "area_code"]
BATCH_ROWS = 100_000  # an extract's rows read at a time, to compare two builds' years


def overview_figures(folder: Path) -> pd.DataFrame:
    """The overview's protected figures in a build's figures.parquet, each as shown."""
    columns = [*KEYS, "unit", "area_name", "area_type", "age_band", "category", "value", "symbol"]
    figures = pd.read_parquet(
        Path(folder) / "figures.parquet",
        columns=columns,
        filters=[("indicator_id", "in", list(HEADLINES)), ("age_band", "=", ALL_AGES),
                 ("category", "=", "")],
    )  # fmt: skip
    figures["shown"] = [
        disclosure.shown(v, s, DECIMALS[u]) + ("%" if u == "percent" and not s and v == v else "")
        for v, s, u in zip(figures["value"], figures["symbol"], figures["unit"], strict=True)
    ]
    return figures[[*KEYS, "area_name", "area_type", "shown"]]


def compare(previous: Path, new: Path) -> dict:
    """The changes from the build in `previous` to the one in `new`; {} if `previous` holds no
    build with figures (a first build) or nothing the overview shows reads differently."""
    previous, new = Path(previous), Path(new)
    if not (previous / "figures.parquet").exists() or not (previous / "metadata.json").exists():
        return {}
    old_years = set(json.loads((previous / "metadata.json").read_text()).get("years", []))
    new_years = set(json.loads((new / "metadata.json").read_text())["years"])
    added, removed = sorted(new_years - old_years), sorted(old_years - new_years)
    replaced = _replaced(previous, new, old_years & new_years)
    both = overview_figures(previous).merge(overview_figures(new), on=KEYS, suffixes=("", "_new"))
    changed = both[both["shown"] != both["shown_new"]].assign(
        order=lambda f: f["indicator_id"].map({i: n for n, i in enumerate(HEADLINES)}),
        district=lambda f: f["area_type"] != "council",  # the council first
    )
    changed = changed.sort_values(["year", "order", "district", "area_name"])
    figures = [
        {
            "indicator_id": row.indicator_id,
            "indicator": _title(row.indicator_id),
            "year": int(row.year),
            "area_code": row.area_code,
            "area_name": row.area_name_new,
            "area_type": row.area_type,
            # a figure now withheld says so, without the value it had: the old build's
            # figures beside the new ones must not narrow down what the new one hides
            "old": "" if row.shown_new == disclosure.SUPPRESSED else row.shown,
            "new": row.shown_new,
            "reason": _reason(int(row.year), added, replaced),
        }
        for row in changed.itertuples()
    ]
    if not (figures or added or removed):
        return {}
    return {"years_added": added, "years_removed": removed, "returns_replaced": replaced,
            "figures": figures}  # fmt: skip


def write(previous: Path, new: Path) -> dict:
    """compare() written to new/figure_changes.json, if there is anything to say."""
    changes = compare(previous, new)
    if changes:
        (Path(new) / FILE).write_text(json.dumps(changes, indent=2) + "\n")
    return changes


def read(folder: Path) -> dict:
    """A build's figure_changes.json, or {} if it has none (a first build, or nothing changed)."""
    path = Path(folder) / FILE
    return json.loads(path.read_text()) if path.exists() else {}


def _title(indicator_id: str) -> str:
    title = catalogue.get(indicator_id).title
    return title[0].lower() + title[1:]


def _replaced(previous: Path, new: Path, years: set[int]) -> list[int]:
    """The years both builds hold whose returns' rows differ between them (compared here, within
    the build: record-level rows are never written to the changes)."""
    replaced = set()
    for name in BY_YEAR:
        old_path, new_path = previous / f"{name}.parquet", new / f"{name}.parquet"
        if not (old_path.exists() and new_path.exists()):
            continue
        old_schema, new_schema = pq.read_schema(old_path), pq.read_schema(new_path)
        if old_schema.names != new_schema.names or old_schema.types != new_schema.types:
            replaced |= years  # the build itself changed: every year may read differently
            continue
        old_years, new_years = _year_digests(old_path), _year_digests(new_path)
        replaced |= {year for year in years if old_years.get(year) != new_years.get(year)}
    return sorted(replaced)


def _year_digests(path: Path) -> dict[int, str]:
    """Each year's rows of an extract, in their order, as a hash, read a batch at a time: at
    national scale both builds' extracts whole would take more memory than the rest of the
    build (and a parquet file of one row group is read whole for each year a filter asks)."""
    digests = {}
    for batch in pq.ParquetFile(path).iter_batches(batch_size=BATCH_ROWS):
        for year, rows in batch.to_pandas().groupby("year", sort=False):
            row_hashes = pd.util.hash_pandas_object(rows, index=False).to_numpy()
            digests.setdefault(int(year), hashlib.sha256()).update(row_hashes.tobytes())
    return {year: digest.hexdigest() for year, digest in digests.items()}


def _reason(year: int, added: list[int], replaced: list[int]) -> str:
    """Why a year's figure may read differently: its own return replaced, or a later return
    (added or replaced) that revises earlier episodes."""
    if year in replaced:
        return f"the {year} return was replaced"
    later = [f"the {y} return was added" for y in added if y > year]
    later += [f"the {y} return was replaced" for y in replaced if y > year]
    if later:
        return "; ".join(later) + " (a later return revises earlier episodes)"
    return ""


def sentence(change: dict) -> str:
    """A change in words: "2023, children in care at 31 March, Nottinghamshire: 1,103 -> 1,098
    (the 2023 return was replaced)"."""
    text = f"{change['year']}, {change['indicator']}, {change['area_name']}: "
    if change["old"]:
        text += f"{change['old']} -> {change['new']}"
    else:
        text += "now withheld (c)"
    return text + (f" ({change['reason']})" if change["reason"] else "")


def summary(changes: dict) -> str:
    """One line for the build's console summary."""
    figures = changes.get("figures", [])
    text = f"Changed since the last build: {len(figures)} overview figure"
    text += "" if len(figures) == 1 else "s"
    if figures:
        text += f" ({sentence(figures[0])}{', ...' if len(figures) > 1 else ''})"
    if changes.get("years_added"):
        text += "; years added: " + ", ".join(map(str, changes["years_added"]))
    if changes.get("years_removed"):
        text += "; years removed: " + ", ".join(map(str, changes["years_removed"]))
    return text + f" (see {FILE})"
