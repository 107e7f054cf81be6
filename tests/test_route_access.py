"""Walks every registered route as every role and as an operator of another region.

A route added later is covered without touching this file, except that it must be classified in
ACCESS below (the test fails until it is), and a new kind of path parameter must be taught to
`fill_path`.
"""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import select

from lms.accounts.models import Jabatan, Role, User
from lms.assessment.models import Quiz
from lms.assessment.services import start_attempt, utcnow
from lms.audit.services import record
from lms.cohorts.models import CohortImport
from lms.cohorts.services import add_members
from lms.credentials.models import Certificate, Issuer
from lms.practice.models import PracticeBook
from lms.regions.models import Koperasi
from lms.regions.services import koperasi_snapshot
from lms.reports.models import ApiToken
from lms.reports.tokens import create_token
from tests.conftest import csrf_for, login
from tests.factories import (
    BANTEN,
    KAB_TANGERANG,
    KOTA_SERANG,
    CohortFactory,
    CohortSessionFactory,
    KoperasiFactory,
    UserFactory,
)

MARK = "ZZSERANGDATA"  # in every Kota Serang name; searches use QUERY, a prefix of it
QUERY = "ZZSERANG"
PUBLIC = {
    ("GET", "/"),
    ("GET", "/masuk"),
    ("POST", "/masuk"),
    ("POST", "/bahasa"),
    ("GET", "/sw.js"),
    ("GET", "/manifest.webmanifest"),
    # Scanning a check-in QR or a login card works before logging in (they lead to the login).
    ("GET", "/hadir/{sesi_id}/{code}"),
    ("GET", "/k/{token}"),
    ("POST", "/k/{token}"),
    # Anyone may check a certificate, and fetch the keys and status lists that prove it.
    ("GET", "/v"),
    ("GET", "/v/{kode}"),
    ("GET", "/v/status/{issuer_id}/{list_no}"),
    ("GET", "/.well-known/jwks.json"),
    ("GET", "/penerbit/{region_code}"),
}
ANY_USER = {"peserta", "narasumber", "pendamping", "dinas", "admin"}
STAFF = {"narasumber", "pendamping", "dinas", "admin"}
REGIONAL = {"pendamping", "dinas", "admin"}
MANAGERS = {"dinas", "admin"}
AUTHORS = {"narasumber", "admin"}
# Which roles may use each route (beyond the region check, which applies to all of them).
ACCESS: dict[tuple[str, str], set[str]] = {
    ("POST", "/keluar"): ANY_USER,
    ("GET", "/beranda"): ANY_USER,
    ("GET", "/akun"): ANY_USER,
    ("POST", "/akun/sandi"): ANY_USER,
    # Everyone may read and download their own personal data (UU 27/2022), and only their own.
    ("GET", "/akun/data-saya"): ANY_USER,
    ("GET", "/akun/data-saya.zip"): ANY_USER,
    ("GET", "/wilayah"): STAFF,
    ("GET", "/wilayah/desa"): MANAGERS,
    ("GET", "/koperasi"): REGIONAL,
    ("GET", "/koperasi/baru"): MANAGERS,
    ("GET", "/koperasi/pilih"): MANAGERS,
    ("POST", "/koperasi/baru"): MANAGERS,
    ("GET", "/koperasi/{koperasi_id}"): REGIONAL,
    ("GET", "/koperasi/{koperasi_id}/ubah"): MANAGERS,
    ("POST", "/koperasi/{koperasi_id}/ubah"): MANAGERS,
    ("GET", "/pengguna"): MANAGERS,
    ("GET", "/pengguna/baru"): MANAGERS,
    ("POST", "/pengguna/baru"): MANAGERS,
    ("GET", "/pengguna/{user_id}"): MANAGERS,
    ("POST", "/pengguna/{user_id}/status"): MANAGERS,
    ("POST", "/pengguna/{user_id}/anonimkan"): {"admin"},
    ("GET", "/audit"): MANAGERS,
    ("GET", "/kelas"): ANY_USER,
    ("GET", "/kelas/{slug}"): ANY_USER,
    ("POST", "/kelas/{slug}/ikuti"): ANY_USER,
    ("GET", "/kelas/{slug}/{module_slug}"): ANY_USER,
    ("POST", "/kelas/{slug}/{module_slug}/dibaca"): ANY_USER,
    ("POST", "/kelas/{slug}/{module_slug}/selesai"): ANY_USER,
    ("GET", "/istilah"): ANY_USER,
    ("GET", "/media/{slug}/{number}/{name}"): ANY_USER,
    ("GET", "/kelola/kursus"): AUTHORS,
    ("POST", "/kelola/kursus/baru"): AUTHORS,
    ("POST", "/kelola/kursus/impor"): AUTHORS,
    ("GET", "/kelola/kursus/{slug}"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}/urutan"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}/modul"): AUTHORS,
    ("GET", "/kelola/kursus/{slug}/modul/{file}"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}/modul/{file}"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}/modul/{file}/pratinjau"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}/modul/{file}/hapus"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}/gambar"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}/gambar/{name}/hapus"): AUTHORS,
    ("GET", "/kelola/kursus/{slug}/draf/{name}"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}/terbitkan"): AUTHORS,
    ("POST", "/kelola/kursus/{slug}/buang"): AUTHORS,
    ("GET", "/kelola/kursus/{slug}/versi"): AUTHORS,
    ("GET", "/kelola/kursus/{slug}/versi/{number}/zip"): AUTHORS,
    ("GET", "/kelola/kursus/{slug}/versi/{a}/{b}"): AUTHORS,
    # Practice books are private: everyone has their own, nobody sees another's.
    ("GET", "/latihan"): ANY_USER,
    ("POST", "/latihan"): ANY_USER,
    ("GET", "/latihan/{book_id}"): ANY_USER,
    ("POST", "/latihan/{book_id}/draf"): ANY_USER,
    ("POST", "/latihan/{book_id}/jurnal"): ANY_USER,
    ("POST", "/latihan/{book_id}/jurnal/{number}/balik"): ANY_USER,
    ("POST", "/latihan/{book_id}/ulang"): ANY_USER,
    ("GET", "/latihan/{book_id}/ekspor.xlsx"): ANY_USER,
    ("GET", "/latihan/{book_id}/ekspor.beancount"): ANY_USER,
    # Quizzes: everyone may take them; an attempt belongs to one person only.
    ("GET", "/kuis"): ANY_USER,
    ("GET", "/kuis/{course_slug}/{quiz_slug}"): ANY_USER,
    ("POST", "/kuis/{course_slug}/{quiz_slug}/mulai"): ANY_USER,
    ("GET", "/percobaan/{attempt_id}"): ANY_USER,
    ("POST", "/percobaan/{attempt_id}/jawab"): ANY_USER,
    ("POST", "/percobaan/{attempt_id}/kirim"): ANY_USER,
    ("GET", "/percobaan/{attempt_id}/hasil"): ANY_USER,
    ("GET", "/kuis/{course_slug}/{quiz_slug}/atur"): AUTHORS,
    ("POST", "/kuis/{course_slug}/{quiz_slug}/atur"): AUTHORS,
    ("GET", "/kuis/{course_slug}/{quiz_slug}/hasil"): AUTHORS,
    ("GET", "/kuis/{course_slug}/{quiz_slug}/nilai-ulang"): AUTHORS,
    ("POST", "/kuis/{course_slug}/{quiz_slug}/nilai-ulang"): AUTHORS,
    # Cohorts: managers run them; narasumber see the ones they teach and take roll call there.
    ("GET", "/angkatan"): STAFF,
    ("GET", "/angkatan/baru"): MANAGERS,
    ("POST", "/angkatan/baru"): MANAGERS,
    ("GET", "/angkatan/{cohort}"): STAFF,
    ("GET", "/angkatan/{cohort}/ubah"): MANAGERS,
    ("POST", "/angkatan/{cohort}/ubah"): MANAGERS,
    ("GET", "/angkatan/{cohort}/peserta"): STAFF,
    ("POST", "/angkatan/{cohort}/peserta/{user_id}/nik"): MANAGERS,
    ("GET", "/angkatan/{cohort}/kartu"): MANAGERS,
    ("POST", "/angkatan/{cohort}/kartu"): MANAGERS,
    ("GET", "/angkatan/{cohort}/sesi/baru"): MANAGERS,
    ("POST", "/angkatan/{cohort}/sesi/baru"): MANAGERS,
    ("GET", "/angkatan/{cohort}/sesi/{sesi_id}/ubah"): MANAGERS,
    ("POST", "/angkatan/{cohort}/sesi/{sesi_id}/ubah"): MANAGERS,
    ("POST", "/angkatan/{cohort}/sesi/{sesi_id}/hapus"): MANAGERS,
    ("GET", "/angkatan/{cohort}/sesi/{sesi_id}/presensi"): STAFF,
    ("POST", "/angkatan/{cohort}/sesi/{sesi_id}/presensi/{user_id}"): STAFF,
    ("POST", "/angkatan/{cohort}/sesi/{sesi_id}/semua-hadir"): STAFF,
    ("GET", "/angkatan/{cohort}/sesi/{sesi_id}/qr"): STAFF,
    ("GET", "/angkatan/{cohort}/sesi/{sesi_id}/daftar-hadir.pdf"): STAFF,
    ("GET", "/hadir/lanjut"): ANY_USER,
    # Participant import
    ("GET", "/angkatan/impor-template.xlsx"): MANAGERS,
    ("GET", "/angkatan/{cohort}/impor"): MANAGERS,
    ("POST", "/angkatan/{cohort}/impor"): MANAGERS,
    ("GET", "/angkatan/{cohort}/impor/{import_id}"): MANAGERS,
    ("POST", "/angkatan/{cohort}/impor/{import_id}/simpan"): MANAGERS,
    ("GET", "/angkatan/{cohort}/impor/{import_id}/ditolak.xlsx"): MANAGERS,
    # Certificates
    ("GET", "/angkatan/{cohort}/sertifikat"): MANAGERS,
    ("POST", "/angkatan/{cohort}/sertifikat/penomoran"): MANAGERS,
    ("POST", "/angkatan/{cohort}/sertifikat/terbitkan"): MANAGERS,
    ("POST", "/angkatan/{cohort}/sertifikat/proses"): MANAGERS,
    ("GET", "/angkatan/{cohort}/sertifikat.zip"): MANAGERS,
    ("GET", "/angkatan/{cohort}/sertifikat-cetak.pdf"): MANAGERS,
    ("GET", "/angkatan/{cohort}/sertifikat/templat"): MANAGERS,
    ("POST", "/angkatan/{cohort}/sertifikat/templat"): MANAGERS,
    ("POST", "/angkatan/{cohort}/sertifikat/templat/pratinjau"): MANAGERS,
    ("GET", "/sertifikat/{kode}.pdf"): ANY_USER,
    ("POST", "/sertifikat/{kode}/ulang"): MANAGERS,
    ("POST", "/sertifikat/{kode}/cabut"): MANAGERS,
    # Keys for the JSON API (the API itself is a mounted app, outside this walk: its own scope
    # tests are in tests/reports/test_api.py).
    ("GET", "/laporan/token"): MANAGERS,
    ("POST", "/laporan/token"): MANAGERS,
    ("POST", "/laporan/token/{token_id}/cabut"): MANAGERS,
    # The dashboard: a region, a koperasi, a person, each in the viewer's own region only.
    ("GET", "/laporan"): REGIONAL,
    ("GET", "/laporan/wilayah/{region_code}"): REGIONAL,
    ("GET", "/laporan/koperasi/{koperasi_id}"): REGIONAL,
    ("GET", "/laporan/peserta/{user_id}"): REGIONAL,
    # Dashboard downloads: the region and koperasi come as query parameters, checked like pages.
    ("GET", "/laporan/ekspor/wilayah.csv"): REGIONAL,
    ("GET", "/laporan/ekspor/wilayah.xlsx"): REGIONAL,
    ("GET", "/laporan/ekspor/peserta.csv"): REGIONAL,
    ("GET", "/laporan/ekspor/peserta.xlsx"): REGIONAL,
    ("GET", "/laporan/ekspor/sesi.csv"): REGIONAL,
    ("GET", "/laporan/ekspor/sesi.xlsx"): REGIONAL,
    ("GET", "/laporan/ekspor/nilai.csv"): REGIONAL,
    ("GET", "/laporan/ekspor/nilai.xlsx"): REGIONAL,
    ("GET", "/laporan/ringkasan.pdf"): REGIONAL,
    # The people list with NIK: managers only, with a reason, audited.
    ("GET", "/laporan/ekspor/peserta-nik"): MANAGERS,
    ("POST", "/laporan/ekspor/peserta-nik.xlsx"): MANAGERS,
}


def _walk(routes, prefix: str = ""):  # type: ignore[no-untyped-def]
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix, route
        elif hasattr(route, "original_router"):  # an included router (FastAPI >= 0.120)
            context = getattr(route, "include_context", None)
            yield from _walk(route.original_router.routes, prefix + getattr(context, "prefix", ""))


def all_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    found = []
    for prefix, route in _walk(app.routes):
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, prefix + route.path))
    assert len(found) >= len(ACCESS), "the route walker lost routes"
    return found


@pytest.fixture
def world(db):  # type: ignore[no-untyped-def]
    tgr = KoperasiFactory(regency=KAB_TANGERANG, name="Koperasi Desa Merah Putih Uji Tangerang")
    srg = KoperasiFactory(regency=KOTA_SERANG, name=f"Koperasi Kelurahan Merah Putih {MARK}")
    people = {
        "admin": UserFactory.staff(Role.ADMIN),
        "dinas_tgr": UserFactory.staff(Role.DINAS, KAB_TANGERANG),
        "dinas_srg": UserFactory.staff(Role.DINAS, KOTA_SERANG),
        "dinas_banten": UserFactory.staff(Role.DINAS, BANTEN),
        "pendamping_tgr": UserFactory.staff(Role.PENDAMPING, KAB_TANGERANG),
        "narasumber": UserFactory.staff(Role.NARASUMBER),
        "peserta_tgr": UserFactory.peserta(tgr, Jabatan.KETUA),
        "peserta_srg": UserFactory.peserta(srg, Jabatan.BENDAHARA, name=f"Bendahara {MARK}"),
    }
    record(
        db,
        actor=people["dinas_srg"],
        action="koperasi.update",
        entity_type="koperasi",
        entity_id=srg.id,
        after={"name": f"{MARK} audit"},
        region_code=srg.village_code,
    )
    book = PracticeBook(user_id=people["peserta_srg"].id, scenario="gerai-sembako-bulan-pertama")
    db.add(book)
    quiz = db.scalar(select(Quiz).order_by(Quiz.id))
    attempt = start_attempt(db, quiz, people["peserta_srg"], utcnow())
    cohort_srg = CohortFactory(region_code=KOTA_SERANG, name=f"Bimtek {MARK}")
    sesi_srg = CohortSessionFactory(cohort=cohort_srg, topic=f"Sesi {MARK}")
    add_members(db, cohort_srg, [people["peserta_srg"].id])
    import_srg = CohortImport(
        cohort_id=cohort_srg.id,
        filename=f"{MARK}.csv",
        data=f"nama,jabatan,no_hp,kode_desa\n{MARK},ketua,081277700999,{srg.village_code}\n".encode(),
        sha256="0" * 64,
        report={"rows": 1, "valid": 1, "invalid": 0, "errors": [], "errors_total": 0},
    )
    db.add(import_srg)
    issuer_srg = Issuer(
        region_code=KOTA_SERANG,
        name=f"Dinas {MARK}",
        key_sealed=b"-",
        kid=f"kid-{MARK}",
        public_jwk={"kty": "OKP", "crv": "Ed25519", "x": "AA", "kid": f"kid-{MARK}"},
    )
    db.add(issuer_srg)
    db.flush()
    certificate_srg = Certificate(
        code="SRGA-SRGB-SRGC",
        cohort_id=cohort_srg.id,
        user_id=people["peserta_srg"].id,
        issuer_id=issuer_srg.id,
        seq=1,
        number=f"001/{MARK}",
        issued_on=utcnow().date(),
        recipient={"nama": f"Bendahara {MARK}"},
        course="Tata Kelola",
        credential="-",
    )
    db.add(certificate_srg)
    token_srg, _plaintext = create_token(db, people["dinas_srg"], f"Simkopdes {MARK}")
    db.flush()
    return {
        "tgr": tgr,
        "srg": srg,
        "book": book,
        "attempt": attempt,
        "cohort_srg": cohort_srg,
        "sesi_srg": sesi_srg,
        "import_srg": import_srg,
        "token_srg": token_srg,
        **people,
    }


def fill_path(path: str, world) -> str:  # type: ignore[no-untyped-def]
    """Every path parameter points at an object of Kota Serang."""
    values = {
        "koperasi_id": world["srg"].id,
        "book_id": world["book"].id,
        "attempt_id": world["attempt"].id,
        # A quiz that does not exist: 404 for everyone allowed in.
        "course_slug": "tidak-ada",
        "quiz_slug": "tidak-ada",
        "user_id": world["peserta_srg"].id,
        # Courses are national: not region data. These names reach a 404 for everyone.
        "slug": "tidak-ada",
        "module_slug": "tidak-ada",
        "number": 1,
        "name": "tidak-ada.png",
        "file": "tidak-ada.md",
        "a": 1,
        "b": 2,
        "cohort": world["cohort_srg"].slug,
        "sesi_id": world["sesi_srg"].id,
        "code": "0-tidaksah",
        "token": "tidak-ada",
        "import_id": world["import_srg"].id,
        "token_id": world["token_srg"].id,
        "kode": "SRGA-SRGB-SRGC",
        "issuer_id": 1,
        "list_no": 0,
        "region_code": KOTA_SERANG,
    }

    def sub(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in values, f"teach tests/test_route_access.py about path parameter {name!r}"
        return str(values[name])

    return re.sub(r"{(\w+)}", sub, path)


def request(client: TestClient, method: str, path: str, **params: str):  # type: ignore[no-untyped-def]
    if method == "GET":
        return client.get(path, params=params)
    return client.post(path, data={"csrf_token": csrf_for(client), **params})


def test_every_route_is_classified(app):
    routes = set(all_routes(app))
    unclassified = routes - PUBLIC - set(ACCESS)
    assert not unclassified, f"classify these routes in ACCESS: {sorted(unclassified)}"
    assert not (set(ACCESS) - routes), "ACCESS names routes that no longer exist"


def test_anonymous_visitors_are_sent_to_the_login_page(app, client, world):
    for method, path in all_routes(app):
        if (method, path) in PUBLIC:
            continue
        response = request(client, method, fill_path(path, world))
        assert response.status_code == 303, (method, path, response.status_code)
        assert response.headers["location"].startswith("/masuk"), (method, path)


@pytest.mark.parametrize(
    "who", ["admin", "dinas_tgr", "dinas_banten", "pendamping_tgr", "narasumber", "peserta_tgr"]
)
def test_roles_outside_a_route_are_refused(app, client, world, who):
    user: User = world[who]
    login(client, user)
    for method, path in all_routes(app):
        if (method, path) in PUBLIC or (method == "POST" and path == "/keluar"):
            continue
        if user.role in ACCESS[(method, path)]:
            continue
        response = request(client, method, fill_path(path, world))
        assert response.status_code == 403, (who, method, path, response.status_code)
        assert "Akses ditolak" in response.text


def test_a_kabupaten_operator_never_sees_or_changes_another_region(app, client, world, db):
    login(client, world["dinas_tgr"])
    before = koperasi_snapshot(world["srg"])
    for method, path in all_routes(app):
        if (method, path) in PUBLIC or path == "/keluar":
            continue
        filled = fill_path(path, world)
        if filled != path:
            # A foreign object does not exist for this operator.
            response = request(
                client, method, filled, name="Diubah", village_code=world["tgr"].village_code
            )
            assert response.status_code in (403, 404), (method, path, response.status_code)
        elif method == "GET" and "dinas" in ACCESS[(method, path)]:
            if path == "/hadir/lanjut":  # answers 400 without a scan ticket (tested elsewhere)
                continue
            if path.startswith("/laporan/ekspor/sesi."):  # 400 without an angkatan (ditto)
                continue
            if path == "/laporan":  # sends a regional operator on to their own region
                response = client.get(path, follow_redirects=False)
                assert response.headers["location"] == f"/laporan/wilayah/{KAB_TANGERANG}"
                continue
            searches: tuple[dict[str, str], ...] = ({}, {"q": QUERY}, {"q": "Serang"})
            if path.startswith(("/laporan/ekspor/", "/laporan/ringkasan")):
                searches = ({},)  # downloads take no search, and each XLSX or PDF costs a second
            for params in searches:
                response = request(client, method, path, **params)
                assert response.status_code == 200, (method, path, response.status_code)
                assert MARK not in response.text, (method, path, params)
    db.expire_all()
    assert koperasi_snapshot(db.get(Koperasi, world["srg"].id)) == before
    assert db.get(User, world["peserta_srg"].id).is_active
    assert db.get(ApiToken, world["token_srg"].id).revoked_at is None


def test_a_kabupaten_operator_cannot_place_data_in_another_region(client, world, db):
    login(client, world["dinas_tgr"])
    serang_village = "36.73.01.1001"
    response = request(
        client, "POST", "/koperasi/baru", name="Koperasi Titipan", village_code=serang_village
    )
    assert response.status_code == 400
    assert "di luar wilayah kerja Anda" in response.text
    response = request(
        client,
        "POST",
        "/pengguna/baru",
        name="Orang Titipan",
        role="peserta",
        phone="0812-5555-0101",
        password="sandi-awal-1",
        koperasi_id=str(world["srg"].id),
        jabatan="ketua",
    )
    assert response.status_code == 400
    assert db.scalar(select(User).where(User.name == "Orang Titipan")) is None


def test_the_province_operator_sees_both_kabupaten(client, world):
    login(client, world["dinas_banten"])
    for koperasi in (world["tgr"], world["srg"]):
        assert client.get(f"/koperasi/{koperasi.id}").status_code == 200
    listing = client.get("/koperasi", params={"q": "Uji Tangerang"}).text
    assert "Uji Tangerang" in listing
    assert MARK in client.get("/koperasi", params={"q": QUERY}).text
    assert MARK in client.get("/audit").text


def test_the_serang_operator_sees_its_own_data(client, world):
    login(client, world["dinas_srg"])
    assert client.get(f"/koperasi/{world['srg'].id}").status_code == 200
    assert client.get(f"/koperasi/{world['tgr'].id}").status_code == 404
    assert client.get(f"/pengguna/{world['peserta_tgr'].id}").status_code == 404
