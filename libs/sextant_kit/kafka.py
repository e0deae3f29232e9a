"""The Kafka side of a process: the faststream broker and explicit topic creation."""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError
from faststream.kafka import KafkaBroker

from sextant_kit.errors import ConfigurationError
from sextant_kit.eventstore import MAX_EVENT_BYTES
from sextant_kit.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int = 3
    replication: int = 1
    config: tuple[tuple[str, str], ...] = ()


def build_broker(settings: Settings, *, client_id: str) -> KafkaBroker:
    """A broker whose producer is idempotent and waits for every in-sync replica.

    Topics are created by :func:`ensure_topics` (or Strimzi), with their partitions and
    retention; subscribers name theirs with ``declare=False``, so faststream neither
    creates them nor warns, on every start, that it will not."""
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=client_id,
        enable_idempotence=True,
        acks="all",
        linger_ms=2,
        max_request_size=MAX_RECORD_BYTES,
        logger=logging.getLogger(f"sextant.kafka.{client_id}"),
        log_level=logging.DEBUG,
    )


MAX_RECORD_BYTES = MAX_EVENT_BYTES + 1024 * 1024
"""The most a record of Sextant's may be: the biggest event the store takes with its
CloudEvents headers, or a dead letter of it with its reason. Every producer's
``max_request_size`` and every topic's ``max.message.bytes`` (the broker's default is
1 MB)."""
LARGE_RECORDS = (("max.message.bytes", str(MAX_RECORD_BYTES)),)

EVENTS_TOPIC = re.compile(r"sextant\.[a-z]+\.events\.v[0-9]+")
"""A context's domain events: the source of truth every read model is rebuilt from."""
KEPT_FOREVER = (("retention.ms", "-1"), *LARGE_RECORDS)
DEAD_LETTERS_KEPT = (("retention.ms", str(30 * 24 * 3600 * 1000)), *LARGE_RECORDS)
"""Thirty days to look at a dead letter and send it back (the Helm chart's Strimzi topics
have the same settings)."""


def topics_for(settings: Settings, names: Iterable[str], *, partitions: int = 3) -> list[TopicSpec]:
    """Each topic and its dead-letter twin, ``<topic>.dlq``.

    Events topics are kept forever: with the broker's default retention (seven days), a
    rebuild or a new subscriber would silently start from whatever was left. Events and
    dead-letter topics take records of up to ``MAX_RECORD_BYTES``. Other topics (inbound
    feedback) keep the broker's defaults."""
    specs: list[TopicSpec] = []
    for name in names:
        full = settings.topic(name)
        config = KEPT_FOREVER if EVENTS_TOPIC.fullmatch(name) else ()
        replicas = settings.topic_replicas
        specs.append(TopicSpec(full, partitions, replicas, config=config))
        specs.append(TopicSpec(f"{full}.dlq", 1, replicas, config=DEAD_LETTERS_KEPT))
    return specs


async def ensure_topics(settings: Settings, specs: Iterable[TopicSpec]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted: list[NewTopic] = []
        made_before: list[TopicSpec] = []
        for s in specs:
            if s.name not in existing:
                config = dict(s.config)
                wanted.append(NewTopic(s.name, s.partitions, s.replication, topic_configs=config))
            elif s.config:
                made_before.append(s)
        if wanted:
            with contextlib.suppress(TopicAlreadyExistsError):
                _refused(await admin.create_topics(wanted), settings)
            log.info("created topics %s", [t.name for t in wanted])
        await _warn_of_settings_apart(admin, settings, made_before)
    finally:
        await admin.close()


_CREATED_OR_THERE = (0, 36)  # none, TOPIC_ALREADY_EXISTS (another process made it meanwhile)
_INVALID_REPLICATION_FACTOR = 38


def _refused(response: Any, settings: Settings) -> None:
    """The broker's answer to a topics' creation, read topic by topic: it says what it
    refused there, not by failing the request."""
    refused = [(e[0], e[1], e[2]) for e in response.topic_errors if e[1] not in _CREATED_OR_THERE]
    if not refused:
        return
    said = "; ".join(f"{topic}: {message}" for topic, _, message in refused)
    if any(code == _INVALID_REPLICATION_FACTOR for _, code, _ in refused):
        said += (
            f" (SEXTANT_TOPIC_REPLICAS is {settings.topic_replicas}: set it to at most the"
            " brokers the cluster has)"
        )
    raise ConfigurationError(f"Kafka did not create the topics: {said}")


async def topic_settings(
    admin: AIOKafkaAdminClient, keys: Mapping[str, Iterable[str]]
) -> dict[str, dict[str, str]]:
    """The settings named for each topic (``{topic: [setting, ...]}``), as the broker has them."""
    responses = await admin.describe_configs(
        [
            ConfigResource(ConfigResourceType.TOPIC, topic, dict.fromkeys(names))
            for topic, names in keys.items()
        ]
    )
    found: dict[str, dict[str, str]] = {}
    for response in responses:
        for _error, _message, _type, topic, entries, *_ in response.resources:
            found[topic] = {entry[0]: entry[1] for entry in entries}
    return found


async def _warn_of_settings_apart(
    admin: AIOKafkaAdminClient, settings: Settings, specs: Sequence[TopicSpec]
) -> None:
    """Say which topics that already existed have settings other than they would be created
    with (an events topic made before it was kept forever, say), and how to change them.
    They are not changed here: the only change aiokafka offers replaces every setting a
    topic has, and an operator's (``min.insync.replicas``, say) would be lost."""
    if not specs:
        return
    current = await topic_settings(admin, {s.name: [k for k, _ in s.config] for s in specs})
    for spec in specs:
        has = current.get(spec.name, {})
        apart = [(k, v) for k, v in spec.config if has.get(k) != v]
        if apart:
            wanted = ",".join(f"{k}={v}" for k, v in apart)
            found = ", ".join(f"{k}={has.get(k)}" for k, _ in apart)
            log.warning(
                "topic %s has %s, not %s; set it with Kafka's kafka-configs.sh (the class"
                " kafka.admin.ConfigCommand): --bootstrap-server %s --alter --entity-type topics"
                " --entity-name %s --add-config %s",
                spec.name,
                found,
                wanted,
                settings.kafka_bootstrap,
                spec.name,
                wanted,
            )
