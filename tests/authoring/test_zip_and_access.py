"""Zip export and import (the round trip is exact), and who may use the authoring pages."""

from __future__ import annotations

import io
import re
import zipfile

from sqlalchemy import select

from courses import bundle
from courses.loader import read_folder, version_of
from lms.accounts.models import Jabatan, Role
from lms.learning.models import Course, CourseVersion
from lms.learning.services import LIBRARY
from tests.authoring.test_authoring import BASE, actions, author, course, draft, version_files
from tests.authoring.test_authoring import version_count as count
from tests.conftest import csrf_for, login, post
from tests.factories import KoperasiFactory, UserFactory
from tests.test_route_access import all_routes


def export(client, slug: str, number: int) -> bytes:  # type: ignore[no-untyped-def]
    response = client.get(f"{BASE}/{slug}/versi/{number}/zip")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == (
        f'attachment; filename="{slug}-versi-{number}.zip"'
    )
    return response.content


def upload(client, data: bytes, **form: str):  # type: ignore[no-untyped-def]
    return post(
        client,
        f"{BASE}/impor",
        form,
        files={"berkas": ("kursus.zip", data, "application/zip")},
    )


def test_export_then_import_then_publish_is_no_change(client, db):
    login(client, author())
    slug = "pembukuan"
    current = db.get(CourseVersion, course(db, slug).current_version_id)
    data = export(client, slug, current.number)
    assert data == export(client, slug, current.number)  # the same bytes every time
    files = version_files(db, current.id)
    assert bundle.from_zip(data) == (slug, files)
    assert files == read_folder(LIBRARY / slug)
    imported = upload(client, data)
    assert imported.headers["location"] == f"{BASE}/{slug}?pesan=impor"
    assert draft(db, slug) == files  # byte for byte
    assert "Draf sama dengan versi 1" in client.get(f"{BASE}/{slug}").text
    published = post(client, f"{BASE}/{slug}/terbitkan")
    assert published.headers["location"] == f"{BASE}/{slug}?pesan=tetap&n=1"
    assert count(db, slug) == 1
    assert version_of(draft(db, slug)) == current.version
    assert actions(db, slug) == ["course.import"]


def test_importing_a_new_course_creates_it_as_a_draft(client, db):
    login(client, author())
    files = read_folder(LIBRARY / "digitalisasi")
    files["course.yaml"] = files["course.yaml"].replace(
        b"slug: digitalisasi", b"slug: digitalisasi-lanjut"
    )
    # Files at the root of the zip, no top folder.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    response = upload(client, buffer.getvalue())
    assert response.headers["location"] == f"{BASE}/digitalisasi-lanjut?pesan=impor-baru"
    new = course(db, "digitalisasi-lanjut")
    assert new.current_version_id is None and draft(db, "digitalisasi-lanjut") == files
    post(client, f"{BASE}/digitalisasi-lanjut/terbitkan")
    assert count(db, "digitalisasi-lanjut") == 1


def test_unsafe_or_broken_zips_are_refused_with_clear_messages(client, db):
    login(client, author())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("x/course.yaml", "slug: x\n")
        archive.writestr("x/../../etc/evil.md", "jahat")
    traversal = upload(client, buffer.getvalue())
    assert traversal.status_code == 400
    assert "Zip tidak dapat diimpor" in traversal.text
    assert "keluar dari folder kursus" in traversal.text
    assert db.scalar(select(Course).where(Course.slug == "x")) is None
    broken = upload(client, b"PK\x03\x04 bukan zip")
    assert broken.status_code == 400 and "bukan zip yang utuh" in broken.text
    missing = post(client, f"{BASE}/impor")
    assert missing.status_code == 400 and "Pilih berkas zip kursus." in missing.text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("y/01-a.md", "---\n")
        archive.writestr("y/skrip.sh", "rm -rf /")
        archive.writestr("y/kuis/lain/soal.yaml", "judul: x\n")
        archive.writestr("y/kuis/catatan.txt", "x")
    strange = upload(client, buffer.getvalue())
    assert "course.yaml tidak ada" in strange.text
    assert (
        "Hanya course.yaml, modul .md, gambar PNG, JPEG atau WebP, dan kuis/*.yaml" in strange.text
    )
    assert strange.text.count("bukan di subfolder lain") == 2


def test_importing_over_unpublished_changes_needs_a_tick(client, db):
    login(client, author())
    data = export(client, "tata-kelola", 1)
    name = next(n for n in version_files(db, course(db, "tata-kelola").current_version_id))
    post(client, f"{BASE}/tata-kelola/modul/course.yaml", {"text": "slug: tata-kelola\n"})
    refused = upload(client, data)
    assert refused.status_code == 400
    assert "punya perubahan draf yang belum diterbitkan" in refused.text
    assert 'name="ganti"' in refused.text
    assert draft(db, "tata-kelola")["course.yaml"] == b"slug: tata-kelola\n"
    assert upload(client, data, ganti="1").status_code == 303
    assert draft(db, "tata-kelola") == version_files(
        db, course(db, "tata-kelola").current_version_id
    )
    assert name


def authoring_routes(app) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    return [(m, path) for m, path in all_routes(app) if path.startswith(BASE)]


def test_participants_and_other_staff_get_403_on_every_authoring_route(app, client, db):
    routes = authoring_routes(app)
    assert len(routes) >= 19
    values = {"slug": "tata-kelola", "file": "01-dasar-hukum.md", "name": "peta.png"}
    values |= {"number": "1", "a": "1", "b": "1"}
    for user in (
        UserFactory.peserta(KoperasiFactory(), Jabatan.KETUA),
        UserFactory.staff(Role.PENDAMPING, "36.03"),
        UserFactory.staff(Role.DINAS, "36.03"),
    ):
        client.cookies.clear()
        login(client, user)
        for method, path in routes:
            url = re.sub(r"{(\w+)}", lambda m: values[m.group(1)], path)
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": csrf_for(client)})
            assert response.status_code == 403, (user.role, method, url, response.status_code)
    assert draft(db, "tata-kelola") == {}


def test_the_nav_shows_kelola_kursus_to_authors_only(client, db):
    login(client, author())
    assert 'href="/kelola/kursus"' in client.get("/beranda").text
    client.cookies.clear()
    login(client, UserFactory.peserta(KoperasiFactory(), Jabatan.KETUA))
    assert 'href="/kelola/kursus"' not in client.get("/beranda").text
