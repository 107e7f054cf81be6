"""The duties of UU 27/2022 (Pelindungan Data Pribadi) towards the people on the platform.

- `personal_data`: everything the platform holds about one person, for their own download (the
  right of access), a fixed number of queries however long their history is.
- `anonymise`: an admin removes what identifies a person (at their request, through the dinas)
  while the rows the dashboards count stay: membership, attendance, attempts, progress and
  certificates keep their user id, role, jabatan, koperasi and region, only without a name.

An anonymised account is told by its password hash (no schema change): argon2 can never match
it, so the account cannot log in even if someone reactivates it.
"""

from __future__ import annotations

import contextlib
import io
import json
import re
import zipfile
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from lms.accounts import nik
from lms.accounts.models import LoginFailure, LoginToken, Role, User, UserSession
from lms.accounts.services import ROLE_LABELS
from lms.assessment.models import Quiz, QuizAnswer, QuizAttempt
from lms.audit.models import AuditEntry
from lms.audit.services import record
from lms.cohorts.models import Attendance, Cohort, CohortMember, CohortSession
from lms.config import Settings, get_settings
from lms.credentials.models import Certificate
from lms.db import utcnow
from lms.i18n import TIMEZONES, format_date, format_time, timezone_for_region
from lms.i18n import gettext as _
from lms.learning.models import Course, CourseModule, CourseVersion, Enrolment, ModuleProgress
from lms.practice.models import PracticeBook, PracticeEntry, PracticeLine
from lms.regions.models import Koperasi, Region

# Not an argon2 hash, so every verification fails (argon2 reports it as an invalid hash, which
# passwords.verify_password answers with False); distinct from passwords.UNUSABLE ("!"), the
# hash of an imported account that logs in with a login card, so the two are never confused.
ANONYMISED_HASH = "!anonim"
# Set in an anonymised certificate's recipient JSON: the verification page then says the
# holder's data was removed instead of showing a name.
ANONYMISED_MARK = "dianonimkan"
# Staff stay attributable: their actions in the audit log answer to a name.
ANONYMISABLE_ROLES = frozenset({Role.PESERTA, Role.PENDAMPING})
REMOVED = "[dihapus]"
# Keys of audit before/after JSON that describe a person (user snapshots, certificate
# recipients, attendance notes a facilitator typed).
PERSONAL_KEYS = frozenset(
    {"name", "nama", "phone", "email", "nik", "note", "jabatan", "koperasi", "wilayah"}
)
MIN_REASON = 5


class PrivacyError(ValueError):
    """A refusal an admin can act on; `field` names the form field, the message is Indonesian."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def anonymous_name(user_id: int) -> str:
    return f"Anonim {user_id}"


def is_anonymised(user: User) -> bool:
    return user.password_hash == ANONYMISED_HASH


def can_anonymise(user: User) -> bool:
    return user.role in ANONYMISABLE_ROLES


def certificate_anonymised(cert: Certificate) -> bool:
    return bool(cert.recipient.get(ANONYMISED_MARK))


def refusal(user: User) -> str | None:
    """Why this account cannot be anonymised, or None."""
    if can_anonymise(user):
        return None
    return _(
        "Akun staf (admin, operator dinas, narasumber) tidak dapat dianonimkan: tindakan "
        "mereka di jejak audit harus tetap dapat dipertanggungjawabkan atas nama. Jika orang "
        "ini sudah tidak bertugas, nonaktifkan akunnya saja."
    )


# -- which records are about a person --------------------------------------------------------


def _audit_of(user_id: int) -> ColumnElement[bool]:
    """Audit entries about the person (their account, their attendance, their certificates) or
    made by them. Attendance is recorded as "<sesi id>:<user id>"; a certificate by its number,
    which is unique only within the issuing region, hence the region in the match."""
    own_certificate = (
        select(Certificate.id)
        .join(Cohort, Cohort.id == Certificate.cohort_id)
        .where(
            Certificate.user_id == user_id,
            Certificate.number == AuditEntry.entity_id,
            Cohort.province_code == AuditEntry.province_code,
            or_(
                Cohort.regency_code == AuditEntry.regency_code,
                and_(Cohort.regency_code.is_(None), AuditEntry.regency_code.is_(None)),
            ),
        )
        .exists()
    )
    return or_(
        and_(AuditEntry.entity_type == "user", AuditEntry.entity_id == str(user_id)),
        AuditEntry.actor_id == user_id,
        and_(AuditEntry.entity_type == "attendance", AuditEntry.entity_id.like(f"%:{user_id}")),
        and_(AuditEntry.entity_type == "certificate", own_certificate),
    )


CertKey = tuple[str, str, str | None]  # number, province code, regency code


def _about(entry: AuditEntry, user_id: int, certificates: set[CertKey]) -> str | None:
    """What of the person's an entry is about ("user", "attendance", "certificate"), or None
    when it is only an action the person took on something else."""
    if entry.entity_type == "user" and entry.entity_id == str(user_id):
        return "user"
    if entry.entity_type == "attendance" and (entry.entity_id or "").endswith(f":{user_id}"):
        return "attendance"
    key = (entry.entity_id or "", entry.province_code or "", entry.regency_code)
    if entry.entity_type == "certificate" and key in certificates:
        return "certificate"
    return None


# -- the person's own copy ---------------------------------------------------------------------


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _role_name(role: str | None) -> str:
    # The data file is Indonesian whatever the page language, like its keys.
    if role is None or role not in Role._value2member_map_:
        return role or ""
    return ROLE_LABELS[Role(role)]


def _profile(session: Session, user: User, settings: Settings) -> dict[str, Any]:
    village, district, regency, province, work = (aliased(Region) for _ in range(5))
    row = session.execute(
        select(Koperasi.name, village.name, district.name, regency.name, province.name, work.name)
        .select_from(User)
        .outerjoin(Koperasi, Koperasi.id == User.koperasi_id)
        .outerjoin(village, village.code == Koperasi.village_code)
        .outerjoin(district, district.code == func.substr(Koperasi.village_code, 1, 8))
        .outerjoin(regency, regency.code == Koperasi.regency_code)
        .outerjoin(province, province.code == Koperasi.province_code)
        .outerjoin(work, work.code == User.region_code)
        .where(User.id == user.id)
    ).one()
    koperasi, village_name, district_name, regency_name, province_name, work_name = row
    full_nik = None
    if user.nik_cipher:
        from cryptography.exceptions import InvalidTag

        try:
            full_nik = nik.decrypt(settings.secret_key, user.nik_cipher)
        except (InvalidTag, ValueError):  # the secret was rotated since: it cannot be opened
            full_nik = None
    return {
        "id": user.id,
        "nama": user.name,
        "nomor_hp": user.phone,
        "email": user.email,
        "peran": user.role,
        "jabatan": user.jabatan,
        "koperasi": {
            "nama": koperasi,
            "desa_kelurahan": village_name,
            "kecamatan": district_name,
            "kabupaten_kota": regency_name,
            "provinsi": province_name,
        }
        if koperasi
        else None,
        "wilayah_kerja": work_name,
        "nik": full_nik,
        # Kept so the person sees which NIK is on file even when it can no longer be decrypted.
        "nik_4_digit_terakhir": user.nik_last4,
        "bahasa": user.locale,
        "aktif": user.is_active,
        "dibuat_pada": _iso(user.created_at),
        "terakhir_masuk": _iso(user.last_login_at),
    }


def _login_sessions(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            UserSession.created_at,
            UserSession.last_seen_at,
            UserSession.ip,
            UserSession.user_agent,
        )
        .where(UserSession.user_id == user_id)
        .order_by(UserSession.created_at.desc())
    )
    return [
        {"dibuat_pada": _iso(a), "terakhir_aktif": _iso(b), "ip": ip, "peramban": agent}
        for a, b, ip, agent in rows
    ]


def _login_cards(session: Session, user_id: int) -> list[dict[str, Any]]:
    # Never the token (only its hash is stored, and not even that is handed out).
    rows = session.execute(
        select(
            LoginToken.created_at,
            LoginToken.expires_at,
            LoginToken.used_at,
            LoginToken.revoked_at,
            Cohort.name,
        )
        .outerjoin(Cohort, Cohort.id == LoginToken.cohort_id)
        .where(LoginToken.user_id == user_id)
        .order_by(LoginToken.created_at.desc())
    )
    return [
        {
            "dibuat_pada": _iso(made),
            "berlaku_sampai": _iso(expires),
            "dipakai_pada": _iso(used),
            "dibatalkan_pada": _iso(revoked),
            "angkatan": cohort,
        }
        for made, expires, used, revoked, cohort in rows
    ]


def _failed_logins(session: Session, user: User) -> list[dict[str, Any]]:
    accounts = [a for a in (user.phone, user.email) if a]
    if not accounts:
        return []
    rows = session.execute(
        select(LoginFailure.created_at, LoginFailure.account, LoginFailure.ip)
        .where(LoginFailure.account.in_(accounts))
        .order_by(LoginFailure.created_at.desc())
    )
    return [{"waktu": _iso(at), "akun": account, "ip": ip} for at, account, ip in rows]


def _cohorts(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            Cohort.name,
            Cohort.organizer,
            Cohort.venue,
            Cohort.starts_on,
            Cohort.ends_on,
            CohortMember.added_at,
            CohortMember.source,
        )
        .join(CohortMember, CohortMember.cohort_id == Cohort.id)
        .where(CohortMember.user_id == user_id)
        .order_by(Cohort.starts_on, Cohort.id)
    )
    return [
        {
            "angkatan": name,
            "penyelenggara": organizer,
            "tempat": venue,
            "mulai": _iso(starts),
            "selesai": _iso(ends),
            "terdaftar_pada": _iso(added),
            "cara_terdaftar": source,
        }
        for name, organizer, venue, starts, ends, added, source in rows
    ]


def _attendance(session: Session, user_id: int) -> list[dict[str, Any]]:
    from zoneinfo import ZoneInfo

    rows = session.execute(
        select(
            Cohort.name,
            Cohort.timezone,
            CohortSession.starts_at,
            CohortSession.topic,
            Attendance.status,
            Attendance.method,
            Attendance.checked_in_at,
            Attendance.marked_at,
            Attendance.note,
        )
        .join(CohortSession, CohortSession.id == Attendance.session_id)
        .join(Cohort, Cohort.id == CohortSession.cohort_id)
        .where(Attendance.user_id == user_id)
        .order_by(CohortSession.starts_at, Attendance.id)
    )
    out = []
    for cohort, zone, starts, topic, status, method, checked_in, marked, note in rows:
        local = starts.astimezone(ZoneInfo(TIMEZONES.get(zone, TIMEZONES["WIB"])))
        out.append(
            {
                "angkatan": cohort,
                "tanggal": local.date().isoformat(),
                "sesi_mulai": _iso(starts),
                "topik": topic,
                "status": status,
                "cara": method,
                "waktu_presensi": _iso(checked_in),
                "dicatat_pada": _iso(marked),
                "catatan": note,
            }
        )
    return out


def _enrolments(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(Course.slug, CourseVersion.title, Enrolment.created_at, Enrolment.source)
        .join(Course, Course.id == Enrolment.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(Enrolment.user_id == user_id)
        .order_by(Enrolment.created_at, Enrolment.id)
    )
    return [
        {"kursus": slug, "judul": title, "terdaftar_pada": _iso(at), "cara_terdaftar": source}
        for slug, title, at, source in rows
    ]


def _module_progress(session: Session, user_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(
            Course.slug,
            CourseVersion.title,
            ModuleProgress.module_slug,
            CourseModule.title,
            ModuleProgress.opened_at,
            ModuleProgress.last_opened_at,
            ModuleProgress.read_at,
            ModuleProgress.done_at,
        )
        .join(Course, Course.id == ModuleProgress.course_id)
        .outerjoin(CourseVersion, CourseVersion.id == ModuleProgress.version_id)
        .outerjoin(
            CourseModule,
            (CourseModule.version_id == ModuleProgress.version_id)
            & (CourseModule.slug == ModuleProgress.module_slug),
        )
        .where(ModuleProgress.user_id == user_id)
        .order_by(Course.slug, ModuleProgress.opened_at, ModuleProgress.id)
    )
    return [
        {
            "kursus": course,
            "judul_kursus": course_title,
            "modul": module,
            "judul_modul": module_title,
            "dibuka_pertama": _iso(opened),
            "dibuka_terakhir": _iso(last),
            "dibaca_sampai_akhir": _iso(read),
            "selesai": _iso(done),
        }
        for course, course_title, module, module_title, opened, last, read, done in rows
    ]


def _attempts(session: Session, user_id: int) -> list[dict[str, Any]]:
    mine = select(QuizAttempt.id).where(QuizAttempt.user_id == user_id)
    answers: dict[int, dict[str, Any]] = {}
    for answer in session.scalars(
        select(QuizAnswer)
        .where(QuizAnswer.attempt_id.in_(mine))
        .order_by(QuizAnswer.attempt_id, QuizAnswer.question_id)
    ):
        answers.setdefault(answer.attempt_id, {})[answer.question_id] = {
            "jawaban": answer.value,
            "disimpan_pada": _iso(answer.saved_at),
        }
    rows = session.execute(
        select(QuizAttempt, Quiz.title, Course.slug)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Course, Course.id == Quiz.course_id)
        .where(QuizAttempt.user_id == user_id)
        .order_by(QuizAttempt.started_at, QuizAttempt.id)
    )
    return [
        {
            "kursus": course,
            "kuis": title,
            "percobaan_ke": a.number,
            "mulai": _iso(a.started_at),
            "batas_waktu": _iso(a.deadline_at),
            "dikirim": _iso(a.submitted_at),
            "ditutup_oleh": a.closed_by,
            "skor": a.score,
            "skor_maksimal": a.max_score,
            "persen": a.percent,
            "dinilai_pada": _iso(a.graded_at),
            "hasil_per_soal": a.result,
            "jawaban": answers.get(a.id, {}),
        }
        for a, title, course in rows
    ]


def _practice(session: Session, user_id: int) -> list[dict[str, Any]]:
    from lms.practice.services import scenarios

    books = list(
        session.scalars(
            select(PracticeBook).where(PracticeBook.user_id == user_id).order_by(PracticeBook.id)
        )
    )
    if not books:
        return []
    lines: dict[int, list[dict[str, Any]]] = {}
    for line in session.scalars(
        select(PracticeLine)
        .join(PracticeEntry, PracticeEntry.id == PracticeLine.entry_id)
        .join(PracticeBook, PracticeBook.id == PracticeEntry.book_id)
        .where(PracticeBook.user_id == user_id)
        .order_by(PracticeLine.entry_id, PracticeLine.position)
    ):
        lines.setdefault(line.entry_id, []).append(
            {"akun": line.account_code, "debit": line.debit, "kredit": line.credit}
        )
    entries: dict[int, list[dict[str, Any]]] = {}
    for entry in session.scalars(
        select(PracticeEntry)
        .join(PracticeBook, PracticeBook.id == PracticeEntry.book_id)
        .where(PracticeBook.user_id == user_id)
        .order_by(PracticeEntry.book_id, PracticeEntry.generation, PracticeEntry.number)
    ):
        entries.setdefault(entry.book_id, []).append(
            {
                "putaran": entry.generation,
                "nomor": entry.number,
                "tanggal": _iso(entry.date),
                "keterangan": entry.description,
                "jenis": entry.kind,
                "membalik_nomor": entry.reverses,
                "alasan": entry.reason,
                "dicatat_pada": _iso(entry.created_at),
                "baris": lines.get(entry.id, []),
            }
        )
    known = scenarios()
    return [
        {
            "skenario": book.scenario,
            "judul": known[book.scenario].title if book.scenario in known else None,
            "putaran_sekarang": book.generation,
            "dibuat_pada": _iso(book.created_at),
            "diubah_pada": _iso(book.updated_at),
            "isian_belum_dicatat": book.draft,
            "jurnal": entries.get(book.id, []),
        }
        for book in books
    ]


def _certificates(session: Session, user_id: int) -> list[tuple[Certificate, str, str, str | None]]:
    rows = session.execute(
        select(Certificate, Cohort.name, Cohort.province_code, Cohort.regency_code)
        .join(Cohort, Cohort.id == Certificate.cohort_id)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.issued_at, Certificate.id)
    )
    return [(cert, name, province, regency) for cert, name, province, regency in rows]


def _certificate_data(
    rows: list[tuple[Certificate, str, str, str | None]], settings: Settings
) -> list[dict[str, Any]]:
    out = []
    for cert, cohort, _province, _regency in rows:
        url = cert.recipient.get("tautan") or f"{settings.public_url.rstrip('/')}/v/{cert.code}"
        out.append(
            {
                "nomor": cert.number,
                "kode_verifikasi": cert.code,
                "tautan_verifikasi": url,
                "angkatan": cert.title or cohort,
                "kursus": cert.course,
                "jam_pelajaran": cert.hours,
                "penerbit": cert.issuer_name,
                "tanggal_terbit": _iso(cert.issued_on),
                "revisi": cert.revision,
                "tercetak_atas_nama": {
                    k: cert.recipient.get(k, "") for k in ("nama", "jabatan", "koperasi", "wilayah")
                },
                "dicabut": cert.revoked_at is not None,
                "dicabut_pada": _iso(cert.revoked_at),
                "alasan_pencabutan": cert.revoked_reason,
            }
        )
    return out


def _processing_log(
    session: Session, user: User, certificates: set[CertKey]
) -> list[dict[str, Any]]:
    actor = aliased(User)
    rows = session.execute(
        select(AuditEntry, actor.role)
        .outerjoin(actor, actor.id == AuditEntry.actor_id)
        .where(_audit_of(user.id))
        .order_by(AuditEntry.at, AuditEntry.id)
    )
    out = []
    for entry, actor_role in rows:
        own = entry.actor_id == user.id
        about = _about(entry, user.id, certificates)
        if own:
            by = user.name
        elif entry.actor_id is None:
            by = "sistem"
        else:
            # Another member of staff: their role only, never their name (their personal data).
            by = _role_name(actor_role)
        item: dict[str, Any] = {
            "waktu": _iso(entry.at),
            "tindakan": entry.action,
            "oleh": by,
            "tentang": entry.entity_type,
            "alasan": entry.reason,
        }
        if about is not None:
            # What changed in the person's own data; an entry that is only an action they took
            # on someone else's record (a pendamping's roll call) keeps that person's data out.
            item["sebelum"] = entry.before
            item["sesudah"] = entry.after
        if own:
            item["ip"] = entry.ip
        out.append(item)
    return out


def personal_data(session: Session, user: User, settings: Settings) -> dict[str, Any]:
    """Everything the platform holds about `user`, one query per section (no N+1)."""
    certificates = _certificates(session, user.id)
    keys = {(c.number, province, regency) for c, _name, province, regency in certificates}
    return {
        "berkas": {
            "dibuat_pada": _iso(utcnow()),
            "keterangan": "Semua waktu dalam UTC (WIB = UTC+7, WITA = UTC+8, WIT = UTC+9).",
        },
        "profil": _profile(session, user, settings),
        "sesi_masuk": _login_sessions(session, user.id),
        "kartu_masuk": _login_cards(session, user.id),
        "gagal_masuk": _failed_logins(session, user),
        "angkatan": _cohorts(session, user.id),
        "kehadiran": _attendance(session, user.id),
        "kelas": _enrolments(session, user.id),
        "progres_modul": _module_progress(session, user.id),
        "percobaan_kuis": _attempts(session, user.id),
        "buku_latihan": _practice(session, user.id),
        "sertifikat": _certificate_data(certificates, settings),
        "log_pemrosesan": _processing_log(session, user, keys),
    }


def local_today(user: User, settings: Settings) -> date:
    from zoneinfo import ZoneInfo

    zone = timezone_for_region(user.province_code) if user.province_code else None
    return utcnow().astimezone(ZoneInfo(TIMEZONES[zone or settings.default_timezone])).date()


# The read-me is Indonesian whatever the page language, like the keys of the data file: it
# explains a legal right under an Indonesian law to the person it belongs to.
README = """DATA PRIBADI ANDA DI LMS KOPERASI MERAH PUTIH
Dibuat: {generated}
Untuk: {name}

Berkas ini memuat semua data tentang Anda yang disimpan platform pelatihan Koperasi
Desa/Kelurahan Merah Putih, sesuai hak Anda menurut Undang-Undang Nomor 27 Tahun 2022
tentang Pelindungan Data Pribadi. Datanya ada di data-saya.json (teks UTF-8 yang dapat
dibuka dengan aplikasi teks apa pun). Semua waktu di dalamnya dalam UTC: tambahkan 7 jam
untuk WIB, 8 jam untuk WITA, 9 jam untuk WIT.

ISI data-saya.json
- profil: nama, nomor HP, email, peran, jabatan, koperasi beserta desa, kecamatan,
  kabupaten/kota dan provinsinya, NIK lengkap (jika tercatat), bahasa, tanggal akun dibuat
  dan terakhir masuk. Dipakai untuk mengenali Anda, membuat Anda bisa masuk, dan
  menghubungkan Anda dengan koperasi Anda dalam Bimtek.
- sesi_masuk: setiap kali Anda masuk: kapan, terakhir aktif, alamat IP dan peramban.
  Dipakai untuk menjaga keamanan akun.
- kartu_masuk: kartu masuk ber-QR yang pernah dicetak untuk Anda: kapan dibuat, berlaku
  sampai, dipakai atau dibatalkan. Kodenya sendiri tidak disimpan dalam bentuk terbaca.
- gagal_masuk: percobaan masuk yang gagal ke akun Anda (dihapus otomatis setelah sekitar
  15 menit). Dipakai untuk menahan orang yang menebak kata sandi.
- angkatan: angkatan Bimtek yang Anda ikuti.
- kehadiran: presensi Anda di setiap sesi: tanggal, topik, status, cara (QR atau daftar
  hadir) dan waktunya. Dipakai untuk laporan kehadiran dan syarat sertifikat.
- kelas dan progres_modul: kursus yang Anda ikuti dan modul yang sudah dibuka, dibaca dan
  diselesaikan.
- percobaan_kuis: setiap percobaan kuis dengan nilai dan jawaban Anda.
- buku_latihan: buku latihan pembukuan Anda (hanya Anda yang dapat melihatnya).
- sertifikat: sertifikat Anda: nomor, kode dan tautan verifikasi, tanggal terbit, dan
  apakah dicabut. Siapa pun yang memegang kode dapat memeriksa keasliannya.
- log_pemrosesan: catatan siapa melakukan apa terhadap data Anda dan kapan. Petugas
  lain ditulis dengan perannya saja, bukan namanya.

HAK ANDA
- Hak akses: Anda dapat mengunduh berkas ini kapan saja dari halaman Akun > Data pribadi
  saya.
- Hak perbaikan: jika ada data yang salah (misalnya nama atau jabatan), minta operator
  dinas koperasi kabupaten/kota Anda atau admin platform untuk memperbaikinya.
- Hak penghapusan: Anda dapat meminta data pribadi Anda dihapus melalui dinas atau admin.
  Nama, nomor HP, email dan NIK Anda lalu dihapus dan akun Anda tidak dapat dipakai lagi;
  angka kehadiran, nilai dan sertifikat tetap dihitung dalam laporan tanpa nama Anda, dan
  halaman verifikasi sertifikat hanya menyebut bahwa data pemegangnya sudah dihapus.

Jika ada pertanyaan tentang data Anda, hubungi dinas koperasi yang menyelenggarakan
Bimtek Anda.
"""


def export_zip(data: dict[str, Any], user: User, settings: Settings) -> bytes:
    zone = (timezone_for_region(user.province_code) if user.province_code else None) or (
        settings.default_timezone
    )
    now = utcnow()
    generated = f"{format_date(now, zone, 'id')} {format_time(now, zone)}"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data-saya.json", json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n"
        )
        archive.writestr("BACA-SAYA.txt", README.format(generated=generated, name=user.name))
    return buffer.getvalue()


# -- anonymising -----------------------------------------------------------------------------


def _identifiers(user: User, settings: Settings) -> list[str]:
    """The strings that name this person, as they may appear in free text (a reason, a note)."""
    found = [user.name.strip()] if len(user.name.strip()) >= 3 else []
    if user.email:
        found.append(user.email)
    if user.phone:
        digits = user.phone.removeprefix("+62")
        found += [user.phone, "62" + digits, "0" + digits]
    if user.nik_cipher:
        from cryptography.exceptions import InvalidTag

        with contextlib.suppress(InvalidTag, ValueError):  # a rotated secret: nothing to find
            found.append(nik.decrypt(settings.secret_key, user.nik_cipher))
    # Longest first, so a phone's "0812..." form is not cut by a shorter match inside it.
    return sorted({f for f in found if f}, key=len, reverse=True)


def _scrub_text(text: str, identifiers: list[str]) -> str:
    for value in identifiers:
        text = re.sub(re.escape(value), REMOVED, text, flags=re.IGNORECASE)
    return text


def _scrub_json(value: Any, identifiers: list[str], keys: frozenset[str] = PERSONAL_KEYS) -> Any:
    if isinstance(value, dict):
        return {
            k: REMOVED if k in keys else _scrub_json(v, identifiers, keys) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_scrub_json(v, identifiers, keys) for v in value]
    if isinstance(value, str):
        return _scrub_text(value, identifiers)
    return value


def check(user: User, reason: str) -> str:
    """The reason, tidied, if `user` may be anonymised with it; else PrivacyError."""
    problem = refusal(user)
    if problem is not None:
        raise PrivacyError("role", problem)
    reason = " ".join(reason.split())
    if len(reason) < MIN_REASON:
        raise PrivacyError(
            "alasan",
            _(
                "Tulis alasan penganoniman, minimal %(n)d karakter (mis. permintaan yang "
                "bersangkutan melalui dinas, dengan tanggal suratnya)."
            )
            % {"n": MIN_REASON},
        )
    return reason


def anonymise(
    session: Session,
    user: User,
    actor: User,
    reason: str,
    ip: str | None,
    *,
    settings: Settings | None = None,
) -> None:
    """Remove what identifies `user`, in the caller's transaction; a second call does nothing.

    Raises PrivacyError for a staff account or a missing reason."""
    if is_anonymised(user):
        return
    reason = check(user, reason)
    settings = settings or get_settings()
    uid = user.id
    identifiers = _identifiers(user, settings)
    accounts = [a for a in (user.phone, user.email) if a]
    name = anonymous_name(uid)

    certificates = _certificates(session, uid)
    for cert, _cohort, _province, _regency in certificates:
        cert.recipient = {
            "nama": name,
            "jabatan": "",
            "koperasi": "",
            "wilayah": "",
            "kode": cert.code,
            "tautan": cert.recipient.get("tautan", ""),
            ANONYMISED_MARK: "ya",
        }
        if cert.revoked_reason:
            cert.revoked_reason = _scrub_text(cert.revoked_reason, identifiers)
    if certificates:
        # The printed page and the signed credential both carry the name. The row, its number
        # and base stay: the certificate still counts and still verifies as issued.
        session.execute(
            update(Certificate)
            .where(Certificate.user_id == uid)
            .values(stamp=None, signed_pdf=None, credential="")
        )
    keys = {(c.number, province, regency) for c, _name, province, regency in certificates}

    for entry in session.scalars(select(AuditEntry).where(_audit_of(uid))):
        about = _about(entry, uid, keys)
        if about == "user":
            entry.before = {ANONYMISED_MARK: True} if entry.before is not None else None
            entry.after = {ANONYMISED_MARK: True} if entry.after is not None else None
        elif about is not None:
            entry.before = _scrub_json(entry.before, identifiers)
            entry.after = _scrub_json(entry.after, identifiers)
        else:
            # The person's action on someone else's record: that record's data stays, only a
            # mention of the person goes.
            entry.before = _scrub_json(entry.before, identifiers, frozenset())
            entry.after = _scrub_json(entry.after, identifiers, frozenset())
        if entry.reason:
            entry.reason = _scrub_text(entry.reason, identifiers)
        if entry.actor_id == uid:
            entry.ip = None  # the person's own address

    # A facilitator's note ("sakit, dirawat di ...") may name the person or their health; the
    # status, which the dashboards count, stays.
    session.execute(
        update(Attendance).where(Attendance.user_id == uid, Attendance.note != "").values(note="")
    )
    removed = {
        "sesi_masuk": session.execute(delete(UserSession).where(UserSession.user_id == uid)),
        "kartu_masuk": session.execute(delete(LoginToken).where(LoginToken.user_id == uid)),
        # Only the person could open their practice ledgers, which hold free text they typed;
        # nothing counts them.
        "buku_latihan": session.execute(delete(PracticeBook).where(PracticeBook.user_id == uid)),
    }
    if accounts:
        session.execute(delete(LoginFailure).where(LoginFailure.account.in_(accounts)))

    user.name = name
    user.phone = user.email = None
    user.nik_cipher = user.nik_hash = user.nik_last4 = None
    user.locale = None
    user.password_hash = ANONYMISED_HASH
    user.is_active = False
    record(
        session,
        actor=actor,
        action="pengguna.anonimkan",
        entity_type="user",
        entity_id=uid,
        after={
            ANONYMISED_MARK: True,
            "sertifikat": len(certificates),
            **{k: int(getattr(r, "rowcount", 0) or 0) for k, r in removed.items()},
        },
        reason=_scrub_text(reason, identifiers)[:500],
        ip=ip,
        region_code=user.regency_code or user.province_code,
    )
    session.flush()
