/* yamljson: YAML <-> cJSON on libyaml's event parser and emitter.
 *
 * The event API (rather than yaml_parser_load) is used because only events
 * tell an explicit tag or a quoted style apart from a plain scalar, and that
 * decides whether `80` is a number or a string.
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"
#include "yamljson.h"

/* Nesting deeper than this is refused: the parser recurses per level. */
#define YJ_MAX_DEPTH 256
/* Upper bound on values built per document, aliases included, so that an
 * alias bomb ("billion laughs") fails instead of exhausting memory. */
#define YJ_MAX_NODES 2000000

#define TAG_PREFIX "tag:yaml.org,2002:"

struct yj_anchor {
	char *name;
	const cJSON *val; /* node inside the document being built */
	long size;	  /* values in its subtree, charged again per alias */
	struct yj_anchor *next;
};

struct yj_parse {
	yaml_parser_t parser;
	struct yj_anchor *anchors; /* of the current document */
	long nodes;
	char *err;
	size_t errlen;
	int rc;
};

static void yj_errf(struct yj_parse *p, const yaml_mark_t *m, const char *fmt, const char *arg)
{
	char msg[200];

	if (p->rc)
		return;
	snprintf(msg, sizeof(msg), fmt, arg);
	snprintf(p->err, p->errlen, "line %zu, column %zu: %s", m->line + 1, m->column + 1, msg);
	p->rc = -EINVAL;
}

static void yj_parser_err(struct yj_parse *p)
{
	yaml_parser_t *y = &p->parser;

	if (p->rc)
		return;
	if (y->error == YAML_MEMORY_ERROR) {
		snprintf(p->err, p->errlen, "out of memory");
		p->rc = -ENOMEM;
		return;
	}
	if (y->error == YAML_READER_ERROR) {
		snprintf(p->err, p->errlen, "byte offset %zu: %s", y->problem_offset,
			 y->problem ? y->problem : "invalid input");
	} else if (y->context) {
		snprintf(p->err, p->errlen, "line %zu, column %zu: %s %s", y->problem_mark.line + 1,
			 y->problem_mark.column + 1, y->problem ? y->problem : "syntax error",
			 y->context);
	} else {
		snprintf(p->err, p->errlen, "line %zu, column %zu: %s", y->problem_mark.line + 1,
			 y->problem_mark.column + 1, y->problem ? y->problem : "syntax error");
	}
	p->rc = -EINVAL;
}

static void yj_anchors_free(struct yj_parse *p)
{
	while (p->anchors) {
		struct yj_anchor *a = p->anchors;

		p->anchors = a->next;
		free(a->name);
		free(a);
	}
}

static long yj_count(const cJSON *v)
{
	long n = 1;

	for (const cJSON *c = v->child; c; c = c->next)
		n += yj_count(c);
	return n;
}

/* --- plain scalar resolution (YAML 1.1 as go-yaml v2 does it) --- */

static bool yj_in(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(s, *set))
			return true;
	return false;
}

static const char *const yj_nulls[] = {"", "~", "null", "Null", "NULL", NULL};
static const char *const yj_trues[] = {"true", "True", "TRUE", "yes", "Yes",
				       "YES",  "on",   "On",   "ON",  NULL};
static const char *const yj_falses[] = {"false", "False", "FALSE", "no",  "No",
					"NO",	 "off",	  "Off",   "OFF", NULL};
/* Single letters go-yaml v2 also reads as booleans. We parse them as
 * strings (a label value `y` is far more likely meant as text) but still
 * quote them on output so that kubectl reads our YAML the same way. */
static const char *const yj_letters[] = {"y", "Y", "n", "N", NULL};
static const char *const yj_special_floats[] = {".inf",	 ".Inf",  ".INF",  "+.inf", "+.Inf",
						"+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
						".NaN",	 ".NAN",  NULL};

/* Go's strconv.ParseInt(s, 0, 64) after removing '_': sign, then 0x/0o/0b
 * prefixes or a leading 0 for octal (so `0644` is 420, as in kubectl). */
static bool yj_parse_int(const char *s, double *out)
{
	char buf[80];
	size_t n = 0;
	unsigned long long v = 0;
	unsigned base = 10;
	bool neg = false;
	const char *p;

	for (; *s; s++) {
		if (*s == '_')
			continue;
		if (n + 1 >= sizeof(buf))
			return false;
		buf[n++] = *s;
	}
	buf[n] = '\0';
	p = buf;
	if (*p == '+' || *p == '-')
		neg = *p++ == '-';
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'o' || p[1] == 'O')) {
		base = 8;
		p += 2;
	} else if (p[0] == '0' && (p[1] == 'b' || p[1] == 'B')) {
		base = 2;
		p += 2;
	} else if (p[0] == '0' && p[1]) {
		base = 8;
		p += 1;
	}
	if (!*p)
		return false;
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else if (*p >= 'A' && *p <= 'F')
			d = *p - 'A' + 10;
		else
			return false;
		if (d >= base || v > (~0ULL - d) / base)
			return false;
		v = v * base + d;
	}
	*out = neg ? -(double)v : (double)v;
	return true;
}

/* go-yaml v2's float syntax: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? */
static bool yj_parse_float(const char *s, double *out)
{
	const char *p = s;
	bool digits = false;

	if (*p == '+' || *p == '-')
		p++;
	if (*p == '.') {
		p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	} else {
		while (*p >= '0' && *p <= '9') {
			p++;
			digits = true;
		}
		if (!digits)
			return false;
		if (*p == '.') {
			p++;
			while (*p >= '0' && *p <= '9')
				p++;
		}
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p)
		return false;
	*out = strtod(s, NULL);
	return isfinite(*out);
}

/* `2021-01-13`, `2021-01-13T13:20:00Z`: go-yaml v2 reads these as
 * timestamps, so a string that starts like one must be quoted. */
static bool yj_timestamp_like(const char *s)
{
	int i;

	for (i = 0; i < 4; i++)
		if (!(s[i] >= '0' && s[i] <= '9'))
			return false;
	return s[4] == '-' && s[5] >= '0' && s[5] <= '9';
}

/* Value of a plain scalar; a string when nothing else matches. */
static cJSON *yj_resolve_plain(const char *s)
{
	double d;

	if (yj_in(s, yj_nulls))
		return cJSON_CreateNull();
	if (yj_in(s, yj_trues))
		return cJSON_CreateTrue();
	if (yj_in(s, yj_falses))
		return cJSON_CreateFalse();
	if (yj_parse_int(s, &d) || yj_parse_float(s, &d))
		return cJSON_CreateNumber(d);
	return cJSON_CreateString(s);
}

int yamljson_needs_quotes(const char *s)
{
	double d;

	if (yj_in(s, yj_nulls) || yj_in(s, yj_trues) || yj_in(s, yj_falses) ||
	    yj_in(s, yj_letters) || yj_in(s, yj_special_floats))
		return 1;
	if (yj_parse_int(s, &d) || yj_parse_float(s, &d))
		return 1;
	return yj_timestamp_like(s) || !strcmp(s, "<<");
}

/* A scalar with an explicit tag (`!!str 80`, `!!int "3"`). */
static cJSON *yj_resolve_tagged(struct yj_parse *p, const yaml_event_t *ev, const char *tag,
				const char *s)
{
	double d;

	if (!strncmp(tag, TAG_PREFIX, strlen(TAG_PREFIX)))
		tag += strlen(TAG_PREFIX);
	else if (!strcmp(tag, "!"))
		return cJSON_CreateString(s); /* non-specific tag: a string */
	if (!strcmp(tag, "str") || !strcmp(tag, "binary") || !strcmp(tag, "timestamp"))
		return cJSON_CreateString(s);
	if (!strcmp(tag, "null"))
		return cJSON_CreateNull();
	if (!strcmp(tag, "bool")) {
		if (yj_in(s, yj_trues))
			return cJSON_CreateTrue();
		if (yj_in(s, yj_falses))
			return cJSON_CreateFalse();
	} else if (!strcmp(tag, "int")) {
		if (yj_parse_int(s, &d))
			return cJSON_CreateNumber(d);
	} else if (!strcmp(tag, "float")) {
		if (yj_parse_int(s, &d) || yj_parse_float(s, &d))
			return cJSON_CreateNumber(d);
	} else {
		yj_errf(p, &ev->start_mark, "unsupported tag %s", tag);
		return NULL;
	}
	yj_errf(p, &ev->start_mark, "cannot decode \"%s\" with its tag", s);
	return NULL;
}

static cJSON *yj_scalar(struct yj_parse *p, const yaml_event_t *ev)
{
	const char *s = (const char *)ev->data.scalar.value;
	const char *tag = (const char *)ev->data.scalar.tag;

	if (strlen(s) != ev->data.scalar.length) {
		yj_errf(p, &ev->start_mark, "%s", "NUL byte in scalar");
		return NULL;
	}
	if (tag)
		return yj_resolve_tagged(p, ev, tag, s);
	if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
		return yj_resolve_plain(s);
	return cJSON_CreateString(s);
}

static cJSON *yj_node(struct yj_parse *p, yaml_event_t *ev, int depth);

static bool yj_next(struct yj_parse *p, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&p->parser, ev)) {
		yj_parser_err(p);
		return false;
	}
	return true;
}

/* `<<: *base` or `<<: [*a, *b]`: copy keys the mapping does not have yet. */
static void yj_merge_into(struct yj_parse *p, cJSON *obj, const cJSON *src, const yaml_mark_t *m)
{
	if (cJSON_IsArray(src)) {
		for (const cJSON *e = src->child; e; e = e->next)
			yj_merge_into(p, obj, e, m);
		return;
	}
	if (!cJSON_IsObject(src)) {
		yj_errf(p, m, "%s", "map merge requires a mapping or a list of mappings");
		return;
	}
	for (const cJSON *c = src->child; c; c = c->next) {
		if (cJSON_GetObjectItemCaseSensitive(obj, c->string))
			continue;
		cJSON_AddItemToObject(obj, c->string, cJSON_Duplicate(c, 1));
	}
}

static cJSON *yj_mapping(struct yj_parse *p, const yaml_event_t *start, int depth)
{
	cJSON *obj = cJSON_CreateObject();
	cJSON *merges = cJSON_CreateArray();
	yaml_event_t kev, vev;

	for (;;) {
		cJSON *val;
		char *key;

		if (!yj_next(p, &kev))
			goto fail;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		if (kev.type != YAML_SCALAR_EVENT) {
			yj_errf(p, &kev.start_mark, "%s", "mapping keys must be scalars");
			yaml_event_delete(&kev);
			goto fail;
		}
		key = strdup((const char *)kev.data.scalar.value);
		if (!yj_next(p, &vev)) {
			free(key);
			yaml_event_delete(&kev);
			goto fail;
		}
		val = yj_node(p, &vev, depth + 1);
		if (!val) {
			free(key);
			yaml_event_delete(&kev);
			yaml_event_delete(&vev);
			goto fail;
		}
		if (!strcmp(key, "<<") && kev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			/* Merges apply after the explicit keys, which win. */
			cJSON_AddItemToArray(merges, val);
		} else if (cJSON_GetObjectItemCaseSensitive(obj, key)) {
			/* go-yaml v2 rejects duplicate keys; so do we. */
			yj_errf(p, &kev.start_mark, "duplicate key \"%s\"", key);
			cJSON_Delete(val);
		} else {
			cJSON_AddItemToObject(obj, key, val);
		}
		free(key);
		yaml_event_delete(&vev);
		yaml_event_delete(&kev);
		if (p->rc)
			goto fail;
	}
	for (const cJSON *m = merges->child; m; m = m->next)
		yj_merge_into(p, obj, m, &start->start_mark);
	cJSON_Delete(merges);
	if (p->rc) {
		cJSON_Delete(obj);
		return NULL;
	}
	return obj;
fail:
	cJSON_Delete(merges);
	cJSON_Delete(obj);
	return NULL;
}

static cJSON *yj_sequence(struct yj_parse *p, int depth)
{
	cJSON *arr = cJSON_CreateArray();
	yaml_event_t ev;

	for (;;) {
		cJSON *val;

		if (!yj_next(p, &ev))
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			return arr;
		}
		val = yj_node(p, &ev, depth + 1);
		yaml_event_delete(&ev);
		if (!val)
			goto fail;
		cJSON_AddItemToArray(arr, val);
	}
fail:
	cJSON_Delete(arr);
	return NULL;
}

static void yj_register_anchor(struct yj_parse *p, const yaml_char_t *name, const cJSON *val)
{
	struct yj_anchor *a;

	if (!name || !val)
		return;
	a = calloc(1, sizeof(*a));
	if (!a)
		return;
	a->name = strdup((const char *)name);
	a->val = val;
	a->size = yj_count(val);
	a->next = p->anchors;
	p->anchors = a;
}

static cJSON *yj_alias(struct yj_parse *p, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;

	/* Newest first, so a redefined anchor resolves to its latest node. */
	for (struct yj_anchor *a = p->anchors; a; a = a->next) {
		if (strcmp(a->name, name))
			continue;
		p->nodes += a->size;
		if (p->nodes > YJ_MAX_NODES) {
			yj_errf(p, &ev->start_mark, "%s", "document too large (alias expansion)");
			return NULL;
		}
		return cJSON_Duplicate(a->val, 1);
	}
	yj_errf(p, &ev->start_mark, "unknown anchor \"%s\"", name);
	return NULL;
}

/* Build the value that starts with ev (which the caller deletes). */
static cJSON *yj_node(struct yj_parse *p, yaml_event_t *ev, int depth)
{
	cJSON *v = NULL;

	if (depth > YJ_MAX_DEPTH) {
		yj_errf(p, &ev->start_mark, "%s", "nesting too deep");
		return NULL;
	}
	if (++p->nodes > YJ_MAX_NODES) {
		yj_errf(p, &ev->start_mark, "%s", "document too large");
		return NULL;
	}
	switch (ev->type) {
	case YAML_SCALAR_EVENT:
		v = yj_scalar(p, ev);
		yj_register_anchor(p, ev->data.scalar.anchor, v);
		break;
	case YAML_SEQUENCE_START_EVENT:
		v = yj_sequence(p, depth);
		yj_register_anchor(p, ev->data.sequence_start.anchor, v);
		break;
	case YAML_MAPPING_START_EVENT:
		v = yj_mapping(p, ev, depth);
		yj_register_anchor(p, ev->data.mapping_start.anchor, v);
		break;
	case YAML_ALIAS_EVENT:
		v = yj_alias(p, ev);
		break;
	default:
		yj_errf(p, &ev->start_mark, "%s", "unexpected YAML event");
		break;
	}
	if (!v && !p->rc) {
		snprintf(p->err, p->errlen, "out of memory");
		p->rc = -ENOMEM;
	}
	return v;
}

/* A number past double's range (cJSON reads 1e400 as inf) anywhere in v?
 * Such a document takes the YAML path, which reads the number as YAML does. */
static bool yj_nonfinite(const cJSON *v, int depth)
{
	const cJSON *c;

	if (cJSON_IsNumber(v))
		return !isfinite(v->valuedouble);
	if (depth > 1000)
		return false;
	cJSON_ArrayForEach(c, v)
	{
		if (yj_nonfinite(c, depth + 1))
			return true;
	}
	return false;
}

/* JSON fast path: a text that is exactly one JSON value. */
static cJSON *yj_try_json(const char *text, size_t len)
{
	const char *end = NULL;
	size_t i = 0;
	cJSON *v;

	while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n'))
		i++;
	if (i == len || (text[i] != '{' && text[i] != '['))
		return NULL;
	v = cJSON_ParseWithLengthOpts(text, len, &end, 0);
	if (!v)
		return NULL;
	for (; end < text + len; end++) {
		if (*end != ' ' && *end != '\t' && *end != '\r' && *end != '\n' && *end != '\0') {
			cJSON_Delete(v);
			return NULL;
		}
	}
	if (yj_nonfinite(v, 0)) {
		cJSON_Delete(v);
		return NULL;
	}
	return v;
}

int yamljson_parse_docs(const char *text, size_t len, yamljson_doc_cb cb, void *ud, char *err,
			size_t errlen)
{
	struct yj_parse p = {.err = err, .errlen = errlen};
	yaml_event_t ev;
	int index = 0;
	cJSON *json;

	if (errlen)
		err[0] = '\0';
	json = yj_try_json(text, len);
	if (json)
		return cb(ud, json, 0, 1);

	if (!yaml_parser_initialize(&p.parser)) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);
	for (;;) {
		cJSON *doc;
		int line;

		if (!yj_next(&p, &ev))
			break;
		if (ev.type == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (ev.type != YAML_DOCUMENT_START_EVENT) {
			yaml_event_delete(&ev); /* STREAM_START */
			continue;
		}
		line = (int)ev.start_mark.line + 1;
		yaml_event_delete(&ev);
		if (!yj_next(&p, &ev))
			break;
		/* Documents are charged separately: the limits are per document. */
		p.nodes = 0;
		doc = yj_node(&p, &ev, 0);
		yaml_event_delete(&ev);
		yj_anchors_free(&p);
		if (!doc)
			break;
		if (!yj_next(&p, &ev)) { /* DOCUMENT_END */
			cJSON_Delete(doc);
			break;
		}
		yaml_event_delete(&ev);
		if (cJSON_IsNull(doc)) {
			cJSON_Delete(doc); /* `---` with nothing, or a comment-only part */
			continue;
		}
		p.rc = cb(ud, doc, index++, line);
		if (p.rc)
			break;
	}
	yj_anchors_free(&p);
	yaml_parser_delete(&p.parser);
	return p.rc;
}

static int yj_collect(void *ud, cJSON *doc, int index, int line)
{
	(void)index;
	(void)line;
	cJSON_AddItemToArray(ud, doc);
	return 0;
}

cJSON *yamljson_parse_all(const char *text, size_t len, char *err, size_t errlen)
{
	cJSON *arr = cJSON_CreateArray();

	if (!arr) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (yamljson_parse_docs(text, len, yj_collect, arr, err, errlen)) {
		cJSON_Delete(arr);
		return NULL;
	}
	return arr;
}

cJSON *yamljson_parse_one(const char *text, size_t len, char *err, size_t errlen)
{
	cJSON *arr = yamljson_parse_all(text, len, err, errlen);
	cJSON *doc;

	if (!arr)
		return NULL;
	if (cJSON_GetArraySize(arr) != 1) {
		snprintf(err, errlen, "expected one YAML document, found %d",
			 cJSON_GetArraySize(arr));
		cJSON_Delete(arr);
		return NULL;
	}
	doc = cJSON_DetachItemFromArray(arr, 0);
	cJSON_Delete(arr);
	return doc;
}

/* --- emitting --- */

static int yj_write(void *ud, unsigned char *data, size_t size)
{
	return buf_put(ud, data, size) == 0;
}

/* Numbers as cJSON prints them: integers without a fraction, otherwise the
 * shortest of %.15g/%.17g that reads back exactly. */
static void yj_fmt_number(double d, char *buf, size_t len)
{
	if (!isfinite(d)) {
		snprintf(buf, len, "null");
	} else if (d == floor(d) && fabs(d) < 1e17) {
		snprintf(buf, len, "%.0f", d);
	} else {
		snprintf(buf, len, "%.15g", d);
		if (strtod(buf, NULL) != d)
			snprintf(buf, len, "%.17g", d);
	}
}

static int yj_emit_scalar(yaml_emitter_t *em, const char *s, bool plain_ok, yaml_scalar_style_t st)
{
	yaml_event_t ev;

	if (!yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)strlen(s),
					  plain_ok, 1, st))
		return 0;
	return yaml_emitter_emit(em, &ev);
}

static int yj_emit_string(yaml_emitter_t *em, const char *s)
{
	if (yamljson_needs_quotes(s))
		return yj_emit_scalar(em, s, false, YAML_DOUBLE_QUOTED_SCALAR_STYLE);
	/* Multi-line text reads best as a literal block (`|`); libyaml falls
	 * back to a quoted style when the text cannot be one. */
	if (strchr(s, '\n'))
		return yj_emit_scalar(em, s, false, YAML_LITERAL_SCALAR_STYLE);
	return yj_emit_scalar(em, s, true, YAML_ANY_SCALAR_STYLE);
}

static int yj_key_cmp(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a, *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

static int yj_emit_value(yaml_emitter_t *em, const cJSON *v)
{
	yaml_event_t ev;
	char num[64];

	if (cJSON_IsObject(v)) {
		int n = cJSON_GetArraySize(v), i = 0, ok = 1;
		const cJSON **keys;

		if (!yaml_mapping_start_event_initialize(&ev, NULL, NULL, 1,
							 n ? YAML_BLOCK_MAPPING_STYLE
							   : YAML_FLOW_MAPPING_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		keys = calloc(n ? n : 1, sizeof(*keys));
		if (!keys)
			return 0;
		for (const cJSON *c = v->child; c; c = c->next)
			keys[i++] = c;
		/* kubectl prints keys sorted (Go maps are marshalled sorted). */
		qsort(keys, n, sizeof(*keys), yj_key_cmp);
		for (i = 0; i < n && ok; i++)
			ok = yj_emit_string(em, keys[i]->string) && yj_emit_value(em, keys[i]);
		free(keys);
		if (!ok)
			return 0;
		return yaml_mapping_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	}
	if (cJSON_IsArray(v)) {
		if (!yaml_sequence_start_event_initialize(&ev, NULL, NULL, 1,
							  v->child ? YAML_BLOCK_SEQUENCE_STYLE
								   : YAML_FLOW_SEQUENCE_STYLE) ||
		    !yaml_emitter_emit(em, &ev))
			return 0;
		for (const cJSON *c = v->child; c; c = c->next)
			if (!yj_emit_value(em, c))
				return 0;
		return yaml_sequence_end_event_initialize(&ev) && yaml_emitter_emit(em, &ev);
	}
	if (cJSON_IsString(v))
		return yj_emit_string(em, v->valuestring);
	if (cJSON_IsNumber(v)) {
		yj_fmt_number(v->valuedouble, num, sizeof(num));
		return yj_emit_scalar(em, num, true, YAML_PLAIN_SCALAR_STYLE);
	}
	if (cJSON_IsBool(v))
		return yj_emit_scalar(em, cJSON_IsTrue(v) ? "true" : "false", true,
				      YAML_PLAIN_SCALAR_STYLE);
	return yj_emit_scalar(em, "null", true, YAML_PLAIN_SCALAR_STYLE);
}

char *yamljson_emit_err(const cJSON *v, char *err, size_t errlen)
{
	struct buf b = {0};
	yaml_emitter_t em;
	yaml_event_t ev;
	int ok;

	if (!yaml_emitter_initialize(&em))
		return NULL;
	yaml_emitter_set_output(&em, yj_write, &b);
	yaml_emitter_set_unicode(&em, 1);
	yaml_emitter_set_indent(&em, 2);
	yaml_emitter_set_width(&em, -1); /* never fold long strings */
	ok = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) &&
	     yaml_emitter_emit(&em, &ev) &&
	     yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, 1) &&
	     yaml_emitter_emit(&em, &ev) && yj_emit_value(&em, v) &&
	     yaml_document_end_event_initialize(&ev, 1) && yaml_emitter_emit(&em, &ev) &&
	     yaml_stream_end_event_initialize(&ev) && yaml_emitter_emit(&em, &ev) &&
	     yaml_emitter_flush(&em);
	if (!ok || b.oom)
		snprintf(err, errlen, "%s",
			 b.oom || em.error == YAML_MEMORY_ERROR ? "out of memory"
			 : em.problem				? em.problem
								: "cannot emit YAML");
	yaml_emitter_delete(&em);
	if (!ok || b.oom) {
		buf_free(&b);
		return NULL;
	}
	return b.p;
}

char *yamljson_emit(const cJSON *v)
{
	char err[128];

	return yamljson_emit_err(v, err, sizeof(err));
}
