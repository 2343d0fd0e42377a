#!/usr/bin/python3
"""kubectl's everyday commands, 1.32 (protobuf bodies) and 1.20 (JSON), each
run for real and its effect read back: create service clusterip / nodeport /
headless, run, expose, create deployment and namespace, and one multi-document
apply with a Deployment, a Service, a ConfigMap, a Secret and a StatefulSet
(then again: unchanged). Prints TAP."""
import base64
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
KUBECTLS = [("1.32", "kubectl"), ("1.20", "/opt/skiff/kubectl-1.20/usr/bin/kubectl")]

MULTI = """apiVersion: apps/v1
kind: Deployment
metadata: {name: web-%(tag)s}
spec:
  replicas: 2
  selector: {matchLabels: {app: web-%(tag)s}}
  template:
    metadata: {labels: {app: web-%(tag)s}}
    spec:
      containers: [{name: web, image: host, command: [sleep, "1000"], ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Service
metadata: {name: web-%(tag)s}
spec:
  selector: {app: web-%(tag)s}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg-%(tag)s}
data: {greeting: hello}
---
apiVersion: v1
kind: Secret
metadata: {name: sec-%(tag)s}
stringData: {password: s3cret}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db-%(tag)s}
spec:
  serviceName: db-%(tag)s
  replicas: 2
  selector: {matchLabels: {app: db-%(tag)s}}
  template:
    metadata: {labels: {app: db-%(tag)s}}
    spec:
      containers: [{name: db, image: host, command: [sleep, "1000"]}]
"""


def main():
    s = Server(name="kcreate").start()
    NS = "/api/v1/namespaces/default"
    for ver, exe in KUBECTLS:
        if exe != "kubectl" and not os.path.exists(exe):
            t.skip("kubectl %s" % ver, "not installed")
            continue
        tag = "k" + ver.replace(".", "")

        def k(*args, stdin=None):
            p = subprocess.run([exe, "--kubeconfig", s.kubeconfig] + list(args), input=stdin,
                               capture_output=True, text=True, timeout=60)
            return p.returncode, p.stdout + p.stderr

        def get(path):
            return s.req("GET", path)

        rc, out = k("create", "service", "clusterip", "ci-" + tag, "--tcp=80:8080")
        r = get(NS + "/services/ci-" + tag)
        t.ok(rc == 0 and r.status == 200 and r.json["spec"]["type"] == "ClusterIP" and
             r.json["spec"]["ports"][0]["targetPort"] == 8080 and
             r.json["spec"]["clusterIP"].startswith("10.96."),
             "kubectl %s create service clusterip" % ver, out)
        rc, out = k("create", "service", "clusterip", "hl-" + tag, "--clusterip=None",
                    "--tcp=80:80")
        r = get(NS + "/services/hl-" + tag)
        t.ok(rc == 0 and r.status == 200 and r.json["spec"]["clusterIP"] == "None",
             "kubectl %s create service clusterip --clusterip=None (headless)" % ver, out)
        rc, out = k("create", "service", "nodeport", "np-" + tag, "--tcp=80:8080")
        r = get(NS + "/services/np-" + tag)
        np = r.json["spec"]["ports"][0].get("nodePort", 0) if r.status == 200 else 0
        t.ok(rc == 0 and r.json["spec"]["type"] == "NodePort" and 30000 <= np <= 32767,
             "kubectl %s create service nodeport gets a node port (%s)" % (ver, np), out)
        rc, out = k("create", "namespace", "ns-" + tag)
        t.ok(rc == 0 and get("/api/v1/namespaces/ns-" + tag).status == 200,
             "kubectl %s create namespace" % ver, out)
        rc, out = k("create", "deployment", "dep-" + tag, "--image=host")
        r = get("/apis/apps/v1/namespaces/default/deployments/dep-" + tag)
        t.ok(rc == 0 and r.status == 200 and
             r.json["spec"]["template"]["spec"]["containers"][0]["image"] == "host",
             "kubectl %s create deployment" % ver, out)
        rc, out = k("run", "pod-" + tag, "--image=host", "--labels=app=pod-" + tag, "--",
                    "sleep", "1000")
        r = get(NS + "/pods/pod-" + tag)
        t.ok(rc == 0 and r.status == 200 and
             r.json["spec"]["containers"][0]["args"] == ["sleep", "1000"],
             "kubectl %s run creates the pod" % ver, out)
        rc, out = k("expose", "pod", "pod-" + tag, "--port=80", "--target-port=8080",
                    "--name=exp-" + tag)
        r = get(NS + "/services/exp-" + tag)
        t.ok(rc == 0 and r.status == 200 and r.json["spec"]["selector"] == {"app": "pod-" + tag}
             and r.json["spec"]["ports"][0]["targetPort"] == 8080,
             "kubectl %s expose pod makes a Service selecting it" % ver, out)
        rc, out = k("expose", "deployment", "dep-" + tag, "--port=80")
        r = get(NS + "/services/dep-" + tag)
        t.ok(rc == 0 and r.status == 200 and r.json["spec"]["selector"] == {"app": "dep-" + tag},
             "kubectl %s expose deployment" % ver, out)

        doc = MULTI % {"tag": tag}
        rc, out = k("apply", "-f", "-", stdin=doc)
        objs = [get("/apis/apps/v1/namespaces/default/deployments/web-" + tag),
                get(NS + "/services/web-" + tag), get(NS + "/configmaps/cfg-" + tag),
                get(NS + "/secrets/sec-" + tag),
                get("/apis/apps/v1/namespaces/default/statefulsets/db-" + tag)]
        t.ok(rc == 0 and all(o.status == 200 for o in objs),
             "kubectl %s apply of a 5-document file creates all five" % ver, out)
        sec = objs[3].json or {}
        t.ok(base64.b64decode(sec.get("data", {}).get("password", "")) == b"s3cret" and
             "stringData" not in sec, "kubectl %s apply: the Secret's stringData is stored as "
             "base64 data" % ver, json.dumps(sec)[:300])
        rvs = [o.json["metadata"]["resourceVersion"] for o in objs]
        rc, out = k("apply", "-f", "-", stdin=doc)
        again = [get(o.json["metadata"].get("selfLink") or p).json["metadata"]["resourceVersion"]
                 for o, p in zip(objs, [
                     "/apis/apps/v1/namespaces/default/deployments/web-" + tag,
                     NS + "/services/web-" + tag, NS + "/configmaps/cfg-" + tag,
                     NS + "/secrets/sec-" + tag,
                     "/apis/apps/v1/namespaces/default/statefulsets/db-" + tag])]
        # kubectl re-sends a Secret's stringData every time (it is never in
        # the live object) and says "configured", as against upstream; the
        # server folds it into the same data: nothing is written
        t.ok(rc == 0 and out.count("unchanged") == 4 and again == rvs,
             "kubectl %s apply again: unchanged, and no object got a new resourceVersion" % ver,
             out + "\n%s\n%s" % (rvs, again))
    t.ok(s.proc.poll() is None, "server alive at the end")
    t.done()


if __name__ == "__main__":
    main()
