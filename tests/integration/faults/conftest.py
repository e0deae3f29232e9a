"""Fixtures of the fault tests: servers of their own, which the tests may stop and restart."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.integration.faults.servers import OwnKafka, OwnPostgres, free_port


@pytest.fixture(autouse=True)
def _local_servers_only() -> None:
    if os.environ.get("SEXTANT_TEST_INFRA", "local") != "local":
        pytest.skip("fault tests start servers of their own with scripts/infra")


@pytest.fixture
def own_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnKafka]:
    """A broker this test may stop: never the shared one on 9092."""
    kafka = OwnKafka(tmp_path_factory.mktemp("kafka"), free_port(), free_port())
    try:
        kafka.start()
        yield kafka
    finally:
        kafka.destroy()


@pytest.fixture
def own_postgres(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OwnPostgres]:
    """A PostgreSQL cluster this test may stop: never the shared one on 5432."""
    postgres = OwnPostgres(
        tmp_path_factory.mktemp("postgres"), f"sextant_fault_{uuid.uuid4().hex[:8]}", free_port()
    )
    try:
        postgres.start()
        yield postgres
    finally:
        postgres.destroy()
