"""The indicator catalogue as a reader sees it: a table of every definition and choice, a search
over its texts, and one indicator's entry in full."""

from __future__ import annotations

import pandas as pd

from carejsna import catalogue
from carejsna.catalogue import THEMES


def catalogue_table() -> pd.DataFrame:
    """The catalogue as a reader's table."""
    return pd.DataFrame(
        [
            {
                "Theme": THEMES[i.theme],
                "Indicator": i.title,
                "Short title": i.short_title,  # a tile's label: what a board member searches for
                "Id": i.id,
                "Definition": i.definition,
                "Numerator": i.numerator,
                "Denominator": i.denominator,
                "Unit": i.unit_label,
                "Polarity": i.polarity.replace("_", " "),
                "Filters": ", ".join(f.replace("_", " ") for f in i.filters),
                "Matches": i.measure,
                "Our choices": i.choices,
                "Query": f"queries/{i.query}.sql",
            }
            for i in catalogue.catalogue().values()
        ]
    )


SEARCHED = (
    "Indicator",
    "Short title",
    "Id",
    "Definition",
    "Numerator",
    "Denominator",
    "Matches",
    "Our choices",
)


def catalogue_matches(table: pd.DataFrame, words: str) -> pd.Series:
    """The catalogue's rows holding every word searched for (any case), in any of its texts."""
    text = table[list(SEARCHED)].fillna("").agg(" ".join, axis=1).str.lower()
    found = pd.Series(True, index=table.index)
    for word in words.lower().split():
        found &= text.str.contains(word, regex=False)
    return found


ENTRY = ("Short title", "Definition", "Numerator", "Denominator", "Unit", "Polarity", "Filters",
         "Matches", "Our choices", "Query", "Id")  # fmt: skip


def catalogue_entry(row: dict) -> str:
    """One indicator's catalogue entry in full, as markdown: every field, wrapped to read."""
    return "\n".join(
        f"- **{name}:** {plain_markdown(str(row[name]))}" for name in ENTRY if row.get(name)
    )


def plain_markdown(text: str) -> str:
    """Catalogue text shown as written: markdown's own characters escaped."""
    for mark in ("\\", "*", "_", "[", "]", "<", ">", "#", "|"):
        text = text.replace(mark, "\\" + mark)
    return text
