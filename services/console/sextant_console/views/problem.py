"""One customer problem: its statement, the personas it hurts, the research and feedback
behind it (its merged duplicates' included), the opportunities that address it and the
decisions resting on it; where a team attaches an insight, merges a duplicate into another
problem or closes it."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.views.discovery import LISTED, SCALE, problem_body
from sextant_console.web import (
    Id,
    Page,
    Workspace,
    act,
    an_id,
    as_edited,
    form_of,
    optional,
    required,
)

router = APIRouter()


def _paths(ws: str, pid: str) -> tuple[str, str]:
    """The problem's page in the console and its resource in the API."""
    return f"/w/{ws}/problems/{pid}", f"/v1/workspaces/{ws}/problems/{pid}"


@router.get("/w/{ws}/problems/{pid}", response_class=HTMLResponse)
async def problem(ws: Workspace, pid: Id, page: Page) -> Response:
    path = f"/v1/workspaces/{ws}"
    _, resource = _paths(ws, pid)
    found, problems, insights, personas, opportunities, demand, decisions = await asyncio.gather(
        page.api.get(resource),
        page.api.get(f"{path}/problems", {"limit": LISTED}),
        page.api.get(f"{path}/insights", {"limit": LISTED}),
        page.api.get(f"{path}/personas", {"limit": LISTED, "include_archived": "true"}),
        page.api.get(f"{path}/opportunities", {"limit": LISTED}),
        page.api.get_if_readable(f"{path}/demand", {"target_type": "problem", "target_id": pid}),
        page.api.get_if_readable(
            f"{path}/decisions",
            {"entity_kind": "problem", "entity_id": pid, "limit": page.page_size},
        ),
    )
    others = [p for p in problems["items"] if p["problem_id"] != pid]
    attached = {i["insight_id"] for i in found["insights"]}
    writer = page.session.may(Access.WRITE, ws)
    return page.render(
        "problem.html",
        ws=ws,
        p=found,
        titles={p["problem_id"]: p["title"] for p in problems["items"]},
        persona_names={p["persona_id"]: p["name"] for p in personas["items"]},
        # The restating form's: the current personas, and the archived ones it names.
        personas=[
            p
            for p in personas["items"]
            if not p["archived"] or p["persona_id"] in found["persona_ids"]
        ],
        scale=SCALE,
        addressed_by=[o for o in opportunities["items"] if pid in o.get("problem_ids", [])],
        demand=next(iter((demand or {}).get("targets", [])), None),
        decisions=(decisions or {}).get("items", []),
        may_attach=[i for i in insights["items"] if i["insight_id"] not in attached],
        merge_into=[p for p in others if p["status"] == "open"],
        may_write=writer and found["status"] == "open",
        may_reopen=writer and found["status"] == "closed",
        may_unmerge=writer and found["status"] == "merged",
        may_audit=page.session.may(Access.READ, ws),
    )


@router.post("/w/{ws}/problems/{pid}")
async def restate(ws: Workspace, pid: Id, page: Page) -> Response:
    """The problem as the team now understands it; what others changed since the page was
    opened stays, unless the user changed the same field."""
    form = await form_of(page.request)
    here, resource = _paths(ws, pid)
    body = await as_edited(page, form, problem_body(form), resource)
    optional(form, body, "note")
    notice = f"Problem restated: {body['title']}."
    return await act(page, form, "PUT", resource, body, to=here, notice=notice)


@router.post("/w/{ws}/problems/{pid}/insights")
async def attach_insight(ws: Workspace, pid: Id, page: Page) -> Response:
    """A market insight as evidence for the problem, with why it bears on it."""
    form = await form_of(page.request)
    here, resource = _paths(ws, pid)
    body = {"insight_id": an_id(form, "insight_id", "Insight")}
    optional(form, body, "note")
    notice = "Insight attached as evidence."
    return await act(page, form, "POST", f"{resource}/insights", body, to=here, notice=notice)


@router.post("/w/{ws}/problems/{pid}/merge")
async def merge(ws: Workspace, pid: Id, page: Page) -> Response:
    """The problem is a duplicate: its evidence counts for the one it is merged into, whose
    page the team goes on to."""
    form = await form_of(page.request)
    _, resource = _paths(ws, pid)
    into = an_id(form, "into", "Merge into")
    there, _ = _paths(ws, into)
    notice = "Merged: its insights and feedback count here now."
    return await act(
        page, form, "POST", f"{resource}/merge", {"into": into}, to=there, notice=notice
    )


@router.post("/w/{ws}/problems/{pid}/close")
async def close(ws: Workspace, pid: Id, page: Page) -> Response:
    return await _with_reason(page, ws, pid, "close", "Reason", "Closed.")


@router.post("/w/{ws}/problems/{pid}/reopen")
async def reopen(ws: Workspace, pid: Id, page: Page) -> Response:
    """A closed problem open again: it came back, or was closed too soon."""
    notice = "Reopened: it is evidence and work again."
    return await _with_reason(page, ws, pid, "reopen", "Why it reopens", notice)


@router.post("/w/{ws}/problems/{pid}/unmerge")
async def unmerge(ws: Workspace, pid: Id, page: Page) -> Response:
    """A problem merged by mistake open on its own again."""
    notice = "Unmerged: it is open on its own, its evidence counting for it alone."
    return await _with_reason(page, ws, pid, "unmerge", "Why they are not the same", notice)


async def _with_reason(
    page: Page, ws: str, pid: str, action: str, label: str, notice: str
) -> Response:
    """``POST …/problems/{pid}/<action>`` with the form's required ``reason``."""
    form = await form_of(page.request)
    here, resource = _paths(ws, pid)
    body = {"reason": required(form, "reason", label)}
    return await act(page, form, "POST", f"{resource}/{action}", body, to=here, notice=notice)
