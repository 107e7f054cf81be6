"""Participant import: reading XLSX and CSV, checking every row, committing the valid ones."""

from __future__ import annotations

import csv
import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from lms import cli
from lms.accounts import nik as nik_codec
from lms.accounts.identifiers import IdentifierError, is_mobile, normalise_phone
from lms.accounts.models import Jabatan, Role, User
from lms.audit.models import AuditEntry
from lms.cohorts import importer
from lms.cohorts.models import CohortImport, CohortMember
from lms.config import get_settings
from lms.learning.models import Enrolment
from lms.regions.models import LEVEL_VILLAGE, Koperasi, Region
from tests.factories import (
    KAB_TANGERANG,
    KOTA_SERANG,
    CohortFactory,
    KoperasiFactory,
    UserFactory,
)

HEADER = list(importer.COLUMNS)


def row(
    nama: str = "",
    jabatan: str = "ketua",
    no_hp: object = "",
    email: str = "",
    nik: str = "",
    nama_koperasi: str = "",
    kode_desa: object = "",
    desa: str = "",
    kecamatan: str = "",
    kabupaten: str = "",
) -> list[object]:
    return [nama, jabatan, no_hp, email, nik, nama_koperasi, kode_desa, desa, kecamatan, kabupaten]


def csv_bytes(
    rows: list[list[object]],
    header: list[str] = HEADER,
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" if bom else b"") + data


def xlsx_bytes(rows: list[list[object]], header: list[str] = HEADER, title: str = "") -> bytes:
    book = Workbook()
    sheet = book.active
    if title:
        sheet.append([title])
        sheet.append([])
    sheet.append(header)
    for values in rows:
        sheet.append([v if v != "" else None for v in values])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def nik_for(n: int, regency: str = "3603") -> str:
    return f"{regency}{n:012d}"


def dotted(code: str) -> str:
    return code.replace(".", "")


@pytest.fixture
def cohort(db):  # type: ignore[no-untyped-def]
    return CohortFactory()


@pytest.fixture
def villages(db) -> list[str]:  # type: ignore[no-untyped-def]
    """Kab. Tangerang villages without a koperasi yet."""
    taken = select(Koperasi.village_code)
    return list(
        db.scalars(
            select(Region.code)
            .where(Region.regency_code == KAB_TANGERANG, Region.level == LEVEL_VILLAGE)
            .where(Region.code.not_in(taken))
            .order_by(Region.code)
            .limit(8)
        )
    )


def preview(db, cohort, data: bytes, filename: str = "peserta.csv") -> importer.Report:  # type: ignore[no-untyped-def]
    return importer.preview(db, cohort, data, filename)


def commit(db, cohort, data: bytes, filename: str = "peserta.csv") -> importer.Report:  # type: ignore[no-untyped-def]
    _upload, report = importer.import_file(db, cohort, data, filename)
    db.flush()
    db.expire_all()
    return report


def errors_of(report: importer.Report) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]


def user_count(db) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(select(func.count()).select_from(User)) or 0


# -- the report ------------------------------------------------------------------------------


def test_every_kind_of_bad_row_is_reported_with_its_row_column_and_message(db, cohort, villages):
    owner_of_nik = UserFactory(phone="+6281299900001")
    owner_of_nik.nik_hash = nik_codec.lookup_hash(get_settings().secret_key, nik_for(900))
    owner_of_phone = UserFactory(phone="+6281299900002")
    admin = UserFactory.staff(Role.ADMIN, email="admin.impor@uji.test")
    UserFactory(phone="+6281299900003")
    UserFactory(phone="+6281299900004", email="lain@uji.test")
    db.flush()
    serang_village = db.scalar(
        select(Region.code)
        .where(Region.regency_code == KOTA_SERANG, Region.level == LEVEL_VILLAGE)
        .order_by(Region.code)
    )
    v = villages
    rows = [
        row("Siti Aminah", "ketua", "0812-1000-0001", nik=nik_for(1), kode_desa=v[0]),  # 2
        row("", "bendahara", "0812-1000-0002", kode_desa=v[0]),  # 3
        row("Budi", "bendahara", "12345", kode_desa=v[0]),  # 4
        row("Citra", "sekretaris", "021-5550123", kode_desa=v[0]),  # 5
        row("Dedi", "anggota", "0812-1000-0005", nik="360301234567890", kode_desa=v[0]),  # 6
        row("Eka", "anggota", "0812-1000-0006", nik=nik_for(6, "9999"), kode_desa=v[0]),  # 7
        row("Fajar", "anggota", "0812-1000-0007", kode_desa="3603999999"),  # 8
        row(
            "Gita",
            "anggota",
            "0812-1000-0008",
            desa="Tidak Ada",
            kecamatan="Balaraja",
            kabupaten="Kab. Tangerang",
        ),  # 9
        row(
            "Hadi",
            "anggota",
            "0812-1000-0009",
            desa="Terusan",
            kecamatan="Maro Sebo Ilir",
            kabupaten="Batanghari",
        ),  # 10
        row("Indah", "anggota", "0812-1000-0010", kode_desa=serang_village),  # 11
        row("Joko", "bendahar", "0812-1000-0011", kode_desa=v[0]),  # 12
        row("Kartini", "ketua", "0812 1000 0001", kode_desa=v[1]),  # 13
        row("Lestari", "ketua", "0812-1000-0013", nik=nik_for(1), kode_desa=v[1]),  # 14
        row("Made", "ketua", "0812-9990-0002", nik=nik_for(900), kode_desa=v[1]),  # 15
        row("Nur", "ketua", "", kode_desa=v[1]),  # 16
        row(
            "Oki",
            "ketua",
            "0812-1000-0016",
            desa="Cangkudu",
            kecamatan="Balaraja",
            kabupaten="Kab. Antah Berantah",
        ),  # 17
        row("Putri", "", "0812-1000-0017", kode_desa=v[1]),  # 18
        row("Rina", "ketua", "0812-1000-0018", email="rina@", kode_desa=v[1]),  # 19
        row("Sari", "ketua", "", email="ADMIN.impor@uji.test", kode_desa=v[1]),  # 20
        row("Tono", "ketua", "0812-1000-0020", kode_desa="36.03.01"),  # 21
        row("Umar", "ketua", "0812-1000-0021", kode_desa=v[2], desa="x", kabupaten="y"),  # 22
        row("Vina", "ketua", "0812-1000-0022", desa="Cangkudu", kabupaten="Tangerang"),  # 23
        row("Wati", "ketua", "0812-1000-0023", email="wati@uji.test", kode_desa=v[2]),  # 24
        row("Yanti", "ketua", "0812-1000-0024", email="WATI@uji.test", kode_desa=v[2]),  # 25
        row("Zainal", "kepala", "0812-1000-0025", kode_desa=v[2]),  # 26
        row("Asih", "ketua", "0812-9990-0003", email="lain@uji.test", kode_desa=v[2]),  # 27
    ]
    report = preview(db, cohort, csv_bytes(rows))
    choices = "ketua, wakil ketua, sekretaris, bendahara, pengawas, manajer, anggota, pendamping"
    assert errors_of(report) == [
        (3, "nama", "Nama wajib diisi."),
        (
            4,
            "no_hp",
            "Nomor HP '12345' tidak dikenali sebagai nomor Indonesia. "
            "Tulis misalnya 0812 3456 7890.",
        ),
        (
            5,
            "no_hp",
            "Nomor '021-5550123' bukan nomor HP (seluler). "
            "Tulis nomor HP, misalnya 0812 3456 7890.",
        ),
        (6, "nik", "NIK harus 16 angka."),
        (
            7,
            "nik",
            "Empat angka pertama NIK bukan kode kabupaten/kota yang terdaftar: periksa NIK.",
        ),
        (8, "kode_desa", "Kode desa '36.03.99.9999' tidak ditemukan di data wilayah Kemendagri."),
        (9, "desa", "Desa/kelurahan 'Tidak Ada' tidak ditemukan di Kecamatan Balaraja."),
        (
            10,
            "desa",
            "Nama desa 'Terusan' cocok dengan 2 desa/kelurahan. "
            "Isi kode_desa untuk memilih yang benar.",
        ),
        (
            11,
            "kode_desa",
            f"Desa Serang ({serang_village}) di luar wilayah angkatan ini, Kab. Tangerang.",
        ),
        (12, "jabatan", "Jabatan 'bendahar' tidak dikenal. Maksud Anda 'bendahara'?"),
        (13, "no_hp", "Nomor HP ini sudah dipakai di baris 2."),
        (14, "nik", "NIK ini sudah dipakai di baris 2."),
        (15, "no_hp", "Nomor HP ini terdaftar untuk orang lain, bukan pemilik NIK ini."),
        (16, "no_hp", "Isi nomor HP (atau email bila peserta tidak punya HP)."),
        (17, "kabupaten", "Kabupaten/kota 'Kab. Antah Berantah' tidak ditemukan."),
        (18, "jabatan", f"Jabatan wajib diisi: {choices}."),
        (19, "email", "Alamat email 'rina@' tidak sah. Contoh: nama@contoh.id"),
        (
            20,
            "email",
            "Akun ini milik staf (Admin) dan tidak dapat diimpor sebagai peserta.",
        ),
        (
            21,
            "kode_desa",
            "Kode desa '36.03.01' tidak sah: tulis 10 angka, misalnya 3603182014 "
            "atau 36.03.18.2014.",
        ),
        (23, "kecamatan", "Lengkapi nama desa, kecamatan dan kabupaten, atau isi kode_desa."),
        (25, "email", "Email ini sudah dipakai di baris 24."),
        (26, "jabatan", f"Jabatan 'kepala' tidak dikenal. Pilih salah satu: {choices}."),
        (27, "email", "Email ini terdaftar untuk orang lain, bukan pemilik nomor HP ini."),
    ]
    assert owner_of_phone and admin
    counts = report.counts()
    # Valid: 2, 22 (a code wins over names), 24.
    assert counts == {
        "rows": 26,
        "valid": 3,
        "invalid": 23,
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "koperasi_created": 2,
        "members_added": 3,
    }


# -- committing --------------------------------------------------------------------------------


def test_valid_rows_become_people_koperasi_and_members(db, cohort, villages):
    existing = KoperasiFactory(village_code=villages[0], name="Koperasi Lama Sejahtera")
    rows = [
        row("Siti Aminah", "ketua", "0812-1000-0001", nik=nik_for(1), kode_desa=villages[0]),
        row("Budi Santoso", "wakil ketua", "0812-1000-0002", kode_desa=dotted(villages[1])),
        row(
            "Citra Dewi",
            "Wakil_Ketua",
            "",
            email="Citra@Contoh.id",
            nama_koperasi="Koperasi Maju Bersama",
            kode_desa=villages[2],
        ),
        row(
            "Dedi", "bendahara", "0812-1000-0004", nama_koperasi="Nama Lain", kode_desa=villages[2]
        ),
        row("Eka", "anggota", "0812-1000-0005", kode_desa=villages[1]),
    ]
    before = user_count(db)
    report = commit(db, cohort, csv_bytes(rows))
    assert report.counts() == {
        "rows": 5,
        "valid": 5,
        "invalid": 0,
        "created": 5,
        "updated": 0,
        "unchanged": 0,
        "koperasi_created": 2,
        "members_added": 5,
    }
    assert user_count(db) == before + 5
    people = {u.name: u for u in db.scalars(select(User).where(User.id > 0)).all()}
    siti, budi, citra = people["Siti Aminah"], people["Budi Santoso"], people["Citra Dewi"]
    assert siti.role == Role.PESERTA and siti.password_hash == "!"
    assert siti.phone == "+6281210000001" and siti.koperasi_id == existing.id
    assert (siti.province_code, siti.regency_code) == ("36", KAB_TANGERANG)
    assert siti.nik_last4 == "0001" and siti.nik_cipher and siti.nik_hash
    assert nik_codec.decrypt(get_settings().secret_key, siti.nik_cipher) == nik_for(1)
    assert budi.jabatan == Jabatan.WAKIL_KETUA and citra.jabatan == Jabatan.WAKIL_KETUA
    assert citra.phone is None and citra.email == "citra@contoh.id"
    koperasi = {k.village_code: k for k in db.scalars(select(Koperasi)).all()}
    # One koperasi per village: the first row naming a new one gives its name.
    assert koperasi[villages[2]].name == "Koperasi Maju Bersama"
    assert people["Dedi"].koperasi_id == koperasi[villages[2]].id
    village_name = db.get(Region, villages[1]).name
    assert koperasi[villages[1]].name == f"Koperasi Desa Merah Putih {village_name}"
    assert people["Eka"].koperasi_id == budi.koperasi_id == koperasi[villages[1]].id
    assert koperasi[villages[0]].name == "Koperasi Lama Sejahtera"
    members = db.scalars(select(CohortMember).where(CohortMember.cohort_id == cohort.id)).all()
    assert {m.user_id for m in members} == {u.id for u in people.values() if u.jabatan}
    assert {m.source for m in members} == {"impor"}
    enrolled = db.scalar(
        select(func.count())
        .select_from(Enrolment)
        .where(Enrolment.user_id.in_([m.user_id for m in members]))
    )
    assert enrolled == 5  # the cohort's one course
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "cohort.import"))
    assert entry.after["created"] == 5 and entry.after["members_added"] == 5


def test_reimporting_the_same_file_changes_nothing(db, cohort, villages):
    rows = [
        row(
            f"Peserta {n}", "ketua", f"0812-1000-{n:04d}", nik=nik_for(n), kode_desa=villages[n % 3]
        )
        for n in range(1, 7)
    ]
    data = xlsx_bytes(rows)
    first = commit(db, cohort, data, "peserta.xlsx")
    assert first.created == 6 and first.members_added == 6
    users, koperasi = user_count(db), db.scalar(select(func.count()).select_from(Koperasi))
    second = commit(db, cohort, data, "peserta.xlsx")
    assert second.counts() == {
        "rows": 6,
        "valid": 6,
        "invalid": 0,
        "created": 0,
        "updated": 0,
        "unchanged": 6,
        "koperasi_created": 0,
        "members_added": 0,
    }
    assert user_count(db) == users
    assert db.scalar(select(func.count()).select_from(Koperasi)) == koperasi
    assert db.scalar(select(func.count()).select_from(CohortImport)) == 2


def test_a_changed_row_updates_the_same_person_found_by_phone(db, cohort, villages):
    commit(db, cohort, csv_bytes([row("Siti", "anggota", "0812-1000-0001", kode_desa=villages[0])]))
    siti = db.scalar(select(User).where(User.phone == "+6281210000001"))
    users = user_count(db)
    changed = row(
        "Siti Aminah",
        "ketua",
        "+62 812-1000-0001",
        email="siti@contoh.id",
        nik=nik_for(7),
        kode_desa=villages[1],
    )
    report = commit(db, cohort, csv_bytes([changed]))
    assert (report.created, report.updated, report.unchanged, report.members_added) == (0, 1, 0, 0)
    assert user_count(db) == users
    db.refresh(siti)
    assert (siti.name, siti.jabatan, siti.email, siti.nik_last4) == (
        "Siti Aminah",
        "ketua",
        "siti@contoh.id",
        "0007",
    )
    assert db.get(Koperasi, siti.koperasi_id).village_code == villages[1]


def test_a_new_phone_with_the_same_nik_updates_that_person(db, cohort, villages):
    person = row("Budi", "ketua", "0812-1000-0001", nik=nik_for(5), kode_desa=villages[0])
    commit(db, cohort, csv_bytes([person]))
    budi = db.scalar(select(User).where(User.phone == "+6281210000001"))
    users = user_count(db)
    moved = row("Budi", "ketua", "0857-2000-0001", nik=nik_for(5), kode_desa=villages[0])
    report = commit(db, cohort, csv_bytes([moved]))
    assert (report.created, report.updated) == (0, 1)
    assert user_count(db) == users
    db.refresh(budi)
    assert budi.phone == "+6285720000001"
    assert db.scalar(select(User).where(User.phone == "+6281210000001")) is None


def test_a_pendamping_keeps_the_staff_role_logins_and_region(db, cohort, villages):
    pendamping = UserFactory.staff(Role.PENDAMPING, KAB_TANGERANG, email="p@uji.test")
    pendamping.phone = "+6281277701234"
    db.flush()
    rows = [
        row(
            "Pendamping Desa",
            "pendamping",
            "0812-7770-1234",
            email="lain@uji.test",
            kode_desa=villages[0],
        )
    ]
    report = commit(db, cohort, csv_bytes(rows))
    assert (report.created, report.updated, report.members_added) == (0, 1, 1)
    db.refresh(pendamping)
    assert pendamping.role == Role.PENDAMPING and pendamping.email == "p@uji.test"
    assert pendamping.koperasi_id is None and pendamping.region_code == KAB_TANGERANG
    assert pendamping.name == "Pendamping Desa" and pendamping.jabatan == Jabatan.PENDAMPING
    assert commit(db, cohort, csv_bytes(rows)).unchanged == 1


def test_villages_by_name_with_regency_prefixes(db, cohort):
    # Cangkudu (36.03.01.2003) in Kec. Balaraja, Kab. Tangerang; Kota Tangerang has no Balaraja.
    rows = [
        row(
            "A",
            "ketua",
            "0812-1000-0001",
            desa="Cangkudu",
            kecamatan="Balaraja",
            kabupaten="Kab. Tangerang",
        ),
        row(
            "B",
            "ketua",
            "0812-1000-0002",
            desa="CANGKUDU",
            kecamatan="kec. balaraja",
            kabupaten="Kabupaten  Tangerang",
        ),
        row(
            "C",
            "ketua",
            "0812-1000-0003",
            desa="Desa Cangkudu",
            kecamatan="Balaraja",
            kabupaten="Tangerang",
        ),
        row(
            "D",
            "ketua",
            "0812-1000-0004",
            desa="Cangkudu",
            kecamatan="Balaraja",
            kabupaten="Kota Tangerang",
        ),
    ]
    report = preview(db, cohort, csv_bytes(rows))
    assert report.valid == 3 and report.koperasi_created == 1
    assert errors_of(report) == [
        (5, "kecamatan", "Kecamatan 'Balaraja' tidak ditemukan di Kota Tangerang.")
    ]


def test_a_desa_and_a_kelurahan_of_one_name_are_told_apart_by_their_prefix(db):
    batanghari = CohortFactory(region_code="15.04")  # Kab. Batanghari, Jambi
    place = {"kecamatan": "Maro Sebo Ilir", "kabupaten": "Kab. Batanghari"}
    rows = [
        row("A", "ketua", "0812-1000-0001", desa="Kelurahan Terusan", **place),
        row("B", "ketua", "0812-1000-0002", desa="Desa Terusan", **place),
    ]
    with importer.open_table(csv_bytes(rows), "p.csv") as table:
        plan = importer.check(db, batanghari, table)
    assert plan.report.valid == 2
    assert sorted(plan.new_koperasi) == ["15.04.08.1008", "15.04.08.2006"]


def test_the_commit_checks_again(db, cohort, villages):
    data = csv_bytes([row("Siti", "ketua", "0812-1000-0001", kode_desa=villages[0])])
    report = preview(db, cohort, data)
    upload = importer.store(db, cohort, data, "peserta.csv", report, None)
    assert report.created == 1
    # Meanwhile the phone got an account: the commit updates that person instead.
    other = UserFactory.peserta(KoperasiFactory(), phone="+6281210000001", name="Siti Lama")
    _upload, result = importer.commit_upload(db, cohort, upload.id, None)
    assert result is not None and (result.created, result.updated) == (0, 1)
    db.refresh(other)
    assert other.name == "Siti"
    # A second commit of the same upload imports nothing.
    again, none = importer.commit_upload(db, cohort, upload.id, None)
    assert none is None and again.committed_at is not None
    assert (
        db.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "cohort.import")
        )
        == 1
    )


def test_nik_is_never_stored_in_clear(db, cohort, villages):
    niks = [nik_for(n) for n in (11, 12)]
    rows = [
        row("Siti", "ketua", "0812-1000-0001", nik=niks[0], kode_desa=villages[0]),
        row("Budi", "ketua", "0812-1000-0002", nik=niks[0], kode_desa=villages[0]),
        row("Citra", "ketua", "0812-1000-0003", nik=niks[1][:15], kode_desa=villages[0]),
        row("Dedi", "ketua", "0812-1000-0004", nik=niks[1], kode_desa="3603999999"),
    ]
    upload, report = importer.import_file(db, cohort, csv_bytes(rows), "peserta.csv")
    db.flush()
    texts = [json.dumps(report.as_dict()), json.dumps(upload.report), json.dumps(upload.result)]
    for table in ("users", "audit_log"):
        for values in db.execute(text(f"SELECT * FROM {table}")).all():  # noqa: S608 (fixed names)
            texts.append(" ".join(str(v) for v in values))
    stored = db.execute(
        text("SELECT report, result, data FROM cohort_imports WHERE id = :id"), {"id": upload.id}
    ).one()
    texts.append(f"{stored[0]} {stored[1]}")
    texts.append(bytes(stored[2]).decode("latin-1"))  # the uploaded file is kept sealed
    for nik in (*niks, niks[1][:15]):
        assert not any(nik in t for t in texts)
    assert db.scalar(select(User.nik_last4).where(User.phone == "+6281210000001")) == "0011"


def _house_phone(text: str) -> tuple[str | None, bool]:
    try:
        e164 = normalise_phone(text)
    except IdentifierError:
        return None, False
    return e164, is_mobile(e164)


PHONE_SHAPES = st.one_of(
    st.from_regex(r"(\+62|62|0)?8[0-9]{6,12}", fullmatch=True),
    st.from_regex(r"(\+62|62|0)?[1-9][0-9]{5,11}", fullmatch=True),
    st.from_regex(r"0[0-9]{2,4}[- ][0-9]{3,4}[- .][0-9]{2,5}", fullmatch=True),
    st.from_regex(r"\+[1-9][0-9]{7,13}", fullmatch=True),
    st.text("0123456789+-() .", max_size=18),
)


@settings(max_examples=400, deadline=None, database=None)
@given(PHONE_SHAPES)
def test_the_fast_phone_check_decides_as_the_account_rules_do(text):
    assert importer.classify_phone(text) == _house_phone(text)


# -- reading files ------------------------------------------------------------------------------


def test_csv_with_semicolons_in_windows_1252_and_loose_headers(db, cohort, villages):
    header = ["NAMA", "Jabatan", "No. HP", "E-mail", "Kode Desa", "Nama_Koperasi"]
    rows = [
        ["José Ramós", "KETUA", "'081210000001", "", villages[0], "Koperasi Désa"],
        ["Bu Ani", "bendahara", "6281210000002", "ani@contoh.id", dotted(villages[0]), ""],
    ]
    data = csv_bytes(rows, header, delimiter=";", encoding="cp1252")
    report = commit(db, cohort, data)
    assert report.valid == 2, errors_of(report)
    jose = db.scalar(select(User).where(User.phone == "+6281210000001"))
    assert jose.name == "José Ramós"
    assert db.get(Koperasi, jose.koperasi_id).name == "Koperasi Désa"


def test_csv_in_utf8_with_bom_and_commas(db, cohort, villages):
    data = csv_bytes([row("Ñoman Ayu", "ketua", "0812-1000-0001", kode_desa=villages[0])], bom=True)
    report = preview(db, cohort, data)
    assert report.valid == 1, errors_of(report)


def test_xlsx_with_numbers_for_phones_and_codes_and_a_title_above_the_header(db, cohort, villages):
    rows = [
        row("Siti", "ketua", 81210000001, kode_desa=int(dotted(villages[0]))),
        row("Budi", "ketua", 6281210000002.0, kode_desa=float(dotted(villages[1]))),
        row("Citra", "ketua", "812345678", kode_desa=villages[1]),
    ]
    data = xlsx_bytes(rows, title="DAFTAR PESERTA BIMTEK")
    report = commit(db, cohort, data, "peserta.xlsx")
    assert report.valid == 3, errors_of(report)
    phones = set(db.scalars(select(User.phone).where(User.phone.like("+62812%"))))
    assert {"+6281210000001", "+6281210000002", "+62812345678"} <= phones
    bad = xlsx_bytes([row("Dedi", "ketua", 12345, kode_desa=villages[0])], title="Judul")
    # The header is on row 3 here, so the first person is on row 4.
    assert errors_of(preview(db, cohort, bad, "b.xlsx"))[0][:2] == (4, "no_hp")


def test_the_workbook_is_read_the_same_by_the_child_process(db, cohort, villages):
    data = xlsx_bytes([row("Siti", "ketua", 81210000001, kode_desa=villages[0])])
    with importer.open_table(data, "p.xlsx", isolate=True) as table:
        assert list(table.rows) == [(2, ["Siti", "ketua", "81210000001", "", "", "", villages[0]])]


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "a.csv", "Berkas kosong."),
        (b"%PDF-1.4\x00\x01\x02", "a.pdf", "Berkas harus berformat XLSX (Excel) atau CSV."),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.xls", "Berkas .xls (Excel lama)"),
        (b"PK\x03\x04not really a zip", "a.xlsx", "Berkas XLSX ini tidak dapat dibaca"),
        (b"just,some,words\n1,2,3\n", "a.csv", "Baris judul kolom tidak ditemukan."),
        (
            b"nama,no_hp,desa\nSiti,0812,Cangkudu\n",
            "a.csv",
            "Kolom wajib tidak ada: jabatan, kode_desa (atau desa, kecamatan dan kabupaten).",
        ),
        (
            b"nama,jabatan,kode_desa\nSiti,ketua,3603012003\n",
            "a.csv",
            "Kolom wajib tidak ada: no_hp (atau email).",
        ),
        (b"nama,jabatan,hp,no wa,kode_desa\n", "a.csv", "Kolom no_hp muncul dua kali (hp, no wa)"),
        (b"nama,jabatan,no_hp,kode_desa\n", "a.csv", "Berkas hanya berisi baris judul"),
        (b"x" * (importer.MAX_BYTES + 1), "a.csv", "Berkas lebih dari 20 MB."),
    ],
)
def test_files_that_cannot_be_imported_say_why(db, cohort, data, filename, message):
    with pytest.raises(importer.FileError) as raised:
        preview(db, cohort, data, filename)
    assert raised.value.message.startswith(message), raised.value.message


def test_a_file_with_more_rows_than_any_angkatan_is_refused(db, cohort, villages, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    rows = [row(f"P {n}", "ketua", f"0812-1000-{n:04d}", kode_desa=villages[0]) for n in range(4)]
    with pytest.raises(importer.FileError) as raised:
        preview(db, cohort, csv_bytes(rows))
    assert raised.value.code == "too_many_rows"
    assert preview(db, cohort, csv_bytes(rows[:3])).valid == 3


def test_an_unreadable_workbook_is_reported_by_the_child_process_too(db, cohort):
    with pytest.raises(importer.FileError) as raised:
        importer.preview(db, cohort, b"PK\x03\x04broken", "a.xlsx", isolate=True)
    assert raised.value.code == "xlsx_unreadable"


def test_the_template_explains_its_columns_and_its_example_row_imports(db, cohort):
    data = importer.template_workbook(None)
    book = load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Peserta", "Petunjuk"]
    assert [c.value for c in book["Peserta"][1]] == HEADER
    guide = [r[0] for r in book["Petunjuk"].iter_rows(min_row=2, values_only=True)]
    assert set(HEADER) <= set(guide)
    report = commit(db, cohort, data, "templat-peserta.xlsx")
    assert (report.valid, report.invalid, report.created) == (1, 0, 1), errors_of(report)


def test_rejected_rows_keep_their_columns_and_say_what_is_wrong(db, cohort, villages):
    header = ["Nama", "Jabatan", "No HP", "Kode Desa", "Catatan"]
    rows = [
        ["Siti", "ketua", "081210000001", villages[0], "ok"],
        ["Budi", "bendahar", "12", villages[0], "dua masalah"],
    ]
    upload, _report = importer.import_file(db, cohort, csv_bytes(rows, header), "p.csv")
    headers, rejected = importer.rejected_rows(db, cohort, upload)
    book = load_workbook(io.BytesIO(importer.rejected_workbook(headers, rejected)))
    values = list(book.active.iter_rows(values_only=True))
    assert values[0] == (*header, "kesalahan")
    assert values[1][:5] == ("Budi", "bendahar", "12", villages[0], "dua masalah")
    assert values[1][5].startswith("jabatan: Jabatan 'bendahar' tidak dikenal.")
    assert "; no_hp: Nomor HP '12'" in values[1][5]
    assert len(values) == 2


# -- the command line ---------------------------------------------------------------------------


@pytest.fixture
def cli_database(database, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setattr(cli, "_database", lambda: database)
    return database


def test_cli_previews_and_commits_with_a_json_report(db, cohort, villages, cli_database, tmp_path):
    path = tmp_path / "peserta.csv"
    path.write_bytes(
        csv_bytes(
            [
                row("Siti", "ketua", "0812-1000-0001", nik=nik_for(3), kode_desa=villages[0]),
                row("Budi", "bendahar", "0812-1000-0002", kode_desa=villages[0]),
            ]
        )
    )
    runner = CliRunner()
    args = ["participants", "import", str(path), "--cohort", cohort.slug]
    shown = runner.invoke(cli.app, [*args, "--json"])
    assert shown.exit_code == 0, shown.output
    report = json.loads(shown.stdout)
    assert (report["valid"], report["invalid"], report["created"]) == (1, 1, 1)
    assert report["errors"] == [
        {
            "row": 3,
            "column": "jabatan",
            "message": "Jabatan 'bendahar' tidak dikenal. Maksud Anda 'bendahara'?",
        }
    ]
    assert db.scalar(select(User).where(User.phone == "+6281210000001")) is None
    done = runner.invoke(cli.app, [*args, "--commit", "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["created"] == 1
    assert "1 baris bermasalah tidak diimpor" in done.stderr
    assert nik_for(3) not in done.stdout
    assert db.scalar(select(User).where(User.phone == "+6281210000001")) is not None
    again = runner.invoke(cli.app, [*args, "--commit"])
    assert again.exit_code == 0 and "akun tidak berubah" in again.stdout


def test_cli_refuses_an_unknown_cohort_or_an_unreadable_file(db, cohort, cli_database, tmp_path):
    path = tmp_path / "peserta.csv"
    path.write_bytes(b"nama,jabatan\n")
    runner = CliRunner()
    unknown = runner.invoke(cli.app, ["participants", "import", str(path), "--cohort", "tidak-ada"])
    assert unknown.exit_code == 1 and "Angkatan tidak ditemukan" in unknown.output
    bad = runner.invoke(cli.app, ["participants", "import", str(path), "--cohort", cohort.slug])
    assert bad.exit_code == 1 and "Kolom wajib tidak ada" in bad.output
    missing = runner.invoke(
        cli.app, ["participants", "import", str(tmp_path / "x.csv"), "--cohort", cohort.slug]
    )
    assert missing.exit_code == 1
