# Sourced by the test and bench scripts: sets and exports CARGO_TARGET_DIR, the
# directory whose release/ holds the binaries. Unset, it is cargo's own
# choice for this workspace (target/, or build.target-dir of a cargo
# config), so that the figures use what `cargo build --release` made.
if [ -z "${CARGO_TARGET_DIR:-}" ]; then
  CARGO_TARGET_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." &&
    cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
fi
export CARGO_TARGET_DIR
