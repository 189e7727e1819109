#!/usr/bin/env bash
# SCIM 2.0 conformance: drives a running USSO with scim2-tester (PyPI, through
# the `scim test` command of scim2-cli). Builds nothing: give it the usso binary.
#
#   conformance/scim/run.sh PATH/TO/usso        (or USSO_BIN=PATH/TO/usso)
#
# Runs on SQLite, and again on a fresh PostgreSQL database when
# USSO_TEST_POSTGRES_URL is set (e.g. postgres://postgres@127.0.0.1:5432/test).
# A run passes only when every check scim2-tester reports is SUCCESS (SKIPPED
# counts as a failure, as it does for `scim test` itself; set
# SCIM_ALLOW_SKIPPED=1 to tolerate skipped checks while a feature is missing).
# Exit code: 0 when every run passed, else 1.
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
  echo "scim conformance: $USSO_BIN is not an executable usso binary" >&2
  exit 2
fi

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1 ||
  ! "$PYTHON" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
  echo "!!! scim conformance SKIPPED: python3 (>= 3.10, with venv) not found (scim2-tester needs it)" >&2
  exit 0
fi

# The peer lives in a private venv, installed from the pinned requirements and
# reinstalled whenever they change.
VENV="$HERE/.venv"
STAMP="$VENV/.requirements.sha256"
want_sha="$("$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$HERE/requirements.txt")"
if [ ! -x "$VENV/bin/scim" ] || [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want_sha" ]; then
  echo "=== scim conformance: installing scim2-tester into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  echo "$want_sha" >"$STAMP"
fi
PY="$VENV/bin/python"
SCIM="$VENV/bin/scim"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/usso-scim-conf.XXXXXX")"
SUITE="scim conformance"
# shellcheck source=../lib/usso-server.sh
. "$HERE/../lib/usso-server.sh"

# json_field NAME [optional]: one field of the JSON object on stdin. Fails when
# the field is missing, unless a second argument is given (then prints nothing).
json_field() {
  "$PY" -c '
import json, sys
obj = json.load(sys.stdin)
v = obj.get(sys.argv[1]) if isinstance(obj, dict) else None
if v is None:
    if len(sys.argv) > 2:
        sys.exit(0)
    sys.exit("no field %s in %s" % (sys.argv[1], json.dumps(obj)))
print(v)' "$@"
}


# summarize OUTPUT_FILE LABEL: counts the status lines `scim test` printed
# ("SUCCESS title", "ERROR title", ...), prints the summary line and the
# failing checks; returns 0 only when every check passed.
summarize() {
  "$PY" - "$1" "$2" "${SCIM_ALLOW_SKIPPED:-0}" <<'PY'
import collections, re, sys
path, label, allow_skipped = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
statuses = ("SUCCESS", "COMPLIANT", "ACCEPTABLE", "DEVIATION", "ERROR", "CRITICAL", "SKIPPED")
line_re = re.compile(r"^(%s) (.*)$" % "|".join(statuses))
counts = collections.Counter()
failed = []
lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
for i, line in enumerate(lines):
    m = line_re.match(line)
    if not m:
        continue
    status, title = m.groups()
    counts[status] += 1
    if status != "SUCCESS":
        reason = lines[i + 1].strip() if i + 1 < len(lines) and lines[i + 1].startswith("  ") else ""
        failed.append((status, title, reason))
total = sum(counts.values())
passed = counts["SUCCESS"]
others = ", ".join("%d %s" % (n, s) for s, n in sorted(counts.items()) if s != "SUCCESS")
print("scim conformance (%s): %d checks, %d passed%s" % (label, total, passed, " (" + others + ")" if others else ""))
for status, title, reason in failed[:60]:
    print("  %s %s%s" % (status, title, (": " + reason[:300]) if reason else ""))
if len(failed) > 60:
    print("  ... and %d more, see the full output" % (len(failed) - 60))
bad = [f for f in failed if not (allow_skipped and f[0] == "SKIPPED")]
sys.exit(0 if total > 0 and not bad else 1)
PY
}

# run_once LABEL [DATABASE_URL]: one server, one `scim test` run; returns 0 when it passed.
run_once() {
  local label="$1" database_url="${2:-}"
  local data="$WORK/$label"
  mkdir -p "$data"
  local db_args=(--data-dir "$data")
  if [ -n "$database_url" ]; then
    db_args+=(--database-url "$database_url")
  fi
  local started=$SECONDS

  echo "=== scim conformance on $label"
  start_server "$data" "${db_args[@]}" || return 1
  local public="http://$LISTEN"
  local slug=acme

  # run_once is called as `run_once … || status=$?`, where bash ignores
  # `set -e`: every setup command checks its own status.
  local cli=("$USSO_BIN" "${db_args[@]}" --public-url "$public")
  "${cli[@]}" tenant create "$slug" --display-name "Acme Corp" --json >/dev/null ||
    { echo "scim conformance: usso tenant create failed" >&2; return 1; }
  local key_json token
  key_json="$("${cli[@]}" api-key create --tenant "$slug" --name scim2-tester --scope scim --json)" ||
    { echo "scim conformance: usso api-key create failed" >&2; return 1; }
  token="$(json_field token <<<"$key_json")" ||
    { echo "scim conformance: unexpected JSON from usso api-key create" >&2; return 1; }

  # The tenant tells its SCIM base URL once `tenant show` carries it.
  local tenant_json base
  tenant_json="$("${cli[@]}" tenant show "$slug" --json)" ||
    { echo "scim conformance: usso tenant show failed" >&2; return 1; }
  base="$(json_field scim_base_url optional <<<"$tenant_json")" || base=""
  if [ -z "$base" ]; then
    base="$public/t/$slug/scim/v2"
  fi
  echo "    SCIM base URL: $base"

  # The token goes through the environment, not the command line (other users
  # of the machine can read command lines).
  local out="$data/scim-test.txt" rc=0
  SCIM_CLI_HEADERS="Authorization: Bearer $token" NO_COLOR=1 \
    "$SCIM" --url "$base" test --verbose >"$out" 2>&1 || rc=$?

  local status=0
  summarize "$out" "$label" || status=1
  if [ "$status" -eq 0 ] && [ "$rc" -ne 0 ] && [ "${SCIM_ALLOW_SKIPPED:-0}" != "1" ]; then
    status=1 # e.g. discovery failed before any check ran
  fi

  stop_server
  if [ "$status" -ne 0 ]; then
    local keep="${SCIM_CONFORMANCE_OUT:-$HERE/last-run-$label.txt}"
    cp "$out" "$keep" 2>/dev/null || true
    echo "--- scim test output ($label): $keep; its last 40 lines:" >&2
    tail -n 40 "$out" >&2
    echo "--- usso server log ($label), last 40 lines:" >&2
    tail -n 40 "$data/server.log" >&2
    echo "=== scim conformance on $label: FAILED (scim test exit $rc) in $((SECONDS - started)) s" >&2
  else
    echo "=== scim conformance on $label: passed in $((SECONDS - started)) s"
  fi
  return "$status"
}

status=0
run_once sqlite || status=$?
stop_server

if [ -n "${USSO_TEST_POSTGRES_URL:-}" ]; then
  PG_DB="usso_scim_conf_$("$PY" -c 'import secrets; print(secrets.token_hex(6))')"
  psql "$USSO_TEST_POSTGRES_URL" -v ON_ERROR_STOP=1 -q -c "CREATE DATABASE $PG_DB" >/dev/null
  pg_url="$("$PY" -c '
import sys, urllib.parse
u = urllib.parse.urlsplit(sys.argv[1])
print(urllib.parse.urlunsplit(u._replace(path="/" + sys.argv[2])))' "$USSO_TEST_POSTGRES_URL" "$PG_DB")"
  pg_status=0
  run_once postgres "$pg_url" || pg_status=$?
  stop_server
  drop_pg_db
  if [ "$status" -eq 0 ]; then
    status=$pg_status
  fi
else
  echo "!!! USSO_TEST_POSTGRES_URL is not set: scim conformance ran on SQLite only; PostgreSQL was SKIPPED" >&2
  echo "!!! (e.g. USSO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)" >&2
fi

exit "$status"
