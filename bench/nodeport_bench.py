#!/usr/bin/python3
"""NodePort benchmark (issue 12): an outside client (the namespace
`skiffctl cluster external` makes) -> node 1 -> backend pods on node 2, in a
2-node cluster from `skiffctl cluster create`. Peers, measured side by side
in one run with the same pods and the same load generator (bench/lbload):

  direct      the client connects to the pod IPs itself, routed through node
              1 (the outside machine gets a route to node 2's pod CIDR via
              node 1): the same hops without any balancer, the limit;
  bpf         skiff's tc path: node 1's address and the NodePort (DNAT + SNAT
              to node 1, the reply back through it);
  iptables    skiff-node --proxy-mode iptables: kube-proxy's rules with the
              endpoints' odds weighted by their conntrack counts;
  kube-proxy  the same rules with kube-proxy's equal odds (--proxy-mode
              iptables --lb-algorithm random): kube-proxy's iptables layout.
Each proxy runs in a cluster of its own (one after the other).

Figures:
  - new connections/s and p50/p99 (connect, one request, reply, close), at
    1 and 10,000 services (filler ClusterIP services with one endpoint each,
    so the maps hold 10,000 more entries);
  - requests/s through one established connection each (-k: per-flow
    throughput, where the per-packet cost shows);
  - balance: 4 endpoints, one 10x slower (10 ms vs 1 ms per request, one
    worker each), closed loop: p99 and the slow endpoint's share, measured
    for 6 s after 3 s of the same load (steady state, every peer alike).

  - iptables programming at 10,000 services: one endpoint change (the
    restore skiff-node logs: bytes, chains, time) against a full restore
    (the first one after a skiff-node restart).

Usage: bench/nodeport_bench.py [--services "1 10000"] [--duration 3] [--conc 16]
"""
import argparse
import base64
import concurrent.futures
import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("SKIFF_BIN", os.path.join(HERE, "..", "build"))
CTL = os.path.join(BIN, "skiffctl")
KUBECTL = shutil.which("kubectl")
NAME = "npb"


def sh(*args, check=True, **kw):
    return subprocess.run(args, check=check, capture_output=True, text=True, **kw)


def field(line, key):
    m = re.search(r"(?:^| )%s=(\S+)" % re.escape(key), line)
    return m.group(1) if m else None


class Bench:
    def __init__(self, name=NAME, create_args=()):
        self.name = name
        self.create_args = list(create_args)
        self.tmp = tempfile.mkdtemp(prefix="skiff-npbench-")
        os.chmod(self.tmp, 0o755)
        self.env = dict(os.environ, SKIFF_CLUSTER_DIR=os.path.join(self.tmp, "c"))
        self.dir = os.path.join(self.tmp, "c", name)
        self.kc = os.path.join(self.dir, "kubeconfig")
        for prog in ("lbload", "lbserver"):
            sh("gcc", "-O2", "-static", "-D_GNU_SOURCE", "-o", os.path.join(self.tmp, prog),
               os.path.join(HERE, prog + ".c"), "-lpthread")

    def ctl(self, *args, check=True):
        return subprocess.run([CTL] + list(args), env=self.env, capture_output=True, text=True,
                              check=check, timeout=300)

    def k(self, *args, inp=None):
        return sh(KUBECTL, "--kubeconfig", self.kc, *args, input=inp, timeout=120)

    def kj(self, *args):
        return json.loads(self.k(*(list(args) + ["-o", "json"])).stdout)

    def up(self):
        r = self.ctl("cluster", "create", "--name", self.name, "--nodes", "2",
                     *self.create_args, check=False)
        if r.returncode:
            raise RuntimeError("cluster create failed:\n" + r.stdout + r.stderr)
        self.ext = self.ctl("cluster", "external", self.name, "1").stdout.strip()
        self.n1, self.n2 = self.name + "-node-1", self.name + "-node-2"
        nodes = {n["metadata"]["name"]: n for n in self.kj("get", "nodes")["items"]}
        self.ip = {n: [a["address"] for a in nodes[n]["status"]["addresses"]
                       if a["type"] == "InternalIP"][0] for n in nodes}
        # the lbserver image on node 2
        root = os.path.join(self.dir, "nodes", self.n2, "root", "images", "lbserver")
        os.makedirs(os.path.join(root, "rootfs"), exist_ok=True)
        shutil.copy(os.path.join(self.tmp, "lbserver"), os.path.join(root, "rootfs", "lbserver"))
        with open(os.path.join(root, "config.json"), "w") as f:
            json.dump({"config": {"Entrypoint": ["/lbserver"]}}, f)
        # a route for the direct peer: node 2's pods through node 1
        cidr = nodes[self.n2]["spec"]["podCIDR"]
        sh("ip", "netns", "exec", self.ext, "ip", "route", "replace", cidr, "via",
           self.ip[self.n1])
        # pods and services
        pods = []
        for i in range(3):
            pods.append(self.pod("p%d" % i, {"app": "web"}, [
                ("c", ["-l", "0.0.0.0:8080", "-n", "p%d" % i]),
                ("k", ["-l", "0.0.0.0:8082", "-n", "p%d" % i, "-k"])]))
        for i in range(4):
            d = "10000" if i == 3 else "1000"
            pods.append(self.pod("b%d" % i, {"app": "bal"}, [
                ("c", ["-l", "0.0.0.0:8081", "-n", "b%d" % i, "-d", d, "-w", "1"])]))
        items = pods + [
            self.svc("web", "web", [("c", 80, 8080, 30080), ("k", 82, 8082, 30082)]),
            self.svc("bal", "bal", [("c", 81, 8081, 30081)])]
        self.k("apply", "-f", "-", inp=json.dumps({"apiVersion": "v1", "kind": "List",
                                                   "items": items}))
        end = time.time() + 120
        while time.time() < end:
            ps = self.kj("get", "pods")["items"]
            if len(ps) == 7 and all(p.get("status", {}).get("phase") == "Running" and
                                    p["status"].get("podIP") for p in ps):
                break
            time.sleep(0.5)
        self.pod_ip = {p["metadata"]["name"]: p["status"]["podIP"]
                       for p in self.kj("get", "pods")["items"]}
        time.sleep(2)  # endpoints programmed on both nodes

    def pod(self, name, labels, containers):
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                "spec": {"nodeName": self.n2, "terminationGracePeriodSeconds": 0,
                         "containers": [{"name": c, "image": "lbserver", "args": a}
                                        for c, a in containers]}}

    def svc(self, name, app, ports):
        return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                "spec": {"type": "NodePort", "selector": {"app": app},
                         "ports": [{"name": n, "port": p, "targetPort": t, "nodePort": np}
                                   for n, p, t, np in ports]}}

    def fillers(self, n):
        """n more ClusterIP services, one endpoint each (a slice written
        directly: no pods needed), through the API in parallel."""
        text = open(self.kc).read()
        host, port = re.search(r"server:\s*https://([^:/\s]+):(\d+)", text).groups()
        token = re.search(r"token:\s*(\S+)", text).group(1)
        ca = base64.b64decode(re.search(r"certificate-authority-data:\s*(\S+)", text).group(1))
        cafile = os.path.join(self.tmp, "ca.crt")
        with open(cafile, "wb") as f:
            f.write(ca)
        ctx = ssl.create_default_context(cafile=cafile)
        hdr = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}

        def batch(lo, hi):
            c = http.client.HTTPSConnection(host, int(port), context=ctx, timeout=60)
            for i in range(lo, hi):
                for path, obj in (
                        ("/api/v1/namespaces/default/services",
                         {"apiVersion": "v1", "kind": "Service",
                          "metadata": {"name": "f%d" % i},
                          "spec": {"ports": [{"port": 80}]}}),
                        ("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
                         {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                          "metadata": {"name": "f%d" % i,
                                       "labels": {"kubernetes.io/service-name": "f%d" % i}},
                          "addressType": "IPv4", "ports": [{"port": 8080}],
                          "endpoints": [{"addresses": ["10.250.%d.%d" % (i // 250, i % 250 + 1)]}]})):
                    c.request("POST", path, body=json.dumps(obj), headers=hdr)
                    r = c.getresponse()
                    r.read()
                    if r.status >= 300 and r.status != 409:
                        raise RuntimeError("%s: %d" % (path, r.status))
            c.close()
        step = max(1, n // 8)
        with concurrent.futures.ThreadPoolExecutor(8) as ex:
            list(ex.map(lambda lo: batch(lo, min(n, lo + step)), range(0, n, step)))

    def programmed(self, node, want):
        d = json.loads(self.ctl("backends", "--bpf-pin-dir",
                                os.path.join(self.dir, "nodes", node, "bpf"), "-o", "json",
                                "--kubeconfig", "/dev/null", check=False).stdout or "{}")
        return len(d.get("services", [])) >= want

    def load(self, targets, conc, dur, keep=False):
        args = ["ip", "netns", "exec", self.ext, os.path.join(self.tmp, "lbload"), "-c",
                str(conc), "-d", str(dur), "-W", "1", "-j", str(min(2, conc))]
        for t in targets:
            args += ["-t", t]
        if keep:
            args.append("-k")
        return sh(*args, timeout=dur + 60).stdout.strip()

    def restores(self):
        """skiff-node 1's iptables-restore log lines."""
        with open(os.path.join(self.dir, "nodes", self.n1, "skiff-node.log")) as f:
            return [l for l in f if "iptables-restore (" in l]

    def down(self):
        self.ctl("cluster", "delete", self.name, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def best(b, targets, conc, dur, reps, keep=False):
    """The best of reps runs per peer, the peers interleaved run by run
    (targets: peer -> addresses), so a drift of the machine (the cluster
    still settling, another process) weighs on every peer alike."""
    lines = {}
    for _ in range(reps):
        for p, t in targets.items():
            l = b.load(t, conc, dur, keep)
            if p not in lines or float(field(l, "cps") or 0) > float(field(lines[p], "cps")
                                                                   or 0):
                lines[p] = l
    return lines


def run_cluster(b, peers, a, res):
    """Measure peers (a subset of direct, bpf, iptables, kube-proxy) on b."""
    b.up()
    ip1 = b.ip[b.n1]
    direct = ["%s:8080" % b.pod_ip["p%d" % i] for i in range(3)]
    targets = {"direct": direct}
    for p in peers:
        targets.setdefault(p, ["%s:30080" % ip1])
    # balance first, with the few services of the test: balance, not rule count
    peer = peers[-1]
    # steady state: 3 s of the same load first, discarded, for every peer
    # (random odds have nothing to learn; weights and counts settle)
    b.load(["%s:30081" % ip1], 32, 3)
    line = b.load(["%s:30081" % ip1], 32, 6)
    be = dict(x.split(":") for x in (field(line, "be") or "").split(",") if ":" in x)
    tot = sum(int(v) for v in be.values()) or 1
    res[("bal", peer)] = line
    res[("slow", peer)] = 100.0 * int(be.get("b3", 0)) / tot
    print("nodeport_bench: balance, 4 endpoints (b3 10x slower), %-10s rps=%s p50=%sus "
          "p99=%sus slow share=%.1f%% (fair 25%%)"
          % (peer, field(line, "cps"), field(line, "p50_us"), field(line, "p99_us"),
             res[("slow", peer)]), flush=True)
    have = 0
    for n in [int(x) for x in a.services.split()]:
        if n > 1:
            b.fillers(n - have)
            have = n
            end = time.time() + 300
            while time.time() < end and peers[-1] == "bpf" and not b.programmed(b.n1, n):
                time.sleep(1)
            time.sleep(5 if peers[-1] == "bpf" else 15)  # rules written
        got = best(b, {p: targets[p] for p in peers}, a.conc, a.duration, a.reps)
        for p in peers:
            res[("new", p, n)] = line = got[p]
            print("nodeport_bench: new connections, %5d services, %-10s cps=%s p50=%sus "
                  "p99=%sus errors=%s" % (n, p, field(line, "cps"), field(line, "p50_us"),
                                          field(line, "p99_us"), field(line, "errors")),
                  flush=True)
    flow = {"direct": ["%s:8082" % b.pod_ip["p0"]]}
    got = best(b, {p: flow.get(p, ["%s:30082" % ip1]) for p in peers}, 1, a.duration, a.reps,
               keep=True)
    for p in peers:
        res[("flow", p)] = line = got[p]
        print("nodeport_bench: one established flow, %-10s requests/s=%s p50=%sus p99=%sus"
              % (p, field(line, "cps"), field(line, "p50_us"), field(line, "p99_us")),
              flush=True)
    peer = peers[-1]
    if peer in ("iptables", "kube-proxy") and int(a.services.split()[-1]) > 1:
        # one endpoint change: a filler slice's address moves
        before = len(b.restores())
        b.k("patch", "endpointslice", "f1", "--type=json", "-p",
            '[{"op":"replace","path":"/endpoints/0/addresses/0","value":"10.251.0.1"}]')
        end = time.time() + 20
        while time.time() < end and len(b.restores()) == before:
            time.sleep(0.2)
        ch = b.restores()[before:]
        before = len(b.restores())
        b.ctl("cluster", "node", "restart", b.name, "node-1")
        end = time.time() + 60
        full = []
        while time.time() < end and not full:
            full = [l for l in b.restores()[before:] if "(full)" in l]
            time.sleep(0.5)
        if peer == "iptables":
            print("nodeport_bench: iptables programming at %s services: one endpoint change: "
                  "%s; full restore after a restart: %s" % (
                      a.services.split()[-1],
                      ch[0].split("iptables-restore ", 1)[1].strip() if ch else "not seen",
                      full[0].split("iptables-restore ", 1)[1].strip() if full else "not seen"),
                  flush=True)
    if peer == "bpf" and os.environ.get("NODEPORT_BENCH_COUNTERS"):
        d = json.loads(b.ctl("backends", "--bpf-pin-dir",
                             os.path.join(b.dir, "nodes", b.n1, "bpf"), "-o", "json",
                             "--kubeconfig", "/dev/null", check=False).stdout or "{}")
        print("nodeport_bench: node 1 tc counters: " + " ".join(
            "%s=%d" % (k, v) for k, v in sorted(d.get("events", {}).items())
            if k.startswith("tc_") and v))


def ratio(res, kind, x, y, n=None, key="cps"):
    kx = (kind, x, n) if n is not None else (kind, x)
    ky = (kind, y, n) if n is not None else (kind, y)
    if kx not in res or ky not in res:
        return float("nan")
    a, b = float(field(res[kx], key) or 0), float(field(res[ky], key) or 0)
    return a / b if b else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", default="1 10000")
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("--conc", type=int, default=16)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--peers", default="bpf iptables kube-proxy")
    a = ap.parse_args()
    if os.geteuid() != 0 or not KUBECTL:
        print("nodeport_bench: needs root and kubectl", file=sys.stderr)
        return 1
    res = {}
    clusters = {"bpf": ("npb", [], ["direct", "bpf"]),
                "iptables": ("npi", ["--proxy-mode", "iptables"], ["iptables"]),
                "kube-proxy": ("npk", ["--proxy-mode", "iptables", "--lb-algorithm", "random"],
                               ["kube-proxy"])}
    for peer in a.peers.split():
        name, args, peers = clusters[peer]
        b = Bench(name, args)
        try:
            run_cluster(b, peers, a, res)
        finally:
            b.down()
    last = int(a.services.split()[-1])
    for n in [int(x) for x in a.services.split()]:
        print("nodeport_bench: bpf/direct new connections/s at %d services: %.2f (target >= 0.9)"
              % (n, ratio(res, "new", "bpf", "direct", n)))
    print("nodeport_bench: bpf/kube-proxy new connections/s at %d services: %.2f (target >= 1.5)"
          % (last, ratio(res, "new", "bpf", "kube-proxy", last)))
    print("nodeport_bench: iptables/kube-proxy new connections/s at %d services: %.2f "
          "(target >= 1.0)" % (last, ratio(res, "new", "iptables", "kube-proxy", last)))
    print("nodeport_bench: one flow requests/s: bpf/direct %.2f, iptables/direct %.2f, "
          "kube-proxy/direct %.2f" % (ratio(res, "flow", "bpf", "direct"),
                                      ratio(res, "flow", "iptables", "direct"),
                                      ratio(res, "flow", "kube-proxy", "direct")))
    print("nodeport_bench: balance p99: iptables/kube-proxy %.2f (target <= 0.6), "
          "bpf/kube-proxy %.2f" % (ratio(res, "bal", "iptables", "kube-proxy", key="p99_us"),
                                   ratio(res, "bal", "bpf", "kube-proxy", key="p99_us")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
