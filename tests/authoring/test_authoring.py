"""Narasumber authoring in the browser: drafts, editor, preview, images, publishing, versions."""

from __future__ import annotations

import io
from html.parser import HTMLParser

import yaml
from PIL import Image
from sqlalchemy import func, select

from lms.accounts.models import Role
from lms.audit.models import AuditEntry
from lms.learning.models import Course, CourseDraft, CourseFile, CourseVersion
from tests.conftest import login, post
from tests.factories import UserFactory

BASE = "/kelola/kursus"


def author():  # type: ignore[no-untyped-def]
    return UserFactory.staff(Role.NARASUMBER)


def course(db, slug: str) -> Course:  # type: ignore[no-untyped-def]
    db.expire_all()
    found = db.scalar(select(Course).where(Course.slug == slug))
    assert found is not None
    return found


def draft(db, slug: str) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    rows = db.execute(
        select(CourseDraft.path, CourseDraft.data).where(
            CourseDraft.course_id == course(db, slug).id
        )
    )
    return dict(rows.all())


def version_files(db, version_id: int) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    rows = db.execute(
        select(CourseFile.path, CourseFile.data).where(CourseFile.version_id == version_id)
    )
    return dict(rows.all())


def version_count(db, slug: str) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(
        select(func.count(CourseVersion.id)).where(CourseVersion.course_id == course(db, slug).id)
    )


def actions(db, slug: str) -> list[str]:  # type: ignore[no-untyped-def]
    return list(
        db.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.entity_type == "course", AuditEntry.entity_id == slug)
            .where(AuditEntry.actor_id.is_not(None))  # not the library sync of the test database
            .order_by(AuditEntry.id)
        )
    )


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.seen.append((tag, attrs))


def image(kind: str = "PNG", size: tuple[int, int] = (40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 40)).save(buffer, kind)
    return buffer.getvalue()


def module_text(db, slug: str, index: int = 0) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    files = version_files(db, course(db, slug).current_version_id)
    name = yaml.safe_load(files["course.yaml"])["modules"][index]
    return name, files[name].decode()


# --- the list and new courses ---------------------------------------------------------------


def test_course_list_shows_versions_and_drafts_without_n_plus_one(client, db, count_queries):
    user = author()
    login(client, user)
    page = client.get(BASE)
    assert page.status_code == 200
    assert "Tata Kelola Koperasi Desa/Kelurahan Merah Putih" in page.text
    assert "versi 1" in page.text and "ada perubahan belum terbit" not in page.text
    post(client, f"{BASE}/baru", {"slug": "kursus-uji", "title": "Kursus Uji"})
    count_queries.statements.clear()
    client.get(BASE)
    few = count_queries.count
    for n in range(3):
        post(client, f"{BASE}/baru", {"slug": f"kursus-uji-{n}", "title": f"Kursus Uji {n}"})
    name, text = module_text(db, "pembukuan")
    post(client, f"{BASE}/pembukuan/modul/{name}", {"text": text + "\nTambahan.\n"})
    count_queries.statements.clear()
    page = client.get(BASE)
    assert count_queries.count == few <= 8, count_queries.statements
    assert "Kursus Uji 2" in page.text and "belum diterbitkan" in page.text
    assert page.text.count("ada perubahan belum terbit") == 5  # four new ones and pembukuan


def test_a_new_course_starts_with_a_valid_draft_and_publishes(client, db):
    user = author()
    login(client, user)
    response = post(client, f"{BASE}/baru", {"slug": "koperasi-sehat", "title": "Koperasi Sehat"})
    assert response.status_code == 303
    assert response.headers["location"] == f"{BASE}/koperasi-sehat?pesan=baru"
    page = client.get(response.headers["location"]).text
    assert "Draf siap diterbitkan." in page and "Pendahuluan" in page
    assert '<meta name="draft-clear" content="kursus-baru">' in page
    published = post(client, f"{BASE}/koperasi-sehat/terbitkan", {"catatan": "Awal"})
    assert published.headers["location"] == f"{BASE}/koperasi-sehat?pesan=terbit&n=1"
    assert "Versi 1 sudah terbit" in client.get(published.headers["location"]).text
    assert version_count(db, "koperasi-sehat") == 1
    assert actions(db, "koperasi-sehat") == ["course.create", "course.publish"]


def test_new_course_form_explains_what_is_wrong(client, db):
    login(client, author())
    bad = post(client, f"{BASE}/baru", {"slug": "Bukan Slug", "title": ""})
    assert bad.status_code == 400
    assert "Pakai huruf kecil, angka dan tanda hubung" in bad.text
    assert "Isi judul kursus." in bad.text
    taken = post(client, f"{BASE}/baru", {"slug": "pembukuan", "title": "Lagi"})
    assert taken.status_code == 400 and "Sudah ada kursus dengan slug ini." in taken.text
    reserved = post(client, f"{BASE}/baru", {"slug": "impor", "title": "Impor"})
    assert "dipakai sistem" in reserved.text


# --- the draft and the editor ---------------------------------------------------------------


def test_the_draft_is_the_current_version_until_the_first_change(client, db):
    login(client, author())
    name, text = module_text(db, "tata-kelola")
    assert client.get(f"{BASE}/tata-kelola").status_code == 200
    editor = client.get(f"{BASE}/tata-kelola/modul/{name}")
    assert editor.status_code == 200
    assert 'data-draft="modul-tata-kelola-' in editor.text
    assert 'hx-trigger="input changed delay:600ms"' in editor.text
    assert draft(db, "tata-kelola") == {}  # opening pages writes nothing
    saved = post(client, f"{BASE}/tata-kelola/modul/{name}", {"text": text + "\nBaris baru.\n"})
    assert saved.headers["location"] == f"{BASE}/tata-kelola/modul/{name}?pesan=disimpan"
    files = draft(db, "tata-kelola")
    current = version_files(db, course(db, "tata-kelola").current_version_id)
    assert set(files) == set(current)
    assert files[name].endswith(b"Baris baru.\n")
    assert all(files[p] == current[p] for p in current if p != name)
    page = client.get(f"{BASE}/tata-kelola").text
    assert "Perubahan dibanding versi berlaku (1 berkas)" in page
    assert "Baris baru." in page
    assert actions(db, "tata-kelola") == ["course.draft.save"]


def test_saving_keeps_invalid_text_and_shows_the_problems_with_lines(client, db):
    login(client, author())
    name, text = module_text(db, "tata-kelola")
    broken = text.replace("minutes: 25", "minutes: [tidak: sah", 1)
    assert broken != text
    response = post(client, f"{BASE}/tata-kelola/modul/{name}", {"text": broken})
    assert response.status_code == 303
    assert draft(db, "tata-kelola")[name].decode() == broken
    page = client.get(response.headers["location"]).text
    assert "Tersimpan di draf." in page
    assert "YAML tidak sah" in page and "baris 5" in page
    assert 'data-line="5"' in page
    assert '<meta name="draft-clear"' in page


def test_the_preview_is_sanitised(client, db):
    login(client, author())
    name, _text = module_text(db, "tata-kelola")
    evil = (
        '---\ntitle: "Uji"\nsummary: "Uji."\nminutes: 5\n---\n\n## Bagian\n\n'
        "<script>alert(1)</script>\n\n"
        '<div hx-get="/keluar" hx-trigger="load">x</div>\n\n'
        "[klik](javascript:alert(1)) dan ![gambar](javascript:alert(2))\n\n"
        '<a href="#" onclick="alert(3)">a</a>\n'
    )
    part = post(
        client,
        f"{BASE}/tata-kelola/modul/{name}/pratinjau",
        {"text": evil},
        headers={"HX-Request": "true"},
    )
    assert part.status_code == 200
    assert "<html" not in part.text and 'id="pratinjau"' in part.text
    prose = part.text[part.text.index('class="prose"') : part.text.index("</article>")]
    tags = Tags()
    tags.feed(prose)
    assert "script" not in {tag for tag, _attrs in tags.seen}
    for tag, attrs in tags.seen:
        for name, value in attrs:
            assert not name.startswith(("hx-", "on", "data-hx")), (tag, name)
            assert not (value or "").strip().lower().startswith("javascript:"), (tag, name)
    assert "&lt;script&gt;" in prose  # shown as text, never run
    assert 'id="jumlah-masalah" class="badge badge-warn" hx-swap-oob="true"' in part.text
    assert "HTML tidak diizinkan di modul" in part.text
    assert draft(db, "tata-kelola") == {}  # a preview saves nothing


def test_the_preview_works_without_javascript_and_keeps_the_text(client, db):
    login(client, author())
    name, text = module_text(db, "tata-kelola")
    page = post(client, f"{BASE}/tata-kelola/modul/{name}/pratinjau", {"text": text + "\nZZBARU\n"})
    assert page.status_code == 200 and "<html" in page.text
    assert "Ini pratinjau teks yang belum disimpan" in page.text
    assert page.text.count("ZZBARU") == 2  # in the textarea and in the preview


def test_the_preview_shows_draft_images(client, db):
    login(client, author())
    upload = post(
        client,
        f"{BASE}/tata-kelola/gambar",
        files={"berkas": ("Peta Desa.PNG", image(), "image/png")},
    )
    assert upload.headers["location"].startswith(
        f"{BASE}/tata-kelola?pesan=gambar&nama=peta-desa.png"
    )
    name, text = module_text(db, "tata-kelola")
    part = post(
        client,
        f"{BASE}/tata-kelola/modul/{name}/pratinjau",
        {"text": text + '\n![Peta](peta-desa.png "Peta desa")\n'},
        headers={"HX-Request": "true"},
    )
    assert f'src="{BASE}/tata-kelola/draf/peta-desa.png"' in part.text
    served = client.get(f"{BASE}/tata-kelola/draf/peta-desa.png")
    assert served.status_code == 200 and served.headers["content-type"] == "image/png"
    assert client.get(f"{BASE}/tata-kelola/draf/tidak-ada.png").status_code == 404


def test_course_yaml_can_be_edited_directly(client, db):
    login(client, author())
    page = client.get(f"{BASE}/pembukuan/modul/course.yaml")
    assert page.status_code == 200 and "slug: pembukuan" in page.text
    assert client.get(f"{BASE}/pembukuan/modul/tidak-ada.md").status_code == 404
    assert client.get(f"{BASE}/pembukuan/modul/..%2Fcourse.yaml").status_code == 404
    broken = post(client, f"{BASE}/pembukuan/modul/course.yaml", {"text": "slug: [pembukuan\n"})
    assert broken.status_code == 303
    page = client.get(f"{BASE}/pembukuan").text
    assert "course.yaml tidak dapat dibaca" in page  # the settings form explains instead


# --- modules and settings -------------------------------------------------------------------


def test_reordering_modules_rewrites_the_list_in_course_yaml(client, db):
    login(client, author())
    before = yaml.safe_load(
        version_files(db, course(db, "digitalisasi").current_version_id)["course.yaml"]
    )["modules"]
    response = post(client, f"{BASE}/digitalisasi/urutan", {"file": before[1], "arah": "naik"})
    assert response.status_code == 303 and response.headers["location"].endswith("#modul")
    after = yaml.safe_load(draft(db, "digitalisasi")["course.yaml"])["modules"]
    assert after == [before[1], before[0], *before[2:]]
    # Only the two lines moved: the rest of course.yaml is kept as written.
    published = version_files(db, course(db, "digitalisasi").current_version_id)["course.yaml"]
    rewritten = draft(db, "digitalisasi")["course.yaml"]
    assert rewritten != published
    assert sorted(rewritten.splitlines()) == sorted(published.splitlines())
    part = post(
        client,
        f"{BASE}/digitalisasi/urutan",
        {"file": before[1], "arah": "turun"},
        headers={"HX-Request": "true"},
    )
    assert part.status_code == 200 and "<html" not in part.text
    assert 'id="modul"' in part.text and 'hx-swap-oob="true"' in part.text
    assert yaml.safe_load(draft(db, "digitalisasi")["course.yaml"])["modules"] == before
    # Back to the published order: nothing left to publish.
    assert "Draf sama dengan versi 1" in part.text
    # The first module cannot go further up.
    post(client, f"{BASE}/digitalisasi/urutan", {"file": before[0], "arah": "naik"})
    assert yaml.safe_load(draft(db, "digitalisasi")["course.yaml"])["modules"] == before
    assert actions(db, "digitalisasi").count("course.draft.reorder") == 2


def test_adding_and_deleting_a_module(client, db):
    login(client, author())
    added = post(client, f"{BASE}/pembukuan/modul", {"module_title": "Neraca Lajur"})
    assert added.status_code == 303
    assert (
        added.headers["location"] == f"{BASE}/pembukuan/modul/08-neraca-lajur.md?pesan=modul-baru"
    )
    files = draft(db, "pembukuan")
    assert yaml.safe_load(files["course.yaml"])["modules"][-1] == "08-neraca-lajur.md"
    assert b'title: "Neraca Lajur"' in files["08-neraca-lajur.md"]
    assert "Draf siap diterbitkan." in client.get(f"{BASE}/pembukuan").text
    assert post(client, f"{BASE}/pembukuan/modul", {"module_title": " "}).status_code == 400
    deleted = post(client, f"{BASE}/pembukuan/modul/08-neraca-lajur.md/hapus")
    assert deleted.status_code == 303
    files = draft(db, "pembukuan")
    assert "08-neraca-lajur.md" not in files
    assert "08-neraca-lajur.md" not in yaml.safe_load(files["course.yaml"])["modules"]


def test_settings_rewrite_course_yaml_and_keep_the_module_order(client, db):
    login(client, author())
    published = yaml.safe_load(
        version_files(db, course(db, "tata-kelola").current_version_id)["course.yaml"]
    )
    form = {
        "title": "Tata Kelola KDKMP",
        "summary": "Peserta  memahami\ntata kelola.",
        "audience": ["ketua", "pengawas"],
        "hours_jp": "10",
        "completion": "3",
        "sources": "Sumber satu.\n\n  Sumber dua. \n",
    }
    response = post(client, f"{BASE}/tata-kelola", form)
    assert response.status_code == 303
    meta = yaml.safe_load(draft(db, "tata-kelola")["course.yaml"])
    assert meta["title"] == "Tata Kelola KDKMP"
    assert meta["summary"] == "Peserta memahami tata kelola."
    assert meta["audience"] == ["ketua", "pengawas"]
    assert meta["hours_jp"] == 10 and meta["completion"] == {"modules": 3}
    assert meta["sources"] == ["Sumber satu.", "Sumber dua."]
    assert meta["modules"] == published["modules"] and meta["slug"] == "tata-kelola"
    bad = post(client, f"{BASE}/tata-kelola", {**form, "audience": [], "hours_jp": "0"})
    assert bad.status_code == 400
    assert "Pilih sedikitnya satu jabatan." in bad.text and "angka 1 sampai 200" in bad.text
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "course.draft.settings"))
    assert entry.after["hours_jp"] == 10 and entry.before["hours_jp"] == published["hours_jp"]


# --- images ---------------------------------------------------------------------------------


def test_images_are_checked_by_content_and_size(client, db):
    login(client, author())
    url = f"{BASE}/tata-kelola/gambar"
    fake = post(client, url, files={"berkas": ("peta.png", b"<svg onload=alert(1)>", "image/png")})
    assert fake.status_code == 400
    assert "bukan gambar PNG, JPEG atau WebP yang utuh" in fake.text
    jpeg = post(client, url, files={"berkas": ("foto.png", image("JPEG"), "image/png")})
    assert jpeg.status_code == 400 and "Isi berkas adalah JPEG" in jpeg.text
    huge = post(client, url, files={"berkas": ("besar.png", b"\x89PNG" + b"0" * (2 * 1024 * 1024))})
    assert huge.status_code == 400 and "Gambar lebih dari 2 MB" in huge.text
    other = post(client, url, files={"berkas": ("catatan.txt", b"teks", "text/plain")})
    assert other.status_code == 400 and "Pilih gambar PNG, JPEG atau WebP" in other.text
    assert draft(db, "tata-kelola") == {}
    good = post(client, url, files={"berkas": ("foto.jpg", image("JPEG"), "image/jpeg")})
    assert good.status_code == 303
    assert "foto.jpg" in draft(db, "tata-kelola")
    page = client.get(f"{BASE}/tata-kelola").text
    assert "foto.jpg" in page and "belum dipakai" in page
    gone = post(client, f"{BASE}/tata-kelola/gambar/foto.jpg/hapus")
    assert gone.status_code == 303 and "foto.jpg" not in draft(db, "tata-kelola")
    assert actions(db, "tata-kelola") == ["course.draft.image", "course.draft.delete_image"]


# --- publishing -----------------------------------------------------------------------------


def test_a_failed_publish_lists_every_problem_and_changes_nothing(client, db):
    login(client, author())
    current = course(db, "tata-kelola").current_version_id
    name, text = module_text(db, "tata-kelola")
    broken = text.replace("minutes: 25", "minutes: banyak", 1)
    broken = broken.replace("## Tujuan belajar", "[[Tidak Ada]]", 1)
    post(client, f"{BASE}/tata-kelola/modul/{name}", {"text": broken})
    response = post(client, f"{BASE}/tata-kelola/terbitkan")
    assert response.status_code == 400
    assert "Belum diterbitkan: ada 2 masalah." in response.text
    assert "Versi 1 tetap berlaku untuk peserta." in response.text
    assert f">{name}</a>, baris 4" in response.text  # minutes (front matter)
    assert "Istilah [[Tidak Ada]] belum didefinisikan" in response.text
    assert course(db, "tata-kelola").current_version_id == current
    assert version_count(db, "tata-kelola") == 1
    assert "course.publish" not in actions(db, "tata-kelola")
    assert draft(db, "tata-kelola")[name].decode() == broken  # the draft is kept


def test_publishing_the_same_files_twice_makes_one_version(client, db):
    login(client, author())
    name, text = module_text(db, "digitalisasi")
    post(client, f"{BASE}/digitalisasi/modul/{name}", {"text": text + "\nTambahan kecil.\n"})
    first = post(client, f"{BASE}/digitalisasi/terbitkan", {"catatan": "Tambahan"})
    assert first.headers["location"] == f"{BASE}/digitalisasi?pesan=terbit&n=2"
    again = post(client, f"{BASE}/digitalisasi/terbitkan")
    assert again.headers["location"] == f"{BASE}/digitalisasi?pesan=tetap&n=2"
    assert version_count(db, "digitalisasi") == 2
    page = client.get(f"{BASE}/digitalisasi").text
    assert "Draf sama dengan versi 2 yang berlaku" in page
    # Going back to the text of version 1 makes version 1 current again, no version 3.
    post(client, f"{BASE}/digitalisasi/modul/{name}", {"text": text})
    back = post(client, f"{BASE}/digitalisasi/terbitkan")
    assert back.headers["location"] == f"{BASE}/digitalisasi?pesan=pulih&n=1"
    assert version_count(db, "digitalisasi") == 2


def test_discarding_the_draft_returns_to_the_current_version(client, db):
    login(client, author())
    name, text = module_text(db, "pembukuan")
    post(client, f"{BASE}/pembukuan/modul/{name}", {"text": text + "\nX\n"})
    assert draft(db, "pembukuan")
    assert post(client, f"{BASE}/pembukuan/buang").status_code == 303
    assert draft(db, "pembukuan") == {}
    assert "Draf sama dengan versi 1" in client.get(f"{BASE}/pembukuan").text


# --- versions -------------------------------------------------------------------------------


def test_versions_list_and_diff_between_versions(client, db, count_queries):
    login(client, author())
    count_queries.statements.clear()
    assert client.get(f"{BASE}/pembukuan/versi").status_code == 200
    few = count_queries.count
    name, text = module_text(db, "pembukuan", 1)
    for n in range(3):
        post(client, f"{BASE}/pembukuan/modul/{name}", {"text": text + f"\nPerubahan {n}.\n"})
        post(client, f"{BASE}/pembukuan/terbitkan", {"catatan": f"Catatan {n}"})
    count_queries.statements.clear()
    page = client.get(f"{BASE}/pembukuan/versi")
    assert count_queries.count == few <= 6, count_queries.statements
    assert "Versi 4" in page.text and "Catatan 2" in page.text and "berlaku" in page.text
    assert client.get(f"{BASE}/pembukuan/versi?a=1&b=4").headers["location"] == (
        f"{BASE}/pembukuan/versi/1/4"
    )
    diff = client.get(f"{BASE}/pembukuan/versi/1/4")
    assert diff.status_code == 200
    assert name in diff.text and "Perubahan 2." in diff.text
    assert client.get(f"{BASE}/pembukuan/versi/1/9").status_code == 404
