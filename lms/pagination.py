"""One page of a list: two queries (the rows and the count), never one per row."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    items: list[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_prev(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def first_index(self) -> int:
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last_index(self) -> int:
        return min(self.total, self.number * self.size)


def paginate(session: Session, stmt: Select[Any], number: int, size: int) -> Page[Any]:
    total = (
        session.scalar(select(func.count()).select_from(stmt.order_by(None).options().subquery()))
        or 0
    )
    pages = max(1, -(-total // size))
    number = min(max(1, number), pages)
    items = list(session.scalars(stmt.limit(size).offset((number - 1) * size)).unique())
    return Page(items=items, number=number, size=size, total=total)
