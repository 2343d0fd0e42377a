/* audit: the kube-apiserver audit log (--audit-log-path).
 *
 * One JSON line per request, an audit.k8s.io/v1 Event at level Metadata as
 * kube-apiserver writes it (stage ResponseComplete): who (user, groups,
 * impersonated user, source IP, user agent), what (verb, request URI,
 * objectRef), the response code, the timestamps and the authorizer's
 * decision, plus the annotation "skiff.io/latency" (Go duration text).
 *
 * What is never logged: request and response headers and bodies. So no
 * bearer token, no Authorization header, no Secret data and no object is
 * ever written; the request URI (path?query as received) is the only text
 * of the request that reaches the log, as upstream at level Metadata.
 *
 * Each line goes out in a single write(2) to an O_APPEND descriptor, so
 * lines never interleave. A failed write never stops or blocks the server:
 * the line is dropped, counted (audit_dropped) and the first failure is
 * warned about.
 */
#ifndef SKIFF_AUDIT_H
#define SKIFF_AUDIT_H

#include <stddef.h>
#include <stdint.h>

struct audit;
struct audit_event;

/* Open (append, O_CLOEXEC, 0600, created if missing) the log at path; "-"
 * means stdout (reopened non-blocking where it is a pipe or terminal).
 * 0 or -errno. */
int audit_open(const char *path, struct audit **out);
/* Close after every event has ended (stop the http server first: that
 * ends every request). NULL is fine. */
void audit_close(struct audit *au);
/* Lines lost: failed or short writes, and events that could not be
 * allocated. */
uint64_t audit_dropped(const struct audit *au);

struct audit_user {
	const char *name, *uid;
	const char *const *groups;
	int ngroups;
};

/* One request's event, begun when its request arrives; the strings are
 * copied. NULL or "" members are left out of the line. */
struct audit_req_info {
	/* Kubernetes verb: get list watch create update patch delete
	 * deletecollection, or the lower-case HTTP method for a non-resource
	 * URL */
	const char *verb;
	const char *request_uri; /* path?query as received */
	const char *source_ip, *user_agent;
	const struct audit_user *user;	       /* NULL: authentication failed (401) */
	const struct audit_user *impersonated; /* NULL unless Impersonate-* headers took effect */
	/* objectRef; resource NULL for non-resource URLs */
	const char *resource, *subresource, *ns, *name, *api_group, *api_version;
	/* "allow"/"forbid" and the authorizer's reason (annotations), may be
	 * NULL */
	const char *decision, *reason;
};

/* NULL when au is NULL (no audit log) or out of memory (counted as
 * dropped); audit_end accepts NULL, so callers need not check. */
struct audit_event *audit_begin(struct audit *au, const struct audit_req_info *info);
/* The event's auditID (a random UUID v4), for the Audit-Id response
 * header as upstream sends it. */
const char *audit_event_id(const struct audit_event *ev);
/* The request ended with HTTP status (its http_done_fn; 0: the connection
 * closed before any response, written without a code): writes the line
 * and frees ev. */
void audit_end(struct audit_event *ev, int status);
/* Same signature as http_done_fn so callers can pass audit_end_cb directly
 * with ev as ud. */
void audit_end_cb(void *ev, int status);

/* A duration in nanoseconds as Go's time.Duration.String() prints it
 * ("1.234567ms", "850µs", "2m3.5s"); out holds at least 32 bytes. */
void audit_go_duration(char *out, uint64_t ns);

#endif
