"""The opportunity scoreboard with its evidence: scores, problems, linked feedback, demand;
where a team records a customer problem it has found and opens an opportunity on it; and
one opportunity, where the team evaluates it, proposes solutions, runs experiments on them
and decides."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse, Response
from sextant_kit.authz import Access

from sextant_console.views.roadmaps import ITEM_TYPES
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
    number,
    optional,
    required,
    ticked,
    trace_of,
)

router = APIRouter()

STATUSES = ("open", "pursued", "parked", "rejected")
SCALE = ("1", "2", "3", "4", "5")
VERDICTS = ("pursue", "park", "reject")
OUTCOMES = ("validated", "invalidated", "inconclusive")
UNITS = ("percent", "ratio", "count")
DIRECTIONS = ("at_least", "at_most")
# What an evaluation rates from 1 to 5, besides its reach (how many customers).
RATINGS = {
    "pain_severity": "Pain severity",
    "frequency": "Frequency",
    "willingness_to_pay": "Willingness to pay",
    "alternatives_strength": "Strength of the alternatives",
    "strategic_fit": "Strategic fit",
}
# An evaluation's points for the strength of the alternatives are for the gap they leave.
POINTS_OF = {"alternatives_strength": "alternatives_gap"}
MAX_REACH = 1_000_000_000
LISTED = 200
"""The workspace's problems, insights, personas or opportunities a form offers at most."""


@router.get("/w/{ws}/opportunities", response_class=HTMLResponse)
async def scoreboard(
    ws: Workspace,
    page: Page,
    status: str | None = None,
    cursor: str | None = None,
    ranked_before: Annotated[int, Query(ge=0, le=10**9)] = 0,
    problems_cursor: str | None = None,
) -> Response:
    """``ranked_before``: how many opportunities the pages before this one ranked, so the
    ranks go on where they left off."""
    path = f"/v1/workspaces/{ws}"
    may_write = page.session.may(Access.WRITE, ws)
    board, problems, open_problems, demand, personas = await asyncio.gather(
        page.api.get(
            f"{path}/opportunities",
            {"limit": page.page_size, "cursor": cursor, "status": status or None},
        ),
        page.api.get(f"{path}/problems", {"limit": page.page_size, "cursor": problems_cursor}),
        # what an opportunity may be opened on
        page.api.get(f"{path}/problems", {"status": "open", "limit": LISTED})
        if may_write
        else _nothing(),
        _demand(page, path),
        # who a problem may be recorded for
        page.api.get_if_readable(f"{path}/personas", {"limit": LISTED}),
    )
    return page.render(
        "scoreboard.html",
        ws=ws,
        opportunities=board["items"],
        next_cursor=board.get("next_cursor"),
        ranked_before=ranked_before,
        problems=problems["items"],
        problems_cursor=problems.get("next_cursor"),
        open_problems=(open_problems or {}).get("items", []),
        demand=demand,
        personas=(personas or {}).get("items", []),
        statuses=STATUSES,
        chosen_status=status or "",
        may_audit=page.session.may(Access.READ, ws),
        may_write=may_write,
        scale=SCALE,
    )


@router.post("/w/{ws}/problems")
async def identify_problem(ws: Workspace, page: Page) -> Response:
    """A customer pain point: what it is, how much it hurts, how often it happens."""
    form = await form_of(page.request)
    body = problem_body(form)
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/problems",
        body,
        to=f"/w/{ws}/opportunities",
        notice=f"Problem recorded: {body['title']}. Link feedback to it from the inbox.",
    )


@router.post("/w/{ws}/opportunities")
async def open_opportunity(ws: Workspace, page: Page) -> Response:
    """An opportunity on one or more of the workspace's problems (ticked on the form)."""
    form = await form_of(page.request)
    body = opportunity_body(form)
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/opportunities",
        body,
        to=lambda made: f"/w/{ws}/opportunities/{made['id']}",
        notice=f"Opportunity opened: {body['title']}. Evaluate it to place it on the scoreboard.",
    )


@router.get("/w/{ws}/opportunities/{oid}", response_class=HTMLResponse)
async def opportunity(
    ws: Workspace, oid: Id, page: Page, experiments_cursor: str | None = None
) -> Response:
    """``experiments_cursor`` pages on through its experiments, newest first."""
    path = f"/v1/workspaces/{ws}"
    found, log, demand, trace, decisions = await asyncio.gather(
        page.api.get(f"{path}/opportunities/{oid}"),
        page.api.get(
            f"{path}/opportunities/{oid}/experiments",
            {"limit": page.page_size, "cursor": experiments_cursor},
        ),
        _demand(page, path),
        # The roadmap items pursuing it and the objectives they serve (query service).
        trace_of(page, f"/v1/query/opportunities/{oid}/trace"),
        # The workspace's decisions that cite it as evidence (strategy).
        page.api.get_if_readable(
            f"{path}/decisions",
            {"entity_kind": "opportunity", "entity_id": oid, "limit": page.page_size},
        ),
    )
    experiments = log["items"]
    # Running experiments show their observations so far, against the threshold.
    running = [e for e in experiments if e["status"] == "running"]
    # A rejected opportunity takes no more commands; a pursued one goes on a roadmap as an
    # item pursuing it. What the forms offer is read with the page's other second reads.
    may_write = page.session.may(Access.WRITE, ws) and found["status"] != "rejected"
    problems, details, open_problems, roadmaps = await asyncio.gather(
        asyncio.gather(
            *(page.api.get_if_readable(f"{path}/problems/{p}") for p in found["problem_ids"])
        ),
        asyncio.gather(
            *(page.api.get(f"{path}/experiments/{e['experiment_id']}") for e in running)
        ),
        page.api.get(f"{path}/problems", {"status": "open", "limit": LISTED})
        if may_write
        else _nothing(),
        page.api.get_if_readable(f"{path}/roadmaps", {"limit": 200})
        if may_write and found["status"] == "pursued"
        else _nothing(),
    )
    observations = {d["experiment_id"]: d["observations"] for d in details}
    addressed = [p for p in problems if p]
    # The restating form's: the problems it addresses (whatever their status), then the
    # workspace's other open ones.
    addressable = addressed + [
        p
        for p in (open_problems or {}).get("items", [])
        if p["problem_id"] not in found["problem_ids"]
    ]
    solutions = {s["solution_id"]: s["title"] for s in found.get("solutions", [])}
    return page.render(
        "opportunity.html",
        ws=ws,
        o=found,
        experiments=experiments,
        experiments_cursor=log.get("next_cursor"),
        experiments_paged=experiments_cursor is not None,
        observations=observations,
        solution_titles=solutions,
        problem_titles={p["problem_id"]: p["title"] for p in addressed},
        addressable=addressable,
        demand=demand.get(f"opportunity:{oid}"),
        pursuing=(trace or {}).get("roadmap_items", []),
        objectives=(trace or {}).get("objectives", []),
        decisions=(decisions or {}).get("items", []),
        # A rejected opportunity takes no more commands.
        may_write=may_write,
        roadmaps=(roadmaps or {}).get("items", []),
        item_types=ITEM_TYPES,
        may_decide=page.session.may(Access.DECIDE, ws) and found["status"] != "rejected",
        may_audit=page.session.may(Access.READ, ws),
        scale=SCALE,
        ratings=RATINGS,
        points_of=POINTS_OF,
        verdicts=VERDICTS,
        outcomes=OUTCOMES,
        units=UNITS,
        directions=DIRECTIONS,
    )


@router.post("/w/{ws}/opportunities/{oid}/roadmap-item")
async def put_on_roadmap(ws: Workspace, oid: Id, page: Page) -> Response:
    """An item pursuing the opportunity on one of the workspace's roadmaps: the board."""
    form = await form_of(page.request)
    roadmap = an_id(form, "roadmap_id", "Roadmap")
    body = {
        "title": required(form, "title", "Title"),
        "type": choice(form, "type", "Type", ITEM_TYPES),
        "opportunity_ids": [oid],
    }
    return await act(
        page,
        form,
        "POST",
        f"/v1/workspaces/{ws}/roadmaps/{roadmap}/items",
        body,
        to=f"/w/{ws}/roadmaps/{roadmap}",
        notice=f"Added “{body['title']}”, pursuing the opportunity.",
    )


@router.post("/w/{ws}/opportunities/{oid}/evaluations")
async def evaluate(ws: Workspace, oid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    inputs: dict[str, int] = {"reach": reach(form)}
    inputs |= {name: rating(form, name, label) for name, label in RATINGS.items()}
    body: dict[str, Any] = {"inputs": inputs}
    optional(form, body, "note")
    return await _act(page, ws, oid, f"opportunities/{oid}/evaluations", body, form, "Evaluated.")


@router.post("/w/{ws}/opportunities/{oid}/solutions")
async def propose_solution(ws: Workspace, oid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    body = solution_body(form)
    notice = f"Solution proposed: {body['title']}."
    return await _act(page, ws, oid, f"opportunities/{oid}/solutions", body, form, notice)


@router.post("/w/{ws}/opportunities/{oid}/solutions/{sid}")
async def revise_solution(ws: Workspace, oid: Id, sid: Id, page: Page) -> Response:
    """A candidate as the team now sees it; what others changed since the page was opened
    stays, unless the user changed the same field."""
    form = await form_of(page.request)
    path = f"opportunities/{oid}/solutions/{sid}"
    opportunity = f"/v1/workspaces/{ws}/opportunities/{oid}"
    body = await as_edited(page, form, solution_body(form), opportunity, _candidate(sid))
    notice = f"Solution revised: {body['title']}."
    return await _act(page, ws, oid, path, body, form, notice, method="PUT")


def solution_body(form: dict[str, str]) -> dict[str, Any]:
    """A candidate solution as its form gives it, proposed or revised."""
    body: dict[str, Any] = {
        "title": required(form, "title", "Title"),
        "value": rating(form, "value", "Value"),
        "effort": rating(form, "effort", "Effort"),
        "confidence": rating(form, "confidence", "Confidence"),
    }
    optional(form, body, "description")
    return body


def _candidate(sid: str) -> Callable[[dict[str, Any]], dict[str, Any] | None]:
    """The candidate ``sid`` among an opportunity's solutions, as ``as_edited`` reads it."""
    return lambda found: next(
        (s for s in found.get("solutions", []) if s["solution_id"] == sid), None
    )


@router.post("/w/{ws}/opportunities/{oid}/solutions/{sid}/select")
async def select_solution(ws: Workspace, oid: Id, sid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    body = {"rationale": required(form, "rationale", "Rationale")}
    path = f"opportunities/{oid}/solutions/{sid}/select"
    return await _act(page, ws, oid, path, body, form, "Solution selected.")


@router.post("/w/{ws}/opportunities/{oid}/decision")
async def decide(ws: Workspace, oid: Id, page: Page) -> Response:
    form = await form_of(page.request)
    body = {
        "verdict": choice(form, "verdict", "Verdict", VERDICTS),
        "rationale": required(form, "rationale", "Rationale"),
    }
    notice = f"Decided: {body['verdict']}."
    return await _act(page, ws, oid, f"opportunities/{oid}/decision", body, form, notice)


@router.post("/w/{ws}/opportunities/{oid}/experiments")
async def design_experiment(ws: Workspace, oid: Id, page: Page) -> Response:
    """An MVP experiment on the opportunity (on one of its solutions, if chosen): the
    hypothesis, the metric that tests it and the threshold that validates it."""
    form = await form_of(page.request)
    body = {"opportunity_id": oid, **experiment_design(form)}
    optional(form, body, "solution_id")
    notice = "Experiment designed; start it when it runs."
    return await _act(page, ws, oid, "experiments", body, form, notice)


def experiment_design(form: dict[str, str]) -> dict[str, Any]:
    """What an experiment tests and the threshold that validates it, as its form gives it
    (the solution it tests is named only when one is chosen)."""
    return {
        "hypothesis": required(form, "hypothesis", "Hypothesis"),
        "metric": required(form, "metric", "Metric"),
        "unit": choice(form, "unit", "Unit", UNITS),
        "direction": choice(form, "direction", "Direction", DIRECTIONS),
        "threshold": number(form, "threshold", "Threshold"),
    }


@router.post("/w/{ws}/opportunities/{oid}/experiments/{eid}/{step}")
async def run_experiment(ws: Workspace, oid: Id, eid: Id, step: str, page: Page) -> Response:
    """An experiment's next step: its ``design`` again (until it starts), ``start``, an
    ``observations`` or ``conclude``."""
    form = await form_of(page.request)
    body: dict[str, Any]
    if step == "design":
        # The whole design as it should stand: no solution chosen is none.
        typed = {**experiment_design(form), "solution_id": form.get("solution_id") or None}
        resource = f"/v1/workspaces/{ws}/experiments/{eid}"
        body = await as_edited(page, form, typed, resource)
        notice = "Experiment redesigned."
        return await _act(page, ws, oid, f"experiments/{eid}", body, form, notice, method="PUT")
    if step == "start":
        body, notice = {}, "Experiment started."
    elif step == "observations":
        body, notice = {"value": number(form, "value", "Value")}, "Observation recorded."
        optional(form, body, "note")
    elif step == "conclude":
        body = {
            "outcome": choice(form, "outcome", "Outcome", OUTCOMES),
            "learnings": required(form, "learnings", "Learnings"),
        }
        notice = f"Experiment concluded: {body['outcome']}."
    else:
        raise BadForm(f"an experiment has no step {step!r}")
    return await _act(page, ws, oid, f"experiments/{eid}/{step}", body, form, notice)


async def _act(
    page: Page,
    ws: str,
    oid: str,
    path: str,
    body: dict[str, Any],
    form: dict[str, str],
    notice: str,
    method: str = "POST",
) -> Response:
    """Send a command of the opportunity's page and come back to the page."""
    return await act(
        page,
        form,
        method,
        f"/v1/workspaces/{ws}/{path}",
        body,
        to=f"/w/{ws}/opportunities/{oid}",
        notice=notice,
    )


@router.post("/w/{ws}/opportunities/{oid}")
async def restate_opportunity(ws: Workspace, oid: Id, page: Page) -> Response:
    """The opportunity as the team now frames it; what others changed since the page was
    opened stays, unless the user changed the same field."""
    form = await form_of(page.request)
    here, resource = f"/w/{ws}/opportunities/{oid}", f"/v1/workspaces/{ws}/opportunities/{oid}"
    body = await as_edited(page, form, opportunity_body(form), resource)
    optional(form, body, "note")
    notice = f"Opportunity restated: {body['title']}."
    return await act(page, form, "PUT", resource, body, to=here, notice=notice)


def opportunity_body(form: dict[str, str]) -> dict[str, Any]:
    """An opportunity as its form gives it, opened or restated."""
    problems = ticked(form, "problem")
    if not problems:
        raise BadForm("Tick at least one problem the opportunity addresses")
    body: dict[str, Any] = {"title": required(form, "title", "Title"), "problem_ids": problems}
    optional(form, body, "description")
    return body


def problem_body(form: dict[str, str]) -> dict[str, Any]:
    """A problem as its form gives it, recorded or restated."""
    return {
        "title": required(form, "title", "Title"),
        "statement": required(form, "statement", "Statement"),
        "severity": rating(form, "severity", "Severity"),
        "frequency": rating(form, "frequency", "Frequency"),
        "persona_ids": ticked(form, "persona"),
    }


def rating(form: dict[str, str], name: str, label: str) -> int:
    raw = required(form, name, label)
    if raw not in SCALE:
        raise BadForm(f"{label} must be 1 to 5, got {raw!r}")
    return int(raw)


def reach(form: dict[str, str]) -> int:
    raw = required(form, "reach", "Reach")
    if not raw.isdigit() or int(raw) > MAX_REACH:
        raise BadForm(f"Reach must be a whole number from 0 to {MAX_REACH:,}, got {raw!r}")
    return int(raw)


async def _nothing() -> None:
    """What a page does not read: awaited beside the reads it does."""


async def _demand(page: Page, path: str) -> dict[str, dict[str, Any]]:
    """Feedback demand per linked problem and opportunity, keyed by ``type:id``."""
    found = await page.api.get_if_readable(f"{path}/demand", {"limit": 500})
    if found is None:
        return {}
    return {f"{t['target_type']}:{t['target_id']}": t for t in found["targets"]}
