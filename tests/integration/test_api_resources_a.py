#!/usr/bin/python3
"""ConfigMaps, Secrets, ServiceAccounts, Leases and pods/eviction (issue 8)
against a real skiff-server: discovery, Table columns, upstream's messages
for bad input (nothing stored), the `default` ServiceAccount controller, real
kubectl 1.32 and 1.20 (create, apply of a multi-document file, get, drain)
and the python client (CRUD, lease renewal with resourceVersion, eviction).
Prints TAP."""
import atexit
import base64
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
NS = "/api/v1/namespaces/default"
LEASES = "/apis/coordination.k8s.io/v1/namespaces/default/leases"
TABLE = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
KUBECTLS = [("1.32", "kubectl"), ("1.20", "/opt/skiff/kubectl-1.20/usr/bin/kubectl")]
TMP = tempfile.mkdtemp(prefix="sk%d-resa-" % os.getpid())
atexit.register(shutil.rmtree, TMP, True)  # kubectl's caches and manifests
# kubectl 1.32's generator commands send protobuf bodies: until the server
# decodes them they get 415 and the check is skipped, naming the reason.
PB_415 = "the body of the request was in an unknown format"
KEY_MSG = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' "
           "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "
           "'[-._a-zA-Z0-9]+')")


def wait_for(fn, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    return fn()


def cause_fields(r):
    return [c.get("field") for c in ((r.json or {}).get("details") or {}).get("causes", [])]


def check_discovery(s):
    core = {r["name"]: r for r in s.req("GET", "/api/v1").json["resources"]}
    t.eq(core.get("configmaps", {}).get("shortNames"), ["cm"], "discovery: configmaps (cm)")
    t.ok("secrets" in core and "shortNames" not in core["secrets"], "discovery: secrets")
    t.eq(core.get("serviceaccounts", {}).get("shortNames"), ["sa"],
         "discovery: serviceaccounts (sa)")
    ev = core.get("pods/eviction", {})
    t.eq((ev.get("kind"), ev.get("group"), ev.get("version"), ev.get("verbs")),
         ("Eviction", "policy", "v1", ["create"]), "discovery: pods/eviction is policy/v1")
    groups = [g["name"] for g in s.req("GET", "/apis").json["groups"]]
    # policy serves no resource of its own until PodDisruptionBudget comes:
    # an empty group would be an error to client-go's discovery
    t.ok("coordination.k8s.io" in groups and "policy" not in groups,
         "discovery: coordination.k8s.io listed, policy not (nothing of its own)", groups)
    co = s.req("GET", "/apis/coordination.k8s.io/v1").json["resources"]
    t.eq([(r["name"], r["kind"], r["namespaced"]) for r in co], [("leases", "Lease", True)],
         "discovery: coordination.k8s.io/v1 serves leases")


def check_tables(s):
    for path, body, cols, cells in [
            (NS + "/configmaps", {"metadata": {"name": "tc"}, "data": {"a": "1"},
                                  "binaryData": {"b": "AA=="}},
             ["Name", "Data", "Age"], ["tc", 2]),
            (NS + "/secrets", {"metadata": {"name": "ts"}, "type": "kubernetes.io/tls",
                               "data": {"tls.crt": "", "tls.key": ""}},
             ["Name", "Type", "Data", "Age"], ["ts", "kubernetes.io/tls", 2]),
            (NS + "/serviceaccounts", {"metadata": {"name": "tsa"},
                                       "secrets": [{"name": "x"}]},
             ["Name", "Secrets", "Age"], ["tsa", 1]),
            (LEASES, {"metadata": {"name": "tl"}, "spec": {"holderIdentity": "h-1"}},
             ["Name", "Holder", "Age"], ["tl", "h-1"])]:
        r = s.req("POST", path, body)
        t.eq(r.status, 201, "create %s" % path.rsplit("/", 1)[1])
        r = s.req("GET", path + "/" + body["metadata"]["name"], headers=TABLE)
        tbl = r.json or {}
        t.eq([c["name"] for c in tbl.get("columnDefinitions", [])], cols,
             "Table columns of %s" % path.rsplit("/", 1)[1])
        row = (tbl.get("rows") or [{}])[0].get("cells", [])
        t.eq(row[:len(cells)], cells, "Table cells of %s" % path.rsplit("/", 1)[1])


def check_bad_input(s):
    rev0 = s.req("GET", "/api/v1/namespaces").json["metadata"]["resourceVersion"]
    r = s.req("POST", NS + "/configmaps", {"metadata": {"name": "bad-key"},
                                           "data": {"a/b": "1"}})
    t.eq((r.status, r.reason, cause_fields(r)), (422, "Invalid", ["data[a/b]"]),
         "configmap key a/b: 422 naming data[a/b]")
    t.eq(r.message, 'ConfigMap "bad-key" is invalid: data[a/b]: Invalid value: "a/b": ' +
         KEY_MSG, "configmap key a/b: upstream's message")
    for key, msg in [("..x", "must not start with '..'"), ("..", "must not be '..'")]:
        r = s.req("POST", NS + "/configmaps", {"metadata": {"name": "bad-key"},
                                               "binaryData": {key: ""}})
        t.ok(r.status == 422 and msg in r.message and "binaryData[%s]" % key in r.message,
             "configmap key %r: %s" % (key, msg), r)
    r = s.req("POST", NS + "/configmaps", {"metadata": {"name": "dup"}, "data": {"k": "1"},
                                           "binaryData": {"k": "MQ=="}})
    t.ok(r.status == 422 and "data[k]: Invalid value: \"k\": duplicate of key present in "
         "binaryData" in r.message, "configmap: a key in data and binaryData", r)
    r = s.req("POST", NS + "/configmaps", {"metadata": {"name": "huge"},
                                           "data": {"a": "x" * 700000, "b": "y" * 400000}})
    t.eq((r.status, r.message),
         (422, 'ConfigMap "huge" is invalid: []: Too long: must have at most 1048576 bytes'),
         "configmap over 1 MiB: 422 Too long")
    r = s.req("POST", NS + "/secrets", {"metadata": {"name": "bad-b64"},
                                        "data": {"k": "billy"}})
    t.eq((r.status, r.reason, r.message),
         (400, "BadRequest", 'Secret in version "v1" cannot be handled as a Secret: '
          'v1.Secret.Data: decode base64: illegal base64 data at input byte 4'),
         "secret with bad base64: 400 as upstream's decoder")
    for val, at in [("YWJj!", 4), ("YQ=", 3), ("YQ==YQ==", 4), ("Y===", 1)]:
        r = s.req("POST", NS + "/secrets", {"metadata": {"name": "bad-b64"},
                                            "data": {"k": val}})
        t.ok(r.status == 400 and r.message.endswith("input byte %d" % at),
             "secret data %r: illegal base64 data at input byte %d" % (val, at), r)
    r = s.req("POST", NS + "/secrets", {"metadata": {"name": "nl"},
                                        "data": {"k": "YW\nJj"}})
    t.eq(r.status, 201, "secret data with a newline inside the base64 is accepted (Go skips it)")
    r = s.req("POST", NS + "/secrets", {"metadata": {"name": "tls"},
                                        "type": "kubernetes.io/tls", "data": {}})
    t.eq((r.status, cause_fields(r)), (422, ["data[tls.crt]", "data[tls.key]"]),
         "kubernetes.io/tls secret needs tls.crt and tls.key")
    r = s.req("POST", NS + "/secrets", {"metadata": {"name": "sat"},
                                        "type": "kubernetes.io/service-account-token"})
    t.eq(cause_fields(r), ["metadata.annotations[kubernetes.io/service-account.name]"],
         "service-account-token secret needs the account annotation")
    r = s.req("POST", NS + "/secrets", {"metadata": {"name": "dcj"},
                                        "type": "kubernetes.io/dockerconfigjson",
                                        "data": {".dockerconfigjson": "bm90IGpzb24="}})
    t.ok(r.status == 422 and cause_fields(r) == ["data[.dockerconfigjson]"] and
         "<secret contents redacted>" in r.message, "dockerconfigjson must hold JSON", r)
    r = s.req("POST", LEASES, {"metadata": {"name": "neg"},
                               "spec": {"leaseDurationSeconds": -1, "leaseTransitions": -2}})
    t.eq((r.status, r.message),
         (422, 'Lease.coordination.k8s.io "neg" is invalid: [spec.leaseDurationSeconds: '
          'Invalid value: -1: must be greater than 0, spec.leaseTransitions: Invalid value: '
          '-2: must be greater than or equal to 0]'),
         "lease with negative durations: 422 naming both fields")
    r = s.req("POST", LEASES, {"metadata": {"name": "notmicro"},
                               "spec": {"renewTime": "2024-01-01T00:00:00Z"}})
    t.eq((r.status, r.message),
         (400, 'Lease in version "v1" cannot be handled as a Lease: parsing time '
          '"2024-01-01T00:00:00Z" as "2006-01-02T15:04:05.000000Z07:00": cannot parse "Z" '
          'as ".000000"'), "lease renewTime must be a MicroTime: 400 as Go's time.Parse")
    r = s.req("POST", LEASES, {"metadata": {"name": "badmonth"},
                               "spec": {"acquireTime": "2024-13-01T00:00:00.000000Z"}})
    t.ok(r.status == 400 and r.message.endswith(": month out of range"),
         "lease acquireTime month 13: out of range", r)
    rev1 = s.req("GET", "/api/v1/namespaces").json["metadata"]["resourceVersion"]
    t.eq(rev1, str(int(rev0) + 1), "bad input stored nothing (only the newline secret)")
    for path in [NS + "/configmaps/bad-key", NS + "/configmaps/huge", NS + "/secrets/bad-b64",
                 NS + "/secrets/tls", LEASES + "/neg", LEASES + "/notmicro"]:
        t.eq(s.req("GET", path).status, 404, "nothing stored: " + path.split("default/")[1])


def check_semantics(s):
    r = s.req("POST", NS + "/secrets", {"metadata": {"name": "sd"}, "type": "",
                                        "data": {"a": "MQ==", "b": "Mg=="},
                                        "stringData": {"b": "two", "c": "three"}})
    t.eq((r.status, (r.json or {}).get("type"), (r.json or {}).get("data"),
          "stringData" in (r.json or {})),
         (201, "Opaque", {"a": "MQ==", "b": "dHdv", "c": "dGhyZWU="}, False),
         "secret: type defaults to Opaque, stringData folded into data (wins) and dropped")
    r = s.req("PATCH", NS + "/secrets/sd", {"stringData": {"a": "uno"}},
              headers={"Content-Type": "application/merge-patch+json"})
    t.eq(((r.json or {}).get("data") or {}).get("a"), "dW5v",
         "secret: stringData in a patch is folded too")
    r = s.req("PATCH", NS + "/secrets/sd", {"type": "kubernetes.io/basic-auth"},
              headers={"Content-Type": "application/merge-patch+json"})
    t.ok(r.status == 422 and "type: Invalid value: \"kubernetes.io/basic-auth\": field is "
         "immutable" in r.message, "secret: type is immutable", r)
    for path, body in [(NS + "/configmaps", {"metadata": {"name": "imm"}, "data": {"a": "1"},
                                             "immutable": True}),
                       (NS + "/secrets", {"metadata": {"name": "imm"}, "data": {"a": "MQ=="},
                                          "immutable": True})]:
        kind = path.rsplit("/", 1)[1]
        t.eq(s.req("POST", path, body).status, 201, "%s: immutable one created" % kind)
        r = s.req("PATCH", path + "/imm", {"data": {"a": "Mg=="}},
                  headers={"Content-Type": "application/merge-patch+json"})
        t.ok(r.status == 422 and "data: Forbidden: field is immutable when `immutable` is set"
             in r.message, "%s: immutable data may not change" % kind, r)
        r = s.req("PATCH", path + "/imm", {"immutable": False},
                  headers={"Content-Type": "application/merge-patch+json"})
        t.ok(r.status == 422 and "immutable: Forbidden" in r.message,
             "%s: immutable may not be unset" % kind, r)
        r = s.req("PATCH", path + "/imm", {"metadata": {"labels": {"x": "y"}}},
                  headers={"Content-Type": "application/merge-patch+json"})
        t.eq(r.status, 200, "%s: an immutable one's metadata may change" % kind)
        t.eq(s.req("DELETE", path + "/imm").status, 200, "%s: an immutable one is deleted"
             % kind)
    r = s.req("POST", LEASES, {"metadata": {"name": "utc"}, "spec": {
        "renewTime": "2024-01-01T02:00:00.500000+02:00"}})
    t.eq((r.json or {}).get("spec", {}).get("renewTime"), "2024-01-01T00:00:00.500000Z",
         "lease: a MicroTime is stored in UTC")


def check_default_sa(s):
    def sa_names(ns):
        r = s.req("GET", "/api/v1/namespaces/%s/serviceaccounts" % ns)
        return sorted(i["metadata"]["name"] for i in (r.json or {}).get("items", []))

    for ns in ["default", "kube-system", "kube-public"]:
        t.ok(wait_for(lambda: "default" in sa_names(ns)), "namespace %s has `default`" % ns)
    s.req("POST", "/api/v1/namespaces", {"metadata": {"name": "team-a"}})
    t.ok(wait_for(lambda: sa_names("team-a") == ["default"]),
         "a new namespace gets a `default` ServiceAccount", sa_names("team-a"))
    uid = s.req("GET", "/api/v1/namespaces/team-a/serviceaccounts/default").json["metadata"][
        "uid"]
    t.eq(s.req("DELETE", "/api/v1/namespaces/team-a/serviceaccounts/default").status, 200,
         "delete team-a's `default`")
    t.ok(wait_for(lambda: (s.req("GET", "/api/v1/namespaces/team-a/serviceaccounts/default")
                           .json or {}).get("metadata", {}).get("uid") not in (None, uid)),
         "a deleted `default` is created again")
    s.req("DELETE", "/api/v1/namespaces/team-a")
    t.ok(wait_for(lambda: s.req("GET", "/api/v1/namespaces/team-a").status == 404),
         "a deleted namespace goes, `default` with it (no re-creation fights the cleanup)")
    t.eq(sa_names("team-a"), [], "no ServiceAccount left in the deleted namespace")


def kubectl(exe, s, *args, stdin=None):
    tag = "k132" if exe == "kubectl" else "k120"
    env = dict(os.environ, HOME=os.path.join(TMP, "home-" + tag))
    p = subprocess.run([exe, "--kubeconfig", s.kubeconfig, "--cache-dir",
                        os.path.join(TMP, "cache-" + tag), "--request-timeout=30s"] + list(args),
                       input=stdin, capture_output=True, text=True, timeout=90, env=env)
    return p.returncode, p.stdout + p.stderr


MULTI = """apiVersion: v1
kind: ConfigMap
metadata: {name: app-config-%(v)s}
data: {mode: prod}
---
apiVersion: v1
kind: Secret
metadata: {name: app-secret-%(v)s}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: app-sa-%(v)s}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: app-lease-%(v)s}
spec: {holderIdentity: app-0, leaseDurationSeconds: 15,
       renewTime: "2024-05-01T10:00:00.000000Z"}
"""


def generator(ver, exe, s, what, args):
    """A kubectl create generator: run directly (1.32 sends protobuf: SKIP on
    415), and for 1.32 also through -o json --dry-run=client | create -f -."""
    rc, out = kubectl(exe, s, "create", *args)
    if ver == "1.32" and PB_415 in out:
        t.skip("[%s] create %s directly" % (ver, what), "protobuf bodies (415): " + out.strip())
        rc, js = kubectl(exe, s, "create", *args, "-o", "json", "--dry-run=client")
        rc, out = kubectl(exe, s, "create", "-f", "-", stdin=js)
    t.ok(rc == 0 and "created" in out, "[%s] create %s" % (ver, what), out)


def check_kubectl(s):
    for ver, exe in KUBECTLS:
        if exe != "kubectl" and not os.path.exists(exe):
            t.skip("kubectl %s" % ver, "not installed")
            continue
        v = ver.replace(".", "")
        generator(ver, exe, s, "configmap", ["configmap", "cm-" + v, "--from-literal=a=b"])
        t.eq((s.req("GET", NS + "/configmaps/cm-" + v).json or {}).get("data"), {"a": "b"},
             "[%s] configmap data stored" % ver)
        generator(ver, exe, s, "secret generic", ["secret", "generic", "s-" + v,
                                                  "--from-literal=k=v"])
        sec = s.req("GET", NS + "/secrets/s-" + v).json or {}
        t.eq((sec.get("type"), sec.get("data")),
             ("Opaque", {"k": base64.b64encode(b"v").decode()}),
             "[%s] secret data stored as base64 of v" % ver)
        generator(ver, exe, s, "serviceaccount", ["serviceaccount", "robot-" + v])
        t.eq(s.req("GET", NS + "/serviceaccounts/robot-" + v).status, 200,
             "[%s] serviceaccount stored" % ver)
        path = os.path.join(TMP, "multi-%s.yaml" % v)
        with open(path, "w") as f:
            f.write(MULTI % {"v": v})
        rc, out = kubectl(exe, s, "apply", "-f", path)
        t.ok(rc == 0 and out.count(" created") == 4, "[%s] apply of 4 documents" % ver, out)
        sec = s.req("GET", NS + "/secrets/app-secret-" + v).json or {}
        t.eq((sec.get("data"), "stringData" in sec),
             ({"password": base64.b64encode(b"hunter2").decode()}, False),
             "[%s] applied Secret's stringData stored as data" % ver)
        lease = s.req("GET", LEASES + "/app-lease-" + v).json or {}
        t.eq(lease.get("spec", {}).get("leaseDurationSeconds"), 15,
             "[%s] applied Lease stored" % ver)
        rc, out = kubectl(exe, s, "apply", "-f", path)
        t.ok(rc == 0 and "configmap/app-config-%s unchanged" % v in out and
             "lease.coordination.k8s.io/app-lease-%s unchanged" % v in out,
             "[%s] a second apply changes nothing" % ver, out)
        rc, out = kubectl(exe, s, "get", "cm,secret,sa,lease")
        lines = [ln.split() for ln in out.splitlines()]
        heads = [ln for ln in lines if ln and ln[0] == "NAME"]
        t.eq(heads, [["NAME", "DATA", "AGE"], ["NAME", "TYPE", "DATA", "AGE"],
                     ["NAME", "SECRETS", "AGE"], ["NAME", "HOLDER", "AGE"]],
             "[%s] get cm,secret,sa,lease: the columns" % ver)
        t.ok(["configmap/app-config-" + v, "1"] == next(
            (ln[:2] for ln in lines if ln and ln[0] == "configmap/app-config-" + v), None) and
             ["lease.coordination.k8s.io/app-lease-" + v, "app-0"] == next(
                 (ln[:2] for ln in lines if ln and ln[0].endswith("app-lease-" + v)), None) and
             ["secret/app-secret-" + v, "Opaque", "1"] == next(
                 (ln[:3] for ln in lines if ln and ln[0] == "secret/app-secret-" + v), None),
             "[%s] get cm,secret,sa,lease: the rows" % ver, out)
        rc, out = kubectl(exe, s, "get", "cm", "cm-" + v)
        t.ok(rc == 0 and "cm-" + v in out, "[%s] get by the shortName cm" % ver, out)
        check_drain(ver, exe, s, v)


def check_drain(ver, exe, s, v):
    node = "node-" + v
    t.eq(s.req("POST", "/api/v1/nodes", {"metadata": {"name": node}}).status, 201,
         "[%s] register a Node" % ver)
    t.eq(s.req("POST", NS + "/pods", {"metadata": {"name": "on-" + node}, "spec": {
        "nodeName": node, "containers": [{"name": "c", "image": "nginx"}]}}).status, 201,
         "[%s] a pod bound to it" % ver)
    # grace 0: no kubelet here would finish a graceful deletion, and drain
    # waits for the pod to be gone
    rc, out = kubectl(exe, s, "drain", node, "--force", "--ignore-daemonsets",
                      "--grace-period=0", "--timeout=30s", "-v=6")
    t.ok(rc == 0 and re.search(r"PATCH https://\S+/nodes/%s\S* 200" % node, out),
         "[%s] drain cordons the node (PATCH)" % ver, out)
    if ver == "1.20":
        # 1.20 evicts only when the policy group is listed (see discovery)
        t.ok(re.search(r"DELETE https://\S+/pods/on-%s\S* 200" % node, out) and
             "pod/on-%s deleted" % node in out, "[%s] drain deletes the pod" % ver, out)
    else:
        t.ok(re.search(r"POST https://\S+/pods/on-%s/eviction\S* 201" % node, out) and
             "pod/on-%s evicted" % node in out,
             "[%s] drain evicts the pod (POST eviction, 201)" % ver, out)
    t.eq(s.req("GET", NS + "/pods/on-" + node).status, 404, "[%s] the pod is gone" % ver)
    t.eq((s.req("GET", "/api/v1/nodes/" + node).json or {}).get("spec", {}).get(
        "unschedulable"), True, "[%s] the node is unschedulable" % ver)


def check_eviction_raw(s):
    pod = {"metadata": {"name": "ev"}, "spec": {"containers": [{"name": "c", "image": "x"}]}}
    uid = s.req("POST", NS + "/pods", pod).json["metadata"]["uid"]
    ev = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": "ev"}}
    r = s.req("POST", NS + "/pods/ev/eviction", dict(ev, metadata={"name": "other"}))
    t.eq((r.status, r.message), (400, "name in URL does not match name in Eviction object"),
         "eviction: the body's name must match the URL")
    r = s.req("POST", NS + "/pods/ev/eviction", dict(ev, deleteOptions={"preconditions": {
        "uid": "wrong"}}))
    t.ok(r.status == 409 and "Precondition failed: UID in precondition: wrong" in r.message,
         "eviction: deleteOptions preconditions are honoured (409)", r)
    r = s.req("POST", NS + "/pods/ev/eviction", dict(ev, deleteOptions={"dryRun": ["All"]}))
    t.ok(r.status == 201 and s.req("GET", NS + "/pods/ev").status == 200,
         "eviction: a dry run answers 201 and keeps the pod", r)
    r = s.req("POST", NS + "/pods/ev/eviction", dict(ev, deleteOptions={"preconditions": {
        "uid": uid}}))
    t.eq((r.status, (r.json or {}).get("kind"), (r.json or {}).get("status")),
         (201, "Status", "Success"), "eviction: 201 with a Success Status")
    t.eq(s.req("GET", NS + "/pods/ev").status, 404, "eviction: the pod is deleted")
    r = s.req("POST", NS + "/pods/ev/eviction", ev)
    t.eq((r.status, r.message), (404, 'pods "ev" not found'), "eviction of a missing pod: 404")
    t.eq(s.req("GET", NS + "/pods/ev/eviction").status, 405, "GET eviction: 405")


def check_python(s):
    from kubernetes import client, config
    from kubernetes.client.rest import ApiException
    import datetime

    cfg = client.Configuration()
    config.load_kube_config(config_file=s.kubeconfig, client_configuration=cfg)
    api = client.ApiClient(cfg)
    core, coord = client.CoreV1Api(api), client.CoordinationV1Api(api)

    cm = core.create_namespaced_config_map("default", client.V1ConfigMap(
        metadata=client.V1ObjectMeta(name="py-cm"), data={"k": "v"}))
    t.eq(cm.data, {"k": "v"}, "python: create configmap")
    cm.data["k2"] = "v2"
    cm = core.replace_namespaced_config_map("py-cm", "default", cm)
    t.eq(core.read_namespaced_config_map("py-cm", "default").data, {"k": "v", "k2": "v2"},
         "python: replace and read configmap")
    names = [i.metadata.name for i in core.list_namespaced_config_map("default").items]
    t.ok("py-cm" in names, "python: list configmaps", names)
    st = core.delete_namespaced_config_map("py-cm", "default")
    t.eq(st.status, "Success", "python: delete configmap answers a Success Status")

    sec = core.create_namespaced_secret("default", client.V1Secret(
        metadata=client.V1ObjectMeta(name="py-sec"), string_data={"user": "admin"}))
    t.eq((sec.type, sec.data, sec.string_data),
         ("Opaque", {"user": base64.b64encode(b"admin").decode()}, None),
         "python: create secret with string_data")
    core.patch_namespaced_secret("py-sec", "default", {"data": {"pw": "cHc="}})
    t.eq(sorted(core.read_namespaced_secret("py-sec", "default").data), ["pw", "user"],
         "python: patch and read secret")
    core.delete_namespaced_secret("py-sec", "default")
    try:
        core.read_namespaced_secret("py-sec", "default")
        t.ok(False, "python: secret deleted")
    except ApiException as e:
        t.eq(e.status, 404, "python: secret deleted")

    now = datetime.datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=datetime.timezone.utc)
    lease = coord.create_namespaced_lease("default", client.V1Lease(
        metadata=client.V1ObjectMeta(name="py-lease"), spec=client.V1LeaseSpec(
            holder_identity="me", lease_duration_seconds=10, acquire_time=now,
            renew_time=now, lease_transitions=0)))
    t.eq((lease.spec.holder_identity, lease.spec.renew_time), ("me", now),
         "python: create lease (MicroTime round trip)")
    stale_rv = lease.metadata.resource_version
    lease.spec.renew_time = now + datetime.timedelta(seconds=5)
    renewed = coord.replace_namespaced_lease("py-lease", "default", lease)
    t.ok(int(renewed.metadata.resource_version) > int(stale_rv) and
         renewed.spec.renew_time == lease.spec.renew_time, "python: renew lease with its RV")
    lease.metadata.resource_version = stale_rv
    lease.spec.holder_identity = "thief"
    try:
        coord.replace_namespaced_lease("py-lease", "default", lease)
        t.ok(False, "python: a stale renew gets 409")
    except ApiException as e:
        t.eq(e.status, 409, "python: a stale renew gets 409")
    t.eq(coord.read_namespaced_lease("py-lease", "default").spec.holder_identity, "me",
         "python: the stale renew changed nothing")

    # list and watch: a watch from a list's resourceVersion replays what
    # came after it, for each new type
    from kubernetes import watch
    for lister, create, name in [
            (lambda **kw: core.list_namespaced_config_map("default", **kw),
             lambda: core.create_namespaced_config_map("default", client.V1ConfigMap(
                 metadata=client.V1ObjectMeta(name="py-w"), data={"a": "b"})), "py-w"),
            (lambda **kw: core.list_namespaced_secret("default", **kw),
             lambda: core.create_namespaced_secret("default", client.V1Secret(
                 metadata=client.V1ObjectMeta(name="py-w"), data={"a": "Yg=="})), "py-w"),
            (lambda **kw: core.list_namespaced_service_account("default", **kw),
             lambda: core.create_namespaced_service_account("default", client.V1ServiceAccount(
                 metadata=client.V1ObjectMeta(name="py-w"))), "py-w"),
            (lambda **kw: coord.list_namespaced_lease("default", **kw),
             lambda: coord.create_namespaced_lease("default", client.V1Lease(
                 metadata=client.V1ObjectMeta(name="py-w"), spec=client.V1LeaseSpec())),
             "py-w")]:
        rv = lister().metadata.resource_version
        create()
        seen = []
        for ev in watch.Watch().stream(lister, resource_version=rv, timeout_seconds=3):
            # (through a lambda the client cannot tell the model: raw dicts)
            seen.append((ev["type"], ev["object"]["metadata"]["name"]))
            if seen[-1] == ("ADDED", name):
                break
        kind = lister().kind
        t.eq(seen[-1:], [("ADDED", name)], "python: watch of a %s sees the create" % kind)

    core.create_namespaced_pod("default", client.V1Pod(
        metadata=client.V1ObjectMeta(name="py-pod"), spec=client.V1PodSpec(
            containers=[client.V1Container(name="c", image="nginx")])))
    ev = client.V1Eviction(metadata=client.V1ObjectMeta(name="py-pod", namespace="default"))
    core.create_namespaced_pod_eviction("py-pod", "default", ev)
    try:
        core.read_namespaced_pod("py-pod", "default")
        t.ok(False, "python: create_namespaced_pod_eviction deletes the pod")
    except ApiException as e:
        t.eq(e.status, 404, "python: create_namespaced_pod_eviction deletes the pod")


def main():
    s = Server(name="resa").start()
    t.section("discovery", check_discovery, s)
    t.section("tables", check_tables, s)
    t.section("bad input", check_bad_input, s)
    t.section("semantics", check_semantics, s)
    t.section("default serviceaccount", check_default_sa, s)
    t.section("eviction", check_eviction_raw, s)
    t.section("kubectl", check_kubectl, s)
    t.section("python client", check_python, s)
    t.ok(s.proc.poll() is None, "server alive at the end")
    t.done()


if __name__ == "__main__":
    main()
