"""Certificates: the Kota Serang dinas operator issues them for its angkatan on a phone and watches
them being printed; anyone checks one on the public verification page.

The demo angkatan `bimtek-kdkmp-kota-serang-angkatan-i` was held three days ago (three sesi, one
quiz); its rule is attendance of at least 75% and a quiz score of at least 60, with no module
requirement, so some of its six members earn a certificate and some do not.

The live server (and its demo data) is shared by the whole session: whichever test comes first
issues the certificates, the other finds them issued. Nothing else issues for this angkatan.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from playwright.sync_api import Locator, Page, Route, expect
from pypdf import PdfReader
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from lms.cohorts.models import Attendance, Cohort, CohortMember, CohortSession
from lms.credentials.models import Issuer
from lms.demo import KOTA_SERANG, SERANG_COHORT
from lms.learning.models import Course, CourseVersion
from tests.browser.support import check_a11y, sign_in, submit, visit

OPERATOR = "dinas.serang@demo.test"
PAGE = f"/angkatan/{SERANG_COHORT}/sertifikat"
SHOTS = Path("/tmp/shots")  # noqa: S108 (pictures for a person to look at, not kept)
MIN_ATTENDANCE, MIN_SCORE = 75, 60
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")
CODE = re.compile(r"^[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}$")
# "Terbitkan 3 sertifikat", or "Terbitkan sertifikat" (disabled) when nobody new qualifies.
ISSUE_BUTTON = re.compile(r"^Terbitkan (?:(\d+) )?sertifikat$")
# Printing may lay out a new page in a child process (WeasyPrint): allow it some time.
PRINT_TIMEOUT = 60_000

# Holds the progress bar's first request (htmx:confirm, htmx's own hook for deferring a request)
# until the test lets it go, so the page can be checked with axe while it shows "0 of N" and
# before it reloads itself. Later steps (more than one batch) go at once.
_HOLD_FIRST_STEP = """
document.addEventListener("htmx:confirm", function (event) {
  if (!/\\/sertifikat\\/proses$/.test(event.detail.path) || window.__lmsStepsGo) return;
  event.preventDefault();
  window.__lmsHeldStep = event.detail.issueRequest;
});
"""
_RELEASE_STEP = """
() => {
  window.__lmsStepsGo = true;
  window.__lmsHeldStep(true);
  return true;  // not the request's promise: the page reloads before it settles
}
"""


@dataclass
class Row:
    user_id: int
    name: str
    attendance: str  # "66% (2/3)"
    quiz: str  # "45,5 (1/1)", "– (0/1)"
    certificate: str  # the whole cell


def _rows(page: Page) -> list[Row]:
    rows = []
    for tr in page.locator("#peserta tbody tr").all():
        cells = tr.locator("td")
        rows.append(
            Row(
                user_id=int((tr.get_attribute("id") or "p0")[1:]),
                name=cells.nth(0).locator("strong").inner_text().strip(),
                attendance=" ".join(cells.nth(1).inner_text().split()),
                quiz=" ".join(cells.nth(2).inner_text().split()),
                certificate=" ".join(cells.nth(4).inner_text().split()),
            )
        )
    return rows


def _present_counts(engine: Engine) -> tuple[list[int], int, dict[int, int]]:
    """(member ids, sesi of the angkatan, user id -> sesi attended on time or late), from the
    database."""
    with Session(engine) as session:
        cohort_id = session.scalar(select(Cohort.id).where(Cohort.slug == SERANG_COHORT))
        members = session.scalars(
            select(CohortMember.user_id).where(CohortMember.cohort_id == cohort_id)
        ).all()
        sessions = session.scalar(select(func.count()).where(CohortSession.cohort_id == cohort_id))
        present = session.execute(
            select(Attendance.user_id, func.count())
            .join(CohortSession, CohortSession.id == Attendance.session_id)
            .where(
                CohortSession.cohort_id == cohort_id,
                Attendance.status.in_(["hadir", "terlambat"]),
            )
            .group_by(Attendance.user_id)
        ).all()
    return list(members), int(sessions or 0), {int(user): int(n) for user, n in present}


def _expected_reasons(row: Row) -> list[str]:
    """What the page must say about a row, worked out from its own attendance and quiz cells."""
    found = re.fullmatch(r"(\d+)% \((\d+)/(\d+)\)", row.attendance)
    assert found, f"{row.name}: attendance cell {row.attendance!r}"
    percent, present, total = (int(g) for g in found.groups())
    assert percent == present * 100 // total
    reasons = []
    if present * 100 < MIN_ATTENDANCE * total:
        reasons.append(
            f"kehadiran {percent}% ({present} dari {total} sesi), minimal {MIN_ATTENDANCE}%"
        )
    quiz = re.fullmatch(r"(–|\d+(?:,\d)?) \((\d+)/(\d+)\)", row.quiz)
    assert quiz, f"{row.name}: quiz cell {row.quiz!r}"
    score, done, quizzes = quiz.groups()
    if int(done) < int(quizzes):
        reasons.append("kuis belum dikerjakan")  # followed by the quiz titles
    elif float(score.replace(",", ".")) < MIN_SCORE:
        reasons.append(f"nilai kuis {score}, minimal {MIN_SCORE}")
    return reasons


def _number_pattern() -> re.Pattern[str]:
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date()
    return re.compile(
        rf"(\d{{3}})/BIMTEK-KDKMP/DISKOPERINDAG-SRG/{ROMAN[today.month - 1]}/{today.year}"
    )


def _issue_button(page: Page) -> Locator:
    return page.locator("#terbitkan").get_by_role("button", name=ISSUE_BUTTON)


@dataclass
class Printed:
    first_value: str  # the progress bar as the page showed it after issuing
    first_max: str
    step_value: int  # as the last step of the batch printer answered
    step_max: int


def _issue_and_watch(page: Page) -> Printed:
    """Press "Terbitkan N sertifikat" and follow the progress bar until the page reloads itself."""
    page.context.add_init_script(script=_HOLD_FIRST_STEP)
    submit(page, _issue_button(page))  # checks the page as it is after the redirect
    expect(page).to_have_url(re.compile(rf"{re.escape(PAGE)}\?pesan=terbit$"))
    expect(page.get_by_role("status").first).to_have_text(
        "Sertifikat diterbitkan dan sedang dicetak."
    )
    bar = page.locator("progress#progres-bar")
    expect(bar).to_be_visible()
    first_value, first_max = bar.get_attribute("value") or "", bar.get_attribute("max") or ""
    expect(page.locator("label[for=progres-bar]")).to_have_text(
        f"Mencetak sertifikat: {first_value} dari {first_max}"
    )
    page.wait_for_function("typeof window.__lmsHeldStep === 'function'")

    # The steps' answers, passed on to the page untouched (their bodies are gone after the
    # reload, so they are read on the way).
    steps: list[tuple[int, dict[str, str], str]] = []

    def pass_on(route: Route) -> None:
        answer = route.fetch()
        steps.append((answer.status, answer.headers, answer.text()))
        route.fulfill(response=answer)

    page.route(re.compile(r"/sertifikat/proses$"), pass_on)
    with page.expect_navigation(timeout=PRINT_TIMEOUT):  # the page again, asked for by HX-Redirect
        page.evaluate(_RELEASE_STEP)
    page.wait_for_load_state("load")
    check_a11y(page)
    page.unroute(re.compile(r"/sertifikat/proses$"))
    assert steps, "the progress bar sent no step"
    status, headers, body = steps[-1]
    assert status == 200, body[:1000]
    assert headers.get("hx-redirect", "").endswith("/sertifikat?pesan=siap"), (
        "the last step did not send the page back to the finished list"
    )
    answered = re.search(r'<progress id="progres-bar" max="(\d+)" value="(\d+)"', body)
    assert answered, f"no progress bar in the last step's answer:\n{body[:1000]}"
    return Printed(first_value, first_max, int(answered[2]), int(answered[1]))


def test_operator_issues_certificates_and_watches_them_print(
    page: Page, live_db: Engine, tmp_path: Path
) -> None:
    sign_in(page, OPERATOR)
    visit(page, PAGE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sertifikat")
    expect(page.locator("#terbitkan")).to_contain_text(
        "Syarat lulus angkatan ini: kehadiran minimal 75%; nilai kuis minimal 60."
    )

    # Every member: eligible or not, and why not, in words that match the numbers shown.
    members, sessions, present = _present_counts(live_db)
    rows = _rows(page)
    assert sorted(r.user_id for r in rows) == sorted(members)
    assert sessions == 3
    waiting = 0
    kinds = set()
    for row in rows:
        assert row.attendance.endswith(f"({present.get(row.user_id, 0)}/{sessions})"), row
        reasons = _expected_reasons(row)
        kinds.add(bool(reasons))
        item = page.locator(f"#p{row.user_id}")
        if _number_pattern().search(row.certificate):
            assert not reasons, f"{row.name} has a certificate but does not meet the rule"
        elif reasons:
            expect(item.locator(".badge")).to_have_text("Belum memenuhi syarat")
            shown = [" ".join(t.split()) for t in item.locator("ul.reasons li").all_inner_texts()]
            assert len(shown) == len(reasons), (row.name, shown, reasons)
            for text, expected in zip(shown, reasons, strict=True):
                assert text.startswith(expected), (row.name, shown, reasons)
        else:
            expect(item.locator(".badge")).to_have_text("Memenuhi syarat")
            expect(item.locator("ul.reasons")).to_have_count(0)
            waiting += 1
    assert kinds == {True, False}, "the demo angkatan should have both kinds of members"

    button = _issue_button(page)
    expect(button).to_be_visible()
    label = " ".join(button.inner_text().split())
    assert int(ISSUE_BUTTON.fullmatch(label)[1] or 0) == waiting  # type: ignore[index]
    if waiting:
        printed = _issue_and_watch(page)
        assert printed.first_max == str(waiting), printed
        assert printed.first_value == "0", printed
        assert printed.step_value == printed.step_max == waiting, printed
    else:  # an earlier test of this session issued them already
        expect(button).to_be_disabled()
        expect(page.locator("#terbitkan")).to_contain_text(
            "Belum ada peserta baru yang memenuhi syarat."
        )

    # Printed: no progress bar any more, the downloads, and a number for everyone eligible.
    expect(page.locator("#progres-bar")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text("sedang dicetak.")
    expect(page.get_by_role("link", name="Unduh semua (ZIP)")).to_be_visible()
    expect(page.get_by_role("link", name="Cetak semua (satu PDF)")).to_be_visible()
    expect(_issue_button(page)).to_be_disabled()
    rows = _rows(page)
    numbered = {}
    for row in rows:
        found = _number_pattern().search(row.certificate)
        if _expected_reasons(row):
            assert found is None, f"{row.name} does not meet the rule yet has {found}"
            continue
        assert found, f"{row.name}: no certificate number in {row.certificate!r}"
        assert "Berlaku" in row.certificate, row
        assert "sedang dicetak" not in row.certificate, row
        numbered[row.user_id] = int(found[1])
    assert sorted(numbered.values()) == list(range(1, len(numbered) + 1)), numbered
    stats = page.get_by_role("region", name="Ringkasan sertifikat").locator(".stat strong")
    expect(stats).to_have_text(["0", str(len(numbered)), str(len(rows) - len(numbered))])

    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / "cert-page.png", full_page=True, caret="initial")

    # One certificate: the PDF names its person and carries the signed credential.
    first = min(numbered, key=numbered.__getitem__)
    name = next(r.name for r in rows if r.user_id == first)
    with page.expect_download() as download:
        page.locator(f"#p{first}").get_by_role("link", name="Unduh PDF").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.startswith("sertifikat-001-"), saved.name
    reader = PdfReader(io.BytesIO(saved.read_bytes()))
    text = " ".join(" ".join(p.extract_text() or "" for p in reader.pages).split())
    assert name in text, f"{name!r} not in the certificate's text: {text[:500]!r}"
    assert "credential.jwt" in reader.attachments, list(reader.attachments)
    (token,) = reader.attachments["credential.jwt"]
    assert token.count(b".") == 2, token[:80]  # a compact JWS


@dataclass
class Issued:
    code: str
    number: str
    name: str


def _one_issued(operator: Page) -> Issued:
    """A valid certificate of the angkatan, as its operator's page lists it (issued if need be)."""
    sign_in(operator, OPERATOR)
    visit(operator, PAGE)
    if _issue_button(operator).is_enabled():
        _issue_and_watch(operator)
    row = operator.locator("#peserta tbody tr").filter(has_text="Berlaku").first
    link = row.get_by_role("link", name="Halaman verifikasi")
    href = link.get_attribute("href") or ""
    assert href.startswith("/v/"), href
    code = href.removeprefix("/v/")
    assert CODE.fullmatch(code), code
    number = row.locator(".code").inner_text().strip()
    assert _number_pattern().fullmatch(number), number
    return Issued(code, number, row.locator("td").first.locator("strong").inner_text().strip())


def test_anyone_verifies_a_certificate_by_its_code(
    new_page: Callable[..., Page], live_db: Engine
) -> None:
    issued = _one_issued(new_page())
    with Session(live_db) as session:
        cohort = session.scalars(select(Cohort).where(Cohort.slug == SERANG_COHORT)).one()
        issuer = session.scalar(select(Issuer.name).where(Issuer.region_code == KOTA_SERANG))
        course = session.scalar(
            select(CourseVersion.title)
            .join(Course, Course.current_version_id == CourseVersion.id)
            .where(Course.slug == "tata-kelola")
        )
    assert issuer and course

    visitor = new_page()  # not logged in, a phone of its own
    response = visit(visitor, f"/v/{issued.code}")
    assert response.headers.get("cache-control") == "no-store"
    assert "noindex" in (response.headers.get("x-robots-tag") or "")
    expect(visitor.get_by_role("heading", level=1)).to_have_text("Verifikasi sertifikat")
    expect(visitor.get_by_role("status")).to_have_text("✓ Sertifikat ini ASLI dan BERLAKU")
    facts = visitor.locator("dl.facts")
    expect(facts).to_contain_text(issued.name)
    expect(facts).to_contain_text(course)
    expect(facts).to_contain_text(cohort.name)
    expect(facts).to_contain_text(issuer)
    expect(visitor.locator("main")).to_contain_text(issued.code)
    expect(visitor.locator("body")).not_to_contain_text(issued.number)
    SHOTS.mkdir(parents=True, exist_ok=True)
    visitor.screenshot(path=SHOTS / "verify.png", full_page=True, caret="initial")

    # The code as someone types it off the paper: lower case, no dashes.
    visit(visitor, "/v")
    visitor.get_by_label(re.compile("^Kode verifikasi")).fill(issued.code.lower().replace("-", ""))
    submit(visitor, visitor.get_by_role("button", name="Periksa"))
    expect(visitor).to_have_url(re.compile(rf"/v/{issued.code}$"))
    expect(visitor.get_by_role("status")).to_have_text("✓ Sertifikat ini ASLI dan BERLAKU")
    expect(visitor.locator("dl.facts")).to_contain_text(issued.name)

    # A code no certificate has (0 is never used in codes).
    visit(visitor, "/v/0000-0000-0000", status=404)
    expect(visitor.get_by_role("alert")).to_have_text(
        "Kode 0000-0000-0000 tidak ditemukan. "
        "Periksa kembali kode yang tercetak di bawah kode QR sertifikat."
    )
    expect(visitor.get_by_label(re.compile("^Kode verifikasi"))).to_be_visible()
