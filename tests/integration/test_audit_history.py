"""The audit history: field-level before and after, filters, paging and streaming export."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.service import Runtime

from tests.support import eventually, running

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def rt(settings: Settings) -> AsyncIterator[Runtime]:
    async with running(definition, settings) as runtime:
        yield runtime


@pytest.fixture
async def http(rt: Runtime, unique: str) -> AsyncIterator[httpx.AsyncClient]:
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://x",
        headers={"X-Sextant-Tenant": f"t-{unique}", "X-Sextant-Actor": "pat"},
    ) as client:
        yield client


async def audited(rt: Runtime, http: httpx.AsyncClient, count: int, **params: Any) -> Any:
    found: list[Any] = []

    async def enough() -> None:
        await rt.relay().publish_batch()
        page = (await http.get("/v1/feedback/audit", params={"limit": 200, **params})).json()
        assert len(page["items"]) == count
        found[:] = page["items"]

    await eventually(enough, within=30)
    return found


async def test_entries_carry_field_level_before_and_after(
    rt: Runtime, http: httpx.AsyncClient
) -> None:
    before = {"ref": "initech", "name": "Initech", "segment": "smb", "annual_revenue": 1000}
    assert (await http.post("/v1/customers", json=before)).status_code == 201
    after = {"name": "Initech", "segment": "enterprise", "annual_revenue": 250000}
    updated = await http.put("/v1/customers/initech", json=after)
    assert updated.status_code == 200, updated.text
    assert updated.json()["created"] is False  # an update creates nothing

    registered, changed = await audited(rt, http, 2, subject=updated.json()["id"])
    assert registered["actor"] == "pat"
    assert {c["field"]: c["before"] for c in registered["changes"]}["segment"] is None
    changes = {c["field"]: (c["before"], c["after"]) for c in changed["changes"]}
    assert changes["segment"] == ("smb", "enterprise")
    assert changes["annual_revenue"] == ("1000", "250000")
    assert "name" not in changes  # unchanged fields are not listed
    assert changed["event_type"].endswith("CustomerProfileUpdated.v1")
    assert changed["correlation_id"]

    verify = (await http.get("/v1/feedback/audit/verify")).json()
    assert verify["intact"] is True
    assert verify["entries"] == 2


async def test_an_event_about_one_part_of_an_entity_is_compared_with_that_part(
    rt: Runtime, http: httpx.AsyncClient
) -> None:
    """A feedback item's second link and second vote are new parts of it: their before
    values are nothing, not the first link's target or the first voter (which read as if
    the first had been changed into the second). Taking the first link back compares with
    that link."""
    ws = "/v1/workspaces/w1/feedback"
    made = await http.post(ws, json={"text": "Exports are slow", "source": "email"})
    assert made.status_code == 201, made.text
    item = made.json()["id"]
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    for target in (first, second):
        linked = await http.post(
            f"{ws}/{item}/links", json={"target_type": "problem", "target_id": target}
        )
        assert linked.status_code == 200, linked.text
    for voter in ("pat", "sam"):
        voted = await http.post(f"{ws}/{item}/votes", json={}, headers={"X-Sextant-Actor": voter})
        assert voted.status_code == 200, voted.text
    assert (await http.delete(f"{ws}/{item}/links/problem/{first}")).status_code == 200

    _, link_a, link_b, vote_a, vote_b, unlink_a = await audited(rt, http, 6, subject=item)

    def changed(entry: dict[str, Any]) -> dict[str, Any]:
        return {c["field"]: (c["before"], c["after"]) for c in entry["changes"]}

    assert changed(link_a)["target_id"] == (None, first)
    assert changed(link_b)["target_id"] == (None, second)
    assert changed(vote_b)["vote"][0] is None
    assert changed(vote_b)["vote"][1]["voter"] == "sam"
    assert changed(vote_a)["vote"][1]["voter"] == "pat"
    assert "target_id" not in changed(unlink_a)  # the same link, now taken back
    assert changed(unlink_a)["unlinked_at"][0] is None
    # One part's history: the events that name it.
    about_a = await audited(rt, http, 2, subject=item, part=f"target_id={first}")
    assert [e["event_id"] for e in about_a] == [link_a["event_id"], unlink_a["event_id"]]
    voted_sam = await audited(rt, http, 1, subject=item, part="vote.voter=sam")
    assert voted_sam[0]["event_id"] == vote_b["event_id"]
    # A vote taken back reads as the vote gone, and cast again as the vote back.
    pat = {"X-Sextant-Actor": "pat"}
    assert (await http.delete(f"{ws}/{item}/votes", headers=pat)).status_code == 200
    assert (await http.post(f"{ws}/{item}/votes", json={}, headers=pat)).status_code == 200
    *_, withdrawn, again = await audited(rt, http, 8, subject=item)
    assert changed(withdrawn)["vote"] == (changed(vote_a)["vote"][1], None)
    assert changed(withdrawn)["voted_at"][1] is None
    assert changed(again)["vote"][0] is None
    assert changed(again)["withdrawn_at"][1] is None
    for odd in ({"part": f"target_id={first}"}, {"subject": item, "part": "target_id"}):
        refused = await http.get("/v1/feedback/audit", params=odd)
        assert refused.status_code == 422
        assert "part" in refused.text


async def test_filters_pages_and_exports(rt: Runtime, http: httpx.AsyncClient) -> None:
    start = datetime.now(UTC) - timedelta(seconds=1)
    for i in range(5):
        item = {"text": f"note {i}", "source": "email"}
        # one actor's name a spreadsheet would run as a formula: exported as text
        who = {"x-sextant-actor": "=HYPERLINK(1)"} if i == 3 else {}
        posted = await http.post(f"/v1/workspaces/ws-{i % 2}/feedback", json=item, headers=who)
        assert posted.is_success
    await audited(rt, http, 5, since=start.isoformat())

    in_ws0 = await audited(rt, http, 3, workspace_id="ws-0")
    assert {e["workspace_id"] for e in in_ws0} == {"ws-0"}
    assert await audited(rt, http, 0, actor="someone-else") == []
    received = "io.sextant.feedback.FeedbackReceived.v1"
    assert len(await audited(rt, http, 5, event_type=received)) == 5
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await audited(rt, http, 0, since=future) == []

    seen, cursor = [], None
    while True:
        params: dict[str, str | int] = {"limit": 2, "event_type": received}
        if cursor:
            params["cursor"] = cursor
        page = (await http.get("/v1/feedback/audit", params=params)).json()
        seen += [e["event_id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == 5

    jsonl = await http.get("/v1/feedback/audit/export", params={"event_type": received})
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [entry["event_id"] for entry in lines] == seen

    exported = await http.get(
        "/v1/feedback/audit/export", params={"format": "csv", "workspace_id": "ws-1"}
    )
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 2
    assert json.loads(rows[0]["changes"])[0]["field"]
    assert sorted(r["actor"] for r in rows) == ["'=HYPERLINK(1)", "pat"]

    bad = await http.get(
        "/v1/feedback/audit/export", params={"since": future, "until": start.isoformat()}
    )
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.since"
    before_utc = await http.get("/v1/feedback/audit", params={"until": "0001-01-01T03:00+04:00"})
    assert (before_utc.status_code, before_utc.json()["errors"][0]["field"]) == (422, "query.until")
