/* Unit tests for controlplane/schema/schema_pb.c: kubectl 1.32's golden
 * protobuf bodies decode to the JSON kubectl itself prints for the same
 * objects; every truncated and corrupted variant is an error (or a valid
 * smaller object), never a crash; every kind of field, the error paths and
 * the bounds (depth, output size, report size). */
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
#include "schema/schema_pb.h"
#include "schema_test_types.h"
#include "schema_vectors.h"

/* A recursive type, for the depth bound. */
static const struct sch_type t_Nest;
static const struct sch_field t_Nest_f[] = {
    T_TYPEMETA,
    T_O("child", 1, t_Nest, 0),
};
static const struct sch_type t_Nest = {.name = "io.k8s.test.v1.Nest",
				       .flags = 0,
				       SCH_FIELDS(t_Nest_f),
				       .group = "test.skiff.io",
				       .version = "v1",
				       .kind = "Nest"};

const struct sch_type *const sch_types[] = {&t_Deployment, &t_Service, &t_Secret, &t_ConfigMap,
					    &t_Namespace,  &t_Kinds,   &t_Nest,	  &t_DeleteOptions};
const size_t sch_ntypes = sizeof(sch_types) / sizeof(sch_types[0]);

/* --- a small protobuf writer for building bodies --- */
struct pw {
	uint8_t b[1 << 16];
	size_t n;
};

static void pw_varint(struct pw *w, uint64_t v)
{
	do {
		w->b[w->n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
		v >>= 7;
	} while (v);
}

static void pw_tag(struct pw *w, uint32_t f, unsigned wt)
{
	pw_varint(w, ((uint64_t)f << 3) | wt);
}

static void pw_bytes(struct pw *w, uint32_t f, const void *p, size_t n)
{
	pw_tag(w, f, 2);
	pw_varint(w, n);
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void pw_str(struct pw *w, uint32_t f, const char *s)
{
	pw_bytes(w, f, s, strlen(s));
}

static void pw_msg(struct pw *w, uint32_t f, const struct pw *m)
{
	pw_bytes(w, f, m->b, m->n);
}

static void pw_int(struct pw *w, uint32_t f, uint64_t v)
{
	pw_tag(w, f, 0);
	pw_varint(w, v);
}

/* The k8s envelope around raw. */
static void pw_envelope(struct pw *out, const char *api_version, const char *kind,
			const struct pw *raw)
{
	static struct pw tm;

	tm.n = 0;
	pw_str(&tm, 1, api_version);
	pw_str(&tm, 2, kind);
	memcpy(out->b, "k8s\0", 4);
	out->n = 4;
	pw_msg(out, 1, &tm);
	if (raw)
		pw_msg(out, 2, raw);
}

/* Decode, and return the JSON text (caller frees) or NULL with rc set. */
static char *decode(const void *body, size_t len, size_t max, int *rc, struct sch_report *rep)
{
	cJSON *obj = NULL;
	char *s;

	sch_report_init(rep);
	*rc = sch_pb_decode(body, len, max, &obj, NULL, rep);
	if (*rc) {
		assert_null(obj);
		return NULL;
	}
	s = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	return s;
}

static void test_golden(void **state)
{
	static const struct {
		const char *name;
		const unsigned char *pb;
		size_t len;
		const char *json;
	} vecs[] = {
	    {"deployment", vec_deployment_pb, sizeof(vec_deployment_pb), vec_deployment_json},
	    {"service", vec_service_pb, sizeof(vec_service_pb), vec_service_json},
	    {"nodeport", vec_nodeport_pb, sizeof(vec_nodeport_pb), vec_nodeport_json},
	    {"secret", vec_secret_pb, sizeof(vec_secret_pb), vec_secret_json},
	    {"namespace", vec_namespace_pb, sizeof(vec_namespace_pb), vec_namespace_json},
	    {"configmap", vec_configmap_pb, sizeof(vec_configmap_pb), vec_configmap_json},
	};
	struct sch_report rep;

	for (size_t i = 0; i < sizeof(vecs) / sizeof(vecs[0]); i++) {
		int rc;
		char *s = decode(vecs[i].pb, vecs[i].len, 1 << 20, &rc, &rep);

		if (rc || strcmp(s, vecs[i].json) || rep.n)
			fail_msg("%s: rc %d, %u findings (%s)\n got  %s\n want %s", vecs[i].name,
				 rc, rep.n, rep.n ? rep.msg[0].text : "", s ? s : "-",
				 vecs[i].json);
		free(s);
	}
}

/* Every prefix of a golden body: an error naming what is cut, or (cut
 * between two envelope fields) a smaller valid object; never a crash. */
static void test_truncated(void **state)
{
	const unsigned char *pb = vec_deployment_pb;
	size_t len = sizeof(vec_deployment_pb), errors = 0;
	struct sch_report rep;
	int rc;
	char *s;

	for (size_t n = 0; n < len; n++) {
		s = decode(pb, n, 1 << 20, &rc, &rep);
		if (rc) {
			assert_int_equal(rc, -EINVAL);
			assert_true(rep.nerr >= 1);
			assert_true(*sch_report_error(&rep));
			errors++;
		}
		free(s);
	}
	/* the envelope's field 2 (raw) starts at byte 27 and ends 4 bytes
	 * before the end: every cut inside it is an error */
	assert_true(errors >= len - 4 - 27);
	s = decode(pb, 100, 1 << 20, &rc, &rep);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(sch_report_error(&rep),
			    "truncated field (161 bytes declared, 70 left)");
	assert_null(s);
}

/* Every byte of a golden body replaced by a few values: no crash, no leak,
 * and an error always says something. */
static void test_corrupted(void **state)
{
	static const uint8_t vals[] = {0x00, 0x01, 0x07, 0x7f, 0x80, 0xff, 0x0b, 0x12};
	unsigned char b[sizeof(vec_service_pb)];
	struct sch_report rep;

	for (size_t i = 0; i < sizeof(b); i++) {
		for (size_t v = 0; v < sizeof(vals); v++) {
			int rc;
			char *s;

			memcpy(b, vec_service_pb, sizeof(b));
			b[i] = vals[v];
			s = decode(b, sizeof(b), 1 << 20, &rc, &rep);
			assert_true(rc == 0 || rc == -EINVAL);
			if (rc)
				assert_true(*sch_report_error(&rep));
			else
				assert_non_null(s);
			free(s);
		}
	}
}

/* Service with spec.ports[0] = port. */
static void service_with_port(struct pw *body, const uint8_t *port, size_t portlen)
{
	static struct pw sp, spec, raw;

	sp.n = spec.n = raw.n = 0;
	pw_str(&sp, 1, "http");
	memcpy(sp.b + sp.n, port, portlen);
	sp.n += portlen;
	pw_msg(&spec, 1, &sp);
	pw_msg(&raw, 2, &spec);
	pw_envelope(body, "v1", "Service", &raw);
}

static void test_error_paths(void **state)
{
	/* spec.ports[0] bytes after its name -> the error */
	static const struct {
		uint8_t b[12];
		size_t n;
		const char *err;
	} bad[] = {
	    {{0x18, 0x80}, 2, "spec.ports[0].port: truncated varint"},
	    {{0x1a, 0x01, 'x'}, 3, "spec.ports[0].port: protobuf wire type 2, want 0"},
	    {{0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},
	     12,
	     "spec.ports[0].port: varint longer than 10 bytes"},
	    {{0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02},
	     11,
	     "spec.ports[0].port: varint overflows 64 bits"},
	    {{0x9b, 0x06}, 2, "spec.ports[0]: invalid protobuf wire type 3"}, /* field 99 */
	    {{0x00, 0x01}, 2, "spec.ports[0]: invalid protobuf field number 0"},
	    {{0x22, 0x05, 0x08},
	     3,
	     "spec.ports[0].targetPort: truncated field (5 bytes declared, 1 left)"},
	};
	static struct pw body, spec, raw, sp;
	struct sch_report rep;
	int rc;
	char *s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		service_with_port(&body, bad[i].b, bad[i].n);
		s = decode(body.b, body.n, 1 << 20, &rc, &rep);
		if (rc != -EINVAL || strcmp(sch_report_error(&rep), bad[i].err))
			fail_msg("case %zu: rc %d '%s', want '%s'", i, rc, sch_report_error(&rep),
				 bad[i].err);
	}

	/* an unknown field is reported with its number and decoding goes on */
	sp.n = spec.n = raw.n = 0;
	pw_int(&sp, 3, 80);
	pw_int(&sp, 42, 1);
	pw_msg(&spec, 1, &sp);
	pw_int(&spec, 99, 7);
	pw_str(&spec, 4, "NodePort");
	pw_msg(&raw, 2, &spec);
	pw_int(&raw, 77, 1);
	pw_envelope(&body, "v1", "Service", &raw);
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "{\"kind\":\"Service\",\"apiVersion\":\"v1\",\"spec\":{\"ports\":[{"
			       "\"port\":80}],\"type\":\"NodePort\"}}");
	free(s);
	assert_int_equal(rep.n, 3);
	assert_int_equal(rep.nfield, 3);
	assert_int_equal(rep.nerr, 0);
	assert_string_equal(rep.msg[0].text, "unknown field (protobuf field 42) in spec.ports[0]");
	assert_string_equal(rep.msg[1].text, "unknown field (protobuf field 99) in spec");
	assert_string_equal(rep.msg[2].text, "unknown field (protobuf field 77)");
}

static void test_envelope(void **state)
{
	static struct pw body, tm, raw;
	struct sch_report rep;
	int rc;
	char *s;

	s = decode("{\"kind\":1}", 10, 1 << 20, &rc, &rep);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(sch_report_error(&rep), "the body does not start with the Kubernetes "
						    "protobuf prefix \"k8s\\x00\"");
	pw_envelope(&body, "v1", "Foo", NULL);
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(sch_report_error(&rep),
			    "no kind \"Foo\" is registered for version \"v1\"");
	/* Service is core, not apps */
	pw_envelope(&body, "apps/v1", "Service", NULL);
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, -EINVAL);

	memcpy(body.b, "k8s\0", 4);
	body.n = 4;
	tm.n = 0;
	pw_str(&tm, 1, "v1");
	pw_msg(&body, 1, &tm);
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(sch_report_error(&rep), "Object 'Kind' is missing in protobuf body");

	raw.n = 0;
	pw_envelope(&body, "v1", "Namespace", &raw);
	pw_str(&body, 3, "gzip");
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(sch_report_error(&rep),
			    "unsupported protobuf content encoding \"gzip\"");

	/* the meta/v1 option kinds decode under any group version */
	raw.n = 0;
	pw_int(&raw, 1, 0);
	pw_str(&raw, 4, "Background");
	pw_str(&raw, 5, "All");
	pw_envelope(&body, "apps/v1", "DeleteOptions", &raw);
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "{\"kind\":\"DeleteOptions\",\"apiVersion\":\"apps/v1\","
			       "\"gracePeriodSeconds\":0,\"propagationPolicy\":\"Background\","
			       "\"dryRun\":[\"All\"]}");
	free(s);
}

/* Kinds object: one field per kind. */
static char *decode_kinds(const struct pw *raw, int *rc, struct sch_report *rep)
{
	static struct pw body;

	pw_envelope(&body, "test.skiff.io/v1", "Kinds", raw);
	return decode(body.b, body.n, 1 << 20, rc, rep);
}

static void test_kinds(void **state)
{
	static struct pw raw, m, e;
	const double dbl = 2.5;
	struct sch_report rep;
	uint64_t bits;
	int rc;
	char *s;

	raw.n = 0;
	pw_int(&raw, 1, 1);
	pw_int(&raw, 2, (uint64_t)(int64_t)-5); /* int32 -5: 10-byte varint */
	pw_int(&raw, 3, 1234567890123ull);
	memcpy(&bits, &dbl, 8);
	pw_tag(&raw, 4, 1);
	for (int i = 0; i < 8; i++)
		raw.b[raw.n++] = (uint8_t)(bits >> (8 * i));
	pw_bytes(&raw, 5, "hi!?", 4);
	m.n = 0;
	pw_int(&m, 1, 1);
	pw_str(&m, 3, "http");
	pw_msg(&raw, 6, &m);
	m.n = 0;
	pw_str(&m, 1, "100m");
	pw_msg(&raw, 7, &m);
	m.n = 0;
	pw_int(&m, 1, 1704164645); /* 2024-01-02T03:04:05Z */
	pw_int(&m, 2, 999);	   /* Time drops nanos */
	pw_msg(&raw, 8, &m);
	m.n = 0;
	pw_int(&m, 1, 1704164645);
	pw_int(&m, 2, 123456789);
	pw_msg(&raw, 9, &m);
	m.n = 0;
	pw_int(&m, 1, 3723500000000ull); /* 1h2m3.5s */
	pw_msg(&raw, 10, &m);
	m.n = 0;
	pw_str(&m, 1, "{\"a\":[1,\"x\"]}");
	pw_msg(&raw, 11, &m);
	pw_int(&raw, 12, 1); /* unpacked */
	m.n = 0;
	pw_varint(&m, 2);
	pw_varint(&m, 300);
	pw_msg(&raw, 12, &m); /* packed */
	pw_int(&raw, 12, 4);
	pw_str(&raw, 13, "a");
	pw_str(&raw, 13, "");
	/* map entries {1 key, 2 Quantity{1 string}}; the second has no value */
	m.n = e.n = 0;
	pw_str(&m, 1, "2");
	pw_str(&e, 1, "cpu");
	pw_msg(&e, 2, &m);
	pw_msg(&raw, 14, &e);
	e.n = 0;
	pw_str(&e, 1, "memory");
	pw_msg(&raw, 14, &e);
	pw_str(&raw, 18, ""); /* omitempty */
	s = decode_kinds(&raw, &rc, &rep);
	assert_int_equal(rc, 0);
	assert_string_equal(
	    s,
	    "{\"kind\":\"Kinds\",\"apiVersion\":\"test.skiff.io/v1\",\"b\":true,\"i32\":-5,"
	    "\"i64\":1234567890123,\"d\":2.5,\"bytes\":\"aGkhPw==\",\"ios\":\"http\","
	    "\"q\":\"100m\",\"t\":\"2024-01-02T03:04:05Z\",\"mt\":\"2024-01-02T03:04:05.123456Z\","
	    "\"dur\":\"1h2m3.5s\",\"raw\":{\"a\":[1,\"x\"]},\"ints\":[1,2,300,4],"
	    "\"strs\":[\"a\",\"\"],\"qmap\":{\"cpu\":\"2\",\"memory\":\"0\"}}");
	free(s);
	assert_int_equal(rep.n, 0);
}

/* Smaller kind cases: input field(s) -> JSON of the Kinds object after
 * kind/apiVersion, or an error text. */
static void check_kinds(const struct pw *raw, const char *want_json, const char *want_err)
{
	struct sch_report rep;
	char want[512];
	int rc;
	char *s = decode_kinds(raw, &rc, &rep);

	if (want_err) {
		if (rc != -EINVAL || strcmp(sch_report_error(&rep), want_err))
			fail_msg("rc %d err '%s', want '%s'", rc, sch_report_error(&rep), want_err);
		return;
	}
	snprintf(want, sizeof(want), "{\"kind\":\"Kinds\",\"apiVersion\":\"test.skiff.io/v1\"%s%s}",
		 *want_json ? "," : "", want_json);
	if (rc || strcmp(s, want))
		fail_msg("rc %d (%s)\n got  %s\n want %s", rc, sch_report_error(&rep), s ? s : "-",
			 want);
	free(s);
}

static void test_kind_cases(void **state)
{
	static struct pw raw, m;
	static const struct {
		int64_t ns;
		const char *s;
	} durs[] = {
	    {0, "0s"},
	    {1, "1ns"},
	    {1500, "1.5\xc2\xb5s"},
	    {1500000, "1.5ms"},
	    {1000000000, "1s"},
	    {-90000000000, "-1m30s"},
	    {3600000000000, "1h0m0s"},
	};
	char want[128];

	for (size_t i = 0; i < sizeof(durs) / sizeof(durs[0]); i++) {
		raw.n = m.n = 0;
		pw_int(&m, 1, (uint64_t)durs[i].ns);
		pw_msg(&raw, 10, &m);
		snprintf(want, sizeof(want), "\"dur\":\"%s\"", durs[i].s);
		check_kinds(&raw, want, NULL);
	}
	/* zero Time is null; year 10000 cannot be written */
	raw.n = 0;
	pw_bytes(&raw, 8, "", 0);
	check_kinds(&raw, "\"t\":null", NULL);
	raw.n = m.n = 0;
	pw_int(&m, 1, 253402300800ull);
	pw_msg(&raw, 8, &m);
	check_kinds(&raw, NULL, "t: time out of range (year outside 0..9999)");
	/* IntOrString as int; of an unknown type */
	raw.n = m.n = 0;
	pw_int(&m, 2, 8080);
	pw_msg(&raw, 6, &m);
	check_kinds(&raw, "\"ios\":8080", NULL);
	raw.n = m.n = 0;
	pw_int(&m, 1, 7);
	pw_msg(&raw, 6, &m);
	check_kinds(&raw, NULL, "ios: IntOrString of unknown type 7");
	/* invalid UTF-8 becomes U+FFFD; a NUL is refused */
	raw.n = 0;
	pw_bytes(&raw, 13,
		 "a\xff"
		 "b\xc0\x80",
		 5);
	check_kinds(&raw,
		    "\"strs\":[\"a\xef\xbf\xbd"
		    "b\xef\xbf\xbd\xef\xbf\xbd\"]",
		    NULL);
	raw.n = 0;
	pw_bytes(&raw, 13, "a\0b", 3);
	check_kinds(&raw, NULL, "strs[0]: string contains a NUL byte");
	/* raw that is no JSON; a field with no protobuf form; a
	 * preserve-unknown type */
	raw.n = m.n = 0;
	pw_str(&m, 1, "{nope");
	pw_msg(&raw, 11, &m);
	check_kinds(&raw, NULL, "raw: embedded raw value is not JSON");
	raw.n = 0;
	pw_str(&raw, 16, "x");
	check_kinds(&raw, NULL, "anything: field has no protobuf form");
	raw.n = m.n = 0;
	pw_int(&m, 1, 1);
	pw_msg(&raw, 15, &m);
	check_kinds(&raw, NULL,
		    "free: protobuf bodies of io.k8s.test.Free cannot be decoded (send JSON)");
	raw.n = 0;
	pw_bytes(&raw, 15, "", 0);
	check_kinds(&raw, "\"free\":{}", NULL);
	/* a message seen twice merges; a scalar seen twice keeps the last */
	{
		static struct pw inner;

		raw.n = m.n = inner.n = 0;
		pw_int(&inner, 1, 3);
		pw_msg(&m, 2, &inner);
		pw_msg(&raw, 17, &m);
		m.n = inner.n = 0;
		pw_int(&inner, 2, 5);
		pw_msg(&m, 3, &inner);
		pw_msg(&raw, 17, &m);
		pw_int(&raw, 2, 1);
		pw_int(&raw, 2, 2);
		check_kinds(
		    &raw,
		    "\"i32\":2,\"self\":{\"spec\":{\"replicas\":3},\"status\":{\"replicas\":5}}",
		    NULL);
	}
	raw.n = 0;
	m.n = 0;
	{
		static struct pw md, dep;

		md.n = dep.n = 0;
		pw_str(&md, 1, "a");
		pw_msg(&dep, 1, &md);
		pw_msg(&raw, 17, &dep);
		md.n = dep.n = 0;
		pw_str(&md, 3, "ns");
		pw_msg(&dep, 1, &md);
		pw_msg(&raw, 17, &dep);
	}
	check_kinds(&raw, "\"self\":{\"metadata\":{\"name\":\"a\",\"namespace\":\"ns\"}}", NULL);
	/* repeated map key: the last value */
	raw.n = 0;
	for (int i = 1; i <= 2; i++) {
		static struct pw q, ent;
		char v[2] = {(char)('0' + i), 0};

		q.n = ent.n = 0;
		pw_str(&q, 1, v);
		pw_str(&ent, 1, "k");
		pw_msg(&ent, 2, &q);
		pw_msg(&raw, 14, &ent);
	}
	check_kinds(&raw, "\"qmap\":{\"k\":\"2\"}", NULL);
	/* a double that is not finite */
	raw.n = 0;
	pw_tag(&raw, 4, 1);
	memcpy(raw.b + raw.n, "\x00\x00\x00\x00\x00\x00\xf0\x7f", 8);
	raw.n += 8;
	check_kinds(&raw, NULL, "d: number is not finite");
}

/* Inline structs (VolumeSource in Volume, LocalObjectReference in
 * ConfigMapVolumeSource): their fields appear in the parent object, in
 * the parent's field order, merged across repeated occurrences. */
static void test_inline(void **state)
{
	static struct pw ref, cms, vs, vol, pod, tmpl, spec, raw, body;
	struct sch_report rep;
	int rc;
	char *s;

	ref.n = cms.n = vs.n = vol.n = pod.n = tmpl.n = spec.n = raw.n = 0;
	pw_str(&ref, 1, "cm");
	pw_msg(&cms, 1, &ref);
	pw_int(&cms, 3, 420);
	pw_msg(&vs, 11, &cms);
	pw_str(&vol, 1, "v");
	pw_msg(&vol, 2, &vs);
	vs.n = 0;
	{
		static struct pw e;

		e.n = 0;
		pw_str(&e, 1, "k");
		pw_str(&e, 2, "x");
		pw_msg(&vs, 12, &e);
	}
	pw_msg(&vol, 2, &vs); /* the inline message again: merged */
	pw_msg(&pod, 1, &vol);
	pw_msg(&tmpl, 2, &pod);
	pw_msg(&spec, 3, &tmpl);
	pw_msg(&raw, 2, &spec);
	pw_envelope(&body, "apps/v1", "Deployment", &raw);
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, 0);
	assert_string_equal(s, "{\"kind\":\"Deployment\",\"apiVersion\":\"apps/v1\",\"spec\":{"
			       "\"template\":{\"spec\":{\"volumes\":[{\"name\":\"v\",\"configMap\":"
			       "{\"name\":\"cm\",\"defaultMode\":420},\"emptyDirLabels\":{\"k\":"
			       "\"x\"}}]}}}}");
	assert_int_equal(rep.n, 0);
	free(s);
}

static void test_bounds(void **state)
{
	static struct pw a, b, raw, body;
	struct pw *cur = &a, *next = &b;
	struct sch_report rep;
	int rc;
	char *s;

	/* 150 nested messages */
	a.n = 0;
	for (int i = 0; i < 150; i++) {
		next->n = 0;
		pw_msg(next, 1, cur);
		struct pw *t = cur;
		cur = next;
		next = t;
	}
	pw_envelope(&body, "test.skiff.io/v1", "Nest", cur);
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, -EINVAL);
	assert_non_null(strstr(sch_report_error(&rep), ": nested deeper than 100"));
	assert_int_equal(strncmp(sch_report_error(&rep), "child.child.child", 17), 0);
	assert_null(s);

	/* the output limit: a 1000-byte string does not fit in 500 */
	raw.n = 0;
	{
		char big[1000];

		memset(big, 'x', sizeof(big));
		pw_bytes(&raw, 13, big, sizeof(big));
	}
	pw_envelope(&body, "test.skiff.io/v1", "Kinds", &raw);
	s = decode(body.b, body.n, 500, &rc, &rep);
	assert_int_equal(rc, -EMSGSIZE);
	assert_string_equal(sch_report_error(&rep), "object exceeds the size limit");
	s = decode(body.b, body.n, 2000, &rc, &rep);
	assert_int_equal(rc, 0);
	free(s);
	/* empty messages cost output too: 20000 empty list elements */
	raw.n = 0;
	for (int i = 0; i < 20000; i++)
		pw_bytes(&raw, 1, "", 0);
	{
		static struct pw spec;

		spec.n = 0;
		pw_msg(&spec, 1, &raw);
		raw = spec;
		spec.n = 0;
		pw_msg(&spec, 2, &raw);
		pw_envelope(&body, "v1", "Service", &spec);
	}
	s = decode(body.b, body.n, 10000, &rc, &rep);
	assert_int_equal(rc, -EMSGSIZE);

	/* 1000 unknown fields: 32 kept, all counted */
	raw.n = 0;
	for (int i = 0; i < 1000; i++)
		pw_int(&raw, 100 + (uint32_t)i, 1);
	pw_envelope(&body, "v1", "Namespace", &raw);
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, 0);
	free(s);
	assert_int_equal(rep.n, SCH_REPORT_MAX);
	assert_int_equal(rep.nfield, 1000);
	assert_int_equal(rep.dropped, 1000 - SCH_REPORT_MAX);
	/* an error after a full report of unknown fields is still told */
	raw.b[raw.n++] = 0x80;
	pw_envelope(&body, "v1", "Namespace", &raw);
	s = decode(body.b, body.n, 1 << 20, &rc, &rep);
	assert_int_equal(rc, -EINVAL);
	assert_string_equal(sch_report_error(&rep), "truncated varint");
	assert_int_equal(rep.n, SCH_REPORT_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),     cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_corrupted),  cmocka_unit_test(test_error_paths),
	    cmocka_unit_test(test_envelope),   cmocka_unit_test(test_kinds),
	    cmocka_unit_test(test_kind_cases), cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_inline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
