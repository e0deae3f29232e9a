import json

import yaml
from sextant_platform import SERVICES
from sextant_platform.schemas import ROOT, documents, event_schemas


def test_checked_in_event_schemas_are_current() -> None:
    for service in SERVICES:
        for name, schema in event_schemas(service.registry).items():
            path = ROOT / "schemas" / name
            assert path.exists(), f"{name} is missing: run `make schemas`"
            assert json.loads(path.read_text()) == schema, f"{name} is stale: run `make schemas`"


def test_every_generated_contract_document_is_checked_in_and_current() -> None:
    generated = documents()
    assert "asyncapi.yaml" in generated
    for service in SERVICES:
        assert f"openapi/{service.context}.json" in generated
    for name, text in generated.items():
        path = ROOT / "schemas" / name
        assert path.exists(), f"schemas/{name} is missing: run `make schemas`"
        assert path.read_text() == text, f"schemas/{name} is stale: run `make schemas`"


def test_asyncapi_names_every_topic_and_its_dead_letters() -> None:
    doc = yaml.safe_load((ROOT / "schemas" / "asyncapi.yaml").read_text())
    addresses = {channel["address"] for channel in doc["channels"].values()}
    for service in SERVICES:
        for topic in [service.registry.topic, *service.extra_topics]:
            assert {topic, f"{topic}.dlq"} <= addresses
        events = next(c for c in doc["channels"].values() if c["address"] == service.registry.topic)
        assert len(events["messages"]) == len(service.registry.models())
    assert "sextant.feedback.inbound.v1" in addresses
    for message in doc["components"]["messages"].values():
        ref = message["payload"].get("$ref")
        if ref:
            assert (ROOT / "schemas" / ref).exists(), ref


def test_openapi_documents_have_the_service_routes_and_no_probes() -> None:
    for service in SERVICES:
        doc = json.loads((ROOT / "schemas" / "openapi" / f"{service.context}.json").read_text())
        assert doc["openapi"].startswith("3.")
        assert doc["paths"], service.context
        assert not {"/healthz", "/readyz", "/metrics"} & set(doc["paths"])


# Commands a retry cannot double without an idempotency key, and why.
NATURALLY_IDEMPOTENT = {
    # Tags and themes are sets and a link is made once: a triage sent again changes nothing
    # more, and reports each item as it then is (``unchanged``).
    ("feedback", "POST", "/v1/workspaces/{workspace_id}/feedback/triage"),
}


def test_every_command_takes_an_idempotency_key() -> None:
    """A client that retries after a timeout must be able to get the first answer back
    rather than a conflict (or a second effect): every command documents the header."""
    missing = set()
    for service in SERVICES:
        spec = json.loads((ROOT / "schemas" / "openapi" / f"{service.context}.json").read_text())
        for path, operations in spec["paths"].items():
            for method, operation in operations.items():
                if method not in {"post", "put", "patch", "delete"}:
                    continue
                headers = {p["name"].lower() for p in operation.get("parameters", [])}
                if "idempotency-key" not in headers:
                    missing.add((service.context, method.upper(), path))
    assert missing == NATURALLY_IDEMPOTENT
