"""Spans without an exporter: not recorded, yet their trace ids still travel."""

from __future__ import annotations

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from sextant_kit import telemetry

CALLER = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def test_without_an_exporter_spans_are_not_recorded_but_carry_a_trace_id() -> None:
    tracer = telemetry.tracer(telemetry.build_tracer_provider("test"), "test")
    with tracer.start_as_current_span("command") as span:
        assert not span.is_recording()
        traceparent = telemetry.current_traceparent()
    assert traceparent is not None
    version, trace_id, span_id, flags = traceparent.split("-")
    assert version == "00"
    assert not int(flags, 16) & 1  # not sampled
    assert int(trace_id, 16)
    assert int(span_id, 16)


def test_without_an_exporter_a_callers_sampled_trace_continues() -> None:
    tracer = telemetry.tracer(telemetry.build_tracer_provider("test"), "test")
    with tracer.start_as_current_span("command", context=telemetry.context_from(CALLER)):
        traceparent = telemetry.current_traceparent()
    assert traceparent is not None
    assert traceparent.split("-")[1] == "0af7651916cd43dd8448eb211c80319c"
    assert traceparent.endswith("-01")


def test_with_an_exporter_every_span_is_recorded() -> None:
    spans = InMemorySpanExporter()
    provider = telemetry.build_tracer_provider("test", span_exporter=spans)
    with telemetry.tracer(provider, "test").start_as_current_span("command") as span:
        assert span.is_recording()
    provider.force_flush()
    assert [s.name for s in spans.get_finished_spans()] == ["command"]


def test_the_process_name_the_deployment_gives_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    named = telemetry.build_tracer_provider("sextant-feedback").resource.attributes["service.name"]
    assert named == "sextant-feedback"
    monkeypatch.setenv("OTEL_SERVICE_NAME", "sextant-feedback-relay")
    named = telemetry.build_tracer_provider("sextant-feedback").resource.attributes["service.name"]
    assert named == "sextant-feedback-relay"
