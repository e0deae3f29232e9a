"""The objective tree: objectives nested by alignment, with progress rolled up."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.web import Page, Workspace

router = APIRouter()


@router.get("/objectives", response_class=HTMLResponse)
async def organisation_tree(page: Page, period: str = "", cursor: str | None = None) -> Response:
    found = await page.api.get(
        "/v1/organisation/objective-tree",
        {"period": period.strip() or None, "cursor": cursor, "limit": page.page_size},
    )
    return page.render(
        "objectives.html",
        ws=None,
        roots=found["items"],
        next_cursor=found.get("next_cursor"),
        period=period,
        may_audit=page.session.may(Access.READ),
    )


@router.get("/w/{ws}/objectives", response_class=HTMLResponse)
async def workspace_tree(ws: Workspace, page: Page, cursor: str | None = None) -> Response:
    found = await page.api.get(f"/v1/workspaces/{ws}/objectives", {"cursor": cursor, "limit": 200})
    return page.render(
        "objectives.html",
        ws=ws,
        roots=nest(found["items"]),
        next_cursor=found.get("next_cursor"),
        period="",
        may_audit=page.session.may(Access.READ, ws),
    )


def nest(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Objectives under their parents; a parent outside ``rows`` makes a root."""
    nodes = {r["objective_id"]: {**r, "children": []} for r in rows}
    roots: list[dict[str, Any]] = []
    for node in nodes.values():
        parent = nodes.get(node.get("parent_id") or "")
        if parent is not None and parent is not node:
            parent["children"].append(node)
        else:
            roots.append(node)
    return roots
