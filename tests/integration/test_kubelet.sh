#!/bin/bash
# The kubelet end to end (issue 10), in one 2-node cluster made with
# `skiffctl cluster create` and driven with kubectl: pods of the `host`
# image bound by the test (spec.nodeName), a Service whose EndpointSlice the
# controller writes. Pod IPs from the node's podCIDR, pod ->
# pod across nodes directly and through a Service; resolv.conf, hosts,
# hostname, cluster DNS; a killed container restarts, CrashLoopBackOff with
# growing delays, OOMKilled, the CPU quota in the cgroup; deletion (SIGTERM,
# SIGKILL after the grace period, nothing left); skiff-node restarted keeps
# the pods, killed while a pod is deleted cleans it up at start; configMap,
# secret, emptyDir volumes, env references, the ServiceAccount token with
# RBAC; bad specs reported in the status. What a pod saw is read from its
# log file on the node (CRI format). Needs root. Prints TAP.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
CTL=$BIN/skiffctl
PY=/usr/bin/python3
KUBECTL=${KUBECTL:-$(command -v kubectl)}

T=$(mktemp -d /tmp/skiff-kubelet-test.XXXXXX)
chmod 755 "$T"
export SKIFF_CLUSTER_DIR=$T/clusters
export HOME=$T # never read the caller's ~/.kube/config
C=k$$
cleanup() {
	"$CTL" cluster delete "$C" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/tap_lib.sh"

# cond DESC COMMAND...: ok when the command succeeds.
cond() {
	local desc=$1
	shift
	: >"$T/out"
	if "$@" >"$T/err" 2>&1; then ok "$desc"; else not_ok "$desc"; fi
}
# has PATTERN FILE: grep, showing the file when it lacks the pattern.
has() { grep -q -- "$1" "$2" || { cat "$2"; false; }; }

need_cluster
echo "1..58"

D=$SKIFF_CLUSTER_DIR/$C
KC=$D/kubeconfig
N1=$C-node-1
N2=$C-node-2
K() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
# jp POD JSONPATH
jp() { K get pod "$1" -o "jsonpath=$2" 2>/dev/null; }
# jp_is POD JSONPATH WANT
jp_is() { [ "$(jp "$1" "$2")" = "$3" ]; }
phase_is() { [ "$(jp "$1" '{.status.phase}')" = "$2" ]; }
ready_is() { [ "$(jp "$1" '{.status.containerStatuses[0].ready}')" = "$2" ]; }
waiting_is() { [ "$(jp "$1" '{.status.containerStatuses[0].state.waiting.reason}')" = "$2" ]; }
# podlog POD [CTR] [RUN]: what the container printed (its CRI log on the
# node, the timestamp/stream/tag prefix dropped).
podlog() {
	local uid node
	uid=$(jp "$1" '{.metadata.uid}')
	node=$(jp "$1" '{.spec.nodeName}')
	sed -E 's/^[^ ]+ (stdout|stderr) [FP] //' \
		"$D/nodes/$node/root/pods/$uid/logs/${2:-c}/${3:-0}.log" 2>/dev/null
}
# ctr_cg POD CONTROLLER [CTR]: the container's cgroup directory.
ctr_cg() {
	local uid node
	uid=$(jp "$1" '{.metadata.uid}')
	node=$(jp "$1" '{.spec.nodeName}')
	echo "/sys/fs/cgroup/$2/sk-$C/$node/pods/pod$uid/${uid}_${3:-c}"
}
ctr_pids() { cat "$(ctr_cg "$1" memory)/cgroup.procs" 2>/dev/null; }

run "$CTL" cluster create --name "$C" --nodes 2 --wait 60
check "a 2-node cluster is created" 0 "" "" "Cluster \"$C\" is ready"
CIDR1=$(K get node "$N1" -o 'jsonpath={.spec.podCIDR}')
CIDR2=$(K get node "$N2" -o 'jsonpath={.spec.podCIDR}')
mkdir -p "$T/vol"

# pod NAME NODE RESTART_POLICY COMMAND [extra spec YAML, indented 2]
pod() {
	cat <<EOF
---
apiVersion: v1
kind: Pod
metadata: {name: $1, labels: {app: $1}}
spec:
  nodeName: $2
  restartPolicy: $3
  terminationGracePeriodSeconds: 10
${5:-}
  containers:
  - name: c
    image: host
    command: $4
EOF
}
{
	cat <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: cm1}
data: {color: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: s1}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: reader}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader-view}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: reader, namespace: default}]
EOF
	pod web "$N1" Always '["python3", "-m", "http.server", "8080"]'
	pod dns "$N2" Never '["sh", "-c", "cat /etc/resolv.conf /etc/hosts; echo hostname=$(hostname); getent hosts kubernetes.default"]'
	pod fqdn "$N1" Never '["sh", "-c", "echo hostname=$(hostname); cat /etc/hosts"]' \
		'  hostname: h1
  subdomain: sub'
	pod vols "$N1" Never '["sh", "-c", "echo env=$MY_NAME/$MY_NS/$MY_IP/$MY_NODE/$CM/$SEC; echo cm=$(cat /cm/color) sec=$(cat /sec/password); echo hi >/scratch/f && echo scratch=$(cat /scratch/f)"]' \
		'  volumes:
  - {name: cm, configMap: {name: cm1}}
  - {name: sec, secret: {secretName: s1}}
  - {name: scratch, emptyDir: {}}'
	cat <<'EOF'
    env:
    - {name: MY_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: MY_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace}}}
    - {name: MY_IP, valueFrom: {fieldRef: {fieldPath: status.podIP}}}
    - {name: MY_NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: CM, valueFrom: {configMapKeyRef: {name: cm1, key: color}}}
    - {name: SEC, valueFrom: {secretKeyRef: {name: s1, key: password}}}
    volumeMounts:
    - {name: cm, mountPath: /cm}
    - {name: sec, mountPath: /sec}
    - {name: scratch, mountPath: /scratch}
EOF
	pod sa "$N2" Never '["python3", "-c", "import sys, time\nfrom kubernetes import client, config\nconfig.load_incluster_config()\nv = client.CoreV1Api()\nfor i in range(20):\n  try:\n    n = len(v.list_namespaced_service(\"default\").items); break\n  except client.ApiException as e:\n    print(\"list\", e.status); time.sleep(0.5)\nelse:\n  sys.exit(1)\nprint(\"list ok\", n)\ntry:\n  v.delete_namespaced_service(\"kubernetes\", \"default\"); sys.exit(2)\nexcept client.ApiException as e:\n  print(\"delete\", e.status); sys.exit(0 if e.status == 403 else 3)\n"]' \
		'  serviceAccountName: reader'
	pod crash "$N1" Always '["sh", "-c", "exit 3"]'
	pod oom "$N2" Never '["python3", "-c", "import time; b = b\"x\" * (200 << 20); time.sleep(30)"]'
	cat <<'EOF'
    resources: {limits: {memory: 32Mi}}
EOF
	pod cpu "$N1" Always '["sleep", "3600"]'
	cat <<'EOF'
    resources: {limits: {cpu: 500m}}
EOF
	pod kill "$N2" Always '["sleep", "3600"]'
	pod term "$N1" Always '["sh", "-c", "trap \"echo term >/vol/term; exit 0\" TERM; while :; do sleep 0.1; done"]' \
		"  volumes: [{name: vol, hostPath: {path: $T/vol}}]"
	cat <<'EOF'
    volumeMounts: [{name: vol, mountPath: /vol}]
EOF
	pod ignore "$N2" Always '["sh", "-c", "trap \"\" TERM; while :; do sleep 0.1; done"]'
	pod keep "$N2" Always '["sleep", "3600"]'
	pod gone "$N2" Always '["sleep", "3600"]'
	pod badimg "$N1" Always '["sleep", "3600"]' | sed 's/image: host/image: nosuch:1/'
	cat <<'EOF'
---
apiVersion: v1
kind: Pod
metadata: {name: nocmd}
spec:
  nodeName: @N1@
  containers: [{name: c, image: host}]
EOF
	pod badmem "$N2" Always '["sleep", "3600"]'
	cat <<'EOF'
    resources: {limits: {memory: "1"}}
EOF
} | sed "s/@N1@/$N1/" >"$T/pods.yaml"
# ignore: the grace period under test is 3 s
$PY - "$T/pods.yaml" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read().split("\n---\n")
s = [d.replace("terminationGracePeriodSeconds: 10", "terminationGracePeriodSeconds: 3")
     if "name: ignore," in d else d for d in s]
open(p, "w").write("\n---\n".join(s))
EOF
run K apply -f "$T/pods.yaml"
check "the test's pods, ConfigMap, Secret, ServiceAccount and RoleBinding are created" 0 "pod/web created"
# the crashing pod's back-off messages, as the API shows them
WATCH_FMT='jsonpath={.status.containerStatuses[0].ready} {.status.containerStatuses[0].restartCount} {.status.containerStatuses[0].state.waiting.message}{"\n"}'
K get pod crash -w -o "$WATCH_FMT" >"$T/crash.watch" 2>&1 &
W1=$!

# --- addresses, pod -> pod, Service ---
cond "the HTTP server pod runs and is Ready" until_ok 20 ready_is web true
WEB_IP=$(jp web '{.status.podIP}')
in_cidr() { $PY -c "import ipaddress,sys; sys.exit(ipaddress.ip_address('$1') not in ipaddress.ip_network('$2'))"; }
cond "its IP $WEB_IP is in its node's podCIDR $CIDR1" in_cidr "$WEB_IP" "$CIDR1"
cond "its hostIP is its node's InternalIP" test "$(jp web '{.status.hostIP}')" = \
	"$(K get node "$N1" -o 'jsonpath={.status.addresses[?(@.type=="InternalIP")].address}')"
cat >"$T/svc.yaml" <<EOF
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
EOF
run K apply -f "$T/svc.yaml"
check "Service web is written" 0
# the EndpointSlice controller gives it the Ready pod's address
slice_has() {
	K get endpointslices -l kubernetes.io/service-name=web \
		-o 'jsonpath={.items[*].endpoints[*].addresses[*]}' | grep -qw "$1"
}
cond "the EndpointSlice controller puts the Ready pod in web's slice" until_ok 20 slice_has "$WEB_IP"
SVC_IP=$(K get svc web -o 'jsonpath={.spec.clusterIP}')
pod client "$N2" Never "[\"python3\", \"-c\", \"import urllib.request as u\nfor a in ['$WEB_IP:8080', '$SVC_IP', 'web', 'web.default.svc.cluster.local']:\n  print(a, u.urlopen('http://%s/' % a, timeout=5).status)\n\"]" >"$T/client.yaml"
K apply -f "$T/client.yaml" >/dev/null 2>&1
cond "a pod on the other node reaches it by pod IP, ClusterIP and DNS name (exit 0)" \
	until_ok 30 phase_is client Succeeded
cond "the client pod's IP is in its node's podCIDR $CIDR2" in_cidr "$(jp client '{.status.podIP}')" "$CIDR2"
cond "the client printed 200 for each address" test "$(podlog client | grep -c ' 200$')" = 4

# --- resolv.conf, hosts, hostname, DNS ---
until_ok 20 phase_is dns Succeeded
podlog dns >"$T/plog"
DNS_IP=$(K get svc -n kube-system kube-dns -o 'jsonpath={.spec.clusterIP}')
cond "getent hosts kubernetes.default answers in a pod (exit 0)" phase_is dns Succeeded
cond "resolv.conf: nameserver $DNS_IP" grep -qx "nameserver $DNS_IP" "$T/plog"
cond "resolv.conf: search default.svc.cluster.local svc.cluster.local cluster.local" \
	grep -qx "search default.svc.cluster.local svc.cluster.local cluster.local" "$T/plog"
cond "resolv.conf: options ndots:5" grep -qx "options ndots:5" "$T/plog"
cond "hosts has the pod's own entry" grep -qE "^$(jp dns '{.status.podIP}')[[:space:]]+dns\$" "$T/plog"
cond "hostname is the pod's name" grep -qx "hostname=dns" "$T/plog"
cond "kubernetes.default resolves to the kubernetes Service's ClusterIP" \
	grep -qE "^$(K get svc kubernetes -o 'jsonpath={.spec.clusterIP}')[[:space:]]+kubernetes.default.svc.cluster.local" "$T/plog"
until_ok 10 phase_is fqdn Succeeded
podlog fqdn >"$T/plog"
{ grep -qx "hostname=h1" "$T/plog" && grep -qE "[[:space:]]h1.sub.default.svc.cluster.local([[:space:]]|\$)" "$T/plog"; }
res "spec.hostname/subdomain: hostname h1, hosts has h1.sub.default.svc.cluster.local"

# --- volumes, env, ServiceAccount token ---
until_ok 10 phase_is vols Succeeded
podlog vols >"$T/plog"
cond "env from fieldRef, configMapKeyRef, secretKeyRef" \
	grep -qx "env=vols/default/$(jp vols '{.status.podIP}')/$N1/blue/hunter2" "$T/plog"
cond "configMap and secret volumes hold their keys" grep -qx "cm=blue sec=hunter2" "$T/plog"
cond "an emptyDir volume is writable" grep -qx "scratch=hi" "$T/plog"
until_ok 30 phase_is sa Succeeded
podlog sa >"$T/plog"
{ phase_is sa Succeeded && grep -q "^list ok" "$T/plog" && grep -qx "delete 403" "$T/plog"; }
res "the ServiceAccount token lists services (RoleBinding view) and a delete is refused 403"

# --- kill, CrashLoopBackOff, OOM, CPU quota ---
until_ok 10 ready_is kill true
K get pod kill -w -o "$WATCH_FMT" >"$T/kill.watch" 2>&1 &
W2=$!
sleep 0.5
K1=$(ctr_pids kill)
kill -KILL $K1 2>/dev/null
cond "it is restarted at once: restartCount 1, Ready again" \
	until_ok 15 jp_is kill '{.status.containerStatuses[0].restartCount}/{.status.containerStatuses[0].ready}' 1/true
kill $W2
cond "the pod showed Ready false while its container was down" has "^false 0" "$T/kill.watch"
cond "lastState.terminated has exit code 137 (SIGKILL)" \
	test "$(jp kill '{.status.containerStatuses[0].lastState.terminated.exitCode}')" = 137
cond "the restarted container has other processes" test -n "$(ctr_pids kill)" -a "$(ctr_pids kill)" != "$K1"
cond "a memory limit exceeded ends as OOMKilled" until_ok 20 \
	jp_is oom '{.status.phase}/{.status.containerStatuses[0].state.terminated.reason}' Failed/OOMKilled
cond "qosClass: BestEffort without resources, Burstable with a memory limit only" \
	test "$(jp web '{.status.qosClass}')/$(jp oom '{.status.qosClass}')" = BestEffort/Burstable
cond "limits.cpu 500m is cpu.cfs_quota_us 50000 in the container's cgroup" \
	test "$(cat "$(ctr_cg cpu cpu)/cpu.cfs_quota_us" 2>/dev/null)" = 50000
crash_msg() { has "back-off $1s" "$T/crash.watch"; }
cond "a crashing command goes into CrashLoopBackOff (back-off 10s)" until_ok 30 crash_msg 10
cond "the back-off grows (20s)" until_ok 30 crash_msg 20
kill $W1
R=$(jp crash '{.status.containerStatuses[0].restartCount}')
{ test "$R" -ge 2 -a "$R" -le 3 -a "$(jp crash '{.status.containerStatuses[0].lastState.terminated.exitCode}')" = 3 && waiting_is crash CrashLoopBackOff; }
res "restartCount $R, lastState exit code 3, waiting reason CrashLoopBackOff"

# --- bad specs ---
{ waiting_is badimg ErrImageNeverPull && jp badimg '{.status.containerStatuses[0].state.waiting.message}' | grep -q "import it as"; }
res "unknown image: ErrImageNeverPull with how to import it"
cond "image host without command: CreateContainerConfigError" waiting_is nocmd CreateContainerConfigError
{ waiting_is badmem CreateContainerConfigError && jp badmem '{.status.containerStatuses[0].state.waiting.message}' | grep -q "resources.limits.memory"; }
res "memory limit of 1 byte: CreateContainerConfigError naming resources.limits.memory"
cond "the other pods are undisturbed (web Ready, 0 restarts)" \
	test "$(jp web '{.status.containerStatuses[0].ready}/{.status.containerStatuses[0].restartCount}')" = true/0

# --- skiffctl shows pods as kubectl does ---
# same_as_kubectl ARGS...: skiffctl's output is kubectl's (trailing blanks
# and the AGE column aside, which may tick between the two calls).
same_as_kubectl() {
	K "$@" | sed 's/ *$//' | awk '{ $5 = ""; print }' >"$T/k.txt"
	"$CTL" --kubeconfig "$KC" "$@" | sed 's/ *$//' | awk '{ $5 = ""; print }' >"$T/s.txt"
	diff "$T/k.txt" "$T/s.txt" && [ -s "$T/s.txt" ]
}
cond "skiffctl get pods -o wide: NAME READY STATUS RESTARTS AGE IP NODE as kubectl" \
	same_as_kubectl get pods -o wide
run "$CTL" --kubeconfig "$KC" get pods -o wide
check "skiffctl get pods -o wide shows the web pod's IP and node" 0 "$WEB_IP" "" "$N1"
# In the Events section (the last one) ages tick between the two calls and
# the column widths follow them: ages become AGE and runs of blanks one.
same_describe() {
	local norm='s/ *$//; /^Events:/,$ { s/[0-9]+[smhd]/AGE/g; s/  +/ /g; }'
	K describe pod "$1" | sed -E "$norm" >"$T/k.txt"
	"$CTL" --kubeconfig "$KC" describe pod "$1" | sed -E "$norm" >"$T/s.txt"
	diff "$T/k.txt" "$T/s.txt" && grep -q "^Containers:" "$T/s.txt"
}
cond "skiffctl describe pod (running, volumes, env references) is kubectl's layout" same_describe vols
cond "skiffctl describe pod of a crash-looping pod (states, restarts, conditions) too" same_describe crash
run "$CTL" --kubeconfig "$KC" describe pod crash
check "describe pod shows the node, the waiting reason and the last exit code" 0 \
	"Node:         $N1/" "" "      Reason:       CrashLoopBackOff"
cond "a crash-looping pod (restartPolicy Always) is Running, as upstream's getPhase" \
	phase_is crash Running

# --- deletion ---
# leftovers POD UID NODE: nothing of the pod remains on its node.
leftovers() {
	local uid=$2 node=$3 n=${3##*-} links
	[ -e "$D/nodes/$node/root/pods/$uid" ] && echo "pod dir" && return 0
	compgen -G "/sys/fs/cgroup/*/sk-$C/$node/pods/pod$uid" >/dev/null && echo cgroup && return 0
	grep -q "$uid" /proc/self/mountinfo && echo mount && return 0
	links=$(ip netns exec "sk-$C-node-$n" ip -o link) || { echo "cannot list $node's links"; return 0; }
	case $links in *veth${uid:0:8}*) echo veth && return 0 ;; esac
	grep -lq -- "$uid" "$D"/nodes/"$node"/root/ipam/* 2>/dev/null && echo address && return 0
	pgrep -f -- "$uid" >/dev/null && echo process && return 0
	return 1
}
nothing_left() { ! leftovers "$@" >>"$T/err"; }
TU=$(jp term '{.metadata.uid}')
until_ok 10 ready_is term true
run K delete pod term --wait=false
cond "deleting a pod delivers SIGTERM (the trap wrote the file)" until_ok 10 test -s "$T/vol/term"
cond "the pod is gone from the API" until_ok 15 sh -c "! $KUBECTL --kubeconfig $KC get pod term 2>/dev/null"
cond "nothing of it remains: process, netns, veth, address, cgroup, mount, dir" until_ok 5 nothing_left term "$TU" "$N1"
IU=$(jp ignore '{.metadata.uid}')
until_ok 10 ready_is ignore true
START=$SECONDS
K delete pod ignore --wait=false >/dev/null 2>&1
cond "during its grace period the pod is Terminating in the API (deletionTimestamp, 3 s) and runs" \
	eval "[ \"\$(jp ignore '{.metadata.deletionGracePeriodSeconds}')\" = 3 ] &&
	 K get pod ignore | grep -q Terminating && pgrep -f -- $IU >/dev/null"
no_shim() { ! pgrep -f -- "$1" >/dev/null; }
until_ok 20 no_shim "$IU"
EL=$((SECONDS - START))
cond "a pod ignoring SIGTERM is killed after its 3 s grace period (${EL}s)" test $EL -ge 2 -a $EL -le 6
cond "once stopped, its kubelet removes it from the API (DELETE with grace 0)" \
	until_ok 10 sh -c "! $KUBECTL --kubeconfig $KC get pod ignore 2>/dev/null"
cond "nothing of it remains" until_ok 10 nothing_left ignore "$IU" "$N2"

# --- skiff-node restart ---
until_ok 10 ready_is keep true
P1=$(ctr_pids keep)
run "$CTL" cluster node restart "$C" "$N2" --wait 30
check "cluster node restart restarts only skiff-node" 0 "restarted"
cond "the pod keeps its container processes ($P1)" test -n "$P1" -a "$(ctr_pids keep)" = "$P1"
sleep 1
cond "and stays Running and Ready with 0 restarts" \
	test "$(jp keep '{.status.phase}/{.status.containerStatuses[0].ready}/{.status.containerStatuses[0].restartCount}')" = Running/true/0
until_ok 10 ready_is gone true
GU=$(jp gone '{.metadata.uid}')
kill -KILL "$(cat "$D/nodes/$N2/skiff-node.pid")"
K delete pod gone --wait=false >/dev/null 2>&1
sleep 1
cond "while skiff-node is dead the deleted pod's container still runs" pgrep -f -- "$GU"
run "$CTL" cluster node restart "$C" "$N2" --wait 30
check "skiff-node starts again after SIGKILL" 0 "restarted"
cond "the deleted pod's leftovers are removed at start" until_ok 20 nothing_left gone "$GU" "$N2"
cond "the other pod still runs with the same processes" test "$(ctr_pids keep)" = "$P1"

# The node controller marks a node it did not hear from Unknown; a kubelet
# that is alive says Ready again at once (it reads the server's copy).
node_ready() { [ "$(K get node "$N1" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}')" = "$1" ]; }
run K patch node "$N1" --subresource=status --type=merge -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' \
	-p '{"status":{"conditions":[{"type":"Ready","status":"Unknown","reason":"NodeStatusUnknown"}]}}'
check "the node's Ready condition is patched to Unknown" 0 Unknown
cond "a Ready condition set to Unknown behind the kubelet's back is set True again" until_ok 15 node_ready True

exit $((FAILS > 0))
