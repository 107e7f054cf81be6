"""Imports every model so that Base.metadata is complete (Alembic, tests)."""

from lms.accounts.models import LoginFailure, User, UserSession
from lms.audit.models import AuditEntry
from lms.db import Base
from lms.regions.models import Koperasi, Region

__all__ = ["AuditEntry", "Base", "Koperasi", "LoginFailure", "Region", "User", "UserSession"]
