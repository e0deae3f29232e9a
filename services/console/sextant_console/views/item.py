"""One roadmap item: its details, what it serves and the evidence behind it, what it depends
on, its status, its handoff to delivery and its moves."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.web import (
    Id,
    Page,
    Workspace,
    act,
    an_id,
    as_edited,
    choice,
    form_of,
    optional,
    required,
    ticked,
)

router = APIRouter()

STATUSES = ("proposed", "planned", "in_progress", "released", "dropped")
COMMITTABLE = ("planned", "in_progress")
"""The statuses in which an item is handed off to delivery (the roadmap's rule)."""
TRACKERS = {"jira": "Jira", "azure_devops": "Azure DevOps", "other": "another tracker"}
OFFERED = 200
"""Open items of each board column offered as what an item may depend on."""


def _paths(ws: str, rid: str, iid: str) -> tuple[str, str]:
    """The item's page in the console and its resource in the API."""
    return (
        f"/w/{ws}/roadmaps/{rid}/items/{iid}",
        f"/v1/workspaces/{ws}/roadmaps/{rid}/items/{iid}",
    )


@router.get("/w/{ws}/roadmaps/{rid}/items/{iid}", response_class=HTMLResponse)
async def item(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    """The item, the objectives and opportunities it serves (offered from the workspace's,
    to link more), the feedback demand behind it, what it depends on (offered from the
    roadmap's open items), and its moves."""
    path = f"/v1/workspaces/{ws}"
    _, resource = _paths(ws, rid, iid)
    found, moves, board, objectives, opportunities, demand = await asyncio.gather(
        page.api.get(resource),
        page.api.get(f"{resource}/moves"),
        page.api.get(f"{path}/roadmaps/{rid}/board", {"limit": OFFERED}),
        page.api.get_if_readable(f"{path}/objectives", {"limit": 200}),
        page.api.get_if_readable(f"{path}/opportunities", {"limit": 200}),
        page.api.get_if_readable(
            f"{path}/demand", {"target_type": "roadmap_item", "target_id": iid}
        ),
    )
    objectives = (objectives or {}).get("items", [])
    opportunities = (opportunities or {}).get("items", [])
    titles = {o["objective_id"]: o["title"] for o in objectives}
    titles |= {o["opportunity_id"]: o["title"] for o in opportunities}
    others = [i for column in board["columns"].values() for i in column if i["item_id"] != iid]
    on_roadmap = {i["item_id"]: i for i in others}
    depends_on = found.get("depends_on", [])
    waiting = _waiting_for(iid, others)
    return page.render(
        "item.html",
        ws=ws,
        roadmap_id=rid,
        item=found,
        moves=moves["items"],
        objectives=objectives,
        opportunities=opportunities,
        titles=titles,
        demand=next(iter((demand or {}).get("targets", [])), None),
        # Offered as the roadmap allows them next; its API says which.
        next_statuses=found.get("next_statuses", []),
        # A dependency on an item of another roadmap, or not open, shows by its id.
        depends_on=[(d, on_roadmap.get(d)) for d in depends_on],
        waited_for_by=[i for i in others if iid in i.get("depends_on", [])],
        # Not offered: what it depends on already, and what waits for it (a cycle).
        may_depend_on=[i for i in others if i["item_id"] not in {*depends_on, *waiting}],
        trackers=TRACKERS,
        committable=found["status"] in COMMITTABLE and not found.get("committed_to"),
        may_write=page.session.may(Access.WRITE, ws),
        may_publish=page.session.may(Access.PUBLISH, ws),
        may_audit=page.session.may(Access.READ, ws),
    )


def _waiting_for(iid: str, items: list[dict[str, Any]]) -> set[str]:
    """The items that wait for ``iid``, directly or in turn."""
    dependents: dict[str, set[str]] = defaultdict(set)
    for i in items:
        for d in i.get("depends_on", []):
            dependents[d].add(i["item_id"])
    found: set[str] = set()
    todo = [iid]
    while todo:
        for waiting in dependents[todo.pop()] - found:
            found.add(waiting)
            todo.append(waiting)
    return found


@router.post("/w/{ws}/roadmaps/{rid}/items/{iid}/serves")
async def serves(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    """The objectives and opportunities the item serves, as ticked on its page."""
    form = await form_of(page.request)
    here, resource = _paths(ws, rid, iid)
    body = {
        "objective_ids": ticked(form, "objective"),
        "opportunity_ids": ticked(form, "opportunity"),
    }
    body = await as_edited(page, form, body, resource)
    return await act(
        page, form, "PATCH", resource, body, to=here, notice="Saved what the item serves."
    )


@router.post("/w/{ws}/roadmaps/{rid}/items/{iid}/details")
async def change_details(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    """The item's title and description, and its owner and team when given (the roadmap
    keeps those it has when left blank)."""
    form = await form_of(page.request)
    here, resource = _paths(ws, rid, iid)
    body = {
        "title": required(form, "title", "Title"),
        "description": form.get("description", "").strip(),
    }
    optional(form, body, "owner", "team")
    body = await as_edited(page, form, body, resource, kept_when_blank=("owner", "team"))
    return await act(page, form, "PATCH", resource, body, to=here, notice="Details saved.")


@router.post("/w/{ws}/roadmaps/{rid}/items/{iid}/status")
async def change_status(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    here, resource = _paths(ws, rid, iid)
    to = choice(form, "to", "Status", STATUSES)
    body = {"to": to, "reason": form.get("reason", "").strip()}
    return await act(
        page,
        form,
        "POST",
        f"{resource}/status",
        body,
        to=here,
        notice=f"Now {to.replace('_', ' ')}.",
    )


@router.post("/w/{ws}/roadmaps/{rid}/items/{iid}/dependencies")
async def add_dependency(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    """The item waits for another of the roadmap's (a cycle is the API's 409, shown)."""
    form = await form_of(page.request)
    here, resource = _paths(ws, rid, iid)
    on = an_id(form, "depends_on", "Depends on")
    body = {"depends_on_item_id": on}
    return await act(
        page, form, "POST", f"{resource}/dependencies", body, to=here, notice="Dependency added."
    )


@router.post("/w/{ws}/roadmaps/{rid}/items/{iid}/dependencies/remove")
async def remove_dependency(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    here, resource = _paths(ws, rid, iid)
    on = an_id(form, "depends_on", "Depends on")
    path = f"{resource}/dependencies/{on}"
    return await act(page, form, "DELETE", path, to=here, notice="Dependency removed.")


@router.post("/w/{ws}/roadmaps/{rid}/items/{iid}/commit")
async def commit(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    """Hand the item off to delivery: the tracker's connector opens its ticket and reports
    its status back."""
    form = await form_of(page.request)
    here, resource = _paths(ws, rid, iid)
    tracker = choice(form, "tracker", "Tracker", tuple(TRACKERS))
    body = {"tracker": tracker, "project_key": required(form, "project_key", "Project key")}
    notice = f"Handed off to {TRACKERS[tracker]}, project {body['project_key']}."
    return await act(page, form, "POST", f"{resource}/commit", body, to=here, notice=notice)
