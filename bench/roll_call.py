"""The roll-call page of a 350-person sesi (the largest Bimtek hall), served by `lms serve`.

Measured on the demo data with the Kab. Tangerang angkatan grown to 350 members:
- GET of the roll-call page: server time p50/p95 over repeated loads, HTML bytes raw and gzip;
- one status tap (the htmx POST that returns the row and the summary): p50/p95;
- "semua hadir" for the whole hall: one POST;
- the page with everything it loads in headless Chromium at 360 px, empty cache (bytes on the
  wire), and how long Chromium takes until the list is usable (DOMContentLoaded).
Bar (ours; the issue asks for the figure): the page is served in under 500 ms at p95 and weighs
at most the module page's 60 KB on the wire.

Run: `python -m bench.roll_call` (also part of `make bench`).
"""

from __future__ import annotations

import gzip
import json
import re
import statistics
import sys
import tempfile
import time
from typing import Any

import httpx2
from playwright.sync_api import sync_playwright

from bench.page_weight import _weigh
from bench.server import CHROMIUM_ARGS, DEMO_PASSWORD, demo_env, running

HALL = 350
LOADS = 30
TAPS = 30
GOAL_P95_MS = 500
GOAL_BYTES = 60 * 1024
OPERATOR = "dinas.tangerang@demo.test"
COHORT = "bimtek-kdkmp-kab-tangerang-angkatan-i"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _grow_hall(env: dict[str, str]) -> int:
    """Add peserta of Kab. Tangerang to the demo angkatan until it holds HALL people; returns
    the id of the sesi under way (the demo's second sesi)."""
    import os

    os.environ.update({k: v for k, v in env.items() if k.startswith("LMS_")})
    from sqlalchemy import func, select

    from lms.accounts.models import Jabatan, Role, User
    from lms.accounts.passwords import UNUSABLE
    from lms.cohorts.models import Cohort, CohortMember, CohortSession
    from lms.cohorts.services import add_members
    from lms.db import Database, make_engine
    from lms.regions.models import Koperasi

    database = Database(make_engine(env["LMS_DATABASE_URL"]))
    with database.session(write=True) as session:
        cohort = session.scalars(select(Cohort).where(Cohort.slug == COHORT)).one()
        have = session.scalar(select(func.count()).where(CohortMember.cohort_id == cohort.id)) or 0
        koperasi = list(session.scalars(select(Koperasi).where(Koperasi.regency_code == "36.03")))
        people = []
        for n in range(HALL - have):
            place = koperasi[n % len(koperasi)]
            people.append(
                User(
                    name=f"Anggota Bimtek {n:03d}",
                    phone=f"+628133{n:07d}",
                    password_hash=UNUSABLE,
                    role=Role.PESERTA,
                    jabatan=Jabatan.ANGGOTA,
                    koperasi_id=place.id,
                    province_code="36",
                    regency_code="36.03",
                )
            )
        session.add_all(people)
        session.flush()
        add_members(session, cohort, [p.id for p in people])
        sesi = session.scalars(
            select(CohortSession)
            .where(CohortSession.cohort_id == cohort.id)
            .order_by(CohortSession.starts_at)
        ).all()[1]
        session.commit()
        return sesi.id


def _ms(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p95_ms": round(ordered[int(0.95 * (len(ordered) - 1))] * 1000, 1),
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as tmp:
        env = demo_env(tmp)
        sesi_id = _grow_hall(env)
        command = [sys.executable, "-m", "lms.cli", "serve", "--workers", "1"]
        with running(command, env, tmp) as server:
            path = f"/angkatan/{COHORT}/sesi/{sesi_id}/presensi"
            with httpx2.Client(base_url=server.url, headers={"Accept-Encoding": "gzip"}) as web:
                token = CSRF_RE.search(web.get("/masuk").text)
                assert token
                login = web.post(
                    "/masuk",
                    data={"csrf_token": token[1], "login": OPERATOR, "password": DEMO_PASSWORD},
                )
                assert login.status_code == 303, login.status_code
                page = web.get(path)
                assert page.status_code == 200 and page.text.count('<li id="p') == HALL
                html = page.content
                loads = []
                for _ in range(LOADS):
                    started = time.perf_counter()
                    assert web.get(path).status_code == 200
                    loads.append(time.perf_counter() - started)
                csrf = CSRF_RE.search(page.text)
                assert csrf
                people = re.findall(r'<li id="p(\d+)"', page.text)
                taps = []
                for n in range(TAPS):
                    started = time.perf_counter()
                    tap = web.post(
                        f"{path}/{people[n]}",
                        data={"csrf_token": csrf[1], "status": "izin" if n % 2 else "hadir"},
                        headers={"HX-Request": "true"},
                    )
                    taps.append(time.perf_counter() - started)
                    assert tap.status_code == 200
                started = time.perf_counter()
                everyone = web.post(
                    f"/angkatan/{COHORT}/sesi/{sesi_id}/semua-hadir",
                    data={"csrf_token": csrf[1]},
                )
                all_present_ms = round((time.perf_counter() - started) * 1000, 1)
                assert everyone.status_code == 303
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                context = browser.new_context(
                    viewport={"width": 360, "height": 800}, service_workers="block"
                )
                tab = context.new_page()
                tab.goto(server.url + "/masuk")
                tab.fill("#f-login", OPERATOR)
                tab.fill("#f-password", DEMO_PASSWORD)
                tab.click("button.primary")
                tab.wait_for_url("**/beranda")
                wire = _weigh(tab, server.url + path)
                started = time.perf_counter()
                tab.goto(server.url + path, wait_until="domcontentloaded")
                ready_ms = round((time.perf_counter() - started) * 1000, 1)
                browser.close()
    load = _ms(loads)
    result = {
        "benchmark": "roll_call",
        "people": HALL,
        "page": load,
        "html_bytes": len(html),
        "html_gzip_bytes": len(gzip.compress(html)),
        "wire_bytes": wire,
        "browser_ready_ms": ready_ms,
        "tap": _ms(taps),
        "all_present_ms": all_present_ms,
        "goal": {"page_p95_ms": GOAL_P95_MS, "wire_bytes": GOAL_BYTES},
        "ok": load["p95_ms"] <= GOAL_P95_MS and wire <= GOAL_BYTES,
    }
    return result


if __name__ == "__main__":
    print(json.dumps(run()))
