"""Loading and validating a course folder.

Works on a mapping of relative paths to bytes, so the same checks serve a folder on disk, a zip
upload and the drafts a narasumber edits in the browser. Every problem is reported with its file
and line, all at once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from courses.images import ImageProblem, check_image
from courses.model import (
    IMAGE_SUFFIXES,
    JABATAN,
    Completion,
    Course,
    CourseError,
    Module,
    Problem,
)

if TYPE_CHECKING:
    from quizzes.quiz import Quiz

COURSE_FILE = "course.yaml"
QUIZ_FOLDER = "kuis/"
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MODULE_FILE_RE = re.compile(r"^(?:\d+-)?([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")
GLOSSARY_RE = re.compile(r"\[\[([^\[\]\n]{1,80})\]\]")
IMAGE_RE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)>?")
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_FILES = 200


def read_folder(path: Path) -> dict[str, bytes]:
    """All regular files below `path`, keyed by their relative POSIX path."""
    files: dict[str, bytes] = {}
    for file in sorted(path.rglob("*")):
        if file.is_file() and not any(
            part.startswith(".") for part in file.relative_to(path).parts
        ):
            files[file.relative_to(path).as_posix()] = file.read_bytes()
    return files


def version_of(files: Mapping[str, bytes]) -> str:
    """Content hash of a course: the same files give the same version, byte for byte."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode())
        digest.update(b"\0")
        digest.update(hashlib.sha256(files[name]).digest())
    return digest.hexdigest()[:16]


def _yaml(text: str, file: str, first_line: int, problems: list[Problem]) -> Any:
    import yaml  # here, not at the top: web workers that only serve pages never need it

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark is not None else 0)
        reason = getattr(exc, "problem", None) or "YAML tidak dapat dibaca"
        problems.append(Problem(file, line, f"YAML tidak sah: {reason}"))
        return None


def _key_line(text: str, key: str, first_line: int) -> int:
    match = re.search(rf"^{re.escape(key)}\s*:", text, re.M)
    return first_line + text[: match.start()].count("\n") if match else first_line


def _entry_line(text: str, entry: str, fallback: int) -> int:
    """Line of a list item such as `  - 02-dua.md` in a YAML text."""
    match = re.search(rf"^\s*-\s*['\"]?{re.escape(entry)}['\"]?\s*$", text, re.M)
    return 1 + text[: match.start()].count("\n") if match else fallback


def _whole(value: Any, low: int, high: int) -> TypeGuard[int]:
    """A whole number (not a bool) from low to high."""
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _strings(value: Any) -> TypeGuard[list[str]]:
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _parse_module(file: str, raw: bytes, problems: list[Problem]) -> Module | None:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        problems.append(Problem(file, 1, "Berkas bukan teks UTF-8."))
        return None
    text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        problems.append(
            Problem(file, 1, "Modul harus diawali front matter YAML di antara dua baris ---.")
        )
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(Problem(file, 1, "Front matter tidak ditutup dengan baris ---."))
        return None
    front_text = "\n".join(lines[1:end])
    before = len(problems)
    meta = _yaml(front_text, file, 2, problems)
    if len(problems) > before:
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(file, 2, "Front matter harus berisi pasangan kunci: nilai."))
        return None

    def where(key: str) -> int:
        return _key_line(front_text, key, 2)

    title = _text(meta.get("title"))
    if title is None:
        problems.append(Problem(file, where("title"), "Kolom title wajib diisi (judul modul)."))
    summary = _text(meta.get("summary"))
    if summary is None:
        problems.append(
            Problem(file, where("summary"), "Kolom summary wajib diisi (satu kalimat).")
        )
    minutes = meta.get("minutes")
    if not _whole(minutes, 1, 600):
        problems.append(
            Problem(file, where("minutes"), "Kolom minutes harus bilangan bulat menit (1-600).")
        )
        minutes = 0
    key_terms = meta.get("key_terms", [])
    if not _strings(key_terms):
        problems.append(Problem(file, where("key_terms"), "Kolom key_terms harus daftar istilah."))
        key_terms = []
    istilah = meta.get("istilah", {}) or {}
    if not isinstance(istilah, dict) or not all(
        isinstance(k, str) and isinstance(v, str) and v.strip() for k, v in istilah.items()
    ):
        problems.append(
            Problem(
                file, where("istilah"), "Kolom istilah harus berisi pasangan istilah: definisi."
            )
        )
        istilah = {}
    body = "\n".join(lines[end + 1 :])
    body_line = end + 2
    from markdown_it import MarkdownIt

    for token in MarkdownIt("commonmark", {"html": True}).parse(body):
        found = token.type in ("html_block", "html_inline") or any(
            child.type == "html_inline" for child in token.children or []
        )
        if found:
            line = body_line + (token.map[0] if token.map else 0)
            problems.append(
                Problem(file, line, "HTML tidak diizinkan di modul: tulis dengan Markdown saja.")
            )
            break
    match = MODULE_FILE_RE.match(file.rsplit("/", 1)[-1])
    slug = match.group(1) if match else file.removesuffix(".md")
    if title is None or summary is None:
        return None
    return Module(
        slug=slug,
        file=file,
        title=title,
        summary=summary,
        minutes=minutes,
        key_terms=tuple(key_terms),
        istilah={k.strip(): " ".join(v.split()) for k, v in istilah.items()},
        body=body,
        body_line=body_line,
    )


def _line_of(body: str, offset: int, body_line: int) -> int:
    return body_line + body[:offset].count("\n")


def load_course(
    files: Mapping[str, bytes], *, known_terms: Iterable[str] = (), folder: str | None = None
) -> Course:
    """Validate a course's files and return the Course, or raise CourseError with every problem.

    `known_terms` are glossary terms defined elsewhere in the library that [[links]] may use.
    """
    problems: list[Problem] = []
    if len(files) > MAX_FILES:
        problems.append(Problem(COURSE_FILE, 1, f"Terlalu banyak berkas (maksimal {MAX_FILES})."))
    for name, data in files.items():
        if len(data) > MAX_FILE_BYTES:
            problems.append(Problem(name, 1, "Berkas lebih dari 2 MB."))
        if name.startswith("/") or ".." in name.split("/"):
            problems.append(Problem(name, 1, "Nama berkas tidak sah."))
    raw = files.get(COURSE_FILE)
    if raw is None:
        raise CourseError([Problem(COURSE_FILE, 1, "Berkas course.yaml tidak ada.")])
    text = raw.decode("utf-8", errors="replace").replace("\r\n", "\n")
    meta = _yaml(text, COURSE_FILE, 1, problems)
    if meta is None and problems:
        raise CourseError(problems)
    if not isinstance(meta, dict):
        raise CourseError(
            [Problem(COURSE_FILE, 1, "course.yaml harus berisi pasangan kunci: nilai.")]
        )

    def where(key: str) -> int:
        return _key_line(text, key, 1)

    slug = meta.get("slug")
    if not isinstance(slug, str) or not SLUG_RE.match(slug):
        problems.append(
            Problem(COURSE_FILE, where("slug"), "slug harus huruf kecil, angka dan tanda hubung.")
        )
        slug = ""
    elif folder is not None and slug != folder:
        problems.append(
            Problem(
                COURSE_FILE,
                where("slug"),
                f"slug {slug!r} harus sama dengan nama folder {folder!r}.",
            )
        )
    title = _text(meta.get("title"))
    if title is None:
        problems.append(Problem(COURSE_FILE, where("title"), "title wajib diisi (judul kursus)."))
    summary = _text(meta.get("summary"))
    if summary is None:
        problems.append(Problem(COURSE_FILE, where("summary"), "summary wajib diisi."))
    audience = meta.get("audience", [])
    if not isinstance(audience, list) or not audience:
        problems.append(Problem(COURSE_FILE, where("audience"), "audience harus daftar jabatan."))
        audience = []
    for item in audience:
        if item not in JABATAN:
            problems.append(
                Problem(
                    COURSE_FILE,
                    where("audience"),
                    f"Jabatan {item!r} tidak dikenal; pilih dari: {', '.join(JABATAN)}.",
                )
            )
    hours = meta.get("hours_jp")
    if not _whole(hours, 1, 200):
        problems.append(
            Problem(COURSE_FILE, where("hours_jp"), "hours_jp harus bilangan bulat JP (1-200).")
        )
        hours = 0
    sources = meta.get("sources", [])
    if not _strings(sources):
        problems.append(Problem(COURSE_FILE, where("sources"), "sources harus daftar sumber."))
        sources = []
    completion = Completion()
    rule = meta.get("completion", {"modules": "all"})
    wanted = rule.get("modules", "all") if isinstance(rule, dict) else None

    module_files = meta.get("modules")
    modules: list[Module] = []
    if not isinstance(module_files, list) or not module_files:
        problems.append(
            Problem(COURSE_FILE, where("modules"), "modules harus daftar berkas modul (.md).")
        )
        module_files = []
    seen_files: set[str] = set()
    seen_slugs: dict[str, str] = {}
    for entry in module_files:
        if not isinstance(entry, str) or not entry.endswith(".md"):
            problems.append(
                Problem(COURSE_FILE, where("modules"), f"{entry!r} bukan nama berkas .md.")
            )
            continue
        line = _entry_line(text, entry, where("modules"))
        if entry in seen_files:
            problems.append(Problem(COURSE_FILE, line, f"Modul {entry} disebut dua kali."))
            continue
        seen_files.add(entry)
        if entry not in files:
            problems.append(Problem(COURSE_FILE, line, f"Berkas modul {entry} tidak ada."))
            continue
        module = _parse_module(entry, files[entry], problems)
        if module is None:
            continue
        if module.slug in seen_slugs:
            problems.append(
                Problem(
                    entry, 1, f"Slug modul {module.slug!r} sama dengan {seen_slugs[module.slug]}."
                )
            )
        seen_slugs[module.slug] = entry
        modules.append(module)
    for name in files:
        if name.endswith(".md") and name not in seen_files:
            problems.append(
                Problem(name, 1, "Berkas modul ini tidak disebut di modules pada course.yaml.")
            )

    if wanted == "all":
        completion = Completion(None)
    elif _whole(wanted, 1, max(1, len(module_files))):
        completion = Completion(wanted)
    else:
        problems.append(
            Problem(
                COURSE_FILE,
                where("completion"),
                "completion.modules harus 'all' atau jumlah modul.",
            )
        )

    # Glossary links and images referenced from the Markdown.
    defined = set(known_terms)
    for module in modules:
        defined.update(module.istilah)
    lowered = {t.lower() for t in defined}
    for module in modules:
        for match in GLOSSARY_RE.finditer(module.body):
            if match.group(1).strip().lower() not in lowered:
                problems.append(
                    Problem(
                        module.file,
                        _line_of(module.body, match.start(), module.body_line),
                        f"Istilah [[{match.group(1)}]] belum didefinisikan "
                        "di istilah modul mana pun.",
                    )
                )
        for match in IMAGE_RE.finditer(module.body):
            target = match.group(1)
            line = _line_of(module.body, match.start(), module.body_line)
            if re.match(r"^[a-z]+:", target):
                problems.append(
                    Problem(
                        module.file, line, "Gambar harus berkas di folder kursus, bukan alamat web."
                    )
                )
            elif target not in files:
                problems.append(
                    Problem(module.file, line, f"Gambar {target} tidak ada di folder kursus.")
                )
    quizzes = _quizzes(files, {m.slug for m in modules}, problems)
    for name, data in files.items():
        if name == COURSE_FILE or name.endswith(".md") or name.startswith(QUIZ_FOLDER):
            continue
        if not name.lower().endswith(IMAGE_SUFFIXES):
            problems.append(
                Problem(
                    name, 1, "Hanya gambar PNG, JPEG atau WebP yang boleh ada di folder kursus."
                )
            )
            continue
        try:
            check_image(name, data)
        except ImageProblem as exc:
            problems.append(Problem(name, 1, str(exc)))

    if problems:
        raise CourseError(
            sorted(set(problems), key=lambda p: (p.file != COURSE_FILE, p.file, p.line))
        )
    assert title is not None and summary is not None
    return Course(
        slug=slug,
        title=title,
        summary=summary,
        audience=tuple(audience),
        hours_jp=hours,
        modules=tuple(modules),
        completion=completion,
        sources=tuple(sources),
        version=version_of(files),
        files=dict(files),
        quizzes=tuple(quizzes),
    )


def _quizzes(files: Mapping[str, bytes], modules: set[str], problems: list[Problem]) -> list[Quiz]:
    """The course's quizzes (kuis/*.yaml) in file-name order, checked with the ledger engine."""
    from quizzes.loader import QuizError, load_quiz  # only when a course is checked

    quizzes: list[Quiz] = []
    slugs: dict[str, str] = {}
    for name in sorted(files):
        if not name.startswith(QUIZ_FOLDER):
            continue
        if "/" in name.removeprefix(QUIZ_FOLDER) or not name.endswith(".yaml"):
            problems.append(Problem(name, 1, "Folder kuis/ hanya berisi berkas kuis .yaml."))
            continue
        try:
            quiz = load_quiz(files[name], name)
        except QuizError as exc:
            problems.extend(Problem(p.file, p.line, p.message) for p in exc.problems)
            continue
        if quiz.slug in slugs:
            problems.append(
                Problem(name, 1, f"Slug kuis {quiz.slug} sudah dipakai {slugs[quiz.slug]}.")
            )
            continue
        slugs[quiz.slug] = name
        if quiz.module is not None and quiz.module not in modules:
            problems.append(Problem(name, 1, f"Modul {quiz.module} tidak ada di kursus ini."))
            continue
        quizzes.append(quiz)
    return quizzes


def load_library(root: Path) -> tuple[list[Course], list[Problem]]:
    """Every course folder below `root`; problems of all of them, and duplicate slugs."""
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / COURSE_FILE).exists())
    contents = {folder.name: read_folder(folder) for folder in folders}
    terms: set[str] = set()
    for files in contents.values():
        terms.update(_istilah_terms(files))
    courses: list[Course] = []
    problems: list[Problem] = []
    slugs: dict[str, str] = {}
    for name, files in contents.items():
        try:
            course = load_course(files, known_terms=terms, folder=name)
        except CourseError as exc:
            problems.extend(Problem(f"{name}/{p.file}", p.line, p.message) for p in exc.problems)
            continue
        if course.slug in slugs:
            problems.append(
                Problem(
                    f"{name}/{COURSE_FILE}",
                    1,
                    f"slug {course.slug!r} sudah dipakai {slugs[course.slug]}.",
                )
            )
            continue
        slugs[course.slug] = name
        courses.append(course)
    return courses, problems


def _istilah_terms(files: Mapping[str, bytes]) -> set[str]:
    """Terms defined anywhere in a course's modules, read leniently (for cross-course links)."""
    terms: set[str] = set()
    for name, data in files.items():
        if not name.endswith(".md"):
            continue
        problems: list[Problem] = []
        module = _parse_module(name, data, problems)
        if module is not None:
            terms.update(module.istilah)
    return terms
