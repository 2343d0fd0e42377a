#!/bin/bash
# The pods part of `make demo` (called by scripts/demo.sh), in the cluster
# demo.sh made with `skiffctl cluster create --nodes 2`:
#
#   demo_dataplane.sh run BIN CLUSTER
#
# Two web pods, one per node (image "host": the host's /usr read-only in a
# root of their own; the server's code from a ConfigMap volume), a Service
# whose EndpointSlice is written here (there are no controllers yet), a
# client pod on node 2 calling the Service by its DNS name (cluster DNS ->
# ClusterIP -> a pod, chosen by skiff-node's socket load balancer at
# connect()), `skiffctl backends` from the node's pinned maps, least-busy
# selection (4 connections held on web-1: new ones go to web-2), a container
# killed from the host and restarted by the kubelet, and node 1 powered off
# (`skiffctl cluster node stop`) while node 2's pod goes on answering.
#
# Everything lives in the cluster: `skiffctl cluster delete` (demo.sh's
# trap) removes it. Traffic stays inside the cluster's namespaces.
# Exit status: 0 when the demo ran, 1 with the reason when it could not.
set -uo pipefail

say() { printf '\n\033[1m-- %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
fail() {
	echo "pods demo: $*" >&2
	exit 1
}
# wait_for SECS COMMAND...: retry five times a second until it succeeds.
wait_for() {
	local n=$(($1 * 5))
	shift
	until "$@" >/dev/null 2>&1; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.2
	done
}
jp() { kubectl get pod "$1" -o "jsonpath=$2" 2>/dev/null; }
jp_is() { [ "$(jp "$1" "$2")" = "$3" ]; }

# What a pod printed: `kubectl logs`, else its CRI log file on the node.
pod_log() {
	local uid node
	kubectl logs "$1" 2>/dev/null && return 0
	uid=$(jp "$1" '{.metadata.uid}')
	node=$(jp "$1" '{.spec.nodeName}')
	sed -E 's/^[^ ]+ (stdout|stderr) [FP] //' "$D/nodes/$node/root/pods/$uid/logs/c/0.log"
}

# app_pod NAME SCRIPT ARGS...: a pod on node 2 running /app/SCRIPT.
app_pod() {
	local name=$1 args="" a
	shift
	for a in "${@:2}"; do
		args="$args, \"$a\""
	done
	cat <<EOF | kubectl apply -f - >/dev/null || fail "could not create pod $name"
apiVersion: v1
kind: Pod
metadata: {name: $name}
spec:
  nodeName: $N2
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  volumes: [{name: app, configMap: {name: web-app}}]
  containers:
  - name: c
    image: host
    command: [python3, /app/$1$args]
    volumeMounts: [{name: app, mountPath: /app}]
EOF
	printf '$ kubectl apply -f %s.yaml   # on %s: python3 /app/%s\n' "$name" "$N2" "$*"
}

# client NAME: a pod on node 2 making 10 requests to http://web; its answers.
client() {
	app_pod "$1" client.py web.default.svc.cluster.local 10
	wait_for 30 jp_is "$1" '{.status.phase}' Succeeded ||
		{ pod_log "$1"; fail "pod $1 did not succeed ($(jp "$1" '{.status.phase}'))"; }
	show pod_log "$1"
	echo "answers by pod:"
	pod_log "$1" | grep ' on ' | sort | uniq -c
}

# held N: the holder pod holds N connections.
held() { [ "$(pod_log holder | grep -c '^held:')" -ge "$1" ]; }

# slice SERVICE IP...: the Service's EndpointSlice, the given pod IPs ready.
slice() {
	local svc=$1 eps="" ip
	shift
	for ip in "$@"; do
		eps="$eps{addresses: [\"$ip\"], conditions: {ready: true}},"
	done
	cat <<EOF | kubectl apply -f -
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: $svc-demo, labels: {kubernetes.io/service-name: $svc}}
addressType: IPv4
ports: [{name: http, port: 8080, protocol: TCP}]
endpoints: [${eps%,}]
EOF
}

run() {
	local BIN=$1 C=$2 ip1 ip2 pids
	D=${SKIFF_CLUSTER_DIR:?}/$C
	N1=$C-node-1
	N2=$C-node-2
	export PATH=$BIN:$PATH

	say "Two web pods, one per node; their code comes from a ConfigMap volume"
	cat >"$D/web.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: web-app}
data:
  server.py: |
    import http.server, os
    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: a client may hold a connection
        def do_GET(self):
            b = ("%s on %s\n" % (os.environ["POD"], os.environ["NODE"])).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)
        def log_message(self, *a):
            pass
    http.server.ThreadingHTTPServer(("", 8080), H).serve_forever()
  client.py: |
    import socket, sys, urllib.request
    host, n = sys.argv[1], int(sys.argv[2])
    print("%s is %s" % (host, socket.gethostbyname(host)))
    for i in range(n):
        print(urllib.request.urlopen("http://%s/" % host, timeout=3).read().decode().strip())
  holder.py: |
    import http.client, sys, time
    held = []
    for i in range(int(sys.argv[2])):
        c = http.client.HTTPConnection(sys.argv[1], 80, timeout=5)
        c.request("GET", "/")
        print("held:", c.getresponse().read().decode().strip(), flush=True)
        held.append(c)
    time.sleep(300)
---
apiVersion: v1
kind: Service
metadata: {name: web-one}
spec:
  ports: [{name: http, port: 80, targetPort: 8080}]
EOF
	for i in 1 2; do
		cat >>"$D/web.yaml" <<EOF
---
apiVersion: v1
kind: Pod
metadata: {name: web-$i, labels: {app: web}}
spec:
  nodeName: $C-node-$i
  volumes: [{name: app, configMap: {name: web-app}}]
  containers:
  - name: c
    image: host
    command: [python3, /app/server.py]
    ports: [{containerPort: 8080}]
    env:
    - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    volumeMounts: [{name: app, mountPath: /app}]
EOF
	done
	show kubectl apply -f "$D/web.yaml" || fail "could not create the web pods"
	for i in 1 2; do
		wait_for 30 jp_is "web-$i" '{.status.containerStatuses[0].ready}' true ||
			fail "pod web-$i did not become Ready"
	done
	show skiffctl get pods -o wide
	ip1=$(jp web-1 '{.status.podIP}')
	ip2=$(jp web-2 '{.status.podIP}')
	echo "web-1 $ip1 is in $N1's podCIDR $(kubectl get node "$N1" -o 'jsonpath={.spec.podCIDR}')," \
		"web-2 $ip2 in $N2's $(kubectl get node "$N2" -o 'jsonpath={.spec.podCIDR}')"

	say "Service web's EndpointSlice, written here (no endpoints controller yet)"
	show slice web "$ip1" "$ip2" || fail "could not write the EndpointSlice"
	show kubectl get endpointslices -l kubernetes.io/service-name=web

	say "A client pod on $N2 calls http://web.default.svc.cluster.local 10 times"
	client client-1
	show skiffctl backends default/web --bpf-pin-dir "$D/nodes/$N2/bpf"

	say "Least busy: a pod on $N2 holds 4 connections to web-1 (Service web-one, web-1 only)"
	show slice web-one "$ip1"
	app_pod holder holder.py web-one 4
	wait_for 30 held 4 || { pod_log holder; fail "the holder pod did not connect"; }
	show pod_log holder
	echo "(the count of active connections is per pod address, shared by the Services)"
	client client-2
	pod_log client-2 | grep -q "web-1 on" && fail "a new connection went to the busy web-1"
	show skiffctl backends default/web --bpf-pin-dir "$D/nodes/$N2/bpf"
	show kubectl delete pod holder

	say "Killing web-1's container from the host (SIGKILL): the kubelet restarts it"
	pids=$(cat "/sys/fs/cgroup/memory/sk-$C/$N1/pods/pod$(jp web-1 '{.metadata.uid}')/$(jp web-1 '{.metadata.uid}')_c/cgroup.procs" 2>/dev/null)
	[ -n "$pids" ] || fail "cannot find web-1's processes in its cgroup"
	# shellcheck disable=SC2086 # one argument per pid
	show kill -KILL $pids
	wait_for 20 jp_is web-1 '{.status.containerStatuses[0].restartCount}/{.status.containerStatuses[0].ready}' 1/true ||
		fail "web-1 was not restarted"
	show skiffctl get pod web-1 -o wide
	printf '$ skiffctl describe pod web-1 | sed -n "/State:/,/Restart Count:/p"\n'
	skiffctl describe pod web-1 | sed -n '/State:/,/Restart Count:/p'

	say "Power loss on $N1: skiffctl cluster node stop (skiff-node and its pods killed)"
	show skiffctl cluster node stop "$C" "$N1" || fail "could not stop $N1"
	show skiffctl cluster list
	echo "(no node lifecycle controller yet: the EndpointSlice is updated here)"
	show slice web "$ip2"
	client client-3
	pod_log client-3 | grep -q "web-1 on" && fail "web-1 answered with its node stopped"
	return 0
}

case "${1:-}" in
run)
	[ $# -eq 3 ] || fail "usage: $0 run BIN CLUSTER"
	run "$2" "$3"
	;;
*)
	echo "usage: $0 run BIN CLUSTER" >&2
	exit 2
	;;
esac
