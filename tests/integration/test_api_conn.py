#!/usr/bin/python3
"""skiff-server connections, watchers and resourceVersions under attack.

1. Idle flood: 3,000 TCP connections from ten 127.0.0.x addresses plus
   slowloris tricklers; meanwhile a client with the token gets its GET and a
   DNS query answered within 2 s, and the unauthenticated pool stays capped.
2. First-request deadline: a connection trickling a byte every 0.3 s (the
   idle timeout never fires) is closed once the deadline passes.
3. Request deadline: an authenticated request whose body trickles is cut.
4. Stalled watchers: 20 watchers that never read, then a burst of writes:
   they are closed and freed at once (gone from /metrics, RSS bounded).
5. A chunked body (no Content-Length) is cut as soon as it passes
   --max-request-bytes, not read to its end.
6. A watch or list from a resourceVersion ahead of the store: 504
   "Too large resource version" with upstream's details.
Prints TAP; bounded to well under 90 s."""
import os
import resource
import select
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import API_ONLY, Server, Tap, free_port, svc  # noqa: E402

t = Tap()
SVCS = "/api/v1/namespaces/default/services"
FLOOD_ADDRS = ["127.0.0.%d" % i for i in range(1, 11)]
FLOOD_PER_ADDR = 300
UNAUTH_CAP = 1024  # the server's default --max-unauthenticated-connections


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def metrics(srv):
    r = srv.req("GET", "/metrics", timeout=10)
    out = {}
    for line in r.body.decode().splitlines():
        if line and not line.startswith("#"):
            k, v = line.rsplit(" ", 1)
            out[k] = float(v)
    return out


def dns_query(port, name="kubernetes.default.svc.cluster.local", timeout=2.0):
    """One A query over UDP; returns the rcode, or None on timeout."""
    qid = os.getpid() & 0xFFFF
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(q, ("127.0.0.1", port))
        data = s.recv(4096)
        return data[3] & 0x0F
    except OSError:
        return None
    finally:
        s.close()


def timed(fn):
    t0 = time.monotonic()
    try:
        r = fn()
    except Exception as e:  # noqa: BLE001 - a timeout is a result here
        r = e
    return r, time.monotonic() - t0


# A TLS handshake record header announcing 512 bytes: the server waits for
# the rest, which then trickles one byte at a time (a bogus header would be
# refused by the TLS layer itself and prove nothing).
TLS_HEAD = b"\x16\x03\x01\x02\x00"


class Flood:
    """Idle connections, topped up as the server closes them, plus
    tricklers sending one byte of a TLS record every 0.3 s."""

    def __init__(self, port, tricklers=20):
        self.port = port
        self.socks = []
        self.trick = []
        self.ntrick = tricklers
        self.stop = threading.Event()
        self.reopened = 0
        self.th = threading.Thread(target=self.run, daemon=True)

    def fill(self):
        for addr in FLOOD_ADDRS:
            for _ in range(FLOOD_PER_ADDR):
                try:
                    self.socks.append((addr, self._open(addr)))
                except OSError:
                    time.sleep(0.01)

    def _open(self, addr):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.bind((addr, 0))
        try:
            s.connect(("127.0.0.1", self.port))
        except BlockingIOError:
            pass
        return s

    def run(self):
        for i in range(self.ntrick):
            s = socket.create_connection(("127.0.0.1", self.port))
            s.sendall(TLS_HEAD)
            s.setblocking(False)
            self.trick.append(s)
        last = 0
        while not self.stop.is_set():
            now = time.monotonic()
            if now - last >= 0.3:
                last = now
                for s in self.trick:
                    try:
                        s.send(b"\x01")
                    except OSError:
                        pass
            socks = [s for _, s in self.socks]
            try:
                rd, _, _ = select.select(socks[:1000], [], [], 0.05) if socks else ([], [], [])
            except (OSError, ValueError):
                rd = []
            if rd:
                dead = set(rd)
                keep = []
                for addr, s in self.socks:
                    if s in dead:
                        s.close()
                        if self.reopened < 5000:
                            try:
                                keep.append((addr, self._open(addr)))
                                self.reopened += 1
                            except OSError:
                                pass
                    else:
                        keep.append((addr, s))
                self.socks = keep

    def close(self):
        self.stop.set()
        self.th.join(5)
        for _, s in self.socks:
            s.close()
        for s in self.trick:
            s.close()


def test_flood():
    dns_port = free_port(socket.SOCK_DGRAM)
    srv = Server(["--dns-bind-address", "127.0.0.1:%d" % dns_port], name="flood").start()
    srv.req("POST", SVCS, svc("flood-probe"))
    fl = Flood(srv.port)
    fl.fill()
    fl.th.start()
    time.sleep(1.5)  # let the server accept and evict
    worst_get = worst_dns = 0.0
    gets_ok = dns_ok = True
    for _ in range(5):
        r, dt = timed(lambda: srv.req("GET", SVCS, timeout=2))
        worst_get = max(worst_get, dt)
        gets_ok &= not isinstance(r, Exception) and r.status == 200 and dt < 2.0
        rc, dt = timed(lambda: dns_query(dns_port))
        worst_dns = max(worst_dns, dt)
        dns_ok &= rc == 0 and dt < 2.0
        time.sleep(0.2)
    t.ok(gets_ok, "GET with a token during a %d-connection flood answered within 2 s "
         "(worst %.2f s)" % (len(FLOOD_ADDRS) * FLOOD_PER_ADDR, worst_get))
    t.ok(dns_ok, "DNS query during the flood answered within 2 s (worst %.2f s)" % worst_dns)
    m, _ = timed(lambda: metrics(srv))
    ok = isinstance(m, dict)
    unauth = m.get('skiff_apiserver_connections{state="unauthenticated"}', -1) if ok else -1
    evicted = (m.get('skiff_apiserver_connections_closed_total{reason="unauthenticated_evicted"}',
                     0) if ok else 0)
    t.ok(ok and 0 < unauth <= UNAUTH_CAP and evicted > 0,
         "unauthenticated connections capped at %d by closing the oldest" % UNAUTH_CAP,
         "metrics: %r" % ({k: v for k, v in m.items() if "connections" in k} if ok else m))
    fl.close()
    srv.cleanup()


def test_first_request_deadline():
    srv = Server(["--first-request-timeout", "2"], name="slowloris").start()
    tricklers = [socket.create_connection(("127.0.0.1", srv.port)) for _ in range(5)]
    for s in tricklers:
        s.sendall(TLS_HEAD)
    t0 = time.monotonic()
    closed_at = {}
    while time.monotonic() - t0 < 8 and len(closed_at) < len(tricklers):
        for i, s in enumerate(tricklers):
            if i in closed_at:
                continue
            try:
                s.send(b"\x01")  # one more byte of the ClientHello
                s.setblocking(False)
                try:
                    if s.recv(1) == b"":
                        closed_at[i] = time.monotonic() - t0
                except BlockingIOError:
                    pass
                s.setblocking(True)
            except OSError:
                closed_at[i] = time.monotonic() - t0
        time.sleep(0.3)
    worst = max(closed_at.values()) if closed_at else -1
    t.ok(len(closed_at) == len(tricklers) and worst < 5,
         "tricklers closed by the 2 s first-request deadline (after %.1f s)" % worst,
         "closed: %r" % closed_at)
    # a prompt client on a fresh connection is unaffected, and keep-alive
    # past the deadline works once authenticated
    c = srv.conn(timeout=10)
    r1 = srv.req("GET", SVCS, conn=c)
    time.sleep(3)
    r2, _ = timed(lambda: srv.req("GET", SVCS, conn=c))
    c.close()
    t.ok(r1.status == 200 and not isinstance(r2, Exception) and r2.status == 200,
         "an authenticated keep-alive connection outlives the first-request deadline",
         "r1=%r r2=%r" % (r1, r2))
    srv.cleanup()
    # request deadline: authenticated headers, then a body that trickles
    srv = Server(["--request-timeout", "2"], name="slowbody").start()
    s = srv.ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port)),
                            server_hostname="127.0.0.1")
    s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n"
               % (SVCS, srv.token)).encode())
    t0 = time.monotonic()
    cut = None
    while time.monotonic() - t0 < 8:
        try:
            s.send(b" ")
        except OSError:
            cut = time.monotonic() - t0
            break
        time.sleep(0.3)
    s.close()
    t.ok(cut is not None and cut < 5,
         "a request body trickling past --request-timeout 2 is cut (after %s s)"
         % ("%.1f" % cut if cut else "never"))
    srv.cleanup()


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def stalled_watchers(srv, n):
    """n watch streams on SVCS that never read (tiny receive buffers)."""
    rv = srv.req("GET", SVCS).json["metadata"]["resourceVersion"]
    out = []
    for _ in range(n):
        raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect(("127.0.0.1", srv.port))
        s = srv.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        s.sendall(("GET %s?watch=1&resourceVersion=%s HTTP/1.1\r\nHost: x\r\n"
                   "Authorization: Bearer %s\r\n\r\n" % (SVCS, rv, srv.token)).encode())
        out.append(s)
    return out


def burst(srv, n, size=240 * 1024):
    """n updates of the "burst" Service, each carrying a size-byte blob."""
    big = "x" * size
    for i in range(n):
        obj = srv.req("GET", SVCS + "/burst").json
        obj["metadata"].setdefault("annotations", {})["blob"] = big + str(i)
        if srv.req("PUT", SVCS + "/burst", obj).status != 200:
            return False
    return True


def test_watchers_total():
    """All watchers together share --watch-buffer-total-bytes: 20 stalled
    watchers under a generous per-watcher limit (64 MiB) would each hold the
    whole 10 MB burst (200 MB); with a 4 MiB total they are closed once
    together they pass it."""
    old_asan = os.environ.get("ASAN_OPTIONS")
    if old_asan is not None:  # measure what the server holds, not ASan's quarantine
        os.environ["ASAN_OPTIONS"] = old_asan + ":quarantine_size_mb=0"
    srv = Server(["--watch-buffer-bytes", str(64 << 20), "--watch-buffer-total-bytes",
                  str(4 << 20)], name="stalltot").start()
    if old_asan is not None:
        os.environ["ASAN_OPTIONS"] = old_asan
    srv.req("POST", SVCS, svc("burst"))
    watchers = stalled_watchers(srv, 20)
    time.sleep(0.5)
    peak0 = srv.rss_peak_kb()
    ok = burst(srv, 44)
    time.sleep(1.0)
    m = metrics(srv)
    grown = (srv.rss_peak_kb() - peak0) // 1024
    t.ok(ok and m.get("skiff_apiserver_watchers") == 0 and
         m.get("skiff_apiserver_watch_closed_slow_total") == 20,
         "watchers past their share of the total budget are closed",
         {k: v for k, v in m.items() if "watch" in k})
    t.ok(grown < 100, "server peak RSS grew %d MB (20 watchers holding the burst: 200 MB)"
         % grown)
    for s in watchers:
        s.close()
    srv.cleanup()


def test_stalled_watchers():
    limit = 4 << 20
    # ASan keeps freed memory in quarantine; measure what the server holds
    old_asan = os.environ.get("ASAN_OPTIONS")
    if old_asan is not None:
        os.environ["ASAN_OPTIONS"] = old_asan + ":quarantine_size_mb=0"
    srv = Server(["--watch-buffer-bytes", str(limit)], name="stall").start()
    if old_asan is not None:
        os.environ["ASAN_OPTIONS"] = old_asan
    srv.req("POST", SVCS, svc("burst"))
    watchers = stalled_watchers(srv, 20)
    time.sleep(0.5)
    m0 = metrics(srv)
    base = rss_kb(srv.pid)
    # 44 x 240 KB: more than the 4 MB limit plus what the kernel buffers
    # of a stalled connection absorb
    if not burst(srv, 44):
        t.ok(False, "burst writes")
    time.sleep(1.0)
    m1 = metrics(srv)
    grown = (rss_kb(srv.pid) - base) // 1024
    t.eq((m0.get("skiff_apiserver_watchers"), m1.get("skiff_apiserver_watchers")), (20.0, 0.0),
         "stalled watchers are closed at once, before their clients read")
    t.ok(m1.get("skiff_apiserver_watch_closed_slow_total") == 20
         and m1.get("skiff_apiserver_watch_buffered_bytes") == 0
         and "skiff_apiserver_watch_buffered_bytes_max" in m1,
         "metrics account the closed watchers and no buffered bytes remain",
         {k: v for k, v in m1.items() if "watch" in k})
    # 20 stalled watchers would hold 80 MB if their buffers stayed; the
    # store's watch history of the burst itself is about 20 MB
    t.ok(grown < 50, "server RSS grew %d MB during the burst (20 stalled watchers x 4 MB "
         "limit would hold 80 MB)" % grown)
    for s in watchers:
        s.close()
    r = srv.req("GET", SVCS + "/burst", timeout=5)
    t.eq(r.status, 200, "the server keeps serving")
    srv.cleanup()


def test_chunked_body():
    srv = Server(["--max-request-bytes", "65536"], name="chunked").start()
    s = srv.ctx.wrap_socket(socket.create_connection(("127.0.0.1", srv.port)),
                            server_hostname="127.0.0.1")
    s.sendall(("POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               % (SVCS, srv.token)).encode())
    chunk = b"%x\r\n%s\r\n" % (16384, b" " * 16384)
    sent = 0
    t0 = time.monotonic()
    s.settimeout(5)
    answer = b""
    while sent < 64 * 1024 * 1024 and time.monotonic() - t0 < 20:
        try:
            s.sendall(chunk)
            sent += len(chunk)
        except OSError:
            break
        rd, _, _ = select.select([s], [], [], 0)
        if rd:
            try:
                answer = s.recv(65536)
            except OSError:
                pass
            break
    s.close()
    # the server throws away up to 4 MB hoping the body ends (for a 413);
    # the kernel buffers of both ends absorb a few MB more after the cut
    t.ok(sent < 16 * 1024 * 1024,
         "chunked body cut after %d KB (limit 64 KB), not read to its end" % (sent // 1024),
         "answer: %r" % answer[:200])
    t.ok(answer == b"" or answer.startswith(b"HTTP/1.1 413"),
         "the answer is a 413 or the connection is closed (%r)" % answer[:12], answer[:300])
    r = srv.req("GET", SVCS)
    t.eq(r.status, 200, "the server keeps serving after the cut")
    srv.cleanup()


def test_future_rv():
    srv = Server([API_ONLY], name="futurerv").start()
    cur = int(srv.req("GET", SVCS).json["metadata"]["resourceVersion"])
    future = cur + 1000
    want_msg = "Too large resource version: %d, current: %d" % (future, cur)

    def check(r, what):
        j = r.json if isinstance(r.json, dict) else {}
        d = j.get("details") or {}
        t.ok(r.status == 504 and j.get("kind") == "Status" and j.get("code") == 504
             and j.get("reason") == "Timeout" and want_msg in j.get("message", "")
             and d.get("retryAfterSeconds") == 1
             and d.get("causes") == [{"reason": "ResourceVersionTooLarge",
                                      "message": "Too large resource version"}]
             and r.headers.get("retry-after") == "1",
             "%s from resourceVersion %d (current %d): 504 Too large resource version"
             % (what, future, cur), r)

    check(srv.req("GET", SVCS + "?watch=1&resourceVersion=%d" % future, timeout=5), "watch")
    check(srv.req("GET", SVCS + "?resourceVersion=%d" % future), "list")
    check(srv.req("GET", SVCS + "?resourceVersion=%d&resourceVersionMatch=NotOlderThan"
                  % future), "list NotOlderThan")
    r = srv.req("GET", SVCS + "?resourceVersion=%d" % cur)
    t.eq(r.status, 200, "list at the current resourceVersion still served")
    r = srv.req("GET", SVCS + "?resourceVersion=abc")
    t.eq(r.status, 400, "list with a malformed resourceVersion: 400")
    # the python client sees an ApiException 504 and so re-lists
    try:
        from kubernetes import client, config
    except ImportError:
        t.skip("python kubernetes client: 504 on watch", "kubernetes module missing")
        srv.cleanup()
        return
    config.load_kube_config(config_file=srv.kubeconfig)
    v1 = client.CoreV1Api()
    try:
        v1.list_namespaced_service("default", resource_version=str(future), watch=True,
                                   _preload_content=False, _request_timeout=5)
        status = 200
    except client.exceptions.ApiException as e:
        status = e.status
    t.eq(status, 504, "python kubernetes client: watch from the future raises 504")
    srv.cleanup()


if __name__ == "__main__":
    nofile = raise_nofile()
    if nofile < 4000:
        t.skip("connection flood", "open-file limit %d" % nofile)
    else:
        t.section("flood", test_flood)
    t.section("first-request deadline", test_first_request_deadline)
    t.section("stalled watchers", test_stalled_watchers)
    t.section("watchers share a total budget", test_watchers_total)
    t.section("chunked body", test_chunked_body)
    t.section("future resourceVersion", test_future_rv)
    t.done()
