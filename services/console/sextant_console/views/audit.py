"""The audit history of any entity: who changed what, with before and after values."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from sextant_console.web import BadForm, Page

router = APIRouter()

SERVICES = ("roadmap", "feedback", "discovery", "strategy", "identity", "query")


@router.get("/audit", response_class=HTMLResponse)
async def history(
    page: Page,
    service: str = "",
    subject: str = "",
    workspace: str = "",
    cursor: str | None = None,
) -> Response:
    """``workspace`` confines the history to one workspace: what a team member may read."""
    subject, workspace = subject.strip(), workspace.strip()
    entries: list[object] = []
    next_cursor = None
    if service or subject:
        if service not in SERVICES:
            raise BadForm(f"Service must be one of {', '.join(SERVICES)}")
        if not subject:
            raise BadForm("Entity id is required")
        found = await page.api.get(
            f"/v1/{service}/audit",
            {"subject": subject, "workspace_id": workspace, "cursor": cursor, "limit": 100},
        )
        entries = found["items"]
        next_cursor = found.get("next_cursor")
    return page.render(
        "audit.html",
        services=SERVICES,
        service=service,
        subject=subject,
        ws=workspace or None,
        entries=entries,
        next_cursor=next_cursor,
    )
