#!/usr/bin/python3
"""skiff-server validation over HTTP (standard library only).

1. Every port of a Service is validated (there was a silent 256-port prefix),
   the 20000-port cap answers upstream's field.TooMany, and a refused object
   is not stored.
2. Path segments are decoded once, after splitting: "a%00b" does not name
   "a", "a%2Fb" is no name at all, query arguments are still decoded.
3. Endpoints and EndpointSlice addresses get upstream's ValidateEndpointIP
   (and no broadcast); the server's own loopback slices keep working.
Prints TAP."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap, svc  # noqa: E402

t = Tap()
NS = "/api/v1/namespaces/default"
SVCS = NS + "/services"
EPSS = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"


def causes(r):
    """(field, message) of each cause of a 422 Status."""
    d = (r.json or {}).get("details") or {} if isinstance(r.json, dict) else {}
    return [(c.get("field"), c.get("message")) for c in d.get("causes") or []]


def invalid(r, field, message):
    return r.status == 422 and r.reason == "Invalid" and (field, message) in causes(r)


def many_ports(n, extra=()):
    return [{"name": "p%d" % i, "port": 1000 + i} for i in range(n)] + list(extra)


def test_all_ports(srv):
    body = svc("wide", ports=many_ports(299, [{"name": "big", "port": 70000}]))
    r = srv.req("POST", SVCS, body)
    t.ok(invalid(r, "spec.ports[299].port",
                 "Invalid value: 70000: must be between 1 and 65535, inclusive"),
         "port 70000 as the 300th port: 422 naming spec.ports[299].port", r)
    t.eq(srv.req("GET", SVCS + "/wide").status, 404, "the refused Service is not stored")

    body = svc("wide", ports=many_ports(280, [{"name": "abc", "port": 81, "targetPort": "abc_"},
                                              {"name": "udp", "port": 82, "protocol": "HTTP"}]))
    r = srv.req("POST", SVCS, body)
    t.ok(invalid(r, "spec.ports[280].targetPort",
                 'Invalid value: "abc_": must contain only alpha-numeric characters (a-z, 0-9), '
                 "and hyphens (-)"), "a bad targetPort after port 256 is refused", r)
    t.ok(invalid(r, "spec.ports[281].protocol",
                 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"'),
         "a bad protocol after port 256 is refused", r)

    r = srv.req("POST", SVCS, svc("wide", ports=many_ports(20001)))
    t.ok(invalid(r, "spec.ports", "Too many: 20001: must have at most 20000 items"),
         "20001 ports: 422 spec.ports Too many", r)

    r = srv.req("POST", SVCS, svc("wide", ports=many_ports(300)))
    t.eq(r.status, 201, "a Service with 300 valid ports is created")
    got = srv.req("GET", SVCS + "/wide").json or {}
    t.eq(len(got.get("spec", {}).get("ports", [])), 300, "all 300 ports are stored")


def test_path_segments(srv):
    body = svc("a")
    body["metadata"]["labels"] = {"app": "web"}
    r = srv.req("POST", SVCS, body)
    t.eq(r.status, 201, "Service a created")
    for path, what in ((SVCS + "/a%00b", "a%00b"), (SVCS + "/a%2Fb", "a%2Fb"),
                       (SVCS + "/a%00", "a%00")):
        r = srv.req("GET", path)
        t.ok(r.status == 404 and r.reason == "NotFound" and (r.json or {}).get("kind") == "Status",
             "GET services/%s: 404 NotFound, not Service a" % what, r)
    r = srv.req("DELETE", SVCS + "/a%00b")
    t.eq(r.status, 404, "DELETE services/a%00b: 404")
    t.eq(srv.req("GET", SVCS + "/a").status, 200, "Service a survives the DELETE of a%00b")
    r = srv.req("GET", SVCS + "/a%zz")
    t.ok(r.status in (400, 404) and (r.json or {}).get("kind") == "Status",
         "a malformed escape is refused with a Status", r)
    r = srv.req("GET", SVCS + "/%61")
    t.ok(r.status == 200 and (r.json or {}).get("metadata", {}).get("name") == "a",
         "an escaped name is decoded (%61 is a)", r)
    t.eq(srv.req("GET", SVCS + "/%2561").status, 404, "decoded once: %2561 is not a")
    r = srv.req("GET", "/api/v1/namespaces/defaul%74/services/a")
    t.eq(r.status, 200, "an escaped namespace segment is decoded")
    r = srv.req("GET", SVCS + "?labelSelector=app%3Dweb")
    names = [i["metadata"]["name"] for i in (r.json or {}).get("items", [])]
    t.ok(r.status == 200 and names == ["a"], "query arguments are still decoded", r)


def slice_with(name, addrs, addr_type="IPv4"):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": name, "labels": {"kubernetes.io/service-name": "web"}},
            "addressType": addr_type, "ports": [{"name": "", "port": 80, "protocol": "TCP"}],
            "endpoints": [{"addresses": addrs}]}


SPECIAL = [
    ("0.0.0.0", "may not be unspecified (0.0.0.0)"),
    ("255.255.255.255", "may not be the broadcast address (255.255.255.255)"),
    ("224.0.0.1", "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"),
    ("127.0.0.5", "may not be in the loopback range (127.0.0.0/8, ::1/128)"),
    ("169.254.169.254", "may not be in the link-local range (169.254.0.0/16, fe80::/10)"),
]


def test_addresses(srv):
    for ip, msg in SPECIAL:
        r = srv.req("POST", EPSS, slice_with("web-x", ["10.244.0.9", ip]))
        t.ok(invalid(r, "endpoints[0].addresses[1]", 'Invalid value: "%s": %s' % (ip, msg)),
             "EndpointSlice address %s refused" % ip, r)
    t.eq(srv.req("GET", EPSS + "/web-x").status, 404, "no refused slice is stored")
    ep = {"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "web"},
          "subsets": [{"addresses": [{"ip": "0.0.0.0"}], "ports": [{"port": 80}]}]}
    r = srv.req("POST", NS + "/endpoints", ep)
    t.ok(invalid(r, "subsets[0].addresses[0].ip",
                 'Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)'),
         "Endpoints address 0.0.0.0 refused", r)
    t.eq(srv.req("POST", EPSS, slice_with("web-y", ["10.244.0.9"])).status, 201,
         "an ordinary address is accepted")
    # The server's own slice publishes its loopback address and stays writable.
    r = srv.req("PATCH", EPSS + "/kubernetes", {"metadata": {"labels": {"touched": "yes"}}},
                headers={"Content-Type": "application/merge-patch+json"})
    t.ok(r.status == 200 and r.json["endpoints"][0]["addresses"] == ["127.0.0.1"],
         "the server's loopback kubernetes slice can still be patched", r)


def test_names(srv):
    body = json.dumps(svc("x")).replace('"x"', '"x\\u0001y"', 1)
    r = srv.req("POST", SVCS, body, headers={"Content-Type": "application/json"})
    t.ok(r.status == 422 and any(f == "metadata.name" for f, _ in causes(r)),
         "a name with a control character is refused", r)


def main():
    srv = Server(name="valid").start()
    t.section("all ports", test_all_ports, srv)
    t.section("path segments", test_path_segments, srv)
    t.section("addresses", test_addresses, srv)
    t.section("names", test_names, srv)
    t.eq(srv.stop(), 0, "server exits 0 on SIGTERM")
    log = open(srv.log_path, errors="replace").read()
    t.ok("Sanitizer" not in log and "runtime error:" not in log, "no sanitizer report in the log",
         log[-2000:])
    t.done()


main()
