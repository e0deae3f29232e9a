"""A workspace's direction as stakeholders read it: the vision, the strategy approved and
the ones under review, the preliminary timeline with what slipped, and the decision log;
with the forms that state the vision, draft a strategy, plan and move milestones and
record a decision."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.views.review import strategy_parts
from sextant_console.web import Page, Workspace

router = APIRouter()


@router.get("/w/{ws}/strategy", response_class=HTMLResponse)
async def direction(
    ws: Workspace,
    page: Page,
    q: str = Query("", max_length=200),
    decisions_cursor: str | None = None,
    milestones_cursor: str | None = None,
) -> Response:
    """``milestones_cursor`` pages on through the timeline, ``decisions_cursor`` through
    the decision log (searched for ``q``)."""
    path = f"/v1/workspaces/{ws}"
    may_write = page.session.may(Access.WRITE, ws)
    current, drafts, timeline, decisions, parts, problems, opportunities = await asyncio.gather(
        page.api.get(f"{path}/strategy"),
        page.api.get(f"{path}/strategies", {"limit": page.page_size}),
        page.api.get(f"{path}/timeline", {"limit": page.page_size, "cursor": milestones_cursor}),
        page.api.get(
            f"{path}/decisions",
            {"limit": page.page_size, "q": q.strip(), "cursor": decisions_cursor},
        ),
        strategy_parts(page, path),
        # What a decision may rest on (discovery): named in the log, offered as evidence.
        page.api.get_if_readable(f"{path}/problems", {"limit": 200}),
        page.api.get_if_readable(f"{path}/opportunities", {"limit": 200}),
    )
    objectives, concepts = parts
    problems = (problems or {}).get("items", [])
    opportunities = (opportunities or {}).get("items", [])
    titles = {p["problem_id"]: p["title"] for p in problems}
    titles |= {o["opportunity_id"]: o["title"] for o in opportunities}
    return page.render(
        "direction.html",
        ws=ws,
        vision=current.get("vision"),
        approved=current.get("approved", []),
        # Approved ones are shown from their snapshot above; these are being worked on.
        in_work=[s for s in drafts["items"] if s["status"] != "approved"],
        milestones=timeline["items"],
        milestones_cursor=timeline.get("next_cursor"),
        milestones_paged=milestones_cursor is not None,
        decisions=decisions["items"],
        decisions_cursor=decisions.get("next_cursor"),
        q=q,
        objectives=objectives,
        concepts=concepts,
        problems=problems,
        opportunities=opportunities,
        titles=titles,
        may_write=may_write,
        # Dates on the timeline are UTC days, as the API judges what is overdue.
        today=datetime.now(UTC).date().isoformat(),
        may_decide=page.session.may(Access.DECIDE, ws),
        may_audit=page.session.may(Access.READ, ws),
    )
