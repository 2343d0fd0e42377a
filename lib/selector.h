/* selector: Kubernetes label and field selectors (parse + match).
 *
 * Labels: terms joined by ',' (ANDed): k, !k, k=v, k==v, k!=v, k in (a,b),
 * k notin (a,b), with optional spaces; commas inside ( ) do not split.
 * k!=v and notin also match objects without the key.
 * Fields: f=v, f==v, f!=v joined by ','; the allowed field names are given.
 */
#ifndef SKIFF_SELECTOR_H
#define SKIFF_SELECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <cjson/cJSON.h>

struct selector;

/* Returns 0 and *out (NULL for an empty/blank selector = match all), or
 * -EINVAL with an upstream-style message in err. */
int sel_parse_labels(const char *s, struct selector **out, char *err, size_t errlen);

/* allowed: NULL-terminated extra field names beyond metadata.name and
 * metadata.namespace. resource: plural, for the error message wording
 * ("pods" uses "field label not supported: spec.foo"). */
int sel_parse_fields(const char *s, const char *const *allowed, const char *resource,
		     struct selector **out, char *err, size_t errlen);

/* labels: the object's metadata.labels (may be NULL). NULL selector matches. */
bool sel_match_labels(const struct selector *sel, const cJSON *labels);
/* obj: the whole object; fields are dotted paths (spec.nodeName, ...). A
 * missing field compares as "". */
bool sel_match_fields(const struct selector *sel, const cJSON *obj);

/* If the selector requires exactly `field`=value (e.g. metadata.name=x),
 * return that value (owned by the selector), else NULL. */
const char *sel_field_equals(const struct selector *sel, const char *field);

/* Build a label selector from a map (Service spec.selector). NULL for {}. */
struct selector *sel_from_map(const cJSON *map);
/* Serialize as "k=v,k2=v2" with keys sorted (for Table cells). */
char *sel_map_string(const cJSON *map);

void sel_free(struct selector *sel);

#endif
