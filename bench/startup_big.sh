#!/usr/bin/env bash
# Start-up on a big tenant (issue 8: "healthy ≤ 1 s after start, also on a
# tenant of 1,000,000 users"). Makes a store once — `usso tenant create big`,
# then BIG_USERS users with one email each written straight into the tables
# with the database's own SQL (sqlite3 / psql: start-up does not care how
# the users got there, and seeding a million through the API takes 20 min;
# bench/scim/run.sh measures that path) — then, RUNS times, starts
# `usso serve` on it and measures the time from exec until `/healthz`
# answers 200, the first login page of the big tenant, and the resident
# memory after 2 s idle. Prints a Markdown section and writes it into
# BENCHMARKS.md between `<!-- bench/startup_big: begin -->` and
# `<!-- bench/startup_big: end -->` (BENCH_WRITE=0: print only).
# bench/run.sh runs it (SKIP_STARTUP=1 skips it).
#
#   bench/startup_big.sh [path/to/usso]
#
# Environment: BIG_USERS (1000000), RUNS (5); USSO_BENCH_POSTGRES_URL
# (e.g. postgres://postgres@127.0.0.1:5432/test: only used to create and
# drop a database of its own) adds the PostgreSQL rows.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/.." && pwd)"
[ -n "${1:-}" ] || . "$ROOT/scripts/target_dir.sh"
BIN="${1:-$CARGO_TARGET_DIR/release/usso}"
BIG_USERS="${BIG_USERS:-1000000}"
RUNS="${RUNS:-5}"
command -v curl >/dev/null || { echo "curl is needed" >&2; exit 1; }

# The rows of the users and user_emails tables for tenant id $1, in the
# SQL of $2 (sqlite or postgres).
seed_sql() {
  local tenant=$1 dialect=$2 n_to_hex series
  if [ "$dialect" = sqlite ]; then
    cat <<SQL
PRAGMA journal_mode = WAL;
BEGIN;
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $BIG_USERS)
INSERT INTO users (tenant_id, id, username, username_key, given_name, family_name,
  display_name, status, created_at, updated_at, version, profile)
SELECT '$tenant', printf('018f0000-0000-7000-8000-%012x', i), printf('user%07d', i),
  printf('user%07d', i), 'Given', printf('Family %d', i), printf('User %d', i), 'active',
  1700000000000000, 1700000000000000, 1, '{}' FROM n;
INSERT INTO user_emails (tenant_id, user_id, position, value, value_key, verified, is_primary)
SELECT tenant_id, id, 0, username || '@example.com', username || '@example.com', 1, 1
FROM users WHERE tenant_id = '$tenant';
COMMIT;
ANALYZE;
SQL
  else
    cat <<SQL
BEGIN;
INSERT INTO users (tenant_id, id, username, username_key, given_name, family_name,
  display_name, status, created_at, updated_at, version, profile)
SELECT '$tenant', '018f0000-0000-7000-8000-' || lpad(to_hex(i), 12, '0'),
  'user' || lpad(i::text, 7, '0'), 'user' || lpad(i::text, 7, '0'), 'Given',
  'Family ' || i, 'User ' || i, 'active', 1700000000000000, 1700000000000000, 1, '{}'
FROM generate_series(1, $BIG_USERS) AS i;
INSERT INTO user_emails (tenant_id, user_id, position, value, value_key, verified, is_primary)
SELECT tenant_id, id, 0, username || '@example.com', username || '@example.com', true, true
FROM users WHERE tenant_id = '$tenant';
COMMIT;
ANALYZE;
SQL
  fi
}

# Starts usso serve on the store ($@: database options) RUNS times.
measure() {
  local label=$1; shift
  local run
  for run in $(seq 1 "$RUNS"); do
    local log port start healthy status rss_kib pid
    log="$WORK/serve.log"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    start=$(date +%s%N)
    "$BIN" serve --listen "127.0.0.1:$port" --data-dir "$WORK/data" "$@" --log-format json \
      2>"$log" &
    pid=$!
    until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")" = 200 ]; do
      kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
      sleep 0.005
    done
    healthy=$(( ($(date +%s%N) - start) / 1000000 ))
    status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/t/big/login")
    sleep 2
    rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
    kill -TERM "$pid"; wait "$pid" || true
    say "$(printf '| %s | %s | %s | %s | %s | %.1f |' "$label" "$BIG_USERS" "$run" "$healthy" \
      "$status" "$(echo "$rss_kib / 1024" | bc -l)")"
  done
}

WORK="$(mktemp -d)"
PG_DB=""
cleanup() {
  rm -rf "$WORK"
  if [ -n "$PG_DB" ]; then
    psql -q "$USSO_BENCH_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

OUT="$WORK/section.md"
say() { echo "$@" | tee -a "$OUT"; }
commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
say "### Run of $(date -u +%Y-%m-%dT%H:%MZ)"
say
say "- Command: \`bench/startup_big.sh\` (BIG_USERS=$BIG_USERS RUNS=$RUNS$([ -n "${USSO_BENCH_POSTGRES_URL:-}" ] && echo ' USSO_BENCH_POSTGRES_URL=…')), commit $commit, release build"
say "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(uname -r); load average at the start $(cut -d' ' -f1-3 /proc/loadavg)"
say "- Target (issue 8): healthy ≤ 1 s after start on a tenant of 1,000,000 users; idle RSS ≤ 50 MB"
say
say "| store | users in the tenant | run | healthy after (ms) | login page (HTTP) | idle RSS (MiB) |"
say "|---|---|---|---|---|---|"

# SQLite: the default store in the data dir.
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed (apt-get install -y sqlite3)" >&2; exit 1; }
"$BIN" tenant create big --data-dir "$WORK/data" --json >/dev/null
db=$(ls "$WORK"/data/*.db | head -1)
tenant=$(sqlite3 "$db" "SELECT id FROM tenants WHERE slug = 'big'")
seed_sql "$tenant" sqlite | sqlite3 "$db" >/dev/null
[ "$(sqlite3 "$db" "SELECT count(*) FROM users WHERE tenant_id = '$tenant'")" = "$BIG_USERS" ] ||
  { echo "the SQLite seed did not write $BIG_USERS users" >&2; exit 1; }
measure SQLite

if [ -n "${USSO_BENCH_POSTGRES_URL:-}" ]; then
  command -v psql >/dev/null || { echo "psql is needed for the PostgreSQL rows" >&2; exit 1; }
  PG_DB="usso_startup_big_$$"
  psql -q "$USSO_BENCH_POSTGRES_URL" -c "CREATE DATABASE $PG_DB" >/dev/null
  url="${USSO_BENCH_POSTGRES_URL%/*}/$PG_DB"
  "$BIN" tenant create big --data-dir "$WORK/data" --database-url "$url" --json >/dev/null
  tenant=$(psql -qtA "$url" -c "SELECT id FROM tenants WHERE slug = 'big'")
  seed_sql "$tenant" postgres | psql -q "$url" >/dev/null
  measure PostgreSQL --database-url "$url"
fi

if [ "${BENCH_WRITE:-1}" = 1 ]; then
  md="$ROOT/BENCHMARKS.md"
  begin='<!-- bench/startup_big: begin -->'
  end='<!-- bench/startup_big: end -->'
  if ! grep -qF "$begin" "$md"; then
    echo "no $begin marker in BENCHMARKS.md: printed only" >&2
    exit 0
  fi
  awk -v begin="$begin" -v end="$end" -v file="$OUT" '
    $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$md" >"$WORK/md" && cat "$WORK/md" >"$md"
  echo "figures written to BENCHMARKS.md" >&2
fi
