"""One DuckDB connection over the extracts, and named queries run with bound parameters."""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import weakref
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from carejsna import Unknown

ROOT = Path(__file__).resolve().parents[2]
QUERIES_DIR = ROOT / "queries"
VIEWS_DIR = QUERIES_DIR / "views"
READ_DIR = QUERIES_DIR / "read"  # what pages, the command line and exports read: built figures
log = logging.getLogger(__name__)


def data_dir() -> Path:
    """The extracts folder: $CAREJSNA_DATA (e.g. a council's, outside the repository: `~` is
    understood), or the repository's data/ (the demo's)."""
    return Path(os.environ.get("CAREJSNA_DATA", ROOT / "data")).expanduser()


@dataclass(frozen=True)
class Query:
    name: str
    sql: str
    help: str  # the comment lines that open the file
    params: tuple[str, ...]  # declared in a "-- Parameters:" line


PARAM = re.compile(r"\$([a-z_]+)")


@cache
def query(name: str, folder: Path = QUERIES_DIR) -> Query:
    """The query in folder/name.sql, checked: it uses exactly the parameters it declares."""
    path = folder / f"{name}.sql"
    if not re.fullmatch(r"[a-z0-9_]+", name) or not path.is_file():
        raise Unknown(f"no query named {name!r} in {folder}")
    sql = path.read_text()
    comments = [line[2:].strip() for line in sql.splitlines() if line.startswith("--")]
    declared = next((c.split(":", 1)[1] for c in comments if c.startswith("Parameters:")), "")
    params = tuple(sorted(p.strip().lstrip("$") for p in declared.split(",") if p.strip()))
    used = tuple(sorted(set(PARAM.findall(sql))))
    if params != used:
        raise ValueError(f"{path.name}: declares parameters {params} but uses {used}")
    return Query(name, sql, "\n".join(comments), params)


def connect(
    folder: Path | None = None, load: bool = True, held: bool = False, views: bool = True
) -> duckdb.DuckDBPyConnection:
    """An in-memory database: a table per extract (or, without `load`, a view reading the file
    when queried: less memory, for a one-off pass like the build's), then, unless not `views`,
    a view per file in queries/views/ (with `held`, each computed once and held as a table: for
    a pass that reads every indicator, as the build's figures do for a council small enough to
    hold them)."""
    folder = Path(folder or data_dir())
    if not (folder / "metadata.json").exists():
        raise FileNotFoundError(build_first(folder, "extracts"))
    con = duckdb.connect()
    for path in sorted(folder.glob("*.parquet")):
        extract = con.read_parquet(str(path))
        if load:
            extract.create(path.stem)
        else:
            extract.create_view(path.stem)
    pending = sorted(p.stem for p in VIEWS_DIR.glob("*.sql")) if views else []
    while pending:  # a view may read another view: make each once what it reads exists
        failed = []
        for name in pending:
            try:
                view(con, name, held)
            except duckdb.CatalogException as error:
                failed.append(name)
                last_error = error
            except duckdb.Error as error:
                raise ValueError(f"queries/views/{name}.sql: {error}") from error
        if failed == pending:
            raise ValueError(f"queries/views/{failed[0]}.sql: {last_error}")
        pending = failed
    return con


def view(con: duckdb.DuckDBPyConnection, name: str, held: bool = False) -> None:
    """Make queries/views/name.sql a view: computed when a query reads it, so a page pays only
    for what it uses (or, `held`, a table computed now). The name is a checked file name; the
    view's SQL is our own file, no values."""
    kind = "create table " if held else "create view "
    con.execute(kind + name + " as " + query(name, VIEWS_DIR).sql)


def shared(folder: Path, published_only: bool = False) -> duckdb.DuckDBPyConnection:
    """One connection per process to a folder's extracts, as connect(load=False) makes it but
    without queries/views/ (or, `published_only`, to its protected figures, as published()
    does): views that read the files when queried, each read through a cursor of its own (run,
    table, read), so threads share it. For what reads the record-level extracts on request (a
    forecast for a new selection, from the extracts themselves): the database is not made
    again each time. Its users never close it."""
    return _shared(Path(folder).resolve(), published_only)


@lru_cache(maxsize=4)
def _shared(folder: Path, published_only: bool) -> duckdb.DuckDBPyConnection:
    return published(folder) if published_only else connect(folder, load=False, views=False)


PUBLISHED = ("figures", "districts", "age_bands", "benchmarks", "targets")  # no child in them
PUBLISHED_MANIFEST = "published.json"  # what `carejsna publish` writes beside them


@dataclass
class _Held:
    """The indicators whose figures a published connection holds in memory so far."""

    indicators: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)


_HELD: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # connection: _Held


def build_first(folder: Path, what: str) -> str:
    """Why a folder given for the extracts cannot be read, and what to run: the returns' own
    folder given for them is told to be built elsewhere (it cannot be built into itself)."""
    returns = folder.is_dir() and any(
        p.is_dir() and re.fullmatch(r"\d{4}", p.name) for p in folder.iterdir()
    )
    if returns:
        return (
            f"{folder} holds returns, not extracts: build them (`carejsna build {folder} --out "
            "DATA`) and read DATA"
        )
    return f"no {what} in {folder}: run `carejsna build RETURNS_DIR --out {folder}` first"


def published(folder: Path | None = None, load: bool = False) -> duckdb.DuckDBPyConnection:
    """An in-memory database of what readers are shown, built by `carejsna build`: the
    protected figures and their lookups (districts, age bands, published comparators, targets),
    and no record-level extract. Pages and `carejsna indicator` read only this.

    Views on the files (a read takes only the row groups it needs), or with `load` tables held
    in memory (compressed), a server's many reads twice as fast: the lookups at once, the
    figures an indicator at a time the first time a read asks for it (`hold`), so a page's
    first run waits for its own indicators, not for every figure of the extract."""
    folder = Path(folder or data_dir())
    if not (folder / "figures.parquet").exists():
        raise FileNotFoundError(build_first(folder, "figures"))
    con = duckdb.connect()
    if load:
        con.execute("attach ':memory:' as held (compress)")
    for name in PUBLISHED:
        if (folder / f"{name}.parquet").exists():
            extract = con.read_parquet(str(folder / f"{name}.parquet"))
            if not load:
                extract.create_view(name)
                continue
            if name == "figures":  # empty until `hold` reads an indicator's rows into it
                extract.create_view("figures_file")
                extract = extract.limit(0)
                _HELD[con] = _Held()
            extract.create(f"held.{name}")
            con.table(f"held.{name}").create_view(name)  # every cursor reads it by its name
    return con


def hold(con: duckdb.DuckDBPyConnection, indicator_ids: list[str]) -> None:
    """Read into memory the figures of those of these indicators a connection opened with
    `published(load=True)` does not hold yet (queries/read/hold.sql); any other connection
    reads its figures as they are. Once per indicator for every thread."""
    held = _HELD.get(con)
    if held is None or held.indicators.issuperset(indicator_ids):
        return
    with held.lock:  # one thread reads an indicator in; the others wait for it
        missing = sorted(set(indicator_ids) - held.indicators)
        if missing:
            run(con, "hold", READ_DIR, indicator_ids=missing)
            held.indicators.update(missing)


def run(
    con: duckdb.DuckDBPyConnection, name: str, folder: Path = QUERIES_DIR, **params
) -> pd.DataFrame:
    """Run folder/name.sql with exactly its declared parameters, on a cursor of its own."""
    return _run(con, name, folder, params, lambda cursor, sql: cursor.execute(sql, params).df())


def run_arrow(
    con: duckdb.DuckDBPyConnection, name: str, folder: Path = QUERIES_DIR, **params
) -> pa.Table:
    """As run, as an Arrow table: for many rows, several times quicker to turn into pandas
    (to_pandas) than run's own conversion."""
    return _run(con, name, folder, params,
                lambda cursor, sql: cursor.sql(sql, params=params).to_arrow_table())  # fmt: skip


def _run(con, name: str, folder: Path, params: dict, fetch):
    q = query(name, folder)
    if set(params) != set(q.params):
        raise TypeError(
            f"query {name} takes {', '.join(q.params) or 'no parameters'}, got {params}"
        )
    cursor = con.cursor()
    try:
        return fetch(cursor, q.sql)
    except duckdb.Error:
        log.exception("query %s failed with parameters %s", name, params)
        raise
    finally:
        cursor.close()


def read(con: duckdb.DuckDBPyConnection, name: str, **params) -> pd.DataFrame:
    """Run queries/read/name.sql (a read of the built figures) with exactly its parameters."""
    return run(con, name, folder=READ_DIR, **params)


def from_frames(**frames: pd.DataFrame) -> duckdb.DuckDBPyConnection:
    """An in-memory database holding the given frames as tables (e.g. figures made in a test)."""
    con = duckdb.connect()
    for name, frame in frames.items():
        con.from_df(frame).create(name)
    return con


def table(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    """A whole extract or view, by name (e.g. the council's KPI targets)."""
    cursor = con.cursor()
    try:
        return cursor.table(name).df()
    finally:
        cursor.close()


def metadata(folder: Path | None = None) -> dict:
    return json.loads((Path(folder or data_dir()) / "metadata.json").read_text())
