#!/usr/bin/python3
"""Issue 8's second batch of resources against a real skiff-server, with real
clients: batch/v1 Jobs and CronJobs, apps/v1 ControllerRevisions, core/v1
ResourceQuotas, LimitRanges and ReplicationControllers, the
HorizontalPodAutoscaler (stored as autoscaling/v2, also served as v1) and the
events.k8s.io/v1 view of core Events.

kubectl 1.32 and 1.20: create job/cronjob, a multi-document apply, get with
the upstream columns, autoscale, cluster-info dump, events in both groups;
python3-kubernetes: BatchV1Api, AutoscalingV1Api/V2Api on one HPA,
EventsV1Api list and watch; bad input: 422s naming the field, nothing stored.
Prints TAP."""
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import API_ONLY, Server, Tap  # noqa: E402

from kubernetes import client, config, watch  # noqa: E402

t = Tap()
K132 = "kubectl"
K120 = "/opt/skiff/kubectl-1.20/usr/bin/kubectl"

MANIFEST = """\
apiVersion: batch/v1
kind: Job
metadata: {name: pi}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: pi, image: perl, command: ["perl", "-e", "1"]}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: c, image: busybox}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 2
  maxReplicas: 5
  metrics:
  - type: Resource
    resource: {name: cpu, target: {type: Utilization, averageUtilization: 60}}
  - type: Pods
    pods:
      metric: {name: qps}
      target: {type: AverageValue, averageValue: "10"}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: compute}
spec:
  hard: {requests.cpu: "2", limits.memory: 4Gi, pods: "10"}
---
apiVersion: v1
kind: LimitRange
metadata: {name: defaults}
spec:
  limits:
  - type: Container
    default: {cpu: 500m}
    min: {cpu: 100m}
    max: {cpu: "2"}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: legacy}
spec:
  replicas: 2
  template:
    metadata: {labels: {app: legacy}}
    spec:
      containers: [{name: c, image: nginx}]
"""


def run(kubectl, srv, *args, stdin=None):
    p = subprocess.run([kubectl, "--kubeconfig", srv.kubeconfig] + list(args), input=stdin,
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def get_json(srv, path):
    r = srv.req("GET", path)
    return r.status, r.json


def check_discovery(srv):
    st, apis = get_json(srv, "/apis")
    groups = {g["name"]: g for g in apis["groups"]}
    t.ok("batch" in groups and "events.k8s.io" in groups, "discovery lists batch and events.k8s.io")
    a = groups.get("autoscaling", {})
    t.eq([v["version"] for v in a.get("versions", [])], ["v2", "v1"], "autoscaling versions")
    t.eq(a.get("preferredVersion", {}).get("version"), "v2", "autoscaling prefers v2")
    st, core = get_json(srv, "/api/v1")
    res = {r["name"]: r for r in core["resources"]}
    t.ok(res.get("resourcequotas", {}).get("shortNames") == ["quota"] and
         res.get("limitranges", {}).get("shortNames") == ["limits"] and
         res.get("replicationcontrollers", {}).get("shortNames") == ["rc"] and
         "replicationcontrollers/scale" in res and "replicationcontrollers/status" in res,
         "core/v1 lists quota, limits, rc (+/status, /scale)")
    st, b = get_json(srv, "/apis/batch/v1")
    br = {r["name"]: r for r in b["resources"]}
    t.ok(br.get("cronjobs", {}).get("shortNames") == ["cj"] and
         "all" in br.get("jobs", {}).get("categories", []), "batch/v1: cj shortName, jobs in all")


def generator_132(srv, what, *args):
    """A kubectl 1.32 generator command: its protobuf body is a SKIP until decoded."""
    rc, out, err = run(K132, srv, *args)
    if rc != 0 and ("UnsupportedMediaType" in err or "in an unknown format" in err):
        t.skip("kubectl 1.32 " + what, "protobuf request bodies not decoded yet (415)")
    else:
        t.ok(rc == 0, "kubectl 1.32 " + what, err)
    return rc


def check_kubectl_create(srv):
    rc, out, err = run(K120, srv, "create", "job", "j120", "--image=host", "--", "true")
    t.ok(rc == 0, "kubectl 1.20 create job", err)
    st, job = get_json(srv, "/apis/batch/v1/namespaces/default/jobs/j120")
    uid = (job or {}).get("metadata", {}).get("uid")
    spec = (job or {}).get("spec", {})
    t.ok(st == 200 and spec.get("selector") == {"matchLabels": {
        "batch.kubernetes.io/controller-uid": uid}} and spec.get("manualSelector") is False,
        "the Job's selector is generated from its uid", job)
    labels = spec.get("template", {}).get("metadata", {}).get("labels", {})
    t.eq(labels, {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name":
                  "j120", "controller-uid": uid, "job-name": "j120"}, "the pod template's labels")
    t.ok(spec.get("backoffLimit") == 6 and spec.get("completions") == 1 and
         spec.get("parallelism") == 1 and spec.get("completionMode") == "NonIndexed",
         "Job defaults", spec)
    # kubectl 1.32 sends its generator bodies as protobuf
    generator_132(srv, "create job", "create", "job", "j132", "--image=host", "--", "true")
    rc, out, err = run(K132, srv, "create", "job", "j132j", "--image=host", "-o", "json",
                       "--dry-run=client", "--", "true")
    rc2, out2, err2 = run(K132, srv, "create", "-f", "-", stdin=out)
    t.ok(rc == 0 and rc2 == 0, "kubectl 1.32 create job (JSON through create -f)", err + err2)
    # (kubectl 1.20's create cronjob writes batch/v1beta1, which 1.25+ no longer serve)
    generator_132(srv, "create cronjob", "create", "cronjob", "cj132p", "--image=busybox",
                  "--schedule=*/5 * * * *", "--", "date")
    rc, out, err = run(K132, srv, "create", "cronjob", "cj132", "--image=busybox",
                       "--schedule=@hourly", "-o", "json", "--dry-run=client")
    rc2, out2, err2 = run(K132, srv, "create", "-f", "-", stdin=out)
    t.ok(rc == 0 and rc2 == 0, "kubectl 1.32 create cronjob", err + err2)


def check_apply_and_get(srv):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(MANIFEST)
    for k in (K132, K120):
        rc, out, err = run(k, srv, "apply", "-f", f.name)
        t.ok(rc == 0 and out.count("\n") == 6, "%s apply of six kinds" % os.path.basename(k),
             out + err)
    os.unlink(f.name)
    rc, out, err = run(K132, srv, "get", "jobs,cj,hpa,quota,limits,rc")
    t.ok(rc == 0, "kubectl get jobs,cj,hpa,quota,limits,rc", err)
    lines = out.splitlines()
    heads = [l.split() for l in lines if l.startswith("NAME")]
    t.ok(["NAME", "STATUS", "COMPLETIONS", "DURATION", "AGE"] in heads, "Job columns", out)
    t.ok(["NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST", "SCHEDULE", "AGE"] in heads,
         "CronJob columns", out)
    t.ok(["NAME", "REFERENCE", "TARGETS", "MINPODS", "MAXPODS", "REPLICAS", "AGE"] in heads,
         "HPA columns", out)
    t.ok(["NAME", "AGE", "REQUEST", "LIMIT"] in heads, "ResourceQuota columns", out)
    t.ok(["NAME", "CREATED", "AT"] in heads, "LimitRange columns", out)
    t.ok(["NAME", "DESIRED", "CURRENT", "READY", "AGE"] in heads, "RC columns", out)
    row = [l.split() for l in lines if l.startswith("job.batch/pi ")]
    t.ok(row and row[0][1:3] == ["Running", "0/1"], "Job row: Running 0/1", out)
    row = [l for l in lines if l.startswith("cronjob.batch/nightly ")]
    t.ok(row and row[0].split()[1:8] == ["0", "3", "*", "*", "*", "<none>", "False"],
         "CronJob row: schedule, <none> zone, False", out)
    row = [l for l in lines if l.startswith("horizontalpodautoscaler.autoscaling/web ")]
    t.ok(row and "Deployment/web" in row[0] and "cpu: <unknown>/60%, <unknown>/10" in row[0],
         "HPA row: reference and targets", out)
    row = [l.split() for l in lines if l.startswith("replicationcontroller/legacy ")]
    t.ok(row and row[0][1:4] == ["2", "0", "0"], "RC row: 2 0 0", out)
    rc, out, err = run(K120, srv, "get", "jobs,cj,hpa,quota,limits,rc")
    t.ok(rc == 0 and "nightly" in out and "legacy" in out, "kubectl 1.20 get of the six", err)
    rc, out, err = run(K132, srv, "scale", "rc", "legacy", "--replicas=3")
    st, obj = get_json(srv, "/api/v1/namespaces/default/replicationcontrollers/legacy")
    t.ok(rc == 0 and obj["spec"]["replicas"] == 3, "kubectl scale rc (/scale)", err)
    st, sc = get_json(srv, "/api/v1/namespaces/default/replicationcontrollers/legacy/scale")
    t.eq(sc.get("status", {}).get("selector"), "app=legacy", "RC scale selector from the map")
    rc, out, err = run(K132, srv, "cluster-info", "dump", "--output-directory",
                       tempfile.mkdtemp(prefix="skdump"))
    t.ok(rc == 0, "kubectl cluster-info dump", err)


def check_autoscale(srv):
    dep = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
           "spec": {"selector": {"matchLabels": {"app": "api"}}, "template": {
               "metadata": {"labels": {"app": "api"}},
               "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}
    r = srv.req("POST", "/apis/apps/v1/namespaces/default/deployments", dep)
    t.ok(r.status == 201, "deployment for autoscale", r)
    rc, out, err = run(K120, srv, "autoscale", "deployment", "api", "--min=2", "--max=7",
                       "--cpu-percent=70")
    t.ok(rc == 0, "kubectl 1.20 autoscale deployment", err)
    dep["metadata"]["name"] = "api2"
    srv.req("POST", "/apis/apps/v1/namespaces/default/deployments", dep)
    if not generator_132(srv, "autoscale deployment", "autoscale", "deployment", "api2",
                         "--max=3"):
        st, h = get_json(srv, "/apis/autoscaling/v2/namespaces/default/"
                         "horizontalpodautoscalers/api2")
        t.ok(st == 200 and h["spec"]["metrics"][0]["resource"]["target"].get(
            "averageUtilization") == 80, "no --cpu-percent: the 80% default", h)
    st, v2 = get_json(srv, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/api")
    t.ok(st == 200 and v2["spec"]["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 70}}}] and
        v2["spec"]["minReplicas"] == 2, "autoscale's HPA read as v2", v2)
    st, v1 = get_json(srv, "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/api")
    t.ok(st == 200 and v1["apiVersion"] == "autoscaling/v1" and
         v1["spec"].get("targetCPUUtilizationPercentage") == 70 and "metrics" not in v1["spec"],
         "and read as v1", v1)


def api_clients(srv):
    cfg = client.Configuration()
    config.load_kube_config(config_file=srv.kubeconfig, client_configuration=cfg)
    return client.ApiClient(cfg)


def check_python(srv):
    api = api_clients(srv)
    batch = client.BatchV1Api(api)
    job = client.V1Job(metadata=client.V1ObjectMeta(name="pyjob"), spec=client.V1JobSpec(
        template=client.V1PodTemplateSpec(spec=client.V1PodSpec(
            restart_policy="OnFailure", containers=[client.V1Container(name="c",
                                                                       image="busybox")]))))
    created = batch.create_namespaced_job("default", job)
    t.ok(created.spec.selector.match_labels.get("batch.kubernetes.io/controller-uid") ==
         created.metadata.uid, "python create_namespaced_job")
    names = [j.metadata.name for j in batch.list_namespaced_job("default").items]
    t.ok("pyjob" in names and "pi" in names, "python list_namespaced_job", names)
    cjs = batch.list_namespaced_cron_job("default").items
    t.ok(any(c.metadata.name == "nightly" and c.spec.concurrency_policy == "Allow" for c in cjs),
         "python list_namespaced_cron_job")

    v1 = client.AutoscalingV1Api(api)

    # python3-kubernetes 22.6 has no autoscaling/v2 API class (and its v2beta2
    # models insist on status.conditions): the v2 paths through its ApiClient
    def v2_path(name, sub=""):
        return ("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/%s%s" %
                (name, sub))

    def v2_read(name):
        return api.call_api(v2_path(name), "GET", response_type="object",
                            auth_settings=["BearerToken"], _return_http_data_only=True)

    def v2_replace_status(name, body):
        return api.call_api(v2_path(name, "/status"), "PUT", body=body,
                            header_params={"Content-Type": "application/json"},
                            response_type="object", auth_settings=["BearerToken"], _return_http_data_only=True)
    h1 = client.V1HorizontalPodAutoscaler(
        metadata=client.V1ObjectMeta(name="pyhpa"),
        spec=client.V1HorizontalPodAutoscalerSpec(
            scale_target_ref=client.V1CrossVersionObjectReference(
                api_version="apps/v1", kind="Deployment", name="api"),
            max_replicas=4, target_cpu_utilization_percentage=55))
    v1.create_namespaced_horizontal_pod_autoscaler("default", h1)
    g2 = v2_read("pyhpa")
    t.ok(g2["spec"]["metrics"] == [{"type": "Resource", "resource": {"name": "cpu", "target": {
        "type": "Utilization", "averageUtilization": 55}}}] and g2["spec"]["minReplicas"] == 1,
        "python: a v1 HPA read through autoscaling/v2", g2)
    # status written as v2 reads back as v1's currentCPUUtilizationPercentage
    g2["status"] = {"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [{
        "type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 42}}}],
        "conditions": [{"type": "AbleToScale", "status": "True", "reason": "ReadyForNewScale",
                        "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
    v2_replace_status("pyhpa", g2)
    g1 = v1.read_namespaced_horizontal_pod_autoscaler("pyhpa", "default")
    t.ok(g1.status.current_cpu_utilization_percentage == 42 and
         g1.status.current_replicas == 3, "python: v2 status read as v1")
    ann = g1.metadata.annotations or {}
    t.ok("autoscaling.alpha.kubernetes.io/conditions" in ann and
         "autoscaling.alpha.kubernetes.io/current-metrics" in ann,
         "v1 carries conditions and current metrics in annotations", ann)
    # a v1 write of that object keeps the v2-only parts
    g1.spec.max_replicas = 6
    v1.replace_namespaced_horizontal_pod_autoscaler("pyhpa", "default", g1)
    st, raw = get_json(srv, "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/"
                       "pyhpa")
    t.ok(raw["spec"]["maxReplicas"] == 6 and raw["status"].get("conditions") and
         not raw["metadata"].get("annotations"), "a v1 round trip loses nothing", raw)
    # a merge patch through v1 applies to the v1 form
    r = srv.req("PATCH", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/pyhpa",
                {"spec": {"targetCPUUtilizationPercentage": 65}},
                headers={"Content-Type": "application/merge-patch+json"})
    st, raw = get_json(srv, v2_path("pyhpa"))
    t.ok(r.status == 200 and r.json["spec"].get("targetCPUUtilizationPercentage") == 65 and
         raw["spec"]["metrics"][0]["resource"]["target"]["averageUtilization"] == 65,
         "PATCH through v1 changes the stored v2 metric", r)
    v2pods = v2_read("web")
    g1 = v1.read_namespaced_horizontal_pod_autoscaler("web", "default")
    t.ok(g1.spec.target_cpu_utilization_percentage == 60 and
         "autoscaling.alpha.kubernetes.io/metrics" in (g1.metadata.annotations or {}) and
         len(v2pods["spec"]["metrics"]) == 2, "the Pods metric travels in v1's annotation")

    ev = client.EventsV1Api(api)
    core = client.CoreV1Api(api)
    q = queue.Queue()
    w = watch.Watch()

    def watcher():
        try:
            for e in w.stream(ev.list_namespaced_event, "default", timeout_seconds=20):
                q.put(e)
        except Exception as exc:  # noqa: BLE001 - handed to the test
            q.put(exc)
    th = threading.Thread(target=watcher, daemon=True)
    th.start()
    time.sleep(0.5)
    core.create_namespaced_event("default", client.CoreV1Event(
        metadata=client.V1ObjectMeta(name="pyev"), involved_object=client.V1ObjectReference(
            kind="Pod", name="web-1", namespace="default"), reason="Started",
        message="Started container", type="Normal", count=1,
        source=client.V1EventSource(component="kubelet", host="node1"),
        first_timestamp="2024-01-01T00:00:00Z", last_timestamp="2024-01-01T00:00:00Z",
        # the python models of events.k8s.io/v1 refuse a null eventTime (which
        # core events written without one show there, upstream too)
        event_time="2024-01-01T00:00:00.000000Z"))
    got = None
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            e = q.get(timeout=1)
        except queue.Empty:
            continue
        if isinstance(e, Exception):
            got = e
            break
        if e["object"].metadata.name == "pyev":
            got = e
            break
    w.stop()
    t.ok(isinstance(got, dict) and got["type"] == "ADDED" and
         got["raw_object"]["apiVersion"] == "events.k8s.io/v1" and
         got["object"].regarding.name == "web-1" and got["object"].note == "Started container"
         and got["object"].deprecated_source.component == "kubelet",
         "python: events.k8s.io watch sees the core Event converted", got)
    lst = ev.list_namespaced_event("default").items
    t.ok(any(x.metadata.name == "pyev" and x.deprecated_count == 1 for x in lst),
         "python: events.k8s.io list")
    # and the other way: an events.k8s.io Event read as a core Event
    ev.create_namespaced_event("default", client.EventsV1Event(
        metadata=client.V1ObjectMeta(name="newev"), event_time="2024-01-01T00:00:00.000000Z",
        reporting_controller="example.com/ctl", reporting_instance="ctl-1", action="Sync",
        reason="Synced", note="synced", type="Normal",
        regarding=client.V1ObjectReference(kind="Pod", name="web-2", namespace="default")))
    c = core.read_namespaced_event("newev", "default")
    t.ok(c.involved_object.name == "web-2" and c.message == "synced" and
         c.reporting_component == "example.com/ctl", "python: events.k8s.io create, core read")


def check_events_kubectl(srv):
    rc, out, err = run(K132, srv, "get", "events")
    rc2, out2, err2 = run(K132, srv, "get", "events.v1.events.k8s.io")
    t.ok(rc == 0 and rc2 == 0 and "pod/web-1" in out and "pod/web-1" in out2 and
         "Started container" in out2, "kubectl get events in both groups", out + err + out2 + err2)
    rc, out, err = run(K132, srv, "get", "events.v1.events.k8s.io", "pyev", "-o", "json")
    j = json.loads(out) if rc == 0 else {}
    t.ok(j.get("regarding", {}).get("name") == "web-1" and j.get("note") == "Started container"
         and j.get("deprecatedCount") == 1 and "involvedObject" not in j,
         "kubectl -o json of the events.k8s.io view", out + err)
    # deletecollection through the view: its items in the view's form
    r = srv.req("DELETE", "/apis/events.k8s.io/v1/namespaces/default/events?fieldSelector="
                "metadata.name%3Dnewev")
    items = (r.json or {}).get("items", [])
    t.ok(r.status == 200 and r.json.get("kind") == "EventList" and len(items) == 1 and
         items[0].get("apiVersion") == "events.k8s.io/v1" and items[0].get("note") == "synced",
         "deletecollection of events.k8s.io answers the view", r)
    t.eq(srv.req("GET", "/api/v1/namespaces/default/events/newev").status, 404,
         "and the core Event is gone")


def check_bad_input(srv):
    bad_job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "badjob"},
               "spec": {"template": {"spec": {"restartPolicy": "Always", "containers": [
                   {"name": "c", "image": "x"}]}}}}
    r = srv.req("POST", "/apis/batch/v1/namespaces/default/jobs", bad_job)
    t.ok(r.status == 422 and 'spec.template.spec.restartPolicy: Unsupported value: "Always": '
         'supported values: "OnFailure", "Never"' in r.message, "Job restartPolicy Always: 422",
         r)
    bad_cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "badcj"},
              "spec": {"schedule": "61 * * * *", "jobTemplate": {"spec": {"template": {
                  "spec": {"restartPolicy": "Never", "containers": [
                      {"name": "c", "image": "x"}]}}}}}}
    r = srv.req("POST", "/apis/batch/v1/namespaces/default/cronjobs", bad_cj)
    t.ok(r.status == 422 and 'spec.schedule: Invalid value: "61 * * * *": end of range (61) '
         'above maximum (59): 61' in r.message, "CronJob bad schedule: 422", r)
    bad_cj["spec"]["schedule"] = "* * *"
    r = srv.req("POST", "/apis/batch/v1/namespaces/default/cronjobs", bad_cj)
    t.ok(r.status == 422 and "expected exactly 5 fields, found 3: [* * *]" in r.message,
         "CronJob with 3 fields: 422", r)
    bad_q = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "badq"},
             "spec": {"hard": {"cpu": "lots"}}}
    r = srv.req("POST", "/api/v1/namespaces/default/resourcequotas", bad_q)
    t.ok(r.status == 422 and 'spec.hard[cpu]: Invalid value: "lots": quantities must match' in
         r.message, "quota bad quantity: 422", r)
    for path in ("/apis/batch/v1/namespaces/default/jobs/badjob",
                 "/apis/batch/v1/namespaces/default/cronjobs/badcj",
                 "/api/v1/namespaces/default/resourcequotas/badq"):
        t.eq(srv.req("GET", path).status, 404, "nothing stored: " + path.rsplit("/", 1)[1])
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        json.dump(bad_job, f)
    rc, out, err = run(K132, srv, "apply", "-f", f.name)
    os.unlink(f.name)
    t.ok(rc != 0 and "spec.template.spec.restartPolicy" in err, "kubectl shows the field", err)
    bad_ev = {"apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": {"name": "e2"},
              "type": "Normal", "reason": "X", "action": "Y",
              "regarding": {"kind": "Pod", "name": "p"}}
    r = srv.req("POST", "/apis/events.k8s.io/v1/namespaces/default/events", bad_ev)
    t.ok(r.status == 422 and "eventTime: Required value" in r.message and
         "reportingController: Required value" in r.message and
         r.json.get("details", {}).get("group") == "events.k8s.io",
         "events.k8s.io create checks its own fields", r)
    bad_hpa = {"apiVersion": "autoscaling/v1", "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": "bh"}, "spec": {"scaleTargetRef": {"kind": "Deployment",
                                                                       "name": "x"},
                                                    "minReplicas": 3, "maxReplicas": 2}}
    r = srv.req("POST", "/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers",
                bad_hpa)
    t.ok(r.status == 422 and "spec.maxReplicas: Invalid value: 2: must be greater than or equal"
         " to `minReplicas`" in r.message, "HPA max < min: 422 through v1", r)


def main():
    # the events.k8s.io view of core Events: no controller events besides
    srv = Server(extra=[API_ONLY], name="resb")
    srv.start()
    t.section("discovery", check_discovery, srv)
    t.section("kubectl create", check_kubectl_create, srv)
    t.section("apply and get", check_apply_and_get, srv)
    t.section("autoscale", check_autoscale, srv)
    t.section("python", check_python, srv)
    t.section("events kubectl", check_events_kubectl, srv)
    t.section("bad input", check_bad_input, srv)
    t.done()


main()
