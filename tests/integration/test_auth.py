#!/usr/bin/python3
"""Authentication, authorization and audit over real HTTPS requests.

Three servers, each with a --token-auth-file of test users:
  S1 (RBAC): a table of (user, request) -> code over the default roles,
     namespace scoping, resourceNames, subresources, non-resource URLs,
     escalation and impersonation, each denied write checked to have
     changed nothing; a RoleBinding made and removed while the user's
     watch is open; the 403 Status bodies; the review APIs; ServiceAccount
     tokens (TokenRequest, TokenReview, revocation by deleting the SA).
  S2 (nodes): two node credentials from the join flow, the Node authorizer
     and NodeRestriction; join failures (wrong kind of token, revoked,
     expired, bad nodeName).
  S3 (audit, --audit-log-path): a scripted run, every request a line with
     the right user, verb, objectRef and code, and no secret in the log.
Prints TAP."""
import base64
import json
import os
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_api_lib import Server, Tap  # noqa: E402

t = Tap()
RBAC = "/apis/rbac.authorization.k8s.io/v1"
AUTHZ = "/apis/authorization.k8s.io/v1"
AUTHN = "/apis/authentication.k8s.io/v1"
MERGE = {"Content-Type": "application/merge-patch+json"}

# user -> (token, groups); the token is derived from the name so a leak of
# any of them into the audit log is easy to grep for.
USERS = {
    "root": ["system:masters"],
    "alice": ["dev"],
    "bob": [],
    "carol": ["ops"],
    "dave": [],
    "imp": [],
    "mon": ["system:monitoring"],
    "ra": [], "re": [], "rv": [],  # admin/edit/view by RoleBinding in "a"
    "ca": [], "ce": [], "cv": [],  # admin/edit/view by ClusterRoleBinding
    "rn": [],  # get on services "x" only
    "sc": [],  # deployments/scale only
    "ps": [],  # pods but not pods/status
    "esc": [],  # edit on roles, no secrets
    "bind0": [],  # create rolebindings, no bind
    "bind1": [],  # create rolebindings and bind on clusterrole cluster-admin
    "eve": [],  # bound to cluster-admin in "a" by bind1
    "agg": [],  # creates ClusterRoles, reads pods: no aggregationRule for it
}


def tok(user):
    return "tok%s%s" % (user, "0123456789abcdef" * 2)


def bearer(user):
    return "Bearer " + tok(user)


def token_file(srv_dir):
    path = os.path.join(srv_dir, "users.csv")
    with open(path, "w") as f:
        for i, (u, groups) in enumerate(sorted(USERS.items())):
            line = "%s,%s,uid-%d" % (tok(u), u, i)
            if groups:
                line += ',"%s"' % ",".join(groups)
            f.write(line + "\n")
    return path


def new_server(name, *extra):
    s = Server(name=name)
    s.extra = ["--token-auth-file", token_file(s.data_dir)] + list(extra)
    return s.start()


def forbidden_ok(r, kind, message, name=None):
    """r is upstream's 403: a Status, reason Forbidden, details.kind the
    resource (no details.kind for a non-resource path), exact message."""
    j = r.json if isinstance(r.json, dict) else {}
    d = j.get("details") or {}
    return (r.status == 403 and j.get("kind") == "Status" and j.get("apiVersion") == "v1"
            and j.get("status") == "Failure" and j.get("reason") == "Forbidden"
            and j.get("code") == 403 and d.get("kind") == kind and d.get("name") == name
            and j.get("message") == message)


def svc(name):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
            "spec": {"ports": [{"port": 80}]}}


def secret(name, **data):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name},
            "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()}}


def role(name, rules, kind="Role"):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
            "metadata": {"name": name}, "rules": rules}


def rule(groups, resources, verbs, names=None):
    r = {"apiGroups": groups, "resources": resources, "verbs": verbs}
    if names:
        r["resourceNames"] = names
    return r


def subject(name, kind="User", ns=None):
    if kind == "ServiceAccount":
        return {"kind": kind, "name": name, "namespace": ns}
    return {"kind": kind, "name": name, "apiGroup": "rbac.authorization.k8s.io"}


def binding(name, role_kind, role_name, subjects, kind="RoleBinding"):
    return {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": kind,
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind,
                        "name": role_name},
            "subjects": subjects}


def pod(name, node=None, secret_name=None):
    spec = {"containers": [{"name": "c", "image": "busybox"}]}
    if node:
        spec["nodeName"] = node
    if secret_name:
        spec["volumes"] = [{"name": "v", "secret": {"secretName": secret_name}}]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def deployment(name):
    lbl = {"app": name}
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": 1, "selector": {"matchLabels": lbl},
                     "template": {"metadata": {"labels": lbl},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}


def must(s, method, path, body=None, code=(200, 201), **kw):
    """An admin setup request that has to work."""
    r = s.req(method, path, body, **kw)
    codes = code if isinstance(code, tuple) else (code,)
    if r.status not in codes:
        raise RuntimeError("setup %s %s: %r" % (method, path, r))
    return r


def rv_of(s, path):
    r = s.req("GET", path)
    if r.status == 404:
        return None
    return (r.json or {}).get("metadata", {}).get("resourceVersion")


def obj_path(method, path, body):
    """The object a write touches (the collection POST names it in the body;
    a subresource belongs to its object)."""
    p = path.split("?")[0]
    for sub in ("/status", "/scale"):
        if p.endswith(sub):
            p = p[: -len(sub)]
    if method == "POST":
        return p + "/" + body["metadata"]["name"]
    return p


# ---------------------------------------------------------------- S1 setup

def setup_rbac(s):
    for ns in ("a", "b"):
        must(s, "POST", "/api/v1/namespaces", {"metadata": {"name": ns}})
    for ns, names in (("a", ("x", "y", "s1")), ("b", ("s1",))):
        for n in names:
            must(s, "POST", "/api/v1/namespaces/%s/services" % ns, svc(n))
    must(s, "POST", "/api/v1/namespaces/a/secrets", secret("sec1", k="v"))
    must(s, "POST", "/apis/apps/v1/namespaces/a/deployments", deployment("web"))
    must(s, "POST", "/api/v1/namespaces/a/pods", pod("p1"))
    rb = RBAC + "/namespaces/a/rolebindings"
    crb = RBAC + "/clusterrolebindings"
    for r in ("admin", "edit", "view"):
        must(s, "POST", rb, binding("r" + r[0], "ClusterRole", r, [subject("r" + r[0])]))
        must(s, "POST", crb, binding("c" + r[0], "ClusterRole", r, [subject("c" + r[0])],
                                     "ClusterRoleBinding"))
    roles = RBAC + "/namespaces/a/roles"
    must(s, "POST", roles, role("svc-x", [rule([""], ["services"], ["get"], ["x"])]))
    must(s, "POST", roles, role("scale-only", [
        rule(["apps"], ["deployments/scale"], ["get", "update", "patch"])]))
    must(s, "POST", roles, role("pods-no-status", [
        rule([""], ["pods"], ["get", "list", "update", "patch"])]))
    must(s, "POST", roles, role("role-editor", [
        rule(["rbac.authorization.k8s.io"], ["roles"], ["get", "list", "create", "update",
                                                         "delete"])]))
    must(s, "POST", roles, role("binder", [
        rule(["rbac.authorization.k8s.io"], ["rolebindings"], ["create", "get"])]))
    must(s, "POST", roles, role("bind-cluster-admin", [
        rule(["rbac.authorization.k8s.io"], ["clusterroles"], ["bind"], ["cluster-admin"])]))
    for name, rl, subj in (("rn", "svc-x", "rn"), ("sc", "scale-only", "sc"),
                           ("ps", "pods-no-status", "ps"), ("esc", "role-editor", "esc"),
                           ("bind0", "binder", "bind0"), ("bind1", "binder", "bind1"),
                           ("bind1b", "bind-cluster-admin", "bind1")):
        must(s, "POST", rb, binding(name, "Role", rl, [subject(subj)]))
    # group subjects: dev may view in b, ops everywhere
    must(s, "POST", RBAC + "/namespaces/b/rolebindings",
         binding("dev-view", "ClusterRole", "view", [subject("dev", "Group")]))
    must(s, "POST", crb, binding("ops-view", "ClusterRole", "view", [subject("ops", "Group")],
                                 "ClusterRoleBinding"))
    # a ServiceAccount subject (impersonated below; it need not exist)
    must(s, "POST", rb, binding("sa-view", "ClusterRole", "view",
                                [subject("sa1", "ServiceAccount", "a")]))
    must(s, "POST", RBAC + "/clusterroles", role("impersonator", [
        rule([""], ["users", "groups", "serviceaccounts"], ["impersonate"])], "ClusterRole"))
    must(s, "POST", crb, binding("imp", "ClusterRole", "impersonator", [subject("imp")],
                                 "ClusterRoleBinding"))


A_SVC = "/api/v1/namespaces/a/services"
B_SVC = "/api/v1/namespaces/b/services"
A_SEC = "/api/v1/namespaces/a/secrets"
A_ROLES = RBAC + "/namespaces/a/roles"
A_RB = RBAC + "/namespaces/a/rolebindings"
DEPLOY = "/apis/apps/v1/namespaces/a/deployments/web"
P1 = "/api/v1/namespaces/a/pods/p1"


def table():
    """(user, method, path, body, headers, code)"""
    rows = []
    for who, cluster in (("ra", False), ("re", False), ("rv", False),
                         ("ca", True), ("ce", True), ("cv", True)):
        role_ = {"a": "admin", "e": "edit", "v": "view"}[who[1]]
        write = role_ != "view"
        rows += [
            (who, "GET", A_SVC + "/x", None, None, 200),
            (who, "GET", A_SVC, None, None, 200),
            (who, "POST", A_SVC, svc("n-" + who), None, 201 if write else 403),
            (who, "PATCH", A_SVC + "/s1", {"metadata": {"labels": {who: "1"}}}, MERGE,
             200 if write else 403),
            (who, "GET", A_SEC + "/sec1", None, None, 200 if write else 403),
            (who, "POST", A_SEC, secret("sec-" + who, k="v"), None, 201 if write else 403),
            (who, "POST", A_ROLES, role("r-" + who, [rule([""], ["services"], ["get"])]),
             None, 201 if role_ == "admin" else 403),
            (who, "GET", A_ROLES, None, None, 200 if role_ == "admin" else 403),
            # the namespace scope: b and the cluster only through a ClusterRoleBinding
            (who, "GET", B_SVC + "/s1", None, None, 200 if cluster else 403),
            (who, "POST", B_SVC, svc("n-" + who), None, 201 if cluster and write else 403),
            (who, "DELETE", B_SVC + "/s1", None, None, 403 if not cluster or not write else 200)
            if who in ("ra", "rv", "cv") else None,
            (who, "GET", "/api/v1/services", None, None, 200 if cluster else 403),
            (who, "GET", "/api/v1/namespaces", None, None, 200 if cluster else 403),
            (who, "POST", RBAC + "/clusterroles",
             role("cr-" + who, [rule([""], ["services"], ["get"])], "ClusterRole"), None, 403),
        ]
    rows = [r for r in rows if r]
    rows += [
        # cluster-admin through system:masters
        ("root", "POST", "/api/v1/namespaces", {"metadata": {"name": "rootns"}}, None, 201),
        ("root", "POST", RBAC + "/clusterroles",
         role("root-made", [rule(["*"], ["*"], ["*"])], "ClusterRole"), None, 201),
        ("root", "GET", "/api/v1/secrets", None, None, 200),
        ("root", "GET", "/metrics", None, None, 200),
        # users with nothing bound
        ("bob", "GET", A_SVC, None, None, 403),
        ("bob", "DELETE", A_SVC + "/y", None, None, 403),
        ("bob", "POST", A_SVC, svc("bobsvc"), None, 403),
        # group subjects
        ("alice", "GET", B_SVC + "/s1", None, None, 200),
        ("alice", "GET", A_SVC + "/x", None, None, 403),
        ("alice", "POST", B_SVC, svc("alicesvc"), None, 403),
        ("carol", "GET", "/api/v1/services", None, None, 200),
        ("carol", "PUT", B_SVC + "/s1", svc("s1"), None, 403),
        # resourceNames
        ("rn", "GET", A_SVC + "/x", None, None, 200),
        ("rn", "GET", A_SVC + "/y", None, None, 403),
        ("rn", "GET", A_SVC, None, None, 403),
        ("rn", "DELETE", A_SVC + "/x", None, None, 403),
        ("rn", "GET", B_SVC + "/s1", None, None, 403),
        # subresources
        ("sc", "GET", DEPLOY + "/scale", None, None, 200),
        ("sc", "GET", DEPLOY, None, None, 403),
        ("sc", "PATCH", DEPLOY, {"spec": {"replicas": 5}}, MERGE, 403),
        ("ps", "GET", P1, None, None, 200),
        ("ps", "PATCH", P1, {"metadata": {"labels": {"ps": "1"}}}, MERGE, 200),
        ("ps", "PATCH", P1 + "/status", {"status": {"message": "ps"}}, MERGE, 403),
        ("ps", "GET", P1 + "/status", None, None, 403),
        # non-resource URLs
        ("bob", "GET", "/metrics", None, None, 403),
        ("rv", "GET", "/metrics", None, None, 403),
        ("mon", "GET", "/metrics", None, None, 200),
        ("bob", "GET", "/apis", None, None, 200),
        ("bob", "GET", "/api/v1", None, None, 200),
        ("bob", "GET", "/apis/apps/v1", None, None, 200),
        ("mon", "GET", A_SVC, None, None, 403),
        # escalation: a Role may grant only what its maker holds
        ("esc", "POST", A_ROLES, role("esc-ok", [rule(["rbac.authorization.k8s.io"],
                                                      ["roles"], ["get"])]), None, 201),
        ("esc", "POST", A_ROLES, role("esc-bad", [rule([""], ["secrets"], ["get"])]), None,
         403),
        ("esc", "PUT", A_ROLES + "/esc-ok", role("esc-ok", [rule([""], ["secrets"], ["get"])]),
         None, 403),
        ("bind0", "POST", A_RB, binding("b0", "ClusterRole", "cluster-admin",
                                        [subject("bob")]), None, 403),
        ("bind0", "POST", A_RB, binding("b0v", "ClusterRole", "view", [subject("bob")]), None,
         403),
        ("bind1", "POST", A_RB, binding("b1", "ClusterRole", "cluster-admin",
                                        [subject("eve")]), None, 201),
        ("bind1", "POST", A_RB, binding("b1e", "ClusterRole", "edit", [subject("eve")]), None,
         403),
    ]
    return rows


def run_table(s):
    before = {}
    for i, (who, method, path, body, hdr, code) in enumerate(table()):
        denied_write = code == 403 and method != "GET"
        op = obj_path(method, path, body) if denied_write else None
        if op:
            before[i] = rv_of(s, op)
        r = s.req(method, path, body, headers=hdr, token=bearer(who))
        t.eq(r.status, code, "%s %s %s -> %d" % (who, method, path, code))
        if r.status != code:
            t.ok(False, "  body", r.body[:600])
        if code == 403:
            t.ok(r.reason == "Forbidden" and r.json.get("code") == 403,
                 "  %s %s %s: a Forbidden Status" % (who, method, path), r)
        if op:
            t.eq(rv_of(s, op), before[i], "  %s %s %s changed nothing" % (who, method, path))


def scale_and_status(s):
    """The allowed subresource writes have their effect; the object is not
    writable through them otherwise."""
    r = s.req("GET", DEPLOY + "/scale", token=bearer("sc"))
    t.eq((r.status, (r.json or {}).get("kind")), (200, "Scale"), "sc reads the Scale")
    sc = r.json
    sc["spec"]["replicas"] = 3
    r = s.req("PUT", DEPLOY + "/scale", sc, token=bearer("sc"))
    t.ok(r.status == 200, "sc PUTs deployments/web/scale", r)
    t.eq(s.req("GET", DEPLOY).json["spec"]["replicas"], 3, "the deployment has 3 replicas")
    r = s.req("PATCH", DEPLOY + "/scale", {"spec": {"replicas": 2}}, headers=MERGE,
              token=bearer("sc"))
    t.eq(r.status, 200, "sc PATCHes the scale")
    t.eq(s.req("GET", DEPLOY).json["spec"]["replicas"], 2, "the deployment has 2 replicas")
    r = s.req("GET", P1)
    t.eq(r.json["metadata"].get("labels", {}).get("ps"), "1", "ps's label patch is stored")
    t.ok("message" not in (r.json.get("status") or {}), "ps's status patch is not stored")


def escalation_messages(s):
    r = s.req("POST", A_ROLES, role("esc-bad", [rule([""], ["secrets"], ["get"])]),
              token=bearer("esc"))
    t.ok(forbidden_ok(r, "roles", 'roles.rbac.authorization.k8s.io "esc-bad" is forbidden: '
                      'user "esc" (groups=["system:authenticated"]) is attempting to grant '
                      'RBAC permissions not currently held:\n'
                      '{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}', "esc-bad"),
         "escalating Role: upstream's message", r.body)
    r = s.req("POST", A_RB, binding("b0", "ClusterRole", "cluster-admin", [subject("bob")]),
              token=bearer("bind0"))
    pre = ('rolebindings.rbac.authorization.k8s.io "b0" is forbidden: user "bind0" '
           '(groups=["system:authenticated"]) is attempting to grant RBAC permissions not '
           'currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}')
    t.ok(r.status == 403 and r.message.startswith(pre), "binding cluster-admin without bind: "
         "upstream's message", r.body)
    # an aggregationRule may gather anything: only a holder of everything sets one
    must(s, "POST", RBAC + "/clusterroles", role("cr-maker", [
        rule(["rbac.authorization.k8s.io"], ["clusterroles"], ["create", "get", "update"]),
        rule([""], ["pods"], ["get"])], "ClusterRole"))
    must(s, "POST", RBAC + "/clusterrolebindings",
         binding("agg", "ClusterRole", "cr-maker", [subject("agg")], "ClusterRoleBinding"))
    agg = role("agg-bad", [rule([""], ["pods"], ["get"])], "ClusterRole")
    agg["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}
    r = s.req("POST", RBAC + "/clusterroles", agg, token=bearer("agg"))
    t.ok(forbidden_ok(r, "clusterroles", 'clusterroles.rbac.authorization.k8s.io "agg-bad" is '
                      'forbidden: must have cluster-admin privileges to use the '
                      'aggregationRule', "agg-bad"),
         "an aggregationRule without cluster-admin: 403", r.body)
    t.eq(rv_of(s, RBAC + "/clusterroles/agg-bad"), None, "  and nothing was stored")
    del agg["aggregationRule"]
    agg["metadata"]["name"] = "agg-ok"
    t.eq(s.req("POST", RBAC + "/clusterroles", agg, token=bearer("agg")).status, 201,
         "  the same role without it: 201")
    agg["aggregationRule"] = {"clusterRoleSelectors": [{"matchLabels": {"x": "y"}}]}
    r = s.req("PUT", RBAC + "/clusterroles/agg-ok", agg, token=bearer("agg"))
    t.eq(r.status, 403, "  adding one by update: 403")
    # the binding bind1 made works: eve is cluster-admin in a now
    t.eq(s.req("GET", A_SEC + "/sec1", token=bearer("eve")).status, 200,
         "eve, bound by bind1, reads secrets in a")
    t.eq(s.req("GET", B_SVC + "/s1", token=bearer("eve")).status, 403,
         "eve's RoleBinding of cluster-admin does not reach b")


def forbidden_bodies(s):
    """403 bodies with upstream's messages, for each form of request."""
    cases = [
        ("bob", "DELETE", A_SVC + "/x", None, "services", "x",
         'services "x" is forbidden: User "bob" cannot delete resource "services" in API '
         'group "" in the namespace "a"'),
        ("bob", "GET", A_SVC, None, "services", None,
         'services is forbidden: User "bob" cannot list resource "services" in API group "" '
         'in the namespace "a"'),
        ("bob", "GET", A_SVC + "?watch=1", None, "services", None,
         'services is forbidden: User "bob" cannot watch resource "services" in API group "" '
         'in the namespace "a"'),
        ("bob", "GET", "/api/v1/services", None, "services", None,
         'services is forbidden: User "bob" cannot list resource "services" in API group "" '
         'at the cluster scope'),
        ("bob", "POST", A_SVC, svc("z"), "services", None,
         'services is forbidden: User "bob" cannot create resource "services" in API group "" '
         'in the namespace "a"'),
        ("ps", "PATCH", P1 + "/status", {"status": {}}, "pods", "p1",
         'pods "p1" is forbidden: User "ps" cannot patch resource "pods/status" in API group '
         '"" in the namespace "a"'),
        ("sc", "GET", DEPLOY, None, "deployments", "web",
         'deployments.apps "web" is forbidden: User "sc" cannot get resource "deployments" in '
         'API group "apps" in the namespace "a"'),
        ("bob", "GET", "/api/v1/nodes/n1", None, "nodes", "n1",
         'nodes "n1" is forbidden: User "bob" cannot get resource "nodes" in API group "" at '
         'the cluster scope'),
        ("alice", "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles", None,
         "clusterroles", None,
         'clusterroles.rbac.authorization.k8s.io is forbidden: User "alice" cannot list '
         'resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster '
         'scope'),
        ("bob", "GET", "/metrics", None, None, None,
         'forbidden: User "bob" cannot get path "/metrics"'),
        ("alice", "GET", A_SVC, {"Impersonate-User": "bob"}, "users", "bob",
         'users "bob" is forbidden: User "alice" cannot impersonate resource "users" in API '
         'group "" at the cluster scope'),
    ]
    for who, method, path, body, kind, name, msg in cases:
        hdr = body if method == "GET" and body else (MERGE if method == "PATCH" else None)
        r = s.req(method, path, None if method == "GET" else body, headers=hdr,
                  token=bearer(who))
        t.ok(forbidden_ok(r, kind, msg, name), "403 body of %s %s %s" % (who, method, path),
             r.body)
        if kind and r.json:
            g = r.json.get("details", {}).get("group")
            want = {"deployments": "apps", "clusterroles": "rbac.authorization.k8s.io"}
            t.eq(g, want.get(kind), "  details.group of %s" % path)
    r = s.req("GET", A_SVC, token="Bearer nosuchtoken")
    t.ok(r.status == 401 and r.reason == "Unauthorized" and r.json.get("code") == 401
         and r.message == "Unauthorized", "a bad token: 401 Unauthorized Status", r.body)
    r = s.req("GET", "/apis", token=False)
    t.eq(r.status, 401, "discovery without a token: 401")


def impersonation(s):
    who = AUTHN + "/selfsubjectreviews"
    ssr = {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"}
    r = s.req("POST", who, ssr, headers={"Impersonate-User": "bob"}, token=bearer("alice"))
    t.eq(r.status, 403, "alice may not impersonate bob")
    r = s.req("POST", who, ssr, headers={"Impersonate-User": "bob"}, token=bearer("imp"))
    u = ((r.json or {}).get("status") or {}).get("userInfo") or {}
    t.ok(r.status == 201 and u.get("username") == "bob"
         and u.get("groups") == ["system:authenticated"], "imp as bob: whoami says bob", r.body)
    r = s.req("POST", who, ssr, headers={"Impersonate-User": "alice", "Impersonate-Group": "dev"},
              token=bearer("imp"))
    u = ((r.json or {}).get("status") or {}).get("userInfo") or {}
    t.ok(r.status == 201 and u.get("username") == "alice" and "dev" in u.get("groups", []),
         "imp as alice in group dev: whoami shows it", r.body)
    t.eq(s.req("GET", B_SVC + "/s1", token=bearer("imp")).status, 403, "imp itself cannot read b")
    r = s.req("GET", B_SVC, headers={"Impersonate-Group": "dev"}, token=bearer("imp"))
    t.ok(r.status == 400 and r.reason == "BadRequest", "a group without a user: 400", r.body)
    r = s.req("GET", B_SVC, headers={"Impersonate-User": "bob", "Impersonate-Uid": "u1"},
              token=bearer("imp"))
    t.ok(forbidden_ok(r, "uids", 'uids.authentication.k8s.io "u1" is forbidden: User "imp" '
                      'cannot impersonate resource "uids" in API group "authentication.k8s.io" '
                      'at the cluster scope', "u1"), "imp may not impersonate a uid", r.body)
    r = s.req("GET", B_SVC + "/s1", headers={"Impersonate-User": "x", "Impersonate-Group": "dev"},
              token=bearer("imp"))
    t.eq(r.status, 200, "imp as group dev reads b (dev's RoleBinding)")
    r = s.req("DELETE", B_SVC + "/s1", headers={"Impersonate-User": "bob"}, token=bearer("imp"))
    t.eq(r.status, 403, "imp as bob cannot delete")
    t.ok(r.message.startswith('services "s1" is forbidden: User "bob" cannot delete'),
         "  the 403 names the impersonated user", r.body)
    sa = "system:serviceaccount:a:sa1"
    r = s.req("POST", who, ssr, headers={"Impersonate-User": sa}, token=bearer("imp"))
    u = ((r.json or {}).get("status") or {}).get("userInfo") or {}
    t.ok(r.status == 201 and u.get("username") == sa
         and set(u.get("groups", [])) == {"system:serviceaccounts", "system:serviceaccounts:a",
                                          "system:authenticated"},
         "imp --as the ServiceAccount a/sa1: whoami", r.body)
    t.eq(s.req("GET", A_SVC, headers={"Impersonate-User": sa}, token=bearer("imp")).status, 200,
         "  as a/sa1, its RoleBinding lets it list services in a")
    t.eq(s.req("GET", B_SVC, headers={"Impersonate-User": sa}, token=bearer("imp")).status, 403,
         "  but not in b")
    r = s.req("POST", who, ssr, headers={"Impersonate-User": sa}, token=bearer("alice"))
    t.ok(forbidden_ok(r, "serviceaccounts", 'serviceaccounts "sa1" is forbidden: User "alice" '
                      'cannot impersonate resource "serviceaccounts" in API group "" in the '
                      'namespace "a"', "sa1"), "alice may not impersonate a ServiceAccount",
         r.body)


def watch_while_rbac_changes(s):
    """dave's watch (allowed by RoleBinding dave-view) keeps streaming when
    his bindings change; each new request is decided by the new state."""
    must(s, "POST", A_RB, binding("dave-view", "ClusterRole", "view", [subject("dave")]))
    c = s.conn(timeout=20)
    c.request("GET", A_SVC + "?watch=1&resourceVersion=0&allowWatchBookmarks=false",
              headers={"Authorization": bearer("dave"), "Accept": "application/json"})
    resp = c.getresponse()
    t.eq(resp.status, 200, "dave's watch opens")
    seen, lock = [], threading.Lock()

    def reader():
        try:
            for line in resp:
                ev = json.loads(line)
                with lock:
                    seen.append((ev["type"], ev["object"]["metadata"]["name"]))
        except Exception:  # noqa: BLE001 - the connection closes at the end
            pass
    th = threading.Thread(target=reader, daemon=True)
    th.start()

    def wait_for(name, typ="ADDED"):
        deadline = time.time() + 10
        while time.time() < deadline:
            with lock:
                if (typ, name) in seen:
                    return True
            time.sleep(0.02)
        return False

    t.eq(s.req("POST", A_SVC, svc("dave1"), token=bearer("dave")).status, 403,
         "dave cannot create before the edit binding")
    must(s, "POST", A_RB, binding("dave-edit", "ClusterRole", "edit", [subject("dave")]))
    t.eq(s.req("POST", A_SVC, svc("dave1"), token=bearer("dave")).status, 201,
         "right after the edit RoleBinding is created: dave creates")
    t.ok(wait_for("dave1"), "  and his open watch sees it")
    must(s, "DELETE", A_RB + "/dave-edit")
    r = s.req("POST", A_SVC, svc("dave2"), token=bearer("dave"))
    t.eq(r.status, 403, "right after it is deleted: dave's create is 403")
    t.eq(rv_of(s, A_SVC + "/dave2"), None, "  and dave2 does not exist")
    must(s, "DELETE", A_RB + "/dave-view")
    t.eq(s.req("GET", A_SVC, token=bearer("dave")).status, 403,
         "right after dave-view is deleted: a new list is 403")
    must(s, "POST", A_SVC, svc("after"))
    t.ok(wait_for("after"), "the watch opened while allowed keeps streaming", seen)
    must(s, "DELETE", A_SVC + "/after")
    t.ok(wait_for("after", "DELETED"), "  deletes too")
    c.close()


def reviews(s):
    ssar = AUTHZ + "/selfsubjectaccessreviews"

    def access(user, verb, resource, ns="a", name=None):
        ra = {"namespace": ns, "verb": verb, "resource": resource}
        if name:
            ra["name"] = name
        return s.req("POST", ssar, {"apiVersion": "authorization.k8s.io/v1",
                                    "kind": "SelfSubjectAccessReview",
                                    "spec": {"resourceAttributes": ra}}, token=bearer(user))
    r = access("rv", "get", "services")
    t.ok(r.status == 201 and r.json["status"]["allowed"] is True, "SSAR rv get services: yes",
         r.body)
    r = access("rv", "create", "services")
    t.ok(r.status == 201 and r.json["status"]["allowed"] is False, "SSAR rv create: no", r.body)
    r = access("rn", "get", "services", name="x")
    t.ok(r.status == 201 and r.json["status"]["allowed"] is True, "SSAR rn get x: yes", r.body)
    r = access("rn", "get", "services", name="y")
    t.ok(r.status == 201 and r.json["status"]["allowed"] is False, "SSAR rn get y: no", r.body)
    r = s.req("POST", ssar, {"spec": {"nonResourceAttributes": {"path": "/metrics",
                                                                "verb": "get"}}},
              token=bearer("mon"))
    t.ok(r.status == 201 and r.json["status"]["allowed"] is True, "SSAR mon /metrics: yes",
         r.body)

    # the review types are create-only: every other verb is 405, a Table
    # request included (it once reached a list with no Table columns)
    table = {"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"}
    for method, path, hdr in (("GET", ssar, None), ("GET", ssar, table),
                              ("GET", ssar + "?watch=1", None), ("DELETE", ssar, None),
                              ("GET", ssar + "/x", None), ("PUT", ssar + "/x", None),
                              ("GET", AUTHZ + "/namespaces/a/localsubjectaccessreviews", table)):
        r = s.req(method, path, headers=hdr)
        t.eq(r.status, 405, "%s %s%s on a review type: 405" % (method, path,
                                                              " (Table)" if hdr else ""))
    r = s.req("POST", AUTHZ + "/selfsubjectrulesreviews",
              {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectRulesReview",
               "spec": {"namespace": "a"}}, token=bearer("rn"))
    rules = ((r.json or {}).get("status") or {}).get("resourceRules") or []
    t.ok(r.status == 201 and {"verbs": ["get"], "apiGroups": [""], "resources": ["services"],
                              "resourceNames": ["x"]} in rules,
         "SSRR for rn lists get services x", r.body)
    t.ok(any("selfsubjectaccessreviews" in x.get("resources", []) for x in rules),
         "  and system:basic-user's rules", rules)
    nrr = r.json["status"].get("nonResourceRules") or []
    t.ok(any("/apis" in x.get("nonResourceURLs", []) for x in nrr),
         "  and system:discovery's paths", nrr)

    sar = AUTHZ + "/subjectaccessreviews"

    def sar_body(user, verb, res, ns="a", groups=None):
        spec = {"user": user, "resourceAttributes": {"namespace": ns, "verb": verb,
                                                     "resource": res}}
        if groups:
            spec["groups"] = groups
        return {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
                "spec": spec}
    r = s.req("POST", sar, sar_body("carol", "get", "services", "b"))
    t.ok(r.status == 201 and r.json["status"]["allowed"] is False,
         "SAR by admin: carol without her groups may not get services", r.body)
    r = s.req("POST", sar, sar_body("carol", "get", "services", "b", ["ops"]))
    t.ok(r.status == 201 and r.json["status"]["allowed"] is True,
         "SAR by admin: carol in ops may", r.body)
    r = s.req("POST", sar, sar_body("re", "get", "secrets"))
    t.ok(r.status == 201 and r.json["status"]["allowed"] is True, "SAR: re may get secrets",
         r.body)
    r = s.req("POST", sar, sar_body("bob", "get", "secrets", "b"))
    t.ok(r.status == 201 and r.json["status"]["allowed"] is False, "SAR: bob may not", r.body)
    r = s.req("POST", sar, sar_body("bob", "get", "secrets"), token=bearer("bob"))
    t.eq(r.status, 403, "bob may not create a SubjectAccessReview")

    lsar = AUTHZ + "/namespaces/a/localsubjectaccessreviews"
    body = {"apiVersion": "authorization.k8s.io/v1", "kind": "LocalSubjectAccessReview",
            "metadata": {"namespace": "a"},
            "spec": {"user": "re", "resourceAttributes": {"namespace": "a", "verb": "get",
                                                          "resource": "secrets"}}}
    r = s.req("POST", lsar, body, token=bearer("ra"))
    t.ok(r.status == 201 and r.json["status"]["allowed"] is True,
         "LSAR by a's admin in a: re may get secrets", r.body)
    body["spec"]["resourceAttributes"]["namespace"] = "b"
    r = s.req("POST", lsar, body)
    t.ok(r.status == 422 and r.reason == "Invalid" and "spec.resourceAttributes.namespace"
         in r.message and "must match metadata.namespace" in r.message,
         "LSAR with another namespace: 422 naming the field", r.body)
    body["spec"]["resourceAttributes"]["namespace"] = "a"
    r = s.req("POST", AUTHZ + "/namespaces/b/localsubjectaccessreviews", body,
              token=bearer("ra"))
    t.eq(r.status, 403, "a's admin may not create an LSAR in b")


def sa_tokens(s):
    must(s, "POST", "/api/v1/namespaces/a/serviceaccounts", {"metadata": {"name": "robot"}})
    tr = "/api/v1/namespaces/a/serviceaccounts/robot/token"
    body = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
            "spec": {"expirationSeconds": 3600}}
    r = s.req("POST", tr, body)
    sa_tok = ((r.json or {}).get("status") or {}).get("token", "")
    t.ok(r.status == 201 and sa_tok.count(".") == 2 and r.json.get("kind") == "TokenRequest"
         and r.json["status"].get("expirationTimestamp"), "TokenRequest: 201 with a JWT", r.body)
    r = s.req("POST", tr, body, token=bearer("rv"))
    t.eq(r.status, 403, "view may not create tokens")
    r = s.req("POST", tr, body, token=bearer("re"))
    t.eq(r.status, 201, "edit may create tokens")
    who = s.req("POST", AUTHN + "/selfsubjectreviews",
                {"apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview"},
                token="Bearer " + sa_tok)
    u = ((who.json or {}).get("status") or {}).get("userInfo") or {}
    t.ok(who.status == 201 and u.get("username") == "system:serviceaccount:a:robot"
         and {"system:serviceaccounts", "system:serviceaccounts:a",
              "system:authenticated"} <= set(u.get("groups", [])),
         "the token authenticates as system:serviceaccount:a:robot", who.body)
    r = s.req("GET", A_SVC, token="Bearer " + sa_tok)
    t.eq(r.status, 403, "  which has no rights in a yet")
    t.eq(r.message, 'services is forbidden: User "system:serviceaccount:a:robot" cannot list '
         'resource "services" in API group "" in the namespace "a"', "  403 names the SA")
    for secs in (599, 10):
        r = s.req("POST", tr, {"spec": {"expirationSeconds": secs}})
        t.ok(r.status == 422 and "spec.expirationSeconds" in r.message
             and "may not specify a duration less than 10 minutes" in r.message,
             "expirationSeconds %d: 422" % secs, r.body)
    r = s.req("POST", tr, {"spec": {"expirationSeconds": 600}})
    t.eq(r.status, 201, "expirationSeconds 600 is enough")
    r = s.req("POST", "/api/v1/namespaces/a/serviceaccounts/ghost/token", body)
    t.eq(r.status, 404, "TokenRequest for a missing SA: 404")

    review = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview",
              "spec": {"token": sa_tok}}
    r = s.req("POST", AUTHN + "/tokenreviews", review)
    st = (r.json or {}).get("status") or {}
    t.ok(r.status == 201 and st.get("authenticated") is True
         and st.get("user", {}).get("username") == "system:serviceaccount:a:robot",
         "TokenReview by admin: authenticated", r.body)
    r = s.req("POST", AUTHN + "/tokenreviews", review, token=bearer("bob"))
    t.eq(r.status, 403, "bob may not create a TokenReview")
    must(s, "DELETE", "/api/v1/namespaces/a/serviceaccounts/robot")
    r = s.req("GET", "/api/v1/namespaces/a/services/x", token="Bearer " + sa_tok)
    t.ok(r.status == 401 and r.reason == "Unauthorized", "deleting the SA: its token is 401",
         r.body)
    must(s, "POST", "/api/v1/namespaces/a/serviceaccounts", {"metadata": {"name": "robot"}})
    r = s.req("GET", "/api/v1/namespaces/a/services/x", token="Bearer " + sa_tok)
    t.eq(r.status, 401, "a new SA of the same name does not revive the token")
    r = s.req("POST", AUTHN + "/tokenreviews", review)
    st = (r.json or {}).get("status") or {}
    t.ok(r.status == 201 and not st.get("authenticated"), "TokenReview now: not authenticated",
         r.body)


# ---------------------------------------------------------------- S2 nodes

def join(s, token, node):
    return s.req("POST", "/skiff/v1/join", {"nodeName": node}, token="Bearer " + token)


def nodes(s):
    with open(os.path.join(s.data_dir, "join-token")) as f:
        jt = f.read().strip()
    r = s.req("GET", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-" + jt[:6])
    d = (r.json or {}).get("data") or {}
    t.ok(r.status == 200 and "stringData" not in r.json
         and base64.b64decode(d.get("token-secret", "")).decode() == jt[7:],
         "the join token's Secret is stored as data (kubeadm's layout)", r.body)
    creds = {}
    for n in ("node-a", "node-b"):
        r = join(s, jt, n)
        creds[n] = "Bearer " + ((r.json or {}).get("token") or "")
        t.ok(r.status == 201 and r.json.get("kind") == "NodeCredential"
             and r.json.get("nodeName") == n, "join %s: 201 NodeCredential" % n, r.body)
    A, B = creds["node-a"], creds["node-b"]
    r = s.req("POST", AUTHN + "/selfsubjectreviews", {"kind": "SelfSubjectReview",
                                                      "apiVersion": "authentication.k8s.io/v1"},
              token=A)
    u = ((r.json or {}).get("status") or {}).get("userInfo") or {}
    t.ok(u.get("username") == "system:node:node-a" and "system:nodes" in u.get("groups", []),
         "node-a's credential is system:node:node-a in system:nodes", r.body)

    def node_obj(n, labels=None):
        md = {"name": n}
        if labels:
            md["labels"] = labels
        return {"apiVersion": "v1", "kind": "Node", "metadata": md}
    t.eq(s.req("POST", "/api/v1/nodes", node_obj("node-a"), token=A).status, 201,
         "node-a creates Node node-a")
    t.eq(s.req("POST", "/api/v1/nodes", node_obj("node-b"), token=A).status, 403,
         "node-a may not create Node node-b")
    t.eq(rv_of(s, "/api/v1/nodes/node-b"), None, "  node-b does not exist")
    t.eq(s.req("POST", "/api/v1/nodes", node_obj("node-b"), token=B).status, 201,
         "node-b creates Node node-b")
    na = s.req("GET", "/api/v1/nodes/node-a", token=A).json
    na["status"] = {"conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady",
                                    "message": "ok", "lastHeartbeatTime": "2024-01-01T00:00:00Z",
                                    "lastTransitionTime": "2024-01-01T00:00:00Z"}]}
    r = s.req("PUT", "/api/v1/nodes/node-a/status", na, token=A)
    t.eq(r.status, 200, "node-a updates its Node status")
    got = s.req("GET", "/api/v1/nodes/node-a").json
    t.eq(((got.get("status") or {}).get("conditions") or [{}])[0].get("reason"), "KubeletReady",
         "  and it is stored")
    nb = s.req("GET", "/api/v1/nodes/node-b").json
    rvb = nb["metadata"]["resourceVersion"]
    nb["metadata"]["labels"] = {"stolen": "1"}
    r = s.req("PUT", "/api/v1/nodes/node-b", nb, token=A)
    t.ok(r.status == 403, "node-a may not update Node node-b", r.body)
    t.eq(rv_of(s, "/api/v1/nodes/node-b"), rvb, "  node-b unchanged")
    nb["status"] = na["status"]
    t.eq(s.req("PUT", "/api/v1/nodes/node-b/status", nb, token=A).status, 403,
         "node-a may not update node-b's status")
    t.eq(s.req("DELETE", "/api/v1/nodes/node-b", token=A).status, 403,
         "node-a may not delete node-b")
    t.eq(rv_of(s, "/api/v1/nodes/node-b"), rvb, "  node-b unchanged")
    rva = rv_of(s, "/api/v1/nodes/node-a")
    r = s.req("PATCH", "/api/v1/nodes/node-a",
              {"metadata": {"labels": {"node-restriction.kubernetes.io/x": "y"}}},
              headers=MERGE, token=A)
    t.ok(r.status == 403 and "node-restriction.kubernetes.io/x" in r.message,
         "node-a may not set a node-restriction.kubernetes.io/ label on itself", r.body)
    t.eq(rv_of(s, "/api/v1/nodes/node-a"), rva, "  node-a unchanged")
    r = s.req("PATCH", "/api/v1/nodes/node-a", {"metadata": {"labels": {"zone": "z1"}}},
              headers=MERGE, token=A)
    t.eq(r.status, 200, "node-a may set another label on itself")
    rva = rv_of(s, "/api/v1/nodes/node-a")
    r = s.req("PATCH", "/api/v1/nodes/node-a",
              {"spec": {"taints": [{"key": "k", "value": "v", "effect": "NoSchedule"}]}},
              headers=MERGE, token=A)
    t.ok(r.status == 403 and r.message == 'nodes "node-a" is forbidden: node "node-a" is not '
         'allowed to modify taints', "node-a may not set taints on itself", r.body)
    t.eq(rv_of(s, "/api/v1/nodes/node-a"), rva, "  node-a unchanged")

    leases = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"

    def lease(n):
        return {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {"name": n},
                "spec": {"holderIdentity": n, "leaseDurationSeconds": 40}}
    t.eq(s.req("POST", leases, lease("node-a"), token=A).status, 201, "node-a creates its Lease")
    la = s.req("GET", leases + "/node-a", token=A)
    t.eq(la.status, 200, "node-a reads its Lease")
    la = la.json
    la["spec"]["leaseDurationSeconds"] = 41
    t.eq(s.req("PUT", leases + "/node-a", la, token=A).status, 200, "node-a renews its Lease")
    t.eq(s.req("POST", leases, lease("node-b"), token=A).status, 403,
         "node-a may not create node-b's Lease")
    t.eq(rv_of(s, leases + "/node-b"), None, "  no node-b Lease")
    t.eq(s.req("POST", leases, lease("node-b"), token=B).status, 201, "node-b creates its Lease")
    lb = s.req("GET", leases + "/node-b").json
    lb["spec"]["holderIdentity"] = "node-a"
    t.eq(s.req("PUT", leases + "/node-b", lb, token=A).status, 403,
         "node-a may not update node-b's Lease")
    t.eq(rv_of(s, leases + "/node-b"), lb["metadata"]["resourceVersion"], "  unchanged")
    t.eq(s.req("POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases",
               lease("node-a"), token=A).status, 403, "node-a may not make a Lease elsewhere")

    pods = "/api/v1/namespaces/default/pods"
    sec = "/api/v1/namespaces/default/secrets"
    for n in ("sec-a", "sec-b", "sec-other"):
        must(s, "POST", sec, secret(n, k=n))
    must(s, "POST", pods, pod("pa", "node-a", "sec-a"))
    must(s, "POST", pods, pod("pb", "node-b", "sec-b"))
    # the kubelet's TokenRequest for its pods' ServiceAccount (pa runs as default)
    must(s, "POST", "/api/v1/namespaces/default/serviceaccounts",
         {"metadata": {"name": "unused-sa"}})
    tr = {"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": {}}
    sas = "/api/v1/namespaces/default/serviceaccounts"
    t.eq(s.req("POST", sas + "/default/token", tr, token=A).status, 201,
         "node-a gets a token for the ServiceAccount its pod runs as")
    r = s.req("POST", sas + "/unused-sa/token", tr, token=A)
    t.ok(r.status == 403 and "no relationship found between node 'node-a'" in r.message,
         "  but not for one no pod of it uses", r.body)
    t.eq(s.req("GET", pods + "/pa", token=A).status, 200, "node-a reads its pod")
    t.eq(s.req("GET", pods + "/pb", token=A).status, 403, "node-a may not read node-b's pod")
    for n, code in (("pa", 200), ("pb", 403)):
        p = s.req("GET", pods + "/" + n).json
        rv0 = p["metadata"]["resourceVersion"]
        p["status"] = {"phase": "Running", "message": "by node-a"}
        r = s.req("PUT", pods + "/%s/status" % n, p, token=A)
        t.ok(r.status == code, "node-a updates %s's status: %d" % (n, code), r.body)
        got = s.req("GET", pods + "/" + n).json
        if code == 200:
            t.eq(got["status"].get("message"), "by node-a", "  the status is stored")
        else:
            t.eq(got["metadata"]["resourceVersion"], rv0, "  pb unchanged")
            r = s.req("PATCH", pods + "/pb/status", {"status": {"message": "x"}},
                      headers=MERGE, token=A)
            t.eq(r.status, 403, "node-a patches pb's status: 403")
            t.eq(rv_of(s, pods + "/pb"), rv0, "  pb unchanged")
    r = s.req("GET", "/api/v1/pods", token=A)
    t.eq(r.status, 403, "node-a lists all pods: 403")
    sel = "?fieldSelector=" + urllib.parse.quote("spec.nodeName=node-a")
    r = s.req("GET", "/api/v1/pods" + sel, token=A)
    t.ok(r.status == 200 and [p["metadata"]["name"] for p in r.json["items"]] == ["pa"],
         "node-a lists pods with fieldSelector spec.nodeName=node-a: only pa", r.body)
    r = s.req("GET", "/api/v1/pods?fieldSelector=" + urllib.parse.quote("spec.nodeName=node-b"),
              token=A)
    t.eq(r.status, 403, "  but not with spec.nodeName=node-b")
    r = s.req("GET", sec + "/sec-a", token=A)
    t.ok(r.status == 200 and r.json["metadata"]["name"] == "sec-a",
         "node-a reads the Secret its pod references")
    t.eq(s.req("GET", sec + "/sec-other", token=A).status, 403,
         "node-a may not read an unreferenced Secret")
    t.eq(s.req("GET", sec + "/sec-b", token=A).status, 403,
         "node-a may not read node-b's pod's Secret")
    t.eq(s.req("GET", "/api/v1/secrets", token=A).status, 403, "node-a lists all Secrets: 403")
    one = "?fieldSelector=" + urllib.parse.quote("metadata.name=")
    r = s.req("GET", sec + one + "sec-a", token=A)
    t.ok(r.status == 200 and [x["metadata"]["name"] for x in r.json["items"]] == ["sec-a"],
         "node-a lists its Secret with fieldSelector metadata.name=sec-a", r.body)
    t.eq(s.req("GET", sec + one + "sec-other", token=A).status, 403,
         "  but not metadata.name=sec-other")
    t.eq(s.req("GET", "/api/v1/namespaces/default/pods/pa", token=B).status, 403,
         "node-b may not read node-a's pod")
    t.eq(s.req("GET", "/api/v1/namespaces/default/services", token=A).status, 200,
         "node-a lists services")

    # ---- join failures
    r = s.req("GET", "/api/v1/secrets", token="Bearer " + jt)
    t.ok(r.status == 403 and r.message.startswith(
        'secrets is forbidden: User "system:bootstrap:%s" cannot list' % jt[:6]),
        "the join token against /api/v1/secrets: 403", r.body)
    r = s.req("GET", "/api/v1/namespaces/kube-system/secrets/bootstrap-token-" + jt[:6],
              token="Bearer " + jt)
    t.eq(r.status, 403, "the join token cannot read its own Secret")
    r = s.req("POST", "/skiff/v1/join", {"nodeName": "n1"})
    t.ok(r.status == 403 and r.reason == "Forbidden"
         and r.message == "forbidden: only a bootstrap (join) token may join a node",
         "join with the admin token: 403", r.body)
    r = s.req("POST", "/skiff/v1/join", {"nodeName": "n1"}, token=bearer("bob"))
    t.ok(r.status == 403 and r.message == 'forbidden: User "bob" cannot post path '
         '"/skiff/v1/join"', "join as bob: 403 by RBAC", r.body)
    r = s.req("POST", "/skiff/v1/join", {"nodeName": "n1"}, token=A)
    t.eq(r.status, 403, "join with a node credential: 403")
    r = join(s, jt, "Bad_Node")
    t.ok(r.status == 422 and r.reason == "Invalid" and "nodeName" in r.message
         and "Bad_Node" in r.message, "join with a bad nodeName: 422 naming it", r.body)
    r = s.req("POST", "/skiff/v1/join", {}, token="Bearer " + jt)
    t.ok(r.status == 422 and "nodeName" in r.message, "join without nodeName: 422", r.body)
    r = join(s, jt[:7] + "x" * 16, "n1")
    t.ok(r.status == 401 and r.message == "Unauthorized", "a wrong token secret: 401", r.body)

    ks = "/api/v1/namespaces/kube-system/secrets"

    def boot(tid, tsec, expiration=None):
        b = {"apiVersion": "v1", "kind": "Secret", "type": "bootstrap.kubernetes.io/token",
             "metadata": {"name": "bootstrap-token-" + tid},
             "stringData": {"token-id": tid, "token-secret": tsec,
                            "usage-bootstrap-authentication": "true",
                            "usage-bootstrap-signing": "true"}}
        if expiration:
            b["stringData"]["expiration"] = expiration
        must(s, "POST", ks, b)
        return tid + "." + tsec
    rt = boot("revokd", "0123456789abcdef")
    t.eq(join(s, rt, "node-r").status, 201, "a made bootstrap token joins")
    must(s, "DELETE", ks + "/bootstrap-token-revokd")
    r = join(s, rt, "node-r2")
    t.ok(r.status == 401 and r.reason == "Unauthorized", "the revoked token: 401", r.body)
    et = boot("expird", "0123456789abcdef", "2020-01-01T00:00:00Z")
    r = join(s, et, "node-e")
    t.ok(r.status == 401 and r.reason == "Unauthorized"
         and r.message == 'the bootstrap token "expird" has expired',
         "an expired token: 401 naming the expiry", r.body)
    ft = boot("futurt", "0123456789abcdef", "2099-01-01T00:00:00Z")
    t.eq(join(s, ft, "node-f").status, 201, "a token expiring in 2099 joins")


# ---------------------------------------------------------------- S3 audit

def audit(s, log):
    script = []  # (Resp, user, verb, objectRef subset, code)

    def do(user, method, path, body=None, token=None, verb=None, ref=None, code=None, hdr=None):
        r = s.req(method, path, body, headers=hdr, token=token or bearer(user))
        script.append((r, user, verb, ref, code, "%s %s %s" % (user, method, path)))
        return r
    do("root", "GET", "/api/v1/namespaces/default/services", verb="list",
       ref={"resource": "services", "namespace": "default", "apiVersion": "v1"}, code=200)
    do(None, "GET", "/api/v1/namespaces/default/services/kubernetes",
       token="Bearer " + tok("nobody"), verb="get", code=401,
       ref={"resource": "services", "namespace": "default", "name": "kubernetes"})
    do("bob", "GET", "/api/v1/namespaces/default/secrets/s3cret", verb="get",
       ref={"resource": "secrets", "namespace": "default", "name": "s3cret"}, code=403)
    value = "hunter2-the-audited-value"
    do("root", "POST", "/api/v1/namespaces/default/secrets", secret("s3cret", pw=value),
       verb="create", ref={"resource": "secrets", "namespace": "default"}, code=201)
    do("root", "POST", "/api/v1/namespaces/default/serviceaccounts",
       {"metadata": {"name": "aud"}}, verb="create", code=201,
       ref={"resource": "serviceaccounts", "namespace": "default"})
    r = do("root", "POST", "/api/v1/namespaces/default/serviceaccounts/aud/token",
           {"spec": {"expirationSeconds": 3600}}, verb="create", code=201,
           ref={"resource": "serviceaccounts", "namespace": "default", "name": "aud",
                "subresource": "token"})
    sa_tok = ((r.json or {}).get("status") or {}).get("token", "")
    do("system:serviceaccount:default:aud", "GET", "/api/v1/namespaces/default/pods",
       token="Bearer " + sa_tok, verb="list", code=403,
       ref={"resource": "pods", "namespace": "default"})
    do("root", "GET", "/api/v1/namespaces/default/secrets/s3cret", verb="get", code=200,
       ref={"resource": "secrets", "namespace": "default", "name": "s3cret"})
    do("root", "DELETE", "/api/v1/namespaces/default/secrets/s3cret", verb="delete", code=200,
       ref={"resource": "secrets", "namespace": "default", "name": "s3cret"})
    do("mon", "GET", "/metrics", verb="get", code=200)
    do("bob", "GET", "/apis", verb="get", code=200)
    do("root", "GET", "/api/v1/namespaces/default/services", verb="list", code=403,
       hdr={"Impersonate-User": "bob"})
    # the server writes a line once the response is out: give it a moment
    deadline = time.time() + 10
    events = {}
    while time.time() < deadline:
        with open(log) as f:
            events = {}
            for line in f:
                ev = json.loads(line)
                events[ev.get("auditID")] = ev
        if all(r.headers.get("audit-id") in events for r, *_ in script):
            break
        time.sleep(0.1)
    for r, user, verb, ref, code, text in script:
        aid = r.headers.get("audit-id")
        ev = events.get(aid)
        if not t.ok(aid and ev, "audit line for %s (Audit-Id %s)" % (text, aid), r):
            continue
        t.eq(r.status, code, "  %s: %d" % (text, code))
        bad = []
        if ev.get("kind") != "Event" or ev.get("apiVersion") != "audit.k8s.io/v1":
            bad.append("kind/apiVersion")
        if ev.get("level") != "Metadata" or ev.get("stage") != "ResponseComplete":
            bad.append("level/stage")
        if (ev.get("user") or {}).get("username") != user:
            bad.append("user")
        if ev.get("verb") != verb:
            bad.append("verb")
        if (ev.get("responseStatus") or {}).get("code") != code:
            bad.append("code")
        got_ref = ev.get("objectRef") or {}
        if any(got_ref.get(k) != v for k, v in (ref or {}).items()):
            bad.append("objectRef")
        if text.split()[-1] in ("/metrics", "/apis") and "objectRef" in ev:
            bad.append("objectRef on a non-resource path")
        t.ok(not bad, "  %s: user, verb, objectRef, code" % text,
             "wrong: %s\n%s" % (bad, json.dumps(ev)))
    imp = events.get(script[-1][0].headers.get("audit-id")) or {}
    t.eq((imp.get("impersonatedUser") or {}).get("username"), "bob",
         "the impersonating request names impersonatedUser bob")
    forbid = events.get(script[2][0].headers.get("audit-id")) or {}
    t.eq((forbid.get("annotations") or {}).get("authorization.k8s.io/decision"), "forbid",
         "the 403's decision annotation is forbid")
    allow = events.get(script[0][0].headers.get("audit-id")) or {}
    t.eq((allow.get("annotations") or {}).get("authorization.k8s.io/decision"), "allow",
         "the 200's decision annotation is allow")
    unauth = events.get(script[1][0].headers.get("audit-id")) or {}
    t.ok("user" not in unauth or not unauth["user"].get("username"),
         "the 401's event names no user", unauth)
    with open(log) as f:
        text = f.read()
    leaks = [x for x in [s.token, sa_tok, value, base64.b64encode(value.encode()).decode()]
             + [tok(u) for u in USERS] + [tok("nobody")] if x and x in text]
    t.ok(not leaks, "no token and no Secret value in the audit log", leaks)
    t.ok(sa_tok and len(text.splitlines()) >= len(script), "the log has every line")


def main():
    t0 = time.time()
    s1 = new_server("rbac")
    t.section("setup", setup_rbac, s1)
    t.section("table", run_table, s1)
    t.section("scale and status", scale_and_status, s1)
    t.section("escalation", escalation_messages, s1)
    t.section("403 bodies", forbidden_bodies, s1)
    t.section("impersonation", impersonation, s1)
    t.section("watch while RBAC changes", watch_while_rbac_changes, s1)
    t.section("reviews", reviews, s1)
    t.section("ServiceAccount tokens", sa_tokens, s1)
    s1.cleanup()
    s2 = new_server("nodes")
    t.section("nodes and join", nodes, s2)
    s2.cleanup()
    s3 = Server(name="audit")
    log = os.path.join(s3.data_dir, "audit.log")
    s3.extra = ["--token-auth-file", token_file(s3.data_dir), "--audit-log-path", log]
    s3.start()
    t.section("audit", audit, s3, log)
    print("# %.1f s" % (time.time() - t0))
    t.done()


main()
