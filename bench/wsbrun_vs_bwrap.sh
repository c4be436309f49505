#!/usr/bin/env bash
# Cold spawn through the command line, as a user types it: `wsb-run --write WS
# -- /bin/true` against bubblewrap given the same policy (read-only root, WS
# writable, a private /tmp, no network, own PID namespace, new session).
# Each round runs three commands in a rotating order: wsb-run, bwrap, and a
# floor, `env /bin/true`, a launcher that only starts the command (its own
# start and the command's: what a launcher that does anything at all pays
# at least). Printed, as medians of the per-round figures:
#   wsb-run/bwrap                the issue's figure;
#   floor/bwrap                  what a do-nothing launcher scores here;
#   (wsb-run-floor)/(bwrap-floor) the sandboxes' own cost compared.
# Timing reads bash's $EPOCHREALTIME in the shell itself (no subshell, whose
# start and end would land in the intervals).
#
# usage: bench/wsbrun_vs_bwrap.sh PATH/TO/wsb-run [ROUNDS]   (default 40)
set -euo pipefail
wsb_run=${1:?usage: bench/wsbrun_vs_bwrap.sh PATH/TO/wsb-run [ROUNDS]}
rounds=${2:-40}
command -v bwrap >/dev/null || { echo "bwrap not found (Debian: bubblewrap)" >&2; exit 2; }
ws=$(mktemp -d /var/tmp/wsb-bench-XXXXXX)
trap 'rm -rf "$ws"' EXIT
cd "$ws"  # the command's working directory, as an agent's workspace would be

ours() { "$wsb_run" --write "$ws" -- /bin/true; }
theirs() {
	bwrap --ro-bind / / --bind "$ws" "$ws" --tmpfs /tmp --proc /proc --dev /dev \
		--unshare-all --new-session --die-with-parent /bin/true
}
floor() { env /bin/true; }
run() { case $1 in 0) ours ;; 1) theirs ;; 2) floor ;; esac; }
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ours; theirs; floor  # warm the page cache for all three
a=() b=() f=() r=() fr=() x=()
for ((i = 0; i < rounds; i++)); do
	t=(0 0 0)
	for ((k = 0; k < 3; k++)); do
		w=$(((i + k) % 3))
		s=${EPOCHREALTIME/[.,]/}
		run "$w"
		e=${EPOCHREALTIME/[.,]/}
		t[w]=$((e - s))
	done
	a+=("${t[0]}") b+=("${t[1]}") f+=("${t[2]}")
	r+=("$(awk -v x="${t[0]}" -v y="${t[1]}" 'BEGIN { printf "%.4f", x / y }')")
	fr+=("$(awk -v x="${t[2]}" -v y="${t[1]}" 'BEGIN { printf "%.4f", x / y }')")
	x+=("$(awk -v x="${t[0]}" -v y="${t[1]}" -v z="${t[2]}" 'BEGIN { printf "%.4f", (x - z) / (y - z) }')")
done
m() { printf '%s\n' "$@" | median; }
printf 'uid %d, %d rounds: medians wsb-run %s us, bwrap %s us, floor (env /bin/true) %s us\n' \
	"$(id -u)" "$rounds" "$(m "${a[@]}")" "$(m "${b[@]}")" "$(m "${f[@]}")"
printf '  wsb-run/bwrap %sx (goal <= 0.5); floor/bwrap %sx (a launcher that only execs the command); ' \
	"$(m "${r[@]}")" "$(m "${fr[@]}")"
printf 'above the floor, wsb-run/bwrap %sx\n' "$(m "${x[@]}")"
