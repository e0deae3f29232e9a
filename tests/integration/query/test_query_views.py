"""Commands to strategy, roadmap, discovery and feedback over HTTP -> their relays -> Kafka ->
the query service's projections -> the cross-context views over HTTP."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sextant_kit.tenancy import TenantReads

from tests.integration.query.conftest import Platform
from tests.support import eventually, team_member

pytestmark = [pytest.mark.integration, pytest.mark.timeout(300)]
WITHIN = 150
"""Seconds to wait for the projections: generous, as the machine is shared with other runs."""


async def ok(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


@dataclass
class World:
    """What one tenant set up: ids by name."""

    headers: dict[str, str]
    a: str
    b: str
    ids: dict[str, str]


async def build(platform: Platform, unique: str) -> World:
    h = {"X-Sextant-Tenant": f"t-{unique}", "X-Sextant-Role": "admin"}
    a, b = f"a-{unique}", f"b-{unique}"
    s, r, d, f = (platform.clients[c] for c in ("strategy", "roadmap", "discovery", "feedback"))
    ids: dict[str, str] = {}
    period = {"quarter": "2026-Q3"}

    async def objective(path: str, name: str) -> str:
        body = {"title": name, "period": period}
        ids[name] = (await ok(await s.post(path, json=body, headers=h)))["id"]
        return ids[name]

    await objective("/v1/organisation/objectives", "grow")
    convert = await objective(f"/v1/workspaces/{a}/objectives", "convert")
    await objective(f"/v1/workspaces/{b}/objectives", "retain")
    kr = {"title": "Trials", "baseline": 0, "target": 100, "unit": "%", "direction": "increase"}
    base = f"/v1/workspaces/{a}/objectives/{convert}"
    key_result = (await ok(await s.post(f"{base}/key-results", json=kr, headers=h)))[
        "key_result_id"
    ]
    check_in = {"value": 40, "confidence": 0.9}
    await ok(await s.post(f"{base}/key-results/{key_result}/check-ins", json=check_in, headers=h))
    aligned = {"parent_id": ids["grow"]}  # the team's objective serves the organisation's
    await ok(await s.put(f"{base}/parent", json=aligned, headers=h), 200)

    ws = f"/v1/workspaces/{a}"
    problem = {"title": "Invoicing", "statement": "Takes hours", "severity": 4, "frequency": 5}
    ids["problem"] = (await ok(await d.post(f"{ws}/problems", json=problem, headers=h)))["id"]
    opportunity = {"title": "Instant invoices", "problem_ids": [ids["problem"]]}
    ids["opportunity"] = (
        await ok(await d.post(f"{ws}/opportunities", json=opportunity, headers=h))
    )["id"]
    opp = f"{ws}/opportunities/{ids['opportunity']}"
    inputs = {
        "reach": 1000,
        "pain_severity": 4,
        "frequency": 5,
        "willingness_to_pay": 3,
        "alternatives_strength": 2,
        "strategic_fit": 5,
    }
    await ok(await d.post(f"{opp}/evaluations", json={"inputs": inputs}, headers=h))
    decision = {"verdict": "pursue", "rationale": "big"}
    await ok(await d.post(f"{opp}/decision", json=decision, headers=h), 200)
    experiment = {
        "opportunity_id": ids["opportunity"],
        "hypothesis": "Owners try it",
        "metric": "trial conversion",
        "unit": "percent",
        "threshold": 20,
    }
    ids["experiment"] = (await ok(await d.post(f"{ws}/experiments", json=experiment, headers=h)))[
        "id"
    ]
    exp = f"{ws}/experiments/{ids['experiment']}"
    await ok(await d.post(f"{exp}/start", headers=h), 200)
    await ok(await d.post(f"{exp}/observations", json={"value": 31}, headers=h))
    conclusion = {"outcome": "validated", "learnings": "yes"}
    await ok(await d.post(f"{exp}/conclude", json=conclusion, headers=h), 200)

    roadmaps = f"{ws}/roadmaps"
    spans = {"name": "Billing", "scope": "portfolio", "workspaces": [a, b]}
    ids["roadmap"] = (await ok(await r.post(roadmaps, json=spans, headers=h)))["id"]
    items = f"{roadmaps}/{ids['roadmap']}/items"
    for name, serves, pursues in [
        ("wallet", [convert], [ids["opportunity"]]),
        ("ledger", [convert], []),
        ("loyalty", [ids["retain"]], []),
    ]:
        body = {"title": name, "type": "feature", "objective_ids": serves}
        body["opportunity_ids"] = pursues
        if name == "loyalty":
            body["item_workspace_id"] = b
        ids[name] = (await ok(await r.post(items, json=body, headers=h)))["id"]
    await ok(
        await r.post(f"{items}/{ids['ledger']}/status", json={"to": "planned"}, headers=h), 200
    )

    for ref, revenue in [("acme", 1000), ("globex", 500), ("initech", 250)]:
        account = {"ref": ref, "name": ref, "segment": "enterprise", "annual_revenue": revenue}
        await ok(await f.post("/v1/customers", json=account, headers=h))
    for name, customer, target_type, target in [
        ("f-direct", "acme", "opportunity", ids["opportunity"]),
        ("f-problem", "globex", "problem", ids["problem"]),
        ("f-item", None, "roadmap_item", ids["wallet"]),
    ]:
        item: dict[str, Any] = {"text": f"{name} {unique}", "source": "email"}
        if customer:
            item["customer_ref"] = customer
        ids[name] = (await ok(await f.post(f"{ws}/feedback", json=item, headers=h)))["id"]
        link = {"target_type": target_type, "target_id": target}
        await ok(await f.post(f"{ws}/feedback/{ids[name]}/links", json=link, headers=h), 200)
    # the caller's own vote, and one on behalf of a customer: that customer backs it too
    for voted, vote in [("f-direct", {}), ("f-problem", {"on_behalf_of": "initech"})]:
        await ok(await f.post(f"{ws}/feedback/{ids[voted]}/votes", json=vote, headers=h), 200)
    await platform.publish()
    return World(h, a, b, ids)


@pytest.fixture(scope="module")
async def world(platform: Platform) -> World:
    import uuid

    return await build(platform, uuid.uuid4().hex[:10])


async def test_the_portfolio_shows_objectives_with_their_items_status_and_progress(
    platform: Platform, world: World
) -> None:
    q, h, ids = platform.query, world.headers, world.ids

    async def complete() -> None:
        body = await ok(await q.get("/v1/query/portfolio", headers=h), 200)
        by_id = {o["objective_id"]: o for o in body["items"]}
        assert set(by_id) == {ids["grow"], ids["convert"], ids["retain"]}, body
        convert = by_id[ids["convert"]]
        assert [i["item_id"] for i in convert["roadmap_items"]] == [ids["wallet"], ids["ledger"]]
        assert convert["item_counts"] == {"proposed": 1, "planned": 1}
        assert convert["progress"] == pytest.approx(0.4)
        assert convert["rolled_up_progress"] == pytest.approx(0.4)
        # 2026-Q3 is over, so 40 % of the way was off track at the check-in and still is
        assert convert["status"] == convert["status_today"] == "off_track"
        assert convert["period_end"] == "2026-09-30"
        # no key results of its own: its progress is the aligned team objective's
        grow = by_id[ids["grow"]]
        assert (grow["progress"], grow["rolled_up_progress"]) == (None, pytest.approx(0.4))
        assert grow["status_today"] is None
        assert by_id[ids["retain"]]["rolled_up_progress"] is None
        assert convert["roadmap_items"][0]["roadmap_name"] == "Billing"
        assert by_id[ids["retain"]]["roadmap_items"][0]["workspace_id"] == world.b
        assert by_id[ids["grow"]]["roadmap_items"] == []

    await eventually(complete, within=WITHIN)
    in_a = await ok(
        await q.get("/v1/query/portfolio", params={"workspace": world.a}, headers=h), 200
    )
    assert [o["objective_id"] for o in in_a["items"]] == [ids["convert"]]
    two = {"workspace": [world.a, world.b]}
    both = await ok(await q.get("/v1/query/portfolio", params=two, headers=h), 200)
    assert {o["objective_id"] for o in both["items"]} == {ids["convert"], ids["retain"]}
    planned = await ok(
        await q.get(
            "/v1/query/portfolio",
            params={"workspace": world.a, "item_status": "planned"},
            headers=h,
        ),
        200,
    )
    assert [i["item_id"] for i in planned["items"][0]["roadmap_items"]] == [ids["ledger"]]
    # an objective served by many items lists the first, counting them all
    first = {"workspace": world.a, "item_limit": "1"}
    one = await ok(await q.get("/v1/query/portfolio", params=first, headers=h), 200)
    convert = one["items"][0]
    assert [i["item_id"] for i in convert["roadmap_items"]] == [ids["wallet"]]
    assert (convert["roadmap_items_total"], convert["item_counts"]) == (
        2,
        {"proposed": 1, "planned": 1},
    )
    down = f"/v1/query/objectives/{ids['convert']}/trace"
    traced = await ok(await q.get(down, params={"item_limit": 1}, headers=h), 200)
    assert [i["item_id"] for i in traced["roadmap_items"]] == [ids["wallet"]]
    assert traced["roadmap_items_total"] == 2
    status = in_a["items"][0]["status"]
    same = await ok(await q.get("/v1/query/portfolio", params={"status": status}, headers=h), 200)
    assert [o["objective_id"] for o in same["items"]] == [ids["convert"]]
    # off track now, a page of one: read on past the objectives that are not
    now = {"status_today": "off_track", "limit": "1"}
    off = await ok(await q.get("/v1/query/portfolio", params=now, headers=h), 200)
    assert ([o["objective_id"] for o in off["items"]], off["next_cursor"]) == (
        [ids["convert"]],
        None,
    )
    on = {"status_today": "on_track"}
    assert (await ok(await q.get("/v1/query/portfolio", params=on, headers=h), 200))["items"] == []


async def test_the_portfolio_pages_with_cursors_and_refuses_bad_input(
    platform: Platform, world: World
) -> None:
    q, h, ids = platform.query, world.headers, world.ids

    async def three() -> None:
        body = await ok(await q.get("/v1/query/portfolio", headers=h), 200)
        assert len(body["items"]) == 3

    await eventually(three, within=WITHIN)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(3):
        params = {"limit": "1", **({"cursor": cursor} if cursor else {})}
        body = await ok(await q.get("/v1/query/portfolio", params=params, headers=h), 200)
        seen += [o["objective_id"] for o in body["items"]]
        cursor = body["next_cursor"]
    assert cursor is None
    assert sorted(seen) == sorted([ids["grow"], ids["convert"], ids["retain"]])
    assert len(set(seen)) == 3

    bad = await q.get("/v1/query/portfolio", params={"cursor": "not-a-cursor"}, headers=h)
    assert bad.status_code == 422
    assert bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["errors"][0]["field"] == "query.cursor"
    wrong = await q.get("/v1/query/portfolio", params={"status": "sideways"}, headers=h)
    assert wrong.status_code == 422
    assert wrong.headers["content-type"] == "application/problem+json"
    assert wrong.json()["errors"][0]["field"] == "query.status"
    q9 = await q.get("/v1/query/portfolio", params={"period": "2026-Q9"}, headers=h)
    assert (q9.status_code, q9.json()["errors"][0]["field"]) == (422, "query.period")
    q3 = await ok(await q.get("/v1/query/portfolio", params={"period": "2026-Q3"}, headers=h), 200)
    assert len(q3["items"]) == 3
    big = await q.get("/v1/query/portfolio", params={"limit": "1000"}, headers=h)
    assert big.status_code == 422


async def test_an_opportunity_shows_its_problems_experiments_and_revenue_weighted_demand(
    platform: Platform, world: World
) -> None:
    q, h, ids = platform.query, world.headers, world.ids
    path = f"/v1/query/workspaces/{world.a}/opportunities"
    expected = {
        "feedback_items": 2,
        "linked_directly": 1,
        "linked_through_problems": 1,
        "votes": 2,
        "customers": 3,
        "revenue_weighted_demand": "1750.00",
    }

    async def backed() -> None:
        listed = await ok(await q.get(path, headers=h), 200)
        assert [o["opportunity_id"] for o in listed["items"]] == [ids["opportunity"]]
        assert listed["items"][0]["evidence"] == expected
        assert listed["items"][0]["experiments"] == 1
        detail = await ok(await q.get(f"{path}/{ids['opportunity']}", headers=h), 200)
        assert detail["status"] == "pursued"
        assert [p["problem_id"] for p in detail["problems"]] == [ids["problem"]]
        assert detail["experiments"][0]["status"] == "concluded"
        assert detail["experiments"][0]["outcome"] == "validated"
        assert detail["experiments"][0]["observations"] == 1

    await eventually(backed, within=WITHIN)
    pursued = await ok(await q.get(path, params={"status": "parked"}, headers=h), 200)
    assert pursued == {"items": [], "next_cursor": None}
    elsewhere = await q.get(
        f"/v1/query/workspaces/{world.b}/opportunities/{ids['opportunity']}", headers=h
    )
    assert elsewhere.status_code == 404
    assert elsewhere.headers["content-type"] == "application/problem+json"
    bad = await q.get(f"{path}/not-a-uuid", headers=h)
    assert bad.status_code == 422


async def test_traces_run_from_objective_to_feedback_and_back(
    platform: Platform, world: World
) -> None:
    q, h, ids = platform.query, world.headers, world.ids

    async def down() -> None:
        path = f"/v1/query/objectives/{ids['convert']}/trace"
        trace = await ok(await q.get(path, headers=h), 200)
        assert trace["objective"]["key_results"][0]["progress"] == pytest.approx(0.4)
        assert trace["objective"]["status_today"] == "off_track"
        assert [k["status_today"] for k in trace["objective"]["key_results"]] == ["off_track"]
        assert [i["item_id"] for i in trace["roadmap_items"]] == [ids["wallet"], ids["ledger"]]
        assert [o["opportunity_id"] for o in trace["opportunities"]] == [ids["opportunity"]]
        assert trace["feedback"]["total"] == 3
        got = {f["feedback_id"] for f in trace["feedback"]["items"]}
        assert got == {ids["f-direct"], ids["f-problem"], ids["f-item"]}

    await eventually(down, within=WITHIN)
    limited = await ok(
        await q.get(
            f"/v1/query/objectives/{ids['convert']}/trace",
            params={"feedback_limit": 1},
            headers=h,
        ),
        200,
    )
    assert limited["feedback"]["total"] == 3
    assert len(limited["feedback"]["items"]) == 1

    both = await ok(
        await q.get(f"/v1/query/opportunities/{ids['opportunity']}/trace", headers=h), 200
    )
    assert [i["item_id"] for i in both["roadmap_items"]] == [ids["wallet"]]
    # the objective the item serves, and the organisation's it is aligned to
    assert [o["objective_id"] for o in both["objectives"]] == [ids["grow"], ids["convert"]]
    assert [o["status_today"] for o in both["objectives"]] == [None, "off_track"]
    assert {f["feedback_id"] for f in both["feedback"]["items"]} == {
        ids["f-direct"],
        ids["f-problem"],
    }
    assert [p["problem_id"] for p in both["problems"]] == [ids["problem"]]

    up = await ok(await q.get(f"/v1/query/feedback/{ids['f-problem']}/trace", headers=h), 200)
    assert up["feedback"]["links"][0]["target_id"] == ids["problem"]
    assert [p["problem_id"] for p in up["problems"]] == [ids["problem"]]
    assert [o["opportunity_id"] for o in up["opportunities"]] == [ids["opportunity"]]
    assert [i["item_id"] for i in up["roadmap_items"]] == [ids["wallet"]]
    assert [o["objective_id"] for o in up["objectives"]] == [ids["grow"], ids["convert"]]
    direct = await ok(await q.get(f"/v1/query/feedback/{ids['f-item']}/trace", headers=h), 200)
    assert [i["item_id"] for i in direct["roadmap_items"]] == [ids["wallet"]]
    assert [o["objective_id"] for o in direct["objectives"]] == [ids["grow"], ids["convert"]]

    # down from the organisation's objective: through the team objective aligned to it
    cascade = await ok(await q.get(f"/v1/query/objectives/{ids['grow']}/trace", headers=h), 200)
    assert [o["objective_id"] for o in cascade["aligned_objectives"]] == [ids["convert"]]
    assert [i["item_id"] for i in cascade["roadmap_items"]] == [ids["wallet"], ids["ledger"]]
    assert cascade["feedback"]["total"] == 3


async def test_a_retargeted_key_result_and_a_reopened_objective_show_in_the_portfolio(
    platform: Platform, world: World, unique: str
) -> None:
    s, q, h = platform.clients["strategy"], platform.query, world.headers
    goal = {"title": "Retargeted", "period": {"quarter": "2026-Q4"}}
    path = f"/v1/workspaces/rt-{unique}/objectives"
    oid = (await ok(await s.post(path, json=goal, headers=h)))["id"]
    kr = {"title": "Trials", "baseline": 0, "target": 100, "unit": "%", "direction": "increase"}
    measure = f"{path}/{oid}/key-results/"
    measure += (await ok(await s.post(f"{path}/{oid}/key-results", json=kr, headers=h)))[
        "key_result_id"
    ]
    check_in = {"value": 40, "confidence": 0.9}
    await ok(await s.post(f"{measure}/check-ins", json=check_in, headers=h))
    lowered = {"target": 50, "reason": "Half the traffic"}
    await ok(await s.post(f"{measure}/retarget", json=lowered, headers=h), 200)
    closing = {"outcome": "abandoned"}
    await ok(await s.post(f"{path}/{oid}/close", json=closing, headers=h), 200)
    await platform.publish()

    async def shown() -> list[tuple[Any, ...]]:
        body = await ok(await q.get("/v1/query/portfolio", headers=h), 200)
        return [(o["progress"], o["outcome"]) for o in body["items"] if o["objective_id"] == oid]

    async def closed() -> None:
        assert await shown() == [(pytest.approx(0.8), "abandoned")]

    await eventually(closed, within=WITHIN)
    reopening = {"reason": "closed too soon"}
    await ok(await s.post(f"{path}/{oid}/reopen", json=reopening, headers=h), 200)
    await platform.publish()

    async def open_again() -> None:
        assert await shown() == [(pytest.approx(0.8), None)]

    await eventually(open_again, within=WITHIN)


async def test_a_customer_is_traced_to_the_roadmap_items_that_answer_it(
    platform: Platform, world: World
) -> None:
    """What globex gave, and what initech voted for on its behalf, up to the roadmap item
    pursuing the opportunity it backs and the objectives that item serves."""
    q, h, ids = platform.query, world.headers, world.ids

    async def traced() -> None:
        globex = await ok(await q.get("/v1/query/customers/globex/trace", headers=h), 200)
        assert globex["customer"]["segment"] == "enterprise"
        assert globex["customer"]["annual_revenue"] == "500.00"
        assert globex["feedback_total"] == 1
        (given,) = globex["feedback"]
        assert (given["feedback_id"], given["own"]) == (ids["f-problem"], True)
        assert [(lk["target_type"], lk["target_id"]) for lk in given["links"]] == [
            ("problem", ids["problem"])
        ]
        assert [p["problem_id"] for p in globex["problems"]] == [ids["problem"]]
        assert [o["opportunity_id"] for o in globex["opportunities"]] == [ids["opportunity"]]
        assert [i["item_id"] for i in globex["roadmap_items"]] == [ids["wallet"]]
        assert {o["objective_id"] for o in globex["objectives"]} == {ids["convert"], ids["grow"]}
        initech = await ok(await q.get("/v1/query/customers/initech/trace", headers=h), 200)
        assert [(f["feedback_id"], f["own"]) for f in initech["feedback"]] == [
            (ids["f-problem"], False)
        ]
        assert [i["item_id"] for i in initech["roadmap_items"]] == [ids["wallet"]]

    await eventually(traced, within=WITHIN)
    acme = await ok(
        await q.get("/v1/query/customers/acme/trace", params={"feedback_limit": 1}, headers=h),
        200,
    )
    assert [i["item_id"] for i in acme["roadmap_items"]] == [ids["wallet"]]
    assert not acme["problems"]  # its feedback backs the opportunity directly
    unknown = await q.get("/v1/query/customers/nobody/trace", headers=h)
    assert (unknown.status_code, unknown.json()["type"].rsplit("/", 1)[1]) == (404, "not-found")
    too_many = await q.get(
        "/v1/query/customers/acme/trace", params={"feedback_limit": 501}, headers=h
    )
    assert (too_many.status_code, too_many.json()["errors"][0]["field"]) == (
        422,
        "query.feedback_limit",
    )


async def test_evidence_follows_a_problem_through_every_merge(
    platform: Platform, world: World, unique: str
) -> None:
    """Feedback on a duplicate of a duplicate backs the opportunity of the problem that
    stayed, and traces back up to it."""
    d, f, q, h = (
        platform.clients["discovery"],
        platform.clients["feedback"],
        platform.query,
        world.headers,
    )
    ws = f"/v1/workspaces/c-{unique}"

    async def problem(title: str) -> str:
        body = {"title": title, "statement": "s", "severity": 3, "frequency": 3}
        return str((await ok(await d.post(f"{ws}/problems", json=body, headers=h)))["id"])

    kept, duplicate, older = await problem("Kept"), await problem("Dup"), await problem("Old")
    for source, target in ((older, duplicate), (duplicate, kept)):
        merge = {"into": target}
        await ok(await d.post(f"{ws}/problems/{source}/merge", json=merge, headers=h), 200)
    opportunity = {"title": "Fast", "problem_ids": [kept]}
    oid = (await ok(await d.post(f"{ws}/opportunities", json=opportunity, headers=h)))["id"]
    restated = {"title": "Kept, reworded", "statement": "s", "severity": 5, "frequency": 3}
    await ok(await d.put(f"{ws}/problems/{kept}", json=restated, headers=h), 200)
    also = await problem("Also")  # addressed from now on
    wider = {"title": "Faster", "problem_ids": [kept, also]}
    await ok(await d.put(f"{ws}/opportunities/{oid}", json=wider, headers=h), 200)
    s = platform.clients["strategy"]
    goal = {"title": "Old goal", "period": {"quarter": "2026-Q4"}}
    gid = (await ok(await s.post(f"{ws}/objectives", json=goal, headers=h)))["id"]
    await ok(await s.patch(f"{ws}/objectives/{gid}", json={"title": "Reworded"}, headers=h), 200)
    r = platform.clients["roadmap"]
    rid = (await ok(await r.post(f"{ws}/roadmaps", json={"name": "Old"}, headers=h)))["id"]
    item = {
        "title": "Fast pay",
        "type": "feature",
        "opportunity_ids": [oid],
        "objective_ids": [gid],
    }
    await ok(await r.post(f"{ws}/roadmaps/{rid}/items", json=item, headers=h))
    await ok(await r.patch(f"{ws}/roadmaps/{rid}", json={"name": "Renamed"}, headers=h), 200)
    await ok(await r.post(f"{ws}/roadmaps/{rid}/archive", headers=h), 200)  # put away since
    item = {"text": f"old news {unique}", "source": "email", "customer_ref": "initech"}
    fid = (await ok(await f.post(f"{ws}/feedback", json=item, headers=h)))["id"]
    link = {"target_type": "problem", "target_id": older}
    await ok(await f.post(f"{ws}/feedback/{fid}/links", json=link, headers=h), 200)
    # A vote taken back counts for nothing.
    await ok(await f.post(f"{ws}/feedback/{fid}/votes", json={}, headers=h), 200)
    await ok(await f.delete(f"{ws}/feedback/{fid}/votes", headers=h), 200)
    await platform.publish()

    async def backed() -> None:
        path = f"/v1/query/workspaces/c-{unique}/opportunities/{oid}"
        view = await ok(await q.get(path, headers=h), 200)
        assert view["evidence"]["linked_through_problems"] == 1
        assert view["evidence"]["revenue_weighted_demand"] == "250.00"
        assert view["evidence"]["votes"] == 0
        assert view["title"] == "Faster"
        pursuing = await ok(await q.get(f"/v1/query/opportunities/{oid}/trace", headers=h), 200)
        assert [i["roadmap_name"] for i in pursuing["roadmap_items"]] == ["Renamed"]
        assert pursuing["roadmap_items"][0]["roadmap_archived_at"] is not None
        assert [o["title"] for o in pursuing["objectives"]] == ["Reworded"]
        assert {p["problem_id"] for p in view["problems"]} == {kept, duplicate, older, also}
        shown = next(p for p in view["problems"] if p["problem_id"] == kept)
        assert (shown["title"], shown["severity"]) == ("Kept, reworded", 5)
        up = await ok(await q.get(f"/v1/query/feedback/{fid}/trace", headers=h), 200)
        assert [o["opportunity_id"] for o in up["opportunities"]] == [oid]

    await eventually(backed, within=WITHIN)

    # Dup was not Kept after all: unmerged, it and Old (merged into it) back it no longer
    why = {"reason": "a different pain: refunds, not checkout"}
    await ok(await d.post(f"{ws}/problems/{duplicate}/unmerge", json=why, headers=h), 200)
    again = await d.post(f"{ws}/problems/{duplicate}/unmerge", json=why, headers=h)
    assert (again.status_code, again.json()["type"].rsplit("/", 1)[1]) == (
        409,
        "problem-not-merged",
    )
    await platform.publish()

    async def parted() -> None:
        path = f"/v1/query/workspaces/c-{unique}/opportunities/{oid}"
        view = await ok(await q.get(path, headers=h), 200)
        assert view["evidence"]["linked_through_problems"] == 0
        assert {p["problem_id"] for p in view["problems"]} == {kept, also}

    await eventually(parted, within=WITHIN)


async def test_a_team_member_reads_their_workspaces_part_of_each_chain(
    platform: Platform, world: World
) -> None:
    q, ids = platform.query, world.ids
    in_a = team_member(world.headers["X-Sextant-Tenant"], {world.a: "contributor"})
    in_b = team_member(world.headers["X-Sextant-Tenant"], {world.b: "product_manager"})

    async def projected() -> None:
        path = f"/v1/query/feedback/{ids['f-problem']}/trace"
        trace = await ok(await q.get(path, headers=world.headers), 200)
        assert [i["item_id"] for i in trace["roadmap_items"]] == [ids["wallet"]]

    await eventually(projected, within=WITHIN)
    # the portfolio: the organisation's objectives and their workspaces', with the items
    # in their workspaces
    mine = await ok(await q.get("/v1/query/portfolio", headers=in_b), 200)
    assert [o["objective_id"] for o in mine["items"]] == [ids["grow"], ids["retain"]]
    assert [i["item_id"] for i in mine["items"][1]["roadmap_items"]] == [ids["loyalty"]]
    asked = {"workspace": [world.a, world.b]}
    theirs = await ok(await q.get("/v1/query/portfolio", params=asked, headers=in_b), 200)
    assert theirs["items"] == mine["items"][1:]  # asked by workspace: the team's own
    # a chain in their workspace, up to the organisation's objective above it
    down = await ok(await q.get(f"/v1/query/objectives/{ids['convert']}/trace", headers=in_a), 200)
    assert [i["item_id"] for i in down["roadmap_items"]] == [ids["wallet"], ids["ledger"]]
    assert down["feedback"]["total"] == 3
    up = await ok(await q.get(f"/v1/query/feedback/{ids['f-problem']}/trace", headers=in_a), 200)
    assert [i["item_id"] for i in up["roadmap_items"]] == [ids["wallet"]]
    assert [o["objective_id"] for o in up["objectives"]] == [ids["grow"], ids["convert"]]
    # down from the organisation's objective: their team's part of it, the other's for them
    for who, aligned, items in [
        (in_a, [ids["convert"]], [ids["wallet"], ids["ledger"]]),
        (in_b, [], []),
    ]:
        grow = await ok(await q.get(f"/v1/query/objectives/{ids['grow']}/trace", headers=who), 200)
        assert [o["objective_id"] for o in grow["aligned_objectives"]] == aligned
        assert [i["item_id"] for i in grow["roadmap_items"]] == items
    # what another team owns is not there for them
    for path, who in [
        (f"/v1/query/objectives/{ids['convert']}/trace", in_b),
        (f"/v1/query/opportunities/{ids['opportunity']}/trace", in_b),
        (f"/v1/query/feedback/{ids['f-item']}/trace", in_b),
    ]:
        response = await q.get(path, headers=who)
        assert response.status_code == 404, (path, response.text)
        assert "Instant invoices" not in response.text
    # a stakeholder of a workspace reads published roadmaps only, none of this
    viewer = team_member(world.headers["X-Sextant-Tenant"], {world.a: "stakeholder"})
    refused = await q.get(f"/v1/query/objectives/{ids['convert']}/trace", headers=viewer)
    assert refused.status_code == 403
    assert refused.json()["detail"] == "team.member may not read in any workspace"


async def test_a_lesser_role_in_a_workspace_keeps_an_organisation_wide_reader_out_of_it(
    platform: Platform, world: World
) -> None:
    """An administrator keeps someone who reads the whole organisation out of one team's
    workspace with a stakeholder role in it: what crosses workspaces leaves that one out
    (and keeps the organisation's own objectives)."""
    q, ids = platform.query, world.ids
    tenant = world.headers["X-Sextant-Tenant"]
    kept_out = team_member(tenant, {world.a: "stakeholder"}, organisation_role="contributor")

    async def projected() -> None:
        everyone = await ok(await q.get("/v1/query/portfolio", headers=world.headers), 200)
        seen = {o["objective_id"] for o in everyone["items"]}
        assert {ids["convert"], ids["retain"], ids["grow"]} <= seen

    await eventually(projected, within=WITHIN)
    theirs = await ok(await q.get("/v1/query/portfolio", headers=kept_out), 200)
    seen = {o["objective_id"] for o in theirs["items"]}
    assert ids["convert"] not in seen  # world.a's
    assert {ids["retain"], ids["grow"]} <= seen  # world.b's, the organisation's
    items = {i["item_id"] for o in theirs["items"] for i in o["roadmap_items"]}
    assert ids["wallet"] not in items
    asked = {"workspace": [world.a]}
    assert (await ok(await q.get("/v1/query/portfolio", params=asked, headers=kept_out), 200))[
        "items"
    ] == []
    for path in (
        f"/v1/query/objectives/{ids['convert']}/trace",
        f"/v1/query/feedback/{ids['f-problem']}/trace",
    ):
        response = await q.get(path, headers=kept_out)
        assert response.status_code == 404, (path, response.text)
    grow = await ok(await q.get(f"/v1/query/objectives/{ids['grow']}/trace", headers=kept_out), 200)
    assert grow["aligned_objectives"] == []  # convert, in world.a, is aligned below it
    assert grow["roadmap_items"] == []
    # nor does the organisation's audit history show that workspace's changes
    exported = await q.get("/v1/query/audit/export", headers=kept_out)
    everything = await q.get("/v1/query/audit/export", headers=world.headers)
    seen_by = {
        who: {json.loads(line)["workspace_id"] for line in answer.text.splitlines()}
        for who, answer in (("kept out", exported), ("admin", everything))
    }
    assert seen_by == {"kept out": seen_by["admin"] - {world.a}, "admin": seen_by["admin"]}
    assert {world.a, world.b, None} <= seen_by["admin"]
    # a service token confined to one workspace reads that one's and the organisation's
    confined = team_member(
        tenant, {}, organisation_role="contributor", sextant_scope={"workspaces": [world.b]}
    )
    answer = await q.get("/v1/query/audit/export", headers=confined)
    assert {json.loads(line)["workspace_id"] for line in answer.text.splitlines()} == {
        world.b,
        None,
    }
    page = await ok(await q.get("/v1/query/audit", headers=confined), 200)
    assert page["items"]
    assert {e["workspace_id"] for e in page["items"]} <= {world.b, None}
    refused = await q.get("/v1/query/audit", params={"workspace_id": world.a}, headers=kept_out)
    assert refused.status_code == 403


async def test_another_organisation_sees_none_of_it(platform: Platform, world: World) -> None:
    q, ids = platform.query, world.ids
    other = {"X-Sextant-Tenant": f"other-{world.a}", "X-Sextant-Role": "admin"}

    async def projected() -> None:
        trace = await q.get(f"/v1/query/feedback/{ids['f-item']}/trace", headers=world.headers)
        assert trace.status_code == 200

    await eventually(projected, within=WITHIN)
    portfolio = await ok(await q.get("/v1/query/portfolio", headers=other), 200)
    assert portfolio == {"items": [], "next_cursor": None}
    listed = await ok(
        await q.get(f"/v1/query/workspaces/{world.a}/opportunities", headers=other), 200
    )
    assert listed["items"] == []
    for path in [
        f"/v1/query/workspaces/{world.a}/opportunities/{ids['opportunity']}",
        f"/v1/query/objectives/{ids['convert']}/trace",
        f"/v1/query/opportunities/{ids['opportunity']}/trace",
        f"/v1/query/feedback/{ids['f-item']}/trace",
    ]:
        response = await q.get(path, headers=other)
        assert response.status_code == 404, path
        assert response.headers["content-type"] == "application/problem+json"
        assert "Instant invoices" not in response.text
    viewer = {**world.headers, "X-Sextant-Role": "stakeholder"}
    assert (await q.get("/v1/query/portfolio", headers=viewer)).status_code == 403
    # The owner's functions the views find items and opportunities through are confined
    # to the reading transaction's tenant, whatever their caller asks.
    rt, tenant = platform.runtimes["query"], world.headers["X-Sextant-Tenant"]
    reads = TenantReads(rt.pool)
    for function, ids_of in (
        ("query_items_serving", [ids["convert"]]),
        ("query_items_pursuing", [ids["opportunity"]]),
        ("query_opportunities_backed_by", [ids["problem"]]),
    ):
        asked = f"SELECT count(*) FROM {function}($2::text[]) WHERE $1::text IS NOT NULL"
        assert await reads.fetchval(asked, tenant, ids_of) > 0, function
        assert await reads.fetchval(asked, other["X-Sextant-Tenant"], ids_of) == 0, function
        async with rt.pool.acquire() as owner:  # no tenant set
            assert await owner.fetchval(f"SELECT count(*) FROM {function}($1)", ids_of) == 0


async def test_a_rebuilt_projection_takes_over_with_the_same_answers(
    platform: Platform, world: World
) -> None:
    from sextant_kit.rebuild import rebuild_beside

    q, h, ids = platform.query, world.headers, world.ids
    path = f"/v1/query/opportunities/{ids['opportunity']}/trace"

    async def backed() -> None:
        body = await ok(await q.get(path, headers=h), 200)
        assert body["feedback"]["total"] == 2

    await eventually(backed, within=WITHIN)
    before = await ok(await q.get(path, headers=h), 200)
    report = await rebuild_beside(platform.runtimes["query"], "query_feedback", show_progress=False)
    assert report.events >= 7
    assert await ok(await q.get(path, headers=h), 200) == before


async def test_one_audit_history_covers_every_context(platform: Platform, world: World) -> None:
    q, h, ids = platform.query, world.headers, world.ids

    async def from_every_writer() -> None:
        body = await ok(
            await q.get(
                "/v1/query/audit", params={"workspace_id": world.a, "limit": 200}, headers=h
            ),
            200,
        )
        sources = {e["source"] for e in body["items"]}
        assert {"/sextant/strategy", "/sextant/roadmap", "/sextant/discovery"} <= sources
        assert "/sextant/feedback" in sources

    await eventually(from_every_writer, within=WITHIN)
    problem = await ok(
        await q.get("/v1/query/audit", params={"subject": ids["problem"]}, headers=h), 200
    )
    assert problem["items"][0]["changes"]  # field-level values, as in each service's own log
    chain = await ok(
        await q.get("/v1/query/audit/verify", params={"workspace_id": world.a}, headers=h), 200
    )
    assert chain["intact"] is True
    assert chain["entries"] > 5


async def test_what_every_team_hears_about_is_counted_across_the_organisation(
    platform: Platform,
) -> None:
    import uuid

    unique = uuid.uuid4().hex[:10]
    tenant = f"t-{unique}"
    h = {"X-Sextant-Tenant": tenant, "X-Sextant-Role": "admin"}
    f, q = platform.clients["feedback"], platform.query
    a, b = f"a-{unique}", f"b-{unique}"
    for ref, revenue in [("acme", 1000), ("globex", 500)]:
        account = {"ref": ref, "name": ref, "segment": "enterprise", "annual_revenue": revenue}
        await ok(await f.post("/v1/customers", json=account, headers=h))
    ids: dict[str, str] = {}
    # two weeks up to 16 June: 2-9 June, then 9-16 June
    for name, ws, day, tags, customer in [
        ("sso-early", a, 3, ["sso"], None),
        ("billing", b, 4, [], None),
        ("sso-acme", a, 10, ["sso"], "acme"),
        ("untagged", a, 11, [], None),
        ("sso-globex", b, 12, ["sso"], "globex"),
        ("sso-again", a, 13, ["sso"], "acme"),
        ("too-old", a, 1, ["sso"], None),
    ]:
        item: dict[str, Any] = {
            "text": f"{name} {unique}",
            "source": "email",
            "tags": tags,
            "received_at": f"2026-06-{day:02d}T12:00:00Z",
        }
        if customer:
            item["customer_ref"] = customer
        ids[name] = (await ok(await f.post(f"/v1/workspaces/{ws}/feedback", json=item, headers=h)))[
            "id"
        ]
    billing = {"add_themes": ["billing"]}
    path = f"/v1/workspaces/{b}/feedback/{ids['billing']}/tags"
    await ok(await f.post(path, json=billing, headers=h), 200)
    merge = {"into_id": ids["sso-acme"]}  # counted once, as the item it went into
    path = f"/v1/workspaces/{a}/feedback/{ids['sso-again']}/merge"
    await ok(await f.post(path, json=merge, headers=h), 200)
    await platform.publish()
    weeks: dict[str, Any] = {"period": "week", "periods": 2, "until": "2026-06-16T00:00:00Z"}

    async def counted() -> None:
        found = await ok(await q.get("/v1/query/feedback/trends", params=weeks, headers=h), 200)
        assert (found["total"], found["untagged"], found["workspaces"]) == (
            [2, 3],
            [0, 1],
            [2, 2],
        )
        assert [p["start"][:10] for p in found["periods"]] == ["2026-06-02", "2026-06-09"]
        labels = [
            (x["kind"], x["name"], x["counts"], x["change"], x["workspaces"], x["customers"])
            for x in found["labels"]
        ]
        assert labels == [
            ("tag", "sso", [1, 2], 1, [a, b], 2),
            ("theme", "billing", [1, 0], -1, [b], 0),
        ]
        assert found["labels"][0]["revenue_weighted"] == "1500.00"

    await eventually(counted, within=WITHIN)
    rising = {**weeks, "order": "rising", "limit": 1}
    first = await ok(await q.get("/v1/query/feedback/trends", params=rising, headers=h), 200)
    assert [x["name"] for x in first["labels"]] == ["sso"]
    # a team member counts their workspace's part
    in_b = team_member(tenant, {b: "contributor"})
    theirs = await ok(await q.get("/v1/query/feedback/trends", params=weeks, headers=in_b), 200)
    assert [(x["name"], x["counts"], x["workspaces"]) for x in theirs["labels"]] == [
        ("sso", [0, 1], [b]),  # as many items: tags before themes
        ("billing", [1, 0], [b]),
    ]
    asked = {**weeks, "workspace": [a]}
    one = await ok(await q.get("/v1/query/feedback/trends", params=asked, headers=h), 200)
    assert [(x["name"], x["counts"]) for x in one["labels"]] == [("sso", [1, 1])]
    # the items of the enterprise accounts, and of a channel with none
    enterprise = {**weeks, "segment": "enterprise"}
    theirs = await ok(await q.get("/v1/query/feedback/trends", params=enterprise, headers=h), 200)
    assert [(x["name"], x["counts"]) for x in theirs["labels"]] == [("sso", [0, 2])]
    assert theirs["total"] == [0, 2]
    surveys = {**weeks, "source": "survey"}
    none = await ok(await q.get("/v1/query/feedback/trends", params=surveys, headers=h), 200)
    assert (none["total"], none["labels"]) == ([0, 0], [])
    wrong = await q.get("/v1/query/feedback/trends", params={"period": "year"}, headers=h)
    assert (wrong.status_code, wrong.json()["errors"][0]["field"]) == (422, "query.period")
    early = {"until": "0001-01-20T00:00:00Z", "periods": "4"}
    too_early = await q.get("/v1/query/feedback/trends", params=early, headers=h)
    assert (too_early.status_code, too_early.json()["errors"][0]["field"]) == (422, "query.until")
