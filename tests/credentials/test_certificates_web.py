"""Issuing a cohort's certificates in the browser's way: eligibility, batch issue, the progress
steps, downloads, the participant's own copy, reissue, revocation and the public page."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.audit.models import AuditEntry
from lms.cohorts.models import Attendance, Status
from lms.cohorts.services import add_members
from lms.credentials.models import Certificate
from lms.db import utcnow
from tests.conftest import login, post
from tests.factories import (
    KAB_TANGERANG,
    KOTA_SERANG,
    CohortFactory,
    CohortSessionFactory,
    KoperasiFactory,
    UserFactory,
)


def _attend(db, sesi, user, status=Status.HADIR):  # type: ignore[no-untyped-def]
    db.add(Attendance(session_id=sesi.id, user_id=user.id, status=status, method="daftar"))


@pytest.fixture
def hall(db):  # type: ignore[no-untyped-def]
    """A finished two-sesi cohort without module or quiz requirements: three people came to
    both sesi, one came to one."""
    cohort = CohortFactory(
        require_modules=False,
        min_quiz_score=None,
        certificate_code="DISKUM-TGR",
        starts_on=utcnow().date() - timedelta(days=3),
        ends_on=utcnow().date() - timedelta(days=2),
    )
    first = CohortSessionFactory(cohort=cohort, starts_at=utcnow() - timedelta(days=3))
    second = CohortSessionFactory(cohort=cohort, starts_at=utcnow() - timedelta(days=2))
    people = [
        UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG), name=name)
        for name in ("Siti Rahmawati", "Budi Santoso", "Ni Luh Ayu Kadek Sri Wahyuni", "Agus Salim")
    ]
    add_members(db, cohort, [p.id for p in people])
    for person in people[:3]:
        _attend(db, first, person)
        _attend(db, second, person, Status.TERLAMBAT)
    _attend(db, first, people[3])
    _attend(db, second, people[3], Status.ALPA)
    db.flush()
    return {
        "cohort": cohort,
        "people": people,
        "dinas": UserFactory.staff(Role.DINAS, KAB_TANGERANG),
        "url": f"/angkatan/{cohort.slug}/sertifikat",
    }


def _issue_all(client, hall):  # type: ignore[no-untyped-def]
    response = post(client, hall["url"] + "/terbitkan")
    assert response.status_code == 303, response.text
    for _ in range(10):
        step = post(client, hall["url"] + "/proses", headers={"HX-Request": "true"})
        assert step.status_code == 200, step.text
        if step.headers.get("HX-Redirect", "").endswith("?pesan=siap"):
            return step
    raise AssertionError("the batch never finished")


def test_page_shows_who_is_eligible_and_exactly_why_not(client, hall):
    login(client, hall["dinas"])
    page = client.get(hall["url"])
    assert page.status_code == 200
    assert "kehadiran 50% (1 dari 2 sesi), minimal 75%" in page.text
    assert "Terbitkan 3 sertifikat" in page.text


def test_issue_numbers_render_and_download(client, db, hall):
    login(client, hall["dinas"])
    step = _issue_all(client, hall)
    assert "3 dari 3" in step.text or "Semua sertifikat siap" in step.text
    certs = db.scalars(
        select(Certificate)
        .where(Certificate.cohort_id == hall["cohort"].id)
        .order_by(Certificate.seq)
    ).all()
    assert [c.seq for c in certs] == [1, 2, 3]
    assert all(
        re.fullmatch(r"00[123]/BIMTEK-KDKMP/DISKUM-TGR/[IVX]+/\d{4}", c.number) for c in certs
    )
    assert {c.user_id for c in certs} == {p.id for p in hall["people"][:3]}

    page = client.get(hall["url"])
    assert "Unduh semua (ZIP)" in page.text and "Agus Salim" in page.text

    one = client.get(f"/sertifikat/{certs[0].code}.pdf")
    assert one.status_code == 200 and one.headers["content-type"] == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(one.content))
    text = reader.pages[0].extract_text()
    assert certs[0].recipient["nama"] in text and certs[0].number in text
    assert list(reader.attachments) == ["credential.jwt"]

    archive = zipfile.ZipFile(io.BytesIO(client.get(hall["url"] + ".zip").content))
    assert len(archive.namelist()) == 3
    printed = pypdf.PdfReader(io.BytesIO(client.get(hall["url"] + "-cetak.pdf").content))
    assert len(printed.pages) == 3
    assert "Budi Santoso" in " ".join(p.extract_text() for p in printed.pages)

    # Issuing again gives nothing new: no number is used twice or skipped.
    again = post(client, hall["url"] + "/terbitkan")
    assert again.status_code == 303 and "tidak-ada" in again.headers["location"]


def test_participant_downloads_their_own_and_not_another(client, db, hall):
    login(client, hall["dinas"])
    _issue_all(client, hall)
    mine = db.scalar(select(Certificate).where(Certificate.user_id == hall["people"][0].id))
    other = db.scalar(select(Certificate).where(Certificate.user_id == hall["people"][1].id))
    client.cookies.clear()
    login(client, hall["people"][0])
    home = client.get("/beranda")
    assert f"/sertifikat/{mine.code}.pdf" in home.text
    assert client.get(f"/sertifikat/{mine.code}.pdf").status_code == 200
    assert client.get(f"/sertifikat/{other.code}.pdf").status_code == 404


def test_verification_page_reissue_and_revocation(client, db, hall):
    login(client, hall["dinas"])
    _issue_all(client, hall)
    cert = db.scalar(select(Certificate).where(Certificate.user_id == hall["people"][0].id))
    public = client.get(f"/v/{cert.code}")
    assert "ASLI dan BERLAKU" in public.text and "Siti Rahmawati" in public.text
    assert cert.number not in public.text  # name, course, cohort, date, issuer, status only

    # A corrected name keeps the number and the code, and is audited.
    number, code = cert.number, cert.code
    hall["people"][0].name = "Siti Rahmawati, S.E."
    db.flush()
    refused = post(client, f"/sertifikat/{cert.code}/ulang", {"alasan": ""})
    assert refused.status_code == 422 and "alasan" in refused.text
    done = post(client, f"/sertifikat/{cert.code}/ulang", {"alasan": "gelar belum tertulis"})
    assert done.status_code == 303
    db.refresh(cert)
    assert cert.revision == 2 and (cert.number, cert.code) == (number, code)
    assert cert.base_id is None
    _issue_all(client, hall)
    pdf = client.get(f"/sertifikat/{cert.code}.pdf").content
    assert "Siti Rahmawati, S.E." in pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "certificate.reissue"))
    assert entry.before["nama"] == "Siti Rahmawati" and entry.reason == "gelar belum tertulis"

    revoked = post(
        client, f"/sertifikat/{cert.code}/cabut", {"alasan": "data kehadiran dipalsukan"}
    )
    assert revoked.status_code == 303
    client.cookies.clear()
    public = client.get(f"/v/{cert.code.lower().replace('-', '')}")
    assert "DICABUT" in public.text and "data kehadiran dipalsukan" in public.text
    assert client.get("/v/ZZZZ-ZZZZ-ZZZZ").status_code == 404


def test_another_region_sees_nothing(client, hall):
    login(client, UserFactory.staff(Role.DINAS, KOTA_SERANG))
    assert client.get(hall["url"]).status_code == 404
    assert post(client, hall["url"] + "/terbitkan").status_code == 404


def test_a_reissued_certificate_downloads_at_once(client, db, hall):
    login(client, hall["dinas"])
    _issue_all(client, hall)
    person = hall["people"][1]
    cert = db.scalar(select(Certificate).where(Certificate.user_id == person.id))
    person.name = "Budi Santoso, A.Md."
    db.flush()
    assert post(client, f"/sertifikat/{cert.code}/ulang", {"alasan": "gelar"}).status_code == 303
    client.cookies.clear()
    login(client, person)
    # Nobody has opened the issue page since: the download prints it there and then.
    pdf = client.get(f"/sertifikat/{cert.code}.pdf")
    assert pdf.status_code == 200
    assert "Budi Santoso, A.Md." in pypdf.PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()


def test_the_page_costs_the_same_queries_for_a_bigger_hall(client, db, hall, count_queries):
    login(client, hall["dinas"])
    client.get(hall["url"])
    count_queries.statements.clear()
    client.get(hall["url"])
    few = count_queries.count
    more = [UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG)) for _ in range(15)]
    add_members(db, hall["cohort"], [p.id for p in more])
    db.flush()
    count_queries.statements.clear()
    page = client.get(hall["url"])
    assert page.status_code == 200
    assert count_queries.count == few, count_queries.statements


def test_no_issue_without_a_signatory_or_an_office_code(client, db, hall):
    login(client, hall["dinas"])
    hall["cohort"].officer_name = ""
    db.flush()
    refused = post(client, hall["url"] + "/terbitkan")
    assert refused.status_code == 422 and "pejabat penanda tangan" in refused.text
    hall["cohort"].officer_name = "Drs. Pejabat Uji"
    hall["cohort"].certificate_code = ""
    db.flush()
    refused = post(client, hall["url"] + "/terbitkan")
    assert refused.status_code == 422 and "kode instansi" in refused.text
    assert db.scalar(select(Certificate).where(Certificate.cohort_id == hall["cohort"].id)) is None

    bad = post(client, hall["url"] + "/penomoran", {"pattern": "BIMTEK/{tahun}", "code": "X"})
    assert bad.status_code == 422 and "{seq}" in bad.text and "BIMTEK/{tahun}" in bad.text
    good = post(
        client, hall["url"] + "/penomoran", {"pattern": "{seq:04}/SRT/{kode}/{tahun}", "code": "dk"}
    )
    assert good.status_code == 303
    db.refresh(hall["cohort"])
    assert hall["cohort"].certificate_code == "DK"
    assert "0001/SRT/DK/" in client.get(hall["url"]).text


def test_revoked_certificates_are_not_handed_out(client, db, hall):
    login(client, hall["dinas"])
    _issue_all(client, hall)
    person = hall["people"][0]
    cert = db.scalar(select(Certificate).where(Certificate.user_id == person.id))
    short = post(client, f"/sertifikat/{cert.code}/cabut", {"alasan": "abc"})
    # Refused (too short), the form comes back open with what was typed.
    assert short.status_code == 422 and 'value="abc"' in short.text
    assert (
        post(client, f"/sertifikat/{cert.code}/cabut", {"alasan": "salah orang"}).status_code == 303
    )
    archive = zipfile.ZipFile(io.BytesIO(client.get(hall["url"] + ".zip").content))
    assert len(archive.namelist()) == 2
    assert (
        len(pypdf.PdfReader(io.BytesIO(client.get(hall["url"] + "-cetak.pdf").content)).pages) == 2
    )
    assert client.get(f"/sertifikat/{cert.code}.pdf").status_code == 200  # the dinas keeps a copy
    client.cookies.clear()
    login(client, person)
    assert client.get(f"/sertifikat/{cert.code}.pdf").status_code == 404
    assert "salah orang" in client.get("/beranda").text


def test_two_angkatan_of_one_dinas_cannot_share_pattern_and_code(client, db, hall):
    login(client, hall["dinas"])
    other = CohortFactory(certificate_code="LAIN")
    response = post(
        client,
        f"/angkatan/{other.slug}/sertifikat/penomoran",
        {"pattern": hall["cohort"].certificate_pattern, "code": "diskum-tgr"},
    )
    assert response.status_code == 422 and hall["cohort"].name in response.text
    assert 'value="DISKUM-TGR"' in response.text  # what was typed stays
    fine = post(
        client,
        f"/angkatan/{other.slug}/sertifikat/penomoran",
        {"pattern": hall["cohort"].certificate_pattern, "code": "DISKUM-TGR/A2"},
    )
    assert fine.status_code == 303


def test_zip_and_print_file_read_the_hall_in_a_fixed_number_of_queries(
    client, db, hall, count_queries
):
    login(client, hall["dinas"])
    _issue_all(client, hall)
    counts = []
    for url in (hall["url"] + ".zip", hall["url"] + "-cetak.pdf"):
        count_queries.statements.clear()
        assert client.get(url).status_code == 200
        counts.append(count_queries.count)
    more = [UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG)) for _ in range(4)]
    add_members(db, hall["cohort"], [p.id for p in more])
    for person in more:
        for sesi_id in {a.session_id for a in db.scalars(select(Attendance))}:
            _attend(db, type("S", (), {"id": sesi_id})(), person)
    db.flush()
    _issue_all(client, hall)
    assert db.scalar(select(func.count()).select_from(Certificate)) == 7
    for url, before in zip((hall["url"] + ".zip", hall["url"] + "-cetak.pdf"), counts, strict=True):
        count_queries.statements.clear()
        assert client.get(url).status_code == 200
        assert count_queries.count == before, count_queries.statements
