/* schema_report: what decoding or checking a body against a schema found
 * (unknown fields, duplicate fields, malformed input), each with the field
 * path in upstream's wording, and the two ways the API answers them:
 * a strict decoding error (fieldValidation=Strict, 400) or one Warning
 * header per finding (fieldValidation=Warn).
 */
#ifndef SKIFF_SCHEMA_REPORT_H
#define SKIFF_SCHEMA_REPORT_H

#include <stddef.h>
#include "buf.h"
#include "schema.h"

/* Kept findings; more are only counted: a body with a million typos must
 * not make a million-line answer. */
#define SCH_REPORT_MAX 32
/* One finding's text; longer paths are cut (marked with "..."). */
#define SCH_MSG_LEN 320
/* How deep decoding and checking descend (objects and lists). */
#define SCH_MAX_DEPTH 100

enum sch_msg_kind {
	SCH_MSG_UNKNOWN,   /* unknown field "spec.selectr" */
	SCH_MSG_DUPLICATE, /* duplicate field "metadata.name" */
	SCH_MSG_ERROR,	   /* spec.ports[0].port: truncated varint */
};

struct sch_msg {
	enum sch_msg_kind kind;
	char text[SCH_MSG_LEN];
};

struct sch_report {
	struct sch_msg msg[SCH_REPORT_MAX];
	unsigned n;	  /* kept in msg[] */
	unsigned dropped; /* found beyond SCH_REPORT_MAX */
	unsigned nfield;  /* unknown + duplicate findings, kept or not */
	unsigned nerr;	  /* errors, kept or not */
};

void sch_report_init(struct sch_report *r);
void sch_report_add(struct sch_report *r, enum sch_msg_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The first error's text ("" if none). */
const char *sch_report_error(const struct sch_report *r);

/* Upstream's 400 message under fieldValidation=Strict:
 *   Deployment in version "v1" cannot be handled as a Deployment: strict
 *   decoding error: unknown field "spec.selectr", duplicate field "metadata.name"
 * t gives kind and version (NULL: only the "strict decoding error: ..." part).
 * Returns 0 or -ENOMEM. */
int sch_report_strict(const struct sch_report *r, const struct sch_type *t, struct buf *out);
/* The value of one Warning header for msg[i] under fieldValidation=Warn:
 *   299 - "unknown field \"spec.selectr\""
 * Returns 0 or -ENOMEM. */
int sch_report_warning(const struct sch_report *r, unsigned i, struct buf *out);

#endif
