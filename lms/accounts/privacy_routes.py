"""Personal data pages (UU 27/2022): a person's own data and its download, and an admin
anonymising a participant."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.accounts import privacy
from lms.accounts.models import User
from lms.accounts.routes import user_detail_context
from lms.audit.services import record
from lms.db import begin_write
from lms.deps import Admin, CurrentUser, ScopeDep, SessionDep, SettingsDep, client_ip
from lms.i18n import gettext as _
from lms.regions.scope import ensure_in_scope
from lms.templating import render

router = APIRouter()


@router.get("/akun/data-saya")
def my_data_page(request: Request, user: CurrentUser) -> Response:
    return render(request, "privacy/my_data.html")


@router.get("/akun/data-saya.zip")
def my_data_download(
    request: Request, session: SessionDep, user: CurrentUser, settings: SettingsDep
) -> Response:
    data = privacy.personal_data(session, user, settings)
    archive = privacy.export_zip(data, user, settings)
    begin_write(session)
    record(
        session,
        actor=user,
        action="privasi.unduh",
        entity_type="user",
        entity_id=user.id,
        ip=client_ip(request),
        region_code=user.regency_code or user.province_code,
    )
    session.commit()
    name = f"data-saya-{privacy.local_today(user, settings).isoformat()}.zip"
    return Response(
        archive,
        media_type="application/zip",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@router.post("/pengguna/{user_id}/anonimkan")
def anonymise_user(
    request: Request,
    session: SessionDep,
    user: Admin,
    scope: ScopeDep,
    settings: SettingsDep,
    user_id: int,
    alasan: Annotated[str, Form()] = "",
    yakin: Annotated[str, Form()] = "",
) -> Response:
    # Locked, so two admins confirming at once anonymise (and record) only once.
    person = session.scalar(
        select(User)
        .options(joinedload(User.koperasi))
        .where(User.id == user_id)
        .with_for_update(of=User)
        .execution_options(populate_existing=True)
    )
    ensure_in_scope(scope, person)
    assert person is not None
    if privacy.is_anonymised(person):
        return RedirectResponse(f"/pengguna/{person.id}?anonim=sudah#anonimkan", status_code=303)
    errors: dict[str, str] = {}
    try:
        if yakin != "ya":
            errors["yakin"] = _(
                "Centang pernyataan bahwa Anda memahami penganoniman tidak dapat dibatalkan."
            )
            # The reason is checked too, so that both problems show at once.
            privacy.check(person, alasan)
        else:
            privacy.anonymise(session, person, user, alasan, client_ip(request), settings=settings)
    except privacy.PrivacyError as exc:
        errors[exc.field] = exc.message
    if errors:
        context = user_detail_context(session, person)
        context.update(anonymise_values={"alasan": alasan, "yakin": yakin}, anonymise_errors=errors)
        return render(request, "users/detail.html", context, status_code=400)
    session.commit()
    return RedirectResponse(f"/pengguna/{person.id}?anonim=1#anonimkan", status_code=303)
