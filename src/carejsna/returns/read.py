"""Read one SSDA903 (or local) CSV file, check every value, and report each problem."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from carejsna.returns.schema import FILES, FileSpec, valid_codes

# What happens to a row or value with a problem.
FILE_NOT_LOADED = "file not loaded"
ROW_NOT_LOADED = "row not loaded"
VALUE_BLANKED = "value left blank"
NOTED = "loaded as it is"
NOT_SUPPLIED = "its indicators not available for the year"


@dataclass(frozen=True)
class Problem:
    year: int | None
    file: str
    row: int | None  # the spreadsheet row: the column names are row 1
    column: str
    value: str
    problem: str
    action: str


class FileProblem(Exception):
    """A file that cannot be used at all."""

    def __init__(self, problem: Problem):
        super().__init__(f"{problem.file}: {problem.column}: {problem.problem}")
        self.problem = problem


POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def find_file(folder: Path, name: str) -> Path | None:
    """The file `name`.csv in folder, whatever the case of its name."""
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.name.lower() == f"{name}.csv":
            return path
    return None


def read_file(path: Path, spec: FileSpec, year: int | None) -> tuple[pd.DataFrame, list[Problem]]:
    """The file's rows under our column names, typed, with every problem found in them."""
    label = f"{year}/{path.name}" if year is not None else path.name

    def problem(row, column, value, text, action) -> Problem:
        return Problem(year, label, row, column, str(value), text, action)

    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, skip_blank_lines=False, encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise FileProblem(
            problem(None, "", "", f"cannot be read as CSV ({error})", FILE_NOT_LOADED)
        ) from error
    raw.columns = [str(c).strip().upper() for c in raw.columns]
    missing = [col.name for col in spec.cols if col.name not in raw.columns]
    needed = [name for name in missing if any(c.name == name and c.required for c in spec.cols)]
    if needed:
        raise FileProblem(
            problem(
                None,
                ", ".join(needed),
                "",
                f"required column missing (the file has: {', '.join(raw.columns)})",
                FILE_NOT_LOADED,
            )
        )
    problems = [
        problem(None, name, "", "optional column missing: read as blank", NOTED) for name in missing
    ]
    rows = pd.Series(range(2, len(raw) + 2), index=raw.index)  # kept through blank lines
    blank_rows = (raw.apply(lambda c: c.str.strip()) == "").all(axis=1)
    raw, rows = raw[~blank_rows], rows[~blank_rows]
    out = pd.DataFrame(index=raw.index)
    drop = pd.Series(False, index=raw.index)
    codes = valid_codes()

    for col in spec.cols:
        text = raw[col.name].str.strip() if col.name in raw.columns else pd.Series("", raw.index)
        blank = text == ""
        if col.kind == "date":
            value = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
            bad = ~blank & value.isna()
            if col.key and bad.sum() and bad.sum() == (~blank).sum():
                raise FileProblem(
                    problem(
                        None,
                        col.name,
                        text[bad].iloc[0],
                        "no value in this date column reads as a dd/mm/yyyy date",
                        FILE_NOT_LOADED,
                    )
                )
            why = "not a dd/mm/yyyy date"
            value = _dates(value)
        elif col.kind == "code":
            text = text.str.upper()
            bad = ~blank & ~text.isin(codes[col.codes])
            value = text.where(~blank & ~bad)
            why = f"not a valid {col.name} code"
        elif col.kind in ("int", "number"):
            number = pd.to_numeric(text, errors="coerce")
            whole = (number % 1 == 0) | number.isna() | (col.kind == "number")
            low = -float("inf") if col.low is None else col.low
            high = float("inf") if col.high is None else col.high
            bad = ~blank & (number.isna() | ~whole | (number < low) | (number > high))
            value = number.where(~bad)
            kind = "whole number" if col.kind == "int" else "number"
            why = f"not a {kind} from {col.low:g} to {col.high:g}"
            if col.kind == "int":
                value = value.astype("Int64")
        elif col.kind == "postcode":
            text = text.str.upper().str.replace(r"\s+", " ", regex=True)
            bad = pd.Series(False, index=text.index)  # checked against the ONS data in the build
            value = text.where(~blank)
            why = ""
        else:
            bad = pd.Series(False, index=text.index)
            value = text.where(~blank)
            why = ""

        action = ROW_NOT_LOADED if col.key else (NOTED if col.kind == "postcode" else VALUE_BLANKED)
        for index in text.index[bad]:
            problems.append(problem(rows[index], col.name, text[index], why, action))
        if col.required and col.name in raw.columns:
            action = ROW_NOT_LOADED if col.key else NOTED
            for index in text.index[blank]:
                problems.append(problem(rows[index], col.name, "", "blank, but required", action))
        if col.key:
            drop |= blank | bad
        out[col.as_name] = value

    if spec.name == "episodes":
        ends, starts = pd.to_datetime(out["end_date"]), pd.to_datetime(out["start_date"])
        ends_early = ends.notna() & (ends < starts)
        for index in out.index[ends_early & ~drop]:
            problems.append(
                problem(
                    rows[index], "DEC", raw.at[index, "DEC"], "ends before DECOM", ROW_NOT_LOADED
                )
            )
        drop |= ends_early

    keys = [next(c.as_name for c in spec.cols if c.name == name) for name in spec.unique]
    repeated = out.duplicated(subset=keys, keep="first") & ~drop
    for index in out.index[repeated]:
        value = ", ".join(str(out.at[index, k]) for k in keys)
        problems.append(
            problem(
                rows[index],
                " + ".join(spec.unique),
                value,
                "repeats an earlier row's key: the first is kept",
                ROW_NOT_LOADED,
            )
        )
    drop |= repeated
    out = out[~drop].reset_index(drop=True)
    out.insert(0, "source_row", rows[~drop].to_numpy())
    return out, problems


def _dates(value: pd.Series) -> pd.Series:
    """The days as datetime.date objects (NaT where none), one object a day rather than one a
    row: a national return's hundred thousand rows hold a few thousand days."""
    codes, days = pd.factorize(value)  # NaT is code -1: the last item below
    return pd.Series(np.append(days.date, pd.NaT)[codes], index=value.index, dtype=object)


def year_folders(returns_dir: Path) -> list[tuple[int, Path]]:
    return sorted(
        (int(p.name), p)
        for p in returns_dir.iterdir()
        if p.is_dir() and re.fullmatch(r"\d{4}", p.name)
    )


def read_years(
    returns_dir: Path,
) -> tuple[dict[str, list[pd.DataFrame]], dict[str, dict[str, int]], list[Problem]]:
    """Every year folder's files: the frames for each extract, the rows read and loaded per file
    ("2018/header.csv" -> read/loaded), and every problem found."""
    frames: dict[str, list[pd.DataFrame]] = {spec.extract: [] for spec in FILES.values()}
    rows: dict[str, dict[str, int]] = {}
    problems: list[Problem] = []
    years = year_folders(returns_dir)
    if not years:
        problems.append(
            Problem(
                None,
                str(returns_dir),
                None,
                "",
                "",
                "no year folders (expected e.g. 2024/ holding header.csv and episodes.csv)",
                FILE_NOT_LOADED,
            )
        )
    for year, folder in years:
        for spec in FILES.values():
            path = find_file(folder, spec.name)
            label = f"{year}/{spec.name}.csv"
            if path is None:
                action = FILE_NOT_LOADED if spec.required else NOT_SUPPLIED
                why = "required file missing" if spec.required else "optional file not supplied"
                problems.append(Problem(year, label, None, "", "", why, action))
                continue
            try:
                frame, found = read_file(path, spec, year)
            except FileProblem as error:
                problems.append(error.problem)
                continue
            problems.extend(found)
            rows[f"{year}/{path.name}"] = {
                "read": int(frame["source_row"].max() - 1) if len(frame) else 0,
                "loaded": len(frame),
            }
            frame.insert(0, "year", year)
            frames[spec.extract].append(_codes_as_categories(frame, spec))
    return frames, rows, problems


def _codes_as_categories(frame: pd.DataFrame, spec: FileSpec) -> pd.DataFrame:
    """The file's code columns as categories until the extracts are tidied: a million rows of
    a code take 1 MB so, 9 MB as strings."""
    valid = valid_codes()
    types = {c.as_name: pd.CategoricalDtype(sorted(valid[c.codes])) for c in spec.cols if c.codes}
    return frame.astype(types)
