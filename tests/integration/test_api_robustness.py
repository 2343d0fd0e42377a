#!/usr/bin/python3
"""skiff-server robustness (standard library only: http.client + ssl).

1. Bad input: each request gets the right HTTP code, a Kubernetes Status with
   the right reason, and a message naming the field; the server keeps
   serving (same keep-alive connection and new ones).
2. Durability: a stream of creates from several clients, SIGKILL mid-stream,
   restart: every acknowledged (201) create is present with its ClusterIP.
3. Concurrency: 8 clients create services at once; all ClusterIPs distinct.
4. Slow watcher: a watcher that never reads does not slow writes down, and
   with a small --watch-buffer-bytes its connection is cut.
Prints TAP."""
import json
import os
import random
import socket
import ssl
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap, svc  # noqa: E402

t = Tap()
SVCS = "/api/v1/namespaces/default/services"


def status_ok(r, code, reason, *needles):
    """r is a Status with code/reason and a message containing every needle."""
    j = r.json if isinstance(r.json, dict) else {}
    return (r.status == code and j.get("kind") == "Status" and j.get("code") == code
            and j.get("reason") == reason and r.headers.get("content-type", "").startswith(
                "application/json") and all(n in j.get("message", "") for n in needles))


# (text, method, path, body, extra headers, code, reason, [message parts])
BAD_INPUT = [
    ("malformed JSON", "POST", SVCS, '{"metadata": {"name": "x"', None, 400, "BadRequest", []),
    ("body is not an object", "POST", SVCS, "[1,2]", None, 400, "BadRequest", []),
    ("ports is a string", "POST", SVCS,
     {"metadata": {"name": "bad-ports"}, "spec": {"ports": "abc"}}, None, 422, "Invalid",
     ["spec.ports"]),
    ("port is a string", "POST", SVCS,
     {"metadata": {"name": "bad-port"}, "spec": {"ports": [{"port": "abc"}]}}, None, 422,
     "Invalid", ["spec.ports[0].port"]),
    ("spec is a number", "POST", SVCS, {"metadata": {"name": "bad-spec"}, "spec": 5}, None,
     422, "Invalid", ["spec"]),
    ("labels value not a string", "POST", SVCS,
     {"metadata": {"name": "bad-lbl", "labels": {"a": 1}}, "spec": {"ports": [{"port": 80}]}},
     None, 422, "Invalid", ["metadata.labels"]),
    ("unknown kind in body", "POST", SVCS,
     {"kind": "Frobnicator", "apiVersion": "v1", "metadata": {"name": "k"}}, None, 400,
     "BadRequest", ["Frobnicator"]),
    ("kind of another resource in body", "POST", SVCS,
     {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": "k"}}, None, 400, "BadRequest",
     ["Pod"]),
    ("wrong apiVersion in body", "POST", SVCS,
     {"kind": "Service", "apiVersion": "apps/v1", "metadata": {"name": "k"}}, None, 400,
     "BadRequest", ["apps/v1"]),
    ("namespace in body differs from URL", "POST", SVCS,
     {"metadata": {"name": "nsx", "namespace": "kube-system"}, "spec": {"ports": [{"port": 80}]}},
     None, 400, "BadRequest", ["namespace"]),
    ("unknown resource path", "GET", "/api/v1/namespaces/default/frobs", None, None, 404,
     "NotFound", ["the server could not find the requested resource"]),
    ("unknown group", "GET", "/apis/nosuch.io/v1/things", None, None, 404, "NotFound", []),
    ("unknown subresource", "GET", SVCS + "/kubernetes/nosuch", None, None, 404, "NotFound", []),
    ("missing object", "GET", SVCS + "/nosuch", None, None, 404, "NotFound",
     ['services "nosuch" not found']),
    ("name with uppercase/underscore", "POST", SVCS, svc("Bad_Name"), None, 422, "Invalid",
     ["metadata.name", "Bad_Name"]),
    ("service name starting with a digit (DNS-1035)", "POST", SVCS, svc("1abc"), None, 422,
     "Invalid", ["metadata.name"]),
    ("name longer than 63 characters", "POST", SVCS, svc("a" * 64), None, 422, "Invalid",
     ["metadata.name"]),
    ("no name and no generateName", "POST", SVCS, {"spec": {"ports": [{"port": 80}]}}, None,
     422, "Invalid", ["metadata.name", "Required value"]),
    ("namespace name invalid", "POST", "/api/v1/namespaces", {"metadata": {"name": "Nope!"}},
     None, 422, "Invalid", ["metadata.name"]),
    ("clusterIP out of range", "POST", SVCS, svc("ipr", clusterIP="1.1.1.1"), None, 422,
     "Invalid", ["spec.clusterIPs", "provided IP is not in the valid range"]),
    ("clusterIP malformed", "POST", SVCS, svc("ipm", clusterIP="10.96.300.1"), None, 422,
     "Invalid", ["spec.clusterIPs[0]", "must be a valid IP address"]),
    ("clusterIP already allocated", "POST", SVCS, svc("ipt", clusterIP="10.96.0.1"), None, 422,
     "Invalid", ["spec.clusterIPs", "provided IP is already allocated"]),
    ("port 0", "POST", SVCS, svc("p0", port=0), None, 422, "Invalid", ["spec.ports[0].port"]),
    ("port 65536", "POST", SVCS, svc("p65536", port=65536), None, 422, "Invalid",
     ["spec.ports[0].port"]),
    ("targetPort 70000", "POST", SVCS,
     {"metadata": {"name": "tp"}, "spec": {"ports": [{"port": 80, "targetPort": 70000}]}}, None,
     422, "Invalid", ["spec.ports[0].targetPort"]),
    ("nodePort out of range", "POST", SVCS,
     {"metadata": {"name": "np"}, "spec": {"type": "NodePort",
                                           "ports": [{"port": 80, "nodePort": 40000}]}},
     None, 422, "Invalid", ["spec.ports[0].nodePort", "not in the valid range"]),
    ("nodePort on a ClusterIP service", "POST", SVCS,
     {"metadata": {"name": "npc"}, "spec": {"ports": [{"port": 80, "nodePort": 30080}]}}, None,
     422, "Invalid", ["spec.ports[0].nodePort"]),
    ("duplicate ports", "POST", SVCS,
     {"metadata": {"name": "dup"}, "spec": {"ports": [{"name": "a", "port": 80},
                                                      {"name": "a", "port": 80}]}},
     None, 422, "Invalid", ["spec.ports[1]"]),
    ("bad protocol", "POST", SVCS,
     {"metadata": {"name": "proto"}, "spec": {"ports": [{"port": 80, "protocol": "HTTP"}]}},
     None, 422, "Invalid", ["spec.ports[0].protocol"]),
    ("bad service type", "POST", SVCS, svc("typ", type="Bogus"), None, 422, "Invalid",
     ["spec.type"]),
    ("bad selector label value", "POST", SVCS, svc("sel", selector={"app": "-bad-"}), None, 422,
     "Invalid", ["spec.selector"]),
    ("EndpointSlice without addressType", "POST",
     "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
     {"metadata": {"name": "eps"}, "endpoints": []}, None, 422, "Invalid", ["addressType"]),
    ("missing token", "GET", SVCS, None, {"Authorization": None}, 401, "Unauthorized", []),
    ("wrong token", "GET", SVCS, None, {"Authorization": "Bearer not-the-token"}, 401,
     "Unauthorized", []),
    ("basic auth instead of a token", "GET", SVCS, None, {"Authorization": "Basic YTpi"}, 401,
     "Unauthorized", []),
    ("bad label selector", "GET", SVCS + "?labelSelector=a%20in%20(b", None, None, 400,
     "BadRequest", []),
    ("unknown field selector", "GET", SVCS + "?fieldSelector=spec.foo%3Dx", None, None, 400,
     "BadRequest", ["spec.foo"]),
    ("namespace does not exist (create)", "POST", "/api/v1/namespaces/nope/services",
     svc("nsmissing"), None, 404, "NotFound", ['namespaces "nope" not found']),
    ("PUT on a collection", "PUT", SVCS, svc("x"), None, 405, "MethodNotAllowed", []),
    # (DELETE on a collection is deletecollection: test_api_paging.py)
    ("DELETE on a collection with a malformed labelSelector", "DELETE",
     SVCS + "?labelSelector=a%3D%3D%3Db", None, None, 400, "BadRequest", []),
    ("POST on an object", "POST", SVCS + "/kubernetes", svc("kubernetes"), None, 405,
     "MethodNotAllowed", []),
    ("unsupported patch type", "PATCH", SVCS + "/kubernetes", "{}",
     {"Content-Type": "text/plain"}, 415, "UnsupportedMediaType", ["merge-patch+json"]),
    ("server-side apply without fieldManager", "PATCH", SVCS + "/kubernetes", "{}",
     {"Content-Type": "application/apply-patch+yaml"}, 422, "Invalid", ["fieldManager"]),
    ("server-side apply of an empty object", "PATCH", SVCS + "/kubernetes?fieldManager=x",
     "{}", {"Content-Type": "application/apply-patch+yaml"}, 400, "BadRequest",
     ["Incorrect version"]),
    ("malformed merge patch", "PATCH", SVCS + "/kubernetes", "{nope",
     {"Content-Type": "application/merge-patch+json"}, 400, "BadRequest", []),
    ("JSON patch test op fails", "PATCH", SVCS + "/kubernetes",
     '[{"op":"test","path":"/metadata/name","value":"other"}]',
     {"Content-Type": "application/json-patch+json"}, 422, "Invalid", []),
    ("patch that changes clusterIP only", "PATCH", SVCS + "/kubernetes",
     '{"spec":{"clusterIP":"10.96.0.77"}}', {"Content-Type": "application/merge-patch+json"},
     422, "Invalid", ["spec.clusterIP"]),
    ("patch that changes clusterIP and clusterIPs", "PATCH", SVCS + "/kubernetes",
     '{"spec":{"clusterIP":"10.96.0.77","clusterIPs":["10.96.0.77"]}}',
     {"Content-Type": "application/merge-patch+json"}, 422, "Invalid",
     ["spec.clusterIPs[0]", "may not change once set"]),
    ("non-numeric watch resourceVersion", "GET", SVCS + "?watch=1&resourceVersion=abc", None,
     None, 400, "BadRequest", ["resourceVersion"]),
]


def test_bad_input(srv):
    conn = srv.conn()
    for text, method, path, body, hdrs, code, reason, needles in BAD_INPUT:
        h = dict(hdrs or {})
        token = True
        if "Authorization" in h:
            token = h.pop("Authorization")
            token = "" if token is None else token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h.setdefault("Content-Type", "application/json")
        try:
            r = srv.req(method, path, body, h, token=token, conn=conn)
        except (OSError, Exception) as e:  # noqa: BLE001 - connection dropped
            t.ok(False, "%s -> %d (same keep-alive connection)" % (text, code), repr(e))
            conn = srv.conn()
            continue
        t.ok(status_ok(r, code, reason, *needles),
             "%s -> %d %s naming %s" % (text, code, reason, needles or "-"), r)
        if r.headers.get("connection", "").lower() == "close":
            conn = srv.conn()
    conn.close()
    # none of the refused objects was stored
    r = srv.req("GET", SVCS)
    names = {i["metadata"]["name"] for i in r.json["items"]}
    t.eq(names, {"kubernetes"}, "no refused service was stored")
    r = srv.req("GET", SVCS + "/kubernetes")
    t.ok(r.status == 200 and r.json["spec"]["clusterIP"] == "10.96.0.1",
         "the kubernetes service is untouched by the refused patches", r)


def test_conflict_and_delete(srv):
    r = srv.req("POST", SVCS, svc("cf"))
    t.eq(r.status, 201, "create cf")
    old = r.json
    r2 = srv.req("PATCH", SVCS + "/cf", '{"metadata":{"labels":{"x":"1"}}}',
                 {"Content-Type": "application/merge-patch+json"})
    t.ok(r2.status == 200 and r2.json["metadata"]["resourceVersion"] != old["metadata"][
        "resourceVersion"], "patch bumps the resourceVersion", r2)
    r3 = srv.req("PUT", SVCS + "/cf", old)
    t.ok(status_ok(r3, 409, "Conflict", 'services "cf"', "the object has been modified"),
         "PUT with a stale resourceVersion -> 409 Conflict", r3)
    stale = {"metadata": {"resourceVersion": old["metadata"]["resourceVersion"],
                          "labels": {"y": "2"}}}
    r3 = srv.req("PATCH", SVCS + "/cf", stale,
                 {"Content-Type": "application/merge-patch+json"})
    t.ok(status_ok(r3, 409, "Conflict", "the object has been modified"),
         "PATCH carrying a stale resourceVersion -> 409 Conflict", r3)
    cur = srv.req("GET", SVCS + "/cf").json
    cur["metadata"]["labels"] = {"z": "3"}
    r4 = srv.req("PUT", SVCS + "/cf", cur)
    t.ok(r4.status == 200 and r4.json["metadata"]["labels"] == {"z": "3"}
         and r4.json["spec"]["clusterIP"] == old["spec"]["clusterIP"],
         "PUT with the current resourceVersion -> 200, ClusterIP kept", r4)
    r5 = srv.req("POST", SVCS, svc("cf"))
    t.ok(status_ok(r5, 409, "AlreadyExists", 'services "cf" already exists'),
         "create an existing name -> 409 AlreadyExists", r5)

    # DELETE with a body (kubectl sends one), then the same connection works
    conn = srv.conn()
    r = srv.req("DELETE", SVCS + "/cf", '{"propagationPolicy":"Background"}\n',
                {"Content-Type": "application/json"}, conn=conn)
    t.ok(r.status == 200 and r.json.get("metadata", {}).get("name") == "cf",
         "DELETE with a body -> 200 with the deleted Service", r)
    r = srv.req("GET", SVCS + "/cf", conn=conn)
    t.ok(status_ok(r, 404, "NotFound", 'services "cf" not found'),
         "next request on the same connection after DELETE-with-body parses (404)", r)
    r = srv.req("DELETE", SVCS + "/cf", '{"propagationPolicy":"Background"}',
                {"Content-Type": "application/json"}, conn=conn)
    t.ok(status_ok(r, 404, "NotFound", 'services "cf" not found'), "DELETE missing -> 404", r)
    conn.close()


def test_huge_body():
    srv = Server(["--max-request-bytes", "65536"], name="big").start()
    # 1. headers announce 10 MB; the answer must come before any body byte
    raw = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
    s = srv.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
               "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n"
               % (SVCS, srv.token, 10 * 1024 * 1024)).encode())
    start = time.time()
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    except socket.timeout:
        pass
    head = buf.split(b"\r\n", 1)[0].decode("latin1")
    t.ok(head.startswith("HTTP/1.1 413"),
         "Content-Length 10 MB > --max-request-bytes: 413 before the body is sent (%.2fs)"
         % (time.time() - start), buf[:300])
    body = buf.split(b"\r\n\r\n", 1)[1] if b"\r\n\r\n" in buf else b""
    try:
        s.settimeout(2)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
            if body.rstrip().endswith(b"}"):
                break
    except (socket.timeout, ssl.SSLError, OSError):
        pass
    s.close()
    try:
        st = json.loads(body.decode())
    except ValueError:
        st = {}
    t.ok(st.get("code") == 413 and st.get("reason") == "RequestEntityTooLarge",
         "413 body is a Status RequestEntityTooLarge", body[:300])

    # 2. chunked upload without Content-Length: cut off once it passes the limit
    c = srv.conn()
    part = b"x" * 16384

    def gen():
        for _ in range(64):  # 1 MiB
            yield part
    try:
        c.request("POST", SVCS, body=gen(), encode_chunked=True,
                  headers={"Authorization": "Bearer " + srv.token,
                           "Content-Type": "application/json"})
        code = c.getresponse().status
    except (OSError, Exception) as e:  # noqa: BLE001 - the server may close early
        code = repr(e)
    c.close()
    t.eq(code, 413, "chunked body over the limit -> 413")

    # 3. just under the limit is read and judged on content (not 413)
    big = svc("under-limit")
    big["metadata"]["annotations"] = {"a": "x" * 60000}
    r = srv.req("POST", SVCS, big)
    t.eq(r.status, 201, "a 60 KB body under the 64 KiB limit is accepted")
    t.eq(srv.req("GET", "/healthz").status, 200, "server keeps serving after 413s")
    srv.cleanup()


# ------------------------------------------------------------------ durability

def creator(srv, prefix, acked, errors, stop_evt):
    """Create prefix-0, prefix-1, ... until the connection fails."""
    conn = srv.conn(timeout=10)
    i = 0
    while not stop_evt.is_set():
        name = "%s-%d" % (prefix, i)
        try:
            r = srv.req("POST", SVCS, svc(name), conn=conn)
        except Exception:  # noqa: BLE001 - the server was killed
            return
        if r.status == 201:
            acked[name] = r.json["spec"]["clusterIP"]
        else:
            errors.append((name, r.status, r.body[:200]))
        i += 1


def test_durability():
    srv = Server(name="dur").start()
    acked, errors = {}, []
    stop_evt = threading.Event()
    ths = [threading.Thread(target=creator, args=(srv, "d%d" % k, acked, errors, stop_evt))
           for k in range(4)]
    for th in ths:
        th.start()
    # kill at a random moment once a good number of writes were acknowledged
    deadline = time.time() + 60
    want = random.randint(150, 300)
    while len(acked) < want and time.time() < deadline:
        time.sleep(0.01)
    srv.kill()
    stop_evt.set()
    for th in ths:
        th.join(30)
    t.ok(len(acked) >= 100 and not errors,
         "%d creates acknowledged before SIGKILL, no errors" % len(acked), errors[:5])

    srv.start()
    r = srv.req("GET", SVCS)
    stored = {i["metadata"]["name"]: i["spec"]["clusterIP"] for i in r.json["items"]}
    missing = [n for n in acked if n not in stored]
    t.ok(not missing, "after restart every acknowledged create is present",
         "missing %d: %s" % (len(missing), missing[:10]))
    changed = [(n, ip, stored[n]) for n, ip in acked.items() if n in stored and stored[n] != ip]
    t.ok(not changed, "after restart every ClusterIP is unchanged", changed[:10])
    # new creates after the restart never reuse an allocated address
    for k in range(20):
        r = srv.req("POST", SVCS, svc("post-restart-%d" % k))
        if r.status != 201:
            t.ok(False, "create after restart", r)
            break
    ips = [i["spec"]["clusterIP"] for i in srv.req("GET", SVCS).json["items"]]
    t.ok(len(ips) == len(set(ips)), "after restart + 20 creates all %d ClusterIPs distinct"
         % len(ips), sorted(ips))
    srv.cleanup()


def test_concurrency(srv):
    results, errors = [], []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(k):
        conn = srv.conn()
        srv.req("GET", "/healthz", conn=conn)  # TLS handshake before the start line
        barrier.wait()
        for i in range(25):
            try:
                r = srv.req("POST", SVCS, svc("c%d-%d" % (k, i)), conn=conn)
            except Exception as e:  # noqa: BLE001
                with lock:
                    errors.append(repr(e))
                return
            with lock:
                if r.status == 201:
                    results.append((r.json["metadata"]["name"], r.json["spec"]["clusterIP"]))
                else:
                    errors.append((r.status, r.body[:200]))
        conn.close()

    ths = [threading.Thread(target=worker, args=(k,)) for k in range(8)]
    for th in ths:
        th.start()
    for th in ths:
        th.join(120)
    t.ok(len(results) == 200 and not errors, "8 clients x 25 concurrent creates all 201",
         errors[:5])
    ips = [ip for _, ip in results]
    t.ok(len(set(ips)) == len(ips), "all %d ClusterIPs distinct" % len(ips))
    stored = {i["metadata"]["name"]: i["spec"]["clusterIP"]
              for i in srv.req("GET", SVCS).json["items"]}
    t.ok(all(stored.get(n) == ip for n, ip in results),
         "the list shows every created service with the IP its create returned")
    t.ok(all(ip.startswith("10.96.") and ip != "10.96.0.1" for ip in ips),
         "every allocated IP is in 10.96.0.0/16 and not the kubernetes service's")


# ------------------------------------------------------------------ slow watcher

def test_slow_watcher():
    srv = Server(["--watch-buffer-bytes", "65536"], name="slow").start()
    rv = srv.req("GET", SVCS).json["metadata"]["resourceVersion"]
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # a tiny receive window, so the server's socket fills quickly
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.settimeout(10)
    raw.connect(("127.0.0.1", srv.port))
    s = srv.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
    s.sendall(("GET %s?watch=1&resourceVersion=%s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
               "Authorization: Bearer %s\r\nAccept: application/json\r\n\r\n"
               % (SVCS, rv, srv.token)).encode())
    time.sleep(0.5)  # the stream is registered; from now on we never read

    # 40 writes of ~200 KB each: far more than the socket buffers plus 64 KiB
    conn = srv.conn()
    lat = []
    fails = 0
    for i in range(40):
        body = svc("slow-%d" % i)
        body["metadata"]["annotations"] = {"blob": "y" * 200000}
        t0 = time.time()
        r = srv.req("POST", SVCS, body, conn=conn)
        lat.append(time.time() - t0)
        fails += r.status != 201
    conn.close()
    t.eq(fails, 0, "40 large writes succeed while a watcher is stalled")
    t.ok(max(lat) < 2.0 and statistics.median(lat) < 0.5,
         "writes stay fast while the watcher is stalled (median %.0f ms, max %.0f ms)"
         % (statistics.median(lat) * 1000, max(lat) * 1000))
    m = srv.req("GET", "/metrics").body.decode()
    closed = [ln for ln in m.splitlines() if ln.startswith("skiff_apiserver_watch_closed_slow_total")]
    t.ok(closed and int(closed[0].split()[1]) >= 1, "the slow watcher was closed (metrics)", closed)

    # drain what the watcher was sent: the server cut the connection at
    # once (no chunked terminator, no TLS close_notify), so the client
    # re-watches, and re-lists if its resourceVersion is gone
    s.settimeout(30)
    data = b""
    cut = False
    try:
        while True:
            chunk = s.recv(1 << 20)
            if not chunk:
                cut = True
                break
            data += chunk
            if data.endswith(b"0\r\n\r\n"):
                break
    except socket.timeout:
        pass
    except (ssl.SSLError, OSError):
        cut = True
    s.close()
    tail = data[-600:].decode("latin1")
    t.ok(cut and not data.endswith(b"0\r\n\r\n"),
         "the stalled watcher's connection is cut, not ended as if complete", tail)

    # a normal watcher on the same server still works
    c = srv.conn()
    c.request("GET", SVCS + "?watch=1&resourceVersion=%s&timeoutSeconds=10"
              % srv.req("GET", SVCS).json["metadata"]["resourceVersion"],
              headers={"Authorization": "Bearer " + srv.token})
    resp = c.getresponse()
    srv.req("POST", SVCS, svc("after-slow"))
    line = resp.readline()  # http.client undoes the chunking
    c.close()
    t.ok(b'"after-slow"' in line and b'"ADDED"' in line,
         "a fresh watcher still receives events", line[:200])
    srv.cleanup()


def main():
    srv = Server(name="rob").start()
    t.section("bad input", test_bad_input, srv)
    t.section("conflict/delete", test_conflict_and_delete, srv)
    t.section("concurrency", test_concurrency, srv)
    t.ok(srv.req("GET", "/healthz").status == 200, "server keeps serving after all bad input")
    t.eq(srv.stop(), 0, "server exits 0 on SIGTERM")
    log = open(srv.log_path, errors="replace").read()
    t.ok("Sanitizer" not in log and "runtime error:" not in log, "no sanitizer report in the log",
         log[-2000:])
    srv.cleanup()
    t.section("huge body", test_huge_body)
    t.section("durability", test_durability)
    t.section("slow watcher", test_slow_watcher)
    t.done()


main()
