"""The read-only JSON API and the pages that make its keys: scope, figures, privacy, tokens."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.accounts.models import Jabatan, Role, User
from lms.audit.models import AuditEntry
from lms.cohorts.models import Attendance, Cohort, CohortSession
from lms.cohorts.services import add_members
from lms.db import utcnow
from lms.regions.models import Koperasi
from lms.regions.scope import Scope
from lms.reports import services, tokens
from lms.reports.models import ApiToken
from lms.reports.services import Filters
from tests.conftest import login, post
from tests.factories import (
    BANTEN,
    KAB_TANGERANG,
    KOTA_SERANG,
    CohortFactory,
    CohortSessionFactory,
    KoperasiFactory,
    UserFactory,
)

MARK = "ZZSERANGDATA"


@dataclass
class World:
    tgr: Koperasi
    srg: Koperasi
    cohort_tgr: Cohort
    cohort_srg: Cohort
    people: dict[str, User]
    staff: dict[str, User]

    @property
    def secrets(self) -> list[str]:
        """What must never appear in an API answer: every participant's name and phone."""
        out = []
        for person in self.people.values():
            out.append(person.name)
            if person.phone:
                out += [person.phone, person.phone.removeprefix("+62")]
        return out


def _attend(db: Session, sesi: CohortSession, *users: User) -> None:
    db.add_all(
        Attendance(session_id=sesi.id, user_id=u.id, status="hadir", method="daftar") for u in users
    )


def seed(db: Session) -> World:
    """A koperasi in Kab. Tangerang whose ketua and bendahara both completed their Bimtek, and
    one in Kota Serang whose bendahara did not; the figures are brought up to date."""
    tgr = KoperasiFactory(regency=KAB_TANGERANG, name="Koperasi Desa Merah Putih Uji Tangerang")
    srg = KoperasiFactory(regency=KOTA_SERANG, name=f"Koperasi Kelurahan Merah Putih {MARK}")
    people = {
        "ketua_tgr": UserFactory.peserta(tgr, Jabatan.KETUA, name="Siti Aminah Tangerangwati"),
        "bendahara_tgr": UserFactory.peserta(tgr, Jabatan.BENDAHARA, name="Budi Santoso Kasir"),
        "anggota_tgr": UserFactory.peserta(tgr, Jabatan.ANGGOTA, name="Rina Wulandari Anggota"),
        "ketua_srg": UserFactory.peserta(srg, Jabatan.KETUA, name=f"Ahmad {MARK}"),
        "bendahara_srg": UserFactory.peserta(srg, Jabatan.BENDAHARA, name=f"Dewi {MARK}"),
    }
    cohort_tgr = CohortFactory(region_code=KAB_TANGERANG, require_modules=False)
    first = CohortSessionFactory(cohort=cohort_tgr)
    second = CohortSessionFactory(cohort=cohort_tgr, starts_at=first.starts_at + timedelta(hours=2))
    add_members(db, cohort_tgr, [p.id for k, p in people.items() if k.endswith("_tgr")])
    _attend(db, first, people["ketua_tgr"], people["bendahara_tgr"], people["anggota_tgr"])
    _attend(db, second, people["ketua_tgr"], people["bendahara_tgr"])
    cohort_srg = CohortFactory(
        region_code=KOTA_SERANG, require_modules=False, name=f"Bimtek {MARK}"
    )
    sesi_srg = CohortSessionFactory(cohort=cohort_srg)
    add_members(db, cohort_srg, [people["ketua_srg"].id, people["bendahara_srg"].id])
    _attend(db, sesi_srg, people["ketua_srg"])
    db.flush()
    services.refresh(db, [cohort_tgr.id, cohort_srg.id])
    db.flush()
    staff = {
        "admin": UserFactory.staff(Role.ADMIN),
        "dinas_tgr": UserFactory.staff(Role.DINAS, KAB_TANGERANG),
        "dinas_srg": UserFactory.staff(Role.DINAS, KOTA_SERANG),
        "dinas_banten": UserFactory.staff(Role.DINAS, BANTEN),
        "pendamping_tgr": UserFactory.staff(Role.PENDAMPING, KAB_TANGERANG),
    }
    return World(tgr, srg, cohort_tgr, cohort_srg, people, staff)


@pytest.fixture
def world(db: Session) -> World:
    return seed(db)


def bearer(plaintext: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {plaintext}"}


@pytest.fixture
def keys(db: Session, world: World) -> dict[str, str]:
    """A plaintext key per dinas (and the admin's national one)."""
    out = {}
    for who in ("admin", "dinas_tgr", "dinas_srg", "dinas_banten"):
        _token, plaintext = tokens.create_token(db, world.staff[who], f"Simkopdes {who}")
        out[who] = plaintext
    db.flush()
    return out


def api(client: TestClient, key: str | None, path: str, **params: object):  # type: ignore[no-untyped-def]
    headers = bearer(key) if key else {}
    return client.get("/api/v1" + path, headers=headers, params=params)


def every_answer(client: TestClient, key: str, world: World) -> list[str]:
    """The text of every API route this key can reach for the seeded data."""
    texts = []
    for path, params in [
        ("/wilayah", {}),
        ("/wilayah/36", {}),
        ("/wilayah/36.03", {}),
        ("/wilayah/36.73", {}),
        ("/wilayah/" + world.tgr.village_code[:8], {}),
        ("/wilayah/" + world.srg.village_code[:8], {}),
        (f"/koperasi/{world.tgr.id}", {}),
        (f"/koperasi/{world.srg.id}", {}),
        ("/koperasi", {"desa": world.tgr.village_code}),
        ("/koperasi", {"desa": world.srg.village_code}),
        (f"/koperasi/{world.tgr.id}", {"jabatan": "ketua", "angkatan": world.cohort_tgr.id}),
    ]:
        response = api(client, key, path, **params)
        assert response.status_code in (200, 404), (path, response.status_code)
        texts.append(response.text)
    return texts


# -- scope -----------------------------------------------------------------------------------------


def test_a_kabupaten_key_never_sees_another_kabupaten(client, world, keys):
    key = keys["dinas_tgr"]
    root = api(client, key, "/wilayah")
    assert root.status_code == 200
    body = root.json()
    assert (body["kode"], body["tingkat"]) == (KAB_TANGERANG, "kabupaten_kota")
    assert body["sub_wilayah"]
    assert all(r["kode"].startswith(KAB_TANGERANG + ".") for r in body["sub_wilayah"])
    assert {r["tingkat"] for r in body["sub_wilayah"]} == {"kecamatan"}

    refused = [
        api(client, key, "/wilayah/36.73"),
        api(client, key, "/wilayah/36"),
        api(client, key, "/wilayah/" + world.srg.village_code[:8]),
        api(client, key, f"/koperasi/{world.srg.id}"),
        api(client, key, "/koperasi", desa=world.srg.village_code),
    ]
    for response in refused:
        assert response.status_code == 404, response.url
        assert response.headers["content-type"].startswith("application/json")
        assert "tidak" in response.json()["detail"].lower()
        assert MARK not in response.text
    # A foreign region answers exactly as one that does not exist.
    assert api(client, key, "/wilayah/36.73").json() == {"detail": "Wilayah 36.73 tidak ditemukan."}
    assert api(client, key, "/wilayah/36.99").json() == {"detail": "Wilayah 36.99 tidak ditemukan."}
    for text in every_answer(client, key, world):
        assert MARK not in text
        # Only a 404 repeating the code that was asked for names Kota Serang.
        assert "36.73" not in text or text.startswith('{"detail":')

    own = api(client, key, f"/koperasi/{world.tgr.id}")
    assert own.status_code == 200
    assert api(client, key, "/koperasi", desa=world.tgr.village_code).json() == own.json()


def test_the_province_key_sees_both_kabupaten(client, world, keys):
    key = keys["dinas_banten"]
    body = api(client, key, "/wilayah").json()
    assert (body["kode"], body["nama"], body["tingkat"]) == (BANTEN, "Banten", "provinsi")
    codes = {r["kode"] for r in body["sub_wilayah"]}
    assert {KAB_TANGERANG, KOTA_SERANG} <= codes
    assert all(c.startswith("36.") for c in codes)
    for path in ("/wilayah/36", "/wilayah/36.03", "/wilayah/36.73"):
        assert api(client, key, path).status_code == 200, path
    for koperasi in (world.tgr, world.srg):
        assert api(client, key, f"/koperasi/{koperasi.id}").status_code == 200
        assert api(client, key, "/koperasi", desa=koperasi.village_code).status_code == 200
    assert api(client, key, "/wilayah/31").status_code == 404  # DKI Jakarta
    assert api(client, key, "/wilayah/31.71").status_code == 404


def test_the_national_key_sees_every_province(client, world, keys):
    key = keys["admin"]
    body = api(client, key, "/wilayah").json()
    assert (body["kode"], body["nama"], body["tingkat"]) == (None, "Indonesia", "nasional")
    codes = [r["kode"] for r in body["sub_wilayah"]]
    assert len(codes) >= 34 and "36" in codes and "31" in codes
    assert {r["tingkat"] for r in body["sub_wilayah"]} == {"provinsi"}
    for path in ("/wilayah/31", "/wilayah/36.03", "/wilayah/36.73"):
        assert api(client, key, path).status_code == 200, path
    for koperasi in (world.tgr, world.srg):
        assert api(client, key, f"/koperasi/{koperasi.id}").status_code == 200


def test_a_serang_key_sees_serang_only(client, world, keys):
    key = keys["dinas_srg"]
    assert api(client, key, "/wilayah").json()["kode"] == KOTA_SERANG
    assert api(client, key, f"/koperasi/{world.srg.id}").status_code == 200
    assert api(client, key, f"/koperasi/{world.tgr.id}").status_code == 404
    assert api(client, key, "/wilayah/36.03").status_code == 404


# -- authentication --------------------------------------------------------------------------------


def test_without_a_valid_key_the_answer_is_401(client, db, world, keys):
    token = db.scalar(select(ApiToken).where(ApiToken.name == "Simkopdes dinas_tgr"))
    tokens.revoke(db, token, world.staff["dinas_tgr"])
    db.flush()
    wrong = [
        {},
        bearer(keys["dinas_tgr"]),  # revoked
        bearer("kdkmp_" + "x" * 43),
        bearer("bukan-token"),
        {"Authorization": f"Basic {keys['dinas_banten']}"},
        {"Authorization": "Bearer"},
    ]
    for headers in wrong:
        for path in ("/wilayah", "/wilayah/36.03", f"/koperasi/{world.tgr.id}"):
            response = client.get("/api/v1" + path, headers=headers)
            assert response.status_code == 401, (headers, path)
            assert response.headers["www-authenticate"] == "Bearer"
            assert "Token API" in response.json()["detail"]
            assert response.headers["cache-control"] == "no-store"
        # Bad filters do not tell an unknown caller more than a missing key does.
        assert client.get("/api/v1/wilayah?tahun=abc", headers=headers).status_code == 401
    assert api(client, keys["dinas_banten"], "/wilayah").status_code == 200


def test_last_use_is_written_at_most_once_a_minute(client, db, world, keys):
    token = db.scalar(select(ApiToken).where(ApiToken.name == "Simkopdes dinas_tgr"))
    assert token.last_used_at is None
    assert api(client, keys["dinas_tgr"], "/wilayah").status_code == 200
    db.expire_all()
    first = db.get(ApiToken, token.id).last_used_at
    assert first is not None and utcnow() - first < timedelta(seconds=30)

    recent = utcnow() - timedelta(seconds=30)
    db.get(ApiToken, token.id).last_used_at = recent
    db.flush()
    api(client, keys["dinas_tgr"], "/wilayah")
    db.expire_all()
    assert db.get(ApiToken, token.id).last_used_at == recent

    stale = utcnow() - timedelta(minutes=5)
    db.get(ApiToken, token.id).last_used_at = stale
    db.flush()
    api(client, keys["dinas_tgr"], "/wilayah")
    db.expire_all()
    assert db.get(ApiToken, token.id).last_used_at > recent


# -- content ---------------------------------------------------------------------------------------


def _same_figures(answer: dict, report: services.RegionReport) -> None:  # type: ignore[type-arg]
    assert answer["metrik"] == report.totals.as_dict()
    assert answer["kesiapan"] == report.ready.as_dict()
    assert answer["metrik_lainnya"] == (report.other.as_dict() if report.other else None)
    assert [r["kode"] for r in answer["sub_wilayah"]] == [r.code for r in report.rows]
    for got, row in zip(answer["sub_wilayah"], report.rows, strict=True):
        assert got["nama"] == row.name
        assert got["metrik"] == row.metrics.as_dict()
        assert got["kesiapan"] == row.ready.as_dict()
        assert (got["koperasi_id"], got["koperasi"]) == (row.koperasi_id, row.koperasi)


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"jabatan": "ketua"},
        {"jabatan": "lainnya"},
        {"tahun": "2025"},
        {"kursus": "1"},
        {"angkatan": "1"},
    ],
)
def test_figures_are_the_dashboards(client, db, world, keys, params):
    if "angkatan" in params:
        params = {"angkatan": str(world.cohort_tgr.id)}
    if "tahun" in params:
        params = {"tahun": str(world.cohort_tgr.starts_on.year)}
    filters = Filters(
        cohort_id=int(params["angkatan"]) if "angkatan" in params else None,
        course_id=int(params["kursus"]) if "kursus" in params else None,
        jabatan=params.get("jabatan"),
        year=int(params["tahun"]) if "tahun" in params else None,
    )
    district = world.tgr.village_code[:8]
    for who, scope, code in [
        ("dinas_tgr", Scope("regency", KAB_TANGERANG), KAB_TANGERANG),
        ("dinas_tgr", Scope("regency", KAB_TANGERANG), district),
        ("dinas_banten", Scope("province", BANTEN), BANTEN),
        ("admin", Scope("national"), None),
    ]:
        path = f"/wilayah/{code}" if code else "/wilayah"
        answer = api(client, keys[who], path, **params).json()
        report = services.region_report(db, scope, code, filters)
        assert report is not None
        _same_figures(answer, report)


def test_the_figures_count_the_seeded_bimtek(client, world, keys):
    body = api(client, keys["dinas_tgr"], "/wilayah").json()
    assert body["metrik"] == {
        "peserta": 3,
        "kehadiran_persen": 83.3,  # 5 of 6 sessions
        "nilai_rata_rata": None,
        "lulus": 2,
        "lulus_persen": 66.7,
        "sertifikat": 0,
    }
    assert body["kesiapan"]["koperasi_siap"] == 1
    desa = api(client, keys["dinas_tgr"], "/wilayah/" + world.tgr.village_code[:8]).json()
    row = next(r for r in desa["sub_wilayah"] if r["kode"] == world.tgr.village_code)
    assert (row["tingkat"], row["koperasi_id"], row["koperasi"]) == (
        "desa",
        world.tgr.id,
        world.tgr.name,
    )
    assert row["metrik"]["peserta"] == 3


def test_one_koperasi_lists_its_members_without_personal_data(client, world, keys):
    body = api(client, keys["dinas_tgr"], f"/koperasi/{world.tgr.id}").json()
    assert (body["id"], body["nama"], body["kode_desa"]) == (
        world.tgr.id,
        world.tgr.name,
        world.tgr.village_code,
    )
    assert body["nama_desa"]
    assert body["kesiapan"] == {"ketua_lulus": True, "bendahara_lulus": True, "siap": True}
    people = world.people
    by_id = {m["id"]: m for m in body["anggota"]}
    assert set(by_id) == {people[k].id for k in ("ketua_tgr", "bendahara_tgr", "anggota_tgr")}
    assert by_id[people["ketua_tgr"].id] == {
        "id": people["ketua_tgr"].id,
        "jabatan": "ketua",
        "angkatan_id": world.cohort_tgr.id,
        "sesi": 2,
        "hadir": 2,
        "kehadiran_persen": 100.0,
        "nilai": None,
        "lulus": True,
        "sertifikat": False,
    }
    anggota = by_id[people["anggota_tgr"].id]
    assert (anggota["kehadiran_persen"], anggota["lulus"]) == (50.0, False)
    assert [m["id"] for m in body["anggota"]] == sorted(by_id)
    for key in body["anggota"][0]:
        assert key in {
            "id",
            "jabatan",
            "angkatan_id",
            "sesi",
            "hadir",
            "kehadiran_persen",
            "nilai",
            "lulus",
            "sertifikat",
        }

    serang = api(client, keys["dinas_banten"], f"/koperasi/{world.srg.id}").json()
    assert serang["kesiapan"] == {"ketua_lulus": True, "bendahara_lulus": False, "siap": False}
    only_ketua = api(client, keys["dinas_tgr"], f"/koperasi/{world.tgr.id}", jabatan="ketua")
    assert [m["jabatan"] for m in only_ketua.json()["anggota"]] == ["ketua"]


def test_no_answer_carries_a_name_or_phone_number(client, world, keys):
    texts = every_answer(client, keys["admin"], world)
    assert sum('"anggota"' in t for t in texts) >= 4
    for text in texts:
        for secret in world.secrets:
            assert secret not in text, secret
        assert not re.search(r"\+?62?8\d{8,}", text)


def test_a_koperasi_unknown_or_in_a_desa_without_one_is_404(client, world, keys):
    key = keys["admin"]
    assert api(client, key, "/koperasi/999999").status_code == 404
    free = "36.03.01.2099"
    response = api(client, key, "/koperasi", desa=free)
    assert response.status_code == 404
    assert response.json()["detail"] == f"Tidak ada koperasi terdaftar di desa {free}."


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/wilayah", {"jabatan": "ketu"}),
        ("/wilayah", {"tahun": "1999"}),
        ("/wilayah", {"tahun": "2101"}),
        ("/wilayah", {"angkatan": "abc"}),
        ("/wilayah", {"angkatan": "0"}),
        ("/wilayah", {"kursus": str(2**63)}),
        ("/wilayah/36.03.01.2001", {}),
        ("/wilayah/3", {}),
        ("/wilayah/36.3", {}),
        ("/wilayah/٣٦", {}),  # Arabic-Indic digits are digits to \d, not to a region code
        ("/koperasi/0", {}),
        ("/koperasi/99999999999999999999999", {}),
        ("/koperasi/abc", {}),
        ("/koperasi", {}),
        ("/koperasi", {"desa": "36.03"}),
        ("/koperasi/1", {"tahun": "x"}),
    ],
)
def test_bad_parameters_are_422_never_500(client, keys, path, params):
    response = api(client, keys["admin"], path, **params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/json")


def test_answers_are_json_and_never_cached(client, world, keys):
    response = api(client, keys["dinas_tgr"], "/wilayah")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "no-store"
    missing = client.get("/api/v1/tidak-ada", headers=bearer(keys["dinas_tgr"]))
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("Tidak ditemukan")
    assert missing.headers["cache-control"] == "no-store"
    refused = client.post("/api/v1/wilayah", headers=bearer(keys["dinas_tgr"]))
    assert refused.status_code == 405
    assert "GET" in refused.json()["detail"]


def test_a_stale_angkatan_is_refreshed_before_the_answer(client, db, world, keys):
    late = UserFactory.peserta(world.tgr, Jabatan.SEKRETARIS, name="Sekretaris Terlambat")
    add_members(db, world.cohort_tgr, [late.id])  # marks the angkatan stale
    db.flush()
    body = api(client, keys["dinas_tgr"], "/wilayah").json()
    assert body["metrik"]["peserta"] == 4
    assert not services.pending(db)


def test_the_schema_describes_the_api_only(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"]["title"] == "API Laporan Bimtek KDKMP"
    assert schema["info"]["version"] == "1"
    assert "data pribadi" in schema["info"]["description"].lower()
    assert schema["servers"] == [{"url": "/api/v1"}]
    assert set(schema["paths"]) == {
        "/wilayah",
        "/wilayah/{kode}",
        "/koperasi",
        "/koperasi/{koperasi_id}",
    }
    assert all(set(ops) == {"get"} for ops in schema["paths"].values())
    security = schema["components"]["securitySchemes"]["TokenAPI"]
    assert (security["type"], security["scheme"]) == ("http", "bearer")
    for ops in schema["paths"].values():
        assert ops["get"]["security"] == [{"TokenAPI": []}]
        assert {"200", "401", "404", "422"} <= set(ops["get"]["responses"])
    anggota = schema["components"]["schemas"]["Anggota"]["properties"]
    assert not {"nama", "name", "no_hp", "phone", "nik"} & set(anggota)
    assert all(p.get("description") for p in anggota.values())
    assert client.get("/api/v1/docs").status_code == 404
    assert client.get("/api/v1/redoc").status_code == 404


# -- the token pages -------------------------------------------------------------------------------


def test_the_token_list_shows_only_the_own_regions_keys(client, world, keys):
    login(client, world.staff["dinas_tgr"])
    page = client.get("/laporan/token")
    assert page.status_code == 200
    assert "Simkopdes dinas_tgr" in page.text
    assert "Simkopdes dinas_srg" not in page.text
    assert "Simkopdes dinas_banten" not in page.text
    assert "Simkopdes admin" not in page.text
    assert "Authorization: Bearer" in page.text
    assert "/api/v1/openapi.json" in page.text
    for plaintext in keys.values():
        assert plaintext not in page.text
    assert keys["dinas_tgr"][:12] in page.text


def test_the_province_and_the_admin_see_the_keys_below_them(client, world, keys):
    login(client, world.staff["dinas_banten"])
    page = client.get("/laporan/token").text
    for name in ("dinas_tgr", "dinas_srg", "dinas_banten"):
        assert f"Simkopdes {name}" in page
    assert "Simkopdes admin" not in page
    client.cookies.clear()
    login(client, world.staff["admin"])
    page = client.get("/laporan/token").text
    for name in ("dinas_tgr", "dinas_srg", "dinas_banten", "admin"):
        assert f"Simkopdes {name}" in page


def test_a_new_key_is_shown_once_and_works(client, db, world):
    login(client, world.staff["dinas_tgr"])
    response = post(client, "/laporan/token", {"name": "  Simkopdes   Tigaraksa "})
    assert response.status_code == 200
    found = re.search(r'value="(kdkmp_[A-Za-z0-9_-]{43})"', response.text)
    assert found, response.text
    plaintext = found.group(1)
    assert "tidak akan ditampilkan lagi" in response.text
    token = db.scalar(select(ApiToken).where(ApiToken.name == "Simkopdes Tigaraksa"))
    assert token is not None
    assert token.token_hash == hashlib.sha256(plaintext.encode()).hexdigest()
    assert (token.prefix, token.region_code, token.province_code, token.regency_code) == (
        plaintext[:12],
        KAB_TANGERANG,
        BANTEN,
        KAB_TANGERANG,
    )
    assert token.created_by_id == world.staff["dinas_tgr"].id
    assert plaintext not in client.get("/laporan/token").text
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "api_token.create"))
    assert entry is not None and entry.entity_id == str(token.id)
    assert entry.regency_code == KAB_TANGERANG
    assert plaintext not in str(entry.after)

    client.cookies.clear()
    assert api(client, plaintext, "/wilayah").json()["kode"] == KAB_TANGERANG


def test_a_key_needs_a_name_and_keeps_what_was_typed(client, db, world):
    login(client, world.staff["dinas_tgr"])
    before = db.scalar(select(func.count()).select_from(ApiToken))
    response = post(client, "/laporan/token", {"name": "   "})
    assert response.status_code == 400
    assert "Isi nama token" in response.text
    long_name = "Simkopdes " + "x" * 130
    response = post(client, "/laporan/token", {"name": long_name})
    assert response.status_code == 400
    assert "paling panjang 120 karakter" in response.text
    assert f'value="{long_name}"' in response.text
    assert 'aria-invalid="true"' in response.text
    assert db.scalar(select(func.count()).select_from(ApiToken)) == before


def test_revoking_is_idempotent_and_stops_the_key(client, db, world, keys):
    token = db.scalar(select(ApiToken).where(ApiToken.name == "Simkopdes dinas_tgr"))
    login(client, world.staff["dinas_tgr"])
    for _ in range(2):
        response = post(client, f"/laporan/token/{token.id}/cabut")
        assert response.status_code == 303
        assert response.headers["location"] == "/laporan/token?dicabut=1"
    db.expire_all()
    assert db.get(ApiToken, token.id).revoked_at is not None
    entries = db.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "api_token.revoke", AuditEntry.entity_id == str(token.id)
        )
    ).all()
    assert len(entries) == 1
    page = client.get("/laporan/token?dicabut=1").text
    assert "Token dicabut" in page and "Dicabut" in page
    client.cookies.clear()
    assert api(client, keys["dinas_tgr"], "/wilayah").status_code == 401


def test_another_regions_key_cannot_be_revoked(client, db, world, keys):
    token = db.scalar(select(ApiToken).where(ApiToken.name == "Simkopdes dinas_srg"))
    login(client, world.staff["dinas_tgr"])
    assert post(client, f"/laporan/token/{token.id}/cabut").status_code == 404
    assert post(client, "/laporan/token/999999/cabut").status_code == 404
    db.expire_all()
    assert db.get(ApiToken, token.id).revoked_at is None


@pytest.mark.parametrize("who", ["pendamping_tgr", "peserta"])
def test_pendamping_and_peserta_may_not_manage_keys(client, db, world, keys, who):
    user = world.people["ketua_tgr"] if who == "peserta" else world.staff[who]
    token = db.scalar(select(ApiToken).where(ApiToken.name == "Simkopdes dinas_tgr"))
    login(client, user)
    assert client.get("/laporan/token").status_code == 403
    assert post(client, "/laporan/token", {"name": "Curian"}).status_code == 403
    assert post(client, f"/laporan/token/{token.id}/cabut").status_code == 403
    assert db.scalar(select(ApiToken).where(ApiToken.name == "Curian")) is None
    db.expire_all()
    assert db.get(ApiToken, token.id).revoked_at is None


def test_a_dinas_account_without_a_region_gets_no_key(db):
    orphan = UserFactory.staff(Role.DINAS, None)
    with pytest.raises(tokens.TokenError):
        tokens.create_token(db, orphan, "Tanpa wilayah")


def test_finding_a_key(db, world):
    token, plaintext = tokens.create_token(db, world.staff["dinas_banten"], "Uji")
    assert plaintext.startswith("kdkmp_") and len(plaintext) == 6 + 43
    assert tokens.find(db, plaintext) is token
    assert tokens.scope_of(token) == Scope("province", BANTEN)
    assert tokens.find(db, plaintext + "x") is None
    assert tokens.find(db, plaintext[6:]) is None
    assert tokens.find(db, "kdkmp_" + "a" * 500) is None
    national, _ = tokens.create_token(db, world.staff["admin"], "Nasional")
    assert tokens.scope_of(national) == Scope("national")
    assert tokens.revoke(db, token, world.staff["admin"]) is True
    assert tokens.revoke(db, token, world.staff["admin"]) is False
    assert tokens.find(db, plaintext) is None
