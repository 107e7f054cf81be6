"""Printing for one large angkatan: 350 login cards (44 pages) and a 350-row daftar hadir.

Each document goes the way the web worker sends it: the payload as JSON to a child process
(`python -m lms.cohorts.documents`), which imports WeasyPrint, renders and writes the PDF back,
so the time includes starting that child. The data is synthetic (names, koperasi, desa, statuses
with a fixed seed); the database queries before the render are not timed here.

Reported: seconds per document, pages, PDF size, the largest child's peak resident memory, and
whether the benchmark's own process (standing in for the web worker) ever imported WeasyPrint.
Bar: each document within GOAL_S seconds. Knob: BENCH_DOCUMENTS_PEOPLE (default 350).

Run: `python -m bench.documents`.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import secrets
import sys
import time
from datetime import UTC, date, datetime
from typing import Any

from lms.cohorts.documents import (
    Card,
    Row,
    Sheet,
    cards_payload,
    render_pdf,
    sheet_payload,
)

PEOPLE = int(os.environ.get("BENCH_DOCUMENTS_PEOPLE", "350"))
GOAL_S = 10.0
FIRST = ["Ahmad", "Siti", "Budi", "Dewi", "Nurhaliza", "Muhammad Rizky", "Agus", "Sri Wahyuni"]
LAST = ["Suryadi", "Santoso", "Lestari", "binti Abdul Rahman", "Saputra", "Hidayat", "Kurniawan"]
VILLAGES = ["Bojong", "Sukamanah", "Cikupa", "Pasir Jaya", "Mekar Bakti", "Talagasari"]
DISTRICTS = ["Cikupa", "Rajeg", "Tigaraksa", "Pasar Kemis", "Balaraja"]
STATUSES = ["hadir"] * 6 + ["terlambat", "izin", "sakit", "alpa", ""]
LABELS = {"hadir": "Hadir", "terlambat": "Terlambat", "izin": "Izin", "sakit": "Sakit"}
LABELS["alpa"] = "Alpa"


def _people(rng: random.Random) -> list[dict[str, str]]:
    people = []
    for n in range(PEOPLE):
        village = rng.choice(VILLAGES)
        people.append(
            {
                "name": f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                "jabatan": rng.choice(["Ketua", "Bendahara"]),
                "koperasi": f"Koperasi Desa Merah Putih {village}",
                "place": f"Desa {village}, Kec. {rng.choice(DISTRICTS)}",
                "username": f"0812-1000-{n:04d}",
            }
        )
    return sorted(people, key=lambda p: p["name"])


def _pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def _timed(kind: str, payload: dict[str, Any]) -> tuple[float, bytes]:
    start = time.perf_counter()
    pdf = render_pdf(kind, payload)
    return time.perf_counter() - start, pdf


def run() -> dict[str, Any]:
    rng = random.Random(2025)
    people = _people(rng)
    cards = [
        Card(
            name=p["name"],
            jabatan=p["jabatan"],
            koperasi=p["koperasi"],
            place=p["place"],
            username=p["username"],
            url=f"https://lms.example.go.id/k/{secrets.token_urlsafe(18)}",
            expires=date(2025, 9, 23),
        )
        for p in people
    ]
    sheet = Sheet(
        organizer="Dinas Koperasi dan UKM Kabupaten Tangerang",
        event="Bimtek KDKMP Angkatan I Kabupaten Tangerang Tahun 2025",
        topic="Pembukuan dasar koperasi",
        starts_at=datetime(2025, 9, 22, 1, 30, tzinfo=UTC),
        ends_at=datetime(2025, 9, 22, 3, 0, tzinfo=UTC),
        timezone="WIB",
        venue="Hotel Uji, Tigaraksa",
        place="Tigaraksa",
        officer_title="Kepala Bidang Kelembagaan Koperasi",
        officer_name="Drs. Pejabat Uji, M.Si.",
        officer_nip="197001011995031001",
        rows=[
            Row(p["name"], p["jabatan"], p["koperasi"], p["place"], rng.choice(STATUSES))
            for p in people
        ],
        status_labels=LABELS,
    )
    cards_s, cards_pdf = _timed("login_cards", cards_payload(sheet.event, cards))
    sheet_s, sheet_pdf = _timed("attendance_sheet", sheet_payload(sheet))
    # ru_maxrss of waited-for children is in KiB on Linux: the larger of the two renders.
    child_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    card_pages = _pages(cards_pdf)
    expected_pages = -(-PEOPLE // 8)
    parent_clean = "weasyprint" not in sys.modules
    return {
        "benchmark": "documents",
        "people": PEOPLE,
        "login_cards_s": round(cards_s, 2),
        "login_card_pages": card_pages,
        "login_cards_kb": round(len(cards_pdf) / 1024),
        "attendance_sheet_s": round(sheet_s, 2),
        "attendance_sheet_pages": _pages(sheet_pdf),
        "attendance_sheet_kb": round(len(sheet_pdf) / 1024),
        "child_peak_mb": round(child_mb, 1),
        "parent_imported_weasyprint": not parent_clean,
        "goal_s": GOAL_S,
        "ok": cards_s <= GOAL_S
        and sheet_s <= GOAL_S
        and card_pages == expected_pages
        and parent_clean,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
