#!/bin/sh
# The dpkg symbols file of libwsandbox0, from docs/symbols-in-versions: every
# function not removed, with the version that introduced it, in the one
# version node of lib/wsandbox.map.
set -eu
node=$(sed -n 's/^\([A-Z0-9_]*\) {$/\1/p' "$(dirname "$0")/../lib/wsandbox.map")
echo "libwsandbox.so.0 libwsandbox0 #MINVER#"
echo " $node@$node 0.1.0"
awk -v node="$node" '$2 == "function" && NF < 5 { printf " %s@%s %s\n", $1, node, $3 }' "$1"
