/* schema_openapi_int: the Swagger 2.0 JSON document and its gnostic
 * protobuf encoding, shared by schema_openapi.c and schema_openapi_pb.c. */
#ifndef SKIFF_SCHEMA_OPENAPI_INT_H
#define SKIFF_SCHEMA_OPENAPI_INT_H

#include <cjson/cJSON.h>
#include "buf.h"

/* Encode a Swagger 2.0 document (the JSON sch_openapi_v2_json builds) as a
 * gnostic openapi_v2.Document. Returns 0 or -ENOMEM. */
int sch_openapi_pb_document(const cJSON *doc, struct buf *out);

#endif
