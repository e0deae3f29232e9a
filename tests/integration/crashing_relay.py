"""A relay that is SIGKILLed after the broker acknowledged a batch, before it marks progress.

Run as ``python -m tests.integration.crashing_relay <dsn> <bootstrap> <topic>``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys

from sextant_feedback.events import registry
from sextant_kit import PostgresEventStore, Relay, Settings
from sextant_kit.database import create_pool
from sextant_kit.eventstore import GlobalPosition
from sextant_kit.relay import KafkaSink


async def main(dsn: str, bootstrap: str, topic: str) -> None:
    settings = Settings(postgres_url=dsn, kafka_bootstrap=bootstrap)
    database = dsn.rsplit("/", 1)[1]
    pool = await create_pool(settings, database)

    class CrashBeforeMark(Relay):
        async def _mark(self, position: GlobalPosition) -> None:
            os.kill(os.getpid(), signal.SIGKILL)

    sink = KafkaSink(bootstrap, client_id="crashing-relay")
    relay = CrashBeforeMark(PostgresEventStore(pool), sink, registry, topic=topic, dsn=dsn)
    await relay.publish_batch()


if __name__ == "__main__":
    asyncio.run(main(*sys.argv[1:4]))
