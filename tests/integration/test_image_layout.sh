#!/bin/bash
# OCI image layouts in the node's image store (issue 10, "Images without a registry") in a 1-node
# cluster made by `skiffctl cluster create`: a layout built here (python's tarfile: a gzip layer
# with the host's /bin/sh and its libraries, a second plain layer with a whiteout and the
# working dir, an index naming the manifest) runs a pod without command from its config's
# Entrypoint/Cmd/Env/WorkingDir, and its log says so; the layout was unpacked into rootfs/ with
# the whiteout applied. A layout whose layer does not match its digest leaves the container
# waiting with ErrImagePull and nothing unpacked. Needs root and kubectl. Prints TAP.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
CTL=$BIN/skiffctl
PY=/usr/bin/python3
KUBECTL=${KUBECTL:-$(command -v kubectl)}

T=$(mktemp -d /tmp/skiff-image-test.XXXXXX)
chmod 755 "$T"
export SKIFF_CLUSTER_DIR=$T/clusters
export HOME=$T
C=i$$
cleanup() {
	[ "${FAILS:-0}" = 0 ] || cp "$SKIFF_CLUSTER_DIR/$C/nodes/$C-node-1/skiff-node.log" \
		"${SKIFF_TEST_LOGS:-$BIN/../test-logs}/test_image_layout.node.log" 2>/dev/null
	"$CTL" cluster delete "$C" >/dev/null 2>&1
	rm -rf "$T"
}
trap cleanup EXIT
. "$(dirname "$0")/tap_lib.sh"

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
echo "1..5"

if ! "$CTL" cluster create --name "$C" --nodes 1 --wait 90 >"$T/out" 2>"$T/err"; then
	not_ok "cluster create"
	exit 1
fi
KC=$SKIFF_CLUSTER_DIR/$C/kubeconfig
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }
STORE=$SKIFF_CLUSTER_DIR/$C/nodes/$C-node-1/root/images

# layout DIR [corrupt]: an OCI image layout in DIR; with "corrupt", the first layer's bytes
# differ from its digest.
layout() {
	$PY - "$1" "${2:-}" <<'EOF'
import gzip, hashlib, io, json, os, subprocess, sys, tarfile
out, corrupt = sys.argv[1], sys.argv[2] == "corrupt"
os.makedirs(out + "/blobs/sha256")
def blob(data, media):
    h = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{h}", "wb").write(data)
    return {"mediaType": media, "digest": "sha256:" + h, "size": len(data)}
def tar(add):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w", dereference=True) as t:
        add(t)
    return b.getvalue()
def files(t):
    sh = os.path.realpath("/bin/sh")
    libs = subprocess.run(["ldd", sh], capture_output=True, text=True).stdout.split()
    for p in [sh] + [l for l in libs if l.startswith("/")]:
        t.add(p, arcname="." + (p if p != sh else "/bin/sh"))
    i = tarfile.TarInfo("./gone"); i.size = 0; t.addfile(i)
def upper(t):
    i = tarfile.TarInfo("./w"); i.type = tarfile.DIRTYPE; i.mode = 0o755; t.addfile(i)
    i = tarfile.TarInfo("./.wh.gone"); i.size = 0; t.addfile(i)
l1 = gzip.compress(tar(files))
d1 = blob(l1, "application/vnd.oci.image.layer.v1.tar+gzip")
if corrupt:
    # same size, one byte flipped: the size check passes, the digest check must not
    bad = bytearray(l1); bad[len(bad) // 2] ^= 0xFF
    open(out + "/blobs/sha256/" + d1["digest"][7:], "wb").write(bytes(bad))
d2 = blob(tar(upper), "application/vnd.oci.image.layer.v1.tar")
cfg = {"architecture": "amd64", "os": "linux",
       "config": {"Entrypoint": ["/bin/sh", "-c"], "Cmd": ["echo \"$GREETING from $(pwd)\""],
                  "Env": ["GREETING=hello"], "WorkingDir": "/w"},
       "rootfs": {"type": "layers", "diff_ids": []}}
c = blob(json.dumps(cfg).encode(), "application/vnd.oci.image.config.v1+json")
m = {"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
     "config": c, "layers": [d1, d2]}
md = blob(json.dumps(m).encode(), "application/vnd.oci.image.manifest.v1+json")
md["platform"] = {"os": "linux", "architecture": "amd64"}
json.dump({"schemaVersion": 2, "manifests": [md]}, open(out + "/index.json", "w"))
open(out + "/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
EOF
}
if ! layout "$STORE/ocidemo" >"$T/out" 2>&1 || ! layout "$STORE/ocibad" corrupt >>"$T/out" 2>&1; then
	not_ok "the test's OCI layouts build"
	exit 1
fi

pod() {
	cat >"$T/$1.json" <<EOF
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$1"},
 "spec":{"nodeName":"$C-node-1","restartPolicy":"Never","terminationGracePeriodSeconds":1,
  "containers":[{"name":"c","image":"$2","imagePullPolicy":"Never"}]}}
EOF
	k apply -f "$T/$1.json" >"$T/out" 2>"$T/err" || { sed "s/^/# /" "$T/err"; exit 1; }
}
pod demo ocidemo:1.0
pod bad ocibad

# waitfor DESC SECONDS COMMAND...: until COMMAND succeeds.
waitfor() {
	local desc=$1 end=$((SECONDS + $2))
	shift 2
	while [ $SECONDS -lt $end ]; do
		if "$@"; then
			ok "$desc"
			return 0
		fi
		sleep 0.5
	done
	not_ok "$desc"
	return 1
}
phase_is() { [ "$(k get pod "$1" -o 'jsonpath={.status.phase}' 2>"$T/err")" = "$2" ]; }
waiting_is() {
	k get pod "$1" -o 'jsonpath={.status.containerStatuses[0].state.waiting.reason}{"\n"}{.status.containerStatuses[0].state.waiting.message}' >"$T/out" 2>"$T/err" &&
		[ "$(head -1 "$T/out")" = "$2" ]
}

waitfor "a pod of an OCI layout without command runs its Entrypoint+Cmd to Succeeded" 60 \
	phase_is demo Succeeded
k logs demo >"$T/out" 2>"$T/err"
if [ "$(cat "$T/out")" = "hello from /w" ]; then
	ok "its log shows the config's Env and WorkingDir applied"
else
	not_ok "its log shows the config's Env and WorkingDir applied"
fi
if [ -x "$STORE/ocidemo/rootfs/bin/sh" ] && [ -d "$STORE/ocidemo/rootfs/w" ] &&
	[ ! -e "$STORE/ocidemo/rootfs/gone" ] && [ -f "$STORE/ocidemo/config.json" ]; then
	ok "the layout was unpacked into rootfs/ with the upper layer's whiteout applied"
else
	ls -la "$STORE/ocidemo" "$STORE/ocidemo/rootfs" >"$T/out" 2>&1
	not_ok "the layout was unpacked into rootfs/ with the upper layer's whiteout applied"
fi
waitfor "a layer not matching its digest: waiting ErrImagePull" 30 waiting_is bad ErrImagePull
if grep -q "does not match its digest" "$T/out" && [ -z "$(ls -A "$STORE/ocibad" | grep -v -x -e blobs -e index.json -e oci-layout)" ]; then
	ok "its message names the digest mismatch; nothing was unpacked"
else
	ls -la "$STORE/ocibad" >>"$T/out" 2>&1
	not_ok "its message names the digest mismatch; nothing was unpacked"
fi
exit $((FAILS > 0))
