"""A course folder as a zip file, and back.

`to_zip` is deterministic: entries sorted by name under one top folder named after the course,
fixed timestamps and permissions, so exporting the same version twice gives identical bytes.
`from_zip` accepts a zip with one top folder or with the files at its root and refuses anything
that could write outside the folder or exhaust the server; every problem is reported at once, in
Indonesian, as a CourseError.
"""

from __future__ import annotations

import io
import stat
import zipfile
from collections.abc import Mapping

from courses.model import CourseError, Problem

MAX_FILES = 200
MAX_TOTAL_BYTES = 20 * 1024 * 1024
MAX_ENTRIES = 1000  # files, folders and ignored entries together
# 1980-01-01 00:00:00, the earliest time a zip can hold: no clock in the archive.
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
ARCHIVE = "arsip zip"
# Left behind by file managers; never part of a course.
IGNORED_PARTS = ("__MACOSX", "Thumbs.db", "desktop.ini")


def to_zip(files: Mapping[str, bytes], slug: str) -> bytes:
    """The files as a zip, each under `slug/`; the same files always give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{slug}/{name}", date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the exporting machine
            info.external_attr = (stat.S_IFREG | 0o644) << 16
            archive.writestr(info, files[name], compresslevel=9)
    return buffer.getvalue()


def _ignored(parts: list[str]) -> bool:
    return any(part.startswith(".") or part in IGNORED_PARTS for part in parts)


def _unsafe(name: str) -> bool:
    if "\\" in name or "\0" in name or name.startswith("/"):
        return True
    first = name.split("/", 1)[0]
    if len(first) >= 2 and first[1] == ":":  # a Windows drive, C:...
        return True
    return any(part in ("..", ".") for part in name.split("/"))


def from_zip(data: bytes) -> tuple[str, dict[str, bytes]]:
    """(top folder or "", {relative path: bytes}) of a course zip; CourseError when unsafe.

    Hidden files and the litter of file managers (__MACOSX, .DS_Store, Thumbs.db) are skipped.
    """
    if len(data) > MAX_TOTAL_BYTES:
        raise CourseError([Problem(ARCHIVE, 0, "Berkas zip lebih dari 20 MB.")])
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise CourseError(
            [Problem(ARCHIVE, 0, "Berkas ini bukan zip yang utuh; buat ulang zip-nya.")]
        ) from exc
    with archive:
        return _read(archive)


def _read(archive: zipfile.ZipFile) -> tuple[str, dict[str, bytes]]:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise CourseError([Problem(ARCHIVE, 0, f"Zip berisi lebih dari {MAX_ENTRIES} entri.")])
    problems: list[Problem] = []
    wanted: list[zipfile.ZipInfo] = []
    seen: set[str] = set()
    for info in entries:
        name = info.filename
        if _unsafe(name):
            problems.append(
                Problem(name, 0, "Nama berkas tidak sah: keluar dari folder kursus atau mutlak.")
            )
            continue
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(Problem(name, 0, "Tautan simbolik (symlink) tidak diterima."))
            continue
        if info.is_dir() or _ignored(name.split("/")):
            continue
        if info.flag_bits & 0x1:
            problems.append(Problem(name, 0, "Berkas terenkripsi (berkata sandi) tidak diterima."))
            continue
        if name in seen:
            problems.append(Problem(name, 0, "Nama berkas ini muncul dua kali di zip."))
            continue
        seen.add(name)
        wanted.append(info)
    if len(wanted) > MAX_FILES:
        problems.append(
            Problem(ARCHIVE, 0, f"Zip berisi {len(wanted)} berkas; maksimal {MAX_FILES}.")
        )
    declared = sum(info.file_size for info in wanted)
    if declared > MAX_TOTAL_BYTES:
        problems.append(Problem(ARCHIVE, 0, "Isi zip lebih dari 20 MB setelah dibuka."))
    if problems:
        raise CourseError(problems)
    if not wanted:
        raise CourseError([Problem(ARCHIVE, 0, "Zip ini kosong: tidak ada berkas kursus.")])

    files: dict[str, bytes] = {}
    total = 0
    for info in wanted:
        try:
            with archive.open(info) as handle:
                # Never trust the declared size: read at most what is still allowed.
                content = handle.read(MAX_TOTAL_BYTES - total + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
            raise CourseError(
                [
                    Problem(
                        info.filename, 0, "Berkas ini di dalam zip rusak atau tidak dapat dibuka."
                    )
                ]
            ) from exc
        total += len(content)
        if total > MAX_TOTAL_BYTES:
            raise CourseError([Problem(ARCHIVE, 0, "Isi zip lebih dari 20 MB setelah dibuka.")])
        files[info.filename] = content

    top = ""
    firsts = {name.split("/", 1)[0] for name in files}
    if len(firsts) == 1 and all("/" in name for name in files):
        top = firsts.pop()
        files = {name.split("/", 1)[1]: content for name, content in files.items()}
    return top, dict(sorted(files.items()))
