"""Where a workspace's direction is written: its vision stated, a strategy drafted and
taken through review by the reviewers it names (comment, request changes, approve),
milestones planned, moved with a reason and reached on the preliminary timeline, and
decisions recorded in the log (product concepts are ``concepts``)."""

from __future__ import annotations

import asyncio
import re
from datetime import date
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import PERMISSIONS, Access, Role

from sextant_console.web import (
    BadForm,
    Id,
    Page,
    Workspace,
    act,
    as_edited,
    form_of,
    lines,
    optional,
    required,
    ticked,
)

router = APIRouter()

QUARTER = re.compile(r"^\d{4}-Q[1-4]$")
MAX_REVIEWERS = 20
MAX_OPTIONS = 20
EVIDENCE_KINDS = ("problem", "opportunity")
"""What the console offers a decision to rest on (the API takes feedback and experiments
too)."""
MAX_EVIDENCE = 100


@router.post("/w/{ws}/vision")
async def state_vision(ws: Workspace, page: Page) -> Response:
    """The workspace's vision and mission, as a new revision."""
    form = await form_of(page.request)
    path = f"/v1/workspaces/{ws}/vision"
    body = {
        "vision": required(form, "vision", "Vision"),
        "mission": required(form, "mission", "Mission"),
    }
    body = await as_edited(page, form, body, path)
    optional(form, body, "note")
    return await act(
        page,
        form,
        "PUT",
        path,
        body,
        to=f"/w/{ws}/strategy",
        notice="Vision revised.",
    )


@router.post("/w/{ws}/strategies")
async def draft_strategy(ws: Workspace, page: Page) -> Response:
    form = await form_of(page.request)
    body = strategy_body(form)
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/strategies",
        body,
        to=lambda made: f"/w/{ws}/strategies/{made['id']}",
        notice=f"Strategy drafted: {body['title']}. Submit it for review when it is ready.",
    )


@router.get("/w/{ws}/strategies/{sid}", response_class=HTMLResponse)
async def strategy(ws: Workspace, sid: Id, page: Page) -> Response:
    path = f"/v1/workspaces/{ws}"
    found, (objectives, concepts) = await asyncio.gather(
        page.api.get(f"{path}/strategies/{sid}"), strategy_parts(page, path)
    )
    titles = {o["objective_id"]: o["title"] for o in objectives}
    # An organisation objective the strategy serves is read by its id, and its concept when
    # not among those listed: the revise form offers them ticked and chosen, so that saving
    # it keeps them.
    elsewhere = [o for o in found["objective_ids"] if o not in titles]
    wanted = [f"/v1/organisation/objectives/{o}" for o in elsewhere]
    concept = found.get("concept_id")
    if concept and concept not in {c["concept_id"] for c in concepts}:
        wanted.append(f"{path}/concepts/{concept}")
    read = await asyncio.gather(*(page.api.get_if_readable(w) for w in wanted))
    for o, objective in zip(elsewhere, read[: len(elsewhere)], strict=True):
        if objective:
            titles[o] = objective["title"]
        objectives.append(objective or {"objective_id": o, "title": o})
    concepts += [c for c in read[len(elsewhere) :] if c]
    status = found["status"]
    may_write = page.session.may(Access.WRITE, ws)
    actor = page.session.actor
    may_submit = may_write and status in ("draft", "changes_requested")
    # Whom to ask: the team's members who may approve (not the author asking).
    team = await directory(page, ws) if may_submit else {}
    return page.render(
        "strategy.html",
        ws=ws,
        s=editable(found),
        objectives=objectives,
        objective_titles=titles,
        concepts=concepts,
        may_write=may_write,
        may_revise=may_write and status != "in_review",
        may_submit=may_submit,
        approvers={m: r for m, r in team.items() if _decides(r) and m != actor},
        # Named before, and not in the team's directory (a member who may not approve is
        # not offered again).
        outsiders=[r for r in found["reviewers"] if r not in team],
        # Only the reviewers the strategy names answer its review (the API enforces it).
        may_review=status == "in_review"
        and actor in found["reviewers"]
        and page.session.may(Access.DECIDE, ws),
        may_audit=page.session.may(Access.READ, ws),
    )


@router.post("/w/{ws}/strategies/{sid}/{step}")
async def review_step(ws: Workspace, sid: Id, step: str, page: Page) -> Response:
    """A step of the strategy's review: ``revise``, ``submit``, ``comments``,
    ``request-changes`` or ``approve``."""
    form = await form_of(page.request)
    body: dict[str, Any]
    resource = f"/v1/workspaces/{ws}/strategies/{sid}"
    method, path = "POST", f"{resource}/{step}"
    if step == "revise":
        method, path = "PUT", resource
        body = await as_edited(page, form, strategy_body(form), resource, editable)
        notice = "Strategy revised."
    elif step == "submit":
        body = {"reviewers": await approvers(page, ws, reviewers(form))}
        notice = f"Submitted for review to {', '.join(body['reviewers'])}."
    elif step == "comments":
        body, notice = {"text": required(form, "text", "Comment")}, "Comment added."
    elif step == "request-changes":
        body = {"text": required(form, "text", "What to change")}
        notice = "Changes requested; the strategy is back with its authors."
    elif step == "approve":
        body, notice = {}, "Approved: this version is now the workspace's strategy."
        optional(form, body, "comment")
    else:
        raise BadForm(f"a strategy's review has no step {step!r}")
    return await act(page, form, method, path, body, to=f"/w/{ws}/strategies/{sid}", notice=notice)


@router.post("/w/{ws}/decisions")
async def record_decision(ws: Workspace, page: Page) -> Response:
    """A decision for the log: what was decided among which options, and why."""
    form = await form_of(page.request)
    decision = required(form, "decision", "Decision")
    body: dict[str, Any] = {
        "title": required(form, "title", "Title"),
        "context": required(form, "context", "Context"),
        "options": options(form, decision),
        "decision": decision,
        "rationale": required(form, "rationale", "Rationale"),
    }
    optional(form, body, "supersedes")
    body["evidence"] = [
        {"kind": kind, "id": x} for kind in EVIDENCE_KINDS for x in ticked(form, kind)
    ]
    if len(body["evidence"]) > MAX_EVIDENCE:
        raise BadForm(f"Evidence: at most {MAX_EVIDENCE}, got {len(body['evidence'])}")
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/decisions",
        body,
        to=lambda made: f"/w/{ws}/strategy#decision-{made['id']}",
        notice=f"Decision recorded: {body['title']}.",
    )


async def strategy_parts(page: Page, path: str) -> tuple[list[Any], list[Any]]:
    """What a strategy in the workspace at ``path`` can be made of: its objectives and its
    product concepts."""
    objectives, concepts = await asyncio.gather(
        page.api.get(f"{path}/objectives", {"limit": 200}),
        page.api.get(f"{path}/concepts", {"limit": page.page_size}),
    )
    return objectives["items"], concepts["items"]


@router.post("/w/{ws}/milestones")
async def plan_milestone(ws: Workspace, page: Page) -> Response:
    form = await form_of(page.request)
    body: dict[str, Any] = {
        "title": required(form, "title", "Title"),
        "target_date": a_date(form, "target_date", "Target date"),
        "objective_ids": ticked(form, "objective"),
    }
    optional(form, body, "description")
    path = f"/v1/workspaces/{ws}/milestones"
    return await act(
        page,
        form,
        "POST",
        path,
        body,
        to=lambda made: f"/w/{ws}/strategy#milestone-{made['id']}",
        notice=f"Milestone planned: {body['title']} on {body['target_date']}.",
    )


@router.post("/w/{ws}/milestones/{mid}/{step}")
async def milestone_step(ws: Workspace, mid: Id, step: str, page: Page) -> Response:
    """A milestone retitled, redescribed or set to serve other objectives (``details``;
    what another changed since the page was opened is kept, or refused naming the field
    both changed), ``move``d to another date with the reason, or ``reach``ed."""
    form = await form_of(page.request)
    path = f"/v1/workspaces/{ws}/milestones/{mid}"
    method = "POST"
    body: dict[str, Any]
    if step == "details":
        typed = {
            "title": required(form, "title", "Title"),
            "description": form.get("description", "").strip(),
            "objective_ids": ticked(form, "objective"),
        }
        body = await as_edited(page, form, typed, path)
        method, notice = "PATCH", f"Saved: {body['title']}."
    elif step == "move":
        body = {
            "target_date": a_date(form, "target_date", "New date"),
            "reason": required(form, "reason", "Reason"),
        }
        notice = f"Moved to {body['target_date']}."
    elif step == "reach":
        body = {"reached_on": a_date(form, "reached_on", "Reached on")}
        notice = f"Reached on {body['reached_on']}."
    else:
        raise BadForm(f"a milestone has no step {step!r}")
    target = path if step == "details" else f"{path}/{step}"
    return await act(
        page, form, method, target, body, to=f"/w/{ws}/strategy#milestone-{mid}", notice=notice
    )


def strategy_body(form: dict[str, str]) -> dict[str, Any]:
    """A strategy's title, period and parts from its form: the objectives ticked, and the
    product concept if one is chosen."""
    body: dict[str, Any] = {
        "title": required(form, "title", "Title"),
        "period": period_from(form),
        "objective_ids": ticked(form, "objective"),
    }
    optional(form, body, "concept_id")
    return body


def editable(strategy: dict[str, Any]) -> dict[str, Any]:
    """A strategy as its revise form gives it back: with its period as a ``period``."""
    label = strategy["period_label"]
    period = (
        {"quarter": label}
        if QUARTER.match(label)
        else {"start": strategy["period_start"], "end": strategy["period_end"]}
    )
    return {**strategy, "period": period}


def period_from(form: dict[str, str]) -> dict[str, str]:
    """A quarter (2027-Q1), or a start and an end date."""
    quarter = form.get("quarter", "").strip().upper()
    start, end = form.get("start", "").strip(), form.get("end", "").strip()
    if quarter:
        if start or end:
            raise BadForm("Give the period as a quarter or as start and end dates, not both")
        if not QUARTER.match(quarter):
            raise BadForm(f"Quarter must look like 2027-Q1, got {quarter!r}")
        return {"quarter": quarter}
    if not (start and end):
        raise BadForm("Give the period as a quarter like 2027-Q1, or both start and end dates")
    start, end = a_date(form, "start", "Start"), a_date(form, "end", "End")
    if end < start:
        raise BadForm(f"End ({end}) is before start ({start})")
    return {"start": start, "end": end}


def a_date(form: dict[str, str], name: str, label: str) -> str:
    raw = required(form, name, label)
    try:
        return date.fromisoformat(raw).isoformat()
    except ValueError:
        raise BadForm(f"{label} must be a date like 2027-01-31, got {raw!r}") from None


def reviewers(form: dict[str, str]) -> list[str]:
    """The people who review: the team's members ticked, and others named one per line or
    separated by commas."""
    typed = (n.strip() for n in re.split(r"[,\n]", form.get("reviewers", "")))
    names = list(dict.fromkeys([*ticked(form, "reviewer", ids=False), *filter(None, typed)]))
    if not names:
        raise BadForm("Reviewers: tick or name at least one")
    if len(names) > MAX_REVIEWERS:
        raise BadForm(f"Name at most {MAX_REVIEWERS} reviewers, got {len(names)}")
    return names


async def directory(page: Page, ws: str) -> dict[str, str]:
    """The workspace's members and their roles, as its directory has them."""
    members = await page.api.every_readable(f"/v1/workspaces/{ws}/members")
    return {m["member"]: m["role"] for m in members}


def _decides(role: str) -> bool:
    return Access.DECIDE in PERMISSIONS[Role(role)]


async def approvers(page: Page, ws: str, names: list[str]) -> list[str]:
    """``names``, unless the directory gives one of them a role in the workspace that may not
    approve (their token would carry it, and the API would refuse their approval): then the
    form says who and whom to ask instead. Someone it does not list may hold a role across
    the organisation, or from the identity provider alone."""
    team = await directory(page, ws)
    if unable := [n for n in names if n in team and not _decides(team[n])]:
        who = ", ".join(f"{n} ({team[n].replace('_', ' ')})" for n in unable)
        able = ", ".join(sorted(m for m, r in team.items() if _decides(r))) or "nobody"
        raise BadForm(
            f"Reviewers: {who} may not approve a strategy in {ws}; "
            f"those who may decide there: {able}"
        )
    return names


def options(form: dict[str, str], decision: str) -> list[dict[str, str]]:
    """The options considered, one per line; without any, the decision was the only one."""
    titles = lines(form, "options", "Options", most=MAX_OPTIONS, longest=200) or [decision[:200]]
    return [{"title": t} for t in titles]
