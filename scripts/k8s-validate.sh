#!/usr/bin/env bash
# `make k8s-validate`: lint and render the Helm chart, then validate every manifest against
# the Kubernetes API schemas and the CRD schemas it uses (KEDA ScaledObject, Prometheus
# operator ServiceMonitor and PrometheusRule, CloudNativePG Cluster and Database, Strimzi KafkaTopic).
#
# Needs only Go and the project's venv. helm and kubeconform are built from source through
# the Go module proxy; the schemas are generated from the OpenAPI/CRD files that the
# Kubernetes, KEDA, prometheus-operator and CloudNativePG Go modules ship. Both are cached
# under ${SEXTANT_CACHE:-$HOME/.cache/sextant}, so later runs need no network.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v3.22.0
KUBECONFORM_VERSION=v0.8.0
KUBERNETES_VERSION=1.35.4
KEDA_VERSION=v2.21.0
PROMETHEUS_OPERATOR_VERSION=v0.85.0
CNPG_VERSION=v1.28.1

CACHE="${SEXTANT_CACHE:-$HOME/.cache/sextant}"
BIN="$CACHE/bin"
PYTHON="${PYTHON:-.venv/bin/python}"
CHART=deploy/helm/sextant
export GOTOOLCHAIN=local GOFLAGS="${GOFLAGS:--buildvcs=false}"
mkdir -p "$BIN"

log() { printf 'k8s-validate: %s\n' "$*" >&2; }

# go_tool NAME MODULE/CMD VERSION -> path of the cached binary NAME-VERSION
go_tool() {
  local name=$1 pkg=$2 version=$3 target="$BIN/$1-$3"
  if [[ ! -x $target ]]; then
    command -v go >/dev/null || { log "go is required to build $name"; exit 1; }
    log "building $name $version (once; cached in $BIN)"
    local tmp
    tmp=$(mktemp -d)
    GOBIN="$tmp" go install "$pkg@$version"
    mv "$tmp/$name" "$target"
    rm -rf "$tmp"
  fi
  echo "$target"
}

# module_dir MODULE VERSION -> the module's directory in the Go module cache
module_dir() {
  go mod download -json "$1@$2" | "$PYTHON" -c '
import json, sys
info = json.load(sys.stdin)
if "Dir" not in info:
    sys.exit("go mod download: %s" % info.get("Error"))
print(info["Dir"])'
}

HELM=$(go_tool helm helm.sh/helm/v3/cmd/helm "$HELM_VERSION")
KUBECONFORM=$(go_tool kubeconform github.com/yannh/kubeconform/cmd/kubeconform "$KUBECONFORM_VERSION")

# The prometheus-operator CRDs the chart renders (files of its module).
PROMETHEUS_CRDS=(monitoring.coreos.com_servicemonitors.yaml monitoring.coreos.com_prometheusrules.yaml)
# Schemas: regenerated when a version, a CRD or the converter changes.
key=$(printf '%s\n' "$KUBERNETES_VERSION" "$KEDA_VERSION" "$PROMETHEUS_OPERATOR_VERSION" \
  "$CNPG_VERSION" "${PROMETHEUS_CRDS[*]}" "$(cat scripts/k8s_schemas.py)" \
  | sha256sum | cut -c1-16)
SCHEMAS="$CACHE/k8s-schemas/$key"
if [[ ! -f $SCHEMAS/.complete ]]; then
  log "generating JSON schemas (once; cached in $SCHEMAS)"
  rm -rf "$SCHEMAS.tmp" && mkdir -p "$SCHEMAS.tmp"
  k8s=$(module_dir k8s.io/kubernetes "v$KUBERNETES_VERSION")
  keda=$(module_dir github.com/kedacore/keda/v2 "$KEDA_VERSION")
  promop=$(module_dir github.com/prometheus-operator/prometheus-operator "$PROMETHEUS_OPERATOR_VERSION")
  cnpg=$(module_dir github.com/cloudnative-pg/cloudnative-pg "$CNPG_VERSION")
  "$PYTHON" scripts/k8s_schemas.py core "$SCHEMAS.tmp" "$k8s/api/openapi-spec/swagger.json"
  "$PYTHON" scripts/k8s_schemas.py crds "$SCHEMAS.tmp" \
    "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" \
    "${PROMETHEUS_CRDS[@]/#/$promop/example/prometheus-operator-crd/}" \
    "$cnpg/config/crd/bases/postgresql.cnpg.io_clusters.yaml" \
    "$cnpg/config/crd/bases/postgresql.cnpg.io_databases.yaml"
  "$PYTHON" scripts/k8s_schemas.py kafkatopic "$SCHEMAS.tmp"
  touch "$SCHEMAS.tmp/.complete"
  rm -rf "$SCHEMAS" && mv "$SCHEMAS.tmp" "$SCHEMAS"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for values in "$CHART"/ci/*-values.yaml; do
  name=$(basename "$values" -values.yaml)
  log "helm lint + template with $values"
  "$HELM" lint --strict --quiet "$CHART" -f "$values" --kube-version "$KUBERNETES_VERSION" >/dev/null
  "$HELM" template sextant "$CHART" -f "$values" --kube-version "$KUBERNETES_VERSION" \
    >"$work/$name.yaml"
  # No -ignore-missing-schemas: a kind without a schema fails.
  "$KUBECONFORM" -strict -summary -output text \
    -kubernetes-version "$KUBERNETES_VERSION" \
    -schema-location "$SCHEMAS/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
    "$work/$name.yaml" || status=1
done
# The chart must refuse to render without a database.
if "$HELM" template sextant "$CHART" --kube-version "$KUBERNETES_VERSION" >/dev/null 2>&1; then
  log "the chart rendered without postgres.url or postgres.existingSecret"
  status=1
fi
# ... and without the identity provider's keys, with which every process checks its callers.
if "$HELM" template sextant "$CHART" --kube-version "$KUBERNETES_VERSION" \
  --set postgres.url=postgresql://x@y/z >/dev/null 2>&1; then
  log "the chart rendered without auth.jwks"
  status=1
fi
exit $status
