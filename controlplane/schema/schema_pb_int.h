/* schema_pb_int: what the protobuf decoder's two files share: the
 * decoding state, error and output accounting, and the writers of the
 * JSON text forms (strings, base64, RFC 3339 times, Go durations). */
#ifndef SKIFF_SCHEMA_PB_INT_H
#define SKIFF_SCHEMA_PB_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <cjson/cJSON.h>
#include "schema_int.h"
#include "schema_report.h"

struct pb_dec {
	struct sch_report *rep;
	struct sch_path path;
	size_t budget; /* JSON bytes still allowed */
};

/* Report a malformed body at the current path; returns -EINVAL. */
int sch_pb_err(struct pb_dec *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Charge n bytes of output JSON to the caller's limit: 0 or -EMSGSIZE. */
int sch_pb_charge(struct pb_dec *d, size_t n);
/* A JSON string from protobuf bytes (invalid UTF-8 as U+FFFD, NUL refused). */
int sch_pb_string(struct pb_dec *d, const uint8_t *s, size_t n, cJSON **out);
/* []byte as Go's JSON writes it: standard base64, padded. */
int sch_pb_base64(struct pb_dec *d, const uint8_t *s, size_t n, cJSON **out);
/* Seconds (and micro, with microseconds) as RFC 3339 in UTC. */
int sch_pb_rfc3339(struct pb_dec *d, int64_t sec, int64_t nanos, bool micro, cJSON **out);
/* Nanoseconds as Go's Duration.String(); buf >= 32 bytes. */
const char *sch_pb_duration(int64_t ns, char *buf);

#endif
