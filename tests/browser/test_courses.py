"""A participant reads on a phone: classes, a module, progress, the glossary, and offline."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.support import check_a11y, reload, sign_in, submit, visit


def test_a_participant_reads_a_module_and_marks_it_done(page: Page) -> None:
    sign_in(page, "0812-2000-0003")
    visit(page, "/kelas")
    # The demo angkatan enrolled its members in its courses: they are already "Kelas saya".
    expect(page.get_by_text("0 dari 7 modul selesai")).to_be_visible()
    submit(page, page.get_by_role("link", name="Pembukuan dan Laporan Keuangan Koperasi"))
    submit(page, page.get_by_role("link", name="Mulai belajar", exact=False))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Pembukuan")
    # The table of contents opens and jumps to a section.
    page.get_by_text("Daftar isi").click()
    check_a11y(page)
    # Reading to the end is noticed (htmx, on reveal) and the page says so.
    page.locator("#akhir").scroll_into_view_if_needed()
    expect(page.get_by_text("Anda sudah membaca modul ini sampai akhir.")).to_be_visible()
    check_a11y(page)
    submit(page, page.get_by_role("button", name="Tandai selesai dan lanjut"))
    expect(page.get_by_text("Modul 2", exact=False).first).to_be_visible()
    visit(page, "/kelas")
    expect(page.get_by_text("1 dari 7 modul selesai")).to_be_visible()


def test_glossary_and_a_term_link(page: Page) -> None:
    sign_in(page, "0812-2000-0004")
    visit(page, "/kelas/pembukuan/simpanan-pinjaman")
    submit(page, page.locator("a.istilah", has_text="Simpanan pokok").first)
    expect(page).to_have_url("/istilah#simpanan-pokok")
    expect(page.locator("#simpanan-pokok")).to_have_text("Simpanan pokok")


def test_an_opened_module_can_be_read_again_without_a_connection(page: Page) -> None:
    sign_in(page, "0812-2000-0005")
    visit(page, "/kelas/tata-kelola/dasar-hukum")
    page.evaluate("() => navigator.serviceWorker.ready")
    # The first page is kept once the worker is ready (the app asks it to).
    page.wait_for_function(
        "() => caches.open('lms-pages').then(c => c.match('/kelas/tata-kelola/dasar-hukum'))"
        ".then(Boolean)"
    )
    page.context.set_offline(True)
    try:
        reload(page)
        expect(page.get_by_role("heading", level=1)).to_contain_text("Dasar Hukum")
        expect(page.locator("#offline")).to_be_visible()
        expect(page.locator(".prose h2").first).to_be_visible()
        # A module never opened on this device says so, in Indonesian.
        visit(page, "/kelas/tata-kelola/benturan-kepentingan", status=503)
        expect(page.get_by_role("heading", level=1)).to_have_text("Tidak ada koneksi")
    finally:
        page.context.set_offline(False)
    reload(page)
    expect(page.locator("#offline")).to_be_hidden()


def test_module_pages_fit_a_phone_and_print(page: Page) -> None:
    sign_in(page, "0812-2000-0006")
    visit(page, "/kelas/pembukuan/jurnal-buku-besar")
    page.emulate_media(media="print")
    expect(page.locator(".top")).to_be_hidden()
    expect(page.locator(".prose")).to_be_visible()
    page.emulate_media(media="screen")
