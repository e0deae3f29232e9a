"""Connection pools and forward-only SQL migrations, one database per service."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from sextant_kit.errors import ConfigurationError
from sextant_kit.settings import Settings
from sextant_kit.tenancy import guard_tenant_tables

Connection = asyncpg.Connection | PoolConnectionProxy
"""A connection of its own or one borrowed from a pool: the same API."""

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Migration:
    name: str
    path: Path


def migrations_in(namespace: str, directory: Path) -> list[Migration]:
    """The ``*.sql`` files of ``directory`` in name order, named ``<namespace>/<file>``."""
    return [Migration(f"{namespace}/{p.name}", p) for p in sorted(directory.glob("*.sql"))]


_SQL = Path(__file__).parent / "sql"
CORE_MIGRATIONS = migrations_in("kit", _SQL / "core")
AUDIT_MIGRATIONS = migrations_in("audit", _SQL / "audit")


UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,  # refused or reset: the server is down or restarting
    TimeoutError,  # connecting took too long
    asyncpg.PostgresConnectionError,  # the connection was lost (class 08)
    asyncpg.CannotConnectNowError,  # starting up or shutting down
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


def database_unavailable(error: BaseException) -> bool:
    """Whether ``error`` says the server cannot be reached right now (retry later), rather
    than anything about the request. The pool replaces broken connections by itself."""
    if isinstance(error, UNAVAILABLE_ERRORS):
        return True
    # asyncpg's own "connection is closed" (a pooled connection the server dropped), and the
    # protocol-state error it raises when the server ends a session mid-statement.
    if isinstance(error, asyncpg.InterfaceError):
        return "closed" in str(error)
    if isinstance(error, asyncpg.InternalClientError):
        return "another operation" in str(error)
    return False


async def create_pool(
    settings: Settings, database: str, *, size: int | None = None, **options: Any
) -> asyncpg.Pool:
    """A pool of ``database`` (``size`` connections, else as the settings say).

    A connection goes back to the pool without asyncpg's reset statement (unlock advisory
    locks, close cursors, unlisten, reset settings): a round trip on every release, half of
    a one-statement command's. Sextant leaves nothing of that on a pooled connection:
    settings are set per transaction (``set_config(..., true)``), cursors live inside
    transactions, and listening has a connection of its own. An open transaction is still
    rolled back on release.
    """
    pool = await asyncpg.create_pool(
        settings.dsn(database),
        min_size=size or settings.pool_min_size,
        max_size=size or settings.pool_max_size,
        reset=_session_left_clean,
        **options,
    )
    assert pool is not None
    return pool


async def _session_left_clean(conn: asyncpg.Connection) -> None:
    return None


async def ensure_database(settings: Settings, database: str) -> None:
    conn = await asyncpg.connect(settings.postgres_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
        if not exists:
            try:
                await conn.execute(f'CREATE DATABASE "{database}"')
                log.info("created database %s", database)
            except asyncpg.DuplicateDatabaseError:
                pass
    finally:
        await conn.close()


REVISED: dict[str, frozenset[str]] = {
    # Made the reader role only when missing, for logins that may not make roles.
    "feedback/007_search_under_row_security.sql": frozenset(
        {"2f9e6c887b8fb1833cccc52fcb0dfc473e08fce5a35703fbea44215a72a157d4"}
    ),
    "query/004_overlaps_under_row_security.sql": frozenset(
        {"f6862cdbea6dbc48abe4e68e67f26032a86865b881e013f30223b752a1d0a834"}
    ),
}
"""Migrations whose text was revised after release to do the same where it failed before:
the checksums of their earlier texts, still taken as applied (nothing is run again)."""


async def migrate(settings: Settings, database: str, files: Sequence[Migration]) -> list[str]:
    """Apply each file not applied yet, in order, each in its own transaction.

    A file already applied whose text changed is an error: migrations only move forward.
    Afterwards every table with a ``tenant_id`` column is put under row-level security
    (:mod:`sextant_kit.tenancy`).
    """
    await ensure_database(settings, database)
    conn = await asyncpg.connect(settings.dsn(database))
    applied: list[str] = []
    try:
        await conn.execute("SELECT pg_advisory_lock(hashtext('sextant.migrations'))")
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, checksum text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())"
        )
        done = {
            r["name"]: r["checksum"]
            for r in await conn.fetch("SELECT name, checksum FROM schema_migrations")
        }
        for migration in files:
            name = migration.name
            text = migration.path.read_text()
            checksum = hashlib.sha256(text.encode()).hexdigest()
            if name in done:
                if done[name] != checksum and done[name] not in REVISED.get(name, ()):
                    raise ConfigurationError(
                        f"migration {name} changed after it was applied to {database}; "
                        "add a new migration file instead"
                    )
                continue
            async with conn.transaction():
                await conn.execute(text)
                await conn.execute(
                    "INSERT INTO schema_migrations (name, checksum) VALUES ($1, $2)", name, checksum
                )
            applied.append(name)
            log.info("applied %s to %s", name, database)
        async with conn.transaction():
            guarded = await guard_tenant_tables(conn)
        if guarded:
            log.info("row-level security on %s in %s", ", ".join(guarded), database)
    finally:
        await conn.close()
    return applied
