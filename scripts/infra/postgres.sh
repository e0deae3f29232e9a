#!/usr/bin/env bash
# Local PostgreSQL for Sextant: a Debian cluster named "sextant" (newest installed major
# version, >= 15) on 127.0.0.1, managed with pg_createcluster/pg_ctlcluster, which switch
# to the postgres user themselves (the server refuses to run as root).
#
#   scripts/infra/postgres.sh up|down|status|drop
#
# Env: SEXTANT_PG_PORT (5432), SEXTANT_STATE (<repo>/.state),
#      SEXTANT_PG_CLUSTER (sextant; e.g. a separate throwaway cluster per CI job),
#      SEXTANT_PG_FAST=1 at creation time: fsync/synchronous_commit/full_page_writes off,
#      for throwaway CI clusters only (a crash can corrupt the cluster). Default is durable.
# `status` exits 0 when up, 3 when down. `drop` stops the cluster and deletes it with its
# data: for throwaway clusters (a test's own server); it refuses the default "sextant".
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PORT="${SEXTANT_PG_PORT:-5432}"
CLUSTER="${SEXTANT_PG_CLUSTER:-sextant}"
STATE_DIR="${SEXTANT_STATE:-$REPO_ROOT/.state}/postgres"
MARKER="$STATE_DIR/created"
MIN_VERSION=15
READY_TIMEOUT=30
# Application credentials; local development only.
APP_USER=sextant
APP_PASSWORD=sextant
APP_DB=sextant

log() { echo "[infra] postgres: $*"; }
die() { echo "[infra] postgres: ERROR: $*" >&2; exit 1; }

as_root() { if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi; }
as_postgres() { if [[ $EUID -eq 0 ]]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

ensure_installed() {
  command -v pg_createcluster >/dev/null 2>&1 && return 0
  log "pg_createcluster not found; installing Debian's postgresql package..."
  # Written before the install so Debian does not create (and start) a default
  # "main" cluster that would grab port 5432.
  as_root mkdir -p /etc/postgresql-common
  if [[ -f /etc/postgresql-common/createcluster.conf ]] \
    && grep -Eq '^\s*create_main_cluster' /etc/postgresql-common/createcluster.conf; then
    as_root sed -i -E 's/^\s*create_main_cluster.*/create_main_cluster = false/' \
      /etc/postgresql-common/createcluster.conf
  else
    echo 'create_main_cluster = false' | as_root tee -a /etc/postgresql-common/createcluster.conf >/dev/null
  fi
  # confold/UCF_FORCE_CONFFOLD: keep the file above instead of the packaged default.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
  as_root env DEBIAN_FRONTEND=noninteractive UCF_FORCE_CONFFOLD=1 apt-get install -y -q \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold postgresql >/dev/null
  command -v pg_createcluster >/dev/null 2>&1 || die "installing postgresql did not provide pg_createcluster"
}

# Prints "<version> <port> <status>" of our cluster, or nothing when it does not exist.
cluster_info() {
  pg_lsclusters -h 2>/dev/null | awk -v c="$CLUSTER" '$2 == c { print $1, $3, $4; exit }'
}

newest_version() {
  local v
  v="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null \
    | grep -E '^[0-9]+$' | sort -n | tail -n1)"
  [[ -n "$v" ]] || die "no PostgreSQL server installed under /usr/lib/postgresql"
  [[ "$v" -ge $MIN_VERSION ]] || die "PostgreSQL $v installed; $MIN_VERSION or newer is required"
  echo "$v"
}

port_in_use() { [[ -n "$(ss -Htln "sport = :$1" 2>/dev/null)" ]]; }
port_owner() {
  local owner
  owner="$(ss -Htlnp "sport = :$1" 2>/dev/null \
    | sed -n 's/.*users:(("\([^"]*\)",pid=\([0-9]*\).*/pid \2 (\1)/p' | head -n1)"
  echo "${owner:-another process}"
}

create_cluster() {
  local ver="$1" fast="${SEXTANT_PG_FAST:-0}"
  local other
  other="$(pg_lsclusters -h 2>/dev/null | awk -v p="$PORT" -v c="$CLUSTER" '$3 == p && $2 != c { print $1 "/" $2 }' | paste -sd, -)"
  [[ -z "$other" ]] || log "note: cluster(s) $other are also configured for port $PORT; only one can run at a time"
  log "creating cluster $ver/$CLUSTER on port $PORT$([[ "$fast" == 1 ]] && echo ' (FAST: fsync off, not crash-safe)')"
  mkdir -p "$STATE_DIR"
  # --start-conf manual: only these scripts start it (not the OS at boot).
  # Local socket connections are trusted (OS users on this machine); TCP needs a password.
  if ! as_root pg_createcluster "$ver" "$CLUSTER" --port "$PORT" --locale C.UTF-8 \
    --start-conf manual -- --auth-local trust --auth-host scram-sha-256 \
    >"$STATE_DIR/createcluster.log" 2>&1; then
    cat "$STATE_DIR/createcluster.log" >&2
    die "pg_createcluster failed"
  fi
  # Appended rather than passed as `pg_createcluster -o`, which leaves 127.0.0.1 unquoted
  # (it looks like a number) and breaks the file. The last occurrence of a setting wins.
  {
    echo ""
    echo "# --- Sextant local development (scripts/infra/postgres.sh) ---"
    echo "listen_addresses = '127.0.0.1'"
    echo "max_connections = 200"
    if [[ "$fast" == 1 ]]; then
      echo "# SEXTANT_PG_FAST=1: throwaway cluster; a crash can lose or corrupt data."
      echo "fsync = off"
      echo "synchronous_commit = off"
      echo "full_page_writes = off"
    fi
  } | as_root tee -a "/etc/postgresql/$ver/$CLUSTER/postgresql.conf" >/dev/null
  cat >"$MARKER" <<EOF
# Created by scripts/infra/postgres.sh; 'down' stops it, nothing here deletes it.
# Remove it with: pg_dropcluster --stop $ver $CLUSTER
version=$ver
cluster=$CLUSTER
port=$PORT
fast=$fast
created_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)
EOF
}

wait_ready() {
  local deadline=$((SECONDS + READY_TIMEOUT))
  until pg_isready -q -h 127.0.0.1 -p "$PORT"; do
    if ((SECONDS >= deadline)); then
      tail -n 20 "/var/log/postgresql/postgresql-$1-$CLUSTER.log" >&2 2>/dev/null || true
      die "server not accepting connections on 127.0.0.1:$PORT after ${READY_TIMEOUT}s"
    fi
    sleep 0.5
  done
}

# Idempotent: creates what is missing and (re)sets the password.
# SUPERUSER keeps migrations simple (extensions, ownership changes); local development only.
ensure_app_role_and_db() {
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres >/dev/null <<EOF
SELECT format('CREATE ROLE %I LOGIN', '$APP_USER')
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$APP_USER') \gexec
ALTER ROLE $APP_USER WITH LOGIN SUPERUSER CREATEDB PASSWORD '$APP_PASSWORD';
SELECT format('CREATE DATABASE %I OWNER %I', '$APP_DB', '$APP_USER')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$APP_DB') \gexec
EOF
  # Prove the credentials work over TCP, the way the services connect.
  PGPASSWORD="$APP_PASSWORD" psql -X -q -h 127.0.0.1 -p "$PORT" -U "$APP_USER" -d "$APP_DB" \
    -Atc 'select 1' >/dev/null || die "cannot log in as $APP_USER over TCP on 127.0.0.1:$PORT"
}

# Idempotent, on every start: the cluster listens on 127.0.0.1 only, where TLS would encrypt
# nothing worth hiding and cost every query CPU on both ends (clients try TLS first).
ensure_settings() {
  as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$PORT" -d postgres >/dev/null <<EOF
ALTER SYSTEM SET ssl = off;
SELECT pg_reload_conf();
EOF
}

cmd_up() {
  ensure_installed
  local info ver cport status
  info="$(cluster_info)"
  if [[ -z "$info" ]]; then
    ver="$(newest_version)"
    if port_in_use "$PORT"; then
      die "port $PORT is already in use by $(port_owner "$PORT"), which is not our cluster; \
stop it or set SEXTANT_PG_PORT"
    fi
    create_cluster "$ver"
    info="$(cluster_info)"
  elif [[ "${SEXTANT_PG_FAST:-0}" == 1 ]]; then
    log "note: SEXTANT_PG_FAST only applies when the cluster is created; existing cluster unchanged"
  fi
  read -r ver cport status <<<"$info"
  [[ "$cport" == "$PORT" ]] || die "cluster $ver/$CLUSTER is configured for port $cport, \
not $PORT; set SEXTANT_PG_PORT=$cport (or: pg_dropcluster --stop $ver $CLUSTER)"

  if [[ "$status" == online ]]; then
    wait_ready "$ver"
    ensure_settings
    ensure_app_role_and_db
    log "reused (cluster $ver/$CLUSTER, 127.0.0.1:$PORT)"
    return 0
  fi
  if port_in_use "$PORT"; then
    die "port $PORT is already in use by $(port_owner "$PORT"), which is not our cluster \
$ver/$CLUSTER; stop it or set SEXTANT_PG_PORT"
  fi
  log "starting cluster $ver/$CLUSTER..."
  as_root pg_ctlcluster "$ver" "$CLUSTER" start || die "pg_ctlcluster start failed \
(log: /var/log/postgresql/postgresql-$ver-$CLUSTER.log)"
  wait_ready "$ver"
  ensure_settings
  ensure_app_role_and_db
  log "up (cluster $ver/$CLUSTER, 127.0.0.1:$PORT)"
}

cmd_down() {
  local info ver cport status
  info="$(cluster_info)"
  if [[ -z "$info" ]]; then
    log "not created"
    return 0
  fi
  read -r ver cport status <<<"$info"
  if [[ "$status" != online ]]; then
    log "not running"
    return 0
  fi
  as_root pg_ctlcluster "$ver" "$CLUSTER" stop -m fast
  log "stopped (cluster $ver/$CLUSTER)"
}

cmd_status() {
  local info ver cport status
  info="$(cluster_info)"
  if [[ -n "$info" ]]; then
    read -r ver cport status <<<"$info"
    if [[ "$status" == online ]]; then
      echo "[infra] postgres: up (cluster $ver/$CLUSTER, 127.0.0.1:$cport)"
      return 0
    fi
  fi
  echo "[infra] postgres: down${info:+ (cluster $ver/$CLUSTER)}"
  return 3
}

cmd_drop() {
  [[ "$CLUSTER" != sextant ]] || die "refusing to drop the default cluster 'sextant'; \
drop it by hand if you mean it: pg_dropcluster --stop <version> sextant"
  local info ver cport status
  info="$(cluster_info)"
  if [[ -n "$info" ]]; then
    read -r ver cport status <<<"$info"
    as_root pg_dropcluster --stop "$ver" "$CLUSTER"
    log "dropped (cluster $ver/$CLUSTER)"
  else
    log "not created"
  fi
  rm -f "$MARKER"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  drop) cmd_drop ;;
  *) echo "usage: $0 {up|down|status|drop}" >&2; exit 2 ;;
esac
