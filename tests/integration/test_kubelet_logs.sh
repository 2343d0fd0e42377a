#!/bin/bash
# Container logs (issue 10): in a 2-node `skiffctl cluster`, a pod printing
# a line every 0.2 s; `kubectl logs` (1.32 and 1.20) through skiff-server's
# pods/log proxy to the kubelet's port 10250: the lines, --tail, -f
# following new lines, --previous after the container was killed and
# restarted, -c with two containers and the 400 without it; python's
# read_namespaced_pod_log; skiffctl logs; and node 1's credential refused
# (403) by node 2's kubelet for node 2's pod. Needs root. Prints TAP.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
CTL=$BIN/skiffctl
PY=/usr/bin/python3
KUBECTL=${KUBECTL:-$(command -v kubectl)}
K120=/opt/skiff/kubectl-1.20/usr/bin/kubectl

T=$(mktemp -d /tmp/skiff-logs-test.XXXXXX)
export SKIFF_CLUSTER_DIR=$T/clusters
export HOME=$T
C=l$$
cleanup() {
	[ -n "${FPID:-}" ] && kill "$FPID" 2>/dev/null
	"$CTL" cluster delete "$C" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/tap_lib.sh"
run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}
cond() {
	local desc=$1
	shift
	if "$@" >>"$T/err" 2>&1; then ok "$desc"; else not_ok "$desc"; fi
}
for b in "$CTL" "$BIN/skiff-server" "$BIN/skiff-node"; do
	[ -x "$b" ] || { echo "1..0 # SKIP $b not built"; exit 0; }
done
if [ "$(id -u)" != 0 ] || [ -z "$KUBECTL" ]; then
	echo "1..0 # SKIP needs root and kubectl"
	exit 0
fi
echo "1..15"

D=$SKIFF_CLUSTER_DIR/$C
KC=$D/kubeconfig
export KUBECONFIG=$KC
run "$CTL" cluster create --name "$C" --nodes 2 --wait 90
check "a 2-node cluster" 0 || exit 1
N2=$C-node-2

LOOP='i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done'
cat >"$T/pods.yaml" <<YAML
apiVersion: v1
kind: Pod
metadata: {name: talker}
spec:
  nodeName: $N2
  containers:
  - name: main
    image: host
    command: ["sh", "-c", "$LOOP"]
---
apiVersion: v1
kind: Pod
metadata: {name: duo}
spec:
  nodeName: $N2
  containers:
  - name: a
    image: host
    command: ["sh", "-c", "echo from-a; sleep 3600"]
  - name: b
    image: host
    command: ["sh", "-c", "echo from-b; sleep 3600"]
YAML
run "$KUBECTL" apply -f "$T/pods.yaml"
check "pods created" 0
run "$KUBECTL" wait --for=condition=Ready pod/talker pod/duo --timeout=60s
check "pods Ready" 0
sleep 1.5

run "$KUBECTL" logs talker
check "kubectl logs shows the lines (CRI prefix stripped)" 0 $'line 0\nline 1'
cond "... and nothing but the lines" eval "! grep -v '^line [0-9]*$' $T/out && [ -s $T/out ]"
run "$KUBECTL" logs talker --tail 2
cond "kubectl logs --tail 2 prints the last two lines" eval \
	"[ $RC = 0 ] && [ \$(wc -l <$T/out) = 2 ] && grep -q '^line [0-9]*$' $T/out"
run "$K120" logs talker --tail=1 --timestamps
cond "kubectl 1.20 logs --tail=1 --timestamps: one line with its RFC 3339 time" eval \
	"[ $RC = 0 ] && [ \$(wc -l <$T/out) = 1 ] && grep -Eq '^20[0-9-]+T[0-9:.]+Z line [0-9]+$' $T/out"

# -f: the lines written after it started arrive while it runs
"$KUBECTL" logs -f talker --tail 1 >"$T/follow" 2>&1 &
FPID=$!
sleep 2.5
kill "$FPID" 2>/dev/null
wait "$FPID" 2>/dev/null
FPID=
cond "kubectl logs -f follows: new lines keep coming" eval \
	"[ \$(wc -l <$T/follow) -ge 6 ] && ! grep -v '^line [0-9]*$' $T/follow"

# --previous after the container was killed and restarted
UID_=$("$KUBECTL" get pod talker -o jsonpath='{.metadata.uid}')
PIDS=$(cat $(find /sys/fs/cgroup/ -path "*pod$UID_*" -name cgroup.procs 2>/dev/null) 2>/dev/null | sort -u)
run "$KUBECTL" logs talker --previous
check "--previous before any restart: upstream's 400" 1 "" "previous terminated container \"main\" in pod \"talker\" not found"
[ -n "$PIDS" ] && kill -9 $PIDS 2>/dev/null
for _ in $(seq 50); do
	[ "$("$KUBECTL" get pod talker -o jsonpath='{.status.containerStatuses[0].restartCount}')" = 1 ] && break
	sleep 0.2
done
sleep 1
"$KUBECTL" logs talker --previous >"$T/prev" 2>&1
"$KUBECTL" logs talker >"$T/cur" 2>&1
cond "kubectl logs --previous shows the killed run, logs the new one (from line 0 again)" eval \
	"[ \$(wc -l <$T/prev) -ge 10 ] && head -1 $T/cur | grep -qx 'line 0' && [ \$(wc -l <$T/cur) -lt \$(wc -l <$T/prev) ]"

# (kubectl picks the first container itself: ask the API directly)
run "$KUBECTL" get --raw /api/v1/namespaces/default/pods/duo/log
check "two containers without container=: upstream's 400" 1 "" "a container name must be specified for pod duo, choose one of: [a b]"
run "$KUBECTL" logs duo -c b
check "kubectl logs -c b" 0 "from-b"

run $PY -c "
from kubernetes import client, config
config.load_kube_config('$KC')
v = client.CoreV1Api()
print(v.read_namespaced_pod_log('duo', 'default', container='a'), end='')
print(v.read_namespaced_pod_log('talker', 'default', tail_lines=1), end='')
"
cond "python read_namespaced_pod_log" eval "grep -qx from-a $T/out && [ \$(wc -l <$T/out) = 2 ]"

run "$CTL" logs duo -c a
check "skiffctl logs -c a" 0 "from-a"

# node 1's own credential at node 2's port, from node 1's netns
IP2=$("$KUBECTL" get node "$N2" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')
TOK1=$(awk '/token:/ {print $2; exit}' "$D/nodes/$C-node-1/kubeconfig")
run ip netns exec "sk-$C-node-1" curl -sk -o /dev/null -w '%{http_code}' \
	-H "Authorization: Bearer $TOK1" "https://$IP2:10250/containerLogs/default/talker/main"
cond "node 1's credential gets 403 from node 2's kubelet" eval "[ \"\$(cat $T/out)\" = 403 ]"
exit $((FAILS > 0))
