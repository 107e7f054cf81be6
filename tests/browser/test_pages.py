"""Every page of the application, as the roles that see it: accessibility, reflow, no errors.

A tour visits each page (the check runs in `visit`) and reports all pages that fail together.
Form error states are included: they are what people meet when something goes wrong.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.regions.models import Koperasi
from tests.browser.support import ReflowError, check_a11y, sign_in, submit, visit


def ids(engine: Engine) -> dict[str, int]:
    with Session(engine) as session:
        koperasi = session.scalar(
            select(Koperasi.id).where(Koperasi.regency_code == "36.03").order_by(Koperasi.id)
        )
        person = session.scalar(select(User.id).where(User.phone == "+6281210000001"))
    assert koperasi and person
    return {"koperasi": koperasi, "person": person}


def tour(page: Page, paths: list[tuple[str, int]]) -> None:
    """Visit every path (expecting its status); fail once, listing every page that failed."""
    failures = []
    for path, status in paths:
        try:
            visit(page, path, status=status)
        except (pytest.fail.Exception, ReflowError, AssertionError) as exc:
            failures.append(f"{path}: {exc}")
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def test_every_page_of_the_admin(page: Page, live_db: Engine) -> None:
    known = ids(live_db)
    sign_in(page, "admin@demo.test")
    tour(
        page,
        [
            ("/beranda", 200),
            ("/koperasi", 200),
            ("/koperasi?q=bojong", 200),
            ("/koperasi?page=3", 200),
            (f"/koperasi/{known['koperasi']}", 200),
            (f"/koperasi/{known['koperasi']}/ubah", 200),
            ("/koperasi/baru", 200),
            ("/wilayah", 200),
            ("/wilayah?q=Bojong", 200),
            ("/wilayah?q=zzzz", 200),
            ("/pengguna", 200),
            ("/pengguna?peran=dinas", 200),
            (f"/pengguna/{known['person']}", 200),
            ("/pengguna/baru", 200),
            (f"/pengguna/baru?koperasi_id={known['koperasi']}", 200),
            ("/audit", 200),
            ("/akun", 200),
            ("/tidak-ada", 404),
        ],
    )


@pytest.mark.parametrize(
    ("login_name", "paths"),
    [
        ("narasumber@demo.test", [("/wilayah?q=Bojong", 200), ("/akun", 200), ("/pengguna", 403)]),
        (
            "pendamping.tangerang@demo.test",
            [("/koperasi", 200), ("/wilayah?q=Bojong", 200), ("/pengguna", 403)],
        ),
        ("0812-1000-0001", [("/akun", 200), ("/wilayah", 403), ("/tidak-ada", 404)]),
    ],
    ids=["narasumber", "pendamping", "peserta"],
)
def test_every_page_of_the_other_roles(
    page: Page, login_name: str, paths: list[tuple[str, int]]
) -> None:
    sign_in(page, login_name)
    tour(page, paths)


def test_the_form_error_states(page: Page) -> None:
    sign_in(page, "admin@demo.test")

    visit(page, "/koperasi/baru")
    submit(page, page.get_by_role("button", name="Simpan"), status=400)
    expect(page.get_by_role("alert")).to_have_text("Periksa isian yang ditandai di bawah.")

    visit(page, "/pengguna/baru")
    submit(page, page.get_by_role("button", name="Simpan akun"), status=400)
    expect(page.get_by_role("alert")).to_have_text("Periksa isian yang ditandai di bawah.")

    # The password form answers through htmx and swaps its errors in place.
    visit(page, "/akun")
    page.locator("#f-current").fill("bukan-sandinya")
    page.locator("#f-new").fill("sandi-baru-123")
    page.locator("#f-confirm").fill("sandi-baru-456")
    page.get_by_role("button", name="Simpan kata sandi").click()
    expect(page.locator("#ganti-sandi .error").first).to_be_visible()
    expect(page.locator("#f-current")).to_have_attribute("aria-invalid", "true")
    check_a11y(page)


def test_the_forbidden_page_is_friendly(page: Page) -> None:
    sign_in(page, "0812-1000-0001")
    visit(page, "/koperasi", status=403)
    expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
    submit(page, page.get_by_role("link", name="Kembali ke beranda"))
    expect(page).to_have_url("/beranda")
