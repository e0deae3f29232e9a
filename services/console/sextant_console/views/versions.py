"""Published roadmap versions, one version as its audience sees it, and the diff of two."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from sextant_kit.authz import Access
from starlette.background import BackgroundTask

from sextant_console.web import (
    BadForm,
    Id,
    Page,
    Workspace,
    act,
    form_of,
    required,
)

router = APIRouter()

AUDIENCES = ("executives", "sales", "engineering", "customers")
COLUMNS = ("now", "next", "later", "unscheduled")
MARKS = ("added", "moved", "rescored", "status_changed", "renamed", "redescribed", "changed")
"""The kinds of change a diff marks an item of the newer version with."""


def _base(ws: str, rid: str) -> str:
    return f"/w/{ws}/roadmaps/{rid}"


@router.get("/w/{ws}/roadmaps/{rid}/versions", response_class=HTMLResponse)
async def versions(ws: Workspace, rid: Id, page: Page, cursor: str | None = None) -> Response:
    found = await page.api.get(
        f"/v1/workspaces/{ws}/roadmaps/{rid}/versions",
        {"limit": page.page_size, "cursor": cursor},
    )
    items = found["items"]
    return page.render(
        "versions.html",
        ws=ws,
        rid=rid,
        name=found["roadmap_name"],
        versions=items,
        next_cursor=found.get("next_cursor"),
        audiences=AUDIENCES,
        may_publish=page.session.may(Access.PUBLISH, ws),
        may_read=page.session.may(Access.READ, ws),
    )


@router.post("/w/{ws}/roadmaps/{rid}/versions")
async def publish(ws: Workspace, rid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    body = {
        "audience": required(form, "audience", "Audience"),
        "title": required(form, "title", "Title"),
        "notes": form.get("notes", "").strip(),
    }
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/roadmaps/{rid}/versions",
        body,
        to=f"{_base(ws, rid)}/versions",
        notice=f"Published “{body['title']}” to {body['audience']}.",
    )


@router.get("/w/{ws}/roadmaps/{rid}/versions/{number}", response_class=HTMLResponse)
async def version(ws: Workspace, rid: Id, number: int, page: Page) -> Response:
    found = await page.api.get(f"/v1/workspaces/{ws}/roadmaps/{rid}/versions/{number}")
    columns: dict[str, list[dict[str, Any]]] = {c: [] for c in COLUMNS}
    for item in found["items"]:
        columns[item.get("horizon") or "unscheduled"].append(item)
    return page.render(
        "version.html",
        ws=ws,
        rid=rid,
        name=found["roadmap_name"],
        version=found,
        columns=[(c, columns[c]) for c in COLUMNS],
    )


@router.get("/w/{ws}/roadmaps/{rid}/versions/{number}/spreadsheet")
async def version_spreadsheet(ws: Workspace, rid: Id, number: int, page: Page) -> Response:
    """The version as a CSV file, as the API writes it (the columns its audience was shown),
    named by the API."""
    path = f"/v1/workspaces/{ws}/roadmaps/{rid}/versions/{number}"
    upstream = await page.api.stream(path, {"format": "csv"})
    disposition = upstream.headers.get("content-disposition", "attachment")
    return StreamingResponse(
        upstream.aiter_bytes(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": disposition},
        background=BackgroundTask(upstream.aclose),
    )


@router.get("/w/{ws}/roadmaps/{rid}/diff", response_class=HTMLResponse)
async def compare(ws: Workspace, rid: Id, page: Page, from_: str = "", to: str = "") -> Response:
    params = page.request.query_params
    older, newer = params.get("from", from_), params.get("to", to)
    if not (older.isdigit() and newer.isdigit()):
        raise BadForm("choose two versions to compare")
    found = await page.api.get(
        f"/v1/workspaces/{ws}/roadmaps/{rid}/diff", {"from": older, "to": newer}
    )
    base = f"/v1/workspaces/{ws}/roadmaps/{rid}/versions"
    before = await page.api.get(f"{base}/{older}")
    after = await page.api.get(f"{base}/{newer}")
    changes = sum(len(found[k]) for k in ("removed", *MARKS))
    return page.render(
        "diff.html",
        ws=ws,
        rid=rid,
        name=found["roadmap_name"],
        diff=found,
        changes=changes,
        columns=diff_board(found, before["items"], after["items"]),
    )


def diff_board(
    found: dict[str, Any], before: list[dict[str, Any]], after: list[dict[str, Any]]
) -> list[tuple[str, list[dict[str, Any]]]]:
    """The newer version's columns with each item marked with its changes (``MARKS``), and
    the removed items in the column they left, marked removed."""
    marks: dict[str, list[str]] = {}
    for kind in MARKS:
        for change in found[kind]:
            kinds = marks.setdefault(change["item_id"], [])
            if kind not in kinds:  # an item's owner and team changed: one mark
                kinds.append(kind)
    moved = {m["item_id"]: m["before"] for m in found["moved"]}
    columns: dict[str, list[dict[str, Any]]] = {c: [] for c in COLUMNS}
    for item in after:
        item_id = item["item_id"]
        columns[item.get("horizon") or "unscheduled"].append(
            {**item, "marks": marks.get(item_id, []), "was": moved.get(item_id)}
        )
    removed = {r["item_id"] for r in found["removed"]}
    for item in before:
        if item["item_id"] in removed:
            columns[item.get("horizon") or "unscheduled"].append(
                {**item, "marks": ["removed"], "was": None}
            )
    return [(c, columns[c]) for c in COLUMNS]
