#!/bin/bash
# make demo: a small local cluster on the embedded store.
#  1. skiff-server on 127.0.0.1 (temporary data dir, its own ports)
#  2. a Service created with kubectl and one with skiffctl; their ClusterIPs
#     and DNS names, answered by the cluster DNS
#  3. the server restarted: same ClusterIPs
#  4. a read-only ServiceAccount refused a delete (RBAC), `kubectl auth`
#  5. (if BPF is available) skiff-node balancing the service across real
#     backends in network namespaces, shown with `skiffctl backends`
# Everything runs on loopback or inside namespaces made here, and is removed
# on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
make -j2 all >/dev/null
BIN=$PWD/build
TMP=$(mktemp -d /tmp/skiff-demo.XXXXXX)
PORT=${SKIFF_DEMO_PORT:-16443}
DNSPORT=${SKIFF_DEMO_DNS_PORT:-10053}
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	[ -x scripts/demo_dataplane.sh ] && scripts/demo_dataplane.sh cleanup "$TMP" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

start_server() {
	"$BIN/skiff-server" --bind-address 127.0.0.1 --secure-port "$PORT" --data-dir "$TMP/data" \
		--dns-bind-address "127.0.0.1:$DNSPORT" --v 1 2>>"$TMP/server.log" &
	SERVER_PID=$!
	for _ in $(seq 100); do
		curl -sk "https://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "skiff-server did not start:"; cat "$TMP/server.log"; exit 1
}

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

export KUBECONFIG=$TMP/data/admin.kubeconfig
export HOME=$TMP # fresh kubectl discovery cache
say "Starting skiff-server on https://127.0.0.1:$PORT (data dir $TMP/data)"
start_server
run kubectl get namespaces
run kubectl get svc -A -o wide

say "Creating Service 'web' with kubectl and 'db' with skiffctl"
cat >"$TMP/web.yaml" <<YAML
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web}
spec:
  selector: {app: web}
  ports:
  - {name: http, port: 80, targetPort: 8080}
YAML
cat >"$TMP/db.yaml" <<YAML
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  selector: {app: db}
  ports:
  - {name: pg, port: 5432}
YAML
run kubectl apply -f "$TMP/web.yaml"
run "$BIN/skiffctl" create -f "$TMP/db.yaml"
run kubectl apply -f "$TMP/web.yaml"
run "$BIN/skiffctl" get svc -o wide
WEB_IP=$(kubectl get svc web -o jsonpath='{.spec.clusterIP}')
DB_IP=$(kubectl get svc db -o jsonpath='{.spec.clusterIP}')
echo "web: ClusterIP $WEB_IP  DNS name web.default.svc.cluster.local"
echo "db:  ClusterIP $DB_IP  DNS name db.default.svc.cluster.local"
if command -v dig >/dev/null; then
	run dig +short -p "$DNSPORT" @127.0.0.1 web.default.svc.cluster.local
	run dig +short -p "$DNSPORT" @127.0.0.1 _http._tcp.web.default.svc.cluster.local SRV
fi

say "Restarting skiff-server (SIGKILL): the ClusterIPs stay"
kill -9 "$SERVER_PID"; wait "$SERVER_PID" 2>/dev/null || true
start_server
WEB_IP2=$(kubectl get svc web -o jsonpath='{.spec.clusterIP}')
DB_IP2=$(kubectl get svc db -o jsonpath='{.spec.clusterIP}')
echo "web: $WEB_IP -> $WEB_IP2   db: $DB_IP -> $DB_IP2"
[ "$WEB_IP" = "$WEB_IP2" ] && [ "$DB_IP" = "$DB_IP2" ] && echo "same ClusterIPs after restart: yes"

say "Who may do what: a read-only ServiceAccount (RBAC), kubectl auth"
run kubectl auth whoami
run kubectl create serviceaccount reader
run kubectl create rolebinding reader-view --clusterrole=view --serviceaccount=default:reader
printf '$ %s\n' 'READER=$(kubectl create token reader --duration=10m)'
READER=$(kubectl create token reader --duration=10m)
# as reader (the token stays out of the transcript)
reader() { printf '$ kubectl --token=$READER %s\n' "$*"; kubectl --token="$READER" "$@"; }
reader auth whoami
reader get svc web
if reader delete svc web; then
	echo "the read-only user deleted a Service: RBAC is broken"; exit 1
fi
reader auth can-i list services
printf '$ %s\n' "kubectl auth can-i delete services --as=system:serviceaccount:default:reader"
kubectl auth can-i delete services --as=system:serviceaccount:default:reader || true
run kubectl get svc web -o name

if [ -x scripts/demo_dataplane.sh ]; then
	say "Balancing 'web' across backends in network namespaces (skiff-node, eBPF)"
	scripts/demo_dataplane.sh run "$TMP" "$BIN" "$KUBECONFIG" || echo "(dataplane demo skipped: see above)"
fi

say "Stopping"
kill "$SERVER_PID" 2>/dev/null || true
wait "$SERVER_PID" 2>/dev/null || true
SERVER_PID=
echo "done"
