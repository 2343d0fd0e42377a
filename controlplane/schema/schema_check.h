/* schema_check: fieldValidation for JSON and YAML bodies — the fields a
 * body has that its schema does not know, and keys repeated in one object
 * (cJSON keeps both), named by their path as upstream's strict decoder
 * names them: unknown field "spec.selectr", duplicate field
 * "metadata.name". Wrong JSON types are validation's business, not this.
 */
#ifndef SKIFF_SCHEMA_CHECK_H
#define SKIFF_SCHEMA_CHECK_H

#include <cjson/cJSON.h>
#include "schema.h"
#include "schema_report.h"

/* The fieldValidation query parameter (kubectl 1.32 sends Strict unless
 * --validate says otherwise). */
enum sch_validation {
	SCH_VALIDATE_IGNORE,
	SCH_VALIDATE_WARN,
	SCH_VALIDATE_STRICT,
};

/* Parse a fieldValidation value ("Strict", "Warn", "Ignore"; NULL or ""
 * is Warn, as upstream). Returns 0 or -EINVAL for any other value. */
int sch_validation_parse(const char *s, enum sch_validation *v);

/* Report unknown and duplicate fields of obj (an object of type t) into
 * rep (SCH_MSG_UNKNOWN / SCH_MSG_DUPLICATE, in document order). Nothing
 * under a SCH_F_PRESERVE type's unknown fields, SCH_ANY or SCH_RAW is
 * reported. Returns the number of findings (rep->nfield grows by it) or
 * -ENOMEM. */
int sch_check(const struct sch_type *t, const cJSON *obj, struct sch_report *rep);

/* Remove the fields sch_check() calls unknown (what upstream's decoder
 * drops under fieldValidation Warn and Ignore). Call after
 * sch_drop_duplicates(). t may be NULL (nothing to do). Returns the number
 * removed (it allocates nothing). */
int sch_prune(const struct sch_type *t, cJSON *obj);

/* Remove the earlier of repeated keys in obj and below, so the last one
 * wins, as in Go's decoder (for fieldValidation Warn and Ignore).
 * Returns the number removed or -ENOMEM. */
int sch_drop_duplicates(cJSON *obj);

#endif
