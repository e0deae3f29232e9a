"""The opportunity scoreboard with its evidence: scores, problems, linked feedback, demand."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.client import ApiError
from sextant_console.web import Page, Workspace

router = APIRouter()

STATUSES = ("open", "pursued", "parked", "rejected")


@router.get("/w/{ws}/opportunities", response_class=HTMLResponse)
async def scoreboard(
    ws: Workspace, page: Page, status: str | None = None, cursor: str | None = None
) -> Response:
    path = f"/v1/workspaces/{ws}"
    board, problems, demand = await asyncio.gather(
        page.api.get(
            f"{path}/opportunities",
            {"limit": page.page_size, "cursor": cursor, "status": status or None},
        ),
        page.api.get(f"{path}/problems", {"limit": page.page_size}),
        _demand(page, path),
    )
    titles = {p["problem_id"]: p["title"] for p in problems["items"]}
    return page.render(
        "scoreboard.html",
        ws=ws,
        opportunities=board["items"],
        next_cursor=board.get("next_cursor"),
        problems=problems["items"],
        problem_titles=titles,
        demand=demand,
        statuses=STATUSES,
        chosen_status=status or "",
        may_audit=page.session.may(Access.READ, ws),
    )


async def _demand(page: Page, path: str) -> dict[str, dict[str, Any]]:
    """Feedback demand per linked problem and opportunity, keyed by ``type:id``."""
    try:
        found = await page.api.get(f"{path}/demand", {"limit": 500})
    except ApiError as error:
        if error.status in (403, 404):
            return {}
        raise
    return {f"{t['target_type']}:{t['target_id']}": t for t in found["targets"]}
