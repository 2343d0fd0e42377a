/* server: wiring of skiff-server's modules on one libev loop. */
#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "apiserver/api.h"
#include "auth/audit.h"
#include "auth/auth.h"
#include "bootstrap.h"
#include "controllers/controllers.h"
#include "datadir.h"
#include "dns/dns.h"
#include "log.h"
#include "server.h"
#include "server_dns.h"
#include "tls.h"

/* How long a node credential from the join flow lasts (a year, as
 * kubeadm's kubelet client certificates before rotation). */
#define SERVER_NODE_CREDENTIAL_TTL (365LL * 86400)

struct server {
	struct server_config c;
	struct ev_loop *loop;
	struct datadir *dd;
	struct store *store;
	struct tls_creds creds;
	struct api api;
	struct auth *auth;
	struct audit *audit;
	char issuer[300];
	struct server_dns *dns;
	struct ctrl_namespace *ns_ctrl;
	struct ctrl_serviceaccount *sa_ctrl;
	struct ctrl_rbac_aggregate *agg_ctrl;
	struct ctrl_replicaset *rs_ctrl;
	struct ctrl_deployment *deploy_ctrl;
	struct ctrl_gc *gc_ctrl;
	ev_signal sigterm, sigint;
	char advertise[64];
	char url[128];
	char cluster_dns[32];
	uint64_t n_commit_failures;
	int exit_code; /* of server_run */
};

static void server_sig_cb(struct ev_loop *loop, ev_signal *w, int revents)
{
	pr_info("signal %d: stopping", w->signum);
	ev_break(loop, EVBREAK_ALL);
}

/* Check flag values that need more than a number parse. */
static int server_check(struct server *s)
{
	struct server_config *c = &s->c;
	struct alloc_range r;
	struct in_addr ia;
	uint32_t ip;

	if (inet_pton(AF_INET, c->bind_address, &ia) != 1) {
		fprintf(stderr,
			"skiff-server: invalid value \"%s\" for flag --bind-address: "
			"must be an IPv4 address\n",
			c->bind_address);
		return -EINVAL;
	}
	if (alloc_ip_init(&r, c->service_cidr)) {
		fprintf(stderr,
			"skiff-server: invalid value \"%s\" for flag "
			"--service-cluster-ip-range: must be an IPv4 network CIDR with a "
			"prefix between /8 and /30 (e.g. 10.96.0.0/16)\n",
			c->service_cidr);
		return -EINVAL;
	}
	if (!c->cluster_dns) {
		alloc_format_ip(r.base + 9, s->cluster_dns, sizeof(s->cluster_dns));
		c->cluster_dns = s->cluster_dns;
	} else if (alloc_parse_ip(c->cluster_dns, &ip) || !alloc_contains(&r, ip)) {
		fprintf(stderr,
			"skiff-server: invalid value \"%s\" for flag --cluster-dns: must "
			"be an address inside --service-cluster-ip-range %s\n",
			c->cluster_dns, c->service_cidr);
		alloc_free(&r);
		return -EINVAL;
	}
	alloc_free(&r);
	if (alloc_port_init(&r, c->node_port_range)) {
		fprintf(stderr,
			"skiff-server: invalid value \"%s\" for flag "
			"--service-node-port-range: must be LOW-HIGH within 1-65535\n",
			c->node_port_range);
		return -EINVAL;
	}
	alloc_free(&r);
	{
		uint32_t net;

		/* a /24 of it per node: the range must be /24 or wider */
		if (alloc_cidr_init(&r, c->cluster_cidr, 24, &net)) {
			fprintf(stderr,
				"skiff-server: invalid value \"%s\" for flag --cluster-cidr: "
				"must be an IPv4 network CIDR of /24 or wider\n",
				c->cluster_cidr);
			return -EINVAL;
		}
	}
	alloc_free(&r);
	if (c->advertise && inet_pton(AF_INET, c->advertise, &ia) != 1) {
		fprintf(stderr,
			"skiff-server: invalid value \"%s\" for flag --advertise-address: "
			"must be an IPv4 address\n",
			c->advertise);
		return -EINVAL;
	}
	if (!c->advertise)
		c->advertise = strcmp(c->bind_address, "0.0.0.0") ? c->bind_address : "127.0.0.1";
	return 0;
}

/* Prometheus text for /metrics. */
static size_t server_metrics(void *ud, char *buf, size_t len)
{
	struct server *s = ud;
	struct http_stats hs;
	size_t n, wb_total, wb_max;

	http_server_stats(s->api.http, &hs);
	api_watch_stats(&s->api, &wb_total, &wb_max);
	n = (size_t)snprintf(
	    buf, len,
	    "# TYPE skiff_apiserver_requests_total counter\n"
	    "skiff_apiserver_requests_total %llu\n"
	    "# TYPE skiff_apiserver_watchers gauge\n"
	    "skiff_apiserver_watchers %d\n"
	    "# TYPE skiff_apiserver_watch_closed_slow_total counter\n"
	    "skiff_apiserver_watch_closed_slow_total %llu\n"
	    "# HELP skiff_apiserver_watch_buffered_bytes unsent watch event bytes, all watchers\n"
	    "# TYPE skiff_apiserver_watch_buffered_bytes gauge\n"
	    "skiff_apiserver_watch_buffered_bytes %zu\n"
	    "# TYPE skiff_apiserver_watch_buffered_bytes_max gauge\n"
	    "skiff_apiserver_watch_buffered_bytes_max %zu\n"
	    "# TYPE skiff_apiserver_connections gauge\n"
	    "skiff_apiserver_connections{state=\"authenticated\"} %u\n"
	    "skiff_apiserver_connections{state=\"unauthenticated\"} %u\n"
	    "# TYPE skiff_apiserver_connections_closed_total counter\n"
	    "skiff_apiserver_connections_closed_total{reason=\"first_request_timeout\"} %llu\n"
	    "skiff_apiserver_connections_closed_total{reason=\"request_timeout\"} %llu\n"
	    "skiff_apiserver_connections_closed_total{reason=\"unauthenticated_evicted\"} %llu\n"
	    "skiff_apiserver_connections_closed_total{reason=\"per_ip_limit\"} %llu\n"
	    "skiff_apiserver_connections_closed_total{reason=\"body_too_large\"} %llu\n"
	    "# TYPE skiff_store_revision gauge\n"
	    "skiff_store_revision %lld\n"
	    "# TYPE skiff_store_corrupt_rows_total counter\n"
	    "skiff_store_corrupt_rows_total %llu\n"
	    "# TYPE skiff_store_commit_failures_total counter\n"
	    "skiff_store_commit_failures_total %llu\n"
	    "# TYPE skiff_store_rolled_back_writes_total counter\n"
	    "skiff_store_rolled_back_writes_total %llu\n",
	    (unsigned long long)s->api.n_requests, s->api.nwatches,
	    (unsigned long long)s->api.n_watch_closed_slow, wb_total, wb_max, hs.auth_conns,
	    hs.unauth_conns, (unsigned long long)hs.closed_first_request,
	    (unsigned long long)hs.closed_request, (unsigned long long)hs.evicted_unauth,
	    (unsigned long long)hs.refused_per_ip, (unsigned long long)hs.body_too_large,
	    (long long)store_rev(s->store), (unsigned long long)store_corrupt_rows(s->store),
	    (unsigned long long)s->n_commit_failures,
	    (unsigned long long)store_rolled_back(s->store));
	if (n < len && s->dns)
		n += server_dns_metrics(s->dns, buf + n, len - n);
	return n;
}

/* The allocators hold the ClusterIPs and NodePorts of the batch that was
 * rolled back: rebuild them from the Services the store holds now. */
static int server_rebuild_allocs(struct server *s)
{
	return api_alloc_rebuild(&s->api);
}

/* A batch did not become durable (disk full, I/O error) and the store
 * rolled it back: every request that wrote in it gets upstream's 500
 * InternalError instead of the success it was about to get, and the
 * server goes on — the next batch succeeds once space is back. Only when
 * memory could not be made equal to the disk again does the server stop,
 * after answering. */
static void server_commit_failed(struct server *s, int err)
{
	char cause[128], msg[192];
	cJSON *st = cJSON_CreateObject(), *d = cJSON_CreateObject(), *causes = cJSON_CreateArray(),
	      *c = cJSON_CreateObject();
	char *body;

	s->n_commit_failures++;
	snprintf(cause, sizeof(cause), "store: commit failed: %s",
		 strerror(err == -ENOTRECOVERABLE ? EIO : -err));
	snprintf(msg, sizeof(msg), "Internal error occurred: %s", cause);
	cJSON_AddStringToObject(st, "kind", "Status");
	cJSON_AddStringToObject(st, "apiVersion", "v1");
	cJSON_AddItemToObject(st, "metadata", cJSON_CreateObject());
	cJSON_AddStringToObject(st, "status", "Failure");
	cJSON_AddStringToObject(st, "message", msg);
	cJSON_AddStringToObject(st, "reason", "InternalError");
	cJSON_AddStringToObject(c, "message", cause);
	cJSON_AddItemToArray(causes, c);
	cJSON_AddItemToObject(d, "causes", causes);
	cJSON_AddItemToObject(st, "details", d);
	cJSON_AddNumberToObject(st, "code", 500);
	body = cJSON_PrintUnformatted(st);
	cJSON_Delete(st);
	/* no server yet: a controller's first pass commits before it starts */
	if (s->api.http)
		http_fail_deferred(s->api.http, 500, "application/json", body ? body : "",
				   body ? strlen(body) : 0);
	free(body);
	if (err != -ENOTRECOVERABLE && !server_rebuild_allocs(s))
		return;
	pr_err("store: memory no longer equals the store on disk; exiting (a restart reloads "
	       "the durable state)");
	s->exit_code = 1;
	ev_break(s->loop, EVBREAK_ALL);
}

/* Group commit: everything written while handling this batch of requests
 * becomes durable with one fsync, then the held replies go out. */
static void server_after(void *ud)
{
	struct server *s = ud;
	int err = store_commit(s->store);

	if (err)
		server_commit_failed(s, err);
	else if (s->api.http)
		http_release_deferred(s->api.http);
}

static void server_handle(void *ud, struct http_req *req)
{
	struct server *s = ud;

	api_handle(&s->api, req);
}

int server_start(const struct server_config *c, struct server **out)
{
	struct store_opts so = {0};
	struct tls_opts to = {0};
	struct api_config ac = {0};
	struct http_opts ho = {0};
	struct bootstrap_opts bo = {0};
	struct server *s;
	char first_ip[32], fqdn[300], dns_ip[64] = "";
	const char *dns_names[8], *ips[4];
	int err, dns_port = 53;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->c = *c;
	err = server_check(s);
	if (err)
		goto err_free;
	/* before anything in the data dir is opened or written */
	err = datadir_open(c->data_dir, &s->dd);
	if (err)
		goto err_free;
	s->loop = ev_default_loop(EVFLAG_AUTO);

	so.history_min_events = c->history_revs;
	so.history_min_seconds = c->history_secs;
	err = datadir_open_store(s->dd, &so, c->reset_store, &s->store);
	if (err)
		goto err_dd;

	{
		struct alloc_range r;

		alloc_ip_init(&r, c->service_cidr);
		alloc_format_ip(r.base, first_ip, sizeof(first_ip));
		alloc_free(&r);
	}
	snprintf(fqdn, sizeof(fqdn), "kubernetes.default.svc.%s", s->c.cluster_domain);
	dns_names[0] = "localhost";
	dns_names[1] = "kubernetes";
	dns_names[2] = "kubernetes.default";
	dns_names[3] = "kubernetes.default.svc";
	dns_names[4] = fqdn;
	dns_names[5] = NULL;
	ips[0] = "127.0.0.1";
	ips[1] = first_ip;
	ips[2] = s->c.advertise;
	ips[3] = NULL;
	snprintf(s->url, sizeof(s->url), "https://%s:%d", s->c.advertise, c->port);
	to.data_dir = c->data_dir;
	to.server_url = s->url;
	to.dns_names = dns_names;
	to.ips = ips;
	to.token_file = c->token_file;
	err = tls_setup(&to, &s->creds);
	if (err) {
		pr_err("credentials in %s: %s", c->data_dir, strerror(-err));
		goto err_store;
	}

	snprintf(s->advertise, sizeof(s->advertise), "%s:%d", s->c.advertise, c->port);
	ac.advertise = s->advertise;
	ac.cluster_domain = c->cluster_domain;
	ac.cluster_dns = s->c.cluster_dns;
	ac.api_ip = s->c.advertise;
	ac.api_port = c->port;
	snprintf(s->issuer, sizeof(s->issuer), "https://kubernetes.default.svc.%s",
		 c->cluster_domain);
	ac.issuer = s->issuer;
	ac.cluster_cidr = c->cluster_cidr;
	ac.max_body = c->max_body;
	ac.watch_buffer_max = c->watch_buffer;
	ac.watch_buffer_total = c->watch_buffer_total;
	err = api_init(&s->api, s->loop, s->store, c->service_cidr, c->node_port_range, &ac);
	if (err)
		goto err_creds;
	{
		struct auth_config auc = {
		    .data_dir = c->data_dir,
		    .tokens = (const char *const *)s->creds.tokens,
		    .issuer = s->issuer,
		    .node_credential_ttl = SERVER_NODE_CREDENTIAL_TTL,
		};

		err = auth_new(s->store, &auc, &s->auth);
		if (err)
			goto err_api;
	}
	if (c->audit_log) {
		err = audit_open(c->audit_log, &s->audit);
		if (err) {
			pr_err("--audit-log-path %s: %s", c->audit_log, strerror(-err));
			goto err_api;
		}
	}
	s->api.auth = s->auth;
	s->api.audit = s->audit;
	s->api.ca_pem = s->creds.ca_pem;
	s->api.kubelet_token = s->creds.kubelet_token;
	s->api.metrics = server_metrics;
	s->api.commit = server_after;
	s->api.commit_ud = s;
	s->api.metrics_ud = s;

	if (c->dns_bind && strcmp(c->dns_bind, "off")) {
		/* the first DNS listener becomes kube-dns's endpoint if routable */
		if (dns_first_listener(c->dns_bind, dns_ip, sizeof(dns_ip), &dns_port)) {
			pr_err("--dns-bind-address %s: not ADDR:PORT[,ADDR:PORT...]", c->dns_bind);
			err = -EINVAL;
			goto err_api;
		}
		if (!strcmp(dns_ip, "0.0.0.0"))
			snprintf(dns_ip, sizeof(dns_ip), "%s", s->c.advertise);
		if (strchr(dns_ip, ':')) {
			/* kube-dns is an IPv4 Service: an IPv6 listener cannot back it */
			pr_info(
			    "dns: the first --dns-bind-address listener %s is IPv6; kube-dns gets "
			    "no endpoint (list an IPv4 listener first to give it one)",
			    dns_ip);
			dns_ip[0] = 0;
		}
	}
	bo.api_ip = s->c.advertise;
	bo.api_port = c->port;
	bo.cluster_dns = s->c.cluster_dns;
	bo.dns_ip = dns_ip[0] ? dns_ip : NULL;
	bo.dns_port = dns_port > 0 ? dns_port : 53;
	err = bootstrap_run(&s->api, &bo);
	if (!err)
		err = bootstrap_rbac(&s->api);
	if (err)
		goto err_api;
	/* like the refresh below, a full disk must not keep the server down:
	 * nodes then join with a token made by `skiffctl token create` */
	if (bootstrap_join_token(&s->api, c->data_dir, c->join_token_ttl))
		pr_err("auth: no join token in %s/join-token; serving without one", c->data_dir);
	/* A full disk must not keep a restart from serving what is stored:
	 * the failed batch was rolled back, so only the refresh of the
	 * server's own objects (a moved address) is missing. */
	err = store_commit(s->store);
	if (err == -ENOTRECOVERABLE)
		goto err_api;
	if (err) {
		pr_err("store: cannot update the cluster's own objects (%s); serving the stored "
		       "ones, restart once the store is writable",
		       strerror(-err));
		err = server_rebuild_allocs(s);
		if (err)
			goto err_api;
	}

	if (c->dns_bind && strcmp(c->dns_bind, "off")) {
		err = server_dns_start(s->loop, s->store, c, &s->dns);
		if (err)
			goto err_api;
	}
	err = ctrl_enabled("namespace") ? ctrl_namespace_start(&s->api, s->loop, &s->ns_ctrl) : 0;
	if (err)
		goto err_dns;
	if (ctrl_enabled("serviceaccount"))
		err = ctrl_serviceaccount_start(&s->api, s->loop, &s->sa_ctrl);
	if (!err && ctrl_enabled("clusterrole-aggregation"))
		err = ctrl_rbac_aggregate_start(&s->api, s->loop, &s->agg_ctrl);
	if (!err && ctrl_enabled("replicaset"))
		err = ctrl_replicaset_start(&s->api, s->loop, &s->rs_ctrl);
	if (!err && ctrl_enabled("deployment"))
		err = ctrl_deployment_start(&s->api, s->loop, &s->deploy_ctrl);
	if (!err && ctrl_enabled("garbagecollector"))
		err = ctrl_gc_start(&s->api, s->loop, &s->gc_ctrl);
	if (err)
		goto err_ctrl;

	ho.bind_address = c->bind_address;
	ho.port = c->port;
	ho.tls_cert_pem = s->creds.cert_pem;
	ho.tls_key_pem = s->creds.key_pem;
	ho.max_body = c->max_body;
	ho.max_conns = c->max_conns;
	ho.max_conns_per_ip = c->max_conns_per_ip;
	ho.max_unauth_conns = c->max_unauth_conns;
	ho.first_request_secs = c->first_request_secs;
	ho.request_secs = c->request_secs;
	ho.idle_secs = c->idle_secs;
	err = http_server_start(s->loop, &ho, server_handle, server_after, s, &s->api.http);
	if (err) {
		pr_err("cannot serve on %s:%d: %s", c->bind_address, c->port, strerror(-err));
		goto err_ctrl;
	}
	ev_signal_init(&s->sigterm, server_sig_cb, SIGTERM);
	ev_signal_start(s->loop, &s->sigterm);
	ev_signal_init(&s->sigint, server_sig_cb, SIGINT);
	ev_signal_start(s->loop, &s->sigint);
	pr_info("serving on https://%s:%d (kubeconfig: %s/admin.kubeconfig)", c->bind_address,
		c->port, c->data_dir);
	*out = s;
	return 0;

err_ctrl:
	ctrl_gc_stop(s->gc_ctrl);
	ctrl_deployment_stop(s->deploy_ctrl);
	ctrl_replicaset_stop(s->rs_ctrl);
	ctrl_rbac_aggregate_stop(s->agg_ctrl);
	ctrl_serviceaccount_stop(s->sa_ctrl);
	ctrl_namespace_stop(s->ns_ctrl);
err_dns:
	server_dns_stop(s->dns);
err_api:
	api_fini(&s->api);
	audit_close(s->audit);
	auth_free(s->auth);
err_creds:
	tls_creds_free(&s->creds);
err_store:
	store_close(s->store);
err_dd:
	datadir_close(s->dd);
err_free:
	free(s);
	return err ? err : -EINVAL;
}

int server_run(struct server *s)
{
	ev_run(s->loop, 0);
	return s->exit_code;
}

void server_stop(struct server *s)
{
	if (!s)
		return;
	http_server_stop(s->api.http);
	ctrl_gc_stop(s->gc_ctrl);
	ctrl_deployment_stop(s->deploy_ctrl);
	ctrl_replicaset_stop(s->rs_ctrl);
	ctrl_rbac_aggregate_stop(s->agg_ctrl);
	ctrl_serviceaccount_stop(s->sa_ctrl);
	ctrl_namespace_stop(s->ns_ctrl);
	if (store_dirty(s->store) && store_commit(s->store))
		pr_err("store: final commit failed");
	server_dns_stop(s->dns);
	api_fini(&s->api);
	/* after http_server_stop: every request has ended (and been logged) */
	audit_close(s->audit);
	auth_free(s->auth);
	store_close(s->store);
	tls_creds_free(&s->creds);
	datadir_close(s->dd);
	free(s);
}
