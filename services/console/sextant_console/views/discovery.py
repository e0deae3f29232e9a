"""The opportunity scoreboard with its evidence: scores, problems, linked feedback, demand;
and where a team records a customer problem it has found."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.client import ApiError
from sextant_console.web import (
    BadForm,
    Page,
    Workspace,
    form_of,
    redirect,
    required,
    submission_key,
)

router = APIRouter()

STATUSES = ("open", "pursued", "parked", "rejected")
SCALE = ("1", "2", "3", "4", "5")


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
        may_write=page.session.may(Access.WRITE, ws),
        scale=SCALE,
    )


@router.post("/w/{ws}/problems")
async def identify_problem(ws: Workspace, page: Page) -> Response:
    """A customer pain point: what it is, how much it hurts, how often it happens."""
    form = await form_of(page.request)
    body = {
        "title": required(form, "title", "Title"),
        "statement": required(form, "statement", "Statement"),
        "severity": rating(form, "severity", "Severity"),
        "frequency": rating(form, "frequency", "Frequency"),
    }
    done = await page.api.post(f"/v1/workspaces/{ws}/problems", body, key=submission_key(form))
    return redirect(
        page.request,
        f"/w/{ws}/opportunities",
        notice=f"Problem recorded: {body['title']}. Link feedback to it from the inbox.",
        token=done.get("consistency_token"),
    )


def rating(form: dict[str, str], name: str, label: str) -> int:
    raw = required(form, name, label)
    if raw not in SCALE:
        raise BadForm(f"{label} must be 1 to 5, got {raw!r}")
    return int(raw)


async def _demand(page: Page, path: str) -> dict[str, dict[str, Any]]:
    """Feedback demand per linked problem and opportunity, keyed by ``type:id``."""
    try:
        found = await page.api.get(f"{path}/demand", {"limit": 500})
    except ApiError as error:
        if error.status in (403, 404):
            return {}
        raise
    return {f"{t['target_type']}:{t['target_id']}": t for t in found["targets"]}
