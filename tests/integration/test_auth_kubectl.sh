#!/bin/bash
# Real kubectl (1.32 from the image and 1.20 from Debian's kubernetes-client)
# against skiff-server's authentication and RBAC. Prints TAP.
#
# Users come from --token-auth-file: alice (group dev), bob (no group),
# carol (group qa). The admin (admin.kubeconfig, system:masters) creates,
# with each kubectl version and its own names (suffix -<ver>):
#   Role pod-reader-V (get,list pods and pods/status) in default,
#   RoleBinding alice-pods-V (that Role to User alice),
#   RoleBinding dev-view-V (ClusterRole view to Group dev, in default),
#   ClusterRoleBinding carol-view-V (ClusterRole view to User carol);
# then asserts on kubectl's exit codes and on the exact text it prints
# (upstream's wording), for `auth can-i` (yes/no, -n, --subresource,
# --list, --as/--as-group and a refused impersonation), `auth whoami` and
# `create token` (1.32 only: 1.20 has neither), and a forbidden delete.
# kubectl 1.32 sends protobuf bodies (SelfSubjectAccessReview, Role,
# bindings): the objects read back as JSON must hold what was sent.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
K132=/usr/bin/kubectl
K120=/opt/skiff/kubectl-1.20/usr/bin/kubectl
TMP=$(mktemp -d "/tmp/sk$$-authkc.XXXXXX")
SRV_PID=

cleanup() {
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
	/usr/bin/python3 -c 'import socket
s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

ALICE=alice0token0000000000000000000a
BOB=bob0token000000000000000000000b
CAROL=carol0token0000000000000000000c
cat >"$TMP/tokens.csv" <<EOF
$ALICE,alice,alice-uid,"dev"
$BOB,bob,bob-uid
$CAROL,carol,carol-uid,"qa"
EOF

# --- server ---
PORT=$(free_port)
DATA=$TMP/data
"$BIN/skiff-server" --bind-address 127.0.0.1 --secure-port "$PORT" --data-dir "$DATA" \
	--dns-bind-address off --token-auth-file "$TMP/tokens.csv" >"$TMP/server.log" 2>&1 &
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
tap $up "skiff-server starts on 127.0.0.1:$PORT with --token-auth-file" \
	"$(tail -20 "$TMP/server.log")"
if [ $up -ne 0 ]; then
	echo "1..$n"
	exit 1
fi
KCFG=$DATA/admin.kubeconfig

# kc ARGS...: run the current kubectl as the admin unless ARGS hold
# --token; sets $out (stdout+stderr) and $rc.
kc() {
	out=$(HOME=$TMP/home-$V KUBECONFIG=$KCFG timeout 60 "$KC" --cache-dir "$TMP/cache-$V" \
		--request-timeout=30s "$@" 2>&1)
	rc=$?
}
# expect_out TEXT WANT RC: last kc printed exactly WANT (all of it) and
# exited RC.
expect_out() {
	[ $rc -eq "$3" ] && [ "$out" = "$2" ]
	tap $? "[$V] $1" "rc=$rc (want $3); wanted:
$2
got:
$out"
}
# expect_re TEXT ERE: last kc exited 0 and printed a line matching ERE.
expect_re() {
	[ $rc -eq 0 ] && grep -Eq -- "$2" <<<"$out"
	tap $? "[$V] $1" "rc=$rc; wanted /$2/; got:
$out"
}
# jcheck TEXT PYEXPR: last kc exited 0 and PYEXPR over its JSON (o) is true.
jcheck() {
	local res
	res=$(/usr/bin/python3 -c 'import json,sys; o=json.loads(sys.stdin.read()); print(bool(eval(sys.argv[1])))' \
		"$2" <<<"$out" 2>&1)
	[ $rc -eq 0 ] && [ "$res" = True ]
	tap $? "[$V] $1" "rc=$rc; wanted $2 ($res); got:
$out"
}

run_suite() {
	local s=$V
	local rbg=rbac.authorization.k8s.io

	# --- RBAC objects, created by the admin ---
	kc create role "pod-reader-$s" --verb=get,list --resource=pods,pods/status
	expect_out "create role" "role.$rbg/pod-reader-$s created" 0
	kc get role "pod-reader-$s" -o json
	jcheck "the Role holds the rules sent" \
		"o['rules']==[{'apiGroups':[''],'resources':['pods','pods/status'],'verbs':['get','list']}]"
	kc create rolebinding "alice-pods-$s" --role="pod-reader-$s" --user=alice
	expect_out "create rolebinding (User)" "rolebinding.$rbg/alice-pods-$s created" 0
	kc get rolebinding "alice-pods-$s" -o json
	jcheck "the RoleBinding holds roleRef and subjects sent" \
		"o['roleRef']=={'apiGroup':'$rbg','kind':'Role','name':'pod-reader-$s'} and o['subjects']==[{'apiGroup':'$rbg','kind':'User','name':'alice'}]"
	kc create rolebinding "dev-view-$s" --clusterrole=view --group=dev
	expect_out "create rolebinding (Group, ClusterRole)" "rolebinding.$rbg/dev-view-$s created" 0
	kc create clusterrolebinding "carol-view-$s" --clusterrole=view --user=carol
	expect_out "create clusterrolebinding" "clusterrolebinding.$rbg/carol-view-$s created" 0
	kc get clusterrolebinding "carol-view-$s" -o json
	jcheck "the ClusterRoleBinding holds roleRef and subjects sent" \
		"o['roleRef']=={'apiGroup':'$rbg','kind':'ClusterRole','name':'view'} and o['subjects']==[{'apiGroup':'$rbg','kind':'User','name':'carol'}] and 'namespace' not in o['metadata']"
	kc get roles,rolebindings -o wide
	expect_re "get roles -o wide lists the Role" "^role\.$rbg/pod-reader-$s +[0-9]{4}-[0-9]{2}-[0-9]{2}T"
	expect_re "get rolebindings -o wide: ROLE, USERS columns" \
		"^rolebinding\.$rbg/alice-pods-$s +Role/pod-reader-$s +[0-9]+s +alice *$"
	expect_re "get rolebindings -o wide: GROUPS column" \
		"^rolebinding\.$rbg/dev-view-$s +ClusterRole/view +[0-9]+s +dev *$"
	expect_re "get rolebindings -o wide: header" \
		"^NAME +ROLE +AGE +USERS +GROUPS +SERVICEACCOUNTS$"

	# --- auth can-i as token-file users ---
	kc auth can-i get pods --token="$ALICE"
	expect_out "can-i get pods as alice (RoleBinding): yes" "yes" 0
	kc auth can-i delete pods --token="$ALICE"
	expect_out "can-i delete pods as alice: no, exit 1" "no" 1
	kc auth can-i get services --token="$ALICE" -n default
	expect_out "can-i get services -n default as alice (Group dev): yes" "yes" 0
	kc auth can-i get services --token="$ALICE" -n kube-system
	expect_out "can-i get services -n kube-system as alice: no" "no" 1
	kc auth can-i get services --token="$CAROL" -n kube-system
	expect_out "can-i get services -n kube-system as carol (ClusterRoleBinding): yes" "yes" 0
	kc auth can-i get secrets --token="$CAROL"
	expect_out "can-i get secrets as carol (view has no secrets): no" "no" 1
	kc auth can-i get pods --subresource=status --token="$ALICE"
	expect_out "can-i get pods --subresource=status as alice: yes" "yes" 0
	kc auth can-i update pods --subresource=status --token="$ALICE"
	expect_out "can-i update pods --subresource=status as alice: no" "no" 1
	kc auth can-i get pods --subresource=log --token="$CAROL"
	expect_out "can-i get pods --subresource=log as carol (view): yes" "yes" 0
	kc auth can-i delete services --token="$BOB"
	expect_out "can-i delete services as bob: no" "no" 1
	kc auth can-i get /metrics --token="$BOB"
	expect_out "can-i get /metrics as bob: no" "no" 1
	kc auth can-i get /api --token="$BOB"
	expect_out "can-i get /api as bob (system:discovery): yes" "yes" 0

	# --- can-i --list ---
	kc auth can-i --list --token="$ALICE"
	expect_re "can-i --list: header" "^Resources +Non-Resource URLs +Resource Names +Verbs$"
	expect_re "can-i --list as alice: pods" "^pods +\[\] +\[\] +\[get list( watch)?\]$"
	expect_re "can-i --list as alice: pods/status" "^pods/status +\[\] +\[\] +\[get list( watch)?\]$"
	expect_re "can-i --list as alice: selfsubjectaccessreviews" \
		"^selfsubjectaccessreviews\.authorization\.k8s\.io +\[\] +\[\] +\[create\]$"
	kc auth can-i --list --token="$BOB"
	! grep -Eq '^(pods|services) ' <<<"$out" && [ $rc -eq 0 ]
	tap $? "[$V] can-i --list as bob: no pods or services" "rc=$rc; got:
$out"

	# --- impersonation ---
	kc auth can-i get services --as=bob
	expect_out "admin: can-i get services --as=bob: no" "no" 1
	kc auth can-i get services --as=bob --as-group=dev
	expect_out "admin: can-i get services --as=bob --as-group=dev: yes" "yes" 0
	kc auth can-i get pods --as=alice
	expect_out "admin: can-i get pods --as=alice: yes" "yes" 0
	kc auth can-i get services --as=bob --token="$ALICE"
	expect_out "alice may not impersonate: upstream's 403" \
		'Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope' 1
	kc get services --as=bob --as-group=dev --token="$ALICE"
	expect_out "alice may not impersonate (get): upstream's 403" \
		'Error from server (Forbidden): users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API group "" at the cluster scope' 1

	# --- a forbidden delete, printed as upstream prints it ---
	kc create service clusterip "x-$s" --tcp=80:8080
	expect_out "admin creates service x-$s" "service/x-$s created" 0
	kc delete svc "x-$s" --token="$BOB"
	expect_out "bob: delete svc: Forbidden" \
		"Error from server (Forbidden): services \"x-$s\" is forbidden: User \"bob\" cannot delete resource \"services\" in API group \"\" in the namespace \"default\"" 1
	kc delete svc "x-$s" --token="$ALICE"
	expect_out "alice (view): delete svc: Forbidden" \
		"Error from server (Forbidden): services \"x-$s\" is forbidden: User \"alice\" cannot delete resource \"services\" in API group \"\" in the namespace \"default\"" 1
	kc get svc "x-$s" -o jsonpath='{.metadata.name}'
	expect_out "the service is still there" "x-$s" 0
	kc get svc --token="$BOB"
	expect_out "bob: list services: Forbidden (collection wording)" \
		'Error from server (Forbidden): services is forbidden: User "bob" cannot list resource "services" in API group "" in the namespace "default"' 1
	kc get svc "x-$s" --token="$ALICE" -o jsonpath='{.metadata.name}'
	expect_out "alice (view in default) reads the service" "x-$s" 0
	kc delete svc "x-$s"
	expect_out "admin deletes it" "service \"x-$s\" deleted" 0
}

# 1.32 only: auth whoami, create token (and the token's RBAC), the
# protobuf SelfSubjectAccessReview.
run_suite_132() {
	local rbg=rbac.authorization.k8s.io

	kc auth whoami
	expect_out "auth whoami as the admin" "ATTRIBUTE   VALUE
Username    admin
UID         admin
Groups      [system:masters system:authenticated]" 0
	kc auth whoami --token="$ALICE"
	expect_out "auth whoami as alice" "ATTRIBUTE   VALUE
Username    alice
UID         alice-uid
Groups      [dev system:authenticated]" 0
	kc auth whoami --as=bob --as-group=dev
	expect_out "auth whoami --as=bob --as-group=dev" "ATTRIBUTE   VALUE
Username    bob
Groups      [dev system:authenticated]" 0
	kc auth whoami --as=carol --token="$BOB"
	# kubectl turns any 403 of the review into its own message
	expect_out "bob may not impersonate (whoami): kubectl's message for a 403" \
		'error: the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it' 1

	# kubectl 1.32 posts the review as protobuf; the server must decode
	# it (the attributes come back in the reply's spec)
	kc auth can-i get pods --subresource=status --token="$ALICE" -v=9
	grep -q 'Content-Type: application/vnd.kubernetes.protobuf' <<<"$out" &&
		grep -Eq 'POST https://127.0.0.1:[0-9]+/apis/authorization.k8s.io/v1/selfsubjectaccessreviews(\?[^ ]*)? 201' <<<"$out"
	tap $? "[$V] -v=9: auth can-i posts a protobuf SelfSubjectAccessReview, 201" \
		"$(grep -E 'Content-Type|selfsubjectaccessreviews' <<<"$out")"
	# klog quotes the reply body like a Go string: JSON-compatible
	body=$(grep -o 'Response Body" body=".*SelfSubjectAccessReview.*' <<<"$out" | tail -1 |
		sed 's/^Response Body" body=//')
	res=$(/usr/bin/python3 -c 'import json,sys; o=json.loads(json.loads(sys.stdin.read()))
print(o["spec"]["resourceAttributes"]=={"namespace":"default","verb":"get","resource":"pods","subresource":"status"} and o["status"]["allowed"] is True)' <<<"$body" 2>&1)
	[ "$res" = True ] && [ "$(tail -1 <<<"$out")" = yes ]
	tap $? "[$V] the server decoded the protobuf review (spec echoed, allowed)" "$body"

	# create token: a ServiceAccount token, then what RBAC lets it do
	kc create serviceaccount "robot-$V"
	expect_out "create serviceaccount" "serviceaccount/robot-$V created" 0
	kc create token "robot-$V"
	tok=$out
	[ $rc -eq 0 ] && grep -Eq '^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$' <<<"$tok"
	tap $? "[$V] create token prints a JWT" "rc=$rc; got: $tok"
	kc auth whoami --token="$tok"
	expect_re "the token is system:serviceaccount:default:robot-$V" \
		"^Username +system:serviceaccount:default:robot-$V$"
	expect_re "the token's groups" \
		"^Groups +\[system:serviceaccounts system:serviceaccounts:default system:authenticated\]$"
	kc get sa --token="$tok"
	expect_out "the token may not list serviceaccounts yet" \
		"Error from server (Forbidden): serviceaccounts is forbidden: User \"system:serviceaccount:default:robot-$V\" cannot list resource \"serviceaccounts\" in API group \"\" in the namespace \"default\"" 1
	kc create rolebinding "robot-view-$V" --clusterrole=view --serviceaccount="default:robot-$V"
	expect_out "create rolebinding (ServiceAccount)" "rolebinding.$rbg/robot-view-$V created" 0
	kc get rolebinding "robot-view-$V" -o json
	jcheck "the RoleBinding's ServiceAccount subject (no apiGroup, as upstream)" \
		"o['subjects']==[{'kind':'ServiceAccount','name':'robot-$V','namespace':'default'}]"
	kc get rolebinding "robot-view-$V" -o wide
	expect_re "get rolebinding -o wide: SERVICEACCOUNTS column" \
		"^robot-view-$V +ClusterRole/view +[0-9]+s +default/robot-$V$"
	kc get sa "robot-$V" --token="$tok" -o jsonpath='{.metadata.name}'
	expect_out "with the RoleBinding the token reads serviceaccounts" "robot-$V" 0
	kc auth can-i get sa -n kube-system --token="$tok"
	expect_out "but only in its namespace" "no" 1
	kc delete serviceaccount "robot-$V"
	expect_out "delete the serviceaccount" "serviceaccount \"robot-$V\" deleted" 0
	kc get sa --token="$tok"
	expect_out "the deleted ServiceAccount's token is refused" \
		"error: You must be logged in to the server (Unauthorized)" 1
}

versions=0
if [ -x "$K132" ] && "$K132" version --client 2>/dev/null | grep -Eq 'Client Version: v1\.(2[4-9]|3[0-9])\.'; then
	KC=$K132 V=132
	run_suite
	run_suite_132
	versions=$((versions + 1))
else
	skip "kubectl 1.3x suite" "no modern kubectl at $K132 (it comes with the image)"
fi
if [ -x "$K120" ]; then
	KC=$K120 V=120
	run_suite
	skip "[120] auth whoami, create token" "kubectl 1.20 has neither"
	versions=$((versions + 1))
else
	tap 1 "kubectl 1.20 present at $K120 (run scripts/deps.sh)"
fi

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
