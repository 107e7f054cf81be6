"""Region search and the koperasi registry, always through the region scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session, aliased

from lms.accounts.models import Jabatan, Role, User
from lms.accounts.services import jabatan_label
from lms.audit.services import changes, record
from lms.deps import Manager, Regional, ScopeDep, SessionDep, Staff, client_ip
from lms.pagination import Page
from lms.regions import services
from lms.regions.models import Koperasi, Region
from lms.regions.scope import Scope, ensure_in_scope, scoped
from lms.reports.services import refresh_koperasi
from lms.reports.stale import mark_stale
from lms.templating import render

router = APIRouter()
PAGE_SIZE = 25


def _search_scope(user: User, scope: Scope) -> Scope:
    # Region names are public; narasumber may look anywhere, a dinas only inside its region.
    return Scope("national") if user.role == Role.NARASUMBER else scope


@router.get("/wilayah")
def region_search(
    request: Request, session: SessionDep, user: Staff, scope: ScopeDep, q: str = ""
) -> Response:
    hits = services.search_villages(session, q, _search_scope(user, scope), limit=25)
    koperasi = {}
    if hits:
        rows = session.execute(
            scoped(
                select(Koperasi.village_code, Koperasi.id, Koperasi.name).where(
                    Koperasi.village_code.in_([h.code for h in hits])
                ),
                scope,
                Koperasi,
            )
        )
        koperasi = {code: (kid, name) for code, kid, name in rows}
    return render_page(
        request, "regions/search.html", {"q": q, "hits": hits, "koperasi": koperasi}, "results"
    )


@router.get("/wilayah/desa")
def village_options(
    request: Request, session: SessionDep, user: Manager, scope: ScopeDep, q: str = ""
) -> Response:
    """The picker's result list (htmx fragment) for the koperasi form."""
    hits = services.search_villages(session, q, scope)
    taken = set(
        session.scalars(
            select(Koperasi.village_code).where(Koperasi.village_code.in_([h.code for h in hits]))
        )
    )
    return render_page(
        request, "regions/_village_options.html", {"q": q, "hits": hits, "taken": taken}, None
    )


@router.get("/koperasi/pilih")
def koperasi_options(
    request: Request, session: SessionDep, user: Manager, scope: ScopeDep, q: str = ""
) -> Response:
    """The koperasi picker's result list (htmx fragment) for the account form."""
    term = services.normalise_name(q)
    hits: list[tuple[Koperasi, str]] = []
    if len(term) >= 2:
        stmt = scoped(
            select(Koperasi, Region.name)
            .join(Region, Region.code == Koperasi.village_code)
            .where(
                or_(
                    func.lower(Koperasi.name).contains(term, autoescape=True),
                    Region.search_name.contains(term, autoescape=True),
                )
            ),
            scope,
            Koperasi,
        )
        hits = [(k, v) for k, v in session.execute(stmt.order_by(Koperasi.name).limit(15))]
    return render_page(request, "regions/_koperasi_options.html", {"q": q, "hits": hits}, None)


def render_page(
    request: Request,
    template: str,
    context: dict[str, object],
    block: str | None,
    status: int = 200,
) -> Response:
    return render(request, template, context, block=block, status_code=status)


def _officials_by_koperasi(session: Session, ids: list[int]) -> dict[int, dict[str, str]]:
    if not ids:
        return {}
    rows = session.execute(
        select(User.koperasi_id, User.jabatan, User.name)
        .where(User.koperasi_id.in_(ids), User.jabatan.in_([Jabatan.KETUA, Jabatan.BENDAHARA]))
        .order_by(User.id)
    )
    result: dict[int, dict[str, str]] = {}
    for kid, jabatan, name in rows:
        if kid is not None and jabatan is not None:
            result.setdefault(kid, {}).setdefault(jabatan, name)
    return result


@router.get("/koperasi")
def koperasi_list(
    request: Request,
    session: SessionDep,
    user: Regional,
    scope: ScopeDep,
    q: str = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    district = aliased(Region)
    regency = aliased(Region)
    stmt = (
        select(Koperasi, Region.name, district.name, regency.name)
        .join(Region, Region.code == Koperasi.village_code)
        .join(district, district.code == Region.parent_code)
        .join(regency, regency.code == district.parent_code)
    )
    stmt = scoped(stmt, scope, Koperasi)
    if q.strip():
        term = services.normalise_name(q)
        stmt = stmt.where(
            or_(
                func.lower(Koperasi.name).contains(term, autoescape=True),
                Region.search_name.contains(term, autoescape=True),
                district.search_name.contains(term, autoescape=True),
            )
        )
    stmt = stmt.order_by(Koperasi.regency_code, district.name, Region.name)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    number = min(page, pages)
    rows = session.execute(stmt.limit(PAGE_SIZE).offset((number - 1) * PAGE_SIZE)).all()
    result: Page[dict[str, Any]] = Page(
        items=[
            {"koperasi": k, "village": v, "district": d, "regency": services.short_regency(r)}
            for k, v, d, r in rows
        ],
        number=number,
        size=PAGE_SIZE,
        total=total,
    )
    officials = _officials_by_koperasi(session, [row["koperasi"].id for row in result.items])
    return render_page(
        request,
        "regions/koperasi_list.html",
        {
            "page": result,
            "q": q,
            "officials": officials,
            "can_manage": user.role in (Role.ADMIN, Role.DINAS),
        },
        "results",
    )


@router.get("/koperasi/baru")
def koperasi_new(
    request: Request, session: SessionDep, user: Manager, scope: ScopeDep, desa: str = ""
) -> Response:
    values: dict[str, str] = {"name": "", "village_code": "", "legal_number": ""}
    picked = services.village_hit(session, desa) if desa else None
    if picked and scope.covers_region(picked.code):
        values.update(village_code=picked.code, name=picked.default_koperasi_name)
    else:
        picked = None
    return render_page(
        request,
        "regions/koperasi_form.html",
        {"values": values, "errors": {}, "picked": picked, "koperasi": None},
        None,
    )


@router.post("/koperasi/baru")
def koperasi_create(
    request: Request,
    session: SessionDep,
    user: Manager,
    scope: ScopeDep,
    name: Annotated[str, Form()] = "",
    village_code: Annotated[str, Form()] = "",
    legal_number: Annotated[str, Form()] = "",
) -> Response:
    try:
        values = services.validate_koperasi(
            session, scope, name=name, village_code=village_code, legal_number=legal_number
        )
    except services.KoperasiInputError as exc:
        typed = {"name": name, "village_code": village_code, "legal_number": legal_number}
        return _form_again(request, session, scope, typed, exc.errors, None)
    koperasi = Koperasi(**values)
    session.add(koperasi)
    session.flush()
    refresh_koperasi(session, [koperasi.id])  # counted in its region's koperasi from now on
    record(
        session,
        actor=user,
        action="koperasi.create",
        entity_type="koperasi",
        entity_id=koperasi.id,
        after=services.koperasi_snapshot(koperasi),
        ip=client_ip(request),
        region_code=koperasi.village_code,
    )
    session.commit()
    return RedirectResponse(f"/koperasi/{koperasi.id}?baru=1", status_code=303)


def _form_again(
    request: Request,
    session: Session,
    scope: Scope,
    values: dict[str, str],
    errors: dict[str, str],
    koperasi: Koperasi | None,
) -> Response:
    """The koperasi form again, with what was typed and a message per field."""
    code = values["village_code"]
    picked = services.village_hit(session, code) if code else None
    if picked and not scope.covers_region(picked.code):
        picked = None
    context: dict[str, object] = {
        "values": values,
        "errors": errors,
        "picked": picked,
        "koperasi": koperasi,
    }
    return render_page(request, "regions/koperasi_form.html", context, None, status=400)


def _get_koperasi(session: Session, scope: Scope, koperasi_id: int) -> Koperasi:
    koperasi = session.get(Koperasi, koperasi_id)
    ensure_in_scope(scope, koperasi)
    assert koperasi is not None
    return koperasi


@router.get("/koperasi/{koperasi_id}")
def koperasi_detail(
    request: Request,
    session: SessionDep,
    user: Regional,
    scope: ScopeDep,
    koperasi_id: int,
    baru: int = 0,
) -> Response:
    koperasi = _get_koperasi(session, scope, koperasi_id)
    officials = session.scalars(
        select(User).where(User.koperasi_id == koperasi.id).order_by(User.jabatan, User.name)
    ).all()
    present = {o.jabatan for o in officials}
    missing = [jabatan_label(j) for j in (Jabatan.KETUA, Jabatan.BENDAHARA) if j not in present]
    return render_page(
        request,
        "regions/koperasi_detail.html",
        {
            "koperasi": koperasi,
            "place": services.village_hit(session, koperasi.village_code),
            "officials": officials,
            "missing": missing,
            "created": bool(baru),
            "can_manage": user.role in (Role.ADMIN, Role.DINAS),
        },
        None,
    )


@router.get("/koperasi/{koperasi_id}/ubah")
def koperasi_edit(
    request: Request, session: SessionDep, user: Manager, scope: ScopeDep, koperasi_id: int
) -> Response:
    koperasi = _get_koperasi(session, scope, koperasi_id)
    values = {
        "name": koperasi.name,
        "village_code": koperasi.village_code,
        "legal_number": koperasi.legal_number or "",
    }
    return render_page(
        request,
        "regions/koperasi_form.html",
        {
            "values": values,
            "errors": {},
            "picked": services.village_hit(session, koperasi.village_code),
            "koperasi": koperasi,
        },
        None,
    )


@router.post("/koperasi/{koperasi_id}/ubah")
def koperasi_update(
    request: Request,
    session: SessionDep,
    user: Manager,
    scope: ScopeDep,
    koperasi_id: int,
    name: Annotated[str, Form()] = "",
    village_code: Annotated[str, Form()] = "",
    legal_number: Annotated[str, Form()] = "",
) -> Response:
    koperasi = _get_koperasi(session, scope, koperasi_id)
    try:
        values = services.validate_koperasi(
            session,
            scope,
            name=name,
            village_code=village_code,
            legal_number=legal_number,
            existing=koperasi,
        )
    except services.KoperasiInputError as exc:
        typed = {"name": name, "village_code": village_code, "legal_number": legal_number}
        return _form_again(request, session, scope, typed, exc.errors, koperasi)
    before = services.koperasi_snapshot(koperasi)
    moved_from = koperasi.village_code
    for key, value in values.items():
        setattr(koperasi, key, value)
    old, new = changes(before, services.koperasi_snapshot(koperasi))
    if new:
        # Officials follow their koperasi into its region.
        session.execute(
            update(User)
            .where(User.koperasi_id == koperasi.id)
            .values(province_code=koperasi.province_code, regency_code=koperasi.regency_code)
        )
        record(
            session,
            actor=user,
            action="koperasi.update",
            entity_type="koperasi",
            entity_id=koperasi.id,
            before=old,
            after=new,
            ip=client_ip(request),
            region_code=koperasi.village_code,
        )
        if moved_from != koperasi.village_code:
            # Its people are counted in the new desa from now on, and the old one loses it.
            session.flush()
            mark_stale(
                session,
                user_ids=session.scalars(select(User.id).where(User.koperasi_id == koperasi.id)),
            )
            refresh_koperasi(session, [koperasi.id], [moved_from])
    session.commit()
    return RedirectResponse(f"/koperasi/{koperasi.id}", status_code=303)
