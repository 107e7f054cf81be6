"""Cohorts on the web: creating them, their sesi, membership, the participant's home."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from lms.accounts.models import Jabatan, Role
from lms.audit.models import AuditEntry
from lms.cohorts.models import Cohort, CohortSession
from lms.cohorts.services import add_members
from lms.db import utcnow
from lms.learning.models import Course, Enrolment
from tests.conftest import login, post
from tests.factories import (
    KAB_TANGERANG,
    KOTA_SERANG,
    CohortFactory,
    CohortSessionFactory,
    KoperasiFactory,
    UserFactory,
)


def _form(db, **changes):  # type: ignore[no-untyped-def]
    course_ids = list(db.scalars(select(Course.id).order_by(Course.id)))
    data = {
        "name": "Bimtek Pengurus KDKMP Angkatan II Kab. Tangerang",
        "region_code": KAB_TANGERANG,
        "organizer": "Dinas Koperasi dan UKM Kabupaten Tangerang",
        "venue": "Hotel Uji, Tigaraksa",
        "starts_on": "2025-09-22",
        "ends_on": "2025-09-23",
        "timezone": "WIB",
        "course_ids": [str(c) for c in course_ids[:2]],
        "min_attendance": "75",
        "min_quiz_score": "60",
        "require_modules": "1",
        "officer_name": "Drs. Pejabat Uji",
        "officer_title": "Kepala Bidang",
        "officer_nip": "197001011995031001",
    }
    data.update(changes)
    return data


def test_a_dinas_operator_creates_a_cohort_in_its_region(client, db):
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    response = post(client, "/angkatan/baru", _form(db))
    assert response.status_code == 303
    cohort = db.scalar(select(Cohort).where(Cohort.name.like("%Angkatan II%")))
    assert cohort is not None
    assert response.headers["location"] == f"/angkatan/{cohort.slug}"
    assert (cohort.regency_code, cohort.min_quiz_score, cohort.timezone) == ("36.03", 60, "WIB")
    page = client.get(f"/angkatan/{cohort.slug}").text
    assert "Hotel Uji, Tigaraksa" in page and "kehadiran minimal 75%" in page
    audit = db.scalar(select(AuditEntry).where(AuditEntry.action == "cohort.create"))
    assert audit is not None and audit.regency_code == "36.03"


def test_bad_cohort_input_is_explained_and_kept(client, db):
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    response = post(
        client,
        "/angkatan/baru",
        _form(
            db,
            region_code=KOTA_SERANG,
            starts_on="2025-09-23",
            ends_on="2025-09-22",
            course_ids=[],
            min_attendance="120",
            officer_nip="123",
            venue="Gedung Serbaguna Uji",
        ),
    )
    assert response.status_code == 400
    text = response.text
    assert "Wilayah ini di luar wilayah kerja Anda." in text
    assert "Tanggal selesai tidak boleh sebelum tanggal mulai." in text
    assert "Pilih minimal satu kursus." in text
    assert "Isi angka bulat 0 sampai 100." in text
    assert "NIP terdiri dari 18 angka." in text
    assert "Gedung Serbaguna Uji" in text  # what was typed is still there
    assert db.scalar(select(Cohort).where(Cohort.venue == "Gedung Serbaguna Uji")) is None


def test_adding_a_course_later_enrols_the_members(client, db):
    dinas = UserFactory.staff(Role.DINAS, KAB_TANGERANG)
    courses = list(db.scalars(select(Course.id).order_by(Course.id)))
    cohort = CohortFactory(courses=[courses[0]])
    person = UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG))
    add_members(db, cohort, [person.id])
    login(client, dinas)
    data = _form(db, course_ids=[str(courses[0]), str(courses[1])], name=cohort.name)
    assert post(client, f"/angkatan/{cohort.slug}/ubah", data).status_code == 303
    enrolled = set(db.scalars(select(Enrolment.course_id).where(Enrolment.user_id == person.id)))
    assert enrolled == {courses[0], courses[1]}


def test_the_list_shows_only_visible_cohorts_in_a_fixed_number_of_queries(
    client, db, count_queries
):
    dinas = UserFactory.staff(Role.DINAS, KAB_TANGERANG)
    CohortFactory(name="Bimtek Serang Rahasia", region_code=KOTA_SERANG)
    first = CohortFactory(name="Bimtek Tangerang Satu")
    CohortSessionFactory(cohort=first)
    login(client, dinas)
    client.get("/angkatan")
    count_queries.statements.clear()
    page = client.get("/angkatan").text
    few = count_queries.count
    assert "Bimtek Tangerang Satu" in page and "Bimtek Serang Rahasia" not in page
    for n in range(6):
        cohort = CohortFactory(name=f"Bimtek Tambahan {n}")
        CohortSessionFactory(cohort=cohort)
        add_members(db, cohort, [UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG)).id])
    count_queries.statements.clear()
    page = client.get("/angkatan").text
    assert "Bimtek Tambahan 5" in page
    assert count_queries.count == few <= 6, count_queries.statements


def test_a_narasumber_sees_the_cohorts_they_teach(client, db):
    narasumber = UserFactory.staff(Role.NARASUMBER)
    taught = CohortFactory(name="Bimtek Yang Diajar")
    CohortSessionFactory(cohort=taught, narasumber_id=narasumber.id)
    other = CohortFactory(name="Bimtek Orang Lain")
    login(client, narasumber)
    page = client.get("/angkatan").text
    assert "Bimtek Yang Diajar" in page and "Bimtek Orang Lain" not in page
    assert client.get(f"/angkatan/{taught.slug}").status_code == 200
    assert client.get(f"/angkatan/{other.slug}").status_code == 404
    assert client.get(f"/angkatan/{taught.slug}/ubah").status_code == 403


def test_sesi_are_scheduled_in_the_cohort_timezone(client, db):
    dinas = UserFactory.staff(Role.DINAS, KAB_TANGERANG)
    narasumber = UserFactory.staff(Role.NARASUMBER, name="Ibu Narasumber Uji")
    cohort = CohortFactory(timezone="WITA")
    login(client, dinas)
    day = cohort.starts_on.isoformat()
    response = post(
        client,
        f"/angkatan/{cohort.slug}/sesi/baru",
        {
            "day": day,
            "start": "08:30",
            "end": "10.00",
            "topic": "Pencatatan simpanan anggota",
            "narasumber_id": str(narasumber.id),
            "late_after": "10",
        },
    )
    assert response.status_code == 303
    sesi = db.scalar(select(CohortSession).where(CohortSession.cohort_id == cohort.id))
    assert sesi.starts_at.hour == 0 and sesi.starts_at.minute == 30  # 08.30 WITA = 00.30 UTC
    assert (sesi.ends_at - sesi.starts_at) == timedelta(minutes=90)
    assert "Ibu Narasumber Uji" in client.get(f"/angkatan/{cohort.slug}").text

    bad = post(
        client,
        f"/angkatan/{cohort.slug}/sesi/baru",
        {"day": "2020-01-01", "start": "10:00", "end": "09:00", "topic": "Sesi salah"},
    )
    assert bad.status_code == 400
    assert "Tanggal sesi harus di antara" in bad.text
    assert "Jam selesai harus setelah jam mulai." in bad.text
    assert 'value="Sesi salah"' in bad.text


def test_a_sesi_with_attendance_cannot_be_deleted(client, db):
    dinas = UserFactory.staff(Role.DINAS, KAB_TANGERANG)
    cohort = CohortFactory()
    empty = CohortSessionFactory(cohort=cohort)
    used = CohortSessionFactory(cohort=cohort)
    person = UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG))
    add_members(db, cohort, [person.id])
    login(client, dinas)
    post(client, f"/angkatan/{cohort.slug}/sesi/{used.id}/presensi/{person.id}", {"status": "izin"})
    refused = post(client, f"/angkatan/{cohort.slug}/sesi/{used.id}/hapus")
    assert refused.status_code == 409
    assert "sudah punya catatan kehadiran" in refused.text
    empty_id, used_id = empty.id, used.id
    assert post(client, f"/angkatan/{cohort.slug}/sesi/{empty_id}/hapus").status_code == 303
    remaining = set(
        db.scalars(select(CohortSession.id).where(CohortSession.cohort_id == cohort.id))
    )
    assert remaining == {used_id}


def test_the_participant_home_shows_cohorts_schedule_and_own_attendance(client, db):
    koperasi = KoperasiFactory(regency=KAB_TANGERANG)
    person = UserFactory.peserta(koperasi, Jabatan.BENDAHARA)
    other = UserFactory.peserta(koperasi, Jabatan.KETUA)
    cohort = CohortFactory(name="Bimtek Milik Saya")
    held = CohortSessionFactory(
        cohort=cohort, topic="Sesi pagi", starts_at=utcnow() - timedelta(hours=3)
    )
    CohortSessionFactory(cohort=cohort, topic="Sesi besok", starts_at=utcnow() + timedelta(days=1))
    add_members(db, cohort, [person.id, other.id])
    dinas = UserFactory.staff(Role.DINAS, KAB_TANGERANG)
    login(client, dinas)
    post(
        client,
        f"/angkatan/{cohort.slug}/sesi/{held.id}/presensi/{person.id}",
        {"status": "sakit", "alasan": "surat dokter"},
    )
    login(client, person)
    page = client.get("/beranda").text
    assert "Bimtek Milik Saya" in page
    assert "Sesi pagi" in page and "Sesi besok" in page
    assert "Sakit" in page
    assert "Kehadiran Anda: 0 dari 1 sesi" in page
