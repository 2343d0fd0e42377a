#!/bin/bash
# skiffctl against a real skiff-server on 127.0.0.1 (HTTPS, admin kubeconfig
# from the server's --data-dir): every verb, every output format, and the
# error paths (bad resource, missing file, invalid YAML with its line, a 422
# from the server, errors as JSON with -o json). Prints TAP.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SERVER=$BIN/skiff-server
CTL=$BIN/skiffctl
PY=/usr/bin/python3

T=$(mktemp -d /tmp/skiffctl-test.XXXXXX)
SRV_PID=
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/tap_lib.sh"

# run ARGS...: skiffctl with stdout in $T/out, stderr in $T/err, status in RC.
run() {
	"$CTL" "$@" >"$T/out" 2>"$T/err"
	RC=$?
}

PLAN=52
if [ ! -x "$SERVER" ] || [ ! -x "$CTL" ]; then
	echo "1..1"
	echo "ok 1 - skiffctl integration # SKIP $SERVER or $CTL not built"
	exit 0
fi

echo "1..$PLAN"

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SERVER" --bind-address 127.0.0.1 --secure-port "$PORT" --data-dir "$T/data" \
	--dns-bind-address off >"$T/server.log" 2>&1 &
SRV_PID=$!
export KUBECONFIG=$T/data/admin.kubeconfig
export HOME=$T # never read the caller's ~/.kube/config
UP=0
for _ in $(seq 1 100); do
	[ -s "$KUBECONFIG" ] && "$CTL" get ns >/dev/null 2>&1 && UP=1 && break
	kill -0 "$SRV_PID" 2>/dev/null || break
	sleep 0.1
done
if [ "$UP" != 1 ]; then
	echo "Bail out! skiff-server did not come up on 127.0.0.1:$PORT"
	sed 's/^/# /' "$T/server.log" | head -30
	exit 1
fi

# --- get ---
run get namespaces
check "get ns lists the built-in namespaces" 0 "kube-system"
run get svc
check "get svc prints kubectl's columns" 0 "NAME         TYPE        CLUSTER-IP"
if grep -qF SELECTOR "$T/out"; then not_ok "priority-1 columns hidden without -o wide"; else ok "priority-1 columns hidden without -o wide"; fi
run get svc -o wide
check "get svc -o wide adds SELECTOR" 0 "SELECTOR"
run get services -A
if [ "$RC" = 0 ] && head -1 "$T/out" | grep -q '^NAMESPACE  *NAME' && grep -q '^default  *kubernetes' "$T/out"; then
	ok "get -A puts NAMESPACE first"
else not_ok "get -A puts NAMESPACE first"; fi
run get pods
check "empty list says so on stderr and exits 0" 0 "" "No resources found in default namespace."
run get po -n kube-public
check "-n selects the namespace" 0 "" "No resources found in kube-public namespace."

# --- create ---
cat >"$T/web.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata:
  name: web
  labels: {app: web, tier: front}
spec:
  selector: {app: web}
  ports:
  - name: http
    port: 80
    targetPort: 8080
---
# a comment-only part and an empty document are skipped
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: c
        image: busybox
EOF
run create -f "$T/web.yaml"
check "create -f posts every document" 0 "deployment.apps/web created"
grep -qxF "service/web created" "$T/out" && ok "create prints service/web created" || not_ok "create prints service/web created"
run create -f "$T/web.yaml"
check "create again: AlreadyExists from the server" 1 "" \
	"Error from server (AlreadyExists): error when creating \"$T/web.yaml\": services \"web\" already exists"

# --- output formats ---
run get svc web -o json
pycheck "get -o json is the object" "j['kind']=='Service' and j['metadata']['name']=='web' and j['spec']['ports'][0]['port']==80"
cp "$T/out" "$T/web.json"
run get svc web -o yaml
if $PY -c "import json,yaml,sys; sys.exit(0 if yaml.safe_load(open('$T/out'))==json.load(open('$T/web.json')) else 1)"; then
	ok "-o yaml reads back (PyYAML) as the same object as -o json"
else not_ok "-o yaml reads back (PyYAML) as the same object as -o json"; fi
grep -qF 'resourceVersion: "' "$T/out" && ok "-o yaml quotes numeric strings" || not_ok "-o yaml quotes numeric strings"
run get svc -o json
pycheck "a list prints as kind List" "j['kind']=='List' and sorted(i['metadata']['name'] for i in j['items'])==['kubernetes','web']"
run get svc -o name
check "-o name" 0 "service/web"
run get svc -l app=web -o name
if [ "$RC" = 0 ] && [ "$(cat "$T/out")" = "service/web" ]; then ok "-l filters by label"; else not_ok "-l filters by label"; fi
run get deploy
check "get deploy (short name) shows the deployment" 0 "web"
run get endpointslices
check "get endpointslices works" 0
run ge svc/web -o name
check "verb prefix and resource/name form" 0 "service/web"

# --- apply ---
run apply -f "$T/web.yaml"
check "apply on objects made by create patches them" 0 "service/web configured"
run apply -f "$T/web.yaml"
check "apply again: unchanged" 0 "service/web unchanged"
sed -e 's/port: 80$/port: 81/' -e 's/labels: {app: web, tier: front}/labels: {app: web}/' "$T/web.yaml" >"$T/web2.yaml"
run apply -f "$T/web2.yaml"
check "apply a change: configured" 0 "service/web configured"
run get svc web -o json
pycheck "apply changed the port and deleted the dropped label (3-way)" \
	"j['spec']['ports'][0]['port']==81 and 'tier' not in j['metadata']['labels'] and j['spec']['clusterIP']"
run apply -f "$T/web2.yaml"
check "apply the same change again: unchanged" 0 "service/web unchanged"
cat >"$T/list.json" <<'EOF'
{"apiVersion": "v1", "kind": "List", "items": [
 {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
  "spec": {"ports": [{"port": 5432}]}}]}
EOF
"$CTL" apply -f - <"$T/list.json" >"$T/out" 2>"$T/err"; RC=$?
check "apply -f - reads a JSON List from stdin" 0 "service/db created"

# --- describe ---
run describe service web
check "describe: Name" 0 "Name:              web"
for want in "Namespace:         default" "Selector:          app=web" "Type:              ClusterIP" \
	"Port:              http  81/TCP" "TargetPort:        8080/TCP" "Session Affinity:  None" \
	"Events:            <none>"; do
	grep -qF -- "$want" "$T/out" || echo "# missing: $want" >>"$T/err"
done
if grep -q "^# missing" "$T/err"; then not_ok "describe lays out fields like kubectl"; else ok "describe lays out fields like kubectl"; fi
if grep -qF "last-applied" "$T/out"; then not_ok "describe hides the last-applied annotation"; else ok "describe hides the last-applied annotation"; fi
run describe svc kubernetes
check "describe kubernetes shows its endpoints" 0 "Endpoints:         127.0.0.1:$PORT"

# --- scale ---
run scale deployment web --replicas=3
check "scale" 0 "deployment.apps/web scaled"
run get deploy web -o json
pycheck "scale set spec.replicas" "j['spec']['replicas']==3"
run scale deployment web
check "scale without --replicas names the flag" 1 "" "replicas"
run scale deployment web --replicas=abc
check "scale with a bad count names it" 1 "" '"abc"'
run scale deployment nosuch --replicas=1
check "scale a missing deployment: NotFound" 1 "" 'Error from server (NotFound): deployments.apps "nosuch" not found'

# --- delete ---
run delete svc web
check "delete prints kubectl's message" 0 'service "web" deleted'
run delete svc web
check "delete a missing object: NotFound, exit 1" 1 "" 'Error from server (NotFound): services "web" not found'
run delete -f "$T/web.yaml"
check "delete -f goes on after a missing object" 1 'deployment.apps "web" deleted'

# --- errors ---
run get widgets
check "bad resource name" 1 "" "the server doesn't have a resource type \"widgets\""
run create -f "$T/nonexistent.yaml"
check "missing file" 1 "" "the path \"$T/nonexistent.yaml\" does not exist"
printf 'apiVersion: v1\nkind: Service\n  metadata: {name: x}\n' >"$T/bad.yaml"
run apply -f "$T/bad.yaml"
check "invalid YAML names the line" 1 "" "line 3"
cat >"$T/invalid.yaml" <<'EOF'
apiVersion: v1
kind: Service
metadata: {name: badport}
spec:
  ports: [{port: 70000}]
EOF
run create -f "$T/invalid.yaml"
check "a 422 from the server is shown" 1 "" 'spec.ports[0].port: Invalid value: 70000'
grep -qF 'The Service "badport" is invalid: ' "$T/err" && ok "a 422 reads like kubectl's" || not_ok "a 422 reads like kubectl's"
run get widgets -o json
pycheck "-o json: errors are JSON" "'widgets' in j['error']"
run get svc nosuch -o json
pycheck "-o json: server errors are JSON" "j['error']=='Error from server (NotFound): services \"nosuch\" not found'"
run de svc x
check "ambiguous verb prefix" 1 "" "ambiguous"
run frobnicate
check "unknown verb" 1 "" 'unknown command "frobnicate"'
run get svc --kubeconfig "$T/none.kubeconfig"
check "missing kubeconfig names the file" 1 "" "$T/none.kubeconfig"
printf 'apiVersion: v1\nkind: Widget\nmetadata: {name: w}\n' >"$T/widget.yaml"
run apply -f "$T/widget.yaml"
check "unknown kind in a manifest" 1 "" 'no matches for kind "Widget" in version "v1"'
printf 'apiVersion: v1\nkind: Service\nmetadata: {name: n, namespace: a}\nspec: {ports: [{port: 1}]}\n' >"$T/ns.yaml"
run create -f "$T/ns.yaml" -n b
check "-n that contradicts the manifest" 1 "" "does not match the namespace \"b\""

# --- TLS and authentication come from the kubeconfig ---
$PY - "$KUBECONFIG" "$T" <<'EOF'
import sys, yaml
src, t = sys.argv[1], sys.argv[2]
def write(name, fn):
    c = yaml.safe_load(open(src))
    fn(c)
    yaml.safe_dump(c, open(f"{t}/{name}", "w"))
def wrong_ca(c):
    cl = c["clusters"][0]["cluster"]
    del cl["certificate-authority-data"]
    cl["certificate-authority"] = "other-ca.crt"  # relative to the kubeconfig
def insecure(c):
    cl = c["clusters"][0]["cluster"]
    del cl["certificate-authority-data"]
    cl["insecure-skip-tls-verify"] = True
def bad_token(c):
    c["users"][0]["user"]["token"] = "not-the-token"
write("wrong-ca.kubeconfig", wrong_ca)
write("insecure.kubeconfig", insecure)
write("bad-token.kubeconfig", bad_token)
EOF
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=other-ca -keyout "$T/other-ca.key" -out "$T/other-ca.crt" >/dev/null 2>&1
run get ns --kubeconfig "$T/wrong-ca.kubeconfig"
check "a CA that did not sign the server's certificate is refused" 1 "" "unable to connect to the server"
run get ns --kubeconfig "$T/insecure.kubeconfig"
check "insecure-skip-tls-verify connects without a CA" 0 "kube-system"
run get ns --kubeconfig "$T/bad-token.kubeconfig"
check "a wrong token gets the server's 401" 1 "" "Error from server (Unauthorized)"

if [ "$N" -ne "$PLAN" ]; then
	echo "# planned $PLAN tests, ran $N"
	FAILS=$((FAILS + 1))
fi
[ "$FAILS" -eq 0 ]
