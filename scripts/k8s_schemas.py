"""Kubernetes and CRD OpenAPI -> JSON Schema files for kubeconform (used by k8s-validate.sh).

Writes ``<out>/<group>/<kind>_<version>.json`` (kind lower-case; the core group is ``v1``),
the layout of kubeconform's ``{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}``
template. Schemas are strict: an object that lists its properties rejects any other one,
unless the source says it keeps unknown fields.

    k8s_schemas.py core  OUT swagger.json
    k8s_schemas.py crds  OUT crd.yaml...
    k8s_schemas.py kafkatopic OUT
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

import yaml

Schema = dict[str, Any]

INT_OR_STRING: Schema = {"oneOf": [{"type": "string"}, {"type": "integer"}]}
QUANTITY: Schema = {"oneOf": [{"type": "string"}, {"type": "number"}]}


def _strict(node: Any) -> Any:
    """Recursively: int-or-string, nullable, and additionalProperties: false."""
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {k: _strict(v) for k, v in node.items()}
    if out.pop("x-kubernetes-int-or-string", False) or out.get("format") == "int-or-string":
        out.pop("type", None)
        out.pop("format", None)
        out.update(copy.deepcopy(INT_OR_STRING))
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    keeps_unknown = out.get("x-kubernetes-preserve-unknown-fields") is True
    if "properties" in out and "additionalProperties" not in out and not keeps_unknown:
        out["additionalProperties"] = False
    return out


def _write(out: Path, group: str, kind: str, version: str, schema: Schema) -> Path:
    path = out / (group or "v1") / f"{kind.lower()}_{version}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(schema, separators=(",", ":")))
    return path


def _refs(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/definitions/"):
            found.add(ref.removeprefix("#/definitions/"))
        for value in node.values():
            _refs(value, found)
    elif isinstance(node, list):
        for value in node:
            _refs(value, found)


def core(out: Path, swagger_path: Path) -> int:
    """Every kind in the Kubernetes swagger: a ``$ref`` plus only the definitions it reaches."""
    definitions: dict[str, Schema] = json.loads(swagger_path.read_text())["definitions"]
    fixed: dict[str, Schema] = {}
    for name, schema in definitions.items():
        if name.endswith(".util.intstr.IntOrString"):
            fixed[name] = copy.deepcopy(INT_OR_STRING)
        elif name.endswith(".api.resource.Quantity"):
            fixed[name] = copy.deepcopy(QUANTITY)
        else:
            fixed[name] = _strict(schema)
    written = 0
    for name, schema in definitions.items():
        for gvk in schema.get("x-kubernetes-group-version-kind", []):
            reachable: set[str] = set()
            todo = [name]
            while todo:
                current = todo.pop()
                if current in reachable:
                    continue
                reachable.add(current)
                found: set[str] = set()
                _refs(fixed[current], found)
                todo.extend(found - reachable)
            document = {
                "$ref": f"#/definitions/{name}",
                "definitions": {n: fixed[n] for n in sorted(reachable)},
            }
            _write(out, gvk["group"], gvk["kind"], gvk["version"], document)
            written += 1
    return written


def crds(out: Path, files: list[Path]) -> int:
    written = 0
    for file in files:
        for doc in yaml.safe_load_all(file.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
                props = schema.setdefault("properties", {})
                props.setdefault("apiVersion", {"type": "string"})
                props.setdefault("kind", {"type": "string"})
                _write(out, spec["group"], spec["names"]["kind"], version["name"], _strict(schema))
                written += 1
    return written


def kafkatopic(out: Path) -> int:
    """Strimzi's KafkaTopic v1beta2, written by us from its documented spec.

    Strimzi publishes its CRDs only in its GitHub releases and container images, neither
    reachable from here (its Maven artifacts hold the Java model, not the CRDs), so this
    schema covers the fields the chart sets: partitions, replicas, config, topicName.
    """
    crd = {
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": {"type": "string", "enum": ["kafka.strimzi.io/v1beta2"]},
            "kind": {"type": "string", "enum": ["KafkaTopic"]},
            "metadata": {
                "type": "object",
                "required": ["labels"],
                "properties": {
                    "labels": {
                        "type": "object",
                        "required": ["strimzi.io/cluster"],
                        "additionalProperties": {"type": "string"},
                    }
                },
            },
            "spec": {
                "type": "object",
                "properties": {
                    "partitions": {"type": "integer", "minimum": 1},
                    "replicas": {"type": "integer", "minimum": 1, "maximum": 32767},
                    "config": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                    "topicName": {"type": "string", "minLength": 1},
                },
            },
            "status": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
        },
    }
    schema = _strict(crd)
    schema["properties"]["metadata"].pop("additionalProperties")  # other metadata is fine
    _write(out, "kafka.strimzi.io", "KafkaTopic", "v1beta2", schema)
    return 1


def main(argv: list[str]) -> None:
    command, out = argv[0], Path(argv[1])
    if command == "core":
        n = core(out, Path(argv[2]))
    elif command == "crds":
        n = crds(out, [Path(p) for p in argv[2:]])
    elif command == "kafkatopic":
        n = kafkatopic(out)
    else:
        raise SystemExit(__doc__)
    print(f"k8s_schemas {command}: {n} schema(s) -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1:])
