#!/usr/bin/env bash
# Federation conformance: USSO logs users in through an independent upstream
# OpenID Provider (oidc-provider, npm, OpenID Certified; upstream.mjs) and
# hands them to a downstream application (openid-client, npm, OpenID
# Certified; driver.mjs). Builds nothing: give it the usso binary.
#
#   conformance/federation/run.sh PATH/TO/usso        (or USSO_BIN=PATH/TO/usso)
#
# Checks the upstream on its own first (selftest.mjs), then runs the driver
# against a fresh server on SQLite, and again on a fresh PostgreSQL database
# when USSO_TEST_POSTGRES_URL is set (e.g.
# postgres://postgres@127.0.0.1:5432/test). Each run's full output (checks,
# then the server's and the upstream's logs) is kept in
# conformance/federation/last-run-<db>.txt. Exit code: 0 when every run passed.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

USSO_BIN="${1:-${USSO_BIN:-}}"
if [ -z "$USSO_BIN" ]; then
  echo "usage: $0 PATH/TO/usso   (or set USSO_BIN)" >&2
  exit 2
fi
case "$USSO_BIN" in
  /*) ;;
  *) USSO_BIN="$PWD/$USSO_BIN" ;;
esac
if [ ! -x "$USSO_BIN" ]; then
  echo "federation conformance: $USSO_BIN is not an executable usso binary" >&2
  exit 2
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 ||
  ! node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'; then
  echo "!!! federation conformance SKIPPED: node/npm not found, or Node older than 20.19 (oidc-provider 9 needs it)" >&2
  exit 0
fi
PY="${PYTHON:-python3}"
if ! command -v "$PY" >/dev/null 2>&1; then
  echo "!!! federation conformance SKIPPED: python3 not found (conformance/lib/usso-server.sh reads the server log with it)" >&2
  exit 0
fi

# The peers, from the lock file; reinstalled whenever it changes.
cd "$HERE"
STAMP="node_modules/.package-lock.sha256"
want_sha="$(node -e 'console.log(require("crypto").createHash("sha256").update(require("fs").readFileSync("package-lock.json")).digest("hex"))')"
if [ ! -d node_modules/oidc-provider ] || [ ! -d node_modules/openid-client ] ||
  [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want_sha" ]; then
  echo "=== federation conformance: npm ci (oidc-provider, openid-client)"
  if ! npm ci --no-audit --no-fund --loglevel=error >/dev/null; then
    echo "!!! federation conformance SKIPPED: npm ci failed (oidc-provider and openid-client could not be installed)" >&2
    exit 0
  fi
  echo "$want_sha" >"$STAMP"
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/usso-federation-conf.XXXXXX")"
SUITE="federation conformance"
UPSTREAM_PID=""
# shellcheck source=../lib/usso-server.sh
. "$HERE/../lib/usso-server.sh"

stop_upstream() {
  if [ -n "$UPSTREAM_PID" ]; then
    kill "$UPSTREAM_PID" 2>/dev/null || true
    wait "$UPSTREAM_PID" 2>/dev/null || true
    UPSTREAM_PID=""
  fi
}
# The shared cleanup, plus the upstream.
trap 'stop_upstream; cleanup' EXIT

# start_upstream DIR: starts upstream.mjs (issuers corp, partner, closed) with
# its output in DIR; sets UPSTREAM_PID and UPSTREAMS (the JSON of its ready
# line). Returns 1, its log shown, when it does not come up in 30 s.
start_upstream() {
  local dir="$1"
  node "$HERE/upstream.mjs" --issuer corp --issuer partner --issuer closed \
    >"$dir/upstream.out" 2>"$dir/upstream.log" &
  UPSTREAM_PID=$!
  UPSTREAMS=""
  for _ in $(seq 1 300); do
    UPSTREAMS="$(sed -n 's/^upstream ready //p' "$dir/upstream.out" 2>/dev/null | head -n 1)"
    if [ -n "$UPSTREAMS" ]; then
      return 0
    fi
    if ! kill -0 "$UPSTREAM_PID" 2>/dev/null; then
      break
    fi
    sleep 0.1
  done
  echo "$SUITE: upstream.mjs did not start; its output:" >&2
  cat "$dir/upstream.out" "$dir/upstream.log" >&2
  UPSTREAM_PID=""
  return 1
}

# run_once LABEL [DATABASE_URL]: one upstream, one server, one driver run.
run_once() {
  local label="$1" database_url="${2:-}"
  local data="$WORK/$label"
  mkdir -p "$data"
  local db_args=(--data-dir "$data")
  if [ -n "$database_url" ]; then
    db_args+=(--database-url "$database_url")
  fi
  local started=$SECONDS
  local keep="${FEDERATION_CONFORMANCE_OUT:-$HERE/last-run-$label.txt}"
  local slug=acme

  echo "=== federation conformance on $label"
  start_upstream "$data" || return 1
  start_server "$data" "${db_args[@]}" || return 1
  local public="http://$LISTEN"

  # run_once is called as `run_once … || status=$?`, where bash ignores
  # `set -e`: every setup command checks its own status.
  local cli=("$USSO_BIN" "${db_args[@]}" --public-url "$public")
  "${cli[@]}" tenant create "$slug" --display-name "Acme Corp" --json >/dev/null ||
    { echo "$SUITE: usso tenant create failed" >&2; return 1; }
  local cli_json
  cli_json="$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' "${cli[@]}")" || return 1

  local out="$data/checks.txt" rc=0
  USSO_BASE="$public" USSO_TENANT="$slug" USSO_CLI="$cli_json" USSO_SERVER_LOG="$data/server.log" \
    UPSTREAMS="$UPSTREAMS" LABEL="$label" \
    node "$HERE/driver.mjs" >"$out" 2>&1 || rc=$?

  stop_server
  stop_upstream
  { cat "$out"; echo; echo "--- usso server log ($label)"; cat "$data/server.log"
    echo; echo "--- upstream.mjs log ($label)"; cat "$data/upstream.log"; } >"$keep" 2>/dev/null || true
  grep -E '^federation conformance \(' "$out" || echo "federation conformance ($label): no summary (driver exit $rc)"
  if [ "$rc" -ne 0 ]; then
    echo "--- failures ($label; everything in $keep):" >&2
    # Each FAIL line with its indented detail.
    awk '/^FAIL /{on=1; print; next} /^    /{if (on) print; next} {on=0}' "$out" | head -n 400 >&2
    if ! grep -qE '^(PASS|FAIL) ' "$out"; then
      tail -n 30 "$out" >&2
    fi
    echo "=== federation conformance on $label: FAILED in $((SECONDS - started)) s" >&2
    return 1
  fi
  echo "=== federation conformance on $label: passed in $((SECONDS - started)) s (log: $keep)"
}

# The upstream on its own first: a failure there is not USSO's.
echo "=== federation conformance: upstream self-test (oidc-provider with openid-client)"
if ! node "$HERE/selftest.mjs" >"$WORK/selftest.txt" 2>&1; then
  cat "$WORK/selftest.txt" >&2
  echo "=== federation conformance: the upstream (upstream.mjs) fails its self-test; USSO was not run" >&2
  exit 1
fi
tail -n 1 "$WORK/selftest.txt"

status=0
run_once sqlite || status=$?
stop_server
stop_upstream

if [ -n "${USSO_TEST_POSTGRES_URL:-}" ]; then
  PG_DB="usso_fed_conf_$(node -e 'console.log(require("crypto").randomBytes(6).toString("hex"))')"
  psql "$USSO_TEST_POSTGRES_URL" -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE $PG_DB" >/dev/null
  pg_url="$(node -e '
    const u = new URL(process.argv[1]);
    u.pathname = "/" + process.argv[2];
    console.log(u.href);' "$USSO_TEST_POSTGRES_URL" "$PG_DB")"
  pg_status=0
  run_once postgres "$pg_url" || pg_status=$?
  stop_server
  stop_upstream
  drop_pg_db
  if [ "$status" -eq 0 ]; then
    status=$pg_status
  fi
else
  echo "!!! USSO_TEST_POSTGRES_URL is not set: federation conformance ran on SQLite only; PostgreSQL was SKIPPED" >&2
  echo "!!! (e.g. USSO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)" >&2
fi

# The total over the runs: "federation conformance: N/M".
cat "$WORK"/*/checks.txt 2>/dev/null | node -e '
  let s = "";
  process.stdin.on("data", (d) => (s += d)).on("end", () => {
    let pass = 0, all = 0;
    for (const m of s.matchAll(/^federation conformance \([^)]*\): (\d+)\/(\d+)$/gm)) {
      pass += Number(m[1]);
      all += Number(m[2]);
    }
    const failed = process.argv[1] !== "0";
    console.log(`federation conformance: ${pass}/${all}${failed ? " (FAILED)" : ""}`);
  });' "$status" || true

exit "$status"
