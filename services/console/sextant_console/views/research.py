"""Market research as a team reads it: the latest insights, the personas it serves, and
the competitive landscape as a matrix of features against competitors."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.web import Page, Workspace

router = APIRouter()


@router.get("/w/{ws}/research", response_class=HTMLResponse)
async def research(
    ws: Workspace,
    page: Page,
    insights_cursor: str | None = None,
    personas_cursor: str | None = None,
    competitors_cursor: str | None = None,
) -> Response:
    path = f"/v1/workspaces/{ws}"
    insights, personas, competitors = await asyncio.gather(
        page.api.get(f"{path}/insights", {"limit": page.page_size, "cursor": insights_cursor}),
        page.api.get(f"{path}/personas", {"limit": page.page_size, "cursor": personas_cursor}),
        page.api.get(
            f"{path}/competitors", {"limit": page.page_size, "cursor": competitors_cursor}
        ),
    )
    return page.render(
        "research.html",
        ws=ws,
        insights=insights,
        personas=personas,
        competitors=competitors,
        features=feature_matrix(competitors["items"]),
        may_audit=page.session.may(Access.READ, ws),
    )


def feature_matrix(competitors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per feature compared: each competitor's coverage by id, and ours as last
    compared (each comparison records ours beside theirs)."""
    rows: dict[str, dict[str, Any]] = {}
    for competitor in competitors:
        for f in competitor.get("features", []):
            row = rows.setdefault(f["feature"], {"feature": f["feature"], "theirs": {}})
            row["theirs"][competitor["competitor_id"]] = f["theirs"]
            if f["compared_at"] >= row.get("compared_at", ""):
                row["ours"], row["compared_at"] = f["ours"], f["compared_at"]
    return sorted(rows.values(), key=lambda r: str(r["feature"]).lower())
