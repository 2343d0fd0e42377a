#!/usr/bin/python3
"""Node lifecycle, taint eviction and DefaultTolerationSeconds (API only).

A Node with Ready=True and a Lease the test renews, pods bound to it and
marked Ready through /status as a kubelet would. Stop renewing: within the
grace period (+2 s) the node is Ready=Unknown ("Kubelet stopped posting node
status."), tainted node.kubernetes.io/unreachable:NoExecute with timeAdded,
its pods Ready=False; after their toleration (the flag's 4 s) pods with the
default tolerations are deleted with a TaintManagerEviction Event, a pod
tolerating unreachable without tolerationSeconds stays. Renew and post
Ready=True: the taint goes. The eviction rate spaces the taints of two
nodes; --controllers=-nodelifecycle leaves a silent node alone; new pods get
the two default tolerations (300 s without the flags), a pod that has its
own keeps them. Prints TAP."""
import datetime
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
GRACE = 3
TOL = 4
PODS = "/api/v1/namespaces/default/pods"
UNREACH = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"


def now(micro=False):
    d = datetime.datetime.now(datetime.timezone.utc)
    return d.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


def rfc3339(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def put_retry(srv, path, change):
    """GET, change(obj), PUT; again on a conflict."""
    for _ in range(20):
        obj = srv.req("GET", path).json
        change(obj)
        r = srv.req("PUT", path, obj)
        if r.status != 409:
            return r
    return r


def node_ready(srv, name, status="True"):
    def change(n):
        n.setdefault("status", {})["conditions"] = [
            {"type": "Ready", "status": status, "reason": "KubeletReady",
             "message": "kubelet is posting ready status", "lastHeartbeatTime": now(),
             "lastTransitionTime": now()},
            {"type": "MemoryPressure", "status": "False", "reason": "KubeletHasSufficientMemory",
             "message": "ok", "lastHeartbeatTime": now(), "lastTransitionTime": now()}]
    return put_retry(srv, "/api/v1/nodes/%s/status" % name, change)


def make_node(srv, name):
    r = srv.req("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                          "metadata": {"name": name}})
    t.eq(r.status, 201, "node %s created" % name)
    t.eq(node_ready(srv, name).status, 200, "node %s posts Ready=True" % name)


class Renewer:
    """Renews kube-node-lease/<node> every 0.5 s while on."""

    def __init__(self, srv, node):
        self.srv, self.node, self.on, self.last = srv, node, True, time.time()
        path = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
        r = srv.req("POST", path, {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                   "metadata": {"name": node},
                                   "spec": {"holderIdentity": node, "leaseDurationSeconds": 40,
                                            "renewTime": now(True)}})
        t.eq(r.status, 201, "lease of %s created" % node)
        self.path = path + "/" + node
        self.stop_ev = threading.Event()
        self.th = threading.Thread(target=self.run, daemon=True)
        self.th.start()

    def run(self):
        while not self.stop_ev.wait(0.5):
            if self.on:
                r = self.srv.req("PATCH", self.path, {"spec": {"renewTime": now(True)}},
                                 headers={"Content-Type": "application/merge-patch+json"})
                if r.status == 200:
                    self.last = time.time()

    def close(self):
        self.stop_ev.set()
        self.th.join()


def make_pod(srv, name, node, tolerations=None):
    spec = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    if tolerations is not None:
        spec["tolerations"] = tolerations
    r = srv.req("POST", PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
                               "spec": spec})
    t.eq(r.status, 201, "pod %s created" % name)

    def running(p):
        p["status"] = {"phase": "Running", "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": now()},
            {"type": "ContainersReady", "status": "True", "lastTransitionTime": now()}]}
    t.eq(put_retry(srv, PODS + "/%s/status" % name, running).status, 200,
         "pod %s marked Ready" % name)
    return r.json


def wait_for(fn, secs, step=0.1):
    deadline = time.time() + secs
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(step)
    return fn()


def cond(obj, typ):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == typ:
            return c
    return {}


def taint(node, key):
    for tt in (node.get("spec") or {}).get("taints") or []:
        if tt.get("key") == key and tt.get("effect") == "NoExecute":
            return tt
    return None


def defaults(secs):
    return [{"key": NOT_READY, "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": secs},
            {"key": UNREACH, "operator": "Exists", "effect": "NoExecute",
             "tolerationSeconds": secs}]


def test_tolerations(srv):
    p = make_pod(srv, "tol-default", "")
    t.eq(p["spec"].get("tolerations"), defaults(TOL),
         "a new pod gets the not-ready and unreachable tolerations with the flag's seconds")
    own = [{"key": UNREACH, "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 1000},
           {"key": NOT_READY, "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 2000}]
    p = make_pod(srv, "tol-own", "", own)
    t.eq(p["spec"].get("tolerations"), own, "a pod tolerating both keeps its own, unchanged")
    p = make_pod(srv, "tol-all", "", [{"operator": "Exists"}])
    t.eq(p["spec"].get("tolerations"), [{"operator": "Exists"}],
         "a pod tolerating every taint gets nothing added")
    srv.req("DELETE", PODS + "/tol-default")
    r = srv.req("POST", PODS + "?dryRun=All", {"metadata": {"name": "dry"}, "spec": {
        "containers": [{"name": "c", "image": "busybox"}]}})
    t.eq((r.json or {}).get("spec", {}).get("tolerations"), defaults(TOL),
         "a dry-run create shows the added tolerations")
    for n in ("tol-own", "tol-all"):
        srv.req("DELETE", PODS + "/" + n)


def test_lifecycle(srv):
    make_node(srv, "n1")
    lease = Renewer(srv, "n1")
    make_pod(srv, "web-1", "n1")
    keep_tol = [{"key": UNREACH, "operator": "Exists", "effect": "NoExecute"}]
    kp = make_pod(srv, "keeper", "n1", keep_tol)
    t.eq(kp["spec"]["tolerations"], keep_tol + defaults(TOL)[:1],
         "a pod tolerating unreachable only gets the not-ready default added")
    time.sleep(GRACE + 1)
    n = srv.req("GET", "/api/v1/nodes/n1").json
    t.eq(cond(n, "Ready").get("status"), "True",
         "a node whose lease is renewed stays Ready past the grace period")
    t.eq(taint(n, UNREACH), None, "and is not tainted")

    lease.on = False
    stopped = lease.last
    n = wait_for(lambda: (lambda n: n if cond(n, "Ready").get("status") == "Unknown" else None)(
        srv.req("GET", "/api/v1/nodes/n1").json), GRACE + 4)
    took = time.time() - stopped
    t.ok(n and GRACE - 0.6 <= took <= GRACE + 2.5,
         "the silent node is Ready=Unknown within grace+2 s (%.1f s)" % took, n)
    n = n or srv.req("GET", "/api/v1/nodes/n1").json
    rc = cond(n, "Ready")
    t.eq((rc.get("reason"), rc.get("message")),
         ("NodeStatusUnknown", "Kubelet stopped posting node status."),
         "with upstream's reason and message")
    t.eq(cond(n, "MemoryPressure").get("status"), "Unknown", "MemoryPressure is Unknown too")
    t.eq(cond(n, "DiskPressure").get("reason"), "NodeStatusNeverUpdated",
         "a condition never posted is added as never updated")
    tt = wait_for(lambda: taint(srv.req("GET", "/api/v1/nodes/n1").json, UNREACH), 2)
    t.ok(tt and tt.get("timeAdded"), "the node is tainted %s:NoExecute with timeAdded" % UNREACH,
         tt)
    added = rfc3339(tt["timeAdded"]) if tt and tt.get("timeAdded") else time.time()

    def not_ready(name):
        p = srv.req("GET", PODS + "/" + name).json
        return (cond(p, "Ready").get("status"), cond(p, "ContainersReady").get("status"))
    t.eq(wait_for(lambda: not_ready("web-1") == ("False", "False"), 2) and not_ready("web-1"),
         ("False", "False"), "its pods are Ready=False and ContainersReady=False")
    t.eq(not_ready("keeper"), ("False", "False"), "a tolerating pod too")

    # deleted as upstream's taint manager does: gracefully (the pod's own
    # period), so it stays Terminating until its kubelet (none here) is back
    def deleting(name):
        r = srv.req("GET", PODS + "/" + name)
        return r.status == 404 or bool(r.json["metadata"].get("deletionTimestamp"))
    gone = wait_for(lambda: deleting("web-1"), TOL + 4)
    late = time.time() - added
    t.ok(gone and late >= TOL - 1,
         "a pod with the default toleration is deleted (gracefully) after %d s (%.1f s after "
         "timeAdded)" % (TOL, late))
    r = srv.req("GET", PODS + "/web-1")
    t.ok(r.status == 200 and r.json["metadata"].get("deletionGracePeriodSeconds") == 30,
         "... and kept Terminating, with its 30 s grace, while its node is away", r)
    ev = srv.req("GET", "/api/v1/namespaces/default/events").json["items"]
    t.ok(any(e.get("reason") == "TaintManagerEviction" and
             e.get("message") == "Marking for deletion Pod default/web-1" and
             e["involvedObject"].get("name") == "web-1" for e in ev),
         "a TaintManagerEviction Event names the pod", [e.get("reason") for e in ev])
    t.ok(any(e.get("reason") == "NodeNotReady" and e["involvedObject"].get("kind") == "Node" and
             e.get("message") == "Node n1 status is now: NodeNotReady" for e in ev),
         "a NodeNotReady Event on the node")
    time.sleep(1)
    t.eq(srv.req("GET", PODS + "/keeper").status, 200,
         "a pod tolerating unreachable without tolerationSeconds is kept")

    lease.on = True
    node_ready(srv, "n1")
    n = wait_for(lambda: (lambda n: n if not taint(n, UNREACH) else None)(
        srv.req("GET", "/api/v1/nodes/n1").json), 3)
    t.ok(n, "the node back (lease renewed, Ready=True): the taint is removed")
    n = srv.req("GET", "/api/v1/nodes/n1").json
    t.eq(cond(n, "Ready").get("status"), "True", "and Ready is True again")
    time.sleep(GRACE + 1)
    n = srv.req("GET", "/api/v1/nodes/n1").json
    t.ok(cond(n, "Ready").get("status") == "True" and not taint(n, UNREACH),
         "and stays so while the lease is renewed", n.get("spec"))

    # Ready=False from the kubelet: not-ready taint; a NoExecute taint the
    # pod does not tolerate: deleted at once
    node_ready(srv, "n1", "False")
    tt = wait_for(lambda: taint(srv.req("GET", "/api/v1/nodes/n1").json, NOT_READY), 3)
    t.ok(tt and tt.get("timeAdded"), "a node reporting Ready=False is tainted %s" % NOT_READY)
    put_retry(srv, "/api/v1/nodes/n1", lambda n: n.setdefault("spec", {}).setdefault("taints", []).append(
        {"key": "example.com/drain", "effect": "NoExecute"}))
    t.ok(wait_for(lambda: deleting("keeper"), 2),
         "a pod not tolerating a NoExecute taint is deleted at once")
    lease.close()


def test_rate(srv):
    """Two nodes go silent together: the second taint waits for a token."""
    leases = []
    for name in ("r1", "r2"):
        make_node(srv, name)
        leases.append(Renewer(srv, name))
    for lz in leases:
        lz.on = False
    both = wait_for(lambda: all(taint(srv.req("GET", "/api/v1/nodes/" + x).json, UNREACH)
                                for x in ("r1", "r2")), GRACE + 10)
    times = sorted(rfc3339(taint(srv.req("GET", "/api/v1/nodes/" + x).json, UNREACH)
                           ["timeAdded"]) for x in ("r1", "r2")) if both else [0, 0]
    t.ok(both and times[1] - times[0] >= 3,
         "at --node-eviction-rate 0.25 the second node is tainted >= 3 s after the first "
         "(%.0f s)" % (times[1] - times[0]))
    for lz in leases:
        lz.close()


def test_disabled():
    srv = Server(["--controllers=-nodelifecycle", "--node-monitor-grace-period", "2s"],
                 name="nlc-off").start()
    make_node(srv, "quiet")
    time.sleep(4)
    n = srv.req("GET", "/api/v1/nodes/quiet").json
    t.ok(cond(n, "Ready").get("status") == "True" and not taint(n, UNREACH),
         "--controllers=-nodelifecycle: a silent node stays as it is", n)
    p = make_pod(srv, "plain", "")
    t.eq(p["spec"].get("tolerations"), defaults(300),
         "the default tolerations are 300 s without the flags (admission still runs)")
    srv.cleanup()


def main():
    srv = Server(["--node-monitor-grace-period", "%ds" % GRACE,
                  "--default-not-ready-toleration-seconds", str(TOL),
                  "--default-unreachable-toleration-seconds", str(TOL),
                  "--node-eviction-rate", "10"], name="nlc").start()
    t.section("default tolerations", test_tolerations, srv)
    t.section("lifecycle", test_lifecycle, srv)
    t.eq(srv.stop(), 0, "server exits 0 on SIGTERM")
    log = open(srv.log_path, errors="replace").read()
    t.ok("Sanitizer" not in log and "runtime error:" not in log, "no sanitizer report",
         log[-2000:])
    srv.cleanup()
    srv = Server(["--node-monitor-grace-period", "%ds" % GRACE, "--node-eviction-rate", "0.25"],
                 name="nlc-rate").start()
    t.section("eviction rate", test_rate, srv)
    srv.cleanup()
    t.section("disabled", test_disabled)
    t.done()


main()
