"""The command line prints, after disclosure control, the figures the page shows."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from carejsna import cli
from carejsna.cli import main


def run(capsys, *args):
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_indicator_prints_protected_csv(capsys, fixture_data):
    code, out, _ = run(capsys, "indicator", "cla_at_31_march", "--data", str(fixture_data))
    assert code == 0
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert {"area_code", "area_name", "year", "value", "numerator", "denominator"} <= set(table)
    assert set(table["year"]) == {"2023", "2024"}
    council = table[(table["area_name"] == "Testshire") & (table["year"] == "2024")]
    assert council["value"].tolist() == ["c"]  # 3 children: suppressed, never printed
    assert not table["numerator"].isin(["1", "2", "3", "4"]).any()
    assert table["source"].str.startswith("SYNTHETIC DEMO DATA").all()


def test_indicator_on_a_returns_folder_says_to_build_it(capsys, tmp_path):
    """It had said to build into the returns folder itself, which the build refuses."""
    from tests import fixture_returns

    returns = fixture_returns.write(tmp_path / "returns")
    assert main(["indicator", "cla_at_31_march", "--data", str(returns)]) == 2
    said = capsys.readouterr().err
    assert f"{returns} holds returns, not extracts: build them (`carejsna build {returns} " in said


def test_indicator_filters_by_year_district_and_band(capsys, fixture_data):
    code, out, _ = run(
        capsys, "indicator", "cla_rate_per_10k", "--data", str(fixture_data),
        "--year", "2024", "--district", "E07000174", "--age-band", "5 to 9",
    )  # fmt: skip
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert code == 0
    columns = ["area_name", "year", "age_band", "value", "numerator", "denominator"]
    # (Under 1, 0 of 200, is withheld since the build found that count the same as the
    # children who started care under 1, which other indicators withhold: banded_counts)
    assert table[columns].values.tolist() == [["Mansfield", "2024", "5 to 9", "0.0", "0", "1000"]]


def test_indicator_prints_several_districts_and_bands_as_the_pages_choose_them(capsys):
    from carejsna import catalogue, db
    from carejsna import indicators as ind

    mansfield, ashfield, bands = "E07000174", "E07000170", ("5 to 9", "10 to 15")
    chosen = ["--district", mansfield, "--district", ashfield]
    chosen += [arg for band in bands for arg in ("--age-band", band)]

    def printed(*args) -> pd.DataFrame:
        code, out, err = run(capsys, "indicator", "cla_rate_per_10k", *chosen, *args)
        assert (code, err) == (0, "")
        return pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)

    # Side by side: each district's own rows, the bands added up, as it prints alone.
    each = printed()
    assert set(each["area_code"]) == {mansfield, ashfield}
    assert set(each["age_band"]) == {"5 to 9, 10 to 15"} and len(each) == 2 * 10  # 10 years
    alone = []
    for code in (mansfield, ashfield):
        args = [a for band in bands for a in ("--age-band", band)]
        out = run(capsys, "indicator", "cla_rate_per_10k", "--district", code, *args)[1]
        alone.append(pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False))
    expected = pd.concat(alone).sort_values(["year", "area_code"], ignore_index=True)
    pd.testing.assert_frame_equal(each.sort_values(["year", "area_code"], ignore_index=True),
                                  expected)  # fmt: skip

    # Together: one area, the page's trend of the two added together, every year.
    together = printed("--together")
    assert set(together["area_code"]) == {f"{mansfield}+{ashfield}"}
    assert set(together["area_name"]) == {"Mansfield and Ashfield"}
    con, item = db.published(), catalogue.get("cla_rate_per_10k")
    context = ind.Context.load(con)
    selection = ind.Selection(2015, 2024, (mansfield, ashfield), bands, combined=True)
    trend = ind.figures(con, item, selection, "trend", context)
    page = ind.table(trend[trend["area_code"] == f"{mansfield}+{ashfield}"], item, context, False)
    assert together.values.tolist() == page.astype(str).replace("nan", "").values.tolist()
    # and its counts are the published figures' sums, withheld where any part is
    figures = pd.read_parquet(db.data_dir() / "figures.parquet")
    parts = figures[(figures["indicator_id"] == item.id)
                    & figures["area_code"].isin([mansfield, ashfield])
                    & figures["age_band"].isin(bands)]  # fmt: skip
    for year, cells in parts.groupby("year"):
        row = together[together["year"] == str(year)].iloc[0]
        if (cells["symbol"] == "c").any():
            assert row["value"] == "c"
        else:
            assert int(row["numerator"]) == cells["numerator"].sum()


def test_a_district_is_given_by_its_code_or_its_name(capsys, fixture_data):
    """`--district Mansfield` was refused with a list of codes that did not say which was
    Mansfield; a name, in any case, now reads as its code."""
    by_code = run(capsys, "indicator", "cla_started", "--data", str(fixture_data),
                  "--district", "E07000174", "--district", "E07000170")  # fmt: skip
    by_name = run(capsys, "indicator", "cla_started", "--data", str(fixture_data),
                  "--district", "mansfield", "--district", "Ashfield")  # fmt: skip
    assert by_name == by_code and by_code[0] == 0 and "Mansfield" in by_code[1]


def test_bad_arguments_say_what_is_wrong(capsys, fixture_data):
    assert run(capsys, "indicator", "nope", "--data", str(fixture_data))[2].startswith(
        "carejsna indicator: no indicator 'nope'; the catalogue has: cla_at_31_march, "
    )
    assert run(capsys, "indicator", "cla_rate_per10k", "--data", str(fixture_data))[2].startswith(
        "carejsna indicator: no indicator 'cla_rate_per10k' (did you mean cla_rate_per_10k?); "
    )
    # an id or an age band in any case, as a district's name is
    upper = run(capsys, "indicator", "CLA_STARTED", "--data", str(fixture_data),
                "--age-band", "under 1")  # fmt: skip
    assert upper == run(capsys, "indicator", "cla_started", "--data", str(fixture_data),
                        "--age-band", "Under 1")  # fmt: skip
    assert upper[0] == 0 and "Under 1" in upper[1]
    code, _, err = run(
        capsys, "indicator", "cla_started", "--data", str(fixture_data), "--year", "1999"
    )
    assert code == 2 and "--year 1999: the data covers 2023 to 2024" in err
    code, _, err = run(
        capsys, "indicator", "cla_started", "--data", str(fixture_data), "--district", "X"
    )
    assert code == 2 and "--district 'X': not one of" in err and "E07000174 (Mansfield)" in err
    code, _, err = run(capsys, "indicator", "cla_started", "--data", str(fixture_data),
                       "--district", "E07000174", "--district", "X")  # fmt: skip
    assert code == 2 and "--district 'X': not one of" in err
    code, _, err = run(capsys, "indicator", "cla_started", "--data", str(fixture_data),
                       "--district", "E07000174", "--together")  # fmt: skip
    assert code == 2 and "--together adds up two or more districts" in err


def test_list_prints_the_catalogue(capsys):
    code, out, _ = run(capsys, "indicator", "--list")
    assert code == 0 and "cla_rate_per_10k\tRate of children in care per 10,000 children" in out


def test_intervals_and_comparators_are_printed(capsys):
    code, out, _ = run(capsys, "indicator", "cla_rate_per_10k", "--year", "2024")
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False).set_index("area_name")
    council = table.loc["Nottinghamshire"]
    # England's 2024 rate, DfE's latest release (src/carejsna/benchmarks/official.csv: 69,
    # first published as 70), is the comparator, and the release is named.
    assert council["comparator"] == "England" and council["comparator_value"] == "69.0"
    assert council["comparator_source"].startswith("DfE, Children looked after in England")
    low, high = float(council["lower_95"]), float(council["upper_95"])
    assert low < float(council["value"]) < high
    expected = "similar" if low <= 69 <= high else ("higher" if low > 69 else "lower")
    assert council["comparison"] == expected
    mansfield = table.loc["Mansfield"]
    assert mansfield["comparator"] == "Nottinghamshire"
    assert mansfield["comparison"] == (
        "higher"
        if float(mansfield["lower_95"]) > float(council["value"])
        else mansfield["comparison"]
    )
    code, out, _ = run(capsys, "indicator", "cla_rate_per_10k", "--year", "2024", "--level", "99.8")
    wider = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False).set_index("area_name")
    assert float(wider.loc["Nottinghamshire", "lower_99_8"]) < low


def test_a_reader_that_stops_early_gets_no_traceback():
    """`carejsna indicator ... | head -1`: the pipe closes before the CSV is written."""
    script = "import sys; from carejsna.cli import main; sys.exit(main(sys.argv[1:]))"
    process = subprocess.Popen(
        [sys.executable, "-c", script, "indicator", "cla_rate_per_10k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # as `head` does once it has its line
    _, err = process.communicate(timeout=120)
    assert process.returncode == 0
    assert err.decode() == ""


def test_rounded_percentages_follow_the_rounded_counts(capsys):
    """Else 10.8% beside a rounded 65 children gives the exact 7 back."""
    code, out, _ = run(capsys, "indicator", "pct_3plus_placements", "--year", "2024", "--round")
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    numerators = pd.to_numeric(table["numerator"], errors="coerce")
    shown = table[numerators.notna()]
    assert code == 0 and len(shown) > 3
    numerators, denominators = shown["numerator"].astype(float), shown["denominator"].astype(float)
    assert (numerators % 5 == 0).all() and (denominators % 5 == 0).all()
    expected = (numerators / denominators * 100).round(1)
    assert (shown["value"].astype(float) - expected).abs().max() < 0.051


def test_publish_writes_only_the_published_files(capsys, fixture_data, tmp_path):
    code, out, _ = run(
        capsys, "publish", "--data", str(fixture_data), "--out", str(tmp_path / "board")
    )
    assert code == 0
    said = f"Published Testshire (synthetic demo data) 2023 to 2024 from {fixture_data} to "
    assert said + f"{tmp_path / 'board'}:" in out
    names = {p.name for p in (tmp_path / "board").iterdir()}
    assert "figures.parquet" in names and "published.json" in names
    record_level = {"children.parquet", "episodes.parquet", "build_report.csv", "build_counts.csv"}
    assert not names & record_level
    code, table, _ = run(capsys, "indicator", "cla_at_31_march", "--data", str(tmp_path / "board"))
    assert code == 0
    assert table == run(capsys, "indicator", "cla_at_31_march", "--data", str(fixture_data))[1]


def test_publish_without_built_figures_says_so(capsys, tmp_path):
    code, _, err = run(capsys, "publish", "--data", str(tmp_path), "--out", str(tmp_path / "o"))
    assert code == 2
    assert "no built figures" in err
    assert not (tmp_path / "o").exists()


def test_build_report_neutralises_a_returned_value_a_spreadsheet_would_run(capsys, tmp_path):
    from tests import fixture_returns

    returns = fixture_returns.write(tmp_path / "returns")
    path = returns / "2024" / "episodes.csv"
    text = path.read_text()
    assert "A1,01/01/2020,S,C2,N1,U4" in text
    path.write_text(text.replace("A1,01/01/2020,S,C2,N1,U4", "A1,01/01/2020,S,C2,N1,=1+2"))
    code, _, _ = run(capsys, "build", str(returns), "--out", str(tmp_path / "data"))
    assert code == 0
    report = pd.read_csv(tmp_path / "data" / "build_report.csv", dtype=str, keep_default_na=False)
    assert "'=1+2" in set(report["value"])
    assert not report["value"].str.startswith("=").any()


def test_a_bug_gives_one_line_exit_3_and_a_private_file_with_the_details(capsys, monkeypatch):
    import carejsna.cli

    def broken(*args, **kwargs):
        return 1 / 0

    monkeypatch.setattr(carejsna.cli, "build", broken)
    code, out, err = run(capsys, "build", "r", "--out", "d")
    assert code == 3 and out == ""
    [line] = err.splitlines()
    prefix = "carejsna build: internal error (ZeroDivisionError), a bug: please report it with "
    assert line.startswith(prefix)
    details = Path(line.removeprefix(prefix))
    assert details.stat().st_mode & 0o077 == 0  # only its owner can read it
    assert "Traceback" in details.read_text() and "1 / 0" in details.read_text()
    details.unlink()


def test_a_key_error_is_a_bug_unless_it_names_what_is_unknown(capsys, monkeypatch):
    # A KeyError 'actual' from pandas (a forecast without a back-test) read as a refusal:
    # "carejsna forecast: 'actual'", exit 2, as if the input were wrong.
    import carejsna.cli

    def broken(*args, **kwargs):
        return pd.DataFrame({"value": [1]})["actual"]

    monkeypatch.setattr(carejsna.cli, "build", broken)
    code, _, err = run(capsys, "build", "r", "--out", "d")
    assert code == 3 and err.startswith("carejsna build: internal error (KeyError), a bug")
    Path(err.strip().rsplit(" ", 1)[-1]).unlink()
    # an indicator the catalogue does not know is refused, naming it (carejsna.Unknown)
    code, _, err = run(capsys, "indicator", "no_such_indicator")
    assert code == 2 and err.startswith("carejsna indicator: no indicator 'no_such_indicator'")


def test_a_refusal_is_exit_2_and_names_the_file(capsys, tmp_path):
    code, _, err = run(capsys, "chapter", "--config", str(tmp_path / "nope.toml"), "--out", "x")
    assert code == 2
    assert err == (
        f"carejsna chapter: [Errno 2] No such file or directory: '{tmp_path / 'nope.toml'}'\n"
    )


def test_build_out_holding_a_file_not_the_builds_is_refused_naming_it(
    capsys, tmp_path, fixture_data
):
    out = tmp_path / "data"
    shutil.copytree(fixture_data, out)  # a previous build
    for name in ("notes.txt", "a.docx", "b.docx", "c.docx"):
        (out / name).write_text("someone's work")
    (out / "old").mkdir()
    before = sorted(p.name for p in out.iterdir())
    code, _, err = run(capsys, "build", str(fixture_data.parent / "returns"), "--out", str(out))
    assert code == 2
    assert err == (
        f"carejsna build: --out {out} is not empty and not a previous `carejsna build`: it "
        "holds a.docx, b.docx, c.docx and 2 more, which it does not write; it would be replaced "
        "whole, so give a new or empty folder\n"
    )
    assert sorted(p.name for p in out.iterdir()) == before
    shutil.rmtree(out / "old")  # a build's files alone, without its metadata.json
    for name in ("notes.txt", "a.docx", "b.docx", "c.docx", "metadata.json"):
        (out / name).unlink()
    code, _, err = run(capsys, "build", str(fixture_data.parent / "returns"), "--out", str(out))
    assert code == 2 and ", but not all of what it writes; it would be replaced" in err


def test_every_distribution_prints_its_categories_as_the_page_shows_them(capsys):
    from carejsna import catalogue, db
    from carejsna import indicators as ind

    con = db.published()
    context = ind.Context.load(con)
    distributions = [i for i in catalogue.catalogue().values() if i.breakdown]
    assert len(distributions) >= 12
    for indicator in distributions:
        code, out, err = run(capsys, "indicator", indicator.id, "--year", "2024")
        assert (code, err) == (0, ""), indicator.id
        printed = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
        selection = ind.Selection(2024, 2024)
        page = ind.table(
            ind.figures(con, indicator, selection, "category", context), indicator, context, False
        )
        key = ["category", "value", "numerator", "denominator"]
        assert len(printed) > 1, indicator.id
        assert sorted(printed[key].values.tolist()) == sorted(page[key].astype(str).values.tolist())
    code, out, _ = run(capsys, "indicator", "cla_by_sex", "--district", "E07000174")
    assert code == 0 and set(pd.read_csv(io.StringIO(out))["area_name"]) == {"Mansfield"}
    code, out, _ = run(capsys, "indicator", "cla_by_sex", "--age-band", "Under 1")
    assert code == 0 and set(pd.read_csv(io.StringIO(out))["age_band"]) == {"Under 1"}
    code, _, err = run(capsys, "indicator", "care_leaver_activity_17to18", "--age-band", "Under 1")
    assert code == 2 and "care_leaver_activity_17to18 is not broken down by age band" in err


def test_a_negative_number_of_examples_is_refused_by_name(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["check", "demo/returns", "--examples", "-1"])
    assert stopped.value.code == 2
    assert "argument --examples: '-1' is not a whole number, 0 or more" in capsys.readouterr().err


def test_a_build_stopped_with_kill_clears_away_and_leaves_no_worker(tmp_path):
    """SIGTERM (kill, a scheduler's stop) had ended a build with no word, its staging folder of
    record-level files left beside --out and its two workers running on (some 200 MB each).
    Now it says so, exits 143, clears the staging folder, and its workers end with it."""
    import os
    import signal
    import time

    root = Path(__file__).resolve().parents[1]
    script = "import sys; from carejsna.cli import main; sys.exit(main(sys.argv[1:]))"
    out = tmp_path / "data"
    process = subprocess.Popen(
        [sys.executable, "-c", script, "build", str(root / "demo" / "returns"), "--out", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    workers = []
    deadline = time.monotonic() + 300
    while not workers and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.2)  # until the figures' workers have started
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        workers = children.read_text().split() if children.exists() else []
    assert workers, "the build ended before its workers started"
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=300)
    assert process.returncode == 143
    assert err.decode().strip().endswith("carejsna build: stopped (SIGTERM)")
    assert not out.exists() and not list(tmp_path.glob(".data-new-*"))
    time.sleep(1)
    for pid in workers:
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            continue
        stat = Path(f"/proc/{pid}/stat").read_text().split()
        assert stat[2] == "Z", f"worker {pid} still running"  # at most not yet reaped


def test_a_command_whose_stop_was_lost_ends_stopped_not_done(monkeypatch, capsys):
    """A stop whose exception Python only printed (raised in a __del__) had let any command end
    with exit 0: it says it was stopped, exit 143, and the next command is not stopped."""
    from tests.test_build import Dropped

    monkeypatch.setattr(sys, "unraisablehook", lambda _: None)

    def lost(args) -> int:
        Dropped()
        return 0

    monkeypatch.setattr(cli, "_indicator", lost)
    assert main(["indicator", "--list"]) == 143
    assert capsys.readouterr().err.strip() == "carejsna indicator: stopped (SIGTERM)"
    monkeypatch.setattr(cli, "_indicator", lambda args: 0)
    assert main(["indicator", "--list"]) == 0


def test_a_care_leavers_measure_names_its_own_ages_not_all_ages(capsys):
    """Care leavers aged 19 to 21 had been printed, downloaded and subtitled "All ages"."""
    for indicator, ages in [("pct_eet_19to21", "19 to 21"), ("pct_in_touch_17to18", "17 and 18")]:
        code, out, _ = run(capsys, "indicator", indicator, "--year", "2024")
        table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
        assert code == 0 and set(table["age_band"]) == {ages}
    code, out, _ = run(capsys, "indicator", "cla_rate_per_10k", "--year", "2024")
    table = pd.read_csv(io.StringIO(out), dtype=str, keep_default_na=False)
    assert set(table["age_band"]) == {"All ages"}
