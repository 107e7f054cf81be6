"""Pages where a dinas makes and revokes its keys for the JSON API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.config import Settings
from lms.deps import Manager, ScopeDep, SessionDep, SettingsDep, client_ip
from lms.i18n import timezone_for_region
from lms.regions.scope import Scope, ensure_in_scope, scoped
from lms.reports import tokens
from lms.reports.models import ApiToken
from lms.templating import render

router = APIRouter()

PAGE = "/laporan/token"
MAX_ID = 2**31 - 1  # larger ids exist nowhere; SQLite would refuse them with an error


def _page(
    request: Request,
    session: Session,
    scope: Scope,
    base_url: str,
    tz: str,
    *,
    values: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    created: ApiToken | None = None,
    plaintext: str | None = None,
    revoked: bool = False,
    status: int = 200,
) -> Response:
    listed = session.scalars(
        scoped(
            select(ApiToken).order_by(ApiToken.revoked_at.is_not(None), ApiToken.id.desc()),
            scope,
            ApiToken,
        )
    ).all()
    return render(
        request,
        "reports/tokens.html",
        {
            "tokens": listed,
            "values": values or {"name": ""},
            "errors": errors or {},
            "created": created,
            "plaintext": plaintext,
            "revoked": revoked,
            "api_url": base_url + "/api/v1",
            "tz": tz,
        },
        status_code=status,
    )


def _where(request: Request, user: User, settings: Settings) -> tuple[str, str]:
    """The address an integration should call (the configured public one, as printed on
    certificates) and the time zone the operator's dates are shown in."""
    base = (settings.public_url or str(request.base_url)).rstrip("/")
    tz = timezone_for_region(user.region_code) if user.region_code else settings.default_timezone
    return base, tz


@router.get(PAGE)
def token_list(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Manager,
    scope: ScopeDep,
    dicabut: int = 0,
) -> Response:
    return _page(request, session, scope, *_where(request, user, settings), revoked=bool(dicabut))


@router.post(PAGE)
def token_create(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    user: Manager,
    scope: ScopeDep,
    name: Annotated[str, Form()] = "",
) -> Response:
    where = _where(request, user, settings)
    try:
        token, plaintext = tokens.create_token(session, user, name, ip=client_ip(request))
    except tokens.TokenError as exc:
        return _page(
            request,
            session,
            scope,
            *where,
            values={"name": name},
            errors={"name": str(exc)},
            status=400,
        )
    session.commit()
    # Shown in this answer only (not through a redirect: the key must not sit in a URL).
    return _page(request, session, scope, *where, created=token, plaintext=plaintext)


@router.post(PAGE + "/{token_id}/cabut")
def token_revoke(
    request: Request,
    session: SessionDep,
    user: Manager,
    scope: ScopeDep,
    token_id: Annotated[int, Path(ge=1, le=MAX_ID)],
) -> Response:
    token = session.get(ApiToken, token_id)
    ensure_in_scope(scope, token)
    assert token is not None
    tokens.revoke(session, token, user, ip=client_ip(request))
    session.commit()
    return RedirectResponse(PAGE + "?dicabut=1", status_code=303)
