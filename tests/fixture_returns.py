"""A tiny hand-made set of SSDA903 returns whose answers were worked out by hand."""

from __future__ import annotations

from pathlib import Path

MANSFIELD, ASHFIELD = "E07000174", "E07000170"
MANSFIELD_POST, ASHFIELD_POST, DERBY_POST = "NG17 4NX", "NG15 0AA", "DE1 0AA"

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)

# Year ending 31 March 2024. Hand-worked answers are in tests/test_queries.py.
RETURNS = {
    "2023": {
        "header.csv": [HEADER, "A1,1,15/06/2012,WBRI,A123456789012,,"],
        "episodes.csv": [
            EPISODES,
            f"A1,01/01/2020,S,C2,N1,U4,PR1,,,,{MANSFIELD_POST},{MANSFIELD_POST},",
        ],
    },
    "2024": {
        "header.csv": [
            HEADER,
            "A1,1,15/06/2012,WBRI,A123456789012,,",  # in care all year
            "B2,2,01/01/2010,WBRI,B123456789012,0,",  # care ends on 31 March: not in care then
            "C3,1,01/01/2015,WBRI,C123456789012,,",  # short breaks only (V3): never counted
            "D4,2,01/02/2020,MWBC,D123456789012,,",  # starts, then moves placement
            "E5,1,01/03/2008,WBRI,E123456789012,,",  # two spells in the year
            "F6,2,01/06/2023,WBRI,F123456789012,,",  # home postcode not in the ONS data
            "G7,1,15/09/2005,WBRI,G123456789012,,",  # turned 18 during the year, and left
        ],
        "episodes.csv": [
            EPISODES,
            f"A1,01/01/2020,S,C2,N1,U4,PR1,,,,{MANSFIELD_POST},{MANSFIELD_POST},",
            f"B2,01/06/2022,S,V2,N4,U6,PR1,31/03/2024,E4A,,{MANSFIELD_POST},{MANSFIELD_POST},",
            f"C3,01/04/2023,S,V3,N2,K2,PR1,,,,{MANSFIELD_POST},{MANSFIELD_POST},1234567",
            f"D4,10/05/2023,S,C1,N1,U6,PR1,01/09/2023,X1,CARPL,{ASHFIELD_POST},{ASHFIELD_POST},",
            f"D4,01/09/2023,P,C1,N1,U4,PR4,,,,{ASHFIELD_POST},{DERBY_POST},",
            f"E5,01/05/2023,S,V2,N5,U6,PR1,01/07/2023,E4A,,{MANSFIELD_POST},{MANSFIELD_POST},",
            f"E5,01/10/2023,S,V2,N5,K2,PR4,01/02/2024,E13,,{MANSFIELD_POST},{DERBY_POST},7654321",
            "F6,01/07/2023,S,L2,N1,U6,PR1,,,,ZZ9 9ZZ,,",
            f"G7,01/03/2021,S,C2,N1,U4,PR1,15/09/2023,E17,,{MANSFIELD_POST},{MANSFIELD_POST},",
        ],
    },
}


def with_child_ids(con, returns: Path):
    """The returns' own child ids back in the extracts' tables this connection holds in memory
    (the files keep only pseudonyms), so a test names a child as its hand-worked answer does."""
    import pandas as pd

    from carejsna.returns.build import KEPT, pseudonyms

    key = bytes.fromhex((returns / ".carejsna-key").read_text())
    ids = pd.Series(sorted({
        row.split(",")[0]
        for path in returns.glob("*/*.csv")
        for row in path.read_text().splitlines()[1:]
    }))  # fmt: skip
    names = pd.DataFrame({"pseudonym": pseudonyms(ids, key, "child"), "child_id": ids})
    cursor = con.cursor()
    cursor.register("child_names", names)
    for table in KEPT:
        cursor.execute(
            f"update {table} set child_id = child_names.child_id from child_names"
            f" where {table}.child_id = child_names.pseudonym"
        )
    cursor.close()
    return con


def population(districts=((MANSFIELD, "Mansfield", 100), (ASHFIELD, "Ashfield", 50))):
    """Every age 0-17 and both sexes: Mansfield 3,600 children, Ashfield 1,800."""
    rows = ["DISTRICT,DISTRICT_NAME,AGE,SEX,POPULATION"]
    for code, name, each in districts:
        rows += [f"{code},{name},{age},{sex},{each}" for age in range(18) for sex in (1, 2)]
    return rows


def write(folder: Path) -> Path:
    for year, files in RETURNS.items():
        (folder / year).mkdir(parents=True, exist_ok=True)
        for name, lines in {**files, "population.csv": population()}.items():
            (folder / year / name).write_text("\n".join(lines) + "\n")
    (folder / "council.toml").write_text(
        'code = "E10000024"\nname = "Testshire"\nsynthetic = true\n'
    )
    return folder


def a_year_on(folder: Path, year: int) -> Path:
    """The year before's return copied as `year`'s (the same children, a year on), with one
    child more who came into care in that year: a return all of whose episodes ended before
    its year, or are open, is another year's (the build refuses it)."""
    import shutil

    shutil.copytree(folder / str(year - 1), folder / str(year))
    with (folder / str(year) / "header.csv").open("a") as f:
        f.write(f"Z9,{'M' if year >= 2025 else 1},01/01/2015,WBRI,Z123456789012,,\n")
    with (folder / str(year) / "episodes.csv").open("a") as f:
        f.write(f"Z9,01/06/{year - 1},S,C2,N1,U4,PR1,,,,{MANSFIELD_POST},{MANSFIELD_POST},\n")
    return folder / str(year)
