#!/usr/bin/python3
"""Graceful deletion of pods, as kube-apiserver does it (rest.BeforeDelete
and the pod strategy's CheckGracefulDelete), against a skiff-server with no
kubelet (so nothing finishes a deletion behind the test's back):

- a pod on no node, or one that already ended, is removed at once;
- a pod on a node is kept with deletionTimestamp = now + its grace period
  (spec.terminationGracePeriodSeconds, 30 by default, or the request's
  gracePeriodSeconds from the DeleteOptions body or the query) and
  deletionGracePeriodSeconds; the answer is the pod; the watch sees a
  MODIFIED event, not DELETED;
- a second delete may only shorten the period (the deadline moves back by
  the difference), a longer or absent one changes nothing (same
  resourceVersion); grace 0 removes it (what the kubelet sends once the
  pod stopped); a negative period counts as 1 s;
- dryRun answers the pod as a deletion would leave it and stores nothing;
  a bad gracePeriodSeconds is a 400 that changes nothing; a uid
  precondition that does not match is a 409 that changes nothing;
- kubectl 1.32 and 1.20 (`delete --wait=false`, `--grace-period`,
  `--force`) and the python client (grace_period_seconds) get the same.
Prints TAP."""
import calendar
import json
import os
import socket
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import API_ONLY, Server, Tap  # noqa: E402

t = Tap()
PODS = "/api/v1/namespaces/default/pods"
KUBECTLS = [("1.32", "kubectl"), ("1.20", "/opt/skiff/kubectl-1.20/usr/bin/kubectl")]
srv = Server(extra=[API_ONLY], name="grace")
srv.start()


def pod(name, node="n1", grace=None):
    spec = {"containers": [{"name": "c", "image": "host", "command": ["sleep", "9"]}]}
    if node:
        spec["nodeName"] = node
    if grace is not None:
        spec["terminationGracePeriodSeconds"] = grace
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def make(name, **kw):
    r = srv.req("POST", PODS, pod(name, **kw))
    assert r.status == 201, r


def get(name):
    return srv.req("GET", PODS + "/" + name)


def ts(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


def marked(r, grace, now, text):
    md = (r.json or {}).get("metadata", {}) if r.status == 200 else {}
    dt = md.get("deletionTimestamp")
    t.ok(r.status == 200 and r.json.get("kind") == "Pod" and dt and
         md.get("deletionGracePeriodSeconds") == grace and abs(ts(dt) - (now + grace)) <= 2,
         text, r)
    return md


def opts(**kw):
    return dict({"apiVersion": "v1", "kind": "DeleteOptions"}, **kw)


def rv(name):
    r = get(name)
    return r.json["metadata"]["resourceVersion"] if r.status == 200 else None


def api():
    make("unbound", node=None)
    r = srv.req("DELETE", PODS + "/unbound")
    t.ok(r.status == 200 and get("unbound").status == 404,
         "a pod on no node is removed at once", r)

    make("done")
    st = get("done").json
    st["status"] = {"phase": "Succeeded"}
    assert srv.req("PUT", PODS + "/done/status", st).status == 200
    srv.req("DELETE", PODS + "/done")
    t.ok(get("done").status == 404, "a pod that has Succeeded is removed at once")

    # watch the graceful one: MODIFIED, then DELETED only at grace 0
    make("g")
    events = []
    c = srv.conn()
    c.request("GET", PODS + "?watch=1&fieldSelector=metadata.name%3Dg&resourceVersion=" +
              rv("g"), headers={"Authorization": "Bearer " + srv.token})
    resp = c.getresponse()

    def reader():
        try:
            while True:
                line = resp.readline()
                if not line:
                    return
                events.append(json.loads(line)["type"])
        except (OSError, ValueError):
            return
    threading.Thread(target=reader, daemon=True).start()

    now = time.time()
    r = srv.req("DELETE", PODS + "/g")
    marked(r, 30, now, "a pod on a node is kept: 200, the pod, deletionTimestamp = now + 30 s "
                       "(the default grace), deletionGracePeriodSeconds 30")
    t.ok(get("g").status == 200, "... and GET still finds it")
    first = rv("g")
    r = srv.req("DELETE", PODS + "/g")
    t.ok(r.status == 200 and rv("g") == first,
         "a second delete without a period changes nothing (same resourceVersion)", r)
    r = srv.req("DELETE", PODS + "/g", opts(gracePeriodSeconds=60))
    t.ok(r.status == 200 and rv("g") == first, "a longer period changes nothing", r)
    r = srv.req("DELETE", PODS + "/g", opts(gracePeriodSeconds=10))
    md = marked(r, 10, now, "a shorter period moves the deadline back: now + 10 s, grace 10")
    r = srv.req("DELETE", PODS + "/g?gracePeriodSeconds=abc")
    t.ok(r.status == 400 and "gracePeriodSeconds" in r.message and rv("g") == md.get(
        "resourceVersion"), "gracePeriodSeconds=abc: 400 naming it, nothing changed", r)
    r = srv.req("DELETE", PODS + "/g", opts(gracePeriodSeconds="x"))
    t.ok(r.status == 400 and rv("g") == md.get("resourceVersion"),
         "a gracePeriodSeconds that is not a number in the body: 400, nothing changed", r)
    r = srv.req("DELETE", PODS + "/g", opts(gracePeriodSeconds=0, preconditions={"uid": "x"}))
    t.ok(r.status == 409 and get("g").status == 200,
         "grace 0 with another uid as precondition: 409, the pod stays", r)
    uid = get("g").json["metadata"]["uid"]
    r = srv.req("DELETE", PODS + "/g", opts(gracePeriodSeconds=0, preconditions={"uid": uid}))
    t.ok(r.status == 200 and get("g").status == 404,
         "grace 0 with its uid (the kubelet's last delete) removes it", r)
    time.sleep(0.5)
    t.eq(events, ["MODIFIED", "MODIFIED", "DELETED"],
         "the watch saw the marking and the shortening as MODIFIED, the removal as DELETED")
    # shut down first: a plain close waits for the reader blocked in its read
    try:
        c.sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    c.close()

    make("own", grace=5)
    now = time.time()
    marked(srv.req("DELETE", PODS + "/own"), 5, now,
           "spec.terminationGracePeriodSeconds 5 is the default period")
    srv.req("DELETE", PODS + "/own?gracePeriodSeconds=0")
    t.ok(get("own").status == 404, "?gracePeriodSeconds=0 (the python client's way) removes it")

    make("neg")
    now = time.time()
    marked(srv.req("DELETE", PODS + "/neg", opts(gracePeriodSeconds=-5)), 1, now,
           "a negative period counts as 1 s")

    make("dry")
    before = rv("dry")
    now = time.time()
    marked(srv.req("DELETE", PODS + "/dry?dryRun=All"), 30, now,
           "dryRun: the answer is the pod as a graceful deletion leaves it")
    r = get("dry")
    t.ok(rv("dry") == before and "deletionTimestamp" not in r.json["metadata"],
         "... and nothing is stored", r)


def kubectl():
    for ver, kubectl in KUBECTLS:
        if not os.access(kubectl, os.X_OK) and "/" in kubectl:
            t.skip("kubectl %s deletes gracefully" % ver, "not installed")
            continue
        kc = ["--kubeconfig", srv.kubeconfig]
        n = "k" + ver.replace(".", "")
        make(n + "a")
        make(n + "b")
        make(n + "c")
        r = subprocess.run([kubectl] + kc + ["delete", "pod", n + "a", "--wait=false"],
                           capture_output=True, text=True, timeout=60)
        md = get(n + "a").json["metadata"]
        t.ok(r.returncode == 0 and md.get("deletionGracePeriodSeconds") == 30,
             "kubectl %s delete --wait=false: the pod is Terminating with 30 s" % ver,
             r.stderr or md)
        r = subprocess.run([kubectl] + kc + ["get", "pod", n + "a"], capture_output=True,
                           text=True, timeout=60)
        t.ok("Terminating" in r.stdout, "kubectl %s get shows it Terminating" % ver, r.stdout)
        r = subprocess.run([kubectl] + kc + ["delete", "pod", n + "b", "--grace-period=7",
                                             "--wait=false"],
                           capture_output=True, text=True, timeout=60)
        md = get(n + "b").json["metadata"]
        t.ok(r.returncode == 0 and md.get("deletionGracePeriodSeconds") == 7,
             "kubectl %s delete --grace-period=7: 7 s" % ver, r.stderr or md)
        r = subprocess.run([kubectl] + kc + ["delete", "pod", n + "c", "--grace-period=0",
                                             "--force"],
                           capture_output=True, text=True, timeout=60)
        t.ok(r.returncode == 0 and get(n + "c").status == 404,
             "kubectl %s delete --grace-period=0 --force removes it at once" % ver,
             r.stdout + r.stderr)


def python_client():
    try:
        from kubernetes import client, config
    except ImportError:
        t.skip("python client deletes gracefully", "no kubernetes module")
        return
    config.load_kube_config(srv.kubeconfig)
    v1 = client.CoreV1Api()
    make("py")
    v1.delete_namespaced_pod("py", "default", grace_period_seconds=3)
    md = get("py").json["metadata"]
    t.ok(md.get("deletionGracePeriodSeconds") == 3,
         "python delete_namespaced_pod(grace_period_seconds=3): Terminating with 3 s", md)
    v1.delete_namespaced_pod("py", "default", grace_period_seconds=0)
    t.ok(get("py").status == 404, "... and with 0 it is removed")


try:
    t.section("API", api)
    t.section("kubectl", kubectl)
    t.section("python client", python_client)
finally:
    srv.stop()
t.done()
