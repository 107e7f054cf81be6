"""Resident memory of one web worker serving the demo data (bar: under 100 MB).

The worker is exercised first: every demo role logs in and opens its pages, a hall of logins
hashes passwords at once, the region search scans the 83,762 villages, and participants open
practice books, post entries and download them as workbooks, and take a case-study quiz
(journal questions) from start to result; staff open the demo angkatan, its roll call and the
rotating check-in QR, the angkatan's certificates page and the dinas dashboard.
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
    "/latihan",
    "/kuis",
    # The demo angkatan (116 people): its page, members, roll call and the projector's QR.
    "/angkatan",
    "/angkatan/bimtek-kdkmp-kab-tangerang-angkatan-i",
    "/angkatan/bimtek-kdkmp-kab-tangerang-angkatan-i/peserta",
    "/angkatan/bimtek-kdkmp-kab-tangerang-angkatan-i/sesi/2/presensi",
    "/angkatan/bimtek-kdkmp-kab-tangerang-angkatan-i/sesi/2/qr",
    # Its certificates page (everyone's standing against the rule) and the public check.
    "/angkatan/bimtek-kdkmp-kab-tangerang-angkatan-i/sertifikat",
    "/v",
]
# The dashboard, which staff open (each lands on its own region; the admin on the country): a
# kecamatan, a koperasi and a CSV download.
DASHBOARD = [
    "/laporan",
    "/laporan/wilayah/36.03.01",
    "/laporan/koperasi/1",
    "/laporan/ekspor/wilayah.csv",
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
        if not login.startswith("0812"):
            for path in DASHBOARD:
                client.get(path)
        if login.startswith("0812"):
            fresh = re.search(r'name="csrf_token" value="([0-9a-f]+)"', client.get("/latihan").text)
            assert fresh  # (the token changes at login)
            _practise(client, fresh.group(1))
            _quiz(client, fresh.group(1))


def _practise(client: httpx2.Client, token: str) -> None:
    """A participant opens a practice book, posts an entry and downloads the workbook."""
    opened = client.post(
        "/latihan", data={"csrf_token": token, "skenario": "gerai-sembako-bulan-pertama"}
    )
    assert opened.status_code == 303, opened.status_code
    book = opened.headers["location"]
    client.get(book)
    entry = {
        "csrf_token": token,
        "tanggal": "2025-12-24",
        "keterangan": "Beli token listrik gerai",
        "baris": "2",
        "akun-0": "5-103",
        "debit-0": "Rp450.000",
        "akun-1": "1-102",
        "kredit-1": "Rp450.000",
    }
    posted = client.post(book + "/jurnal", data=entry)
    assert posted.status_code == 303, posted.status_code
    client.get(book)
    client.get(book + "/ekspor.xlsx")


def _quiz(client: httpx2.Client, token: str) -> None:
    """A participant takes the journal quiz of Modul 3: start, answer, submit, read the review."""
    started = client.post("/kuis/pembukuan/simpanan-pinjaman/mulai", data={"csrf_token": token})
    assert started.status_code == 303, started.status_code
    attempt = started.headers["location"]
    page = client.get(attempt).text
    journal = re.search(r'data-soal="([a-z0-9-]+)"[^>]*>[\s\S]*?name="t1-akun"', page)
    assert journal
    for rev, amount in enumerate(("750.000", "Rp750.000"), start=1):
        saved = client.post(
            attempt + "/jawab",
            data={
                "csrf_token": token,
                "soal": journal.group(1),
                "rev": str(rev),
                "t1-akun": ["1-104", "2-102"],
                "t1-debit": [amount, ""],
                "t1-kredit": ["", amount],
            },
            headers={"HX-Request": "true"},
        )
        assert saved.status_code == 200, saved.status_code
    done = client.post(attempt + "/kirim", data={"csrf_token": token})
    assert done.status_code == 303, done.status_code
    client.get(attempt + "/hasil")


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
