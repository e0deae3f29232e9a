"""Roadmaps: the list, the now/next/later board with prioritising and moving, the
timeline (one item's page is ``item``)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.timeline import timeline_svg
from sextant_console.web import (
    BadForm,
    Id,
    Page,
    Workspace,
    act,
    as_edited,
    finite,
    form_of,
    optional,
    redirect,
    required,
)

router = APIRouter()

HORIZONS = ("now", "next", "later")
COLUMNS = (*HORIZONS, "unscheduled")
ITEM_TYPES = ("feature", "initiative", "epic", "experiment")
MAX_SHOWN = 200
MODELS = {
    "rice": "reach, impact (0-3), confidence (%), effort",
    "ice": "impact, confidence, ease (each 1-10)",
    "wsjf": "business_value, time_criticality, risk_reduction, job_size",
    "value_effort": "value, effort",
}


def _base(ws: str, rid: str) -> str:
    return f"/w/{ws}/roadmaps/{rid}"


@router.get("/w/{ws}/roadmaps", response_class=HTMLResponse)
async def roadmaps(
    ws: Workspace, page: Page, cursor: str | None = None, archived: bool = False
) -> Response:
    """The roadmaps in use, or those archived (``archived=true``); a stakeholder's, those
    published to them."""
    if page.session.may(Access.READ, ws):
        found = await page.api.get(
            f"/v1/workspaces/{ws}/roadmaps",
            {"limit": page.page_size, "cursor": cursor, "archived": str(archived).lower()},
        )
        published_only = False
    else:
        found = await page.api.get(
            f"/v1/workspaces/{ws}/published-roadmaps", {"limit": page.page_size, "cursor": cursor}
        )
        published_only = True
    return page.render(
        "roadmaps.html",
        ws=ws,
        roadmaps=found["items"],
        next_cursor=found.get("next_cursor"),
        published_only=published_only,
        archived=archived and not published_only,
        may_write=page.session.may(Access.WRITE, ws) and not archived,
    )


@router.post("/w/{ws}/roadmaps")
async def create_roadmap(ws: Workspace, page: Page) -> Response:
    form = await form_of(page.request)
    name = required(form, "name", "Name")
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/roadmaps",
        {"name": name},
        to=lambda made: _base(ws, made["id"]),
        notice=f"Roadmap “{name}” created.",
    )


@router.post("/w/{ws}/roadmaps/{rid}")
async def rename_roadmap(ws: Workspace, rid: Id, page: Page) -> Response:
    """The roadmap's name and description; what others changed since the page was opened
    stays, unless the user changed the same field."""
    form = await form_of(page.request)
    resource = f"/v1/workspaces/{ws}/roadmaps/{rid}"
    typed = {
        "name": required(form, "name", "Name"),
        "description": form.get("description", "").strip(),
    }
    body = await as_edited(page, form, typed, resource, params={"include_items": "false"})
    return await act(
        page,
        form,
        "PATCH",
        resource,
        body,
        to=_base(ws, rid),
        notice=f"Roadmap “{body['name']}” saved.",
    )


@router.post("/w/{ws}/roadmaps/{rid}/archive")
async def archive_roadmap(ws: Workspace, rid: Id, page: Page) -> Response:
    """Put away, with a note if given: off the list, no changes until restored."""
    form = await form_of(page.request)
    body: dict[str, Any] = {}
    optional(form, body, "note")
    path = f"/v1/workspaces/{ws}/roadmaps/{rid}/archive"
    notice = "Archived: it takes no changes until it is restored."
    return await act(page, form, "POST", path, body, to=_base(ws, rid), notice=notice)


@router.post("/w/{ws}/roadmaps/{rid}/restore")
async def restore_roadmap(ws: Workspace, rid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    path = f"/v1/workspaces/{ws}/roadmaps/{rid}/restore"
    return await act(page, form, "POST", path, {}, to=_base(ws, rid), notice="Restored.")


@router.get("/w/{ws}/roadmaps/{rid}", response_class=HTMLResponse)
async def board(ws: Workspace, rid: Id, page: Page, show: int = 0) -> Response:
    if not page.session.may(Access.READ, ws):
        return redirect(page.request, f"{_base(ws, rid)}/versions")
    path = f"/v1/workspaces/{ws}"
    shown, more = _shown(page, show)
    roadmap, found, formulas = await asyncio.gather(
        page.api.get(f"{path}/roadmaps/{rid}", {"include_items": "false"}),
        page.api.get(f"{path}/roadmaps/{rid}/board", {"limit": shown}),
        page.api.get(f"{path}/scoring-formulas"),
    )
    models = {
        **MODELS,
        **{f["name"]: ", ".join(f.get("inputs") or []) for f in formulas.get("items", [])},
    }
    return page.render(
        "board.html",
        ws=ws,
        roadmap=roadmap,
        columns=[(c, found["columns"].get(c, []), found["totals"].get(c, 0)) for c in COLUMNS],
        horizons=HORIZONS,
        item_types=ITEM_TYPES,
        models=models,
        # An archived roadmap takes no changes: only restoring it is offered.
        may_write=page.session.may(Access.WRITE, ws) and not roadmap.get("archived_at"),
        may_restore=page.session.may(Access.WRITE, ws) and bool(roadmap.get("archived_at")),
        may_publish=page.session.may(Access.PUBLISH, ws),
        may_audit=page.session.may(Access.READ, ws),
        more=more,
    )


def _shown(page: Page, show: int) -> tuple[int, int | None]:
    """How many items a column, lane or list of a roadmap's shows (``show`` asked for at
    least the board size, at most ``MAX_SHOWN``), and how many its "show more" asks for."""
    shown = min(max(show, page.request.app.state.settings.board_size), MAX_SHOWN)
    return shown, min(shown * 4, MAX_SHOWN) if shown < MAX_SHOWN else None


@router.post("/w/{ws}/roadmaps/{rid}/items")
async def add_item(ws: Workspace, rid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    title = required(form, "title", "Title")
    kind = form.get("type", "feature")
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/roadmaps/{rid}/items",
        {"title": title, "type": kind},
        to=_base(ws, rid),
        notice=f"Added “{title}”.",
    )


@router.post("/w/{ws}/roadmaps/{rid}/items/{iid}/move")
async def move(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    horizon = required(form, "horizon", "Horizon")
    body: dict[str, Any] = {"horizon": horizon, "reason": form.get("reason", "").strip()}
    quarter = form.get("quarter", "").strip()
    if quarter:
        body["timeframe"] = {"kind": "quarter", "value": quarter}
    title = form.get("title", "The item")
    path = f"/v1/workspaces/{ws}/roadmaps/{rid}/items/{iid}/schedule"
    return await act(
        page, form, "POST", path, body, to=_base(ws, rid), notice=f"{title} moved to {horizon}."
    )


@router.post("/w/{ws}/roadmaps/{rid}/items/{iid}/score")
async def score(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    model = required(form, "model", "Model")
    inputs = parse_inputs(required(form, "inputs", "Inputs"))
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/roadmaps/{rid}/items/{iid}/scores",
        {"model": model, "inputs": inputs},
        to=_base(ws, rid),
        notice=f"{form.get('title', 'The item')} scored with {model}.",
    )


@router.post("/w/{ws}/roadmaps/{rid}/items/{iid}/top")
async def to_top(ws: Workspace, rid: Id, iid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    return await act(
        page,
        form,
        "PUT",
        f"/v1/workspaces/{ws}/roadmaps/{rid}/order",
        {"order": [iid]},
        to=_base(ws, rid),
        notice=f"{form.get('title', 'The item')} is now first in the manual order.",
    )


@router.get("/w/{ws}/roadmaps/{rid}/ranking", response_class=HTMLResponse)
async def ranking(
    ws: Workspace,
    rid: Id,
    page: Page,
    model: Annotated[str, Query(max_length=50)] = "manual",
    show: int = 0,
) -> Response:
    """The roadmap's open and finished items ranked by one model's score, highest first
    (or in the manual order), and those not scored with it yet: the first of each."""
    path = f"/v1/workspaces/{ws}"
    shown, more = _shown(page, show)
    asked = {"model": model.strip() or "manual", "limit": shown}
    roadmap, found, formulas = await asyncio.gather(
        page.api.get(f"{path}/roadmaps/{rid}", {"include_items": "false"}),
        page.api.get(f"{path}/roadmaps/{rid}/ranking", asked),
        page.api.get(f"{path}/scoring-formulas"),
    )
    models = ["manual", *MODELS, *(f["name"] for f in formulas.get("items", []))]
    return page.render(
        "ranking.html",
        ws=ws,
        roadmap=roadmap,
        model=found["model"],
        models=models if found["model"] in models else [*models, found["model"]],
        ranked=found["items"],
        total=found.get("total", len(found["items"])),
        unscored=found.get("unscored", []),
        unscored_total=found.get("unscored_total", len(found.get("unscored", []))),
        more=more,
    )


Lanes = Literal["status", "team", "objective"]


@router.get("/w/{ws}/roadmaps/{rid}/lanes", response_class=HTMLResponse)
async def lanes(
    ws: Workspace, rid: Id, page: Page, by: Lanes = "status", show: int = 0
) -> Response:
    """The roadmap's items in lanes: by status (a kanban), by team or by the objective they
    serve (an item serving two is in both lanes); the first of each lane."""
    path = f"/v1/workspaces/{ws}/roadmaps/{rid}"
    shown, more = _shown(page, show)
    roadmap, found = await asyncio.gather(
        page.api.get(path, {"include_items": "false"}),
        page.api.get(f"{path}/kanban", {"limit": shown})
        if by == "status"
        else page.api.get(f"{path}/swimlanes", {"by": by, "limit": shown}),
    )
    if by == "status":
        totals = found.get("totals", {})
        rows = [
            {
                "label": status.replace("_", " "),
                "items": items,
                "total": totals.get(status, len(items)),
            }
            for status, items in found["columns"].items()
        ]
    else:
        titles = await _objective_titles(page, ws) if by == "objective" else {}
        rows = [
            {
                "label": titles.get(lane["key"], lane["key"]),
                "items": lane["items"],
                "total": lane.get("total", len(lane["items"])),
            }
            for lane in found["lanes"]
        ]
    return page.render(
        "lanes.html",
        ws=ws,
        roadmap=roadmap,
        by=by,
        choices=get_args(Lanes),
        lanes=rows,
        more=more,
    )


async def _objective_titles(page: Page, ws: str) -> dict[str, str]:
    """Objective ids to titles: the team's objectives and the organisation's."""
    found = await asyncio.gather(
        page.api.get_if_readable(f"/v1/workspaces/{ws}/objectives", {"limit": 200}),
        page.api.get_if_readable("/v1/organisation/objectives", {"limit": 200}),
    )
    return {o["objective_id"]: o["title"] for f in found for o in (f or {}).get("items", [])}


@router.get("/w/{ws}/roadmaps/{rid}/timeline", response_class=HTMLResponse)
async def timeline(ws: Workspace, rid: Id, page: Page) -> Response:
    path = f"/v1/workspaces/{ws}/roadmaps/{rid}"
    roadmap, found = await asyncio.gather(
        page.api.get(path, {"include_items": "false"}),
        page.api.get(f"{path}/timeline", {"limit": page.page_size * 2}),
    )
    return page.render(
        "timeline.html",
        ws=ws,
        roadmap=roadmap,
        items=found["items"],
        total=found.get("total", len(found["items"])),
        flagged=found.get("flagged", 0),
        chart=timeline_svg(found["items"]),
    )


def parse_inputs(raw: str) -> dict[str, float]:
    """``reach=2000, impact=2`` (commas, semicolons or spaces between pairs)."""
    inputs: dict[str, float] = {}
    for pair in raw.replace(";", ",").replace(",", " ").split():
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise BadForm(f"Inputs: write each as name=number, got {pair!r}")
        inputs[name.strip()] = finite(value, f"Inputs: {name}")
    if not inputs:
        raise BadForm("Inputs: give at least one name=number")
    return inputs
