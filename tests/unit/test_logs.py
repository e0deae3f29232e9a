"""How loud the libraries that log message contents may be."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from sextant_kit.logs import hold_payload_loggers


@pytest.fixture
def levels() -> Iterator[None]:
    root, aiokafka = logging.getLogger(), logging.getLogger("aiokafka")
    kept = root.level, aiokafka.level
    yield
    root.setLevel(kept[0])
    aiokafka.setLevel(kept[1])


@pytest.mark.parametrize(
    ("configured", "held_at"),
    [
        (logging.DEBUG, logging.INFO),  # never DEBUG: it prints every record's value
        (logging.INFO, logging.WARNING),  # not eight lines for each consumer group's join
        (logging.WARNING, logging.WARNING),
        (logging.ERROR, logging.ERROR),
    ],
)
def test_aiokafka_is_held_below_debug_and_quiet_at_info(
    levels: None, configured: int, held_at: int
) -> None:
    logging.getLogger().setLevel(configured)
    logging.getLogger("aiokafka").setLevel(logging.NOTSET)
    hold_payload_loggers()
    assert logging.getLogger("aiokafka").level == held_at
    assert logging.getLogger("aiokafka.consumer.group_coordinator").getEffectiveLevel() == held_at
