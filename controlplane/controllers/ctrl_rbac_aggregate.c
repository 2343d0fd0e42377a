/* ctrl_rbac_aggregate: kube-controller-manager's clusterrole-aggregation
 * controller. A ClusterRole with aggregationRule.clusterRoleSelectors is
 * not edited by hand: its rules are the union of the rules of every other
 * ClusterRole whose labels match one of its selectors, as upstream builds
 * it (selector by selector, the matching roles by name, each role's rules
 * in order, a rule equal to one already taken left out), so the result is
 * stable and the role is rewritten only when it changes. Aggregated roles
 * are queued by name whenever a ClusterRole their selectors match (before
 * or after the change) is written or deleted, and when they change
 * themselves (a manual edit of their rules is put back). */
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "apiserver/api.h"
#include "controllers.h"
#include "jcmp.h"
#include "log.h"
#include "registry/res_util.h"

/* Aggregated roles are looked at again this often, so one whose rewrite
 * was rolled back by a failed commit (no event follows) is made right. */
#define CRA_RESYNC 30.0
#define CRA_PREFIX "/registry/clusterroles/"

struct ctrl_rbac_aggregate {
	struct api *a;
	struct ctrl_informer *inf;
	struct ctrl_queue *q;
	bool wrote; /* a sync wrote since this was last cleared */
};

static const cJSON *cra_selectors(const cJSON *role)
{
	const cJSON *sels = json_at(role, "aggregationRule.clusterRoleSelectors");

	return cJSON_IsArray(sels) ? sels : NULL;
}

/* Does one of agg's selectors match labels? */
static bool cra_selects(const cJSON *agg, const cJSON *labels)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, cra_selectors(agg))
	{
		if (res_selector_matches(s, labels))
			return true;
	}
	return false;
}

struct cra_change {
	struct ctrl_rbac_aggregate *c;
	const char *key;
	const cJSON *labels[2]; /* the changed role's labels before and after */
};

static void cra_queue_affected(void *ud, const char *key, const cJSON *obj)
{
	struct cra_change *ch = ud;

	if (!cra_selectors(obj))
		return;
	/* itself: a manual edit of its rules or selectors */
	if (!strcmp(key, ch->key) || (ch->labels[0] && cra_selects(obj, ch->labels[0])) ||
	    (ch->labels[1] && cra_selects(obj, ch->labels[1])))
		ctrl_queue_add(ch->c->q, key);
}

/* A role (obj, NULL when deleted; old, NULL when new) changed: queue the
 * aggregated roles it feeds or fed. */
static void cra_changed(struct ctrl_rbac_aggregate *c, const char *key, const cJSON *obj,
			const cJSON *old)
{
	/* a role without labels is matched by an empty selector only */
	static const cJSON none = {.type = cJSON_Object};
	struct cra_change ch = {c, key, {NULL, NULL}};

	if (old)
		ch.labels[0] = json_at(old, "metadata.labels") ?: &none;
	if (obj)
		ch.labels[1] = json_at(obj, "metadata.labels") ?: &none;
	ctrl_informer_foreach(c->inf, cra_queue_affected, &ch);
}

static void cra_upsert(void *ud, const char *key, const cJSON *obj, const cJSON *old)
{
	cra_changed(ud, key, obj, old);
}

static void cra_remove(void *ud, const char *key, const cJSON *old)
{
	cra_changed(ud, key, NULL, old);
}

static const struct informer_ops cra_ops = {.upsert = cra_upsert, .remove = cra_remove};

struct cra_role {
	const char *name;
	const cJSON *obj;
};

struct cra_roles {
	struct cra_role *v;
	size_t n, cap;
	bool nomem;
};

static void cra_collect(void *ud, const char *key, const cJSON *obj)
{
	struct cra_roles *r = ud;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 64;
		struct cra_role *v = realloc(r->v, cap * sizeof(*v));

		if (!v) {
			r->nomem = true;
			return;
		}
		r->v = v;
		r->cap = cap;
	}
	r->v[r->n++] = (struct cra_role){key, obj};
}

static int cra_by_name(const void *x, const void *y)
{
	return strcmp(((const struct cra_role *)x)->name, ((const struct cra_role *)y)->name);
}

/* Append a copy of rule to out unless an equal rule is there. 0 or -ENOMEM. */
static int cra_add_rule(cJSON *out, const cJSON *rule)
{
	const cJSON *have;
	cJSON *dup;

	cJSON_ArrayForEach(have, out)
	{
		int eq = jcmp_equal(have, rule);

		if (eq < 0)
			return eq;
		if (eq)
			return 0;
	}
	dup = cJSON_Duplicate(rule, true);
	if (!dup || !cJSON_AddItemToArray(out, dup)) {
		cJSON_Delete(dup);
		return -ENOMEM;
	}
	return 0;
}

/* The rules agg (named name) should hold, from the cache; NULL on -ENOMEM. */
static cJSON *cra_union(struct ctrl_rbac_aggregate *c, const char *name, const cJSON *agg)
{
	struct cra_roles roles = {0};
	cJSON *out = cJSON_CreateArray();
	const cJSON *sel, *rule;

	if (!out)
		return NULL;
	ctrl_informer_foreach(c->inf, cra_collect, &roles);
	if (roles.nomem)
		goto nomem;
	/* the cache has no fixed order; upstream sorts the matches by name */
	if (roles.n)
		qsort(roles.v, roles.n, sizeof(*roles.v), cra_by_name);
	cJSON_ArrayForEach(sel, cra_selectors(agg))
	{
		for (size_t i = 0; i < roles.n; i++) {
			const cJSON *labels = json_at(roles.v[i].obj, "metadata.labels");

			if (!strcmp(roles.v[i].name, name) || !res_selector_matches(sel, labels))
				continue;
			cJSON_ArrayForEach(
			    rule, cJSON_GetObjectItemCaseSensitive(roles.v[i].obj, "rules"))
			{
				if (cra_add_rule(out, rule))
					goto nomem;
			}
		}
	}
	free(roles.v);
	return out;
nomem:
	free(roles.v);
	cJSON_Delete(out);
	return NULL;
}

static int cra_sync(void *ud, const char *name)
{
	struct ctrl_rbac_aggregate *c = ud;
	const cJSON *agg = ctrl_informer_get(c->inf, name);
	const struct store_kv *kv;
	const cJSON *have;
	cJSON *want, *obj;
	char key[300];
	int64_t rev;
	int eq;

	if (!cra_selectors(agg))
		return 0;
	want = cra_union(c, name, agg);
	if (!want)
		return -ENOMEM;
	/* rewrite the stored state: the cache lags it by the uncommitted writes */
	snprintf(key, sizeof(key), CRA_PREFIX "%s", name);
	kv = store_get(c->a->store, key);
	obj = kv ? cJSON_Parse(kv->value) : NULL;
	if (!obj || !cra_selectors(obj)) {
		/* deleted, or no longer aggregated: its event queues it again */
		cJSON_Delete(want);
		cJSON_Delete(obj);
		return 0;
	}
	have = cJSON_GetObjectItemCaseSensitive(obj, "rules");
	/* no rules and an empty list are the same role */
	eq = cJSON_GetArraySize(have) || cJSON_GetArraySize(want) ? jcmp_equal(have, want) : 1;
	if (eq) {
		cJSON_Delete(want);
		cJSON_Delete(obj);
		return eq < 0 ? eq : 0;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "rules");
	cJSON_AddItemToObject(obj, "rules", want);
	/* -ESTALE (written since it was read) is retried with back-off */
	rev = api_put(c->a, key, obj, kv->mod_rev, false);
	cJSON_Delete(obj);
	if (rev < 0) {
		pr_err("clusterrole %s: cannot aggregate its rules: %s", name, strerror((int)-rev));
		return (int)rev;
	}
	pr_debug("clusterrole %s: rules aggregated", name);
	c->wrote = true;
	return 0;
}

static void cra_after(void *ud)
{
	struct ctrl_rbac_aggregate *c = ud;

	api_commit(c->a);
}

static bool cra_aggregated(const cJSON *role)
{
	return cra_selectors(role) != NULL;
}

static void cra_sync_aggregated(void *ud, const char *key, const cJSON *obj)
{
	struct ctrl_rbac_aggregate *c = ud;

	if (cra_aggregated(obj) && cra_sync(c, key))
		ctrl_queue_add(c->q, key);
}

int ctrl_rbac_aggregate_start(struct api *a, struct ev_loop *loop, struct ctrl_rbac_aggregate **out)
{
	struct ctrl_rbac_aggregate *c = calloc(1, sizeof(*c));
	size_t rounds;
	int err = -ENOMEM;

	if (!c)
		return -ENOMEM;
	c->a = a;
	c->q = ctrl_queue_new(loop, cra_sync, cra_after, c);
	c->inf = ctrl_informer_new(a->store, CRA_PREFIX, &cra_ops, c);
	if (!c->q || !c->inf)
		goto err;
	err = ctrl_informer_start(c->inf);
	if (err)
		goto err;
	/* The default roles (admin, edit, view) start empty: fill them before
	 * the server answers its first request. An aggregated role may feed
	 * another (edit is in admin), so rounds are repeated, each committed
	 * (its events refresh the cache), until nothing changes; a chain is
	 * at most as long as there are roles. The queue finishes what is left
	 * (a write that failed). */
	rounds = store_count(a->store, CRA_PREFIX) + 1;
	do {
		c->wrote = false;
		ctrl_informer_foreach(c->inf, cra_sync_aggregated, c);
		api_commit(a);
	} while (c->wrote && --rounds);
	ctrl_queue_resync(c->q, c->inf, CRA_RESYNC, cra_aggregated);
	*out = c;
	return 0;
err:
	ctrl_rbac_aggregate_stop(c);
	return err;
}

void ctrl_rbac_aggregate_stop(struct ctrl_rbac_aggregate *c)
{
	if (!c)
		return;
	ctrl_informer_free(c->inf);
	ctrl_queue_free(c->q);
	free(c);
}
