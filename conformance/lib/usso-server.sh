# Shared by the conformance runners that drive a real `usso serve` (source it
# after setting SUITE, WORK and PY): starting the server and learning its
# port from the "usso is ready" log line, and cleaning up the server, the
# throwaway PostgreSQL database and the work dir on exit.
#   SUITE  the suite's name, for messages ("scim conformance")
#   WORK   a temporary directory, removed on exit
#   PY     a python3 interpreter (reads the JSON log)

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
      echo "$SUITE: could not drop database $PG_DB" >&2
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

# The `listen` field of the JSON log line "usso is ready", if it is there yet.
ready_listen() {
  "$PY" -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8", errors="replace"):
    try:
        o = json.loads(line)
    except ValueError:
        continue
    if isinstance(o, dict) and o.get("message") == "usso is ready" and o.get("listen"):
        print(o["listen"])
        sys.exit(0)
sys.exit(1)' "$1"
}

# start_server DATA_DIR USSO_ARGS…: starts `usso serve` with its log in
# DATA_DIR/server.log and waits (60 s at most) until it is ready; sets
# SERVER_PID and LISTEN (host:port). Returns 1, the log shown, when it fails.
start_server() {
  local data="$1"
  shift
  "$USSO_BIN" serve "$@" --listen 127.0.0.1:0 --log-format json --log-level info \
    >"$data/server.log" 2>&1 &
  SERVER_PID=$!
  LISTEN=""
  for _ in $(seq 1 600); do
    if LISTEN="$(ready_listen "$data/server.log")"; then
      return 0
    fi
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "$SUITE: usso serve exited before it was ready; its log:" >&2
      cat "$data/server.log" >&2
      SERVER_PID=""
      return 1
    fi
    sleep 0.1
  done
  echo "$SUITE: usso serve was not ready after 60 s; its log:" >&2
  cat "$data/server.log" >&2
  return 1
}
