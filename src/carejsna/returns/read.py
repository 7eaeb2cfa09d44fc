"""Read the returns, year by year, CSV or XML: every value checked, every problem reported."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import io
import itertools
import re
from contextlib import contextmanager
from dataclasses import dataclass
from difflib import get_close_matches
from pathlib import Path

import numpy as np
import pandas as pd

from carejsna.returns.schema import FILES, FileSpec, code_validity, season, valid_codes

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
    """A file that cannot be used at all: `problem`, and any more found with it (every date
    column written another way, not one a run)."""

    def __init__(self, problem: Problem, *more: Problem):
        super().__init__(f"{problem.file}: {problem.column}: {problem.problem}")
        self.problem = problem
        self.problems = [problem, *more]


POSTCODE = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$")


def find_file(folder: Path, name: str) -> Path | None:
    """The file `name`.csv in folder, whatever the case of its name; a FileProblem if two files
    differ only in case (header.csv and HEADER.CSV): which one is meant is unclear."""
    found = [
        path
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name.lower() == f"{name}.csv"
    ]
    if len(found) > 1:
        year = int(folder.name) if folder.name.isdigit() else None
        raise FileProblem(
            Problem(
                year,
                " and ".join(_label(path, year) for path in found),
                None,
                "",
                "",
                "two files whose names differ only in case: which one to read is unclear",
                FILE_NOT_LOADED,
            )
        )
    return found[0] if found else None


# A postcode's outward code and inward code, spaced or not (BFPO 123, NO FIXED ABODE: as given)
POSTCODE_SHAPE = r"^([A-Z]{1,2}\d[A-Z\d]?) ?(\d[A-Z]{2})$"


def misnamed(folder: Path, name: str) -> list[Path]:
    """The files in folder that may be `name`.csv misnamed (episodes.txt, episode.csv, or with
    the year or the return's name beside it, header_2024.csv, SSDA903_episodes.csv): no file
    the folder is read for, nor an XML return, and named nearer `name` than any other file's,
    or with `name` a word of its name."""
    read = {f"{other}.csv" for other in FILES}

    def meant(stem: str) -> bool:
        words = re.split(r"[^a-z0-9]+", stem)
        return name in words or get_close_matches(stem, FILES, n=1, cutoff=0.75) == [name]

    return [
        path
        for path in sorted(folder.iterdir())
        if path.is_file()
        and not path.name.startswith(("~$", "."))  # a spreadsheet's lock file, a hidden one
        and path.name.lower() not in read
        and path.suffix.lower() != ".xml"
        and meant(path.name.lower().split(".")[0])
    ]


def nested(folder: Path, name: str) -> str:
    """Where `name`.csv lies in a folder inside folder (2024/SSDA903/header.csv), whatever its
    case: "SSDA903/header.csv", or "" if in none. Hidden folders are left alone."""
    found = sorted(
        path
        for path in folder.glob("*/*")
        if path.is_file()
        and not path.parent.name.startswith(".")
        and path.name.lower() == f"{name}.csv"
    )
    return found[0].relative_to(folder).as_posix() if found else ""


def _label(path: Path, year: int | None) -> str:
    return f"{year}/{path.name}" if year is not None else path.name


def read_file(path: Path, spec: FileSpec, year: int | None) -> tuple[pd.DataFrame, list[Problem]]:
    """The CSV file's rows under our column names, typed, with every problem found in them."""
    label = _label(path, year)
    raw, rows, problems = read_csv(path, year, label)
    frame, found = check(raw, rows, spec, year, label)
    return frame, problems + found


# A byte-order mark says the encoding; longest first (UTF-32 LE's begins with UTF-16 LE's).
BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
WORKBOOKS = (  # a file's first bytes, where a workbook was renamed .csv, not saved as CSV
    (b"PK\x03\x04", "an Excel workbook (.xlsx) or another zip file"),
    (b"\xd0\xcf\x11\xe0", "an Excel 97-2003 workbook (.xls)"),
)
MAX_FIELD = 10_000  # characters in one value: more is not a return but something else


def read_text(path: Path, year: int | None, label: str) -> str:
    """The file as text: UTF-8, or whatever its byte-order mark says; refused (FileProblem)
    when that is unclear: other encodings cannot be told apart from each other for sure."""

    def refuse(row, text):
        return FileProblem(Problem(year, label, row, "", "", text, FILE_NOT_LOADED))

    data = path.read_bytes()
    if workbook := next((kind for magic, kind in WORKBOOKS if data.startswith(magic)), None):
        raise refuse(None, f"cannot be read: it is {workbook}, named .csv: open it and save it "
                     "as CSV UTF-8")  # fmt: skip
    encoding = next((name for bom, name in BOMS if data.startswith(bom)), "utf-8")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise refuse(
            line,
            f"cannot be read as {encoding.upper()} text (byte 0x{data[error.start]:02x} on line "
            f"{line}): save it as CSV UTF-8",
        ) from None
    text = text.removeprefix("\ufeff")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise refuse(
            line,
            "cannot be read as text: it holds NUL bytes (a binary file, or UTF-16 without a "
            "byte-order mark; save it as CSV UTF-8)",
        )
    if not text.strip():
        raise refuse(None, "cannot be read: the file is empty")
    return text


def read_csv(
    path: Path, year: int | None, label: str
) -> tuple[pd.DataFrame, pd.Series, list[Problem]]:
    """The CSV file's values as text under its upper-cased column names, the spreadsheet row of
    each (the column names are row 1), and the problems of its shape. Every row is matched to
    the column names from the left, so a row can never shift into the wrong columns: a row with
    too few or too many values is reported and left out, and a file whose column names are
    blank or repeated (UPN and upn) is refused."""

    def refuse(row, column, value, text):
        return FileProblem(Problem(year, label, row, column, value, text, FILE_NOT_LOADED))

    reader = csv.reader(io.StringIO(read_text(path, year, label), newline=""))
    records, lines, start = [], [], 1  # each record's values, and its first and last line
    try:
        with no_gc():
            names = [name.strip() for name in next(reader)]
            for values in reader:  # line_num: the record's last line
                records.append(values)
                lines.append((start + 1, reader.line_num))
                start = reader.line_num
    except csv.Error as error:
        # a quote opened and never closed reads on until a value is too long, far below it
        raise refuse(
            start + 1, "", "", f"cannot be read as CSV from this row on ({error}): a quote "
            "opened here and not closed?"
        ) from None  # fmt: skip
    while names and names[-1] == "":
        names.pop()  # a trailing comma after the column names
    if len(names) == 1 and (other := re.search(r"[\t;]", names[0])):  # one column, no comma
        kind = {"\t": "tab", ";": "semicolon"}[other[0]]
        raise refuse(
            1, "", "", f"cannot be read as CSV: the file looks {kind}-separated (its first row "
            f"holds {kind}s, not commas): returns are comma-separated CSV; save it as CSV UTF-8"
        )  # fmt: skip
    # HOME_POST whatever its case, spaces or spaces for _ ("Home Post": it had been missing)
    columns = [re.sub(r"\s*[\s_]\s*", "_", name).upper() for name in names]
    if not columns:
        raise refuse(1, "", "", "cannot be read as CSV: the first row holds no column names")
    if "" in columns:
        at = columns.index("")
        after = f" (after {names[at - 1]})" if at else ""
        raise refuse(1, "", "", f"cannot be read as CSV: column {at + 1}{after} has no name")
    for column in dict.fromkeys(columns):
        same = [name for name, c in zip(names, columns, strict=True) if c == column]
        if len(same) == 1:
            continue
        if len(set(same)) == 1:
            why = f"the column {same[0]} appears {len(same)} times: which one to read is unclear"
        else:
            listed = " and ".join(repr(name) for name in same)
            why = f"columns {listed} differ only in case or spaces: which one to read is unclear"
        raise refuse(1, column, "", why)

    width, kept, rows, problems, trailing = len(columns), [], [], [], 0

    def problem(row, column, value, text, action):
        problems.append(Problem(year, label, row, column, _shown(value), text, action))

    for (row, last), values in zip(lines, records, strict=True):
        if last > row and len(values) != width:  # a quote's value ran over the rows below it
            why = f"a quote in row {row} opens a value that runs on to row {last} (not closed?)"
            problem(row, "", "", f"{why}: this row and the {last - row} below not loaded",
                    ROW_NOT_LOADED)  # fmt: skip
            for below in range(row + 1, last + 1):
                problem(below, "", "", f"inside the value {why}", ROW_NOT_LOADED)
            continue
        if len(values) != width:
            if not "".join(values).strip():
                continue  # a blank line
            if len(values) > width and not "".join(values[width:]).strip():
                trailing += 1
                values = values[:width]
            elif len(values) > width:
                extra = ",".join(values[width:])
                why = (
                    f"the row has {len(values)} values but the file has {width} columns: "
                    "they cannot be matched to the columns"
                )
                problem(row, "", extra, why, ROW_NOT_LOADED)
                continue
            else:
                why = f"the row has only {len(values)} of the file's {width} values: cut short"
                problem(row, columns[len(values)], "", why, ROW_NOT_LOADED)
                continue
        if [v.strip().upper() for v in values[:width]] == [n.upper() for n in names[:width]]:
            why = "the column names again (the file pasted in twice, or files joined?)"
            problem(row, "", "", why, ROW_NOT_LOADED)
            continue
        kept.append(values)
        rows.append(row)
    if trailing:
        problem(
            None,
            "",
            "",
            f"{trailing} rows end with an empty value after the last column (a trailing "
            "comma): the empty values are ignored",
            NOTED,
        )
    raw = pd.DataFrame(
        dict(zip(columns, zip(*kept, strict=True), strict=True)) if kept else None,
        columns=columns,
        dtype=str,
    )
    at = pd.Series(rows, index=raw.index, dtype="int64")
    long = pd.concat([raw[c].str.len() > MAX_FIELD for c in columns], axis=1).any(axis=1)
    for index in raw.index[long]:
        column = next(c for c in columns if len(raw.at[index, c]) > MAX_FIELD)
        why = f"a value over {MAX_FIELD:,} characters long"
        problem(int(at[index]), column, raw.at[index, column], why, ROW_NOT_LOADED)
    blank = pd.concat([raw[c].str.strip() == "" for c in columns], axis=1).all(axis=1)
    keep = ~long & ~blank  # a row of only commas is a blank line too
    return raw[keep], at[keep], problems


@contextmanager
def no_gc():
    """Python's cycle collector off while a file's rows are read: they are many small lists,
    and scanning them again and again as they grow takes longer than reading them."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _shown(value) -> str:
    """A value as the report shows it: a very long one cut short."""
    value = str(value)
    return value if len(value) <= 200 else value[:200] + "..."


FORMAT_SHOWN = 5  # values a column needs before they show it is written another way
SCIENTIFIC = re.compile(r"\d(\.\d+)?E\+\d+", re.IGNORECASE)  # a spreadsheet's 1.01E+05
FORMULA = re.compile(r"^[=+@]|^-[^0-9.]")  # what a spreadsheet would run as a formula


def check(
    raw: pd.DataFrame,
    rows: pd.Series,
    spec: FileSpec,
    year: int | None,
    label: str,
    names: dict[str, str] | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """The rows of a file (values as text under DfE's column names, with the row or element
    position of each) checked value by value: our column names, typed, and every problem found.
    `names` gives the name a column has in the file where it is not DfE's CSV name."""
    names = names or {}

    def problem(row, column, value, text, action) -> Problem:
        row = None if row is None else int(row)
        return Problem(year, label, row, names.get(column, column), _shown(value), text, action)

    missing = [col.name for col in spec.cols if col.name not in raw.columns]
    needed = [c.name for c in spec.cols if c.name in missing and c.needed]
    if needed:
        raise FileProblem(
            problem(
                None,
                ", ".join(needed),
                "",
                f"required column missing (the file has: {', '.join(raw.columns)})"
                f"{_columns_meant(needed, spec, list(raw.columns))}",
                FILE_NOT_LOADED,
            )
        )
    problems = [
        problem(None, name, "", "optional column missing: read as blank", NOTED) for name in missing
    ]
    out = pd.DataFrame(index=raw.index)
    drop = pd.Series(False, index=raw.index)
    # DfE's codes for the return's year; a local file's (education.csv...) whatever the year
    codes = valid_codes(year if spec.dfe else None)
    refused = []  # date columns written another way: each said, then the file refused

    for col in spec.cols:
        text = raw[col.name].str.strip() if col.name in raw.columns else pd.Series("", raw.index)
        blank = text == ""
        said = None  # the values problems give, where not `text` as checked
        reasons = {}  # a row's own problem, where it is not `why`
        if col.kind == "date":
            written, text = text, text.str.replace(MIDNIGHT, "", regex=True)
            value = pd.to_datetime(text, format="%d/%m/%Y", errors="coerce")
            bad = ~blank & value.isna()
            # a column written another way (2023-04-03, an Excel serial, month first) would be
            # blanked or, month first, read with day and month swapped: refused whole where its
            # values show it (a few of them: one slip in a sparse column is its row's; a key's
            # unreadable all)
            american = pd.to_datetime(text, format="%m/%d/%Y", errors="coerce")
            swapped = bad & american.notna()
            few = (~blank).sum() < FORMAT_SHOWN
            if not few and swapped.any() and not (value.notna() & american.isna()).any():
                why = "these dates read as month/day/year, not dd/mm/yyyy (day and month swapped)"
            elif (col.key or not few) and bad.sum() and bad.sum() == (~blank).sum():
                why = "no value in this date column reads as a dd/mm/yyyy date"
            else:
                why = ""
            if why:
                at = text[swapped if swapped.any() else bad].index[0]
                why += _date_form(text[at])
                refused.append(problem(rows[at], col.name, written[at], why, FILE_NOT_LOADED))
                continue
            why = "not a dd/mm/yyyy date"
            value = _dates(value)
        elif col.kind == "code":
            said = text  # a wrong code as the file has it ("White British", not upper-cased)
            text = text.str.upper()
            numbers = _codes_as_numbers(text, codes[col.codes])
            if len(numbers):
                at, n = numbers.index[0], len(numbers)
                noun = "code" if n == 1 else "codes"
                why = (
                    f"{n} {noun} written as a spreadsheet writes a number ({text[at]} for "
                    f"{numbers[at]}): read as the {noun}"
                )
                problems.append(problem(rows[at], col.name, text[at], why, NOTED))
                text = text.where(~text.index.isin(numbers.index), numbers)
            bad = ~blank & ~text.isin(codes[col.codes])
            value = text.where(~blank & ~bad)
            why = f"not a valid {col.name} code"
            if bad.any() and spec.dfe and year is not None:
                validity = code_validity()[col.codes]
                for index, code in text[bad & text.isin(validity.keys())].items():
                    # valid in other years: say which
                    reasons[index] = f"{why} for {season(year)}: {validity[code].describe(code)}"
        elif col.kind in ("int", "number"):
            plain = _numbers_plain(text, col.kind)
            changed = text.index[plain != text]
            if len(changed):
                at, n = changed[0], len(changed)
                why = (
                    f"{n} {'number' if n == 1 else 'numbers'} written with a comma ({text[at]}): "
                    f"read as {plain[at]}"
                )
                problems.append(problem(rows[at], col.name, text[at], why, NOTED))
            number = pd.to_numeric(plain, errors="coerce")  # a problem quotes it as written
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
            # one form of each postcode ("ng11aa", " NG1  1AA" -> "NG1 1AA"), so a later
            # return that spaces it differently does not revise it
            text = text.str.upper().str.replace(r"\s+", " ", regex=True).str.strip()
            text = text.str.replace(POSTCODE_SHAPE, r"\1 \2", regex=True)  # postcodes alone
            bad = text.str.len() > 20  # otherwise checked against the ONS data in the build
            value = text.where(~blank & ~bad)
            why = "too long to be a postcode"
        else:
            # an id or free text: kept as it is, unless it could not be one
            bad = (text.str.len() > (50 if col.kind == "id" else 500)) | text.str.contains(
                r"[\x00-\x1f\x7f]", regex=True
            )
            value = text.where(~blank & ~bad)
            rounded = text.str.fullmatch(SCIENTIFIC) & col.key
            if rounded.any():  # its digits are lost: children would merge, or count twice
                at = text.index[rounded][0]
                n = int(rounded.sum())
                why = (
                    f"{n} {'id' if n == 1 else 'ids'} written as a spreadsheet shows a long "
                    f"number ({text[at]}): the digits are lost; save the column as text"
                )
                raise FileProblem(problem(rows[at], col.name, text[at], why, FILE_NOT_LOADED))
            what = "an id" if col.kind == "id" else "text"
            why = f"not {what}: too long, or holds control characters"
            for index in text.index[~bad & text.str.contains(FORMULA, regex=True)]:
                problems.append(
                    problem(
                        rows[index],
                        col.name,
                        text[index],
                        "starts like a spreadsheet formula: kept as text (a CSV download "
                        "writes it with a leading ')",
                        NOTED,
                    )
                )

        action = ROW_NOT_LOADED if col.key else VALUE_BLANKED
        said = text if said is None else said
        for index in text.index[bad]:
            reason = reasons.get(index, why)
            problems.append(problem(rows[index], col.name, said[index], reason, action))
        if col.required and col.name in raw.columns:
            action = ROW_NOT_LOADED if col.key else NOTED
            for index in text.index[blank]:
                problems.append(problem(rows[index], col.name, "", "blank, but required", action))
        if col.key:
            drop |= blank | bad
        out[col.as_name] = value
    if refused:
        raise FileProblem(*refused)

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

    if spec.name == "population":
        problems += _districts(out[~drop], rows[~drop], problem)
        problems += _gaps(out[~drop], rows[~drop], problem)

    keys = [next(c.as_name for c in spec.cols if c.name == name) for name in spec.unique]
    repeated = out.duplicated(subset=keys, keep="first") & ~drop
    for index in out.index[repeated]:
        value = ", ".join(raw.at[index, name].strip() for name in spec.unique)  # as written
        problems.append(
            problem(
                rows[index],
                " + ".join(names.get(name, name) for name in spec.unique),
                value,
                "repeats an earlier row's key: the first is kept",
                ROW_NOT_LOADED,
            )
        )
    drop |= repeated
    out = out[~drop].reset_index(drop=True)
    out.insert(0, "source_row", rows[~drop].to_numpy())
    return out, problems


MIDNIGHT = r"\s+00:00(?::00)?$"  # the time a spreadsheet writes after a date: no information
DATE_FORMS = (  # how a column a spreadsheet or system rewrote writes its dates
    (r"^\d{4}-\d{1,2}-\d{1,2}", "written year first (2023-04-01)"),
    (r"^\d{1,2}/\d{1,2}/\d{2}$", "written with a two-digit year (01/04/23)"),
    (r"^\d{5}(?:\.\d+)?$", "written as a spreadsheet's day number (45017 for 01/04/2023)"),
    (r"^\d{1,2}[-.]\d{1,2}[-.]\d{4}$", "written with dashes or dots (01-04-2023)"),
)


def _date_form(value: str) -> str:
    """How a refused date column is written, where it can be told, and what to do: the
    refusal had named the column and a value, not why nor how to save it."""
    form = next((said for shape, said in DATE_FORMS if re.match(shape, value)), "")
    return f": they are {form}; save the column as dd/mm/yyyy" if form else ""


def _columns_meant(needed: list[str], spec: FileSpec, columns: list[str]) -> str:
    """Which file's columns these are, where every one is another file's and one is not this
    file's (header.csv holding episodes.csv's), or which may be the required ones it lacks,
    renamed (ETHNICITY for ETHNIC), or that its first row holds no column of the file's at all
    (a title above them?); "" where none can be told."""
    ours = {col.name for col in spec.cols}
    other = next(
        (
            name
            for name, its in FILES.items()
            if name != spec.name
            and {c.name for c in its.cols if c.needed} <= set(columns)
            and set(columns) <= {c.name for c in its.cols}  # each of its columns that file's
            and set(columns) - ours  # and one not this file's: header.csv short of ETHNIC
        ),  # (CHILD, SEX, DOB) is uasc.csv's columns too, but no file of its
        None,
    )
    if other:
        return f": its columns are {other}.csv's (the files' names swapped?)"
    if not ours & set(columns):
        return ": its first row is not the column names (a title or a blank row above them?)"
    others = [c for c in columns if c not in ours]
    meant = {
        name: found[0]
        for name in needed
        if (found := get_close_matches(name, others, n=1, cutoff=0.6))
    }
    return "".join(f"; {other} for {name}?" for name, other in meant.items())


THOUSANDS = r"^[1-9]\d{0,2}(?:,\d{3})+$"  # 1,693: a spreadsheet's number formatted for reading
DECIMAL_COMMA = r"^(\d+),(\d{1,2})$"  # 31,8: a decimal comma (three digits would be thousands)


def _numbers_plain(text: pd.Series, kind: str) -> pd.Series:
    """The numbers as pandas reads them: a whole number's ("int") thousands separators left
    out (population.csv's 1,693 had every row refused, the year's rates lost), a number's
    decimal comma read as the point (Attainment 8's 31,8 had been blanked). Anything else
    with a comma is left as written, to be refused: 0,075 is no count, and a score's 45,125
    could be either."""
    if kind == "int":
        whole = text.str.fullmatch(THOUSANDS)
        return text.where(~whole, text.str.replace(",", "", regex=False))
    return text.str.replace(DECIMAL_COMMA, r"\1.\2", regex=True)


def _codes_as_numbers(text: pd.Series, valid: set) -> pd.Series:
    """The codes a spreadsheet wrote as numbers (1.0 for SEX 1, 0.0 for MOTHER 0), as the
    codes: each blanked as not a code, a column had lost every child's sex, in silence but
    for a note per row."""
    digits = text.str.extract(r"^(\d+)\.0+$", expand=False)
    return digits[digits.isin(valid) & ~text.isin(valid)]


def _districts(population: pd.DataFrame, rows: pd.Series, problem) -> list[Problem]:
    """population.csv's district codes and names against ONS's lookup. A code ONS does not
    know would be a district of its own, and the district meant would lose those children (its
    rates wrong): refused, as is another district's name, which would show one district's
    figures under the other's name. A name ONS writes differently is noted, and shown as given
    (case, punctuation and "&" for "and" aside: "Newark & Sherwood" is Newark and Sherwood)."""
    from carejsna.returns.names import authorities

    ons = authorities().set_index("district_code")["district_name"]
    codes = population["district_code"]
    unknown = population.index[codes.notna() & ~codes.isin(ons.index)]
    if len(unknown):
        more = f" ({len(unknown)} rows in all)" if len(unknown) > 1 else ""
        why = (
            f"not a district code in ONS's lookup of districts since April 2021{more}: a "
            "slip, or an older district's (give the one it became): its children would "
            "count nowhere"
        )
        raise FileProblem(
            problem(rows[unknown[0]], "DISTRICT", codes[unknown[0]], why, FILE_NOT_LOADED)
        )

    def plain(name: str) -> str:
        return re.sub(r"[^a-z0-9]", "", name.lower().replace("&", "and"))

    of_name = dict(zip(ons.map(plain), ons.index, strict=True))
    named = population.dropna(subset=["district_code", "district_name"])
    named = named.drop_duplicates(["district_code", "district_name"])
    ons_name = named["district_code"].map(ons)
    found = []
    for index in named.index[named["district_name"].map(plain) != ons_name.map(plain)]:
        code, name = named.at[index, "district_code"], named.at[index, "district_name"]
        other = of_name.get(plain(name))
        if other is not None:
            raise FileProblem(
                problem(rows[index], "DISTRICT_NAME", name,
                        f"{name!r} is ONS's name for {other}, not for {code} ({ons[code]}): "
                        f"{code}'s figures would be shown as {name}'s", FILE_NOT_LOADED)
            )  # fmt: skip
        found.append(
            problem(rows[index], "DISTRICT_NAME", name,
                    f"{name!r} is not ONS's name for {code} ({ons[code]}): shown as given",
                    NOTED)
        )  # fmt: skip
    return found


def _gaps(population: pd.DataFrame, rows: pd.Series, problem) -> list[Problem]:
    """A problem that stops the build for the first district of a population.csv without a row
    for each age from 0 to 17 and each sex the file has: its rate over part of its children
    would look like any other. After the rows' own problems, which may be why."""
    ages = range(0, 18)
    sexes = sorted(population["sex"].dropna().unique())
    held = set(zip(population["district_code"], population["age"], population["sex"], strict=True))
    for district in population["district_code"].dropna().unique():
        gaps = [(age, sex) for sex in sexes for age in ages if (district, age, sex) not in held]
        if gaps:
            shown = ", ".join(f"age {a} sex {s}" for a, s in gaps[:4])
            more = f" and {len(gaps) - 4} more" if len(gaps) > 4 else ""
            at = rows[population.index[population["district_code"] == district][0]]
            return [
                problem(
                    at, "DISTRICT", district,
                    f"no usable row for {shown}{more} (a row whose values cannot be read "
                    "counts as none): its rate would be over part of its children; give every "
                    "age 0 to 17 and each sex",
                    FILE_NOT_LOADED,
                )
            ]  # fmt: skip
    return []


def _dates(value: pd.Series) -> pd.Series:
    """The days as datetime.date objects (NaT where none), one object a day rather than one a
    row: a national return's hundred thousand rows hold a few thousand days."""
    codes, days = pd.factorize(value)  # NaT is code -1: the last item below
    return pd.Series(np.append(days.date, pd.NaT)[codes], index=value.index, dtype=object)


def year_folders(returns_dir: Path) -> tuple[list[tuple[int, Path]], list[Problem]]:
    """The year folders (named for the year the return ends: 2024/ for 2023-24), and a problem
    for every other folder: one that looks like a year but is not one refused, anything else
    reported as not read, one holding year folders with where to read them (the folder above
    them given). Hidden folders and benchmarks/ are left alone."""
    last = dt.date.today().year + 1
    years, problems = [], []
    for path in sorted(returns_dir.iterdir()):
        name = path.name
        if not path.is_dir() or name.startswith(".") or name in OTHER_FOLDERS:
            continue
        if re.fullmatch(r"\d{4}", name) and FIRST_YEAR <= int(name) <= last:
            years.append((int(name), path))
            continue
        if inside := _years_inside(path):
            listed = ", ".join(f"{year}/" for year in inside[:3]) + (", ..." if inside[3:] else "")
            why = (
                f"not a year folder, but it holds year folders ({listed}): not read (to read "
                f"them, give {path})"
            )
            problems.append(Problem(None, f"{name}/", None, "", name, why, NOTED))
        elif re.search(r"\d", name):
            why = (
                f"not a year folder: name each year's folder by the year its return ends, "
                f"from {FIRST_YEAR} to {last} (2024/ for 1 April 2023 to 31 March 2024)"
                f"{_renamed(name)}"
            )
            problems.append(Problem(None, f"{name}/", None, "", name, why, FILE_NOT_LOADED))
        else:
            why = "not a year folder (named like 2024/): not read"
            problems.append(Problem(None, f"{name}/", None, "", name, why, NOTED))
    held = [year for year, _ in years]
    for before, after in itertools.pairwise(held):  # each gap once: 2022 to 2023, say
        if after - before > 1:
            first, last = before + 1, after - 1
            which = f"{first}" if first == last else f"{first} to {last}"
            why = (
                f"no return for {which}, between the years held ({held[0]} to {held[-1]}): "
                f"{after}'s figures are not compared with the year before"
            )
            folder = f"{first}/" if first == last else f"{first}/ to {last}/"
            problems.append(Problem(None, folder, None, "", "", why, NOT_SUPPLIED))
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
    return years, problems


def _years_inside(path: Path) -> list[str]:
    """The year folders' names in a folder (the folder above them given), none if it cannot be
    listed: it is then reported as any other folder is."""
    try:
        return [p.name for p in sorted(path.iterdir()) if re.fullmatch(r"\d{4}", p.name)]
    except OSError:
        return []


def _renamed(name: str) -> str:
    """What a folder named for the two years a return spans (2023-24, FY 2023_2024) is to be
    named: the year it ends; "" for any other name."""
    found = re.search(r"(?<!\d)(\d{4})\s*[-_/ ]\s*(\d{4}|\d{2})(?!\d)", name)
    if not found:
        one = re.findall(r"(?<!\d)(20\d\d)(?!\d)", name)  # FY2024, 2024_final, 2023_old
        if len(one) == 1:
            return (
                f": rename it {one[0]}/ if it holds the return ending 31 March {one[0]}, or "
                "move it out of the returns folder"
            )
        return ""
    start, end = int(found[1]), found[2]
    if end != str(start + 1)[-len(end) :]:
        return ""
    return f": rename it {start + 1}/"


FIRST_YEAR = 2000
OTHER_FOLDERS = {"benchmarks"}  # beside the year folders, read by the build itself


def xml_return(folder: Path, year: int) -> Path | None:
    """The year's XML return, if the folder holds one instead of the CSV set; a FileProblem if
    it holds two, or an XML return and the CSV files it replaces."""
    from carejsna.returns import xml

    found = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() == ".xml"]
    if not found:
        return None
    csvs = [path for name in xml.TABLES if (path := find_file(folder, name))]
    if len(found) > 1 or csvs:
        both = " and ".join(_label(path, year) for path in [*found, *csvs])
        why = (
            "two XML returns for one year"
            if len(found) > 1
            else "an XML return and the CSV files it replaces"
        )
        raise FileProblem(
            Problem(
                year, both, None, "", "", f"{why}: which one to read is unclear", FILE_NOT_LOADED
            )
        )
    return found[0]


def read_years(
    returns_dir: Path,
) -> tuple[dict[str, list[pd.DataFrame]], dict[str, dict[str, int]], list[Problem]]:
    """Every year folder's files, in the CSV layout or as an XML return (with education.csv and
    population.csv beside it): the frames for each extract, the rows read and loaded per file
    ("2018/header.csv" -> read/loaded), and every problem found. Both layouts give the same
    frames. An XML return's "file" is named with its table, e.g. "2018/return.xml (episodes)",
    and its rows are the position of the element: the n-th CHILD, or for episodes the n-th
    EPISODE."""
    from carejsna.returns import xml

    frames: dict[str, list[pd.DataFrame]] = {spec.extract: [] for spec in FILES.values()}
    rows: dict[str, dict[str, int]] = {}
    years, problems = year_folders(returns_dir)
    before = None  # the last year's episodes read: its year, frame and file
    rewritten = set()  # the files refused for ids a spreadsheet rewrote
    held = {}  # each year's header and episodes: their CHILD ids and file
    for year, folder in years:
        read = {}  # the year's files read: name -> (frame, label)
        tables = dict.fromkeys(xml.TABLES)  # None: not to be read as CSV, nor from XML
        try:
            path = xml_return(folder, year)
            if path is None:
                tables = {}
            else:
                tables, found = xml.read(path, year, _label(path, year))
                problems.extend(found)
        except FileProblem as error:
            problems.extend(error.problems)
        for spec in FILES.values():
            names = {}
            try:
                if spec.name in tables:
                    if tables[spec.name] is None:
                        continue  # the XML return was refused
                    raw, at = tables[spec.name]
                    label, shape, names = f"{_label(path, year)} ({spec.name})", [], xml.XML_NAMES
                else:
                    found = find_file(folder, spec.name)
                    if found is None:
                        action = FILE_NOT_LOADED if spec.required else NOT_SUPPLIED
                        why = (
                            "required file missing"
                            if spec.required
                            else "optional file not supplied"
                        )
                        if near := misnamed(folder, spec.name):
                            listed = " and ".join(path.name for path in near)
                            why += f" (found {listed}: did you mean {spec.name}.csv?)"
                        elif below := nested(folder, spec.name):
                            why += (
                                f" (found {year}/{below}: move the files up into {year}/, as "
                                "a zip file unpacked into a folder of its own leaves them)"
                            )
                        problems.append(
                            Problem(year, f"{year}/{spec.name}.csv", None, "", "", why, action)
                        )
                        continue
                    label = _label(found, year)
                    raw, at, shape = read_csv(found, year, label)
                frame, checked = check(raw, at, spec, year, label, names)
            except FileProblem as error:
                problems.extend(error.problems)
                continue
            problems.extend(shape + checked)
            if frame.empty and spec.required:  # nothing to count that year from
                why = "no rows loaded: a year's return needs at least one"
                problems.append(Problem(year, label, None, "", "", why, FILE_NOT_LOADED))
            elif frame.empty and spec.name == "population":  # (an optional file of none: none)
                why = "no rows loaded: no rate can be worked out for the year"
                problems.append(Problem(year, label, None, "", "", why, NOT_SUPPLIED))
            cut = sum(p.action == ROW_NOT_LOADED for p in shape)
            rows[label] = {"read": len(raw) + cut, "loaded": len(frame)}
            read[spec.name] = frame, label
            frame.insert(0, "year", year)
            frames[spec.extract].append(_codes_as_categories(frame, spec))
        problems.extend(_year_problems(year, read))
        if "episodes" in read:
            for found in _ids_rewritten((year, *read["episodes"]), before):
                if found.file not in rewritten:  # the odd year, found beside each neighbour
                    rewritten.add(found.file)
                    problems.append(found)
            if read["episodes"][1] not in rewritten:  # the next year is compared with the last
                before = (year, *read["episodes"])  # written right: 2023's and 2024's both
                # rewritten, 2024 had matched 2023 and only 2023 was refused
        held[year] = _children_held(read)
    return frames, rows, _headers_of_other_years(held, problems)


def _year_problems(year: int, read: dict[str, tuple[pd.DataFrame, str]]) -> list[Problem]:
    """A year's return as a whole, each a problem that stops the build: its episodes are
    another year's (none starts or ends inside its own), or its files' ids are written
    differently (most episodes' CHILD in no row of its header: a spreadsheet's 100762.0)."""
    if "episodes" not in read or len(read["episodes"][0]) < FORMAT_SHOWN:  # a few say little
        return []
    (episodes, label), out = read["episodes"], []
    starts, ended = (pd.to_datetime(episodes[c]).dropna() for c in ("start_date", "end_date"))
    dates = pd.concat([starts, ended])
    first, last = pd.Timestamp(year - 1, 4, 1), pd.Timestamp(year, 3, 31)
    outside = (ended < first).any() or (dates > last).any()  # not only episodes still open
    if outside and not dates.between(first, last).any():
        why = (
            f"no episode starts or ends in the year to 31 March {year} (they run from "
            f"{dates.min():%d/%m/%Y} to {dates.max():%d/%m/%Y}): another year's return in the "
            f"{year} folder?"
        )
        out.append(Problem(year, label, None, "DECOM", "", why, FILE_NOT_LOADED))
    if "header" in read and len(episodes):
        out.extend(_not_in_header(year, read["episodes"], read["header"]))
    return out


def _children_held(read: dict[str, tuple[pd.DataFrame, str]]) -> dict[str, tuple[set, str]]:
    """The CHILD ids of a year's header and episodes, each with its file."""
    return {
        name: (set(read[name][0]["child_id"]), read[name][1])
        for name in ("header", "episodes")
        if name in read
    }


def _headers_of_other_years(held: dict[int, dict], problems: list[Problem]) -> list[Problem]:
    """The problems, with one that stops the build for each year's header that holds another
    year's children (header files swapped between two years' folders, or one copied into
    both): it had built, exit 0, a fifth to a third of the year's children with sex, age and
    ethnicity unknown and the rest described as the other year's header has them. It replaces
    the year's 'in no row of the year's header', whose guess (ids a spreadsheet rewrote) would
    be wrong."""
    found = {}
    for year, files in held.items():
        if refused := _another_years_header(year, files, held):
            found[year] = refused
    kept = [
        p
        for p in problems
        if not (p.year in found and p.action == FILE_NOT_LOADED and NOT_IN_HEADER in p.problem)
    ]
    return kept + list(found.values())


SHORT = 0.95  # a header holding fewer of its own year's episodes' children is short of them
CLEARER = 0.10  # and one holding so many more of another year's is that year's


def _another_years_header(year: int, files: dict, held: dict[int, dict]) -> Problem | None:
    """A year's header holds every child of the year's episodes (and care leavers besides),
    so it holds far fewer of any other year's (a fifth or so of the children change each
    year): a problem where it is short of its own year's children and holds all of another
    year's episodes' children (or nearly: that year's header in the wrong folder), clearly
    more fully. A header of only some children (those in care at 31 March, say) holds
    neither year's all."""
    if "header" not in files or "episodes" not in files:
        return None
    (header, label), (own, there) = files["header"], files["episodes"]

    def cover(ids: set) -> float:
        return len(ids & header) / len(ids) if len(ids) >= FORMAT_SHOWN else 0.0

    others = {y: f["episodes"] for y, f in held.items() if y != year and "episodes" in f}
    if not others or len(own) < FORMAT_SHOWN or cover(own) >= SHORT:  # a few say little
        return None
    other = max(others, key=lambda y: cover(others[y][0]))
    theirs, elsewhere = others[other]
    if cover(theirs) < max(SHORT, cover(own) + CLEARER):  # that year's header holds them all
        return None
    # and holds them better than that year's own header does, or is a copy of it: a header of
    # only some children beside a part year of children nearly all still in care (each in
    # both headers) is its own year's
    their_header = held[other].get("header", (set(), ""))[0]
    if header != their_header and len(theirs & header) <= len(theirs & their_header):
        return None
    missing = own - header
    why = (
        f"{len(missing)} of the {len(own)} children in {there} are {NOT_IN_HEADER} this header, "
        f"but {len(theirs & header)} of the {len(theirs)} in {elsewhere} are in it: the "
        f"{other} return's header in the {year} folder (header files swapped or copied "
        "between years)?"
    )
    return Problem(year, label, None, "CHILD", min(missing), why, FILE_NOT_LOADED)


NOT_IN_HEADER = "in no row of"  # said of episodes' children a header lacks


def _not_in_header(year: int, episodes: tuple, header: tuple) -> list[Problem]:
    """A problem that stops the build where most episodes' CHILD are in no row of the year's
    header: the ids written differently. It names the file a spreadsheet rewrote, the header
    where its ids are the ones with .0 or without the leading zeros (the episodes' file had
    been named, though right, beside a header saved as 100762.0)."""
    (episodes, label), (header, there) = episodes, header
    ids, theirs = episodes["child_id"], header["child_id"]
    unmatched = ~ids.isin(set(theirs))
    if 2 * unmatched.sum() <= len(ids):
        return []
    value = ids[unmatched].iloc[0]
    same = theirs[plain_ids(theirs) == plain_ids(pd.Series([value])).iloc[0]]
    if len(same) and _rewritten(same.iloc[0], value):  # the header's are the spreadsheet's
        why = (
            f"{unmatched.sum()} of {len(ids)} episodes' CHILD in {label} are in no row of "
            f"this header, their ids written otherwise (here '{same.iloc[0]}', there "
            f"'{value}'): ids a spreadsheet rewrote (100762.0, or 100762 for 00100762)?"
        )
        row = int(header.loc[same.index[0], "source_row"])
        return [Problem(year, there, row, "CHILD", same.iloc[0], why, FILE_NOT_LOADED)]
    listed = f" (header: '{theirs.iloc[0]}')" if len(theirs) else ""
    why = (
        f"{unmatched.sum()} of {len(ids)} episodes' CHILD are in no row of the year's "
        f"header{listed}: ids written differently in the two files (a spreadsheet's "
        "100762.0 or 00100762 for 100762)?"
    )
    return [Problem(year, label, None, "CHILD", value, why, FILE_NOT_LOADED)]


def _ids_rewritten(episodes: tuple[int, pd.DataFrame, str], before: tuple | None) -> list[Problem]:
    """A problem that stops the build where a year's CHILD ids are the year before's written
    another way (a spreadsheet's 100762.0, or 100762 for 00100762): each child would be two,
    its episodes counted twice across the years (placement moves, stability, care leavers).
    It names the file a spreadsheet rewrote: the one with .0, or without the leading zeros,
    which may be the year before's (each year is compared with the one before it)."""
    if before is None:
        return []
    (year, now, label), (earlier, then, there) = episodes, before
    ids, old = now["child_id"].drop_duplicates(), then["child_id"].drop_duplicates()
    old = old[~old.isin(set(ids))]
    other = plain_ids(ids).map(written_as(old)).where(~ids.isin(set(then["child_id"])))
    if other.notna().sum() < FORMAT_SHOWN:  # a few say little
        return []
    at = other.first_valid_index()
    pair = [(year, now, label, ids[at], there), (earlier, then, there, other[at], label)]
    if not _rewritten(ids[at], other[at]):  # the year before's is the spreadsheet's
        pair.reverse()
    (year, frame, file, child, elsewhere), (_, _, _, its, _) = pair
    why = (
        f"{other.notna().sum()} children are in {elsewhere} with their CHILD written "
        f"otherwise (here '{child}', there '{its}'): ids a spreadsheet rewrote (100762.0, or "
        "100762 for 00100762)? Each would count as two children; write them as the other "
        "returns do"
    )
    row = int(frame.loc[frame["child_id"] == child, "source_row"].iloc[0])
    return [Problem(year, file, row, "CHILD", child, why, FILE_NOT_LOADED)]


def plain_ids(ids: pd.Series) -> pd.Series:
    """Each CHILD id as a spreadsheet's rewriting leaves it alike: without .0, without
    leading zeros (100762.0, 00100762 and 100762 are all 100762)."""
    return ids.astype(str).str.replace(r"\.0+$", "", regex=True).str.lstrip("0")


def written_as(ids: pd.Series, last: bool = False) -> pd.Series:
    """How `ids` write each plain id (plain_ids), the first of its forms (or the last), to
    map another file's or year's ids onto them."""
    by_plain = pd.Series(ids.to_numpy(), index=plain_ids(ids)).groupby(level=0)
    return by_plain.last() if last else by_plain.first()


# Said of a year refused because its CHILD ids are written otherwise than its header's or the
# year before's
REWRITTEN = re.compile(r"ids a spreadsheet rewrote|ids written differently")


def rewritten_years(problems: list[Problem]) -> set[int]:
    """The years refused for CHILD ids a spreadsheet rewrote (in some of their files, or all):
    checked across files and years as they are, every child of theirs would be missing."""
    return {
        p.year
        for p in problems
        if p.action == FILE_NOT_LOADED and p.year is not None and REWRITTEN.search(p.problem)
    }


def _rewritten(child: str, other: str) -> bool:
    """Is `child` the form a spreadsheet made of `other` (with .0, or leading zeros lost)?"""

    def zeros(id_: str) -> int:
        return len(id_) - len(id_.lstrip("0"))

    return bool(re.search(r"\.0+$", child)) or zeros(child) < zeros(other)


def _codes_as_categories(frame: pd.DataFrame, spec: FileSpec) -> pd.DataFrame:
    """The file's code columns as categories until the extracts are tidied: a million rows of
    a code take 1 MB so, 9 MB as strings."""
    valid = valid_codes()
    types = {c.as_name: pd.CategoricalDtype(sorted(valid[c.codes])) for c in spec.cols if c.codes}
    return frame.astype(types)
