"""Logging in and out through the real login form, as every demo role."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.demo import STAFF
from lms.regions.models import Koperasi
from tests.browser.support import login, submit, visit

STAFF_NAMES = {staff.email: staff.name for staff in STAFF}
# Menu entries that give access to regional data or management: who must and must not see them.
# (Other entries, such as new course pages, are free to come and go.)
GUARDED = ("Koperasi", "Wilayah", "Pengguna", "Jejak audit")
MANAGER_MENU = ("Koperasi", "Wilayah", "Pengguna", "Jejak audit")
MENUS = {
    "admin@demo.test": MANAGER_MENU,
    "dinas.tangerang@demo.test": MANAGER_MENU,
    "dinas.serang@demo.test": MANAGER_MENU,
    "dinas.banten@demo.test": MANAGER_MENU,
    "narasumber@demo.test": ("Wilayah",),
    "pendamping.tangerang@demo.test": ("Koperasi", "Wilayah"),
}
PARTICIPANT_MENU: tuple[str, ...] = ()


def participant(engine: Engine, e164: str) -> tuple[str, str]:
    """(name, name of their koperasi) of a demo participant."""
    with Session(engine) as session:
        row = session.execute(
            select(User.name, Koperasi.name)
            .join(Koperasi, Koperasi.id == User.koperasi_id)
            .where(User.phone == e164)
        ).one_or_none()
    assert row, f"no demo participant with phone {e164}"
    return row[0], row[1]


def expect_home(page: Page, name: str, guarded: tuple[str, ...]) -> None:
    """On /beranda, greeted by name; of the guarded menu entries exactly `guarded` are there."""
    expect(page).to_have_url("/beranda")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Selamat datang, {name}")
    nav = page.get_by_role("navigation", name="Menu utama")
    for entry in ("Beranda", "Akun", *GUARDED):
        link = nav.get_by_role("link", name=entry, exact=True)
        expect(link).to_have_count(1 if entry in ("Beranda", "Akun", *guarded) else 0)
    expect(nav.get_by_role("button", name="Keluar")).to_be_visible()


@pytest.mark.parametrize("email", list(MENUS))
def test_staff_log_in_and_land_on_their_home(page: Page, email: str) -> None:
    login(page, email)
    expect_home(page, STAFF_NAMES[email], MENUS[email])


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("0812-1000-0001", "+6281210000001"),  # ketua no. 1, as printed on the demo list
        ("+62 812 2000 0001", "+6281220000001"),  # bendahara no. 1, international form
    ],
)
def test_participants_log_in_with_their_phone_number(
    page: Page, live_db: Engine, typed: str, e164: str
) -> None:
    name, koperasi = participant(live_db, e164)
    login(page, typed)
    expect_home(page, name, PARTICIPANT_MENU)
    # Their own koperasi is on the home page.
    expect(page.get_by_role("heading", level=2, name=koperasi, exact=True)).to_be_visible()


@pytest.mark.parametrize("typed", ["admin@demo.test", "0812 2000 0002"])
def test_wrong_password_shows_the_error_and_keeps_the_login(page: Page, typed: str) -> None:
    login(page, typed, "bukan-sandinya", status=400)
    expect(page).to_have_url("/masuk")
    expect(page.locator("#e-password")).to_have_text("Nomor HP/email atau kata sandi salah.")
    expect(page.locator("#f-password")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#f-password")).to_have_attribute("aria-describedby", "e-password")
    expect(page.locator("#f-login")).to_have_value(typed)
    expect(page.locator("#f-password")).to_have_value("")
    # The page stays usable: the right password now works.
    page.locator("#f-password").fill("bimtek2025")
    submit(page, page.get_by_role("button", name="Masuk", exact=True))
    expect(page).to_have_url("/beranda")


def test_log_out_then_home_asks_to_log_in_again(page: Page) -> None:
    login(page, "pendamping.tangerang@demo.test")
    expect(page).to_have_url("/beranda")
    submit(page, page.get_by_role("button", name="Keluar"))
    expect(page).to_have_url("/masuk?keluar=1")
    expect(page.get_by_role("status").first).to_have_text("Anda sudah keluar.")
    visit(page, "/beranda")
    expect(page).to_have_url("/masuk?next=/beranda")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")


def test_login_goes_back_to_the_page_asked_for(page: Page) -> None:
    visit(page, "/koperasi")
    expect(page).to_have_url("/masuk?next=/koperasi")
    page.locator("#f-login").fill("dinas.tangerang@demo.test")
    page.locator("#f-password").fill("bimtek2025")
    submit(page, page.get_by_role("button", name="Masuk", exact=True))
    expect(page).to_have_url("/koperasi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Koperasi")
