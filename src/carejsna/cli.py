"""The command line: carejsna demo, build, check, indicator, chapter, publish, serve, forecast."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from contextlib import nullcontext
from dataclasses import replace
from pathlib import Path

from carejsna import Stopped, Unknown, catalogue, db, if_stopped, stoppable
from carejsna import indicators as ind
from carejsna.returns.build import build, staged, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="carejsna",
        description=__doc__,
        epilog="Exit codes: 0 done; 1 the returns cannot be used (every problem listed, nothing "
        "written); 2 refused (what and where, in one line); 3 a bug (one line, details in a file).",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="write synthetic SSDA903 returns (fixed seed)")
    demo.add_argument("--out", type=Path, required=True, help="folder for the returns")
    demo.add_argument("--seed", type=int, default=903)

    b = commands.add_parser("build", help="validate returns and write the Parquet extracts")
    b.add_argument("returns_dir", type=Path)
    b.add_argument("--out", type=Path, required=True, help="the extracts folder, e.g. data/")

    q = commands.add_parser(
        "check", help="list every data-quality problem in the returns, and what will count"
    )
    q.add_argument("returns_dir", type=Path)
    q.add_argument("--csv", type=Path, help="write every problem to this CSV file")
    q.add_argument(
        "--examples", type=_count, default=10, help="problems printed per rule (0: all; default 10)"
    )

    i = commands.add_parser("indicator", help="print an indicator as CSV, after disclosure control")
    i.add_argument("id", nargs="?", help="indicator id (see --list)")
    i.add_argument("--list", action="store_true", help="print the catalogue")
    i.add_argument("--data", type=Path, default=None, help="the extracts folder (default data/)")
    i.add_argument("--year", type=int, help="one year (ending 31 March); default every year")
    i.add_argument(
        "--district", action="append", default=[], help="a district code or name, given again "
        "for several (each printed); default every district and the council"
    )  # fmt: skip
    i.add_argument(
        "--together", action="store_true", help="the chosen districts added together, as one "
        "area (as the pages' 'Add the chosen districts together')"
    )  # fmt: skip
    i.add_argument(
        "--age-band", action="append", default=[], help="an age band, e.g. '10 to 15', given "
        "again for several (added together, as the pages do); default all ages"
    )  # fmt: skip
    i.add_argument(
        "--level", type=float, choices=(95, 99.8), default=95, help="confidence level (per cent)"
    )
    i.add_argument("--round", action="store_true", help="counts to the nearest 5 (publication)")

    c = commands.add_parser("chapter", help="build a JSNA chapter pack (docx, charts, tables, zip)")
    c.add_argument("--config", type=Path, required=True, help="the selection (chapter.toml)")
    c.add_argument("--data", type=Path, default=None, help="the extracts folder (default data/)")
    c.add_argument("--out", type=Path, required=True, help="folder for the pack")

    p = commands.add_parser(
        "publish", help="copy only the protected figures and lookups, for a hosted explorer"
    )
    p.add_argument("--data", type=Path, default=None, help="the extracts folder (default data/)")
    p.add_argument("--out", type=Path, required=True, help="the folder to publish (new or empty)")

    s = commands.add_parser(
        "serve", help="serve the explorer to the public from a published folder (public mode)"
    )
    s.add_argument("published_dir", type=Path, help="a folder made by `carejsna publish`")
    s.add_argument("--port", type=int, default=8501, help="the port to listen on (default 8501)")

    f = commands.add_parser(
        "forecast", help="forecast children in care as CSV: intervals, scenario, costs, back-test"
    )
    f.add_argument("--data", type=Path, default=None, help="the extracts folder (default data/)")
    f.add_argument("--years", type=int, default=3, help="years ahead, 1 to 3 (default 3)")
    f.add_argument(
        "--reference-from", type=int, help="first return year the rates are measured over "
        "(default: the last three years of returns)"
    )  # fmt: skip
    f.add_argument(
        "--scenario", type=Path, help="a scenario (TOML): per cent changes to entries and "
        "exits by placement category, forecast beside the baseline"
    )  # fmt: skip
    f.add_argument(
        "--district", action="append", default=[], help="a district code or name, given again "
        "for several together (as the page chooses them); default the whole council"
    )  # fmt: skip
    f.add_argument("--costs", type=Path, help="weekly costs by placement category (TOML)")

    args = parser.parse_args(argv)
    # SIGTERM as Ctrl+C: a staging folder cleared away (the server stops its own way)
    handled = args.command != "serve" and threading.current_thread() is threading.main_thread()
    with stoppable() if handled else nullcontext():
        return _run(args)


def _run(args) -> int:
    """The command, its refusals and bugs each said in one line (main's exit codes)."""
    try:
        code = {
            "demo": _demo,
            "build": _build,
            "check": _check,
            "indicator": _indicator,
            "chapter": _chapter,
            "publish": _publish,
            "serve": _serve,
            "forecast": _forecast,
        }[args.command](args)
        if_stopped()  # a stop whose exception was lost: said, not a success
        return code
    except BrokenPipeError:  # the reader stopped early (`| head`): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except (Unknown, ValueError, OSError) as error:  # refused, saying what and where (any
        # other KeyError is a bug, below)
        message = error.args[0] if len(error.args) == 1 else str(error)
        print(f"carejsna {args.command}: {message}", file=sys.stderr)
        return REFUSED
    except KeyboardInterrupt:
        print(f"carejsna {args.command}: interrupted", file=sys.stderr)
        return 130
    except Stopped:
        print(f"carejsna {args.command}: stopped (SIGTERM)", file=sys.stderr)
        return 143
    except Exception as error:  # a bug: one line here, the traceback in a private file
        print(f"carejsna {args.command}: {internal_error(error)}", file=sys.stderr)
        return BUG


def _count(text: str) -> int:
    """A whole number, 0 or more (argparse names the option)."""
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number, 0 or more")
    return int(text)


REFUSED, BUG = 2, 3  # exit codes; 1 is a build whose returns cannot be used (problems listed)


def internal_error(error: Exception) -> str:
    """Write the traceback to a file only this user can read (it may quote the data) and say
    where."""
    import tempfile
    import traceback

    try:
        handle, path = tempfile.mkstemp(prefix="carejsna-error-", suffix=".txt")
        with os.fdopen(handle, "w", encoding="utf-8") as f:
            traceback.print_exception(error, file=f)
    except OSError:
        return f"internal error ({type(error).__name__}), a bug: please report it"
    return f"internal error ({type(error).__name__}), a bug: please report it with {path}"


def _demo(args) -> int:
    from carejsna.returns.build import check_replaceable
    from carejsna.returns.demo import is_demo_file, is_previous_demo, write_demo

    check_replaceable(args.out, is_previous_demo, "a previous `carejsna demo`", is_demo_file)
    with staged(args.out) as staging:
        write_demo(staging, seed=args.seed)
    print(f"Synthetic SSDA903 returns written to {args.out}")
    return 0


def _build(args) -> int:
    result = build(args.returns_dir, args.out)
    print(summary(result))
    return 1 if result.failed else 0


def _check(args) -> int:
    from carejsna.returns import quality

    result = quality.check(args.returns_dir)  # writes nothing; refuses what it cannot read
    print(quality.text_report(result, args.examples))
    if args.csv:
        quality.export(result.problems, result.synthetic).to_csv(args.csv, index=False)
        print(f"Every problem ({len(result.problems)}) written to {args.csv}")
    return 1 if result.refused else 0  # as the build would: its returns cannot be used


def _indicator(args) -> int:
    if args.list:
        for item in catalogue.catalogue().values():
            print(f"{item.id}\t{item.title} ({item.unit_label}; {item.theme})")
            print(f"\t{item.definition}")
        return 0
    if not args.id:
        raise ValueError("give an indicator id, or --list to see them")
    given = args.id.strip().lower()  # any case on a command line, as a district's name
    indicator = catalogue.get(given if given in catalogue.catalogue() else args.id)
    con = db.published(args.data)
    context = ind.Context.load(con, args.data)
    years = context.years
    if args.year is not None and args.year not in years:
        raise ValueError(f"--year {args.year}: the data covers {years[0]} to {years[-1]}")
    names = context.district_names
    districts = (ind.district_code(d, names, f"--district {d!r}") for d in args.district)
    named = {band.casefold(): band for band in context.age_bands}  # any case: "under 1"
    for band in args.age_band:
        if band.strip().casefold() not in named:
            raise ValueError(f"--age-band {band!r}: not one of {', '.join(context.age_bands)}")
    bands = tuple(dict.fromkeys(named[band.strip().casefold()] for band in args.age_band))
    districts = tuple(dict.fromkeys(districts))
    if bands and "age_band" not in indicator.filters:
        raise ValueError(f"--age-band: {indicator.id} is not broken down by age band")
    if args.together and len(districts) < 2:
        raise ValueError("--together adds up two or more districts: give --district for each")
    first, last = (args.year, args.year) if args.year else (years[0], years[-1])
    selection = ind.Selection(first, last, districts, bands, args.level / 100, args.round,
                              combined=args.together)  # fmt: skip
    if indicator.breakdown or args.together:  # the council or the chosen districts together
        # (a distribution's categories too), as the pages' trend of them
        figures = ind.figures(con, indicator, selection, "trend", context)
        figures = figures[figures["area_code"] == selection.area(context)[0]]
    else:  # each district and the council, for the chosen ages, every year: one read
        figures = ind.figures(con, indicator, replace(selection, districts=()), "districts",
                              context)  # fmt: skip
        if districts:
            figures = figures[figures["area_code"].isin(districts)]
    ind.table(figures, indicator, context, False, args.level / 100).to_csv(sys.stdout, index=False)
    return 0


def _chapter(args) -> int:
    import time

    from carejsna import chapter, export
    from carejsna.returns.build import check_beside, check_replaceable

    config = chapter.Config.read(args.config.read_text(), args.config.name)
    started = time.perf_counter()
    last = [started, ""]

    def progress(fraction: float, step: str) -> None:
        if step.split(":")[0] != last[1]:
            print(f"{fraction:4.0%} {step.split(':')[0]}", file=sys.stderr)
            last[1] = step.split(":")[0]

    # A new folder, swapped in whole once the pack is made: a refused selection leaves --out as
    # it was, and a second pack leaves nothing of the first beside it.
    check_replaceable(
        args.out, chapter.is_previous_pack, "a previous `carejsna chapter`", chapter.in_pack
    )
    check_beside(args.out, args.data or db.data_dir())
    try:
        with staged(args.out, shared=True) as staging:  # a pack is to share
            pack, warnings = chapter.build(config, args.data, staging, progress)
    finally:
        export.stop()
    pack = args.out / pack.name
    for warning in warnings:
        print(f"carejsna chapter: {warning}", file=sys.stderr)
    print(f"{pack} ({time.perf_counter() - started:.1f} s)")
    return 0


def _publish(args) -> int:
    from carejsna.publish import previously, publish

    before = previously(args.out)  # an officer publishing onto a served folder is told so
    data = args.data or db.data_dir()  # named: without --data, the repository's (the demo's)
    manifest = publish(data, args.out)
    made_up = " (synthetic demo data)" if manifest["synthetic"] else ""
    print(
        f"Published {manifest['council']['name']}{made_up} {manifest['years'][0]} to "
        f"{manifest['years'][-1]} from {data} to {args.out}: {', '.join(manifest['files'])}"
        + (f" (replacing the publish of {before})" if before else "")
    )
    return 0


def _serve(args) -> int:
    """Become the explorer's server in public mode (it reads only the published folder)."""
    from carejsna import serve, site

    why = site.refusal(args.published_dir)
    if why:
        raise ValueError(why)
    folder = args.published_dir.resolve()
    os.chdir(serve.ROOT)  # where .streamlit/config.toml is read
    os.execve(sys.executable, serve.command(args.port), serve.environment(folder, public=True))


def _forecast(args) -> int:
    from carejsna import forecast, safe

    inputs = forecast.prepare(args.data, tuple(dict.fromkeys(args.district)))
    scenario = forecast.Scenario.read(args.scenario) if args.scenario else None
    costs = forecast.Costs.read(args.costs) if args.costs else None
    table = forecast.table(inputs, args.years, args.reference_from, scenario, costs)
    safe.frame(table).to_csv(sys.stdout, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
