/* patch: JSON merge patch (RFC 7386) and JSON patch (RFC 6902). The
 * strategic merge patch lives in patch_smp.c. Every function works on a deep
 * copy, so the inputs are never changed and a failed patch leaves nothing
 * half-applied.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "patch.h"

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

/* Put val under key, in place of the current member if any (keeps the
 * member order stable, which keeps "apply" output stable). */
static int patch_set(cJSON *obj, const char *key, cJSON *val)
{
	cJSON_bool ok;

	if (cJSON_GetObjectItemCaseSensitive(obj, key))
		ok = cJSON_ReplaceItemInObjectCaseSensitive(obj, key, val);
	else
		ok = cJSON_AddItemToObject(obj, key, val);
	if (!ok) {
		cJSON_Delete(val);
		return -ENOMEM;
	}
	return 0;
}

/* ---- RFC 7386 merge patch ---- */

/* Merge the object patch into the object obj, in place. */
static int mp_merge(cJSON *obj, const cJSON *patch)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, patch)
	{
		cJSON *cur, *n;
		int rc;

		if (!p->string)
			continue;
		if (cJSON_IsNull(p)) {
			cJSON_DeleteItemFromObjectCaseSensitive(obj, p->string);
			continue;
		}
		cur = cJSON_GetObjectItemCaseSensitive(obj, p->string);
		if (cJSON_IsObject(p) && cJSON_IsObject(cur)) {
			rc = mp_merge(cur, p);
			if (rc)
				return rc;
			continue;
		}
		/* A patch object over a non-object merges into {} (nulls vanish);
		 * anything else replaces, arrays included. */
		if (cJSON_IsObject(p)) {
			n = cJSON_CreateObject();
			if (n && mp_merge(n, p)) {
				cJSON_Delete(n);
				return -ENOMEM;
			}
		} else {
			n = patch_dup(p);
		}
		if (!n)
			return -ENOMEM;
		rc = patch_set(obj, p->string, n);
		if (rc)
			return rc;
	}
	return 0;
}

cJSON *patch_merge(const cJSON *orig, const cJSON *patch, char *err, size_t errlen)
{
	cJSON *res;

	patch_err(err, errlen, "%s", "");
	if (!patch) {
		patch_err(err, errlen, "merge patch: empty patch");
		return NULL;
	}
	if (!cJSON_IsObject(patch)) {
		res = patch_dup(patch);
		goto out;
	}
	res = cJSON_IsObject(orig) ? patch_dup(orig) : cJSON_CreateObject();
	if (res && mp_merge(res, patch)) {
		cJSON_Delete(res);
		res = NULL;
	}
out:
	if (!res)
		patch_err(err, errlen, "merge patch: out of memory");
	return res;
}

/* ---- RFC 6902 JSON patch ---- */

struct jp_ctx {
	char *err;
	size_t errlen;
	const char *path; /* the pointer being resolved, for messages */
};

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
 * when allow_end. Returns the index, or -1 if invalid or out of range
 * (index <= size when allow_end, < size otherwise). */
static long jp_index(const char *tok, int size, bool allow_end)
{
	size_t n = strlen(tok);
	long v = 0;

	if (allow_end && !strcmp(tok, "-"))
		return size;
	if (n == 0 || n > 9 || (n > 1 && tok[0] == '0'))
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return -1;
		v = v * 10 + (tok[i] - '0');
	}
	if (v > size || (!allow_end && v == size))
		return -1;
	return v;
}

/* The child of container named by tok, or NULL. */
static cJSON *jp_child(cJSON *cur, const char *tok)
{
	long i;

	if (cJSON_IsObject(cur))
		return cJSON_GetObjectItemCaseSensitive(cur, tok);
	if (cJSON_IsArray(cur)) {
		i = jp_index(tok, cJSON_GetArraySize(cur), false);
		return i < 0 ? NULL : cJSON_GetArrayItem(cur, (int)i);
	}
	return NULL;
}

/* Resolve every token of path but the last: *parent gets the container and
 * *last the final token (caller frees). path "" gives *parent NULL. */
static int jp_parent(struct jp_ctx *c, cJSON *doc, const char *path, cJSON **parent, char **last)
{
	const char *s = path;
	cJSON *cur = doc;

	c->path = path;
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
		if (!e) {
			*parent = cur;
			*last = tok;
			return 0;
		}
		cur = jp_child(cur, tok);
		free(tok);
		if (!cur) {
			patch_err(c->err, c->errlen, "json patch: path %s not found", path);
			return -ENOENT;
		}
		s = e;
	}
}

static int jp_not_found(struct jp_ctx *c, const char *path)
{
	patch_err(c->err, c->errlen, "json patch: path %s not found", path);
	return -ENOENT;
}

/* The value at path, or NULL with the error set. */
static cJSON *jp_get(struct jp_ctx *c, cJSON *doc, const char *path)
{
	cJSON *parent, *v;
	char *last;

	if (jp_parent(c, doc, path, &parent, &last))
		return NULL;
	if (!last)
		return doc;
	v = jp_child(parent, last);
	free(last);
	if (!v)
		jp_not_found(c, path);
	return v;
}

/* Insert val at index i (0..size) of arr. Relinks the items instead of
 * calling cJSON_InsertItemInArray, which Debian's cJSON 1.7.15 gets wrong
 * (it returns false and inserts nothing). */
static void jp_insert(cJSON *arr, long i, cJSON *val)
{
	cJSON *it = arr->child, *next;
	long k = 0;

	arr->child = NULL;
	for (; it; it = next, k++) {
		next = it->next;
		if (k == i)
			cJSON_AddItemToArray(arr, val);
		it->prev = it->next = NULL;
		cJSON_AddItemToArray(arr, it);
	}
	if (k <= i)
		cJSON_AddItemToArray(arr, val);
}

/* add: val (owned) goes to path; objects set the member, arrays insert. */
static int jp_add(struct jp_ctx *c, cJSON **doc, const char *path, cJSON *val)
{
	cJSON *parent;
	char *last;
	long i;
	int rc;

	rc = jp_parent(c, *doc, path, &parent, &last);
	if (rc)
		goto fail;
	if (!last) {
		cJSON_Delete(*doc);
		*doc = val;
		return 0;
	}
	if (cJSON_IsObject(parent)) {
		rc = patch_set(parent, last, val);
		free(last);
		if (rc)
			patch_err(c->err, c->errlen, "json patch: out of memory");
		return rc;
	}
	if (!cJSON_IsArray(parent)) {
		free(last);
		rc = jp_not_found(c, path);
		goto fail;
	}
	i = jp_index(last, cJSON_GetArraySize(parent), true);
	free(last);
	if (i < 0) {
		patch_err(c->err, c->errlen, "json patch: invalid array index in path %s", path);
		rc = -EINVAL;
		goto fail;
	}
	jp_insert(parent, i, val);
	return 0;
fail:
	cJSON_Delete(val);
	return rc;
}

/* remove: detach the value at path and return it (caller owns). */
static cJSON *jp_detach(struct jp_ctx *c, cJSON *doc, const char *path)
{
	cJSON *parent, *v = NULL;
	char *last;

	if (jp_parent(c, doc, path, &parent, &last))
		return NULL;
	if (!last) {
		patch_err(c->err, c->errlen, "json patch: cannot remove the whole document");
		return NULL;
	}
	if (cJSON_IsObject(parent)) {
		v = cJSON_DetachItemFromObjectCaseSensitive(parent, last);
	} else if (cJSON_IsArray(parent)) {
		long i = jp_index(last, cJSON_GetArraySize(parent), false);

		if (i >= 0)
			v = cJSON_DetachItemFromArray(parent, (int)i);
	}
	free(last);
	if (!v) {
		jp_not_found(c, path);
		return NULL;
	}
	if (v->string && !(v->type & cJSON_StringIsConst)) {
		free(v->string);
		v->string = NULL;
	}
	return v;
}

/* replace: val (owned) takes the place of the existing value at path. */
static int jp_replace(struct jp_ctx *c, cJSON **doc, const char *path, cJSON *val)
{
	cJSON *parent;
	char *last;
	int rc;

	rc = jp_parent(c, *doc, path, &parent, &last);
	if (rc) {
		cJSON_Delete(val);
		return rc;
	}
	if (!last) {
		cJSON_Delete(*doc);
		*doc = val;
		return 0;
	}
	if (!jp_child(parent, last)) {
		/* RFC 6902 4.3: the target location must exist. */
		free(last);
		cJSON_Delete(val);
		return jp_not_found(c, path);
	}
	if (cJSON_IsObject(parent)) {
		rc = patch_set(parent, last, val);
	} else {
		long i = jp_index(last, cJSON_GetArraySize(parent), false);

		rc = 0;
		if (!cJSON_ReplaceItemInArray(parent, (int)i, val)) {
			cJSON_Delete(val);
			rc = -ENOMEM;
		}
	}
	free(last);
	if (rc)
		patch_err(c->err, c->errlen, "json patch: out of memory");
	return rc;
}

static const char *jp_str(const cJSON *op, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(op, name);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Apply one operation to *doc. */
static int jp_apply(struct jp_ctx *c, cJSON **doc, const cJSON *op, int n)
{
	const char *name, *path, *from;
	const cJSON *value;
	cJSON *v;

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
		v = jp_detach(c, *doc, path);
		cJSON_Delete(v);
		return v ? 0 : -ENOENT;
	}
	if (!strcmp(name, "replace")) {
		v = patch_dup(value);
		return v ? jp_replace(c, doc, path, v) : -ENOMEM;
	}
	if (!strcmp(name, "test")) {
		v = jp_get(c, *doc, path);
		if (!v)
			return -ENOENT;
		if (!cJSON_Compare(v, value, 1)) {
			patch_err(c->err, c->errlen, "json patch: test failed at path %s", path);
			return -EINVAL;
		}
		return 0;
	}
	if (strcmp(name, "move") && strcmp(name, "copy")) {
		patch_err(c->err, c->errlen, "json patch: unknown op \"%s\"", name);
		return -EINVAL;
	}
	from = jp_str(op, "from");
	if (!from) {
		patch_err(c->err, c->errlen, "json patch: %s operation needs a \"from\"", name);
		return -EINVAL;
	}
	if (!strcmp(name, "copy")) {
		v = jp_get(c, *doc, from);
		if (!v)
			return -ENOENT;
		v = patch_dup(v);
		return v ? jp_add(c, doc, path, v) : -ENOMEM;
	}
	/* move: a location cannot be moved into one of its own children. */
	if (!strcmp(from, path))
		return jp_get(c, *doc, from) ? 0 : -ENOENT;
	if (!strncmp(path, from, strlen(from)) && path[strlen(from)] == '/') {
		patch_err(c->err, c->errlen, "json patch: cannot move %s into its child %s", from,
			  path);
		return -EINVAL;
	}
	v = jp_detach(c, *doc, from);
	return v ? jp_add(c, doc, path, v) : -ENOENT;
}

cJSON *patch_json(const cJSON *orig, const cJSON *patch, char *err, size_t errlen)
{
	struct jp_ctx c = {.err = err, .errlen = errlen};
	const cJSON *op;
	cJSON *doc;
	int n = 0;

	patch_err(err, errlen, "%s", "");
	if (!cJSON_IsArray(patch)) {
		patch_err(err, errlen, "json patch: the patch must be a JSON array of operations");
		return NULL;
	}
	doc = orig ? patch_dup(orig) : cJSON_CreateNull();
	if (!doc) {
		patch_err(err, errlen, "json patch: out of memory");
		return NULL;
	}
	cJSON_ArrayForEach(op, patch)
	{
		int rc = jp_apply(&c, &doc, op, n++);

		if (rc) {
			if (rc == -ENOMEM && err && errlen && !err[0])
				patch_err(err, errlen, "json patch: out of memory");
			cJSON_Delete(doc);
			return NULL;
		}
	}
	return doc;
}
