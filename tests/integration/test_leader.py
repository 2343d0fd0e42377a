#!/usr/bin/python3
"""Leader election (issue 11): skiff-server runs kube-controller-manager's
controllers while it holds the Lease kube-system/kube-controller-manager
and the scheduler while it holds kube-system/kube-scheduler, renewing them
every 2 s. A Lease another holder keeps renewing is not taken; once that
holder goes quiet for a lease duration (15 s) the server takes it back. A
clean stop releases the Leases, so the next server leads at once;
--controllers without the scheduler takes no kube-scheduler Lease.
Prints TAP."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/"


def lease(srv, name):
    r = srv.req("GET", LEASES + name)
    return r.json if r.status == 200 else None


def micro_now():
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%06dZ" % (int(t * 1e6) % 1000000)


def spec(obj, key, default=None):
    return ((obj or {}).get("spec") or {}).get(key, default)


def main():
    t = Tap()
    s = Server()
    s.start()
    cm, sch = lease(s, "kube-controller-manager"), lease(s, "kube-scheduler")
    t.ok(cm and sch, "both Leases exist once the server serves")
    holder = spec(cm, "holderIdentity", "")
    t.ok("_" in holder and holder.split("_")[0], "holderIdentity is <hostname>_<id>",
         json.dumps(cm))
    t.eq(spec(cm, "leaseDurationSeconds"), 15, "leaseDurationSeconds 15 (upstream's default)")
    time.sleep(4.5)
    cm2 = lease(s, "kube-controller-manager")
    t.ok(spec(cm2, "renewTime", "") > spec(cm, "renewTime", ""),
         "the leader renews it (renewTime moved on)", json.dumps(cm2))
    t.eq(spec(cm2, "holderIdentity"), holder, "still the same holder")

    # another holder that keeps renewing keeps it
    other = dict(cm2)
    other["spec"] = dict(cm2["spec"], holderIdentity="elsewhere_1", renewTime=micro_now())
    r = s.req("PUT", LEASES + "kube-controller-manager", other)
    t.eq(r.status, 200, "the Lease is handed to another holder (PUT)")
    end = time.time() + 6
    while time.time() < end:
        cur = lease(s, "kube-controller-manager")
        cur["spec"]["renewTime"] = micro_now()
        s.req("PUT", LEASES + "kube-controller-manager", cur)
        time.sleep(1)
    cur = lease(s, "kube-controller-manager")
    t.eq(spec(cur, "holderIdentity"), "elsewhere_1", "a Lease renewed by another holder is not taken")
    # that holder goes quiet: taken back after a lease duration
    taken = None
    end = time.time() + 25
    while time.time() < end and not taken:
        cur = lease(s, "kube-controller-manager")
        if spec(cur, "holderIdentity") == holder:
            taken = cur
        time.sleep(0.5)
    t.ok(taken, "once it stops renewing, the server takes the Lease back", json.dumps(cur))
    t.ok(spec(taken, "leaseTransitions", 0) >= 1, "leaseTransitions counted", json.dumps(taken))

    # a clean stop releases: the next server leads at once
    s.stop()
    s.start()
    cm3 = lease(s, "kube-controller-manager")
    h3 = spec(cm3, "holderIdentity", "")
    t.ok(h3 and h3 != holder, "after a clean restart the new server holds it at once",
         json.dumps(cm3))
    s.stop()

    s2 = Server(data_dir=s.data_dir, extra=["--controllers", "*,-scheduler"], name="nosched")
    s2.start()
    r = s2.req("DELETE", LEASES + "kube-scheduler")
    time.sleep(2.5)
    t.ok(r.status == 200 and lease(s2, "kube-scheduler") is None,
         "--controllers=*,-scheduler takes no kube-scheduler Lease", r)
    s2.stop()
    t.done()


if __name__ == "__main__":
    main()
