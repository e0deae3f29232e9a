"""Shared fixtures: the real Kafka broker and PostgreSQL server, isolated per test session.

``SEXTANT_TEST_INFRA=local`` (default) uses the servers that ``scripts/infra/up.sh`` starts
(and starts them if they are not up). ``SEXTANT_TEST_INFRA=testcontainers`` starts Kafka and
PostgreSQL containers instead, where a Docker engine exists.
"""

from __future__ import annotations

import os
import socket
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sextant_kit import Settings

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Infra:
    postgres_url: str
    kafka_bootstrap: str


def _reachable(host_port: str) -> bool:
    host, port = host_port.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=1):
            return True
    except OSError:
        return False


def _local_infra() -> Iterator[Infra]:
    defaults = Settings()
    pg = defaults.postgres_url.split("@", 1)[1].split("/", 1)[0]
    if not (_reachable(pg) and _reachable(defaults.kafka_bootstrap)):
        subprocess.run([str(ROOT / "scripts/infra/up.sh")], check=True)
    yield Infra(defaults.postgres_url, defaults.kafka_bootstrap)


def _container_infra() -> Iterator[Infra]:
    # testcontainers' KafkaContainer drives the Confluent image's start script (KRaft mode);
    # the Apache broker inside it is the same protocol the local jars speak.
    from testcontainers.community.kafka import KafkaContainer
    from testcontainers.community.postgres import PostgresContainer

    kafka_image = os.environ.get("SEXTANT_TEST_KAFKA_IMAGE", "confluentinc/cp-kafka:7.9.0")
    with (
        PostgresContainer(
            "postgres:16", username="sextant", password="sextant", dbname="sextant", driver=None
        ) as pg,
        KafkaContainer(kafka_image).with_kraft() as kafka,
    ):
        yield Infra(pg.get_connection_url(), kafka.get_bootstrap_server())


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    mode = os.environ.get("SEXTANT_TEST_INFRA", "local")
    if mode == "testcontainers":
        yield from _container_infra()
    elif mode == "local":
        yield from _local_infra()
    else:
        raise pytest.UsageError(f"SEXTANT_TEST_INFRA={mode!r}: use 'local' or 'testcontainers'")


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:8]


@pytest.fixture(scope="session")
async def settings(infra: Infra, run_id: str) -> AsyncIterator[Settings]:
    """Settings whose databases and topics belong to this test session alone."""
    prefix = f"sextant_test_{run_id}"
    yield Settings(
        postgres_url=infra.postgres_url,
        kafka_bootstrap=infra.kafka_bootstrap,
        database_prefix=prefix,
        topic_prefix=f"test-{run_id}.",
        relay_poll_interval=0.2,
        auth_mode="dev",
    )
    await _drop_databases(infra.postgres_url, prefix)
    await _delete_topics(infra.kafka_bootstrap, f"test-{run_id}")


async def _drop_databases(url: str, prefix: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        names = await conn.fetch(
            "SELECT datname FROM pg_database WHERE datname LIKE $1", f"{prefix}%"
        )
        for row in names:
            await conn.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
    finally:
        await conn.close()


async def _delete_topics(bootstrap: str, prefix: str) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = [t for t in await admin.list_topics() if t.startswith(prefix)]
        if topics:
            await admin.delete_topics(topics)
    finally:
        await admin.close()


@pytest.fixture
def unique() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture
async def kit_database(settings: Settings, unique: str) -> str:
    """A fresh database with the kit's tables (event store, checkpoints, audit)."""
    from sextant_kit.database import AUDIT_MIGRATIONS, CORE_MIGRATIONS, migrate

    database = settings.database(f"kit_{unique}")
    await migrate(settings, database, [*CORE_MIGRATIONS, *AUDIT_MIGRATIONS])
    return database


@pytest.fixture
async def pool(settings: Settings, kit_database: str) -> AsyncIterator[asyncpg.Pool]:
    from sextant_kit.database import create_pool

    database = kit_database
    pool = await create_pool(settings.model_copy(update={"pool_max_size": 40}), database)
    yield pool
    await pool.close()
