"""Buku latihan: scenario list, the practice ledger page, posting, reversal, reset, exports."""

from __future__ import annotations

import json
import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.db import begin_write
from lms.deps import CurrentUser, SessionDep
from lms.i18n import gettext as _
from lms.practice import services, views
from lms.practice.services import JournalForm
from lms.templating import is_htmx, render

router = APIRouter()


async def form_fields(request: Request) -> dict[str, str]:
    """Every text field of a posted form (the journal form has a variable number of rows)."""
    form = await request.form()
    return {key: value for key, value in form.items() if isinstance(value, str)}


FormFields = Annotated[dict[str, str], Depends(form_fields)]


@router.get("/latihan")
def practice_home(request: Request, session: SessionDep, user: CurrentUser) -> Response:
    return render(
        request,
        "practice/index.html",
        {
            "scenarios": list(services.scenarios().values()),
            "books": services.books_of(session, user),
            "error": None,
        },
    )


@router.post("/latihan")
def practice_open(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    skenario: Annotated[str, Form()] = "",
) -> Response:
    try:
        book = services.open_book(session, user, skenario)
    except ValueError as exc:
        session.rollback()
        return render(
            request,
            "practice/index.html",
            {
                "scenarios": list(services.scenarios().values()),
                "books": services.books_of(session, user),
                "error": str(exc),
            },
            status_code=400,
        )
    session.commit()
    return RedirectResponse(f"/latihan/{book.id}", status_code=303)


def _page(
    request: Request,
    session: Session,
    user: User,
    book_id: int,
    *,
    state: services.BookState | None = None,
    form: JournalForm | None = None,
    result: services.FormResult | None = None,
    reverse_error: tuple[int, str] | None = None,
    notice: str | None = None,
    block: str | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    if state is None:
        state = services.load_state(session, services.own_book(session, user, book_id))
    account = request.query_params.get("akun", "")
    context = views.book_context(state, form=form, result=result, account=account)
    context.update(reverse_error=reverse_error, notice=notice)
    return render(
        request,
        "practice/book.html",
        context,
        block=block,
        status_code=status_code,
        headers=headers,
    )


@router.get("/latihan/{book_id}")
def practice_book(
    request: Request, session: SessionDep, user: CurrentUser, book_id: int
) -> Response:
    block = "account_ledger" if request.headers.get("hx-target") == "buku-besar" else None
    number = request.query_params.get("dicatat", "")
    notice = _("Jurnal nomor %(n)s dicatat.") % {"n": number} if number.isdigit() else None
    return _page(request, session, user, book_id, block=block, notice=notice)


@router.post("/latihan/{book_id}/draf")
def practice_draft(
    request: Request, session: SessionDep, user: CurrentUser, book_id: int, fields: FormFields
) -> Response:
    """Keep what was typed; add or remove a row. Answers with the running totals (htmx)."""
    form = JournalForm.from_form(fields)
    action = fields.get("aksi", "")
    if action == "tambah":
        form.add_line()
    elif match := re.fullmatch(r"hapus-(\d+)", action):
        form.remove_line(int(match.group(1)))
    begin_write(session)
    book = services.own_book(session, user, book_id, lock=True)
    if fields.get("basis") == str(book.form_rev):
        rev = services.save_draft(session, book, form)
    else:  # typed into a form that was emptied since (posted in another tab, started over)
        rev = book.draft_rev
    session.commit()
    if not is_htmx(request):
        return RedirectResponse(f"/latihan/{book_id}#catat", status_code=303)
    chart = services.scenario_of(book).chart
    context = views.form_context(book, chart, form, None)
    block = "lines" if action else "totals"
    return render(
        request,
        "practice/book.html",
        context,
        block=block,
        headers={"HX-Trigger": json.dumps({"draftSaved": str(rev)})},
    )


@router.post("/latihan/{book_id}/jurnal")
def practice_post(
    request: Request, session: SessionDep, user: CurrentUser, book_id: int, fields: FormFields
) -> Response:
    form = JournalForm.from_form(fields)
    state, result = services.post(session, user, book_id, form)
    if result.entry is None:
        form.compact()
        services.save_draft(session, state.book, form)
        session.commit()
        return _page(
            request,
            session,
            user,
            book_id,
            state=state,
            form=form,
            result=result,
            block="workspace",
            status_code=400,
        )
    session.commit()
    number = state.mine[-1]
    if not is_htmx(request):
        return RedirectResponse(f"/latihan/{book_id}?dicatat={number}#catat", status_code=303)
    return _page(
        request,
        session,
        user,
        book_id,
        state=state,
        notice=_("Jurnal nomor %(n)s dicatat.") % {"n": number},
        block="workspace",
        headers={"HX-Trigger": json.dumps({"draftClear": views.draft_key(state.book)})},
    )


@router.post("/latihan/{book_id}/jurnal/{number}/balik")
def practice_reverse(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    book_id: int,
    number: int,
    alasan: Annotated[str, Form()] = "",
    tanggal: Annotated[str, Form()] = "",
) -> Response:
    state, error = services.reverse(session, user, book_id, number, tanggal, alasan[:200])
    if error:
        session.rollback()
        return _page(
            request,
            session,
            user,
            book_id,
            state=state,
            reverse_error=(number, error),
            block="workspace",
            status_code=400,
        )
    session.commit()
    if not is_htmx(request):
        return RedirectResponse(f"/latihan/{book_id}?dicatat={state.mine[-1]}#jurnal", 303)
    return _page(
        request,
        session,
        user,
        book_id,
        state=state,
        notice=_("Jurnal nomor %(n)s dibalik oleh jurnal nomor %(m)s.")
        % {"n": number, "m": state.mine[-1]},
        block="workspace",
    )


@router.post("/latihan/{book_id}/ulang")
def practice_reset(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    book_id: int,
    yakin: Annotated[str, Form()] = "",
) -> Response:
    if yakin != "ya":
        return _page(
            request,
            session,
            user,
            book_id,
            notice=_("Centang kotak persetujuan dulu untuk memulai ulang buku ini."),
            status_code=400,
        )
    services.start_over(session, user, book_id)
    session.commit()
    return RedirectResponse(f"/latihan/{book_id}?ulang=1", status_code=303)


def _download(session: Session, user: User, book_id: int, suffix: str) -> Response:
    state = services.load_state(session, services.own_book(session, user, book_id))
    if suffix == "xlsx":
        data = views.xlsx_bytes(state)
        media_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        from quizzes.ledger.export import to_beancount

        title = f"{state.scenario.koperasi}: {state.scenario.title}"
        data = to_beancount(state.ledger, title=title).encode()
        media_type = "text/plain; charset=utf-8"
    disposition = f'attachment; filename="{views.file_stem(state)}.{suffix}"'
    return Response(data, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get("/latihan/{book_id}/ekspor.xlsx")
def practice_xlsx(session: SessionDep, user: CurrentUser, book_id: int) -> Response:
    return _download(session, user, book_id, "xlsx")


@router.get("/latihan/{book_id}/ekspor.beancount")
def practice_beancount(session: SessionDep, user: CurrentUser, book_id: int) -> Response:
    return _download(session, user, book_id, "beancount")
