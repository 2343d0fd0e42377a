#!/usr/bin/python3
"""The seed's scenario end to end (issue 11), in a 2-node cluster made by
`skiffctl cluster create` (its short node-lifecycle settings: grace period
10 s, default tolerations 10 s), with every controller running: a
Deployment `web` (3 replicas of a small HTTP server that answers with its
pod's name), a Service `web`, and a client pod on node 2 that calls
http://web by its DNS name ten times a second and logs each answer. Then:

  - scale 3 -> 6 -> 1 -> 3: pods, the EndpointSlice and both nodes'
    dataplanes (`skiffctl backends`) follow;
  - kill one replica's process on node 1: failures only in a short window
    after the kill (none later than 1 s), the container restarts;
  - delete a pod: it is replaced;
  - stop node 1 entirely (`skiffctl cluster node stop`: its skiff-node and
    its pods killed): the node goes NotReady within the grace period, its
    pods leave the endpoints, and from the moment they have the client
    succeeds every time; the pods are recreated on node 2.

Every pod uses the `host` image (the host's root, read-only). Needs root,
kubectl and runc. Prints TAP."""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("SKIFF_BIN") or os.path.join(HERE, "..", "..", "build")
CTL = os.path.join(BIN, "skiffctl")
KUBECTL = os.environ.get("KUBECTL") or shutil.which("kubectl")

N = 0
FAILS = 0


def ok(cond, desc, diag=""):
    global N, FAILS
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, desc), flush=True)
    if not cond:
        FAILS += 1
        for line in str(diag).splitlines()[:25]:
            print("# " + line)
    return cond


def wait(fn, secs, step=0.2):
    end = time.time() + secs
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except (subprocess.CalledProcessError, ValueError, KeyError, IndexError):
            pass
        time.sleep(step)
    return None


SERVER = r'''
import http.server, os
name = os.environ["POD_NAME"].encode()
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", str(len(name)))
        self.end_headers()
        self.wfile.write(name)
    def log_message(self, *a):
        pass
http.server.ThreadingHTTPServer(("0.0.0.0", 8080), H).serve_forever()
'''

CLIENT = r'''
import time, urllib.request
out = open("/w/client.log", "a", buffering=1)
while True:
    t = time.time()
    try:
        # 3 s: a request to a dead pod still times out, one slowed by a busy
        # 2-core machine (containers starting beside it) does not
        body = urllib.request.urlopen("http://web/", timeout=3).read().decode()
        out.write("%.3f ok %s\n" % (t, body))
    except Exception as e:
        why = str(getattr(e, "reason", "") or e).replace(" ", "_")[:80]
        out.write("%.3f fail %s:%s\n" % (t, type(e).__name__, why))
    time.sleep(0.1)
'''


class Cluster:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="skiff-seed-test.")
        os.chmod(self.tmp, 0o755)
        self.name = "s%d" % os.getpid()
        self.env = dict(os.environ, SKIFF_CLUSTER_DIR=os.path.join(self.tmp, "clusters"),
                        HOME=self.tmp)
        self.dir = os.path.join(self.tmp, "clusters", self.name)
        self.kc = os.path.join(self.dir, "kubeconfig")
        self.n1 = self.name + "-node-1"
        self.n2 = self.name + "-node-2"
        self.w = os.path.join(self.tmp, "w")
        os.makedirs(self.w)
        os.chmod(self.w, 0o777)

    def create(self):
        return subprocess.run([CTL, "cluster", "create", "--name", self.name, "--nodes", "2",
                               "--wait", "120"], env=self.env, capture_output=True, text=True,
                              timeout=300)

    def delete(self):
        subprocess.run([CTL, "cluster", "delete", self.name], env=self.env,
                       capture_output=True, timeout=180)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def k(self, *args, inp=None, check=True):
        r = subprocess.run([KUBECTL, "--kubeconfig", self.kc] + list(args), input=inp,
                           capture_output=True, text=True, env=self.env, timeout=60)
        if check and r.returncode:
            raise subprocess.CalledProcessError(r.returncode, args, r.stdout, r.stderr)
        return r

    def kj(self, *args):
        return json.loads(self.k(*(list(args) + ["-o", "json"])).stdout)

    def ctl(self, *args):
        return subprocess.run([CTL, "--kubeconfig", self.kc] + list(args), env=self.env,
                              capture_output=True, text=True, timeout=60)

    def node_pins(self, node):
        return os.path.join(self.dir, "nodes", node, "bpf")

    # the web pods: name -> (node, ready, restarts, uid)
    def web(self):
        out = {}
        for p in self.kj("get", "pods", "-l", "app=web")["items"]:
            if p["metadata"].get("deletionTimestamp"):
                continue
            cs = (p.get("status", {}).get("containerStatuses") or [{}])[0]
            out[p["metadata"]["name"]] = (p["spec"].get("nodeName"), cs.get("ready") is True,
                                          cs.get("restartCount", 0), p["metadata"]["uid"],
                                          p.get("status", {}).get("podIP"))
        return out

    def ready_web(self):
        return {n: v for n, v in self.web().items() if v[1]}

    # ready endpoint addresses of Service web, from its EndpointSlices
    def endpoints(self):
        addrs = set()
        for s in self.kj("get", "endpointslices", "-l", "kubernetes.io/service-name=web")["items"]:
            for e in s.get("endpoints") or []:
                if (e.get("conditions") or {}).get("ready"):
                    addrs.update(e.get("addresses") or [])
        return addrs

    def backends(self, node):
        """The ready backend addresses node's dataplane has for default/web."""
        r = self.ctl("backends", "default/web", "-o", "json", "--bpf-pin-dir",
                     self.node_pins(node))
        if r.returncode:
            raise ValueError(r.stderr)
        found = set()

        def walk(v):
            if isinstance(v, dict):
                if "selected" in v and "ready" in v and v.get("ready"):
                    found.add(v.get("address"))
                for x in v.values():
                    walk(x)
            elif isinstance(v, list):
                for x in v:
                    walk(x)
        walk(json.loads(r.stdout))
        return found

    def client_log(self):
        try:
            with open(os.path.join(self.w, "client.log")) as f:
                lines = f.read().splitlines()
        except OSError:
            return []
        out = []
        for ln in lines:
            parts = ln.split(" ", 2)
            if len(parts) == 3:
                try:
                    out.append((float(parts[0]), parts[1] == "ok", parts[2]))
                except ValueError:
                    pass
        return out


def pid_of(uid):
    """The web server's pid: a python3 process in this pod's cgroup."""
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
        if uid.replace("-", "_") in cg or uid in cg:
            if cmd.startswith(b"python3"):
                return int(pid)
    return None


def manifests(cl):
    return [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                  "strategy": {"rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
                  "template": {
                      "metadata": {"labels": {"app": "web"}},
                      "spec": {
                          "terminationGracePeriodSeconds": 2,
                          "containers": [{
                              "name": "web", "image": "host",
                              "command": ["python3", "-c", SERVER],
                              "env": [{"name": "POD_NAME", "valueFrom": {
                                  "fieldRef": {"fieldPath": "metadata.name"}}}],
                              "ports": [{"name": "http", "containerPort": 8080}],
                              "readinessProbe": {"httpGet": {"path": "/", "port": "http"},
                                                 "periodSeconds": 1}}]}}}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
         "spec": {"selector": {"app": "web"},
                  "ports": [{"port": 80, "targetPort": "http"}]}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
         "spec": {"nodeName": cl.n2, "terminationGracePeriodSeconds": 0,
                  "volumes": [{"name": "w", "hostPath": {"path": cl.w}}],
                  "containers": [{"name": "c", "image": "host",
                                  "command": ["python3", "-c", CLIENT],
                                  "volumeMounts": [{"name": "w", "mountPath": "/w"}]}]}},
    ]


def main():
    if os.getuid() != 0 or not KUBECTL or not shutil.which("runc"):
        print("1..0 # SKIP needs root, kubectl and runc")
        return 0
    for b in ("skiffctl", "skiff-server", "skiff-node", "skiff-shim"):
        if not os.access(os.path.join(BIN, b), os.X_OK):
            print("1..0 # SKIP %s not built" % b)
            return 0
    print("1..21", flush=True)
    cl = Cluster()
    try:
        r = cl.create()
        if not ok(r.returncode == 0, "cluster create (2 nodes)", r.stdout + r.stderr):
            return 1
        ok("not heard from for 10s is unreachable; its pods go after 10s" in r.stderr,
           "cluster create prints its short node-lifecycle settings", r.stderr)
        for m in manifests(cl):
            cl.k("apply", "-f", "-", inp=json.dumps(m))

        # 1. three replicas, spread over both nodes, Ready, in the endpoints
        pods = wait(lambda: len(cl.ready_web()) == 3 and cl.ready_web(), 120)
        ok(pods, "Deployment web: 3 replicas Ready", cl.k("get", "pods", "-o", "wide").stdout)
        pods = pods or {}
        ok({v[0] for v in pods.values()} == {cl.n1, cl.n2},
           "the scheduler spread the replicas over both nodes",
           cl.k("get", "pods", "-o", "wide").stdout)
        ips = {v[4] for v in pods.values()}
        ok(wait(lambda: cl.endpoints() == ips, 30),
           "the EndpointSlice of web holds the 3 pods' IPs",
           cl.k("get", "endpointslices", "-o", "yaml").stdout)
        ok(wait(lambda: cl.backends(cl.n1) == ips and cl.backends(cl.n2) == ips, 30),
           "both nodes' dataplanes have the 3 backends",
           cl.ctl("backends", "default/web", "--bpf-pin-dir", cl.node_pins(cl.n2)).stdout)
        ok(wait(lambda: sum(1 for e in cl.client_log() if e[1]) >= 10, 60),
           "the client pod reaches http://web by its DNS name",
           "\n".join(str(e) for e in cl.client_log()[-10:]))

        # 2. scale 3 -> 6 -> 1 -> 3
        for n in (6, 1, 3):
            cl.k("scale", "deployment", "web", "--replicas=%d" % n)
            got = wait(lambda: len(cl.ready_web()) == n and len(cl.web()) == n and
                       cl.endpoints() == {v[4] for v in cl.ready_web().values()} and
                       cl.backends(cl.n2) == cl.endpoints() and
                       cl.backends(cl.n1) == cl.endpoints(), 90)
            ok(got, "scale to %d: pods, endpoints and both dataplanes follow" % n,
               cl.k("get", "pods", "-o", "wide").stdout + str(cl.endpoints()))
        ok(wait(lambda: {v[0] for v in cl.ready_web().values()} == {cl.n1, cl.n2}, 30),
           "after scaling back to 3, replicas run on both nodes",
           cl.k("get", "pods", "-o", "wide").stdout)

        # 3. kill one replica's process on node 1
        on1 = [(n, v) for n, v in cl.ready_web().items() if v[0] == cl.n1]
        if not ok(on1, "a replica runs on node 1", cl.k("get", "pods", "-o", "wide").stdout):
            return 1
        victim, (node, _, restarts0, uid, _) = on1[0]
        pid = pid_of(uid)
        if not ok(pid, "the victim's server process is found", uid):
            return 1
        time.sleep(2)
        t_kill = time.time()
        os.kill(pid, signal.SIGKILL)
        restarted = wait(lambda: cl.web().get(victim, (0, False, 0))[2] > restarts0 and
                         cl.web()[victim][1], 60)
        ok(restarted, "the killed container restarts (restartCount up, Ready again)",
           cl.k("get", "pod", victim, "-o", "yaml").stdout)
        time.sleep(2)
        after = [e for e in cl.client_log() if e[0] > t_kill]
        late = [e for e in after if not e[1] and e[0] > t_kill + 1.0]
        ok(after and not late, "after the kill, no failure later than 1 s (%d failures, %d "
           "requests)" % (sum(1 for e in after if not e[1]), len(after)),
           "\n".join("%.3f %s %s" % e for e in late[:10]))

        # 4. delete a pod: replaced
        cl.k("delete", "pod", victim, "--wait=false")
        ok(wait(lambda: len(cl.ready_web()) == 3 and victim not in cl.web(), 90),
           "a deleted pod is replaced by a new one", cl.k("get", "pods", "-o", "wide").stdout)

        # 5. node 1 stops entirely
        on1 = {v[4] for v in cl.ready_web().values() if v[0] == cl.n1}
        if not on1:
            # make sure the power loss hits a replica: move one to node 1
            on1 = set()
        t_stop = time.time()
        r = cl.ctl("cluster", "node", "stop", cl.name, cl.n1)
        ok(r.returncode == 0, "skiffctl cluster node stop %s" % cl.n1, r.stdout + r.stderr)
        nr = wait(lambda: [c for c in cl.kj("get", "node", cl.n1)["status"]["conditions"]
                           if c["type"] == "Ready" and c["status"] != "True"], 40)
        ok(nr and time.time() - t_stop < 30,
           "node 1 is NotReady within the grace period (%.1f s)" % (time.time() - t_stop),
           cl.k("get", "nodes").stdout)
        gone = wait(lambda: not (cl.endpoints() & on1) and time.time(), 40)
        ok(gone, "node 1's pods leave the endpoints", str(cl.endpoints()))
        t_gone = gone or time.time()
        ok(wait(lambda: len(cl.ready_web()) == 3 and
                all(v[0] == cl.n2 for v in cl.ready_web().values()), 90),
           "the replicas are recreated on node 2 (3 Ready there)",
           cl.k("get", "pods", "-o", "wide").stdout)
        time.sleep(3)
        # the slice is seen by the test and by node 2's proxy about together
        after = [e for e in cl.client_log() if e[0] > t_gone + 0.5]
        fails = [e for e in after if not e[1]]
        ok(after and not fails, "from the endpoint update on, every request succeeds (%d "
           "requests, %d failed)" % (len(after), len(fails)),
           "endpoints updated at %.3f (node stopped at %.3f)\n" % (t_gone, t_stop) +
           "\n".join("%.3f %s %s" % e for e in fails[:10]))
        return 0
    finally:
        if FAILS:
            for n in (cl.n1, cl.n2):
                src = os.path.join(cl.dir, "nodes", n, "skiff-node.log")
                dst = os.path.join(os.environ.get("SKIFF_TEST_LOGS", "/tmp"),
                                   "test_seed.node-%s.log" % n[-1])
                shutil.copy(src, dst) if os.path.exists(src) else None
            src = os.path.join(cl.dir, "server.log")
            if os.path.exists(src):
                shutil.copy(src, os.path.join(os.environ.get("SKIFF_TEST_LOGS", "/tmp"),
                                              "test_seed.server.log"))
        cl.delete()


if __name__ == "__main__":
    rc = main()
    sys.exit(1 if FAILS or rc else 0)
