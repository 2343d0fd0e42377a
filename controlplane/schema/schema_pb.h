/* schema_pb: protobuf request bodies (Content-Type
 * application/vnd.kubernetes.protobuf) decoded by the schema tables into
 * the cJSON object the JSON path would have produced.
 *
 * The body is the 4 bytes "k8s\0" and a runtime.Unknown message:
 *   1 typeMeta {1 apiVersion, 2 kind}, 2 raw (the object's message),
 *   3 contentEncoding (must be empty), 4 contentType.
 * The wire reader is ours (varint, fixed32/64, length-delimited, skip):
 * libprotobuf-c wants generated descriptors, and ours come from the
 * tables, so it would only lend its varint reader.
 */
#ifndef SKIFF_SCHEMA_PB_H
#define SKIFF_SCHEMA_PB_H

#include <stddef.h>
#include <cjson/cJSON.h>
#include "schema.h"
#include "schema_report.h"

#define SCH_PB_MAGIC	 "k8s\0"
#define SCH_PB_MAGIC_LEN 4

/* Decode a whole protobuf body. On success *out is the object (apiVersion
 * and kind from typeMeta first) and rep holds the protobuf fields the
 * schema does not know ("unknown field (protobuf field 99) in spec";
 * nfield counts them: an error under fieldValidation=Strict, a warning
 * otherwise). *type (if not NULL) is the schema used.
 * Returns 0; -EINVAL for a malformed body, an unknown kind or a type that
 * cannot be decoded (the error, naming the field path, is in rep);
 * -EMSGSIZE when the object would exceed max_bytes of JSON; -ENOMEM. */
int sch_pb_decode(const void *body, size_t len, size_t max_bytes, cJSON **out,
		  const struct sch_type **type, struct sch_report *rep);

/* Decode one message of type t (the raw bytes of an envelope) into *out,
 * without typeMeta. Same returns as sch_pb_decode. */
int sch_pb_decode_type(const struct sch_type *t, const void *msg, size_t len, size_t max_bytes,
		       cJSON **out, struct sch_report *rep);

#endif
