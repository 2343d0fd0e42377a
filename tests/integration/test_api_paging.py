#!/usr/bin/python3
"""Paging (limit/continue, consistent at the first page's revision, 410 with
a fresh token past the retained history, 400 for a malformed token),
deletecollection and the trailing-slash discovery aliases, against a real
skiff-server with raw requests, kubectl 1.32 and 1.20 (--chunk-size) and the
python client's pager. Prints TAP."""
import base64
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap, svc  # noqa: E402

from kubernetes import client, config  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402

t = Tap()
KUBECTLS = [("1.32", "kubectl"), ("1.20", "/opt/skiff/kubectl-1.20/usr/bin/kubectl")]
# compaction runs every API_COMPACT_INTERVAL (5 s) in api.c
COMPACT_WAIT = 8


def token(rv, start):
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": rv, "start": start}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(tok):
    return json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))


def names(resp):
    return [i["metadata"]["name"] for i in resp.json["items"]]


def mk(srv, ns, name, labels=None):
    body = svc(name)
    if labels:
        body["metadata"]["labels"] = labels
    r = srv.req("POST", "/api/v1/namespaces/%s/services" % ns, body)
    assert r.status == 201, r


def test_raw(srv):
    srv.req("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                           "metadata": {"name": "raw"}})
    for i in range(7):
        mk(srv, "raw", "s%d" % i, {"tier": "a" if i % 2 else "b"})
    base = "/api/v1/namespaces/raw/services"
    all_ = srv.req("GET", base)
    want = names(all_)
    t.eq(len(want), 7, "7 services listed in one list")
    r = srv.req("GET", base + "?limit=2")
    md = r.json["metadata"]
    t.ok(r.status == 200 and names(r) == want[:2] and md.get("continue")
         and md.get("remainingItemCount") == 5,
         "limit=2: two items, a continue token, remainingItemCount 5", r)
    tok = decode(md["continue"])
    t.ok(tok["v"] == "meta.k8s.io/v1" and tok["rv"] == int(md["resourceVersion"])
         and tok["start"] == "s1\x00",
         "the token is upstream's base64url JSON {v, rv, start: last key + NUL}", tok)
    first_rv = md["resourceVersion"]
    # writes between pages: a delete, an update, a create inside the range
    srv.req("DELETE", base + "/s3")
    mk(srv, "raw", "s35")
    got, pages, rvs = names(r), 1, {first_rv}
    while md.get("continue"):
        r = srv.req("GET", base + "?limit=2&continue=" + md["continue"])
        md = r.json["metadata"]
        got += names(r)
        rvs.add(md["resourceVersion"])
        pages += 1
    t.eq(got, want, "pages list the snapshot of the first page despite writes between them")
    t.ok(pages == 4 and rvs == {first_rv}, "4 pages, every one at the first page's revision",
         (pages, rvs))
    t.ok("continue" not in md and "remainingItemCount" not in md,
         "the last page has no continue token", md)
    # a new list sees the writes
    t.eq(sorted(names(srv.req("GET", base))), sorted([n for n in want if n != "s3"] + ["s35"]),
         "a new list sees the writes")
    # selectors: the limit counts matches; no remainingItemCount (upstream)
    r = srv.req("GET", base + "?limit=2&labelSelector=tier%3Da")
    t.ok(names(r) == ["s1", "s5"] and r.json["metadata"].get("continue")
         and "remainingItemCount" not in r.json["metadata"],
         "labelSelector + limit: two matches, a token, no remainingItemCount", r)
    r2 = srv.req("GET", base + "?limit=2&labelSelector=tier%3Da&continue="
                 + r.json["metadata"]["continue"])
    t.eq(names(r2), [], "the next page of the selector holds what is left (nothing)")
    # Table pages
    r = srv.req("GET", base + "?limit=3", headers={
        "Accept": "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"})
    t.ok(r.json.get("kind") == "Table" and len(r.json["rows"]) == 3
         and r.json["metadata"].get("continue"), "Table pages carry the continue token", r)
    # malformed tokens: 400 with upstream's wording
    for bad, what in [("!!!", "not base64"), (base64.urlsafe_b64encode(b"[1]").decode()
                                              .rstrip("="), "not an object"),
                      (token(5, "../../secrets/x"), "a path out of the prefix"),
                      (token(0, "s1\x00"), "rv 0"), (token(5, ""), "an empty start")]:
        r = srv.req("GET", base + "?limit=2&continue=" + bad)
        t.ok(r.status == 400 and r.reason == "BadRequest"
             and r.message.startswith("invalid continue token: continue key is not valid"),
             "continue token %s: 400 invalid continue token" % what, r)
    r = srv.req("GET", base + "?limit=2&resourceVersion=3&continue=" + token(3, "s1\x00"))
    t.ok(r.status == 400 and r.message ==
         "specifying resource version is not allowed when using continue",
         "continue with resourceVersion: 400", r)
    r = srv.req("GET", base + "?limit=x")
    t.eq(r.status, 400, "limit=x: 400")
    # a token ahead of the store
    r = srv.req("GET", base + "?limit=2&continue=" + token(10 ** 9, "s1\x00"))
    t.eq(r.status, 504, "a token from ahead of the store: 504 too large resource version")
    # resourceVersion=0 lists everything (upstream's watch cache ignores the limit)
    t.eq(len(names(srv.req("GET", base + "?limit=2&resourceVersion=0"))), 7,
         "resourceVersion=0 ignores limit")
    # all namespaces: the token is relative to /registry/services/
    r = srv.req("GET", "/api/v1/services?limit=1")
    t.ok(decode(r.json["metadata"]["continue"])["start"].count("/") == 1,
         "an all-namespaces token's start is namespace/name", r.json["metadata"])


def test_expired():
    srv = Server(["--history-revisions", "5", "--history-seconds", "1"], name="pexp").start()
    base = "/api/v1/namespaces/default/services"
    for i in range(4):
        mk(srv, "default", "e%d" % i)
    r = srv.req("GET", base + "?limit=2")
    tok = r.json["metadata"]["continue"]
    for i in range(8):
        mk(srv, "default", "f%d" % i)
    time.sleep(COMPACT_WAIT)
    r = srv.req("GET", base + "?limit=2&continue=" + tok)
    fresh = ((r.json or {}).get("metadata") or {}).get("continue")
    t.ok(r.status == 410 and r.reason == "Expired" and r.message.startswith(
        "The provided continue parameter is too old to display a consistent list result. "
        "You can start a new list without the continue parameter, or use the continue "
        "token in this response to retrieve the remainder of the results.") and fresh,
        "a token past the retained history: 410 Expired, upstream's message, a fresh token", r)
    if fresh:
        t.eq(decode(fresh)["rv"], -1, "the fresh token continues at the latest revision")
        r = srv.req("GET", base + "?limit=100&continue=" + fresh)
        t.ok(r.status == 200 and names(r)[:1] == ["e2"] and "f0" in names(r),
             "the fresh token lists the rest at the current revision", r)
    srv.cleanup()


def test_kubectl(srv):
    srv.req("POST", "/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                           "metadata": {"name": "chunks"}})
    for i in range(7):
        mk(srv, "chunks", "k%d" % i)
    for ver, kc in KUBECTLS:
        p = subprocess.run([kc, "--kubeconfig", srv.kubeconfig, "-n", "chunks", "get",
                            "services", "--chunk-size=2", "-o", "name", "-v=6"],
                           capture_output=True, text=True, timeout=60)
        got = [ln for ln in p.stdout.splitlines() if ln.startswith("service/")]
        t.ok(p.returncode == 0 and len(got) == 7 and "continue=" in p.stderr,
             "kubectl %s get --chunk-size=2 shows all 7 over several pages" % ver,
             p.stdout + p.stderr[-1500:])
        p = subprocess.run([kc, "--kubeconfig", srv.kubeconfig, "-n", "chunks", "get",
                            "services", "--chunk-size=2"],
                           capture_output=True, text=True, timeout=60)
        rows = [ln for ln in p.stdout.splitlines() if ln.startswith("k")]
        t.ok(p.returncode == 0 and len(rows) == 7,
             "kubectl %s get --chunk-size=2 (table) prints 7 rows" % ver, p.stdout + p.stderr)


def py_api(srv):
    cfg = client.Configuration()
    config.load_kube_config(config_file=srv.kubeconfig, client_configuration=cfg)
    api = client.ApiClient(cfg)
    return api, client.CoreV1Api(api)


def test_python(srv):
    api, core = py_api(srv)
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="pager")))
    for i in range(9):
        mk(srv, "pager", "p%d" % i)
    want = sorted("p%d" % i for i in range(9))
    got, cont, rvs, n = [], None, set(), 0
    while True:
        kw = {"limit": 2}
        if cont:
            kw["_continue"] = cont
        lst = core.list_namespaced_service("pager", **kw)
        got += [s.metadata.name for s in lst.items]
        rvs.add(lst.metadata.resource_version)
        cont = lst.metadata._continue
        n += 1
        # churn between pages: create and delete around the cursor
        core.create_namespaced_service("pager", client.V1Service(
            metadata=client.V1ObjectMeta(name="q%d" % n),
            spec=client.V1ServiceSpec(ports=[client.V1ServicePort(port=80)])))
        if n == 1:
            core.delete_namespaced_service("p8", "pager")
            core.delete_namespaced_service("p0", "pager")
        if not cont:
            break
    t.eq(got, want, "python pager (limit=2, _continue) sees a consistent snapshot "
         "while services are created and deleted between pages")
    t.eq(len(rvs), 1, "every page carries the first page's resourceVersion")
    # deletecollection
    for i in range(4):
        core.create_namespaced_pod("pager", client.V1Pod(
            metadata=client.V1ObjectMeta(name="pod%d" % i, labels={"app": "x" if i < 3 else "y"}),
            spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="i")])))
    r = srv.req("DELETE", "/api/v1/namespaces/pager/pods?labelSelector=app%3Dx&dryRun=All")
    t.ok(r.status == 200 and r.json.get("kind") == "PodList" and len(r.json["items"]) == 3,
         "deletecollection dryRun=All answers the PodList that would be deleted", r)
    t.eq(len(core.list_namespaced_pod("pager").items), 4, "... and deletes nothing")
    r = srv.req("DELETE", "/api/v1/namespaces/pager/pods?labelSelector=app%3Dx",
                {"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["All"]})
    t.ok(r.status == 200 and len(core.list_namespaced_pod("pager").items) == 4,
         "deletecollection with dryRun in the DeleteOptions body deletes nothing", r)
    r = srv.req("DELETE", "/api/v1/namespaces/pager/pods?labelSelector=app%3Dx",
                {"kind": "DeleteOptions", "apiVersion": "v1", "dryRun": ["Bogus"]})
    t.eq(r.status, 422, "deletecollection DeleteOptions dryRun=[Bogus]: 422")
    ret = core.delete_collection_namespaced_pod("pager", label_selector="app=x")
    left = [p.metadata.name for p in core.list_namespaced_pod("pager").items]
    t.ok(left == ["pod3"], "python delete_collection_namespaced_pod(label_selector) deletes "
         "the matching pods only", (left, ret))
    r = srv.req("DELETE", "/api/v1/namespaces/pager/services")
    t.ok(r.status == 200 and r.json.get("kind") == "ServiceList"
         and core.list_namespaced_service("pager").items == [],
         "DELETE on the services collection empties it and answers a ServiceList", r)
    # discovery
    r = srv.req("GET", "/api/v1")
    verbs = {x["name"]: x["verbs"] for x in r.json["resources"]}
    t.ok(all(("deletecollection" in verbs[n]) == (n != "namespaces")
             for n in verbs if "/" not in n),
         "discovery lists deletecollection for every resource but namespaces (as upstream)",
         verbs)
    r = srv.req("DELETE", "/api/v1/namespaces")
    t.ok(r.status == 405 and srv.req("GET", "/api/v1/namespaces/default").status == 200,
         "DELETE on the namespaces collection is not allowed", r)
    for path in ["/api/", "/apis/", "/version/", "/api/v1/", "/apis/apps/v1/", "/apis/apps/"]:
        a, b = srv.req("GET", path), srv.req("GET", path.rstrip("/"))
        t.ok(a.status == 200 and a.json == b.json, "%s answers like %s" % (path, path[:-1]),
             (a, b))
    vs = client.CoreApi(api).get_api_versions()
    t.eq(vs.versions, ["v1"], "python get_api_versions()")


srv = Server(name="page").start()
t.section("raw paging", test_raw, srv)
t.section("kubectl chunks", test_kubectl, srv)
t.section("python pager and deletecollection", test_python, srv)
t.section("expired token", test_expired)
t.done()
