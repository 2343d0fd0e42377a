/* libFuzzer harness for server-side apply and field ownership
 * (patch/patch_apply.c) on arbitrary live objects, stored managedFields
 * and configurations.
 * Input: one byte (kind, force, size limit), then the live object and the
 * applied configuration, separated by a NUL byte (an empty or invalid live
 * object: the apply creates).
 * Checks: only the documented errors, with a message (conflicts with their
 * list); a result fits the limit and reads back; applying the same
 * configuration to the result again changes nothing; recording an
 * unchanged write changes nothing; recording the apply as an ordinary
 * write succeeds. */
// clang-format off
/* FUZZ_SOURCES: lib/jcmp.c lib/buf.c controlplane/patch/patch.c controlplane/patch/patch_idx.c controlplane/patch/patch_schema.c controlplane/patch/patch_smp.c controlplane/patch/patch_apply.c controlplane/patch/patch_fields.c */
// clang-format on
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "jcmp.h"
#include "patch/patch.h"

static const char *const fuzz_kinds[] = {"Service", "Deployment", "Pod", "Node"};

static void fuzz_fits(const cJSON *r, size_t limit)
{
	struct jcmp_size sz;
	char *s;
	cJSON *back;

	if (jcmp_measure(r, &sz))
		return;
	if (sz.bytes > limit)
		abort();
	s = cJSON_PrintUnformatted(r);
	back = s ? cJSON_Parse(s) : NULL;
	if (s && !back)
		abort();
	cJSON_Delete(back);
	free(s);
}

static bool fuzz_ok_err(int rc, const cJSON *out, const cJSON *conf, const char *err)
{
	if (out)
		return false;
	if (rc == -EBUSY)
		return cJSON_GetArraySize(conf) > 0;
	return (rc == -EINVAL || rc == -E2BIG || rc == -ENOMEM) && !conf &&
	       (err[0] || rc == -ENOMEM);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct patch_ssa o = {
	    .api_version = "v1", .manager = "fz", .subresource = "", .now = "2026-01-01T00:00:00Z"};
	const uint8_t *sep;
	cJSON *live, *cfg, *out = NULL, *conf = NULL, *again = NULL, *upd;
	char err[256] = "";
	int rc;

	if (size < 2)
		return 0;
	o.kind = fuzz_kinds[data[0] & 3];
	o.force = data[0] & 4;
	o.scope = (enum patch_ssa_scope)((data[0] >> 3) % 3);
	o.subresource = o.scope == PATCH_SSA_STATUS ? "status" : "";
	o.max_bytes = (size_t)256 << ((data[0] >> 5) % 8);
	sep = memchr(data + 1, 0, size - 1);
	if (!sep)
		return 0;
	live = cJSON_ParseWithLength((const char *)data + 1, (size_t)(sep - data - 1));
	cfg = cJSON_ParseWithLength((const char *)sep + 1, size - (size_t)(sep - data) - 1);
	if (!cJSON_IsObject(cfg) || (live && !cJSON_IsObject(live)))
		goto out;
	rc = patch_ssa_apply(&o, live, cfg, &out, &conf, err, sizeof(err));
	if (rc) {
		if (!fuzz_ok_err(rc, out, conf, err))
			abort();
		goto out;
	}
	fuzz_fits(out, o.max_bytes);
	/* the same configuration again: a no-op, even an hour later */
	o.now = "2026-01-01T01:00:00Z";
	rc = patch_ssa_apply(&o, out, cfg, &again, &conf, err, sizeof(err));
	if (rc == 0 && jcmp_equal(out, again) != 1)
		abort();
	if (rc && rc != -E2BIG && rc != -ENOMEM)
		abort();
	/* an unchanged ordinary write: nothing changes */
	upd = cJSON_Duplicate(out, true);
	rc = upd ? patch_ssa_update(&o, out, upd, err, sizeof(err)) : -ENOMEM;
	if (rc == 0 && jcmp_equal(out, upd) != 1)
		abort();
	cJSON_Delete(upd);
	/* the apply's result as an ordinary write over live */
	upd = cJSON_Duplicate(out, true);
	rc = upd ? patch_ssa_update(&o, live, upd, err, sizeof(err)) : -ENOMEM;
	if (rc && rc != -E2BIG && rc != -ENOMEM)
		abort();
	cJSON_Delete(upd);
out:
	cJSON_Delete(again);
	cJSON_Delete(out);
	cJSON_Delete(conf);
	cJSON_Delete(live);
	cJSON_Delete(cfg);
	return 0;
}
