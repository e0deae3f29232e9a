#!/usr/bin/env bash
# Starts (or reuses) the local PostgreSQL cluster and Kafka broker; no Docker needed.
# Env overrides: see postgres.sh and kafka.sh.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

"$HERE/postgres.sh" up
"$HERE/kafka.sh" up

echo "[infra] ready:"
echo "[infra]   SEXTANT_POSTGRES_URL=postgresql://sextant:sextant@127.0.0.1:${SEXTANT_PG_PORT:-5432}/sextant"
echo "[infra]   SEXTANT_KAFKA_BOOTSTRAP=127.0.0.1:${SEXTANT_KAFKA_PORT:-9092}"
