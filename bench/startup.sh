#!/usr/bin/env bash
# Measures `usso serve` on an empty data dir: time from exec to "ready"
# (migrations ran, default tenant bootstrapped, socket bound), the first
# login page, and the resident memory once idle. Prints one Markdown table row
# per run. Usage: bench/startup.sh [path/to/usso] [runs]
set -euo pipefail
bin="${1:-target/release/usso}"
runs="${2:-5}"
echo "| run | ready (ms) | login page (HTTP) | idle RSS (MiB) |"
echo "|---|---|---|---|"
for run in $(seq 1 "$runs"); do
  dir="$(mktemp -d)"
  log="$dir/log"
  start=$(date +%s%N)
  "$bin" serve --listen 127.0.0.1:0 --data-dir "$dir/data" --log-format json 2>"$log" &
  pid=$!
  until grep -q '"usso is ready"' "$log" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.005
  done
  ready=$(( ($(date +%s%N) - start) / 1000000 ))
  listen=$(grep '"usso is ready"' "$log" | sed -E 's/.*"listen":"([^"]+)".*/\1/')
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://$listen/t/default/login")
  sleep 2
  rss_kib=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" || true
  printf '| %s | %s | %s | %.1f |\n' "$run" "$ready" "$status" "$(echo "$rss_kib / 1024" | bc -l)"
  rm -rf "$dir"
done
