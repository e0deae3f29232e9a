"""The audit history pages: an entity's or a workspace's history, exported as a file, and
its hash chain verified."""

from __future__ import annotations

import httpx

from tests.unit.console.support import IID, RID, FakeApi, sign_in, token, words

SCHEDULED = {
    "event_type": "io.sextant.roadmap.ItemScheduled.v1",
    "occurred_at": "2026-11-20T10:00:00+00:00",
    "actor": "pm.ana",
    "entity_type": "roadmap",
    "subject": RID,
    "changes": [{"field": "horizon", "before": "now", "after": "later"}],
    "correlation_id": "c-1",
}


async def test_a_workspaces_history_lists_what_changed_since_a_day(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/roadmap/audit", body={"items": [SCHEDULED], "next_cursor": None})
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


async def test_a_history_is_exported_as_the_api_streams_it(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/roadmap/audit", body={"items": [], "next_cursor": None})
    rows = b"event_id,occurred_at\n" + b"".join(b"e%d,2026-11-20\n" % n for n in range(3))
    api.on_file("/v1/roadmap/audit/export", rows, "text/csv")
    sign_in(client, token("product_manager"))
    page = await client.get("/audit", params={"service": "roadmap", "workspace": "mobile"})
    files = page.text.split('id="audit-files"')[1].split("</p>")[0]
    assert "/audit/export?service=roadmap&amp;subject=&amp;workspace=mobile&amp;since=" in files
    assert "/audit/verify?service=roadmap&amp;workspace=mobile" in files
    got = await client.get(
        "/audit/export",
        params={"service": "roadmap", "workspace": "mobile", "since": "2026-07-01"},
    )
    assert got.status_code == 200
    assert got.content == rows
    assert got.headers["content-type"].startswith("text/csv")
    disposition = got.headers["content-disposition"]
    assert disposition == 'attachment; filename="roadmap-audit-mobile.csv"'
    asked = api.seen[-1].url.params
    assert (asked["workspace_id"], asked["since"], asked["format"]) == (
        "mobile",
        "2026-07-01T00:00:00Z",
        "csv",
    )
    # an entity's history as JSON Lines; a name the header cannot hold is not passed on
    api.on_file("/v1/roadmap/audit/export", b"{}\n", "application/x-ndjson")
    odd = await client.get(
        "/audit/export", params={"service": "roadmap", "subject": 'a"b\\c', "format": "jsonl"}
    )
    assert odd.headers["content-disposition"] == 'attachment; filename="roadmap-audit-a_b_c.jsonl"'
    # refused by the API: its problem as a page, not half a file
    api.on("GET", "/v1/roadmap/audit/export", 403, {"title": "Forbidden", "detail": "no"})
    refused = await client.get("/audit/export", params={"service": "roadmap", "workspace": "x"})
    assert refused.status_code == 403
    assert "text/html" in refused.headers["content-type"]
    unknown = await client.get("/audit/export", params={"service": "billing", "subject": RID})
    assert unknown.status_code == 422


async def test_a_workspaces_hash_chain_is_verified(client: httpx.AsyncClient, api: FakeApi) -> None:
    intact = {"workspace_id": "mobile", "entries": 42, "intact": True}
    api.on("GET", "/v1/query/audit/verify", body=intact)
    sign_in(client, token("product_manager"))
    page = await client.get("/audit/verify", params={"service": "query", "workspace": "mobile"})
    assert page.status_code == 200
    assert api.seen[-1].url.params["workspace_id"] == "mobile"
    report = words(page.text.split('id="chain-report"')[1].split("</div>")[0])
    assert "hash chain for mobile holds: 42 entries" in report
    broken = {
        **intact,
        "intact": False,
        "first_broken_seq": 17,
        "first_broken_event": RID,
        "reason": "the entry's hash does not match its content",
    }
    api.on("GET", "/v1/query/audit/verify", body=broken)
    page = await client.get("/audit/verify", params={"service": "query", "workspace": "mobile"})
    report = words(page.text.split('id="chain-report"')[1].split("</div>")[0])
    assert f"is broken at entry 17 (event {RID}): the entry's hash does not match" in report
    assert 'role="alert"' in page.text


async def test_one_items_history_asks_for_the_entries_that_name_it(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/roadmap/audit", body={"items": [SCHEDULED], "next_cursor": "c2"})
    sign_in(client, token("product_manager"))
    part = f"item_id={IID}"
    asked = {"service": "roadmap", "subject": RID, "part": part, "workspace": "mobile"}
    page = await client.get("/audit", params=asked)
    assert page.status_code == 200
    assert api.seen[-1].url.params["part"] == part
    text = words(page.text)
    assert f"Only the changes to one part of {RID}: {part}. The whole history" in text
    for link in ('"/audit/export?', '"?'):  # the file and the next page
        assert f"{link}service=roadmap&amp;subject={RID}&amp;part=item_id%3D{IID}" in page.text
    # A workspace's history has no parts: the part is dropped, not sent.
    await client.get("/audit", params={"service": "roadmap", "part": part, "workspace": "m"})
    assert "part" not in api.seen[-1].url.params
