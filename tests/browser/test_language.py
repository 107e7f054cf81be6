"""The ID/EN switch in the header, and how the choice is remembered.

The expected English texts are the msgstr values of lms/locale/en/LC_MESSAGES/messages.po.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Locator, Page, expect
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from lms.accounts.models import User
from tests.browser.support import login, logout, reload, submit, visit

# Kota Serang participants: no other browser test logs in with them.
COOKIE_USER = ("0812-3000-0001", "+6281230000001")
ACCOUNT_USER = ("0812-4000-0001", "+6281240000001")


def language_button(page: Page, code: str) -> Locator:
    return page.locator("header form.lang").get_by_role("button", name=code, exact=True)


def expect_language(page: Page, lang: str) -> None:
    expect(page.locator("html")).to_have_attribute("lang", lang)
    expect(language_button(page, lang.upper())).to_have_attribute("aria-current", "true")


@pytest.fixture
def participant(live_db: Engine) -> Iterator[Callable[[tuple[str, str]], str]]:
    """Name of a demo participant; their saved language is cleared again after the test."""
    used: list[str] = []

    def name_of(user: tuple[str, str]) -> str:
        used.append(user[1])
        with Session(live_db) as session:
            name = session.scalar(select(User.name).where(User.phone == user[1]))
        assert name
        return name

    yield name_of
    with Session(live_db) as session:
        session.execute(update(User).where(User.phone.in_(used)).values(locale=None))
        session.commit()


def test_switch_to_english_is_remembered_across_reload_and_login(
    page: Page, participant: Callable[[tuple[str, str]], str]
) -> None:
    name = participant(COOKIE_USER)
    visit(page, "/masuk")
    expect_language(page, "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")

    submit(page, language_button(page, "EN"))
    expect(page).to_have_url("/masuk")
    expect_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_role("button", name="Log in", exact=True)).to_be_visible()

    reload(page)
    expect_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")

    login(page, COOKIE_USER[0])
    expect(page).to_have_url("/beranda")
    expect_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
    expect(page.get_by_role("navigation", name="Main menu")).to_be_visible()

    logout(page)
    expect_language(page, "en")
    expect(page.get_by_role("status").first).to_have_text("You have logged out.")

    login(page, COOKIE_USER[0])
    expect_language(page, "en")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")

    submit(page, language_button(page, "ID"))
    expect(page).to_have_url("/beranda")
    expect_language(page, "id")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Selamat datang, {name}")


def test_the_choice_follows_the_account_to_another_phone(
    page: Page, new_page: Callable[[], Page], participant: Callable[[tuple[str, str]], str]
) -> None:
    name = participant(ACCOUNT_USER)
    login(page, ACCOUNT_USER[0])
    expect_language(page, "id")
    submit(page, language_button(page, "EN"))
    expect(page).to_have_url("/beranda")
    expect_language(page, "en")
    expect(page.get_by_role("button", name="Log out")).to_be_visible()

    other_phone = new_page()
    visit(other_phone, "/masuk")
    expect_language(other_phone, "id")
    login(other_phone, ACCOUNT_USER[0])
    expect(other_phone).to_have_url("/beranda")
    expect_language(other_phone, "en")
    expect(other_phone.get_by_role("heading", level=1)).to_have_text(f"Welcome, {name}")
