"""Load: readers of the hosted explorer, through the balancer, as Streamlit's own page talks to it.

    .venv/bin/python bench/load.py                      # 25 then 50 sessions, two minutes each
    .venv/bin/python bench/load.py --sessions 5 --seconds 20    # a quick look

Publishes data/ to a temporary folder and starts two public replicas behind HAProxy with
deploy/haproxy.cfg (carejsna.serve.balanced), as the failover test does. Each session is a
websocket client speaking Streamlit's protocol (BackMsg / ForwardMsg protobufs), as the browser
does: it takes the balancer's cookie and the XSRF cookie, opens a page (a rerun naming it),
then every few seconds changes the district filter (a rerun carrying the multiselect's new
value) and now and then opens another page. Real browsers are too heavy for 50 at once on two
cores; the server's work per reader is the same.

Prints, for each load: errors (a session that could not connect, lost its socket, waited more
than TIMEOUT_S for a run, or was sent an exception: must be 0), p50/p95 seconds from a filter
change sent to the first chart's figure received (the ForwardMsg carrying the plotly chart) and
from a page opened to its first chart, and each replica's memory (RSS, with its children) at
the start, its peak and the end of the load. Targets: 0 errors at 50 sessions, p95 under 2 s at
25 sessions. Each replica first serves one warm-up session (a fresh process imports the app).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from carejsna import publish, serve

HERE = Path(__file__).resolve().parent
OUT = HERE / "out"
TIMEOUT_S = 60  # a run not finished in a minute is an error, not a slow figure
# Pages a reader opens (their URL paths), each with the district filter and charts (the
# overview has tiles and tables only).
PAGES = ("Children_in_care", "Placement_stability", "Health_and_wellbeing", "Education",
         "Care_leavers")  # fmt: skip
THINK_S = (2.0, 4.0)  # a reader's pause between changes
PAGE_EVERY = 4  # about one action in this many opens another page


@dataclass
class Tally:
    """What the sessions of one load saw."""

    changes: list[float] = field(default_factory=list)  # filter change -> first chart, s
    opens: list[float] = field(default_factory=list)  # page opened -> first chart, s
    errors: list[str] = field(default_factory=list)
    runs: int = 0


class Session:
    """One reader: a websocket to the balancer, and the state its page would hold."""

    def __init__(self, url: str, tally: Tally):
        self.url, self.tally = url, tally
        self.socket = None
        self.district_id = ""  # the District multiselect's widget id, from the page
        self.districts: list[str] = []  # its options, as shown (the district names)
        self.page_hash = ""

    async def connect(self) -> None:
        cookies = await asyncio.to_thread(_cookies, self.url)
        self.socket = await websockets.connect(
            self.url.replace("http", "ws", 1) + "/_stcore/stream",
            subprotocols=["streamlit", cookies.get("_streamlit_xsrf", "")],
            additional_headers={
                "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items()),
                "Origin": self.url,
            },
            max_size=None,
            open_timeout=TIMEOUT_S,
        )

    async def run(self, page: str | None = None, districts: list[str] | None = None) -> float:
        """Ask for a rerun (of `page`, or of this page with the district filter changed) and
        read the run to its end: the seconds to the first chart's figure."""
        message = BackMsg()
        state = message.rerun_script
        if page is not None:
            state.page_name = page
        else:
            state.page_script_hash = self.page_hash
            widget = state.widget_states.widgets.add()
            widget.id = self.district_id
            widget.string_array_value.data.extend(districts or [])
        sent = time.perf_counter()
        await self.socket.send(message.SerializeToString())
        first_chart = None
        while True:
            data = await asyncio.wait_for(self.socket.recv(), TIMEOUT_S)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind == "navigation":  # the page this run drew, as the browser keeps it
                self.page_hash = msg.navigation.page_script_hash
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                shown = element.WhichOneof("type")
                if shown == "plotly_chart" and first_chart is None:
                    first_chart = time.perf_counter() - sent
                elif shown == "exception":
                    raise RuntimeError(f"the app raised: {element.exception.message[:200]}")
                elif shown == "multiselect" and element.multiselect.label == "District":
                    self.district_id = element.multiselect.id
                    self.districts = list(element.multiselect.options)
            elif kind == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    continue
                if status != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"the run ended with status {status}")
                self.tally.runs += 1
                if first_chart is None:
                    raise RuntimeError(f"no chart in the run of {page or 'a filter change'!r}")
                return first_chart

    async def read(self, until: float) -> None:
        """Open a page, then change filters and open pages until `until` (monotonic)."""
        try:
            await self.connect()
            self.tally.opens.append(await self.run(random.choice(PAGES)))
            while time.monotonic() < until:
                await asyncio.sleep(random.uniform(*THINK_S))
                if random.randrange(PAGE_EVERY) == 0:
                    self.tally.opens.append(await self.run(random.choice(PAGES)))
                else:
                    chosen = random.sample(self.districts, random.randint(0, 2))
                    self.tally.changes.append(await self.run(districts=chosen))
        except Exception as error:  # noqa: BLE001 (every failure is counted and named)
            self.tally.errors.append(f"{type(error).__name__}: {error}")
        finally:
            if self.socket is not None:
                await self.socket.close()


def _cookies(url: str) -> dict[str, str]:
    """The cookies a browser holds after opening the page: the balancer's (which replica) and
    the replica's XSRF token."""
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=TIMEOUT_S) as response:
        jar = SimpleCookie()
        for header in response.headers.get_all("Set-Cookie") or []:
            jar.load(header)
    return {name: morsel.value for name, morsel in jar.items()}


class Memory(threading.Thread):
    """Each replica's resident memory (with its child processes), sampled every second."""

    def __init__(self, replicas: dict):
        super().__init__(daemon=True)
        self.pids = {name: r.process.pid for name, r in replicas.items()}
        self.samples = {name: [] for name in replicas}
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            for name, pid in self.pids.items():
                self.samples[name].append(_rss_mb(pid))
            self.stopped.wait(1)

    def mark(self) -> dict[str, tuple[int, float]]:
        return {name: (len(s), _cpu_s(self.pids[name])) for name, s in self.samples.items()}

    def since(self, mark: dict[str, tuple[int, float]]) -> dict[str, dict[str, float]]:
        """Each replica's RSS at the mark, its peak and now, and the CPU seconds it used."""
        return {
            name: {
                "start": s[mark[name][0]],
                "peak": max(s[mark[name][0] :]),
                "end": s[-1],
                "cpu_s": _cpu_s(self.pids[name]) - mark[name][1],
            }
            for name, s in self.samples.items()
        }


def _rss_mb(pid: int) -> float:
    """RSS of a process and its descendants, in MB (from /proc)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(status.split("VmRSS:")[1].split()[0])
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except (OSError, IndexError):
            continue
        todo += [int(c) for c in children]
    return total / 1024


def _cpu_s(pid: int) -> float:
    """CPU seconds (user and system) a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


async def load(url: str, sessions: int, seconds: float) -> Tally:
    """`sessions` readers at once for `seconds`, starting over the first five seconds."""
    tally = Tally()
    until = time.monotonic() + seconds

    async def reader(i: int) -> None:
        await asyncio.sleep(5 * i / sessions)
        await Session(url, tally).read(until)

    await asyncio.gather(*(reader(i) for i in range(sessions)))
    return tally


def report(sessions: int, seconds: float, tally: Tally, memory: dict) -> dict:
    result = {
        "sessions": sessions,
        "seconds": seconds,
        "runs": tally.runs,
        "filter_changes": len(tally.changes),
        "pages_opened": len(tally.opens),
        "errors": len(tally.errors),
        "error_kinds": sorted(set(tally.errors))[:10],
        "change_to_chart_p50_s": percentile(tally.changes, 0.5),
        "change_to_chart_p95_s": percentile(tally.changes, 0.95),
        "open_to_chart_p50_s": percentile(tally.opens, 0.5),
        "open_to_chart_p95_s": percentile(tally.opens, 0.95),
        "memory_mb": memory,
    }
    print(
        f"\n{sessions} sessions for {seconds:.0f} s: {tally.runs} runs, "
        f"{len(tally.changes)} filter changes, {len(tally.opens)} pages opened"
    )
    print(f"  errors: {len(tally.errors)}")
    for kind in result["error_kinds"]:
        print(f"    {kind}")
    print(
        f"  filter change to chart: p50 {result['change_to_chart_p50_s']:.2f} s, "
        f"p95 {result['change_to_chart_p95_s']:.2f} s"
    )
    print(
        f"  page opened to chart:   p50 {result['open_to_chart_p50_s']:.2f} s, "
        f"p95 {result['open_to_chart_p95_s']:.2f} s"
    )
    for name, rss in memory.items():
        print(
            f"  {name} memory (RSS): start {rss['start']:.0f} MB, peak {rss['peak']:.0f} MB, "
            f"end {rss['end']:.0f} MB"
        )
    cpu = sum(rss["cpu_s"] for rss in memory.values())
    result["replica_cpu_s_per_run"] = cpu / max(tally.runs, 1)
    print(
        f"  replicas' CPU: {cpu:.0f} s in all, {result['replica_cpu_s_per_run']:.2f} s a run; "
        f"the machine's load average at the end: {os.getloadavg()[0]:.1f} (2 cores)"
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sessions", type=int, nargs="+", default=[25, 50])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--data", type=Path, default=serve.ROOT / "data")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    random.seed(13)
    logs = OUT / "load-logs"  # the replicas' and HAProxy's, kept to read after a run
    logs.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "published"
        publish.publish(args.data, folder)
        with serve.balanced(folder, logs) as (url, replicas):
            memory = Memory(replicas)
            memory.start()
            warm = asyncio.run(load(url, len(replicas), 1))  # one session per replica
            if warm.errors:
                raise SystemExit(f"warm-up failed: {warm.errors}")
            results = []
            for sessions in args.sessions:
                mark = memory.mark()
                tally = asyncio.run(load(url, sessions, args.seconds))
                time.sleep(1.5)  # a last sample after the load
                results.append(report(sessions, args.seconds, tally, memory.since(mark)))
                down = (logs / "haproxy.log").read_text().count(" is DOWN")
                print(f"  replicas marked down by the balancer so far: {down}")
            memory.stopped.set()
    (OUT / "load.json").write_text(json.dumps(results, indent=2) + "\n")
    verdicts = [
        _verdict([r["errors"] == 0 for r in results if r["sessions"] == 50], "0 errors at 50"),
        _verdict(
            [r["change_to_chart_p95_s"] < 2 for r in results if r["sessions"] == 25],
            "p95 under 2 s at 25",
        ),
    ]
    print("\nTargets: " + "; ".join(verdicts))


def _verdict(checks: list[bool], target: str) -> str:
    return f"{target} sessions " + (
        "not run" if not checks else "met" if all(checks) else "NOT met"
    )


if __name__ == "__main__":
    main()
