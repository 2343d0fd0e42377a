/* node_http: /metrics and /healthz of skiff-node. */
#include "node_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <microhttpd.h>

#include "log.h"

struct node_http {
	struct MHD_Daemon *d;
	struct proxy_status *st;
	const struct lbmap_fds *fds;
	char *node_name;
};

/* A growing string for the metrics text. */
struct sbuf {
	char *s;
	size_t len, cap;
	int oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = 1;
			return;
		}
		if (b->s && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap ? b->cap * 2 : 4096;
			char *s;

			while (cap < b->len + (size_t)n + 1)
				cap *= 2;
			s = realloc(b->s, cap);
			if (!s) {
				b->oom = 1;
				return;
			}
			b->s = s;
			b->cap = cap;
		}
	}
}

char *node_http_metrics(struct proxy_status *st, const struct lbmap_fds *fds)
{
	static const char *const res[2] = {"services", "endpointslices"};
	struct proxy_status c;
	struct sbuf b = {0};
	uint64_t ev[LB_STAT_MAX], cum = 0;
	int i;

	pthread_mutex_lock(&st->mu);
	memcpy(&c, st, sizeof(c));
	pthread_mutex_unlock(&st->mu);

	sb_printf(&b, "# HELP skiff_proxy_sync_latency_seconds Time from a Service or "
		      "EndpointSlice change read from the watch to the BPF maps written.\n"
		      "# TYPE skiff_proxy_sync_latency_seconds histogram\n");
	for (i = 0; i < PROXY_LAT_BUCKETS; i++) {
		cum += c.lat_bucket[i];
		sb_printf(&b, "skiff_proxy_sync_latency_seconds_bucket{le=\"%g\"} %llu\n",
			  proxy_lat_bounds[i], (unsigned long long)cum);
	}
	sb_printf(&b,
		  "skiff_proxy_sync_latency_seconds_bucket{le=\"+Inf\"} %llu\n"
		  "skiff_proxy_sync_latency_seconds_sum %.9f\n"
		  "skiff_proxy_sync_latency_seconds_count %llu\n",
		  (unsigned long long)c.lat_count, c.lat_sum, (unsigned long long)c.lat_count);
	sb_printf(&b,
		  "# HELP skiff_proxy_synced 1 once the first full sync has been applied.\n"
		  "# TYPE skiff_proxy_synced gauge\nskiff_proxy_synced %d\n"
		  "# HELP skiff_proxy_services_programmed Service ports (vip, port, proto) in "
		  "the maps.\n# TYPE skiff_proxy_services_programmed gauge\n"
		  "skiff_proxy_services_programmed %u\n"
		  "# HELP skiff_proxy_endpoints_programmed Backend slots in the maps.\n"
		  "# TYPE skiff_proxy_endpoints_programmed gauge\n"
		  "skiff_proxy_endpoints_programmed %u\n"
		  "# HELP skiff_proxy_backends Backend ids in use, including draining ones.\n"
		  "# TYPE skiff_proxy_backends gauge\nskiff_proxy_backends %u\n"
		  "# HELP skiff_proxy_backends_draining Backends in no service that still have "
		  "connections.\n# TYPE skiff_proxy_backends_draining gauge\n"
		  "skiff_proxy_backends_draining %u\n",
		  c.synced, c.services, c.endpoints, c.backends, c.draining);
	sb_printf(&b,
		  "# HELP skiff_proxy_unprogrammed_service_ports Service ports the maps do not "
		  "(fully) serve now (ids or map space exhausted, too many endpoints, failed "
		  "writes); /healthz is 503 while this is not 0.\n"
		  "# TYPE skiff_proxy_unprogrammed_service_ports gauge\n"
		  "skiff_proxy_unprogrammed_service_ports %u\n"
		  "# HELP skiff_proxy_unprogrammed_total Times a service port failed to be "
		  "programmed (each retry counts).\n"
		  "# TYPE skiff_proxy_unprogrammed_total counter\n"
		  "skiff_proxy_unprogrammed_total %llu\n"
		  "# HELP skiff_proxy_endpoints_refused Endpoint addresses not programmed because "
		  "no connection may go there (unspecified, broadcast, multicast, link-local, the "
		  "service's own IP).\n"
		  "# TYPE skiff_proxy_endpoints_refused gauge\nskiff_proxy_endpoints_refused %u\n"
		  "# HELP skiff_proxy_service_ports_unsupported Service ports with a protocol the "
		  "socket load balancer does not handle (SCTP).\n"
		  "# TYPE skiff_proxy_service_ports_unsupported gauge\n"
		  "skiff_proxy_service_ports_unsupported %u\n",
		  c.unprogrammed, (unsigned long long)c.unprogrammed_total, c.endpoints_refused,
		  c.ports_unsupported);
	sb_printf(&b, "# HELP skiff_proxy_watch_restarts_total Watches that ended and were "
		      "restarted.\n# TYPE skiff_proxy_watch_restarts_total counter\n");
	for (i = 0; i < 2; i++)
		sb_printf(&b, "skiff_proxy_watch_restarts_total{resource=\"%s\"} %llu\n", res[i],
			  (unsigned long long)c.watch_restarts[i]);
	sb_printf(&b, "# HELP skiff_proxy_lists_total Completed (re)lists.\n"
		      "# TYPE skiff_proxy_lists_total counter\n");
	for (i = 0; i < 2; i++)
		sb_printf(&b, "skiff_proxy_lists_total{resource=\"%s\"} %llu\n", res[i],
			  (unsigned long long)c.lists[i]);
	sb_printf(&b,
		  "# HELP skiff_proxy_map_writes_total BPF map updates and deletes issued.\n"
		  "# TYPE skiff_proxy_map_writes_total counter\nskiff_proxy_map_writes_total %llu\n"
		  "# HELP skiff_proxy_sync_errors_total Syncs that failed to write a map.\n"
		  "# TYPE skiff_proxy_sync_errors_total counter\nskiff_proxy_sync_errors_total "
		  "%llu\n"
		  "# HELP skiff_proxy_full_syncs_total Full syncs after a (re)list.\n"
		  "# TYPE skiff_proxy_full_syncs_total counter\nskiff_proxy_full_syncs_total %llu\n"
		  "# HELP skiff_proxy_repairs_total Map entries fixed by the periodic reconcile.\n"
		  "# TYPE skiff_proxy_repairs_total counter\nskiff_proxy_repairs_total %llu\n",
		  (unsigned long long)c.map_writes, (unsigned long long)c.sync_errors,
		  (unsigned long long)c.full_syncs, (unsigned long long)c.repairs);
	if (fds && lbmap_stats_read(fds, ev) == 0) {
		sb_printf(&b, "# HELP skiff_lb_events_total Socket load balancer events and "
			      "failures, by kind (BPF per-CPU counters).\n"
			      "# TYPE skiff_lb_events_total counter\n");
		for (i = 0; i < LB_STAT_MAX; i++)
			sb_printf(&b, "skiff_lb_events_total{event=\"%s\"} %llu\n",
				  lb_stat_names[i], (unsigned long long)ev[i]);
	}
	if (b.oom) {
		free(b.s);
		return NULL;
	}
	return b.s;
}

static void iso_time(double t, char *buf, size_t len)
{
	time_t s = (time_t)t;
	struct tm tm;

	gmtime_r(&s, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

char *node_http_healthz(struct proxy_status *st, const char *node_name, int *code)
{
	struct proxy_status c;
	cJSON *o = cJSON_CreateObject();
	char ts[64];
	char *out;
	struct timespec now;

	if (!o)
		return NULL;
	pthread_mutex_lock(&st->mu);
	memcpy(&c, st, sizeof(c));
	pthread_mutex_unlock(&st->mu);
	clock_gettime(CLOCK_REALTIME, &now);
	/* kube-proxy's fields first, then Skiff's. */
	iso_time(c.last_sync ? c.last_sync : c.started, ts, sizeof(ts));
	cJSON_AddStringToObject(o, "lastUpdated", ts);
	iso_time((double)now.tv_sec, ts, sizeof(ts));
	cJSON_AddStringToObject(o, "currentTime", ts);
	cJSON_AddStringToObject(o, "nodeName", node_name ? node_name : "");
	cJSON_AddStringToObject(o, "mode", "bpf");
	cJSON_AddBoolToObject(o, "synced", c.synced);
	cJSON_AddStringToObject(o, "lastError", c.last_error);
	cJSON_AddNumberToObject(o, "services", c.services);
	cJSON_AddNumberToObject(o, "endpoints", c.endpoints);
	cJSON_AddNumberToObject(o, "backends", c.backends);
	cJSON_AddNumberToObject(o, "draining", c.draining);
	cJSON_AddNumberToObject(o, "watchRestarts",
				(double)(c.watch_restarts[0] + c.watch_restarts[1]));
	cJSON_AddNumberToObject(o, "syncErrors", (double)c.sync_errors);
	cJSON_AddNumberToObject(o, "mapWrites", (double)c.map_writes);
	cJSON_AddNumberToObject(o, "unprogrammedServicePorts", c.unprogrammed);
	cJSON_AddStringToObject(o, "unprogrammedReason", c.unprogrammed_reason);
	cJSON_AddNumberToObject(o, "endpointsRefused", c.endpoints_refused);
	cJSON_AddNumberToObject(o, "unsupportedServicePorts", c.ports_unsupported);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	/* a service port that connects nowhere is an unhealthy proxy */
	*code = c.synced && !c.unprogrammed ? 200 : 503;
	return out;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_size, void **con_cls)
{
	struct node_http *h = cls;
	struct MHD_Response *r;
	const char *type = "text/plain; charset=utf-8";
	enum MHD_Result ret;
	char *body = NULL;
	int code = 200;

	(void)version;
	(void)upload_data;
	(void)upload_size;
	(void)con_cls;
	if (strcmp(method, "GET") && strcmp(method, "HEAD")) {
		code = 405;
		body = strdup("method not allowed\n");
	} else if (!strcmp(url, "/metrics")) {
		type = "text/plain; version=0.0.4; charset=utf-8";
		body = node_http_metrics(h->st, h->fds);
		if (!body)
			code = 500;
	} else if (!strcmp(url, "/healthz") || !strcmp(url, "/livez")) {
		type = "application/json";
		body = node_http_healthz(h->st, h->node_name, &code);
		if (!body)
			code = 500;
	} else {
		code = 404;
		body = strdup("not found\n");
	}
	/* Copied (bodies are small), so ownership stays simple here. */
	r = MHD_create_response_from_buffer(body ? strlen(body) : 0, body ? body : (char *)"",
					    MHD_RESPMEM_MUST_COPY);
	free(body);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	ret = MHD_queue_response(conn, (unsigned)code, r);
	MHD_destroy_response(r);
	return ret;
}

struct node_http *node_http_start(const char *bind, struct proxy_status *st,
				  const struct lbmap_fds *fds, const char *node_name, char *err,
				  size_t errlen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	struct node_http *h;
	char host[64];
	const char *colon = strrchr(bind, ':');
	long port;
	char *end;

	if (!colon || (size_t)(colon - bind) >= sizeof(host)) {
		snprintf(err, errlen, "bind address %s: want ip:port", bind);
		return NULL;
	}
	memcpy(host, bind, (size_t)(colon - bind));
	host[colon - bind] = 0;
	port = strtol(colon + 1, &end, 10);
	if (*end || port < 1 || port > 65535 ||
	    inet_pton(AF_INET, host[0] ? host : "0.0.0.0", &sa.sin_addr) != 1) {
		snprintf(err, errlen, "bind address %s: want an IPv4 ip:port", bind);
		return NULL;
	}
	sa.sin_port = htons((uint16_t)port);
	h = calloc(1, sizeof(*h));
	if (!h || !(h->node_name = strdup(node_name ? node_name : ""))) {
		free(h);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	h->st = st;
	h->fds = fds;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL,
				handle, h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
	if (!h->d) {
		snprintf(err, errlen, "cannot listen on %s (in use?)", bind);
		free(h->node_name);
		free(h);
		return NULL;
	}
	return h;
}

void node_http_stop(struct node_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h->node_name);
	free(h);
}
