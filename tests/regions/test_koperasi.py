from __future__ import annotations

from sqlalchemy import func, select

from lms.accounts.models import Jabatan, Role, User
from lms.audit.models import AuditEntry
from lms.regions.models import Koperasi
from tests.conftest import login, post
from tests.factories import BANTEN, KAB_TANGERANG, KOTA_SERANG, KoperasiFactory, UserFactory

BOJONG = "36.03.18.2014"


def operator(client, region=KAB_TANGERANG):  # type: ignore[no-untyped-def]
    user = UserFactory.staff(Role.DINAS, region)
    login(client, user)
    return user


def test_register_a_koperasi_in_a_village_of_the_region(client, db):
    user = operator(client)
    form = client.get("/koperasi/baru", params={"desa": BOJONG})
    assert "Koperasi Desa Merah Putih Bojong" in form.text
    response = post(
        client,
        "/koperasi/baru",
        {
            "name": "Koperasi Desa Merah Putih Bojong",
            "village_code": BOJONG,
            "legal_number": "AHU-0001234.AH.01.29.TAHUN 2025",
        },
    )
    assert response.status_code == 303
    koperasi = db.scalar(select(Koperasi).where(Koperasi.village_code == BOJONG))
    assert koperasi.regency_code == "36.03" and koperasi.province_code == "36"
    detail = client.get(response.headers["location"])
    assert "Koperasi sudah didaftarkan." in detail.text
    assert "Bojong, Cikupa, Kab. Tangerang" in detail.text
    assert "Belum ada akun untuk: Ketua, Bendahara." in detail.text
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "koperasi.create"))
    assert entry.actor_id == user.id and entry.after["village_code"] == BOJONG
    assert entry.regency_code == "36.03"


def test_one_koperasi_per_village(client, db):
    operator(client)
    KoperasiFactory(village_code=BOJONG, name="Koperasi Desa Merah Putih Bojong")
    response = post(
        client, "/koperasi/baru", {"name": "Koperasi Kedua Bojong", "village_code": BOJONG}
    )
    assert response.status_code == 400
    assert "sudah punya koperasi" in response.text
    assert 'value="Koperasi Kedua Bojong"' in response.text  # what was typed is kept
    assert (
        db.scalar(select(func.count()).select_from(Koperasi).where(Koperasi.village_code == BOJONG))
        == 1
    )


def test_bad_input_gets_messages_per_field(client, db):
    operator(client)
    response = post(client, "/koperasi/baru", {"name": "K", "village_code": "36.03"})
    assert response.status_code == 400
    assert "Pilih desa/kelurahan dari hasil pencarian." in response.text
    assert "Isi nama koperasi" in response.text


def test_duplicate_legal_number_is_refused(client, db):
    operator(client)
    KoperasiFactory(legal_number="AHU-1")
    other = KoperasiFactory()
    response = post(
        client,
        f"/koperasi/{other.id}/ubah",
        {"name": other.name, "village_code": other.village_code, "legal_number": "AHU-1"},
    )
    assert response.status_code == 400
    assert "sudah tercatat untuk koperasi lain" in response.text


def test_edit_is_audited_with_before_and_after(client, db):
    operator(client)
    koperasi = KoperasiFactory(name="Koperasi Lama")
    ketua = UserFactory.peserta(koperasi, Jabatan.KETUA)
    new_village = "36.03.18.2013"
    response = post(
        client,
        f"/koperasi/{koperasi.id}/ubah",
        {"name": "Koperasi Baru", "village_code": new_village, "legal_number": ""},
    )
    assert response.status_code == 303
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "koperasi.update"))
    assert entry.before["name"] == "Koperasi Lama" and entry.after["name"] == "Koperasi Baru"
    db.refresh(ketua)
    assert ketua.regency_code == "36.03"


def test_list_shows_ketua_and_bendahara_in_a_fixed_number_of_queries(client, db, count_queries):
    operator(client)
    for _ in range(3):
        koperasi = KoperasiFactory()
        UserFactory.peserta(koperasi, Jabatan.KETUA, name=f"Ketua {koperasi.id}")
        UserFactory.peserta(koperasi, Jabatan.BENDAHARA, name=f"Bendahara {koperasi.id}")
    client.get("/koperasi")
    count_queries.statements.clear()
    few = client.get("/koperasi")
    queries_for_few = count_queries.count
    for _ in range(12):
        koperasi = KoperasiFactory()
        UserFactory.peserta(koperasi, Jabatan.KETUA)
        UserFactory.peserta(koperasi, Jabatan.BENDAHARA)
    count_queries.statements.clear()
    many = client.get("/koperasi")
    assert many.status_code == few.status_code == 200
    assert count_queries.count == queries_for_few <= 5, count_queries.statements
    assert "Ketua" in few.text and "15 koperasi" in many.text


def test_list_search_and_pages(client, db):
    operator(client)
    for _ in range(30):
        KoperasiFactory()
    first = client.get("/koperasi")
    assert "30 koperasi" in first.text and "Halaman 1 dari 2" in first.text
    second = client.get("/koperasi", params={"page": 2})
    assert "26–30" in second.text
    beyond = client.get("/koperasi", params={"page": 99})
    assert beyond.status_code == 200 and "Halaman 2 dari 2" in beyond.text
    bad = client.get("/koperasi", params={"page": "dua"})
    assert bad.status_code == 400 and "Permintaan tidak sah" in bad.text


def test_the_village_picker_lists_only_villages_of_the_region(client, db):
    operator(client)
    part = client.get("/wilayah/desa", params={"q": "Bojong"}, headers={"HX-Request": "true"})
    assert 'value="36.03.18.2014"' in part.text
    assert "36.73" not in part.text
    empty = client.get("/wilayah/desa", params={"q": "Cipocok"}, headers={"HX-Request": "true"})
    assert "di wilayah kerja Anda" in empty.text


def test_province_operator_can_register_in_any_kabupaten_of_the_province(client, db):
    operator(client, BANTEN)
    response = post(
        client,
        "/koperasi/baru",
        {"name": "Koperasi Kelurahan Merah Putih Cipocok Jaya", "village_code": "36.73.01.1001"},
    )
    assert response.status_code == 303


def test_officials_are_listed_on_the_detail_page(client, db):
    operator(client)
    koperasi = KoperasiFactory()
    UserFactory.peserta(koperasi, Jabatan.KETUA, name="Haji Ketua")
    page = client.get(f"/koperasi/{koperasi.id}")
    assert "Haji Ketua" in page.text and "Belum ada akun untuk: Bendahara." in page.text


def test_peserta_home_shows_their_koperasi(client, db):
    koperasi = KoperasiFactory(village_code=BOJONG, name="Koperasi Desa Merah Putih Bojong")
    ketua = UserFactory.peserta(koperasi, Jabatan.KETUA, name="Pak Ketua")
    UserFactory.peserta(koperasi, Jabatan.BENDAHARA, name="Bu Bendahara")
    login(client, ketua)
    page = client.get("/beranda")
    assert "Koperasi Desa Merah Putih Bojong" in page.text
    assert "Bojong, Cikupa, Kab. Tangerang" in page.text
    assert "Bu Bendahara" in page.text


def test_dinas_home_counts_its_region_only(client, db):
    operator(client)
    complete = KoperasiFactory()
    UserFactory.peserta(complete, Jabatan.KETUA)
    UserFactory.peserta(complete, Jabatan.BENDAHARA)
    half = KoperasiFactory()
    UserFactory.peserta(half, Jabatan.KETUA)
    UserFactory.peserta(KoperasiFactory(regency=KOTA_SERANG), Jabatan.KETUA)
    page = client.get("/beranda").text
    assert "1 dari 2 koperasi sudah punya akun ketua dan bendahara." in page
    assert db.scalar(select(func.count()).select_from(User).where(User.role == Role.PESERTA)) == 4
