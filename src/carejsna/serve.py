"""The explorer as a server: `streamlit run` on a free port, for the browser tests, the
benchmarks and a check of the project's server settings; and `carejsna serve`'s command."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Debian's chromium, as the browser tests and the benchmark drive it (Playwright's own download
# is blocked here): no sandbox in a container, nothing fetched in the background.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
START_S = 60  # a cold start on a busy 2-core machine takes a few seconds; more is a failure


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    """Streamlit's health check answers "ok"."""
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
            return response.read().decode().strip() == "ok"
    except OSError:
        return False


def command(port: int, script: Path = ROOT / "app.py") -> list[str]:
    """`streamlit run` (through `main` below) of a script under the repository, from the
    repository (so that .streamlit/config.toml applies), headless, with no file watcher: the
    app may be edited meanwhile, and a save must not rerun it."""
    script = str(Path(script).resolve().relative_to(ROOT))
    return [
        *(sys.executable, "-m", "carejsna.serve", "run", script),
        *("--server.port", str(port), "--server.headless", "true"),
        *("--server.fileWatcherType", "none"),
    ]


def environment(data: Path, public: bool = False) -> dict[str, str]:
    """The server's environment: the data folder, and public mode when asked."""
    env = {**os.environ, "CAREJSNA_DATA": str(data)}
    if public:
        env["CAREJSNA_MODE"] = "public"
    return env


@dataclass
class Server:
    """A running `streamlit run`, in its own process group."""

    url: str
    process: subprocess.Popen

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """End its process group (SIGKILL: as if the machine died), and wait for it."""
        if self.process.poll() is not None:
            return
        os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def start(
    script: Path, data: Path, log: Path, public: bool = False, env: dict[str, str] | None = None
) -> Server:
    """Start `streamlit run script` on a free port, reading the extracts in `data` (a
    published folder in public mode), its output in `log`, with any further environment
    `env` (e.g. the cookie secret replicas share); returns once it is healthy."""
    port = free_port()
    url = f"http://localhost:{port}"
    with Path(log).open("w") as out:
        process = subprocess.Popen(
            command(port, script),
            cwd=ROOT,
            env={**environment(data, public), **(env or {})},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(url, process)
    deadline = time.monotonic() + START_S
    while not healthy(url):
        if process.poll() is not None or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"streamlit did not start on {url}:\n{Path(log).read_text()}")
        time.sleep(0.1)
    return server


@contextlib.contextmanager
def served(script: Path, data: Path, log: Path, public: bool = False) -> Iterator[str]:
    """A server (`start`) for the length of a `with`: yields its URL, and ends it after."""
    server = start(script, data, log, public)
    try:
        yield server.url
    finally:
        server.stop()


BALANCER_CONFIG = ROOT / "deploy" / "haproxy.cfg"


def haproxy() -> str | None:
    """Debian's haproxy, if installed."""
    found = shutil.which("haproxy") or "/usr/sbin/haproxy"
    return found if Path(found).exists() else None


@contextlib.contextmanager
def balanced(data: Path, logs: Path, names=("app1", "app2")) -> Iterator[tuple[str, dict]]:
    """Replicas in public mode on the published folder `data`, behind HAProxy run with
    deploy/haproxy.cfg as shipped (addresses in its environment): yields the balancer's URL and
    the replicas by name. They share a cookie secret, as compose.yaml's do; logs go in `logs`."""
    binary = haproxy()
    if binary is None:
        raise FileNotFoundError("haproxy is not installed: apt-get install -y haproxy")
    secret = {"STREAMLIT_SERVER_COOKIE_SECRET": secrets.token_hex(32)}
    replicas: dict[str, Server] = {}
    balancer = None
    try:
        for name in names:
            replicas[name] = start(ROOT / "app.py", data, logs / f"{name}.log", True, secret)
        port = free_port()
        env = {
            **os.environ,
            "BALANCER_BIND": f"127.0.0.1:{port}",
            "STATS_BIND": f"127.0.0.1:{free_port()}",
            **{name.upper(): r.url.split("//")[1].replace("localhost", "127.0.0.1")
               for name, r in replicas.items()},
        }  # fmt: skip
        check = subprocess.run(
            [binary, "-c", "-f", BALANCER_CONFIG], env=env, capture_output=True, text=True
        )
        if check.returncode:
            raise RuntimeError(f"{BALANCER_CONFIG}: {check.stdout}{check.stderr}")
        with (logs / "haproxy.log").open("w") as out:
            balancer = subprocess.Popen(
                [binary, "-db", "-f", BALANCER_CONFIG],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + START_S
        while not healthy(url):
            if balancer.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"haproxy did not start:\n{(logs / 'haproxy.log').read_text()}")
            time.sleep(0.1)
        yield url, replicas
    finally:
        if balancer is not None:
            Server("", balancer).stop()
        for replica in replicas.values():
            replica.stop()


def main() -> None:
    """`streamlit run ...`, every page reached through the entry script. Streamlit takes an app
    with a pages/ folder for a classic multipage app until its entry script has called
    st.navigation once: until then a page's own URL (/Children_in_care, or a page the entry
    hides) runs that page's file alone, without the entry script's checks. Not here."""
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.web import cli

    PagesManager.uses_pages_directory = False
    sys.exit(cli.main())


if __name__ == "__main__":
    main()
