"""The objective tree (objectives nested by alignment, with progress rolled up), and one
objective with its key results, where a team checks in."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.web import (
    Id,
    Page,
    Workspace,
    form_of,
    number,
    redirect,
    submission_key,
)

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


@router.get("/w/{ws}/objectives/{oid}", response_class=HTMLResponse)
async def objective(ws: Workspace, oid: Id, page: Page) -> Response:
    return await _objective(page, ws, oid)


@router.get("/objectives/{oid}", response_class=HTMLResponse)
async def organisation_objective(oid: Id, page: Page) -> Response:
    return await _objective(page, None, oid)


@router.post("/w/{ws}/objectives/{oid}/key-results/{kid}/check-ins")
async def check_in(ws: Workspace, oid: Id, kid: Id, page: Page) -> Response:
    return await _check_in(page, ws, oid, kid)


@router.post("/objectives/{oid}/key-results/{kid}/check-ins")
async def organisation_check_in(oid: Id, kid: Id, page: Page) -> Response:
    return await _check_in(page, None, oid, kid)


def _paths(ws: str | None, oid: str) -> tuple[str, str]:
    """The objective's page in the console and its resource in the API (a team's, or the
    organisation's when ``ws`` is None)."""
    if ws is None:
        return f"/objectives/{oid}", f"/v1/organisation/objectives/{oid}"
    return f"/w/{ws}/objectives/{oid}", f"/v1/workspaces/{ws}/objectives/{oid}"


async def _objective(page: Page, ws: str | None, oid: str) -> Response:
    here, resource = _paths(ws, oid)
    found = await page.api.get(resource)
    return page.render(
        "objective.html",
        ws=ws,
        here=here,
        o=found,
        may_write=page.session.may(Access.WRITE, ws) and not found.get("closed_at"),
        may_audit=page.session.may(Access.READ, ws),
    )


async def _check_in(page: Page, ws: str | None, oid: str, kid: str) -> Response:
    """A key result's check-in: its value now and the owner's confidence."""
    here, resource = _paths(ws, oid)
    form = await form_of(page.request)
    body: dict[str, Any] = {
        "value": number(form, "value", "Value"),
        "confidence": number(form, "confidence", "Confidence"),
    }
    if comment := form.get("comment", "").strip():
        body["comment"] = comment
    done = await page.api.post(
        f"{resource}/key-results/{kid}/check-ins", body, key=submission_key(form)
    )
    return redirect(
        page.request,
        here,
        notice=f"Checked in {form.get('title', 'the key result')}.",
        token=done.get("consistency_token"),
    )
