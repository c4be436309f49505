#!/usr/bin/env bash
# wsb-run inside a real Podman container with Podman's default seccomp
# profile, rootful and rootless (a user with subordinate ids, made here):
#   - wsb-run --self-test: nothing the library reports in force may be
#     observed to fail, and TCP, UDP and abstract UNIX sockets to the
#     container's own listeners are refused wherever network is in force;
#   - wsb-run --write WS with network off: a write in WS lands, a write
#     outside does not, TCP and UDP to a listener in the container and an
#     abstract socket are refused (checked by the listener, not by exit codes).
# The root file system is made from the host (its /usr and /etc, read-only,
# on a skeleton directory): no image, no registry.
#
#   tests/podman/test_podman.sh BUILD_DIR
#
# Exits 0 when every check passed, 77 (skipped, with the reason on stdout)
# when Podman cannot run containers on this machine or the test is not run
# as root (it creates a user), 1 on a failed check.
set -euo pipefail

build=$(cd "${1:?usage: test_podman.sh BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
skip() { echo "SKIPPED: $*"; exit 77; }
fail() { echo "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || skip "needs root (it creates the rootless test user)"
command -v podman >/dev/null || skip "podman is not installed (scripts/deps.sh installs it)"
command -v runc >/dev/null || skip "runc is not installed (scripts/deps.sh installs it)"
[ -x "$build/examples/wsb-run" ] || fail "no $build/examples/wsb-run"

work=$(mktemp -d /var/tmp/wsb-podman.XXXXXX)
chmod 755 "$work"
user=wsb-podman-test
# Podman wants its run directory short (under 50 characters).
runtime=$(mktemp -d /tmp/wsbpod.XXXXXX)
cleanup() {
	local pid uid
	# vfs layers of the rootless user are owned by its subordinate ids
	# (first: this starts Podman's pause process again).
	if [ -d "$work/storage-$user" ] && id "$user" >/dev/null 2>&1; then
		(cd / && as_user podman --root "$work/storage-$user" --runroot "$runtime/c" \
			--storage-driver vfs unshare rm -rf "$work/storage-$user") 2>/dev/null || true
	fi
	# Rootless Podman leaves a pause process holding its namespaces, in
	# XDG_RUNTIME_DIR or, when it prefers, in /tmp/podman-run-UID.
	uid=$(id -u "$user" 2>/dev/null || echo none)
	for pid in "$runtime/libpod/tmp/pause.pid" "/tmp/podman-run-$uid/libpod/tmp/pause.pid"; do
		if [ -f "$pid" ]; then
			kill "$(cat "$pid")" 2>/dev/null || true
		fi
	done
	[ "$uid" = none ] || rm -rf "/tmp/podman-run-$uid"
	rm -rf "$work" "$runtime"
}
trap cleanup EXIT

# The tool and its library, world-readable for the rootless user.
mkdir -p "$work/bin"
cp "$build/examples/wsb-run" "$work/bin/"
cp -L "$build"/libwsandbox.so* "$work/bin/"
cp "$here/inside.sh" "$work/bin/"
chmod -R a+rX "$work/bin"

# A root file system from the host: its /usr (merged /bin, /lib...) and
# /etc are bound read-only; the rest is this skeleton.
rootfs() {
	local r=$1
	mkdir -p "$r"
	ln -sfn usr/bin "$r/bin"
	ln -sfn usr/sbin "$r/sbin"
	ln -sfn usr/lib "$r/lib"
	[ -e /lib64 ] && ln -sfn usr/lib64 "$r/lib64"
	mkdir -p "$r/usr" "$r/etc" "$r/tmp" "$r/var/tmp" "$r/proc" "$r/dev" "$r/sys" "$r/run" \
		"$r/root" "$r/opt/wsb"
	chmod 1777 "$r/tmp" "$r/var/tmp"
}

# This machine's limits: a container without CAP_SYS_RESOURCE cannot raise
# them to Podman's defaults. runc, because Debian 12's crun refuses a
# hybrid cgroup hierarchy.
common=(--runtime runc --cgroup-manager cgroupfs --events-backend file --storage-driver vfs)
run_opts=(--rm --network none --ulimit "nofile=$(ulimit -Sn):$(ulimit -Hn)" --ulimit nproc=4096:4096
	-v /usr:/usr:ro -v /etc:/etc:ro -v "$work/bin:/opt/wsb:ro" -e LD_LIBRARY_PATH=/opt/wsb)

# ---- rootful --------------------------------------------------------------
rootfs "$work/rootfs-root"
set +e
probe=$(timeout 300 podman "${common[@]}" --root "$work/storage-root" --runroot "$work/runroot-root" \
	run "${run_opts[@]}" --rootfs "$work/rootfs-root" /bin/sh -c 'grep ^Seccomp: /proc/self/status' 2>&1)
rc=$?
set -e
if [ $rc -ne 0 ]; then
	skip "rootful podman cannot start a container here (podman exit $rc): $(echo "$probe" | tail -n 3 | tr '\n' ' ')"
fi
case "$probe" in
*"Seccomp:"*2*) ;;
*) fail "the container has no seccomp filter (Podman's default profile expected): $probe" ;;
esac
echo "== rootful podman, default seccomp profile"
timeout 600 podman "${common[@]}" --root "$work/storage-root" --runroot "$work/runroot-root" \
	run "${run_opts[@]}" --rootfs "$work/rootfs-root" /bin/sh /opt/wsb/inside.sh rootful

# ---- rootless ---------------------------------------------------------------
if ! id "$user" >/dev/null 2>&1; then
	useradd --create-home --shell /bin/sh "$user"
fi
for f in /etc/subuid /etc/subgid; do
	grep -q "^$user:" "$f" 2>/dev/null || echo "$user:300000:65536" >>"$f"
done
mkdir -p "$runtime"
chown "$user:" "$runtime"
chmod 700 "$runtime"
rootfs "$work/rootfs-$user"
mkdir -p "$work/storage-$user"
chown -R "$user:" "$work/rootfs-$user" "$work/storage-$user"
as_user() {
	timeout 600 runuser -u "$user" -- env -i PATH=/usr/bin:/bin HOME="$(getent passwd "$user" | cut -d: -f6)" \
		XDG_RUNTIME_DIR="$runtime" "$@"
}
set +e
probe=$(cd / && as_user podman "${common[@]}" --root "$work/storage-$user" \
	--runroot "$runtime/c" run "${run_opts[@]}" --rootfs "$work/rootfs-$user" \
	/bin/sh -c 'grep ^Seccomp: /proc/self/status' 2>&1)
rc=$?
set -e
if [ $rc -ne 0 ]; then
	echo "rootful passed; SKIPPED rootless: podman as $user cannot start a container here (exit $rc): $(echo "$probe" | tail -n 3 | tr '\n' ' ')"
	exit 0
fi
echo "== rootless podman as $user, default seccomp profile"
(cd / && as_user podman "${common[@]}" --root "$work/storage-$user" \
	--runroot "$runtime/c" run "${run_opts[@]}" --rootfs "$work/rootfs-$user" \
	/bin/sh /opt/wsb/inside.sh rootless)
echo "podman: rootful and rootless passed"
