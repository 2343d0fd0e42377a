#!/bin/bash
# skiffctl cluster (issue 10): a 2-node local cluster in a temp state dir —
# skiff-server in its control-plane netns, two skiff-nodes joined through
# the join flow in their own netns and cgroups, kubectl on the host through
# the loopback forwarder with TLS verified — then node stop/start (a power
# loss: the node's processes die), delete leaving nothing (netns, cgroups,
# processes, bpffs pins, state), and delete after a crash of the tool
# mid-create or with part of the state removed. Needs root. Prints TAP.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
CTL=$BIN/skiffctl
PY=/usr/bin/python3
KUBECTL=${KUBECTL:-$(command -v kubectl)}

T=$(mktemp -d /tmp/skiff-cluster-test.XXXXXX)
export SKIFF_CLUSTER_DIR=$T/clusters
export HOME=$T # never read the caller's ~/.kube/config
C=t$$
C2=t$$-crash
C3=t$$-partial
cleanup() {
	for n in "$C" "$C2" "$C3"; do
		"$CTL" cluster delete "$n" >/dev/null 2>&1
	done
	rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/tap_lib.sh"

run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}
# alive PID: a process that has not exited (zombies waiting for init to
# reap them, as killed daemons are for a moment, count as dead).
alive() {
	local st
	st=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) && [ "$st" != Z ] && [ "$st" != X ]
}
# cond DESC COMMAND...: ok when the command succeeds.
cond() {
	local desc=$1
	shift
	if "$@" >>"$T/err" 2>&1; then ok "$desc"; else not_ok "$desc"; fi
}

for b in "$CTL" "$BIN/skiff-server" "$BIN/skiff-node"; do
	if [ ! -x "$b" ]; then
		echo "1..0 # SKIP $b not built"
		exit 0
	fi
done
if [ "$(id -u)" != 0 ] || [ -z "$KUBECTL" ]; then
	echo "1..0 # SKIP needs root and kubectl"
	exit 0
fi
CGROOT=/sys/fs/cgroup/unified
[ -d $CGROOT/cgroup.procs ] || [ -f $CGROOT/cgroup.procs ] || CGROOT=/sys/fs/cgroup
echo "1..31"

D=$SKIFF_CLUSTER_DIR/$C
KC=$D/kubeconfig

# --- create ---
run "$CTL" cluster create --name "$C" --nodes 2 --wait 60
check "cluster create makes a 2-node cluster and prints how to use its kubeconfig" 0 \
	"export KUBECONFIG=$KC" "" "Cluster \"$C\" is ready"
SUBNET=$($PY -c "import json; print(json.load(open('$D/manifest.json'))['subnet'])" 2>/dev/null)
PREFIX=${SUBNET%.0}
PORT=$($PY -c "import json; print(json.load(open('$D/manifest.json'))['apiPort'])" 2>/dev/null)

run "$KUBECTL" --kubeconfig "$KC" get ns
check "kubectl on the host lists namespaces through the forwarder" 0 "kube-system"
run "$KUBECTL" --kubeconfig "$KC" get --raw /healthz
check "kubectl get --raw /healthz answers ok" 0 "ok"
run "$KUBECTL" --kubeconfig "$KC" get nodes
check "kubectl get nodes works" 0
# TLS is verified: the kubeconfig pins the CA, and the server's
# certificate names 127.0.0.1, the forwarder's address.
: >"$T/out"
if ! grep -q insecure "$KC" && grep -q "certificate-authority-data" "$KC" &&
	grep -q "server: https://127.0.0.1:$PORT" "$KC" &&
	curl -sS --cacert "$D/server/ca.crt" "https://127.0.0.1:$PORT/healthz" >"$T/out" 2>"$T/err" &&
	grep -qx ok "$T/out"; then
	ok "the kubeconfig points at https://127.0.0.1:$PORT with the CA; TLS verifies through the forwarder"
else
	not_ok "the kubeconfig points at https://127.0.0.1:$PORT with the CA; TLS verifies through the forwarder"
fi

# Each node joined with its own credential: SelfSubjectReview as it says
# system:node:<name>.
for i in 1 2; do
	NK=$D/nodes/$C-node-$i/kubeconfig
	TOK=$(awk '/token:/ {print $2; exit}' "$NK" 2>/dev/null)
	run curl -sS --cacert "$D/server/ca.crt" -H "Authorization: Bearer ${TOK:-none}" -X POST \
		-H 'Content-Type: application/json' \
		-d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}' \
		"https://127.0.0.1:$PORT/apis/authentication.k8s.io/v1/selfsubjectreviews"
	pycheck "node $i joined: its kubeconfig's credential is system:node:$C-node-$i" \
		"j['status']['userInfo']['username'] == 'system:node:$C-node-$i'"
done

# Where things run: each skiff-node in its own netns and node cgroup, the
# server in the control-plane netns.
in_place() { # PIDFILE NETNS CGROUP
	local pid
	pid=$(cat "$1") || return 1
	[ "$(stat -L -c %i "/proc/$pid/ns/net")" = "$(stat -L -c %i "/run/netns/$2")" ] &&
		grep -qx "0::${3#"$CGROOT"}" "/proc/$pid/cgroup"
}
cond "skiff-server runs in sk-$C-cp, in the cluster's server cgroup" \
	in_place "$D/server.pid" "sk-$C-cp" "$CGROOT/sk-$C/server"
cond "each skiff-node runs in its node netns and node cgroup" eval \
	"in_place $D/nodes/$C-node-1/skiff-node.pid sk-$C-node-1 $CGROOT/sk-$C/$C-node-1 &&
	 in_place $D/nodes/$C-node-2/skiff-node.pid sk-$C-node-2 $CGROOT/sk-$C/$C-node-2"
cond "each node netns has eth0 with its own address (.11, .12) and reaches the server" eval \
	"ip netns exec sk-$C-node-1 ip -o -4 addr show eth0 | grep -q ' $PREFIX.11/24' &&
	 ip netns exec sk-$C-node-2 ip -o -4 addr show eth0 | grep -q ' $PREFIX.12/24' &&
	 ip netns exec sk-$C-node-2 curl -s -o /dev/null --cacert $D/server/ca.crt https://$PREFIX.2:6443/healthz"
cond "the root namespace has no address or route in $SUBNET/24" eval \
	"! ip -o -4 addr | grep -q ' $PREFIX\.' && ! ip route | grep -q '^$PREFIX\.'"
cond "each node's BPF pins are in its own bpffs under the state dir" eval \
	"[ \"\$(stat -f -c %T $D/nodes/$C-node-1/bpf)\" = bpf_fs ] && [ -n \"\$(ls $D/nodes/$C-node-2/bpf)\" ]"

run "$CTL" cluster list
check "cluster list shows the cluster Running with 2/2 nodes" 0 "2       2/2       Running"
run "$CTL" cluster list -o json
pycheck "cluster list -o json" \
	"[(c['nodes'], c['nodesRunning'], c['status'], c['server']) for c in j['items'] if c['name'] == '$C'] == [(2, 2, 'Running', 'https://127.0.0.1:$PORT')]"
run "$CTL" cluster kubeconfig "$C"
cond "cluster kubeconfig prints the kubeconfig" cmp -s "$T/out" "$KC"
run "$CTL" cluster create --name "$C"
check "a second create of the same name fails" fail "" "cluster \"$C\" already exists"

# --- node stop / start ---
NODE1=$(cat "$D/nodes/$C-node-1/skiff-node.pid")
CG1=$CGROOT/sk-$C/$C-node-1
# A stand-in for a pod: a process in the node's cgroup.
sleep 600 &
POD=$!
disown $POD # no "Killed" job notice; alive() counts its zombie as dead
echo $POD >"$CG1/cgroup.procs"
KSUM=$(md5sum <"$D/nodes/$C-node-1/kubeconfig")
run "$CTL" cluster node stop "$C" "$C-node-1"
cond "node stop kills the node's skiff-node and its pods (SIGKILL)" eval \
	"[ \$RC = 0 ] && ! alive $NODE1 && ! alive $POD && [ -z \"\$(cat $CG1/cgroup.procs)\" ]"
link_up() { ip netns exec "sk-$C-net" ip -o link show "v-node-$1" | grep -q '[<,]UP[,>]'; }
cond "node stop takes the node off the cluster's network (its link down), node 2's stays up" \
	eval "! link_up 1 && link_up 2"
run "$CTL" cluster list
check "cluster list shows the stopped node" 0 "1/2       Degraded"
run "$CTL" cluster node start "$C" node-1 --wait 30
check "node start brings it back" 0 "node $C-node-1 started"
cond "node start puts its link up again" link_up 1
cond "the restarted node reuses its credential and its pins" eval \
	"[ \"\$(md5sum <$D/nodes/$C-node-1/kubeconfig)\" = '$KSUM' ] &&
	 grep -q 'already joined\|links adopted' $D/nodes/$C-node-1/skiff-node.log &&
	 ! grep -q -- '--token' /proc/\$(cat $D/nodes/$C-node-1/skiff-node.pid)/cmdline"
run "$CTL" cluster node stop "$C" node-9
check "node stop of an unknown node fails naming the nodes" fail "" "has no node \"node-9\""

# --- delete ---
# gone CLUSTER PIDS...: nothing of the cluster remains.
gone() {
	local n=$1 p
	shift
	for p in "$@"; do alive "$p" && echo "# process $p is alive" && return 1; done
	[ -z "$(ls /run/netns 2>/dev/null | grep "^sk-$n-")" ] && [ ! -e "$CGROOT/sk-$n" ] &&
		! grep -q " $SKIFF_CLUSTER_DIR/$n/" /proc/self/mountinfo &&
		[ ! -e "$SKIFF_CLUSTER_DIR/$n" ] &&
		[ -z "$(ls -d /sys/fs/cgroup/*/sk-"$n" 2>/dev/null)" ]
}
# what runc makes for a pod in the cgroup v1 hierarchies of a hybrid host
V1=
for h in memory pids; do
	[ -d /sys/fs/cgroup/$h ] && [ "$CGROOT" != /sys/fs/cgroup ] || continue
	mkdir -p /sys/fs/cgroup/$h/sk-"$C"/"$C"-node-1/pods/podtest/ctr && V1="$V1 $h"
done
PIDS="$(echo $(cat "$D"/server.pid "$D"/forward.pid "$D"/nodes/*/skiff-node.pid))"
run "$CTL" cluster delete "$C"
check "cluster delete succeeds" 0 "Deleted cluster \"$C\""
cond "delete leaves no netns, cgroup (v2, nor v1:$V1), process, bpffs mount or state" gone "$C" $PIDS
run "$CTL" cluster kubeconfig "$C"
check "kubeconfig of a deleted cluster fails" fail "" "no kubeconfig for cluster \"$C\""

# --- delete after a crash of the tool in the middle of create ---
"$CTL" cluster create --name "$C2" --nodes 2 >/dev/null 2>&1 &
CPID=$!
for _ in $(seq 300); do
	[ -s "$SKIFF_CLUSTER_DIR/$C2/server.pid" ] && break
	sleep 0.01
done
kill -9 $CPID 2>/dev/null
wait $CPID 2>/dev/null
sleep 0.3
PIDS="$(echo $(cat "$SKIFF_CLUSTER_DIR/$C2"/server.pid "$SKIFF_CLUSTER_DIR/$C2"/forward.pid \
	"$SKIFF_CLUSTER_DIR/$C2"/nodes/*/skiff-node.pid 2>/dev/null) $(cat $CGROOT/sk-$C2/*/cgroup.procs 2>/dev/null))"
cond "a create killed mid-way left parts behind (netns, cgroup, server)" eval \
	"[ -e /run/netns/sk-$C2-net ] && [ -d $CGROOT/sk-$C2 ] && [ -n \"$PIDS\" ]"
run "$CTL" cluster delete "$C2"
cond "delete after the crash removes everything" eval "[ \$RC = 0 ] && gone $C2 $PIDS"

# --- delete with the manifest and pid files gone ---
run "$CTL" cluster create --name "$C3" --nodes 1 --wait 60
D3=$SKIFF_CLUSTER_DIR/$C3
PIDS="$(echo $(cat "$D3"/server.pid "$D3"/forward.pid "$D3"/nodes/*/skiff-node.pid 2>/dev/null))"
rm -f "$D3"/manifest.json "$D3"/*.pid "$D3"/nodes/*/*.pid "$D3"/kubeconfig
run "$CTL" cluster delete "$C3"
cond "delete without manifest or pid files finds everything by name" eval \
	"[ \$RC = 0 ] && [ -n \"$PIDS\" ] && gone $C3 $PIDS"

# --- a create that fails removes what it made ---
# A skiffctl next to a skiff-server that cannot start (the binaries are
# looked up beside skiffctl first).
mkdir -p "$T/bin"
cp "$CTL" "$T/bin/skiffctl"
ln -s "$BIN/skiff-node" "$T/bin/skiff-node"
printf '#!/bin/sh\necho "listen tcp: address already in use (test)" >&2\nexit 1\n' >"$T/bin/skiff-server"
chmod +x "$T/bin/skiff-server"
run "$T/bin/skiffctl" cluster create --name "$C" --wait 10
check "create fails when skiff-server does not start, showing its log" fail "" \
	"address already in use (test)"
cond "the failed create removed everything it made" gone "$C"

[ "$FAILS" -eq 0 ]
