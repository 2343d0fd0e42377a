#!/usr/bin/python3
"""The scheduler inside skiff-server (kube-scheduler's default profile),
API-only: Nodes are registered with a Ready condition and allocatable
through /status as a kubelet would, pods are created unbound and must be
bound where they fit, spread, honour cordon (real kubectl 1.32 and 1.20),
taints, nodeSelector, node affinity, hostname anti-affinity and host
ports; a pod nothing fits stays Pending with upstream's exact message and
a FailedScheduling event, and is bound within seconds of the change that
makes room (no polling). Prints TAP."""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
NS = "/api/v1/namespaces/default"
MERGE = {"Content-Type": "application/merge-patch+json"}
KUBECTLS = [("1.32", "kubectl"), ("1.20", "/opt/skiff/kubectl-1.20/usr/bin/kubectl")]
TMP = tempfile.mkdtemp(prefix="sched-kubectl-")
# Nodes made here send no heartbeats: the node lifecycle controller would
# mark them unreachable, and the collector would remove pods whose owner
# (a made-up ReplicaSet) does not exist.
CONTROLLERS = "--controllers=*,-nodelifecycle,-garbagecollector,-replicaset,-deployment"


def mknode(s, name, cpu="4", mem="8Gi", pods="110", labels=None, taints=None, ready="True",
           unschedulable=False):
    lb = {"kubernetes.io/hostname": name}
    lb.update(labels or {})
    spec = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    r = s.req("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node",
                                        "metadata": {"name": name, "labels": lb}, "spec": spec})
    assert r.status == 201, r
    res = {"cpu": cpu, "memory": mem, "pods": pods}
    r = s.req("PATCH", "/api/v1/nodes/%s/status" % name,
              {"status": {"capacity": res, "allocatable": res,
                          "conditions": [{"type": "Ready", "status": ready,
                                          "reason": "KubeletReady"}]}}, headers=MERGE)
    assert r.status == 200, r


def mkpod(s, name, cpu=None, mem=None, labels=None, owner=None, **spec):
    c = {"name": "c", "image": "busybox"}
    req = {}
    if cpu:
        req["cpu"] = cpu
    if mem:
        req["memory"] = mem
    if req:
        c["resources"] = {"requests": req}
    if "ports" in spec:
        c["ports"] = spec.pop("ports")
    md = {"name": name, "labels": labels or {}}
    if owner:
        md["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner,
                                  "uid": "uid-" + owner, "controller": True}]
    sp = {"containers": [c]}
    sp.update(spec)
    r = s.req("POST", NS + "/pods", {"apiVersion": "v1", "kind": "Pod", "metadata": md,
                                     "spec": sp})
    assert r.status == 201, r


def pod(s, name):
    return s.req("GET", NS + "/pods/" + name).json or {}


def node_of(s, name):
    return (pod(s, name).get("spec") or {}).get("nodeName")


def wait_bound(s, name, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        n = node_of(s, name)
        if n:
            return n
        time.sleep(0.05)
    return None


def scheduled_cond(s, name):
    for c in (pod(s, name).get("status") or {}).get("conditions") or []:
        if c.get("type") == "PodScheduled":
            return c
    return {}


def wait_message(s, name, timeout=5.0):
    end = time.time() + timeout
    while time.time() < end:
        c = scheduled_cond(s, name)
        if c.get("status") == "False":
            return c
        time.sleep(0.05)
    return scheduled_cond(s, name)


def events(s, name, reason):
    items = (s.req("GET", NS + "/events").json or {}).get("items") or []
    return [e for e in items if e.get("involvedObject", {}).get("name") == name and
            e.get("reason") == reason]


def reset(s):
    """No pods, no nodes: each section starts from an empty cluster."""
    for p in (s.req("GET", NS + "/pods").json or {}).get("items") or []:
        s.req("DELETE", NS + "/pods/%s?gracePeriodSeconds=0" % p["metadata"]["name"])
    for n in (s.req("GET", "/api/v1/nodes").json or {}).get("items") or []:
        s.req("DELETE", "/api/v1/nodes/" + n["metadata"]["name"])


def kubectl(exe, s, *args):
    tag = "k132" if exe == "kubectl" else "k120"
    env = dict(os.environ, HOME=os.path.join(TMP, "home-" + tag))
    p = subprocess.run([exe, "--kubeconfig", s.kubeconfig, "--cache-dir",
                        os.path.join(TMP, "cache-" + tag), "--request-timeout=30s"] + list(args),
                       capture_output=True, text=True, timeout=90, env=env)
    return p.returncode, p.stdout + p.stderr


def check_fit(s):
    reset(s)
    mknode(s, "small", cpu="1", mem="1Gi")
    mknode(s, "big", cpu="4", mem="8Gi")
    mkpod(s, "fit-a", cpu="2", mem="1Gi")
    t.eq(wait_bound(s, "fit-a"), "big", "a pod that fits only the big node lands there")
    c = scheduled_cond(s, "fit-a")
    t.eq((c.get("status"), c.get("type")), ("True", "PodScheduled"),
         "the bind sets PodScheduled=True (as upstream's binding)")
    ev = events(s, "fit-a", "Scheduled")
    t.ok(ev and ev[0].get("message") == "Successfully assigned default/fit-a to big" and
         ev[0].get("type") == "Normal" and
         ev[0].get("source", {}).get("component") == "default-scheduler",
         "a Normal Scheduled event: Successfully assigned default/fit-a to big", ev)
    mkpod(s, "fit-b", cpu="500m", mem="256Mi")
    t.ok(wait_bound(s, "fit-b") in ("small", "big"), "a small pod is bound")
    mkpod(s, "fit-c", cpu="1500m")
    t.eq(wait_bound(s, "fit-c"), "big", "what is requested on a node counts: 2+1.5 of 4 cpus")
    mkpod(s, "fit-d", cpu="1")
    c = wait_message(s, "fit-d")
    want = ("0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: "
            "2 No preemption victims found for incoming pod.")
    t.eq((c.get("reason"), c.get("message")), ("Unschedulable", want),
         "a pod that fits nowhere: PodScheduled=False, reason Unschedulable, upstream's message")


def check_unschedulable_then_room(s):
    reset(s)
    mknode(s, "n1", mem="4Gi", unschedulable=True)
    mknode(s, "n2", mem="1Gi")
    mknode(s, "n3", mem="1Gi")
    mkpod(s, "huge", mem="3Gi")
    want = ("0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient memory. "
            "preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
            "2 No preemption victims found for incoming pod.")
    c = wait_message(s, "huge")
    t.eq(c.get("message"), want, "the message counts each reason, sorted as upstream")
    t.eq(node_of(s, "huge"), None, "the pod stays Pending")
    ev = events(s, "huge", "FailedScheduling")
    t.ok(len(ev) == 1 and ev[0].get("type") == "Warning" and ev[0].get("message") == want,
         "one Warning FailedScheduling event with the same message", ev)
    mknode(s, "n4", mem="4Gi")
    t0 = time.time()
    got = wait_bound(s, "huge", 3.0)
    t.eq(got, "n4", "a node added: the waiting pod is bound to it")
    t.ok(got and time.time() - t0 < 2.0, "within two seconds of the change (no polling)",
         time.time() - t0)
    mkpod(s, "huge2", mem="3Gi")
    wait_message(s, "huge2")
    t.eq(node_of(s, "huge2"), None, "a second big pod waits")
    t0 = time.time()
    r = s.req("PATCH", "/api/v1/nodes/n2/status",
              {"status": {"allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"}}},
              headers=MERGE)
    got = wait_bound(s, "huge2", 3.0)
    t.ok(r.status == 200 and got == "n2" and time.time() - t0 < 2.0,
         "a node enlarged (allocatable): the waiting pod is bound to it within two seconds",
         (r, got))
    c = scheduled_cond(s, "huge2")
    t.eq((c.get("status"), c.get("reason")), ("True", None),
         "bound: PodScheduled True replaces the Unschedulable condition")


def check_spread(s):
    reset(s)
    for n in ("s1", "s2", "s3"):
        mknode(s, n)
    for i in range(6):
        mkpod(s, "rep-%d" % i, owner="web")
    where = [wait_bound(s, "rep-%d" % i) for i in range(6)]
    t.ok(sorted(where.count(n) for n in ("s1", "s2", "s3")) == [2, 2, 2],
         "six replicas of one owner: two on each of three nodes", where)
    # a hard topology spread constraint: maxSkew 1 over the hostname
    reset(s)
    mknode(s, "h1")
    mknode(s, "h2", labels={"zone": "b"})
    tsc = [{"maxSkew": 1, "topologyKey": "kubernetes.io/hostname",
            "whenUnsatisfiable": "DoNotSchedule", "labelSelector": {"matchLabels": {"app": "s"}}}]
    mkpod(s, "tsc-0", labels={"app": "s"}, topologySpreadConstraints=tsc,
          nodeSelector={"kubernetes.io/hostname": "h1"})
    t.eq(wait_bound(s, "tsc-0"), "h1", "spread: the first pod pinned to h1")
    mkpod(s, "tsc-1", labels={"app": "s"}, topologySpreadConstraints=tsc,
          affinity={"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
              "nodeSelectorTerms": [{"matchExpressions": [
                  {"key": "kubernetes.io/hostname", "operator": "In",
                   "values": ["h1", "h2"]}]}]}}})
    t.eq(wait_bound(s, "tsc-1"), "h2", "DoNotSchedule maxSkew 1: the second goes to h2")


def check_cordon(s):
    for ver, exe in KUBECTLS:
        v = ver.replace(".", "")
        reset(s)
        mknode(s, "c1")
        mknode(s, "c2")
        rc, out = kubectl(exe, s, "cordon", "c1")
        t.ok(rc == 0 and "node/c1 cordoned" in out, "[%s] kubectl cordon c1" % ver, out)
        for i in range(3):
            mkpod(s, "cd%s-%d" % (v, i))
        t.eq([wait_bound(s, "cd%s-%d" % (v, i)) for i in range(3)], ["c2"] * 3,
             "[%s] every pod goes to the node that is not cordoned" % ver)
        rc, out = kubectl(exe, s, "uncordon", "c1")
        t.ok(rc == 0 and "node/c1 uncordoned" in out, "[%s] kubectl uncordon c1" % ver, out)
        rc, out = kubectl(exe, s, "cordon", "c2")
        mkpod(s, "cd%s-x" % v)
        t.eq(wait_bound(s, "cd%s-x" % v), "c1", "[%s] uncordoned c1 takes pods again" % ver)
        rc, out = kubectl(exe, s, "cordon", "c1")
        mkpod(s, "cd%s-y" % v)
        c = wait_message(s, "cd%s-y" % v)
        t.eq(c.get("message"), "0/2 nodes are available: 2 node(s) were unschedulable. "
             "preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
             "[%s] both cordoned: upstream's message" % ver)
        rc, out = kubectl(exe, s, "uncordon", "c2")
        t.eq(wait_bound(s, "cd%s-y" % v, 3.0), "c2",
             "[%s] uncordon: the waiting pod is bound" % ver)


def check_taints(s):
    reset(s)
    mknode(s, "t1", taints=[{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}])
    mknode(s, "t2", unschedulable=True)
    mkpod(s, "plain")
    want = ("0/2 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}, "
            "1 node(s) were unschedulable. preemption: 0/2 nodes are available: "
            "2 Preemption is not helpful for scheduling.")
    t.eq(wait_message(s, "plain").get("message"), want, "an untolerated taint: upstream's reason")
    mkpod(s, "tolerant", tolerations=[{"key": "dedicated", "operator": "Equal", "value": "gpu",
                                       "effect": "NoSchedule"}])
    t.eq(wait_bound(s, "tolerant"), "t1", "a pod that tolerates the taint goes there")
    mkpod(s, "exists", tolerations=[{"operator": "Exists"}])
    # the cordon's taint too: upstream's NodeUnschedulable lets such a pod in
    t.ok(wait_bound(s, "exists") in ("t1", "t2"),
         "operator Exists without a key tolerates every taint, the cordon's too")
    reset(s)
    mknode(s, "p1", taints=[{"key": "spot", "value": "yes", "effect": "PreferNoSchedule"}])
    mknode(s, "p2")
    mkpod(s, "prefer")
    t.eq(wait_bound(s, "prefer"), "p2", "PreferNoSchedule only scores: the untainted node wins")
    mknode(s, "ne", taints=[{"key": "k", "effect": "NoExecute"}])
    s.req("PATCH", "/api/v1/nodes/p2", {"spec": {"unschedulable": True}}, headers=MERGE)
    s.req("PATCH", "/api/v1/nodes/p1", {"spec": {"unschedulable": True}}, headers=MERGE)
    mkpod(s, "noexec")
    t.ok("1 node(s) had untolerated taint {k: }" in wait_message(s, "noexec").get("message", ""),
         "NoExecute filters too", scheduled_cond(s, "noexec"))
    mknode(s, "nr", ready="False")
    mkpod(s, "notready")
    t.ok("1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }" in
         wait_message(s, "notready").get("message", ""),
         "a node that is not Ready: upstream's not-ready taint reason",
         scheduled_cond(s, "notready"))
    # a node gone silent carries the NoExecute unreachable taint, which every
    # new pod tolerates for a while (DefaultTolerationSeconds): it must still
    # not be chosen
    reset(s)
    mknode(s, "lost", ready="Unknown",
           taints=[{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}])
    mkpod(s, "replacement")
    tol = (pod(s, "replacement").get("spec") or {}).get("tolerations") or []
    c = wait_message(s, "replacement")
    t.ok(any(x.get("key") == "node.kubernetes.io/unreachable" for x in tol) and
         "1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }" in
         c.get("message", ""),
         "a pod tolerating unreachable:NoExecute is not placed on an unreachable node", c)


def check_selectors(s):
    reset(s)
    mknode(s, "a1", labels={"disk": "ssd", "gen": "5"})
    mknode(s, "a2", labels={"disk": "hdd", "gen": "3"})
    mknode(s, "a3", labels={"gen": "9"})
    mkpod(s, "sel", nodeSelector={"disk": "ssd"})
    t.eq(wait_bound(s, "sel"), "a1", "nodeSelector disk=ssd")
    mkpod(s, "sel-none", nodeSelector={"disk": "nvme"})
    t.eq(wait_message(s, "sel-none").get("message"),
         "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector. "
         "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
         "a selector nothing matches: upstream's message")

    def aff(name, *terms):
        mkpod(s, name, affinity={"nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}})
        return wait_bound(s, name)

    t.eq(aff("in", {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["hdd"]}]}),
         "a2", "node affinity In")
    t.eq(aff("notin-exists", {"matchExpressions": [
        {"key": "disk", "operator": "Exists"},
        {"key": "disk", "operator": "NotIn", "values": ["ssd"]}]}), "a2",
         "node affinity Exists and NotIn (ANDed in one term)")
    t.eq(aff("dne", {"matchExpressions": [{"key": "disk", "operator": "DoesNotExist"}]}),
         "a3", "node affinity DoesNotExist")
    t.eq(aff("gt", {"matchExpressions": [{"key": "gen", "operator": "Gt", "values": ["6"]}]}),
         "a3", "node affinity Gt")
    t.eq(aff("lt", {"matchExpressions": [{"key": "gen", "operator": "Lt", "values": ["4"]}]}),
         "a2", "node affinity Lt")
    t.eq(aff("fields", {"matchFields": [{"key": "metadata.name", "operator": "In",
                                         "values": ["a3"]}]}), "a3",
         "node affinity matchFields metadata.name")
    t.eq(aff("ored", {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["x"]}]},
             {"matchExpressions": [{"key": "gen", "operator": "In", "values": ["5"]}]}), "a1",
         "node selector terms are ORed")


def check_anti_affinity_and_ports(s):
    reset(s)
    mknode(s, "x1")
    mknode(s, "x2")
    anti = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "db"}}}]}}
    for i in range(3):
        mkpod(s, "db-%d" % i, labels={"app": "db"}, affinity=anti)
    got = [wait_bound(s, "db-%d" % i, 3.0 if i < 2 else 1.0) for i in range(3)]
    t.ok(sorted(g for g in got if g) == ["x1", "x2"] and got.count(None) == 1,
         "hostname anti-affinity: two replicas on two nodes, the third waits", got)
    waiting = "db-%d" % got.index(None) if None in got else "db-2"
    t.eq(wait_message(s, waiting).get("message"),
         "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: "
         "0/2 nodes are available: 2 No preemption victims found for incoming pod.",
         "the anti-affinity message")
    mkpod(s, "other", labels={"app": "db"})
    t.eq(wait_bound(s, "other", 2.0), None,
         "existing pods' anti-affinity keeps a matching pod off both nodes")
    t.ok("2 node(s) didn't satisfy existing pods anti-affinity rules" in
         wait_message(s, "other").get("message", ""), "the existing pods' anti-affinity message",
         scheduled_cond(s, "other"))
    reset(s)
    mknode(s, "hp")
    mkpod(s, "port-a", ports=[{"containerPort": 80, "hostPort": 8080}])
    t.eq(wait_bound(s, "port-a"), "hp", "a pod with hostPort 8080 is bound")
    mkpod(s, "port-b", ports=[{"containerPort": 80, "hostPort": 8080}])
    t.eq(wait_message(s, "port-b").get("message"),
         "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports. "
         "preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
         "a second pod with the same hostPort: upstream's message")
    mkpod(s, "port-c", ports=[{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}])
    t.eq(wait_bound(s, "port-c"), "hp", "the same port over UDP does not conflict")
    s.req("DELETE", NS + "/pods/port-a?gracePeriodSeconds=0")
    t.eq(wait_bound(s, "port-b", 3.0), "hp", "the port freed: the waiting pod is bound")


def check_left_alone(s):
    reset(s)
    mknode(s, "real")
    mkpod(s, "pinned", nodeName="elsewhere")
    mkpod(s, "other-sched", schedulerName="my-scheduler")
    time.sleep(1.0)
    t.eq(node_of(s, "pinned"), "elsewhere", "a pod with spec.nodeName is left alone")
    t.eq(events(s, "pinned", "Scheduled"), [], "no Scheduled event for it")
    t.eq(node_of(s, "other-sched"), None, "a pod for another schedulerName is left alone")
    mkpod(s, "third")
    t.eq(wait_bound(s, "third"), "real", "a pod bound to a missing node does not block others")


def check_volumes(s):
    """VolumeBinding: a pod whose claim is bound to a volume with node
    affinity goes to that node; a missing claim keeps it Pending."""
    reset(s)
    for n in ("va", "vb", "vc"):
        mknode(s, n)
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv-on-vb"},
          "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                   "storageClassName": "", "hostPath": {"path": "/tmp/pv-on-vb"},
                   "claimRef": {"namespace": "default", "name": "data-vb"},
                   "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [
                       {"key": "kubernetes.io/hostname", "operator": "In",
                        "values": ["vb"]}]}]}}}}
    r = s.req("POST", "/api/v1/persistentvolumes", pv)
    t.eq(r.status, 201, "a PersistentVolume pinned to node vb is created")
    r = s.req("POST", NS + "/persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data-vb"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "",
                 "volumeName": "pv-on-vb", "resources": {"requests": {"storage": "1Gi"}}}})
    t.eq(r.status, 201, "a claim bound to it is created")
    vol = [{"name": "d", "persistentVolumeClaim": {"claimName": "data-vb"}}]
    for i in range(3):
        mkpod(s, "uses-vb-%d" % i, volumes=vol)
    t.eq([wait_bound(s, "uses-vb-%d" % i) for i in range(3)], ["vb"] * 3,
         "pods using the claim all go to the volume's node")
    mkpod(s, "no-claim", volumes=[{"name": "d", "persistentVolumeClaim": {"claimName": "nope"}}])
    c = wait_message(s, "no-claim")
    t.eq(c.get("message"), '0/3 nodes are available: 3 persistentvolumeclaim "nope" not found. '
         'preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.',
         "a pod whose claim does not exist stays Pending, saying so")
    s.req("DELETE", NS + "/persistentvolumeclaims/data-vb")
    s.req("DELETE", "/api/v1/persistentvolumes/pv-on-vb")


def check_disabled():
    s = Server(extra=["--controllers=*,-scheduler"], name="nosched").start()
    mknode(s, "idle")
    mkpod(s, "pending")
    time.sleep(1.5)
    p = pod(s, "pending")
    t.ok(not p.get("spec", {}).get("nodeName") and not scheduled_cond(s, "pending") and
         "scheduler_schedule_attempts_total" not in s.req("GET", "/metrics").body.decode(),
         "--controllers=*,-scheduler: pods stay Pending, untouched", p)
    s.cleanup()


def check_metrics(s):
    body = s.req("GET", "/metrics").body.decode()
    t.ok('scheduler_schedule_attempts_total{profile="default-scheduler",result="scheduled"}'
         in body and "skiff_scheduler_bind_commits_total" in body,
         "/metrics: scheduler_schedule_attempts_total and skiff_scheduler_bind_commits_total",
         body[-800:])


def main():
    s = Server(extra=[CONTROLLERS], name="sched").start()
    t.section("fit", check_fit, s)
    t.section("unschedulable", check_unschedulable_then_room, s)
    t.section("spread", check_spread, s)
    t.section("cordon", check_cordon, s)
    t.section("taints", check_taints, s)
    t.section("selectors", check_selectors, s)
    t.section("anti-affinity", check_anti_affinity_and_ports, s)
    t.section("left alone", check_left_alone, s)
    t.section("volumes", check_volumes, s)
    t.section("metrics", check_metrics, s)
    t.section("disabled", check_disabled)
    t.done()


main()
