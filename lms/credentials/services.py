"""Who may have a certificate, issuing them in a batch, printing, reissue and revocation.

The certificates/ library does the numbering, the credential, the layout and the signing; this
module decides who is eligible, keeps the gap-free numbers and stores what was issued. PDFs are
laid out and stamped in a child process (lms.credentials.worker), so WeasyPrint, pypdf and segno
never load in a web worker; a download is the stored base plus the person's small update.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, cast

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, load_only, undefer

from certificates import numbering
from certificates.stamp import Base as PageBase
from certificates.stamp import print_file
from certificates.stamp import update as certificate_update
from certificates.template import DEFAULT, Event, Recipient, Template
from lms import runtime
from lms.accounts import nik
from lms.accounts.models import User
from lms.accounts.services import jabatan_label
from lms.assessment.models import Quiz, QuizAttempt
from lms.assessment.services import final_attempt
from lms.audit.services import record
from lms.cohorts.models import Attendance, Cohort, CohortCourse, CohortMember, CohortSession
from lms.cohorts.services import PRESENT, local_zone, members, signing_place
from lms.config import Settings
from lms.credentials.models import Certificate, CertificateBase, Issuer
from lms.db import begin_write, utcnow
from lms.i18n import format_date
from lms.i18n import gettext as _
from lms.learning.models import Course, CourseModule, CourseVersion, ModuleProgress
from lms.regions.models import LEVEL_REGENCY, Region
from lms.reports.stale import mark_stale

if TYPE_CHECKING:  # the credential library (joserfc) is loaded only when signing
    from certificates import credential as vc

# Certificates stamped per step of the batch (one child process each): big enough that the
# child's start-up is a small share, small enough that the progress bar moves every second.
STEP = 175
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: it is read aloud and typed
# Entries per status list (the W3C minimum, certificates.credential.STATUS_LIST_SIZE).
STATUS_LIST_SIZE = 131072


class CertificateError(ValueError):
    """A refusal a person can act on; the message (Indonesian) says what to do."""


# -- eligibility ---------------------------------------------------------------------------------


@dataclass
class Standing:
    """One member against the cohort's completion rule, and why not yet."""

    user_id: int
    name: str
    jabatan: str | None
    koperasi: str | None
    village: str | None
    present: int
    sessions: int
    score: float | None  # average percent over the cohort's quizzes taken
    quizzes_done: int
    quizzes: int
    modules_done: int
    modules_required: int
    reasons: list[str] = field(default_factory=list)
    certificate: Certificate | None = None

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def attendance(self) -> int:
        return self.present * 100 // self.sessions if self.sessions else 0


@dataclass(frozen=True)
class CourseInfo:
    id: int
    title: str
    hours: int
    version_id: int
    modules_required: int


def cohort_courses(session: Session, cohort_id: int) -> list[CourseInfo]:
    rows = session.execute(
        select(
            Course.id,
            CourseVersion.title,
            CourseVersion.hours_jp,
            CourseVersion.id,
            CourseVersion.completion_modules,
            CourseVersion.module_count,
        )
        .join(CohortCourse, CohortCourse.course_id == Course.id)
        .join(CourseVersion, CourseVersion.id == Course.current_version_id)
        .where(CohortCourse.cohort_id == cohort_id)
        .order_by(CourseVersion.title)
    )
    return [
        CourseInfo(cid, title, hours, vid, completion or count)
        for cid, title, hours, vid, completion, count in rows
    ]


def standings(
    session: Session, cohort: Cohort, courses: list[CourseInfo] | None = None
) -> list[Standing]:
    """Every member with their attendance, quiz score, modules and certificate, and the reasons
    they are not eligible yet (a fixed number of queries whatever the size of the hall)."""
    people = members(session, cohort.id)
    member_ids = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
    sessions = session.scalar(select(func.count()).where(CohortSession.cohort_id == cohort.id)) or 0
    present = dict(
        session.execute(
            select(Attendance.user_id, func.count())
            .join(CohortSession, CohortSession.id == Attendance.session_id)
            .where(
                CohortSession.cohort_id == cohort.id,
                Attendance.status.in_([s.value for s in PRESENT]),
            )
            .group_by(Attendance.user_id)
        ).all()
    )
    courses = cohort_courses(session, cohort.id) if courses is None else courses
    done: dict[int, int] = {}
    if courses and cohort.require_modules:
        # A module counts when it is done and still part of the course's current version.
        for user_id, course_id, count in session.execute(
            select(ModuleProgress.user_id, ModuleProgress.course_id, func.count())
            .join(
                CourseModule,
                (CourseModule.slug == ModuleProgress.module_slug)
                & CourseModule.version_id.in_([c.version_id for c in courses]),
            )
            .join(
                CourseVersion,
                (CourseVersion.id == CourseModule.version_id)
                & (CourseVersion.course_id == ModuleProgress.course_id),
            )
            .where(
                ModuleProgress.done_at.is_not(None),
                ModuleProgress.user_id.in_(member_ids),
            )
            .group_by(ModuleProgress.user_id, ModuleProgress.course_id)
        ):
            required = next(c.modules_required for c in courses if c.id == course_id)
            done[user_id] = done.get(user_id, 0) + min(count, required)
    quizzes = (
        list(
            session.scalars(
                select(Quiz)
                .where(Quiz.course_id.in_([c.id for c in courses]), Quiz.active.is_(True))
                .order_by(Quiz.position, Quiz.id)
            )
        )
        if courses and cohort.min_quiz_score is not None
        else []
    )
    attempts: dict[tuple[int, int], list[QuizAttempt]] = {}
    if quizzes:
        for attempt in session.scalars(
            select(QuizAttempt)
            .where(
                QuizAttempt.quiz_id.in_([q.id for q in quizzes]),
                QuizAttempt.user_id.in_(member_ids),
                QuizAttempt.score.is_not(None),
            )
            # Not the graded answers (`result`): a hall of 350 with six quizzes each would load
            # megabytes of feedback to read one number per attempt.
            .options(
                load_only(
                    QuizAttempt.user_id,
                    QuizAttempt.quiz_id,
                    QuizAttempt.number,
                    QuizAttempt.score,
                    QuizAttempt.percent,
                )
            )
        ):
            attempts.setdefault((attempt.user_id, attempt.quiz_id), []).append(attempt)
    certificates = {
        c.user_id: c
        for c in session.scalars(select(Certificate).where(Certificate.cohort_id == cohort.id))
    }
    modules_required = sum(c.modules_required for c in courses) if cohort.require_modules else 0

    result = []
    for person in people:
        percents = []
        missing = []
        for quiz in quizzes:
            counted = final_attempt(quiz, attempts.get((person.id, quiz.id), []))
            if counted is None or counted.percent is None:
                missing.append(quiz.title)
            else:
                percents.append(counted.percent)
        standing = Standing(
            user_id=person.id,
            name=person.name,
            jabatan=person.jabatan,
            koperasi=person.koperasi_name,
            village=person.village_name,
            present=present.get(person.id, 0),
            sessions=sessions,
            score=sum(percents) / len(percents) if percents else None,
            quizzes_done=len(percents),
            quizzes=len(quizzes),
            modules_done=done.get(person.id, 0),
            modules_required=modules_required,
            certificate=certificates.get(person.id),
        )
        standing.reasons = reasons(cohort, standing, missing)
        result.append(standing)
    return result


def reasons(cohort: Cohort, s: Standing, missing_quizzes: list[str]) -> list[str]:
    """Why a member does not meet the rule yet, one short phrase per unmet condition."""
    out = []
    if s.sessions == 0:
        out.append(_("angkatan belum punya sesi"))
    elif s.present * 100 < cohort.min_attendance * s.sessions:
        out.append(
            _("kehadiran %(got)s%% (%(present)s dari %(total)s sesi), minimal %(min)s%%")
            % {
                "got": s.attendance,
                "present": s.present,
                "total": s.sessions,
                "min": cohort.min_attendance,
            }
        )
    if cohort.min_quiz_score is not None and s.quizzes:
        if missing_quizzes:
            out.append(
                _("kuis belum dikerjakan: %(names)s") % {"names": ", ".join(missing_quizzes)}
            )
        elif s.score is not None and s.score < cohort.min_quiz_score:
            out.append(
                _("nilai kuis %(got)s, minimal %(min)s")
                % {"got": _score(s.score), "min": cohort.min_quiz_score}
            )
    if cohort.require_modules and s.modules_done < s.modules_required:
        out.append(
            _("modul selesai %(done)s dari %(total)s")
            % {"done": s.modules_done, "total": s.modules_required}
        )
    return out


def _score(value: float) -> str:
    """A score as printed: no decimals when whole, else one (with the Indonesian comma)."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


# -- issuers and their keys ------------------------------------------------------------------------


def issuer_for(session: Session, cohort: Cohort, settings: Settings) -> Issuer:
    """The issuer of a cohort's certificates: the dinas of its region, with a signing key made
    the first time it issues."""
    from certificates import credential as vc

    found = session.scalar(select(Issuer).where(Issuer.region_code == cohort.region_code))
    if found is not None:
        return found
    region = session.get(Region, cohort.region_code)
    private = vc.generate_key()
    kid = vc.key_id(private)
    government = ""
    if region is not None:
        government = (
            f"Pemerintah {region.name.title() if region.name.isupper() else region.name}"
            if region.level == LEVEL_REGENCY
            else f"Pemerintah Provinsi {region.name.title()}"
        )
    issuer = Issuer(
        region_code=cohort.region_code,
        name=cohort.organizer,
        government=government,
        place=signing_place(session, cohort),
        key_sealed=nik.seal(settings.secret_key, private),
        kid=kid,
        public_jwk=vc.public_jwk(private, kid),
    )
    try:
        with session.begin_nested():
            session.add(issuer)
    except IntegrityError:
        # Another operator of the same dinas issued first: use the key they made.
        return session.scalars(select(Issuer).where(Issuer.region_code == cohort.region_code)).one()
    return issuer


def private_key(session: Session, issuer: Issuer, settings: Settings) -> bytes:
    session.refresh(issuer, ["key_sealed"])
    return nik.unseal(settings.secret_key, issuer.key_sealed)


def template_of(issuer: Issuer) -> Template:
    return Template(
        html=issuer.template_html or DEFAULT.html,
        css=issuer.template_css if issuer.template_css is not None else DEFAULT.css,
    )


def issuer_url(public_url: str, issuer: Issuer) -> str:
    return f"{public_url}/penerbit/{issuer.region_code}"


def status_list_url(public_url: str, issuer: Issuer, list_no: int) -> str:
    return f"{public_url}/v/status/{issuer.id}/{list_no}"


def issuer_claim(public_url: str, issuer: Issuer) -> vc.Issuer:
    from certificates import credential as vc

    return vc.Issuer(id=issuer_url(public_url, issuer), name=issuer.name, url=public_url)


# -- issuing -------------------------------------------------------------------------------------


def new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(12))
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def normalise_code(text: str) -> str:
    raw = "".join(ch for ch in text.upper() if ch.isalnum())
    raw = raw.replace("O", "0").replace("I", "1")
    return f"{raw[:4]}-{raw[4:8]}-{raw[8:]}" if len(raw) == 12 else text.strip().upper()


def verify_url(public_url: str, code: str) -> str:
    return f"{public_url}/v/{code}"


def recipient_of(
    user: User, koperasi: str | None, village: str | None, district: str | None
) -> dict[str, str]:
    """What a certificate says about its person, from the account as it is now (never NIK)."""
    where = ""
    if village:
        where = village + (f", {_('Kecamatan')} {district}" if district else "")
    return {
        "nama": user.name,
        "jabatan": jabatan_label(user.jabatan) or "",
        "koperasi": koperasi or "",
        "wilayah": where,
    }


def _recipients(session: Session, user_ids: list[int]) -> dict[int, dict[str, str]]:
    from sqlalchemy.orm import aliased

    from lms.regions.models import Koperasi

    village, district = aliased(Region), aliased(Region)
    out: dict[int, dict[str, str]] = {}
    for i in range(0, len(user_ids), 500):
        rows = session.execute(
            select(User, Koperasi.name, village.name, district.name)
            .outerjoin(Koperasi, Koperasi.id == User.koperasi_id)
            .outerjoin(village, village.code == Koperasi.village_code)
            .outerjoin(district, district.code == func.substr(Koperasi.village_code, 1, 8))
            .where(User.id.in_(user_ids[i : i + 500]))
        )
        for user, koperasi, village_name, district_name in rows:
            out[user.id] = recipient_of(user, koperasi, village_name, district_name)
    return out


def numbering_clash(session: Session, cohort: Cohort, pattern: str, code: str) -> str | None:
    """Why this pattern and code would repeat another angkatan's numbers, or None. Each
    angkatan counts from 001, so two of one dinas with the same pattern and code (in the same
    month) would print the same numbers."""
    other = session.scalar(
        select(Cohort.name).where(
            Cohort.region_code == cohort.region_code,
            Cohort.id != cohort.id,
            Cohort.certificate_pattern == pattern,
            func.upper(Cohort.certificate_code) == code.strip().upper(),
        )
    )
    if other is None:
        return None
    return _(
        "Angkatan lain di wilayah ini (%(name)s) sudah memakai pola dan kode ini, sehingga "
        "nomor sertifikatnya bisa sama. Bedakan kodenya, mis. %(example)s."
    ) % {"name": other, "example": f"{code.strip().upper() or 'KODE'}/A2"}


def check_numbering(cohort: Cohort) -> None:
    try:
        numbering.check_pattern(cohort.certificate_pattern)
    except numbering.NumberPatternError as exc:
        raise CertificateError(str(exc)) from None
    if "{kode}" in cohort.certificate_pattern and not cohort.certificate_code.strip():
        raise CertificateError(
            _("Isi kode instansi untuk nomor sertifikat (mis. DISKUM-TGR) sebelum menerbitkan.")
        )


def course_line(courses: list[CourseInfo]) -> tuple[str, int]:
    return "; ".join(c.title for c in courses), sum(c.hours for c in courses)


def _award(
    public_url: str,
    cohort: Cohort,
    cert: Certificate,
    courses: list[CourseInfo],
    issuer: Issuer,
) -> vc.Award:
    from certificates import credential as vc

    criteria = [_("Kehadiran minimal %(n)s%% sesi") % {"n": cohort.min_attendance}]
    if cohort.min_quiz_score is not None:
        criteria.append(_("nilai kuis minimal %(n)s") % {"n": cohort.min_quiz_score})
    if cohort.require_modules:
        criteria.append(_("semua modul selesai"))
    return vc.Award(
        credential_id=verify_url(public_url, cert.code),
        number=cert.number,
        name=cert.recipient["nama"],
        role=cert.recipient.get("jabatan", ""),
        organisation=cert.recipient.get("koperasi", ""),
        achievement_id=f"{public_url}/angkatan/{cohort.slug}",
        achievement_name=cert.title or cohort.name,
        achievement_description=cert.course,
        criteria="; ".join(criteria) + ".",
        hours=cert.hours,
        start=cohort.starts_on,
        end=cohort.ends_on,
        issued_at=cert.issued_at,
        status_list_url=status_list_url(public_url, issuer, cert.id // STATUS_LIST_SIZE),
        status_index=cert.id % STATUS_LIST_SIZE,
    )


def sign_certificate(
    session: Session,
    public_url: str,
    cohort: Cohort,
    cert: Certificate,
    courses: list[CourseInfo],
    issuer: Issuer,
    key: bytes,
) -> str:
    from certificates import credential as vc

    award = _award(public_url, cohort, cert, courses, issuer)
    claim = vc.Issuer(
        id=issuer_url(public_url, issuer), name=cert.issuer_name or issuer.name, url=public_url
    )
    return vc.sign(vc.build(award, claim), key, issuer.kid)


@dataclass(frozen=True)
class Issued:
    count: int
    first: str | None
    last: str | None


def issue(
    session: Session,
    cohort: Cohort,
    actor: User,
    settings: Settings,
    public_url: str,
    *,
    ip: str | None = None,
) -> Issued:
    """Give a certificate to every eligible member who has none yet, numbered without gaps.

    The cohort row is locked first (its sequence counter is updated in place), so two operators
    issuing at once queue: the second sees the first's certificates and continues its numbers.
    A failure rolls the counter back with the certificates, leaving no hole."""
    check_numbering(cohort)
    clash = numbering_clash(session, cohort, cohort.certificate_pattern, cohort.certificate_code)
    if clash is not None:
        raise CertificateError(clash)
    if not cohort.officer_name.strip():
        raise CertificateError(
            _(
                "Isi nama, jabatan dan NIP pejabat penanda tangan di data angkatan (Ubah) "
                "sebelum menerbitkan sertifikat."
            )
        )
    courses = cohort_courses(session, cohort.id)
    if not courses:
        raise CertificateError(_("Angkatan ini belum punya kursus: tambahkan kursusnya dulu."))
    last = session.execute(
        update(Cohort)
        .where(Cohort.id == cohort.id)
        .values(certificate_seq=Cohort.certificate_seq)
        .returning(Cohort.certificate_seq)
    ).scalar_one()
    session.expire(cohort, ["certificate_seq"])
    todo = [s for s in standings(session, cohort, courses) if s.eligible and s.certificate is None]
    if not todo:
        return Issued(0, None, None)
    course, hours = course_line(courses)
    issuer = issuer_for(session, cohort, settings)
    key = private_key(session, issuer, settings)
    now = utcnow()
    issued_on = now.astimezone(local_zone(cohort)).date()
    people = _recipients(session, [s.user_id for s in todo])
    made: list[Certificate] = []
    for offset, standing in enumerate(todo, start=1):
        seq = last + offset
        code = new_code()
        cert = Certificate(
            code=code,
            cohort_id=cohort.id,
            user_id=standing.user_id,
            issuer_id=issuer.id,
            seq=seq,
            number=numbering.format_number(
                cohort.certificate_pattern,
                seq=seq,
                kode=cohort.certificate_code.strip(),
                issued_on=issued_on,
            ),
            issued_on=issued_on,
            issued_at=now,
            issued_by_id=actor.id,
            recipient={
                **people[standing.user_id],
                "kode": code,
                "tautan": verify_url(public_url, code),
            },
            course=course,
            hours=hours,
            title=cohort.name,
            issuer_name=issuer.name,
            credential="",
        )
        made.append(cert)
    session.add_all(made)
    session.flush()  # the ids are the credentials' status-list indexes
    for cert in made:
        cert.credential = sign_certificate(session, public_url, cohort, cert, courses, issuer, key)
    session.execute(
        update(Cohort).where(Cohort.id == cohort.id).values(certificate_seq=last + len(made))
    )
    record(
        session,
        actor=actor,
        action="certificate.issue",
        entity_type="cohort",
        entity_id=cohort.id,
        after={"jumlah": len(made), "dari": made[0].number, "sampai": made[-1].number},
        ip=ip,
        region_code=cohort.region_code,
    )
    mark_stale(session, cohort_ids=[cohort.id])
    session.flush()
    return Issued(len(made), made[0].number, made[-1].number)


def reissue(
    session: Session,
    cert: Certificate,
    cohort: Cohort,
    actor: User,
    settings: Settings,
    public_url: str,
    *,
    reason: str,
    ip: str | None = None,
) -> bool:
    """Sign the certificate again with the person's data as it is now (a corrected name): same
    number, same code, next revision. Returns False when nothing printed would change."""
    reason = " ".join(reason.split())
    if len(reason) < 3:
        raise CertificateError(_("Tulis alasan penerbitan ulang (mis. nama salah ketik)."))
    if cert.revoked_at is not None:
        raise CertificateError(_("Sertifikat yang sudah dicabut tidak dapat diterbitkan ulang."))
    fresh = _recipients(session, [cert.user_id])[cert.user_id]
    before = {k: cert.recipient.get(k, "") for k in fresh}
    courses = cohort_courses(session, cohort.id)
    course, hours = course_line(courses)
    if before == fresh and (course, hours) == (cert.course, cert.hours):
        return False
    issuer = session.get(Issuer, cert.issuer_id)
    assert issuer is not None
    cert.recipient = {**cert.recipient, **fresh}
    cert.course, cert.hours = course, hours
    cert.title, cert.issuer_name = cohort.name, issuer.name
    cert.revision += 1
    cert.credential = sign_certificate(
        session, public_url, cohort, cert, courses, issuer, private_key(session, issuer, settings)
    )
    cert.base_id, cert.stamp, cert.signed_pdf = None, None, None
    record(
        session,
        actor=actor,
        action="certificate.reissue",
        entity_type="certificate",
        entity_id=cert.number,
        before=before,
        after={**fresh, "revisi": cert.revision},
        reason=reason,
        ip=ip,
        region_code=cohort.region_code,
    )
    session.flush()
    return True


def revoke(
    session: Session,
    cert: Certificate,
    cohort: Cohort,
    actor: User,
    *,
    reason: str,
    ip: str | None = None,
) -> None:
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise CertificateError(
            _("Tulis alasan pencabutan; alasan ini tampil di halaman verifikasi.")
        )
    if cert.revoked_at is not None:
        return
    cert.revoked_at, cert.revoked_reason, cert.revoked_by_id = utcnow(), reason[:300], actor.id
    record(
        session,
        actor=actor,
        action="certificate.revoke",
        entity_type="certificate",
        entity_id=cert.number,
        after={"kode": cert.code},
        reason=reason,
        ip=ip,
        region_code=cohort.region_code,
    )
    mark_stale(session, cohort_ids=[cohort.id])
    session.flush()


# -- the printed page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Face:
    """How an issuer appears on its certificates: a saved issuer, or the template form's values
    before they are saved (the preview)."""

    name: str
    government: str
    place: str
    logo: bytes | None
    logo_type: str


def face_of(session: Session, issuer: Issuer) -> Face:
    session.refresh(issuer, ["logo"])
    return Face(issuer.name, issuer.government, issuer.place, issuer.logo, issuer.logo_type)


def event_of(
    session: Session, cohort: Cohort, face: Face, *, batch: Certificate | None = None
) -> Event:
    """What the cohort's certificates share, printed in Indonesian whatever the page's language
    (a certificate is an official document of an Indonesian office). With `batch`, the names
    and the date are those that certificate was issued with."""
    from lms.i18n import format_date_range

    courses = cohort_courses(session, cohort.id)
    if batch is not None:
        sign_day = batch.issued_on
    else:
        today = utcnow().astimezone(local_zone(cohort)).date()
        sign_day = max(today, cohort.ends_on) if today >= cohort.starts_on else cohort.ends_on
    place = face.place.strip()
    return Event(
        issuer=(batch.issuer_name if batch is not None else "") or face.name,
        government=face.government,
        title=(batch.title if batch is not None else "") or cohort.name,
        courses=tuple(c.title for c in courses),
        hours=sum(c.hours for c in courses),
        dates=format_date_range(cohort.starts_on, cohort.ends_on, "id"),
        venue=cohort.venue,
        place_date=(f"{place}, " if place else "") + format_date(sign_day, locale="id"),
        signatory_name=cohort.officer_name,
        signatory_title=cohort.officer_title,
        signatory_nip=cohort.officer_nip,
        logo=face.logo,
        logo_type=face.logo_type,
    )


def _recipient(cert: Certificate) -> Recipient:
    r = cert.recipient
    return Recipient(
        nomor=cert.number,
        nama=r["nama"],
        jabatan=r.get("jabatan", ""),
        koperasi=r.get("koperasi", ""),
        wilayah=r.get("wilayah", ""),
        kode=cert.code,
        tautan=r.get("tautan", ""),
    )


@dataclass(frozen=True)
class Progress:
    done: int
    total: int

    @property
    def finished(self) -> bool:
        return self.done >= self.total

    @property
    def percent(self) -> int:
        return 100 if not self.total else self.done * 100 // self.total


def progress(session: Session, cohort_id: int) -> Progress:
    total, done = session.execute(
        select(func.count(), func.count(Certificate.base_id)).where(
            Certificate.cohort_id == cohort_id
        )
    ).one()
    return Progress(done, total)


class RenderFailed(RuntimeError):
    pass


def run_worker(payload: dict[str, Any], *, timeout: float = 120) -> dict[str, Any]:
    """Run the page worker; RenderFailed (Indonesian) for a refused template, a crash or a
    template that takes too long."""
    import logging
    import subprocess

    data = json.dumps(payload).encode()
    try:
        done = runtime.run_module("lms.credentials.worker", data=data, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RenderFailed(
            _(
                "Pencetakan terlalu lama (lebih dari %(n)s detik). Periksa templat: perulangan "
                "atau teks yang sangat panjang."
            )
            % {"n": int(timeout)}
        ) from None
    if done.returncode != 0:
        lines = done.stdout.decode("utf-8", "replace").strip().splitlines()
        if lines:  # the worker's own refusal, already in Indonesian
            raise RenderFailed(lines[-1])
        logging.getLogger("lms").error(
            "certificate worker failed: %s", done.stderr.decode("utf-8", "replace")[-2000:]
        )
        raise RenderFailed(
            _("Sertifikat gagal dicetak karena kesalahan sistem. Coba lagi, atau hubungi admin.")
        )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def template_payload(template: Template, event: Event) -> dict[str, Any]:
    return {
        "template": {"html": template.html, "css": template.css},
        "event": {
            "issuer": event.issuer,
            "government": event.government,
            "title": event.title,
            "courses": list(event.courses),
            "hours": event.hours,
            "dates": event.dates,
            "venue": event.venue,
            "place_date": event.place_date,
            "signatory_name": event.signatory_name,
            "signatory_title": event.signatory_title,
            "signatory_nip": event.signatory_nip,
            "logo": base64.b64encode(event.logo).decode() if event.logo else None,
            "logo_type": event.logo_type,
        },
    }


def recipient_payload(r: Recipient) -> dict[str, str]:
    return {
        f: getattr(r, f)
        for f in ("nomor", "nama", "jabatan", "koperasi", "wilayah", "kode", "tautan")
    }


def _signer_payload(session: Session, issuer: Issuer, settings: Settings) -> dict[str, str] | None:
    if issuer.p12_sealed is None or issuer.p12_password_sealed is None:
        return None
    return {
        "p12": base64.b64encode(nik.unseal(settings.secret_key, issuer.p12_sealed)).decode(),
        "password": nik.unseal(settings.secret_key, issuer.p12_password_sealed).decode(),
        "location": issuer.place,
    }


def render_step(
    session: Session, cohort: Cohort, settings: Settings, *, limit: int = STEP
) -> Progress:
    """Lay out and stamp the next `limit` certificates of the cohort that have no page yet (one
    child process). Called again and again by the page's progress bar until all are done;
    certificates already stamped are never touched, so two tabs only repeat a little work."""
    pending = list(
        session.scalars(
            select(Certificate)
            .options(undefer(Certificate.credential))
            .where(Certificate.cohort_id == cohort.id, Certificate.base_id.is_(None))
            .order_by(Certificate.seq)
            .limit(limit)
        )
    )
    if not pending:
        return progress(session, cohort.id)
    # One page layout per date and names of issue; later batches come in later steps.
    first = pending[0]
    pending = [
        c
        for c in pending
        if (c.issued_on, c.title, c.issuer_name, c.issuer_id)
        == (first.issued_on, first.title, first.issuer_name, first.issuer_id)
    ]
    issuer = session.get(Issuer, first.issuer_id)
    assert issuer is not None
    template = template_of(issuer)
    event = event_of(session, cohort, face_of(session, issuer), batch=first)
    from certificates.render import digest

    key = digest(template, event)
    recipients = {c.id: _recipient(c) for c in pending}
    base_row = session.scalars(
        select(CertificateBase)
        .options(undefer(CertificateBase.pdf), undefer(CertificateBase.layout))
        .where(CertificateBase.cohort_id == cohort.id, CertificateBase.digest == key)
        .order_by(CertificateBase.id.desc())
        .limit(1)
    ).first()
    base = PageBase.load(base_row.pdf, base_row.layout) if base_row else None
    if base is not None and not all(base.covers(r) for r in recipients.values()):
        base, base_row = None, None
    payload: dict[str, Any] = template_payload(template, event)
    if base is None:
        # Lay out a new base holding the glyphs of every certificate still waiting.
        waiting = [
            _recipient(c)
            for c in session.scalars(
                select(Certificate).where(
                    Certificate.cohort_id == cohort.id, Certificate.base_id.is_(None)
                )
            )
        ]
        payload["chars"] = {
            f: "".join(sorted({ch for r in waiting for ch in getattr(r, f)}))
            for f in ("nomor", "nama", "jabatan", "koperasi", "wilayah", "kode", "tautan")
        }
    else:
        assert base_row is not None
        payload["base"] = {
            "pdf": base64.b64encode(base_row.pdf).decode(),
            "layout": base_row.layout,
        }
    payload["people"] = [
        {
            "id": c.id,
            "recipient": recipient_payload(recipients[c.id]),
            "credential": c.credential,
            "issued_at": c.issued_at.isoformat(),
        }
        for c in pending
    ]
    payload["signer"] = _signer_payload(session, issuer, settings)
    # The child runs outside any write transaction: on SQLite a write lock held for the seconds
    # it takes would make the hall's check-ins and quiz answers wait.
    session.commit()  # ends the read transaction (nothing was written; objects stay loaded)
    result = run_worker(payload)
    begin_write(session)
    if base_row is None:
        base_row = CertificateBase(
            cohort_id=cohort.id,
            digest=key,
            pdf=base64.b64decode(result["base"]["pdf"]),
            layout=result["base"]["layout"],
            parts=result["base"]["layout"]["pdf"],
        )
        session.add(base_row)
        session.flush()
    for cert in pending:
        out = result["people"][str(cert.id)]
        session.execute(
            update(Certificate)
            .where(Certificate.id == cert.id, Certificate.base_id.is_(None))
            .values(
                base_id=base_row.id,
                stamp=base64.b64decode(out["stamp"]),
                signed_pdf=base64.b64decode(out["signed"]) if out.get("signed") else None,
            )
        )
    session.flush()
    return progress(session, cohort.id)


def _base(session: Session, base_id: int) -> PageBase:
    """A base for writing files: its bytes and where things are in them (no glyph maps); read
    per download, since a worker keeps no PDFs."""
    row = session.scalars(
        select(CertificateBase)
        .options(undefer(CertificateBase.pdf), undefer(CertificateBase.parts))
        .where(CertificateBase.id == base_id)
    ).one()
    return PageBase.for_files(row.pdf, row.parts)


def _file(cert: Certificate, base: PageBase | None) -> bytes:
    """A certificate's file: the signed whole, or its base plus its own update."""
    if cert.signed_pdf:
        return cert.signed_pdf
    assert base is not None and cert.stamp is not None
    return base.pdf + certificate_update(
        base, cert.stamp, cert.credential, cert.issued_at, cert.code
    )


def pdf_of(session: Session, cert: Certificate) -> bytes:
    """The certificate file, for a download."""
    if cert.base_id is None:
        raise CertificateError(_("Sertifikat ini sedang dicetak; coba lagi sebentar lagi."))
    session.refresh(cert, ["stamp", "signed_pdf", "credential"])
    return _file(cert, None if cert.signed_pdf else _base(session, cert.base_id))


def file_name(cert: Certificate) -> str:
    from lms.cohorts.services import slugify

    return f"sertifikat-{cert.seq:03d}-{slugify(cert.recipient['nama'])[:40]}.pdf"


def rendered(cohort_id: int, *, files: bool = False) -> Select[Certificate]:
    """The cohort's printed certificates in force, in number order (a revoked one is not handed
    out, nor one whose holder was anonymised: its page is gone); with `files`, their stamps and
    credentials come in the same query."""
    stmt = (
        select(Certificate)
        .where(
            Certificate.cohort_id == cohort_id,
            Certificate.base_id.is_not(None),
            Certificate.revoked_at.is_(None),
            or_(Certificate.stamp.is_not(None), Certificate.signed_pdf.is_not(None)),
        )
        .order_by(Certificate.seq)
    )
    if files:
        stmt = stmt.options(
            undefer(Certificate.stamp),
            undefer(Certificate.signed_pdf),
            undefer(Certificate.credential),
        )
    return stmt


def zip_chunks(session: Session, cohort_id: int) -> Iterator[bytes]:
    """All certificates of a cohort as a ZIP, written as it streams (PDFs are stored, not
    deflated: their contents are compressed already)."""
    import zipfile

    class _Sink:
        def __init__(self) -> None:
            self.parts: list[bytes] = []
            self.position = 0

        def write(self, data: bytes) -> int:
            self.parts.append(bytes(data))
            self.position += len(data)
            return len(data)

        def tell(self) -> int:
            return self.position

        def flush(self) -> None:
            pass

        def take(self) -> bytes:
            out, self.parts = b"".join(self.parts), []
            return out

    sink = _Sink()
    bases: dict[int, PageBase] = {}
    with zipfile.ZipFile(cast(IO[bytes], sink), "w", compression=zipfile.ZIP_STORED) as archive:
        # Read in slices: a hall's stamps and credentials are not all held at once.
        for cert in session.scalars(
            rendered(cohort_id, files=True).execution_options(yield_per=100)
        ):
            assert cert.base_id is not None
            if cert.base_id not in bases and not cert.signed_pdf:
                bases[cert.base_id] = _base(session, cert.base_id)
            archive.writestr(file_name(cert), _file(cert, bases.get(cert.base_id)))
            yield sink.take()
    yield sink.take()


def print_pdf(session: Session, cohort_id: int) -> bytes:
    """Every certificate of the cohort in one PDF for printing, in number order."""
    certs = list(session.scalars(rendered(cohort_id).options(undefer(Certificate.stamp))))
    if not certs:
        raise CertificateError(_("Belum ada sertifikat yang siap dicetak."))
    groups: dict[int, list[bytes]] = {}
    order: list[int] = []
    for cert in certs:
        assert cert.base_id is not None and cert.stamp is not None
        if cert.base_id not in groups:
            order.append(cert.base_id)
        groups.setdefault(cert.base_id, []).append(cert.stamp)
    files = [print_file(_base(session, b), groups[b]) for b in order]
    if len(files) == 1:
        return files[0]
    # Certificates reissued on a new page layout: join the groups in a child (pypdf).
    merged = run_worker({"merge": [base64.b64encode(f).decode() for f in files]})
    return base64.b64decode(merged["pdf"])


# -- verification --------------------------------------------------------------------------------


def find(session: Session, code: str) -> Certificate | None:
    return session.scalar(select(Certificate).where(Certificate.code == normalise_code(code)))


def status_list_token(
    session: Session, issuer: Issuer, list_no: int, settings: Settings, public_url: str
) -> str:
    from certificates import credential as vc

    first = list_no * STATUS_LIST_SIZE
    revoked = session.scalars(
        select(Certificate.id).where(
            Certificate.issuer_id == issuer.id,
            Certificate.revoked_at.is_not(None),
            Certificate.id >= first,
            Certificate.id < first + STATUS_LIST_SIZE,
        )
    )
    encoded = vc.encode_status_list(i - first for i in revoked)
    url = status_list_url(public_url, issuer, list_no)
    document = vc.build_status_list(url, issuer_claim(public_url, issuer), encoded, utcnow())
    return vc.sign_status_list(document, private_key(session, issuer, settings), issuer.kid)


def jwks(session: Session, public_url: str) -> dict[str, Any]:
    keys = []
    for issuer in session.scalars(select(Issuer).order_by(Issuer.id)):
        keys.append({**issuer.public_jwk, "issuer": issuer_url(public_url, issuer)})
    return {"keys": keys}


def my_certificates(session: Session, user_id: int) -> list[tuple[Certificate, Cohort]]:
    rows = session.execute(
        select(Certificate, Cohort)
        .join(Cohort, Cohort.id == Certificate.cohort_id)
        .where(Certificate.user_id == user_id)
        .order_by(Certificate.issued_at.desc())
    )
    return [(cert, cohort) for cert, cohort in rows]
