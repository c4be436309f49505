#!/bin/sh
# Runs inside the Podman container (tests/podman/test_podman.sh): the
# container's own checks, with the host's python3 for JSON and listeners.
#   inside.sh LABEL
set -eu
label=$1
wsb=/opt/wsb/wsb-run
fail() { echo "FAILED ($label): $*" >&2; exit 1; }
mkdir -p /ws /outside

# ---- 1. the self-test, as the container's root and as an unprivileged user --
# check_self_test LABEL STATUS: the report in /tmp/self-test.json.
check_self_test() {
	python3 - "$2" "$1" <<'EOF' || fail "self-test as $1 (above)"
import json, sys
rc, label = int(sys.argv[1]), sys.argv[2]
rep = json.load(open("/tmp/self-test.json"))
bad = []
for c in rep["canaries"]:
    print("  %-15s %-9s %-16s %-22s %s" % (label, c["status"], c["protection"], c["name"],
                                           c["evidence"][:140]))
    if c["status"] == "FAILED":
        bad.append("%s: reported in force, yet escaped: %s" % (c["name"], c["evidence"]))
    if c["name"] in ("tcp_to_host", "udp_to_host", "unix_abstract") and c["in_force"] \
            and c["status"] != "proved":
        bad.append("%s: network in force but not proved refused: %s" % (c["name"], c["evidence"]))
if rep["summary"]["failed"] != 0 or rc != 0:
    bad.append("summary %r, exit %d" % (rep["summary"], rc))
for b in bad:
    print("  " + b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
}
set +e
"$wsb" --write /ws --network off --self-test --json >/tmp/self-test.json
rc=$?
set -e
check_self_test "$label" $rc
if command -v setpriv >/dev/null; then
	set +e
	setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$wsb" --mode workspace-write --network off --self-test --json >/tmp/self-test.json
	rc=$?
	set -e
	check_self_test "$label/uid65534" $rc
else
	echo "  $label: no setpriv in the root file system: the unprivileged self-test is not run"
fi

# ---- the mechanism chosen for each protection here (docs/linux-backend.md's
# environment table is written from these lines) --------------------------------
show_mechanisms() {
	python3 -c '
import json, sys
for m in json.load(sys.stdin)["mechanisms"]:
    print("  %-15s mechanism %-16s %s" % (sys.argv[1], m["protection"], m["mechanism"]))
' "$1" || fail "no plan from wsb-run --dry-run --json as $1"
}
"$wsb" --write /ws --network off --deny-read /outside --max-processes 8 --dry-run --json |
	show_mechanisms "$label"
if command -v setpriv >/dev/null; then
	setpriv --reuid 65534 --regid 65534 --clear-groups \
		"$wsb" --write /ws --network off --deny-read /outside --max-processes 8 --dry-run --json |
		show_mechanisms "$label/uid65534"
fi

# ---- 2. wsb-run --write /ws, network off --------------------------------------
set +e
"$wsb" --write /ws -- /bin/sh -c 'echo in > /ws/in; echo out > /outside/out' 2>/tmp/write.err
rc=$?
set -e
if [ $rc -eq 125 ]; then
	# Fail-closed: the library refused to run without a protection it needs.
	echo "  $label wsb-run --write /ws: refused to run here: $(cat /tmp/write.err)"
	exit 0
fi
[ "$(cat /ws/in 2>/dev/null)" = in ] || fail "a write inside the workspace did not land (exit $rc)"
[ ! -e /outside/out ] || fail "a write outside the workspace landed"
echo "  $label wsb-run --write /ws: the write inside landed, the write outside did not"

# Listeners in the container; each records what reached it in /tmp/heard.
rm -f /tmp/ports /tmp/heard
python3 - <<'EOF' &
import os, select, socket
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(8)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
name = "wsb-podman-%d" % os.getpid()
a = socket.socket(socket.AF_UNIX); a.bind("\0" + name); a.listen(8)
with open("/tmp/ports.tmp", "w") as f:
    f.write("%d %d %s\n" % (t.getsockname()[1], u.getsockname()[1], name))
os.rename("/tmp/ports.tmp", "/tmp/ports")
kinds = {t: "tcp", u: "udp", a: "unix-abstract"}
while True:
    for s in select.select(list(kinds), [], [])[0]:
        if s is u:
            s.recv(256)
        else:
            s.accept()[0].close()
        with open("/tmp/heard", "a") as f:
            f.write(kinds[s] + "\n")
EOF
listener=$!
trap 'kill $listener 2>/dev/null || true' EXIT
i=0
while [ ! -s /tmp/ports ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
read -r tcp udp abstract </tmp/ports

# Without the sandbox each one is reachable: the listeners work.
for k in "tcp $tcp" "udp $udp" "unix-abstract $abstract"; do
	set -- $k
	"$wsb" --self-test-probe "$1" "$2" token >/dev/null || fail "control: $1 not reachable unsandboxed"
done
i=0
while [ "$(wc -l </tmp/heard 2>/dev/null || echo 0)" -lt 3 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
[ "$(wc -l </tmp/heard)" -eq 3 ] || fail "control: the listeners heard $(cat /tmp/heard 2>/dev/null)"
: >/tmp/heard

for k in "tcp $tcp" "udp $udp" "unix-abstract $abstract"; do
	set -- $k
	set +e
	out=$("$wsb" --write /ws --json -- /opt/wsb/wsb-run --self-test-probe "$1" "$2" token)
	set -e
	# Give a connection that got through time to be accepted.
	case "$out" in *": ok"*) sleep 2 ;; esac
	in_force=$(printf '%s' "$out" | python3 -c 'import json,sys; d = json.load(sys.stdin); print("network" in d.get("result", {}).get("protections", []))')
	if [ -s /tmp/heard ]; then
		[ "$in_force" = False ] || fail "$1 to the container's listener got through with network reported in force"
		echo "  $label $1: reached the listener; network NOT in force (reported as missing)"
	else
		echo "  $label $1: refused (network in force: $in_force)"
	fi
	: >/tmp/heard
done
echo "$label: all checks passed"
