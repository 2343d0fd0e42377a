#!/usr/bin/python3
"""The schema engine through the API (issue 8 part 1).

1. Protobuf bodies: kubectl 1.32's captured bodies (tests/fuzz/corpus/
   fuzz_schema_pb) create what kubectl's JSON would; every truncated and
   many corrupted variants get 400 naming the field, store nothing, and the
   server stays up; a protobuf field the schema does not know is a 400
   under fieldValidation=Strict and a Warning otherwise.
2. fieldValidation for JSON: Strict 400 with upstream's "strict decoding
   error: unknown field ..., duplicate field ..." text; Warn one
   `Warning: 299 - "..."` header per finding, stored without the unknown
   fields and with the last of repeated keys; Ignore the same silently; a
   bad value 422; PATCH results are checked too.
3. /openapi/v2 (gnostic protobuf) and /openapi/v3 (index, per group-version).
4. Real clients: kubectl 1.32 create namespace / service clusterip /
   configmap / secret / serviceaccount / job / deployment (when served), a
   Deployment with inline struct members applied under Strict, a typo'd manifest
   rejected naming the field and stored without it under --validate=false,
   explain; kubectl 1.20 create --dry-run=server, apply --validate, diff.
Prints TAP."""
import glob
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "..", "fuzz", "corpus", "fuzz_schema_pb")
PB = {"Content-Type": "application/vnd.kubernetes.protobuf"}
NS = "/api/v1/namespaces/default"
K20 = "/opt/skiff/kubectl-1.20/usr/bin/kubectl"


def golden(name):
    """A captured body without the fuzz seed's leading limit byte."""
    with open(os.path.join(CORPUS, "kubectl132_%s.pb" % name), "rb") as f:
        return f.read()[1:]


def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7f
        v >>= 7
        out.append(b | (0x80 if v else 0))
        if not v:
            return bytes(out)


def field(num, payload):
    return varint(num << 3 | 2) + varint(len(payload)) + payload


def envelope(api_version, kind, raw):
    tm = field(1, api_version.encode()) + field(2, kind.encode())
    return b"k8s\0" + field(1, tm) + field(2, raw)


def all_headers(s, method, path, body, headers):
    """Status, body and every (name, value) header, repeated ones kept."""
    c = s.conn()
    h = {"Authorization": "Bearer " + s.token, "Accept": "application/json"}
    h.update(headers)
    try:
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        return r.status, r.read(), r.getheaders()
    finally:
        c.close()


def warnings(hdrs):
    return [v for k, v in hdrs if k.lower() == "warning"]


def alive(s):
    return s.req("GET", "/version").status == 200


def check_protobuf(s):
    body = golden("namespace")
    r = s.req("POST", "/api/v1/namespaces?fieldValidation=Strict", body, PB)
    t.eq(r.status, 201, "protobuf: kubectl's Namespace body creates ns1")
    t.eq(s.req("GET", "/api/v1/namespaces/ns1").json["metadata"]["name"], "ns1",
         "protobuf: ns1 is stored")
    r = s.req("POST", NS + "/services?fieldValidation=Strict", golden("service"), PB)
    t.eq(r.status, 201, "protobuf: kubectl's Service body creates svc1")
    spec = (r.json or {}).get("spec", {})
    t.eq([(p.get("name"), p.get("port"), p.get("targetPort"), p.get("protocol"))
          for p in spec.get("ports", [])], [("80-8080", 80, 8080, "TCP")],
         "protobuf: svc1's port as kubectl's JSON has it (IntOrString targetPort 8080)")
    t.eq(spec.get("selector"), {"app": "svc1"}, "protobuf: svc1's selector (a map)")
    t.eq(spec.get("type"), "ClusterIP", "protobuf: svc1's type")

    # every truncation of the Service body, and corruptions of each byte
    body = golden("service")
    # cut right after typeMeta the envelope is whole (an empty Service:
    # 422); every other cut before the trailing empty fields 3 and 4 is 400
    whole = 4 + 2 + body[5]
    bad = []
    for n in range(0, len(body) - 4):
        r = s.req("POST", NS + "/services", body[:n], PB)
        want = 422 if n == whole else 400
        if r.status != want or (want == 400 and "error decoding protobuf body" not in r.message):
            bad.append((n, r.status, r.message))
    t.eq(bad, [], "protobuf: %d truncated bodies: 400 each" % (len(body) - 5))
    r = s.req("POST", NS + "/services", body[:100], PB)
    t.eq(r.message, "error decoding protobuf body: truncated field (108 bytes declared, "
         "79 left)", "protobuf: the truncation is named")
    crashes = 0
    for i in range(len(body)):
        for v in (0x00, 0x7f, 0xff):
            b = bytearray(body)
            b[i] = v
            r = s.req("POST", NS + "/services?dryRun=All", bytes(b), PB)
            crashes += r.status >= 500
    t.eq(crashes, 0, "protobuf: %d corrupted bodies, no 5xx" % (3 * len(body)))
    t.ok(alive(s), "protobuf: the server is alive after the bad bodies")
    t.eq(sorted(i["metadata"]["name"] for i in s.req("GET", NS + "/services").json["items"]),
         ["kubernetes", "svc1"], "protobuf: the bad bodies stored nothing")

    # an unknown protobuf field inside spec (field 99)
    meta = field(1, b"pbunk")
    spec = field(1, field(1, b"p") + b"\x18\x50") + b"\x98\x06\x07"  # port 80; 99: 7
    raw = field(1, meta) + field(2, spec)
    r = s.req("POST", NS + "/services?fieldValidation=Strict", envelope("v1", "Service", raw), PB)
    t.ok(r.status == 400 and r.message == 'Service in version "v1" cannot be handled as a '
         'Service: strict decoding error: unknown field (protobuf field 99) in spec',
         "protobuf: an unknown field under Strict: 400 naming its number and path", r)
    st, _, hdrs = all_headers(s, "POST", NS + "/services", envelope("v1", "Service", raw), PB)
    t.eq((st, warnings(hdrs)), (201, ['299 - "unknown field (protobuf field 99) in spec"']),
         "protobuf: under Warn (the default) created with a Warning")
    r = s.req("POST", NS + "/services", envelope("apps/v1", "Nope", raw), PB)
    t.ok(r.status == 400 and 'no kind "Nope" is registered for version "apps/v1"' in r.message,
         "protobuf: an unknown kind is a 400", r)


TYPO = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "typo"},
        "spec": {"ports": [{"port": 80, "targetPortt": 8080}], "selectr": {"a": "b"}}}


def check_field_validation(s):
    dup = (b'{"apiVersion":"v1","kind":"Service","metadata":{"name":"dup","name":"dup2"},'
           b'"spec":{"ports":[{"port":80}],"selectr":{}}}')
    r = s.req("POST", NS + "/services?fieldValidation=Strict", dup,
              {"Content-Type": "application/json"})
    t.ok(r.status == 400 and r.reason == "BadRequest" and r.message ==
         'Service in version "v1" cannot be handled as a Service: strict decoding error: '
         'duplicate field "metadata.name", unknown field "spec.selectr"',
         "JSON Strict: 400 with upstream's strict decoding error", r)
    st, body, hdrs = all_headers(s, "POST", NS + "/services?fieldValidation=Warn", dup,
                                 {"Content-Type": "application/json"})
    t.eq((st, warnings(hdrs)), (201, ['299 - "duplicate field \\"metadata.name\\""',
                                      '299 - "unknown field \\"spec.selectr\\""']),
         "JSON Warn: created, one Warning header per finding")
    got = s.req("GET", NS + "/services/dup2")
    t.ok(got.status == 200 and "selectr" not in got.json["spec"],
         "JSON Warn: the last name wins and the unknown field is not stored", got)
    st, _, hdrs = all_headers(s, "POST", NS + "/services?fieldValidation=Ignore",
                              json.dumps(TYPO).encode(), {"Content-Type": "application/json"})
    got = s.req("GET", NS + "/services/typo")
    t.ok(st == 201 and not warnings(hdrs) and "selectr" not in got.json["spec"] and
         "targetPortt" not in got.json["spec"]["ports"][0],
         "JSON Ignore: created silently, without the unknown fields", got)
    r = s.req("POST", NS + "/services?fieldValidation=strict", TYPO)
    t.ok(r.status == 422 and r.message == 'CreateOptions.meta.k8s.io "" is invalid: '
         'fieldValidation: Unsupported value: "strict": supported values: "Ignore", '
         '"Strict", "Warn"', "fieldValidation=strict: 422 naming the option", r)
    r = s.req("PATCH", NS + "/services/typo?fieldValidation=Strict",
              b'{"spec":{"sessionAffinityy":"None"}}',
              {"Content-Type": "application/merge-patch+json"})
    t.ok(r.status == 400 and 'unknown field "spec.sessionAffinityy"' in r.message,
         "PATCH Strict: the patch's unknown field is a 400", r)


def check_openapi(s):
    r = s.req("GET", "/openapi/v2", headers={
        "Accept": "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"})
    t.ok(r.status == 200 and r.headers.get("content-type") == "application/octet-stream" and
         r.body.startswith(b"\x0a\x032.0") and b"io.k8s.api.core.v1.ServiceSpec" in r.body and
         b"dryRun" in r.body, "/openapi/v2: gnostic protobuf with definitions and dryRun", r)
    r = s.req("GET", "/openapi/v3")
    paths = (r.json or {}).get("paths", {})
    t.ok(r.status == 200 and "api/v1" in paths, "/openapi/v3: the index names api/v1", r)
    url = paths.get("api/v1", {}).get("serverRelativeURL", "")
    r = s.req("GET", url)
    sch = ((r.json or {}).get("components") or {}).get("schemas", {})
    svc = sch.get("io.k8s.api.core.v1.Service", {})
    t.eq(svc.get("x-kubernetes-group-version-kind"),
         [{"group": "", "kind": "Service", "version": "v1"}],
         "/openapi/v3/api/v1: Service with its GVK")
    patch = r.json["paths"].get("/api/v1/namespaces/{namespace}/services/{name}", {}).get(
        "patch", {})
    t.ok({"dryRun", "fieldValidation", "fieldManager"} <=
         {p["name"] for p in patch.get("parameters", [])},
         "/openapi/v3/api/v1: PATCH of a service takes dryRun, fieldValidation, fieldManager")
    t.eq(s.req("GET", "/openapi/v3/apis/nope/v1").status, 404, "/openapi/v3/<unknown>: 404")


def kubectl(exe, kc, *args, stdin=None):
    p = subprocess.run([exe, "--kubeconfig", kc] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout + p.stderr


def served(s, path):
    return s.req("GET", path).status == 200


def check_kubectl(s):
    kc = s.kubeconfig
    rc, out = kubectl("kubectl", kc, "create", "namespace", "k132")
    t.ok(rc == 0 and served(s, "/api/v1/namespaces/k132"),
         "kubectl 1.32 create namespace (protobuf)", out)
    rc, out = kubectl("kubectl", kc, "create", "service", "clusterip", "kc", "--tcp=80:8080")
    got = s.req("GET", NS + "/services/kc").json or {}
    t.ok(rc == 0 and got.get("spec", {}).get("ports", [{}])[0].get("targetPort") == 8080,
         "kubectl 1.32 create service clusterip (protobuf)", out)
    if served(s, NS + "/configmaps"):
        rc, out = kubectl("kubectl", kc, "create", "configmap", "kcm", "--from-literal=a=b")
        t.ok(rc == 0 and s.req("GET", NS + "/configmaps/kcm").json.get("data") == {"a": "b"},
             "kubectl 1.32 create configmap", out)
    else:
        t.skip("kubectl 1.32 create configmap", "configmaps are not served yet")
    # more of kubectl 1.32's protobuf creates, when the resource is served
    for what, args, path, check in [
            ("secret generic", ["secret", "generic", "ks", "--from-literal=k=v"],
             NS + "/secrets/ks", lambda o: o.get("data") == {"k": "dg=="}),
            ("serviceaccount", ["serviceaccount", "ksa"], NS + "/serviceaccounts/ksa",
             lambda o: o["metadata"]["name"] == "ksa"),
            ("job", ["job", "kj", "--image=host", "--", "sleep", "1"],
             "/apis/batch/v1/namespaces/default/jobs/kj",
             lambda o: o["spec"]["template"]["spec"]["containers"][0]["command"] ==
             ["sleep", "1"])]:
        coll = path.rsplit("/", 1)[0]
        if not served(s, coll):
            t.skip("kubectl 1.32 create " + what, "not served yet")
            continue
        rc, out = kubectl("kubectl", kc, "create", *args)
        got = s.req("GET", path)
        t.ok(rc == 0 and got.status == 200 and check(got.json),
             "kubectl 1.32 create %s (protobuf)" % what, out)
    if served(s, "/openapi/v3/apis/apps/v1"):
        rc, out = kubectl("kubectl", kc, "create", "deployment", "kd", "--image=host")
        t.ok(rc == 0 and served(s, "/apis/apps/v1/namespaces/default/deployments/kd"),
             "kubectl 1.32 create deployment (protobuf)", out)
        rc, out = kubectl("kubectl", kc, "explain", "deployment.spec.strategy")
        t.ok(rc == 0 and "rollingUpdate" in out, "kubectl 1.32 explain deployment.spec.strategy",
             out)
    else:
        t.skip("kubectl 1.32 create deployment", "no apps/v1 schema tables yet")
        t.skip("kubectl 1.32 explain deployment.spec.strategy", "no apps/v1 schema tables yet")
    # inline structs (VolumeSource, ProbeHandler, LocalObjectReference):
    # their members are fields of the parent, kept and not reported
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "kinl"},
           "spec": {"selector": {"matchLabels": {"a": "b"}}, "template": {
               "metadata": {"labels": {"a": "b"}},
               "spec": {"volumes": [{"name": "v", "configMap": {"name": "cm"}}],
                        "containers": [{
                            "name": "c", "image": "host",
                            "livenessProbe": {"httpGet": {"path": "/", "port": 80}},
                            "env": [{"name": "E", "valueFrom": {"configMapKeyRef": {
                                "name": "cm", "key": "k"}}}]}]}}}}
    if served(s, "/openapi/v3/apis/apps/v1"):
        rc, out = kubectl("kubectl", kc, "apply", "-f", "-", stdin=json.dumps(dep))
        got = s.req("GET", "/apis/apps/v1/namespaces/default/deployments/kinl").json or {}
        pod = got.get("spec", {}).get("template", {}).get("spec", {})
        t.ok(rc == 0 and "Warning" not in out and
             pod.get("volumes", [{}])[0].get("configMap") == {"name": "cm"} and
             pod["containers"][0]["livenessProbe"]["httpGet"]["port"] == 80 and
             pod["containers"][0]["env"][0]["valueFrom"]["configMapKeyRef"]["name"] == "cm",
             "kubectl 1.32 apply (Strict) of inline struct members: accepted and kept", out)
    else:
        t.skip("kubectl 1.32 apply of inline struct members", "no apps/v1 schema tables yet")
    rc, out = kubectl("kubectl", kc, "explain", "service.spec.ports")
    t.ok(rc == 0 and "targetPort\t<IntOrString>" in out and "port\t<integer> -required-" in out,
         "kubectl 1.32 explain service.spec.ports", out)
    typo = dict(TYPO, metadata={"name": "ktypo"})
    rc, out = kubectl("kubectl", kc, "apply", "-f", "-", stdin=json.dumps(typo))
    t.ok(rc != 0 and 'unknown field "spec.selectr"' in out and
         'unknown field "spec.ports[0].targetPortt"' in out,
         "kubectl 1.32 apply of a typo'd manifest: rejected naming the fields", out)
    t.eq(s.req("GET", NS + "/services/ktypo").status, 404, "... and nothing stored")
    rc, out = kubectl("kubectl", kc, "apply", "--validate=false", "-f", "-",
                      stdin=json.dumps(typo))
    got = s.req("GET", NS + "/services/ktypo").json or {}
    t.ok(rc == 0 and "selectr" not in got.get("spec", {"selectr": 1}),
         "kubectl 1.32 apply --validate=false: stored without the unknown field", out)

    if not os.path.exists(K20):
        for what in ("create --dry-run=server", "apply --validate", "diff"):
            t.skip("kubectl 1.20 " + what, "not installed")
        return
    man = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "k20"},
           "spec": {"ports": [{"port": 80}]}}
    rc, out = kubectl(K20, kc, "create", "--dry-run=server", "-f", "-", stdin=json.dumps(man))
    t.ok(rc == 0 and "(server dry run)" in out and not served(s, NS + "/services/k20"),
         "kubectl 1.20 create --dry-run=server (the v2 document lists dryRun)", out)
    rc, out = kubectl(K20, kc, "apply", "--validate=true", "-f", "-",
                      stdin=json.dumps(dict(TYPO, metadata={"name": "k20typo"})))
    t.ok(rc != 0 and 'unknown field "selectr" in io.k8s.api.core.v1.ServiceSpec' in out,
         "kubectl 1.20 apply --validate: the v2 schema rejects the typo", out)
    rc, out = kubectl(K20, kc, "apply", "-f", "-", stdin=json.dumps(man))
    man["spec"]["ports"][0]["port"] = 81
    rc2, out2 = kubectl(K20, kc, "diff", "-f", "-", stdin=json.dumps(man))
    t.ok(rc == 0 and rc2 == 1 and "+  - port: 81" in out2,
         "kubectl 1.20 apply, then diff shows the change", out + out2)


s = Server(name="schema")
s.start()
t.section("protobuf", check_protobuf, s)
t.section("fieldValidation", check_field_validation, s)
t.section("openapi", check_openapi, s)
t.section("kubectl", check_kubectl, s)
t.done()
