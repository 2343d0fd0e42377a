/* api_status: Kubernetes Status replies and small JSON/metadata helpers. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "api.h"
#include "ktime.h"

void api_reply_json(struct http_req *req, int code, const cJSON *obj)
{
	char *s = cJSON_PrintUnformatted(obj);

	if (!s) {
		http_reply(req, 500, "application/json", "", 0);
		return;
	}
	http_reply(req, code, "application/json", s, strlen(s));
	free(s);
}

cJSON *api_status_new(int code, const char *reason, const char *message, cJSON *details)
{
	cJSON *st = cJSON_CreateObject();

	cJSON_AddStringToObject(st, "kind", "Status");
	cJSON_AddStringToObject(st, "apiVersion", "v1");
	cJSON_AddItemToObject(st, "metadata", cJSON_CreateObject());
	cJSON_AddStringToObject(st, "status", code < 400 ? "Success" : "Failure");
	cJSON_AddStringToObject(st, "message", message);
	cJSON_AddStringToObject(st, "reason", reason);
	if (details)
		cJSON_AddItemToObject(st, "details", details);
	cJSON_AddNumberToObject(st, "code", code);
	return st;
}

void api_status(struct http_req *req, int code, const char *reason, const char *message,
		cJSON *details)
{
	cJSON *st = api_status_new(code, reason, message, details);

	api_reply_json(req, code, st);
	cJSON_Delete(st);
}

static cJSON *api_details(const struct res_type *rt, const char *name, bool kind_is_plural)
{
	cJSON *d = cJSON_CreateObject();

	if (name)
		cJSON_AddStringToObject(d, "name", name);
	if (rt->group[0])
		cJSON_AddStringToObject(d, "group", rt->group);
	cJSON_AddStringToObject(d, "kind", kind_is_plural ? rt->plural : rt->kind);
	return d;
}

void api_status_notfound(struct http_req *req, const struct res_type *rt, const char *name)
{
	char msg[600];

	snprintf(msg, sizeof(msg), "%s \"%s\" not found", res_qualified(rt), name);
	api_status(req, 404, "NotFound", msg, api_details(rt, name, true));
}

void api_status_invalid_kind(struct http_req *req, const char *kind, const char *group,
			     const char *name, const struct verrs *e)
{
	cJSON *d = cJSON_CreateObject();
	cJSON *causes;
	size_t cap = 256 + (size_t)e->n * 700, off;
	char *msg = malloc(cap);

	if (!msg) {
		cJSON_Delete(d);
		http_reply(req, 500, "application/json", "", 0);
		return;
	}
	if (name)
		cJSON_AddStringToObject(d, "name", name);
	if (group[0])
		cJSON_AddStringToObject(d, "group", group);
	cJSON_AddStringToObject(d, "kind", kind);
	causes = cJSON_AddArrayToObject(d, "causes");
	off = (size_t)snprintf(msg, cap, "%s%s%s \"%s\" is invalid: %s", kind, group[0] ? "." : "",
			       group, name ? name : "", e->n > 1 ? "[" : "");
	for (int i = 0; i < e->n; i++) {
		cJSON *c = cJSON_CreateObject();

		cJSON_AddStringToObject(c, "reason", e->e[i].reason);
		cJSON_AddStringToObject(c, "message", e->e[i].message);
		cJSON_AddStringToObject(c, "field", e->e[i].field);
		cJSON_AddItemToArray(causes, c);
		off += (size_t)snprintf(msg + off, cap - off, "%s%s: %s", i ? ", " : "",
					e->e[i].field, e->e[i].message);
	}
	if (e->n > 1)
		snprintf(msg + off, cap - off, "]");
	api_status(req, 422, "Invalid", msg, d);
	free(msg);
}

void api_status_invalid(struct http_req *req, const struct res_type *rt, const char *name,
			const struct verrs *e)
{
	api_status_invalid_kind(req, rt->kind, rt->group, name, e);
}

void api_key(char *buf, size_t len, const struct res_type *rt, const char *ns, const char *name)
{
	if (rt->namespaced)
		snprintf(buf, len, "/registry/%s/%s/%s", res_stored(rt)->plural, ns, name);
	else
		snprintf(buf, len, "/registry/%s/%s", res_stored(rt)->plural, name);
}

void api_prefix(char *buf, size_t len, const struct res_type *rt, const char *ns)
{
	if (rt->namespaced && ns && *ns)
		snprintf(buf, len, "/registry/%s/%s/", res_stored(rt)->plural, ns);
	else
		snprintf(buf, len, "/registry/%s/", res_stored(rt)->plural);
}

void api_meta_gen_uid(char out[37])
{
	unsigned char b[16];
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, b, sizeof(b)) : -1;

	if (fd >= 0)
		close(fd);
	if (n != (ssize_t)sizeof(b))
		for (size_t i = 0; i < sizeof(b); i++)
			b[i] = (unsigned char)rand();
	b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
	b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

void api_meta_now(char out[32])
{
	ktime_now(out, 32);
}

/* Go's strconv.ParseBool true values. */
bool api_parse_bool(const char *s)
{
	static const char *t[] = {"1", "t", "T", "true", "TRUE", "True", NULL};

	for (const char **p = t; s && *p; p++)
		if (!strcmp(s, *p))
			return true;
	return false;
}

/* Stamp uid, creationTimestamp, namespace, generation on a new object. */
void api_meta_stamp_create(cJSON *obj, const struct res_type *rt, const char *ns)
{
	cJSON *md = cJSON_GetObjectItemCaseSensitive(obj, "metadata");
	char uid[37], now[32];

	api_meta_gen_uid(uid);
	api_meta_now(now);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "uid");
	cJSON_AddStringToObject(md, "uid", uid);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "creationTimestamp");
	cJSON_AddStringToObject(md, "creationTimestamp", now);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "resourceVersion");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "deletionTimestamp");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "managedFields");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "selfLink");
	cJSON_DeleteItemFromObjectCaseSensitive(md, "namespace");
	if (rt->namespaced)
		cJSON_AddStringToObject(md, "namespace", ns);
	cJSON_DeleteItemFromObjectCaseSensitive(md, "generation");
	if (rt->has_generation)
		cJSON_AddNumberToObject(md, "generation", 1);
}
