"""Login cards and the daftar hadir as PDF, read back with pypdf."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from datetime import UTC, date, datetime
from typing import Any

import pytest
from pypdf import PdfReader

try:
    import weasyprint  # noqa: F401
except OSError as exc:  # Pango/HarfBuzz missing: WeasyPrint cannot even be imported
    pytest.skip(
        f"WeasyPrint's system libraries are missing ({exc}); "
        "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core",
        allow_module_level=True,
    )

from lms.accounts import nik, tokens
from lms.accounts.identifiers import display_phone
from lms.accounts.models import Jabatan, Role
from lms.cohorts import documents
from lms.cohorts.documents import Card, Row, Sheet
from lms.cohorts.models import Attendance
from lms.cohorts.services import add_members
from lms.config import get_settings
from lms.regions.models import Koperasi
from lms.regions.services import village_hit
from tests.factories import CohortFactory, CohortSessionFactory, KoperasiFactory, UserFactory

BASE_URL = "https://lms.contoh.go.id"
TOKEN_URL = re.compile(re.escape(BASE_URL) + r"/k/([A-Za-z0-9_-]{24})")
NIK = "3603019876543210"
LABELS = {"hadir": "Hadir", "terlambat": "Terlambat", "izin": "Izin", "sakit": "Sakit"}
LABELS["alpa"] = "Alpa"


def pages_text(pdf: bytes) -> list[str]:
    assert pdf.startswith(b"%PDF")
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def compact(text: str) -> str:
    # pypdf splits words at kerning pairs ("T angerang") and lines where a cell wraps.
    return re.sub(r"\s+", "", text)


def in_pdf(needle: str, text: str) -> bool:
    return compact(needle) in compact(text)


def in_process(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """Render in this process (faster than a child), through the same JSON as the child gets."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def render(kind: str, payload: dict[str, Any]) -> bytes:
        data = json.loads(json.dumps(payload))
        calls.append((kind, data))
        return documents.RENDERERS[kind](data)

    monkeypatch.setattr(documents, "render_pdf", render)
    return calls


def stub_render(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, dict[str, Any]]]:
    """No PDF at all, for tests about the data and the tokens."""
    calls: list[tuple[str, dict[str, Any]]] = []

    def render(kind: str, payload: dict[str, Any]) -> bytes:
        calls.append((kind, json.loads(json.dumps(payload))))
        return b"%PDF-stub"

    monkeypatch.setattr(documents, "render_pdf", render)
    return calls


def token_of(url: str) -> str:
    match = TOKEN_URL.fullmatch(url)
    assert match, url
    return match[1]


def make_cohort(db, n: int, **cohort_fields: Any):  # type: ignore[no-untyped-def]
    """A cohort of n participants, each the ketua or bendahara of a koperasi of their own,
    created in reverse name order so that name order is the query's doing. Their phone numbers
    are fixed, so that no digit group of the NIK below can appear on a page by chance."""
    cohort = CohortFactory(**cohort_fields)
    people = []
    for i in reversed(range(1, n + 1)):
        koperasi = KoperasiFactory()
        jabatan = Jabatan.KETUA if i % 2 else Jabatan.BENDAHARA
        people.append(
            UserFactory.peserta(
                koperasi, jabatan, name=f"Peserta Daftar {i:02d}", phone=f"+62813900{i:05d}"
            )
        )
    add_members(db, cohort, [p.id for p in people])
    return cohort, sorted(people, key=lambda p: p.name)


# -- login cards -----------------------------------------------------------------------------------


def test_login_cards_through_the_child_process(db, monkeypatch):
    cohort, people = make_cohort(db, 9, ends_on=date(2031, 9, 23))
    secret = get_settings().secret_key
    with_nik = people[3]
    with_nik.nik_cipher = nik.encrypt(secret, NIK)
    with_nik.nik_hash = nik.lookup_hash(secret, NIK)
    with_nik.nik_last4 = NIK[-4:]
    # Someone without a phone logs in with the e-mail address printed on the card.
    by_email = UserFactory.staff(Role.PENDAMPING, "36.03", name="Peserta Daftar 10")
    by_email.jabatan = Jabatan.PENDAMPING
    add_members(db, cohort, [by_email.id], source="manual")
    UserFactory(name="Bukan Peserta Angkatan")
    people.append(by_email)
    people[0].phone = "+6281234567890"
    db.flush()
    sent: list[dict[str, Any]] = []
    real_render = documents.render_pdf

    def spy(kind: str, payload: dict[str, Any]) -> bytes:
        sent.append(payload)
        return real_render(kind, payload)

    monkeypatch.setattr(documents, "render_pdf", spy)
    pdf = documents.login_cards(db, cohort, BASE_URL + "/")

    texts = pages_text(pdf)
    assert len(texts) == 2  # ceil(10 / 8)
    text = "\n".join(texts)
    assert in_pdf("0812-3456-7890", text)  # the phone number as people write it
    for person in people:
        assert in_pdf(person.name, text), person.name
        username = display_phone(person.phone) if person.phone else person.email
        assert username and in_pdf(username, text), username
    assert by_email.email and in_pdf(by_email.email, text)
    for label in ("Ketua", "Bendahara", "Pendamping"):
        assert in_pdf(label, text)
    assert "Bukan Peserta" not in text
    assert in_pdf(cohort.name, text)
    assert in_pdf("Pindai kode ini dengan kamera HP untuk masuk.", text)
    assert in_pdf("Kode hanya berlaku satu kali, sampai 23 September 2031.", text)
    assert in_pdf("Halaman 1 dari 2", texts[0])

    # No NIK, whole or in part, on the cards or in what the worker sent to the child.
    assert NIK not in compact(text) and NIK[-4:] not in text
    assert NIK[-4:] not in json.dumps(sent)

    # Every printed URL is {base_url}/k/<token>, a one-time login for the card's own person.
    printed = TOKEN_URL.findall(compact(text))
    assert len(printed) == len(people) == len(set(printed))
    cards = sent[0]["cards"]
    assert [c["name"] for c in cards] == [p.name for p in people]
    assert sorted(token_of(c["url"]) for c in cards) == sorted(printed)
    by_name = {p.name: p for p in people}
    for card in cards:
        user, why = tokens.redeem(db, token_of(card["url"]))
        assert why is None and user is not None
        assert user.id == by_name[card["name"]].id


def test_reprinting_revokes_the_earlier_cards(db, monkeypatch):
    cohort, people = make_cohort(db, 3)
    calls = stub_render(monkeypatch)
    documents.login_cards(db, cohort, BASE_URL)
    first = {c["name"]: token_of(c["url"]) for c in calls[0][1]["cards"]}
    lost = people[1]

    documents.login_cards(db, cohort, BASE_URL, user_ids=[lost.id])
    reprinted = calls[1][1]["cards"]
    assert [c["name"] for c in reprinted] == [lost.name]

    assert tokens.redeem(db, first[lost.name]) == (None, "revoked")
    user, why = tokens.redeem(db, token_of(reprinted[0]["url"]))
    assert why is None and user is not None and user.id == lost.id
    # The others' cards were not reprinted and still work.
    user, why = tokens.redeem(db, first[people[0].name])
    assert why is None and user is not None and user.id == people[0].id


def test_cards_only_for_active_members_and_in_few_queries(db, monkeypatch, count_queries):
    cohort, people = make_cohort(db, 12)
    people[5].is_active = False
    stranger = UserFactory()
    db.flush()
    calls = stub_render(monkeypatch)
    count_queries.statements.clear()
    documents.login_cards(db, cohort, BASE_URL, user_ids=[p.id for p in people] + [stranger.id])
    # One SELECT of the people (koperasi, desa, kecamatan joined), the revoking UPDATE and the
    # INSERT of the tokens, however many people there are.
    assert count_queries.count <= 3, count_queries.statements
    cards = calls[0][1]["cards"]
    assert [c["name"] for c in cards] == [p.name for p in people if p.is_active]
    koperasi = db.get(Koperasi, people[0].koperasi_id)
    hit = village_hit(db, koperasi.village_code)
    assert hit is not None and not hit.is_kelurahan
    assert cards[0]["koperasi"] == koperasi.name
    assert cards[0]["place"] == f"Desa {hit.name}, Kec. {hit.district}"
    assert cards[0]["jabatan"] == "Ketua" and cards[0]["username"] == "0813-9000-0001"


# -- the pure card renderer --------------------------------------------------------------------


@pytest.fixture(scope="module")
def card_pdf() -> tuple[list[Card], list[str]]:
    cards = [
        Card(
            name=f"Nama Peserta Kartu {i:02d}",
            jabatan="Bendahara",
            koperasi="Koperasi Desa Merah Putih Sukamaju",
            place="Desa Sukamaju, Kec. Cikupa",
            username=f"0813-0000-{i:04d}",
            url=f"{BASE_URL}/k/{'A' * 20}{i:04d}",
            expires=date(2025, 9, 23),
        )
        for i in range(1, 18)
    ]
    # A long e-mail address is printed whole, in a smaller type, never cut.
    cards[16].username = "pendamping.kecamatan.cikupa.tangerang@dinaskoperasi.example.go.id"
    return cards, pages_text(documents.render_login_cards("Bimtek Uji", cards))


def test_eight_cards_a_page(card_pdf):
    cards, texts = card_pdf
    assert len(texts) == 3
    assert [t.count("KARTU MASUK") for t in texts] == [8, 8, 1]
    assert in_pdf("Halaman 3 dari 3", texts[2])
    for card in cards:
        assert in_pdf(card.url, "".join(texts))
    assert in_pdf(cards[16].username, texts[2])


def test_no_cards_is_one_page_that_says_so():
    texts = pages_text(documents.render_login_cards("Bimtek Uji", []))
    assert len(texts) == 1
    assert "Tidak ada peserta" in texts[0]


# -- daftar hadir ----------------------------------------------------------------------------------


def test_daftar_hadir_of_a_sesi(db, monkeypatch, count_queries):
    cohort, people = make_cohort(
        db,
        40,
        starts_on=date(2025, 9, 22),
        ends_on=date(2025, 9, 23),
        venue="Hotel Uji, Jl. Raya Serang, Tigaraksa",
    )
    narasumber = UserFactory.staff(Role.NARASUMBER, name="Dr. Narasumber Uji")
    sesi = CohortSessionFactory(
        cohort=cohort,
        starts_at=datetime(2025, 9, 22, 1, 30, tzinfo=UTC),
        ends_at=datetime(2025, 9, 22, 3, 0, tzinfo=UTC),
        topic="Pembukuan dasar koperasi",
        narasumber_id=narasumber.id,
    )
    other = CohortSessionFactory(cohort=cohort, topic="Sesi lain")
    statuses = ["hadir", "hadir", "terlambat", "izin", "sakit", "alpa", ""]
    expected = {}
    for i, person in enumerate(people):
        status = statuses[i % len(statuses)]
        expected[person.name] = status
        if status:
            db.add(
                Attendance(session_id=sesi.id, user_id=person.id, status=status, method="daftar")
            )
        # Attendance at another sesi never shows on this one.
        db.add(Attendance(session_id=other.id, user_id=person.id, status="alpa", method="daftar"))
    secret = get_settings().secret_key
    people[0].nik_cipher = nik.encrypt(secret, NIK)
    people[0].nik_last4 = NIK[-4:]
    db.flush()
    calls = in_process(monkeypatch)
    count_queries.statements.clear()

    pdf = documents.attendance_sheet(db, cohort, sesi)

    # The people with their attendance, the narasumber's name, the region only if needed.
    assert count_queries.count <= 3, count_queries.statements
    texts = pages_text(pdf)
    pages = len(texts)
    assert pages >= 2
    text = "\n".join(texts)
    first = texts[0]
    for needle in (
        "DINAS KOPERASI DAN UKM KABUPATEN TANGERANG",
        "DAFTAR HADIR",
        cohort.name,
        "Pembukuan dasar koperasi",
        "Dr. Narasumber Uji",
        "Senin, 22 September 2025",
        "08.30–10.00 WIB",
        "Hotel Uji, Jl. Raya Serang, Tigaraksa",
        "No Nama Jabatan Koperasi / Desa Status Tanda tangan",
        f"Halaman 1 dari {pages}",
    ):
        assert in_pdf(needle, first), needle
    # The header row repeats on the next page.
    assert in_pdf("No Nama Jabatan Koperasi / Desa Status Tanda tangan", texts[1])
    assert in_pdf(f"Halaman 2 dari {pages}", texts[1])

    # Every member once, in name order, with the status of this sesi (empty when unmarked).
    flat = compact(text)
    positions = [flat.index(compact(p.name)) for p in people]
    assert positions == sorted(positions)
    positions.append(flat.index(compact("Jumlah peserta")))
    for i, person in enumerate(people):
        row = flat[positions[i] : positions[i + 1]]
        shown = [label for label in LABELS.values() if label in row]
        want = expected[person.name]
        assert shown == ([LABELS[want]] if want else []), (person.name, row)
        assert f"{i + 1}." in row  # the number in the signature cell

    counts = {label: sum(1 for s in expected.values() if s == key) for key, label in LABELS.items()}
    summary = ", ".join(f"{label} {n}" for label, n in counts.items())
    unmarked = sum(1 for s in expected.values() if not s)
    assert in_pdf(f"Jumlah peserta: 40 orang — {summary}; belum diisi {unmarked}.", text)
    last = texts[-1]
    assert in_pdf("Tigaraksa, 22 September 2025", last)
    assert in_pdf("Kepala Bidang Kelembagaan Koperasi", last)
    assert in_pdf("Drs. Pejabat Uji, M.Si.", last)
    assert in_pdf("NIP. 19700101 199503 1 001", last)

    assert NIK not in flat and NIK[-4:] not in text
    assert "nik" not in json.dumps(calls[0][1]).lower()


def test_daftar_hadir_place_from_the_region_when_the_venue_has_no_comma(db, monkeypatch):
    cohort, _people = make_cohort(db, 1, venue="Aula Dinas Koperasi")
    sesi = CohortSessionFactory(cohort=cohort)
    calls = stub_render(monkeypatch)
    documents.attendance_sheet(db, cohort, sesi)
    assert calls[0][1]["sheet"]["place"] == "Tangerang"
    with pytest.raises(ValueError):
        documents.attendance_sheet(db, CohortFactory(), sesi)


def test_daftar_hadir_without_an_officer_leaves_lines_to_fill_in():
    sheet = Sheet(
        organizer="Dinas Koperasi, UKM, Perindustrian dan Perdagangan Kota Serang",
        event="Bimtek KDKMP Kota Serang",
        topic="Tata kelola",
        starts_at=datetime(2025, 10, 6, 0, 0, tzinfo=UTC),
        ends_at=datetime(2025, 10, 6, 2, 0, tzinfo=UTC),
        timezone="WITA",
        venue="Aula Dinas",
        place="Serang",
        officer_title="",
        officer_name="",
        officer_nip="",
        rows=[Row("Ani <b>Nur</b>", "Ketua", "Koperasi Kelurahan Merah Putih Cipare", "", "")],
        status_labels=LABELS,
    )
    text = pages_text(documents.render_attendance_sheet(sheet))[0]
    assert in_pdf("Senin, 6 Oktober 2025", text)
    assert in_pdf("08.00–10.00 WITA", text)
    assert in_pdf("Ani <b>Nur</b>", text)  # escaped, printed as typed
    assert in_pdf("Pejabat Penanggung Jawab", text)
    assert in_pdf("NIP. ....", text)
    assert in_pdf("belum diisi 1", text)


# -- the child process -----------------------------------------------------------------------------


def test_a_failing_child_reports_its_error():
    with pytest.raises(ValueError, match="unknown document kind"):
        documents.render_pdf("sertifikat", {})
    with pytest.raises(documents.DocumentError, match="KeyError: 'cohort_name'"):
        documents.render_pdf("login_cards", {"cards": []})


def test_a_child_that_hangs_is_reported(monkeypatch):
    def hang(command, **kwargs):  # type: ignore[no-untyped-def]
        raise subprocess.TimeoutExpired(command, kwargs["timeout"], stderr=b"Traceback: stuck")

    monkeypatch.setattr(documents.subprocess, "run", hang)
    with pytest.raises(documents.DocumentError, match=r"no result after 120 s.*stuck"):
        documents.render_pdf("login_cards", {"cohort_name": "x", "cards": []})


def test_the_web_side_never_imports_weasyprint():
    code = (
        "import sys, lms.cohorts.documents; "
        "print(sorted(m for m in ('weasyprint', 'segno') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
