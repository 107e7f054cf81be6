from __future__ import annotations

import io
import stat
import zipfile

import pytest

from courses import bundle
from courses.loader import read_folder, version_of
from courses.model import CourseError
from lms.learning.services import LIBRARY


def make_zip(entries: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.create_system = 3
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def problems(data: bytes) -> str:
    with pytest.raises(CourseError) as caught:
        bundle.from_zip(data)
    return "\n".join(str(p) for p in caught.value.problems)


def test_a_library_course_makes_the_round_trip_exactly():
    files = read_folder(LIBRARY / "pembukuan")
    data = bundle.to_zip(files, "pembukuan")
    top, back = bundle.from_zip(data)
    assert top == "pembukuan"
    assert back == files
    assert version_of(back) == version_of(files)


def test_export_is_deterministic_and_sorted_under_one_folder():
    files = {"course.yaml": b"slug: x\n", "b.md": b"b", "a.png": b"\x89PNG"}
    first = bundle.to_zip(files, "x")
    assert first == bundle.to_zip(dict(reversed(list(files.items()))), "x")
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert archive.namelist() == ["x/a.png", "x/b.md", "x/course.yaml"]
        assert {i.date_time for i in archive.infolist()} == {bundle.FIXED_TIME}


def test_files_at_the_root_are_accepted_and_litter_is_skipped():
    data = make_zip(
        {
            "course.yaml": b"slug: x\n",
            "01-a.md": b"---\n",
            "__MACOSX/._01-a.md": b"junk",
            ".DS_Store": b"junk",
            "gambar/": b"",
        }
    )
    top, files = bundle.from_zip(data)
    assert top == ""
    assert files == {"01-a.md": b"---\n", "course.yaml": b"slug: x\n"}


@pytest.mark.parametrize(
    "name", ["../evil.md", "x/../../evil.md", "/etc/cron.d/evil", "C:/evil.md", "x\\..\\evil.md"]
)
def test_path_traversal_and_absolute_paths_are_refused(name):
    text = problems(make_zip({"x/course.yaml": b"slug: x\n", name: b"evil"}))
    assert "Nama berkas tidak sah" in text


def test_symlinks_are_refused():
    text = problems(make_zip({"x/course.yaml": b"slug: x\n"}, symlink="x/link.md"))
    assert "symlink" in text


def test_too_many_files_are_refused():
    entries = {f"x/{n:03d}.md": b"-" for n in range(bundle.MAX_FILES + 1)}
    assert "maksimal 200" in problems(make_zip(entries))


def test_too_large_contents_are_refused(monkeypatch):
    monkeypatch.setattr(bundle, "MAX_TOTAL_BYTES", 1000)
    data = make_zip({"x/course.yaml": b"a" * 600, "x/01-a.md": b"b" * 600})
    assert "lebih dari 20 MB" in problems(data)


def test_a_declared_size_that_lies_does_not_get_past_the_limit(monkeypatch):
    data = bytearray(make_zip({"x/course.yaml": b"a" * 5000}))
    monkeypatch.setattr(bundle, "MAX_TOTAL_BYTES", 4000)
    # Shrink the declared size in the central directory; the real content is bigger.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    with pytest.raises(CourseError):
        bundle.from_zip(bytes(data))


def test_not_a_zip_and_an_empty_zip_get_clear_messages():
    assert "bukan zip" in problems(b"this is text, not a zip")
    assert "kosong" in problems(make_zip({}))
