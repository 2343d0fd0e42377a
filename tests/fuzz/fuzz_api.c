/* libFuzzer harness over skiff-server's whole request pipeline: the real
 * api_handle (routing, CRUD, /status, /scale, /binding, patches of all
 * three types, dryRun, list with selectors, watch streams, Service address
 * allocation) and server.c's group commit over an in-memory SQLite store,
 * with http.h provided by http_shim.c instead of libmicrohttpd.
 *
 * One api and store live across inputs (seeded at start, rebuilt every
 * FUZZ_RESET_EVERY inputs or $SKIFF_FUZZ_RESET, so state built by earlier
 * inputs is reachable: to replay a crash on its own, run the binary with
 * SKIFF_FUZZ_RESET=1 and check it still fails). SKIFF_FUZZ_TRACE=1 prints
 * each request and its reply.
 *
 * Input: up to FUZZ_MAX_REQS requests separated by NUL bytes. Each is
 *   op, target, flags, body...
 * where each of the three control bytes holds its value plus one (so no
 * choice needs a NUL byte; gen_api_seeds.py writes the seeds).
 * op & 15: 0 GET, 1 LIST, 2 WATCH, 3 POST (collection), 4/12 PUT,
 *   5/13 PATCH merge, 6/14 PATCH strategic, 7/15 PATCH json-patch,
 *   8 DELETE, 9 POST on the object (binding), 10 PATCH server-side apply
 *   (?fieldManager=fz; flags 0x80: &force=true; 0x80 in op: no
 *   Content-Type, no fieldManager), 11 raw: the body's first line is
 *   "METHOD /path?query" (flags & 4: the next line is the Accept header,
 *   so the media-range parser of api_accept.c sees any bytes);
 * op 0x10 ?dryRun=All, 0x20 ?dryRun=<unsupported>, 0x40 Accept a Table,
 *   0x80 no Content-Type;
 * target: resource type (% number of types), then subresource ("",
 *   status, scale, binding);
 * flags & 3: name (seed, fz-a, fz-b, kubernetes); (flags >> 2) & 3:
 *   namespace (default, seed, kube-system, fz-a); 0x40: no namespace in
 *   the path; for a watch 0x10/0x20 pick resourceVersion (recent, "1",
 *   future) and 0x80 makes it a client that never reads.
 * For LIST and WATCH the body is "labelSelector\nfieldSelector". In any
 * body, "@RV@" becomes the target's current resourceVersion, so PUTs and
 * preconditions can match.
 *
 * After each request: exactly one reply and none still held; replies are
 * JSON; an error is a Status whose code is the HTTP code; a Table has a
 * cell per column; GET, dryRun=All and any 4xx leave store_rev alone; an
 * unsupported dryRun value never succeeds; no 5xx (but a GET's 504); a
 * stored object that changed parses, carries its revision as
 * resourceVersion, fits the object limit and is what the write answered;
 * the address allocators equal what the stored Services hold; watch lines
 * are JSON events; the group commit never fails.
 *
 * The server runs with a FUZZ_MAX_BODY limit (request bodies and stored
 * objects, 256 KiB) well inside FUZZ_MAX_LEN (1 MiB) so that both sides of
 * it are reachable; skiff-server's default --max-request-bytes is 3 MiB,
 * beyond what libFuzzer mutates at a useful speed.
 *
 * Every request carries the admin's bearer token (a static token of user
 * "admin" in system:masters, as skiff-server's data dir holds one), so it
 * goes through authentication, authorization and admission (auth/, with
 * the RBAC index over the store and the default policy) to the handlers:
 * no reply may be 401 or an RBAC 403. Each request is audited (to
 * /dev/null) like --audit-log-path does.
 *
 * Leaks: memory still held by the server after it was torn down (every
 * FUZZ_RESET_EVERY inputs) is reported by LeakSanitizer and aborts.
 */
/* clang-format off */
/* FUZZ_SOURCES: tests/fuzz/http_shim.c tests/fuzz/kclient_shim.c controlplane/apiserver/*.c controlplane/registry/*.c controlplane/patch/*.c controlplane/store/*.c controlplane/controllers/*.c controlplane/schema/*.c controlplane/bootstrap.c controlplane/bootstrap_rbac.c controlplane/auth/*.c controlplane/tls.c lib/kubeconfig.c lib/jointoken.c lib/strmap.c lib/quantity.c lib/jcmp.c lib/json_path.c lib/ktime.c lib/buf.c lib/log.c lib/selector.c lib/selector_labels.c lib/selector_fields.c lib/selector_valid.c lib/yamljson.c */
/* FUZZ_PKGS: sqlite3 yaml-0.1 gnutls */
/* FUZZ_MAX_LEN: 1048576 */
/* FUZZ_OPTS: -detect_leaks=0 */
/* clang-format on */
#include <ev.h>
#include <sanitizer/lsan_interface.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <unistd.h>
#include "apiserver/api.h"
#include "auth/audit.h"
#include "auth/auth.h"
#include "bootstrap.h"
#include "http_shim.h"
#include "log.h"

#define FUZZ_MAX_REQS	 8
#define FUZZ_RESET_EVERY 256
#define FUZZ_MAX_BODY	 (256 * 1024)
/* small ranges, so that "range is full" is reachable */
#define FUZZ_SVC_CIDR	 "10.96.0.0/24"
#define FUZZ_CLUSTER_DNS "10.96.0.10"
#define FUZZ_NODE_PORTS	 "30000-30063"
/* a watcher that falls this far behind gets 410 and is closed */
#define FUZZ_WATCH_BUF	 (64 * 1024)
#define FUZZ_ADMIN_TOKEN "fuzz0admin0token0000000000000000"
#define FUZZ_AUTHZ	 "Bearer " FUZZ_ADMIN_TOKEN

static const char *const fuzz_names[] = {"seed", "fz-a", "fz-b", "kubernetes"};
static const char *const fuzz_nss[] = {"default", "seed", "kube-system", "fz-a"};
static const char *const fuzz_subs[] = {"", "status", "scale", "binding"};

static struct {
	struct ev_loop *loop;
	struct store *st;
	struct api api;
	struct auth *auth;
	struct audit *audit;
	char data_dir[64]; /* sa.key */
	bool up, seeding, trace;
	unsigned inputs, reset_every;
} F;

struct fuzz_req {
	const char *method;
	char target[4096]; /* path?query */
	const char *ctype, *accept;
	char *body;
	size_t len;
	bool stalled; /* a watch whose client never reads */
};

static void fuzz_die(const char *what, const struct fuzz_req *q, const struct http_req *r)
{
	fprintf(stderr, "fuzz_api: %s\n  %s %s (Content-Type %s)\n  -> %d %.2000s\n", what,
		q->method, q->target, q->ctype ? q->ctype : "-", r ? r->status : 0,
		r && r->resp ? r->resp : "");
	abort();
}

/* --- invariants --- */

/* A Status says what the HTTP code says; an error is always a Status. */
static void fuzz_check_status(const struct fuzz_req *q, const struct http_req *r, const cJSON *j)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
	const cJSON *code, *st, *msg, *reason;
	bool fail = r->status >= 400;

	if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "Status")) {
		if (fail)
			fuzz_die("error reply is not a Status", q, r);
		return;
	}
	code = cJSON_GetObjectItemCaseSensitive(j, "code");
	st = cJSON_GetObjectItemCaseSensitive(j, "status");
	msg = cJSON_GetObjectItemCaseSensitive(j, "message");
	reason = cJSON_GetObjectItemCaseSensitive(j, "reason");
	/* a Success Status may leave code out (upstream's delete does) */
	if (code && (!cJSON_IsNumber(code) || code->valuedouble != r->status))
		fuzz_die("Status code differs from the HTTP code", q, r);
	if (!code && fail)
		fuzz_die("failure Status without code", q, r);
	if (!cJSON_IsString(st) || strcmp(st->valuestring, fail ? "Failure" : "Success"))
		fuzz_die("Status status does not match the HTTP code", q, r);
	if (fail && (!cJSON_IsString(msg) || !*msg->valuestring || !cJSON_IsString(reason) ||
		     !*reason->valuestring))
		fuzz_die("failure Status without message or reason", q, r);
}

/* kubectl needs one cell per column in every row. */
static void fuzz_check_table(const struct fuzz_req *q, const struct http_req *r, const cJSON *j)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(j, "kind");
	const cJSON *cols = cJSON_GetObjectItemCaseSensitive(j, "columnDefinitions");
	const cJSON *row;

	if (!cJSON_IsString(kind) || strcmp(kind->valuestring, "Table"))
		return;
	if (!cJSON_IsArray(cols))
		fuzz_die("Table without columnDefinitions", q, r);
	cJSON_ArrayForEach(row, cJSON_GetObjectItemCaseSensitive(j, "rows"))
	{
		const cJSON *cells = cJSON_GetObjectItemCaseSensitive(row, "cells");

		if (cJSON_GetArraySize(cells) != cJSON_GetArraySize(cols))
			fuzz_die("Table row cells differ from its columns", q, r);
	}
}

/* The routing invariants the dispatcher relies on. */
static bool fuzz_route(const char *path, struct api_target *t)
{
	if (api_route(path, t))
		return false;
	if (!t->rt || (t->has_name && t->rt->namespaced && !t->has_ns) ||
	    (t->has_ns && !t->rt->namespaced) || strnlen(t->ns, sizeof(t->ns)) == sizeof(t->ns) ||
	    strnlen(t->name, sizeof(t->name)) == sizeof(t->name) ||
	    strnlen(t->sub, sizeof(t->sub)) == sizeof(t->sub))
		abort();
	return true;
}

struct fuzz_changed {
	const struct fuzz_req *q;
	const struct http_req *r;
	int64_t since;
};

/* Every object written by the request: valid, stamped, within the limit. */
static void fuzz_check_kv(void *ud, const struct store_kv *kv)
{
	const struct fuzz_changed *c = ud;
	const char *slash = strrchr(kv->key, '/');
	cJSON *o;
	const char *rv, *name;
	char want[24];

	if (kv->mod_rev <= c->since)
		return;
	if (kv->value_len > api_max_object(&F.api))
		fuzz_die("stored object over the object size limit", c->q, c->r);
	o = cJSON_Parse(kv->value);
	if (!cJSON_IsObject(o))
		fuzz_die("stored object is not a JSON object", c->q, c->r);
	rv = json_str(o, "metadata.resourceVersion");
	name = json_str(o, "metadata.name");
	snprintf(want, sizeof(want), "%lld", (long long)kv->mod_rev);
	if (!rv || strcmp(rv, want))
		fuzz_die("stored resourceVersion is not the object's revision", c->q, c->r);
	if (!name || !slash || strcmp(slash + 1, name))
		fuzz_die("stored metadata.name is not the key's name", c->q, c->r);
	cJSON_Delete(o);
}

static bool fuzz_bits_equal(const struct alloc_range *x, const struct alloc_range *y)
{
	return x->size == y->size && x->used == y->used &&
	       !memcmp(x->bits, y->bits, ((size_t)x->size + 63) / 64 * sizeof(uint64_t));
}

/* The allocators hold exactly what the stored Services hold: a failed or
 * dry-run write kept nothing, a delete released everything. */
static void fuzz_check_alloc(const struct fuzz_req *q, const struct http_req *r)
{
	struct api tmp = {.store = F.st};

	snprintf(tmp.svc_cidr, sizeof(tmp.svc_cidr), "%s", FUZZ_SVC_CIDR);
	snprintf(tmp.node_port_range, sizeof(tmp.node_port_range), "%s", FUZZ_NODE_PORTS);
	if (api_alloc_rebuild(&tmp))
		abort();
	if (!fuzz_bits_equal(&tmp.alloc.svc_ips, &F.api.alloc.svc_ips))
		fuzz_die("cluster IP allocator differs from the stored Services", q, r);
	if (!fuzz_bits_equal(&tmp.alloc.node_ports, &F.api.alloc.node_ports))
		fuzz_die("node port allocator differs from the stored Services", q, r);
	alloc_free(&tmp.alloc.svc_ips);
	alloc_free(&tmp.alloc.node_ports);
}

/* dryRun in a DeleteOptions body: 1 all "All", -1 another value, 0 none. */
static int fuzz_body_dry(const struct fuzz_req *q)
{
	cJSON *o = cJSON_ParseWithLength(q->body, q->len);
	const cJSON *dr = cJSON_GetObjectItemCaseSensitive(o, "dryRun"), *v;
	int ret = 0;

	if (cJSON_IsArray(dr)) {
		cJSON_ArrayForEach(v, dr)
		{
			if (cJSON_IsString(v) && !strcmp(v->valuestring, "All")) {
				ret = ret ? ret : 1;
			} else {
				ret = -1;
				break;
			}
		}
	}
	cJSON_Delete(o);
	return ret;
}

static void fuzz_check(const struct fuzz_req *q, const struct http_req *r, int64_t before)
{
	int64_t rev = store_rev(F.st);
	bool get = !strcmp(q->method, "GET"), routed;
	const char *dry = http_req_query(r, "dryRun");
	struct api_target t;
	cJSON *j = NULL;

	if (r->nreplies != 1)
		fuzz_die("not exactly one reply", q, r);
	if (r->status == 401 ||
	    (r->status == 403 && r->resp && strstr(r->resp, "User \\\"admin\\\"")))
		fuzz_die("the admin was refused", q, r);
	if (r->deferred)
		fuzz_die("reply still held after the group commit", q, r);
	routed = fuzz_route(r->path, &t);
	if (!r->stream) {
		if (!strncmp(r->ctype, "application/json", 16)) {
			j = cJSON_ParseWithLengthOpts(r->resp, r->resp_len + 1, NULL, true);
			if (!j)
				fuzz_die("reply is not JSON", q, r);
			fuzz_check_status(q, r, j);
			fuzz_check_table(q, r, j);
		} else if (r->status >= 400) {
			fuzz_die("error reply is not JSON", q, r);
		}
	}
	/* 504 is upstream's answer to a list or watch from ahead of the store */
	if (r->status >= 500 && !(get && r->status == 504))
		fuzz_die("server error", q, r);
	if (rev != before) {
		struct fuzz_changed c = {q, r, before};

		if (get)
			fuzz_die("GET changed the store", q, r);
		if (r->status >= 400)
			fuzz_die("a 4xx changed the store", q, r);
		if (dry && !strcmp(dry, "All"))
			fuzz_die("dryRun=All changed the store", q, r);
		if (!strcmp(q->method, "DELETE") && fuzz_body_dry(q) > 0)
			fuzz_die("DeleteOptions dryRun changed the store", q, r);
		if (!r->was_deferred)
			fuzz_die("a write answered before its commit", q, r);
		store_list(F.st, "/registry/", fuzz_check_kv, &c);
	}
	if (routed && !get && dry && strcmp(dry, "All") && r->status < 400)
		fuzz_die("an unsupported dryRun value was accepted", q, r);
	/* what a write answered is what it stored */
	if (j && rev != before && r->status < 300 && routed &&
	    (!t.sub[0] || !strcmp(t.sub, "status")) && strcmp(q->method, "DELETE")) {
		const char *ns = json_str(j, "metadata.namespace");
		const char *name = json_str(j, "metadata.name");
		const struct store_kv *kv;
		char key[600];

		api_key(key, sizeof(key), t.rt, ns ? ns : "", name ? name : "");
		kv = store_get(F.st, key);
		if (!kv || strcmp(kv->value, r->resp))
			fuzz_die("reply differs from the stored object", q, r);
	}
	cJSON_Delete(j);
	fuzz_check_alloc(q, r);
}

static void fuzz_watch_line(const char *s, size_t len)
{
	cJSON *ev = cJSON_ParseWithLength(s, len);
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
	static const char *const types[] = {"ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"};
	bool known = false;

	for (size_t i = 0; cJSON_IsString(type) && i < sizeof(types) / sizeof(types[0]); i++)
		known |= !strcmp(type->valuestring, types[i]);
	if (!known || !cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(ev, "object"))) {
		fprintf(stderr, "fuzz_api: bad watch line: %.*s\n", (int)len, s);
		abort();
	}
	cJSON_Delete(ev);
}

/* Read what the watch clients would read; close the streams the server
 * ended (and, with all, every stream: the clients hang up). */
static void fuzz_streams(bool all)
{
	struct http_stream *st = shim_streams, *next;

	for (; st; st = next) {
		next = st->next;
		if (!st->stalled || st->ended || all)
			shim_stream_drain(st, fuzz_watch_line);
		if (st->ended && st->len) {
			fprintf(stderr, "fuzz_api: watch ended inside a line\n");
			abort();
		}
		if (st->ended || all)
			shim_stream_close(st);
	}
}

/* server.c's group commit after a batch (here: one request). The
 * in-memory store has no disk to fill, so a failed commit is a defect. */
static void fuzz_after(const struct fuzz_req *q, const struct http_req *r)
{
	if (store_commit(F.st))
		fuzz_die("commit failed", q, r);
	http_release_deferred(NULL);
}

/* Run one request through the server as the HTTP layer and server.c
 * would. */
static int fuzz_do(struct fuzz_req *q)
{
	struct http_req r;
	int64_t before = store_rev(F.st);
	int status;

	/* http.c answers 413 itself, without calling the API */
	if (q->len > FUZZ_MAX_BODY)
		return 413;
	shim_req_init(&r, q->method, q->target, q->body, q->len);
	if (q->ctype)
		shim_req_header(&r, "Content-Type", q->ctype);
	if (q->accept)
		shim_req_header(&r, "Accept", q->accept);
	shim_req_header(&r, "Authorization", FUZZ_AUTHZ);
	api_handle(&F.api, &r);
	fuzz_after(q, &r);
	fuzz_check(q, &r, before);
	if (F.trace)
		fprintf(stderr, "%s %s [%zu bytes] -> %d %.300s\n", q->method, q->target, q->len,
			r.status, r.resp ? r.resp : "(stream)");
	if (F.seeding && r.status != 201)
		fuzz_die("seed object refused", q, &r);
	if (r.stream)
		r.stream->stalled = q->stalled;
	fuzz_streams(false);
	status = r.status;
	shim_req_free(&r);
	return status;
}

/* --- server set-up --- */

static void fuzz_seed(const char *path, const char *body)
{
	struct fuzz_req q = {.method = "POST", .ctype = "application/json"};

	snprintf(q.target, sizeof(q.target), "%s", path);
	q.body = (char *)body;
	q.len = strlen(body);
	F.seeding = true;
	fuzz_do(&q);
	F.seeding = false;
}

static const char fuzz_pod_spec[] =
    "{\"containers\":[{\"name\":\"c\",\"image\":\"nginx\",\"ports\":[{\"name\":\"http\","
    "\"containerPort\":80}]}]}";

static void fuzz_seed_all(void)
{
	char b[2048];

	fuzz_seed("/api/v1/namespaces", "{\"metadata\":{\"name\":\"seed\"}}");
	fuzz_seed("/api/v1/namespaces/default/services",
		  "{\"metadata\":{\"name\":\"seed\",\"labels\":{\"app\":\"web\"}},\"spec\":{"
		  "\"selector\":{\"app\":\"web\"},\"ports\":[{\"name\":\"http\",\"port\":80,"
		  "\"targetPort\":8080},{\"name\":\"dns\",\"port\":53,\"protocol\":\"UDP\"}]}}");
	fuzz_seed(
	    "/api/v1/namespaces/seed/services",
	    "{\"metadata\":{\"name\":\"seed\"},\"spec\":{\"type\":\"NodePort\",\"ports\":["
	    "{\"name\":\"a\",\"port\":80,\"nodePort\":30007},{\"name\":\"b\",\"port\":443}]}}");
	fuzz_seed("/api/v1/namespaces/default/endpoints",
		  "{\"metadata\":{\"name\":\"seed\"},\"subsets\":[{\"addresses\":[{\"ip\":"
		  "\"10.244.0.5\"}],\"ports\":[{\"name\":\"http\",\"port\":8080}]}]}");
	snprintf(b, sizeof(b),
		 "{\"metadata\":{\"name\":\"seed\",\"labels\":{\"app\":\"web\"}},\"spec\":%s}",
		 fuzz_pod_spec);
	fuzz_seed("/api/v1/namespaces/default/pods", b);
	fuzz_seed("/api/v1/namespaces/seed/pods", b);
	fuzz_seed("/api/v1/nodes",
		  "{\"metadata\":{\"name\":\"seed\"},\"status\":{\"addresses\":[{\"type\":"
		  "\"InternalIP\",\"address\":\"192.0.2.10\"}],\"conditions\":[{\"type\":"
		  "\"Ready\",\"status\":\"True\"}]}}");
	fuzz_seed("/api/v1/namespaces/default/events",
		  "{\"metadata\":{\"name\":\"seed\"},\"involvedObject\":{\"kind\":\"Pod\","
		  "\"name\":\"seed\",\"namespace\":\"default\"},\"reason\":\"Started\","
		  "\"message\":\"m\",\"type\":\"Normal\"}");
	fuzz_seed("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices",
		  "{\"metadata\":{\"name\":\"seed\",\"labels\":{\"kubernetes.io/service-name\":"
		  "\"seed\"}},\"addressType\":\"IPv4\",\"endpoints\":[{\"addresses\":["
		  "\"10.244.0.5\"],\"conditions\":{\"ready\":true}}],\"ports\":[{\"name\":"
		  "\"http\",\"port\":8080,\"protocol\":\"TCP\"}]}");
	for (const char **k = (const char *[]){"deployments", "replicasets", "statefulsets", NULL};
	     *k; k++) {
		char path[128];

		snprintf(b, sizeof(b),
			 "{\"metadata\":{\"name\":\"seed\"},\"spec\":{\"replicas\":2,%s"
			 "\"selector\":{\"matchLabels\":{\"app\":\"web\"}},\"template\":{"
			 "\"metadata\":{\"labels\":{\"app\":\"web\"}},\"spec\":%s}}}",
			 !strcmp(*k, "statefulsets") ? "\"serviceName\":\"seed\"," : "",
			 fuzz_pod_spec);
		snprintf(path, sizeof(path), "/apis/apps/v1/namespaces/default/%s", *k);
		fuzz_seed(path, b);
	}
}

static void fuzz_down(void)
{
	if (!F.up)
		return;
	fuzz_streams(true);
	api_fini(&F.api);
	auth_free(F.auth);
	audit_close(F.audit);
	store_close(F.st);
	F.up = false;
	/* libFuzzer's own leak check runs after every input whose mallocs and
	 * frees differ, which is every input here (the state persists), and
	 * costs most of the time: check once per store instead, after every
	 * object of the server was freed (FUZZ_OPTS turns libFuzzer's off) */
	if (__lsan_do_recoverable_leak_check())
		abort();
}

static void fuzz_up(void)
{
	struct store_opts so = {.path = ":memory:", .history_min_events = 64, .nosync = true};
	struct api_config ac = {
	    .advertise = "127.0.0.1:6443",
	    .cluster_domain = "cluster.local",
	    .cluster_dns = FUZZ_CLUSTER_DNS,
	    .api_ip = "127.0.0.1",
	    .api_port = 6443,
	    .max_body = FUZZ_MAX_BODY,
	    .watch_buffer_max = FUZZ_WATCH_BUF,
	};
	struct bootstrap_opts bo = {
	    .api_ip = "127.0.0.1",
	    .api_port = 6443,
	    .cluster_dns = FUZZ_CLUSTER_DNS,
	    .dns_ip = "127.0.0.1",
	    .dns_port = 53,
	};

	if (!F.loop) {
		F.loop = ev_loop_new(EVFLAG_AUTO);
		log_set_level(LOG_ERR);
		F.trace = getenv("SKIFF_FUZZ_TRACE") != NULL;
		F.reset_every = getenv("SKIFF_FUZZ_RESET")
				    ? (unsigned)atoi(getenv("SKIFF_FUZZ_RESET"))
				    : FUZZ_RESET_EVERY;
		if (!F.reset_every)
			F.reset_every = FUZZ_RESET_EVERY;
	}
	static const char *const tokens[] = {FUZZ_ADMIN_TOKEN ",admin,admin,system:masters", NULL};
	struct auth_config auc = {
	    .data_dir = F.data_dir,
	    .tokens = tokens,
	    .issuer = "https://kubernetes.default.svc.cluster.local",
	    .node_credential_ttl = 3600,
	};

	if (!F.loop || store_open(&so, &F.st) ||
	    api_init(&F.api, F.loop, F.st, FUZZ_SVC_CIDR, FUZZ_NODE_PORTS, &ac) ||
	    auth_new(F.st, &auc, &F.auth) || audit_open("/dev/null", &F.audit))
		abort();
	F.api.auth = F.auth;
	F.api.audit = F.audit;
	if (bootstrap_run(&F.api, &bo) || bootstrap_rbac(&F.api) || store_commit(F.st))
		abort();
	F.up = true;
	fuzz_seed_all();
}

/* --- decoding --- */

/* Append s percent-encoded (everything but unreserved characters). */
static void fuzz_append_enc(char *dst, size_t cap, const char *s, size_t len)
{
	size_t n = strlen(dst);

	for (size_t i = 0; i < len && n + 4 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_' || c == '.' || c == '~')
			dst[n++] = (char)c;
		else
			n += (size_t)snprintf(dst + n, cap - n, "%%%02X", c);
	}
	dst[n] = 0;
}

static void fuzz_append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	snprintf(dst + n, cap - n, "%s", s);
}

/* Replace every "@RV@" in the body by rv (the body is reallocated). */
static void fuzz_subst_rv(struct fuzz_req *q, int64_t rev)
{
	static const char tok[] = "@RV@";
	char rv[24], *out, *w;
	size_t n = 0, rl;

	for (const char *p = q->body; (p = memmem(p, q->len - (size_t)(p - q->body), tok, 4));
	     p += 4)
		n++;
	if (!n)
		return;
	rl = (size_t)snprintf(rv, sizeof(rv), "%lld", (long long)rev);
	out = malloc(q->len + n * rl + 1);
	if (!out)
		abort();
	w = out;
	for (size_t i = 0; i < q->len;) {
		if (i + 4 <= q->len && !memcmp(q->body + i, tok, 4)) {
			memcpy(w, rv, rl);
			w += rl;
			i += 4;
		} else {
			*w++ = q->body[i++];
		}
	}
	free(q->body);
	q->body = out;
	q->len = (size_t)(w - out);
}

/* The raw form: "METHOD /path?query\n[ACCEPT\n]body". */
static void fuzz_decode_raw(struct fuzz_req *q, uint8_t flags)
{
	static const char *const ctypes[] = {"application/json", "application/merge-patch+json",
					     "application/strategic-merge-patch+json",
					     "application/json-patch+json"};
	static char method[16];
	char *nl = memchr(q->body, '\n', q->len), *sp;
	size_t ll = nl ? (size_t)(nl - q->body) : q->len;

	sp = memchr(q->body, ' ', ll);
	if (!sp || (size_t)(sp - q->body) >= sizeof(method)) {
		q->method = "GET";
		sp = q->body - 1;
	} else {
		memcpy(method, q->body, (size_t)(sp - q->body));
		method[sp - q->body] = 0;
		q->method = method;
	}
	snprintf(q->target, sizeof(q->target), "%.*s", (int)(ll - (size_t)(sp + 1 - q->body)),
		 sp + 1);
	q->ctype = ctypes[flags & 3];
	ll = nl ? ll + 1 : ll;
	memmove(q->body, q->body + ll, q->len - ll);
	q->len -= ll;
	if (flags & 4) {
		static char accept[1200];

		nl = memchr(q->body, '\n', q->len);
		ll = nl ? (size_t)(nl - q->body) : q->len;
		snprintf(accept, sizeof(accept), "%.*s", (int)ll, q->body);
		q->accept = accept;
		ll = nl ? ll + 1 : ll;
		memmove(q->body, q->body + ll, q->len - ll);
		q->len -= ll;
	}
}

static void fuzz_selectors(struct fuzz_req *q)
{
	char *nl = memchr(q->body, '\n', q->len);
	size_t ll = nl ? (size_t)(nl - q->body) : q->len;

	if (!q->len)
		return;
	fuzz_append(q->target, sizeof(q->target), "&labelSelector=");
	fuzz_append_enc(q->target, sizeof(q->target), q->body, ll);
	if (nl) {
		fuzz_append(q->target, sizeof(q->target), "&fieldSelector=");
		fuzz_append_enc(q->target, sizeof(q->target), nl + 1, q->len - ll - 1);
	}
	q->len = 0;
}

/* Decode one request; the body is copied (q->body must be freed). */
static void fuzz_decode(const uint8_t *d, size_t n, struct fuzz_req *q)
{
	static const char *const methods[16] = {
	    "GET",    "GET",  "GET",   "POST", "PUT", "PATCH", "PATCH", "PATCH",
	    "DELETE", "POST", "PATCH", "GET",  "PUT", "PATCH", "PATCH", "PATCH"};
	static const char *const ctypes[16] = {[3] = "application/json",
					       [4] = "application/json",
					       [5] = "application/merge-patch+json",
					       [6] = "application/strategic-merge-patch+json",
					       [7] = "application/json-patch+json",
					       [8] = "application/json",
					       [9] = "application/json",
					       [10] = "application/apply-patch+yaml",
					       [12] = "application/json",
					       [13] = "application/merge-patch+json",
					       [14] = "application/strategic-merge-patch+json",
					       [15] = "application/json-patch+json"};
	/* a control byte holds its value plus one: NUL separates requests */
	uint8_t op = n > 0 ? d[0] - 1 : 0, tb = n > 1 ? d[1] - 1 : 0, fl = n > 2 ? d[2] - 1 : 0;
	int m = op & 15;
	const struct res_type *rt = res_types[tb % res_ntypes];
	const char *sub = fuzz_subs[(tb / res_ntypes) % 4];
	const char *name = fuzz_names[fl & 3], *ns = fuzz_nss[(fl >> 2) & 3];
	bool collection = m == 1 || m == 2 || m == 3;
	struct api_target t;
	char *path = q->target;
	size_t cap = sizeof(q->target);

	memset(q, 0, sizeof(*q));
	q->len = n > 3 ? n - 3 : 0;
	q->body = malloc(q->len + 1);
	if (!q->body)
		abort();
	memcpy(q->body, d + 3, q->len);
	q->method = methods[m];
	q->ctype = op & 0x80 ? NULL : ctypes[m];
	if (op & 0x40)
		q->accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json";
	if (m == 11) {
		fuzz_decode_raw(q, fl);
	} else {
		if (rt->group[0])
			snprintf(path, cap, "/apis/%s/%s", rt->group, rt->version);
		else
			snprintf(path, cap, "/api/%s", rt->version);
		if (rt->namespaced && !(fl & 0x40)) {
			fuzz_append(path, cap, "/namespaces/");
			fuzz_append(path, cap, ns);
		}
		fuzz_append(path, cap, "/");
		fuzz_append(path, cap, rt->plural);
		if (!collection) {
			fuzz_append(path, cap, "/");
			fuzz_append(path, cap, name);
			if (*sub) {
				fuzz_append(path, cap, "/");
				fuzz_append(path, cap, sub);
			}
		}
		fuzz_append(path, cap, "?x=1");
		if (op & 0x10)
			fuzz_append(path, cap, "&dryRun=All");
		if (op & 0x20)
			fuzz_append(path, cap, "&dryRun=Bogus");
		if (m == 10 && !(op & 0x80))
			fuzz_append(path, cap,
				    fl & 0x80 ? "&fieldManager=fz&force=true" : "&fieldManager=fz");
		if (m == 2) {
			int64_t rev = store_rev(F.st);
			char rv[48];

			/* recent (replay), "1" (compacted away: 410), future */
			snprintf(rv, sizeof(rv), "&watch=1&resourceVersion=%lld",
				 (long long)((fl & 0x30) == 0x10   ? rev - 1
					     : (fl & 0x30) == 0x20 ? 1
					     : (fl & 0x30) == 0x30 ? rev + 100
								   : 0));
			fuzz_append(path, cap, rv);
			q->stalled = fl & 0x80;
		}
		if (m == 1 || m == 2)
			fuzz_selectors(q);
	}
	/* the target's resourceVersion for "@RV@" */
	{
		char p[4096], *qm;
		int64_t rev = 0;

		snprintf(p, sizeof(p), "%s", q->target);
		qm = strchr(p, '?');
		if (qm)
			*qm = 0;
		if (api_route(p, &t) == 0 && t.has_name) {
			const struct store_kv *kv;
			char key[600];

			api_key(key, sizeof(key), t.rt, t.ns, t.name);
			kv = store_get(F.st, key);
			rev = kv ? kv->mod_rev : 0;
		}
		fuzz_subst_rv(q, rev);
	}
}

static void fuzz_rm_data_dir(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/sa.key", F.data_dir);
	unlink(path);
	rmdir(F.data_dir);
}

/* The signing key's data dir lives as long as the process. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(F.data_dir, sizeof(F.data_dir), "/tmp/fuzz_api.XXXXXX");
	if (!mkdtemp(F.data_dir))
		abort();
	atexit(fuzz_rm_data_dir);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	if (!F.up)
		fuzz_up();
	for (int i = 0; i < FUZZ_MAX_REQS && off < size; i++) {
		const uint8_t *nul = memchr(data + off, 0, size - off);
		size_t len = nul ? (size_t)(nul - (data + off)) : size - off;
		struct fuzz_req q;

		fuzz_decode(data + off, len, &q);
		fuzz_do(&q);
		free(q.body);
		off += len + 1;
	}
	/* the clients hang up; old history goes as the compaction timer does */
	fuzz_streams(true);
	store_compact(F.st);
	if (++F.inputs % F.reset_every == 0) {
		fuzz_down();
		fuzz_up();
	}
	return 0;
}
