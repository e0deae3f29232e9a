"""The roadmap service in one process: HTTP -> store -> relay -> Kafka -> projections -> queries."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sextant_kit.service import Runtime

from tests.integration.roadmap.conftest import ok
from tests.support import eventually, team_member

pytestmark = pytest.mark.integration


async def test_board_timeline_kanban_swimlanes_and_ranking_follow_the_events(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    ws = f"ws-{unique}"
    base = f"/v1/workspaces/{ws}/roadmaps"
    rid = (await ok(await client.post(base, json={"name": "Payments"}), 201))["id"]
    items: dict[str, str] = {}
    growth, retention = str(uuid.uuid4()), str(uuid.uuid4())
    for title, team, objective in [
        ("Wallet", "core", growth),
        ("Refunds", "core", retention),
        ("Ledger", "platform", growth),
    ]:
        body = {"title": title, "type": "feature", "team": team, "objective_ids": [objective]}
        items[title] = (await ok(await client.post(f"{base}/{rid}/items", json=body), 201))["id"]
    item = f"{base}/{rid}/items"
    await ok(
        await client.post(
            f"{item}/{items['Wallet']}/schedule",
            json={"horizon": "now", "timeframe": {"kind": "quarter", "value": "2026-Q3"}},
        )
    )
    await ok(
        await client.post(
            f"{item}/{items['Ledger']}/schedule",
            json={
                "horizon": "next",
                "timeframe": {"kind": "month", "value": "2026-11"},
                "reason": "the provider is late",
            },
        )
    )
    await ok(
        await client.post(
            f"{item}/{items['Wallet']}/dependencies", json={"depends_on_item_id": items["Ledger"]}
        ),
        201,
    )
    planned = await ok(
        await client.post(f"{item}/{items['Refunds']}/status", json={"to": "planned"})
    )
    assert planned["created"] is False  # a change, not a new resource
    for title, reach in [("Wallet", 100), ("Refunds", 900), ("Ledger", 400)]:
        inputs = {"reach": reach, "impact": 2, "confidence": 80, "effort": 2}
        await ok(
            await client.post(
                f"{item}/{items[title]}/scores", json={"model": "rice", "inputs": inputs}
            )
        )
    relay = runtime.relay()

    async def projected() -> None:
        # keep publishing: transactions elsewhere on the server can hold the visible xmin back
        await relay.publish_batch()
        board = await ok(await client.get(f"{base}/{rid}/board"))
        cols = {k: [i["title"] for i in v] for k, v in board["columns"].items()}
        assert cols == {
            "now": ["Wallet"],
            "next": ["Ledger"],
            "later": [],
            "unscheduled": ["Refunds"],
        }
        ranking = await ok(await client.get(f"{base}/{rid}/ranking", params={"model": "rice"}))
        assert [i["title"] for i in ranking["items"]] == ["Refunds", "Ledger", "Wallet"]

    await eventually(projected)

    kanban = await ok(await client.get(f"{base}/{rid}/kanban"))
    assert [i["title"] for i in kanban["columns"]["planned"]] == ["Refunds"]
    assert [i["title"] for i in kanban["columns"]["proposed"]] == ["Wallet", "Ledger"]
    lanes = await ok(await client.get(f"{base}/{rid}/swimlanes", params={"by": "objective"}))
    assert {lane["key"]: [i["title"] for i in lane["items"]] for lane in lanes["lanes"]} == {
        growth: ["Wallet", "Ledger"],
        retention: ["Refunds"],
    }
    teams = await ok(await client.get(f"{base}/{rid}/swimlanes", params={"by": "team"}))
    assert [lane["key"] for lane in teams["lanes"]] == ["core", "platform"]
    # a long roadmap's views keep to the first items of each column or lane, counting all
    first = {"limit": 1}
    kanban = await ok(await client.get(f"{base}/{rid}/kanban", params=first))
    assert [i["title"] for i in kanban["columns"]["proposed"]] == ["Wallet"]
    assert (kanban["totals"]["proposed"], kanban["totals"]["planned"]) == (2, 1)
    lanes = await ok(
        await client.get(f"{base}/{rid}/swimlanes", params={**first, "by": "objective"})
    )
    assert {lane["key"]: (len(lane["items"]), lane["total"]) for lane in lanes["lanes"]} == {
        growth: (1, 2),
        retention: (1, 1),
    }
    top = await ok(await client.get(f"{base}/{rid}/ranking", params={**first, "model": "rice"}))
    assert ([i["title"] for i in top["items"]], top["total"]) == (["Refunds"], 3)
    unscored = await ok(
        await client.get(f"{base}/{rid}/ranking", params={**first, "model": "wsjf"})
    )
    assert (len(unscored["unscored"]), unscored["unscored_total"]) == (1, 3)
    timeline = await ok(await client.get(f"{base}/{rid}/timeline"))
    assert [i["title"] for i in timeline["items"]] == ["Wallet", "Ledger"]
    wallet = timeline["items"][0]
    assert wallet["start_date"] == "2026-07-01"
    assert wallet["end_date"] == "2026-09-30"
    assert wallet["flags"][0]["depends_on"] == items["Ledger"]
    assert "before" in wallet["flags"][0]["reason"]
    moves = await ok(await client.get(f"{item}/{items['Wallet']}/moves"))
    assert moves["items"][0]["to_timeframe"] == "2026-Q3"
    assert (await client.get(f"{item}/{uuid.uuid4()}/moves")).status_code == 404
    manual = await ok(await client.get(f"{base}/{rid}/ranking"))
    assert [i["title"] for i in manual["items"]] == ["Wallet", "Refunds", "Ledger"]
    unused = await ok(await client.get(f"{base}/{rid}/ranking", params={"model": "wsjf"}))
    assert (unused["items"], len(unused["unscored"])) == ([], 3)
    typo = await client.get(f"{base}/{rid}/ranking", params={"model": "rcie"})
    assert typo.status_code == 422, typo.text
    assert typo.json()["errors"][0]["field"] == "query.model"
    assert "rank by one of: ice, manual, rice, value_effort, wsjf" in typo.json()["detail"]
    listed = await ok(await client.get(base))
    assert [r["roadmap_id"] for r in listed["items"]] == [rid]

    # Ledger is dropped: it leaves the timeline, and Wallet, which waits for it, says so
    drop = {"to": "dropped", "reason": "the provider does it"}
    await ok(await client.post(f"{item}/{items['Ledger']}/status", json=drop))

    async def dropped() -> None:
        await relay.publish_batch()
        timeline = await ok(await client.get(f"{base}/{rid}/timeline"))
        assert [i["title"] for i in timeline["items"]] == ["Wallet"]
        assert timeline["items"][0]["flags"] == [
            {"depends_on": items["Ledger"], "reason": "depends on an item that was dropped"}
        ]

    await eventually(dropped, within=60)

    # Wallet's first ICE score is a new score, not its RICE score changed
    ice = {"model": "ice", "inputs": {"impact": 5, "confidence": 5, "ease": 5}}
    await ok(await client.post(f"{item}/{items['Wallet']}/scores", json=ice))

    async def audited() -> None:
        await relay.publish_batch()
        scored = {"subject": rid, "event_type": "io.sextant.roadmap.ItemScored.v1"}
        entries = (await ok(await client.get("/v1/roadmap/audit", params=scored)))["items"]
        ices = [e for e in entries if e["data"]["model"] == "ice"]
        assert len(ices) == 1, entries
        assert {c["field"]: c["before"] for c in ices[0]["changes"]}["score"] is None
        # the drop's reason is its own, not a change of the move's before it
        changed = {"subject": rid, "event_type": "io.sextant.roadmap.ItemStatusChanged.v1"}
        entries = (await ok(await client.get("/v1/roadmap/audit", params=changed)))["items"]
        [drop] = [e for e in entries if e["data"]["item_id"] == items["Ledger"]]
        reason = {c["field"]: (c["before"], c["after"]) for c in drop["changes"]}["reason"]
        assert reason == (None, "the provider does it")

    await eventually(audited)


async def test_custom_formula_versions_and_delivery_handoff_are_projected(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    ws = f"ws-{unique}"
    formula = {"expression": "(value * 2 + urgency) / max(effort, 1)"}
    weighted = f"/v1/workspaces/{ws}/scoring-formulas/weighted"
    key = {"Idempotency-Key": f"weighted-{unique}"}
    made = await ok(await client.put(weighted, json=formula, headers=key), 201)
    assert made["created"] is True
    revised = {"expression": "(value * 3 + urgency) / max(effort, 1)"}
    assert (await ok(await client.put(weighted, json=revised)))["created"] is False
    # sent again under its key, after the revision: answered as the first time, 201 and all
    assert await ok(await client.put(weighted, json=formula, headers=key), 201) == made
    assert (await ok(await client.put(weighted, json=formula)))["created"] is False
    built_in = await client.put(f"/v1/workspaces/{ws}/scoring-formulas/rice", json=formula)
    assert (built_in.status_code, built_in.json()["errors"][0]["field"]) == (422, "path.name")
    nan = await client.put(weighted, json={"expression": "value * 1e999"})
    assert nan.status_code == 422, nan.text
    assert nan.json()["errors"][0]["field"] == "body.expression"
    base = f"/v1/workspaces/{ws}/roadmaps"
    rid = (await ok(await client.post(base, json={"name": "Growth"}), 201))["id"]
    iid = (
        await ok(
            await client.post(f"{base}/{rid}/items", json={"title": "Onboarding", "type": "epic"}),
            201,
        )
    )["id"]
    item = f"{base}/{rid}/items/{iid}"
    inputs = {"value": 5, "urgency": 2, "effort": 3}
    await ok(await client.post(f"{item}/scores", json={"model": "weighted", "inputs": inputs}))
    await ok(await client.post(f"{item}/status", json={"to": "planned"}))
    await ok(
        await client.post(f"{base}/{rid}/versions", json={"audience": "sales", "title": "Q3"}), 201
    )
    await ok(await client.post(f"{item}/commit", json={"tracker": "jira", "project_key": "GRO"}))
    status = {
        "tracker": "jira",
        "external_key": "GRO-12",
        "external_status": "In Dev",
        "state": "in_progress",
    }
    unsafe = await client.post(f"{item}/delivery-status", json={**status, "url": "javascript:x"})
    assert (unsafe.status_code, unsafe.json()["errors"][0]["field"]) == (422, "body.url")
    status["url"] = "https://jira.example/browse/GRO-12"
    await ok(await client.post(f"{item}/delivery-status", json=status))
    relay = runtime.relay()

    async def projected() -> None:
        # keep publishing: transactions elsewhere on the server can hold the visible xmin back
        await relay.publish_batch()
        roadmap = await ok(await client.get(f"{base}/{rid}"))
        got = roadmap["items"][0]
        assert got["scores"] == {"weighted": 4.0}
        assert (got["committed_to"], got["delivery_state"], got["delivery_key"]) == (
            "jira",
            "in_progress",
            "GRO-12",
        )
        assert got["status"] == "in_progress"  # the tracker's work started
        assert got["delivery_url"] == "https://jira.example/browse/GRO-12"
        versions = await ok(await client.get(f"{base}/{rid}/versions"))
        assert [v["version"] for v in versions["items"]] == [1]
        formulas = await ok(await client.get(f"/v1/workspaces/{ws}/scoring-formulas"))
        assert formulas["items"][0]["inputs"] == ["effort", "urgency", "value"]

    await eventually(projected)
    v1 = await ok(await client.get(f"{base}/{rid}/versions/1"))
    assert v1["audience"] == "sales"
    assert "scores" not in v1["fields"]
    assert v1["items"][0]["scores"] is None
    assert v1["items"][0]["title"] == "Onboarding"
    # the same version for a spreadsheet: the columns sales were shown
    sheet = await client.get(f"{base}/{rid}/versions/1", headers={"accept": "text/csv"})
    assert (sheet.status_code, sheet.headers["content-type"]) == (200, "text/csv; charset=utf-8")
    assert sheet.headers["content-disposition"] == 'attachment; filename="Growth-v1.csv"'
    assert sheet.text.splitlines() == [
        "title,type,status,horizon,timeframe,start,end,description",
        "Onboarding,epic,planned,,,,,",
    ]
    asked = await client.get(f"{base}/{rid}/versions/1", params={"format": "csv"})
    assert asked.text == sheet.text
    odd = await client.get(f"{base}/{rid}/versions/1", params={"format": "xlsx"})
    assert (odd.status_code, odd.json()["errors"][0]["field"]) == (422, "query.format")


async def test_a_batch_import_a_limited_board_and_the_published_roadmaps(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    ws = f"ws-{unique}"
    base = f"/v1/workspaces/{ws}/roadmaps"
    rid = (await ok(await client.post(base, json={"name": "Imported"}), 201))["id"]
    hidden = (await ok(await client.post(base, json={"name": "Draft"}), 201))["id"]
    horizons = ["now", "now", "now", "next", None, None, "later"]
    batch = [
        {"title": f"Item {n}", "type": "feature", **({"horizon": h} if h else {})}
        for n, h in enumerate(horizons)
    ]
    imported = await ok(await client.post(f"{base}/{rid}/items/batch", json={"items": batch}))
    assert len(imported["item_ids"]) == len(horizons)
    # a batch's items under a key and a single add under "<that key>/0" are two items
    other = (await ok(await client.post(base, json={"name": "Keyed"}), 201))["id"]
    keyed = {"Idempotency-Key": f"imp-{unique}"}
    one = [{"title": "Keyed", "type": "feature"}]
    await ok(await client.post(f"{base}/{other}/items/batch", json={"items": one}, headers=keyed))
    single = {"Idempotency-Key": f"imp-{unique}/0"}
    alone = {"title": "Alone", "type": "feature"}
    added = await ok(await client.post(f"{base}/{other}/items", json=alone, headers=single), 201)
    # sent again under its key, it is answered as the first time: 201 and all, nothing added
    again = await ok(await client.post(f"{base}/{other}/items", json=alone, headers=single), 201)
    assert again == added
    bad = [
        {"title": "Fine", "type": "feature"},
        {"title": "Odd", "type": "feature", "horizon": "soon"},
    ]
    refused = await client.post(f"{base}/{rid}/items/batch", json={"items": bad})
    assert refused.status_code == 422
    assert "body.items.1.horizon" in refused.text
    await ok(
        await client.post(f"{base}/{rid}/versions", json={"audience": "sales", "title": "v1"}), 201
    )
    relay = runtime.relay()

    async def projected() -> None:
        await relay.publish_batch()
        board = await ok(await client.get(f"{base}/{rid}/board", params={"limit": 2}))
        assert board["totals"] == {"now": 3, "next": 1, "later": 1, "unscheduled": 2}
        assert [i["title"] for i in board["columns"]["now"]] == ["Item 0", "Item 1"]
        timeline = await ok(await client.get(f"{base}/{rid}/timeline", params={"limit": 1}))
        assert (len(timeline["items"]), timeline["total"]) == (1, 5)
        stakeholder = {"X-Sextant-Role": "stakeholder"}
        listed = await ok(
            await client.get(f"/v1/workspaces/{ws}/published-roadmaps", headers=stakeholder)
        )
        assert [(r["roadmap_id"], r["latest_version"]) for r in listed["items"]] == [(rid, 1)]
        assert hidden not in str(listed)

    await eventually(projected, within=30)
    only = await ok(await client.get(f"{base}/{rid}", params={"include_items": "false"}))
    assert "items" not in only
    forbidden = await client.get(base, headers={"X-Sextant-Role": "stakeholder"})
    assert forbidden.status_code == 403


async def test_a_portfolio_roadmap_opens_from_every_workspace_it_spans(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    owner, spanned, other = (f"{w}-{unique}" for w in ("a", "b", "c"))
    body = {"name": "Platform", "scope": "portfolio", "workspaces": [spanned]}
    rid = (await ok(await client.post(f"/v1/workspaces/{owner}/roadmaps", json=body), 201))["id"]
    item = {"title": "Shared login", "type": "epic", "item_workspace_id": spanned}
    path = f"/v1/workspaces/{owner}/roadmaps/{rid}"
    shared = (await ok(await client.post(f"{path}/items", json=item), 201))["id"]
    publish = {"audience": "executives", "title": "H2"}
    await ok(await client.post(f"{path}/versions", json=publish), 201)
    relay = runtime.relay()

    async def listed_and_opened() -> None:
        await relay.publish_batch()
        there = f"/v1/workspaces/{spanned}"
        listed = await ok(await client.get(f"{there}/roadmaps"))
        assert [r["roadmap_id"] for r in listed["items"]] == [rid]
        opened = await ok(await client.get(f"{there}/roadmaps/{rid}"))
        assert [i["title"] for i in opened["items"]] == ["Shared login"]
        board = await ok(await client.get(f"{there}/roadmaps/{rid}/board"))
        assert board["totals"]["unscheduled"] == 1
        versions = await ok(await client.get(f"{there}/roadmaps/{rid}/versions"))
        assert [v["version"] for v in versions["items"]] == [1]
        v1 = await ok(await client.get(f"{there}/roadmaps/{rid}/versions/1"))
        assert v1["title"] == "H2"
        published = await ok(await client.get(f"{there}/published-roadmaps"))
        assert [r["roadmap_id"] for r in published["items"]] == [rid]

    await eventually(listed_and_opened)
    # its items filed under a workspace are that workspace's: a team member of the owning
    # workspace alone neither reads them nor files one there
    owners = team_member("local", {owner: "product_manager"})
    opened = await ok(await client.get(path, headers=owners))
    assert opened["items"] == []
    board = await ok(await client.get(f"{path}/board", params={"limit": 5}, headers=owners))
    assert board["totals"]["unscheduled"] == 0
    filed = await client.post(f"{path}/items", json=item, headers=owners)
    assert filed.status_code == 403, filed.text
    batch = {"items": [{"title": "Ok", "type": "feature"}, item]}
    assert (await client.post(f"{path}/items/batch", json=batch, headers=owners)).status_code == 403
    mine = await client.post(
        f"{path}/items", json={"title": "Ours", "type": "feature"}, headers=owners
    )
    assert mine.status_code == 201, mine.text
    # nor changes it
    for method, suffix, change in [
        ("PATCH", "", {"title": "hacked"}),
        ("POST", "/status", {"to": "planned"}),
        ("POST", "/schedule", {"horizon": "now"}),
        ("POST", "/dependencies", {"depends_on_item_id": mine.json()["id"]}),
    ]:
        url = f"{path}/items/{shared}{suffix}"
        changed = await client.request(method, url, json=change, headers=owners)
        assert changed.status_code == 403, (suffix, changed.text)
    reorder = {"order": [shared]}
    assert (await client.put(f"{path}/order", json=reorder, headers=owners)).status_code == 403
    # nor publishes it to an audience
    version = {"audience": "engineering", "title": "All of it"}
    published = await client.post(f"{path}/versions", json=version, headers=owners)
    assert published.status_code == 403, published.text
    elsewhere = f"/v1/workspaces/{other}/roadmaps/{rid}"
    for suffix in ("", "/versions/1", "/versions"):
        assert (await client.get(elsewhere + suffix)).status_code == 404
    # nor its moves
    moves = await client.get(f"{path}/items/{shared}/moves", headers=owners)
    assert moves.status_code == 404


async def test_a_stakeholder_reads_the_versions_published_for_their_audience(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    """A sales stakeholder whose token names their audience reads what was published for
    sales, not the executives' version; the team reads every version."""
    ws = f"ws-{unique}"
    base = f"/v1/workspaces/{ws}/roadmaps"
    rid = (await ok(await client.post(base, json={"name": "Payments"}), 201))["id"]
    quiet = (await ok(await client.post(base, json={"name": "Board only"}), 201))["id"]
    for path in (rid, quiet):
        item = {"title": "Instant payouts", "type": "feature"}
        await ok(await client.post(f"{base}/{path}/items", json=item), 201)
    for audience, path in (("sales", rid), ("executives", rid), ("executives", quiet)):
        body = {"audience": audience, "title": f"For {audience}"}
        await ok(await client.post(f"{base}/{path}/versions", json=body), 201)
    sales = team_member("local", {ws: "stakeholder"}, sextant_audiences=["sales"])
    anyone = team_member("local", {ws: "stakeholder"})
    relay = runtime.relay()

    async def published() -> None:
        await relay.publish_batch()
        listed = await ok(await client.get(f"/v1/workspaces/{ws}/published-roadmaps"))
        assert sorted((r["roadmap_id"], r["latest_version"]) for r in listed["items"]) == sorted(
            [(rid, 2), (quiet, 1)]
        )

    await eventually(published, within=30)
    theirs = await ok(await client.get(f"/v1/workspaces/{ws}/published-roadmaps", headers=sales))
    assert [(r["roadmap_id"], r["latest_version"]) for r in theirs["items"]] == [(rid, 1)]
    versions = await ok(await client.get(f"{base}/{rid}/versions", headers=sales))
    assert [(v["version"], v["audience"]) for v in versions["items"]] == [(1, "sales")]
    assert (await client.get(f"{base}/{rid}/versions/1", headers=sales)).status_code == 200
    for path in (f"{base}/{rid}/versions/2", f"{base}/{rid}/diff?from=1&to=2"):
        hidden = await client.get(path, headers=sales)
        assert hidden.status_code == 404, (path, hidden.text)
        assert "For executives" not in hidden.text
    # a stakeholder whose token names no audience, and the team, read every version
    for headers in (anyone, {}):
        every = await ok(await client.get(f"{base}/{rid}/versions", headers=headers))
        assert [v["version"] for v in every["items"]] == [1, 2]


async def test_an_archived_roadmap_leaves_the_list_and_takes_no_changes_until_restored(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    base = f"/v1/workspaces/ar-{unique}/roadmaps"
    rid = (await ok(await client.post(base, json={"name": "FY26"}), 201))["id"]
    item = {"title": "Wallets", "type": "feature"}
    await ok(await client.post(f"{base}/{rid}/items", json=item), 201)
    await ok(
        await client.post(f"{base}/{rid}/versions", json={"audience": "sales", "title": "v1"}), 201
    )
    archived = await client.post(f"{base}/{rid}/archive", json={"note": "FY26 is over"})
    assert len((await ok(archived))["positions"]) == 1
    events = await runtime.pool.fetchval("SELECT count(*) FROM events")
    again = await client.post(f"{base}/{rid}/archive")
    assert (await ok(again))["positions"] == []  # it is already
    refused = await client.post(f"{base}/{rid}/items", json=item)
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"].endswith("/roadmap-archived")
    assert "restore it" in refused.json()["detail"]
    renamed = await client.patch(f"{base}/{rid}", json={"name": "Old"})
    assert renamed.status_code == 409, renamed.text
    assert await runtime.pool.fetchval("SELECT count(*) FROM events") == events
    relay = runtime.relay()

    async def put_away() -> None:
        await relay.publish_batch()
        shown = (await ok(await client.get(base, params={"archived": "true"})))["items"]
        assert [(r["roadmap_id"], r["archived_note"]) for r in shown] == [(rid, "FY26 is over")]
        assert shown[0]["archived_at"] is not None
        assert (await ok(await client.get(base)))["items"] == []
        assert (await ok(await client.get(f"/v1/workspaces/ar-{unique}/published-roadmaps")))[
            "items"
        ] == []
        # its published version stays readable by its link
        assert (await ok(await client.get(f"{base}/{rid}/versions/1")))["title"] == "v1"

    await eventually(put_away)
    await ok(await client.post(f"{base}/{rid}/restore"))
    await ok(await client.post(f"{base}/{rid}/items", json=item), 201)

    async def back() -> None:
        await relay.publish_batch()
        listed = (await ok(await client.get(base)))["items"]
        assert [(r["roadmap_id"], r["archived_at"], r["archived_note"]) for r in listed] == [
            (rid, None, None)
        ]
        assert len((await ok(await client.get(f"{base}/{rid}")))["items"]) == 2

    await eventually(back)
    # The version read is the one an If-Match names: six events, the roadmap's and its items'
    version = (await ok(await client.get(f"{base}/{rid}")))["version"]
    assert version == 6
    renamed = await client.patch(f"{base}/{rid}", json={"name": "FY26+"}, headers={"If-Match": "6"})
    await ok(renamed, 200)
