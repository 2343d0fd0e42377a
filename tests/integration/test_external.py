#!/usr/bin/python3
"""Traffic from outside the cluster through the tc path (issue 12), in a
2-node cluster made by `skiffctl cluster create`, reached from the network
namespace `skiffctl cluster external` makes (a machine on the same LAN; the
root namespace never sends anything):

  - `cluster external`: the namespace, made once, an address of the
    cluster's network; a bad N refused;
  - NodePort on each node's address, answered by pods on the same and on
    the other node; Cluster policy: a pod on another node sees the node's
    address (SNAT), one on the node itself the client's;
  - UDP NodePort: the reply comes from the node address and node port;
  - Local policy: only the node's own pod answers, and it sees the client;
  - externalIPs (the outside machine routes the address to a node);
  - LoadBalancer: an address from the cluster's range in
    status.loadBalancer.ingress, answered (ARP) and reachable; with Local,
    the healthCheckNodePort answers 200 on a node with an endpoint and 503
    on one without, in kube-proxy's JSON;
  - flows count in the backends' active connections (`skiffctl backends`)
    and are counted down when they close;
  - a backend taken out of the Service while an external connection is
    open: the connection goes on, new ones avoid it;
  - skiff-node SIGKILLed and restarted during a connection loop: no
    connection fails.

Pods use the `host` image. Needs root, kubectl and runc. Prints TAP."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BIN = os.environ.get("SKIFF_BIN") or os.path.join(HERE, "..", "..", "build")
CTL = os.path.join(BIN, "skiffctl")
KUBECTL = os.environ.get("KUBECTL") or shutil.which("kubectl")

N = 0
FAILS = 0
# bpf (the tc path) or iptables (kube-proxy's rules): argv[1] or $SKIFF_EXT_MODE;
# test_external_iptables.py runs this file in iptables mode
MODE = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("SKIFF_EXT_MODE", "bpf"))
IPT = MODE == "iptables"


def skip(desc, why):
    global N
    N += 1
    print("ok %d - %s # SKIP %s" % (N, desc, why), flush=True)


def ok(cond, desc, diag=""):
    global N, FAILS
    N += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", N, desc), flush=True)
    if not cond:
        FAILS += 1
        for line in str(diag).splitlines()[:25]:
            print("# " + line)
    return cond


def wait(fn, secs, step=0.2):
    end = time.time() + secs
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except (subprocess.CalledProcessError, ValueError, KeyError, IndexError, OSError):
            pass
        time.sleep(step)
    return None


APP = r'''
import http.server, os, socket, threading
pod = os.environ["POD"]
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        b = ("%s %s\n" % (pod, self.client_address[0])).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(b)))
        self.end_headers()
        self.wfile.write(b)
    def log_message(self, *a):
        pass
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("", 9090))
    while True:
        d, a = s.recvfrom(2048)
        s.sendto(("%s %s" % (pod, a[0])).encode(), a)
threading.Thread(target=udp, daemon=True).start()
http.server.ThreadingHTTPServer(("", 8080), H).serve_forever()
'''

# The outside machine's client, run inside its namespace: one JSON line.
CLIENT = r'''
import json, socket, sys, time
def read_all(s):
    d = b""
    while True:
        c = s.recv(4096)
        if not c:
            return d
        d += c
def http(addr, port, timeout=3):
    s = socket.create_connection((addr, port), timeout=timeout)
    s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    d = read_all(s)
    s.close()
    body = d.split(b"\r\n\r\n", 1)[1].decode().split()
    return body
mode = sys.argv[1]
if mode == "http":
    addr, port, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    out = []
    for i in range(n):
        try:
            out.append(http(addr, port))
        except Exception as e:
            out.append(["ERR", type(e).__name__])
    print(json.dumps(out))
elif mode == "udp":
    addr, port = sys.argv[2], int(sys.argv[3])
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3)
    s.sendto(b"hi", (addr, port))
    d, a = s.recvfrom(2048)
    print(json.dumps({"from": [a[0], a[1]], "body": d.decode().split()}))
elif mode == "loop":
    addrs, port, secs = sys.argv[2].split(","), int(sys.argv[3]), float(sys.argv[4])
    okc = bad = 0
    errs = []
    end = time.time() + secs
    while time.time() < end:
        for a in addrs:
            try:
                http(a, port)
                okc += 1
            except Exception as e:
                bad += 1
                errs.append(type(e).__name__)
        time.sleep(0.005)
    print(json.dumps({"ok": okc, "fail": bad, "errs": errs[:5]}))
elif mode == "hold":
    # one keep-alive connection: a request now, another when stdin says
    addr, port = sys.argv[2], int(sys.argv[3])
    s = socket.create_connection((addr, port), timeout=5)
    f = s.makefile("rb")
    def req():
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        n = 0
        while True:
            line = f.readline()
            if line.lower().startswith(b"content-length:"):
                n = int(line.split(b":")[1])
            if line in (b"\r\n", b""):
                break
        return f.read(n).decode().split()
    print(json.dumps(req()), flush=True)
    for line in sys.stdin:
        if line.strip() == "again":
            try:
                print(json.dumps(req()), flush=True)
            except Exception as e:
                print(json.dumps(["ERR", type(e).__name__]), flush=True)
        else:
            break
elif mode == "icmp":
    # a UDP exchange from a fixed port, then the ICMP "fragmentation
    # needed" (MTU 1200) a router would send about its reply, quoting the
    # reply as the client saw it: frontend -> client
    fe, port, cport = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    def csum(b):
        if len(b) % 2:
            b += b"\0"
        t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
        t = (t & 0xffff) + (t >> 16)
        t = (t & 0xffff) + (t >> 16)
        return ~t & 0xffff
    import struct
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("", cport))
    u.settimeout(3)
    u.sendto(b"hi", (fe, port))
    body = u.recvfrom(2048)[0].decode().split()
    me = u.getsockname()[0]
    me = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    me.connect((fe, port))
    client = me.getsockname()[0]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1500, 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(fe), socket.inet_aton(client))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    quoted = ip + struct.pack("!HHHH", port, cport, 1480, 0)
    icmp = struct.pack("!BBHHH", 3, 4, 0, 0, 1200) + quoted
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    r = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    r.sendto(icmp, (fe, 0))
    print(json.dumps({"pod": body[0], "client": client}))
elif mode == "get":
    # a whole HTTP response: status and body (the health check node port)
    addr, port = sys.argv[2], int(sys.argv[3])
    s = socket.create_connection((addr, port), timeout=3)
    s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    head, body = read_all(s).split(b"\r\n\r\n", 1)
    print(json.dumps({"status": int(head.split()[1]), "body": json.loads(body)}))
'''


class Cluster:
    def __init__(self):
        self.tmp = tempfile.mkdtemp(prefix="skiff-ext-test-")
        os.chmod(self.tmp, 0o755)
        self.env = dict(os.environ, SKIFF_CLUSTER_DIR=os.path.join(self.tmp, "clusters"),
                        HOME=self.tmp)
        self.name = "x%d" % (os.getpid() % 100000)
        self.dir = os.path.join(self.tmp, "clusters", self.name)
        self.kc = os.path.join(self.dir, "kubeconfig")
        self.client = os.path.join(self.tmp, "client.py")
        with open(self.client, "w") as f:
            f.write(CLIENT)

    def ctl(self, *args, check=True, timeout=240):
        return subprocess.run([CTL] + list(args), env=self.env, capture_output=True,
                              text=True, check=check, timeout=timeout)

    def k(self, *args, inp=None, check=True):
        return subprocess.run([KUBECTL, "--kubeconfig", self.kc] + list(args), input=inp,
                              capture_output=True, text=True, check=check, timeout=60)

    def kj(self, *args):
        return json.loads(self.k(*(list(args) + ["-o", "json"])).stdout)

    def outside(self, *args, stdin=None, timeout=60):
        r = subprocess.run(["ip", "netns", "exec", self.ext, sys.executable, self.client] +
                           [str(a) for a in args], capture_output=True, text=True,
                           timeout=timeout, input=stdin)
        if r.returncode:
            raise RuntimeError(r.stderr)
        return json.loads(r.stdout)

    def backends(self, node, svc):
        r = self.ctl("backends", svc, "--kubeconfig", self.kc, "--bpf-pin-dir",
                     os.path.join(self.dir, "nodes", "%s-node-%d" % (self.name, node), "bpf"),
                     "-o", "json")
        return json.loads(r.stdout)

    def delete(self):
        self.ctl("cluster", "delete", self.name, check=False)
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    for b in (CTL, os.path.join(BIN, "skiff-server"), os.path.join(BIN, "skiff-node")):
        if not os.access(b, os.X_OK):
            print("1..0 # SKIP %s not built" % b)
            return 0
    if os.geteuid() != 0 or not KUBECTL or not shutil.which("runc"):
        print("1..0 # SKIP needs root, kubectl and runc")
        return 0
    print("1..29", flush=True)
    cl = Cluster()
    try:
        run(cl)
    finally:
        if FAILS:
            logs = os.environ.get("SKIFF_TEST_LOGS", "/tmp")
            for i in (1, 2):
                src = os.path.join(cl.dir, "nodes", "%s-node-%d" % (cl.name, i),
                                   "skiff-node.log")
                if os.path.exists(src):
                    shutil.copy(src, os.path.join(logs, "test_external.node%d.log" % i))
        cl.delete()
    return 1 if FAILS else 0


def addr_of(cl, host):
    sub = cl.subnet
    return "%s.%d" % (sub, host)


def run(cl):
    r = cl.ctl("cluster", "create", "--name", cl.name, "--nodes", "2", "--proxy-mode", MODE,
               check=False)
    if not ok(r.returncode == 0, "cluster create (2 nodes, %s mode)" % MODE,
              r.stdout + r.stderr):
        sys.exit(1)
    n1, n2 = cl.name + "-node-1", cl.name + "-node-2"
    nodes = cl.kj("get", "nodes")["items"]
    ips = {n["metadata"]["name"]: [a["address"] for a in n["status"]["addresses"]
                                   if a["type"] == "InternalIP"][0] for n in nodes}
    cl.subnet = ips[n1].rsplit(".", 1)[0]

    r1 = cl.ctl("cluster", "external", cl.name, "1", check=False)
    r2 = cl.ctl("cluster", "external", cl.name, "1", "-o", "json", check=False)
    cl.ext = r1.stdout.strip()
    j = json.loads(r2.stdout) if r2.returncode == 0 else {}
    ok(r1.returncode == 0 and cl.ext == "sk-%s-ext-1" % cl.name and
       os.path.exists("/run/netns/" + cl.ext) and j.get("netns") == cl.ext and
       j.get("address") == addr_of(cl, 241),
       "cluster external 1: the namespace (made once) with an address of the cluster network",
       r1.stdout + r1.stderr + r2.stdout)
    bad = cl.ctl("cluster", "external", cl.name, "99", check=False)
    ok(bad.returncode != 0 and "99" in bad.stderr and
       not os.path.exists("/run/netns/sk-%s-ext-99" % cl.name),
       "cluster external 99: refused, naming the argument", bad.stderr)
    client = addr_of(cl, 241)

    manifest = {
        "apiVersion": "v1", "kind": "List", "items": [
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app"},
             "data": {"app.py": APP}},
        ] + [
            {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"name": "web-%d" % i, "labels": {"app": "web"}},
             "spec": {"nodeName": n, "terminationGracePeriodSeconds": 1,
                      "volumes": [{"name": "app", "configMap": {"name": "app"}}],
                      "containers": [{
                          "name": "web", "image": "host", "command": ["python3", "/app/app.py"],
                          "env": [{"name": "POD", "value": "web-%d" % i}],
                          "volumeMounts": [{"name": "app", "mountPath": "/app"}],
                          "readinessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 1}}]}}
            for i, n in ((1, n1), (2, n2))
        ] + [
            {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"type": "NodePort", "selector": {"app": "web"},
                      "ports": [{"name": "http", "port": 80, "targetPort": 8080,
                                 "nodePort": 30080},
                                {"name": "udp", "port": 90, "targetPort": 9090,
                                 "protocol": "UDP", "nodePort": 30090}]}}]}
    cl.k("apply", "-f", "-", inp=json.dumps(manifest))
    ready = wait(lambda: all(
        any(c["type"] == "Ready" and c["status"] == "True"
            for c in (p.get("status", {}).get("conditions") or []))
        for p in cl.kj("get", "pods", "-l", "app=web")["items"]) and
        len(cl.kj("get", "pods", "-l", "app=web")["items"]) == 2, 120)
    if not ok(ready, "two web pods, one on each node, Ready"):
        return
    ip1, ip2 = ips[n1], ips[n2]

    # NodePort, Cluster policy: the least busy of both pods through either node
    def seen_via(node_ip):
        res = cl.outside("http", node_ip, 30080, 24)
        return res

    res1 = wait(lambda: (lambda r: r if {x[0] for x in r} == {"web-1", "web-2"} else None)(
        seen_via(ip1)), 30)
    res2 = wait(lambda: (lambda r: r if {x[0] for x in r} == {"web-1", "web-2"} else None)(
        seen_via(ip2)), 30)
    ok(res1 is not None, "NodePort on node 1's address: answered by the pods on both nodes",
       res1)
    ok(res2 is not None, "NodePort on node 2's address: answered by the pods on both nodes",
       res2)
    if res1:
        local = {x[1] for x in res1 if x[0] == "web-1"}
        remote = {x[1] for x in res1 if x[0] == "web-2"}
        if IPT:
            # kube-proxy masquerades every Cluster-policy external flow
            ok(local and client not in local, "Cluster policy (kube-proxy): the pod on the "
               "node itself sees a node address (masqueraded)", local)
        else:
            ok(local == {client}, "Cluster policy: the pod on the node itself sees the "
               "client's address", local)
        ok(remote == {ip1}, "Cluster policy: the pod on the other node sees the node's address "
           "(SNAT, so the reply comes back through it)", remote)

    # UDP NodePort
    for ip in (ip1, ip2):
        u = wait(lambda: cl.outside("udp", ip, 30090), 20)
        ok(u and u["from"] == [ip, 30090] and u["body"][0] in ("web-1", "web-2"),
           "UDP NodePort on %s: the reply comes from the node's address and node port" % ip, u)

    # active connections: external flows held open count on their backend
    held = [subprocess.Popen(["ip", "netns", "exec", cl.ext, sys.executable, cl.client, "hold",
                              ip1, "30080"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True) for _ in range(4)]
    for h in held:
        h.stdout.readline()

    def active_total():
        if IPT:
            # in the node's namespace: conntrack's count, as the mode weights it
            r = subprocess.run(["ip", "netns", "exec", "sk-%s-node-1" % cl.name, CTL,
                                "backends", "default/web", "--proxy-mode", "iptables",
                                "--kubeconfig", os.path.join(cl.dir, "nodes", n1, "kubeconfig"),
                                "-o", "json"], capture_output=True, text=True, env=cl.env)
            for sv in json.loads(r.stdout)["services"]:
                if sv["port"] == 80:
                    return sum(e["active"] for e in sv["endpoints"])
            return -1
        d = cl.backends(1, "default/web")
        for s in d["services"]:
            if s.get("frontend") == "NodePort" and s["protocol"] == "TCP":
                return sum(e["active"] for e in s["endpoints"])
        return -1
    got = wait(lambda: active_total() == 4, 10)
    ok(got, "4 external connections held open: 4 active on the NodePort's backends "
       "(skiffctl backends%s)" % (" --proxy-mode iptables: conntrack" if IPT else ""),
       active_total())
    for h in held:
        h.stdin.close()
        h.wait(timeout=10)
    ok(wait(lambda: active_total() == 0, 10),
       "the connections closed: counted down to 0", active_total())

    # ICMP errors about a flow reach its backend, translated (PMTU discovery)
    def pmtu_seen(pod, dst):
        p = cl.kj("get", "pod", pod)
        ns = os.path.join(cl.dir, "nodes", p["spec"]["nodeName"], "root", "pods",
                          p["metadata"]["uid"], "netns")
        r = subprocess.run(["nsenter", "--net=" + ns, "ip", "route", "get", dst],
                           capture_output=True, text=True)
        return "mtu 1200" in r.stdout, r.stdout.strip()
    seen = {}
    for i in range(12):
        got = cl.outside("icmp", ip1, 30090, 41000 + i)
        pod = got["pod"]
        if pod in seen:
            continue
        # the pod on node 1 talks to the client itself; the other one to
        # node 1's SNAT address
        if pod == "web-2":
            dst = ip1
        elif IPT:
            # masqueraded to node 1's address on the pods' bridge
            dst = cl.kj("get", "node", n1)["spec"]["podCIDR"].rsplit(".", 1)[0] + ".1"
        else:
            dst = got["client"]
        seen[pod] = wait(lambda: pmtu_seen(pod, dst)[0], 5) or pmtu_seen(pod, dst)[1]
        if len(seen) == 2:
            break
    ok(seen.get("web-1") is True,
       "ICMP fragmentation-needed about a reply reaches the local backend, translated: its "
       "route to the client learns MTU 1200", seen)
    ok(seen.get("web-2") is True,
       "... and the remote backend (SNAT): its route to node 1 learns MTU 1200", seen)

    # sessionAffinity ClientIP on the tc path: the client's address
    cl.k("patch", "svc", "web", "-p", '{"spec":{"sessionAffinity":"ClientIP"}}')
    time.sleep(1)
    sticky = [cl.outside("http", ip1, 30080, 8) for _ in range(2)]
    names = {x[0] for r in sticky for x in r}
    ok(len(names) == 1 and "ERR" not in names,
       "sessionAffinity ClientIP: every NodePort connection of the client to the same pod",
       sticky)
    cl.k("patch", "svc", "web", "-p",
         '{"spec":{"sessionAffinity":"None","sessionAffinityConfig":null}}')

    # Local policy
    cl.k("patch", "svc", "web", "-p", '{"spec":{"externalTrafficPolicy":"Local"}}')
    # until the rules say Local (iptables: after the next sync), then 10 more
    local_now = lambda ip, pod: (lambda r: r if {x[0] for x in r} == {pod} and
                                 {x[1] for x in r} == {client} else None)(
        cl.outside("http", ip, 30080, 2))
    wait(lambda: local_now(ip1, "web-1") and local_now(ip2, "web-2"), 20)
    loc1 = cl.outside("http", ip1, 30080, 10)
    loc2 = cl.outside("http", ip2, 30080, 10)
    loc1 = loc1 if {x[0] for x in loc1} == {"web-1"} else None
    loc2 = loc2 if {x[0] for x in loc2} == {"web-2"} else None
    ok(loc1 and loc2, "Local policy: each node's NodePort answered by its own pod only",
       [loc1, loc2])
    ok(loc1 and loc2 and {x[1] for x in loc1 + loc2} == {client},
       "Local policy: the pods see the client's address", [loc1, loc2])
    cl.k("patch", "svc", "web", "-p", '{"spec":{"externalTrafficPolicy":"Cluster"}}')

    # iptables mode, least busy: connections held on web-1 (to its pod address,
    # through node 1, so node 1's conntrack sees them) lower its odds
    if IPT:
        least_busy_iptables(cl, ip1, n1)
    else:
        skip("iptables least-busy: new connections prefer the endpoint without held ones",
             "iptables mode only (the bpf mode's counts are checked above)")

    # externalIPs, routed to node 2 by the outside machine (an admin's job)
    ext_ip = "192.0.2.10"
    cl.k("patch", "svc", "web", "-p", json.dumps({"spec": {"externalIPs": [ext_ip]}}))
    subprocess.run(["ip", "netns", "exec", cl.ext, "ip", "route", "replace", ext_ip + "/32",
                    "via", ip2], check=True)
    e = wait(lambda: (lambda r: r if all(x[0] != "ERR" for x in r) else None)(
        cl.outside("http", ext_ip, 80, 6)), 20)
    ok(e, "externalIPs: %s:80 answered" % ext_ip, e)

    # a backend taken out of the Service while an external flow is open
    h = subprocess.Popen(["ip", "netns", "exec", cl.ext, sys.executable, cl.client, "hold",
                          ip1, "30080"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    first = json.loads(h.stdout.readline())
    victim = first[0]
    cl.k("label", "pod", victim, "app-")
    gone = wait(lambda: all(x[0] != victim for x in cl.outside("http", ip1, 30080, 8)), 20)
    h.stdin.write("again\n")
    h.stdin.flush()
    again = json.loads(h.stdout.readline())
    h.stdin.close()
    h.wait(timeout=10)
    ok(again[0] == victim, "an open external connection to a removed backend goes on", again)
    ok(gone, "new connections avoid the removed backend")
    cl.k("label", "pod", victim, "app=web")

    # LoadBalancer
    cl.k("patch", "svc", "web", "-p", '{"spec":{"type":"LoadBalancer"}}')
    lb = wait(lambda: cl.kj("get", "svc", "web")["status"]["loadBalancer"]["ingress"][0]["ip"],
              30)
    lo, hi = 211, 240
    ok(lb and lb.startswith(cl.subnet + ".") and lo <= int(lb.rsplit(".", 1)[1]) <= hi,
       "LoadBalancer: an address of the cluster's range in status.loadBalancer.ingress", lb)
    if lb and IPT:
        # kube-proxy announces nothing: the network routes the address
        subprocess.run(["ip", "netns", "exec", cl.ext, "ip", "route", "replace", lb + "/32",
                        "via", ip1], check=True)
    if lb:
        r = wait(lambda: (lambda x: x if {y[0] for y in x} <= {"web-1", "web-2"} else None)(
            cl.outside("http", lb, 80, 6)), 30)
        ok(r, "LoadBalancer address answered (%s) and balanced" %
           ("routed to node 1" if IPT else "ARP by the nodes"), r)
    else:
        ok(False, "LoadBalancer address answered")
    # loadBalancerSourceRanges: a range without the client drops its flows
    source_ranges(cl, lb, ip1, client)
    cl.k("patch", "svc", "web", "-p", '{"spec":{"externalTrafficPolicy":"Local"}}')
    svc = cl.kj("get", "svc", "web")
    hcp = svc["spec"].get("healthCheckNodePort")
    ok(hcp, "Local LoadBalancer: a healthCheckNodePort allocated", svc["spec"])
    if hcp:
        cl.k("delete", "pod", "web-2", "--grace-period=0", "--force", check=False)
        h1 = wait(lambda: (lambda x: x if x["status"] == 200 else None)(
            cl.outside("get", ip1, hcp)), 20)
        h2 = wait(lambda: (lambda x: x if x["status"] == 503 else None)(
            cl.outside("get", ip2, hcp)), 20)
        ok(h1 and h1["body"]["localEndpoints"] == 1 and
           h1["body"]["service"] == {"namespace": "default", "name": "web"},
           "health check node port: 200 with localEndpoints 1 on the node with a pod", h1)
        ok(h2 and h2["body"]["localEndpoints"] == 0,
           "health check node port: 503 on the node without one", h2)
    else:
        ok(False, "health check 200")
        ok(False, "health check 503")
    cl.k("patch", "svc", "web", "-p", '{"spec":{"externalTrafficPolicy":"Cluster"}}')

    # skiff-node SIGKILLed and restarted during a connection loop
    out = {}

    def loop():
        out["r"] = cl.outside("loop", ip1 + "," + ip2, 30080, 12, timeout=60)
    t = threading.Thread(target=loop)
    t.start()
    time.sleep(3)
    with open(os.path.join(cl.dir, "nodes", n1, "skiff-node.pid")) as f:
        pid = int(f.read().split()[0])
    os.kill(pid, signal.SIGKILL)
    rr = cl.ctl("cluster", "node", "restart", cl.name, "node-1", check=False)
    t.join(timeout=90)
    res = out.get("r") or {}
    ok(rr.returncode == 0, "skiff-node SIGKILLed and started again", rr.stderr)
    ok(res.get("ok", 0) > 100 and res.get("fail", 1) == 0,
       "no external connection failed while skiff-node was down and restarting", res)



def least_busy_iptables(cl, ip1, n1):
    pod_ip = cl.kj("get", "pod", "web-1")["status"]["podIP"]
    cidr = cl.kj("get", "node", n1)["spec"]["podCIDR"]
    subprocess.run(["ip", "netns", "exec", cl.ext, "ip", "route", "replace", cidr, "via", ip1],
                   check=True)
    held = [subprocess.Popen(["ip", "netns", "exec", cl.ext, sys.executable, cl.client, "hold",
                              pod_ip, "8080"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True) for _ in range(12)]
    for h in held:
        h.stdout.readline()
    time.sleep(5)  # a conntrack count (every 2 s) and the restore after it
    got = cl.outside("http", ip1, 30080, 40)
    for h in held:
        h.stdin.close()
        h.wait(timeout=10)
    n = sum(1 for x in got if x[0] == "web-1")
    # equal odds would give web-1 about 20 of 40 (10 or fewer: p < 0.2%);
    # weights 1/(1+12) against 1 give about 3
    ok(n <= 10 and all(x[0] in ("web-1", "web-2") for x in got),
       "iptables least-busy: with 12 connections held on web-1, %d of 40 new ones went to "
       "it (equal odds: ~20)" % n, got)


def source_ranges(cl, lb, ip1, client):
    cl.k("patch", "svc", "web", "-p",
         '{"spec":{"loadBalancerSourceRanges":["10.99.0.0/16"]}}')
    denied = lb and wait(lambda: (lambda x: x if all(y[0] == "ERR" for y in x) else None)(
        cl.outside("http", lb, 80, 2)), 20)
    if IPT:
        # upstream's layout: the address goes to KUBE-FW, which lets only
        # the range on; KUBE-PROXY-FIREWALL drops the rest
        saved = subprocess.run(["ip", "netns", "exec", "sk-%s-node-1" % cl.name,
                                "iptables-save"], capture_output=True, text=True).stdout
        fw = [l for l in saved.splitlines() if l.startswith("-A KUBE-FW-")]
        drop = [l for l in saved.splitlines() if l.startswith("-A KUBE-PROXY-FIREWALL") and
                "-d %s/32" % lb in l and l.endswith("-j DROP")]
        ok(any("-s 10.99.0.0/16" in l for l in fw) and drop and
           any(("-d %s/32" % lb) in l and "-j KUBE-FW-" in l for l in saved.splitlines()
               if l.startswith("-A KUBE-SERVICES")),
           "loadBalancerSourceRanges in iptables mode: KUBE-SERVICES -> KUBE-FW (the range) "
           "and a KUBE-PROXY-FIREWALL drop for the address", fw + drop)
    nodeport_ok = lb and all(x[0] != "ERR" for x in cl.outside("http", ip1, 30080, 2))
    cl.k("patch", "svc", "web", "-p",
         json.dumps({"spec": {"loadBalancerSourceRanges": [client + "/32", "10.99.0.0/16"]}}))
    allowed = lb and wait(lambda: (lambda x: x if all(y[0] != "ERR" for y in x) else None)(
        cl.outside("http", lb, 80, 2)), 20)
    ok(denied and nodeport_ok and allowed,
       "loadBalancerSourceRanges: a client outside them gets nothing from the LoadBalancer "
       "address (its NodePort still answers), inside them it is served",
       [denied, nodeport_ok, allowed])
    cl.k("patch", "svc", "web", "--type=json", "-p",
         '[{"op":"remove","path":"/spec/loadBalancerSourceRanges"}]')

if __name__ == "__main__":
    sys.exit(main())
