"""Objectives over HTTP -> store -> Kafka -> the objective tree read model."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sextant_kit.service import Runtime

from tests.integration.strategy.support import event_count, ok, publish
from tests.support import eventually, team_member

pytestmark = pytest.mark.integration

ORG = "/v1/organisation/objectives"


def team(ws: str) -> str:
    return f"/v1/workspaces/{ws}/objectives"


async def objective(
    client: httpx.AsyncClient,
    path: str,
    title: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> str:
    body = {"title": title, "period": {"quarter": "2026-Q3"}, **extra}
    return str((await ok(await client.post(path, json=body, headers=headers or {})))["id"])


async def key_result(client: httpx.AsyncClient, path: str, **fields: Any) -> str:
    body = {"title": "KR", "baseline": 0, "target": 100, "unit": "%", "direction": "increase"}
    response = await client.post(f"{path}/key-results", json={**body, **fields})
    kr_id = str((await ok(response))["key_result_id"])
    assert response.headers["location"] == f"{path}/key-results/{kr_id}"
    return kr_id


async def test_the_tree_nests_team_objectives_and_rolls_progress_up(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    tenant = {"X-Sextant-Tenant": f"t-{unique}"}
    client.headers.update(tenant)
    try:
        org = await objective(client, ORG, "Grow revenue")
        a = await objective(client, team(f"a-{unique}"), "Convert more", parent_id=org)
        b = await objective(client, team(f"b-{unique}"), "Retain more", parent_id=org)
        kr_a = await key_result(client, f"{team(f'a-{unique}')}/{a}")
        kr_b = await key_result(
            client, f"{team(f'b-{unique}')}/{b}", baseline=50, target=0, direction="decrease"
        )
        await ok(
            await client.post(
                f"{team(f'a-{unique}')}/{a}/key-results/{kr_a}/check-ins",
                json={"value": 60, "confidence": 0.9, "comment": "good week"},
            )
        )
        await ok(
            await client.post(
                f"{team(f'b-{unique}')}/{b}/key-results/{kr_b}/check-ins",
                json={"value": 40, "confidence": 0.8},
            )
        )
        await publish(runtime)

        async def rolled_up() -> None:
            tree = (await client.get("/v1/organisation/objective-tree")).json()
            assert len(tree["items"]) == 1, tree
            root = tree["items"][0]
            assert root["objective_id"] == org
            assert {c["objective_id"] for c in root["children"]} == {a, b}
            assert root["rolled_up_progress"] == pytest.approx((0.6 + 0.2) / 2)
            # Q3 is over: 60 % of the way is off track, today as at the check-in.
            assert [c["status_today"] for c in root["children"]] == ["off_track"] * 2
            assert root["status_today"] is None  # no key results of its own

        await eventually(rolled_up, within=60)
        # a lesser role in workspace a keeps an organisation-wide reader out of its part
        kept_out = team_member(f"t-{unique}", {f"a-{unique}": "stakeholder"}, "contributor")
        tree = (await client.get("/v1/organisation/objective-tree", headers=kept_out)).json()
        assert [c["objective_id"] for c in tree["items"][0]["children"]] == [b]
        detail = (await client.get(f"{team(f'a-{unique}')}/{a}")).json()
        assert detail["progress"] == pytest.approx(0.6)
        assert detail["key_results"][0]["current"] == 60
        assert detail["recent_check_ins"][0]["comment"] == "good week"
        assert detail["status"] == detail["status_today"] == "off_track"
        assert detail["key_results"][0]["status_today"] == "off_track"
        # where the key result's Location points: it alone, with its own check-ins
        one = await client.get(f"{team(f'a-{unique}')}/{a}/key-results/{kr_a}")
        assert one.status_code == 200, one.text
        assert one.json() == {
            **detail["key_results"][0],
            "recent_check_ins": [
                {k: v for k, v in c.items() if k != "key_result_id"}
                for c in detail["recent_check_ins"]
            ],
            "retargets": [],
        }
        elsewhere = await client.get(f"{team(f'a-{unique}')}/{a}/key-results/{kr_b}")
        assert elsewhere.status_code == 404
        listed = (await client.get(team(f"a-{unique}"), params={"limit": 1})).json()
        assert [i["objective_id"] for i in listed["items"]] == [a]
        assert listed["items"][0]["status_today"] == "off_track"
        orgs = (await client.get(ORG)).json()
        assert [i["objective_id"] for i in orgs["items"]] == [org]
        # a team's members read the organisation's objectives, to align theirs to them
        member = team_member(f"t-{unique}", {f"b-{unique}": "contributor"})
        assert (await client.get(ORG, headers=member)).json()["items"] == orgs["items"]
        read = await client.get(f"{ORG}/{org}", headers=member)
        assert read.status_code == 200, read.text
        assert (await client.get(team(f"a-{unique}"), headers=member)).status_code == 403
        # nor aligns theirs under a's, which they do not read: it does not exist for them
        under_a = {"title": "Ours", "period": {"quarter": "2026-Q3"}, "parent_id": a}
        aligned = await client.post(team(f"b-{unique}"), json=under_a, headers=member)
        assert (aligned.status_code, aligned.json()["errors"][0]["field"]) == (
            422,
            "body.parent_id",
        )
        assert "does not exist" in aligned.json()["detail"]
        tree = (await client.get("/v1/organisation/objective-tree", headers=member)).json()
        assert [c["objective_id"] for c in tree["items"][0]["children"]] == [b]  # and not a's
        viewer = team_member(f"t-{unique}", {f"b-{unique}": "stakeholder"})
        assert (await client.get(ORG, headers=viewer)).status_code == 403
        summer = {"start": "2026-07-01", "end": "2026-08-15"}
        sprint = await objective(
            client, team(f"a-{unique}"), "Summer push", period=summer, parent_id=org
        )
        kr_sprint = await key_result(client, f"{team(f'a-{unique}')}/{sprint}")
        await ok(
            await client.post(
                f"{team(f'a-{unique}')}/{sprint}/key-results/{kr_sprint}/check-ins",
                json={"value": 100, "confidence": 1},
            )
        )
        # a quarter's objective aligned under the summer push (another period)
        late = await objective(client, team(f"b-{unique}"), "Late push", parent_id=sprint)
        await publish(runtime)

        async def by_period() -> None:
            custom = {"period": "2026-07-01..2026-08-15"}
            tree = (await client.get("/v1/organisation/objective-tree", params=custom)).json()
            assert [r["objective_id"] for r in tree["items"]] == [sprint]  # its parent is Q3's
            q3 = {"period": "2026-Q3"}
            tree = (await client.get("/v1/organisation/objective-tree", params=q3)).json()
            # the late push stands alone: it is aligned to the summer push, not to its parent
            assert [r["objective_id"] for r in tree["items"]] == [org, late]
            assert {c["objective_id"] for c in tree["items"][0]["children"]} == {a, b}
            # the same roll-up as unfiltered: the summer push counts, though not listed
            assert tree["items"][0]["rolled_up_progress"] == pytest.approx((0.6 + 0.2 + 1) / 3)

        await eventually(by_period)
        odd = await client.get("/v1/organisation/objective-tree", params={"period": "summer"})
        assert (odd.status_code, odd.json()["errors"][0]["field"]) == (422, "query.period")
    finally:
        for key in tenant:
            client.headers.pop(key)


async def test_aligning_an_objective_below_its_own_child_is_a_422_naming_the_cycle(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    ws = f"ws-{unique}"
    top = await objective(client, ORG, "Top")
    child = await objective(client, team(ws), "Child", parent_id=top)
    before = await event_count(runtime)
    response = await client.put(f"{ORG}/{top}/parent", json={"parent_id": child})
    assert response.status_code == 422
    problem = response.json()
    assert problem["errors"][0]["field"] == "body.parent_id"
    assert f"{top} → {child} → {top}" in problem["detail"]
    assert await event_count(runtime) == before


async def test_a_parent_from_another_tenant_does_not_exist(
    client: httpx.AsyncClient, unique: str
) -> None:
    theirs = await objective(client, ORG, "Theirs", headers={"X-Sextant-Tenant": f"o-{unique}"})
    response = await client.post(
        team(f"ws-{unique}"),
        json={"title": "Mine", "period": {"quarter": "2026-Q3"}, "parent_id": theirs},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.parent_id"
    elsewhere = await client.get(f"{ORG}/{theirs}")
    assert elsewhere.status_code == 404


async def test_invalid_objective_input_names_the_field_and_writes_nothing(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    before = await event_count(runtime)
    bad_quarter = await client.post(
        team(unique), json={"title": "x", "period": {"quarter": "2026-Q5"}}
    )
    assert bad_quarter.status_code == 422
    assert "body.period.quarter" in bad_quarter.json()["detail"]
    backwards = await client.post(
        team(unique), json={"title": "x", "period": {"start": "2026-09-01", "end": "2026-08-01"}}
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "body.period.end"
    oid = await objective(client, team(unique), "Valid")
    after_create = await event_count(runtime)
    wrong_way = await client.post(
        f"{team(unique)}/{oid}/key-results",
        json={"title": "Churn", "baseline": 5, "target": 2, "unit": "%", "direction": "increase"},
    )
    assert wrong_way.status_code == 422
    assert wrong_way.json()["errors"][0]["field"] == "body.target"
    # progress divides by target - baseline: a span no double can hold is refused
    vast = {"title": "GMV", "baseline": -1e308, "target": 1e308, "unit": "$"}
    too_far = await client.post(
        f"{team(unique)}/{oid}/key-results", json={**vast, "direction": "increase"}
    )
    assert too_far.status_code == 422
    assert [e["field"] for e in too_far.json()["errors"]] == ["body.baseline", "body.target"]
    confidence = await client.post(
        f"{team(unique)}/{oid}/key-results/{oid}/check-ins", json={"value": 1, "confidence": 2}
    )
    assert confidence.status_code == 422
    assert "body.confidence" in confidence.json()["detail"]
    assert before + 1 == after_create == await event_count(runtime)


async def test_closed_objectives_conflict_and_unknown_ones_are_404(
    client: httpx.AsyncClient, unique: str
) -> None:
    oid = await objective(client, team(unique), "Ship it")
    kr = await key_result(client, f"{team(unique)}/{oid}")
    await ok(await client.post(f"{team(unique)}/{oid}/close", json={"outcome": "missed"}), 200)
    late = await client.post(
        f"{team(unique)}/{oid}/key-results/{kr}/check-ins", json={"value": 1, "confidence": 1}
    )
    assert late.status_code == 409
    assert late.headers["content-type"] == "application/problem+json"
    other_ws = await client.post(f"{team('elsewhere')}/{oid}/close", json={"outcome": "missed"})
    assert other_ws.status_code == 404
    stale = await client.put(
        f"{team(unique)}/{oid}/parent", json={"parent_id": None}, headers={"If-Match": "1"}
    )
    assert stale.status_code == 409


async def test_writing_objectives_needs_write_access(client: httpx.AsyncClient) -> None:
    response = await client.post(
        ORG,
        json={"title": "x", "period": {"quarter": "2026-Q3"}},
        headers={"X-Sextant-Role": "stakeholder"},
    )
    assert response.status_code == 403


async def test_an_objective_is_reworded_and_handed_over_keeping_its_key_results(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    path = team(f"r-{unique}")
    oid = await objective(client, path, "Make checkout effortless", description="Mobile")
    kr = await key_result(client, f"{path}/{oid}")
    resource = f"{path}/{oid}"
    reworded = await client.patch(resource, json={"title": "Checkout in one tap"})
    assert len((await ok(reworded, 200))["positions"]) == 1
    handed = await client.patch(resource, json={"owner": "pm.cy", "description": ""})
    assert len((await ok(handed, 200))["positions"]) == 1
    measure = f"{resource}/key-results/{kr}"
    kr_reworded = await client.patch(measure, json={"title": "Taps to pay"})
    assert len((await ok(kr_reworded, 200))["positions"]) == 1
    events = await event_count(runtime)
    numbers = await client.patch(measure, json={"title": "Taps", "target": 5})
    assert numbers.status_code == 422, numbers.text  # its measure stays: a new key result
    assert "target" in numbers.text
    same = await client.patch(resource, json={"title": "Checkout in one tap"})
    assert (await ok(same, 200))["positions"] == []
    blank = await client.patch(resource, json={"title": " "})
    assert blank.status_code == 422, blank.text
    assert "title" in blank.text
    elsewhere = await client.patch(f"{team(f'x-{unique}')}/{oid}", json={"title": "x"})
    assert elsewhere.status_code == 404, elsewhere.text
    assert await event_count(runtime) == events
    await publish(runtime)

    async def shows_it() -> None:
        found = (await client.get(resource)).json()
        assert found.get("title") == "Checkout in one tap", found
        assert (found["owner"], found["description"]) == ("pm.cy", None)
        assert [(k["key_result_id"], k["title"]) for k in found["key_results"]] == [
            (kr, "Taps to pay")
        ]

    await eventually(shows_it, within=60)
    await ok(await client.post(f"{resource}/close", json={"outcome": "achieved"}), 200)
    closed = await client.patch(resource, json={"title": "Later"})
    assert closed.status_code == 409, closed.text
    # closed too soon: reopened, saying why, it is open again in the tree
    no_reason = await client.post(f"{resource}/reopen", json={})
    assert (no_reason.status_code, no_reason.json()["errors"][0]["field"]) == (422, "body.reason")
    reopened = await client.post(f"{resource}/reopen", json={"reason": "closed too soon"})
    assert len((await ok(reopened, 200))["positions"]) == 1
    again = await client.post(f"{resource}/reopen", json={"reason": "twice"})
    assert again.status_code == 409, again.text
    await ok(await client.patch(resource, json={"title": "Later"}), 200)
    await publish(runtime)

    async def open_again() -> None:
        found = (await client.get(resource)).json()
        assert (found.get("title"), found["outcome"], found["closed_at"]) == ("Later", None, None)

    await eventually(open_again, within=60)


async def test_a_key_result_is_retargeted_with_a_reason_and_its_latest_check_in_measured_again(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    resource = f"{team(f'rt-{unique}')}/{await objective(client, team(f'rt-{unique}'), 'Grow')}"
    kr = await key_result(client, resource)  # 0 -> 100 %
    measure = f"{resource}/key-results/{kr}"
    await ok(await client.post(f"{measure}/check-ins", json={"value": 40, "confidence": 0.9}))
    lowered = {"target": 80, "reason": "Traffic halved in Q3"}
    moved = await client.post(f"{measure}/retarget", json=lowered)
    assert len((await ok(moved, 200))["positions"]) == 1
    events = await event_count(runtime)
    again = await client.post(f"{measure}/retarget", json={**lowered, "baseline": 0})
    assert (await ok(again, 200))["positions"] == []  # as it stands: nothing recorded
    wrong_way = await client.post(f"{measure}/retarget", json={"target": -5, "reason": "x"})
    assert wrong_way.status_code == 422, wrong_way.text
    assert "target" in wrong_way.text
    no_reason = await client.post(f"{measure}/retarget", json={"target": 70})
    assert no_reason.status_code == 422, no_reason.text
    assert "reason" in no_reason.text
    assert await event_count(runtime) == events
    await publish(runtime)

    async def measured_again() -> None:
        found = (await client.get(measure)).json()
        assert (found.get("target"), found.get("progress")) == (80, 0.5), found
        # the check-in keeps what it was measured against when it was made
        assert [c["progress"] for c in found["recent_check_ins"]] == [0.4]
        [moved] = found["retargets"]
        assert (moved["from_target"], moved["to_target"]) == (100, 80)
        assert (moved["reason"], moved["from_baseline"], moved["to_baseline"]) == (
            "Traffic halved in Q3",
            0,
            0,
        )
        assert (await client.get(resource)).json()["progress"] == 0.5

    await eventually(measured_again, within=60)


async def test_a_key_result_added_again_under_its_key_is_named_as_the_first_time(
    client: httpx.AsyncClient, unique: str
) -> None:
    oid = await objective(client, team(unique), "Retain")
    path = f"{team(unique)}/{oid}/key-results"
    body = {"title": "Churn", "baseline": 5, "target": 2, "unit": "%", "direction": "decrease"}
    key = {"Idempotency-Key": f"kr-{unique}"}
    first = await ok(await client.post(path, json=body, headers=key))
    again = await ok(await client.post(path, json=body, headers=key))
    assert again == first  # the key result it names exists: check-ins go to it
    check_in = {"value": 4, "confidence": 0.5}
    await ok(await client.post(f"{path}/{first['key_result_id']}/check-ins", json=check_in))
