"""Helpers for tests that wait on asynchronous effects."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import jwt
from aiokafka import AIOKafkaProducer
from sextant_kit import Settings
from sextant_kit.service import Runtime, ServiceDefinition, open_runtime, prepare

ROOT = Path(__file__).resolve().parent.parent


async def eventually(
    check: Callable[[], Awaitable[None]], *, within: float = 20.0, interval: float = 0.1
) -> None:
    """Await ``check()`` until it stops raising AssertionError, or fail with its last error.

    A LookupError counts as not yet, too: a read model's row that is not there yet answers
    404, whose problem document has none of the keys the check reads (or an empty list)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while True:
        try:
            await check()
            return
        except (AssertionError, LookupError):
            if loop.time() > deadline:
                raise
        await asyncio.sleep(interval)


async def run_cli(settings: Settings, *args: str, within: float = 120) -> tuple[int, str, str]:
    """``sextant ARGS`` in its own process against ``settings``: exit code, stdout, stderr."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sextant_platform.cli",
        *args,
        cwd=ROOT,
        env={**os.environ, **settings.as_environment()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), within)
    return process.returncode or 0, out.decode(), err.decode()


@asynccontextmanager
async def running(
    definition: ServiceDefinition, settings: Settings, *, projectors: bool = True
) -> AsyncIterator[Runtime]:
    """A service's runtime on migrated storage; its projections consume unless told not to.
    Its relay runs only when a test calls ``rt.relay().publish_batch()``."""
    await prepare(definition, settings)
    async with open_runtime(definition, settings) as rt:
        if projectors:
            rt.subscribe_projections()
            await rt.broker.start()
        yield rt


def own_storage(settings: Settings, label: str, **changes: object) -> Settings:
    """``settings`` with databases and topics of their own (a test that counts every record
    of a topic, or resets and rebuilds, must not see another test's)."""
    return settings.model_copy(
        update={
            "database_prefix": f"{settings.database_prefix}_{label}",
            "topic_prefix": f"{settings.topic_prefix}{label}.",
            **changes,
        }
    )


async def publish_all(rt: Runtime, *, within: float = 60) -> None:
    """Publish every event committed so far. The relay may only take events older than every
    transaction still open on the server (that is what keeps it from skipping one), so a
    long transaction elsewhere holds it back for a while: keep publishing until it passed."""
    target = await rt.pool.fetchval("SELECT max(position) FROM events")
    if target is None:
        return
    relay = rt.relay()

    async def passed() -> None:
        while await relay.publish_batch():
            pass
        at = await relay.checkpoint()
        left = await rt.pool.fetchval(
            "SELECT count(*) FROM events WHERE position <= $1"
            " AND (transaction_id::text::bigint, position) > ($2, $3)",
            target,
            at.transaction_id,
            at.position,
        )
        assert left == 0, f"{left} committed events not yet published"

    await eventually(passed, within=within, interval=0.2)


async def topic_is_known(settings: Settings, topic: str) -> None:
    """Wait until the broker hands out the new topic's partitions in its metadata.

    A consumer that subscribes before that sees no partitions until its next metadata
    refresh (minutes), and the projections would seem to hang.
    """
    producer = AIOKafkaProducer(bootstrap_servers=settings.kafka_bootstrap)
    await producer.start()
    try:

        async def known() -> None:
            assert await producer.partitions_for(topic)

        await eventually(known, within=60)
    finally:
        await producer.stop()


def team_member(
    tenant: str, roles: dict[str, str], organisation_role: str | None = None, **more: object
) -> dict[str, str]:
    """A team member's headers: a token naming ``roles`` by workspace, unless given no
    organisation-wide role, and ``more`` claims (development mode reads its claims without
    a signature)."""
    claims: dict[str, object] = {
        "sub": "team.member",
        "sextant_tenant": tenant,
        "sextant_workspaces": roles,
        **more,
    }
    if organisation_role is not None:
        claims["sextant_role"] = organisation_role
    token = jwt.encode(claims, "development-mode-checks-no-signature", algorithm="HS256")
    return {"Authorization": f"Bearer {token}"}
