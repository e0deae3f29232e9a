"""Process logging: one line per record on stderr, and never a message's contents.

Sextant's own log lines name events by id and type, and reasons by field and rule, never
by value. Libraries that print whole records at DEBUG (aiokafka logs every value it sends)
are held at INFO whatever level is configured, because those values hold personal data.
At the usual INFO they are held at WARNING: aiokafka's INFO is eight lines for every
consumer group join (over 200 when the platform starts), saying what faststream's one
"assigned to partitions" line already says; they show when the process logs at DEBUG.
"""

from __future__ import annotations

import logging
import sys

PAYLOAD_LOGGERS = ("aiokafka",)


def configure_logging(level: str | int) -> None:
    logging.basicConfig(
        level=level, stream=sys.stderr, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    hold_payload_loggers()


def hold_payload_loggers() -> None:
    for name in PAYLOAD_LOGGERS:
        logger = logging.getLogger(name)
        level = logger.getEffectiveLevel()
        logger.setLevel(logging.INFO if level <= logging.DEBUG else max(level, logging.WARNING))
