/* api_apply: field managers (metadata.managedFields) for every write, and
 * server-side apply: PATCH with Content-Type application/apply-patch+yaml.
 * The ownership model itself is patch/patch_apply.c; this file turns a
 * request into its manager and options, and its outcome into the answer. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "buf.h"
#include "patch/patch.h"
#include "yamljson.h"

#define API_APPLY_CTYPE "application/apply-patch+yaml"
/* Upstream's FieldManagerMaxLength. */
#define API_MANAGER_MAX 128

void api_fields_from_req(struct api_fields *f, struct http_req *req, const struct api_target *t)
{
	const char *m = http_req_query(req, "fieldManager");
	const char *ua = http_req_header(req, "User-Agent");
	size_t n;

	*f = (struct api_fields){.sub = t->sub};
	if (m && *m) {
		snprintf(f->manager_buf, sizeof(f->manager_buf), "%s", m);
	} else {
		/* upstream's prefixFromUserAgent: up to the first '/' */
		ua = ua ? ua : "";
		n = strcspn(ua, "/");
		if (n >= sizeof(f->manager_buf))
			n = sizeof(f->manager_buf) - 1;
		memcpy(f->manager_buf, ua, n);
		f->manager_buf[n] = 0;
	}
	f->manager = f->manager_buf;
}

static enum patch_ssa_scope api_fields_scope(const struct res_type *rt, const char *sub)
{
	if (!rt->has_status)
		return PATCH_SSA_ALL;
	return !strcmp(sub, "status") ? PATCH_SSA_STATUS : PATCH_SSA_NO_STATUS;
}

int api_fields_track(const struct res_type *rt, const struct api_fields *f, const cJSON *old,
		     cJSON *obj)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	char now[32];
	struct patch_ssa o = {.kind = rt->kind,
			      .api_version = rt->api_version,
			      .manager = f->manager,
			      .subresource = f->sub,
			      .scope = api_fields_scope(rt, f->sub),
			      .now = now};

	if (f->apply) {
		cJSON *mf = f->applied ? cJSON_Duplicate(f->applied, true) : NULL;

		if (f->applied && !mf)
			return -ENOMEM;
		cJSON_DeleteItemFromObjectCaseSensitive(md, "managedFields");
		if (mf)
			cJSON_AddItemToObject(md, "managedFields", mf);
		return 0;
	}
	api_meta_now(now);
	return patch_ssa_update(&o, old, obj, NULL, 0);
}

bool api_is_apply(struct http_req *req)
{
	const char *ct = http_req_header(req, "Content-Type");
	size_t n = strlen(API_APPLY_CTYPE);

	return ct && !strncmp(ct, API_APPLY_CTYPE, n) && (!ct[n] || ct[n] == ';');
}

int api_write_options(struct http_req *req, const char *options_kind, bool apply)
{
	const char *m = http_req_query(req, "fieldManager");
	struct verrs e = {0};

	if (!apply && !strcmp(options_kind, "PatchOptions") && http_req_query(req, "force"))
		verrs_forbidden(&e, "force", "may not be specified for non-apply patch");
	if (apply && (!m || !*m))
		/* kubectl defaults it to "kubectl"; controllers must set it */
		verrs_required(&e, "fieldManager", "is required for apply patch");
	if (m && strlen(m) > API_MANAGER_MAX)
		verrs_add(&e, "FieldValueTooLong", "fieldManager",
			  "Too long: may not be more than %d bytes", API_MANAGER_MAX);
	for (size_t i = 0; m && m[i]; i++) {
		char field[48];

		if ((unsigned char)m[i] >= 0x20 && m[i] != 0x7f)
			continue;
		snprintf(field, sizeof(field), "fieldManager[%zu]", i);
		verrs_invalid(&e, field, m, "all characters must be printable");
		break;
	}
	if (!e.n)
		return 0;
	api_status_invalid_kind(req, options_kind, "meta.k8s.io", "", &e);
	return -EINVAL;
}

/* The applied configuration: one YAML or JSON object of the target's type
 * and name, without managedFields. NULL after a 400. */
static cJSON *api_apply_body(struct http_req *req, const struct api_target *t)
{
	const struct res_type *rt = t->rt;
	size_t len;
	const char *body = http_req_body(req, &len);
	char err[300] = "", msg[700];
	const char *kind, *av, *name;
	cJSON *cfg;
	const cJSON *md;

	if (api_json_has_nul(body, len)) {
		api_status(req, 400, "BadRequest",
			   "error decoding YAML: strings containing the NUL character (\\u0000) "
			   "are not supported",
			   NULL);
		return NULL;
	}
	cfg = yamljson_parse_one(body, len, err, sizeof(err));
	if (!cJSON_IsObject(cfg)) {
		snprintf(msg, sizeof(msg), "error decoding YAML: %s",
			 err[0] ? err
			 : cfg	? "the document is not an object"
				: "no document");
		api_status(req, 400, "BadRequest", msg, NULL);
		goto err;
	}
	av = json_str(cfg, "apiVersion");
	kind = json_str(cfg, "kind");
	md = cJSON_GetObjectItemCaseSensitive(cfg, "metadata");
	name = json_str(cfg, "metadata.name");
	if (!av || strcmp(av, rt->api_version)) {
		snprintf(msg, sizeof(msg),
			 "Incorrect version specified in apply patch. Specified patch version: "
			 "%s, expected: %s",
			 av ? av : "", rt->api_version);
	} else if (!kind || strcmp(kind, rt->kind)) {
		snprintf(msg, sizeof(msg),
			 "the kind in the data (%s) does not match the expected kind (%s)",
			 kind ? kind : "", rt->kind);
	} else if (md && !cJSON_IsObject(md)) {
		snprintf(msg, sizeof(msg), "metadata: expected an object");
	} else if (cJSON_GetObjectItemCaseSensitive(md, "managedFields")) {
		snprintf(msg, sizeof(msg), "metadata.managedFields must be nil");
	} else if (name && strcmp(name, t->name)) {
		snprintf(msg, sizeof(msg),
			 "the name of the object (%s) does not match the name on the URL (%s)",
			 name, t->name);
	} else {
		return cfg;
	}
	api_status(req, 400, "BadRequest", msg, NULL);
err:
	cJSON_Delete(cfg);
	return NULL;
}

/* 409 with upstream's message: one conflict on one line, several grouped
 * by manager ("conflicts with \"m\" using v1:\n- .a\n- .b"), and a
 * FieldManagerConflict cause per field. */
static void api_status_apply_conflict(struct http_req *req, const cJSON *conflicts)
{
	int n = cJSON_GetArraySize(conflicts);
	struct buf msg = {0};
	cJSON *details = cJSON_CreateObject();
	cJSON *causes = cJSON_AddArrayToObject(details, "causes");
	const char *prev = NULL;
	const cJSON *c;

	if (n == 1)
		buf_printf(&msg, "Apply failed with 1 conflict: conflict with %s: %s",
			   json_str(conflicts->child, "manager"),
			   json_str(conflicts->child, "field"));
	else
		buf_printf(&msg, "Apply failed with %d conflicts: ", n);
	cJSON_ArrayForEach(c, conflicts)
	{
		const char *who = json_str(c, "manager"), *field = json_str(c, "field");
		cJSON *cause = cJSON_CreateObject();
		char m[700];

		if (n > 1) {
			if (!prev || strcmp(prev, who))
				buf_printf(&msg, "%sconflicts with %s:", prev ? "\n" : "", who);
			buf_printf(&msg, "\n- %s", field);
			prev = who;
		}
		snprintf(m, sizeof(m), "conflict with %s", who);
		cJSON_AddStringToObject(cause, "reason", "FieldManagerConflict");
		cJSON_AddStringToObject(cause, "message", m);
		cJSON_AddStringToObject(cause, "field", field);
		cJSON_AddItemToArray(causes, cause);
	}
	api_status(req, 409, "Conflict", msg.oom ? "Apply failed with conflicts" : msg.p, details);
	buf_free(&msg);
}

void api_apply(struct api *a, struct http_req *req, const struct api_target *t)
{
	const struct res_type *rt = t->rt;
	const struct store_kv *kv;
	struct api_fields f;
	cJSON *cfg, *old = NULL, *obj = NULL, *conflicts = NULL;
	char err[512] = "", now[32];
	const char *force = http_req_query(req, "force");
	struct patch_ssa o = {.kind = rt->kind,
			      .api_version = rt->api_version,
			      .now = now,
			      .force = force && api_parse_bool(force),
			      .max_bytes = api_max_object(a)};
	bool dry;
	int rc;

	if (api_dry_run(req, "PatchOptions", &dry) || api_write_options(req, "PatchOptions", true))
		return;
	if (rt->storage) {
		/* field sets are kept in the stored form, which a view's
		 * configuration is not written in (upstream converts them) */
		char msg[400];

		snprintf(msg, sizeof(msg),
			 "server-side apply of %s in version %s is not supported: apply it in "
			 "version %s",
			 res_qualified(rt), rt->api_version, rt->storage->api_version);
		api_status(req, 415, "UnsupportedMediaType", msg, NULL);
		return;
	}
	cfg = api_apply_body(req, t);
	if (!cfg)
		return;
	old = api_load(a, t, &kv);
	if (kv && !old) {
		api_status(req, 500, "InternalError", "Internal error occurred: corrupt object",
			   NULL);
		goto out;
	}
	if (!kv && t->sub[0]) {
		/* a subresource of nothing: apply creates only the object */
		api_status_notfound(req, rt, t->name);
		goto out;
	}
	api_fields_from_req(&f, req, t);
	o.manager = f.manager;
	o.subresource = f.sub;
	o.scope = api_fields_scope(rt, f.sub);
	api_meta_now(now);
	rc = patch_ssa_apply(&o, old, cfg, &obj, &conflicts, err, sizeof(err));
	switch (rc) {
	case 0:
		break;
	case -EBUSY:
		api_status_apply_conflict(req, conflicts);
		goto out;
	case -EINVAL:
		api_status(req, 422, "Invalid", err, NULL);
		goto out;
	case -E2BIG:
		api_status(req, 413, "RequestEntityTooLarge", err, NULL);
		goto out;
	default:
		api_status(req, 500, "InternalError", "Internal error occurred: out of memory",
			   NULL);
		goto out;
	}
	/* the entries go through the pipeline beside the object, which the
	 * create path stamps afresh */
	f.apply = true;
	f.applied = cJSON_DetachItemFromObjectCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(obj, "metadata"), "managedFields");
	if (old) {
		api_update_obj(a, req, t, obj, old, kv->mod_rev, dry, &f);
	} else {
		cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

		if (!md)
			md = cJSON_AddObjectToObject(obj, "metadata");
		if (!cJSON_GetObjectItemCaseSensitive(md, "name"))
			cJSON_AddStringToObject(md, "name", t->name);
		api_create_from(a, req, t, api_typemeta_first(obj, rt), dry, &f);
		obj = NULL; /* consumed */
	}
	cJSON_Delete(f.applied);
out:
	cJSON_Delete(conflicts);
	cJSON_Delete(obj);
	cJSON_Delete(old);
	cJSON_Delete(cfg);
}
