#!/bin/bash
# persistentVolumeClaim volumes end to end (issue 11), in a 1-node cluster
# from `skiffctl cluster create`: a claim of the default class local-path
# waits for its pod, is provisioned on the pod's node when the pod is bound
# (spec.nodeName set by the test), the kubelet bind-mounts the volume's
# directory (<root-dir>/storage/pvc-<uid>_<ns>_<claim>, mode 0777); data a
# pod writes survives deleting the pod (a new pod reads it); deleting the
# claim deletes the volume (reclaim Delete). Needs root. Prints TAP.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
CTL=$BIN/skiffctl
KUBECTL=${KUBECTL:-$(command -v kubectl)}

T=$(mktemp -d /tmp/skiff-storage-test.XXXXXX)
chmod 755 "$T"
export SKIFF_CLUSTER_DIR=$T/clusters
export HOME=$T # never read the caller's ~/.kube/config
C=s$$
cleanup() {
	"$CTL" cluster delete "$C" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/tap_lib.sh"

need_cluster
echo "1..10"

D=$SKIFF_CLUSTER_DIR/$C
KC=$D/kubeconfig
N1=$C-node-1
K() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
jp() { K get "$1" "$2" -o "jsonpath=$3" 2>/dev/null; }
jp_is() { [ "$(jp "$1" "$2" "$3")" = "$4" ]; }

# pod NAME COMMAND: a pod of the host image on node 1 with claim data at /data
pod() {
	cat <<EOF
apiVersion: v1
kind: Pod
metadata: {name: $1}
spec:
  nodeName: $N1
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: host
    command: ["/bin/sh", "-c", "$2"]
    volumeMounts: [{name: d, mountPath: /data}]
  volumes: [{name: d, persistentVolumeClaim: {claimName: data}}]
EOF
}

run "$CTL" cluster create --name "$C" --nodes 1 --wait 60
check "a 1-node cluster is created" 0 "" "" "Cluster \"$C\" is ready"

K apply -f - >"$T/out" 2>&1 <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 64Mi}}
EOF
sleep 1
jp_is pvc data '{.status.phase}' Pending
res "a local-path claim waits for its first consumer"

pod writer "echo kept-$$ > /data/f && sleep 600" | K apply -f - >"$T/out" 2>&1
until_ok 30 jp_is pvc data '{.status.phase}' Bound
res "the claim is Bound once its pod is on $N1"
PV=$(jp pvc data '{.spec.volumeName}')
UID_=$(jp pvc data '{.metadata.uid}')
DIR=$D/nodes/$N1/root/storage/pvc-${UID_}_default_data
jp_is pv "$PV" '{.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[0]}' "$N1"
res "its volume $PV has nodeAffinity to $N1"
until_ok 60 jp_is pod writer '{.status.phase}' Running
res "the writer pod runs"
until_ok 20 grep -q "kept-$$" "$DIR/f"
res "what the pod wrote is in the node's <root-dir>/storage/pvc-<uid>_default_data"
[ "$(stat -c %a "$DIR")" = 777 ]
res "the volume directory is mode 0777"

K delete pod writer --wait=true --timeout=60s >"$T/out" 2>&1
pod reader "cat /data/f" | K apply -f - >"$T/out" 2>&1
until_ok 60 jp_is pod reader '{.status.phase}' Succeeded
K logs reader >"$T/out" 2>&1
grep -q "kept-$$" "$T/out"
res "a new pod on the same claim reads the data after the first was deleted"

K delete pod reader --wait=true --timeout=60s >/dev/null 2>&1
K delete pvc data >"$T/out" 2>&1
until_ok 30 sh -c "! '$KUBECTL' --kubeconfig '$KC' get pv '$PV' >/dev/null 2>&1"
res "deleting the claim deletes its volume (reclaim Delete)"
# the kubelet's sweep runs every 60 s
until_ok 75 test ! -e "$DIR"
res "the node removes the directory of the deleted volume"
