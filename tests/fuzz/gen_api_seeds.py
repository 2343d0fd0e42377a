#!/usr/bin/env python3
"""Write the seed inputs of fuzz_api.c into tests/fuzz/corpus/fuzz_api/.

An input is up to 8 requests separated by NUL bytes; a request is three
control bytes (op, target, flags, each stored as value + 1) and a body.
See the comment at the top of fuzz_api.c. Run from anywhere:
    python3 tests/fuzz/gen_api_seeds.py
"""
import json
import os

TYPES = ["namespaces", "services", "endpoints", "pods", "nodes", "events",
         "endpointslices", "deployments", "replicasets", "statefulsets"]
SUBS = ["", "status", "scale", "binding"]
NAMES = ["seed", "fz-a", "fz-b", "kubernetes"]
NSS = ["default", "seed", "kube-system", "fz-a"]
OPS = {"get": 0, "list": 1, "watch": 2, "post": 3, "put": 4, "merge": 5, "smp": 6,
       "json": 7, "delete": 8, "bind": 9, "apply": 10, "raw": 11}
DRY, BOGUS, TABLE, NOCT = 0x10, 0x20, 0x40, 0x80
# flags for a watch: resourceVersion recent / "1" / future; stalled client
W_RECENT, W_OLD, W_FUTURE, W_STALL = 0x10, 0x20, 0x30, 0x80
CLUSTER_WIDE = 0x40


def req(op, typ="pods", sub="", name="seed", ns="default", body=b"", opflags=0, flags=0):
    if not isinstance(body, bytes):
        body = body if isinstance(body, str) else json.dumps(body, separators=(",", ":"))
        body = body.encode()
    o = OPS[op] | opflags
    t = TYPES.index(typ) + len(TYPES) * SUBS.index(sub)
    f = NAMES.index(name) | NSS.index(ns) << 2 | flags
    assert 0 <= o < 255 and 0 <= t < 255 and 0 <= f < 255
    assert b"\0" not in body
    return bytes([o + 1, t + 1, f + 1]) + body


def raw(line, body=b"", ctype=0, accept=None):
    """A raw request: line is "METHOD /path?query"; ctype 0 json, 1 merge,
    2 strategic, 3 json-patch; accept: the Accept header (flag 4)."""
    if not isinstance(body, bytes):
        body = body.encode()
    if accept is not None:
        return (bytes([OPS["raw"] + 1, 1, (ctype | 4) + 1]) + line.encode() + b"\n" +
                accept.encode() + b"\n" + body)
    return bytes([OPS["raw"] + 1, 1, ctype + 1]) + line.encode() + b"\n" + body


def sel(ls, fs=None):
    return ls if fs is None else ls + "\n" + fs


POD_SPEC = {"containers": [{"name": "c", "image": "nginx",
                            "ports": [{"name": "http", "containerPort": 80}]}]}
DEPLOY = {"metadata": {"name": "fz-a", "labels": {"app": "web"}},
          "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}}, "spec": POD_SPEC}}}


def deep(n, leaf="x"):
    v = leaf
    for _ in range(n):
        v = {"a": v}
    return v


SEEDS = {
    # /status writes: every patch type and PUT
    "pod-status-merge": [req("merge", "pods", "status",
                             body={"status": {"phase": "Running", "conditions": [
                                 {"type": "Ready", "status": "True"}]}}),
                         req("get", "pods", "status")],
    "pod-status-smp": [req("smp", "pods", "status",
                           body={"status": {"conditions": [{"type": "Ready", "status": "False"}],
                                            "$setElementOrder/conditions": [{"type": "Ready"}]}}),
                       req("smp", "pods", "status", body={"status": {"conditions": [
                           {"$patch": "delete", "type": "Ready"}]}})],
    "pod-status-json": [req("json", "pods", "status", body=[
        {"op": "add", "path": "/status", "value": {"phase": "Pending"}},
        {"op": "replace", "path": "/status/phase", "value": "Running"},
        {"op": "test", "path": "/status/phase", "value": "Running"}])],
    "pod-status-dry": [req("merge", "pods", "status", opflags=DRY,
                           body={"status": {"phase": "Failed"}}),
                       raw("PATCH /api/v1/namespaces/default/pods/seed/status?dryRun=All",
                           '{"status":{"phase":"Running"}}', 1)],
    "svc-status": [req("merge", "services", "status", body={"status": {"loadBalancer": {
        "ingress": [{"ip": "192.0.2.1"}]}}}),
        req("json", "services", "status", name="kubernetes",
            body=[{"op": "add", "path": "/status/x", "value": 1}])],
    "node-status": [req("smp", "nodes", "status", body={"status": {
        "conditions": [{"type": "Ready", "status": "False"}],
        "addresses": [{"type": "Hostname", "address": "seed"}]}}),
        req("json", "nodes", "status", body=[
            {"op": "replace", "path": "/status/conditions/0/status", "value": "Unknown"}])],
    "deploy-status-put": [req("put", "deployments", "status", body={
        "metadata": {"name": "seed", "resourceVersion": "@RV@"},
        "spec": {"replicas": 9}, "status": {"replicas": 2, "readyReplicas": 1}}),
        req("put", "deployments", "status", opflags=DRY, body={
            "metadata": {"name": "seed"}, "status": {"replicas": 3}})],
    "sts-status-merge": [req("merge", "statefulsets", "status",
                             body={"status": {"replicas": 2, "currentRevision": "r1"}})],
    # /scale
    "deploy-scale": [req("get", "deployments", "scale"),
                     req("put", "deployments", "scale", body={
                         "kind": "Scale", "apiVersion": "autoscaling/v1",
                         "metadata": {"name": "seed", "namespace": "default",
                                      "resourceVersion": "@RV@"},
                         "spec": {"replicas": 5}}),
                     req("merge", "deployments", "scale", body={"spec": {"replicas": 0}}),
                     req("smp", "replicasets", "scale", body={"spec": {"replicas": 3}}),
                     req("put", "statefulsets", "scale", opflags=DRY,
                         body={"spec": {"replicas": 7}}),
                     req("merge", "deployments", "scale", body={"spec": {"replicas": -1}}),
                     req("json", "deployments", "scale", body=[])],
    # /binding
    "pod-binding": [req("bind", "pods", "binding", opflags=DRY, body={
        "apiVersion": "v1", "kind": "Binding", "metadata": {"name": "seed"},
        "target": {"apiVersion": "v1", "kind": "Node", "name": "seed"}}),
        req("bind", "pods", "binding", body={"target": {"kind": "Node", "name": "seed"}}),
        req("bind", "pods", "binding", body={"target": {"name": "other"}})],
    # create, update, patch, delete of a Service with allocations
    "svc-lifecycle": [
        req("post", "services", body={"metadata": {"name": "fz-a"}, "spec": {
            "type": "NodePort", "ports": [{"name": "a", "port": 80}, {"name": "b", "port": 81,
                                                                       "nodePort": 30010}]}}),
        req("put", "services", name="fz-a", body={
            "metadata": {"name": "fz-a", "resourceVersion": "@RV@"},
            "spec": {"type": "ClusterIP", "ports": [{"name": "a", "port": 80}]}}),
        req("smp", "services", name="fz-a", body={"spec": {"type": "NodePort", "ports": [
            {"name": "c", "port": 90}], "$setElementOrder/ports": [{"port": 90}, {"port": 80}]}}),
        req("merge", "services", name="fz-a", opflags=DRY,
            body={"spec": {"clusterIP": "10.96.0.200", "clusterIPs": ["10.96.0.200"]}}),
        req("delete", "services", name="fz-a", body={"preconditions": {"resourceVersion": "@RV@"}}),
    ],
    "svc-dry": [req("post", "services", opflags=DRY, body={"metadata": {"name": "fz-b"}, "spec": {
        "type": "LoadBalancer", "ports": [{"name": "a", "port": 80}]}}),
        req("post", "services", opflags=BOGUS, body={"metadata": {"name": "fz-b"}, "spec": {
            "ports": [{"name": "a", "port": 80}]}}),
        req("delete", "services", body={"dryRun": ["All"]}),
        req("delete", "services", opflags=DRY),
        req("delete", "pods", body={"dryRun": ["All", "x"]}),
        req("list", "services", flags=CLUSTER_WIDE)],
    "ns-delete": [req("post", "namespaces", body={"metadata": {"name": "fz-a"}}),
                  req("post", "services", ns="fz-a", body={"metadata": {"name": "fz-a"}, "spec": {
                      "type": "NodePort", "ports": [{"name": "a", "port": 80}]}}),
                  req("post", "pods", ns="fz-a", body={"metadata": {"name": "fz-a"},
                                                        "spec": POD_SPEC}),
                  req("delete", "namespaces", name="fz-a", opflags=DRY),
                  req("delete", "namespaces", name="fz-a"),
                  req("delete", "namespaces", name="kubernetes"),
                  req("delete", "namespaces", name="seed", body={"preconditions": {"uid": "x"}})],
    "deploy-put-json": [req("post", "deployments", body=DEPLOY),
                        req("put", "deployments", name="fz-a", body=dict(
                            DEPLOY, metadata={"name": "fz-a", "resourceVersion": "@RV@"})),
                        req("json", "deployments", name="fz-a", body=[
                            {"op": "copy", "from": "/spec/template", "path": "/spec/x"},
                            {"op": "move", "from": "/spec/x", "path": "/metadata/annotations"},
                            {"op": "remove", "path": "/metadata/annotations"}]),
                        req("apply", "deployments", name="fz-a", body="spec: {}"),
                        req("merge", "deployments", name="fz-a", opflags=NOCT, body="{}")],
    # watch streams around writes
    "watch-writes": [req("watch", "services", body=sel("app=web")),
                     req("watch", "services", flags=W_RECENT | CLUSTER_WIDE, opflags=TABLE),
                     req("watch", "pods", flags=W_STALL),
                     req("merge", "services", body={"metadata": {"labels": {"app": "x"}}}),
                     req("merge", "pods", body={"metadata": {"labels": {"b": "c"}}}),
                     req("watch", "pods", flags=W_OLD),
                     req("watch", "pods", flags=W_FUTURE, body=sel("", "metadata.name=seed"))],
    # list, selectors, tables
    "list-selectors": [req("list", "pods", body=sel("app in (web,x),tier notin (db),!foo",
                                                    "metadata.name=seed,status.phase!=Failed")),
                       req("list", "services", opflags=TABLE, flags=CLUSTER_WIDE,
                           body=sel("app", "metadata.namespace!=kube-system")),
                       req("list", "events", body=sel("", "involvedObject.kind=Pod")),
                       req("list", "endpointslices", body=sel(
                           "kubernetes.io/service-name=seed,!service.kubernetes.io/headless")),
                       req("get", "nodes", opflags=TABLE),
                       req("list", "pods", body=sel("a in (b", "spec.foo=x"))],
    # server-side apply: create, the same again (no-op), a change, a conflict
    # with the merge patch's manager, then forced; YAML and JSON bodies
    "apply": [req("apply", "services", name="fz-b", body=(
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: fz-b\n  labels: {app: a}\n"
        "spec:\n  ports:\n  - port: 80\n    targetPort: 8080\n")),
        req("apply", "services", name="fz-b", body={
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "fz-b",
                                                                "labels": {"app": "a"}},
            "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}),
        req("merge", "services", name="fz-b", body={"spec": {"ports": [
            {"port": 80, "targetPort": 9090}]}}),
        req("apply", "services", name="fz-b", body={
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "fz-b"},
            "spec": {"ports": [{"name": "a", "port": 80, "targetPort": 8081},
                               {"name": "b", "port": 81}]}}),
        req("apply", "services", name="fz-b", flags=0x80, body={
            "apiVersion": "v1", "kind": "Service", "metadata": {"name": "fz-b"},
            "spec": {"ports": [{"name": "a", "port": 80, "targetPort": 8081},
                               {"name": "b", "port": 81}]}}),
        req("apply", "deployments", name="fz-a", body=dict(DEPLOY, apiVersion="apps/v1",
                                                           kind="Deployment"))],
    # raw paths
    "raw-paths": [raw("GET /api/v1/namespaces/default/services/a%00b"),
                  raw("GET /apis/apps/v1/namespaces//deployments/%2F/scale/extra"),
                  raw("GET /version"), raw("GET /apis"), raw("GET /api/v1"),
                  raw("GET /healthz"),
                  raw("POST /api/v1/namespaces/default/pods/seed/binding?dryRun=x",
                      '{"target":{"name":"n"}}'),
                  raw("PATCH /api/v1/nodes/seed?dryRun=All", '{"metadata":{"labels":{"a":"b"}}}',
                      1)],
    # what a read answers with: metadata only, Tables, 406s
    "accept": [raw("GET /api/v1/namespaces/default/services",
                   accept="application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;"
                          "g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;"
                          "g=meta.k8s.io;v=v1,application/json"),
               raw("GET /api/v1/nodes/seed",
                   accept="application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1beta1"),
               raw("GET /api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1",
                   accept="application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1"),
               raw("GET /api/v1/namespaces/default/services/seed",
                   accept="application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"),
               raw("GET /api/v1/namespaces", accept=" ;;as=;g=;v=,,*/*;as=Table;v=v1;g=x")],
    # size and shape: deep nesting, wide objects, amplification, NUL
    "deep-merge": [req("merge", "deployments", body={"metadata": {"annotations": {}},
                                                      "spec": {"x": deep(40)}}),
                   req("smp", "pods", body={"spec": {"x": deep(40)}})],
    "deep-json-test": [req("json", "pods", body=[
        {"op": "add", "path": "/metadata/annotations", "value": {"d": json.dumps(deep(40))}},
        {"op": "test", "path": "/spec", "value": deep(30)}])],
    "wide-annotations": [req("merge", "pods", body={"metadata": {"annotations": {
        "k%05d" % i: "v" for i in range(5000)}}}),
        req("merge", "pods", body={"metadata": {"annotations": {"k00001": None}}})],
    "wide-create": [req("post", "endpoints", body={"metadata": {"name": "fz-b", "labels": {
        "l%04d" % i: "v" for i in range(2000)}}, "subsets": [{"addresses": [
            {"ip": "10.244.%d.%d" % (i // 200, i % 200 + 1)} for i in range(2000)],
            "ports": [{"name": "p", "port": 80}]}]})],
    "json-amplify": [req("json", "pods", body=[
        {"op": "copy", "from": "/spec", "path": "/spec/x%d" % i} for i in range(21)])],
    "nul-escape": [req("post", "services", body='{"metadata":{"name":"a\\u0000b"},"spec":{}}'),
                   req("merge", "pods", body='{"metadata":{"labels":{"a":"\\u0000"}}}')],
    # the third write makes the object pass the 256 KiB limit: 413
    "big-body": [req("merge", "pods", body={"metadata": {"annotations": {
        "big": "x" * (150 * 1024)}}}),
        req("merge", "pods", body={"metadata": {"annotations": {"big2": "y" * (70 * 1024)}}}),
        req("merge", "pods", body={"metadata": {"annotations": {"big3": "z" * (40 * 1024)}}}),
        req("merge", "pods", opflags=DRY,
            body={"metadata": {"annotations": {"big3": "z" * (40 * 1024)}}})],
}

# The seeds of the earlier stage-by-stage harness: create the object, patch
# it, list it with the selectors, delete it.
OLD = [
    ("deployments", "app=web", "", '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["fe"]}]},"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1,"maxUnavailable":"25%"}},"template":{"metadata":{"labels":{"app":"web","tier":"fe"}},"spec":{"containers":[{"name":"c","image":"nginx","ports":[{"name":"http","containerPort":8080}],"env":[{"name":"A","value":"1"}],"volumeMounts":[{"name":"v","mountPath":"/d"}]}],"volumes":[{"name":"v","emptyDir":{}}]}}}}', '{"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate","rollingUpdate":null},"template":{"spec":{"containers":[{"name":"c","image":"nginx:2","env":[{"$patch":"delete","name":"A"}]}],"$setElementOrder/containers":[{"name":"c"}]}}}}'),
    ("endpoints", "", "metadata.name=fz-a", '{"metadata":{"name":"web"},"subsets":[{"addresses":[{"ip":"10.244.1.5","nodeName":"n1"}],"notReadyAddresses":[{"ip":"10.244.2.7"}],"ports":[{"name":"http","port":8080,"protocol":"TCP"}]}]}', '{"subsets":[]}'),
    ("endpointslices", "kubernetes.io/service-name=web,!service.kubernetes.io/headless", "", '{"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-abc","labels":{"kubernetes.io/service-name":"web"},"ownerReferences":[{"apiVersion":"v1","kind":"Service","name":"web","uid":"u","controller":true}]},"addressType":"IPv4","endpoints":[{"addresses":["10.244.1.5"],"conditions":{"ready":true,"serving":true,"terminating":false},"nodeName":"node1","zone":"z","targetRef":{"kind":"Pod","namespace":"default","name":"web-1","uid":"u2"}}],"ports":[{"name":"http","port":8080,"protocol":"TCP"}]}', '{"endpoints":[{"addresses":["10.244.1.6"]}],"ports":null}'),
    ("events", "", "involvedObject.name=x,involvedObject.kind=Service", '{"metadata":{"name":"ev"}}', '{}'),
    ("namespaces", "", "metadata.name=fz-a", '{"metadata":{"name":"team-a"}}', '{"metadata":{"labels":{"a":null}}}'),
    ("nodes", "", "", '{"metadata":{"name":"node1","labels":{"node-role.kubernetes.io/control-plane":""}},"spec":{"podCIDR":"10.244.1.0/24","podCIDRs":["10.244.1.0/24"]},"status":{"addresses":[{"type":"InternalIP","address":"192.0.2.10"}],"conditions":[{"type":"Ready","status":"True"}],"nodeInfo":{"kubeletVersion":"v1.20.2","osImage":"Debian","kernelVersion":"6.1","containerRuntimeVersion":"x"}}}', '{"status":{"conditions":[{"type":"Ready","status":"False"}],"addresses":[{"type":"Hostname","address":"node1"}]}}'),
    ("pods", "", "spec.nodeName=node1,status.phase!=Failed", '{"metadata":{"name":"web-1","labels":{"app":"web"}},"spec":{"nodeName":"node1","containers":[{"name":"c","image":"nginx","ports":[{"containerPort":8080}]}]},"status":{"phase":"Running","podIP":"10.244.1.5","podIPs":[{"ip":"10.244.1.5"}],"conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"c","ready":true,"restartCount":2,"image":"nginx","imageID":"","state":{"running":{}}}]}}', '[{"op":"replace","path":"/spec/nodeName","value":"n2"},{"op":"add","path":"/metadata/labels/x","value":"y"},{"op":"test","path":"/status/phase","value":"Running"},{"op":"move","from":"/metadata/labels/x","path":"/metadata/labels/z"},{"op":"copy","from":"/spec","path":"/status/copy"}]'),
    ("services", "k==v", "metadata.name==a", '{"metadata":{"name":"ext"},"spec":{"type":"ExternalName","externalName":"example.com"}}', '[{"op":"remove","path":"/spec/externalName"}]'),
    ("services", "app", "", '{"metadata":{"name":"hl"},"spec":{"clusterIP":"None","clusterIPs":["None"],"selector":{"app":"db"}}}', '{"spec":{"selector":null}}'),
    ("services", "app notin (a,b)", "metadata.namespace!=kube-system", '{"metadata":{"name":"np"},"spec":{"type":"NodePort","externalTrafficPolicy":"Local","ports":[{"name":"u","port":80,"nodePort":30040,"protocol":"UDP"}],"sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":60}}}}', '{"spec":{"ports":[{"$patch":"replace"},{"port":81}]}}'),
    ("services", "app in (web,x),tier!=db,!foo", "metadata.name=fz-a", '{"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default","labels":{"app":"web","tier":"fe"},"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}"}},"spec":{"selector":{"app":"web"},"ports":[{"name":"http","port":80,"targetPort":8080},{"name":"https","port":443,"targetPort":"https","protocol":"TCP"}]}}', '{"metadata":{"annotations":{"a":"b"}},"spec":{"$setElementOrder/ports":[{"port":443}],"ports":[{"name":"https","port":443,"targetPort":8443},{"$patch":"delete","port":80}]}}'),
]


def old_seed(typ, ls, fs, body, patch):
    obj = json.loads(body)
    obj["metadata"]["name"] = "fz-a"
    kind = "json" if patch.startswith("[") else "smp"
    seq = [req("post", typ, body=obj), req(kind, typ, name="fz-a", body=patch)]
    if kind == "smp":
        seq.append(req("merge", typ, name="fz-a", body=patch))
    seq += [req("list", typ, body=sel(ls, fs)),
            req("get", typ, name="fz-a", opflags=TABLE),
            req("delete", typ, name="fz-a")]
    return seq


def main():
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "fuzz_api")
    os.makedirs(out, exist_ok=True)
    for f in os.listdir(out):
        os.unlink(os.path.join(out, f))
    seeds = dict(SEEDS)
    for i, o in enumerate(OLD):
        seeds["old-%02d-%s" % (i, o[0])] = old_seed(*o)
    for name, reqs in sorted(seeds.items()):
        assert len(reqs) <= 8, name
        data = b"\0".join(reqs)
        assert len(data) <= 1048576, name
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
