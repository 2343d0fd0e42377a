#!/usr/bin/python3
"""Kubelet benchmark (issue 10): on a one-node cluster made with
`skiffctl cluster create`, measure
  1. pod start latency, created (already bound) -> Ready with a TCP readiness
     probe: p50/p99 over sequential single pods, and over 50 pods created at
     once (targets: p50 < 200 ms for one pod, p99 < 2.5 s for 50 at once);
  2. container death -> the pod not Ready in the API, over 20 kills (target
     p99 < 100 ms; upstream's PLEG relist alone is 1 s);
  3. skiff-node's RSS and CPU with 100 idle pods (target RSS < 30 MB; k3s's
     agent needs ~275 MB).
Times come from one watch on the pods, stamped as events arrive. The
container is a static TCP listener (bench/tcplisten.c) imported into the
node's image store, so no interpreter start-up is measured.

Usage: bench/kubelet_bench.py [--single N] [--burst N] [--kills N] [--idle N]
"""
import argparse
import base64
import http.client
import json
import re
import ssl
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

BIN = os.environ.get("SKIFF_BIN", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                               "..", "build"))
CTL = os.path.join(BIN, "skiffctl")
NAME = "kbench"


def sh(*args, check=True, **kw):
    return subprocess.run(args, check=check, capture_output=True, text=True, **kw)


def pctl(vals, p):
    v = sorted(vals)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


class Cluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="skiff-kbench-")
        self.env = dict(os.environ, SKIFF_CLUSTER_DIR=self.dir)
        r = subprocess.run([CTL, "cluster", "create", "--name", NAME, "--nodes", "1"],
                           env=self.env, capture_output=True, text=True, timeout=180)
        if r.returncode:
            raise RuntimeError("cluster create failed:\n" + r.stdout + r.stderr)
        self.kc = os.path.join(self.dir, NAME, "kubeconfig")
        self.node = NAME + "-node-1"
        self.root = os.path.join(self.dir, NAME, "nodes", self.node, "root")
        img = os.path.join(self.root, "images", "tcplisten", "rootfs")
        os.makedirs(img, exist_ok=True)
        exe = os.path.join(img, "tcplisten")
        sh("gcc", "-O2", "-static", "-o", exe,
           os.path.join(os.path.dirname(os.path.abspath(__file__)), "tcplisten.c"))
        with open(os.path.join(self.root, "images", "tcplisten", "config.json"), "w") as f:
            json.dump({"config": {"Entrypoint": ["/tcplisten"], "Cmd": ["8080"]}}, f)

        with open(self.kc) as f:
            text = f.read()
        m = re.search(r"server:\s*https://([^:/\s]+):(\d+)", text)
        self.host, self.port = m.group(1), int(m.group(2))
        self.token = re.search(r"token:\s*(\S+)", text).group(1)
        ca = base64.b64decode(re.search(r"certificate-authority-data:\s*(\S+)", text).group(1))
        self.cafile = os.path.join(self.dir, "ca.crt")
        with open(self.cafile, "wb") as f:
            f.write(ca)
        self.ctx = ssl.create_default_context(cafile=self.cafile)

    def conn(self):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx, timeout=60)

    def create(self, c, obj):
        """POST a pod on a kept-alive connection (no kubectl start-up in the timing)."""
        c.request("POST", "/api/v1/namespaces/default/pods", json.dumps(obj),
                  {"Authorization": "Bearer " + self.token, "Content-Type": "application/json"})
        r = c.getresponse()
        r.read()
        if r.status != 201:
            raise RuntimeError("create %s: %d" % (obj["metadata"]["name"], r.status))

    def kubectl(self, *args, inp=None, check=True):
        return subprocess.run(["kubectl", "--kubeconfig", self.kc] + list(args), input=inp,
                              capture_output=True, text=True, check=check, timeout=120)

    def node_pid(self):
        with open(os.path.join(self.dir, NAME, "nodes", self.node, "skiff-node.pid")) as f:
            return int(f.read().split()[0])

    def delete(self):
        subprocess.run([CTL, "cluster", "delete", NAME], env=self.env, capture_output=True,
                       timeout=120)
        shutil.rmtree(self.dir, ignore_errors=True)


def pod(name, node, probe=True, image="tcplisten"):
    c = {"name": "c", "image": image}
    if probe:
        c["readinessProbe"] = {"tcpSocket": {"port": 8080}, "periodSeconds": 1,
                               "initialDelaySeconds": 0}
    if image == "host":
        c["command"] = ["sleep", "100000"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": {"b": "1"}},
            "spec": {"nodeName": node, "containers": [c],
                     "terminationGracePeriodSeconds": 0}}


class Watch:
    """A watch on the pods: ready/not-ready transitions with arrival times."""

    def __init__(self, cl):
        self.c = cl.conn()
        self.c.request("GET", "/api/v1/namespaces/default/pods?watch=1",
                       headers={"Authorization": "Bearer " + cl.token})
        self.r = self.c.getresponse()
        self.ready = {}     # name -> first time seen Ready
        self.running = {}   # name -> first time seen with its container running
        self.unready = []   # (name, time) transitions to not ready
        self.state = {}
        self.lock = threading.Lock()
        threading.Thread(target=self.run, daemon=True).start()

    def run(self):
        try:
            while True:
                line = self.r.readline()
                if not line:
                    return
                now = time.monotonic()
                ev = json.loads(line)
                o = ev.get("object", {})
                name = o.get("metadata", {}).get("name")
                conds = (o.get("status") or {}).get("conditions") or []
                ok = ev.get("type") != "DELETED" and any(
                    c.get("type") == "Ready" and c.get("status") == "True" for c in conds)
                run = any("running" in (cs.get("state") or {})
                          for cs in (o.get("status") or {}).get("containerStatuses") or [])
                with self.lock:
                    if run and name not in self.running:
                        self.running[name] = now
                    if ok and name not in self.ready:
                        self.ready[name] = now
                    if self.state.get(name) and not ok:
                        self.unready.append((name, now))
                    self.state[name] = ok
        except (OSError, ValueError, http.client.HTTPException):
            return

    def stop(self):
        try:
            self.c.sock.shutdown(2)
        except OSError:
            pass


def wait_for(fn, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if fn():
            return True
        time.sleep(0.01)
    return False


def start_latency(cl, w, names, burst):
    c = cl.conn()
    lat = []
    if burst:
        # each pod's own creation time: the burst is created as fast as one
        # connection allows, and every pod counts from its own POST
        t0 = {}
        for n in names:
            t0[n] = time.monotonic()
            cl.create(c, pod(n, cl.node))
        wait_for(lambda: all(n in w.ready for n in names), 120)
        lat = [w.ready[n] - t0[n] for n in names if n in w.ready]
        # where the time went: created -> running, running -> Ready
        run = [w.running[n] - t0[n] for n in names if n in w.running and n in w.ready]
        probe = [w.ready[n] - w.running[n] for n in names if n in w.running and n in w.ready]
        print("kubelet_bench: %d at once, phases: created -> running p50 %.0f ms p99 %.0f ms; "
              "running -> Ready p50 %.0f ms p99 %.0f ms"
              % (len(names), pctl(run, 50) * 1e3, pctl(run, 99) * 1e3,
                 pctl(probe, 50) * 1e3, pctl(probe, 99) * 1e3))
    else:
        for n in names:
            t0 = time.monotonic()
            cl.create(c, pod(n, cl.node))
            wait_for(lambda: n in w.ready, 30)
            if n in w.ready:
                lat.append(w.ready[n] - t0)
    c.close()
    return lat


def shims(cl):
    """The node's container shims still running (pods being torn down)."""
    n = 0
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read().split(b"\0")
        except OSError:
            continue
        if cmd[0] == b"skiff-shim" and len(cmd) > 1 and cmd[1].startswith(cl.dir.encode()):
            n += 1
    return n


def wait_quiet(cl):
    """Until the deleted pods' containers are gone from the node: the burst
    is timed on an idle node, not beside ten teardowns (pods with grace 0
    leave the API at once, before their kubelet has stopped them)."""
    wait_for(lambda: shims(cl) == 0, 60)
    time.sleep(0.5)


def container_pid(cl, name):
    """The listener's pid: the process whose argv is /tcplisten in this pod's cgroup."""
    uid = json.loads(cl.kubectl("get", "pod", name, "-o", "json").stdout)["metadata"]["uid"]
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/cgroup" % pid) as f:
                cg = f.read()
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                cmd = f.read()
        except OSError:
            continue
        if uid in cg and cmd.startswith(b"/tcplisten"):
            return int(pid)
    return None


def rss_cpu(pid, secs):
    def ticks():
        with open("/proc/%d/stat" % pid) as f:
            v = f.read().rsplit(")", 1)[1].split()
        return int(v[11]) + int(v[12])
    t0, c0 = time.monotonic(), ticks()
    time.sleep(secs)
    t1, c1 = time.monotonic(), ticks()
    with open("/proc/%d/status" % pid) as f:
        rss = [l for l in f if l.startswith("VmRSS")][0].split()[1]
    return int(rss) / 1024.0, (c1 - c0) / os.sysconf("SC_CLK_TCK") / (t1 - t0) * 100


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--single", type=int, default=10)
    ap.add_argument("--burst", type=int, default=50)
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--idle", type=int, default=100)
    a = ap.parse_args()
    cl = Cluster()
    w = None
    try:
        w = Watch(cl)
        time.sleep(1)
        single = start_latency(cl, w, ["s%d" % i for i in range(a.single)], False)
        cl.kubectl("delete", "pods", "-l", "b=1", "--wait=true")
        wait_quiet(cl)
        burst = start_latency(cl, w, ["b%d" % i for i in range(a.burst)], True)
        print("kubelet_bench: pod start (created -> Ready, TCP probe), 1 pod: p50 %.0f ms, "
              "p99 %.0f ms (%d pods; target p50 < 200 ms)"
              % (pctl(single, 50) * 1e3, pctl(single, 99) * 1e3, len(single)))
        print("kubelet_bench: pod start, %d at once: p50 %.0f ms, p99 %.0f ms (%d Ready; "
              "target p99 < 2500 ms)" % (a.burst, pctl(burst, 50) * 1e3,
                                        pctl(burst, 99) * 1e3, len(burst)))
        cl.kubectl("delete", "pods", "-l", "b=1", "--wait=true")

        mk = cl.conn()
        cl.create(mk, pod("victim", cl.node))
        wait_for(lambda: "victim" in w.ready, 30)
        death = []
        for _ in range(a.kills):
            wait_for(lambda: w.state.get("victim"), 60)
            pid = container_pid(cl, "victim")
            if not pid:
                print("kubelet_bench: the victim's process was not found", file=sys.stderr)
                break
            n0 = len(w.unready)
            t0 = time.monotonic()
            os.kill(pid, signal.SIGKILL)
            if wait_for(lambda: len(w.unready) > n0, 10):
                death.append(w.unready[n0][1] - t0)
            # the back-off after the 2nd exit would slow the loop: make a new pod
            cl.kubectl("delete", "pod", "victim", "--wait=true")
            w.ready.pop("victim", None)
            w.state.pop("victim", None)
            cl.create(mk, pod("victim", cl.node))
            wait_for(lambda: "victim" in w.ready, 30)
        print("kubelet_bench: container death -> pod not Ready in the API: p50 %.1f ms, "
              "p99 %.1f ms (%d kills; target p99 < 100 ms; upstream PLEG relist 1000 ms)"
              % (pctl(death, 50) * 1e3, pctl(death, 99) * 1e3, len(death)))
        cl.kubectl("delete", "pods", "--all", "--wait=true")

        for i in range(a.idle):
            cl.create(mk, pod("i%d" % i, cl.node, probe=False))
        wait_for(lambda: sum(1 for i in range(a.idle) if ("i%d" % i) in w.ready) == a.idle, 180)
        time.sleep(3)
        rss, cpu = rss_cpu(cl.node_pid(), 10)
        print("kubelet_bench: skiff-node with %d idle pods: RSS %.1f MB, CPU %.1f %% of a core "
              "(target RSS < 30 MB; k3s agent ~275 MB)" % (a.idle, rss, cpu))
    finally:
        if w:
            w.stop()
        cl.delete()


if __name__ == "__main__":
    sys.exit(main())
