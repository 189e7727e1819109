#!/usr/bin/env bash
# Sets up and starts USSO on the embedded SQLite default (data in ./usso-data).
# Extra arguments go to `usso serve`, e.g. --listen 0.0.0.0:8080.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec cargo run --release --locked --quiet --bin usso -- serve "$@"
