"""Schemathesis against every service's OpenAPI on the running platform: at least 1,000
generated requests per service, and not one 5xx or response outside the documented schema."""

from __future__ import annotations

import asyncio
import json
import re
import sys
from pathlib import Path

import pytest
from sextant_platform import SERVICES

from tests.e2e.conftest import Platform

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


def service_paths(context: str) -> dict[str, dict[str, object]]:
    document = json.loads((ROOT / "schemas" / "openapi" / f"{context}.json").read_text())
    paths: dict[str, dict[str, object]] = document["paths"]
    return {p: ops for p, ops in paths.items() if p not in ("/healthz", "/readyz", "/metrics")}


def path_pattern(context: str) -> str:
    """The service's own path templates (schemathesis filters on templates)."""
    return "^(" + "|".join(re.escape(p) for p in service_paths(context)) + ")$"


def examples_per_operation(context: str) -> int:
    """Enough that a service with few operations still gets over 1,000 cases."""
    operations = sum(len(ops) for ops in service_paths(context).values())
    return max(60, -(-1500 // operations))


@pytest.mark.timeout(900)
@pytest.mark.parametrize("context", [s.context for s in SERVICES])
async def test_no_server_errors_and_no_schema_violations(
    platform: Platform, context: str, tmp_path: Path
) -> None:
    process = await asyncio.create_subprocess_exec(
        str(SCHEMATHESIS),
        "run",
        f"{platform.base_url}/openapi.json",
        "--include-path-regex",
        path_pattern(context),
        "--checks",
        "not_a_server_error,response_schema_conformance",
        # schemathesis 4.32.5's coverage phase crashed inside schemathesis (a KeyError in
        # its own code) on one feedback schema here; fuzzing and stateful phases are run.
        "--phases",
        "fuzzing,stateful",
        "--max-examples",
        str(examples_per_operation(context)),
        "--workers",
        "2",
        "--seed",
        "20261126",
        "--no-color",
        cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 840)
    report = out.decode()
    summary = re.search(r"(\d+) generated, (\d+) (passed|found)", report)
    assert summary, report[-3000:]
    generated = int(summary.group(1))
    assert "ST101" not in report, report[-6000:]
    assert "Response violates schema" not in report, report[-6000:]
    assert summary.group(3) == "passed", report[-6000:]
    assert int(summary.group(2)) == generated, report[-6000:]
    assert generated >= 1000, f"{context}: only {generated} cases generated"
