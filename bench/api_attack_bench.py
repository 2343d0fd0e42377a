#!/usr/bin/python3
"""skiff-server adversarial benchmark (issue 7). Not a test: prints one line
per figure with its target beside it, and PASS/FAIL per target.

  cpu      server CPU per request for adversarial requests at the largest
           body the server accepts (its default --max-request-bytes):
           deep merge and JSON patches, JSON-patch `copy` amplification,
           no-op patches on wide objects, a 200,000-key merge patch, a
           strategic merge patch with a huge list under a merge key, a wide
           PUT, an oversized chunked body, a deep create, NUL in a name.
           Server CPU is utime+stime of the server from /proc/<pid>/stat
           read before and after each request. Target: < 100 ms each.
  latency  p50/p99 of a legitimate keep-alive GET of one Service with no
           attack, during an idle flood of 5,000 TCP connections (from
           127.0.0.2..21, plus a few that trickle 1 byte/s), and during 100
           stalled watchers (never read) while a writer updates a Service.
           Target: attack p99 <= 2x the p99 without attack.

Every request has a client timeout: a request that times out (or kills the
server) is reported as such, the server is killed and a fresh one started,
so the benchmark ends in bounded time whatever the server does.

Usage: bench/api_attack_bench.py [--quick] [--only cpu|latency] [--timeout S]
Env: SKIFF_BIN (default: build/ beside this file), the optimised build.
Traffic goes to 127.0.0.0/8 only; every server uses a throw-away data dir.
"""
import argparse
import errno
import http.client
import json
import multiprocessing as mp
import os
import resource
import select
import socket
import ssl
import statistics
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
sys.path.insert(0, HERE)
os.environ.setdefault("SKIFF_BIN", os.path.join(HERE, "..", "build"))
from test_api_lib import Server, svc  # noqa: E402
from api_bench import cpu_seconds, pct  # noqa: E402

SVCS = "/api/v1/namespaces/default/services"
DEPLOYS = "/apis/apps/v1/namespaces/default/deployments"
MERGE = "application/merge-patch+json"
JSONPATCH = "application/json-patch+json"
SMP = "application/strategic-merge-patch+json"

# issue 7's targets
TARGET_CPU_MS = 100.0     # server CPU of any one request
TARGET_P99_RATIO = 2.0    # legitimate GET p99 under attack / without

# The server's defaults (skiff-server --help): the bench does not pass
# --max-request-bytes or --watch-buffer-bytes, it measures the defaults.
MAX_BODY = 3 * 1024 * 1024
WATCH_BUFFER = 16 * 1024 * 1024

# Address-space caps on the servers (MiB): the copy amplification grew a
# server to 5.6 GB before issue 7; the machine is shared, so a runaway server
# gets ENOMEM instead of the machine's memory. The stalled watchers held
# 1.7 GB before the fix, hence the larger cap for the latency server.
CPU_SERVER_AS_MB = 1024
LATENCY_SERVER_AS_MB = 4096

TCP_STATES = {1: "established", 2: "syn-sent", 7: "close", 8: "close-wait"}


def fig(name, value, unit="", note=""):
    print("%-54s %16s %-3s %s" % (name, value, unit, note), flush=True)


def verdict(ok):
    return "PASS" if ok else "FAIL"


def tcp_state(s):
    """Kernel TCP state of a socket (tcp_info.tcpi_state): tells whether the
    server closed a connection without reading from it."""
    try:
        return s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)[0]
    except OSError:
        return 7


def server_status(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            for ln in f:
                if ln.startswith(field + ":"):
                    return int(ln.split()[1])
    except OSError:
        pass
    return -1


def metric(srv, name):
    try:
        r = srv.req("GET", "/metrics", timeout=5)
    except OSError:
        return None
    for ln in r.body.decode("utf-8", "replace").splitlines():
        if ln.startswith(name + " "):
            return ln.split()[1]
    return None


def start_server(name, as_mb):
    srv = Server(["-v", "1"], name=name).start()
    cap = as_mb << 20
    resource.prlimit(srv.pid, resource.RLIMIT_AS, (cap, cap))
    return srv


# ---------------------------------------------------------------- bodies


def jdump(o):
    return json.dumps(o, separators=(",", ":"))


def nest(levels, leaf):
    """`levels` nested objects {"a":{"a":...leaf...}} as text (python's json
    recursion limit is below the depths measured)."""
    return '{"a":' * levels + leaf + "}" * levels


def padded(make, target):
    """make(n) builds a body around an n-byte filler; return the body whose
    length is `target` (the filler takes up the rest)."""
    n = max(0, target - len(make(0)))
    return make(n).encode()


def labels_text(n, vlen, prefix="k"):
    v = "v" * vlen
    return "{" + ",".join('"%s%06d":"%s"' % (prefix, i, v) for i in range(n)) + "}"


def label_value_len(n, target, overhead=200):
    """Value length that makes n labels (of key k000000) fill target bytes;
    label values are at most 63 characters."""
    per = (target - overhead) // n - len('"k000000":"",')
    return max(0, min(63, per))


def svc_text(name, spec_extra="", meta_extra=""):
    return ('{"apiVersion":"v1","kind":"Service","metadata":{"name":%s%s},'
            '"spec":{"ports":[{"port":80}]%s}}' % (jdump(name), meta_extra, spec_extra))


def deployment(name, ncontainers):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c%06d" % i, "image": "i"}
                                                          for i in range(ncontainers)]}}}}


# ------------------------------------------------------------ cpu section


class Outcome:
    def __init__(self, status=None, cpu=0.0, wall=0.0, error=None):
        self.status, self.cpu, self.wall, self.error = status, cpu, wall, error
        self.note = ""


class CpuBench:
    """One server at a time; a request that times out or kills it costs the
    server (killed and replaced) and the objects the cases set up."""

    def __init__(self, a):
        self.a = a
        self.srv = None
        self.ready = set()
        self.restarts = 0

    def server(self):
        if self.srv is None or self.srv.proc.poll() is not None:
            if self.srv is not None:
                self.srv.cleanup()
                self.restarts += 1
            self.srv = start_server("attack", CPU_SERVER_AS_MB)
            self.ready = set()
        return self.srv

    def replace(self):
        """The server is busy for who knows how long (or dead): start over."""
        if self.srv is not None:
            self.srv.cleanup()
            self.restarts += 1
        self.srv = None
        self.ready = set()

    def setup(self, key, reqs):
        """Run setup requests once per server; each must answer 2xx."""
        if key in self.ready:
            return
        srv = self.server()
        for method, path, body, ctype in reqs:
            r = srv.req(method, path, body, headers={"Content-Type": ctype},
                        timeout=max(30, 3 * self.a.timeout))
            if r.status >= 300:
                raise RuntimeError("setup %s %s: %d %s" % (method, path, r.status,
                                                          r.body[:200]))
        self.ready.add(key)

    def settle(self, pid):
        """Server CPU once it has stopped working on the request (work after
        the response, e.g. the watch fan-out, belongs to it)."""
        c = cpu_seconds(pid)
        for _ in range(30):
            time.sleep(0.03)
            n = cpu_seconds(pid)
            if n == c:
                break
            c = n
        return c

    def one(self, send):
        """send(srv, conn, timeout) -> HTTP status; the server's CPU around it."""
        srv = self.server()
        pid = srv.pid
        conn = srv.conn(timeout=self.a.timeout)
        cpu0 = None
        t0 = time.monotonic()
        try:
            # connection and TLS handshake first, untimed: the same for every
            # request, and not what the cases attack
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            cpu0 = self.settle(pid)
            t0 = time.monotonic()
            status = send(srv, conn, self.a.timeout)
            wall = time.monotonic() - t0
            if srv.proc.poll() is None:
                return Outcome(status, self.settle(pid) - cpu0, wall)
            err = None
        except (socket.timeout, TimeoutError):
            err = "timeout"
        except (OSError, ssl.SSLError, http.client.HTTPException) as e:
            time.sleep(0.2)
            err = "connection error (%s)" % type(e).__name__
        finally:
            conn.close()
        wall = time.monotonic() - t0
        # a dead server is reaped by poll(): read its CPU first
        try:
            cpu = cpu_seconds(pid) - cpu0 if cpu0 is not None else 0.0
        except OSError:
            cpu = 0.0
        if srv.proc.poll() is not None:
            rc = srv.proc.returncode
            err = "server died (%s)" % ("signal %d" % -rc if rc < 0 else "exit %d" % rc)
        elif err.startswith("connection error"):
            return Outcome(None, self.settle(pid) - cpu0 if cpu0 is not None else 0.0,
                           wall, err)
        # a timed-out server may stay busy for minutes: replace it
        self.replace()
        return Outcome(None, cpu, wall, err)


def send_plain(method, path, body, ctype):
    def send(srv, conn, timeout):
        hdr = {"Authorization": "Bearer " + srv.token, "Accept": "application/json"}
        if body is not None:
            hdr["Content-Type"] = ctype
        try:
            conn.request(method, path, body=body, headers=hdr)
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered (413) before the whole body was sent: read that
        r = conn.getresponse()
        r.read()
        return r.status
    return send


def send_chunked(path, total):
    """A body of `total` bytes in 64 KiB chunks, no Content-Length; stops
    sending as soon as the server answers or stops reading."""
    def send(srv, conn, timeout):
        s = conn.sock
        s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                   % (path, srv.token)).encode())
        chunk = b"10000\r\n" + b"x" * 65536 + b"\r\n"
        sent = 0
        try:
            while sent < total:
                if s.pending() or select.select([s], [], [], 0)[0]:
                    break
                s.sendall(chunk)
                sent += 65536
            else:
                s.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError, socket.timeout, ssl.SSLError):
            pass  # the server cut the body off: that is the defence
        send.sent = sent
        buf = b""
        while b"\r\n" not in buf:
            try:
                d = s.recv(4096)
            except (ConnectionResetError, ssl.SSLError):
                d = b""
            if not d:
                return 0  # closed without an answer (MHD cannot answer mid-body)
            buf += d
        return int(buf[9:12])
    send.sent = 0
    return send


def cpu_cases(a):
    """(label, setup list or None, make_send(rep)) per case."""
    T = a.body_bytes
    sc = a.body_bytes / float(MAX_BODY)   # scale of the key counts in --quick
    cases = []

    def svc_setup(name):
        return [("POST", SVCS, svc_text(name), "application/json")]

    cases.append(("create, 1 large string field (floor)", None,
                  lambda rep: send_plain("POST", SVCS, padded(
                      lambda n: svc_text("floor-%d" % rep, ',"pad":"%s"' % ("x" * n)), T),
                      "application/json")))

    for depth in a.depths:
        k = depth - 2  # root and spec are the first two levels

        def deep_patch(n, k=k):
            return '{"spec":{"foo":%s}}' % nest(k, '"%s"' % ("x" * n))

        body = padded(deep_patch, T)
        name = "deep%d" % depth
        setup = svc_setup(name) + [("PATCH", SVCS + "/" + name, body, MERGE)]
        cases.append(("merge patch no-op, %d deep" % depth, ("deep%d" % depth, setup),
                      lambda rep, name=name, body=body:
                      send_plain("PATCH", SVCS + "/" + name, body, MERGE)))

        def test_op(n, k=k):
            return '[{"op":"test","path":"/spec/foo","value":%s}]' % nest(
                k, '"%s"' % ("x" * n))

        # the value equals the stored one (same filler): the whole compare runs
        tbody = test_op(len(body) - len(deep_patch(0))).encode()
        cases.append(("JSON patch test op, %d deep value" % depth, ("deep%d" % depth, setup),
                      lambda rep, name=name, tbody=tbody:
                      send_plain("PATCH", SVCS + "/" + name, tbody, JSONPATCH)))

    ops = ",".join('{"op":"copy","from":"/spec","path":"/spec/c%d"}' % i
                   for i in range(a.copy_ops))
    cases.append(("JSON patch copy /spec into itself x%d" % a.copy_ops, "per-rep",
                  lambda rep: send_plain("PATCH", SVCS + "/amp-%d" % rep,
                                         ("[" + ops + "]").encode(), JSONPATCH)))

    nwide = max(100, int(40000 * sc))
    vlen = label_value_len(nwide, T)
    wide_labels = labels_text(nwide, vlen)
    wide_setup = [("POST", SVCS, svc_text("wide", meta_extra=',"labels":' + wide_labels),
                   "application/json")]
    wbody = ('{"metadata":{"labels":%s}}' % wide_labels).encode()
    cases.append(("merge patch no-op, %d labels (%.1f MB)" % (nwide, len(wbody) / 1e6),
                  ("wide", wide_setup),
                  lambda rep: send_plain("PATCH", SVCS + "/wide", wbody, MERGE)))

    nkeys = max(100, int(200000 * sc))
    kbody = ('{"metadata":{"labels":%s}}' % labels_text(nkeys, 0)).encode()
    cases.append(("merge patch, %d new keys (%.1f MB)" % (nkeys, len(kbody) / 1e6),
                  ("keys", svc_setup("keys")),
                  lambda rep: send_plain("PATCH", SVCS + "/keys", kbody, MERGE)))

    # the Deployment holds what fits in the object size limit once defaulted
    # (~155 bytes a container); the patch list fills the body
    nbase = max(10, int(T * 0.6 / 155))
    npatch = max(nbase, (T - 100) // len('{"name":"c000000","image":"j"},'))
    dep_setup = [("POST", DEPLOYS, jdump(deployment("smp", nbase)), "application/json")]
    sbody = jdump({"spec": {"template": {"spec": {"containers": [
        {"name": "c%06d" % i, "image": "j"} for i in range(npatch)]}}}}).encode()
    cases.append(("strategic patch, %d containers onto %d" % (npatch, nbase),
                  ("smp", dep_setup),
                  lambda rep: send_plain("PATCH", DEPLOYS + "/smp", sbody, SMP)))

    nput = max(100, int(100000 * sc))
    pbody = padded(lambda n: svc_text("put", meta_extra=',"labels":' + labels_text(
        nput, label_value_len(nput, T)) + ',"annotations":{"pad":"%s"}' % ("x" * min(n, 200000))),
        T)
    cases.append(("PUT, %d labels (%.1f MB)" % (nput, len(pbody) / 1e6),
                  ("put", svc_setup("put")),
                  lambda rep: send_plain("PUT", SVCS + "/put", pbody, "application/json")))

    cases.append(("chunked body %d MiB, no Content-Length" % (a.chunked_bytes >> 20), None,
                  lambda rep: send_chunked(SVCS, a.chunked_bytes)))

    dk = a.create_depth - 2
    cases.append(("create, JSON %d deep" % a.create_depth, None,
                  lambda rep: send_plain("POST", SVCS, padded(
                      lambda n: svc_text("deepc-%d" % rep, ',"foo":%s' % nest(
                          dk, '"%s"' % ("x" * n))), T), "application/json")))

    nbody = padded(lambda n: svc_text("a\u0000b", ',"pad":"%s"' % ("x" * n)), T)
    cases.append(("create, NUL in metadata.name", None,
                  lambda rep: send_plain("POST", SVCS, nbody, "application/json")))
    cases.append(("GET /services/a%00b", None,
                  lambda rep: send_plain("GET", SVCS + "/a%00b", None, None)))
    return cases


def run_cpu(a, deadline):
    print("-- server CPU per request (default --max-request-bytes %d; bodies %d bytes; "
          "CPU resolution %.0f ms; %d reps; client timeout %.0f s)"
          % (MAX_BODY, a.body_bytes, 1000.0 / os.sysconf("SC_CLK_TCK"), a.reps, a.timeout),
          flush=True)
    b = CpuBench(a)
    worst, failed, total = 0.0, 0, 0
    worst_open = False  # a case timed out: its cost is a lower bound
    try:
        for label, setup, make in cpu_cases(a):
            total += 1
            if time.monotonic() > deadline:
                fig("cpu: " + label, "not run", "", "(time budget spent) FAIL")
                failed += 1
                continue
            res = []
            for rep in range(a.reps):
                try:
                    if setup == "per-rep":
                        b.setup("amp-%d" % rep, [("POST", SVCS, svc_text("amp-%d" % rep),
                                                  "application/json")])
                    elif setup:
                        b.setup(*setup)
                except (OSError, RuntimeError) as e:
                    res.append(Outcome(None, 0.0, 0.0, "setup failed: %s" % str(e)[:80]))
                    b.replace()
                    break
                send = make(rep)
                o = b.one(send)
                if hasattr(send, "sent"):
                    o.note = "sent %d MiB" % (send.sent >> 20)
                res.append(o)
                if o.error:
                    break
            cpus = [o.cpu * 1e3 for o in res]
            err = next((o.error for o in res if o.error), None)
            st = "HTTP " + "/".join(str(o.status) if o.status else "-" for o in res)
            if res[-1].note:
                st += ", " + res[-1].note
            if err:
                ok = False
                value = err.split(" (")[0].split(":")[0]
                extra = "%s; %s after %.1f s, %.0f ms CPU so far" % (st, err, res[-1].wall,
                                                                     max(cpus))
                worst_open = True
            else:
                ok = max(cpus) < TARGET_CPU_MS
                value = "%.0f / %.0f" % (statistics.median(cpus), max(cpus))
                extra = st
            worst = max(worst, max(cpus))
            failed += not ok
            fig("cpu: " + label, value, "ms" if not err else "",
                "(target < %.0f ms: %s) %s" % (TARGET_CPU_MS, verdict(ok), extra))
    finally:
        if b.srv is not None:
            b.srv.cleanup()
    fig("cpu: worst case (max over cases and reps)",
        "%s%.0f" % (">= " if worst_open else "", worst), "ms",
        "(target < %.0f ms: %s) %d of %d cases FAIL; server restarted %d times"
        % (TARGET_CPU_MS, verdict(failed == 0), failed, total, b.restarts))
    return failed == 0


# -------------------------------------------------------- latency section


class Client:
    """Keep-alive HTTPS client with a deadline on every request; cheap to
    parse (the server's CPU and the client's share 2 cores)."""

    def __init__(self, srv, timeout, src="127.0.0.1"):
        raw = socket.socket()
        raw.settimeout(timeout)
        raw.bind((src, 0))
        raw.connect(("127.0.0.1", srv.port))
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.s = srv.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        self.buf = b""

    def roundtrip(self, request):
        self.s.sendall(request)
        while b"\r\n\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            self.buf += d
        head, rest = self.buf.split(b"\r\n\r\n", 1)
        clen = 0
        for h in head.split(b"\r\n")[1:]:
            k, _, v = h.partition(b":")
            if k.strip().lower() == b"content-length":
                clen = int(v)
        while len(rest) < clen:
            d = self.s.recv(65536)
            if not d:
                raise ConnectionError("closed")
            rest += d
        self.buf = rest[clen:]
        return int(head[9:12])

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def measure_gets(srv, a, label):
    """a.gets GETs of services/x on one keep-alive connection; a failed or
    timed-out request counts as infinitely slow and the client reconnects
    (the reconnect is part of the next request's time)."""
    req = ("GET %s/x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
           "Accept: application/json\r\n\r\n" % (SVCS, srv.token)).encode()
    lat, fails, run = [], 0, 0
    c = None
    try:
        c = Client(srv, a.get_timeout)
        # warm-up, untimed: the first requests on a connection are slower
        for _ in range(max(1, a.gets // 10)):
            c.roundtrip(req)
    except (OSError, ssl.SSLError):
        c = None
    end = time.monotonic() + a.phase_seconds
    while len(lat) + fails < a.gets and time.monotonic() < end and run < 5:
        t0 = time.perf_counter()
        try:
            if c is None:
                c = Client(srv, a.get_timeout)
            st = c.roundtrip(req)
            if st != 200:
                raise ConnectionError("status %d" % st)
            lat.append(time.perf_counter() - t0)
            run = 0
        except (OSError, ssl.SSLError):
            fails += 1
            run += 1
            if c is not None:
                c.close()
            c = None
    if c is not None:
        c.close()
    unsent = a.gets - len(lat) - fails
    allv = lat + [float("inf")] * (fails + unsent)
    p50, p99 = pct(allv, 50), pct(allv, 99)

    def ms(v):
        return "timeout" if v == float("inf") else "%.2f" % (v * 1e3)

    fig("latency: GET p50 / p99, " + label, "%s / %s" % (ms(p50), ms(p99)), "ms",
        "%d ok, %d failed, %d not sent" % (len(lat), fails, unsent) if fails or unsent
        else "%d requests" % len(lat))
    return p99


def client_hello():
    """The first flight of a TLS handshake, to trickle byte by byte."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    o = ctx.wrap_bio(inc, out, server_hostname="127.0.0.1")
    try:
        o.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


class Trickle:
    """Slow clients, one byte a second each: some in the TLS handshake, some
    in the HTTP request headers after a completed handshake."""

    def __init__(self, srv, n, src, budget):
        self.items = []  # [socket-like, bytes to send, opened at, closed at]
        self.failed = 0
        hello = client_hello()
        end = time.monotonic() + budget
        for i in range(n):
            if time.monotonic() > end:
                self.failed += n - i
                break
            try:
                raw = socket.socket()
                raw.settimeout(3)
                raw.bind((src, 0))
                raw.connect(("127.0.0.1", srv.port))
                if i % 2:
                    s = srv.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
                    data = ("GET %s/x HTTP/1.1\r\nHost: 127.0.0.1\r\n" % SVCS).encode() + \
                        b"X-Slow: " + b"y" * 4000
                else:
                    s, data = raw, hello
                self.items.append([s, data, time.monotonic(), None])
            except (OSError, ssl.SSLError):
                self.failed += 1
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        k = 0
        while not self.stop.wait(1.0):
            for it in self.items:
                if it[3] is not None:
                    continue
                try:
                    it[0].send(it[1][k % len(it[1]):k % len(it[1]) + 1])
                    if tcp_state(it[0]) != 1:
                        raise ConnectionError
                except (OSError, ssl.SSLError):
                    it[3] = time.monotonic()
            k += 1

    def close(self):
        self.stop.set()
        self.t.join(5)
        for it in self.items:
            try:
                it[0].close()
            except OSError:
                pass

    def report(self):
        closed = [it[3] - it[2] for it in self.items if it[3] is not None]
        fig("latency: trickle 1 byte/s: opened / closed by server",
            "%d / %d" % (len(self.items), len(closed)), "",
            "(%d could not connect%s)" % (
                self.failed, "; closed after median %.0f s" % statistics.median(closed)
                if closed else ""))


class Flood:
    """n idle TCP connections from several loopback source addresses."""

    def __init__(self, port, n, addrs, wait):
        self.socks = []
        self.refused = 0
        self.other = 0
        self.t0 = time.monotonic()
        pending = {}
        poll = select.poll()
        for i in range(n):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.bind((addrs[i % len(addrs)], 0))
                err = s.connect_ex(("127.0.0.1", port))
            except OSError as e:
                err = e.errno
            if err in (0, errno.EINPROGRESS):
                pending[s.fileno()] = s
                poll.register(s, select.POLLOUT)
            else:
                self.refused += err == errno.ECONNREFUSED
                self.other += err != errno.ECONNREFUSED
                s.close()
        end = time.monotonic() + wait
        while pending and time.monotonic() < end:
            for fd, _ in poll.poll(100):
                s = pending.pop(fd)
                poll.unregister(fd)
                err = s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err == 0:
                    self.socks.append(s)
                elif err == errno.ECONNREFUSED:
                    self.refused += 1
                    s.close()
                else:
                    self.other += 1
                    s.close()
        # still in SYN-SENT: the server's accept queue is full; keep them,
        # the kernel retries as an attacker's would
        self.pending = list(pending.values())
        self.socks += self.pending

    def states(self):
        st = {}
        for s in self.socks:
            k = TCP_STATES.get(tcp_state(s), "other")
            st[k] = st.get(k, 0) + 1
        return st

    def close(self):
        for s in self.socks:
            s.close()
        self.socks = []


def writer(port, ca_file, token, size, fill, rate, stop, done):
    """Updates one Service with a `size`-byte annotation, as fast as it can
    for `fill` updates (to fill the watchers' buffers), then `rate`/s."""
    ctx = ssl.create_default_context(cafile=ca_file)
    hdr = {"Authorization": "Bearer " + token, "Content-Type": MERGE}
    c = None
    i = 0
    while not stop.is_set():
        t0 = time.monotonic()
        body = jdump({"metadata": {"annotations": {"pad": ("%08d" % i) * (size // 8)}}})
        try:
            if c is None:
                c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
            c.request("PATCH", SVCS + "/fill", body=body, headers=hdr)
            c.getresponse().read()
            i += 1
            done.value = i
        except (OSError, http.client.HTTPException):
            c = None
            time.sleep(0.1)
        if i >= fill:
            stop.wait(max(0.0, 1.0 / rate - (time.monotonic() - t0)))


class Watchers:
    """Watch streams that read their response headers and then nothing."""

    def __init__(self, srv, n, src, budget):
        self.socks = []
        self.failed = 0
        end = time.monotonic() + budget
        req = ("GET %s?watch=1 HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
               "Accept: application/json\r\n\r\n" % (SVCS, srv.token)).encode()
        for i in range(n):
            if time.monotonic() > end:
                self.failed += n - i
                break
            try:
                raw = socket.socket()
                # a small receive window: the server's queue fills sooner
                raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                raw.settimeout(5)
                raw.bind((src, 0))
                raw.connect(("127.0.0.1", srv.port))
                s = srv.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
                s.sendall(req)
                head = b""
                while b"\r\n\r\n" not in head:
                    d = s.recv(1)
                    if not d:
                        raise ConnectionError("closed")
                    head += d
                if not head.startswith(b"HTTP/1.1 200"):
                    raise ConnectionError(head[:40])
                self.socks.append(s)
            except (OSError, ssl.SSLError):
                self.failed += 1

    def closed(self):
        return sum(tcp_state(s) != 1 for s in self.socks)

    def close(self):
        for s in self.socks:
            s.close()
        self.socks = []


def ratio_line(label, p99, base):
    r = p99 / base if base > 0 else float("inf")
    fig("latency: p99 ratio %s / no attack" % label,
        "inf" if r == float("inf") else "%.2f" % r, "x",
        "(target <= %.0fx: %s)" % (TARGET_P99_RATIO, verdict(r <= TARGET_P99_RATIO)))
    return r <= TARGET_P99_RATIO


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard


class Writer:
    """writer() in its own process (the GIL would slow the GET client)."""

    def __init__(self, srv, a, fill):
        self.stop = mp.Event()
        self.done = mp.Value("i", 0)
        self.p = mp.get_context("fork").Process(
            target=writer, args=(srv.port, srv.ca_file, srv.token, a.event_bytes, fill,
                                 a.writer_rate, self.stop, self.done), daemon=True)
        self.p.start()

    def close(self):
        self.stop.set()
        self.p.join(15)
        if self.p.is_alive():
            self.p.kill()
            self.p.join()


def run_latency(a):
    print("-- legitimate GET latency (%d GETs a phase, request timeout %.0f s)"
          % (a.gets, a.get_timeout), flush=True)
    srv = start_server("latency", LATENCY_SERVER_AS_MB)
    ok = True
    # only after the server is started: it keeps the limit it would have
    # been given, the flood needs more descriptors than the default
    nofile = raise_nofile()
    flood = trickle = watchers = w = None
    try:
        srv.req("POST", SVCS, svc("x"))
        srv.req("POST", SVCS, svc("fill"))
        base = measure_gets(srv, a, "no attack")

        addrs = ["127.0.0.%d" % i for i in range(2, 2 + a.flood_addrs)]
        trickle = Trickle(srv, a.trickle, "127.0.0.%d" % (2 + a.flood_addrs), a.phase_seconds)
        n = min(a.flood, nofile - 200)
        flood = Flood(srv.port, n, addrs, a.connect_wait)
        est = sum(1 for s in flood.socks if tcp_state(s) == 1)
        fig("latency: flood: TCP connections tried from %d addresses" % len(addrs), n, "",
            "connected %d, refused %d, still SYN-SENT %d, other errors %d (after %.1f s)"
            % (est, flood.refused, len(flood.pending), flood.other,
               time.monotonic() - flood.t0))
        p99 = measure_gets(srv, a, "%d-connection flood" % n)
        # held a while longer: a handshake/first-request deadline of a few
        # seconds shows as connections the server closed
        while time.monotonic() < flood.t0 + a.flood_hold:
            time.sleep(0.2)
        st = flood.states()
        fig("latency: flood: connections closed by server", st.get("close-wait", 0) +
            st.get("close", 0), "", "after %.1f s; still open %d, still SYN-SENT %d"
            % (time.monotonic() - flood.t0, st.get("established", 0), st.get("syn-sent", 0)))
        trickle.report()
        ok &= ratio_line("flood", p99, base)
        flood.close()
        trickle.close()
        flood = trickle = None
        time.sleep(1)

        # context: what the writer alone costs the GETs, without watchers
        w = Writer(srv, a, 0)
        time.sleep(0.5)
        measure_gets(srv, a, "writer only (context)")
        w.close()

        watchers = Watchers(srv, a.watchers, "127.0.0.%d" % (3 + a.flood_addrs),
                            a.phase_seconds)
        fig("latency: stalled watchers opened", len(watchers.socks), "",
            "(%d refused)" % watchers.failed)
        # enough events to fill each watcher's kernel queues and the
        # server's --watch-buffer-bytes twice over
        fill = 2 * (WATCH_BUFFER + 8 * 1024 * 1024) // a.event_bytes + 1
        w = Writer(srv, a, fill)
        end = time.monotonic() + a.phase_seconds
        while w.done.value < fill and time.monotonic() < end and w.p.is_alive():
            time.sleep(0.2)
        fig("latency: stalled: writer updates before measuring", w.done.value, "",
            "(%d KB each; then %d/s during the measurement)" % (a.event_bytes // 1000,
                                                                 a.writer_rate))
        rss0 = server_status(srv.pid, "VmRSS")
        p99 = measure_gets(srv, a, "%d stalled watchers" % len(watchers.socks))
        fig("latency: stalled: server RSS before / after the GETs",
            "%.0f / %.0f" % (rss0 / 1024.0, server_status(srv.pid, "VmRSS") / 1024.0), "MB",
            "peak %.0f MB" % (server_status(srv.pid, "VmHWM") / 1024.0))
        fig("latency: stalled: watchers closed by server", watchers.closed(), "",
            "metrics: skiff_apiserver_watchers %s, watch_closed_slow_total %s"
            % (metric(srv, "skiff_apiserver_watchers"),
               metric(srv, "skiff_apiserver_watch_closed_slow_total")))
        ok &= ratio_line("stalled watchers", p99, base)
        w.close()
        watchers.close()
        w = watchers = None
        time.sleep(1)
        # context: the load of the other jobs on the machine moves p99 too
        measure_gets(srv, a, "no attack, at the end (context)")
    finally:
        for x in (w, flood, trickle, watchers):
            if x is not None:
                x.close()
        srv.cleanup()
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="smoke run: small bodies, counts and timeouts")
    ap.add_argument("--only", choices=["cpu", "latency"])
    ap.add_argument("--timeout", type=float, help="client timeout of a cpu case (s)")
    ap.add_argument("--reps", type=int)
    ap.add_argument("--gets", type=int, help="GETs a latency phase")
    ap.add_argument("--flood", type=int, help="idle connections")
    ap.add_argument("--watchers", type=int, help="stalled watchers")
    a = ap.parse_args()
    q = a.quick
    a.timeout = a.timeout or (3.0 if q else 10.0)
    a.reps = a.reps or (2 if q else 3)
    a.body_bytes = (256 * 1024 if q else MAX_BODY) - 4096
    a.depths = [28, 100, 900]
    a.create_depth = 1000
    a.copy_ops = 24
    a.chunked_bytes = (16 if q else 256) << 20
    a.gets = a.gets or (300 if q else 2000)
    a.get_timeout = 2.0 if q else 5.0
    a.phase_seconds = 8.0 if q else 15.0
    a.flood = a.flood or (500 if q else 5000)
    a.flood_addrs = 5 if q else 20
    a.trickle = 4 if q else 10
    a.connect_wait = 2.0 if q else 3.0
    a.flood_hold = 3.0 if q else 12.0
    a.watchers = a.watchers or (10 if q else 100)
    a.event_bytes = 100 * 1000
    a.writer_rate = 10
    start = time.monotonic()
    print("skiff-server adversarial benchmark: %s, %d CPUs, load %.2f%s"
          % (os.path.realpath(os.path.join(os.environ["SKIFF_BIN"], "skiff-server")),
             os.cpu_count(), os.getloadavg()[0], " (--quick)" if q else ""), flush=True)
    ok = True
    if a.only in (None, "cpu"):
        # leaves the latency section its time within the 5-minute bound
        ok &= run_cpu(a, start + (45 if q else 150))
    if a.only in (None, "latency"):
        ok &= run_latency(a)
    fig("overall", verdict(ok), "", "(%.0f s)" % (time.monotonic() - start))


if __name__ == "__main__":
    main()
