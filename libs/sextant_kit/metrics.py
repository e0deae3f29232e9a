"""Prometheus metrics of one process, on a registry of its own (no global state)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.http_requests = Counter(
            "sextant_http_requests",
            "HTTP requests handled",
            ["method", "route", "status"],
            registry=r,
        )
        self.http_latency = Histogram(
            "sextant_http_request_seconds",
            "HTTP request latency",
            ["method", "route"],
            registry=r,
        )
        self.appends = Counter(
            "sextant_eventstore_appends", "Append transactions", ["stream_type"], registry=r
        )
        self.appended_events = Counter(
            "sextant_eventstore_appended_events", "Events appended", ["stream_type"], registry=r
        )
        self.append_latency = Histogram(
            "sextant_eventstore_append_seconds",
            "Append latency",
            registry=r,
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0),
        )
        self.relay_published = Counter(
            "sextant_relay_published_events", "Events the relay published", ["topic"], registry=r
        )
        self.relay_lag_seconds = Gauge(
            "sextant_relay_lag_seconds",
            "Age of the oldest event not yet published",
            ["topic"],
            registry=r,
        )
        self.projected = Counter(
            "sextant_projection_applied_events",
            "Events applied by a projection",
            ["projection"],
            registry=r,
        )
        self.projection_duplicates = Counter(
            "sextant_projection_duplicate_events",
            "Redelivered events skipped by a projection",
            ["projection"],
            registry=r,
        )
        self.projection_lag_seconds = Gauge(
            "sextant_projection_lag_seconds",
            "How far behind its topics a projection is, in seconds (0 when caught up)",
            ["projection"],
            registry=r,
        )
        self.projection_lag_events = Gauge(
            "sextant_projection_lag_events",
            "Events on a projection's topics that it has not applied yet",
            ["projection"],
            registry=r,
        )
        self.dead_letters_waiting = Gauge(
            "sextant_dead_letters_waiting",
            "Dead letters a projection sent that have not been re-driven yet",
            ["projection"],
            registry=r,
        )
        self.dead_letters = Counter(
            "sextant_dead_letters",
            "Messages sent to a dead-letter topic",
            ["topic", "reason"],
            registry=r,
        )

    def observe_append(self, stream_type: str, events: int, seconds: float) -> None:
        self.appends.labels(stream_type).inc()
        self.appended_events.labels(stream_type).inc(events)
        self.append_latency.observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
