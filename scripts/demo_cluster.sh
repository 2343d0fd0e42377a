#!/bin/bash
# The workloads part of `make demo` (called by scripts/demo.sh), in the
# 2-node cluster demo.sh made with `skiffctl cluster create`:
#
#   demo_cluster.sh run BIN CLUSTER
#
# The seed's story: a Deployment `web` (3 replicas of a small HTTP server
# that says which pod answered; image "host", its code from a ConfigMap), a
# Service `web`, a StatefulSet `db` (2 replicas, a headless Service, a
# volume each from the local-path StorageClass) and a client pod on node 2
# calling http://web ten times a second. Then: least-busy selection (one
# pod held busy gets no new connections), a web container killed, a pod
# deleted, db-0 deleted (its data survives), and node 1 powered off
# (`skiffctl cluster node stop`): its pods are recreated on node 2 while
# the Service keeps answering. At each step: `kubectl get pods -o wide`,
# `skiffctl backends web` and the client's successes and failures by pod.
#
# Everything lives in the cluster: `skiffctl cluster delete` (demo.sh's
# trap) removes it. Traffic stays inside the cluster's namespaces.
# Exit status: 0 when the demo ran, 1 with the reason when it could not.
set -uo pipefail

say() { printf '\n\033[1m-- %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }
fail() {
	echo "workloads demo: $*" >&2
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
jp() { kubectl get "$1" -o "jsonpath=$2" 2>/dev/null; }
# Conditions for wait_for (evaluated at each try, not once by the caller):
pod_ready() { [ "$(jp "pod/$1" '{.status.containerStatuses[0].ready}')" = true ]; }
restarted_ready() { [ "$(jp "pod/$1" '{.status.containerStatuses[0].restartCount}/{.status.containerStatuses[0].ready}')" = 1/true ]; }
node_ready_is() { [ "$(jp "node/$1" '{.status.conditions[?(@.type=="Ready")].status}')" = "$2" ]; }
none_on() { [ -z "$(web_on "$1")" ]; }
holder_has() { [ "$(kubectl logs holder 2>/dev/null | grep -c '^held:')" -ge "$1" ]; }
# web pods Ready and not being deleted
ready_web() { [ "$(kubectl get pods -l app=web -o 'jsonpath={range .items[*]}{.metadata.deletionTimestamp}/{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c '^/True$')" = "$1" ]; }
# the web pods on node $1 that are not being deleted (an evicted pod of a
# stopped node stays Terminating until its kubelet is back)
web_on() { kubectl get pods -l app=web -o "jsonpath={range .items[?(@.spec.nodeName==\"$1\")]}{.metadata.name} {.metadata.deletionTimestamp}{\"\\n\"}{end}" | awk 'NF == 1 {print $1}'; }

# What the client logged since the last tally: successes by pod, failures.
LAST=0
tally() {
	local log n
	log=$(kubectl logs client 2>/dev/null) || return 0
	n=$(printf '%s\n' "$log" | wc -l)
	echo "client: $((n - LAST)) requests since the last step:"
	printf '%s\n' "$log" | tail -n +"$((LAST + 1))" | awk '{print "   ", $2, $3}' | sort | uniq -c
	LAST=$n
}
state() {
	show kubectl get pods -o wide
	show skiffctl backends default/web --bpf-pin-dir "$D/nodes/$N2/bpf"
	tally
}

run() {
	local BIN=$1 C=$2 pids victim uid
	D=${SKIFF_CLUSTER_DIR:?}/$C
	N1=$C-node-1
	N2=$C-node-2
	export PATH=$BIN:$PATH

	say "Deployment web (3 replicas), Service web, StatefulSet db (2, a volume each), a client"
	cat >"$D/apps.yaml" <<EOF
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
    import time, urllib.request
    while True:
        try:
            b = urllib.request.urlopen("http://web/", timeout=1).read().decode().split()
            print("ok", b[0], b[2], flush=True)
        except Exception as e:
            print("fail", type(e).__name__, str(getattr(e, "reason", "") or e).replace(" ", "_")[:60], flush=True)
        time.sleep(0.1)
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
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 2
      volumes: [{name: app, configMap: {name: web-app}}]
      containers:
      - name: web
        image: host
        command: [python3, /app/server.py]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
        env:
        - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
        volumeMounts: [{name: app, mountPath: /app}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  clusterIP: None
  selector: {app: db}
  ports: [{name: db, port: 5432}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: db
        image: host
        command: [sh, -c, 'echo "started \$(date +%T) as \$(hostname -f)" >> /data/starts; cat /data/starts; exec sleep 100000']
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 64Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  nodeName: $N2
  terminationGracePeriodSeconds: 0
  volumes: [{name: app, configMap: {name: web-app}}]
  containers:
  - name: c
    image: host
    command: [python3, /app/client.py]
    volumeMounts: [{name: app, mountPath: /app}]
EOF
	show kubectl apply -f "$D/apps.yaml" || fail "could not create the workloads"
	wait_for 90 ready_web 3 || { kubectl get pods -o wide; fail "web did not get 3 Ready pods"; }
	wait_for 120 pod_ready db-1 || { kubectl get pods -o wide; fail "db-1 did not become Ready"; }
	show kubectl rollout status deployment/web --timeout=60s
	show kubectl get deploy,rs,sts,pvc,pv
	show kubectl get endpointslices -l kubernetes.io/service-name=web
	sleep 3
	state

	say "Least busy: a pod holds 4 connections to one web pod; new connections go to the others"
	victim=$(web_on "$N1" | head -1)
	show kubectl label pod "$victim" busy=yes
	cat <<EOF | kubectl apply -f - >/dev/null
apiVersion: v1
kind: Service
metadata: {name: web-busy}
spec:
  selector: {busy: "yes"}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Pod
metadata: {name: holder}
spec:
  nodeName: $N2
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  volumes: [{name: app, configMap: {name: web-app}}]
  containers:
  - {name: c, image: host, command: [python3, /app/holder.py, web-busy, "4"],
     volumeMounts: [{name: app, mountPath: /app}]}
EOF
	wait_for 30 holder_has 4 || fail "the holder pod did not connect"
	show kubectl logs holder
	tally >/dev/null
	sleep 3
	state
	echo "($victim holds 4 active connections: it got none of the new ones)"
	show kubectl delete pod holder --wait=false

	say "Killing $victim's server on $N1 from the host (SIGKILL): the kubelet restarts it"
	uid=$(jp "pod/$victim" '{.metadata.uid}')
	pids=$(cat /sys/fs/cgroup/memory/sk-"$C"/"$N1"/pods/pod"$uid"/"$uid"_web/cgroup.procs 2>/dev/null)
	[ -n "$pids" ] || fail "cannot find $victim's processes in its cgroup"
	# shellcheck disable=SC2086 # one argument per pid
	show kill -KILL $pids
	wait_for 30 restarted_ready "$victim" || fail "$victim was not restarted"
	sleep 2
	state

	say "Deleting a web pod: the ReplicaSet replaces it"
	show kubectl delete pod "$victim"
	wait_for 60 ready_web 3 || fail "web was not back to 3 Ready pods"
	sleep 2
	state

	say "Deleting db-0: the StatefulSet makes it again, with the same volume"
	show kubectl logs db-0
	show kubectl delete pod db-0
	wait_for 90 pod_ready db-0 || fail "db-0 did not come back"
	show kubectl logs db-0
	[ "$(kubectl logs db-0 | grep -c started)" -ge 2 ] || fail "db-0 lost its data"
	echo "(db-0's /data kept the first run's line: its claim data-db-0 outlived the pod)"

	say "Power loss on $N1: skiffctl cluster node stop (skiff-node and its pods killed)"
	show skiffctl cluster node stop "$C" "$N1" || fail "could not stop $N1"
	wait_for 40 node_ready_is "$N1" Unknown || fail "$N1 did not become NotReady"
	show kubectl get nodes
	echo "($N1's pods leave the endpoints at once; after the 10 s toleration they are evicted:"
	echo " Terminating until $N1 is back, while their replacements run on $N2)"
	wait_for 90 none_on "$N1" || fail "web pods were not moved off $N1"
	wait_for 60 ready_web 3 || fail "web did not get 3 Ready pods on $N2"
	sleep 2
	state
	echo "(the failures above, if any, came in the seconds before $N1's pods left the endpoints)"
	echo "(a db pod that lived on $N1 stays Terminating: a StatefulSet never runs two pods of one"
	echo " name, and its local-path volume is on $N1 anyway; it comes back with the node:"
	echo " skiffctl cluster node start $C $N1)"
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
