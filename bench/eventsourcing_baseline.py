"""Baseline: the ``eventsourcing`` library's PostgreSQL recorder appending the same events.

Its application recorder takes ``LOCK TABLE ... IN EXCLUSIVE MODE`` in every insert so
that notification ids commit in order: writers queue behind one another. The library is
synchronous (psycopg 3), so concurrent writers are threads, each with its own connection
from the library's pool.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder, PostgresDatastore

from bench import rows

TABLE = "es_stored_events"


def datastore(dsn: str, writers: int) -> PostgresDatastore:
    url = urlsplit(dsn)
    return PostgresDatastore(
        dbname=url.path.lstrip("/"),
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=url.username or "",
        password=url.password or "",
        pool_size=writers,
        lock_timeout=30,
    )


def append_rate(dsn: str, batch: int, writers: int, seconds: float) -> float:
    """Events per second appended by ``writers`` threads for ``seconds``."""
    store = datastore(dsn, writers)
    try:
        recorder = PostgresApplicationRecorder(store, events_table_name=TABLE)
        recorder.create_table()
        start = threading.Barrier(writers + 1)
        deadline = 0.0

        def writer(_: int) -> int:
            originator, version, written = uuid.uuid4(), 0, 0
            start.wait()
            while time.perf_counter() < deadline:
                if version + batch > rows.STREAM_LENGTH:
                    originator, version = uuid.uuid4(), 0
                meta = rows.metadata()
                events = rows.new_events(batch, written)
                recorder.insert_events(
                    [
                        StoredEvent(
                            originator_id=originator,
                            originator_version=version + i + 1,
                            topic=f"bench:{rows.EVENT_TYPE}",
                            state=rows.stored_state(e, meta),
                        )
                        for i, e in enumerate(events)
                    ]
                )
                version += batch
                written += batch
            return written

        with ThreadPoolExecutor(writers) as pool:
            futures = [pool.submit(writer, w) for w in range(writers)]
            deadline = time.perf_counter() + seconds
            started = time.perf_counter()
            start.wait()
            total = sum(f.result() for f in futures)
            elapsed = time.perf_counter() - started
        return total / elapsed
    finally:
        store.close()
