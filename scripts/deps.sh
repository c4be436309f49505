#!/usr/bin/env bash
# Install every Debian package that building and testing libwsandbox needs.
# Idempotent: when everything is already installed it touches nothing and
# does not even refresh the package lists. Needs root (or sudo) on Debian 12.
set -euo pipefail

packages=(
	# host build
	gcc g++ make cmake ninja-build pkg-config binutils libcmocka-dev
	# clang: sanitizers and libFuzzer
	clang libclang-rt-14-dev
	# Windows cross-build, run under Wine
	gcc-mingw-w64-x86-64 g++-mingw-w64-x86-64 binutils-mingw-w64-x86-64 wine wine64
	# cmocka for Windows is built from Debian's source package
	dpkg-dev xz-utils
	# docs, ABI, symbols
	doxygen graphviz abigail-tools python3
	# Linux backend tests and peers
	bubblewrap
	# a real container for tests/podman (runc: Debian 12's crun refuses hybrid cgroups)
	podman runc
	# a real terminal driving wsb-run --pty in the tools tests
	tmux
	# the network allow-list's real clients and local servers (tests/linux/test_netproxy.c)
	curl git openssl
	# bindings (python: a venv with pip and setuptools; rust: offline, Debian toolchain)
	python3-pytest python3-venv python3-pip python3-setuptools python3-wheel
	rustc cargo libstd-rust-dev-windows
	# packaging stage: Debian packages, lintian, a clean root to install them in
	debhelper lintian debootstrap fakeroot
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps: all ${#packages[@]} packages already installed"
	exit 0
fi

sudo=
if [ "$(id -u)" -ne 0 ]; then
	sudo=sudo
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	"${missing[@]}"
