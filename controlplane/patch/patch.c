/* patch: JSON merge patch (RFC 7386) and JSON patch (RFC 6902). The
 * strategic merge patch lives in patch_smp.c. Every function works on a deep
 * copy, so the inputs are never changed and a failed patch leaves nothing
 * half-applied. patch_apply checks the limits common to all three (patch.h).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "jcmp.h"
#include "patch.h"
#include "patch_idx.h"

/* ---- shared helpers ---- */

__attribute__((format(printf, 3, 4))) static void patch_err(char *err, size_t errlen,
							    const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A deep copy without the member name cJSON_Duplicate carries along. */
static cJSON *patch_dup(const cJSON *v)
{
	cJSON *d = cJSON_Duplicate(v, 1);

	if (d && d->string && !(d->type & cJSON_StringIsConst)) {
		free(d->string);
		d->string = NULL;
	}
	return d;
}

void patch_budget_err(const struct patch_budget *b, char *err, size_t errlen)
{
	patch_err(err, errlen,
		  "the patch is too expensive to apply: it needs more than %zu steps of work "
		  "(%d per element of the object and the patch)",
		  b->max, PATCH_WORK_FACTOR);
}

/* ---- RFC 7386 merge patch ---- */

/* Merge the object patch into the object obj, in place. Both are indexed
 * by name, so a wide patch over a wide object costs O(n log n); of keys the
 * patch repeats only the last counts, as when Go decodes it, so each member
 * of obj is looked up once and each patch value copied once. */
static int mp_merge(struct patch_budget *b, cJSON *obj, const cJSON *patch)
{
	struct patch_keys ok, pk;
	const cJSON *p;
	int rc;

	rc = patch_keys_build(&ok, obj, b);
	if (rc)
		return rc;
	rc = patch_keys_build(&pk, (cJSON *)patch, b);
	if (rc)
		goto out_obj;
	cJSON_ArrayForEach(p, patch)
	{
		cJSON *cur, *n;

		if (!p->string || (pk.dups && patch_keys_last(&pk, p->string) != p))
			continue;
		if (cJSON_IsNull(p)) {
			patch_keys_remove(&ok, p->string);
			continue;
		}
		cur = patch_keys_get(&ok, p->string);
		if (cJSON_IsObject(p) && cJSON_IsObject(cur)) {
			rc = mp_merge(b, cur, p);
			if (rc)
				goto out;
			continue;
		}
		/* A patch object over a non-object merges into {} (nulls vanish);
		 * anything else replaces, arrays included. */
		if (cJSON_IsObject(p)) {
			n = cJSON_CreateObject();
			rc = n ? mp_merge(b, n, p) : -ENOMEM;
			if (rc) {
				cJSON_Delete(n);
				goto out;
			}
		} else {
			n = patch_dup(p);
			if (!n) {
				rc = -ENOMEM;
				goto out;
			}
		}
		rc = patch_keys_put(&ok, p->string, n);
		if (rc)
			goto out;
	}
out:
	patch_keys_free(&pk);
out_obj:
	patch_keys_free(&ok);
	return rc;
}

static int patch_merge_apply(const cJSON *orig, const cJSON *patch, struct patch_budget *b,
			     cJSON **out, char *err, size_t errlen)
{
	cJSON *res;
	int rc = 0;

	if (!patch) {
		patch_err(err, errlen, "merge patch: empty patch");
		return -EINVAL;
	}
	if (!cJSON_IsObject(patch)) {
		res = patch_dup(patch);
	} else {
		res = cJSON_IsObject(orig) ? patch_dup(orig) : cJSON_CreateObject();
		if (res)
			rc = mp_merge(b, res, patch);
	}
	if (!res && !rc)
		rc = -ENOMEM;
	if (rc) {
		cJSON_Delete(res);
		res = NULL;
	}
	if (rc == -ENOMEM)
		patch_err(err, errlen, "merge patch: out of memory");
	else if (rc == -E2BIG)
		patch_budget_err(b, err, errlen);
	*out = res;
	return rc;
}

/* ---- RFC 6902 JSON patch ---- */

struct jp_ctx {
	char *err;
	size_t errlen;
	const char *path;	   /* the pointer being resolved, for messages */
	struct patch_budget *b;	   /* steps walked along members and elements */
	size_t copied, copy_limit; /* bytes duplicated by "copy" so far, and the cap */
	size_t depth;		   /* tokens of the last path resolved */
};

/* Charge n steps; -E2BIG (message set) once the budget is spent. */
static int jp_spend(struct jp_ctx *c, size_t n)
{
	if (patch_spend(c->b, n))
		return 0;
	patch_budget_err(c->b, c->err, c->errlen);
	return -E2BIG;
}

/* Unescape one reference token of a JSON pointer (RFC 6901: ~1 is '/',
 * ~0 is '~', any other '~' is invalid). */
static char *jp_token(struct jp_ctx *c, const char *s, size_t n)
{
	char *t = malloc(n + 1), *w = t;

	if (!t) {
		patch_err(c->err, c->errlen, "json patch: out of memory");
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '~') {
			*w++ = s[i];
		} else if (i + 1 < n && (s[i + 1] == '0' || s[i + 1] == '1')) {
			*w++ = s[++i] == '0' ? '~' : '/';
		} else {
			patch_err(c->err, c->errlen, "json patch: invalid escape in path %s",
				  c->path);
			free(t);
			return NULL;
		}
	}
	*w = '\0';
	return t;
}

/* An array index token: digits without a leading zero, or "-" (the end)
 * when allow_end. The index, LONG_MAX for "-", or -1 if invalid. */
static long jp_index(const char *tok, bool allow_end)
{
	size_t n = strlen(tok);
	long v = 0;

	if (allow_end && !strcmp(tok, "-"))
		return __LONG_MAX__;
	if (n == 0 || n > 9 || (n > 1 && tok[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return -1;
		v = v * 10 + (tok[i] - '0');
	}
	return v;
}

/* The element at index i of arr, walking (and paying for) the elements
 * before it; NULL past the end, where *end says whether i is the size. */
static int jp_nth(struct jp_ctx *c, cJSON *arr, long i, cJSON **at, bool *end)
{
	cJSON *it = arr->child;
	long k = 0;

	for (; it && k < i; it = it->next)
		k++;
	*at = it;
	*end = !it && (k == i || i == __LONG_MAX__);
	return jp_spend(c, (size_t)k + 1);
}

/* The first member of obj named key, paying for the members walked. */
static int jp_member(struct jp_ctx *c, cJSON *obj, const char *key, cJSON **m)
{
	size_t k = 1;
	cJSON *it;

	for (it = obj->child; it; it = it->next, k++)
		if (it->string && !strcmp(it->string, key))
			break;
	*m = it;
	return jp_spend(c, k);
}

/* The child of container named by tok into *v (NULL if none). */
static int jp_child(struct jp_ctx *c, cJSON *cur, const char *tok, cJSON **v)
{
	long i;
	bool end;

	*v = NULL;
	if (cJSON_IsObject(cur))
		return jp_member(c, cur, tok, v);
	if (!cJSON_IsArray(cur))
		return 0;
	i = jp_index(tok, false);
	return i < 0 ? 0 : jp_nth(c, cur, i, v, &end);
}

static int jp_not_found(struct jp_ctx *c, const char *path)
{
	patch_err(c->err, c->errlen, "json patch: path %s not found", path);
	return -ENOENT;
}

/* Resolve every token of path but the last: *parent gets the container and
 * *last the final token (caller frees). path "" gives *parent NULL. */
static int jp_parent(struct jp_ctx *c, cJSON *doc, const char *path, cJSON **parent, char **last)
{
	const char *s = path;
	cJSON *cur = doc;
	int rc;

	c->path = path;
	c->depth = 0;
	*parent = NULL;
	*last = NULL;
	if (!*path)
		return 0;
	if (*path != '/') {
		patch_err(c->err, c->errlen, "json patch: invalid path %s: must start with '/'",
			  path);
		return -EINVAL;
	}
	for (;;) {
		const char *e = strchr(s + 1, '/');
		size_t n = e ? (size_t)(e - s - 1) : strlen(s + 1);
		char *tok = jp_token(c, s + 1, n);

		if (!tok)
			return -EINVAL;
		c->depth++;
		if (!e) {
			*parent = cur;
			*last = tok;
			return 0;
		}
		rc = jp_child(c, cur, tok, &cur);
		free(tok);
		if (rc)
			return rc;
		if (!cur)
			return jp_not_found(c, path);
		s = e;
	}
}

/* The value at path into *v, or an error (message set). */
static int jp_get(struct jp_ctx *c, cJSON *doc, const char *path, cJSON **v)
{
	cJSON *parent;
	char *last;
	int rc;

	rc = jp_parent(c, doc, path, &parent, &last);
	if (rc)
		return rc;
	if (!last) {
		*v = doc;
		return 0;
	}
	rc = jp_child(c, parent, last, v);
	free(last);
	if (!rc && !*v)
		rc = jp_not_found(c, path);
	return rc;
}

/* Insert val before at in arr (at NULL: append). Relinks by hand instead
 * of calling cJSON_InsertItemInArray, which Debian's cJSON 1.7.15 gets
 * wrong (it returns false and inserts nothing); keeps cJSON's invariant
 * that the first element's prev is the last one. */
static void jp_insert(cJSON *arr, cJSON *at, cJSON *val)
{
	if (!at) {
		cJSON_AddItemToArray(arr, val);
		return;
	}
	val->next = at;
	val->prev = at->prev;
	if (at == arr->child)
		arr->child = val;
	else
		at->prev->next = val;
	at->prev = val;
}

/* The result may not nest deeper than PATCH_MAX_DEPTH: val placed under a
 * path of c->depth tokens. Keeping every intermediate document within the
 * limit also keeps cJSON's recursive functions safe on it. */
static int jp_check_depth(struct jp_ctx *c, const cJSON *val, size_t *bytes)
{
	struct jcmp_size sz;
	int rc;

	if (jcmp_measure(val, &sz))
		return -ENOMEM;
	rc = jp_spend(c, sz.nodes);
	if (rc)
		return rc;
	if (bytes)
		*bytes = sz.bytes;
	if (c->depth + sz.depth > PATCH_MAX_DEPTH) {
		patch_err(c->err, c->errlen,
			  "json patch: the value would nest deeper than %d levels at path %s",
			  PATCH_MAX_DEPTH, c->path);
		return -EINVAL;
	}
	return 0;
}

/* add: val (owned) goes to path; objects set the member, arrays insert. */
static int jp_add(struct jp_ctx *c, cJSON **doc, const char *path, cJSON *val)
{
	cJSON *parent, *at;
	char *last;
	bool end;
	long i;
	int rc;

	rc = jp_parent(c, *doc, path, &parent, &last);
	if (!rc)
		rc = jp_check_depth(c, val, NULL);
	if (rc) {
		free(last);
		goto fail;
	}
	if (!last) {
		cJSON_Delete(*doc);
		*doc = val;
		return 0;
	}
	if (cJSON_IsObject(parent)) {
		rc = jp_member(c, parent, last, &at);
		if (!rc && at)
			rc = patch_member_replace(parent, at, val);
		else if (!rc)
			rc = cJSON_AddItemToObject(parent, last, val) ? 0 : -ENOMEM;
		else
			cJSON_Delete(val);
		free(last);
		if (rc == -ENOMEM)
			patch_err(c->err, c->errlen, "json patch: out of memory");
		return rc;
	}
	if (!cJSON_IsArray(parent)) {
		free(last);
		rc = jp_not_found(c, path);
		goto fail;
	}
	i = jp_index(last, true);
	free(last);
	rc = i < 0 ? 0 : jp_nth(c, parent, i, &at, &end);
	if (rc)
		goto fail;
	if (i < 0 || (!at && !end)) {
		patch_err(c->err, c->errlen, "json patch: invalid array index in path %s", path);
		rc = -EINVAL;
		goto fail;
	}
	jp_insert(parent, at, val);
	return 0;
fail:
	cJSON_Delete(val);
	return rc;
}

/* remove: detach the value at path into *out (caller owns). */
static int jp_detach(struct jp_ctx *c, cJSON *doc, const char *path, cJSON **out)
{
	cJSON *parent, *v = NULL;
	char *last;
	int rc;

	*out = NULL;
	rc = jp_parent(c, doc, path, &parent, &last);
	if (rc)
		return rc;
	if (!last) {
		patch_err(c->err, c->errlen, "json patch: cannot remove the whole document");
		return -EINVAL;
	}
	rc = jp_child(c, parent, last, &v);
	free(last);
	if (rc)
		return rc;
	if (!v)
		return jp_not_found(c, path);
	cJSON_DetachItemViaPointer(parent, v);
	if (v->string && !(v->type & cJSON_StringIsConst)) {
		free(v->string);
		v->string = NULL;
	}
	*out = v;
	return 0;
}

/* replace: val (owned) takes the place of the existing value at path. */
static int jp_replace(struct jp_ctx *c, cJSON **doc, const char *path, cJSON *val)
{
	cJSON *parent, *cur;
	char *last;
	int rc;

	rc = jp_parent(c, *doc, path, &parent, &last);
	if (!rc)
		rc = jp_check_depth(c, val, NULL);
	if (rc) {
		free(last);
		cJSON_Delete(val);
		return rc;
	}
	if (!last) {
		cJSON_Delete(*doc);
		*doc = val;
		return 0;
	}
	rc = jp_child(c, parent, last, &cur);
	free(last);
	if (!rc && !cur)
		rc = jp_not_found(c, path); /* RFC 6902 4.3: the target must exist */
	if (rc) {
		cJSON_Delete(val);
		return rc;
	}
	if (cJSON_IsObject(parent)) {
		rc = patch_member_replace(parent, cur, val);
		if (rc)
			patch_err(c->err, c->errlen, "json patch: out of memory");
		return rc;
	}
	cJSON_ReplaceItemViaPointer(parent, cur, val);
	return 0;
}

static const char *jp_str(const cJSON *op, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* test: the value at path equals value. */
static int jp_test(struct jp_ctx *c, cJSON *doc, const char *path, const cJSON *value)
{
	struct jcmp_size sz;
	cJSON *v;
	int rc;

	rc = jp_get(c, doc, path, &v);
	if (rc)
		return rc;
	/* jcmp_equal walks no more of either side than the smaller one. */
	if (jcmp_measure(value, &sz))
		return -ENOMEM;
	rc = jp_spend(c, sz.nodes);
	if (rc)
		return rc;
	rc = jcmp_equal(v, value);
	if (rc < 0)
		return rc;
	if (!rc) {
		patch_err(c->err, c->errlen, "json patch: test failed at path %s", path);
		return -EINVAL;
	}
	return 0;
}

/* copy: duplicate the value at from to path, counting its size against
 * the copy limit (upstream's AccumulatedCopySizeLimit and its message). */
static int jp_copy(struct jp_ctx *c, cJSON **doc, const char *from, const char *path)
{
	size_t bytes;
	cJSON *v;
	int rc;

	rc = jp_get(c, *doc, from, &v);
	if (!rc)
		rc = jp_check_depth(c, v, &bytes);
	if (rc)
		return rc;
	c->copied += bytes;
	if (c->copied > c->copy_limit) {
		patch_err(c->err, c->errlen,
			  "Unable to complete the copy, the accumulated size increase of copy is "
			  "%zu, exceeding the limit %zu",
			  c->copied, c->copy_limit);
		return -EINVAL;
	}
	/* jp_add checks the depth at the destination. */
	v = patch_dup(v);
	return v ? jp_add(c, doc, path, v) : -ENOMEM;
}

/* move: a location cannot be moved into one of its own children. */
static int jp_move(struct jp_ctx *c, cJSON **doc, const char *from, const char *path)
{
	size_t n = strlen(from);
	cJSON *v;
	int rc;

	if (!strcmp(from, path))
		return jp_get(c, *doc, from, &v);
	if (!strncmp(path, from, n) && path[n] == '/') {
		patch_err(c->err, c->errlen, "json patch: cannot move %s into its child %s", from,
			  path);
		return -EINVAL;
	}
	rc = jp_detach(c, *doc, from, &v);
	return rc ? rc : jp_add(c, doc, path, v);
}

/* Apply one operation to *doc. */
static int jp_apply(struct jp_ctx *c, cJSON **doc, const cJSON *op, int n)
{
	const char *name, *path, *from;
	const cJSON *value;
	cJSON *v;
	int rc;

	if (!cJSON_IsObject(op)) {
		patch_err(c->err, c->errlen, "json patch: operation %d is not an object", n);
		return -EINVAL;
	}
	name = jp_str(op, "op");
	path = jp_str(op, "path");
	value = cJSON_GetObjectItemCaseSensitive(op, "value");
	if (!name || !path) {
		patch_err(c->err, c->errlen, "json patch: operation %d needs \"op\" and \"path\"",
			  n);
		return -EINVAL;
	}
	if (!strcmp(name, "add") || !strcmp(name, "replace") || !strcmp(name, "test")) {
		if (!value) {
			patch_err(c->err, c->errlen, "json patch: %s operation needs a \"value\"",
				  name);
			return -EINVAL;
		}
	}
	if (!strcmp(name, "add")) {
		v = patch_dup(value);
		return v ? jp_add(c, doc, path, v) : -ENOMEM;
	}
	if (!strcmp(name, "remove")) {
		rc = jp_detach(c, *doc, path, &v);
		cJSON_Delete(v);
		return rc;
	}
	if (!strcmp(name, "replace")) {
		v = patch_dup(value);
		return v ? jp_replace(c, doc, path, v) : -ENOMEM;
	}
	if (!strcmp(name, "test"))
		return jp_test(c, *doc, path, value);
	if (strcmp(name, "move") && strcmp(name, "copy")) {
		patch_err(c->err, c->errlen, "json patch: unknown op \"%s\"", name);
		return -EINVAL;
	}
	from = jp_str(op, "from");
	if (!from) {
		patch_err(c->err, c->errlen, "json patch: %s operation needs a \"from\"", name);
		return -EINVAL;
	}
	if (!strcmp(name, "copy"))
		return jp_copy(c, doc, from, path);
	return jp_move(c, doc, from, path);
}

static int patch_json_apply(const cJSON *orig, const cJSON *patch, size_t max_bytes,
			    struct patch_budget *b, cJSON **out, char *err, size_t errlen)
{
	struct jp_ctx c = {.err = err, .errlen = errlen, .b = b, .copy_limit = max_bytes};
	const cJSON *op;
	cJSON *doc;
	int n = 0, rc = 0;

	*out = NULL;
	if (!cJSON_IsArray(patch)) {
		patch_err(err, errlen, "json patch: the patch must be a JSON array of operations");
		return -EINVAL;
	}
	n = cJSON_GetArraySize(patch);
	if (n > PATCH_JSON_MAX_OPS) {
		patch_err(err, errlen,
			  "The allowed maximum operations in a JSON patch is %d, got %d",
			  PATCH_JSON_MAX_OPS, n);
		return -E2BIG;
	}
	doc = orig ? patch_dup(orig) : cJSON_CreateNull();
	if (!doc) {
		patch_err(err, errlen, "json patch: out of memory");
		return -ENOMEM;
	}
	n = 0;
	cJSON_ArrayForEach(op, patch)
	{
		rc = jp_apply(&c, &doc, op, n++);
		if (rc)
			break;
	}
	if (rc) {
		if (rc == -ENOMEM && err && errlen && !err[0])
			patch_err(err, errlen, "json patch: out of memory");
		cJSON_Delete(doc);
		/* A missing path is an invalid patch like any other. */
		return rc == -ENOENT ? -EINVAL : rc;
	}
	*out = doc;
	return 0;
}

/* ---- the common entry point ---- */

int patch_apply(enum patch_type type, const cJSON *orig, const cJSON *patch, const char *kind,
		size_t max_bytes, cJSON **out, char *err, size_t errlen)
{
	struct jcmp_size so, sp, sr;
	struct patch_budget b;
	int rc;

	*out = NULL;
	patch_err(err, errlen, "%s", "");
	if (jcmp_measure(orig, &so) || jcmp_measure(patch, &sp)) {
		patch_err(err, errlen, "patch: out of memory");
		return -ENOMEM;
	}
	b = (struct patch_budget){0, PATCH_WORK_MIN + PATCH_WORK_FACTOR * (so.nodes + sp.nodes)};
	switch (type) {
	case PATCH_MERGE:
		rc = patch_merge_apply(orig, patch, &b, out, err, errlen);
		break;
	case PATCH_STRATEGIC:
		rc = patch_smp_apply(orig, patch, kind, &b, out, err, errlen);
		break;
	case PATCH_JSON:
		rc = patch_json_apply(orig, patch, max_bytes, &b, out, err, errlen);
		break;
	default:
		patch_err(err, errlen, "patch: unknown patch type %d", (int)type);
		return -EINVAL;
	}
	if (rc)
		return rc;
	/* The one check that bounds what any patch can leave to be stored. */
	if (jcmp_measure(*out, &sr)) {
		rc = -ENOMEM;
		patch_err(err, errlen, "patch: out of memory");
	} else if (sr.bytes > max_bytes) {
		rc = -E2BIG;
		patch_err(err, errlen, "Request entity too large: limit is %zu", max_bytes);
	} else if (sr.depth > PATCH_MAX_DEPTH) {
		rc = -EINVAL;
		patch_err(err, errlen, "the patch result nests deeper than %d levels",
			  PATCH_MAX_DEPTH);
	}
	if (rc) {
		cJSON_Delete(*out);
		*out = NULL;
	}
	return rc;
}

/* ---- the entry points of before the size limit ---- */

cJSON *patch_merge(const cJSON *orig, const cJSON *patch, char *err, size_t errlen)
{
	cJSON *res;

	patch_apply(PATCH_MERGE, orig, patch, NULL, PATCH_DEFAULT_MAX_BYTES, &res, err, errlen);
	return res;
}

cJSON *patch_strategic(const cJSON *orig, const cJSON *patch, const char *kind, char *err,
		       size_t errlen)
{
	cJSON *res;

	patch_apply(PATCH_STRATEGIC, orig, patch, kind, PATCH_DEFAULT_MAX_BYTES, &res, err, errlen);
	return res;
}

cJSON *patch_json(const cJSON *orig, const cJSON *patch, char *err, size_t errlen)
{
	cJSON *res;

	patch_apply(PATCH_JSON, orig, patch, NULL, PATCH_DEFAULT_MAX_BYTES, &res, err, errlen);
	return res;
}
