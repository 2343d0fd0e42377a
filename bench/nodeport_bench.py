#!/usr/bin/python3
"""NodePort benchmark (issue 12): an outside client (the namespace
`skiffctl cluster external` makes) -> node 1 -> backend pods on node 2, in a
2-node cluster from `skiffctl cluster create`. Peers, measured side by side
in one run with the same pods and the same load generator (bench/lbload):

  direct   the client connects to the pod IPs itself, routed through node 1
           (the outside machine gets a route to node 2's pod CIDR via node 1):
           the same hops without any balancer, the limit;
  bpf      skiff's tc path: node 1's address and the NodePort (DNAT + SNAT to
           node 1, the reply back through it).

Figures:
  - new connections/s and p50/p99 (connect, one request, reply, close), at
    1 and 10,000 services (filler ClusterIP services with one endpoint each,
    so the maps hold 10,000 more entries);
  - requests/s through one established connection each (-k: per-flow
    throughput, where the per-packet cost shows);
  - balance: 4 endpoints, one 10x slower (10 ms vs 1 ms per request, one
    worker each), closed loop: p99 and the slow endpoint's share.

The iptables peers of the issue (skiff iptables, kube-proxy's layout) join
once skiff-node has its iptables mode.

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
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="skiff-npbench-")
        os.chmod(self.tmp, 0o755)
        self.env = dict(os.environ, SKIFF_CLUSTER_DIR=os.path.join(self.tmp, "c"))
        self.dir = os.path.join(self.tmp, "c", NAME)
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
        r = self.ctl("cluster", "create", "--name", NAME, "--nodes", "2", check=False)
        if r.returncode:
            raise RuntimeError("cluster create failed:\n" + r.stdout + r.stderr)
        self.ext = self.ctl("cluster", "external", NAME, "1").stdout.strip()
        self.n1, self.n2 = NAME + "-node-1", NAME + "-node-2"
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

    def down(self):
        self.ctl("cluster", "delete", NAME, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", default="1 10000")
    ap.add_argument("--duration", type=int, default=3)
    ap.add_argument("--conc", type=int, default=16)
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    if os.geteuid() != 0 or not KUBECTL:
        print("nodeport_bench: needs root and kubectl", file=sys.stderr)
        return 1
    b = Bench()
    try:
        b.up()
        ip1 = b.ip[b.n1]
        direct = ["%s:8080" % b.pod_ip["p%d" % i] for i in range(3)]
        res = {}
        have = 0
        for n in [int(x) for x in a.services.split()]:
            if n > 1:
                b.fillers(n - have)
                have = n
                end = time.time() + 300
                while time.time() < end and not b.programmed(b.n1, n):
                    time.sleep(1)
            for r in range(a.reps):
                for peer, tg in (("direct", direct), ("bpf", ["%s:30080" % ip1])):
                    line = b.load(tg, a.conc, a.duration)
                    key = (peer, n)
                    if key not in res or float(field(line, "cps") or 0) > float(
                            field(res[key], "cps") or 0):
                        res[key] = line
            for peer in ("direct", "bpf"):
                line = res[(peer, n)]
                print("nodeport_bench: new connections, %5d services, %-6s cps=%s p50=%sus "
                      "p99=%sus errors=%s" % (n, peer, field(line, "cps"),
                                              field(line, "p50_us"), field(line, "p99_us"),
                                              field(line, "errors")), flush=True)
            dc, bc = float(field(res[("direct", n)], "cps")), float(field(res[("bpf", n)],
                                                                          "cps"))
            print("nodeport_bench: bpf/direct new connections/s at %d services: %.2f "
                  "(target >= 0.9)" % (n, bc / dc if dc else 0), flush=True)

        # one established connection each: requests/s per flow
        flows = {}
        for peer, tg in (("direct", ["%s:8082" % b.pod_ip["p0"]]), ("bpf", ["%s:30082" % ip1])):
            best = None
            for r in range(a.reps):
                line = b.load(tg, 1, a.duration, keep=True)
                if best is None or float(field(line, "cps")) > float(field(best, "cps")):
                    best = line
            flows[peer] = best
            print("nodeport_bench: one established flow, %-6s requests/s=%s p50=%sus p99=%sus"
                  % (peer, field(best, "cps"), field(best, "p50_us"), field(best, "p99_us")),
                  flush=True)
        print("nodeport_bench: bpf/direct requests/s through one flow: %.2f" % (
            float(field(flows["bpf"], "cps")) / float(field(flows["direct"], "cps"))),
            flush=True)

        # balance with one 10x slower endpoint
        line = b.load(["%s:30081" % ip1], 32, 6)
        be = dict(x.split(":") for x in (field(line, "be") or "").split(",") if ":" in x)
        tot = sum(int(v) for v in be.values()) or 1
        print("nodeport_bench: balance through NodePort, 4 endpoints (b3 10x slower), "
              "bpf least-busy: rps=%s p50=%sus p99=%sus slow share=%.1f%% (fair 25%%)"
              % (field(line, "cps"), field(line, "p50_us"), field(line, "p99_us"),
                 100.0 * int(be.get("b3", 0)) / tot), flush=True)
    finally:
        try:
            d = json.loads(b.ctl("backends", "--bpf-pin-dir",
                                 os.path.join(b.dir, "nodes", NAME + "-node-1", "bpf"), "-o",
                                 "json", "--kubeconfig", "/dev/null", check=False).stdout)
            print("nodeport_bench: node 1 tc counters: " + " ".join(
                "%s=%d" % (k, v) for k, v in sorted(d["events"].items())
                if k.startswith("tc_") and v))
        except (ValueError, KeyError, AttributeError):
            pass
        b.down()
    return 0


if __name__ == "__main__":
    sys.exit(main())
