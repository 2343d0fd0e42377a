/* api_body: what every write request shares before and after the type's own
 * work — decoding the JSON body, the dryRun option, the size of the object a
 * write produces, and the Status for a store error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "schema/schema_check.h"
#include "schema/schema_pb.h"

#define API_PROTOBUF "application/vnd.kubernetes.protobuf"

/* Does the JSON text hold a \u0000 escape inside a string? cJSON decodes it
 * to a NUL byte and every C string after it is cut short ("a\u0000b" would
 * be stored as "a"), so such bodies are refused instead of being silently
 * truncated. One pass; escapes are skipped as pairs so "\\u0000" (a
 * backslash followed by "u0000") is not a NUL. */
bool api_json_has_nul(const char *s, size_t n)
{
	bool in_str = false;

	for (size_t i = 0; i < n; i++) {
		if (!in_str) {
			if (s[i] == '"')
				in_str = true;
			continue;
		}
		if (s[i] == '"') {
			in_str = false;
		} else if (s[i] == '\\' && i + 1 < n) {
			if (s[i + 1] == 'u' && i + 5 < n && !memcmp(s + i + 2, "0000", 4))
				return true;
			i++;
		} else if (s[i] == 0) {
			return true;
		}
	}
	return false;
}

cJSON *api_body_json(struct http_req *req, const char *what)
{
	size_t len;
	const char *body = http_req_body(req, &len);
	const char *end = NULL;
	char msg[256];
	cJSON *obj;

	if (api_json_has_nul(body, len)) {
		snprintf(msg, sizeof(msg),
			 "%s: strings containing the NUL character (\\u0000) are not supported",
			 what);
		api_status(req, 400, "BadRequest", msg, NULL);
		return NULL;
	}
	obj = cJSON_ParseWithLengthOpts(body, len, &end, false);
	if (!obj) {
		size_t off = end && end >= body ? (size_t)(end - body) : 0;

		snprintf(msg, sizeof(msg), "%s: invalid JSON at offset %zu", what, off);
		api_status(req, 400, "BadRequest", msg, NULL);
		return NULL;
	}
	return obj;
}

bool api_body_is_protobuf(struct http_req *req)
{
	const char *ct = http_req_header(req, "Content-Type");

	return ct && !strncmp(ct, API_PROTOBUF, strlen(API_PROTOBUF)) &&
	       (!ct[strlen(API_PROTOBUF)] || ct[strlen(API_PROTOBUF)] == ';');
}

/* The fieldValidation query option; -EINVAL after a 422 naming options,
 * as upstream validates it with the options object. */
static int api_field_validation(struct http_req *req, const char *options, enum sch_validation *v)
{
	static const char *const supported[] = {"Ignore", "Strict", "Warn", NULL};
	const char *q = options ? http_req_query(req, "fieldValidation") : NULL;
	struct verrs e = {0};
	char val[300];

	if (!sch_validation_parse(q, v))
		return 0;
	snprintf(val, sizeof(val), "\"%.256s\"", q);
	verrs_not_supported(&e, "fieldValidation", val, supported);
	api_status_invalid_kind(req, options, "meta.k8s.io", "", &e);
	return -EINVAL;
}

static cJSON *api_body_protobuf(struct api *a, struct http_req *req, struct sch_report *rep,
				const struct sch_type **t)
{
	size_t len;
	const char *body = http_req_body(req, &len);
	cJSON *obj = NULL;
	char msg[SCH_MSG_LEN + 64];
	int rc = sch_pb_decode(body, len, api_max_object(a), &obj, t, rep);

	if (rc == -EMSGSIZE) {
		api_status_too_large(req, a);
	} else if (rc == -ENOMEM) {
		api_status(req, 500, "InternalError", "out of memory decoding the body", NULL);
	} else if (rc) {
		snprintf(msg, sizeof(msg), "error decoding protobuf body: %s",
			 sch_report_error(rep));
		api_status(req, 400, "BadRequest", msg, NULL);
	}
	return obj;
}

/* Strict: a 400 naming what rep found (-EINVAL); Warn: a Warning header
 * each; then what Go's decoder would have kept: the last of repeated keys,
 * no unknown fields. */
static int api_fields_verdict(struct http_req *req, const struct sch_type *t, cJSON *obj,
			      const struct sch_report *rep, enum sch_validation v)
{
	struct buf b = {0};
	int rc = 0;

	if (rep->nfield && v == SCH_VALIDATE_STRICT) {
		if (sch_report_strict(rep, t, &b))
			api_status(req, 500, "InternalError", "out of memory", NULL);
		else
			api_status(req, 400, "BadRequest", b.p, NULL);
		rc = -EINVAL;
		goto out;
	}
	for (unsigned i = 0; rep->nfield && v == SCH_VALIDATE_WARN && i < rep->n; i++) {
		if (rep->msg[i].kind == SCH_MSG_ERROR)
			continue;
		b.len = 0;
		if (!sch_report_warning(rep, i, &b))
			http_reply_header(req, "Warning", b.p);
	}
	if (sch_drop_duplicates(obj) < 0 || (t && sch_prune(t, obj) < 0)) {
		api_status(req, 500, "InternalError", "out of memory", NULL);
		rc = -EINVAL;
	}
out:
	buf_free(&b);
	return rc;
}

/* Check obj (JSON, of the type it names or api_version/kind) against its
 * schema and answer as fieldValidation v says. */
static int api_fields_check(struct http_req *req, cJSON *obj, const char *api_version,
			    const char *kind, enum sch_validation v, struct sch_report *rep)
{
	const struct sch_type *t =
	    sch_lookup(json_str(obj, "apiVersion") ?: api_version, json_str(obj, "kind") ?: kind);

	if (t && v != SCH_VALIDATE_IGNORE && sch_check(t, obj, rep) == -ENOMEM) {
		api_status(req, 500, "InternalError", "out of memory checking the body", NULL);
		return -EINVAL;
	}
	return api_fields_verdict(req, t, obj, rep, v);
}

cJSON *api_body_decode(struct api *a, struct http_req *req, const char *what,
		       const char *api_version, const char *kind, const char *options)
{
	const struct sch_type *t = NULL;
	enum sch_validation v;
	struct sch_report *rep;
	cJSON *obj = NULL;
	int rc;

	if (api_field_validation(req, options, &v))
		return NULL;
	/* ~10 KiB: too big for the stack of a request handler */
	rep = malloc(sizeof(*rep));
	if (!rep) {
		api_status(req, 500, "InternalError", "out of memory decoding the body", NULL);
		return NULL;
	}
	sch_report_init(rep);
	if (api_body_is_protobuf(req)) {
		obj = api_body_protobuf(a, req, rep, &t);
		rc = obj ? api_fields_verdict(req, t, obj, rep, v) : 0;
	} else {
		obj = api_body_json(req, what);
		rc =
		    cJSON_IsObject(obj) ? api_fields_check(req, obj, api_version, kind, v, rep) : 0;
	}
	free(rep);
	if (rc) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
}

int api_body_fields(struct http_req *req, cJSON *obj, const char *options)
{
	enum sch_validation v;
	struct sch_report *rep;
	int rc;

	if (api_field_validation(req, options, &v))
		return -EINVAL;
	rep = malloc(sizeof(*rep));
	if (!rep) {
		api_status(req, 500, "InternalError", "out of memory checking the body", NULL);
		return -EINVAL;
	}
	sch_report_init(rep);
	rc = api_fields_check(req, obj, NULL, NULL, v, rep);
	free(rep);
	return rc;
}

/* dryRun takes only "All" (metav1.DryRunAll). Upstream validates the
 * request's options object and answers 422 naming it, e.g.
 * `CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value:
 * []string{"x"}: supported values: "All"`. */
int api_dry_run(struct http_req *req, const char *options_kind, bool *dry)
{
	const char *v = http_req_query(req, "dryRun");
	static const char *const supported[] = {"All", NULL};
	struct verrs e = {0};
	char val[300];

	*dry = false;
	if (!v)
		return 0;
	if (!strcmp(v, "All")) {
		*dry = true;
		return 0;
	}
	snprintf(val, sizeof(val), "[]string{\"%.256s\"}", v);
	verrs_not_supported(&e, "dryRun", val, supported);
	api_status_invalid_kind(req, options_kind, "meta.k8s.io", "", &e);
	return -EINVAL;
}

char *api_serialize(struct api *a, const cJSON *obj, int *err)
{
	char *s = cJSON_PrintUnformatted(obj);

	*err = 0;
	if (!s) {
		*err = -ENOMEM;
		return NULL;
	}
	if (strlen(s) > api_max_object(a)) {
		free(s);
		*err = -E2BIG;
		return NULL;
	}
	return s;
}

int api_check_size(struct api *a, const cJSON *obj)
{
	int err;

	free(api_serialize(a, obj, &err));
	return err;
}

size_t api_max_object(const struct api *a)
{
	if (a->cfg.max_object)
		return a->cfg.max_object;
	return a->cfg.max_body ? a->cfg.max_body : 3 * 1024 * 1024;
}

void api_status_too_large(struct http_req *req, struct api *a)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "Request entity too large: limit is %zu", api_max_object(a));
	api_status(req, 413, "RequestEntityTooLarge", msg, NULL);
}

void api_status_store_err(struct api *a, struct http_req *req, const struct res_type *rt,
			  const char *name, int64_t err)
{
	if (err == -ESTALE)
		api_status_conflict(req, rt, name);
	else if (err == -E2BIG)
		api_status_too_large(req, a);
	else
		api_status(req, 500, "InternalError", "Internal error occurred: store", NULL);
}
