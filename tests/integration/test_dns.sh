#!/bin/bash
# Cluster DNS end to end: a real skiff-server inside a network namespace
# made for this run (all traffic stays in it), Services and EndpointSlices
# created through the API, answers checked with dig (every record type and
# every negative case of shared/dns.md §1.1, TTLs, case, TCP, truncation and
# the TCP retry, EDNS), hostile packets (§6.1) with python, the update path,
# forwarding (to a fake upstream in the namespace) and its ACL, glibc
# getent with the pod resolv.conf (search path, ndots:5), skiffctl lookup,
# and /metrics. Prints TAP.
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/../.." && pwd)/build}
SERVER=$BIN/skiff-server
CTL=$BIN/skiffctl
PY=/usr/bin/python3
PLAN=69

NSN=sk$$dns
T=$(mktemp -d /tmp/skiff-dns-test.XXXXXX)
SRV_PID=
UP_PID=
cleanup() {
	[ -n "$SRV_PID" ] && kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	[ -n "$UP_PID" ] && kill "$UP_PID" 2>/dev/null && wait "$UP_PID" 2>/dev/null
	ip netns del "$NSN" 2>/dev/null
	rm -rf "/etc/netns/$NSN" "$T"
}
trap cleanup EXIT

N=0
FAILS=0
ok() { N=$((N + 1)); echo "ok $N - $1"; }
not_ok() {
	N=$((N + 1)); FAILS=$((FAILS + 1))
	echo "not ok $N - $1"
	# what the check looked at, as TAP diagnostics
	cat "$T/out" "$T/cmd" 2>/dev/null | sed 's/^/# /' | head -30
}
# check DESC COMMAND...: ok when the command succeeds ($T/out holds what
# it examined and is shown on failure).
check() {
	local desc=$1; shift
	if "$@" >"$T/cmd" 2>&1; then ok "$desc"; else not_ok "$desc"; fi
	rm -f "$T/out" "$T/cmd"
}

if ! command -v dig >/dev/null || [ ! -x "$SERVER" ]; then
	echo "1..0 # SKIP needs dig and $SERVER"
	exit 0
fi
if ! ip netns add "$NSN" 2>/dev/null; then
	echo "1..0 # SKIP cannot create a network namespace (needs root)"
	exit 0
fi
echo "1..$PLAN"
NS="ip netns exec $NSN"
# In the namespace, loopback carries a pod-range address (the DNS listener,
# a cluster client) and an outside address (not a cluster client).
$NS ip link set lo up
$NS ip addr add 10.244.0.53/32 dev lo
$NS ip addr add 192.0.2.10/32 dev lo
DNS=10.244.0.53
ZONE=cluster.local
# The pod resolv.conf of namespace "shop" (kubelet ClusterFirst), which
# `ip netns exec` bind-mounts over /etc/resolv.conf.
mkdir -p "/etc/netns/$NSN"
printf 'nameserver %s\nsearch shop.svc.%s svc.%s %s\noptions ndots:5 timeout:1 attempts:2\n' \
	"$DNS" "$ZONE" "$ZONE" "$ZONE" >"/etc/netns/$NSN/resolv.conf"

# A fake upstream resolver on 127.0.0.1:5300 (UDP and TCP): A for
# *.example.test -> 192.0.2.99, many.example.test -> 100 A (TC over UDP),
# NXDOMAIN for the rest; logs "id port" per UDP query so the test can see
# IDs and source ports.
cat >"$T/upstream.py" <<'EOF'
import socket, struct, sys, threading
log = open(sys.argv[1], "a", buffering=1)
def answer(q, tcp):
    off, labels = 12, []
    while off < len(q) and q[off]:
        labels.append(q[off + 1:off + 1 + q[off]].decode(errors="replace")); off += 1 + q[off]
    qend = off + 5
    name = ".".join(labels).lower()
    a_query = q[qend - 4:qend - 2] == b"\0\1"
    if name == "many.example.test" and a_query:
        if not tcp:  # too big for UDP: TC, so the forwarder must retry over TCP
            return q[:2] + b"\x83\x80\x00\x01\x00\x00\x00\x00\x00\x00" + q[12:qend]
        rrs = b"".join(b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([10, 1, 0, i + 1])
                       for i in range(100))
        return q[:2] + b"\x81\x80\x00\x01\x00\x64\x00\x00\x00\x00" + q[12:qend] + rrs
    if name.endswith(".example.test") and a_query:
        return (q[:2] + b"\x81\x80\x00\x01\x00\x01\x00\x00\x00\x00" + q[12:qend] +
                b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([192, 0, 2, 99]))
    return q[:2] + b"\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00" + q[12:qend]  # NXDOMAIN
def tcp_server():
    t = socket.socket(); t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    t.bind(("127.0.0.1", 5300)); t.listen(8)
    while True:
        c, _ = t.accept()
        try:
            n = struct.unpack(">H", c.recv(2))[0]; q = b""
            while len(q) < n:
                q += c.recv(n - len(q))
            log.write("tcp %d\n" % struct.unpack(">H", q[:2])[0])
            r = answer(q, True); c.sendall(struct.pack(">H", len(r)) + r)
        finally:
            c.close()
threading.Thread(target=tcp_server, daemon=True).start()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5300))
while True:
    q, addr = s.recvfrom(4096)
    if len(q) < 12:
        continue
    log.write("%d %d\n" % (struct.unpack(">H", q[:2])[0], addr[1]))
    s.sendto(answer(q, False), addr)
EOF
$NS $PY "$T/upstream.py" "$T/upstream.log" &
UP_PID=$!

$NS "$SERVER" --bind-address 127.0.0.1 --secure-port 6443 --data-dir "$T/data" \
	--dns-bind-address "$DNS:53" --dns-upstream 127.0.0.1:5300 >"$T/server.log" 2>&1 &
SRV_PID=$!
for _ in $(seq 100); do
	[ -s "$T/data/admin.kubeconfig" ] && $NS dig @$DNS +time=1 +tries=1 $ZONE SOA >/dev/null 2>&1 && break
	sleep 0.1
done
TOKEN=$(awk '/token:/ {print $2; exit}' "$T/data/admin.kubeconfig" 2>/dev/null)
API=https://127.0.0.1:6443

# api METHOD PATH [JSON]: the response body on stdout.
api() {
	$NS curl -sk -X "$1" -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" \
		${3:+--data-binary "$3"} "$API$2"
}
# dq ARGS...: dig at the cluster DNS from the cluster address.
dq() { $NS dig @$DNS +time=2 +tries=1 "$@" 2>&1; }
status() { dq "$@" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p'; }
# answers ARGS...: "name ttl type data" lines of the answer section.
answers() { dq +noall +answer "$@" | awk '{ $3 = ""; print }' | tr -s ' '; }
jget() { $PY -c "import json,sys; print(json.load(sys.stdin)$1)"; }

: >"$T/out"
if $NS dig @$DNS +time=1 +tries=1 $ZONE SOA 2>&1 | grep -q 'status: NOERROR'; then
	ok "skiff-server answers on $DNS:53 inside the test namespace"
else
	cat "$T/server.log" >"$T/out"; not_ok "skiff-server answers on $DNS:53"
	exit 1
fi

# --- objects through the API ---
api POST /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"shop"}}' >/dev/null
api POST /api/v1/namespaces '{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"empty"}}' >/dev/null
WEB_IP=$(api POST /api/v1/namespaces/shop/services '{"apiVersion":"v1","kind":"Service",
	"metadata":{"name":"web"},"spec":{"ports":[{"name":"http","port":80,"protocol":"TCP"},
	{"name":"metrics","port":9090,"protocol":"TCP"}]}}' | jget "['spec']['clusterIP']")
PLAIN_IP=$(api POST /api/v1/namespaces/shop/services '{"apiVersion":"v1","kind":"Service",
	"metadata":{"name":"plain"},"spec":{"ports":[{"port":8080}]}}' | jget "['spec']['clusterIP']")
api POST /api/v1/namespaces/shop/services '{"apiVersion":"v1","kind":"Service",
	"metadata":{"name":"db"},"spec":{"clusterIP":"None","ports":[{"name":"pg","port":5432}]}}' >/dev/null
api POST /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices '{"apiVersion":
	"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"db-1","labels":
	{"kubernetes.io/service-name":"db"}},"addressType":"IPv4","endpoints":[
	{"addresses":["10.244.1.5"],"hostname":"db-0","conditions":{"ready":true}},
	{"addresses":["10.244.1.6"],"hostname":"db-1","conditions":{"ready":true}},
	{"addresses":["10.244.1.7"],"hostname":"db-2","conditions":{"ready":false}}],
	"ports":[{"name":"pg","port":5432,"protocol":"TCP"}]}' >/dev/null
api POST /api/v1/namespaces/shop/services '{"apiVersion":"v1","kind":"Service",
	"metadata":{"name":"ext"},"spec":{"type":"ExternalName","externalName":"api.example.test"}}' >/dev/null
api POST /api/v1/namespaces/shop/services '{"apiVersion":"v1","kind":"Service",
	"metadata":{"name":"big"},"spec":{"clusterIP":"None","ports":[{"name":"http","port":80}]}}' >/dev/null
EPS=$($PY -c 'import json; print(json.dumps([{"addresses":["10.244.2.%d" % (i + 1)],
	"conditions":{"ready":True}} for i in range(100)]))')
api POST /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices "{\"apiVersion\":
	\"discovery.k8s.io/v1\",\"kind\":\"EndpointSlice\",\"metadata\":{\"name\":\"big-1\",
	\"labels\":{\"kubernetes.io/service-name\":\"big\"}},\"addressType\":\"IPv4\",
	\"endpoints\":$EPS,\"ports\":[{\"name\":\"http\",\"port\":80,\"protocol\":\"TCP\"}]}" >/dev/null
echo "web=$WEB_IP plain=$PLAIN_IP" >"$T/out"
check "services created through the API got ClusterIPs" \
	$PY -c "import ipaddress,sys; [ipaddress.ip_address(a) for a in sys.argv[1:]]" "$WEB_IP" "$PLAIN_IP"

# expect DESC WANT ARGS...: the normalized answer section equals WANT.
expect() {
	local desc=$1 want=$2; shift 2
	answers "$@" >"$T/got"
	printf '%b\n' "$want" >"$T/want"
	if diff -u "$T/want" "$T/got" >"$T/out"; then ok "$desc"; else not_ok "$desc"; fi
}
# neg DESC RCODE ARGS...: that rcode, no answer, the zone SOA in authority.
neg() {
	local desc=$1 want=$2; shift 2
	dq "$@" >"$T/out"
	if grep -q "status: $want," "$T/out" && grep -q 'ANSWER: 0,' "$T/out" &&
		grep -Eq "^$ZONE\.[[:space:]]+30[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns\.dns\.$ZONE\. hostmaster\.$ZONE\. [0-9]+ 7200 1800 86400 30" "$T/out"; then
		ok "$desc"
	else
		not_ok "$desc"
	fi
}

# --- §1 records ---
W=web.shop.svc.$ZONE.
expect "ClusterIP service: A with TTL 30" "$W 30 A $WEB_IP" web.shop.svc.$ZONE A
dq web.shop.svc.$ZONE A >"$T/out"
check "answers are authoritative (AA)" grep -q 'flags: qr aa' "$T/out"
expect "owner name keeps the query's case (0x20)" "WeB.sHoP.SVC.cluster.LOCAL. 30 A $WEB_IP" WeB.sHoP.SVC.cluster.LOCAL A
expect "SRV per named port" "_http._tcp.$W 30 SRV 0 100 80 $W" _http._tcp.web.shop.svc.$ZONE SRV
dq _metrics._tcp.web.shop.svc.$ZONE SRV >"$T/out"
check "SRV carries the target's A in additional" grep -Eq "^$W[[:space:]]+30[[:space:]]+IN[[:space:]]+A[[:space:]]+$WEB_IP" "$T/out"
neg "unnamed port: no SRV (NODATA at the service)" NOERROR plain.shop.svc.$ZONE SRV
neg "wrong protocol label: NXDOMAIN" NXDOMAIN _http._udp.web.shop.svc.$ZONE SRV
REV=$(echo "$WEB_IP" | awk -F. '{print $4"."$3"."$2"."$1".in-addr.arpa"}')
expect "PTR for the ClusterIP" "$REV. 30 PTR $W" -x "$WEB_IP"
D=db.shop.svc.$ZONE.
expect "headless: one A per ready endpoint" "$D 30 A 10.244.1.5\n$D 30 A 10.244.1.6" db.shop.svc.$ZONE A
expect "headless hostname (StatefulSet form)" "db-0.$D 30 A 10.244.1.5" db-0.db.shop.svc.$ZONE A
neg "not-ready endpoint's hostname: NXDOMAIN" NXDOMAIN db-2.db.shop.svc.$ZONE A
expect "headless SRV: one per ready endpoint and named port" \
	"_pg._tcp.$D 30 SRV 0 50 5432 db-0.$D\n_pg._tcp.$D 30 SRV 0 50 5432 db-1.$D" _pg._tcp.db.shop.svc.$ZONE SRV
expect "PTR for a headless endpoint IP" "6.1.244.10.in-addr.arpa. 30 PTR db-1.$D" -x 10.244.1.6
expect "ExternalName: CNAME" "ext.shop.svc.$ZONE. 30 CNAME api.example.test." ext.shop.svc.$ZONE CNAME
expect "dns-version TXT 1.1.0, TTL 28800" "dns-version.$ZONE. 28800 TXT \"1.1.0\"" dns-version.$ZONE TXT
dq $ZONE SOA >"$T/out"
check "apex SOA (ns.dns, hostmaster, 7200 1800 86400 ttl)" grep -Eq "^$ZONE\.[[:space:]]+30[[:space:]]+IN[[:space:]]+SOA[[:space:]]+ns\.dns\.$ZONE\. hostmaster\.$ZONE\. [0-9]+ 7200 1800 86400 30" "$T/out"
dq $ZONE NS >"$T/out"
check "apex NS ns.dns.<zone> with the kube-dns address in additional" \
	grep -Eq "^ns\.dns\.$ZONE\.[[:space:]]+30[[:space:]]+IN[[:space:]]+A[[:space:]]+10\.96\.0\.10" "$T/out"

# --- §1.1 negative answers ---
neg "apex A: NODATA" NOERROR $ZONE A
neg "svc.<zone>: NODATA" NOERROR svc.$ZONE A
neg "pod.<zone>: NODATA" NOERROR pod.$ZONE A
neg "<x>.<zone>: NXDOMAIN" NXDOMAIN foo.$ZONE A
neg "existing namespace: NODATA" NOERROR shop.svc.$ZONE A
neg "existing namespace without services: NODATA" NOERROR empty.svc.$ZONE A
neg "missing namespace: NXDOMAIN" NXDOMAIN nons.svc.$ZONE A
neg "AAAA on an IPv4-only service: NODATA" NOERROR web.shop.svc.$ZONE AAAA
neg "TXT on a service: NODATA" NOERROR web.shop.svc.$ZONE TXT
neg "missing service: NXDOMAIN" NXDOMAIN nope.shop.svc.$ZONE A
neg "missing endpoint hostname: NXDOMAIN" NXDOMAIN db-9.db.shop.svc.$ZONE A
neg "more than 5 labels below the zone: NXDOMAIN" NXDOMAIN a.b.c.d.e.f.svc.$ZONE A
neg "removed pod records: NXDOMAIN" NXDOMAIN 10-244-1-5.shop.pod.$ZONE A
neg "dns-version A: NODATA" NOERROR dns-version.$ZONE A

# --- transports, truncation, EDNS ---
answers +tcp web.shop.svc.$ZONE A >"$T/got"
answers +notcp web.shop.svc.$ZONE A >"$T/want"
check "TCP answers the same as UDP" diff -u "$T/want" "$T/got"
dq +noedns +ignore big.shop.svc.$ZONE A >"$T/out"
check "100 endpoints without EDNS: TC and as many A as fit in 512 bytes (29)" \
	grep -q 'flags: qr aa tc rd ra; QUERY: 1, ANSWER: 29,' "$T/out"
dq +bufsize=4096 +ignore big.shop.svc.$ZONE A >"$T/out"
check "EDNS 4096 is capped at 1232: TC with 73 A" \
	sh -c "grep -q 'flags: qr aa tc rd ra; QUERY: 1, ANSWER: 73,' '$T/out' && grep -q 'MSG SIZE  rcvd: 12[0-3][0-9]$' '$T/out'"
dq big.shop.svc.$ZONE A >"$T/out"
check "dig retries over TCP and gets all 100 endpoints" \
	grep -q 'flags: qr aa rd ra; QUERY: 1, ANSWER: 100,' "$T/out"
dq +noedns $ZONE SOA >"$T/out"
check "no OPT in, no OPT out" sh -c "! grep -q 'OPT PSEUDOSECTION' '$T/out' && grep -q 'status: NOERROR' '$T/out'"
dq +edns=1 +noednsneg $ZONE SOA >"$T/out"
check "EDNS version 1: BADVERS with an OPT of version 0" \
	sh -c "grep -q 'status: BADVERS' '$T/out' && grep -q 'EDNS: version: 0' '$T/out'"
dq +ednsopt=65001:abcd $ZONE SOA >"$T/out"
check "unknown EDNS option is ignored" grep -q 'status: NOERROR' "$T/out"
dq +ednsflags=0x80 +dnssec $ZONE SOA >"$T/out"
check "unknown EDNS flags and DO are answered" grep -q 'status: NOERROR' "$T/out"
dq $ZONE AXFR >"$T/out"
check "dig AXFR: transfer refused" grep -q 'Transfer failed' "$T/out"
$NS $PY -c "
import socket, struct, sys
q = struct.pack('>HHHHHH', 7, 0, 1, 0, 0, 0) + b'\x07cluster\x05local\x00' + struct.pack('>HH', 252, 1)
s = socket.create_connection(('$DNS', 53)); s.sendall(struct.pack('>H', len(q)) + q)
r = s.recv(4096)[2:]
print('rcode', r[3] & 15); sys.exit(0 if r[:2] == q[:2] and r[3] & 15 == 5 else 1)
" >"$T/out" 2>&1
check "AXFR over TCP: REFUSED" [ $? -eq 0 ]
dq -c CH version.bind TXT >"$T/out"
check "version.bind CH TXT: REFUSED" grep -q 'status: REFUSED' "$T/out"
expect "ANY: one RRset (RFC 8482)" "$D 30 A 10.244.1.5\n$D 30 A 10.244.1.6" db.shop.svc.$ZONE ANY

# --- §6.1 hostile packets, then the server still answers ---
cat >"$T/hostile.py" <<'EOF'
import socket, struct, sys
host = sys.argv[1]
def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".") if l) + b"\0"
def hdr(flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", 0x1234, flags, qd, an, ns, ar)
Q = name("web.shop.svc.cluster.local") + struct.pack(">HH", 1, 1)
def opt(ver=0, size=1232, rdata=b""):
    return b"\0" + struct.pack(">HHBBHH", 41, size, 0, ver, 0, len(rdata)) + rdata
cases = [
 ("5-byte packet", b"\x12\x34\x01\x00\x00", None),
 ("QR=1 (a response)", hdr(flags=0x8100) + Q, None),
 ("QDCOUNT=0", hdr(qd=0), 1),
 ("QDCOUNT=2", hdr(qd=2) + Q + Q, 1),
 ("truncated question", hdr() + Q[:10], 1),
 ("label type 0x40", hdr() + b"\x40abc\0" + struct.pack(">HH", 1, 1), 1),
 ("name over 255 octets", hdr() + (b"\x3f" + b"a" * 63) * 5 + b"\0\0\1\0\1", 1),
 ("pointer loop C0 0C", hdr() + b"\xc0\x0c\0\1\0\1", 1),
 ("forward pointer", hdr() + b"\x03abc\xc0\x20\0\1\0\1" + b"\0" * 20, 1),
 ("opcode 1", hdr(flags=0x0900) + Q, 4),
 ("opcode 15", hdr(flags=0x7900) + Q, 4),
 ("EDNS version 1", hdr(ar=1) + Q + opt(ver=1), 16),
 ("two OPT RRs", hdr(ar=2) + Q + opt() + opt(), 1),
 ("ARCOUNT=1 without bytes", hdr(ar=1) + Q, 1),
 ("unknown EDNS option 65001", hdr(ar=1) + Q + opt(rdata=b"\xfd\xe9\0\2ab"), 0),
 ("EDNS bufsize 0", hdr(ar=1) + Q + opt(size=0), 0),
 ("trailing garbage", hdr() + Q + b"garbage", 0),
 ("AXFR over UDP", hdr() + name("cluster.local") + struct.pack(">HH", 252, 1), 5),
 ("version.bind CH TXT", hdr() + name("version.bind") + struct.pack(">HH", 16, 3), 5),
]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.5)
bad = 0
for desc, pkt, want in cases:
    s.sendto(pkt, (host, 53))
    try:
        r = s.recv(65535)
    except socket.timeout:
        r = None
    if r is None:
        good = want is None; got = "dropped"
    else:
        rc = r[3] & 0xf
        if struct.unpack(">H", r[10:12])[0] and len(r) >= 23:
            rc |= r[-6] << 4
        good = want is not None and rc == want and r[:2] == b"\x12\x34" and r[2] & 0x80
        got = "rcode %d" % rc
    print("%s %s -> %s (want %s)" % ("OK" if good else "BAD", desc, got,
                                     "drop" if want is None else want))
    bad += not good
s.sendto(hdr() + Q, (host, 53))
r = s.recv(65535)
alive = r[3] & 0xf == 0 and struct.unpack(">H", r[6:8])[0] == 1
print("still answers:", alive)
sys.exit(1 if bad or not alive else 0)
EOF
$NS $PY "$T/hostile.py" "$DNS" >"$T/out" 2>&1
check "19 malformed/odd packets get the §6.1 rcode or a drop; server still answers" [ $? -eq 0 ]
for t in $(seq 200); do head -c $((RANDOM % 80 + 1)) /dev/urandom; echo; done >"$T/noise"
$NS $PY -c "
import socket,sys
s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
for l in open('$T/noise','rb'): s.sendto(l,('$DNS',53))
t=socket.create_connection(('$DNS',53)); t.sendall(b'\xff\xff'+b'x'*100); t.close()
t=socket.create_connection(('$DNS',53)); t.sendall(b'\x00\x05abc'); t.close()
" >"$T/out" 2>&1
check "random UDP noise and broken TCP frames do not stop the server" \
	sh -c "[ \"\$($NS dig @$DNS +short +time=2 +tries=1 web.shop.svc.$ZONE)\" = '$WEB_IP' ]"

# --- TCP: pipelined queries on one connection ---
$NS $PY - "$DNS" >"$T/out" 2>&1 <<'EOF'
import socket, struct, sys
def q(i, n):
    return struct.pack(">HHHHHH", i, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0\0\1\0\1"
msgs = [q(i, "web.shop.svc.cluster.local") for i in range(1, 9)] + [q(99, "big.shop.svc.cluster.local")]
data = b"".join(struct.pack(">H", len(m)) + m for m in msgs)
s = socket.create_connection((sys.argv[1], 53))
s.sendall(data[:33]); s.sendall(data[33:])
buf, got = b"", []
s.settimeout(3)
while len(got) < len(msgs):
    buf += s.recv(65535)
    while len(buf) >= 2 and len(buf) >= 2 + struct.unpack(">H", buf[:2])[0]:
        l = struct.unpack(">H", buf[:2])[0]; got.append(buf[2:2 + l]); buf = buf[2 + l:]
ids = sorted(struct.unpack(">H", m[:2])[0] for m in got)
counts = {struct.unpack(">H", m[:2])[0]: struct.unpack(">H", m[6:8])[0] for m in got}
print(ids, counts[99])
sys.exit(0 if ids == [1, 2, 3, 4, 5, 6, 7, 8, 99] and counts[99] == 100 else 1)
EOF
check "TCP: 9 pipelined queries (split mid-frame) all answered, 100 A over TCP" [ $? -eq 0 ]

# --- update path: answers follow create / change / delete ---
api PUT /api/v1/namespaces/shop/services/web "$(api GET /api/v1/namespaces/shop/services/web |
	$PY -c 'import json,sys; o=json.load(sys.stdin); o["spec"]["ports"][0]["name"]="www"; print(json.dumps(o))')" >/dev/null
expect "service change: the renamed port's SRV appears" "_www._tcp.$W 30 SRV 0 100 80 $W" _www._tcp.web.shop.svc.$ZONE SRV
neg "service change: the old port's SRV is gone" NXDOMAIN _http._tcp.web.shop.svc.$ZONE SRV
api PUT /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/db-1 "$(api GET /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/db-1 |
	$PY -c 'import json,sys; o=json.load(sys.stdin); o["endpoints"][2]["conditions"]["ready"]=True; print(json.dumps(o))')" >/dev/null
expect "endpoint becomes ready: its hostname answers" "db-2.$D 30 A 10.244.1.7" db-2.db.shop.svc.$ZONE A
api DELETE /apis/discovery.k8s.io/v1/namespaces/shop/endpointslices/db-1 >/dev/null
neg "endpoint slice deleted: headless name is NXDOMAIN" NXDOMAIN db.shop.svc.$ZONE A
api DELETE /api/v1/namespaces/shop/services/plain >/dev/null
neg "service deleted: NXDOMAIN" NXDOMAIN plain.shop.svc.$ZONE A
api POST /api/v1/namespaces/shop/services '{"apiVersion":"v1","kind":"Service",
	"metadata":{"name":"late"},"spec":{"ports":[{"port":80}]}}' >/dev/null
check "service created: answerable at once" sh -c "[ -n \"\$($NS dig @$DNS +short +time=2 +tries=1 late.shop.svc.$ZONE)\" ]"
# the reverse of a deleted ClusterIP is no longer ours: forwarded upstream
# for a cluster client (the fake upstream answers 192.0.2.99 to A only).
PREV=$(echo "$PLAIN_IP" | awk -F. '{print $4"."$3"."$2"."$1".in-addr.arpa"}')
check "deleted ClusterIP: its PTR is gone from the index" \
	sh -c "! $NS dig @$DNS +short +time=2 +tries=1 -x $PLAIN_IP | grep -q plain"

# --- forwarding and its ACL ---
: >"$T/upstream.log"
for i in 1 2 3 4 5; do dq +short www$i.example.test A; done >"$T/out"
check "cluster client: outside names forwarded upstream" [ "$(grep -c '^192.0.2.99$' "$T/out")" -eq 5 ]
check "upstream queries use distinct random IDs and source ports" \
	sh -c "[ \$(awk '{print \$1}' '$T/upstream.log' | sort -u | wc -l) -eq 5 ] && [ \$(awk '{print \$2}' '$T/upstream.log' | sort -u | wc -l) -ge 4 ]"
dq +tcp many.example.test A >"$T/out"
check "TCP client: upstream TC over UDP is retried upstream over TCP (100 A)" \
	sh -c "grep -q 'ANSWER: 100,' '$T/out' && grep -q '^tcp ' '$T/upstream.log'"
dq +notcp +ignore many.example.test A >"$T/out"
check "UDP client: the upstream's TC is passed on" grep -q 'flags: qr tc rd ra' "$T/out"
check "non-cluster client (192.0.2.10): outside name REFUSED" \
	[ "$(status -b 192.0.2.10 www.example.test A)" = REFUSED ]
check "non-cluster client: the cluster zone is still answered" \
	[ "$(status -b 192.0.2.10 web.shop.svc.$ZONE A)" = NOERROR ]
: >"$T/upstream.log"
dq nope.shop.svc.$ZONE A >/dev/null
check "the cluster zone is never forwarded" [ ! -s "$T/upstream.log" ]

# --- glibc with the pod resolv.conf (search path, ndots:5) ---
$NS getent ahosts web >"$T/out" 2>&1
check "getent ahosts web (short name via the search path)" grep -q "^$WEB_IP " "$T/out"
$NS getent ahosts web.shop >"$T/out" 2>&1
check "getent ahosts web.shop" grep -q "^$WEB_IP " "$T/out"
check "getent ahosts big (headless, 100 addresses, glibc over TCP)" \
	sh -c "$NS getent ahosts big | awk '{print \$1}' | sort -u | wc -l | grep -qx 100"
$NS getent ahosts nosuchname >"$T/out" 2>&1
check "unknown name fails cleanly (exit 2)" [ $? -eq 2 ]

# --- skiffctl lookup, metrics, still alive ---
if [ -x "$CTL" ]; then
	$NS "$CTL" lookup web -n shop --server "$DNS:53" -o json >"$T/out" 2>&1
	check "skiffctl lookup web -n shop matches web.shop.svc.<zone>" \
		$PY -c "import json; j=json.load(open('$T/out')); assert j['matched']=='web.shop.svc.$ZONE.' and j['answers'][0]['data']=='$WEB_IP'"
else
	ok "skiffctl lookup # SKIP $CTL not built"
fi
api GET /metrics >"$T/out"
check "/metrics: DNS counters and programming-latency histogram" \
	sh -c "grep -q '^skiff_dns_requests_total{transport=\"udp\"} [1-9]' '$T/out' && grep -q '^skiff_dns_programming_duration_seconds_count [1-9]' '$T/out' && grep -q '^skiff_dns_responses_total{rcode=\"NXDOMAIN\"} [1-9]' '$T/out'"
check "server still running" kill -0 "$SRV_PID"

if [ "$N" -ne "$PLAN" ]; then
	echo "# planned $PLAN tests, ran $N"
	FAILS=$((FAILS + 1))
fi
[ "$FAILS" -eq 0 ]
