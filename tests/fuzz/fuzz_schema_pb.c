/* libFuzzer harness for the protobuf body decoder (schema_pb.c) over the
 * unit tests' schema tables: any bytes, with the output limit taken from
 * the first byte. A decoded object must print, parse back, name no field
 * its schema does not know (schema_check agrees with the decoder) and
 * decode the same way twice. Seeds: kubectl 1.32's bodies. */
// clang-format off
/* FUZZ_SOURCES: lib/buf.c controlplane/schema/schema.c controlplane/schema/schema_pb.c controlplane/schema/schema_pb_text.c controlplane/schema/schema_check.c */
// clang-format on
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "schema/schema_check.h"
#include "schema/schema_pb.h"
#include "../unit/schema_test_types.h"

const struct sch_type *const sch_types[] = {
    &t_Deployment, &t_Service, &t_Secret, &t_ConfigMap, &t_Namespace, &t_Kinds, &t_DeleteOptions};
const size_t sch_ntypes = sizeof(sch_types) / sizeof(sch_types[0]);

static char *fuzz_decode(const uint8_t *data, size_t size, size_t max, int *rc,
			 const struct sch_type **t, struct sch_report *rep)
{
	cJSON *obj = NULL;
	char *s = NULL;

	sch_report_init(rep);
	*rc = sch_pb_decode(data, size, max, &obj, t, rep);
	if (*rc) {
		if (obj || (*rc != -EINVAL && *rc != -EMSGSIZE && *rc != -ENOMEM) ||
		    (*rc == -EINVAL && !*sch_report_error(rep)))
			abort();
		return NULL;
	}
	if (!obj || !*t)
		abort();
	{
		struct sch_report chk;

		sch_report_init(&chk);
		if (sch_check(*t, obj, &chk) > 0)
			abort();
	}
	s = cJSON_PrintUnformatted(obj);
	cJSON_Delete(obj);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct sch_type *t1, *t2;
	struct sch_report rep;
	size_t max;
	int rc1, rc2;
	char *a, *b;

	if (!size)
		return 0;
	/* limits from 64 bytes to 1 MiB */
	max = (size_t)64 << (data[0] % 15);
	a = fuzz_decode(data + 1, size - 1, max, &rc1, &t1, &rep);
	b = fuzz_decode(data + 1, size - 1, max, &rc2, &t2, &rep);
	if (rc1 != rc2 || (a && (!b || strcmp(a, b))))
		abort();
	if (a) {
		cJSON *back = cJSON_Parse(a);

		if (!back)
			abort();
		cJSON_Delete(back);
	}
	free(a);
	free(b);
	return 0;
}
