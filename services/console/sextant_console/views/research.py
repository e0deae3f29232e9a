"""Market research as a team reads it: the latest insights, the personas it serves, and
the competitive landscape as a matrix of features against competitors; and where it records
an insight, describes a persona, profiles a competitor and compares a feature."""

from __future__ import annotations

import asyncio
import re
import uuid
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.web import (
    BadForm,
    Id,
    Page,
    Workspace,
    act,
    an_id,
    as_edited,
    choice,
    form_of,
    lines,
    optional,
    required,
    tags,
)

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
        may_write=page.session.may(Access.WRITE, ws),
        coverages=COVERAGES,
        competitor_statuses=COMPETITOR_STATUSES,
        new_competitor=uuid.uuid4(),
    )


@router.get("/w/{ws}/research/put-away", response_class=HTMLResponse)
async def put_away(
    ws: Workspace,
    page: Page,
    insights_cursor: str | None = None,
    personas_cursor: str | None = None,
) -> Response:
    """Archived personas and retired insights, each to be brought back."""
    path = f"/v1/workspaces/{ws}"
    insights, personas = await asyncio.gather(
        page.api.get(
            f"{path}/insights",
            {"retired": "true", "limit": page.page_size, "cursor": insights_cursor},
        ),
        page.api.get(
            f"{path}/personas",
            {"archived": "true", "limit": page.page_size, "cursor": personas_cursor},
        ),
    )
    return page.render(
        "research_put_away.html",
        ws=ws,
        insights=insights,
        personas=personas,
        may_write=page.session.may(Access.WRITE, ws),
    )


COVERAGES = ("none", "partial", "full", "better")
COMPETITOR_STATUSES = ("active", "watching", "declining", "acquired", "defunct")


@router.post("/w/{ws}/insights")
async def record_insight(ws: Workspace, page: Page) -> Response:
    """A research finding: its market (and segment), where it came from, what it says, the
    evidence behind it and its tags."""
    form = await form_of(page.request)
    body = {**finding(form), "tags": tags(form)}
    return await _done(page, ws, "insights", body, form, f"Insight recorded: {body['title']}.")


@router.post("/w/{ws}/insights/{iid}")
async def revise_insight(ws: Workspace, iid: Id, page: Page) -> Response:
    """What a current insight says, as it should stand; what others changed since the page
    was opened stays, unless the user changed the same field."""
    form = await form_of(page.request)
    path = f"/v1/workspaces/{ws}/insights/{iid}"
    body = await as_edited(page, form, finding(form), path)
    notice = f"Insight revised: {body['title']}."
    return await act(
        page, form, "PUT", path, body, to=f"/w/{ws}/research#insight-{iid}", notice=notice
    )


def finding(form: dict[str, str]) -> dict[str, Any]:
    """What an insight says, as its form gives it (recorded or revised)."""
    body: dict[str, Any] = {
        "title": required(form, "title", "Title"),
        "market": required(form, "market", "Market"),
        "source": required(form, "source", "Source"),
        "summary": required(form, "summary", "Summary"),
        "evidence_links": links(form, "evidence_links", "Evidence links"),
    }
    optional(form, body, "segment")
    return body


@router.post("/w/{ws}/insights/{iid}/tags")
async def tag_insight(ws: Workspace, iid: Id, page: Page) -> Response:
    """The insight's tags, replaced by those given (none clears them)."""
    form = await form_of(page.request)
    path = f"/v1/workspaces/{ws}/insights/{iid}"
    body = await as_edited(page, form, {"tags": tags(form)}, path)
    return await act(
        page,
        form,
        "PUT",
        f"{path}/tags",
        body,
        to=f"/w/{ws}/research#insight-{iid}",
        notice="Tags saved.",
    )


@router.post("/w/{ws}/insights/{iid}/retire")
async def retire_insight(ws: Workspace, iid: Id, page: Page) -> Response:
    """Research overtaken: no longer listed, nor offered as evidence for a problem."""
    form = await form_of(page.request)
    body = {"reason": required(form, "reason", "Reason")}
    notice = "Insight retired: problems it backs keep it, marked retired."
    return await _done(page, ws, f"insights/{iid}/retire", body, form, notice)


@router.post("/w/{ws}/insights/{iid}/reinstate")
async def reinstate_insight(ws: Workspace, iid: Id, page: Page) -> Response:
    """A retired insight current again: listed, and offered as evidence again."""
    form = await form_of(page.request)
    body = {"reason": required(form, "reason", "Why it holds again")}
    notice = "Insight reinstated: it is current research again."
    return await _done(page, ws, f"insights/{iid}/reinstate", body, form, notice)


@router.post("/w/{ws}/personas")
async def describe_persona(ws: Workspace, page: Page) -> Response:
    form = await form_of(page.request)
    body = persona_profile(form)
    return await _done(page, ws, "personas", body, form, f"Persona described: {body['name']}.")


@router.post("/w/{ws}/personas/{pid}")
async def revise_persona(ws: Workspace, pid: Id, page: Page) -> Response:
    """The persona's next version (earlier ones stay readable), with what changed."""
    form = await form_of(page.request)
    path = f"/v1/workspaces/{ws}/personas/{pid}"
    profile = await as_edited(page, form, persona_profile(form), path, lambda p: p["profile"])
    body: dict[str, Any] = {"profile": profile}
    optional(form, body, "note")
    return await act(
        page,
        form,
        "PUT",
        path,
        body,
        to=f"/w/{ws}/research#persona-{pid}",
        notice=f"Persona revised: {body['profile']['name']}.",
    )


@router.post("/w/{ws}/personas/{pid}/archive")
async def archive_persona(ws: Workspace, pid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    notice = "Persona archived: it is no longer listed (the API lists archived ones on request)."
    return await _done(page, ws, f"personas/{pid}/archive", None, form, notice)


@router.post("/w/{ws}/personas/{pid}/restore")
async def restore_persona(ws: Workspace, pid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    notice = "Persona restored: it is listed, revised and named by problems again."
    return await _done(page, ws, f"personas/{pid}/restore", None, form, notice)


def persona_profile(form: dict[str, str]) -> dict[str, Any]:
    """Who a persona is and what they want, as its form gives it."""
    body: dict[str, Any] = {"name": required(form, "name", "Name")}
    optional(form, body, "segment", "description")
    for name, label in (
        ("goals", "Goals"),
        ("pains", "Pains"),
        ("jobs_to_be_done", "Jobs to be done"),
    ):
        body[name] = lines(form, name, label)
    return body


@router.post("/w/{ws}/competitors/{cid}")
async def profile_competitor(ws: Workspace, cid: Id, page: Page) -> Response:
    """A competitor's profile; the form carries the new competitor's id, so sending it
    twice profiles one competitor."""
    form = await form_of(page.request)
    body: dict[str, Any] = {"name": required(form, "name", "Name")}
    optional(form, body, "positioning", "pricing_notes")
    if website := form.get("website", "").strip():
        body["website"] = links({"website": website}, "website", "Website")[0]
    body["strengths"] = lines(form, "strengths", "Strengths")
    body["weaknesses"] = lines(form, "weaknesses", "Weaknesses")
    path = f"/v1/workspaces/{ws}/competitors/{cid}"
    body = await as_edited(page, form, body, path, lambda c: c["profile"])
    return await act(
        page,
        form,
        "PUT",
        path,
        body,
        to=f"/w/{ws}/research#competitor-{cid}",
        notice=f"Competitor profiled: {body['name']}. Compare its features with ours.",
    )


@router.post("/w/{ws}/competitors/{cid}/status")
async def competitor_status(ws: Workspace, cid: Id, page: Page) -> Response:
    """A competitor's standing in the market changed: watching, declining, acquired..."""
    form = await form_of(page.request)
    body = {"status": choice(form, "status", "Status", COMPETITOR_STATUSES)}
    optional(form, body, "reason")
    notice = f"Competitor now {body['status']}."
    return await _done(page, ws, f"competitors/{cid}/status", body, form, notice)


@router.post("/w/{ws}/feature-comparisons")
async def compare_feature(ws: Workspace, page: Page) -> Response:
    """A feature compared: how the competitor chosen on the form covers it, and how we do."""
    form = await form_of(page.request)
    cid = an_id(form, "competitor_id", "Competitor")
    body: dict[str, Any] = {
        "feature": required(form, "feature", "Feature"),
        "theirs": choice(form, "theirs", "Theirs", COVERAGES),
        "ours": choice(form, "ours", "Ours", COVERAGES),
    }
    optional(form, body, "note")
    notice = f"Compared {body['feature']}: theirs {body['theirs']}, ours {body['ours']}."
    return await _done(page, ws, f"competitors/{cid}/features", body, form, notice)


async def _done(
    page: Page, ws: str, path: str, body: dict[str, Any] | None, form: dict[str, str], notice: str
) -> Response:
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/{path}",
        body,
        to=f"/w/{ws}/research",
        notice=notice,
    )


def links(form: dict[str, str], name: str, label: str) -> list[str]:
    found = lines(form, name, label)
    if odd := next((x for x in found if not re.match(r"^https?://\S+$", x)), None):
        raise BadForm(f"{label}: each is an http(s) address, got {odd[:80]!r}")
    return found


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
