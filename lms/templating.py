"""Jinja2 environment, filters and the page/block renderer.

One template per page; an htmx request names the block it needs and only that block is rendered.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from lms import i18n
from lms.accounts.identifiers import display_phone
from lms.accounts.services import jabatan_label, role_label
from lms.accounts.sessions import CSRF_FIELD, csrf_token
from lms.config import PROJECT_ROOT, get_settings

LMS_DIR = Path(__file__).resolve().parent
STATIC_DIR = PROJECT_ROOT / "static"


def _template_dirs() -> list[Path]:
    dirs = [LMS_DIR / "templates"]
    dirs += sorted(p for p in LMS_DIR.glob("*/templates") if p.is_dir())
    return dirs


@lru_cache(maxsize=256)
def _static_version(path: str) -> str:
    file = STATIC_DIR / path
    return hashlib.sha256(file.read_bytes()).hexdigest()[:10] if file.is_file() else "0"


def static_url(path: str) -> str:
    """URL of a static file with a content hash, so it can be cached for a year."""
    return f"/static/{path}?v={_static_version(path)}"


def csrf_input(request: Request) -> str:
    from markupsafe import Markup, escape

    token = csrf_token(get_settings(), request.state.csrf_nonce)
    # S704: the only interpolated value is escaped.
    return Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">')  # noqa: S704


def csrf_value(request: Request) -> str:
    return csrf_token(get_settings(), request.state.csrf_nonce)


def _status_label(status: str | None) -> str:
    from lms.cohorts.services import status_label

    return status_label(status)


@lru_cache
def environment() -> Environment:
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(str(d)) for d in _template_dirs()]),
        autoescape=select_autoescape(["html", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=get_settings().env == "dev",
    )
    env.install_gettext_callables(i18n.gettext, i18n.ngettext, newstyle=True)  # type: ignore[attr-defined]
    env.globals.update(
        static_url=static_url,
        csrf_input=csrf_input,
        csrf_value=csrf_value,
        role_label=role_label,
        jabatan_label=jabatan_label,
        status_label=_status_label,
        get_locale=i18n.get_locale,
        locale_names=i18n.LOCALE_NAMES,
    )
    env.filters.update(
        rupiah=i18n.format_rupiah,
        nominal=i18n.format_nominal,
        tanggal=i18n.format_date,
        waktu=i18n.format_datetime,
        jam=i18n.format_time,
        jam_sesi=i18n.format_time_range,
        hari=i18n.format_day,
        angka=i18n.format_number,
        phone=display_phone,
    )
    # Form and pager macros are globals, so they also work when only one block is rendered.
    macros = env.get_template("_macros.html").module
    env.globals.update(field=macros.field, pager=macros.pager)  # type: ignore[attr-defined]
    return env


def is_htmx(request: Request) -> bool:
    return (
        request.headers.get("hx-request") == "true"
        and request.headers.get("hx-history-restore-request") != "true"
    )


def render(
    request: Request,
    template_name: str,
    context: dict[str, Any] | None = None,
    *,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render a page, or only `block` of it when htmx asked for a part of the page."""
    template = environment().get_template(template_name)
    ctx: dict[str, Any] = {
        "request": request,
        "user": getattr(request.state, "user", None),
        **(context or {}),
    }
    if block is not None and is_htmx(request):
        body = "".join(template.blocks[block](template.new_context(ctx)))
    else:
        body = template.render(ctx)
    response = HTMLResponse(body, status_code=status_code, headers=headers)
    response.headers["Vary"] = "HX-Request, Cookie"
    return response
