#!/usr/bin/python3
"""Failover benchmark: how fast traffic stops going to a dead backend, on
2-node clusters made with `skiffctl cluster create`. Not a test: prints one
`failover_bench:` line per figure, with its target or expectation.

Every cluster runs a Deployment `web` (4 replicas, 2 per node; a python HTTP
server from a ConfigMap on `image: host` that answers "<pod> on <node>
<boot time>", readiness probe httpGet every 1 s, terminationGracePeriodSeconds
1), a Service `web` (80 -> 8080) and one client pod pinned on each node. A
client runs 8 request loops against the Service's ClusterIP (no DNS), a new
TCP connection per request (`GET / HTTP/1.0`), 1 s timeout per request,
50 ms pause between requests, and logs one line per request: `<start
time.time()> ok <pod> <boot>` or `<start> fail <reason>` (refused, reset,
timeout-connect, timeout-read, ...). The bench reads the logs from the
container log files under the node's root dir; pods share the host's
CLOCK_REALTIME, so the clients' times compare with the bench's. Pod and
EndpointSlice transitions come from watches on the API (127.0.0.1 forwarder),
stamped as the events arrive; node 2's BPF view from `skiffctl backends
--bpf-pin-dir`, polled every ~20 ms.

  1. container killed -> no new connection reaches it, on either node: a
     web container's processes SIGKILLed from the host (its memory cgroup's
     cgroup.procs), t0 just before the kill. Window = start of the last
     request after t0 that was refused or reset (any client) - t0; 0 if
     none. Also: requests the victim answered after t0, more than 50 ms
     before the bench's watch showed it Ready again (expected 0; the watch
     itself may lag the nodes' by a few ms). The killed pod is then deleted
     and the
     next kill waits for 4 Ready pods in both nodes' dataplanes (restart
     back-off would grow on one container). Target p99 < 200 ms.
  2. node stopped (`skiffctl cluster node stop`: skiff-node and its pods
     killed, its link down so connections hang) -> its endpoints unready
     (API slices and node 2's dataplane) -> 4 web pods Ready on the other
     node. The grace period runs from when the control plane last heard
     from the node, its last Lease renewal (every grace / 4), so the
     expectation (grace +- 1 s) is checked from the arrival of that renewal
     on a lease watch; from the stop it is grace minus up to grace / 4. The
     pods go a toleration after the endpoints (the taint's). With create's
     short defaults (grace 10 s, tolerations 10 s) and, unless --quick,
     upstream's (40 s, 300 s, 300 s: ~6 minutes).
  3. the node-2 client's failed requests during the short-timeout node stop,
     in a cluster with `--lb-algorithm least-connections` (default) and one
     with `--lb-algorithm random` (kube-proxy's uniform choice): from the
     stop until node 2's dataplane dropped node 1's pods, and overall (stop
     -> pods Ready elsewhere). Hung connections count as busy, so
     least-connections should send far fewer requests to the dead pods.

Each scenario gets a fresh cluster (about 4 s to create), deleted at the end
(also on an error or Ctrl-C) unless --keep. Traffic goes only from pods
inside the clusters' namespaces, and to 127.0.0.1 (the API forwarder).

Usage: bench/failover_bench.py [--kills N] [--quick] [--only kills|stop] [--keep]
       [--loops N] [--timeout S] [--pause S] [-v]
Env: SKIFF_BIN (default: build/ beside this file).
"""
import argparse
import atexit
import base64
import http.client
import json
import os
import re
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.path.abspath(os.environ.get("SKIFF_BIN", os.path.join(HERE, "..", "build")))
CTL = os.path.join(BIN, "skiffctl")
UPSTREAM = ["--node-monitor-grace-period", "40s",
            "--default-unreachable-toleration-seconds", "300",
            "--default-not-ready-toleration-seconds", "300"]
SLICES = ("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector="
          + urllib.parse.quote("kubernetes.io/service-name=web"))
PODS = "/api/v1/namespaces/default/pods"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
VERBOSE = False
NEAR = 0.05  # s: a request answered this close to the Ready event is not counted as early

APP = r"""
apiVersion: v1
kind: ConfigMap
metadata: {name: fbench-app}
data:
  server.py: |
    import http.server, os, time
    BOOT = "%.6f" % time.time()
    class H(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            b = ("%s on %s %s\n" % (os.environ["POD"], os.environ["NODE"], BOOT)).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(b)))
            self.end_headers()
            self.wfile.write(b)
        def log_message(self, *a):
            pass
    http.server.ThreadingHTTPServer(("", 8080), H).serve_forever()
  client.py: |
    import errno, socket, sys, threading, time
    ip, loops, pause, tmo = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4])
    lock = threading.Lock()
    def one():
        t = time.time()
        try:
            s = socket.create_connection((ip, 80), timeout=tmo)
        except ConnectionRefusedError:
            return t, "fail refused"
        except ConnectionResetError:
            return t, "fail reset"
        except socket.timeout:
            return t, "fail timeout-connect"
        except OSError as e:
            return t, "fail " + errno.errorcode.get(e.errno, "oserror")
        buf = b""
        try:
            s.sendall(b"GET / HTTP/1.0\r\n\r\n")
            while True:
                left = t + tmo - time.time()
                if left <= 0:
                    raise socket.timeout()
                s.settimeout(left)
                d = s.recv(4096)
                if not d:
                    break
                buf += d
        except ConnectionResetError:
            return t, "fail reset"
        except socket.timeout:
            return t, "fail timeout-read"
        except OSError as e:
            return t, "fail " + errno.errorcode.get(e.errno, "oserror")
        finally:
            s.close()
        head, _, body = buf.partition(b"\r\n\r\n")
        f = body.decode(errors="replace").split()
        if not head.startswith(b"HTTP/1.0 200") or len(f) < 4:
            return t, "fail " + ("empty" if not buf else "bad-response")
        return t, "ok %s %s" % (f[0], f[3])
    def loop(k):
        time.sleep(k * pause / loops)
        while True:
            t, res = one()
            with lock:
                sys.stdout.write("%.6f %s\n" % (t, res))
                sys.stdout.flush()
            time.sleep(pause)
    for k in range(loops):
        threading.Thread(target=loop, args=(k,), daemon=True).start()
    while True:
        time.sleep(3600)
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      volumes: [{name: app, configMap: {name: fbench-app}}]
      containers:
      - name: web
        image: host
        command: [python3, /app/server.py]
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
        env:
        - {name: POD, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
        - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
        volumeMounts: [{name: app, mountPath: /app}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
"""

CLIENT = """
apiVersion: v1
kind: Pod
metadata: {name: %(name)s, labels: {app: fbench-client}}
spec:
  nodeName: %(node)s
  terminationGracePeriodSeconds: 0
  volumes: [{name: app, configMap: {name: fbench-app}}]
  containers:
  - name: c
    image: host
    command: [python3, /app/client.py, "%(ip)s", "%(loops)d", "%(pause)s", "%(timeout)s"]
    volumeMounts: [{name: app, mountPath: /app}]
"""


def log(msg):
    if VERBOSE:
        print("# " + msg, file=sys.stderr, flush=True)


def pctl(vals, p):
    v = sorted(vals)
    if not v:
        return float("nan")
    return v[min(len(v) - 1, int(round(p / 100.0 * (len(v) - 1))))]


def pod_ready(p):
    if p.get("metadata", {}).get("deletionTimestamp"):
        return False
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (p.get("status") or {}).get("conditions") or [])


def is_web(p):
    return (p.get("metadata", {}).get("labels") or {}).get("app") == "web"


LIVE = []  # clusters not deleted yet: atexit deletes them if main could not


@atexit.register
def _delete_live():
    for cl in list(LIVE):
        cl.delete()


class Cluster:
    def __init__(self, name, extra, keep):
        self.name, self.keep = name, keep
        self.dir = tempfile.mkdtemp(prefix="skiff-fbench-")
        self.env = dict(os.environ, SKIFF_CLUSTER_DIR=self.dir)
        self.nodes = ["%s-node-1" % name, "%s-node-2" % name]
        self.watches = []
        LIVE.append(self)
        r = subprocess.run([CTL, "cluster", "create", "--name", name, "--nodes", "2"] + extra,
                           env=self.env, capture_output=True, text=True, timeout=180)
        if r.returncode:
            raise RuntimeError("cluster create %s failed:\n%s%s" % (name, r.stdout, r.stderr))
        self.cdir = os.path.join(self.dir, name)
        self.kc = os.path.join(self.cdir, "kubeconfig")
        self.env["KUBECONFIG"] = self.kc  # backends names services through the API
        with open(self.kc) as f:
            text = f.read()
        m = re.search(r"server:\s*https://([^:/\s]+):(\d+)", text)
        self.host, self.port = m.group(1), int(m.group(2))
        self.token = re.search(r"token:\s*(\S+)", text).group(1)
        ca = base64.b64decode(re.search(r"certificate-authority-data:\s*(\S+)", text).group(1))
        cafile = os.path.join(self.dir, "ca.crt")
        with open(cafile, "wb") as f:
            f.write(ca)
        self.ctx = ssl.create_default_context(cafile=cafile)

    def conn(self, timeout=60):
        return http.client.HTTPSConnection(self.host, self.port, context=self.ctx,
                                           timeout=timeout)

    def kubectl(self, *args, inp=None, check=True):
        r = subprocess.run(["kubectl", "--kubeconfig", self.kc] + list(args), input=inp,
                           capture_output=True, text=True, timeout=120)
        if check and r.returncode:
            raise RuntimeError("kubectl %s: %s" % (" ".join(args), r.stderr.strip()))
        return r

    def ctl(self, *args, check=True):
        r = subprocess.run([CTL] + list(args), env=self.env, capture_output=True, text=True,
                           timeout=120)
        if check and r.returncode:
            raise RuntimeError("skiffctl %s: %s" % (" ".join(args), r.stderr.strip()))
        return r

    def root(self, node):
        return os.path.join(self.cdir, "nodes", node, "root")

    def dataplane(self, node):
        """node's BPF view of default/web: {address: ready}; None if unreadable."""
        r = subprocess.run([CTL, "backends", "default/web", "--bpf-pin-dir",
                            os.path.join(self.cdir, "nodes", node, "bpf"), "-o", "json"],
                           env=self.env, capture_output=True, text=True, timeout=30)
        if r.returncode:
            return None
        try:
            svcs = json.loads(r.stdout).get("services") or []
        except ValueError:
            return None
        return {e["address"]: bool(e.get("ready")) for s in svcs
                if s.get("name") == "web" and s.get("port") == 80
                for e in s.get("endpoints") or []}

    def delete(self):
        if self not in LIVE:
            return
        LIVE.remove(self)
        for w in self.watches:
            w.stop()
        if self.keep:
            print("# kept cluster %s: SKIFF_CLUSTER_DIR=%s %s cluster delete %s"
                  % (self.name, self.dir, CTL, self.name), file=sys.stderr)
            return
        subprocess.run([CTL, "cluster", "delete", self.name], env=self.env,
                       capture_output=True, timeout=180)
        shutil.rmtree(self.dir, ignore_errors=True)


class Watch:
    """List+watch of one collection, kept in self.objs (name -> object).
    wait(pred) returns the arrival time (time.time()) of the event after
    which pred(objs) first held; the predicate runs in the watch thread
    after every event, so no transition is missed between two polls."""

    def __init__(self, cl, path):
        self.cl, self.path = cl, path
        self.objs = {}
        self.arrivals = {}  # name -> arrival times of its ADDED/MODIFIED events
        self.cv = threading.Condition()
        self.preds = []
        self.synced = threading.Event()
        self.stopped = False
        self.c = None
        cl.watches.append(self)
        threading.Thread(target=self.run, daemon=True).start()
        if not self.synced.wait(30):
            raise RuntimeError("watch %s: no list in 30 s" % path)

    def _check(self, now):
        for w in self.preds:
            if w[1] is None and w[0](self.objs):
                w[1] = now
        self.cv.notify_all()

    def run(self):
        hdr = {"Authorization": "Bearer " + self.cl.token, "Accept": "application/json"}
        sep = "&" if "?" in self.path else "?"
        while not self.stopped:
            try:
                self.c = c = self.cl.conn(timeout=None)
                c.request("GET", self.path, headers=hdr)
                r = c.getresponse()
                lst = json.loads(r.read())
                now = time.time()
                with self.cv:
                    self.objs = {o["metadata"]["name"]: o for o in lst.get("items") or []}
                    self._check(now)
                self.synced.set()
                c.request("GET", "%s%swatch=1&allowWatchBookmarks=true&resourceVersion=%s"
                          % (self.path, sep, lst["metadata"]["resourceVersion"]), headers=hdr)
                r = c.getresponse()
                while True:
                    line = r.readline()
                    if not line:
                        break
                    now = time.time()
                    ev = json.loads(line)
                    typ, o = ev.get("type"), ev.get("object") or {}
                    if typ == "ERROR":
                        break
                    if typ == "BOOKMARK":
                        continue
                    name = o.get("metadata", {}).get("name")
                    with self.cv:
                        if typ == "DELETED":
                            self.objs.pop(name, None)
                        else:
                            self.objs[name] = o
                            self.arrivals.setdefault(name, []).append(now)
                        self._check(now)
            except (OSError, ValueError, KeyError, http.client.HTTPException):
                pass
            if not self.stopped:
                time.sleep(0.1)

    def snapshot(self):
        with self.cv:
            return dict(self.objs)

    def wait(self, pred, timeout):
        w = [pred, None]
        end = time.time() + timeout
        with self.cv:
            if pred(self.objs):
                return time.time()
            self.preds.append(w)
            while w[1] is None and time.time() < end:
                self.cv.wait(min(1.0, end - time.time()))
            self.preds.remove(w)
        return w[1]

    def stop(self):
        self.stopped = True
        try:
            self.c.sock.shutdown(2)
        except (OSError, AttributeError):
            pass


class ClientLog:
    """A client pod's requests [(start, ok, what, boot)], read incrementally
    from its container log file (CRI format) on the host: works after the
    node died, and needs no kubectl per read."""

    def __init__(self, cl, node, uid):
        self.path = os.path.join(cl.root(node), "pods", uid, "logs", "c", "0.log")
        self.pos, self.part, self.reqs = 0, b"", []

    def _feed(self, data):
        data = self.part + data
        lines = data.split(b"\n")
        self.part = lines.pop()
        for ln in lines:
            f = ln.decode(errors="replace").split(" ", 3)  # time stream F|P text
            if len(f) < 4:
                continue
            w = f[3].split()
            if len(w) < 2:
                continue
            try:
                t = float(w[0])
            except ValueError:
                continue
            self.reqs.append((t, w[1] == "ok", w[2] if len(w) > 2 else "",
                              w[3] if len(w) > 3 else ""))

    def read(self):
        try:
            size = os.path.getsize(self.path)
        except OSError:
            return self.reqs
        if size < self.pos:  # rotated to 0.log.1: finish that one first
            try:
                with open(self.path + ".1", "rb") as f:
                    f.seek(self.pos)
                    self._feed(f.read())
            except OSError:
                pass
            self.pos = 0
        with open(self.path, "rb") as f:
            f.seek(self.pos)
            data = f.read()
        self.pos += len(data)
        self._feed(data)
        return self.reqs


class Setup:
    """A cluster with web (4 replicas, 2 a node), its Service, a client pod
    on each node and watches on pods and the Service's slices."""

    def __init__(self, name, extra, a):
        self.a = a
        self.cl = cl = Cluster(name, extra, a.keep)
        log("cluster %s created %s" % (name, " ".join(extra)))
        self.pods = Watch(cl, PODS)
        self.slices = Watch(cl, SLICES)
        cl.kubectl("apply", "-f", "-", inp=APP)
        if not self.pods.wait(lambda o: self.n_ready(o) == 4, 120):
            raise RuntimeError("web did not get 4 Ready pods:\n"
                               + cl.kubectl("get", "pods", "-o", "wide", check=False).stdout)
        self.ip = cl.kubectl("get", "svc", "web", "-o", "jsonpath={.spec.clusterIP}").stdout
        docs = "---".join(CLIENT % {"name": "client-%d" % (i + 1), "node": n, "ip": self.ip,
                                    "loops": a.loops, "pause": a.pause, "timeout": a.timeout}
                          for i, n in enumerate(cl.nodes))
        cl.kubectl("apply", "-f", "-", inp=docs)
        names = ["client-1", "client-2"]
        if not self.pods.wait(lambda o: all(n in o and (o[n].get("status") or {}).get("phase")
                                            == "Running" for n in names), 60):
            raise RuntimeError("the client pods did not start")
        objs = self.pods.snapshot()
        self.clients = [ClientLog(cl, objs[n]["spec"]["nodeName"], objs[n]["metadata"]["uid"])
                        for n in names]
        end = time.time() + 30
        while time.time() < end and not all(any(r[1] for r in c.read()) for c in self.clients):
            time.sleep(0.2)
        if not all(any(r[1] for r in c.reqs) for c in self.clients):
            raise RuntimeError("the clients got no answer in 30 s")
        self.settle()

    @staticmethod
    def n_ready(objs, exclude=()):
        return sum(1 for p in objs.values()
                   if is_web(p) and pod_ready(p) and p["metadata"]["name"] not in exclude)

    def web(self):
        return [p for p in self.pods.snapshot().values() if is_web(p)]

    def settle(self, timeout=30):
        """Until both nodes' dataplanes hold exactly the Ready web pods' IPs
        as ready backends (so a kill finds every node up to date)."""
        end = time.time() + timeout
        while time.time() < end:
            want = {p["status"].get("podIP") for p in self.web() if pod_ready(p)}
            views = [self.cl.dataplane(n) for n in self.cl.nodes]
            if len(want) == 4 and all(v is not None and {ip for ip, r in v.items() if r} == want
                                      for v in views):
                return True
            time.sleep(0.05)
        log("dataplanes did not settle in %d s" % timeout)
        return False

    def delete(self):
        self.cl.delete()


def kills(a):
    """Scenario 1: windows (s) after which no new connection hit a killed
    container, and the details."""
    s = Setup("fbench", [], a)
    cl = s.cl
    windows, unready_api, unready_slice = [], [], []
    refused, late_ok, near_ok, other_fail, total = 0, 0, 0, 0, 0
    kinds = {}
    try:
        for k in range(a.kills):
            node = cl.nodes[k % 2]
            cands = sorted((p for p in s.web() if pod_ready(p)),
                           key=lambda p: (p["spec"].get("nodeName") != node,
                                          p["metadata"]["name"]))
            victim = cands[0]
            vname, uid = victim["metadata"]["name"], victim["metadata"]["uid"]
            vnode = victim["spec"]["nodeName"]
            procs = "/sys/fs/cgroup/memory/sk-%s/%s/pods/pod%s/%s_web/cgroup.procs" % (
                cl.name, vnode, uid, uid)
            with open(procs) as f:
                pids = [int(x) for x in f.read().split()]
            if not pids:
                raise RuntimeError("no process in " + procs)
            boots = sorted((r[0], r[3]) for c in s.clients for r in c.read()
                           if r[1] and r[2] == vname)
            old_boot = boots[-1][1] if boots else "?"
            t0 = time.time()
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            t_nr = s.pods.wait(lambda o: vname in o and not pod_ready(o[vname]), 10)

            def slice_unready(o):
                return not any(e.get("targetRef", {}).get("name") == vname
                               and (e.get("conditions") or {}).get("ready")
                               for sl in o.values() for e in sl.get("endpoints") or [])
            t_sl = s.slices.wait(slice_unready, 10)

            def back(o):
                p = o.get(vname)
                cs = ((p or {}).get("status") or {}).get("containerStatuses") or [{}]
                return p is not None and cs[0].get("restartCount", 0) >= 1 and pod_ready(p)
            t_back = s.pods.wait(back, 30)
            # every request started before the end of the window has ended
            # (ok or its timeout) once a timeout has passed after it
            t_end = (t_back or time.time())
            time.sleep(max(0.0, t_end + a.timeout + 0.3 - time.time()))
            w, nref, nlate, nnear, nother, n = 0.0, 0, 0, 0, 0, 0
            for c in s.clients:
                for t, ok, what, boot in c.read():
                    if t < t0:
                        continue
                    if t < t_end:
                        n += 1
                    if ok:
                        if what == vname and t < t_end:
                            # the bench's watch (python, sharing 2 CPUs) may see
                            # Ready a little after the nodes' dataplanes do
                            if t < t_end - NEAR:
                                nlate += 1
                            else:
                                nnear += 1
                            log("kill %d: %s answered a request started %.3f s after the kill, "
                                "%.3f s before the API showed it Ready again (%s container, "
                                "client %s)" % (k + 1, vname, t - t0, t_end - t,
                                                "killed" if boot == old_boot else "restarted",
                                                c.path.split("/pods/")[1][:8]))
                    elif what in ("refused", "reset"):
                        nref += t < t_end
                        w = max(w, t - t0)
                    elif t < t_end:
                        nother += 1
                        kinds[what] = kinds.get(what, 0) + 1
            windows.append(w)
            if t_nr:
                unready_api.append(t_nr - t0)
            if t_sl:
                unready_slice.append(t_sl - t0)
            refused += nref
            late_ok += nlate
            near_ok += nnear
            other_fail += nother
            total += n
            log("kill %d: %s on %s: window %.0f ms, %d refused/reset, %d answered by it before "
                "Ready again, %d other failures, API not Ready %s, slice %s, Ready again %s"
                % (k + 1, vname, vnode, w * 1e3, nref, nlate, nother,
                   "%.0f ms" % ((t_nr - t0) * 1e3) if t_nr else "never",
                   "%.0f ms" % ((t_sl - t0) * 1e3) if t_sl else "never",
                   "%.2f s" % (t_back - t0) if t_back else "never"))
            cl.kubectl("delete", "pod", vname, "--wait=false")
            if not s.pods.wait(lambda o: vname not in o and s.n_ready(o) == 4, 60):
                raise RuntimeError("web did not get back to 4 Ready pods after kill %d" % (k + 1))
            s.settle()
    finally:
        s.delete()
    return windows, unready_api, unready_slice, refused, late_ok, near_ok, other_fail, kinds, total


def node_stop(a, name, extra, grace):
    """Scenarios 2 and 3: stop node 1; times from the stop (s) and the
    node-2 client's requests."""
    s = Setup(name, extra, a)
    cl = s.cl
    n1, n2 = cl.nodes
    res = {}
    try:
        # the node-lifecycle controller counts the grace period from when it
        # last heard from the node: its Lease renewals (every grace / 4)
        leases = Watch(cl, LEASES)
        on1 = [p for p in s.web() if p["spec"].get("nodeName") == n1]
        res["spread"] = "%d+%d" % (len(on1), 4 - len(on1))
        ips1 = {p["status"].get("podIP") for p in on1}
        time.sleep(3)  # traffic before the stop: the baseline
        # stop only once a renewal of node 1's Lease has been seen on the
        # watch (upstream's renewals are 10 s apart: 3 s may hold none)
        seen = time.time() + grace / 4.0 + 5
        while not leases.arrivals.get(n1) and time.time() < seen:
            time.sleep(0.05)
        dp = {"t": None}
        done = threading.Event()

        def poll():
            while not done.is_set():
                t = time.time()
                v = cl.dataplane(n2)
                if v is not None and not any(v.get(ip) for ip in ips1):
                    dp["t"] = t
                    return
                time.sleep(0.02)
        th = threading.Thread(target=poll, daemon=True)
        th.start()
        t0 = time.time()
        cl.ctl("cluster", "node", "stop", cl.name, n1)
        t_stopped = time.time()
        log("%s: node %s stopped (%d web pods on it)" % (name, n1, len(on1)))

        def unready(o):
            return not any(e.get("nodeName") == n1 and (e.get("conditions") or {}).get("ready")
                           for sl in o.values() for e in sl.get("endpoints") or [])
        t_un = s.slices.wait(unready, grace + 60)
        log("%s: endpoints unready after %s" % (name, "%.2f s" % (t_un - t0) if t_un else "-"))

        def elsewhere(o):
            web = [p for p in o.values() if is_web(p)]
            return (sum(1 for p in web if pod_ready(p) and p["spec"].get("nodeName") != n1) == 4
                    and not any(pod_ready(p) for p in web if p["spec"].get("nodeName") == n1))
        t_else = s.pods.wait(elsewhere, grace + 400)
        log("%s: 4 pods Ready elsewhere after %s"
            % (name, "%.2f s" % (t_else - t0) if t_else else "-"))
        th.join(5)
        done.set()
        t_last = t_else or time.time()
        time.sleep(max(0.0, t_last + a.timeout + 0.3 - time.time()))
        reqs = s.clients[1].read()
        t_dp = dp["t"]
        t_upd = t_dp or t_un or t_last

        def count(lo, hi):
            sel = [r for r in reqs if lo <= r[0] < hi]
            return sum(1 for r in sel if not r[1]), len(sel)
        heard = [t for t in leases.arrivals.get(n1, []) if t < t_stopped]
        t_hb = heard[-1] if heard else None
        res.update(t0=t0, unready=t_un and t_un - t0, heard=t_hb and t0 - t_hb,
                   unready_hb=t_un and t_hb and t_un - t_hb, dataplane=t_dp and t_dp - t0,
                   elsewhere=t_else and t_else - t0, before=count(0, t0),
                   until_update=count(t0, t_upd), overall=count(t0, t_last))
        if VERBOSE:
            kinds = {}
            for r in reqs:
                if t0 <= r[0] < t_last and not r[1]:
                    kinds[r[2]] = kinds.get(r[2], 0) + 1
            log("%s: failures by kind %s" % (name, kinds))
    finally:
        s.delete()
    return res


def sec(v):
    return "%.2f s" % v if v is not None else "never"


def main():
    global VERBOSE
    ap = argparse.ArgumentParser(description="failover benchmark (see the docstring)")
    ap.add_argument("--kills", type=int, default=20)
    ap.add_argument("--quick", action="store_true",
                    help="skip the node stop with upstream's default timeouts (~6 min)")
    ap.add_argument("--keep", action="store_true", help="do not delete the clusters")
    ap.add_argument("--loops", type=int, default=8, help="request loops per client")
    ap.add_argument("--timeout", type=float, default=1.0, help="client timeout per request")
    ap.add_argument("--pause", type=float, default=0.05, help="pause between requests")
    ap.add_argument("--only", choices=("kills", "stop"),
                    help="only the container kills, or only the node stops")
    ap.add_argument("-v", "--verbose", action="store_true", help="progress on stderr")
    a = ap.parse_args()
    VERBOSE = a.verbose
    # SIGTERM (and SIGHUP) unwind like Ctrl-C: the finally blocks delete the clusters
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda n, _f: sys.exit(128 + n))
    start = time.time()
    print("failover_bench: %s, 2-node clusters, clients with %d loops, %.1f s timeout, %.0f ms "
          "pause, %d CPUs, load %.2f" % (CTL, a.loops, a.timeout, a.pause * 1e3, os.cpu_count(),
                                         os.getloadavg()[0]), flush=True)

    if a.kills > 0 and a.only != "stop":
        w, nr, nsl, refused, late, near, other, kinds, total = kills(a)
        p99 = pctl(w, 99) * 1e3
        print("failover_bench: container killed -> no new connection reaches it (clients on "
              "both nodes): p50 %.0f ms, p99 %.0f ms (%d kills; target p99 < 200 ms: %s)"
              % (pctl(w, 50) * 1e3, p99, len(w), "met" if p99 < 200 else "NOT met"), flush=True)
        print("failover_bench: container killed -> pod not Ready in the API: p50 %.0f ms, "
              "p99 %.0f ms; -> its endpoint not ready in the EndpointSlice: p50 %.0f ms, p99 "
              "%.0f ms (as seen by the bench's watches)"
              % (pctl(nr, 50) * 1e3, pctl(nr, 99) * 1e3, pctl(nsl, 50) * 1e3,
                 pctl(nsl, 99) * 1e3), flush=True)
        print("failover_bench: container killed: %d of %d requests from a kill until the victim "
              "was Ready again refused/reset, %d other failures%s; %d answered by the victim "
              "more than %.0f ms before the API showed it Ready again (expected 0; %d within "
              "that)" % (refused, total, other,
                         " (%s)" % ", ".join("%s %d" % kv for kv in sorted(kinds.items()))
                         if kinds else "", late, NEAR * 1e3, near), flush=True)

    runs = [("least-connections", "short", "fbench-lc", [], 10),
            ("random", "short", "fbench-rnd", ["--lb-algorithm", "random"], 10)]
    if not a.quick:
        runs.append(("least-connections", "upstream", "fbench-up", UPSTREAM, 40))
    if a.only == "kills":
        runs = []
    results = {}
    for algo, timeouts, name, extra, grace in runs:
        r = node_stop(a, name, extra, grace)
        results[(algo, timeouts)] = r
        what = ("grace 10 s, tolerations 10 s" if timeouts == "short"
                else "upstream: grace 40 s, tolerations 300 s")
        un, dp, hb = r["unready"], r["dataplane"], r["unready_hb"]
        met = hb is not None and abs(hb - grace) <= 1
        print("failover_bench: node stop (%s, %s, pods %s) -> its endpoints unready: %s after "
              "the stop in the API, %s in node 2's dataplane; %s after its last lease renewal, "
              "%s before the stop (expected %d s +- 1 s after it: %s)"
              % (what, algo, r["spread"], sec(un), sec(dp), sec(hb), sec(r["heard"]), grace,
                 "met" if met else "NOT met"), flush=True)
        tol = 10 if timeouts == "short" else 300
        el = r["elsewhere"]
        print("failover_bench: node stop (%s, %s) -> 4 web pods Ready elsewhere: %s after the "
              "stop, %s after the endpoints went unready (expected the %d s toleration plus "
              "the new pods' start)" % (what, algo, sec(el), sec(el and un and el - un), tol),
              flush=True)
        if timeouts == "upstream":
            f, n = r["until_update"]
            fo, no = r["overall"]
            print("failover_bench: node stop (%s, %s): node-2 client failed %d/%d requests "
                  "until its dataplane dropped node 1's pods, %d/%d overall"
                  % (what, algo, f, n, fo, no), flush=True)

    if not results:
        return 0
    lc, rnd = results[("least-connections", "short")], results[("random", "short")]
    for key, label in (("until_update", "from stop until node 2's dataplane dropped node 1's "
                        "pods"), ("overall", "overall, stop -> pods Ready elsewhere")):
        (f1, n1), (f2, n2) = lc[key], rnd[key]
        ratio = f2 / f1 if f1 else float("inf") if f2 else float("nan")
        fr = ((f2 / n2) / (f1 / n1)) if f1 and n1 and n2 else float("nan")
        extra = ""
        if key == "until_update":
            extra = "; expected least-connections far fewer (>= 2x): %s" % (
                "met" if f2 >= 2 * f1 and f2 else "NOT met")
        print("failover_bench: node stop, node-2 client failed requests %s: least-connections "
              "%d/%d, random %d/%d (random/least-connections: %.1fx failures, %.1fx failure "
              "rate%s)" % (label, f1, n1, f2, n2, ratio, fr, extra), flush=True)
    b1, b2 = lc["before"], rnd["before"]
    print("failover_bench: (before the stop: least-connections %d/%d failed, random %d/%d; "
          "whole run %.0f s)" % (b1[0], b1[1], b2[0], b2[1], time.time() - start), flush=True)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:  # the clusters are gone already (finally blocks)
        print("failover_bench: interrupted", file=sys.stderr)
        sys.exit(130)
