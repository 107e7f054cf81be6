"""Region scope, the koperasi list, the village search and registering a koperasi."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session, aliased

from lms.audit.models import AuditEntry
from lms.regions.models import LEVEL_VILLAGE, Koperasi, Region
from tests.browser.support import check_a11y, follow, sign_in, submit, visit

KAB_TANGERANG = "36.03"
KOTA_SERANG = "36.73"


def a_koperasi_of(engine: Engine, regency: str) -> tuple[int, str]:
    with Session(engine) as session:
        row = session.execute(
            select(Koperasi.id, Koperasi.name)
            .where(Koperasi.regency_code == regency)
            .order_by(Koperasi.id)
            .limit(1)
        ).one()
    return row.id, row.name


def test_a_koperasi_of_another_region_is_not_found(
    page: Page, new_page: Callable[[], Page], live_db: Engine
) -> None:
    koperasi_id, name = a_koperasi_of(live_db, KOTA_SERANG)

    sign_in(page, "dinas.tangerang@demo.test")
    visit(page, f"/koperasi/{koperasi_id}", status=404)
    expect(page.get_by_role("heading", level=1)).to_have_text("Halaman tidak ditemukan")
    expect(page.locator("main")).to_contain_text("bukan bagian dari wilayah kerja Anda")
    expect(page.locator("main")).not_to_contain_text(name)
    expect(page.locator("html")).to_have_attribute("lang", "id")

    province = new_page()
    sign_in(province, "dinas.banten@demo.test")
    visit(province, f"/koperasi/{koperasi_id}")
    expect(province.get_by_role("heading", level=1)).to_have_text(name)
    expect(province.locator("main")).to_contain_text("Kota Serang")


def test_the_tangerang_operator_lists_its_58_koperasi(page: Page) -> None:
    sign_in(page, "dinas.tangerang@demo.test")
    visit(page, "/beranda")
    menu = page.get_by_role("navigation", name="Menu utama")
    follow(page, menu.get_by_role("link", name="Koperasi"))
    expect(page).to_have_url("/koperasi")
    expect(page.locator("#hasil").get_by_role("status")).to_have_text("58 koperasi · 1–25")
    rows = page.locator("#hasil table tbody tr")
    expect(rows).to_have_count(25)
    expect(rows.first).to_contain_text("Kab. Tangerang")
    expect(page.locator("#hasil")).not_to_contain_text("Kota Serang")
    expect(page.get_by_role("navigation", name="Halaman")).to_contain_text("Halaman 1 dari 3")


def test_village_live_search(page: Page) -> None:
    sign_in(page, "dinas.tangerang@demo.test")
    visit(page, "/wilayah")
    page.get_by_label("Nama desa, kecamatan, kabupaten atau kode").press_sequentially(
        "Bojong Cikupa", delay=30
    )
    results = page.locator("#hasil li")
    expect(results.filter(has_text="Bojong, Cikupa, Kab. Tangerang")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/wilayah\?q=Bojong(\+|%20)Cikupa$"))
    check_a11y(page)
    # The demo koperasi of that village, or the way to register one, is offered next to it.
    hit = results.filter(has_text="Bojong, Cikupa, Kab. Tangerang")
    expect(hit.get_by_role("link")).to_have_count(1)


@pytest.fixture
def free_village(live_db: Engine) -> Iterator[dict[str, str]]:
    """A Kab. Tangerang village without a koperasi; the koperasi made for it is removed after."""
    district = aliased(Region)
    taken = select(Koperasi.village_code)
    with Session(live_db) as session:
        row = session.execute(
            select(Region.code, Region.name, district.name.label("district"))
            .join(district, district.code == Region.parent_code)
            .where(
                Region.regency_code == KAB_TANGERANG,
                Region.level == LEVEL_VILLAGE,
                Region.code.not_in(taken),
                Region.code.like("__.__.__.2%"),  # a desa (a kelurahan's code has .1xxx)
            )
            .order_by(Region.code.desc())
            .limit(1)
        ).one()
    yield {"code": row.code, "name": row.name, "district": row.district}
    with Session(live_db) as session:
        ids = session.scalars(select(Koperasi.id).where(Koperasi.village_code == row.code)).all()
        session.execute(
            delete(AuditEntry).where(
                AuditEntry.entity_type == "koperasi",
                AuditEntry.entity_id.in_([str(i) for i in ids]),
            )
        )
        session.execute(delete(Koperasi).where(Koperasi.village_code == row.code))
        session.commit()


def test_register_a_koperasi_with_the_village_picker(
    page: Page, free_village: dict[str, str]
) -> None:
    sign_in(page, "dinas.tangerang@demo.test")
    visit(page, "/koperasi")
    follow(page, page.get_by_role("link", name="Daftarkan koperasi"))
    expect(page).to_have_url("/koperasi/baru")
    expect(page.get_by_role("heading", level=1)).to_have_text("Daftarkan koperasi")

    page.get_by_label("Desa/kelurahan").press_sequentially(
        f"{free_village['name']} {free_village['district']}", delay=20
    )
    choices = page.get_by_role("group", name="Pilih desa/kelurahan")
    choice = choices.locator(f"input[name=pick][value='{free_village['code']}']")
    expect(choice).to_have_count(1)
    check_a11y(page)

    choice.check()
    label = f"{free_village['name']}, {free_village['district']}, Kab. Tangerang"
    expect(page.locator("#picked")).to_contain_text(label)
    expect(page.locator("#village-code")).to_have_value(free_village["code"])
    koperasi_name = f"Koperasi Desa Merah Putih {free_village['name']}"
    expect(page.get_by_label("Nama koperasi")).to_have_value(koperasi_name)
    # No legal number: a long one (AHU-0001234.AH.01.29.TAHUN 2025) overflows the detail page at
    # 360 px; see test_layout.py::test_long_values_fit_on_a_phone.

    submit(page, page.get_by_role("button", name="Simpan"))
    expect(page).to_have_url(re.compile(r"/koperasi/\d+\?baru=1$"))
    expect(page.get_by_role("status").first).to_have_text("Koperasi sudah didaftarkan.")
    expect(page.get_by_role("heading", level=1)).to_have_text(koperasi_name)
    main = page.locator("main")
    expect(main).to_contain_text(label)
    expect(main).to_contain_text(free_village["code"])
    expect(main).to_contain_text("belum dicatat")
    expect(main).to_contain_text("Belum ada akun untuk: Ketua, Bendahara.")
