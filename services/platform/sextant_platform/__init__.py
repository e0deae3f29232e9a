"""Every Sextant service in one place: the all-in-one local runner and the operator CLI."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping, Sequence

from sextant_discovery.service import definition as discovery
from sextant_feedback.service import definition as feedback
from sextant_identity.service import definition as identity
from sextant_kit.runner import main_for
from sextant_kit.service import ServiceDefinition
from sextant_query.service import definition as query
from sextant_roadmap.service import definition as roadmap
from sextant_strategy.service import definition as strategy

SERVICES: Sequence[ServiceDefinition] = (
    identity,
    feedback,
    discovery,
    strategy,
    roadmap,
    query,
)

PROCESS_KINDS: tuple[str, ...] = ("api", "relay", "projector")
"""The processes a service runs as, each its own Deployment (``all`` runs them together)."""


def select(services: Sequence[ServiceDefinition], names: Sequence[str]) -> list[ServiceDefinition]:
    """The services named (all of them when none is), in the order of ``services``."""
    wanted = {n.strip() for name in names for n in name.split(",") if n.strip()}
    if not wanted:
        return list(services)
    known = {s.context for s in services}
    unknown = sorted(wanted - known)
    if unknown:
        raise SystemExit(
            f"unknown service(s) {', '.join(unknown)}; choose from: {', '.join(sorted(known))}"
        )
    return [s for s in services if s.context in wanted]


def split_service_options(
    argv: Sequence[str], env: Mapping[str, str]
) -> tuple[list[str], list[str]]:
    """``--service NAME`` options (or ``SEXTANT_SERVICES``/``SEXTANT_SERVICE``) and the rest.

    Options win over the environment; either may name several services, comma-separated.
    """
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--service", "--services", action="append", default=[])
    options, rest = parser.parse_known_args(list(argv))
    names: list[str] = options.service
    if not names:
        names = [env.get("SEXTANT_SERVICES") or env.get("SEXTANT_SERVICE") or ""]
    return names, rest


def main(argv: Sequence[str] | None = None) -> None:
    """``sextant-run [--service NAME] {all|api|relay|projector|migrate|rebuild}``.

    Without ``--service`` (or ``SEXTANT_SERVICES``) every service runs in the process.
    """
    names, rest = split_service_options(sys.argv[1:] if argv is None else argv, os.environ)
    main_for(select(SERVICES, names), rest)
