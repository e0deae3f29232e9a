"""The console itself against a fake API (httpx's MockTransport): signing in, the session,
what it refuses (cross-site posts, redirects elsewhere), errors shown as pages, its
security headers, the audit history. Each area's pages have their own module."""

from __future__ import annotations

import base64
import os
import re

import httpx
import jwt
import pytest
from sextant_console.session import COOKIE, NotSignedIn, session_from
from sextant_console.web import safe_path

from tests.unit.console.support import (
    IID,
    RID,
    SECRET,
    FakeApi,
    sign_in,
    token,
    words,
)


async def test_pages_need_a_token(client: httpx.AsyncClient) -> None:
    answer = await client.get(f"/w/mobile/roadmaps/{RID}")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next=/w/mobile/roadmaps/{RID}"


async def test_sign_in_keeps_the_token_in_a_strict_httponly_cookie(
    client: httpx.AsyncClient,
) -> None:
    answer = await client.post("/login", data={"token": token(), "next": "/w/mobile"})
    assert answer.status_code == 303
    assert answer.headers["location"] == "/w/mobile"
    cookie = next(v for k, v in answer.headers.multi_items() if k == "set-cookie" and COOKIE in v)
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie


async def test_a_token_naming_hundreds_of_workspaces_still_signs_in(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """Browsers drop a cookie over 4 KB without a word: a member of 300 workspaces (a 15 KB
    token) was told "Signed in" and shown the sign-in page again. The cookie holds such a
    token compressed, and the APIs still get the token as it was issued; one that does not
    fit even so is refused at sign-in, saying why."""
    many = {f"team-{n}": "product_manager" for n in range(300)}
    raw = token(sextant_workspaces={"mobile": "product_manager", **many})
    assert len(raw) > 10_000
    answer = await client.post("/login", data={"token": raw, "next": "/w/mobile/feedback"})
    assert answer.status_code == 303
    kept = answer.cookies[COOKIE]
    assert len(kept) < 4_000
    api.on("GET", "/v1/workspaces/mobile/feedback", body={"items": [], "next_cursor": None})
    sign_in(client, kept)
    page = await client.get("/w/mobile/feedback")
    assert page.status_code == 200
    assert api.seen[-1].headers["authorization"] == f"Bearer {raw}"
    # Noise does not compress: a token that no cookie can hold is refused at the door.
    noisy = token(noise=base64.urlsafe_b64encode(os.urandom(9_000)).decode())
    answer = await client.post("/login", data={"token": noisy})
    assert answer.status_code == 422
    assert "more than a browser keeps in a cookie" in answer.text
    # A cookie that is not what the console wrote is a reason to sign in again.
    sign_in(client, kept[:-40])
    answer = await client.get("/w/mobile/feedback")
    assert answer.headers["location"].startswith("/login")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [("not a token", "not a token"), (token(expires_in=-10), "expired")],
)
async def test_a_bad_token_is_refused_with_a_reason(
    client: httpx.AsyncClient, raw: str, reason: str
) -> None:
    answer = await client.post("/login", data={"token": raw})
    assert answer.status_code == 422
    assert reason in answer.text
    assert raw not in answer.text or raw == "not a token"


async def test_sign_in_never_redirects_elsewhere(client: httpx.AsyncClient) -> None:
    answer = await client.post("/login", data={"token": token(), "next": "//evil.example/"})
    assert answer.headers["location"] == "/"


async def test_an_organisation_wide_role_starts_from_the_organisations_directory(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on(
        "GET",
        "/v1/workspaces",
        body={
            "items": [
                {"workspace_id": "mobile", "name": "Mobile app"},
                {"workspace_id": "web", "name": "Web shop"},
            ]
        },
    )
    sign_in(client, token(sextant_role="product_manager"))
    page = await client.get("/")
    assert page.status_code == 200
    assert 'href="/w/mobile"' in page.text  # from the token, with its role
    assert '<a href="/w/web">Web shop</a>' in page.text  # from the directory
    assert page.text.count('href="/w/mobile"') == 1
    api.on("GET", "/v1/workspaces", 503, {"title": "Unavailable", "detail": "try again"})
    sign_in(client, token(sextant_role="admin", sextant_workspaces={}))
    unreadable = await client.get("/")
    assert unreadable.status_code == 200
    assert "directory could not be read (try again)" in unreadable.text
    assert 'action="/go"' in unreadable.text  # any workspace still opens by its id


async def test_a_team_member_finds_their_workspaces_by_name(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    roles = {"mobile": "contributor", "web": "stakeholder", "ops": "contributor"}
    sign_in(client, token(sextant_workspaces=roles))
    mobile = {"workspace_id": "mobile", "name": "Mobile app"}
    web = {"workspace_id": "web", "name": "Web shop"}
    # A member of hundreds of workspaces: the directory's names come a page at a time.
    api.on("GET", "/v1/workspaces", body={"items": [mobile], "next_cursor": "p2"})
    api.when("GET", "/v1/workspaces", "cursor=p2", 200, {"items": [web], "next_cursor": None})
    page = await client.get("/")
    assert '<a href="/w/mobile">Mobile app</a>' in page.text
    assert '<a href="/w/web">Web shop</a>' in page.text
    assert '<a href="/w/ops">ops</a>' in page.text  # not in the directory: by its id
    api.on("GET", "/v1/workspaces/mobile", body=mobile)
    home = await client.get("/w/mobile")
    assert "<title>Mobile app" in home.text
    assert '<h1>Mobile app <span class="hint">mobile</span></h1>' in home.text
    unnamed = await client.get("/w/ops")  # the fake API has no such workspace: a 404
    assert unnamed.status_code == 200
    assert "<h1>Workspace ops</h1>" in unnamed.text


async def test_a_members_workspaces_are_listed_by_name_as_people_read_it(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    roles = {
        "t-10": "contributor",
        "t-2": "contributor",
        "alpha": "stakeholder",
        "zz": "contributor",
    }
    sign_in(client, token(sextant_workspaces=roles))
    named = {"t-10": "Team 10", "t-2": "team 2", "zz": "Archive", "alpha": "Zebra"}
    items = [{"workspace_id": w, "name": n} for w, n in named.items()]
    api.on("GET", "/v1/workspaces", body={"items": items})
    page = await client.get("/")
    listed = re.findall(r'<a href="/w/([a-z0-9-]+)">', page.text)
    assert listed == ["zz", "t-2", "t-10", "alpha"]  # Archive, team 2, Team 10, Zebra


async def test_a_workspace_is_found_by_a_part_of_its_name_or_id(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    """A member of many workspaces finds one among their own; an organisation-wide role
    searches the directory (the identity API's ``q``), its pages keeping the search."""
    roles = {"mobile": "contributor", "web": "stakeholder", "ops": "contributor"}
    sign_in(client, token(sextant_workspaces=roles))
    named = [
        {"workspace_id": "mobile", "name": "Mobile app"},
        {"workspace_id": "web", "name": "Web shop"},
        {"workspace_id": "ops", "name": "Platform operations"},
    ]
    api.on("GET", "/v1/workspaces", body={"items": named})
    page = await client.get("/", params={"q": "APP"})
    assert '<a href="/w/mobile">Mobile app</a>' in page.text
    assert "/w/web" not in page.text
    page = await client.get("/", params={"q": "OPS"})  # by its id, in any case
    assert re.findall(r'<a href="/w/([a-z]+)">', page.text) == ["ops"]
    page = await client.get("/", params={"q": "billing"})
    assert "No workspace's name or id holds “billing”." in words(page.text)
    sign_in(client, token(sextant_role="admin", sextant_workspaces={}))
    api.on("GET", "/v1/workspaces", body={"items": named[2:], "next_cursor": "n2"})
    page = await client.get("/", params={"q": "oper"})
    assert api.seen[-2].url.params["q"] == "oper"  # then the organisation's own record
    assert '<a href="/w/ops">Platform operations</a>' in page.text
    assert 'href="/?q=oper&amp;cursor=n2">More workspaces' in page.text


async def test_an_api_refusal_is_explained_not_a_stack_trace(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on(
        "GET",
        "/v1/workspaces/mobile/feedback",
        403,
        {"title": "Forbidden", "status": 403, "detail": "sam may not read in workspace mobile"},
    )
    sign_in(client, token("stakeholder"))
    page = await client.get("/w/mobile/feedback")
    assert page.status_code == 403
    assert "sam may not read in workspace mobile" in page.text
    assert "Your role does not allow this" in page.text


async def test_a_problem_from_a_write_comes_back_to_the_page(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = f"/v1/workspaces/mobile/roadmaps/{RID}/items/{IID}/scores"
    said = "rice input impact must be between 0 and 3, got 9"
    errors = [
        {"field": "body.inputs", "message": said},  # the detail already says it
        {"field": "body.model", "message": "try wsjf"},
    ]
    api.on("POST", path, 422, {"title": "Invalid request", "detail": said, "errors": errors})
    sign_in(client, token())
    answer = await client.post(
        f"/w/mobile/roadmaps/{RID}/items/{IID}/score",
        data={"model": "rice", "inputs": "impact=9"},
        headers={"referer": f"http://console.test/w/mobile/roadmaps/{RID}"},
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/w/mobile/roadmaps/{RID}"
    api.on("GET", "/v1/workspaces/mobile/roadmaps", body={"items": [], "next_cursor": None})
    page = await client.get("/w/mobile/roadmaps")
    assert f"{said} — model: try wsjf</div>" in page.text
    assert page.text.count("between 0 and 3") == 1


async def test_a_field_the_api_refuses_is_named_as_the_form_names_it(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    path = "/v1/workspaces/mobile/problems"
    errors = [
        {"field": "body.title", "message": "String should have at most 200 characters"},
        {"field": "body.affected_segments.0", "message": "String should have at least 1 character"},
    ]
    detail = "invalid field(s): body.title, body.affected_segments.0"
    api.on("POST", path, 422, {"title": "Invalid request", "detail": detail, "errors": errors})
    sign_in(client, token())
    answer = await client.post(
        "/w/mobile/problems",
        data={"title": "x" * 201, "statement": "s", "severity": "3", "frequency": "3"},
        headers={"referer": "http://console.test/w/mobile/opportunities"},
    )
    assert answer.status_code == 303
    for listed in ("opportunities", "problems", "personas"):
        api.on("GET", f"/v1/workspaces/mobile/{listed}", body={"items": []})
    api.on("GET", "/v1/workspaces/mobile/demand", body={"targets": []})
    page = await client.get("/w/mobile/opportunities")
    assert (
        "Invalid request: title: String should have at most 200 characters;"
        " affected segments.0: String should have at least 1 character</div>"
    ) in page.text
    assert "body." not in page.text


async def test_cross_site_posts_are_refused(client: httpx.AsyncClient, api: FakeApi) -> None:
    sign_in(client, token())
    answer = await client.post(
        f"/w/mobile/roadmaps/{RID}/items/{IID}/move",
        data={"horizon": "now"},
        headers={"origin": "http://evil.example"},
    )
    assert answer.status_code == 403
    assert api.seen == []


async def test_pages_carry_a_strict_content_security_policy(client: httpx.AsyncClient) -> None:
    answer = await client.get("/login")
    assert "default-src 'self'" in answer.headers["content-security-policy"]
    assert '<html lang="en">' in answer.text
    assert 'href="#main"' in answer.text


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil", "x"])
def test_redirects_stay_on_the_console(target: str) -> None:
    assert safe_path(target) == "/"


def test_a_session_needs_a_subject_and_an_expiry() -> None:
    with pytest.raises(NotSignedIn, match="expiry"):
        session_from(jwt.encode({"sub": "a", "sextant_tenant": "t"}, SECRET, algorithm="HS256"))
    session = session_from(token("contributor"))
    assert session.may("write", "mobile")
    assert not session.may("publish", "mobile")
    assert not session.may("read", "elsewhere")


async def test_unknown_pages_and_bad_addresses_are_pages_too(client: httpx.AsyncClient) -> None:
    sign_in(client, token())
    missing = await client.get("/no/such/page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    bad = await client.get(f"/w/mobile/roadmaps/{RID}/versions/first")
    assert bad.status_code == 422
    assert "number" in bad.text
