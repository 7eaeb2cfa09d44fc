"""Fuzzing the build with malformed returns, CSV and XML: a build with every problem listed, or
a refusal naming year, file, row and column; never an exception, never a damaged previous build.

The mutations here are shared with bench/fuzz.py, which runs a thousand or more of them."""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carejsna import figures
from carejsna.catalogue import catalogue
from carejsna.returns.build import build
from carejsna.returns.read import FILE_NOT_LOADED, read_years
from tests import fixture_returns
from tests.test_xml import returns_as_xml

# A few children more than the fixture, so every file of the return is there to be mutated.
EXTRA = {
    "uasc.csv": ["CHILD,SEX,DOB,DUC", "G7,1,15/09/2005,15/09/2023"],
    "oc2.csv": [
        "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
        "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED",
        "A1,15/06/2012,12,,0,,1,1,1,0,,",
        "E5,01/03/2008,,SDQ1,0,,0,1,1,0,,",
    ],
    "oc3.csv": ["CHILD,DOB,IN_TOUCH,ACTIV,ACCOM", "G7,15/09/2005,YES,F5,U1"],
    "education.csv": [
        "CHILD,KS2_RWM_EXPECTED,KS4_ATTAINMENT8,KS4_ENG_MATHS_4,PERSISTENT_ABSENCE,"
        "SUSPENSIONS,SEN_PROVISION",
        "A1,1,,,0,0,N",
        "E5,,31.8,0,1,2,K",
    ],
}

NASTY = (
    "",
    " ",
    "ZZ",
    "c2",
    "31/02/2024",
    "2024-01-02",
    "01/01/2999",
    "01/01/1066",
    "00/00/0000",
    "1/13/2020",
    "01/04/2024",
    "1e400",
    "9" * 40,
    "-1",
    "NaN",
    "NULL",
    '=HYPERLINK("http://example.com","x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1)",
    "\t",
    "caf\u00e9",
    "\u202e\u0661\u0662",
    'a "quoted" value',
    "a\nb",
    "x" * 300,
    "x" * 20_000,
    "\x00",
    "A1",
)
BAD_YEARS = ("2024-25", "24", "0000", "1066", "2100", "9999", "FY2024", "notes", "2023 ")
ENCODINGS = ("utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252")


class Picker:
    """The choices a mutation makes: random.Random in the benchmark, hypothesis in the test."""

    def __init__(self, choose: Callable[[Sequence], object], number: Callable[[int, int], int]):
        self.choice, self.randint = choose, number


def random_picker(seed: int) -> Picker:
    rng = random.Random(seed)
    return Picker(rng.choice, rng.randint)


def hypothesis_picker(data) -> Picker:
    return Picker(
        lambda items: data.draw(st.sampled_from(list(items))),
        lambda low, high: data.draw(st.integers(low, high)),
    )


def valid_returns(folder: Path, layout: str, both_years: bool = True) -> Path:
    """The fixture's returns with a few more files, in the CSV layout or as XML; only its 2024
    return unless both_years."""
    returns = fixture_returns.write(folder / "csv")
    if not both_years:
        shutil.rmtree(returns / "2023")
    for name, lines in EXTRA.items():
        (returns / "2024" / name).write_text("\n".join(lines) + "\n")
    return returns if layout == "csv" else returns_as_xml(returns, folder / "xml")


# --- mutations of one CSV file's text: each returns the new text and what it did ------------


def _csv_lines(text: str) -> list[str]:
    return text.rstrip("\n").split("\n")


def _cell(pick: Picker, text: str) -> str:
    lines = _csv_lines(text)
    row = pick.randint(1, len(lines) - 1) if len(lines) > 1 else 0
    cells = lines[row].split(",")
    at = pick.randint(0, len(cells) - 1)
    value = str(pick.choice(NASTY))
    cells[at] = '"' + value.replace('"', '""') + '"' if re.search(r'[",\n]', value) else value
    lines[row] = ",".join(cells)
    return "\n".join(lines) + "\n"


def _drop_column(pick: Picker, text: str) -> str:
    rows = [line.split(",") for line in _csv_lines(text)]
    at = pick.randint(0, len(rows[0]) - 1)
    return "\n".join(",".join(r[:at] + r[at + 1 :]) for r in rows) + "\n"


def _add_column(pick: Picker, text: str) -> str:
    rows = [line.split(",") for line in _csv_lines(text)]
    name = pick.choice(["EXTRA", "", rows[0][0], rows[0][-1].lower(), f" {rows[0][1]} "])
    value = pick.choice(["", "x", "1"])
    rows[0].append(name)
    return "\n".join(",".join(r + ([value] if i else [])) for i, r in enumerate(rows)) + "\n"


def _rename_column(pick: Picker, text: str) -> str:
    lines = _csv_lines(text)
    names = lines[0].split(",")
    at = pick.randint(0, len(names) - 1)
    names[at] = pick.choice([names[at].lower(), f" {names[at]} ", names[at - 1], "??"])
    return "\n".join([",".join(names), *lines[1:]]) + "\n"


def _trailing_comma(pick: Picker, text: str) -> str:
    lines = _csv_lines(text)
    where = pick.choice(["data", "all", "one"])
    if where == "one" and len(lines) > 1:
        at = pick.randint(1, len(lines) - 1)
        lines[at] += ","
    else:
        start = 0 if where == "all" else 1
        lines = lines[:start] + [line + "," for line in lines[start:]]
    return "\n".join(lines) + "\n"


def _cut_row(pick: Picker, text: str) -> str:
    lines = _csv_lines(text)
    row = pick.randint(0, len(lines) - 1)
    cells = lines[row].split(",")
    lines[row] = ",".join(cells[: pick.randint(0, len(cells) - 1)])
    return "\n".join(lines) + "\n"


def _extra_value(pick: Picker, text: str) -> str:
    lines = _csv_lines(text)
    row = pick.randint(1, len(lines) - 1) if len(lines) > 1 else 0
    lines[row] += "," + str(pick.choice(["x", "1", "A1,B2"]))
    return "\n".join(lines) + "\n"


def _repeat_row(pick: Picker, text: str) -> str:
    lines = _csv_lines(text)
    row = pick.randint(0, len(lines) - 1)
    lines.insert(row, lines[row])
    return "\n".join(lines) + "\n"


def _blank_lines(pick: Picker, text: str) -> str:
    lines = _csv_lines(text)
    lines.insert(pick.randint(0, len(lines)), pick.choice(["", " ", ",,,"]))
    return "\n".join(lines) + "\n"


def _quote(pick: Picker, text: str) -> str:
    at = pick.randint(0, len(text))
    return text[:at] + '"' + text[at:]


CSV_TEXT = {
    "value": _cell,
    "drop_column": _drop_column,
    "add_column": _add_column,
    "rename_column": _rename_column,
    "trailing_comma": _trailing_comma,
    "cut_row": _cut_row,
    "extra_value": _extra_value,
    "repeat_row": _repeat_row,
    "blank_lines": _blank_lines,
    "unbalanced_quote": _quote,
}


# --- mutations of a whole file's bytes, and of the folders ------------------------------------


def _bytes(pick: Picker, path: Path) -> str:
    data = path.read_bytes()
    how = pick.choice(["truncate", "empty", "binary", "encoding", "crlf", "nul"])
    if how == "truncate":
        path.write_bytes(data[: pick.randint(0, len(data))])
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "binary":
        path.write_bytes(bytes(pick.randint(0, 255) for _ in range(pick.randint(1, 64))))
    elif how == "encoding":
        how = pick.choice(ENCODINGS)
        text = data.decode("utf-8").replace("WBRI", "WBRI\u00e9", 1)
        path.write_bytes(text.encode(how, errors="replace"))
    elif how == "crlf":
        path.write_bytes(data.replace(b"\n", b"\r\n"))
    else:
        at = pick.randint(0, len(data))
        path.write_bytes(data[:at] + b"\x00" + data[at:])
    return how


def _folders(pick: Picker, returns: Path) -> str:
    how = pick.choice(["add_year", "rename_year", "twin_file", "delete_file", "stray_file"])
    year = pick.choice(_years(returns))
    if how == "add_year":
        name = pick.choice(BAD_YEARS)
        shutil.copytree(year, returns / name, dirs_exist_ok=True)
        return f"{how} {name!r}"
    if how == "rename_year":
        name = pick.choice(BAD_YEARS)
        year.rename(returns / name)
        return f"{how} {name!r}"
    files = sorted(p for p in year.iterdir() if p.is_file())
    path = pick.choice(files)
    if how == "twin_file":
        shutil.copy(path, year / path.name.upper())
    elif how == "delete_file":
        path.unlink()
    else:
        (year / pick.choice(["notes.txt", "header.csv.bak", "Thumbs.db"])).write_bytes(b"\xff")
    return f"{how} {path.name}"


# --- mutations of an XML return ------------------------------------------------------------

LEAF = re.compile(r"<(\w+)>([^<]*)</\1>|<(\w+) />")
ENTITIES = (
    '<!DOCTYPE EXPSSDA903 [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>',
    '<!DOCTYPE EXPSSDA903 [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE EXPSSDA903 [<!ENTITY % p SYSTEM "http://example.com/x.dtd"> %p;]>',
)


def _xml(pick: Picker, text: str) -> tuple[str, str]:
    how = pick.choice(
        ["value", "drop", "repeat", "unknown", "entity", "root", "raw", "namespace", "unclosed"]
    )
    leaves = list(LEAF.finditer(text))
    leaf = pick.choice(leaves)
    tag = leaf.group(1) or leaf.group(3)
    if how == "value":
        value = str(pick.choice(NASTY)).replace("\x00", "")
        value = value.replace("&", "&amp;").replace("<", "&lt;")
        new = f"<{tag}>{value}</{tag}>"
    elif how == "drop":
        new = ""
    elif how == "repeat":
        new = leaf.group(0) * 2
    elif how == "unknown":
        new = leaf.group(0) + "<SURPRISE>yes</SURPRISE>"
    elif how == "raw":
        new = f"<{tag}>{pick.choice(['a & b', '1 < 2', '&nbsp;', '&#0;'])}</{tag}>"
    elif how == "unclosed":
        new = f"<{tag}>x"
    else:
        new = leaf.group(0)
    text = text[: leaf.start()] + new + text[leaf.end() :]
    if how == "entity":
        declared = text.index("?>") + 2
        text = text[:declared] + "\n" + pick.choice(ENTITIES) + text[declared:]
        text = text.replace("<SEX>", "<SEX>&a;", 1) if "ENTITY a" in text else text
    elif how == "root":
        text = text.replace("EXPSSDA903", pick.choice(["Message", "expssda903", "CHILD"]))
    elif how == "namespace":
        text = text.replace("<EXPSSDA903>", '<EXPSSDA903 xmlns="http://example.com/903">')
    return text, f"{how} {tag}"


def _years(returns: Path) -> list[Path]:
    return sorted(p for p in returns.iterdir() if p.is_dir() and p.name.isdigit())


def mutate(pick: Picker, returns: Path, layout: str) -> str:
    """One random mutation of a valid returns folder, described in words."""
    kind = pick.choice(["text", "text", "text", "bytes", "folders", "xml"])
    xml_path = returns / "2024" / "return.xml"
    if kind == "xml" and layout == "xml":
        text, how = _xml(pick, xml_path.read_text(encoding="utf-8"))
        xml_path.write_text(text, encoding="utf-8")
        return f"xml {how}"
    if kind == "folders":
        return _folders(pick, returns)
    year = pick.choice(_years(returns))
    files = sorted(p for p in year.iterdir() if p.is_file())
    path = pick.choice(files)
    if kind == "bytes":
        return f"bytes {pick.choice([path]).name} {_bytes(pick, path)}"
    if path.suffix == ".xml":
        text, how = _xml(pick, path.read_text(encoding="utf-8"))
        path.write_text(text, encoding="utf-8")
        return f"xml {how}"
    name = pick.choice(sorted(CSV_TEXT))
    path.write_text(CSV_TEXT[name](pick, path.read_text()), encoding="utf-8")
    return f"{name} {year.name}/{path.name}"


# --- the verdict on one case ---------------------------------------------------------------


def snapshot(folder: Path) -> dict[str, bytes]:
    if not folder.exists():
        return {}
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


PYTHON_WORDS = re.compile(r"Traceback|object has no attribute|<class |Error\(|NoneType|\bnan\b")


def unclear(problem) -> str:
    """Why a refusal does not say clearly what and where ('' when it does)."""
    if not problem.file or not problem.problem:
        return "no file or no words"
    if re.match(r"\d{4}/.", problem.file) and problem.year is None:
        return "a year's file without its year"
    if PYTHON_WORDS.search(problem.problem):
        return "Python's words, not ours"
    return ""


def verdict(result, before: dict, after: dict, out: Path) -> dict[str, list[str]]:
    """What went wrong in one case: unclear refusals and partial writes (tracebacks are caught
    by the caller)."""
    found = {"unclear": [], "partial": []}
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}-")]
    if leftovers:
        found["partial"].append(f"left beside the extracts: {leftovers}")
    if result.written:
        if result.failed or "metadata.json" not in after or "figures.parquet" not in after:
            found["partial"].append("written, but failed or incomplete")
        return found
    refusals = [p for p in result.problems if p.action == FILE_NOT_LOADED]
    if not refusals:
        found["unclear"].append("nothing written, and no refusal says why")
    found["unclear"] += [f"{p}: {why}" for p in refusals if (why := unclear(p))]
    if after != before:
        found["partial"].append("the previous build changed after a refusal")
    return found


@contextmanager
def few_indicators(count: int = 1):
    """The build's figures for the first `count` indicators only, in this process: the fuzz is
    about reading returns, and every indicator of a build takes 20 s; each other step runs."""
    every, defaults = figures.catalogue, figures.write.__defaults__
    few = dict(list(catalogue().items())[:count])
    figures.catalogue, figures.write.__defaults__ = (lambda: few), (1,)
    try:
        yield
    finally:
        figures.catalogue, figures.write.__defaults__ = every, defaults


def run_case(pick: Picker, layout: str, out: Path) -> tuple[str, str, dict[str, list[str]]]:
    """Mutate a valid return set and build it over the previous build in `out`: (what was
    done, "built" | "refused" | "traceback", what went wrong)."""
    with tempfile.TemporaryDirectory() as folder:
        returns = valid_returns(Path(folder), layout)
        how = mutate(pick, returns, layout)
        before = snapshot(out)
        try:
            result = build(returns, out)
        except Exception as error:  # noqa: BLE001 - what the fuzz is looking for
            return how, "traceback", {"traceback": [f"{type(error).__name__}: {error}"]}
        return (
            how,
            "built" if result.written else "refused",
            verdict(result, before, snapshot(out), out),
        )


def read_case(pick: Picker, layout: str) -> tuple[str, str, list[str]]:
    """Mutate a valid return set and only read it, as the build does first: (what was done,
    "read" | "refused" | "traceback", unclear refusals)."""
    with tempfile.TemporaryDirectory() as folder:
        returns = valid_returns(Path(folder), layout, both_years=False)
        how = mutate(pick, returns, layout)
        try:
            _, _, problems = read_years(returns)
        except Exception as error:  # noqa: BLE001 - what the fuzz is looking for
            return how, "traceback", [f"{type(error).__name__}: {error}"]
        refusals = [p for p in problems if p.action == FILE_NOT_LOADED]
        return (
            how,
            "refused" if refusals else "read",
            [f"{p}: {why}" for p in refusals if (why := unclear(p))],
        )


@pytest.fixture(scope="module")
def previous(tmp_path_factory, fixture_data):
    out = tmp_path_factory.mktemp("fuzz") / "data"
    shutil.copytree(fixture_data, out)
    return out


FUZZ = {
    "derandomize": True,  # the same cases on every run, in CI too
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}


@settings(max_examples=200, **FUZZ)
@given(layout=st.sampled_from(["csv", "xml"]), data=st.data())
def test_malformed_returns_are_read_or_refused_clearly(layout, data):
    how, outcome, unclear_ones = read_case(hypothesis_picker(data), layout)
    assert outcome != "traceback", (how, unclear_ones)
    assert unclear_ones == [], how


@settings(max_examples=10, **FUZZ)
@given(layout=st.sampled_from(["csv", "xml"]), data=st.data())
def test_malformed_returns_build_or_are_refused_leaving_the_previous_build(previous, layout, data):
    """The whole build, on fewer cases (a build that succeeds takes seconds): bench/fuzz.py
    runs a thousand."""
    with few_indicators():
        how, outcome, found = run_case(hypothesis_picker(data), layout, previous)
    assert outcome != "traceback", (how, found)
    assert found == {"unclear": [], "partial": []}, (how, found)
