#!/bin/bash
# make demo: a local 2-node cluster made with `skiffctl cluster create`.
#  1. the cluster: skiff-server and two skiff-nodes (kubelet + eBPF service
#     proxy) in network namespaces of their own, kubectl through the
#     loopback forwarder
#  2. a Service created with kubectl and one with skiffctl
#  3. a read-only ServiceAccount refused a delete (RBAC), `kubectl auth`
#  4. workloads (scripts/demo_cluster.sh): a Deployment, a StatefulSet and a client
#     pod calling the Service by name; least-busy selection, a container
#     killed, a pod deleted, db-0's data surviving its pod, node 1 powered
#     off and its pods recreated on node 2 while the Service answers
# Needs root. Nothing touches the root namespace's interfaces, routes or
# firewall; `skiffctl cluster delete` removes everything on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
make -j2 all >/dev/null
BIN=$PWD/build
if [ "$(id -u)" != 0 ]; then
	echo "make demo needs root: it builds a cluster of network namespaces and cgroups" >&2
	exit 1
fi
TMP=$(mktemp -d /tmp/skiff-demo.XXXXXX)
export SKIFF_CLUSTER_DIR=$TMP/clusters
# Cluster names are global (its namespaces are /run/netns/sk-<name>-*).
C=demo
[ -e /run/netns/sk-$C-net ] && C=demo$$
cleanup() {
	"$BIN/skiffctl" cluster delete "$C" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

say "Creating a 2-node cluster"
run "$BIN/skiffctl" cluster create --name "$C" --nodes 2
export KUBECONFIG=$SKIFF_CLUSTER_DIR/$C/kubeconfig
export HOME=$TMP # fresh kubectl discovery cache
run kubectl get nodes -o wide
run kubectl get svc -A -o wide

say "Creating Service 'web' with kubectl and 'cache' with skiffctl"
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
cat >"$TMP/cache.yaml" <<YAML
apiVersion: v1
kind: Service
metadata:
  name: cache
spec:
  selector: {app: cache}
  ports:
  - {name: redis, port: 6379}
YAML
run kubectl apply -f "$TMP/web.yaml"
run "$BIN/skiffctl" create -f "$TMP/cache.yaml"
run kubectl apply -f "$TMP/web.yaml"
run "$BIN/skiffctl" get svc -o wide
WEB_IP=$(kubectl get svc web -o jsonpath='{.spec.clusterIP}')
CACHE_IP=$(kubectl get svc cache -o jsonpath='{.spec.clusterIP}')
echo "web: ClusterIP $WEB_IP  DNS name web.default.svc.cluster.local"
echo "cache: ClusterIP $CACHE_IP  DNS name cache.default.svc.cluster.local"
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

say "Pods on the nodes"
scripts/demo_cluster.sh run "$BIN" "$C"

say "Deleting the cluster"
run "$BIN/skiffctl" cluster delete "$C"
echo "done"
