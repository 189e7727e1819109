#!/usr/bin/env bash
# SCIM 2.0 provisioning and query benchmark: drives `usso serve` (SQLite, a
# fresh data dir per part) with the load driver of this directory
# (usso-scim-bench, Rust, tokio + reqwest) and prints Markdown tables for
# BENCHMARKS.md. The peer, scim2-server (PyPI, in memory), is measured in the
# same run when python3 can install it.
#
#   cargo build --release --locked -p usso -p usso-scim-bench
#   bench/scim/run.sh target/release/usso
#
# Environment: BENCH_USERS (default 1000000) users in the big tenant;
# PEER_USERS (default 10000) users for the peer's filter probes, and USSO's
# same probes at that size; SKIP_PEER=1 skips the peer; SCIM_BENCH_DRIVER the
# driver binary (default: usso-scim-bench beside usso); CREATE_SECONDS
# (default 10) per concurrency level of POST /Users.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
USSO_BIN="${1:-}"
if [ -z "$USSO_BIN" ] || [ ! -x "$USSO_BIN" ]; then
  echo "usage: $0 PATH/TO/usso   (build: cargo build --release --locked -p usso -p usso-scim-bench)" >&2
  exit 2
fi
case "$USSO_BIN" in /*) ;; *) USSO_BIN="$PWD/$USSO_BIN" ;; esac
DRIVER="${SCIM_BENCH_DRIVER:-$(dirname "$USSO_BIN")/usso-scim-bench}"
if [ ! -x "$DRIVER" ]; then
  echo "no load driver at $DRIVER: cargo build --release --locked -p usso-scim-bench" >&2
  exit 2
fi
BENCH_USERS="${BENCH_USERS:-1000000}"
PEER_USERS="${PEER_USERS:-10000}"
CREATE_SECONDS="${CREATE_SECONDS:-10}"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/usso-scim-bench.XXXXXX")"
SERVER_PID=""
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}
trap 'stop_server; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# start_usso DIR: starts usso serve on a fresh data dir, sets SERVER_PID and LISTEN.
start_usso() {
  local dir="$1"
  mkdir -p "$dir"
  "$USSO_BIN" serve --data-dir "$dir/data" --listen 127.0.0.1:0 --log-format json \
    --log-level warn,usso=info >"$dir/server.log" 2>&1 &
  SERVER_PID=$!
  LISTEN=""
  for _ in $(seq 1 600); do
    LISTEN="$(grep -m1 '"usso is ready"' "$dir/server.log" 2>/dev/null |
      sed -E 's/.*"listen":"([^"]+)".*/\1/')" || true
    [ -n "$LISTEN" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "usso was not ready after 60 s" >&2
  exit 1
}

# tenant_with_key DIR SLUG: creates the tenant and an API key with the scim
# scope; sets BASE and exports SCIM_BENCH_TOKEN (env, not argv).
tenant_with_key() {
  local dir="$1" slug="$2"
  local cli=("$USSO_BIN" --data-dir "$dir/data" --public-url "http://$LISTEN")
  "${cli[@]}" tenant create "$slug" --display-name "Bench $slug" --json >/dev/null
  SCIM_BENCH_TOKEN="$("${cli[@]}" api-key create --tenant "$slug" --name bench --scope scim --json |
    sed -E 's/.*"token":"([^"]+)".*/\1/')"
  export SCIM_BENCH_TOKEN
  BASE="http://$LISTEN/t/$slug/scim/v2"
}

db_size() {
  local dir="$1"
  (cd "$dir/data" && for f in *; do printf '%s %s MiB; ' "$f" "$(echo "scale=1; $(stat -c %s "$f") / 1048576" | bc)"; done)
  echo
}

THROUGHPUT_HEAD="| server | request | concurrency | requests | per s | p50 ms | p95 ms | p99 ms | errors | client CPU % | server CPU % | load (1 min) |
|---|---|---|---|---|---|---|---|---|---|---|---|"
QUERY_HEAD="| server | users | query | probes | p50 ms | p95 ms | p99 ms | max ms | results/probe | failed | load (1 min) |
|---|---|---|---|---|---|---|---|---|---|---|"
SEED_HEAD="| server | users so far | users/s (this step) | users/s (since start) | errors | server CPU % | load (1 min) |
|---|---|---|---|---|---|---|"

echo "# SCIM benchmark, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git -C "$HERE" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$HERE" diff --quiet HEAD -- ../../src 2>/dev/null || echo ' (src/ modified)'), $(nproc) cores, load $(loadavg)"
echo

# --- Part 1: writes on a fresh data dir ---------------------------------
A="$WORK/writes"
start_usso "$A"
tenant_with_key "$A" load
echo "## Writes (USSO on SQLite, fresh data dir; peer in memory)"
echo
echo "$THROUGHPUT_HEAD"
"$DRIVER" --label "driver ceiling (USSO)" --server-pid "$SERVER_PID" \
  --base "http://$LISTEN/healthz" ceiling --concurrency 32 --seconds 5
"$DRIVER" --label USSO --server-pid "$SERVER_PID" --base "$BASE" \
  create --concurrency 1,8,32 --seconds "$CREATE_SECONDS"
"$DRIVER" --label USSO --server-pid "$SERVER_PID" --base "$BASE" \
  bulk --ops 1000 --requests 10 --concurrency 1,2 --from 0
stop_server
echo
echo "Data dir after part 1: $(db_size "$A")"
echo

# --- Part 2 (peer): scim2-server, in memory ------------------------------
PEER_DONE=""
if [ "${SKIP_PEER:-0}" != "1" ] && command -v python3 >/dev/null; then
  VENV="${PEER_VENV:-$HOME/.cache/usso-scim-bench-peer}"
  if [ ! -x "$VENV/bin/scim2-server" ]; then
    python3 -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check \
      -r "$HERE/peer-requirements.txt" || true
  fi
  if [ -x "$VENV/bin/scim2-server" ]; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "$VENV/bin/scim2-server" --port "$port" --bearer-token bench-token >"$WORK/peer.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do grep -q Serving "$WORK/peer.log" && break; sleep 0.1; done
    PEER_BASE="http://127.0.0.1:$port/v2"
    echo "## Peer: scim2-server $("$VENV/bin/pip" show scim2-server 2>/dev/null | sed -n 's/^Version: //p') (in memory, wsgiref threading server)"
    echo
    echo "$THROUGHPUT_HEAD"
    SCIM_BENCH_TOKEN=bench-token "$DRIVER" --label scim2-server --server-pid "$SERVER_PID" \
      --base "$PEER_BASE" create --concurrency 1,8,32 --seconds "$CREATE_SECONDS"
    SCIM_BENCH_TOKEN=bench-token "$DRIVER" --label scim2-server --server-pid "$SERVER_PID" \
      --base "$PEER_BASE" bulk --ops 1000 --requests 4 --concurrency 1 --from 0
    echo
    # Its own seed, apart from the users above (synthetic indices 0.. again
    # would collide with the bulk phase: restart it empty).
    stop_server
    "$VENV/bin/scim2-server" --port "$port" --bearer-token bench-token >"$WORK/peer.log" 2>&1 &
    SERVER_PID=$!
    for _ in $(seq 1 300); do grep -q Serving "$WORK/peer.log" && break; sleep 0.1; done
    echo "$SEED_HEAD"
    SCIM_BENCH_TOKEN=bench-token "$DRIVER" --label scim2-server --server-pid "$SERVER_PID" \
      --base "$PEER_BASE" seed --total "$PEER_USERS" --ops 1000 --concurrency 1 --every "$PEER_USERS"
    echo
    echo "$QUERY_HEAD"
    SCIM_BENCH_TOKEN=bench-token "$DRIVER" --label scim2-server --base "$PEER_BASE" \
      query --total "$PEER_USERS" --probes 200 --count-probes 20
    stop_server
    PEER_DONE=1
    echo
  fi
fi
if [ -z "$PEER_DONE" ]; then
  echo "!!! peer scim2-server SKIPPED (SKIP_PEER=1, or python3/pip could not install it)"
  echo
fi

# --- Part 3: the big tenant ----------------------------------------------
B="$WORK/big"
start_usso "$B"
tenant_with_key "$B" big
echo "## Seeding $BENCH_USERS users through /Bulk (1000 operations per request, 2 in flight)"
echo
echo "$SEED_HEAD"
"$DRIVER" --label USSO --server-pid "$SERVER_PID" --base "$BASE" \
  seed --total "$PEER_USERS" --ops 1000 --concurrency 2 --every "$PEER_USERS"
echo
echo "$QUERY_HEAD"
"$DRIVER" --label USSO --base "$BASE" query --total "$PEER_USERS" --probes 200 --count-probes 20
echo
echo "$SEED_HEAD"
"$DRIVER" --label USSO --server-pid "$SERVER_PID" --base "$BASE" \
  seed --total $((BENCH_USERS - PEER_USERS)) --from "$PEER_USERS" --ops 1000 --concurrency 2 --every 100000
echo
echo "Data dir after seeding: $(db_size "$B")"
echo
echo "## Queries over $BENCH_USERS users"
echo
echo "$QUERY_HEAD"
"$DRIVER" --label USSO --base "$BASE" query --total "$BENCH_USERS" --probes 200 --count-probes 20
echo
echo "## Walking every user by cursor (count=1000), page time by depth"
echo
echo "| server | depth (users) | pages | p50 ms | p95 ms | max ms |"
echo "|---|---|---|---|---|---|"
"$DRIVER" --label USSO --base "$BASE" walk --count 1000 --probes 200
echo
if [ -n "${KEEP_BIG_DB:-}" ]; then
  stop_server
  cp -r "$B/data" "$KEEP_BIG_DB"
  echo "(big data dir kept in $KEEP_BIG_DB)"
fi
echo "Done, load $(loadavg)"
