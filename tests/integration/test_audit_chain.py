"""The audit log is a hash chain per workspace; verification finds a row edited in place."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.service import Runtime, open_runtime, prepare

from tests.support import eventually, run_cli

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def rt(settings: Settings) -> AsyncIterator[Runtime]:
    await prepare(definition, settings)
    async with open_runtime(definition, settings) as runtime:
        runtime.subscribe_projections()
        await runtime.broker.start()
        yield runtime


async def verify_cli(settings: Settings, workspace: str) -> tuple[int, dict[str, object], str]:
    code, out, progress = await run_cli(
        settings,
        "audit",
        "verify",
        "feedback",
        "--tenant",
        "local",
        "--workspace",
        workspace,
        within=60,
    )
    return code, json.loads(out.strip().splitlines()[-1]), progress


async def test_an_edited_row_breaks_the_chain_at_that_row(
    rt: Runtime, settings: Settings, unique: str
) -> None:
    ws = f"ws-{unique}"
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://x"
    ) as http:
        for i in range(12):
            response = await http.post(
                f"/v1/workspaces/{ws}/feedback", json={"text": f"entry {i}", "source": "email"}
            )
            assert response.status_code == 201

        async def all_audited() -> None:
            await rt.relay().publish_batch()
            report = (
                await http.get("/v1/feedback/audit/verify", params={"workspace_id": ws})
            ).json()
            assert report["entries"] == 12
            assert report["intact"] is True

        await eventually(all_audited, within=30)
        code, report, progress = await verify_cli(settings, ws)
        assert (code, report["intact"], report["entries"]) == (0, True, 12)
        assert "verify feedback audit  12 entries" in progress  # its last count, all of them
        code, empty, said = await verify_cli(settings, f"{ws}-typo")
        assert (code, empty["entries"]) == (2, 0)  # a scheduled check with a typo fails
        assert f"no feedback audit entries for workspace '{ws}-typo'" in said

        victim = await rt.pool.fetchrow(
            "SELECT event_id, chain_seq FROM audit_log WHERE workspace_id = $1"
            " ORDER BY chain_seq OFFSET 6 LIMIT 1",
            ws,
        )
        assert victim is not None
        await rt.pool.execute(
            "UPDATE audit_log SET actor = 'mallory' WHERE event_id = $1", victim["event_id"]
        )
        report = (await http.get("/v1/feedback/audit/verify", params={"workspace_id": ws})).json()
        assert report["intact"] is False
        assert report["first_broken_seq"] == victim["chain_seq"] == 7
        assert report["first_broken_event"] == str(victim["event_id"])
        assert "altered" in report["reason"]
        code, cli_report, _ = await verify_cli(settings, ws)
        assert code == 1
        assert cli_report["first_broken_seq"] == 7

        await rt.pool.execute("DELETE FROM audit_log WHERE workspace_id = $1 AND chain_seq = 3", ws)
        report = (await http.get("/v1/feedback/audit/verify", params={"workspace_id": ws})).json()
        assert report["first_broken_seq"] == 4
        assert "missing" in report["reason"]
