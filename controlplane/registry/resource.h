/* resource: the table of API resources the server serves, and for each its
 * defaulting, validation and Table (kubectl get) rendering.
 *
 * The API layer (api_*.c) stamps metadata, allocates ClusterIPs/NodePorts,
 * checks resourceVersions and stores; everything type-specific lives behind
 * a struct res_type (res_*.c, one file per resource family).
 */
#ifndef SKIFF_RESOURCE_H
#define SKIFF_RESOURCE_H

#include <stdbool.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "verrs.h"

struct res_type {
	const char *plural;	  /* URL name: "services" */
	const char *singular;	  /* "service" */
	const char *kind;	  /* "Service" */
	const char *list_kind;	  /* "ServiceList" */
	const char *group;	  /* "" (core), "apps", "discovery.k8s.io" */
	const char *version;	  /* "v1" */
	const char *api_version;  /* "v1", "apps/v1", "discovery.k8s.io/v1" */
	bool namespaced;
	const char *short_names[4]; /* NULL-terminated */
	bool all_category;	  /* listed in `kubectl get all` */
	bool has_status;	  /* /status subresource */
	bool has_scale;		  /* /scale subresource (apps) */
	bool unconditional_update; /* PUT without resourceVersion allowed */
	bool delete_returns_object; /* DELETE answers the object (Service, Pod) */
	bool has_generation;	  /* metadata.generation bumped on spec change */
	/* Extra field selectors beyond metadata.name/namespace; NULL-terminated. */
	const char *const *field_selectors;

	/* Fill defaults in place (on create and after every update/patch). */
	void (*defaults)(cJSON *obj);
	/* Validate; old is NULL on create. Immutable-field checks use old. */
	void (*validate)(const cJSON *obj, const cJSON *old, struct verrs *e);
	/* Table: column definitions (array) and one row's cells (array). */
	cJSON *(*table_columns)(void);
	cJSON *(*table_cells)(const cJSON *obj, time_t now);
};

extern const struct res_type *const res_types[];
extern const int res_ntypes;

/* Look up by group ("" for core), version and plural. NULL if unknown. */
const struct res_type *res_lookup(const char *group, const char *version, const char *plural);
/* Look up by apiVersion ("v1", "apps/v1", ...) and kind ("Service"). */
const struct res_type *res_lookup_kind(const char *api_version, const char *kind);

/* Qualified resource name used in messages: "services", "deployments.apps",
 * "endpointslices.discovery.k8s.io". Returns a static string. */
const char *res_qualified(const struct res_type *rt);

/* kubectl's HumanDuration for the Age column. buf >= 16 bytes. */
void res_age(time_t created, time_t now, char *buf, size_t len);
/* Parse RFC 3339 "2021-01-13T13:20:00Z"; returns 0 on failure. */
time_t res_parse_time(const char *s);

/* Name validation (upstream messages). Return NULL if valid, else the
 * message detail, e.g. "a lowercase RFC 1123 label must consist of ...". */
const char *res_dns1123_label(const char *s);
const char *res_dns1123_subdomain(const char *s);
const char *res_dns1035_label(const char *s);

#endif
