"""Creating users, checking logins, changing passwords."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts import passwords, throttle
from lms.accounts.identifiers import (
    IdentifierError,
    normalise_email,
    normalise_phone,
    parse_login_name,
)
from lms.accounts.models import Jabatan, Role, User
from lms.audit.services import record
from lms.config import Settings
from lms.i18n import N_
from lms.i18n import gettext as _
from lms.regions.models import LEVEL_PROVINCE, LEVEL_REGENCY, Koperasi, Region

ROLE_LABELS = {
    Role.PESERTA: N_("Peserta"),
    Role.NARASUMBER: N_("Narasumber"),
    Role.PENDAMPING: N_("Pendamping"),
    Role.DINAS: N_("Operator Dinas"),
    Role.ADMIN: N_("Admin"),
}
JABATAN_LABELS = {
    Jabatan.KETUA: N_("Ketua"),
    Jabatan.WAKIL_KETUA: N_("Wakil Ketua"),
    Jabatan.SEKRETARIS: N_("Sekretaris"),
    Jabatan.BENDAHARA: N_("Bendahara"),
    Jabatan.PENGAWAS: N_("Pengawas"),
    Jabatan.MANAJER: N_("Manajer"),
    Jabatan.ANGGOTA: N_("Anggota"),
    Jabatan.PENDAMPING: N_("Pendamping"),
}


def role_label(role: str) -> str:
    return _(ROLE_LABELS[Role(role)]) if role in Role._value2member_map_ else role


def jabatan_label(jabatan: str | None) -> str:
    if not jabatan or jabatan not in Jabatan._value2member_map_:
        return ""
    return _(JABATAN_LABELS[Jabatan(jabatan)])


class UserInputError(ValueError):
    """Bad input for a user; `errors` maps form fields to Indonesian messages."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class UserInput:
    name: str
    role: str
    password: str
    phone: str = ""
    email: str = ""
    region_code: str = ""
    koperasi_id: int | None = None
    jabatan: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def find_by_login(session: Session, login: str) -> User | None:
    parsed = parse_login_name(login)
    column = User.email if parsed.kind == "email" else User.phone
    return session.scalar(select(User).where(column == parsed.value))


def _validated(
    session: Session, data: UserInput, *, existing: User | None = None
) -> dict[str, object]:
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    name = " ".join(data.name.split())
    if len(name) < 2:
        errors["name"] = _("Isi nama lengkap.")
    values["name"] = name
    if data.role not in Role._value2member_map_:
        errors["role"] = _("Pilih peran yang tersedia.")
    values["role"] = data.role
    phone = email = None
    if data.phone.strip():
        try:
            phone = normalise_phone(data.phone)
        except IdentifierError as exc:
            errors["phone"] = str(exc)
    if data.email.strip():
        try:
            email = normalise_email(data.email)
        except IdentifierError as exc:
            errors["email"] = str(exc)
    if not data.phone.strip() and not data.email.strip():
        errors["phone"] = _("Isi nomor HP atau email: salah satu dipakai untuk masuk.")
    for column, value, key in ((User.phone, phone, "phone"), (User.email, email, "email")):
        if value is None:
            continue
        other = session.scalar(select(User.id).where(column == value))
        if other is not None and (existing is None or other != existing.id):
            errors[key] = _("Sudah dipakai oleh akun lain.")
    values["phone"], values["email"] = phone, email

    region_code = data.region_code.strip() or None
    province = regency = None
    if data.role in (Role.DINAS, Role.PENDAMPING):
        region = session.get(Region, region_code) if region_code else None
        if region is None or region.level not in (LEVEL_PROVINCE, LEVEL_REGENCY):
            if data.role == Role.DINAS or region_code:
                errors["region_code"] = _("Pilih provinsi atau kabupaten/kota wilayah kerja.")
        else:
            province, regency = region.province_code, region.regency_code
    else:
        region_code = None
    values["region_code"] = region_code

    koperasi = session.get(Koperasi, data.koperasi_id) if data.koperasi_id else None
    if data.koperasi_id and koperasi is None:
        errors["koperasi_id"] = _("Koperasi tidak ditemukan.")
    jabatan = data.jabatan.strip() or None
    if jabatan and jabatan not in Jabatan._value2member_map_:
        errors["jabatan"] = _("Pilih jabatan yang tersedia.")
    if jabatan and koperasi is None:
        errors["jabatan"] = _("Jabatan hanya dapat diisi jika nomor koperasi juga diisi.")
    if koperasi is not None:
        province, regency = koperasi.province_code, koperasi.regency_code
    values["koperasi_id"] = koperasi.id if koperasi else None
    values["jabatan"] = jabatan
    values["province_code"], values["regency_code"] = province, regency

    if existing is None or data.password:
        problem = passwords.password_problem(data.password)
        if problem:
            errors["password"] = problem
    if errors:
        raise UserInputError(errors)
    return values


def snapshot(user: User) -> dict[str, object]:
    return {
        "name": user.name,
        "role": user.role,
        "phone": user.phone,
        "email": user.email,
        "region_code": user.region_code,
        "koperasi_id": user.koperasi_id,
        "jabatan": user.jabatan,
        "is_active": user.is_active,
    }


def create_user(
    session: Session, data: UserInput, *, actor: User | None = None, ip: str | None = None
) -> User:
    values = _validated(session, data)
    user = User(password_hash=passwords.hash_password(data.password), **values)
    session.add(user)
    session.flush()
    record(
        session,
        actor=actor,
        action="user.create",
        entity_type="user",
        entity_id=user.id,
        after=snapshot(user),
        ip=ip,
        region_code=user.regency_code or user.province_code,
    )
    return user


@dataclass(frozen=True)
class LoginResult:
    user: User | None = None
    error: str | None = None
    field: str | None = None
    retry_at: datetime | None = None


def authenticate(
    session: Session, settings: Settings, login: str, password: str, ip: str
) -> LoginResult:
    """Check a login. Unknown account and wrong password give the same answer."""
    try:
        parsed = parse_login_name(login)
    except IdentifierError as exc:
        return LoginResult(error=str(exc), field="login")
    blocked = throttle.check(session, settings, parsed.value, ip)
    if blocked:
        return LoginResult(error="throttled", retry_at=blocked.until)
    column = User.email if parsed.kind == "email" else User.phone
    user = session.scalar(select(User).where(column == parsed.value))
    # End the read transaction before the slow hash: on SQLite a login request's transaction is
    # a write transaction, and a hall of logins must not queue behind each other's argon2.
    session.commit()
    if user is None or not user.is_active:
        passwords.burn_verify(password)
        ok = False
    else:
        ok = passwords.verify_password(user.password_hash, password)
    if not ok or user is None:
        throttle.record_failure(session, settings, parsed.value, ip)
        return LoginResult(error=_("Nomor HP/email atau kata sandi salah."), field="password")
    throttle.clear(session, parsed.value)
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return LoginResult(user=user)


def change_password(
    session: Session, user: User, current: str, new: str, confirm: str
) -> dict[str, str]:
    errors: dict[str, str] = {}
    # Someone who has only ever logged in with a login card has no password to confirm.
    has_password = passwords.is_usable(user.password_hash)
    if has_password and not passwords.verify_password(user.password_hash, current):
        errors["current"] = _("Kata sandi sekarang salah.")
    problem = passwords.password_problem(new, confirm)
    if problem:
        errors["new"] = problem
    if errors:
        return errors
    user.password_hash = passwords.hash_password(new)
    record(
        session, actor=user, action="user.password_change", entity_type="user", entity_id=user.id
    )
    return {}
