#!/usr/bin/env bash
# Keep what the fuzzers found: merge the inputs that add coverage from the
# build tree's working corpora (BUILD_DIR/fuzz/corpus/<name>) into the
# repository's seed corpora (fuzz/corpus/<name>). The test runs never write
# to the repository; this script does, on purpose.
#
# usage: scripts/fuzz-merge-corpus.sh [BUILD_DIR]   (default build/clang-asan)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$root/build/clang-asan}
for fuzzer in "$dir"/fuzz/fuzz_*; do
	[ -x "$fuzzer" ] || continue
	name=$(basename "$fuzzer")
	name=${name#fuzz_}
	mkdir -p "$root/fuzz/corpus/$name"
	"$fuzzer" -merge=1 "$root/fuzz/corpus/$name" "$dir/fuzz/corpus/$name" 2>&1 | tail -n1
done
git -C "$root" status --short -- fuzz/corpus
