"""``make schemas``: write a JSON Schema (Draft 2020-12) for every event type of every service."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from sextant_kit import EventRegistry

from sextant_platform import SERVICES

ROOT = Path(__file__).resolve().parents[3]


def event_schemas(registry: EventRegistry) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for model in registry.models():
        ce_type = registry.ce_type(model.event_type, model.schema_version)
        schema = model.model_json_schema(mode="serialization")
        out[f"{registry.context}/{model.event_type}.v{model.schema_version}.json"] = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"https://sextant.dev/schemas/{ce_type}.json",
            "x-cloudevents-type": ce_type,
            "x-kafka-topic": registry.topic,
            **schema,
        }
    return out


def main() -> None:
    target = ROOT / "schemas"
    written = 0
    for service in SERVICES:
        for name, schema in event_schemas(service.registry).items():
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
            written += 1
    print(f"wrote {written} event schemas under {target}", file=sys.stderr)


if __name__ == "__main__":
    main()
