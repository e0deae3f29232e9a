"""The console's page for a team's scoring formulas."""

from __future__ import annotations

import httpx
from sextant_console.web import FLASH, Flash

from tests.unit.console.support import FakeApi, post_form, seen_in, sign_in, token, words

WEIGHTED = {
    "name": "weighted",
    "expression": "(value * 2 + urgency) / max(effort, 1)",
    "inputs": ["effort", "urgency", "value"],
    "description": "Value counts double",
    "revision": 2,
    "defined_at": "2026-11-27T21:45:54+00:00",
}
FORMULAS = {"items": [WEIGHTED], "next_cursor": None}


async def test_a_team_defines_and_revises_its_own_scoring_formulas(
    client: httpx.AsyncClient, api: FakeApi
) -> None:
    api.on("GET", "/v1/workspaces/mobile/scoring-formulas", body=FORMULAS)
    sign_in(client, token("contributor"))
    page = await client.get("/w/mobile/scoring-formulas")
    assert page.status_code == 200, page.text
    said = words(page.text)
    assert "rice : reach, impact (0-3), confidence (%), effort" in said  # built in
    assert (
        "weighted (value * 2 + urgency) / max(effort, 1) Value counts double"
        " effort, urgency, value 2, 2026-11-27 21:45"
    ) in said
    assert "Save revision 3" in said

    api.on("PUT", "/v1/workspaces/mobile/scoring-formulas/fit", 201, {"consistency_token": "r:1"})
    form = {"name": " Fit ", "expression": "value / effort", "form_nonce": "f1"}
    sent, body = await post_form(
        client,
        api,
        "/w/mobile/scoring-formulas",
        form,
        "/v1/workspaces/mobile/scoring-formulas/fit",
    )
    assert body == {"expression": "value / effort", "description": ""}
    assert sent.headers["location"] == "/w/mobile/scoring-formulas"

    # Revised from the page as it was: a description another revised meanwhile stays.
    api.on(
        "GET",
        "/v1/workspaces/mobile/scoring-formulas",
        body={"items": [{**WEIGHTED, "description": "Value first"}]},
    )
    api.on("PUT", "/v1/workspaces/mobile/scoring-formulas/weighted", 200, {})
    revised = {
        "name": "weighted",
        "expression": "value * 3 / max(effort, 1)",
        "description": "Value counts double",
        "seen": seen_in(page.text, "/w/mobile/scoring-formulas"),
    }
    _, body = await post_form(
        client,
        api,
        "/w/mobile/scoring-formulas",
        revised,
        "/v1/workspaces/mobile/scoring-formulas/weighted",
    )
    assert body == {"expression": "value * 3 / max(effort, 1)", "description": "Value first"}

    before = len(api.seen)
    for name in ("2fit", "fit score", "x" * 51):
        form = {"name": name, "expression": "1", "form_nonce": f"f-{name}"}
        sent, body = await post_form(client, api, "/w/mobile/scoring-formulas", form, "-")
        assert "Name: a lower-case letter" in Flash.decode(sent.cookies.get(FLASH)).text
    assert len(api.seen) == before  # refused in the console, never sent

    sign_in(client, token("stakeholder"))
    api.on("GET", "/v1/workspaces/mobile/scoring-formulas", body={"items": []})
    page = await client.get("/w/mobile/scoring-formulas")
    assert 'method="post"' not in page.text.split("<main")[1]
