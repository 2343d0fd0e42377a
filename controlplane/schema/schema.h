/* schema: one table per served type — field names, JSON types, protobuf
 * field numbers, descriptions — and the four things it drives:
 *   - decoding protobuf request bodies (the "k8s\0" runtime.Unknown
 *     envelope) into the same JSON object the JSON path produces;
 *   - fieldValidation=Strict|Warn|Ignore for JSON and YAML bodies (unknown
 *     and duplicate fields);
 *   - /openapi/v2 (protobuf, gnostic) and /openapi/v3 (JSON, per
 *     group-version), with descriptions, for kubectl validate/diff/explain;
 *   - (server-side apply reads list merge keys and map/atomic markers).
 *
 * The tables are ours: a type is a list of fields; a field names its JSON
 * key, its protobuf field number (a fact of the wire format), its kind and,
 * for objects, its type. Types are defined once and shared (ObjectMeta,
 * LabelSelector, PodTemplateSpec...). A type that is not (yet) described in
 * full is marked SCH_F_PRESERVE: its unknown fields are kept and never
 * reported, and protobuf bodies of it cannot be decoded (400 naming it).
 *
 * JSON produced from protobuf follows Go's encoding/json of the decoded Go
 * struct: a field marked SCH_F_OMITEMPTY is left out when it decoded to its
 * zero value ("" / 0 / false / empty list / empty map); pointer fields
 * (Go *T, which protobuf only writes when set) and fields without omitempty
 * are always kept; nested objects are kept even when empty (Go does not
 * omit struct values).
 */
#ifndef SKIFF_SCHEMA_H
#define SKIFF_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

/* What a field holds, in JSON and on the protobuf wire. */
enum sch_kind {
	SCH_STRING,	   /* JSON string; pb string (wire type 2) */
	SCH_BOOL,	   /* JSON bool; pb varint */
	SCH_INT32,	   /* JSON number; pb varint (int32, two's complement) */
	SCH_INT64,	   /* JSON number; pb varint (int64) */
	SCH_DOUBLE,	   /* JSON number; pb fixed64 double */
	SCH_BYTES,	   /* JSON base64 string; pb bytes (Secret.data values) */
	SCH_OBJECT,	   /* JSON object of `type`; pb embedded message */
	SCH_MAP,	   /* JSON object string -> `elem` (or `type` if elem is SCH_OBJECT);
			    * pb repeated entry message {1: key string, 2: value} */
	SCH_INT_OR_STRING, /* JSON number or string; pb IntOrString{1 type, 2 intVal, 3 strVal} */
	SCH_QUANTITY,	   /* JSON string ("100m", "1Gi"); pb Quantity{1 string} */
	SCH_TIME,	   /* JSON RFC 3339 string, seconds; pb Time{1 seconds, 2 nanos} */
	SCH_MICROTIME,	   /* JSON RFC 3339 with 6 fractional digits; pb like Time */
	SCH_DURATION,	   /* JSON Go duration string ("1h0m0s"); pb Duration{1 int64 ns} */
	SCH_RAW,	   /* JSON embedded object (RawExtension, FieldsV1, JSON);
			    * pb message {1 bytes raw JSON} */
	SCH_ANY,	   /* free-form JSON, any type (no protobuf form) */
};

/* Field flags. */
#define SCH_F_OMITEMPTY (1u << 0) /* Go `json:",omitempty"` on a non-pointer */
#define SCH_F_LIST	(1u << 1) /* a JSON array of the kind (pb repeated) */
#define SCH_F_REQUIRED	(1u << 2) /* OpenAPI "required" */
#define SCH_F_PRESERVE	(1u << 3) /* (on a type) unknown fields allowed and kept */
/* Lists: how server-side apply and strategic merge treat them (OpenAPI
 * x-kubernetes-list-type / patch strategy). */
#define SCH_F_LIST_MAP	  (1u << 4) /* list-type map, keyed by merge_key */
#define SCH_F_LIST_SET	  (1u << 5) /* list-type set (scalars) */
#define SCH_F_ATOMIC	  (1u << 6) /* replaced whole (list or map or object) */
#define SCH_F_PB_PACKED	  (1u << 7) /* repeated scalar may arrive packed (decoders accept both) */
#define SCH_F_READONLY	  (1u << 8) /* set by the server (status, uid, ...), for docs */

struct sch_type;

struct sch_field {
	const char *name;	     /* JSON key */
	uint32_t pb;		     /* protobuf field number; 0: none */
	enum sch_kind kind;	     /* for SCH_MAP: the map itself */
	enum sch_kind elem;	     /* SCH_MAP: the value kind */
	unsigned flags;		     /* SCH_F_* */
	const struct sch_type *type; /* SCH_OBJECT, or SCH_MAP/SCH_F_LIST of objects */
	const char *merge_key;	     /* SCH_F_LIST_MAP: "name", "containerPort", ... */
	const char *desc;	     /* one or two sentences, for explain/OpenAPI */
};

struct sch_type {
	const char *name; /* OpenAPI definition name: "io.k8s.api.core.v1.ServiceSpec" */
	const char *desc;
	unsigned flags; /* SCH_F_PRESERVE */
	const struct sch_field *fields;
	size_t nfields;
	/* Top-level kinds only (NULL otherwise): for the OpenAPI
	 * x-kubernetes-group-version-kind and the protobuf envelope check. */
	const char *group, *version, *kind;
};

#define SCH_FIELDS(arr) (arr), (sizeof(arr) / sizeof((arr)[0]))

/* Every top-level type the server decodes or documents (the served
 * resources, their List types, and the option/subresource bodies:
 * DeleteOptions, Scale, Eviction, Binding, the review types). */
extern const struct sch_type *const sch_types[];
extern const size_t sch_ntypes;

/* Look a top-level type up by apiVersion ("apps/v1") and kind. NULL if
 * unknown. */
const struct sch_type *sch_lookup(const char *api_version, const char *kind);
/* The field of t named name, or NULL. */
const struct sch_field *sch_field(const struct sch_type *t, const char *name);

#endif
