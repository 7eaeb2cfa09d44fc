"""The build: loading the public sample return, reporting problems, and never half-writing."""

from __future__ import annotations

import codecs
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from carejsna import Stopped, audit, db, stoppable
from carejsna.cli import main
from carejsna.indicators import SYNTHETIC
from carejsna.returns import postcodes as postcodes_
from carejsna.returns.build import build, check_out, minimised_report, pseudonyms, staged, summary
from tests import fixture_returns

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT.parent / "shared" / "reference-data" / "ssda903-sample"


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    if not SAMPLE.exists():
        pytest.fail(f"the public sample return is missing: {SAMPLE}")
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(
        SAMPLE, root / "returns" / "2018", ignore=shutil.ignore_patterns("*.md", "LICENSE")
    )
    result = build(root / "returns", root / "data")
    return root, result


def test_sample_builds_and_counts_children_in_care(sample):
    root, result = sample
    assert result.written and not result.failed
    con = db.connect(root / "data")
    cells = db.run(con, "cla_at_31_march", year_from=2018, year_to=2018)
    # 1,191 children with a blank-DEC non-V3/V4 episode, 10 more whose episode ends 01/04/2018.
    assert cells["numerator"].sum() == 1201


def test_sample_problems_name_file_row_column_and_value(sample):
    _, result = sample
    found = {(p.file, p.row, p.column, p.value) for p in result.problems}
    assert ("2018/oc3.csv", 2, "ACCOM", "01") in found  # ACCOM 01 is not a DfE code
    assert ("2018/oc3.csv", 47, "ACCOM", "02") in found
    assert ("2018/header.csv", 1273, "MOTHER", "1.0") in found
    report = summary(result)
    assert "2018/oc3.csv ACCOM: not a valid ACCOM code (value left blank): 3" in report
    assert "postcode not found in the ONS postcode directory" in report
    assert "Protected figures written (figures.parquet) in " in report  # the time it took


def test_sample_report_is_written_beside_the_extracts(sample):
    root, result = sample
    report = pd.read_csv(root / "data" / "build_report.csv")
    assert len(report) == len(result.problems)
    assert {"year", "file", "row", "column", "value", "problem", "action"} == set(report.columns)


def _returns(tmp_path: Path) -> Path:
    return fixture_returns.write(tmp_path / "returns")


def _with_a_bad_placement(tmp_path: Path) -> Path:
    """The fixture returns (synthetic = true in council.toml), 2024's first episode placed
    in QQ, not a PLACE code."""
    returns = _returns(tmp_path)
    path = returns / "2024" / "episodes.csv"
    path.write_text(
        path.read_text().replace("A1,01/01/2020,S,C2,N1,U4", "A1,01/01/2020,S,C2,N1,QQ")
    )
    return returns


def test_a_made_up_returns_report_says_so_on_every_row(tmp_path):
    returns = _with_a_bad_placement(tmp_path)
    result = build(returns, tmp_path / "data")
    report = pd.read_csv(tmp_path / "data" / "build_report.csv", dtype=str, keep_default_na=False)
    assert len(report) == len(result.problems) > 0
    assert report.columns[0] == "note" and set(report["note"]) == {SYNTHETIC}


def test_bad_code_loads_the_row_and_reports_it(tmp_path):
    returns = _with_a_bad_placement(tmp_path)
    result = build(returns, tmp_path / "data")
    assert result.written
    bad = [p for p in result.problems if p.column == "PLACE"]
    assert [(p.file, p.row, p.value, p.action) for p in bad] == [
        ("2024/episodes.csv", 2, "QQ", "value left blank")
    ]
    con = db.connect(tmp_path / "data")
    assert db.run(con, "cla_at_31_march", year_from=2024, year_to=2024)["numerator"].sum() == 3


def test_names_of_files_and_columns_are_case_insensitive(tmp_path):
    returns = _returns(tmp_path)
    path = returns / "2024" / "header.csv"
    path.rename(path.with_name("Header.CSV"))
    episodes = returns / "2024" / "episodes.csv"
    episodes.write_text(episodes.read_text().replace("CHILD,DECOM", "child,Decom", 1))
    result = build(returns, tmp_path / "data")
    assert result.written and not result.failed


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("CHILD,DECOM,RNE", "CHILD,DECOM,RNX"), "RNE: required column missing"),
        (("01/01/2020,S", "2020-01-01,S"), None),  # one bad date: that row is dropped, not fatal
    ],
)
def test_unusable_file_fails_and_leaves_previous_extracts(tmp_path, change, expected):
    returns = _returns(tmp_path)
    data = tmp_path / "data"
    assert build(returns, data).written
    before = {p.name: p.read_bytes() for p in data.iterdir()}
    path = returns / "2024" / "episodes.csv"
    path.write_text(path.read_text().replace(*change))
    result = build(returns, data)
    if expected is None:
        assert result.written
        dropped = [p for p in result.problems if p.action == "row not loaded"]
        assert [(p.file, p.row, p.column) for p in dropped] == [("2024/episodes.csv", 2, "DECOM")]
        return
    assert result.failed and not result.written
    assert expected in "\n".join(f"{p.column}: {p.problem}" for p in result.problems)
    assert {p.name: p.read_bytes() for p in data.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_unreadable_date_column_fails_with_exit_code(tmp_path, capsys):
    returns = _returns(tmp_path)
    path = returns / "2024" / "episodes.csv"
    lines = path.read_text().splitlines()
    rows = [lines[0]] + [
        ",".join([r.split(",")[0], "not a date", *r.split(",")[2:]]) for r in lines[1:]
    ]
    path.write_text("\n".join(rows) + "\n")
    code = main(["build", str(returns), "--out", str(tmp_path / "data")])
    out = capsys.readouterr().out
    assert code == 1
    assert "2024/episodes.csv DECOM: no value in this date column reads as a dd/mm/yyyy date" in out
    assert "Nothing was written" in out
    assert not (tmp_path / "data").exists()


def test_missing_required_file_fails(tmp_path):
    returns = _returns(tmp_path)
    (returns / "2024" / "header.csv").unlink()
    result = build(returns, tmp_path / "data")
    assert result.failed
    assert [(p.file, p.problem) for p in result.problems if p.action == "file not loaded"] == [
        ("2024/header.csv", "required file missing")
    ]


def test_a_year_with_no_episodes_is_refused_by_check_and_build(tmp_path, capsys):
    returns = _returns(tmp_path)
    path = returns / "2024" / "episodes.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")  # the header line alone
    said = "2024/episodes.csv: no rows loaded: a year's return needs at least one"
    assert main(["check", str(returns)]) == 1
    assert f"The build would write nothing: these files cannot be used:\n  {said}" in (
        capsys.readouterr().out
    )
    assert main(["build", str(returns), "--out", str(tmp_path / "data")]) == 1
    assert "Nothing was written" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()


def test_a_population_district_code_ons_does_not_know_is_refused(tmp_path):
    returns = _returns(tmp_path)
    path = returns / "2024" / "population.csv"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace("E07000174", "E0700XXXX")  # a slip of the keyboard
    lines[5] = lines[5].replace("E07000174", "E0700XXXX")
    path.write_text("\n".join(lines) + "\n")
    result = build(returns, tmp_path / "data")
    assert result.failed and not (tmp_path / "data").exists()
    refused = [p for p in result.problems if p.action == "file not loaded"]
    assert [(p.file, p.row, p.column, p.value, p.problem) for p in refused] == [
        ("2024/population.csv", 4, "DISTRICT", "E0700XXXX", "not a district code in ONS's "
         "lookup of districts since April 2021 (2 rows in all): a slip, or an older district's "
         "(give the one it became): its children would count nowhere")
    ]  # fmt: skip


def test_a_population_district_name_another_districts_is_refused_and_a_variant_noted(
    tmp_path, capsys
):
    returns = _returns(tmp_path)
    path = returns / "2024" / "population.csv"
    text = path.read_text()
    path.write_text(text.replace("E07000170,Ashfield,", "E07000170,Mansfield,"))
    assert main(["check", str(returns)]) == 1
    assert (
        "2024/population.csv row 38 DISTRICT_NAME 'Mansfield': 'Mansfield' is ONS's name for "
        "E07000174, not for E07000170 (Ashfield): E07000170's figures would be shown as "
        "Mansfield's (file not loaded)"
    ) in capsys.readouterr().out
    path.write_text(text.replace("E07000170,Ashfield,", "E07000170,ASHFIELD DC,"))
    result = build(returns, tmp_path / "data")
    assert result.written
    [noted] = [p for p in result.problems if p.column == "DISTRICT_NAME"]
    assert (noted.row, noted.problem) == (
        38, "'ASHFIELD DC' is not ONS's name for E07000170 (Ashfield): shown as given"
    )  # fmt: skip


def test_a_population_file_with_no_rows_is_said_to_leave_rates_out(tmp_path):
    returns = _returns(tmp_path)
    path = returns / "2024" / "population.csv"
    path.write_text(path.read_text().splitlines()[0] + "\n")
    result = build(returns, tmp_path / "data")
    assert result.written
    said = "no rows loaded: no rate can be worked out for the year"
    found = {(p.file, p.problem, p.action) for p in result.problems}
    assert ("2024/population.csv", said, "its indicators not available for the year") in found


def test_a_date_column_with_no_date_in_it_builds(tmp_path):
    returns = _returns(tmp_path)
    for path in returns.glob("*/episodes.csv"):  # no episode has ended: DEC and REC blank
        lines = [line.split(",") for line in path.read_text().splitlines()]
        for line in lines[1:]:
            line[7] = line[8] = ""
        path.write_text("\n".join(",".join(line) for line in lines) + "\n")
    result = build(returns, tmp_path / "data")
    assert result.written and not result.failed
    con = db.connect(tmp_path / "data")
    assert db.run(con, "cla_ceased", year_from=2024, year_to=2024)["numerator"].sum() == 0
    assert db.run(con, "cla_at_31_march", year_from=2024, year_to=2024)["numerator"].sum() > 0


def test_no_year_folders_says_what_is_expected(tmp_path):
    (tmp_path / "returns").mkdir()
    result = build(tmp_path / "returns", tmp_path / "data")
    assert result.failed
    assert "no year folders" in result.problems[0].problem


def test_targets_are_checked_and_kept(tmp_path):
    returns = _returns(tmp_path)
    (returns / "targets.csv").write_text(
        "INDICATOR,TARGET,TOLERANCE,GOOD,NOTE\n"
        "cla_rate_per_10k,60,5,lower,Example\n"
        "no_such_indicator,1,1,HIGHER,\n"
        "cla_started,10,1,SIDEWAYS,\n"
    )
    result = build(returns, tmp_path / "data")
    assert result.written
    found = {(p.file, p.row, p.column, p.value) for p in result.problems}
    assert ("targets.csv", 3, "INDICATOR", "no_such_indicator") in found
    assert ("targets.csv", 4, "GOOD", "SIDEWAYS") in found
    targets = pd.read_parquet(tmp_path / "data" / "targets.parquet")
    assert targets.to_dict("records") == [
        {"indicator_id": "cla_rate_per_10k", "target": 60.0, "tolerance": 5.0, "good": "lower",
         "note": "Example"}
    ]  # fmt: skip


def test_a_council_adds_its_region_as_a_comparator(tmp_path):
    from carejsna import indicators as ind

    returns = _returns(tmp_path)
    (returns / "benchmarks").mkdir()
    (returns / "benchmarks" / "west_midlands.csv").write_text(
        "area_code,area_name,area_type,year,indicator_id,value,source,release,licence\n"
        "E12000005,West Midlands,region,2024,cla_rate_per_10k,61,DfE CLA 2024 table A1,2024,OGL\n"
        "E12000005,West Midlands,region,2024,not_an_indicator,1,DfE,2024,OGL\n"
    )
    result = build(returns, tmp_path / "data")
    assert result.written
    assert any(p.row == 3 and p.column.lower() == "indicator_id" for p in result.problems)
    context = ind.Context.load(db.connect(tmp_path / "data"), tmp_path / "data")
    assert context.comparators == {  # England and the East Midlands are shipped
        "E92000001": "England", "E12000004": "East Midlands", "E12000005": "West Midlands",
    }  # fmt: skip
    assert context.published("cla_rate_per_10k", "E12000005")["value"].tolist() == [61.0]


def test_children_keep_year_and_month_of_birth(tmp_path):
    returns = _returns(tmp_path)
    assert build(returns, tmp_path / "data").written
    children = pd.read_parquet(tmp_path / "data" / "children.parquet").set_index("child_id")
    key = bytes.fromhex((returns / ".carejsna-key").read_text())
    a1 = children[children["year"] == 2024].loc[pseudonyms(pd.Series(["A1"]), key, "child")[0]]
    assert (a1["birth_year"], a1["birth_month"], a1["age"]) == (2012, 6, 11)  # 15/06/2012


@pytest.mark.parametrize("where", ["returns", "returns/2024", "."])
def test_out_must_not_be_the_returns_or_inside_or_around_them(tmp_path, where):
    returns = _returns(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    with pytest.raises(ValueError, match="the extracts must go outside the returns folder"):
        build(returns, tmp_path / where)
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_out_holding_other_files_is_refused_and_kept(tmp_path, capsys):
    returns = _returns(tmp_path)
    out = tmp_path / "reports"
    out.mkdir()
    (out / "notes.docx").write_bytes(b"someone's work")
    code = main(["build", str(returns), "--out", str(out)])
    assert code == 2
    assert capsys.readouterr().err == (
        f"carejsna build: --out {out} is not empty and not a previous `carejsna build`: it "
        "holds notes.docx, which it does not write; it would be replaced whole, so give a new or "
        "empty folder\n"
    )
    assert [p.name for p in out.iterdir()] == ["notes.docx"]


def test_demo_out_holding_other_files_is_refused(tmp_path, capsys):
    (tmp_path / "mine.csv").write_text("a,b\n")
    assert main(["demo", "--out", str(tmp_path)]) == 2
    assert "is not empty and not a previous `carejsna demo`" in capsys.readouterr().err
    assert [p.name for p in tmp_path.iterdir()] == ["mine.csv"]


def test_a_previous_demo_and_build_are_recognised():
    from carejsna.returns.build import is_previous_build
    from carejsna.returns.demo import is_previous_demo

    assert is_previous_demo(ROOT / "demo" / "returns")
    assert is_previous_build(ROOT / "data")
    assert not is_previous_demo(ROOT / "data") and not is_previous_build(ROOT / "demo" / "returns")


def _previous(out: Path) -> None:
    out.mkdir()
    (out / "metadata.json").write_text('{"built_with": "carejsna 1"}')


def test_a_failed_swap_puts_the_previous_folder_back(tmp_path, monkeypatch):
    out = tmp_path / "data"
    _previous(out)
    real = Path.rename

    def interrupted(self, target):  # Ctrl-C as the new folder is renamed into place
        if self.name.startswith(".data-new-"):
            raise KeyboardInterrupt
        return real(self, target)

    monkeypatch.setattr(Path, "rename", interrupted)
    with pytest.raises(KeyboardInterrupt), staged(out) as staging:
        (staging / "metadata.json").write_text("new")
    assert (out / "metadata.json").read_text() == '{"built_with": "carejsna 1"}'
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


class Dropped:
    """Dropped at once, its __del__ stops the process: Python only prints the exception."""

    def __del__(self):
        signal.raise_signal(signal.SIGTERM)  # handled here: its exception goes nowhere


def _solved(key, witnesses):  # audit._each's function: no leaks, no points
    return [], []


def test_a_lost_stop_ends_the_solving_at_its_next_result(monkeypatch):
    """A build whose stop was lost had run on to its end (5 minutes on a busy machine) before
    staged() saw it: the workers' results are where it is seen now."""
    lost = []
    monkeypatch.setattr(sys, "unraisablehook", lost.append)
    with pytest.raises(Stopped), stoppable():
        Dropped()
        audit._each(_solved, [1, 2, 3, 4], [[1, 2, 3, 4]], workers=2)
    assert [type(x.exc_value) for x in lost] == [Stopped]


def test_a_stop_whose_exception_python_lost_still_puts_nothing_in_place(tmp_path, monkeypatch):
    """SIGTERM's Stopped, raised where Python only prints it (here a __del__, as a weakref's
    callback can be), had let a build run on to exit 0 with its folder in place (CI, once)."""
    lost = []  # what Python prints as "Exception ignored in ..."
    monkeypatch.setattr(sys, "unraisablehook", lost.append)
    out = tmp_path / "data"
    _previous(out)
    with pytest.raises(Stopped), stoppable(), staged(out) as staging:
        (staging / "metadata.json").write_text("new")
        Dropped()
    assert [type(x.exc_value) for x in lost] == [Stopped]
    assert (out / "metadata.json").read_text() == '{"built_with": "carejsna 1"}'
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


KILLED_BETWEEN_RENAMES = """
import os, sys
from pathlib import Path
from carejsna.returns.build import staged

real = Path.rename
def killed(self, target):
    if self.name.startswith(".data-new-"):
        os._exit(9)  # the process dies: no cleanup, no finally
    return real(self, target)
Path.rename = killed
with staged(Path(sys.argv[1])) as staging:
    (staging / "metadata.json").write_text("new")
"""


def test_a_swap_cut_short_by_a_killed_process_is_recovered_on_the_next_run(tmp_path):
    out = tmp_path / "data"
    _previous(out)
    run = subprocess.run([sys.executable, "-c", KILLED_BETWEEN_RENAMES, str(out)], check=False)
    assert run.returncode == 9
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left[0] == ".data-new-" + left[0].removeprefix(".data-new-") and left[1:] == [
        ".data-old"
    ]  # no data/: the previous build only in .data-old, the new one half-way
    check_out(out, tmp_path / "returns")  # the next run starts by checking --out
    assert [p.name for p in tmp_path.iterdir()] == ["data"]
    assert (out / "metadata.json").read_text() == '{"built_with": "carejsna 1"}'


@pytest.mark.parametrize(
    ("text", "row", "problem"),
    [
        (
            b'code = "E10000024"\nname = Testshire\n',
            2,
            'not valid TOML: Invalid value (text goes in double quotes: name = "Nottinghamshire")',
        ),
        (b'code = "E10000024"\nname = "Caf\xe9"\n', 2, "not UTF-8 text: save it as UTF-8"),
        (b'code = "E10000024"\nname = "Testshire"\nsynthetic = "yes"\n', None, "must be true or"),
        # each had been ignored without a word: made-up returns shown as real
        (b'code = "E10000024"\nsynthetc = true\n', None, "not a setting of council.toml"),
        (b'[council]\ncode = "E10000024"\nsynthetic = true\n', None, "a [council] section"),
    ],
)
def test_a_council_toml_that_cannot_be_read_is_named_with_its_line(tmp_path, text, row, problem):
    returns = _returns(tmp_path)
    (returns / "council.toml").write_bytes(text)
    result = build(returns, tmp_path / "data")
    assert result.failed and not (tmp_path / "data").exists()
    [found] = [p for p in result.problems if p.file == "council.toml"]
    assert (found.row, found.action) == (row, "file not loaded")
    assert found.problem.startswith(problem)


@pytest.mark.parametrize(
    ("code", "said"),
    [
        ("Notts", "not a council's code in ONS's lookup (E06, E08, E09, E10 or W06 and six "
         "digits, as E10000024 for Nottinghamshire)"),
        ("E07000174", "a district of E10000024, not a council: give the council's code"),
        # shaped as the format says: that it was abolished had gone unsaid
        ("E10000002", "not a council's code in ONS's lookup of councils since April 2021 (an "
         "abolished council's, as Buckinghamshire's E10000002 before 2020?): give the code it "
         "has now, or leave code out"),
        ("E10000034", "population.csv's districts are Nottinghamshire's (E10000024): give "
         "E10000024, or leave code out"),  # Worcestershire's: its name on Nottinghamshire's
    ],
)  # fmt: skip
def test_a_council_code_that_is_not_an_ons_councils_is_refused(tmp_path, capsys, code, said):
    returns = _returns(tmp_path)
    council = returns / "council.toml"
    council.write_text(council.read_text().replace("E10000024", code))
    assert main(["check", str(returns)]) == 1
    assert f"council.toml code: {said}" in capsys.readouterr().out
    assert main(["build", str(returns), "--out", str(tmp_path / "data")]) == 1
    assert f"council.toml code: {said} (file not loaded)" in capsys.readouterr().out
    assert not (tmp_path / "data").exists()


def test_englands_code_is_allowed_for_every_districts_returns_at_once(tmp_path):
    # bench/national.py builds every English district's returns as one, as E92000001
    from carejsna.returns.build import read_council

    (tmp_path / "council.toml").write_text('code = "E92000001"\nname = "England"\n')
    assert read_council(tmp_path).code == "E92000001"
    (tmp_path / "council.toml").write_text('code = " e10000024"\n')  # a stray space, lower case
    assert read_council(tmp_path).code == "E10000024"


def test_a_council_toml_saved_by_notepad_is_read(tmp_path):
    """UTF-8 with a byte-order mark and Windows line ends (Notepad's) had been refused as 'not
    valid TOML: Invalid statement' on its first line, which looks right."""
    from carejsna.returns.build import read_council

    text = 'code = "E10000024"\r\nname = "Testshire"\r\nsynthetic = true\r\n'
    (tmp_path / "council.toml").write_bytes(codecs.BOM_UTF8 + text.encode())
    council = read_council(tmp_path)
    assert (council.code, council.name, council.synthetic) == ("E10000024", "Testshire", True)


def test_a_council_build_is_refused_where_git_would_track_it(tmp_path):
    returns = _returns(tmp_path)
    council = returns / "council.toml"
    council.write_text(council.read_text().replace("synthetic = true", "synthetic = false"))
    repository = tmp_path / "explorer"
    subprocess.run(["git", "init", "-q", str(repository)], check=True)
    with pytest.raises(ValueError, match="inside the git repository .* one `git add` from being"):
        build(returns, repository / "data")
    assert sorted(p.name for p in repository.iterdir()) == [".git"]
    (repository / ".gitignore").write_text("/private/\n")
    assert build(returns, repository / "private" / "data").written  # an ignored folder will do


def test_the_report_beside_the_extracts_keeps_no_child_id_or_full_postcode(tmp_path):
    returns = _returns(tmp_path)
    episodes = returns / "2024" / "episodes.csv"
    episodes.write_text(episodes.read_text() + "Z9,01/01/2024,S,C2,N1,U4,PR1,,,,NG17 4NX,,\n")
    result = build(returns, tmp_path / "data")
    raw = {(p.column, p.value) for p in result.problems}
    assert {("CHILD", "Z9"), ("HOME_POST", "ZZ9 9ZZ")} <= raw  # Z9 has no header row
    report = pd.read_csv(tmp_path / "data" / "build_report.csv", dtype=str, keep_default_na=False)
    key = (returns / ".carejsna-key").read_text().strip()
    assert len(key) == 64 and oct((returns / ".carejsna-key").stat().st_mode)[-3:] == "600"
    values = report.set_index("column")["value"]
    assert values["HOME_POST"] == "ZZ9"  # the outward code only
    assert values["CHILD"] == pseudonyms(pd.Series(["Z9"]), bytes.fromhex(key), "child")[0]
    assert not report["value"].isin(["Z9", "ZZ9 9ZZ"]).any()
    said = minimised_report(
        pd.DataFrame(
            {
                "column": ["UPN", "DECOM"],
                "value": ["A123", "01/02/2010"],
                "problem": [
                    "the same UPN as another child in this return (CHILD H01, H02)",
                    "before the child's date of birth (03/04/2012)",
                ],
            }
        ),
        bytes.fromhex(key),
    )["problem"].tolist()
    assert said == [
        "the same UPN as another child in this return (CHILD ids: see carejsna check)",
        "before the child's date of birth (dd/mm/yyyy)",
    ]
    assert key not in "".join(p.read_text(errors="ignore") for p in (tmp_path / "data").iterdir())


def test_extracts_keep_only_what_docs_extracts_md_describes(tmp_path):
    from carejsna.returns.build import KEPT

    returns = _returns(tmp_path)
    assert build(returns, tmp_path / "data").written
    docs = (ROOT / "docs" / "extracts.md").read_text()
    for name, kept in KEPT.items():
        frame = pd.read_parquet(tmp_path / "data" / f"{name}.parquet")
        assert list(frame.columns) == kept, name
        section = docs.split(f"### {name} ")[1].split("\n### ")[0]
        assert [c for c in kept[2:] if f"`{c}`" not in section] == [], name
    children = pd.read_parquet(tmp_path / "data" / "children.parquet")
    key = bytes.fromhex((returns / ".carejsna-key").read_text())
    raw = ["A1", "B2", "C3", "D4", "E5", "F6", "G7"]
    expected = set(pseudonyms(pd.Series(raw), key, "child"))
    assert set(children.loc[children["year"] == 2024, "child_id"]) == expected
    episodes = pd.read_parquet(tmp_path / "data" / "episodes.parquet")
    d4 = pseudonyms(pd.Series(["D4"]), key, "child")[0]
    # NG15 0AA to DE1 0AA: 14.8 miles (to 0.1 mile, as DfE's method gives it), kept as 15
    assert episodes.loc[episodes["child_id"] == d4, "distance_miles"].tolist() == [0.0, 15.0]
    record_level = [f"{name}.parquet" for name in KEPT] + ["build_report.csv", "metadata.json"]
    written = b"".join((tmp_path / "data" / name).read_bytes() for name in record_level)
    for value in ("A123456789012", "NG17 4NX", "1234567", "15/06/2012", "2012-06-15"):
        assert value.encode() not in written


@pytest.mark.parametrize("population", [True, False])
def test_without_council_toml_the_council_and_district_names_come_from_ons(tmp_path, population):
    returns = _returns(tmp_path)
    (returns / "council.toml").unlink()
    if not population:
        for path in returns.glob("*/population.csv"):
            path.unlink()
    assert build(returns, tmp_path / "data").written
    council = db.metadata(tmp_path / "data")["council"]
    assert (council["code"], council["name"]) == ("E10000024", "Nottinghamshire")
    districts = pd.read_parquet(tmp_path / "data" / "districts.parquet")
    own = districts[districts["is_council_district"]].set_index("district_code")["district_name"]
    if population:  # population.csv's districts, with its names
        assert own.to_dict() == {"E07000170": "Ashfield", "E07000174": "Mansfield"}
    else:  # every district ONS puts in Nottinghamshire: the homes in Mansfield and Ashfield
        assert len(own) == 7
        assert (own["E07000174"], own["E07000176"]) == ("Mansfield", "Rushcliffe")
    episodes = pd.read_parquet(tmp_path / "data" / "episodes.parquet")
    assert set(episodes["placement_district_code"]) == {
        "E07000174",
        "E07000170",
        postcodes_.OTHER,
        postcodes_.UNKNOWN,
    }  # fmt: skip  (Derby is outside the council)


def test_a_postcode_cased_or_spaced_differently_by_a_later_return_is_no_revision(tmp_path, capsys):
    from tests.fixture_returns import MANSFIELD_POST

    returns = _returns(tmp_path)
    episodes = returns / "2023" / "episodes.csv"  # 2024 writes both as "NG17 4NX"
    episodes.write_text(
        episodes.read_text().replace(f"{MANSFIELD_POST},{MANSFIELD_POST}", "ng174nx, Ng17  4nX ")
    )
    assert main(["check", str(returns)]) == 0
    assert "revises" not in capsys.readouterr().out


def test_a_later_return_revises_an_episode_and_a_changed_start_date_is_reported(tmp_path):
    from tests.fixture_returns import ASHFIELD_POST, MANSFIELD_POST

    returns = _returns(tmp_path)
    header, episodes = returns / "2023" / "header.csv", returns / "2023" / "episodes.csv"
    # 2023 gave A1's episode legal status C1 and placed in Ashfield; 2024 says C2, Mansfield.
    episodes.write_text(
        episodes.read_text().replace(
            f"A1,01/01/2020,S,C2,N1,U4,PR1,,,,{MANSFIELD_POST},{MANSFIELD_POST},",
            f"A1,01/01/2020,S,C1,N1,U4,PR1,,,,{MANSFIELD_POST},{ASHFIELD_POST},",
        )
        + f"H9,01/02/2023,S,C2,N1,U4,PR1,,,,{MANSFIELD_POST},{MANSFIELD_POST},\n"
    )
    header.write_text(header.read_text() + "H9,1,01/01/2010,WBRI,,,\n")
    # 2024 has H9's episode from 05/02/2023, not 01/02/2023: which is right is not known.
    later = returns / "2024" / "episodes.csv"
    later.write_text(
        later.read_text() + f"H9,05/02/2023,S,C2,N1,U4,PR1,,,,{MANSFIELD_POST},{MANSFIELD_POST},\n"
    )
    (returns / "2024" / "header.csv").write_text(
        (returns / "2024" / "header.csv").read_text() + "H9,1,01/01/2010,WBRI,,,\n"
    )
    result = build(returns, tmp_path / "data")
    assert result.written
    revised = [
        (p.file, p.row, p.column, p.value) for p in result.problems if "revises" in p.problem
    ]
    assert revised == [
        ("2024/episodes.csv", 2, "LS", "C1 -> C2"),
        ("2024/episodes.csv", 2, "PL_POST", MANSFIELD_POST),
    ]
    [conflict] = [p for p in result.problems if "start date changed" in p.problem]
    assert (conflict.file, conflict.row, conflict.column, conflict.value) == (
        "2024/episodes.csv", 11, "DECOM", "05/02/2023"
    )  # fmt: skip
    assert "overlaps the episode from 01/02/2023 that the 2023 return has open" in conflict.problem
    con = db.connect(tmp_path / "data")
    key = bytes.fromhex((returns / ".carejsna-key").read_text())
    a1 = pseudonyms(pd.Series(["A1"]), key, "child")[0]
    used = con.execute("select legal_status from episode_history where child_id = ?", [a1])
    assert used.fetchall() == [("C2",)]  # the later return's
    report = pd.read_csv(tmp_path / "data" / "build_report.csv", dtype=str, keep_default_na=False)
    assert "NG17" in set(report.loc[report["column"] == "PL_POST", "value"])  # outward code only


def test_a_single_tier_councils_own_area_is_a_district_beside_the_council(tmp_path):
    """A unitary (metropolitan or London borough) council's one district has the council's own
    code: the two areas had the same code, and the build failed (an internal error) for most of
    England's councils. Its own area is now a district (OWN: the children living in it),
    beside those living outside it and the council's whole."""
    from tests.fixture_returns import DERBY_POST, MANSFIELD_POST

    returns = _returns(tmp_path)
    for year in ("2023", "2024"):
        (returns / year / "population.csv").write_text(
            "\n".join(fixture_returns.population((("E06000015", "Derby", 100),))) + "\n"
        )
        episodes = returns / year / "episodes.csv"  # one child living in Derby
        episodes.write_text(episodes.read_text().replace(
            f"{MANSFIELD_POST},{DERBY_POST}", f"{DERBY_POST},{DERBY_POST}", 1))  # fmt: skip
    (returns / "council.toml").write_text('code = "E06000015"\nname = "Derby"\nsynthetic = true\n')
    assert build(returns, tmp_path / "data").written
    districts = pd.read_parquet(tmp_path / "data" / "districts.parquet")
    assert list(districts["district_code"]) == ["OWN", "OTHER", "UNKNOWN"]
    names = ["Living in Derby", "Living outside Derby", "Unknown"]
    assert list(districts["district_name"]) == names
    figures = pd.read_parquet(tmp_path / "data" / "figures.parquet")
    assert set(figures["area_code"]) == {"OWN", "OTHER", "UNKNOWN", "E06000015"}
    cells = ["indicator_id", "year", "area_code", "age_band", "category"]
    assert not figures.duplicated(cells).any()
    episodes = pd.read_parquet(tmp_path / "data" / "episodes.parquet")
    assert "OWN" in set(episodes["home_district_code"])
    placed = episodes["placement_district_code"] == "OWN"  # placed in Derby: inside the council
    assert placed.any() and not episodes.loc[placed, "is_placed_outside_council"].any()
    population = pd.read_parquet(tmp_path / "data" / "population.parquet")
    assert set(population["district_code"]) == {"OWN"}


def test_the_summary_gives_a_whole_files_problem_in_one_line():
    from carejsna.returns.build import BuildResult
    from carejsna.returns.read import NOTED, Problem

    whole = Problem(2024, "2024/episodes.csv", None, "URN", "", "optional column missing", NOTED)
    row = Problem(2024, "2024/header.csv", 7, "ETHNIC", "WBRX", "not a valid ETHNIC code", NOTED)
    lines = summary(BuildResult(problems=[whole, row])).splitlines()
    assert lines == [
        "Problems found: 2",
        "  2024/episodes.csv URN: optional column missing (loaded as it is): 1",  # no "file"
        "  2024/header.csv ETHNIC: not a valid ETHNIC code (loaded as it is): 1",
        "      row 7 value 'WBRX'",
    ]
