from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from lms.accounts import throttle
from lms.accounts.models import LoginFailure
from lms.config import get_settings
from lms.db import utcnow
from tests.conftest import post
from tests.factories import PASSWORD, UserFactory


def fail(client, login: str, n: int) -> None:
    for _ in range(n):
        post(client, "/masuk", {"login": login, "password": "salah-terus"})


def test_five_failures_make_the_next_try_wait_and_say_when(client, db):
    user = UserFactory()
    fail(client, user.phone, 5)
    response = post(client, "/masuk", {"login": user.phone, "password": PASSWORD})
    assert response.status_code == 429
    assert "Terlalu banyak percobaan masuk. Coba lagi pukul" in response.text
    assert "WIB" in response.text and "menit lagi" in response.text
    # What was typed is kept.
    assert f'value="{user.phone}"' in response.text


def test_wait_is_short_and_then_login_works_and_clears_failures(client, db):
    user = UserFactory()
    fail(client, user.phone, 5)
    db.execute(update(LoginFailure).values(created_at=utcnow() - timedelta(seconds=31)))
    response = post(client, "/masuk", {"login": user.phone, "password": PASSWORD})
    assert response.status_code == 303
    assert db.scalars(select(LoginFailure).where(LoginFailure.account == user.phone)).all() == []


def test_lock_never_exceeds_the_cap(db):
    settings = get_settings()
    now = utcnow()
    for _ in range(60):
        db.add(LoginFailure(account="+6281200000000", ip="10.0.0.1", created_at=now))
    db.flush()
    blocked = throttle.check(db, settings, "+6281200000000", "10.0.0.1")
    assert blocked is not None
    assert blocked.until - now <= timedelta(minutes=settings.throttle_max_lock_minutes)


def test_another_address_is_not_locked_out_by_a_few_failures_elsewhere(db):
    settings = get_settings()
    for _ in range(settings.throttle_account_ip_failures):
        db.add(LoginFailure(account="+6281200000001", ip="10.0.0.9", created_at=utcnow()))
    db.flush()
    assert throttle.check(db, settings, "+6281200000001", "10.0.0.9") is not None
    # The real owner, in the hall on another address, can still log in.
    assert throttle.check(db, settings, "+6281200000001", "10.0.0.10") is None


def test_one_address_with_many_people_is_throttled_only_at_a_high_count(db):
    settings = get_settings()
    for n in range(settings.throttle_ip_failures - 1):
        db.add(LoginFailure(account=f"+62812000{n:05d}", ip="10.1.1.1", created_at=utcnow()))
    db.flush()
    assert throttle.check(db, settings, "+6281299999999", "10.1.1.1") is None
    db.add(LoginFailure(account="+6281299999998", ip="10.1.1.1", created_at=utcnow()))
    db.flush()
    assert throttle.check(db, settings, "+6281299999999", "10.1.1.1") is not None


def test_failures_older_than_the_window_do_not_count(db):
    settings = get_settings()
    old = utcnow() - timedelta(minutes=settings.throttle_window_minutes + 1)
    for _ in range(10):
        db.add(LoginFailure(account="+6281200000002", ip="10.0.0.2", created_at=old))
    db.flush()
    assert throttle.check(db, settings, "+6281200000002", "10.0.0.2") is None
