#!/usr/bin/env bash
# The README's first command: install what is needed, build, and show
# wsb-run sandboxing a few commands in a throwaway workspace — what is
# allowed, what is denied — then check that every outcome was the expected
# one. Exits non-zero if anything that should be denied was allowed (or the
# reverse).
#
#   bash scripts/demo.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build
cd "$root"

if [ -t 1 ]; then
	green=$'\e[32m' red=$'\e[31m' bold=$'\e[1m' dim=$'\e[2m' off=$'\e[0m'
else
	green='' red='' bold='' dim='' off=''
fi

# ---- 1. what is needed ---------------------------------------------------
if [ -x "$root/scripts/deps.sh" ] || [ -f "$root/scripts/deps.sh" ]; then
	bash "$root/scripts/deps.sh"
else
	need=()
	command -v cmake >/dev/null || need+=(cmake)
	command -v ninja >/dev/null || need+=(ninja-build)
	command -v gcc >/dev/null || need+=(gcc)
	command -v python3 >/dev/null || need+=(python3)
	[ -f /usr/include/cmocka.h ] || need+=(libcmocka-dev)
	if [ ${#need[@]} -gt 0 ]; then
		sudo=
		[ "$(id -u)" -eq 0 ] || sudo=sudo
		echo "demo: installing ${need[*]}"
		$sudo apt-get update -q
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}"
	fi
fi

# ---- 2. build -------------------------------------------------------------
echo "demo: building wsb-run in build/"
if ! log=$({ cmake -S "$root" -B "$build" -G Ninja && cmake --build "$build" --target wsb-run -j2; } 2>&1); then
	printf '%s\n' "$log" | tail -n 30 >&2
	echo "demo: the build failed (above)" >&2
	exit 1
fi
wsb_run=$build/examples/wsb-run
[ -x "$wsb_run" ] || { echo "demo: build/examples/wsb-run was not built" >&2; exit 1; }

# ---- 3. a throwaway workspace ---------------------------------------------
# Kept under build/: when that is under /tmp (a clone in /tmp), the
# sandbox's private temp directory takes the writes there, so every check
# below looks at the host's files, not at the command's exit status.
demo=$(mktemp -d "$build/demo.XXXXXX")
ws=$demo/workspace
outside=$demo/outside
mkdir -p "$ws/.git" "$outside"
echo "[core]" >"$ws/.git/config"
listener_pid=
cleanup() {
	[ -z "$listener_pid" ] || kill "$listener_pid" 2>/dev/null || true
	rm -rf "$demo"
}
trap cleanup EXIT

failures=0
checks=0
# result EXPECTED ACTUAL WHAT DETAIL: print one ALLOWED/DENIED line.
result() {
	local expected=$1 actual=$2 what=$3 detail=$4 colour mark
	checks=$((checks + 1))
	if [ "$actual" = ALLOWED ]; then colour=$green; else colour=$red; fi
	if [ "$expected" = "$actual" ]; then
		mark="(as expected)"
	else
		mark="${bold}UNEXPECTED: should be $expected${off}"
		failures=$((failures + 1))
	fi
	printf '   %s%-7s%s %s %s\n' "$colour$bold" "$actual" "$off" "$what" "$mark"
	# wsb-run's note about the private temp directory (a demo under /tmp)
	# is said once, by check 2, in the demo's own words.
	detail=$(printf '%s\n' "$detail" | grep -v '^wsb-run: note: ' || true)
	if [ -n "$detail" ]; then
		printf '%s\n' "$detail" | while IFS= read -r l; do
			printf '           %s%s%s\n' "$dim" "$l" "$off"
		done
	fi
}

# Print the command line as one would type it.
show() {
	local a q="'" line='$ wsb-run'
	for a in "$@"; do
		if [[ $a =~ ^[A-Za-z0-9_./:=+-]+$ ]]; then
			line+=" $a"
		else
			line+=" '${a//$q/$q\\$q$q}'"
		fi
	done
	printf '   %s%s%s\n' "$dim" "$line" "$off"
}

cat <<EOF

${bold}libwsandbox demo$off — $("$wsb_run" --version)
The sandbox lets a command read the machine but write only in its workspace,
keeps .git read-only, blocks the network and kills it when its time is up.

In $demo:
  workspace/   the sandboxed command may write here (except its .git)
  outside/     it may not write here

EOF
# Relative paths from here on keep the commands short: wsb-run makes them
# absolute, and the command starts in this directory too.
cd "$demo"
ws=workspace
outside=outside

# Can this build run sandboxed commands yet?
real=1
if ! probe=$("$wsb_run" -- true 2>&1); then
	real=0
fi

if [ $real -eq 1 ]; then
	echo "${bold}1. Write a file inside the workspace$off"
	show --write "$ws" -- sh -c "echo hello > $ws/hello.txt"
	if out=$("$wsb_run" --write "$ws" -- sh -c "echo hello > '$ws/hello.txt'" 2>&1) \
		&& [ "$(cat "$ws/hello.txt" 2>/dev/null)" = hello ]; then
		result ALLOWED ALLOWED "the file was written" ""
	else
		result ALLOWED DENIED "the write failed" "$out"
	fi

	# Judged by what the host sees, not by the command's exit status: when
	# the demo lives under /tmp, the sandbox's private /tmp takes the write
	# (the command succeeds) and throws it away when the command ends.
	echo "${bold}2. Write a file outside the workspace$off"
	show --write "$ws" -- sh -c "echo hello > $outside/escape.txt"
	status=0
	out=$("$wsb_run" --write "$ws" -- sh -c "echo hello > '$outside/escape.txt'" 2>&1) || status=$?
	if [ -e "$outside/escape.txt" ]; then
		result DENIED ALLOWED "the file was written outside the workspace" "$out"
	elif [ $status -eq 0 ]; then
		result DENIED DENIED "the host's $outside/ is unchanged" \
			"$(printf 'the write went to the sandbox'"'"'s private temp directory (%s is under /tmp),\nwhich was discarded when the command ended\n%s' "$demo" "$out")"
	else
		result DENIED DENIED "the command could not write there" "$out"
	fi

	echo "${bold}3. Change the workspace's .git (protected by default)$off"
	show --write "$ws" -- sh -c "echo evil >> $ws/.git/config"
	out=$("$wsb_run" --write "$ws" -- sh -c "echo evil >> '$ws/.git/config'" 2>&1) || true
	if grep -q evil "$ws/.git/config"; then
		result DENIED ALLOWED ".git/config was changed" "$out"
	else
		result DENIED DENIED ".git/config is unchanged" "$out"
	fi

	echo "${bold}4. Connect to a server over the network$off"
	portfile=$demo/port
	accepted=$demo/accepted
	python3 -c '
import socket, sys
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
while True:
    c, _ = s.accept(); c.close()
    with open(sys.argv[2], "a") as f: f.write("x")
' "$portfile" "$accepted" &
	listener_pid=$!
	for _ in $(seq 50); do [ -s "$portfile" ] && break; sleep 0.1; done
	port=$(cat "$portfile")
	connect="exec 3<>/dev/tcp/127.0.0.1/$port"
	if ! bash -c "$connect" 2>/dev/null; then
		echo "   (skipped: the demo's own server on port $port is not reachable)"
	else
		printf '   %swithout the sandbox the connection to 127.0.0.1:%s works%s\n' "$dim" "$port" "$off"
		show --timeout 10 -- bash -c "$connect"
		# The server counts what it accepted: the connection is judged there.
		# The control connection above is counted first (on a loaded machine
		# the server may accept it late), so it is not taken for the sandbox's.
		for _ in $(seq 50); do [ -s "$accepted" ] && break; sleep 0.1; done
		: >"$accepted"
		status=0
		out=$("$wsb_run" --timeout 10 -- bash -c "$connect" 2>&1) || status=$?
		# A connection that was made sits in the server's queue until it
		# accepts it: give it time to before judging.
		if [ $status -eq 0 ]; then
			for _ in $(seq 50); do [ -s "$accepted" ] && break; sleep 0.1; done
		fi
		if [ -s "$accepted" ]; then
			result DENIED ALLOWED "the server accepted the connection" "$out"
		else
			result DENIED DENIED "the server saw no connection" "$out"
		fi
	fi

	echo "${bold}5. Run longer than the time limit (1 second)$off"
	show --timeout 1 -- sleep 30
	start=$(date +%s)
	set +e
	out=$("$wsb_run" --timeout 1 -- sleep 30 2>&1)
	status=$?
	set -e
	took=$(($(date +%s) - start))
	if [ $status -eq 124 ]; then
		result DENIED DENIED "killed after ${took}s, exit status 124" "$out"
	else
		result DENIED ALLOWED "not stopped: exit status $status after ${took}s" "$out"
	fi
else
	cat <<EOF
${bold}This build cannot run sandboxed commands yet$off:
  $probe
(wsb-run exits 125 for that: the sandbox could not be set up.) Showing what
the policy decides instead — the same rules the sandbox enforces.

EOF
	echo "${bold}1-3. Where may a command write? (wsb-run --check-path)$off"
	check() {
		local expected=$1 path=$2 what=$3 out actual
		show --write "$ws" --check-path "$path"
		if out=$("$wsb_run" --write "$ws" --check-path "$path" 2>&1); then
			actual=ALLOWED
		elif [ $? -eq 1 ]; then
			actual=DENIED
		else
			actual=ERROR
		fi
		result "$expected" "$actual" "$what" "$(echo "$out" | tail -n 1 | sed 's/^ *//')"
	}
	check ALLOWED "$ws/hello.txt" "a write inside the workspace"
	check DENIED "$outside/escape.txt" "a write outside the workspace"
	check DENIED "$ws/.git/config" "a write into .git"
	echo
	echo "${bold}4-5. The plan for no network and a 1-second limit (wsb-run --dry-run)$off"
	show --write "$ws" --network off --timeout 1 --dry-run -- sleep 30
	"$wsb_run" --write "$ws" --network off --timeout 1 --dry-run -- sleep 30 | sed 's/^/   /'
fi

echo
if [ $failures -eq 0 ]; then
	echo "${green}${bold}All $checks outcomes were as expected.$off"
else
	echo "${red}${bold}$failures of $checks outcomes were NOT as expected.$off"
	exit 1
fi
