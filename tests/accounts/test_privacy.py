"""UU 27/2022: a person downloads everything held about them; an admin anonymises a participant
and the figures the dashboards count stay as they were."""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import func, select

from lms.accounts import nik as nik_codec
from lms.accounts import passwords, privacy, tokens
from lms.accounts.models import Jabatan, LoginFailure, LoginToken, Role, User, UserSession
from lms.assessment.models import Quiz, QuizAnswer, QuizAttempt
from lms.audit.models import AuditEntry
from lms.audit.services import record
from lms.cohorts.models import Attendance, CohortMember
from lms.cohorts.services import add_members
from lms.config import get_settings
from lms.credentials.models import Certificate, Issuer
from lms.db import utcnow
from lms.learning.models import Course, CourseModule, Enrolment, ModuleProgress
from lms.practice.models import PracticeBook, PracticeEntry, PracticeLine
from tests.conftest import login, post
from tests.credentials.test_certificates_web import _issue_all, hall  # noqa: F401 (fixture)
from tests.factories import (
    KAB_TANGERANG,
    CohortFactory,
    CohortSessionFactory,
    KoperasiFactory,
    UserFactory,
)

NAME = "Wahyuningsih Purbasari"
PHONE = "+6281299887766"
EMAIL = "wahyu.purbasari@contoh.id"
NIK = "3603124501900077"
OTHER_NAME = "Bambang Orang Lain"
STAFF_NAME = "Operator Rahasia Dinas"


def _set_nik(user: User, value: str) -> None:
    secret = get_settings().secret_key
    user.nik_cipher = nik_codec.encrypt(secret, value)
    user.nik_hash = nik_codec.lookup_hash(secret, value)
    user.nik_last4 = value[-4:]


def _attempt(db, quiz: Quiz, user: User, number: int) -> QuizAttempt:  # type: ignore[no-untyped-def]
    attempt = QuizAttempt(
        quiz_id=quiz.id,
        user_id=user.id,
        number=number,
        version_id=quiz.version_id,
        seed=number,
        submitted_at=utcnow(),
        score=7.0,
        max_score=10,
        percent=70.0,
        closed_by="peserta",
    )
    db.add(attempt)
    db.flush()
    db.add(QuizAnswer(attempt_id=attempt.id, question_id="q1", value={"pilihan": ["b"]}))
    return attempt


def _certificate(db, cohort, user: User, seq: int, name: str) -> Certificate:  # type: ignore[no-untyped-def]
    issuer = db.scalar(select(Issuer).where(Issuer.region_code == cohort.region_code))
    if issuer is None:
        issuer = Issuer(
            region_code=cohort.region_code,
            name="Dinas Koperasi dan UKM Kabupaten Tangerang",
            key_sealed=b"-",
            kid=f"kid-{cohort.id}",
            public_jwk={"kty": "OKP", "crv": "Ed25519", "x": "AA", "kid": f"kid-{cohort.id}"},
        )
        db.add(issuer)
        db.flush()
    code = f"PRV{seq}-ABCD-EFGH"
    cert = Certificate(
        code=code,
        cohort_id=cohort.id,
        user_id=user.id,
        issuer_id=issuer.id,
        seq=seq,
        number=f"00{seq}/BIMTEK-KDKMP/UJI/IX/2025",
        issued_on=utcnow().date(),
        recipient={
            "nama": name,
            "jabatan": "Ketua",
            "koperasi": "Koperasi Desa Merah Putih Uji",
            "wilayah": "Desa Uji, Kecamatan Uji",
            "kode": code,
            "tautan": f"http://testserver/v/{code}",
        },
        course="Tata Kelola Koperasi",
        title=cohort.name,
        issuer_name=issuer.name,
        hours=8,
        credential=f"header.{name}.signature",
        stamp=f"BT ({name}) Tj ET".encode(),
        signed_pdf=None,
    )
    db.add(cert)
    db.flush()
    return cert


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    koperasi = KoperasiFactory(regency=KAB_TANGERANG)
    person = UserFactory.peserta(koperasi, Jabatan.BENDAHARA, name=NAME, phone=PHONE, email=EMAIL)
    _set_nik(person, NIK)
    other = UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG), name=OTHER_NAME)
    dinas = UserFactory.staff(Role.DINAS, KAB_TANGERANG, name=STAFF_NAME)
    admin = UserFactory.staff(Role.ADMIN)
    cohort = CohortFactory(name="Bimtek Privasi Uji")
    add_members(db, cohort, [person.id, other.id])
    sesi = [
        CohortSessionFactory(
            cohort=cohort,
            starts_at=utcnow() - timedelta(days=1, hours=i),
            topic=f"Topik privasi {i}",
        )
        for i in range(5)
    ]
    db.add(
        Attendance(
            session_id=sesi[0].id,
            user_id=person.id,
            status="sakit",
            method="daftar",
            note=f"{NAME} dirawat, HP 0{PHONE.removeprefix('+62')}",
            marked_by_id=dinas.id,
        )
    )
    db.add(Attendance(session_id=sesi[0].id, user_id=other.id, status="hadir", method="qr"))
    quiz = db.scalar(select(Quiz).order_by(Quiz.id))
    _attempt(db, quiz, person, 1)
    _attempt(db, quiz, other, 1)
    course = db.get(Course, quiz.course_id)
    module = db.scalar(
        select(CourseModule)
        .where(CourseModule.version_id == course.current_version_id)
        .order_by(CourseModule.position)
    )
    db.add(
        ModuleProgress(
            user_id=person.id,
            course_id=course.id,
            module_slug=module.slug,
            version_id=course.current_version_id,
            done_at=utcnow(),
        )
    )
    book = PracticeBook(user_id=person.id, scenario="gerai-sembako-bulan-pertama")
    db.add(book)
    db.flush()
    entry = PracticeEntry(
        book_id=book.id, generation=1, number=1, date=utcnow().date(), description="Setor modal"
    )
    db.add(entry)
    db.flush()
    db.add(PracticeLine(entry_id=entry.id, position=1, account_code="101", debit=50000))
    db.add(PracticeLine(entry_id=entry.id, position=2, account_code="301", credit=50000))
    cert = _certificate(db, cohort, person, 1, NAME)
    _certificate(db, cohort, other, 2, OTHER_NAME)
    db.add(UserSession(id="s" * 64, user_id=person.id, ip="10.1.2.3", user_agent="HP Uji"))
    tokens.issue(db, [person.id], cohort_id=cohort.id, expires_at=utcnow() + timedelta(days=1))
    db.add(LoginFailure(account=PHONE, ip="10.9.9.9", created_at=utcnow()))
    db.add(LoginFailure(account=EMAIL, ip="10.9.9.8", created_at=utcnow()))
    db.add(LoginFailure(account="+6281200000042", ip="10.9.9.7", created_at=utcnow()))
    # What the log already says about the person, in the shapes the app records.
    record(
        db,
        actor=dinas,
        action="user.create",
        entity_type="user",
        entity_id=person.id,
        after={"name": NAME, "phone": PHONE, "email": EMAIL, "role": "peserta"},
        ip="192.0.2.1",
        region_code=KAB_TANGERANG,
    )
    record(
        db,
        actor=dinas,
        action="attendance.change",
        entity_type="attendance",
        entity_id=f"{sesi[0].id}:{person.id}",
        before={"status": "hadir", "note": ""},
        after={"status": "sakit", "note": f"{NAME} dirawat"},
        reason=f"surat dokter {NAME}",
        region_code=KAB_TANGERANG,
    )
    record(
        db,
        actor=dinas,
        action="certificate.reissue",
        entity_type="certificate",
        entity_id=cert.number,
        before={"nama": "Wahyuningsih P.", "jabatan": "Ketua"},
        after={"nama": NAME, "jabatan": "Ketua", "revisi": 2},
        reason="nama salah ketik",
        region_code=KAB_TANGERANG,
    )
    record(
        db,
        actor=dinas,
        action="nik.reveal",
        entity_type="user",
        entity_id=person.id,
        reason=f"cocokkan NIK {NIK} dengan KTP",
        region_code=KAB_TANGERANG,
    )
    record(
        db,
        actor=person,
        action="user.password_change",
        entity_type="user",
        entity_id=person.id,
        ip="10.1.2.3",
    )
    record(
        db,
        actor=dinas,
        action="user.create",
        entity_type="user",
        entity_id=other.id,
        after={"name": OTHER_NAME},
        region_code=KAB_TANGERANG,
    )
    db.flush()
    return {
        "person": person,
        "other": other,
        "dinas": dinas,
        "admin": admin,
        "cohort": cohort,
        "sesi": sesi,
        "quiz": quiz,
        "cert": cert,
        "koperasi": koperasi,
    }


def _download(client) -> dict:  # type: ignore[no-untyped-def, type-arg]
    response = client.get("/akun/data-saya.zip")
    assert response.status_code == 200, response.text
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert sorted(archive.namelist()) == ["BACA-SAYA.txt", "data-saya.json"]
    return {
        "response": response,
        "data": json.loads(archive.read("data-saya.json").decode("utf-8")),
        "readme": archive.read("BACA-SAYA.txt").decode("utf-8"),
    }


# -- the person's own copy -------------------------------------------------------------------


def test_the_account_page_leads_to_a_page_that_explains_each_kind_of_data(client, world):
    login(client, world["person"])
    assert 'href="/akun/data-saya"' in client.get("/akun").text
    page = client.get("/akun/data-saya")
    assert page.status_code == 200
    for heading in ("Profil", "Sesi masuk dan kartu masuk", "Kehadiran", "Log pemrosesan"):
        assert heading.lower() in page.text.lower()
    assert 'href="/akun/data-saya.zip"' in page.text


def test_the_download_holds_every_section_with_the_persons_own_data(client, db, world):
    person = world["person"]
    login(client, person)  # by email, which clears that account's failures
    db.add(LoginFailure(account=EMAIL, ip="10.9.9.8", created_at=utcnow()))
    db.flush()
    got = _download(client)
    response, data, readme = got["response"], got["data"], got["readme"]
    today = privacy.local_today(person, get_settings()).isoformat()
    assert response.headers["content-disposition"] == (
        f'attachment; filename="data-saya-{today}.zip"'
    )
    assert response.headers["cache-control"] == "no-store"

    profile = data["profil"]
    assert (profile["nama"], profile["nomor_hp"], profile["email"]) == (NAME, PHONE, EMAIL)
    assert profile["nik"] == NIK and profile["jabatan"] == "bendahara"
    assert profile["koperasi"]["nama"] == world["koperasi"].name
    assert profile["koperasi"]["kabupaten_kota"] and profile["koperasi"]["provinsi"]
    assert profile["koperasi"]["desa_kelurahan"] and profile["koperasi"]["kecamatan"]
    # The test's own login and the fixture's session.
    assert {s["ip"] for s in data["sesi_masuk"]} >= {"10.1.2.3"}
    assert len(data["kartu_masuk"]) == 1
    card = data["kartu_masuk"][0]
    assert card["angkatan"] == "Bimtek Privasi Uji" and card["berlaku_sampai"]
    token_ids = db.scalars(select(LoginToken.id).where(LoginToken.user_id == person.id)).all()
    text = json.dumps(data, ensure_ascii=False)
    assert not any(t in text for t in token_ids)
    assert {f["akun"] for f in data["gagal_masuk"]} == {PHONE, EMAIL}
    assert [c["angkatan"] for c in data["angkatan"]] == ["Bimtek Privasi Uji"]
    [mark] = data["kehadiran"]
    assert (mark["topik"], mark["status"], mark["cara"]) == ("Topik privasi 0", "sakit", "daftar")
    assert mark["tanggal"] and mark["dicatat_pada"]
    assert data["kelas"] and data["kelas"][0]["judul"]
    assert data["progres_modul"][0]["selesai"]
    [attempt] = data["percobaan_kuis"]
    assert attempt["persen"] == 70.0 and attempt["skor"] == 7.0
    assert attempt["jawaban"]["q1"]["jawaban"] == {"pilihan": ["b"]}
    [book] = data["buku_latihan"]
    assert book["jurnal"][0]["keterangan"] == "Setor modal"
    assert [line["akun"] for line in book["jurnal"][0]["baris"]] == ["101", "301"]
    [cert] = data["sertifikat"]
    assert cert["nomor"] == world["cert"].number and cert["kode_verifikasi"] == "PRV1-ABCD-EFGH"
    assert cert["tautan_verifikasi"].endswith("/v/PRV1-ABCD-EFGH") and not cert["dicabut"]

    log = data["log_pemrosesan"]
    actions = [e["tindakan"] for e in log]
    assert actions.count("user.create") == 1  # the other person's creation is not in it
    assert {"attendance.change", "certificate.reissue", "user.password_change"} <= set(actions)
    by = {e["tindakan"]: e["oleh"] for e in log}
    assert by["user.password_change"] == NAME
    assert by["user.create"] == "Operator Dinas"  # a role, never the operator's name
    assert STAFF_NAME not in text and world["dinas"].email not in text
    assert "192.0.2.1" not in text  # the operator's address is theirs, not the person's
    assert OTHER_NAME not in text and "+6281200000042" not in text

    assert "UU" in readme or "Undang-Undang Nomor 27 Tahun 2022" in readme
    for right in ("Hak akses", "Hak perbaikan", "Hak penghapusan", "log_pemrosesan"):
        assert right in readme
    assert NAME in readme

    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "privasi.unduh"))
    assert entry.actor_id == person.id and entry.entity_id == str(person.id)
    assert entry.entity_type == "user"


def test_nobody_can_download_someone_elses_data(client, world):
    assert client.get("/akun/data-saya.zip").status_code == 303  # not logged in
    login(client, world["other"])
    for params in ({}, {"user_id": world["person"].id}, {"id": world["person"].id}):
        response = client.get("/akun/data-saya.zip", params=params)
        archive = zipfile.ZipFile(io.BytesIO(response.content))
        text = archive.read("data-saya.json").decode()
        assert OTHER_NAME in text and NAME not in text and PHONE not in text and NIK not in text
    assert client.get(f"/akun/data-saya.zip/{world['person'].id}").status_code == 404


def test_the_number_of_queries_does_not_grow_with_the_data(db, world, count_queries):
    person, settings = world["person"], get_settings()

    def queries() -> int:
        db.expire_all()
        before = count_queries.count
        privacy.personal_data(db, db.get(User, person.id), settings)
        return count_queries.count - before

    small = queries()
    for sesi in world["sesi"][1:]:
        db.add(Attendance(session_id=sesi.id, user_id=person.id, status="hadir", method="qr"))
    for number in range(2, 6):
        _attempt(db, world["quiz"], person, number)
    db.flush()
    data = privacy.personal_data(db, person, settings)
    assert len(data["kehadiran"]) == 5 and len(data["percobaan_kuis"]) == 5
    assert queries() == small


# -- anonymising -----------------------------------------------------------------------------


def _counts(db, cohort_id: int) -> dict[str, int]:  # type: ignore[no-untyped-def]
    def n(model, *where) -> int:  # type: ignore[no-untyped-def]
        return db.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return {
        "members": n(CohortMember, CohortMember.cohort_id == cohort_id),
        "attendance": n(Attendance),
        "present": n(Attendance, Attendance.status == "sakit"),
        "attempts": n(QuizAttempt),
        "answers": n(QuizAnswer),
        "progress": n(ModuleProgress),
        "enrolments": n(Enrolment),
        "certificates": n(Certificate, Certificate.revoked_at.is_(None)),
    }


def _everything_stored(db) -> str:  # type: ignore[no-untyped-def]
    """Users, certificates (with their credential and printed stamp) and the audit log as text."""
    parts = [
        json.dumps([list(r) for r in db.execute(select(User.__table__)).all()], default=str),
        json.dumps(
            [list(r) for r in db.execute(select(AuditEntry.__table__)).all()],
            default=str,
            ensure_ascii=False,
        ),
    ]
    for row in db.execute(select(Certificate.__table__)).all():
        parts.append(
            " ".join(
                v.decode("latin-1") if isinstance(v, bytes) else json.dumps(v, default=str)
                for v in row
            )
        )
    parts.append(" ".join(db.scalars(select(Attendance.note)).all()))
    return "\n".join(parts)


def _identifying(person_phone: str = PHONE) -> list[str]:
    local = "0" + person_phone.removeprefix("+62")
    return [NAME, PHONE, local, EMAIL, NIK, nik_codec.lookup_hash(get_settings().secret_key, NIK)]


def test_the_admin_page_offers_anonymising_with_a_warning(client, world):
    login(client, world["admin"])
    page = client.get(f"/pengguna/{world['person'].id}")
    assert 'action="/pengguna/{}/anonimkan"'.format(world["person"].id) in page.text
    assert "Tidak dapat dibatalkan." in page.text and 'name="yakin"' in page.text
    # A dinas operator sees the person, but not the section.
    login(client, world["dinas"])
    page = client.get(f"/pengguna/{world['person'].id}")
    assert page.status_code == 200 and "/anonimkan" not in page.text


def test_anonymising_removes_identity_and_keeps_the_figures(client, db, world):
    person, cohort = world["person"], world["cohort"]
    participant = client.__class__(client.app, base_url="http://testserver", follow_redirects=False)
    login(participant, person)
    before = _counts(db, cohort.id)
    stored = _everything_stored(db)
    assert all(value in stored for value in _identifying())  # the test can fail

    login(client, world["admin"])
    response = post(
        client,
        f"/pengguna/{person.id}/anonimkan",
        {"alasan": f"Permintaan {NAME} lewat surat dinas 12/IX/2025", "yakin": "ya"},
    )
    assert response.status_code == 303, response.text
    page = client.get(response.headers["location"])
    assert "Data pribadi orang ini sudah dihapus" in page.text and NAME not in page.text

    db.expire_all()
    stored = _everything_stored(db)
    for value in _identifying():
        assert value.lower() not in stored.lower(), value
    assert OTHER_NAME in stored  # only this person was touched
    assert _counts(db, cohort.id) == before

    user = db.get(User, person.id)
    assert user.name == f"Anonim {person.id}" and not user.is_active
    assert (user.phone, user.email, user.nik_cipher, user.nik_hash, user.nik_last4) == (None,) * 5
    assert user.locale is None and not passwords.verify_password(user.password_hash, "x")
    assert (user.role, user.jabatan, user.koperasi_id) == (
        "peserta",
        "bendahara",
        world["koperasi"].id,
    )
    assert user.regency_code == KAB_TANGERANG
    assert not db.scalars(select(UserSession).where(UserSession.user_id == person.id)).all()
    assert not db.scalars(select(LoginToken).where(LoginToken.user_id == person.id)).all()
    assert db.scalars(select(LoginFailure.account)).all() == ["+6281200000042"]
    assert not db.scalars(select(PracticeBook).where(PracticeBook.user_id == person.id)).all()
    assert (
        not db.scalars(select(PracticeEntry)).all() and not db.scalars(select(PracticeLine)).all()
    )

    cert = db.get(Certificate, world["cert"].id)
    assert cert.revoked_at is None and cert.stamp is None and cert.signed_pdf is None
    assert cert.recipient["nama"] == f"Anonim {person.id}" and cert.number == world["cert"].number

    entries = db.scalars(select(AuditEntry).where(AuditEntry.entity_type == "user")).all()
    created = next(
        e for e in entries if e.action == "user.create" and e.entity_id == str(person.id)
    )
    assert created.after == {"dianonimkan": True} and created.actor_id == world["dinas"].id
    change = db.scalar(select(AuditEntry).where(AuditEntry.action == "attendance.change"))
    assert change.after["status"] == "sakit" and change.reason == "surat dokter [dihapus]"
    [done] = [e for e in entries if e.action == "pengguna.anonimkan"]
    assert done.actor_id == world["admin"].id and done.entity_id == str(person.id)
    assert done.reason == "Permintaan [dihapus] lewat surat dinas 12/IX/2025"

    # The person is logged out and cannot come back by phone, email or an old card.
    assert participant.get("/beranda").status_code == 303
    for name in (PHONE, EMAIL):
        refused = post(participant, "/masuk", {"login": name, "password": "sandi-uji-123"})
        assert refused.status_code == 400
    # Reactivating would reopen nothing; it is refused.
    post(client, f"/pengguna/{person.id}/status", {"active": "1"})
    db.expire_all()
    assert not db.get(User, person.id).is_active


def test_the_certificate_still_verifies_without_a_name(client, db, world):
    person, cert = world["person"], world["cert"]
    login(client, world["admin"])
    post(
        client, f"/pengguna/{person.id}/anonimkan", {"alasan": "permintaan tertulis", "yakin": "ya"}
    )
    page = client.get(f"/v/{cert.code}")
    assert page.status_code == 200
    assert "ASLI dan BERLAKU" in page.text and "sudah dihapus atas permintaannya" in page.text
    assert cert.number in page.text and "Tata Kelola Koperasi" in page.text
    assert NAME not in page.text and f"Anonim {person.id}" not in page.text
    # The other holder's page is as before.
    assert OTHER_NAME in client.get("/v/PRV2-ABCD-EFGH").text
    # A download (the dinas's own, here the admin's) is refused with a reason, not an error.
    refused = client.get(f"/sertifikat/{cert.code}.pdf")
    assert refused.status_code == 410
    assert "sudah dihapus atas permintaannya" in refused.text and f"/v/{cert.code}" in refused.text


def test_anonymising_twice_is_harmless(client, db, world):
    person = world["person"]
    login(client, world["admin"])
    form = {"alasan": "permintaan tertulis", "yakin": "ya"}
    first = post(client, f"/pengguna/{person.id}/anonimkan", form)
    second = post(client, f"/pengguna/{person.id}/anonimkan", form)
    assert first.status_code == second.status_code == 303
    assert "sudah dianonimkan" in client.get(second.headers["location"]).text
    done = db.scalars(select(AuditEntry).where(AuditEntry.action == "pengguna.anonimkan")).all()
    assert len(done) == 1
    # The service itself too.
    db.expire_all()
    privacy.anonymise(db, db.get(User, person.id), world["admin"], "lagi", None)
    assert db.scalar(select(func.count()).where(AuditEntry.action == "pengguna.anonimkan")) == 1


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"alasan": "", "yakin": "ya"}, "Tulis alasan penganoniman"),
        ({"alasan": "  ok  ", "yakin": "ya"}, "Tulis alasan penganoniman"),
        ({"alasan": "permintaan tertulis dinas"}, "Centang pernyataan"),
    ],
)
def test_a_reason_and_the_confirmation_are_required(client, db, world, form, message):
    person = world["person"]
    login(client, world["admin"])
    response = post(client, f"/pengguna/{person.id}/anonimkan", form)
    assert response.status_code == 400
    assert message in response.text and 'role="alert"' in response.text
    if form.get("alasan", "").strip():
        assert f">{form['alasan']}</textarea>" in response.text
    db.expire_all()
    assert db.get(User, person.id).name == NAME
    assert not db.scalars(select(AuditEntry).where(AuditEntry.action == "pengguna.anonimkan")).all()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.DINAS, Role.NARASUMBER])
def test_staff_accounts_are_refused(client, db, world, role):
    staff = UserFactory.staff(role, KAB_TANGERANG if role == Role.DINAS else None, name="Staf Uji")
    login(client, world["admin"])
    page = client.get(f"/pengguna/{staff.id}")
    assert "tidak dapat dianonimkan" in page.text and "/anonimkan" not in page.text
    response = post(
        client, f"/pengguna/{staff.id}/anonimkan", {"alasan": "permintaan tertulis", "yakin": "ya"}
    )
    assert response.status_code == 400 and "tidak dapat dianonimkan" in response.text
    db.expire_all()
    assert db.get(User, staff.id).name == "Staf Uji"


def test_a_pendamping_can_be_anonymised(client, db, world):
    pendamping = UserFactory.staff(Role.PENDAMPING, KAB_TANGERANG, name="Pendamping Desa Uji")
    # A roll call the pendamping took: the other person's record stays, the mention goes.
    sesi, other = world["sesi"][0], world["other"]
    record(
        db,
        actor=pendamping,
        action="attendance.change",
        entity_type="attendance",
        entity_id=f"{sesi.id}:{other.id}",
        before={"status": "hadir", "note": ""},
        after={"status": "izin", "note": "izin lewat Pendamping Desa Uji"},
        ip="10.7.7.7",
    )
    db.flush()
    login(client, world["admin"])
    response = post(
        client, f"/pengguna/{pendamping.id}/anonimkan", {"alasan": "permintaan", "yakin": "ya"}
    )
    assert response.status_code == 303
    db.expire_all()
    assert db.get(User, pendamping.id).name == f"Anonim {pendamping.id}"
    entry = db.scalar(select(AuditEntry).where(AuditEntry.actor_id == pendamping.id))
    assert entry.after == {"status": "izin", "note": "izin lewat [dihapus]"} and entry.ip is None
    assert entry.entity_id == f"{sesi.id}:{other.id}"


@pytest.mark.parametrize("who", ["dinas", "other"])
def test_only_an_admin_may_anonymise(client, db, world, who):
    login(client, world[who])
    response = post(
        client,
        f"/pengguna/{world['person'].id}/anonimkan",
        {"alasan": "permintaan tertulis", "yakin": "ya"},
    )
    assert response.status_code == 403
    db.expire_all()
    assert db.get(User, world["person"].id).name == NAME


def test_an_unknown_person_is_not_found(client, world):
    login(client, world["admin"])
    response = post(client, "/pengguna/999999/anonimkan", {"alasan": "permintaan", "yakin": "ya"})
    assert response.status_code == 404


def test_the_anonymised_password_hash_never_verifies():
    assert not passwords.verify_password(privacy.ANONYMISED_HASH, "")
    assert not passwords.verify_password(privacy.ANONYMISED_HASH, privacy.ANONYMISED_HASH)
    assert re.match(r"^!", privacy.ANONYMISED_HASH)


# -- with certificates issued and printed the real way ---------------------------------------


def _anonymise_first_of(client, db, hall):  # type: ignore[no-untyped-def]  # noqa: F811
    login(client, hall["dinas"])
    _issue_all(client, hall)
    person = hall["people"][0]
    cert = db.scalar(select(Certificate).where(Certificate.user_id == person.id))
    login(client, UserFactory.staff(Role.ADMIN))
    form = {"alasan": "permintaan tertulis", "yakin": "ya"}
    assert post(client, f"/pengguna/{person.id}/anonimkan", form).status_code == 303
    login(client, hall["dinas"])
    return person, cert


def test_a_printed_certificate_verifies_and_refuses_its_download(client, db, hall):  # noqa: F811
    person, cert = _anonymise_first_of(client, db, hall)
    page = client.get(f"/v/{cert.code}")
    assert "ASLI dan BERLAKU" in page.text and "sudah dihapus atas permintaannya" in page.text
    assert person.name not in page.text
    refused = client.get(f"/sertifikat/{cert.code}.pdf")
    assert refused.status_code == 410 and "tidak dapat diunduh lagi" in refused.text
    cohort_page = client.get(hall["url"])
    assert cohort_page.status_code == 200 and person.name not in cohort_page.text


def test_the_cohort_zip_and_print_leave_out_an_anonymised_certificate(client, db, hall):  # noqa: F811
    _anonymise_first_of(client, db, hall)
    # The print first: a failing ZIP stream would leave its server-side cursor open.
    printed = client.get(hall["url"] + "-cetak.pdf")
    assert len(pypdf.PdfReader(io.BytesIO(printed.content)).pages) == 2
    archive = zipfile.ZipFile(io.BytesIO(client.get(hall["url"] + ".zip").content))
    assert len(archive.namelist()) == 2
