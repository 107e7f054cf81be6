"""Reading the audit log: an admin sees all of it, a dinas the entries of its own region."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from lms.audit.models import AuditEntry
from lms.deps import Manager, ScopeDep, SessionDep
from lms.pagination import paginate
from lms.regions.scope import scoped
from lms.templating import render

router = APIRouter()


@router.get("/audit")
def audit_log(
    request: Request,
    session: SessionDep,
    user: Manager,
    scope: ScopeDep,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    stmt = scoped(
        select(AuditEntry).options(joinedload(AuditEntry.actor)), scope, AuditEntry
    ).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    return render(
        request, "audit/list.html", {"page": paginate(session, stmt, page, 50)}, block="results"
    )
