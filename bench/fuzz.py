"""Fuzz the build with malformed returns (CSV and XML) and count what went wrong.

    .venv/bin/python bench/fuzz.py                    # 1,000 cases, seed 0
    .venv/bin/python bench/fuzz.py --cases 2000 --seed 7 --show 20

Each case mutates a small valid return set (tests/test_fuzz_returns.py: bad, impossible and
ambiguous values, missing, extra, renamed and repeated columns, cut and overlong rows, trailing
commas, repeated rows, empty, truncated and binary files, other encodings, stray and misnamed
year folders, twin files, XML that is malformed, declares entities or has a wrong root) and
builds it over a previous build. Printed: cases tried, how many built and how many were refused,
and the faults: tracebacks (an exception escaped build()), unclear messages (a refusal without
its file, a year's file without its year, or Python's words), partial writes (the previous
build changed after a refusal, or something left beside it). The figures step works out only
the first --indicators indicators (the fuzz is about reading; every indicator takes ~20 s a
build).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from carejsna.returns.build import build  # noqa: E402
from tests import fixture_returns  # noqa: E402
from tests.test_fuzz_returns import few_indicators, random_picker, run_case  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--start", type=int, default=0, help="the first case's number")
    parser.add_argument("--indicators", type=int, default=1)
    parser.add_argument("--show", type=int, default=10, help="examples of each fault to print")
    parser.add_argument("--every", type=int, default=50, help="print the counts every N cases")
    args = parser.parse_args(argv)

    outcomes, faults, examples, kinds = Counter(), Counter(), {}, Counter()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder, few_indicators(args.indicators):
        out = Path(folder) / "data"
        first = build(fixture_returns.write(Path(folder) / "returns"), out)
        assert first.written, first.problems
        for case in range(args.start, args.start + args.cases):
            layout = "xml" if case % 2 else "csv"
            how, outcome, found = run_case(random_picker(args.seed * 1_000_003 + case), layout, out)
            outcomes[outcome] += 1
            kinds[how.split()[0]] += 1
            for fault, items in found.items():
                if items:
                    faults[fault] += 1
                    examples.setdefault(fault, []).append(
                        f"case {case} ({layout}, {how}): {items[0]}"
                    )
            if (case + 1 - args.start) % args.every == 0:
                print(
                    f"{case + 1 - args.start} cases, {time.perf_counter() - start:.0f} s:",
                    _counts(outcomes, faults),
                    flush=True,
                )
            if not out.exists():  # a lost build must not hide later faults
                shutil.rmtree(out, ignore_errors=True)
                build(fixture_returns.write(Path(folder) / f"again{case}"), out)
    seconds = time.perf_counter() - start

    print(f"cases tried: {args.cases} (seed {args.seed}, from case {args.start}, {seconds:.0f} s)")
    print(f"  built: {outcomes['built']}, refused: {outcomes['refused']}")
    print(f"tracebacks: {faults['traceback']}")
    print(f"unclear messages: {faults['unclear']}")
    print(f"partial writes: {faults['partial']}")
    print("mutations: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
    for fault, items in examples.items():
        print(f"\n{fault}, first {min(args.show, len(items))} of {len(items)}:")
        for item in items[: args.show]:
            print(f"  {item[:400]}")
    return 1 if faults else 0


def _counts(outcomes: Counter, faults: Counter) -> str:
    return (
        f"built {outcomes['built']}, refused {outcomes['refused']}, tracebacks "
        f"{faults['traceback']}, unclear {faults['unclear']}, partial {faults['partial']}"
    )


if __name__ == "__main__":
    sys.exit(main())
