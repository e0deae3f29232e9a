"""The discovery flow over HTTP: research, problem, opportunity, solution, experiment."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import Platform
from tests.integration.kit_support import read_topic
from tests.support import eventually

pytestmark = pytest.mark.e2e

PM = {"X-Sextant-Actor": "pm.ana", "X-Sextant-Role": "product_manager"}


@pytest.fixture
async def http(platform: Platform) -> Any:
    tenant = {"X-Sextant-Tenant": f"acme-{uuid.uuid4().hex[:8]}", **PM}
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=10, headers=tenant) as c:
        yield c


async def created(response: httpx.Response, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_research_to_a_concluded_experiment(
    http: httpx.AsyncClient, platform: Platform
) -> None:
    ws = "/v1/workspaces/payments"
    insight = await created(
        await http.post(
            f"{ws}/insights",
            json={
                "title": "Owners dread invoicing",
                "market": "smb payments",
                "source": "12 interviews",
                "summary": "Invoicing takes an evening a week",
            },
        )
    )
    problem = await created(
        await http.post(
            f"{ws}/problems",
            json={
                "title": "Invoicing takes hours",
                "statement": "Owners lose an evening a week",
                "severity": 4,
                "frequency": 5,
            },
        )
    )
    await created(
        await http.post(
            f"{ws}/problems/{problem['id']}/insights", json={"insight_id": insight["id"]}
        ),
        200,
    )
    opportunity = await created(
        await http.post(
            f"{ws}/opportunities",
            json={"title": "Instant invoices", "problem_ids": [problem["id"]]},
        )
    )
    opp = f"{ws}/opportunities/{opportunity['id']}"
    inputs = {
        "reach": 50000,
        "pain_severity": 4,
        "frequency": 5,
        "willingness_to_pay": 4,
        "alternatives_strength": 2,
        "strategic_fit": 5,
    }
    evaluation = await created(await http.post(f"{opp}/evaluations", json={"inputs": inputs}))
    assert evaluation["consistency_token"].startswith("discovery:")
    await created(
        await http.post(f"{opp}/decision", json={"verdict": "pursue", "rationale": "big"}), 200
    )
    solution = await created(
        await http.post(
            f"{opp}/solutions",
            json={"title": "Invoice from a photo", "value": 4, "effort": 2, "confidence": 3},
        )
    )
    await created(
        await http.post(
            f"{opp}/solutions/{solution['solution_id']}/select", json={"rationale": "cheapest"}
        ),
        200,
    )
    experiment = await created(
        await http.post(
            f"{ws}/experiments",
            json={
                "opportunity_id": opportunity["id"],
                "solution_id": solution["solution_id"],
                "hypothesis": "Owners will try photo invoices",
                "metric": "trial conversion",
                "unit": "percent",
                "threshold": 20,
            },
        )
    )
    exp = f"{ws}/experiments/{experiment['id']}"
    await created(await http.post(f"{exp}/start"), 200)
    await created(await http.post(f"{exp}/observations", json={"value": 27.5}))
    await created(
        await http.post(f"{exp}/conclude", json={"outcome": "validated", "learnings": "they do"}),
        200,
    )

    async def on_the_scoreboard() -> None:
        board = (await http.get(f"{ws}/opportunities")).json()["items"]
        assert len(board) == 1, board
        row = board[0]
        assert row["opportunity_id"] == opportunity["id"]
        assert row["status"] == "pursued"
        assert row["score"] > 0
        assert sum(row["breakdown"].values()) == pytest.approx(row["score"])
        assert (row["experiments"], row["validated"]) == (1, 1)

    await eventually(on_the_scoreboard, within=60)

    async def logged() -> None:
        log = (await http.get(f"{opp}/experiments")).json()["items"]
        assert [(e["status"], e["outcome"]) for e in log] == [("concluded", "validated")]

    await eventually(logged, within=60)

    topic = platform.settings.topic("sextant.discovery.events.v1")
    records = await read_topic(platform.settings.kafka_bootstrap, topic, 10_000, timeout_ms=3000)
    mine = {str(v) for v in (problem["id"], opportunity["id"], experiment["id"], insight["id"])}
    types = {dict(r.headers)["ce_type"] for r in records if r.key and r.key.decode() in mine}
    for name in (
        "InsightRecorded",
        "ProblemIdentified",
        "InsightAttached",
        "OpportunityOpened",
        "OpportunityEvaluated",
        "OpportunityDecided",
        "SolutionProposed",
        "SolutionSelected",
        "ExperimentDesigned",
        "ExperimentStarted",
        "ObservationRecorded",
        "ExperimentConcluded",
        "ExperimentEvidenceAdded",
    ):
        assert f"io.sextant.discovery.{name}.v1".encode() in types, name
