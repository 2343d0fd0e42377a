#!/usr/bin/python3
"""Server-side apply against a real skiff-server, with real clients.

kubectl 1.32 and 1.20 `apply --server-side` (create, no-op, update, prune),
a client-side apply that takes a field and the conflict kubectl prints,
--force-conflicts, a Deployment whose containers merge by name across two
managers, the Update entries of create/PUT/PATCH, bad requests (nothing
stored), dry run, and the python client's apply-patch+yaml. TAP output.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import API_ONLY, Server, Tap  # noqa: E402

t = Tap()
NS = "/api/v1/namespaces/default"
APPS = "/apis/apps/v1/namespaces/default"
KUBECTLS = [("1.32", "kubectl"), ("1.20", "/opt/skiff/kubectl-1.20/usr/bin/kubectl")]
APPLY = "application/apply-patch+yaml"
TMP = tempfile.mkdtemp(prefix="ssa-test-")

SVC_YAML = """apiVersion: v1
kind: Service
metadata:
  name: {name}
  labels:
    app: web
{extra_labels}spec:
  selector:
    app: web
  ports:
  - port: 80
    targetPort: {target}
"""


def store_rev(s):
    return int(s.req("GET", "/api/v1/namespaces").json["metadata"]["resourceVersion"])


def write(name, text):
    p = os.path.join(TMP, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def kubectl(exe, kc, *args, stdin=None):
    p = subprocess.run([exe, "--kubeconfig", kc] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def entries(obj):
    return obj.get("metadata", {}).get("managedFields", [])


def entry(obj, manager, op):
    for e in entries(obj):
        if e.get("manager") == manager and e.get("operation") == op:
            return e
    return None


def apply(s, path, body, manager="tester", query=""):
    q = "?fieldManager=" + manager if manager else "?"
    return s.req("PATCH", path + q + query, body, headers={"Content-Type": APPLY})


PORT80 = 'k:{"port":80,"protocol":"TCP"}'


def check_kubectl(s, ver, exe):
    kc = s.kubeconfig
    tag = "k" + ver.replace(".", "")
    name = "ssa-" + tag
    url = NS + "/services/" + name
    v1 = write(name + "-1.yaml", SVC_YAML.format(name=name, target=8080, extra_labels=""))
    rc, out = kubectl(exe, kc, "apply", "--server-side", "-f", v1)
    obj = s.req("GET", url).json
    t.ok(rc == 0 and obj.get("spec", {}).get("ports", [{}])[0].get("targetPort") == 8080,
         "kubectl %s apply --server-side creates the service" % ver, out)
    e = entry(obj, "kubectl", "Apply")
    t.ok(e and e["fieldsType"] == "FieldsV1" and e["apiVersion"] == "v1" and e.get("time") and
         e["fieldsV1"] == {"f:metadata": {"f:labels": {"f:app": {}}},
                           "f:spec": {"f:ports": {PORT80: {".": {}, "f:port": {},
                                                           "f:targetPort": {}}},
                                      "f:selector": {}}},
         "kubectl %s: managedFields has the Apply entry in FieldsV1" % ver, entries(obj))
    rv, srev = obj["metadata"]["resourceVersion"], store_rev(s)
    rc, out = kubectl(exe, kc, "apply", "--server-side", "-f", v1)
    t.ok(rc == 0 and s.req("GET", url).json["metadata"]["resourceVersion"] == rv and
         store_rev(s) == srev,
         "kubectl %s apply --server-side again: no-op (same resourceVersion, no write)" % ver,
         out)

    v2 = write(name + "-2.yaml", SVC_YAML.format(name=name, target=8081,
                                                 extra_labels="    tier: front\n"))
    rc, out = kubectl(exe, kc, "apply", "--server-side", "-f", v2)
    obj = s.req("GET", url).json
    t.ok(rc == 0 and obj["metadata"]["resourceVersion"] != rv and
         obj["spec"]["ports"][0]["targetPort"] == 8081 and
         obj["metadata"]["labels"] == {"app": "web", "tier": "front"},
         "kubectl %s apply --server-side of a changed file updates" % ver, out)
    rc, out = kubectl(exe, kc, "apply", "--server-side", "-f", v1)
    obj = s.req("GET", url).json
    t.ok(rc == 0 and obj["metadata"]["labels"] == {"app": "web"} and
         obj["spec"]["ports"][0]["targetPort"] == 8080,
         "kubectl %s: a label no longer applied is removed" % ver, obj.get("metadata"))

    # a client-side apply takes targetPort; the server-side apply conflicts
    v3 = write(name + "-3.yaml", SVC_YAML.format(name=name, target=9090, extra_labels=""))
    rc, out = kubectl(exe, kc, "apply", "--validate=false", "-f", v3)
    obj = s.req("GET", url).json
    csa = entry(obj, "kubectl-client-side-apply", "Update")
    t.ok(rc == 0 and obj["spec"]["ports"][0]["targetPort"] == 9090 and csa and
         "f:targetPort" in csa["fieldsV1"]["f:spec"]["f:ports"][PORT80] and
         "f:targetPort" not in entry(obj, "kubectl", "Apply")["fieldsV1"]["f:spec"]["f:ports"][
             PORT80],
         "kubectl %s apply (client-side) records an Update entry owning targetPort" % ver,
         (out, entries(obj)))
    rv = obj["metadata"]["resourceVersion"]
    rc, out = kubectl(exe, kc, "apply", "--server-side", "-f", v1)
    want = ('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using v1: '
            '.spec.ports[port=80,protocol="TCP"].targetPort')
    t.ok(rc != 0 and want in out and
         s.req("GET", url).json["metadata"]["resourceVersion"] == rv,
         "kubectl %s apply --server-side: the conflict printed, nothing changed" % ver, out)
    rc, out = kubectl(exe, kc, "apply", "--server-side", "--force-conflicts", "-f", v1)
    obj = s.req("GET", url).json
    csa = entry(obj, "kubectl-client-side-apply", "Update") or {"fieldsV1": {}}
    t.ok(rc == 0 and obj["spec"]["ports"][0]["targetPort"] == 8080 and
         "f:targetPort" in entry(obj, "kubectl", "Apply")["fieldsV1"]["f:spec"]["f:ports"][
             PORT80] and "f:spec" not in csa["fieldsV1"],
         "kubectl %s --force-conflicts: applied, kubectl owns targetPort now" % ver,
         (out, entries(obj)))
    # --show-managed-fields came with 1.21; 1.20 always prints them
    show = ["--show-managed-fields"] if ver != "1.20" else []
    rc, out = kubectl(exe, kc, "get", "service", name, "-o", "yaml", *show)
    t.ok(rc == 0 and "fieldsType: FieldsV1" in out and PORT80 + ":" in out and
         "manager: kubectl-client-side-apply" in out,
         "kubectl %s get -o yaml %s shows FieldsV1" % (ver, " ".join(show)), out)
    if show:
        rc, out = kubectl(exe, kc, "get", "service", name, "-o", "yaml")
        t.ok(rc == 0 and "managedFields" not in out,
             "kubectl %s get -o yaml hides managedFields by default" % ver, out)


DEPLOY = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
spec:
  selector:
    matchLabels:
      app: d
  template:
    metadata:
      labels:
        app: d
    spec:
      containers:
{containers}"""


def containers(*names):
    return "".join("      - name: %s\n        image: img-%s:1\n" % (n, n) for n in names)


def check_deployment(s):
    kc = s.kubeconfig
    url = APPS + "/deployments/ssa-dep"
    f1 = write("dep-1.yaml", DEPLOY.format(name="ssa-dep", containers=containers("a", "b")))
    rc, out = kubectl("kubectl", kc, "apply", "--server-side", "-f", f1)
    t.ok(rc == 0, "deployment: kubectl apply --server-side creates it", out)
    # a second manager adds a container (a YAML body, as apply allows)
    side = DEPLOY.format(name="ssa-dep", containers=containers("c"))
    r = apply(s, url, side, manager="sidecar-injector")
    names = [c["name"] for c in (r.json or {}).get("spec", {}).get("template", {})
             .get("spec", {}).get("containers", [])]
    t.ok(r.status == 200 and names == ["a", "b", "c"],
         "deployment: another manager's container is merged by name", r)
    e = entry(r.json or {}, "sidecar-injector", "Apply")
    cont = (e or {}).get("fieldsV1", {}).get("f:spec", {}).get("f:template", {}) \
        .get("f:spec", {}).get("f:containers", {})
    t.ok(list(cont) == ['k:{"name":"c"}'] and
         (e or {})["fieldsV1"]["f:spec"].get("f:selector") == {},
         "deployment: the sidecar owns its item k:{\"name\":\"c\"} and the atomic selector",
         e)
    rv = r.json["metadata"]["resourceVersion"]
    rc, out = kubectl("kubectl", kc, "apply", "--server-side", "-f", f1)
    t.ok(rc == 0 and s.req("GET", url).json["metadata"]["resourceVersion"] == rv,
         "deployment: kubectl's unchanged file keeps the sidecar (no-op)", out)
    f2 = write("dep-2.yaml", DEPLOY.format(name="ssa-dep", containers=containers("a")))
    rc, out = kubectl("kubectl", kc, "apply", "--server-side", "-f", f2)
    obj = s.req("GET", url).json
    names = [c["name"] for c in obj["spec"]["template"]["spec"]["containers"]]
    t.ok(rc == 0 and names == ["a", "c"] and obj["metadata"]["generation"] >= 2,
         "deployment: a container kubectl stopped applying is removed, the sidecar's stays",
         (out, names))


def check_update_entries(s):
    kc = s.kubeconfig
    rc, out = kubectl("kubectl", kc, "create", "-f", "-", stdin=SVC_YAML.format(
        name="ssa-created", target=8080, extra_labels=""))
    obj = s.req("GET", NS + "/services/ssa-created").json
    e = entry(obj, "kubectl-create", "Update")
    spec = (e or {}).get("fieldsV1", {}).get("f:spec", {})
    t.ok(rc == 0 and e and "f:sessionAffinity" in spec and "f:type" in spec and
         "f:clusterIP" not in spec and e["fieldsV1"]["f:spec"]["f:ports"][PORT80] ==
         {".": {}, "f:port": {}, "f:protocol": {}, "f:targetPort": {}},
         "kubectl create: an Update entry for kubectl-create with the defaulted fields",
         (out, entries(obj)))
    cfg = SVC_YAML.format(name="ssa-created", target=8090, extra_labels="").replace(
        "spec:\n", "spec:\n  sessionAffinity: ClientIP\n")
    r = apply(s, NS + "/services/ssa-created", cfg, manager="kubectl")
    want = ('Apply failed with 2 conflicts: conflicts with "kubectl-create" using v1:\n'
            '- .spec.ports[port=80,protocol="TCP"].targetPort\n- .spec.sessionAffinity')
    causes = ((r.json or {}).get("details") or {}).get("causes", [])
    t.ok(r.status == 409 and r.reason == "Conflict" and r.message == want and
         [c.get("field") for c in causes] ==
         ['.spec.ports[port=80,protocol="TCP"].targetPort', ".spec.sessionAffinity"] and
         all(c.get("reason") == "FieldManagerConflict" and
             c.get("message") == 'conflict with "kubectl-create" using v1' for c in causes),
         "apply: two conflicts, upstream's plural message and FieldManagerConflict causes", r)
    # same values: shared ownership, no conflict
    r = apply(s, NS + "/services/ssa-created",
              SVC_YAML.format(name="ssa-created", target=8080, extra_labels=""))
    t.ok(r.status == 200 and entry(r.json, "tester", "Apply") and
         "f:targetPort" in entry(r.json, "kubectl-create", "Update")["fieldsV1"]["f:spec"][
             "f:ports"][PORT80],
         "apply of the same values shares the fields (no conflict)", r)
    # a merge patch from a client without fieldManager: the User-Agent's product
    r = s.req("PATCH", NS + "/services/ssa-created",
              json.dumps({"metadata": {"annotations": {"x": "1"}}}),
              headers={"Content-Type": "application/merge-patch+json",
                       "User-Agent": "tester-agent/1.2 (linux)"})
    e = entry(r.json or {}, "tester-agent", "Update")
    t.ok(r.status == 200 and e and e["fieldsV1"] == {"f:metadata": {"f:annotations": {
        ".": {}, "f:x": {}}}}, "merge patch: an Update entry named after the User-Agent", r)
    # PUT with fieldManager takes the field it changes from the others
    cur = r.json
    cur["spec"]["ports"][0]["targetPort"] = 7000
    r = s.req("PUT", NS + "/services/ssa-created?fieldManager=putter", cur)
    j = r.json or {}
    t.ok(r.status == 200 and "f:targetPort" in entry(j, "putter", "Update")["fieldsV1"][
        "f:spec"]["f:ports"][PORT80] and "f:targetPort" not in entry(
            j, "kubectl-create", "Update")["fieldsV1"]["f:spec"]["f:ports"][PORT80],
         "PUT ?fieldManager=putter: the changed field moves to putter", r)
    r = s.req("PUT", NS + "/services/ssa-created?fieldManager=putter", j)
    t.ok(r.status == 200 and r.json["metadata"]["resourceVersion"] ==
         j["metadata"]["resourceVersion"], "PUT of the same object: still a no-op", r)


def check_bad_input(s):
    url = NS + "/services/ssa-bad"
    good = SVC_YAML.format(name="ssa-bad", target=80, extra_labels="")
    rev0 = store_rev(s)
    r = apply(s, url, good, manager=None)
    t.ok(r.status == 422 and r.message ==
         'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required '
         'for apply patch', "apply without fieldManager: 422 with upstream's message", r)
    r = apply(s, url, "apiVersion: v1\nkind: Service\nmetadata: [unclosed\n")
    t.ok(r.status == 400 and r.message.startswith("error decoding YAML: "),
         "apply of invalid YAML: 400 error decoding YAML", r)
    r = apply(s, url, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa-bad\n")
    t.ok(r.status == 400 and "ConfigMap" in r.message and "Service" in r.message,
         "apply of another kind to services: 400 naming both kinds", r)
    r = apply(s, url, good.replace("apiVersion: v1", "apiVersion: v2"))
    t.ok(r.status == 400 and r.message == "Incorrect version specified in apply patch. "
         "Specified patch version: v2, expected: v1", "apply of another apiVersion: 400", r)
    r = apply(s, url, good.replace("  ports:\n", "  ports:\n  - port: 80\n"))
    t.ok(r.status == 422 and "duplicate entries" in r.message,
         "apply with two items of one key: 422 duplicate entries", r)
    r = apply(s, url, good.replace("metadata:\n", "metadata:\n  managedFields: []\n"))
    t.ok(r.status == 400 and r.message == "metadata.managedFields must be nil",
         "apply with managedFields: 400", r)
    r = apply(s, url, good.replace("port: 80", "port: 0"))
    t.ok(r.status == 422 and r.reason == "Invalid" and "spec.ports[0].port" in r.message,
         "apply of an invalid service: 422 from validation", r)
    r = apply(s, url, good.replace("name: ssa-bad", "name: other"))
    t.ok(r.status == 400 and "does not match the name on the URL" in r.message,
         "apply with another name than the URL's: 400", r)
    r = apply(s, url, good, query="&dryRun=All")
    t.ok(r.status == 201 and (r.json or {}).get("spec", {}).get("clusterIP"),
         "apply ?dryRun=All of a new object: 201 with what would be created", r)
    r2 = s.req("PATCH", url + "?force=true", json.dumps({"metadata": {}}),
               headers={"Content-Type": "application/merge-patch+json"})
    t.ok(r2.status == 422 and r2.message == 'PatchOptions.meta.k8s.io "" is invalid: force: '
         'Forbidden: may not be specified for non-apply patch',
         "force on a merge patch: 422", r2)
    r2 = s.req("POST", NS + "/services?fieldManager=" + "m" * 129,
               {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ssa-bad"},
                "spec": {"ports": [{"port": 80}]}})
    t.ok(r2.status == 422 and r2.message == 'CreateOptions.meta.k8s.io "" is invalid: '
         'fieldManager: Too long: may not be more than 128 bytes',
         "create with a 129-byte fieldManager: 422", r2)
    t.ok(s.req("GET", url).status == 404 and store_rev(s) == rev0,
         "bad applies and the dry run stored nothing")
    r = apply(s, url, good)
    t.ok(r.status == 201 and entry(r.json, "tester", "Apply"), "apply creates: 201", r)
    rev1 = store_rev(s)
    r = apply(s, url, good.replace("targetPort: 80", "targetPort: 81"), query="&dryRun=All")
    t.ok(r.status == 200 and r.json["spec"]["ports"][0]["targetPort"] == 81 and
         store_rev(s) == rev1 and
         s.req("GET", url).json["spec"]["ports"][0]["targetPort"] == 80,
         "apply ?dryRun=All of a change: answered, not stored", r)


def check_python(s):
    try:
        from kubernetes import client, config
    except ImportError:
        t.skip("python client apply", "python3-kubernetes missing")
        return
    ac = config.new_client_from_config(s.kubeconfig)
    api = client.CoreV1Api(ac)
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "ssa-py"},
            "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    kw = {"_content_type": APPLY}
    try:
        r = api.patch_namespaced_service("ssa-py", "default", body, field_manager="py", **kw)
    except TypeError:
        # clients before 26 have no _content_type: a default header wins
        # over the one the method picks, and a body of that type is sent
        # as given (text)
        ac.set_default_header("Content-Type", APPLY)
        kw = {}
        r = api.patch_namespaced_service("ssa-py", "default", json.dumps(body),
                                         field_manager="py")
    m = [(e.manager, e.operation) for e in r.metadata.managed_fields or []]
    t.ok(r.spec.ports[0].target_port == 8080 and ("py", "Apply") in m,
         "python patch_namespaced_service(apply-patch+yaml) creates with a py Apply entry", m)
    body["spec"]["ports"][0]["targetPort"] = 9000
    try:
        api.patch_namespaced_service("ssa-py", "default", kw and body or json.dumps(body),
                                     field_manager="py2", **kw)
        t.ok(False, "python client: a conflicting apply raises 409")
    except client.rest.ApiException as e:
        t.ok(e.status == 409 and 'conflict with \\"py\\"' in e.body,
             "python client: a conflicting apply raises 409", e.body)
    r = api.patch_namespaced_service("ssa-py", "default", kw and body or json.dumps(body),
                                     field_manager="py2", force=True, **kw)
    t.ok(r.spec.ports[0].target_port == 9000, "python client: force=True takes the field")


def main():
    s = Server(name="ssa", extra=[API_ONLY]).start()
    for ver, exe in KUBECTLS:
        if exe != "kubectl" and not os.path.exists(exe):
            t.skip("kubectl %s apply --server-side" % ver, "not installed")
            continue
        t.section("kubectl %s" % ver, check_kubectl, s, ver, exe)
    t.section("deployment", check_deployment, s)
    t.section("update entries", check_update_entries, s)
    t.section("bad input", check_bad_input, s)
    t.section("python client", check_python, s)
    t.ok(s.proc.poll() is None, "server alive at the end", s.log_tail())
    t.done()


if __name__ == "__main__":
    main()
