from __future__ import annotations

from sqlalchemy import select

from lms.accounts.models import Jabatan, Role, User, UserSession
from lms.audit.models import AuditEntry
from tests.conftest import login, post
from tests.factories import KAB_TANGERANG, KOTA_SERANG, KoperasiFactory, UserFactory


def test_dinas_creates_a_ketua_account_for_a_koperasi(client, db):
    operator = UserFactory.staff(Role.DINAS, KAB_TANGERANG)
    koperasi = KoperasiFactory()
    login(client, operator)
    form = client.get("/pengguna/baru", params={"koperasi_id": koperasi.id})
    assert f"Akun pengurus {koperasi.name}" in form.text
    response = post(
        client,
        "/pengguna/baru",
        {
            "name": "Siti Rahayu",
            "role": "peserta",
            "phone": "0812 3456 7001",
            "password": "sandi-awal-1",
            "koperasi_id": str(koperasi.id),
            "jabatan": "ketua",
        },
    )
    assert response.status_code == 303
    created = db.scalar(select(User).where(User.phone == "+6281234567001"))
    assert created.jabatan == Jabatan.KETUA and created.regency_code == KAB_TANGERANG
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.create"))
    assert entry.actor_id == operator.id and "password_hash" not in entry.after
    page = client.get(response.headers["location"])
    assert "Akun sudah dibuat." in page.text and "0812-3456-7001" in page.text


def test_form_errors_keep_what_was_typed(client, db):
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    UserFactory(phone="+6281234567002")
    response = post(
        client,
        "/pengguna/baru",
        {
            "name": "Budi",
            "role": "peserta",
            "phone": "0812-3456-7002",
            "email": "bukan-email",
            "password": "pendek",
        },
    )
    assert response.status_code == 400
    text = response.text
    assert "Sudah dipakai oleh akun lain." in text
    assert "Alamat email tidak sah." in text
    assert "Kata sandi minimal 8 karakter." in text
    assert 'value="Budi"' in text and 'value="bukan-email"' in text
    assert "pendek" not in text


def test_dinas_cannot_create_admins_or_operators(client, db):
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    response = post(
        client,
        "/pengguna/baru",
        {"name": "Calon Admin", "role": "admin", "email": "a@b.test", "password": "sandi-awal-1"},
    )
    assert response.status_code == 400
    assert "Anda tidak dapat membuat akun dengan peran ini." in response.text


def test_admin_creates_a_dinas_operator_with_a_region(client, db):
    login(client, UserFactory.staff(Role.ADMIN))
    missing = post(
        client,
        "/pengguna/baru",
        {"name": "Operator", "role": "dinas", "email": "op@uji.test", "password": "sandi-awal-1"},
    )
    assert "Pilih provinsi atau kabupaten/kota wilayah kerja." in missing.text
    ok = post(
        client,
        "/pengguna/baru",
        {
            "name": "Operator",
            "role": "dinas",
            "email": "op@uji.test",
            "password": "sandi-awal-1",
            "region_code": KOTA_SERANG,
        },
    )
    assert ok.status_code == 303
    created = db.scalar(select(User).where(User.email == "op@uji.test"))
    assert created.regency_code == KOTA_SERANG and created.province_code == "36"


def test_user_list_is_scoped_paged_and_has_no_n_plus_one(client, db, count_queries):
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    koperasi = KoperasiFactory()
    for n in range(3):
        UserFactory.peserta(koperasi, Jabatan.ANGGOTA, name=f"Anggota {n}")
    client.get("/pengguna")
    count_queries.statements.clear()
    client.get("/pengguna")
    few = count_queries.count
    for n in range(30):
        UserFactory.peserta(KoperasiFactory(), Jabatan.KETUA, name=f"Ketua {n}")
    UserFactory.peserta(KoperasiFactory(regency=KOTA_SERANG), Jabatan.KETUA, name="Ketua Serang")
    count_queries.statements.clear()
    page = client.get("/pengguna")
    assert count_queries.count == few <= 5, count_queries.statements
    assert "Ketua Serang" not in page.text
    assert "Halaman 1 dari 2" in page.text
    found = client.get("/pengguna", params={"q": "anggota 1"}, headers={"HX-Request": "true"})
    assert "Anggota 1" in found.text and "<html" not in found.text


def test_search_users_by_phone_as_people_type_it(client, db):
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    UserFactory.peserta(
        KoperasiFactory(), Jabatan.KETUA, name="Pak Telepon", phone="+6281299887766"
    )
    assert "Pak Telepon" in client.get("/pengguna", params={"q": "0812-9988"}).text


def test_deactivating_ends_sessions_and_is_audited(client, db, app):
    from fastapi.testclient import TestClient

    operator = UserFactory.staff(Role.DINAS, KAB_TANGERANG)
    person = UserFactory.peserta(KoperasiFactory(), Jabatan.BENDAHARA)
    other = TestClient(app, follow_redirects=False)
    login(other, person)
    login(client, operator)
    response = post(client, f"/pengguna/{person.id}/status", {"active": "0"})
    assert response.status_code == 303
    db.refresh(person)
    assert not person.is_active
    assert db.scalars(select(UserSession).where(UserSession.user_id == person.id)).all() == []
    assert other.get("/beranda").status_code == 303
    assert (
        post(other, "/masuk", {"login": person.phone, "password": "sandi-uji-123"}).status_code
        == 400
    )
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "user.deactivate"))
    assert entry.before == {"is_active": True} and entry.after == {"is_active": False}


def test_audit_page_lists_entries_in_a_fixed_number_of_queries(client, db, count_queries):
    admin = UserFactory.staff(Role.ADMIN)
    login(client, admin)
    for n in range(3):
        post(
            client,
            "/pengguna/baru",
            {
                "name": f"Orang {n}",
                "role": "peserta",
                "phone": f"0812-4444-00{n:02d}",
                "password": "sandi-awal-1",
            },
        )
    count_queries.statements.clear()
    client.get("/audit")
    few = count_queries.count
    for n in range(3, 10):
        post(
            client,
            "/pengguna/baru",
            {
                "name": f"Orang {n}",
                "role": "peserta",
                "phone": f"0812-4444-00{n:02d}",
                "password": "sandi-awal-1",
            },
        )
    count_queries.statements.clear()
    page = client.get("/audit")
    assert count_queries.count == few <= 5
    assert page.text.count("user.create") == 10


def test_koperasi_picker_lists_only_the_region(client, db):
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    mine = KoperasiFactory(name="Koperasi Desa Merah Putih Sukamaju Uji")
    theirs = KoperasiFactory(
        regency=KOTA_SERANG, name="Koperasi Kelurahan Merah Putih Sukamaju Serang"
    )
    part = client.get("/koperasi/pilih", params={"q": "sukamaju"}, headers={"HX-Request": "true"})
    assert f'value="{mine.id}"' in part.text and theirs.name not in part.text
    nothing = client.get("/koperasi/pilih", params={"q": "zzz-tidak-ada"})
    assert "Tidak ada koperasi yang cocok" in nothing.text


def test_form_shows_the_chosen_koperasi_again_after_an_error(client, db):
    login(client, UserFactory.staff(Role.DINAS, KAB_TANGERANG))
    koperasi = KoperasiFactory(name="Koperasi Desa Merah Putih Ingat Saya")
    response = post(
        client,
        "/pengguna/baru",
        {
            "name": "",
            "role": "peserta",
            "phone": "0812-3456-7003",
            "password": "sandi-awal-1",
            "koperasi_id": str(koperasi.id),
            "jabatan": "bendahara",
        },
    )
    assert response.status_code == 400
    assert "Isi nama lengkap." in response.text
    assert "Koperasi Desa Merah Putih Ingat Saya" in response.text
    assert f'name="koperasi_id" value="{koperasi.id}"' in response.text
