"""Every API operation, driven by Schemathesis from the API's own OpenAPI schema.

The schema is loaded from the whole app (so through the mount at /api/v1 and the parent's
middleware) inside the test's transaction, with seeded data and a national key, so generated
codes and ids reach real regions and koperasi as well as unknown ones. Deterministic and small:
a few seconds, the same cases on every run.

Cases come from `operation.as_strategy()` under our own `@given` rather than from
`schemathesis.pytest.from_fixture(...).parametrize()`: the latter rewrites `node._nodeid`,
which pytest 9.2 no longer has, and a schema built at import time could not use the test's
transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.generation import GenerationMode
from sqlalchemy.orm import Session

from lms.reports import tokens
from tests.reports.test_api import World, bearer, seed

OPERATIONS = [
    "GET /wilayah",
    "GET /wilayah/{kode}",
    "GET /koperasi",
    "GET /koperasi/{koperasi_id}",
]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def world(db: Session) -> World:
    return seed(db)


@pytest.fixture
def api_key(db: Session, world: World) -> str:
    _token, plaintext = tokens.create_token(db, world.staff["admin"], "Schemathesis")
    db.flush()
    return plaintext


@pytest.fixture
def api_schema(app: Any) -> Iterator[Any]:
    yield schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    # The ASGI transport keeps each app's lifespan running until the process ends; this test's
    # app (and the rolled-back connection it holds) should not outlive the test.
    from schemathesis.python import asgi

    asgi.shutdown_lifespans()


def operation(schema: Any, label: str) -> Any:
    found = [r.ok() for r in schema.get_all_operations() if r.ok().label == label]
    assert len(found) == 1, label
    return found[0]


def run(strategy: Any, key: str, checks: list[Any]) -> None:
    @settings(
        max_examples=25,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=strategy)
    def call(case: Any) -> None:
        case.call_and_validate(headers=bearer(key), checks=checks)

    call()


def test_the_schema_lists_the_four_read_operations(api_schema: Any) -> None:
    assert sorted(r.ok().label for r in api_schema.get_all_operations()) == sorted(OPERATIONS)
    assert api_schema.base_path == "/api/v1/"


@pytest.mark.parametrize("label", OPERATIONS)
def test_valid_requests_answer_within_the_schema(api_schema, api_key, label):  # type: ignore[no-untyped-def]
    run(operation(api_schema, label).as_strategy(GenerationMode.POSITIVE), api_key, CHECKS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_invalid_requests_are_refused_never_a_server_error(api_schema, api_key, label):  # type: ignore[no-untyped-def]
    # Not `negative_data_rejection`: unknown query parameters are ignored, as HTTP APIs do, and
    # the key is sent with every case, so "missing Authorization" cases are not missing it.
    run(operation(api_schema, label).as_strategy(GenerationMode.NEGATIVE), api_key, CHECKS)


def test_the_seeded_koperasi_and_regions_answer_within_the_schema(api_schema, api_key, world):  # type: ignore[no-untyped-def]
    fixed = [
        ("GET /wilayah/{kode}", {"path_parameters": {"kode": "36.03"}}),
        ("GET /wilayah/{kode}", {"path_parameters": {"kode": world.tgr.village_code[:8]}}),
        ("GET /koperasi/{koperasi_id}", {"path_parameters": {"koperasi_id": world.tgr.id}}),
        ("GET /koperasi/{koperasi_id}", {"path_parameters": {"koperasi_id": world.srg.id}}),
        ("GET /koperasi", {"query": {"desa": world.tgr.village_code}}),
    ]
    for label, fixed_parts in fixed:
        run(operation(api_schema, label).as_strategy(**fixed_parts), api_key, CHECKS)
