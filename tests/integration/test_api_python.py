#!/usr/bin/python3
"""python3-kubernetes (Debian's 22.6) against a real skiff-server: list and
watch of Services and EndpointSlices with Watch.stream, bookmarks, the 410
Expired path after compaction, and lists/slices that never carry null where
the python models require a value. Prints TAP."""
import json
import os
import queue
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

from kubernetes import client, config, watch  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402

t = Tap()

# Bookmarks are sent every 30 s (api.c API_BOOKMARK_INTERVAL); compaction runs
# every 10 s (API_COMPACT_INTERVAL). The waits below are derived from those.
BOOKMARK_WAIT = 40
COMPACT_WAIT = 12


def api_clients(srv):
    cfg = client.Configuration()
    config.load_kube_config(config_file=srv.kubeconfig, client_configuration=cfg)
    api = client.ApiClient(cfg)
    return api, client.CoreV1Api(api), client.DiscoveryV1Api(api)


def svc_body(name, port=80, labels=None):
    return client.V1Service(
        metadata=client.V1ObjectMeta(name=name, labels=labels),
        spec=client.V1ServiceSpec(ports=[client.V1ServicePort(port=port)]))


def slice_body(name, svc, addrs):
    return client.V1EndpointSlice(
        metadata=client.V1ObjectMeta(name=name, labels={"kubernetes.io/service-name": svc}),
        address_type="IPv4",
        endpoints=[client.V1Endpoint(addresses=[a], conditions=client.V1EndpointConditions(
            ready=True), node_name="node1") for a in addrs],
        ports=[client.DiscoveryV1EndpointPort(name="http", port=8080, protocol="TCP")])


class Collector:
    """Runs Watch.stream in a thread and queues (type, raw_object) pairs."""

    def __init__(self, fn, *args, **kw):
        self.w = watch.Watch()
        self.q = queue.Queue()
        self.exc = None
        self.th = threading.Thread(target=self._run, args=(fn, args, kw), daemon=True)
        self.th.start()

    def _run(self, fn, args, kw):
        try:
            for ev in self.w.stream(fn, *args, **kw):
                self.q.put((ev["type"], ev["raw_object"], ev["object"]))
        except Exception as e:  # noqa: BLE001 - handed to the test
            self.exc = e
        self.q.put(None)

    def wait_for(self, pred, timeout=20):
        """Events until one satisfies pred; returns (matched, all seen)."""
        seen = []
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                ev = self.q.get(timeout=max(0.05, deadline - time.time()))
            except queue.Empty:
                break
            if ev is None:
                break
            seen.append(ev)
            if pred(ev):
                return ev, seen
        return None, seen

    def stop(self):
        self.w.stop()


def ev_names(seen):
    return [(ty, (raw.get("metadata") or {}).get("name")) for ty, raw, _ in seen]


def test_lists(srv, v1, d1, api):
    sl = v1.list_service_for_all_namespaces()
    t.ok(isinstance(sl.items, list) and sl.metadata.resource_version,
         "list services: items is a list and the list has a resourceVersion")
    k = [s for s in sl.items if s.metadata.name == "kubernetes"]
    t.ok(len(k) == 1 and k[0].spec.cluster_ip == "10.96.0.1" and k[0].metadata.namespace == "default",
         "list services: default/kubernetes with ClusterIP 10.96.0.1", [s.metadata.name for s in sl.items])
    es = d1.list_endpoint_slice_for_all_namespaces()
    ks = [e for e in es.items if e.metadata.name == "kubernetes"]
    t.ok(len(ks) == 1 and ks[0].address_type == "IPv4"
         and ks[0].endpoints[0].addresses == ["127.0.0.1"]
         and ks[0].ports[0].port == srv.port,
         "list endpointslices: kubernetes slice points at the server",
         [e.to_dict() for e in ks])

    # items is [] (not null) for empty lists, in every client model
    v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name="empty")))
    for what, fn in (("services", lambda: v1.list_namespaced_service("empty")),
                     ("pods", lambda: v1.list_namespaced_pod("empty")),
                     ("endpoints", lambda: v1.list_namespaced_endpoints("empty")),
                     ("endpointslices", lambda: d1.list_namespaced_endpoint_slice("empty")),
                     ("nodes", lambda: v1.list_node(label_selector="nosuch=label"))):
        try:
            got = fn()
            t.ok(got.items == [], "empty %s list deserializes with items == []" % what, got)
        except (ValueError, ApiException) as e:
            t.ok(False, "empty %s list deserializes" % what, e)
    r = srv.req("GET", "/api/v1/namespaces/empty/services")
    t.ok(r.status == 200 and r.json.get("items") == [] and '"items":null' not in r.body.decode(),
         "raw empty ServiceList carries \"items\": []", r)

    # a slice with no endpoints comes back with endpoints [] (python requires it)
    body = slice_body("empty-slice", "nosvc", [])
    body.endpoints = []
    body.ports = []
    d1.create_namespaced_endpoint_slice("default", body)
    r = srv.req("GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/empty-slice")
    t.ok(r.status == 200 and r.json.get("endpoints") == [] and r.json.get("ports") == [],
         "empty EndpointSlice stores endpoints [] and ports [], never null", r)
    try:
        got = d1.read_namespaced_endpoint_slice("empty-slice", "default")
        t.ok(got.endpoints == [], "python reads the empty slice without ValueError")
    except ValueError as e:
        t.ok(False, "python reads the empty slice without ValueError", e)
    d1.delete_namespaced_endpoint_slice("empty-slice", "default")


def test_watch_services(v1):
    sl = v1.list_service_for_all_namespaces()
    rv = sl.metadata.resource_version
    c = Collector(v1.list_service_for_all_namespaces, resource_version=rv, timeout_seconds=60)
    time.sleep(0.5)
    created = v1.create_namespaced_service("default", svc_body("pyw1", labels={"a": "1"}))
    ip = created.spec.cluster_ip
    v1.patch_namespaced_service("pyw1", "default", {"metadata": {"labels": {"a": "2"}}})
    v1.delete_namespaced_service("pyw1", "default")
    ev, seen = c.wait_for(lambda e: e[0] == "DELETED" and e[1]["metadata"]["name"] == "pyw1")
    c.stop()
    mine = [(ty, raw) for ty, raw, _ in seen if raw["metadata"].get("name") == "pyw1"]
    t.eq([ty for ty, _ in mine], ["ADDED", "MODIFIED", "DELETED"],
         "service watch from the list RV: ADDED, MODIFIED, DELETED for pyw1")
    if len(mine) == 3:
        rvs = [int(raw["metadata"]["resourceVersion"]) for _, raw in mine]
        t.ok(rvs[0] > int(rv) and rvs == sorted(rvs) and len(set(rvs)) == 3,
             "watch events carry increasing resourceVersions above the list RV", rvs)
        t.eq(mine[1][1]["metadata"]["labels"], {"a": "2"}, "MODIFIED event has the patched label")
        t.eq(mine[0][1]["spec"]["clusterIP"], ip, "ADDED event has the allocated ClusterIP")
    t.ok(all(o is not None and o.metadata.name for ty, _, o in seen if ty != "BOOKMARK"),
         "python deserialized every watch object into a V1Service")
    t.ok(c.exc is None, "service watch raised no exception", c.exc)

    # rv unset (0): synthetic ADDED for the existing objects first
    c = Collector(v1.list_namespaced_service, "default", timeout_seconds=30)
    ev, seen = c.wait_for(lambda e: e[0] == "ADDED" and e[1]["metadata"]["name"] == "kubernetes",
                          timeout=15)
    c.stop()
    t.ok(ev is not None, "watch without resourceVersion starts with ADDED kubernetes",
         ev_names(seen))


def test_watch_slices(d1):
    es = d1.list_endpoint_slice_for_all_namespaces()
    c = Collector(d1.list_namespaced_endpoint_slice, "default",
                  resource_version=es.metadata.resource_version, timeout_seconds=60)
    time.sleep(0.5)
    d1.create_namespaced_endpoint_slice("default", slice_body("pys-1", "pys", ["10.244.1.5"]))
    cur = d1.read_namespaced_endpoint_slice("pys-1", "default")
    cur.endpoints = [client.V1Endpoint(addresses=["10.244.1.6"])]
    d1.replace_namespaced_endpoint_slice("pys-1", "default", cur)
    d1.delete_namespaced_endpoint_slice("pys-1", "default")
    ev, seen = c.wait_for(lambda e: e[0] == "DELETED" and e[1]["metadata"]["name"] == "pys-1")
    c.stop()
    mine = [(ty, raw) for ty, raw, _ in seen if raw["metadata"].get("name") == "pys-1"]
    t.eq([ty for ty, _ in mine], ["ADDED", "MODIFIED", "DELETED"],
         "endpointslice watch: ADDED, MODIFIED, DELETED for pys-1")
    if len(mine) == 3:
        t.eq(mine[1][1]["endpoints"][0]["addresses"], ["10.244.1.6"],
             "MODIFIED slice event carries the new address")
    objs = [o for ty, _, o in seen if ty != "BOOKMARK"]
    t.ok(objs and all(isinstance(o, client.V1EndpointSlice) for o in objs),
         "python deserialized every slice event into V1EndpointSlice")

    # label-selected watch: an object that stops matching gets DELETED
    c = Collector(d1.list_namespaced_endpoint_slice, "default",
                  label_selector="kubernetes.io/service-name=sel", timeout_seconds=60)
    time.sleep(0.5)
    d1.create_namespaced_endpoint_slice("default", slice_body("sel-1", "sel", ["10.244.2.1"]))
    d1.patch_namespaced_endpoint_slice("sel-1", "default",
                                       {"metadata": {"labels": {"kubernetes.io/service-name": "other"}}})
    ev, seen = c.wait_for(lambda e: e[0] == "DELETED", timeout=15)
    c.stop()
    t.eq(ev_names(seen), [("ADDED", "sel-1"), ("DELETED", "sel-1")],
         "selector watch: ADDED, then DELETED when the label stops matching")


def test_bookmarks(v1):
    rv = v1.list_service_for_all_namespaces().metadata.resource_version
    with_bm = Collector(v1.list_service_for_all_namespaces, resource_version=rv,
                        allow_watch_bookmarks=True, timeout_seconds=BOOKMARK_WAIT + 20)
    without = Collector(v1.list_service_for_all_namespaces, resource_version=rv,
                        timeout_seconds=BOOKMARK_WAIT + 20)
    ev, seen = with_bm.wait_for(lambda e: e[0] == "BOOKMARK", timeout=BOOKMARK_WAIT)
    with_bm.stop()
    t.ok(ev is not None, "allowWatchBookmarks=True: a BOOKMARK arrives within %ds" % BOOKMARK_WAIT,
         ev_names(seen))
    if ev:
        raw = ev[1]
        t.ok(raw.get("kind") == "Service" and raw.get("apiVersion") == "v1"
             and int(raw["metadata"]["resourceVersion"]) >= int(rv),
             "BOOKMARK object is a Service carrying only the current resourceVersion", raw)
    # The same period passed for the second watcher: it must have had none.
    _, seen = without.wait_for(lambda e: e[0] == "BOOKMARK", timeout=1)
    without.stop()
    t.ok(not [e for e in seen if e[0] == "BOOKMARK"], "no BOOKMARK unless asked for",
         ev_names(seen))


def test_410():
    srv = Server(["--history-revisions", "5", "--history-seconds", "1"], name="h410").start()
    api, v1, d1 = api_clients(srv)
    old_rv = v1.list_service_for_all_namespaces().metadata.resource_version
    for i in range(12):
        v1.create_namespaced_service("default", svc_body("h%d" % i))
    time.sleep(COMPACT_WAIT)
    cur_rv = v1.list_service_for_all_namespaces().metadata.resource_version

    w = watch.Watch()
    got = None
    try:
        for _ in w.stream(v1.list_service_for_all_namespaces, resource_version=old_rv,
                          timeout_seconds=10):
            pass
    except ApiException as e:
        got = e
    t.ok(got is not None and got.status == 410 and "Expired" in str(got.reason),
         "Watch.stream from a compacted resourceVersion raises ApiException 410 Expired",
         repr(got))

    # the wire form: HTTP 200, one ERROR event carrying a 410 Status, then EOF
    r = srv.req("GET", "/api/v1/services?watch=1&resourceVersion=%s" % old_rv, timeout=15)
    lines = r.body.decode().splitlines()
    ok = r.status == 200 and len(lines) == 1
    ev = json.loads(lines[0]) if ok else {}
    t.ok(ok and ev.get("type") == "ERROR" and ev["object"].get("code") == 410
         and ev["object"].get("reason") == "Expired"
         and ev["object"]["message"].startswith("too old resource version: %s" % old_rv),
         "raw watch from an old RV: 200 + one ERROR 410 Expired event, then end", r)

    # a recent RV still works after compaction (re-list then watch)
    c = Collector(v1.list_service_for_all_namespaces, resource_version=cur_rv, timeout_seconds=30)
    time.sleep(0.5)
    v1.create_namespaced_service("default", svc_body("after-compact"))
    ev, seen = c.wait_for(lambda e: e[1]["metadata"].get("name") == "after-compact")
    c.stop()
    t.ok(ev is not None and ev[0] == "ADDED" and c.exc is None,
         "watch from the re-listed RV after compaction sees new writes", (ev_names(seen), c.exc))
    srv.cleanup()


def main():
    srv = Server(name="py").start()
    api, v1, d1 = api_clients(srv)
    t.section("lists", test_lists, srv, v1, d1, api)
    t.section("watch services", test_watch_services, v1)
    t.section("watch endpointslices", test_watch_slices, d1)
    t.section("bookmarks", test_bookmarks, v1)
    t.section("410", test_410)
    t.ok(srv.req("GET", "/healthz").status == 200, "server still serving")
    t.eq(srv.stop(), 0, "server exits 0 on SIGTERM")
    t.done()


main()
