#!/usr/bin/python3
"""Storage and StatefulSets, API only (no kubelet, no scheduler).

The server runs with --controllers=-scheduler; the test binds pods itself
(pods/binding) and plays the kubelet by writing pod status (Running, Ready)
through /status.

1. PersistentVolume, PersistentVolumeClaim, StorageClass are served; the
   default StorageClass local-path exists; DefaultStorageClass admission;
   bad specs are 422 with upstream's messages.
2. A pre-created volume binds to a matching claim; a released Retain
   volume becomes Released.
3. WaitForFirstConsumer: a local-path claim waits (Event) until a pod using
   it is bound to a node; then a volume pvc-<uid> is provisioned there
   (nodeAffinity, hostPath, claimRef) and both are Bound; deleting the
   claim deletes the volume (reclaim Delete). kubectl 1.32 and 1.20 show
   them Bound.
4. StatefulSet db of 2: db-0 first, db-1 only once db-0 is Ready; labels,
   hostname/subdomain, owner; claims data-db-0/1 Bound on the pods' nodes;
   a deleted pod comes back with the same claim; scale to 0 removes pods in
   reverse and keeps the claims, scale back reuses them; rolling update in
   reverse order honouring the partition; `kubectl rollout status`;
   ControllerRevisions; events; bad specs 422.
Prints TAP."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap, start_finalizer  # noqa: E402

t = Tap()
NS = "default"
KUBECTL_OLD = "/opt/skiff/kubectl-1.20/usr/bin/kubectl"
MERGE = {"Content-Type": "application/merge-patch+json"}


def wait(fn, timeout=10.0, step=0.05):
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(step)


def get(s, path):
    r = s.req("GET", path)
    return r.json if r.status == 200 else None


def pvc_path(name=None):
    p = "/api/v1/namespaces/%s/persistentvolumeclaims" % NS
    return p + "/" + name if name else p


def pod_path(name=None):
    p = "/api/v1/namespaces/%s/pods" % NS
    return p + "/" + name if name else p


STS = "/apis/apps/v1/namespaces/%s/statefulsets" % NS


def claim(name, cls=None, size="1Gi", modes=("ReadWriteOnce",)):
    c = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name},
         "spec": {"accessModes": list(modes), "resources": {"requests": {"storage": size}}}}
    if cls is not None:
        c["spec"]["storageClassName"] = cls
    return c


def node(name):
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "allocatable": {"cpu": "4", "memory": "8Gi", "pods": "110"},
                       "capacity": {"cpu": "4", "memory": "8Gi", "pods": "110"}}}


def pod_with_claim(name, cname):
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"containers": [{"name": "c", "image": "host",
                                     "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
                     "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": cname}}]}}


def bind(s, pod, node_name):
    r = s.req("POST", pod_path(pod) + "/binding",
              {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": pod},
               "target": {"apiVersion": "v1", "kind": "Node", "name": node_name}})
    return r.status


def set_ready(s, pod, ready=True):
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    st = "True" if ready else "False"
    body = {"status": {"phase": "Running", "podIP": "10.244.0.9",
                       "conditions": [{"type": "Ready", "status": st, "lastTransitionTime": now},
                                      {"type": "PodScheduled", "status": "True"}]}}
    return s.req("PATCH", pod_path(pod) + "/status", json.dumps(body), headers=MERGE).status


def phase(s, path):
    o = get(s, path)
    return (o or {}).get("status", {}).get("phase")


def kubectl(s, *args, binary="kubectl"):
    r = subprocess.run([binary, "--kubeconfig", s.kubeconfig] + list(args),
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout + r.stderr


def events(s, reason):
    j = get(s, "/api/v1/namespaces/%s/events" % NS) or {}
    return [e.get("message", "") for e in j.get("items", []) if e.get("reason") == reason]


def invalid(r, *needles):
    j = r.json if isinstance(r.json, dict) else {}
    return r.status == 422 and j.get("reason") == "Invalid" and all(
        n in j.get("message", "") for n in needles)


def section_api(s):
    sc = get(s, "/apis/storage.k8s.io/v1/storageclasses/local-path") or {}
    t.ok(sc.get("provisioner") == "rancher.io/local-path"
         and sc.get("volumeBindingMode") == "WaitForFirstConsumer"
         and sc.get("reclaimPolicy") == "Delete"
         and sc.get("metadata", {}).get("annotations", {}).get(
             "storageclass.kubernetes.io/is-default-class") == "true",
         "default StorageClass local-path exists at bootstrap", sc)
    rc, out = kubectl(s, "api-resources")
    t.ok(rc == 0 and all(x in out for x in ("persistentvolumeclaims", "persistentvolumes",
                                            "storageclasses")),
         "kubectl api-resources lists pv, pvc, storageclasses", out[-400:])
    r = s.req("POST", pvc_path(), claim("defaulted"))
    t.eq((r.json or {}).get("spec", {}).get("storageClassName"), "local-path",
         "DefaultStorageClass: a claim without storageClassName gets local-path")
    r = s.req("POST", pvc_path(), claim("noclass", cls=""))
    t.eq((r.json or {}).get("spec", {}).get("storageClassName"), "",
         "an empty storageClassName stays empty (no class)")
    r = s.req("POST", pvc_path(), {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                   "metadata": {"name": "bad"}, "spec": {}})
    t.ok(invalid(r, "spec.accessModes: Required value: at least 1 access mode is required",
                 "spec.resources[storage]: Required value"),
         "claim without access modes and size: 422", r.body[:300])
    r = s.req("POST", pvc_path(), claim("badmode", modes=("ReadWriteSometimes",)))
    t.ok(invalid(r, 'spec.accessModes: Unsupported value: "ReadWriteSometimes"'),
         "claim with an unknown access mode: 422 Unsupported value", r.body[:300])
    r = s.req("POST", "/api/v1/persistentvolumes",
              {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "bad"},
               "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}})
    t.ok(invalid(r, "spec: Required value: must specify a volume type"),
         "volume without a source: 422", r.body[:300])
    r = s.req("POST", "/api/v1/persistentvolumes",
              {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "bad2"},
               "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"],
                        "local": {"path": "/x"}}})
    t.ok(invalid(r, "spec.nodeAffinity: Required value: Local volume requires node affinity"),
         "local volume without nodeAffinity: 422", r.body[:300])
    r = s.req("POST", "/apis/storage.k8s.io/v1/storageclasses",
              {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
               "metadata": {"name": "bad"}, "volumeBindingMode": "Later"})
    t.ok(invalid(r, "provisioner: Required value",
                 'volumeBindingMode: Unsupported value: "Later": supported values: '
                 '"Immediate", "WaitForFirstConsumer"'),
         "StorageClass without provisioner, bad binding mode: 422", r.body[:300])
    r = s.req("PUT", pvc_path("noclass"), dict(claim("noclass", cls="", size="1Gi",
                                                     modes=("ReadOnlyMany",)),
                                               metadata={"name": "noclass"}))
    t.ok(invalid(r, "spec: Forbidden: spec is immutable after creation"),
         "claim access modes are immutable: 422", r.body[:300])
    s.req("DELETE", pvc_path("defaulted"))
    s.req("DELETE", pvc_path("noclass"))


def section_static(s):
    pv = {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "static-1"},
          "spec": {"capacity": {"storage": "5Gi"}, "accessModes": ["ReadWriteOnce"],
                   "storageClassName": "", "hostPath": {"path": "/tmp/static-1"}}}
    small = dict(pv, metadata={"name": "static-small"},
                 spec=dict(pv["spec"], capacity={"storage": "100Mi"}))
    t.eq(s.req("POST", "/api/v1/persistentvolumes", pv).status, 201, "volume static-1 created")
    s.req("POST", "/api/v1/persistentvolumes", small)
    t.ok(wait(lambda: phase(s, "/api/v1/persistentvolumes/static-1") == "Available"),
         "an unclaimed volume is Available")
    s.req("POST", pvc_path(), claim("static-claim", cls="", size="2Gi"))
    ok = wait(lambda: phase(s, pvc_path("static-claim")) == "Bound")
    c = get(s, pvc_path("static-claim")) or {}
    t.ok(ok and c["spec"].get("volumeName") == "static-1"
         and c["status"].get("capacity", {}).get("storage") == "5Gi"
         and c["status"].get("accessModes") == ["ReadWriteOnce"],
         "a claim without class binds the volume that fits (not the too small one)", c)
    v = get(s, "/api/v1/persistentvolumes/static-1") or {}
    t.ok(v.get("status", {}).get("phase") == "Bound"
         and v["spec"].get("claimRef", {}).get("name") == "static-claim"
         and v["spec"]["claimRef"].get("uid") == c["metadata"]["uid"],
         "the volume is Bound with a claimRef to the claim", v.get("spec"))
    s.req("DELETE", pvc_path("static-claim"))
    t.ok(wait(lambda: phase(s, "/api/v1/persistentvolumes/static-1") == "Released"),
         "a Retain volume whose claim is deleted is Released (and kept)")


def section_wffc(s):
    s.req("POST", pvc_path(), claim("wait-claim"))
    time.sleep(0.5)
    t.eq(phase(s, pvc_path("wait-claim")), "Pending", "a local-path claim without consumer "
         "stays Pending")
    t.ok(wait(lambda: any("waiting for first consumer to be created before binding" in m
                          for m in events(s, "WaitForFirstConsumer"))),
         "Event WaitForFirstConsumer on the claim")
    s.req("POST", pod_path(), pod_with_claim("consumer", "wait-claim"))
    time.sleep(0.3)
    t.eq(phase(s, pvc_path("wait-claim")), "Pending", "still Pending while the pod is "
         "unscheduled")
    t.eq(bind(s, "consumer", "n1"), 201, "consumer bound to n1")
    ok = wait(lambda: phase(s, pvc_path("wait-claim")) == "Bound")
    c = get(s, pvc_path("wait-claim")) or {}
    uid = c.get("metadata", {}).get("uid", "")
    v = get(s, "/api/v1/persistentvolumes/pvc-" + uid) or {}
    terms = v.get("spec", {}).get("nodeAffinity", {}).get("required", {}).get(
        "nodeSelectorTerms", [])
    t.ok(ok and c["spec"].get("volumeName") == "pvc-" + uid
         and c["metadata"].get("annotations", {}).get(
             "volume.kubernetes.io/selected-node") == "n1",
         "the claim is Bound to pvc-<uid> once its pod is on n1 (selected-node n1)", c)
    t.ok(v.get("status", {}).get("phase") == "Bound"
         and v["spec"].get("hostPath", {}).get("path") ==
         "/var/lib/skiff-node/storage/pvc-%s_%s_wait-claim" % (uid, NS)
         and terms == [{"matchExpressions": [{"key": "kubernetes.io/hostname",
                                              "operator": "In", "values": ["n1"]}]}]
         and v["spec"].get("persistentVolumeReclaimPolicy") == "Delete"
         and v["spec"].get("storageClassName") == "local-path"
         and v["spec"].get("capacity") == {"storage": "1Gi"}
         and v["metadata"].get("annotations", {}).get("pv.kubernetes.io/provisioned-by") ==
         "rancher.io/local-path",
         "provisioned volume: hostPath, nodeAffinity to n1, class, size, reclaim Delete", v)
    for binary, ver in (("kubectl", "1.32"), (KUBECTL_OLD, "1.20")):
        rc, out = kubectl(s, "get", "pvc,pv", binary=binary)
        lines = [ln for ln in out.splitlines() if "wait-claim" in ln]
        t.ok(rc == 0 and len(lines) == 2 and all("Bound" in ln for ln in lines)
             and all("local-path" in ln for ln in lines),
             "kubectl %s get pvc,pv shows the claim and volume Bound" % ver, out)
    s.req("DELETE", pod_path("consumer"))
    s.req("DELETE", pvc_path("wait-claim"))
    t.ok(wait(lambda: s.req("GET", "/api/v1/persistentvolumes/pvc-" + uid).status == 404),
         "deleting the claim deletes its volume (reclaim Delete)")


def sts(name="db", replicas=2, **spec):
    o = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name},
         "spec": {"serviceName": name, "replicas": replicas,
                  "selector": {"matchLabels": {"app": name}},
                  "template": {"metadata": {"labels": {"app": name}},
                               "spec": {"containers": [{"name": "c", "image": "host",
                                                        "command": ["sleep", "1000"]}]}},
                  "volumeClaimTemplates": [{"metadata": {"name": "data"},
                                            "spec": {"accessModes": ["ReadWriteOnce"],
                                                     "resources": {"requests":
                                                                   {"storage": "1Gi"}}}}]}}
    o["spec"].update(spec)
    return o


def pod_names(s):
    j = get(s, pod_path() + "?labelSelector=app%3Ddb") or {}
    return sorted(p["metadata"]["name"] for p in j.get("items", []))


def uid_of(s, path):
    return ((get(s, path) or {}).get("metadata") or {}).get("uid")


def rev_of(s, pod):
    return ((get(s, pod_path(pod)) or {}).get("metadata", {}).get("labels", {})
            .get("controller-revision-hash"))


def run_up(s, names):
    """Bind and ready each pod in turn, as the scheduler and kubelet would."""
    for i, n in enumerate(names):
        wait(lambda: get(s, pod_path(n)) is not None)
        p = get(s, pod_path(n)) or {}
        if not p.get("spec", {}).get("nodeName"):
            bind(s, n, "n%d" % (i % 2 + 1))
        set_ready(s, n)


def section_sts(s):
    for body, what, needles in (
            (dict(sts("nosvc"), spec=dict(sts("nosvc")["spec"], serviceName="")),
             "without serviceName", ["spec.serviceName: Required value"]),
            (sts("neg", replicas=-1), "with replicas -1",
             ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]),
            (dict(sts("mis"), spec=dict(sts("mis")["spec"],
                                        selector={"matchLabels": {"app": "other"}})),
             "whose selector does not match the template",
             ["spec.template.metadata.labels: Invalid value: map[string]string{\"app\":\"mis\"}"
              ": `selector` does not match template `labels`"])):
        r = s.req("POST", STS, body)
        t.ok(invalid(r, *needles), "StatefulSet %s: 422" % what, r.body[:400])

    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
           "spec": {"clusterIP": "None", "selector": {"app": "db"}, "ports": [{"port": 5432}]}}
    s.req("POST", "/api/v1/namespaces/%s/services" % NS, svc)
    t.eq(s.req("POST", STS, sts()).status, 201, "StatefulSet db (2 replicas) created")
    t.ok(wait(lambda: pod_names(s) == ["db-0"]), "db-0 is created first", pod_names(s))
    time.sleep(0.5)
    t.eq(pod_names(s), ["db-0"], "db-1 waits while db-0 is not Ready")
    p0 = get(s, pod_path("db-0")) or {}
    st = get(s, STS + "/db") or {}
    labels = p0.get("metadata", {}).get("labels", {})
    ref = (p0.get("metadata", {}).get("ownerReferences") or [{}])[0]
    t.ok(labels.get("app") == "db" and labels.get("statefulset.kubernetes.io/pod-name") == "db-0"
         and labels.get("apps.kubernetes.io/pod-index") == "0"
         and labels.get("controller-revision-hash", "").startswith("db-"),
         "db-0 labels: template, pod-name, pod-index, controller-revision-hash", labels)
    t.ok(ref.get("kind") == "StatefulSet" and ref.get("name") == "db"
         and ref.get("uid") == st.get("metadata", {}).get("uid") and ref.get("controller")
         and ref.get("blockOwnerDeletion"),
         "db-0 is owned by the set (controller, blockOwnerDeletion)", ref)
    t.ok(p0.get("spec", {}).get("hostname") == "db-0"
         and p0["spec"].get("subdomain") == "db", "db-0 hostname db-0, subdomain db")
    vols = p0.get("spec", {}).get("volumes", [])
    t.ok({"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}} in vols,
         "db-0 mounts claim data-db-0", vols)
    c0 = get(s, pvc_path("data-db-0")) or {}
    t.ok(c0.get("status", {}).get("phase") == "Pending"
         and not c0["metadata"].get("ownerReferences")
         and c0["metadata"].get("labels", {}).get("app") == "db"
         and c0["spec"].get("storageClassName") == "local-path",
         "claim data-db-0 made before the pod: Pending, unowned, default class", c0)
    t.ok(wait(lambda: any(m == "create Pod db-0 in StatefulSet db successful"
                          for m in events(s, "SuccessfulCreate"))),
         "Event SuccessfulCreate: create Pod db-0 in StatefulSet db successful")
    bind(s, "db-0", "n1")
    t.ok(wait(lambda: phase(s, pvc_path("data-db-0")) == "Bound"), "data-db-0 Bound once db-0 "
         "is on n1")
    c0 = get(s, pvc_path("data-db-0")) or {}
    v0 = get(s, "/api/v1/persistentvolumes/" + c0.get("spec", {}).get("volumeName", "x")) or {}
    t.ok(v0.get("spec", {}).get("nodeAffinity", {}).get("required", {})
         .get("nodeSelectorTerms", [{}])[0].get("matchExpressions", [{}])[0].get("values") ==
         ["n1"], "data-db-0's volume has nodeAffinity to n1")
    set_ready(s, "db-0")
    t.ok(wait(lambda: pod_names(s) == ["db-0", "db-1"]), "db-1 is created once db-0 is Ready")
    bind(s, "db-1", "n2")
    set_ready(s, "db-1")
    t.ok(wait(lambda: phase(s, pvc_path("data-db-1")) == "Bound"), "data-db-1 Bound")
    t.ok(wait(lambda: (get(s, STS + "/db") or {}).get("status", {}).get("readyReplicas") == 2),
         "status.readyReplicas 2")
    st = (get(s, STS + "/db") or {}).get("status", {})
    t.ok(st.get("replicas") == 2 and st.get("currentReplicas") == 2
         and st.get("updatedReplicas") == 2 and st.get("availableReplicas") == 2
         and st.get("observedGeneration") == 1 and st.get("currentRevision")
         and st.get("currentRevision") == st.get("updateRevision"),
         "status: replicas, current, updated, available, revisions, observedGeneration", st)
    revs = get(s, "/apis/apps/v1/namespaces/%s/controllerrevisions" % NS) or {}
    names = [r["metadata"]["name"] for r in revs.get("items", [])
             if r["metadata"].get("ownerReferences", [{}])[0].get("name") == "db"]
    t.ok(names == [st.get("updateRevision")], "one ControllerRevision named as the "
         "updateRevision", names)
    rc, out = kubectl(s, "rollout", "status", "statefulset/db", "--timeout=20s")
    # kubectl's viewer: with a partition (defaulted 0) "partitioned roll out complete"
    t.ok(rc == 0 and "roll out complete: 2 new pods have been updated" in out,
         "kubectl rollout status statefulset/db", out)

    claim0 = uid_of(s, pvc_path("data-db-0"))
    old0 = uid_of(s, pod_path("db-0"))
    s.req("DELETE", pod_path("db-0"))
    t.ok(wait(lambda: uid_of(s, pod_path("db-0")) not in (None, old0)),
         "a deleted db-0 is made again under the same name")
    p0 = get(s, pod_path("db-0")) or {}
    t.ok({"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}} in
         p0.get("spec", {}).get("volumes", []) and uid_of(s, pvc_path("data-db-0")) == claim0,
         "the new db-0 uses the same claim data-db-0")
    run_up(s, ["db-0"])

    # scale to 0: pods go in reverse order; claims stay
    rv = (get(s, pod_path()) or {}).get("metadata", {}).get("resourceVersion")
    watch = s.conn(timeout=15)
    watch.request("GET", pod_path() + "?watch=1&resourceVersion=%s" % rv,
                  headers={"Authorization": "Bearer " + s.token})
    wresp = watch.getresponse()
    s.req("PATCH", STS + "/db", json.dumps({"spec": {"replicas": 0}}), headers=MERGE)
    gone = []
    deadline = time.time() + 10
    while len(gone) < 2 and time.time() < deadline:
        line = wresp.readline()
        if not line:
            break
        ev = json.loads(line) if line.strip() else {}
        if isinstance(ev, dict) and ev.get("type") == "DELETED":
            gone.append(ev["object"]["metadata"]["name"])
    watch.close()
    t.eq(gone, ["db-1", "db-0"], "scale to 0 deletes db-1, then db-0")
    t.ok(wait(lambda: pod_names(s) == []), "no pods left")
    t.ok(phase(s, pvc_path("data-db-0")) == "Bound" and phase(s, pvc_path("data-db-1")) ==
         "Bound", "claims data-db-0 and data-db-1 survive scale-down")
    s.req("PATCH", STS + "/db", json.dumps({"spec": {"replicas": 2}}), headers=MERGE)
    t.ok(wait(lambda: pod_names(s) == ["db-0"]), "scale back: db-0 again")
    run_up(s, ["db-0"])
    t.ok(wait(lambda: pod_names(s) == ["db-0", "db-1"]), "then db-1")
    run_up(s, ["db-1"])
    t.ok(uid_of(s, pvc_path("data-db-0")) == claim0
         and {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-1"}} in
         (get(s, pod_path("db-1")) or {}).get("spec", {}).get("volumes", []),
         "the same claims are reused")
    t.ok(wait(lambda: (get(s, STS + "/db") or {}).get("status", {}).get("readyReplicas") == 2),
         "both Ready again")

    # rolling update with partition 1: only db-1 moves
    before = rev_of(s, "db-0")
    patch = {"spec": {"updateStrategy": {"type": "RollingUpdate",
                                         "rollingUpdate": {"partition": 1}},
                      "template": {"metadata": {"annotations": {"v": "2"}}}}}
    s.req("PATCH", STS + "/db", json.dumps(patch), headers=MERGE)
    t.ok(wait(lambda: rev_of(s, "db-1") not in (None, before)),
         "rolling update: db-1 is replaced at the new revision")
    run_up(s, ["db-1"])
    time.sleep(0.5)
    t.eq(rev_of(s, "db-0"), before, "db-0, below the partition, keeps the old revision")
    rc, out = kubectl(s, "rollout", "status", "statefulset/db", "--timeout=20s")
    t.ok(rc == 0 and "partitioned roll out complete: 1 new pods have been updated" in out,
         "kubectl rollout status: partitioned roll out complete", out)
    s.req("PATCH", STS + "/db",
          json.dumps({"spec": {"updateStrategy": {"rollingUpdate": {"partition": 0}}}}),
          headers=MERGE)
    t.ok(wait(lambda: rev_of(s, "db-0") not in (None, before)), "partition 0: db-0 follows")
    run_up(s, ["db-0"])
    rc, out = kubectl(s, "rollout", "status", "statefulset/db", "--timeout=20s")
    st = (get(s, STS + "/db") or {}).get("status", {})
    t.ok(rc == 0 and st.get("currentRevision") == st.get("updateRevision")
         and st.get("updatedReplicas") == 2, "rollout complete: currentRevision updated", out)
    section_node_auth(s)
    rc, out = kubectl(s, "get", "pvc", binary=KUBECTL_OLD)
    t.ok(rc == 0 and out.count("Bound") == 2 and "data-db-0" in out,
         "kubectl 1.20 get pvc: both claims Bound", out)


def section_policies(s):
    """Parallel creates every pod at once; OnDelete replaces none; going back
    to an old template reuses (and renumbers) its revision."""
    body = sts("par", replicas=3, podManagementPolicy="Parallel",
               updateStrategy={"type": "OnDelete"})
    body["spec"]["template"]["metadata"]["labels"] = {"app": "par"}
    body["spec"]["selector"] = {"matchLabels": {"app": "par"}}
    t.eq(s.req("POST", STS, body).status, 201, "StatefulSet par (Parallel, OnDelete) created")

    def names():
        j = get(s, pod_path() + "?labelSelector=app%3Dpar") or {}
        return sorted(p["metadata"]["name"] for p in j.get("items", []))
    t.ok(wait(lambda: names() == ["par-0", "par-1", "par-2"]),
         "Parallel: all three pods without waiting for readiness", names())
    first = rev_of(s, "par-1")
    s.req("PATCH", STS + "/par", json.dumps(
        {"spec": {"template": {"metadata": {"annotations": {"v": "2"}}}}}), headers=MERGE)
    t.ok(wait(lambda: (get(s, STS + "/par") or {}).get("status", {}).get("updateRevision")
              not in (None, first)), "a new updateRevision")
    time.sleep(0.5)
    t.ok(all(rev_of(s, n) == first for n in ("par-0", "par-1", "par-2")),
         "OnDelete: no pod is replaced by the controller")
    upd = (get(s, STS + "/par") or {}).get("status", {}).get("updateRevision")
    old = uid_of(s, pod_path("par-1"))
    s.req("DELETE", pod_path("par-1"))
    t.ok(wait(lambda: uid_of(s, pod_path("par-1")) not in (None, old) and
              rev_of(s, "par-1") == upd), "OnDelete: a deleted pod comes back at the update "
         "revision")
    s.req("PATCH", STS + "/par", json.dumps(
        {"spec": {"template": {"metadata": {"annotations": None}}}}), headers=MERGE)
    t.ok(wait(lambda: (get(s, STS + "/par") or {}).get("status", {}).get("updateRevision") ==
              first), "back to the first template: its revision is the update revision again")
    revs = get(s, "/apis/apps/v1/namespaces/%s/controllerrevisions" % NS) or {}
    nums = {r["metadata"]["name"]: r.get("revision") for r in revs.get("items", [])
            if r["metadata"].get("ownerReferences", [{}])[0].get("name") == "par"}
    t.ok(len(nums) == 2 and nums.get(first) == 3 and nums.get(upd) == 2,
         "two revisions; the reused one renumbered 3", nums)
    s.req("PATCH", STS + "/par", json.dumps({"spec": {"replicas": 0}}), headers=MERGE)
    t.ok(wait(lambda: names() == []), "Parallel scale to 0 removes all pods")


def section_node_auth(s):
    """The kubelets' credentials: a node reads the claims of its pods and their volumes."""
    with open(os.path.join(s.data_dir, "join-token")) as f:
        jt = f.read().strip()
    cred = {}
    for n in ("n1", "n2"):
        r = s.req("POST", "/skiff/v1/join", {"nodeName": n}, token="Bearer " + jt)
        cred[n] = "Bearer " + ((r.json or {}).get("token") or "")
    on = {n: (get(s, pod_path(n)) or {}).get("spec", {}).get("nodeName") for n in ("db-0",)}
    other = "n2" if on["db-0"] == "n1" else "n1"
    pv = (get(s, pvc_path("data-db-0")) or {}).get("spec", {}).get("volumeName", "x")
    t.eq(s.req("GET", pvc_path("data-db-0"), token=cred[on["db-0"]]).status, 200,
         "db-0's node reads claim data-db-0")
    t.eq(s.req("GET", "/api/v1/persistentvolumes/" + pv, token=cred[on["db-0"]]).status, 200,
         "db-0's node reads its volume")
    t.eq(s.req("GET", "/api/v1/persistentvolumes/" + pv, token=cred[other]).status, 403,
         "another node may not read it")
    t.eq(s.req("GET", "/api/v1/persistentvolumes/pvc-gone", token=cred[other]).status, 404,
         "a node asking for a volume that is gone gets 404 (the kubelet's reclaim)")
    t.eq(s.req("GET", "/api/v1/persistentvolumes", token=cred[other]).status, 403,
         "a node may not list volumes")


def main():
    s = Server(extra=["--controllers=*,-scheduler"]).start()
    start_finalizer(s)  # no kubelet: pods deleted gracefully are finished here
    for n in ("n1", "n2"):
        s.req("POST", "/api/v1/nodes", node(n))
    for name, fn in (("api", section_api), ("static", section_static), ("wffc", section_wffc),
                     ("statefulset", section_sts), ("policies", section_policies)):
        t.section(name, fn, s)
    t.done()


main()
