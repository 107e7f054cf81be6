from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from lms.accounts import sessions
from lms.accounts.models import LoginFailure, Role, UserSession
from lms.audit.models import AuditEntry
from lms.config import get_settings
from lms.db import utcnow
from tests.conftest import csrf_for, login, post
from tests.factories import PASSWORD, UserFactory

SAME_MESSAGE = "Nomor HP/email atau kata sandi salah."


def test_login_page_is_indonesian_and_sets_no_session(client):
    response = client.get("/masuk")
    assert response.status_code == 200
    assert '<html lang="id">' in response.text
    assert "Nomor HP atau email" in response.text
    assert sessions.SESSION_COOKIE not in response.cookies


@pytest.mark.parametrize(
    "typed", ["0812-7700-0001", "6281277000001", "+62 812-7700-0001", "081277000001"]
)
def test_phone_login_in_any_indonesian_form(client, db, typed):
    UserFactory(phone="+6281277000001")
    response = post(client, "/masuk", {"login": typed, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["location"] == "/beranda"
    assert client.get("/beranda").status_code == 200


def test_email_login_is_case_insensitive(client, db):
    UserFactory.staff(Role.ADMIN, email="Admin@Uji.test".lower())
    response = post(client, "/masuk", {"login": "ADMIN@uji.TEST", "password": PASSWORD})
    assert response.status_code == 303


def test_unknown_user_and_wrong_password_get_the_same_message(client, db):
    user = UserFactory()
    unknown = post(client, "/masuk", {"login": "0812-9999-0000", "password": PASSWORD})
    wrong = post(client, "/masuk", {"login": user.phone, "password": "salah-sekali"})
    assert unknown.status_code == wrong.status_code == 400
    assert SAME_MESSAGE in unknown.text and SAME_MESSAGE in wrong.text
    # What the person typed is kept (never the password).
    assert 'value="0812-9999-0000"' in unknown.text
    assert "salah-sekali" not in wrong.text


def test_malformed_phone_says_what_form_is_expected(client, db):
    response = post(client, "/masuk", {"login": "12ab", "password": "x"})
    assert response.status_code == 400
    assert "0812 3456 7890" in response.text
    assert 'value="12ab"' in response.text


def test_session_cookie_flags_and_new_id_at_login(client, db):
    user = UserFactory()
    response = login(client, user)
    cookies = response.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(sessions.SESSION_COOKIE + "="))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie
    assert "Secure" not in session_cookie  # plain http in tests; Secure under LMS_HTTPS
    # The CSRF nonce is rotated at login as well.
    assert any(c.startswith(sessions.CSRF_COOKIE + "=") for c in cookies)
    first = client.cookies.get(sessions.SESSION_COOKIE)
    login(client, user)  # logging in again, even over an open session, makes a new id
    second = client.cookies.get(sessions.SESSION_COOKIE)
    assert first != second and len(second) > 30
    assert (
        db.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
        )
        == 1
    )


def test_logout_ends_the_session_on_the_server(client, db):
    user = UserFactory()
    login(client, user)
    token = client.cookies.get(sessions.SESSION_COOKIE)
    assert post(client, "/keluar").status_code == 303
    assert (
        db.scalar(
            select(func.count()).select_from(UserSession).where(UserSession.user_id == user.id)
        )
        == 0
    )
    client.cookies.set(sessions.SESSION_COOKIE, token)  # a stolen copy of the cookie is useless
    response = client.get("/beranda")
    assert response.status_code == 303 and response.headers["location"].startswith("/masuk")


def test_idle_and_absolute_timeouts(client, db):
    user = UserFactory()
    login(client, user)
    record = db.scalar(select(UserSession).where(UserSession.user_id == user.id))
    settings = get_settings()
    record.last_seen_at = utcnow() - timedelta(minutes=settings.session_idle_minutes + 1)
    db.flush()
    assert client.get("/beranda").status_code == 303
    record.last_seen_at = utcnow()
    record.created_at = utcnow() - timedelta(hours=settings.session_absolute_hours, minutes=1)
    db.flush()
    assert client.get("/beranda").status_code == 303
    record.created_at = utcnow()
    db.flush()
    assert client.get("/beranda").status_code == 200


def test_deactivated_user_cannot_use_an_open_session(client, db):
    user = UserFactory()
    login(client, user)
    user.is_active = False
    db.flush()
    assert client.get("/beranda").status_code == 303


def test_next_parameter_only_follows_local_paths(client, db):
    user = UserFactory()
    for target, expected in (
        ("/akun", "/akun"),
        ("https://jahat.example/", "/beranda"),
        ("//jahat.example", "/beranda"),
    ):
        client.cookies.clear()
        response = post(
            client, "/masuk", {"login": user.phone, "password": PASSWORD, "next": target}
        )
        assert response.headers["location"] == expected


def test_login_redirects_back_to_the_page_asked_for(client, db):
    response = client.get("/akun")
    assert response.status_code == 303
    assert response.headers["location"] == "/masuk?next=/akun"


def test_missing_or_wrong_csrf_token_gets_a_403_page(client, db):
    user = UserFactory()
    csrf_for(client)
    response = client.post("/masuk", data={"login": user.phone, "password": PASSWORD})
    assert response.status_code == 403
    assert "Formulir tidak dapat dikirim" in response.text
    response = client.post(
        "/masuk", data={"login": user.phone, "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert response.status_code == 403


def test_htmx_requests_carry_the_token_in_a_header(client, db):
    user = UserFactory()
    login(client, user)
    token = csrf_for(client)
    response = client.post(
        "/akun/sandi",
        data={"current": PASSWORD, "new": "kata-sandi-baru", "confirm": "kata-sandi-baru"},
        headers={"HX-Request": "true", "X-CSRF-Token": token},
    )
    assert response.status_code == 200
    assert "Kata sandi baru sudah disimpan" in response.text
    assert "<html" not in response.text  # only the block was rendered
    response = client.post(
        "/akun/sandi",
        data={"current": PASSWORD, "new": "x", "confirm": "x"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 403


def test_change_password_errors_are_in_indonesian(client, db):
    user = UserFactory()
    login(client, user)
    response = post(client, "/akun/sandi", {"current": "salah", "new": "pendek", "confirm": "beda"})
    assert response.status_code == 400
    assert "Kata sandi sekarang salah." in response.text
    assert "Kata sandi minimal 8 karakter." in response.text


def test_password_change_is_audited_and_ends_other_sessions(client, db, app):
    from fastapi.testclient import TestClient

    user = UserFactory()
    other = TestClient(app, follow_redirects=False)
    login(other, user)
    login(client, user)
    response = post(
        client,
        "/akun/sandi",
        {"current": PASSWORD, "new": "sandi-baru-99", "confirm": "sandi-baru-99"},
    )
    assert response.status_code == 200
    assert other.get("/beranda").status_code == 303
    assert client.get("/beranda").status_code == 200
    assert (
        db.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "user.password_change")
        )
        == 1
    )


def test_stored_session_id_is_a_hash_of_the_cookie(client, db):
    user = UserFactory()
    login(client, user)
    token = client.cookies.get(sessions.SESSION_COOKIE)
    ids = db.scalars(select(UserSession.id).where(UserSession.user_id == user.id)).all()
    assert ids and token not in ids


def test_failures_are_stored_in_the_database(client, db):
    post(client, "/masuk", {"login": "0812-9999-0001", "password": "x"})
    assert db.scalar(select(func.count()).select_from(LoginFailure)) == 1
