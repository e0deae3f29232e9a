"""The roadmap as a product manager drives it: build, prioritise, publish, change, compare."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.integration.kit_support import read_topic
from tests.support import eventually

pytestmark = pytest.mark.e2e


@pytest.fixture
async def http(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=10) as client:
        yield client


async def event_count(platform: Platform) -> int:
    conn = await asyncpg.connect(platform.settings.dsn(platform.settings.database("roadmap")))
    try:
        count: int = await conn.fetchval("SELECT count(*) FROM events")
        return count
    finally:
        await conn.close()


def body(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_build_prioritise_publish_change_and_compare_versions(
    http: httpx.AsyncClient, platform: Platform
) -> None:
    ws = f"ws-{uuid.uuid4().hex[:8]}"
    base = f"/v1/workspaces/{ws}/roadmaps"
    rid = body(await http.post(base, json={"name": "Checkout"}), 201)["id"]
    ids = {}
    for title in ("One-click pay", "Saved carts", "Fraud checks"):
        created = await http.post(f"{base}/{rid}/items", json={"title": title, "type": "feature"})
        ids[title] = body(created, 201)["id"]
    items = f"{base}/{rid}/items"

    # Prioritise with two models: RICE and WSJF.
    rice = {
        "One-click pay": (2000, 2, 80, 4),
        "Saved carts": (500, 1, 100, 1),
        "Fraud checks": (300, 3, 50, 3),
    }
    for title, (reach, impact, confidence, effort) in rice.items():
        inputs = {"reach": reach, "impact": impact, "confidence": confidence, "effort": effort}
        body(
            await http.post(
                f"{items}/{ids[title]}/scores", json={"model": "rice", "inputs": inputs}
            )
        )
    wsjf = {"One-click pay": 13, "Saved carts": 5, "Fraud checks": 20}
    for title, value in wsjf.items():
        inputs = {
            "business_value": value,
            "time_criticality": 5,
            "risk_reduction": 3,
            "job_size": 2,
        }
        body(
            await http.post(
                f"{items}/{ids[title]}/scores", json={"model": "wsjf", "inputs": inputs}
            )
        )
    body(
        await http.post(
            f"{items}/{ids['One-click pay']}/schedule",
            json={"horizon": "now", "timeframe": {"kind": "quarter", "value": "2026-Q3"}},
        )
    )
    body(await http.post(f"{items}/{ids['Fraud checks']}/schedule", json={"horizon": "next"}))
    v1 = body(
        await http.post(f"{base}/{rid}/versions", json={"audience": "executives", "title": "Q3"}),
        201,
    )
    assert v1["consistency_token"].startswith("roadmap:")

    # Change it: a new item, a move, a re-score and a status change; then publish v2.
    new = body(await http.post(f"{items}", json={"title": "Gift cards", "type": "experiment"}), 201)
    body(
        await http.post(
            f"{items}/{ids['One-click pay']}/schedule",
            json={
                "horizon": "next",
                "timeframe": {"kind": "quarter", "value": "2026-Q4"},
                "reason": "payments provider delayed",
            },
        )
    )
    inputs = {"reach": 900, "impact": 1, "confidence": 100, "effort": 1}
    body(
        await http.post(
            f"{items}/{ids['Saved carts']}/scores", json={"model": "rice", "inputs": inputs}
        )
    )
    body(await http.post(f"{items}/{ids['Fraud checks']}/status", json={"to": "planned"}))
    body(
        await http.post(
            f"{base}/{rid}/versions", json={"audience": "executives", "title": "Q3 rev"}
        ),
        201,
    )

    diff: dict[str, Any] = {}

    async def compared() -> None:
        response = await http.get(f"{base}/{rid}/diff", params={"from": 1, "to": 2})
        diff.update(body(response))

    await eventually(compared)
    assert diff["roadmap_name"] == "Checkout"
    assert [i["title"] for i in diff["added"]] == ["Gift cards"]
    assert diff["added"][0]["item_id"] == new["id"]
    assert diff["removed"] == []
    [move] = diff["moved"]
    assert move["title"] == "One-click pay"
    assert move["before"] == {"horizon": "now", "timeframe": "2026-Q3"}
    assert move["after"] == {"horizon": "next", "timeframe": "2026-Q4"}
    [rescore] = diff["rescored"]
    assert (rescore["title"], rescore["model"], rescore["before"], rescore["after"]) == (
        "Saved carts",
        "rice",
        500.0,
        900.0,
    )
    [changed] = diff["status_changed"]
    assert (changed["title"], changed["before"], changed["after"]) == (
        "Fraud checks",
        "proposed",
        "planned",
    )

    report = await http.get(
        f"{base}/{rid}/diff", params={"from": 1, "to": 2}, headers={"Accept": "text/markdown"}
    )
    assert report.status_code == 200
    assert report.headers["content-type"].startswith("text/markdown")
    assert report.text.startswith("# Roadmap Checkout changes: v1 (executives) → v2 (executives)")
    assert "## Moved (1)\n\n- One-click pay: now (2026-Q3) → next (2026-Q4)" in report.text
    same = await http.get(f"{base}/{rid}/diff", params={"from": 1, "to": 2, "format": "markdown"})
    assert same.text == report.text

    # Both models rank the items, and a stakeholder may read the published versions only.
    async def ranked() -> None:
        by_wsjf = body(await http.get(f"{base}/{rid}/ranking", params={"model": "wsjf"}))
        titles = [i["title"] for i in by_wsjf["items"]]
        assert titles == ["Fraud checks", "One-click pay", "Saved carts"]
        by_rice = body(await http.get(f"{base}/{rid}/ranking", params={"model": "rice"}))
        assert by_rice["items"][0]["title"] == "Saved carts"
        assert by_rice["items"][0]["score"] == 900

    await eventually(ranked)
    # One item by itself: where it stands, and each model's score with its inputs.
    one = body(await http.get(f"{items}/{ids['Saved carts']}"))
    assert (one["title"], one["status"], one["scores"]["rice"]) == ("Saved carts", "proposed", 900)
    assert one["next_statuses"] == ["planned", "dropped"]
    rice_now = {"reach": 900, "impact": 1, "confidence": 100, "effort": 1}
    details = {d["model"]: d["inputs"] for d in one["score_details"]}
    assert (sorted(details), details["rice"]) == (["rice", "wsjf"], rice_now)
    assert (await http.get(f"{items}/{uuid.uuid4()}")).status_code == 404
    stakeholder = {"X-Sextant-Role": "stakeholder"}
    versions = body(await http.get(f"{base}/{rid}/versions", headers=stakeholder))
    assert [v["version"] for v in versions["items"]] == [1, 2]
    assert versions["roadmap_name"] == "Checkout"  # the board is not theirs, its name is
    second = body(await http.get(f"{base}/{rid}/versions/2", headers=stakeholder))
    assert (second["roadmap_name"], second["title"]) == ("Checkout", "Q3 rev")
    assert (await http.get(f"{base}/{rid}/board", headers=stakeholder)).status_code == 403
    publish = {"audience": "sales", "title": "nope"}
    contributor = {"X-Sextant-Role": "contributor"}
    denied = await http.post(f"{base}/{rid}/versions", json=publish, headers=contributor)
    assert denied.status_code == 403

    # Renamed, the roadmap is named anew wherever it is read; its versions keep their titles.
    renamed = await http.patch(f"{base}/{rid}", json={"name": "Checkout 2027"})
    assert len(body(renamed)["positions"]) == 1
    unchanged = await http.patch(f"{base}/{rid}", json={"name": "Checkout 2027"})
    assert body(unchanged)["positions"] == []
    blank = await http.patch(f"{base}/{rid}", json={"name": " "})
    assert blank.status_code == 422, blank.text
    assert "name" in blank.text
    assert (await http.patch(f"{base}/{uuid.uuid4()}", json={"name": "x"})).status_code == 404

    async def named_anew() -> None:
        listed = body(await http.get(f"{base}/{rid}/versions", headers=stakeholder))
        assert listed["roadmap_name"] == "Checkout 2027"
        found = body(await http.get(f"{base}/{rid}", params={"include_items": "false"}))
        assert (found["name"], found["description"]) == ("Checkout 2027", "")

    await eventually(named_anew)
    second = body(await http.get(f"{base}/{rid}/versions/2", headers=stakeholder))
    assert (second["roadmap_name"], second["title"]) == ("Checkout 2027", "Q3 rev")

    # Every version travelled on Kafka with its content.
    topic = platform.settings.topic("sextant.roadmap.events.v1")
    records = await read_topic(platform.settings.kafka_bootstrap, topic, 10_000, timeout_ms=3000)
    mine = [r for r in records if r.key == rid.encode()]
    types = [dict(r.headers)["ce_type"] for r in mine]
    assert types.count(b"io.sextant.roadmap.RoadmapPublished.v1") == 2
    assert types.count(b"io.sextant.roadmap.ItemScored.v1") == 7
    published = [
        json.loads(r.value) for r in mine if b"RoadmapPublished" in dict(r.headers)["ce_type"]
    ]
    assert [len(p["items"]) for p in published] == [3, 4]


async def test_handoff_to_delivery_and_status_back(
    http: httpx.AsyncClient, platform: Platform
) -> None:
    ws = f"ws-{uuid.uuid4().hex[:8]}"
    base = f"/v1/workspaces/{ws}/roadmaps"
    rid = body(await http.post(base, json={"name": "Mobile"}), 201)["id"]
    iid = body(await http.post(f"{base}/{rid}/items", json={"title": "Push", "type": "epic"}), 201)[
        "id"
    ]
    item = f"{base}/{rid}/items/{iid}"
    early = await http.post(f"{item}/commit", json={"tracker": "jira", "project_key": "MOB"})
    assert early.status_code == 409
    assert early.headers["content-type"] == "application/problem+json"
    body(await http.post(f"{item}/status", json={"to": "planned"}))
    body(await http.post(f"{item}/commit", json={"tracker": "jira", "project_key": "MOB"}))
    report = {
        "tracker": "jira",
        "external_key": "MOB-1",
        "external_status": "Done",
        "state": "done",
        "changed_at": "2026-06-02T10:00:00+02:00",
    }
    body(await http.post(f"{item}/delivery-status", json=report))
    # the ticket's start, arriving after its end, is passed over; a time to come is refused
    late = {**report, "external_status": "In Progress", "state": "in_progress"}
    late["changed_at"] = "2026-06-02T09:00:00+02:00"
    passed_over = body(await http.post(f"{item}/delivery-status", json=late))
    assert passed_over["positions"] == []
    ahead = {**report, "changed_at": (datetime.now(UTC) + timedelta(hours=1)).isoformat()}
    refused = await http.post(f"{item}/delivery-status", json=ahead)
    assert (refused.status_code, refused.json()["errors"][0]["field"]) == (
        422,
        "body.changed_at",
    )

    async def projected() -> None:
        [got] = body(await http.get(f"{base}/{rid}"))["items"] or [{}]
        assert (got.get("committed_to"), got.get("delivery_state")) == ("jira", "done")
        assert (got["committed_to"], got["delivery_state"]) == ("jira", "done")

    await eventually(projected)
    topic = platform.settings.topic("sextant.roadmap.events.v1")
    records = await read_topic(platform.settings.kafka_bootstrap, topic, 10_000, timeout_ms=3000)
    [handoff] = [
        json.loads(r.value)
        for r in records
        if r.key == rid.encode() and b"ItemCommittedToDelivery" in dict(r.headers)["ce_type"]
    ]
    assert (handoff["project_key"], handoff["title"], handoff["type"]) == ("MOB", "Push", "epic")


async def test_invalid_commands_are_422s_naming_the_field_and_write_nothing(
    http: httpx.AsyncClient, platform: Platform
) -> None:
    ws = f"ws-{uuid.uuid4().hex[:8]}"
    rid = body(await http.post(f"/v1/workspaces/{ws}/roadmaps", json={"name": "X"}), 201)["id"]
    before = await event_count(platform)
    bad_formula = await http.put(
        f"/v1/workspaces/{ws}/scoring-formulas/weighted", json={"expression": "(value * 2))"}
    )
    assert bad_formula.status_code == 422
    problem = bad_formula.json()
    assert problem["detail"] == "formula 'weighted': unexpected ')' at column 12"
    assert problem["errors"][0]["field"] == "body.expression"
    bad_type = await http.post(
        f"/v1/workspaces/{ws}/roadmaps/{rid}/items", json={"title": "t", "type": "story"}
    )
    assert bad_type.status_code == 422
    assert "body.type" in [e["field"] for e in bad_type.json()["errors"]]
    assert await event_count(platform) == before


async def test_a_dependency_cycle_is_a_409_naming_it_and_unknowns_are_404(
    http: httpx.AsyncClient,
) -> None:
    ws = f"ws-{uuid.uuid4().hex[:8]}"
    base = f"/v1/workspaces/{ws}/roadmaps"
    rid = body(await http.post(base, json={"name": "Deps"}), 201)["id"]
    a = body(await http.post(f"{base}/{rid}/items", json={"title": "A", "type": "feature"}), 201)[
        "id"
    ]
    b = body(await http.post(f"{base}/{rid}/items", json={"title": "B", "type": "feature"}), 201)[
        "id"
    ]
    deps = f"{base}/{rid}/items"
    body(await http.post(f"{deps}/{a}/dependencies", json={"depends_on_item_id": b}), 201)
    cycle = await http.post(f"{deps}/{b}/dependencies", json={"depends_on_item_id": a})
    assert cycle.status_code == 409
    assert f"'B' ({b}) -> 'A' ({a}) -> 'B' ({b})" in cycle.json()["detail"]
    missing = await http.get(f"{base}/{uuid.uuid4()}/board")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    unknown_item = await http.post(f"{deps}/{uuid.uuid4()}/status", json={"to": "planned"})
    assert unknown_item.status_code == 404
