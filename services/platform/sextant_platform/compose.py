"""The per-service part of docker-compose.yml, generated from ``SERVICES`` by ``make schemas``.

Every service runs as three containers of the one image (``<context>-api``, ``-relay``,
``-projector``), after a one-shot ``migrate`` container has created the databases, tables
and topics. The text between the markers below is replaced; the rest of the file is
written by hand.
"""

from __future__ import annotations

from collections.abc import Sequence

from sextant_kit.service import ServiceDefinition

from sextant_platform import PROCESS_KINDS

BEGIN = "  # BEGIN generated services (make schemas; sextant_platform/compose.py)\n"
END = "  # END generated services\n"
FIRST_API_PORT = 8001
"""Host port of the first service's API; the next services take the ports after it."""


def services_block(services: Sequence[ServiceDefinition]) -> str:
    lines: list[str] = []
    for index, service in enumerate(services):
        for process in PROCESS_KINDS:
            name = f"{service.context}-{process}"
            lines += [
                f"  {name}:",
                "    <<: *sextant",
                f'    command: ["{process}"]',  # after the image's entrypoint, sextant-run
                "    environment:",
                "      <<: *sextant-env",
                f"      SEXTANT_SERVICES: {service.context}",
                f"      OTEL_SERVICE_NAME: sextant-{name}",
            ]
            if process == "api":
                port = FIRST_API_PORT + index
                lines += ["    ports:", f'      - "127.0.0.1:{port}:8000"']
            lines.append("")
    return BEGIN + "\n".join(lines) + END


def update(text: str, services: Sequence[ServiceDefinition]) -> str:
    """``text`` with the generated block replaced (it must have both markers)."""
    start, end = text.index(BEGIN), text.index(END)
    return text[:start] + services_block(services) + text[end + len(END) :]
