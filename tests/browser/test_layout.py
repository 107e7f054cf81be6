"""Layout at other screen sizes, and known layout bugs pinned until they are fixed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.support import sign_in, visit


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}], ids=["desktop"])
def test_the_koperasi_list_is_a_table_on_a_desktop_screen(page: Page) -> None:
    sign_in(page, "dinas.tangerang@demo.test")
    visit(page, "/koperasi")
    table = page.get_by_role("table", name="Daftar koperasi")
    expect(table.get_by_role("columnheader")).to_have_text(
        ["Koperasi", "Desa/kelurahan", "Ketua", "Bendahara"]
    )
    expect(table.locator("tbody tr")).to_have_count(25)


def test_long_values_fit_on_a_phone(page: Page) -> None:
    sign_in(page, "dinas.tangerang@demo.test")
    visit(page, "/akun")  # "dinas.tangerang@demo.test" in the facts list
