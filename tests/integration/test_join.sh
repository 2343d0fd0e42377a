#!/bin/bash
# Joining a node (issue 9): skiffctl token create|list|delete against a real
# skiff-server on 127.0.0.1, then skiff-node --server/--token/
# --discovery-token-ca-cert-hash exchanging the join token for its own
# credential (written to --state-dir/kubeconfig) and running on it, attached
# to a cgroup v2 made for the run. The failures: a wrong CA hash, an
# expired token, a deleted (revoked) token used again, a malformed token,
# a missing hash, and a join token used against /api/v1/secrets. Prints TAP.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SERVER=$BIN/skiff-server
NODE=$BIN/skiff-node
CTL=$BIN/skiffctl
PY=/usr/bin/python3

P=skj$$
T=$(mktemp -d /tmp/skiff-join-test.XXXXXX)
CGROUP=/sys/fs/cgroup/unified/$P
PIN=$T/bpf
SRV_PID=
NODE_PID=
cleanup() {
	[ -n "$NODE_PID" ] && kill "$NODE_PID" 2>/dev/null && wait "$NODE_PID" 2>/dev/null
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	"$NODE" --cleanup --bpf-pin-dir "$PIN" >/dev/null 2>&1
	umount "$PIN" 2>/dev/null
	[ -d "$CGROUP" ] && rmdir "$CGROUP" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

. "$(dirname "$0")/tap_lib.sh"

# run CMD ARGS...: stdout in $T/out, stderr in $T/err, status in RC.
run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}

PLAN=19
for b in "$SERVER" "$NODE" "$CTL"; do
	if [ ! -x "$b" ]; then
		echo "1..0 # SKIP $b not built"
		exit 0
	fi
done
echo "1..$PLAN"

PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$SERVER" --bind-address 127.0.0.1 --secure-port "$PORT" --data-dir "$T/data" \
	--dns-bind-address off >"$T/server.log" 2>&1 &
SRV_PID=$!
export KUBECONFIG=$T/data/admin.kubeconfig
export HOME=$T # never read the caller's ~/.kube/config
URL=https://127.0.0.1:$PORT
for _ in $(seq 100); do
	[ -f "$KUBECONFIG" ] && "$CTL" get ns >/dev/null 2>&1 && break
	sleep 0.1
done
ADMIN_TOKEN=$(awk '/token:/ {print $2; exit}' "$KUBECONFIG")
HASH=sha256:$(openssl x509 -in "$T/data/ca.crt" -pubkey -noout |
	openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)

# join NAME STATE_DIR ARGS...: skiff-node joining as NAME; it exits on any
# join failure, else keeps running (killed by the caller).
join() {
	local name=$1 state=$2
	shift 2
	# the proxy alone: this test's node runs in the root network namespace,
	# so bpf explicitly (never the iptables fallback's rules there)
	run timeout "${JOIN_TIMEOUT:-10}" "$NODE" --no-kubelet --proxy-mode bpf --hostname-override "$name" \
		--state-dir "$state" \
		--bpf-pin-dir "$PIN" --cgroup "$CGROUP" --server "$URL" \
		--healthz-bind-address "" --metrics-bind-address "" "$@"
}

# --- skiffctl token ---
run "$CTL" token create --ttl 1h --description "test node"
TOKEN=$(head -1 "$T/out")
[[ $TOKEN =~ ^[a-z0-9]{6}\.[a-z0-9]{16}$ ]] || RC=99
check "token create prints a token and the join command with the CA's hash" 0 \
	"skiff-node --server $URL --token $TOKEN --discovery-token-ca-cert-hash $HASH"
run "$CTL" token list
check "token list shows the token, its TTL and description" 0 "$TOKEN   59m" "" "test node"
run "$CTL" token list -o json
pycheck "token list -o json gives kubeadm's BootstrapToken with usages and expiry" \
	"[(t['kind'], t['usages'], t['description'], t['ttl'], t['expires'][:2]) for t in j['items'] if t['token'] == '$TOKEN'] == [('BootstrapToken', ['authentication', 'signing'], 'test node', '59m', '20')]"
run "$CTL" token create --ttl 5x
check "token create --ttl 5x fails naming the flag" fail "" \
	'invalid argument "5x" for "--ttl" flag'
run "$CTL" token delete nothere.x
check "token delete of a malformed id fails" fail "" "didn't match pattern"

# --- a node joins ---
mkdir -p "$CGROUP" 2>/dev/null
HPORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$NODE" --no-kubelet --proxy-mode bpf --hostname-override n1 --state-dir "$T/n1" --bpf-pin-dir "$PIN" --cgroup "$CGROUP" \
	--server "$URL" --token "$TOKEN" --discovery-token-ca-cert-hash "$HASH" \
	--healthz-bind-address "127.0.0.1:$HPORT" --metrics-bind-address "" >"$T/node.log" 2>&1 &
NODE_PID=$!
for _ in $(seq 100); do
	[ -f "$T/n1/kubeconfig" ] && break
	sleep 0.1
done
cp "$T/node.log" "$T/err"
: >"$T/out"
if [ -f "$T/n1/kubeconfig" ] && grep -q "joined the cluster at $URL as system:node:n1" "$T/node.log"; then
	ok "skiff-node --token joins and writes <state-dir>/kubeconfig"
else
	not_ok "skiff-node --token joins and writes <state-dir>/kubeconfig"
fi
NODE_TOKEN=$(awk '/token:/ {print $2; exit}' "$T/n1/kubeconfig" 2>/dev/null)
if [ -n "$NODE_TOKEN" ] && [ "$NODE_TOKEN" != "$ADMIN_TOKEN" ] && [ "$NODE_TOKEN" != "$TOKEN" ] &&
	[ "$(stat -c %a "$T/n1/kubeconfig")" = 600 ] &&
	grep -q "name: system:node:n1" "$T/n1/kubeconfig"; then
	ok "the node's kubeconfig (0600) holds its own credential, not the admin or join token"
else
	not_ok "the node's kubeconfig (0600) holds its own credential, not the admin or join token"
fi
run curl -sS --cacert "$T/data/ca.crt" -H "Authorization: Bearer $NODE_TOKEN" \
	"$URL/apis/authentication.k8s.io/v1/selfsubjectreviews" -X POST \
	-H 'Content-Type: application/json' \
	-d '{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}'
pycheck "the node credential authenticates as system:node:n1 in system:nodes" \
	"j['status']['userInfo']['username'] == 'system:node:n1' and 'system:nodes' in j['status']['userInfo']['groups']"
# The node runs on its credential: BPF attached to the test cgroup, its
# lists of Services and EndpointSlices answered (healthz 200 = synced).
HEALTHY=
for _ in $(seq 100); do
	if [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$HPORT/healthz")" = 200 ]; then
		HEALTHY=1
		break
	fi
	kill -0 "$NODE_PID" 2>/dev/null || break
	sleep 0.1
done
cp "$T/node.log" "$T/err"
if [ -n "$HEALTHY" ]; then
	ok "skiff-node runs on the node credential"
else
	not_ok "skiff-node runs on the node credential"
fi
kill "$NODE_PID" 2>/dev/null
wait "$NODE_PID" 2>/dev/null
NODE_PID=

# --- the join token is good for nothing else ---
run curl -sS -o /dev/null -w '%{http_code}' --cacert "$T/data/ca.crt" \
	-H "Authorization: Bearer $TOKEN" "$URL/api/v1/secrets"
check "a join token cannot list /api/v1/secrets (403)" 0 "403"

# --- revoked: delete the token, join again ---
run "$CTL" token delete "$TOKEN"
check "token delete <token> deletes bootstrap-token-<id>" 0 "bootstrap token \"${TOKEN%%.*}\" deleted"
join n2 "$T/n2" --token "$TOKEN" --discovery-token-ca-cert-hash "$HASH"
check "a deleted (revoked) token is refused" fail "" \
	"join: the server refused the join token: it is unknown or has been revoked (401 Unauthorized)"
# A restart of the joined node uses its stored credential, not the token
# (and keeps running: timeout's 124).
JOIN_TIMEOUT=3 join n1 "$T/n1" --token "$TOKEN" --discovery-token-ca-cert-hash "$HASH"
if [ "$RC" -eq 124 ] && grep -q "already joined: using $T/n1/kubeconfig" "$T/err"; then
	ok "a restart uses <state-dir>/kubeconfig and does not join again"
else
	not_ok "a restart uses <state-dir>/kubeconfig and does not join again"
fi

# --- wrong CA hash ---
run "$CTL" token create
TOKEN2=$(head -1 "$T/out")
WRONG=sha256:$(printf x | sha256sum | cut -d' ' -f1)
join n3 "$T/n3" --token "$TOKEN2" --discovery-token-ca-cert-hash "$WRONG"
check "a wrong CA hash is refused, naming both hashes" fail "" \
	"join: the server's CA hash $HASH does not match --discovery-token-ca-cert-hash $WRONG; refusing to trust it"
if [ ! -e "$T/n3/kubeconfig" ]; then ok "no kubeconfig after a wrong hash"; else not_ok "no kubeconfig after a wrong hash"; fi

# --- expired ---
run "$CTL" token create --ttl 1s
TOKEN3=$(head -1 "$T/out")
sleep 2
join n4 "$T/n4" --token "$TOKEN3" --discovery-token-ca-cert-hash "$HASH"
check "an expired token is refused with the server's message" fail "" \
	"join: the server refused the join token: the bootstrap token \"${TOKEN3%%.*}\" has expired"

# --- checked locally, before any request ---
join n5 "$T/n5" --token abcdef.0123456789ABCDEF --discovery-token-ca-cert-hash "$HASH"
check "a malformed token is refused locally" fail "" \
	"--token: not a join token (want [a-z0-9]{6}.[a-z0-9]{16})"
join n5 "$T/n5" --token "$TOKEN2"
check "--token without --discovery-token-ca-cert-hash is an error" fail "" \
	"--discovery-token-unsafe-skip-ca-verification"

# apimachinery's ShortHumanDuration says "0s" until 2 s past the expiry.
sleep 2
run "$CTL" token list
check "token list shows an expired token's TTL as <invalid>" 0 "$TOKEN3   <invalid>"

if [ "$N" -ne "$PLAN" ]; then
	echo "# planned $PLAN tests, ran $N"
	FAILS=$((FAILS + 1))
fi
[ "$FAILS" -eq 0 ]
