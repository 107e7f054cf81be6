"""Writing to the audit log. Later features call `record()` for every change worth answering for."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.audit.models import AuditEntry


def record(
    session: Session,
    *,
    actor: User | None,
    action: str,
    entity_type: str,
    entity_id: object | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    reason: str | None = None,
    ip: str | None = None,
    region_code: str | None = None,
) -> AuditEntry:
    """Add one audit entry to the session's transaction (it commits with the change itself)."""
    entry = AuditEntry(
        actor_id=actor.id if actor else None,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        reason=reason,
        ip=ip,
        province_code=region_code[:2] if region_code else None,
        regency_code=region_code[:5] if region_code and len(region_code) >= 5 else None,
    )
    session.add(entry)
    return entry


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the fields that changed, as (before, after)."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}
