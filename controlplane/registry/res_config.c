/* res_config: ConfigMap, Secret and ServiceAccount (core v1): decoding
 * ([]byte values are base64, a Secret's stringData is folded into data),
 * defaults, validation and Table rows after upstream's core validation.go
 * (ValidateConfigMap, ValidateSecret, ValidateServiceAccount and their
 * updates), the v1 conversion and printers.go (printConfigMap, printSecret,
 * printServiceAccount). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "res_util.h"

/* core.MaxSecretSize: the bound on a ConfigMap's or a Secret's data */
#define CFG_MAX_SIZE 1048576
/* validation.IsConfigMapKey: DNS1123SubdomainMaxLength */
#define CFG_KEY_MAX 253
#define CFG_KEY_MSG                                                                                \
	"a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "       \
	"'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "                \
	"'[-._a-zA-Z0-9]+')"
#define CFG_IMMUTABLE "field is immutable when `immutable` is set"

/* ============================================================ base64 */

static int cfg_b64_val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool cfg_b64_nl(char c)
{
	return c == '\n' || c == '\r';
}

/* One quantum of Go's base64.StdEncoding.Decode (decodeQuantum): advances
 * *si, adds the decoded bytes to *out; -1, or the CorruptInputError offset. */
static long cfg_b64_quantum(const char *s, size_t n, size_t *si, size_t *out)
{
	int j, dlen = 4;

	for (j = 0; j < 4; j++) {
		char in;

		if (*si == n) {
			if (j == 0)
				return -1;
			return (long)(*si - (size_t)j); /* padding is required */
		}
		in = s[(*si)++];
		if (cfg_b64_val((unsigned char)in) >= 0)
			continue;
		if (cfg_b64_nl(in)) { /* newlines are skipped */
			j--;
			continue;
		}
		if (in != '=' || j < 2)
			return (long)(*si - 1);
		if (j == 2) { /* "==" expected: the second '=' */
			while (*si < n && cfg_b64_nl(s[*si]))
				(*si)++;
			if (*si == n)
				return (long)n;
			if (s[*si] != '=')
				return (long)(*si - 1);
			(*si)++;
		}
		while (*si < n && cfg_b64_nl(s[*si]))
			(*si)++;
		if (*si < n)
			return (long)*si; /* trailing garbage after the padding */
		dlen = j;
		break;
	}
	*out += (size_t)(dlen - 1);
	return -1;
}

/* -1 when s is what Go's encoding/json accepts for a []byte (standard,
 * padded base64), *len set to the decoded size; else the offset Go's
 * "illegal base64 data at input byte N" names. */
static long cfg_b64_check(const char *s, size_t *len)
{
	size_t n = strlen(s), si = 0;

	*len = 0;
	while (si < n) {
		long bad = cfg_b64_quantum(s, n, &si, len);

		if (bad >= 0)
			return bad;
	}
	return -1;
}

static char *cfg_b64_encode(const char *s)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = strlen(s), o = 0;
	const unsigned char *p = (const unsigned char *)s;
	char *out = malloc((n + 2) / 3 * 4 + 1);

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0) |
			     (i + 2 < n ? p[i + 2] : 0);

		out[o++] = tab[v >> 18 & 63];
		out[o++] = tab[v >> 12 & 63];
		out[o++] = i + 1 < n ? tab[v >> 6 & 63] : '=';
		out[o++] = i + 2 < n ? tab[v & 63] : '=';
	}
	out[o] = 0;
	return out;
}

/* Check the base64 []byte values of obj[bag] (the Go field gofield);
 * non-string values are left to validation. 0 or -EINVAL with msg as
 * json-iterator words it for kube-apiserver 1.20. */
static int cfg_decode_bytes(const cJSON *obj, const char *bag, const char *gofield, char *msg,
			    size_t len)
{
	const cJSON *m = res_get(obj, bag), *c;
	size_t n;

	if (!cJSON_IsObject(m))
		return 0;
	cJSON_ArrayForEach(c, m)
	{
		long bad = cJSON_IsString(c) ? cfg_b64_check(c->valuestring, &n) : -1;

		if (bad >= 0) {
			snprintf(msg, len,
				 "%s: decode base64: illegal base64 data at input byte %ld",
				 gofield, bad);
			return -EINVAL;
		}
	}
	return 0;
}

/* Decoded size of a []byte map (values already checked). */
static size_t cfg_bytes_size(const cJSON *bag)
{
	const cJSON *c;
	size_t total = 0, n;

	cJSON_ArrayForEach(c, bag) if (cJSON_IsString(c) && cfg_b64_check(c->valuestring, &n) < 0)
	    total += n;
	return total;
}

/* ======================================================== validation */

/* validation.IsConfigMapKey, one cause per failing rule at bag[key]. */
static void cfg_check_key(struct verrs *e, const char *bag, const char *key)
{
	char f[RES_PATH], q[RES_VAL];
	size_t n = strlen(key);

	res_pathf(f, "%s[%s]", bag, key);
	res_goquote(key, q, sizeof(q));
	if (n > CFG_KEY_MAX)
		verrs_invalid(e, f, q, "must be no more than 253 characters");
	if (!n ||
	    strspn(key, "-._abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != n)
		verrs_invalid(e, f, q, CFG_KEY_MSG);
	/* hasChDirPrefix: the key becomes a file name in a volume */
	if (!strcmp(key, "."))
		verrs_invalid(e, f, q, "must not be '.'");
	else if (!strcmp(key, ".."))
		verrs_invalid(e, f, q, "must not be '..'");
	else if (!strncmp(key, "..", 2))
		verrs_invalid(e, f, q, "must not start with '..'");
}

/* The keys of a map of strings; returns the map (NULL if absent or wrong). */
static const cJSON *cfg_keys(const cJSON *obj, const char *bag, struct verrs *e)
{
	const cJSON *m = res_typed(obj, bag, bag, RES_STRMAP, e), *c;

	cJSON_ArrayForEach(c, m) cfg_check_key(e, bag, c->string);
	return m;
}

static bool cfg_true(const cJSON *obj, const char *key)
{
	return cJSON_IsTrue(res_get(obj, key));
}

/* The members of an immutable object may not change: `immutable` may not
 * be unset, nor the listed bags changed (NULL-terminated). */
static void cfg_check_immutable(const cJSON *obj, const cJSON *old, const char *const *bags,
				struct verrs *e)
{
	if (!old || !cfg_true(old, "immutable"))
		return;
	if (!cfg_true(obj, "immutable"))
		verrs_forbidden(e, "immutable", CFG_IMMUTABLE);
	for (; *bags; bags++) {
		const cJSON *a = res_get(obj, *bags), *b = res_get(old, *bags);

		/* an empty map is what a missing one decodes to */
		if (!cJSON_GetArraySize(a) && !cJSON_GetArraySize(b))
			continue;
		if (!a || !b || !cJSON_Compare(a, b, true))
			verrs_forbidden(e, *bags, CFG_IMMUTABLE);
	}
}

/* field.TooLong of the whole data: "Too long: must have at most N bytes". */
static void cfg_too_long(struct verrs *e, const char *field)
{
	verrs_add(e, "FieldValueTooLong", field, "Too long: must have at most %d bytes",
		  CFG_MAX_SIZE);
}

static cJSON *cfg_table_columns3(const char *mid_name, const char *mid_desc)
{
	const struct res_col cols[] = {
	    {"Name", "string", "name", 0, RES_DESC_NAME},
	    {mid_name, "string", "", 0, mid_desc},
	    {"Age", "string", "", 0, RES_DESC_AGE},
	};

	return res_columns(cols, 3);
}

static cJSON *cfg_cells3(const cJSON *obj, long long n, time_t now)
{
	cJSON *cells = cJSON_CreateArray();

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_int(cells, n);
	res_cell_age(cells, obj, now);
	return cells;
}

/* ============================================================ ConfigMap */

static int cm_decode(cJSON *obj, char *msg, size_t len)
{
	return cfg_decode_bytes(obj, "binaryData", "v1.ConfigMap.BinaryData", msg, len);
}

static void cm_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	static const char *const bags[] = {"data", "binaryData", NULL};
	const cJSON *data, *bin, *c;
	size_t total = 0;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	data = cfg_keys(obj, "data", e);
	bin = cfg_keys(obj, "binaryData", e);
	cJSON_ArrayForEach(c, data)
	{
		if (res_get(bin, c->string)) {
			char f[RES_PATH], q[RES_VAL];

			res_goquote(c->string, q, sizeof(q));
			verrs_invalid(e, res_pathf(f, "data[%s]", c->string), q,
				      "duplicate of key present in binaryData");
		}
		total += strlen(c->valuestring);
	}
	total += cfg_bytes_size(bin);
	/* the error is about the whole object: upstream's path "" prints [] */
	if (total > CFG_MAX_SIZE)
		cfg_too_long(e, "[]");
	res_typed(obj, "immutable", "immutable", RES_BOOL, e);
	cfg_check_immutable(obj, old, bags, e);
}

static cJSON *cm_table_columns(void)
{
	return cfg_table_columns3(
	    "Data",
	    "Data contains the configuration data. Each key must consist of alphanumeric "
	    "characters, '-', '_' or '.'. Values with non-UTF-8 byte sequences must use the "
	    "BinaryData field. The keys stored in Data must not overlap with the keys in the "
	    "BinaryData field, this is enforced during validation process.");
}

static cJSON *cm_table_cells(const cJSON *obj, time_t now)
{
	return cfg_cells3(obj,
			  cJSON_GetArraySize(res_get(obj, "data")) +
			      cJSON_GetArraySize(res_get(obj, "binaryData")),
			  now);
}

const struct res_type res_configmaps = {
    .plural = "configmaps",
    .singular = "configmap",
    .kind = "ConfigMap",
    .list_kind = "ConfigMapList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .short_names = {"cm", NULL},
    .unconditional_update = true,
    .decode = cm_decode,
    .validate = cm_validate,
    .table_columns = cm_table_columns,
    .table_cells = cm_table_cells,
};

/* =============================================================== Secret */

/* The v1 conversion: stringData is write-only, merged into data (its
 * values win) and never stored. */
static int secret_decode(cJSON *obj, char *msg, size_t len)
{
	const cJSON *sd = res_get(obj, "stringData"), *c;
	cJSON *data;
	int err = cfg_decode_bytes(obj, "data", "v1.Secret.Data", msg, len);

	if (err || !sd) {
		cJSON_DeleteItemFromObjectCaseSensitive(obj, "stringData");
		return err;
	}
	if (!cJSON_IsObject(sd)) {
		snprintf(msg, len, "v1.Secret.StringData: ReadMapCB: expect { or n");
		return -EINVAL;
	}
	cJSON_ArrayForEach(c, sd) if (!cJSON_IsString(c))
	{
		snprintf(msg, len, "v1.Secret.StringData: ReadString: expects \" or n");
		return -EINVAL;
	}
	data = res_obj_child(obj, "data");
	if (!data) /* a wrong-typed data: validation names it */
		return 0;
	cJSON_ArrayForEach(c, sd)
	{
		char *b = cfg_b64_encode(c->valuestring);

		if (!b) {
			snprintf(msg, len, "out of memory");
			return -ENOMEM;
		}
		res_set(data, c->string, cJSON_CreateString(b));
		free(b);
	}
	cJSON_DeleteItemFromObjectCaseSensitive(obj, "stringData");
	return 0;
}

static void secret_defaults(cJSON *obj)
{
	res_default_str(obj, "type", "Opaque");
}

static bool secret_has(const cJSON *data, const char *key)
{
	return res_get(data, key) != NULL;
}

/* A decoded []byte value's length (0 when absent). */
static size_t secret_len(const cJSON *data, const char *key)
{
	const cJSON *v = res_get(data, key);
	size_t n = 0;

	if (cJSON_IsString(v) && cfg_b64_check(v->valuestring, &n) >= 0)
		n = 0;
	return n;
}

/* The decoded bytes of data[key], malloc'd NUL-terminated, or NULL. */
static char *secret_bytes(const cJSON *data, const char *key)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const cJSON *v = res_get(data, key);
	unsigned acc = 0;
	int bits = 0;
	size_t o = 0;
	char *out;

	if (!cJSON_IsString(v))
		return NULL;
	out = malloc(strlen(v->valuestring) + 1);
	if (!out)
		return NULL;
	for (const char *p = v->valuestring; *p && *p != '='; p++) {
		const char *at = strchr(tab, *p);

		if (!at)
			continue; /* newlines */
		acc = acc << 6 | (unsigned)(at - tab);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)(acc >> bits & 0xff);
		}
	}
	out[o] = 0;
	return out;
}

/* .dockercfg / .dockerconfigjson: present, and a JSON object
 * (json.Unmarshal into map[string]interface{}). */
static void secret_check_json(const cJSON *data, const char *key, struct verrs *e)
{
	char f[RES_PATH], *raw;
	cJSON *doc;

	res_pathf(f, "data[%s]", key);
	if (!secret_has(data, key)) {
		verrs_required(e, f, "");
		return;
	}
	raw = secret_bytes(data, key);
	doc = raw ? cJSON_Parse(raw) : NULL;
	if (!raw || !raw[strspn(raw, " \t\r\n")])
		verrs_invalid(e, f, "\"<secret contents redacted>\"",
			      "unexpected end of JSON input");
	else if (!doc)
		verrs_invalid(e, f, "\"<secret contents redacted>\"",
			      "invalid character looking for beginning of value");
	else if (!cJSON_IsObject(doc))
		verrs_invalid(e, f, "\"<secret contents redacted>\"",
			      "json: cannot unmarshal value into Go value of type "
			      "map[string]interface {}");
	cJSON_Delete(doc);
	free(raw);
}

/* The per-type requirements of ValidateSecret. */
static void secret_validate_type(const cJSON *obj, const char *type, const cJSON *data,
				 struct verrs *e)
{
	if (!strcmp(type, "kubernetes.io/service-account-token")) {
		/* the token controller fills the rest in later */
		const cJSON *v = res_get(json_at(obj, "metadata.annotations"),
					 "kubernetes.io/service-account.name");

		if (!cJSON_IsString(v) || !v->valuestring[0])
			verrs_required(
			    e, "metadata.annotations[kubernetes.io/service-account.name]", "");
	} else if (!strcmp(type, "kubernetes.io/dockercfg")) {
		secret_check_json(data, ".dockercfg", e);
	} else if (!strcmp(type, "kubernetes.io/dockerconfigjson")) {
		secret_check_json(data, ".dockerconfigjson", e);
	} else if (!strcmp(type, "kubernetes.io/basic-auth")) {
		/* upstream's path is built from "data[%s]" unformatted: kept */
		if (!secret_has(data, "username") && !secret_has(data, "password")) {
			verrs_required(e, "data[%s][username]", "");
			verrs_required(e, "data[%s][password]", "");
		}
	} else if (!strcmp(type, "kubernetes.io/ssh-auth")) {
		if (!secret_len(data, "ssh-privatekey"))
			verrs_required(e, "data[%s][ssh-privatekey]", "");
	} else if (!strcmp(type, "kubernetes.io/tls")) {
		if (!secret_has(data, "tls.crt"))
			verrs_required(e, "data[tls.crt]", "");
		if (!secret_has(data, "tls.key"))
			verrs_required(e, "data[tls.key]", "");
	}
}

static void secret_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	static const char *const bags[] = {"data", NULL};
	const cJSON *data, *type;

	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	data = cfg_keys(obj, "data", e);
	if (cfg_bytes_size(data) > CFG_MAX_SIZE)
		cfg_too_long(e, "data");
	type = res_typed(obj, "type", "type", RES_STR, e);
	if (type)
		secret_validate_type(obj, type->valuestring, data, e);
	if (old && type) {
		const char *ot = json_str(old, "type");

		if (ot && strcmp(ot, type->valuestring)) {
			char q[RES_VAL];

			res_goquote(type->valuestring, q, sizeof(q));
			verrs_invalid(e, "type", q, "field is immutable");
		}
	}
	res_typed(obj, "immutable", "immutable", RES_BOOL, e);
	cfg_check_immutable(obj, old, bags, e);
}

static const struct res_col secret_cols[] = {
    {"Name", "string", "name", 0, RES_DESC_NAME},
    {"Type", "string", "", 0, "Used to facilitate programmatic handling of secret data."},
    {"Data", "string", "", 0,
     "Data contains the secret data. Each key must consist of alphanumeric characters, '-', '_' "
     "or '.'. The serialized form of the secret data is a base64 encoded string, representing "
     "the arbitrary (possibly non-string) data value here. Described in "
     "https://tools.ietf.org/html/rfc4648#section-4"},
    {"Age", "string", "", 0, RES_DESC_AGE},
};

static cJSON *secret_table_columns(void)
{
	return res_columns(secret_cols, (int)(sizeof(secret_cols) / sizeof(secret_cols[0])));
}

static cJSON *secret_table_cells(const cJSON *obj, time_t now)
{
	cJSON *cells = cJSON_CreateArray();

	res_cell_str(cells, json_str(obj, "metadata.name"));
	res_cell_str(cells, json_str(obj, "type"));
	res_cell_int(cells, cJSON_GetArraySize(res_get(obj, "data")));
	res_cell_age(cells, obj, now);
	return cells;
}

static const char *const secret_fields[] = {"type", NULL};

const struct res_type res_secrets = {
    .plural = "secrets",
    .singular = "secret",
    .kind = "Secret",
    .list_kind = "SecretList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .unconditional_update = true,
    .field_selectors = secret_fields,
    .decode = secret_decode,
    .defaults = secret_defaults,
    .validate = secret_validate,
    .table_columns = secret_table_columns,
    .table_cells = secret_table_cells,
};

/* ======================================================= ServiceAccount */

/* A list of object references: each an object with a string name. */
static void sa_check_refs(const cJSON *obj, const char *key, struct verrs *e)
{
	const cJSON *c;
	char f[RES_PATH], nf[RES_PATH];
	int i = 0;

	cJSON_ArrayForEach(c, res_typed(obj, key, key, RES_ARR, e))
	{
		res_pathf(f, "%s[%d]", key, i++);
		if (res_check_type(c, f, RES_OBJ, e))
			res_typed(c, "name", res_pathf(nf, "%s.name", f), RES_STR, e);
	}
}

static void sa_validate(const cJSON *obj, const cJSON *old, struct verrs *e)
{
	res_validate_meta(obj, old, RES_DNS1123_SUBDOMAIN, e);
	sa_check_refs(obj, "secrets", e);
	sa_check_refs(obj, "imagePullSecrets", e);
	res_typed(obj, "automountServiceAccountToken", "automountServiceAccountToken", RES_BOOL, e);
}

static cJSON *sa_table_columns(void)
{
	return cfg_table_columns3(
	    "Secrets", "Secrets is the list of secrets allowed to be used by pods running using "
		       "this ServiceAccount. More info: "
		       "https://kubernetes.io/docs/concepts/configuration/secret");
}

static cJSON *sa_table_cells(const cJSON *obj, time_t now)
{
	return cfg_cells3(obj, cJSON_GetArraySize(RES_ARR(res_get(obj, "secrets"))), now);
}

const struct res_type res_serviceaccounts = {
    .plural = "serviceaccounts",
    .singular = "serviceaccount",
    .kind = "ServiceAccount",
    .list_kind = "ServiceAccountList",
    .group = "",
    .version = "v1",
    .api_version = "v1",
    .namespaced = true,
    .has_token = true,
    .short_names = {"sa", NULL},
    .unconditional_update = true,
    .validate = sa_validate,
    .table_columns = sa_table_columns,
    .table_cells = sa_table_cells,
};
