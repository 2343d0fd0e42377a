/* server_dns: start the DNS server, replay the current objects into it, then
 * keep it fed with every committed store event. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "dns/dns.h"
#include "log.h"
#include "server_dns.h"

struct server_dns {
	struct store *st;
	struct dns_server *dns;
};

/* Only these resources make DNS records. */
static const char *const sd_prefixes[] = {"/registry/namespaces/", "/registry/services/",
					  "/registry/endpointslices/", "/registry/pods/", "/registry/nodes/",
					  NULL};

static void sd_on_event(void *ud, const struct store_event *ev)
{
	struct server_dns *sd = ud;

	dns_on_event(sd->dns, ev);
}

static void sd_initial(void *ud, const struct store_kv *kv)
{
	struct server_dns *sd = ud;
	struct store_event ev = {
	    .rev = kv->mod_rev,
	    .type = STORE_ADDED,
	    .key = kv->key,
	    .value = kv->value,
	    .ts = time(NULL),
	};

	dns_on_event(sd->dns, &ev);
}

int server_dns_start(struct ev_loop *loop, struct store *st, const struct server_config *c,
		     struct server_dns **out)
{
	struct dns_config dc = {
	    .bind = c->dns_bind,
	    .zone = c->cluster_domain,
	    .upstream = c->dns_upstream,
	    .service_cidr = c->service_cidr,
	    .pod_cidr = c->cluster_cidr,
	};
	struct server_dns *sd;
	int err;

	sd = calloc(1, sizeof(*sd));
	if (!sd)
		return -ENOMEM;
	sd->st = st;
	err = dns_server_start(loop, &dc, &sd->dns);
	if (err) {
		pr_err("--dns-bind-address %s: %s", c->dns_bind, strerror(-err));
		free(sd);
		return err;
	}
	for (const char *const *p = sd_prefixes; *p; p++)
		store_list(st, *p, sd_initial, sd);
	err = store_subscribe(st, sd_on_event, sd);
	if (err) {
		dns_server_stop(sd->dns);
		free(sd);
		return err;
	}
	dns_set_synced(sd->dns);
	*out = sd;
	return 0;
}

void server_dns_stop(struct server_dns *sd)
{
	if (!sd)
		return;
	store_unsubscribe(sd->st, sd_on_event, sd);
	dns_server_stop(sd->dns);
	free(sd);
}

size_t server_dns_metrics(struct server_dns *sd, char *buf, size_t len)
{
	return dns_metrics(sd->dns, buf, len);
}
