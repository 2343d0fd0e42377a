/* libFuzzer harness for the patch module's bounds: structural compare
 * (jcmp) and all three patch types under a small size limit.
 * Input: one byte of patch type and limit, then the original object and
 * the patch, separated by a NUL byte. */
// clang-format off
/* FUZZ_SOURCES: lib/jcmp.c controlplane/patch/patch.c controlplane/patch/patch_idx.c controlplane/patch/patch_schema.c controlplane/patch/patch_smp.c */
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

/* What patch_apply promises of a result, checked against cJSON itself. */
static void fuzz_check_result(const cJSON *r, size_t limit)
{
	struct jcmp_size sz;
	char *s;

	if (jcmp_measure(r, &sz))
		return;
	if (sz.bytes > limit || sz.depth > PATCH_MAX_DEPTH)
		abort();
	s = cJSON_PrintUnformatted(r);
	if (s) {
		cJSON *back = cJSON_Parse(s);

		/* stored results must read back; not compared with r, as cJSON
		 * prints some doubles with 15 digits, which read back 1 ulp off */
		if (strlen(s) != sz.bytes || !back || jcmp_equal(back, back) != 1)
			abort();
		cJSON_Delete(back);
		free(s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *sep;
	cJSON *orig, *patch, *r = NULL;
	size_t limit;
	char err[256];
	int rc, t;

	if (size < 2)
		return 0;
	t = data[0] % 3;
	/* 256 bytes to 64 KiB: small enough that amplification hits it */
	limit = (size_t)256 << ((data[0] >> 2) % 9);
	sep = memchr(data + 1, 0, size - 1);
	if (!sep)
		return 0;
	orig = cJSON_ParseWithLength((const char *)data + 1, (size_t)(sep - data - 1));
	patch = cJSON_ParseWithLength((const char *)sep + 1, size - (size_t)(sep - data) - 1);
	if (orig && patch) {
		/* compare: reflexive, symmetric, and a copy is equal */
		cJSON *d = cJSON_Duplicate(orig, 1);
		int ab = jcmp_equal(orig, patch), ba = jcmp_equal(patch, orig);

		if (ab != ba || jcmp_equal(orig, orig) != 1 || (d && jcmp_equal(orig, d) != 1))
			abort();
		cJSON_Delete(d);
	}
	if (patch) {
		rc = patch_apply((enum patch_type)t, orig, patch, fuzz_kinds[data[0] >> 6], limit,
				 &r, err, sizeof(err));
		if (rc == 0)
			fuzz_check_result(r, limit);
		else if ((rc != -EINVAL && rc != -E2BIG && rc != -ENOMEM) || r || !err[0])
			abort();
		cJSON_Delete(r);
	}
	cJSON_Delete(orig);
	cJSON_Delete(patch);
	return 0;
}
