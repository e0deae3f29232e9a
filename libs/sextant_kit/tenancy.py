"""Row-level security: a read that forgets its tenant filter still sees only its tenant.

Every table of a service's database that has a ``tenant_id`` column gets PostgreSQL
row-level security with one policy: the ``sextant_reader`` role sees a row only when its
``tenant_id`` equals the transaction setting ``sextant.tenant_id``. Endpoints read through
:class:`TenantReads`, which runs each read in a read-only transaction as that role with the
caller's tenant set, so a query missing ``WHERE tenant_id = …`` returns the caller's rows and
no one else's. Tables without a tenant column are not granted to the role at all: an
endpoint reading one fails loudly rather than leaking. Writers (the event store, relays,
projections) keep the owner's rights, which row-level security does not restrict.

The guard is applied by :func:`sextant_kit.database.migrate` after every migration run, so
a table added by a new migration is covered the day it is created.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any

import asyncpg

if TYPE_CHECKING:
    from sextant_kit.database import Connection

READER_ROLE = "sextant_reader"
TENANT_SETTING = "sextant.tenant_id"
POLICY = "sextant_tenant_isolation"

_ENTER = (
    f"SELECT set_config('role', '{READER_ROLE}', true), set_config('{TENANT_SETTING}', $1, true)"
)

_TENANT_TABLES = """
SELECT c.oid::regclass::text AS name,
       c.relrowsecurity AS secured,
       EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid AND p.polname = $1) AS policed,
       has_table_privilege($2, c.oid, 'SELECT') AS granted
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
  AND EXISTS (SELECT 1 FROM pg_attribute a
              WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
ORDER BY 1
"""


async def guard_tenant_tables(conn: Connection) -> list[str]:
    """Give every table with a ``tenant_id`` column its policy; returns the tables changed.

    Safe to run again and concurrently with other databases' runs: the role is shared by
    the whole server, the tables are this database's.
    """
    await _ensure_reader_role(conn)
    await conn.execute(f"GRANT USAGE ON SCHEMA public TO {READER_ROLE}")
    changed = []
    for table in await conn.fetch(_TENANT_TABLES, POLICY, READER_ROLE):
        name = table["name"]
        if not table["secured"]:
            await conn.execute(f"ALTER TABLE {name} ENABLE ROW LEVEL SECURITY")
        if not table["policed"]:
            await conn.execute(
                f"CREATE POLICY {POLICY} ON {name} FOR SELECT TO {READER_ROLE}"
                f" USING (tenant_id = current_setting('{TENANT_SETTING}', true))"
            )
        if not table["granted"]:
            await conn.execute(f"GRANT SELECT ON {name} TO {READER_ROLE}")
        if not (table["secured"] and table["policed"] and table["granted"]):
            changed.append(name)
    return changed


async def _ensure_reader_role(conn: Connection) -> None:
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", READER_ROLE)
    if not exists:
        # Another service's migration may create it a moment earlier (roles are server-wide).
        with suppress(asyncpg.DuplicateObjectError, asyncpg.UniqueViolationError):
            async with conn.transaction():
                await conn.execute(f"CREATE ROLE {READER_ROLE} NOLOGIN")
    # The connecting user must be a member to switch to the role (superusers always are).
    if not await conn.fetchval("SELECT pg_has_role(current_user, $1, 'MEMBER')", READER_ROLE):
        await conn.execute(f"GRANT {READER_ROLE} TO CURRENT_USER")


class TenantReads:
    """Reads confined to one tenant by row-level security, whatever the SQL says.

    The tenant is passed as the query's first parameter (``$1``) and also set for the
    policy, so the usual ``WHERE tenant_id = $1`` and the guard agree.
    """

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @asynccontextmanager
    async def connection(self, tenant_id: str) -> AsyncIterator[Connection]:
        """A read-only transaction as the reader role with ``tenant_id`` set."""
        async with self._pool.acquire() as conn, conn.transaction(readonly=True):
            await conn.execute(_ENTER, tenant_id)
            yield conn

    async def fetch(self, query: str, tenant_id: str, *args: Any) -> list[asyncpg.Record]:
        async with self.connection(tenant_id) as conn:
            return await conn.fetch(query, tenant_id, *args)

    async def fetchrow(self, query: str, tenant_id: str, *args: Any) -> asyncpg.Record | None:
        async with self.connection(tenant_id) as conn:
            return await conn.fetchrow(query, tenant_id, *args)

    async def fetchval(self, query: str, tenant_id: str, *args: Any) -> Any:
        async with self.connection(tenant_id) as conn:
            return await conn.fetchval(query, tenant_id, *args)
