#!/usr/bin/env bash
# Cold spawn through the command line, as a user types it: `wsb-run --write WS
# -- /bin/true` against bubblewrap given the same policy (read-only root, WS
# writable, a private /tmp, no network, own PID namespace, new session).
# Each pair runs both, in alternating order; the figure is the median of the
# per-pair ratios wsb-run/bwrap, with each one's median time. Timing uses
# bash's $EPOCHREALTIME, so no clock process runs between the two.
#
# usage: bench/wsbrun_vs_bwrap.sh PATH/TO/wsb-run [PAIRS]   (default 40 pairs)
set -euo pipefail
wsb_run=${1:?usage: bench/wsbrun_vs_bwrap.sh PATH/TO/wsb-run [PAIRS]}
pairs=${2:-40}
command -v bwrap >/dev/null || { echo "bwrap not found (Debian: bubblewrap)" >&2; exit 2; }
ws=$(mktemp -d /var/tmp/wsb-bench-XXXXXX)
trap 'rm -rf "$ws"' EXIT
cd "$ws"  # the command's working directory, as an agent's workspace would be

now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$t"; }
ours() { "$wsb_run" --write "$ws" -- /bin/true; }
theirs() {
	bwrap --ro-bind / / --bind "$ws" "$ws" --tmpfs /tmp --proc /proc --dev /dev \
		--unshare-all --new-session --die-with-parent /bin/true
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

ours; theirs  # warm the page cache for both
a=() b=() r=()
for ((i = 0; i < pairs; i++)); do
	if ((i % 2)); then
		t0=$(now_us); theirs; t1=$(now_us); ours; t2=$(now_us)
		tb=$((t1 - t0)) ta=$((t2 - t1))
	else
		t0=$(now_us); ours; t1=$(now_us); theirs; t2=$(now_us)
		ta=$((t1 - t0)) tb=$((t2 - t1))
	fi
	a+=("$ta") b+=("$tb")
	r+=("$(awk -v x="$ta" -v y="$tb" 'BEGIN { printf "%.4f", x / y }')")
done
printf 'uid %d, %d pairs: wsb-run median %s us, bwrap median %s us, wsb-run/bwrap median %sx\n' \
	"$(id -u)" "$pairs" "$(printf '%s\n' "${a[@]}" | median)" "$(printf '%s\n' "${b[@]}" | median)" \
	"$(printf '%s\n' "${r[@]}" | median)"
