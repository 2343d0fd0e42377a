#!/bin/bash
# The dataplane part of `make demo` (called by scripts/demo.sh):
#
#   demo_dataplane.sh run TMP BIN KUBECONFIG
#   demo_dataplane.sh cleanup TMP
#
# `run` builds a tiny cluster out of network namespaces made here:
#
#   <p>n  "node": a bridge br0 (10.244.0.1/24) joining the others
#   <p>c  client 10.244.0.2, with NO route to the service range
#   <p>b1 <p>b2 <p>b3  backends web-1..web-3 (10.244.0.11-13), each an HTTP
#         server on :8080 answering with its own name
#
# (<p> = skd<pid>), writes an EndpointSlice for Service default/web (made by
# demo.sh: port 80 -> 8080) with kubectl, attaches skiff-node to a cgroup v2
# made for the demo and runs the client inside that cgroup: its connect() to
# the ClusterIP is rewritten to a backend by the cgroup/connect4 program
# before any routing happens. It then shows the spread of 30 requests,
# least-busy selection with 4 connections held on web-1 (through a second
# Service, web-one, whose only endpoint is web-1), `skiffctl backends` and
# `skiffctl proxy status`.
#
# Nothing touches the root namespace's interfaces, routes or firewall and no
# BPF is attached to the root cgroup; the only traffic from the root
# namespace goes to 127.0.0.1 (skiff-node's /healthz). Everything made is
# recorded under TMP/dataplane and removed by `cleanup` (which `run` also
# calls when it ends); it is idempotent. Exit status of `run`: 0 when the
# demo ran, 1 (with the reason printed) when it could not.
#
# Snippets run in the namespaces are single-quoted on purpose (SC2016).
# shellcheck disable=SC2016,SC2015
set -uo pipefail

PY=/usr/bin/python3
SUBNET=10.244.0
NBACKENDS=3
# Requests for the spread, connections held on one backend, and requests
# made while they are held.
NREQ=30
NHELD=4
NBUSY=12
# Upper bound on the held connections' life, in seconds: the holder stops
# by itself even if nothing cleans up.
HOLD_MAX=120

say() { printf '\n\033[1m-- %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
fail() {
	echo "dataplane demo: $*" >&2
	exit 1
}

# --- state: everything `cleanup` needs is written to $ST as soon as it exists

state_init() {
	ST=$TMP/dataplane
	mkdir -p "$ST" || fail "cannot create $ST"
	touch "$ST/pids"
}
record() { printf '%s\n' "$2" >"$ST/$1"; }
record_pid() { echo "$1" >>"$ST/pids"; }

# The cgroup v2 mount: /sys/fs/cgroup on unified hosts, /sys/fs/cgroup/unified
# on hybrid ones (this machine). Prints nothing when there is none.
cgroup2_root() {
	awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts
}

# Fails with the reason when the socket load balancer cannot run here.
preflight() {
	local t
	[ "$(id -u)" = 0 ] || fail "needs root (BPF, network namespaces, cgroups)"
	[ -r /sys/kernel/btf/vmlinux ] ||
		fail "the kernel has no BTF (/sys/kernel/btf/vmlinux), which skiff-node's BPF needs"
	CGROOT=$(cgroup2_root)
	[ -n "$CGROOT" ] || fail "no cgroup v2 filesystem is mounted (see \`mount -t cgroup2\`)"
	for t in "$BIN/skiff-node" "$BIN/skiffctl" "$PY"; do
		[ -x "$t" ] || fail "$t is missing"
	done
	for t in ip kubectl curl awk timeout mountpoint; do
		command -v "$t" >/dev/null || fail "$t is not installed (scripts/deps.sh)"
	done
}

# A free TCP port on 127.0.0.1.
free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# --- the namespaces

net_up() {
	local i ns
	ip netns add "${P}n" && echo "${P}n" >>"$ST/netns" &&
		ip -n "${P}n" link set lo up &&
		ip -n "${P}n" link add br0 type bridge &&
		ip -n "${P}n" addr add "$SUBNET.1/24" dev br0 &&
		ip -n "${P}n" link set br0 up || return 1
	# attach NS HOSTIF IP: a veth from namespace NS (eth0, IP/24) to br0.
	attach() {
		ip netns add "$1" && echo "$1" >>"$ST/netns" &&
			ip link add eth0 netns "$1" type veth peer name "$2" netns "${P}n" &&
			ip -n "${P}n" link set "$2" master br0 up &&
			ip -n "$1" addr add "$3/24" dev eth0 &&
			ip -n "$1" link set eth0 up &&
			ip -n "$1" link set lo up
	}
	# The client gets only its connected /24: no route to the service
	# range. connect4 rewrites the destination before the route lookup, so
	# a process in the demo cgroup still reaches the ClusterIP, while any
	# other process gets "Network is unreachable" at once.
	attach "${P}c" vc "$SUBNET.2" || return 1
	for i in $(seq "$NBACKENDS"); do
		attach "${P}b$i" "vb$i" "$SUBNET.$((10 + i))" || return 1
	done
}

# A threaded HTTP/1.1 server (keep-alive, so a connection can be held
# open after its first answer) that answers every GET with its name.
BACKEND_PY='
import http.server, sys
name, port = sys.argv[1], int(sys.argv[2])
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        body = (name + "\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", port), H).serve_forever()
'

backends_up() {
	local i ok
	for i in $(seq "$NBACKENDS"); do
		ip netns exec "${P}b$i" "$PY" -c "$BACKEND_PY" "web-$i" 8080 \
			>>"$ST/backend-$i.log" 2>&1 &
		record_pid $!
	done
	# Ready when each answers its own address from the client namespace
	# (direct pod-IP traffic inside the namespaces, no service involved).
	for i in $(seq "$NBACKENDS"); do
		ok=
		for _ in $(seq 50); do
			if ip netns exec "${P}c" curl -s --max-time 1 \
				"http://$SUBNET.$((10 + i)):8080/" >/dev/null 2>&1; then
				ok=1
				break
			fi
			sleep 0.1
		done
		[ -n "$ok" ] || return 1
	done
}

# --- the client: joins the demo cgroup first, then enters its namespace
# (`ip netns exec` remounts /sys, which would hide the cgroup2 mount).
in_client() {
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec ip netns exec "$@"' \
		sh "$CG" "${P}c" "$@"
}

# Requests N: N sequential HTTP requests to the ClusterIP, one connection
# each; prints one answering backend (or "failed") per line.
REQUESTS_SH='
for i in $(seq "$2"); do
	curl -s --max-time 2 "http://$1/" || echo failed
done
'

# Holder: opens N connections to the ClusterIP with bash /dev/tcp, asks
# each who it is (one keep-alive GET), writes the answers to OUT, touches
# OUT.ready, then keeps the sockets open (as `sleep`) until killed or
# HOLD_MAX seconds pass.
HOLD_SH='
vip=$1 n=$2 out=$3
for k in $(seq "$n"); do
	fd=$((k + 2))
	eval "exec $fd<>/dev/tcp/$vip/80" || exit 1
	printf "GET / HTTP/1.1\r\nHost: web\r\n\r\n" >&$fd
	while IFS= read -r -t 3 line <&$fd; do
		[ "$line" = $'"'"'\r'"'"' ] && break
	done
	read -r -t 3 who <&$fd || who=failed
	echo "$who" >>"$out"
done
touch "$out.ready"
exec sleep '"$HOLD_MAX"'
'

# "web-1: 10  web-2: 11  web-3: 9" from one name per line on stdin.
tally() {
	local all i line=""
	all=$(cat)
	for i in $(seq "$NBACKENDS"); do
		line+="web-$i: $(grep -cx "web-$i" <<<"$all")  "
	done
	line+="failed: $(grep -cvx -e 'web-[0-9]*' -e '' <<<"$all")"
	echo "$line"
}

# --- the EndpointSlice and the maps

# slice SVC I..: an EndpointSlice SVC-demo for Service SVC listing backends
# web-I.. (ready), applied with kubectl.
slice() {
	local i svc=$1 f=$ST/$1-slice.yaml
	shift
	{
		cat <<YAML
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: $svc-demo
  labels:
    kubernetes.io/service-name: $svc
    endpointslice.kubernetes.io/managed-by: skiff-demo
addressType: IPv4
ports:
- {name: http, port: 8080, protocol: TCP}
endpoints:
YAML
		for i in "$@"; do
			echo "- {addresses: [\"$SUBNET.$((10 + i))\"], conditions: {ready: true}," \
				"nodeName: demo-node, targetRef: {kind: Pod, namespace: default," \
				"name: web-$i}}"
		done
	} >"$f"
	show kubectl apply -f "$f"
}

# programmed SVC N: wait until the maps hold SVC:80 with exactly N endpoints.
programmed() {
	local n
	for _ in $(seq 100); do
		n=$("$BIN/skiffctl" backends "default/$1" -o json --bpf-pin-dir "$PIN" 2>/dev/null |
			"$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
print(sum(len(s["endpoints"]) for s in d["services"] if s.get("port") == 80))')
		[ "$n" = "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# "10.244.0.11:8080 4" per endpoint of web:80, from the maps.
active_counts() {
	"$BIN/skiffctl" backends default/web -o json --bpf-pin-dir "$PIN" 2>/dev/null |
		"$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
for s in d["services"]:
    if s.get("port") == 80:
        for e in s["endpoints"]:
            print("%s:%d %d" % (e["address"], e["port"], e["active"]))'
}

node_up() {
	HPORT=$(free_port) && MPORT=$(free_port) || return 1
	record healthz "127.0.0.1:$HPORT"
	# The node runs on its own credential (system:node:demo-node), got by
	# joining with a short-lived join token; later starts reuse it.
	local join=()
	if [ ! -s "$ST/node-state/kubeconfig" ]; then
		local tok
		tok=$("$BIN/skiffctl" token create --ttl 10m --description demo -o json) || return 1
		# shellcheck disable=SC2207
		join=($(printf '%s' "$tok" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(d["joinCommand"].split()[1:]))'))
	fi
	local argv=("$BIN/skiff-node" --no-kubelet --state-dir "$ST/node-state" "${join[@]}"
		--hostname-override demo-node --cgroup "$CG" --bpf-pin-dir "$PIN" --metrics-bind-address "127.0.0.1:$MPORT"
		--healthz-bind-address "127.0.0.1:$HPORT" --max-services 1024
		--max-backends 4096 --v 2)
	printf '$ %s &\n' "${argv[*]}"
	"${argv[@]}" >>"$ST/node.log" 2>&1 &
	NODE_PID=$!
	record_pid "$NODE_PID"
	for _ in $(seq 100); do
		if [ "$(curl -s -o /dev/null -w '%{http_code}' \
			"http://127.0.0.1:$HPORT/healthz")" = 200 ]; then
			echo "skiff-node is attached to $CG and synced (/healthz 200)"
			return 0
		fi
		kill -0 "$NODE_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "skiff-node did not become healthy; its log:"
	tail -n 20 "$ST/node.log"
	return 1
}

run() {
	local vip vip1 out rc
	[ $# -eq 4 ] || fail "usage: $0 run TMP BIN KUBECONFIG"
	TMP=$2 BIN=$3
	export KUBECONFIG=$4
	state_init
	preflight
	P=skd$$
	CG=$CGROOT/$P
	PIN=$ST/bpf
	record prefix "$P"
	record cgroup "$CG"
	record pin "$PIN"
	record bin "$BIN"
	trap 'cleanup "$TMP"' EXIT
	trap 'exit 130' INT TERM

	vip=$(kubectl get svc web -o jsonpath='{.spec.clusterIP}') && [ -n "$vip" ] ||
		fail "Service default/web not found"

	say "Network namespaces: node ${P}n (bridge $SUBNET.1/24), client ${P}c," \
		"backends ${P}b1..${P}b$NBACKENDS"
	net_up || fail "could not create the network namespaces"
	backends_up || fail "the backend servers did not start"
	for i in $(seq "$NBACKENDS"); do
		echo "web-$i: $SUBNET.$((10 + i)):8080 in ${P}b$i"
	done
	echo "client: $SUBNET.2 in ${P}c; its routes:"
	show ip -n "${P}c" route

	say "EndpointSlice for web: the $NBACKENDS backends, ready"
	slice web $(seq "$NBACKENDS") || fail "kubectl apply of the EndpointSlice failed"
	show kubectl get endpointslices -l kubernetes.io/service-name=web

	say "skiff-node on cgroup $CG (pins in $PIN)"
	mkdir "$CG" || fail "cannot create the cgroup $CG"
	node_up || fail "skiff-node could not start (see above)"
	programmed web "$NBACKENDS" || fail "web was not programmed into the maps"

	say "Outside the demo cgroup, the client namespace cannot reach $vip"
	# bash's /dev/tcp shows connect()'s own error.
	printf '$ ip netns exec %s bash -c ": <>/dev/tcp/%s/80"\n' "${P}c" "$vip"
	ip netns exec "${P}c" timeout 5 bash -c ": <>/dev/tcp/$vip/80" 2>&1 | head -n 1 | sed 's/^/  /'

	say "$NREQ requests to web ($vip:80) from a process in the demo cgroup"
	printf '$ (in %s, %s) %s\n' "${P}c" "$P" "for i in \$(seq $NREQ); do curl -s http://$vip/; done"
	out=$(in_client bash -c "$REQUESTS_SH" sh "$vip" "$NREQ")
	echo "$out" | head -n 6 | sed 's/^/  /'
	echo "  ..."
	echo "answers: $(tally <<<"$out")"

	say "Least busy: $NHELD connections held open on web-1"
	# A second Service whose only endpoint is web-1 carries them: a
	# backend's active count is per pod (address, port), shared by every
	# Service that lists it, so web sees web-1 as busy too.
	echo "(through Service web-one, without selector, whose only endpoint is web-1)"
	cat >"$ST/web-one.yaml" <<YAML
apiVersion: v1
kind: Service
metadata:
  name: web-one
spec:
  ports:
  - {name: http, port: 80, targetPort: 8080}
YAML
	show kubectl apply -f "$ST/web-one.yaml" || fail "could not create Service web-one"
	slice web-one 1 || fail "kubectl apply of the EndpointSlice failed"
	vip1=$(kubectl get svc web-one -o jsonpath='{.spec.clusterIP}')
	programmed web-one 1 || fail "web-one was not programmed into the maps"
	printf '$ (in %s, %s) %s\n' "${P}c" "$P" \
		"$NHELD connections to http://$vip1/ (web-one), kept open"
	# Not through in_client: $! must be the holder itself (sh execs ip,
	# which execs timeout), so cleanup can kill it by PID.
	sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec ip netns exec "$@"' sh "$CG" \
		"${P}c" timeout "$((HOLD_MAX + 10))" bash -c "$HOLD_SH" sh "$vip1" "$NHELD" \
		"$ST/held" &
	HOLDER_PID=$!
	record_pid "$HOLDER_PID"
	for _ in $(seq 50); do
		[ -e "$ST/held.ready" ] && break
		sleep 0.1
	done
	[ -e "$ST/held.ready" ] || fail "the held connections did not open"
	echo "held connections went to: $(paste -sd" " "$ST/held")"
	show "$BIN/skiffctl" backends default/web --bpf-pin-dir "$PIN"

	say "$NBUSY more requests while they are held: none goes to web-1"
	out=$(in_client bash -c "$REQUESTS_SH" sh "$vip" "$NBUSY")
	echo "answers: $(tally <<<"$out")"
	show "$BIN/skiffctl" backends default/web --bpf-pin-dir "$PIN"

	say "Closing the held connections"
	kill "$HOLDER_PID"
	wait "$HOLDER_PID" 2>/dev/null
	for _ in $(seq 50); do
		out=$(active_counts)
		[ -n "$out" ] && ! grep -qv ' 0$' <<<"$out" && break
		sleep 0.05
	done
	printf 'active connections now: %s\n' "$(paste -sd, <<<"$out" | sed 's/,/, /g')"

	say "Node proxy status"
	show "$BIN/skiffctl" proxy status --healthz-address "127.0.0.1:$HPORT" \
		--bpf-pin-dir "$PIN"
	rc=$?

	say "Removing the namespaces, the cgroup and the pins"
	trap - EXIT
	cleanup "$TMP"
	left=$( (ip netns list | grep "^$P"; [ -d "$CG" ] && echo "$CG";
		grep -F " $PIN " /proc/self/mounts) 2>/dev/null)
	echo "left behind: ${left:-nothing}"
	return "$rc"
}

# --- cleanup: only what the state files name; safe to run twice.

cleanup() {
	local ST=$1/dataplane P CG PIN BIN pid ns
	[ -d "$ST" ] || return 0
	P=$(cat "$ST/prefix" 2>/dev/null)
	CG=$(cat "$ST/cgroup" 2>/dev/null)
	PIN=$(cat "$ST/pin" 2>/dev/null)
	BIN=$(cat "$ST/bin" 2>/dev/null)

	# The processes started here (skiff-node, backends, the holder).
	if [ -s "$ST/pids" ]; then
		while read -r pid; do
			kill "$pid" 2>/dev/null
		done <"$ST/pids"
		for _ in $(seq 20); do
			alive=
			while read -r pid; do
				kill -0 "$pid" 2>/dev/null && alive=1
			done <"$ST/pids"
			[ -z "$alive" ] && break
			sleep 0.1
		done
		while read -r pid; do
			kill -9 "$pid" 2>/dev/null
		done <"$ST/pids"
	fi
	# Whatever still runs inside the namespaces made here.
	if [ -s "$ST/netns" ]; then
		while read -r ns; do
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				kill -9 "$pid" 2>/dev/null
			done
			ip netns del "$ns" 2>/dev/null
		done <"$ST/netns"
	fi
	# Detach the programs and drop the pins, then the bpffs instance
	# skiff-node mounted on the pin dir.
	if [ -n "$PIN" ] && mountpoint -q "$PIN" 2>/dev/null; then
		[ -x "$BIN/skiff-node" ] &&
			"$BIN/skiff-node" --cleanup --bpf-pin-dir "$PIN" >/dev/null 2>&1
		umount "$PIN" 2>/dev/null || umount -l "$PIN"
	fi
	# The demo cgroup: move anything left to the parent, kill it, remove.
	if [ -n "$CG" ] && [ -d "$CG" ]; then
		for pid in $(cat "$CG/cgroup.procs" 2>/dev/null); do
			echo "$pid" >"$(dirname "$CG")/cgroup.procs" 2>/dev/null
			kill -9 "$pid" 2>/dev/null
		done
		for _ in $(seq 50); do
			rmdir "$CG" 2>/dev/null && break
			sleep 0.1
		done
	fi
	rm -rf "$ST"
}

case "${1:-}" in
run)
	run "$@"
	;;
cleanup)
	[ $# -eq 2 ] || fail "usage: $0 cleanup TMP"
	cleanup "$2"
	;;
*)
	echo "usage: $0 run TMP BIN KUBECONFIG | cleanup TMP" >&2
	exit 2
	;;
esac
