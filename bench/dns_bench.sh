#!/bin/bash
# Cluster DNS benchmark (issue 4): the same 1,000 services served by
# skiff-server, dnsmasq and unbound on 127.0.0.1, each pinned to CPU 0 with
# dnsperf pinned to CPU 1; query mix 80% hits / 20% search-path NXDOMAIN.
# Prints per server: saturation qps, server CPU per query (utime+stime from
# /proc/PID/stat over the run), latency percentiles at a fixed 20,000 qps;
# then ratios, Skiff's DNS programming latency (Service create -> first
# correct answer) and skiff-server memory at 1,000 and 10,000 services.
# Not a test: it prints figures with their targets. Loopback only.
#   SKIFF_BIN (default build/ of this checkout)  SECONDS_PER_RUN (default 10)
#   RATE (default 20000)  BIG (default 10000 services for the memory figure)
set -u
BIN=${SKIFF_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build}
SERVER=$BIN/skiff-server
SECS=${SECONDS_PER_RUN:-10}
RATE=${RATE:-20000}
BIG=${BIG:-10000}
PY=/usr/bin/python3
ZONE=cluster.local

for c in dnsperf dnsmasq unbound taskset; do
	command -v "$c" >/dev/null || { echo "dns_bench: $c missing (DEPS_BENCH=1 scripts/deps.sh)"; exit 1; }
done
[ -x "$SERVER" ] || { echo "dns_bench: $SERVER missing (make)"; exit 1; }

T=$(mktemp -d /tmp/skiff-dns-bench.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
API_PORT=$(free_port)
SK_PORT=$(free_port)
DM_PORT=$(free_port)
UB_PORT=$(free_port)

# --- skiff-server with 1,000 services created through the API ---
taskset -c 0 "$SERVER" --bind-address 127.0.0.1 --secure-port "$API_PORT" --data-dir "$T/data" \
	--dns-bind-address "127.0.0.1:$SK_PORT" --dns-upstream 127.0.0.1:9 -v 1 >"$T/server.log" 2>&1 &
SK_PID=$!
PIDS+=("$SK_PID")
for _ in $(seq 100); do [ -s "$T/data/admin.kubeconfig" ] && break; sleep 0.1; done
TOKEN=$(awk '/token:/ {print $2; exit}' "$T/data/admin.kubeconfig")

# api.py: services over one keep-alive HTTPS connection.
#   create FIRST LAST OUT   creates svc<i> in ns<i%10>; writes "ip name" lines
#   proglat N OUT           creates N more, measuring create -> correct answer
cat >"$T/api.py" <<'EOF'
import http.client, json, os, socket, ssl, struct, sys, time
port, token, dns_port = int(os.environ["API_PORT"]), os.environ["TOKEN"], int(os.environ["SK_PORT"])
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx)
H = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
def post(path, obj):
    c.request("POST", path, json.dumps(obj), H)
    r = c.getresponse(); body = r.read()
    if r.status not in (200, 201, 409):
        sys.exit("POST %s: %d %s" % (path, r.status, body[:200]))
    return json.loads(body)
def svc(i):
    o = post("/api/v1/namespaces/ns%d/services" % (i % 10), {"apiVersion": "v1", "kind": "Service",
             "metadata": {"name": "svc%d" % i}, "spec": {"ports": [{"name": "http", "port": 80}]}})
    return o["spec"]["clusterIP"]
def query(name, s):
    q = struct.pack(">HHHHHH", 7, 0x0100, 1, 0, 0, 0) + b"".join(
        bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0\0\1\0\1"
    s.sendto(q, ("127.0.0.1", dns_port))
    r = s.recv(512)
    return socket.inet_ntoa(r[-4:]) if struct.unpack(">H", r[6:8])[0] else None
cmd = sys.argv[1]
if cmd == "create":
    first, last = int(sys.argv[2]), int(sys.argv[3])
    if first == 0:
        for k in range(10):
            post("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "ns%d" % k}})
    with open(sys.argv[4], "w") as f:
        for i in range(first, last):
            f.write("%s svc%d.ns%d.svc.cluster.local\n" % (svc(i), i, i % 10))
elif cmd == "proglat":
    n, lat = int(sys.argv[2]), []
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
    for j in range(n):
        i = 100000 + j
        t0 = time.monotonic()
        ip = svc(i)
        while query("svc%d.ns%d.svc.cluster.local" % (i, i % 10), s) != ip:
            if time.monotonic() - t0 > 5:
                sys.exit("svc%d never answered" % i)
        lat.append(time.monotonic() - t0)
    lat.sort()
    with open(sys.argv[3], "w") as f:
        f.write("%.2f %.2f %.2f\n" % (lat[len(lat) // 2] * 1e3, lat[int(len(lat) * 0.99)] * 1e3, lat[-1] * 1e3))
EOF
export API_PORT TOKEN SK_PORT
$PY "$T/api.py" create 0 1000 "$T/hosts" || exit 1

# --- the same names for the peers, and the query file ---
{
	echo "server:"
	echo "  interface: 127.0.0.1"
	echo "  port: $UB_PORT"
	echo "  num-threads: 1"
	echo "  do-daemonize: no"
	echo "  username: \"\""
	echo "  chroot: \"\""
	echo "  directory: \"$T\""
	echo "  pidfile: \"\""
	echo "  use-syslog: no"
	echo "  verbosity: 0"
	echo "  do-ip6: no"
	echo "  module-config: \"iterator\""
	echo "  access-control: 127.0.0.0/8 allow"
	echo "  local-zone: \"$ZONE.\" static"
	awk '{ printf "  local-data: \"%s. 30 IN A %s\"\n", $2, $1 }' "$T/hosts"
	echo "remote-control:"
	echo "  control-enable: no"
} >"$T/unbound.conf"
# 80% hits; 20% the names a pod's search path produces for a FQDN
# without the final dot (svcN.nsK.svc.cluster.local.<ns>.svc.cluster.local)
awk -v seed=1 'BEGIN { srand(seed) } { ip[NR] = $1; name[NR] = $2 }
	END { for (j = 0; j < 20000; j++) { i = int(rand() * NR) + 1
		if (j % 5 == 4) printf "%s.ns%d.svc.cluster.local A\n", name[i], j % 10
		else printf "%s A\n", name[i] } }' "$T/hosts" >"$T/queries"

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
TCK=$(getconf CLK_TCK)

# run NAME PORT PID: saturation and fixed-rate runs; appends a result line.
run() {
	local name=$1 port=$2 pid=$3 a b out qps done_ lat
	dig @127.0.0.1 -p "$port" +short svc1.ns1.svc.$ZONE >"$T/check"
	if ! grep -q . "$T/check"; then
		echo "dns_bench: $name on port $port does not answer"; return
	fi
	a=$(cpu_ticks "$pid")
	out=$(taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$T/queries" -l "$SECS" -c 10 -q 200 -T 1 2>&1)
	b=$(cpu_ticks "$pid")
	qps=$(echo "$out" | awk '/Queries per second/ { printf "%.0f", $4 }')
	done_=$(echo "$out" | awk '/Queries completed/ { print $3 }')
	# -v to a file: through a pipe the client itself falls behind
	taskset -c 1 dnsperf -s 127.0.0.1 -p "$port" -d "$T/queries" -l "$SECS" -c 10 -q 200 -T 1 \
		-Q "$RATE" -v >"$T/v.$name" 2>&1
	awk '/^> / { print $NF }' "$T/v.$name" | sort -g >"$T/lat.$name"
	rm -f "$T/v.$name"
	lat=$(awk '{ v[NR] = $1 } END { if (NR) printf "%.0f %.0f %.0f %d", v[int(NR*0.5)]*1e6,
		v[int(NR*0.99)]*1e6, v[int(NR*0.999)]*1e6, NR; else print "- - - 0" }' "$T/lat.$name")
	echo "$name $qps $done_ $((b - a)) $lat" >>"$T/results"
}

: >"$T/results"
run skiff "$SK_PORT" "$SK_PID"

awk '{ print $1, $2 }' "$T/hosts" >"$T/hosts.dm"
taskset -c 0 dnsmasq --keep-in-foreground --no-resolv --no-hosts --addn-hosts="$T/hosts.dm" \
	--local=/$ZONE/ --port="$DM_PORT" --listen-address=127.0.0.1 --bind-interfaces \
	--pid-file= --user=root --cache-size=10000 --log-facility=- >"$T/dnsmasq.log" 2>&1 &
DM_PID=$!
PIDS+=("$DM_PID")
sleep 0.5
run dnsmasq "$DM_PORT" "$DM_PID"
kill "$DM_PID"

taskset -c 0 unbound -d -c "$T/unbound.conf" >"$T/unbound.log" 2>&1 &
UB_PID=$!
PIDS+=("$UB_PID")
for _ in $(seq 50); do dig @127.0.0.1 -p "$UB_PORT" +short +time=1 svc1.ns1.svc.$ZONE | grep -q . && break; sleep 0.2; done
run unbound "$UB_PORT" "$UB_PID"
kill "$UB_PID"

# --- Skiff only: programming latency, memory ---
$PY "$T/api.py" proglat 200 "$T/proglat" || echo "- - -" >"$T/proglat"
rss() { awk -v k="$2" '$1 == k":" { print int($2 / 1024) }' "/proc/$1/status"; }
RSS1K=$(rss "$SK_PID" VmRSS)
$PY "$T/api.py" create 1000 "$BIG" "$T/hosts.big" >/dev/null || true
RSSBIG=$(rss "$SK_PID" VmRSS)
NAMES=$(curl -sk -H "Authorization: Bearer $TOKEN" "https://127.0.0.1:$API_PORT/metrics" |
	awk '$1 == "skiff_dns_services" { s = $2 } $1 == "skiff_dns_names" { n = $2 } END { print s, n }')

echo "cluster DNS benchmark: 1000 services, 80% hits / 20% NXDOMAIN, servers on CPU 0, dnsperf on CPU 1, ${SECS}s runs"
printf '%-8s %10s %14s %14s %28s\n' server "qps(sat)" "CPU/query(us)" "CPU at sat(%)" "latency@${RATE}qps p50/p99/p99.9(us)"
while read -r name qps done_ ticks p50 p99 p999 n; do
	cpuq=$(awk -v t="$ticks" -v hz="$TCK" -v d="$done_" 'BEGIN { printf "%.1f", d ? t / hz / d * 1e6 : 0 }')
	cpup=$(awk -v t="$ticks" -v hz="$TCK" -v s="$SECS" 'BEGIN { printf "%.0f", t / hz / s * 100 }')
	printf '%-8s %10s %14s %14s %28s\n' "$name" "$qps" "$cpuq" "$cpup" "$p50/$p99/$p999"
	echo "$name $qps $cpuq $p99" >>"$T/summary"
done <"$T/results"
awk 'NR == 1 { sq = $2; sc = $3 } { q[$1] = $2; c[$1] = $3; p[$1] = $4 }
	END {
		for (n in q) if (n != "skiff")
			printf "skiff/%s: throughput x%.2f, CPU per query x%.2f\n", n, sq / q[n], sc / c[n]
		printf("targets: CPU/query <= unbound (%s us): %s; throughput >= dnsmasq: %s; p99 at load < 1000 us: %s\n",
			c["unbound"], (sc <= c["unbound"]) ? "met" : "NOT met",
			(sq >= q["dnsmasq"]) ? "met" : "NOT met", (p["skiff"] < 1000) ? "met" : "NOT met")
	}' "$T/summary"
read -r pl50 pl99 plmax <"$T/proglat"
echo "DNS programming latency (Service create via API -> first correct answer, 200 creates): p50 ${pl50} ms, p99 ${pl99} ms, max ${plmax} ms (target p99 < 50 ms)"
read -r nsvc nnames <<<"$NAMES"
echo "skiff-server RSS: ${RSS1K} MB at 1000 services, ${RSSBIG} MB at ${nsvc:-?} services (${nnames:-?} DNS names; whole server: API, store, DNS)"
