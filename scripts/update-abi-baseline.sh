#!/usr/bin/env bash
# Regenerate the ABI baseline abi/libwsandbox.abi from the current sources,
# deliberately: after a compatible addition to the public API (with an
# 'Added' line in CHANGELOG.md), or when a new major version starts.
# It uses the same build as scripts/test.sh's ABI check (gcc, -g).
#
# usage: scripts/update-abi-baseline.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/build/abi-baseline
rm -rf "$dir"
CC=gcc cmake -S "$root" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	-DBUILD_TESTING=OFF -DWSB_BUILD_EXAMPLES=OFF >/dev/null
cmake --build "$dir" -j "${WSB_JOBS:-2}" --target wsandbox
python3 "$root/tests/abi/check-abi.py" --update "$root/abi/libwsandbox.abi" \
	"$dir/libwsandbox.so" "$root/include/wsandbox"
git -C "$root" --no-pager diff --stat -- abi/libwsandbox.abi
echo "Review the change (git diff abi/), then commit it with its CHANGELOG entry."
