/* schema_openapi_pb: a Swagger 2.0 JSON document encoded as gnostic's
 * openapi_v2.Document protobuf, the form kubectl 1.20 asks /openapi/v2
 * for. Only what our documents contain is mapped (field numbers from
 * gnostic's OpenAPIv2.proto); a vendor extension's value is carried as
 * its JSON text in Any.yaml, which YAML parsers read as the same value. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "schema_openapi_int.h"

/* Room left for a nested message's length before its content is known;
 * the length is then written in as few bytes as it needs. */
#define PBW_LEN_ROOM 5

static void pbw_varint(struct buf *b, uint64_t v)
{
	uint8_t tmp[10];
	size_t n = 0;

	do {
		tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
	buf_put(b, tmp, n);
}

static void pbw_tag(struct buf *b, uint32_t field, unsigned wt)
{
	pbw_varint(b, ((uint64_t)field << 3) | wt);
}

static void pbw_str(struct buf *b, uint32_t field, const char *s)
{
	size_t n = strlen(s);

	pbw_tag(b, field, 2);
	pbw_varint(b, n);
	buf_put(b, s, n);
}

static void pbw_bool(struct buf *b, uint32_t field, bool v)
{
	if (!v)
		return;
	pbw_tag(b, field, 0);
	pbw_varint(b, 1);
}

/* Open a nested message; returns where its length goes. */
static size_t pbw_open(struct buf *b, uint32_t field)
{
	static const char room[PBW_LEN_ROOM];
	size_t at;

	pbw_tag(b, field, 2);
	at = b->len;
	buf_put(b, room, sizeof(room));
	return at;
}

static void pbw_close(struct buf *b, size_t at)
{
	size_t n, k = 0;
	uint8_t tmp[10];

	if (b->oom)
		return;
	n = b->len - at - PBW_LEN_ROOM;
	for (uint64_t v = n;; v >>= 7) {
		tmp[k++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		if (v <= 0x7f)
			break;
	}
	memcpy(b->p + at, tmp, k);
	memmove(b->p + at + k, b->p + at + PBW_LEN_ROOM, n);
	b->len = at + k + n;
	b->p[b->len] = 0;
}

static const char *js(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

static void pbw_jstr(struct buf *b, uint32_t field, const cJSON *o, const char *key)
{
	const char *s = js(o, key);

	if (s)
		pbw_str(b, field, s);
}

static void pbw_jstrs(struct buf *b, uint32_t field, const cJSON *o, const char *key)
{
	const cJSON *e;

	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(o, key)) if (cJSON_IsString(e))
	    pbw_str(b, field, e->valuestring);
}

/* The x-* members of o as repeated NamedAny{1 name, 2 Any{2 yaml}}. */
static void pbw_ext(struct buf *b, uint32_t field, const cJSON *o)
{
	const cJSON *m;

	cJSON_ArrayForEach(m, o)
	{
		size_t named, any;
		char *text;

		if (strncmp(m->string, "x-", 2))
			continue;
		text = cJSON_PrintUnformatted(m);
		if (!text) {
			b->oom = true;
			return;
		}
		named = pbw_open(b, field);
		pbw_str(b, 1, m->string);
		any = pbw_open(b, 2);
		pbw_str(b, 2, text);
		pbw_close(b, any);
		pbw_close(b, named);
		free(text);
	}
}

static void pbw_schema(struct buf *b, const cJSON *s);
static void pbw_named_schemas(struct buf *b, uint32_t field, const cJSON *o);

static void pbw_sub_schema(struct buf *b, uint32_t field, uint32_t inner, const cJSON *s)
{
	size_t at = pbw_open(b, field), in = pbw_open(b, inner);

	pbw_schema(b, s);
	pbw_close(b, in);
	pbw_close(b, at);
}

/* Schema: 1 _ref, 2 format, 4 description, 19 required, 21
 * additional_properties{1 schema}, 22 type{1 value}, 23 items{1 schema},
 * 25 properties{1 NamedSchema{1 name, 2 schema}}, 31 vendor_extension. */
static void pbw_schema(struct buf *b, const cJSON *s)
{
	const cJSON *m;

	pbw_jstr(b, 1, s, "$ref");
	pbw_jstr(b, 2, s, "format");
	pbw_jstr(b, 4, s, "description");
	pbw_jstrs(b, 19, s, "required");
	if ((m = cJSON_GetObjectItemCaseSensitive(s, "additionalProperties")))
		pbw_sub_schema(b, 21, 1, m);
	if (js(s, "type")) {
		size_t at = pbw_open(b, 22);

		pbw_str(b, 1, js(s, "type"));
		pbw_close(b, at);
	}
	if ((m = cJSON_GetObjectItemCaseSensitive(s, "items")))
		pbw_sub_schema(b, 23, 1, m);
	if ((m = cJSON_GetObjectItemCaseSensitive(s, "properties")))
		pbw_named_schemas(b, 25, m);
	pbw_ext(b, 31, s);
}

/* Message `field` of repeated NamedSchema{1 name, 2 Schema}, one per
 * member of o (Properties and Definitions alike). */
static void pbw_named_schemas(struct buf *b, uint32_t field, const cJSON *o)
{
	size_t at = pbw_open(b, field);
	const cJSON *p;

	cJSON_ArrayForEach(p, o)
	{
		size_t named = pbw_open(b, 1), v;

		pbw_str(b, 1, p->string);
		v = pbw_open(b, 2);
		pbw_schema(b, p);
		pbw_close(b, v);
		pbw_close(b, named);
	}
	pbw_close(b, at);
}

/* ParametersItem{1 Parameter{1 BodyParameter | 2 NonBodyParameter{3 query
 * | 4 path}}}. */
static void pbw_param(struct buf *b, uint32_t field, const cJSON *p)
{
	const char *in = js(p, "in");
	bool required = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "required"));
	size_t item = pbw_open(b, field), param = pbw_open(b, 1), nb, sub;

	if (in && !strcmp(in, "body")) {
		size_t body = pbw_open(b, 1);

		pbw_jstr(b, 1, p, "description");
		pbw_jstr(b, 2, p, "name");
		pbw_str(b, 3, in);
		pbw_bool(b, 4, required);
		if (cJSON_GetObjectItemCaseSensitive(p, "schema")) {
			size_t sch = pbw_open(b, 5);

			pbw_schema(b, cJSON_GetObjectItemCaseSensitive(p, "schema"));
			pbw_close(b, sch);
		}
		pbw_close(b, body);
		goto out;
	}
	nb = pbw_open(b, 2);
	if (in && !strcmp(in, "path")) {
		sub = pbw_open(b, 4);
		pbw_bool(b, 1, required);
		pbw_str(b, 2, in);
		pbw_jstr(b, 3, p, "description");
		pbw_jstr(b, 4, p, "name");
		pbw_jstr(b, 5, p, "type");
	} else {
		sub = pbw_open(b, 3);
		pbw_bool(b, 1, required);
		pbw_str(b, 2, in ? in : "query");
		pbw_jstr(b, 3, p, "description");
		pbw_jstr(b, 4, p, "name");
		pbw_jstr(b, 6, p, "type");
		pbw_bool(b, 20, cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(p, "uniqueItems")));
	}
	pbw_close(b, sub);
	pbw_close(b, nb);
out:
	pbw_close(b, param);
	pbw_close(b, item);
}

static void pbw_params(struct buf *b, uint32_t field, const cJSON *o)
{
	const cJSON *p;

	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(o, "parameters"))
	    pbw_param(b, field, p);
}

/* Operation: 1 tags, 3 description, 5 operation_id, 6 produces, 7
 * consumes, 8 parameters, 9 responses{1 NamedResponseValue{1 name, 2
 * ResponseValue{1 Response{1 description, 2 SchemaItem{1 schema}}}}}, 13
 * vendor_extension. */
static void pbw_op(struct buf *b, uint32_t field, const cJSON *op)
{
	size_t at = pbw_open(b, field);
	const cJSON *r;

	pbw_jstrs(b, 1, op, "tags");
	pbw_jstr(b, 3, op, "description");
	pbw_jstr(b, 5, op, "operationId");
	pbw_jstrs(b, 6, op, "produces");
	pbw_jstrs(b, 7, op, "consumes");
	pbw_params(b, 8, op);
	if ((r = cJSON_GetObjectItemCaseSensitive(op, "responses"))) {
		size_t rs = pbw_open(b, 9);
		const cJSON *c;

		cJSON_ArrayForEach(c, r)
		{
			size_t named = pbw_open(b, 1), val, resp;

			pbw_str(b, 1, c->string);
			val = pbw_open(b, 2);
			resp = pbw_open(b, 1);
			pbw_jstr(b, 1, c, "description");
			if (cJSON_GetObjectItemCaseSensitive(c, "schema"))
				pbw_sub_schema(b, 2, 1,
					       cJSON_GetObjectItemCaseSensitive(c, "schema"));
			pbw_close(b, resp);
			pbw_close(b, val);
			pbw_close(b, named);
		}
		pbw_close(b, rs);
	}
	pbw_ext(b, 13, op);
	pbw_close(b, at);
}

/* Document: 1 swagger, 2 info{1 title, 2 version}, 8 paths{2
 * NamedPathItem{1 name, 2 PathItem{2 get, 3 put, 4 post, 5 delete, 8
 * patch, 9 parameters}}}, 9 definitions{1 NamedSchema{1 name, 2 schema}}. */
int sch_openapi_pb_document(const cJSON *doc, struct buf *out)
{
	static const struct {
		const char *method;
		uint32_t field;
	} ops[] = {{"get", 2}, {"put", 3}, {"post", 4}, {"delete", 5}, {"patch", 8}};
	const cJSON *info = cJSON_GetObjectItemCaseSensitive(doc, "info"), *p;
	size_t at;

	pbw_jstr(out, 1, doc, "swagger");
	at = pbw_open(out, 2);
	pbw_jstr(out, 1, info, "title");
	pbw_jstr(out, 2, info, "version");
	pbw_close(out, at);
	at = pbw_open(out, 8);
	cJSON_ArrayForEach(p, cJSON_GetObjectItemCaseSensitive(doc, "paths"))
	{
		size_t named = pbw_open(out, 2), item;

		pbw_str(out, 1, p->string);
		item = pbw_open(out, 2);
		for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
			if (cJSON_GetObjectItemCaseSensitive(p, ops[i].method))
				pbw_op(out, ops[i].field,
				       cJSON_GetObjectItemCaseSensitive(p, ops[i].method));
		pbw_params(out, 9, p);
		pbw_close(out, item);
		pbw_close(out, named);
	}
	pbw_close(out, at);
	pbw_named_schemas(out, 9, cJSON_GetObjectItemCaseSensitive(doc, "definitions"));
	return out->oom ? -ENOMEM : 0;
}
