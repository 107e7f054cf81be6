"""Imports every model so that Base.metadata is complete (Alembic, tests)."""

from lms.accounts.models import LoginFailure, LoginToken, User, UserSession
from lms.assessment.models import Quiz, QuizAnswer, QuizAttempt, QuizRender
from lms.audit.models import AuditEntry
from lms.cohorts.models import (
    Attendance,
    Cohort,
    CohortCourse,
    CohortImport,
    CohortMember,
    CohortSession,
)
from lms.credentials.models import Certificate, CertificateBase, Issuer
from lms.db import Base
from lms.learning.models import (
    Course,
    CourseDraft,
    CourseFile,
    CourseModule,
    CourseVersion,
    Enrolment,
    ModuleProgress,
)
from lms.practice.models import PracticeBook, PracticeEntry, PracticeLine
from lms.regions.models import Koperasi, Region
from lms.reports.models import ApiToken, PersonFact, Readiness, RegionTotal, ReportStale

__all__ = [
    "ApiToken",
    "Attendance",
    "AuditEntry",
    "Base",
    "Certificate",
    "CertificateBase",
    "Cohort",
    "CohortCourse",
    "CohortImport",
    "CohortMember",
    "CohortSession",
    "Course",
    "CourseDraft",
    "CourseFile",
    "CourseModule",
    "CourseVersion",
    "Enrolment",
    "Issuer",
    "Koperasi",
    "LoginFailure",
    "LoginToken",
    "ModuleProgress",
    "PersonFact",
    "PracticeBook",
    "PracticeEntry",
    "PracticeLine",
    "Quiz",
    "QuizAnswer",
    "QuizAttempt",
    "QuizRender",
    "Readiness",
    "Region",
    "RegionTotal",
    "ReportStale",
    "User",
    "UserSession",
]
