"""Vision revisions as of a moment, concepts, the timeline and the decision log."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, timedelta

import httpx
import pytest
from sextant_kit.service import Runtime

from tests.integration.strategy.support import event_count, ok, publish
from tests.support import eventually

pytestmark = pytest.mark.integration


async def test_every_vision_revision_is_kept_and_readable_as_of_a_moment(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    path = f"/v1/workspaces/ws-{unique}/vision"
    first = await ok(await client.put(path, json={"vision": "Pay anywhere", "mission": "Ship"}))
    same = await client.put(path, json={"vision": "Pay anywhere", "mission": "Ship"})
    assert (same.status_code, same.json()["created"]) == (200, False)
    await ok(await client.put(path, json={"vision": "Pay with a glance", "mission": "Ship"}))
    assert first["stream_version"] == 1
    await publish(runtime)

    async def both() -> None:
        revisions = (await client.get(f"{path}/revisions")).json()["items"]
        assert [r["revision"] for r in revisions] == [2, 1]

    await eventually(both, within=60)
    revisions = (await client.get(f"{path}/revisions", params={"limit": 1})).json()
    assert revisions["next_cursor"] is not None
    older = await client.get(f"{path}/revisions", params={"cursor": revisions["next_cursor"]})
    first_at = datetime.fromisoformat(older.json()["items"][0]["revised_at"])
    between = (first_at + timedelta(microseconds=1)).isoformat()
    then = (await client.get(path, params={"as_of": between})).json()
    assert then["vision"] == "Pay anywhere"
    assert (await client.get(path)).json()["vision"] == "Pay with a glance"
    before = await client.get(path, params={"as_of": "2001-01-01"})
    assert before.status_code == 404
    bad = await client.get(path, params={"as_of": "yesterday"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.as_of"


async def test_concepts_link_opportunities_and_milestones_keep_their_moves(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    ws = f"/v1/workspaces/ws-{unique}"
    opportunity = str(uuid.uuid4())
    concept = (
        await ok(
            await client.post(
                f"{ws}/concepts",
                json={
                    "name": "One-click checkout",
                    "problem": "Buyers abandon long checkouts",
                    "personas": ["busy buyer"],
                    "value_proposition": "Pay in one click",
                    "differentiators": ["no account"],
                },
            )
        )
    )["id"]
    await ok(
        await client.post(
            f"{ws}/concepts/{concept}/opportunities", json={"opportunity_id": opportunity}
        ),
        200,
    )
    unlinked = await client.delete(f"{ws}/concepts/{concept}/opportunities/{uuid.uuid4()}")
    assert unlinked.status_code == 422
    assert unlinked.json()["errors"][0]["field"] == "path.opportunity_id"
    milestone = (
        await ok(
            await client.post(
                f"{ws}/milestones", json={"title": "Beta", "target_date": "2026-06-01"}
            )
        )
    )["id"]
    await ok(
        await client.post(
            f"{ws}/milestones/{milestone}/move",
            json={"target_date": "2026-07-01", "reason": "vendor late"},
        ),
        200,
    )
    same_day = await client.post(
        f"{ws}/milestones/{milestone}/move", json={"target_date": "2026-07-01", "reason": "x"}
    )
    assert same_day.status_code == 422
    assert same_day.json()["errors"][0]["field"] == "body.target_date"
    not_yet = await client.post(
        f"{ws}/milestones/{milestone}/reach", json={"reached_on": "2999-01-01"}
    )
    assert (not_yet.status_code, not_yet.json()["errors"][0]["field"]) == (422, "body.reached_on")
    later = await client.post(f"{ws}/milestones", json={"title": "GA", "target_date": "2999-01-01"})
    await ok(later)
    await publish(runtime)

    async def projected() -> None:
        got = (await client.get(f"{ws}/concepts/{concept}")).json()
        assert got.get("opportunity_ids") == [opportunity]
        timeline = (await client.get(f"{ws}/timeline")).json()["items"]
        assert [(m["title"], m["standing"]) for m in timeline] == [
            ("Beta", "overdue"),  # its date passed, and nobody said it was reached
            ("GA", "upcoming"),
        ]
        assert timeline[0]["target_date"] == "2026-07-01"
        assert timeline[0]["original_date"] == "2026-06-01"
        assert [m["reason"] for m in timeline[0]["moves"]] == ["vendor late"]
        overdue = (await client.get(f"{ws}/timeline", params={"standing": "overdue"})).json()
        assert [m["title"] for m in overdue["items"]] == ["Beta"]

    await eventually(projected, within=60)


async def test_a_milestone_is_retitled_and_redescribed_until_it_is_reached(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    ws = f"/v1/workspaces/ms-{unique}"
    objective = {"title": "Launch", "period": {"quarter": "2999-Q2"}}
    goal = (await ok(await client.post(f"{ws}/objectives", json=objective)))["id"]
    planned = {"title": "Beta", "target_date": "2999-06-01", "description": "Invite only"}
    milestone = (await ok(await client.post(f"{ws}/milestones", json=planned)))["id"]
    resource = f"{ws}/milestones/{milestone}"
    # an objective that does not exist (or not for the caller) is not served
    nowhere = await client.patch(resource, json={"objective_ids": [str(uuid.uuid4())]})
    assert (nowhere.status_code, nowhere.json()["errors"][0]["field"]) == (
        422,
        "body.objective_ids",
    )
    retitled = await client.patch(resource, json={"title": "Public beta", "objective_ids": [goal]})
    assert len((await ok(retitled, 200))["positions"]) == 1
    events = await event_count(runtime)
    same = await client.patch(resource, json={"title": "Public beta"})
    assert (await ok(same, 200))["positions"] == []
    dated = await client.patch(resource, json={"target_date": "2999-07-01"})
    assert dated.status_code == 422, dated.text  # its date moves with a reason
    assert "target_date" in dated.text
    blank = await client.patch(resource, json={"title": " "})
    assert (blank.status_code, blank.json()["errors"][0]["field"]) == (422, "body.title")
    elsewhere = await client.patch(f"/v1/workspaces/x-{unique}/milestones/{milestone}", json={})
    assert elsewhere.status_code == 404, elsewhere.text
    assert await event_count(runtime) == events
    await ok(await client.patch(resource, json={"description": ""}), 200)
    await publish(runtime)

    async def shows_it() -> None:
        found = (await client.get(resource)).json()
        assert (found.get("title"), found.get("description")) == ("Public beta", None), found
        assert (found["objective_ids"], found["target_date"]) == ([goal], "2999-06-01")

    await eventually(shows_it, within=60)
    reached = {"reached_on": datetime.now().date().isoformat()}
    await ok(await client.post(f"{resource}/reach", json=reached), 200)
    late = await client.patch(resource, json={"title": "GA"})
    assert late.status_code == 409, late.text


async def test_the_decision_log_is_searchable_by_linked_entity_and_keeps_supersession(
    runtime: Runtime, client: httpx.AsyncClient, unique: str
) -> None:
    path = f"/v1/workspaces/ws-{unique}/decisions"
    problem, experiment = str(uuid.uuid4()), str(uuid.uuid4())
    base = {
        "title": "Build our own checkout",
        "context": "Conversion is low",
        "options": [{"title": "Build"}, {"title": "Buy", "summary": "Vendor X"}],
        "decision": "Build",
        "rationale": "Control of the flow",
        "evidence": [{"kind": "problem", "id": problem}],
    }
    first = (await ok(await client.post(path, json=base)))["id"]
    second = (
        await ok(
            await client.post(
                path,
                json={
                    **base,
                    "decision": "Buy",
                    "evidence": [{"kind": "experiment", "id": experiment}],
                    "supersedes": first,
                },
            )
        )
    )["id"]
    before = await event_count(runtime)
    again = await client.post(path, json={**base, "supersedes": first})
    assert again.status_code == 409
    assert await event_count(runtime) == before
    missing = await client.post(path, json={**base, "supersedes": str(uuid.uuid4())})
    assert missing.status_code == 404
    # A new decision that cannot stand leaves the one it would supersede as it was
    later = (date.today() + timedelta(days=30)).isoformat()
    twice = [{"kind": "problem", "id": problem}] * 2
    for refused in ({"decided_on": later}, {"evidence": twice}):
        answer = await client.post(path, json={**base, **refused, "supersedes": second})
        assert answer.status_code == 422, answer.text
        assert answer.json()["errors"][0]["field"] == f"body.{next(iter(refused))}"
    assert await event_count(runtime) == before
    viewer = await client.post(path, json=base, headers={"X-Sextant-Role": "contributor"})
    assert viewer.status_code == 403
    await publish(runtime)

    async def searchable() -> None:
        by_problem = (
            await client.get(path, params={"entity_kind": "problem", "entity_id": problem})
        ).json()["items"]
        assert [d["decision_id"] for d in by_problem] == [first]
        assert by_problem[0]["superseded_by"] == second
        assert by_problem[0]["options"][1]["summary"] == "Vendor X"
        by_id = (await client.get(path, params={"entity_id": experiment})).json()["items"]
        assert [d["decision_id"] for d in by_id] == [second]
        current = (await client.get(path, params={"include_superseded": False})).json()
        assert [d["decision_id"] for d in current["items"]] == [second]
        why = (await client.get(path, params={"q": "control of"})).json()["items"]
        assert [d["decision_id"] for d in why] == [second, first]  # by their rationale

    await eventually(searchable, within=60)
    assert (await client.get(f"{path}/{uuid.uuid4()}")).status_code == 404

    # Four people supersede the current decision at once: one decision is recorded
    before = await event_count(runtime)
    answers = await asyncio.gather(
        *(
            client.post(path, json={**base, "title": f"Race {n}", "supersedes": second})
            for n in range(4)
        )
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409]
    assert await event_count(runtime) == before + 2  # the new decision, the old one marked
    third = next(a.json()["id"] for a in answers if a.status_code == 201)
    # A retry under the same key answers as the first did, naming the same decision
    keyed = {"Idempotency-Key": f"supersede-{unique}"}
    latest = {**base, "supersedes": third}
    fourth = await ok(await client.post(path, json=latest, headers=keyed))
    retried = await ok(await client.post(path, json=latest, headers=keyed))
    assert retried["id"] == fourth["id"]
    assert await event_count(runtime) == before + 4
    # a superseding decision under a key another request used writes nothing either
    used = {"Idempotency-Key": f"used-{unique}"}
    await ok(await client.post(path, json={**base, "title": "Other"}, headers=used))
    before = await event_count(runtime)
    reused = await client.post(path, json={**base, "supersedes": fourth["id"]}, headers=used)
    assert reused.status_code == 409, reused.text
    assert await event_count(runtime) == before
