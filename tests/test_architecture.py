"""The pure libraries never import the web layer, SQLAlchemy or FastAPI."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Jinja is allowed: the certificate template language (certificates/template.py, sandboxed).
FORBIDDEN = {"lms", "fastapi", "starlette", "sqlalchemy", "alembic"}


@pytest.mark.parametrize("library", ["courses", "quizzes", "certificates"])
def test_libraries_are_pure(library):
    files = list((ROOT / library).rglob("*.py"))
    assert files, f"{library}/ is missing"
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                assert name.split(".")[0] not in FORBIDDEN, (
                    f"{path.relative_to(ROOT)} imports {name}"
                )
