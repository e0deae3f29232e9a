"""Likely duplicates among a workspace's newest feedback, found all at once."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.integration.feedback.conftest import Check, ok

pytestmark = pytest.mark.integration

Settle = Callable[[Check], Awaitable[None]]


async def test_the_newest_items_are_grouped_with_their_likely_duplicates(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    ws = f"ws-{unique}"
    texts = {
        "card": "Please remember my card so I need not type it",
        "card-again": "Please remember my card so I need not type it again",
        "card-same": "please remember my card, so I need not type it!",
        "slow": "Exports to CSV are slow",
        "slow-too": "CSV exports are slow",
        "dark": "Dark mode please",
    }
    ids: dict[str, str] = {}
    for n, (name, text) in enumerate(texts.items()):
        body = {"text": text, "source": "survey", "received_at": f"2026-06-0{n + 1}T10:00:00Z"}
        answer = await ok(await http.post(f"/v1/workspaces/{ws}/feedback", json=body), 201)
        ids[name] = answer["id"]
    # the card request was linked first: it is the one to keep, though not the first
    await ok(
        await http.post(
            f"/v1/workspaces/{ws}/feedback/{ids['card-again']}/links",
            json={"target_type": "problem", "target_id": str(uuid.uuid4())},
        )
    )
    path = f"/v1/workspaces/{ws}/feedback/duplicates"
    named = {v: k for k, v in ids.items()}

    async def grouped() -> None:
        found = await ok(await http.get(path))
        assert (found["swept"], found["more"], found["groups_total"]) == (6, False, 2)
        groups = [
            (named[g["keep"]["feedback_id"]], [named[d["feedback_id"]] for d in g["duplicates"]])
            for g in found["groups"]
        ]
        assert groups == [("card-again", ["card", "card-same"]), ("slow", ["slow-too"])]
        card = found["groups"][0]["duplicates"]
        # by the similar items' measure, which PostgreSQL computes
        similar = await ok(
            await http.get(f"/v1/workspaces/{ws}/feedback/{ids['card-again']}/similar")
        )
        computed = {named[s["feedback_id"]]: s["similarity"] for s in similar["suggestions"]}
        assert {named[d["feedback_id"]]: d["similarity"] for d in card} == computed
        slow = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{ids['slow']}/similar"))
        assert [named[s["feedback_id"]] for s in slow["suggestions"]] == ["slow-too"]

    await settle(grouped)

    newest = await ok(await http.get(path, params={"sweep": 2}))
    assert (newest["swept"], newest["more"], newest["groups"]) == (2, True, [])
    strict = await ok(await http.get(path, params={"min_similarity": 1.0}))
    assert [len(g["duplicates"]) for g in strict["groups"]] == [1]  # the same words
    # told apart from the one kept, an item is no longer listed with it
    slow, slow_too = ids["slow"], ids["slow-too"]
    told = f"/v1/workspaces/{ws}/feedback/{slow_too}/tell-apart"
    await ok(await http.post(told, json={"other_id": slow}))
    again = await ok(await http.post(told, json={"other_id": slow}))
    assert again["positions"] == []  # told once, recorded once
    itself = await http.post(told, json={"other_id": slow_too})
    assert (itself.status_code, itself.json()["errors"][0]["field"]) == (422, "body.other_id")

    async def apart() -> None:
        found = await ok(await http.get(path))
        assert [named[g["keep"]["feedback_id"]] for g in found["groups"]] == ["card-again"]
        for one, other in ((slow, slow_too), (slow_too, slow)):  # nor each other's page
            similar = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{one}/similar"))
            assert other not in [s["feedback_id"] for s in similar["suggestions"]]

    await settle(apart)

    # told the other way round, nothing more is recorded; from no item, a 404
    reverse = await ok(
        await http.post(
            f"/v1/workspaces/{ws}/feedback/{slow}/tell-apart", json={"other_id": slow_too}
        )
    )
    assert reverse["positions"] == []
    nowhere = await http.post(told, json={"other_id": str(uuid.uuid4())})
    assert nowhere.status_code == 404

    async def listed_either_way() -> None:
        for one, other in ((slow, slow_too), (slow_too, slow)):
            item = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{one}"))
            assert [t["feedback_id"] for t in item["told_apart"]] == [other]

    await settle(listed_either_way)
    # taken back from the other item's side: the pair is offered again
    withdraw = f"/v1/workspaces/{ws}/feedback/{slow}/told-apart/{slow_too}"
    await ok(await http.delete(withdraw))
    twice = await http.delete(withdraw)
    assert (twice.status_code, twice.json()["errors"][0]["field"]) == (422, "path.other_id")

    async def alike_again() -> None:
        await grouped()
        item = await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{slow}"))
        assert item["told_apart"] == []
        # the audit history names the pair told apart, and taken back
        pair = {"subject": slow_too, "part": f"other_id={slow}"}
        audited = await ok(await http.get("/v1/feedback/audit", params=pair))
        assert [e["event_type"].split(".")[-2] for e in audited["items"]] == [
            "FeedbackToldApart",
            "FeedbackToldApartWithdrawn",
        ]

    await settle(alike_again)

    loose = await http.get(path, params={"min_similarity": 0.2})
    assert (loose.status_code, loose.json()["errors"][0]["field"]) == (
        422,
        "query.min_similarity",
    )
