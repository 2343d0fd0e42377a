/* Unit tests for ConfigMap, Secret, ServiceAccount and Lease (registry/
 * res_config.c, res_coordination.c): the decode hooks (Go's base64 offsets,
 * stringData folding, MicroTime parsing), defaults and every upstream
 * validation message. Fixtures are JSON written with ' for ". */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <cjson/cJSON.h>
#include "registry/resource.h"
#include "registry/verrs.h"

static cJSON *parse_q(const char *s)
{
	char *d = strdup(s);
	cJSON *o;

	for (char *p = d; *p; p++)
		if (*p == '\'')
			*p = '"';
	o = cJSON_Parse(d);
	free(d);
	assert_non_null(o);
	return o;
}

static const struct res_type *rt_of(const char *plural)
{
	for (int i = 0; i < res_ntypes; i++)
		if (!strcmp(res_types[i]->plural, plural))
			return res_types[i];
	fail_msg("no resource %s", plural);
	return NULL;
}

/* decode, defaults, validate: the API's order. Returns decode's result. */
static int run(const char *plural, cJSON *obj, cJSON *old, char *msg, struct verrs *e)
{
	const struct res_type *rt = rt_of(plural);
	int rc = rt->decode ? rt->decode(obj, msg, 512) : 0;

	memset(e, 0, sizeof(*e));
	if (rc)
		return rc;
	if (rt->defaults) {
		rt->defaults(obj);
		if (old)
			rt->defaults(old);
	}
	rt->validate(obj, old, e);
	return 0;
}

struct vcase {
	const char *res, *obj, *old;
	const char *field; /* NULL: valid */
	const char *msg;   /* the first cause's message */
};

#define MD "'metadata':{'name':'x','namespace':'default'}"
#define KEYMSG                                                                                     \
	"a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "       \
	"'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is "                \
	"'[-._a-zA-Z0-9]+')"

static const struct vcase cases[] = {
    {"configmaps", "{" MD ",'data':{'a.b_C-1':'v'},'binaryData':{'bin':'AAE='}}", NULL, NULL, NULL},
    {"configmaps", "{" MD ",'data':{'a/b':'v'}}", NULL, "data[a/b]",
     "Invalid value: \"a/b\": " KEYMSG},
    {"configmaps", "{" MD ",'data':{'':'v'}}", NULL, "data[]", "Invalid value: \"\": " KEYMSG},
    {"configmaps", "{" MD ",'data':{'.':'v'}}", NULL, "data[.]",
     "Invalid value: \".\": must not be '.'"},
    {"configmaps", "{" MD ",'binaryData':{'..a':''}}", NULL, "binaryData[..a]",
     "Invalid value: \"..a\": must not start with '..'"},
    {"configmaps", "{" MD ",'data':{'k':'1'},'binaryData':{'k':''}}", NULL, "data[k]",
     "Invalid value: \"k\": duplicate of key present in binaryData"},
    {"configmaps", "{" MD ",'data':{'k':1}}", NULL, "data",
     "Invalid value: {\"k\":1}: must be a map of strings"},
    {"configmaps", "{" MD ",'immutable':'yes'}", NULL, "immutable",
     "Invalid value: \"yes\": must be a boolean"},
    {"configmaps", "{" MD ",'data':{'a':'2'},'immutable':true}",
     "{" MD ",'data':{'a':'1'},'immutable':true}", "data",
     "Forbidden: field is immutable when `immutable` is set"},
    {"configmaps", "{" MD ",'data':{'a':'1'}}", "{" MD ",'data':{'a':'1'},'immutable':true}",
     "immutable", "Forbidden: field is immutable when `immutable` is set"},
    {"configmaps", "{" MD ",'data':{'a':'1'},'immutable':true,'metadata':{'name':'x'}}",
     "{" MD ",'data':{'a':'1'},'immutable':true}", NULL, NULL},
    {"configmaps", "{" MD ",'data':{'a':'2'}}", "{" MD ",'data':{'a':'1'},'immutable':false}", NULL,
     NULL},
    {"secrets", "{" MD ",'data':{'k':'dg=='}}", NULL, NULL, NULL},
    {"secrets", "{" MD ",'data':{'a b':'dg=='}}", NULL, "data[a b]",
     "Invalid value: \"a b\": " KEYMSG},
    {"secrets", "{" MD ",'type':'kubernetes.io/tls','data':{'tls.key':''}}", NULL, "data[tls.crt]",
     "Required value"},
    {"secrets", "{" MD ",'type':'kubernetes.io/tls','data':{'tls.crt':'','tls.key':''}}", NULL,
     NULL, NULL},
    {"secrets", "{" MD ",'type':'kubernetes.io/service-account-token'}", NULL,
     "metadata.annotations[kubernetes.io/service-account.name]", "Required value"},
    {"secrets",
     "{'metadata':{'name':'x','annotations':{'kubernetes.io/service-account.name':'sa'}},"
     "'type':'kubernetes.io/service-account-token'}",
     NULL, NULL, NULL},
    {"secrets", "{" MD ",'type':'kubernetes.io/dockerconfigjson'}", NULL, "data[.dockerconfigjson]",
     "Required value"},
    {"secrets",
     "{" MD ",'type':'kubernetes.io/dockerconfigjson','data':{'.dockerconfigjson':"
     "'W10='}}",
     NULL, "data[.dockerconfigjson]",
     "Invalid value: \"<secret contents redacted>\": json: cannot unmarshal value into Go "
     "value of type map[string]interface {}"},
    {"secrets",
     "{" MD ",'type':'kubernetes.io/dockerconfigjson','data':{'.dockerconfigjson':"
     "'eyJhdXRocyI6e319'}}",
     NULL, NULL, NULL},
    {"secrets", "{" MD ",'type':'kubernetes.io/dockercfg','data':{'.dockercfg':''}}", NULL,
     "data[.dockercfg]",
     "Invalid value: \"<secret contents redacted>\": unexpected end of JSON input"},
    {"secrets", "{" MD ",'type':'kubernetes.io/basic-auth','data':{}}", NULL, "data[%s][username]",
     "Required value"},
    {"secrets", "{" MD ",'type':'kubernetes.io/basic-auth','data':{'password':''}}", NULL, NULL,
     NULL},
    {"secrets", "{" MD ",'type':'kubernetes.io/ssh-auth','data':{'ssh-privatekey':''}}", NULL,
     "data[%s][ssh-privatekey]", "Required value"},
    {"secrets", "{" MD ",'type':'custom/x'}", "{" MD ",'type':'Opaque'}", "type",
     "Invalid value: \"custom/x\": field is immutable"},
    {"secrets", "{" MD ",'data':{'k':'dw=='},'immutable':true}",
     "{" MD ",'data':{'k':'dg=='},'immutable':true}", "data",
     "Forbidden: field is immutable when `immutable` is set"},
    {"serviceaccounts", "{" MD ",'secrets':[{'name':'t'}],'imagePullSecrets':[{'name':'r'}]}", NULL,
     NULL, NULL},
    {"serviceaccounts", "{" MD ",'secrets':[{'name':1}]}", NULL, "secrets[0].name",
     "Invalid value: 1: must be a string"},
    {"serviceaccounts", "{'metadata':{'name':'Bad_Name'}}", NULL, "metadata.name", NULL},
    {"leases",
     "{" MD ",'spec':{'holderIdentity':'h','leaseDurationSeconds':15,'leaseTransitions':0,"
     "'renewTime':'2024-01-01T00:00:00.000000Z'}}",
     NULL, NULL, NULL},
    {"leases", "{" MD ",'spec':{'leaseDurationSeconds':0}}", NULL, "spec.leaseDurationSeconds",
     "Invalid value: 0: must be greater than 0"},
    {"leases", "{" MD ",'spec':{'leaseTransitions':-1}}", NULL, "spec.leaseTransitions",
     "Invalid value: -1: must be greater than or equal to 0"},
    {"leases", "{" MD ",'spec':{'holderIdentity':5}}", NULL, "spec.holderIdentity",
     "Invalid value: 5: must be a string"},
    {"leases", "{" MD ",'spec':[]}", NULL, "spec", "Invalid value: []: must be an object"},
};

static void test_cases(void **state)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct vcase *c = &cases[i];
		cJSON *obj = parse_q(c->obj), *old = c->old ? parse_q(c->old) : NULL;
		char msg[512] = "";
		struct verrs e;

		assert_int_equal(run(c->res, obj, old, msg, &e), 0);
		if (!c->field) {
			if (e.n)
				fail_msg("case %zu: unexpected %s: %s", i, e.e[0].field,
					 e.e[0].message);
		} else {
			if (!e.n)
				fail_msg("case %zu: no error, want %s", i, c->field);
			assert_string_equal(e.e[0].field, c->field);
			if (c->msg)
				assert_string_equal(e.e[0].message, c->msg);
		}
		cJSON_Delete(obj);
		cJSON_Delete(old);
	}
}

/* The size bound: data's length plus binaryData's decoded length. */
static void test_size(void **state)
{
	cJSON *cm = parse_q("{" MD "}"), *data = cJSON_AddObjectToObject(cm, "data");
	char *big = malloc(1048577), msg[512];
	struct verrs e;

	assert_non_null(big);
	memset(big, 'a', 1048576);
	big[1048576] = 0;
	cJSON_AddStringToObject(data, "a", big);
	run("configmaps", cm, NULL, msg, &e);
	assert_int_equal(e.n, 0); /* exactly 1 MiB is allowed */
	cJSON_AddStringToObject(data, "b", "x");
	run("configmaps", cm, NULL, msg, &e);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.e[0].field, "[]");
	assert_string_equal(e.e[0].reason, "FieldValueTooLong");
	assert_string_equal(e.e[0].message, "Too long: must have at most 1048576 bytes");
	cJSON_Delete(cm);

	/* a Secret counts decoded bytes: 4/3 of a MiB of base64 is a MiB */
	{
		size_t n = 1048576 / 3 * 4 + 4;
		cJSON *s = parse_q("{" MD "}"), *sd;

		free(big);
		big = malloc(n + 1);
		assert_non_null(big);
		memset(big, 'A', n);
		big[n] = 0;
		sd = cJSON_AddObjectToObject(s, "data");
		cJSON_AddStringToObject(sd, "k", big);
		run("secrets", s, NULL, msg, &e);
		assert_int_equal(e.n, 1);
		assert_string_equal(e.e[0].field, "data");
		assert_string_equal(e.e[0].message, "Too long: must have at most 1048576 bytes");
		cJSON_Delete(s);
	}
	free(big);
}

/* Go's base64.StdEncoding offsets, as encoding/json reports them. */
static void test_base64(void **state)
{
	static const struct {
		const char *v;
		int at; /* -1: valid */
	} b[] = {
	    {"", -1},	     {"dg==", -1},   {"dmE=", -1},   {"dmFs", -1}, {"dm\nFs\r\n", -1},
	    {"billy", 4},    {"d", 0},	     {"dg", 0},	     {"dg=", 3},   {"d===", 1},
	    {"dg==dg==", 4}, {"dg==\n", -1}, {"dg=\n=", -1}, {"dmFs!", 4}, {"dm-s", 2},
	    {"dmFsdWU", 4},  {"=", 0},	     {"dg==x", 4},   {"dg=x", 2},  {"dmF=x", 4},
	};

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		cJSON *s = parse_q("{" MD ",'data':{}}");
		char msg[512] = "", want[128];
		struct verrs e;
		int rc;

		cJSON_AddStringToObject(cJSON_GetObjectItem(s, "data"), "k", b[i].v);
		rc = run("secrets", s, NULL, msg, &e);
		if (b[i].at < 0) {
			if (rc)
				fail_msg("%zu %s: %s", i, b[i].v, msg);
		} else {
			snprintf(
			    want, sizeof(want),
			    "v1.Secret.Data: decode base64: illegal base64 data at input byte %d",
			    b[i].at);
			if (rc != -EINVAL || strcmp(msg, want))
				fail_msg("%zu %s: got %d %s", i, b[i].v, rc, msg);
		}
		cJSON_Delete(s);
	}
}

static void test_secret_decode(void **state)
{
	cJSON *s = parse_q("{" MD ",'data':{'a':'MQ==','b':'Mg=='},'stringData':{'b':'two','c':"
			   "'','d':'\\u00e9t\\u00e9'}}");
	char msg[512] = "", *out;
	struct verrs e;

	assert_int_equal(run("secrets", s, NULL, msg, &e), 0);
	assert_int_equal(e.n, 0);
	out = cJSON_PrintUnformatted(s);
	assert_string_equal(out, "{\"metadata\":{\"name\":\"x\",\"namespace\":\"default\"},"
				 "\"data\":{\"a\":\"MQ==\",\"b\":\"dHdv\",\"c\":\"\",\"d\":"
				 "\"w6l0w6k=\"},\"type\":\"Opaque\"}");
	free(out);
	cJSON_Delete(s);

	s = parse_q("{" MD ",'stringData':{'k':1}}");
	assert_int_equal(run("secrets", s, NULL, msg, &e), -EINVAL);
	cJSON_Delete(s);
	s = parse_q("{" MD ",'binaryData':{'k':'a'}}");
	assert_int_equal(run("configmaps", s, NULL, msg, &e), -EINVAL);
	assert_string_equal(
	    msg, "v1.ConfigMap.BinaryData: decode base64: illegal base64 data at input byte 0");
	cJSON_Delete(s);
}

/* MicroTime: Go's time.Parse(RFC3339Micro) errors, and UTC on success. */
static void test_microtime(void **state)
{
	static const struct {
		const char *in, *want; /* want: the stored value, or the error's tail */
	} m[] = {
	    {"2024-01-01T00:00:00.000001Z", "2024-01-01T00:00:00.000001Z"},
	    {"2024-03-01T01:30:00.250000+02:00", "2024-02-29T23:30:00.250000Z"},
	    {"2023-12-31T23:00:00.000000-01:30", "2024-01-01T00:30:00.000000Z"},
	    {"2024-01-01T00:00:00Z", "as \"2006-01-02T15:04:05.000000Z07:00\": cannot parse \"Z\" "
				     "as \".000000\""},
	    {"2024-01-01T00:00:00.123Z", "cannot parse \".123Z\" as \".000000\""},
	    {"2024-01-01", "cannot parse \"\" as \"T\""},
	    {"24-01-01T00:00:00.000000Z", "cannot parse \"24-01-01T00:00:00.000000Z\" as \"2006\""},
	    {"2024-1-01T00:00:00.000000Z", "cannot parse \"1-01T00:00:00.000000Z\" as \"01\""},
	    {"2024-00-01T00:00:00.000000Z", ": month out of range"},
	    {"2023-02-29T00:00:00.000000Z", ": day out of range"},
	    {"2024-01-01T24:00:00.000000Z", ": hour out of range"},
	    {"2024-01-01T00:00:00.000000", "cannot parse \"\" as \"Z07:00\""},
	    {"2024-01-01T00:00:00.000000Zjunk", ": extra text: \"junk\""},
	    {"2024-01-01T00:00:00.000000+0100", "cannot parse \"+0100\" as \"Z07:00\""},
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		cJSON *l = parse_q("{" MD ",'spec':{}}");
		char msg[512] = "";
		struct verrs e;
		int rc;

		cJSON_AddStringToObject(cJSON_GetObjectItem(l, "spec"), "renewTime", m[i].in);
		rc = run("leases", l, NULL, msg, &e);
		if (!strncmp(m[i].want, "20", 2)) {
			const cJSON *v =
			    cJSON_GetObjectItem(cJSON_GetObjectItem(l, "spec"), "renewTime");

			if (rc || strcmp(v->valuestring, m[i].want))
				fail_msg("%s: got %d %s / %s", m[i].in, rc, msg, v->valuestring);
		} else {
			size_t n = strlen(msg), w = strlen(m[i].want);

			if (!rc || strncmp(msg, "parsing time \"", 14) || n < w ||
			    strcmp(msg + n - w, m[i].want))
				fail_msg("%s: got %d %s", m[i].in, rc, msg);
		}
		cJSON_Delete(l);
	}
	{
		cJSON *l = parse_q("{" MD ",'spec':{'acquireTime':5}}");
		char msg[512] = "";
		struct verrs e;

		assert_int_equal(run("leases", l, NULL, msg, &e), -EINVAL);
		assert_string_equal(msg,
				    "json: cannot unmarshal number into Go value of type string");
		cJSON_Delete(l);
	}
}

static void test_tables(void **state)
{
	static const struct {
		const char *res, *obj, *cells;
	} t[] = {
	    {"configmaps", "{" MD ",'data':{'a':'1'},'binaryData':{'b':''}}", "[\"x\",2,"},
	    {"secrets", "{" MD ",'type':'Opaque','data':{'a':''}}", "[\"x\",\"Opaque\",1,"},
	    {"serviceaccounts", "{" MD ",'secrets':[{'name':'a'},{'name':'b'}]}", "[\"x\",2,"},
	    {"leases", "{" MD ",'spec':{'holderIdentity':'me'}}", "[\"x\",\"me\","},
	    {"leases", "{" MD "}", "[\"x\",\"\","},
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		const struct res_type *rt = rt_of(t[i].res);
		cJSON *obj = parse_q(t[i].obj), *cols = rt->table_columns(),
		      *cells = rt->table_cells(obj, 0);
		char *s = cJSON_PrintUnformatted(cells);

		assert_int_equal(cJSON_GetArraySize(cols), cJSON_GetArraySize(cells));
		if (strncmp(s, t[i].cells, strlen(t[i].cells)))
			fail_msg("%s: %s", t[i].res, s);
		free(s);
		cJSON_Delete(obj);
		cJSON_Delete(cols);
		cJSON_Delete(cells);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cases),     cmocka_unit_test(test_size),
	    cmocka_unit_test(test_base64),    cmocka_unit_test(test_secret_decode),
	    cmocka_unit_test(test_microtime), cmocka_unit_test(test_tables),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
