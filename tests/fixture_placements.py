"""Hand-made returns for the placement, location and UASC queries (answers worked by hand).

Each child's whole care history is written once, below; `write` lays it out as DfE's returns do:
a year's episodes.csv holds every episode open at any time from 1 April to 31 March, with DEC and
REC blank where the episode is still open at 31 March. Hand-worked answers for the year ending
31 March 2024 are in tests/test_queries_placements.py.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

MANSFIELD, ASHFIELD = "E07000174", "E07000170"
YEARS = (2021, 2022, 2023, 2024)

# Real postcodes, with the ONS grid reference (easting, northing) used for the hand-worked miles.
NG17_4NX = "NG17 4NX"  # Mansfield 451660, 360200
NG18_1AA = "NG18 1AA"  # Mansfield 453963, 361039
NG18_1AB = "NG18 1AB"  # Mansfield 454090, 360617
NG18_5AA = "NG18 5AA"  # Mansfield 453679, 359863
NG15_0AA = "NG15 0AA"  # Ashfield 451439, 353560
NG17_1AA = "NG17 1AA"  # Ashfield 449345, 358750
DE1_0AA = "DE1 0AA"  # Derby (outside the council) 435996, 335424
B1_1BB = "B1 1BB"  # Birmingham 406654, 286948
LS1_1UR = "LS1 1UR"  # Leeds 429833, 434079

HEADER = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB"
EPISODES = (
    "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN"
)
UASC = "CHILD,SEX,DOB,DUC"
URN_1, URN_2, URN_3 = "SC123456", "SC654321", "SC111111"  # children's homes' Ofsted URNs

# child: (sex, date of birth, home postcode, DUC or None if never UASC)
CHILDREN = {
    "P01": (1, "01/05/2014", NG17_4NX, None),
    "P02": (2, "15/09/2008", NG15_0AA, None),
    "P03": (1, "10/01/2012", NG17_4NX, None),
    "P04": (2, "01/03/2017", NG18_1AA, None),
    "P05": (1, "20/11/2010", NG15_0AA, None),
    "P06": (2, "01/06/2015", NG17_4NX, None),
    "P07": (1, "10/04/2011", NG17_1AA, None),
    "P08": (2, "01/02/2019", NG18_1AB, None),
    "P09": (1, "15/01/2020", NG15_0AA, None),
    "P10": (1, "20/04/2006", "", "01/02/2024"),  # UASC status ceased before 31 March 2024
    "P11": (1, "10/10/2007", "", "10/10/2025"),  # UASC until the 18th birthday
    "P12": (2, "03/03/2009", "", ""),  # UASC, DUC blank
    "P13": (2, "07/07/2013", NG17_4NX, None),
    "P14": (1, "09/09/2009", NG18_5AA, None),
    "P15": (2, "05/05/2007", NG17_1AA, None),
    "P16": (1, "08/08/2016", NG17_4NX, None),
    "P17": (2, "06/06/2007", NG17_4NX, None),
    "P18": (1, "12/12/2012", NG18_1AA, None),
    "P19": (2, "30/03/2013", NG15_0AA, None),
}

# child: episodes (DECOM, RNE, LS, CIN, PLACE, PLACE_PROVIDER, DEC, REC, REASON_PLACE_CHANGE,
# PL_POST, URN), DEC and REC as they finally are.
HISTORIES = {
    # Foster carer, a week in hospital (T1), back to the same carer, then a new carer.
    "P01": [
        ("01/06/2022", "S", "C2", "N1", "U6", "PR1", "10/07/2023", "X1", "", NG18_1AB, ""),
        ("10/07/2023", "P", "C2", "N1", "T1", "PR1", "20/07/2023", "X1", "", "", ""),
        ("20/07/2023", "P", "C2", "N1", "U6", "PR1", "01/11/2023", "X1", "CREQB", NG18_1AB, ""),
        ("01/11/2023", "P", "C2", "N1", "U4", "PR1", "", "", "", NG18_1AA, ""),
    ],
    # Children's home, then two new carers (B, P): three placements in the year.
    "P02": [
        ("15/02/2023", "S", "V2", "N4", "K2", "PR4", "05/05/2023", "X1", "CHILD", NG17_1AA, URN_1),
        ("05/05/2023", "B", "C2", "N4", "U6", "PR4", "12/12/2023", "X1", "ALLEG", DE1_0AA, ""),
        ("12/12/2023", "P", "C2", "N4", "U6", "PR1", "", "", "", NG18_5AA, ""),
    ],
    # Second episode is a change of legal status only (L): not a new placement.
    "P03": [
        ("01/08/2023", "S", "V2", "N1", "U6", "PR1", "01/10/2023", "X1", "", NG18_1AB, ""),
        ("01/10/2023", "L", "C2", "N1", "U6", "PR1", "01/01/2024", "X1", "CARPL", NG18_1AB, ""),
        ("01/01/2024", "P", "C2", "N1", "U6", "PR1", "", "", "", NG17_1AA, ""),
    ],
    # Placement postcode not recorded: distance not known.
    "P04": [
        ("01/09/2023", "S", "C2", "N1", "U6", "PR1", "", "", "", "", ""),
    ],
    # Children's home in Birmingham, about 50 miles from home.
    "P05": [
        ("01/03/2022", "S", "C2", "N1", "K2", "PR4", "", "", "", B1_1BB, URN_2),
    ],
    # Same carer since February 2021; a change of legal status in 2022.
    "P06": [
        ("01/02/2021", "S", "V2", "N1", "U4", "PR1", "01/06/2022", "X1", "", NG18_1AA, ""),
        ("01/06/2022", "L", "C2", "N1", "U4", "PR1", "", "", "", NG18_1AA, ""),
    ],
    # In care since 2020, moved carer 18 months before 31 March 2024.
    "P07": [
        ("01/05/2020", "S", "C2", "N1", "U6", "PR1", "01/10/2022", "X1", "CARPL", NG15_0AA, ""),
        ("01/10/2022", "P", "C2", "N1", "U4", "PR1", "", "", "", NG18_5AA, ""),
    ],
    # Placed for adoption with new carers (A4) after two years with a foster carer.
    "P08": [
        ("01/03/2021", "S", "C2", "N1", "U6", "PR1", "01/09/2021", "X1", "CARPL", NG15_0AA, ""),
        ("01/09/2021", "P", "C2", "N1", "U6", "PR1", "01/10/2023", "X1", "CARPL", NG18_1AA, ""),
        ("01/10/2023", "B", "E1", "N1", "A4", "PR1", "", "", "", NG17_1AA, ""),
    ],
    # Placed for adoption with new carers (A6) after 21 months with a foster carer; the move's
    # reason for placement change was not recorded.
    "P09": [
        ("01/06/2021", "S", "C2", "N1", "U6", "PR1", "01/05/2022", "X1", "CARPL", NG17_4NX, ""),
        ("01/05/2022", "P", "C2", "N1", "U6", "PR1", "01/02/2024", "X1", "", NG18_1AB, ""),
        ("01/02/2024", "B", "E1", "N1", "A6", "PR1", "", "", "", NG18_5AA, ""),
    ],
    # UASC (no home postcode) placed in Leeds; UASC status ceased 1 February 2024.
    "P10": [
        ("01/09/2023", "S", "V2", "N8", "H5", "PR4", "", "", "", LS1_1UR, ""),
    ],
    "P11": [
        ("15/06/2023", "S", "V2", "N8", "U6", "PR1", "", "", "", NG18_1AA, ""),
    ],
    "P12": [
        ("01/12/2023", "S", "V2", "N8", "U6", "PR1", "", "", "", NG17_1AA, ""),
    ],
    # Moved, then went home before 31 March: a move, but not in care at 31 March.
    "P13": [
        ("01/05/2023", "S", "V2", "N5", "U6", "PR1", "01/08/2023", "X1", "CREQO", NG18_1AA, ""),
        ("01/08/2023", "P", "V2", "N5", "U6", "PR1", "01/11/2023", "E4A", "", NG15_0AA, ""),
    ],
    # Three periods of care: the first ended on 1 April 2023 (last year's); then 3 placements.
    "P14": [
        ("01/01/2023", "S", "V2", "N1", "U6", "PR1", "01/04/2023", "E4A", "", NG15_0AA, ""),
        ("15/05/2023", "S", "V2", "N1", "U6", "PR1", "01/07/2023", "E4A", "", NG18_1AB, ""),
        ("01/09/2023", "S", "V2", "N1", "U6", "PR1", "01/12/2023", "X1", "CHILD", NG17_1AA, ""),
        ("01/12/2023", "P", "C2", "N1", "K2", "PR4", "", "", "", DE1_0AA, URN_3),
    ],
    # Moved on 1 April 2023: the placement that ended that day is last year's.
    "P15": [
        ("01/06/2022", "S", "C2", "N1", "U6", "PR1", "01/04/2023", "X1", "CARPL", NG17_4NX, ""),
        ("01/04/2023", "P", "C2", "N1", "U6", "PR1", "01/10/2023", "X1", "CREQB", NG18_1AB, ""),
        ("01/10/2023", "P", "C2", "N1", "U4", "PR1", "", "", "", NG15_0AA, ""),
    ],
    # Placed for adoption with the current foster carer (A5, RNE U): same carer.
    "P16": [
        ("01/07/2021", "S", "C2", "N1", "U6", "PR1", "01/12/2023", "X1", "", NG18_5AA, ""),
        ("01/12/2023", "U", "E1", "N1", "A5", "PR1", "", "", "", NG18_5AA, ""),
    ],
    # Same carer since 2019 but aged 16: not in the long-term stability group.
    "P17": [
        ("01/01/2019", "S", "C2", "N1", "U4", "PR1", "", "", "", NG18_1AA, ""),
    ],
    # Hospital (T1) over 1 April 2023, then back to the same carer.
    "P18": [
        ("01/09/2021", "S", "C2", "N1", "U4", "PR1", "20/03/2023", "X1", "", NG17_1AA, ""),
        ("20/03/2023", "P", "C2", "N1", "T1", "PR1", "10/04/2023", "X1", "", "", ""),
        ("10/04/2023", "P", "C2", "N1", "U4", "PR1", "", "", "", NG17_1AA, ""),
    ],
    # Went home in January 2022 and came back in March 2022 to the same carer: a break in care.
    "P19": [
        ("01/01/2020", "S", "C2", "N1", "U6", "PR1", "01/01/2022", "E4A", "", NG17_1AA, ""),
        ("01/03/2022", "S", "V2", "N1", "U6", "PR1", "", "", "", NG17_1AA, ""),
    ],
}


def _date(text: str) -> date | None:
    if not text:
        return None
    day, month, year = (int(part) for part in text.split("/"))
    return date(year, month, day)


def returns() -> dict[int, dict[str, list[str]]]:
    """Each year's header, episodes and uasc files, as DfE's returns would hold them."""
    files = {}
    for year in YEARS:
        first_day, last_day = date(year - 1, 4, 1), date(year, 3, 31)
        header, episodes, uasc = [HEADER], [EPISODES], [UASC]
        for child, history in HISTORIES.items():
            sex, dob, home, duc = CHILDREN[child]
            rows = []
            for start, rne, ls, cin, place, provider, end, rec, rpc, pl_post, urn in history:
                ended = _date(end)
                if _date(start) > last_day or (ended is not None and ended < first_day):
                    continue  # not open at any time in the year
                if ended is None or ended > last_day:
                    end, rec = "", ""  # still open at 31 March
                rows.append(
                    f"{child},{start},{rne},{ls},{cin},{place},{provider},{end},{rec},{rpc},"
                    f"{home},{pl_post},{urn}"
                )
            if rows:
                episodes += rows
                header.append(f"{child},{sex},{dob},WBRI,,,")
                if duc is not None:
                    uasc.append(f"{child},{sex},{dob},{duc}")
        files[year] = {"header.csv": header, "episodes.csv": episodes, "uasc.csv": uasc}
    return files


def population() -> list[str]:
    """Every age 0-17 and both sexes: 100 children each in Mansfield and Ashfield."""
    rows = ["DISTRICT,DISTRICT_NAME,AGE,SEX,POPULATION"]
    for code, name in ((MANSFIELD, "Mansfield"), (ASHFIELD, "Ashfield")):
        rows += [f"{code},{name},{age},{sex},100" for age in range(18) for sex in (1, 2)]
    return rows


def write(folder: Path) -> Path:
    for year, files in returns().items():
        (folder / str(year)).mkdir(parents=True, exist_ok=True)
        for name, lines in {**files, "population.csv": population()}.items():
            (folder / str(year) / name).write_text("\n".join(lines) + "\n")
    (folder / "council.toml").write_text(
        'code = "E10000024"\nname = "Testshire"\nsynthetic = true\n'
    )
    return folder
