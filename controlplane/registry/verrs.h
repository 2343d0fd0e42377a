/* verrs: field validation errors collected while validating an object,
 * rendered by the API as a 422 Invalid Status with details.causes. */
#ifndef SKIFF_VERRS_H
#define SKIFF_VERRS_H

#define VERRS_MAX 16

struct verr {
	char reason[32];   /* FieldValueInvalid, FieldValueRequired, ... */
	char field[192];   /* e.g. "spec.ports[0].port" */
	char message[448]; /* e.g. "Invalid value: 0: must be between 1 and 65535, inclusive" */
};

struct verrs {
	int n;
	struct verr e[VERRS_MAX];
};

void verrs_add(struct verrs *e, const char *reason, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Upstream wordings. `value` is already formatted the way Go prints it
 * (strings quoted: "\"abc\"", ints bare: "0"). */
void verrs_invalid(struct verrs *e, const char *field, const char *value, const char *detail);
void verrs_required(struct verrs *e, const char *field, const char *detail);
void verrs_forbidden(struct verrs *e, const char *field, const char *detail);
void verrs_duplicate(struct verrs *e, const char *field, const char *value);
/* field.TooMany: "Too many: <have>: must have at most <max> items". */
void verrs_too_many(struct verrs *e, const char *field, long long have, long long max);
/* supported: NULL-terminated list of allowed values */
void verrs_not_supported(struct verrs *e, const char *field, const char *value,
			 const char *const *supported);

#endif
