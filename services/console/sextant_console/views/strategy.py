"""The objective tree (objectives nested by alignment, with progress rolled up), where
objectives are set; and one objective with its key results, where a team defines them,
checks in and closes the objective with its outcome."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.views.review import period_from
from sextant_console.web import (
    BadForm,
    Id,
    Page,
    Workspace,
    act,
    an_id,
    as_edited,
    choice,
    figure,
    form_of,
    number,
    optional,
    required,
    trace_of,
)

router = APIRouter()

DIRECTIONS = ("increase", "decrease")
OUTCOMES = ("achieved", "partially_achieved", "missed", "abandoned")


@router.get("/objectives", response_class=HTMLResponse)
async def organisation_tree(page: Page, period: str = "", cursor: str | None = None) -> Response:
    may_write = page.session.may(Access.WRITE)
    found, organisation = await asyncio.gather(
        page.api.get(
            "/v1/organisation/objective-tree",
            {"period": period.strip() or None, "cursor": cursor, "limit": page.page_size},
        ),
        _organisation_objectives(page, may_write),
    )
    return page.render(
        "objectives.html",
        ws=None,
        roots=found["items"],
        next_cursor=found.get("next_cursor"),
        period=period,
        may_audit=page.session.may(Access.READ),
        may_write=may_write,
        parents=(organisation or {}).get("items", []),
    )


@router.get("/w/{ws}/objectives", response_class=HTMLResponse)
async def workspace_tree(ws: Workspace, page: Page, cursor: str | None = None) -> Response:
    may_write = page.session.may(Access.WRITE, ws)
    found, organisation = await asyncio.gather(
        page.api.get(f"/v1/workspaces/{ws}/objectives", {"cursor": cursor, "limit": 200}),
        # A team's objective may serve one of the organisation's, if the team can read them.
        _organisation_objectives(page, may_write),
    )
    return page.render(
        "objectives.html",
        ws=ws,
        roots=nest(found["items"]),
        next_cursor=found.get("next_cursor"),
        period="",
        may_audit=page.session.may(Access.READ, ws),
        may_write=may_write,
        parents=[*(organisation or {}).get("items", []), *found["items"]],
    )


async def _parents(page: Page, ws: str | None) -> list[Any]:
    """The objectives a team's (``ws``) or the organisation's objective may be aligned to:
    the organisation's (if the user reads them), and the team's own."""
    reads = [page.api.get_if_readable("/v1/organisation/objectives", {"limit": 200})]
    if ws is not None:
        reads.append(page.api.get_if_readable(f"/v1/workspaces/{ws}/objectives", {"limit": 200}))
    return [o for found in await asyncio.gather(*reads) for o in (found or {}).get("items", [])]


async def _organisation_objectives(page: Page, needed: bool) -> Any:
    """The organisation's objectives, to offer as parents (None if not needed or readable)."""
    if not needed:
        return None
    return await page.api.get_if_readable("/v1/organisation/objectives", {"limit": 200})


@router.post("/objectives")
async def set_organisation_objective(page: Page) -> Response:
    return await _set_objective(page, None)


@router.post("/w/{ws}/objectives")
async def set_objective(ws: Workspace, page: Page) -> Response:
    return await _set_objective(page, ws)


async def _set_objective(page: Page, ws: str | None) -> Response:
    """An objective for a period, aligned to a parent if one is chosen."""
    form = await form_of(page.request)
    body: dict[str, Any] = {"title": required(form, "title", "Title"), "period": period_from(form)}
    optional(form, body, "description")
    if form.get("parent_id", "").strip():
        body["parent_id"] = an_id(form, "parent_id", "Parent")
    resource = "/v1/organisation/objectives" if ws is None else f"/v1/workspaces/{ws}/objectives"
    return await act(
        page,
        form,
        "POST",
        resource,
        body,
        to=lambda made: _paths(ws, made["id"])[0],
        notice=f"Objective set: {body['title']}. Define its key results.",
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


@router.post("/w/{ws}/objectives/{oid}/{step}")
async def objective_step(ws: Workspace, oid: Id, step: str, page: Page) -> Response:
    return await _objective_step(page, ws, oid, step)


@router.post("/objectives/{oid}/{step}")
async def organisation_objective_step(oid: Id, step: str, page: Page) -> Response:
    return await _objective_step(page, None, oid, step)


@router.post("/w/{ws}/objectives/{oid}/key-results/{kid}/{step}")
async def key_result_step(ws: Workspace, oid: Id, kid: Id, step: str, page: Page) -> Response:
    return await _key_result_step(page, ws, oid, kid, step)


@router.post("/objectives/{oid}/key-results/{kid}/{step}")
async def organisation_key_result_step(oid: Id, kid: Id, step: str, page: Page) -> Response:
    return await _key_result_step(page, None, oid, kid, step)


def _paths(ws: str | None, oid: str) -> tuple[str, str]:
    """The objective's page in the console and its resource in the API (a team's, or the
    organisation's when ``ws`` is None)."""
    if ws is None:
        return f"/objectives/{oid}", f"/v1/organisation/objectives/{oid}"
    return f"/w/{ws}/objectives/{oid}", f"/v1/workspaces/{ws}/objectives/{oid}"


async def _objective(page: Page, ws: str | None, oid: str) -> Response:
    here, resource = _paths(ws, oid)
    may_write = page.session.may(Access.WRITE, ws)
    found, trace, parents = await asyncio.gather(
        page.api.get(resource),
        # What serves it, from the cross-context query service (when the user may read it).
        trace_of(page, f"/v1/query/objectives/{oid}/trace"),
        _parents(page, ws),
    )
    return page.render(
        "objective.html",
        ws=ws,
        here=here,
        o=found,
        may_write=may_write and not found.get("closed_at"),
        may_reopen=may_write and bool(found.get("closed_at")),
        # What it may be aligned to: not itself (the API refuses a cycle, naming it).
        parents=[p for p in parents if p["objective_id"] != oid],
        parent=next((p for p in parents if p["objective_id"] == found.get("parent_id")), None),
        directions=DIRECTIONS,
        outcomes=OUTCOMES,
        trace=trace,
        # A team member's trace shows their workspaces' part of the chain only.
        trace_across=page.session.may(Access.READ),
        may_audit=page.session.may(Access.READ, ws),
    )


async def _objective_step(page: Page, ws: str | None, oid: str, step: str) -> Response:
    """The objective reworded or handed over (``details``), aligned to another (``parent``;
    none, no longer), a key result defined (``key-results``), the objective closed
    (``close``) or, closed, reopened with a reason (``reopen``)."""
    here, resource = _paths(ws, oid)
    form = await form_of(page.request)
    body: dict[str, Any]
    method, target = "POST", f"{resource}/{step}"
    if step == "details":
        typed = {
            "title": required(form, "title", "Title"),
            "description": form.get("description", "").strip(),
            "owner": required(form, "owner", "Owner"),
        }
        body = await as_edited(page, form, typed, resource)
        method, target, notice = "PATCH", resource, f"Saved: {body['title']}."
    elif step == "parent":
        chosen = form.get("parent_id", "").strip()
        body = {"parent_id": an_id(form, "parent_id", "Aligned to") if chosen else None}
        method, notice = "PUT", "Aligned." if chosen else "No longer aligned to another."
    elif step == "key-results":
        body = {
            "title": required(form, "title", "Title"),
            "baseline": number(form, "baseline", "Baseline"),
            "target": number(form, "target", "Target"),
            "unit": required(form, "unit", "Unit"),
            "direction": choice(form, "direction", "Direction", DIRECTIONS),
        }
        notice = f"Key result defined: {body['title']}."
    elif step == "close":
        body = {"outcome": choice(form, "outcome", "Outcome", OUTCOMES)}
        optional(form, body, "note")
        notice = f"Closed: {body['outcome'].replace('_', ' ')}."
    elif step == "reopen":
        body = {"reason": required(form, "reason", "Why it reopens")}
        notice = "Reopened: it takes check-ins and changes again."
    else:
        raise BadForm(f"an objective has no step {step!r}")
    return await act(page, form, method, target, body, to=here, notice=notice)


async def _key_result_step(page: Page, ws: str | None, oid: str, kid: str, step: str) -> Response:
    """A key result reworded (``title``; its measure stays), retargeted with a reason
    (``retarget``), or checked in (``check-ins``: its value now and the owner's confidence).
    A rewording or retargeting by another since the page was opened is kept, or refused
    naming the field both changed, not overwritten."""
    here, resource = _paths(ws, oid)
    form = await form_of(page.request)
    path = f"{resource}/key-results/{kid}"
    name = form.get("title", "the key result")

    def shown_now(found: dict[str, Any]) -> dict[str, Any] | None:
        return next((k for k in found["key_results"] if k["key_result_id"] == kid), None)

    body: dict[str, Any]
    if step == "title":
        body = await as_edited(
            page, form, {"title": required(form, "title", "Title")}, resource, shown_now
        )
        method, notice = "PATCH", f"Reworded: {body['title']}."
    elif step == "retarget":
        typed = {
            "baseline": number(form, "baseline", "Baseline"),
            "target": number(form, "target", "Target"),
            "reason": required(form, "reason", "Reason"),
        }
        body = await as_edited(page, form, typed, resource, shown_now)
        method, path = "POST", f"{path}/retarget"
        notice = f"Retargeted {name}: {figure(body['baseline'])} → {figure(body['target'])}."
    elif step == "check-ins":
        body = {
            "value": number(form, "value", "Value"),
            "confidence": number(form, "confidence", "Confidence"),
        }
        optional(form, body, "comment")
        method, path, notice = "POST", f"{path}/check-ins", f"Checked in {name}."
    else:
        raise BadForm(f"a key result has no step {step!r}")
    return await act(page, form, method, path, body, to=here, notice=notice)
