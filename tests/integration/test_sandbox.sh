#!/bin/bash
# The pod network sandbox (dataplane/kubelet/sandbox.c, issue 10) for real: a small driver
# (sandbox_driver.c, compiled here against libdp.a/libskiff.a with the Makefile's flags) runs in
# a network namespace this test makes (the node's), never in the root one. It brings two pods up
# (each a bind-mounted netns with eth0, its IP from the podCIDR, a default route via the bridge),
# connects pod A to pod B over TCP from inside their namespaces, adopts a pod after a driver
# restart (same IP, same interface), sets and replaces peer routes (touching only its own), and
# takes pods down (veth, netns, IP gone; idempotent). Everything is removed on exit. Prints TAP.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=${SKIFF_BIN:-$ROOT/build}
PY=/usr/bin/python3

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root (network namespaces)"
	exit 0
fi
if [ ! -f "$BIN/libdp.a" ] || [ ! -f "$BIN/libskiff.a" ]; then
	echo "1..0 # SKIP $BIN/libdp.a not built"
	exit 0
fi

NS=sksb$$
T=$(mktemp -d /tmp/skiff-sandbox-test.XXXXXX)
R=$T/root
CIDR=10.244.7.0/24
cleanup() {
	# Pod namespaces the driver left mounted (a failed run), then the node namespace.
	grep -o " $T/[^ ]*" /proc/self/mounts 2>/dev/null | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	ip netns del "$NS" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/tap_lib.sh"

run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}
# The driver in the node namespace. nsenter --net keeps this mount namespace (ip netns exec
# would make one that dies with the driver, taking the pods' netns mounts with it).
drv() {
	run nsenter --net=/run/netns/$NS "$T/sbd" "$R" "$CIDR" "$@"
}
node() {
	nsenter --net=/run/netns/$NS "$@"
}
in_pod() {
	nsenter --net="$R/pods/$1/netns" "${@:2}"
}

echo "1..19"

# The Makefile's compiler flags and libraries, from the Makefile itself.
PKGS=$(sed -n 's/^PKGS := //p' "$ROOT/Makefile")
SAN=
case "$BIN" in */san) SAN="-fsanitize=address,undefined -fno-omit-frame-pointer" ;; esac
# shellcheck disable=SC2086
run cc -O1 -g -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE $SAN \
	-I"$ROOT/lib" -I"$ROOT/dataplane" $(pkg-config --cflags $PKGS) \
	-o "$T/sbd" "$ROOT/tests/integration/sandbox_driver.c" "$BIN/libdp.a" "$BIN/libskiff.a" \
	$(pkg-config --libs $PKGS) -lev -lelf -lz -lm -lpthread
check "driver compiles against libdp.a" 0
# A leak report at the driver's exit is not this test's subject; memory errors still abort.
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1

ip netns add "$NS"
A=3f2a9c1e-1111-4aaa-8bbb-000000000001
B=7d00beef-2222-4aaa-8bbb-000000000002
C=0c0ffee0-3333-4aaa-8bbb-000000000003
drv up "$A" "$B"
check "two pods up, the lowest free IPs in order" 0 "$A 10.244.7.2 veth3f2a9c1e $R/pods/$A/netns" \
	"" "$B 10.244.7.3 veth7d00beef $R/pods/$B/netns"

good=1
for p in "$A:10.244.7.2" "$B:10.244.7.3"; do
	u=${p%%:*} ip4=${p#*:}
	in_pod "$u" ip -o -4 addr show dev eth0 >"$T/out" 2>"$T/err"
	grep -qF "inet $ip4/24" "$T/out" || good=0
	in_pod "$u" ip route show default >>"$T/out" 2>>"$T/err"
	grep -qF "default via 10.244.7.1 dev eth0" "$T/out" || good=0
	in_pod "$u" ip -o link show lo >>"$T/out" 2>>"$T/err"
	grep -q "lo:.*UP" "$T/out" || good=0
done
[ $good = 1 ] && ok "each pod: eth0 with its IP, lo up, default route via the bridge" ||
	not_ok "each pod: eth0 with its IP, lo up, default route via the bridge"
# eth0's MAC is 0a:58:<IP>: a reused IP keeps the MAC neighbours cached
in_pod "$A" ip -o link show dev eth0 >"$T/out" 2>"$T/err"
grep -qF "link/ether 0a:58:0a:f4:07:02" "$T/out" && ok "eth0's MAC is 0a:58 and the pod IP (10.244.7.2)" ||
	not_ok "eth0's MAC is 0a:58 and the pod IP (10.244.7.2)"

node ip -o link show master skiff0 >"$T/out" 2>"$T/err"
node ip -o -4 addr show dev skiff0 >>"$T/out" 2>>"$T/err"
RC=0
check "host veths on the bridge, bridge has 10.244.7.1/24" 0 "veth3f2a9c1e" "" "veth7d00beef"
grep -qF "inet 10.244.7.1/24" "$T/out" && ok "bridge address is the podCIDR's first" ||
	not_ok "bridge address is the podCIDR's first"
brmac() { node ip -o link show skiff0 | grep -o "link/ether [0-9a-f:]*" | cut -d" " -f2; }
[ "$(brmac)" = 0a:58:0a:f4:07:01 ] && ok "the bridge's MAC is fixed: 0a:58 and the gateway IP" ||
	not_ok "the bridge's MAC is fixed: 0a:58 and the gateway IP ($(brmac))"

drv connect "$A" "$B"
check "pod A reaches pod B over TCP (sockets made via sb_in_netns)" 0 \
	"connected 10.244.7.2 -> 10.244.7.3"

# A driver restart: the same pod comes back adopted, with its IP and the same eth0.
before=$(in_pod "$A" ip -o link show eth0)
drv up "$A"
after=$(in_pod "$A" ip -o link show eth0)
check "adopt after a restart: same IP" 0 "$A 10.244.7.2 veth3f2a9c1e"
[ -n "$before" ] && [ "$before" = "$after" ] && ok "adopt keeps the pod's eth0 (not recreated)" ||
	not_ok "adopt keeps the pod's eth0 (not recreated)"

drv list
check "list names both pods" 0 "$A" "" "$B"

# Peer routes: ours carry protocol 213 (SB_RTPROT); one of someone else stays untouched.
node ip route add 10.244.99.0/24 via 10.244.7.251 proto static
drv routes 10.244.8.0/24 10.244.7.250 10.244.9.0/24 10.244.7.251
node ip route show >"$T/out" 2>"$T/err"
check "peer routes appear" 0 "10.244.8.0/24 via 10.244.7.250 dev skiff0 proto 213" "" \
	"10.244.9.0/24 via 10.244.7.251 dev skiff0 proto 213"
drv routes 10.244.9.0/24 10.244.7.252
node ip route show >"$T/out" 2>"$T/err"
if grep -qF "10.244.9.0/24 via 10.244.7.252" "$T/out" && ! grep -qF "10.244.8.0/24" "$T/out" &&
	grep -qF "10.244.99.0/24 via 10.244.7.251" "$T/out"; then
	ok "routes replaced: a removed peer's route goes, a moved one follows, others stay"
else
	not_ok "routes replaced: a removed peer's route goes, a moved one follows, others stay"
fi
drv routes
node ip route show >"$T/out" 2>"$T/err"
if ! grep -q "proto 213" "$T/out" && grep -qF "10.244.99.0/24" "$T/out"; then
	ok "an empty table removes all of ours only"
else
	not_ok "an empty table removes all of ours only"
fi

drv down "$B"
RC_DOWN=$RC
left=
node ip -o link show veth7d00beef >/dev/null 2>&1 && left="$left veth"
[ -e "$R/pods/$B/netns" ] && left="$left netns-file"
grep -qF "$R/pods/$B/netns" /proc/self/mounts && left="$left mount"
[ -e "$R/ipam/10.244.7.3" ] && left="$left ip"
[ $RC_DOWN -eq 0 ] && [ -z "$left" ] && ok "pod_down removes veth, netns and IP" ||
	not_ok "pod_down removes veth, netns and IP (left:$left)"
# a bridge left to pick its MAC takes its lowest port's, and changes when that port goes:
# the other pods' neighbour entry for the gateway would go stale
[ "$(brmac)" = 0a:58:0a:f4:07:01 ] && ok "the bridge keeps its MAC when a pod's veth goes" ||
	not_ok "the bridge keeps its MAC when a pod's veth goes ($(brmac))"
drv down "$B"
check "pod_down again is a no-op" 0
drv up "$C"
check "a new pod gets the freed IP" 0 "$C 10.244.7.3 veth0c0ffee0"

drv down "$A" "$C"
if [ $RC -eq 0 ] && [ -z "$(ls -A "$R/ipam")" ] && ! grep -qF "$R/" /proc/self/mounts &&
	[ "$(node ip -o link show master skiff0 | wc -l)" -eq 0 ]; then
	ok "all pods down: no IP, mount or veth left"
else
	not_ok "all pods down: no IP, mount or veth left"
fi
[ $FAILS -eq 0 ]
