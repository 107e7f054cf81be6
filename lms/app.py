"""create_app(): middleware, error pages, routers and static files."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import Depends, FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import GZipMiddleware
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Send
from starlette.types import Scope as ASGIScope

from lms import i18n, runtime
from lms.accounts import sessions
from lms.config import Settings, get_settings
from lms.cookies import LANG_COOKIE, ONE_YEAR, set_csrf_cookie
from lms.db import Database, make_engine
from lms.deps import SAFE_METHODS, CSRFFailed, Forbidden, LoginRequired, login_url
from lms.templating import STATIC_DIR, environment, render

log = logging.getLogger("lms")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'; form-action 'self'"
)
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class CachedStatic(StaticFiles):
    """Static files; versioned URLs (?v=hash) are immutable for a year."""

    async def get_response(self, path: str, scope: ASGIScope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code != 200:
            return response
        if b"v=" in scope.get("query_string", b""):
            response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
        else:
            response.headers["Cache-Control"] = "public, max-age=300"
        return response


class BuiltOnFirstUse:
    """An ASGI app made on its first request. The JSON API's models and schema cost a worker
    most of a megabyte; a worker that never serves the API never pays it."""

    def __init__(self, build: Callable[[], ASGIApp]) -> None:
        self._build = build
        self._app: ASGIApp | None = None

    async def __call__(self, scope: ASGIScope, receive: Receive, send: Send) -> None:
        if self._app is None:
            self._app = self._build()
        await self._app(scope, receive, send)


def _json_api(database: Database, settings: Settings) -> ASGIApp:
    from lms.reports.api import create_api

    return create_api(database, settings)


async def csrf_protect(request: Request) -> None:
    """Every state-changing request carries the CSRF token (form field or htmx header)."""
    if request.method in SAFE_METHODS:
        return
    token = request.headers.get(sessions.CSRF_HEADER)
    if not token and request.headers.get("content-type", "").startswith(FORM_TYPES):
        form = await request.form()
        value = form.get(sessions.CSRF_FIELD)
        token = value if isinstance(value, str) else None
    if not sessions.csrf_valid(get_settings(), request.cookies.get(sessions.CSRF_COOKIE), token):
        raise CSRFFailed()


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    if database is None:
        database = Database(
            make_engine(
                settings.database_url, echo=settings.sql_echo, pool_size=settings.worker_threads
            )
        )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Fewer threads than AnyIO's 40: each may hold a database connection and page cache.
        to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        # Compile every template now: compiling the largest takes megabytes for a moment, and
        # several at once under the first load would lift the worker's peak memory.
        env = environment()
        for name in env.list_templates(filter_func=lambda n: n.endswith(".html")):
            env.get_template(name)
        runtime.trim(every=0)
        yield

    app = FastAPI(
        title="LMS Koperasi Merah Putih",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,  # the read API (and its schema) comes with the dashboard
        # No OpenTelemetry spans, metrics or log records per request: nothing here collects
        # them, and building them costs time and worker memory on every request.
        telemetry={"tracing": False, "metrics": False, "logs": False, "operation_spans": False},
        dependencies=[Depends(csrf_protect)],
    )
    app.state.db = database
    app.state.settings = settings

    @app.middleware("http")
    async def per_request(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        lang = request.cookies.get(LANG_COOKIE, settings.default_locale)
        i18n.set_locale(lang)
        request.state.user = None
        nonce = request.cookies.get(sessions.CSRF_COOKIE)
        new_nonce = None
        if not nonce or len(nonce) > 64:
            nonce = new_nonce = sessions.new_csrf_nonce()
        request.state.csrf_nonce = nonce
        response = await call_next(request)
        rotated = getattr(request.state, "rotated_csrf_nonce", None)
        if new_nonce and not rotated and not request.url.path.startswith(("/static/", "/api/")):
            set_csrf_cookie(response, settings, new_nonce)
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "geolocation=(), microphone=(), payment=()"
        headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if settings.https:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if "cache-control" not in headers:
            headers["Cache-Control"] = "no-store"
        runtime.trim()
        return response

    # Level 4: within 10 % of level 9's size for our pages at a fifth of the time.
    app.add_middleware(GZipMiddleware, minimum_size=500, compresslevel=4)
    _install_error_pages(app)

    from lms.accounts.privacy_routes import router as privacy_router
    from lms.accounts.routes import router as accounts_router
    from lms.assessment.routes import router as assessment_router
    from lms.audit.routes import router as audit_router
    from lms.authoring.routes import router as authoring_router
    from lms.cohorts.import_routes import router as cohort_import_router
    from lms.cohorts.routes import router as cohorts_router
    from lms.credentials.routes import router as credentials_router
    from lms.learning.routes import router as learning_router
    from lms.practice.routes import router as practice_router
    from lms.regions.routes import router as regions_router
    from lms.reports.export_routes import router as report_exports_router
    from lms.reports.routes import router as reports_router
    from lms.reports.token_routes import router as report_tokens_router

    app.include_router(accounts_router)
    app.include_router(privacy_router)
    app.include_router(regions_router)
    app.include_router(audit_router)
    app.include_router(learning_router)
    app.include_router(authoring_router)
    app.include_router(practice_router)
    app.include_router(assessment_router)
    app.include_router(cohort_import_router)
    app.include_router(cohorts_router)
    app.include_router(credentials_router)
    app.include_router(reports_router)
    app.include_router(report_exports_router)
    app.include_router(report_tokens_router)
    app.mount("/api/v1", BuiltOnFirstUse(lambda: _json_api(database, settings)))
    app.mount("/static", CachedStatic(directory=STATIC_DIR), name="static")
    return app


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request") == "true":
            return Response(status_code=401, headers={"HX-Redirect": login_url(exc.next_url)})
        return RedirectResponse(login_url(exc.next_url), status_code=303)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden) -> Response:
        return render(request, exc.template, status_code=403)

    @app.exception_handler(CSRFFailed)
    async def csrf_failed(request: Request, exc: CSRFFailed) -> Response:
        return render(request, "errors/csrf.html", status_code=403)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 404:
            return render(request, "errors/404.html", status_code=404)
        if exc.status_code == 403:
            return render(request, "errors/403.html", status_code=403)
        if exc.status_code == 405:
            return render(request, "errors/404.html", status_code=405)
        return render(
            request, "errors/500.html", {"status": exc.status_code}, status_code=exc.status_code
        )

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return render(request, "errors/400.html", status_code=400)

    @app.exception_handler(Exception)
    async def server_error(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return render(request, "errors/500.html", {"status": 500}, status_code=500)
