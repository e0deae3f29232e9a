"""Every Sextant service in one place: the all-in-one local runner and the operator CLI."""

from __future__ import annotations

from collections.abc import Sequence

from sextant_feedback.service import definition as feedback
from sextant_kit.runner import main_for
from sextant_kit.service import ServiceDefinition
from sextant_roadmap.service import definition as roadmap

SERVICES: Sequence[ServiceDefinition] = (feedback, roadmap)


def main() -> None:
    """``sextant-run all``: every service's api, relay and projector in one process."""
    main_for(SERVICES)
