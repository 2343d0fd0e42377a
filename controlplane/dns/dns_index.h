/* dns_index: the cluster zone as an in-memory name table.
 *
 * Services, EndpointSlices, Pods, Namespaces and Nodes arrive as store
 * events (full Kubernetes JSON). Each Service is rendered into its records
 * (A/AAAA, SRV per named port, PTR, CNAME, per-endpoint hostnames for
 * headless services) and inserted into a hash table keyed by lower-case wire
 * name. Every rendered name also holds a reference on its ancestors up to the
 * zone apex, so empty non-terminals (svc.<zone>, <ns>.svc.<zone>,
 * _tcp.<svc>...) exist as nodes without records: a lookup that finds a node
 * is NOERROR (maybe NODATA), one that finds none is NXDOMAIN (RFC 8020).
 * A change re-renders only the Service it touches. */
#ifndef SKIFF_DNS_INDEX_H
#define SKIFF_DNS_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "dns_hash.h"
#include "store/store.h"

#define DNS_TTL_DEFAULT	   30	 /* seconds; kubeadm's Corefile `ttl 30` */
#define DNS_TTL_MAX	   3600	 /* CoreDNS accepts 0..3600 */
#define DNS_TTL_VERSION	   28800 /* dns-version TXT, as CoreDNS */
#define DNS_SCHEMA_VERSION "1.1.0"

/* One record. RDATA = fixed[fixed_len] then, if name_len, a wire name
 * (lower-case) that the builder may compress; for SRV it must not. */
struct dns_rr {
	uint16_t type;
	uint16_t fixed_len;
	uint16_t name_len;
	uint32_t ttl;
	const void *owner; /* the rendering that added it */
	uint8_t data[];
};

/* Node flags. */
#define DNS_NODE_APEX 0x1 /* the zone apex: SOA and NS are synthesized */

struct dns_node {
	uint32_t refs; /* renderings that own this name or a descendant */
	uint16_t flags;
	uint16_t nrr, cap;
	struct dns_rr **rr;
	/* de-duplicates ownership during one rendering */
	const void *mark_owner;
	uint64_t mark_gen;
	uint8_t namelen;
	uint8_t name[]; /* lower-case wire name */
};

struct dns_index_opts {
	const char *zone; /* "cluster.local" */
	uint32_t ttl;	  /* record TTL in seconds */
};

struct dns_index;

int dns_index_new(const struct dns_index_opts *o, struct dns_index **out);
void dns_index_free(struct dns_index *ix);

/* Apply a committed store event. Returns 1 if the key belongs to a
 * resource the index follows, 0 if ignored, -errno on a bad object (which
 * is then treated as deleted). */
int dns_index_apply(struct dns_index *ix, const struct store_event *ev);
/* The same, from a key and JSON value (NULL value = deleted). */
int dns_index_set(struct dns_index *ix, const char *key, const char *json);

/* Lookup by lower-case wire name. */
const struct dns_node *dns_index_find(const struct dns_index *ix, const uint8_t *lname, size_t len);

const uint8_t *dns_index_zone(const struct dns_index *ix, size_t *len);
uint32_t dns_index_ttl(const struct dns_index *ix);
uint32_t dns_index_serial(const struct dns_index *ix);
size_t dns_index_names(const struct dns_index *ix);
size_t dns_index_services(const struct dns_index *ix);

/* Is the address one of a Node's addresses (cluster client for the
 * forwarding ACL)? */
bool dns_index_is_node_addr(const struct dns_index *ix, const struct sockaddr *sa);

/* Reverse name (d.c.b.a.in-addr.arpa / nibbles.ip6.arpa) for an address
 * given as 4 or 16 bytes. Returns the wire length. */
int dns_reverse_name(int family, const uint8_t *addr, uint8_t *out);

#endif
