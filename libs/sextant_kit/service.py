"""One service's composition root: everything a process needs, built from settings."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import asyncpg
from fastapi import APIRouter, FastAPI
from faststream.kafka import KafkaBroker
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider

from sextant_kit import kafka, telemetry
from sextant_kit.audit import AuditProjection
from sextant_kit.audit_api import audit_router
from sextant_kit.auth import authenticator_from
from sextant_kit.consistency import ConsistencyGate, StoreProjections
from sextant_kit.database import CORE_MIGRATIONS, Migration, create_pool, migrate
from sextant_kit.eventstore import PostgresEventStore
from sextant_kit.http import ReadinessCheck, create_http_app
from sextant_kit.lag import lag_router
from sextant_kit.metrics import Metrics
from sextant_kit.projection import KafkaDeadLetters, Projection, ProjectionRunner, subscribe
from sextant_kit.registry import EventRegistry
from sextant_kit.relay import KafkaSink, Relay
from sextant_kit.settings import Settings
from sextant_kit.tenancy import TenantReads


@dataclass(frozen=True)
class ServiceDefinition:
    """What makes a service itself; the kit supplies the rest."""

    context: str
    registry: EventRegistry
    migrations: Sequence[Migration]
    routers: Callable[[Runtime], Sequence[APIRouter]]
    projections: Callable[[Runtime], Sequence[Projection]]
    extra_topics: Sequence[str] = field(default_factory=tuple)
    title: str = ""
    module: str | None = None
    """The module that holds this definition as ``definition`` (its ``__name__``), for the
    processes a process of the service starts, such as a rebuild's replay workers; without
    it, a rebuild replays in its own process."""


@dataclass
class Runtime:
    definition: ServiceDefinition
    settings: Settings
    pool: asyncpg.Pool
    store: PostgresEventStore
    broker: KafkaBroker
    metrics: Metrics
    tracer_provider: trace.TracerProvider
    _relay: Relay | None = None
    closing: list[Callable[[], Awaitable[None]]] = field(default_factory=list)
    """What stops work of the runtime's own (an upload's import) while its pool is still
    open, when the runtime closes: each is awaited, in turn, before the pool closes."""

    @property
    def context(self) -> str:
        return self.definition.context

    @property
    def database(self) -> str:
        return self.settings.database(self.context)

    @property
    def topic(self) -> str:
        return self.settings.topic(self.definition.registry.topic)

    @property
    def reads(self) -> TenantReads:
        """Read-model queries confined to one tenant by row-level security."""
        return TenantReads(self.pool)

    def tracer(self, name: str) -> trace.Tracer:
        return self.tracer_provider.get_tracer(name)

    def readiness(self, *, kafka: bool = True) -> dict[str, ReadinessCheck]:
        """What the process needs to do its work: PostgreSQL always; Kafka for a relay or
        projector (``kafka``). An API process takes commands and serves reads while the
        broker is away (commands wait in the store for the relay), so it stays ready."""

        async def postgres() -> None:
            # Bounded: a server that hangs (rather than refuses) must not hang the probe.
            await asyncio.wait_for(self.pool.fetchval("SELECT 1"), 2.0)

        async def kafka_broker() -> None:
            if not await self.broker.ping(timeout=2.0):
                raise ConnectionError(f"no answer from {self.settings.kafka_bootstrap}")

        if not kafka:
            return {"postgres": postgres}
        return {"postgres": postgres, "kafka": kafka_broker}

    def routers(self) -> list[APIRouter]:
        """The service's own routes, plus its audit routes when it keeps an audit log."""
        own = list(self.definition.routers(self))
        if any(isinstance(p, AuditProjection) for p in self.definition.projections(self)):
            own.append(audit_router(self.context, self.reads))
        own.append(lag_router(self))
        return own

    def http_app(
        self, *, with_routes: bool, gate: ConsistencyGate | None = None, kafka: bool = True
    ) -> FastAPI:
        """The service's HTTP app; ``gate`` replaces its own (several services in one app);
        ``kafka``: whether its readiness asks for the broker."""
        routers = self.routers() if with_routes else ()
        return create_http_app(
            title=self.definition.title or f"Sextant {self.context}",
            metrics=self.metrics,
            tracer=self.tracer(f"sextant.{self.context}.http"),
            readiness=self.readiness(kafka=kafka),
            authenticator=authenticator_from(self.settings),
            max_body_bytes=self.settings.max_body_bytes,
            routers=routers,
            consistency=gate or consistency_gate([self]),
        )

    def consistency_source(self) -> StoreProjections:
        """This service's store and the projections that read its own topic."""
        registry = self.definition.registry
        readers = {
            p.name: getattr(p, "consumes", None)
            for p in self.definition.projections(self)
            if registry.topic in p.topics
        }
        return StoreProjections(
            self.pool, registry, readers, self.settings.applied_events_retention
        )

    def relay(self) -> Relay:
        """This runtime's relay (one per runtime; its producer closes with the runtime)."""
        if self._relay is None:
            self._relay = self._new_relay()
        return self._relay

    def _new_relay(self) -> Relay:
        return Relay(
            self.store,
            KafkaSink(self.settings.kafka_bootstrap, client_id=f"sextant-{self.context}-relay"),
            self.definition.registry,
            topic=self.topic,
            dsn=self.settings.dsn(self.database),
            batch_size=self.settings.relay_batch_size,
            poll_interval=self.settings.relay_poll_interval,
            metrics=self.metrics,
            tracer=self.tracer(f"sextant.{self.context}.relay"),
        )

    def projection_runners(self) -> list[ProjectionRunner]:
        return [
            ProjectionRunner(
                projection,
                self.pool,
                KafkaDeadLetters(self.broker, projection.name, self.metrics),
                metrics=self.metrics,
                tracer=self.tracer(f"sextant.{self.context}.projection"),
            )
            for projection in self.definition.projections(self)
        ]

    def subscribe_projections(self) -> list[ProjectionRunner]:
        runners = self.projection_runners()
        for runner in runners:
            topics = [self.settings.topic(t) for t in runner.projection.topics]
            subscribe(
                self.broker,
                runner,
                topics,
                batch_size=self.settings.projection_batch_size,
                group_prefix=self.settings.topic_prefix,
            )
        return runners


async def prepare(
    definition: ServiceDefinition, settings: Settings, *, topics: bool = True
) -> None:
    """Create the service's database, tables and (with ``topics``) topics; safe to run
    again."""
    await migrate(
        settings,
        settings.database(definition.context),
        [*CORE_MIGRATIONS, *definition.migrations],
    )
    if not topics:
        return
    names = [definition.registry.topic, *definition.extra_topics]
    await kafka.ensure_topics(settings, kafka.topics_for(settings, names))


def consistency_gate(runtimes: Sequence[Runtime]) -> ConsistencyGate:
    """Read-your-writes for the commands of every runtime given (one HTTP app may serve several)."""
    return ConsistencyGate(
        {rt.context: rt.consistency_source() for rt in runtimes},
        timeout=runtimes[0].settings.consistency_wait_seconds,
    )


@asynccontextmanager
async def open_runtime(
    definition: ServiceDefinition,
    settings: Settings,
    *,
    tracer_provider: trace.TracerProvider | None = None,
    metrics: Metrics | None = None,
) -> AsyncIterator[Runtime]:
    """Build a service's runtime; the broker is created but not started."""
    provider = tracer_provider or telemetry.build_tracer_provider(
        f"sextant-{definition.context}", settings.otel_exporter
    )
    metrics = metrics or Metrics()
    pool = await create_pool(settings, settings.database(definition.context))
    try:
        store = PostgresEventStore(
            pool, metrics=metrics, tracer=provider.get_tracer(f"sextant.{definition.context}.store")
        )
        broker = kafka.build_broker(settings, client_id=f"sextant-{definition.context}")
        runtime = Runtime(definition, settings, pool, store, broker, metrics, provider)
        try:
            yield runtime
        finally:
            for stop in runtime.closing:
                await asyncio.shield(stop())
        if runtime._relay is not None:
            await runtime._relay.close()
        await broker.stop()
    finally:
        await asyncio.shield(pool.close())
        if tracer_provider is None and isinstance(provider, TracerProvider):
            provider.shutdown()
