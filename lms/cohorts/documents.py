"""Printed documents of an angkatan: login cards (kartu masuk) and the daftar hadir of a sesi.

Importing WeasyPrint costs tens of MB that would stay in the web worker (kept under 100 MB), so a
PDF is made in a child process: the worker gathers the data with SQL, sends it as JSON to
``python -m lms.cohorts.documents KIND`` and reads the PDF back from its stdout. The render
functions are pure (dataclasses in, PDF bytes out) and import WeasyPrint only when called.

Both documents are printed in Indonesian whatever language the operator reads the site in: the
cards go to the participants and the daftar hadir goes into the accountability file (SPJ).
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from lms import i18n
from lms.runtime import run_module

# The database side imports SQLAlchemy and the models inside its functions: the child process
# imports this module as well and needs none of them (about half a second less at every start).
if TYPE_CHECKING:
    from jinja2 import Environment
    from sqlalchemy.orm import Session

    from lms.cohorts.models import Cohort, CohortSession

TEMPLATES = Path(__file__).resolve().parent / "templates" / "pdf"
DOCUMENT_LOCALE = "id"
CHILD_TIMEOUT = 120  # seconds
CARDS_PER_PAGE = 8
# One child at a time per worker: a render keeps a core busy and the child peaks near 190 MB for
# 350 cards, so two at once would only share the CPU and double the memory.
_ONE_CHILD = threading.BoundedSemaphore(1)


class DocumentError(RuntimeError):
    """The PDF could not be made (the child process failed or timed out)."""


# -- login cards ---------------------------------------------------------------------------------


@dataclass
class Card:
    name: str
    jabatan: str
    koperasi: str
    place: str  # "Desa Bojong, Kec. Cikupa"
    username: str  # "0812-3456-7890", or the e-mail address of someone without a phone
    url: str  # the one-time login URL the QR code holds
    expires: date  # the last day the card works, in the cohort's zone

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Card:
        return cls(**{**data, "expires": date.fromisoformat(data["expires"])})


def render_login_cards(cohort_name: str, cards: list[Card]) -> bytes:
    """A4 portrait, eight cards a page (two columns, four rows) with dashed cut lines."""
    import segno
    from markupsafe import Markup

    views = []
    for card in cards:
        qr = segno.make(card.url, error="m", micro=False)
        # border=0: the card's own white margin is the quiet zone (CSS keeps it >= 4 modules).
        svg = qr.svg_inline(border=0, omitsize=True, svgclass="qr", lineclass=None)
        base, sep, token = card.url.rpartition("/k/")
        views.append(
            {
                "card": card,
                # S704: segno's SVG holds only numbers and fixed markup, never the card's text.
                "qr": Markup(svg),  # noqa: S704
                # Printed on two lines, the site and then the code, under the QR code.
                "url_base": f"{base}/k/" if sep else "",
                "url_token": token if sep else card.url,
                "expires": i18n.format_date(card.expires),
                "name_size": _size_class(card.name, 32, 40),
                "username_size": _size_class(card.username, 20, 44),
            }
        )
    pages = [views[i : i + CARDS_PER_PAGE] for i in range(0, len(views), CARDS_PER_PAGE)]
    html = (
        _environment()
        .get_template("login_cards.html")
        .render(cohort_name=cohort_name, pages=pages, count=len(cards))
    )
    return _write_pdf(html)


def _size_class(text: str, normal: int, long: int) -> str:
    """A smaller type for long names and login names, so that they fit their card whole."""
    return "" if len(text) <= normal else "long" if len(text) <= long else "longer"


def login_cards(
    session: Session, cohort: Cohort, base_url: str, user_ids: list[int] | None = None
) -> bytes:
    """Login cards for the cohort's people (None: every active member), in name order.

    Issues their one-time tokens in the caller's transaction (the caller commits), which revokes
    the unused cards printed before for the same people in this cohort."""
    from lms.accounts import tokens
    from lms.accounts.identifiers import display_phone
    from lms.accounts.services import jabatan_label
    from lms.cohorts.services import ends_at

    people = [p for p in _people(session, cohort.id, user_ids=user_ids) if p.active]
    issued = tokens.issue(
        session, [p.user_id for p in people], cohort_id=cohort.id, expires_at=ends_at(cohort)
    )
    base = base_url.rstrip("/")
    with _document_locale():
        cards = [
            Card(
                name=p.name,
                jabatan=jabatan_label(p.jabatan),
                koperasi=p.koperasi,
                place=p.place,
                username=display_phone(p.phone) if p.phone else (p.email or ""),
                url=f"{base}/k/{issued[p.user_id]}",
                expires=cohort.ends_on,
            )
            for p in people
        ]
    return render_pdf("login_cards", cards_payload(cohort.name, cards))


def cards_payload(cohort_name: str, cards: list[Card]) -> dict[str, Any]:
    """What render_pdf("login_cards", ...) sends to the child: plain JSON data."""
    return {
        "locale": DOCUMENT_LOCALE,
        "cohort_name": cohort_name,
        "cards": [{**asdict(c), "expires": c.expires.isoformat()} for c in cards],
    }


# -- daftar hadir --------------------------------------------------------------------------------


@dataclass
class Row:
    name: str
    jabatan: str
    koperasi: str
    place: str
    status: str  # a Status value, or "" when not marked


@dataclass
class Sheet:
    organizer: str  # "Dinas Koperasi dan UKM Kabupaten Tangerang"
    event: str  # the cohort's name
    topic: str
    starts_at: datetime  # aware (UTC)
    ends_at: datetime
    timezone: str  # WIB, WITA or WIT
    venue: str
    place: str  # where it is signed: "Tigaraksa"
    officer_title: str
    officer_name: str
    officer_nip: str
    rows: list[Row]
    # Status value -> printed label, in the order of the summary line.
    status_labels: dict[str, str]
    narasumber: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Sheet:
        return cls(
            **{
                **data,
                "starts_at": datetime.fromisoformat(data["starts_at"]),
                "ends_at": datetime.fromisoformat(data["ends_at"]),
                "rows": [Row(**r) for r in data["rows"]],
            }
        )


def format_nip(nip: str) -> str:
    """'197001011995031001' -> '19700101 199503 1 001', the way a NIP is printed."""
    if len(nip) == 18 and nip.isdigit():
        return f"{nip[:8]} {nip[8:14]} {nip[14]} {nip[15:]}"
    return nip


def render_attendance_sheet(sheet: Sheet) -> bytes:
    """A4 portrait daftar hadir: title block, one row per person with a signature cell (odd
    numbers sign at the left, even at the right), summary and the officer's signature."""
    from babel.dates import format_date as babel_format_date

    local_start = sheet.starts_at.astimezone(ZoneInfo(i18n.TIMEZONES[sheet.timezone]))
    weekday = babel_format_date(local_start, format="EEEE", locale=i18n.get_locale())
    day = i18n.format_date(local_start)
    start_clock = i18n.format_time(sheet.starts_at, sheet.timezone).rsplit(" ", 1)[0]
    counts = Counter(row.status for row in sheet.rows)
    summary = [(label, counts.get(status, 0)) for status, label in sheet.status_labels.items()]
    unmarked = sum(n for status, n in counts.items() if status not in sheet.status_labels)
    html = (
        _environment()
        .get_template("attendance_sheet.html")
        .render(
            sheet=sheet,
            day=f"{weekday}, {day}",
            time=f"{start_clock}–{i18n.format_time(sheet.ends_at, sheet.timezone)}",
            signed=f"{sheet.place}, {day}" if sheet.place else day,
            nip=format_nip(sheet.officer_nip),
            summary=summary,
            unmarked=unmarked,
        )
    )
    return _write_pdf(html)


def attendance_sheet(session: Session, cohort: Cohort, sesi: CohortSession) -> bytes:
    """The daftar hadir of one sesi: every member of the cohort in name order, with their status."""
    from sqlalchemy import select

    from lms.accounts.models import User
    from lms.accounts.services import jabatan_label
    from lms.cohorts.models import Status
    from lms.cohorts.services import signing_place, status_label

    if sesi.cohort_id != cohort.id:
        raise ValueError("the sesi belongs to another cohort")
    people = _people(session, cohort.id, sesi_id=sesi.id)
    narasumber = (
        session.scalar(select(User.name).where(User.id == sesi.narasumber_id))
        if sesi.narasumber_id
        else None
    )
    with _document_locale():
        sheet = Sheet(
            organizer=cohort.organizer,
            event=cohort.name,
            topic=sesi.topic,
            starts_at=sesi.starts_at,
            ends_at=sesi.ends_at,
            timezone=cohort.timezone,
            venue=cohort.venue,
            place=signing_place(session, cohort),
            officer_title=cohort.officer_title,
            officer_name=cohort.officer_name,
            officer_nip=cohort.officer_nip,
            rows=[
                Row(
                    name=p.name,
                    jabatan=jabatan_label(p.jabatan),
                    koperasi=p.koperasi,
                    place=p.place,
                    status=p.status or "",
                )
                for p in people
            ],
            status_labels={s.value: status_label(s.value) for s in Status},
            narasumber=narasumber or "",
        )
    return render_pdf("attendance_sheet", sheet_payload(sheet))


def sheet_payload(sheet: Sheet) -> dict[str, Any]:
    """What render_pdf("attendance_sheet", ...) sends to the child: plain JSON data."""
    data = asdict(sheet)
    data.update(starts_at=sheet.starts_at.isoformat(), ends_at=sheet.ends_at.isoformat())
    return {"locale": DOCUMENT_LOCALE, "sheet": data}


# -- the data, in one query ----------------------------------------------------------------------


@dataclass
class _Person:
    user_id: int
    name: str
    jabatan: str | None
    phone: str | None
    email: str | None
    active: bool
    koperasi: str
    place: str
    status: str | None


def _people(
    session: Session,
    cohort_id: int,
    *,
    user_ids: list[int] | None = None,
    sesi_id: int | None = None,
) -> list[_Person]:
    """The cohort's members in name order with their koperasi, desa and kecamatan (and their
    attendance at `sesi_id`), in one query. Never selects a NIK column."""
    from sqlalchemy import and_, literal, select
    from sqlalchemy.orm import aliased

    from lms.accounts.models import User
    from lms.cohorts.models import Attendance, CohortMember
    from lms.regions.models import Koperasi, Region

    village = aliased(Region)
    district = aliased(Region)
    status = Attendance.status if sesi_id is not None else literal(None)
    stmt = (
        select(
            User.id,
            User.name,
            User.jabatan,
            User.phone,
            User.email,
            User.is_active,
            Koperasi.name,
            village.code,
            village.name,
            district.name,
            status,
        )
        .join(CohortMember, CohortMember.user_id == User.id)
        .outerjoin(Koperasi, Koperasi.id == User.koperasi_id)
        .outerjoin(village, village.code == Koperasi.village_code)
        .outerjoin(district, district.code == village.parent_code)
        .where(CohortMember.cohort_id == cohort_id)
        .order_by(User.name, User.id)
    )
    if sesi_id is not None:
        stmt = stmt.outerjoin(
            Attendance, and_(Attendance.session_id == sesi_id, Attendance.user_id == User.id)
        )
    if user_ids is not None:
        stmt = stmt.where(User.id.in_(list(dict.fromkeys(user_ids))))
    people = []
    for row in session.execute(stmt):
        (uid, name, jabatan, phone, email, active, kop, v_code, v_name, d_name, st) = row
        place = ""
        if v_name:
            kind = "Kel." if v_code[9] == "1" else "Desa"
            place = f"{kind} {v_name}, Kec. {d_name}" if d_name else f"{kind} {v_name}"
        people.append(_Person(uid, name, jabatan, phone, email, bool(active), kop or "", place, st))
    return people


@contextmanager
def _document_locale() -> Iterator[None]:
    """Labels made in the parent (jabatan, status) in the documents' language, whatever the
    request's locale; the request's locale is back afterwards."""
    previous = i18n.get_locale()
    i18n.set_locale(DOCUMENT_LOCALE)
    try:
        yield
    finally:
        i18n.set_locale(previous)


# -- rendering -----------------------------------------------------------------------------------


@lru_cache
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader

    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _write_pdf(html: str) -> bytes:
    import weasyprint

    pdf = weasyprint.HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
    assert isinstance(pdf, bytes)  # write_pdf() without a target returns the bytes
    return pdf


def _render_cards_payload(payload: dict[str, Any]) -> bytes:
    return render_login_cards(payload["cohort_name"], [Card.from_json(c) for c in payload["cards"]])


def _render_sheet_payload(payload: dict[str, Any]) -> bytes:
    return render_attendance_sheet(Sheet.from_json(payload["sheet"]))


RENDERERS = {"login_cards": _render_cards_payload, "attendance_sheet": _render_sheet_payload}


def _tail(stderr: bytes | None, limit: int = 2000) -> str:
    text = (stderr or b"").decode("utf-8", "replace").strip()
    return text[-limit:] if text else "(no stderr)"


def render_pdf(kind: str, payload: dict[str, Any]) -> bytes:
    """Render a document in a child process (see the module's docstring) and return the PDF."""
    if kind not in RENDERERS:
        raise ValueError(f"unknown document kind {kind!r}")
    data = json.dumps(payload).encode()
    started = time.monotonic()
    if not _ONE_CHILD.acquire(timeout=CHILD_TIMEOUT):
        raise DocumentError(
            f"PDF {kind}: another document was still rendering after {CHILD_TIMEOUT} s"
        )
    try:
        done = run_module(
            "lms.cohorts.documents",
            kind,
            data=data,
            timeout=max(1.0, CHILD_TIMEOUT - (time.monotonic() - started)),
        )
    except subprocess.TimeoutExpired as exc:
        raise DocumentError(
            f"PDF {kind}: no result after {CHILD_TIMEOUT} s; stderr: {_tail(exc.stderr)}"
        ) from exc
    finally:
        _ONE_CHILD.release()
    if done.returncode != 0 or not done.stdout.startswith(b"%PDF"):
        raise DocumentError(
            f"PDF {kind} failed (exit code {done.returncode}); stderr: {_tail(done.stderr)}"
        )
    return done.stdout


def main(argv: list[str]) -> int:
    kind = argv[1] if len(argv) > 1 else ""
    renderer = RENDERERS.get(kind)
    if renderer is None:
        print(f"unknown document kind {kind!r}; known: {', '.join(RENDERERS)}", file=sys.stderr)
        return 2
    payload = json.loads(sys.stdin.buffer.read())
    i18n.set_locale(payload.get("locale", DOCUMENT_LOCALE))
    # stdout carries the PDF alone: anything a library prints goes to stderr instead.
    out = sys.stdout.buffer
    sys.stdout = sys.stderr
    pdf = renderer(payload)
    out.write(pdf)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
