/* api_list: list with label/field selectors (JSON or Table). */
#include <errno.h>
#include <sys/types.h>
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
	/* a view's selectors match the stored form: its storage's fields */
	if (f && sel_parse_fields(f, res_stored(rt)->field_selectors, rt->plural, fs, err,
				  sizeof(err))) {
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
	const char *partial; /* PartialObjectMetadataList of this meta group/version */
	time_t now;
	size_t n;
	char last[700]; /* the last key listed: where the next page starts */
};

static void list_one(void *ud, const struct store_kv *kv)
{
	struct list_ctx *c = ud;
	cJSON *obj = NULL;

	if (c->ls || c->fs || c->table || c->partial || c->rt->storage) {
		obj = cJSON_Parse(kv->value);
		if (!obj || !api_match(c->ls, c->fs, obj)) {
			cJSON_Delete(obj);
			return;
		}
	}
	if (c->table) {
		api_table_add_row(c->table, c->rt, obj, c->now);
	} else if (c->partial || c->rt->storage) {
		cJSON *p = c->partial ? api_partial(obj, c->partial) : NULL;
		char *v;

		if (!c->partial)
			res_view(c->rt, obj);
		v = cJSON_PrintUnformatted(p ? p : obj);
		cJSON_Delete(p);
		if (c->n)
			buf_put(&c->buf, ",", 1);
		if (v)
			buf_put(&c->buf, v, strlen(v));
		else
			c->buf.oom = true;
		free(v);
	} else {
		if (c->n)
			buf_put(&c->buf, ",", 1);
		buf_put(&c->buf, kv->value, kv->value_len);
	}
	c->n++;
	cJSON_Delete(obj);
}

/* The items are written after LIST_HEAD_ROOM bytes left free at the start
 * of the buffer, so that the list's head, known only once the walk is done
 * (its continue token), is put in front of them without copying megabytes
 * of items into a second buffer. */
#define LIST_HEAD_ROOM 4096

/* {"kind","apiVersion","metadata","items"} in upstream's order, around
 * the items already serialized into items (after LIST_HEAD_ROOM). */
/* The list document around the items already in *items (partial: a
 * PartialObjectMetadataList of that meta group/version). */
static void list_reply_json(struct http_req *req, const struct res_type *rt, const char *partial,
			    const cJSON *md, struct buf *items)
{
	char *meta = cJSON_PrintUnformatted(md);
	char head[LIST_HEAD_ROOM];
	int n = meta
		    ? snprintf(head, sizeof(head),
			       "{\"kind\":\"%s\",\"apiVersion\":\"%s\",\"metadata\":%s,\"items\":[",
			       partial ? "PartialObjectMetadataList" : rt->list_kind,
			       partial ? partial : rt->api_version, meta)
		    : -1;

	if (n < 0 || n >= (int)sizeof(head) || items->len < LIST_HEAD_ROOM ||
	    buf_puts(items, "]}")) {
		api_status(req, 500, "InternalError", "Internal error occurred: out of memory",
			   NULL);
	} else {
		char *start = items->p + LIST_HEAD_ROOM - n;

		memcpy(start, head, (size_t)n);
		http_reply(req, 200, "application/json", start,
			   items->len - (LIST_HEAD_ROOM - (size_t)n));
	}
	free(meta);
}

/* One key of a page: listed (and counted against the limit) if it
 * matches the selectors. */
static bool list_page_one(void *ud, const struct store_kv *kv)
{
	struct list_ctx *c = ud;
	size_t before = c->n;

	list_one(c, kv);
	if (c->n == before)
		return false;
	snprintf(c->last, sizeof(c->last), "%s", kv->key);
	return true;
}

/* The list's metadata: its revision, and for a page with more after it
 * the continue token and (without selectors, as upstream, since only then
 * is it exact) the count of objects after the page. */
static int list_meta(cJSON *md, const struct list_ctx *c, const struct api_page *pg,
		     size_t remaining, const char *prefix)
{
	char rv[24], *tok;

	snprintf(rv, sizeof(rv), "%lld", (long long)pg->rev);
	cJSON_AddStringToObject(md, "resourceVersion", rv);
	if (!remaining)
		return 0;
	tok = api_continue_encode(c->last + strlen(prefix), true, pg->rev);
	if (!tok)
		return -ENOMEM;
	cJSON_AddStringToObject(md, "continue", tok);
	free(tok);
	if (!c->ls && !c->fs)
		cJSON_AddNumberToObject(md, "remainingItemCount", (double)remaining);
	return 0;
}

/* Walk one page of the collection at pg->rev. Returns the count of keys
 * after it (0: the list is complete), -ERANGE or -ENOMEM. */
static ssize_t list_walk(struct api *a, struct list_ctx *c, const char *prefix,
			 const struct api_page *pg)
{
	struct store_page sp = {
	    .prefix = prefix,
	    .start = pg->start,
	    .after = pg->after,
	    .rev = pg->rev,
	    .limit = pg->limit,
	};
	int n = store_list_at(a->store, &sp, list_page_one, c);

	return n < 0 ? n : (ssize_t)sp.remaining;
}

void api_list(struct api *a, struct http_req *req, const struct api_target *t)
{
	struct list_ctx c = {.rt = t->rt, .now = time(NULL)};
	struct api_media media;
	struct api_page pg = {0};
	char prefix[400];
	const char *fixed_ns = t->has_ns ? t->ns : NULL;
	const char *fixed_name;
	cJSON *md;
	ssize_t remaining = 0;
	int64_t min_rv;

	/* Any resourceVersion match (unset, NotOlderThan, Exact) needs the
	 * store to have reached it; "0" and "" are served from what is here. */
	if (api_accept(req, API_READ_LIST, &media) || api_parse_rv(req, &min_rv))
		return;
	if (media.view == API_VIEW_PARTIAL)
		c.partial = media.meta_gv;
	if (min_rv > store_rev(a->store)) {
		api_status_rv_too_large(req, min_rv, store_rev(a->store));
		return;
	}
	if (api_selectors(req, t->rt, &c.ls, &c.fs))
		return;
	api_prefix(prefix, sizeof(prefix), t->rt, fixed_ns);
	if (api_page_parse(a, req, prefix, &pg))
		goto out;
	/* metadata.name=X selects one key: no need to walk the collection */
	fixed_name = sel_field_equals(c.fs, "metadata.name");
	if (media.view == API_VIEW_TABLE)
		c.table = api_table_new(t->rt, true);
	else if (buf_put(&c.buf, (char[LIST_HEAD_ROOM]){0}, LIST_HEAD_ROOM))
		c.buf.oom = true;
	if (fixed_name && (fixed_ns || !t->rt->namespaced) && !pg.token) {
		char key[600];
		const struct store_kv *kv;

		api_key(key, sizeof(key), t->rt, fixed_ns, fixed_name);
		kv = store_get(a->store, key);
		if (kv)
			list_one(&c, kv);
	} else {
		remaining = list_walk(a, &c, prefix, &pg);
	}
	if (remaining == -ERANGE) {
		api_status_continue_expired(req, &pg);
		goto out;
	}
	md = cJSON_CreateObject();
	if (remaining < 0 || list_meta(md, &c, &pg, (size_t)remaining, prefix) || c.buf.oom) {
		cJSON_Delete(md);
		api_status(req, 500, "InternalError", "Internal error occurred: out of memory",
			   NULL);
		goto out;
	}
	if (c.table) {
		cJSON_ReplaceItemInObject(c.table, "metadata", md);
		api_reply_json(req, 200, c.table);
	} else {
		list_reply_json(req, t->rt, c.partial, md, &c.buf);
		cJSON_Delete(md);
	}
out:
	cJSON_Delete(c.table);
	buf_free(&c.buf);
	api_page_free(&pg);
	sel_free(c.ls);
	sel_free(c.fs);
}
