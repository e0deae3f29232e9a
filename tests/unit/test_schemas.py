import json

from sextant_platform import SERVICES
from sextant_platform.schemas import ROOT, event_schemas


def test_checked_in_event_schemas_are_current() -> None:
    for service in SERVICES:
        for name, schema in event_schemas(service.registry).items():
            path = ROOT / "schemas" / name
            assert path.exists(), f"{name} is missing: run `make schemas`"
            assert json.loads(path.read_text()) == schema, f"{name} is stale: run `make schemas`"
