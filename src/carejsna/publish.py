"""`carejsna publish`: a folder holding only what the public may see, for a hosted explorer.

The protected figures (already through disclosure control), their manifest, the lookups the
pages read (districts, age bands), the published comparators and the council's targets, what
the last build changed in the overview's figures (figure_changes.json: figures as shown, if
any), and a metadata.json trimmed to what the pages read (the council and the years).
Nothing record-level: no child, episode, health, care leaver, UASC, education, population or
code extract, and no build_report.csv (it echoes returned values). A manifest, `published.json`,
names the council, years, build and publish dates and the sha256 of every file.

Each published Parquet file must hold exactly the columns listed here: a new column is refused
until someone has checked that it is an aggregate or a lookup, and added it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq

from carejsna import __version__, changes, db
from carejsna.figures import COLUMNS as FIGURE_COLUMNS
from carejsna.figures import MANIFEST as FIGURES_MANIFEST
from carejsna.returns import benchmarks
from carejsna.returns.build import check_beside, staged

MANIFEST = db.PUBLISHED_MANIFEST
MARK = "carejsna publish"  # what a previous publish's manifest says it is
COLUMNS = {  # every column of every published extract, each an aggregate or a lookup
    "figures": frozenset(FIGURE_COLUMNS),
    "districts": frozenset(["district_code", "district_name", "is_council_district", "sort_order"]),
    "age_bands": frozenset(["age_band", "min_age", "max_age", "sort_order"]),
    "benchmarks": frozenset([*benchmarks.COLUMNS, "is_official"]),
    "targets": frozenset(["indicator_id", "target", "tolerance", "good", "note"]),
}
REQUIRED = ("figures", "districts", "age_bands")  # the pages cannot start without these
assert set(COLUMNS) == set(db.PUBLISHED)


def publish(data: Path, out: Path) -> dict:
    """Copy what the public may see from the extracts folder `data` to `out`, whole or not at
    all (written beside `out` and renamed into place). Refuses to replace a folder that is
    neither empty nor a previous publish. Returns the manifest written."""
    data, out = Path(data), Path(out)
    if not (data / "metadata.json").exists() or not (data / "figures.parquet").exists():
        raise FileNotFoundError(db.build_first(data, "built figures"))
    check_beside(out, data)
    _check_not_inside_a_publish(out)
    _check_out(out)
    for name in REQUIRED:
        if not (data / f"{name}.parquet").exists():
            raise FileNotFoundError(f"{data / name}.parquet is missing: build the extracts again")
    if not (data / FIGURES_MANIFEST).exists():
        raise FileNotFoundError(f"{data / FIGURES_MANIFEST} is missing: build the extracts again")
    meta = db.metadata(data)
    with staged(out, shared=True) as staging:  # a server running as another user reads it
        extracts = {}
        for name in db.PUBLISHED:
            source = data / f"{name}.parquet"
            if not source.exists():
                continue
            columns = set(pq.read_schema(source).names)
            if columns != COLUMNS[name]:
                raise ValueError(
                    f"{source.name}: columns {sorted(columns ^ COLUMNS[name])} are not the "
                    "published ones; check they are aggregates before adding them to "
                    "carejsna.publish.COLUMNS"
                )
            shutil.copyfile(source, staging / source.name)
            extracts[name] = pq.read_metadata(source).num_rows
        shutil.copyfile(data / FIGURES_MANIFEST, staging / FIGURES_MANIFEST)
        if (data / changes.FILE).exists():  # the overview's changes: shown figures only
            shutil.copyfile(data / changes.FILE, staging / changes.FILE)
        public = {  # what the pages read (ind.Context.load): the council and the years
            "council": meta["council"],
            "years": meta["years"],
            "extracts": extracts,
            "built_with": meta.get("built_with", ""),
        }
        (staging / "metadata.json").write_text(json.dumps(public, indent=2) + "\n")
        built = datetime.fromtimestamp((data / "figures.parquet").stat().st_mtime, UTC)
        manifest = {
            "published_by": MARK,
            "published_with": f"carejsna {__version__}",
            "council": {"code": meta["council"]["code"], "name": meta["council"]["name"]},
            "synthetic": bool(meta["council"].get("synthetic")),
            "years": meta["years"],
            "built": built.isoformat(timespec="seconds"),  # when figures.parquet was written
            "published": datetime.now(UTC).isoformat(timespec="seconds"),
            "files": {
                p.name: hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(staging.iterdir())
            },
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def _check_not_inside_a_publish(out: Path) -> None:
    """`out` must not be inside a published folder: one written into /tmp/board/sub published
    without a word, and the explorer serving /tmp/board then refused to start ("sub: not
    published"), the board's explorer down at its next restart."""
    for parent in Path(out).resolve().parents:
        if _is_publish(parent):
            raise FileExistsError(
                f"--out {out} is inside the published folder {parent}, which must hold only "
                "what was published (its explorer would refuse to start): write it beside it"
            )


def previously(out: Path) -> str:
    """When `out` was last published ("2026-12-07 16:10 UTC"), or "" if it is no publish: a
    publish onto an existing one replaced it without a word, the officer not told a served
    explorer's figures had just changed."""
    manifest = _publish_manifest(Path(out))
    if manifest is None:
        return ""
    stamp = str(manifest.get("published", ""))
    return stamp[:16].replace("T", " ") + " UTC" if stamp else "an unknown date"


def _publish_manifest(folder: Path) -> dict | None:
    """The manifest of a folder `carejsna publish` wrote (its manifest says so), else None."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("published_by") == MARK else None


def _is_publish(folder: Path) -> bool:
    """Whether `folder` is one `carejsna publish` wrote (its manifest says so)."""
    return _publish_manifest(folder) is not None


def _check_out(out: Path) -> None:
    """`out` may be missing, empty, or a previous publish (its manifest says so); nothing else."""
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"--out {out} is a file, not a folder")
    if not out.exists() or not any(out.iterdir()):
        return
    previous = _publish_manifest(out)
    if previous is None:
        held = sorted(p.name for p in out.iterdir())
        raise FileExistsError(
            f"--out {out} holds files that are not a previous `carejsna publish` "
            f"({', '.join(held[:5])}{', ...' if len(held) > 5 else ''}): "
            "choose an empty or new folder"
        )
    unknown = {p.name for p in out.iterdir()} - {*previous.get("files", {}), MANIFEST}
    if unknown:
        raise FileExistsError(
            f"--out {out} is a previous publish with other files added "
            f"({', '.join(sorted(unknown))}): move them away first"
        )


DAMAGED = f"{MANIFEST}: damaged, not as `carejsna publish` wrote it"


def verify_damaged(problems: list[str]) -> bool:
    """Whether verify found the manifest itself unreadable (so nothing else could be checked)."""
    return DAMAGED in problems


def _listed(folder: Path) -> dict | None:
    """The files and checksums the folder's manifest lists; None if it is no longer readable
    JSON of that shape (an edit gone wrong): the server said only "Expecting property name
    enclosed in double quotes: line 2 column 1", naming neither the file nor the folder."""
    try:
        files = json.loads((folder / MANIFEST).read_text())["files"]
    except (ValueError, KeyError, TypeError):
        return None
    ok = isinstance(files, dict) and all(isinstance(d, str) for d in files.values())
    return files if ok else None


def verify(folder: Path) -> list[str]:
    """What is wrong with a published folder: a file missing, changed or not in its manifest."""
    folder = Path(folder)
    files = _listed(folder)
    if files is None:
        return [DAMAGED]
    problems = [f"{n}: missing" for n in files if not (folder / n).exists()]
    problems += [
        f"{n}: changed since it was published"
        for n, digest in files.items()
        if (folder / n).exists() and hashlib.sha256((folder / n).read_bytes()).hexdigest() != digest
    ]
    problems += [
        f"{p.name}: not published" for p in folder.iterdir() if p.name not in {*files, MANIFEST}
    ]
    return problems
