"""Read-your-writes through the running platform: every service's token, in one process."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from sextant_kit.consistency import HEADER

from tests.e2e.conftest import Platform

pytestmark = pytest.mark.e2e


@pytest.fixture
async def http(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=10) as client:
        yield client


async def test_each_service_reads_its_own_write_on_the_first_query(
    http: httpx.AsyncClient,
) -> None:
    ws = f"ws-{uuid.uuid4().hex[:8]}"
    writes = [  # (collection, a new member, the field naming it in the list)
        (f"/v1/workspaces/{ws}/roadmaps", {"name": "Checkout"}, "roadmap_id"),
        (f"/v1/workspaces/{ws}/feedback", {"text": "Apple Pay", "source": "email"}, "feedback_id"),
    ]
    for collection, payload, key in writes:
        created = await http.post(collection, json=payload)
        assert created.status_code == 201, created.text
        token = created.json()["consistency_token"]
        # No polling: the first read carrying the token already includes the write.
        read = await http.get(collection, headers={HEADER: token})
        assert read.status_code == 200, read.text
        assert [str(i[key]) for i in read.json()["items"]] == [created.json()["id"]]
