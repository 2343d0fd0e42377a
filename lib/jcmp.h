/* jcmp: structural equality and measurement of cJSON trees in linear time
 * and without recursion, so neither the nesting depth nor the width of an
 * object can make them slow or exhaust the stack (cJSON_Compare is
 * exponential in depth and quadratic in width). */
#ifndef SKIFF_JCMP_H
#define SKIFF_JCMP_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* 1 if a and b are structurally equal, 0 if not, -ENOMEM.
 * Objects are unordered maps with case-sensitive keys (a key repeated in
 * both is matched occurrence by occurrence, in order), arrays are ordered,
 * numbers compare by value (==, so 80 equals 80.0), strings byte for byte.
 * Two NULLs are equal (both absent); NULL and a value are not.
 * Cost: O(n) when both objects list their keys in the same order (the
 * usual case: an object against its own re-serialization), O(n log n)
 * otherwise; memory O(n) at worst, never stack. */
int jcmp_equal(const cJSON *a, const cJSON *b);

struct jcmp_size {
	size_t bytes; /* strlen(cJSON_PrintUnformatted(v)) */
	size_t nodes; /* values, containers and members included */
	size_t depth; /* arrays/objects on the deepest path; 0 for a scalar */
};

/* Measure v in O(n) (NULL measures all zero). 0 or -ENOMEM. */
int jcmp_measure(const cJSON *v, struct jcmp_size *out);

#endif
