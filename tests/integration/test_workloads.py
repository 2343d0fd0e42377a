#!/usr/bin/python3
"""Deployments, ReplicaSets and the garbage collector inside skiff-server,
API-only: no kubelet and no scheduler (--controllers=*,-scheduler); the
test plays the kubelet by setting pods' status (Running, Ready) through
pods/<name>/status. Covers: a Deployment's ReplicaSet and pods (names,
labels, ownerReferences, events), self-healing (deleted and Failed pods
replaced), kubectl scale (1.32 and 1.20), a rolling update that never
goes below replicas - maxUnavailable ready pods, kubectl rollout
status/history/undo, Recreate, kubectl wait --for=condition=Available,
progressDeadlineSeconds, adoption and release, upstream's 422s, and
deletion: background, Foreground, Orphan (--cascade=orphan). Prints TAP."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
NS = "/api/v1/namespaces/default"
APPS = "/apis/apps/v1/namespaces/default"
MERGE = {"Content-Type": "application/merge-patch+json"}
K132 = "kubectl"
K120 = "/opt/skiff/kubectl-1.20/usr/bin/kubectl"
S = None


def kubectl(exe, *args, timeout=60):
    p = subprocess.run([exe, "--kubeconfig", S.kubeconfig] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def deployment(name, replicas=3, image="nginx:1", **spec):
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}},
                               "spec": {"containers": [{"name": "c", "image": image}]}}}}
    d["spec"].update(spec)
    return d


def until(fn, timeout=20.0, step=0.1):
    """fn() until truthy; its last value."""
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(step)


def items(path, sel=None):
    r = S.req("GET", path + ("?labelSelector=" + sel if sel else ""))
    return (r.json or {}).get("items", [])


def pods(app, active=True):
    out = items(NS + "/pods", "app%3D" + app)
    if active:
        out = [p for p in out if (p.get("status") or {}).get("phase") not in
               ("Failed", "Succeeded") and not p["metadata"].get("deletionTimestamp")]
    return out


def rss(app):
    return items(APPS + "/replicasets", "app%3D" + app)


def get(path):
    r = S.req("GET", path)
    return r.json if r.status == 200 else None


def ready(p):
    return any(c.get("type") == "Ready" and c.get("status") == "True"
               for c in (p.get("status") or {}).get("conditions") or [])


def set_status(p, phase="Running", is_ready=True):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    st = {"status": {"phase": phase, "conditions": [
        {"type": "Ready", "status": "True" if is_ready else "False",
         "lastTransitionTime": now}]}}
    return S.req("PATCH", NS + "/pods/%s/status" % p["metadata"]["name"], st, MERGE).status


def kubelet(app):
    """Every pod of app Running and Ready (as a kubelet would report)."""
    for p in pods(app):
        if not ready(p):
            set_status(p)


def settle(app, n, timeout=20.0):
    """n active pods of app, all ready; the Deployment's status says so."""
    def done():
        kubelet(app)
        ps = pods(app)
        d = get(APPS + "/deployments/" + app) or {}
        st = d.get("status") or {}
        return (len(ps) == n and all(ready(p) for p in ps) and st.get("availableReplicas") == n
                and st.get("updatedReplicas") == n and st.get("replicas") == n)
    return until(done, timeout)


def no_nulls(v):
    if isinstance(v, dict):
        return {k: no_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [no_nulls(x) for x in v]
    return v


def cond(obj, type_):
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == type_:
            return c
    return {}


def events(reason):
    return [e for e in items(NS + "/events") if e.get("reason") == reason]


def test_create():
    r = S.req("POST", APPS + "/deployments", deployment("web"))
    t.eq(r.status, 201, "create Deployment web (3 replicas)")
    rs = until(lambda: rss("web"))
    t.eq(len(rs), 1, "one ReplicaSet")
    rs = rs[0]
    h = rs["metadata"]["labels"].get("pod-template-hash", "")
    t.ok(h and rs["metadata"]["name"] == "web-" + h, "named web-<pod-template-hash> (%s)"
         % rs["metadata"]["name"])
    t.eq(rs["spec"]["selector"]["matchLabels"], {"app": "web", "pod-template-hash": h},
         "  its selector has the hash label")
    ref = (rs["metadata"].get("ownerReferences") or [{}])[0]
    d = get(APPS + "/deployments/web")
    t.eq((ref.get("kind"), ref.get("name"), ref.get("uid"), ref.get("controller"),
          ref.get("blockOwnerDeletion")), ("Deployment", "web", d["metadata"]["uid"], True, True),
         "  owned by the Deployment (controller, blockOwnerDeletion)")
    t.eq(rs["metadata"]["annotations"].get("deployment.kubernetes.io/revision"), "1",
         "  revision 1")
    ps = until(lambda: len(pods("web")) == 3 and pods("web"))
    t.ok(ps, "three pods")
    ps = ps or []
    t.ok(all(p["metadata"]["name"].startswith(rs["metadata"]["name"] + "-") for p in ps),
         "  named <rs>-xxxxx")
    t.ok(all(p["metadata"]["labels"] == {"app": "web", "pod-template-hash": h} for p in ps),
         "  with the template's labels")
    refs = [p["metadata"].get("ownerReferences") for p in ps]
    want = [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs["metadata"]["name"],
             "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}]
    t.ok(all(r == want for r in refs), "  owned by the ReplicaSet", refs)
    ev = until(lambda: len(events("SuccessfulCreate")) >= 1 and events("SuccessfulCreate"))
    t.ok(ev and ev[0]["message"].startswith("Created pod: web-"),
         "event SuccessfulCreate \"Created pod: ...\"", ev)
    ev = until(lambda: events("ScalingReplicaSet"))
    t.ok(ev and ev[0]["message"] == "Scaled up replica set %s from 0 to 3"
         % rs["metadata"]["name"], "event ScalingReplicaSet \"Scaled up replica set x from 0 to "
         "3\"", ev)
    d = get(APPS + "/deployments/web")
    t.eq(cond(d, "Available").get("reason"), "MinimumReplicasUnavailable",
         "no pod ready: Available=False MinimumReplicasUnavailable")
    t.ok(settle("web", 3), "pods ready: the status counts 3 available")
    d = get(APPS + "/deployments/web")
    a, p = cond(d, "Available"), cond(d, "Progressing")
    t.eq((a.get("status"), a.get("reason"), a.get("message")),
         ("True", "MinimumReplicasAvailable", "Deployment has minimum availability."),
         "  Available=True MinimumReplicasAvailable")
    t.eq((p.get("status"), p.get("reason"), p.get("message")),
         ("True", "NewReplicaSetAvailable",
          'ReplicaSet "%s" has successfully progressed.' % rs["metadata"]["name"]),
         "  Progressing=True NewReplicaSetAvailable")
    t.eq(d["status"].get("observedGeneration"), d["metadata"]["generation"],
         "  observedGeneration")
    rs = get(APPS + "/replicasets/" + rs["metadata"]["name"])
    t.eq({k: rs["status"].get(k) for k in ("replicas", "fullyLabeledReplicas", "readyReplicas",
                                           "availableReplicas", "observedGeneration")},
         {"replicas": 3, "fullyLabeledReplicas": 3, "readyReplicas": 3, "availableReplicas": 3,
          "observedGeneration": 1}, "ReplicaSet status")
    for exe in (K132, K120):
        if not os.path.exists(exe) and exe != K132:
            t.skip("kubectl wait", "no " + exe)
            continue
        rc, out = kubectl(exe, "wait", "--for=condition=Available", "deployment/web",
                          "--timeout=20s")
        t.ok(rc == 0 and "condition met" in out, "%s wait --for=condition=Available" % exe, out)
    rc, out = kubectl(K132, "rollout", "status", "deployment/web", "--timeout=20s")
    t.ok(rc == 0 and "successfully rolled out" in out, "kubectl rollout status", out)


def test_self_heal():
    victim = pods("web")[0]["metadata"]["name"]
    t.eq(S.req("DELETE", NS + "/pods/" + victim).status, 200, "delete a pod")
    ps = until(lambda: len(pods("web")) == 3 and victim not in
               [p["metadata"]["name"] for p in pods("web")] and pods("web"))
    t.ok(ps, "  it is replaced (3 pods again)")
    ev = until(lambda: [e for e in events("SuccessfulCreate") if e.get("count", 1) >= 1
                        and e["involvedObject"].get("kind") == "ReplicaSet"])
    t.ok(ev, "  SuccessfulCreate events on the ReplicaSet")
    settle("web", 3)
    failed = pods("web")[0]
    t.eq(set_status(failed, "Failed", False), 200, "mark a pod Failed")
    ok = until(lambda: len(pods("web")) == 3 and failed["metadata"]["name"] not in
               [p["metadata"]["name"] for p in pods("web")])
    t.ok(ok, "  it is replaced: 3 active pods besides the failed one")
    t.ok(get(NS + "/pods/" + failed["metadata"]["name"]), "  the failed pod is kept")
    S.req("DELETE", NS + "/pods/" + failed["metadata"]["name"])
    settle("web", 3)


def test_scale():
    rc, out = kubectl(K132, "scale", "deployment/web", "--replicas=6")
    t.ok(rc == 0, "kubectl 1.32 scale deployment --replicas=6", out)
    t.ok(settle("web", 6), "  6 pods")
    if not os.path.exists(K120):
        t.skip("kubectl 1.20 scale", "not installed")
    else:
        rc, out = kubectl(K120, "scale", "deployment/web", "--replicas=1")
        t.ok(rc == 0, "kubectl 1.20 scale deployment --replicas=1", out)
        t.ok(settle("web", 1), "  1 pod")
    r = S.req("PATCH", APPS + "/deployments/web/scale", {"spec": {"replicas": 4}}, MERGE)
    t.eq(r.status, 200, "PATCH deployments/web/scale to 4")
    t.ok(settle("web", 4), "  4 pods")
    rs = rss("web")
    t.eq([x["spec"]["replicas"] for x in rs], [4], "  one ReplicaSet, scaled (no new revision)")
    ev = [e["message"] for e in events("ScalingReplicaSet")]
    t.ok(any("Scaled down replica set web-" in m and m.endswith("from 6 to 1") for m in ev)
         or not os.path.exists(K120), "  event \"Scaled down replica set ... from 6 to 1\"", ev)


def test_rolling():
    # 4 replicas, at most 1 unavailable and 1 extra
    S.req("PATCH", APPS + "/deployments/web", {"spec": {"strategy": {
        "type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 1}}}}, MERGE)
    settle("web", 4)
    old_tmpl = get(APPS + "/deployments/web")["spec"]["template"]
    rc, out = kubectl(K132, "set", "image", "deployment/web", "c=nginx:2")
    t.ok(rc == 0, "kubectl set image (a rolling update, maxUnavailable 1)", out)
    low, seen_total, end = 99, 0, time.time() + 60
    while time.time() < end:
        ps = pods("web")
        n_ready = sum(1 for p in ps if ready(p))
        low = min(low, n_ready)
        seen_total = max(seen_total, len(ps))
        d = get(APPS + "/deployments/web")
        st = d.get("status") or {}
        if (st.get("observedGeneration") == d["metadata"]["generation"]
                and st.get("updatedReplicas") == 4 and st.get("replicas") == 4
                and st.get("availableReplicas") == 4):
            break
        # the kubelet: one not-ready pod becomes ready per step
        for p in ps:
            if not ready(p):
                set_status(p)
                break
        time.sleep(0.15)
    d = get(APPS + "/deployments/web")
    t.eq(d["status"].get("updatedReplicas"), 4, "  the rollout completes")
    t.ok(low >= 3, "  never fewer than replicas - maxUnavailable = 3 ready pods (least %d)" % low)
    t.ok(seen_total <= 5, "  never more than replicas + maxSurge = 5 pods (most %d)" % seen_total)
    t.ok(all(p["spec"]["containers"][0]["image"] == "nginx:2" for p in pods("web")),
         "  every pod runs the new image")
    rc, out = kubectl(K132, "rollout", "status", "deployment/web", "--timeout=20s")
    t.ok(rc == 0 and "successfully rolled out" in out, "  kubectl rollout status", out)
    rc, out = kubectl(K132, "rollout", "history", "deployment/web")
    t.ok(rc == 0 and "REVISION" in out and "\n1 " in out and "\n2 " in out,
         "kubectl rollout history lists revisions 1 and 2", out)
    rs = rss("web")
    t.eq(sorted((x["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
                 x["spec"]["replicas"]) for x in rs), [("1", 0), ("2", 4)],
         "  the old ReplicaSet kept at 0 replicas")
    rc, out = kubectl(K132, "rollout", "undo", "deployment/web")
    t.ok(rc == 0 and "rolled back" in out, "kubectl rollout undo", out)
    settle("web", 4, 60)
    d = get(APPS + "/deployments/web")
    # kubectl sends the template as Go serializes it (creationTimestamp:
    # null), which means absent
    t.eq(no_nulls(d["spec"]["template"]), old_tmpl, "  the template is the old one again")
    rs = rss("web")
    got = sorted((x["metadata"]["annotations"]["deployment.kubernetes.io/revision"],
                  x["metadata"]["annotations"].get("deployment.kubernetes.io/revision-history"),
                  x["spec"]["replicas"]) for x in rs)
    t.eq(got, [("2", None, 0), ("3", "1", 4)],
         "  the revision-1 ReplicaSet is revision 3 (history 1), scaled up again")
    t.eq(d["metadata"]["annotations"].get("deployment.kubernetes.io/revision"), "3",
         "  the Deployment's revision is 3")
    t.ok(all(p["spec"]["containers"][0]["image"] == "nginx:1" for p in pods("web")),
         "  pods run the old image")


def test_history_limit():
    S.req("PATCH", APPS + "/deployments/web", {"spec": {"revisionHistoryLimit": 0}}, MERGE)
    ok = until(lambda: len(rss("web")) == 1)
    t.ok(ok, "revisionHistoryLimit 0: the old ReplicaSet is deleted", rss("web"))


def test_recreate():
    S.req("POST", APPS + "/deployments", deployment("rec", 2, strategy={"type": "Recreate"}))
    t.ok(settle("rec", 2), "Recreate Deployment with 2 ready pods")
    S.req("PATCH", APPS + "/deployments/rec", {"spec": {"template": {"spec": {
        "containers": [{"name": "c", "image": "nginx:2"}]}}}}, MERGE)
    mixed, end = False, time.time() + 30
    while time.time() < end:
        imgs = set(p["spec"]["containers"][0]["image"] for p in pods("rec"))
        mixed |= len(imgs) > 1
        d = get(APPS + "/deployments/rec")
        st = d.get("status") or {}
        if (imgs == {"nginx:2"} and st.get("availableReplicas") == 2
                and st.get("updatedReplicas") == 2 and st.get("replicas") == 2):
            break
        kubelet("rec")
        time.sleep(0.1)
    t.ok(not mixed, "  old and new pods never run together")
    t.ok(settle("rec", 2) and all(p["spec"]["containers"][0]["image"] == "nginx:2"
                                  for p in pods("rec")), "  two new pods")


def test_deadline():
    S.req("POST", APPS + "/deployments", deployment("slow", 1, progressDeadlineSeconds=2))
    d = until(lambda: cond(get(APPS + "/deployments/slow") or {}, "Progressing").get("reason")
              == "ProgressDeadlineExceeded" and get(APPS + "/deployments/slow"), 15)
    c = cond(d or {}, "Progressing")
    t.ok(c.get("status") == "False" and c.get("message", "").endswith(
        "has timed out progressing."),
         "pods never ready: Progressing=False ProgressDeadlineExceeded", c)
    rc, out = kubectl(K132, "rollout", "status", "deployment/slow", "--timeout=10s")
    t.ok(rc != 0 and "exceeded its progress deadline" in out,
         "  kubectl rollout status fails with it", out)


def test_paused():
    S.req("PATCH", APPS + "/deployments/rec", {"spec": {"paused": True, "template": {"spec": {
        "containers": [{"name": "c", "image": "nginx:3"}]}}}}, MERGE)
    d = until(lambda: cond(get(APPS + "/deployments/rec") or {}, "Progressing").get("reason")
              == "DeploymentPaused" and get(APPS + "/deployments/rec"))
    t.ok(d, "paused: Progressing Unknown DeploymentPaused")
    time.sleep(0.5)
    t.ok(all(p["spec"]["containers"][0]["image"] == "nginx:2" for p in pods("rec"))
         and len(rss("rec")) <= 2, "  a paused Deployment does not roll")


def test_replicaset():
    orphan = {"apiVersion": "v1", "kind": "Pod",
              "metadata": {"name": "orphan", "labels": {"app": "own"}},
              "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    t.eq(S.req("POST", NS + "/pods", orphan).status, 201, "an orphan pod app=own")
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "own"},
          "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "own"}},
                   "template": {"metadata": {"labels": {"app": "own"}},
                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    t.eq(S.req("POST", APPS + "/replicasets", rs).status, 201, "a ReplicaSet app=own, 2 replicas")
    ok = until(lambda: len(pods("own")) == 2)
    p = get(NS + "/pods/orphan")
    t.ok(ok and (p["metadata"].get("ownerReferences") or [{}])[0].get("name") == "own",
         "  the orphan is adopted and one pod created")
    S.req("PATCH", NS + "/pods/orphan", {"metadata": {"labels": {"app": "gone"}}}, MERGE)
    ok = until(lambda: len(pods("own")) == 2 and not get(NS + "/pods/orphan")["metadata"].get(
        "ownerReferences"))
    t.ok(ok, "  a pod whose labels stop matching is released and replaced")
    S.req("DELETE", NS + "/pods/orphan")


def test_validation():
    r = S.req("POST", APPS + "/deployments", deployment("neg", -1))
    t.ok(r.status == 422 and "spec.replicas: Invalid value: -1: must be greater than or equal "
         "to 0" in r.message, "replicas -1: 422", r)
    d = deployment("mis")
    d["spec"]["template"]["metadata"]["labels"] = {"app": "other"}
    r = S.req("POST", APPS + "/deployments", d)
    t.ok(r.status == 422 and "spec.template.metadata.labels: Invalid value: "
         "map[string]string{\"app\":\"other\"}: `selector` does not match template `labels`"
         in r.message, "selector not matching the template labels: 422", r)
    r = S.req("DELETE", APPS + "/deployments/rec", {"propagationPolicy": "Sometimes"})
    t.ok(r.status == 422 and 'propagationPolicy: Unsupported value: "Sometimes"' in r.message,
         "propagationPolicy Sometimes: 422", r)


def deleted_revs(path, rv, app):
    """The revisions of the DELETED events of app's objects since rv."""
    r = S.req("GET", path + "?watch=1&timeoutSeconds=1&resourceVersion=" + rv, timeout=10)
    out = []
    for line in r.body.decode().splitlines():
        ev = json.loads(line)
        o = ev.get("object") or {}
        name = (o.get("metadata") or {}).get("name", "")
        if ev.get("type") == "DELETED" and (name == app or name.startswith(app + "-")):
            out.append(int(o["metadata"]["resourceVersion"]))
    return sorted(out)


def gone(path):
    return S.req("GET", path).status == 404


def test_gc():
    # background (kubectl's default)
    rs_names = [x["metadata"]["name"] for x in rss("web")]
    rc, out = kubectl(K132, "delete", "deployment", "web")
    t.ok(rc == 0, "kubectl delete deployment web", out)
    ok = until(lambda: not rss("web") and not items(NS + "/pods", "app%3Dweb"))
    t.ok(ok and rs_names, "  its ReplicaSets and pods are deleted (background)")
    # foreground: the owner stays, marked, until its dependents are gone
    S.req("POST", APPS + "/deployments", deployment("fg", 2))
    settle("fg", 2)
    rv0 = get(APPS + "/deployments/fg")["metadata"]["resourceVersion"]
    r = S.req("DELETE", APPS + "/deployments/fg", {"propagationPolicy": "Foreground"})
    md = (r.json or {}).get("metadata") or {}
    t.ok(r.status == 200 and md.get("deletionTimestamp") and
         md.get("finalizers") == ["foregroundDeletion"],
         "DELETE Foreground: 200, deletionTimestamp and finalizer foregroundDeletion", r)
    ok = until(lambda: gone(APPS + "/deployments/fg"))
    t.ok(ok and not rss("fg") and not items(NS + "/pods", "app%3Dfg"),
         "  the Deployment, its ReplicaSet and pods are gone")
    # the order, from the stores' history: every pod, then the ReplicaSet,
    # then the Deployment (a DELETED event carries the deletion's RV)
    order = {kind: deleted_revs(path, rv0, "fg") for kind, path in
             [("pod", NS + "/pods"), ("rs", APPS + "/replicasets"),
              ("deploy", APPS + "/deployments")]}
    t.ok(len(order["pod"]) == 2 and len(order["rs"]) == 1 and len(order["deploy"]) == 1
         and max(order["pod"]) < order["rs"][0] < order["deploy"][0],
         "  deleted in the foreground: pods, then the ReplicaSet, then the Deployment", order)
    # orphan
    S.req("POST", APPS + "/deployments", deployment("orph", 2))
    settle("orph", 2)
    rs_name = rss("orph")[0]["metadata"]["name"]
    rc, out = kubectl(K132, "delete", "deployment", "orph", "--cascade=orphan")
    t.ok(rc == 0 and gone(APPS + "/deployments/orph"), "kubectl delete --cascade=orphan", out)
    time.sleep(1)
    rs = get(APPS + "/replicasets/" + rs_name)
    t.ok(rs and not rs["metadata"].get("ownerReferences"),
         "  the ReplicaSet stays, without the ownerReference", rs)
    t.eq(len(pods("orph")), 2, "  its pods stay")
    # an owner replaced by a new object of the same name is not the owner
    S.req("DELETE", APPS + "/replicasets/" + rs_name)
    ok = until(lambda: not items(NS + "/pods", "app%3Dorph"))
    t.ok(ok, "  deleting the orphaned ReplicaSet then deletes its pods")


def test_gc_other_kinds():
    """Owners of kinds the garbage collector does not watch (ConfigMaps)."""
    def owned_pod(name, cm):
        return {"apiVersion": "v1", "kind": "Pod", "metadata": {
            "name": name, "labels": {"app": "cmdep"}, "ownerReferences": [{
                "apiVersion": "v1", "kind": "ConfigMap", "name": cm["metadata"]["name"],
                "uid": cm["metadata"]["uid"], "blockOwnerDeletion": True}]},
            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    for policy, pod_stays in (("orphan", True), ("foreground", False)):
        cm = S.req("POST", NS + "/configmaps", {"metadata": {"name": "cm-" + policy}}).json
        S.req("POST", NS + "/pods", owned_pod("dep-" + policy, cm))
        rc, out = kubectl(K132, "delete", "configmap", "cm-" + policy, "--cascade=" + policy,
                          "--timeout=20s")
        t.ok(rc == 0 and gone(NS + "/configmaps/cm-" + policy),
             "kubectl delete configmap --cascade=%s: it goes" % policy, out)
        p = until(lambda: (get(NS + "/pods/dep-" + policy) or {}).get("metadata", {}).get(
            "ownerReferences") is None and get(NS + "/pods/dep-" + policy)) \
            if pod_stays else until(lambda: gone(NS + "/pods/dep-" + policy))
        t.ok(p, "  its dependent pod %s" % ("stays, without the reference" if pod_stays
                                           else "is deleted first"))
        S.req("DELETE", NS + "/pods/dep-" + policy)
    # an owner deleted by another name's object: gone by uid
    cm = S.req("POST", NS + "/configmaps", {"metadata": {"name": "cm-uid"}}).json
    S.req("POST", NS + "/pods", owned_pod("dep-uid", cm))
    S.req("DELETE", NS + "/configmaps/cm-uid")
    S.req("POST", NS + "/configmaps", {"metadata": {"name": "cm-uid"}})
    t.ok(until(lambda: gone(NS + "/pods/dep-uid")),
         "a pod whose ConfigMap owner was replaced (same name, new uid) is deleted")


def main():
    global S
    S = Server(extra=["--controllers=*,-scheduler"], name="workloads").start()
    for name, fn in [("create", test_create), ("self-heal", test_self_heal),
                     ("scale", test_scale), ("rolling", test_rolling),
                     ("history", test_history_limit), ("recreate", test_recreate),
                     ("deadline", test_deadline), ("paused", test_paused),
                     ("replicaset", test_replicaset), ("validation", test_validation),
                     ("gc", test_gc), ("gc other kinds", test_gc_other_kinds)]:
        t.section(name, fn)
    if t.failed:
        print("# server log:\n# " + S.log_tail(40).replace("\n", "\n# "))
    t.done()


main()
