#!/usr/bin/env bash
# Sets up and runs the whole test suite: formatting, lints, unit tests,
# the storage suite (SQLite, and PostgreSQL when USSO_TEST_POSTGRES_URL is
# set), the HTTP and CLI suites, and the golden-file checks.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh

if [ -z "${USSO_TEST_POSTGRES_URL:-}" ]; then
  echo "!!! USSO_TEST_POSTGRES_URL is not set: the PostgreSQL half of the suite is SKIPPED" >&2
  echo "!!! (e.g. USSO_TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test)" >&2
fi

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked

# Real peers against the real binary (conformance/README.md).
. scripts/target_dir.sh
usso_bin="$CARGO_TARGET_DIR/debug/usso"
cargo build --locked --bin usso
conformance/oidc/run.sh "$usso_bin"
conformance/scim/run.sh "$usso_bin"
conformance/saml/run.sh "$usso_bin"
conformance/federation/run.sh "$usso_bin"
