/* dns_objects: parse Services, EndpointSlices, Pods and Nodes for DNS. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "dns_objects.h"

static const cJSON *get(const cJSON *o, const char *k)
{
	return cJSON_GetObjectItemCaseSensitive(o, k);
}

static const char *gets(const cJSON *o, const char *k)
{
	return cJSON_GetStringValue(get(o, k));
}

static char *dup_str(const char *s)
{
	return s ? strdup(s) : NULL;
}

bool dns_ip_parse(const char *s, struct dns_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (!s)
		return false;
	if (inet_pton(AF_INET, s, ip->a) == 1) {
		ip->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, ip->a) == 1) {
		ip->family = AF_INET6;
		return true;
	}
	return false;
}

static cJSON *parse_obj(const char *json)
{
	cJSON *root = json ? cJSON_Parse(json) : NULL;

	if (root && !cJSON_IsObject(root)) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

/* ports[] of a Service spec or an EndpointSlice. */
static int parse_ports(const cJSON *arr, struct dns_port **out, size_t *n)
{
	const cJSON *p;
	int cnt = cJSON_GetArraySize(arr);

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(arr) || cnt <= 0)
		return 0;
	*out = calloc((size_t)cnt, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	cJSON_ArrayForEach(p, arr)
	{
		struct dns_port *d = &(*out)[*n];
		const char *name = gets(p, "name"), *proto = gets(p, "protocol");
		const cJSON *port = get(p, "port");

		if (!cJSON_IsNumber(port) || port->valuedouble < 1 || port->valuedouble > 65535)
			continue;
		d->port = (uint16_t)port->valuedouble;
		if (name && strlen(name) < sizeof(d->name))
			strcpy(d->name, name);
		/* lower-cased for the _<proto> label; absent means TCP */
		snprintf(d->proto, sizeof(d->proto), "%s", proto ? proto : "tcp");
		for (char *c = d->proto; *c; c++)
			*c = (char)(*c | 0x20);
		(*n)++;
	}
	return 0;
}

static int add_ip(struct dns_ip **v, size_t *n, const char *s)
{
	struct dns_ip ip, *nv;

	if (!dns_ip_parse(s, &ip))
		return 0;
	for (size_t i = 0; i < *n; i++)
		if (!memcmp(&(*v)[i], &ip, sizeof(ip)))
			return 0;
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	nv[(*n)++] = ip;
	*v = nv;
	return 0;
}

int dns_svc_parse(const char *json, struct dns_svc **out)
{
	cJSON *root = parse_obj(json);
	const cJSON *spec, *ips, *it;
	const char *type, *cip, *ann;
	struct dns_svc *s;
	int err = -ENOMEM;

	*out = NULL;
	if (!root)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	spec = get(root, "spec");
	type = gets(spec, "type");
	cip = gets(spec, "clusterIP");
	ips = get(spec, "clusterIPs");
	if (type && !strcmp(type, "ExternalName")) {
		s->kind = DNS_SVC_EXTERNAL;
		s->external = dup_str(gets(spec, "externalName"));
	} else if (cip && !strcmp(cip, "None")) {
		s->kind = DNS_SVC_HEADLESS;
	} else {
		s->kind = DNS_SVC_CLUSTERIP;
		if (add_ip(&s->ips, &s->nips, cip) < 0)
			goto out;
		cJSON_ArrayForEach(
		    it, ips) if (add_ip(&s->ips, &s->nips, cJSON_GetStringValue(it)) < 0) goto out;
	}
	s->publish_not_ready = cJSON_IsTrue(get(spec, "publishNotReadyAddresses"));
	ann = gets(get(get(root, "metadata"), "annotations"),
		   "service.alpha.kubernetes.io/tolerate-unready-endpoints");
	if (ann && !strcmp(ann, "true"))
		s->publish_not_ready = true;
	if (parse_ports(get(spec, "ports"), &s->ports, &s->nports) < 0)
		goto out;
	*out = s;
	s = NULL;
	err = 0;
out:
	dns_svc_free(s);
	cJSON_Delete(root);
	return err;
}

void dns_svc_free(struct dns_svc *s)
{
	if (!s)
		return;
	free(s->external);
	free(s->ips);
	free(s->ports);
	free(s);
}

int dns_slice_parse(const char *json, struct dns_slice **out)
{
	cJSON *root = parse_obj(json);
	const cJSON *eps, *ep;
	struct dns_slice *s;
	int err = -ENOMEM, cnt;

	*out = NULL;
	if (!root)
		return -EINVAL;
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->service =
	    dup_str(gets(get(get(root, "metadata"), "labels"), "kubernetes.io/service-name"));
	eps = get(root, "endpoints");
	cnt = cJSON_GetArraySize(eps);
	if (cJSON_IsArray(eps) && cnt > 0) {
		s->eps = calloc((size_t)cnt, sizeof(*s->eps));
		if (!s->eps)
			goto out;
	}
	if (!s->eps)
		eps = NULL;
	cJSON_ArrayForEach(ep, eps)
	{
		struct dns_endpoint *d = &s->eps[s->neps++];
		const cJSON *a, *ready = get(get(ep, "conditions"), "ready");
		const cJSON *ref = get(ep, "targetRef");
		const char *kind = gets(ref, "kind");

		cJSON_ArrayForEach(a, get(ep, "addresses")) if (add_ip(&d->ips, &d->nips,
								       cJSON_GetStringValue(a)) <
								0) goto out;
		/* a missing condition counts as ready (k8s-api.md §8.3) */
		d->ready = !cJSON_IsBool(ready) || cJSON_IsTrue(ready);
		d->hostname = dup_str(gets(ep, "hostname"));
		if (kind && !strcmp(kind, "Pod"))
			d->pod = dup_str(gets(ref, "name"));
	}
	if (parse_ports(get(root, "ports"), &s->ports, &s->nports) < 0)
		goto out;
	*out = s;
	s = NULL;
	err = 0;
out:
	dns_slice_free(s);
	cJSON_Delete(root);
	return err;
}

void dns_slice_free(struct dns_slice *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->neps; i++) {
		free(s->eps[i].ips);
		free(s->eps[i].hostname);
		free(s->eps[i].pod);
	}
	free(s->eps);
	free(s->ports);
	free(s->service);
	free(s);
}

int dns_pod_parse(const char *json, struct dns_pod **out)
{
	cJSON *root = parse_obj(json);
	const cJSON *spec;
	struct dns_pod *p;

	*out = NULL;
	if (!root)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p) {
		cJSON_Delete(root);
		return -ENOMEM;
	}
	spec = get(root, "spec");
	p->hostname = dup_str(gets(spec, "hostname"));
	p->subdomain = dup_str(gets(spec, "subdomain"));
	cJSON_Delete(root);
	*out = p;
	return 0;
}

void dns_pod_free(struct dns_pod *p)
{
	if (!p)
		return;
	free(p->hostname);
	free(p->subdomain);
	free(p);
}

int dns_nodeaddrs_parse(const char *json, struct dns_nodeaddrs **out)
{
	cJSON *root = parse_obj(json);
	const cJSON *a;
	struct dns_nodeaddrs *n;

	*out = NULL;
	if (!root)
		return -EINVAL;
	n = calloc(1, sizeof(*n));
	if (!n) {
		cJSON_Delete(root);
		return -ENOMEM;
	}
	cJSON_ArrayForEach(a, get(get(root, "status"), "addresses"))
	{
		const char *t = gets(a, "type");

		if (t && (!strcmp(t, "InternalIP") || !strcmp(t, "ExternalIP")) &&
		    add_ip(&n->ips, &n->nips, gets(a, "address")) < 0) {
			dns_nodeaddrs_free(n);
			cJSON_Delete(root);
			return -ENOMEM;
		}
	}
	cJSON_Delete(root);
	*out = n;
	return 0;
}

void dns_nodeaddrs_free(struct dns_nodeaddrs *n)
{
	if (!n)
		return;
	free(n->ips);
	free(n);
}
