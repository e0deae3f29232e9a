"""Feedback pages: the inbox, one item with its links, tags, votes and merges, and the
organisation's customers."""

from __future__ import annotations

import html
import json
import re

import httpx
import pytest
from sextant_console.views.imports import file_name

from tests.unit.console.support import (
    EID,
    IID,
    OID,
    PID,
    RID,
    FakeApi,
    post_form,
    seen_in,
    sign_in,
    token,
    words,
)


async def test_merging_the_same_duplicate_twice_sends_one_command(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """A double click on "Merge" repeats the idempotency key, so the API answers the second
    from the first instead of refusing it as already merged."""
    fid, dup = IID, RID
    api.on(
        "GET",
        f"/v1/workspaces/mobile/feedback/{fid}",
        body={
            "feedback_id": fid,
            "text": "x",
            "source": "email",
            "received_at": "2026-11-20T10:00:00Z",
        },
    )
    api.on(
        "GET",
        f"/v1/workspaces/mobile/feedback/{fid}/similar",
        body={"suggestions": [{"feedback_id": dup, "text": "x too", "similarity": 0.9}]},
    )
    api.on("GET", "/v1/workspaces/mobile/problems", body={"items": []})
    api.on("GET", "/v1/workspaces/mobile/opportunities", body={"items": []})
    sign_in(client, token())
    page = await client.get(f"/w/mobile/feedback/{fid}")
    assert page.status_code == 200, page.text
    nonces = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)
    assert len(nonces) == 4  # tags, vote, merge and not the same: nothing to link to
    api.on("POST", f"/v1/workspaces/mobile/feedback/{dup}/merge", body={"id": dup})
    form = {"form_nonce": nonces[-2], "duplicate_id": dup}
    for _ in range(2):
        sent = await client.post(
            f"/w/mobile/feedback/{fid}/merge", data=form, headers={"origin": "http://console.test"}
        )
        assert sent.status_code == 303
    first, repeat = [r.headers["idempotency-key"] for r in api.seen if r.method == "POST"]
    assert first == repeat


async def test_an_item_is_told_apart_from_its_page_and_that_taken_back(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    resource, here = f"/v1/workspaces/mobile/feedback/{IID}", f"/w/mobile/feedback/{IID}"
    apart = {"feedback_id": EID, "text": "Logs me out daily", "source": "app_store", "votes": 2}
    found = {
        "feedback_id": IID,
        "text": "Logs me out weekly",
        "source": "app_store",
        "received_at": "2026-11-20T10:00:00Z",
        "told_apart": [apart],
    }
    alike = {"feedback_id": RID, "text": "Logs me out weekly!", "similarity": 0.9}
    api.on("GET", resource, body=found)
    api.on("GET", f"{resource}/similar", body={"suggestions": [alike]})
    for listed in ("problems", "opportunities"):
        api.on("GET", f"/v1/workspaces/mobile/{listed}", body={"items": []})
    sign_in(client, token())
    page = (await client.get(here)).text
    told = page.split('id="told-apart"')[1]
    assert "Logs me out daily 2 votes · app store" in words(told)
    withdraw = f"{here}/told-apart/{EID}/withdraw"
    assert f'action="{withdraw}"' in told
    api.on("DELETE", f"{resource}/told-apart/{EID}", body={"id": IID})
    sent, body = await post_form(client, api, withdraw, {}, f"{resource}/told-apart/{EID}")
    assert (sent.headers["location"], body) == (here, {})  # sent, with no body
    # a possible duplicate is told apart from the item's page, and back to it
    api.on("POST", f"{resource}/tell-apart", body={"id": IID})
    sent, body = await post_form(
        client, api, f"{here}/tell-apart", {"other_id": RID}, f"{resource}/tell-apart"
    )
    assert (sent.headers["location"], body) == (here, {"other_id": RID})


async def test_an_item_merged_by_mistake_is_unmerged_from_its_page_with_a_reason(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    resource, here = f"/v1/workspaces/mobile/feedback/{RID}", f"/w/mobile/feedback/{RID}"
    found = {
        "feedback_id": RID,
        "text": "Okta SSO",
        "source": "community",
        "received_at": "2026-11-20T10:00:00Z",
        "merged_into": IID,
    }
    api.on("GET", resource, body=found)
    api.on("GET", f"{resource}/similar", body={"suggestions": []})
    for listed in ("problems", "opportunities"):
        api.on("GET", f"/v1/workspaces/mobile/{listed}", body={"items": []})
    sign_in(client, token())
    page = (await client.get(here)).text
    assert "Merged into another item" in words(page)
    # merged, it offers only unmerging it
    assert re.findall(r'action="([^"]+)"', page.split("<main")[1]) == [f"{here}/unmerge"]
    api.on("POST", f"{resource}/unmerge", 200, {"consistency_token": "feedback:9"})
    typed = {"reason": " a different report "}
    sent, body = await post_form(client, api, f"{here}/unmerge", typed, f"{resource}/unmerge")
    assert (sent.headers["location"], body) == (here, {"reason": "a different report"})
    before = len(api.seen)
    await post_form(client, api, f"{here}/unmerge", {"reason": " "}, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]  # refused, never sent


async def test_ticked_items_are_tagged_and_linked_at_once_from_the_inbox(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile"
    items = [
        {
            "feedback_id": fid,
            "text": text,
            "source": "email",
            "sentiment": 0.0,
            "votes": 0,
            "links": 0,
            "tags": [],
            "received_at": "2026-11-20T10:00:00Z",
        }
        for fid, text in ((IID, "SSO please"), (RID, "Okta login"))
    ]
    api.on("GET", f"{path}/feedback", body={"items": items, "next_cursor": None})
    api.on("GET", f"{path}/problems", body={"items": [{"problem_id": PID, "title": "No SSO"}]})
    api.on("GET", f"{path}/opportunities", body={"items": []})
    sign_in(client, token())
    page = (await client.get("/w/mobile/feedback", params={"source": "email"})).text
    triage = page.split('id="triage"')[1].split("</form>")[0]
    assert f'<option value="problem:{PID}">No SSO</option>' in triage
    assert 'name="back" value="/w/mobile/feedback?source=email"' in triage
    assert re.findall(r'form="triage" name="pick:([^"]+)"', page) == [IID, RID]
    nonce = re.search(r'name="form_nonce" value="([0-9a-f]{32})"', triage)
    assert nonce is not None
    api.on(
        "POST",
        f"{path}/feedback/triage",
        body={"summary": {"changed": 1, "conflict": 1}, "results": [], "consistency_token": "f:4"},
    )
    form = {
        "form_nonce": nonce.group(1),
        "back": "/w/mobile/feedback?source=email",
        f"pick:{IID}": "on",
        f"pick:{RID}": "on",
        "add_tags": "SSO, Login",
        "remove_tags": "",
        "target": f"problem:{PID}",
    }
    sent, body = await post_form(
        client, api, "/w/mobile/feedback/triage", form, f"{path}/feedback/triage"
    )
    assert body == {
        "feedback_ids": [IID, RID],
        "add_tags": ["sso", "login"],
        "remove_tags": [],
        "link": {"target_type": "problem", "target_id": PID},
    }
    assert sent.headers["location"] == "/w/mobile/feedback?source=email"
    shown = await client.get(sent.headers["location"])
    assert "Triaged 2 items: 1 changed, 1 merged into another item, so left alone." in words(
        shown.text
    )
    # nothing ticked, or nothing to do: refused, never sent
    before = len(api.seen)
    nothing_ticked = {k: v for k, v in form.items() if not k.startswith("pick:")}
    nothing_to_do = {k: v for k, v in form.items() if k not in ("add_tags", "target")}
    for refused in (nothing_ticked, nothing_to_do):
        await post_form(client, api, "/w/mobile/feedback/triage", refused, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]
    sign_in(client, token("stakeholder"))  # reads, triages nothing
    read_only = (await client.get("/w/mobile/feedback")).text
    assert "SSO please" in read_only
    assert 'id="triage"' not in read_only
    assert "pick:" not in read_only


async def test_feedback_heard_in_a_meeting_is_recorded_from_the_inbox(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile/feedback"
    api.on("GET", path, body={"items": [], "next_cursor": None})
    sign_in(client, token())
    page = await client.get("/w/mobile/feedback")
    assert 'method="post" action="/w/mobile/feedback"' in page.text
    assert '<option value="customer_meeting" selected>' in page.text
    api.on("POST", path, 201, {"id": IID, "consistency_token": "feedback:3"})
    sent = await client.post(
        "/w/mobile/feedback",
        data={
            "form_nonce": "a" * 32,
            "text": "Exports take all afternoon",
            "source": "customer_meeting",
            "customer_ref": " acme ",
            "author": "",
            "attendees": "Jo (Acme CFO)\n\npm.ana",
            "tags": "Exports, month end",
        },
        headers={"origin": "http://console.test"},
    )
    assert (sent.status_code, sent.headers["location"]) == (303, f"/w/mobile/feedback/{IID}")
    posted = api.seen[-1]
    assert json.loads(posted.content) == {
        "text": "Exports take all afternoon",
        "source": "customer_meeting",
        "customer_ref": "acme",
        "attendees": ["Jo (Acme CFO)", "pm.ana"],
        "tags": ["exports", "month end"],
    }
    assert posted.headers["idempotency-key"].startswith("console:")
    odd = await client.post(
        "/w/mobile/feedback",
        data={"text": "t", "source": "carrier pigeon"},
        headers={"origin": "http://console.test"},
    )
    assert odd.status_code == 303
    assert api.seen[-1] is posted  # refused in the console, never sent
    # Whoever may not write gets no form (the API would refuse them).
    sign_in(client, token("stakeholder"))
    page = await client.get("/w/mobile/feedback")
    assert 'method="post" action="/w/mobile/feedback"' not in page.text


async def test_a_feedback_item_shows_its_links_and_links_to_an_opportunity_or_unlinks(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    fid, path = IID, "/v1/workspaces/mobile"
    linked = {"target_type": "problem", "target_id": PID, "linked_at": "2026-11-20T10:00:00Z"}
    on_item = {"target_type": "roadmap_item", "target_id": EID, "linked_at": "2026-11-21T10:00:00Z"}
    api.on(
        "GET",
        f"{path}/feedback/{fid}",
        body={
            "feedback_id": fid,
            "text": "SSO set-up took us a week",
            "source": "customer_meeting",
            "attendees": ["Jo (Acme CFO)", "pm.ana"],
            "tags": ["sso", "month end"],
            "received_at": "2026-11-20T10:00:00Z",
            "linked_to": [linked, on_item],
        },
    )
    item = {
        "item_id": EID,
        "roadmap_id": RID,
        "roadmap_name": "Platform",
        "workspace_id": "mobile",
        "title": "SSO presets",
        "status": "planned",
        "horizon": "next",
    }
    api.on("GET", f"/v1/query/feedback/{fid}/trace", body={"roadmap_items": [item]})
    api.on("GET", f"{path}/feedback/{fid}/similar", body={"suggestions": []})
    problems = [{"problem_id": PID, "title": "SSO is slow", "status": "open"}]
    api.on("GET", f"{path}/problems", body={"items": problems})
    opportunities = [{"opportunity_id": OID, "title": "One-click SSO", "status": "open"}]
    api.on("GET", f"{path}/opportunities", body={"items": opportunities})
    sign_in(client, token())  # a team member: the query service narrows the trace for them
    page = await client.get(f"/w/mobile/feedback/{fid}")
    assert page.status_code == 200, page.text
    assert "<dt>Attendees</dt><dd>Jo (Acme CFO), pm.ana</dd>" in page.text
    assert '<span class="badge">#sso</span>' in page.text
    shown = page.text.split(f'id="link-{PID}"')[1].split("</li>")[0]
    assert "SSO is slow" in shown
    # A roadmap item it is linked to shows by its title, from the query service's trace.
    on_roadmap = page.text.split(f'id="link-{EID}"')[1].split("</li>")[0]
    assert f'<a href="/w/mobile/roadmaps/{RID}/items/{EID}">SSO presets</a>' in on_roadmap
    assert 'name="untag:month end"' in page.text
    options = re.findall(r'<option value="([a-z_]+:[0-9a-f-]+)">', page.text)
    assert options == [f"opportunity:{OID}"]  # linked to the problem already
    # unlink, link, then tags and vote
    unlink_nonce, link_nonce, *_ = re.findall(
        r'name="form_nonce" value="([0-9a-f]{32})"', page.text
    )

    api.on("POST", f"{path}/feedback/{fid}/links", 200, {"id": fid, "consistency_token": "f:1"})
    sent = await client.post(
        f"/w/mobile/feedback/{fid}/links",
        data={"form_nonce": link_nonce, "target": f"opportunity:{OID}"},
        headers={"origin": "http://console.test"},
    )
    assert (sent.status_code, sent.headers["location"]) == (303, f"/w/mobile/feedback/{fid}")
    assert json.loads(api.seen[-1].content) == {"target_type": "opportunity", "target_id": OID}

    unlink = f"{path}/feedback/{fid}/links/problem/{PID}"
    api.on("DELETE", unlink, 200, {"id": fid, "consistency_token": "f:2"})
    sent = await client.post(
        f"/w/mobile/feedback/{fid}/links/remove",
        data={"form_nonce": unlink_nonce, "target": f"problem:{PID}"},
        headers={"origin": "http://console.test"},
    )
    assert sent.status_code == 303
    assert (api.seen[-1].method, api.seen[-1].url.path) == ("DELETE", unlink)
    assert api.seen[-1].headers["idempotency-key"].startswith("console:")

    for action, form, body in [
        (
            "tags",
            {"untag:month end": "on", "add_tags": "Security, SSO ", "add_themes": "onboarding"},
            {
                "add_tags": ["security", "sso"],
                "remove_tags": ["month end"],
                "add_themes": ["onboarding"],
                "remove_themes": [],
            },
        ),
        ("votes", {"on_behalf_of": " acme "}, {"on_behalf_of": "acme"}),
        ("votes", {"on_behalf_of": ""}, {}),
    ]:
        command = f"{path}/feedback/{fid}/{action}"
        api.on("POST", command, 200, {"id": fid, "consistency_token": "f:3"})
        sent, posted = await post_form(
            client, api, f"/w/mobile/feedback/{fid}/{action}", form, command
        )
        assert (sent.headers["location"], posted) == (f"/w/mobile/feedback/{fid}", body)
    sent, posted = await post_form(client, api, f"/w/mobile/feedback/{fid}/tags", {}, "")
    assert posted is None  # nothing to change: refused in the console
    # Ids from a form become parts of API paths: only ids, never other paths.
    before = len(api.seen)
    for action, form in [
        ("links", {"target": "customer:acme"}),
        ("links", {"target": "problem:../../roadmaps"}),
        ("links/remove", {"target": "opportunity:"}),
        ("merge", {"duplicate_id": "x/../../y"}),
        ("merge", {"duplicate_id": ".."}),
        ("links", {"target": "problem:.."}),
    ]:
        odd = await client.post(
            f"/w/mobile/feedback/{fid}/{action}",
            data=form,
            headers={"origin": "http://console.test"},
        )
        assert odd.status_code == 303
    assert not api.seen[before:]  # each refused in the console, never sent


async def test_a_customers_page_says_what_it_asks_for_up_to_the_roadmap(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on(
        "GET",
        "/v1/customers",
        body={"items": [{"ref": "acme/eu", "name": "Acme", "annual_revenue": "1.00"}]},
    )
    trace = {
        "customer": {"ref": "globex", "segment": "enterprise", "annual_revenue": "500.00"},
        "feedback_total": 3,
        "feedback": [
            {
                "feedback_id": IID,
                "workspace_id": "mobile",
                "source": "sales_call",
                "received_at": "2026-11-20T10:00:00Z",
                "own": False,
                "links": [{"target_type": "problem", "target_id": PID}],
            }
        ],
        "problems": [
            {"problem_id": PID, "workspace_id": "mobile", "title": "No SSO", "status": "open"}
        ],
        "opportunities": [],
        "roadmap_items": [
            {
                "item_id": RID,
                "roadmap_id": OID,
                "roadmap_name": "Checkout",
                "workspace_id": "mobile",
                "title": "Okta SSO",
                "status": "planned",
                "horizon": "next",
            }
        ],
        "objectives": [{"objective_id": EID, "workspace_id": None, "title": "Win enterprise"}],
    }
    api.on("GET", "/v1/query/customers/globex/trace", body=trace)
    sign_in(client, token("stakeholder"))
    listed = (await client.get("/customers")).text
    assert 'href="/customers/asks?ref=acme/eu"' in listed
    # and from a feedback item of the customer's
    item = {
        "feedback_id": IID,
        "text": "SSO please",
        "source": "sales_call",
        "customer_ref": "globex",
        "received_at": "2026-11-20T10:00:00Z",
    }
    api.on("GET", f"/v1/workspaces/mobile/feedback/{IID}", body=item)
    api.on("GET", f"/v1/workspaces/mobile/feedback/{IID}/similar", body={"suggestions": []})
    for listed_kind in ("problems", "opportunities"):
        api.on("GET", f"/v1/workspaces/mobile/{listed_kind}", body={"items": []})
    one = (await client.get(f"/w/mobile/feedback/{IID}")).text
    assert 'href="/customers/asks?ref=globex">globex</a>' in one
    page = await client.get("/customers/asks", params={"ref": " globex "})
    assert page.status_code == 200, page.text
    shown = words(page.text)
    assert "What globex asks for" in shown
    assert "Okta SSO (Checkout: planned, next, mobile)" in shown
    assert "Problem No SSO (open, mobile)" in shown
    assert "voted for on its behalf" in shown
    assert f'href="/objectives/{EID}"' in page.text  # the organisation's
    assert "The newest 1 of 3" in shown
    assert f'href="/w/mobile/roadmaps/{OID}/items/{RID}"' in page.text
    asked = next(r for r in api.seen if r.url.path == "/v1/query/customers/globex/trace")
    assert dict(asked.url.params) == {"feedback_limit": "50"}
    nobody = await client.get("/customers/asks", params={"ref": ""})
    assert nobody.status_code == 422


async def test_customers_are_registered_updated_and_erased_by_an_administrator_only(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    acme = {
        "ref": "acme/eu",
        "name": "Acme",
        "segment": "enterprise",
        "plan": "pro",
        "annual_revenue": "120000.00",
        "contact": "cfo@acme.example",
        "erased": False,
    }
    api.on("GET", "/v1/customers", body={"items": [acme], "next_cursor": "YQ=="})
    sign_in(client, token(sextant_role="admin"))
    page = await client.get("/customers", params={"segment": "enterprise", "erased": "true"})
    assert page.status_code == 200, page.text
    listed = next(r for r in api.seen if r.url.path == "/v1/customers")
    assert dict(listed.url.params) == {
        "segment": "enterprise",
        "include_erased": "true",
        "limit": "50",
    }
    assert 'value="cfo@acme.example"' in page.text  # to update, prefilled
    assert 'action="/customers/erasure"' in page.text
    assert "erased=true&amp;cursor=YQ%3D%3D" in page.text

    api.on("POST", "/v1/customers", 201, {"id": "c1", "consistency_token": "feedback:1"})
    profile = {"name": "Globex", "segment": "", "plan": "", "contact": ""}
    sent, body = await post_form(
        client,
        api,
        "/customers",
        {"ref": "globex", **profile, "annual_revenue": "1,250,000.5"},
        "/v1/customers",
    )
    assert (sent.headers["location"], body) == (
        "/customers",
        {"ref": "globex", "name": "Globex", "annual_revenue": "1250000.5"},
    )
    # A reference with a slash stays one path segment of the API.
    api.on("PUT", "/v1/customers/acme/eu", 200, {"consistency_token": "feedback:2"})
    sent, body = await post_form(
        client,
        api,
        "/customers/update",
        {"ref": "acme/eu", **profile, "name": "Acme EU", "annual_revenue": ""},
        "/v1/customers/acme/eu",
    )
    assert body == {"name": "Acme EU", "annual_revenue": "0"}
    assert api.seen[-1].url.raw_path == b"/v1/customers/acme%2Feu"
    # Renamed from the page as it showed them: the plan changed meanwhile stays changed.
    api.on("GET", "/v1/customers/acme/eu", body={**acme, "plan": "pro-plus"})
    shown = {k: str(acme[k]) for k in ("name", "segment", "plan", "annual_revenue", "contact")}
    renamed = {"ref": "acme/eu", **shown, "name": "Acme EU"}
    renamed["seen"] = seen_in(page.text, "/customers/update")
    _, body = await post_form(client, api, "/customers/update", renamed, "/v1/customers/acme/eu")
    assert body == {**shown, "name": "Acme EU", "plan": "pro-plus"}
    erasure = "/v1/customers/acme/eu/erasure"
    api.on("POST", erasure, 200, {"consistency_token": "feedback:3"})
    before = len(api.seen)
    for form in [{"ref": "acme/eu", "confirm": "acme"}, {"ref": "acme/eu"}]:
        await post_form(client, api, "/customers/erasure", form, erasure)
    for revenue in ("lots", "-1", "12.345", "1e16", "NaN"):
        form = {"ref": "x", **profile, "annual_revenue": revenue}
        await post_form(client, api, "/customers", form, "/v1/customers")
    assert not api.seen[before:]  # each refused in the console, never sent
    sent, body = await post_form(
        client, api, "/customers/erasure", {"ref": "acme/eu", "confirm": " acme/eu "}, erasure
    )
    assert body == {}
    assert api.seen[-1].url.raw_path == b"/v1/customers/acme%2Feu/erasure"
    assert "personal data is erased" in html.unescape(
        (await client.get(sent.headers["location"])).text
    )

    # A product manager keeps customers up to date, but erasing is an administrator's.
    sign_in(client, token(sextant_role="product_manager"))
    page = await client.get("/customers")
    assert 'action="/customers/update"' in page.text
    assert 'action="/customers/erasure"' not in page.text

    # A team's product manager finds the accounts to attribute feedback to (the API leaves
    # out whom to contact); keeping them up to date is the organisation's.
    api.on("GET", "/v1/customers", body={"items": [{**acme, "contact": None}]})
    sign_in(client, token("product_manager"))
    page = await client.get("/customers")
    assert page.status_code == 200, page.text
    assert '<a href="/customers" aria-current="page">' in page.text  # in their navigation
    assert "Acme enterprise pro 120,000.00" in words(page.text)
    assert ">Contact<" not in page.text
    assert 'method="post" action="/customers' not in page.text  # filters only


async def test_a_file_is_uploaded_to_the_import_and_followed_to_its_report(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile/feedback/imports"
    sign_in(client, token("contributor"))
    earlier = {
        "import_id": EID,
        "file_name": "April.csv",
        "status": "done",
        "actor": "pm.ana",
        "started_at": "2026-11-01T09:30:00+00:00",
        "created": 1200,
        "duplicates": 3,
        "rejected": 2,
    }
    api.on("GET", path, body={"items": [earlier], "next_cursor": None})
    form = await client.get("/w/mobile/feedback/import")
    assert 'enctype="multipart/form-data"' in form.text
    recent = words(form.text.split('id="recent-imports"')[1].split("</ul>")[0])
    assert "April.csv 2026-11-01 09:30, pm.ana: done, 1,200 created, 3 already there" in recent
    [nonce] = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', form.text)
    api.on("POST", path, 202, {"import_id": RID, "status": "running"})
    content = b"text,source\nExport to PDF,email\n"
    sent = await client.post(
        "/w/mobile/feedback/import",
        files={"file": ("C:\\exports\\May survey.csv", content, "text/csv")},
        data={"source": "survey", "form_nonce": nonce},
        headers={"origin": "http://console.test"},
    )
    assert sent.status_code == 303
    assert sent.headers["location"] == f"/w/mobile/feedback/imports/{RID}"
    posted = api.seen[-1]
    assert posted.content == content
    assert posted.headers["content-type"] == "text/csv"
    assert dict(posted.url.params) == {"name": "May survey.csv", "source": "survey"}
    key = posted.headers["idempotency-key"]
    assert key.startswith("console:")
    # sent twice (a double click), the same key: the API starts one import
    await client.post(
        "/w/mobile/feedback/import",
        files={"file": ("May survey.csv", content, "text/csv")},
        data={"source": "survey", "form_nonce": nonce},
        headers={"origin": "http://console.test"},
    )
    assert api.seen[-1].headers["idempotency-key"] == key

    job = {
        "import_id": RID,
        "file_name": "May survey.csv",
        "status": "running",
        "actor": "pm.ana",
        "started_at": "2026-11-28T10:00:00+00:00",
        "bytes_total": 1000,
        "bytes_read": 250,
        "rows": 1200,
        "created": 0,
        "duplicates": 0,
        "rejected": 0,
        "rejects": [],
        "ignored_columns": [],
    }
    api.on("GET", f"{path}/{RID}", body=job)
    page = await client.get(f"/w/mobile/feedback/imports/{RID}")
    assert '<meta http-equiv="refresh" content="2">' in page.text
    assert "25% · 1,200 rows so far" in words(page.text)
    rejects = [{"line": 8, "error": "text: Field required"}]
    done = {**job, "status": "done", "rows": 2501, "created": 2500, "duplicates": 0}
    api.on("GET", f"{path}/{RID}", body={**done, "rejected": 3, "rejects": rejects})
    page = await client.get(f"/w/mobile/feedback/imports/{RID}")
    assert 'http-equiv="refresh"' not in page.text
    text = words(page.text)
    assert "2,501 read: 2,500 created, 0 already there, 3 rejected" in text
    assert "8 text: Field required" in text
    assert "The first 1 of 3" in text
    failed = {**job, "status": "failed", "error": "x.csv: the CSV header must name a 'text'"}
    api.on("GET", f"{path}/{RID}", body=failed)
    page = await client.get(f"/w/mobile/feedback/imports/{RID}")
    assert "the CSV header must name a &#39;text&#39;" in page.text


async def test_an_upload_is_refused_before_the_api_when_it_cannot_be_imported(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    sign_in(client, token("contributor"))
    back = "http://console.test/w/mobile/feedback/import"
    here = {"origin": "http://console.test", "referer": back}
    big = b"x" * (8 * 1024 * 1024 + 1)
    for files, data, why in [
        ({"file": ("big.csv", big, "text/csv")}, {}, "over 8 MB: import it with"),
        ({"file": ("a.csv", b"text\nhi\n", "text/csv")}, {"source": "fax"}, "Source must be"),
        (None, {"source": ""}, "File: choose a CSV or JSON Lines file"),
    ]:
        sent = await client.post("/w/mobile/feedback/import", files=files, data=data, headers=here)
        assert sent.status_code == 303, why
        shown = await client.get(sent.headers["location"])
        assert why in html.unescape(shown.text), why
    assert not [r for r in api.seen if r.method == "POST"]


@pytest.mark.parametrize(
    ("sent", "known_as"),
    [
        ("C:\\exports\\May survey.csv", "May survey.csv"),
        ("export[1].csv", "export_1_.csv"),
        ("résumé's.csv", "résumé_s.csv"),
        ("../../.hidden.csv", "file .hidden.csv"),
    ],
)
def test_an_uploaded_file_is_known_by_a_name_the_api_takes(sent: str, known_as: str) -> None:
    assert file_name(sent) == known_as


async def test_the_inbox_filters_by_segment_theme_and_the_days_received(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """The inbox's filters are the API's: a segment, a theme, and days received (UTC, both
    included), kept in the link to older feedback."""
    path = "/v1/workspaces/mobile/feedback"
    api.on("GET", path, body={"items": [], "next_cursor": None})
    sign_in(client, token())
    chosen = {
        "segment": "enterprise",
        "theme": "billing",
        "tagged": "true",
        "received_from": "2026-11-01",
        "received_to": "2026-11-30",
    }
    page = await client.get("/w/mobile/feedback", params=chosen)
    assert page.status_code == 200, page.text
    asked = next(dict(r.url.params) for r in api.seen if r.url.path == path)
    assert asked == {
        "segment": "enterprise",
        "theme": "billing",
        "tagged": "true",
        "since": "2026-11-01T00:00:00Z",
        "until": "2026-12-01T00:00:00Z",  # the 30th included
        "limit": asked["limit"],
    }
    assert 'name="received_from" type="date" value="2026-11-01"' in page.text
    assert 'name="segment" value="enterprise"' in page.text
    one = {
        "feedback_id": IID,
        "text": "Invoices in euros",
        "source": "email",
        "sentiment": 0.0,
        "votes": 0,
        "links": 0,
        "tags": [],
        "received_at": "2026-11-20T10:00:00Z",
    }
    api.on("GET", path, body={"items": [one], "next_cursor": "next"})
    page = await client.get("/w/mobile/feedback", params=chosen)
    older = re.search(r'href="\?([^"]*)">Older feedback', page.text)
    assert older is not None
    assert html.unescape(older.group(1)) == (
        "tagged=true&theme=billing&segment=enterprise&received_from=2026-11-01"
        "&received_to=2026-11-30"
        "&cursor=next"
    )
    # A day that is no day, or a range that ends before it starts, is named, not sent.
    before = len(api.seen)
    for wrong, named in (
        ({"received_from": "1 November"}, "Received from is a day"),
        ({"received_from": "2026-11-30", "received_to": "2026-11-01"}, "on or before"),
    ):
        page = await client.get("/w/mobile/feedback", params=wrong)
        assert page.status_code == 422
        assert named in words(page.text)
    assert len(api.seen) == before


async def test_a_vote_is_taken_back_from_the_items_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    fid, path = IID, "/v1/workspaces/mobile"
    resource = f"{path}/feedback/{fid}/votes"
    found = {
        "feedback_id": fid,
        "text": "SSO set-up took us a week",
        "source": "email",
        "tags": [],
        "votes": 3,
        "voters": ["customer:acme", "pm.ana", "pm.bo"],
        "received_at": "2026-11-20T10:00:00Z",
        "linked_to": [],
    }
    api.on("GET", f"{path}/feedback/{fid}", body=found)
    api.on("GET", f"/v1/query/feedback/{fid}/trace", body={"roadmap_items": []})
    api.on("GET", f"{path}/feedback/{fid}/similar", body={"suggestions": []})
    api.on("GET", f"{path}/problems", body={"items": []})
    api.on("GET", f"{path}/opportunities", body={"items": []})
    sign_in(client, token("contributor"))  # pm.ana
    page = await client.get(f"/w/mobile/feedback/{fid}")
    assert page.status_code == 200, page.text
    assert "Votes 3: on behalf of acme, pm.ana, pm.bo" in words(page.text)
    offered = re.findall(r"Take back ([^<]+)</button>", page.text)
    assert offered == ["the vote on behalf of acme", "your vote"]  # not pm.bo's
    api.on("DELETE", resource, 200, {"id": fid, "consistency_token": "feedback:5"})
    action = f"/w/mobile/feedback/{fid}/votes/withdraw"
    sent, _ = await post_form(client, api, action, {"on_behalf_of": "acme"}, resource)
    taken = api.seen[-1]
    assert (taken.method, dict(taken.url.params)) == ("DELETE", {"on_behalf_of": "acme"})
    assert sent.headers["location"].startswith(f"/w/mobile/feedback/{fid}")
    await post_form(client, api, action, {}, resource)
    assert (api.seen[-1].method, dict(api.seen[-1].url.params)) == ("DELETE", {})


async def test_the_inbox_downloads_every_item_its_filters_keep_as_csv(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile/feedback"
    api.on("GET", path, body={"items": [], "next_cursor": None})
    sign_in(client, token())
    chosen = {"tag": "billing", "received_from": "2026-11-01"}
    page = await client.get("/w/mobile/feedback", params=chosen)
    link = re.search(r'<a href="([^"]*)" download>Download these as CSV</a>', page.text)
    assert link is not None
    assert html.unescape(link.group(1)) == (
        "/w/mobile/feedback/export?tag=billing&received_from=2026-11-01"
    )
    sheet = b"feedback_id,received_at,source,text\n"
    named = {"content-disposition": 'attachment; filename="mobile-feedback.csv"'}
    api.on_file(f"{path}/export", sheet, "text/csv; charset=utf-8", named)
    got = await client.get(html.unescape(link.group(1)))
    assert (got.status_code, got.content) == (200, sheet)
    assert got.headers["content-disposition"] == named["content-disposition"]
    asked = dict(api.seen[-1].url.params)
    assert asked == {"tag": "billing", "since": "2026-11-01T00:00:00Z", "format": "csv"}


async def test_the_trends_page_counts_tags_and_themes_and_links_each_to_the_inbox(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """Each tag and theme with its items per period as bars, its change and the customers
    behind it; its name opens the inbox filtered by it, with the page's own filters."""
    path = "/v1/workspaces/mobile/feedback/trends"
    span = {"start": "2026-10-04T00:00:00+00:00", "end": "2026-10-11T00:00:00+00:00"}
    api.on(
        "GET",
        path,
        body={
            "workspace_id": "mobile",
            "period": "week",
            "periods": [span] * 4,
            "total": [0, 2, 4, 8],
            "untagged": [0, 0, 1, 2],
            "sentiment": [None, 0.2, -0.1, -0.35],
            "labels": [
                {
                    "kind": "tag",
                    "name": "checkout",
                    "items": 7,
                    "counts": [0, 1, 2, 4],
                    "change": 2,
                    "customers": 3,
                    "revenue_weighted": "912000.00",
                    "sentiment": -0.4,
                },
                {
                    "kind": "theme",
                    "name": "payments",
                    "items": 1,
                    "counts": [0, 1, 0, 0],
                    "change": 0,
                    "customers": 0,
                    "revenue_weighted": "0",
                    "sentiment": 0.0,
                },
            ],
        },
    )
    sign_in(client, token(role="stakeholder"))
    page = await client.get(
        "/w/mobile/feedback/trends", params={"order": "rising", "source": "survey"}
    )
    assert page.status_code == 200, page.text
    asked = next(dict(r.url.params) for r in api.seen if r.url.path == path)
    assert asked == {"period": "week", "order": "rising", "source": "survey", "periods": "8"}
    text = words(page.text)
    assert "Items received ▁▃▅█ 14" in text
    assert "Without a tag or theme ▁▁▅█ 3 Mean" in text  # a stakeholder does not triage
    assert "Mean sentiment —, 0.2, -0.1, -0.35" in text
    assert "#checkout ▁▃▅█ 7 +2 3 912,000.00 -0.4" in text
    assert "payments (theme) ▁█▁▁ 1 0 0 0.00 0.0" in text
    assert 'href="/w/mobile/feedback?source=survey&amp;tag=checkout"' in page.text
    assert 'href="/w/mobile/feedback?source=survey&amp;theme=payments"' in page.text
    # as a spreadsheet, with the page's choices; a name a spreadsheet would run stays text
    assert (
        'href="/w/mobile/feedback/trends/export?period=week&amp;order=rising&amp;source=survey"'
        in page.text
    )
    sheet = await client.get("/w/mobile/feedback/trends/export", params={"source": "survey"})
    assert 'filename="mobile-feedback-trends-by-week.csv"' in sheet.headers["content-disposition"]
    lines = sheet.text.splitlines()
    assert lines[0].endswith(",items,change,customers,revenue_weighted,sentiment")
    assert lines[1:4] == [
        "all,items received,0,2,4,8,14,4",
        "all,without a tag or theme,0,0,1,2,3,1",
        "tag,checkout,0,1,2,4,7,2,3,912000.00,-0.4",
    ]
    # a period the page does not offer is the week, not sent as it came
    sign_in(client, token())
    page = await client.get("/w/mobile/feedback/trends", params={"period": "year"})
    assert dict(api.seen[-1].url.params)["period"] == "week"
    assert "Without a tag or theme ▁▁▅█ 3: triage them in the inbox" in words(page.text)
    assert 'href="/w/mobile/feedback?tagged=false">triage them' in page.text


async def test_feedback_across_teams_counts_each_tag_in_the_workspaces_it_came_up_in(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/query/feedback/trends"
    span = {"start": "2026-10-04T00:00:00+00:00", "end": "2026-10-11T00:00:00+00:00"}
    sso = {
        "kind": "tag",
        "name": "sso",
        "items": 5,
        "counts": [0, 1, 4],
        "change": 3,
        "workspaces": ["mobile", "web"],
        "customers": 2,
        "revenue_weighted": "1500.00",
    }
    trends = {"period": "week", "periods": [span] * 3, "total": [1, 2, 6], "labels": [sso]}
    api.on("GET", path, body={**trends, "untagged": [1, 1, 2], "workspaces": [1, 2, 2]})
    sign_in(client, token())
    chosen = {"workspace": "mobile", "order": "rising", "segment": "enterprise", "source": "fax"}
    page = await client.get("/feedback/trends", params=chosen)
    assert page.status_code == 200, page.text
    asked = next(dict(r.url.params) for r in api.seen if r.url.path == path)
    assert asked == {  # a source the page does not offer is any source
        "period": "week",
        "order": "rising",
        "workspace": "mobile",
        "segment": "enterprise",
        "periods": "8",
    }
    text = words(page.text)
    assert "What the feedback of mobile is about" in text
    assert "Items received ▂▃█ 9" in text
    assert "Workspaces with feedback ▅██ 2 in the latest" in text
    assert "#sso ▁▃█ 5 +3 mobile , web 2 1,500.00" in text
    assert 'href="/w/web/feedback?segment=enterprise&amp;tag=sso"' in page.text
    # the same counts as a spreadsheet, a period a column
    export = 'href="/feedback/trends/export?period=week&amp;order=rising&amp;segment=enterprise'
    assert export in page.text
    sheet = await client.get(
        "/feedback/trends/export", params={"period": "week", "segment": "enterprise"}
    )
    assert sheet.headers["content-disposition"] == (
        'attachment; filename="feedback-across-teams-by-week.csv"'
    )
    assert sheet.text.splitlines() == [
        "kind,name,2026-10-04,2026-10-04,2026-10-04,items,change,workspaces,customers,"
        "revenue_weighted",
        "all,items received,1,2,6,9,4",
        "all,without a tag or theme,1,1,2,4,1",
        "tag,sso,0,1,4,5,3,mobile web,2,1500.00",
    ]
    everyone = await client.get("/feedback/trends")
    assert "What the feedback of the workspaces you read (mobile) is about" in words(everyone.text)
    # a workspace no one could be called is refused before the query service is asked
    before = len(api.seen)
    refused = await client.get("/feedback/trends", params={"workspace": "a b"})
    assert "No workspace is called 'a b'" in words(refused.text)
    assert len(api.seen) == before


async def test_likely_duplicates_are_listed_by_group_and_merged_into_the_one_kept(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """Each group names the item to keep; a duplicate's "Merge" sends it into that one and
    comes back to the same comparison."""
    path = "/v1/workspaces/mobile/feedback/duplicates"

    def item(fid: str, text: str, links: int) -> dict[str, object]:
        return {
            "feedback_id": fid,
            "text": text,
            "source": "survey",
            "votes": 0,
            "links": links,
            "received_at": "2026-11-20T10:00:00+00:00",
        }

    api.on(
        "GET",
        path,
        body={
            "swept": 500,
            "more": True,
            "min_similarity": 0.6,
            "groups_total": 1,
            "groups": [
                {
                    "keep": item(IID, "Please remember my card", 1),
                    "duplicates": [{**item(RID, "Remember my card please", 0), "similarity": 0.9}],
                }
            ],
        },
    )
    sign_in(client, token())
    page = await client.get(
        "/w/mobile/feedback/duplicates", params={"min_similarity": "0.6", "source": "survey"}
    )
    assert page.status_code == 200, page.text
    asked = next(dict(r.url.params) for r in api.seen if r.url.path == path)
    assert asked == {"min_similarity": "0.6", "sweep": "500", "source": "survey"}
    text = words(page.text)
    assert "Every pair among the newest 500 items from survey was compared" in text
    assert "older items were not swept" in text
    assert "1 group of likely duplicates." in text
    assert "Please remember my card keep this one · 1 link · 0 votes" in text
    assert "Remember my card please similarity 0.9 · 0 links" in text
    nonce = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)[-1]
    back = "/w/mobile/feedback/duplicates?min_similarity=0.6&source=survey"
    assert f'name="back" value="{html.escape(back)}"' in page.text
    api.on("POST", f"/v1/workspaces/mobile/feedback/{RID}/merge", body={"id": RID})
    sent, body = await post_form(
        client,
        api,
        f"/w/mobile/feedback/{IID}/merge",
        {"form_nonce": nonce, "duplicate_id": RID, "back": back},
        f"/v1/workspaces/mobile/feedback/{RID}/merge",
    )
    assert body == {"into_id": IID}
    assert sent.headers["location"] == back
    # somewhere else than the workspace's feedback is not where a merge goes back to
    api.on("POST", f"/v1/workspaces/mobile/feedback/{EID}/merge", body={"id": EID})
    sent, _ = await post_form(
        client,
        api,
        f"/w/mobile/feedback/{IID}/merge",
        {"form_nonce": nonce, "duplicate_id": EID, "back": "/w/other/feedback"},
        f"/v1/workspaces/mobile/feedback/{EID}/merge",
    )
    assert sent.headers["location"] == f"/w/mobile/feedback/{IID}"
    # not the same: told apart from the one kept, and back to the comparison
    api.on("POST", f"/v1/workspaces/mobile/feedback/{RID}/tell-apart", body={"id": RID})
    sent, body = await post_form(
        client,
        api,
        f"/w/mobile/feedback/{RID}/tell-apart",
        {"form_nonce": nonce, "other_id": IID, "back": back},
        f"/v1/workspaces/mobile/feedback/{RID}/tell-apart",
    )
    assert (body, sent.headers["location"]) == ({"other_id": IID}, back)
    assert f'action="/w/mobile/feedback/{RID}/tell-apart"' in page.text
    # one week's items: the days received, as the inbox's filter sends them
    week = {"received_from": "2026-11-16", "received_to": "2026-11-22"}
    page = await client.get("/w/mobile/feedback/duplicates", params=week)
    assert "received from 2026-11-16 to 2026-11-22" in words(page.text)
    asked = dict(api.seen[-1].url.params)
    assert (asked["since"], asked["until"]) == ("2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z")
    before = len(api.seen)
    backwards = await client.get(
        "/w/mobile/feedback/duplicates",
        params={"received_from": "2026-11-22", "received_to": "2026-11-16"},
    )
    assert backwards.status_code == 422
    assert "on or before" in words(backwards.text)
    assert len(api.seen) == before
