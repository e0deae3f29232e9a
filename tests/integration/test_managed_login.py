"""A managed server's app user (CloudNativePG's, a cloud provider's) may not make roles: the
reader role is made for it beforehand, as the Helm chart's cluster does, and every
service's migrations then run as that user."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pytest
from sextant_kit.database import CORE_MIGRATIONS, migrate
from sextant_kit.settings import Settings
from sextant_platform import SERVICES

pytestmark = pytest.mark.integration


async def test_every_service_migrates_as_a_login_that_may_not_make_roles(
    settings: Settings, unique: str
) -> None:
    login = f"app_{unique}"[:40]
    admin = await asyncpg.connect(settings.postgres_url)
    databases = [f"{settings.database_prefix}_{login}_{d.context}" for d in SERVICES]
    try:
        await admin.execute(f"CREATE ROLE {login} LOGIN PASSWORD 'app' NOCREATEROLE NOCREATEDB")
        await admin.execute(  # the role the chart's cluster makes at bootstrap
            "DO $$ BEGIN CREATE ROLE sextant_reader NOLOGIN;"
            " EXCEPTION WHEN duplicate_object THEN NULL; END $$"
        )
        await admin.execute(f"GRANT sextant_reader TO {login}")
        for database in databases:  # as CloudNativePG's Database resources make them
            await admin.execute(f'CREATE DATABASE "{database}" OWNER {login}')
        url = urlsplit(settings.postgres_url)
        as_app = settings.model_copy(
            update={
                "postgres_url": urlunsplit(
                    url._replace(netloc=f"{login}:app@{url.hostname}:{url.port}")
                ),
                "database_prefix": f"{settings.database_prefix}_{login}",
            }
        )
        for definition, database in zip(SERVICES, databases, strict=True):
            applied = await migrate(as_app, database, [*CORE_MIGRATIONS, *definition.migrations])
            assert applied, definition.context
    finally:
        for database in databases:
            await admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        await admin.execute(f"DROP ROLE IF EXISTS {login}")
        await admin.close()
