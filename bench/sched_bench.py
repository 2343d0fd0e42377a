#!/usr/bin/python3
"""skiff-server scheduler benchmark (issue 11): register N simulated Nodes
(Ready, allocatable set through /status), create P unbound pods with
requests as fast as a few client connections can, and time from the first
create to the last pod bound (the server's scheduler_schedule_attempts_total
{result="scheduled"} reaching P). Also prints how many store commits the
binds took (skiff_scheduler_bind_commits_total: binds of one queue round
share one commit, hence one fsync). The creates are bounded by the
client (Python over TLS), so a second figure measures the scheduler alone:
the same pods created with the scheduler off, then the server restarted
with it on, timed from the restart to the last pod bound (the store's load
included), and from the first bind seen to the last (the scheduling loop
itself, as kube-scheduler's throughput tests count it). Not a test: prints
figures.

Usage: bench/sched_bench.py [--sizes 1000x100,5000x1000] [--clients 4]
Env: SKIFF_BIN (default: build/ beside this file), the optimised build.
"""
import argparse
import os
import re
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
os.environ.setdefault("SKIFF_BIN", os.path.join(HERE, "..", "build"))
from test_api_lib import Server, stop_all  # noqa: E402

MERGE = {"Content-Type": "application/merge-patch+json"}
PODS = "/api/v1/namespaces/default/pods"
# every simulated Node gets a /24 pod CIDR: a /12 holds 4096 of them
CIDR = "--cluster-cidr=10.0.0.0/12"
TARGETS = {(1000, 100): 1000, (5000, 1000): 500}


def register(srv, nodes):
    c = srv.conn()
    res = {"cpu": "32", "memory": "128Gi", "pods": "110"}
    for i in range(nodes):
        name = "sim-%04d" % i
        r = srv.req("POST", "/api/v1/nodes", {"metadata": {"name": name, "labels": {
            "kubernetes.io/hostname": name}}}, conn=c)
        if r.status != 201:
            sys.exit("node %s: %r" % (name, r))
        r = srv.req("PATCH", "/api/v1/nodes/%s/status" % name, {"status": {
            "capacity": res, "allocatable": res,
            "conditions": [{"type": "Ready", "status": "True"}]}}, headers=MERGE, conn=c)
        if r.status != 200:
            sys.exit("node %s status: %r" % (name, r))
    c.close()


def metric(srv, name):
    body = srv.req("GET", "/metrics").body.decode()
    m = re.search(r"^%s (\d+)" % re.escape(name), body, re.M)
    return int(m.group(1)) if m else 0


SCHEDULED = 'scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"}'


def creator(srv, names, errors):
    c = srv.conn(120)
    for n in names:
        r = srv.req("POST", PODS, {"metadata": {"name": n, "labels": {"app": "bench"}}, "spec": {
            "containers": [{"name": "c", "image": "busybox", "resources": {
                "requests": {"cpu": "100m", "memory": "64Mi"}}}]}}, conn=c)
        if r.status != 201:
            errors.append(r)
    c.close()


def run(pods, nodes, clients):
    srv = Server(extra=["--controllers=*,-nodelifecycle,-garbagecollector", CIDR],
                 name="schedbench").start()
    register(srv, nodes)
    base_commits = metric(srv, "skiff_scheduler_bind_commits_total")
    names = ["p-%05d" % i for i in range(pods)]
    errors = []
    threads = [threading.Thread(target=creator, args=(srv, names[k::clients], errors))
               for k in range(clients)]
    t0 = time.monotonic()
    for th in threads:
        th.start()
    created = None
    while True:
        if created is None and not any(th.is_alive() for th in threads):
            created = time.monotonic() - t0
        done = metric(srv, SCHEDULED)
        if done >= pods or errors:
            break
        if time.monotonic() - t0 > 600:
            break
        time.sleep(0.02)
    bound = time.monotonic() - t0
    for th in threads:
        th.join()
    if created is None:
        created = time.monotonic() - t0
    commits = metric(srv, "skiff_scheduler_bind_commits_total") - base_commits
    srv.cleanup()
    backlog = run_backlog(pods, nodes, clients)
    if errors:
        sys.exit("create failed: %r" % errors[0])
    rate = done / bound if bound > 0 else 0
    target = TARGETS.get((pods, nodes))
    print("scheduler: %d pods on %d nodes: %.0f pods/s%s" % (
        pods, nodes, rate, " (target >= %d)" % target if target else ""), flush=True)
    print("scheduler: %d pods on %d nodes: created in %.2f s (%.0f creates/s), all bound after "
          "%.2f s; %d bind commits (%.1f binds per commit/fsync)" % (
              pods, nodes, created, pods / created if created else 0, bound, commits,
              done / commits if commits else 0), flush=True)
    print("scheduler: %d pods on %d nodes: backlog at start: %.0f pods/s (%.2f s from the "
          "restart, %d bind commits); while scheduling (first bind seen to the last): %s%s"
          % (pods, nodes, pods / backlog[0], backlog[0], backlog[1],
             "%.0f pods/s" % backlog[2] if backlog[2] else "all bound before the first look",
             " (target >= %d)" % target if target else ""),
          flush=True)


def run_backlog(pods, nodes, clients):
    srv = Server(extra=["--controllers=*,-scheduler,-nodelifecycle,-garbagecollector", CIDR],
                 name="schedbacklog").start()
    register(srv, nodes)
    names = ["p-%05d" % i for i in range(pods)]
    errors = []
    threads = [threading.Thread(target=creator, args=(srv, names[k::clients], errors))
               for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    srv.stop()
    srv.extra = ["--controllers=*,-nodelifecycle,-garbagecollector", CIDR]
    t0 = time.monotonic()
    srv.start()
    # the scheduling itself: from the first bound pod seen to the last
    first = n_first = None
    while True:
        n = metric(srv, SCHEDULED)
        now = time.monotonic()
        if n and first is None:
            first, n_first = now, n
        if n >= pods or now - t0 > 600:
            break
        time.sleep(0.01)
    took = time.monotonic() - t0
    commits = metric(srv, "skiff_scheduler_bind_commits_total")
    srv.cleanup()
    # None: every pod was bound by the first look (the server answers once
    # its store is loaded; a small backlog is scheduled by then)
    run_rate = ((pods - n_first) / (now - first)
                if first is not None and n_first < pods and now > first else None)
    return took, commits, run_rate


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000x100,5000x1000",
                    help="PODSxNODES, comma-separated")
    ap.add_argument("--clients", type=int, default=4)
    a = ap.parse_args()
    try:
        for size in a.sizes.split(","):
            p, n = (int(x) for x in size.split("x"))
            run(p, n, a.clients)
    finally:
        stop_all()


main()
