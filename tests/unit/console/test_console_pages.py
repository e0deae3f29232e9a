"""The console's pages against a fake API (httpx's MockTransport): what it calls, what it
shows, and what it refuses."""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from sextant_console import ConsoleSettings, create_app
from sextant_console.session import COOKIE, NotSignedIn, session_from
from sextant_console.timeline import timeline_svg
from sextant_console.views.roadmaps import parse_inputs
from sextant_console.web import BadForm, safe_path

SECRET = "unit-tests-only-not-a-real-signing-key-0123456789"
RID = "5af25768-21e2-40a5-aa48-65ed010e8c12"
IID = "dcf1dd81-0d2d-4ed6-a8b5-e71b1727432b"


def token(role: str = "product_manager", *, expires_in: int = 3600, **claims: Any) -> str:
    body = {
        "sub": "pm.ana",
        "exp": int(time.time()) + expires_in,
        "sextant_tenant": "acme",
        "sextant_workspaces": {"mobile": role},
        **claims,
    }
    return jwt.encode(body, SECRET, algorithm="HS256")


class FakeApi:
    """Answers by (method, path); records every request."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, str], httpx.Response] = {}
        self.seen: list[httpx.Request] = []

    def on(self, method: str, path: str, status: int = 200, body: Any = None) -> None:
        headers = {
            "content-type": "application/problem+json" if status >= 400 else "application/json"
        }
        self.answers[(method, path)] = httpx.Response(status, json=body or {}, headers=headers)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        found = self.answers.get((request.method, request.url.path))
        if found is None:
            return httpx.Response(404, json={"title": "Not Found", "detail": "no such thing"})
        return found


@pytest.fixture
def api() -> FakeApi:
    return FakeApi()


@pytest.fixture
async def client(api: FakeApi) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(ConsoleSettings(api_url="http://api.test"), transport=httpx.MockTransport(api))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app), base_url="http://console.test"
        ) as test_client,
    ):
        yield test_client


def sign_in(client: httpx.AsyncClient, raw: str) -> None:
    client.cookies.set(COOKIE, raw)


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
    api.on("GET", versions, body={"items": [], "next_cursor": None})
    api.on("GET", f"/v1/workspaces/mobile/roadmaps/{RID}", body={"roadmap_id": RID, "name": "C"})
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
    assert f"{said} — body.model: try wsjf</div>" in page.text
    assert page.text.count("between 0 and 3") == 1


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


async def test_unknown_pages_and_bad_addresses_are_pages_too(client: httpx.AsyncClient) -> None:
    sign_in(client, token())
    missing = await client.get("/no/such/page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    bad = await client.get(f"/w/mobile/roadmaps/{RID}/versions/first")
    assert bad.status_code == 422
    assert "number" in bad.text


async def test_a_workspaces_history_lists_what_changed_since_a_day(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    entry = {
        "event_type": "io.sextant.roadmap.ItemScheduled.v1",
        "occurred_at": "2026-11-20T10:00:00+00:00",
        "actor": "pm.ana",
        "entity_type": "roadmap",
        "subject": RID,
        "changes": [{"field": "horizon", "before": "now", "after": "later"}],
        "correlation_id": "c-1",
    }
    api.on("GET", "/v1/roadmap/audit", body={"items": [entry], "next_cursor": None})
    sign_in(client, token("product_manager"))
    page = await client.get("/audit", params={"service": "roadmap", "workspace": "mobile"})
    assert page.status_code == 200
    asked = api.seen[-1].url.params
    assert (asked["workspace_id"], "subject" in asked) == ("mobile", False)
    assert asked["since"].endswith("T00:00:00Z")  # a week ago, as no day was given
    assert f'subject={RID}&amp;workspace=mobile">{RID}</a>' in page.text  # each entity's own
    chosen = await client.get(
        "/audit", params={"service": "roadmap", "workspace": "mobile", "since": "2026-07-01"}
    )
    assert chosen.status_code == 200
    assert api.seen[-1].url.params["since"] == "2026-07-01T00:00:00Z"
    bad = await client.get(
        "/audit", params={"service": "roadmap", "workspace": "mobile", "since": "July"}
    )
    assert bad.status_code == 422
    assert "Since is a day" in bad.text
    nothing = await client.get("/audit", params={"service": "roadmap"})
    assert nothing.status_code == 422
    assert "Name an entity id, or a workspace" in nothing.text


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
    assert len(nonces) == 3  # tags, vote and merge: nothing to link to
    api.on("POST", f"/v1/workspaces/mobile/feedback/{dup}/merge", body={"id": dup})
    form = {"form_nonce": nonces[-1], "duplicate_id": dup}
    for _ in range(2):
        sent = await client.post(
            f"/w/mobile/feedback/{fid}/merge", data=form, headers={"origin": "http://console.test"}
        )
        assert sent.status_code == 303
    first, repeat = [r.headers["idempotency-key"] for r in api.seen if r.method == "POST"]
    assert first == repeat


OID = "4aee18f9-8301-4dfb-a11b-a2f0640ae45f"
KID = "a3922b8e-6263-46b7-ad85-09aa73790ad4"


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
    api.on("GET", f"/v1/workspaces/mobile/objectives/{OID}", body=an_objective())
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
        body={"aligned_objectives": [below], "roadmap_items": [serving]},
    )
    # The trace reads across workspaces: an organisation-wide reader sees all of it.
    sign_in(client, token(sextant_role="product_manager"))
    page = await client.get(f"/w/mobile/objectives/{OID}")
    assert page.status_code == 200, page.text
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    assert "From the workspaces you read" not in text
    assert "Aligned below it: Faster checkout on web ." in text
    assert f'<a href="/w/web/objectives/{PID}">' in page.text
    assert f'<a href="/w/mobile/roadmaps/{RID}/items/{IID}">One-click pay</a>' in page.text
    assert "(Checkout: in progress, now)" in text
    row = page.text.split(f'id="kr-{KID}"')[1].split("</tr>")[0]
    assert "2 → 4 %" in row
    assert 'class="status-off_track">off track<' in row
    assert "(on track at the last check-in)" in row
    assert '<option value="0.8" selected>' in row
    # check in, define a key result, close the objective
    nonce, *_ = nonces = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)
    assert len(nonces) == 3

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
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
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
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
    assert "Horizon next (2027-Q1)" in text
    assert "rice 80 confidence 80, effort 2, impact 2, reach 100" in text
    assert "3 items, 2 customers, revenue 120000" in text
    assert "pm.ana: now → next (2027-Q1): team busy" in text
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
    before = len(api.seen)
    for action, form in [("status", {"to": "shipped"}), ("serves", {"objective:../x": "on"})]:
        await post_form(client, api, f"/w/mobile/roadmaps/{RID}/items/{IID}/{action}", form, "")
    assert not api.seen[before:]  # refused in the console, never sent


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
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", shown)).split())
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
    before = len(api.seen)
    for step, form in [
        ("key-results", {"title": "T", "baseline": "1", "target": "x", "unit": "%"}),
        ("close", {"outcome": "won"}),
        ("reopen", {}),
    ]:
        await post_form(client, api, f"/w/mobile/objectives/{OID}/{step}", form, "")
    assert not api.seen[before:]  # each refused in the console, never sent


async def test_a_team_records_a_problem_from_the_scoreboard(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/workspaces/mobile/opportunities", body={"items": []})
    api.on("GET", "/v1/workspaces/mobile/problems", body={"items": []})
    api.on("GET", "/v1/workspaces/mobile/demand", body={"targets": []})
    sign_in(client, token())
    page = await client.get("/w/mobile/opportunities")
    assert page.status_code == 200, page.text
    [nonce] = re.findall(r'name="form_nonce" value="([0-9a-f]{32})"', page.text)
    api.on("POST", "/v1/workspaces/mobile/problems", 201, {"id": RID, "consistency_token": "d:3"})
    form = {
        "form_nonce": nonce,
        "title": "Checkout is slow",
        "statement": "Buyers on mobile wait 8 s to pay",
        "severity": "4",
        "frequency": "5",
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
    }
    assert posted.headers["idempotency-key"].startswith("console:")
    odd = await client.post(
        "/w/mobile/problems",
        data={**form, "severity": "9"},
        headers={"origin": "http://console.test"},
    )
    assert odd.status_code == 303
    assert api.seen[-1] is posted  # refused in the console, never sent


SID = "0b6f41f6-5b43-4c5e-9a64-7e33c5a3a1c1"
EID = "6c0e4a57-3a57-4d0e-b0c4-5bb40e0d3c2e"
PID = "d135062e-dbf5-422a-94a0-2ac6c7028f98"


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
    api.on("GET", f"{path}/problems/{PID}", body={"problem_id": PID, "title": "SSO is slow"})
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
    assert item_link + ' <span class="small">(Platform: planned, next, identity)' in page.text
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
    # evaluate, select, propose, observe, conclude, design, decide
    assert len(nonces) == 7

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
    api.on("GET", "/v1/workspaces/mobile/demand", body={"targets": []})
    sign_in(client, token())
    page = await client.get("/w/mobile/opportunities")
    assert f'href="/w/mobile/opportunities/{OID}">One-click SSO<' in page.text
    ticks = re.findall(r'type="checkbox" name="problem:([0-9a-f-]+)"', page.text)
    assert ticks == [PID, other]  # a closed problem takes no opportunity
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
        "profile": {"segment": "smb", "pains": ["invoices", "late payers"]},
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
    revise = page.text.split(f'action="/w/mobile/personas/{PID}"')[1].split("</form>")[0]
    assert "invoices\nlate payers</textarea>" in revise
    assert "Save version 3" in revise


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
    text = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.text)).split())
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
    assert 'action="/w/mobile/strategies"' in page.text
    assert f'name="objective:{OID}"' in page.text
    assert 'action="/w/mobile/decisions"' not in page.text
    concept = " ".join(page.text.split(f'id="concept-{PID}"')[1].split("</details>")[0].split())
    assert "Self-serve SSO</strong>: SSO in ten minutes" in concept
    assert "for IT admin, Owner · apart by presets · 1 opportunities" in concept
    assert "IT admin\nOwner</textarea>" in page.text  # to revise it
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


async def post_form(
    client: httpx.AsyncClient, api: FakeApi, action: str, form: dict[str, str], command: str
) -> tuple[httpx.Response, Any]:
    """Send a console form; the command it sent the API, or None if it sent none."""
    before = len(api.seen)
    page = "http://console.test/w/mobile/strategy"  # where the forms are, errors go back to
    headers = {"origin": "http://console.test", "referer": page}
    sent = await client.post(action, data=form, headers=headers)
    assert sent.status_code == 303, sent.text
    posted = [r for r in api.seen[before:] if r.url.path == command and r.method != "GET"]
    return sent, json.loads(posted[-1].content or b"{}") if posted else None


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
    # Without options listed, the decision taken was the only one.
    sent, body = await post_form(client, api, "/w/mobile/decisions", decided, f"{path}/decisions")
    assert body["options"] == [{"title": "Build it on our identity service"}]
    assert "supersedes" not in body


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
