"""OpenTelemetry set-up from settings, and W3C trace-context helpers for Kafka headers."""

from __future__ import annotations

import os
from collections.abc import Mapping

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF, ParentBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_PROPAGATOR = TraceContextTextMapPropagator()


def build_tracer_provider(
    service_name: str, exporter: str = "none", *, span_exporter: SpanExporter | None = None
) -> TracerProvider:
    """``exporter``: ``none``, ``console`` or ``otlp`` (needs the OTLP exporter installed).

    With none, this process starts no trace of its own: its spans are not recorded (nothing
    would read them; recording took 7 % of a busy process's time), but they still carry
    trace ids into events and Kafka headers, and continue a caller's sampled trace."""
    chosen: SpanExporter | None = span_exporter
    if chosen is None and exporter == "console":
        chosen = ConsoleSpanExporter()
    elif chosen is None and exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[import-not-found]
            OTLPSpanExporter,
        )

        chosen = OTLPSpanExporter()
    # OTEL_SERVICE_NAME, when set (the Helm chart names each process so), wins.
    named = {} if os.environ.get("OTEL_SERVICE_NAME") else {"service.name": service_name}
    provider = TracerProvider(
        resource=Resource.create(named),
        sampler=None if chosen else ParentBased(ALWAYS_OFF),
    )
    if chosen is not None:
        provider.add_span_processor(BatchSpanProcessor(chosen))
    return provider


def current_traceparent() -> str | None:
    carrier: dict[str, str] = {}
    _PROPAGATOR.inject(carrier)
    return carrier.get("traceparent")


def inject_headers(headers: dict[str, str]) -> None:
    """Write the current span's ``traceparent`` (and ``tracestate``) into ``headers``."""
    _PROPAGATOR.inject(headers)


def context_from(traceparent: str | None, tracestate: str | None = None) -> otel_context.Context:
    carrier: Mapping[str, str] = {
        k: v for k, v in (("traceparent", traceparent), ("tracestate", tracestate)) if v
    }
    return _PROPAGATOR.extract(carrier)


def tracer(provider: trace.TracerProvider | None, name: str) -> trace.Tracer:
    return (provider or trace.get_tracer_provider()).get_tracer(name)
