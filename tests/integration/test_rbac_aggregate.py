#!/usr/bin/python3
"""ClusterRole aggregation (kube-controller-manager's clusterrole-aggregation
controller, inside skiff-server) and upstream's aggregated defaults:
  - admin, edit and view carry aggregationRule selectors on the
    rbac.authorization.k8s.io/aggregate-to-* labels and are filled from the
    system:aggregate-to-* roles from the first request on, with the
    permissions they always had (admin >= edit >= view), checked by
    SubjectAccessReview;
  - a ClusterRole labelled aggregate-to-view adds its rules to view (and so
    to edit and admin), once however many roles carry the same rule; taking
    the label off or deleting the role takes them out again;
  - a matchExpressions selector aggregates as matchLabels does;
  - a manual edit of an aggregated role's rules is put back, and a settled
    role is not rewritten;
  - after a restart on an upgraded data dir (admin with its own rules and no
    aggregationRule) the reconcile gives it back its aggregationRule.
Prints TAP."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
RBAC = "/apis/rbac.authorization.k8s.io/v1"
CR = RBAC + "/clusterroles"
SAR = "/apis/authorization.k8s.io/v1/subjectaccessreviews"
MERGE = {"Content-Type": "application/merge-patch+json"}
AGG = "rbac.authorization.k8s.io/aggregate-to-"
WIDGETS = {"apiGroups": ["example.com"], "resources": ["widgets"], "verbs": ["get", "list"]}
TIMEOUT = 15.0


def must(s, method, path, body=None, headers=None):
    r = s.req(method, path, body, headers=headers)
    if r.status not in (200, 201):
        raise RuntimeError("setup %s %s: %r" % (method, path, r))
    return r.json


def clusterrole(name, rules, labels=None, agg=None):
    obj = {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
           "metadata": {"name": name, "labels": labels or {}}, "rules": rules}
    if agg is not None:
        obj["aggregationRule"] = {"clusterRoleSelectors": agg}
    return obj


def rules_of(s, name):
    r = s.req("GET", CR + "/" + name)
    return (r.json or {}).get("rules") or [] if r.status == 200 else None


def has_rule(rules, want):
    return any(x.get("apiGroups") == want["apiGroups"] and x.get("resources") == want["resources"]
               and x.get("verbs") == want["verbs"] for x in rules or [])


def wait_for(fn, timeout=TIMEOUT):
    """Poll fn until it is true; its last value."""
    deadline = time.time() + timeout
    while True:
        v = fn()
        if v or time.time() > deadline:
            return v
        time.sleep(0.05)


def allowed(s, user, verb, resource, group="", ns="a", sub=None):
    ra = {"namespace": ns, "verb": verb, "resource": resource, "group": group}
    if sub:
        ra["subresource"] = sub
    r = s.req("POST", SAR, {"apiVersion": "authorization.k8s.io/v1",
                            "kind": "SubjectAccessReview",
                            "spec": {"user": user, "resourceAttributes": ra}})
    if r.status != 201:
        raise RuntimeError("SAR: %r" % r)
    return r.json["status"]["allowed"]


def setup(s):
    must(s, "POST", "/api/v1/namespaces", {"metadata": {"name": "a"}})
    for r in ("admin", "edit", "view"):
        must(s, "POST", RBAC + "/namespaces/a/rolebindings", {
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "u" + r},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                        "name": r},
            "subjects": [{"kind": "User", "name": "u" + r,
                          "apiGroup": "rbac.authorization.k8s.io"}]})


def defaults(s):
    roles = {n: s.req("GET", CR + "/" + n).json or {} for n in (
        "admin", "edit", "view", "system:aggregate-to-admin", "system:aggregate-to-edit",
        "system:aggregate-to-view")}
    for n, to in (("admin", "admin"), ("edit", "edit"), ("view", "view")):
        t.eq(roles[n].get("aggregationRule"),
             {"clusterRoleSelectors": [{"matchLabels": {AGG + to: "true"}}]},
             "%s selects the %s label" % (n, AGG + to))
        t.eq(roles["system:aggregate-to-" + to].get("metadata", {}).get("labels", {})
             .get(AGG + to), "true", "system:aggregate-to-%s carries it" % to)
    t.eq(roles["edit"]["metadata"]["labels"].get(AGG + "admin"), "true",
         "edit is labelled into admin")
    t.eq(roles["view"]["metadata"]["labels"].get(AGG + "edit"), "true",
         "view is labelled into edit")
    vr, er, ar = (roles[n].get("rules") or [] for n in ("view", "edit", "admin"))
    t.ok(vr and all(x in er for x in vr) and all(x in ar for x in er) and len(vr) < len(er)
         < len(ar), "filled at start: admin > edit > view", json.dumps([vr, er, ar])[:2000])
    t.eq(len(ar), len({json.dumps(x, sort_keys=True) for x in ar}), "admin holds each rule once")
    table = [
        ("uview", "list", "pods", "", None, True),
        ("uview", "get", "pods", "", "log", True),
        ("uview", "get", "secrets", "", None, False),
        ("uview", "create", "deployments", "apps", None, False),
        ("uview", "list", "rolebindings", "rbac.authorization.k8s.io", None, False),
        ("uedit", "create", "deployments", "apps", None, True),
        ("uedit", "get", "secrets", "", None, True),
        ("uedit", "list", "pods", "", None, True),
        ("uedit", "create", "rolebindings", "rbac.authorization.k8s.io", None, False),
        ("uadmin", "create", "rolebindings", "rbac.authorization.k8s.io", None, True),
        ("uadmin", "create", "localsubjectaccessreviews", "authorization.k8s.io", None, True),
        ("uadmin", "delete", "secrets", "", None, True),
        ("uadmin", "watch", "jobs", "batch", None, True),
        ("uadmin", "create", "clusterroles", "rbac.authorization.k8s.io", None, False),
    ]
    for user, verb, res, group, sub, want in table:
        t.eq(allowed(s, user, verb, res, group, sub=sub), want,
             "%s %s %s%s%s" % (user, verb, res, "/" + sub if sub else "",
                               " (%s)" % group if group else ""))


def aggregate(s):
    t.eq(allowed(s, "uview", "list", "widgets", "example.com"), False,
         "uview may not list widgets yet")
    must(s, "POST", CR, clusterrole("widget-viewer", [WIDGETS], {AGG + "view": "true"}))
    t.ok(wait_for(lambda: has_rule(rules_of(s, "view"), WIDGETS)),
         "a role labelled aggregate-to-view adds its rule to view", rules_of(s, "view"))
    t.ok(wait_for(lambda: has_rule(rules_of(s, "admin"), WIDGETS)),
         "and through edit to admin", rules_of(s, "admin"))
    t.ok(wait_for(lambda: allowed(s, "uview", "list", "widgets", "example.com")),
         "uview may now list widgets")
    t.eq(allowed(s, "uview", "delete", "widgets", "example.com"), False,
         "  but not delete them")

    must(s, "POST", CR, clusterrole("widget-viewer-2", [WIDGETS], {AGG + "view": "true"}))
    time.sleep(0.5)
    t.eq(sum(1 for x in rules_of(s, "view") if x == rules_of(s, "widget-viewer")[0]), 1,
         "the same rule from two roles is in view once")
    must(s, "DELETE", CR + "/widget-viewer-2")

    must(s, "PATCH", CR + "/widget-viewer", {"metadata": {"labels": {AGG + "view": None}}},
         MERGE)
    t.ok(wait_for(lambda: not has_rule(rules_of(s, "view"), WIDGETS)),
         "taking the label off takes the rule out of view", rules_of(s, "view"))
    t.ok(wait_for(lambda: not has_rule(rules_of(s, "admin"), WIDGETS)),
         "  and out of admin", rules_of(s, "admin"))
    t.eq(allowed(s, "uview", "list", "widgets", "example.com"), False,
         "uview may not list widgets again")

    must(s, "PATCH", CR + "/widget-viewer", {"metadata": {"labels": {AGG + "view": "true"}}},
         MERGE)
    t.ok(wait_for(lambda: has_rule(rules_of(s, "view"), WIDGETS)), "labelled again: back")
    must(s, "DELETE", CR + "/widget-viewer")
    t.ok(wait_for(lambda: not has_rule(rules_of(s, "view"), WIDGETS)),
         "deleting the labelled role takes its rule out", rules_of(s, "view"))
    t.ok(wait_for(lambda: not allowed(s, "uview", "list", "widgets", "example.com")),
         "uview may not list widgets after the delete")


def expressions(s):
    must(s, "POST", CR, clusterrole("team-x", [], agg=[
        {"matchExpressions": [{"key": "team", "operator": "In", "values": ["x", "y"]}]}]))
    must(s, "POST", CR, clusterrole("gadgets", [
        {"apiGroups": ["example.com"], "resources": ["gadgets"], "verbs": ["get"]}],
        {"team": "y"}))
    must(s, "POST", CR, clusterrole("gizmos", [
        {"apiGroups": ["example.com"], "resources": ["gizmos"], "verbs": ["get"]}],
        {"team": "z"}))
    got = wait_for(lambda: [x["resources"] for x in rules_of(s, "team-x") or []])
    t.eq(got, [["gadgets"]], "a matchExpressions selector aggregates the matching role only")


def manual_edit(s):
    before = rules_of(s, "view")
    must(s, "PATCH", CR + "/view", {"rules": [WIDGETS]}, MERGE)
    t.ok(wait_for(lambda: rules_of(s, "view") == before),
         "a manual edit of view's rules is put back", rules_of(s, "view"))
    rv = s.req("GET", CR + "/view").json["metadata"]["resourceVersion"]
    time.sleep(1.0)
    t.eq(s.req("GET", CR + "/view").json["metadata"]["resourceVersion"], rv,
         "a settled aggregated role is not rewritten")


def upgrade(s):
    """A data dir from before aggregation: admin with rules of its own and
    no aggregationRule, edit without its label."""
    old = s.req("GET", CR + "/admin").json
    del old["aggregationRule"]
    old["rules"] = [WIDGETS]
    must(s, "PUT", CR + "/admin", old)
    edit = s.req("GET", CR + "/edit").json
    del edit["metadata"]["labels"][AGG + "admin"]
    must(s, "PUT", CR + "/edit", edit)
    t.ok(wait_for(lambda: rules_of(s, "admin") == [WIDGETS], 2.0),
         "admin without aggregationRule keeps its own rules", rules_of(s, "admin"))
    s.stop()
    s.start()
    a = s.req("GET", CR + "/admin").json
    t.ok(a.get("aggregationRule") and not has_rule(a.get("rules"), WIDGETS)
         and has_rule(a.get("rules"), {"apiGroups": ["rbac.authorization.k8s.io"],
                                       "resources": ["rolebindings", "roles"],
                                       "verbs": ["get", "list", "watch", "create", "delete",
                                                 "deletecollection", "patch", "update"]}),
         "after a restart admin is aggregated again", a)
    t.eq(allowed(s, "uadmin", "get", "secrets"), True,
         "  with edit's rules (edit labelled into admin again)")
    names = ("admin", "edit", "view", "system:aggregate-to-view", "cluster-admin")
    rvs = [s.req("GET", CR + "/" + n).json["metadata"]["resourceVersion"] for n in names]
    s.stop()
    s.start()
    t.eq([s.req("GET", CR + "/" + n).json["metadata"]["resourceVersion"] for n in names], rvs,
         "another restart rewrites none of the default roles")


def main():
    s = Server(name="rbacagg").start()
    t.section("setup", setup, s)
    t.section("defaults", defaults, s)
    t.section("aggregate", aggregate, s)
    t.section("matchExpressions", expressions, s)
    t.section("manual edit", manual_edit, s)
    t.section("upgrade", upgrade, s)
    s.cleanup()
    t.done()


main()
