/* rbac: the RBAC authorizer's index (kube-apiserver's
 * plugin/pkg/auth/authorizer/rbac, with its lookups made hash lookups).
 *
 * Four in-process informers cache the Roles, ClusterRoles, RoleBindings
 * and ClusterRoleBindings from the store and follow its committed events.
 * The bindings are also indexed by subject: the key
 * "<scope>\x1f<U|G>\x1f<name>" (scope "" for ClusterRoleBindings, the
 * namespace for RoleBindings; a ServiceAccount subject is indexed as its
 * user name system:serviceaccount:<ns>:<name>) holds the list of bindings
 * naming that subject. Deciding a request costs one lookup per (scope,
 * user or group) and the rules of the roles actually bound to the asker,
 * however many bindings the cluster holds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "auth_int.h"
#include "controllers/controllers.h"
#include "json_path.h"
#include "log.h"
#include "rbac_match.h"

/* One binding's entry in the list of one of its subjects. */
struct rbac_ref {
	char *binding; /* informer key of the binding: "ns/name" or "name" */
	bool cluster;  /* a ClusterRoleBinding */
	bool to_cluster_role;
	char *role; /* roleRef.name */
};

/* The bindings of one subject key. */
struct rbac_subject {
	struct rbac_ref *refs;
	size_t n, cap;
};

struct rbac {
	struct ctrl_informer *roles, *croles, *rbs, *crbs;
	struct strmap subjects; /* subject key -> struct rbac_subject * */
};

static int rbac_subject_key(char *buf, size_t len, const char *scope, const cJSON *subj,
			    const char *binding_ns)
{
	const char *kind = json_str(subj, "kind"), *name = json_str(subj, "name");
	const char *ns = json_str(subj, "namespace");
	int n;

	if (!kind || !name)
		return -EINVAL;
	if (!strcmp(kind, "User"))
		n = snprintf(buf, len, "%s\x1fU\x1f%s", scope, name);
	else if (!strcmp(kind, "Group"))
		n = snprintf(buf, len, "%s\x1fG\x1f%s", scope, name);
	else if (!strcmp(kind, "ServiceAccount"))
		n = snprintf(buf, len, "%s\x1fU\x1f" AUTH_SA_PREFIX "%s:%s", scope,
			     ns && *ns ? ns : binding_ns, name);
	else
		return -EINVAL;
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Split an informer key "ns/name" into the namespace (copied) and name. */
static const char *rbac_key_ns(const char *key, char *ns, size_t len)
{
	const char *slash = strchr(key, '/');

	if (!slash || (size_t)(slash - key) >= len) {
		ns[0] = 0;
		return key;
	}
	memcpy(ns, key, (size_t)(slash - key));
	ns[slash - key] = 0;
	return slash + 1;
}

static void rbac_unindex(struct rbac *r, const char *key, const cJSON *b, bool cluster)
{
	char ns[254], skey[600];
	const cJSON *subj;

	rbac_key_ns(key, ns, sizeof(ns));
	cJSON_ArrayForEach(subj, cJSON_GetObjectItemCaseSensitive(b, "subjects"))
	{
		struct rbac_subject *s;

		if (rbac_subject_key(skey, sizeof(skey), cluster ? "" : ns, subj, ns) < 0)
			continue;
		s = strmap_get(&r->subjects, skey);
		for (size_t i = 0; s && i < s->n; i++) {
			struct rbac_ref *ref = &s->refs[i];

			if (ref->cluster != cluster || strcmp(ref->binding, key))
				continue;
			free(ref->binding);
			free(ref->role);
			s->refs[i--] = s->refs[--s->n];
		}
		if (s && !s->n) {
			strmap_del(&r->subjects, skey);
			free(s->refs);
			free(s);
		}
	}
}

static int rbac_add_ref(struct rbac *r, const char *skey, const struct rbac_ref *ref)
{
	struct rbac_subject *s = strmap_get(&r->subjects, skey);
	struct rbac_ref *grown;

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s || strmap_put(&r->subjects, skey, s, NULL) < 0) {
			free(s);
			return -ENOMEM;
		}
	}
	for (size_t i = 0; i < s->n; i++) /* a subject listed twice */
		if (s->refs[i].cluster == ref->cluster && !strcmp(s->refs[i].binding, ref->binding))
			return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 2;

		grown = realloc(s->refs, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		s->refs = grown;
		s->cap = cap;
	}
	s->refs[s->n] = *ref;
	s->refs[s->n].binding = strdup(ref->binding);
	s->refs[s->n].role = strdup(ref->role);
	if (!s->refs[s->n].binding || !s->refs[s->n].role) {
		free(s->refs[s->n].binding);
		free(s->refs[s->n].role);
		return -ENOMEM;
	}
	s->n++;
	return 0;
}

static void rbac_index(struct rbac *r, const char *key, const cJSON *b, bool cluster)
{
	const char *kind = json_str(b, "roleRef.kind"), *role = json_str(b, "roleRef.name");
	char ns[254], skey[600];
	const cJSON *subj;
	struct rbac_ref ref = {.binding = (char *)key, .cluster = cluster, .role = (char *)role};

	if (!kind || !role)
		return;
	ref.to_cluster_role = !strcmp(kind, "ClusterRole");
	if (!ref.to_cluster_role && (cluster || strcmp(kind, "Role")))
		return;
	rbac_key_ns(key, ns, sizeof(ns));
	cJSON_ArrayForEach(subj, cJSON_GetObjectItemCaseSensitive(b, "subjects"))
	{
		if (rbac_subject_key(skey, sizeof(skey), cluster ? "" : ns, subj, ns) < 0)
			continue;
		if (rbac_add_ref(r, skey, &ref) < 0)
			pr_err("rbac: out of memory indexing %s; its subjects may be denied", key);
	}
}

static void rbac_rb_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	if (old)
		rbac_unindex(ud, key, old, false);
	rbac_index(ud, key, obj, false);
}

static void rbac_rb_remove(void *ud, const char *key, const cJSON *old)
{
	rbac_unindex(ud, key, old, false);
}

static void rbac_crb_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	if (old)
		rbac_unindex(ud, key, old, true);
	rbac_index(ud, key, obj, true);
}

static void rbac_crb_remove(void *ud, const char *key, const cJSON *old)
{
	rbac_unindex(ud, key, old, true);
}

static const struct informer_ops rbac_rb_ops = {.upsert = rbac_rb_upsert, .remove = rbac_rb_remove};
static const struct informer_ops rbac_crb_ops = {.upsert = rbac_crb_upsert,
						 .remove = rbac_crb_remove};
static const struct informer_ops rbac_role_ops = {0};

int rbac_new(struct store *st, struct rbac **out)
{
	struct rbac *r = calloc(1, sizeof(*r));
	int err = -ENOMEM;

	if (!r)
		return -ENOMEM;
	strmap_init(&r->subjects);
	r->roles = ctrl_informer_new(st, "/registry/roles/", &rbac_role_ops, r);
	r->croles = ctrl_informer_new(st, "/registry/clusterroles/", &rbac_role_ops, r);
	r->rbs = ctrl_informer_new(st, "/registry/rolebindings/", &rbac_rb_ops, r);
	r->crbs = ctrl_informer_new(st, "/registry/clusterrolebindings/", &rbac_crb_ops, r);
	if (!r->roles || !r->croles || !r->rbs || !r->crbs)
		goto err_free;
	if ((err = ctrl_informer_start(r->roles)) || (err = ctrl_informer_start(r->croles)) ||
	    (err = ctrl_informer_start(r->rbs)) || (err = ctrl_informer_start(r->crbs)))
		goto err_free;
	*out = r;
	return 0;

err_free:
	rbac_free(r);
	return err;
}

static void rbac_subject_free(void *ud, const char *key, void *val)
{
	struct rbac_subject *s = val;

	for (size_t i = 0; i < s->n; i++) {
		free(s->refs[i].binding);
		free(s->refs[i].role);
	}
	free(s->refs);
	free(s);
}

void rbac_free(struct rbac *r)
{
	if (!r)
		return;
	ctrl_informer_free(r->roles);
	ctrl_informer_free(r->croles);
	ctrl_informer_free(r->rbs);
	ctrl_informer_free(r->crbs);
	strmap_foreach(&r->subjects, rbac_subject_free, NULL);
	strmap_free(&r->subjects);
	free(r);
}

const cJSON *rbac_role_rules(const struct rbac *r, const char *ns, const char *kind,
			     const char *name)
{
	const cJSON *role;
	char key[520];

	if (!strcmp(kind, "ClusterRole")) {
		role = ctrl_informer_get(r->croles, name);
	} else {
		snprintf(key, sizeof(key), "%s/%s", ns, name);
		role = ctrl_informer_get(r->roles, key);
	}
	return role ? cJSON_GetObjectItemCaseSensitive(role, "rules") : NULL;
}

/* Walk the bindings that apply to u in scope ("" for cluster bindings,
 * else RoleBindings of that namespace): fn(ud, ref, rules) until it
 * returns true. Returns whether it did. */
typedef bool (*rbac_visit_fn)(void *ud, const struct rbac_ref *ref, const char *scope,
			      const cJSON *rules);

static bool rbac_visit_key(const struct rbac *r, const char *skey, const char *scope,
			   rbac_visit_fn fn, void *ud)
{
	const struct rbac_subject *s = strmap_get(&r->subjects, skey);

	for (size_t i = 0; s && i < s->n; i++) {
		const struct rbac_ref *ref = &s->refs[i];
		const cJSON *rules = rbac_role_rules(
		    r, scope, ref->to_cluster_role ? "ClusterRole" : "Role", ref->role);

		if (rules && fn(ud, ref, scope, rules))
			return true;
	}
	return false;
}

static bool rbac_visit(const struct rbac *r, const struct auth_user *u, const char *scope,
		       rbac_visit_fn fn, void *ud)
{
	char skey[600];

	snprintf(skey, sizeof(skey), "%s\x1fU\x1f%s", scope, u->name);
	if (rbac_visit_key(r, skey, scope, fn, ud))
		return true;
	for (int i = 0; i < u->ngroups; i++) {
		snprintf(skey, sizeof(skey), "%s\x1fG\x1f%s", scope, u->groups[i]);
		if (rbac_visit_key(r, skey, scope, fn, ud))
			return true;
	}
	return false;
}

struct rbac_decide {
	const struct auth_attrs *at;
	const struct auth_user *u;
	char *reason;
	size_t len;
};

static bool rbac_decide_one(void *ud, const struct rbac_ref *ref, const char *scope,
			    const cJSON *rules)
{
	struct rbac_decide *d = ud;
	const cJSON *rule;

	cJSON_ArrayForEach(rule, rules)
	{
		if (!rbac_rule_allows(rule, d->at))
			continue;
		if (d->reason)
			snprintf(d->reason, d->len, "RBAC: allowed by %s \"%s\" of %s \"%s\"",
				 ref->cluster ? "ClusterRoleBinding" : "RoleBinding", ref->binding,
				 ref->to_cluster_role ? "ClusterRole" : "Role", ref->role);
		return true;
	}
	return false;
}

enum auth_decision rbac_authorize(const struct rbac *r, const struct auth_user *u,
				  const struct auth_attrs *at, char *reason, size_t len)
{
	struct rbac_decide d = {at, u, reason, len};

	/* a namespaced request is most often allowed by a RoleBinding there */
	if (at->resource_request && at->ns && *at->ns &&
	    rbac_visit(r, u, at->ns, rbac_decide_one, &d))
		return AUTH_ALLOW;
	if (rbac_visit(r, u, "", rbac_decide_one, &d))
		return AUTH_ALLOW;
	if (reason && len)
		reason[0] = 0;
	return AUTH_DENY;
}

static bool rbac_collect(void *ud, const struct rbac_ref *ref, const char *scope,
			 const cJSON *rules)
{
	const cJSON *rule;

	cJSON_ArrayForEach(rule, rules) cJSON_AddItemToArray(ud, cJSON_Duplicate(rule, true));
	return false;
}

void rbac_rules_for(const struct rbac *r, const struct auth_user *u, const char *ns, cJSON *out)
{
	rbac_visit(r, u, "", rbac_collect, out);
	if (ns && *ns)
		rbac_visit(r, u, ns, rbac_collect, out);
}
