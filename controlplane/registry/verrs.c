/* verrs: field validation errors with upstream (apimachinery field.Error)
 * wording: "<Type>: <value>: <detail>", value already Go-formatted. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "verrs.h"

void verrs_add(struct verrs *e, const char *reason, const char *field, const char *fmt, ...)
{
	struct verr *v;
	va_list ap;

	/* Upstream returns every cause; we keep the first VERRS_MAX, which is
	 * plenty for a human and bounds the Status size. */
	if (!e || e->n >= VERRS_MAX)
		return;
	v = &e->e[e->n++];
	snprintf(v->reason, sizeof(v->reason), "%s", reason);
	snprintf(v->field, sizeof(v->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(v->message, sizeof(v->message), fmt, ap);
	va_end(ap);
}

/* field.Error.ErrorBody: Required/Forbidden print no value; ": detail" is
 * appended only when the detail is non-empty. */
void verrs_invalid(struct verrs *e, const char *field, const char *value, const char *detail)
{
	if (detail && *detail)
		verrs_add(e, "FieldValueInvalid", field, "Invalid value: %s: %s", value, detail);
	else
		verrs_add(e, "FieldValueInvalid", field, "Invalid value: %s", value);
}

void verrs_required(struct verrs *e, const char *field, const char *detail)
{
	if (detail && *detail)
		verrs_add(e, "FieldValueRequired", field, "Required value: %s", detail);
	else
		verrs_add(e, "FieldValueRequired", field, "Required value");
}

void verrs_forbidden(struct verrs *e, const char *field, const char *detail)
{
	if (detail && *detail)
		verrs_add(e, "FieldValueForbidden", field, "Forbidden: %s", detail);
	else
		verrs_add(e, "FieldValueForbidden", field, "Forbidden");
}

void verrs_duplicate(struct verrs *e, const char *field, const char *value)
{
	verrs_add(e, "FieldValueDuplicate", field, "Duplicate value: %s", value);
}

void verrs_too_many(struct verrs *e, const char *field, long long have, long long max)
{
	verrs_add(e, "FieldValueTooMany", field, "Too many: %lld: must have at most %lld items",
		  have, max);
}

/* field.NotSupported: `supported values: "a", "b"` (each strconv.Quote'd). */
void verrs_not_supported(struct verrs *e, const char *field, const char *value,
			 const char *const *supported)
{
	char list[320];
	size_t off = 0;

	list[0] = 0;
	for (int i = 0; supported && supported[i] && off < sizeof(list); i++)
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%s\"%s\"", i ? ", " : "",
					supported[i]);
	if (list[0])
		verrs_add(e, "FieldValueNotSupported", field,
			  "Unsupported value: %s: supported values: %s", value, list);
	else
		verrs_add(e, "FieldValueNotSupported", field, "Unsupported value: %s", value);
}
