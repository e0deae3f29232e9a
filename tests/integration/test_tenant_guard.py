"""Row-level security: a read that forgets its tenant filter sees only the caller's tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sextant_feedback.service import definition as feedback
from sextant_kit import Settings
from sextant_kit.service import Runtime, prepare
from sextant_kit.tenancy import POLICY, READER_ROLE, TenantReads
from sextant_platform import SERVICES

from tests.support import eventually, running

pytestmark = pytest.mark.integration

_TABLES = """
SELECT c.relname AS name, c.relrowsecurity AS secured,
       EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid
               AND a.attname = 'tenant_id' AND NOT a.attisdropped) AS tenanted,
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $1) AS policed,
       has_table_privilege($2, c.oid, 'SELECT') AS readable
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r'
"""


@pytest.fixture(scope="module")
async def rt(settings: Settings) -> AsyncIterator[Runtime]:
    async with running(feedback, settings) as runtime:
        yield runtime


async def test_every_tenant_table_of_every_service_is_guarded(settings: Settings) -> None:
    for definition in SERVICES:
        await prepare(definition, settings)
        conn = await asyncpg.connect(settings.dsn(settings.database(definition.context)))
        try:
            tables = await conn.fetch(_TABLES, POLICY, READER_ROLE)
        finally:
            await conn.close()
        tenanted = [t for t in tables if t["tenanted"]]
        assert tenanted, definition.context
        for t in tenanted:
            assert (t["secured"], t["policed"], t["readable"]) == (True, True, True), (
                definition.context,
                t["name"],
            )
        for t in tables:
            if not t["tenanted"]:
                assert not t["readable"], f"{definition.context}.{t['name']} has no tenant_id"


async def test_a_query_without_its_tenant_filter_sees_only_the_callers_rows(
    rt: Runtime, unique: str
) -> None:
    tenant, other = f"acme-{unique}", f"globex-{unique}"
    app = rt.http_app(with_routes=True)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://x",
        headers={"X-Sextant-Tenant": tenant, "X-Sextant-Actor": "ann"},
    ) as http:
        customer = await http.post(
            "/v1/customers",
            json={"ref": "ann", "name": "Ann Example", "contact": "ann@example.com"},
        )
        assert customer.status_code == 201, customer.text
        for i in range(3):
            item = await http.post(
                "/v1/workspaces/ws-guard/feedback",
                json={"text": f"guarded {i}", "source": "email", "customer_ref": "ann"},
            )
            assert item.status_code == 201, item.text

        async def projected() -> None:
            await rt.relay().publish_batch()
            page = (await http.get("/v1/workspaces/ws-guard/feedback")).json()
            assert len(page["items"]) == 3
            audit = (await http.get("/v1/feedback/audit", params={"actor": "ann"})).json()
            assert len(audit["items"]) == 4

        await eventually(projected, within=30)

    reads = TenantReads(rt.pool)
    async with rt.pool.acquire() as owner:
        tables = [
            t["name"] for t in await owner.fetch(_TABLES, POLICY, READER_ROLE) if t["tenanted"]
        ]
        seen = {}
        for table in tables:
            # No tenant filter in the SQL: only the policy stands between tenants.
            unfiltered = f"SELECT count(*) FROM {table} WHERE $1::text IS NOT NULL"
            mine = await owner.fetchval(
                f"SELECT count(*) FROM {table} WHERE tenant_id = $1", tenant
            )
            assert await reads.fetchval(unfiltered, tenant) == mine, table
            assert await reads.fetchval(unfiltered, other) == 0, table
            seen[table] = mine
    for table in ("events", "feedback_inbox", "customers", "audit_log"):
        assert seen[table] > 0, f"the test wrote no {table} rows for {tenant}"

    # The searches that run as the tables' owner (to use their indexes) are confined alike:
    # to the tenant the reading transaction set, whatever tenant their caller names.
    searches = {
        "feedback_matching": "SELECT count(*) FROM feedback_matching('ws-guard', 'guarded')",
        "feedback_resembling": "SELECT count(*) FROM feedback_resembling('ws-guard', 'guarded 1')",
    }
    for name, search in searches.items():
        forgetting = f"{search} WHERE $1::text IS NOT NULL"
        assert await reads.fetchval(forgetting, tenant) == 3, name
        assert await reads.fetchval(forgetting, other) == 0, name
        async with rt.pool.acquire() as owner:
            assert await owner.fetchval(search) == 0, f"{name} with no tenant set"
    with pytest.raises(asyncpg.InsufficientPrivilegeError):
        await reads.fetch("SELECT * FROM projection_checkpoints WHERE $1::text IS NOT NULL", tenant)
    with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
        await reads.fetch("DELETE FROM customers WHERE tenant_id = $1", tenant)
