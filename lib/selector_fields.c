/* selector_fields: field selectors (k8s.io/apimachinery v0.20
 * pkg/fields/selector.go) plus the apiserver's field label conversion
 * messages, and field matching over dotted paths of an object.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "json_path.h"
#include "selector_int.h"

/* ---- field selectors (pkg/fields) ---- */

/* Resources whose field label conversion says "field label not supported"
 * (core/v1 conversion.go registers a custom func for them); the others use
 * DefaultMetaV1FieldSelectorConversion's wording. */
static const char *const sel_custom_field_resources[] = {"pods", "events", "nodes", "namespaces",
							 NULL};

static int sel_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* UnescapeValue: \\ \, \= are escapes; a bare , or = is an error. */
static int sel_unescape(const char *in, char **out, char *err, size_t errlen)
{
	char *o = malloc(strlen(in) + 1), *w = o;

	if (!o)
		return -ENOMEM;
	for (const char *c = in; *c; c++) {
		if (*c == '\\') {
			if (c[1] != '\\' && c[1] != ',' && c[1] != '=') {
				/* Go prints the two-rune sequence, or "\" at the end. */
				snprintf(err, errlen,
					 "invalid field selector: invalid escape sequence: \\%.*s",
					 c[1] ? 1 : 0, c + 1);
				free(o);
				return -EINVAL;
			}
			*w++ = *++c;
		} else if (*c == ',' || *c == '=') {
			/* sic: upstream formats the rune with %v, i.e. as a number */
			snprintf(err, errlen,
				 "invalid field selector: unescaped character in value: %d", *c);
			free(o);
			return -EINVAL;
		} else {
			*w++ = *c;
		}
	}
	*w = '\0';
	*out = o;
	return 0;
}

/* Split on commas not preceded by a backslash escape (splitTerms). */
static char **sel_split_terms(const char *s, size_t *n)
{
	size_t cnt = 1, k = 0, start = 0, i;
	char **terms;
	int slash = 0;

	for (i = 0; s[i]; i++)
		cnt += s[i] == ',';
	terms = calloc(cnt, sizeof(*terms));
	if (!terms)
		return NULL;
	for (i = 0;; i++) {
		if (slash && s[i]) {
			slash = 0;
		} else if (s[i] == '\\') {
			slash = 1;
		} else if (s[i] == ',' || !s[i]) {
			terms[k] = strndup(s + start, i - start);
			if (!terms[k])
				goto fail;
			k++;
			start = i + 1;
		}
		if (!s[i])
			break;
	}
	*n = k;
	return terms;
fail:
	for (i = 0; i < k; i++)
		free(terms[i]);
	free(terms);
	return NULL;
}

static int sel_field_allowed(const char *f, const char *const *allowed)
{
	if (!strcmp(f, "metadata.name") || !strcmp(f, "metadata.namespace"))
		return 1;
	for (; allowed && *allowed; allowed++)
		if (!strcmp(f, *allowed))
			return 1;
	return 0;
}

static int sel_parse_field_term(struct selector *sel, const char *whole, const char *term,
				char *err, size_t errlen)
{
	/* splitTerm: the first position where "!=", "==" or "=" starts. */
	static const struct {
		const char *s;
		enum sel_op op;
	} ops[] = {{"!=", SEL_NE}, {"==", SEL_EQ}, {"=", SEL_EQ}};
	struct sel_req *r;
	char *val;
	int rc;

	for (size_t i = 0; term[i]; i++) {
		for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
			size_t ol = strlen(ops[k].s);

			if (strncmp(term + i, ops[k].s, ol))
				continue;
			rc = sel_unescape(term + i + ol, &val, err, errlen);
			if (rc)
				return rc;
			r = sel_add(sel, term, i, ops[k].op);
			if (!r) {
				free(val);
				return -ENOMEM;
			}
			r->vals = malloc(sizeof(*r->vals));
			if (!r->vals) {
				free(val);
				return -ENOMEM;
			}
			r->vals[0] = val;
			r->nvals = 1;
			return 0;
		}
	}
	snprintf(err, errlen, "invalid selector: '%s'; can't understand '%s'", whole, term);
	return -EINVAL;
}

int sel_parse_fields(const char *s, const char *const *allowed, const char *resource,
		     struct selector **out, char *err, size_t errlen)
{
	char dummy[8], **terms = NULL;
	struct selector *sel = NULL;
	size_t nterms = 0, i;
	int rc = 0, custom = 0;

	*out = NULL;
	if (!err || !errlen) {
		err = dummy;
		errlen = sizeof(dummy);
	}
	err[0] = '\0';
	if (!s || !*s)
		return 0;
	terms = sel_split_terms(s, &nterms);
	sel = calloc(1, sizeof(*sel));
	if (!terms || !sel) {
		rc = -ENOMEM;
		goto out;
	}
	/* Upstream sorts the terms, which decides which bad term is reported. */
	qsort(terms, nterms, sizeof(*terms), sel_cmp_str);
	for (i = 0; i < nterms; i++) {
		if (!terms[i][0])
			continue;
		rc = sel_parse_field_term(sel, s, terms[i], err, errlen);
		if (rc)
			goto out;
	}
	/* Then the field label conversion runs over every term. */
	for (i = 0; resource && sel_custom_field_resources[i]; i++)
		custom |= !strcmp(resource, sel_custom_field_resources[i]);
	for (i = 0; i < sel->n; i++) {
		const char *f = sel->reqs[i].key;

		if (sel_field_allowed(f, allowed))
			continue;
		if (custom)
			snprintf(err, errlen, "field label not supported: %s", f);
		else
			snprintf(err, errlen,
				 "\"%s\" is not a known field selector: only \"metadata.name\", "
				 "\"metadata.namespace\"",
				 f);
		rc = -EINVAL;
		goto out;
	}
	if (sel->n) {
		*out = sel;
		sel = NULL;
	}
out:
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	sel_free(sel);
	for (i = 0; terms && i < nterms; i++)
		free(terms[i]);
	free(terms);
	return rc;
}

bool sel_match_fields(const struct selector *sel, const cJSON *obj)
{
	char buf[64];

	if (!sel)
		return true;
	for (size_t i = 0; i < sel->n; i++) {
		const struct sel_req *r = &sel->reqs[i];
		const cJSON *f = json_at(obj, r->key);

		/* Field selectors compare text; a missing field is "". */
		if (!sel_req_match(r, f ? sel_scalar(f, buf, sizeof(buf)) : ""))
			return false;
	}
	return true;
}

const char *sel_field_equals(const struct selector *sel, const char *field)
{
	if (!sel || !field)
		return NULL;
	for (size_t i = 0; i < sel->n; i++) {
		const struct sel_req *r = &sel->reqs[i];

		if (strcmp(r->key, field))
			continue;
		if (r->op == SEL_EQ || (r->op == SEL_IN && r->nvals == 1))
			return r->vals[0];
	}
	return NULL;
}
