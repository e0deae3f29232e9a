"""Feedback files imported from the console: a CSV or JSON Lines file uploaded, handed to
the feedback API's import, and followed until its report (created, already there, rejected
and why)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access
from starlette.datastructures import UploadFile

from sextant_console.views.feedback import SOURCES
from sextant_console.web import BadForm, Id, Page, Workspace, redirect

router = APIRouter()

MAX_UPLOAD = 8 * 1024 * 1024
"""The API's limit on a request's body; larger files go through the CLI."""
TOO_LARGE = (
    f"the file is over {MAX_UPLOAD // (1024 * 1024)} MB: import it with"
    " `python -m sextant_feedback import FILE --workspace WS`, or split it"
)


@router.get("/w/{ws}/feedback/import", response_class=HTMLResponse)
async def import_form(ws: Workspace, page: Page) -> Response:
    return page.render(
        "import.html",
        ws=ws,
        sources=SOURCES,
        limit_mb=MAX_UPLOAD // (1024 * 1024),
        may_write=page.session.may(Access.WRITE, ws),
    )


@router.post("/w/{ws}/feedback/import")
async def upload(ws: Workspace, page: Page) -> Response:
    """The chosen file, passed to the API's import as it is; on to the import's page."""
    declared = page.request.headers.get("content-length", "")
    if not declared.isdigit() or int(declared) > MAX_UPLOAD + 64 * 1024:
        raise BadForm(TOO_LARGE)
    async with page.request.form(max_files=1, max_fields=5) as form:
        chosen, source = form.get("file"), str(form.get("source") or "")
        if not isinstance(chosen, UploadFile) or not chosen.filename:
            raise BadForm("File: choose a CSV or JSON Lines file")
        if source and source not in SOURCES:
            raise BadForm(f"Source must be one of {', '.join(SOURCES)}, got {source!r}")
        content = await chosen.read()
        name = chosen.filename.replace("\\", "/").rsplit("/", 1)[-1]  # a browser may send a path
    if len(content) > MAX_UPLOAD:
        raise BadForm(TOO_LARGE)
    jsonl = name.endswith((".jsonl", ".ndjson"))
    started = await page.api.send_file(
        f"/v1/workspaces/{ws}/feedback/imports",
        {"name": name, "source": source or None},
        content,
        "application/x-ndjson" if jsonl else "text/csv",
    )
    return redirect(
        page.request,
        f"/w/{ws}/feedback/imports/{started['import_id']}",
        notice=f"Importing {name}.",
    )


@router.get("/w/{ws}/feedback/imports/{iid}", response_class=HTMLResponse)
async def progress(ws: Workspace, iid: Id, page: Page) -> Response:
    """How the import is going (the page reloads itself while it runs), or its report."""
    found = await page.api.get(f"/v1/workspaces/{ws}/feedback/imports/{iid}")
    return page.render("import_status.html", ws=ws, job=found)
