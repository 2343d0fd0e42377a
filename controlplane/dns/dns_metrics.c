/* dns_metrics: Prometheus text for the DNS server's counters and the
 * programming-latency histogram. */
#include <stdarg.h>
#include <stdio.h>
#include "dns.h"
#include "dns_forward.h"
#include "dns_index.h"
#include "dns_server.h"

/* Programming-latency histogram bounds in seconds. */
static const double lat_bounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
				    0.01,   0.025,   0.05,   0.1,   0.25};
_Static_assert(sizeof(lat_bounds) / sizeof(lat_bounds[0]) == DNS_NLAT, "DNS_NLAT");

/* rcodes counted by name; the last slot collects the rest */
static const struct {
	int rcode;
	const char *name;
} rcode_names[] = {
    {DNS_R_NOERROR, "NOERROR"},	  {DNS_R_FORMERR, "FORMERR"},
    {DNS_R_SERVFAIL, "SERVFAIL"}, {DNS_R_NXDOMAIN, "NXDOMAIN"},
    {DNS_R_NOTIMP, "NOTIMP"},	  {DNS_R_REFUSED, "REFUSED"},
    {DNS_R_BADVERS, "BADVERS"},	  {-1, "other"},
};
_Static_assert(sizeof(rcode_names) / sizeof(rcode_names[0]) == DNS_NRCODE, "DNS_NRCODE");

void dns_metrics_rcode(struct dns_server *d, int rcode)
{
	size_t i;

	for (i = 0; i < DNS_NRCODE - 1; i++)
		if (rcode_names[i].rcode == rcode)
			break;
	d->m.responses[i]++;
}

void dns_metrics_latency(struct dns_server *d, double dt)
{
	d->m.lat_count++;
	d->m.lat_sum += dt;
	for (size_t i = 0; i < DNS_NLAT; i++)
		if (dt <= lat_bounds[i])
			d->m.lat_buckets[i]++;
}

struct mbuf {
	char *buf;
	size_t len, off;
};

__attribute__((format(printf, 2, 3))) static void mprintf(struct mbuf *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(m->off < m->len ? m->buf + m->off : NULL,
		      m->off < m->len ? m->len - m->off : 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		m->off += (size_t)n;
}

static void counter(struct mbuf *m, const char *name, const char *help, uint64_t v)
{
	mprintf(m, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
		(unsigned long long)v);
}

static void gauge(struct mbuf *m, const char *name, const char *help, uint64_t v)
{
	mprintf(m, "# HELP %s %s\n# TYPE %s gauge\n%s %llu\n", name, help, name, name,
		(unsigned long long)v);
}

size_t dns_metrics(struct dns_server *d, char *buf, size_t len)
{
	struct mbuf m = {.buf = buf, .len = len};
	struct dns_fwd_stats fs;

	if (len)
		buf[0] = '\0';
	if (!d)
		return 0;
	dns_fwd_stats(d->fwd, &fs);
	mprintf(&m,
		"# HELP skiff_dns_requests_total DNS queries received.\n"
		"# TYPE skiff_dns_requests_total counter\n"
		"skiff_dns_requests_total{transport=\"udp\"} %llu\n"
		"skiff_dns_requests_total{transport=\"tcp\"} %llu\n",
		(unsigned long long)d->m.requests[0], (unsigned long long)d->m.requests[1]);
	mprintf(&m, "# HELP skiff_dns_responses_total DNS responses sent, by rcode.\n"
		    "# TYPE skiff_dns_responses_total counter\n");
	for (size_t i = 0; i < DNS_NRCODE; i++)
		mprintf(&m, "skiff_dns_responses_total{rcode=\"%s\"} %llu\n", rcode_names[i].name,
			(unsigned long long)d->m.responses[i]);
	counter(&m, "skiff_dns_dropped_total", "Queries dropped (malformed, responses, loops).",
		d->m.dropped);
	counter(&m, "skiff_dns_truncated_total", "UDP responses sent with TC.", d->m.truncated);
	counter(&m, "skiff_dns_forward_requests_total", "Queries forwarded upstream.",
		d->m.forwarded);
	counter(&m, "skiff_dns_forward_timeouts_total", "Upstream attempts that timed out.",
		fs.timeouts);
	counter(&m, "skiff_dns_forward_failures_total", "Forwarded queries answered SERVFAIL.",
		fs.failed + fs.rejected_busy);
	counter(&m, "skiff_dns_forward_loops_total", "Queries dropped as forwarding loops.",
		d->m.loops);
	gauge(&m, "skiff_dns_forward_inflight", "Upstream queries in flight.", fs.inflight);
	gauge(&m, "skiff_dns_tcp_connections", "Open DNS TCP connections.", d->nconns);
	counter(&m, "skiff_dns_tcp_rejected_total", "TCP connections refused at the cap.",
		d->m.tcp_rejected);
	gauge(&m, "skiff_dns_names", "Names in the cluster DNS index.", dns_index_names(d->ix));
	gauge(&m, "skiff_dns_services", "Services in the cluster DNS index.",
	      dns_index_services(d->ix));
	gauge(&m, "skiff_dns_synced", "1 once the initial state is loaded.", d->synced);
	counter(&m, "skiff_dns_events_total", "Store events applied to the DNS index.",
		d->m.events);
	mprintf(&m, "# HELP skiff_dns_programming_duration_seconds Service/EndpointSlice change "
		    "to answerable in DNS.\n"
		    "# TYPE skiff_dns_programming_duration_seconds histogram\n");
	for (size_t i = 0; i < DNS_NLAT; i++)
		mprintf(&m, "skiff_dns_programming_duration_seconds_bucket{le=\"%g\"} %llu\n",
			lat_bounds[i], (unsigned long long)d->m.lat_buckets[i]);
	mprintf(&m,
		"skiff_dns_programming_duration_seconds_bucket{le=\"+Inf\"} %llu\n"
		"skiff_dns_programming_duration_seconds_sum %.9f\n"
		"skiff_dns_programming_duration_seconds_count %llu\n",
		(unsigned long long)d->m.lat_count, d->m.lat_sum,
		(unsigned long long)d->m.lat_count);
	return m.off;
}
