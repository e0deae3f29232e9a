"""A replay worker of a rebuild, started by :mod:`sextant_kit.rebuild`; not for operators.

``python -m sextant_kit.rebuild_worker MODULE PROJECTION SCHEMA BATCH TOPIC:PARTITION...``
replays those partitions from the beginning into the rebuild's schema. Standard output is
the rebuild's: a line per applied batch, then the positions reached.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Sequence

from aiokafka import TopicPartition

from sextant_kit.logs import configure_logging
from sextant_kit.rebuild import replay_share
from sextant_kit.runner import run_event_loop, tune_garbage_collector
from sextant_kit.service import ServiceDefinition
from sextant_kit.settings import Settings


def main(argv: Sequence[str]) -> None:
    module, projection, shadow, batch, *shares = argv
    definition = importlib.import_module(module).definition
    if not isinstance(definition, ServiceDefinition):
        raise SystemExit(f"{module}.definition is not a service definition")
    tps = [TopicPartition(topic, int(p)) for topic, p in (s.rsplit(":", 1) for s in shares)]
    tune_garbage_collector()
    settings = Settings()
    configure_logging(settings.log_level)
    run_event_loop(
        replay_share(definition, settings, projection, shadow, tps, int(batch), sys.stdout)
    )


if __name__ == "__main__":
    main(sys.argv[1:])
