"""The feedback inbox: filtering, recording feedback heard first-hand (a call, a customer
meeting with its attendees), linking an item to problems and opportunities (and taking a
link back), merging duplicates."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlencode

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
    an_id,
    choice,
    day_start,
    form_of,
    is_id,
    lines,
    optional,
    redirect,
    required,
    submission_key,
    tags,
    ticked,
    trace_of,
)

router = APIRouter()

CUSTOMER = "customer:"
"""How the feedback API names a vote cast on a customer account's behalf."""

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
FILTERS = (
    "q",
    "source",
    "sentiment",
    "linked",
    "tagged",
    "tag",
    "theme",
    "customer_ref",
    "segment",
    "received_from",
    "received_to",
)
# What the console links feedback to: the workspace's discovery, as evidence.
TARGETS = {
    "problem": "the problem",
    "opportunity": "the opportunity",
    "roadmap_item": "the roadmap item",
}


def _filters(page: Page) -> tuple[dict[str, str], dict[str, str | None]]:
    """The inbox's filters as the page's form chose them, and as the API takes them."""
    params = page.request.query_params
    chosen = {k: params.get(k, "").strip() for k in FILTERS}
    asked: dict[str, str | None] = {
        k: v for k, v in chosen.items() if not k.startswith("received_")
    }
    asked.update(received_between(chosen))
    return chosen, asked


def received_between(chosen: dict[str, str]) -> dict[str, str | None]:
    """A form's ``received_from`` through ``received_to`` (UTC days, both included) as the
    feedback API's ``since`` and ``until``."""
    since = day_start(chosen.get("received_from", ""), "Received from")
    until = day_start(chosen.get("received_to", ""), "Received to", days_later=1)
    if since and until and since >= until:
        raise BadForm("Received from must be on or before Received to")
    return {"since": since, "until": until}


@router.get("/w/{ws}/feedback", response_class=HTMLResponse)
async def inbox(ws: Workspace, page: Page) -> Response:
    chosen, asked = _filters(page)
    path = f"/v1/workspaces/{ws}"
    may_write = page.session.may(Access.WRITE, ws)
    found, problems, opportunities = await asyncio.gather(
        page.api.get(
            f"{path}/feedback",
            {**asked, "limit": page.page_size, "cursor": page.request.query_params.get("cursor")},
        ),
        # What the ticked items may be linked to, for those who triage them.
        _beside(page, f"{path}/problems", {"status": "open", "limit": 200}, may_write),
        _beside(page, f"{path}/opportunities", {"limit": 200}, may_write),
    )
    return page.render(
        "inbox.html",
        ws=ws,
        items=found["items"],
        problems=(problems or {}).get("items", []),
        opportunities=[
            o for o in (opportunities or {}).get("items", []) if o.get("status") != "rejected"
        ],
        here=str(page.request.url.path)
        + (f"?{page.request.url.query}" if page.request.url.query else ""),
        next_cursor=found.get("next_cursor"),
        chosen=chosen,
        # The same filters, for the file of every item they keep.
        export_query=urlencode({k: v for k, v in chosen.items() if v}),
        sources=SOURCES,
        sentiments=SENTIMENTS,
        may_write=may_write,
    )


async def _beside(page: Page, path: str, params: dict[str, Any], wanted: bool) -> Any:
    """What a page shows beside its subject, if ``wanted`` and readable (else None)."""
    return await page.api.get_if_readable(path, params) if wanted else None


# How a triage's results read, by each item's status.
TRIAGED = {
    "changed": "changed",
    "unchanged": "already so",
    "not_found": "no longer found",
    "conflict": "merged into another item, so left alone",
    "rejected": "refused",
}


@router.post("/w/{ws}/feedback/triage")
async def triage(ws: Workspace, page: Page) -> Response:
    """Tags added or removed, and a link made, on every item ticked in the inbox; back to
    the inbox as it was filtered, saying how each kind of item fared."""
    form = await form_of(page.request)
    picked = ticked(form, "pick")
    if not picked:
        raise BadForm("Tick the items to triage")
    body: dict[str, Any] = {
        "feedback_ids": picked,
        "add_tags": tags(form, "add_tags"),
        "remove_tags": tags(form, "remove_tags"),
    }
    if chosen := form.get("target", "").strip():
        target_type, target_id = target(chosen)
        body["link"] = {"target_type": target_type, "target_id": target_id}
    if not (body["add_tags"] or body["remove_tags"] or "link" in body):
        raise BadForm("Add or remove a tag, or choose what to link them to")
    done = await page.api.send(
        "POST", f"/v1/workspaces/{ws}/feedback/triage", body, key=submission_key(form)
    )
    fared = ", ".join(
        f"{count} {TRIAGED.get(status, status)}" for status, count in done["summary"].items()
    )
    to = _back(form, ws) or f"/w/{ws}/feedback"
    notice = f"Triaged {len(picked)} items: {fared}."
    return redirect(page.request, to, notice=notice, token=done.get("consistency_token"))


def _back(form: dict[str, str], ws: str) -> str | None:
    """The workspace's feedback page a form came from, to go back to (none other)."""
    back = form.get("back", "")
    return back if back.startswith(f"/w/{ws}/feedback") else None


@router.get("/w/{ws}/feedback/export")
async def export(ws: Workspace, page: Page) -> Response:
    """Every item the inbox's filters keep, as the API streams it (CSV; the console holds
    none of it in memory)."""
    _, asked = _filters(page)
    upstream = await page.api.stream(
        f"/v1/workspaces/{ws}/feedback/export", {**asked, "format": "csv"}
    )
    return StreamingResponse(
        upstream.aiter_bytes(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": upstream.headers.get("content-disposition", "attachment")},
        background=BackgroundTask(upstream.aclose),
    )


@router.post("/w/{ws}/feedback")
async def record(ws: Workspace, page: Page) -> Response:
    """Feedback someone heard and writes down: what was said, through which channel, by
    which customer's people (and who attended, for a meeting)."""
    form = await form_of(page.request)
    body: dict[str, Any] = {
        "text": required(form, "text", "Feedback"),
        "source": choice(form, "source", "Source", SOURCES),
        "attendees": lines(form, "attendees", "Attendees", most=100, longest=300),
        "tags": tags(form),
    }
    optional(form, body, "customer_ref", "author")
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/feedback",
        body,
        to=lambda made: f"/w/{ws}/feedback/{made['id']}",
        notice="Feedback recorded. Link it to the problem it is evidence for.",
    )


@router.get("/w/{ws}/feedback/{fid}", response_class=HTMLResponse)
async def item(ws: Workspace, fid: Id, page: Page) -> Response:
    path = f"/v1/workspaces/{ws}"
    found, similar, problems, opportunities, trace = await asyncio.gather(
        page.api.get(f"{path}/feedback/{fid}"),
        page.api.get(f"{path}/feedback/{fid}/similar", {"limit": 10}),
        page.api.get(f"{path}/problems", {"limit": 200}),
        page.api.get(f"{path}/opportunities", {"limit": 200}),
        # The roadmap items it backs, directly or through what it is linked to.
        trace_of(page, f"/v1/query/feedback/{fid}/trace"),
    )
    titles = {f"problem:{p['problem_id']}": p["title"] for p in problems["items"]}
    titles |= {f"opportunity:{o['opportunity_id']}": o["title"] for o in opportunities["items"]}
    on_roadmap = (trace or {}).get("roadmap_items", [])
    titles |= {f"roadmap_item:{i['item_id']}": i["title"] for i in on_roadmap}
    linked = {f"{x['target_type']}:{x['target_id']}" for x in found.get("linked_to", [])}
    return page.render(
        "feedback_item.html",
        ws=ws,
        item=found,
        similar=similar["suggestions"],
        titles=titles,
        # Open ones only, and not those it is linked to already.
        problems=[
            p
            for p in problems["items"]
            if p.get("status") == "open" and f"problem:{p['problem_id']}" not in linked
        ],
        opportunities=[
            o
            for o in opportunities["items"]
            if o.get("status") != "rejected" and f"opportunity:{o['opportunity_id']}" not in linked
        ],
        on_roadmap=on_roadmap,
        may_write=page.session.may(Access.WRITE, ws),
        # The votes the user may take back: their own, and those on customers' behalf.
        withdrawable=[
            ("" if v == page.session.actor else v.removeprefix(CUSTOMER), v)
            for v in found.get("voters", [])
            if v == page.session.actor or v.startswith(CUSTOMER)
        ],
    )


@router.post("/w/{ws}/feedback/{fid}/tags")
async def classify(ws: Workspace, fid: Id, page: Page) -> Response:
    """Tags and themes added (separated by commas) and removed (unticked)."""
    form = await form_of(page.request)
    body = {
        "add_tags": tags(form, "add_tags"),
        "remove_tags": ticked(form, "untag", ids=False),
        "add_themes": tags(form, "add_themes"),
        "remove_themes": ticked(form, "untheme", ids=False),
    }
    if not any(body.values()):
        raise BadForm("Add a tag or theme, or tick one to remove")
    path = f"/v1/workspaces/{ws}/feedback/{fid}/tags"
    return await act(
        page, form, "POST", path, body, to=f"/w/{ws}/feedback/{fid}", notice="Tags saved."
    )


@router.post("/w/{ws}/feedback/{fid}/votes")
async def vote(ws: Workspace, fid: Id, page: Page) -> Response:
    """A vote: the signed-in user's, or a customer account's on whose behalf they vote."""
    form = await form_of(page.request)
    body: dict[str, Any] = {}
    optional(form, body, "on_behalf_of")
    notice = f"Voted on behalf of {body['on_behalf_of']}." if body else "Voted."
    path = f"/v1/workspaces/{ws}/feedback/{fid}/votes"
    return await act(page, form, "POST", path, body, to=f"/w/{ws}/feedback/{fid}", notice=notice)


@router.post("/w/{ws}/feedback/{fid}/votes/withdraw")
async def withdraw_vote(ws: Workspace, fid: Id, page: Page) -> Response:
    """The signed-in user's own vote taken back, or the one on a customer's behalf."""
    form = await form_of(page.request)
    params: dict[str, Any] = {}
    optional(form, params, "on_behalf_of")
    whose = f"the vote on behalf of {params['on_behalf_of']}" if params else "your vote"
    path = f"/v1/workspaces/{ws}/feedback/{fid}/votes"
    if params:
        path += "?" + urlencode(params)
    notice = f"Took back {whose}."
    return await act(page, form, "DELETE", path, None, to=f"/w/{ws}/feedback/{fid}", notice=notice)


@router.post("/w/{ws}/feedback/{fid}/links")
async def link(ws: Workspace, fid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    target_type, target_id = target(required(form, "target", "Problem or opportunity"))
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/feedback/{fid}/links",
        {"target_type": target_type, "target_id": target_id},
        to=f"/w/{ws}/feedback/{fid}",
        notice=f"Linked to {TARGETS[target_type]}; it now counts as evidence.",
    )


@router.post("/w/{ws}/feedback/{fid}/links/remove")
async def unlink(ws: Workspace, fid: Id, page: Page) -> Response:
    """Take a link back (made in error): the item no longer counts as evidence there."""
    form = await form_of(page.request)
    target_type, target_id = target(required(form, "target", "Link"))
    return await act(
        page,
        form,
        "DELETE",
        f"/v1/workspaces/{ws}/feedback/{fid}/links/{target_type}/{target_id}",
        to=f"/w/{ws}/feedback/{fid}",
        notice=f"Unlinked from {TARGETS[target_type]}.",
    )


def target(value: str) -> tuple[str, str]:
    """``problem:<id>`` or ``opportunity:<id>``, as the forms send a link's target."""
    kind, _, target_id = value.partition(":")
    if kind not in TARGETS or not is_id(target_id):
        raise BadForm(f"choose a problem or an opportunity, not {value[:60]!r}")
    return kind, target_id


@router.post("/w/{ws}/feedback/{fid}/merge")
async def merge(ws: Workspace, fid: Id, page: Page) -> Response:
    """Merge a duplicate (from the form) into this item; back to the item, or to the
    feedback page the form came from (the likely duplicates)."""
    form = await form_of(page.request)
    duplicate = an_id(form, "duplicate_id", "Duplicate")
    back = _back(form, ws)
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/feedback/{duplicate}/merge",
        {"into_id": fid},
        to=back or f"/w/{ws}/feedback/{fid}",
        notice="Merged the duplicate into the item kept; its votes and links moved there."
        if back
        else "Merged the duplicate into this item; its votes and links moved here.",
    )


@router.post("/w/{ws}/feedback/{fid}/tell-apart")
async def tell_apart(ws: Workspace, fid: Id, page: Page) -> Response:
    """This item is not the same request as the other (from the form), though alike."""
    form = await form_of(page.request)
    other = an_id(form, "other_id", "The other item")
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/feedback/{fid}/tell-apart",
        {"other_id": other},
        to=_back(form, ws) or f"/w/{ws}/feedback/{fid}",
        notice="Told apart: the two are no longer offered as duplicates.",
    )


@router.post("/w/{ws}/feedback/{fid}/told-apart/{other}/withdraw")
async def withdraw_telling_apart(ws: Workspace, fid: Id, other: Id, page: Page) -> Response:
    """Told apart from the other by mistake: the two are the same request after all."""
    form = await form_of(page.request)
    return await act(
        page,
        form,
        "DELETE",
        f"/v1/workspaces/{ws}/feedback/{fid}/told-apart/{other}",
        None,
        to=f"/w/{ws}/feedback/{fid}",
        notice="No longer told apart: the two may be offered as duplicates again.",
    )


@router.post("/w/{ws}/feedback/{fid}/unmerge")
async def unmerge(ws: Workspace, fid: Id, page: Page) -> Response:
    """This item, merged by mistake, stands on its own again."""
    form = await form_of(page.request)
    body = {"reason": required(form, "reason", "Why they are not the same")}
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/feedback/{fid}/unmerge",
        body,
        to=f"/w/{ws}/feedback/{fid}",
        notice="Unmerged: it stands on its own again, with its links.",
    )
