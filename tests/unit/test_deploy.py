"""The deployment artefacts agree with the code: every service, process and projection."""

from pathlib import Path
from typing import Any

import yaml
from sextant_platform import PROCESS_KINDS, SERVICES
from sextant_platform.openapi import offline_runtime
from sextant_platform.schemas import ROOT

CHART = ROOT / "deploy" / "helm" / "sextant"


def _load(path: Path) -> dict:  # type: ignore[type-arg]
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict)
    return loaded


def test_every_service_has_a_values_entry_naming_its_projections_and_inbound_topics() -> None:
    values = _load(CHART / "values.yaml")
    assert set(values["processes"]) == set(PROCESS_KINDS)
    assert set(values["services"]) == {s.context for s in SERVICES}, (
        "add an entry under services: in deploy/helm/sextant/values.yaml"
    )
    for service in SERVICES:
        entry = values["services"][service.context]
        assert sorted(entry.get("inboundTopics", [])) == sorted(service.extra_topics)
        declared = {
            p["name"]: sorted(p.get("topics", [service.registry.topic]))
            for p in entry["projections"]
        }
        actual = {p.name: sorted(p.topics) for p in service.projections(offline_runtime(service))}
        assert declared == actual, f"projections of {service.context} in values.yaml"


def test_compose_runs_every_process_of_every_service_from_one_image() -> None:
    compose = _load(ROOT / "docker-compose.yml")["services"]
    for service in SERVICES:
        for process in PROCESS_KINDS:
            name = f"{service.context}-{process}"
            assert name in compose, f"docker-compose.yml has no {name}"
            spec = compose[name]
            assert spec["image"] == compose["migrate"]["image"]
            assert spec["command"][-1] == process
            assert spec["environment"]["SEXTANT_SERVICES"] == service.context
            assert "healthcheck" in spec
            assert spec["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_the_generated_part_of_docker_compose_is_current() -> None:
    from sextant_platform import compose

    text = (ROOT / "docker-compose.yml").read_text()
    assert compose.update(text, SERVICES) == text, "docker-compose.yml is stale: run `make schemas`"


def test_the_grafana_dashboard_shows_every_metric_and_only_real_ones() -> None:
    import json
    import re

    from sextant_kit.metrics import Metrics

    dashboard = json.loads((ROOT / "deploy" / "grafana" / "sextant-dashboard.json").read_text())
    exprs = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    used = {
        re.sub(r"_(total|bucket|sum|count)$", "", name)
        for expr in exprs
        for name in re.findall(r"\bsextant_[a-z_]+", expr)
    }
    families = {family.name for family in Metrics().registry.collect()}
    assert used == families


def test_the_chart_alerts_on_real_metrics() -> None:
    import re

    from sextant_kit.metrics import Metrics

    rules = ROOT / "deploy" / "helm" / "sextant" / "templates" / "prometheusrules.yaml"
    exprs = re.findall(r"expr: (?:>-\n)?((?:.*\n)+?)\s+for:", rules.read_text())
    assert len(exprs) == 4
    used = {
        re.sub(r"_(total|bucket|sum|count)$", "", name)
        for expr in exprs
        for name in re.findall(r"\bsextant_[a-z_]+", expr)
    }
    families = {family.name for family in Metrics().registry.collect()}
    assert used
    assert used <= families, used - families


def test_every_replica_at_its_maximum_fits_the_servers_connections() -> None:
    """Each replica's pool, at the most replicas its autoscaler may make (KEDA's too, which
    the documented install turns on), for every service: more than max_connections would
    turn a scale-out into refused connections."""
    values = _load(CHART / "values.yaml")
    processes = values["processes"]

    def most(service: dict[str, Any], process: str) -> int:
        p = {**processes[process], **service.get(process, {})}  # a service's own values win
        if not p["enabled"]:
            return 0
        scaler = p.get("hpa") or p.get("keda") or {}
        replicas = max(int(p["replicas"]), int(scaler.get("maxReplicas", 0)))
        listening = 1 if process == "relay" else 0  # the relay's own connection, for NOTIFY
        return replicas * (int(p["poolMaxSize"]) + listening)

    needed = sum(
        most(service, process)
        for service in values["services"].values()
        if service.get("enabled", True)
        for process in ("api", "relay", "projector")
    )
    assert needed == 457  # as values.yaml works it out
    assert needed + 20 <= values["cnpg"]["maxConnections"], needed  # 20 for operators
