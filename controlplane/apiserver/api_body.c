/* api_body: what every write request shares before and after the type's own
 * work — decoding the JSON body, the dryRun option, the size of the object a
 * write produces, and the Status for a store error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"

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
