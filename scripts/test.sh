#!/usr/bin/env bash
# Install what is needed and run every test of libwsandbox: the README's test
# command, and what .ci/run calls. For a Debian 12 machine, as root.
#
#   bash scripts/test.sh              every stage, stopping at the first failure
#   bash scripts/test.sh STAGE...     only those stages (each builds what it needs)
#   bash scripts/test.sh --list       the stages
#
# Environment: WSB_BUILD_ROOT (default ./build; never under /tmp), WSB_JOBS (2),
# WSB_FUZZ_SECONDS (20 per fuzzer), WSB_KEEP_GOING=1 (run the remaining
# stages after a failure; still exits non-zero).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
build=${WSB_BUILD_ROOT:-$root/build}
# Sandboxed commands get a private /tmp (and /tmp is a writable root of its
# own), so tests that run the build's programs in a sandbox cannot work from
# a build tree under /tmp: a checkout there builds under /var/tmp instead.
case "$build/" in
/tmp/*)
	echo "test.sh: $build is under /tmp; building in /var/tmp instead"
	build=/var/tmp/wsandbox-build-$(printf '%s' "$root" | md5sum | cut -c1-12)
	;;
esac
mkdir -p "$build"
build=$(cd "$build" && pwd)
jobs=${WSB_JOBS:-2}
test_run="$$ $(date +%s)"
fuzz_seconds=${WSB_FUZZ_SECONDS:-20}

all_stages=(deps host-gcc stub clang-asan cmocka-mingw mingw-wine headers symbols abi docs fuzz bindings podman packaging)
declare -A about=(
	[deps]="Debian packages (scripts/deps.sh)"
	[host-gcc]="gcc -Werror build, unit tests (ctest)"
	[stub]="core tests against the stub backend (systems with no backend)"
	[headers]="public header alone as C89, C11, C++11 with gcc, clang and mingw-w64"
	[symbols]="docs/symbols-in-versions against the header, the .so and the DLL"
	[abi]="abidiff of libwsandbox.so against abi/libwsandbox.abi"
	[docs]="Doxygen API reference, zero warnings about the public header"
	[clang-asan]="clang build, unit tests under ASan + UBSan"
	[fuzz]="libFuzzer harnesses, ${fuzz_seconds} s each, seeds from fuzz/corpus/"
	[cmocka-mingw]="cmocka for Windows from Debian's source package"
	[mingw-wine]="mingw-w64 -Werror build, unit tests under Wine (ctest)"
	[bindings]="bindings/*/test.sh against the host build"
	[packaging]="Release/Debug/MinSizeRel/static/mingw builds, parent projects, install, pkg-config, .deb, pip, cargo bundled"
	[podman]="wsb-run --self-test and --write in a real Podman container (default seccomp, rootful and rootless)"
)

# Sanitizer reports must stop the test that triggered them.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:halt_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# configure DIR CC CMAKE_ARGS...: configure afresh when the arguments changed
# (a changed compiler would make CMake drop the cache and the other -D values),
# re-run CMake once per test run (a merge may have added a test folder), then
# build incrementally. CC may be empty (the toolchain file picks it).
configure() {
	local dir=$1 cc=$2
	shift 2
	if [ "$(cat "$dir/.wsb-cmake-args" 2>/dev/null)" != "$cc $*" ]; then
		rm -rf "$dir/CMakeCache.txt" "$dir/CMakeFiles" "$dir/.wsb-test-run"
	fi
	if [ ! -f "$dir/build.ninja" ] || [ "$(cat "$dir/.wsb-test-run" 2>/dev/null)" != "$test_run" ]; then
		# The backend is cached at first configure; pick it again, as a
		# backend folder may have landed since.
		CC=$cc cmake -S "$root" -B "$dir" -G Ninja -UWSB_BACKEND "$@"
		echo "$cc $*" >"$dir/.wsb-cmake-args"
		echo "$test_run" >"$dir/.wsb-test-run"
	fi
	cmake --build "$dir" -j "$jobs"
}

gcc_build() {
	configure "$build/gcc" gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWSB_WERROR=ON
}

mingw_build() {
	bash "$root/scripts/build-cmocka-mingw.sh" "$build/cmocka-mingw"
	configure "$build/mingw" "" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" \
		-DCMAKE_BUILD_TYPE=Debug -DWSB_WERROR=ON -DWSB_CMOCKA_PREFIX="$build/cmocka-mingw"
}

clang_build() {
	configure "$build/clang-asan" clang -DCMAKE_BUILD_TYPE=Debug \
		-DWSB_WERROR=ON -DWSB_SANITIZE=ON -DWSB_FUZZ=ON -DWSB_FUZZ_SECONDS="$fuzz_seconds"
}

# ctest with its closing summary; then, from ctest's log, what passing tests
# said: the cmocka summary of each (cmocka prints it on stderr) and the
# ok:/NOTE: lines of the symbol and ABI checks.
run_ctest() {
	local dir=$1 rc=0
	shift
	ctest --test-dir "$dir" -j "$jobs" --output-on-failure --no-tests=error "$@" || rc=$?
	if [ -f "$dir/Testing/Temporary/LastTest.log" ]; then
		awk '/^[0-9]+\/[0-9]+ Testing: / { name = $3 }
		     /^\[  (PASSED|FAILED)  \]|^\[  SKIPPED \] [0-9]/ { printf "  %-32s cmocka %s\n", name, $0 }
		     /^(ok|NOTE): |changes summary: / { printf "  %-32s %s\n", name, $0 }' \
			"$dir/Testing/Temporary/LastTest.log"
	fi
	return $rc
}

stage_deps() {
	bash "$root/scripts/deps.sh"
}

stage_host-gcc() {
	gcc_build
	run_ctest "$build/gcc" -LE '^(headertest|symbols|abi|fuzz)$'
}

# The stub backend is what a system without a backend builds; the core's
# tests of it run only there.
stage_stub() {
	configure "$build/stub" gcc -DCMAKE_BUILD_TYPE=Debug -DWSB_WERROR=ON \
		-DWSB_BACKEND=stub -DWSB_BUILD_EXAMPLES=OFF
	run_ctest "$build/stub" -R '^core_'
}

stage_headers() {
	gcc_build
	mingw_build
	local rc=0
	run_ctest "$build/gcc" -L '^headertest$' || rc=1
	run_ctest "$build/mingw" -L '^headertest$' || rc=1
	return $rc
}

stage_symbols() {
	gcc_build
	mingw_build
	local rc=0
	run_ctest "$build/gcc" -L '^symbols$' || rc=1
	run_ctest "$build/mingw" -L '^symbols$' || rc=1
	return $rc
}

stage_abi() {
	gcc_build
	run_ctest "$build/gcc" -L '^abi$'
}

stage_docs() {
	gcc_build
	cmake --build "$build/gcc" --target docs
	echo "API reference: $build/gcc/docs/html/index.html"
}

stage_clang-asan() {
	clang_build
	run_ctest "$build/clang-asan" -LE '^(headertest|symbols|abi|fuzz)$'
}

stage_fuzz() {
	clang_build
	local n
	n=$(find "$root/fuzz" -maxdepth 1 -name 'fuzz_*.c' | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "no fuzz/fuzz_*.c harnesses yet"
		return 0
	fi
	run_ctest "$build/clang-asan" -L '^fuzz$'
	# libFuzzer's closing statistics for each harness.
	awk '/^[0-9]+\/[0-9]+ Testing: / { name = $3 }
	     /^stat::(number_of_executed_units|new_units_added):/ { printf "  %-20s %s\n", name, $0 }' \
		"$build/clang-asan/Testing/Temporary/LastTest.log"
}

stage_cmocka-mingw() {
	bash "$root/scripts/build-cmocka-mingw.sh" "$build/cmocka-mingw"
}

stage_mingw-wine() {
	mingw_build
	# Stages run in a subshell: this trap stops the warm server when it ends.
	trap '"$root/scripts/wine-run" --stop "$build/mingw"' EXIT
	"$root/scripts/wine-run" --start "$build/mingw"
	run_ctest "$build/mingw" -LE '^(headertest|symbols|abi|fuzz)$'
}

stage_bindings() {
	local script found=0
	gcc_build
	for script in "$root"/bindings/*/test.sh; do
		[ -f "$script" ] || continue
		found=1
		echo "--- $script"
		bash "$script" "$build/gcc"
	done
	if [ "$found" -eq 0 ]; then
		echo "no bindings/*/test.sh yet"
	fi
}

# Every build from a clean directory (scripts/packaging.sh says which).
stage_packaging() {
	bash "$root/scripts/packaging.sh" "$build/packaging"
}

# Skipped (exit 77, the reason printed) where Podman cannot run containers:
# docs/testing.md says why that can be.
stage_podman() {
	local rc=0
	gcc_build
	bash "$root/tests/podman/test_podman.sh" "$build/gcc" || rc=$?
	if [ $rc -eq 77 ]; then
		return 0
	fi
	return $rc
}

if [ "${1:-}" = --list ]; then
	for s in "${all_stages[@]}"; do
		printf '%-13s %s\n' "$s" "${about[$s]}"
	done
	exit 0
fi
stages=("$@")
if [ ${#stages[@]} -eq 0 ]; then
	stages=("${all_stages[@]}")
fi
for s in "${stages[@]}"; do
	if [ -z "${about[$s]:-}" ]; then
		echo "unknown stage '$s'; stages: ${all_stages[*]}" >&2
		exit 2
	fi
done

summary=()
passed=0
failed=0
started=$(date +%s)
for s in "${stages[@]}"; do
	echo
	echo "=================================================================="
	echo "== $s: ${about[$s]}"
	echo "=================================================================="
	t0=$(date +%s)
	# A subshell outside any if/||, so that set -e stays in force inside it.
	set +e
	(
		set -e
		"stage_$s"
	)
	rc=$?
	set -e
	t=$(($(date +%s) - t0))
	if [ $rc -eq 0 ]; then
		result=ok
		passed=$((passed + 1))
	else
		result="FAILED (exit $rc)"
		failed=$((failed + 1))
	fi
	echo "== $s: $result in ${t}s"
	summary+=("$(printf '%-13s %-18s %5ss' "$s" "$result" "$t")")
	if [ $rc -ne 0 ] && [ "${WSB_KEEP_GOING:-0}" != 1 ]; then
		break
	fi
done

for s in "${stages[@]:${#summary[@]}}"; do
	summary+=("$(printf '%-13s %s' "$s" "not run")")
done
echo
echo "=================================================================="
echo "== summary ($(($(date +%s) - started))s)"
for line in "${summary[@]}"; do
	echo "   $line"
done
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
