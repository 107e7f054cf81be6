"""Every quiz shipped with the courses loads, and its own key earns full marks.

The files are found when the tests run, so quizzes added later are checked too.
"""

from __future__ import annotations

from collections import Counter
from functools import cache
from pathlib import Path

import pytest
import yaml

from quizzes.loader import QuizError, load_quiz, quiz_slug, read_answers
from quizzes.quiz import Quiz, grade_quiz

CONTENT = Path(__file__).resolve().parents[2] / "courses" / "content"
FILES = sorted(CONTENT.glob("*/kuis/*.yaml"))


@cache
def load(path: Path) -> Quiz:
    try:
        return load_quiz(path.read_bytes(), path.name)
    except QuizError as error:
        pytest.fail(f"{path.relative_to(CONTENT)} does not load:\n{error}")


@pytest.mark.parametrize("path", FILES, ids=[str(p.relative_to(CONTENT)) for p in FILES])
def test_a_shipped_quiz_loads_and_its_key_earns_full_marks(path: Path):
    quiz = load(path)
    assert quiz.slug == quiz_slug(path.name)
    assert quiz.questions
    key = quiz.key()
    report = grade_quiz(quiz, key)
    assert report["persen"] == 100, [
        (item["id"], item["umpan_balik"])
        for item in report["soal"]
        if item["skor"] != item["bobot"]
    ]
    # The key survives the trip through an answers file, as `lms quizzes key` writes it.
    written = yaml.safe_dump(key, allow_unicode=True, sort_keys=False)
    assert grade_quiz(quiz, read_answers(written))["persen"] == 100


def test_quiz_slugs_are_unique_in_each_course():
    by_course: dict[str, list[str | None]] = {}
    for path in FILES:
        by_course.setdefault(path.parent.parent.name, []).append(quiz_slug(path.name))
    for course, slugs in by_course.items():
        assert len(slugs) == len(set(slugs)), f"{course}: two quiz files give the same slug"


def _kinds(course: str) -> Counter[str]:
    kinds: Counter[str] = Counter()
    for path in sorted((CONTENT / course / "kuis").glob("*.yaml")):
        kinds.update(q.kind for q in load(path).questions)
    return kinds


def test_the_courses_ship_enough_questions():
    """Content target; expected to fail while the quizzes are still being written."""
    pembukuan = _kinds("pembukuan")
    assert pembukuan["jurnal"] >= 10, (
        f"CONTENT INCOMPLETE: pembukuan has {pembukuan['jurnal']} jurnal questions, wants >= 10"
    )
    assert pembukuan["laporan"] >= 2, (
        f"CONTENT INCOMPLETE: pembukuan has {pembukuan['laporan']} laporan questions, wants >= 2"
    )
    assert pembukuan["shu"] >= 2, (
        f"CONTENT INCOMPLETE: pembukuan has {pembukuan['shu']} shu questions, wants >= 2"
    )
    for course in ("tata-kelola", "digitalisasi"):
        count = sum(_kinds(course).values())
        assert count >= 10, f"CONTENT INCOMPLETE: {course} has {count} quiz questions, wants >= 10"
