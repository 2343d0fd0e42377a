/* dns_index: the object tables behind the DNS name table, fed by store
 * events; rendering is in dns_render.c. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "dns_index_int.h"

/* --- object tables --- */

static struct dns_svcent *svcent_get(struct dns_index *ix, const char *key, bool create)
{
	struct dns_svcent *se = dns_hash_get(&ix->svcs, key, strlen(key));
	char *slash;

	if (se || !create)
		return se;
	se = calloc(1, sizeof(*se));
	if (!se)
		return NULL;
	se->key = malloc(strlen(key) * 2 + 2);
	if (!se->key)
		goto err_free;
	/* key, then a copy split at '/' into ns and name */
	strcpy(se->key, key);
	slash = se->key + strlen(key) + 1;
	strcpy(slash, key);
	se->ns = slash;
	slash = strchr(slash, '/');
	if (!slash)
		goto err_key;
	*slash = '\0';
	se->name = slash + 1;
	if (dns_hash_put(&ix->svcs, se->key, strlen(se->key), se) < 0)
		goto err_key;
	return se;
err_key:
	free(se->key);
err_free:
	free(se);
	return NULL;
}

static void svcent_maybe_free(struct dns_index *ix, struct dns_svcent *se)
{
	if (!se || se->svc || se->slices)
		return;
	dns_unrender(ix, &se->r);
	dns_hash_del(&ix->svcs, se->key, strlen(se->key));
	free(se->key);
	free(se);
}

static int set_service(struct dns_index *ix, const char *rest, const char *json)
{
	struct dns_svcent *se = svcent_get(ix, rest, json != NULL);
	int err = 0, ret;

	if (!se)
		return json ? -ENOMEM : 1;
	dns_svc_free(se->svc);
	se->svc = NULL;
	if (json)
		err = dns_svc_parse(json, &se->svc);
	ret = dns_render_svc(ix, se);
	if (ret)
		err = ret;
	svcent_maybe_free(ix, se);
	return err < 0 ? err : 1;
}

static void slice_detach(struct dns_slice *sl)
{
	struct dns_svcent *se = sl->owner;

	for (struct dns_slice **pp = &se->slices; *pp; pp = &(*pp)->next) {
		if (*pp == sl) {
			*pp = sl->next;
			break;
		}
	}
	sl->owner = NULL;
}

static int set_slice(struct dns_index *ix, const char *rest, const char *json)
{
	struct dns_slice *old = dns_hash_del(&ix->slices, rest, strlen(rest)), *sl = NULL;
	struct dns_svcent *old_se = NULL, *se = NULL;
	int err = 0, ret;

	if (old) {
		old_se = old->owner;
		slice_detach(old);
		dns_slice_free(old);
	}
	if (json) {
		char key[512];
		const char *slash = strchr(rest, '/');

		err = dns_slice_parse(json, &sl);
		if (!err && sl->service && slash &&
		    (size_t)snprintf(key, sizeof(key), "%.*s/%s", (int)(slash - rest), rest,
				     sl->service) < sizeof(key))
			se = svcent_get(ix, key, true);
		if (se && dns_hash_put(&ix->slices, rest, strlen(rest), sl) == 0) {
			sl->owner = se;
			sl->next = se->slices;
			se->slices = sl;
		} else {
			dns_slice_free(sl);
			if (!err && se)
				err = -ENOMEM;
		}
	}
	/* a render failure (ENOMEM) wins over a parse error */
	if (se && (ret = dns_render_svc(ix, se)) < 0)
		err = ret;
	if (old_se && old_se != se && (ret = dns_render_svc(ix, old_se)) < 0)
		err = ret;
	svcent_maybe_free(ix, old_se);
	if (se != old_se)
		svcent_maybe_free(ix, se);
	return err < 0 ? err : 1;
}

static void rerender_subdomain(struct dns_index *ix, const char *rest, const char *sub)
{
	const char *slash = strchr(rest, '/');
	char key[512];
	struct dns_svcent *se;

	if (!sub || !slash ||
	    (size_t)snprintf(key, sizeof(key), "%.*s/%s", (int)(slash - rest), rest, sub) >=
		sizeof(key))
		return;
	se = svcent_get(ix, key, false);
	if (se)
		dns_render_svc(ix, se);
}

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int set_pod(struct dns_index *ix, const char *rest, const char *json)
{
	struct dns_pod *old = dns_hash_get(&ix->pods, rest, strlen(rest)), *p = NULL;
	int err = 0;

	if (json) {
		err = dns_pod_parse(json, &p);
		/* Pods matter only for hostname+subdomain (StatefulSet-style
		 * endpoints); keep no entry for the others. */
		if (!err && !(p->hostname && p->subdomain)) {
			dns_pod_free(p);
			p = NULL;
		}
	}
	if (old && p && str_eq(old->hostname, p->hostname) &&
	    str_eq(old->subdomain, p->subdomain)) {
		dns_pod_free(p);
		return 1;
	}
	if (!old && !p)
		return err < 0 ? err : 1;
	if (p) {
		if (dns_hash_put(&ix->pods, rest, strlen(rest), p) < 0) {
			dns_pod_free(p);
			p = NULL;
			dns_hash_del(&ix->pods, rest, strlen(rest));
		}
	} else {
		dns_hash_del(&ix->pods, rest, strlen(rest));
	}
	if (old)
		rerender_subdomain(ix, rest, old->subdomain);
	if (p && (!old || !str_eq(old->subdomain, p->subdomain)))
		rerender_subdomain(ix, rest, p->subdomain);
	dns_pod_free(old);
	return err < 0 ? err : 1;
}

static int set_namespace(struct dns_index *ix, const char *name, const char *json)
{
	struct dns_rendering *r = dns_hash_get(&ix->nss, name, strlen(name));
	const char *labels[2] = {name, "svc"};
	uint8_t wire[DNS_NAME_MAX + 1];
	int l;

	if (!json) {
		if (r) {
			dns_unrender(ix, r);
			dns_hash_del(&ix->nss, name, strlen(name));
			free(r);
		}
		return 1;
	}
	if (r)
		return 1;
	l = dns_name_join(wire, labels, 2, ix->zone, ix->zlen);
	if (l < 0)
		return -EINVAL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	ix->gen++;
	if (!dns_own_name(ix, r, wire, (size_t)l, false) ||
	    dns_hash_put(&ix->nss, name, strlen(name), r) < 0) {
		dns_unrender(ix, r);
		free(r);
		return -ENOMEM;
	}
	return 1;
}

static int set_node(struct dns_index *ix, const char *name, const char *json)
{
	struct dns_nodeaddrs *old = dns_hash_del(&ix->nodes, name, strlen(name)), *n = NULL;
	int err = 0;

	dns_nodeaddrs_free(old);
	if (json) {
		err = dns_nodeaddrs_parse(json, &n);
		if (!err && dns_hash_put(&ix->nodes, name, strlen(name), n) < 0) {
			dns_nodeaddrs_free(n);
			err = -ENOMEM;
		}
	}
	return err < 0 ? err : 1;
}

/* Key prefixes of the resources the index follows. */
static const struct {
	const char *prefix;
	int (*set)(struct dns_index *ix, const char *rest, const char *json);
	bool namespaced;
} kinds[] = {
    {"/registry/services/", set_service, true},
    {"/registry/endpointslices/", set_slice, true},
    {"/registry/pods/", set_pod, true},
    {"/registry/namespaces/", set_namespace, false},
    {"/registry/nodes/", set_node, false},
    {"/registry/minions/", set_node, false}, /* upstream's key for Nodes */
};

int dns_index_set(struct dns_index *ix, const char *key, const char *json)
{
	if (!key)
		return 0;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		size_t pl = strlen(kinds[i].prefix);
		const char *rest = key + pl, *slash;
		int ret;

		if (strncmp(key, kinds[i].prefix, pl))
			continue;
		slash = strchr(rest, '/');
		/* namespaced: exactly "<ns>/<name>"; cluster-scoped: "<name>" */
		if (!*rest || (kinds[i].namespaced
				   ? !slash || slash == rest || !slash[1] || strchr(slash + 1, '/')
				   : slash != NULL))
			return 0;
		ret = kinds[i].set(ix, rest, json);
		ix->serial = (uint32_t)time(NULL);
		return ret;
	}
	return 0;
}

int dns_index_apply(struct dns_index *ix, const struct store_event *ev)
{
	return dns_index_set(ix, ev->key, ev->type == STORE_DELETED ? NULL : ev->value);
}

/* --- setup and queries --- */

int dns_index_new(const struct dns_index_opts *o, struct dns_index **out)
{
	static const uint8_t txt[] = "\5" DNS_SCHEMA_VERSION;
	static const char *const ent_labels[] = {"svc", "pod"};
	struct dns_index *ix = calloc(1, sizeof(*ix));
	uint8_t name[DNS_NAME_MAX + 1];
	const char *dv = "dns-version";
	int l, err = -ENOMEM;

	if (!ix)
		return -ENOMEM;
	l = dns_name_from_text(o->zone && *o->zone ? o->zone : "cluster.local", ix->zone);
	if (l <= 1 || l > DNS_NAME_MAX - 32) {
		free(ix);
		return -EINVAL;
	}
	ix->zlen = (size_t)l;
	ix->ttl = o->ttl > DNS_TTL_MAX ? DNS_TTL_MAX : o->ttl;
	ix->serial = (uint32_t)time(NULL);
	if (dns_hash_init(&ix->names) || dns_hash_init(&ix->svcs) || dns_hash_init(&ix->slices) ||
	    dns_hash_init(&ix->pods) || dns_hash_init(&ix->nss) || dns_hash_init(&ix->nodes))
		goto err_free;
	/* Static names: the apex, the empty non-terminals svc.<zone> and
	 * pod.<zone> (pod records were removed in schema 1.1.0, the name
	 * stays), and dns-version.<zone> TXT. */
	ix->gen++;
	if (!dns_own_name(ix, &ix->statics, ix->zone, ix->zlen, false))
		goto err_free;
	for (size_t i = 0; i < 2; i++) {
		l = dns_name_join(name, &ent_labels[i], 1, ix->zone, ix->zlen);
		if (l < 0 || !dns_own_name(ix, &ix->statics, name, (size_t)l, false))
			goto err_free;
	}
	l = dns_name_join(name, &dv, 1, ix->zone, ix->zlen);
	if (l < 0 || dns_add_rr(ix, &ix->statics, name, (size_t)l, false, DNS_T_TXT,
				DNS_TTL_VERSION, txt, sizeof(txt) - 1, NULL, 0) < 0)
		goto err_free;
	*out = ix;
	return 0;
err_free:
	dns_index_free(ix);
	return err;
}

void dns_index_free(struct dns_index *ix)
{
	size_t b;
	struct dns_hent *e;

	if (!ix)
		return;
	for (e = NULL; (e = dns_hash_next(&ix->slices, &b, e));)
		dns_slice_free(e->val);
	for (e = NULL; (e = dns_hash_next(&ix->pods, &b, e));)
		dns_pod_free(e->val);
	for (e = NULL; (e = dns_hash_next(&ix->nodes, &b, e));)
		dns_nodeaddrs_free(e->val);
	for (e = NULL; (e = dns_hash_next(&ix->svcs, &b, e));) {
		struct dns_svcent *se = e->val;

		dns_svc_free(se->svc);
		dns_unrender(ix, &se->r);
		free(se->key);
		free(se);
	}
	for (e = NULL; (e = dns_hash_next(&ix->nss, &b, e));) {
		dns_unrender(ix, e->val);
		free(e->val);
	}
	dns_unrender(ix, &ix->statics);
	/* every node is owned by some rendering, so none are left; free any
	 * stragglers defensively */
	for (e = NULL; (e = dns_hash_next(&ix->names, &b, e));) {
		struct dns_node *n = e->val;

		for (unsigned i = 0; i < n->nrr; i++)
			free(n->rr[i]);
		free(n->rr);
		free(n);
	}
	dns_hash_free(&ix->names);
	dns_hash_free(&ix->svcs);
	dns_hash_free(&ix->slices);
	dns_hash_free(&ix->pods);
	dns_hash_free(&ix->nss);
	dns_hash_free(&ix->nodes);
	free(ix);
}

const struct dns_node *dns_index_find(const struct dns_index *ix, const uint8_t *lname, size_t len)
{
	return dns_hash_get(&ix->names, lname, len);
}

const uint8_t *dns_index_zone(const struct dns_index *ix, size_t *len)
{
	*len = ix->zlen;
	return ix->zone;
}

uint32_t dns_index_ttl(const struct dns_index *ix)
{
	return ix->ttl;
}

uint32_t dns_index_serial(const struct dns_index *ix)
{
	return ix->serial;
}

size_t dns_index_names(const struct dns_index *ix)
{
	return ix->names.count;
}

size_t dns_index_services(const struct dns_index *ix)
{
	size_t n = 0, b;
	struct dns_hent *e;

	for (e = NULL; (e = dns_hash_next(&ix->svcs, &b, e));)
		n += ((struct dns_svcent *)e->val)->svc != NULL;
	return n;
}

bool dns_index_is_node_addr(const struct dns_index *ix, const struct sockaddr *sa)
{
	const uint8_t *a;
	int fam = sa->sa_family;
	size_t b;
	struct dns_hent *e;

	if (fam == AF_INET)
		a = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	else if (fam == AF_INET6)
		a = (const uint8_t *)&((const struct sockaddr_in6 *)sa)->sin6_addr;
	else
		return false;
	for (e = NULL; (e = dns_hash_next(&ix->nodes, &b, e));) {
		const struct dns_nodeaddrs *n = e->val;

		for (size_t i = 0; i < n->nips; i++)
			if (n->ips[i].family == fam &&
			    !memcmp(n->ips[i].a, a, fam == AF_INET ? 4 : 16))
				return true;
	}
	return false;
}
