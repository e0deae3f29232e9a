"""Organisations, workspaces and memberships, set up with the operator CLI and read over HTTP."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from urllib.parse import quote

import httpx
import jwt
import pytest
from sextant_identity.service import definition
from sextant_kit import Settings
from sextant_kit.service import Runtime, open_runtime, prepare

from tests.support import eventually, run_cli, team_member

pytestmark = pytest.mark.integration


async def sextant(settings: Settings, *args: str) -> tuple[int, str]:
    code, out, err = await run_cli(settings, *args)
    return code, out or err


@pytest.fixture(scope="module")
async def rt(settings: Settings) -> AsyncIterator[Runtime]:
    await prepare(definition, settings)
    async with open_runtime(definition, settings) as runtime:
        runtime.subscribe_projections()
        await runtime.broker.start()
        yield runtime


async def test_an_operator_sets_up_an_organisation_its_workspace_and_members(
    rt: Runtime, settings: Settings, unique: str
) -> None:
    tenant = f"acme-{unique}"
    early = await sextant(
        settings,
        "workspace",
        "create",
        "--tenant",
        tenant,
        "--workspace",
        "mobile",
        "--name",
        "Mobile",
    )
    # refused with one line that says why, and no traceback
    assert early == (1, "error: create the organisation before its workspaces\n")
    for args in (
        ["org", "create", "--tenant", tenant, "--name", "Acme"],
        ["workspace", "create", "--tenant", tenant, "--workspace", "mobile", "--name", "Mobile"],
        [
            "member",
            "grant",
            "--tenant",
            tenant,
            "--workspace",
            "mobile",
            "--member",
            "ana",
            "--role",
            "product_manager",
        ],
        ["member", "grant", "--tenant", tenant, "--member", "cy", "--role", "stakeholder"],
    ):
        code, out = await sextant(settings, *args)
        assert code == 0, out
        assert json.loads(out)["changed"] is True
    again = await sextant(settings, "org", "create", "--tenant", tenant, "--name", "Acme")
    assert json.loads(again[1])["changed"] is False
    bad = ["workspace", "create", "--tenant", tenant, "--workspace", "a b", "--name", "AB"]
    assert await sextant(settings, *bad) == (
        1,
        "error: --workspace: String should match pattern '^[A-Za-z0-9_.-]+$'\n",
    )

    headers = {"X-Sextant-Tenant": tenant}
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://x"
    ) as http:

        async def directory() -> None:
            await rt.relay().publish_batch()
            members = await http.get("/v1/workspaces/mobile/members", headers=headers)
            items = members.json()["items"]
            assert [(m["member"], m["role"]) for m in items] == [("ana", "product_manager")]
            for q, found in (("AN", ["ana"]), ("_", [])):  # a part of the name, any case
                some = await http.get(
                    "/v1/workspaces/mobile/members", params={"q": q}, headers=headers
                )
                assert [m["member"] for m in some.json()["items"]] == found, some.text
            spaces = await http.get("/v1/workspaces", headers=headers)
            assert [w["workspace_id"] for w in spaces.json()["items"]] == ["mobile"]
            # an organisation-wide stakeholder finds the workspaces, not their members
            cy = {**headers, "X-Sextant-Actor": "cy", "X-Sextant-Role": "stakeholder"}
            seen = await http.get("/v1/workspaces", headers=cy)
            assert [w["workspace_id"] for w in seen.json()["items"]] == ["mobile"]
            hidden = await http.get("/v1/workspaces/mobile/members", headers=cy)
            assert hidden.status_code == 403

        await eventually(directory, within=30)
        # a token with the roles the directory records, for a person or a local sign-in
        for subject, claims in (
            ("ana", {"sextant_workspaces": {"mobile": "product_manager"}}),
            ("cy", {"sextant_role": "stakeholder"}),
        ):
            made = ["token", "create", "--tenant", tenant, "--subject", subject]
            code, out, err = await run_cli(settings, *made, "--from-directory")
            assert code == 0, err
            token = jwt.decode(out.strip(), options={"verify_signature": False})
            assert {k: token[k] for k in claims} == claims
            unrecorded = {"sextant_role", "sextant_workspaces"} - claims.keys()
            assert not unrecorded & token.keys()  # only the roles the directory records
        nobody = ["token", "create", "--tenant", tenant, "--subject", "bo", "--from-directory"]
        assert await sextant(settings, *nobody) == (
            1,
            f"error: bo holds no role in {tenant}'s directory; grant one (sextant member grant,"
            " or a workspace's members page in the console)\n",
        )
        revoked = await http.delete("/v1/workspaces/mobile/members/ana", headers=headers)
        assert revoked.status_code == 200
        # a member named by an identity provider's subject, '/' and all, is taken back too
        subject = "okta|eu/bo léa"
        body = {"member": subject, "role": "contributor"}
        granted = await http.post("/v1/workspaces/mobile/members", json=body, headers=headers)
        assert granted.status_code == 200, granted.text
        escaped = quote(subject, safe="")
        taken = await http.delete(f"/v1/workspaces/mobile/members/{escaped}", headers=headers)
        assert taken.status_code == 200, taken.text

        async def revoked_in_the_audit() -> None:
            await rt.relay().publish_batch()
            kind = "io.sextant.identity.MemberRoleRevoked.v1"
            params = {"workspace_id": "mobile", "event_type": kind}
            found = await http.get("/v1/identity/audit", params=params, headers=headers)
            entries = {e["data"]["member"]: e for e in found.json()["items"]}
            changes = {c["field"]: (c["before"], c["after"]) for c in entries[subject]["changes"]}
            assert changes["role"] == ("contributor", None)  # the role gone, not just a time

        await eventually(revoked_in_the_audit, within=30)
        not_member = await http.delete("/v1/workspaces/mobile/members/bo", headers=headers)
        assert not_member.status_code == 422
        assert not_member.json()["errors"][0]["field"] == "path.member"
        other = await http.get("/v1/workspaces", headers={"X-Sextant-Tenant": f"x-{unique}"})
        assert other.json()["items"] == []

        # organisation-wide roles are listed, and taken back, on their own
        orgs = await http.get("/v1/organisation/members", headers=headers)
        assert [(m["member"], m["role"]) for m in orgs.json()["items"]] == [("cy", "stakeholder")]
        gone = await http.delete("/v1/organisation/members/cy", headers=headers)
        assert gone.status_code == 200, gone.text

        # directories page with cursors
        for ws in ("web", "ops"):
            body = {"workspace_id": ws, "name": ws.title()}
            added = await http.post("/v1/workspaces", json=body, headers=headers)
            assert added.status_code == 201
            assert added.headers["location"] == f"/v1/workspaces/{ws}"

        async def paged() -> None:
            await rt.relay().publish_batch()
            orgs = await http.get("/v1/organisation/members", headers=headers)
            assert orgs.json()["items"] == []
            first = (await http.get("/v1/workspaces", params={"limit": 2}, headers=headers)).json()
            assert [w["workspace_id"] for w in first["items"]] == ["mobile", "ops"]
            rest = await http.get(
                "/v1/workspaces", params={"cursor": first["next_cursor"]}, headers=headers
            )
            assert [w["workspace_id"] for w in rest.json()["items"]] == ["web"]
            assert rest.json()["next_cursor"] is None

        await eventually(paged, within=30)
        # where a new workspace's Location points: its id and name, for whoever reads it
        ops = await http.get("/v1/workspaces/ops", headers=headers)
        assert (ops.status_code, ops.json()["name"]) == (200, "Ops"), ops.text
        # a team member lists and opens their own workspaces, not the others
        web = team_member(tenant, {"web": "stakeholder", "ops": "contributor"})
        theirs = await http.get("/v1/workspaces", headers=web)
        assert [w["name"] for w in theirs.json()["items"]] == ["Ops", "Web"]
        assert (await http.get("/v1/workspaces/mobile", headers=web)).status_code == 403
        assert (await http.get("/v1/workspaces/nope", headers=headers)).status_code == 404
        # found by a part of the id or name, in any case; a LIKE wildcard is only itself
        for q, found in (("OP", ["ops"]), ("eb", ["web"]), ("%", []), ("_", [])):
            hits = await http.get("/v1/workspaces", params={"q": q}, headers=headers)
            assert [w["workspace_id"] for w in hits.json()["items"]] == found, q
        mine = await http.get("/v1/workspaces", params={"q": "o"}, headers=web)
        assert [w["workspace_id"] for w in mine.json()["items"]] == ["ops"]  # not mobile
        odd = await http.get("/v1/workspaces", params={"cursor": "nope"}, headers=headers)
        assert (odd.status_code, odd.json()["errors"][0]["field"]) == (422, "query.cursor")

        # renamed, a workspace keeps its id; the organisation too is renamed
        renamed = await http.patch(
            "/v1/workspaces/ops", json={"name": "Operations"}, headers=headers
        )
        assert renamed.status_code == 200, renamed.text
        same = await http.patch("/v1/workspaces/ops", json={"name": "Operations"}, headers=headers)
        assert same.json()["positions"] == []
        blank = await http.patch("/v1/workspaces/ops", json={"name": " "}, headers=headers)
        assert (blank.status_code, blank.json()["errors"][0]["field"]) == (422, "body.name")
        unknown = await http.patch("/v1/workspaces/nope", json={"name": "N"}, headers=headers)
        assert unknown.status_code == 404, unknown.text
        contributor = team_member(tenant, {"ops": "contributor"})
        refused = await http.patch("/v1/workspaces/ops", json={"name": "X"}, headers=contributor)
        assert refused.status_code == 403, refused.text
        group = await http.patch("/v1/organisation", json={"name": "Acme Group"}, headers=headers)
        assert group.status_code == 200, group.text

        async def named_anew() -> None:
            await rt.relay().publish_batch()
            ops = (await http.get("/v1/workspaces/ops", headers=headers)).json()
            assert ops["name"] == "Operations"
            hits = await http.get("/v1/workspaces", params={"q": "operat"}, headers=headers)
            assert [w["workspace_id"] for w in hits.json()["items"]] == ["ops"]
            org = (await http.get("/v1/organisation", headers=headers)).json()
            assert org["name"] == "Acme Group"

        await eventually(named_anew, within=30)
        # the operator renames one too, from the command line
        code, out = await sextant(
            settings,
            "workspace",
            "rename",
            "--tenant",
            tenant,
            "--workspace",
            "web",
            "--name",
            "Website",
        )
        assert (code, json.loads(out)["changed"]) == (0, True), out
        missing = ["workspace", "rename", "--tenant", tenant, "--workspace", "nope", "--name", "N"]
        assert await sextant(settings, *missing) == (
            1,
            "error: no such organisation or workspace\n",
        )
        code, out = await sextant(settings, "org", "rename", "--tenant", tenant, "--name", "Acme")
        assert (code, json.loads(out)["changed"]) == (0, True), out
        # the directory lists workspaces by name, a page at a time
        zeta = await http.patch("/v1/workspaces/mobile", json={"name": "Zeta"}, headers=headers)
        assert zeta.status_code == 200, zeta.text

        async def by_name() -> None:
            await rt.relay().publish_batch()
            first = (await http.get("/v1/workspaces", params={"limit": 2}, headers=headers)).json()
            assert [w["name"] for w in first["items"]] == ["Operations", "Website"]
            rest = await http.get(
                "/v1/workspaces", params={"cursor": first["next_cursor"]}, headers=headers
            )
            assert [w["workspace_id"] for w in rest.json()["items"]] == ["mobile"]

        await eventually(by_name, within=30)


async def test_a_role_taken_back_again_under_its_key_is_answered_as_the_first_time(
    rt: Runtime, unique: str
) -> None:
    """A retry after a lost answer gets the first answer back, not "holds no role here"."""
    app = rt.http_app(with_routes=True)
    headers = {"X-Sextant-Tenant": f"t-{unique}", "X-Sextant-Actor": "admin"}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t", headers=headers
    ) as http:
        assert (await http.post("/v1/organisation", json={"name": "Acme"})).status_code == 201
        ws = {"workspace_id": "mobile", "name": "Mobile"}
        assert (await http.post("/v1/workspaces", json=ws)).status_code == 201
        grant = {"member": "ana", "role": "contributor"}
        assert (await http.post("/v1/workspaces/mobile/members", json=grant)).status_code == 200
        key = {"Idempotency-Key": f"revoke-{unique}"}
        first = await http.delete("/v1/workspaces/mobile/members/ana", headers=key)
        again = await http.delete("/v1/workspaces/mobile/members/ana", headers=key)
        assert (first.status_code, again.status_code) == (200, 200)
        assert again.json() == first.json()
        other = await http.delete("/v1/workspaces/mobile/members/bob", headers=key)
        assert other.status_code == 409, other.text
