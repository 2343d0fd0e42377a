/* api_list: list with label/field selectors (JSON or Table). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "api.h"
#include "buf.h"
#include "patch/patch.h"
#include "selector.h"

/* Parse labelSelector and fieldSelector of the request; replies 400 on error. */
int api_selectors(struct http_req *req, const struct res_type *rt, struct selector **ls,
		  struct selector **fs)
{
	const char *l = http_req_query(req, "labelSelector");
	const char *f = http_req_query(req, "fieldSelector");
	char err[512];

	*ls = *fs = NULL;
	if (l && sel_parse_labels(l, ls, err, sizeof(err))) {
		api_status(req, 400, "BadRequest", err, NULL);
		return -EINVAL;
	}
	if (f && sel_parse_fields(f, rt->field_selectors, rt->plural, fs, err, sizeof(err))) {
		sel_free(*ls);
		*ls = NULL;
		api_status(req, 400, "BadRequest", err, NULL);
		return -EINVAL;
	}
	return 0;
}

bool api_match(const struct selector *ls, const struct selector *fs, const cJSON *obj)
{
	const cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");

	if (ls && !sel_match_labels(ls, cJSON_GetObjectItemCaseSensitive(md, "labels")))
		return false;
	if (fs && !sel_match_fields(fs, obj))
		return false;
	return true;
}

void api_status_rv_too_large(struct http_req *req, int64_t rv, int64_t current)
{
	cJSON *details = cJSON_CreateObject();
	cJSON *causes = cJSON_AddArrayToObject(details, "causes");
	cJSON *cause = cJSON_CreateObject();
	char msg[128];

	/* apimachinery's NewTimeoutError prefixes "Timeout: " */
	snprintf(msg, sizeof(msg), "Timeout: Too large resource version: %lld, current: %lld",
		 (long long)rv, (long long)current);
	cJSON_AddStringToObject(cause, "reason", "ResourceVersionTooLarge");
	cJSON_AddStringToObject(cause, "message", "Too large resource version");
	cJSON_AddItemToArray(causes, cause);
	cJSON_AddNumberToObject(details, "retryAfterSeconds", 1);
	/* upstream's error writer mirrors retryAfterSeconds in Retry-After */
	http_reply_header(req, "Retry-After", "1");
	api_status(req, 504, "Timeout", msg, details);
}

int api_parse_rv(struct http_req *req, int64_t *out)
{
	const char *rvs = http_req_query(req, "resourceVersion");
	char msg[300], *end;

	*out = 0;
	if (!rvs || !*rvs)
		return 0;
	errno = 0;
	*out = strtoll(rvs, &end, 10);
	if (errno || *end || *out < 0) {
		snprintf(
		    msg, sizeof(msg),
		    "resourceVersion: Invalid value: \"%.200s\": must be a non-negative integer",
		    rvs);
		api_status(req, 400, "BadRequest", msg, NULL);
		return -EINVAL;
	}
	return 0;
}

struct list_ctx {
	const struct res_type *rt;
	struct selector *ls, *fs;
	struct buf buf;
	cJSON *table;
	time_t now;
	size_t n;
};

static void list_one(void *ud, const struct store_kv *kv)
{
	struct list_ctx *c = ud;
	cJSON *obj = NULL;

	if (c->ls || c->fs || c->table) {
		obj = cJSON_Parse(kv->value);
		if (!obj || !api_match(c->ls, c->fs, obj)) {
			cJSON_Delete(obj);
			return;
		}
	}
	if (c->table) {
		api_table_add_row(c->table, c->rt, obj, c->now);
	} else {
		if (c->n)
			buf_put(&c->buf, ",", 1);
		buf_put(&c->buf, kv->value, kv->value_len);
	}
	c->n++;
	cJSON_Delete(obj);
}

void api_list(struct api *a, struct http_req *req, const struct api_target *t)
{
	struct list_ctx c = {.rt = t->rt, .now = time(NULL)};
	char prefix[400], head[256], rv[24];
	const char *fixed_ns = t->has_ns ? t->ns : NULL;
	const char *fixed_name;
	int64_t min_rv;

	/* Any resourceVersion match (unset, NotOlderThan, Exact) needs the
	 * store to have reached it; "0" and "" are served from what is here. */
	if (api_parse_rv(req, &min_rv))
		return;
	if (min_rv > store_rev(a->store)) {
		api_status_rv_too_large(req, min_rv, store_rev(a->store));
		return;
	}
	if (api_selectors(req, t->rt, &c.ls, &c.fs))
		return;
	snprintf(rv, sizeof(rv), "%lld", (long long)store_rev(a->store));
	/* metadata.name=X selects one key: no need to walk the collection */
	fixed_name = sel_field_equals(c.fs, "metadata.name");
	if (api_wants_table(req)) {
		c.table = api_table_new(t->rt, true);
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(c.table, "metadata"),
					"resourceVersion", rv);
	} else {
		snprintf(head, sizeof(head),
			 "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":{"
			 "\"resourceVersion\":\"%s\"},\"items\":[",
			 t->rt->list_kind, t->rt->api_version, rv);
		buf_put(&c.buf, head, strlen(head));
	}
	if (fixed_name && (fixed_ns || !t->rt->namespaced)) {
		char key[600];
		const struct store_kv *kv;

		api_key(key, sizeof(key), t->rt, fixed_ns, fixed_name);
		kv = store_get(a->store, key);
		if (kv)
			list_one(&c, kv);
	} else {
		api_prefix(prefix, sizeof(prefix), t->rt, fixed_ns);
		store_list(a->store, prefix, list_one, &c);
	}
	if (c.table) {
		api_reply_json(req, 200, c.table);
		cJSON_Delete(c.table);
	} else {
		buf_puts(&c.buf, "]}");
		if (c.buf.oom)
			api_status(req, 500, "InternalError",
				   "Internal error occurred: out of memory", NULL);
		else
			http_reply(req, 200, "application/json", c.buf.p, c.buf.len);
		buf_free(&c.buf);
	}
	sel_free(c.ls);
	sel_free(c.fs);
}
