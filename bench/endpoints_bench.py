#!/usr/bin/python3
"""Endpoint propagation benchmark (issue 11). Not a test: prints one line
with its target.

A Service `bench` selects 10 pods (Pod objects on a simulated Node, status
written through /status as a kubelet would). 20 clients watch
endpointslices of the Service (one HTTPS watch stream each, as 20 skiff-node
informers would). Pod bench-0 is flipped Ready/not-Ready 200 times; each
transition is timed from just before its status write to the moment the
last of the 20 watchers has read a slice event showing the new `ready`
condition (status write -> EndpointSlice controller -> slice written and
committed -> watch event -> client). Target: p99 < 100 ms.

Usage: bench/endpoints_bench.py [--transitions N] [--watchers N]
Env: SKIFF_BIN (default: build/ beside this file), the optimised build.
Traffic goes to 127.0.0.1 only; the server uses a throw-away data dir.
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
os.environ.setdefault("SKIFF_BIN", os.path.join(HERE, "..", "build"))
from test_api_lib import Server  # noqa: E402

NS = "default"
PODS = "/api/v1/namespaces/%s/pods" % NS
SLICES = "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % NS
MERGE = {"Content-Type": "application/merge-patch+json"}


def pct(v, p):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


class Watchers:
    """n watch streams; each notes when it first sees bench-0's ready ==
    the current transition's value."""

    def __init__(self, srv, n, rv):
        self.cv = threading.Condition()
        self.k, self.want, self.seen = -1, None, {}
        self.errors = []
        self.threads = [threading.Thread(target=self.run, args=(srv, rv, i), daemon=True)
                        for i in range(n)]
        self.ready = threading.Barrier(n + 1)
        for th in self.threads:
            th.start()
        self.ready.wait(30)

    def run(self, srv, rv, i):
        sel = urllib.parse.quote("kubernetes.io/service-name=bench")
        c = srv.conn(timeout=600)
        try:
            c.request("GET", "%s?watch=1&labelSelector=%s&resourceVersion=%s"
                      % (SLICES, sel, rv),
                      headers={"Authorization": "Bearer " + srv.token,
                               "Accept": "application/json"})
            r = c.getresponse()
            self.ready.wait(30)
            while True:
                line = r.readline()
                if not line:
                    return
                now = time.monotonic()
                ev = json.loads(line)
                ready = None
                for e in ev.get("object", {}).get("endpoints") or []:
                    if e.get("targetRef", {}).get("name") == "bench-0":
                        ready = e.get("conditions", {}).get("ready")
                with self.cv:
                    if ready is not None and ready == self.want and i not in self.seen:
                        self.seen[i] = now
                        self.cv.notify_all()
        except Exception as e:  # noqa: BLE001 - reported by the main thread
            self.errors.append(repr(e))

    def expect(self, k, want):
        with self.cv:
            self.k, self.want, self.seen = k, want, {}

    def wait_all(self, n, timeout=5.0):
        deadline = time.monotonic() + timeout
        with self.cv:
            while len(self.seen) < n and time.monotonic() < deadline:
                self.cv.wait(deadline - time.monotonic())
            return max(self.seen.values()) if len(self.seen) == n else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--transitions", type=int, default=200)
    ap.add_argument("--watchers", type=int, default=20)
    o = ap.parse_args()
    srv = Server(name="epsbench").start()
    c = srv.conn()

    def req(method, path, body=None, headers=None):
        return srv.req(method, path, body, headers=headers, conn=c)

    def status(name, ip, ready):
        r = req("PATCH", PODS + "/%s/status" % name,
                {"status": {"phase": "Running", "podIP": ip, "podIPs": [{"ip": ip}],
                            "conditions": [{"type": "Ready",
                                            "status": "True" if ready else "False"}]}}, MERGE)
        assert r.status == 200, r

    req("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                  "metadata": {"name": "n1"}})
    r = req("POST", "/api/v1/namespaces/default/services",
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "bench"},
             "spec": {"selector": {"app": "bench"},
                      "ports": [{"name": "http", "port": 80, "targetPort": 8080}]}})
    assert r.status == 201, r
    for i in range(10):
        r = req("POST", PODS, {"apiVersion": "v1", "kind": "Pod",
                               "metadata": {"name": "bench-%d" % i, "labels": {"app": "bench"}},
                               "spec": {"nodeName": "n1",
                                        "containers": [{"name": "c", "image": "x"}]}})
        assert r.status == 201, r
        status("bench-%d" % i, "10.244.0.%d" % (i + 10), True)
    # the slice holds the 10 endpoints before the watchers start
    deadline = time.time() + 10
    while time.time() < deadline:
        lst = req("GET", SLICES + "?labelSelector=kubernetes.io%2Fservice-name%3Dbench").json
        if sum(len(s.get("endpoints") or []) for s in lst["items"]) == 10:
            break
        time.sleep(0.05)
    w = Watchers(srv, o.watchers, lst["metadata"]["resourceVersion"])
    lat, missed = [], 0
    ready = True
    for k in range(o.transitions):
        ready = not ready
        w.expect(k, ready)
        t0 = time.monotonic()
        status("bench-0", "10.244.0.10", ready)
        t1 = w.wait_all(o.watchers)
        if t1 is None:
            missed += 1
        else:
            lat.append((t1 - t0) * 1000.0)
    srv.stop()
    if w.errors:
        print("watch errors: %s" % w.errors[:3])
    if not lat:
        print("endpoints: no transition was seen by all watchers")
        return 1
    p99 = pct(lat, 99)
    print("endpoints: pod Ready -> slice seen by %d watchers: p50 %.1f ms p99 %.1f ms "
          "(target p99 < 100 ms)%s %s"
          % (o.watchers, pct(lat, 50), p99,
             " [%d of %d transitions not seen in 5 s]" % (missed, o.transitions)
             if missed else "", "PASS" if p99 < 100 and not missed else "FAIL"))
    print("  (%d transitions, mean %.1f ms, max %.1f ms)"
          % (len(lat), statistics.mean(lat), max(lat)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
