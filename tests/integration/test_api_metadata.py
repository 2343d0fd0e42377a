#!/usr/bin/python3
"""Metadata-only reads (issue 14): `as=PartialObjectMetadata` for get and
watch, `as=PartialObjectMetadataList` for list, in meta.k8s.io v1 and
v1beta1, as upstream answers them and as the garbage collector and
client-go's metadata client ask for them (protobuf first, JSON after), on
services and nodes; a conversion that does not fit the read is a 406;
reads change nothing. Prints TAP."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import API_ONLY, Server, Tap, stop_all  # noqa: E402

META = "application/json;as=%s;g=meta.k8s.io;v=%s"
# client-go's metadata client (k8s.io/client-go/metadata)
CLIENT_GO_LIST = ("application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;"
                  "g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;"
                  "g=meta.k8s.io;v=v1,application/json")
CLIENT_GO_ONE = ("application/vnd.kubernetes.protobuf;as=PartialObjectMetadata;g=meta.k8s.io;"
                 "v=v1,application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,"
                 "application/json")


def partial_ok(o, gv, name):
    return (isinstance(o, dict) and o.get("kind") == "PartialObjectMetadata" and
            o.get("apiVersion") == gv and o.get("metadata", {}).get("name") == name and
            set(o) == {"kind", "apiVersion", "metadata"} and
            o["metadata"].get("resourceVersion") and o["metadata"].get("uid"))


def watch_events(srv, path, accept, n, act, timeout=15):
    """Open a watch, run act(), read n events (type, object)."""
    c = srv.conn(timeout)
    c.request("GET", path, headers={"Authorization": "Bearer " + srv.token, "Accept": accept})
    r = c.getresponse()
    if r.status != 200:
        return r.status, []
    act()
    out, buf, end = [], b"", time.time() + timeout
    while len(out) < n and time.time() < end:
        chunk = r.read1(65536) if hasattr(r, "read1") else r.read(1)
        if not chunk:
            break
        buf += chunk
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            if line.strip():
                e = json.loads(line)
                out.append((e["type"], e["object"]))
    c.close()
    return 200, out


def main():
    t = Tap()
    srv = Server(extra=[API_ONLY]).start()
    ns = "/api/v1/namespaces/default/services"
    for i, lab in ((1, "a"), (2, "b")):
        r = srv.req("POST", ns, {"metadata": {"name": "m%d" % i, "labels": {"tier": lab}},
                                 "spec": {"ports": [{"port": 80}]}})
        t.ok(r.status == 201, "service m%d created" % i, r)
    r = srv.req("POST", "/api/v1/nodes", {"metadata": {"name": "meta-node",
                                                      "labels": {"zone": "z1"}}})
    t.ok(r.status == 201, "node created", r)
    rev0 = srv.req("GET", ns).json["metadata"]["resourceVersion"]

    # list: PartialObjectMetadataList, items PartialObjectMetadata, no spec
    for v in ("v1", "v1beta1"):
        gv = "meta.k8s.io/" + v
        r = srv.req("GET", ns, headers={"Accept": META % ("PartialObjectMetadataList", v)})
        j = r.json or {}
        names = sorted(i.get("metadata", {}).get("name", "") for i in j.get("items", []))
        t.ok(r.status == 200 and j.get("kind") == "PartialObjectMetadataList" and
             j.get("apiVersion") == gv and j.get("metadata", {}).get("resourceVersion") and
             "m1" in names and "m2" in names and
             all(partial_ok(i, gv, i["metadata"]["name"]) for i in j["items"]) and
             b'"spec"' not in r.body and r.headers.get("content-type") == "application/json",
             "list services as PartialObjectMetadataList (%s): metadata only" % v, r)
    # what client-go's metadata client sends: protobuf first, then JSON
    r = srv.req("GET", "/api/v1/nodes", headers={"Accept": CLIENT_GO_LIST})
    j = r.json or {}
    t.ok(r.status == 200 and j.get("kind") == "PartialObjectMetadataList" and
         any(partial_ok(i, "meta.k8s.io/v1", "meta-node") and
             i["metadata"].get("labels") == {"zone": "z1"} for i in j.get("items", [])) and
         b'"status"' not in r.body,
         "list nodes with client-go's metadata Accept header: JSON PartialObjectMetadataList",
         r)
    # selectors and paging apply as for a full list
    r = srv.req("GET", ns + "?labelSelector=tier%3Db",
                headers={"Accept": META % ("PartialObjectMetadataList", "v1")})
    t.ok(r.status == 200 and [i["metadata"]["name"] for i in r.json["items"]] == ["m2"],
         "a label selector filters the metadata list", r)
    r = srv.req("GET", ns + "?limit=1",
                headers={"Accept": META % ("PartialObjectMetadataList", "v1")})
    cont = (r.json or {}).get("metadata", {}).get("continue")
    r2 = srv.req("GET", ns + "?limit=1&continue=" + (cont or ""),
                 headers={"Accept": META % ("PartialObjectMetadataList", "v1")})
    t.ok(r.status == 200 and len(r.json["items"]) == 1 and cont and r2.status == 200 and
         len(r2.json["items"]) == 1 and r2.json["kind"] == "PartialObjectMetadataList" and
         r2.json["items"][0]["metadata"]["name"] != r.json["items"][0]["metadata"]["name"],
         "paging: limit and continue work on a metadata list", [r, r2])

    # get: PartialObjectMetadata
    r = srv.req("GET", ns + "/m1", headers={"Accept": CLIENT_GO_ONE})
    t.ok(r.status == 200 and partial_ok(r.json, "meta.k8s.io/v1", "m1") and
         r.json["metadata"].get("labels") == {"tier": "a"},
         "get a service as PartialObjectMetadata", r)
    r = srv.req("GET", "/api/v1/nodes/meta-node",
                headers={"Accept": META % ("PartialObjectMetadata", "v1beta1")})
    t.ok(r.status == 200 and partial_ok(r.json, "meta.k8s.io/v1beta1", "meta-node"),
         "get a node as PartialObjectMetadata (v1beta1)", r)
    # a conversion that does not fit the read: 406, unless JSON is also fine
    r = srv.req("GET", ns + "/m1", headers={"Accept": META % ("PartialObjectMetadataList", "v1")})
    t.ok(r.status == 406 and (r.json or {}).get("kind") == "Status" and
         r.reason == "NotAcceptable" and "only the following media types" in r.message,
         "PartialObjectMetadataList on a single object: 406 NotAcceptable", r)
    r = srv.req("GET", ns, headers={"Accept": META % ("PartialObjectMetadata", "v1")})
    t.ok(r.status == 406 and r.reason == "NotAcceptable",
         "PartialObjectMetadata (not List) on a list: 406", r)
    r = srv.req("GET", ns, headers={"Accept": "application/json;as=Table;g=other.io;v=v1"})
    t.ok(r.status == 406, "a Table of another group: 406", r)
    r = srv.req("GET", ns + "/m1",
                headers={"Accept": META % ("PartialObjectMetadataList", "v1") +
                         ",application/json"})
    t.ok(r.status == 200 and r.json.get("kind") == "Service",
         "the same with application/json after it: the full object", r)
    long_acc = ",".join(["application/vnd.example.%d" % i for i in range(120)] +
                        [META % ("PartialObjectMetadata", "v1")])
    r = srv.req("GET", ns + "/m1", headers={"Accept": long_acc})
    t.ok(r.status == 200 and partial_ok(r.json, "meta.k8s.io/v1", "m1"),
         "a %d-byte Accept header is read whole" % len(long_acc), r)
    r = srv.req("GET", ns + "/m1", headers={
        "Accept": META % ("PartialObjectMetadata", "v1") + ";q=0,application/json"})
    t.ok(r.status == 200 and r.json.get("kind") == "Service",
         "a range with q=0 is not chosen", r)
    r = srv.req("GET", ns + "/m1", headers={"Accept": "application/vnd.kubernetes.protobuf"})
    t.ok(r.status == 200 and (r.json or {}).get("kind") == "Service",
         "protobuf only: answered in JSON as before", r)

    # watch: PartialObjectMetadata events
    def act():
        srv.req("POST", ns, {"metadata": {"name": "m3"}, "spec": {"ports": [{"port": 81}]}})
        srv.req("PATCH", ns + "/m3", '{"metadata":{"labels":{"x":"y"}}}',
                headers={"Content-Type": "application/merge-patch+json"})
        srv.req("DELETE", ns + "/m3")

    st, evs = watch_events(srv, ns + "?watch=1&resourceVersion=" + rev0, CLIENT_GO_ONE, 3, act)
    t.ok(st == 200 and [e[0] for e in evs] == ["ADDED", "MODIFIED", "DELETED"] and
         all(partial_ok(o, "meta.k8s.io/v1", "m3") for _, o in evs) and
         evs[1][1]["metadata"].get("labels") == {"x": "y"},
         "watch services as PartialObjectMetadata: ADDED, MODIFIED, DELETED, metadata only",
         evs)

    def act_node():
        srv.req("PATCH", "/api/v1/nodes/meta-node", '{"metadata":{"labels":{"zone":"z2"}}}',
                headers={"Content-Type": "application/merge-patch+json"})

    rv = srv.req("GET", "/api/v1/nodes/meta-node").json["metadata"]["resourceVersion"]
    st, evs = watch_events(srv, "/api/v1/nodes?watch=1&resourceVersion=" + rv,
                           META % ("PartialObjectMetadata", "v1beta1"), 1, act_node)
    t.ok(st == 200 and evs and evs[0][0] == "MODIFIED" and
         partial_ok(evs[0][1], "meta.k8s.io/v1beta1", "meta-node") and
         evs[0][1]["metadata"]["labels"] == {"zone": "z2"},
         "watch nodes as PartialObjectMetadata (v1beta1)", evs)
    st, evs = watch_events(srv, "/api/v1/nodes?watch=1",
                           META % ("PartialObjectMetadataList", "v1"), 0, lambda: None)
    t.ok(st == 406, "a watch asking for PartialObjectMetadataList: 406", st)

    # reads wrote nothing: the service list's revision moved only by the
    # writes of the watch test (3) and the node patch (1)
    rev1 = srv.req("GET", ns).json["metadata"]["resourceVersion"]
    t.ok(int(rev1) == int(rev0) + 4, "metadata reads change nothing (revision %s -> %s)" %
         (rev0, rev1))
    t.done()


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
