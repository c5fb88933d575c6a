"""The payments pages (到款, issue #18), finance's own: a bank statement is uploaded (streamed to disk, kept for
an hour, web/finance_uploads.py) and shown line by line as the import's own parser reads it, with each bad line's
problem by its line number, before anything is stored; the import button imports exactly that file and shows the
report. Then the queue of bank lines no order has taken, each with a form to match it to an order, and a line
found by its reference with the form to undo its match. Every read and change goes through services.payments and
services.payment_views, as the API's /payments routes call them. A line's trail and the notes the system writes
on it are shown in words (LINE_ACTION, NOTES); what finance typed is shown as typed."""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import Svc
from api.errors import STATUS
from api.uploads import STATEMENT_TYPES, check_content_type, safe_filename
from domain.errors import DomainError
from domain.payments import QUEUED, LineAction, LineStatus, MatchKind
from domain.permissions import Perm, require
from services import payment_views, payments
from services.payment_views import OpenLine
from services.payments import ImportReport
from web import finance_uploads as kept
from web.forms import Posted, checked_header, refusal, refused_json, refused_page
from web.labels import N_
from web.render import page
from web.session import PREFIX, DeskSession, Session
from web.steps import Form, sent_values

router = APIRouter(prefix=f"{PREFIX}/finance", include_in_schema=False)
HOME = f"{PREFIX}/finance"
UploadId = Annotated[str, Path(min_length=1, max_length=64)]
PAGE_SIZE = 50

LINE_STATUS: dict[LineStatus, str] = {
    LineStatus.UNMATCHED: N_("No order fits"),
    LineStatus.AMBIGUOUS: N_("Several orders fit"),
    LineStatus.MATCHED: N_("Matched"),
    LineStatus.REFUND_DUE: N_("To be refunded"),
    LineStatus.REFUNDED: N_("Refunded"),
}
# What a bank line's trail records (its events' `action`, as db.payment_repo audits them for services.payments and
# services.refunds: the queue statuses an automatic match leaves a line in, and finance's decisions). An action
# not listed is shown as stored; tests/desk/test_desk_finance.py checks that every action written has its words.
LINE_ACTION: dict[LineAction, str] = {
    LineAction.IMPORTED: N_("imported from a statement"),
    LineAction.UNMATCHED: N_("left in the queue: no order fits"),
    LineAction.AMBIGUOUS: N_("left in the queue: several orders fit"),
    LineAction.MATCHED: N_("matched to the order"),
    LineAction.PAYER_MISMATCH: N_("accepted a payment from another payer"),
    LineAction.UNMATCH: N_("undid the match"),
    LineAction.REFUND_DUE: N_("marked to be refunded"),
    LineAction.REFUNDED: N_("recorded as refunded"),
    LineAction.REOPENED: N_("took back to the queue"),
}
MATCH_KIND: dict[MatchKind, str] = {MatchKind.AUTO: N_("matched automatically"),
                                    MatchKind.MANUAL: N_("matched by hand")}
# The notes the system writes on a line or its trail (db.payment_repo, services.payments), as patterns whose
# named parts are shown in the words; any other note (finance's reasons) is shown as written.
NOTES: list[tuple[re.Pattern[str], str]] = [
    *((re.compile(re.escape(f"{kind.value} match")), words) for kind, words in MATCH_KIND.items()),
    (re.compile(r"from (?P<file>.+), line (?P<line>\d+)"), N_("from %(file)s, line %(line)s")),
    (re.compile(r"candidates: (?P<orders>.+)"), N_("orders that could fit: %(orders)s")),
    (re.compile(r"no order of this payer owes this amount"), N_("no order of this payer owes this amount")),
    (re.compile(r"unmatched from (?P<order>\S+)"), N_("the match to %(order)s was undone")),
    (re.compile(r"payer mismatch: (?P<reason>.*)", re.S), N_("another payer, because: %(reason)s")),
]


def note_words(note: str | None) -> tuple[str, dict[str, str]] | None:
    """The words of a note the system wrote, with the values to put in them (`_(words, **values)`); None for a
    note a person wrote, which is shown as it is."""
    for pattern, words in NOTES:
        if note and (found := pattern.fullmatch(note)):
            return words, found.groupdict()
    return None


DONE = {"match": N_("The bank line was matched to the order."),
        "unmatch": N_("The match was undone; the bank line is back in the queue.")}

_WORDS: dict[str, Any] = {"LINE_STATUS": LINE_STATUS, "LINE_ACTION": LINE_ACTION, "NOTE": note_words,
                          "QUEUED": QUEUED}


def _allowed(session: DeskSession) -> None:
    require(session.auth.actor, Perm.PAYMENTS, "see the payments queue")


async def _queue_page(request: Request, session: DeskSession, services: Svc, *, offset: int = 0,
                      line: str = "", error: DomainError | None = None, failed: str | None = None,
                      sent: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    actor = session.auth.actor
    try:
        rows = await run_in_threadpool(payment_views.unmatched_lines, services, actor, PAGE_SIZE + 1, offset)
    except DomainError as err:
        return refused_page(request, session, err)
    found, missing = None, None
    if line:
        try:
            found = await run_in_threadpool(payment_views.show_line, services, actor, line)
        except DomainError as err:
            missing = err
    done = DONE.get(request.query_params.get("done", "")) if error is None else None
    return page(request, session.lang, "finance.html", status_code, user=session, rows=rows[:PAGE_SIZE],
                more=len(rows) > PAGE_SIZE, offset=offset, line=line, found=found, missing=missing, error=error,
                failed=failed, sent=sent or {}, done=done, MATCHED=LineStatus.MATCHED, **_WORDS)


@router.get("")
async def queue(request: Request, session: Session, services: Svc,
                offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
                line: Annotated[str, Query(max_length=64)] = "") -> HTMLResponse:
    return await _queue_page(request, session, services, offset=offset, line=line.strip())


@router.put("/statements")
async def upload(request: Request, session: Session, services: Svc,
                 filename: Annotated[str, Query(min_length=1, max_length=200)] = "statement.csv") -> JSONResponse:
    """The page's script sends the file as the body (the session's CSRF token in a header); it is kept for its
    preview, and the answer names the preview's address."""
    checked_header(request, session)
    try:
        require(session.auth.actor, Perm.PAYMENTS, "import bank statements")  # before a byte is received
        check_content_type(request, STATEMENT_TYPES, "statement", "application/octet-stream")
        name = safe_filename(filename, "statement.csv")
        upload_id = await kept.keep(request, services.settings.data_dir, session.auth.actor.username, name)
    except DomainError as err:
        return refused_json(err, session.lang)
    return JSONResponse({"preview": f"{HOME}/statements/{upload_id}"})


@router.get("/statements/{upload_id}")
async def preview(upload_id: UploadId, request: Request, session: Session, services: Svc) -> HTMLResponse:
    """The kept file as the import would read it; nothing is stored."""
    try:
        _allowed(session)
        path = kept.kept_file(services.settings.data_dir, session.auth.actor.username, upload_id)
    except DomainError as err:
        return refused_page(request, session, err)
    try:
        statement = await run_in_threadpool(kept.preview, path)
    except DomainError as err:  # not a statement at all: nothing of it could be imported
        kept.forget(path)
        return page(request, session.lang, "finance_preview.html", STATUS.get(err.kind, 400), user=session,
                    error=err, statement=None, rows=[], file=path.name, upload_id=None)
    rows: list[dict[str, Any]] = [*({"line": x.line_no, "ok": x} for x in statement.lines),
                                  *({"line": e.line_no, "ok": None, "problem": e.reason} for e in statement.errors)]
    rows.sort(key=lambda r: int(r["line"]))
    return page(request, session.lang, "finance_preview.html", user=session, error=None, statement=statement,
                rows=rows, file=path.name, upload_id=upload_id)


@router.post("/statements/{upload_id}")
async def import_kept(upload_id: UploadId, request: Request, session: Session, _: Posted,
                      services: Svc) -> Response:
    """Imports exactly the previewed file, once, through the import service; then it is removed."""
    actor = session.auth.actor
    try:
        _allowed(session)
        path = kept.kept_file(services.settings.data_dir, actor.username, upload_id)
        report = await payments.import_statement(services, actor, lambda: kept.claimed(path))
    except Exception as err:  # noqa: BLE001 - every refusal is shown in words; a bug is raised again
        return refused_page(request, session, refusal(services, err)[0])
    rows = await run_in_threadpool(payment_views.unmatched_lines, services, actor, PAGE_SIZE, 0)
    return _report_page(request, session, report, rows)


def _report_page(request: Request, session: DeskSession, report: ImportReport,
                 rows: list[OpenLine]) -> HTMLResponse:
    """The import's report in words, the lines it matched (each with the form to undo it), and the queue."""
    matched = [o for o in report.outcomes if o.status is LineStatus.MATCHED]
    return page(request, session.lang, "finance_report.html", user=session, report=report, matched=matched,
                rows=rows, MATCHED=LineStatus.MATCHED, **_WORDS)


@router.post("/match")
async def match(request: Request, session: Session, data: Posted, services: Svc) -> Response:
    """A queued line to an order by hand, with a reason when the payer is not the order's customer."""
    form = Form(data)
    bank_ref = ""
    try:
        bank_ref = form.text("bank_ref", 64).strip()
        done = await payments.match_line(services, session.auth.actor, bank_ref, form.text("order", 32).strip(),
                                         form.optional("reason"))
    except Exception as err:  # noqa: BLE001 - every refusal is shown in words; a bug is raised again
        known, status = refusal(services, err)
        return await _queue_page(request, session, services, error=known, failed=f"match:{bank_ref}",
                                 sent=sent_values(data), status_code=status)
    return RedirectResponse(f"{HOME}?line={quote(done.bank_ref, safe='')}&done=match", status_code=303)


@router.post("/unmatch")
async def unmatch(request: Request, session: Session, data: Posted, services: Svc) -> Response:
    """Undo a wrong match before its order takes effect, with the reason; the line goes back to the queue."""
    form = Form(data)
    bank_ref = ""
    try:
        bank_ref = form.text("bank_ref", 64).strip()
        await payments.unmatch_line(services, session.auth.actor, bank_ref, form.text("reason"))
    except Exception as err:  # noqa: BLE001 - every refusal is shown in words; a bug is raised again
        known, status = refusal(services, err)
        return await _queue_page(request, session, services, line=bank_ref, error=known,
                                 failed=f"unmatch:{bank_ref}", sent=sent_values(data),
                                 status_code=status)
    return RedirectResponse(f"{HOME}?line={quote(bank_ref, safe='')}&done=unmatch", status_code=303)
