#!/usr/bin/python3
"""The EndpointSlice and Endpoints controllers inside skiff-server, through
the API only: Nodes and Pods are created as objects, and pod status (podIP,
Ready) is written through /status as a kubelet would.

Checks: a selector Service gets a managed slice (labels, generateName,
owner, addressType, ready/serving/terminating, nodeName, zone, targetRef,
hostname, ports from a named and a numeric targetPort) and an Endpoints;
not-Ready flips ready and moves the address to notReadyAddresses; a
terminating pod is serving but not ready; a deleted pod disappears; pods
resolving a named port differently go to different slices; 250 pods make
3 slices of at most 100; a label change moves a pod between Services; a
no-op pod status write writes nothing; publishNotReadyAddresses; a Service
without pods keeps one empty slice; hand-written slices and the server's
own kubernetes/kube-dns objects are untouched; a Service that loses its
selector loses its slices (its Endpoints stay); a deleted Service loses
its slices and Endpoints; kubectl 1.32 and 1.20 list both. Prints TAP."""
import json
import os
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
NS = "default"
PODS = "/api/v1/namespaces/%s/pods" % NS
SVCS = "/api/v1/namespaces/%s/services" % NS
EPS = "/api/v1/namespaces/%s/endpoints" % NS
SLICES = "/apis/discovery.k8s.io/v1/namespaces/%s/endpointslices" % NS
MANAGED = "endpointslice.kubernetes.io/managed-by"
SVCNAME = "kubernetes.io/service-name"
KUBECTLS = [("1.32", "kubectl"), ("1.20", "/opt/skiff/kubectl-1.20/usr/bin/kubectl")]
MERGE = {"Content-Type": "application/merge-patch+json"}

# its pods are bound to Nodes that send no heartbeats: the node lifecycle
# controller would mark them not Ready after its grace period
srv = Server(name="eps", extra=["--controllers=*,-nodelifecycle"]).start()
conn = srv.conn()


def req(method, path, body=None, headers=None):
    global conn
    try:
        return srv.req(method, path, body, headers=headers, conn=conn)
    except OSError:
        conn = srv.conn()
        return srv.req(method, path, body, headers=headers, conn=conn)


def until(fn, timeout=10.0):
    """fn's last value once truthy, or its last value at the deadline."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.05)


def managed_slices(svc):
    sel = urllib.parse.quote("%s=%s,%s=endpointslice-controller.k8s.io" % (SVCNAME, svc, MANAGED))
    r = req("GET", SLICES + "?labelSelector=" + sel)
    return sorted(r.json["items"], key=lambda s: s["metadata"]["name"]) if r.status == 200 else []


def endpoints_of(svc):
    return [e for s in managed_slices(svc) for e in s.get("endpoints") or []]


def ep_by_pod(svc):
    return dict((e["targetRef"]["name"], e) for e in endpoints_of(svc))


def get(path):
    r = req("GET", path)
    return r.json if r.status == 200 else None


def node(name, zone=None):
    md = {"name": name}
    if zone:
        md["labels"] = {"topology.kubernetes.io/zone": zone}
    r = req("POST", "/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": md})
    assert r.status == 201, r


def pod(name, labels, ip=None, ready=True, node_name="n1", ports=None, phase="Running", **spec):
    body = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
            "spec": dict({"nodeName": node_name, "containers": [
                {"name": "c", "image": "busybox", "ports": ports or []}]}, **spec)}
    r = req("POST", PODS, body)
    assert r.status == 201, r
    if ip:
        set_status(name, ip, ready, phase)
    return r.json


def set_status(name, ip, ready, phase="Running", extra=None):
    st = {"phase": phase, "podIP": ip, "podIPs": [{"ip": ip}], "hostIP": "192.0.2.1",
          "conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    st.update(extra or {})
    r = req("PATCH", PODS + "/%s/status" % name, {"status": st}, MERGE)
    assert r.status == 200, r
    return r.json


def service(name, selector, ports, **spec):
    s = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
         "spec": dict({"ports": ports}, **spec)}
    if selector is not None:
        s["spec"]["selector"] = selector
    r = req("POST", SVCS, s)
    assert r.status == 201, r
    return r.json


def rvs(svc):
    return sorted((s["metadata"]["name"], s["metadata"]["resourceVersion"])
                  for s in managed_slices(svc))


# ------------------------------------------------------------ the basics
def basics():
    node("n1", zone="zone-a")
    svc = service("web", {"app": "web"},
                  [{"name": "http", "port": 80, "targetPort": "http"},
                   {"name": "metrics", "port": 9100, "targetPort": 9100, "protocol": "TCP"}])
    p = pod("web-1", {"app": "web", "tier": "x"}, "10.244.1.5",
            ports=[{"name": "http", "containerPort": 8080}],
            hostname="web-1", subdomain="web")
    e = until(lambda: ep_by_pod("web").get("web-1"))
    t.ok(e, "a Ready pod of a selector Service becomes an endpoint of a managed slice",
         managed_slices("web"))
    sl = managed_slices("web")
    t.eq(len(sl), 1, "one slice")
    s = sl[0]
    md = s["metadata"]
    t.eq(md.get("generateName"), "web-", "generateName <svc>-")
    t.ok(md["name"].startswith("web-") and len(md["name"]) == 9, "name is generated", md["name"])
    t.eq((md["labels"].get(SVCNAME), md["labels"].get(MANAGED)),
         ("web", "endpointslice-controller.k8s.io"), "service-name and managed-by labels")
    t.eq(md.get("ownerReferences"),
         [{"apiVersion": "v1", "kind": "Service", "name": "web", "uid": svc["metadata"]["uid"],
           "controller": True, "blockOwnerDeletion": True}], "owned by the Service")
    t.eq(s.get("addressType"), "IPv4", "addressType IPv4")
    t.eq(e["addresses"], ["10.244.1.5"], "addresses: the pod IP")
    t.eq(e["conditions"], {"ready": True, "serving": True, "terminating": False},
         "Ready pod: ready, serving, not terminating")
    t.eq(e.get("nodeName"), "n1", "nodeName")
    t.eq(e.get("zone"), "zone-a", "zone from the node's topology.kubernetes.io/zone")
    t.eq(e.get("hostname"), "web-1", "hostname (spec.subdomain names the Service)")
    t.eq(e["targetRef"], {"kind": "Pod", "namespace": NS, "name": "web-1",
                          "uid": p["metadata"]["uid"]}, "targetRef")
    t.eq(sorted((x["name"], x["port"], x["protocol"]) for x in s["ports"]),
         [("http", 8080, "TCP"), ("metrics", 9100, "TCP")],
         "ports: the named targetPort resolved in the pod, the numeric one as is")

    ep = until(lambda: (get(EPS + "/web") or {}).get("subsets"))
    t.eq(ep, [{"addresses": [{"ip": "10.244.1.5", "hostname": "web-1", "nodeName": "n1",
                              "targetRef": {"kind": "Pod", "namespace": NS, "name": "web-1",
                                            "uid": p["metadata"]["uid"]}}],
               "ports": sorted([{"name": "http", "port": 8080, "protocol": "TCP"},
                                {"name": "metrics", "port": 9100, "protocol": "TCP"}],
                               key=lambda x: x["name"])}],
         "Endpoints web: the address with hostname, nodeName, targetRef; both ports")
    t.eq((get(EPS + "/web") or {}).get("metadata", {}).get("labels"),
         {"endpointslice.kubernetes.io/skip-mirror": "true"}, "Endpoints labelled skip-mirror")

    # a pod on a node without a zone, no hostname (subdomain names another service)
    node("n2")
    pod("web-2", {"app": "web"}, "10.244.2.7", node_name="n2",
        ports=[{"name": "http", "containerPort": 8080}], hostname="h", subdomain="other")
    e2 = until(lambda: ep_by_pod("web").get("web-2"))
    t.ok(e2 and "zone" not in e2 and "hostname" not in e2 and e2.get("nodeName") == "n2",
         "no zone without the node label, no hostname when the subdomain is another service",
         e2)
    t.eq(len(managed_slices("web")), 1, "the second pod joins the same slice")

    # a pod without an IP yet, and a Succeeded one: not endpoints
    pod("web-noip", {"app": "web"}, ports=[{"name": "http", "containerPort": 8080}])
    pod("web-done", {"app": "web"}, "10.244.1.9", phase="Succeeded",
        ports=[{"name": "http", "containerPort": 8080}])
    time.sleep(0.5)
    t.eq(sorted(ep_by_pod("web")), ["web-1", "web-2"],
         "pods without a podIP or in phase Succeeded are not endpoints")

    # not Ready
    set_status("web-1", "10.244.1.5", False)
    e = until(lambda: (ep_by_pod("web").get("web-1") or {}).get("conditions", {}).get(
        "ready") is False and ep_by_pod("web")["web-1"])
    t.eq(e and e["conditions"], {"ready": False, "serving": False, "terminating": False},
         "the pod turning not-Ready flips ready (and serving) to false")
    ep = until(lambda: [ss for ss in (get(EPS + "/web") or {}).get("subsets") or []
                        if ss.get("notReadyAddresses")])
    t.ok(ep and [a["ip"] for a in ep[0]["notReadyAddresses"]] == ["10.244.1.5"] and
         [a["ip"] for a in ep[0]["addresses"]] == ["10.244.2.7"],
         "Endpoints: the not-Ready pod under notReadyAddresses", get(EPS + "/web"))
    set_status("web-1", "10.244.1.5", True)
    until(lambda: (ep_by_pod("web").get("web-1") or {}).get("conditions", {}).get("ready"))

    # no-op status write: nothing rewritten
    before, ep_rv = rvs("web"), get(EPS + "/web")["metadata"]["resourceVersion"]
    set_status("web-1", "10.244.1.5", True,
               extra={"containerStatuses": [{"name": "c", "ready": True, "restartCount": 1,
                                             "image": "busybox", "imageID": "",
                                             "state": {"running": {}}}]})
    time.sleep(1.0)
    t.eq(rvs("web"), before, "a pod status write that changes no endpoint rewrites no slice")
    t.eq(get(EPS + "/web")["metadata"]["resourceVersion"], ep_rv,
         "... and not the Endpoints")

    # terminating: a pod on a node is deleted gracefully (deletionTimestamp
    # set, kept until its kubelet has stopped it and deletes it with grace 0)
    r = req("DELETE", PODS + "/web-2")
    t.ok(r.status == 200 and r.json["metadata"].get("deletionTimestamp"),
         "DELETE of a pod on a node answers the pod, now with a deletionTimestamp", r)
    e = until(lambda: (ep_by_pod("web").get("web-2") or {}).get("conditions", {}).get(
        "terminating") and ep_by_pod("web")["web-2"])
    t.eq(e and e["conditions"], {"ready": False, "serving": True, "terminating": True},
         "a terminating Ready pod: serving, terminating, not ready")
    ep = until(lambda: [a["ip"] for ss in get(EPS + "/web").get("subsets") or []
                        for a in ss.get("addresses", []) + ss.get("notReadyAddresses", [])]
               == ["10.244.1.5"])
    t.ok(ep, "Endpoints leave a terminating pod out", get(EPS + "/web"))

    # deleted pod: the kubelet's last delete, grace 0
    r = req("DELETE", PODS + "/web-2", {"apiVersion": "v1", "kind": "DeleteOptions",
                                        "gracePeriodSeconds": 0})
    t.ok(r.status == 200, "pod web-2 deleted", r)
    t.ok(until(lambda: "web-2" not in ep_by_pod("web")), "a deleted pod disappears from the slice")
    t.ok(until(lambda: "10.244.2.7" not in json.dumps(get(EPS + "/web"))),
         "... and from the Endpoints")

    # a pod resolving the named port differently: another slice (upstream)
    pod("web-3", {"app": "web"}, "10.244.1.6", ports=[{"name": "http", "containerPort": 8081}])
    sl = until(lambda: len(managed_slices("web")) == 2 and managed_slices("web"))
    got = sorted((sorted(p["port"] for p in s["ports"]),
                  [e["targetRef"]["name"] for e in s["endpoints"]]) for s in (sl or []))
    t.eq(got, [([8080, 9100], ["web-1"]), ([8081, 9100], ["web-3"])],
         "pods with different resolved ports are in different slices")
    ep = get(EPS + "/web")
    ports = sorted(tuple(sorted(p["port"] for p in ss["ports"])) for ss in ep["subsets"])
    t.eq(ports, [(8080,), (8081,), (9100,)],
         "Endpoints repacked per port: the ports offered by the same addresses share a subset")
    req("DELETE", PODS + "/web-3?gracePeriodSeconds=0")
    t.ok(until(lambda: len(managed_slices("web")) == 1), "its slice goes with its last pod")


# ----------------------------------------------------------------- scale
def scale():
    service("big", {"app": "big"}, [{"name": "http", "port": 80, "targetPort": 8080}])
    for i in range(250):
        pod("big-%03d" % i, {"app": "big"}, "10.245.%d.%d" % (i // 200, i % 200 + 1))
    sl = until(lambda: (lambda s: sum(len(x.get("endpoints") or []) for x in s) == 250 and s)(
        managed_slices("big")), 30)
    t.ok(sl, "250 pods: 250 endpoints", [len(x.get("endpoints") or []) for x in
                                          managed_slices("big")])
    sizes = sorted(len(x["endpoints"]) for x in sl or [])
    t.eq(len(sizes), 3, "in 3 slices")
    t.ok(sizes and max(sizes) <= 100, "of at most 100 endpoints each", sizes)
    names = set(e["targetRef"]["name"] for x in sl or [] for e in x["endpoints"])
    t.eq(len(names), 250, "each pod once")
    ep = get(EPS + "/big")
    t.eq(sum(len(ss.get("addresses", [])) for ss in ep["subsets"]), 250,
         "Endpoints big: 250 addresses")
    # one pod flips: one slice rewritten, the others not
    before = dict(rvs("big"))
    set_status("big-007", "10.245.0.8", False)
    until(lambda: not ep_by_pod("big")["big-007"]["conditions"]["ready"])
    after = dict(rvs("big"))
    t.eq(sorted(before), sorted(after), "the same slices are kept (updated in place)")
    t.eq(sum(1 for k in before if before[k] != after.get(k)), 1,
         "one pod's change rewrites only its slice")
    for i in range(0, 250, 2):
        req("DELETE", PODS + "/big-%03d?gracePeriodSeconds=0" % i)
    sl = until(lambda: (lambda s: sum(len(x.get("endpoints") or []) for x in s) == 125 and s)(
        managed_slices("big")), 30)
    t.ok(sl and all(1 <= len(x["endpoints"]) <= 100 for x in sl),
         "half the pods deleted: 125 endpoints left, no empty slice",
         [len(x.get("endpoints") or []) for x in managed_slices("big")])


# --------------------------------------------------- labels and selectors
def labels():
    service("sa", {"app": "a"}, [{"port": 80}])
    service("sb", {"app": "b"}, [{"port": 80}])
    pod("mover", {"app": "a"}, "10.244.3.3")
    t.ok(until(lambda: "mover" in ep_by_pod("sa")), "pod in service a")
    r = req("PATCH", PODS + "/mover", {"metadata": {"labels": {"app": "b"}}}, MERGE)
    t.ok(r.status == 200, "relabel app=b", r)
    t.ok(until(lambda: "mover" in ep_by_pod("sb") and "mover" not in ep_by_pod("sa")),
         "a label change moves the pod from service a's slice to service b's",
         (ep_by_pod("sa"), ep_by_pod("sb")))
    t.ok(until(lambda: "10.244.3.3" in json.dumps(get(EPS + "/sb")) and
               "10.244.3.3" not in json.dumps(get(EPS + "/sa"))),
         "... and between their Endpoints")
    t.eq([p["name"] for p in managed_slices("sb")[0]["ports"]], [""],
         "an unnamed service port is name \"\" in the slice")
    t.eq([(s["endpoints"], s["ports"]) for s in managed_slices("sa")], [([], [])],
         "a Service without endpoints keeps one empty slice (no ports: upstream's placeholder)")

    # publishNotReadyAddresses
    service("pub", {"app": "pub"}, [{"port": 80}], publishNotReadyAddresses=True,
            clusterIP="None")
    pod("pub-1", {"app": "pub"}, "10.244.4.4", ready=False)
    e = until(lambda: ep_by_pod("pub").get("pub-1"))
    t.eq(e and e["conditions"], {"ready": True, "serving": False, "terminating": False},
         "publishNotReadyAddresses: a not-Ready pod is ready")
    ep = get(EPS + "/pub")
    t.ok(ep and [a["ip"] for a in ep["subsets"][0].get("addresses", [])] == ["10.244.4.4"]
         and not ep["subsets"][0].get("notReadyAddresses"),
         "publishNotReadyAddresses: Endpoints list it under addresses", ep)
    t.eq(managed_slices("pub")[0]["metadata"]["labels"].get("service.kubernetes.io/headless"),
         "", "a headless Service's slices are labelled service.kubernetes.io/headless")

    # selector removed: managed slices go, the Endpoints stay (upstream leaves them)
    service("lose", {"app": "lose"}, [{"port": 80}])
    pod("lose-1", {"app": "lose"}, "10.244.5.5")
    until(lambda: "lose-1" in ep_by_pod("lose"))
    until(lambda: "10.244.5.5" in json.dumps(get(EPS + "/lose")))
    cur = get(SVCS + "/lose")
    del cur["spec"]["selector"]
    r = req("PUT", SVCS + "/lose", cur)
    t.ok(r.status == 200, "selector removed", r)
    t.ok(until(lambda: not managed_slices("lose")),
         "a Service that lost its selector loses its managed slices")
    ep_rv = get(EPS + "/lose")["metadata"]["resourceVersion"]
    req("DELETE", PODS + "/lose-1?gracePeriodSeconds=0")
    time.sleep(0.5)
    t.eq(get(EPS + "/lose")["metadata"]["resourceVersion"], ep_rv,
         "the Endpoints of a Service without a selector are left alone")


# ------------------------------------------------------------- untouched
def untouched():
    hand = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "web-hand", "labels": {SVCNAME: "web"}},
            "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}],
            "endpoints": [{"addresses": ["10.9.9.9"], "conditions": {"ready": True}}]}
    r = req("POST", SLICES, hand)
    t.ok(r.status == 201, "a hand-written slice for service web", r)
    hand_rv = r.json["metadata"]["resourceVersion"]
    own = [("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes"),
           ("/api/v1/namespaces/default/endpoints/kubernetes"),
           ("/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns")]
    own_rv = [(get(p) or {}).get("metadata", {}).get("resourceVersion") for p in own]
    # churn: web's pods change, a selector is put on a copy of kubernetes' name elsewhere
    set_status("web-1", "10.244.1.5", False)
    until(lambda: not ep_by_pod("web")["web-1"]["conditions"]["ready"])
    set_status("web-1", "10.244.1.5", True)
    until(lambda: ep_by_pod("web")["web-1"]["conditions"]["ready"])
    time.sleep(0.3)
    t.eq((get(SLICES + "/web-hand") or {}).get("metadata", {}).get("resourceVersion"), hand_rv,
         "the hand-written slice (no managed-by label) is untouched")
    t.eq([(get(p) or {}).get("metadata", {}).get("resourceVersion") for p in own], own_rv,
         "kubernetes' Endpoints and slice and kube-dns' slice are untouched")
    t.ok(all(own_rv), "... and still there", own_rv)
    t.eq(managed_slices("kubernetes") + managed_slices("kube-dns"), [],
         "no managed slice for kubernetes or kube-dns")
    # a managed slice edited by hand is put back
    s = managed_slices("web")[0]
    s["endpoints"] = []
    r = req("PUT", SLICES + "/" + s["metadata"]["name"], s)
    t.ok(r.status == 200, "a managed slice emptied by hand", r)
    t.ok(until(lambda: "web-1" in ep_by_pod("web")), "... is put back by the controller")


# --------------------------------------------------------------- kubectl
def kubectl():
    for ver, exe in KUBECTLS:
        if not (os.path.exists(exe) or ver == "1.32"):
            t.skip("kubectl %s get endpoints" % ver, "not installed")
            continue
        base = [exe, "--kubeconfig", srv.kubeconfig, "-n", NS]
        r = subprocess.run(base + ["get", "endpoints", "web"], capture_output=True, text=True,
                           timeout=60)
        t.ok(r.returncode == 0 and "web" in r.stdout and "10.244.1.5:8080" in r.stdout,
             "kubectl %s get endpoints shows web's address" % ver, r.stdout + r.stderr)
        r = subprocess.run(base + ["get", "endpointslices", "-l", SVCNAME + "=web"],
                           capture_output=True, text=True, timeout=60)
        rows = [ln for ln in r.stdout.splitlines()[1:] if ln.strip()]
        t.ok(r.returncode == 0 and any(ln.split()[0].startswith("web-") and "IPv4" in ln and
                                       "10.244.1.5" in ln for ln in rows),
             "kubectl %s get endpointslices shows the managed slice" % ver,
             r.stdout + r.stderr)


# ---------------------------------------------------------- service gone
def deleted():
    r = req("DELETE", SVCS + "/web")
    t.ok(r.status == 200, "service web deleted", r)
    t.ok(until(lambda: not managed_slices("web")), "its managed slices are deleted")
    t.ok(until(lambda: req("GET", EPS + "/web").status == 404), "its Endpoints are deleted")
    t.ok(get(SLICES + "/web-hand") is not None, "the hand-written slice stays")
    t.ok(get("/api/v1/namespaces/default/endpoints/kubernetes") is not None,
         "kubernetes' Endpoints stay")


for name, fn in [("basics", basics), ("scale", scale), ("labels", labels),
                 ("untouched", untouched), ("kubectl", kubectl), ("deleted", deleted)]:
    t.section(name, fn)
t.done()
