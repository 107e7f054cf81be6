"""Login, logout, home, own account, language switch, and user management."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, joinedload

from lms import i18n
from lms.accounts import passwords, privacy, services, sessions
from lms.accounts.models import Jabatan, Role, User
from lms.audit.services import record
from lms.cookies import LANG_COOKIE, ONE_YEAR, set_login_cookies
from lms.db import utcnow
from lms.deps import (
    CurrentUser,
    Manager,
    OptionalUser,
    ScopeDep,
    SessionDep,
    SettingsDep,
    client_ip,
)
from lms.i18n import gettext as _
from lms.pagination import Page, paginate
from lms.regions.models import Koperasi, Region
from lms.regions.scope import Scope, ensure_in_scope, scoped
from lms.regions.services import region_label
from lms.templating import render

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only same-site paths are followed after login (no open redirect)."""
    if not target:
        return "/beranda"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return "/beranda"
    return target


@router.get("/")
def root(user: OptionalUser) -> RedirectResponse:
    return RedirectResponse("/beranda" if user else "/masuk", status_code=303)


@router.get("/masuk")
def login_page(
    request: Request, user: OptionalUser, next: str | None = None, keluar: int = 0, hadir: int = 0
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    notice = _("Anda sudah keluar.") if keluar else None
    if hadir:
        notice = _(
            "Kode presensi sudah terbaca. Masuk untuk mencatat kehadiran Anda: pindai QR di "
            "kartu masuk Anda, atau isi nomor HP dan kata sandi."
        )
    return render(request, "login.html", {"next": next or "", "notice": notice, "values": {}})


@router.post("/masuk")
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    login: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    ip = client_ip(request)
    result = services.authenticate(session, settings, login, password, ip)
    if result.user is None:
        session.commit()  # keep the failure for the throttle
        status = 400
        field: str | None = "login"
        if result.retry_at is not None:
            minutes = max(1, round((result.retry_at - utcnow()).total_seconds() / 60))
            error = _(
                "Terlalu banyak percobaan masuk. "
                "Coba lagi pukul %(time)s (sekitar %(n)d menit lagi)."
            ) % {
                "time": i18n.format_time(result.retry_at, settings.default_timezone),
                "n": minutes,
            }
            status = 429
        else:
            error, field = result.error or "", result.field
        return render(
            request,
            "login.html",
            {"next": next, "error": error, "error_field": field, "values": {"login": login}},
            status_code=status,
        )
    user = result.user
    sessions.end(session, request.cookies.get(sessions.SESSION_COOKIE))
    token = sessions.create(session, user, ip, request.headers.get("user-agent"))
    session.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    set_login_cookies(request, response, settings, token)
    if user.locale:
        response.set_cookie(LANG_COOKIE, user.locale, max_age=ONE_YEAR, samesite="lax", path="/")
    return response


@router.post("/keluar")
def logout(request: Request, session: SessionDep) -> Response:
    sessions.end(session, request.cookies.get(sessions.SESSION_COOKIE))
    session.commit()
    response = RedirectResponse("/masuk?keluar=1", status_code=303)
    response.delete_cookie(sessions.SESSION_COOKIE, path="/")
    return response


@router.post("/bahasa")
def switch_language(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    lang: Annotated[str, Form()] = "id",
    back: Annotated[str, Form()] = "",
) -> Response:
    lang = lang if lang in i18n.LOCALES else "id"
    if user is not None:
        user.locale = lang
        session.commit()
    response = RedirectResponse(safe_next(back or None), status_code=303)
    response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, samesite="lax", path="/")
    return response


def _region_summary(session: Session, scope: Scope) -> dict[str, int]:
    koperasi = session.scalar(scoped(select(func.count(Koperasi.id)), scope, Koperasi)) or 0
    rows = session.execute(
        scoped(
            select(User.jabatan, func.count(User.id))
            .where(User.role == Role.PESERTA)
            .group_by(User.jabatan),
            scope,
            User,
        )
    ).all()
    by_jabatan = {jabatan or "": count for jabatan, count in rows}
    pairs = scoped(
        select(User.koperasi_id)
        .where(User.jabatan.in_([Jabatan.KETUA, Jabatan.BENDAHARA]), User.koperasi_id.is_not(None))
        .group_by(User.koperasi_id)
        .having(func.count(func.distinct(User.jabatan)) == 2),
        scope,
        User,
    ).subquery()
    complete = session.scalar(select(func.count()).select_from(pairs)) or 0
    return {
        "koperasi": koperasi,
        "peserta": sum(by_jabatan.values()),
        "ketua": by_jabatan.get(Jabatan.KETUA, 0),
        "bendahara": by_jabatan.get(Jabatan.BENDAHARA, 0),
        "koperasi_lengkap": complete,
    }


@router.get("/beranda")
def home(request: Request, session: SessionDep, user: CurrentUser, scope: ScopeDep) -> Response:
    context: dict[str, object] = {"scope": scope}
    if user.role == Role.PESERTA:
        koperasi = None
        officials: list[User] = []
        if user.koperasi_id:
            koperasi = session.scalar(
                select(Koperasi)
                .options(joinedload(Koperasi.village))
                .where(Koperasi.id == user.koperasi_id)
            )
            officials = list(
                session.scalars(
                    select(User)
                    .where(User.koperasi_id == user.koperasi_id, User.id != user.id)
                    .order_by(User.jabatan, User.name)
                )
            )
        from lms.cohorts.services import my_cohorts
        from lms.credentials.services import my_certificates

        context.update(
            cohorts=my_cohorts(session, user.id),
            certificates={c.cohort_id: c for c, _cohort in my_certificates(session, user.id)},
            now=utcnow(),
            card_login=bool(request.query_params.get("kartu"))
            and not passwords.is_usable(user.password_hash),
            koperasi=koperasi,
            koperasi_label=region_label(session, koperasi.village_code) if koperasi else "",
            officials=officials,
        )
    else:
        if scope.level != "none":
            context["summary"] = _region_summary(session, scope)
            context["scope_label"] = (
                _("Seluruh Indonesia")
                if scope.is_national
                else region_label(session, scope.code or "")
            )
    return render(request, "home.html", context)


@router.get("/akun")
def account_page(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return render(request, "account.html", _account_context(session, user))


def _account_context(session: Session, user: User) -> dict[str, object]:
    koperasi = session.get(Koperasi, user.koperasi_id) if user.koperasi_id else None
    return {
        "koperasi": koperasi,
        "koperasi_label": region_label(session, koperasi.village_code) if koperasi else "",
        "region_name": region_label(session, user.region_code) if user.region_code else "",
        "has_password": passwords.is_usable(user.password_hash),
        "errors": {},
    }


@router.post("/akun/sandi")
def change_password(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    confirm: Annotated[str, Form()] = "",
) -> Response:
    errors = services.change_password(session, user, current, new, confirm)
    if errors:
        context = _account_context(session, user)
        context["errors"] = errors
        return render(request, "account.html", context, block="password_form", status_code=400)
    sessions.end_all_for(session, user.id, keep_token=request.cookies.get(sessions.SESSION_COOKIE))
    session.commit()
    context = _account_context(session, user)
    context["password_saved"] = True
    return render(request, "account.html", context, block="password_form")


# --- user management (admin: everyone; dinas: people of its own region) -----------------------

PAGE_SIZE = 25


@router.get("/pengguna")
def user_list(
    request: Request,
    session: SessionDep,
    user: Manager,
    scope: ScopeDep,
    q: str = "",
    peran: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    stmt = scoped(select(User), scope, User)
    if user.role == Role.DINAS:
        stmt = stmt.where(User.role.in_([Role.PESERTA, Role.PENDAMPING, Role.DINAS]))
    if peran in Role._value2member_map_:
        stmt = stmt.where(User.role == peran)
    if q.strip():
        term = q.strip().lower()
        digits = "".join(ch for ch in term if ch.isdigit())
        conditions = [
            func.lower(User.name).contains(term, autoescape=True),
            User.email.contains(term, autoescape=True),
        ]
        if len(digits) >= 4:
            # People type 0812..., phones are stored as +62812...
            conditions.append(User.phone.contains(digits.removeprefix("0"), autoescape=True))
        stmt = stmt.where(or_(*conditions))
    stmt = stmt.options(joinedload(User.koperasi)).order_by(User.name, User.id)
    result: Page[User] = paginate(session, stmt, page, PAGE_SIZE)
    return render(
        request,
        "users/list.html",
        {"page": result, "q": q, "peran": peran, "roles": list(Role)},
        block="results",
    )


def _creatable_roles(user: User) -> list[Role]:
    if user.role == Role.ADMIN:
        return list(Role)
    return [Role.PESERTA, Role.PENDAMPING]


def _user_form_context(session: Session, user: User, scope: Scope) -> dict[str, object]:
    regions = session.scalars(
        scoped(select(Region).where(Region.level.in_([1, 2])), scope, Region).order_by(Region.code)
    ).all()
    return {
        "roles": _creatable_roles(user),
        "jabatan": list(Jabatan),
        "regions": regions,
    }


@router.get("/pengguna/baru")
def user_new(
    request: Request,
    session: SessionDep,
    user: Manager,
    scope: ScopeDep,
    koperasi_id: Annotated[int | None, Query()] = None,
) -> Response:
    context = _user_form_context(session, user, scope)
    values: dict[str, object] = {"role": Role.PESERTA}
    koperasi = session.get(Koperasi, koperasi_id) if koperasi_id else None
    if koperasi is not None and scope.allows(koperasi.province_code, koperasi.regency_code):
        values["koperasi_id"] = koperasi.id
        context["koperasi"] = koperasi
    context.update(values=values, errors={})
    return render(request, "users/new.html", context)


@router.post("/pengguna/baru")
def user_create(
    request: Request,
    session: SessionDep,
    user: Manager,
    scope: ScopeDep,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    region_code: Annotated[str, Form()] = "",
    koperasi_id: Annotated[str, Form()] = "",
    jabatan: Annotated[str, Form()] = "",
) -> Response:
    values = {
        "name": name,
        "role": role,
        "phone": phone,
        "email": email,
        "region_code": region_code,
        "koperasi_id": koperasi_id,
        "jabatan": jabatan,
    }
    errors: dict[str, str] = {}
    if role not in _creatable_roles(user):
        errors["role"] = _("Anda tidak dapat membuat akun dengan peran ini.")
    kop_id = int(koperasi_id) if koperasi_id.isdigit() else None
    if koperasi_id and kop_id is None:
        errors["koperasi_id"] = _("Koperasi tidak ditemukan.")
    if kop_id is not None:
        koperasi = session.get(Koperasi, kop_id)
        if koperasi is None or not scope.allows(koperasi.province_code, koperasi.regency_code):
            errors["koperasi_id"] = _("Koperasi tidak ditemukan di wilayah Anda.")
    if region_code and not scope.covers_region(region_code):
        errors["region_code"] = _("Wilayah ini di luar wilayah kerja Anda.")
    if not errors:
        data = services.UserInput(
            name=name,
            role=role,
            password=password,
            phone=phone,
            email=email,
            region_code=region_code,
            koperasi_id=kop_id,
            jabatan=jabatan,
        )
        try:
            created = services.create_user(session, data, actor=user, ip=client_ip(request))
        except services.UserInputError as exc:
            errors = exc.errors
        else:
            session.commit()
            return RedirectResponse(f"/pengguna/{created.id}?baru=1", status_code=303)
    context = _user_form_context(session, user, scope)
    chosen = session.get(Koperasi, kop_id) if kop_id else None
    if chosen is not None and scope.allows(chosen.province_code, chosen.regency_code):
        context["koperasi"] = chosen
    context.update(values=values, errors=errors)
    return render(request, "users/new.html", context, status_code=400)


@router.get("/pengguna/{user_id}")
def user_detail(
    request: Request,
    session: SessionDep,
    user: Manager,
    scope: ScopeDep,
    user_id: int,
    baru: int = 0,
    anonim: str = "",
) -> Response:
    person = session.scalar(
        select(User).options(joinedload(User.koperasi)).where(User.id == user_id)
    )
    ensure_in_scope(scope, person)
    assert person is not None
    context = user_detail_context(session, person)
    context.update(created=bool(baru), anonymise_notice=anonim)
    return render(request, "users/detail.html", context)


def user_detail_context(session: Session, person: User) -> dict[str, object]:
    """The user page's data; `person` comes with its koperasi loaded."""
    return {
        "person": person,
        "region_name": region_label(session, person.region_code) if person.region_code else "",
        "koperasi_label": region_label(session, person.koperasi.village_code)
        if person.koperasi
        else "",
        "anonymised": privacy.is_anonymised(person),
        "anonymise_refusal": privacy.refusal(person),
        "anonymise_values": {},
        "anonymise_errors": {},
    }


@router.post("/pengguna/{user_id}/status")
def user_set_active(
    request: Request,
    session: SessionDep,
    user: Manager,
    scope: ScopeDep,
    user_id: int,
    active: Annotated[int, Form()] = 0,
) -> Response:
    person = session.get(User, user_id)
    ensure_in_scope(scope, person)
    assert person is not None
    # An anonymised account stays closed: nobody is left behind it to log in.
    if person.id == user.id or (active and privacy.is_anonymised(person)):
        return RedirectResponse(f"/pengguna/{user_id}", status_code=303)
    if person.is_active != bool(active):
        record(
            session,
            actor=user,
            action="user.activate" if active else "user.deactivate",
            entity_type="user",
            entity_id=person.id,
            before={"is_active": person.is_active},
            after={"is_active": bool(active)},
            ip=client_ip(request),
            region_code=person.regency_code or person.province_code,
        )
        person.is_active = bool(active)
        if not active:
            sessions.end_all_for(session, person.id)
        session.commit()
    return RedirectResponse(f"/pengguna/{user_id}", status_code=303)
