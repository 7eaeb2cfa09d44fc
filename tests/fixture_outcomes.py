"""Hand-made returns for the health, education and care leaver queries (answers worked by hand).

Two years, 2023 and 2024 (the year ending 31 March). Children H01-H15 test the 12-month cohort
and its OC2 and education outcomes; L01-L10 are care leavers (OC3). Every answer is worked out in
tests/test_queries_outcomes.py from the rows below, not by running the SQL.
"""

from __future__ import annotations

from pathlib import Path

from tests.fixture_returns import (
    ASHFIELD_POST,
    DERBY_POST,
    EPISODES,
    HEADER,
    MANSFIELD_POST,
    population,
)

OC2 = (
    "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
    "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED"
)
OC3 = "CHILD,DOB,IN_TOUCH,ACTIV,ACCOM"
EDUCATION = (
    "CHILD,KS2_RWM_EXPECTED,KS4_ATTAINMENT8,KS4_ENG_MATHS_4,PERSISTENT_ABSENCE,SUSPENSIONS,"
    "SEN_PROVISION"
)

# Date of birth and home postcode of every child (age at 31 March 2024 in the comment).
CHILDREN = {
    "H01": ("10/05/2015", MANSFIELD_POST),  # 8
    "H02": ("01/02/2021", MANSFIELD_POST),  # 3
    "H03": ("01/09/2011", MANSFIELD_POST),  # 12
    "H04": ("20/07/2008", ASHFIELD_POST),  # 15
    "H05": ("01/01/2010", ASHFIELD_POST),  # 14
    "H06": ("01/03/2014", MANSFIELD_POST),  # 10
    "H07": ("01/06/2012", MANSFIELD_POST),  # 11
    "H08": ("01/06/2020", MANSFIELD_POST),  # 3
    "H09": ("15/03/2020", ASHFIELD_POST),  # 4 (fourth birthday 15/03/2024)
    "H10": ("01/01/2013", MANSFIELD_POST),  # 11
    "H11": ("01/09/2007", MANSFIELD_POST),  # 16
    "H12": ("01/11/2012", ASHFIELD_POST),  # 11
    "H13": ("01/02/2007", MANSFIELD_POST),  # 17
    "H14": ("01/05/2016", MANSFIELD_POST),  # 7
    "H15": ("01/05/2009", ASHFIELD_POST),  # 14
    "L01": ("10/06/2006", MANSFIELD_POST),  # 17 at 31/03/2024 (birthday 10/06/2023)
    "L02": ("01/05/2006", MANSFIELD_POST),  # 17, still looked after
    "L03": ("01/12/2004", ASHFIELD_POST),  # 19 (18 at 31/03/2023)
    "L05": ("01/03/2005", MANSFIELD_POST),  # 19 (birthday 01/03/2024)
    "L07": ("20/02/2006", ASHFIELD_POST),  # 18
    "L09": ("01/01/2006", DERBY_POST),  # 18: home outside the council
}


def header(*children: str) -> list[str]:
    return [HEADER] + [f"{c},1,{CHILDREN[c][0]},WBRI,,," for c in children]


def episode(child: str, start: str, rne: str, ls: str, end: str = "", rec: str = "") -> str:
    home = CHILDREN[child][1]
    return f"{child},{start},{rne},{ls},N1,U4,PR1,{end},{rec},,{home},{home},"


# Episodes in each year's return: every episode open at some time in the year, DEC blank when
# still open at 31 March (so an episode open over several years is in several returns).
EPISODES_2023 = [
    EPISODES,
    episode("H01", "01/01/2020", "S", "C2"),
    episode("H04", "01/03/2021", "S", "C2"),
    episode("H05", "01/06/2022", "S", "C1"),  # DEC blank here; ends X1 in the 2024 return
    episode("H06", "01/01/2022", "S", "C2"),
    episode("H07", "01/01/2020", "S", "C2"),
    episode("H08", "01/02/2023", "S", "C1"),
    episode("H09", "01/12/2022", "S", "C1"),
    episode("H10", "01/01/2021", "S", "C2"),
    episode("H11", "01/05/2019", "S", "C2"),
    episode("H12", "01/02/2023", "S", "C1"),
    episode("H13", "01/01/2019", "S", "C2"),
    episode("H14", "01/01/2021", "S", "C2"),
    episode("H15", "01/01/2018", "S", "C2"),
    episode("L01", "01/01/2021", "S", "C2", "15/02/2023", "E8"),
    episode("L03", "01/01/2020", "S", "C2", "30/11/2022", "E8"),
    episode("L05", "01/01/2021", "S", "C2", "01/03/2023", "E8"),
    episode("L07", "01/06/2021", "S", "C2", "01/12/2022", "E8"),
    episode("L09", "01/01/2020", "S", "V2", "01/01/2023", "E8"),
]

EPISODES_2024 = [
    EPISODES,
    episode("H01", "01/01/2020", "S", "C2"),  # in care for years: cohort
    episode("H02", "01/04/2023", "S", "C1"),  # from exactly 1 April 2023: cohort
    episode("H03", "01/05/2023", "S", "C1"),  # 11 months at 31 March: not cohort
    episode("H04", "01/03/2021", "S", "C2"),  # cohort, no OC2 row
    episode("H05", "01/06/2022", "S", "C1", "01/09/2023", "X1"),  # X1 chain: cohort
    episode("H05", "01/09/2023", "P", "C1", "01/01/2024", "X1"),
    episode("H05", "01/01/2024", "L", "C2"),
    episode("H06", "01/01/2022", "S", "C2", "01/08/2023", "E4A"),  # went home (not X1) ...
    episode("H06", "01/08/2023", "S", "V2"),  # ... and came back the same day: not cohort
    episode("H07", "01/01/2020", "S", "C2", "31/03/2024", "E4A"),  # left on 31 March: not
    episode("H08", "01/02/2023", "S", "C1"),
    episode("H09", "01/12/2022", "S", "C1"),
    episode("H10", "01/01/2021", "S", "C2"),
    episode("H11", "01/05/2019", "S", "C2"),
    episode("H12", "01/02/2023", "S", "C1"),
    episode("H13", "01/01/2019", "S", "C2"),
    episode("H14", "01/01/2021", "S", "C2", "01/10/2023", "X1"),  # a short break (V3) in
    episode("H14", "01/10/2023", "L", "V3", "15/10/2023", "X1"),  # the chain breaks it:
    episode("H14", "15/10/2023", "L", "C2"),  # not cohort
    episode("H15", "01/01/2018", "S", "C2"),
    episode("L02", "01/06/2023", "S", "V2"),  # 17, still looked after on the birthday
]

# OC2: CHILD, DOB, SDQ_SCORE, SDQ_REASON, CONVICTED, HEALTH_CHECK, IMMUNISATIONS, TEETH_CHECK,
# HEALTH_ASSESSMENT, SUBSTANCE_MISUSE, INTERVENTION_RECEIVED, INTERVENTION_OFFERED
OC2_2024 = {
    "H01": "13,,,,1,1,1,0,,",
    "H02": ",SDQ1,,1,1,0,1,,,",
    "H03": "25,,1,,1,1,1,1,1,0",  # not in the cohort: ignored
    "H05": "15,,1,,0,1,1,1,1,0",
    "H06": ",,,,1,1,1,0,,",  # not in the cohort: ignored
    "H07": ",,,,1,1,1,0,,",  # not in the cohort: ignored
    "H08": ",SDQ1,,0,1,0,1,0,,",
    "H09": "20,,,1,1,1,0,0,,",
    "H10": "45,,0,,1,1,1,1,0,1",  # 45 is not a valid score: the build blanks it
    "H11": "17,,0,,1,1,1,0,,",
    "H12": "14,,,,1,0,1,0,,",
    "H13": "30,,1,,0,0,0,1,0,0",  # aged 17: not in the SDQ population
    "H14": ",,,,1,1,1,0,,",  # not in the cohort: ignored
    "H15": ",SDQ5,0,,1,1,1,0,,",
}
OC2_2023 = {
    "H01": "12,,,,1,1,1,0,,",
    "H05": "16,,,,1,1,1,0,,",  # not in the 2023 cohort (in care from 01/06/2022): ignored
}

# EDUCATION: CHILD, KS2_RWM_EXPECTED, KS4_ATTAINMENT8, KS4_ENG_MATHS_4, PERSISTENT_ABSENCE,
# SUSPENSIONS, SEN_PROVISION
EDUCATION_2024 = {
    "H01": ",,,0,0,N",
    "H03": "1,,,1,3,E",  # not in the cohort: ignored
    "H04": ",32.5,1,1,2,K",
    "H05": ",,,,,",  # every item blank: in no denominator
    "H10": "1,,,0,0,E",
    "H11": ",18.0,0,0,0,N",
    "H12": "0,,,1,1,K",
    "H13": ",,,,,N",
}

# OC3: CHILD, DOB, IN_TOUCH, ACTIV, ACCOM (DOB also here for care leavers without a header row)
OC3_2024 = [
    OC3,
    "L01,10/06/2006,YES,F2,D1",  # 17: education, suitable
    "L02,01/05/2006,,,",  # 17, still looked after on the birthday: not a care leaver
    "L03,01/12/2004,YES,G6,Z1",  # 19
    "L04,15/08/2003,NO,0,0",  # 20, not in touch; no episode in any return: district Unknown
    "L05,01/03/2005,YES,F1,U1",  # 19
    "L06,01/04/2002,YES,G4,B2",  # 21 (birthday 01/04/2023), no header row
    "L07,20/02/2006,REFU,0,0",  # 18, refuses contact
    "L08,01/07/2006,YES,G5,E2",  # 17, no header row, no episode: Unknown
    "L09,01/01/2006,YES,,",  # 18, activity and accommodation blank
    "L10,01/02/2003,DIED,0,0",  # 21, died
]
OC3_2023 = [OC3, "L03,01/12/2004,YES,F4,Z1"]  # 18 at 31/03/2023

RETURNS = {
    "2023": {
        "header.csv": header(
            "H01",
            "H04",
            "H05",
            "H06",
            "H07",
            "H08",
            "H09",
            "H10",
            "H11",
            "H12",
            "H13",
            "H14",
            "H15",
            "L01",
            "L03",
            "L05",
            "L07",
            "L09",
        ),  # fmt: skip
        "episodes.csv": EPISODES_2023,
        "oc2.csv": [OC2] + [f"{c},{CHILDREN[c][0]},{v}" for c, v in OC2_2023.items()],
        "oc3.csv": OC3_2023,
        "education.csv": [EDUCATION],
    },
    "2024": {
        "header.csv": header(
            *[c for c in CHILDREN if c.startswith("H")], "L01", "L02", "L03", "L05"
        ),
        "episodes.csv": EPISODES_2024,
        "oc2.csv": [OC2] + [f"{c},{CHILDREN[c][0]},{v}" for c, v in OC2_2024.items()],
        "oc3.csv": OC3_2024,
        "education.csv": [EDUCATION] + [f"{c},{v}" for c, v in EDUCATION_2024.items()],
    },
}


def write(folder: Path) -> Path:
    for year, files in RETURNS.items():
        (folder / year).mkdir(parents=True, exist_ok=True)
        for name, lines in {**files, "population.csv": population()}.items():
            (folder / year / name).write_text("\n".join(lines) + "\n")
    (folder / "council.toml").write_text(
        'code = "E10000024"\nname = "Testshire"\nsynthetic = true\n'
    )
    return folder
