#!/usr/bin/env python3
"""Store ownership and integrity of skiff-server (issue 7).

1. Data-dir lock: a second server on the same --data-dir exits non-zero
   with a message naming the dir and the holder's pid, before it writes
   anything; the first keeps serving with its data and kubeconfig intact.
2. Full disk (a small tmpfs made here): a write whose commit fails gets a
   500 InternalError Status, never a closed connection; the failed batch is
   rolled back (no object, no ClusterIP/NodePort kept, no watch event);
   once space is back writes work and nothing acknowledged was lost; a
   restart on a full disk serves reads.
3. Store loss: an empty, truncated or garbage store.db in a data dir that
   held a cluster is refused (non-zero, a clear message) unless
   --reset-store is given.
4. Corrupt rows: a stored value that is not a JSON object and a history
   row of an unknown type are skipped with an error naming the key, counted
   in /metrics, never served raw.
"""
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import SERVER_BIN, Server, Tap, free_port, svc  # noqa: E402

t = Tap()
# Namespaces are the simplest objects to create; annotations give them size.
NSS = "/api/v1/namespaces"
SVCS = "/api/v1/namespaces/default/services"
BOOT = {"default", "kube-system", "kube-public", "kube-node-lease"}
BIG = {"blob": "x" * (250 * 1024)}  # under the 256 KiB annotation limit


def ns_obj(name, ann=None):
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": {"name": name, "annotations": ann or {"k": name}}}


def names(r):
    """The test's own namespaces in a LIST (not the bootstrap ones)."""
    return sorted(i["metadata"]["name"] for i in (r.json or {}).get("items", [])
                  if i["metadata"]["name"] not in BOOT)


def run_second(data_dir, port, extra=()):
    """Run a server that is expected to refuse to start; (rc, output)."""
    p = subprocess.run([SERVER_BIN, "--bind-address", "127.0.0.1", "--secure-port", str(port),
                        "--data-dir", data_dir, "--dns-bind-address", "off"] + list(extra),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL, timeout=30)
    return p.returncode, p.stdout.decode("utf-8", "replace")


def refuses(data_dir, port, extra=()):
    """(rc, output) of a start that must fail; a server that does start is
    a failed check (rc None) and is stopped."""
    try:
        return run_second(data_dir, port, extra)
    except subprocess.TimeoutExpired as e:
        return None, (e.output or b"").decode("utf-8", "replace")


# ------------------------------------------------------------------ 1. lock
def test_lock():
    a = Server(name="lock").start()
    t.eq(a.req("POST", NSS, ns_obj("keep")).status, 201, "first server: object created")
    with open(a.kubeconfig, "rb") as f:
        kc = f.read()
    for port, what in ((free_port(), "another port"), (a.port, "the same port")):
        rc, out = refuses(a.data_dir, port)
        t.ok(rc not in (None, 0), "a second server on %s exits non-zero (%r)" % (what, rc), out)
        t.ok(a.data_dir in out and ("pid %d" % a.pid) in out,
             "its message names the data dir and the holder's pid", out)
        with open(a.kubeconfig, "rb") as f:
            t.ok(f.read() == kc, "admin.kubeconfig was not rewritten by it")
    r = a.req("GET", NSS + "/keep")
    t.eq(r.status, 200, "the first server still serves its object")
    # the second server wrote nothing: the first one's next revision is free
    t.eq(a.req("POST", NSS, ns_obj("after")).status, 201, "the first server still writes")
    t.ok(a.proc.poll() is None, "the first server is still running", a.log_tail())
    t.eq(names(a.req("GET", NSS)), ["after", "keep"], "the first server's data is intact")
    a.cleanup()


# ------------------------------------------------------------------ 2. full disk
class TmpfsServer(Server):
    """A server whose data dir is on a small tmpfs; its log and the test's
    CA copy live elsewhere, so that a full disk does not hide them."""

    def __init__(self, data_dir, side_dir):
        super().__init__(data_dir=data_dir, name="full")
        self.store_dir = data_dir
        self.side = side_dir
        self.log_path = os.path.join(side_dir, "server.log")

    @property
    def kubeconfig(self):
        return os.path.join(self.store_dir, "admin.kubeconfig")

    def _load_creds(self):
        self.data_dir = self.side  # where the CA copy is written
        try:
            super()._load_creds()
        finally:
            self.data_dir = self.store_dir


def fill(path):
    """Write zeros until the file system is full (unbuffered: a buffered
    file would fail again when it is closed)."""
    with open(path, "wb", buffering=0) as f:
        for size in (65536, 4096, 1):
            block = b"\0" * size
            try:
                while f.write(block):
                    pass
            except OSError:
                pass


def internal_error(r):
    return (r.status == 500 and isinstance(r.json, dict) and r.json.get("kind") == "Status"
            and r.json.get("reason") == "InternalError"
            and r.message.startswith("Internal error occurred: store: "))


def test_full_disk():
    side = tempfile.mkdtemp(prefix="sk%d-side-" % os.getpid())
    mnt = os.path.join(side, "mnt")
    os.mkdir(mnt)
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mnt]).returncode:
        t.skip("full disk", "cannot mount a tmpfs (not root?)")
        shutil.rmtree(side, ignore_errors=True)
        return
    srv = None
    try:
        data = os.path.join(mnt, "data")
        srv = TmpfsServer(data, side).start()
        acked = []
        for i in range(5):
            if srv.req("POST", NSS, ns_obj("acked-%d" % i)).status == 201:
                acked.append("acked-%d" % i)
        t.eq(len(acked), 5, "writes on the tmpfs are acknowledged")
        rv0 = srv.req("GET", NSS).json["metadata"]["resourceVersion"]

        filler = os.path.join(mnt, "filler")
        fill(filler)
        big = BIG
        fails = []
        for name, body, path in (
                ("big-ns", ns_obj("big-ns", big), NSS),
                ("big-svc", dict(svc("big-svc", clusterIP="10.96.7.7", type="NodePort",
                                     ports=[{"port": 80, "nodePort": 30777}]),
                                 metadata={"name": "big-svc", "annotations": big}), SVCS)):
            r = srv.req("POST", path, body)
            fails.append(r)
            t.ok(internal_error(r), "%s on a full disk: 500 InternalError Status" % name, r)
        t.ok("No space left on device" in fails[0].message, "the Status names the cause",
             fails[0].message)
        t.ok(srv.proc.poll() is None, "the server is still running after the failed commit",
             srv.log_tail())
        t.eq(srv.req("GET", NSS + "/big-ns").status, 404, "the failed object is not served")
        t.eq(srv.req("GET", SVCS + "/big-svc").status, 404, "the failed Service is not served")
        t.eq(names(srv.req("GET", NSS)), sorted(acked), "reads still work on a full disk")

        os.unlink(filler)
        r = srv.req("POST", NSS, ns_obj("after", big))
        t.eq(r.status, 201, "space is back: a large write works again")
        # nothing of the failed Service was kept: its ClusterIP and NodePort are free
        r = srv.req("POST", SVCS, svc("reuse", clusterIP="10.96.7.7", type="NodePort",
                                      ports=[{"port": 80, "nodePort": 30777}]))
        t.ok(r.status == 201, "the failed Service's ClusterIP and NodePort were released", r)
        w = srv.req("GET", NSS + "?watch=1&resourceVersion=%s&timeoutSeconds=2" % rv0)
        evs = [json.loads(ln) for ln in w.body.decode().splitlines() if ln.strip()]
        seen = [(e["type"], e["object"]["metadata"]["name"]) for e in evs
                if e["type"] != "BOOKMARK"]
        t.eq(seen, [("ADDED", "after")], "watchers never see the failed writes")
        t.eq(names(srv.req("GET", NSS)), sorted(acked + ["after"]),
             "nothing acknowledged was lost")

        t.eq(srv.stop(), 0, "clean stop")
        fill(filler)
        srv.start()
        t.eq(names(srv.req("GET", NSS)), sorted(acked + ["after"]),
             "a restart on a full disk serves the stored objects")
        t.ok(internal_error(srv.req("POST", NSS, ns_obj("big-2", big))),
             "and refuses writes with 500 while the disk is full")
        srv.stop()
    finally:
        if srv:
            srv.kill()
        subprocess.run(["umount", "-l", mnt])
        shutil.rmtree(side, ignore_errors=True)


# ------------------------------------------------------------------ 3. store loss
def db_files(d):
    return [os.path.join(d, "store.db" + s) for s in ("", "-wal", "-shm")]


def test_store_loss():
    srv = Server(name="loss").start()
    for i in range(40):
        srv.req("POST", NSS, ns_obj("ns-%d" % i, {"pad": "p" * 8000}))
    t.eq(srv.stop(), 0, "clean stop")
    db = os.path.join(srv.data_dir, "store.db")
    with open(db, "rb") as f:
        good = f.read()
    t.ok(len(good) > 64 * 1024, "the store spans many pages (%d bytes)" % len(good))
    cluster = open(os.path.join(srv.data_dir, "cluster-id")).read().strip()

    for what, content in (("an empty", b""), ("a truncated", good[:len(good) // 2]),
                          ("a garbage", b"garbage!" * 4096)):
        for p in db_files(srv.data_dir):
            if os.path.exists(p):
                os.unlink(p)
        with open(db, "wb") as f:
            f.write(content)
        rc, out = refuses(srv.data_dir, free_port())
        t.ok(rc not in (None, 0), "%s store.db is refused (exit %r)" % (what, rc), out)
        t.ok("--reset-store" in out and db in out,
             "the message names the store and --reset-store", out)
        if what == "a truncated":
            t.ok("damaged" in out, "a truncated file is reported as damaged", out)
        if what == "an empty":
            t.ok(cluster in out, "the message names the cluster the data dir held", out)

    # the untouched store still starts (the checks above changed nothing else)
    with open(db, "wb") as f:
        f.write(good)
    srv.start()
    t.eq(len(names(srv.req("GET", NSS))), 40, "the restored store.db is served again")
    srv.stop()

    with open(db, "wb") as f:
        f.write(good[:len(good) // 2])
    srv.extra = ["--reset-store"]
    srv.start()
    srv.extra = []
    t.eq(names(srv.req("GET", NSS)), [], "--reset-store starts a new, empty cluster")
    t.ok(glob.glob(db + ".broken-*"), "the unreadable store.db was kept aside",
         os.listdir(srv.data_dir))
    t.ok(open(os.path.join(srv.data_dir, "cluster-id")).read().strip() != cluster,
         "the new cluster has a new identity")
    srv.stop()
    srv.start()
    t.ok(srv.req("GET", "/api/v1/namespaces/default").status == 200,
         "the new cluster restarts without the flag")
    srv.cleanup()


# ------------------------------------------------------------------ 4. corrupt rows
def metric(srv, name):
    for ln in srv.req("GET", "/metrics").body.decode().splitlines():
        if ln.startswith(name + " "):
            return float(ln.split()[1])
    return None


def test_corrupt_rows():
    srv = Server(name="corrupt").start()
    for n in ("a", "b", "c"):
        srv.req("POST", NSS, ns_obj(n))
    rv0 = srv.req("GET", NSS + "/a").json["metadata"]["resourceVersion"]
    t.eq(srv.req("PUT", NSS + "/c", ns_obj("c", {"k": "c2"})).status, 200, "update stored")
    t.eq(srv.stop(), 0, "clean stop")
    db = sqlite3.connect(os.path.join(srv.data_dir, "store.db"))
    db.execute("UPDATE kv SET value='{\"kind\":broken' WHERE key='/registry/namespaces/b'")
    db.execute("UPDATE log SET type=9 WHERE rev=(SELECT max(rev) FROM log WHERE "
               "key='/registry/namespaces/c')")
    db.commit()
    db.close()
    srv.start()
    r = srv.req("GET", NSS)
    t.ok(r.json is not None, "LIST is valid JSON", r.body[:300])
    t.eq(names(r), ["a", "c"], "the intact objects are served, the corrupt one is not")
    t.eq(srv.req("GET", NSS + "/b").status, 404, "the corrupt object is not served raw")
    log = open(srv.log_path).read()
    t.ok("key /registry/namespaces/b" in log, "the log names the corrupt key",
         srv.log_tail())
    t.ok("unknown event type" in log, "the log names the bad history row", srv.log_tail())
    t.ok((metric(srv, "skiff_store_corrupt_rows_total") or 0) >= 2,
         "skiff_store_corrupt_rows_total counts them",
         metric(srv, "skiff_store_corrupt_rows_total"))
    # replaying the history past the bad row must not read out of bounds
    w = srv.req("GET", NSS + "?watch=1&resourceVersion=%s&timeoutSeconds=1" % rv0)
    evs = [json.loads(ln) for ln in w.body.decode().splitlines() if ln.strip()]
    t.ok(all(e["type"] in ("ADDED", "MODIFIED", "DELETED", "BOOKMARK") for e in evs),
         "a watch replaying the history gets only valid events", evs)
    t.ok(srv.proc.poll() is None, "the server is still running", srv.log_tail())
    srv.cleanup()


def main():
    t.section("data-dir lock", test_lock)
    t.section("full disk", test_full_disk)
    t.section("store loss", test_store_loss)
    t.section("corrupt rows", test_corrupt_rows)
    t.done()


if __name__ == "__main__":
    main()
