"""Resident memory of one web worker serving the demo data (bar: under 100 MB).

The worker is exercised first: every demo role logs in and opens its pages, a hall of logins
hashes passwords at once, and the region search scans the 83,762 villages.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

import httpx2

from bench.server import DEMO_PASSWORD, demo_server

GOAL_MB = 100.0
LOGINS = [
    "admin@demo.test",
    "dinas.tangerang@demo.test",
    "dinas.banten@demo.test",
    "narasumber@demo.test",
] + [f"0812-1000-{n:04d}" for n in range(1, 41)]
PAGES = [
    "/beranda",
    "/koperasi",
    "/koperasi?page=2",
    "/pengguna",
    "/audit",
    "/wilayah?q=bojong",
    "/akun",
]


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as handle:
        match = re.search(r"VmRSS:\s+(\d+) kB", handle.read())
    assert match
    return int(match.group(1)) / 1024


def _session(url: str, login: str) -> None:
    with httpx2.Client(base_url=url, follow_redirects=False, timeout=60) as client:
        page = client.get("/masuk").text
        token = re.search(r'name="csrf_token" value="([0-9a-f]+)"', page)
        assert token
        response = client.post(
            "/masuk", data={"csrf_token": token.group(1), "login": login, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 303, response.status_code
        for path in PAGES:
            client.get(path)


def run() -> dict[str, Any]:
    with demo_server() as server:
        pid = server.process.pid
        idle = _rss_mb(pid)
        threads = [threading.Thread(target=_session, args=(server.url, login)) for login in LOGINS]
        for thread in threads:
            thread.start()
        peak = idle
        while any(t.is_alive() for t in threads):
            peak = max(peak, _rss_mb(pid))
            for thread in threads:
                thread.join(0.02)
        after = _rss_mb(pid)
        peak = max(peak, after)
    return {
        "benchmark": "worker_memory",
        "idle_mb": round(idle, 1),
        "peak_mb": round(peak, 1),
        "after_mb": round(after, 1),
        "concurrent_logins": len(LOGINS),
        "goal_mb": GOAL_MB,
        "ok": peak < GOAL_MB,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
