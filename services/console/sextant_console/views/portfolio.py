"""The portfolio as leadership reads it: objectives across the workspaces the user reads,
each with its progress rolled up, its status today and the roadmap items serving it
(from the query service, which narrows it to those workspaces)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.web import BadForm, Page

router = APIRouter()

STATUSES = ("on_track", "at_risk", "off_track")
ITEM_STATUSES = ("proposed", "planned", "in_progress", "released", "dropped")
Filter = Annotated[str, Query(max_length=100)]
ITEMS_SHOWN = 10
"""The roadmap items shown beside each objective; its own page shows more."""


@router.get("/portfolio", response_class=HTMLResponse)
async def portfolio(
    page: Page,
    workspace: Filter = "",
    period: Filter = "",
    status_today: Filter = "",
    cursor: str | None = None,
) -> Response:
    """``workspace`` (one, or every one the user reads), ``period`` (``2026-Q3``) and
    ``status_today`` filter it; ``cursor`` pages on."""
    workspace, period, status_today = workspace.strip(), period.strip(), status_today.strip()
    if status_today and status_today not in STATUSES:
        raise BadForm(f"Status today must be one of {', '.join(STATUSES)}, got {status_today!r}")
    found = await page.api.get(
        "/v1/query/portfolio",
        {
            "workspace": workspace,
            "period": period,
            "status_today": status_today,
            "cursor": cursor,
            "limit": page.page_size,
            "item_limit": ITEMS_SHOWN,
        },
    )
    return page.render(
        "portfolio.html",
        ws=None,
        objectives=found["items"],
        next_cursor=found.get("next_cursor"),
        chosen={"workspace": workspace, "period": period, "status_today": status_today},
        statuses=STATUSES,
        item_statuses=ITEM_STATUSES,
        workspaces=page.session.workspaces,
        # A team member sees their workspaces' part of the organisation's portfolio.
        across=page.session.may(Access.READ),
    )
