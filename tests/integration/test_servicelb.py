#!/usr/bin/python3
"""LoadBalancer Services on skiff-server: the service-lb-controller that
hands out --loadbalancer-ip-range addresses, and the registry's
healthCheckNodePort and allocateLoadBalancerNodePorts.

Checks, with kubectl 1.32 and 1.20, the python client and the raw API:
without the flag (or with the controller disabled) a LoadBalancer stays
<pending>; `kubectl create service loadbalancer` and `apply` get the lowest
free address, shown as EXTERNAL-IP, with ipMode VIP and an IPAllocated
Event; spec.loadBalancerIP is honoured; one already held or outside the
range gets a Warning AllocationFailed and stays pending; a used-up range
leaves the next Service pending until a delete frees an address; a type
change to ClusterIP clears the status and frees the address (and drops the
node ports); a loadBalancerClass Service is left alone; a restart moves no
address, a changed range replaces only the addresses outside it; a
healthCheckNodePort is allocated for externalTrafficPolicy Local, kept by
updates, released (reusable) on a switch to Cluster, honoured when given,
and invalid ones are 422s naming the field that change nothing (object and
allocations re-read); allocateLoadBalancerNodePorts=false allocates no node
ports. Prints TAP."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

from kubernetes import client, config  # noqa: E402

t = Tap()
NS = "default"
SVCS = "/api/v1/namespaces/%s/services" % NS
EVENTS = "/api/v1/namespaces/%s/events" % NS
KUBECTLS = [("1.32", "kubectl"), ("1.20", "/opt/skiff/kubectl-1.20/usr/bin/kubectl")]
MERGE = {"Content-Type": "application/merge-patch+json"}
# four addresses: .97 .98 .99 .100
RANGE = "172.30.5.97-172.30.5.100"
ADDRS = ["172.30.5.%d" % i for i in range(97, 101)]
NODE_PORTS = (30000, 32767)

srv = Server(name="slb", extra=["--loadbalancer-ip-range", RANGE]).start()


def req(method, path, body=None, headers=None, s=None):
    return (s or srv).req(method, path, body, headers=headers)


def until(fn, timeout=15.0):
    """fn's last value once truthy, or its last value at the deadline."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.05)


def get(name, s=None):
    r = req("GET", SVCS + "/" + name, s=s)
    return r.json if r.status == 200 else None


def ingress(name, s=None):
    o = get(name, s) or {}
    return o.get("status", {}).get("loadBalancer", {}).get("ingress") or []


def lb_ip(name, s=None):
    ing = ingress(name, s)
    return ing[0].get("ip") if ing else None


def lb(name, ports=None, s=None, **spec):
    body = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": dict({"type": "LoadBalancer", "selector": {"app": name},
                          "ports": ports or [{"port": 80, "targetPort": 8080}]}, **spec)}
    return req("POST", SVCS, body, s=s)


def delete(name, s=None):
    return req("DELETE", SVCS + "/" + name, s=s)


def events(name, reason, s=None):
    r = req("GET", EVENTS, s=s)
    return [e for e in (r.json or {}).get("items", [])
            if e.get("involvedObject", {}).get("name") == name and e.get("reason") == reason]


def kubectl(exe, *args, s=None, stdin=None):
    return subprocess.run([exe, "--kubeconfig", (s or srv).kubeconfig, "-n", NS] + list(args),
                          capture_output=True, text=True, timeout=60, input=stdin)


def external_ip(exe, name, s=None):
    """kubectl get svc's EXTERNAL-IP column."""
    r = kubectl(exe, "get", "svc", name, "--no-headers", s=s)
    cols = r.stdout.split()
    return cols[3] if r.returncode == 0 and len(cols) > 3 else None


def node_ports(o):
    return [p.get("nodePort") for p in (o or {}).get("spec", {}).get("ports", [])]


def hc_of(name):
    return ((get(name) or {}).get("spec") or {}).get("healthCheckNodePort")


def in_range(p):
    return isinstance(p, int) and NODE_PORTS[0] <= p <= NODE_PORTS[1]


def port_free(port):
    """Is node port `port` free? A probe Service asking for it is made (and
    removed again): 201 when free, 422 'already allocated' when not."""
    r = req("POST", SVCS, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "probe"},
                           "spec": {"type": "NodePort",
                                    "ports": [{"port": 80, "nodePort": port}]}})
    if r.status == 201:
        delete("probe")
        return True
    assert "provided port is already allocated" in r.message, r
    return False


def installed(ver, exe):
    return ver == "1.32" or os.path.exists(exe)


# ------------------------------------------------------ without the flag
def no_flag():
    plain = Server(name="slb-off").start()
    r = lb("idle", s=plain)
    t.ok(r.status == 201, "without --loadbalancer-ip-range a LoadBalancer is created", r)
    time.sleep(1.5)
    t.eq(ingress("idle", plain), [], "... and gets no address")
    t.eq(external_ip("kubectl", "idle", plain), "<pending>", "... kubectl shows <pending>")
    t.eq(events("idle", "IPAllocated", plain) + events("idle", "AllocationFailed", plain), [],
         "... and no Event")
    # with the flag but the controller disabled, the same
    plain.stop()
    plain.extra = ["--loadbalancer-ip-range", RANGE, "--controllers=*,-service-lb-controller"]
    plain.start()
    lb("idle2", s=plain)
    time.sleep(1.5)
    t.eq((ingress("idle", plain), ingress("idle2", plain)), ([], []),
         "--controllers=*,-service-lb-controller: still no address")
    # enabled: both get one, in creation order? (lowest free: two of the range)
    plain.stop()
    plain.extra = ["--loadbalancer-ip-range", RANGE]
    plain.start()
    got = until(lambda: lb_ip("idle", plain) and lb_ip("idle2", plain) and
                sorted([lb_ip("idle", plain), lb_ip("idle2", plain)]))
    t.eq(got, ADDRS[:2], "enabled after a restart: the pending Services get the lowest two")
    plain.cleanup()


# ------------------------------------------------- kubectl, python client
def clients():
    want = iter(ADDRS)
    for ver, exe in KUBECTLS:
        if not installed(ver, exe):
            t.skip("kubectl %s create service loadbalancer" % ver, "not installed")
            continue
        name = "lb-" + ver.replace(".", "")
        r = kubectl(exe, "create", "service", "loadbalancer", name, "--tcp=80:8080")
        t.ok(r.returncode == 0, "kubectl %s create service loadbalancer" % ver,
             r.stdout + r.stderr)
        exp = next(want)
        got = until(lambda: (lambda v: v if v not in (None, "<pending>") else None)(
            external_ip(exe, name)))
        t.eq(got, exp, "kubectl %s get svc: EXTERNAL-IP is the lowest free address" % ver)
        t.eq(ingress(name), [{"ip": exp, "ipMode": "VIP"}],
             "status.loadBalancer.ingress [{ip, ipMode: VIP}]")
        ev = until(lambda: events(name, "IPAllocated"))
        t.ok(ev and ev[0]["type"] == "Normal" and ev[0]["message"] == 'Assigned IP ["%s"]' % exp
             and ev[0]["source"]["component"] == "service-lb-controller",
             "a Normal IPAllocated Event from service-lb-controller", ev)
    manifest = json.dumps({"apiVersion": "v1", "kind": "Service",
                           "metadata": {"name": "applied"},
                           "spec": {"type": "LoadBalancer", "selector": {"app": "a"},
                                    "ports": [{"name": "http", "port": 80}]}})
    r = kubectl("kubectl", "apply", "-f", "-", stdin=manifest)
    t.ok(r.returncode == 0, "kubectl apply of a LoadBalancer", r.stdout + r.stderr)
    exp = next(want)
    t.eq(until(lambda: lb_ip("applied")), exp, "... gets the next lowest address")
    # apply again with a label (kubectl 1.20 if there): the address stays,
    # nothing else moves
    ver, exe = KUBECTLS[1] if installed(*KUBECTLS[1]) else KUBECTLS[0]
    before = get("applied")
    man2 = json.loads(manifest)
    man2["metadata"]["labels"] = {"tier": "web"}
    r = kubectl(exe, "apply", "-f", "-", stdin=json.dumps(man2))
    after = get("applied")
    t.ok(r.returncode == 0 and after["metadata"].get("labels") == {"tier": "web"},
         "kubectl %s apply again (a label)" % ver, r.stdout + r.stderr)
    t.eq((external_ip(exe, "applied"), node_ports(after), after["spec"]["clusterIP"]),
         (exp, node_ports(before), before["spec"]["clusterIP"]),
         "... kubectl %s get svc: the same EXTERNAL-IP, node ports and clusterIP" % ver)

    cfg = client.Configuration()
    config.load_kube_config(config_file=srv.kubeconfig, client_configuration=cfg)
    v1 = client.CoreV1Api(client.ApiClient(cfg))
    s = v1.read_namespaced_service("applied", NS)
    t.eq([i.ip for i in s.status.load_balancer.ingress or []], [exp],
         "python client: status.load_balancer.ingress[0].ip")
    t.eq(s.spec.allocate_load_balancer_node_ports, True,
         "python client: allocateLoadBalancerNodePorts defaults to true")
    t.ok(all(in_range(p.node_port) for p in s.spec.ports),
         "... and node ports are allocated", s.spec.ports)
    lst = v1.list_namespaced_service(NS)
    t.ok(sorted(x.status.load_balancer.ingress[0].ip for x in lst.items
                if x.status.load_balancer and x.status.load_balancer.ingress) ==
         sorted(ADDRS[:3] if installed(*KUBECTLS[1]) else ADDRS[:2]),
         "python client list: every LoadBalancer with its address",
         [(x.metadata.name, x.status.load_balancer) for x in lst.items])


# ----------------------------------------- loadBalancerIP, conflicts, full
def requested():
    r = lb("wants100", loadBalancerIP="172.30.5.100")
    t.ok(r.status == 201, "a LoadBalancer with spec.loadBalancerIP 172.30.5.100", r)
    t.eq(until(lambda: lb_ip("wants100")), "172.30.5.100", "... gets that address")

    r = lb("dup100", loadBalancerIP="172.30.5.100")
    t.ok(r.status == 201, "another asks for 172.30.5.100", r)
    ev = until(lambda: events("dup100", "AllocationFailed"))
    t.ok(ev and ev[0]["type"] == "Warning" and
         ev[0]["message"] == 'Failed to allocate IP for "default/dup100": spec.loadBalancerIP '
         '172.30.5.100 is already in use by service "default/wants100"',
         "... a Warning AllocationFailed naming the Service that holds it", ev)
    time.sleep(1.0)
    t.eq(ingress("dup100"), [], "... and it stays pending")
    t.eq(external_ip("kubectl", "dup100"), "<pending>", "... kubectl shows <pending>")
    t.eq(lb_ip("wants100"), "172.30.5.100", "the holder keeps it")

    r = lb("outside", loadBalancerIP="172.30.9.9")
    ev = until(lambda: events("outside", "AllocationFailed"))
    t.ok(r.status == 201 and ev and "172.30.9.9 is not in --loadbalancer-ip-range "
         "172.30.5.97-172.30.5.100" in ev[0]["message"],
         "a loadBalancerIP outside the range: Warning naming the range", (r, ev))
    t.eq(ingress("outside"), [], "... pending")

    # the four addresses are taken (lb-132, lb-120, applied, wants100):
    # the next one waits
    held = set(filter(None, [lb_ip(n) for n in ("lb-132", "lb-120", "applied", "wants100")]))
    full = held == set(ADDRS)
    r = lb("extra")
    ev = until(lambda: events("extra", "AllocationFailed"))
    t.ok(full and ev and ev[0]["message"].endswith(
        "no available IPs in --loadbalancer-ip-range 172.30.5.97-172.30.5.100"),
        "range used up: the next LoadBalancer gets a Warning 'no available IPs'", (held, ev))
    time.sleep(1.0)
    t.eq(ingress("extra"), [], "... and stays pending")

    # a delete frees: the waiting one gets the address at once
    freed = lb_ip("applied")
    r = delete("applied")
    t.ok(r.status == 200, "delete a LoadBalancer", r)
    t.eq(until(lambda: lb_ip("extra")), freed, "the pending one gets the freed address")
    ev = until(lambda: events("extra", "IPAllocated"))
    t.ok(ev and freed in ev[0]["message"], "... with an IPAllocated Event", ev)
    r = delete("wants100")
    t.eq(until(lambda: lb_ip("dup100")), "172.30.5.100",
         "deleting the holder of 172.30.5.100 gives it to the Service that asked for it")

    # a Service of another class is left alone, even with an address free
    delete("outside")
    delete("extra")
    t.ok(until(lambda: get("extra") is None), "delete another (an address is free)")
    r = lb("classy", loadBalancerClass="example.com/other")
    t.ok(r.status == 201, "a LoadBalancer with loadBalancerClass example.com/other", r)
    time.sleep(1.5)
    t.eq((ingress("classy"), events("classy", "AllocationFailed") +
          events("classy", "IPAllocated")), ([], []),
         "... gets no address and no Event although one is free")
    cur = get("classy")
    r = req("PATCH", SVCS + "/classy", {"spec": {"loadBalancerClass": "example.com/x"}}, MERGE)
    t.ok(r.status == 422 and "spec.loadBalancerClass: Invalid value: \"example.com/x\": may not "
         "change once set" in r.message, "loadBalancerClass may not change", r)
    t.eq(get("classy")["metadata"]["resourceVersion"], cur["metadata"]["resourceVersion"],
         "... and the object is unchanged")
    r = lb("classbad", loadBalancerClass="-bad-")
    t.ok(r.status == 422 and "spec.loadBalancerClass" in r.message, "a malformed class: 422", r)
    r = req("POST", SVCS, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "cipc"},
                           "spec": {"ports": [{"port": 80}], "loadBalancerClass": "a.b/c"}})
    t.ok(r.status == 422 and "spec.loadBalancerClass: Forbidden: may only be used when service "
         "type is 'LoadBalancer'" in r.message, "a class on a ClusterIP: 422 Forbidden", r)


# --------------------------------------------------------- type changes
def type_change():
    name = "lb-132"
    ip = lb_ip(name)
    r = kubectl("kubectl", "patch", "svc", name, "-p", '{"spec":{"type":"ClusterIP"}}')
    t.ok(r.returncode == 0, "kubectl patch type ClusterIP", r.stdout + r.stderr)
    o = get(name)
    t.eq(o.get("status", {}).get("loadBalancer"), {}, "status.loadBalancer is cleared at once")
    t.eq(node_ports(o), [None], "... the node ports are dropped")
    t.ok("allocateLoadBalancerNodePorts" not in o["spec"] and
         "externalTrafficPolicy" not in o["spec"], "... as are the LoadBalancer-only fields",
         o["spec"])
    t.eq(external_ip("kubectl", name), "<none>", "kubectl shows <none>")
    r = lb("zz-after-change")
    t.eq(until(lambda: lb_ip("zz-after-change")), ip, "the address is free again (a new one gets it)")
    time.sleep(0.5)
    t.eq(ingress(name), [], "the ClusterIP Service stays without status")
    # back to LoadBalancer: a new address (the old one is taken)
    r = req("PATCH", SVCS + "/" + name, {"spec": {"type": "LoadBalancer"}}, MERGE)
    t.ok(r.status == 200 and all(in_range(p) for p in node_ports(r.json)),
         "type LoadBalancer again: node ports allocated", r)
    t.eq(until(lambda: lb_ip(name)), "172.30.5.99", "... and the free address")


# --------------------------------------------------------------- restart
def restart():
    names = [s["metadata"]["name"] for s in req("GET", SVCS).json["items"]
             if s["spec"].get("type") == "LoadBalancer"]
    before = dict((n, (lb_ip(n), get(n)["metadata"]["resourceVersion"])) for n in names)
    # zz-after-change holds the lowest address and sorts last: handing the
    # addresses out again in key order would move it
    t.ok(sum(1 for v in before.values() if v[0]) >= 3 and
         before.get("zz-after-change", [None])[0] == ADDRS[0], "several addresses held", before)
    allocated = sum(e.get("count", 1) for n in names for e in events(n, "IPAllocated"))
    t.eq(srv.stop(), 0, "skiff-server stops cleanly")
    srv.start()
    time.sleep(2.0)
    after = dict((n, (lb_ip(n), get(n)["metadata"]["resourceVersion"])) for n in names)
    t.eq(after, before, "after a restart every Service has the same address (and no write)")
    t.eq(sum(e.get("count", 1) for n in names for e in events(n, "IPAllocated")), allocated,
         "... and no new IPAllocated Event")
    # a changed range: .97 falls outside, the others stay
    srv.stop()
    srv.extra = ["--loadbalancer-ip-range", "172.30.5.98-172.30.5.110"]
    srv.start()
    moved = [n for n, v in before.items() if v[0] == "172.30.5.97"]
    kept = dict((n, v[0]) for n, v in before.items() if v[0] and v[0] != "172.30.5.97")
    got = until(lambda: moved and lb_ip(moved[0]) not in (None, "172.30.5.97") and
                lb_ip(moved[0]))
    t.ok(moved and got and got not in kept.values() and got in
         ["172.30.5.%d" % i for i in range(98, 111)],
         "a changed range: the address outside it is replaced by a free one inside", (moved, got))
    t.eq(dict((n, lb_ip(n)) for n in kept), kept, "... the addresses inside it are kept")
    pending = [n for n, v in before.items() if not v[0] and n not in ("classy", "dup100")]
    t.ok(all(until(lambda: lb_ip(n)) for n in pending),
         "... and the pending ones get the new addresses", pending)


# ------------------------------------------------------ healthCheckNodePort
def health_check():
    r = lb("local", externalTrafficPolicy="Local")
    hc = (r.json or {}).get("spec", {}).get("healthCheckNodePort")
    t.ok(r.status == 201 and in_range(hc) and hc not in node_ports(r.json),
         "externalTrafficPolicy Local: a healthCheckNodePort from the node port range", r)
    t.ok(not port_free(hc), "... which is allocated")
    # kept across updates: apply (no healthCheckNodePort in it), PUT without it
    man = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "local",
                                                               "labels": {"x": "1"}},
           "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local",
                    "selector": {"app": "local"}, "ports": [{"port": 80, "targetPort": 8080}]}}
    r1 = kubectl("kubectl", "apply", "-f", "-", stdin=json.dumps(man))
    cur = get("local")
    del cur["spec"]["healthCheckNodePort"]
    cur["metadata"]["labels"] = {"x": "2"}
    r2 = req("PUT", SVCS + "/local", cur)
    t.ok(r1.returncode == 0 and r2.status == 200, "kubectl apply and a PUT that leave it out",
         (r1.stderr, r2))
    t.eq((hc_of("local"), get("local")["metadata"]["labels"]), (hc, {"x": "2"}),
         "... keep the healthCheckNodePort")
    r = req("PATCH", SVCS + "/local", {"spec": {"healthCheckNodePort": hc + 1}}, MERGE)
    t.ok(r.status == 422 and "spec.healthCheckNodePort: Forbidden: field is immutable"
         in r.message, "changing it: 422 field is immutable", r)
    t.eq(hc_of("local"), hc, "... unchanged")
    t.ok(not port_free(hc) and port_free(hc + 1), "... and no allocation moved")

    # switch to Cluster: released, reusable
    r = kubectl("kubectl", "patch", "svc", "local", "-p",
                '{"spec":{"externalTrafficPolicy":"Cluster"}}')
    t.ok(r.returncode == 0, "kubectl patch externalTrafficPolicy Cluster", r.stdout + r.stderr)
    t.eq(hc_of("local"), None, "... the healthCheckNodePort is gone")
    r = req("POST", SVCS, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "reuse"},
                           "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": hc}]}})
    t.ok(r.status == 201, "... and its port can be used again (a nodePort)", r)
    # back to Local: a new one
    r = req("PATCH", SVCS + "/local", {"spec": {"externalTrafficPolicy": "Local"}}, MERGE)
    hc2 = (r.json or {}).get("spec", {}).get("healthCheckNodePort")
    t.ok(r.status == 200 and in_range(hc2) and hc2 != hc, "Local again: a new one", r)
    # type NodePort: released
    r = req("PATCH", SVCS + "/local", {"spec": {"type": "NodePort"}}, MERGE)
    t.ok(r.status == 200 and "healthCheckNodePort" not in r.json["spec"] and port_free(hc2),
         "type NodePort: released", r)

    # user-given, free and in range
    r = lb("given", externalTrafficPolicy="Local", healthCheckNodePort=31999)
    t.ok(r.status == 201 and r.json["spec"]["healthCheckNodePort"] == 31999,
         "a given free healthCheckNodePort is honoured", r)
    t.ok(not port_free(31999), "... and allocated")
    t.eq(get("given")["spec"].get("healthCheckNodePort"), 31999, "... and stored")

    # invalid ones: 422 naming the field, nothing kept
    bad = [
        ("in use", dict(externalTrafficPolicy="Local", healthCheckNodePort=31999),
         "spec.healthCheckNodePort: Invalid value: 31999: failed to allocate requested "
         "HealthCheck NodePort 31999: provided port is already allocated"),
        ("out of range", dict(externalTrafficPolicy="Local", healthCheckNodePort=1234),
         "spec.healthCheckNodePort: Invalid value: 1234: failed to allocate requested "
         "HealthCheck NodePort 1234: provided port is not in the valid range. The range of "
         "valid ports is 30000-32767"),
        ("not a port", dict(externalTrafficPolicy="Local", healthCheckNodePort=70000),
         "spec.healthCheckNodePort: Invalid value: 70000: must be between 1 and 65535, "
         "inclusive"),
        ("with Cluster", dict(externalTrafficPolicy="Cluster", healthCheckNodePort=31888),
         "spec.healthCheckNodePort: Invalid value: 31888: may only be set when `type` is "
         "'LoadBalancer' and `externalTrafficPolicy` is 'Local'"),
        ("its own nodePort", dict(externalTrafficPolicy="Local", healthCheckNodePort=31777),
         "spec.healthCheckNodePort: Invalid value: 31777: failed to allocate requested "
         "HealthCheck NodePort 31777: provided port is already allocated"),
    ]
    for i, (what, spec, msg) in enumerate(bad):
        own = 31777 if what == "its own nodePort" else 31500 + i
        r = lb("bad%d" % i, ports=[{"port": 80, "nodePort": own}], clusterIP="10.96.200.%d" % i,
               **spec)
        t.ok(r.status == 422 and msg in r.message, "healthCheckNodePort %s: 422 naming it" % what,
             r)
        t.ok(req("GET", SVCS + "/bad%d" % i).status == 404, "... nothing stored")
        t.ok(port_free(own), "... its nodePort %d is not kept" % own)
        r = req("POST", SVCS, {"apiVersion": "v1", "kind": "Service",
                               "metadata": {"name": "cip%d" % i},
                               "spec": {"clusterIP": "10.96.200.%d" % i, "ports": [{"port": 80}]}})
        t.ok(r.status == 201, "... nor its clusterIP", r)
    t.ok(not port_free(31999), "the port in use stays its holder's")
    r = req("PATCH", SVCS + "/reuse", {"spec": {"type": "ClusterIP", "healthCheckNodePort": 31000}},
            MERGE)
    t.ok(r.status == 422 and "spec.healthCheckNodePort: Invalid value: 31000: may only be set"
         in r.message, "healthCheckNodePort on an update to ClusterIP: 422", r)
    t.ok(not port_free(hc) and (get("reuse") or {}).get("spec", {}).get("type") == "NodePort",
         "... the Service and its nodePort are unchanged")
    r = req("POST", SVCS + "?dryRun=All", {"apiVersion": "v1", "kind": "Service",
                                            "metadata": {"name": "dry"},
                                            "spec": {"type": "LoadBalancer",
                                                     "externalTrafficPolicy": "Local",
                                                     "healthCheckNodePort": 31666,
                                                     "ports": [{"port": 80}]}})
    t.ok(r.status == 201 and r.json["spec"]["healthCheckNodePort"] == 31666 and port_free(31666),
         "a dry-run create shows the healthCheckNodePort and keeps nothing", r)
    # a restart keeps it reserved
    srv.stop()
    srv.start()
    t.ok(not port_free(31999) and get("given")["spec"]["healthCheckNodePort"] == 31999,
         "after a restart the healthCheckNodePort is still allocated")


# ------------------------------------------ allocateLoadBalancerNodePorts
def no_node_ports():
    r = lb("nonp", ports=[{"name": "a", "port": 80}, {"name": "b", "port": 81}],
           allocateLoadBalancerNodePorts=False)
    t.ok(r.status == 201 and node_ports(r.json) == [None, None],
         "allocateLoadBalancerNodePorts=false: no node ports", r)
    r2 = kubectl("kubectl", "get", "svc", "nonp", "--no-headers")
    t.ok(r2.returncode == 0 and "80/TCP,81/TCP" in r2.stdout, "kubectl shows 80/TCP,81/TCP",
         r2.stdout + r2.stderr)
    r = lb("nonp2", ports=[{"name": "a", "port": 80, "nodePort": 31444}, {"name": "b", "port": 81}],
           allocateLoadBalancerNodePorts=False)
    t.ok(r.status == 201 and node_ports(r.json) == [31444, None] and not port_free(31444),
         "... a requested one is still allocated", r)
    cur = get("nonp")
    cur["metadata"]["labels"] = {"y": "1"}
    r = req("PUT", SVCS + "/nonp", cur)
    t.ok(r.status == 200 and node_ports(r.json) == [None, None], "... and an update adds none", r)
    r = req("PATCH", SVCS + "/nonp", {"spec": {"allocateLoadBalancerNodePorts": True}}, MERGE)
    t.ok(r.status == 200 and all(in_range(p) for p in node_ports(r.json)),
         "switched to true: node ports are allocated", r)
    r = req("POST", SVCS, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "np"},
                           "spec": {"type": "NodePort", "ports": [{"port": 80}],
                                    "allocateLoadBalancerNodePorts": False}})
    t.ok(r.status == 422 and "spec.allocateLoadBalancerNodePorts: Forbidden: may only be used "
         "when `type` is 'LoadBalancer'" in r.message, "on a NodePort Service: 422 Forbidden", r)


t.section("without the flag", no_flag)
t.section("kubectl and python", clients)
t.section("loadBalancerIP, conflicts, a full range", requested)
t.section("type change", type_change)
t.section("healthCheckNodePort", health_check)
t.section("allocateLoadBalancerNodePorts", no_node_ports)
t.section("restart", restart)
t.done()
