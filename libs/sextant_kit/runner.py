"""Process entry points: run a service's api, relay or projector (or all) until signalled."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import logging
import os
import signal
import socket
import sys
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import AsyncExitStack
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit

import asyncpg
import uvicorn
import uvloop
from aiokafka.errors import KafkaConnectionError
from fastapi import FastAPI

from sextant_kit import lag
from sextant_kit.errors import ConfigurationError
from sextant_kit.logs import configure_logging
from sextant_kit.metrics import Metrics
from sextant_kit.projection import keep_forgetting
from sextant_kit.rebuild import rebuild_beside
from sextant_kit.service import (
    Runtime,
    ServiceDefinition,
    consistency_gate,
    open_runtime,
    prepare,
)
from sextant_kit.settings import Settings

log = logging.getLogger("sextant")

T = TypeVar("T")

Process = Literal["api", "relay", "projector", "all"]
PROCESSES: tuple[Process, ...] = ("api", "relay", "projector", "all")


def combined_app(runtimes: Sequence[Runtime], *, with_routes: bool, kafka: bool = True) -> FastAPI:
    """One HTTP app for several services: the first one's health checks (one PostgreSQL
    server and one Kafka cluster for all; the broker's only with ``kafka``), their metrics
    (one registry, which :func:`serve` gives them all), all routes."""
    app = runtimes[0].http_app(
        with_routes=with_routes, gate=consistency_gate(runtimes), kafka=kafka
    )
    if with_routes:
        for rt in runtimes[1:]:
            for router in rt.routers():
                app.include_router(router)
    return app


async def serve(
    definitions: Sequence[ServiceDefinition],
    process: Process,
    settings: Settings,
    stop: asyncio.Event | None = None,
) -> None:
    """Run until ``stop`` is set (or a component fails), then shut down in order."""
    stop = stop or asyncio.Event()
    # An API process never touches the broker: it starts, and stays ready, while the broker
    # is away (its commands wait in the store for the relay, which creates the topics).
    kafka = process != "api"
    for definition in definitions:
        await prepare(definition, settings, topics=kafka)
    metrics = Metrics()  # one registry: /metrics shows every service's, whichever app serves it
    async with AsyncExitStack() as stack:
        runtimes = [
            await stack.enter_async_context(open_runtime(d, settings, metrics=metrics))
            for d in definitions
        ]
        tasks: list[asyncio.Task[None]] = []
        for rt in runtimes:
            if process in ("projector", "all"):
                rt.subscribe_projections()
                tasks.append(asyncio.create_task(lag.watch(rt), name=f"lag-{rt.context}"))
                tasks.append(
                    asyncio.create_task(
                        keep_forgetting(rt.pool, settings.applied_events_retention),
                        name=f"prune-{rt.context}",
                    )
                )
            if kafka:
                await rt.broker.start()
            if process in ("relay", "all"):
                tasks.append(asyncio.create_task(rt.relay().run(), name=f"relay-{rt.context}"))
        app = combined_app(runtimes, with_routes=process in ("api", "all"), kafka=kafka)
        config = uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_level=settings.log_level.lower(),
            access_log=False,
            lifespan="off",
        )
        server = uvicorn.Server(config)
        names = ", ".join(d.context for d in definitions)
        log.info(
            "sextant %s (%s) listening on http://%s:%d",
            process,
            names,
            settings.http_host,
            settings.http_port,
        )
        serving: asyncio.Task[None] = asyncio.create_task(server.serve(), name="http")
        stopping = asyncio.create_task(stop.wait(), name="stop")
        watched = [serving, *tasks]
        done, _ = await asyncio.wait([*watched, stopping], return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        server.should_exit = True
        for task in tasks:
            task.cancel()
        for task in watched:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for finished in done:
            if finished in tasks and not finished.cancelled() and finished.exception():
                raise RuntimeError(f"{finished.get_name()} stopped") from finished.exception()


async def rebuild(
    definition: ServiceDefinition, projection: str, settings: Settings, workers: int | None
) -> None:
    """Rebuild one projection beside the serving version, then switch to it."""
    await prepare(definition, settings)
    async with open_runtime(definition, settings) as rt:
        report = await rebuild_beside(rt, projection, workers=workers)
    print(
        f"projection {projection} rebuilt from {report.events:,} events in "
        f"{report.seconds:,.1f} s ({report.rate:,.0f}/s) and switched; "
        f"{report.dead_letters} could not be applied (they are in the dead-letter topic). "
        f"Replay {report.replay_seconds:,.1f} s in {report.workers} process(es),"
        f" deferred indexes {report.index_seconds:,.1f} s;"
        f" the live projection paused {report.paused_seconds * 1000:,.0f} ms for the switch"
    )


@contextlib.contextmanager
def operator_errors(settings: Settings, *, interrupted: str) -> Iterator[None]:
    """An operator's command ends with a line that says what happened and what to do, not a
    traceback: Ctrl-C with ``interrupted`` (status 130); PostgreSQL or Kafka out of reach
    naming the setting to check (status 1); the output's reader gone (``| head``) quietly."""
    try:
        yield
    except BrokenPipeError:
        # Written to an output whose reader left (the drivers report their own sockets'
        # as errors of theirs): nothing more to say.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # for the exit's flush
        sys.exit(0)
    except KeyboardInterrupt:
        print(f"interrupted: {interrupted}", file=sys.stderr)
        sys.exit(130)
    except KafkaConnectionError as error:
        sys.exit(
            f"error: Kafka is out of reach at {settings.kafka_bootstrap}"
            f" (SEXTANT_KAFKA_BOOTSTRAP): {error}"
        )
    except (
        ConnectionError,
        socket.gaierror,
        asyncpg.PostgresConnectionError,
        asyncpg.CannotConnectNowError,
    ) as error:
        where = urlsplit(settings.postgres_url)
        sys.exit(
            f"error: PostgreSQL is out of reach at {where.hostname}:{where.port or 5432}"
            f" (SEXTANT_POSTGRES_URL): {error}"
        )


def run_event_loop(main: Coroutine[Any, Any, T]) -> T:
    """Run ``main`` to completion on uvloop's event loop.

    Its transports and polling are libuv's, in C: every socket read and write (HTTP,
    PostgreSQL, Kafka) costs less CPU than on asyncio's own selector loop.

    A :class:`ConfigurationError` ends the process with its message and status 1: it says
    what to set, and a traceback would only bury it.
    """
    try:
        with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
            return runner.run(main)
    except ConfigurationError as error:
        sys.exit(f"error: {error}")


def tune_garbage_collector() -> None:
    """Fewer, cheaper cyclic collections for a process that decodes events all day.

    What was made while starting (modules, classes, models) lives as long as the process:
    frozen, full collections stop walking it again and again. A larger first threshold lets
    a batch's short-lived objects be freed by reference counting before a collection runs.
    Together they take about a third off decoding a batch of events.
    """
    gc.freeze()
    gc.set_threshold(_GC_FIRST_THRESHOLD, 20, 20)


_GC_FIRST_THRESHOLD = 50_000


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of processes, 1 or more")
    return value


def rebuild_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    """The ``rebuild`` command's parser, with the options every CLI that offers it shares."""
    rb = sub.add_parser(
        "rebuild", help="rebuild a projection beside the serving one, then switch to it"
    )
    rb.add_argument(
        "--workers",
        type=_at_least_one,
        default=None,
        help="processes to replay in, each a share of the partitions (default: one per"
        " partition, at most two per core the process may use and as many as its memory"
        " limit leaves 200 MB for; 1: this process only)",
    )
    return rb


def main_for(
    definitions: Sequence[ServiceDefinition],
    argv: Sequence[str] | None = None,
    *,
    prog: str = "sextant-run",
    epilog: str | None = None,
) -> None:
    """A service's processes as commands (``prog``); ``epilog`` tells of the service's own."""
    parser = argparse.ArgumentParser(prog=prog, epilog=epilog)
    sub = parser.add_subparsers(dest="command", required=True)
    for process in PROCESSES:
        p = sub.add_parser(process, help=f"run the {process} process")
        p.add_argument("--port", type=int, default=None)
    sub.add_parser("migrate", help="create databases, tables and topics, then exit")
    rb = rebuild_parser(sub)
    rb.add_argument("projection")
    rb.add_argument("--service", default=definitions[0].context)
    args = parser.parse_args(argv)
    tune_garbage_collector()
    settings = Settings.from_environment()
    configure_logging(settings.log_level)
    if getattr(args, "port", None) is not None:
        settings = settings.model_copy(update={"http_port": args.port})
    if args.command == "migrate":
        run_event_loop(_migrate_all(definitions, settings))
    elif args.command == "rebuild":
        by_name = {d.context: d for d in definitions}
        run_event_loop(rebuild(by_name[args.service], args.projection, settings, args.workers))
    else:
        run_event_loop(_serve_until_signalled(definitions, args.command, settings))


async def _migrate_all(definitions: Sequence[ServiceDefinition], settings: Settings) -> None:
    for definition in definitions:
        await prepare(definition, settings)
        print(f"{definition.context}: database {settings.database(definition.context)} ready")


async def _serve_until_signalled(
    definitions: Sequence[ServiceDefinition], process: Process, settings: Settings
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await serve(definitions, process, settings, stop)
