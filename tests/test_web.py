"""Error pages, security headers, static files and language switching."""

from __future__ import annotations

from fastapi.testclient import TestClient

from lms.accounts.models import Role
from tests.conftest import csrf_for, login, post
from tests.factories import UserFactory


def test_unknown_url_gets_a_friendly_indonesian_404(client):
    response = client.get("/tidak-ada-di-sini")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.text
    assert "Traceback" not in response.text


def test_a_crash_shows_a_calm_page_without_a_stack_trace(app, db):
    def boom() -> None:
        raise RuntimeError("rahasia internal")

    app.add_api_route("/uji-gagal", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/uji-gagal")
    assert response.status_code == 500
    assert "Maaf, terjadi gangguan" in response.text
    assert "rahasia internal" not in response.text and "Traceback" not in response.text


def test_security_headers_and_a_csp_without_unsafe_eval(client):
    headers = client.get("/masuk").headers
    csp = headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-eval" not in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert headers["cache-control"] == "no-store"


def test_htmx_is_vendored_pinned_and_configured_without_eval(client, db):
    login(client, UserFactory())
    page = client.get("/beranda").text
    assert "/static/vendor/htmx-2.0.11.min.js?v=" in page
    assert '"allowEval":false' in page and '"historyCacheSize":0' in page
    assert 'hx-headers=\'{"X-CSRF-Token": "' in page


def test_login_page_loads_no_javascript_framework(client):
    page = client.get("/masuk").text
    assert "htmx" not in page.split("<body", 1)[1]


def test_static_files_are_versioned_and_cached_long(client):
    page = client.get("/masuk").text
    href = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    response = client.get(href, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert "immutable" in response.headers["cache-control"]
    assert response.headers.get("content-encoding") == "gzip"


def test_language_switch_is_remembered(client, db):
    response = post(client, "/bahasa", {"lang": "en", "back": "/masuk"})
    assert response.status_code == 303 and response.headers["location"] == "/masuk"
    page = client.get("/masuk").text
    assert '<html lang="en">' in page and "Log in" in page
    # The choice is stored on the account too, and comes back at the next login.
    user = UserFactory()
    login(client, user)
    post(client, "/bahasa", {"lang": "en", "back": "/beranda"})
    db.refresh(user)
    assert user.locale == "en"
    fresh = TestClient(client.app, follow_redirects=False)
    response = login(fresh, user)
    assert any(c.startswith("lms_lang=en") for c in response.headers.get_list("set-cookie"))


def test_unknown_language_falls_back_to_indonesian(client):
    post(client, "/bahasa", {"lang": "xx", "back": "/masuk"})
    assert '<html lang="id">' in client.get("/masuk").text


def test_language_switch_does_not_redirect_off_site(client):
    response = post(client, "/bahasa", {"lang": "id", "back": "https://jahat.example/"})
    assert response.headers["location"] == "/beranda"


def test_root_redirects_by_login_state(client, db):
    assert client.get("/").headers["location"] == "/masuk"
    login(client, UserFactory.staff(Role.ADMIN))
    assert client.get("/").headers["location"] == "/beranda"


def test_csrf_cookie_is_set_once_and_httponly(client):
    first = client.get("/masuk")
    cookie = next(c for c in first.headers.get_list("set-cookie") if c.startswith("lms_csrf="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    second = client.get("/masuk")
    assert not any(c.startswith("lms_csrf=") for c in second.headers.get_list("set-cookie"))
    assert csrf_for(client)


def test_any_worker_serves_any_request(database, db):
    """Two app instances (two workers) share nothing but the database and the cookies."""
    from lms.app import create_app
    from lms.config import get_settings

    first = TestClient(create_app(get_settings(), database), follow_redirects=False)
    second = TestClient(create_app(get_settings(), database), follow_redirects=False)
    user = UserFactory()
    login(first, user)
    second.cookies.update(first.cookies)
    assert second.get("/beranda").status_code == 200
    # A form rendered by one worker is accepted by the other, and logout there ends it everywhere.
    assert post(second, "/keluar").status_code == 303
    assert first.get("/beranda").status_code == 303
