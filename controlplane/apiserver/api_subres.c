/* api_subres: the /scale, /binding and /eviction subresources. (/status
 * shares the update pipeline in api_crud.c.) */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "jcmp.h"
#include "patch/patch.h"
#include "selector.h"

/* --- /scale (k8s-api.md §6.6) --- */

static cJSON *api_scale_of(const struct res_type *rt, const cJSON *obj)
{
	cJSON *s = cJSON_CreateObject(), *md, *spec, *st;
	const cJSON *omd = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *ospec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	const cJSON *ostat = cJSON_GetObjectItemCaseSensitive(obj, "status");
	const cJSON *r = cJSON_GetObjectItemCaseSensitive(ospec, "replicas");
	const cJSON *sr = cJSON_GetObjectItemCaseSensitive(ostat, "replicas");
	const cJSON *sl = cJSON_GetObjectItemCaseSensitive(ospec, "selector");
	const cJSON *ml =
	    rt->scale_selector_map ? sl : cJSON_GetObjectItemCaseSensitive(sl, "matchLabels");
	char *sel = sel_map_string(ml);

	cJSON_AddStringToObject(s, "kind", "Scale");
	cJSON_AddStringToObject(s, "apiVersion", "autoscaling/v1");
	md = cJSON_AddObjectToObject(s, "metadata");
	for (const char **k = (const char *[]){"name", "namespace", "uid", "resourceVersion",
					       "creationTimestamp", NULL};
	     *k; k++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(omd, *k);

		if (v)
			cJSON_AddItemToObject(md, *k, cJSON_Duplicate(v, true));
	}
	spec = cJSON_AddObjectToObject(s, "spec");
	cJSON_AddNumberToObject(spec, "replicas", cJSON_IsNumber(r) ? r->valuedouble : 0);
	st = cJSON_AddObjectToObject(s, "status");
	cJSON_AddNumberToObject(st, "replicas", cJSON_IsNumber(sr) ? sr->valuedouble : 0);
	cJSON_AddStringToObject(st, "selector", sel ? sel : "");
	free(sel);
	return s;
}

void api_scale(struct api *a, struct http_req *req, const struct api_target *t)
{
	const char *m = http_req_method(req);
	char key[600], rv[24];
	const struct store_kv *kv;
	cJSON *obj, *scale = NULL, *spec;
	const cJSON *rep;
	int64_t rev;
	bool dry = false;

	if (strcmp(m, "GET") &&
	    api_dry_run(req, !strcmp(m, "PATCH") ? "PatchOptions" : "UpdateOptions", &dry))
		return;
	api_key(key, sizeof(key), t->rt, t->ns, t->name);
	obj = api_load_or_reply(a, req, t, &kv);
	if (!obj)
		return;
	if (!strcmp(m, "GET")) {
		scale = api_scale_of(t->rt, obj);
		api_reply_json(req, 200, scale);
		goto out;
	}
	{
		/* a PUT carries a Scale (JSON or protobuf), a PATCH a JSON patch */
		cJSON *in = strcmp(m, "PATCH")
				? api_body_decode(a, req, "error decoding Scale", "autoscaling/v1",
						  "Scale", "UpdateOptions")
				: api_body_json(req, "error decoding Scale");
		const char *ct = http_req_header(req, "Content-Type");

		if (!in)
			goto out;
		if (!cJSON_IsObject(in)) {
			cJSON_Delete(in);
			api_status(req, 400, "BadRequest",
				   "error decoding Scale: expected an object", NULL);
			goto out;
		}
		if (!strcmp(m, "PATCH")) {
			cJSON *cur = api_scale_of(t->rt, obj);
			char err[256] = "";

			if (!ct || (strncmp(ct, "application/merge-patch+json", 28) &&
				    strncmp(ct, "application/strategic-merge-patch+json", 38))) {
				cJSON_Delete(in);
				cJSON_Delete(cur);
				api_status(req, 415, "UnsupportedMediaType",
					   "the body of the request was in an unknown format - "
					   "accepted media types include: "
					   "application/merge-patch+json, "
					   "application/strategic-merge-patch+json",
					   NULL);
				goto out;
			}
			/* a Scale is small and fixed: the limit only bounds the patch */
			patch_apply(PATCH_MERGE, cur, in, "Scale", api_max_object(a), &scale, err,
				    sizeof(err));
			cJSON_Delete(cur);
			cJSON_Delete(in);
		} else {
			scale = in;
		}
	}
	if (!scale)
		goto bad;
	{
		const char *brv = json_str(scale, "metadata.resourceVersion");

		snprintf(rv, sizeof(rv), "%lld", (long long)kv->mod_rev);
		if (brv && *brv && strcmp(brv, rv)) {
			api_status_conflict(req, t->rt, t->name);
			goto out;
		}
	}
	rep = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(scale, "spec"),
					       "replicas");
	if (!cJSON_IsNumber(rep) || rep->valuedouble < 0 || rep->valuedouble > INT32_MAX ||
	    rep->valuedouble != (double)(int)rep->valuedouble) {
		struct verrs e = {0};
		char *v = rep ? cJSON_PrintUnformatted(rep) : NULL;

		if (cJSON_IsNumber(rep) && rep->valuedouble < 0)
			verrs_add(&e, "FieldValueInvalid", "spec.replicas",
				  "Invalid value: %s: must be greater than or equal to 0", v);
		else
			verrs_add(&e, "FieldValueInvalid", "spec.replicas",
				  "Invalid value: %s: must be an integer", v ? v : "null");
		free(v);
		api_status_invalid(req, t->rt, t->name, &e);
		goto out;
	}
	spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	if (!cJSON_IsObject(spec))
		goto bad;
	if (jcmp_equal(cJSON_GetObjectItemCaseSensitive(spec, "replicas"), rep) <= 0) {
		cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
		const cJSON *g = cJSON_GetObjectItemCaseSensitive(md, "generation");
		double gen = cJSON_IsNumber(g) ? g->valuedouble + 1 : 2;

		cJSON_DeleteItemFromObjectCaseSensitive(spec, "replicas");
		cJSON_AddNumberToObject(spec, "replicas", rep->valuedouble);
		cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
		cJSON_AddNumberToObject(md, "generation", gen);
		rev = dry ? 0 : api_put(a, key, obj, kv->mod_rev, false);
		if (rev < 0) {
			api_status_store_err(a, req, t->rt, t->name, rev);
			goto out;
		}
		if (!dry)
			http_req_defer(req);
	}
	cJSON_Delete(scale);
	scale = api_scale_of(t->rt, obj);
	api_reply_json(req, 200, scale);
	goto out;
bad:
	api_status(req, 400, "BadRequest", "invalid Scale", NULL);
out:
	cJSON_Delete(scale);
	cJSON_Delete(obj);
}

/* The PodScheduled condition of status made True, as upstream's
 * UpdatePodCondition: the transition time kept when it was True already. */
static void api_pod_scheduled_true(cJSON *pod)
{
	cJSON *st = cJSON_GetObjectItemCaseSensitive(pod, "status"), *conds, *c, *nc;
	const char *old_status = NULL, *old_ltt = NULL;
	char now[32];
	int i = 0, at = -1;

	if (!cJSON_IsObject(st)) {
		cJSON_DeleteItemFromObjectCaseSensitive(pod, "status");
		st = cJSON_AddObjectToObject(pod, "status");
	}
	conds = cJSON_GetObjectItemCaseSensitive(st, "conditions");
	if (!cJSON_IsArray(conds)) {
		cJSON_DeleteItemFromObjectCaseSensitive(st, "conditions");
		conds = cJSON_AddArrayToObject(st, "conditions");
	}
	cJSON_ArrayForEach(c, conds)
	{
		const char *t = json_str(c, "type");

		if (t && !strcmp(t, "PodScheduled")) {
			at = i;
			old_status = json_str(c, "status");
			old_ltt = json_str(c, "lastTransitionTime");
			break;
		}
		i++;
	}
	api_meta_now(now);
	nc = cJSON_CreateObject();
	cJSON_AddStringToObject(nc, "type", "PodScheduled");
	cJSON_AddStringToObject(nc, "status", "True");
	cJSON_AddNullToObject(nc, "lastProbeTime");
	cJSON_AddStringToObject(nc, "lastTransitionTime",
				old_status && !strcmp(old_status, "True") && old_ltt ? old_ltt
										     : now);
	if (at >= 0)
		cJSON_ReplaceItemInArray(conds, at, nc);
	else
		cJSON_AddItemToArray(conds, nc);
}

int64_t api_pod_bind(struct api *a, const struct res_type *rt, const char *ns, const char *name,
		     const char *node, bool dry, char *msg, size_t msglen)
{
	struct api_target t = {.rt = rt, .has_ns = true, .has_name = true};
	const struct store_kv *kv;
	const char *cur;
	char key[600];
	cJSON *obj, *spec;
	int64_t rev;

	snprintf(t.ns, sizeof(t.ns), "%s", ns);
	snprintf(t.name, sizeof(t.name), "%s", name);
	obj = api_load(a, &t, &kv);
	if (!obj) {
		snprintf(msg, msglen, "pods \"%s\" not found", name);
		return kv ? -EIO : -ENOENT;
	}
	spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
	if (!cJSON_IsObject(spec)) {
		snprintf(msg, msglen, "Internal error occurred: corrupt object");
		rev = -EIO;
		goto out;
	}
	cur = json_str(spec, "nodeName");
	if (cur && *cur) {
		snprintf(msg, msglen, "pod %s is already assigned to node \"%s\"", name, cur);
		rev = -EEXIST;
		goto out;
	}
	cJSON_AddStringToObject(spec, "nodeName", node);
	api_pod_scheduled_true(obj);
	api_key(key, sizeof(key), rt, ns, name);
	rev = dry ? api_check_size(a, obj) : api_put(a, key, obj, kv->mod_rev, false);
	if (rev < 0)
		snprintf(msg, msglen, "pods \"%s\" could not be stored", name);
out:
	cJSON_Delete(obj);
	return rev;
}

/* POST pods/{name}/binding: the scheduler's bind (sets spec.nodeName once). */
void api_binding(struct api *a, struct http_req *req, const struct api_target *t)
{
	const struct store_kv *kv;
	char msg[700];
	cJSON *in;
	const char *node;
	int64_t rev;
	bool dry;

	if (api_dry_run(req, "CreateOptions", &dry))
		return;
	/* a missing pod is a 404 before the body is looked at, as upstream */
	in = api_load_or_reply(a, req, t, &kv);
	if (!in)
		return;
	cJSON_Delete(in);
	in = api_body_decode(a, req, "error decoding Binding", "v1", "Binding", "CreateOptions");
	if (!in)
		return;
	node = json_str(in, "target.name");
	if (!node || !*node) {
		struct verrs e = {0};

		verrs_required(&e, "target.name", "");
		api_status_invalid(req, t->rt, t->name, &e);
		goto out;
	}
	rev = api_pod_bind(a, t->rt, t->ns, t->name, node, dry, msg, sizeof(msg));
	if (rev == -EEXIST) {
		api_status(req, 409, "Conflict", msg, NULL);
		goto out;
	}
	if (rev == -EIO) {
		api_status(req, 500, "InternalError", msg, NULL);
		goto out;
	}
	if (rev == -ENOENT) {
		api_status_notfound(req, t->rt, t->name);
		goto out;
	}
	if (rev < 0) {
		api_status_store_err(a, req, t->rt, t->name, rev);
		goto out;
	}
	api_status(req, 201, "", "", NULL);
	if (!dry)
		http_req_defer(req);
out:
	cJSON_Delete(in);
}

/* The Eviction's TypeMeta: absent, or policy's Eviction (kubectl 1.20
 * sends the v1beta1 shape, which is the same). */
static const char *api_eviction_kind_error(const cJSON *in)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(in, "kind");
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(in, "apiVersion");

	if (kind && (!cJSON_IsString(kind) || strcmp(kind->valuestring, "Eviction")))
		return "the kind in the data does not match the expected kind (Eviction)";
	if (av && (!cJSON_IsString(av) || (strcmp(av->valuestring, "policy/v1") &&
					   strcmp(av->valuestring, "policy/v1beta1"))))
		return "the API version in the data does not match the expected API version "
		       "(policy/v1)";
	return NULL;
}

/* POST pods/{name}/eviction: upstream's EvictionREST.Create. No
 * PodDisruptionBudget is served, so every eviction is allowed and deletes
 * the pod, under the Eviction's deleteOptions (preconditions, dryRun, the
 * query's dryRun too, gracePeriodSeconds: gracefully by default). */
void api_eviction(struct api *a, struct http_req *req, const struct api_target *t)
{
	const struct store_kv *kv;
	cJSON *in = NULL, *obj = NULL;
	const cJSON *opts;
	const char *why, *name;
	struct api_grace g = {0};
	int64_t rev;
	bool dry;

	if (api_dry_run(req, "CreateOptions", &dry))
		return;
	/* kubectl drain sends it as protobuf */
	in = api_body_decode(a, req, "error decoding Eviction", "policy/v1", "Eviction",
			     "CreateOptions");
	if (!in)
		return;
	why = cJSON_IsObject(in) ? api_eviction_kind_error(in)
				 : "error decoding Eviction: expected an object";
	if (why) {
		api_status(req, 400, "BadRequest", why, NULL);
		goto out;
	}
	name = json_str(in, "metadata.name");
	if (!name || strcmp(name, t->name)) {
		api_status(req, 400, "BadRequest",
			   "name in URL does not match name in Eviction object", NULL);
		goto out;
	}
	opts = cJSON_GetObjectItemCaseSensitive(in, "deleteOptions");
	if (opts && !cJSON_IsNull(opts) && !cJSON_IsObject(opts)) {
		api_status(req, 400, "BadRequest",
			   "error decoding Eviction: deleteOptions: expected an object", NULL);
		goto out;
	}
	obj = api_load_or_reply(a, req, t, &kv);
	if (!obj)
		goto out;
	if (api_delete_opts_check(req, t->rt, t->name, kv, obj, opts, &dry) ||
	    api_delete_grace_opt(req, cJSON_IsObject(opts) ? opts : NULL, &g))
		goto out;
	if (!dry) {
		rev = api_store_delete_grace(a, t->rt, t->ns, t->name, "", &g);
		if (rev < 0) {
			api_status_store_err(a, req, t->rt, t->name, rev);
			goto out;
		}
	}
	api_status(req, 201, "", "", NULL);
	if (!dry)
		http_req_defer(req);
out:
	cJSON_Delete(in);
	cJSON_Delete(obj);
}
