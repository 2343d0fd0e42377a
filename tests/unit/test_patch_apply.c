/* Unit tests for controlplane/patch/patch_apply.c: the field sets of an
 * applied configuration in FieldsV1, merging by key, pruning, conflicts and
 * force, and the Update entries of ordinary writes. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>
#include <cjson/cJSON.h>
#include "jcmp.h"
#include "patch/patch.h"
#include "json_fixture.h"

static void assert_json(const cJSON *got, const char *want)
{
	cJSON *w = J(want);

	if (jcmp_equal(got, w) != 1) {
		char *g = cJSON_PrintUnformatted(got), *x = cJSON_PrintUnformatted(w);

		fail_msg("got  %s\nwant %s", g, x);
	}
	cJSON_Delete(w);
}

static struct patch_ssa opts(const char *kind, const char *manager, const char *now)
{
	return (struct patch_ssa){.kind = kind,
				  .api_version = kind[0] == 'D' ? "apps/v1" : "v1",
				  .manager = manager,
				  .subresource = "",
				  .scope = PATCH_SSA_NO_STATUS,
				  .now = now,
				  .max_bytes = 1 << 20};
}

static cJSON *at2(const cJSON *o, const char *a, const char *b)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, a), b);
}

static const cJSON *mf(const cJSON *obj)
{
	return cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(obj, "metadata"),
						"managedFields");
}

#define SVC_CFG                                                                                    \
	"{'apiVersion':'v1','kind':'Service','metadata':{'name':'web','labels':{'app':'web'}},"    \
	"'spec':{'selector':{'app':'web'},'ports':[{'port':80,'targetPort':8080}]}}"

static cJSON *apply_ok(struct patch_ssa *o, const cJSON *live, const char *cfg)
{
	cJSON *c = J(cfg), *out = NULL, *conf = NULL;
	char err[256];
	int rc = patch_ssa_apply(o, live, c, &out, &conf, err, sizeof(err));

	if (rc)
		fail_msg("apply: %d %s", rc, err);
	assert_null(conf);
	cJSON_Delete(c);
	return out;
}

/* Create through apply: upstream's FieldsV1 for kubectl's Service. */
static void test_apply_create(void **state)
{
	struct patch_ssa o = opts("Service", "kubectl", "2026-01-01T00:00:00Z");
	cJSON *out = apply_ok(&o, NULL, SVC_CFG);

	assert_json(mf(out), "[{'manager':'kubectl','operation':'Apply','apiVersion':'v1',"
			     "'time':'2026-01-01T00:00:00Z','fieldsType':'FieldsV1','fieldsV1':{"
			     "'f:metadata':{'f:labels':{'f:app':{}}},'f:spec':{'f:ports':{"
			     "'k:{\\'port\\':80,\\'protocol\\':\\'TCP\\'}':{'.':{},'f:port':{},"
			     "'f:targetPort':{}}},'f:selector':{}}}}]");
	cJSON_Delete(out);
}

/* The same configuration again: the object and its entries do not change,
 * the entry keeps its time. */
static void test_apply_noop(void **state)
{
	struct patch_ssa o = opts("Service", "kubectl", "2026-01-01T00:00:00Z");
	cJSON *first = apply_ok(&o, NULL, SVC_CFG), *second;

	o.now = "2026-02-02T00:00:00Z";
	second = apply_ok(&o, first, SVC_CFG);
	assert_int_equal(jcmp_equal(first, second), 1);
	cJSON_Delete(first);
	cJSON_Delete(second);
}

/* A field the manager stops applying is removed, unless another manager
 * owns it; a changed value is taken and the time moves. */
static void test_apply_prune(void **state)
{
	struct patch_ssa o = opts("Service", "kubectl", "2026-01-01T00:00:00Z");
	cJSON *live = apply_ok(&o, NULL,
			       "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web',"
			       "'labels':{'app':'web','tier':'front','keep':'x'}},'spec':{'ports':["
			       "{'port':80},{'port':81}]}}"),
	      *other, *out;

	o.manager = "other";
	other = apply_ok(&o, live,
			 "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web',"
			 "'labels':{'keep':'x'}}}");
	o.manager = "kubectl";
	o.now = "2026-03-03T00:00:00Z";
	out = apply_ok(&o, other,
		       "{'apiVersion':'v1','kind':'Service','metadata':{'name':'web',"
		       "'labels':{'app':'web2'}},'spec':{'ports':[{'port':80}]}}");
	assert_json(cJSON_GetObjectItemCaseSensitive(out, "spec"), "{'ports':[{'port':80}]}");
	assert_json(cJSON_GetObjectItemCaseSensitive(
			cJSON_GetObjectItemCaseSensitive(out, "metadata"), "labels"),
		    "{'app':'web2','keep':'x'}");
	/* entries by time: other's older one first */
	assert_string_equal(cJSON_GetArrayItem(mf(out), 0)->child->valuestring, "other");
	assert_string_equal(cJSON_GetArrayItem(mf(out), 1)->child->valuestring, "kubectl");
	assert_string_equal(
	    cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(mf(out), 1), "time")->valuestring,
	    "2026-03-03T00:00:00Z");
	cJSON_Delete(live);
	cJSON_Delete(other);
	cJSON_Delete(out);
}

/* An Update manager owns targetPort with another value: a conflict, with
 * upstream's path and manager; force takes the field. */
static void test_apply_conflict_force(void **state)
{
	struct patch_ssa o = opts("Service", "kubectl", "2026-01-01T00:00:00Z");
	cJSON *live = apply_ok(&o, NULL, SVC_CFG), *upd = cJSON_Duplicate(live, true);
	cJSON *cfg = J(SVC_CFG), *out = NULL, *conf = NULL;
	char err[256];

	cJSON_SetNumberValue(cJSON_GetObjectItemCaseSensitive(
				 cJSON_GetArrayItem(at2(upd, "spec", "ports"), 0), "targetPort"),
			     9090);
	o.manager = "kubectl-client-side-apply";
	assert_int_equal(patch_ssa_update(&o, live, upd, err, sizeof(err)), 0);
	o.manager = "kubectl";
	assert_int_equal(patch_ssa_apply(&o, upd, cfg, &out, &conf, err, sizeof(err)), -EBUSY);
	assert_null(out);
	assert_json(conf, "[{'manager':'\\'kubectl-client-side-apply\\' using v1',"
			  "'field':'.spec.ports[port=80,protocol=\\'TCP\\'].targetPort'}]");
	cJSON_Delete(conf);
	conf = NULL;
	o.force = true;
	assert_int_equal(patch_ssa_apply(&o, upd, cfg, &out, &conf, err, sizeof(err)), 0);
	/* the other manager owned nothing else: its entry is gone */
	assert_int_equal(cJSON_GetArraySize(mf(out)), 1);
	assert_int_equal(cJSON_GetObjectItemCaseSensitive(
			     cJSON_GetArrayItem(at2(out, "spec", "ports"), 0), "targetPort")
			     ->valueint,
			 8080);
	cJSON_Delete(live);
	cJSON_Delete(upd);
	cJSON_Delete(cfg);
	cJSON_Delete(out);
}

/* Containers merge by name: another manager's container stays, in order. */
static void test_apply_merge_by_key(void **state)
{
	struct patch_ssa o = opts("Deployment", "a", "2026-01-01T00:00:00Z");
	cJSON *live =
		  apply_ok(&o, NULL,
			   "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},"
			   "'spec':{'template':{'spec':{'containers':[{'name':'x','image':'1'},"
			   "{'name':'y','image':'1'}]}}}}"),
	      *out;

	o.manager = "b";
	out = apply_ok(&o, live,
		       "{'apiVersion':'apps/v1','kind':'Deployment','metadata':{'name':'d'},"
		       "'spec':{'template':{'spec':{'containers':[{'name':'z','image':'2'},"
		       "{'name':'x','image':'1','args':['a']}]}}}}");
	assert_json(cJSON_GetObjectItemCaseSensitive(out, "spec"),
		    "{'template':{'spec':{'containers':[{'name':'x','image':'1','args':['a']},"
		    "{'name':'y','image':'1'},{'name':'z','image':'2'}]}}}");
	/* b shares x's image (same value) and owns args atomically */
	assert_json(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(mf(out), 1), "fieldsV1"),
		    "{'f:spec':{'f:template':{'f:spec':{'f:containers':{"
		    "'k:{\\'name\\':\\'x\\'}':{'.':{},'f:args':{},'f:image':{},'f:name':{}},"
		    "'k:{\\'name\\':\\'z\\'}':{'.':{},'f:image':{},'f:name':{}}}}}}}");
	cJSON_Delete(live);
	cJSON_Delete(out);
}

static void test_apply_bad_config(void **state)
{
	struct patch_ssa o = opts("Service", "kubectl", "2026-01-01T00:00:00Z");
	cJSON *c = J("{'apiVersion':'v1','kind':'Service','spec':{'ports':[{'port':80},"
		     "{'port':80}]}}"),
	      *out = (cJSON *)1, *conf = NULL;
	char err[256];

	assert_int_equal(patch_ssa_apply(&o, NULL, c, &out, &conf, err, sizeof(err)), -EINVAL);
	assert_null(out);
	assert_non_null(strstr(err, "duplicate entries"));
	cJSON_Delete(c);
	c = J("{'apiVersion':'v1','kind':'Service','spec':{'ports':[{'targetPort':80}]}}");
	assert_int_equal(patch_ssa_apply(&o, NULL, c, &out, &conf, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "associative list with keys has an element that omits key "
				 "field \"port\" (and doesn't have default value)");
	cJSON_Delete(c);
}

/* An ordinary write: what it changed or added is its manager's, what it
 * removed is nobody's; status is nobody's on the main resource. */
static void test_update_entries(void **state)
{
	struct patch_ssa o = opts("Service", "kubectl-create", "2026-01-01T00:00:00Z");
	cJSON *v1 = J("{'apiVersion':'v1','kind':'Service','metadata':{'name':'s','uid':'u',"
		      "'finalizers':['a/b']},'spec':{'type':'ClusterIP'},'status':{'x':1}}"),
	      *v2 = J("{'apiVersion':'v1','kind':'Service','metadata':{'name':'s','uid':'u',"
		      "'finalizers':['a/b'],'labels':{'l':'1'}},'spec':{}}");
	char err[256];

	assert_int_equal(patch_ssa_update(&o, NULL, v1, err, sizeof(err)), 0);
	assert_json(mf(v1), "[{'manager':'kubectl-create','operation':'Update','apiVersion':'v1',"
			    "'time':'2026-01-01T00:00:00Z','fieldsType':'FieldsV1','fieldsV1':{"
			    "'f:metadata':{'f:finalizers':{'.':{},'v:\\'a/b\\'':{}}},"
			    "'f:spec':{'f:type':{}}}}]");
	cJSON_AddItemToObject(cJSON_GetObjectItemCaseSensitive(v2, "metadata"), "managedFields",
			      cJSON_Duplicate(mf(v1), true));
	o.manager = "kubectl-label";
	o.now = "2026-01-02T00:00:00Z";
	assert_int_equal(patch_ssa_update(&o, v1, v2, err, sizeof(err)), 0);
	/* spec.type was removed: kubectl-create keeps the finalizer only; the
	 * empty spec counts as a field (a leaf) of the writer */
	assert_json(mf(v2), "[{'manager':'kubectl-create','operation':'Update','apiVersion':'v1',"
			    "'time':'2026-01-01T00:00:00Z','fieldsType':'FieldsV1','fieldsV1':{"
			    "'f:metadata':{'f:finalizers':{'.':{},'v:\\'a/b\\'':{}}}}},"
			    "{'manager':'kubectl-label','operation':'Update','apiVersion':'v1',"
			    "'time':'2026-01-02T00:00:00Z','fieldsType':'FieldsV1','fieldsV1':{"
			    "'f:metadata':{'f:labels':{'.':{},'f:l':{}}},'f:spec':{}}}]");
	cJSON_Delete(v1);
	cJSON_Delete(v2);
}

/* Writers with ever new names: at most 10 Update entries, the oldest
 * merged into "ancient-changes". */
static void test_update_cap(void **state)
{
	struct patch_ssa o = opts("Service", "m", "");
	cJSON *obj = J("{'apiVersion':'v1','kind':'Service','metadata':{'name':'s'}}");
	char err[256], name[16], now[32];

	for (int i = 0; i < 12; i++) {
		cJSON *next = cJSON_Duplicate(obj, true);

		snprintf(name, sizeof(name), "m%02d", i);
		snprintf(now, sizeof(now), "2026-01-01T00:00:%02dZ", i);
		o.manager = name;
		o.now = now;
		cJSON_AddStringToObject(cJSON_GetObjectItemCaseSensitive(next, "metadata"), name,
					"");
		assert_int_equal(patch_ssa_update(&o, obj, next, err, sizeof(err)), 0);
		cJSON_Delete(obj);
		obj = next;
	}
	assert_int_equal(cJSON_GetArraySize(mf(obj)), 10);
	assert_json(cJSON_GetArrayItem(mf(obj), 0),
		    "{'manager':'ancient-changes','operation':'Update','apiVersion':'v1',"
		    "'time':'2026-01-01T00:00:02Z','fieldsType':'FieldsV1','fieldsV1':{"
		    "'f:metadata':{'f:m00':{},'f:m01':{},'f:m02':{}}}}");
	cJSON_Delete(obj);
}

static void test_path_string(void **state)
{
	char out[200];

	patch_ssa_path_string("f:spec\x1f"
			      "f:ports\x1fk:{\"port\":80,\"protocol\":\"TCP\"}\x1f"
			      "f:targetPort",
			      out, sizeof(out));
	assert_string_equal(out, ".spec.ports[port=80,protocol=\"TCP\"].targetPort");
	patch_ssa_path_string("f:metadata\x1f"
			      "f:finalizers\x1fv:\"a\"",
			      out, sizeof(out));
	assert_string_equal(out, ".metadata.finalizers[=\"a\"]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_apply_create),       cmocka_unit_test(test_apply_noop),
	    cmocka_unit_test(test_apply_prune),	       cmocka_unit_test(test_apply_conflict_force),
	    cmocka_unit_test(test_apply_merge_by_key), cmocka_unit_test(test_apply_bad_config),
	    cmocka_unit_test(test_update_entries),     cmocka_unit_test(test_path_string),
	    cmocka_unit_test(test_update_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
