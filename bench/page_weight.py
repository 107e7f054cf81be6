"""Bytes on the wire for a page with everything it loads, measured in headless Chromium.

Bars from the brief: the login page at most 30 KB; our own bar for the practice ledger page and
a quiz attempt (the longest shipped quiz, journal questions with their rows) is the module page's
60 KB; every other page we ship is reported too.
Counted: every response's encoded (compressed) body plus headers, with an empty cache.
"""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import Page, sync_playwright

from bench.server import CHROMIUM_ARGS, DEMO_PASSWORD, demo_server

GOALS = {
    "login": 30 * 1024,
    "practice_book": 60 * 1024,
    "quiz_attempt": 60 * 1024,
    "dashboard_national": 60 * 1024,
    "dashboard_kabupaten": 60 * 1024,
}
PAGES = {
    "home_peserta": ("0812-1000-0001", "/beranda"),
    "home_dinas": ("dinas.tangerang@demo.test", "/beranda"),
    "koperasi_list": ("dinas.tangerang@demo.test", "/koperasi"),
    # A fresh practice book (opened first): the journal form, statements and checks.
    "practice_book": ("0812-2000-0001", "/latihan"),
    "quiz_list": ("0812-2000-0002", "/kuis"),
    # A quiz attempt started first: the journal quiz of Modul 5 (12 transactions to journalise).
    "quiz_attempt": ("0812-2000-0002", "/kuis/pembukuan/jurnal-buku-besar"),
    # The demo angkatan of Kab. Tangerang (116 people): its roll call and projector QR page.
    "cohort": ("dinas.tangerang@demo.test", "/angkatan/bimtek-kdkmp-kab-tangerang-angkatan-i"),
    "roll_call": (
        "dinas.tangerang@demo.test",
        "/angkatan/bimtek-kdkmp-kab-tangerang-angkatan-i/sesi/2/presensi",
    ),
    "checkin_qr": (
        "dinas.tangerang@demo.test",
        "/angkatan/bimtek-kdkmp-kab-tangerang-angkatan-i/sesi/2/qr",
    ),
    # The dashboard: the country (38 provinces, three charts) and a kabupaten (29 kecamatan).
    "dashboard_national": ("admin@demo.test", "/laporan"),
    "dashboard_kabupaten": ("dinas.tangerang@demo.test", "/laporan/wilayah/36.03"),
}


def _weigh(page: Page, url: str) -> int:
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    total = {"bytes": 0}

    def finished(event: dict[str, Any]) -> None:
        total["bytes"] += int(event.get("encodedDataLength", 0))

    cdp.on("Network.loadingFinished", finished)
    page.goto(url, wait_until="networkidle")
    cdp.detach()
    return total["bytes"]


def run() -> dict[str, Any]:
    figures: dict[str, int] = {}
    with demo_server() as server, sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        # Service workers blocked: an installed worker would answer from its cache, and the
        # page's own network view would then count almost nothing.
        context = browser.new_context(
            viewport={"width": 360, "height": 800}, service_workers="block"
        )
        page = context.new_page()
        figures["login"] = _weigh(page, server.url + "/masuk")
        for name, (login, path) in PAGES.items():
            context.clear_cookies()
            page.goto(server.url + "/masuk")
            page.fill("#f-login", login)
            page.fill("#f-password", DEMO_PASSWORD)
            page.click("button.primary")
            page.wait_for_url("**/beranda")
            if name == "practice_book":
                page.goto(server.url + path)
                page.locator("form[action='/latihan'] button").first.click()
                page.wait_for_url("**/latihan/*")
                path = page.url.removeprefix(server.url)
            if name == "quiz_attempt":
                page.goto(server.url + path)
                page.locator("form[action$='/mulai'] button").click()
                page.wait_for_url("**/percobaan/*")
                path = page.url.removeprefix(server.url)
            figures[name] = _weigh(page, server.url + path)
        browser.close()
    ok = all(figures[k] <= v for k, v in GOALS.items())
    return {
        "benchmark": "page_weight",
        "bytes": figures,
        "goal_bytes": GOALS,
        "ok": ok,
    }


if __name__ == "__main__":
    print(json.dumps(run()))
