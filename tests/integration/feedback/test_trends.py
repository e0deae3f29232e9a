"""What a workspace's feedback is about, period by period, and what is rising."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from tests.integration.feedback.conftest import Check, ok, register_customers

pytestmark = pytest.mark.integration

Settle = Callable[[Check], Awaitable[None]]
UNTIL = "2026-06-29T00:00:00+00:00"


async def test_tags_and_themes_are_counted_week_by_week_with_their_customers(
    http: httpx.AsyncClient, settle: Settle, unique: str
) -> None:
    ws = f"ws-{unique}"
    await register_customers(
        http, (f"big-{unique}", "900000", "enterprise"), (f"small-{unique}", "12000", "smb")
    )
    # (received, tags, customer, source): the window is the four weeks before UNTIL.
    items: list[tuple[str, list[str], str | None, str]] = [
        ("2026-06-28T10:00:00Z", ["checkout"], "big", "sales_call"),
        ("2026-06-25T10:00:00Z", ["checkout"], "small", "survey"),
        ("2026-06-22T00:00:00Z", ["checkout"], "big", "survey"),
        ("2026-06-24T10:00:00Z", [], None, "survey"),  # a theme only, below
        ("2026-06-23T10:00:00Z", [], None, "email"),  # still to be triaged
        ("2026-06-18T10:00:00Z", ["checkout"], None, "email"),
        ("2026-06-17T10:00:00Z", ["export"], None, "email"),
        ("2026-06-16T10:00:00Z", ["export"], None, "email"),
        ("2026-06-10T10:00:00Z", ["export"], None, "email"),
        ("2026-05-01T10:00:00Z", ["checkout"], None, "email"),  # before the window
    ]
    ids = []
    for n, (received, tags, customer, source) in enumerate(items):
        text = f"item {n} is {'great' if n % 2 else 'broken'}"
        body: dict[str, Any] = {"text": text, "source": source, "tags": tags}
        body["received_at"] = received
        if customer:
            body["customer_ref"] = f"{customer}-{unique}"
        answer = await ok(await http.post(f"/v1/workspaces/{ws}/feedback", json=body), 201)
        ids.append(answer["id"])
    await ok(
        await http.post(
            f"/v1/workspaces/{ws}/feedback/{ids[3]}/tags", json={"add_themes": ["payments"]}
        )
    )
    path = f"/v1/workspaces/{ws}/feedback/trends"

    async def trends(**params: Any) -> dict[str, Any]:
        body: dict[str, Any] = await ok(
            await http.get(path, params={"until": UNTIL, "periods": 4, **params})
        )
        return body

    async def counted() -> None:
        found = await trends()
        assert [p["end"] for p in found["periods"]][-2:] == [
            "2026-06-22T00:00:00+00:00",
            UNTIL,
        ]
        assert found["total"] == [0, 1, 3, 5]
        assert found["untagged"] == [0, 0, 0, 1]
        latest = [await ok(await http.get(f"/v1/workspaces/{ws}/feedback/{i}")) for i in ids[:5]]
        mean = sum(item["sentiment"] for item in latest) / 5
        assert found["sentiment"][0] is None  # no item that week
        assert found["sentiment"][3] == pytest.approx(mean, abs=0.001)
        assert found["sentiment"][3] != 0
        labels = {(label["kind"], label["name"]): label for label in found["labels"]}
        assert list(labels) == [("tag", "checkout"), ("tag", "export"), ("theme", "payments")]
        checkout = labels["tag", "checkout"]
        assert (checkout["items"], checkout["counts"], checkout["change"]) == (4, [0, 0, 1, 3], 2)
        assert (checkout["customers"], checkout["revenue_weighted"]) == (2, "912000.00")
        export = labels["tag", "export"]
        assert (export["counts"], export["change"], export["customers"]) == ([0, 1, 2, 0], -2, 0)
        assert labels["theme", "payments"]["counts"] == [0, 0, 0, 1]

    await settle(counted)

    rising = await trends(order="rising")
    assert [label["name"] for label in rising["labels"]] == ["checkout", "payments", "export"]
    surveys = await trends(source="survey", limit=1)
    assert surveys["total"] == [0, 0, 0, 3]
    assert [(label["name"], label["items"]) for label in surveys["labels"]] == [("checkout", 2)]
    by_day = await trends(period="day", periods=7)
    assert by_day["total"] == [1, 1, 1, 1, 0, 0, 1]

    # what is still to triage, in the inbox
    inbox = f"/v1/workspaces/{ws}/feedback"
    untagged = await ok(await http.get(inbox, params={"tagged": "false"}))
    assert [item["feedback_id"] for item in untagged["items"]] == [ids[4]]
    tagged = await ok(await http.get(inbox, params={"tagged": "true", "limit": 200}))
    assert len(tagged["items"]) == len(ids) - 1  # a theme counts

    early = await http.get(path, params={"until": "0001-02-01T00:00:00Z", "period": "month"})
    assert (early.status_code, early.json()["errors"][0]["field"]) == (422, "query.until")
    since = await http.get(path, params={"since": "2026-06-01T00:00:00Z"})
    assert (since.status_code, since.json()["errors"][0]["field"]) == (422, "query.since")
    too_many = await http.get(path, params={"periods": 53})
    assert (too_many.status_code, too_many.json()["errors"][0]["field"]) == (422, "query.periods")
