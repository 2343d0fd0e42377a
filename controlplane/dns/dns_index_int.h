/* dns_index_int: the index's internals shared by dns_index.c (object
 * tables, events) and dns_render.c (Service -> records, the name table).
 * Not for use outside those two files. */
#ifndef SKIFF_DNS_INDEX_INT_H
#define SKIFF_DNS_INDEX_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "dns_hash.h"
#include "dns_index.h"
#include "dns_objects.h"
#include "dns_wire.h"

/* The names one rendering (a Service, a Namespace, the static records)
 * owns: each holds one reference on its node and on the node's ancestors. */
struct dns_owned {
	uint8_t len;
	bool reverse;
	uint8_t name[];
};

struct dns_rendering {
	struct dns_owned **names;
	size_t n, cap;
};

/* Everything known under one "<ns>/<service>" key: the Service (if it
 * exists yet) and the EndpointSlices labelled with its name. */
struct dns_svcent {
	char *key; /* "ns/name" */
	const char *ns, *name;
	struct dns_svc *svc;
	struct dns_slice *slices;
	struct dns_rendering r;
};

struct dns_index {
	uint8_t zone[DNS_NAME_MAX + 1];
	size_t zlen;
	uint32_t ttl;
	uint32_t serial;
	uint64_t gen;		/* rendering generation, for ownership marks */
	struct dns_hash names;	/* lower-case wire name -> struct dns_node */
	struct dns_hash svcs;	/* "ns/name" -> struct dns_svcent */
	struct dns_hash slices; /* "ns/name" -> struct dns_slice */
	struct dns_hash pods;	/* "ns/name" -> struct dns_pod */
	struct dns_hash nss;	/* "name" -> struct dns_rendering */
	struct dns_hash nodes;	/* "name" -> struct dns_nodeaddrs */
	struct dns_rendering statics;
};

/* dns_render.c */
int dns_name_join(uint8_t *out, const char *const *labels, size_t n, const uint8_t *suffix,
		  size_t slen);
/* Make r own `name` (once per rendering generation); returns its node. */
struct dns_node *dns_own_name(struct dns_index *ix, struct dns_rendering *r, const uint8_t *name,
			      size_t len, bool reverse);
int dns_add_rr(struct dns_index *ix, struct dns_rendering *r, const uint8_t *name, size_t len,
	       bool reverse, uint16_t type, uint32_t ttl, const void *fixed, size_t flen,
	       const uint8_t *rname, size_t rnlen);
/* Drop every record and name reference of r. */
void dns_unrender(struct dns_index *ix, struct dns_rendering *r);
/* Re-render one Service entry (unrender, then its current records). */
int dns_render_svc(struct dns_index *ix, struct dns_svcent *se);

#endif
