"""The topics a service creates for itself, as the broker holds them."""

from __future__ import annotations

import logging

import pytest
from aiokafka.admin import AIOKafkaAdminClient
from sextant_feedback.service import definition
from sextant_kit import Settings
from sextant_kit.errors import ConfigurationError
from sextant_kit.kafka import (
    MAX_RECORD_BYTES,
    TopicSpec,
    ensure_topics,
    topic_settings,
    topics_for,
)
from sextant_kit.service import prepare

pytestmark = pytest.mark.integration


async def retention_ms(
    settings: Settings, topics: list[str], setting: str = "retention.ms"
) -> dict[str, str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        found = await topic_settings(admin, dict.fromkeys(topics, (setting,)))
    finally:
        await admin.close()
    return {topic: found[topic][setting] for topic in topics}


async def test_events_are_kept_forever_and_dead_letters_thirty_days(settings: Settings) -> None:
    await prepare(definition, settings)
    events = settings.topic("sextant.feedback.events.v1")
    inbound = settings.topic("sextant.feedback.inbound.v1")
    topics = [events, f"{events}.dlq", inbound, f"{inbound}.dlq"]
    kept = await retention_ms(settings, topics)
    assert kept == {
        events: "-1",  # every read model is rebuilt from these
        f"{events}.dlq": "2592000000",
        inbound: "604800000",  # the broker's default: a week to be taken in
        f"{inbound}.dlq": "2592000000",
    }
    # the biggest event the store takes, and a dead letter of it, fit in a record
    largest = await retention_ms(settings, topics, "max.message.bytes")
    assert largest == {
        events: str(MAX_RECORD_BYTES),
        f"{events}.dlq": str(MAX_RECORD_BYTES),
        inbound: "1048588",  # the broker's default: other platforms' feedback items
        f"{inbound}.dlq": str(MAX_RECORD_BYTES),
    }


async def test_an_events_topic_made_otherwise_before_is_named_with_the_command_to_fix_it(
    settings: Settings, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    context = "".join(chr(ord("a") + int(c, 16)) for c in unique)  # letters only
    logical = f"sextant.{context}.events.v1"
    events = settings.topic(logical)
    await ensure_topics(settings, [TopicSpec(events, 3)])  # as created before: a week
    with caplog.at_level(logging.WARNING, logger="sextant_kit.kafka"):
        await ensure_topics(settings, topics_for(settings, [logical]))
    warnings = [r.getMessage() for r in caplog.records if r.name == "sextant_kit.kafka"]
    assert len(warnings) == 1  # the dead-letter twin was created just now, as it should be
    wanted = f"retention.ms=-1,max.message.bytes={MAX_RECORD_BYTES}"
    found = "retention.ms=604800000, max.message.bytes=1048588"
    assert f"topic {events} has {found}, not {wanted}" in warnings[0]
    assert f"--entity-name {events} --add-config {wanted}" in warnings[0]
    assert await retention_ms(settings, [events]) == {events: "604800000"}  # left as it was


async def test_topics_the_broker_will_not_make_are_named_with_the_setting_to_check(
    settings: Settings, unique: str
) -> None:
    """One broker cannot hold three replicas: the broker says so for the topic, not by
    failing the request, and the process stops saying which setting to lower."""
    three = settings.model_copy(update={"topic_replicas": 3})
    with pytest.raises(ConfigurationError, match="SEXTANT_TOPIC_REPLICAS is 3"):
        await ensure_topics(three, topics_for(three, [f"sextant.r{unique}.events.v1"]))
