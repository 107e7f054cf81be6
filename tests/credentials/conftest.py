from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _factories_bound(db):  # type: ignore[no-untyped-def]
    """Every test here makes people with the factories, which need the test session."""
    return db
