"""The one region-scoping function.

Every query a dinas (or pendamping) user makes over regional data goes through `scoped()`; single
objects are checked with `ensure_in_scope()`. No route builds its own region filter. Scoped models
carry denormalised `province_code` and `regency_code` columns, so a scope is one equality test.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from fastapi import HTTPException
from sqlalchemy import Select, false

if TYPE_CHECKING:
    from lms.accounts.models import User

Level = Literal["national", "province", "regency", "none"]
T = TypeVar("T", bound="Select[*tuple[Any, ...]]")


class RegionOwned(Protocol):
    province_code: Any
    regency_code: Any


@dataclass(frozen=True)
class Scope:
    level: Level
    code: str | None = None

    @classmethod
    def for_user(cls, user: User) -> Scope:
        from lms.accounts.models import Role

        if user.role == Role.ADMIN:
            return cls("national")
        if user.role in (Role.DINAS, Role.PENDAMPING) and user.region_code:
            return cls("province" if len(user.region_code) == 2 else "regency", user.region_code)
        return cls("none")

    @property
    def is_national(self) -> bool:
        return self.level == "national"

    def allows(self, province_code: str | None, regency_code: str | None) -> bool:
        if self.level == "national":
            return True
        if self.level == "province":
            return province_code == self.code
        if self.level == "regency":
            return regency_code == self.code
        return False

    def covers_region(self, code: str) -> bool:
        """True when the region with this dotted code lies inside the scope."""
        return self.allows(code[:2], code[:5] if len(code) >= 5 else None)


def scoped(stmt: T, scope: Scope, model: type[RegionOwned]) -> T:
    """Restrict a SELECT over `model` to the rows inside `scope`."""
    if scope.level == "national":
        return stmt
    if scope.level == "province":
        return stmt.where(model.province_code == scope.code)
    if scope.level == "regency":
        return stmt.where(model.regency_code == scope.code)
    return stmt.where(false())


def ensure_in_scope(scope: Scope, obj: RegionOwned | None) -> None:
    """404 for an object outside the scope: a foreign region's data does not exist for you."""
    if obj is None or not scope.allows(obj.province_code, obj.regency_code):
        raise HTTPException(status_code=404)
