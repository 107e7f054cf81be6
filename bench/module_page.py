"""The module reader against a Fortunes-style page of the same app, and the module page's weight.

Bars from the issue:
- GET /kelas/{slug}/{module_slug} served to a logged-in participant reaches at least 0.8 of the
  throughput of a minimal Fortunes-style page (one query of a small table plus a template through
  the same render() and base layout, bench/fortunes_app.py) measured in the same run;
- the module page with all its CSS and JavaScript is at most 60 KB compressed (empty cache).

The app is bench/fortunes_app.py (create_app() plus the baseline routes) under uvicorn with the
options of `lms serve`, one worker, on a fresh SQLite database with migrations, regions, the
course library and the demo. The participant logs in once; every request carries its cookies and
Accept-Encoding: gzip, like a browser. Load: wrk (Debian package) with fixed connections on this
machine; without wrk an asyncio httpx2 client with the same connections stands in (it costs more
CPU: its figures are not comparable with wrk's, only the ratios within one run are). After a
warm-up of each, the targets alternate (A, B, C, A, B, C, ...) for the same duration; the ratio
judged is the median over the rounds of each round's module/Fortunes ratio. Targets: the
largest module (the biggest rendered page), the Fortunes page, and
for information the same Fortunes page behind the login (fortunes_user_ratio: what being logged
in costs by itself). Also checked: the module page for a participant whose session was last
recorded two minutes ago answers 200 within 2 s (stale_session). The weight is taken in headless
Chromium with an empty cache and service workers blocked (see _page_bytes).

Run: `python -m bench.module_page` (or `make bench`, which runs every benchmark).
Knobs: BENCH_CONNECTIONS, BENCH_WARMUP_S, BENCH_ROUND_S, BENCH_ROUNDS.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
from playwright.sync_api import Page, sync_playwright

from bench.fortunes_app import FORTUNES_PATH, FORTUNES_USER_PATH
from bench.server import CHROMIUM_ARGS, DEMO_PASSWORD, demo_env, running

GOAL_RATIO = 0.8
GOAL_BYTES = 60 * 1024
LOGIN = "0812-1000-0001"
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WARMUP_S = float(os.environ.get("BENCH_WARMUP_S", "3"))
ROUND_S = float(os.environ.get("BENCH_ROUND_S", "4"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "6"))

# wrk prints its own report; this adds one JSON line with what we need (p95 included).
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '\\n{"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,' ..
    '"status":%d,"timeout":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write,
    e.status, e.timeout, latency:percentile(50), latency:percentile(95),
    latency:percentile(99)))
end
"""


@contextmanager
def bench_server(tmp: str) -> Iterator[tuple[str, dict[str, str]]]:
    env = demo_env(tmp)
    # The same uvicorn options as `lms serve`, one worker, with the Fortunes routes added.
    command = [sys.executable, "-m", "uvicorn", "--factory", "bench.fortunes_app:build_app"]
    command += ["--host", "127.0.0.1", "--workers", "1", "--no-access-log"]
    command += ["--no-proxy-headers", "--ws", "none"]
    with running(command, env, tmp) as server:
        yield server.url, env


class LoginSession:
    """The participant's cookies from one login, reused for every request.

    The app records a session's last_seen_at at most once a minute; pages served a minute after
    the last record touch it (lms/deps.py optional_user). The load phases are kept to a session
    fresh from login: with the default durations it is one login; longer runs log in again.
    The stale case is checked on its own (_stale_session).
    """

    FRESH_S = 45.0

    def __init__(self, url: str) -> None:
        self.url = url
        self.cookies: dict[str, str] = {}
        self.at = 0.0
        self.logins = 0
        self.login()

    def login(self) -> None:
        with httpx2.Client(base_url=self.url, follow_redirects=False, timeout=30) as client:
            page = client.get("/masuk").text
            token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
            assert token
            response = client.post(
                "/masuk",
                data={"csrf_token": token.group(1), "login": LOGIN, "password": DEMO_PASSWORD},
            )
            assert response.status_code == 303, response.status_code
            self.cookies = {name: value for name, value in client.cookies.items()}
        self.at = time.monotonic()
        self.logins += 1

    def cookie_header(self) -> str:
        if time.monotonic() - self.at > self.FRESH_S:
            self.login()
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())


def _stale_session(url: str, db_path: str, session: LoginSession, path: str) -> dict[str, Any]:
    """The module page for a participant whose session was last recorded two minutes ago
    (read a module for two minutes, then open the next one)."""
    digest = hashlib.sha256(session.cookies["lms_session"].encode()).hexdigest()
    with sqlite3.connect(db_path, timeout=30) as db:
        db.execute(
            "UPDATE user_sessions SET last_seen_at = datetime(last_seen_at, '-2 minutes') "
            "WHERE id = ?",
            (digest,),
        )
    headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())}
    started = time.perf_counter()
    with httpx2.Client(base_url=url, follow_redirects=False, timeout=30) as client:
        status = client.get(path, headers=headers).status_code
    seconds = time.perf_counter() - started
    return {"status": status, "seconds": round(seconds, 2), "ok": status == 200 and seconds < 2}


def _module_paths(db_path: str) -> list[str]:
    with sqlite3.connect(db_path) as db:
        rows = db.execute(
            "SELECT c.slug, m.slug FROM course_modules m "
            "JOIN courses c ON c.current_version_id = m.version_id ORDER BY c.slug, m.position"
        ).fetchall()
    return [f"/kelas/{course}/{module}" for course, module in rows]


def _largest_module(url: str, cookies: dict[str, str], paths: list[str]) -> tuple[str, int]:
    sizes = {}
    with httpx2.Client(base_url=url, cookies=cookies, follow_redirects=False, timeout=30) as c:
        for path in paths:
            response = c.get(path)
            assert response.status_code == 200, (path, response.status_code)
            sizes[path] = len(response.content)
    path = max(sizes, key=lambda p: sizes[p])
    return path, sizes[path]


def _check(url: str, cookies: dict[str, str], path: str, marker: str) -> int:
    """The page as the participant gets it (200, not a redirect to the login); gzip size."""
    headers = {"Accept-Encoding": "gzip"}
    with httpx2.Client(base_url=url, cookies=cookies, follow_redirects=False, timeout=30) as c:
        response = c.get(path, headers=headers)
        assert response.status_code == 200, (path, response.status_code)
        assert marker in response.text, (path, marker)
        assert response.headers.get("content-encoding") == "gzip", path
        return int(response.num_bytes_downloaded)


def _wrk(wrk: str, script: str, url: str, cookie: str, seconds: float) -> dict[str, Any]:
    out = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{CONNECTIONS}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            script,
            "-H",
            f"Cookie: {cookie}",
            "-H",
            "Accept-Encoding: gzip",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = [x for x in out.splitlines() if x.startswith('{"requests"')][-1]
    raw = json.loads(line)
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "requests": raw["requests"],
        "errors": errors,
        "bytes_per_request": raw["bytes"] / max(1, raw["requests"]),
        "p50_ms": raw["p50_us"] / 1000,
        "p95_ms": raw["p95_us"] / 1000,
    }


async def _py_load_async(url: str, cookie: str, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    total_bytes = 0
    headers = {"Cookie": cookie, "Accept-Encoding": "gzip"}
    limits = httpx2.Limits(max_connections=CONNECTIONS, max_keepalive_connections=CONNECTIONS)
    async with httpx2.AsyncClient(limits=limits, timeout=10, follow_redirects=False) as client:
        start = time.perf_counter()
        deadline = start + seconds

        async def worker() -> None:
            nonlocal errors, total_bytes
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    response = await client.get(url, headers=headers)
                    await response.aread()
                    total_bytes += response.num_bytes_downloaded
                    if response.status_code != 200:
                        errors += 1
                except httpx2.HTTPError:
                    errors += 1
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker() for _ in range(CONNECTIONS)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    n = len(latencies)
    return {
        "rps": n / elapsed,
        "requests": n,
        "errors": errors,
        "bytes_per_request": total_bytes / max(1, n),
        "p50_ms": latencies[n // 2] * 1000 if n else 0.0,
        "p95_ms": latencies[min(n - 1, int(n * 0.95))] * 1000 if n else 0.0,
    }


def _load(url: str, cookie: str, seconds: float, wrk: tuple[str, str] | None) -> dict[str, Any]:
    if wrk is not None:
        return _wrk(wrk[0], wrk[1], url, cookie, seconds)
    return asyncio.run(_py_load_async(url, cookie, seconds))


def _median(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "rps": round(statistics.median(r["rps"] for r in rounds), 1),
        "rounds_rps": [round(r["rps"], 1) for r in rounds],
        "p50_ms": round(statistics.median(r["p50_ms"] for r in rounds), 2),
        "p95_ms": round(statistics.median(r["p95_ms"] for r in rounds), 2),
        "errors": sum(r["errors"] for r in rounds),
        "requests": sum(r["requests"] for r in rounds),
        "bytes_per_request": round(statistics.median(r["bytes_per_request"] for r in rounds)),
    }


def _throughput(
    url: str, session: LoginSession, targets: dict[str, str], tmp: str
) -> tuple[str, dict[str, dict[str, Any]]]:
    wrk: tuple[str, str] | None = None
    executable = shutil.which("wrk")
    if executable:
        script = os.path.join(tmp, "report.lua")
        Path(script).write_text(WRK_SCRIPT)
        wrk = (executable, script)
    for path in targets.values():
        _load(url + path, session.cookie_header(), WARMUP_S, wrk)
    rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in targets}
    for _ in range(ROUNDS):
        for name, path in targets.items():
            rounds[name].append(_load(url + path, session.cookie_header(), ROUND_S, wrk))
    return ("wrk" if wrk else "httpx2-asyncio"), {k: _median(v) for k, v in rounds.items()}


def _weigh(page: Page, url: str) -> tuple[int, dict[str, int], int]:
    """Bytes on the wire for url and everything it loads, counted like bench/page_weight.py
    (encodedDataLength of every finished response: body plus headers, cache disabled)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}

    def sent(event: dict[str, Any]) -> None:
        urls[event["requestId"]] = event["request"]["url"]

    def finished(event: dict[str, Any]) -> None:
        sizes[event["requestId"]] = int(event.get("encodedDataLength", 0))

    cdp.on("Network.requestWillBeSent", sent)
    cdp.on("Network.loadingFinished", finished)
    response = page.goto(url, wait_until="networkidle")
    cdp.detach()
    status = response.status if response else 0
    base = url.split("/kelas/")[0]
    parts = {urls.get(k, k).removeprefix(base): v for k, v in sizes.items()}
    return sum(sizes.values()), parts, status


def _page_bytes(url: str, path: str) -> tuple[int, dict[str, int]]:
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        # Service workers blocked: an installed one answers from its own cache, and its fetches
        # are not the page's (the page's CDP session then sees 0 bytes). Empty cache, no worker:
        # the module page and all its CSS and JavaScript come over the network.
        context = browser.new_context(
            viewport={"width": 360, "height": 800}, service_workers="block"
        )
        page = context.new_page()
        page.goto(url + "/masuk")
        page.fill("#f-login", LOGIN)
        page.fill("#f-password", DEMO_PASSWORD)
        page.click("button.primary")
        page.wait_for_url("**/beranda")
        total, parts, status = _weigh(page, url + path)
        assert status == 200, (path, status)
        assert page.locator("section.finish").count() == 1, "not the module page"
        browser.close()
    return total, parts


def run() -> dict[str, Any]:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        db_path = f"{tmp}/bench.db"
        with bench_server(tmp) as (url, _env):
            session = LoginSession(url)
            module_path, html_bytes = _largest_module(url, session.cookies, _module_paths(db_path))
            marker = 'class="finish card"'
            _check(url, session.cookies, module_path, marker)
            _check(url, session.cookies, FORTUNES_PATH, "<table>")
            _check(url, session.cookies, FORTUNES_USER_PATH, "<table>")
            targets = {
                "module": module_path,
                "fortunes": FORTUNES_PATH,
                "fortunes_user": FORTUNES_USER_PATH,
            }
            tool, figures = _throughput(url, session, targets, tmp)
            # Still logged in after the load (a redirect to /masuk would not count as an error).
            _check(url, session.cookies, module_path, marker)
            stale = _stale_session(url, db_path, session, module_path)
            page_bytes, parts = _page_bytes(url, module_path)
    module, fortunes = figures["module"], figures["fortunes"]
    ratio = module["rps"] / fortunes["rps"] if fortunes["rps"] else 0.0
    logged_in = figures["fortunes_user"]["rps"] / fortunes["rps"] if fortunes["rps"] else 0.0
    # Each round's module figure against the Fortunes figure measured right after it: the
    # machine's other load changes less between neighbours than across the run.
    paired = [
        round(m / f, 3)
        for m, f in zip(module["rounds_rps"], fortunes["rounds_rps"], strict=True)
        if f
    ]
    # The figure judged is the median of these paired ratios, which drift in the machine's
    # background load cannot bias the way a ratio of two separate medians can.
    ratio = statistics.median(paired) if paired else 0.0
    errors = sum(f["errors"] for f in figures.values())
    return {
        "benchmark": "module_page",
        "module_path": module_path,
        "page_html_bytes": html_bytes,
        "load_generator": tool,
        "connections": CONNECTIONS,
        "round_s": ROUND_S,
        "rounds": ROUNDS,
        "logins": session.logins,
        **figures,
        # The Fortunes page behind the login, against the same page without it.
        "fortunes_user_ratio": round(logged_in, 3),
        "stale_session": stale,
        "module_page_parts": parts,
        "module_rps": module["rps"],
        "fortunes_rps": fortunes["rps"],
        "ratio": round(ratio, 3),
        "ratio_by_round": paired,
        "goal_ratio": GOAL_RATIO,
        "errors": errors,
        "module_page_bytes": page_bytes,
        "goal_bytes": GOAL_BYTES,
        "runtime_s": round(time.monotonic() - started, 1),
        "ok": (ratio >= GOAL_RATIO and page_bytes <= GOAL_BYTES and errors == 0 and stale["ok"]),
    }


if __name__ == "__main__":
    print(json.dumps(run()))
