"""The audit history of any entity, or of a workspace: who changed what, with before and
after values; exported as a file, and its hash chain verified."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from starlette.background import BackgroundTask

from sextant_console.web import BadForm, Page, day_start

router = APIRouter()

SERVICES = ("roadmap", "feedback", "discovery", "strategy", "identity", "query")
MEDIA = {"csv": "text/csv", "jsonl": "application/x-ndjson"}

RECENT = timedelta(days=7)
"""A workspace's history without an entity starts this long ago unless the form says when."""


def _service(service: str) -> str:
    if service not in SERVICES:
        raise BadForm(f"Service must be one of {', '.join(SERVICES)}")
    return service


def _filters(
    subject: str, workspace: str, since: str, part: str = ""
) -> tuple[dict[str, Any], str]:
    """The API's filters for one entity's history (or one part's of it, ``item_id=<id>``),
    or a workspace's since a day (a week ago unless given); and that day, as the form shows
    it."""
    if not subject and not workspace:
        raise BadForm("Name an entity id, or a workspace to see what changed in it")
    start = None
    if not subject:
        since = since or (datetime.now(UTC) - RECENT).date().isoformat()
        start = day_start(since, "Since")
    filters = {"subject": subject, "workspace_id": workspace, "since": start}
    return {**filters, "part": part if subject else None}, since


@router.get("/audit", response_class=HTMLResponse)
async def history(
    page: Page,
    service: str = "",
    subject: str = "",
    workspace: str = "",
    since: str = "",
    part: str = "",
    cursor: str | None = None,
) -> Response:
    """One entity's history, or, without an entity, everything that changed in a workspace
    since a day (a week ago unless given). ``workspace`` confines either to one workspace:
    what a team member may read."""
    subject, workspace, since = subject.strip(), workspace.strip(), since.strip()
    entries: list[object] = []
    next_cursor = None
    searched = bool(service or subject)
    if searched:
        filters, since = _filters(subject, workspace, since, part.strip())
        found = await page.api.get(
            f"/v1/{_service(service)}/audit", {**filters, "cursor": cursor, "limit": 100}
        )
        entries = found["items"]
        next_cursor = found.get("next_cursor")
    return page.render(
        "audit.html",
        services=SERVICES,
        service=service,
        subject=subject,
        part=part.strip() if subject else "",
        ws=workspace or None,
        since=since,
        searched=searched,
        entries=entries,
        next_cursor=next_cursor,
    )


@router.get("/audit/export")
async def export(
    page: Page,
    service: str = "",
    subject: str = "",
    workspace: str = "",
    since: str = "",
    part: str = "",
    format: Literal["csv", "jsonl"] = "csv",
) -> Response:
    """The same history as a file: every entry, passed on as the API streams it (the console
    holds none of it in memory)."""
    filters, _ = _filters(subject.strip(), workspace.strip(), since.strip(), part.strip())
    path = f"/v1/{_service(service)}/audit/export"
    upstream = await page.api.stream(path, {**filters, "format": format})
    scope = re.sub(r"[^A-Za-z0-9_.-]", "_", workspace.strip() or subject.strip())[:80]
    name = f"{service}-audit-{scope}.{format}"
    return StreamingResponse(
        upstream.aiter_bytes(),
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
        background=BackgroundTask(upstream.aclose),
    )


@router.get("/audit/verify", response_class=HTMLResponse)
async def verify(page: Page, service: str = "", workspace: str = "") -> Response:
    """Recompute the service's hash chain for a workspace (or the organisation's entries)
    and say whether it holds, or the first entry where it breaks."""
    workspace = workspace.strip()
    report = await page.api.get(
        f"/v1/{_service(service)}/audit/verify", {"workspace_id": workspace}
    )
    return page.render(
        "audit.html",
        services=SERVICES,
        service=service,
        subject="",
        part="",
        ws=workspace or None,
        since="",
        searched=False,
        entries=[],
        next_cursor=None,
        chain=report,
    )
