/* api_crud: get, create, update (PUT), patch and delete of single objects. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "jcmp.h"
#include "api_crud.h"
#include "patch/patch.h"
#include "schema/schema_check.h"

static void api_status_bad(struct http_req *req, const char *msg)
{
	api_status(req, 400, "BadRequest", msg, NULL);
}

static void api_status_corrupt(struct http_req *req)
{
	api_status(req, 500, "InternalError", "Internal error occurred: corrupt object", NULL);
}

void api_release(struct api *a, const struct res_type *rt, const cJSON *obj, const cJSON *keep)
{
	if (rt->release)
		rt->release(&a->alloc, obj, keep);
}

void api_reply_view(struct http_req *req, int code, const struct res_type *rt, const cJSON *obj)
{
	cJSON *v;

	if (!rt->storage) {
		api_reply_json(req, code, obj);
		return;
	}
	v = cJSON_Duplicate(obj, true);
	res_view(rt, v);
	api_reply_json(req, code, v ? v : obj);
	cJSON_Delete(v);
}

/* A body in rt's view form: the view's own checks (old: the stored object,
 * NULL on create), then conversion to the stored form. 0, or -EINVAL with
 * e filled. Nothing for a type stored as itself. */
static int api_unview(const struct res_type *rt, cJSON *obj, const cJSON *old, struct verrs *e)
{
	cJSON *oldv = NULL;

	if (!rt->storage)
		return 0;
	if (rt->validate) {
		if (old) {
			oldv = cJSON_Duplicate(old, true);
			res_view(rt, oldv);
		}
		rt->validate(obj, oldv, e);
		cJSON_Delete(oldv);
	}
	res_unview(rt, obj);
	return e->n ? -EINVAL : 0;
}

cJSON *api_details_plural(const struct res_type *rt, const char *name)
{
	cJSON *d = cJSON_CreateObject();

	cJSON_AddStringToObject(d, "name", name);
	if (rt->group[0])
		cJSON_AddStringToObject(d, "group", rt->group);
	cJSON_AddStringToObject(d, "kind", rt->plural);
	return d;
}

void api_status_conflict(struct http_req *req, const struct res_type *rt, const char *name)
{
	char msg[API_MSG];

	snprintf(msg, sizeof(msg),
		 "Operation cannot be fulfilled on %s \"%s\": the object has been modified; "
		 "please apply your changes to the latest version and try again",
		 res_qualified(rt), name);
	api_status(req, 409, "Conflict", msg, api_details_plural(rt, name));
}

/* The stored document with metadata.resourceVersion set to rev. */
void api_set_rv(cJSON *obj, int64_t rev)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	char buf[24];

	if (!cJSON_IsObject(md))
		return;
	snprintf(buf, sizeof(buf), "%lld", (long long)rev);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
	cJSON_AddStringToObject(md, "resourceVersion", buf);
}

/* Accept JSON (or no Content-Type: kubectl's PUT /scale sends none) and
 * protobuf (kubectl 1.32's create commands). */
static bool api_body_ctype(struct http_req *req)
{
	const char *ct = http_req_header(req, "Content-Type");

	return !ct || !*ct || !strncmp(ct, "application/json", 16) || !strncmp(ct, "*/*", 3) ||
	       api_body_is_protobuf(req);
}

static void api_status_unsupported_media(struct http_req *req)
{
	api_status(req, 415, "UnsupportedMediaType",
		   "the body of the request was in an unknown format - accepted media types "
		   "include: application/json, application/vnd.kubernetes.protobuf, "
		   "application/json-patch+json, application/merge-patch+json, "
		   "application/strategic-merge-patch+json, application/apply-patch+yaml",
		   NULL);
}
cJSON *api_typemeta_first(cJSON *obj, const struct res_type *rt)
{
	/* TypeMeta first, as the real server prints it. (Debian's cJSON 1.7.15
	 * cannot insert into an object, so move the members over.) */
	cJSON *n = cJSON_CreateObject();

	cJSON_DeleteItemFromObjectCaseSensitive(obj, "kind");
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "apiVersion");
	cJSON_AddStringToObject(n, "kind", rt->kind);
	cJSON_AddStringToObject(n, "apiVersion", rt->api_version);
	while (obj->child) {
		cJSON *c = cJSON_DetachItemViaPointer(obj, obj->child);

		cJSON_AddItemToObject(n, c->string, c);
	}
	cJSON_Delete(obj);
	return n;
}

/* Parse the request body (JSON or protobuf) as an object of the target's
 * kind; options names the request's options kind ("CreateOptions"). */
static cJSON *api_parse_body(struct api *a, struct http_req *req, const struct res_type *rt,
			     const char *options)
{
	cJSON *obj, *md;
	char msg[API_MSG];
	const cJSON *kind, *av;

	obj = api_body_decode(a, req, "couldn't get version/kind; json parse error",
			      rt ? rt->api_version : NULL, rt ? rt->kind : NULL, options);
	if (!obj)
		return NULL;
	if (!cJSON_IsObject(obj)) {
		api_status_bad(req, "couldn't get version/kind; json parse error: expected a "
				    "JSON object");
		goto err;
	}
	if (!rt)
		return obj;
	kind = cJSON_GetObjectItemCaseSensitive(obj, "kind");
	av = cJSON_GetObjectItemCaseSensitive(obj, "apiVersion");
	if (kind && (!cJSON_IsString(kind) || strcmp(kind->valuestring, rt->kind))) {
		snprintf(msg, sizeof(msg),
			 "the kind in the data (%s) does not match the expected kind (%s)",
			 cJSON_IsString(kind) ? kind->valuestring : "<not a string>", rt->kind);
		api_status_bad(req, msg);
		goto err;
	}
	if (av && (!cJSON_IsString(av) || strcmp(av->valuestring, rt->api_version))) {
		snprintf(msg, sizeof(msg),
			 "the API version in the data (%s) does not match the expected API "
			 "version (%s)",
			 cJSON_IsString(av) ? av->valuestring : "<not a string>", rt->api_version);
		api_status_bad(req, msg);
		goto err;
	}
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	if (md && !cJSON_IsObject(md)) {
		api_status_bad(req, "metadata: expected an object");
		goto err;
	}
	if (!md)
		cJSON_AddItemToObject(obj, "metadata", cJSON_CreateObject());
	return api_typemeta_first(obj, rt);
err:
	cJSON_Delete(obj);
	return NULL;
}

/* The type's decode hook (a Secret's base64 data, a Lease's MicroTimes):
 * false after answering 400 as the upstream decoder does. */
static bool api_decode(struct http_req *req, const struct res_type *rt, cJSON *obj)
{
	char err[512] = "", msg[API_MSG];

	if (!rt->decode || !rt->decode(obj, err, sizeof(err)))
		return true;
	snprintf(msg, sizeof(msg), "%s in version \"%s\" cannot be handled as a %s: %s", rt->kind,
		 rt->version, rt->kind, err);
	api_status_bad(req, msg);
	return false;
}

static const cJSON *api_md(const cJSON *obj)
{
	return cJSON_GetObjectItemCaseSensitive(obj, "metadata");
}

/* 0 if objects may be created in namespace ns, -ENOENT if it does not
 * exist, -ESHUTDOWN while it is being deleted (Terminating). */
static int api_ns_state(struct api *a, const char *ns)
{
	char key[300];
	const struct store_kv *kv;
	cJSON *nso;
	int rc;

	snprintf(key, sizeof(key), "/registry/namespaces/%s", ns);
	kv = store_get(a->store, key);
	if (!kv)
		return -ENOENT;
	nso = cJSON_Parse(kv->value);
	rc = json_at(nso, "metadata.deletionTimestamp") ? -ESHUTDOWN : 0;
	cJSON_Delete(nso);
	return rc;
}

static void api_status_ns_missing(struct http_req *req, const char *ns)
{
	char msg[400];
	cJSON *d = cJSON_CreateObject();

	snprintf(msg, sizeof(msg), "namespaces \"%s\" not found", ns);
	cJSON_AddStringToObject(d, "name", ns);
	cJSON_AddStringToObject(d, "kind", "namespaces");
	api_status(req, 404, "NotFound", msg, d);
}

/* Serialize, stamp the next revision and store. Returns the revision or -errno. */
int64_t api_put(struct api *a, const char *key, cJSON *obj, int64_t expected_rev, bool create)
{
	char *s;
	int64_t rev;
	int err;

	api_set_rv(obj, store_next_rev(a->store));
	s = api_serialize(a, obj, &err);
	if (!s)
		return err;
	rev =
	    create ? store_create(a->store, key, s) : store_update(a->store, key, s, expected_rev);
	free(s);
	return rev;
}

static void api_generate_name(cJSON *md)
{
	static const char alphabet[] = "bcdfghjklmnpqrstvwxz2456789";
	const cJSON *gn = cJSON_GetObjectItemCaseSensitive(md, "generateName");
	char name[300];
	size_t n;

	if (!cJSON_IsString(gn) || cJSON_GetObjectItemCaseSensitive(md, "name"))
		return;
	n = (size_t)snprintf(name, sizeof(name) - 6, "%s", gn->valuestring);
	if (n > sizeof(name) - 7)
		n = sizeof(name) - 7;
	/* upstream truncates the base so the result stays <= 63 */
	if (n > 58)
		n = 58;
	for (int i = 0; i < 5; i++)
		name[n + (size_t)i] = alphabet[(unsigned)rand() % (sizeof(alphabet) - 1)];
	name[n + 5] = 0;
	cJSON_AddStringToObject(md, "name", name);
}

/* The create pipeline shared by POST and by the server's own objects:
 * name, metadata, defaults, validation, existence, allocation, store.
 * Errors found before (e->n > 0) are reported with the validation ones.
 * A dry run does all of it but the store: allocations are chosen (and
 * returned in obj) and released again, and no revision is consumed.
 * Returns the revision (0 for a dry run), -EINVAL (see e), -EEXIST, -E2BIG
 * or another -errno. */
static int64_t api_create_obj(struct api *a, const struct res_type *rt, const char *ns, cJSON *obj,
			      struct verrs *e, bool dry, const struct api_fields *f)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const char *name;
	char key[600];
	int64_t rev;

	api_generate_name(md);
	api_meta_stamp_create(obj, rt, ns);
	api_admit_create_defaults(a, rt, obj);
	if (rt->defaults)
		rt->defaults(obj);
	if (rt->admit_create)
		rt->admit_create(obj);
	if (!e->n)
		rt->validate(obj, NULL, e);
	if (e->n)
		return -EINVAL;
	/* who wrote which field: defaulted fields count, allocations do not */
	rev = api_fields_track(rt, f, NULL, obj);
	if (rev < 0)
		return rev;
	name = json_str(obj, "metadata.name");
	api_key(key, sizeof(key), rt, ns, name);
	/* AlreadyExists wins over allocation errors, as upstream */
	if (store_get(a->store, key))
		return -EEXIST;
	if (rt->allocate && rt->allocate(&a->alloc, obj, NULL, e))
		return -EINVAL;
	if (dry) {
		/* upstream's dry-run create returns the object without a
		 * resourceVersion: nothing was written */
		cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
		rev = api_check_size(a, obj);
	} else {
		rev = api_put(a, key, obj, 0, true);
	}
	if (rev < 0 || dry)
		api_release(a, rt, obj, NULL);
	return rev;
}

int api_store_create(struct api *a, const struct res_type *rt, const char *ns, cJSON *obj,
		     int *code, char *msg, size_t msglen)
{
	static const struct api_fields server = {.manager = "skiff-server", .sub = ""};
	struct verrs e = {0};
	int64_t rev = api_create_obj(a, rt, ns, obj, &e, false, &server);
	const char *name = json_str(obj, "metadata.name");

	if (rev >= 0)
		return 0;
	*code = rev == -EINVAL ? 422 : rev == -EEXIST ? 409 : rev == -E2BIG ? 413 : 500;
	if (msg && rev == -EINVAL)
		snprintf(msg, msglen, "%s: %s", e.e[0].field, e.e[0].message);
	else if (msg)
		snprintf(msg, msglen, "%s \"%s\" %s", res_qualified(rt), name ? name : "",
			 rev == -EEXIST ? "already exists" : "could not be stored");
	return (int)rev;
}

void api_create(struct api *a, struct http_req *req, const struct api_target *t)
{
	struct api_fields f;
	cJSON *obj;
	bool dry;

	if (api_dry_run(req, "CreateOptions", &dry) ||
	    api_write_options(req, "CreateOptions", false))
		return;
	if (!api_body_ctype(req)) {
		api_status_unsupported_media(req);
		return;
	}
	obj = api_parse_body(a, req, t->rt, "CreateOptions");
	if (!obj)
		return;
	if (t->rt->review) {
		api_review(a, req, t, obj);
		return;
	}
	api_fields_from_req(&f, req, t);
	api_create_from(a, req, t, obj, dry, &f);
}

void api_create_from(struct api *a, struct http_req *req, const struct api_target *t, cJSON *obj,
		     bool dry, const struct api_fields *f)
{
	const struct res_type *rt = t->rt;
	struct verrs e = {0};
	const char *ns = t->has_ns ? t->ns : "";
	const char *bns, *name;
	cJSON *md;
	char msg[API_MSG];
	int64_t rev;

	if (!api_decode(req, rt, obj))
		goto out;
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	bns = json_str(obj, "metadata.namespace");
	if (rt->namespaced) {
		if (!t->has_ns) {
			/* POST /api/v1/services: the namespace comes from the body */
			if (!bns || !*bns) {
				api_status_bad(req, "the namespace of the object must be set when "
						    "posting to a collection without a namespace");
				goto out;
			}
			ns = bns;
		} else if (bns && *bns && strcmp(bns, ns)) {
			api_status_bad(req, "the namespace of the provided object does not match "
					    "the namespace sent on the request");
			goto out;
		}
		switch (api_ns_state(a, ns)) {
		case 0:
			break;
		case -ENOENT:
			api_status_ns_missing(req, ns);
			goto out;
		default:
			snprintf(
			    msg, sizeof(msg),
			    "%s \"%s\" is forbidden: unable to create new content in namespace "
			    "%s because it is being terminated",
			    res_qualified(rt), json_str(obj, "metadata.name") ?: "", ns);
			api_status(req, 403, "Forbidden", msg,
				   api_details_plural(rt, json_str(obj, "metadata.name") ?: ""));
			goto out;
		}
	}
	if (cJSON_GetObjectItemCaseSensitive(md, "resourceVersion") &&
	    json_str(obj, "metadata.resourceVersion") &&
	    *json_str(obj, "metadata.resourceVersion")) {
		verrs_add(&e, "FieldValueInvalid", "metadata.resourceVersion",
			  "Invalid value: \"%s\": resourceVersion should not be set on objects "
			  "to be created",
			  json_str(obj, "metadata.resourceVersion"));
	}
	if (api_admit(a, req, t, "create", obj, NULL))
		goto out;
	/* a view's errors are reported with the stored type's (e->n > 0) */
	api_unview(rt, obj, NULL, &e);
	rev = api_create_obj(a, res_stored(rt), ns, obj, &e, dry, f);
	name = json_str(obj, "metadata.name");
	if (rev == -EINVAL) {
		api_status_invalid(req, rt, name, &e);
		goto out;
	}
	if (rev == -EEXIST) {
		snprintf(msg, sizeof(msg), "%s \"%s\" already exists", res_qualified(rt), name);
		api_status(req, 409, "AlreadyExists", msg, api_details_plural(rt, name));
		goto out;
	}
	if (rev < 0) {
		api_status_store_err(a, req, rt, name, rev);
		goto out;
	}
	api_reply_view(req, 201, rt, obj);
	if (!dry)
		http_req_defer(req);
out:
	cJSON_Delete(obj);
}

cJSON *api_load(struct api *a, const struct api_target *t, const struct store_kv **kvp)
{
	char key[600];
	const struct store_kv *kv;

	api_key(key, sizeof(key), t->rt, t->ns, t->name);
	kv = store_get(a->store, key);
	if (kvp)
		*kvp = kv;
	return kv ? cJSON_Parse(kv->value) : NULL;
}

cJSON *api_load_or_reply(struct api *a, struct http_req *req, const struct api_target *t,
			 const struct store_kv **kvp)
{
	cJSON *obj = api_load(a, t, kvp);

	if (!*kvp)
		api_status_notfound(req, t->rt, t->name);
	else if (!obj)
		api_status_corrupt(req);
	return obj;
}

void api_get(struct api *a, struct http_req *req, const struct api_target *t)
{
	const struct store_kv *kv;
	struct api_media md;
	cJSON *obj;

	if (api_accept(req, API_READ_GET, &md))
		return;
	obj = api_load(a, t, &kv);
	if (!kv) {
		api_status_notfound(req, t->rt, t->name);
		return;
	}
	if (!obj) {
		api_status_corrupt(req);
		return;
	}
	if (md.view == API_VIEW_TABLE) {
		cJSON *tbl = api_table_new(t->rt, true);
		char rv[24];

		snprintf(rv, sizeof(rv), "%lld", (long long)kv->mod_rev);
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(tbl, "metadata"),
					"resourceVersion", rv);
		api_table_add_row(tbl, t->rt, obj, time(NULL));
		api_reply_json(req, 200, tbl);
		cJSON_Delete(tbl);
	} else if (md.view == API_VIEW_PARTIAL) {
		cJSON *p = api_partial(obj, md.meta_gv);

		api_reply_json(req, 200, p);
		cJSON_Delete(p);
	} else if (t->rt->storage) {
		char *v = res_view_text(t->rt, kv->value);

		if (v)
			http_reply(req, 200, "application/json", v, strlen(v));
		else
			api_status_corrupt(req);
		free(v);
	} else {
		http_reply(req, 200, "application/json", kv->value, kv->value_len);
	}
	cJSON_Delete(obj);
}

/* A /status write changes only the status: obj becomes a copy of old with
 * obj's status. (The swap moves members one at a time: detaching and
 * adding in one call would read the detached item in an unspecified
 * order of argument evaluation.) */
static void api_keep_only_status(cJSON *obj, const cJSON *old)
{
	cJSON *st = cJSON_DetachItemFromObjectCaseSensitive(obj, "status");
	const cJSON *c;

	while (obj->child)
		cJSON_Delete(cJSON_DetachItemViaPointer(obj, obj->child));
	cJSON_ArrayForEach(c, old)
	{
		if (strcmp(c->string, "status"))
			cJSON_AddItemToObject(obj, c->string, cJSON_Duplicate(c, true));
	}
	if (st)
		cJSON_AddItemToObject(obj, "status", st);
}

/* The update pipeline shared by PUT, PATCH and apply and by the server's
 * controllers: `obj` is the proposed new state of `old` (stored at
 * old_rev) of t->rt, both in the stored form. With req, identity-bound
 * admission runs (and answers a denial itself: -EPERM). A dry run does
 * every check and allocation but stores nothing. Returns the new revision,
 * 0 when nothing changed or for a dry run (obj is then what would be
 * stored), or: -EPROTO (a bad request, msg says why), -ESTALE (a
 * resourceVersion conflict), -EINVAL (see e), -EPERM, another -errno (the
 * store's). */
static int64_t api_update_core(struct api *a, struct http_req *req, const struct api_target *t,
			       cJSON *obj, const cJSON *old, int64_t old_rev, bool dry,
			       const struct api_fields *f, struct verrs *e, char *msg, size_t mlen)
{
	const struct res_type *rt = t->rt, *st = res_stored(rt);
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	const cJSON *omd = api_md(old);
	const char *brv = json_str(obj, "metadata.resourceVersion");
	const char *bname = json_str(obj, "metadata.name");
	const char *bns = json_str(obj, "metadata.namespace");
	char key[600];
	int64_t rev;

	if (!cJSON_IsObject(md)) {
		snprintf(msg, mlen, "metadata: expected an object");
		return -EPROTO;
	}
	if (bname && strcmp(bname, t->name)) {
		snprintf(msg, mlen,
			 "the name of the object (%s) does not match the name on the URL (%s)",
			 bname, t->name);
		return -EPROTO;
	}
	if (rt->namespaced && bns && *bns && strcmp(bns, t->ns)) {
		snprintf(msg, mlen,
			 "the namespace of the provided object does not match the "
			 "namespace sent on the request");
		return -EPROTO;
	}
	if (brv && *brv) {
		char cur[24];

		snprintf(cur, sizeof(cur), "%lld", (long long)old_rev);
		if (strcmp(brv, cur))
			return -ESTALE;
	} else if (!st->unconditional_update) {
		verrs_add(e, "FieldValueInvalid", "metadata.resourceVersion",
			  "Invalid value: 0x0: must be specified for an update");
		return -EINVAL;
	}
	/* identity and server-owned metadata come from the stored object */
	json_copy_member(md, omd, "name");
	json_copy_member(md, omd, "namespace");
	json_copy_member(md, omd, "uid");
	json_copy_member(md, omd, "creationTimestamp");
	json_copy_member(md, omd, "generation");
	if (!strcmp(t->sub, "status"))
		api_keep_only_status(obj, old);
	else if (st->has_status)
		json_copy_member(obj, old, "status"); /* the main resource ignores status */
	md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	if (st->prepare_update)
		st->prepare_update(obj, old);
	if (st->defaults)
		st->defaults(obj);
	st->validate(obj, old, e);
	if (e->n)
		return -EINVAL;
	if (req && api_admit(a, req, t, "update", obj, old))
		return -EPERM;
	if (st->allocate)
		st->allocate(&a->alloc, obj, old, e);
	if (e->n)
		return -EINVAL;
	/* the stored form's fields, under the stored type's apiVersion */
	rev = api_fields_track(st, f, old, obj);
	if (rev < 0) {
		api_release(a, st, obj, old);
		return rev;
	}
	if (st->has_generation) {
		const cJSON *ns = cJSON_GetObjectItemCaseSensitive(obj, "spec");
		const cJSON *os = cJSON_GetObjectItemCaseSensitive(old, "spec");
		const cJSON *og = cJSON_GetObjectItemCaseSensitive(omd, "generation");
		double g = cJSON_IsNumber(og) ? og->valuedouble : 1;

		if (jcmp_equal(ns, os) <= 0)
			g += 1;
		cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
		cJSON_AddNumberToObject(md, "generation", g);
	}
	/* A write that changes nothing is not a write (no event, same RV). */
	api_set_rv(obj, old_rev);
	if (jcmp_equal(obj, old) > 0) {
		api_release(a, st, obj, old);
		return 0;
	}
	if (dry) {
		/* what would be stored, at the current resourceVersion */
		rev = api_check_size(a, obj);
		api_release(a, st, obj, old);
		return rev < 0 ? rev : 0;
	}
	api_key(key, sizeof(key), rt, t->ns, t->name);
	rev = api_put(a, key, obj, old_rev, false);
	if (rev < 0) {
		api_release(a, st, obj, old);
		return rev;
	}
	api_release(a, st, old, obj);
	return rev;
}

/* Common tail of PUT and PATCH: `obj` is the proposed new state of `old`,
 * both in the stored form (messages and answers are the target's view). */
void api_update_obj(struct api *a, struct http_req *req, const struct api_target *t, cJSON *obj,
		    cJSON *old, int64_t old_rev, bool dry, const struct api_fields *f)
{
	struct verrs e = {0};
	char msg[API_MSG];
	int64_t rev;

	/* PUT bodies and patch results decode like a created object */
	if (cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(obj, "metadata")) &&
	    !api_decode(req, t->rt, obj))
		return;
	rev = api_update_core(a, req, t, obj, old, old_rev, dry, f, &e, msg, sizeof(msg));
	switch (rev) {
	case -EPROTO:
		api_status_bad(req, msg);
		return;
	case -ESTALE:
		api_status_conflict(req, t->rt, t->name);
		return;
	case -EINVAL:
		api_status_invalid(req, t->rt, t->name, &e);
		return;
	case -EPERM:
		return; /* admission answered */
	default:
		break;
	}
	if (rev < 0) {
		api_status_store_err(a, req, t->rt, t->name, rev);
		return;
	}
	/* unchanged, obj is old as stored; a dry run's, what would be */
	api_reply_view(req, 200, t->rt, obj);
	if (rev > 0)
		http_req_defer(req);
}

int64_t api_store_update(struct api *a, const struct res_type *rt, const char *ns, const char *sub,
			 cJSON *obj, int64_t expected_rev, int *code, char *msg, size_t msglen)
{
	static const struct api_fields server = {.manager = "skiff-server", .sub = ""};
	static const struct api_fields server_status = {.manager = "skiff-server", .sub = "status"};
	struct api_target t = {.rt = rt, .has_ns = rt->namespaced, .has_name = true};
	const char *name = json_str(obj, "metadata.name");
	const struct store_kv *kv;
	struct verrs e = {0};
	char m[API_MSG];
	cJSON *old;
	int64_t rev;

	*code = 0;
	if (!name || strlen(name) >= sizeof(t.name) || strlen(ns ? ns : "") >= sizeof(t.ns) ||
	    strlen(sub ? sub : "") >= sizeof(t.sub)) {
		*code = 400;
		if (msg)
			snprintf(msg, msglen, "no usable metadata.name");
		return -EINVAL;
	}
	snprintf(t.name, sizeof(t.name), "%s", name);
	snprintf(t.ns, sizeof(t.ns), "%s", ns ? ns : "");
	snprintf(t.sub, sizeof(t.sub), "%s", sub ? sub : "");
	old = api_load(a, &t, &kv);
	if (!kv || !old) {
		cJSON_Delete(old);
		*code = kv ? 500 : 404;
		if (msg)
			snprintf(msg, msglen, "%s \"%s\" not found", res_qualified(rt), name);
		return kv ? -EIO : -ENOENT;
	}
	if (expected_rev && expected_rev != kv->mod_rev) {
		cJSON_Delete(old);
		*code = 409;
		if (msg)
			snprintf(msg, msglen, "%s \"%s\": the object has been modified",
				 res_qualified(rt), name);
		return -ESTALE;
	}
	/* the controllers write what they read: no resourceVersion needed */
	cJSON_DeleteItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
						"resourceVersion");
	rev = api_update_core(a, NULL, &t, obj, old, kv->mod_rev, false,
			      t.sub[0] ? &server_status : &server, &e, m, sizeof(m));
	cJSON_Delete(old);
	if (rev >= 0)
		return rev;
	*code = rev == -EINVAL	 ? 422
		: rev == -ESTALE ? 409
		: rev == -EPROTO ? 400
		: rev == -E2BIG	 ? 413
				 : 500;
	if (msg && rev == -EINVAL)
		snprintf(msg, msglen, "%s: %s", e.e[0].field, e.e[0].message);
	else if (msg && rev == -EPROTO)
		snprintf(msg, msglen, "%s", m);
	else if (msg)
		snprintf(msg, msglen, "%s \"%s\" could not be stored", res_qualified(rt), name);
	return rev;
}

/* Convert a PUT body or patch result of a view (api_unview); 0, or
 * -EINVAL after a 422. */
static int api_view_body(struct http_req *req, const struct api_target *t, cJSON *obj,
			 const cJSON *old)
{
	struct verrs e = {0};

	if (!api_unview(t->rt, obj, old, &e))
		return 0;
	api_status_invalid(req, t->rt, t->name, &e);
	return -EINVAL;
}

void api_update(struct api *a, struct http_req *req, const struct api_target *t)
{
	const struct store_kv *kv;
	struct api_fields f;
	cJSON *obj, *old;
	bool dry;

	if (api_dry_run(req, "UpdateOptions", &dry) ||
	    api_write_options(req, "UpdateOptions", false))
		return;
	if (!api_body_ctype(req)) {
		api_status_unsupported_media(req);
		return;
	}
	obj = api_parse_body(a, req, t->rt, "UpdateOptions");
	if (!obj)
		return;
	old = api_load_or_reply(a, req, t, &kv);
	api_fields_from_req(&f, req, t);
	if (old && !api_view_body(req, t, obj, old))
		api_update_obj(a, req, t, obj, old, kv->mod_rev, dry, &f);
	cJSON_Delete(old);
	cJSON_Delete(obj);
}

/* The patch type of a Content-Type; -EINVAL for any other. */
static int api_patch_type(const char *ct, enum patch_type *type)
{
	static const struct {
		const char *ctype;
		enum patch_type type;
	} types[] = {
	    {"application/merge-patch+json", PATCH_MERGE},
	    {"application/strategic-merge-patch+json", PATCH_STRATEGIC},
	    {"application/json-patch+json", PATCH_JSON},
	};

	for (size_t i = 0; ct && i < sizeof(types) / sizeof(types[0]); i++) {
		size_t n = strlen(types[i].ctype);

		if (!strncmp(ct, types[i].ctype, n) && (!ct[n] || ct[n] == ';')) {
			*type = types[i].type;
			return 0;
		}
	}
	return -EINVAL;
}

/* Run a patch of the request's Content-Type over `old`, producing at most
 * api_max_object() bytes (413 beyond: no patch may amplify itself into a
 * huge object). NULL after replying. */
static cJSON *api_run_patch(struct api *a, struct http_req *req, const cJSON *old, const char *kind)
{
	char err[512] = "", msg[700];
	enum patch_type type;
	cJSON *p, *res = NULL;
	int rc;

	if (api_patch_type(http_req_header(req, "Content-Type"), &type)) {
		api_status_unsupported_media(req);
		return NULL;
	}
	p = api_body_json(req, "error decoding patch");
	if (!p)
		return NULL;
	rc = patch_apply(type, old, p, kind, api_max_object(a), &res, err, sizeof(err));
	cJSON_Delete(p);
	if (rc == -E2BIG) {
		api_status(req, 413, "RequestEntityTooLarge", err, NULL);
		return NULL;
	}
	if (rc == -ENOMEM) {
		api_status(req, 500, "InternalError", "Internal error occurred: out of memory",
			   NULL);
		return NULL;
	}
	if (rc) {
		snprintf(msg, sizeof(msg), "the patch could not be applied: %s",
			 err[0] ? err : "invalid patch");
		api_status(req, 422, "Invalid", msg, NULL);
		return NULL;
	}
	if (!cJSON_IsObject(res)) {
		cJSON_Delete(res);
		api_status_bad(req, "the patch result is not a JSON object");
		return NULL;
	}
	return res;
}

void api_patch(struct api *a, struct http_req *req, const struct api_target *t)
{
	const struct store_kv *kv;
	struct api_fields f;
	cJSON *old, *obj;
	bool dry;

	if (api_is_apply(req)) {
		api_apply(a, req, t);
		return;
	}
	if (api_dry_run(req, "PatchOptions", &dry) || api_write_options(req, "PatchOptions", false))
		return;
	old = api_load_or_reply(a, req, t, &kv);
	if (!old)
		return;
	/* an object stored before the schema checks may hold fields its
	 * schema does not know: they go as upstream's decoder drops them, so
	 * the result's unknown fields are the patch's own */
	if (t->rt->storage) {
		/* a view's patch applies to the view's form of the object */
		cJSON *oldv = cJSON_Duplicate(old, true);

		res_view(t->rt, oldv);
		sch_prune(sch_lookup(t->rt->api_version, t->rt->kind), oldv);
		obj = oldv ? api_run_patch(a, req, oldv, t->rt->kind) : NULL;
		cJSON_Delete(oldv);
	} else {
		sch_prune(sch_lookup(t->rt->api_version, t->rt->kind), old);
		obj = api_run_patch(a, req, old, t->rt->kind);
	}
	api_fields_from_req(&f, req, t);
	if (obj && !api_body_fields(req, obj, "PatchOptions") && !api_view_body(req, t, obj, old))
		api_update_obj(a, req, t, obj, old, kv->mod_rev, dry, &f);
	cJSON_Delete(obj);
	cJSON_Delete(old);
}
