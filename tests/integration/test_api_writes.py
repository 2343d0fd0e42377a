#!/usr/bin/python3
"""Write paths that must change exactly what they say, and nothing else.

1. /status: PUT and every patch type (merge, strategic, JSON) on the status
   subresource of every type that has one; the status changes, the spec does
   not, the server stays up (a merge patch of pods/status used to crash it).
2. dryRun=All on create, update, patch (3 types), delete (query and
   DeleteOptions body), /status, /scale and /binding: the answer is what
   would be stored (a ClusterIP chosen, defaults filled), but the store
   revision does not move, no watch event is sent, and a chosen ClusterIP
   stays free. Other dryRun values get upstream's 422 naming the option.
3. Real clients: kubectl 1.32 and 1.20 (`--dry-run=server` on create,
   apply, delete, run, scale, label; 1.32 `diff` and `patch
   --subresource=status`) and the python client's dry_run="All".
4. Bodies with a \\u0000 escape are refused (400) and store nothing; an
   object a write would make larger than the limit gets 413 and stores
   nothing. Prints TAP."""
import json
import os
import socket
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import API_ONLY, Server, Tap, svc  # noqa: E402

t = Tap()
NS = "/api/v1/namespaces/default"
KUBECTLS = [("1.32", "kubectl"), ("1.20", "/opt/skiff/kubectl-1.20/usr/bin/kubectl")]
MERGE = {"Content-Type": "application/merge-patch+json"}
SMP = {"Content-Type": "application/strategic-merge-patch+json"}
JSONP = {"Content-Type": "application/json-patch+json"}

# One object per type with a /status subresource: (collection, manifest).
STATUS_TYPES = [
    ("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                            "metadata": {"name": "st-ns"}}),
    (NS + "/pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "st-pod"},
                    "spec": {"containers": [{"name": "c", "image": "host",
                                             "command": ["sleep", "1"]}]}}),
    ("/api/v1/nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "st-node"}}),
    # a LoadBalancer: status.loadBalancer.ingress is for no other type
    (NS + "/services", svc("st-svc", type="LoadBalancer")),
] + [
    ("/apis/apps/v1/namespaces/default/" + plural,
     {"apiVersion": "apps/v1", "kind": kind, "metadata": {"name": "st-" + plural[:-1]},
      "spec": dict({"replicas": 1, "selector": {"matchLabels": {"app": plural}},
                    "template": {"metadata": {"labels": {"app": plural}},
                                 "spec": {"containers": [{"name": "c", "image": "host"}]}}},
                   **extra)})
    for plural, kind, extra in [("deployments", "Deployment", {}),
                                ("replicasets", "ReplicaSet", {}),
                                ("statefulsets", "StatefulSet", {"serviceName": "st"})]
]


# Per kind: a status field its schema has, and four values for it.
STATUS_FIELD = {
    "Namespace": ("phase", ["merge", "smp", "json", "main"]),
    "Pod": ("reason", ["merge", "smp", "json", "main"]),
    "Node": ("phase", ["merge", "smp", "json", "main"]),
    # one condition type: a strategic merge by type replaces it as well
    "Service": ("conditions", [[{"type": "Ready", "status": v}]
                               for v in ("merge", "smp", "json", "main")]),
}


def store_rev(s):
    """The store's current revision (a list's resourceVersion)."""
    r = s.req("GET", "/api/v1/namespaces")
    return int(r.json["metadata"]["resourceVersion"])


class Watch:
    """A raw watch stream on one collection, read with a deadline."""

    def __init__(self, s, path, rv):
        raw = socket.create_connection(("127.0.0.1", s.port), timeout=10)
        self.sock = s.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        req = ("GET %s?watch=1&resourceVersion=%d HTTP/1.1\r\nHost: x\r\n"
               "Authorization: Bearer %s\r\nAccept: application/json\r\n\r\n"
               % (path, rv, s.token))
        self.sock.sendall(req.encode())
        self.buf = b""

    def events_until(self, name, timeout=10):
        """Events up to and including the first one about `name`."""
        out, deadline = [], time.time() + timeout
        while time.time() < deadline:
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                line = line.strip()
                if not line.startswith(b"{"):
                    continue  # headers and chunk sizes
                ev = json.loads(line)
                out.append(ev)
                if ev["object"].get("metadata", {}).get("name") == name:
                    return out
            try:
                self.sock.settimeout(max(0.1, deadline - time.time()))
                data = self.sock.recv(65536)
            except (socket.timeout, ssl.SSLError):
                continue
            if not data:
                break
            self.buf += data
        return out

    def close(self):
        self.sock.close()


def check_lb_status_forbidden(s):
    """upstream's ValidateLoadBalancerStatus: ingress on a ClusterIP Service
    is a 422 naming the field, and nothing is stored."""
    s.req("POST", NS + "/services", svc("st-cip"))
    before = s.req("GET", NS + "/services/st-cip").json
    cur = dict(before, status={"loadBalancer": {"ingress": [{"ip": "192.0.2.3"}]}})
    r = s.req("PUT", NS + "/services/st-cip/status", cur)
    after = s.req("GET", NS + "/services/st-cip").json
    t.ok(r.status == 422 and "status.loadBalancer.ingress" in r.message and
         "may only be used when `spec.type` is 'LoadBalancer'" in r.message and
         after["metadata"]["resourceVersion"] == before["metadata"]["resourceVersion"],
         "Service: status.loadBalancer.ingress on a ClusterIP Service is a 422 naming it; "
         "nothing stored", r)


def check_status_types(s):
    for coll, obj in STATUS_TYPES:
        name = obj["metadata"]["name"]
        kind = obj["kind"]
        r = s.req("POST", coll, obj)
        if not t.ok(r.status == 201, "%s: create" % kind, r):
            continue
        path = coll + "/" + name
        spec0 = r.json.get("spec")
        # PUT /status with the current object and a new status
        cur = s.req("GET", path).json
        cur["status"] = {"phase": "Put"} if kind in ("Namespace", "Pod", "Node") else \
            {"observedGeneration": 7}
        if kind == "Service":
            cur["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.1"}]}}
        cur.setdefault("spec", {})
        changed_spec = dict(cur["spec"], bogusSpecChange=True) if kind != "Namespace" else \
            cur["spec"]
        cur["spec"] = changed_spec
        r = s.req("PUT", path + "/status", cur)
        got = (r.json or {}).get("status") or {}
        t.ok(r.status == 200 and all(got.get(k) == v for k, v in cur["status"].items()) and
             r.json.get("spec") == spec0, "%s: PUT /status sets status only" % kind, r)
        # a status field of the kind's schema (unknown ones are dropped
        # as upstream drops them) and the value each patch type sets
        key, vals = STATUS_FIELD.get(kind, ("observedGeneration", [11, 12, 13, 14]))
        for hdr, body, want in [
                (MERGE, {"status": {key: vals[0]}}, vals[0]),
                (SMP, {"status": {key: vals[1]}}, vals[1]),
                (JSONP, [{"op": "add", "path": "/status/" + key, "value": vals[2]}], vals[2])]:
            r = s.req("PATCH", path + "/status", json.dumps(body), headers=hdr)
            t.ok(r.status == 200 and r.json.get("status", {}).get(key) == want and
                 r.json.get("spec") == spec0,
                 "%s: PATCH /status (%s) changes the status" % (kind, hdr["Content-Type"]),
                 r)
        # a status in a main-resource patch is ignored
        r = s.req("PATCH", path, json.dumps({"status": {key: vals[3]}}), headers=MERGE)
        t.ok(r.status == 200 and r.json.get("status", {}).get(key) == vals[2],
             "%s: PATCH of the main resource ignores status" % kind, r)
    t.ok(s.proc.poll() is None and s.req("GET", "/healthz", token=False).status == 200,
         "server alive after every /status write")


def dry_cases(s):
    """(text, method, path, body, headers, expected code, check(resp))."""
    dep = "/apis/apps/v1/namespaces/default/deployments/st-deployment"
    return [
        ("create Service", "POST", NS + "/services?dryRun=All", svc("dry-new"), None, 201,
         lambda r: r.json["spec"].get("clusterIP", "").startswith("10.96.") and
         "resourceVersion" not in r.json["metadata"] and r.json["metadata"].get("uid")),
        ("create Service with a chosen clusterIP", "POST", NS + "/services?dryRun=All",
         svc("dry-ip", clusterIP="10.96.200.200"), None, 201,
         lambda r: r.json["spec"]["clusterIP"] == "10.96.200.200"),
        ("PUT", "PUT", NS + "/services/dry-keep?dryRun=All", None, None, 200,
         lambda r: r.json["metadata"]["labels"] == {"put": "yes"}),
        ("PATCH merge", "PATCH", NS + "/services/dry-keep?dryRun=All",
         '{"metadata":{"labels":{"m":"1"}}}', MERGE, 200,
         lambda r: r.json["metadata"]["labels"].get("m") == "1"),
        ("PATCH strategic", "PATCH", NS + "/services/dry-keep?dryRun=All",
         '{"spec":{"sessionAffinity":"ClientIP"}}', SMP, 200,
         lambda r: r.json["spec"]["sessionAffinity"] == "ClientIP"),
        ("PATCH json", "PATCH", NS + "/services/dry-keep?dryRun=All",
         '[{"op":"replace","path":"/spec/ports/0/port","value":82}]', JSONP, 200,
         lambda r: r.json["spec"]["ports"][0]["port"] == 82),
        ("PATCH /status", "PATCH", NS + "/services/dry-keep/status?dryRun=All",
         '{"status":{"loadBalancer":{"ingress":[{"ip":"192.0.2.9"}]}}}', MERGE, 200,
         lambda r: r.json["status"]["loadBalancer"]["ingress"][0]["ip"] == "192.0.2.9"),
        ("PUT /scale", "PUT", dep + "/scale?dryRun=All",
         {"kind": "Scale", "apiVersion": "autoscaling/v1",
          "metadata": {"name": "st-deployment", "namespace": "default"},
          "spec": {"replicas": 9}}, None, 200, lambda r: r.json["spec"]["replicas"] == 9),
        ("PATCH /scale", "PATCH", dep + "/scale?dryRun=All", '{"spec":{"replicas":8}}', MERGE,
         200, lambda r: r.json["spec"]["replicas"] == 8),
        ("POST /binding", "POST", NS + "/pods/dry-pod/binding?dryRun=All",
         {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "dry-pod"},
          "target": {"apiVersion": "v1", "kind": "Node", "name": "n1"}}, None, 201,
         lambda r: True),
        ("DELETE (query)", "DELETE", NS + "/services/dry-keep?dryRun=All", None, None, 200,
         lambda r: r.json["metadata"]["name"] == "dry-keep"),
        ("DELETE (DeleteOptions body, as kubectl sends it)", "DELETE",
         NS + "/services/dry-keep",
         {"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]}, None, 200,
         lambda r: r.json["metadata"]["name"] == "dry-keep"),
        ("DELETE namespace", "DELETE", "/api/v1/namespaces/dry-ns?dryRun=All", None, None, 200,
         lambda r: True),
    ]


def check_dry_run(s):
    s.req("POST", NS + "/services", svc("dry-keep", type="LoadBalancer"))
    s.req("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                         "metadata": {"name": "dry-ns"}})
    s.req("POST", "/api/v1/namespaces/dry-ns/services", svc("in-dry-ns"))
    s.req("POST", NS + "/pods", {"apiVersion": "v1", "kind": "Pod",
                                 "metadata": {"name": "dry-pod"},
                                 "spec": {"containers": [{"name": "c", "image": "host"}]}})
    keep = s.req("GET", NS + "/services/dry-keep").json
    put_body = json.loads(json.dumps(keep))
    put_body["metadata"]["labels"] = {"put": "yes"}
    before = {p: s.req("GET", p).body for p in (
        NS + "/services/dry-keep", NS + "/pods/dry-pod",
        "/apis/apps/v1/namespaces/default/deployments/st-deployment",
        "/api/v1/namespaces/dry-ns", "/api/v1/namespaces/dry-ns/services/in-dry-ns")}
    rev0 = store_rev(s)
    watches = [Watch(s, NS + "/services", rev0), Watch(s, NS + "/pods", rev0),
               Watch(s, "/apis/apps/v1/namespaces/default/deployments", rev0)]
    chosen_ip = None
    for text, method, path, body, hdr, code, check in dry_cases(s):
        if body is None and method == "PUT":
            body = put_body
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
        r = s.req(method, path, body, headers=dict({"Content-Type": "application/json"},
                                                   **(hdr or {})))
        good = r.status == code
        try:
            good = good and check(r)
        except (KeyError, TypeError, IndexError, AttributeError):
            good = False
        t.ok(good, "dryRun: %s answers %d with what would be stored" % (text, code), r)
        if text == "create Service" and r.status == 201:
            chosen_ip = r.json["spec"]["clusterIP"]
    t.eq(store_rev(s), rev0, "dryRun: the store revision did not move")
    for p, b in before.items():
        t.eq(s.req("GET", p).body, b, "dryRun: %s unchanged" % p)
    for p in (NS + "/services/dry-new", NS + "/services/dry-ip"):
        t.eq(s.req("GET", p).status, 404, "dryRun: %s was not created" % p)
    # the ClusterIPs a dry run chose are still free
    r = s.req("POST", NS + "/services", svc("real-ip", clusterIP="10.96.200.200"))
    t.ok(r.status == 201, "dryRun: a chosen clusterIP was not kept (10.96.200.200 free)", r)
    if chosen_ip:
        r = s.req("POST", NS + "/services", svc("real-ip2", clusterIP=chosen_ip))
        t.ok(r.status == 201, "dryRun: the allocated clusterIP %s is free" % chosen_ip, r)
    # sentinels: the only events each watch sees are the real writes after
    s.req("POST", NS + "/services", svc("sentinel"))
    s.req("POST", NS + "/pods", {"apiVersion": "v1", "kind": "Pod",
                                 "metadata": {"name": "sentinel"},
                                 "spec": {"containers": [{"name": "c", "image": "host"}]}})
    s.req("POST", "/apis/apps/v1/namespaces/default/deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "sentinel"},
        "spec": {"selector": {"matchLabels": {"a": "s"}},
                 "template": {"metadata": {"labels": {"a": "s"}},
                              "spec": {"containers": [{"name": "c", "image": "host"}]}}}})
    for w, allowed in zip(watches, [{"real-ip", "real-ip2", "sentinel"}, {"sentinel"},
                                    {"sentinel"}]):
        evs = w.events_until("sentinel")
        names = [e["object"]["metadata"]["name"] for e in evs]
        t.ok(names and names[-1] == "sentinel" and set(names) <= allowed,
             "dryRun: no watch event from a dry run (saw %s)" % names)
        w.close()


def check_dry_run_bad_values(s):
    rev0 = store_rev(s)
    for method, path, body, kind in [
            ("POST", NS + "/services?dryRun=Yes", svc("bad-dry"), "CreateOptions"),
            ("PUT", NS + "/services/dry-keep?dryRun=true", None, "UpdateOptions"),
            ("PATCH", NS + "/services/dry-keep?dryRun=1", '{"metadata":{"labels":{"x":"y"}}}',
             "PatchOptions"),
            ("DELETE", NS + "/services/dry-keep?dryRun=all", None, "DeleteOptions"),
            ("DELETE", NS + "/services/dry-keep", {"kind": "DeleteOptions", "apiVersion": "v1",
                                                    "dryRun": ["Some"]}, "DeleteOptions")]:
        if body is None and method == "PUT":
            body = s.req("GET", NS + "/services/dry-keep").json
        if isinstance(body, dict):
            body = json.dumps(body)
        r = s.req(method, path, body, headers=MERGE if method == "PATCH" else
                  {"Content-Type": "application/json"})
        j = r.json if isinstance(r.json, dict) else {}
        t.ok(r.status == 422 and j.get("reason") == "Invalid" and
             j.get("message", "").startswith(kind + ".meta.k8s.io \"\" is invalid: dryRun: "
                                             "Unsupported value") and
             'supported values: "All"' in j.get("message", ""),
             "dryRun: %s with a bad value: 422 naming %s.dryRun" % (method, kind), r)
    t.eq(store_rev(s), rev0, "dryRun: bad values changed nothing")
    t.eq(s.req("GET", NS + "/services/dry-keep").status, 200, "dryRun: dry-keep still there")


def kubectl(ver, exe, kc, *args, stdin=None):
    p = subprocess.run([exe, "--kubeconfig", kc] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def check_kubectl(s):
    kc = s.kubeconfig
    for ver, exe in KUBECTLS:
        if not os.path.exists(exe) and exe != "kubectl":
            t.skip("kubectl %s" % ver, "not installed")
            continue
        tag = "k" + ver.replace(".", "")
        man = json.dumps(svc("kd-" + tag))
        rev0 = store_rev(s)
        rc, out = kubectl(ver, exe, kc, "create", "--dry-run=server", "-o", "json", "-f", "-",
                          stdin=man)
        ok = rc == 0 and json.loads(out)["spec"]["clusterIP"].startswith("10.96.") \
            if rc == 0 else False
        t.ok(ok, "kubectl %s create --dry-run=server shows a clusterIP" % ver, out)
        t.eq(s.req("GET", NS + "/services/kd-" + tag).status, 404,
             "kubectl %s create --dry-run=server created nothing" % ver)
        rc, out = kubectl(ver, exe, kc, "run", "kr-" + tag, "--image=host",
                          "--dry-run=server", "--", "sleep", "1")
        t.ok(rc == 0 and "(server dry run)" in out, "kubectl %s run --dry-run=server" % ver,
             out)
        t.eq(s.req("GET", NS + "/pods/kr-" + tag).status, 404,
             "kubectl %s run --dry-run=server created no pod" % ver)
        # a real object, then dry changes to it
        s.req("POST", NS + "/services", svc("ka-" + tag))
        before = s.req("GET", NS + "/services/ka-" + tag).body
        rev1 = store_rev(s)
        changed = svc("ka-" + tag, sessionAffinity="ClientIP")
        changed["metadata"]["labels"] = {"dry": "run"}
        rc, out = kubectl(ver, exe, kc, "apply", "--dry-run=server", "-f", "-",
                          stdin=json.dumps(changed))
        t.ok(rc == 0 and "(server dry run)" in out, "kubectl %s apply --dry-run=server" % ver,
             out)
        rc, out = kubectl(ver, exe, kc, "label", "svc", "ka-" + tag, "x=y",
                          "--dry-run=server")
        t.ok(rc == 0, "kubectl %s label --dry-run=server" % ver, out)
        rc, out = kubectl(ver, exe, kc, "scale", "deployment", "st-deployment", "--replicas=7",
                          "--dry-run=server")
        t.ok(rc == 0, "kubectl %s scale --dry-run=server" % ver, out)
        rc, out = kubectl(ver, exe, kc, "delete", "svc", "ka-" + tag, "--dry-run=server")
        t.ok(rc == 0 and "(server dry run)" in out, "kubectl %s delete --dry-run=server" % ver,
             out)
        t.eq(s.req("GET", NS + "/services/ka-" + tag).body, before,
             "kubectl %s: the object is unchanged after apply/label/delete dry runs" % ver)
        t.eq(store_rev(s), rev1, "kubectl %s: no revision consumed by the dry runs" % ver)
        t.eq(s.req("GET", "/apis/apps/v1/namespaces/default/deployments/st-deployment/scale")
             .json["spec"]["replicas"], 1, "kubectl %s scale --dry-run=server kept 1" % ver)
        if ver == "1.32":
            rc, out = kubectl(ver, exe, kc, "diff", "-f", "-", stdin=json.dumps(changed))
            t.ok(rc == 1 and "sessionAffinity: ClientIP" in out,
                 "kubectl 1.32 diff shows the change", out)
            t.eq(s.req("GET", NS + "/services/ka-" + tag).body, before,
                 "kubectl 1.32 diff changed nothing")
            rc, out = kubectl(ver, exe, kc, "patch", "pod", "st-pod", "--subresource=status",
                              "--type=merge", "-p", '{"status":{"phase":"Running"}}')
            t.ok(rc == 0 and s.req("GET", NS + "/pods/st-pod").json["status"]["phase"] ==
                 "Running", "kubectl 1.32 patch --subresource=status (merge)", out)
            rc, out = kubectl(ver, exe, kc, "patch", "deployment", "st-deployment",
                              "--subresource=status", "--type=json", "-p",
                              '[{"op":"replace","path":"/status/observedGeneration",'
                              '"value":3}]')
            t.ok(rc == 0 and s.req(
                "GET", "/apis/apps/v1/namespaces/default/deployments/st-deployment")
                .json["status"]["observedGeneration"] == 3,
                "kubectl 1.32 patch deployment --subresource=status (json)", out)


def check_python(s):
    try:
        from kubernetes import client, config
    except ImportError:
        t.skip("python client", "python3-kubernetes missing")
        return
    api = client.CoreV1Api(config.new_client_from_config(s.kubeconfig))
    apps = client.AppsV1Api(config.new_client_from_config(s.kubeconfig))
    rev0 = store_rev(s)
    r = api.create_namespaced_service("default", svc("py-dry"), dry_run="All")
    t.ok(r.spec.cluster_ip and r.spec.cluster_ip.startswith("10.96."),
         "python create_namespaced_service(dry_run=All) returns a clusterIP")
    api.patch_namespaced_service("dry-keep", "default", {"metadata": {"labels": {"py": "1"}}},
                                 dry_run="All")
    api.delete_namespaced_service("dry-keep", "default", dry_run="All")
    cur = api.read_namespaced_service("dry-keep", "default")
    cur.metadata.labels = {"py": "replace"}
    api.replace_namespaced_service("dry-keep", "default", cur, dry_run="All")
    t.eq(store_rev(s), rev0, "python dry_run=All create/patch/replace/delete stored nothing")
    t.ok(api.read_namespaced_service("dry-keep", "default").metadata.labels in (None, {}),
         "python dry runs left dry-keep's labels alone")
    d = apps.patch_namespaced_deployment_status(
        "st-deployment", "default", {"status": {"observedGeneration": 11}})
    t.eq(d.status.observed_generation, 11, "python patch_namespaced_deployment_status")
    p = api.patch_namespaced_pod_status("st-pod", "default",
                                        {"status": {"phase": "Succeeded"}})
    t.eq(p.status.phase, "Succeeded", "python patch_namespaced_pod_status")


def check_nul(s):
    rev0 = store_rev(s)
    cases = [
        ("POST name", "POST", NS + "/services",
         '{"metadata":{"name":"a\\u0000b"},"spec":{"ports":[{"port":80}]}}', None),
        ("POST label value", "POST", NS + "/services",
         '{"metadata":{"name":"nul2","labels":{"a":"x\\u0000y"}},"spec":{"ports":[{"port":80}]}}',
         None),
        ("PATCH", "PATCH", NS + "/services/dry-keep",
         '{"metadata":{"annotations":{"k":"v\\u0000w"}}}', MERGE),
    ]
    for text, method, path, body, hdr in cases:
        r = s.req(method, path, body, headers=hdr or {"Content-Type": "application/json"})
        j = r.json if isinstance(r.json, dict) else {}
        t.ok(r.status == 400 and "NUL" in j.get("message", ""),
             "a \\u0000 escape is refused: %s" % text, r)
    r = s.req("POST", NS + "/services",
              '{"metadata":{"name":"esc","annotations":{"k":"\\\\u0000"}},'
              '"spec":{"ports":[{"port":80}]}}', headers={"Content-Type": "application/json"})
    t.ok(r.status == 201 and r.json["metadata"]["annotations"]["k"] == "\\u0000",
         "an escaped backslash before u0000 is not a NUL", r)
    t.eq(store_rev(s), rev0 + 1, "only the legitimate create was stored")
    t.eq(s.req("GET", NS + "/services/a").status, 404, "no service 'a' from 'a\\u0000b'")


def check_namespace_lifecycle(s):
    """Deleting a namespace: Terminating while the namespace controller
    empties it (through the pipeline: a ClusterIP is released), then gone;
    another finalizer keeps it Terminating, and nothing new may be created
    in it meanwhile."""
    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "life"}}
    t.eq(s.req("POST", "/api/v1/namespaces", ns).status, 201, "namespace: create life")
    t.eq(s.req("POST", "/api/v1/namespaces/life/services",
               svc("held", clusterIP="10.96.201.1")).status, 201,
         "namespace: a Service with clusterIP 10.96.201.1 in it")
    rc, out = kubectl("1.32", "kubectl", s.kubeconfig, "delete", "namespace", "life",
                      "--timeout=30s")
    t.ok(rc == 0 and 'namespace "life" deleted' in out, "kubectl delete namespace waits and "
         "returns", out)
    t.eq(s.req("GET", "/api/v1/namespaces/life").status, 404, "namespace: gone")
    t.eq(s.req("GET", "/api/v1/namespaces/life/services/held").status, 404,
         "namespace: its Service went with it")
    t.eq(s.req("POST", NS + "/services", svc("reuse", clusterIP="10.96.201.1")).status, 201,
         "namespace: the Service's ClusterIP was released")

    ns = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "hold"},
          "spec": {"finalizers": ["kubernetes", "example.com/hold"]}}
    s.req("POST", "/api/v1/namespaces", ns)
    s.req("POST", "/api/v1/namespaces/hold/services", svc("a"))
    r = s.req("DELETE", "/api/v1/namespaces/hold")
    t.ok(r.status == 200 and r.json["status"]["phase"] == "Terminating" and
         r.json["metadata"].get("deletionTimestamp"), "namespace: DELETE answers Terminating", r)
    deadline = time.time() + 10
    while time.time() < deadline and s.req("GET", "/api/v1/namespaces/hold/services/a").status \
            != 404:
        time.sleep(0.1)
    r = s.req("GET", "/api/v1/namespaces/hold")
    t.ok(r.status == 200 and r.json["spec"]["finalizers"] == ["example.com/hold"] and
         r.json["status"]["phase"] == "Terminating",
         "namespace: emptied, kubernetes finalizer removed, held by the other", r)
    r = s.req("POST", "/api/v1/namespaces/hold/services", svc("b"))
    t.ok(r.status == 403 and "unable to create new content in namespace hold because it is "
         "being terminated" in (r.json or {}).get("message", ""),
         "namespace: no new content while Terminating", r)
    cur = s.req("GET", "/api/v1/namespaces/hold").json
    cur["spec"]["finalizers"] = []
    s.req("PUT", "/api/v1/namespaces/hold", cur)
    deadline = time.time() + 10
    while time.time() < deadline and s.req("GET", "/api/v1/namespaces/hold").status != 404:
        time.sleep(0.1)
    t.eq(s.req("GET", "/api/v1/namespaces/hold").status, 404,
         "namespace: removed once its last finalizer is")


def check_size_limit():
    limit = 65536
    s = Server(extra=["--max-request-bytes", str(limit)], name="size").start()
    big = "x" * 40000
    obj = svc("big")
    obj["metadata"]["annotations"] = {"a": big}
    r = s.req("POST", NS + "/services", obj)
    t.ok(r.status == 201, "size: a 40 KB object under a 64 KiB limit is stored", r)
    rev0 = store_rev(s)
    for text, method, path, body, hdr in [
            ("merge patch", "PATCH", NS + "/services/big",
             json.dumps({"metadata": {"annotations": {"b": big}}}), MERGE),
            ("strategic patch", "PATCH", NS + "/services/big",
             json.dumps({"metadata": {"annotations": {"b": big}}}), SMP),
            ("JSON patch copy", "PATCH", NS + "/services/big",
             '[{"op":"copy","from":"/metadata/annotations/a","path":"/metadata/annotations/b"}]',
             JSONP),
            ("dry-run merge patch", "PATCH", NS + "/services/big?dryRun=All",
             json.dumps({"metadata": {"annotations": {"b": big}}}), MERGE)]:
        r = s.req(method, path, body, headers=hdr or {"Content-Type": "application/json"})
        j = r.json if isinstance(r.json, dict) else {}
        t.ok(r.status == 413 and j.get("reason") == "RequestEntityTooLarge" and
             str(limit) in j.get("message", ""),
             "size: %s making the object larger than the limit: 413" % text, r)
    t.eq(store_rev(s), rev0, "size: nothing stored by the oversized writes")
    t.eq(len(s.req("GET", NS + "/services/big").json["metadata"]["annotations"]), 1,
         "size: the object is unchanged")
    s.cleanup()


def main():
    # the API's own semantics (status subresource, revisions): no
    # controllers writing Deployments' and ReplicaSets' status meanwhile
    s = Server(extra=[API_ONLY], name="writes").start()
    t.section("status subresources", check_status_types, s)
    t.section("LoadBalancer status on other types", check_lb_status_forbidden, s)
    t.section("dry run", check_dry_run, s)
    t.section("dry run bad values", check_dry_run_bad_values, s)
    t.section("kubectl", check_kubectl, s)
    t.section("python client", check_python, s)
    t.section("NUL", check_nul, s)
    t.section("namespace lifecycle", check_namespace_lifecycle, s)
    t.ok(s.proc.poll() is None, "server alive at the end")
    s.cleanup()
    t.section("size limit", check_size_limit)
    t.done()


if __name__ == "__main__":
    main()
