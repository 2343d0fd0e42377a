#!/bin/bash
# Real kubectl (1.32 from the image and 1.20 from Debian's kubernetes-client)
# against a real skiff-server on 127.0.0.1. Prints TAP.
#
# Each kubectl version runs the same table of checks on the same server with
# its own object names (suffix -<ver>), its own throw-away HOME and discovery
# cache, and asserts on the exact text kubectl prints (the wording of
# ../../../shared/k8s-transcripts/ for 1.20).
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
K132=/usr/bin/kubectl
K120=/opt/skiff/kubectl-1.20/usr/bin/kubectl
TMP=$(mktemp -d "/tmp/sk$$-kubectl.XXXXXX")
SRV_PID=
WATCH_PID=

cleanup() {
	[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null
	if [ -n "$SRV_PID" ]; then
		kill -TERM "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

n=0 failed=0
# tap STATUS TEXT [DIAG]: STATUS 0 is a pass.
tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && printf '%s\n' "$3" | head -25 | sed 's/^/#   /'
	fi
	return 0
}
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

free_port() {
	/usr/bin/python3 -c 'import socket,sys
s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM if sys.argv[1]=="u" else socket.SOCK_STREAM)
s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' "$1"
}

# --- server ---
PORT=$(free_port t)
DATA=$TMP/data
"$BIN/skiff-server" --bind-address 127.0.0.1 --secure-port "$PORT" --data-dir "$DATA" \
	--dns-bind-address "127.0.0.1:$(free_port u)" \
	--dns-upstream "127.0.0.1:$(free_port u)" >"$TMP/server.log" 2>&1 &
SRV_PID=$!
up=1
for _ in $(seq 600); do
	if ! kill -0 "$SRV_PID" 2>/dev/null; then break; fi
	if [ -s "$DATA/admin.kubeconfig" ] &&
		curl -sk --max-time 2 "https://127.0.0.1:$PORT/healthz" 2>/dev/null | grep -qx ok; then
		up=0
		break
	fi
	sleep 0.1
done
tap $up "skiff-server starts on 127.0.0.1:$PORT and writes admin.kubeconfig" \
	"$(tail -20 "$TMP/server.log")"
if [ $up -ne 0 ]; then
	echo "1..$n"
	exit 1
fi
KCFG=$DATA/admin.kubeconfig
RANGE=10.96.0.0/16 # the server's default --service-cluster-ip-range

# kc ARGS...: run the current kubectl; sets $out (stdout+stderr) and $rc.
kc() {
	out=$(HOME=$TMP/home-$V KUBECONFIG=$KCFG timeout 60 "$KC" --cache-dir "$TMP/cache-$V" \
		--request-timeout=30s "$@" 2>&1)
	rc=$?
}
# expect TEXT ERE: last kc exited 0 and printed a line matching ERE.
expect() {
	[ $rc -eq 0 ] && grep -Eq -- "$2" <<<"$out"
	tap $? "[$V] $1" "rc=$rc; wanted /$2/; got:
$out"
}
# expect_line TEXT LINE: last kc printed exactly LINE; RC is the wanted status.
expect_line() {
	local want_rc=$3
	[ $rc -eq "$want_rc" ] && grep -Fxq -- "$2" <<<"$out"
	tap $? "[$V] $1" "rc=$rc (want $want_rc); wanted line: $2
got:
$out"
}
# jget OBJ-JSON PYEXPR: evaluate a python expression over the parsed JSON in $out.
jget() {
	/usr/bin/python3 -c 'import json,sys; o=json.loads(sys.stdin.read()); print(eval(sys.argv[1]))' \
		"$1" <<<"$out" 2>&1
}

write_manifests() {
	local d=$TMP/m-$V s=$V
	mkdir -p "$d"
	cat >"$d/svc.yaml" <<EOF
apiVersion: v1
kind: Service
metadata:
  name: my-svc-$s
  labels: {app: my}
spec:
  selector: {app: my-$s}
  ports:
  - {name: http, port: 80, targetPort: 8080}
EOF
	cat >"$d/ap1.yaml" <<EOF
apiVersion: v1
kind: Service
metadata:
  name: ap-svc-$s
  labels: {app: my2}
spec:
  selector: {app: my2}
  ports:
  - {name: http, port: 80, targetPort: 8080}
EOF
	sed -e 's/name: http, port: 80, targetPort: 8080/name: https, port: 443, targetPort: 8443/' \
		"$d/ap1.yaml" >"$d/ap2.yaml"
	cat >"$d/eps1.yaml" <<EOF
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: my-svc-$s-abc
  labels: {kubernetes.io/service-name: my-svc-$s}
addressType: IPv4
endpoints:
- addresses: ["10.244.1.5"]
  conditions: {ready: true}
  nodeName: node1
ports:
- {name: http, port: 8080, protocol: TCP}
EOF
	sed -e 's/10.244.1.5/10.244.1.6/' "$d/eps1.yaml" >"$d/eps2.yaml"
	cat >"$d/deploy.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web-$s
  labels: {app: web-$s}
spec:
  replicas: 1
  selector:
    matchLabels: {app: web-$s}
  template:
    metadata:
      labels: {app: web-$s}
    spec:
      containers:
      - {name: c, image: nginx}
EOF
	cat >"$d/pod.yaml" <<EOF
apiVersion: v1
kind: Pod
metadata:
  name: pod-$s
  labels: {app: my-$s}
spec:
  nodeName: node-$s
  containers:
  - name: c
    image: nginx
    ports:
    - {name: http, containerPort: 8080}
EOF
	cat >"$d/node.yaml" <<EOF
apiVersion: v1
kind: Node
metadata:
  name: node-$s
  labels: {kubernetes.io/hostname: node-$s}
spec:
  podCIDR: 10.244.$s.0/24
EOF
	cat >"$d/ns.yaml" <<EOF
apiVersion: v1
kind: Namespace
metadata:
  name: ns-$s
EOF
	cat >"$d/ip-taken.yaml" <<EOF
apiVersion: v1
kind: Service
metadata: {name: ipsvc-$s}
spec:
  clusterIP: 10.96.0.1
  ports: [{port: 80}]
EOF
	sed -e 's/10.96.0.1$/1.1.1.1/' "$d/ip-taken.yaml" >"$d/ip-range.yaml"
	cat >"$d/w.yaml" <<EOF
apiVersion: v1
kind: Service
metadata: {name: w1-$s}
spec:
  ports: [{port: 80}]
EOF
}

run_suite() {
	local d=$TMP/m-$V s=$V
	write_manifests

	# --- meta ---
	kc version
	expect "version prints the server version" '^Server Version: .*v1\.[0-9]+\.[0-9]+'
	kc get --raw /healthz
	expect_line "get --raw /healthz" "ok" 0

	# --- get, default table ---
	kc get svc
	expect "get svc: header" '^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$'
	expect "get svc: kubernetes row" '^kubernetes +ClusterIP +10\.96\.0\.1 +<none> +443/TCP +[0-9]+[smhdy]'
	kc get svc -o wide
	expect "get svc -o wide: SELECTOR column" '^NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE +SELECTOR$'
	expect "get svc -o wide: kubernetes has no selector" '^kubernetes +ClusterIP +10\.96\.0\.1 +<none> +443/TCP +[0-9]+[smhdy]+ +<none>$'
	kc get svc kubernetes -o json
	[ $rc -eq 0 ] && [ "$(jget '(o["kind"], o["spec"]["clusterIP"], o["spec"]["ports"][0]["port"], o["metadata"]["labels"]["component"])')" = "('Service', '10.96.0.1', 443, 'apiserver')" ]
	tap $? "[$V] get svc kubernetes -o json: Service 10.96.0.1 port 443" "$out"
	kc get svc -o json
	[ $rc -eq 0 ] && [ "$(jget 'o["kind"] + " " + str("kubernetes" in [i["metadata"]["name"] for i in o["items"]])')" = "List True" ]
	tap $? "[$V] get svc -o json: a List with kubernetes" "$out"
	kc get svc -o yaml
	expect "get svc -o yaml: kind List" '^kind: List$'
	expect "get svc -o yaml: clusterIP" '^ +clusterIP: 10\.96\.0\.1$'
	kc get svc -A
	expect "get svc -A: NAMESPACE column" '^NAMESPACE +NAME +TYPE +CLUSTER-IP +EXTERNAL-IP +PORT\(S\) +AGE$'
	expect "get svc -A: default/kubernetes row" '^default +kubernetes +ClusterIP +10\.96\.0\.1 '
	kc get ns
	expect "get ns: default" '^default +Active +[0-9]+[smhdy]'
	expect "get ns: kube-system" '^kube-system +Active +'
	kc get ep
	expect "get ep: kubernetes points at the server" "^kubernetes +127\\.0\\.0\\.1:$PORT +"
	kc get endpointslices
	expect "get endpointslices: header" '^NAME +ADDRESSTYPE +PORTS +ENDPOINTS +AGE$'
	expect "get endpointslices: kubernetes slice" "^kubernetes +IPv4 +$PORT +127\\.0\\.0\\.1 +"

	# --- create -f (several kinds), then get them ---
	kc create -f "$d/ns.yaml"
	expect_line "create namespace" "namespace/ns-$s created" 0
	kc create -f "$d/node.yaml"
	expect_line "create node" "node/node-$s created" 0
	kc create -f "$d/pod.yaml"
	expect_line "create pod" "pod/pod-$s created" 0
	kc create -f "$d/deploy.yaml"
	expect_line "create deployment" "deployment.apps/web-$s created" 0
	kc create -f "$d/svc.yaml"
	expect_line "create -f svc.yaml" "service/my-svc-$s created" 0
	kc create -f "$d/svc.yaml"
	expect_line "create -f svc.yaml again: AlreadyExists" \
		"Error from server (AlreadyExists): error when creating \"$d/svc.yaml\": services \"my-svc-$s\" already exists" 1
	kc get svc my-svc-$s -o wide
	expect "get svc -o wide: selector cell of the new service" "^my-svc-$s +ClusterIP +10\\.96\\.[0-9]+\\.[0-9]+ +<none> +80/TCP +[0-9]+[smhdy]+ +app=my-$s\$"
	kc get no
	expect "get no: header" '^NAME +STATUS +ROLES +AGE +VERSION$'
	expect "get no: the node" "^node-$s +(Ready|NotReady|Unknown) +<none> +[0-9]+[smhdy]"
	kc get po -o wide
	expect "get po -o wide: header" '^NAME +READY +STATUS +RESTARTS +AGE +IP +NODE +NOMINATED NODE +READINESS GATES$'
	expect "get po -o wide: the pod on its node" "^pod-$s +0/1 +[A-Za-z]+ +0 +[0-9]+[smhdy]+ +<none> +node-$s +"
	kc get po --field-selector "spec.nodeName=node-$s" -l "app in (my-$s,other)"
	expect "get po with label+field selectors" "^pod-$s +0/1 "
	kc get po --field-selector spec.nodeName=elsewhere
	expect_line "get po with a non-matching field selector" "No resources found in default namespace." 0
	kc get deploy
	expect "get deploy: header" '^NAME +READY +UP-TO-DATE +AVAILABLE +AGE$'
	expect "get deploy: the deployment" "^web-$s +[0-9]+/1 +[0-9]+ +[0-9]+ +[0-9]+[smhdy]"

	# --- get -w: watch sees ADDED and DELETED of a service made meanwhile ---
	(HOME=$TMP/home-$V KUBECONFIG=$KCFG exec timeout 90 "$KC" --cache-dir "$TMP/cache-$V" \
		get svc -w --output-watch-events >"$TMP/watch-$V.out" 2>&1) &
	WATCH_PID=$!
	local seen=1
	for _ in $(seq 300); do
		grep -Eq '^ADDED +kubernetes ' "$TMP/watch-$V.out" && { seen=0; break; }
		sleep 0.1
	done
	tap $seen "[$V] get -w: initial list printed" "$(cat "$TMP/watch-$V.out")"
	sleep 0.5 # the watch request follows the list
	kc create -f "$d/w.yaml"
	expect_line "create the watched service" "service/w1-$s created" 0
	kc delete svc "w1-$s"
	expect_line "delete the watched service" "service \"w1-$s\" deleted" 0
	seen=1
	for _ in $(seq 300); do
		grep -Eq "^DELETED +w1-$s " "$TMP/watch-$V.out" && { seen=0; break; }
		sleep 0.1
	done
	grep -Eq "^ADDED +w1-$s +ClusterIP +10\\.96\\.[0-9]+\\.[0-9]+ +<none> +80/TCP " "$TMP/watch-$V.out"
	tap $? "[$V] get -w printed ADDED w1-$s with its ClusterIP" "$(cat "$TMP/watch-$V.out")"
	tap $seen "[$V] get -w printed DELETED w1-$s" "$(cat "$TMP/watch-$V.out")"
	kill -0 "$WATCH_PID" 2>/dev/null
	tap $? "[$V] get -w is still running (the server did not end the stream)"
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	WATCH_PID=

	# --- apply ---
	kc apply -f "$d/ap1.yaml"
	expect_line "apply new: created" "service/ap-svc-$s created" 0
	kc apply -f "$d/ap1.yaml"
	expect_line "apply again: unchanged" "service/ap-svc-$s unchanged" 0
	kc apply -f "$d/ap2.yaml"
	expect_line "apply with port 80 -> 443: configured" "service/ap-svc-$s configured" 0
	kc get svc "ap-svc-$s" -o json
	[ $rc -eq 0 ] && [ "$(jget '[(p.get("name"), p["port"], p.get("targetPort")) for p in o["spec"]["ports"]]')" = "[('https', 443, 8443)]" ]
	tap $? "[$V] apply replaced the port: only https/443->8443 is left" "$out"
	kc apply -f "$d/ap2.yaml"
	expect_line "apply the changed file again: unchanged" "service/ap-svc-$s unchanged" 0
	kc apply -f "$d/eps1.yaml"
	expect_line "apply EndpointSlice: created" "endpointslice.discovery.k8s.io/my-svc-$s-abc created" 0
	kc apply -f "$d/eps1.yaml"
	expect_line "apply EndpointSlice again: unchanged" "endpointslice.discovery.k8s.io/my-svc-$s-abc unchanged" 0
	kc apply -f "$d/eps2.yaml"
	expect_line "apply changed EndpointSlice: configured" "endpointslice.discovery.k8s.io/my-svc-$s-abc configured" 0
	kc get endpointslices "my-svc-$s-abc"
	expect "get the applied slice shows the new address" "^my-svc-$s-abc +IPv4 +8080 +10\\.244\\.1\\.6 +"

	# --- scale ---
	kc scale deployment "web-$s" --replicas=3
	expect_line "scale --replicas=3" "deployment.apps/web-$s scaled" 0
	kc get deploy "web-$s" -o jsonpath='{.spec.replicas} {.metadata.generation}'
	expect_line "scale stored spec.replicas=3 and bumped generation" "3 2" 0
	kc scale deployment "web-$s" --replicas=2 --current-replicas=3
	expect_line "scale --current-replicas=3 --replicas=2" "deployment.apps/web-$s scaled" 0
	kc get deploy "web-$s" -o jsonpath='{.spec.replicas}'
	expect_line "scale with precondition stored 2" "2" 0
	kc scale deployment "web-$s" --replicas=4 --current-replicas=7
	[ $rc -ne 0 ] && grep -q "Expected replicas to be 7, was 2" <<<"$out"
	tap $? "[$V] scale with a wrong --current-replicas fails" "rc=$rc $out"

	# --- describe ---
	kc describe svc kubernetes
	expect "describe: Name" '^Name: +kubernetes$'
	expect "describe: IP" '^IP: +10\.96\.0\.1$'
	expect "describe: Port" '^Port: +https +443/TCP$'
	expect "describe: Endpoints" "^Endpoints: +127\\.0\\.0\\.1:$PORT\$"
	expect "describe: Labels" '^Labels: +component=apiserver$'

	# --- ClusterIP errors (kube-apiserver 1.20 wording) ---
	kc create -f "$d/ip-taken.yaml"
	expect_line "explicit clusterIP already taken" \
		"The Service \"ipsvc-$s\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.1\"}: failed to allocated ip:10.96.0.1 with error:provided IP is already allocated" 1
	kc create -f "$d/ip-range.yaml"
	expect_line "explicit clusterIP out of range" \
		"The Service \"ipsvc-$s\" is invalid: spec.clusterIPs: Invalid value: []string{\"1.1.1.1\"}: failed to allocated ip:1.1.1.1 with error:provided IP is not in the valid range. The range of valid IPs is $RANGE" 1
	kc get svc "ipsvc-$s"
	expect_line "a refused service was not stored" "Error from server (NotFound): services \"ipsvc-$s\" not found" 1

	# --- delete ---
	kc delete svc "my-svc-$s"
	expect_line "delete svc" "service \"my-svc-$s\" deleted" 0
	kc delete svc "my-svc-$s"
	expect_line "delete missing svc: NotFound" "Error from server (NotFound): services \"my-svc-$s\" not found" 1
	kc delete -f "$d/eps2.yaml"
	expect_line "delete -f EndpointSlice" "endpointslice.discovery.k8s.io \"my-svc-$s-abc\" deleted" 0
	kc delete deploy "web-$s"
	expect_line "delete deployment" "deployment.apps \"web-$s\" deleted" 0
}

versions=0
if [ -x "$K132" ] && "$K132" version --client 2>/dev/null | grep -Eq 'Client Version: v1\.(2[1-9]|3[0-9])\.'; then
	KC=$K132 V=132
	run_suite
	versions=$((versions + 1))
else
	skip "kubectl 1.2x/1.3x suite" "no modern kubectl at $K132 (it comes with the image)"
fi
if [ -x "$K120" ]; then
	KC=$K120 V=120
	run_suite
	versions=$((versions + 1))
else
	tap 1 "kubectl 1.20 present at $K120 (run scripts/deps.sh)"
fi

# The server survived everything and logged no sanitizer report.
curl -sk --max-time 5 "https://127.0.0.1:$PORT/healthz" | grep -qx ok
tap $? "server still healthy after $versions kubectl suites"
kill -TERM "$SRV_PID"
wait "$SRV_PID"
src=$?
SRV_PID=
tap $src "server exits 0 on SIGTERM" "$(tail -20 "$TMP/server.log")"
! grep -Eq 'ERROR: (Address|Undefined|Leak)Sanitizer|runtime error:' "$TMP/server.log"
tap $? "no sanitizer report in the server log" "$(grep -A20 -E 'Sanitizer|runtime error' "$TMP/server.log")"

echo "1..$n"
[ $failed -eq 0 ]
