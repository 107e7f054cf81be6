"""course.yaml writing: the layout of the content guide, exact values, minimal edits."""

from __future__ import annotations

import yaml
from hypothesis import given
from hypothesis import strategies as st

from courses.loader import load_course
from lms.authoring.services import clean_line, dump_meta, starter_files, update_meta

text = st.text(min_size=1, max_size=300).map(clean_line).filter(bool)


def test_a_starter_course_is_valid_as_it_is():
    course = load_course(starter_files("koperasi-sehat", "Koperasi Sehat"))
    assert course.title == "Koperasi Sehat" and len(course.modules) == 1


def test_course_yaml_follows_the_content_guide():
    meta = {
        "slug": "uji",
        "title": "Judul: dengan titik dua",
        "summary": "Kalimat satu. " * 20,
        "audience": ["ketua", "bendahara"],
        "hours_jp": 4,
        "modules": ["01-satu.md"],
        "completion": {"modules": "all"},
        "sources": ["UU No. 25 Tahun 1992 # bukan komentar"],
    }
    meta["summary"] = meta["summary"].strip()
    data = dump_meta(meta).decode()
    assert data.startswith('slug: uji\ntitle: "Judul: dengan titik dua"\nsummary: >-\n  Kalimat')
    assert "audience: [ketua, bendahara]\n" in data and "  - 01-satu.md\n" in data
    assert max(len(line) for line in data.splitlines()) <= 100
    assert yaml.safe_load(data) == meta


@given(title=text, summary=text, sources=st.lists(text, max_size=4))
def test_whatever_is_typed_reads_back_exactly(title, summary, sources):
    meta = {"slug": "uji", "title": title, "summary": summary, "sources": sources}
    assert yaml.safe_load(dump_meta(meta)) == meta
    original = b"# catatan penulis\nslug: uji\ntitle: Lama\nsummary: Lama\n"
    updated = update_meta(original, yaml.safe_load(original), {"title": title, "sources": sources})
    assert yaml.safe_load(updated) == {
        "slug": "uji",
        "title": title,
        "summary": "Lama",
        "sources": sources,
    }
    assert updated.startswith(b"# catatan penulis\nslug: uji\n")
