"""Dashboard downloads: the figures they carry, the region they stay in, and the NIK they hide.

A few tests start the XLSX or PDF child (about a second each); the rest read CSV.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from lms.accounts import nik
from lms.accounts.models import Jabatan, Role
from lms.assessment.models import Quiz, QuizAttempt
from lms.audit.models import AuditEntry
from lms.cohorts.models import Attendance
from lms.cohorts.services import add_members
from lms.config import get_settings
from lms.reports import exports, services
from tests.conftest import login, post
from tests.factories import (
    KAB_TANGERANG,
    KOTA_SERANG,
    CohortFactory,
    CohortSessionFactory,
    KoperasiFactory,
    UserFactory,
)

NIK = "3603011234560001"
SERANG = "ZZSERANGEKSPOR"  # in every Kota Serang name


def _attend(db, sesi, user, status="hadir"):  # type: ignore[no-untyped-def]
    db.add(Attendance(session_id=sesi.id, user_id=user.id, status=status, method="daftar"))


def _score(db, quiz, user, percent):  # type: ignore[no-untyped-def]
    db.add(
        QuizAttempt(
            quiz_id=quiz.id,
            user_id=user.id,
            number=1,
            version_id=quiz.version_id,
            seed=1,
            submitted_at=datetime.now(UTC),
            score=percent,
            max_score=100,
            percent=percent,
            graded_at=datetime.now(UTC),
        )
    )


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    """Kab. Tangerang: an angkatan of two sesi with the ketua and bendahara of one koperasi
    (both pass: ready) and the ketua of another (absent, no quiz). Kota Serang: one person."""
    k1 = KoperasiFactory(regency=KAB_TANGERANG, name="Koperasi Desa Merah Putih Satu")
    k2 = KoperasiFactory(regency=KAB_TANGERANG, name="Koperasi Desa Merah Putih Dua")
    srg = KoperasiFactory(regency=KOTA_SERANG, name=f"Koperasi {SERANG}")
    secret = get_settings().secret_key
    ketua = UserFactory.peserta(
        k1,
        Jabatan.KETUA,
        name="Ahmad Ketua",
        nik_cipher=nik.encrypt(secret, NIK),
        nik_hash=nik.lookup_hash(secret, NIK),
        nik_last4=NIK[-4:],
    )
    bendahara = UserFactory.peserta(k1, Jabatan.BENDAHARA, name="Budi Bendahara")
    absent = UserFactory.peserta(k2, Jabatan.KETUA, name="Citra Ketua")
    stranger = UserFactory.peserta(srg, Jabatan.KETUA, name=f"Dewi {SERANG}")

    quiz = db.scalar(
        select(Quiz).where(Quiz.active.is_(True)).order_by(Quiz.position, Quiz.id).limit(1)
    )
    assert quiz is not None
    cohort = CohortFactory(
        region_code=KAB_TANGERANG,
        min_attendance=50,
        min_quiz_score=60,
        require_modules=False,
        courses=[quiz.course_id],
    )
    now = datetime.now(UTC)
    first = CohortSessionFactory(
        cohort=cohort,
        topic="Pembukuan dasar",
        starts_at=now - timedelta(hours=5),
        ends_at=now - timedelta(hours=4),
    )
    second = CohortSessionFactory(
        cohort=cohort,
        topic="Laporan keuangan",
        starts_at=now - timedelta(hours=3),
        ends_at=now - timedelta(hours=2),
    )
    add_members(db, cohort, [ketua.id, bendahara.id, absent.id])
    _attend(db, first, ketua)
    _attend(db, second, ketua, "terlambat")
    _attend(db, first, bendahara)
    _attend(db, second, bendahara, "alpa")
    _score(db, quiz, ketua, 85.0)
    _score(db, quiz, bendahara, 72.0)

    cohort_srg = CohortFactory(region_code=KOTA_SERANG, name=f"Bimtek {SERANG}")
    add_members(db, cohort_srg, [stranger.id])
    db.flush()
    services.refresh(db, [cohort.id, cohort_srg.id])
    return {
        "k1": k1,
        "k2": k2,
        "srg": srg,
        "ketua": ketua,
        "bendahara": bendahara,
        "absent": absent,
        "cohort": cohort,
        "cohort_srg": cohort_srg,
        "dinas": UserFactory.staff(Role.DINAS, KAB_TANGERANG),
        "pendamping": UserFactory.staff(Role.PENDAMPING, KAB_TANGERANG),
        "banten": UserFactory.staff(Role.DINAS, "36"),
        "admin": UserFactory.staff(Role.ADMIN),
    }


def read_csv(response) -> list[list[str]]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf"), "Excel needs the BOM to read UTF-8"
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def by_name(rows: list[list[str]], column: int = 1) -> dict[str, dict[str, str]]:
    header = rows[0]
    return {row[column]: dict(zip(header, row, strict=True)) for row in rows[1:]}


def test_region_csv_carries_the_dashboard_figures(client, world):
    login(client, world["dinas"])
    response = client.get("/laporan/ekspor/wilayah.csv")  # no wilayah: the dinas's own region
    rows = read_csv(response)
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="laporan-36.03-wilayah-20')
    assert response.headers["cache-control"] == "no-store"
    assert rows[0][:4] == ["kode", "nama", "peserta", "kehadiran %"]
    table = by_name(rows)
    total = table["Jumlah"]
    assert total["kode"] == KAB_TANGERANG
    assert total["peserta"] == "3"
    assert total["kehadiran %"] == "50.0"  # 3 of 6 sesi (terlambat counts, alpa does not)
    assert total["nilai rata-rata"] == "78.5"
    assert total["lulus"] == "2"
    assert total["lulus %"] == "66.7"
    assert total["sertifikat"] == "0"
    assert total["koperasi terjangkau"] == "2"
    assert (total["ketua lulus"], total["bendahara lulus"], total["koperasi siap"]) == (
        "1",
        "1",
        "1",
    )
    district = world["k1"].village_code[:8]
    kecamatan = next(row for row in rows[1:] if row[0] == district)
    assert kecamatan[2] == ("3" if world["k2"].village_code[:8] == district else "2")
    # One row per kecamatan of the kabupaten, then the total.
    assert len(rows) - 2 == sum(1 for r in rows[1:] if r[0].startswith(KAB_TANGERANG + "."))
    assert SERANG not in response.text


def test_region_csv_of_a_kecamatan_names_the_koperasi(client, world):
    login(client, world["dinas"])
    district = world["k1"].village_code[:8]
    rows = read_csv(client.get("/laporan/ekspor/wilayah.csv", params={"wilayah": district}))
    assert rows[0][:3] == ["kode", "nama", "nama koperasi"]
    desa = next(row for row in rows if row[0] == world["k1"].village_code)
    assert desa[2] == "Koperasi Desa Merah Putih Satu"
    assert desa[3] == "2"  # peserta


def test_region_xlsx_has_a_header_block_and_number_formats(client, world):
    login(client, world["dinas"])
    response = client.get("/laporan/ekspor/wilayah.xlsx", params={"jabatan": "ketua"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "-wilayah-20" in response.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    lines = [row[0] for row in sheet.iter_rows(max_col=1, max_row=8, values_only=True) if row[0]]
    assert "Kabupaten Tangerang" in lines[0]
    assert any("Jabatan: Ketua" in line for line in lines)
    assert any(line.startswith("Dibuat: ") for line in lines)
    assert "Sumber: LMS Bimtek KDKMP" in lines
    top = next(r for r in range(1, 12) if sheet.cell(r, 1).value == "kode")
    assert sheet.cell(top, 1).font.b
    assert sheet.freeze_panes == f"A{top + 1}"
    total = next(r for r in range(top, sheet.max_row + 1) if sheet.cell(r, 2).value == "Jumlah")
    assert sheet.cell(total, 3).value == 2  # two ketua
    attendance = sheet.cell(total, 4)
    assert attendance.value == pytest.approx(0.5)  # the ketua attended 2 of 4 sesi
    assert attendance.number_format == "0.0%"
    assert sheet.cell(total, 5).number_format == "0.0"


def test_people_csv_lists_members_and_never_their_nik(client, world):
    login(client, world["dinas"])
    response = client.get("/laporan/ekspor/peserta.csv", params={"wilayah": KAB_TANGERANG})
    rows = read_csv(response)
    assert "peserta-20" in response.headers["content-disposition"]
    assert not any("nik" in heading.lower() for heading in rows[0])
    assert NIK not in response.text and NIK[-4:] not in response.text
    people = by_name(rows, column=0)
    assert set(people) == {"Ahmad Ketua", "Budi Bendahara", "Citra Ketua"}
    ketua = people["Ahmad Ketua"]
    assert ketua["jabatan"] == "Ketua"
    assert ketua["koperasi"] == "Koperasi Desa Merah Putih Satu"
    assert ketua["kode desa"] == world["k1"].village_code
    assert ketua["angkatan"] == world["cohort"].name
    assert (ketua["sesi hadir"], ketua["sesi total"], ketua["kehadiran %"]) == ("2", "2", "100.0")
    assert (ketua["nilai"], ketua["lulus"], ketua["sertifikat"]) == ("85.0", "Ya", "Belum")
    absent = people["Citra Ketua"]
    assert (absent["sesi hadir"], absent["nilai"], absent["lulus"]) == ("0", "", "Belum")

    one = read_csv(client.get("/laporan/ekspor/peserta.csv", params={"koperasi": world["k1"].id}))
    assert {row[0] for row in one[1:]} == {"Ahmad Ketua", "Budi Bendahara"}


def test_the_people_list_reads_the_same_queries_whatever_its_length(
    client, world, db, count_queries
):
    login(client, world["dinas"])

    def queries() -> int:
        start = count_queries.count
        read_csv(client.get("/laporan/ekspor/peserta.csv"))
        return count_queries.count - start

    services.refresh_pending(db)  # what is counted is the export, not bringing facts up to date
    few = queries()
    more = [UserFactory.peserta(world["k2"], Jabatan.ANGGOTA) for _ in range(4)]
    add_members(db, world["cohort"], [person.id for person in more])
    services.refresh_pending(db)
    assert queries() == few
    assert few <= 6, count_queries.statements[-few:]


def test_people_xlsx_has_no_nik_column(client, world):
    login(client, world["pendamping"])
    response = client.get("/laporan/ekspor/peserta.xlsx", params={"jabatan": "bendahara"})
    assert response.status_code == 200, response.text
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [v for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert "Budi Bendahara" in values and "Ahmad Ketua" not in values
    assert not any(NIK in str(v) for v in values)
    assert "NIK" not in values


def test_attendance_per_sesi_and_score_distribution(client, world):
    login(client, world["dinas"])
    cohort = world["cohort"]
    rows = read_csv(client.get("/laporan/ekspor/sesi.csv", params={"angkatan": cohort.id}))
    assert rows[0] == ["sesi", "tanggal", "jam", "topik", "hadir", "anggota", "hadir %"]
    assert [r[3:] for r in rows[1:]] == [
        ["Pembukuan dasar", "2", "3", "66.7"],
        ["Laporan keuangan", "1", "3", "33.3"],
    ]
    assert rows[1][0] == "1" and len(rows[1][1]) == 10 and rows[1][2].endswith(" WIB")
    refused = client.get("/laporan/ekspor/sesi.csv")
    assert refused.status_code == 400
    assert "Pilih satu angkatan" in refused.text

    scores = read_csv(client.get("/laporan/ekspor/nilai.csv"))
    assert scores[0] == ["rentang nilai", "jumlah peserta", "persen"]
    counts = {row[0]: row[1] for row in scores[1:]}
    assert counts["70–79"] == "1" and counts["80–89"] == "1" and counts["0–9"] == "0"
    assert counts["90–100"] == "0" and counts["Jumlah"] == "2"


def test_a_kabupaten_dinas_never_gets_another_region(client, world, db):
    login(client, world["dinas"])
    for path in ("wilayah.csv", "peserta.csv", "nilai.csv"):
        for params in ({"wilayah": KOTA_SERANG}, {"wilayah": "36"}, {"koperasi": world["srg"].id}):
            if path == "wilayah.csv" and "koperasi" in params:
                continue
            response = client.get(f"/laporan/ekspor/{path}", params=params)
            assert response.status_code == 404, (path, params)
            assert SERANG not in response.text
    foreign = {"angkatan": world["cohort_srg"].id}
    assert client.get("/laporan/ekspor/sesi.csv", params=foreign).status_code == 404
    assert client.get("/laporan/ekspor/wilayah.csv", params=foreign).status_code == 404
    assert client.get("/laporan/ringkasan.pdf", params={"wilayah": KOTA_SERANG}).status_code == 404
    form = {"koperasi": world["srg"].id, "alasan": "verifikasi data pencairan dana"}
    assert post(client, "/laporan/ekspor/peserta-nik.xlsx", form).status_code == 404
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "laporan.ekspor_nik")) is None


def test_the_province_sees_both_kabupaten(client, world):
    login(client, world["banten"])
    rows = read_csv(client.get("/laporan/ekspor/wilayah.csv"))
    table = {row[0]: row for row in rows[1:]}
    assert table[KAB_TANGERANG][2] == "3"
    assert table[KOTA_SERANG][2] == "1"
    assert table["36"][1] == "Jumlah" and table["36"][2] == "4"


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tahun": "dua ribu"}, "Filter tahun tidak dikenal"),
        ({"angkatan": "-1"}, "Filter angkatan tidak dikenal"),
        ({"jabatan": "lurah"}, "Filter jabatan tidak dikenal"),
        ({"wilayah": "banten"}, "Kode wilayah tidak dikenal"),
        ({"koperasi": "abc"}, "Nomor koperasi tidak dikenal"),
        ({"koperasi": "99999999999999999999"}, "Nomor koperasi tidak dikenal"),
    ],
)
def test_values_that_cannot_be_read_are_refused_in_indonesian(client, world, params, message):
    login(client, world["dinas"])
    response = client.get("/laporan/ekspor/peserta.csv", params=params)
    assert response.status_code == 400
    assert message in response.text


def test_the_whole_country_people_list_asks_for_a_province_first(client, world):
    login(client, world["admin"])
    response = client.get("/laporan/ekspor/peserta.csv")
    assert response.status_code == 400
    assert "Pilih provinsi dulu" in response.text
    rows = read_csv(client.get("/laporan/ekspor/wilayah.csv"))  # the provinces: allowed
    assert next(row for row in rows if row[0] == "36")[2] == "4"


def test_the_national_nik_form_asks_for_a_province(client, world):
    login(client, world["admin"])
    page = client.get("/laporan/ekspor/peserta-nik")
    assert page.status_code == 200
    assert "Pilih provinsi dulu" in page.text and 'name="wilayah"' in page.text
    form = {"alasan": "verifikasi data SPJ 2026"}
    refused = post(client, "/laporan/ekspor/peserta-nik.xlsx", form)
    assert refused.status_code == 400
    assert (
        "Pilih provinsi dulu" in refused.text and 'value="verifikasi data SPJ 2026"' in refused.text
    )


def test_the_nik_export_is_for_managers_with_a_reason_and_audited(client, world, db):
    form = {"wilayah": KAB_TANGERANG, "jabatan": "ketua", "alasan": "verifikasi data SPJ 2026"}
    login(client, world["pendamping"])
    assert post(client, "/laporan/ekspor/peserta-nik.xlsx", form).status_code == 403
    assert client.get("/laporan/ekspor/peserta-nik").status_code == 403

    client.cookies.clear()
    login(client, world["dinas"])
    page = client.get("/laporan/ekspor/peserta-nik", params={"jabatan": "ketua"})
    assert page.status_code == 200
    assert 'name="alasan"' in page.text and "Kabupaten Tangerang" in page.text
    for reason in ("", "   ", "perlu"):
        refused = post(client, "/laporan/ekspor/peserta-nik.xlsx", {**form, "alasan": reason})
        assert refused.status_code == 400
        assert "Tulis alasan mengunduh NIK, minimal 10 karakter" in refused.text
        assert 'value="ketua"' in refused.text  # the filters typed are kept
    kept = post(client, "/laporan/ekspor/peserta-nik.xlsx", {**form, "alasan": "perlu"})
    assert 'value="perlu"' in kept.text
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "laporan.ekspor_nik")) is None

    response = post(client, "/laporan/ekspor/peserta-nik.xlsx", form)
    assert response.status_code == 200, response.text
    assert "laporan-36.03-peserta-nik-20" in response.headers["content-disposition"]
    assert response.headers["cache-control"] == "no-store"
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    top = next(i for i, row in enumerate(rows) if row[0] == "nama")
    assert rows[top][1] == "NIK"
    people = {row[0]: row[1] for row in rows[top + 1 :]}
    assert people == {"Ahmad Ketua": NIK, "Citra Ketua": None}
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "laporan.ekspor_nik"))
    assert entry is not None
    assert entry.actor_id == world["dinas"].id
    assert (entry.entity_type, entry.entity_id) == ("region", KAB_TANGERANG)
    assert entry.reason == "verifikasi data SPJ 2026"
    assert entry.after == {"baris": 2, "filter": {"jabatan": "ketua", "wilayah": KAB_TANGERANG}}
    assert entry.regency_code == KAB_TANGERANG


def test_the_pdf_summary_names_its_region(client, world):
    from pypdf import PdfReader

    login(client, world["dinas"])
    response = client.get("/laporan/ringkasan.pdf", params={"angkatan": world["cohort"].id})
    assert response.status_code == 200, response.text
    assert response.content.startswith(b"%PDF")
    assert response.headers["content-type"] == "application/pdf"
    assert "laporan-36.03-ringkasan-20" in response.headers["content-disposition"]
    reader = PdfReader(io.BytesIO(response.content))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert reader.pages[0].mediabox.width == pytest.approx(595, abs=1)  # A4 portrait
    assert "Kabupaten Tangerang" in text
    assert "Ringkasan Capaian Bimtek KDKMP" in text
    assert "Kehadiran per sesi" in text
    assert "koperasi siap" in text.lower()
    assert SERANG not in text


def test_csv_cells_a_spreadsheet_would_run_are_defused():
    table = exports.Table(
        "t",
        "s",
        [],
        [exports.Column("nama", "text"), exports.Column("nilai", "decimal")],
        [['=HYPERLINK("http://x")', 71.25], ["Siti, S.E.", None]],
    )
    text = b"".join(exports.csv_chunks(table)).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["nama", "nilai"], ['\'=HYPERLINK("http://x")', "71.2"], ["Siti, S.E.", ""]]
    assert table.count == 2


def test_the_web_side_never_imports_openpyxl_or_weasyprint():
    code = (
        "import sys, lms.app, lms.reports.export_routes; "
        "print(sorted(m for m in ('openpyxl', 'weasyprint') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == "[]"
