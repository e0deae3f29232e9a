"""The console's pages for who holds which role, and for setting up the organisation and
its workspaces."""

from __future__ import annotations

import json

import httpx
from sextant_console.web import FLASH, Flash

from tests.unit.console.support import FakeApi, post_form, seen_in, sign_in, token, words

MEMBERS = {
    "items": [
        {"member": "ana", "role": "product_manager", "granted_at": "2026-11-28T09:30:00+00:00"},
        {"member": "okta|eu/bo", "role": "contributor", "granted_at": "2026-11-28T10:00:00+00:00"},
    ],
    "next_cursor": "Ym8=",
}


async def test_a_workspaces_members_are_read_by_its_team_and_granted_by_its_admins(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/workspaces/mobile/members", body=MEMBERS)
    sign_in(client, token("contributor"))
    page = await client.get("/w/mobile/members")
    assert page.status_code == 200, page.text
    said = words(page.text)
    assert "ana product manager 2026-11-28 09:30" in said
    assert "okta|eu/bo contributor" in said
    assert 'href="/w/mobile/members?cursor=Ym8%3D"' in page.text
    assert 'method="post" action="/w/mobile/members' not in page.text  # a contributor reads
    assert 'href="/members"' not in page.text  # the organisation's roles are not theirs
    # a team of hundreds: one member found by a part of their name, the next page kept to it
    page = await client.get("/w/mobile/members", params={"q": " okta "})
    assert api.seen[-1].url.params["q"] == "okta"
    assert 'href="/w/mobile/members?q=okta&amp;cursor=Ym8%3D"' in page.text
    api.on("GET", "/v1/workspaces/mobile/members", body={"items": [], "next_cursor": None})
    page = await client.get("/w/mobile/members", params={"q": "zed"})
    assert "No member's name holds “zed”." in words(page.text)
    api.on("GET", "/v1/workspaces/mobile/members", body=MEMBERS)

    sign_in(client, token("admin"))
    page = await client.get("/w/mobile/members")
    assert 'action="/w/mobile/members/revoke"' in page.text
    assert "stakeholder: read published" in words(page.text)  # what each role may do

    api.on("POST", "/v1/workspaces/mobile/members", 200, {"consistency_token": "identity:9"})
    form = {"member": " cy ", "role": "stakeholder", "form_nonce": "n1"}
    sent, body = await post_form(
        client, api, "/w/mobile/members", form, "/v1/workspaces/mobile/members"
    )
    assert body == {"member": "cy", "role": "stakeholder"}
    assert sent.headers["location"] == "/w/mobile/members"
    granting = [r for r in api.seen if r.method == "POST"][-1]
    assert granting.headers["idempotency-key"]

    # an identity provider's subject with a '/' is escaped into one path segment
    api.on("DELETE", "/v1/workspaces/mobile/members/okta|eu/bo", 200, {})
    form = {"member": "okta|eu/bo", "form_nonce": "n2"}
    sent, _ = await post_form(
        client, api, "/w/mobile/members/revoke", form, "/v1/workspaces/mobile/members/okta|eu/bo"
    )
    revoking = api.seen[-1]
    assert (revoking.method, revoking.url.raw_path) == (
        "DELETE",
        b"/v1/workspaces/mobile/members/okta%7Ceu%2Fbo",
    )

    # a role the table does not have is refused before any call
    before = len(api.seen)
    sent, body = await post_form(
        client,
        api,
        "/w/mobile/members",
        {"member": "cy", "role": "owner", "form_nonce": "n3"},
        "/v1/workspaces/mobile/members",
    )
    assert len(api.seen) == before  # refused in the console, never asked
    assert body is None


async def test_a_team_is_granted_its_role_in_one_form(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """Members one per line get the role each; a refusal half-way names the member and
    those already granted, and sending the form again grants each once (granting is the
    same however often it is sent)."""
    sign_in(client, token("admin"))
    path = "/v1/workspaces/mobile/members"
    api.on("POST", path, 200, {"consistency_token": "identity:9"})
    team = " ana \n\nokta|eu/bo\ncn=Cy,ou=eng\nana"
    form = {"member": team, "role": "contributor", "form_nonce": "n1"}
    sent, _ = await post_form(client, api, "/w/mobile/members", form, path)
    granted = [json.loads(r.content) for r in api.seen if r.method == "POST"]
    assert granted == [
        {"member": m, "role": "contributor"} for m in ("ana", "okta|eu/bo", "cn=Cy,ou=eng")
    ]
    flash = Flash.decode(sent.cookies.get(FLASH))
    assert flash.text.startswith("3 members are contributor in mobile: ana, okta|eu/bo, cn=Cy")
    assert flash.token == "identity:9"  # the next page waits until the directory has them
    refusal = {"title": "Unprocessable", "detail": "member: at most 200 characters"}
    api.when("POST", path, "okta", 422, refusal)
    sent, _ = await post_form(client, api, "/w/mobile/members", form, path)
    flash = Flash.decode(sent.cookies.get(FLASH))
    assert flash.kind == "error"
    assert flash.text.startswith(
        "Not granted to okta|eu/bo: member: at most 200 characters (granted to ana; send"
    )
    tried = [json.loads(r.content)["member"] for r in api.seen if r.method == "POST"][3:]
    assert tried == ["ana", "okta|eu/bo"]  # stopped at the refusal


async def test_organisation_wide_roles_have_their_own_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/organisation/members", body={"items": MEMBERS["items"][:1]})
    sign_in(client, token(sextant_role="admin"))
    page = await client.get("/members")
    assert page.status_code == 200, page.text
    assert "Organisation-wide roles" in page.text
    assert 'action="/members/revoke"' in page.text
    api.on("POST", "/v1/organisation/members", 200, {"consistency_token": "identity:3"})
    form = {"member": "dee", "role": "admin", "form_nonce": "n4"}
    sent, body = await post_form(client, api, "/members", form, "/v1/organisation/members")
    assert (sent.headers["location"], body) == ("/members", {"member": "dee", "role": "admin"})


async def test_an_administrator_sets_the_organisation_up_and_adds_workspaces(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/workspaces", body={"items": []})
    api.on("GET", "/v1/organisation", 404, {"title": "Not Found", "detail": "not set up yet"})
    sign_in(client, token(sextant_role="admin", sextant_workspaces={}))
    page = await client.get("/")
    assert 'action="/organisation"' in page.text
    assert 'action="/workspaces"' not in page.text  # not before the organisation
    api.on("POST", "/v1/organisation", 201, {"consistency_token": "identity:1"})
    form = {"name": "Acme", "form_nonce": "n5"}
    sent, body = await post_form(client, api, "/organisation", form, "/v1/organisation")
    assert (sent.headers["location"], body) == ("/", {"name": "Acme"})

    api.on("GET", "/v1/organisation", body={"tenant_id": "acme", "name": "Acme"})
    page = await client.get("/")
    assert 'action="/organisation"' not in page.text
    assert page.text.count('action="/workspaces"') == 1
    assert "<title>Workspaces · Sextant console</title>" in page.text
    api.on("POST", "/v1/workspaces", 201, {"consistency_token": "identity:2"})
    form = {"workspace_id": "search", "name": "Search team", "form_nonce": "n6"}
    sent, body = await post_form(client, api, "/workspaces", form, "/v1/workspaces")
    assert body == {"workspace_id": "search", "name": "Search team"}
    assert sent.headers["location"] == "/w/search/members"  # its members next

    before = len(api.seen)
    form = {"workspace_id": "search team", "name": "Search", "form_nonce": "n7"}
    sent, body = await post_form(client, api, "/workspaces", form, "/v1/workspaces")
    assert len(api.seen) == before  # refused in the console, never asked
    assert body is None
    assert "letters, digits" in Flash.decode(sent.cookies.get(FLASH)).text

    # an organisation-wide product manager neither sets up nor adds
    sign_in(client, token(sextant_role="product_manager", sextant_workspaces={}))
    page = await client.get("/")
    assert 'action="/workspaces"' not in page.text
    assert 'action="/organisation"' not in page.text
    assert not [r for r in api.seen[before:] if r.url.path == "/v1/organisation"]


async def test_an_administrator_renames_the_workspace_and_the_organisation(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/workspaces/mobile/members", body=MEMBERS)
    mobile = {"workspace_id": "mobile", "name": "Mobile", "created_at": "2026-11-20T09:00:00Z"}
    api.on("GET", "/v1/workspaces/mobile", body=mobile)
    sign_in(client, token("contributor"))
    page = await client.get("/w/mobile/members")
    assert 'action="/w/mobile/members/name"' not in page.text  # administrators only
    sign_in(client, token("admin"))
    page = await client.get("/w/mobile/members")
    assert "Rename the workspace (now “Mobile”; its id mobile stays)" in page.text
    assert json.loads(seen_in(page.text, "/w/mobile/members/name")) == {"name": "Mobile"}
    api.on("PATCH", "/v1/workspaces/mobile", 200, {"consistency_token": "identity:12"})
    typed = {"seen": seen_in(page.text, "/w/mobile/members/name"), "name": " Mobile apps "}
    sent, body = await post_form(
        client, api, "/w/mobile/members/name", typed, "/v1/workspaces/mobile"
    )
    assert (sent.headers["location"], body) == ("/w/mobile/members", {"name": "Mobile apps"})
    # Another administrator renamed it meanwhile: refused, naming theirs.
    api.on("GET", "/v1/workspaces/mobile", body={**mobile, "name": "Apps"})
    before = len(api.seen)
    await post_form(client, api, "/w/mobile/members/name", typed, "")
    assert not [r for r in api.seen[before:] if r.method != "GET"]

    api.on("GET", "/v1/organisation/members", body={"items": []})
    api.on("GET", "/v1/organisation", body={"tenant_id": "acme", "name": "Acme"})
    api.on("PATCH", "/v1/organisation", 200, {"consistency_token": "identity:13"})
    sign_in(client, token(sextant_role="admin"))
    page = await client.get("/members")
    assert "Rename the organisation (now “Acme”)" in page.text
    typed = {"seen": seen_in(page.text, "/members/name"), "name": "Acme Group"}
    sent, body = await post_form(client, api, "/members/name", typed, "/v1/organisation")
    assert (sent.headers["location"], body) == ("/members", {"name": "Acme Group"})
