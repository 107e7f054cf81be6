"""A real server with the demo data, for benchmarks: fresh database, migrations, regions, demo."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "bench-demo-1"


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    env: dict[str, str]


def new_database(url: str) -> Engine:
    """An engine on a database at `url` with the schema, the region codes and the published
    course library: the common ground of the benchmarks that build their own data."""
    from lms.db import Database, make_engine
    from lms.learning.services import sync_library
    from lms.migrations import upgrade
    from lms.regions.services import load_regions

    engine = make_engine(url)
    upgrade(engine)
    with Database(engine).session(write=True) as session:
        load_regions(session)
        reports, problems = sync_library(session)
        assert reports and not problems, problems
        session.commit()
    return engine


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _cli(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "lms.cli", *args], env=env, check=True, capture_output=True
    )


def demo_env(tmp: str) -> dict[str, str]:
    """A fresh SQLite database in `tmp` with migrations, regions, the courses and the demo."""
    root = str(Path(__file__).resolve().parent.parent)
    env = {
        **os.environ,
        "LMS_DATABASE_URL": f"sqlite:///{tmp}/bench.db",
        "LMS_ENV": "test",
        "LMS_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijkl",
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }
    _cli(env, "db", "upgrade")
    _cli(env, "regions", "load")
    _cli(env, "courses", "sync")
    _cli(env, "demo", "--password", DEMO_PASSWORD)
    return env


@contextmanager
def running(command: list[str], env: dict[str, str], tmp: str) -> Iterator[Server]:
    """Start a server command on a free port (appended as --port), wait for /masuk, stop it."""
    port = _free_port()
    log_path = Path(tmp, "server.log")
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [*command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(url + "/masuk", timeout=2).read()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise RuntimeError("the benchmark server did not start") from None
            time.sleep(0.2)
    try:
        yield Server(url=url, process=process, env=env)
    finally:
        process.terminate()
        process.wait(10)
        text = log_path.read_text(errors="replace")
        if "Traceback" in text:
            print(text[-4000:], file=sys.stderr)


@contextmanager
def demo_server(workers: int = 1) -> Iterator[Server]:
    """`lms serve` (what production runs) on the demo data."""
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        env = demo_env(tmp)
        command = [sys.executable, "-m", "lms.cli", "serve", "--workers", str(workers)]
        with running(command, env, tmp) as server:
            yield server
