#!/usr/bin/python3
"""The python dynamic client (Debian's python3-kubernetes) against a real
skiff-server: discovery written to a cache file by one client and decoded
by the next gives the same resources, subresources and verbs (issue 14),
and objects are created, listed, patched, watched and deleted through the
resources it discovered. Prints TAP."""
import os
import shutil
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import API_ONLY, Server, Tap, stop_all  # noqa: E402

from kubernetes import client, config, dynamic  # noqa: E402


def api_client(srv):
    cfg = client.Configuration()
    config.load_kube_config(config_file=srv.kubeconfig, client_configuration=cfg)
    return client.ApiClient(cfg)


def shape(d):
    """Every resource the client discovered: what a cache must keep."""
    out = set()
    for r in d.resources.search():
        if getattr(r, "base_kind", None):
            continue  # the *List pseudo-resources the client derives itself
        subs = tuple(sorted((getattr(r, "subresources", None) or {}).keys()))
        out.add((r.group_version, r.kind, r.name, bool(r.namespaced), subs,
                 tuple(sorted(r.verbs or []))))
    return out


def main():
    t = Tap()
    srv = Server(extra=[API_ONLY]).start()
    tmp = tempfile.mkdtemp(prefix="skiff-dyn-")
    cache = os.path.join(tmp, "discovery.json")
    try:
        d1 = dynamic.DynamicClient(api_client(srv), cache_file=cache)
        first = shape(d1)
        t.ok(os.path.getsize(cache) > 0 and len(first) >= 30,
             "the first client discovers %d resources and writes its cache" % len(first))
        d2 = dynamic.DynamicClient(api_client(srv), cache_file=cache)
        second = shape(d2)
        t.ok(first == second, "the next client decodes the same resources, subresources "
             "and verbs from the cache", sorted(first ^ second)[:10])
        dep = d2.resources.get(api_version="apps/v1", kind="Deployment")
        t.ok(set(dep.subresources) >= {"scale", "status"},
             "Deployment's scale and status subresources survive the cache",
             dep.subresources)

        svc = d2.resources.get(api_version="v1", kind="Service")
        r = svc.create(body={"metadata": {"name": "dy", "labels": {"a": "1"}},
                             "spec": {"ports": [{"port": 80}]}}, namespace="default")
        t.ok(r.metadata.name == "dy" and r.spec.clusterIP, "create through the cached "
             "resource", r)
        names = [i.metadata.name for i in svc.get(namespace="default").items]
        t.ok("dy" in names, "list", names)
        got = []

        def watcher():
            for ev in svc.watch(namespace="default", timeout=10,
                                resource_version=r.metadata.resourceVersion):
                got.append((ev["type"], ev["object"].metadata.name,
                            (ev["object"].metadata.labels or {}).get("a")))
                if ev["type"] == "DELETED":
                    break

        th = threading.Thread(target=watcher)
        th.start()
        p = svc.patch(name="dy", namespace="default", body={"metadata": {"labels": {"a": "2"}}},
                      content_type="application/merge-patch+json")
        t.ok(p.metadata.labels["a"] == "2", "merge patch", p)
        svc.delete(name="dy", namespace="default")
        th.join(15)
        t.ok(("MODIFIED", "dy", "2") in got and got and got[-1][0] == "DELETED",
             "watch sees the patch and the delete", got)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    t.done()


if __name__ == "__main__":
    try:
        main()
    finally:
        stop_all()
