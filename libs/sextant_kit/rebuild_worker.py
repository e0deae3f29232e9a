"""A replay worker of a rebuild, started by :mod:`sextant_kit.rebuild`; not for operators.

``python -m sextant_kit.rebuild_worker MODULE PROJECTION SCHEMA BATCH TOPIC:PARTITION...``
replays those partitions from the beginning into the rebuild's schema. Standard output is
the rebuild's: a line per applied batch, then the positions reached. Standard input stays
open as long as the rebuild runs: when it ends, however it ended (killed outright too), the
worker ends with it.
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading
from collections.abc import Sequence

from aiokafka import TopicPartition

from sextant_kit.logs import configure_logging
from sextant_kit.rebuild import replay_share
from sextant_kit.runner import run_event_loop, tune_garbage_collector
from sextant_kit.service import ServiceDefinition
from sextant_kit.settings import Settings

ORPHANED = 3
"""The exit code of a worker whose rebuild ended before it."""


def _end_with_the_rebuild() -> None:
    # The file descriptor, not sys.stdin: a thread blocked in the buffered reader holds its
    # lock, and the interpreter would abort at exit waiting for it.
    while os.read(sys.stdin.fileno(), 4096):  # until end of file: the rebuild closed it, or is gone
        pass
    print(
        "the rebuild that started this replay worker has ended; so does the worker", file=sys.stderr
    )
    os._exit(ORPHANED)


def main(argv: Sequence[str]) -> None:
    # Ctrl-C reaches the whole process group: it is the rebuild's to handle, which stops
    # its workers and says what to do, where each worker would print its own traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_end_with_the_rebuild, daemon=True).start()
    module, projection, shadow, batch, *shares = argv
    definition = importlib.import_module(module).definition
    if not isinstance(definition, ServiceDefinition):
        raise SystemExit(f"{module}.definition is not a service definition")
    tps = [TopicPartition(topic, int(p)) for topic, p in (s.rsplit(":", 1) for s in shares)]
    tune_garbage_collector()
    settings = Settings.from_environment()
    configure_logging(settings.log_level)
    run_event_loop(
        replay_share(definition, settings, projection, shadow, tps, int(batch), sys.stdout)
    )


if __name__ == "__main__":
    main(sys.argv[1:])
