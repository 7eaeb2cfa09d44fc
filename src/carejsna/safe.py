"""CSV cells a spreadsheet cannot run: formula neutralisation (CSV injection, OWASP).

A spreadsheet reads a cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return as a
formula: a district or benchmark name such as `=HYPERLINK("https://evil.example")` would become
a working link (or worse) in the reader's Excel. Such a text cell gets a leading `'`, which
spreadsheets show as text and do not run.

A number is not a formula: a cell that is a plain number (`-0.2`, `+3`, `-1.5e-3`, `-12,345`)
is kept as it is, so a negative value, limit or difference stays a number a reader can sum.
This follows OWASP's advice to neutralise text cells; a cell such as `-2+3` or `-` is text, and
is neutralised.
"""

from __future__ import annotations

import re

import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def cell(value: object) -> object:
    """The value as a CSV cell a spreadsheet will not run: a text cell beginning with a
    formula character gets a leading `'`; numbers and anything that is not text are kept."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not NUMBER.fullmatch(value):
        return "'" + value
    return value


def uncell(value: object) -> object:
    """A cell as it was before `cell`: a text cell `cell` gave a leading `'` without it, for
    showing a CSV we wrote where no spreadsheet runs it (a page). A value that came with a `'`
    already, before a formula character, loses it too: the file cannot tell the two apart."""
    if isinstance(value, str) and value.startswith("'") and cell(value[1:]) == value:
        return value[1:]
    return value


def frame(table: pd.DataFrame) -> pd.DataFrame:
    """A copy of the table with every text cell neutralised (column names too); numeric
    columns are left alone."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values):
            cells = values.tolist()
            if any(cell(v) is not v for v in cells):  # most columns have none to change
                out[column] = values.map(cell, na_action="ignore")
    out.columns = [cell(c) for c in out.columns]
    return out
