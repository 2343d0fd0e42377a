/* libFuzzer harness over manifest parsing: YAML/JSON documents as skiffctl
 * reads them (-f FILE), and the YAML emitter on whatever parsed (-o yaml),
 * whose output must parse back to the same value.
 * FUZZ_SOURCES: lib/yamljson.c lib/buf.c lib/log.c */
/* FUZZ_LIBS: -lyaml */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "yamljson.h"

static int fuzz_doc(void *ud, cJSON *doc, int index, int line)
{
	char err[256];
	char *y = yamljson_emit_err(doc, err, sizeof(err));

	(void)ud;
	(void)index;
	(void)line;
	if (y) {
		/* round trip: what we print as YAML reads back as the same value */
		cJSON *back = yamljson_parse_one(y, strlen(y), err, sizeof(err));

		if (!back || !cJSON_Compare(doc, back, 1)) {
			fprintf(stderr, "round trip changed the document:\n%s\n", y);
			abort();
		}
		cJSON_Delete(back);
		free(y);
	}
	cJSON_Delete(doc);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];

	yamljson_parse_docs((const char *)data, size, fuzz_doc, NULL, err, sizeof(err));
	return 0;
}
