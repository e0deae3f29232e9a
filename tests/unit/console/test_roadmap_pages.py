"""Roadmap pages: the list a stakeholder sees, the board's moves and prioritising, one
item's page with what it serves, depends on and its handoff, the timeline."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest
from sextant_console.timeline import timeline_svg
from sextant_console.views.roadmaps import parse_inputs
from sextant_console.web import FLASH, BadForm, Flash, merge_edit

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


async def test_a_stakeholder_lists_published_roadmaps_and_gets_no_actions(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on(
        "GET",
        "/v1/workspaces/mobile/published-roadmaps",
        body={
            "items": [{"roadmap_id": RID, "name": "Checkout", "latest_version": 2}],
            "next_cursor": None,
        },
    )
    sign_in(client, token("stakeholder"))
    page = await client.get("/w/mobile/roadmaps")
    assert page.status_code == 200
    assert f"/w/mobile/roadmaps/{RID}/versions" in page.text
    assert "Create roadmap" not in page.text
    assert "Feedback" not in page.text
    assert [r.url.path for r in api.seen] == ["/v1/workspaces/mobile/published-roadmaps"]
    assert api.seen[0].headers["authorization"].startswith("Bearer ")
    assert "published to you. Drafts" in words(page.text)
    assert f'latest <a href="/w/mobile/roadmaps/{RID}/versions/2">v2</a>' in page.text
    # a stakeholder whose token names audiences is told whose versions they see
    sign_in(client, token("stakeholder", sextant_audiences=["sales", "customers"]))
    page = await client.get("/w/mobile/roadmaps")
    assert "published to you, for customers and sales." in words(page.text)


async def test_a_move_calls_the_api_and_the_next_page_waits_for_it(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = f"/v1/workspaces/mobile/roadmaps/{RID}/items/{IID}/schedule"
    api.on("POST", path, body={"id": RID, "consistency_token": "roadmap:42"})
    sign_in(client, token())
    answer = await client.post(
        f"/w/mobile/roadmaps/{RID}/items/{IID}/move",
        data={"horizon": "next", "title": "One-click pay", "form_nonce": "0" * 32},
        headers={"origin": "http://console.test"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/w/mobile/roadmaps/{RID}"
    assert json.loads(api.seen[-1].content) == {"horizon": "next", "reason": ""}
    assert api.seen[-1].headers["idempotency-key"].startswith("console:")
    api.on("GET", f"/v1/workspaces/mobile/roadmaps/{RID}", body={"roadmap_id": RID, "name": "C"})
    api.on(
        "GET",
        f"/v1/workspaces/mobile/roadmaps/{RID}/board",
        body={
            "columns": {"now": [], "next": [], "later": [], "unscheduled": []},
            "totals": {"now": 0, "next": 0, "later": 0, "unscheduled": 0},
        },
    )
    api.on("GET", "/v1/workspaces/mobile/scoring-formulas", body={"items": []})
    before = len(api.seen)
    page = await client.get(f"/w/mobile/roadmaps/{RID}")
    assert "One-click pay moved to next." in page.text
    reads = api.seen[before:]
    assert len(reads) == 3
    assert {r.headers["x-sextant-consistency-token"] for r in reads} == {"roadmap:42"}
    board = next(r for r in reads if r.url.path.endswith("/board"))
    assert board.url.params["limit"] == "25"


async def test_sending_a_form_twice_publishes_once(client: httpx.AsyncClient, api: FakeApi) -> None:
    versions = f"/v1/workspaces/mobile/roadmaps/{RID}/versions"
    api.on("GET", versions, body={"roadmap_name": None, "items": [], "next_cursor": None})
    sign_in(client, token())
    page = await client.get(f"/w/mobile/roadmaps/{RID}/versions")
    [nonce] = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)
    again = await client.get(f"/w/mobile/roadmaps/{RID}/versions")
    assert nonce not in again.text  # each page its own
    api.on("POST", versions, 201, {"id": RID, "consistency_token": "roadmap:7"})
    form = {"form_nonce": nonce, "audience": "sales", "title": "Q3"}
    for body in (form, form, {**form, "title": "Q3, revised"}):
        sent = await client.post(
            f"/w/mobile/roadmaps/{RID}/versions",
            data=body,
            headers={"origin": "http://console.test"},
        )
        assert sent.status_code == 303
    first, repeat, changed = [r.headers["idempotency-key"] for r in api.seen if r.method == "POST"]
    assert first == repeat  # the API answers a repeat from the first: one version
    assert changed != first


def test_score_inputs_are_name_number_pairs() -> None:
    assert parse_inputs("reach=2000, impact=2; confidence=80 effort=4") == {
        "reach": 2000,
        "impact": 2,
        "confidence": 80,
        "effort": 4,
    }
    with pytest.raises(BadForm, match="name=number"):
        parse_inputs("reach 2000")
    with pytest.raises(BadForm, match="reach must be a number"):
        parse_inputs("reach=lots")
    for odd in ("nan", "inf", "-Infinity", "1e400"):  # no JSON for them: refused here
        with pytest.raises(BadForm, match="reach must be a finite number"):
            parse_inputs(f"reach={odd} impact=2")


def test_the_timeline_escapes_titles_and_skips_undated_items() -> None:
    svg = timeline_svg(
        [
            {
                "title": "<script>x</script>",
                "start_date": "2026-07-01",
                "end_date": "2026-09-30",
                "horizon": "now",
                "flags": [],
            },
            {"title": "Undated", "start_date": None, "end_date": None, "horizon": "later"},
        ]
    )
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "Undated" not in svg
    assert 'role="img"' in svg


def on_board(api: FakeApi, *items: dict[str, Any]) -> None:
    """The roadmap's board answers ``items`` (an item's page offers them to depend on)."""
    columns: dict[str, list[dict[str, Any]]] = {"now": [], "next": [], "later": []}
    columns["unscheduled"] = list(items)
    api.on("GET", f"/v1/workspaces/mobile/roadmaps/{RID}/board", body={"columns": columns})


async def test_an_items_page_shows_what_it_serves_and_links_more(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    resource = f"{path}/roadmaps/{RID}/items/{IID}"
    found = {
        "item_id": IID,
        "title": "SSO",
        "type": "feature",
        "status": "planned",
        "next_statuses": ["in_progress", "proposed", "dropped"],
        "horizon": "next",
        "timeframe_label": "2027-Q1",
        "objective_ids": [OID, KID],  # KID: the organisation's, not offered here
        "opportunity_ids": [],
        "score_details": [
            {
                "model": "rice",
                "score": 80.0,
                "inputs": {"reach": 100.0, "impact": 2.0, "confidence": 80.0, "effort": 2.0},
                "scored_at": "2026-11-28T10:00:00+00:00",
            }
        ],
    }
    api.on("GET", resource, body=found)
    move = {
        "from_horizon": "now",
        "to_horizon": "next",
        "from_timeframe": None,
        "to_timeframe": "2027-Q1",
        "reason": "team busy",
        "actor": "pm.ana",
        "moved_at": "2026-11-28T10:00:00+00:00",
    }
    api.on("GET", f"{resource}/moves", body={"items": [move]})
    objective = {"objective_id": OID, "title": "Win mid-market"}
    api.on("GET", f"{path}/objectives", body={"items": [objective]})
    opportunity = {"opportunity_id": PID, "title": "One-click SSO"}
    api.on("GET", f"{path}/opportunities", body={"items": [opportunity]})
    demand = {"items": 3, "customers": 2, "revenue_weighted": "120000"}
    api.on("GET", f"{path}/demand", body={"targets": [demand]})
    on_board(api)
    sign_in(client, token())
    page = await client.get(f"/w/mobile/roadmaps/{RID}/items/{IID}")
    assert page.status_code == 200, page.text
    text = words(page.text)
    assert "Horizon next (2027-Q1)" in text
    assert "rice 80 confidence 80, effort 2, impact 2, reach 100" in text
    assert "3 items, 2 customers, revenue 120,000.00" in text
    assert "pm.ana: now → next (2027-Q1): team busy" in text
    # Its history is its own: the roadmap's entries that name the item.
    history = f"/audit?service=roadmap&amp;subject={RID}&amp;part=item_id%3D{IID}&amp;"
    assert history in page.text
    demanded = next(r for r in api.seen if r.url.path == f"{path}/demand")
    assert dict(demanded.url.params) == {"target_type": "roadmap_item", "target_id": IID}
    # What it serves beyond what the page offers stays ticked, so saving keeps it.
    assert f'name="objective:{OID}" checked' in page.text
    assert f'name="objective:{KID}" checked' in page.text
    assert f'name="opportunity:{PID}">' in page.text
    options = re.findall(r'<option value="([a-z_]+)">', page.text.split('id="status-to"')[1])
    assert options[:3] == ["in_progress", "proposed", "dropped"]

    api.on("PATCH", resource, 200, {"consistency_token": "roadmap:5"})
    sent, body = await post_form(
        client,
        api,
        f"/w/mobile/roadmaps/{RID}/items/{IID}/serves",
        {f"objective:{KID}": "on", f"opportunity:{PID}": "on"},
        resource,
    )
    assert sent.headers["location"] == f"/w/mobile/roadmaps/{RID}/items/{IID}"
    assert body == {"objective_ids": [KID], "opportunity_ids": [PID]}
    api.on("POST", f"{resource}/status", 200, {"consistency_token": "roadmap:6"})
    sent, body = await post_form(
        client,
        api,
        f"/w/mobile/roadmaps/{RID}/items/{IID}/status",
        {"to": "in_progress", "reason": ""},
        f"{resource}/status",
    )
    assert body == {"to": "in_progress", "reason": ""}
    # its details: owner and team left blank are not sent, so the item keeps them
    assert 'id="item-title" name="title" maxlength="200" required value="SSO"' in page.text
    api.on("PATCH", resource, 200, {"consistency_token": "roadmap:7"})
    sent, body = await post_form(
        client,
        api,
        f"/w/mobile/roadmaps/{RID}/items/{IID}/details",
        {"title": " SSO for everyone ", "description": "", "owner": "pm.ana", "team": " "},
        resource,
    )
    assert body == {"title": "SSO for everyone", "description": "", "owner": "pm.ana"}
    before = len(api.seen)
    for action, form in [
        ("status", {"to": "shipped"}),
        ("serves", {"objective:../x": "on"}),
        ("details", {"title": " "}),
    ]:
        await post_form(client, api, f"/w/mobile/roadmaps/{RID}/items/{IID}/{action}", form, "")
    assert not api.seen[before:]  # refused in the console, never sent


async def test_saving_an_item_keeps_what_someone_else_changed_since_its_page_was_opened(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    resource = f"/v1/workspaces/mobile/roadmaps/{RID}/items/{IID}"
    here = f"/w/mobile/roadmaps/{RID}/items/{IID}"
    shown = {
        "item_id": IID,
        "title": "SSO",
        "description": "Sign in once.",
        "owner": "pm.ana",
        "team": None,
        "status": "planned",
        "objective_ids": [OID],
        "opportunity_ids": [],
    }
    api.on("GET", resource, body=shown)
    api.on("GET", f"{resource}/moves", body={"items": []})
    on_board(api)
    sign_in(client, token())
    page = (await client.get(here)).text
    details, serves = seen_in(page, f"{here}/details"), seen_in(page, f"{here}/serves")
    assert json.loads(details) == {
        "title": "SSO",
        "description": "Sign in once.",
        "owner": "pm.ana",
        "team": None,
    }
    # Meanwhile another product manager rewrites the description and links an objective.
    api.on(
        "GET",
        resource,
        body={**shown, "description": "Sign in once, with SAML.", "objective_ids": [OID, KID]},
    )
    api.on("PATCH", resource, 200, {"consistency_token": "roadmap:9"})
    typed = {"title": "SSO for all", "description": "Sign in once.\r\n", "owner": "pm.ana"}
    sent, body = await post_form(
        client, api, f"{here}/details", {**typed, "seen": details}, resource
    )
    assert sent.headers["location"] == here
    assert body == {
        "title": "SSO for all",
        "description": "Sign in once, with SAML.",
        "owner": "pm.ana",
    }
    # Unticking the one objective the page showed keeps the one linked since.
    sent, body = await post_form(
        client, api, f"{here}/serves", {f"opportunity:{PID}": "on", "seen": serves}, resource
    )
    assert body == {"objective_ids": [KID], "opportunity_ids": [PID]}
    # Both changed the description, differently: refused, naming it and what it reads now.
    before = len(api.seen)
    sent = await client.post(
        f"{here}/details",
        data={"title": "SSO", "description": "Sign in with a passkey.", "seen": details},
        headers={"origin": "http://console.test", "referer": f"http://console.test{here}"},
    )
    assert sent.headers["location"] == here
    assert Flash.decode(sent.cookies.get(FLASH)).text == (
        "Check the form: since this page was opened, someone else changed what you changed:"
        " description is now 'Sign in once, with SAML.' (you wrote 'Sign in with a passkey.')."
        " The form shows theirs now: write yours again to replace it."
    )
    assert [r.method for r in api.seen[before:]] == ["GET"]  # read, nothing written
    # A form from before this console kept what it showed (no record) is sent as it was.
    sent, body = await post_form(client, api, f"{here}/details", typed, resource)
    assert body == {"title": "SSO for all", "description": "Sign in once.", "owner": "pm.ana"}
    # The owner left blank keeps whichever owner the item has, set since or not: no clash.
    api.on("GET", resource, body={**shown, "owner": "pm.bo"})
    blank = {"title": "SSO", "description": "Sign in once.", "owner": "", "seen": details}
    sent, body = await post_form(client, api, f"{here}/details", blank, resource)
    assert body == {"title": "SSO", "description": "Sign in once."}
    # A text area comes back from the browser with CRLF line breaks: kept as the API has them.
    lines = {"title": "SSO", "description": "Sign in once.\r\nWith SAML.", "owner": "pm.ana"}
    sent, body = await post_form(client, api, f"{here}/details", lines, resource)
    assert body["description"] == "Sign in once.\nWith SAML."


def test_an_edit_is_merged_field_by_field_with_the_current_values() -> None:
    seen = {"name": "Ana", "goals": ["a", "b"], "segment": "smb", "note": None}
    now = {"name": "Ana", "goals": ["b", "c"], "segment": "mid-market", "note": "x"}
    # unchanged by the user: theirs; a list: the user's removal and addition into theirs
    mine = {"name": "Ana B", "goals": ["b", "d"], "segment": "smb", "note": ""}
    assert merge_edit(mine, seen, now) == {
        "name": "Ana B",
        "goals": ["b", "c", "d"],
        "segment": "mid-market",
        "note": "x",
    }
    # the same change made by both is no clash; a field left empty now is not sent
    seen, now = {"segment": "smb", "note": None}, {"segment": "mid-market", "note": "x"}
    assert merge_edit({"segment": "mid-market"}, seen, now) == {
        "segment": "mid-market",
        "note": "x",
    }
    assert merge_edit({"segment": "smb"}, seen, {"segment": None, "note": None}) == {}
    # an empty field the form left out is the user's empty: cleared by them, it clashes
    with pytest.raises(BadForm, match="note is now 'y'"):
        merge_edit({"segment": "smb"}, {**seen, "note": "x"}, {**now, "note": "y"})
    # reordered by the user alone: the user's order
    goals = {"goals": ["a", "b"]}
    assert merge_edit({"goals": ["b", "a"]}, goals, goals) == {"goals": ["b", "a"]}
    seen = {"name": "Ana", "segment": "smb"}
    with pytest.raises(
        BadForm, match=r"name is now 'Cy' \(you wrote 'Bo'\); segment is now 'mid-market'"
    ):
        merge_edit({"segment": "ent", "name": "Bo"}, seen, {"name": "Cy", **now})


async def test_an_item_depends_on_another_and_is_handed_off_to_delivery(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    resource = f"/v1/workspaces/mobile/roadmaps/{RID}/items/{IID}"
    here = f"/w/mobile/roadmaps/{RID}/items/{IID}"
    found = {
        "item_id": IID,
        "title": "SSO",
        "type": "feature",
        "status": "planned",
        "objective_ids": [],
        "opportunity_ids": [],
        "depends_on": [SID, KID],  # KID: on another roadmap
    }
    api.on("GET", resource, body=found)
    api.on("GET", f"{resource}/moves", body={"items": []})
    payments = {"item_id": SID, "title": "Payments API", "status": "planned", "horizon": "now"}
    wallet = {"item_id": EID, "title": "Wallet", "status": "proposed", "horizon": None}
    # Checkout waits for SSO, and Loyalty for Checkout: depending on either closes a cycle
    checkout = {"item_id": OID, "title": "Checkout", "status": "planned", "depends_on": [IID]}
    loyalty = {"item_id": PID, "title": "Loyalty", "status": "planned", "depends_on": [OID]}
    on_board(api, {**found, "horizon": None}, payments, wallet, checkout, loyalty)
    sign_in(client, token("contributor"))
    page = await client.get(here)
    assert page.status_code == 200, page.text
    shown = page.text.split('id="item-depends-on"')[1].split("</ul>")[0]
    text = words(shown)
    assert "Payments API (planned, now)" in text
    assert f"item {KID} (on another roadmap, or no longer open)" in text
    assert f'<a href="/w/mobile/roadmaps/{RID}/items/{SID}">Payments API</a>' in shown
    offered = page.text.split('id="depends-on"')[1].split("</select>")[0]
    assert re.findall(r'<option value="([0-9a-f-]+)">', offered) == [EID]  # not itself
    waiting = page.text.split('id="item-waited-for"')[1].split("</p>")[0]
    assert f'<a href="/w/mobile/roadmaps/{RID}/items/{OID}">Checkout</a>.' in waiting
    # a contributor writes but does not publish: no handoff
    assert "Hand off to delivery" not in page.text

    api.on("POST", f"{resource}/dependencies", 201, {"consistency_token": "roadmap:7"})
    sent, body = await post_form(
        client, api, f"{here}/dependencies", {"depends_on": EID}, f"{resource}/dependencies"
    )
    assert sent.headers["location"] == here
    assert body == {"depends_on_item_id": EID}
    api.on("DELETE", f"{resource}/dependencies/{KID}", 200, {"consistency_token": "roadmap:8"})
    before = len(api.seen)
    form = {"depends_on": KID, "form_nonce": "e" * 32}
    await post_form(client, api, f"{here}/dependencies/remove", form, "")
    assert [(r.method, r.url.path) for r in api.seen[before:]] == [
        ("DELETE", f"{resource}/dependencies/{KID}")
    ]
    assert api.seen[-1].headers["idempotency-key"].startswith("console:")

    # a product manager hands a planned item off, once
    sign_in(client, token("product_manager"))
    page = await client.get(here)
    assert 'action="' + here + '/commit"' in page.text
    api.on("POST", f"{resource}/commit", 200, {"consistency_token": "roadmap:9"})
    sent, body = await post_form(
        client,
        api,
        f"{here}/commit",
        {"tracker": "jira", "project_key": " PAY "},
        f"{resource}/commit",
    )
    assert body == {"tracker": "jira", "project_key": "PAY"}
    api.on("GET", resource, body={**found, "committed_to": "jira", "project_key": "PAY"})
    page = await client.get(here)
    assert "Hand off to delivery" not in page.text
    assert "handed off to Jira, project PAY; its ticket is not reported yet" in page.text
    before = len(api.seen)
    for action, form in [
        ("dependencies", {"depends_on": ".."}),
        ("dependencies/remove", {"depends_on": "../../x"}),
        ("commit", {"tracker": "trello", "project_key": "PAY"}),
        ("commit", {"tracker": "jira", "project_key": " "}),
    ]:
        await post_form(client, api, f"{here}/{action}", form, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent


async def test_a_roadmap_is_ranked_by_any_of_the_teams_scoring_models(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    base = f"/v1/workspaces/mobile/roadmaps/{RID}"
    api.on("GET", base, body={"roadmap_id": RID, "name": "Checkout"})
    api.on("GET", "/v1/workspaces/mobile/scoring-formulas", body={"items": [{"name": "fit"}]})
    item = {"type": "feature", "status": "planned", "horizon": "now", "timeframe_label": None}
    api.on(
        "GET",
        f"{base}/ranking",
        body={
            "model": "fit",
            "items": [
                {**item, "item_id": IID, "title": "Wallet", "position": 1, "score": 12.5},
                {**item, "item_id": EID, "title": "Ledger", "position": 2, "score": 3.25},
            ],
            "total": 2,
            "unscored": [{**item, "item_id": PID, "title": "Invoices", "status": "proposed"}],
            "unscored_total": 40,  # a long roadmap's: the first of them
        },
    )
    sign_in(client, token("contributor"))
    page = await client.get(f"/w/mobile/roadmaps/{RID}/ranking", params={"model": "fit"})
    assert page.status_code == 200, page.text
    asked = next(r for r in api.seen if r.url.path.endswith("/ranking"))
    assert dict(asked.url.params) == {"model": "fit", "limit": "25"}
    said = words(page.text)
    assert "1 Wallet feature 12.5 planned now 2 Ledger feature 3.25 planned now" in said
    assert "Not scored with fit (40) Invoices proposed Showing the first 1 of 40." in said
    assert 'href="?model=fit&amp;show=100#unscored"' in page.text
    assert "Showing the first 2" not in said  # every ranked one is there
    assert '<option value="fit" selected>' in page.text  # the team's formula, chosen
    assert '<option value="rice">' in page.text
    assert f'href="/w/mobile/roadmaps/{RID}/items/{IID}"' in page.text


async def test_a_roadmap_is_laid_out_by_status_team_or_objective(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    base = f"/v1/workspaces/mobile/roadmaps/{RID}"
    api.on("GET", base, body={"roadmap_id": RID, "name": "Checkout"})
    wallet = {"item_id": IID, "title": "Wallet", "type": "feature", "status": "planned"}
    ledger = {"item_id": EID, "title": "Ledger", "type": "feature", "status": "in_progress"}
    api.on(
        "GET",
        f"{base}/kanban",
        body={
            "columns": {"planned": [wallet], "in_progress": [ledger]},
            "totals": {"planned": 30, "in_progress": 1},  # a long roadmap's: the first
        },
    )
    api.on(
        "GET",
        f"{base}/swimlanes",
        body={"lanes": [{"key": OID, "items": [wallet]}, {"key": "(none)", "items": [ledger]}]},
    )
    api.on(
        "GET",
        "/v1/workspaces/mobile/objectives",
        body={"items": [{"objective_id": OID, "title": "Convert"}]},
    )
    sign_in(client, token("contributor"))
    kanban = await client.get(f"/w/mobile/roadmaps/{RID}/lanes")
    assert kanban.status_code == 200, kanban.text
    said = words(kanban.text)
    assert "planned 30 Wallet feature Showing the first 1 of 30, in rank order." in said
    assert "in progress 1 Ledger feature" in said
    assert 'href="?by=status&amp;show=100#lane-1"' in kanban.text
    assert dict(next(r for r in api.seen if r.url.path.endswith("/kanban")).url.params) == {
        "limit": "25"
    }
    by_objective = await client.get(f"/w/mobile/roadmaps/{RID}/lanes", params={"by": "objective"})
    assert "Convert 1 Wallet feature planned (none) 1 Ledger" in words(by_objective.text)
    asked = [r for r in api.seen if r.url.path.endswith("/swimlanes")][-1]
    assert dict(asked.url.params) == {"by": "objective", "limit": "25"}
    odd = await client.get(f"/w/mobile/roadmaps/{RID}/lanes", params={"by": "colour"})
    assert odd.status_code == 422


async def test_the_diff_marks_renamed_redescribed_and_otherwise_changed_items(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    base = f"/v1/workspaces/mobile/roadmaps/{RID}"
    found = {
        "roadmap_name": "Checkout",
        "from_version": 1,
        "to_version": 2,
        **{k: [] for k in ("added", "removed", "moved", "rescored", "status_changed")},
        "renamed": [
            {"item_id": IID, "title": "SSO (SAML)", "before": "SSO", "after": "SSO (SAML)"}
        ],
        "redescribed": [{"item_id": IID, "title": "SSO (SAML)"}],
        "changed": [
            {
                "item_id": IID,
                "title": "SSO (SAML)",
                "field": "owner",
                "before": None,
                "after": "zoe",
            },
            {
                "item_id": IID,
                "title": "SSO (SAML)",
                "field": "objective_ids",
                "before": [],
                "after": ["o-1", "o-2"],
            },
        ],
    }
    api.on("GET", f"{base}/diff", body=found)
    item = {"item_id": IID, "title": "SSO", "horizon": "now"}
    api.on("GET", f"{base}/versions/1", body={"items": [item]})
    api.on("GET", f"{base}/versions/2", body={"items": [{**item, "title": "SSO (SAML)"}]})
    sign_in(client, token())
    page = (await client.get(f"/w/mobile/roadmaps/{RID}/diff?from=1&to=2")).text
    assert "Checkout: v1 → v2" in page
    assert "4 change(s)" in page
    assert 'data-marks="renamed redescribed changed"' in page
    assert "Owner: SSO (SAML): — → zoe" in words(page)
    assert "Objectives: SSO (SAML): → o-1, o-2" in words(page)
    assert "Renamed: SSO → SSO (SAML)" in page
    assert "Description changed: SSO (SAML)" in page


async def test_a_published_version_is_downloaded_as_the_apis_spreadsheet(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    base = f"/v1/workspaces/mobile/roadmaps/{RID}"
    shown = {"version": 3, "title": "Q3 plan", "roadmap_name": "Checkout", "items": []}
    api.on("GET", f"{base}/versions/3", body=shown)
    sign_in(client, token("stakeholder"))
    page = (await client.get(f"/w/mobile/roadmaps/{RID}/versions/3")).text
    link = f"/w/mobile/roadmaps/{RID}/versions/3/spreadsheet"
    assert f'<a href="{link}" download>Download as CSV</a>' in page
    sheet = b"title,type,status,horizon\nSSO,feature,planned,now\n"
    named = {"content-disposition": 'attachment; filename="Checkout-v3.csv"'}
    api.on_file(f"{base}/versions/3", sheet, "text/csv; charset=utf-8", named)
    got = await client.get(link)
    assert (got.status_code, got.content) == (200, sheet)
    assert got.headers["content-disposition"] == named["content-disposition"]
    assert [r.url.params.get("format") for r in api.seen if r.url.path == f"{base}/versions/3"][
        -1
    ] == "csv"
    api.on("GET", f"{base}/versions/4", 404, {"title": "Not Found", "detail": "no version 4"})
    missing = await client.get(f"/w/mobile/roadmaps/{RID}/versions/4/spreadsheet")
    assert missing.status_code == 404


async def test_a_roadmap_is_renamed_from_its_board_keeping_what_others_changed(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    resource = f"/v1/workspaces/mobile/roadmaps/{RID}"
    here = f"/w/mobile/roadmaps/{RID}"
    roadmap = {"roadmap_id": RID, "name": "Checkout", "description": "Pay in one tap"}
    api.on("GET", resource, body=roadmap)
    api.on(
        "GET",
        f"{resource}/board",
        body={
            "columns": {"now": [], "next": [], "later": [], "unscheduled": []},
            "totals": {"now": 0, "next": 0, "later": 0, "unscheduled": 0},
        },
    )
    api.on("GET", "/v1/workspaces/mobile/scoring-formulas", body={"items": []})
    sign_in(client, token("contributor"))
    page = await client.get(here)
    assert page.status_code == 200, page.text
    assert '<p id="roadmap-description">Pay in one tap</p>' in page.text
    assert json.loads(seen_in(page.text, here)) == {
        "name": "Checkout",
        "description": "Pay in one tap",
    }
    # Someone else describes it anew meanwhile; this user renames it.
    api.on("GET", resource, body={**roadmap, "description": "Wallets first"})
    api.on("PATCH", resource, 200, {"consistency_token": "roadmap:9"})
    typed = {
        "seen": seen_in(page.text, here),
        "name": "Checkout 2027",
        "description": "Pay in one tap",
    }
    sent, body = await post_form(client, api, here, typed, resource)
    assert sent.headers["location"].startswith(here)
    assert body == {"name": "Checkout 2027", "description": "Wallets first"}
    read = next(r for r in reversed(api.seen) if r.method == "GET" and r.url.path == resource)
    assert read.url.params["include_items"] == "false"  # not every item to read its name
    # Their description against this user's emptied one: a clash, refused naming it.
    clash = await post_form(client, api, here, {**typed, "description": ""}, resource)
    assert clash[1] is None
    api.on("GET", resource, body=roadmap)
    cleared = await post_form(client, api, here, {**typed, "description": ""}, resource)
    assert cleared[1] == {"name": "Checkout 2027", "description": ""}
    before = len(api.seen)
    await post_form(client, api, here, {**typed, "name": " "}, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent
    sign_in(client, token("stakeholder"))
    assert f'action="{here}"' not in (await client.get(here)).text


async def test_a_roadmap_is_archived_from_its_board_listed_apart_and_restored(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    resource = f"/v1/workspaces/mobile/roadmaps/{RID}"
    here = f"/w/mobile/roadmaps/{RID}"
    roadmap = {"roadmap_id": RID, "name": "FY26", "description": "", "archived_at": None}
    api.on("GET", resource, body=roadmap)
    empty: dict[str, Any] = {"columns": {c: [] for c in ("now", "next", "later", "unscheduled")}}
    api.on("GET", f"{resource}/board", body={**empty, "totals": {}})
    api.on("GET", "/v1/workspaces/mobile/scoring-formulas", body={"items": []})
    sign_in(client, token("contributor"))
    page = (await client.get(here)).text
    assert f'action="{here}/archive"' in page
    api.on("POST", f"{resource}/archive", 200, {"consistency_token": "roadmap:10"})
    sent, body = await post_form(
        client, api, f"{here}/archive", {"note": " FY26 is over "}, f"{resource}/archive"
    )
    assert (sent.headers["location"], body) == (here, {"note": "FY26 is over"})
    # Archived: the board says so, offers restoring it and no change besides.
    put_away = {
        **roadmap,
        "archived_at": "2026-11-29T08:00:00+00:00",
        "archived_note": "FY26 is over",
    }
    api.on("GET", resource, body=put_away)
    page = (await client.get(here)).text
    assert "Archived on 2026-11-29: FY26 is over." in words(page)
    assert f'action="{here}/restore"' in page
    assert f'action="{here}/items"' not in page
    assert f'action="{here}/archive"' not in page
    api.on("POST", f"{resource}/restore", 200, {"consistency_token": "roadmap:11"})
    sent, body = await post_form(client, api, f"{here}/restore", {}, f"{resource}/restore")
    assert (sent.headers["location"], body) == (here, {})
    # The list of those archived, apart from those in use.
    api.on("GET", "/v1/workspaces/mobile/roadmaps", body={"items": [put_away]})
    listed = await client.get("/w/mobile/roadmaps", params={"archived": "true"})
    assert "FY26 archived 2026-11-29: FY26 is over" in words(listed.text)
    asked = [r for r in api.seen if r.url.path == "/v1/workspaces/mobile/roadmaps"][-1]
    assert asked.url.params["archived"] == "true"
    assert 'action="/w/mobile/roadmaps"' not in listed.text  # no creating from the archive
    in_use = await client.get("/w/mobile/roadmaps")
    assert '<a href="/w/mobile/roadmaps?archived=true">Archived</a>' in in_use.text
    # A stakeholder reads the board's versions only: no restoring.
    sign_in(client, token("stakeholder"))
    assert f'action="{here}/restore"' not in (await client.get(here)).text
