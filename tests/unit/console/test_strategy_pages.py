"""Strategy pages: the objective tree, an objective's page with its key results and
check-ins, setting objectives, the strategy page (vision, review, timeline, decisions,
concepts)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

import httpx
import pytest
from sextant_console.web import FLASH, Flash

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


async def test_the_objective_tree_shows_the_status_today_and_the_one_at_the_check_in(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on(
        "GET",
        "/v1/workspaces/mobile/objectives",
        body={
            "items": [
                {
                    "objective_id": "o-1",
                    "title": "Convert more buyers",
                    "workspace_id": "mobile",
                    "progress": 0.2,
                    "status": "on_track",
                    "status_today": "off_track",
                },
                {
                    "objective_id": "o-2",
                    "title": "Retain more",
                    "workspace_id": "mobile",
                    "progress": 0.9,
                    "status": "on_track",
                    "status_today": "on_track",
                },
            ]
        },
    )
    sign_in(client, token())
    page = await client.get("/w/mobile/objectives")
    assert page.status_code == 200
    rows = page.text.split('class="objective-row"')[1:]
    assert 'class="status-off_track">off track<' in rows[0]
    assert "(on track at the last check-in)" in rows[0]
    assert 'class="status-on_track">on track<' in rows[1]
    assert "at the last check-in" not in rows[1]


def an_objective(**changes: Any) -> dict[str, Any]:
    return {
        "objective_id": OID,
        "title": "Convert more buyers",
        "owner": "pm.ana",
        "period_label": "2026-Q4",
        "period_start": "2026-10-01",
        "period_end": "2026-12-31",
        "progress": 0.2,
        "status": "on_track",
        "status_today": "off_track",
        "closed_at": None,
        "key_results": [
            {
                "key_result_id": KID,
                "title": "Checkout conversion",
                "baseline": 2.0,
                "target": 4.0,
                "unit": "%",
                "current": 2.4,
                "progress": 0.2,
                "confidence": 0.8,
                "status": "on_track",
                "status_today": "off_track",
                "checked_in_at": "2026-10-08T09:00:00+00:00",
            }
        ],
        "recent_check_ins": [
            {
                "value": 2.4,
                "confidence": 0.8,
                "comment": "first week",
                "status": "on_track",
                "checked_in_at": "2026-10-08T09:00:00+00:00",
                "checked_in_by": "pm.ana",
            }
        ],
        **changes,
    }


async def test_a_team_checks_in_a_key_result_from_its_objective_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", f"/v1/workspaces/mobile/objectives/{OID}", body=an_objective(parent_id=SID))
    grow = {"objective_id": SID, "workspace_id": None, "title": "Grow", "period_label": "2027"}
    api.on("GET", "/v1/organisation/objectives", body={"items": [grow]})
    mine = {"objective_id": OID, "workspace_id": "mobile", "title": "Win", "period_label": "Q1"}
    api.on("GET", "/v1/workspaces/mobile/objectives", body={"items": [mine]})
    below = {"objective_id": PID, "workspace_id": "web", "title": "Faster checkout on web"}
    serving = {
        "item_id": IID,
        "roadmap_id": RID,
        "roadmap_name": "Checkout",
        "workspace_id": "mobile",
        "title": "One-click pay",
        "status": "in_progress",
        "horizon": "now",
    }
    api.on(
        "GET",
        f"/v1/query/objectives/{OID}/trace",
        body={
            "aligned_objectives": [below],
            "roadmap_items": [serving],
            "roadmap_items_total": 140,  # the first of them
        },
    )
    # The trace reads across workspaces: an organisation-wide reader sees all of it.
    sign_in(client, token(sextant_role="product_manager"))
    page = await client.get(f"/w/mobile/objectives/{OID}")
    assert page.status_code == 200, page.text
    text = words(page.text)
    assert "From the workspaces you read" not in text
    assert "Aligned below it: Faster checkout on web ." in text
    assert f'<a href="/w/web/objectives/{PID}">' in page.text
    assert f'<a href="/w/mobile/roadmaps/{RID}/items/{IID}">One-click pay</a>' in page.text
    assert "(Checkout: in progress, now)" in text
    assert "The first 1 of the 140 items serving it, by when they were added." in text
    row = page.text.split(f'id="kr-{KID}"')[1].split("</tr>")[0]
    assert "2 → 4 %" in row
    assert 'class="status-off_track">off track<' in row
    assert "(on track at the last check-in)" in row
    assert '<option value="0.8" selected>' in row
    # aligned to the organisation's objective; offered the others, not itself
    assert f'<dd id="objective-parent"><a href="/objectives/{SID}">Grow</a></dd>' in page.text
    offered = page.text.split('id="align-parent"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([^"]*)"', offered) == ["", SID]
    assert f'<option value="{SID}" selected>Grow (organisation, 2027)</option>' in offered
    # check in, reword and retarget the key result, define one, reword the objective, align,
    # close it
    nonce, *_ = nonces = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)
    assert len(nonces) == 7

    path = f"/v1/workspaces/mobile/objectives/{OID}/key-results/{KID}/check-ins"
    api.on("POST", path, 201, {"id": OID, "consistency_token": "strategy:9"})
    form = {
        "form_nonce": nonce,
        "title": "Checkout conversion",
        "value": "2.9",
        "confidence": "0.7",
    }
    sent = await client.post(
        f"/w/mobile/objectives/{OID}/key-results/{KID}/check-ins",
        data={**form, "comment": " "},
        headers={"origin": "http://console.test"},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/w/mobile/objectives/{OID}"
    posted = api.seen[-1]
    assert json.loads(posted.content) == {"value": 2.9, "confidence": 0.7}
    assert posted.headers["idempotency-key"].startswith("console:")

    odd = await client.post(
        f"/w/mobile/objectives/{OID}/key-results/{KID}/check-ins",
        data={**form, "value": "nan"},
        headers={
            "origin": "http://console.test",
            "referer": f"http://console.test/w/mobile/objectives/{OID}",
        },
    )
    assert odd.status_code == 303
    assert api.seen[-1] is posted  # refused in the console, never sent


async def test_a_closed_objective_takes_no_check_ins(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    closed = an_objective(closed_at="2026-12-31T10:00:00+00:00", outcome="partially_achieved")
    api.on("GET", f"/v1/workspaces/mobile/objectives/{OID}", body=closed)
    trace = f"/v1/query/objectives/{OID}/trace"
    api.on("GET", trace, body={"aligned_objectives": [], "roadmap_items": []})
    sign_in(client, token())
    page = await client.get(f"/w/mobile/objectives/{OID}")
    assert page.status_code == 200, page.text
    # A team member's trace is their workspaces' part of the chain, and the page says so.
    assert [r.url.path for r in api.seen if r.url.path.startswith("/v1/query/")] == [trace]
    text = words(page.text)
    assert "From the workspaces you read; other teams' work may serve it too." in text
    assert "No roadmap item in the workspaces you read serves it yet." in text
    assert "partially achieved, 2026-12-31" in page.text
    assert "Check in<" not in page.text


async def test_an_organisation_objective_is_checked_in_through_the_organisation_api(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", f"/v1/organisation/objectives/{OID}", body=an_objective(workspace_id=None))
    sign_in(client, token(sextant_role="admin"))
    page = await client.get(f"/objectives/{OID}")
    assert page.status_code == 200, page.text
    assert f'action="/objectives/{OID}/key-results/{KID}/check-ins"' in page.text
    nonce = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)[0]
    path = f"/v1/organisation/objectives/{OID}/key-results/{KID}/check-ins"
    api.on("POST", path, 201, {"id": OID, "consistency_token": "strategy:10"})
    sent = await client.post(
        f"/objectives/{OID}/key-results/{KID}/check-ins",
        data={"form_nonce": nonce, "value": "3", "confidence": "0.5"},
        headers={"origin": "http://console.test"},
    )
    assert (sent.status_code, sent.headers["location"]) == (303, f"/objectives/{OID}")
    assert api.seen[-1].url.path == path


async def test_a_team_sets_an_objective_defines_its_key_results_and_closes_it(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile/objectives"
    mine = {
        "objective_id": KID,
        "workspace_id": "mobile",
        "title": "Win mid-market",
        "period_label": "2027-Q1",
        "progress": None,
        "status": None,
    }
    api.on("GET", path, body={"items": [mine]})
    org = {"objective_id": RID, "workspace_id": None, "title": "Grow", "period_label": "2027"}
    api.on("GET", "/v1/organisation/objectives", body={"items": [org]})
    sign_in(client, token())
    page = await client.get("/w/mobile/objectives")
    assert page.status_code == 200, page.text
    assert f'<option value="{RID}">Grow (organisation, 2027)</option>' in page.text
    assert f'<option value="{KID}">Win mid-market (mobile, 2027-Q1)</option>' in page.text
    assert 'action="/w/mobile/objectives"' in page.text

    api.on("POST", path, 201, {"id": OID, "consistency_token": "strategy:11"})
    sent, body = await post_form(
        client,
        api,
        "/w/mobile/objectives",
        {"title": "Convert buyers", "quarter": "2027-Q1", "parent_id": RID, "description": ""},
        path,
    )
    assert sent.headers["location"] == f"/w/mobile/objectives/{OID}"
    assert body == {"title": "Convert buyers", "period": {"quarter": "2027-Q1"}, "parent_id": RID}
    steps: list[tuple[str, dict[str, str], dict[str, Any]]] = [
        (
            "key-results",
            {
                "title": "Conversion",
                "baseline": "2",
                "target": "4.5",
                "unit": "%",
                "direction": "increase",
            },
            {
                "title": "Conversion",
                "baseline": 2.0,
                "target": 4.5,
                "unit": "%",
                "direction": "increase",
            },
        ),
        ("close", {"outcome": "partially_achieved", "note": ""}, {"outcome": "partially_achieved"}),
    ]
    for step, form, expected in steps:
        command = f"{path}/{OID}/{step}"
        api.on("POST", command, 201, {"id": OID, "consistency_token": "strategy:12"})
        sent, body = await post_form(
            client, api, f"/w/mobile/objectives/{OID}/{step}", form, command
        )
        assert (sent.headers["location"], body) == (f"/w/mobile/objectives/{OID}", expected)
    # aligned to another objective (a PUT), then to none
    command = f"{path}/{OID}/parent"
    api.on("PUT", command, 200, {"id": OID, "consistency_token": "strategy:13"})
    for chosen, expected_parent in [(RID, RID), ("", None)]:
        sent, body = await post_form(
            client, api, f"/w/mobile/objectives/{OID}/parent", {"parent_id": chosen}, command
        )
        assert body == {"parent_id": expected_parent}
        assert api.seen[-1].method == "PUT"
    before = len(api.seen)
    for step, form in [
        ("key-results", {"title": "T", "baseline": "1", "target": "x", "unit": "%"}),
        ("close", {"outcome": "won"}),
        ("reopen", {}),
        ("parent", {"parent_id": "../../x"}),
    ]:
        await post_form(client, api, f"/w/mobile/objectives/{OID}/{step}", form, "")
    assert not api.seen[before:]  # each refused in the console, never sent


async def test_the_strategy_page_shows_the_vision_approved_strategy_timeline_and_decisions(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    snapshot = {
        "title": "FY27",
        "period": {"label": "2027-Q1"},
        "concept": None,
        "objectives": [
            {"objective_id": OID, "workspace_id": "mobile", "title": "Win mid-market"},
            {"objective_id": KID, "workspace_id": None, "title": "Grow revenue"},
        ],
    }
    api.on(
        "GET",
        f"{path}/strategy",
        body={
            "vision": {
                "vision": "Every PM decides with evidence",
                "mission": "Make discovery routine",
                "revision": 2,
                "revised_by": "pm.ana",
                "revised_at": "2026-11-01T00:00:00+00:00",
            },
            "approved": [
                {
                    "strategy_id": RID,
                    "version": 1,
                    "approved_by": "cpo.bo",
                    "approved_at": "2026-11-02T00:00:00+00:00",
                    "snapshot": snapshot,
                }
            ],
        },
    )
    strategies = [
        {
            "strategy_id": RID,
            "title": "FY27",
            "period_label": "2027-Q1",
            "current_version": 2,
            "status": "in_review",
            "reviewers": ["cpo.bo"],
        },
    ]
    api.on("GET", f"{path}/strategies", body={"items": strategies})
    beta = {
        "milestone_id": IID,
        "title": "Beta",
        "target_date": "2026-07-01",
        "original_date": "2026-06-01",
        "reached_on": None,
        "standing": "overdue",
        "moves": [{"from_date": "2026-06-01", "to_date": "2026-07-01", "reason": "vendor late"}],
    }
    api.on("GET", f"{path}/timeline", body={"items": [beta]})
    decision = {
        "decision_id": SID,
        "title": "Build SSO",
        "decision": "build",
        "rationale": "we own the data",
        "options": [{"title": "build"}, {"title": "buy"}],
        "decided_on": "2026-10-01",
        "decided_by": "pm.ana",
        "supersedes": None,
        "superseded_by": EID,
        "evidence": [{"kind": "opportunity", "id": PID}, {"kind": "experiment", "id": KID}],
    }
    api.on("GET", f"{path}/decisions", body={"items": [decision], "next_cursor": None})
    on_strategy_parts(api)
    api.on(
        "GET", f"{path}/opportunities", body={"items": [{"opportunity_id": PID, "title": "SSO"}]}
    )
    sign_in(client, token("contributor"))
    page = await client.get("/w/mobile/strategy", params={"q": "SSO"})
    assert page.status_code == 200, page.text
    text = words(page.text)
    rests = page.text.split('class="small evidence">')[1].split("</span>")[0]
    linked = f'opportunity <a href="/w/mobile/opportunities/{PID}">SSO</a>'
    assert rests == f"Rests on: {linked}, experiment {KID[:8]}"
    assert "Every PM decides with evidence Mission: Make discovery routine" in text
    assert f'<a href="/w/mobile/objectives/{OID}">Win mid-market</a>' in page.text
    assert f'<a href="/objectives/{KID}">Grow revenue</a>' in page.text  # the organisation's
    assert "FY27 (2027-Q1) : version 2, in review, with cpo.bo" in text
    row = page.text.split(f'id="milestone-{IID}"')[1].split("</tr>")[0]
    assert 'class="standing-overdue"' in page.text
    assert "overdue" in row
    assert "(first 2026-06-01)" in row
    assert "vendor late" in row
    assert "Superseded by" in text
    assert [r.url.params.get("q") for r in api.seen if r.url.path.endswith("/decisions")] == ["SSO"]
    assert f'<a href="/w/mobile/strategies/{RID}">FY27</a>' in page.text  # its review
    # A contributor revises the vision and drafts strategies; deciding is not theirs.
    assert 'action="/w/mobile/vision"' in page.text
    assert ">Every PM decides with evidence</textarea>" in page.text  # revised from the last
    assert json.loads(seen_in(page.text, "/w/mobile/vision"))["vision"] == (
        "Every PM decides with evidence"
    )
    assert 'action="/w/mobile/strategies"' in page.text
    assert f'name="objective:{OID}"' in page.text
    assert 'action="/w/mobile/decisions"' not in page.text
    concept = " ".join(page.text.split(f'id="concept-{PID}"')[1].split("</details>")[0].split())
    assert "Self-serve SSO</strong>: SSO in ten minutes" in concept
    assert "for IT admin, Owner · apart by presets" in concept
    # the opportunity it pursues (by its id: not among the workspace's listed), unlinked or
    # another one linked
    assert f'Pursues: <a href="/w/mobile/opportunities/{OID}">{OID[:8]}</a>' in concept
    assert f'value="{OID}"> <button type="submit">Unlink' in concept
    pursue = concept.split(f'action="/w/mobile/concepts/{PID}/opportunities"')[1]
    assert re.findall(r'<option value="([0-9a-f-]+)">', pursue.split("</select>")[0]) == [PID]
    assert "IT admin\nOwner</textarea>" in page.text  # to revise it
    assert json.loads(seen_in(page.text, f"/w/mobile/concepts/{PID}"))["personas"] == [
        "IT admin",
        "Owner",
    ]
    assert f'action="/w/mobile/milestones/{IID}/move"' in page.text
    assert 'action="/w/mobile/milestones"' in page.text
    # A decider records decisions, resting on the workspace's opportunities and problems.
    sign_in(client, token("product_manager"))
    page = await client.get("/w/mobile/strategy")
    decide = page.text.split('action="/w/mobile/decisions"')[1].split("</form>")[0]
    assert f'name="opportunity:{PID}"> opportunity: SSO</label>' in decide


def on_strategy_parts(api: FakeApi) -> None:
    path = "/v1/workspaces/mobile"
    objective = {"objective_id": OID, "title": "Win mid-market", "period_label": "2027-Q1"}
    api.on("GET", f"{path}/objectives", body={"items": [objective]})
    concept = {
        "concept_id": PID,
        "name": "Self-serve SSO",
        "problem": "Set-up takes a week",
        "personas": ["IT admin", "Owner"],
        "value_proposition": "SSO in ten minutes",
        "differentiators": ["presets"],
        "opportunity_ids": [OID],
    }
    api.on("GET", f"{path}/concepts", body={"items": [concept]})


def a_strategy(**changes: Any) -> dict[str, Any]:
    return {
        "strategy_id": RID,
        "workspace_id": "mobile",
        "title": "FY27",
        "period_label": "2027-Q1",
        "period_start": "2027-01-01",
        "period_end": "2027-03-31",
        "objective_ids": [OID, KID],
        "concept_id": PID,
        "current_version": 1,
        "status": "draft",
        "reviewers": [],
        "drafted_at": "2026-11-20T09:00:00+00:00",
        "comments": [],
        "approved_versions": [],
        **changes,
    }


async def test_a_strategy_is_drafted_submitted_and_approved_by_its_reviewer(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile/strategies"
    on_strategy_parts(api)
    api.on("POST", path, 201, {"id": RID, "consistency_token": "strategy:1"})
    sign_in(client, token())
    nonce = {"form_nonce": "f" * 32}
    sent, body = await post_form(
        client,
        api,
        "/w/mobile/strategies",
        {
            **nonce,
            "title": "FY27",
            "quarter": "2027-q1",
            f"objective:{OID}": "on",
            "concept_id": "",
        },
        path,
    )
    assert sent.headers["location"] == f"/w/mobile/strategies/{RID}"
    assert body == {"title": "FY27", "period": {"quarter": "2027-Q1"}, "objective_ids": [OID]}
    assert api.seen[-1].headers["idempotency-key"].startswith("console:")

    # Its author sees it in draft: submit and revise, but no review of their own.
    api.on("GET", f"{path}/{RID}", body=a_strategy())
    api.on("GET", f"/v1/organisation/objectives/{KID}", body={"title": "Grow revenue"})
    page = await client.get(f"/w/mobile/strategies/{RID}")
    assert page.status_code == 200, page.text
    assert f'<a href="/w/mobile/objectives/{KID}">Grow revenue</a>' in page.text
    assert "Self-serve SSO" in page.text
    assert f'action="/w/mobile/strategies/{RID}/submit"' in page.text
    assert f'action="/w/mobile/strategies/{RID}/revise"' in page.text
    assert "/approve" not in page.text
    api.on("POST", f"{path}/{RID}/submit", 200, {"consistency_token": "strategy:2"})
    sent, body = await post_form(
        client,
        api,
        f"/w/mobile/strategies/{RID}/submit",
        {**nonce, "reviewers": "cpo.bo, cto.cy\ncpo.bo"},
        f"{path}/{RID}/submit",
    )
    assert sent.headers["location"] == f"/w/mobile/strategies/{RID}"
    assert body == {"reviewers": ["cpo.bo", "cto.cy"]}

    # A reviewer it names answers the review; a decider it does not name only reads it.
    in_review = a_strategy(status="in_review", reviewers=["cpo.bo", "cto.cy"])
    api.on("GET", f"{path}/{RID}", body=in_review)
    sign_in(client, token(sub="cpo.bo"))
    page = await client.get(f"/w/mobile/strategies/{RID}")
    assert f'action="/w/mobile/strategies/{RID}/approve"' in page.text
    assert f'action="/w/mobile/strategies/{RID}/request-changes"' in page.text
    assert f"/w/mobile/strategies/{RID}/submit" not in page.text  # not while in review
    sign_in(client, token(sub="vp.di"))
    page = await client.get(f"/w/mobile/strategies/{RID}")
    assert "/approve" not in page.text
    assert "In review: cpo.bo, cto.cy approve it or request changes." in page.text
    sign_in(client, token(sub="cpo.bo"))
    for step, form, expected in [
        ("approve", {"comment": " ship it "}, {"comment": "ship it"}),
        ("approve", {"comment": ""}, {}),
        ("request-changes", {"text": "name the risks"}, {"text": "name the risks"}),
        ("comments", {"text": "see the SSO decision"}, {"text": "see the SSO decision"}),
    ]:
        api.on("POST", f"{path}/{RID}/{step}", 200, {"consistency_token": "strategy:3"})
        sent, body = await post_form(
            client,
            api,
            f"/w/mobile/strategies/{RID}/{step}",
            {**nonce, **form},
            f"{path}/{RID}/{step}",
        )
        assert (sent.headers["location"], body) == (f"/w/mobile/strategies/{RID}", expected)

    # Approved, it may be revised into its next version.
    api.on("PUT", f"{path}/{RID}", 200, {"consistency_token": "strategy:4"})
    sent, body = await post_form(
        client,
        api,
        f"/w/mobile/strategies/{RID}/revise",
        {
            **nonce,
            "title": "FY27 H1",
            "start": "2027-01-01",
            "end": "2027-06-30",
            f"objective:{OID}": "on",
            f"objective:{KID}": "on",
            "concept_id": PID,
        },
        f"{path}/{RID}",
    )
    assert body == {
        "title": "FY27 H1",
        "period": {"start": "2027-01-01", "end": "2027-06-30"},
        "objective_ids": [OID, KID],
        "concept_id": PID,
    }


async def test_revising_a_strategy_keeps_what_its_page_did_not_list_and_others_changed(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """The revise form offers the organisation objective the strategy serves and its concept
    when not among the workspace's listed ones (unticked, saving dropped them); a period
    another moved meanwhile stays moved when this revision left it as it was."""
    path = "/v1/workspaces/mobile/strategies"
    here = f"/w/mobile/strategies/{RID}"
    on_strategy_parts(api)
    api.on("GET", f"{path}/{RID}", body=a_strategy(concept_id=EID))
    grow = {"objective_id": KID, "title": "Grow revenue", "period_label": "FY27"}
    api.on("GET", f"/v1/organisation/objectives/{KID}", body=grow)
    passkeys = {"concept_id": EID, "name": "Passkeys"}
    api.on("GET", f"/v1/workspaces/mobile/concepts/{EID}", body=passkeys)
    sign_in(client, token())
    page = (await client.get(here)).text
    form = page.split(f'action="{here}/revise"')[1].split("</form>")[0]
    assert f'name="objective:{KID}" checked> Grow revenue' in form
    assert f'<option value="{EID}" selected>Passkeys</option>' in form
    seen = seen_in(page, f"{here}/revise")
    q2 = {"period_label": "2027-Q2", "period_start": "2027-04-01", "period_end": "2027-06-30"}
    api.on("GET", f"{path}/{RID}", body=a_strategy(concept_id=EID, **q2))
    api.on("PUT", f"{path}/{RID}", 200, {"consistency_token": "strategy:4"})
    typed = {
        "title": "FY27 plan",
        "quarter": "2027-Q1",
        f"objective:{OID}": "on",
        f"objective:{KID}": "on",
        "concept_id": EID,
    }
    _, body = await post_form(
        client, api, f"{here}/revise", {**typed, "seen": seen}, f"{path}/{RID}"
    )
    assert body == {
        "title": "FY27 plan",
        "period": {"quarter": "2027-Q2"},
        "objective_ids": [OID, KID],
        "concept_id": EID,
    }


async def test_a_strategy_goes_to_reviewers_who_may_approve_it(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """The submit form offers the team's members who may decide; a member the directory
    gives a role that may not approve is refused by name, before the API is asked, since
    the strategy would wait for an approval that cannot come."""
    path = "/v1/workspaces/mobile/strategies"
    on_strategy_parts(api)
    api.on("GET", f"{path}/{RID}", body=a_strategy(reviewers=["cpo.bo", "exec.fa", "vp.di"]))
    team = [
        ("pm.ana", "product_manager"),  # the author
        ("cpo.bo", "product_manager"),
        ("tpm.cy", "technical_product_manager"),
        ("dev.ed", "contributor"),
        ("exec.fa", "stakeholder"),
    ]
    api.on(
        "GET",
        "/v1/workspaces/mobile/members",
        body={"items": [{"member": m, "role": r} for m, r in team], "next_cursor": None},
    )
    sign_in(client, token())
    page = await client.get(f"/w/mobile/strategies/{RID}")
    offered = re.findall(r'name="reviewer:([^"]+)"( checked)?', page.text)
    assert offered == [("cpo.bo", " checked"), ("tpm.cy", "")]
    assert 'name="reviewers" maxlength="4000" value="vp.di"' in page.text  # not a member here
    api.on("POST", f"{path}/{RID}/submit", 200, {"consistency_token": "strategy:2"})
    nonce = {"form_nonce": "f" * 32}
    sent, body = await post_form(
        client,
        api,
        f"/w/mobile/strategies/{RID}/submit",
        {**nonce, "reviewer:tpm.cy": "on", "reviewers": "vp.di, tpm.cy"},
        f"{path}/{RID}/submit",
    )
    assert body == {"reviewers": ["tpm.cy", "vp.di"]}
    for named, why in (
        (
            {"reviewers": "exec.fa, cpo.bo"},
            "Reviewers: exec.fa (stakeholder) may not approve a strategy in mobile;"
            " those who may decide there: cpo.bo, pm.ana, tpm.cy",
        ),
        ({"reviewers": " , "}, "Reviewers: tick or name at least one"),
    ):
        sent, body = await post_form(
            client, api, f"/w/mobile/strategies/{RID}/submit", {**nonce, **named}, "-"
        )
        assert body is None
        assert why in Flash.decode(sent.cookies.get(FLASH)).text
    posted = [r for r in api.seen if r.method == "POST"]
    assert len(posted) == 1  # only the first was sent


@pytest.mark.parametrize(
    ("form", "why"),
    [
        ({"title": "T"}, "Give the period as a quarter like 2027-Q1"),
        ({"title": "T", "quarter": "2027-Q5"}, "Quarter must look like 2027-Q1"),
        ({"title": "T", "quarter": "2027-Q1", "end": "2027-02-01"}, "not both"),
        ({"title": "T", "start": "2027-02-01", "end": "2027-01-01"}, "is before start"),
        ({"title": "T", "start": "2027-02-30", "end": "2027-03-01"}, "Start must be a date"),
        ({"quarter": "2027-Q1"}, "Title is required"),
    ],
)
async def test_a_strategys_period_is_refused_in_the_console_when_the_api_would(
    client: httpx.AsyncClient, api: FakeApi, form: dict[str, str], why: str
) -> None:
    sign_in(client, token())
    sent, body = await post_form(
        client, api, "/w/mobile/strategies", form, "/v1/workspaces/mobile/strategies"
    )
    assert body is None  # never sent
    api.on("GET", "/v1/workspaces/mobile/strategy", body={"vision": None, "approved": []})
    for listed in ("strategies", "timeline", "decisions"):
        api.on("GET", f"/v1/workspaces/mobile/{listed}", body={"items": []})
    on_strategy_parts(api)
    shown = await client.get(sent.headers["location"])
    assert why in html.unescape(shown.text)


async def test_the_vision_is_stated_and_decisions_recorded_from_the_strategy_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    api.on("PUT", f"{path}/vision", 201, {"consistency_token": "strategy:5"})
    api.on("POST", f"{path}/decisions", 201, {"id": SID, "consistency_token": "strategy:6"})
    sign_in(client, token())
    sent, body = await post_form(
        client,
        api,
        "/w/mobile/vision",
        {
            "vision": "Every PM decides with evidence",
            "mission": "Make discovery routine",
            "note": "",
        },
        f"{path}/vision",
    )
    assert sent.headers["location"] == "/w/mobile/strategy"
    assert body == {"vision": "Every PM decides with evidence", "mission": "Make discovery routine"}
    # Revised from the page as it was, the mission another revised meanwhile stays theirs.
    stated = {"vision": "Every PM decides with evidence", "mission": "Make discovery routine"}
    api.on("GET", f"{path}/vision", body={**stated, "mission": "Discovery every week"})
    form = {**stated, "vision": "Every team decides with evidence", "seen": json.dumps(stated)}
    _, body = await post_form(client, api, "/w/mobile/vision", form, f"{path}/vision")
    assert body == {"vision": "Every team decides with evidence", "mission": "Discovery every week"}
    decided = {
        "title": "Build SSO",
        "context": "Enterprise deals stall on SSO",
        "decision": "Build it on our identity service",
        "rationale": "we own the data",
    }
    sent, body = await post_form(
        client,
        api,
        "/w/mobile/decisions",
        {
            **decided,
            "options": "Build it\n\n Buy a vendor's \nBuild it",
            "supersedes": EID,
            f"problem:{KID}": "on",
            f"opportunity:{PID}": "on",
        },
        f"{path}/decisions",
    )
    assert sent.headers["location"] == f"/w/mobile/strategy#decision-{SID}"
    assert body == {
        **decided,
        "options": [{"title": "Build it"}, {"title": "Buy a vendor's"}],
        "supersedes": EID,
        "evidence": [{"kind": "problem", "id": KID}, {"kind": "opportunity", "id": PID}],
    }
    api.on("POST", f"{path}/milestones", 201, {"id": IID, "consistency_token": "strategy:7"})
    sent, body = await post_form(
        client,
        api,
        "/w/mobile/milestones",
        {"title": "Beta", "target_date": "2027-02-01", f"objective:{OID}": "on"},
        f"{path}/milestones",
    )
    assert sent.headers["location"] == f"/w/mobile/strategy#milestone-{IID}"
    assert body == {"title": "Beta", "target_date": "2027-02-01", "objective_ids": [OID]}
    for step, form in [
        ("move", {"target_date": "2027-03-01", "reason": " vendor late "}),
        ("reach", {"reached_on": "2027-02-27"}),
    ]:
        command = f"{path}/milestones/{IID}/{step}"
        api.on("POST", command, 200, {"consistency_token": "strategy:8"})
        sent, body = await post_form(
            client, api, f"/w/mobile/milestones/{IID}/{step}", form, command
        )
        assert sent.headers["location"] == f"/w/mobile/strategy#milestone-{IID}"
        assert body == {k: v.strip() for k, v in form.items()}
    sent, body = await post_form(
        client,
        api,
        f"/w/mobile/milestones/{IID}/move",
        {"target_date": "next spring", "reason": "r"},
        f"{path}/milestones/{IID}/move",
    )
    assert body is None  # refused in the console: "New date must be a date like 2027-01-31"
    concept = {
        "name": "Self-serve SSO",
        "problem": "Set-up takes a week",
        "personas": "IT admin\n\nOwner",
        "value_proposition": "SSO in ten minutes",
        "differentiators": "",
    }
    expected = {**concept, "personas": ["IT admin", "Owner"], "differentiators": []}
    api.on("POST", f"{path}/concepts", 201, {"id": PID, "consistency_token": "strategy:9"})
    sent, body = await post_form(client, api, "/w/mobile/concepts", concept, f"{path}/concepts")
    assert (sent.headers["location"], body) == ("/w/mobile/strategy#concepts", expected)
    api.on("PUT", f"{path}/concepts/{PID}", 200, {"consistency_token": "strategy:10"})
    sent, body = await post_form(
        client, api, f"/w/mobile/concepts/{PID}", concept, f"{path}/concepts/{PID}"
    )
    assert (sent.headers["location"], body) == (f"/w/mobile/strategy#concept-{PID}", expected)
    sent, body = await post_form(
        client, api, "/w/mobile/concepts", {**concept, "personas": " "}, f"{path}/concepts"
    )
    assert body is None  # refused in the console: a concept is for someone
    linked = f"{path}/concepts/{PID}/opportunities"
    api.on("POST", linked, 200, {"consistency_token": "strategy:11"})
    sent, body = await post_form(
        client, api, f"/w/mobile/concepts/{PID}/opportunities", {"opportunity_id": OID}, linked
    )
    assert (sent.headers["location"], body) == (
        f"/w/mobile/strategy#concept-{PID}",
        {"opportunity_id": OID},
    )
    api.on("DELETE", f"{linked}/{OID}", 200, {"consistency_token": "strategy:12"})
    before = len(api.seen)
    form = {"opportunity_id": OID}
    await post_form(client, api, f"/w/mobile/concepts/{PID}/opportunities/remove", form, "")
    assert [(r.method, r.url.path) for r in api.seen[before:]] == [("DELETE", f"{linked}/{OID}")]
    form = {"opportunity_id": "../../x"}
    await post_form(client, api, f"/w/mobile/concepts/{PID}/opportunities/remove", form, "")
    assert len(api.seen) == before + 1  # not an id: refused, never sent
    # Without options listed, the decision taken was the only one.
    sent, body = await post_form(client, api, "/w/mobile/decisions", decided, f"{path}/decisions")
    assert body["options"] == [{"title": "Build it on our identity service"}]
    assert "supersedes" not in body


async def test_the_portfolio_shows_objectives_with_progress_status_and_serving_items(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    serving = {
        "item_id": IID,
        "roadmap_id": RID,
        "workspace_id": "web",
        "title": "One-click pay",
        "status": "in_progress",
    }
    objective = {
        "objective_id": OID,
        "workspace_id": "mobile",
        "title": "Convert buyers",
        "period_label": "2026-Q3",
        "progress": 0.2,
        "rolled_up_progress": 0.45,
        "status_today": "at_risk",
        "item_counts": {"in_progress": 1, "planned": 2},
        "roadmap_items": [serving],
        "roadmap_items_total": 3,  # the first of them
    }
    api.on("GET", "/v1/query/portfolio", body={"items": [objective], "next_cursor": "Yw=="})
    sign_in(client, token("contributor"))  # a team member: the query service narrows it
    page = await client.get("/portfolio", params={"period": "2026-Q3", "status_today": "at_risk"})
    assert page.status_code == 200, page.text
    asked = api.seen[-1].url.params
    assert (asked["period"], asked["status_today"], "workspace" in asked) == (
        "2026-Q3",
        "at_risk",
        False,
    )
    assert asked["item_limit"] == "10"
    text = words(page.text)
    assert "The objectives of the workspaces you read (mobile)" in text
    row = words(page.text.split(f'id="objective-{OID}"')[1].split("</tr>")[0])
    assert "Convert buyers mobile 2026-Q3 45%" in row  # rolled up with those below it
    assert "at risk 2 planned, 1 in progress" in row
    assert "One-click pay (in progress, web) and 2 more on its page" in row
    assert f'<a href="/w/mobile/objectives/{OID}">Convert buyers</a>' in page.text
    assert "cursor=Yw%3D%3D" in page.text
    assert '<a href="/portfolio"' in page.text  # in the navigation
    before = len(api.seen)
    refused = await client.get("/portfolio", params={"status_today": "great"})
    assert refused.status_code == 422
    assert len(api.seen) == before  # refused in the console, never asked


async def test_a_stakeholder_has_no_portfolio_link(client: httpx.AsyncClient, api: FakeApi) -> None:
    api.on("GET", "/v1/workspaces/mobile/published-roadmaps", body={"items": []})
    sign_in(client, token("stakeholder"))
    page = await client.get("/w/mobile")
    assert '<a href="/portfolio"' not in page.text


async def test_an_objective_is_reworded_and_handed_over_from_its_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    resource = f"/v1/workspaces/mobile/objectives/{OID}"
    here = f"/w/mobile/objectives/{OID}"
    shown = an_objective(description="Mobile buyers first")
    api.on("GET", resource, body=shown)
    api.on("GET", f"/v1/query/objectives/{OID}/trace", body={"roadmap_items": []})
    sign_in(client, token())
    page = await client.get(here)
    assert page.status_code == 200, page.text
    assert '<p id="objective-description">Mobile buyers first</p>' in page.text
    assert json.loads(seen_in(page.text, f"{here}/details")) == {
        "title": "Convert more buyers",
        "description": "Mobile buyers first",
        "owner": "pm.ana",
    }
    # Someone else hands it over meanwhile; this user rewords it and clears the description.
    api.on("GET", resource, body={**shown, "owner": "pm.cy"})
    api.on("PATCH", resource, 200, {"consistency_token": "strategy:20"})
    typed = {
        "seen": seen_in(page.text, f"{here}/details"),
        "title": "Convert buyers on mobile",
        "description": "",
        "owner": "pm.ana",
    }
    sent, body = await post_form(client, api, f"{here}/details", typed, resource)
    assert sent.headers["location"].startswith(here)
    assert body == {"title": "Convert buyers on mobile", "description": "", "owner": "pm.cy"}
    before = len(api.seen)
    await post_form(client, api, f"{here}/details", {**typed, "owner": " "}, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent
    closed = {**shown, "closed_at": "2026-12-31T10:00:00+00:00", "outcome": "achieved"}
    api.on("GET", resource, body=closed)
    closed_page = (await client.get(here)).text
    assert f'action="{here}/details"' not in closed_page
    # closed, it offers only reopening it, with a reason
    assert re.findall(r'action="([^"]+)"', closed_page.split("<main")[1]) == [f"{here}/reopen"]
    api.on("POST", f"{resource}/reopen", 200, {"consistency_token": "strategy:31"})
    sent, body = await post_form(
        client, api, f"{here}/reopen", {"reason": " closed too soon "}, f"{resource}/reopen"
    )
    assert (sent.headers["location"], body) == (here, {"reason": "closed too soon"})
    before = len(api.seen)
    await post_form(client, api, f"{here}/reopen", {"reason": " "}, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent
    sign_in(client, token("stakeholder"))
    assert f'action="{here}/reopen"' not in (await client.get(here)).text


async def test_a_key_result_is_reworded_from_its_objectives_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    resource = f"/v1/workspaces/mobile/objectives/{OID}"
    here = f"/w/mobile/objectives/{OID}"
    shown = an_objective()
    api.on("GET", resource, body=shown)
    api.on("GET", f"/v1/query/objectives/{OID}/trace", body={"roadmap_items": []})
    sign_in(client, token())
    page = await client.get(here)
    action = f"{here}/key-results/{KID}/title"
    assert json.loads(seen_in(page.text, action)) == {"title": "Checkout conversion"}
    api.on("PATCH", f"{resource}/key-results/{KID}", 200, {"consistency_token": "strategy:21"})
    typed = {"seen": seen_in(page.text, action), "title": "Checkout conversion, mobile"}
    sent, body = await post_form(client, api, action, typed, f"{resource}/key-results/{KID}")
    assert (sent.headers["location"], body) == (here, {"title": "Checkout conversion, mobile"})
    # Reworded by someone else meanwhile: refused, naming theirs.
    kr = {**shown["key_results"][0], "title": "Conversion at checkout"}
    api.on("GET", resource, body={**shown, "key_results": [kr]})
    before = len(api.seen)
    await post_form(client, api, action, typed, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]


async def test_a_key_result_is_retargeted_from_its_objectives_page_with_a_reason(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    resource = f"/v1/workspaces/mobile/objectives/{OID}"
    here = f"/w/mobile/objectives/{OID}"
    moved = {
        "key_result_id": KID,
        "from_baseline": 2.0,
        "from_target": 5.0,
        "to_baseline": 2.0,
        "to_target": 4.0,
        "reason": "Traffic halved",
        "retargeted_at": "2026-10-20T09:00:00+00:00",
        "retargeted_by": "pm.cy",
    }
    shown = an_objective(retargets=[moved])
    api.on("GET", resource, body=shown)
    api.on("GET", f"/v1/query/objectives/{OID}/trace", body={"roadmap_items": []})
    sign_in(client, token())
    page = await client.get(here)
    assert "pm.cy: Checkout conversion from 2 → 5 to 2 → 4 % — Traffic halved" in words(page.text)
    action = f"{here}/key-results/{KID}/retarget"
    assert json.loads(seen_in(page.text, action)) == {"baseline": 2.0, "target": 4.0}
    command = f"{resource}/key-results/{KID}/retarget"
    api.on("POST", command, 200, {"consistency_token": "strategy:22"})
    typed = {
        "seen": seen_in(page.text, action),
        "title": "Checkout conversion",
        "baseline": "2",
        "target": "3.5",
        "reason": "Mobile traffic fell",
    }
    sent, body = await post_form(client, api, action, typed, command)
    assert sent.headers["location"] == here
    assert body == {"baseline": 2.0, "target": 3.5, "reason": "Mobile traffic fell"}
    # Someone else moved the baseline meanwhile: kept, as this user left it as shown.
    kr = {**shown["key_results"][0], "baseline": 1.5}
    api.on("GET", resource, body={**shown, "key_results": [kr]})
    _, body = await post_form(client, api, action, typed, command)
    assert body == {"baseline": 1.5, "target": 3.5, "reason": "Mobile traffic fell"}
    # A reason is required; a target that is no number is refused in the console.
    before = len(api.seen)
    await post_form(client, api, action, {**typed, "reason": " "}, "")
    await post_form(client, api, action, {**typed, "target": "lots"}, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]


async def test_a_key_results_figures_are_shown_and_sent_back_as_they_are(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """Large and finely divided figures read in full, and a form sent back with them as it
    showed them changes none of them (shown as 1.23457e+06, a baseline came back rounded)."""
    resource = f"/v1/workspaces/mobile/objectives/{OID}"
    here = f"/w/mobile/objectives/{OID}"
    exact = {"baseline": 1234567.0, "target": 2000000.0, "current": 1234567.5, "unit": "EUR"}
    shown = an_objective()
    api.on("GET", resource, body={**shown, "key_results": [{**shown["key_results"][0], **exact}]})
    api.on("GET", f"/v1/query/objectives/{OID}/trace", body={"roadmap_items": []})
    sign_in(client, token())
    page = await client.get(here)
    assert "1,234,567 → 2,000,000 EUR" in words(page.text)
    assert "1,234,567.5" in words(page.text)
    action = f"{here}/key-results/{KID}/retarget"
    form = page.text.split(f'action="{action}"')[1].split("</form>")[0]
    baseline = re.search(r'name="baseline"[^>]*value="([^"]*)"', form)
    assert baseline is not None
    assert baseline.group(1) == "1234567"
    command = f"{resource}/key-results/{KID}/retarget"
    api.on("POST", command, 200, {"consistency_token": "strategy:23"})
    typed = {
        "seen": seen_in(page.text, action),
        "baseline": baseline.group(1),
        "target": "2500000",
        "reason": "Bigger market",
    }
    _, body = await post_form(client, api, action, typed, command)
    assert body == {"baseline": 1234567.0, "target": 2500000.0, "reason": "Bigger market"}


def on_timeline_page(api: FakeApi, **timeline: Any) -> dict[str, Any]:
    """A strategy page with no vision, strategy or decision, and one milestone, Beta, on
    its timeline (``timeline``: the rest of the API's answer); Beta, to change."""
    path = "/v1/workspaces/mobile"
    api.on("GET", f"{path}/strategy", body={"vision": None, "approved": []})
    api.on("GET", f"{path}/strategies", body={"items": []})
    api.on("GET", f"{path}/decisions", body={"items": [], "next_cursor": None})
    on_strategy_parts(api)
    beta: dict[str, Any] = {
        "milestone_id": IID,
        "title": "Beta",
        "description": "Invite only",
        "objective_ids": [OID, EID],  # the second is not among the workspace's listed
        "target_date": "2027-02-01",
        "original_date": "2027-02-01",
        "reached_on": None,
        "standing": "upcoming",
        "moves": [],
    }
    api.on("GET", f"{path}/timeline", body={"items": [beta], **timeline})
    return beta


async def test_a_milestone_shows_what_it_serves_and_is_edited_keeping_what_others_changed(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    beta = on_timeline_page(api)
    sign_in(client, token())
    page = await client.get("/w/mobile/strategy")
    assert page.status_code == 200, page.text
    row = page.text.split(f'id="milestone-{IID}"')[1].split("</tr>")[0]
    assert '<p class="small">Invite only</p>' in row
    served = f'<a href="/w/mobile/objectives/{OID}">Win mid-market</a>'
    served += f', <a href="/w/mobile/objectives/{EID}">objective {EID[:8]}</a>'
    assert f"Serves: {served}</p>" in row
    action = f"/w/mobile/milestones/{IID}/details"
    assert json.loads(seen_in(page.text, action)) == {
        "title": "Beta",
        "description": "Invite only",
        "objective_ids": [OID, EID],
    }
    edit = row.split(f'action="{action}"')[1].split("</form>")[0]
    assert re.findall(r'name="objective:([^"]+)" checked', edit) == [OID, EID]
    # Someone else redescribes it meanwhile; this user retitles it and unticks one.
    resource = f"{path}/milestones/{IID}"
    api.on("GET", resource, body={**beta, "description": "Invite only, EU"})
    api.on("PATCH", resource, 200, {"consistency_token": "strategy:30"})
    typed = {
        "seen": seen_in(page.text, action),
        "title": "Public beta",
        "description": "Invite only",
        f"objective:{OID}": "on",
    }
    sent, body = await post_form(client, api, action, typed, resource)
    assert sent.headers["location"] == f"/w/mobile/strategy#milestone-{IID}"
    assert body == {
        "title": "Public beta",
        "description": "Invite only, EU",
        "objective_ids": [OID],
    }
    before = len(api.seen)
    await post_form(client, api, action, {**typed, "title": " "}, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent


async def test_a_long_timeline_pages_on_to_its_later_milestones(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    on_timeline_page(api, next_cursor="c2")
    sign_in(client, token())
    first = await client.get("/w/mobile/strategy")
    assert '<a href="?q=&amp;milestones_cursor=c2#timeline">Later milestones</a>' in first.text
    assert "The first milestones" not in first.text
    later = await client.get("/w/mobile/strategy", params={"milestones_cursor": "c2"})
    asked = [r.url.params.get("cursor") for r in api.seen if r.url.path.endswith("/timeline")]
    assert asked == [None, "c2"]
    assert '<a href="?q=#timeline">The first milestones</a>' in later.text
