#!/usr/bin/env bash
# SAML 2.0 conformance: independent service providers (pysaml2 and
# python3-saml, PyPI) log in through USSO's IdP (sps.py), then an independent
# upstream IdP (pysaml2) logs users in to USSO as a service provider
# (upstream_idp.py). Builds nothing: give it the usso binary.
#
#   conformance/saml/run.sh PATH/TO/usso        (or USSO_BIN=PATH/TO/usso)
#
# Runs on SQLite, and again on a fresh PostgreSQL database when
# USSO_TEST_POSTGRES_URL is set (e.g. postgres://postgres@127.0.0.1:5432/test).
# Each run's full output (checks, then the server log) is kept in
# conformance/saml/last-run-<db>.txt. Exit code: 0 when every run passed.
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
  echo "saml conformance: $USSO_BIN is not an executable usso binary" >&2
  exit 2
fi

PYTHON="${PYTHON:-python3}"
if ! command -v "$PYTHON" >/dev/null 2>&1 ||
  ! "$PYTHON" -c 'import sys, venv; sys.exit(0 if sys.version_info >= (3, 9) else 1)' 2>/dev/null; then
  echo "!!! saml conformance SKIPPED: python3 (>= 3.9, with venv) not found (pysaml2 needs it)" >&2
  exit 0
fi
if ! command -v openssl >/dev/null 2>&1; then
  echo "!!! saml conformance SKIPPED: openssl not found (the SP keys are made with it)" >&2
  exit 0
fi

# pysaml2 signs and verifies through the xmlsec1 program (Debian `xmlsec1`).
# Installed like scripts/setup.sh installs its packages; SKIPPED if impossible.
if ! command -v xmlsec1 >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  if command -v apt-get >/dev/null 2>&1 &&
    { [ -z "$sudo" ] || sudo -n true 2>/dev/null; }; then
    echo "=== saml conformance: installing xmlsec1 (apt-get)"
    $sudo apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq xmlsec1 >/dev/null || true
  fi
  if ! command -v xmlsec1 >/dev/null 2>&1; then
    echo "!!! saml conformance SKIPPED: xmlsec1 is missing and could not be installed (apt-get install xmlsec1)" >&2
    exit 0
  fi
fi
export XMLSEC1="$(command -v xmlsec1)"

# The peers live in a private venv, installed from the pinned requirements and
# reinstalled whenever they change.
VENV="$HERE/.venv"
STAMP="$VENV/.requirements.sha256"
want_sha="$("$PYTHON" -c 'import hashlib, sys; print(hashlib.sha256(open(sys.argv[1], "rb").read()).hexdigest())' "$HERE/requirements.txt")"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$STAMP" 2>/dev/null || true)" != "$want_sha" ]; then
  echo "=== saml conformance: installing pysaml2 and python3-saml into $VENV"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  if ! "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"; then
    rm -rf "$VENV"
    echo "!!! saml conformance SKIPPED: could not install the pinned peers (pip install -r requirements.txt)" >&2
    exit 0
  fi
  echo "$want_sha" >"$STAMP"
fi
PY="$VENV/bin/python"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/usso-saml-conf.XXXXXX")"
SUITE="saml conformance"
# shellcheck source=../lib/usso-server.sh
. "$HERE/../lib/usso-server.sh"

# run_once LABEL [DATABASE_URL]: one server, one pass of sps.py then of
# upstream_idp.py; returns 0 when both passed.
run_once() {
  local label="$1" database_url="${2:-}"
  local data="$WORK/$label"
  mkdir -p "$data/sp"
  local db_args=(--data-dir "$data")
  if [ -n "$database_url" ]; then
    db_args+=(--database-url "$database_url")
  fi
  local started=$SECONDS
  local keep="${SAML_CONFORMANCE_OUT:-$HERE/last-run-$label.txt}"

  echo "=== saml conformance on $label"
  start_server "$data" "${db_args[@]}" || return 1
  local public="http://$LISTEN"
  local slug=acme

  # run_once is called as `run_once … || status=$?`, where bash ignores
  # `set -e`: every setup command checks its own status.
  local cli=("$USSO_BIN" "${db_args[@]}" --public-url "$public")
  "${cli[@]}" tenant create "$slug" --display-name "Acme Corp" --json >/dev/null ||
    { echo "saml conformance: usso tenant create failed" >&2; return 1; }
  local password
  password="$("$PY" -c 'import secrets; print(secrets.token_urlsafe(18))')"
  printf '%s\n' "$password" | "${cli[@]}" user create --tenant "$slug" --username alice \
    --email alice@example.com --given-name Alice --family-name Liddell --password-stdin --json >/dev/null ||
    { echo "saml conformance: usso user create failed" >&2; return 1; }

  local cli_json
  cli_json="$("$PY" -c 'import json, sys; print(json.dumps(sys.argv[1:]))' "${cli[@]}")"
  local out="$data/checks.txt" rc=0
  # The password goes through the environment of this one process only.
  SAML_PASSWORD="$password" "$PY" -c '
import os, runpy, sys
sys.argv = [sys.argv[1]] + sys.argv[2:] + ["--password", os.environ["SAML_PASSWORD"]]
runpy.run_path(sys.argv[0], run_name="__main__")' "$HERE/sps.py" \
    --label "$label" --base "$public" --tenant "$slug" --username alice \
    --cli "$cli_json" --server-log "$data/server.log" --work "$data/sp" >"$out" 2>&1 || rc=$?

  # Then USSO as the service provider: upstream_idp.py plays the upstream
  # IdP (pysaml2) against the same server, tenant and user.
  local up_out="$data/upstream-checks.txt" up_rc=0
  mkdir -p "$data/idp"
  "$PY" "$HERE/upstream_idp.py" \
    --label "$label" --base "$public" --tenant "$slug" \
    --existing-username alice --existing-email alice@example.com \
    --cli "$cli_json" --server-log "$data/server.log" --work "$data/idp" >"$up_out" 2>&1 || up_rc=$?

  stop_server
  { cat "$out"; echo; echo "--- upstream_idp.py ($label)"; cat "$up_out"; echo
    echo "--- usso server log ($label)"; cat "$data/server.log"; } >"$keep" 2>/dev/null || true
  grep -E '^saml conformance \(' "$out" || echo "saml conformance ($label): no summary (sps.py exit $rc)"
  grep -E '^saml upstream-idp conformance \(' "$up_out" ||
    echo "saml upstream-idp conformance ($label): no summary (upstream_idp.py exit $up_rc)"
  if [ "$rc" -ne 0 ]; then
    grep -E '^  FAILED ' "$out" >&2 || true
    echo "--- sps.py output ($label): $keep; its last 30 lines:" >&2
    tail -n 30 "$out" >&2
  fi
  if [ "$up_rc" -ne 0 ]; then
    grep -E '^  FAILED ' "$up_out" >&2 || true
    echo "--- upstream_idp.py output ($label): $keep; its last 30 lines:" >&2
    tail -n 30 "$up_out" >&2
  fi
  if [ "$rc" -ne 0 ] || [ "$up_rc" -ne 0 ]; then
    echo "=== saml conformance on $label: FAILED in $((SECONDS - started)) s" >&2
    return 1
  fi
  echo "=== saml conformance on $label: passed in $((SECONDS - started)) s (log: $keep)"
}

status=0
run_once sqlite || status=$?
stop_server

if [ -n "${USSO_TEST_POSTGRES_URL:-}" ]; then
  PG_DB="usso_saml_conf_$("$PY" -c 'import secrets; print(secrets.token_hex(6))')"
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
  echo "!!! USSO_TEST_POSTGRES_URL is not set: saml conformance ran on SQLite only; PostgreSQL was SKIPPED" >&2
  echo "!!! (e.g. USSO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)" >&2
fi

exit "$status"
