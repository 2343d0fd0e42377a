"""Shared helpers for the skiff-server integration tests (imported, not run).

Starts a real skiff-server on 127.0.0.1 with a throw-away data dir, talks to
it over HTTPS with the generated CA and admin token (http.client + ssl only,
so the robustness test needs nothing beyond the standard library), and prints
TAP. This file is deliberately not executable: tests/run.sh runs only the
executable files in tests/integration/.
"""
import atexit
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import threading
import subprocess
import sys
import tempfile
import time
import traceback

BIN = os.environ.get("SKIFF_BIN", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build"))
SERVER_BIN = os.path.join(BIN, "skiff-server")
# ASan builds start slowly on a busy 2-core box.
START_TIMEOUT = 60.0

_servers = []


def free_port(kind=socket.SOCK_STREAM):
    """A port that is free on 127.0.0.1 right now (the kernel picks it).
    For SOCK_DGRAM the port is free for TCP too: the DNS server listens on
    both, and a UDP-only pick collided with busy TCP ports."""
    for _ in range(50):
        s = socket.socket(socket.AF_INET, kind)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        if kind != socket.SOCK_DGRAM:
            s.close()
            return port
        t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            t.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
        finally:
            t.close()
            s.close()
    raise RuntimeError("no free UDP+TCP port")


# For tests of the API itself that judge "nothing was stored" by the
# store's revision: only the controllers that keep the server's own objects
# run. The others write on their own (the leader Leases are renewed every
# 2 s; statuses, events), which would move the revision under the test.
API_ONLY = "--controllers=namespace,serviceaccount,clusterrole-aggregation"


class Tap:
    """TAP producer: the plan is printed at the end (valid TAP), so a test
    file need not count its checks up front."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, text, diag=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, text), flush=True)
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, text), flush=True)
            if diag is not None:
                for line in str(diag).splitlines()[:40]:
                    print("#   " + line, flush=True)
        return bool(cond)

    def skip(self, text, why):
        self.n += 1
        print("ok %d - %s # SKIP %s" % (self.n, text, why), flush=True)

    def eq(self, got, want, text):
        return self.ok(got == want, text, "got:  %r\nwant: %r" % (got, want))

    def section(self, name, fn, *args):
        """Run one group of checks; an exception is one failed check."""
        try:
            fn(*args)
        except Exception:  # noqa: BLE001 - report any failure as TAP
            self.ok(False, "%s raised" % name, traceback.format_exc())

    def done(self):
        print("1..%d" % self.n, flush=True)
        stop_all()
        sys.exit(1 if self.failed else 0)


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body) if body else None
        except (ValueError, RecursionError):
            self.json = None

    @property
    def message(self):
        return (self.json or {}).get("message", "") if isinstance(self.json, dict) else ""

    @property
    def reason(self):
        return (self.json or {}).get("reason", "") if isinstance(self.json, dict) else ""

    def __repr__(self):
        return "Resp(%d, %s)" % (self.status, self.body[:400])


class Server:
    """One skiff-server process; restartable on the same data dir."""

    def __init__(self, extra=(), data_dir=None, name="srv"):
        self.extra = list(extra)
        self.own_dir = data_dir is None
        self.data_dir = data_dir or tempfile.mkdtemp(prefix="sk%d-%s-" % (os.getpid(), name))
        self.port = None
        self.dns_port = None
        self.proc = None
        self.token = None
        self.ctx = None
        self.ca_file = None
        self.log_path = os.path.join(self.data_dir, "server.log")
        self.starts = 0
        _servers.append(self)

    def start(self):
        self.port = self.port or free_port()
        self.dns_port = self.dns_port or free_port(socket.SOCK_DGRAM)
        args = [SERVER_BIN, "--bind-address", "127.0.0.1", "--secure-port", str(self.port),
                "--data-dir", self.data_dir,
                "--dns-bind-address", "127.0.0.1:%d" % self.dns_port,
                "--dns-upstream", "127.0.0.1:%d" % free_port(socket.SOCK_DGRAM)] + self.extra
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        log.close()
        self.starts += 1
        deadline = time.time() + START_TIMEOUT
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("skiff-server exited with %d:\n%s"
                                   % (self.proc.returncode, self.log_tail()))
            if os.path.exists(self.kubeconfig) and self._healthy():
                self._load_creds()
                return self
            time.sleep(0.1)
        raise RuntimeError("skiff-server did not become healthy:\n" + self.log_tail())

    @property
    def kubeconfig(self):
        return os.path.join(self.data_dir, "admin.kubeconfig")

    @property
    def pid(self):
        return self.proc.pid

    def log_tail(self, n=30):
        try:
            with open(self.log_path, "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode("utf-8", "replace")
        except OSError:
            return ""

    def _healthy(self):
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            c = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx, timeout=2)
            c.request("GET", "/healthz")
            ok = c.getresponse().status == 200
            c.close()
            return ok
        except (OSError, http.client.HTTPException):
            return False

    def _load_creds(self):
        with open(self.kubeconfig) as f:
            text = f.read()
        self.token = re.search(r"^\s*token:\s*(\S+)", text, re.M).group(1)
        ca = base64.b64decode(re.search(r"certificate-authority-data:\s*(\S+)", text).group(1))
        self.ca_file = os.path.join(self.data_dir, "test-ca.crt")
        with open(self.ca_file, "wb") as f:
            f.write(ca)
        # Verify the server against the CA it generated; the serving cert
        # names 127.0.0.1, so hostname checking stays on.
        self.ctx = ssl.create_default_context(cafile=self.ca_file)

    def conn(self, timeout=30):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx,
                                           timeout=timeout)

    def req(self, method, path, body=None, headers=None, token=True, conn=None, timeout=30):
        """One request; body may be a dict (sent as JSON), str or bytes."""
        h = {"Accept": "application/json"}
        if token is True:
            h["Authorization"] = "Bearer " + self.token
        elif token:
            h["Authorization"] = token
        if isinstance(body, (dict, list)):
            body = json.dumps(body)
            h["Content-Type"] = "application/json"
        if isinstance(body, str):
            body = body.encode()
        h.update(headers or {})
        own = conn is None
        c = conn or self.conn(timeout)
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return Resp(r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read())
        finally:
            if own:
                c.close()

    def kill(self, sig=signal.SIGKILL):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode if self.proc else None

    def stop(self):
        """SIGTERM; returns the exit status (0 on a clean stop)."""
        return self.kill(signal.SIGTERM)

    def rss_peak_kb(self):
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return -1

    def cleanup(self):
        self.kill()
        if self.own_dir and not os.environ.get("SKIFF_KEEP_DATA"):
            shutil.rmtree(self.data_dir, ignore_errors=True)


def stop_all():
    for s in list(_servers):
        s.cleanup()
        _servers.remove(s)


def _on_signal(signum, frame):
    stop_all()
    sys.exit(128 + signum)


atexit.register(stop_all)
signal.signal(signal.SIGTERM, _on_signal)
signal.signal(signal.SIGINT, _on_signal)


def finalize_pods(srv, stop):
    """A kubelet's last step for a server without kubelets: every pod given
    a deletionTimestamp (a graceful deletion) is deleted with grace 0 and its
    uid as precondition, as a kubelet does once the pod has stopped. Runs
    until the Event stop is set (start it in a daemon thread)."""
    conn = None
    while not stop.is_set():
        try:
            conn = conn or srv.conn(timeout=5)
            r = srv.req("GET", "/api/v1/pods", conn=conn)
            for p in (r.json or {}).get("items", []) if r.status == 200 else []:
                md = p["metadata"]
                if md.get("deletionTimestamp"):
                    srv.req("DELETE", "/api/v1/namespaces/%s/pods/%s" % (md["namespace"],
                                                                        md["name"]),
                            {"apiVersion": "v1", "kind": "DeleteOptions",
                             "gracePeriodSeconds": 0, "preconditions": {"uid": md["uid"]}},
                            conn=conn)
        except (OSError, http.client.HTTPException, ValueError):
            conn = None
        stop.wait(0.1)


def start_finalizer(srv):
    """finalize_pods in a daemon thread; returns the Event that stops it."""
    stop = threading.Event()
    threading.Thread(target=finalize_pods, args=(srv, stop), daemon=True).start()
    return stop


def svc(name, port=80, **spec):
    """A minimal Service manifest."""
    s = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
         "spec": {"ports": [{"port": port}]}}
    s["spec"].update(spec)
    return s
