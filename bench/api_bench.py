#!/usr/bin/python3
"""skiff-server API benchmark (issue 2). Not a test: prints one line per
figure with its target beside it.

  creates  10,000 Service creates with 1 and with 8 concurrent clients, each
           on one keep-alive HTTPS connection; writes/s and p50/p99 latency.
           Every create is acknowledged only after its fsync (group commit).
  list     GET of all 10,000 Services (full JSON list): time, and the
           server's peak RSS (VmHWM) with 10,000 Services stored.
  watch    100 watchers on /api/v1/services; one update at a time; latency
           from sending the update to each watcher reading its event; p99
           over all watchers and rounds.

Usage: bench/api_bench.py [--services N] [--watchers N] [--rounds N]
Env: SKIFF_BIN (default: build/ beside this file), the optimised build.
Everything runs on 127.0.0.1 with a throw-away data dir.
"""
import argparse
import json
import multiprocessing as mp
import os
import resource
import selectors
import socket
import ssl
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
os.environ.setdefault("SKIFF_BIN", os.path.join(HERE, "..", "build"))
from test_api_lib import Server, svc  # noqa: E402

SVCS = "/api/v1/namespaces/default/services"

# issue 2's targets
TARGET_CREATES_8 = 2000.0   # creates/s with 8 clients
TARGET_LIST_MS = 100.0      # list 10,000 services
TARGET_RSS_MB = 100.0       # server peak RSS at 10,000 services
TARGET_WATCH_P99_MS = 10.0  # watch fan-out delivery p99


def pct(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    if not v:
        return float("nan")
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def ctx_for(ca_file):
    return ssl.create_default_context(cafile=ca_file)


class RawClient:
    """Minimal keep-alive HTTP/1.1 client over TLS: http.client's header
    parsing costs more CPU than the server spends on a create, and on a
    2-core machine the load generator would measure itself."""

    def __init__(self, port, ca_file):
        raw = socket.create_connection(("127.0.0.1", port), timeout=60)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s = ctx_for(ca_file).wrap_socket(raw, server_hostname="127.0.0.1")
        self.buf = b""

    def roundtrip(self, request):
        """Send a complete request; return (status, body)."""
        self.s.sendall(request)
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            self.buf += chunk
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        status = int(head[9:12])
        clen = 0
        for h in head.split(b"\r\n")[1:]:
            k, _, v = h.partition(b":")
            if k.strip().lower() == b"content-length":
                clen = int(v)
        while len(rest) < clen:
            chunk = self.s.recv(65536)
            if not chunk:
                raise ConnectionError("closed")
            rest += chunk
        self.buf = rest[clen:]
        return status, rest[:clen]


def pb_varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out += bytes([b | 0x80])
        else:
            return out + bytes([b])


def pb_field(num, payload):
    """A length-delimited field (wire type 2)."""
    return pb_varint(num << 3 | 2) + pb_varint(len(payload)) + payload


def pb_service(name, port=80):
    """The Service svc(name) as kubectl sends it: "k8s\\0" + runtime.Unknown
    {typeMeta {apiVersion, kind}, raw: Service {metadata {name}, spec {ports
    [{protocol, port, targetPort}]}}, contentType}."""
    meta = pb_field(1, name.encode())
    target = pb_varint(1 << 3) + pb_varint(0) + pb_varint(2 << 3) + pb_varint(port)
    sport = pb_field(2, b"TCP") + pb_varint(3 << 3) + pb_varint(port) + pb_field(4, target)
    spec = pb_field(1, sport)
    raw = pb_field(1, meta) + pb_field(2, spec)
    unknown = (pb_field(1, pb_field(1, b"v1") + pb_field(2, b"Service")) + pb_field(2, raw) +
               pb_field(3, b"") + pb_field(4, b""))
    return b"k8s\0" + unknown


def create_worker(port, token, ca_file, prefix, count, barrier, out, proto=False):
    """One client: `count` creates on one keep-alive connection (JSON bodies,
    or protobuf ones as kubectl 1.32's generators send)."""
    c = RawClient(port, ca_file)
    c.roundtrip(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")  # handshake, untimed
    reqs = []
    ctype = "application/vnd.kubernetes.protobuf" if proto else "application/json"
    for i in range(count):
        name = "%s-%d" % (prefix, i)
        body = pb_service(name) if proto else json.dumps(svc(name)).encode()
        reqs.append(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Content-Type: %s\r\nAccept: application/json\r\n"
                     "Content-Length: %d\r\n\r\n" % (SVCS, token, ctype, len(body))).encode() +
                    body)
    lat, errors = [], 0
    barrier.wait()
    t_start = time.perf_counter()
    for r in reqs:
        t0 = time.perf_counter()
        status, _ = c.roundtrip(r)
        lat.append(time.perf_counter() - t0)
        errors += status != 201
    out.put((t_start, time.perf_counter(), lat, errors))
    c.s.close()


def cpu_seconds(pid):
    """utime + stime of a process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def bench_creates(srv, clients, total, proto=False):
    per = total // clients
    barrier = mp.Barrier(clients)
    out = mp.Queue()
    procs = [mp.Process(target=create_worker,
                        args=(srv.port, srv.token, srv.ca_file, "b%d" % k, per, barrier, out,
                              proto))
             for k in range(clients)]
    for p in procs:
        p.start()
    cpu0 = cpu_seconds(srv.pid)
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = [out.get() for _ in procs]
    cpu = cpu_seconds(srv.pid) - cpu0
    for p in procs:
        p.join()
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    client_cpu = ru1.ru_utime + ru1.ru_stime - ru0.ru_utime - ru0.ru_stime
    start = min(r[0] for r in res)
    end = max(r[1] for r in res)
    lat = [x for r in res for x in r[2]]
    errors = sum(r[3] for r in res)
    wall = end - start
    return per * clients / wall, lat, errors, cpu / wall, client_cpu / wall


def bench_list(srv, n):
    conn = srv.conn(timeout=60)
    hdr = {"Authorization": "Bearer " + srv.token, "Accept": "application/json"}
    times, items = [], 0
    for _ in range(5):
        t0 = time.perf_counter()
        conn.request("GET", SVCS, headers=hdr)
        body = conn.getresponse().read()
        times.append(time.perf_counter() - t0)
    items = len(json.loads(body)["items"])
    conn.close()
    return statistics.median(times), items


class Watcher:
    """One raw TLS watch stream, read without blocking."""

    def __init__(self, srv, rv):
        raw = socket.create_connection(("127.0.0.1", srv.port), timeout=30)
        self.s = srv.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.s.sendall(("GET %s?watch=1&resourceVersion=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        "Authorization: Bearer %s\r\nAccept: application/json\r\n\r\n"
                        % (SVCS, rv, srv.token)).encode())
        self.buf = b""
        while b"\r\n\r\n" not in self.buf:
            chunk = self.s.recv(65536)
            if not chunk:
                raise RuntimeError("watch closed before headers")
            self.buf += chunk
        if not self.buf.startswith(b"HTTP/1.1 200"):
            raise RuntimeError("watch refused: %r" % self.buf[:200])
        self.buf = self.buf.split(b"\r\n\r\n", 1)[1]
        self.s.setblocking(False)

    def drain(self):
        try:
            while True:
                chunk = self.s.recv(65536)
                if not chunk:
                    return False
                self.buf += chunk
                if not self.s.pending():
                    return True
        except ssl.SSLWantReadError:
            return True


def bench_watch(srv, nwatchers, rounds):
    conn = srv.conn()
    hdr = {"Authorization": "Bearer " + srv.token,
           "Content-Type": "application/merge-patch+json"}
    srv.req("POST", SVCS, svc("fanout"), conn=conn)
    rv = srv.req("GET", SVCS + "?labelSelector=none%3Dnone", conn=conn).json["metadata"][
        "resourceVersion"]
    ws = [Watcher(srv, rv) for _ in range(nwatchers)]
    sel = selectors.DefaultSelector()
    for w in ws:
        sel.register(w.s, selectors.EVENT_READ, w)
    time.sleep(0.5)
    lat = []
    lost = 0
    for r in range(rounds):
        marker = b'"round":"%d"' % r
        for w in ws:
            w.drain()
            w.buf = b""
        waiting = set(ws)
        t0 = time.perf_counter()
        conn.request("PATCH", SVCS + "/fanout",
                     body=json.dumps({"metadata": {"labels": {"round": str(r)}}}), headers=hdr)
        deadline = t0 + 5
        ready = {}
        while waiting and time.perf_counter() < deadline:
            events = sel.select(timeout=0.5)
            # the moment the kernel says the event is there; python's own
            # TLS decryption of 100 streams one by one is not counted
            now = time.perf_counter()
            for key, _ in events:
                w = key.data
                ready.setdefault(w, now)
                w.drain()
                if w in waiting and marker in w.buf:
                    lat.append(ready[w] - t0)
                    waiting.discard(w)
        lost += len(waiting)
        conn.getresponse().read()
        time.sleep(0.05)
    for w in ws:
        w.s.close()
    conn.close()
    return lat, lost


def disk_sync_latency(n=200):
    """fdatasync latency of a 200-byte append where the data dirs live:
    the floor under every acknowledged create."""
    import tempfile
    fd, path = tempfile.mkstemp(prefix="sk%d-sync-" % os.getpid())
    lat = []
    try:
        for _ in range(n):
            t0 = time.perf_counter()
            os.write(fd, b"x" * 200)
            os.fdatasync(fd)
            lat.append(time.perf_counter() - t0)
    finally:
        os.close(fd)
        os.unlink(path)
    return pct(lat, 50), pct(lat, 99)


def line(name, value, unit, target=None, ok=None):
    t = ""
    if target is not None:
        t = "  (target %s: %s)" % (target, "met" if ok else "NOT met")
    print("%-44s %12s %-8s%s" % (name, value, unit, t), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--services", type=int, default=10000)
    ap.add_argument("--watchers", type=int, default=100)
    ap.add_argument("--rounds", type=int, default=20)
    a = ap.parse_args()
    n = a.services
    print("skiff-server API benchmark: %s, %d services, %d watchers x %d rounds, %d CPUs"
          % (os.path.realpath(os.path.join(os.environ["SKIFF_BIN"], "skiff-server")), n,
             a.watchers, a.rounds, os.cpu_count()), flush=True)

    p50, p99 = disk_sync_latency()
    line("context: load average (1 min) at start", "%.2f" % os.getloadavg()[0], "")
    line("context: disk fdatasync p50 / p99", "%.2f / %.2f" % (p50 * 1e3, p99 * 1e3), "ms")

    s1 = Server(["-v", "1"], name="bench1").start()
    rate, lat, err, busy, cbusy = bench_creates(s1, 1, n)
    line("creates, 1 client", "%.0f" % rate, "/s")
    line("creates, 1 client: server / client CPU", "%.0f / %.0f" % (busy * 100, cbusy * 100),
         "%")
    line("creates, 1 client p50 latency", "%.2f" % (pct(lat, 50) * 1e3), "ms")
    line("creates, 1 client p99 latency", "%.2f" % (pct(lat, 99) * 1e3), "ms")
    if err:
        line("creates, 1 client: failed requests", err, "")
    s1.cleanup()

    s8 = Server(["-v", "1"], name="bench8").start()
    rate, lat, err, busy, cbusy = bench_creates(s8, 8, n)
    line("creates, 8 clients", "%.0f" % rate, "/s", ">= %.0f/s" % TARGET_CREATES_8,
         rate >= TARGET_CREATES_8)
    line("creates, 8 clients: server / client CPU", "%.0f / %.0f" % (busy * 100, cbusy * 100),
         "%")
    line("creates, 8 clients p50 latency", "%.2f" % (pct(lat, 50) * 1e3), "ms")
    line("creates, 8 clients p99 latency", "%.2f" % (pct(lat, 99) * 1e3), "ms")
    if err:
        line("creates, 8 clients: failed requests", err, "")

    s8p = Server(["-v", "1"], name="bench8pb").start()
    prate, plat, perr, pbusy, _ = bench_creates(s8p, 8, n, proto=True)
    line("creates, 8 clients, protobuf bodies", "%.0f" % prate, "/s")
    line("creates, 8 clients, protobuf: server CPU", "%.0f" % (pbusy * 100), "%")
    line("creates, 8 clients, protobuf p99 latency", "%.2f" % (pct(plat, 99) * 1e3), "ms")
    if perr:
        line("creates, 8 clients, protobuf: failed requests", perr, "")
    line("ratio creates protobuf / JSON, 8 clients", "%.2f" % (prate / rate), "", ">= 1.0",
         prate >= rate and not perr)
    s8p.cleanup()

    t, items = bench_list(s8, n)
    line("list %d services (median of 5)" % items, "%.1f" % (t * 1e3), "ms",
         "< %.0f ms" % TARGET_LIST_MS, t * 1e3 < TARGET_LIST_MS)
    rss = s8.rss_peak_kb() / 1024.0
    line("server peak RSS (VmHWM) at %d services" % items, "%.1f" % rss, "MB",
         "< %.0f MB" % TARGET_RSS_MB, rss < TARGET_RSS_MB)

    lat, lost = bench_watch(s8, a.watchers, a.rounds)
    p99 = pct(lat, 99) * 1e3
    line("watch fan-out %d watchers p50 delivery" % a.watchers, "%.2f" % (pct(lat, 50) * 1e3),
         "ms")
    line("watch fan-out %d watchers p99 delivery" % a.watchers, "%.2f" % p99, "ms",
         "< %.0f ms" % TARGET_WATCH_P99_MS, p99 < TARGET_WATCH_P99_MS and not lost)
    if lost:
        line("watch events not delivered within 5 s", lost, "")
    s8.cleanup()


if __name__ == "__main__":
    main()
