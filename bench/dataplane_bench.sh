#!/bin/bash
# dataplane_bench.sh: Skiff's socket-level load balancer side by side with
# its peers, in one run, on one machine (issue 3, "Benchmarks").
#
# Peers, same namespaces, same backend servers:
#   direct    the client connects to the pod IPs itself (round robin): the limit
#   skiff     skiff-node's cgroup programs translate connect() to a ClusterIP
#   iptables  kube-proxy's iptables (nat) layout, loaded with iptables-restore
#   haproxy   Debian's HAProxy, `balance leastconn`, in the client namespace
# plus "direct+cg": pod IPs from inside skiff's cgroup, the cost of the
# hooks for connections that are not to a service.
#
# Everything runs in namespaces and a cgroup made here and removed on exit:
#   <P>br        a bridge; every other namespace hangs off it by a veth pair
#   <P>b0..b3    backends ("pods") 10.244.1.10-13: bench/lbserver on :8080
#                (no delay) and :8081 (balance test: 3 fast + 1 slow)
#   <P>c         client for direct, skiff and haproxy (10.244.0.2)
#   <P>i         client for iptables (10.244.0.3); kube-proxy's rules get a
#                namespace of their own so that the conntrack and NAT hooks
#                they switch on do not tax the other peers
#   cgroup <P>a  skiff-node's programs attach here; the skiff client runs in it
# skiff-server listens on 127.0.0.1 of the root namespace (loopback only).
# Nothing is sent outside these namespaces or loopback, nothing changes in
# the root namespace's interfaces, routes or netfilter, nothing attaches to
# the root cgroup.
#
# Usage: bench/dataplane_bench.sh   (root; binaries from $SKIFF_BIN, default
# build/). Knobs (environment): BENCH_CONC (16) concurrent connections,
# BENCH_DUR (3) seconds per measurement after BENCH_WARM (1), BENCH_REPS (3)
# alternating repetitions (best kept), BENCH_THREADS (nproc) load threads,
# BENCH_SVCS ("1 1000 10000") service counts, BENCH_EPS (10) endpoints per
# filler service, BENCH_CHANGES (40) endpoint changes, BENCH_IPT_CHANGES (4),
# BENCH_BAL_CONC (32), BENCH_BAL_DUR (6), BENCH_FAST_US (1000),
# BENCH_SLOW_US (10000), BENCH_IPT_POS (mid|first|last: where the measured
# service sits in KUBE-SERVICES; kube-proxy's order is arbitrary, mid is
# the average case), BENCH_IPT (iptables-restore binary, default
# iptables-restore, i.e. Debian's nf_tables backend).
set -eu -o pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${SKIFF_BIN:-$ROOT/build}
CONC=${BENCH_CONC:-16}
DUR=${BENCH_DUR:-3}
WARM=${BENCH_WARM:-1}
REPS=${BENCH_REPS:-3}
THREADS=${BENCH_THREADS:-$(nproc)}
SVCS=${BENCH_SVCS:-"1 1000 10000"}
EPS=${BENCH_EPS:-10}
CHANGES=${BENCH_CHANGES:-40}
IPT_CHANGES=${BENCH_IPT_CHANGES:-4}
BAL_CONC=${BENCH_BAL_CONC:-32}
BAL_DUR=${BENCH_BAL_DUR:-6}
FAST_US=${BENCH_FAST_US:-1000}
SLOW_US=${BENCH_SLOW_US:-10000}
IPT_POS=${BENCH_IPT_POS:-mid}
IPT=${BENCH_IPT:-iptables-restore}
CG2=${BENCH_CGROUP2:-$(awk '$3 == "cgroup2" { print $2; exit }' /proc/mounts)}

read -r FIRST _ <<<"$SVCS"
LAST=${SVCS##* }
P=sk$$
NSBR=${P}br NSC=${P}c NSI=${P}i
BACKENDS=(10.244.1.10 10.244.1.11 10.244.1.12 10.244.1.13)
CLIENT_C=10.244.0.2 CLIENT_I=10.244.0.3
WORK=$(mktemp -d "/tmp/${P}.XXXXXX")
CGA=$CG2/${P}a CGB=$CG2/${P}b
# A cgroup-v1 memory cgroup (when the hierarchy exists) charges the kernel
# memory of the iptables rules to something we can read.
MEMCG=""
[ -f /sys/fs/cgroup/memory/memory.kmem.usage_in_bytes ] && MEMCG=/sys/fs/cgroup/memory/${P}m
PIN=$WORK/bpffs
PIDS=()
NSLIST=()
T0=$(date +%s)

log() { printf '# [%3ds] %s\n' $(($(date +%s) - T0)) "$*" >&2; }
die() {
	echo "dataplane_bench: $*" >&2
	exit 1
}
now_ns() { date +%s%N; }

# ---------------------------------------------------------------- cleanup
cleanup() {
	local rc=$? pid ns cg
	set +e
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null
	done
	# Detach the programs and drop the pins of both skiff-node instances.
	for d in "$PIN/a" "$PIN/b"; do
		[ -d "$d" ] && "$BIN/skiff-node" --cleanup --bpf-pin-dir "$d" >/dev/null 2>&1
	done
	[ -n "$MEMCG" ] && [ -d "$MEMCG" ] && rmdir "$MEMCG"
	for cg in "$CGA" "$CGB"; do
		if [ -d "$cg" ]; then
			# Anything still inside (a killed client) goes back to our own cgroup first.
			while read -r pid; do
				echo "$pid" >"$CG2/cgroup.procs" 2>/dev/null
			done <"$cg/cgroup.procs"
			rmdir "$cg" 2>/dev/null || echo "dataplane_bench: could not remove $cg" >&2
		fi
	done
	mountpoint -q "$PIN" && umount "$PIN"
	for ns in "${NSLIST[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	rm -rf "$WORK"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------- checks
[ "$(id -u)" = 0 ] || die "run as root"
for t in gcc ip python3 curl awk "$IPT" haproxy bpftool; do
	command -v "$t" >/dev/null || die "$t not found (DEPS_BENCH=1 scripts/deps.sh installs the peers)"
done
[ -x "$BIN/skiff-server" ] || die "$BIN/skiff-server missing (make)"
if [ -z "$CG2" ] || [ ! -d "$CG2" ]; then
	die "no cgroup v2 mount found"
fi

gcc -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$WORK/lbserver" "$ROOT/bench/lbserver.c"
gcc -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -o "$WORK/lbload" "$ROOT/bench/lbload.c" -lpthread

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---------------------------------------------------------------- API helper
# Bulk creation over keep-alive HTTPS, one-endpoint changes, and kube-proxy's
# iptables layout generated from the API's Services and EndpointSlices.
cat >"$WORK/api.py" <<'PYEOF'
import base64, hashlib, http.client, ipaddress, json, os, ssl, sys, threading, time

HOST, PORT = os.environ["SKIFF_API"].split("//", 1)[1].rsplit(":", 1)
HDR = {"Authorization": "Bearer " + os.environ["SKIFF_TOKEN"],
       "Content-Type": "application/json", "Accept": "application/json"}
CTX = ssl.create_default_context(cafile=os.environ["SKIFF_CA"])
CTX.check_hostname = False
NS = "default"
SVC_PATH = "/api/v1/namespaces/%s/services" % NS
EPS_PATH = "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % NS
CLUSTER_CIDR = "10.244.0.0/16"


def conn():
    return http.client.HTTPSConnection(HOST, int(PORT), context=CTX, timeout=120)


def req(c, method, path, body=None, ctype=None):
    h = dict(HDR)
    if ctype:
        h["Content-Type"] = ctype
    c.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = c.getresponse()
    data = r.read()
    if r.status >= 300:
        raise RuntimeError("%s %s: %d %s" % (method, path, r.status, data[:300]))
    return json.loads(data) if data else None


def endpoints(ips):
    return [{"addresses": [ip], "conditions": {"ready": True, "serving": True, "terminating": False}}
            for ip in ips]


def svc_obj(name, port, tport):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": NS},
            "spec": {"type": "ClusterIP", "ports": [{"name": "http", "port": port,
                                                     "targetPort": tport, "protocol": "TCP"}]}}


def slice_obj(name, tport, ips):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name + "-s", "namespace": NS,
                         "labels": {"kubernetes.io/service-name": name}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": tport, "protocol": "TCP"}],
            "endpoints": endpoints(ips)}


def filler_ips(i, nep):
    # Filler endpoints: 172.16.0.0/12, never sent any traffic.
    base = int(ipaddress.IPv4Address("172.16.0.0"))
    return [str(ipaddress.IPv4Address(base + i * nep + k)) for k in range(nep)]


def create(first, count, nep):
    """Filler services f-NNNNN (selector-less) with one EndpointSlice each."""
    nthreads, errs = 4, []

    def work(tid):
        try:
            c = conn()
            for i in range(first + tid, first + count, nthreads):
                name = "f-%05d" % i
                req(c, "POST", SVC_PATH, svc_obj(name, 80, 8080))
                req(c, "POST", EPS_PATH, slice_obj(name, 8080, filler_ips(i, nep)))
        except Exception as e:  # reported below
            errs.append(e)
    ts = [threading.Thread(target=work, args=(t,)) for t in range(nthreads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errs:
        raise errs[0]


def one_svc(name, tport, ips):
    c = conn()
    s = req(c, "POST", SVC_PATH, svc_obj(name, 80, int(tport)))
    req(c, "POST", EPS_PATH, slice_obj(name, int(tport), ips.split(",")))
    print(s["spec"]["clusterIP"])


def ports():
    """Service ports with a ClusterIP, cluster-wide: what skiff-node programs."""
    n = 0
    for s in req(conn(), "GET", "/api/v1/services")["items"]:
        ip = s["spec"].get("clusterIP")
        if ip and ip != "None":
            n += len(s["spec"].get("ports") or [])
    print(n)


def change(name, k, gap_ms):
    """K one-endpoint changes of NAME's slice: endpoint 0 flips between its
    address and 192.168.0.1 (a merge patch of the endpoints list)."""
    c = conn()
    path = EPS_PATH + "/" + name + "-s"
    ips = [e["addresses"][0] for e in req(c, "GET", path)["endpoints"]]
    orig = ips[0]
    for i in range(k):
        ips[0] = "192.168.0.1" if i % 2 == 0 else orig
        req(c, "PATCH", path, {"endpoints": endpoints(ips)}, "application/merge-patch+json")
        time.sleep(gap_ms / 1000.0)


def chain_hash(s):
    # kube-proxy's portProtoHash / servicePortEndpointChainName.
    return base64.b32encode(hashlib.sha256(s.encode()).digest()).decode()[:16]


def svc_rules(ns, name, vip, p, ips):
    """(KUBE-SERVICES rule, [chains], [rules]) of one service port, as
    kube-proxy's iptables mode writes them."""
    spn = "%s/%s:%s" % (ns, name, p.get("name", ""))
    proto = p.get("protocol", "TCP").lower()
    tport = p.get("targetPort", p["port"])
    svc = "KUBE-SVC-" + chain_hash(spn + proto.upper())
    chains, rules = [svc], []
    top = ('-A KUBE-SERVICES -d %s/32 -p %s -m comment --comment "%s cluster IP" -m %s '
           '--dport %d -j %s' % (vip, proto, spn, proto, p["port"], svc))
    rules.append('-A %s ! -s %s -d %s/32 -p %s -m comment --comment "%s cluster IP" -m %s '
                 '--dport %d -j KUBE-MARK-MASQ' % (svc, CLUSTER_CIDR, vip, proto, spn, proto,
                                                   p["port"]))
    n = len(ips)
    for i, ip in enumerate(ips):
        sep = "KUBE-SEP-" + chain_hash(spn + proto.upper() + "%s:%s" % (ip, tport))
        chains.append(sep)
        prob = "" if i == n - 1 else \
            "-m statistic --mode random --probability %.10f " % (1.0 / (n - i))
        rules.append('-A %s -m comment --comment "%s -> %s:%s" %s-j %s'
                     % (svc, spn, ip, tport, prob, sep))
        rules.append('-A %s -s %s/32 -m comment --comment "%s" -j KUBE-MARK-MASQ' % (sep, ip, spn))
        rules.append('-A %s -p %s -m comment --comment "%s" -m %s -j DNAT --to-destination %s:%s'
                     % (sep, proto, spn, proto, ip, tport))
    return top, chains, rules


def api_state():
    c = conn()
    svcs = req(c, "GET", "/api/v1/services")["items"]
    eps = {}
    for sl in req(c, "GET", "/apis/discovery.k8s.io/v1/endpointslices")["items"]:
        owner = (sl["metadata"].get("labels") or {}).get("kubernetes.io/service-name")
        if owner:
            key = (sl["metadata"]["namespace"], owner)
            eps.setdefault(key, []).extend(
                e["addresses"][0] for e in (sl.get("endpoints") or [])
                if (e.get("conditions") or {}).get("ready", True))
    return svcs, eps


def rules(out, only, target, pos):
    """Full nat table: every Service with endpoints (or only ONLY), TARGET's
    KUBE-SERVICES rule placed first, in the middle or last."""
    svcs, eps = api_state()
    tops, chains, body, mine = [], [], [], []
    for s in svcs:
        ns, name = s["metadata"]["namespace"], s["metadata"]["name"]
        vip = s["spec"].get("clusterIP")
        if not vip or vip == "None" or (ns, name) not in eps or (only and name != only):
            continue
        for p in s["spec"].get("ports") or []:
            if p.get("protocol", "TCP") != "TCP":
                continue  # the benchmark is TCP; kube-dns' UDP port adds nothing
            top, ch, rl = svc_rules(ns, name, vip, p, eps[(ns, name)])
            (mine if name == target else tops).append(top)
            chains += ch
            body += rl
    at = {"first": 0, "mid": len(tops) // 2, "last": len(tops)}[pos]
    tops[at:at] = mine
    with open(out, "w") as f:
        f.write("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n"
                ":POSTROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n:KUBE-NODEPORTS - [0:0]\n"
                ":KUBE-POSTROUTING - [0:0]\n:KUBE-MARK-MASQ - [0:0]\n")
        f.writelines(":%s - [0:0]\n" % ch for ch in chains)
        f.write('-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n'
                '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n'
                '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" '
                '-j KUBE-POSTROUTING\n'
                '-A KUBE-MARK-MASQ -j MARK --or-mark 0x4000\n'
                '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN\n'
                '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000\n'
                '-A KUBE-POSTROUTING -m comment --comment '
                '"kubernetes service traffic requiring SNAT" -j MASQUERADE --random-fully\n')
        f.writelines(line + "\n" for line in tops + body)
        f.write('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports" '
                '-m addrtype --dst-type LOCAL -j KUBE-NODEPORTS\nCOMMIT\n')
    print(len(tops))


def partial(out_ab, out_ba, name):
    """kube-proxy's minimal (--noflush) restore for the one-endpoint change
    that `change` makes, in both directions: the service chain rewritten,
    the new endpoint chain added, the old one flushed and deleted."""
    svcs, eps = api_state()
    s = next(x for x in svcs if x["metadata"]["name"] == name)
    p = s["spec"]["ports"][0]
    a = eps[(NS, name)]
    b = ["192.168.0.1"] + a[1:]
    for out, old, new in ((out_ab, a, b), (out_ba, b, a)):
        _, och, _ = svc_rules(NS, name, s["spec"]["clusterIP"], p, old)
        _, nch, nrl = svc_rules(NS, name, s["spec"]["clusterIP"], p, new)
        added, gone = nch[1:2], och[1:2]  # endpoint 0's chain is the one that changes
        with open(out, "w") as f:
            f.write("*nat\n:%s - [0:0]\n" % nch[0])
            f.writelines(":%s - [0:0]\n" % ch for ch in added + gone)
            f.writelines(r + "\n" for r in nrl
                         if r.startswith("-A %s " % nch[0]) or
                         any(r.startswith("-A %s " % ch) for ch in added))
            f.writelines("-X %s\n" % ch for ch in gone)
            f.write("COMMIT\n")


if __name__ == "__main__":
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "create":
        create(int(a[0]), int(a[1]), int(a[2]))
    elif cmd == "svc":
        one_svc(a[0], a[1], a[2])
    elif cmd == "ports":
        ports()
    elif cmd == "change":
        change(a[0], int(a[1]), float(a[2]))
    elif cmd == "rules":
        rules(a[0], a[1], a[2], a[3])
    elif cmd == "partial":
        partial(a[0], a[1], a[2])
    else:
        sys.exit("api.py: unknown command " + cmd)
PYEOF
api() { timeout 600 python3 "$WORK/api.py" "$@"; }

# ---------------------------------------------------------------- namespaces
# A veth pair per namespace, created from inside the bridge namespace so the
# root namespace never holds (even briefly) one of our interfaces.
ns_add() { # name addr
	local ns=$1 addr=$2 port=v${1#"$P"}
	ip netns add "$ns"
	NSLIST+=("$ns")
	ip -n "$NSBR" link add "$port" type veth peer name eth0 netns "$ns"
	ip -n "$NSBR" link set "$port" master br0 up
	ip -n "$ns" addr add "$addr/16" dev eth0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip netns exec "$ns" sysctl -qw net.core.somaxconn=65535 \
		net.ipv4.tcp_max_syn_backlog=65535 net.ipv4.ip_local_port_range="1024 65535"
}

log "namespaces, bridge, backends ($P)"
ip netns add "$NSBR"
NSLIST+=("$NSBR")
ip -n "$NSBR" link add br0 type bridge
ip -n "$NSBR" link set br0 up
ns_add "$NSC" "$CLIENT_C"
ns_add "$NSI" "$CLIENT_I"
# The iptables client needs a route to the service range: its connect()
# routes the ClusterIP before the nat OUTPUT hook rewrites it.
ip -n "$NSI" route add 10.96.0.0/16 dev eth0
for i in 0 1 2 3; do
	ns_add "${P}b$i" "${BACKENDS[$i]}"
	ip netns exec "${P}b$i" "$WORK/lbserver" -l "${BACKENDS[$i]}:8080" -n "b$i" 2>>"$WORK/lbserver.log" &
	PIDS+=($!)
	# Balance test servers: one worker each, b3 ten times slower per request.
	d=$FAST_US
	[ "$i" = 3 ] && d=$SLOW_US
	ip netns exec "${P}b$i" "$WORK/lbserver" -l "${BACKENDS[$i]}:8081" -n "s$i" -d "$d" -w 1 \
		2>>"$WORK/lbserver.log" &
	PIDS+=($!)
done

# ---------------------------------------------------------------- API server
API_PORT=$(free_port)
DNS_PORT=$(free_port)
mkdir -p "$WORK/api"
"$BIN/skiff-server" --bind-address 127.0.0.1 --secure-port "$API_PORT" --data-dir "$WORK/api" \
	--dns-bind-address "127.0.0.1:$DNS_PORT" --service-cluster-ip-range 10.96.0.0/16 \
	>"$WORK/server.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do
	[ -s "$WORK/api/admin.kubeconfig" ] && curl -sk "https://127.0.0.1:$API_PORT/healthz" >/dev/null && break
	sleep 0.1
done
[ -s "$WORK/api/admin.kubeconfig" ] || die "skiff-server did not start: $(tail -5 "$WORK/server.log")"
export SKIFF_API=https://127.0.0.1:$API_PORT SKIFF_CA=$WORK/api/ca.crt
SKIFF_TOKEN=$(cut -d, -f1 "$WORK/api/tokens.csv")
export SKIFF_TOKEN

BE_CSV=$(
	IFS=,
	echo "${BACKENDS[*]}"
)
VIP=$(api svc bench 8080 "$BE_CSV")
log "service default/bench: $VIP:80 -> 4 backends :8080"
NPORTS=$(api ports)

# ---------------------------------------------------------------- skiff-node
SKIFF=1
SKIFF_WHY=""
MPORT=""
metric() { # name [port]: value of an unlabelled metric
	curl -s --max-time 2 "http://127.0.0.1:${2:-$MPORT}/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
start_node() { # pin-subdir cgroup metrics-port
	"$BIN/skiff-node" --no-kubelet --proxy-mode bpf --kubeconfig "$WORK/api/admin.kubeconfig" --hostname-override "$P" \
		--bpf-pin-dir "$PIN/$1" --cgroup "$2" --metrics-bind-address "127.0.0.1:$3" \
		--healthz-bind-address "127.0.0.1:$(free_port)" --sync-period 0 >>"$WORK/node-$1.log" 2>&1 &
	PIDS+=($!)
	NODE_PID=$!
}
wait_programmed() { # expected-ports port timeout-s -> prints seconds waited
	local want=$1 port=$2 deadline=$(($(date +%s) + $3)) v t0
	t0=$(now_ns)
	while :; do
		v=$(metric skiff_proxy_services_programmed "$port" || true)
		[ -n "$v" ] && [ "$v" -ge "$want" ] && break
		[ "$(date +%s)" -lt "$deadline" ] || return 1
		sleep 0.01
	done
	awk -v a="$t0" -v b="$(now_ns)" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}

# mem_snapshot file: "memlock max_entries name" per pinned map, plus the
# programmed counts.
mem_snapshot() {
	local m
	: >"$1"
	for m in "$PIN"/a/skiff_*; do
		bpftool -j map show pinned "$m" | python3 -c 'import json, sys
d = json.load(sys.stdin)
print(d["bytes_memlock"], d["max_entries"], d["name"])' >>"$1"
	done
	echo "$(metric skiff_proxy_services_programmed) 0 ports" >>"$1"
	echo "$(metric skiff_proxy_endpoints_programmed) 0 slots" >>"$1"
}

if [ ! -x "$BIN/skiff-node" ]; then
	SKIFF=0 SKIFF_WHY="$BIN/skiff-node not built"
else
	mkdir -p "$PIN" "$CGA" "$CGB"
	mount -t bpf bpf "$PIN"
	MPORT=$(free_port)
	start_node a "$CGA" "$MPORT"
	if ! wait_programmed "$NPORTS" "$MPORT" 20 >/dev/null; then
		SKIFF=0 SKIFF_WHY="skiff-node did not program the services: $(tail -3 "$WORK/node-a.log" | tr '\n' ' ')"
	else
		mem_snapshot "$WORK/mem.first"
	fi
fi
[ "$SKIFF" = 1 ] || log "skiff not measured: $SKIFF_WHY"

# ---------------------------------------------------------------- HAProxy
cat >"$WORK/haproxy.cfg" <<EOF
global
	# Enough for the benchmark's concurrency; HAProxy needs 2 fds per
	# connection and refuses to start above the hard RLIMIT_NOFILE.
	maxconn 4096
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
listen bench
	bind 127.0.0.1:18080
	balance leastconn
$(for i in 0 1 2 3; do printf '\tserver b%d %s:8080\n' "$i" "${BACKENDS[$i]}"; done)
listen slow
	bind 127.0.0.1:18081
	balance leastconn
$(for i in 0 1 2 3; do printf '\tserver s%d %s:8081\n' "$i" "${BACKENDS[$i]}"; done)
EOF
ip netns exec "$NSC" haproxy -db -f "$WORK/haproxy.cfg" >"$WORK/haproxy.log" 2>&1 &
PIDS+=($!)
HAPROXY_PID=$!
sleep 0.5
kill -0 "$HAPROXY_PID" 2>/dev/null || die "haproxy did not start: $(tail -3 "$WORK/haproxy.log")"

# ---------------------------------------------------------------- measuring
# run_load ns cgroup|- conc secs target... : one lbload run, its line on stdout.
run_load() {
	local ns=$1 cg=$2 conc=$3 secs=$4
	shift 4
	local args=(-c "$conc" -d "$secs" -W "$WARM" -j "$THREADS")
	for t in "$@"; do args+=(-t "$t"); done
	if [ "$cg" = - ]; then
		timeout $((secs + WARM + 30)) ip netns exec "$ns" "$WORK/lbload" "${args[@]}"
	else
		# The client joins the cgroup before exec, so its sockets are the
		# cgroup's and connect() runs skiff's program.
		# shellcheck disable=SC2016 # $$ and $@ belong to the inner bash
		timeout $((secs + WARM + 30)) bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' \
			_ "$cg" ip netns exec "$ns" "$WORK/lbload" "${args[@]}"
	fi
}
field() { # line key
	tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2; exit }'
}
# RES[label] = best (highest cps) of BENCH_REPS runs; peers alternate so that
# a noisy neighbour hurts every peer alike.
declare -A RES
measure() { # svc-count peer...
	local n=$1 peer line r key
	shift
	for ((r = 0; r < REPS; r++)); do
		for peer in "$@"; do
			case $peer in
			direct) line=$(run_load "$NSC" - "$CONC" "$DUR" "${BACKENDS[@]/%/:8080}" || true) ;;
			# Pod IPs from inside skiff's cgroup: what the hooks cost a
			# connection that is not to a service (every process pays them
			# once the programs sit at the cgroup root).
			direct+cg) line=$(run_load "$NSC" "$CGA" "$CONC" "$DUR" "${BACKENDS[@]/%/:8080}" || true) ;;
			skiff) line=$(run_load "$NSC" "$CGA" "$CONC" "$DUR" "$VIP:80" || true) ;;
			iptables) line=$(run_load "$NSI" - "$CONC" "$DUR" "$VIP:80" || true) ;;
			haproxy) line=$(run_load "$NSC" - "$CONC" "$DUR" 127.0.0.1:18080 || true) ;;
			esac
			key="$peer@$n"
			log "run $key rep=$r $line"
			if [ -z "${RES[$key]:-}" ] ||
				awk -v a="$(field "$line" cps)" -v b="$(field "${RES[$key]}" cps)" 'BEGIN { exit !(a > b) }'; then
				RES[$key]=$line
			fi
		done
	done
	for peer in "$@"; do
		key="$peer@$n"
		printf 'conn  svc=%-6s %-10s cps=%-8s p50=%-7sus p99=%-7sus errors=%s timeouts=%s  %s\n' \
			"$n" "$peer" "$(field "${RES[$key]}" cps)" "$(field "${RES[$key]}" p50_us)" \
			"$(field "${RES[$key]}" p99_us)" "$(field "${RES[$key]}" errors)" \
			"$(field "${RES[$key]}" timeouts)" "$(field "${RES[$key]}" be)"
	done
}

# ipt_restore file [--noflush]: load into the iptables client, seconds on
# stdout. With IPT_MEMCG set, iptables-restore runs in that memory cgroup so
# the kernel memory of the rules it creates is charged there.
ipt_restore() {
	local t0 t1
	t0=$(now_ns)
	if [ -n "${IPT_MEMCG:-}" ]; then
		# shellcheck disable=SC2016 # $$ and $@ belong to the inner bash
		timeout 180 bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$IPT_MEMCG" \
			ip netns exec "$NSI" "$IPT" "${@:2}" <"$1"
	else
		timeout 180 ip netns exec "$NSI" "$IPT" "${@:2}" <"$1"
	fi
	t1=$(now_ns)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }'
}
ipt_flush() {
	printf '*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n' \
		>"$WORK/empty.rules"
	ipt_restore "$WORK/empty.rules" >/dev/null
}

have_svcs=1 # bench (+ the API's own services)
IPT_FULL=""
for n in $SVCS; do
	if [ "$n" -gt "$have_svcs" ]; then
		log "creating $((n - have_svcs)) filler services x $EPS endpoints in the API"
		t0=$(now_ns)
		api create "$have_svcs" $((n - have_svcs)) "$EPS"
		t1=$(now_ns)
		NPORTS=$(api ports)
		if [ "$SKIFF" = 1 ]; then
			w=$(wait_programmed "$NPORTS" "$MPORT" 120) || die "skiff-node did not program $NPORTS ports"
			# The live path: skiff-node watching while the API fills up.
			echo "live  skiff    $((n - have_svcs)) services + slices created in the API in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')s (API-bound); all $NPORTS programmed ${w}s after the last create returned"
		fi
		have_svcs=$n
	fi
	log "iptables layout for $n services"
	nrules=$(api rules "$WORK/rules.$n" "" bench "$IPT_POS")
	ipt_flush
	IPT_MEMCG=""
	if [ "$n" = "$LAST" ] && [ -n "$MEMCG" ] && mkdir "$MEMCG" 2>/dev/null; then
		IPT_MEMCG=$MEMCG
	fi
	t=$(ipt_restore "$WORK/rules.$n")
	echo "ipt   svc=$n   iptables-restore of $nrules services ($(wc -l <"$WORK/rules.$n") lines) into an empty nat table: ${t}s"
	if [ -n "$IPT_MEMCG" ]; then
		IPT_MEMCG=""
		kmem=$(cat "$MEMCG/memory.kmem.usage_in_bytes")
		IPT_MEM_LINE=$(awk -v k="$kmem" -v n="$nrules" 'BEGIN { printf "mem   iptables kernel memory of the nat table (memcg kmem of iptables-restore) %.1f MiB at %d services x '"$EPS"' endpoints: %.0f B per service", k / 1048576, n, k / n }')
	fi
	IPT_FULL=$t
	IPT_FULL_N=$n
	peers=(direct iptables)
	[ "$SKIFF" = 1 ] && peers=(direct skiff iptables)
	[ "$n" = "$FIRST" ] && peers+=(haproxy)
	[ "$n" = "$LAST" ] && [ "$SKIFF" = 1 ] && peers+=(direct+cg)
	log "connection rate at $n services: ${peers[*]} (c=$CONC, ${DUR}s, best of $REPS; host load $(cut -d' ' -f1-3 /proc/loadavg))"
	measure "$n" "${peers[@]}"
done

# ---------------------------------------------------------------- programming
NMAX=$have_svcs
if [ "$SKIFF" = 1 ]; then
	log "full sync: a fresh skiff-node against $NPORTS service ports ($NMAX x $EPS endpoints)"
	MPORT_B=$(free_port)
	start_node b "$CGB" "$MPORT_B"
	NODE_B=$NODE_PID
	if w=$(wait_programmed "$NPORTS" "$MPORT_B" 60); then
		eps_b=$(metric skiff_proxy_endpoints_programmed "$MPORT_B")
		inner=$(grep -o 'full sync: .*' "$WORK/node-b.log" | tail -1)
		# From "socket LB loaded" (programs verified and attached, list+watch
		# about to start) to "full sync" (maps written), by the log's clock.
		SYNC_SKIFF=$(awk '
			function t(s, a) { split(s, a, ":"); return a[1] * 3600 + a[2] * 60 + a[3] }
			/socket LB loaded/ && !a { a = t($3) } /full sync:/ && a && !b { b = t($3) }
			END { if (a && b) printf "%.3f", b - a }' "$WORK/node-b.log")
		echo "sync  skiff    $NPORTS service ports / $eps_b endpoint slots: list+program ${SYNC_SKIFF:-?}s (BPF loaded -> maps written); process start -> programmed ${w}s; skiff-node: $inner"
	else
		echo "sync  skiff    fresh skiff-node did not finish within 60s"
	fi
	kill "$NODE_B" 2>/dev/null || true
	wait "$NODE_B" 2>/dev/null || true
	"$BIN/skiff-node" --cleanup --bpf-pin-dir "$PIN/b" >/dev/null 2>&1 || true
fi
echo "sync  iptables full iptables-restore of $IPT_FULL_N services x $EPS endpoints: ${IPT_FULL}s"

CHG=f-$(printf '%05d' $((NMAX / 2)))
if [ "$NMAX" -gt 1 ]; then
	if [ "$SKIFF" = 1 ]; then
		log "one-endpoint changes at $NMAX services: $CHANGES patches of $CHG"
		curl -s "http://127.0.0.1:$MPORT/metrics" | grep '^skiff_proxy_sync_latency_seconds' >"$WORK/lat.before"
		api change "$CHG" "$CHANGES" 25
		sleep 0.5
		curl -s "http://127.0.0.1:$MPORT/metrics" | grep '^skiff_proxy_sync_latency_seconds' >"$WORK/lat.after"
		# Histogram difference -> count, mean, p50/p99 (interpolated inside
		# the bucket, like histogram_quantile, and the bucket's upper bound).
		awk '
		FNR == NR { b[$1] = $2; next }
		{ d[$1] = $2 - b[$1] }
		/_bucket/ { match($1, /le="[^"]*"/); le = substr($1, RSTART + 4, RLENGTH - 5); n++; L[n] = le; C[n] = d[$1] }
		/_sum/ { sum = d[$1] } /_count/ { cnt = d[$1] }
		END {
			for (q = 1; q <= 2; q++) {
				p = (q == 1) ? 0.5 : 0.99; r = p * cnt; prev = 0; lo = 0
				for (i = 1; i <= n; i++) {
					if (C[i] >= r) {
						hi = (L[i] == "+Inf") ? lo : L[i]
						est[q] = lo + (hi - lo) * ((C[i] > prev) ? (r - prev) / (C[i] - prev) : 1)
						bound[q] = L[i]; break
					}
					prev = C[i]; lo = L[i]
				}
			}
			printf "change skiff    %d changes: p50=%.0fus (bucket <=%ss) p99=%.0fus (bucket <=%ss) mean=%.0fus\n", cnt, est[1] * 1e6, bound[1], est[2] * 1e6, bound[2], cnt ? sum / cnt * 1e6 : 0
			printf "P99BOUND %s\n", bound[2]
		}' "$WORK/lat.before" "$WORK/lat.after" >"$WORK/change.txt"
		grep -v '^P99BOUND' "$WORK/change.txt"
		CHG_P99_BOUND=$(awk '/^P99BOUND/ { print $2 }' "$WORK/change.txt")
	fi
	log "one-endpoint change with iptables-restore --noflush (kube-proxy's minimal restore)"
	# The nat table holds the NMAX layout (last phase); flip endpoint 0 of CHG.
	api partial "$WORK/chg.ab" "$WORK/chg.ba" "$CHG"
	times=()
	for ((k = 0; k < IPT_CHANGES; k++)); do
		f=$WORK/chg.ab
		[ $((k % 2)) = 1 ] && f=$WORK/chg.ba
		times+=("$(ipt_restore "$f" --noflush)")
	done
	IPT_CHG=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
	echo "change iptables $IPT_CHANGES changes with iptables-restore --noflush: median=${IPT_CHG}s max=$(printf '%s\n' "${times[@]}" | sort -n | tail -1)s (all: ${times[*]}); a full restore (kube-proxy before 1.26): ${IPT_FULL}s"
fi

# ---------------------------------------------------------------- memory
if [ "$SKIFF" = 1 ]; then
	mem_snapshot "$WORK/mem.last"
	awk '
	FNR == 1 { f++ }
	f == 1 { m0[$3] = $1; next }
	{ mem[$3] = $1; max[$3] = $2; total += $1 }
	END {
		e0 = m0["ports"] + m0["slots"]; e1 = mem["ports"] + mem["slots"]
		total -= mem["ports"] + mem["slots"]
		# skiff_svc is a no-prealloc hash: it grows by one entry per service
		# port (slot 0) and per endpoint slot; its bucket array is sized by
		# capacity. The difference between the first phase and now is the
		# marginal cost of an entry.
		per_entry = (e1 > e0) ? (mem["skiff_svc"] - m0["skiff_svc"]) / (e1 - e0) : 0
		# Per backend id, the arrays reserve be + conn + per-CPU sel up front.
		per_be = (mem["skiff_be"] + mem["skiff_conn"] + mem["skiff_sel"]) / max["skiff_be"]
		printf "mem   skiff    maps total %.1f MiB (memlock) at %d service ports / %d endpoint slots; preallocated for %d services, %d backends\n", total / 1048576, mem["ports"], mem["slots"], max["skiff_aff"], max["skiff_be"]
		printf "mem   skiff    marginal: per service %.0f B, per endpoint %.0f B (service-map slot %.0f B + backend arrays %.0f B); a 10-endpoint service: %.0f B; all maps / service ports now: %.0f B\n", per_entry, per_entry + per_be, per_entry, per_be, 11 * per_entry + 10 * per_be, total / mem["ports"]
	}' "$WORK/mem.first" "$WORK/mem.last"
fi

[ -n "${IPT_MEM_LINE:-}" ] && echo "$IPT_MEM_LINE"
if [ -z "${IPT_MEM_LINE:-}" ]; then
	echo "mem   iptables not measured (needs a cgroup-v1 memory hierarchy with kmem accounting)"
fi

# ---------------------------------------------------------------- balance
log "balance: 4 endpoints, s3 ${SLOW_US}us vs ${FAST_US}us per request, c=$BAL_CONC closed loop"
SVIP=$(api svc slow 8081 "$BE_CSV")
if [ "$SKIFF" = 1 ]; then
	wait_programmed $((NPORTS + 1)) "$MPORT" 20 >/dev/null || die "skiff-node did not program default/slow"
fi
# The iptables client holds only this service now: balance, not rule count.
api rules "$WORK/rules.slow" slow slow mid >/dev/null
ipt_restore "$WORK/rules.slow" >/dev/null
declare -A BAL
bal_peers=(iptables haproxy)
[ "$SKIFF" = 1 ] && bal_peers=(skiff iptables haproxy)
for peer in "${bal_peers[@]}"; do
	sleep 1 # let the slow server's queue drain
	case $peer in
	skiff) line=$(run_load "$NSC" "$CGA" "$BAL_CONC" "$BAL_DUR" "$SVIP:80" || true) ;;
	iptables) line=$(run_load "$NSI" - "$BAL_CONC" "$BAL_DUR" "$SVIP:80" || true) ;;
	haproxy) line=$(run_load "$NSC" - "$BAL_CONC" "$BAL_DUR" 127.0.0.1:18081 || true) ;;
	esac
	BAL[$peer]=$line
	be=$(field "$line" be)
	share=$(tr ',' '\n' <<<"$be" | awk -F: '{ t += $2 } $1 == "s3" { s = $2 } END { printf "%.1f", t ? 100 * s / t : 0 }')
	printf 'bal   %-9s rps=%-7s p50=%-8sus p99=%-8sus slow-share=%s%%  errors=%s  %s\n' "$peer" \
		"$(field "$line" cps)" "$(field "$line" p50_us)" "$(field "$line" p99_us)" "$share" \
		"$(field "$line" errors)" "$be"
done

# ---------------------------------------------------------------- ratios
ratio() { # label value target-op target
	awk -v l="$1" -v v="$2" -v op="$3" -v t="${4:-}" 'BEGIN {
		if (v == "" || v == "nan") { printf "ratio %-48s not measured\n", l; exit }
		if (op == "-") { printf "ratio %-48s %9.4g  (no target)\n", l, v; exit }
		ok = (op == ">=") ? v >= t : (op == "<=") ? v <= t : v < t
		printf "ratio %-48s %9.4g  target %s %s  %s\n", l, v, op, t, ok ? "PASS" : "FAIL" }'
}
div() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print ""; else printf "%.4f", a / b }'; }
cps() { field "${RES[$1]:-}" cps; }
echo "---"
if [ "$SKIFF" = 1 ]; then
	ratio "skiff/direct conn/s @$LAST svc" "$(div "$(cps "skiff@$LAST")" "$(cps "direct@$LAST")")" ">=" 0.95
	ratio "skiff/iptables conn/s @$LAST svc" "$(div "$(cps "skiff@$LAST")" "$(cps "iptables@$LAST")")" ">=" 1.2
	ratio "skiff/haproxy conn/s @$FIRST svc" "$(div "$(cps "skiff@$FIRST")" "$(cps "haproxy@$FIRST")")" ">=" 2
	ratio "skiff@$LAST/haproxy conn/s" "$(div "$(cps "skiff@$LAST")" "$(cps "haproxy@$FIRST")")" ">=" 2
	ratio "skiff full sync $NMAX x $EPS (s)" "${SYNC_SKIFF:-}" "<" 2
	ratio "iptables/skiff full sync time" "$(div "$IPT_FULL" "${SYNC_SKIFF:-}")" -
	if [ -n "${CHG_P99_BOUND:-}" ]; then
		ratio "skiff change p99 bucket bound (s)" "$CHG_P99_BOUND" "<=" 0.001
	fi
	ratio "skiff/haproxy balance p99" "$(div "$(field "${BAL[skiff]}" p99_us)" "$(field "${BAL[haproxy]}" p99_us)")" "<=" 1.1
	ratio "skiff/iptables(random) balance p99" "$(div "$(field "${BAL[skiff]}" p99_us)" "$(field "${BAL[iptables]}" p99_us)")" "<=" 0.5
else
	echo "ratio skiff: not measured ($SKIFF_WHY)"
fi
ratio "iptables/direct conn/s @$LAST svc" "$(div "$(cps "iptables@$LAST")" "$(cps "direct@$LAST")")" -
if [ "$LAST" != "$FIRST" ]; then
	ratio "iptables@$LAST/iptables@$FIRST conn/s" "$(div "$(cps "iptables@$LAST")" "$(cps "iptables@$FIRST")")" -
	[ "$SKIFF" = 1 ] && ratio "skiff@$LAST/skiff@$FIRST conn/s" "$(div "$(cps "skiff@$LAST")" "$(cps "skiff@$FIRST")")" -
fi
[ "$SKIFF" = 1 ] && ratio "direct-in-skiff-cgroup/direct conn/s @$LAST svc" "$(div "$(cps "direct+cg@$LAST")" "$(cps "direct@$LAST")")" -
ratio "haproxy/direct conn/s @$FIRST svc" "$(div "$(cps "haproxy@$FIRST")" "$(cps "direct@$FIRST")")" -
log "done"
