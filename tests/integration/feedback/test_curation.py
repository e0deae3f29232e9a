"""Curating feedback: customers, links, votes, merges, demand, filters, similar items."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sextant_kit.kafka import build_broker
from sextant_kit.projection import subscribe
from sextant_kit.service import Runtime

from tests.integration.feedback.conftest import Check, ok, register_customers
from tests.support import team_member

pytestmark = pytest.mark.integration

Settle = Callable[[Check], Awaitable[None]]

# What feedback links to, by the ids their own contexts gave them.
P_SSO, O_SSO, R_SSO, P_RATE, P_NONE = (str(uuid.uuid4()) for _ in range(5))


async def post(http: httpx.AsyncClient, ws: str, **item: Any) -> str:
    body = await ok(await http.post(f"/v1/workspaces/{ws}/feedback", json=item), 201)
    return str(body["id"])


async def test_demand_is_counted_and_weighted_by_revenue_and_merges_move_votes_and_links(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    ws = f"ws-{unique}"
    await register_customers(
        http,
        (f"big-{unique}", "900000", "enterprise"),
        (f"small-{unique}", "12000", "smb"),
        (f"mid-{unique}", "100000", "enterprise"),
    )
    a = await post(
        http, ws, text="Need SSO with Okta", source="sales_call", customer_ref=f"big-{unique}"
    )
    b = await post(
        http,
        ws,
        text="Need SSO with Okta please",
        source="support_ticket",
        customer_ref=f"small-{unique}",
    )
    c = await post(http, ws, text="Okta SSO", source="community")
    for item in (a, b):
        await ok(
            await http.post(
                f"/v1/workspaces/{ws}/feedback/{item}/links",
                json={"target_type": "problem", "target_id": P_SSO},
            )
        )
    for item, customer in ((c, "small"), (a, "mid")):
        await ok(
            await http.post(
                f"/v1/workspaces/{ws}/feedback/{item}/votes",
                json={"on_behalf_of": f"{customer}-{unique}"},
            )
        )
    await ok(
        await http.post(
            f"/v1/workspaces/{ws}/feedback/{c}/links",
            json={"target_type": "opportunity", "target_id": O_SSO},
        )
    )

    async def demand(**params: str) -> dict[str, Any]:
        body = await ok(await http.get(f"/v1/workspaces/{ws}/demand", params=params))
        assert len(body["targets"]) == 1
        target: dict[str, Any] = body["targets"][0]
        return target

    async def demand_counted() -> None:
        # the customers behind a problem: the items' own and those voted for on their behalf
        target = await demand(target_type="problem")
        assert (target["target_id"], target["items"], target["customers"]) == (P_SSO, 2, 3)
        assert target["revenue_weighted"] == "1012000.00"
        assert target["by_segment"] == {"enterprise": "1000000.00", "smb": "12000.00"}
        anonymous = await demand(target_id=O_SSO)
        assert (anonymous["items"], anonymous["votes"], anonymous["customers"]) == (1, 1, 1)
        assert anonymous["revenue_weighted"] == "12000.00"

    await settle(demand_counted)

    # c duplicates a: its vote and its link move to a; c stays in history, merged. Sent
    # twice with one Idempotency-Key (a retry), the second answers as the first did.
    key = {"Idempotency-Key": f"merge-{unique}"}
    into_a = {"into_id": a}
    merge = await ok(
        await http.post(f"/v1/workspaces/{ws}/feedback/{c}/merge", json=into_a, headers=key)
    )
    retry = await ok(
        await http.post(f"/v1/workspaces/{ws}/feedback/{c}/merge", json=into_a, headers=key)
    )
    assert retry == merge
    # its token is the absorb's too: a read that passes it sees the votes and links moved
    last = max(merge["positions"])
    assert merge["consistency_token"] == f"feedback:{last}"
    assert min(merge["positions"]) < last  # the duplicate marked, then the other absorbing
    # without the key, into the same item: already done, nothing written
    again = await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{c}/merge", json=into_a))
    assert (again["positions"], again["created"]) == ([], False)
    elsewhere = await http.post(f"/v1/workspaces/{ws}/feedback/{c}/merge", json={"into_id": b})
    assert (elsewhere.status_code, elsewhere.json()["type"].rsplit("/", 1)[1]) == (
        409,
        "feedback-merged",
    )

    async def merged() -> None:
        survivor = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{a}"))
        assert survivor["votes"] == 2
        assert survivor["links"] == 2
        duplicate = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{c}"))
        assert duplicate["merged_into"] == a
        assert duplicate["links"] == 0
        inbox = await ok(await http.get(f"/v1/workspaces/{ws}/feedback"))
        assert c not in [i["feedback_id"] for i in inbox["items"]]
        opportunity = await ok(
            await http.get(f"/v1/workspaces/{ws}/demand", params={"target_id": O_SSO})
        )
        assert opportunity["targets"][0]["items"] == 1

    await settle(merged)
    again = await http.post(f"/v1/workspaces/{ws}/feedback/{c}/votes", json={})
    assert again.status_code == 409

    # a duplicate's customer still asks for what it asked for: it votes on the survivor
    d = await post(http, ws, text="SSO, any provider", source="email", customer_ref=f"big-{unique}")
    await ok(
        await http.post(
            f"/v1/workspaces/{ws}/feedback/{d}/links",
            json={"target_type": "roadmap_item", "target_id": R_SSO},
        )
    )
    itself = await http.post(f"/v1/workspaces/{ws}/feedback/{d}/merge", json={"into_id": d})
    assert (itself.status_code, itself.json()["errors"][0]["field"]) == (422, "body.into_id")
    await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{d}/merge", json={"into_id": b}))

    async def customer_kept() -> None:
        target = await demand(target_id=R_SSO)
        assert (target["items"], target["votes"], target["customers"]) == (1, 1, 2)
        assert target["revenue_weighted"] == "912000.00"
        assert target["by_segment"] == {"enterprise": "900000.00", "smb": "12000.00"}

    await settle(customer_kept)


async def test_inbox_filters_search_pages_and_suggests_similar_items(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    ws = f"ws-{unique}"
    spaced = {"ref": f" ent-{unique} ", "name": "Ent", "segment": "enterprise"}  # as pasted
    await ok(await http.post("/v1/customers", json=spaced), 201)
    blank = await http.post("/v1/customers", json={"ref": "   ", "name": "Blank"})
    assert (blank.status_code, blank.json()["errors"][0]["field"]) == (422, "body.ref")
    ids = [
        await post(
            http,
            ws,
            text="I love the timeline view, it is great",
            source="survey",
            tags=["timeline"],
        ),
        await post(
            http,
            ws,
            text="Exporting roadmaps to PDF is broken and slow",
            source="support_ticket",
            customer_ref=f"ent-{unique}",
        ),
        await post(http, ws, text="Exporting roadmaps to PDF is broken", source="email"),
        await post(http, ws, text="Add a Jira integration", source="sales_call"),
        # scored 0.1 exactly, the edge of neutral
        await post(
            http,
            ws,
            text="Release notes: very great " + "great " * 47 + "very bad " + "bad " * 46,
            source="email",
        ),
    ]

    async def indexed() -> None:
        page = await ok(await http.get(f"/v1/workspaces/{ws}/feedback"))
        assert len(page["items"]) == 5

    await settle(indexed)

    async def texts(**params: Any) -> list[str]:
        page = await ok(await http.get(f"/v1/workspaces/{ws}/feedback", params=params))
        return sorted(i["text"][:9] for i in page["items"])

    assert await texts(tag="timeline") == ["I love th"]
    assert await texts(sentiment="negative") == ["Exporting", "Exporting"]
    assert await texts(sentiment="positive") == ["I love th"]
    assert await texts(sentiment="neutral") == ["Add a Jir", "Release n"]
    assert await texts(q="export pdf") == ["Exporting", "Exporting"]
    assert await texts(source="sales_call") == ["Add a Jir"]
    assert await texts(segment="enterprise") == ["Exporting"]
    assert await texts(linked="false") == sorted(await texts())

    first = await ok(await http.get(f"/v1/workspaces/{ws}/feedback", params={"limit": 3}))
    rest = await ok(
        await http.get(
            f"/v1/workspaces/{ws}/feedback", params={"limit": 3, "cursor": first["next_cursor"]}
        )
    )
    seen = [i["feedback_id"] for i in first["items"] + rest["items"]]
    assert sorted(seen) == sorted(ids)
    assert rest["next_cursor"] is None
    bad = await http.get(f"/v1/workspaces/{ws}/feedback", params={"cursor": "nope"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "query.cursor"
    backwards = {"since": "2026-06-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}
    swapped = await http.get(f"/v1/workspaces/{ws}/feedback", params=backwards)
    assert (swapped.status_code, swapped.json()["errors"][0]["field"]) == (422, "query.since")
    zones = {"since": "2026-01-01T00:00:00", "until": "2026-01-02T00:00:00Z"}  # none is UTC
    assert (await http.get(f"/v1/workspaces/{ws}/feedback", params=zones)).status_code == 200
    before_utc = {"since": "0001-01-01T00:00:00+05:00"}
    early = await http.get(f"/v1/workspaces/{ws}/feedback", params=before_utc)
    assert (early.status_code, early.json()["errors"][0]["field"]) == (422, "query.since")
    unlinked = await http.delete(f"/v1/workspaces/{ws}/feedback/{ids[0]}/links/problem/{P_NONE}")
    assert (unlinked.status_code, unlinked.json()["errors"][0]["field"]) == (422, "path.target_id")
    typo = {"target_type": "problem", "target_id": "p-sso"}
    odd = await http.post(f"/v1/workspaces/{ws}/feedback/{ids[0]}/links", json=typo)
    assert (odd.status_code, odd.json()["errors"][0]["field"]) == (422, "body.target_id")

    # the same inbox as a file: every item these filters keep, newest first
    export = f"/v1/workspaces/{ws}/feedback/export"
    sheet = await http.get(export, params={"q": "export pdf"})
    assert sheet.headers["content-type"] == "text/csv; charset=utf-8"
    assert sheet.headers["content-disposition"] == f'attachment; filename="{ws}-feedback.csv"'
    rows = list(csv.DictReader(io.StringIO(sheet.text)))
    assert sorted(r["feedback_id"] for r in rows) == sorted(ids[1:3])
    assert {r["customer_ref"] for r in rows} == {f"ent-{unique}", ""}
    tagged = await http.get(export, params={"tag": "timeline", "format": "jsonl"})
    assert [json.loads(line)["tags"] for line in tagged.text.splitlines()] == [["timeline"]]
    odd_format = await http.get(export, params={"format": "xlsx"})
    assert odd_format.json()["errors"][0]["field"] == "query.format"
    swapped_export = await http.get(export, params=backwards)
    assert swapped_export.json()["errors"][0]["field"] == "query.since"

    similar = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{ids[1]}/similar"))
    assert [s["feedback_id"] for s in similar["suggestions"]] == [ids[2]]
    assert similar["suggestions"][0]["similarity"] > 0.6


async def test_erasing_a_customer_removes_their_personal_data_everywhere(
    rt: Runtime, http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    # A CRM's reference may hold a slash: it stays one reference in every path.
    ws, ref = f"ws-{unique}", f"globex/{unique}"
    await ok(
        await http.post(
            "/v1/customers",
            json={
                "ref": ref,
                "name": "Globex",
                "segment": "enterprise",
                "annual_revenue": "50000",
                "contact": "hank.scorpio@globex.example",
            },
        ),
        201,
    )
    item = await post(
        http,
        ws,
        text="Hank Scorpio here: the API rate limit hurts us",
        source="email",
        customer_ref=ref,
        author="Hank Scorpio",
    )
    unlike = await post(http, ws, text="Invoices as PDF, please", source="email", customer_ref=ref)
    await ok(
        await http.post(
            f"/v1/workspaces/{ws}/feedback/{item}/links",
            json={"target_type": "problem", "target_id": P_RATE},
        )
    )

    async def readable() -> None:
        got = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{item}"))
        assert got["author"] == "Hank Scorpio"
        assert [(x["target_type"], x["target_id"]) for x in got["linked_to"]] == [
            ("problem", P_RATE)
        ]
        customer = await ok(await http.get(f"/v1/customers/{ref}"))
        assert customer["contact"] == "hank.scorpio@globex.example"

    await settle(readable)
    raw = await rt.pool.fetchval(
        "SELECT string_agg(payload::text, ' ') FROM events WHERE stream_id = ANY($1)",
        [item, str((await ok(await http.get(f"/v1/customers/{ref}")))["customer_id"])],
    )
    assert "Hank" not in raw
    assert "scorpio" not in raw.lower()

    profile = {"name": "Globex", "segment": "enterprise", "annual_revenue": "60000"}
    key = {"Idempotency-Key": f"profile-{unique}"}
    await ok(await http.put(f"/v1/customers/{quote(ref, safe='')}", json=profile, headers=key))
    # an erasure under a key another request used is refused, and erases nothing
    reused = await http.post(f"/v1/customers/{ref}/erasure", headers=key)
    assert (reused.status_code, reused.json()["type"].rsplit("/")[-1]) == (
        409,
        "idempotency-key-reused",
    )
    assert (await ok(await http.get(f"/v1/customers/{ref}")))["contact"] is not None
    await ok(await http.post(f"/v1/customers/{ref}/erasure"))

    async def erased() -> None:
        got = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{item}"))
        assert got["text"] == "[erased]"
        assert got["author"] is None
        customer = await ok(await http.get(f"/v1/customers/{ref}"))
        assert customer["erased"] is True
        assert customer["contact"] is None

    await settle(erased)
    # everything else still works: the link counts as demand, the item can be tagged
    demand = await ok(await http.get(f"/v1/workspaces/{ws}/demand", params={"target_id": P_RATE}))
    assert demand["targets"][0]["items"] == 1
    await ok(
        await http.post(f"/v1/workspaces/{ws}/feedback/{item}/tags", json={"add_tags": ["api"]})
    )
    refused = await http.post(
        f"/v1/workspaces/{ws}/feedback",
        json={"text": "more", "source": "email", "customer_ref": ref},
    )
    assert refused.status_code == 409
    # nor is a vote cast on their behalf any more
    vote = {"on_behalf_of": ref}
    unvoted = await http.post(f"/v1/workspaces/{ws}/feedback/{item}/votes", json=vote)
    assert unvoted.status_code == 409, unvoted.text
    assert unvoted.json()["type"].endswith("/customer-erased")
    audit = await ok(await http.get("/v1/feedback/audit", params={"subject": item}))
    assert "Hank" not in str(audit)
    exported = await http.get(f"/v1/workspaces/{ws}/feedback/export", params={"format": "jsonl"})
    assert "[erased]" in exported.text
    assert "Hank" not in exported.text
    # two requests whose text is gone are not offered as the same one
    similar = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{unlike}/similar"))
    assert similar["suggestions"] == []
    sweep = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/duplicates"))
    assert sweep["groups"] == []

    # a replay from the start cannot bring the data back: the key is gone
    (views,) = [r for r in rt.projection_runners() if r.name == "feedback_inbox"]
    await views.reset()
    restarted = build_broker(rt.settings, client_id="restarted-projector")
    subscribe(restarted, views, [rt.topic], batch_size=500, group_prefix=rt.settings.topic_prefix)
    await restarted.start()  # joining the group makes every member seek to stored offsets

    async def replayed_still_erased() -> None:
        got = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{item}"))
        assert got["text"] == "[erased]"
        assert got["author"] is None

    try:
        await settle(replayed_still_erased)
    finally:
        await restarted.stop()


async def test_one_duplicate_merged_into_two_items_at_once_moves_once(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    ws = f"ws-{unique}"
    dup = await post(http, ws, text="Export to CSV, please", source="email")
    await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{dup}/votes", json={}))
    link = {"target_type": "problem", "target_id": P_SSO}
    await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{dup}/links", json=link))
    one = await post(http, ws, text="CSV export", source="survey")
    two = await post(http, ws, text="Exporting to CSV", source="chat")
    answers = await asyncio.gather(
        *(
            http.post(f"/v1/workspaces/{ws}/feedback/{dup}/merge", json={"into_id": into})
            for into in (one, two)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
    won = one if answers[0].status_code == 200 else two

    async def moved_once() -> None:
        items = {
            i: await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{i}")) for i in (one, two)
        }
        assert items[won]["votes"] == 1
        assert items[won]["links"] == 1
        lost = items[two if won == one else one]
        assert (lost["votes"], lost["links"]) == (0, 0)

    await settle(moved_once)


async def test_two_items_merged_into_each_other_at_once_are_never_both_lost(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    ws = f"ws-{unique}"
    link = {"target_type": "problem", "target_id": P_SSO}
    pair = [await post(http, ws, text=f"Export to CSV ({n})", source="email") for n in (1, 2)]
    for item in pair:
        await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{item}/links", json=link))
    for _ in range(3):  # the two merges meet most times; each round leaves the pair apart
        answers = await asyncio.gather(
            *(
                http.post(f"/v1/workspaces/{ws}/feedback/{dup}/merge", json={"into_id": into})
                for dup, into in (pair, pair[::-1])
            )
        )
        statuses = [a.status_code for a in answers]
        assert sorted(statuses) in ([200, 409], [409, 409]), [a.text for a in answers]

        async def standing_with_their_links(count: int = 1 if 200 in statuses else 2) -> None:
            items = [await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{i}")) for i in pair]
            standing = [i for i in items if i["merged_into"] is None]
            assert len(standing) == count, items
            assert all(i["links"] == 1 for i in standing)

        await settle(standing_with_their_links)
        if 200 in statuses:
            merged = pair[statuses.index(200)]
            again = {"reason": "not the same after all"}
            await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{merged}/unmerge", json=again))


async def test_another_organisations_item_is_not_there_to_merge_into_or_tell_apart(
    rt: Runtime, http: httpx.AsyncClient, unique: str
) -> None:
    ws = f"ws-{unique}"  # both organisations have a workspace of this name
    theirs = await post(http, ws, text="Export to CSV", source="email")
    other = {"X-Sextant-Tenant": f"other-{unique}"}
    made = await http.post(
        f"/v1/workspaces/{ws}/feedback",
        json={"text": "CSV export", "source": "chat"},
        headers=other,
    )
    mine = (await ok(made, 201))["id"]
    events = await rt.pool.fetchval("SELECT count(*) FROM events")
    for path, body in (
        (f"{mine}/merge", {"into_id": theirs}),
        (f"{mine}/tell-apart", {"other_id": theirs}),
        (f"{theirs}/merge", {"into_id": mine}),
    ):
        refused = await http.post(f"/v1/workspaces/{ws}/feedback/{path}", json=body, headers=other)
        assert refused.status_code == 404, refused.text
    assert await rt.pool.fetchval("SELECT count(*) FROM events") == events


async def test_an_item_merged_by_mistake_is_unmerged_and_each_keeps_its_own(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    """The duplicate stands alone again with its links; the item it went into gives back
    what came only with it, and keeps what it had itself."""
    ws = f"ws-{unique}"
    a = await post(http, ws, text="Need SSO with Okta", source="sales_call")
    c = await post(http, ws, text="Okta login for the mobile app", source="community")
    on_problem = {"target_type": "problem", "target_id": P_SSO}
    on_opportunity = {"target_type": "opportunity", "target_id": O_SSO}
    for item, link in ((a, on_problem), (c, on_opportunity)):
        await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{item}/links", json=link))
        await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{item}/votes", json={}))
    # c brings the caller's vote and the problem, which a has already: they stay a's when
    # the two part; the vote on acme's behalf and the opportunity go back with c
    acme = {"on_behalf_of": f"acme-{unique}"}
    await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{c}/votes", json=acme))
    await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{c}/links", json=on_problem))
    await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{c}/merge", json={"into_id": a}))

    async def seen(item: str) -> dict[str, Any]:
        body: dict[str, Any] = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{item}"))
        return body

    async def merged() -> None:
        assert ((await seen(a))["votes"], (await seen(c))["merged_into"]) == (2, a)

    await settle(merged)
    unmerge = f"/v1/workspaces/{ws}/feedback/{c}/unmerge"
    blank = await http.post(unmerge, json={"reason": " "})
    assert (blank.status_code, blank.json()["errors"][0]["field"]) == (422, "body.reason")
    key = {"Idempotency-Key": f"unmerge-{unique}"}
    reason = {"reason": "a different ask: the mobile app's login"}
    first = await ok(await http.post(unmerge, json=reason, headers=key))
    assert await ok(await http.post(unmerge, json=reason, headers=key)) == first
    again = await ok(await http.post(unmerge, json=reason))  # done already: nothing written
    assert (again["positions"], again["created"]) == ([], False)
    never = await http.post(f"/v1/workspaces/{ws}/feedback/{a}/unmerge", json=reason)
    assert (never.status_code, never.json()["type"].rsplit("/", 1)[1]) == (409, "not-merged")

    async def parted() -> None:
        survivor, duplicate = await seen(a), await seen(c)
        assert survivor["votes"] == 1
        assert not survivor["voters"][0].startswith("customer:"), survivor
        assert [lk["target_id"] for lk in survivor["linked_to"]] == [P_SSO]
        assert duplicate["merged_into"] is None
        assert (duplicate["votes"], duplicate["links"]) == (2, 2)
        inbox = await ok(await http.get(f"/v1/workspaces/{ws}/feedback"))
        assert c in [i["feedback_id"] for i in inbox["items"]]
        opportunity = await ok(
            await http.get(f"/v1/workspaces/{ws}/demand", params={"target_id": O_SSO})
        )
        assert opportunity["targets"][0]["items"] == 1

    await settle(parted)
    # standing alone, it takes changes again
    await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{c}/tags", json={"add_tags": ["sso"]}))


async def test_many_items_are_tagged_and_linked_at_once_each_reported_on_its_own(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    ws = f"ws-{unique}"
    a = await post(http, ws, text="SSO with Okta", source="survey")
    b = await post(http, ws, text="Okta SSO please", source="email")
    c = await post(http, ws, text="Single sign-on", source="chat", tags=["login"])
    await ok(await http.post(f"/v1/workspaces/{ws}/feedback/{b}/merge", json={"into_id": a}))
    missing = str(uuid.uuid4())
    triage = {
        "feedback_ids": [a, b, c, missing, a],
        "add_tags": ["SSO"],
        "remove_tags": ["login"],
        "link": {"target_type": "problem", "target_id": P_RATE},
    }
    path = f"/v1/workspaces/{ws}/feedback/triage"
    done = await ok(await http.post(path, json=triage))
    assert [(r["feedback_id"], r["status"]) for r in done["results"]] == [
        (a, "changed"),
        (b, "conflict"),
        (c, "changed"),
        (missing, "not_found"),
    ]
    assert done["summary"] == {"changed": 2, "conflict": 1, "not_found": 1}
    assert "merged into" in done["results"][1]["detail"]
    again = await ok(await http.post(path, json=triage))
    assert again["summary"] == {"unchanged": 2, "conflict": 1, "not_found": 1}

    async def triaged() -> None:
        tagged = await ok(await http.get(f"/v1/workspaces/{ws}/feedback", params={"tag": "sso"}))
        assert sorted(i["feedback_id"] for i in tagged["items"]) == sorted([a, c])
        assert {i["links"] for i in tagged["items"]} == {1}
        assert (
            "login" not in (await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{c}")))["tags"]
        )
        problem = await ok(
            await http.get(f"/v1/workspaces/{ws}/demand", params={"target_id": P_RATE})
        )
        assert problem["targets"][0]["items"] == 2

    await settle(triaged)
    nothing = await http.post(path, json={"feedback_ids": [a]})
    assert nothing.status_code == 422
    assert "nothing to do" in nothing.text
    too_many = await http.post(path, json={**triage, "feedback_ids": [a] * 501})
    assert (too_many.status_code, too_many.json()["errors"][0]["field"]) == (
        422,
        "body.feedback_ids",
    )


async def test_the_customer_directory_lists_accounts_by_ref_page_by_page(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    segment = f"seg-{unique}"  # customers are the organisation's: keep to this test's
    for ref, plan in (("c", "pro"), ("a", "free"), ("b", "pro")):
        body = {"ref": f"{ref}-{unique}", "name": ref.upper(), "segment": segment, "plan": plan}
        await ok(await http.post("/v1/customers", json=body), 201)
    await ok(await http.post(f"/v1/customers/c-{unique}/erasure"))

    async def listed() -> None:
        first = await ok(await http.get("/v1/customers", params={"segment": segment, "limit": 1}))
        assert [c["ref"] for c in first["items"]] == [f"a-{unique}"]
        rest = await ok(
            await http.get(
                "/v1/customers", params={"segment": segment, "cursor": first["next_cursor"]}
            )
        )
        assert [c["ref"] for c in rest["items"]] == [f"b-{unique}"]  # c was erased
        assert rest["next_cursor"] is None
        everyone = {"segment": segment, "include_erased": "true", "plan": "pro"}
        pro = await ok(await http.get("/v1/customers", params=everyone))
        assert [(c["ref"], c["erased"]) for c in pro["items"]] == [
            (f"b-{unique}", False),
            (f"c-{unique}", True),
        ]

    await settle(listed)
    # a team's members read the accounts (to record feedback from one, to vote on its
    # behalf), not the person to contact; a stakeholder reads neither
    with_contact = {"name": "D", "segment": segment, "contact": "dee@d.example"}
    await ok(await http.post("/v1/customers", json={"ref": f"d-{unique}", **with_contact}), 201)
    member = team_member("local", {"mobile": "contributor"})

    async def read_by_a_team() -> None:
        theirs = await ok(
            await http.get("/v1/customers", params={"segment": segment}, headers=member)
        )
        assert [c["ref"] for c in theirs["items"]] == [f"a-{unique}", f"b-{unique}", f"d-{unique}"]
        assert all("contact" not in c for c in theirs["items"])
        one = await ok(await http.get(f"/v1/customers/d-{unique}", headers=member))
        assert (one["name"], "contact" in one) == ("D", False)
        admins = await ok(await http.get(f"/v1/customers/d-{unique}"))
        assert admins["contact"] == "dee@d.example"

    await settle(read_by_a_team)
    stakeholder = team_member("local", {"mobile": "stakeholder"})
    refused = await http.get("/v1/customers", headers=stakeholder)
    assert refused.status_code == 403, refused.text
    bad = await http.get("/v1/customers", params={"cursor": "not-a-cursor"})
    assert (bad.status_code, bad.json()["errors"][0]["field"]) == (422, "query.cursor")


async def test_a_vote_is_withdrawn_by_its_voter_or_for_its_customer(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    ws = f"ws-{unique}"
    item = await post(http, ws, text="Export to CSV, please", source="email")
    votes = f"/v1/workspaces/{ws}/feedback/{item}/votes"
    await ok(await http.post(votes, json={}))
    await ok(await http.post(votes, json={"on_behalf_of": f"acme-{unique}"}))

    def counted(n: int) -> Check:
        async def check() -> None:
            found = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{item}"))
            assert found["votes"] == n, found

        return check

    await settle(counted(2))
    await ok(await http.delete(votes, params={"on_behalf_of": f"acme-{unique}"}))
    await settle(counted(1))
    found = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{item}"))
    assert len(found["voters"]) == 1  # the caller's own, by name
    assert not found["voters"][0].startswith("customer:"), found
    await ok(await http.delete(votes))
    await settle(counted(0))
    never = await http.delete(votes, params={"on_behalf_of": f"globex-{unique}"})
    assert (never.status_code, never.json()["errors"][0]["field"]) == (422, "query.on_behalf_of")
    not_mine = await http.delete(votes)
    assert (not_mine.status_code, "errors" in not_mine.json()) == (422, False)
    await ok(await http.post(votes, json={}))  # cast again
    await settle(counted(1))
