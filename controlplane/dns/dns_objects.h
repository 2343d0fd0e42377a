/* dns_objects: the few fields of Kubernetes objects the DNS index needs,
 * parsed from their JSON (../shared/k8s-api.md §8). */
#ifndef SKIFF_DNS_OBJECTS_H
#define SKIFF_DNS_OBJECTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct dns_ip {
	int family; /* AF_INET or AF_INET6 */
	uint8_t a[16];
};

struct dns_port {
	char name[64]; /* "" for unnamed ports (they get no SRV) */
	char proto[8]; /* lower-case: "tcp", "udp", "sctp" */
	uint16_t port;
};

enum dns_svc_kind { DNS_SVC_CLUSTERIP, DNS_SVC_HEADLESS, DNS_SVC_EXTERNAL };

struct dns_svc {
	enum dns_svc_kind kind;
	bool publish_not_ready; /* spec.publishNotReadyAddresses or the old annotation */
	char *external;		/* spec.externalName */
	struct dns_ip *ips;	/* spec.clusterIPs (or clusterIP) */
	size_t nips;
	struct dns_port *ports;
	size_t nports;
};

struct dns_endpoint {
	struct dns_ip *ips;
	size_t nips;
	char *hostname;
	char *pod;  /* targetRef name when targetRef.kind == Pod */
	bool ready; /* conditions.ready; missing counts as ready */
};

struct dns_slice {
	char *service; /* label kubernetes.io/service-name */
	struct dns_endpoint *eps;
	size_t neps;
	struct dns_port *ports;
	size_t nports;
	/* kept by the index: the service entry it hangs on */
	void *owner;
	struct dns_slice *next;
};

struct dns_pod {
	char *hostname;	 /* spec.hostname */
	char *subdomain; /* spec.subdomain */
};

struct dns_nodeaddrs {
	struct dns_ip *ips; /* status.addresses of type InternalIP/ExternalIP */
	size_t nips;
};

/* Each returns 0, or -EINVAL (bad JSON / not an object) or -ENOMEM. */
int dns_svc_parse(const char *json, struct dns_svc **out);
void dns_svc_free(struct dns_svc *s);
int dns_slice_parse(const char *json, struct dns_slice **out);
void dns_slice_free(struct dns_slice *s);
int dns_pod_parse(const char *json, struct dns_pod **out);
void dns_pod_free(struct dns_pod *p);
int dns_nodeaddrs_parse(const char *json, struct dns_nodeaddrs **out);
void dns_nodeaddrs_free(struct dns_nodeaddrs *n);

/* "10.0.0.1" / "fd00::1" -> ip; false if not an address. */
bool dns_ip_parse(const char *s, struct dns_ip *ip);

#endif
