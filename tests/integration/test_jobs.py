#!/usr/bin/python3
"""The Job controller inside skiff-server, API-only: no kubelet, no
scheduler, no node lifecycle (--controllers=*,-scheduler,-nodelifecycle);
the test plays the kubelet by setting pods' phase (Succeeded, Failed)
through pods/<name>/status. Covers: pods of a Job (generateName, labels,
ownerReference, the job-tracking finalizer, events), completions 3 with
parallelism 2 (never more than 2 active, Complete after 3 succeeded,
completionTime), backoffLimit (a failed pod replaced after the back-off,
then Failed BackoffLimitExceeded with no active pod), activeDeadlineSeconds
(DeadlineExceeded), suspend and resume, ttlSecondsAfterFinished, and real
kubectl: create job, wait --for=condition=complete, get jobs (1.32, 1.20).
Prints TAP."""
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
NS = "/api/v1/namespaces/default"
BATCH = "/apis/batch/v1/namespaces/default"
MERGE = {"Content-Type": "application/merge-patch+json"}
K132 = "kubectl"
K120 = "/opt/skiff/kubectl-1.20/usr/bin/kubectl"
S = None


def kubectl(exe, *args, timeout=60):
    p = subprocess.run([exe, "--kubeconfig", S.kubeconfig] + list(args), capture_output=True,
                       text=True, timeout=timeout)
    return p.returncode, p.stdout + p.stderr


def job(name, **spec):
    j = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
         "spec": {"template": {"spec": {"restartPolicy": "Never", "containers": [
             {"name": "c", "image": "busybox", "command": ["true"]}]}}}}
    j["spec"].update(spec)
    return j


def until(fn, timeout=20.0, step=0.1):
    end = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > end:
            return v
        time.sleep(step)


def get(path):
    r = S.req("GET", path)
    return r.json if r.status == 200 else None


def pods(name, active=True):
    r = S.req("GET", NS + "/pods?labelSelector=batch.kubernetes.io/job-name%3D" + name)
    out = (r.json or {}).get("items", [])
    if active:
        out = [p for p in out if (p.get("status") or {}).get("phase") not in
               ("Failed", "Succeeded") and not p["metadata"].get("deletionTimestamp")]
    return out


def finish(p, phase):
    st = {"status": {"phase": phase}}
    return S.req("PATCH", NS + "/pods/%s/status" % p["metadata"]["name"], st, MERGE).status


def status(name):
    return (get(BATCH + "/jobs/" + name) or {}).get("status") or {}


def cond(name, type_):
    for c in status(name).get("conditions") or []:
        if c.get("type") == type_ and c.get("status") == "True":
            return c
    return None


def events(name, reason):
    r = S.req("GET", NS + "/events")
    return [e for e in (r.json or {}).get("items", []) if e.get("reason") == reason
            and e["involvedObject"].get("name") == name]


def test_completions():
    r = S.req("POST", BATCH + "/jobs", job("pi", completions=3, parallelism=2))
    t.eq(r.status, 201, "create Job pi (completions 3, parallelism 2)")
    uid = r.json["metadata"]["uid"]
    ps = until(lambda: len(pods("pi")) == 2 and pods("pi"))
    t.eq(len(ps or []), 2, "two pods run at once")
    p = (ps or [{}])[0]
    md = p.get("metadata", {})
    t.ok(md.get("name", "").startswith("pi-") and md.get("generateName") == "pi-",
         "  named from generateName pi- (%s)" % md.get("name"))
    lb = md.get("labels", {})
    t.eq([lb.get(k) for k in ("batch.kubernetes.io/job-name", "job-name",
                              "batch.kubernetes.io/controller-uid", "controller-uid")],
         ["pi", "pi", uid, uid], "  labelled with the Job's name and uid")
    ref = (md.get("ownerReferences") or [{}])[0]
    t.eq((ref.get("kind"), ref.get("name"), ref.get("uid"), ref.get("controller"),
          ref.get("blockOwnerDeletion")), ("Job", "pi", uid, True, True),
         "  owned by the Job (controller, blockOwnerDeletion)")
    t.eq(md.get("finalizers"), ["batch.kubernetes.io/job-tracking"],
         "  with the job-tracking finalizer")
    st = until(lambda: status("pi").get("active") == 2 and status("pi"))
    t.ok(st and st.get("startTime") and st.get("ready") == 0 and st.get("terminating") == 0
         and st.get("uncountedTerminatedPods") == {}, "status: active 2, ready 0, "
         "terminating 0, startTime, uncountedTerminatedPods {}", st)
    t.ok(until(lambda: len(events("pi", "SuccessfulCreate")) >= 1), "SuccessfulCreate event")
    e = events("pi", "SuccessfulCreate")
    t.ok(e and e[0]["message"].startswith("Created pod: pi-"), "  'Created pod: pi-...'",
         e and e[0]["message"])
    most = 0
    for _ in range(3):
        ps = until(lambda: pods("pi"), 10)
        most = max(most, len(ps or []))
        t.eq(finish(ps[0], "Succeeded"), 200, "pod %s Succeeded" % ps[0]["metadata"]["name"])
        time.sleep(0.3)
        most = max(most, len(pods("pi")))
    t.ok(until(lambda: cond("pi", "Complete")), "Job Complete after 3 succeeded", status("pi"))
    st = status("pi")
    t.ok(most <= 2, "never more than 2 active (most %d)" % most)
    t.eq((st.get("succeeded"), st.get("active"), st.get("failed")), (3, None, None),
         "status: succeeded 3, no active, no failed")
    t.ok(st.get("completionTime"), "completionTime set")
    c = cond("pi", "SuccessCriteriaMet")
    t.ok(c and c.get("reason") == "CompletionsReached", "SuccessCriteriaMet CompletionsReached",
         st.get("conditions"))
    t.eq(len(pods("pi", False)), 3, "exactly 3 pods were made")
    t.ok(all(not p["metadata"].get("finalizers") for p in pods("pi", False)),
         "finished pods lost the finalizer (counted)")
    t.ok(until(lambda: events("pi", "Completed")), "Completed event")
    e = events("pi", "Completed")
    t.eq(e and e[0]["message"], "Job completed", "  'Job completed'")


def test_backoff():
    S.req("POST", BATCH + "/jobs", job("flaky", parallelism=2, completions=5, backoffLimit=2))
    ps = until(lambda: len(pods("flaky")) == 2 and pods("flaky"))
    t.eq(len(ps or []), 2, "Job flaky: 2 pods")
    finish(ps[0], "Failed")
    t.ok(until(lambda: status("flaky").get("failed") == 1), "a Failed pod counts: failed 1")
    time.sleep(1)
    t.eq(len(pods("flaky")), 1, "not replaced at once (pod failure back-off)")
    t.ok(until(lambda: len(pods("flaky")) == 2, 15), "replaced after the back-off (10 s)")
    for p in pods("flaky"):
        finish(p, "Failed")
    c = until(lambda: cond("flaky", "Failed"))
    t.ok(c, "3 failures > backoffLimit 2: Failed", status("flaky"))
    t.eq(c and (c.get("reason"), c.get("message")),
         ("BackoffLimitExceeded", "Job has reached the specified backoff limit"),
         "  reason BackoffLimitExceeded, upstream's message")
    t.ok(cond("flaky", "FailureTarget"), "  FailureTarget condition too")
    st = status("flaky")
    t.eq((st.get("failed"), st.get("active")), (3, None), "status: failed 3, no active")
    time.sleep(0.5)
    t.eq(len(pods("flaky")), 0, "no active pods and none made")
    t.ok(until(lambda: events("flaky", "BackoffLimitExceeded")), "BackoffLimitExceeded event")


def test_deadline():
    S.req("POST", BATCH + "/jobs", job("slow", activeDeadlineSeconds=2))
    t.ok(until(lambda: len(pods("slow")) == 1), "Job slow (activeDeadlineSeconds 2): 1 pod")
    c = until(lambda: cond("slow", "Failed"), 8)
    t.eq(c and (c.get("reason"), c.get("message")),
         ("DeadlineExceeded", "Job was active longer than specified deadline"),
         "Failed DeadlineExceeded after 2 s")
    t.eq(len(pods("slow")), 0, "its running pod deleted")
    t.eq(status("slow").get("failed"), 1, "  and counted as failed (upstream)")
    t.ok(events("slow", "SuccessfulDelete"), "SuccessfulDelete event")


def test_suspend():
    S.req("POST", BATCH + "/jobs", job("nap", parallelism=2, completions=4))
    t.ok(until(lambda: len(pods("nap")) == 2), "Job nap: 2 pods")
    S.req("PATCH", BATCH + "/jobs/nap", {"spec": {"suspend": True}}, MERGE)
    t.ok(until(lambda: cond("nap", "Suspended")), "suspend: condition Suspended")
    c = cond("nap", "Suspended") or {}
    t.eq((c.get("reason"), c.get("message")), ("JobSuspended", "Job suspended"),
         "  JobSuspended 'Job suspended'")
    t.ok(until(lambda: not pods("nap")), "  active pods deleted")
    st = status("nap")
    t.eq((st.get("active"), st.get("failed")), (None, None), "  no active, not failures")
    S.req("PATCH", BATCH + "/jobs/nap", {"spec": {"suspend": False}}, MERGE)
    t.ok(until(lambda: len(pods("nap")) == 2), "resume: 2 pods again")
    c = [x for x in status("nap").get("conditions") or [] if x["type"] == "Suspended"]
    t.eq(c and (c[0]["status"], c[0]["reason"]), ("False", "JobResumed"),
         "  Suspended False JobResumed")


def test_ttl():
    S.req("POST", BATCH + "/jobs", job("brief", ttlSecondsAfterFinished=1))
    ps = until(lambda: pods("brief"))
    finish(ps[0], "Succeeded")
    # with a 1 s ttl a busy machine's poll can miss the Complete Job: gone
    # counts too (only a finished Job is deleted by its ttl)
    t.ok(until(lambda: cond("brief", "Complete") or get(BATCH + "/jobs/brief") is None),
         "Job brief (ttlSecondsAfterFinished 1) done")
    t.ok(until(lambda: get(BATCH + "/jobs/brief") is None, 8), "  deleted after its ttl")
    t.ok(until(lambda: not pods("brief", False), 8), "  its pods removed by the GC")


def test_kubectl():
    rc, out = kubectl(K132, "create", "job", "x", "--image=busybox")
    t.ok(rc == 0, "kubectl create job x --image=busybox", out)
    p = until(lambda: pods("x"))
    t.ok(p, "its pod made")
    w = subprocess.Popen([K132, "--kubeconfig", S.kubeconfig, "wait", "--for=condition=complete",
                          "job/x", "--timeout=30s"], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    time.sleep(0.5)
    t.ok(w.poll() is None, "kubectl wait --for=condition=complete waits")
    finish(p[0], "Succeeded")
    out = w.communicate(timeout=40)[0]
    t.eq((w.returncode, out.strip()), (0, "job.batch/x condition met"), "  returns when done")
    for exe, ver in ((K132, "1.32"), (K120, "1.20")):
        rc, out = kubectl(exe, "get", "jobs")
        row = [ln.split() for ln in out.splitlines() if ln.startswith("pi ")]
        head = out.splitlines()[0].split() if out else []
        t.ok(rc == 0 and "COMPLETIONS" in head and row and
             row[0][head.index("COMPLETIONS")] == "3/3",
             "kubectl %s get jobs: pi COMPLETIONS 3/3" % ver, out)


def main():
    global S
    S = Server(extra=["--controllers=*,-scheduler,-nodelifecycle"], name="jobs").start()
    for name, fn in [("completions", test_completions), ("backoff", test_backoff),
                     ("deadline", test_deadline), ("suspend", test_suspend),
                     ("ttl", test_ttl), ("kubectl", test_kubectl)]:
        t.section(name, fn)
    if t.failed:
        print("# server log:\n# " + S.log_tail(40).replace("\n", "\n# "))
    t.done()


main()
