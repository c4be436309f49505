#!/usr/bin/env bash
# Runs both crates' tests (unit, doc and integration) offline against the
# library built in BUILD_DIR (default: ../../build).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-$here/../../build}" && pwd)
export WSANDBOX_LIB_DIR="$build"
export LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export CARGO_TARGET_DIR="$build/rust-target"
cd "$here"
# No dependencies, so no lock file to keep; one left by another cargo version
# would only stop an older cargo from reading the workspace.
rm -f Cargo.lock
cargo test --offline --workspace -- --test-threads=2
