"""Discovery pages: the problems and opportunities scoreboard, an opportunity's page with
its evaluation, solutions, experiments and decision, market research and personas."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest
from sextant_console.views.persona import changes

from tests.unit.console.support import (
    EID,
    IID,
    KID,
    OID,
    PID,
    RID,
    SID,
    FakeApi,
    post_form,
    seen_in,
    sign_in,
    token,
    words,
)


async def test_a_team_records_a_problem_from_the_scoreboard(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/workspaces/mobile/opportunities", body={"items": []})
    api.on("GET", "/v1/workspaces/mobile/problems", body={"items": []})
    api.on("GET", "/v1/workspaces/mobile/demand", body={"targets": []})
    owner = {"persona_id": PID, "name": "Owner"}
    api.on("GET", "/v1/workspaces/mobile/personas", body={"items": [owner]})
    sign_in(client, token())
    page = await client.get("/w/mobile/opportunities")
    assert page.status_code == 200, page.text
    [nonce] = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)
    assert f'<input type="checkbox" name="persona:{PID}"> Owner</label>' in page.text
    api.on("POST", "/v1/workspaces/mobile/problems", 201, {"id": RID, "consistency_token": "d:3"})
    form = {
        "form_nonce": nonce,
        "title": "Checkout is slow",
        "statement": "Buyers on mobile wait 8 s to pay",
        "severity": "4",
        "frequency": "5",
        f"persona:{PID}": "on",
    }
    sent = await client.post(
        "/w/mobile/problems", data=form, headers={"origin": "http://console.test"}
    )
    assert (sent.status_code, sent.headers["location"]) == (303, "/w/mobile/opportunities")
    posted = api.seen[-1]
    assert json.loads(posted.content) == {
        "title": "Checkout is slow",
        "statement": "Buyers on mobile wait 8 s to pay",
        "severity": 4,
        "frequency": 5,
        "persona_ids": [PID],
    }
    assert posted.headers["idempotency-key"].startswith("console:")
    odd = await client.post(
        "/w/mobile/problems",
        data={**form, "severity": "9"},
        headers={"origin": "http://console.test"},
    )
    assert odd.status_code == 303
    assert api.seen[-1] is posted  # refused in the console, never sent


def an_opportunity(**changes: Any) -> dict[str, Any]:
    return {
        "opportunity_id": OID,
        "workspace_id": "mobile",
        "title": "One-click SSO",
        "description": None,
        "problem_ids": [PID],
        "status": "open",
        "rationale": None,
        "score": 63.75,
        "inputs": {
            "reach": 500,
            "pain_severity": 4,
            "frequency": 3,
            "willingness_to_pay": 3,
            "alternatives_strength": 2,
            "strategic_fit": 5,
        },
        "breakdown": {
            "reach": 11.25,
            "pain_severity": 15.0,
            "frequency": 7.5,
            "willingness_to_pay": 7.5,
            "alternatives_gap": 7.5,
            "strategic_fit": 15.0,
        },
        "evaluations": [
            {"evaluated_by": "pm.ana", "evaluated_at": "2026-11-28T07:28:04+00:00", "note": None}
        ],
        "selected_solution": None,
        "experiments": 0,
        "validated": 0,
        "invalidated": 0,
        "feedback_count": 2,
        "solutions": [
            {
                "solution_id": SID,
                "title": "SAML wizard",
                "description": None,
                "value": 4,
                "effort": 2,
                "confidence": 3,
                "selected": False,
                "priority": 6.0,
            }
        ],
        **changes,
    }


def an_experiment(status: str) -> dict[str, Any]:
    return {
        "experiment_id": EID,
        "opportunity_id": OID,
        "solution_id": SID,
        "hypothesis": "Admins finish set-up in 10 minutes",
        "metric": "completion",
        "unit": "percent",
        "direction": "at_least",
        "threshold": 60.0,
        "status": status,
        "outcome": None,
        "learnings": None,
        "observation_count": 1,
    }


def on_opportunity_page(api: FakeApi, experiment: str = "running", **changes: Any) -> None:
    path = "/v1/workspaces/mobile"
    api.on("GET", f"{path}/opportunities/{OID}", body=an_opportunity(**changes))
    api.on(
        "GET",
        f"{path}/opportunities/{OID}/experiments",
        body={"items": [an_experiment(experiment)]},
    )
    # Each of its problems, whichever page of the workspace's problems it is on.
    sso = {"problem_id": PID, "title": "SSO is slow", "status": "open"}
    api.on("GET", f"{path}/problems/{PID}", body=sso)
    # The workspace's open problems it may address too (the restating form's).
    audit = {"problem_id": EID, "title": "Audit logs are thin", "status": "open"}
    api.on("GET", f"{path}/problems", body={"items": [sso, audit]})
    api.on("GET", f"{path}/demand", body={"targets": []})
    observed = {"value": 55.0, "note": "first cohort", "observed_at": "2026-11-28T08:00:00+00:00"}
    api.on(
        "GET",
        f"{path}/experiments/{EID}",
        body={**an_experiment(experiment), "observations": [observed]},
    )
    pursuing = {
        "item_id": IID,
        "roadmap_id": RID,
        "roadmap_name": "Platform",
        "roadmap_archived_at": "2026-11-29T08:00:00+00:00",  # put away since
        "workspace_id": "identity",  # another team's roadmap
        "title": "SSO presets",
        "status": "planned",
        "horizon": "next",
    }
    goal = {"objective_id": KID, "workspace_id": None, "title": "Win enterprise"}
    api.on(
        "GET",
        f"/v1/query/opportunities/{OID}/trace",
        body={"roadmap_items": [pursuing], "objectives": [goal]},
    )
    decision = {
        "decision_id": SID,
        "title": "Build SSO presets",
        "decision": "build",
        "decided_on": "2026-11-20",
        "decided_by": "cpo.bo",
        "superseded_by": None,
    }
    api.on("GET", f"{path}/decisions", body={"items": [decision], "next_cursor": None})


async def test_a_team_runs_discovery_on_an_opportunitys_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """Evaluate, propose and select a solution, run an experiment on it and decide: each
    form sends its command, with the page's nonce as its key, and comes back to the page."""
    on_opportunity_page(api)
    sign_in(client, token(sextant_role="product_manager"))  # reads the query service's trace
    page = await client.get(f"/w/mobile/opportunities/{OID}")
    assert page.status_code == 200, page.text
    assert "SSO is slow" in page.text
    assert "Observed: 55 (first cohort) on 2026-11-28" in page.text
    # Where it is on the roadmap, and what that serves (the query service's trace).
    item_link = f'<a href="/w/identity/roadmaps/{RID}/items/{IID}">SSO presets</a>'
    assert item_link + ' <span class="small">(Platform, archived: planned, next, identity)' in (
        page.text
    )
    assert f'Serving <a href="/objectives/{KID}">Win enterprise</a>.' in page.text
    # The decisions that cite it as evidence (the strategy context's decision log).
    decided = page.text.split('id="opportunity-decisions"')[1].split("</ul>")[0]
    assert f'<a href="/w/mobile/strategy#decision-{SID}">Build SSO presets</a>' in decided
    cited = next(r for r in api.seen if r.url.path.endswith("/decisions"))
    assert cited.url.params["entity_kind"] == "opportunity"
    assert cited.url.params["entity_id"] == OID
    row = page.text.split(">Strength of the alternatives<")[1].split("</tr>")[0]
    assert "2/5" in row
    assert "7.5" in row  # the points for the gap the alternatives leave
    nonces = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)
    # restate, evaluate, select, revise, propose, observe, conclude, design, decide
    assert len(nonces) == 9

    here = f"/w/mobile/opportunities/{OID}"
    path = "/v1/workspaces/mobile"
    sent_forms = [
        (
            f"{here}/evaluations",
            f"{path}/opportunities/{OID}/evaluations",
            {
                "reach": "900",
                "pain_severity": "5",
                "frequency": "4",
                "willingness_to_pay": "4",
                "alternatives_strength": "1",
                "strategic_fit": "5",
                "note": "after the interviews",
            },
            {
                "inputs": {
                    "reach": 900,
                    "pain_severity": 5,
                    "frequency": 4,
                    "willingness_to_pay": 4,
                    "alternatives_strength": 1,
                    "strategic_fit": 5,
                },
                "note": "after the interviews",
            },
        ),
        (
            f"{here}/solutions",
            f"{path}/opportunities/{OID}/solutions",
            {
                "title": "Okta preset",
                "description": "",
                "value": "3",
                "effort": "1",
                "confidence": "4",
            },
            {"title": "Okta preset", "value": 3, "effort": 1, "confidence": 4},
        ),
        (
            f"{here}/solutions/{SID}/select",
            f"{path}/opportunities/{OID}/solutions/{SID}/select",
            {"rationale": "most value for its effort"},
            {"rationale": "most value for its effort"},
        ),
        (
            f"{here}/experiments",
            f"{path}/experiments",
            {
                "solution_id": SID,
                "hypothesis": "Admins finish set-up in 10 minutes",
                "metric": "completion",
                "unit": "percent",
                "direction": "at_least",
                "threshold": "60",
            },
            {
                "opportunity_id": OID,
                "solution_id": SID,
                "hypothesis": "Admins finish set-up in 10 minutes",
                "metric": "completion",
                "unit": "percent",
                "direction": "at_least",
                "threshold": 60.0,
            },
        ),
        (f"{here}/experiments/{EID}/start", f"{path}/experiments/{EID}/start", {}, {}),
        (
            f"{here}/experiments/{EID}/observations",
            f"{path}/experiments/{EID}/observations",
            {"value": "64.5", "note": ""},
            {"value": 64.5},
        ),
        (
            f"{here}/experiments/{EID}/conclude",
            f"{path}/experiments/{EID}/conclude",
            {"outcome": "validated", "learnings": "admins finish in 8 minutes"},
            {"outcome": "validated", "learnings": "admins finish in 8 minutes"},
        ),
        (
            f"{here}/decision",
            f"{path}/opportunities/{OID}/decision",
            {"verdict": "pursue", "rationale": "validated"},
            {"verdict": "pursue", "rationale": "validated"},
        ),
    ]
    for n, (action, command, form, body) in enumerate(sent_forms):
        api.on("POST", command, 201, {"id": OID, "consistency_token": f"discovery:{n}"})
        sent = await client.post(
            action,
            data={"form_nonce": nonces[0], **form},
            headers={"origin": "http://console.test"},
        )
        assert (sent.status_code, sent.headers["location"]) == (303, here), action
        posted = api.seen[-1]
        assert posted.url.path == command
        assert json.loads(posted.content or b"{}") == body, action
        assert posted.headers["idempotency-key"].startswith("console:")


@pytest.mark.parametrize(
    ("action", "form", "why"),
    [
        ("evaluations", {"reach": "-3"}, "Reach must be a whole number"),
        ("evaluations", {"reach": "10", "pain_severity": "7"}, "Pain severity must be 1 to 5"),
        ("experiments", {"hypothesis": "h", "metric": "m", "unit": "mph"}, "Unit must be one of"),
        ("decision", {"verdict": "maybe", "rationale": "r"}, "Verdict must be one of"),
        (f"experiments/{EID}/observations", {"value": "inf"}, "Value must be a finite number"),
        (f"experiments/{EID}/restart", {}, "an experiment has no step"),
    ],
)
async def test_an_opportunitys_forms_refuse_what_the_api_would(
    client: httpx.AsyncClient, api: FakeApi, action: str, form: dict[str, str], why: str
) -> None:
    sign_in(client, token())
    here = f"/w/mobile/opportunities/{OID}"
    sent = await client.post(
        f"{here}/{action}",
        data=form,
        headers={"origin": "http://console.test", "referer": f"http://console.test{here}"},
    )
    assert (sent.status_code, sent.headers["location"]) == (303, here)
    assert not [r for r in api.seen if r.method == "POST"]  # never sent
    on_opportunity_page(api)
    shown = await client.get(here)
    assert why in html.unescape(shown.text)


async def test_a_rejected_opportunity_offers_no_commands(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    gone = "7d4c0a57-3a57-4d0e-b0c4-5bb40e0d3c2e"  # a problem the page cannot read
    on_opportunity_page(
        api, status="rejected", rationale="too small a market", problem_ids=[PID, gone]
    )
    sign_in(client, token())
    page = await client.get(f"/w/mobile/opportunities/{OID}")
    assert page.status_code == 200, page.text
    assert "rejected — too small a market" in page.text
    assert ">SSO is slow</a>, <a" in page.text
    assert f">{gone[:8]}</a>" in page.text  # by its id, the page still shown
    assert "form_nonce" not in page.text


async def test_only_who_may_decide_is_offered_the_decisions(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """Selecting a solution, concluding an experiment and the verdict need ``decide``: a
    contributor records evidence and reads what was decided."""
    on_opportunity_page(api)
    sign_in(client, token("contributor"))
    here = f"/w/mobile/opportunities/{OID}"
    page = await client.get(here)
    for action in (f"{SID}/select", f"{EID}/conclude", f"{OID}/decision"):
        assert f'{action}"' not in page.text, action
    assert f"experiments/{EID}/observations" in page.text  # evidence, still theirs
    assert "Not decided yet" in page.text
    on_opportunity_page(api, status="parked", rationale="wait for Q3")
    sign_in(client, token("product_manager"))
    parked = await client.get(here)
    assert '<p id="decision">Parked: wait for Q3</p>' in parked.text
    assert "<summary>Decide again</summary>" in parked.text
    assert '<option value="park" selected>' in parked.text


async def test_a_pursued_opportunity_goes_on_a_roadmap_from_its_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    on_opportunity_page(api, status="pursued", rationale="validated")
    roadmap = {"roadmap_id": RID, "name": "Platform 2027"}
    api.on("GET", "/v1/workspaces/mobile/roadmaps", body={"items": [roadmap]})
    sign_in(client, token())
    here = f"/w/mobile/opportunities/{OID}"
    page = await client.get(here)
    assert f'<option value="{RID}">Platform 2027</option>' in page.text
    assert 'name="title" required maxlength="200" value="One-click SSO"' in page.text
    command = f"/v1/workspaces/mobile/roadmaps/{RID}/items"
    api.on("POST", command, 201, {"id": IID, "consistency_token": "roadmap:3"})
    form = {"roadmap_id": RID, "title": "SSO presets", "type": "epic"}
    sent = await client.post(
        f"{here}/roadmap-item",
        data={"form_nonce": "0" * 32, **form},
        headers={"origin": "http://console.test"},
    )
    assert (sent.status_code, sent.headers["location"]) == (303, f"/w/mobile/roadmaps/{RID}")
    assert api.seen[-1].url.path == command
    assert json.loads(api.seen[-1].content) == {
        "title": "SSO presets",
        "type": "epic",
        "opportunity_ids": [OID],
    }
    odd = await client.post(
        f"{here}/roadmap-item",
        data={**form, "roadmap_id": "../../members"},
        headers={"origin": "http://console.test", "referer": f"http://console.test{here}"},
    )
    assert (odd.status_code, odd.headers["location"]) == (303, here)
    assert api.seen[-1].url.path == command  # nothing more was sent
    on_opportunity_page(api)  # an open one is not offered
    assert "roadmap-item" not in (await client.get(here)).text


async def test_the_scoreboard_ranks_on_across_pages_and_names_every_problem(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    named = an_opportunity(problems=[{"problem_id": PID, "title": "An old problem"}])
    api.on("GET", "/v1/workspaces/mobile/opportunities", body={"items": [named]})
    newest: dict[str, Any] = {"problem_id": RID, "title": "A new problem", "status": "open"}
    newest |= {"severity": 3, "frequency": 3, "insight_count": 0, "feedback_count": 0}
    api.on("GET", "/v1/workspaces/mobile/problems", body={"items": [newest], "next_cursor": "p2"})
    api.on("GET", "/v1/workspaces/mobile/demand", body={"targets": []})
    sign_in(client, token())
    page = await client.get("/w/mobile/opportunities", params={"cursor": "c2", "ranked_before": 50})
    assert page.status_code == 200, page.text
    assert "<td>51</td>" in page.text  # where the first page left off, not 1 again
    assert "</meter> 63.75</td>" in page.text  # the score as the API has it, not 63.8
    assert f'href="/w/mobile/problems/{PID}">An old problem</a>' in page.text
    api.on(
        "GET",
        "/v1/workspaces/mobile/opportunities",
        body={"items": [named], "next_cursor": "c3"},
    )
    page = await client.get("/w/mobile/opportunities", params={"cursor": "c2", "ranked_before": 50})
    assert "cursor=c3&amp;ranked_before=51" in page.text
    assert "problems_cursor=p2#problems" in page.text  # the problems' own pages
    odd = await client.get("/w/mobile/opportunities", params={"ranked_before": "-1"})
    assert odd.status_code == 422


async def test_a_team_opens_an_opportunity_on_the_problems_it_ticks(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    other = "5056e741-86e6-48f8-92e3-87d5cbbb047e"
    problems = [
        {"problem_id": PID, "title": "SSO is slow", "status": "open"},
        {"problem_id": other, "title": "Exports time out", "status": "open"},
        {"problem_id": RID, "title": "Old", "status": "closed"},
    ]
    api.on("GET", "/v1/workspaces/mobile/opportunities", body={"items": [an_opportunity()]})
    api.on("GET", "/v1/workspaces/mobile/problems", body={"items": problems})
    # a closed problem takes no opportunity: the form offers the open ones, however old
    api.when("GET", "/v1/workspaces/mobile/problems", "status=open", 200, {"items": problems[:2]})
    api.on("GET", "/v1/workspaces/mobile/demand", body={"targets": []})
    sign_in(client, token())
    page = await client.get("/w/mobile/opportunities")
    assert f'href="/w/mobile/opportunities/{OID}">One-click SSO<' in page.text
    ticks = re.findall(r'type="checkbox" name="problem:([0-9a-f-]+)"', page.text)
    assert ticks == [PID, other]
    [nonce] = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)[1:]
    api.on(
        "POST", "/v1/workspaces/mobile/opportunities", 201, {"id": OID, "consistency_token": "d:4"}
    )
    form = {"form_nonce": nonce, "title": "SSO for SMB", "description": ""}
    sent = await client.post(
        "/w/mobile/opportunities",
        data={**form, f"problem:{PID}": "on", f"problem:{other}": "on"},
        headers={"origin": "http://console.test"},
    )
    assert (sent.status_code, sent.headers["location"]) == (303, f"/w/mobile/opportunities/{OID}")
    assert json.loads(api.seen[-1].content) == {"title": "SSO for SMB", "problem_ids": [PID, other]}
    none_ticked = await client.post(
        "/w/mobile/opportunities",
        data=form,
        headers={
            "origin": "http://console.test",
            "referer": "http://console.test/w/mobile/opportunities",
        },
    )
    assert none_ticked.status_code == 303
    assert len([r for r in api.seen if r.method == "POST"]) == 1


async def test_research_shows_the_landscape_as_a_matrix_with_personas_and_insights(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    rival, other = "3f0b3c43-3f7e-4f2c-9a55-1d1b9f0e0c01", "3f0b3c43-3f7e-4f2c-9a55-1d1b9f0e0c02"
    path = "/v1/workspaces/mobile"

    def compared(feature: str, theirs: str, ours: str, at: str) -> dict[str, Any]:
        return {"feature": feature, "theirs": theirs, "ours": ours, "note": None, "compared_at": at}

    competitors = [
        {
            "competitor_id": rival,
            "name": "Rival",
            "status": "active",
            "profile": {"website": "javascript:alert(1)", "strengths": ["price"]},
            "features": [
                compared("SSO", "full", "none", "2026-11-01T00:00:00+00:00"),
                compared("Audit log", "none", "full", "2026-11-02T00:00:00+00:00"),
            ],
        },
        {
            "competitor_id": other,
            "name": "Birch",
            "status": "acquired",
            "profile": {"website": "https://birch.example"},
            "features": [compared("SSO", "partial", "partial", "2026-11-20T00:00:00+00:00")],
        },
    ]
    api.on("GET", f"{path}/competitors", body={"items": competitors, "next_cursor": "Yw=="})
    persona = {
        "persona_id": PID,
        "name": "Owner",
        "version": 2,
        "profile": {"name": "Owner", "segment": "smb", "pains": ["invoices", "late payers"]},
    }
    api.on("GET", f"{path}/personas", body={"items": [persona], "next_cursor": None})
    insight = {
        "insight_id": RID,
        "title": "SMBs churn after trials",
        "market": "EU",
        "segment": "smb",
        "source": "interviews",
        "summary": "Trials end before set-up does",
        "tags": ["churn"],
        "evidence_links": ["https://notes.example/1"],
        "recorded_at": "2026-11-27T10:00:00+00:00",
    }
    api.on("GET", f"{path}/insights", body={"items": [insight], "next_cursor": None})
    sign_in(client, token())
    page = await client.get("/w/mobile/research")
    assert page.status_code == 200, page.text
    text = html.unescape(re.sub(r"<[^>]+>", " ", page.text))

    def cells(feature: str) -> list[str]:
        row = page.text.split(f'<th scope="row">{feature}</th>')[1].split("</tr>")[0]
        return re.findall(r"<td[^>]*>([^<]*)</td>", row)

    # ours as last compared (partial, on the 20th), then Rival's and Birch's coverage
    assert cells("SSO") == ["partial", "full", "partial"]
    assert cells("Audit log") == ["full", "none", "—"]
    assert "Birch (acquired)" in " ".join(text.split())
    assert 'href="javascript:' not in page.text  # a link only ever goes to http(s)
    assert 'href="https://birch.example"' in page.text
    assert "Pains: invoices; late payers" in text
    assert f'<a href="/w/mobile/personas/{PID}#persona-versions">how it changed</a>' in page.text
    assert "SMBs churn after trials" in text
    assert "?competitors_cursor=Yw%3D%3D" in page.text
    assert "More personas" not in text
    # A writer records research from the page: each competitor's profile is updated in
    # place, and a new one gets a new id on each rendering.
    profiled = re.findall(r'action="/w/mobile/competitors/([0-9a-f-]{36})"', page.text)
    assert sorted(profiled[:2]) == sorted([rival, other])
    assert len(profiled) == 3
    assert profiled[2] not in (rival, other)
    assert f'<option value="{rival}">Rival</option>' in page.text  # to compare a feature
    assert 'name="strengths">price</textarea>' in page.text  # Rival's profile, to revise
    assert f'action="/w/mobile/competitors/{other}/status"' in page.text
    assert '<option value="acquired" selected>' in page.text
    retag = page.text.split(f'action="/w/mobile/insights/{RID}/tags"')[1].split("</form>")[0]
    assert 'name="tags" maxlength="1600" value="churn"' in retag
    assert json.loads(seen_in(page.text, f"/w/mobile/insights/{RID}/tags")) == {"tags": ["churn"]}
    assert f'action="/w/mobile/insights/{RID}/retire"' in page.text
    revise = page.text.split(f'action="/w/mobile/personas/{PID}"')[1].split("</form>")[0]
    assert "invoices\nlate payers</textarea>" in revise
    assert "Save version 3" in revise
    # Each revise form records what it showed: saved, it changes only what was changed.
    assert json.loads(seen_in(page.text, f"/w/mobile/personas/{PID}")) == {
        "name": "Owner",
        "segment": "smb",
        "description": None,
        "goals": None,
        "pains": ["invoices", "late payers"],
        "jobs_to_be_done": None,
    }
    assert json.loads(seen_in(page.text, f"/w/mobile/competitors/{rival}"))["strengths"] == [
        "price"
    ]
    # An insight is revised in place: what it says, its tags on their own form.
    action = f"/w/mobile/insights/{RID}"
    reworded = page.text.split(f'action="{action}"')[1].split("</form>")[0]
    assert 'name="evidence_links">https://notes.example/1</textarea>' in reworded
    assert 'name="tags"' not in reworded
    assert json.loads(seen_in(page.text, action)) == {
        k: insight[k] for k in ("title", "market", "segment", "source", "summary", "evidence_links")
    }
    api.on("GET", f"{path}/insights/{RID}", body={**insight, "source": "12 interviews"})
    api.on("PUT", f"{path}/insights/{RID}", 200, {"consistency_token": "discovery:11"})
    typed = {
        "seen": seen_in(page.text, action),
        "title": "SMBs churn after trials",
        "market": "EU",
        "segment": "smb",
        "source": "interviews",
        "summary": "Trials end before set-up does, for 9 of 12",
        "evidence_links": "https://notes.example/1\r\nhttps://notes.example/2",
    }
    sent, body = await post_form(client, api, action, typed, f"{path}/insights/{RID}")
    assert sent.headers["location"] == f"/w/mobile/research#insight-{RID}"
    assert body == {
        "title": "SMBs churn after trials",
        "market": "EU",
        "segment": "smb",
        "source": "12 interviews",  # theirs, changed meanwhile; this user left it
        "summary": "Trials end before set-up does, for 9 of 12",
        "evidence_links": ["https://notes.example/1", "https://notes.example/2"],
    }


async def test_a_team_records_research_from_the_research_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path, cid = "/v1/workspaces/mobile", "3f0b3c43-3f7e-4f2c-9a55-1d1b9f0e0c03"
    sign_in(client, token())
    nonce = {"form_nonce": "e" * 32}
    sent_forms = [
        (
            "/w/mobile/insights",
            ("POST", f"{path}/insights"),
            {
                "title": "SMBs churn after trials",
                "market": "EU",
                "segment": "",
                "source": "12 interviews",
                "summary": "Trials end before set-up does",
                "evidence_links": "https://notes.example/1\n\nhttps://notes.example/2",
                "tags": "Churn, trial length,",
            },
            {
                "title": "SMBs churn after trials",
                "market": "EU",
                "source": "12 interviews",
                "summary": "Trials end before set-up does",
                "evidence_links": ["https://notes.example/1", "https://notes.example/2"],
                "tags": ["churn", "trial length"],
            },
        ),
        (
            "/w/mobile/personas",
            ("POST", f"{path}/personas"),
            {"name": "Owner", "segment": "smb", "pains": "invoices\nlate payers\n", "goals": ""},
            {
                "name": "Owner",
                "segment": "smb",
                "goals": [],
                "pains": ["invoices", "late payers"],
                "jobs_to_be_done": [],
            },
        ),
        (
            f"/w/mobile/competitors/{cid}",
            ("PUT", f"{path}/competitors/{cid}"),
            {"name": "Rival", "website": "https://rival.example", "strengths": "price"},
            {
                "name": "Rival",
                "website": "https://rival.example",
                "strengths": ["price"],
                "weaknesses": [],
            },
        ),
        (
            "/w/mobile/feature-comparisons",
            ("POST", f"{path}/competitors/{cid}/features"),
            {"competitor_id": cid, "feature": "SSO", "theirs": "full", "ours": "none"},
            {"feature": "SSO", "theirs": "full", "ours": "none"},
        ),
        (
            f"/w/mobile/competitors/{cid}/status",
            ("POST", f"{path}/competitors/{cid}/status"),
            {"status": "acquired", "reason": "bought by Birch"},
            {"status": "acquired", "reason": "bought by Birch"},
        ),
        (
            f"/w/mobile/personas/{PID}",
            ("PUT", f"{path}/personas/{PID}"),
            {"name": "Owner", "pains": "invoices", "note": "after 12 interviews"},
            {
                "profile": {
                    "name": "Owner",
                    "goals": [],
                    "pains": ["invoices"],
                    "jobs_to_be_done": [],
                },
                "note": "after 12 interviews",
            },
        ),
        (f"/w/mobile/personas/{PID}/archive", ("POST", f"{path}/personas/{PID}/archive"), {}, {}),
        (
            f"/w/mobile/insights/{RID}/tags",
            ("PUT", f"{path}/insights/{RID}/tags"),
            {"tags": "Churn, onboarding ,"},
            {"tags": ["churn", "onboarding"]},
        ),
        (
            f"/w/mobile/insights/{RID}/retire",
            ("POST", f"{path}/insights/{RID}/retire"),
            {"reason": " superseded "},
            {"reason": "superseded"},
        ),
        (f"/w/mobile/personas/{PID}/restore", ("POST", f"{path}/personas/{PID}/restore"), {}, {}),
        (
            f"/w/mobile/insights/{RID}/reinstate",
            ("POST", f"{path}/insights/{RID}/reinstate"),
            {"reason": " borne out "},
            {"reason": "borne out"},
        ),
    ]
    for action, (method, command), form, body in sent_forms:
        api.on(method, command, 201, {"id": cid, "consistency_token": "discovery:9"})
        sent = await client.post(
            action, data={**nonce, **form}, headers={"origin": "http://console.test"}
        )
        assert sent.status_code == 303, action
        assert sent.headers["location"].startswith("/w/mobile/research"), action
        posted = api.seen[-1]
        assert (posted.method, posted.url.path) == (method, command)
        assert json.loads(posted.content or b"{}") == body, action
        assert posted.headers["idempotency-key"].startswith("console:")


@pytest.mark.parametrize(
    ("action", "form", "why"),
    [
        ("insights", {"evidence_links": "javascript:alert(1)"}, "each is an http(s) address"),
        ("personas", {"name": "N", "pains": "\n".join(map(str, range(51)))}, "at most 50 lines"),
        (f"competitors/{PID}", {"name": "N", "website": "ftp://x"}, "Website: each is an http"),
        ("feature-comparisons", {"competitor_id": "../x"}, "Competitor must be an id"),
        ("feature-comparisons", {"competitor_id": PID, "feature": "SSO"}, "Theirs is required"),
        (f"competitors/{PID}/status", {"status": "bankrupt"}, "Status must be one of"),
        (f"insights/{RID}/retire", {"reason": " "}, "Reason is required"),
        (f"insights/{RID}/reinstate", {"reason": ""}, "Why it holds again is required"),
    ],
)
async def test_research_forms_refuse_what_the_api_would(
    client: httpx.AsyncClient, api: FakeApi, action: str, form: dict[str, str], why: str
) -> None:
    sign_in(client, token())
    filled = {"title": "T", "market": "EU", "source": "s", "summary": "s", **form}
    here = "http://console.test/w/mobile/research"
    sent = await client.post(
        f"/w/mobile/{action}",
        data=filled,
        headers={"origin": "http://console.test", "referer": here},
    )
    assert sent.status_code == 303
    assert not [r for r in api.seen if r.method != "GET"]  # never sent
    for listed in ("insights", "personas", "competitors"):
        api.on("GET", f"/v1/workspaces/mobile/{listed}", body={"items": []})
    shown = await client.get(sent.headers["location"])
    assert why in html.unescape(shown.text)


def test_a_personas_changes_name_what_each_version_added_dropped_or_changed() -> None:
    before = {"name": "Owner", "segment": "smb", "pains": ["invoices", "late payers"]}
    after = {"name": "Owner", "segment": "mid-market", "pains": ["late payers", "audits"]}
    assert changes(before, after) == [
        "Segment: smb → mid-market",
        "Pains: added audits, dropped invoices",
    ]
    reordered = {**before, "pains": ["late payers", "invoices"]}
    assert changes(before, reordered) == []
    assert changes(before, {**before, "segment": None, "goals": ["grow"]}) == [
        "Segment: smb → (none)",
        "Goals: added grow",
    ]


async def test_a_personas_page_shows_every_version_with_what_it_changed(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    def version(n: int, note: str | None, **profile: Any) -> dict[str, Any]:
        return {
            "persona_id": PID,
            "version": n,
            "profile": {"name": "Owner", **profile},
            "note": note,
            "written_by": "pm.ana",
            "written_at": f"2026-11-0{n}T10:00:00+00:00",
        }

    history = [
        version(1, None, segment="smb", pains=["invoices"]),
        version(2, "interviews", segment="mid-market", pains=["invoices", "audits"]),
        version(3, "typo", segment="mid-market", pains=["audits", "invoices"]),
    ]
    api.on("GET", f"/v1/workspaces/mobile/personas/{PID}/history", body={"items": history})
    api.on("GET", f"/v1/workspaces/mobile/personas/{PID}", body={**history[-1], "archived": False})
    sign_in(client, token("contributor"))
    page = await client.get(f"/w/mobile/personas/{PID}")
    assert page.status_code == 200, page.text
    shown = re.findall(r'<li id="version-(\d)">', page.text)
    assert shown == ["3", "2", "1"]  # newest first
    v2 = words(page.text.split('id="version-2"')[1].split('id="version-1"')[0])
    assert "2026-11-02, pm.ana : interviews" in v2
    assert "Segment: smb → mid-market" in v2
    assert "Pains: added audits" in v2
    assert "Nothing changed in the profile." in page.text  # version 3 only reordered
    assert "First described." in page.text
    assert "Pains audits; invoices" in words(page.text.split("</dl>")[0])  # the current one
    assert "/restore" not in page.text
    missing = await client.get(f"/w/mobile/personas/{EID}")
    assert missing.status_code == 404
    # archived: it says so, and offers restoring it to those who may write
    api.on("GET", f"/v1/workspaces/mobile/personas/{PID}", body={**history[-1], "archived": True})
    archived = (await client.get(f"/w/mobile/personas/{PID}")).text
    assert "Archived: it is not listed" in archived
    assert f'action="/w/mobile/personas/{PID}/restore"' in archived
    sign_in(client, token("stakeholder"))
    read_only = await client.get(f"/w/mobile/personas/{PID}")
    assert read_only.status_code == 200
    assert "Archived: it is not listed" in read_only.text
    assert "/restore" not in read_only.text


async def test_a_problems_page_shows_its_evidence_and_merges_attaches_or_closes(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    resource = f"{path}/problems/{PID}"
    here = f"/w/mobile/problems/{PID}"
    insight = {
        "insight_id": RID,
        "title": "Mobile drop-off",
        "source": "analytics",
        "market": "EU",
        "summary": "38% abandon",
        "retired": False,
        "note": "the mistyping",
        "attached_to": EID,  # through a duplicate merged into it
    }
    found = {
        "problem_id": PID,
        "title": "Card entry is slow",
        "statement": "Buyers abandon at card entry",
        "persona_ids": [KID],
        "severity": 4,
        "frequency": 3,
        "status": "open",
        "merged_into": None,
        "merged_from": [EID],
        "feedback_count": 2,
        "insights": [insight],
    }
    api.on("GET", resource, body=found)
    problems = [
        {"problem_id": PID, "title": "Card entry is slow", "status": "open"},
        {"problem_id": EID, "title": "Typing card numbers", "status": "merged"},
        {"problem_id": SID, "title": "Card forms", "status": "open"},
    ]
    api.on("GET", f"{path}/problems", body={"items": problems})
    other = {"insight_id": IID, "title": "Wallet adoption"}
    api.on("GET", f"{path}/insights", body={"items": [{"insight_id": RID, "title": "x"}, other]})
    owner = {"persona_id": KID, "name": "Owner", "archived": False}
    api.on("GET", f"{path}/personas", body={"items": [owner]})
    opportunities = [
        {"opportunity_id": OID, "title": "Wallets", "status": "pursued", "problem_ids": [PID]},
        {"opportunity_id": IID, "title": "Loyalty", "status": "open", "problem_ids": []},
    ]
    api.on("GET", f"{path}/opportunities", body={"items": opportunities})
    decided = {"decision_id": SID, "title": "Offer wallets", "decision": "wallets first"}
    api.on("GET", f"{path}/decisions", body={"items": [decided]})
    sign_in(client, token("contributor"))
    page = await client.get(here)
    assert page.status_code == 200, page.text
    text = words(page.text)
    assert "Personas Owner" in text
    assert "Duplicates merged into it Typing card numbers" in text
    assert "Addressed by Wallets (pursued)" in text
    assert "Why it bears on it: the mistyping" in text
    assert "Attached to the duplicate Typing card numbers ." in text
    assert f'<a href="/w/mobile/strategy#decision-{SID}">Offer wallets</a>' in page.text
    offered = page.text.split('id="attach-insight"')[1].split("</select>")[0]
    assert re.findall(r'value="([0-9a-f-]+)"', offered) == [IID]  # not the one attached
    targets = page.text.split('id="merge-into"')[1].split("</select>")[0]
    assert re.findall(r'value="([0-9a-f-]+)"', targets) == [SID]  # open ones, not itself
    cited = next(r for r in api.seen if r.url.path == f"{path}/decisions")
    assert dict(cited.url.params)["entity_kind"] == "problem"

    api.on("POST", f"{resource}/insights", 200, {"consistency_token": "discovery:4"})
    sent, body = await post_form(
        client, api, f"{here}/insights", {"insight_id": IID, "note": " "}, f"{resource}/insights"
    )
    assert (sent.headers["location"], body) == (here, {"insight_id": IID})
    api.on("POST", f"{resource}/merge", 200, {"consistency_token": "discovery:5"})
    sent, body = await post_form(client, api, f"{here}/merge", {"into": SID}, f"{resource}/merge")
    assert sent.headers["location"] == f"/w/mobile/problems/{SID}"  # on to the one kept
    assert body == {"into": SID}
    api.on("POST", f"{resource}/close", 200, {"consistency_token": "discovery:6"})
    sent, body = await post_form(
        client, api, f"{here}/close", {"reason": " solved "}, f"{resource}/close"
    )
    assert body == {"reason": "solved"}
    before = len(api.seen)
    for action, form in [
        ("merge", {"into": ".."}),
        ("insights", {"insight_id": "../x"}),
        ("close", {"reason": " "}),
    ]:
        await post_form(client, api, f"{here}/{action}", form, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent

    # merged: it says where its evidence went, and takes no command but being unmerged
    api.on("GET", resource, body={**found, "status": "merged", "merged_into": SID})
    page = await client.get(here)
    assert "A duplicate, merged into Card forms" in words(page.text)
    assert re.findall(rf'action="{here}/([^"]*)"', page.text) == ["unmerge"]


async def test_a_problem_is_restated_from_its_page_keeping_what_others_changed(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    resource = f"{path}/problems/{PID}"
    here = f"/w/mobile/problems/{PID}"
    clerk, gone = "00000000-0000-4000-8000-00000000c1e7", "00000000-0000-4000-8000-0000000009a1"
    found = {
        "problem_id": PID,
        "title": "Card entry is slow",
        "statement": "Buyers abandon at card entry",
        "persona_ids": [clerk],
        "severity": 4,
        "frequency": 3,
        "status": "open",
        "merged_into": None,
        "merged_from": [],
        "feedback_count": 0,
        "insights": [],
    }
    api.on("GET", resource, body=found)
    for listed in ("problems", "insights", "opportunities", "decisions"):
        api.on("GET", f"{path}/{listed}", body={"items": []})
    personas = [
        {"persona_id": KID, "name": "Owner", "archived": False},
        {"persona_id": clerk, "name": "Clerk", "archived": True},  # named, archived since
        {"persona_id": gone, "name": "Temp", "archived": True},
    ]
    api.on("GET", f"{path}/personas", body={"items": personas})
    sign_in(client, token("contributor"))
    page = await client.get(here)
    assert page.status_code == 200, page.text
    form = page.text.split(f'action="{here}"')[1].split("</form>")[0]
    assert "Personas Clerk" in words(page.text)
    assert f'name="persona:{clerk}" checked> Clerk <span class="small">(archived)' in form
    assert f'name="persona:{KID}"> Owner' in form
    assert gone not in form  # archived and not named: not offered
    assert '<option value="4" selected>4</option>' in form.split('name="severity"')[1]
    assert json.loads(seen_in(page.text, here)) == {
        k: found[k] for k in ("title", "statement", "persona_ids", "severity", "frequency")
    }
    asked = next(r for r in api.seen if r.url.path == f"{path}/personas")
    assert dict(asked.url.params)["include_archived"] == "true"

    # Someone else sets the frequency meanwhile; the user sharpens the statement and severity.
    api.on("GET", resource, body={**found, "frequency": 5})
    api.on("PUT", resource, 200, {"consistency_token": "discovery:7"})
    typed = {
        "seen": seen_in(page.text, here),
        "title": "Card entry is slow",
        "statement": "Buyers abandon at card entry\r\non mobile",
        "severity": "5",
        "frequency": "3",
        f"persona:{clerk}": "on",
        f"persona:{KID}": "on",
        "note": "the March interviews",
    }
    sent, body = await post_form(client, api, here, typed, resource)
    assert sent.headers["location"].startswith(here)
    assert body == {
        "title": "Card entry is slow",
        "statement": "Buyers abandon at card entry\non mobile",
        "severity": 5,
        "frequency": 5,  # theirs: this user left it as shown
        "persona_ids": [clerk, KID],
        "note": "the March interviews",
    }
    before = len(api.seen)
    await post_form(client, api, here, {**typed, "severity": "9"}, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent


async def test_an_opportunity_is_restated_from_its_page_keeping_what_others_changed(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    resource, here = f"{path}/opportunities/{OID}", f"/w/mobile/opportunities/{OID}"
    on_opportunity_page(api)
    # The problem it addresses was closed since: it stays offered, ticked.
    closed = {"problem_id": PID, "title": "SSO is slow", "status": "closed"}
    api.on("GET", f"{path}/problems/{PID}", body=closed)
    sign_in(client, token("contributor"))
    page = await client.get(here)
    assert page.status_code == 200, page.text
    form = page.text.split(f'action="{here}"')[1].split("</form>")[0]
    assert f'name="problem:{PID}" value="on" checked> SSO is slow <span class="small">(closed)' in (
        form
    )
    assert f'name="problem:{EID}" value="on"> Audit logs are thin</label>' in form
    asked = next(r for r in api.seen if r.url.path == f"{path}/problems")
    assert dict(asked.url.params)["status"] == "open"
    assert json.loads(seen_in(page.text, here)) == {
        "title": "One-click SSO",
        "description": None,
        "problem_ids": [PID],
    }

    # Someone else retitles it meanwhile; the user adds a problem and a description.
    api.on("GET", resource, body=an_opportunity(title="SSO in one click"))
    api.on("PUT", resource, 200, {"consistency_token": "discovery:9"})
    typed = {
        "seen": seen_in(page.text, here),
        "title": "One-click SSO",
        "description": "Presets for the big identity providers",
        f"problem:{PID}": "on",
        f"problem:{EID}": "on",
    }
    sent, body = await post_form(client, api, here, typed, resource)
    assert sent.headers["location"].startswith(here)
    assert body == {
        "title": "SSO in one click",  # theirs: this user left it as shown
        "description": "Presets for the big identity providers",
        "problem_ids": [PID, EID],
    }
    before = len(api.seen)
    unticked = {k: v for k, v in typed.items() if not k.startswith("problem:")}
    await post_form(client, api, here, unticked, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent


async def test_a_rejected_opportunity_is_not_offered_restating(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    on_opportunity_page(api, status="rejected")
    sign_in(client, token("contributor"))
    page = await client.get(f"/w/mobile/opportunities/{OID}")
    assert page.status_code == 200, page.text
    assert f'action="/w/mobile/opportunities/{OID}"' not in page.text
    assert not [r for r in api.seen if r.url.path == "/v1/workspaces/mobile/problems"]


async def test_an_experiment_is_redesigned_from_the_opportunitys_page_until_it_starts(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    on_opportunity_page(api, experiment="designed")
    sign_in(client, token("contributor"))
    here = f"/w/mobile/opportunities/{OID}"
    action = f"{here}/experiments/{EID}/design"
    page = await client.get(here)
    assert page.status_code == 200, page.text
    form = page.text.split(f'action="{action}"')[1].split("</form>")[0]
    assert f'<option value="{SID}" selected>SAML wizard</option>' in form
    assert 'name="threshold" type="number" step="any" required value="60"' in form
    assert json.loads(seen_in(page.text, action)) == {
        "solution_id": SID,
        "hypothesis": "Admins finish set-up in 10 minutes",
        "metric": "completion",
        "unit": "percent",
        "direction": "at_least",
        "threshold": 60.0,
    }
    resource = f"/v1/workspaces/mobile/experiments/{EID}"
    api.on("GET", resource, body=an_experiment("designed"))
    api.on("PUT", resource, 200, {"consistency_token": "discovery:8"})
    typed = {
        "seen": seen_in(page.text, action),
        "solution_id": "",
        "hypothesis": "Admins finish set-up in 10 minutes",
        "metric": "completion",
        "unit": "percent",
        "direction": "at_least",
        "threshold": "75",
    }
    sent, body = await post_form(client, api, action, typed, resource)
    assert sent.headers["location"].startswith(here)
    assert body == {
        "solution_id": None,  # tests the opportunity itself now
        "hypothesis": "Admins finish set-up in 10 minutes",
        "metric": "completion",
        "unit": "percent",
        "direction": "at_least",
        "threshold": 75.0,
    }
    on_opportunity_page(api, experiment="running")
    assert f'action="{action}"' not in (await client.get(here)).text  # started: fixed


async def test_a_candidate_solution_is_revised_from_the_opportunitys_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    on_opportunity_page(api)
    sign_in(client, token("contributor"))
    here = f"/w/mobile/opportunities/{OID}"
    action = f"{here}/solutions/{SID}"
    page = await client.get(here)
    assert page.status_code == 200, page.text
    form = page.text.split(f'action="{action}"')[1].split("</form>")[0]
    assert '<option value="2" selected>2</option>' in form.split('name="effort"')[1]
    assert json.loads(seen_in(page.text, action)) == {
        "title": "SAML wizard",
        "description": None,
        "value": 4,
        "effort": 2,
        "confidence": 3,
    }
    # Someone else raised the confidence meanwhile; this user finds it harder than thought.
    opportunity = f"/v1/workspaces/mobile/opportunities/{OID}"
    now = an_opportunity()
    now["solutions"] = [{**now["solutions"][0], "confidence": 5}]
    api.on("GET", opportunity, body=now)
    resource = f"{opportunity}/solutions/{SID}"
    api.on("PUT", resource, 200, {"consistency_token": "discovery:10"})
    typed = {
        "seen": seen_in(page.text, action),
        "title": "SAML wizard",
        "description": "",
        "value": "4",
        "effort": "4",
        "confidence": "3",
    }
    sent, body = await post_form(client, api, action, typed, resource)
    assert sent.headers["location"].startswith(here)
    assert body == {"title": "SAML wizard", "value": 4, "effort": 4, "confidence": 5}
    before = len(api.seen)
    await post_form(client, api, action, {**typed, "effort": "0"}, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent


async def test_a_closed_problem_is_reopened_from_its_page_with_a_reason(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    resource, here = f"{path}/problems/{PID}", f"/w/mobile/problems/{PID}"
    found = {
        "problem_id": PID,
        "title": "Card entry is slow",
        "statement": "Buyers abandon at card entry",
        "persona_ids": [],
        "severity": 4,
        "frequency": 3,
        "status": "closed",
        "close_reason": "wallets solved it",
        "merged_into": None,
        "merged_from": [],
        "feedback_count": 0,
        "insights": [],
    }
    api.on("GET", resource, body=found)
    for listed in ("problems", "insights", "opportunities", "decisions", "personas"):
        api.on("GET", f"{path}/{listed}", body={"items": []})
    sign_in(client, token("contributor"))
    page = (await client.get(here)).text
    assert "Closed: wallets solved it." in page
    # closed, it offers only reopening it
    assert re.findall(r'action="([^"]+)"', page.split("<main")[1]) == [f"{here}/reopen"]
    api.on("POST", f"{resource}/reopen", 200, {"consistency_token": "discovery:12"})
    typed = {"reason": " it came back with the new card form "}
    sent, body = await post_form(client, api, f"{here}/reopen", typed, f"{resource}/reopen")
    assert (sent.headers["location"], body) == (here, {"reason": typed["reason"].strip()})
    before = len(api.seen)
    await post_form(client, api, f"{here}/reopen", {"reason": " "}, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent


async def test_a_problem_merged_by_mistake_is_unmerged_from_its_page_with_a_reason(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    resource, here = f"{path}/problems/{PID}", f"/w/mobile/problems/{PID}"
    found = {
        "problem_id": PID,
        "title": "Refunds are slow",
        "statement": "Buyers wait for refunds",
        "persona_ids": [],
        "severity": 3,
        "frequency": 3,
        "status": "merged",
        "close_reason": None,
        "merged_into": OID,
        "merged_from": [],
        "feedback_count": 0,
        "insights": [],
    }
    api.on("GET", resource, body=found)
    for listed in ("problems", "insights", "opportunities", "decisions", "personas"):
        api.on("GET", f"{path}/{listed}", body={"items": []})
    sign_in(client, token("contributor"))
    page = (await client.get(here)).text
    assert "A duplicate, merged into" in page
    # merged, it offers only unmerging it
    assert re.findall(r'action="([^"]+)"', page.split("<main")[1]) == [f"{here}/unmerge"]
    api.on("POST", f"{resource}/unmerge", 200, {"consistency_token": "discovery:13"})
    typed = {"reason": " refunds, not checkout "}
    sent, body = await post_form(client, api, f"{here}/unmerge", typed, f"{resource}/unmerge")
    assert (sent.headers["location"], body) == (here, {"reason": "refunds, not checkout"})
    sign_in(client, token("stakeholder"))  # reads, changes nothing
    read_only = await client.get(here)
    assert read_only.status_code == 200
    assert "A duplicate, merged into" in read_only.text
    assert "/unmerge" not in read_only.text


async def test_archived_personas_and_retired_insights_are_listed_to_be_brought_back(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    api.on(
        "GET",
        f"{path}/personas",
        body={
            "items": [
                {
                    "persona_id": PID,
                    "name": "Analyst",
                    "version": 2,
                    "profile": {"name": "Analyst", "segment": "smb"},
                }
            ],
            "next_cursor": None,
        },
    )
    api.on(
        "GET",
        f"{path}/insights",
        body={
            "items": [
                {
                    "insight_id": RID,
                    "title": "SMBs hate invoices",
                    "market": "payments",
                    "segment": None,
                    "source": "interviews",
                    "summary": "8 of 10",
                    "recorded_at": "2026-11-02T10:00:00Z",
                }
            ],
            "next_cursor": "abc",
        },
    )
    sign_in(client, token("contributor"))
    page = (await client.get("/w/mobile/research/put-away")).text
    assert "Analyst · smb (version 2)" in words(page)
    assert "SMBs hate invoices" in page
    asked = {r.url.path: dict(r.url.params) for r in api.seen}
    assert asked[f"{path}/personas"]["archived"] == "true"
    assert asked[f"{path}/insights"]["retired"] == "true"
    assert re.findall(r'action="([^"]+)"', page.split("<main")[1]) == [
        f"/w/mobile/personas/{PID}/restore",
        f"/w/mobile/insights/{RID}/reinstate",
    ]
    assert "?insights_cursor=abc" in page
    sign_in(client, token("stakeholder"))  # reads, changes nothing
    read_only = await client.get("/w/mobile/research/put-away")
    assert read_only.status_code == 200
    assert "action=" not in read_only.text.split("<main")[1]


async def test_an_opportunity_with_many_experiments_pages_on_to_the_older_ones(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    on_opportunity_page(api)
    log = f"/v1/workspaces/mobile/opportunities/{OID}/experiments"
    api.on("GET", log, body={"items": [an_experiment("running")], "next_cursor": "c2"})
    sign_in(client, token())
    here = f"/w/mobile/opportunities/{OID}"
    first = await client.get(here)
    assert '<a href="?experiments_cursor=c2#experiments">Older experiments</a>' in first.text
    assert "The newest experiments" not in first.text
    older = await client.get(here, params={"experiments_cursor": "c2"})
    assert [r.url.params.get("cursor") for r in api.seen if r.url.path == log] == [None, "c2"]
    assert '<a href="?#experiments">The newest experiments</a>' in older.text
