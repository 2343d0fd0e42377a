#!/usr/bin/python3
"""Requests a hostile or careless client sends, one after another, each while
a prober keeps asking the same server for a Service (GET over HTTPS) and a
name (DNS over UDP). For every attack:
  - the attack gets a clear answer (4xx Status or a bounded success) within
    its own generous timeout;
  - the prober's GET and DNS answers never take longer than PROBE_BOUND;
  - nothing was stored that should not have been (store revision, object).
Connection floods and stalled watchers are in test_api_conn.py; the store's
own failures in test_api_store.py. Prints TAP."""
import json
import os
import random
import socket
import ssl
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import API_ONLY, Server, Tap, svc  # noqa: E402

sys.setrecursionlimit(20000)  # the client decodes 1000-deep answers too
t = Tap()
NS = "/api/v1/namespaces/default"
MERGE = {"Content-Type": "application/merge-patch+json"}
SMP = {"Content-Type": "application/strategic-merge-patch+json"}
JSONP = {"Content-Type": "application/json-patch+json"}
JSONH = {"Content-Type": "application/json"}
# seconds; generous, this is not a benchmark. `make test` runs the server
# built with ASan+UBSan (ASAN_OPTIONS is set), which is about three times
# slower on these multi-megabyte requests: the bound scales with it.
PROBE_BOUND = 2.0 * (3 if "ASAN_OPTIONS" in os.environ else 1)
ATTACK_TIMEOUT = 60


def dns_query(port, name="kubernetes.default.svc.cluster.local", timeout=PROBE_BOUND):
    """One A query over UDP; returns the rcode or None on timeout."""
    qid = random.randrange(65536)
    q = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)
    for label in name.split("."):
        q += bytes([len(label)]) + label.encode()
    q += b"\0" + struct.pack(">HH", 1, 1)
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(timeout)
    try:
        s.sendto(q, ("127.0.0.1", port))
        while True:
            data = s.recv(4096)
            if len(data) >= 12 and struct.unpack(">H", data[:2])[0] == qid:
                return data[3] & 0x0F
    except OSError:
        return None
    finally:
        s.close()


class Prober(threading.Thread):
    """GET a Service and resolve a name in a loop; keeps the worst latencies."""

    def __init__(self, srv):
        super().__init__(daemon=True)
        self.srv = srv
        self.stop_ev = threading.Event()
        self.worst_get = self.worst_dns = 0.0
        self.gets = self.dnss = 0
        self.failures = []

    def run(self):
        while not self.stop_ev.is_set():
            t0 = time.monotonic()
            try:
                r = self.srv.req("GET", NS + "/services/probe", timeout=PROBE_BOUND * 3)
                if r.status != 200:
                    self.failures.append("GET %d" % r.status)
            except OSError as e:
                self.failures.append("GET %r" % e)
            self.worst_get = max(self.worst_get, time.monotonic() - t0)
            self.gets += 1
            t0 = time.monotonic()
            rc = dns_query(self.srv.dns_port, timeout=PROBE_BOUND * 3)
            if rc != 0:
                self.failures.append("DNS rcode %r" % rc)
            self.worst_dns = max(self.worst_dns, time.monotonic() - t0)
            self.dnss += 1
            self.stop_ev.wait(0.05)

    def finish(self):
        self.stop_ev.set()
        self.join(PROBE_BOUND * 8)


def store_rev(s):
    return int(s.req("GET", "/api/v1/namespaces").json["metadata"]["resourceVersion"])


def nest(depth, leaf):
    v = leaf
    for _ in range(depth):
        v = {"x": v}
    return v


def wide(n, prefix="k"):
    return {"%s%06d" % (prefix, i): "" for i in range(n)}


def chunked_flood(srv, total, chunk=65536):
    """POST a chunked body of `total` bytes as fast as the server takes it;
    returns (bytes sent before the server answered or closed, status)."""
    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s = srv.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(("POST %s/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
               % (NS, srv.token)).encode())
    sent, status = 0, None
    piece = b"%x\r\n" % chunk + b" " * chunk + b"\r\n"
    try:
        while sent < total:
            s.sendall(piece)
            sent += chunk
            s.setblocking(False)
            try:
                data = s.recv(4096)  # application data only (not TLS tickets)
            except ssl.SSLWantReadError:
                data = None
            s.setblocking(True)
            if data is not None:
                if data.startswith(b"HTTP/"):
                    status = data.split(b" ", 2)[1].decode()
                break  # answered (413) or closed
    except (OSError, ssl.SSLError):
        pass  # cut off: the defence
    finally:
        s.close()
    return sent, status


def over_limit(srv, limit):
    """Announce a body over the limit and send none of it: the server must
    answer 413 from the headers alone."""
    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s = srv.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    try:
        s.sendall(("POST %s/services HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                   % (NS, srv.token, limit + 1)).encode())
        data = b""
        while True:  # the server closes after its answer
            d = s.recv(65536)
            if not d:
                break
            data += d
    except (OSError, ssl.SSLError):
        pass
    finally:
        s.close()
    ok = data.startswith(b"HTTP/1.1 413") and b"RequestEntityTooLarge" in data
    return ok, data[:300]


def attacks(srv):
    """(name, callable returning (ok, diag), expect_rev_unchanged)."""
    limit = 3 * 1024 * 1024

    def req(method, path, body, headers):
        if not isinstance(body, (str, bytes)):
            body = json.dumps(body)
        return srv.req(method, path, body, headers=headers, timeout=ATTACK_TIMEOUT)

    def code_in(r, *codes):
        j = r.json if isinstance(r.json, dict) else {}
        good = r.status in codes and (r.status < 400 or j.get("kind") == "Status")
        return good, r

    out = []
    for depth in (28, 40, 900):
        out.append(("merge patch nested %d deep" % depth, lambda d=depth: code_in(
            req("PATCH", NS + "/services/target", {"spec": {"deep": nest(d, 1)}}, MERGE),
            200, 400, 422), False))
        out.append(("strategic patch nested %d deep" % depth, lambda d=depth: code_in(
            req("PATCH", NS + "/services/target", {"spec": {"deep": nest(d, 2)}}, SMP),
            200, 400, 422), False))
        out.append(("JSON patch test op %d deep" % depth, lambda d=depth: code_in(
            req("PATCH", NS + "/services/target",
                [{"op": "test", "path": "/spec/deep", "value": nest(d, 3)}], JSONP),
            200, 400, 422), False))
    out.append(("no-op PUT of a 900-deep object", lambda: code_in(
        req("PUT", NS + "/services/target", srv.req("GET", NS + "/services/target").json,
            JSONH), 200), True))
    out.append(("JSON patch copy of /spec into itself x25", lambda: code_in(
        req("PATCH", NS + "/services/target",
            [{"op": "copy", "from": "/spec", "path": "/spec/c%d" % i} for i in range(25)],
            JSONP), 413, 422), True))
    out.append(("JSON patch copy of /spec into a new key x30 (doubling)", lambda: code_in(
        req("PATCH", NS + "/services/target",
            [{"op": "copy", "from": "/spec", "path": "/spec/dup%d" % i} for i in range(30)],
            JSONP), 413, 422), True))
    out.append(("10001 JSON patch operations", lambda: code_in(
        req("PATCH", NS + "/services/target",
            [{"op": "test", "path": "/kind", "value": "Service"}] * 10001, JSONP),
        413, 422), True))
    out.append(("no-op merge patch on an object with 40000 keys", lambda: code_in(
        req("PATCH", NS + "/services/wide", {"spec": {"w": wide(40000)}}, MERGE), 200),
        True))
    out.append(("no-op strategic patch on an object with 40000 keys", lambda: code_in(
        req("PATCH", NS + "/services/wide", {"spec": {"w": wide(40000)}}, SMP), 200), True))
    out.append(("merge patch with 200000 keys (over 2 MB)", lambda: code_in(
        req("PATCH", NS + "/services/wide", {"spec": {"v": wide(200000, "z")}}, MERGE),
        200, 413, 422), False))
    out.append(("strategic patch with a 50000-element merge-keyed list", lambda: code_in(
        req("PATCH", NS + "/services/target",
            {"spec": {"ports": [{"port": 1 + i % 65535, "name": "p%d" % i}
                                for i in range(50000)]}}, SMP), 413, 422), True))
    out.append(("create with a body nested 1000 deep", lambda: code_in(
        req("POST", NS + "/services", json.dumps(svc("deepbody"))[:-1] + ', "extra": ' +
            '{"x":' * 995 + "1" + "}" * 995 + "}", JSONH),
        201, 400, 422), False))
    out.append(("create with a body nested 5000 deep", lambda: code_in(
        req("POST", NS + "/services", "{\"a\":" * 5000 + "1" + "}" * 5000, JSONH), 400),
        True))
    out.append(("chunked body of 64 MB without Content-Length", lambda: (
        lambda sent_status: (sent_status[0] < 32 * 1024 * 1024,
                             "accepted %d bytes, status %s" % sent_status))(
        chunked_flood(srv, 64 * 1024 * 1024)), True))
    out.append(("Content-Length over the limit", lambda: over_limit(srv, limit), True))
    out.append(("name with NUL in the path (a%00b)", lambda: (
        lambda r: (r.status in (400, 404) and r.json.get("kind") == "Status" and
                   "target" not in r.body.decode("utf-8", "replace"), r))(
        req("GET", NS + "/services/target%00b", None, {})), True))
    out.append(("DELETE with NUL in the path", lambda: (
        lambda r: (r.status in (400, 404), r))(
        req("DELETE", NS + "/services/target%00x", None, {})), True))
    out.append(("name with \\u0000 in the body", lambda: code_in(
        req("POST", NS + "/services",
            '{"metadata":{"name":"target\\u0000x"},"spec":{"ports":[{"port":80}]}}', JSONH),
        400, 422), True))
    bad_port_svc = svc("manyports")
    bad_port_svc["spec"]["ports"] = [{"port": 1000 + i, "name": "p%d" % i}
                                     for i in range(300)]
    bad_port_svc["spec"]["ports"][270]["port"] = 70000
    out.append(("Service with an invalid 271st port", lambda: code_in(
        req("POST", NS + "/services", bad_port_svc, JSONH), 422), True))
    bad_proto = json.loads(json.dumps(bad_port_svc))
    bad_proto["spec"]["ports"][270] = {"port": 5, "name": "x", "protocol": "BOGUS"}
    out.append(("Service with a bad protocol on port 271", lambda: code_in(
        req("POST", NS + "/services", bad_proto, JSONH), 422), True))
    for addr in ("0.0.0.0", "255.255.255.255", "224.0.0.1", "169.254.1.1"):
        out.append(("EndpointSlice address %s" % addr, lambda a=addr: code_in(
            req("POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
                {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                 "metadata": {"name": "bad-" + a.replace(".", "-"),
                              "labels": {"kubernetes.io/service-name": "target"}},
                 "addressType": "IPv4", "endpoints": [{"addresses": [a]}],
                 "ports": [{"port": 80}]}, JSONH), 422), True))
    out.append(("dryRun create with an invalid dryRun", lambda: code_in(
        req("POST", NS + "/services?dryRun=Everything", svc("dryx"), JSONH), 422), True))
    return out


def main():
    srv = Server(name="adv", extra=[API_ONLY]).start()
    srv.req("POST", NS + "/services", svc("probe"))
    srv.req("POST", NS + "/services", svc("target"))
    w = svc("wide")
    w["spec"]["w"] = wide(40000)
    r = srv.req("POST", NS + "/services", w)
    t.ok(r.status == 201, "setup: a Service with 40000 keys in its spec", r)
    t.ok(dns_query(srv.dns_port) == 0, "setup: DNS answers kubernetes.default")
    for name, fn, unchanged in attacks(srv):
        before_rev = store_rev(srv)
        before_target = srv.req("GET", NS + "/services/target").body
        prober = Prober(srv)
        prober.start()
        t0 = time.monotonic()
        try:
            ok, diag = fn()
        except Exception as e:  # noqa: BLE001 - any client error is a failed check
            ok, diag = False, repr(e)
        took = time.monotonic() - t0
        prober.finish()
        alive = srv.proc.poll() is None
        t.ok(ok and alive, "%s: answered as expected in %.2fs" % (name, took), diag)
        t.ok(alive and prober.worst_get <= PROBE_BOUND and prober.worst_dns <= PROBE_BOUND
             and not prober.failures,
             "%s: meanwhile GET (worst %.3fs, %d) and DNS (worst %.3fs, %d) answered"
             % (name, prober.worst_get, prober.gets, prober.worst_dns, prober.dnss),
             "\n".join(prober.failures[:5]))
        if not alive:
            t.ok(False, "server died: " + srv.log_tail())
            break
        if unchanged:
            t.ok(store_rev(srv) == before_rev and
                 srv.req("GET", NS + "/services/target").body == before_target,
                 "%s: nothing was stored" % name)
    t.ok(srv.req("GET", NS + "/services/manyports").status == 404,
         "no Service with an invalid port was stored")
    r = srv.req("GET", NS + "/services")
    t.ok(r.status == 200 and isinstance(r.json, dict), "the list is still valid JSON", r)
    t.ok(srv.rss_peak_kb() < 1024 * 1024, "server peak RSS stayed under 1 GiB (%d kB)"
         % srv.rss_peak_kb())
    t.done()


if __name__ == "__main__":
    main()
