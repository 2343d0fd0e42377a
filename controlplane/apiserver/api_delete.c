/* api_delete: DELETE of one object — DeleteOptions (dryRun, preconditions,
 * propagationPolicy, gracePeriodSeconds), graceful deletion, the
 * propagation policies' finalizers, and the store-level delete the
 * controllers share. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "api.h"
#include "api_crud.h"
#include "ktime.h"
#include "registry/res_util.h"

/* A DeleteOptions' dryRun: "All" sets *dry, any other value is the 422
 * upstream gives. 0, or -EINVAL after replying. */
static int api_opts_dry_run(struct http_req *req, const cJSON *opts, bool *dry)
{
	static const char *const supported[] = {"All", NULL};
	const cJSON *dr = cJSON_GetObjectItemCaseSensitive(opts, "dryRun"), *v;
	char msg[API_MSG];

	if (!cJSON_IsArray(dr))
		dr = NULL;
	cJSON_ArrayForEach(v, dr)
	{
		struct verrs e = {0};
		char *val;

		if (cJSON_IsString(v) && !strcmp(v->valuestring, "All")) {
			*dry = true;
			continue;
		}
		val = cJSON_PrintUnformatted(dr);
		snprintf(msg, sizeof(msg), "[]string%s", val ? val : "{}");
		free(val);
		verrs_not_supported(&e, "dryRun", msg, supported);
		api_status_invalid_kind(req, "DeleteOptions", "meta.k8s.io", "", &e);
		return -EINVAL;
	}
	return 0;
}

/* A DeleteOptions' preconditions against the stored object: 409 when the
 * uid or resourceVersion differs. 0, or -EINVAL after replying. */
static int api_opts_preconditions(struct http_req *req, const struct res_type *rt, const char *name,
				  const struct store_kv *kv, const cJSON *old, const cJSON *opts)
{
	const char *prv = json_str(opts, "preconditions.resourceVersion");
	const char *puid = json_str(opts, "preconditions.uid");
	char msg[API_MSG];

	if (puid && strcmp(puid, json_str(old, "metadata.uid") ?: "")) {
		snprintf(msg, sizeof(msg),
			 "Precondition failed: UID in precondition: %s, UID in object meta: %s",
			 puid, json_str(old, "metadata.uid") ?: "");
		api_status(req, 409, "Conflict", msg, api_details_plural(rt, name));
		return -EINVAL;
	}
	if (prv && strtoll(prv, NULL, 10) != kv->mod_rev) {
		api_status_conflict(req, rt, name);
		return -EINVAL;
	}
	return 0;
}

int api_delete_opts_check(struct http_req *req, const struct res_type *rt, const char *name,
			  const struct store_kv *kv, const cJSON *old, const cJSON *opts, bool *dry)
{
	if (api_opts_dry_run(req, opts, dry))
		return -EINVAL;
	return api_opts_preconditions(req, rt, name, kv, old, opts);
}

/* DeleteOptions from the body (kubectl sends its dryRun there, the python
 * client in the query), its dryRun checked; the caller reads the rest
 * (preconditions, propagationPolicy, gracePeriodSeconds). Returns 0, or
 * -EINVAL after replying. */
int api_delete_opts_parse(struct api *a, struct http_req *req, cJSON **optsp, bool *dry)
{
	cJSON *opts;
	size_t len;

	*optsp = NULL;
	if (api_dry_run(req, "DeleteOptions", dry))
		return -EINVAL;
	http_req_body(req, &len);
	if (!len)
		return 0;
	/* kubectl drain sends it as protobuf */
	opts = api_body_decode(a, req, "error decoding DeleteOptions", "v1", "DeleteOptions", NULL);
	if (!opts)
		return -EINVAL;
	if (api_opts_dry_run(req, opts, dry)) {
		cJSON_Delete(opts);
		return -EINVAL;
	}
	*optsp = opts;
	return 0;
}

/* DeleteOptions.propagationPolicy (the body's, else the query's; the
 * deprecated orphanDependents: true is Orphan) into pol, "" when none, as
 * upstream's ValidateDeleteOptions checks it. 0, or -EINVAL after a 422. */
static int api_delete_policy(struct http_req *req, const cJSON *opts, char pol[16])
{
	static const char *const supported[] = {API_DELETE_FOREGROUND, API_DELETE_BACKGROUND,
						API_DELETE_ORPHAN, "nil", NULL};
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(opts, "propagationPolicy");
	const cJSON *od = cJSON_GetObjectItemCaseSensitive(opts, "orphanDependents");
	const char *v =
	    cJSON_IsString(p) ? p->valuestring : http_req_query(req, "propagationPolicy");
	struct verrs e = {0};
	char q[80];

	pol[0] = 0;
	if (v) {
		snprintf(q, sizeof(q), "\"%.60s\"", v);
		if (cJSON_IsBool(od))
			verrs_invalid(
			    &e, "propagationPolicy", q,
			    "orphanDependents and deletionPropagation cannot be both set");
		if (strcmp(v, API_DELETE_FOREGROUND) && strcmp(v, API_DELETE_BACKGROUND) &&
		    strcmp(v, API_DELETE_ORPHAN))
			verrs_not_supported(&e, "propagationPolicy", q, supported);
		if (e.n) {
			api_status_invalid_kind(req, "DeleteOptions", "meta.k8s.io", "", &e);
			return -EINVAL;
		}
		snprintf(pol, 16, "%s", v);
	} else if (cJSON_IsTrue(od)) {
		snprintf(pol, 16, "%s", API_DELETE_ORPHAN);
	}
	return 0;
}

/* DeleteOptions.gracePeriodSeconds (the body's, else the query's) into
 * *g. 0, or -EINVAL after a 400 for one that is not an integer. */
int api_delete_grace_opt(struct http_req *req, const cJSON *opts, struct api_grace *g)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(opts, "gracePeriodSeconds");
	const char *q = http_req_query(req, "gracePeriodSeconds");
	char *end;

	g->given = false;
	if (cJSON_IsNumber(v)) {
		g->given = true;
		g->seconds = (long long)v->valuedouble;
	} else if (v && !cJSON_IsNull(v)) {
		api_status(req, 400, "BadRequest",
			   "json: cannot unmarshal into Go struct field "
			   "DeleteOptions.gracePeriodSeconds of type int64",
			   NULL);
		return -EINVAL;
	} else if (q) {
		g->seconds = strtoll(q, &end, 10);
		if (!*q || *end) {
			char msg[API_MSG];

			snprintf(
			    msg, sizeof(msg),
			    "failed to parse \"gracePeriodSeconds\": strconv.ParseInt: parsing "
			    "\"%.60s\": invalid syntax",
			    q);
			api_status(req, 400, "BadRequest", msg, NULL);
			return -EINVAL;
		}
		g->given = true;
	}
	return 0;
}

static int api_delete_options(struct api *a, struct http_req *req, const struct res_type *rt,
			      const char *name, const struct store_kv *kv, const cJSON *old,
			      bool *dry, char pol[16], struct api_grace *g)
{
	cJSON *opts;
	int err;

	pol[0] = 0;
	if (api_delete_opts_parse(a, req, &opts, dry))
		return -EINVAL;
	err = api_delete_grace_opt(req, opts, g);
	if (!err)
		err = api_delete_policy(req, opts, pol);
	if (!err && opts)
		err = api_opts_preconditions(req, rt, name, kv, old, opts);
	cJSON_Delete(opts);
	return err;
}

/* Foreground or Orphan: obj gets a deletionTimestamp (the first one
 * stays) and the garbage collector's finalizer for the policy (the other
 * one dropped, as upstream's updateForGracefulDeletionAndFinalizers). */
static void api_delete_mark_policy(cJSON *obj, const char *policy, const char *now)
{
	const char *fin =
	    strcmp(policy, API_DELETE_ORPHAN) ? API_FINALIZER_FOREGROUND : API_FINALIZER_ORPHAN;
	const char *other =
	    strcmp(policy, API_DELETE_ORPHAN) ? API_FINALIZER_ORPHAN : API_FINALIZER_FOREGROUND;
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata"), *fins, *f, *next;
	bool have = false;

	if (!json_at(obj, "metadata.deletionTimestamp")) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionTimestamp");
		cJSON_AddStringToObject(md, "deletionTimestamp", now);
		cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionGracePeriodSeconds");
		cJSON_AddNumberToObject(md, "deletionGracePeriodSeconds", 0);
	}
	fins = cJSON_GetObjectItemCaseSensitive(md, "finalizers");
	if (!cJSON_IsArray(fins)) {
		cJSON_DeleteItemFromObjectCaseSensitive(md, "finalizers");
		fins = cJSON_AddArrayToObject(md, "finalizers");
	}
	for (f = fins->child; f; f = next) {
		next = f->next;
		if (cJSON_IsString(f) && !strcmp(f->valuestring, other))
			cJSON_Delete(cJSON_DetachItemViaPointer(fins, f));
		else if (cJSON_IsString(f) && !strcmp(f->valuestring, fin))
			have = true;
	}
	if (!have)
		cJSON_AddItemToArray(fins, cJSON_CreateString(fin));
}

/* Graceful deletion of obj, of a type with delete_grace (upstream's
 * rest.BeforeDelete). Returns API_GRACE_STORE when obj was changed and is
 * to be stored instead of removed (a first deletion: a deletionTimestamp
 * the grace period ahead; a later one that shortens the period),
 * API_GRACE_PENDING when a deletion under way stays as it is, and 0 when
 * obj is to be removed now (grace 0: the kubelet's last delete, a pod on
 * no node, a forced delete). */
enum { API_GRACE_STORE = 1, API_GRACE_PENDING = 2 };

static int api_delete_grace(const struct res_type *rt, cJSON *obj, const struct api_grace *g)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *dgp = cJSON_GetObjectItemCaseSensitive(md, "deletionGracePeriodSeconds");
	const cJSON *gen = cJSON_GetObjectItemCaseSensitive(md, "generation");
	const char *ts = json_str(obj, "metadata.deletionTimestamp");
	/* a negative period is taken as 1 s, as upstream */
	long long want = g && g->given ? (g->seconds < 0 ? 1 : g->seconds) : 0, p;
	char at[32];

	if (!cJSON_IsObject(md))
		return 0;
	if (ts) {
		long long cur = cJSON_IsNumber(dgp) ? (long long)dgp->valuedouble : 0;

		/* no period left (or none recorded): the removal is due */
		if (cur <= 0)
			return 0;
		/* only a shorter period may be asked for */
		if (!g || !g->given || want >= cur)
			return API_GRACE_PENDING;
		if (want == 0)
			return 0;
		ktime_format(res_parse_time(ts) - (time_t)cur + (time_t)want, at, sizeof(at));
		p = want;
	} else {
		p = rt->delete_grace(obj, g && g->given, want);
		if (p <= 0)
			return 0;
		ktime_format(time(NULL) + (time_t)p, at, sizeof(at));
		/* controllers see the change of intent (upstream bumps it too) */
		if (cJSON_IsNumber(gen) && gen->valuedouble > 0)
			cJSON_SetNumberValue((cJSON *)gen, gen->valuedouble + 1);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionTimestamp");
	cJSON_AddStringToObject(md, "deletionTimestamp", at);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionGracePeriodSeconds");
	cJSON_AddNumberToObject(md, "deletionGracePeriodSeconds", (double)p);
	return API_GRACE_STORE;
}

static void api_reply_deleted(struct http_req *req, const struct res_type *rt, const char *name,
			      const cJSON *old)
{
	cJSON *st, *d;

	if (res_stored(rt)->delete_returns_object) {
		api_reply_view(req, 200, rt, old);
		return;
	}
	st = cJSON_CreateObject();
	d = api_details_plural(rt, name);
	/* a Success Status has no message/reason upstream */
	cJSON_AddStringToObject(d, "uid", json_str(old, "metadata.uid") ?: "");
	cJSON_AddStringToObject(st, "kind", "Status");
	cJSON_AddStringToObject(st, "apiVersion", "v1");
	cJSON_AddItemToObject(st, "metadata", cJSON_CreateObject());
	cJSON_AddStringToObject(st, "status", "Success");
	cJSON_AddItemToObject(st, "details", d);
	api_reply_json(req, 200, st);
	cJSON_Delete(st);
}

int64_t api_store_delete(struct api *a, const struct res_type *view, const char *ns,
			 const char *name, bool mark)
{
	return api_store_delete_policy(a, view, ns, name, mark ? "" : NULL);
}

int64_t api_store_delete_policy(struct api *a, const struct res_type *view, const char *ns,
				const char *name, const char *policy)
{
	return api_store_delete_grace(a, view, ns, name, policy, NULL);
}

int64_t api_store_delete_grace(struct api *a, const struct res_type *view, const char *ns,
			       const char *name, const char *policy, const struct api_grace *g)
{
	bool mark = policy != NULL;
	const struct res_type *rt = res_stored(view);
	char key[600], now[32];
	const struct store_kv *kv;
	cJSON *old;
	char *text;
	int64_t rev;

	api_key(key, sizeof(key), rt, ns, name);
	kv = store_get(a->store, key);
	if (!kv)
		return -ENOENT;
	old = cJSON_Parse(kv->value);
	if (!old)
		return -EBADMSG;
	api_meta_now(now);
	if (mark && rt->delete_grace) {
		int gr = api_delete_grace(rt, old, g);

		if (gr == API_GRACE_PENDING) {
			cJSON_Delete(old);
			return 0;
		}
		if (gr == API_GRACE_STORE) {
			/* kept until its kubelet has stopped it (and the GC's
			 * finalizer, for a Foreground or Orphan policy) */
			if (!strcmp(policy, API_DELETE_FOREGROUND) ||
			    !strcmp(policy, API_DELETE_ORPHAN))
				api_delete_mark_policy(old, policy, now);
			rev = api_put(a, key, old, kv->mod_rev, false);
			cJSON_Delete(old);
			return rev < 0 ? rev : 0;
		}
	}
	if (mark && rt->delete_mark && rt->delete_mark(old, now)) {
		/* marked, not removed: stored as an update (an event, a new RV) */
		rev = api_put(a, key, old, kv->mod_rev, false);
		cJSON_Delete(old);
		return rev < 0 ? rev : 0;
	}
	/* a type with its own deletion (namespaces) keeps it */
	if (mark && !rt->delete_mark &&
	    (!strcmp(policy, API_DELETE_FOREGROUND) || !strcmp(policy, API_DELETE_ORPHAN))) {
		api_delete_mark_policy(old, policy, now);
		rev = api_put(a, key, old, kv->mod_rev, false);
		cJSON_Delete(old);
		return rev < 0 ? rev : 0;
	}
	/* the DELETED event carries the last state with the deletion RV */
	api_set_rv(old, store_next_rev(a->store));
	text = cJSON_PrintUnformatted(old);
	rev = text ? store_delete(a->store, key, kv->mod_rev, text) : -ENOMEM;
	free(text);
	if (rev >= 0)
		api_release(a, rt, old, NULL);
	cJSON_Delete(old);
	return rev;
}

void api_delete(struct api *a, struct http_req *req, const struct api_target *t)
{
	const struct res_type *rt = t->rt;
	const struct store_kv *kv;
	cJSON *old = api_load_or_reply(a, req, t, &kv);
	const char *why;
	char msg[API_MSG], pol[16];
	struct api_grace g = {0};
	int64_t rev;
	bool dry = false;

	if (!old)
		return;
	if (api_admit(a, req, t, "delete", NULL, old))
		goto out;
	why = res_stored(rt)->delete_forbidden ? res_stored(rt)->delete_forbidden(old) : NULL;
	if (why) {
		snprintf(msg, sizeof(msg), "%s \"%s\" is forbidden: %s", res_qualified(rt), t->name,
			 why);
		api_status(req, 403, "Forbidden", msg, api_details_plural(rt, t->name));
		goto out;
	}
	if (api_delete_options(a, req, rt, t->name, kv, old, &dry, pol, &g))
		goto out;
	if (dry) {
		/* nothing deleted, no revision consumed: the object as it is, or
		 * as a graceful deletion would leave it */
		if (res_stored(rt)->delete_grace &&
		    api_delete_grace(res_stored(rt), old, &g) == API_GRACE_STORE)
			api_reply_view(req, 200, rt, old);
		else
			api_reply_deleted(req, rt, t->name, old);
		goto out;
	}
	rev = api_store_delete_grace(a, rt, t->ns, t->name, pol, &g);
	if (rev < 0) {
		api_status_store_err(a, req, rt, t->name, rev);
		goto out;
	}
	if (rev == 0) {
		/* marked for deletion (a Terminating namespace, a Foreground or
		 * Orphan deletion): the new state */
		cJSON *cur = api_load(a, t, &kv);

		api_reply_view(req, 200, rt, cur ? cur : old);
		cJSON_Delete(cur);
	} else {
		api_set_rv(old, rev);
		api_reply_deleted(req, rt, t->name, old);
	}
	http_req_defer(req);
out:
	cJSON_Delete(old);
}
