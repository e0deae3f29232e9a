"""The audit history of any entity, or of a workspace: who changed what, with before and
after values."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from sextant_console.web import BadForm, Page

router = APIRouter()

SERVICES = ("roadmap", "feedback", "discovery", "strategy", "identity", "query")


RECENT = timedelta(days=7)
"""A workspace's history without an entity starts this long ago unless the form says when."""


@router.get("/audit", response_class=HTMLResponse)
async def history(
    page: Page,
    service: str = "",
    subject: str = "",
    workspace: str = "",
    since: str = "",
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
        if service not in SERVICES:
            raise BadForm(f"Service must be one of {', '.join(SERVICES)}")
        if not subject and not workspace:
            raise BadForm("Name an entity id, or a workspace to see what changed in it")
        start = None
        if not subject:
            since = since or (datetime.now(UTC) - RECENT).date().isoformat()
            try:
                start = f"{date.fromisoformat(since).isoformat()}T00:00:00Z"
            except ValueError:
                raise BadForm("Since is a day, such as 2026-07-01") from None
        found = await page.api.get(
            f"/v1/{service}/audit",
            {
                "subject": subject,
                "workspace_id": workspace,
                "since": start,
                "cursor": cursor,
                "limit": 100,
            },
        )
        entries = found["items"]
        next_cursor = found.get("next_cursor")
    return page.render(
        "audit.html",
        services=SERVICES,
        service=service,
        subject=subject,
        ws=workspace or None,
        since=since,
        searched=searched,
        entries=entries,
        next_cursor=next_cursor,
    )
