/* res_util: typed JSON access, Go-style value printing, upstream name and
 * label checks (k8s.io/apimachinery/pkg/util/validation wording), and the
 * HumanDuration Age format. Selectors and Table builders: res_table.c. */
#include <arpa/inet.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"
#include "selector_valid.h"

/* ------------------------------------------------------------------ JSON */

char *res_pathf(char *buf, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, RES_PATH, fmt, ap);
	va_end(ap);
	return buf;
}

const cJSON *res_get(const cJSON *o, const char *key)
{
	const cJSON *v;

	if (!cJSON_IsObject(o))
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNull(v) ? NULL : v;
}

bool res_is_int(const cJSON *v)
{
	/* +-2^53: beyond that a double no longer holds every integer */
	return cJSON_IsNumber(v) && v->valuedouble == floor(v->valuedouble) &&
	       fabs(v->valuedouble) <= 9007199254740992.0;
}

bool res_int(const cJSON *o, const char *dotted, long long *out)
{
	const cJSON *v = json_at(o, dotted);

	if (!res_is_int(v))
		return false;
	*out = (long long)v->valuedouble;
	return true;
}

static const char *res_jt_msg(enum res_jt t)
{
	switch (t) {
	case RES_STR:
		return "must be a string";
	case RES_INT:
		return "must be an integer";
	case RES_BOOL:
		return "must be a boolean";
	case RES_OBJ:
		return "must be an object";
	case RES_ARR:
		return "must be an array";
	case RES_INTSTR:
		return "must be an integer or a string";
	case RES_STRMAP:
		return "must be a map of strings";
	}
	return "has the wrong type";
}

static bool res_jt_ok(const cJSON *v, enum res_jt t)
{
	const cJSON *c;

	switch (t) {
	case RES_STR:
		return cJSON_IsString(v);
	case RES_INT:
		return res_is_int(v);
	case RES_BOOL:
		return cJSON_IsBool(v);
	case RES_OBJ:
		return cJSON_IsObject(v);
	case RES_ARR:
		return cJSON_IsArray(v);
	case RES_INTSTR:
		return cJSON_IsString(v) || res_is_int(v);
	case RES_STRMAP:
		if (!cJSON_IsObject(v))
			return false;
		cJSON_ArrayForEach(c, v) if (!cJSON_IsString(c)) return false;
		return true;
	}
	return false;
}

bool res_check_type(const cJSON *v, const char *path, enum res_jt t, struct verrs *e)
{
	char val[RES_VAL];

	if (res_jt_ok(v, t))
		return true;
	res_goval(v, val, sizeof(val));
	verrs_invalid(e, path, val, res_jt_msg(t));
	return false;
}

const cJSON *res_typed(const cJSON *parent, const char *key, const char *path, enum res_jt t,
		       struct verrs *e)
{
	const cJSON *v = res_get(parent, key);

	if (!v)
		return NULL;
	return res_check_type(v, path, t, e) ? v : NULL;
}

/* ------------------------------------------------------------ defaulting */

void res_set(cJSON *parent, const char *key, cJSON *item)
{
	if (!cJSON_IsObject(parent)) {
		cJSON_Delete(item);
		return;
	}
	if (cJSON_GetObjectItemCaseSensitive(parent, key))
		cJSON_ReplaceItemInObjectCaseSensitive(parent, key, item);
	else
		cJSON_AddItemToObject(parent, key, item);
}

cJSON *res_obj_child(cJSON *parent, const char *key)
{
	cJSON *v;

	if (!cJSON_IsObject(parent))
		return NULL;
	v = cJSON_GetObjectItemCaseSensitive(parent, key);
	if (cJSON_IsObject(v))
		return v;
	if (v && !cJSON_IsNull(v))
		return NULL;
	v = cJSON_CreateObject();
	res_set(parent, key, v);
	return v;
}

void res_default_str(cJSON *parent, const char *key, const char *val)
{
	const cJSON *v;

	if (!cJSON_IsObject(parent))
		return;
	v = cJSON_GetObjectItemCaseSensitive(parent, key);
	if (!v || cJSON_IsNull(v) || (cJSON_IsString(v) && !v->valuestring[0]))
		res_set(parent, key, cJSON_CreateString(val));
}

void res_default_num(cJSON *parent, const char *key, double val)
{
	const cJSON *v;

	if (!cJSON_IsObject(parent))
		return;
	v = cJSON_GetObjectItemCaseSensitive(parent, key);
	if (!v || cJSON_IsNull(v))
		res_set(parent, key, cJSON_CreateNumber(val));
}

/* ------------------------------------------------------ Go value printing */

void res_goquote(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	if (len < 3) {
		if (len)
			buf[0] = 0;
		return;
	}
	buf[o++] = '"';
	for (; s && *s && o + 6 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (c == '\t') {
			buf[o++] = '\\';
			buf[o++] = 't';
		} else if (c == '\r') {
			buf[o++] = '\\';
			buf[o++] = 'r';
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o++] = '"';
	buf[o] = 0;
}

void res_goval(const cJSON *v, char *buf, size_t len)
{
	char *s;

	if (!v || cJSON_IsNull(v)) {
		snprintf(buf, len, "null");
	} else if (cJSON_IsString(v)) {
		res_goquote(v->valuestring, buf, len);
	} else if (res_is_int(v)) {
		snprintf(buf, len, "%lld", (long long)v->valuedouble);
	} else if (cJSON_IsNumber(v)) {
		snprintf(buf, len, "%g", v->valuedouble);
	} else if (cJSON_IsBool(v)) {
		snprintf(buf, len, "%s", cJSON_IsTrue(v) ? "true" : "false");
	} else {
		s = cJSON_PrintUnformatted(v);
		snprintf(buf, len, "%s", s ? s : "?");
		/* keep messages short: mark a cut-off value */
		if (s && strlen(s) >= len && len > 4)
			memcpy(buf + len - 4, "...", 4);
		free(s);
	}
}

static int res_cmp_key(const void *a, const void *b)
{
	return strcmp((*(const cJSON *const *)a)->string, (*(const cJSON *const *)b)->string);
}

/* Go prints maps with sorted keys (fmt, since Go 1.12). */
void res_gomap(const cJSON *map, char *buf, size_t len)
{
	const cJSON *c, **items;
	char k[RES_VAL], v[RES_VAL];
	size_t o;
	int n = 0;

	if (!cJSON_IsObject(map)) {
		snprintf(buf, len, "map[string]string(nil)");
		return;
	}
	/* every key: the first ones in sorted order are not the first ones read */
	items = calloc((size_t)cJSON_GetArraySize(map) + 1, sizeof(*items));
	if (!items) {
		snprintf(buf, len, "map[string]string{...}");
		return;
	}
	cJSON_ArrayForEach(c, map) items[n++] = c;
	qsort(items, (size_t)n, sizeof(items[0]), res_cmp_key);
	o = (size_t)snprintf(buf, len, "map[string]string{");
	for (int i = 0; i < n && o < len; i++) {
		res_goquote(items[i]->string, k, sizeof(k));
		res_goquote(cJSON_IsString(items[i]) ? items[i]->valuestring : "", v, sizeof(v));
		o += (size_t)snprintf(buf + o, len - o, "%s%s:%s", i ? ", " : "", k, v);
	}
	if (o < len)
		snprintf(buf + o, len - o, "}");
	free(items);
}

void res_gostrs(const cJSON *arr, char *buf, size_t len)
{
	const cJSON *c;
	char q[RES_VAL];
	size_t o;
	int i = 0;

	if (!cJSON_IsArray(arr) || !cJSON_GetArraySize(arr)) {
		snprintf(buf, len, "[]string(nil)");
		return;
	}
	o = (size_t)snprintf(buf, len, "[]string{");
	cJSON_ArrayForEach(c, arr)
	{
		if (o >= len)
			break;
		res_goquote(cJSON_IsString(c) ? c->valuestring : "", q, sizeof(q));
		o += (size_t)snprintf(buf + o, len - o, "%s%s", i++ ? ", " : "", q);
	}
	if (o < len)
		snprintf(buf + o, len - o, "}");
}

/* ------------------------------------------------------------ Age / time */

/* k8s.io/apimachinery/pkg/util/duration.HumanDuration */
void res_age(time_t created, time_t now, char *buf, size_t len)
{
	long long d = (long long)now - (long long)created;
	long long min, hours;

	if (created <= 0) {
		snprintf(buf, len, "<unknown>");
		return;
	}
	/* up to 1s of clock skew reads as "now" */
	if (d < -1) {
		snprintf(buf, len, "<invalid>");
		return;
	}
	if (d < 0)
		d = 0;
	if (d < 60 * 2) {
		snprintf(buf, len, "%llds", d);
		return;
	}
	min = d / 60;
	if (min < 10) {
		if (d % 60 == 0)
			snprintf(buf, len, "%lldm", min);
		else
			snprintf(buf, len, "%lldm%llds", min, d % 60);
		return;
	}
	if (min < 60 * 3) {
		snprintf(buf, len, "%lldm", min);
		return;
	}
	hours = d / 3600;
	if (hours < 8) {
		if (min % 60 == 0)
			snprintf(buf, len, "%lldh", hours);
		else
			snprintf(buf, len, "%lldh%lldm", hours, min % 60);
	} else if (hours < 48) {
		snprintf(buf, len, "%lldh", hours);
	} else if (hours < 24 * 8) {
		if (hours % 24 == 0)
			snprintf(buf, len, "%lldd", hours / 24);
		else
			snprintf(buf, len, "%lldd%lldh", hours / 24, hours % 24);
	} else if (hours < 24 * 365 * 2) {
		snprintf(buf, len, "%lldd", hours / 24);
	} else if (hours < 24 * 365 * 8) {
		long long dy = (hours / 24) % 365;

		if (dy == 0)
			snprintf(buf, len, "%lldy", hours / 24 / 365);
		else
			snprintf(buf, len, "%lldy%lldd", hours / 24 / 365, dy);
	} else {
		snprintf(buf, len, "%lldy", hours / 24 / 365);
	}
}

/* RFC 3339: "2021-01-13T13:20:00Z", optional fraction, "Z" or "+hh:mm". */
time_t res_parse_time(const char *s)
{
	struct tm tm = {0};
	const char *p;
	time_t t;
	int sign, hh, mm;

	if (!s)
		return 0;
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	if (*p == '.')
		for (p++; isdigit((unsigned char)*p); p++)
			;
	t = timegm(&tm);
	if (*p == 'Z' || *p == 'z') {
		p++;
	} else if (*p == '+' || *p == '-') {
		sign = *p == '-' ? -1 : 1;
		if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
			return 0;
		t -= sign * (hh * 3600 + mm * 60);
		p += 6;
	} else {
		return 0;
	}
	return *p ? 0 : t;
}

/* ------------------------------------------------------------ name rules */

/* validation.RegexError() texts, examples included ("'my-name',  or" has
 * two spaces upstream). */
#define RES_MSG_1123_LABEL                                                                         \
	"a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "   \
	"and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "   \
	"regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
#define RES_MSG_1123_SUBDOMAIN                                                                     \
	"a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "      \
	"'-' or '.', and must start and end with an alphanumeric character (e.g. "                 \
	"'example.com', regex used for validation is "                                             \
	"'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
#define RES_MSG_1035_LABEL                                                                         \
	"a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "       \
	"with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name', "   \
	" or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"

static bool res_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* [a-z0-9]([-a-z0-9]*[a-z0-9])? over s[0..n) (first_alpha: [a-z] first). */
static bool res_label_re(const char *s, size_t n, bool first_alpha)
{
	if (!n || !res_lower_alnum(s[0]) || !res_lower_alnum(s[n - 1]))
		return false;
	if (first_alpha && !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!res_lower_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool res_subdomain_re(const char *s)
{
	const char *dot;

	for (;;) {
		dot = strchr(s, '.');
		if (!res_label_re(s, dot ? (size_t)(dot - s) : strlen(s), false))
			return false;
		if (!dot)
			return true;
		s = dot + 1;
	}
}

/* Up to two messages: the length limit and the format. */
static int res_name_msgs(const char *s, enum res_name kind, const char *msgs[2])
{
	size_t len = strlen(s);
	int n = 0;

	switch (kind) {
	case RES_DNS1123_LABEL:
		if (len > 63)
			msgs[n++] = "must be no more than 63 characters";
		if (!res_label_re(s, len, false))
			msgs[n++] = RES_MSG_1123_LABEL;
		break;
	case RES_DNS1123_SUBDOMAIN:
		if (len > 253)
			msgs[n++] = "must be no more than 253 characters";
		if (!res_subdomain_re(s))
			msgs[n++] = RES_MSG_1123_SUBDOMAIN;
		break;
	case RES_DNS1035_LABEL:
		if (len > 63)
			msgs[n++] = "must be no more than 63 characters";
		if (!res_label_re(s, len, true))
			msgs[n++] = RES_MSG_1035_LABEL;
		break;
	case RES_PATH_SEGMENT:
		if (!strcmp(s, ".") || !strcmp(s, ".."))
			msgs[n++] = !strcmp(s, ".") ? "may not be '.'" : "may not be '..'";
		else if (strchr(s, '/'))
			msgs[n++] = "may not contain '/'";
		else if (strchr(s, '%'))
			msgs[n++] = "may not contain '%'";
		break;
	}
	return n;
}

static const char *res_name_first(const char *s, enum res_name kind)
{
	const char *msgs[2];

	return s && res_name_msgs(s, kind, msgs) ? msgs[0] : s ? NULL : "must be non-empty";
}

const char *res_dns1123_label(const char *s)
{
	return res_name_first(s, RES_DNS1123_LABEL);
}

const char *res_dns1123_subdomain(const char *s)
{
	return res_name_first(s, RES_DNS1123_SUBDOMAIN);
}

const char *res_dns1035_label(const char *s)
{
	return res_name_first(s, RES_DNS1035_LABEL);
}

void res_check_name(struct verrs *e, const char *field, const char *value, enum res_name kind)
{
	const char *msgs[2];
	char q[RES_VAL];
	int n = res_name_msgs(value, kind, msgs);

	res_goquote(value, q, sizeof(q));
	for (int i = 0; i < n; i++)
		verrs_invalid(e, field, q, msgs[i]);
}

/* ---------------------------------------------------- qualified names */

/* lib/selector_valid.c holds the label rules and their wording, shared with
 * the selector parser; each violated rule becomes one field error here. */
struct res_verr_ctx {
	struct verrs *e;
	const char *field;
	const char *q; /* the value as messages show it */
};

static void res_verr_msg(void *ud, const char *a, const char *b)
{
	const struct res_verr_ctx *c = ud;

	verrs_add(c->e, "FieldValueInvalid", c->field, "Invalid value: %s: %s%s", c->q, a, b);
}

/* validation.IsQualifiedName: [prefix/]name, prefix a DNS-1123 subdomain.
 * q is the value as shown in messages, value the string checked. */
static void res_qname(struct verrs *e, const char *field, const char *q, const char *value)
{
	struct res_verr_ctx c = {e, field, q};

	sel_check_qualified_name(value, res_verr_msg, &c);
}

void res_check_qualified_name(struct verrs *e, const char *field, const char *value)
{
	char q[RES_VAL];

	res_goquote(value, q, sizeof(q));
	res_qname(e, field, q, value);
}

void res_check_label_value(struct verrs *e, const char *field, const char *value)
{
	char q[RES_VAL];
	struct res_verr_ctx c = {e, field, q};

	res_goquote(value, q, sizeof(q));
	sel_check_label_value(value, res_verr_msg, &c);
}

void res_validate_labels(const cJSON *labels, const char *path, struct verrs *e)
{
	const cJSON *c;

	if (!labels || cJSON_IsNull(labels) || !res_check_type(labels, path, RES_STRMAP, e))
		return;
	cJSON_ArrayForEach(c, labels)
	{
		res_check_qualified_name(e, path, c->string);
		res_check_label_value(e, path, c->valuestring);
	}
}

/* apimachinery TotalAnnotationSizeLimitB: 256 KiB of keys plus values. */
#define RES_ANNOTATIONS_MAX (256 * 1024)

void res_validate_annotations(const cJSON *ann, const char *path, struct verrs *e)
{
	const cJSON *c;
	size_t total = 0;
	char lower[320];

	if (!ann || cJSON_IsNull(ann) || !res_check_type(ann, path, RES_STRMAP, e))
		return;
	cJSON_ArrayForEach(c, ann)
	{
		char q[RES_VAL];
		size_t i;

		/* upstream checks strings.ToLower(key) but reports the key */
		for (i = 0; c->string[i] && i < sizeof(lower) - 1; i++)
			lower[i] = (char)tolower((unsigned char)c->string[i]);
		lower[i] = 0;
		res_goquote(c->string, q, sizeof(q));
		res_qname(e, path, q, lower);
		total += strlen(c->string) + strlen(c->valuestring);
	}
	if (total > RES_ANNOTATIONS_MAX)
		verrs_add(e, "FieldValueTooLong", path, "Too long: must have at most %d bytes",
			  RES_ANNOTATIONS_MAX);
}

void res_validate_meta(const cJSON *obj, const cJSON *old, enum res_name kind, struct verrs *e)
{
	const cJSON *md = res_get(obj, "metadata");
	const cJSON *name, *gn;
	const char *oname;

	if (md && !res_check_type(md, "metadata", RES_OBJ, e))
		return;
	name = res_typed(md, "name", "metadata.name", RES_STR, e);
	gn = res_typed(md, "generateName", "metadata.generateName", RES_STR, e);
	if (name && name->valuestring[0]) {
		res_check_name(e, "metadata.name", name->valuestring, kind);
	} else if ((name || !res_get(md, "name")) && (!gn || !gn->valuestring[0])) {
		/* (a wrong-typed name has been reported already) */
		verrs_required(e, "metadata.name", "name or generateName is required");
	}
	res_validate_labels(res_get(md, "labels"), "metadata.labels", e);
	res_validate_annotations(res_get(md, "annotations"), "metadata.annotations", e);
	if (!old || !name)
		return;
	oname = json_str(old, "metadata.name");
	if (oname && strcmp(oname, name->valuestring)) {
		char q[RES_VAL];

		res_goquote(name->valuestring, q, sizeof(q));
		verrs_invalid(e, "metadata.name", q, "field is immutable");
	}
}

/* ------------------------------------------------------------- ports, IPs */

const char *const res_protocols[] = {"SCTP", "TCP", "UDP", NULL};

void res_check_port_num(struct verrs *e, const char *field, long long port)
{
	char v[32];

	if (port >= 1 && port <= 65535)
		return;
	snprintf(v, sizeof(v), "%lld", port);
	verrs_invalid(e, field, v, "must be between 1 and 65535, inclusive");
}

void res_check_port_name(struct verrs *e, const char *field, const char *name)
{
	size_t n = strlen(name);
	bool charset = n > 0, letter = false;
	char q[RES_VAL];

	for (size_t i = 0; i < n; i++) {
		if (!res_lower_alnum(name[i]) && name[i] != '-')
			charset = false;
		if (name[i] >= 'a' && name[i] <= 'z')
			letter = true;
	}
	res_goquote(name, q, sizeof(q));
	if (n > 15)
		verrs_invalid(e, field, q, "must be no more than 15 characters");
	if (!charset)
		verrs_invalid(
		    e, field, q,
		    "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
	if (!letter)
		verrs_invalid(e, field, q, "must contain at least one letter or number (a-z, 0-9)");
	if (strstr(name, "--"))
		verrs_invalid(e, field, q, "must not contain consecutive hyphens");
	if (n && (name[0] == '-' || name[n - 1] == '-'))
		verrs_invalid(e, field, q, "must not begin or end with a hyphen");
}

void res_check_protocol(struct verrs *e, const char *field, const cJSON *proto)
{
	char q[RES_VAL];

	if (!proto || cJSON_IsNull(proto) || (cJSON_IsString(proto) && !proto->valuestring[0])) {
		verrs_required(e, field, "");
		return;
	}
	if (!res_check_type(proto, field, RES_STR, e))
		return;
	for (int i = 0; res_protocols[i]; i++)
		if (!strcmp(proto->valuestring, res_protocols[i]))
			return;
	res_goquote(proto->valuestring, q, sizeof(q));
	verrs_not_supported(e, field, q, res_protocols);
}

int res_ip_family(const char *s)
{
	unsigned char buf[16];

	if (!s)
		return 0;
	if (inet_pton(AF_INET, s, buf) == 1)
		return 4;
	if (inet_pton(AF_INET6, s, buf) == 1) {
		/* Go: an IPv4-mapped address (::ffff:a.b.c.d) is IPv4 */
		static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

		return memcmp(buf, mapped, 12) ? 6 : 4;
	}
	return 0;
}

/* net.IP's IsUnspecified, IsLoopback, IsLinkLocalUnicast and
 * IsLinkLocalMulticast over the 16-byte form (IPv4 as ::ffff:a.b.c.d). */
void res_check_endpoint_ip(struct verrs *e, const char *field, const char *ip, bool allow_loopback)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	static const unsigned char zero[16], one[16] = {[15] = 1};
	unsigned char a[16];
	unsigned char *v4 = a + 12;
	char q[RES_VAL], d[RES_VAL + 40];
	bool is4;

	if (inet_pton(AF_INET, ip, v4) == 1)
		memcpy(a, mapped, sizeof(mapped));
	else if (inet_pton(AF_INET6, ip, a) != 1)
		return;
	is4 = !memcmp(a, mapped, sizeof(mapped));
	res_goquote(ip, q, sizeof(q));
	if ((is4 && !v4[0] && !v4[1] && !v4[2] && !v4[3]) || !memcmp(a, zero, 16)) {
		snprintf(d, sizeof(d), "may not be unspecified (%s)", ip);
		verrs_invalid(e, field, q, d);
	}
	if (!allow_loopback && ((is4 && v4[0] == 127) || !memcmp(a, one, 16)))
		verrs_invalid(e, field, q,
			      "may not be in the loopback range (127.0.0.0/8, ::1/128)");
	if ((is4 && v4[0] == 169 && v4[1] == 254) || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
		verrs_invalid(e, field, q,
			      "may not be in the link-local range (169.254.0.0/16, fe80::/10)");
	if ((is4 && v4[0] == 224 && !v4[1] && !v4[2]) || (a[0] == 0xff && (a[1] & 0x0f) == 0x02))
		verrs_invalid(e, field, q,
			      "may not be in the link-local multicast range (224.0.0.0/24, "
			      "ff02::/10)");
	/* Skiff: no host can answer for the limited broadcast address */
	if (is4 && v4[0] == 255 && v4[1] == 255 && v4[2] == 255 && v4[3] == 255)
		verrs_invalid(e, field, q, "may not be the broadcast address (255.255.255.255)");
}

/* ------------------------------------------------------------ duplicates */

static int res_key_cmp(const void *pa, const void *pb)
{
	const struct res_key *a = pa, *b = pb;
	int c = strcmp(a->s, b->s);

	if (c)
		return c;
	if (a->n != b->n)
		return a->n < b->n ? -1 : 1;
	return a->idx - b->idx;
}

void res_mark_dups(struct res_key *keys, int n, bool *dup)
{
	if (n <= 0)
		return;
	qsort(keys, (size_t)n, sizeof(*keys), res_key_cmp);
	/* equal keys are adjacent, the first one (smallest idx) leading */
	for (int i = 1; i < n; i++)
		if (!strcmp(keys[i].s, keys[i - 1].s) && keys[i].n == keys[i - 1].n)
			dup[keys[i].idx] = true;
}
