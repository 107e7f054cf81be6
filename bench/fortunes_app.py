"""The LMS app plus a Fortunes-style baseline page, for bench/module_page.py only.

Served as `python -m uvicorn --factory bench.fortunes_app:build_app` (importing this module builds
nothing, so bench/module_page.py can read its paths): the same create_app(), middleware stack,
render() helper and base layout as the real pages, plus GET /bench/fortunes, which runs ONE query
of a small table (the first 12 of the 38 provinces by name, through the parent_code index;
`level = 1` would scan all 91,599 regions) and renders a small template, and the same page behind
the login (GET /bench/fortunes-user). Nothing here is part of the product.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from jinja2 import ChoiceLoader, FileSystemLoader
from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.app import create_app
from lms.deps import CurrentUser, SessionDep
from lms.regions.models import Region
from lms.runtime import tune_process
from lms.templating import environment, render

TEMPLATES = Path(__file__).resolve().parent / "templates"
FORTUNES_PATH = "/bench/fortunes"
# The same page behind the login (CurrentUser): tells the cost of being logged in apart.
FORTUNES_USER_PATH = "/bench/fortunes-user"


def _provinces(session: Session) -> list[Any]:
    return list(
        session.execute(
            select(Region.code, Region.name)
            .where(Region.parent_code.is_(None))
            .order_by(Region.name)
            .limit(12)
        ).all()
    )


def fortunes(request: Request, session: SessionDep) -> Response:
    return render(request, "bench/fortunes.html", {"rows": _provinces(session)})


def fortunes_user(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return render(request, "bench/fortunes.html", {"rows": _provinces(session)})


def build_app() -> FastAPI:
    tune_process()  # as lms/asgi.py does for the real worker
    env = environment()
    assert env.loader is not None
    env.loader = ChoiceLoader([env.loader, FileSystemLoader(str(TEMPLATES))])
    application = create_app()
    # A plain sync endpoint like the real pages: it runs in the same thread pool.
    application.add_api_route(FORTUNES_PATH, fortunes, methods=["GET"])
    application.add_api_route(FORTUNES_USER_PATH, fortunes_user, methods=["GET"])
    return application
