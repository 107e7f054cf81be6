"""Roll call, QR self check-in and login cards."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.accounts import tokens
from lms.accounts.models import LoginToken, Role
from lms.audit.models import AuditEntry
from lms.cohorts import checkin
from lms.cohorts.models import Attendance
from lms.cohorts.services import add_members
from lms.config import get_settings
from lms.db import utcnow
from tests.conftest import login, post
from tests.factories import (
    KAB_TANGERANG,
    CohortFactory,
    CohortSessionFactory,
    KoperasiFactory,
    UserFactory,
)


@pytest.fixture
def hall(db):  # type: ignore[no-untyped-def]
    """A running sesi of a Kab. Tangerang cohort with five members and its facilitator."""
    cohort = CohortFactory()
    sesi = CohortSessionFactory(cohort=cohort)
    people = [
        UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG), name=f"Peserta Hall {n}")
        for n in range(5)
    ]
    add_members(db, cohort, [p.id for p in people])
    return {
        "cohort": cohort,
        "sesi": sesi,
        "people": people,
        "dinas": UserFactory.staff(Role.DINAS, KAB_TANGERANG),
        "base": f"/angkatan/{cohort.slug}/sesi/{sesi.id}",
    }


def _status(db, sesi, person) -> str | None:  # type: ignore[no-untyped-def]
    return db.scalar(
        select(Attendance.status).where(
            Attendance.session_id == sesi.id, Attendance.user_id == person.id
        )
    )


# -- roll call -----------------------------------------------------------------------------------


def test_roll_call_one_tap_per_status_then_all_present(client, db, hall):
    login(client, hall["dinas"])
    first, second = hall["people"][:2]
    row = post(
        client,
        f"{hall['base']}/presensi/{first.id}",
        {"status": "izin", "note": "undangan kepala desa"},
        headers={"HX-Request": "true"},
    )
    assert row.status_code == 200
    assert f'id="p{first.id}"' in row.text and 'hx-swap-oob="true"' in row.text
    assert re.search(r'value="izin"[^>]*aria-pressed="true"', row.text)
    response = post(client, f"{hall['base']}/semua-hadir")
    assert response.status_code == 303
    assert _status(db, hall["sesi"], first) == "izin"  # an exception already taken stays
    assert _status(db, hall["sesi"], second) == "hadir"
    page = client.get(f"{hall['base']}/presensi").text
    assert "<strong>4</strong> / 5" in page
    assert "undangan kepala desa" in page


def test_roll_call_page_queries_do_not_grow_with_the_hall(client, db, hall, count_queries):
    login(client, hall["dinas"])
    client.get(f"{hall['base']}/presensi")
    count_queries.statements.clear()
    client.get(f"{hall['base']}/presensi")
    few = count_queries.count
    more = [UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG)) for _ in range(20)]
    add_members(db, hall["cohort"], [p.id for p in more])
    post(client, f"{hall['base']}/semua-hadir")
    count_queries.statements.clear()
    page = client.get(f"{hall['base']}/presensi").text
    assert page.count('class="is-hadir"') == 25
    assert count_queries.count == few <= 10, count_queries.statements


def test_changes_after_the_sesi_need_a_reason_and_are_audited(client, db, hall):
    sesi = hall["sesi"]
    person = hall["people"][0]
    login(client, hall["dinas"])
    post(client, f"{hall['base']}/presensi/{person.id}", {"status": "alpa"})
    sesi.starts_at, sesi.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    db.flush()
    refused = post(
        client,
        f"{hall['base']}/presensi/{person.id}",
        {"status": "sakit"},
        headers={"HX-Request": "true"},
    )
    assert "Sesi sudah selesai: tulis alasan perubahan." in refused.text
    assert _status(db, sesi, person) == "alpa"
    assert "semua hadir" not in client.get(f"{hall['base']}/presensi").text.lower()
    done = post(
        client,
        f"{hall['base']}/presensi/{person.id}",
        {"status": "sakit", "alasan": "surat dokter diserahkan sore"},
    )
    assert done.status_code == 303
    db.expire_all()
    assert _status(db, sesi, person) == "sakit"
    entry = db.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "attendance.change")
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry.reason == "surat dokter diserahkan sore"
    assert entry.actor_id == hall["dinas"].id
    assert (entry.before["status"], entry.after["status"]) == ("alpa", "sakit")
    assert entry.regency_code == KAB_TANGERANG


def test_a_narasumber_takes_roll_call_only_where_they_teach(client, db, hall):
    narasumber = UserFactory.staff(Role.NARASUMBER)
    login(client, narasumber)
    person = hall["people"][0]
    assert client.get(f"{hall['base']}/presensi").status_code == 404
    hall["sesi"].narasumber_id = narasumber.id
    db.flush()
    assert client.get(f"{hall['base']}/presensi").status_code == 200
    assert (
        post(client, f"{hall['base']}/presensi/{person.id}", {"status": "hadir"}).status_code == 303
    )


# -- QR check-in ---------------------------------------------------------------------------------


def _code(sesi_id: int, moment=None) -> str:  # type: ignore[no-untyped-def]
    return checkin.code_for(
        get_settings().secret_key, sesi_id, checkin.window_of(moment or utcnow())
    )


def test_codes_change_every_window_with_a_short_grace():
    secret, now = "rahasia-uji", utcnow()
    code = checkin.code_for(secret, 7, checkin.window_of(now))
    assert checkin.check_code(secret, 7, code, now).ok
    assert checkin.check_code(secret, 7, code, now + timedelta(seconds=15)).ok  # grace
    assert checkin.check_code(secret, 7, code, now + timedelta(seconds=31)).reason == "expired"
    assert checkin.check_code(secret, 8, code, now).reason == "invalid"  # another sesi
    assert checkin.check_code("kunci-lain", 7, code, now).reason == "invalid"
    assert checkin.check_code(secret, 7, "123-abc", now).reason == "invalid"
    assert checkin.check_code(secret, 7, "x", now).reason == "invalid"
    later = checkin.code_for(secret, 7, checkin.window_of(now) + 40)
    assert checkin.check_code(secret, 7, later, now).reason == "invalid"


def test_scanning_marks_hadir_once(client, db, hall):
    person = hall["people"][0]
    login(client, person)
    page = client.get(f"/hadir/{hall['sesi'].id}/{_code(hall['sesi'].id)}")
    assert page.status_code == 200
    assert "Anda tercatat hadir" in page.text, re.findall(r"<h1>.*?</h1>|alert.*?</p>", page.text)
    again = client.get(f"/hadir/{hall['sesi'].id}/{_code(hall['sesi'].id)}")
    assert "sudah tercatat sebelumnya" in again.text
    rows = db.scalars(select(Attendance).where(Attendance.user_id == person.id)).all()
    assert [(r.status, r.method) for r in rows] == [("hadir", "qr")]


def test_a_late_scan_is_terlambat_and_a_scan_turns_alpa_into_presence(client, db, hall):
    sesi = hall["sesi"]
    sesi.starts_at = utcnow() - timedelta(minutes=40)
    db.flush()
    late, absent = hall["people"][:2]
    login(client, hall["dinas"])
    post(client, f"{hall['base']}/presensi/{absent.id}", {"status": "alpa"})
    for person in (late, absent):
        login(client, person)
        page = client.get(f"/hadir/{sesi.id}/{_code(sesi.id)}")
        assert "Terlambat, tetapi tercatat hadir" in page.text
    assert _status(db, sesi, late) == "terlambat"
    db.expire_all()
    assert _status(db, sesi, absent) == "terlambat"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("expired", "sudah kedaluwarsa"),
        ("other_sesi", "tidak sah untuk sesi ini"),
        ("forged", "tidak sah untuk sesi ini"),
        ("not_open", "belum dibuka"),
        ("over", "sudah selesai"),
        ("not_member", "tidak terdaftar di angkatan"),
    ],
)
def test_refused_codes_say_why(client, db, hall, case, message):
    sesi = hall["sesi"]
    person = hall["people"][0]
    code = _code(sesi.id)
    if case == "expired":
        code = _code(sesi.id, utcnow() - timedelta(seconds=45))
    elif case == "other_sesi":
        other = CohortSessionFactory(cohort=hall["cohort"])
        code = _code(other.id)
    elif case == "forged":
        code = code[:-3] + "aaa"
    elif case == "not_open":
        sesi.starts_at, sesi.ends_at = utcnow() + timedelta(hours=2), utcnow() + timedelta(hours=3)
    elif case == "over":
        sesi.starts_at, sesi.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    elif case == "not_member":
        person = UserFactory.peserta(KoperasiFactory(regency=KAB_TANGERANG))
    db.flush()
    login(client, person)
    response = client.get(f"/hadir/{sesi.id}/{code}")
    assert response.status_code in (400, 409)
    assert message in response.text
    assert _status(db, sesi, person) is None


def test_scanning_before_login_checks_in_after_login_with_the_scan_time(client, db, hall):
    sesi = hall["sesi"]
    sesi.starts_at = utcnow() - timedelta(minutes=15, seconds=30)  # late from 15 minutes
    db.flush()
    person = hall["people"][0]
    response = client.get(f"/hadir/{sesi.id}/{_code(sesi.id)}")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/masuk?next=/hadir/lanjut")
    assert "Kode presensi sudah terbaca" in client.get(response.headers["location"]).text
    cookie = client.cookies.get(checkin.TICKET_COOKIE)
    assert cookie and cookie.startswith(f"{sesi.id}.")
    # Logging in took a minute: the scan's moment (14.5 minutes in), not the login's, counts.
    scanned = checkin.ticket(get_settings().secret_key, sesi.id, utcnow() - timedelta(minutes=1))
    client.cookies.clear()
    client.cookies.set(checkin.TICKET_COOKIE, scanned)
    login(client, person)
    page = client.get("/hadir/lanjut")
    assert "Anda tercatat hadir" in page.text, re.findall(r"<h1>.*?</h1>|alert.*?</p>", page.text)
    assert _status(db, sesi, person) == "hadir"


def test_a_forged_or_old_ticket_is_refused(client, db, hall):
    person = hall["people"][0]
    secret = get_settings().secret_key
    login(client, person)
    old = checkin.ticket(secret, hall["sesi"].id, utcnow() - timedelta(minutes=20))
    client.cookies.set(checkin.TICKET_COOKIE, old)
    assert "sudah lewat 15 menit" in client.get("/hadir/lanjut").text
    forged = old.rsplit(".", 1)[0] + ".aaaaaaaaaaaaaaaa"
    client.cookies.set(checkin.TICKET_COOKIE, forged)
    assert client.get("/hadir/lanjut").status_code == 400
    assert _status(db, hall["sesi"], person) is None


def test_the_facilitator_sees_who_has_and_has_not_checked_in(client, db, hall):
    present = hall["people"][0]
    login(client, present)
    client.get(f"/hadir/{hall['sesi'].id}/{_code(hall['sesi'].id)}")
    login(client, hall["dinas"])
    live = client.get(f"{hall['base']}/qr", headers={"HX-Request": "true"}).text
    assert live.startswith('<div id="live"')  # only the refreshing block
    assert f'data-qr="http://testserver/hadir/{hall["sesi"].id}/' in live
    assert "Belum presensi: 4 orang" in live
    assert "Sudah hadir: 1 orang" in live and present.name in live


# -- login cards ---------------------------------------------------------------------------------


def test_a_login_card_logs_in_once(client, db, hall):
    person = hall["people"][0]
    token = tokens.issue(
        db, [person.id], cohort_id=hall["cohort"].id, expires_at=utcnow() + timedelta(days=1)
    )[person.id]
    page = client.get(f"/k/{token}")
    assert page.status_code == 200 and person.name in page.text
    assert db.scalar(select(LoginToken.used_at).where(LoginToken.user_id == person.id)) is None
    response = post(client, f"/k/{token}")
    assert response.status_code == 303
    assert client.get("/beranda?kartu=1").status_code == 200
    assert "buat kata sandi sekarang" not in client.get("/beranda?kartu=1").text  # has one
    client.cookies.clear()
    again = post(client, f"/k/{token}")
    assert again.status_code == 400 and "sudah dipakai" in again.text


def test_reprinted_and_expired_cards_are_refused(client, db, hall):
    person = hall["people"][0]
    first = tokens.issue(
        db, [person.id], cohort_id=hall["cohort"].id, expires_at=utcnow() + timedelta(days=1)
    )[person.id]
    tokens.issue(
        db, [person.id], cohort_id=hall["cohort"].id, expires_at=utcnow() + timedelta(days=1)
    )
    assert "sudah diganti" in client.get(f"/k/{first}").text
    old = tokens.issue(db, [person.id], cohort_id=None, expires_at=utcnow() - timedelta(minutes=1))[
        person.id
    ]
    assert "sudah tidak berlaku" in post(client, f"/k/{old}").text
    assert "tidak dikenal" in client.get("/k/tidak-ada").text


def test_a_card_login_finishes_a_pending_check_in(client, db, hall):
    sesi = hall["sesi"]
    person = hall["people"][1]
    person.password_hash = "!"  # made by an import: no password yet
    db.flush()
    token = tokens.issue(
        db, [person.id], cohort_id=hall["cohort"].id, expires_at=utcnow() + timedelta(days=1)
    )[person.id]
    client.get(f"/hadir/{sesi.id}/{_code(sesi.id)}")
    response = post(client, f"/k/{token}")
    assert response.headers["location"] == "/hadir/lanjut"
    assert "Anda tercatat hadir" in client.get("/hadir/lanjut").text
    assert _status(db, sesi, person) == "hadir"
    home = client.get("/beranda?kartu=1").text
    assert "buat kata sandi sekarang" in home
    account = client.get("/akun").text
    assert "Kata sandi sekarang" not in account  # nothing to confirm yet
    saved = post(client, "/akun/sandi", {"new": "sandi-baru-123", "confirm": "sandi-baru-123"})
    assert saved.status_code == 200 and "sudah disimpan" in saved.text
