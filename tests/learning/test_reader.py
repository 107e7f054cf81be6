from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import select

from lms.accounts.models import Jabatan, Role
from lms.learning import services
from lms.learning.models import Course, CourseFile, CourseModule, CourseVersion, ModuleProgress
from tests.conftest import login, post
from tests.courses.test_loader import COURSE, MODULE
from tests.factories import KoperasiFactory, UserFactory


def bendahara():  # type: ignore[no-untyped-def]
    return UserFactory.peserta(KoperasiFactory(), Jabatan.BENDAHARA)


def modules_of(db, slug: str) -> list[CourseModule]:  # type: ignore[no-untyped-def]
    course = db.scalar(select(Course).where(Course.slug == slug))
    return list(
        db.scalars(
            select(CourseModule)
            .where(CourseModule.version_id == course.current_version_id)
            .order_by(CourseModule.position)
        )
    )


def test_classes_page_suggests_courses_for_the_jabatan(client, db):
    login(client, bendahara())
    page = client.get("/kelas").text
    assert "Disarankan untuk jabatan Anda" in page
    assert "Pembukuan dan Laporan Keuangan Koperasi" in page
    assert "Anda belum mengikuti kelas" in page


def test_reading_a_course_records_progress_step_by_step(client, db):
    user = bendahara()
    login(client, user)
    first, second = modules_of(db, "pembukuan")[:2]
    page = client.get(f"/kelas/pembukuan/{first.slug}")
    assert page.status_code == 200
    assert first.title in page.text and 'class="prose"' in page.text
    assert 'hx-trigger="revealed"' in page.text
    row = db.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user.id))
    assert row.state == "opened" and row.module_slug == first.slug
    part = post(client, f"/kelas/pembukuan/{first.slug}/dibaca", headers={"HX-Request": "true"})
    assert "Anda sudah membaca modul ini sampai akhir." in part.text and "<html" not in part.text
    db.refresh(row)
    assert row.state == "read"
    done = post(client, f"/kelas/pembukuan/{first.slug}/selesai")
    assert done.headers["location"] == f"/kelas/pembukuan/{second.slug}"
    db.refresh(row)
    assert row.state == "done" and row.version_id == first.version_id
    course_page = client.get("/kelas/pembukuan").text
    assert "1 dari 7 modul selesai." in course_page
    assert "Lanjutkan belajar</a>" not in course_page  # the button names the module
    assert f"Lanjutkan belajar: {second.title}" in course_page
    assert "1 dari 7 modul selesai" in client.get("/kelas").text  # enrolled by finishing a module


def test_progress_only_moves_forward(client, db):
    user = bendahara()
    login(client, user)
    first = modules_of(db, "tata-kelola")[0]
    post(client, f"/kelas/tata-kelola/{first.slug}/selesai")
    client.get(f"/kelas/tata-kelola/{first.slug}")
    post(client, f"/kelas/tata-kelola/{first.slug}/dibaca")
    row = db.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user.id))
    assert row.state == "done"
    assert (
        "Modul ini sudah Anda tandai selesai."
        in client.get(f"/kelas/tata-kelola/{first.slug}").text
    )


def test_last_module_leads_back_to_the_course_with_congratulations(client, db):
    login(client, bendahara())
    last = modules_of(db, "digitalisasi")[-1]
    response = post(client, f"/kelas/digitalisasi/{last.slug}/selesai")
    assert response.headers["location"] == "/kelas/digitalisasi?selesai=1"
    assert "Selamat!" in client.get(response.headers["location"]).text


def test_enrol_is_idempotent(client, db):
    login(client, bendahara())
    for _ in range(2):
        assert post(client, "/kelas/tata-kelola/ikuti").status_code == 303
    page = client.get("/kelas").text
    assert page.count("Tata Kelola Koperasi Desa/Kelurahan Merah Putih") == 1
    assert "0 dari 6 modul selesai" in page


def test_staff_read_without_leaving_progress(client, db):
    user = UserFactory.staff(Role.NARASUMBER)
    login(client, user)
    first = modules_of(db, "pembukuan")[0]
    page = client.get(f"/kelas/pembukuan/{first.slug}")
    assert page.status_code == 200 and "Tandai selesai" not in page.text
    assert db.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user.id)) is None


def test_unknown_course_or_module_is_a_friendly_404(client, db):
    login(client, bendahara())
    assert client.get("/kelas/tidak-ada").status_code == 404
    response = client.get("/kelas/pembukuan/tidak-ada")
    assert response.status_code == 404 and "Halaman tidak ditemukan" in response.text


def test_glossary_links_terms_to_their_modules(client, db):
    login(client, bendahara())
    page = client.get("/istilah").text
    assert 'id="shu"' in page and 'id="simpanan-pokok"' in page and 'id="rat"' in page
    assert "/kelas/pembukuan/" in page
    module_html = client.get(f"/kelas/pembukuan/{modules_of(db, 'pembukuan')[2].slug}").text
    assert '<a class="istilah" href="/istilah#simpanan-pokok"' in module_html


def test_class_list_queries_do_not_grow_with_progress(client, db, count_queries):
    user = bendahara()
    login(client, user)
    client.get("/kelas")
    count_queries.statements.clear()
    client.get("/kelas")
    before = count_queries.count
    for module in modules_of(db, "pembukuan"):
        post(client, f"/kelas/pembukuan/{module.slug}/selesai")
    count_queries.statements.clear()
    page = client.get("/kelas")
    assert count_queries.count == before <= 6, count_queries.statements
    assert "Selesai" in page.text


def _course_files(extra: bytes = b"") -> dict[str, bytes]:
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(image, "PNG")
    return {
        "course.yaml": COURSE,
        "01-satu.md": MODULE.format(n=1).encode() + b'\n![Kas](kas.png "Buku kas")\n',
        "02-dua.md": MODULE.format(n=2).encode() + extra,
        "kas.png": image.getvalue(),
    }


def test_publishing_versions_keeps_what_was_studied(client, db):
    first = services.publish(db, _course_files(), actor=None)
    assert first.created and first.version.number == 1
    again = services.publish(db, _course_files(), actor=None)
    assert not again.created and again.version.id == first.version.id
    user = bendahara()
    login(client, user)
    post(client, "/kelas/uji/satu/selesai")
    second = services.publish(db, _course_files(b"\nParagraf baru.\n"), actor=None)
    assert second.created and second.version.number == 2
    row = db.scalar(select(ModuleProgress).where(ModuleProgress.user_id == user.id))
    assert row.version_id == first.version.id  # progress refers to the version studied
    assert (
        db.scalar(select(Course.current_version_id).where(Course.slug == "uji"))
        == second.version.id
    )
    assert "Paragraf baru." in client.get("/kelas/uji/dua").text


def test_course_images_are_served_per_version(client, db):
    services.publish(db, _course_files(), actor=None)
    login(client, bendahara())
    page = client.get("/kelas/uji/satu").text
    assert '<img src="/media/uji/1/kas.png"' in page and "<figcaption>Buku kas</figcaption>" in page
    image = client.get("/media/uji/1/kas.png")
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert "immutable" in image.headers["cache-control"]
    assert client.get("/media/uji/1/tidak-ada.png").status_code == 404
    assert client.get("/media/uji/1/course.yaml").status_code == 404


def test_a_failed_publish_leaves_the_previous_version(db):
    import pytest

    from courses.model import CourseError

    good = services.publish(db, _course_files(), actor=None)
    broken = _course_files()
    broken["02-dua.md"] = b"tanpa front matter"
    with pytest.raises(CourseError) as info:
        services.publish(db, broken, actor=None)
    assert "02-dua.md:1:" in str(info.value)
    current = db.scalar(select(Course.current_version_id).where(Course.slug == "uji"))
    assert current == good.version.id
    assert db.scalar(select(CourseVersion).where(CourseVersion.number == 2)) is None


def test_service_worker_and_manifest(client):
    sw = client.get("/sw.js")
    assert sw.status_code == 200 and sw.headers["content-type"].startswith("text/javascript")
    assert sw.headers["service-worker-allowed"] == "/" and sw.headers["cache-control"] == "no-cache"
    assert "/static/app.css?v=" in sw.text and "Tidak ada koneksi" in sw.text
    manifest = client.get("/manifest.webmanifest").json()
    assert manifest["start_url"] == "/kelas" and manifest["icons"][0]["sizes"] == "192x192"
    assert client.get(manifest["icons"][1]["src"]).status_code == 200


def test_pages_link_the_manifest_and_an_offline_banner(client, db):
    login(client, bendahara())
    page = client.get("/kelas").text
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert 'id="offline"' in page and "Anda sedang offline" in page


def test_sync_renders_stored_html_again_after_a_renderer_upgrade(db):
    course = db.scalar(select(Course).where(Course.slug == "tata-kelola"))
    version = db.get(CourseVersion, course.current_version_id)
    module = db.scalar(select(CourseModule).where(CourseModule.version_id == version.id))
    module.html = "<p>lama</p>"
    version.renderer = 1
    db.flush()
    reports, problems = services.sync_library(db)
    assert not problems
    assert {r.slug: r.status for r in reports}["tata-kelola"] == "tetap (HTML diperbarui)"
    db.refresh(module)
    assert module.html != "<p>lama</p>" and version.number == 1


def test_sync_keeps_a_version_published_from_the_browser(db, tmp_path):
    import shutil

    course = db.scalar(select(Course).where(Course.slug == "digitalisasi"))
    shipped = db.get(CourseVersion, course.current_version_id)
    files = {
        f.path: f.data
        for f in db.scalars(select(CourseFile).where(CourseFile.version_id == shipped.id))
    }
    files["01-mengapa-pencatatan-digital.md"] += b"\nDitambahkan narasumber.\n"
    edited = services.publish(
        db, files, actor=None, note="diterbitkan dari peramban", course=course
    )
    reports, _ = services.sync_library(db)
    assert {r.slug: r.status for r in reports}["digitalisasi"] == "tetap"
    db.refresh(course)
    assert course.current_version_id == edited.version.id
    # When the shipped course itself changes, the sync publishes it again.
    library = tmp_path / "library"
    shutil.copytree(services.LIBRARY, library)
    module = library / "digitalisasi" / "02-catatan-harian-di-ponsel.md"
    module.write_text(module.read_text(encoding="utf-8") + "\nRevisi platform.\n", encoding="utf-8")
    reports, _ = services.sync_library(db, library)
    assert {r.slug: r.status for r in reports}["digitalisasi"] == "diperbarui"
