/* schema_pb: protobuf bodies decoded by the schema tables (see schema_pb.h
 * and, for the JSON that comes out, schema.h). Every read is bounded by
 * its enclosing length; nesting, the size of the produced JSON and the
 * number of reported findings are bounded too, so no body can make it
 * crash, loop or grow without limit. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "schema_int.h"
#include "schema_pb.h"
#include "schema_pb_int.h"

/* Protobuf wire types. 3 and 4 (groups) are not used by Kubernetes. */
enum { PB_VARINT = 0, PB_I64 = 1, PB_LEN = 2, PB_I32 = 5 };

/* Highest field number protobuf allows (2^29 - 1). */
#define PB_MAX_FIELD 536870911u
/* Longest apiVersion or kind accepted in typeMeta. */
#define PB_TYPEMETA_MAX 256

struct pb_in {
	const uint8_t *p, *end;
};

/* Report a malformed body at the current path; returns -EINVAL. */
int sch_pb_err(struct pb_dec *d, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (d->path.len)
		sch_report_add(d->rep, SCH_MSG_ERROR, "%s: %s", d->path.s, what);
	else
		sch_report_add(d->rep, SCH_MSG_ERROR, "%s", what);
	return -EINVAL;
}

/* Charge n bytes of output JSON to the caller's limit. */
int sch_pb_charge(struct pb_dec *d, size_t n)
{
	if (n > d->budget) {
		sch_report_add(d->rep, SCH_MSG_ERROR, "object exceeds the size limit");
		return -EMSGSIZE;
	}
	d->budget -= n;
	return 0;
}

static int pb_varint(struct pb_dec *d, struct pb_in *in, uint64_t *v)
{
	uint64_t r = 0;

	*v = 0;
	for (unsigned shift = 0;; shift += 7) {
		uint8_t b;

		if (in->p >= in->end)
			return sch_pb_err(d, "truncated varint");
		b = *in->p++;
		/* the 10th byte holds bit 63 only */
		if (shift == 63 && (b & 0x80))
			return sch_pb_err(d, "varint longer than 10 bytes");
		if (shift == 63 && b > 1)
			return sch_pb_err(d, "varint overflows 64 bits");
		r |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*v = r;
			return 0;
		}
	}
}

static int pb_fixed64(struct pb_dec *d, struct pb_in *in, uint64_t *v)
{
	uint64_t r = 0;

	*v = 0;
	if (in->end - in->p < 8)
		return sch_pb_err(d, "truncated fixed64");
	for (int i = 7; i >= 0; i--)
		r = (r << 8) | in->p[i];
	in->p += 8;
	*v = r;
	return 0;
}

/* A length-delimited payload: [*p, *p + *n). */
static int pb_bytes(struct pb_dec *d, struct pb_in *in, const uint8_t **p, size_t *n)
{
	uint64_t len;
	int rc = pb_varint(d, in, &len);

	if (rc)
		return rc;
	if (len > (uint64_t)(in->end - in->p))
		return sch_pb_err(d, "truncated field (%" PRIu64 " bytes declared, %zu left)", len,
				  (size_t)(in->end - in->p));
	*p = in->p;
	*n = (size_t)len;
	in->p += len;
	return 0;
}

/* A tag: field number and wire type. */
static int pb_tag(struct pb_dec *d, struct pb_in *in, uint32_t *field, unsigned *wt)
{
	uint64_t tag;
	int rc;

	*field = 0;
	*wt = 0;
	if ((rc = pb_varint(d, in, &tag)))
		return rc;
	*wt = (unsigned)(tag & 7);
	if ((tag >> 3) == 0 || (tag >> 3) > PB_MAX_FIELD)
		return sch_pb_err(d, "invalid protobuf field number %" PRIu64, tag >> 3);
	*field = (uint32_t)(tag >> 3);
	return 0;
}

/* Step over a value of wire type wt. */
static int pb_skip(struct pb_dec *d, struct pb_in *in, unsigned wt)
{
	const uint8_t *p;
	uint64_t v;
	size_t n;

	switch (wt) {
	case PB_VARINT:
		return pb_varint(d, in, &v);
	case PB_I64:
		return pb_fixed64(d, in, &v);
	case PB_LEN:
		return pb_bytes(d, in, &p, &n);
	case PB_I32:
		if (in->end - in->p < 4)
			return sch_pb_err(d, "truncated fixed32");
		in->p += 4;
		return 0;
	default:
		return sch_pb_err(d, "invalid protobuf wire type %u", wt);
	}
}

static void dec_unknown(struct pb_dec *d, uint32_t field)
{
	if (d->path.len)
		sch_report_add(d->rep, SCH_MSG_UNKNOWN,
			       "unknown field (protobuf field %" PRIu32 ") in %s", field,
			       d->path.s);
	else
		sch_report_add(d->rep, SCH_MSG_UNKNOWN,
			       "unknown field (protobuf field %" PRIu32 ")", field);
}

/* The small fixed messages (Time, IntOrString, Quantity, Duration, raw
 * JSON): fields 1..3, each a varint or bytes. */
struct pb_small {
	bool has[4];
	uint64_t v[4];
	const uint8_t *s[4];
	size_t n[4];
};

static int dec_small(struct pb_dec *d, const uint8_t *p, size_t n, const unsigned wts[4],
		     struct pb_small *m)
{
	struct pb_in in = {p, p ? p + n : p};
	uint32_t f;
	unsigned wt;
	int rc;

	memset(m, 0, sizeof(*m));
	while (in.p < in.end) {
		if ((rc = pb_tag(d, &in, &f, &wt)))
			return rc;
		if (f > 3 || !wts[f]) {
			dec_unknown(d, f);
			if ((rc = pb_skip(d, &in, wt)))
				return rc;
			continue;
		}
		if (wt != (wts[f] & 7))
			return sch_pb_err(d, "protobuf field %" PRIu32 " has wire type %u, want %u",
					  f, wt, wts[f] & 7);
		m->has[f] = true;
		rc = wt == PB_LEN ? pb_bytes(d, &in, &m->s[f], &m->n[f])
				  : pb_varint(d, &in, &m->v[f]);
		if (rc)
			return rc;
	}
	return 0;
}

/* wts[] entries: the wire type, or'ed with 8 so that varint (0) is set. */
#define W_VAR (8 | PB_VARINT)
#define W_LEN (8 | PB_LEN)

static int dec_msg(struct pb_dec *d, const struct sch_type *t, const uint8_t *p, size_t n,
		   cJSON *obj, int depth);

/* One value of kind k (and type t for objects) arriving with wire type
 * wt. *v is the previous value of a non-repeated field: an embedded
 * message merges into it, as protobuf merges repeated occurrences. */
static int dec_value(struct pb_dec *d, enum sch_kind k, const struct sch_type *t, unsigned wt,
		     struct pb_in *in, cJSON **v, int depth)
{
	static const unsigned time_w[4] = {0, W_VAR, W_VAR, 0};
	static const unsigned ios_w[4] = {0, W_VAR, W_VAR, W_LEN};
	static const unsigned one_len[4] = {0, W_LEN, 0, 0};
	static const unsigned one_var[4] = {0, W_VAR, 0, 0};
	unsigned want = k == SCH_BOOL || k == SCH_INT32 || k == SCH_INT64 ? PB_VARINT
			: k == SCH_DOUBLE				  ? PB_I64
									  : PB_LEN;
	struct pb_small m;
	const uint8_t *p;
	cJSON *nv = NULL;
	uint64_t u;
	size_t n;
	int rc;

	if (k == SCH_ANY)
		return sch_pb_err(d, "field has no protobuf form");
	if (wt != want)
		return sch_pb_err(d, "protobuf wire type %u, want %u", wt, want);
	if (want == PB_VARINT || want == PB_I64) {
		rc = want == PB_VARINT ? pb_varint(d, in, &u) : pb_fixed64(d, in, &u);
		if (rc)
			return rc;
		if (k == SCH_BOOL) {
			nv = cJSON_CreateBool(u != 0);
		} else if (k == SCH_INT32) {
			nv = cJSON_CreateNumber((double)(int32_t)(uint32_t)u);
		} else if (k == SCH_INT64) {
			nv = cJSON_CreateNumber((double)(int64_t)u);
		} else {
			double x;

			memcpy(&x, &u, sizeof(x));
			if (!isfinite(x))
				return sch_pb_err(d, "number is not finite");
			nv = cJSON_CreateNumber(x);
		}
		if (!nv)
			return -ENOMEM;
		cJSON_Delete(*v);
		*v = nv;
		return sch_pb_charge(d, 24);
	}
	if ((rc = pb_bytes(d, in, &p, &n)))
		return rc;
	switch (k) {
	case SCH_STRING:
		rc = sch_pb_string(d, p, n, &nv);
		break;
	case SCH_BYTES:
		rc = sch_pb_base64(d, p, n, &nv);
		break;
	case SCH_OBJECT:
		if (!t)
			return sch_pb_err(d, "the schema names no type for this object");
		if (!*v || !cJSON_IsObject(*v)) {
			cJSON_Delete(*v);
			*v = cJSON_CreateObject();
			if (!*v)
				return -ENOMEM;
			if ((rc = sch_pb_charge(d, 2)))
				return rc;
		}
		return dec_msg(d, t, p, n, *v, depth + 1);
	case SCH_TIME:
	case SCH_MICROTIME:
		if ((rc = dec_small(d, p, n, time_w, &m)))
			return rc;
		/* an empty message is Go's zero time, which JSON writes as null;
		 * Time keeps seconds only (upstream drops nanos of Time) */
		if (!n)
			rc = (nv = cJSON_CreateNull()) ? sch_pb_charge(d, 4) : -ENOMEM;
		else
			rc = sch_pb_rfc3339(d, (int64_t)m.v[1],
					    k == SCH_MICROTIME ? (int32_t)m.v[2] : 0,
					    k == SCH_MICROTIME, &nv);
		break;
	case SCH_INT_OR_STRING:
		if ((rc = dec_small(d, p, n, ios_w, &m)))
			return rc;
		if (m.v[1] == 1)
			rc = sch_pb_string(d, m.s[3] ? m.s[3] : (const uint8_t *)"", m.n[3], &nv);
		else if (m.v[1] == 0)
			rc = (nv = cJSON_CreateNumber((double)(int32_t)(uint32_t)m.v[2]))
				 ? sch_pb_charge(d, 12)
				 : -ENOMEM;
		else
			rc = sch_pb_err(d, "IntOrString of unknown type %" PRIu64, m.v[1]);
		break;
	case SCH_QUANTITY:
		if ((rc = dec_small(d, p, n, one_len, &m)))
			return rc;
		/* the zero Quantity prints as "0" */
		rc = m.n[1]			      ? sch_pb_string(d, m.s[1], m.n[1], &nv)
		     : (nv = cJSON_CreateString("0")) ? sch_pb_charge(d, 3)
						      : -ENOMEM;
		break;
	case SCH_DURATION: {
		char buf[32];

		if ((rc = dec_small(d, p, n, one_var, &m)))
			return rc;
		nv = cJSON_CreateString(sch_pb_duration((int64_t)m.v[1], buf));
		rc = nv ? sch_pb_charge(d, 32) : -ENOMEM;
		break;
	}
	case SCH_RAW:
		if ((rc = dec_small(d, p, n, one_len, &m)))
			return rc;
		if (!m.n[1]) {
			rc = (nv = cJSON_CreateNull()) ? sch_pb_charge(d, 4) : -ENOMEM;
			break;
		}
		if ((rc = sch_pb_charge(d, m.n[1])))
			return rc;
		nv = cJSON_ParseWithLength((const char *)m.s[1], m.n[1]);
		if (!nv)
			rc = sch_pb_err(d, "embedded raw value is not JSON");
		break;
	default:
		rc = sch_pb_err(d, "unexpected schema kind %d", (int)k);
		break;
	}
	if (rc) {
		cJSON_Delete(nv);
		return rc;
	}
	cJSON_Delete(*v);
	*v = nv;
	return 0;
}

static bool kind_packable(enum sch_kind k)
{
	return k == SCH_BOOL || k == SCH_INT32 || k == SCH_INT64 || k == SCH_DOUBLE;
}

/* A length-delimited payload of length 0. */
static const uint8_t pb_empty_len[1] = {0};

/* One map entry {1 key, 2 value} into the JSON object *map. */
static int dec_map_entry(struct pb_dec *d, const struct sch_field *f, struct pb_in *in, cJSON **map,
			 int depth)
{
	const uint8_t *p, *key = (const uint8_t *)"";
	struct pb_in e;
	size_t n, keylen = 0, old;
	cJSON *k = NULL, *v = NULL;
	uint32_t fn;
	unsigned wt;
	int rc;

	if ((rc = pb_bytes(d, in, &p, &n)))
		return rc;
	e = (struct pb_in){p, p + n};
	/* the key first: errors in the value are reported under it */
	while (e.p < e.end) {
		if ((rc = pb_tag(d, &e, &fn, &wt)))
			return rc;
		if (fn == 1 && wt == PB_LEN) {
			if ((rc = pb_bytes(d, &e, &key, &keylen)))
				return rc;
		} else if ((rc = pb_skip(d, &e, wt))) {
			return rc;
		}
	}
	if ((rc = sch_pb_string(d, key, keylen, &k)))
		return rc;
	old = sch_path_field(&d->path, k->valuestring);
	e = (struct pb_in){p, p + n};
	while (e.p < e.end) {
		if ((rc = pb_tag(d, &e, &fn, &wt)))
			goto out;
		if (fn == 2)
			rc = dec_value(d, f->elem, f->type, wt, &e, &v, depth);
		else if (fn == 1)
			rc = pb_skip(d, &e, wt);
		else {
			dec_unknown(d, fn);
			rc = pb_skip(d, &e, wt);
		}
		if (rc)
			goto out;
	}
	if (!v) {
		/* an absent value is the zero value of its kind: false, 0, or
		 * what an empty payload decodes to ("", {}, "0", null) */
		if (f->elem == SCH_BOOL)
			rc = (v = cJSON_CreateFalse()) ? 0 : -ENOMEM;
		else if (kind_packable(f->elem))
			rc = (v = cJSON_CreateNumber(0)) ? 0 : -ENOMEM;
		else
			rc = dec_value(d, f->elem, f->type, PB_LEN,
				       &(struct pb_in){pb_empty_len, pb_empty_len + 1}, &v, depth);
		if (rc)
			goto out;
	}
	if (!*map && !(*map = cJSON_CreateObject())) {
		rc = -ENOMEM;
		goto out;
	}
	/* a repeated key keeps the last value, as Go's map does */
	cJSON_DeleteItemFromObjectCaseSensitive(*map, k->valuestring);
	if ((rc = sch_pb_charge(d, keylen + 4)))
		goto out;
	cJSON_AddItemToObject(*map, k->valuestring, v);
	v = NULL;
out:
	sch_path_pop(&d->path, old);
	cJSON_Delete(k);
	cJSON_Delete(v);
	return rc;
}

/* One occurrence of field f into its slot. */
static int dec_field(struct pb_dec *d, const struct sch_field *f, unsigned wt, struct pb_in *in,
		     cJSON **slot, int depth)
{
	cJSON *v = NULL;
	int rc;

	if (f->kind == SCH_MAP) {
		if (wt != PB_LEN)
			return sch_pb_err(d, "protobuf wire type %u, want 2", wt);
		return dec_map_entry(d, f, in, slot, depth);
	}
	if (!(f->flags & SCH_F_LIST))
		return dec_value(d, f->kind, f->type, wt, in, slot, depth);
	if (!*slot) {
		if (!(*slot = cJSON_CreateArray()))
			return -ENOMEM;
		if ((rc = sch_pb_charge(d, 2)))
			return rc;
	}
	if (wt == PB_LEN && kind_packable(f->kind)) {
		/* packed: the payload is the values back to back */
		const uint8_t *p;
		size_t n;
		struct pb_in pk;
		unsigned ewt = f->kind == SCH_DOUBLE ? PB_I64 : PB_VARINT;

		if ((rc = pb_bytes(d, in, &p, &n)))
			return rc;
		pk = (struct pb_in){p, p + n};
		while (pk.p < pk.end) {
			size_t old = sch_path_push(&d->path, "[%d]", cJSON_GetArraySize(*slot));

			v = NULL;
			rc = dec_value(d, f->kind, NULL, ewt, &pk, &v, depth);
			sch_path_pop(&d->path, old);
			if (rc)
				return rc;
			cJSON_AddItemToArray(*slot, v);
		}
		return 0;
	}
	{
		size_t old = sch_path_push(&d->path, "[%d]", cJSON_GetArraySize(*slot));

		rc = dec_value(d, f->kind, f->type, wt, in, &v, depth);
		sch_path_pop(&d->path, old);
	}
	if (rc) {
		cJSON_Delete(v);
		return rc;
	}
	cJSON_AddItemToArray(*slot, v);
	return sch_pb_charge(d, 1);
}

/* Go's omitempty: "", 0, false, an empty slice or map. Structs (objects,
 * Time, IntOrString, Quantity...) are never omitted. */
static bool dec_omit(const struct sch_field *f, const cJSON *v)
{
	if (!(f->flags & SCH_F_OMITEMPTY))
		return false;
	if ((f->flags & SCH_F_LIST) || f->kind == SCH_MAP)
		return !v->child;
	switch (f->kind) {
	case SCH_STRING:
	case SCH_BYTES:
		return !*v->valuestring;
	case SCH_BOOL:
		return cJSON_IsFalse(v);
	case SCH_INT32:
	case SCH_INT64:
	case SCH_DOUBLE:
		return v->valuedouble == 0;
	default:
		return false;
	}
}

/* Decode the message [p, p+n) of type t into obj, its fields in the
 * table's order (Go's struct order, which encoding/json follows). */
static int dec_msg(struct pb_dec *d, const struct sch_type *t, const uint8_t *p, size_t n,
		   cJSON *obj, int depth)
{
	struct pb_in in;
	cJSON **slot = NULL, *c;
	size_t hint = 0, i;
	int rc = 0;

	if (depth > SCH_MAX_DEPTH)
		return sch_pb_err(d, "nested deeper than %d", SCH_MAX_DEPTH);
	if (!n)
		return 0;
	in = (struct pb_in){p, p + n};
	if (t->flags & SCH_F_PRESERVE)
		return sch_pb_err(d, "protobuf bodies of %s cannot be decoded (send JSON)",
				  t->name);
	if (t->nfields && !(slot = calloc(t->nfields, sizeof(*slot))))
		return -ENOMEM;
	/* a message seen again merges into what the first one decoded to */
	while ((c = obj->child)) {
		cJSON_DetachItemViaPointer(obj, c);
		if (!sch_field_direct(t, c->string, &i)) {
			cJSON_Delete(c);
		} else if (t->fields[i].flags & SCH_F_INLINE) {
			/* an inline member goes back into the inline message */
			if (!slot[i] && !(slot[i] = cJSON_CreateObject())) {
				cJSON_Delete(c);
				rc = -ENOMEM;
				goto out;
			}
			cJSON_AddItemToObject(slot[i], c->string, c);
		} else if (!slot[i]) {
			slot[i] = c;
		} else {
			cJSON_Delete(c);
		}
	}
	while (in.p < in.end) {
		uint32_t fn;
		unsigned wt;
		size_t old;

		if ((rc = pb_tag(d, &in, &fn, &wt)))
			goto out;
		/* fields arrive in number order, which is mostly table order */
		if (hint < t->nfields && t->fields[hint].pb == fn) {
			i = hint;
		} else {
			for (i = 0; i < t->nfields && t->fields[i].pb != fn; i++)
				;
		}
		if (i == t->nfields) {
			dec_unknown(d, fn);
			if ((rc = pb_skip(d, &in, wt)))
				goto out;
			continue;
		}
		hint = i + 1;
		old = sch_path_field(&d->path, t->fields[i].name);
		rc = dec_field(d, &t->fields[i], wt, &in, &slot[i], depth);
		sch_path_pop(&d->path, old);
		if (rc)
			goto out;
	}
	for (i = 0; i < t->nfields; i++) {
		if (!slot[i])
			continue;
		if (t->fields[i].flags & SCH_F_INLINE) {
			/* Go writes an inline struct's fields in the parent */
			while ((c = slot[i]->child))
				cJSON_AddItemToObject(obj, c->string,
						      cJSON_DetachItemViaPointer(slot[i], c));
			cJSON_Delete(slot[i]);
		} else if (dec_omit(&t->fields[i], slot[i])) {
			cJSON_Delete(slot[i]);
		} else {
			if ((rc = sch_pb_charge(d, strlen(t->fields[i].name) + 4)))
				goto out;
			cJSON_AddItemToObject(obj, t->fields[i].name, slot[i]);
		}
		slot[i] = NULL;
	}
out:
	for (i = 0; slot && i < t->nfields; i++)
		cJSON_Delete(slot[i]);
	free(slot);
	return rc;
}

int sch_pb_decode_type(const struct sch_type *t, const void *msg, size_t len, size_t max_bytes,
		       cJSON **out, struct sch_report *rep)
{
	struct pb_dec d = {.rep = rep, .budget = max_bytes};
	cJSON *obj = cJSON_CreateObject();
	int rc;

	*out = NULL;
	if (!obj)
		return -ENOMEM;
	rc = sch_pb_charge(&d, 2);
	if (!rc)
		rc = dec_msg(&d, t, msg, len, obj, 0);
	if (rc) {
		cJSON_Delete(obj);
		return rc;
	}
	*out = obj;
	return 0;
}

/* Copy a typeMeta string into s[PB_TYPEMETA_MAX]. */
static int pb_cstr(struct pb_dec *d, const uint8_t *p, size_t n, char *s)
{
	if (n >= PB_TYPEMETA_MAX || (n && memchr(p, 0, n)))
		return sch_pb_err(d, "invalid value");
	if (n)
		memcpy(s, p, n);
	s[n] = 0;
	return 0;
}

/* Put key: item first in obj (Go writes TypeMeta's kind and apiVersion
 * before the other fields). */
static int obj_prepend(cJSON *obj, const char *key, const char *value)
{
	cJSON *item = cJSON_CreateString(value);

	if (!item)
		return -ENOMEM;
	if (!obj->child) {
		cJSON_AddItemToObject(obj, key, item);
		return 0;
	}
	item->string = strdup(key);
	if (!item->string) {
		cJSON_Delete(item);
		return -ENOMEM;
	}
	cJSON_InsertItemInArray(obj, 0, item);
	return 0;
}

int sch_pb_decode(const void *body, size_t len, size_t max_bytes, cJSON **out,
		  const struct sch_type **type, struct sch_report *rep)
{
	static const unsigned tm_w[4] = {0, W_LEN, W_LEN, 0};
	struct pb_dec d = {.rep = rep, .budget = max_bytes};
	const uint8_t *raw = NULL, *tm = NULL;
	size_t rawlen = 0, tmlen = 0;
	char api_version[PB_TYPEMETA_MAX] = "", kind[PB_TYPEMETA_MAX] = "";
	const struct sch_type *t;
	struct pb_small m;
	struct pb_in in;
	cJSON *obj;
	int rc;

	*out = NULL;
	if (type)
		*type = NULL;
	if (len < SCH_PB_MAGIC_LEN || memcmp(body, SCH_PB_MAGIC, SCH_PB_MAGIC_LEN))
		return sch_pb_err(&d, "the body does not start with the Kubernetes protobuf prefix "
				      "\"k8s\\x00\"");
	in = (struct pb_in){(const uint8_t *)body + SCH_PB_MAGIC_LEN, (const uint8_t *)body + len};
	while (in.p < in.end) {
		const uint8_t *p;
		uint32_t fn;
		unsigned wt;
		size_t n;

		if ((rc = pb_tag(&d, &in, &fn, &wt)))
			return rc;
		if (fn > 4) {
			if ((rc = pb_skip(&d, &in, wt)))
				return rc;
			continue;
		}
		if (wt != PB_LEN)
			return sch_pb_err(
			    &d, "protobuf field %" PRIu32 " of the envelope has wire type %u", fn,
			    wt);
		if ((rc = pb_bytes(&d, &in, &p, &n)))
			return rc;
		if (fn == 1) {
			tm = p;
			tmlen = n;
		} else if (fn == 2) {
			raw = p;
			rawlen = n;
		} else if (fn == 3 && n) {
			return sch_pb_err(&d, "unsupported protobuf content encoding \"%.*s\"",
					  (int)(n < 32 ? n : 32), (const char *)p);
		}
	}
	sch_path_field(&d.path, "typeMeta");
	if (tm && (rc = dec_small(&d, tm, tmlen, tm_w, &m)))
		return rc;
	if (tm && ((rc = pb_cstr(&d, m.s[1], m.n[1], api_version)) ||
		   (rc = pb_cstr(&d, m.s[2], m.n[2], kind))))
		return rc;
	sch_path_pop(&d.path, 0);
	if (!*kind)
		return sch_pb_err(&d, "Object 'Kind' is missing in protobuf body");
	t = sch_lookup(api_version, kind);
	if (!t)
		return sch_pb_err(&d, "no kind \"%s\" is registered for version \"%s\"", kind,
				  api_version);
	if ((rc = sch_pb_decode_type(t, raw, rawlen, max_bytes, &obj, rep)))
		return rc;
	if ((rc = obj_prepend(obj, "apiVersion", api_version)) ||
	    (rc = obj_prepend(obj, "kind", kind))) {
		cJSON_Delete(obj);
		return rc;
	}
	*out = obj;
	if (type)
		*type = t;
	return 0;
}
