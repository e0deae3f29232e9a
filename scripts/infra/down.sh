#!/usr/bin/env bash
# Stops the local Kafka broker and PostgreSQL cluster started by up.sh (data is kept).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# Try both even if one fails, then report failure.
rc=0
"$HERE/kafka.sh" down || rc=1
"$HERE/postgres.sh" down || rc=1
exit "$rc"
