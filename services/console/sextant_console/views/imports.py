"""Feedback files imported from the console: a CSV or JSON Lines file uploaded, handed to
the feedback API's import, and followed until its report (created, already there, rejected
and why)."""

from __future__ import annotations

import hashlib
import re

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access
from starlette.datastructures import UploadFile

from sextant_console.views.feedback import SOURCES
from sextant_console.web import (
    FORM_NONCE,
    BadForm,
    Id,
    Page,
    Workspace,
    redirect,
    submission_key,
)

router = APIRouter()

RECENT = 10
"""The latest imports the upload page lists."""
MAX_UPLOAD = 8 * 1024 * 1024
"""The API's limit on a request's body; larger files go through the CLI."""
TOO_LARGE = (
    f"the file is over {MAX_UPLOAD // (1024 * 1024)} MB: import it with"
    " `python -m sextant_feedback import FILE --workspace WS`, or split it"
)


@router.get("/w/{ws}/feedback/import", response_class=HTMLResponse)
async def import_form(ws: Workspace, page: Page) -> Response:
    """The upload form, and the workspace's latest imports with how each went."""
    recent = await page.api.get_if_readable(
        f"/v1/workspaces/{ws}/feedback/imports", {"limit": RECENT}
    )
    return page.render(
        "import.html",
        ws=ws,
        recent=(recent or {}).get("items", []),
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
        name = file_name(chosen.filename)
        content = await chosen.read()
        # The page's nonce and what was sent: sending the form again starts no second import
        sent = {"source": source, "file": name, "sha256": hashlib.sha256(content).hexdigest()}
        key = submission_key({FORM_NONCE: str(form.get(FORM_NONCE) or ""), **sent})
    if len(content) > MAX_UPLOAD:
        raise BadForm(TOO_LARGE)
    jsonl = name.endswith((".jsonl", ".ndjson"))
    started = await page.api.send_file(
        f"/v1/workspaces/{ws}/feedback/imports",
        {"name": name, "source": source or None},
        content,
        "application/x-ndjson" if jsonl else "text/csv",
        key=key,
    )
    return redirect(
        page.request,
        f"/w/{ws}/feedback/imports/{started['import_id']}",
        notice=f"Importing {name}.",
    )


def file_name(chosen: str) -> str:
    """The name the API knows the file by (part of the identity of rows without an id): the
    last part of what the browser sent, with what the API does not take in a name as ``_``."""
    last = chosen.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = re.sub(r"[^\w .()-]", "_", last).strip()[:150]
    return cleaned if cleaned[:1].isalnum() or cleaned[:1] == "_" else f"file {cleaned}"[:150]


@router.get("/w/{ws}/feedback/imports/{iid}", response_class=HTMLResponse)
async def progress(ws: Workspace, iid: Id, page: Page) -> Response:
    """How the import is going (the page reloads itself while it runs), or its report."""
    found = await page.api.get(f"/v1/workspaces/{ws}/feedback/imports/{iid}")
    return page.render("import_status.html", ws=ws, job=found)
