#!/usr/bin/env bash
# The packaging stage of scripts/test.sh: libwsandbox built the ways packagers
# and embedders build it, each from a clean build directory, one line per
# build. Keeps going after a failure and fails at the end.
#
#   bash scripts/packaging.sh WORKDIR
#
# Most builds are the library and tools only (BUILD_TESTING=OFF): the unit
# tests run in the other stages; here a build passes when it configures and
# compiles warning-free (-DWSB_WERROR=ON) and, for the consumers, when the
# program it links runs.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
work=$1
jobs=${WSB_JOBS:-2}
mkdir -p "$work/logs"
work=$(cd "$work" && pwd)
consumer=$root/tests/packaging/consumer
failed=()
count=0

# step NAME DESCRIPTION FUNCTION ARGS...: runs one build, its output in
# WORKDIR/logs/NAME.log, shown (its end) only when it fails.
step() {
	local name=$1 what=$2 t0 rc=0
	shift 2
	t0=$(date +%s)
	count=$((count + 1))
	( set -e; "$@" ) >"$work/logs/$name.log" 2>&1 || rc=$?
	if [ $rc -eq 0 ]; then
		printf 'packaging: ok     %-22s %4ss  %s\n' "$name" "$(($(date +%s) - t0))" "$what"
	else
		printf 'packaging: FAILED %-22s %4ss  %s\n' "$name" "$(($(date +%s) - t0))" "$what"
		tail -n 40 "$work/logs/$name.log" | sed 's/^/    | /'
		failed+=("$name")
	fi
}

# fresh DIR CC CMAKE_ARGS...: configure in an empty DIR and build.
fresh() {
	local dir=$work/$1 cc=$2
	shift 2
	rm -rf "$dir"
	CC=$cc cmake -S "$root" -B "$dir" -G Ninja "$@"
	cmake --build "$dir" -j "$jobs"
}

# The version the consumer must report, from the header (one source).
version=$(awk '/^#define WSB_VERSION_(MAJOR|MINOR|PATCH) /{ v = v (v == "" ? "" : ".") $3 } END { print v }' \
	"$root/include/wsandbox/wsandbox.h")

run_consumer() {
	local out
	out=$("$@")
	echo "$out"
	[ "$out" = "consumer: libwsandbox $version" ]
}

# ---- the configurations -------------------------------------------------

# The first row of the issue's table, as a user types it (tests included,
# since BUILD_TESTING is on by default at the top level).
gcc_release() {
	fresh gcc-release gcc -DCMAKE_BUILD_TYPE=Release -DWSB_WERROR=ON
}

lib_only() {
	local name=$1 cc=$2
	shift 2
	fresh "$name" "$cc" -DBUILD_TESTING=OFF -DWSB_WERROR=ON "$@"
}

# "A machine without cmocka": CMAKE_DISABLE_FIND_PACKAGE_cmocka makes every
# find_package(cmocka) fail as if it were not installed. The control run
# proves the emulation: with the tests on, the same configure must fail.
no_cmocka() {
	lib_only no-cmocka gcc -DCMAKE_BUILD_TYPE=Release -DCMAKE_DISABLE_FIND_PACKAGE_cmocka=ON
	if grep -Eq '^(cmocka|CMOCKA)' "$work/no-cmocka/CMakeCache.txt"; then
		echo "no-cmocka: the cache mentions cmocka" >&2
		return 1
	fi
	rm -rf "$work/no-cmocka-control"
	if cmake -S "$root" -B "$work/no-cmocka-control" -G Ninja -DBUILD_TESTING=ON \
		-DCMAKE_DISABLE_FIND_PACKAGE_cmocka=ON; then
		echo "no-cmocka: control: configuring the tests without cmocka succeeded; the emulation hides nothing" >&2
		return 1
	fi
	echo "control: with BUILD_TESTING=ON the configure fails without cmocka, as it must"
}

static_lib() {
	lib_only gcc-static gcc -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF
	test -f "$work/gcc-static/libwsandbox.a"
	! ls "$work/gcc-static"/libwsandbox.so* 2>/dev/null
}

# ---- a parent project ---------------------------------------------------

# parent NAME ARGS...: configure and build the consumer project; its only
# test must be its own, and the program must run.
parent() {
	local dir=$work/$1
	shift
	rm -rf "$dir"
	CC=gcc cmake -S "$consumer" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
	cmake --build "$dir" -j "$jobs"
	local n
	n=$(ctest --test-dir "$dir" -N | awk '/^Total Tests:/ { print $3 }')
	if [ "$n" != 1 ]; then
		echo "the parent has $n tests; the library's leaked in" >&2
		ctest --test-dir "$dir" -N >&2
		return 1
	fi
	run_consumer "$dir/consumer"
}

# The checkout as a release tarball (tracked and new files, nothing ignored),
# fetched by URL as a parent would fetch a release: no network, no git.
tarball() {
	( cd "$root" && git ls-files -co --exclude-standard -z | xargs -0 tar --transform 's,^,libwsandbox/,' -czf "$work/libwsandbox.tar.gz" )
}

fetchcontent() {
	tarball
	# BUILD_SHARED_LIBS=OFF in the parent: the library comes in static.
	parent consumer-fetchcontent -DWSB_CONSUME=fetchcontent -DWSB_SOURCE="file://$work/libwsandbox.tar.gz" \
		-DBUILD_SHARED_LIBS=OFF
	if ldd "$work/consumer-fetchcontent/consumer" | grep -q libwsandbox; then
		echo "BUILD_SHARED_LIBS=OFF but the consumer links libwsandbox.so" >&2
		return 1
	fi
}

install_prefix() {
	lib_only install gcc -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX="$work/prefix"
	rm -rf "$work/prefix"
	cmake --install "$work/install"
	find "$work/prefix" -type f -o -type l | sort
	# The installed tool finds the library through its RUNPATH.
	"$work/prefix/bin/wsb-run" --version
}

pkgconfig() {
	local libdir
	libdir=$(dirname "$(find "$work/prefix" -name wsandbox.pc)")
	export PKG_CONFIG_PATH=$libdir
	echo "pkg-config --cflags --libs wsandbox: $(pkg-config --cflags --libs wsandbox)"
	# shellcheck disable=SC2046
	gcc -o "$work/pkgconfig-consumer" "$consumer/main.c" $(pkg-config --cflags --libs wsandbox)
	LD_LIBRARY_PATH=$(pkg-config --variable=libdir wsandbox) run_consumer "$work/pkgconfig-consumer"
}

# ---- Debian packages ---------------------------------------------------

# dpkg-buildpackage from a copy of the checkout (it writes the .debs next to
# the source folder), then lintian at its default level: errors and
# warnings fail.
deb_build() {
	tarball
	rm -rf "$work/deb"
	mkdir -p "$work/deb"
	tar -C "$work/deb" -xzf "$work/libwsandbox.tar.gz"
	( cd "$work/deb/libwsandbox" && dpkg-buildpackage -us -uc -b -j"$jobs" )
	lintian --fail-on error,warning "$work"/deb/libwsandbox_*.changes
	# Control: the drift check must bite. A symbols list missing one
	# function must fail dpkg-gensymbols -c4 against the built library.
	( cd "$work/deb/libwsandbox" &&
		sh debian/gen-symbols.sh docs/symbols-in-versions | grep -v ' wsb_version@' >"$work/deb/drift.symbols" &&
		if dpkg-gensymbols -plibwsandbox0 -Pdebian/libwsandbox0 -I"$work/deb/drift.symbols" -O/dev/null -c4; then
			echo "symbols control: a missing symbol went unnoticed" >&2
			exit 1
		fi )
	echo "symbols control: a list missing wsb_version fails dpkg-gensymbols -c4, as it must"
	ls "$work"/deb/*.deb
}

# A clean Debian 12 root: debootstrap's minbase from Debian's mirror (its
# download kept in WORKDIR/cache for the next run). The packages go in with
# dpkg inside it; wsb-run then runs there after pivot_root in a private mount
# namespace, not chroot: the kernel refuses user namespaces to a chrooted
# process, and the sandbox needs them. The host's root is unmounted there.
# The mirror apt itself uses here (a machine may have its own), else Debian's.
debian_mirror() {
	local m
	m=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $0 !~ /security/ { print ($2 ~ /^\[/ ? $3 : $2); exit }' \
		/etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

deb_root() {
	local root=$work/root cache=$work/cache/bookworm-minbase.tgz mirror
	mirror=$(debian_mirror)
	mkdir -p "$work/cache"
	if [ ! -s "$cache" ]; then
		rm -rf "$work/cache/tmp-root"
		debootstrap --variant=minbase --make-tarball="$cache.part" bookworm "$work/cache/tmp-root" \
			"$mirror"
		mv "$cache.part" "$cache"
	fi
	rm -rf "$root"
	debootstrap --variant=minbase --unpack-tarball="$cache" bookworm "$root" "$mirror"
	mkdir -p "$root/tmp/debs"
	cp "$work"/deb/libwsandbox0_*.deb "$work"/deb/libwsandbox-dev_*.deb "$work"/deb/wsandbox-tools_*.deb \
		"$root/tmp/debs/"
	chroot "$root" sh -c 'dpkg -i /tmp/debs/*.deb'
	unshare --mount --propagation private sh -c '
		set -e
		mount --bind "$1" "$1"
		mount -t proc proc "$1/proc"
		cd "$1"
		mkdir -p .oldroot
		pivot_root . .oldroot
		/.oldroot/usr/bin/umount -l /.oldroot
		exec /bin/sh -c "set -e; wsb-run --version; wsb-run -- true; echo \"wsb-run -- true: exit 0\"
			if wsb-run -- sh -c \"echo x > /etc/wsb-escape\"; then echo \"write to /etc allowed\" >&2; exit 1; fi
			test ! -e /etc/wsb-escape; echo \"write to /etc: denied\""' sh "$root"
}

# ---- Python: pip install from a fresh tree -------------------------------

# The checkout's files, unpacked where no build exists, a new venv, and a
# new shell (env -i) without WSANDBOX_LIBRARY: the package must carry the
# library setup.py built with CMake.
python_pip() {
	tarball
	rm -rf "$work/python"
	mkdir -p "$work/python"
	tar -C "$work/python" -xzf "$work/libwsandbox.tar.gz"
	/usr/bin/python3 -m venv --system-site-packages "$work/python/venv"
	( cd "$work/python/libwsandbox" && "$work/python/venv/bin/pip" install --no-deps --no-index ./bindings/python )
	(cd / && env -i PATH=/usr/bin:/bin HOME="$work/python" "$work/python/venv/bin/python" -c \
		"import wsandbox; r = wsandbox.run(['true']); print('wsandbox.run([\"true\"]):', r.returncode, 'library:', wsandbox._lib.lib._name); assert r.returncode == 0; assert '/site-packages/wsandbox/' in wsandbox._lib.lib._name")
}

# ---- Rust: the bundled feature ------------------------------------------

# cargo builds libwsandbox itself (cmake from build.rs) and links it
# statically: no WSANDBOX_LIB_DIR, no LD_LIBRARY_PATH, offline; the test
# programs must not need libwsandbox.so.
rust_bundled() {
	local t
	rm -rf "$work/rust-target"
	( cd "$root/bindings/rust" && rm -f Cargo.lock &&
		env -u WSANDBOX_LIB_DIR -u LD_LIBRARY_PATH CARGO_TARGET_DIR="$work/rust-target" \
			cargo test --offline --workspace --features bundled -- --test-threads=2 )
	for t in "$work"/rust-target/debug/deps/run-*; do
		[ -x "$t" ] || continue
		if ldd "$t" | grep -q libwsandbox; then
			echo "$t links libwsandbox.so: not bundled" >&2
			return 1
		fi
	done
}

# ---- Windows sources without GCC-only constructs -------------------------

# MSVC and clang-cl cannot run here. What can: every source the Windows
# build compiles, checked by mingw gcc as strict C99 (-pedantic reports
# statement expressions, zero-length arrays, case ranges, typeof, ...; -Wvla
# variable-length arrays), and no __attribute__, __builtin_ or typeof
# outside a compiler-guarded macro (lib/core/common.h's WSB__PRINTF).
windows_portable() {
	local f out bad
	for f in "$root"/lib/core/*.c "$root"/lib/win32/*.c "$root"/lib/win32/runner/*.c; do
		x86_64-w64-mingw32-gcc -fsyntax-only -std=c99 -pedantic -Werror=pedantic -Wvla -Werror=vla \
			-DWSB_BUILDING_LIBRARY -D_GNU_SOURCE -I"$root/include" -I"$root/lib" "$f"
	done
	bad=$(grep -nE '__attribute__|__builtin_|\btypeof\b|__typeof__' \
		"$root"/lib/core/*.[ch] "$root"/lib/win32/*.[ch] "$root"/lib/win32/runner/*.c "$root"/include/wsandbox/*.h |
		grep -v 'define WSB__PRINTF' | grep -v 'define WSB_API' || true)
	if [ -n "$bad" ]; then
		echo "GCC-only constructs outside a guarded macro:" >&2
		echo "$bad" >&2
		return 1
	fi
	echo "$(ls "$root"/lib/core/*.c "$root"/lib/win32/*.c "$root"/lib/win32/runner/*.c | wc -l) sources: strict C99, no GCC-only constructs"
}

step gcc-release "gcc 12, Release, tests built too (the issue's first row)" gcc_release
step gcc-debug "gcc, Debug, library and tools" lib_only gcc-debug gcc -DCMAKE_BUILD_TYPE=Debug
step gcc-relwithdebinfo "gcc, RelWithDebInfo, library and tools" lib_only gcc-relwithdebinfo gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo
step gcc-minsizerel "gcc, MinSizeRel, library and tools" lib_only gcc-minsizerel gcc -DCMAKE_BUILD_TYPE=MinSizeRel
step clang-release "clang, Release, library and tools (clang-asan builds the tests)" lib_only clang-release clang -DCMAKE_BUILD_TYPE=Release
step mingw-release "mingw-w64, Release, BUILD_TESTING=OFF, no WSB_CMOCKA_PREFIX" lib_only mingw-release "" \
	-DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" -DCMAKE_BUILD_TYPE=Release
step mingw-minsizerel "mingw-w64, MinSizeRel, BUILD_TESTING=OFF" lib_only mingw-minsizerel "" \
	-DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" -DCMAKE_BUILD_TYPE=MinSizeRel
step windows-portable "Windows sources: mingw gcc -std=c99 -pedantic -Wvla, no unguarded GCC builtins" windows_portable
step no-cmocka "BUILD_TESTING=OFF without cmocka (CMAKE_DISABLE_FIND_PACKAGE_cmocka)" no_cmocka
step gcc-static "BUILD_SHARED_LIBS=OFF: wsandbox::wsandbox is libwsandbox.a" static_lib
step consumer-subdirectory "parent: add_subdirectory + wsandbox::wsandbox, runs" \
	parent consumer-subdirectory -DWSB_CONSUME=subdirectory -DWSB_SOURCE="$root"
step consumer-fetchcontent "parent: FetchContent of the checkout's tarball (static), runs" fetchcontent
step install "cmake --install into a prefix (GNUInstallDirs)" install_prefix
step consumer-find_package "parent: find_package(wsandbox) from that prefix, runs" \
	parent consumer-find_package -DWSB_CONSUME=find_package -DCMAKE_PREFIX_PATH="$work/prefix"
step pkg-config "pkg-config --cflags --libs wsandbox: compiles, runs" pkgconfig
step deb "dpkg-buildpackage -us -uc -b, lintian clean" deb_build
step deb-root "the .debs in a clean debootstrap root: wsb-run -- true" deb_root
step python-pip "pip install ./bindings/python from a fresh tree, run in a new shell" python_pip
step rust-bundled "cargo test --features bundled, offline, library linked statically" rust_bundled
echo "packaging: $((count - ${#failed[@]})) of $count builds ok${failed:+; failed: ${failed[*]}}"
[ ${#failed[@]} -eq 0 ]
