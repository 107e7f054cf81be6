"""Plain data of a course as loaded from its folder."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quizzes.quiz import Quiz

JABATAN = (
    "ketua",
    "wakil_ketua",
    "sekretaris",
    "bendahara",
    "pengawas",
    "manajer",
    "anggota",
    "pendamping",
)
CALLOUTS = {"catatan": "Catatan", "contoh": "Contoh", "perhatian": "Perhatian"}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a course folder, with the file and line it is on."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class CourseError(ValueError):
    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Module:
    slug: str
    file: str
    title: str
    summary: str
    minutes: int
    key_terms: tuple[str, ...]
    istilah: dict[str, str]
    body: str
    # Line of the body's first line in the file (for messages about the Markdown).
    body_line: int = 1


@dataclass(frozen=True)
class Completion:
    # None: every module; otherwise the number of modules that must be done.
    modules: int | None = None


@dataclass(frozen=True)
class Course:
    slug: str
    title: str
    summary: str
    audience: tuple[str, ...]
    hours_jp: int
    modules: tuple[Module, ...]
    completion: Completion
    sources: tuple[str, ...]
    version: str
    files: dict[str, bytes] = field(repr=False, compare=False, default_factory=dict)
    quizzes: tuple[Quiz, ...] = field(repr=False, compare=False, default=())

    @property
    def minutes(self) -> int:
        return sum(m.minutes for m in self.modules)

    def glossary(self) -> dict[str, tuple[str, str]]:
        """term -> (module slug, definition)."""
        terms: dict[str, tuple[str, str]] = {}
        for module in self.modules:
            for term, definition in module.istilah.items():
                terms.setdefault(term, (module.slug, definition))
        return terms
