"""The dinas dashboard on a phone: the Banten provincial operator drills down from the province
to one koperasi, reads its officials' standing and downloads the table as an Excel workbook.

Demo data: Kota Serang's past angkatan (Kecamatan Serang, Desa Serang's koperasi has a ketua and
a bendahara who both completed), the Kab. Tangerang pilot under way.
"""

from __future__ import annotations

import io

from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from tests.browser.support import check_a11y, sign_in, submit, visit

OPERATOR = "dinas.banten@demo.test"


def test_a_provincial_operator_drills_down_to_a_koperasi_and_downloads_it(
    page: Page, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    sign_in(page, OPERATOR)
    visit(page, "/laporan")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Banten")
    table = page.locator("table.report-table")
    expect(table).to_contain_text("Kabupaten Tangerang")
    # The charts carry their own title and a table of the same figures.
    expect(page.locator("figure.chart svg[role=img]").first).to_be_visible()

    submit(page, table.get_by_role("link", name="Kota Serang", exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kota Serang")
    expect(page.get_by_role("navigation", name="Jejak wilayah")).to_contain_text("Banten")

    submit(page, page.locator("table.report-table").get_by_role("link", name="Serang", exact=True))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Serang")

    desa = page.locator("table.report-table").get_by_role("link", name="Serang", exact=True)
    submit(page, desa)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Koperasi")
    people = page.locator("table").first
    expect(people).to_contain_text("Ketua")
    expect(people).to_contain_text("Bendahara")
    check_a11y(page)

    with page.expect_download() as download:
        page.get_by_role("link", name="Excel").first.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.suffix == ".xlsx", saved.name
    sheet = load_workbook(io.BytesIO(saved.read_bytes()), read_only=True).active
    assert sheet is not None
    cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
    names = [n.strip() for n in people.locator("tbody th a").all_inner_texts()]
    assert names and all(n in cells for n in names), (names, cells[:40])


def test_the_api_key_page_fits_a_phone(page: Page) -> None:
    sign_in(page, OPERATOR)
    visit(page, "/laporan/token")  # axe, and nothing wider than the 360 px screen
    expect(page.get_by_role("heading", level=1)).to_contain_text("Token API")
