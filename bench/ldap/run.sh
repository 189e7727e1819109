#!/usr/bin/env bash
# LDAP / Active Directory sync benchmark (issue 6): a throwaway OpenLDAP
# slapd (scripts/slapd.sh: memberof, refint, syncprov overlays) filled
# offline with `slapadd` from bench/ldap/gen_ldif.py (100,000 inetOrgPerson
# users, 1,000 groupOfNames groups, each user in 1-3 groups, some nested
# groups), then the release `usso` CLI on a fresh store per round:
#   1. `usso ldap sync --full --json`    (the first import: every user and
#                                          group is created),
#   2. `usso ldap sync --json`           (incremental, no change: RFC 4533
#                                          refreshOnly from the stored cookie),
#   3. 100 changes with ldapmodify (40 modifies, 15 adds, 10 deletes,
#      10 renames, 25 membership changes), then `usso ldap sync --json`.
# Each sync runs under /usr/bin/time -v: wall time and max RSS. The RSS
# growth of a sync is its max RSS less the max RSS of `usso ldap list` on
# the same store: the same binary, runtime, pool and store opening, so the
# difference is what the sync itself holds. The figures (median, min-max
# over RUNS rounds, each target beside them) go into BENCHMARKS.md between
# `<!-- bench/ldap: begin -->` and `<!-- bench/ldap: end -->`.
#
#   bench/ldap/run.sh
#
# Environment: LDAP_USERS (100000), LDAP_GROUPS (1000), RUNS (3) rounds per
# store; USSO_BENCH_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/test:
# only used to create and drop a database of its own per round) adds the
# PostgreSQL rounds; CARGO_TARGET_DIR (cargo's own target directory);
# SKIP_BUILD=1 uses the usso binary already built there (or USSO_BIN);
# BENCH_WRITE=0 prints the section without writing BENCHMARKS.md;
# SLAPD_PORT (a free port).
#
# A benchmark never fails on a figure: a step that cannot run says why in
# its row. It exits non-zero only when it cannot run at all.
set -uo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
LDAP_USERS="${LDAP_USERS:-100000}"
LDAP_GROUPS="${LDAP_GROUPS:-1000}"
RUNS="${RUNS:-3}"
. "$ROOT/scripts/target_dir.sh"
SUFFIX="dc=example,dc=com"

die() { echo "bench/ldap: $*" >&2; exit 1; }

if [ -n "${USSO_BIN:-}" ]; then
  USSO="$USSO_BIN"
elif [ "${SKIP_BUILD:-0}" = 1 ]; then
  USSO="$CARGO_TARGET_DIR/release/usso"
else
  echo "building usso (release) in $CARGO_TARGET_DIR ..." >&2
  (cd "$ROOT" && nice -n 10 cargo build --release --locked -p usso >&2) || die "release build failed"
  USSO="$CARGO_TARGET_DIR/release/usso"
fi
[ -x "$USSO" ] || die "no usso binary at $USSO"
if [ ! -x /usr/bin/time ]; then
  echo "installing GNU time (/usr/bin/time -v measures max RSS) ..." >&2
  { apt-get install -y time >&2 || { apt-get update >&2 && apt-get install -y time >&2; }; } ||
    die "GNU time is missing: apt-get install -y time"
fi
for tool in slapadd ldapmodify ldapsearch python3; do
  command -v "$tool" >/dev/null || die "$tool not found (apt-get install -y slapd ldap-utils python3)"
done

WORK="$(mktemp -d "${TMPDIR:-/tmp}/usso-ldap-bench.XXXXXX")"
OUT="$WORK/section.md"
TSV="$WORK/figures.tsv"
: >"$TSV"
PG_DBS=()
cleanup() {
  bash "$ROOT/scripts/slapd.sh" stop "$WORK/slapd" >/dev/null 2>&1
  if [ -n "${USSO_BENCH_POSTGRES_URL:-}" ]; then
    for db in "${PG_DBS[@]}"; do
      psql -q "$USSO_BENCH_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    done
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { echo "$@" | tee -a "$OUT"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# --- the directory ------------------------------------------------------------
echo "generating $LDAP_USERS users and $LDAP_GROUPS groups ..." >&2
python3 "$HERE/gen_ldif.py" base --users "$LDAP_USERS" --groups "$LDAP_GROUPS" >"$WORK/data.ldif" ||
  die "gen_ldif.py failed"
MEMBERS="$(grep -c '^member: uid=' "$WORK/data.ldif")"
NESTED="$(grep -c '^member: cn=group' "$WORK/data.ldif")"
export SLAPD_MAXSIZE="${SLAPD_MAXSIZE:-4294967296}"
bash "$ROOT/scripts/slapd.sh" conf "$WORK/slapd" >&2 || die "cannot write the slapd configuration"
t0="$(now_ms)"
slapadd -q -w -f "$WORK/slapd/slapd.conf" -l "$WORK/data.ldif" >"$WORK/slapadd.log" 2>&1 ||
  { cat "$WORK/slapadd.log" >&2; die "slapadd failed"; }
SLAPADD_MS=$(($(now_ms) - t0))
rm -f "$WORK/data.ldif"
PORT="${SLAPD_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
bash "$ROOT/scripts/slapd.sh" start "$WORK/slapd" "$PORT" >&2 || die "slapd did not start"
URL="ldap://127.0.0.1:$PORT"
SLAPD_VERSION="$(slapd -VV 2>&1 | sed -n 's/.*slapd \([0-9.]*\).*/\1/p' | head -1)"

CHANGE_ROUND=0
# apply_changes: the next round of 100 change records.
apply_changes() {
  CHANGE_ROUND=$((CHANGE_ROUND + 1))
  python3 "$HERE/gen_ldif.py" changes --users "$LDAP_USERS" --groups "$LDAP_GROUPS" \
    --round "$CHANGE_ROUND" >"$WORK/changes.ldif" &&
    ldapmodify -x -H "$URL" -D "cn=admin,$SUFFIX" -w admin -f "$WORK/changes.ldif" \
      >"$WORK/ldapmodify.log" 2>&1
}

# --- one measured command ------------------------------------------------------
# measure STORE ROUND SCENARIO CMD...: one TSV row: store, round, scenario,
# wall ms, the report's duration_ms, max RSS KiB, exit code, report summary.
measure() {
  local store="$1" round="$2" scenario="$3"
  shift 3
  local t0 t1 rc rss report
  t0="$(now_ms)"
  /usr/bin/time -v -o "$WORK/time.txt" "$@" >"$WORK/out.json" 2>"$WORK/err.txt"
  rc=$?
  t1="$(now_ms)"
  rss="$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time.txt")"
  report="$(python3 - "$WORK/out.json" "$WORK/err.txt" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
    if isinstance(r, dict) and "mode" in r:
        keys = ("users_created", "users_updated", "users_disabled", "users_deleted",
                "groups_created", "groups_updated", "groups_deleted",
                "memberships_changed", "failed_entries")
        parts = ["%s %s" % (k, r.get(k)) for k in keys if r.get(k)]
        print("\t".join([str(r.get("duration_ms", "")), "%s %s: %s" % (
            r.get("mode"), r.get("outcome", ""), ", ".join(parts) or "nothing changed")]))
    else:
        print("\t")
except Exception:
    err = open(sys.argv[2]).read().strip().splitlines()
    print("\tfailed: " + (err[-1] if err else "no output").replace("\t", " "))
PY
)"
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$store" "$round" "$scenario" "$((t1 - t0))" \
    "$(echo "$report" | cut -f1)" "${rss:-}" "$rc	$(echo "$report" | cut -f2)" >>"$TSV"
  if [ "$rc" != 0 ]; then
    echo "  $scenario failed (exit $rc): $(tail -1 "$WORK/err.txt")" >&2
  else
    echo "  $scenario: $((t1 - t0)) ms, max RSS ${rss:-?} KiB" >&2
  fi
  return "$rc"
}

# round STORE N [DATABASE_URL]: a fresh store, the source, the three syncs.
round() {
  local store="$1" n="$2" db="${3:-}"
  local dir="$WORK/$store-$n"
  mkdir -p "$dir"
  local cli=("$USSO" --data-dir "$dir/data" --log-level warn)
  [ -n "$db" ] && cli+=(--database-url "$db")
  local ldap=(ldap sync --tenant bench --name corp --json)
  echo "$store round $n:" >&2
  "${cli[@]}" migrate >/dev/null 2>"$dir/err" &&
    "${cli[@]}" tenant create bench --display-name Bench --json >/dev/null 2>>"$dir/err" &&
    printf 'reader\n' | "${cli[@]}" ldap add --tenant bench --name corp --url "$URL" \
      --bind-dn "cn=reader,$SUFFIX" --bind-password-stdin --base-dn "$SUFFIX" \
      --users-dn "ou=people,$SUFFIX" --groups-dn "ou=groups,$SUFFIX" --json >/dev/null 2>>"$dir/err" ||
    { printf '%s\t%s\tset-up\t\t\t\t1\tfailed: %s\n' "$store" "$n" "$(tail -1 "$dir/err")" >>"$TSV"; return 1; }
  measure "$store" "$n" baseline "${cli[@]}" ldap list --tenant bench --json
  measure "$store" "$n" full "${cli[@]}" "${ldap[@]}" --full || return 1
  measure "$store" "$n" nochange "${cli[@]}" "${ldap[@]}"
  if apply_changes; then
    measure "$store" "$n" changes "${cli[@]}" "${ldap[@]}"
  else
    printf '%s\t%s\tchanges\t\t\t\t1\tfailed: ldapmodify: %s\n' "$store" "$n" \
      "$(tail -1 "$WORK/ldapmodify.log")" >>"$TSV"
  fi
  rm -rf "$dir"
}

for n in $(seq 1 "$RUNS"); do
  round SQLite "$n"
done
if [ -n "${USSO_BENCH_POSTGRES_URL:-}" ]; then
  for n in $(seq 1 "$RUNS"); do
    db="usso_bench_ldap_$$_$n"
    if psql -q "$USSO_BENCH_POSTGRES_URL" -c "CREATE DATABASE $db" >/dev/null; then
      PG_DBS+=("$db")
      round PostgreSQL "$n" "$(echo "$USSO_BENCH_POSTGRES_URL" | sed -E "s|/[^/?]*(\?.*)?$|/$db\1|")"
      psql -q "$USSO_BENCH_POSTGRES_URL" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1
    else
      printf 'PostgreSQL\t%s\tset-up\t\t\t\t1\tfailed: cannot create database %s\n' "$n" "$db" >>"$TSV"
    fi
  done
fi

# --- the section -------------------------------------------------------------------
commit="$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
dirty="$(git -C "$ROOT" diff --quiet HEAD -- src protocols 2>/dev/null || echo ' + uncommitted changes under src/ or protocols/')"
pg_version=""
if [ -n "${USSO_BENCH_POSTGRES_URL:-}" ]; then
  pg_version="$(psql -tA "$USSO_BENCH_POSTGRES_URL" -c 'SHOW server_version' 2>/dev/null | cut -d' ' -f1)"
fi
say "### Run of $(date -u +%Y-%m-%dT%H:%MZ)"
say
say "- Command: \`bench/ldap/run.sh\` (LDAP_USERS=$LDAP_USERS LDAP_GROUPS=$LDAP_GROUPS RUNS=$RUNS$([ -n "${USSO_BENCH_POSTGRES_URL:-}" ] && echo ' USSO_BENCH_POSTGRES_URL=…'))"
say "- Code: commit $commit$dirty; release build$([ -n "${USSO_BIN:-}" ] && echo " given as USSO_BIN=$USSO_BIN (built from that tree or another)")"
say "- Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM, $(uname -r); slapd$([ -n "$pg_version" ] && echo ", PostgreSQL $pg_version") and USSO on the same machine; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
say "- Directory: OpenLDAP slapd $SLAPD_VERSION (mdb; memberof, refint, syncprov overlays) with $LDAP_USERS users, $LDAP_GROUPS groups, $MEMBERS user memberships and $NESTED nested groups, loaded with slapadd in $((SLAPADD_MS / 1000)) s. USSO binds as \`cn=reader\` (paged results, pages of 500) with the \`openldap\` preset; incremental syncs are RFC 4533 refreshOnly from the stored cookie."
say "- Each round starts from an empty store (a fresh data dir; on PostgreSQL a fresh database). Wall time is the whole \`usso ldap sync\` process (start-up, store, directory, exit), \`sync ms\` the run's own \`duration_ms\`. RSS growth = max RSS of the sync process − max RSS of \`usso ldap list\` on the same store (\`/usr/bin/time -v\`), 1 MB = 10⁶ bytes."
say
python3 "$HERE/summarize.py" "$TSV" | tee -a "$OUT"

if [ "${BENCH_WRITE:-1}" = 1 ]; then
  md="$ROOT/BENCHMARKS.md"
  begin='<!-- bench/ldap: begin -->'
  end='<!-- bench/ldap: end -->'
  if ! grep -qF "$begin" "$md"; then
    printf '\n## LDAP directory sync (`bench/ldap/run.sh`)\n\n%s\n%s\n' "$begin" "$end" >>"$md"
  fi
  awk -v begin="$begin" -v end="$end" -v file="$OUT" '
    $0 == begin { print; while ((getline line < file) > 0) print line; skip = 1; next }
    $0 == end { skip = 0 }
    !skip { print }' "$md" >"$WORK/md" && cat "$WORK/md" >"$md"
  echo "figures written to BENCHMARKS.md" >&2
fi
