#!/usr/bin/python3
"""skiff-server authorization benchmark (issue 9). Not a test: prints the
figures and the ratio with its target beside it.

Requests/s of `GET /api/v1/namespaces/default/services/x` for
  admin    a --token-auth-file user in group system:masters (allowed
           before RBAC is consulted: the floor of authn + the GET itself);
  rbac     user "bob", allowed only by a RoleBinding to ClusterRole view
           that sits among 10,000 RoleBindings of other users in the same
           namespace (target >= 0.95x admin);
  sa       a ServiceAccount token (RS256 JWT from TokenRequest) bound the
           same way: every request verifies an RSA signature (extra line).

The identities alternate round by round on one server (admin, rbac, sa,
admin, ...; 10 rounds of 1.5 s each) so that the machine's other load hits
all of them alike. Printed: each round, the median per identity, the ratio
of the medians (the target line), the median of the per-round ratios and
the server's CPU time per request (utime+stime from /proc over the round,
divided by the responses), which the other load moves least. Each
round is one run of bench/httpsload.c (built here with gcc): C keep-alive
TLS connections opened before the clock starts, one GET in flight on each.
The server is single-threaded; the client is C so that it, not python,
keeps up (its CPU share is printed with the server's).

Usage: bench/auth_bench.py [--bindings N] [--rounds N] [--secs S] [--conns C]
Env: SKIFF_BIN (default: build/ beside this file), the optimised build.
Everything runs on 127.0.0.1 with a throw-away data dir.
"""
import argparse
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
os.environ.setdefault("SKIFF_BIN", os.path.join(HERE, "..", "build"))
from test_api_lib import Server, svc  # noqa: E402
from api_bench import RawClient, cpu_seconds  # noqa: E402

TARGET_RATIO = 0.95
PATH = "/api/v1/namespaces/default/services/x"
RB = "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings"


def binding(name, kind, subject, namespace=None):
    s = {"kind": kind, "name": subject}
    if kind == "ServiceAccount":
        s["namespace"] = namespace
    else:
        s["apiGroup"] = "rbac.authorization.k8s.io"
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": name}, "subjects": [s],
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": "view"}}


def post(path, token, obj):
    body = json.dumps(obj).encode()
    return ("POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
            "Content-Type: application/json\r\nAccept: application/json\r\n"
            "Content-Length: %d\r\n\r\n" % (path, token, len(body))).encode() + body


def create_bindings(srv, token, n, conns=16):
    """n RoleBindings user-i -> view, over `conns` keep-alive connections
    driven by threads: each create waits for its fsync, so the threads
    mostly wait and group commit batches them (not measured)."""
    errors = []

    def worker(k):
        c = RawClient(srv.port, srv.ca_file)
        for i in range(k, n, conns):
            st, body = c.roundtrip(post(RB, token, binding("rb-%05d" % i, "User",
                                                           "user-%05d" % i)))
            if st != 201:
                errors.append((i, st, body[:200]))
        c.s.close()

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(conns)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    if errors:
        sys.exit("auth_bench: %d RoleBinding creates failed, first %r" % (len(errors), errors[0]))


def must(r, want, what):
    if r.status != want:
        sys.exit("auth_bench: %s: %r" % (what, r))
    return r


def build_load():
    exe = os.path.join(tempfile.mkdtemp(prefix="sk%d-load-" % os.getpid()), "httpsload")
    subprocess.run(["gcc", "-O2", "-std=gnu11", "-Wall", "-Wextra", "-Werror", "-D_GNU_SOURCE",
                    "-o", exe, os.path.join(HERE, "httpsload.c"), "-lgnutls"],
                   check=True)
    return exe


def run_round(exe, srv, token, secs, conns):
    """One httpsload run; returns its fields plus the server's CPU share."""
    cpu0, t0 = cpu_seconds(srv.pid), time.monotonic()
    out = subprocess.run([exe, "-p", str(srv.port), "--ca", srv.ca_file, "-u", PATH, "-t", token,
                          "-c", str(conns), "-d", str(secs), "-w", "0.3"],
                         stdout=subprocess.PIPE, universal_newlines=True, timeout=secs + 30)
    cpu1 = cpu_seconds(srv.pid)
    busy = (cpu1 - cpu0) / (time.monotonic() - t0)
    f = dict(kv.split("=", 1) for kv in out.stdout.split())
    if out.returncode or int(f.get("other", "1")):
        sys.exit("auth_bench: load run failed (rc %d): %s" % (out.returncode, out.stdout))
    f["server_pct"] = busy * 100
    # Server CPU per response: what the identity costs the server, whatever
    # share of a core the machine's other load leaves it.
    f["server_us"] = (cpu1 - cpu0) * 1e6 / max(1, int(f["all"]))
    return f


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bindings", type=int, default=10000)
    # Short rounds, many of them: the other jobs on a shared 2-core machine
    # come and go within seconds, and an admin round and the rbac round
    # right after it should see the same load.
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--secs", type=float, default=1.5)
    ap.add_argument("--conns", type=int, default=32)
    ap.add_argument("--profile", metavar="PREFIX",
                    help="perf record -g the server during each identity's first round "
                    "into PREFIX.admin, PREFIX.rbac, PREFIX.sa (those rounds run slower)")
    a = ap.parse_args()
    n = a.bindings
    exe = build_load()

    srv = Server(["-v", "1", "--dns-bind-address", "off"], name="authbench")
    tok = {"admin": secrets.token_hex(16), "rbac": secrets.token_hex(16)}
    tokfile = os.path.join(srv.data_dir, "bench-tokens.csv")
    with open(tokfile, "w") as f:
        f.write('%s,bench-admin,uid-admin,"system:masters"\n' % tok["admin"])
        f.write("%s,bob,uid-bob\n" % tok["rbac"])
        for i in range(n):
            f.write('%s,user-%05d,uid-%05d,"team-%d"\n' % (secrets.token_hex(16), i, i, i % 100))
    srv.extra += ["--token-auth-file", tokfile]
    srv.start()
    print("skiff-server authorization benchmark: %s, %d RoleBindings, %d rounds x %.1f s per "
          "identity, %d connections, %d CPUs, load %.2f"
          % (os.path.realpath(os.path.join(os.environ["SKIFF_BIN"], "skiff-server")), n,
             a.rounds, a.secs, a.conns, os.cpu_count(), os.getloadavg()[0]), flush=True)

    must(srv.req("POST", "/api/v1/namespaces/default/services", svc("x")), 201, "create x")
    t0 = time.monotonic()
    create_bindings(srv, srv.token, n)
    must(srv.req("POST", RB, binding("bob-view", "User", "bob")), 201, "bind bob")
    must(srv.req("POST", "/api/v1/namespaces/default/serviceaccounts",
                 {"metadata": {"name": "bench-sa"}}), 201, "create sa")
    must(srv.req("POST", RB, binding("sa-view", "ServiceAccount", "bench-sa", "default")), 201,
         "bind sa")
    r = must(srv.req("POST", "/api/v1/namespaces/default/serviceaccounts/bench-sa/token",
                     {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                      "spec": {"expirationSeconds": 3600}}), 201, "token request")
    tok["sa"] = r.json["status"]["token"]
    print("setup: %d RoleBindings created in %.1f s (not measured)" % (n + 2,
                                                                        time.monotonic() - t0))
    # The identities really are what they claim: bob may get, may not delete.
    for who in ("rbac", "sa"):
        must(srv.req("GET", PATH, headers={"Authorization": "Bearer " + tok[who]}, token=False),
             200, who + " get")
        must(srv.req("DELETE", PATH, headers={"Authorization": "Bearer " + tok[who]},
                     token=False), 403, who + " delete")

    names = ("admin", "rbac", "sa")
    res = {k: [] for k in names}
    for k in names:  # warm-up round each, not counted
        run_round(exe, srv, tok[k], 1.0, a.conns)
    for rnd in range(a.rounds):
        for k in names:
            perf = None
            if a.profile and rnd == 0:
                perf = subprocess.Popen(["perf", "record", "-g", "-o", "%s.%s" % (a.profile, k),
                                         "-p", str(srv.pid)], stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
            f = run_round(exe, srv, tok[k], a.secs, a.conns)
            if perf:
                perf.send_signal(signal.SIGINT)
                perf.wait()
            res[k].append(f)
            print("round %d %-5s %7s req/s  p50 %5s us  p99 %5s us  server CPU %3.0f %% "
                  "(%5.1f us/req)  client CPU %3s %%"
                  % (rnd + 1, k, f["rps"], f["p50_us"], f["p99_us"], f["server_pct"],
                     f["server_us"], f["cpu_pct"]), flush=True)
    med = {k: statistics.median(float(f["rps"]) for f in res[k]) for k in names}
    us = {k: statistics.median(f["server_us"] for f in res[k]) for k in names}
    for k in names:
        print("median %-5s %7.0f req/s  server %5.1f us CPU/req  (rounds: %s)"
              % (k, med[k], us[k], " ".join(f["rps"] for f in res[k])))
    ratio = med["rbac"] / med["admin"]
    print("auth_bench: admin %.0f req/s, rbac user (%d RoleBindings) %.0f req/s, ratio %.2f "
          "(target >= %.2f: %s)" % (med["admin"], n, med["rbac"], ratio, TARGET_RATIO,
                                     "met" if ratio >= TARGET_RATIO else "NOT met"))
    print("auth_bench: admin %.0f req/s, serviceaccount JWT user (RoleBinding) %.0f req/s, "
          "ratio %.2f (no target)" % (med["admin"], med["sa"], med["sa"] / med["admin"]))
    # The same comparison in server CPU per request, which the machine's
    # other load moves less than req/s (context, not the target).
    pair = {k: statistics.median(float(f["rps"]) / float(g["rps"])
                                 for f, g in zip(res[k], res["admin"])) for k in ("rbac", "sa")}
    print("auth_bench: median of per-round ratios (each round against the admin round just "
          "before it): rbac %.2f, sa %.2f" % (pair["rbac"], pair["sa"]))
    print("auth_bench: server CPU per request admin %.1f us, rbac %.1f us, sa %.1f us; "
          "admin/rbac %.2f, admin/sa %.2f" % (us["admin"], us["rbac"], us["sa"],
                                               us["admin"] / us["rbac"], us["admin"] / us["sa"]))
    srv.cleanup()


if __name__ == "__main__":
    main()
