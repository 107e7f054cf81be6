"""The course loader reports every problem with its file and line."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from courses.loader import load_course, load_library, read_folder, version_of
from courses.model import CourseError

ROOT = Path(__file__).resolve().parents[2] / "courses" / "content"

COURSE = b"""slug: uji
title: "Kursus Uji"
summary: "Ringkasan."
audience: [ketua, bendahara]
hours_jp: 2
modules:
  - 01-satu.md
  - 02-dua.md
completion:
  modules: all
sources: ["UU No. 25 Tahun 1992."]
"""

MODULE = """---
title: "Modul {n}"
summary: "Ringkas."
minutes: 10
key_terms: [SHU]
istilah:
  SHU: "Sisa hasil usaha."
---

## Bagian

Teks tentang [[SHU]].
"""


def files(**overrides: bytes | None) -> dict[str, bytes]:
    base: dict[str, bytes] = {
        "course.yaml": COURSE,
        "01-satu.md": MODULE.format(n=1).encode(),
        "02-dua.md": MODULE.format(n=2).encode(),
    }
    for name, data in overrides.items():
        key = name.replace("__", ".").replace("_", "-")
        if data is None:
            base.pop(key, None)
        else:
            base[key] = data
    return base


def problems_of(data: dict[str, bytes]) -> list[str]:
    with pytest.raises(CourseError) as info:
        load_course(data)
    return [str(p) for p in info.value.problems]


def png(size: tuple[int, int] = (4, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "red").save(out, "PNG")
    return out.getvalue()


def test_the_shipped_library_is_valid():
    courses, problems = load_library(ROOT)
    assert problems == []
    assert {c.slug for c in courses} == {"tata-kelola", "pembukuan", "digitalisasi"}
    for course in courses:
        assert len(course.modules) >= 5
        assert course.sources


def test_a_valid_course_loads():
    course = load_course(files())
    assert course.slug == "uji" and [m.slug for m in course.modules] == ["satu", "dua"]
    assert course.completion.modules is None
    assert course.glossary()["SHU"] == ("satu", "Sisa hasil usaha.")


def test_version_is_a_content_hash():
    assert version_of(files()) == version_of(dict(reversed(list(files().items()))))
    changed = files()
    changed["02-dua.md"] += b"\nTambahan."
    assert version_of(changed) != version_of(files())


def test_malformed_course_yaml_names_the_line():
    bad = COURSE.replace(b'summary: "Ringkasan."', b'summary: "Ringkasan.\n  : [')
    found = problems_of(files(**{"course__yaml": bad}))
    assert found and found[0].startswith("course.yaml:") and "YAML tidak sah" in found[0]


def test_malformed_front_matter_names_the_file_and_line():
    broken = b'---\ntitle: "Modul"\nsummary: [tidak ditutup\nminutes: 10\n---\n\nTeks.\n'
    found = problems_of(files(**{"02_dua__md": broken}))
    assert any(p.startswith("02-dua.md:") and "YAML tidak sah" in p for p in found)


def test_missing_front_matter_and_fields():
    found = problems_of(files(**{"01_satu__md": b"## Tanpa front matter\n"}))
    assert "01-satu.md:1: Modul harus diawali front matter YAML di antara dua baris ---." in found
    no_title = b"---\nsummary: x\nminutes: 5\n---\nTeks\n"
    found = problems_of(files(**{"01_satu__md": no_title}))
    assert any("01-satu.md:" in p and "title wajib" in p for p in found)


def test_missing_module_file_and_unlisted_module():
    data = files(**{"02_dua__md": None})
    data["03-tiga.md"] = MODULE.format(n=3).encode()
    found = problems_of(data)
    assert any(
        "Berkas modul 02-dua.md tidak ada." in p and p.startswith("course.yaml:8:") for p in found
    )
    assert "03-tiga.md:1: Berkas modul ini tidak disebut di modules pada course.yaml." in found


def test_duplicate_module_slugs():
    data = files()
    data["course.yaml"] = COURSE.replace(b"  - 02-dua.md", b"  - 02-dua.md\n  - 03-satu.md")
    data["03-satu.md"] = MODULE.format(n=3).encode()
    assert any("Slug modul 'satu' sama dengan 01-satu.md" in p for p in problems_of(data))


def test_duplicate_course_slugs_in_a_library(tmp_path):
    for folder in ("uji", "uji-dua"):
        (tmp_path / folder).mkdir()
        for name, data in files().items():
            (tmp_path / folder / name).write_bytes(data)
    _, problems = load_library(tmp_path)
    assert any("harus sama dengan nama folder" in p.message for p in problems)


def test_unknown_glossary_term_and_unknown_jabatan():
    module = MODULE.format(n=1).replace("[[SHU]]", "[[Neraca lajur]]").encode()
    found = problems_of(files(**{"01_satu__md": module}))
    assert any(p.startswith("01-satu.md:12:") and "[[Neraca lajur]]" in p for p in found)
    found = problems_of(
        files(**{"course__yaml": COURSE.replace(b"ketua, bendahara", b"ketua, lurah")})
    )
    assert any("Jabatan 'lurah' tidak dikenal" in p for p in found)


def test_raw_html_in_markdown_is_refused_with_its_line():
    module = (MODULE.format(n=1) + "\n<script>alert(1)</script>\n").encode()
    found = problems_of(files(**{"01_satu__md": module}))
    assert any(p.startswith("01-satu.md:14:") and "HTML tidak diizinkan" in p for p in found)
    inline = (MODULE.format(n=1) + '\nTeks <a hx-get="/x">klik</a>.\n').encode()
    assert any("HTML tidak diizinkan" in p for p in problems_of(files(**{"01_satu__md": inline})))


def test_images_are_checked_by_content():
    module = (MODULE.format(n=1) + '\n![Gerai](gerai.png "Gerai sembako")\n').encode()
    ok = files(**{"01_satu__md": module})
    ok["gerai.png"] = png()
    assert load_course(ok).files["gerai.png"]
    fake = dict(ok, **{"gerai.png": b"bukan gambar sama sekali"})
    assert "gerai.png:1: Berkas ini bukan gambar PNG, JPEG atau WebP yang utuh." in problems_of(
        fake
    )
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, "JPEG")
    renamed = dict(ok, **{"gerai.png": out.getvalue()})
    assert any("Isi berkas adalah JPEG" in p for p in problems_of(renamed))
    huge = dict(ok, **{"gerai.png": png((4100, 10))})
    assert any("Gambar terlalu besar" in p for p in problems_of(huge))
    missing = files(**{"01_satu__md": module})
    assert any("Gambar gerai.png tidak ada di folder kursus." in p for p in problems_of(missing))
    other = dict(files(), **{"catatan.txt": b"x"})
    assert any("Hanya gambar PNG, JPEG atau WebP" in p for p in problems_of(other))


def test_every_problem_is_reported_at_once():
    data = files(
        **{"course__yaml": COURSE.replace(b"hours_jp: 2", b"hours_jp: dua"), "02_dua__md": None}
    )
    found = problems_of(data)
    assert len(found) >= 2


def test_read_folder_skips_hidden_files(tmp_path):
    (tmp_path / "course.yaml").write_bytes(COURSE)
    (tmp_path / ".DS_Store").write_bytes(b"x")
    assert set(read_folder(tmp_path)) == {"course.yaml"}
