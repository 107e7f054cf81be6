"""The participant import on the web: upload, preview, commit, rejected rows, the template."""

from __future__ import annotations

import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from lms.accounts.models import Role, User
from lms.audit.models import AuditEntry
from lms.cohorts import importer
from lms.cohorts.models import CohortImport, CohortMember
from tests.cohorts.test_import import csv_bytes, nik_for, row, xlsx_bytes
from tests.conftest import csrf_for, login, post
from tests.factories import KAB_TANGERANG, KOTA_SERANG, CohortFactory, KoperasiFactory, UserFactory

VILLAGE = "36.03.01.2003"  # Cangkudu, Kec. Balaraja, Kab. Tangerang


@pytest.fixture
def cohort(db):  # type: ignore[no-untyped-def]
    return CohortFactory()


@pytest.fixture
def operator(client, db):  # type: ignore[no-untyped-def]
    user = UserFactory.staff(Role.DINAS, KAB_TANGERANG)
    login(client, user)
    return user


def upload(client, cohort, data: bytes, filename: str = "peserta.csv"):  # type: ignore[no-untyped-def]
    return client.post(
        f"/angkatan/{cohort.slug}/impor",
        data={"csrf_token": csrf_for(client)},
        files={"berkas": (filename, data, "application/octet-stream")},
    )


def people(count: int, start: int = 1) -> list[list[object]]:
    return [
        row(f"Peserta {n}", "ketua", f"0812-3000-{n:04d}", nik=nik_for(n), kode_desa=VILLAGE)
        for n in range(start, start + count)
    ]


def members(db, cohort) -> int:  # type: ignore[no-untyped-def]
    return (
        db.scalar(
            select(func.count())
            .select_from(CohortMember)
            .where(CohortMember.cohort_id == cohort.id)
        )
        or 0
    )


def test_upload_preview_commit_and_result(client, db, cohort, operator):
    form = client.get(f"/angkatan/{cohort.slug}/impor")
    assert form.status_code == 200
    assert 'type="file"' in form.text and 'accept=".xlsx,.csv"' in form.text
    assert f"/angkatan/impor-template.xlsx?angkatan={cohort.slug}" in form.text
    rows = [*people(3), row("Tanpa Jabatan", "bendahar", "0812-3000-0099", kode_desa=VILLAGE)]
    rows.append(row("Siti", "ketua", "0812-3000-0001", nik=nik_for(77), kode_desa=VILLAGE))
    response = upload(client, cohort, xlsx_bytes(rows), "Daftar Peserta.xlsx")
    assert response.status_code == 303
    stored = db.scalar(select(CohortImport).where(CohortImport.cohort_id == cohort.id))
    assert response.headers["location"] == f"/angkatan/{cohort.slug}/impor/{stored.id}"
    assert stored.filename == "Daftar Peserta.xlsx" and stored.committed_at is None
    assert stored.report["valid"] == 3 and stored.report["invalid"] == 2
    assert members(db, cohort) == 0  # a preview writes nothing but the upload
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert "Pratinjau impor" in page.text
    assert "Jabatan &#39;bendahar&#39; tidak dikenal. Maksud Anda &#39;bendahara&#39;?" in page.text
    assert "Nomor HP ini sudah dipakai di baris 2." in page.text
    assert f"/impor/{stored.id}/ditolak.xlsx" in page.text
    assert f'action="/angkatan/{cohort.slug}/impor/{stored.id}/simpan"' in page.text
    assert nik_for(1) not in page.text and nik_for(77) not in page.text

    users = db.scalar(select(func.count()).select_from(User))
    done = post(client, f"/angkatan/{cohort.slug}/impor/{stored.id}/simpan")
    assert done.status_code == 303
    assert done.headers["location"] == f"/angkatan/{cohort.slug}/impor/{stored.id}?pesan=disimpan"
    db.expire_all()
    assert members(db, cohort) == 3
    assert db.scalar(select(func.count()).select_from(User)) == users + 3
    result = client.get(done.headers["location"]).text
    assert "Hasil impor" in result and "Impor disimpan." in result
    assert f'href="/angkatan/{cohort.slug}/peserta"' in result
    assert "/simpan" not in result

    # A double click: the second commit finds the first one done and imports nothing.
    again = post(client, f"/angkatan/{cohort.slug}/impor/{stored.id}/simpan")
    assert again.status_code == 303 and again.headers["location"].endswith("?pesan=sudah")
    db.expire_all()
    assert members(db, cohort) == 3
    assert db.scalar(select(func.count()).select_from(User)) == users + 3
    assert "sudah disimpan sebelumnya" in client.get(again.headers["location"]).text
    imports = db.scalars(select(AuditEntry).where(AuditEntry.action == "cohort.import")).all()
    assert len(imports) == 1 and imports[0].actor_id == operator.id
    assert imports[0].after["created"] == 3 and imports[0].regency_code == KAB_TANGERANG

    listing = client.get(f"/angkatan/{cohort.slug}/impor").text
    assert "Daftar Peserta.xlsx" in listing and "disimpan" in listing


def test_the_rejected_rows_download_is_audited(client, db, cohort, operator):
    rows = [*people(1), row("Budi", "ketua", "12", nik=nik_for(5), kode_desa=VILLAGE)]
    response = upload(client, cohort, csv_bytes(rows))
    stored = db.scalar(select(CohortImport).where(CohortImport.cohort_id == cohort.id))
    download = client.get(f"{response.headers['location']}/ditolak.xlsx")
    assert download.status_code == 200
    assert download.headers["content-type"] == importer.XLSX_TYPE
    sheet = load_workbook(io.BytesIO(download.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == (*importer.COLUMNS, "kesalahan")
    assert values[1][0] == "Budi" and values[1][4] == nik_for(5)
    assert values[1][-1].startswith("no_hp: Nomor HP '12'")
    entry = db.scalar(
        select(AuditEntry).where(AuditEntry.action == "cohort.import.rejected_download")
    )
    assert entry is not None and entry.entity_id == str(stored.id)
    assert entry.actor_id == operator.id and entry.after["rows"] == 1
    assert nik_for(5) not in str(entry.after)


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "kosong.csv", "Berkas kosong."),
        (b"%PDF-1.7\x00\x00", "surat.pdf", "Berkas harus berformat XLSX (Excel) atau CSV."),
        (
            b"nama;hp;desa\nSiti;0812;Cangkudu\n",
            "p.csv",
            "Kolom wajib tidak ada: jabatan, kode_desa (atau desa, kecamatan dan kabupaten).",
        ),
        (b"a,b\n1,2\n", "p.csv", "Baris judul kolom tidak ditemukan."),
        (b"x" * (importer.MAX_BYTES + 1), "besar.csv", "Berkas lebih dari 20 MB."),
        (b"PK\x03\x04rusak", "p.xlsx", "Berkas XLSX ini tidak dapat dibaca"),
    ],
)
def test_a_bad_file_is_refused_on_the_same_form(
    client, db, cohort, operator, data, filename, message
):
    response = upload(client, cohort, data, filename)
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    assert 'aria-invalid="true"' in response.text and 'type="file"' in response.text
    assert db.scalar(select(func.count()).select_from(CohortImport)) == 0


def test_no_file_chosen(client, db, cohort, operator):
    response = post(client, f"/angkatan/{cohort.slug}/impor")
    assert response.status_code == 400 and "Pilih berkas XLSX atau CSV." in response.text


def test_the_template_downloads_and_its_example_row_is_valid(client, db, cohort, operator):
    response = client.get("/angkatan/impor-template.xlsx", params={"angkatan": cohort.slug})
    assert response.status_code == 200
    assert 'filename="templat-peserta.xlsx"' in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Peserta", "Petunjuk"]
    example = [c.value for c in book["Peserta"][2]]
    assert example[6].startswith("3603")  # a village of the cohort's kabupaten
    uploaded = upload(client, cohort, response.content, "templat-peserta.xlsx")
    assert uploaded.status_code == 303
    stored = db.scalar(select(CohortImport).where(CohortImport.cohort_id == cohort.id))
    assert (stored.report["valid"], stored.report["invalid"]) == (1, 0)
    # Without an angkatan (or with one out of reach) the example is the Kab. Tangerang pilot's.
    assert client.get("/angkatan/impor-template.xlsx").status_code == 200


def test_the_preview_costs_the_same_queries_for_few_or_many_rows(
    client, db, cohort, operator, count_queries
):
    counts = []
    for size in (3, 120):
        count_queries.statements.clear()
        response = upload(client, cohort, csv_bytes(people(size, start=size)))
        assert response.status_code == 303
        uploaded = count_queries.count
        count_queries.statements.clear()
        page = client.get(response.headers["location"])
        assert page.status_code == 200
        counts.append((uploaded, count_queries.count))
    assert counts[0] == counts[1], counts
    assert counts[0][1] <= 6, counts


def test_the_preview_shows_the_first_errors_and_says_there_are_more(
    client, db, cohort, operator, monkeypatch
):
    monkeypatch.setattr(importer, "STORED_ERRORS", 3)
    rows = [row(f"Orang {n}", "ketua", "123", kode_desa=VILLAGE) for n in range(5)]
    response = upload(client, cohort, csv_bytes(rows))
    page = client.get(response.headers["location"]).text
    assert len(re.findall(r"tidak dikenali sebagai nomor Indonesia", page)) == 3
    assert "3 masalah pertama dari 5" in page
    assert "Tidak ada baris yang dapat diimpor." in page


def test_another_region_gets_404_and_other_roles_403(client, db, cohort):
    data = csv_bytes(people(1))
    stored = importer.store(db, cohort, data, "p.csv", importer.Report(rows=1, valid=1), None)
    db.flush()
    base = f"/angkatan/{cohort.slug}/impor"
    login(client, UserFactory.staff(Role.DINAS, KOTA_SERANG))
    for path in (base, f"{base}/{stored.id}", f"{base}/{stored.id}/ditolak.xlsx"):
        assert client.get(path).status_code == 404, path
    assert upload(client, cohort, data).status_code == 404
    assert post(client, f"{base}/{stored.id}/simpan").status_code == 404
    peserta = UserFactory.peserta(KoperasiFactory())
    client.cookies.clear()
    login(client, peserta)
    for path in (base, f"{base}/{stored.id}", "/angkatan/impor-template.xlsx"):
        response = client.get(path)
        assert response.status_code == 403 and "Akses ditolak" in response.text, path
    assert post(client, f"{base}/{stored.id}/simpan").status_code == 403
    db.refresh(stored)
    assert stored.committed_at is None


def test_the_province_operator_and_the_admin_may_import(client, db, cohort):
    for user in (UserFactory.staff(Role.DINAS, "36"), UserFactory.staff(Role.ADMIN)):
        client.cookies.clear()
        login(client, user)
        assert client.get(f"/angkatan/{cohort.slug}/impor").status_code == 200


def test_an_import_of_another_cohort_is_not_found(client, db, cohort, operator):
    other = CohortFactory()
    stored = importer.store(db, other, csv_bytes(people(1)), "p.csv", importer.Report(), None)
    db.flush()
    assert client.get(f"/angkatan/{cohort.slug}/impor/{stored.id}").status_code == 404
    assert post(client, f"/angkatan/{cohort.slug}/impor/{stored.id}/simpan").status_code == 404


def test_simultaneous_commits_of_one_upload_import_once(engine):
    """Against a real database: four "Simpan" at the same moment import the file once."""
    import threading
    from datetime import timedelta

    from fastapi.testclient import TestClient
    from sqlalchemy import delete

    from lms.accounts.models import UserSession
    from lms.accounts.passwords import hash_password
    from lms.app import create_app
    from lms.cohorts.models import Cohort
    from lms.config import get_settings
    from lms.db import Database, utcnow
    from lms.learning.models import Enrolment
    from lms.regions.models import LEVEL_VILLAGE, Koperasi, Region

    clicks = 4
    database = Database(engine)
    phones = [f"0812-3999-{n:04d}" for n in range(3)]
    with database.session(write=True) as session:
        village = session.scalar(
            select(Region.code)
            .where(Region.regency_code == KAB_TANGERANG, Region.level == LEVEL_VILLAGE)
            .where(Region.code.not_in(select(Koperasi.village_code)))
            .order_by(Region.code.desc())
        )
        operator = User(
            name="Operator Simpan Serentak",
            email="serentak@uji.test",
            password_hash=hash_password("sandi-uji-123"),
            role=Role.DINAS,
            region_code=KAB_TANGERANG,
            province_code="36",
            regency_code=KAB_TANGERANG,
        )
        cohort = Cohort(
            slug="angkatan-impor-serentak",
            name="Angkatan Impor Serentak",
            region_code=KAB_TANGERANG,
            province_code="36",
            regency_code=KAB_TANGERANG,
            organizer="Dinas Uji",
            venue="Aula Uji",
            starts_on=utcnow().date(),
            ends_on=utcnow().date() + timedelta(days=1),
        )
        session.add_all([operator, cohort])
        session.flush()
        data = csv_bytes(
            [row(f"Serentak {n}", "ketua", p, kode_desa=village) for n, p in enumerate(phones)]
        )
        report = importer.preview(session, cohort, data, "serentak.csv")
        stored = importer.store(session, cohort, data, "serentak.csv", report, operator)
        session.commit()
        ids = (operator.id, cohort.id, stored.id)
    e164 = [f"+62812399900{n:02d}" for n in range(3)]
    try:
        app = create_app(get_settings(), database)
        clients = [TestClient(app, follow_redirects=False) for _ in range(clicks)]
        for client in clients:
            login(client, operator)
        start = threading.Barrier(clicks)
        answers: list[str] = []

        def click(client: TestClient) -> None:
            start.wait()
            answer = post(client, f"/angkatan/{cohort.slug}/impor/{ids[2]}/simpan")
            answers.append(f"{answer.status_code} {answer.headers.get('location', '')}")

        threads = [threading.Thread(target=click, args=(c,)) for c in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert len(answers) == clicks and all(a.startswith("303 ") for a in answers), answers
        assert sum(a.endswith("pesan=disimpan") for a in answers) == 1, answers
        with database.session() as session:
            assert (
                session.scalar(select(func.count()).select_from(User).where(User.phone.in_(e164)))
                == 3
            )
            assert members(session, cohort) == 3
            entries = session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "cohort.import", AuditEntry.entity_id == str(ids[2])
                )
            ).all()
            assert len(entries) == 1
    finally:
        with database.session(write=True) as session:
            people = list(session.scalars(select(User.id).where(User.phone.in_(e164))))
            session.execute(delete(AuditEntry).where(AuditEntry.actor_id == ids[0]))
            session.execute(delete(Cohort).where(Cohort.id == ids[1]))
            for model in (Enrolment, UserSession):
                session.execute(delete(model).where(model.user_id.in_([*people, ids[0]])))
            session.execute(delete(User).where(User.id.in_([*people, ids[0]])))
            session.execute(delete(Koperasi).where(Koperasi.village_code == village))
            session.commit()
