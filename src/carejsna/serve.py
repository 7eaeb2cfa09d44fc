"""The explorer as a server: `streamlit run` on a free port, for the browser tests, the
benchmark and a check of the project's server settings."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
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


@contextlib.contextmanager
def served(script: Path, data: Path, log: Path) -> Iterator[str]:
    """`streamlit run script` (a path under the repository) on a free port, reading the
    extracts in `data`, its output in `log`; yields its URL once healthy, and ends its process
    group after. No file watcher: the app may be edited meanwhile, and a save must not rerun it."""
    port = free_port()
    url = f"http://localhost:{port}"
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(Path(script).resolve().relative_to(ROOT)),
    ]
    command += ["--server.port", str(port), "--server.headless", "true"]
    command += ["--server.fileWatcherType", "none"]
    env = {**os.environ, "CAREJSNA_DATA": str(data)}
    with Path(log).open("w") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        deadline = time.monotonic() + START_S
        while not healthy(url):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start on {url}:\n{Path(log).read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
