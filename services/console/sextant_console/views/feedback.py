"""The feedback inbox: filtering, linking an item to a problem, merging duplicates."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.web import Id, Page, Workspace, form_of, redirect, required, submission_key

router = APIRouter()

SOURCES = (
    "support_ticket",
    "sales_call",
    "survey",
    "app_store",
    "community",
    "customer_meeting",
    "email",
    "chat",
    "internal",
    "api",
)
SENTIMENTS = ("positive", "neutral", "negative")
FILTERS = ("q", "source", "sentiment", "linked", "tag", "customer_ref")


@router.get("/w/{ws}/feedback", response_class=HTMLResponse)
async def inbox(ws: Workspace, page: Page) -> Response:
    params = page.request.query_params
    chosen = {k: params.get(k, "").strip() for k in FILTERS}
    found = await page.api.get(
        f"/v1/workspaces/{ws}/feedback",
        {**chosen, "limit": page.page_size, "cursor": params.get("cursor")},
    )
    return page.render(
        "inbox.html",
        ws=ws,
        items=found["items"],
        next_cursor=found.get("next_cursor"),
        chosen=chosen,
        sources=SOURCES,
        sentiments=SENTIMENTS,
    )


@router.get("/w/{ws}/feedback/{fid}", response_class=HTMLResponse)
async def item(ws: Workspace, fid: Id, page: Page) -> Response:
    path = f"/v1/workspaces/{ws}"
    found = await page.api.get(f"{path}/feedback/{fid}")
    similar = await page.api.get(f"{path}/feedback/{fid}/similar", {"limit": 10})
    problems: list[dict[str, Any]] = []
    may_write = page.session.may(Access.WRITE, ws)
    if may_write:
        problems = (await page.api.get(f"{path}/problems", {"limit": 200}))["items"]
    return page.render(
        "feedback_item.html",
        ws=ws,
        item=found,
        similar=similar["suggestions"],
        problems=[p for p in problems if p.get("status") == "open"],
        may_write=may_write,
    )


@router.post("/w/{ws}/feedback/{fid}/links")
async def link(ws: Workspace, fid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    problem = required(form, "problem_id", "Problem")
    done = await page.api.post(
        f"/v1/workspaces/{ws}/feedback/{fid}/links",
        {"target_type": "problem", "target_id": problem},
        key=submission_key(form),
    )
    return redirect(
        page.request,
        f"/w/{ws}/feedback/{fid}",
        notice="Linked to the problem; it now counts as evidence.",
        token=done.get("consistency_token"),
    )


@router.post("/w/{ws}/feedback/{fid}/merge")
async def merge(ws: Workspace, fid: Id, page: Page) -> Response:
    """Merge a duplicate (from the form) into this item."""
    form = await form_of(page.request)
    duplicate = required(form, "duplicate_id", "Duplicate")
    done = await page.api.post(
        f"/v1/workspaces/{ws}/feedback/{duplicate}/merge",
        {"into_id": fid},
        key=submission_key(form),
    )
    return redirect(
        page.request,
        f"/w/{ws}/feedback/{fid}",
        notice="Merged the duplicate into this item; its votes and links moved here.",
        token=done.get("consistency_token"),
    )
