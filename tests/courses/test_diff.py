from __future__ import annotations

import difflib

from courses.diff import diff_files

OLD = b"slug: x\ntitle: Lama\nmodules:\n  - 01-a.md\n  - 02-b.md\n"
NEW = b"slug: x\ntitle: Baru\nmodules:\n  - 02-b.md\n  - 01-a.md\n"


def test_same_files_have_no_diff():
    assert diff_files({"course.yaml": OLD}, {"course.yaml": OLD}) == []


def test_added_removed_and_changed_files_course_yaml_first():
    old = {"course.yaml": OLD, "01-a.md": b"a\n", "lama.png": b"\x89PNG1"}
    new = {"course.yaml": NEW, "01-a.md": b"a\n", "02-b.md": b"b\n", "baru.png": b"\x89PNG2"}
    diffs = diff_files(old, new)
    assert [(d.path, d.status, d.binary) for d in diffs] == [
        ("course.yaml", "changed", False),
        ("02-b.md", "added", False),
        ("baru.png", "added", True),
        ("lama.png", "removed", True),
    ]
    assert diffs[0].added == 2 and diffs[0].removed == 2


def test_text_diff_is_a_unified_diff_with_line_numbers():
    (diff,) = diff_files({"course.yaml": OLD}, {"course.yaml": NEW})
    expected = list(
        difflib.unified_diff(OLD.decode().splitlines(), NEW.decode().splitlines(), lineterm="")
    )[2:]
    assert diff.unified() == expected
    changed = [line for line in diff.lines if line.kind == "add"]
    assert changed[0].text == "title: Baru" and changed[0].new == 2
    assert diff.summary == "berkas berubah: +2 −2 baris"


def test_a_changed_image_just_says_so():
    (diff,) = diff_files({"peta.png": b"\x89PNG-a"}, {"peta.png": b"\x89PNG-b"})
    assert diff.binary and diff.lines == () and diff.summary == "gambar berubah"


def test_long_diffs_are_cut_with_a_count():
    old = {"a.md": b"".join(b"%d\n" % n for n in range(1000))}
    new = {"a.md": b"".join(b"x%d\n" % n for n in range(1000))}
    (diff,) = diff_files(old, new, max_lines=100)
    assert len(diff.lines) == 100 and diff.truncated == 1901
