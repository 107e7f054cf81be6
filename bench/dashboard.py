"""The dinas dashboard at national scale: the country, a province and a kabupaten in one run.

Data: `lms demo --scale national` (one KDKMP per village, 83,762; four officials each; angkatan
with sessions, attendance and quiz attempts), on PostgreSQL and on SQLite. Generating it takes
minutes, so a database that already holds it is reused (`--fresh` makes it again).

Each view is the whole page served by `lms serve` to a signed-in national admin, with the
figures and charts of every child region: the country (38 provinces), the largest province
(Jawa Tengah, 35 kabupaten/kota) and its largest kabupaten (by villages). The views are loaded
in turns so that they share the machine's state; the figure is the median and p95 of the
server time after a warm-up.

Goal (the issue's): the cost grows with the regions shown, not the participants: the national
view at most 3x the kabupaten view, and each under 300 ms (p95).

Run: `python -m bench.dashboard [--fresh] [--only postgresql|sqlite]` (part of `make bench`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2

from bench.server import running

GOAL_MS = 300.0
GOAL_RATIO = 3.0
LOADS = 25
WARM = 3
PROVINCE = "33"  # Jawa Tengah
PG_URL = os.environ.get(
    "LMS_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/lms_bench_national"
)
SQLITE_PATH = Path(os.environ.get("LMS_BENCH_SQLITE", "var/bench-national.db"))
ADMIN = "admin.bench@nasional.test"
PASSWORD = "bench-nasional-1"
SECRET = "bench-secret-key-0123456789-abcdefghijkl"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def _say(text: str) -> None:
    print(f"[dashboard] {text}", file=sys.stderr, flush=True)


def _env(url: str) -> dict[str, str]:
    root = str(Path(__file__).resolve().parent.parent)
    return {
        **os.environ,
        "LMS_DATABASE_URL": url,
        "LMS_ENV": "test",
        "LMS_SECRET_KEY": SECRET,
        "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
    }


def _cli(env: dict[str, str], *args: str) -> None:
    # Progress goes to stderr: stdout carries only the JSON line.
    subprocess.run([sys.executable, "-m", "lms.cli", *args], env=env, check=True, stdout=sys.stderr)


def _counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    from lms.accounts.models import User
    from lms.cohorts.models import Attendance, Cohort
    from lms.db import Database, make_engine
    from lms.regions.models import Koperasi
    from lms.reports.models import PersonFact

    engine = make_engine(url)
    try:
        with Database(engine).session() as session:
            return {
                "koperasi": session.scalar(select(func.count()).select_from(Koperasi)) or 0,
                "users": session.scalar(select(func.count()).select_from(User)) or 0,
                "cohorts": session.scalar(select(func.count()).select_from(Cohort)) or 0,
                "attendance": session.scalar(select(func.count()).select_from(Attendance)) or 0,
                "facts": session.scalar(select(func.count()).select_from(PersonFact)) or 0,
            }
    finally:
        engine.dispose()


def _reset_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def _has_national(url: str) -> bool:
    try:
        counts = _counts(url)
    except Exception:  # no database or no schema yet: make it
        return False
    return counts["koperasi"] >= 83_000 and counts["facts"] >= 300_000


def prepare(url: str, *, fresh: bool) -> tuple[dict[str, str], float | None]:
    """The national data at `url` (made unless there already); returns the env and the
    seconds generation took (None when reused)."""
    env = _env(url)
    if not fresh and _has_national(url):
        _say(f"reusing the national data at {url}")
        _cli(env, "db", "upgrade")
        return env, None
    if url.startswith("postgresql"):
        _reset_postgres(url)
    else:
        path = Path(url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    _say(f"generating the national data at {url} (minutes) ...")
    started = time.perf_counter()
    _cli(env, "db", "upgrade")
    _cli(env, "regions", "load")
    _cli(env, "courses", "sync")
    _cli(env, "demo", "--scale", "national")
    return env, time.perf_counter() - started


def _admin(env: dict[str, str]) -> None:
    """The national admin the benchmark signs in as (made once)."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "lms.cli",
            "users",
            "create",
            "--role",
            "admin",
            "--email",
            ADMIN,
            "--name",
            "Admin Tolok Ukur",
            "--password",
            PASSWORD,
        ],
        env=env,
        check=False,
        capture_output=True,
    )


def _largest_regency(url: str) -> tuple[str, str, int]:
    from sqlalchemy import func, select

    from lms.db import Database, make_engine
    from lms.regions.models import Koperasi, Region

    engine = make_engine(url)
    try:
        with Database(engine).session() as session:
            code, villages = session.execute(
                select(Koperasi.regency_code, func.count())
                .where(Koperasi.province_code == PROVINCE)
                .group_by(Koperasi.regency_code)
                .order_by(func.count().desc(), Koperasi.regency_code)
                .limit(1)
            ).one()
            name = session.scalar(select(Region.name).where(Region.code == code)) or code
            return code, name, villages
    finally:
        engine.dispose()


def _login(client: httpx2.Client) -> None:
    page = client.get("/masuk").text
    token = CSRF_RE.search(page)
    assert token
    done = client.post(
        "/masuk", data={"login": ADMIN, "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert done.status_code == 303, done.text[:300]


def measure(env: dict[str, str], regency: str) -> dict[str, Any]:
    views = {
        "national": "/laporan",
        "province": f"/laporan/wilayah/{PROVINCE}",
        "kabupaten": f"/laporan/wilayah/{regency}",
    }
    times: dict[str, list[float]] = {k: [] for k in views}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as tmp:
        command = [sys.executable, "-m", "lms.cli", "serve", "--workers", "1"]
        with (
            running(command, env, tmp) as server,
            httpx2.Client(base_url=server.url, timeout=60) as client,
        ):
            _login(client)
            for round_no in range(WARM + LOADS):
                for name, path in views.items():
                    start = time.perf_counter()
                    response = client.get(path)
                    elapsed = (time.perf_counter() - start) * 1000
                    assert response.status_code == 200, (path, response.status_code)
                    if round_no >= WARM:
                        times[name].append(elapsed)
                    sizes[name] = len(response.content)
    out: dict[str, Any] = {}
    for name, values in times.items():
        values.sort()
        out[name] = {
            "median_ms": round(statistics.median(values), 1),
            "p95_ms": round(values[int(0.95 * (len(values) - 1))], 1),
            "html_bytes": sizes[name],
        }
    out["ratio_national_to_kabupaten"] = round(
        out["national"]["median_ms"] / out["kabupaten"]["median_ms"], 2
    )
    out["ok"] = (
        out["ratio_national_to_kabupaten"] <= GOAL_RATIO
        and max(out[k]["p95_ms"] for k in views) < GOAL_MS
    )
    return out


def run(fresh: bool = False, only: str | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "benchmark": "dashboard",
        "goal": {"each_p95_ms_under": GOAL_MS, "national_to_kabupaten_at_most": GOAL_RATIO},
    }
    backends = {"postgresql": PG_URL, "sqlite": f"sqlite:///{SQLITE_PATH.resolve()}"}
    for backend, url in backends.items():
        if only and backend != only:
            continue
        env, generated_s = prepare(url, fresh=fresh)
        _admin(env)
        regency, name, villages = _largest_regency(url)
        _say(f"{backend}: timing the country, province {PROVINCE} and {name} ({villages} desa)")
        figures = measure(env, regency)
        figures["data"] = _counts(url)
        figures["kabupaten_shown"] = f"{regency} {name}"
        if generated_s is not None:
            figures["generated_s"] = round(generated_s, 1)
        result[backend] = figures
    ran = [result[b] for b in backends if b in result]
    result["ok"] = bool(ran) and all(r["ok"] for r in ran)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="generate the data again")
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    args = parser.parse_args()
    result = run(fresh=args.fresh, only=args.only)
    print(json.dumps(result))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
