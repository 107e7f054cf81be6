"""Marking angkatan whose dashboard facts are out of date.

Called by every write that changes what the dashboard shows: roll call and check-in, a quiz
graded, a module done, members added, certificates issued or revoked, an angkatan's rule or
courses changed. It only imports models, so any domain may call it without an import cycle.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from lms.cohorts.models import CohortCourse, CohortMember
from lms.db import utcnow
from lms.reports.models import ReportStale


def mark_stale(
    session: Session,
    *,
    cohort_ids: Iterable[int] = (),
    user_ids: Iterable[int] = (),
    course_ids: Iterable[int] = (),
) -> None:
    """Mark these angkatan, the angkatan of these people and those teaching these courses."""
    ids = set(cohort_ids)
    users = list(dict.fromkeys(user_ids))
    for start in range(0, len(users), 1000):
        ids.update(
            session.scalars(
                select(CohortMember.cohort_id).where(
                    CohortMember.user_id.in_(users[start : start + 1000])
                )
            )
        )
    courses = list(course_ids)
    if courses:
        ids.update(
            session.scalars(
                select(CohortCourse.cohort_id).where(CohortCourse.course_id.in_(courses))
            )
        )
    if ids:
        now = utcnow()
        session.execute(insert(ReportStale), [{"cohort_id": c, "since": now} for c in sorted(ids)])
