/* yamljson: YAML (multi-document) <-> cJSON, on libyaml.
 *
 * Parsing follows what kubectl (sigs.k8s.io/yaml on go-yaml v2, YAML 1.1
 * resolution) does with manifests: plain scalars become null, booleans,
 * numbers or strings by their spelling; quoted and block scalars are always
 * strings; mapping keys are always strings. JSON input is YAML too, but a
 * text that starts with '{' or '[' is first tried as JSON so that numbers and
 * escapes keep their exact JSON meaning.
 *
 * Emitting writes block style like `kubectl -o yaml`: keys sorted, list items
 * at their parent key's indentation, strings quoted whenever a plain scalar
 * would read back as something else.
 */
#ifndef SKIFF_YAMLJSON_H
#define SKIFF_YAMLJSON_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* Called once per non-empty document, in order. doc is owned by the callee.
 * index counts documents from 0; line is the 1-based line where it starts.
 * A non-zero return stops parsing and is returned by yamljson_parse_docs. */
typedef int (*yamljson_doc_cb)(void *ud, cJSON *doc, int index, int line);

/* Parse every document in text[0..len). Empty (null) documents are skipped.
 * Returns 0, the callback's non-zero value, or -EINVAL with err set to
 * "line L, column C: <problem>" (-ENOMEM on allocation failure). */
int yamljson_parse_docs(const char *text, size_t len, yamljson_doc_cb cb, void *ud, char *err,
			size_t errlen);

/* Parse all documents into a cJSON array (caller frees), NULL on error. */
cJSON *yamljson_parse_all(const char *text, size_t len, char *err, size_t errlen);

/* Parse exactly one document (NULL on error or when there is none). */
cJSON *yamljson_parse_one(const char *text, size_t len, char *err, size_t errlen);

/* Emit v as a YAML block document (no leading "---"), ending in '\n'.
 * Returns a malloc'd string, or NULL with the reason in err (libyaml
 * refuses strings that are not valid UTF-8). */
char *yamljson_emit_err(const cJSON *v, char *err, size_t errlen);
/* The same without the reason. */
char *yamljson_emit(const cJSON *v);

/* 1 if the plain (unquoted) scalar s would be read back as something other
 * than the string s (null, bool, number, timestamp, or YAML syntax). */
int yamljson_needs_quotes(const char *s);

#endif
