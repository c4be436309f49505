#!/usr/bin/env bash
# Build cmocka for 64-bit Windows from Debian's own source package and
# install it under PREFIX (include/cmocka.h, lib/libcmocka-static.a).
# Debian ships cmocka for the Linux host only. Skips everything when PREFIX
# already holds a build from the same source version.
#
# usage: scripts/build-cmocka-mingw.sh PREFIX
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 PREFIX" >&2
	exit 2
fi
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
prefix=$(cd "$1" && pwd)
stamp=$prefix/.wsb-cmocka-source

sudo=
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
fi

# apt-get source needs a deb-src entry; add one for bookworm that mirrors the
# machine's own Debian source (deb822 files), unless one already serves cmocka.
source_version() {
	apt-cache showsrc cmocka 2>/dev/null | sed -n 's/^Version: //p' | sort -V | tail -n1 || true
}
version=$(source_version)
if [ -z "$version" ]; then
	list=/etc/apt/sources.list.d/wsandbox-deb-src.sources
	echo "cmocka-mingw: adding deb-src entry $list"
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources | $sudo tee "$list" >/dev/null
	else
		$sudo tee "$list" >/dev/null <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	fi
	$sudo apt-get update -q
	version=$(source_version)
	if [ -z "$version" ]; then
		echo "cmocka-mingw: no source package for cmocka after adding $list" >&2
		exit 1
	fi
fi

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$version" ] &&
	[ -f "$prefix/lib/libcmocka-static.a" ] && [ -f "$prefix/include/cmocka.h" ]; then
	echo "cmocka-mingw: $version already built in $prefix"
	exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "cmocka-mingw: building cmocka $version for x86_64-w64-mingw32 into $prefix"
(cd "$work" && apt-get source -q "cmocka=$version" >/dev/null 2>&1 || apt-get source -q "cmocka=$version")
src=$(find "$work" -mindepth 1 -maxdepth 1 -type d -name 'cmocka-*' | head -n1)
generator=()
if command -v ninja >/dev/null; then
	generator=(-G Ninja)
fi
cmake -S "$src" -B "$work/build" "${generator[@]}" \
	-DCMAKE_TOOLCHAIN_FILE="$root/cmake/mingw-w64-x86_64.cmake" \
	-DCMAKE_BUILD_TYPE=Release \
	-DCMAKE_INSTALL_PREFIX="$prefix" \
	-DWITH_STATIC_LIB=ON -DUNIT_TESTING=OFF -DWITH_EXAMPLES=OFF >/dev/null
cmake --build "$work/build" -j2 >/dev/null
cmake --install "$work/build" >/dev/null
if [ ! -f "$prefix/lib/libcmocka-static.a" ]; then
	echo "cmocka-mingw: build did not produce $prefix/lib/libcmocka-static.a" >&2
	exit 1
fi
echo "$version" >"$stamp"
echo "cmocka-mingw: done"
