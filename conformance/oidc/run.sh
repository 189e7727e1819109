#!/usr/bin/env bash
# OIDC conformance: drives a running USSO with openid-client (npm, an OpenID
# Certified relying party). Builds nothing: give it the usso binary.
#
#   conformance/oidc/run.sh PATH/TO/usso        (or USSO_BIN=PATH/TO/usso)
#
# Runs on SQLite, and again on a fresh PostgreSQL database when
# USSO_TEST_POSTGRES_URL is set (e.g. postgres://postgres@127.0.0.1:5432/test).
# Exit code: 0 when every run passed, else the failing RP's exit code.
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
  echo "oidc conformance: $USSO_BIN is not an executable usso binary" >&2
  exit 2
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "!!! oidc conformance SKIPPED: node/npm not found (openid-client needs Node >= 20)" >&2
  exit 0
fi

cd "$HERE"
if [ ! -d node_modules/openid-client ]; then
  npm ci --no-audit --no-fund
fi

WORK="$(mktemp -d "${TMPDIR:-/tmp}/usso-oidc-conf.XXXXXX")"
SERVER_PID=""
PG_DB=""

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=""
  fi
}

drop_pg_db() {
  if [ -n "$PG_DB" ]; then
    psql "$USSO_TEST_POSTGRES_URL" -v ON_ERROR_STOP=1 -q -c "DROP DATABASE IF EXISTS $PG_DB" >/dev/null ||
      echo "oidc conformance: could not drop database $PG_DB" >&2
    PG_DB=""
  fi
}

cleanup() {
  stop_server
  drop_pg_db
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Reads one field of the JSON object on stdin.
json_field() {
  node -e '
    let s = "";
    process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const v = JSON.parse(s)[process.argv[1]];
      if (v === undefined || v === null) { console.error("no field " + process.argv[1] + " in " + s); process.exit(1); }
      console.log(v);
    });' "$1"
}

# The `listen` field of the JSON log line "usso is ready", if it is there yet.
ready_listen() {
  node -e '
    const fs = require("fs");
    for (const line of fs.readFileSync(process.argv[1], "utf8").split("\n")) {
      try {
        const o = JSON.parse(line);
        if (o.message === "usso is ready" && o.listen) { console.log(o.listen); process.exit(0); }
      } catch {}
    }
    process.exit(1);' "$1"
}

# run_once LABEL [DATABASE_URL]: one server, one RP run; returns the RP's exit code.
run_once() {
  local label="$1" database_url="${2:-}"
  local data="$WORK/$label"
  mkdir -p "$data"
  local db_args=(--data-dir "$data")
  if [ -n "$database_url" ]; then
    db_args+=(--database-url "$database_url")
  fi
  local started=$SECONDS

  echo "=== oidc conformance on $label"
  "$USSO_BIN" serve "${db_args[@]}" --listen 127.0.0.1:0 --log-format json --log-level info \
    >"$data/server.log" 2>&1 &
  SERVER_PID=$!

  local listen=""
  for _ in $(seq 1 600); do
    if listen="$(ready_listen "$data/server.log")"; then
      break
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "oidc conformance: usso serve exited before it was ready; its log:" >&2
      cat "$data/server.log" >&2
      SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  if [ -z "$listen" ]; then
    echo "oidc conformance: usso serve was not ready after 60 s; its log:" >&2
    cat "$data/server.log" >&2
    return 1
  fi
  local base="http://$listen"
  local redirect_uri="$base/cb" # never served: the RP reads the redirect itself
  local post_logout_uri="$base/logged-out" # never served either
  local password
  password="conf-$(node -e 'console.log(require("crypto").randomBytes(12).toString("hex"))')" ||
    return 1

  # run_once is called as `run_once … || status=$?`, where bash ignores
  # `set -e`: every setup command checks its own status.
  local cli=("$USSO_BIN" "${db_args[@]}" --public-url "$base")
  "${cli[@]}" tenant create acme --display-name "Acme Corp" --json >/dev/null ||
    { echo "oidc conformance: usso tenant create failed" >&2; return 1; }
  printf '%s\n' "$password" | "${cli[@]}" user create --tenant acme --username alice \
    --email alice@example.com --given-name Alice --family-name Doe --password-stdin --json >/dev/null ||
    { echo "oidc conformance: usso user create failed" >&2; return 1; }

  local rp_json public_json cc_json
  rp_json="$("${cli[@]}" client create --tenant acme --name rp --redirect-uri "$redirect_uri" \
    --post-logout-redirect-uri "$post_logout_uri" \
    --grant-type authorization_code --grant-type refresh_token --skip-consent --json)" ||
    { echo "oidc conformance: usso client create (rp) failed" >&2; return 1; }
  public_json="$("${cli[@]}" client create --tenant acme --name rp-public --public \
    --redirect-uri "$redirect_uri" --grant-type authorization_code --grant-type refresh_token \
    --skip-consent --json)" ||
    { echo "oidc conformance: usso client create (rp-public) failed" >&2; return 1; }
  cc_json="$("${cli[@]}" client create --tenant acme --name rp-service --grant-type client_credentials \
    --scope api:read --token-endpoint-auth-method client_secret_post --json)" ||
    { echo "oidc conformance: usso client create (rp-service) failed" >&2; return 1; }

  local rp_id rp_secret public_id cc_id cc_secret
  rp_id="$(json_field client_id <<<"$rp_json")" &&
    rp_secret="$(json_field client_secret <<<"$rp_json")" &&
    public_id="$(json_field client_id <<<"$public_json")" &&
    cc_id="$(json_field client_id <<<"$cc_json")" &&
    cc_secret="$(json_field client_secret <<<"$cc_json")" ||
    { echo "oidc conformance: unexpected JSON from usso client create" >&2; return 1; }

  # rp.mjs registers two more clients itself, with this command line: one
  # whose backchannel_logout_uri is the port its receiver got, one with the
  # public key it generated (private_key_jwt).
  local cli_json
  cli_json="$(node -e 'console.log(JSON.stringify(process.argv.slice(1)))' "${cli[@]}")" ||
    return 1

  local rc=0
  USSO_ISSUER="$base/t/acme" USSO_CLI="$cli_json" USSO_TENANT=acme \
    USSO_USERNAME=alice USSO_PASSWORD="$password" USSO_EMAIL=alice@example.com \
    USSO_GIVEN_NAME=Alice USSO_FAMILY_NAME=Doe \
    RP_CLIENT_ID="$rp_id" RP_CLIENT_SECRET="$rp_secret" RP_REDIRECT_URI="$redirect_uri" \
    RP_POST_LOGOUT_REDIRECT_URI="$post_logout_uri" \
    PUBLIC_CLIENT_ID="$public_id" \
    CC_CLIENT_ID="$cc_id" CC_CLIENT_SECRET="$cc_secret" CC_SCOPE=api:read \
    node "$HERE/rp.mjs" || rc=$?

  stop_server
  if [ "$rc" -ne 0 ]; then
    echo "--- usso server log ($label), last 40 lines:" >&2
    tail -n 40 "$data/server.log" >&2
    echo "=== oidc conformance on $label: FAILED (exit $rc) in $((SECONDS - started)) s" >&2
  else
    echo "=== oidc conformance on $label: passed in $((SECONDS - started)) s"
  fi
  return "$rc"
}

status=0
run_once sqlite || status=$?
stop_server

if [ -n "${USSO_TEST_POSTGRES_URL:-}" ]; then
  PG_DB="usso_conf_$(node -e 'console.log(require("crypto").randomBytes(6).toString("hex"))')"
  psql "$USSO_TEST_POSTGRES_URL" -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE $PG_DB" >/dev/null
  pg_url="$(node -e '
    const u = new URL(process.argv[1]);
    u.pathname = "/" + process.argv[2];
    console.log(u.href);' "$USSO_TEST_POSTGRES_URL" "$PG_DB")"
  pg_status=0
  run_once postgres "$pg_url" || pg_status=$?
  stop_server
  drop_pg_db
  if [ "$status" -eq 0 ]; then
    status=$pg_status
  fi
else
  echo "!!! USSO_TEST_POSTGRES_URL is not set: oidc conformance ran on SQLite only; PostgreSQL was SKIPPED" >&2
  echo "!!! (e.g. USSO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)" >&2
fi

exit "$status"
