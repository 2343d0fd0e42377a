#!/usr/bin/python3
"""skiff-server flags in every documented form: --dns-bind-address with
several listeners and with a bracketed IPv6 address (both used to make the
server exit: the flag was parsed a second time with strrchr(':')), and a bad
value refused with a message naming the flag. Prints TAP."""
import os
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import SERVER_BIN, Server, Tap, free_port  # noqa: E402
from test_api_adversarial import dns_query  # noqa: E402

t = Tap()


def dns_query6(port, name="kubernetes.default.svc.cluster.local"):
    """The A record dig gets from [::1]:port ("" on no answer)."""
    out = subprocess.run(["dig", "+short", "+time=2", "+tries=1", "-p", str(port), "@::1", name],
                         capture_output=True, text=True, timeout=10)
    return out.stdout.strip()


def main():
    p1, p2 = free_port(socket.SOCK_DGRAM), free_port(socket.SOCK_DGRAM)
    s = Server(name="two-dns")
    s.dns_port = p1
    s.extra = ["--dns-bind-address", "127.0.0.1:%d,127.0.0.2:%d" % (p1, p2)]
    s.start()
    t.ok(dns_query(p1) == 0, "two listeners: the first answers")
    q = subprocess.run(["dig", "+short", "+time=2", "+tries=1", "-p", str(p2), "@127.0.0.2",
                        "kubernetes.default.svc.cluster.local"], capture_output=True, text=True,
                       timeout=10)
    t.eq(q.stdout.strip(), "10.96.0.1", "two listeners: the second answers")
    r = s.req("GET", "/apis/discovery.k8s.io/v1/namespaces/kube-system/endpointslices/kube-dns")
    eps = (r.json or {}).get("endpoints") or [{}]
    t.ok(r.status == 200 and eps[0].get("addresses") == ["127.0.0.1"] and
         [p["port"] for p in r.json["ports"]] == [p1, p1],
         "two listeners: kube-dns's endpoint is the first", r)
    s.cleanup()

    p6 = free_port(socket.SOCK_DGRAM)
    s = Server(name="v6-dns")
    s.dns_port = p6
    s.extra = ["--dns-bind-address", "[::1]:%d" % p6]
    try:
        s.start()
        t.eq(dns_query6(p6), "10.96.0.1", "[::1]:PORT: the server runs and answers on ::1")
    except RuntimeError as e:
        t.ok(False, "[::1]:PORT: the server runs", str(e))
    s.cleanup()

    d = tempfile.mkdtemp(prefix="sk-flags-")
    p = subprocess.run([SERVER_BIN, "--bind-address", "127.0.0.1", "--secure-port",
                        str(free_port()), "--data-dir", d, "--dns-bind-address", "127.0.0.1:99999"],
                       capture_output=True, text=True, timeout=30)
    t.ok(p.returncode != 0 and "--dns-bind-address" in p.stdout + p.stderr,
         "a bad --dns-bind-address exits non-zero naming the flag", p.stdout + p.stderr)
    subprocess.run(["rm", "-rf", d])
    t.done()


if __name__ == "__main__":
    main()
