#!/usr/bin/python3
"""A pod CIDR per Node from --cluster-cidr (kube-controller-manager's range
allocator, done by skiff-server at create): distinct /24s, kept on updates
that leave it out, immutable once set, a client's own choice checked, freed
on delete, and never handed out twice across a restart. Prints TAP."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
NODES = "/api/v1/nodes"
MERGE = {"Content-Type": "application/merge-patch+json"}


def node(name, cidr=None):
    n = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
    if cidr:
        n["spec"] = {"podCIDR": cidr}
    return n


def cidr_of(s, name):
    r = s.req("GET", NODES + "/" + name)
    return ((r.json or {}).get("spec") or {}).get("podCIDR")


def main():
    s = Server(name="nodecidr")
    s.extra = ["--cluster-cidr", "10.250.0.0/22"]  # four /24 blocks
    s.start()
    r1 = s.req("POST", NODES, node("a"))
    r2 = s.req("POST", NODES, node("b"))
    t.eq((r1.status, r2.status), (201, 201), "two nodes created")
    ca, cb = cidr_of(s, "a"), cidr_of(s, "b")
    t.ok(ca and cb and ca != cb and ca.endswith("/24") and ca.startswith("10.250."),
         "each gets its own /24 of --cluster-cidr (%s, %s)" % (ca, cb))
    t.eq(r1.json["spec"].get("podCIDRs"), [ca], "  spec.podCIDRs is the same block")
    r = s.req("PUT", NODES + "/a", node("a") | {"metadata": {"name": "a", "labels": {"x": "y"}}})
    t.ok(r.status == 200 and cidr_of(s, "a") == ca, "a PUT without spec keeps the podCIDR", r)
    rv = s.req("GET", NODES + "/a").json["metadata"]["resourceVersion"]
    r = s.req("PATCH", NODES + "/a", {"spec": {"podCIDR": "10.250.3.0/24"}}, headers=MERGE)
    t.ok(r.status == 422 and "spec.podCIDRs: Forbidden: node updates may not change podCIDR"
         in r.message, "changing it is 422 Forbidden", r)
    t.eq(s.req("GET", NODES + "/a").json["metadata"]["resourceVersion"], rv,
         "  and nothing changed")
    r = s.req("POST", NODES, node("c", cb))
    t.ok(r.status == 422 and "already allocated" in r.message, "a block in use is refused", r)
    r = s.req("POST", NODES, node("c", "10.9.0.0/24"))
    t.ok(r.status == 422 and "spec.podCIDR" in r.message, "a block outside the range: 422", r)
    r = s.req("POST", NODES, node("c", "10.250.3.0/24"))
    t.ok(r.status == 201 and cidr_of(s, "c") == "10.250.3.0/24", "a free block may be asked for",
         r)
    r = s.req("POST", NODES, node("d"))
    cd = cidr_of(s, "d")
    t.ok(r.status == 201 and cd not in (ca, cb, "10.250.3.0/24"), "the fourth block", r)
    r = s.req("POST", NODES, node("e"))
    t.ok(r.status == 422 and "no free /24 left" in r.message, "a fifth node: range full, 422", r)
    t.eq(s.req("GET", NODES + "/e").status, 404, "  and it was not stored")
    t.eq(s.req("DELETE", NODES + "/b").status, 200, "delete b")
    s.stop()
    s.start()
    r = s.req("POST", NODES, node("e"))
    t.ok(r.status == 201 and cidr_of(s, "e") == cb,
         "after a restart, only b's freed block is handed out again", r)
    for n, c in (("a", ca), ("c", "10.250.3.0/24"), ("d", cd)):
        t.eq(cidr_of(s, n), c, "  %s keeps %s" % (n, c))
    s.stop()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001 - reported as a failure, not lost
        import traceback
        t.ok(False, "unexpected exception: %r" % e, traceback.format_exc())
    finally:
        t.done()
