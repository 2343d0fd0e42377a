#!/bin/bash
# Kubelet probes and lifecycle hooks (issue 10) in a 1-node cluster made by
# `skiffctl cluster create`: httpGet readiness (Ready only once the server
# listens, not Ready when the path 404s), tcpSocket and exec readiness, a
# failing liveness probe restarting the container, a startup probe gating
# liveness, postStart and preStop exec hooks (preStop before the container
# dies), a failing postStart restarting, and an unsupported probe handler
# reported in the container's status. Files the pods use are hostPath
# volumes under the test's temp dir. Early runs: a socket readiness probe
# with a 30 s period is Ready soon after its server listens, and the early
# runs of one that never succeeds are not counted as failures. Needs root and kubectl. Prints TAP.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
CTL=$BIN/skiffctl
PY=/usr/bin/python3
KUBECTL=${KUBECTL:-$(command -v kubectl)}

T=$(mktemp -d /tmp/skiff-probes-test.XXXXXX)
chmod 755 "$T"
export SKIFF_CLUSTER_DIR=$T/clusters
export HOME=$T
C=p$$
cleanup() {
	# keep the node's log of a failed run next to the test's
	[ "${FAILS:-0}" = 0 ] || cp "$SKIFF_CLUSTER_DIR/$C/nodes/$C-node-1/skiff-node.log" \
		"${SKIFF_TEST_LOGS:-$BIN/../test-logs}/test_kubelet_probes.node.log" 2>/dev/null
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
echo "1..20"

if ! "$CTL" cluster create --name "$C" --nodes 1 --wait 90 >"$T/out" 2>"$T/err"; then
	not_ok "cluster create"
	exit 1
fi
KC=$SKIFF_CLUSTER_DIR/$C/kubeconfig
k() { "$KUBECTL" --kubeconfig "$KC" "$@"; }

# waitpod POD PYEXPR SECONDS: poll the pod until PYEXPR holds, with j the
# pod and s its first container status; 0 if it did in time.
waitpod() {
	local end=$((SECONDS + $3))
	while [ $SECONDS -lt $end ]; do
		if k get pod "$1" -o json >"$T/out" 2>"$T/err" &&
			$PY -c "
import json,sys
j=json.load(open('$T/out'))
cs=j.get('status',{}).get('containerStatuses') or [{}]
s=cs[0]
sys.exit(0 if ($2) else 1)" 2>>"$T/err"; then
			return 0
		fi
		sleep 0.5
		$PY -c "import json; print(json.dumps(json.load(open('$T/out')).get('status')))" >"$T/st" 2>/dev/null && mv "$T/st" "$T/out"
	done
	return 1
}
wcheck() {
	local desc=$1
	shift
	if waitpod "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
cond() { if "$@"; then ok "$D"; else not_ok "$D"; fi; }
ready='s.get("ready") is True'
running='"running" in s.get("state",{})'

mkdir -p "$T/web" "$T/ex" "$T/live" "$T/start" "$T/hooks"
chmod 777 "$T"/web "$T"/ex "$T"/live "$T"/start "$T"/hooks
echo hello >"$T/web/ok"

# pod NAME DIR CONTAINER-JSON-FRAGMENT [GRACE]: a host-image pod on the
# node with DIR mounted at /w.
pod() {
	local grace=${4:-3}
	cat >"$T/$1.json" <<EOF
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"$1"},
 "spec":{"nodeName":"$C-node-1","terminationGracePeriodSeconds":$grace,
  "volumes":[{"name":"w","hostPath":{"path":"$2"}}],
  "containers":[{"name":"c","image":"host","volumeMounts":[{"name":"w","mountPath":"/w"}],
   $3}]}}
EOF
	k apply -f "$T/$1.json" >"$T/out" 2>"$T/err" || { sed "s/^/# /" "$T/err"; exit 1; }
}

pod web "$T/web" '"command":["sh","-c","sleep 3; exec python3 -m http.server 8080 --bind 0.0.0.0 --directory /w"],
   "ports":[{"name":"http","containerPort":8080}],
   "readinessProbe":{"httpGet":{"path":"/ok","port":"http","httpHeaders":[{"name":"X-Probe","value":"1"}]},"periodSeconds":1,"failureThreshold":1}'
pod tcp "$T/ex" '"command":["sh","-c","sleep 2; exec python3 -c \"import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\\\"0.0.0.0\\\", 9090)); s.listen(); time.sleep(100000)\""],
   "readinessProbe":{"tcpSocket":{"port":9090},"periodSeconds":1}'
pod early "$T/ex" '"command":["sh","-c","sleep 1; exec python3 -c \"import socket,time; s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((\\\"0.0.0.0\\\", 9091)); s.listen(); time.sleep(100000)\""],
   "readinessProbe":{"tcpSocket":{"port":9091},"periodSeconds":30}'
pod never "$T/ex" '"command":["sleep","100000"],
   "readinessProbe":{"tcpSocket":{"port":9092},"periodSeconds":3,"failureThreshold":1}'
pod ex "$T/ex" '"command":["sleep","100000"],
   "readinessProbe":{"exec":{"command":["test","-f","/w/ready"]},"periodSeconds":1,"timeoutSeconds":5,"failureThreshold":1}'
pod live "$T/live" '"command":["sh","-c","touch /w/alive; exec sleep 100000"],
   "livenessProbe":{"exec":{"command":["test","-f","/w/alive"]},"periodSeconds":1,"timeoutSeconds":5,"failureThreshold":3}'
pod start "$T/start" '"command":["sleep","100000"],
   "startupProbe":{"exec":{"command":["test","-f","/w/started"]},"periodSeconds":1,"failureThreshold":600},
   "livenessProbe":{"exec":{"command":["false"]},"periodSeconds":1,"failureThreshold":1}'
pod hooks "$T/hooks" '"command":["sleep","100000"],
   "lifecycle":{"postStart":{"exec":{"command":["sh","-c","echo started > /w/poststart"]}},
    "preStop":{"exec":{"command":["sh","-c","cat /proc/1/comm > /w/prestop"]}}}' \
	20
pod badhook "$T/ex" '"command":["sleep","100000"],
   "lifecycle":{"postStart":{"exec":{"command":["false"]}}}'
pod grpc "$T/ex" '"command":["sleep","100000"],
   "readinessProbe":{"grpc":{"port":9000},"periodSeconds":1}'

# httpGet: Running but not Ready while the server sleeps, Ready once it listens.
wcheck "httpGet readiness: running but not ready before the server listens" web \
	"$running and s.get('ready') is False" 60
wcheck "httpGet readiness: Ready once the server answers 200" web \
	"$ready and any(c['type']=='Ready' and c['status']=='True' for c in j['status']['conditions'])" 60
rm -f "$T/web/ok"
wcheck "httpGet readiness: not Ready when the path 404s" web \
	"$running and s.get('ready') is False and any(c['type']=='Ready' and c['status']=='False' for c in j['status']['conditions'])" 30
echo back >"$T/web/ok"
wcheck "httpGet readiness: Ready again when it answers again" web "$ready" 30

wcheck "tcpSocket readiness: Ready once the port listens" tcp "$ready" 60

# early runs: the first probe (at the start, before python listens) fails;
# upstream's timing would then wait the 30 s period.
wcheck "tcpSocket readiness with a 30 s period: Ready within 15 s of the start (early runs)" early \
	"$ready and (__import__('time').time() - __import__('calendar').timegm(__import__('time').strptime(s['state']['running']['startedAt'], '%Y-%m-%dT%H:%M:%SZ'))) < 15" 60
# unhealthy COUNT-LIMIT POD: the pod's Readiness-failed Events, counted, are
# between 1 and COUNT-LIMIT
unhealthy() {
	k get events --field-selector "involvedObject.name=$2,reason=Unhealthy" -o json >"$T/ev" 2>"$T/err" &&
		$PY -c "
import json,sys
n=sum(e.get('count') or 1 for e in json.load(open('$T/ev'))['items'])
print('# %d failures counted' % n)
sys.exit(0 if 1 <= n <= $1 else 1)"
}
wcheck "a never-ready socket probe: running, not ready" never "$running and not s.get('ready')" 60
# ~6 s into the run: periodic runs at 0, 3 and 6 s; the 7 early runs of the
# first period would make it 9 or more if they counted
sleep 5
D="early runs that fail are not counted: at most 4 failures in the first 6 s" cond unhealthy 4 never
wcheck "exec readiness: not Ready while the command fails" ex "$running and not s.get('ready')" 60
sleep 3
waitpod ex "$running and not s.get('ready')" 1
D="exec readiness: still not Ready after a few periods" cond test $? = 0
touch "$T/ex/ready"
wcheck "exec readiness: Ready once the command succeeds" ex "$ready" 30

wcheck "liveness: running with restartCount 0 while the probe passes" live \
	"$running and s.get('restartCount')==0" 60
rm -f "$T/live/alive"
wcheck "liveness failure restarts the container: restartCount up, lastState.terminated set" live \
	"s.get('restartCount',0)>=1 and 'terminated' in s.get('lastState',{}) and s['lastState']['terminated'].get('exitCode') in (137,143)" 60

# startup gating: a liveness probe that always fails does not run until the
# startup probe passes.
wcheck "startup probe: running, not ready" start "$running and not s.get('ready')" 60
sleep 5
waitpod start "$running and s.get('restartCount')==0 and not s.get('ready')" 1
D="startup probe gates liveness: no restart for 5 s while it has not passed" cond test $? = 0
touch "$T/start/started"
wcheck "once the startup probe passes, the failing liveness probe restarts it" start \
	"s.get('restartCount',0)>=1" 60

wcheck "postStart ran after the start" hooks "$running and __import__('os').path.exists('$T/hooks/poststart')" 60
k delete pod hooks --wait=false >"$T/out" 2>"$T/err"
end=$((SECONDS + 30))
while [ $SECONDS -lt $end ] && [ ! -s "$T/hooks/prestop" ]; do sleep 0.5; done
D="preStop ran in the running container before it died" cond grep -qx sleep "$T/hooks/prestop"

wcheck "a failing postStart kills the container and it restarts" badhook \
	"s.get('restartCount',0)>=1" 60

wcheck "an unsupported probe handler (grpc) is reported in the container's status" grpc \
	"s.get('state',{}).get('waiting',{}).get('message','').startswith('readinessProbe: unsupported handler grpc') and not s.get('ready')" 60

exit $((FAILS > 0))
